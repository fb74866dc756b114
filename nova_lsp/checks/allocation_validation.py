"""Allocation data from across a trust boundary written to Placement unvalidated (CWE-20,
CWE-1284, CWE-190).

Sources, per function, only where data crosses a trust boundary:

* the parameters of an API handler: a function with a WSGI request parameter (``req``,
  ``request``) or a method of a ``*Controller`` class (for named write calls only those
  whose name says they carry allocations: ``body``, ``payload``, ``alloc_req``...);
* the ``payload`` of a notification endpoint (``info``/``warn``/``error``/``sample``... with
  a ``payload`` parameter, oslo.messaging's signature);
* a deserialised payload from outside: ``jsonutils.loads`` / ``json.loads`` of a request or
  response body (``req.body``, ``resp.text``) or of a boundary parameter, and ``resp.json()``
  of another service's reply (not a Placement read: that is a round trip);

and anything derived from them by assignment, subscripts, ``.get()``, copies and container
literals.  Data a service builds or reads itself is not untrusted: allocation candidates
deserialised from the scheduler's ``Selection.allocation_request``, allocations re-read from
Placement, a virt driver's reshape, parameters of internal helpers (the ``all-parameters``
option restores "every parameter is untrusted" for a library whose callers are outside).
Results of other calls are not followed (``scheduler_utils.resources_from_request_spec(...)``
builds data locally).

Sinks: calls named in ``write-calls`` (``claim_resources``, ``put_allocations``...) and
``put``/``post``/``patch`` whose URL starts with ``/allocations``.  The check reports the
argument expression at the sink unless, earlier in the function, the same data went through
a validator (``validators``, or any call named like ``*validate*alloc*``), its keys through
``uuidutils.is_uuid_like``, or an ``isinstance`` guard that raises.  Parameters of a function
decorated with a schema validator (``@validation.schema(...)``) are validated already.
"""

from __future__ import annotations

import fnmatch
import re

from astroid import nodes

from nova_lsp.checks import allocation_fix
from nova_lsp.checks.calls import resolver
from nova_lsp.checks.tree import call_name, dotted, import_map, qualified

_FUNCS = (nodes.FunctionDef, nodes.AsyncFunctionDef)
_NESTED = (nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.Lambda, nodes.ClassDef)
_HTTP_WRITES = {"put", "post", "patch"}
_DATA_KEYWORDS = ("json", "data", "body", "payload")
_VALIDATOR_NAME = re.compile(r"valid\w*alloc|alloc\w*valid", re.IGNORECASE)
_SCHEMA_DECORATOR = re.compile(r"schema|validat", re.IGNORECASE)
_COPIES = {"copy.deepcopy", "copy.copy", "deepcopy", "dict", "list", "collections.OrderedDict", "OrderedDict"}
_TRANSPARENT_METHODS = {"get", "copy", "items", "values", "keys", "pop", "setdefault"}
# `allocation_request_version`, `alloc_uuid`, `resources_count`: scalars about allocations
_SCALAR_NAME = re.compile(r"(?:^|_)(?:version|uuids?|ids?|generation|type|count|name|url|path|enabled|timeout)$")
_IGNORED_PARAMS = {"self", "cls", "context", "ctx", "ctxt"}


class _Groups:
    """Union-find over variable names: data derived from one another share a group."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, name: str) -> str:
        root = self.parent.setdefault(name, name)
        while root != self.parent[root]:
            root = self.parent[root]
        self.parent[name] = root
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _walk(node):
    """Nodes under ``node`` (inclusive) without entering nested scopes."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in current.get_children():
            if not isinstance(child, _NESTED):
                stack.append(child)


def _pos(node) -> tuple[int, int]:
    return (node.lineno or 0, node.col_offset or 0)


def _matches(written: str | None, full: str | None, entries) -> bool:
    if not written:
        return False
    last = written.rsplit(".", 1)[-1]
    for entry in entries:
        if "." not in entry:
            if last == entry:
                return True
        elif written == entry or full == entry or written.endswith("." + entry) or (full or "").endswith("." + entry):
            return True
    return False


# -- sources -------------------------------------------------------------------------------


def _deserialiser(call: nodes.Call, imports, loaders, round_trips=frozenset()) -> str | None:
    """``jsonutils.loads`` / ``json.loads`` / ``resp.json()``: the label of the source."""
    func = call.func
    written = dotted(func)
    if written and _matches(written, qualified(func, imports), loaders):
        return f"`{written}(...)`"
    if isinstance(func, nodes.Attribute) and func.attrname == "json" and not call.args:
        base = dotted(func.expr) or "response"
        if isinstance(func.expr, nodes.Name) and func.expr.name in round_trips:
            return None
        return f"`{base}.json()`"
    return None


