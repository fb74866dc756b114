"""Retries with no wait between attempts (CWE-400): hand-written retry loops, busy polls, and
the ``retrying`` / ``tenacity`` / oslo.db decorators without a wait.

A *retry* is the same operation, with the same inputs, attempted again after it failed.  A
loop is one when it is a ``while`` loop or counts attempts (``for _ in range(n)``,
``itertools.count()``), contains a ``try`` whose successful path leaves the loop (``return``,
``break``, a ``while not done`` flag set) and has a handler that lets control come back to
the loop head.  It is reported unless something between attempts waits: a call whose name
says it sleeps, waits or backs off (``time.sleep(1)``, ``event.wait(5)``, ``self._backoff()``),
a configured ``sleep-functions`` / ``backoff-helpers`` / ``blocking-calls`` entry, or a
blocking call given a timeout (``queue.get(timeout=1)``).  ``sleep()`` and ``sleep(0)`` only
yield to other green threads: they are no wait.

What is *not* a retry, or is already paced:

* loops whose attempts differ: a ``for`` loop over a collection, the loop variable or a value
  carried from one pass to the next (a page marker, a redirect location, a parent region, a
  shrinking name) in the attempt's arguments, a fresh candidate per pass (a new random name,
  a free port), a handler that changes what the next attempt uses (another host, a refreshed
  id) or fails over (``self._next_host()``), several alternative attempts in one pass;
* handlers that re-authenticate before the next attempt (``self.login()``, ``new_session()``),
  or that catch only failures that come after a wait (``self-paced-exceptions``: timeouts,
  oslo.messaging errors raised after its own reconnect backoff) or that report a race already
  lost to a concurrent writer (``refresh-retry-exceptions``: generation conflicts, duplicate
  entries, stale data; ``write-race-exceptions`` in loops that write), which call for an
  immediate retry on fresh data;
* repairs: a handler that hands what the attempt uses to another operation first
  (``self.join_group(group_id)``, ``os.unlink(target)``, a migration; ``repair-calls``);
* calls that wait or back off by themselves: blocking reads and prompts (``recv``,
  ``input()``), queue ``get``/``put`` with a timeout, clients that retry with backoff
  (``backing-off-clients``), a decorated function that polls with a sleep;
* loops that ``yield`` (a scheduler does the waiting), dispatchers taking the next item of a
  queue, handlers in ``save_and_reraise_exception()`` that re-raise unless a condition says
  otherwise.

Busy polls with no ``try``: a ``while`` loop bounded by a clock (``while time.time() < end``,
``if time.time() - start > timeout: raise``) that calls the same operation with the same
inputs until its result says it is done, with no wait; and a loop that keeps calling a
non-blocking poll (``os.waitpid(..., os.WNOHANG)``, directly or through a helper of the same
module) with no way out but its condition.  A worker loop whose handler swallows "nothing to
wait for" (``ECHILD``, ``EAGAIN``) spins the same way.

Decorators: ``@retrying.retry`` / ``@tenacity.retry`` / ``tenacity.Retrying`` without a wait
(or with ``wait_fixed=0`` / ``wait_none()``), and ``oslo_db.api.wrap_db_retry`` with
``retry_interval=0``, unless every retried exception is self-paced or a refresh-retry, or the
decorated function waits inside.

Evidence, and one severity: a hand-written loop is reported when a retried exception is a
fast-failing transient (``transient-exceptions``) or something else says it retries a
transient failure (a catch-all handler, a ``retry-words`` word in its log messages, a
zero-second sleep in a handler, a handler going round on an HTTP 5xx).  Loops retrying a
specific exception the rule does not know, with no such sign, are not reported: that was
the old hint tier, and on projects nobody tuned on it was mostly wrong.  Decorators are explicit retries and need no evidence.
Every finding is a warning.
"""

from __future__ import annotations

import fnmatch
import re

from astroid import nodes

from nova_lsp.checks import backoff_fix, control
from nova_lsp.checks.calls import resolver
from nova_lsp.checks.tree import (
    call_name,
    dotted,
    import_map,
    nodes_in_scope,
    qualified,
)
from nova_lsp.core.model import Related, Span
from nova_lsp.engine.project import qualname

_SCOPES = control.SCOPES
_LOOPS = control.LOOPS
_TRIES = control.TRIES

# A call whose last name component says it waits: sleep, backoff, a `wait` word
# (`wait`, `wait_for_*`, `_wait`, `detach_and_wait_for_event`), delay (`self.delay(attempt)`).
_WAITING_NAME = re.compile(r"sleep|backoff|(?:^|_)wait(?:_|$)|(?:^|_)delay(?:_|$)", re.IGNORECASE)
# Blocking calls that pace a loop when given a timeout: `queue.get(timeout=1)`,
# `thread.join(5)`, `lock.acquire(timeout=2)`, `proc.communicate(timeout=30)`, `poller.poll(100)`.
_BLOCKING_WITH_TIMEOUT = {"get", "put", "join", "acquire", "communicate", "poll", "select"}
# `while time.time() < deadline`: the loop is bounded by a clock
_CLOCKS = {
    "time.time", "time.monotonic", "timeutils.utcnow", "timeutils.now", "datetime.now",
    "datetime.utcnow", "timeutils.is_older_than", "timeutils.delta_seconds",
}
_COUNTERS = {"range", "xrange", "count"}
_TAKERS = {"pop", "popleft", "popitem"}
_MUTATORS = {"add", "append", "extend", "update", "discard", "remove", "insert", "setdefault"}
_ACCUMULATORS = _MUTATORS | {"write", "writelines", "put", "put_nowait", "send", "sendall"}
# methods that change the object they are called on (a re-read included)
_CHANGERS = _ACCUMULATORS | {"seek", "truncate", "clear", "reset", "refresh", "reload", "refresh_from_db", "obj_reset_changes"}
_LOG_CALL = re.compile(r"^(?:self\.)?_?(?:LOG|log|logger|LOGGER|logging)\.")
# "nothing to wait for" errno values: the failing call returns at once, every time
_NONBLOCKING_ERRNOS = {"ECHILD", "EAGAIN", "EWOULDBLOCK"}
_NONBLOCKING_ERRORS = {"BlockingIOError", "ChildProcessError"}

_RETRYING = {"retrying.retry"}
_TENACITY = {"tenacity.retry"}
_LIBRARY_NAMES = {"retry", "Retrying", "AsyncRetrying", "wrap_db_retry"}
_RETRY_OBJECTS = {"retrying.Retrying": "retrying", "tenacity.Retrying": "tenacity", "tenacity.AsyncRetrying": "tenacity"}
_DB_RETRY = {"oslo_db.api.wrap_db_retry"}


# -- name matching ------------------------------------------------------------------------


class _Names:
    """A compiled name list: bare names match the last component (``*`` wildcards
    allowed), dotted names the whole written or import-resolved name, or a dotted suffix.
    ``fold``: compare bare names and patterns case-insensitively (call names)."""

    def __init__(self, entries, fold: bool = False) -> None:
        self.fold = fold
        key = str.lower if fold else (lambda s: s)
        self.bare = {key(e) for e in entries if "." not in e and "*" not in e}
        self.patterns = tuple(key(e) for e in entries if "." not in e and "*" in e)
        self.dotted = tuple(e for e in entries if "." in e)
        self.suffixes = tuple("." + e for e in self.dotted)

    def match(self, written: str, full: str | None = None) -> bool:
        last = written.rsplit(".", 1)[-1]
        if self.fold:
            last = last.lower()
        if last in self.bare:
            return True
        if self.patterns and any(fnmatch.fnmatchcase(last, p) for p in self.patterns):
            return True
        if self.dotted:
            for candidate in (written, full):
                if candidate and (candidate in self.dotted or candidate.endswith(self.suffixes)):
                    return True
        return False


_COMPILED: dict = {}


def _knowledge(ctx) -> _Knowledge:
    """The rule's options compiled, once per analysis (and once per set of options)."""

    def compute():
        key = tuple(sorted((name, tuple(v) if isinstance(v, list) else v) for name, v in ctx.options.items()))
        found = _COMPILED.get(key)
        if found is None:
            if len(_COMPILED) > 16:
                _COMPILED.clear()
            found = _COMPILED[key] = _Knowledge(ctx.options)
        return found

    return ctx.index.memo("retry_backoff.knowledge", compute)


class _Knowledge:
    """The rule's options, compiled once per check run."""

    def __init__(self, options) -> None:
        self.transient = _Names(options["transient-exceptions"])
        self.self_paced = _Names(options["self-paced-exceptions"])
        self.refresh = _Names(options["refresh-retry-exceptions"])
        self.write_race = _Names(options["write-race-exceptions"])
        self.writes = _Names(options["write-calls"], fold=True)
        self.waits = _Names(tuple(options["sleep-functions"]) + tuple(options["backoff-helpers"]))
        self.blocking = _Names(options["blocking-calls"])
        self.reauth = _Names(options["reauth-calls"], fold=True)
        self.repair = _Names(options["repair-calls"], fold=True)
        self.failover = _Names(options["failover-calls"], fold=True)
        self.fresh = _Names(options["fresh-value-calls"], fold=True)
        self.backing_off_keywords = frozenset(options["backing-off-keywords"])
        self.clients = _Names(options["backing-off-clients"])
        words = "|".join(re.escape(w) for w in options["retry-words"])
        self.retry_words = re.compile(rf"(?<![\w-])(?:{words})(?![\w-])", re.IGNORECASE) if words else re.compile(r"(?!x)x")


