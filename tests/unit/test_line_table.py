"""The server applies an editor's incremental changes to a ``LineTable`` (each change costs the
lines it touches).  It must give exactly the text of applying each change to the whole text,
the way ``convert.apply_content_change`` (the reference) does: same clamping, same column
conversion in every encoding, same joining of a ``\\r`` put before a ``\\n``."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from nova_lsp.core.document import Document, LineTable
from nova_lsp.server.convert import apply_content_change

PIECES = ["a", "bc", "\n", "\r", "\r\n", "😀", "é", " ", "\t"]
text_st = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


def change(start, end, text):
    position = lambda p: SimpleNamespace(line=p[0], character=p[1])  # noqa: E731
    return SimpleNamespace(range=SimpleNamespace(start=position(start), end=position(end)), text=text)


@st.composite
def edits(draw):
    steps = []
    for _ in range(draw(st.integers(1, 5))):
        start = (draw(st.integers(-1, 6)), draw(st.integers(0, 7)))
        end = (draw(st.integers(-1, 6)), draw(st.integers(0, 7)))
        steps.append((start, end, draw(text_st), draw(st.sampled_from(["utf-16", "utf-8", "utf-32"]))))
    return steps


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(text_st, edits())
def test_line_table_edits_match_whole_text_edits(text, steps):
    table = LineTable(text)
    expected = text
    for start, end, new_text, encoding in steps:
        expected = apply_content_change(expected, change(start, end, new_text), encoding)
        table.apply(start, end, new_text, encoding)
        assert table.text() == expected
        # and the table's lines are those of the text, as LSP splits them
        assert [line.rstrip("\r\n") for line in table.lines] == list(Document(expected).lines)


def test_a_carriage_return_before_a_line_feed_makes_one_line_ending():
    table = LineTable("one\rtwo\n\nthree")
    table.apply((2, 0), (2, 0), "", "utf-16")  # nothing happens
    assert table.lines == ["one\r", "two\n", "\n", "three"]
    table.apply((1, 3), (2, 0), "\r", "utf-16")  # "two\r" + "\n": one CRLF
    assert table.text() == "one\rtwo\r\nthree" and table.lines == ["one\r", "two\r\n", "three"]
