"""Retries with no wait between attempts (CWE-400): hand-written retry loops and the
``retrying`` / ``tenacity`` decorators without a wait argument.

A loop is a retry when it is a ``while`` loop or counts attempts (``for _ in range(n)``,
``itertools.count()``), contains a ``try`` whose successful path leaves the loop (``return``,
``break``, a ``while not done`` flag set) and has a handler that lets control come back to
the loop head (it does not always ``raise``/``return``/``break``).  Such a loop is reported
unless something on the way waits: a call whose name says it sleeps, waits or backs off
(``time.sleep``, ``greenthread.sleep``, ``event.wait``, ``self._sleep``, ``utils.backoff``)
or one of the configured ``sleep-functions`` / ``backoff-helpers``.

Loops over a collection (``for host in hosts``, ``range(len(hosts))``, ``hosts[i]``) try a
different thing each time and are not retries.  ``loopingcall.RetryDecorator`` and
``BackOffLoopingCall`` back off by themselves and are never reported.

Severity: a warning when a retried exception is transient (``transient-exceptions``: timeouts,
connection failures, deadlocks, generation conflicts), a hint otherwise.
"""

from __future__ import annotations

import fnmatch
import re

from astroid import nodes

from nova_lsp.checks import backoff_fix, control
from nova_lsp.checks.tree import call_name, dotted, import_map, nodes_in_scope, qualified
from nova_lsp.core.model import Severity, Span

_SCOPES = control.SCOPES
_LOOPS = control.LOOPS
_TRIES = control.TRIES

# A call whose last name component says it waits: sleep, backoff, wait / wait_for_* / _wait,
# delay (`self.delay(attempt)`).
_WAITING_NAME = re.compile(r"sleep|backoff|^_*wait(?:_|$)|(?:^|_)delay(?:_|$)", re.IGNORECASE)
# `while time.time() < deadline`: the loop is bounded by a clock
_CLOCKS = {"time.time", "time.monotonic", "timeutils.utcnow", "timeutils.now", "datetime.now", "datetime.utcnow"}
_COUNTERS = {"range", "xrange", "count"}
_TAKERS = {"pop", "popleft", "popitem", "get_nowait"}
_MUTATORS = {"add", "append", "extend", "update", "discard", "remove", "insert"}
_LOG_CALL = re.compile(r"^(?:self\.)?_?(?:LOG|log|logger|LOGGER|logging)\.")

_RETRYING = {"retrying.retry"}
_TENACITY = {"tenacity.retry"}
_LIBRARY_NAMES = {"retry", "Retrying", "AsyncRetrying"}
_RETRY_OBJECTS = {"retrying.Retrying": "retrying", "tenacity.Retrying": "tenacity", "tenacity.AsyncRetrying": "tenacity"}


# -- name matching ------------------------------------------------------------------------


class _Names:
    """A compiled name list: bare names match the last component (``*`` wildcards
    allowed), dotted names the whole written or import-resolved name, or a dotted suffix."""

    def __init__(self, entries) -> None:
        self.bare = {e for e in entries if "." not in e and "*" not in e}
        self.patterns = tuple(e for e in entries if "." not in e and "*" in e)
        self.dotted = tuple(e for e in entries if "." in e)
        self.suffixes = tuple("." + e for e in self.dotted)

    def match(self, written: str, full: str | None) -> bool:
        last = written.rsplit(".", 1)[-1]
        if last in self.bare:
            return True
        if self.patterns and any(fnmatch.fnmatchcase(last, p) for p in self.patterns):
            return True
        if self.dotted:
            for candidate in (written, full):
                if candidate and (candidate in self.dotted or candidate.endswith(self.suffixes)):
                    return True
        return False


def _is_waiting_call(call: nodes.Call, extra, imports) -> bool:
    written = dotted(call.func)
    if written is None:
        # ``threading.Event().wait(1)``: judge by the attribute called
        if isinstance(call.func, nodes.Attribute):
            written = call.func.attrname
        else:
            return False
    last = written.rsplit(".", 1)[-1]
    # ``eventlet.sleep(0)`` / ``time.sleep(0)`` only yields to other green threads
    if "sleep" in last.lower() and len(call.args) == 1 and not call.keywords:
        arg = call.args[0]
        if isinstance(arg, nodes.Const) and arg.value == 0 and not isinstance(arg.value, bool):
            return False
    if extra.match(written, qualified(call.func, imports)):
        return True
    return bool(_WAITING_NAME.search(last))


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
        for sub in control.walk(loop.body, skip_loops=False):
            if isinstance(sub, nodes.Subscript) and target in _names_in(sub.slice):
                return None  # hosts[attempt]: a different candidate each time
    return "count" if last == "count" else "range"


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
            if isinstance(parent, nodes.Call) and _LOG_CALL.match(dotted(parent.func) or ""):
                inert = True
                break
            parent = parent.parent
        if not inert:
            return True
    return False


