"""Results that report failure and that nobody checks (CWE-252).

Three kinds of call are watched:

* HTTP verbs (``put``/``post``/``patch``/``delete``) on something that is a REST client: the
  ``requests`` module, a receiver whose last name is a known client name (``client``,
  ``_client``, ``placement_client``, ``session``, ``adapter``...), or ``self`` inside a class
  whose name says it is a client (``SchedulerReportClient``).  The first argument must look
  like a URL (a string, an f-string, ``'/x/%s' % y``, a name whose last word is ``url``,
  ``path``, ``endpoint``...), which keeps ``queue.put(item)``, ``cache.delete(key)`` and
  SQLAlchemy's ``session.delete(endpoint_ref)`` out.  Not REST writes, or already checked:
  a call passing ``raise_exc=True``; a verb of a project client defined in the same module
  that raises on an HTTP error itself (its ``request``/``_request``/verb method calls
  ``raise_for_status()`` or raises on ``status_code >= 400``); a database session
  (``with session_for_write() as session``, ``context.session``); a logout or a call in
  ``__del__``/``close``/``logout``; a call under a comment saying its result does not
  matter ("we don't care if this fails").
* Calls that report failure through their return value (``checked-calls``: Nova's report
  client ``put_allocations``, ``move_allocations``, ``claim_resources``...).
* Helpers of the same module (``self.m`` of the enclosing class, or a module-level
  function) that return the outcome of a status test (``return resp.status_code == 201``,
  ``return resp.ok``): the request's result, one call removed.  With the
  ``report-flag-helpers`` option, also (at information level) helpers whose returns are all
  ``True``/``False`` and that turn an exception into ``False``, when another call in the
  module checks the flag: off by default, since such helpers log the failure themselves.
  Neither is reported in an error path (``except``/``finally``), in cleanup code
  (``best-effort-functions``) or with ``raise_exc=True``.

Such a call is reported when it is a statement of its own (the result is dropped) or when
it is assigned to a name that is never read afterwards.  Any later read of the name —
``resp.status_code``, ``if not resp``, ``return resp``, passing it on — counts as a check.
"""

from __future__ import annotations

import bisect
import fnmatch
import re

from astroid import nodes

from nova_lsp.checks.calls import resolver
from nova_lsp.checks.tree import dotted, import_map, last_name, nodes_in_scope, qualified
from nova_lsp.core.model import Related, Severity, Span
from nova_lsp.engine.lexer import lex
from nova_lsp.engine.suppressions import without_directives
from nova_lsp.engine.project import qualname

_FUNCS = (nodes.FunctionDef, nodes.AsyncFunctionDef)
_NESTED = (nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.Lambda, nodes.ClassDef)
_LOOPS = (nodes.For, nodes.AsyncFor, nodes.While)
_URL_WORDS = {"url", "urls", "uri", "path", "endpoint", "href", "location", "route"}
_STATUS_ATTRS = {"status_code", "status", "status_int", "ok", "http_status", "code"}
_ERROR_LOGS = {"warning", "warn", "error", "exception", "critical"}
_DB_SESSION_CALLS = re.compile(r"session_for_|get_session$|sessionmaker$|scoped_session$|^using$|^begin$|reader|writer|transaction")
_QUIET_FUNCTIONS = ("*logout*", "*close*", "__del__", "__exit__", "__aexit__", "*disconnect*")


# -- REST writes ---------------------------------------------------------------------------


def _url_like(expr) -> bool:
    if isinstance(expr, nodes.Const):
        return isinstance(expr.value, str)
    if isinstance(expr, nodes.JoinedStr):
        return True
    if isinstance(expr, nodes.BinOp) and expr.op in ("%", "+"):
        return _url_like(expr.left)
    if isinstance(expr, nodes.Call) and isinstance(expr.func, nodes.Attribute):
        if expr.func.attrname == "format":
            return _url_like(expr.func.expr)
        if expr.func.attrname in ("join", "urljoin"):
            return True
    name = dotted(expr)
    if name is not None:
        # the last word names what it is: `endpoint_url` is a URL, `endpoint_filter_ref` a row
        words = name.rsplit(".", 1)[-1].lower().strip("_").split("_")
        return words[-1] in _URL_WORDS
    return False