def _round_trips(function, local_urls, prefixes) -> set[str]:
    """Names bound to a Placement read (``r = self.get('/allocations/%s' % c)``): writing
    what Placement itself returned is a round trip, not foreign data."""
    names = set()
    for node in _walk(function):
        if not (isinstance(node, nodes.Assign) and isinstance(node.value, nodes.Call)):
            continue
        call = node.value
        if not (isinstance(call.func, nodes.Attribute) and call.func.attrname == "get" and call.args):
            continue
        prefix = _url_prefix(call.args[0], local_urls)
        if prefix is not None and prefix.lstrip().startswith(tuple(prefixes)):
            names.update(n for t in node.targets for n in _target_names(t))
    return names


def _derived_names(expr, tainted: dict[str, str]) -> list[str]:
    """Tainted names ``expr`` carries data from (not through arbitrary calls)."""
    found = []
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, nodes.Name):
            if node.name in tainted:
                found.append(node.name)
            continue
        if isinstance(node, nodes.Call):
            func = node.func
            name = dotted(func) or ""
            if name in _COPIES:
                stack.extend(node.args)
            elif isinstance(func, nodes.Attribute) and func.attrname in _TRANSPARENT_METHODS:
                stack.append(func.expr)
            continue
        if isinstance(node, (nodes.Compare, nodes.UnaryOp)):
            continue  # `x in allocs`, `not allocs`: a bool, not the data
        if isinstance(node, _NESTED):
            continue
        stack.extend(node.get_children())
    return found


def _assignments(function):
    """(targets, value, node) for assignments and for-loops in source order."""
    out = []
    for node in _walk(function):
        if node is function:
            continue
        if isinstance(node, nodes.Assign):
            out.append((node.targets, node.value, node))
        elif isinstance(node, (nodes.AnnAssign, nodes.AugAssign)) and node.value is not None:
            out.append(([node.target], node.value, node))
        elif isinstance(node, (nodes.For, nodes.AsyncFor, nodes.Comprehension)):
            out.append(([node.target], node.iter, node))
        elif isinstance(node, nodes.NamedExpr):
            out.append(([node.target], node.value, node))
    out.sort(key=lambda item: _pos(item[2]))
    return out


def _target_names(target) -> list[str]:
    if isinstance(target, nodes.AssignName):
        return [target.name]
    if isinstance(target, (nodes.Tuple, nodes.List)):
        return [n for elt in target.elts for n in _target_names(elt)]
    if isinstance(target, nodes.Starred):
        return _target_names(target.value)
    return []


def _taint(function, imports, options, groups: _Groups):
    """name -> {origin label: counts for named writes} for data entering ``function``.

    A parameter's label is ``parameter `name```; it counts for named write calls only when
    its name looks like allocation data.  Deserialised payloads always count."""
    allocation_names = tuple(s.lower() for s in options["allocation-names"])
    tainted: dict[str, dict[str, bool]] = {}
    args = function.args
    forwards = function.name in set(options["write-calls"])
    params = [*(args.posonlyargs or []), *(args.args or []), *(args.kwonlyargs or [])]
    names = [p.name for p in params] + [n for n in (args.vararg, args.kwarg) if n]
    boundary = _boundary(function, names, options)
    if boundary and not forwards and not _schema_validated(function, imports, options):
        requests = set(options["request-parameters"])
        for name in names:
            if name in _IGNORED_PARAMS or name in requests:
                continue
            if boundary == "notification" and name != "payload":
                continue
            tainted[name] = {f"{_BOUNDARY_LABEL[boundary]} `{name}`": _allocation_like(name, allocation_names)}
    loaders = options["deserializers"]
    round_trips = _round_trips(function, _local_urls(function), options["placement-reads"])
    assigns = _assignments(function)
    for _ in range(2):  # a second pass picks up flows around loops
        for targets, value, node in assigns:
            label = None
            for sub in _walk(value):
                if isinstance(sub, nodes.Call):
                    label = _deserialiser(sub, imports, loaders, round_trips)
                    if label and not (options["all-parameters"] or _external_input(sub, tainted, names, options)):
                        label = None
                    if label:
                        break
            sources = _derived_names(value, tainted)
            for target in targets:
                for name in _target_names(target):
                    origins = tainted.setdefault(name, {})
                    if label:
                        origins[label] = True
                    for src in sources:
                        origins.update(tainted[src])
                        groups.union(src, name)
                    if not origins:
                        del tainted[name]
    return tainted


_BOUNDARY_LABEL = {"api": "API parameter", "notification": "notification", "any": "parameter"}
_BODY_ATTRS = {"body", "text", "content", "data", "json_body", "raw_body", "body_file"}