def _consumes_items(loop) -> bool:
    """``queue.pop(0)`` / ``next(it)`` in the loop: each pass takes a new item."""
    parts = list(loop.body) + ([loop.test] if isinstance(loop, nodes.While) else [])
    for node in control.walk(parts, skip_loops=True):
        if isinstance(node, nodes.Call):
            func = node.func
            if isinstance(func, nodes.Attribute) and func.attrname in _TAKERS:
                return True
            if isinstance(func, nodes.Name) and func.name == "next":
                return True
    return False


def _changes_input(handler, try_node) -> bool:
    """The handler rewrites an argument of the attempt from itself (``value = value[:-1]``):
    the next pass tries a different input, which is a search, not a retry."""
    rewritten = set()
    for node in control.walk(handler.body, skip_loops=False):
        if isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute):
            # `excluded.add(lss)`: the next attempt excludes what failed
            if node.func.attrname in _MUTATORS and isinstance(node.func.expr, nodes.Name):
                rewritten.add(node.func.expr.name)
        if isinstance(node, nodes.Assign):
            for target in node.targets:
                if isinstance(target, nodes.AssignName) and target.name in _names_in(node.value):
                    rewritten.add(target.name)
        elif isinstance(node, nodes.AugAssign) and isinstance(node.target, nodes.AssignName):
            rewritten.add(node.target.name)
    if not rewritten:
        return False
    for node in control.walk(try_node.body, skip_loops=False):
        if isinstance(node, nodes.Call) and not _LOG_CALL.match(dotted(node.func) or ""):
            for arg in [*node.args, *(kw.value for kw in node.keywords)]:
                if _names_in(arg) & rewritten:
                    return True
    return False


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
    for node in control.walk(loop.body, skip_loops=True):
        if isinstance(node, nodes.If) and control.ends(node.body) == "exit":
            if _names_in(node.test) & counters:
                return True
    return False


def _reads_clock(test) -> bool:
    for call in test.nodes_of_class(nodes.Call):
        name = dotted(call.func) or ""
        if name in _CLOCKS or any(name.endswith("." + c) for c in _CLOCKS):
            return True
    return False


def _counters(loop) -> set[str]:
    """Names stepped in the loop: ``n += 1``, ``n -= 1``, ``n = n + 1``."""
    names = set()
    for node in control.walk(loop.body, skip_loops=True):
        if isinstance(node, nodes.AugAssign) and isinstance(node.target, nodes.AssignName):
            names.add(node.target.name)
        elif isinstance(node, nodes.Assign) and isinstance(node.value, nodes.BinOp):
            for target in node.targets:
                if isinstance(target, nodes.AssignName) and target.name in _names_in(node.value):
                    names.add(target.name)
    return names


def _bound(loop, kind) -> str:
    if kind == "range":
        count = _range_count(loop)
        return f"at most {count} attempts" if count is not None else "bounded attempts"
    counters = _counters(loop)
    if kind == "count" and isinstance(loop.target, nodes.AssignName):
        counters.add(loop.target.name)
    if isinstance(loop, nodes.While) and _names_in(loop.test) & counters:
        return "bounded attempts"
    if isinstance(loop, nodes.While) and _reads_clock(loop.test):
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


