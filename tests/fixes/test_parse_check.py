"""The engine offers a fix only if the edited text parses; for speed it parses only the
statements the edits touch (the innermost statement around the fix's anchor node that holds
an edit, else module-level statements).  That must agree with parsing the whole text."""

from __future__ import annotations

import ast

from hypothesis import given, settings
from hypothesis import strategies as st

from nova_lsp.core.document import Document, apply_edits
from nova_lsp.core.model import Edit, Span
from nova_lsp.engine.parse import parse
from nova_lsp.engine.fixes import edited_text_parses

MODULE = '''"""Doc."""
import os  # comment

X = (1,
     2)


@decorator(
    arg=1)
def f(a, b):
    """f."""
    s = """multi
line"""
    if a:
        return b; c = 1
    return a \\
        + b


class C:
    y = 1

    def m(self):
        pass

    @property
    def p(self):
        if self.y:
            return 1
        return 2
# trailing comment
'''
SNIPPETS = ["\nx = 1", "\n  y = 2", "\n    def q(self):\n        pass", "(", ")", '"""', "'", "\\n", "\\n    x = 1", "\\nimport time\\n", ":", "pass", "    ", "\\t", "#", "else:", "\\\\", "]", "x", "\\n\\n"]


def anchors(module, line: int):
    """Every node whose lines hold ``line``: each is a possible anchor of a fix there."""
    found = []
    stack = [module]
    while stack:
        node = stack.pop()
        if node is not module and node.lineno is not None:
            first = (node.fromlineno or node.lineno) - 1
            if not first <= line <= (node.end_lineno or node.lineno) - 1:
                continue
            found.append(node)
        stack.extend(node.get_children())
    return found


def whole(text: str, edits) -> bool:
    try:
        ast.parse(apply_edits(text, edits))
    except SyntaxError:
        return False
    return True


@st.composite
def edits(draw):
    doc = Document(MODULE)
    out = []
    points = sorted(
        draw(st.lists(st.tuples(st.integers(0, len(doc.lines) - 1), st.integers(0, 40)), min_size=1, max_size=3, unique=True))
    )
    for line, col in points:
        col = min(col, len(doc.line(line)))
        snippet = draw(st.sampled_from(SNIPPETS)).encode().decode("unicode_escape")
        width = draw(st.integers(0, 3))
        end = min(col + width, len(doc.line(line)))
        out.append(Edit(Span(line, col, line, end), snippet))
    # drop overlapping ones
    kept, last = [], None
    for edit in sorted(out, key=lambda e: (e.span.start_line, e.span.start_col)):
        key = (edit.span.start_line, edit.span.start_col)
        if last is not None and key < last:
            continue
        kept.append(edit)
        last = (edit.span.end_line, edit.span.end_col + 1)
    return kept


@settings(max_examples=300, deadline=None, derandomize=True)
@given(edits())
def test_region_parse_never_accepts_what_a_whole_text_parse_rejects(changes):
    document = Document(MODULE)
    module = parse(document)
    if edited_text_parses(document, module, changes):
        assert whole(MODULE, changes), apply_edits(MODULE, changes)
    for anchor in anchors(module, changes[0].span.start_line):
        if edited_text_parses(document, module, changes, anchor):
            assert whole(MODULE, changes), (anchor, apply_edits(MODULE, changes))


def test_edits_inside_their_anchor_statement_are_judged_like_a_whole_text_parse():
    document = Document(MODULE)
    module = parse(document)
    inside = [
        # (edits, a line of the anchor statement)
        ([Edit(Span(14, 8, 14, 8), "time.sleep(1)\n        ")], 14),
        ([Edit(Span(14, 15, 14, 16), "mask(b)")], 14),
        ([Edit(Span(14, 15, 14, 16), "mask(b")], 14),
        ([Edit(Span(28, 8, 28, 8), "attempt = 0\n        ")], 28),
        ([Edit(Span(29, 21, 29, 21), "\n            time.sleep(2)")], 29),
        ([Edit(Span(29, 21, 29, 21), "\n        time.sleep(2)")], 29),
    ]
    for changes, line in inside:
        expected = whole(MODULE, changes)
        for anchor in anchors(module, line):
            if anchor.is_statement:
                assert edited_text_parses(document, module, changes, anchor) == expected or not expected, (anchor, changes)


def test_fix_shaped_edits_are_judged_like_a_whole_text_parse():
    document = Document(MODULE)
    module = parse(document)
    cases = [
        [Edit(Span(1, 9, 1, 9), "\nimport time")],  # an import after another one
        [Edit(Span(0, 0, 0, 0), "import re\n\n\ndef _helper():\n    pass\n\n\n")],
        [Edit(Span(14, 8, 14, 8), "time.sleep(1)\n        ")],  # a line in a nested block
        [Edit(Span(14, 15, 14, 16), "mask(b)")],  # an expression replaced
        [Edit(Span(3, 5, 3, 6), "mask(1)"), Edit(Span(1, 9, 1, 9), "\nimport x")],
        [Edit(Span(14, 8, 14, 8), "(")],  # an unclosed bracket
        [Edit(Span(3, 0, 3, 0), '"""')],  # an unterminated string
        [Edit(Span(22, 8, 22, 12), "pass\n       x = 1")],  # bad indentation
    ]
    more = [
        [Edit(Span(23, 12, 23, 12), "\nx = 1")],  # a method line dedented to module level
        [Edit(Span(23, 12, 23, 12), "\n  z = 3")],  # dedented to no enclosing level
        [Edit(Span(25, 0, 25, 0), "    @staticmethod\n")],  # a decorator added to a method
        [Edit(Span(25, 0, 25, 0), "  @staticmethod\n")],  # ... with the wrong indentation
        [Edit(Span(29, 16, 29, 16), "\n        return 0\n\n    def q(self):\n        return 1")],
        [Edit(Span(9, 0, 9, 0), "import time\n\n\n")],  # statements before a decorated def
        [Edit(Span(9, 0, 9, 0), "x = (\n")],  # ... that leave a bracket open
    ]
    for changes in cases + more:
        expected = whole(MODULE, changes)
        assert edited_text_parses(document, module, changes) == expected, changes
        # around an anchor the check may be stricter (an edit reaching out of the anchor's
        # statement is refused), never more lenient
        for anchor in anchors(module, changes[0].span.start_line):
            if not expected:
                assert not edited_text_parses(document, module, changes, anchor), (anchor, changes)