def _call_written(call: nodes.Call) -> str | None:
    written = dotted(call.func)
    if written is None and isinstance(call.func, nodes.Attribute):
        written = call.func.attrname  # ``threading.Event().wait(1)``: the attribute called
    return written


def _is_log_call(call) -> bool:
    return bool(_LOG_CALL.match(dotted(call.func) or ""))


def _zero(node) -> bool:
    return isinstance(node, nodes.Const) and not isinstance(node.value, bool) and node.value == 0


def _only_yields(call: nodes.Call) -> bool:
    """``eventlet.sleep()`` / ``time.sleep(0)`` / ``greenthread.sleep(seconds=0)``: a yield
    to other green threads, no wait."""
    values = [*call.args, *(kw.value for kw in call.keywords or ())]
    return not values or (len(values) == 1 and _zero(values[0]))


def _blocks_with_timeout(call: nodes.Call) -> bool:
    """``queue.get(timeout=1)``, ``q.get(True, 5)``, ``t.join(2)``, ``proc.communicate(timeout=30)``."""
    if not isinstance(call.func, nodes.Attribute) or call.func.attrname not in _BLOCKING_WITH_TIMEOUT:
        return False
    name = call.func.attrname
    timeout = [kw.value for kw in call.keywords or () if kw.arg == "timeout"]
    if timeout:
        value = timeout[0]
        if _zero(value) or (isinstance(value, nodes.Const) and value.value is None):
            return False
        if name == "put":  # `queue.put(item, timeout=1)`, not `requests.put(url, data=..., timeout=5)`
            others = {kw.arg for kw in call.keywords or ()} - {"timeout", "block"}
            return not others and len(call.args) <= 2
        # `requests.get(url, timeout=5)` fetches: a timeout there bounds a request
        # (`queue.Queue.get(self, timeout=t)`, the unbound form, passes the queue first)
        args = call.args[1:] if call.args and isinstance(call.args[0], nodes.Name) and call.args[0].name == "self" else call.args
        return name != "get" or all(isinstance(a, nodes.Const) and isinstance(a.value, bool) for a in args)
    if name == "get":
        return (
            len(call.args) == 2
            and isinstance(call.args[0], nodes.Const)
            and call.args[0].value is True
            and not _zero(call.args[1])
        )
    if name in ("join", "poll", "acquire") and call.args:
        last = call.args[-1]
        return isinstance(last, nodes.Const) and isinstance(last.value, (int, float)) and not _zero(last) and not isinstance(last.value, bool)
    return False


def _is_waiting_call(call: nodes.Call, k: _Knowledge, imports, nonblocking=frozenset()) -> bool:
    written = _call_written(call)
    if written is None:
        return False
    last = written.rsplit(".", 1)[-1]
    if "sleep" in last.lower() and _only_yields(call):
        return False
    if last in nonblocking and _local_callee(call):
        return False  # a helper of this module that polls without blocking (`_wait_child`)
    full = qualified(call.func, imports)
    if k.waits.match(written, full) or k.blocking.match(written, full):
        return True
    if _blocks_with_timeout(call):
        return True
    return bool(_WAITING_NAME.search(last))


def _local_callee(call) -> bool:
    """``self._helper()`` / ``cls._helper()`` / ``_helper()``: a function of this module."""
    func = call.func
    if isinstance(func, nodes.Name):
        return True
    return isinstance(func, nodes.Attribute) and isinstance(func.expr, nodes.Name) and func.expr.name in ("self", "cls")


# -- control flow within a loop body -------------------------------------------------------


def _block_of(node):
    """The statement list of ``node.parent`` that holds ``node``."""
    parent = node.parent
    for field in ("body", "orelse", "handlers", "finalbody"):
        block = getattr(parent, field, None)
        if isinstance(block, list) and node in block:
            return block
    return None


def _after_try(try_node, loop):
    """Statements run after ``try_node`` completes normally, up to the loop head, and
    whether control surely gets back to the loop head (False: it always leaves the loop)."""
    following = []
    node = try_node
    while node is not loop:
        parent = node.parent
        block = _block_of(node)
        if block is None:  # in a test or an iterator: not a statement path we follow
            return following, False
        rest = block[block.index(node) + 1 :]
        following.extend(rest)
        outcome = control.ends(rest)
        if outcome == "exit":
            return following, False
        if outcome == "continue":
            return following, True
        node = parent.parent if isinstance(parent, nodes.ExceptHandler) else parent
    return following, True


def _exits_loop(stmts) -> bool:
    for node in control.walk(stmts, skip_loops=False):
        if isinstance(node, nodes.Return):
            return True
    for node in control.walk(stmts, skip_loops=True):
        if isinstance(node, nodes.Break):
            return True
    return False


def _assigned_names(stmts) -> set[str]:
    """Names set by plain assignment (``done = True``), not counters (``left -= 1``)."""
    return {
        n.name
        for n in control.walk(stmts, skip_loops=False)
        if isinstance(n, nodes.AssignName) and isinstance(n.parent, nodes.Assign)
    }


def _names_in(node) -> set[str]:
    if node is None:
        return set()
    names = {n.name for n in node.nodes_of_class(nodes.Name)}
    if isinstance(node, nodes.Name):
        names.add(node.name)
    return names


def _keys_in(node) -> set[str]:
    """Names and attribute chains read by an expression: ``self._dpid``, ``criterion``."""
    if node is None:
        return set()
    keys = set()
    for sub in [node, *node.nodes_of_class((nodes.Name, nodes.Attribute))]:
        if not isinstance(sub, (nodes.Name, nodes.Attribute)):
            continue
        if sub is not node and isinstance(sub.parent, nodes.Attribute) and sub.parent.expr is sub and dotted(sub.parent) is not None:
            continue  # `self` in `self._dpid`: the whole chain is what is read
        name = dotted(sub)
        if name is not None:
            keys.add(name)
    return keys


def _reraise_reader(counters: set[str]):
    """How a ``save_and_reraise_exception()`` block ends, for ``control.ends``: it re-raises
    unless told not to on every path, or under a test of an attempt counter (the non-final
    attempts).  A conditional ``ctx.reraise = False`` on anything else is a decision to
    retry only when something changed: the blind retry re-raises."""

    def reraise(with_node) -> bool:
        outcome = control.save_and_reraise(with_node)
        if outcome is None:
            return control.reraises(with_node)
        if outcome in ("always", "never"):
            return outcome == "always"
        if not outcome:
            return False
        start = outcome[0][1]
        for switch, test in outcome[1:]:
            counted = test is not None and bool(_names_in(test) & counters)
            if switch == "off" and (test is None or counted):
                return False
            if switch == "on" and not start:
                # off from the start, switched on somewhere: comes back on the other paths
                return False
        return True

    return reraise


def _loop_nodes(loop, skip_loops: bool) -> list:
    """``control.walk(loop.body, skip_loops)``, computed once per loop (the rule asks it many
    questions; the list is kept on the node, which lives as long as this analysis)."""
    attr = "_nova003_flat" if skip_loops else "_nova003_all"
    found = getattr(loop, attr, None)
    if found is None:
        found = list(control.walk(loop.body, skip_loops=skip_loops))
        setattr(loop, attr, found)
    return found


def _calls_in(found, names: _Names) -> bool:
    for node in found:
        if isinstance(node, nodes.Call) and not _is_log_call(node):
            written = _call_written(node)
            if written and names.match(written):
                return True
    return False


def _yields(loop) -> bool:
    for node in _loop_nodes(loop, False):
        if isinstance(node, (nodes.Yield, nodes.YieldFrom)):
            return True
    return False


# -- loops -------------------------------------------------------------------------------


def _counter_loop(loop, imports) -> str | None:
    """For a ``for`` loop: "range"/"count" when it counts attempts, None when it walks data."""
    it = loop.iter
    if not isinstance(it, nodes.Call):
        return None
    name = qualified(it.func, imports) or ""
    last = name.rsplit(".", 1)[-1]
    if last not in _COUNTERS:
        return None
    if last == "count" and name not in ("itertools.count", "count"):
        return None
    for arg in it.args:  # range(len(hosts)) walks the hosts
        if isinstance(arg, nodes.Call) and dotted(arg.func) == "len":
            return None
    if isinstance(loop.target, nodes.AssignName):
        target = loop.target.name
        for sub in _loop_nodes(loop, False):
            if isinstance(sub, nodes.Subscript) and target in _names_in(sub.slice):
                return None  # hosts[attempt]: a different candidate each time
    return "count" if last == "count" else "range"


def _attempt_inputs(stmts) -> set[str]:
    """What the calls of an attempt read (arguments and receivers, not log calls, not
    comparisons): the names and attribute chains whose values make the attempt what it is."""
    keys = set()
    for node in control.walk(stmts, skip_loops=False):
        if not isinstance(node, nodes.Call) or _is_log_call(node):
            continue
        parts = [*node.args, *(kw.value for kw in node.keywords or ())]
        if isinstance(node.func, nodes.Attribute):
            parts.append(node.func.expr)
        for part in parts:
            if isinstance(part, nodes.Compare):
                continue
            keys |= _keys_in(part)
    return keys


