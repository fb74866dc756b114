"""Idempotent import insertion: how to refer to ``module.attr`` from a point in the code,
reusing whatever import the module already has, adding one in the right place when it has none.

Reuse, for ``oslo_utils.strutils.mask_password``::

    from oslo_utils import strutils            -> strutils.mask_password
    from oslo_utils import strutils as su      -> su.mask_password
    import oslo_utils.strutils                 -> oslo_utils.strutils.mask_password
    import oslo_utils.strutils as su           -> su.mask_password
    from oslo_utils.strutils import mask_password [as m] -> mask_password / m

An existing binding is reused only if it is not shadowed where the new code goes (a
parameter named ``time`` hides ``import time``).

A new import follows OpenStack hacking: modules, not names (``from oslo_utils import
strutils``, H302) unless the file already imports names from that module (``from tenacity
import retry`` gets ``from tenacity import wait_random_exponential``); it goes into its group
— standard library, third party (``oslo_*`` included), then the project's own — in
alphabetical position within the group (H306), after ``from __future__`` imports and the
module docstring, with a blank line between groups.  A module that shares its top-level
package with an existing import joins that import's group.  The project's own packages are
the relative imports and the top-level names that appear as directories in the file's path.
"""

from __future__ import annotations

import sys
import weakref
from dataclasses import dataclass, field

from astroid import nodes

from nova_lsp.checks.layout import attached_comments_start
from nova_lsp.core.model import Edit, Span

STDLIB, THIRD_PARTY, PROJECT = 1, 2, 3
_STDLIB_NAMES = frozenset(sys.stdlib_module_names)


@dataclass(frozen=True)
class _Existing:
    node: object
    group: int
    key: str
    start: int  # 0-based first line
    end: int  # 0-based last line


@dataclass(frozen=True)
class _New:
    statement: str  # "import time", "from oslo_utils import strutils"
    group: int
    key: str


def _key(statement: nodes.NodeNG) -> str:
    """H306 sort key: ``import a.b`` -> ``a.b``; ``from a import b`` -> ``a.b``."""
    if isinstance(statement, nodes.Import):
        return statement.names[0][0].lower()
    base = "." * (statement.level or 0) + (statement.modname or "")
    return f"{base}.{statement.names[0][0]}".lower()


def _statement_key(text: str) -> str:
    parts = text.split()
    if parts[0] == "import":
        return parts[1].lower()
    return f"{parts[1]}.{parts[3]}".lower()


def module_bindings(ctx) -> dict[str, list]:
    """Names bound at module level and what binds them, ``from`` imports included (the
    engine's trees skip the step that adds those to ``Module.locals``)."""

    def compute():
        found = {name: list(binders) for name, binders in ctx.module.locals.items()}
        for node in ctx.index.of(nodes.ImportFrom):
            if node.scope() is ctx.module:
                for name, alias in node.names:
                    if name != "*":
                        found.setdefault(alias or name, []).append(node)
        return found

    return ctx.index.memo("fixes.module_bindings", compute)


_FROM_NAMES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _from_imports(scope) -> dict[str, list]:
    """Names bound by ``from`` imports directly in ``scope`` (the engine's trees do not put
    them in ``scope.locals``), found once per scope."""
    found = _FROM_NAMES.get(scope)
    if found is None:
        found = {}
        for node in scope.nodes_of_class(nodes.ImportFrom):
            if node.scope() is scope:
                for name, alias in node.names:
                    found.setdefault(alias or name, []).append(node)
        _FROM_NAMES[scope] = found
    return found


def _scope_binds(scope, name: str) -> bool:
    return name in scope.locals or name in _from_imports(scope)


def shadowed(name: str, at) -> bool:
    """Whether a scope between ``at`` and the module binds ``name`` (a parameter, a local,
    a comprehension variable, a class attribute seen from the class body)."""
    if at is None:
        return False
    first = at.scope()
    scope = first
    while scope is not None and not isinstance(scope, nodes.Module):
        if (scope is first or not isinstance(scope, nodes.ClassDef)) and _scope_binds(scope, name):
            return True
        scope = scope.parent.scope() if scope.parent is not None else None
    return False


def bindings(ctx, name: str, at) -> list:
    """What binds ``name`` where ``at`` reads it: the nodes of the innermost scope that binds
    it (class bodies are skipped for the functions in them), [] when nothing in the module
    does.  Unlike astroid's ``lookup`` this never builds the builtins module."""
    first = at.scope()
    scope = first
    while scope is not None and not isinstance(scope, nodes.Module):
        if scope is first or not isinstance(scope, nodes.ClassDef):
            found = list(scope.locals.get(name, ())) + list(_from_imports(scope).get(name, ()))
            if found:
                return found
        scope = scope.parent.scope() if scope.parent is not None else None
    return list(module_bindings(ctx).get(name, ()))