def _first_arg(call):
    if call.args:
        return call.args[0]
    for kw in call.keywords:
        if kw.arg == "url":
            return kw.value
    return None


def _enclosing_class(node):
    current = node.parent
    while current is not None:
        if isinstance(current, nodes.ClassDef):
            return current
        current = current.parent
    return None


def _enclosing_function(node):
    current = node.parent
    while current is not None and not isinstance(current, _FUNCS):
        current = current.parent
    return current


def _raises_on_failure(call) -> bool:
    for kw in call.keywords or ():
        if kw.arg in ("raise_exc", "raise_on_error", "raise_exception", "raise_on_failure") and isinstance(kw.value, nodes.Const) and kw.value.value is True:
            return True
    return False


def _db_session(call) -> bool:
    """``context.session.delete(obj)`` or a session bound by ``with session_for_write() as
    session`` / ``session = get_session()``: SQLAlchemy, not REST."""
    receiver = call.func.expr
    name = dotted(receiver) or ""
    if name.endswith(".session") and name.split(".")[0] in ("context", "ctx", "ctxt", "self"):
        return name.split(".")[0] != "self"
    if not isinstance(receiver, nodes.Name):
        return False
    function = _enclosing_function(call)
    if function is None:
        return False
    for node in _walk(function.body):
        if isinstance(node, nodes.With):
            for expr, target in node.items:
                if isinstance(target, nodes.AssignName) and target.name == receiver.name and isinstance(expr, nodes.Call):
                    if _DB_SESSION_CALLS.search(last_name(expr.func) or ""):
                        return True
        elif isinstance(node, nodes.Assign) and isinstance(node.value, nodes.Call):
            if any(isinstance(t, nodes.AssignName) and t.name == receiver.name for t in node.targets):
                if _DB_SESSION_CALLS.search(last_name(node.value.func) or ""):
                    return True
    return False


def _is_rest_write(call, options, imports, wrappers, ctx=None) -> bool:
    func = call.func
    if not isinstance(func, nodes.Attribute) or func.attrname not in options["methods"]:
        return False
    if _raises_on_failure(call):
        return False
    module_name = qualified(func.expr, imports) if isinstance(func.expr, (nodes.Name, nodes.Attribute)) else None
    if module_name in options["modules"]:
        return True
    receiver = last_name(func.expr)
    if receiver is None:
        return False
    first = _first_arg(call)
    if first is None or not _url_like(first):
        return False
    if func.attrname in wrappers.raising_verbs:
        return False  # the module's own client raises on an HTTP error
    remote = _remote(ctx, call) if ctx is not None and ctx.project is not None else None
    if remote is not None and remote[1].get("raises"):
        return False  # the project's client (in another module) raises on an HTTP error
    if receiver == "self":
        cls = _enclosing_class(call)
        return cls is not None and any(part in cls.name for part in options["classes"])
    if not any(fnmatch.fnmatchcase(receiver, pattern) for pattern in options["receivers"]):
        return False
    return not _db_session(call)


def _is_checked_call(call, options) -> bool:
    func = call.func
    name = func.attrname if isinstance(func, nodes.Attribute) else func.name if isinstance(func, nodes.Name) else None
    return name in options["checked"]


# -- module knowledge: clients that raise, helpers that return a flag ----------------------


def _walk(statements):
    """Nodes under ``statements`` without entering nested functions or classes."""
    stack = [s for s in reversed(statements) if not isinstance(s, _NESTED)]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed([c for c in node.get_children() if not isinstance(c, _NESTED)]))