def _uses_target(loop, try_node) -> bool:
    """The counter is an input of the attempt (``bind(port)`` for ``port in range(a, b)``):
    each pass tries a different value, not the same operation again.  Uses in log calls
    and in comparisons (``if attempt == n - 1``) do not count."""
    if not isinstance(loop.target, nodes.AssignName):
        return False
    target = loop.target.name
    for node in control.walk(try_node.body, skip_loops=False):
        if not (isinstance(node, nodes.Name) and node.name == target):
            continue
        parent = node.parent
        inert = False
        while parent is not None and parent is not try_node:
            if isinstance(parent, nodes.Compare):
                inert = True
                break
            if isinstance(parent, nodes.Call) and _is_log_call(parent):
                inert = True
                break
            parent = parent.parent
        if not inert:
            return True
    return False


def _consumes_items(loop) -> bool:
    """``queue.pop(0)`` / ``next(it)`` / ``queue.get()`` in the loop: each pass takes a new
    item (a dispatcher loop, not a retry)."""
    parts = _loop_nodes(loop, True)
    if isinstance(loop, nodes.While):
        parts = [*parts, *control.walk([loop.test], skip_loops=True)]
    for node in parts:
        if isinstance(node, nodes.Call):
            func = node.func
            if isinstance(func, nodes.Attribute) and func.attrname in _TAKERS:
                return True
            if isinstance(func, nodes.Attribute) and func.attrname == "get" and not node.args and not node.keywords:
                # `event = self.notifications.get()`: the next item of a queue, to handle
                # in this pass (a fetch returned at once, `return client.get()`, is not)
                stored = node.parent
                if isinstance(stored, nodes.Await):
                    stored = stored.parent
                if isinstance(stored, nodes.Assign) and not any(True for _ in func.expr.nodes_of_class(nodes.Call)):
                    return True
            if isinstance(func, nodes.Name) and func.name == "next":
                return True
    return False


def _walk_except(stmts, skip: frozenset):
    """``control.walk`` that does not enter the nodes whose ids are in ``skip``."""
    if not skip:
        parent = stmts[0].parent if stmts else None
        if isinstance(parent, _LOOPS) and stmts is parent.body:
            yield from _loop_nodes(parent, False)
        else:
            yield from control.walk(stmts, skip_loops=False)
        return
    stack = [s for s in stmts if id(s) not in skip]
    while stack:
        node = stack.pop()
        yield node
        for child in node.get_children():
            if isinstance(child, _SCOPES) or id(child) in skip:
                continue
            stack.append(child)


def _assignments(stmts, skip: frozenset = frozenset(), aliases=None):
    """(key, value expressions, the statement) for every store under ``stmts`` (not under
    the ``skip`` ids): plain and augmented assignments, stores into a container or an
    attribute (``criterion['name'] = name`` stores into ``criterion``), mutating calls
    (``excluded.add(pair)``: the set grows from its own previous value), loop targets.  A
    store into an alias (``params = fields['parameters']``, a loop variable over
    ``params.values()``) is also a store into what it aliases (``fields``)."""
    for key, values, node in _stores(stmts, skip):
        yield key, values, node
        if aliases and _stores_into(node, key):
            base = _alias_root(key.split(".", 1)[0], aliases)
            if base is not None and base != key:
                yield base, [*values, _Read(base)], node


def _stores_into(node, key: str) -> bool:
    """The store changes the object ``key`` names rather than rebinding the name."""
    if isinstance(node, nodes.Call):
        return True
    if isinstance(node, (nodes.Assign, nodes.AnnAssign, nodes.AugAssign)):
        targets = node.targets if isinstance(node, nodes.Assign) else [node.target]
        return any(isinstance(t, (nodes.Subscript, nodes.AssignAttr)) for t in targets)
    return False


def _alias_root(name: str, aliases: dict[str, str]) -> str | None:
    seen = set()
    root = None
    while name in aliases and name not in seen:
        seen.add(name)
        root = name = aliases[name]
    return root


def _aliases(ctx, loop) -> dict[str, str]:
    """name -> what it is a part of, in the loop's function (memoised): ``vdu = fields[...]``,
    ``conf = self.conf``, ``for key, params in vdu.items()``."""
    scope = loop.scope()

    def compute():
        found: dict[str, str] = {}
        for assign in nodes_in_scope(scope, nodes.Assign):
            value = assign.value
            if not isinstance(value, (nodes.Subscript, nodes.Attribute)):
                continue
            while isinstance(value, nodes.Subscript):
                value = value.value
            base = dotted(value)
            if base is None:
                continue
            for target in assign.targets:
                if isinstance(target, nodes.AssignName) and target.name != base:
                    found[target.name] = base
        for loop_node in nodes_in_scope(scope, (nodes.For, nodes.AsyncFor)):
            it = loop_node.iter
            if isinstance(it, nodes.Call) and isinstance(it.func, nodes.Attribute) and it.func.attrname in ("items", "values"):
                it = it.func.expr
            base = dotted(it)
            if base is None:
                continue
            for leaf in _target_leaves(loop_node.target):
                if "." not in leaf and leaf != base:
                    found[leaf] = base
        return found

    return ctx.index.memo(("retry_backoff.aliases", id(scope)), compute)


def _stores(stmts, skip: frozenset):
    for node in _walk_except(stmts, skip):
        if isinstance(node, (nodes.Assign, nodes.AnnAssign)):
            targets = node.targets if isinstance(node, nodes.Assign) else [node.target]
            for target in targets:
                for leaf in _target_leaves(target):
                    yield leaf, [node.value], node
        elif isinstance(node, nodes.AugAssign):
            for leaf in _target_leaves(node.target):
                yield leaf, [node.value, _Read(leaf)], node
        elif isinstance(node, (nodes.For, nodes.AsyncFor)):
            for leaf in _target_leaves(node.target):
                yield leaf, [node.iter], node
        elif isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute):
            if node.func.attrname in _MUTATORS:
                key = dotted(node.func.expr)
                if key is not None:
                    yield key, [*node.args, *(kw.value for kw in node.keywords or ()), _Read(key)], node


class _Read:
    """A read of ``key`` where the tree has none (``n += 1`` reads ``n``)."""

    def __init__(self, key: str) -> None:
        self.key = key


def _reads_of(value) -> set[str]:
    return {value.key} if isinstance(value, _Read) else _keys_in(value)


def _calls_of(value):
    if isinstance(value, _Read):
        return []
    return [value, *value.nodes_of_class(nodes.Call)]


def _target_leaves(target):
    if isinstance(target, (nodes.Tuple, nodes.List)):
        for elt in target.elts:
            yield from _target_leaves(elt)
    elif isinstance(target, nodes.Starred):
        yield from _target_leaves(target.value)
    elif isinstance(target, nodes.AssignName):
        yield target.name
    elif isinstance(target, nodes.AssignAttr):
        key = dotted(target.expr)
        if key is not None:
            yield f"{key}.{target.attrname}"
    elif isinstance(target, nodes.Subscript):
        key = dotted(target.value)
        if key is not None:
            yield key


def _varying(loop, k: _Knowledge, counted: bool = True, skip: frozenset = frozenset(), aliases=None) -> set[str]:
    """Names and attribute chains whose value changes from one pass of the loop to the next:
    carried from the previous pass (``i += 1``, ``marker = page[-1]['id']`` where ``page``
    was fetched with ``marker``), a fresh candidate (``name = generate_name()``,
    ``port = self._get_free_port()``), or computed from one of those.  Statements under the
    ``skip`` ids are not run between a failure and the next attempt (the code after a
    ``try`` whose handlers ``continue``, its ``else``): they do not count."""
    deps: dict[str, set[str]] = {}
    fresh: set[str] = set()
    wraps: set[str] = set()
    for key, values, _ in _assignments(loop.body, skip, aliases):
        into = deps.setdefault(key, set())
        for value in values:
            into |= _reads_of(value)
            if isinstance(value, nodes.NodeNG) and any(
                isinstance(b, nodes.BinOp) and b.op == "%" for b in [value, *value.nodes_of_class(nodes.BinOp)]
            ):
                wraps.add(key)
            for call in _calls_of(value):
                if isinstance(call, nodes.Call):
                    written = _call_written(call)
                    if written and k.fresh.match(written):
                        fresh.add(key)
    if isinstance(loop, (nodes.For, nodes.AsyncFor)):
        for leaf in _target_leaves(loop.target):
            fresh.add(leaf)
            deps.setdefault(leaf, set())
    assigned = set(deps)

    def reads(key: str) -> set[str]:
        # `self._dpid` also depends on stores into `self._dpid.x`; `a.b` on `a`
        out = set()
        for dep in deps.get(key, ()):
            for other in assigned:
                if dep == other or dep.startswith(other + ".") or other.startswith(dep + "."):
                    out.add(other)
        return out

    graph = {key: reads(key) for key in assigned}
    # carried: on a cycle of the store graph (reads its own previous value, directly or not)
    carried = set()
    for start in assigned:
        seen, stack = set(), list(graph[start])
        while stack:
            node = stack.pop()
            if node == start:
                carried.add(start)
                break
            if node in seen:
                continue
            seen.add(node)
            stack.extend(graph.get(node, ()))
    # `idx = (idx + 1) % len(servers)` cycles through the candidates and comes back to the
    # same ones: a retry of each, unless the loop gives up after one round (`if idx ==
    # start: break`)
    if not counted:  # bounded by a clock, or not at all: the round comes back
        for key in wraps & carried:
            if not _gives_up_after_a_round(loop, key):
                carried.discard(key)
    varying = carried | fresh
    changed = True
    while changed:
        changed = False
        for key in assigned - varying:
            if graph[key] & varying:
                varying.add(key)
                changed = True
    return varying