@dataclass
class ImportPlan:
    """The imports a fix needs, collected while it builds its code, turned into edits once.

    ``ref(module, attr, at)`` returns the text that names ``module.attr`` (or the module
    itself when ``attr`` is None) at the node ``at``; ``edits()`` returns the edits that add
    the imports it had to invent (none when everything was already imported).
    """

    ctx: object
    _new: dict = field(default_factory=dict)  # statement -> _New
    _bound: dict = field(default_factory=dict)  # local name -> statement that binds it

    # -- public ---------------------------------------------------------------------------------

    def ref(self, module: str, attr: str | None, at=None) -> str:
        existing = self._existing_ref(module, attr, at)
        if existing is not None:
            return existing
        statement, local, expr = self._new_import(module, attr, at)
        if statement not in self._new:
            self._new[statement] = _New(statement, self._group(module), _statement_key(statement))
            self._bound[local] = statement
        return expr

    def edits(self) -> tuple[Edit, ...]:
        if not self._new:
            return ()
        by_point: dict[tuple, list] = {}
        for new in self._new.values():
            line, col, before, after = self._point(new)
            by_point.setdefault((line, col), []).append((new, before, after))
        out = []
        for (line, col), placed in by_point.items():
            out.append(self._edit(line, col, placed))
        out.sort(key=lambda e: (e.span.start_line, e.span.start_col))
        return tuple(out)

    # -- what the module has --------------------------------------------------------------------

    @property
    def module(self):
        return self.ctx.module

    def _imports(self):
        """Import statements bound at module scope (also inside module-level try/if);
        computed once per analysis."""
        module = self.module
        return self.ctx.index.memo(
            "imports.module_imports",
            lambda: [n for n in self.ctx.index.of(nodes.Import, nodes.ImportFrom) if n.scope() is module],
        )

    def _existing_ref(self, module: str, attr: str | None, at) -> str | None:
        for imp in self._imports():
            if isinstance(imp, nodes.ImportFrom):
                if imp.level:
                    continue
                base = imp.modname or ""
                for name, alias in imp.names:
                    local = alias or name
                    if attr is not None and base == module and name == attr:
                        candidate = local
                    elif f"{base}.{name}" == module:
                        candidate = local if attr is None else f"{local}.{attr}"
                    else:
                        continue
                    if self._visible(local, at):
                        return candidate
            else:
                for name, alias in imp.names:
                    if alias:
                        if name != module:
                            continue
                        local, candidate = alias, alias
                    else:
                        if not (name == module or name.startswith(module + ".")):
                            continue
                        local, candidate = name.split(".")[0], module
                    if attr is not None:
                        candidate = f"{candidate}.{attr}"
                    if self._visible(local, at):
                        return candidate
        return None

    def _visible(self, local: str, at) -> bool:
        """``local`` at ``at`` means the module-level import (not a parameter, a local...)."""
        if shadowed(local, at):
            return False
        return all(isinstance(n, (nodes.Import, nodes.ImportFrom)) for n in module_bindings(self.ctx).get(local, ()))

    def _taken(self, local: str, at) -> bool:
        """Whether binding ``local`` at module level would clash with something."""
        if local in self._bound:
            return False
        return local in module_bindings(self.ctx) or shadowed(local, at)

    def _new_import(self, module: str, attr: str | None, at) -> tuple[str, str, str]:
        """(statement, local name it binds, expression to use)."""
        from_names = attr is not None and any(
            isinstance(i, nodes.ImportFrom) and not i.level and i.modname == module for i in self._imports()
        )
        if from_names:
            local = self._free(attr, at)
            alias = f" as {local}" if local != attr else ""
            return f"from {module} import {attr}{alias}", local, local
        if "." in module:
            parent, last = module.rsplit(".", 1)
            # ``utils`` is taken: ``from nova.scheduler import utils as scheduler_utils``
            local = last if not self._taken(last, at) else self._free(f"{parent.rsplit('.', 1)[-1]}_{last}", at)
            alias = f" as {local}" if local != last else ""
            expr = local if attr is None else f"{local}.{attr}"
            return f"from {parent} import {last}{alias}", local, expr
        local = self._free(module, at)
        if local != module:
            expr = local if attr is None else f"{local}.{attr}"
            return f"import {module} as {local}", local, expr
        return f"import {module}", module, module if attr is None else f"{module}.{attr}"

    def _free(self, wanted: str, at) -> str:
        candidate = wanted
        index = 0
        while self._taken(candidate, at):
            index += 1
            candidate = f"_{wanted}" if index == 1 else f"_{wanted}{index}"
        return candidate

    # -- where new imports go ------------------------------------------------------------------

    def _project_names(self) -> set[str]:
        path = str(getattr(self.ctx.document, "path", "") or "")
        parts = [p for p in path.replace("\\", "/").split("/")[:-1] if p and p not in (".", "..")]
        return set(parts)

    def _group(self, module: str) -> int:
        top = module.split(".")[0]
        for existing in self._top_imports():
            if existing.key.split(".")[0] == top.lower() and not existing.key.startswith("."):
                return existing.group
        return self._classify(top)

    def _classify(self, top: str) -> int:
        if top in _STDLIB_NAMES:
            return STDLIB
        if top in self._project_names():
            return PROJECT
        return THIRD_PARTY

    def _top_imports(self) -> list[_Existing]:
        return self.ctx.index.memo("imports.top_imports", self._compute_top_imports)

    def _compute_top_imports(self) -> list[_Existing]:
        doc = self.ctx.document
        found = []
        for stmt in self.module.body:
            if not isinstance(stmt, (nodes.Import, nodes.ImportFrom)):
                continue
            if isinstance(stmt, nodes.ImportFrom) and stmt.modname == "__future__":
                continue
            if isinstance(stmt, nodes.ImportFrom) and stmt.level:
                group = PROJECT
            else:
                name = stmt.names[0][0] if isinstance(stmt, nodes.Import) else stmt.modname
                group = self._classify(name.split(".")[0])
            span = doc.node_span(stmt)
            found.append(_Existing(stmt, group, _key(stmt), span.start_line, span.end_line))
        return found

    def _header_end(self) -> int | None:
        """Last line of the module docstring and ``from __future__`` imports, if any."""
        doc = self.ctx.document
        end = None
        for stmt in self.module.body:
            is_doc = isinstance(stmt, nodes.Expr) and isinstance(stmt.value, nodes.Const) and isinstance(stmt.value.value, str)
            is_future = isinstance(stmt, nodes.ImportFrom) and stmt.modname == "__future__"
            if (is_doc and end is None) or is_future:
                end = doc.node_span(stmt).end_line
                continue
            break
        if end is None and self.module.doc_node is not None:
            end = doc.node_span(self.module.doc_node).end_line
        return end

    def _attached_comments_start(self, line: int) -> int:
        return attached_comments_start(self.ctx.document, line)

    def _point(self, new: _New) -> tuple:
        """(line, col, blank line before, blank line after) where ``new`` goes."""
        doc = self.ctx.document
        existing = self._top_imports()
        same = [e for e in existing if e.group == new.group]
        if same:
            before_it = [e for e in same if e.key <= new.key]
            if before_it:
                anchor = max(before_it, key=lambda e: e.end)
                return (anchor.end, len(doc.line(anchor.end)), False, False)
            first = min(same, key=lambda e: e.start)
            return (self._attached_comments_start(first.start), 0, False, False)
        later = [e for e in existing if e.group > new.group]
        if later:
            first = min(later, key=lambda e: e.start)
            return (self._attached_comments_start(first.start), 0, False, True)
        if existing:
            last = max(existing, key=lambda e: e.end)
            return (last.end, len(doc.line(last.end)), True, not self._blank(last.end + 1))
        header = self._header_end()
        if header is not None:
            return (header, len(doc.line(header)), True, not self._blank(header + 1))
        first_stmt = self.module.body[0] if self.module.body else None
        if first_stmt is None:
            last = len(doc.lines) - 1
            return (last, len(doc.line(last)), bool(doc.line(last).strip()), False)
        line = doc.node_span(first_stmt).start_line
        decorators = getattr(first_stmt, "decorators", None)
        if decorators is not None:
            line = min(line, doc.node_span(decorators).start_line)
        definition = isinstance(first_stmt, (nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.ClassDef))
        return (self._attached_comments_start(line), 0, False, 2 if definition else 1)

    def _blank(self, line: int) -> bool:
        doc = self.ctx.document
        return line >= len(doc.lines) or not doc.line(line).strip()

    def _edit(self, line: int, col: int, placed: list) -> Edit:
        """One edit for the imports that go to one point, in group then alphabetical order,
        a blank line between groups; the blank lines around the block are those the first
        and the last import want there."""
        nl = self.ctx.document.newline
        placed = sorted(placed, key=lambda item: (item[0].group, item[0].key))
        chunks: list[str] = []
        previous = None
        for new, _, _ in placed:
            if previous is not None and new.group != previous:
                chunks.append("")
            chunks.append(new.statement)
            previous = new.group
        block = nl.join(chunks)
        before = placed[0][1]
        blank_after = nl * int(placed[-1][2])  # False/True or a number of blank lines
        if col == 0:  # before a line
            text = block + nl + blank_after
            if before:
                text = nl + text
        else:  # at the end of a line
            text = nl + (nl if before else "") + block + blank_after
        return Edit(Span(line, col, line, col), text)