def _mentions_status(expr) -> bool:
    for node in [expr, *expr.nodes_of_class(nodes.Attribute)]:
        if isinstance(node, nodes.Attribute) and node.attrname in _STATUS_ATTRS:
            return True
    return False


def _function_of(node):
    """The function whose own body holds ``node`` (not a nested def, lambda or class)."""
    scope = node.scope()
    return scope if isinstance(scope, _FUNCS) else None


def _called_name(call) -> str | None:
    """``m`` for ``self.m(...)``, ``cls.m(...)``, ``super().m(...)``, ``f`` for ``f(...)``."""
    func = call.func
    if isinstance(func, nodes.Attribute):
        if isinstance(func.expr, nodes.Name) and func.expr.name in ("self", "cls"):
            return func.attrname
        if isinstance(func.expr, nodes.Call) and last_name(func.expr.func) == "super":
            return func.attrname
        return None
    return func.name if isinstance(func, nodes.Name) else None


class _Wrappers:
    """What the module's own code says about its calls, from the shared node index: which
    functions raise on an HTTP error (directly or through ``self.m``/module functions they
    call), and which return a success flag."""

    def __init__(self, ctx, options) -> None:
        flag_helpers = options["report-flag-helpers"]
        self.raising: set = set()  # functions that raise on an HTTP error
        self.raising_verbs: set[str] = set()
        self.flags: dict[tuple, nodes.FunctionDef] = {}  # (class or None, name) -> flag helper
        self.kinds: dict = {}  # flag helper -> "status" | "bool"
        self.use_calls: set = set()  # calls of a `bool` helper whose result is used
        self.checked_uses: set = set()  # `bool` helpers whose flag some call uses
        index = ctx.index
        by_scope: dict = {}
        owner: dict = {}
        for function in index.of(nodes.FunctionDef, nodes.AsyncFunctionDef):
            parent = function.parent
            if isinstance(parent, (nodes.ClassDef, nodes.Module)):
                owner[function] = parent
                by_scope.setdefault(id(parent), {})[function.name] = function
        module_functions = by_scope.get(id(ctx.module), {})
        raising = set()
        calls = index.of(nodes.Call)
        for call in calls:
            if isinstance(call.func, nodes.Attribute) and call.func.attrname == "raise_for_status":
                function = _function_of(call)
                if function is not None and function in owner:
                    raising.add(function)
        for raise_node in index.of(nodes.Raise):
            function = _function_of(raise_node)
            if function is None or function in raising or function not in owner:
                continue
            current = raise_node.parent
            while current is not None and current is not function:
                if isinstance(current, nodes.If) and _mentions_status(current.test):
                    raising.add(function)
                    break
                current = current.parent
        if raising:
            # callers of a raising function of the same class or module raise too
            calls_by_function: dict = {}
            for call in calls:
                name = _called_name(call)
                if name is None:
                    continue
                function = _function_of(call)
                if function is not None and function in owner:
                    calls_by_function.setdefault(function, set()).add(name)
            changed = True
            while changed:
                changed = False
                for function, called in calls_by_function.items():
                    if function in raising:
                        continue
                    scope = by_scope.get(id(owner[function]), {})
                    if any((scope.get(n) or module_functions.get(n)) in raising for n in called):
                        raising.add(function)
                        changed = True
        self.raising = raising
        methods = set(options["methods"])
        for function in raising:
            if function.name in methods:
                self.raising_verbs.add(function.name)
            elif "request" in function.name.lower() and isinstance(owner[function], nodes.ClassDef):
                # a client whose dispatcher raises: its verbs (its own or a base's) raise too
                self.raising_verbs |= methods
        returns: dict = {}
        others = set()  # functions that return something else: not flags
        for ret in index.of(nodes.Return):
            value = ret.value
            if value is None or isinstance(value, (nodes.Const, nodes.Compare, nodes.Attribute, nodes.UnaryOp)):
                function = _function_of(ret)
                if function is not None and function in owner:
                    returns.setdefault(function, []).append(ret)
            else:
                others.add(_function_of(ret))
        generators = {_function_of(y) for y in index.of(nodes.Yield, nodes.YieldFrom)}
        for function, rets in returns.items():
            if function in others or function in generators:
                continue
            kind = _flag_kind(rets)
            if kind is not None:
                scope = owner[function]
                key = (scope.name if isinstance(scope, nodes.ClassDef) else None, function.name)
                self.flags[key] = function
                self.kinds[function] = kind
        if flag_helpers and any(kind == "bool" for kind in self.kinds.values()):
            # call-site consistency: a `bool` helper counts when some call in the module uses
            # its result (the project itself treats it as a success flag)
            for call in index.of(nodes.Call):
                helper = self.flag_of(call)
                if helper is not None and self.kinds[helper] == "bool" and not isinstance(call.parent, nodes.Expr):
                    self.checked_uses.add(helper)
                    self.use_calls.add(call)

    def is_fact(self, node) -> bool:
        if isinstance(node, nodes.Call):
            return node in self.use_calls
        return node in self.raising or node in self.kinds

    def reported_flag(self, call):
        """The flag helper whose result ``call`` drops, when dropping it loses a failure."""
        helper = self.flag_of(call)
        if helper is None:
            return None
        if self.kinds[helper] == "bool" and helper not in self.checked_uses:
            return None
        return helper

    def flag_of(self, call):
        """The flag helper ``call`` calls: ``self.m(...)`` of the enclosing class, or a
        module-level function."""
        func = call.func
        if isinstance(func, nodes.Attribute) and isinstance(func.expr, nodes.Name) and func.expr.name in ("self", "cls"):
            cls = _enclosing_class(call)
            return self.flags.get((cls.name, func.attrname)) if cls is not None else None
        if isinstance(func, nodes.Name):
            return self.flags.get((None, func.name))
        return None