def _gives_up_after_a_round(loop, key: str) -> bool:
    for node in _loop_nodes(loop, True):
        if isinstance(node, nodes.If) and isinstance(node.test, nodes.Compare) and control.ends(node.body) == "exit":
            if key in _keys_in(node.test):
                return True
    return False


def _not_on_failure_path(try_node, kept, following, reraise) -> frozenset:
    """Ids of the statements that do not run between a failure caught by ``kept`` and the
    next attempt: the ``try``'s ``else``, its other handlers, and the code after it when
    every kept handler goes straight back with ``continue``."""
    skip = {id(s) for s in try_node.orelse}
    skip |= {id(h) for h in try_node.handlers if h not in kept}
    for node in control.walk(try_node.body, skip_loops=True):
        # `if resp['result'] == 'success': self.tag = resp['tag']; return`: success only
        if isinstance(node, nodes.If):
            for block in (node.body, node.orelse):
                if block and control.ends(block, reraise) == "exit":
                    skip |= {id(s) for s in block}
    if all(control.ends(h.body, reraise) == "continue" for h in kept):
        skip |= {id(s) for s in following}
    return frozenset(skip)


def _matches_key(inputs: set[str], keys: set[str]) -> bool:
    for key in keys:
        for used in inputs:
            if used == key or used.startswith(key + "."):
                return True
    return False


def _handler_redirects(handler, inputs: set[str], k: _Knowledge) -> bool:
    """The handler changes what the next attempt uses: it stores into an input of the
    attempt (``node = self._other_node()``, ``self._dpid = new_dpid``, ``excluded.add(x)``),
    other than stepping a counter, or calls a fail-over helper (``self._switch_host()``)."""
    stored = set()
    for key, values, stmt in _assignments(handler.body):
        if isinstance(stmt, nodes.AugAssign) and isinstance(stmt.value, nodes.Const):
            continue  # `attempt += 1`
        stored.add(key)
    if stored and _matches_key(inputs, stored):
        return True
    for node in control.walk(handler.body, skip_loops=False):
        # `stream.write(more)`, `instance.refresh()`: the input itself changes
        if isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute) and node.func.attrname in _CHANGERS:
            receiver = dotted(node.func.expr)
            if receiver is not None and receiver not in ("self", "cls") and _matches_key(inputs, {receiver}):
                return True
    return _calls_any(handler.body, k.failover)


def _input_closure(loop, inputs: set[str]) -> set[str]:
    """The attempt's inputs and what the loop computed them from (``req =
    coordinator.get_members(group_id)`` then ``req.get()``: ``group_id`` too)."""
    deps: dict[str, set[str]] = {}
    for key, values, _ in _assignments(loop.body):
        into = deps.setdefault(key, set())
        for value in values:
            into |= _reads_of(value)
    out, stack = set(inputs), list(inputs)
    while stack:
        key = stack.pop()
        for dep in deps.get(key, ()):
            if dep not in out:
                out.add(dep)
                stack.append(dep)
    return out


def _acts_on_inputs(handler, inputs: set[str], k: _Knowledge, imports) -> bool:
    """The handler hands something the attempt uses to another operation before the next
    attempt (``self.join_group(group_id)`` after ``GroupNotCreated``, ``os.unlink(target)``
    after ``EEXIST``, ``migrate(conn)`` after a missing column): it repairs the state the
    attempt failed on.  Logging, waiting, builtins and formatting do not count."""
    inputs = inputs - {"self", "cls"}  # `self._call()`: the object, not what it is asked
    if not inputs:
        return False
    for node in control.walk(handler.body, skip_loops=False):
        if not isinstance(node, nodes.Call) or _is_log_call(node):
            continue
        if isinstance(node.func, nodes.Name) and (node.func.name in _BUILTINS or node.func.name == "_"):
            continue
        if isinstance(node.func, nodes.Attribute) and isinstance(node.func.expr, nodes.Const):
            continue  # "...".format(host)
        if _is_waiting_call(node, k, imports):
            continue
        args = [*node.args, *(kw.value for kw in node.keywords or ())]
        if any(_matches_key(_keys_in(arg), inputs) for arg in args if not isinstance(arg, nodes.Const)):
            return True
    return False


def _calls_any(stmts, names: _Names) -> bool:
    for node in control.walk(stmts, skip_loops=False):
        if isinstance(node, nodes.Call) and not _is_log_call(node):
            written = _call_written(node)
            if written and names.match(written):
                return True
    return False


def _writes(loop, k: _Knowledge) -> bool:
    return _calls_in(_loop_nodes(loop, False), k.writes)


def _range_count(loop) -> int | None:
    it = loop.iter
    if isinstance(it, nodes.Call) and len(it.args) == 1 and isinstance(it.args[0], nodes.Const):
        value = it.args[0].value
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _is_forever(test) -> bool:
    return isinstance(test, nodes.Const) and bool(test.value) and test.value is not None


def _has_attempt_guard(loop, counters: set[str]) -> bool:
    """An ``if <compare involving a counter>:`` that raises/returns/breaks, in the loop."""
    for node in _loop_nodes(loop, True):
        if isinstance(node, nodes.If) and control.ends(node.body) == "exit":
            if _names_in(node.test) & counters:
                return True
    return False


def _reads_clock(test) -> bool:
    if test is None:
        return False
    for call in [test, *test.nodes_of_class(nodes.Call)]:
        if not isinstance(call, nodes.Call):
            continue
        name = dotted(call.func) or ""
        if name in _CLOCKS or any(name.endswith("." + c) for c in _CLOCKS):
            return True
    return False


def _clock_names(ctx, loop) -> set[str]:
    """Names assigned from a clock reading in the loop's function (``start = time.time()``,
    ``elapsed = time.time() - start``), memoised per function."""
    scope = loop.scope()

    def compute():
        names = set()
        for assign in nodes_in_scope(scope, nodes.Assign):
            if _reads_clock(assign.value):
                for target in assign.targets:
                    names.update(_target_leaves(target))
        return names

    return ctx.index.memo(("retry_backoff.clock_names", id(scope)), compute)


def _deadline_guard(ctx, loop) -> bool:
    """The loop is bounded by a clock: in its test, or an ``if`` reading the clock (or a
    name set from it) that raises, returns or breaks."""
    if isinstance(loop, nodes.While) and _reads_clock(loop.test):
        return True
    clocks = None
    for node in _loop_nodes(loop, True):
        if isinstance(node, nodes.If) and control.ends(node.body) == "exit":
            if _reads_clock(node.test):
                return True
            if clocks is None:
                clocks = _clock_names(ctx, loop)
            if _names_in(node.test) & clocks:
                return True
    if isinstance(loop, nodes.While) and loop.test is not None:
        if clocks is None:
            clocks = _clock_names(ctx, loop)
        if _names_in(loop.test) & clocks:
            return True
    return False


def _counters(loop) -> set[str]:
    """Names stepped in the loop: ``n += 1``, ``n -= 1``, ``n = n + 1``."""
    names = set()
    for node in _loop_nodes(loop, True):
        if isinstance(node, nodes.AugAssign) and isinstance(node.target, nodes.AssignName):
            names.add(node.target.name)
        elif isinstance(node, nodes.Assign) and isinstance(node.value, nodes.BinOp):
            for target in node.targets:
                if isinstance(target, nodes.AssignName) and target.name in _names_in(node.value):
                    names.add(target.name)
    return names


def _bound(ctx, loop, kind) -> str:
    if kind == "range":
        count = _range_count(loop)
        return f"at most {count} attempts" if count is not None else "bounded attempts"
    counters = _counters(loop)
    if kind == "count" and isinstance(loop.target, nodes.AssignName):
        counters.add(loop.target.name)
    if isinstance(loop, nodes.While) and _names_in(loop.test) & counters:
        return "bounded attempts"
    if _deadline_guard(ctx, loop):
        return "bounded by a deadline"
    if _has_attempt_guard(loop, counters):
        return "bounded attempts"
    return "unbounded: no attempt limit"


def _handler_types(handler) -> list:
    """The exception expressions of a handler; ``[None]`` for a bare ``except:``."""
    if handler.type is None:
        return [None]
    return list(handler.type.elts) if isinstance(handler.type, nodes.Tuple) else [handler.type]


def _expand(node, imports, bindings=None) -> list[tuple[str, str | None]]:
    """Written and import-resolved names of an exception expression; a local name bound to
    a tuple of exceptions (``retry_excs = (A, B)``) expands to its members."""
    name = dotted(node)
    if name is None:
        return []
    out = [(name, qualified(node, imports))]
    if isinstance(node, nodes.Name) and bindings:
        for value in _bound_tuples(node, bindings):
            for elt in value.elts:
                sub = dotted(elt)
                if sub is not None:
                    out.append((sub, qualified(elt, imports)))
    return out


def _tuple_bindings(ctx) -> dict[str, list]:
    """name -> [(scope, tuple node)] for every ``name = (A, B)`` of the module (memoised)."""

    def compute():
        found: dict[str, list] = {}
        for assign in ctx.index.of(nodes.Assign):
            if isinstance(assign.value, (nodes.Tuple, nodes.List)):
                for target in assign.targets:
                    if isinstance(target, nodes.AssignName):
                        found.setdefault(target.name, []).append((assign.scope(), assign.value))
        return found

    return ctx.index.memo("retry_backoff.tuple_bindings", compute)


