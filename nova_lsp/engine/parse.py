"""Parse a text once into an astroid tree and index its nodes by class in one walk.

We build with astroid's builder but skip its post-build step: that step caches the module in
the global manager, resolves ``from x import *`` by loading ``x`` and infers delayed
attribute assignments, all of which can pull modules of the analysed workspace into astroid.
The checks resolve names themselves from the tree, so they need none of it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass

from astroid import nodes
from astroid.builder import AstroidBuilder
from astroid.exceptions import AstroidSyntaxError
from astroid.manager import AstroidManager

from nova_lsp.document import Document


@dataclass(frozen=True)
class SyntaxProblem:
    line: int  # 0-based
    col: int  # code points
    message: str


def parse(document: Document) -> nodes.Module | SyntaxProblem:
    """The astroid module of ``document``, or the syntax error that prevents it.

    RecursionError (pathologically deep nesting) and MemoryError propagate to the caller.
    """
    builder = AstroidBuilder(AstroidManager(), apply_transforms=False)
    try:
        data_build = getattr(builder, "_data_build", None)
        if data_build is not None:
            module, _ = data_build(document.text, "", document.path)
        else:  # pragma: no cover - older/newer astroid without the private helper
            module = builder.string_build(document.text, "", document.path)
    except AstroidSyntaxError as exc:
        return _syntax_problem(document, exc.error)
    return module


def quick_syntax_check(document: Document) -> SyntaxProblem | None:
    """Whether the text parses, using only CPython's parser (no astroid tree is built)."""
    try:
        ast.parse(document.text, document.path)
    except (SyntaxError, ValueError) as exc:
        return _syntax_problem(document, exc)
    return None


def _syntax_problem(document: Document, error) -> SyntaxProblem:
    if isinstance(error, SyntaxError):
        line = max((error.lineno or 1) - 1, 0)
        # SyntaxError.offset is 1-based and counts code points of the line for str input
        col = max((error.offset or 1) - 1, 0)
        col = min(col, len(document.line(line)))
        kind = "" if type(error) is SyntaxError else f"{type(error).__name__}: "
        return SyntaxProblem(line, col, f"{kind}{error.msg}")
    return SyntaxProblem(0, 0, f"cannot parse: {error}")


class NodeIndex:
    """Every node of a module, grouped by class, collected by a single iterative walk."""

    def __init__(self, module: nodes.Module) -> None:
        by_class: dict[type, list] = defaultdict(list)
        stack = [module]
        pop, extend = stack.pop, stack.extend
        while stack:
            node = pop()
            by_class[type(node)].append(node)
            children = list(node.get_children())
            children.reverse()
            extend(children)
        self._by_class = by_class
        self._memo: dict = {}

    def memo(self, key, compute):
        """A value computed once per analysis and shared by every check."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def of(self, *classes: type) -> list:
        """Nodes of the given classes in source order."""
        if len(classes) == 1:
            return self._by_class.get(classes[0], [])
        found = [n for cls in classes for n in self._by_class.get(cls, [])]
        found.sort(key=lambda n: (n.lineno or 0, n.col_offset or 0))
        return found
