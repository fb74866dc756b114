"""Which function of the project a call (or an attribute) names: a dotted name to look up in
the project's summaries (``nova_lsp.engine.project``).

Resolution reads only the text being analysed, never imports or executes anything, and asks
astroid to infer nothing.  It follows:

- names the module defines (``def helper``, ``class Client``) and names it imports, relative
  imports included (``from . import utils`` in ``nova/compute/manager.py`` is
  ``nova.compute.utils``);
- dotted chains whose head is an import (``utils.execute``, ``nova.utils.execute``);
- ``self.method`` and ``cls.method`` in a method: the class's own methods, then its bases in
  order (a base defined in the module is searched in turn; an imported base is looked up as
  ``module.Base.method``);
- simple attribute types: ``self._client.get(...)`` when a method of the class assigns
  ``self._client = RestClient(...)`` (and nothing else), and a local name assigned once from
  ``RestClient(...)`` in the same function.

Anything else (a parameter's attribute, a call's result, a name bound twice) is unknown, and a
rule treats an unknown call exactly as it did before it knew about other functions.
"""

from __future__ import annotations

from astroid import nodes

from nova_lsp.checks.tree import dotted

_FUNCTIONS = (nodes.FunctionDef, nodes.AsyncFunctionDef)


class Resolver:
    """Call resolution for one analysed text (memoised on the node index: ``resolver(ctx)``)."""

    def __init__(self, ctx) -> None:
        view = ctx.project
        self.view = view
        self.module_name = view.module if view is not None else ""
        self.prefix = view.prefix if view is not None else "<text>"
        self.package = bool(view is not None and view.package)
        self.module = ctx.module
        self._imports = self._import_table(ctx)
        self._attribute_types: dict = {}

    # -- names -------------------------------------------------------------------------

    def _base_package(self, level: int) -> str | None:
        if not self.module_name:
            return None
        parts = self.module_name.split(".")
        # ``from . import x`` in a.b.c is a.b; in a/b/__init__.py it is a.b itself
        keep = len(parts) - (level - 1 if self.package else level)
        return ".".join(parts[:keep]) if keep > 0 else None

    def _import_table(self, ctx) -> dict[int, dict[str, str]]:
        """id(scope) -> name -> the dotted name it imports there (relative imports made
        absolute); function-level imports (common in OpenStack, against import cycles) too."""
        table: dict[int, dict[str, str]] = {}
        for node in ctx.index.of(nodes.Import, nodes.ImportFrom):
            names = table.setdefault(id(node.scope()), {})
            if isinstance(node, nodes.Import):
                for name, alias in node.names:
                    if alias:
                        names[alias] = name
                    else:
                        top = name.split(".")[0]
                        names[top] = top
                continue
            base = node.modname or ""
            if node.level:
                package = self._base_package(node.level)
                if package is None:
                    continue
                base = f"{package}.{base}" if base else package
            for name, alias in node.names:
                if name != "*" and base:
                    names[alias or name] = f"{base}.{name}"
        return table

    def _local_definition(self, name: str):
        """The one module-level ``def`` or ``class`` that binds ``name``, or None."""
        binders = self.module.locals.get(name, ())
        if len(binders) != 1:
            return None
        (node,) = binders
        return node if isinstance(node, (*_FUNCTIONS, nodes.ClassDef)) else None

    def _own(self, qualname: str) -> str:
        return f"{self.prefix}.{qualname}"

    def name_target(self, name: str, at) -> str | None:
        """The dotted name a bare ``name`` read at ``at`` stands for, or None."""
        first = at.scope()
        scope = first
        while scope is not None and not isinstance(scope, nodes.Module):
            if not isinstance(scope, nodes.ClassDef) or scope is first:
                imported = self._imports.get(id(scope), {}).get(name)
                if imported is not None:
                    return imported
                if name in scope.locals:
                    return None  # a parameter or a local: unknown
            scope = scope.parent.scope() if scope.parent is not None else None
        imported = self._imports.get(id(self.module), {}).get(name)
        if imported is not None:
            return imported
        definition = self._local_definition(name)
        if definition is not None:
            return self._own(definition.name)
        return None

    # -- classes ---------------------------------------------------------------------

    def _class_of_method(self, at):
        """(class node, the method's first parameter name) for a node inside a method."""
        function = at.scope()
        while function is not None and not isinstance(function, _FUNCTIONS):
            function = function.parent.scope() if function.parent is not None else None
        if function is None or not isinstance(function.parent, nodes.ClassDef):
            return None, None
        args = function.args.posonlyargs + function.args.args
        if not args:
            return None, None
        return function.parent, args[0].name

    def method_target(self, klass: nodes.ClassDef, attr: str, seen=None) -> str | None:
        """``module.Class.attr`` for the class (or base) that defines ``attr``."""
        seen = seen if seen is not None else set()
        if id(klass) in seen:
            return None
        seen.add(id(klass))
        for binder in klass.locals.get(attr, ()):
            if isinstance(binder, _FUNCTIONS):
                return self._own(self._qualname(klass) + "." + attr)
            return None  # a class attribute, not a method
        for base in klass.bases:
            name = dotted(base)
            if name is None:
                continue
            head, _, rest = name.partition(".")
            if not rest:
                local = self._local_definition(head)
                if isinstance(local, nodes.ClassDef):
                    found = self.method_target(local, attr, seen)
                    if found is not None:
                        return found
                    continue
            target = self.dotted_target(base, klass)
            if target is not None:
                return f"{target}.{attr}"
        return None

    @staticmethod
    def _qualname(klass: nodes.ClassDef) -> str:
        parts = [klass.name]
        parent = klass.parent.scope() if klass.parent is not None else None
        while isinstance(parent, nodes.ClassDef):
            parts.append(parent.name)
            parent = parent.parent.scope() if parent.parent is not None else None
        return ".".join(reversed(parts))

    def _class_target(self, call, at) -> str | None:
        """The class a ``Class(...)`` call instantiates, as a dotted name, or None."""
        if not isinstance(call, nodes.Call):
            return None
        func = call.func
        if isinstance(func, nodes.Name):
            local = self._local_definition(func.name)
            if isinstance(local, nodes.ClassDef):
                return self._own(self._qualname(local))
            if local is not None:
                return None  # a local function: what it returns is unknown
        target = self.dotted_target(func, at)
        if target is None:
            return None
        last = target.rsplit(".", 1)[-1]
        return target if last[:1].isupper() else None  # classes are CapWords (N801)

    def _self_attribute_type(self, klass: nodes.ClassDef, attr: str) -> str | None:
        key = (id(klass), attr)
        if key not in self._attribute_types:
            self._attribute_types[key] = None  # while it is worked out (`self.a = self.a.copy()`)
            found = set()
            for assign in klass.nodes_of_class(nodes.AssignAttr):
                if assign.attrname != attr or not isinstance(assign.expr, nodes.Name):
                    continue
                owner, first = self._class_of_method(assign)
                if owner is not klass or assign.expr.name != first:
                    continue
                parent = assign.parent
                value = parent.value if isinstance(parent, (nodes.Assign, nodes.AnnAssign)) else None
                found.add(self._class_target(value, assign) if value is not None else None)
            self._attribute_types[key] = found.pop() if len(found) == 1 else None
        return self._attribute_types[key]

    def _local_type(self, name: nodes.Name) -> str | None:
        """The class of a local assigned exactly once, from ``Class(...)``."""
        scope = name.scope()
        if not isinstance(scope, _FUNCTIONS):
            return None
        binders = scope.locals.get(name.name, ())
        if len(binders) != 1 or not isinstance(binders[0], nodes.AssignName):
            return None
        parent = binders[0].parent
        if not isinstance(parent, nodes.Assign) or len(parent.targets) != 1 or parent.targets[0] is not binders[0]:
            return None
        return self._class_target(parent.value, parent)

    # -- the entry points ------------------------------------------------------------

    def dotted_target(self, node, at=None) -> str | None:
        """The dotted name a Name / Attribute expression stands for, or None."""
        at = at if at is not None else node
        if isinstance(node, nodes.Name):
            return self.name_target(node.name, at)
        if not isinstance(node, nodes.Attribute):
            return None
        expr = node.expr
        if isinstance(expr, nodes.Name):
            klass, first = self._class_of_method(at)
            if klass is not None and expr.name == first:
                return self.method_target(klass, node.attrname)
            local = self._local_type(expr)
            if local is not None:
                return f"{local}.{node.attrname}"
        if isinstance(expr, nodes.Attribute) and isinstance(expr.expr, nodes.Name):
            klass, first = self._class_of_method(at)
            if klass is not None and expr.expr.name == first:
                kind = self._self_attribute_type(klass, expr.attrname)
                return f"{kind}.{node.attrname}" if kind is not None else None
        base = self.dotted_target(expr, at)
        return f"{base}.{node.attrname}" if base is not None else None

    def call_target(self, call: nodes.Call) -> str | None:
        return self.dotted_target(call.func, call)

    def facts(self, node, rule: str):
        """(module, facts) that ``rule`` recorded for the function a call or an attribute
        names, or None (unknown, or nothing recorded)."""
        if self.view is None:
            return None
        target = self.call_target(node) if isinstance(node, nodes.Call) else self.dotted_target(node)
        if target is None:
            return None
        return self.view.lookup(target, rule)


def resolver(ctx) -> Resolver:
    return ctx.index.memo("calls.resolver", lambda: Resolver(ctx))
