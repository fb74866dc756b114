"""Helpers for building fixes around a node the check holds: the statement that holds it,
indentation, free names, inserted lines, and a guard that the node's position really points
at its source.  Positions are 0-based lines and code-point columns, as everywhere in the engine.
"""

from __future__ import annotations

import ast
import re

from astroid import nodes

from nova_lsp.core.model import Edit, Span

_SCOPES = (nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.Lambda, nodes.ClassDef, nodes.Module)
_COMPREHENSIONS = (nodes.ListComp, nodes.SetComp, nodes.DictComp, nodes.GeneratorExp)
_INDENT = re.compile(r"[ \t]*")


def text_matches(document, span: Span, node) -> bool:
    """Guard against positions that do not point at the node's source (old f-string
    positions, generated nodes): the span's text must parse to the node's own expression."""
    if not isinstance(node, nodes.NodeNG) or node.is_statement or isinstance(node, (nodes.Arguments, nodes.Keyword)):
        return True
    try:
        mine = ast.dump(ast.parse("(\n" + document.text_of(span) + "\n)", mode="eval"))
        theirs = ast.dump(ast.parse("(\n" + node.as_string() + "\n)", mode="eval"))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return mine == theirs


# -- statements and text ---------------------------------------------------------------------


def starts_line(document, node) -> bool:
    """Whether only indentation precedes the node on its first line."""
    span = document.node_span(node)
    return not document.line(span.start_line)[: span.start_col].strip()


def indent_of(document, line: int) -> str:
    return _INDENT.match(document.line(line)).group(0)


def body_indent(document, stmts) -> str | None:
    """Indentation of a statement block, or None when it shares its header's line."""
    first = stmts[0]
    line = (first.lineno or 1) - 1
    if not starts_line(document, first):
        return None
    return indent_of(document, line)


def indent_unit(outer: str, inner: str) -> str:
    """One level of indentation as the file writes it, from a header and its body."""
    if inner.startswith(outer) and len(inner) > len(outer):
        return inner[len(outer) :]
    return "\t" if "\t" in inner else "    "


def in_nested_scope(node, stop) -> bool:
    """Whether a lambda, comprehension or function lies between ``node`` and ``stop``."""
    current = node.parent
    while current is not None and current is not stop:
        if isinstance(current, _SCOPES + _COMPREHENSIONS):
            return True
        current = current.parent
    return False


def names_in_scope(scope) -> set[str]:
    """Every name read or bound in ``scope`` and below (to pick names that clash with none).

    For a module or class body the functions in it are not entered: their own names are
    their own, and a fix outside functions must not depend on function bodies (incremental
    analysis reuses them unseen); the names they bind at this level are in ``locals``.
    """
    found: set[str] = set()
    skip = None
    if isinstance(scope, (nodes.Module, nodes.ClassDef)):
        skip = (nodes.FunctionDef, nodes.AsyncFunctionDef)
    for node in scope.nodes_of_class((nodes.Name, nodes.AssignName, nodes.DelName), skip_klass=skip):
        found.add(node.name)
    found.update(scope.locals)
    return found


def fresh_name(wanted: str, taken: set[str]) -> str:
    if wanted not in taken:
        return wanted
    for suffix in ("_", "_2", "_3", "_4", "_5"):
        if wanted + suffix not in taken:
            return wanted + suffix
    index = 6
    while f"{wanted}_{index}" in taken:
        index += 1
    return f"{wanted}_{index}"


def insert_lines_before(document, line: int, lines: list[str]) -> Edit:
    """Whole new lines placed before ``line`` (each line is given with its indentation)."""
    nl = document.newline
    return Edit(Span(line, 0, line, 0), "".join(text + nl for text in lines))


def insert_lines_after(document, line: int, lines: list[str]) -> Edit:
    """Whole new lines placed after ``line``: at the end of that line, so a comment or a
    missing final newline stays where it is."""
    nl = document.newline
    end = len(document.line(line))
    return Edit(Span(line, end, line, end), "".join(nl + text for text in lines))


def span_has_comment(document, span: Span) -> bool:
    """A ``#`` comment inside a (multi-line) span: replacing the span would drop it."""
    if span.start_line == span.end_line:
        return False
    import io
    import tokenize

    text = document.text_of(span)
    try:
        for tok in tokenize.generate_tokens(io.StringIO("(" + text + ")").readline):
            if tok.type == tokenize.COMMENT:
                return True
    except (tokenize.TokenError, SyntaxError):
        return True
    return False


def merged(edits) -> tuple[Edit, ...]:
    """Edits in order, with insertions at one point joined into one edit (their order kept):
    a fix never has two edits whose relative order would be a guess."""
    out: list[Edit] = []
    for edit in edits:
        span = edit.span
        point = (span.start_line, span.start_col)
        if (span.end_line, span.end_col) == point:
            for index, previous in enumerate(out):
                p = previous.span
                if (p.start_line, p.start_col) == point and (p.end_line, p.end_col) == point:
                    out[index] = Edit(p, previous.new_text + edit.new_text)
                    break
            else:
                out.append(edit)
        else:
            out.append(edit)
    return tuple(out)