def _bound_tuples(name_node, bindings):
    """Tuples/lists bound to ``name_node``'s name in its own scope, else at module level
    unless the scope rebinds the name.  (Resolved by hand: astroid's ``lookup`` may
    bootstrap the live ``builtins`` module.)"""
    candidates = bindings.get(name_node.name)
    if not candidates:
        return []
    scope = name_node.scope()
    local = [value for owner, value in candidates if owner is scope]
    if local or isinstance(scope, nodes.Module):
        return local
    if any(n.name == name_node.name for n in nodes_in_scope(scope, nodes.AssignName)):
        return []
    root = scope.root()
    return [value for owner, value in candidates if owner is root]


def _kind_of(names: list[tuple[str, str | None]], k: _Knowledge, writes: bool) -> str:
    """"paced" (the failure came after a wait), "refresh" (a race already lost: retry at
    once on fresh data), "transient" (fails fast, needs a backoff) or "other"."""
    if any(k.self_paced.match(w, q) for w, q in names):
        return "paced"
    if any(k.refresh.match(w, q) for w, q in names):
        return "refresh"
    if writes and any(k.write_race.match(w, q) for w, q in names):
        return "refresh"
    if any(k.transient.match(w, q) for w, q in names):
        return "transient"
    return "other"


def _describe(names: list[str]) -> str:
    if not names:
        return "any exception"
    quoted = [f"`{n}`" for n in names]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _loop_header_span(doc, loop) -> Span:
    """``while <test>:`` / ``for <target> in <iter>:`` on the loop's first line."""
    line = max((loop.lineno or 1) - 1, 0)
    text = doc.line(line)
    start = doc.col_from_utf8(line, loop.col_offset or 0)
    end = len(text.rstrip())
    header = doc.node_span(loop.test if isinstance(loop, nodes.While) else loop.iter)
    if header.end_line == line:
        colon = text.find(":", header.end_col)
        end = colon + 1 if colon >= 0 else header.end_col
    return Span(line, start, line, max(end, start + 1))


def _how(kind) -> str:
    if kind == "forever":
        return "in a `while True` loop"
    if kind == "while":
        return "in a `while` loop"
    return "in a `for` loop over `" + ("range(...)" if kind == "range" else "itertools.count()") + "`"


def _tries_by_loop(ctx):
    """loop -> the ``try`` statements directly in its body (not in nested loops or scopes),
    memoised."""
    return ctx.index.memo("retry_backoff.tries_by_loop", lambda: _find_tries(ctx))


def _find_tries(ctx):
    by_loop: dict[int, tuple] = {}
    for try_node in ctx.index.of(*_TRIES):
        ctx.tick()
        child, node = try_node, try_node.parent
        while node is not None and not isinstance(node, _SCOPES) and not isinstance(node, _LOOPS):
            child, node = node, node.parent
        if isinstance(node, _LOOPS) and child in node.body:
            by_loop.setdefault(id(node), (node, []))[1].append(try_node)
    return by_loop


def _loop_kind(loop, imports):
    if isinstance(loop, nodes.While):
        return ("forever" if _is_forever(loop.test) else "while"), _names_in(loop.test)
    return _counter_loop(loop, imports), set()


def _loop_findings(ctx, imports, k: _Knowledge, reported: set):
    doc = ctx.document
    bindings = _tuple_bindings(ctx)
    nonblocking = _nonblocking_helpers(ctx)
    for loop, try_nodes in _tries_by_loop(ctx).values():
        ctx.tick()
        kind, flags = _loop_kind(loop, imports)
        if kind is None or _consumes_items(loop) or _yields(loop):
            continue
        counters = _counters(loop)
        if isinstance(loop, (nodes.For, nodes.AsyncFor)) and isinstance(loop.target, nodes.AssignName):
            counters.add(loop.target.name)
        reraise = _reraise_reader(counters)
        writes = _writes(loop, k)
        retries = []  # (try, following, handlers kept)
        attempts = []
        spins = []  # worker loops swallowing "nothing to wait for"
        for try_node in try_nodes:
            following, comes_back = _after_try(try_node, loop)
            success = list(try_node.body) + list(try_node.orelse) + following
            if not (_exits_loop(success) or (flags and _assigned_names(success) & flags)):
                spin = _nonblocking_spin(try_node, comes_back, reraise)
                if spin:
                    spins.append((try_node, spin))
                continue
            if kind in ("range", "count") and _uses_target(loop, try_node):
                continue
            if not _in_handler(try_node, loop):
                attempts.append(try_node)
            if _calls_any(following, k.reauth) or _calls_any(following, k.failover):
                continue  # logs in again (or moves on) before the next attempt
            inputs = _attempt_inputs(try_node.body)
            kept = []
            for handler in try_node.handlers:
                outcome = control.ends(handler.body, reraise)
                if outcome == "exit" or (outcome is None and not comes_back):
                    continue
                if _calls_any(handler.body, k.reauth) or _calls_any(handler.body, k.repair):
                    continue  # logs in again, or repairs what failed, before the next attempt
                if _acts_on_inputs(handler, _input_closure(loop, inputs), k, imports):
                    continue  # does something to what the attempt uses: a repair
                if _handler_redirects(handler, inputs, k):
                    continue
                kept.append(handler)
            if kept:
                retries.append((try_node, inputs, kept, following))
        if len(attempts) >= 2 and len({_attempt_text(ctx, t) for t in attempts}) >= 2:
            continue  # alternatives tried in turn (rename this, else that): not one retry
        if retries:
            bound = _bound(ctx, loop, kind if kind in ("range", "count") else "while")
            counted = not (bound.endswith("deadline") or bound.startswith("unbounded"))
            retries = [
                r for r in retries
                if not _matches_key(
                    r[1], _varying(loop, k, counted, _not_on_failure_path(r[0], r[2], r[3], reraise), _aliases(ctx, loop))
                )
            ]
        handlers = []
        retried: list[str] = []
        kinds = set()
        bare = False
        for try_node, _, kept, _ in retries:
            for handler in kept:
                handler_kinds = []
                handler_names = []
                for type_node in _handler_types(handler):
                    if type_node is None:
                        bare = True
                        handler_kinds.append("other")
                        continue
                    expanded = _expand(type_node, imports, bindings)
                    if not expanded:
                        handler_kinds.append("other")
                        continue
                    members = expanded[1:] or expanded
                    member_kinds = {_kind_of([m], k, writes) for m in members}
                    if member_kinds <= {"paced", "refresh"}:
                        handler_kinds.append("paced")
                    else:
                        handler_kinds.append("transient" if "transient" in member_kinds else "other")
                    handler_names.append(expanded[0][0])
                if handler_kinds and all(h == "paced" for h in handler_kinds):
                    continue  # every failure it retries already waited, or lost a race
                if _tolerated_statuses(handler, reraise) and _tolerated_statuses(handler, reraise) <= (
                    {404, 409} if writes else {409}
                ):
                    continue  # it goes round only on a 409 conflict (or a 404 in a loop that writes)
                handlers.append(handler)
                kinds.update(handler_kinds)
                for name in handler_names:
                    if name not in retried:
                        retried.append(name)
        if not handlers:
            for try_node, spin in spins[:1]:
                if not _waits(loop, k, imports, nonblocking, skip=try_node.body):
                    reported.add(id(loop))
                    yield ctx.finding(
                        _loop_header_span(doc, loop),
                        fix=backoff_fix.loop_builder(ctx, loop, []),
                        exception=spin,
                        how=_how(kind),
                        bound=_bound(ctx, loop, kind if kind in ("range", "count") else "while"),
                    )
            continue
        if _waits(loop, k, imports, nonblocking) or _backs_off_itself(ctx, retries, k, imports):
            continue
        if "transient" not in kinds and not _transient_evidence(loop, handlers, k, reraise):
            # an exception the rule knows nothing of, and nothing says it is a transient
            # failure being retried: on code nobody tuned on, such loops were mostly
            # readers, repairs and searches (the old hint tier), so they are not reported
            continue
        exc = _describe(retried)
        if bare:
            exc = "any exception (bare `except:`)" if not retried else exc + " and any exception (bare `except:`)"
        reported.add(id(loop))
        yield ctx.finding(
            _loop_header_span(doc, loop),
            fix=backoff_fix.loop_builder(ctx, loop, handlers),
            exception=exc,
            how=_how(kind),
            bound=_bound(ctx, loop, kind if kind in ("range", "count") else "while"),
        )


_BROAD = {"Exception", "BaseException"}


def _transient_evidence(loop, handlers, k: _Knowledge, reraise) -> bool:
    """Something says the loop retries a transient failure, though the rule does not know
    the exception: it catches everything (``except Exception:``, a bare ``except:``), its
    log messages say so (``"... failed, retrying"``, ``"attempt %d of %d"``), a handler
    pauses for zero seconds (``eventlet.sleep()``: the author meant to wait), or a handler
    goes round on an HTTP 5xx status.  A specific exception the rule does not know
    (``EOFError``, ``GroupNotCreated``, ``queue.Full``) is more often a state the loop
    reacts to (end of data, something missing) than a fault it retries."""
    for handler in handlers:
        for type_node in _handler_types(handler):
            if type_node is None or (dotted(type_node) or "").rsplit(".", 1)[-1] in _BROAD:
                return True  # whatever went wrong, try again: a retry by intent
        for node in control.walk(handler.body, skip_loops=False):
            if isinstance(node, nodes.Call) and "sleep" in (_call_written(node) or "").lower() and _only_yields(node):
                return True
        statuses = _tolerated_statuses(handler, reraise)
        if statuses and all(500 <= code < 600 for code in statuses):
            return True
    for node in _loop_nodes(loop, False):
        if isinstance(node, nodes.Call) and _is_log_call(node):
            for const in node.nodes_of_class(nodes.Const):
                if isinstance(const.value, str) and k.retry_words.search(const.value):
                    return True
    return False