def _boundary(function, names, options) -> str | None:
    """Whether ``function`` receives data across a trust boundary: ``api`` (a WSGI request
    parameter, or a method of a ``*Controller``), ``notification`` (an oslo.messaging
    notification endpoint), ``any`` (the ``all-parameters`` option)."""
    if options["all-parameters"]:
        return "any"
    if any(name in options["request-parameters"] for name in names[:3]):
        return "api"
    parent = function.parent
    if isinstance(parent, nodes.ClassDef) and any(
        fnmatch.fnmatchcase(parent.name, pattern) for pattern in options["controller-classes"]
    ):
        return "api"
    if function.name in options["notification-methods"] and "payload" in names:
        return "notification"
    return None


def _external_input(call, tainted, params, options) -> bool:
    """A deserialiser reads something from outside: a boundary parameter, a request or
    response body (``req.body``, ``resp.text``), a WSGI request parameter."""
    if isinstance(call.func, nodes.Attribute) and call.func.attrname == "json" and not call.args:
        return True  # resp.json(): another service's reply (Placement reads are round trips)
    requests = set(options["request-parameters"]) & set(params)
    for arg in [*call.args, *(kw.value for kw in call.keywords)]:
        for node in _walk(arg):
            if isinstance(node, nodes.Name) and (node.name in tainted or node.name in requests):
                return True
            if isinstance(node, nodes.Attribute) and node.attrname in _BODY_ATTRS:
                return True
    return False


def _schema_validated(function, imports, options) -> bool:
    if function.decorators is None:
        return False
    for deco in function.decorators.nodes:
        target = deco.func if isinstance(deco, nodes.Call) else deco
        name = dotted(target) or ""
        if _SCHEMA_DECORATOR.search(name) or _matches(name, qualified(target, imports), options["validators"]):
            return True
    return False


# -- validation ----------------------------------------------------------------------------


def _validated_args(ctx, call, imports, options) -> list | None:
    """The arguments ``call`` validates: all of them for a validator (by name, or a UUID
    check), those at the positions a project function's summary names (a validator by what
    it does, in this module or another), else None."""
    written = dotted(call.func) or call_name(call) or ""
    full = qualified(call.func, imports)
    if (
        _matches(written, full, options["validators"])
        or _VALIDATOR_NAME.search(written.rsplit(".", 1)[-1])
        or _matches(written, full, options["uuid-checks"])
    ):
        return [*call.args, *(kw.value for kw in call.keywords)]
    if ctx is None or ctx.project is None:
        return None
    found = resolver(ctx).facts(call, ctx.rule.id)
    if found is None or not found[1].get("validates"):
        return None
    positions = set(found[1]["validates"])
    names = set(found[1].get("names", ()))
    return [a for i, a in enumerate(call.args) if i in positions] + [kw.value for kw in call.keywords if kw.arg in names]


def _validations(function, tainted, groups, imports, options, ctx=None) -> list[tuple[tuple[int, int], str]]:
    """(position, group) of every validation of tainted data in ``function``."""
    found = []
    for node in _walk(function):
        if isinstance(node, nodes.Call):
            args = _validated_args(ctx, node, imports, options)
            if not args:
                continue
            for arg in args:
                for name in _names(arg):
                    if name in tainted:
                        found.append((_pos(node), groups.find(name)))
        elif isinstance(node, nodes.If) and _raises(node.body):
            for call in _walk(node.test):
                if isinstance(call, nodes.Call) and dotted(call.func) == "isinstance" and call.args:
                    for name in _names(call.args[0]):
                        if name in tainted:
                            found.append((_pos(node), groups.find(name)))
    return found


def _names(expr) -> set[str]:
    return {n.name for n in _walk(expr) if isinstance(n, nodes.Name)}


def _raises(body) -> bool:
    return any(isinstance(stmt, nodes.Raise) for stmt in body)


# -- sinks ---------------------------------------------------------------------------------


def _url_prefix(expr, local_urls: dict[str, str]) -> str | None:
    """The literal start of a URL expression (``'/allocations/%s' % x``, f-strings, ``+``)."""
    if isinstance(expr, nodes.Const) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, nodes.JoinedStr):
        first = expr.values[0] if expr.values else None
        if isinstance(first, nodes.Const) and isinstance(first.value, str):
            return first.value
        return None
    if isinstance(expr, nodes.BinOp) and expr.op in ("%", "+"):
        return _url_prefix(expr.left, local_urls)
    if isinstance(expr, nodes.Call) and isinstance(expr.func, nodes.Attribute) and expr.func.attrname == "format":
        return _url_prefix(expr.func.expr, local_urls)
    if isinstance(expr, nodes.Name):
        return local_urls.get(expr.name)
    return None


def _local_urls(function) -> dict[str, str]:
    urls = {}
    for node in _walk(function):
        if isinstance(node, nodes.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], nodes.AssignName):
            prefix = _url_prefix(node.value, {})
            if prefix is not None:
                urls[node.targets[0].name] = prefix
    return urls