def _is_bool(expr) -> bool | None:
    if isinstance(expr, nodes.Const) and isinstance(expr.value, bool):
        return expr.value
    return None


def _status_outcome(expr) -> bool:
    """``resp.status_code == 201``, ``resp.ok``, ``r.status_code in (200, 204)``."""
    if isinstance(expr, nodes.UnaryOp) and expr.op == "not":
        expr = expr.operand
    if isinstance(expr, nodes.Attribute):
        return expr.attrname == "ok"
    if isinstance(expr, nodes.Compare):
        return _mentions_status(expr)
    return False


_ABSENT = re.compile(r"notfound|not_found|doesnotexist|nosuch|missing|keyerror|lookuperror|indexerror", re.IGNORECASE)


def _failure_return(ret) -> bool:
    """``return False`` in an ``except`` that turns a failure into the flag (not one that
    answers "it was not there": ``except NotFound: return False``)."""
    parent = ret.parent
    while parent is not None and not isinstance(parent, _FUNCS):
        if isinstance(parent, nodes.ExceptHandler):
            caught = parent.type.as_string() if parent.type is not None else ""
            return not _ABSENT.search(caught)
        parent = parent.parent
    return False


def _flag_kind(returns) -> str | None:
    """``status`` for a helper whose returns are the outcome of a status test (or True/
    False), ``bool`` for one whose returns are all True/False and that turns a failure into
    ``False``."""
    kind = None
    for ret in returns:
        if ret.value is None:
            return None
        value = _is_bool(ret.value)
        if value is None:
            if not _status_outcome(ret.value):
                return None
            kind = "status"
        elif value is False and kind is None and _failure_return(ret):
            kind = "bool"
    return kind


def _wrappers(ctx) -> _Wrappers:
    options = {"methods": list(ctx.options["methods"]), "report-flag-helpers": ctx.options["report-flag-helpers"]}
    key = ("unchecked_response.wrappers", tuple(options["methods"]), options["report-flag-helpers"])
    return ctx.index.memo(key, lambda: _Wrappers(ctx, options))