def _loop_findings(ctx, imports, transient, extra_waits):
    doc = ctx.document
    tries_by_loop: dict[int, list] = {}
    loops: dict[int, object] = {}
    for try_node in ctx.index.of(*_TRIES):
        ctx.tick()
        child, node = try_node, try_node.parent
        while node is not None and not isinstance(node, _SCOPES) and not isinstance(node, _LOOPS):
            child, node = node, node.parent
        if isinstance(node, _LOOPS) and child in node.body:
            tries_by_loop.setdefault(id(node), []).append(try_node)
            loops[id(node)] = node

    for key, try_nodes in tries_by_loop.items():
        ctx.tick()
        loop = loops[key]
        if isinstance(loop, nodes.While):
            kind = "forever" if _is_forever(loop.test) else "while"
            flags = _names_in(loop.test)
        else:
            kind = _counter_loop(loop, imports)
            if kind is None:
                continue
            flags = set()
        if _consumes_items(loop):
            continue
        retried: list[str] = []
        handlers = []
        written_seen: set[str] = set()
        any_transient = False
        bare = False
        for try_node in try_nodes:
            following, comes_back = _after_try(try_node, loop)
            success = list(try_node.body) + list(try_node.orelse) + following
            if not (_exits_loop(success) or (flags and _assigned_names(success) & flags)):
                continue
            if kind in ("range", "count") and _uses_target(loop, try_node):
                continue
            for handler in try_node.handlers:
                outcome = control.ends(handler.body)
                if outcome == "exit" or (outcome is None and not comes_back):
                    continue
                if _changes_input(handler, try_node):
                    continue
                handlers.append(handler)
                for type_node in _handler_types(handler):
                    if type_node is None:
                        bare = True
                        continue
                    expanded = _expand(type_node, imports, _tuple_bindings(ctx))
                    if not expanded:
                        continue
                    written = expanded[0][0]
                    if written not in written_seen:
                        written_seen.add(written)
                        retried.append(written)
                    if any(transient.match(w, q) for w, q in expanded):
                        any_transient = True
        if not retried and not bare:
            continue
        if _waits(loop, extra_waits, imports):
            continue
        exc = _describe(retried)
        if bare:
            exc = "any exception (bare `except:`)" if not retried else exc + " and any exception (bare `except:`)"
        if kind == "forever":
            how = "in a `while True` loop"
        elif kind == "while":
            how = "in a `while` loop"
        else:
            how = "in a `for` loop over `" + ("range(...)" if kind == "range" else "itertools.count()") + "`"
        bound = _bound(loop, kind if kind in ("range", "count") else "while")
        yield ctx.finding(
            _loop_header_span(doc, loop),
            fix=backoff_fix.loop_builder(ctx, loop, handlers),
            severity=None if any_transient else Severity.HINT,
            exception=exc,
            how=how,
            bound=bound,
        )


# -- retrying / tenacity -----------------------------------------------------------------


# Facts for incremental analysis: a retry predicate named by a decorator elsewhere is read
# from its module-level function (``retry_on_exception=_is_transient``).
FACT_NODES = (nodes.Call,)


def fact(ctx, node) -> bool:
    """An ``isinstance`` call in a module-level function (a possible retry predicate)."""
    if not (isinstance(node.func, nodes.Name) and node.func.name == "isinstance"):
        return False
    scope = node.scope()
    while not isinstance(scope.parent, nodes.Module) and scope.parent is not None:
        scope = scope.parent.scope()
    return isinstance(scope, nodes.FunctionDef)


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


def _decorator_parts(call, lib, module, imports):
    """(has wait, has stop, retried exceptions or None for 'any', described predicate)."""
    keywords = {kw.arg: kw.value for kw in call.keywords} if call is not None else {}
    if None in keywords:  # **options: cannot tell
        return None
    if lib == "retrying":
        has_wait = any(k.startswith("wait") for k in keywords)
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
    has_wait = "wait" in keywords
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


def _decorator_findings(ctx, imports, transient):
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
        names = []
        for written, _ in found:
            if written not in names:
                names.append(written)
        exc = _describe(names) if names else (f"whatever {label} accepts" if label else "any exception")
        is_transient = any(transient.match(w, q) for w, q in found)
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
            severity=None if is_transient else Severity.HINT,
            exception=exc,
            how=how,
            bound=bound,
        )


# -- entry point -------------------------------------------------------------------------


def _waits(loop, extra, imports) -> bool:
    """A waiting call anywhere in the loop (header included), nested loops too."""
    parts = [loop.test] if isinstance(loop, nodes.While) else [loop.iter]
    for node in control.walk([*parts, *loop.body], skip_loops=False):
        if isinstance(node, nodes.Call) and _is_waiting_call(node, extra, imports):
            return True
    return False


def check(ctx):
    options = ctx.options
    imports = import_map(ctx)
    transient = _Names(options["transient-exceptions"])
    extra_waits = _Names(tuple(options["sleep-functions"]) + tuple(options["backoff-helpers"]))
    yield from _loop_findings(ctx, imports, transient, extra_waits)
    yield from _decorator_findings(ctx, imports, transient)