def _sink_args(call, write_calls, write_urls, local_urls):
    """(label, [argument expressions carrying allocation data], named) of a write call."""
    name = call_name(call)
    if name is None:
        return None
    if name in write_calls:
        label = dotted(call.func) or name
        return label, [*call.args, *(kw.value for kw in call.keywords)], True
    if name in _HTTP_WRITES and isinstance(call.func, nodes.Attribute) and call.args:
        prefix = _url_prefix(call.args[0], local_urls)
        if prefix is None or not prefix.lstrip().startswith(write_urls):
            return None
        data = list(call.args[1:2]) + [kw.value for kw in call.keywords if kw.arg in _DATA_KEYWORDS]
        path = re.split(r"[%{]", prefix, maxsplit=1)[0].strip()
        return f"{dotted(call.func) or name}('{path}...')", data, False
    return None


def _scalar_item(arg) -> bool:
    """``x["consumer_uuid"]``, ``x.get("project_id")``: a scalar read out of a payload."""
    key = None
    if isinstance(arg, nodes.Subscript) and isinstance(arg.slice, nodes.Const):
        key = arg.slice.value
    elif isinstance(arg, nodes.Call) and isinstance(arg.func, nodes.Attribute) and arg.func.attrname == "get" and arg.args:
        first = arg.args[0]
        key = first.value if isinstance(first, nodes.Const) else None
    return isinstance(key, str) and bool(_SCALAR_NAME.search(key.lower()) or key.lower().endswith("_id"))


def _allocation_like(name: str, allocation_names) -> bool:
    lowered = name.lower()
    return any(part in lowered for part in allocation_names) and not _SCALAR_NAME.search(lowered)


# -- across functions ----------------------------------------------------------------------------


def summarize(ctx, function):
    """A project's own validator, whatever its name: the parameters ``function`` validates
    (passes to a validator, or guards with an ``isinstance`` that raises) before anything
    else can use them.  Callers' arguments at those positions count as validated."""
    params = list(function.args.posonlyargs) + list(function.args.args)
    decorators = {dotted(d) for d in (function.decorators.nodes if function.decorators else ())}
    if isinstance(function.parent, nodes.ClassDef) and "staticmethod" not in decorators and params:
        params = params[1:]  # self / cls: a call passes them implicitly
    if not params:
        return None
    positions = {p.name: i for i, p in enumerate(params)}
    tainted = {name: {"": 1} for name in positions}
    groups = _Groups()
    for name in positions:
        groups.find(name)
    hits = _validations(function, tainted, groups, import_map(ctx), ctx.options, ctx)
    validated = {name for name in positions if any(grp == groups.find(name) for _, grp in hits)}
    if not validated:
        return None
    return {"validates": sorted(positions[n] for n in validated), "names": sorted(validated)}


def check(ctx):
    options = ctx.options
    imports = import_map(ctx)
    write_calls = set(options["write-calls"])
    write_urls = tuple(options["write-urls"])
    by_function: dict[int, list] = {}
    functions = {}
    for call in ctx.index.of(nodes.Call):
        ctx.tick()
        name = call_name(call)
        if name is None or (name not in write_calls and name not in _HTTP_WRITES):
            continue
        scope = call.scope()
        if isinstance(scope, _FUNCS):
            by_function.setdefault(id(scope), []).append(call)
            functions[id(scope)] = scope
    for key, calls in by_function.items():
        function = functions[key]
        local_urls = _local_urls(function)
        sinks = []
        for call in calls:
            parts = _sink_args(call, write_calls, write_urls, local_urls)
            if parts is not None and parts[1]:
                sinks.append((call, parts))
        if not sinks:
            continue
        groups = _Groups()
        tainted = _taint(function, imports, options, groups)
        if not tainted:
            continue
        validated = _validations(function, tainted, groups, imports, options, ctx)
        for call, (label, args, named) in sinks:
            for arg in args:
                if _scalar_item(arg):
                    continue  # data["consumer_uuid"]: a scalar about the allocation
                names = _derived_names(arg, tainted)
                direct = (
                    not named
                    and isinstance(arg, nodes.Name)
                    and any(o == f"{label} `{arg.name}`" for o in tainted.get(arg.name, {}) for label in _BOUNDARY_LABEL.values())
                )
                where = _pos(call)
                for variable in names:
                    if any(pos < where and grp == groups.find(variable) for pos, grp in validated):
                        continue
                    origins = [o for o, counts in tainted[variable].items() if counts or direct]
                    if origins:
                        break
                else:
                    continue
                yield ctx.finding(arg, variable=variable, origin=origins[0], call=label, fix=allocation_fix.builder(ctx, arg))