def _in_handler(node, loop) -> bool:
    """``node`` sits in an ``except`` clause inside ``loop`` (a clean-up, not an attempt)."""
    parent = node.parent
    while parent is not None and parent is not loop:
        if isinstance(parent, nodes.ExceptHandler):
            return True
        parent = parent.parent
    return False


def _attempt_text(ctx, try_node) -> str:
    """The calls an attempt makes, as written: two attempts that differ are alternatives."""
    calls = [
        ctx.document.text_of(ctx.document.node_span(node))
        for node in control.walk(try_node.body, skip_loops=False)
        if isinstance(node, nodes.Call) and not _is_log_call(node)
    ]
    return "\n".join(sorted(calls))


def _backs_off_itself(ctx, retries, k: _Knowledge, imports) -> bool:
    """An attempt whose callee retries with its own backoff before it fails: a call told to
    (``session.get(url, connect_retries=3)``, ``execute(..., delay_on_retry=True)``), or a
    call on a client made by a ``backing-off-clients`` constructor (``self.conn =
    boto3.client('s3')``: botocore retries with backoff)."""
    clients = _backing_off_clients(ctx, imports)
    for try_node, _, _, _ in retries:
        for node in control.walk(try_node.body, skip_loops=False):
            if not isinstance(node, nodes.Call):
                continue
            for kw in node.keywords or ():
                if kw.arg in k.backing_off_keywords and not (isinstance(kw.value, nodes.Const) and not kw.value.value):
                    return True
            if clients and isinstance(node.func, nodes.Attribute):
                receiver = dotted(node.func.expr)
                if receiver is not None and receiver.rsplit(".", 1)[-1] in clients:
                    return True
    return False


def _is_backing_off_client(call, k: _Knowledge, imports) -> bool:
    written = dotted(call.func)
    return bool(written) and k.clients.match(written, qualified(call.func, imports))


def _backing_off_clients(ctx, imports) -> frozenset:
    """Last names of the variables and attributes the module binds to a backing-off client
    (``self.conn = boto3.client(...)`` makes ``conn``), memoised."""

    def compute():
        k = _knowledge(ctx)
        names = set()
        for call in ctx.index.of(nodes.Call):
            if isinstance(call.parent, nodes.Assign) and _is_backing_off_client(call, k, imports):
                for target in call.parent.targets:
                    for leaf in _target_leaves(target):
                        names.add(leaf.rsplit(".", 1)[-1])
        return frozenset(names)

    return ctx.index.memo("retry_backoff.backing_off_clients", compute)


_STATUS_ATTRS = {"http_status", "status_code", "code", "status"}


def _tolerated_statuses(handler, reraise) -> set[int]:
    """HTTP statuses a handler lets go round (``if ex.http_status != 404: raise``, ``if
    e.code == 409: continue``): a 409 is a conflict and a 404 a vanished object, both races
    to retry on fresh data.  Empty when the handler tests no status."""
    found: set[int] = set()
    for node in control.walk(handler.body, skip_loops=False):
        if not isinstance(node, nodes.If) or not isinstance(node.test, nodes.Compare):
            continue
        test = node.test
        if not (isinstance(test.left, nodes.Attribute) and test.left.attrname in _STATUS_ATTRS):
            continue
        if len(test.ops) != 1:
            return set()
        op, right = test.ops[0]
        values = right.elts if isinstance(right, (nodes.Tuple, nodes.List, nodes.Set)) else [right]
        codes = {v.value for v in values if isinstance(v, nodes.Const) and isinstance(v.value, int)}
        if len(codes) != len(values):
            return set()
        negative = op in ("!=", "not in")
        exits = control.ends(node.body, reraise) == "exit"
        if negative and exits:
            found |= codes  # `if status != 404: raise`: only 404 goes round
        elif not negative and not exits:
            found |= codes  # `if status == 409: continue`
        else:
            return set()
    return found


def _nonblocking_spin(try_node, comes_back: bool, reraise) -> str | None:
    """A worker loop's handler that swallows "nothing to wait for" (``ECHILD`` from
    ``os.wait()``, ``EAGAIN``, ``BlockingIOError``) and goes round: the call fails at once
    every time.  The description of what is retried, or None."""
    for handler in try_node.handlers:
        outcome = control.ends(handler.body, reraise)
        if outcome == "exit" or (outcome is None and not comes_back):
            continue
        for type_node in _handler_types(handler):
            name = dotted(type_node) if type_node is not None else None
            if name and name.rsplit(".", 1)[-1] in _NONBLOCKING_ERRORS:
                return f"`{name}`"
        for node in control.walk(handler.body, skip_loops=False):
            if not isinstance(node, nodes.If) or not isinstance(node.test, nodes.Compare):
                continue
            errnos = {
                a.attrname for a in node.test.nodes_of_class(nodes.Attribute)
                if a.attrname in _NONBLOCKING_ERRNOS and dotted(a.expr) == "errno"
            }
            if not errnos:
                continue
            negative = any(op in ("not in", "!=") for op, _ in node.test.ops)
            # `if err.errno not in (EINTR, ECHILD): raise` / `if err.errno == EAGAIN: pass`:
            # the listed values are tolerated and go round again
            if negative == (control.ends(node.body) == "exit"):
                caught = _describe([dotted(t) for t in _handler_types(handler) if t is not None and dotted(t)])
                return f"{caught} ({', '.join(sorted(errnos))})"
    return None


def _waits(loop, k: _Knowledge, imports, nonblocking=frozenset(), skip=()) -> bool:
    """A waiting call anywhere in the loop (header included), nested loops too; calls under
    ``skip`` (the attempt itself, when its own wait is what fails at once) do not count."""
    parts = [loop.test] if isinstance(loop, nodes.While) else [loop.iter]
    skipped = {id(s) for s in skip}
    stack = [p for p in [*parts, *loop.body] if p is not None and id(p) not in skipped]
    while stack:
        node = stack.pop()
        if isinstance(node, nodes.Call) and _is_waiting_call(node, k, imports, nonblocking):
            return True
        for child in node.get_children():
            if isinstance(child, _SCOPES) or id(child) in skipped:
                continue
            stack.append(child)
    return False


# -- busy polls: no try, the result says whether to go round again --------------------------


# Facts for incremental analysis.  A finding in one function may read other functions: a
# retry predicate named by a decorator (``retry_on_exception=_is_transient``) is read from
# its module-level function, a loop calling a helper of the module reads whether the helper
# polls without blocking (``os.waitpid(..., os.WNOHANG)`` in ``_wait_child``), and a client
# bound in one method is used in the others (``self.conn = boto3.client(...)``).  The first
# two are looked up by the function's name, so the whole function is the fact.
FACT_NODES = (nodes.Call, nodes.FunctionDef, nodes.AsyncFunctionDef)


def fact(ctx, node) -> bool:
    """A module-level function with an ``isinstance`` call (a possible retry predicate), a
    function that polls without blocking (a helper a busy loop may call), or a backing-off
    client bound to a name."""
    if isinstance(node, (nodes.FunctionDef, nodes.AsyncFunctionDef)):
        if node.name in _nonblocking_helpers(ctx):
            return True
        if isinstance(node.parent, nodes.Module) and isinstance(node, nodes.FunctionDef):
            return any(dotted(call.func) == "isinstance" for call in node.nodes_of_class(nodes.Call))
        return False
    return isinstance(node.parent, nodes.Assign) and _is_backing_off_client(node, _knowledge(ctx), import_map(ctx))


def _is_nonblocking_poll(call) -> bool:
    """``os.waitpid(pid, os.WNOHANG)`` / ``os.wait3(os.WNOHANG)``: returns at once when
    nothing is ready."""
    func = call.func
    last = func.attrname if isinstance(func, nodes.Attribute) else getattr(func, "name", None)
    if last not in ("waitpid", "wait3", "wait4"):
        return False
    for arg in [*call.args, *(kw.value for kw in call.keywords or ())]:
        if any(dotted(n) in ("os.WNOHANG", "WNOHANG") for n in [arg, *arg.nodes_of_class((nodes.Attribute, nodes.Name))]):
            return True
    return False


def _nonblocking_helpers(ctx) -> frozenset:
    """Names of the module's functions and methods that poll without blocking (memoised)."""

    def compute():
        names = set()
        if "WNOHANG" not in ctx.document.text:
            return frozenset()
        for call in ctx.index.of(nodes.Call):
            if _is_nonblocking_poll(call):
                scope = call.scope()
                if isinstance(scope, (nodes.FunctionDef, nodes.AsyncFunctionDef)):
                    names.add(scope.name)
        return frozenset(names)

    return ctx.index.memo("retry_backoff.nonblocking_helpers", compute)


_BUILTINS = {"len", "isinstance", "str", "int", "float", "bool", "list", "dict", "set", "tuple", "any", "all", "getattr", "hasattr", "min", "max", "sorted"}


