"""Fix validation: whether a text still parses after a fix's edits, parsing only what they touch.

A fix is offered only when the edited text parses.  Parsing the whole module again for every
fix would make analysis cost grow with (findings x text), so each edit is checked in the
smallest region it can be checked in on its own:

- a block of whole statements inserted at column 0 just before a module-level statement (an
  import, a helper function) is parsed by itself;
- an edit inside the statement the fix was built around (its *anchor*, the node of the
  finding) is checked in the innermost statement on the anchor's chain of parents that holds
  it: that statement's lines, edited, must parse as one indented block at its own indentation
  (``if 1:`` is put above an indented one), so nothing of it can end up outside it;
- anything else in the module-level statements it touches (a module-level statement starts at
  column 0 and is independent of its neighbours to the parser), plus the lines between them.

Regions nested in another are checked with it.  An edit that opens a bracket or a string
closed only outside its region makes that region fail: the check never accepts what a
whole-text parse would reject.  The cost is the size of the edited statements.
"""

from __future__ import annotations

import ast
import bisect
import weakref
from functools import lru_cache

from astroid import nodes

from nova_lsp.core.document import apply_edits
from nova_lsp.engine.parse import line_extent

_TOPS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return True


@lru_cache(maxsize=256)
def _parses_alone(text: str) -> bool:
    """``parses`` for inserted blocks of statements, which repeat (the same import or helper
    added by many fixes)."""
    return parses(text)


class _Tops:
    """The module-level statements' line extents, for bisecting."""

    def __init__(self, module) -> None:
        extents = [line_extent(stmt) for stmt in module.body]
        self.starts = [start for start, _ in extents]
        self.ends = [end for _, end in extents]
        self.start_set = frozenset(self.starts)

    def grow(self, first: int, last: int) -> tuple[int, int]:
        """``first``..``last`` widened to whole module-level statements."""
        at = bisect.bisect_right(self.starts, first) - 1
        if at >= 0 and self.ends[at] >= first:
            first = self.starts[at]
        at = bisect.bisect_right(self.starts, last) - 1
        if at >= 0 and self.ends[at] >= last:
            last = max(last, self.ends[at])
        return first, last


def _tops(module) -> _Tops:
    found = _TOPS.get(module)
    if found is None:
        found = _TOPS[module] = _Tops(module)
    return found


def edited_text_parses(document, module, edits, anchor=None) -> bool:
    """Whether ``document``'s text still parses after ``edits`` (see the module docstring)."""
    if module is None or not getattr(module, "body", None):
        return parses(apply_edits(document.text, edits))
    tops = _tops(module)
    kept = []
    regions: list[tuple[int, int, int]] = []  # (first line, last line, indentation column)
    for edit in edits:
        if _inserts_statements(edit, tops.start_set):
            if not _parses_alone(edit.new_text):
                return False
            continue
        kept.append(edit)
        span = edit.span
        stmt = _innermost_statement(anchor, span.start_line, span.end_line, module, document)
        if stmt is not None:
            first, last = line_extent(stmt)
            line = document.line(first)
            regions.append((first, last, len(line) - len(line.lstrip())))
        else:
            first, last = tops.grow(span.start_line, span.end_line)
            regions.append((first, last, 0))
    if not kept:
        return True
    regions.sort(key=lambda r: (r[0], -r[1]))
    outer: list[tuple[int, int, int]] = []
    for region in regions:
        if outer and region[0] <= outer[-1][1]:
            if region[1] <= outer[-1][1]:
                continue  # nested in the previous region: checked with it
            # overlapping without nesting: whole module-level statements around both
            first, last = tops.grow(outer[-1][0], region[1])
            outer[-1] = (first, last, 0)
            while len(outer) > 1 and outer[-2][1] >= outer[-1][0]:
                merged = (min(outer[-2][0], outer[-1][0]), max(outer[-2][1], outer[-1][1]), 0)
                outer[-2:] = [merged]
            continue
        outer.append(region)
    return _check_regions(document, outer, kept)


def _innermost_statement(anchor, first: int, last: int, module, document):
    """The innermost statement on ``anchor``'s chain of parents (below the module) whose lines
    hold ``first``..``last`` and that parses on its own (not an ``except`` clause or an
    ``elif``); None when there is none."""
    node = anchor
    while node is not None and node is not module:
        if getattr(node, "is_statement", False) and node.parent is not module and _standalone(node, document):
            start, end = line_extent(node)
            if start <= first and last <= end:
                return node
        node = node.parent
    return None


def _standalone(node, document) -> bool:
    """The statement's lines hold it and whole sibling statements only: it starts its first
    line (``if x: a = 1`` is the ``if``'s, not the assignment's), and it is not a clause that
    only parses with the statement it belongs to."""
    if isinstance(node, nodes.ExceptHandler) or type(node).__name__ == "MatchCase":
        return False
    first, _ = line_extent(node)
    decorators = getattr(node, "decorators", None)
    lead = decorators if decorators is not None and decorators.lineno and decorators.lineno - 1 == first else node
    col = document.col_from_utf8(first, lead.col_offset or 0)
    if document.line(first)[:col].strip():
        return False
    if isinstance(node, nodes.If):  # an ``elif`` (also one of a reshaped ladder)
        line = (node.lineno or 1) - 1
        col = document.col_from_utf8(line, node.col_offset or 0)
        if document.line(line)[col:].startswith("elif"):
            return False
    return True


def _inserts_statements(edit, starts) -> bool:
    """A pure insertion of whole lines at column 0 before a module-level statement."""
    span = edit.span
    return (
        span.start_line == span.end_line
        and span.start_col == 0
        and span.end_col == 0
        and span.start_line in starts
        and edit.new_text.endswith(("\n", "\r"))
    )


def _check_regions(document, regions, edits) -> bool:
    text = document.text
    offsets = document.line_offsets
    ordered = sorted(
        (
            (document.offset(e.span.start_line, e.span.start_col), document.offset(e.span.end_line, e.span.end_col), e)
            for e in edits
        ),
        key=lambda item: (item[0], item[1]),
    )
    starts = [begin for begin, _, _ in ordered]
    for first, last, column in regions:
        begin = offsets[first] if first < len(offsets) else len(text)
        stop = offsets[last + 1] if last + 1 < len(offsets) else len(text)
        pieces = []
        cursor = begin
        at = bisect.bisect_left(starts, begin)
        while at < len(ordered):
            start, end, edit = ordered[at]
            if edit.span.start_line > last:
                break
            at += 1
            if edit.span.start_line < first or edit.span.end_line > last:
                continue
            if start < cursor:
                return False
            pieces.append(text[cursor:start])
            pieces.append(edit.new_text)
            cursor = end
        pieces.append(text[cursor:stop])
        source = "".join(pieces)
        if column:
            indent = text[begin : begin + column]
            if not _keeps_indent(source, indent):
                return False
            # nothing of the region may end up outside it: a line dedented below its first
            # one would close the enclosing block in the whole text
            if not _parses_as_one_block("if 1:\n" + source):
                return False
        elif not parses(source):
            return False
    return True


def _parses_as_one_block(source: str) -> bool:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return len(tree.body) == 1


def _keeps_indent(source: str, indent: str) -> bool:
    """The first line that is not blank starts with exactly ``indent`` (then code)."""
    for line in source.splitlines():
        if line.strip():
            return line.startswith(indent) and len(line) > len(indent) and not line[len(indent)].isspace()
    return False