# Facts for incremental analysis: whether a call is checked depends on other functions of the
# module: a client's `request` that raises on an HTTP error, a helper that returns a flag.
FACT_NODES = (nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.Call)


def fact(ctx, node) -> bool:
    return _wrappers(ctx).is_fact(node)


# -- across files ------------------------------------------------------------------------------


def summarize(ctx, function):
    """What callers in other modules need: that ``function`` returns whether its request
    succeeded (``return resp.status_code == 201``), or that it raises on an HTTP error (a
    client's verb or dispatcher: its callers need not check)."""
    wrappers = _wrappers(ctx)
    if wrappers.kinds.get(function) == "status":
        ret = next(r for r in function.nodes_of_class(nodes.Return) if r.value is not None and _function_of(r) is function)
        span = ctx.span(ret)
        at = [span.start_line, span.start_col, span.end_line, span.end_col]
        return {"returns": "status", "name": qualname(function) or function.name, "at": at}
    if function in wrappers.raising:
        return {"raises": True}
    return None


def _remote(ctx, call):
    """(module, facts) of the function of another module that ``call`` calls, or None."""
    found = resolver(ctx).facts(call, ctx.rule.id)
    if found is None or not found[0] or found[0] == ctx.project.module:
        return None
    return found


# -- fate of the result --------------------------------------------------------------------


def _reads(ctx, scope) -> dict[str, list[tuple[int, int]]]:
    """name -> sorted (line, column) of every read of it in ``scope`` (computed once per scope,
    so a function with many stored results is walked once, not once per result)."""

    def compute():
        found: dict[str, list[tuple[int, int]]] = {}
        for node in nodes_in_scope(scope, nodes.Name):
            found.setdefault(node.name, []).append((node.lineno or 0, node.col_offset or 0))
        for positions in found.values():
            positions.sort()
        return found

    return ctx.index.memo(("unchecked_response.reads", id(scope)), compute)


def _loads_after(ctx, name: str, assign, scope) -> bool:
    """A read of ``name`` after ``assign`` in ``scope`` (or anywhere in an enclosing loop of
    the assignment, which runs again)."""
    positions = _reads(ctx, scope).get(name)
    if not positions:
        return False
    if positions[-1] > (assign.lineno or 0, assign.col_offset or 0):
        return True
    loop = assign.parent
    while loop is not None and loop is not scope and not isinstance(loop, _LOOPS):
        loop = loop.parent
    if not isinstance(loop, _LOOPS):
        return False
    start = (loop.lineno or 0, loop.col_offset or 0)
    at = bisect.bisect_left(positions, start)
    return at < len(positions) and positions[at] <= (loop.end_lineno or 0, loop.end_col_offset or 0)


def _statement_fate(ctx, call):
    """The fate text of a call whose value is dropped or stored unread, else None."""
    node = call
    parent = node.parent
    if isinstance(parent, nodes.Await):
        node, parent = parent, parent.parent
    if isinstance(parent, nodes.Expr):
        return "discarded"
    if isinstance(parent, (nodes.Assign, nodes.AnnAssign)) and parent.value is node:
        targets = parent.targets if isinstance(parent, nodes.Assign) else [parent.target]
        if len(targets) != 1 or not isinstance(targets[0], nodes.AssignName):
            return None
        name = targets[0].name
        if name == "_":
            return None  # explicitly ignored
        scope = parent.scope()
        if isinstance(scope, nodes.Module) or _loads_after(ctx, name, parent, scope):
            return None
        return f"assigned to `{name}` but never checked"
    return None


