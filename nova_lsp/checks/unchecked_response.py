"""Results of Placement/REST write calls that nobody checks (CWE-252).

Two kinds of call are watched:

* HTTP verbs (``put``/``post``/``patch``/``delete``) on something that is a REST client: the
  ``requests`` module, a receiver whose last name is a known client name (``client``,
  ``_client``, ``placement_client``, ``session``, ``adapter``...), or ``self`` inside a class
  whose name says it is a client (``SchedulerReportClient``).  The first argument must look
  like a URL (a string, an f-string, ``'/x/%s' % y``, a name such as ``url``), which keeps
  ``queue.put(item)``, ``cache.delete(key)`` and SQLAlchemy's ``session.delete(obj)`` out.
  A call passing ``raise_exc=True`` raises on failure and is left alone.
* Calls that report failure through their return value (``checked-calls``: Nova's report
  client ``put_allocations``, ``move_allocations``, ``claim_resources``...).

Such a call is reported when it is a statement of its own (the result is dropped) or when
it is assigned to a name that is never read afterwards.  Any later read of the name —
``resp.status_code``, ``if not resp``, ``return resp``, passing it on — counts as a check.
"""

from __future__ import annotations

import bisect
import fnmatch

from astroid import nodes

from nova_lsp.checks.tree import dotted, import_map, last_name, nodes_in_scope, qualified

_SCOPES = (nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.Lambda, nodes.ClassDef, nodes.Module)
_LOOPS = (nodes.For, nodes.AsyncFor, nodes.While)
_URL_WORDS = {"url", "urls", "uri", "path", "endpoint", "href", "location", "route"}


def _receiver_name(func: nodes.Attribute) -> str | None:
    return last_name(func.expr)


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
        words = name.rsplit(".", 1)[-1].lower().strip("_").split("_")
        return any(word in _URL_WORDS for word in words)
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


def _raises_on_failure(call) -> bool:
    for kw in call.keywords:
        if kw.arg == "raise_exc" and isinstance(kw.value, nodes.Const) and kw.value.value is True:
            return True
    return False


def _is_rest_write(call, options, imports) -> bool:
    func = call.func
    if not isinstance(func, nodes.Attribute) or func.attrname not in options["methods"]:
        return False
    if _raises_on_failure(call):
        return False
    module_name = qualified(func.expr, imports) if isinstance(func.expr, (nodes.Name, nodes.Attribute)) else None
    if module_name in options["modules"]:
        return True
    receiver = _receiver_name(func)
    if receiver is None:
        return False
    first = _first_arg(call)
    if first is None or not _url_like(first):
        return False
    if receiver == "self":
        cls = _enclosing_class(call)
        return cls is not None and any(part in cls.name for part in options["classes"])
    return any(fnmatch.fnmatchcase(receiver, pattern) for pattern in options["receivers"])


def _is_checked_call(call, options) -> bool:
    func = call.func
    name = func.attrname if isinstance(func, nodes.Attribute) else func.name if isinstance(func, nodes.Name) else None
    return name in options["checked"]


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
    """(fate text, report?) for a call whose value is dropped or stored."""
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


def check(ctx):
    opts = ctx.options
    options = {
        "methods": set(opts["methods"]),
        "receivers": tuple(opts["receivers"]),
        "modules": set(opts["modules"]),
        "classes": tuple(opts["client-classes"]),
        "checked": set(opts["checked-calls"]),
    }
    imports = import_map(ctx)
    for call in ctx.index.of(nodes.Call):
        ctx.tick()
        if not (_is_rest_write(call, options, imports) or _is_checked_call(call, options)):
            continue
        fate = _statement_fate(ctx, call)
        if fate is None:
            continue
        label = dotted(call.func) or call.func.as_string()
        # the called name (`self.client.put`), not the whole argument list
        yield ctx.finding(call.func, call=label, fate=fate)