def _operation(call) -> bool:
    """A call that can be the polled operation: not a clock, a log call or a builtin."""
    if not isinstance(call, nodes.Call) or _reads_clock(call) or _is_log_call(call):
        return False
    return not (isinstance(call.func, nodes.Name) and call.func.name in _BUILTINS)


def _presence_test(test) -> bool:
    """``x is None`` / ``x is not None``: waiting for something to exist, not for a failed
    attempt to succeed."""
    if isinstance(test, nodes.UnaryOp) and test.op == "not":
        test = test.operand
    return isinstance(test, nodes.Compare) and all(
        op in ("is", "is not") and isinstance(other, nodes.Const) and other.value is None for op, other in test.ops
    )


def _polled_call(loop, k: _Knowledge) -> nodes.Call | None:
    """The operation a busy poll repeats on a failed result: a call in the loop's test
    (``while not try_connect(host)``), or a call whose result the loop tests before leaving
    (``ok, data = send(...)`` then ``if ok: return data``)."""
    test = getattr(loop, "test", None)
    if test is not None and not _presence_test(test):
        for call in [test, *test.nodes_of_class(nodes.Call)]:
            if _operation(call):
                return call
    stmts = sorted(
        (n for n in _loop_nodes(loop, True) if isinstance(n, (nodes.Assign, nodes.If))),
        key=lambda n: (n.lineno or 0, n.col_offset or 0),
    )
    results: dict[str, nodes.Call] = {}
    for node in stmts:
        if isinstance(node, nodes.Assign):
            if _operation(node.value):
                for target in node.targets:
                    for leaf in _target_leaves(target):
                        results.setdefault(leaf, node.value)
            continue
        if control.ends(node.body) != "exit" or _reads_clock(node.test) or _presence_test(node.test):
            continue
        exits = [n for n in control.walk(node.body, skip_loops=True) if isinstance(n, (nodes.Return, nodes.Break))]
        if not exits:
            continue  # it raises: that is the give-up branch, not the success
        for name in sorted(_names_in(node.test)):
            if name in results:
                return results[name]
        for call in node.test.nodes_of_class(nodes.Call):
            if _operation(call):
                return call
    return None


def _exit_reads(loop) -> set[str]:
    """What the tests that leave the loop read."""
    keys = set()
    for node in _loop_nodes(loop, True):
        if isinstance(node, nodes.If) and control.ends(node.body) == "exit":
            keys |= _keys_in(node.test)
    return keys


def _does_work(loop) -> bool:
    """The loop accumulates or hands something on each pass (``buf += chunk``,
    ``out.write(data)``, ``results.append(r)``): it processes a stream, it does not poll."""
    for node in _loop_nodes(loop, False):
        if isinstance(node, nodes.AugAssign) and not isinstance(node.value, nodes.Const):
            return True
        if isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute):
            if node.func.attrname in _ACCUMULATORS and not _is_log_call(node):
                return True
    return False


def _poll_findings(ctx, imports, k: _Knowledge, reported: set):
    doc = ctx.document
    nonblocking = _nonblocking_helpers(ctx)
    with_tries = {id(loop) for loop, _ in _tries_by_loop(ctx).values()}
    for loop in ctx.index.of(nodes.While, nodes.For):
        ctx.tick()
        if id(loop) in reported or id(loop) in with_tries:
            continue
        if isinstance(loop, nodes.While):
            kind = "forever" if _is_forever(loop.test) else "while"
        else:
            kind = _counter_loop(loop, imports)
            if kind is None:
                continue
        # only a loop bounded by a clock, or one calling a non-blocking poll, can be a busy
        # poll: the cheap questions first
        if not _deadline_guard(ctx, loop) and not (
            isinstance(loop, nodes.While) and (nonblocking or _calls_nonblocking(loop))
        ):
            continue
        if _yields(loop) or _consumes_items(loop):
            continue
        bound = _bound(ctx, loop, kind if kind in ("range", "count") else "while")
        described = None
        if bound.endswith("deadline"):
            # a loop bounded by a clock that tries the same call until its result says it
            # worked.  (Loops bounded by a count of attempts are left alone: without a
            # ``try`` they are as often searches and batch loops as retries.)
            call = _polled_call(loop, k)
            if call is None or _does_work(loop):
                continue
            varying = _varying(loop, k, counted=False, aliases=_aliases(ctx, loop))
            if _matches_key(_keys_in(call) | _exit_reads(loop), varying):
                continue  # a different input each pass
            written = _call_written(call) or ""
            if k.fresh.match(written):
                continue  # a fresh candidate each pass
            if _calls_in(_loop_nodes(loop, False), k.reauth) or _calls_in(_loop_nodes(loop, False), k.failover):
                continue
            described = f"a failed `{_call_written(call) or 'call'}(...)`"
        elif isinstance(loop, nodes.While) and (nonblocking or _calls_nonblocking(loop)):
            if any(isinstance(n, (nodes.Return, nodes.Break, nodes.Raise)) for n in _loop_nodes(loop, True)):
                continue
            call = _nonblocking_call(loop, nonblocking)
            if call is None:
                continue
            described = f"a non-blocking `{_call_written(call)}(...)` that found nothing"
        else:
            continue
        if _waits(loop, k, imports, nonblocking):
            continue
        reported.add(id(loop))
        yield ctx.finding(
            _loop_header_span(doc, loop),
            fix=backoff_fix.loop_builder(ctx, loop, []),
            exception=described,
            how=_how(kind),
            bound=bound,
        )


def _calls_nonblocking(loop) -> bool:
    return any(
        isinstance(n, nodes.Call) and _is_nonblocking_poll(n)
        for n in control.walk([*loop.body, loop.test], skip_loops=True)
    )


def _nonblocking_call(loop, helpers) -> nodes.Call | None:
    for node in control.walk([*loop.body, loop.test], skip_loops=True):
        if not isinstance(node, nodes.Call):
            continue
        if _is_nonblocking_poll(node):
            return node
        written = _call_written(node)
        if written and written.rsplit(".", 1)[-1] in helpers and _local_callee(node):
            return node
    return None


# -- retrying / tenacity / oslo.db ---------------------------------------------------------


def _predicate_exceptions(pred, module, imports) -> list[tuple[str, str | None]]:
    """Exceptions named in ``isinstance(e, X)`` calls of a lambda or a module function."""
    bodies = []
    if isinstance(pred, nodes.Lambda):
        bodies.append(pred)
    elif isinstance(pred, nodes.Name) and module is not None:
        for fn in module.body:
            if isinstance(fn, nodes.FunctionDef) and fn.name == pred.name:
                bodies.append(fn)
    found = []
    for body in bodies:
        for call in body.nodes_of_class(nodes.Call):
            if dotted(call.func) == "isinstance" and len(call.args) == 2:
                second = call.args[1]
                for elt in second.elts if isinstance(second, nodes.Tuple) else [second]:
                    found.extend(_expand(elt, imports)[:1])
    return found


def _zero_wait(value) -> bool:
    """``wait_fixed=0``, ``wait=tenacity.wait_none()``, ``wait=wait_fixed(0)``."""
    if _zero(value):
        return True
    if isinstance(value, nodes.Call):
        name = (dotted(value.func) or "").rsplit(".", 1)[-1]
        if name == "wait_none":
            return True
        if name == "wait_fixed" and value.args and _zero(value.args[0]):
            return True
    return False


def _decorator_parts(call, lib, module, imports):
    """(has wait, has stop, retried exceptions or None for 'any', described predicate)."""
    keywords = {kw.arg: kw.value for kw in call.keywords} if call is not None else {}
    if None in keywords:  # **options: cannot tell
        return None
    if lib == "oslo_db":
        interval = keywords.get("retry_interval")
        has_wait = not (interval is not None and _zero(interval))
        limit = keywords.get("max_retries")
        has_stop = True
        if isinstance(limit, nodes.Const) and isinstance(limit.value, int) and not isinstance(limit.value, bool):
            has_stop = limit.value + 1 if limit.value >= 0 else False
        found = []
        for flag, name in (("retry_on_deadlock", "DBDeadlock"), ("retry_on_disconnect", "DBConnectionError")):
            value = keywords.get(flag)
            if isinstance(value, nodes.Const) and value.value is True:
                found.append((name, f"oslo_db.exception.{name}"))
        label = None
        if "exception_checker" in keywords:
            checker = keywords["exception_checker"]
            found.extend(_predicate_exceptions(checker, module, imports))
            if not found:
                label = "the `exception_checker`"
        return has_wait, has_stop, found, label
    if lib == "retrying":
        waits = [v for key, v in keywords.items() if key.startswith("wait")]
        has_wait = bool(waits) and not all(_zero_wait(v) for v in waits)
        has_stop = any(k.startswith("stop") for k in keywords)
        limit = keywords.get("stop_max_attempt_number")
        if isinstance(limit, nodes.Const) and isinstance(limit.value, int) and not isinstance(limit.value, bool):
            has_stop = limit.value
        pred = keywords.get("retry_on_exception")
        if pred is None:
            return has_wait, has_stop, [], None
        found = _predicate_exceptions(pred, module, imports)
        label = dotted(pred) if not found and dotted(pred) else None
        return has_wait, has_stop, found, label
    has_wait = "wait" in keywords and not _zero_wait(keywords["wait"])
    has_stop = "stop" in keywords
    stop = keywords.get("stop")
    if isinstance(stop, nodes.Call) and (dotted(stop.func) or "").endswith("stop_after_attempt"):
        if stop.args and isinstance(stop.args[0], nodes.Const) and isinstance(stop.args[0].value, int):
            has_stop = stop.args[0].value
    pred = keywords.get("retry")
    if pred is None:
        return has_wait, has_stop, [], None
    found = []
    label = None
    for cond in pred.nodes_of_class(nodes.Call) if not isinstance(pred, nodes.Call) else [pred, *pred.nodes_of_class(nodes.Call)]:
        fname = (dotted(cond.func) or "").rsplit(".", 1)[-1]
        if fname == "retry_if_exception_type":
            for arg in cond.args:
                for elt in arg.elts if isinstance(arg, nodes.Tuple) else [arg]:
                    found.extend(_expand(elt, imports)[:1])
        elif fname == "retry_if_exception" and cond.args:
            found.extend(_predicate_exceptions(cond.args[0], module, imports))
    if not found:
        label = "the `retry=` condition"
    return has_wait, has_stop, found, label


