"""Parse a text once into an astroid tree and index its nodes by class in one walk.

We build astroid nodes with its TreeRebuilder and skip AstroidBuilder's post-build step: that
step caches the module in the global manager, resolves ``from x import *`` by loading ``x``
and infers delayed attribute assignments, all of which can pull modules of the analysed
workspace into astroid.  The checks resolve names themselves from the tree, so they need
none of it, and nothing of the workspace is ever imported.
"""

from __future__ import annotations

import ast
import warnings
from collections import defaultdict
from dataclasses import dataclass

from astroid import nodes
from astroid.manager import AstroidManager
from astroid.rebuilder import TreeRebuilder

from nova_lsp.core.document import Document


_MANAGER = AstroidManager()

# Compiling the analysed code must not print its warnings (`"\."` is a SyntaxWarning from
# Python 3.12 on, a DeprecationWarning before): they would interleave with the CLI's report.
# Set once at import; `warnings.catch_warnings` is not thread-safe and the server analyses
# on threads.
warnings.filterwarnings("ignore", category=SyntaxWarning)
warnings.filterwarnings("ignore", message=r"invalid (escape sequence|octal escape|decimal literal)")


@dataclass(frozen=True)
class SyntaxProblem:
    line: int  # 0-based
    col: int  # code points
    message: str


def parse(document: Document) -> nodes.Module | SyntaxProblem:
    """The astroid module of ``document``, or the syntax error that prevents it.

    RecursionError (pathologically deep nesting) and MemoryError propagate to the caller.
    """
    try:
        tree = ast.parse(document.text, document.path, type_comments=True)
    except SyntaxError as exc:
        if "type:" not in (exc.text or ""):
            return _syntax_problem(document, exc)
        try:  # a misplaced `# type:` comment must not make the whole file unparseable
            tree = ast.parse(document.text, document.path)
        except SyntaxError as exc2:
            return _syntax_problem(document, exc2)
    except ValueError as exc:  # e.g. source code string cannot contain null bytes
        return _syntax_problem(document, exc)
    return build(reshape(tree), document.path)


# -- long flat chains ------------------------------------------------------------------------
#
# CPython's parser accepts a concatenation of about 2,900 terms or an ``elif`` ladder of about
# 2,900 branches (past that it cannot compile the code either), but they are trees that deep:
# ``a + b + c`` is ``(a + b) + c``, and every ``elif`` is an ``if`` inside the ``else`` of the
# one before.  astroid's tree builder, and astroid's own ``scope()`` / ``statement()``, recurse
# once per level, so from about 490 terms or 245 branches the file could not be analysed.
# Before the tree is built, such chains are reshaped, without changing any node's position:
#
# - a chain of more than CHAIN_LIMIT operands of one associative operator (``+``, ``*``,
#   ``|``, ``&``, ``^``) becomes a balanced tree of the same operands in the same order
#   (depth log2 of the length instead of the length);
# - an ``if``/``elif`` ladder of more than CHAIN_LIMIT branches becomes that many ``if``
#   statements side by side, the last one keeping the final ``else``.  For the rules this
#   is what the ladder is, branch by branch (a secret on any branch, a handler on any
#   branch); only "every branch leaves" is no longer seen, so a ladder that long is never
#   taken to always raise.
#
# Shorter chains, which is all hand-written code, are left exactly as parsed.

CHAIN_LIMIT = 64
_ASSOCIATIVE = (ast.Add, ast.Mult, ast.BitOr, ast.BitAnd, ast.BitXor)


def reshape(tree: ast.AST) -> ast.AST:
    """``tree`` with its long chains reshaped (see above), walked without recursion."""
    stack = [tree]
    while stack:
        node = stack.pop()
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                if value and isinstance(value[0], ast.stmt) and any(isinstance(s, ast.If) for s in value):
                    value[:] = _flatten_ladders(value)
                for index, item in enumerate(value):
                    if isinstance(item, ast.BinOp):
                        value[index] = item = _balanced(item)
                    if isinstance(item, ast.AST):
                        stack.append(item)
            elif isinstance(value, ast.BinOp):
                balanced = _balanced(value)
                setattr(node, field, balanced)
                stack.append(balanced)
            elif isinstance(value, ast.AST):
                stack.append(value)
    return tree


def _balanced(node: ast.BinOp) -> ast.BinOp:
    if not isinstance(node.op, _ASSOCIATIVE):
        return node
    kind = type(node.op)
    operands = []
    current = node
    while isinstance(current, ast.BinOp) and type(current.op) is kind:
        operands.append(current.right)
        current = current.left
    if len(operands) < CHAIN_LIMIT:
        return node
    operands.append(current)
    operands.reverse()
    return _join(operands, kind)


def _join(operands: list, kind) -> ast.AST:
    if len(operands) == 1:
        return operands[0]
    middle = len(operands) // 2
    left, right = _join(operands[:middle], kind), _join(operands[middle:], kind)
    joined = ast.BinOp(left=left, op=kind(), right=right)
    joined.lineno, joined.col_offset = left.lineno, left.col_offset
    joined.end_lineno, joined.end_col_offset = right.end_lineno, right.end_col_offset
    return joined


def _flatten_ladders(stmts: list) -> list:
    out = []
    for stmt in stmts:
        ladder = [stmt]
        while isinstance(ladder[-1], ast.If) and len(ladder[-1].orelse) == 1 and isinstance(ladder[-1].orelse[0], ast.If):
            ladder.append(ladder[-1].orelse[0])
        if not isinstance(stmt, ast.If) or len(ladder) <= CHAIN_LIMIT:
            out.append(stmt)
            continue
        for branch in ladder[:-1]:
            branch.orelse = []
            last = branch.body[-1]
            branch.end_lineno, branch.end_col_offset = last.end_lineno, last.end_col_offset
        out.extend(ladder)
    return out


def build(tree: ast.Module, path: str | None) -> nodes.Module:
    """The astroid module of a CPython tree.

    TreeRebuilder turns the CPython tree into astroid nodes; unlike AstroidBuilder it does not
    bootstrap astroid's builtins model (over a second per process), which no check uses.  It
    gets no source text: with the text it tokenizes every ``def`` and ``class`` header again to
    compute ``node.position`` (the keyword and name only), which no check uses either, at about
    a tenth of the build time.  (The text's parameter is also the third in astroid 3, where the
    second is the parser module, so it is not passed positionally.)
    """
    return TreeRebuilder(_MANAGER).visit_module(tree, "", path or "", False)


def line_extent(stmt) -> tuple[int, int]:
    """(first line, last line), 0-based, of a statement, its decorators included."""
    start = (stmt.fromlineno or stmt.lineno or 1) - 1
    decorators = getattr(stmt, "decorators", None)
    if decorators is not None and decorators.lineno:
        start = min(start, decorators.lineno - 1)
    end = (stmt.end_lineno or stmt.lineno or 1) - 1
    return start, end


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
