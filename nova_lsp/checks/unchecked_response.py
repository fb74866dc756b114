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


def _loads_after(name: str, assign, scope) -> bool:
    """A read of ``name`` after ``assign`` in ``scope`` (or anywhere in an enclosing loop of
    the assignment, which runs again)."""
    position = (assign.lineno or 0, assign.col_offset or 0)
    loop = assign.parent
    while loop is not None and loop is not scope and not isinstance(loop, _LOOPS):
        loop = loop.parent
    in_loop = loop if isinstance(loop, _LOOPS) else None
    for node in nodes_in_scope(scope, nodes.Name):
        if node.name != name:
            continue
        if (node.lineno or 0, node.col_offset or 0) > position:
            return True
        if in_loop is not None and _inside(node, in_loop):
            return True
    return False


def _inside(node, ancestor) -> bool:
    current = node.parent
    while current is not None:
        if current is ancestor:
            return True
        current = current.parent
    return False


def _statement_fate(call):
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
        if isinstance(scope, nodes.Module) or _loads_after(name, parent, scope):
            return None
        return f"assigned to `{name}` but never checked"
    return None


def check(ctx):
    opts = ctx.options
    options = {
        "methods": set(opts.get("methods", ())),
        "receivers": tuple(opts.get("receivers", ())),
        "modules": set(opts.get("modules", ())),
        "classes": tuple(opts.get("client-classes", ())),
        "checked": set(opts.get("checked-calls", ())),
    }
    imports = import_map(ctx)
    for call in ctx.index.of(nodes.Call):
        if not (_is_rest_write(call, options, imports) or _is_checked_call(call, options)):
            continue
        fate = _statement_fate(call)
        if fate is None:
            continue
        label = dotted(call.func) or call.func.as_string()
        # the called name (`self.client.put`), not the whole argument list
        yield ctx.finding(call.func, call=label, fate=fate)