def _is_decorator(node) -> bool:
    return isinstance(node.parent, nodes.Decorators)


def _decorated(node):
    """The function a decorator or a ``retry(...)(func)`` call wraps, when it is in view."""
    if isinstance(node.parent, nodes.Decorators):
        return node.parent.parent
    outer = node.parent
    if isinstance(outer, nodes.Call) and outer.func is node and len(outer.args) == 1 and isinstance(outer.args[0], nodes.Name):
        name = outer.args[0].name
        scope = node.scope()
        for fn in nodes_in_scope(scope, (nodes.FunctionDef, nodes.AsyncFunctionDef)):
            if fn.name == name and fn is not scope:
                return fn
    return None


def _body_waits(fn, k: _Knowledge, imports) -> bool:
    """The wrapped function waits inside, on every attempt: a polling loop with
    ``time.sleep(interval)``, or a wait at its own level.  (A wait under an ``if``, such as
    an optional wait for the result, does not space the failures.)"""
    for node in control.walk(fn.body, skip_loops=False):
        if isinstance(node, nodes.Call) and _is_waiting_call(node, k, imports):
            parent = node.parent
            while parent is not None and parent is not fn:
                if isinstance(parent, _LOOPS):
                    return True
                if isinstance(parent, (nodes.If, nodes.IfExp, nodes.ExceptHandler)):
                    break
                parent = parent.parent
            else:
                return True
    return False


def _decorator_findings(ctx, imports, k: _Knowledge):
    module = ctx.module
    candidates = []  # (node, call or None, lib, what)
    for call in ctx.index.of(nodes.Call):
        ctx.tick()
        if call_name(call) not in _LIBRARY_NAMES:
            continue
        name = qualified(call.func, imports)
        if name in _RETRYING:
            candidates.append((call, call, "retrying", "`@retrying.retry(...)`" if _is_decorator(call) else "`retrying.retry(...)`"))
        elif name in _TENACITY:
            candidates.append((call, call, "tenacity", "`@tenacity.retry(...)`" if _is_decorator(call) else "`tenacity.retry(...)`"))
        elif name in _RETRY_OBJECTS:
            lib = _RETRY_OBJECTS[name]
            candidates.append((call, call, lib, f"`{name}`"))
        elif name in _DB_RETRY:
            candidates.append((call, call, "oslo_db", "`@wrap_db_retry(...)`" if _is_decorator(call) else "`wrap_db_retry(...)`"))
    for fn in ctx.index.of(nodes.FunctionDef, nodes.AsyncFunctionDef):
        ctx.tick()
        if fn.decorators is None:
            continue
        for deco in fn.decorators.nodes:
            if isinstance(deco, nodes.Call):
                continue
            name = qualified(deco, imports)
            if name in _RETRYING:
                candidates.append((deco, None, "retrying", "`@retrying.retry`"))
            elif name in _TENACITY:
                candidates.append((deco, None, "tenacity", "`@tenacity.retry`"))
    for node, call, lib, what in candidates:
        parts = _decorator_parts(call, lib, module, imports)
        if parts is None:
            continue
        has_wait, has_stop, found, label = parts
        if has_wait:
            continue
        kinds = {_kind_of([pair], k, writes=False) for pair in found}
        if found and kinds <= {"paced", "refresh"}:
            continue  # every retried failure already waited, or lost a race to refresh
        wrapped = _decorated(node)
        if wrapped is not None and _body_waits(wrapped, k, imports):
            continue
        names = []
        for written, _ in found:
            if written not in names:
                names.append(written)
        exc = _describe(names) if names else (f"whatever {label} accepts" if label else "any exception")
        how = f"by {what}"
        if has_stop is True:
            bound = "bounded attempts"
        elif has_stop:
            bound = f"at most {has_stop} attempts"
        else:
            bound = "unbounded: no stop condition"
        yield ctx.finding(
            node,
            fix=backoff_fix.decorator_builder(ctx, node, lib),
            exception=exc,
            how=how,
            bound=bound,
        )


# -- entry point -------------------------------------------------------------------------


# -- a project's own retry decorator (across files) -------------------------------------------

_WAIT_FACTORIES = {"wait_fixed", "wait_exponential", "wait_random_exponential", "wait_incrementing", "wait_random"}


def _zero(node) -> bool:
    return isinstance(node, nodes.Const) and not isinstance(node.value, bool) and node.value == 0


def _retry_loop_around(call) -> bool:
    """Whether ``call`` runs in a loop that also holds a ``try`` (a retry loop)."""
    current = call.parent
    while current is not None and not isinstance(current, (nodes.FunctionDef, nodes.AsyncFunctionDef)):
        if isinstance(current, (nodes.For, nodes.While)):
            return any(True for _ in current.nodes_of_class(nodes.Try))
        current = current.parent
    return False


def summarize(ctx, function):
    """A retry decorator of the project whose pause between attempts is one of its parameters
    (``def retry(exc, retries=3, interval=1)`` that sleeps ``interval`` in its retry loop, or
    builds a tenacity wait from it): callers that pass 0 (or leave a default of 0) retry back
    to back."""
    params = list(function.args.posonlyargs) + list(function.args.args)
    if isinstance(function.parent, nodes.ClassDef) and params:
        params = params[1:]
    names = {p.name: i for i, p in enumerate(params)}
    if not names or not any(True for _ in function.nodes_of_class(nodes.FunctionDef)):
        return None  # a decorator (factory) defines its wrapper
    defaults = {}
    args = function.args
    positional = list(args.posonlyargs) + list(args.args)
    for param, default in zip(positional[len(positional) - len(args.defaults) :], args.defaults):
        defaults[param.name] = default
    for call in function.nodes_of_class(nodes.Call):
        last = call_name(call) or ""
        waited = None
        if "sleep" in last.lower() and call.args and _retry_loop_around(call):
            waited = call.args[0]
        elif last in _WAIT_FACTORIES:
            waited = next(iter([*call.args, *(k.value for k in call.keywords if k.arg in ("multiplier", "wait", "min"))]), None)
        if waited is None:
            continue
        used = [n.name for n in [waited, *waited.nodes_of_class(nodes.Name)] if isinstance(n, nodes.Name) and n.name in names]
        if not used:
            continue
        param = used[0]
        span = ctx.span(call)
        default = defaults.get(param)
        return {
            "waits": param,
            "index": names[param],
            "default-zero": default is not None and _zero(default),
            "name": qualname(function) or function.name,
            "at": [span.start_line, span.start_col, span.end_line, span.end_col],
        }
    return None


def _project_decorator_findings(ctx):
    """``@utils.retry(exc, interval=0)``: a project retry decorator (of this module or another)
    told to wait zero seconds between attempts."""
    if ctx.project is None:
        return
    res = resolver(ctx)
    for fn in ctx.index.of(nodes.FunctionDef, nodes.AsyncFunctionDef):
        for deco in fn.decorators.nodes if fn.decorators else ():
            call = deco if isinstance(deco, nodes.Call) else None
            found = res.facts(call if call is not None else deco, ctx.rule.id)
            if found is None:
                continue
            module, facts = found  # this module's own decorators too
            if not facts.get("waits"):
                continue
            param, index = facts["waits"], facts["index"]
            given = None
            if call is not None:
                given = next((k.value for k in call.keywords if k.arg == param), None)
                if given is None and len(call.args) > index and not any(isinstance(a, nodes.Starred) for a in call.args):
                    given = call.args[index]
                if given is None and any(k.arg is None for k in call.keywords):
                    continue  # **kwargs: cannot tell
            zero = _zero(given) if given is not None else facts.get("default-zero")
            if not zero:
                continue
            line, col, end_line, end_col = facts["at"]
            yield ctx.finding(
                deco,
                f"`@{dotted(call.func if call is not None else deco) or facts['name']}` pauses `{param}` seconds between "
                f"attempts, and that is 0 here: the retries run back to back; give it a pause (and a backoff)",
                related=(
                    Related(Span(line, col, end_line, end_col), f"`{facts['name']}` waits `{param}` here", ctx.project.path_of(module)),
                ),
            )


def check(ctx):
    imports = import_map(ctx)
    k = _knowledge(ctx)
    reported: set[int] = set()
    yield from _loop_findings(ctx, imports, k, reported)
    yield from _poll_findings(ctx, imports, k, reported)
    yield from _decorator_findings(ctx, imports, k)
    yield from _project_decorator_findings(ctx)