def attached_comments_start(document, line: int) -> int:
    """First line of the comment block directly above ``line`` (no blank line between), so
    that code inserted "before" a statement goes above the comments describing it.  A block
    that starts the file (shebang, coding cookie, licence header) is the file's, not the
    statement's: code goes below it."""
    start = line
    while start > 0 and document.line(start - 1).lstrip().startswith("#"):
        start -= 1
    return line if start == 0 else start


# -- the project's line length -----------------------------------------------------------------


def width(text: str) -> int:
    """Columns a line takes, as pycodestyle counts them (characters; a tab counts one)."""
    return len(text)


def fits(document, lines: list[str], limit: int, replaced: tuple[int, int] | None = None) -> bool:
    """Whether new ``lines`` keep to ``limit``.  A fix may not make a line longer than the
    limit; where the code it rewrites (lines ``replaced`` of the document) was already
    longer, it may not make it longer than it was."""
    allowed = limit
    if replaced is not None:
        allowed = max(limit, max((width(document.line(n)) for n in range(replaced[0], replaced[1] + 1)), default=0))
    return all(width(line) <= allowed for line in lines)


def wrapped_call(document, call, replaced, new_text: str, limit: int, extra=()) -> tuple | None:
    """The call ``call`` written again with one of its arguments' text replaced (``replaced``,
    a span inside one argument, becomes ``new_text``; None: none is) and the argument texts
    ``extra`` added at the end, its arguments wrapped to ``limit``: continuation lines under
    the opening parenthesis (pycodestyle's visual indent), else a hanging indent one step in.
    (span of the call, its new text), or None when the call holds comments or multi-line
    arguments, or cannot be made to fit."""
    span = document.node_span(call)
    if span_has_comment(document, span):
        return None
    arguments = sorted(list(call.args) + list(call.keywords or ()), key=lambda a: (a.lineno or 0, a.col_offset or 0))
    if not arguments and not extra:
        return None
    texts = []
    for argument in arguments:
        arg_span = document.node_span(argument)
        text = document.text_of(arg_span)  # a keyword's span holds ``name=`` (or ``**``) too
        if replaced is not None and (arg_span.start_line, arg_span.start_col) <= (replaced.start_line, replaced.start_col) and (
            replaced.end_line,
            replaced.end_col,
        ) <= (arg_span.end_line, arg_span.end_col):
            start = document.offset(replaced.start_line, replaced.start_col) - document.offset(arg_span.start_line, arg_span.start_col)
            end = document.offset(replaced.end_line, replaced.end_col) - document.offset(arg_span.start_line, arg_span.start_col)
            text = text[:start] + new_text + text[end:]
        if "\n" in text or "\r" in text:
            return None
        texts.append(text)
    texts.extend(extra)
    first_line = document.line(span.start_line)
    prefix = first_line[: span.start_col]
    suffix = document.line(span.end_line)[span.end_col :]
    head = prefix + document.text_of(document.node_span(call.func)) + "("
    if "\n" in head or "\r" in head:
        return None
    indent = indent_of(document, span.start_line)
    for style in ("visual", "hanging"):
        lines = _fill(head, texts, " " * len(head) if style == "visual" else indent + "    ", style == "hanging", limit)
        lines[-1] += suffix
        if all(width(line) <= limit for line in lines):
            text = document.newline.join(lines)
            return Span(span.start_line, 0, span.end_line, len(document.line(span.end_line))), text
    return None


def _fill(head: str, texts: list[str], indent: str, hanging: bool, limit: int) -> list[str]:
    """Arguments after ``head`` (which ends with the opening parenthesis), as many to a line
    as fit; with ``hanging`` they start on the line after it."""
    lines = []
    current = head
    opened = True  # nothing after the parenthesis (or the indent) yet
    if hanging:
        lines.append(head)
        current = indent
    for index, text in enumerate(texts):
        piece = text + ("," if index < len(texts) - 1 else ")")
        candidate = current + ("" if opened else " ") + piece
        if opened or width(candidate) <= limit:
            current, opened = candidate, False
        else:
            lines.append(current)
            current = indent + piece
    lines.append(current)
    return lines


def in_test_code(path: str | None) -> bool:
    """A file of tests (a ``tests`` directory, ``test_*.py``, ``*_test.py``, ``conftest.py``):
    fixes that change behaviour are not offered there, where odd loops and fake data are
    usually the point."""
    if not path:
        return False
    parts = str(path).replace("\\", "/").split("/")
    name = parts[-1]
    return "tests" in parts[:-1] or name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
