"""Small helpers over astroid trees shared by the checks: dotted names and import resolution.

Names are resolved from the module's own import statements, never by importing anything.
"""

from __future__ import annotations

from astroid import nodes


def dotted(node) -> str | None:
    """``a.b.c`` for Name/Attribute chains, else None (calls, subscripts, ...)."""
    parts = []
    while isinstance(node, nodes.Attribute):
        parts.append(node.attrname)
        node = node.expr
    if isinstance(node, nodes.Name):
        parts.append(node.name)
        return ".".join(reversed(parts))
    return None


def import_map(ctx) -> dict[str, str]:
    """Local name -> fully dotted imported name, from every import in the module (memoised
    on the shared node index, so all checks of one analysis compute it once)."""
    return ctx.index.memo("imports", lambda: dict(_import_pairs(ctx.index.of(nodes.Import, nodes.ImportFrom))))


def _import_pairs(import_nodes):
    for node in import_nodes:
        if isinstance(node, nodes.Import):
            for name, alias in node.names:
                if alias:
                    yield alias, name
                else:
                    top = name.split(".")[0]
                    yield top, top
        else:
            base = node.modname or ""
            for name, alias in node.names:
                if name == "*":
                    continue
                yield alias or name, f"{base}.{name}" if base else name


def qualified(node, imports: dict[str, str]) -> str | None:
    """The dotted name of ``node`` with its first part expanded through ``imports``."""
    name = dotted(node)
    if name is None:
        return None
    head, _, rest = name.partition(".")
    if head in imports:
        head = imports[head]
    return f"{head}.{rest}" if rest else head


def last_name(node) -> str | None:
    """The last component of a Name/Attribute: ``client`` for ``self.client``."""
    if isinstance(node, nodes.Attribute):
        return node.attrname
    if isinstance(node, nodes.Name):
        return node.name
    return None


def call_name(call: nodes.Call) -> str | None:
    """The last component of the called name: ``put`` for ``self.client.put(...)``."""
    return last_name(call.func)


def enclosing_function(node):
    """The nearest enclosing function (or lambda) node, or None at module level."""
    current = node.parent
    while current is not None:
        if isinstance(current, (nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.Lambda)):
            return current
        current = current.parent
    return None


_FUNCTION_SCOPES = (nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.Lambda)


def nodes_in_scope(scope, classes):
    """Nodes of ``classes`` under ``scope`` that belong to its names: in a class body the
    functions are not entered (methods do not see class-level names, and a finding outside
    functions must not depend on function bodies; see engine/incremental.py)."""
    skip = _FUNCTION_SCOPES if isinstance(scope, nodes.ClassDef) else None
    return scope.nodes_of_class(classes, skip_klass=skip)


def is_docstring(node) -> bool:
    """A string constant that is a statement by itself (docstrings, attribute docs)."""
    return isinstance(node, nodes.Const) and isinstance(node.parent, nodes.Expr)