def _quiet(ctx, call, pattern) -> bool:
    """A logout or a call in ``__del__``/``close``; or a comment on the two lines above (or
    on the call's own lines) saying the result does not matter."""
    function = _enclosing_function(call)
    if function is not None and any(fnmatch.fnmatchcase(function.name, p) for p in _QUIET_FUNCTIONS):
        return True
    first = _first_arg(call)
    if isinstance(first, nodes.Const) and isinstance(first.value, str) and "logout" in first.value.lower():
        return True
    statement = call.statement()
    start = (statement.lineno or 1) - 1
    end = (statement.end_lineno or statement.lineno or 1) - 1
    return _comment_matches(ctx, max(start - 2, 0), end, pattern)


def _comment_matches(ctx, first: int, last: int, pattern) -> bool:
    comments = ctx.index.memo("unchecked_response.comments", lambda: lex(ctx.document.text).comment_lines)
    for line in range(first, last + 1):
        comment = comments.get(line)
        if comment is not None and pattern.search(without_directives(comment.text)):
            return True
    return False


def _error_path(node) -> bool:
    child, parent = node, node.parent
    while parent is not None and not isinstance(parent, _FUNCS):
        if isinstance(parent, nodes.ExceptHandler) and child in parent.body:
            return True
        if isinstance(parent, nodes.Try) and child in parent.finalbody:
            return True
        child, parent = parent, parent.parent
    return False


def _best_effort(call, patterns) -> bool:
    """A helper's flag dropped in an error path (``except``/``finally``) or in cleanup code,
    where the helper's own log is all anyone can do."""
    if _error_path(call):
        return True
    current = call.parent
    while current is not None:
        if isinstance(current, _FUNCS) and any(fnmatch.fnmatchcase(current.name, p) for p in patterns):
            return True
        current = current.parent
    return False


def check(ctx):
    opts = ctx.options
    quiet_functions = tuple(opts["best-effort-functions"])
    options = {
        "methods": set(opts["methods"]),
        "receivers": tuple(opts["receivers"]),
        "modules": set(opts["modules"]),
        "classes": tuple(opts["client-classes"]),
        "checked": set(opts["checked-calls"]),
    }
    quiet = re.compile("|".join(f"(?:{p})" for p in opts["ignored-result-patterns"]) or r"(?!)", re.IGNORECASE)
    imports = import_map(ctx)
    wrappers = _wrappers(ctx)
    for call in ctx.index.of(nodes.Call):
        ctx.tick()
        consequence = None
        severity = None
        related = ()
        if _is_rest_write(call, options, imports, wrappers, ctx):
            consequence = "a failed request goes unnoticed"
        elif _is_checked_call(call, options):
            consequence = "it returns a false value when the write fails, which goes unnoticed"
        else:
            helper = wrappers.reported_flag(call)
            if helper is not None and wrappers.kinds[helper] == "bool" and not opts["report-flag-helpers"]:
                helper = None
            if helper is not None:
                severity = None if wrappers.kinds[helper] == "status" else Severity.INFORMATION
                if wrappers.kinds[helper] == "status":
                    consequence = f"`{helper.name}` returns whether the request succeeded, and a failure goes unnoticed"
                else:
                    consequence = f"`{helper.name}` returns False when it fails, and the failure goes unnoticed"
            else:
                remote = _remote(ctx, call) if ctx.project is not None else None
                if remote is None or remote[1].get("returns") != "status":
                    continue
                module, facts = remote
                consequence = f"`{facts['name']}` returns whether the request succeeded, and a failure goes unnoticed"
                line, col, end_line, end_col = facts["at"]
                related = (
                    Related(
                        Span(line, col, end_line, end_col),
                        f"`{module}.{facts['name']}` returns the outcome of the request here",
                        ctx.project.path_of(module),
                    ),
                )
            if _raises_on_failure(call) or _best_effort(call, quiet_functions):
                continue
        fate = _statement_fate(ctx, call)
        if fate is None or _quiet(ctx, call, quiet):
            continue
        label = dotted(call.func) or call.func.as_string()
        # the called name (`self.client.put`), not the whole argument list
        yield ctx.finding(call.func, severity=severity, related=related, call=label, fate=fate, consequence=consequence)
