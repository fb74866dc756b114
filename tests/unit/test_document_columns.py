"""Decoding, line splitting and every column conversion in ``nova_lsp.core.document``.

Inside the engine a column is a code-point index of its line; astroid speaks UTF-8 bytes and
LSP clients UTF-16 (default), UTF-8 or UTF-32 code units.
"""

from __future__ import annotations

import pytest

from nova_lsp.core.document import DecodeError, Document, apply_edits, decode_source
from nova_lsp.core.model import Edit, Span
from nova_lsp.engine.parse import parse

MIXED = "é日😀a"  # 2, 3, 4 and 1 UTF-8 bytes; 1, 1, 2 and 1 UTF-16 units


def units(text: str, encoding: str) -> int:
    if encoding == "utf-32":
        return len(text)
    if encoding == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    return len(text.encode("utf-8"))


# -- decoding ---------------------------------------------------------------------------------


def test_utf8_bom_is_removed():
    assert decode_source("\ufeffx = '😀'\n".encode("utf-8")) == "x = '😀'\n"


def test_coding_cookie_on_first_or_second_line():
    assert decode_source("# -*- coding: latin-1 -*-\nx = 'é'\n".encode("latin-1")) == "# -*- coding: latin-1 -*-\nx = 'é'\n"
    assert decode_source("#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nx = '€'\n".encode("cp1252")).endswith("x = '€'\n")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"x = 1\n# caf\xe9\n", "not valid UTF-8 and no PEP 263 coding cookie declares another encoding: byte 0xe9 on line 2, column 6"),
        (b"a = 1\rb = 2\r\xff\r", "byte 0xff on line 3, column 1"),
        (b"# coding: ascii\nx = '\xe9'\n", "cannot decode as ascii (declared by the coding cookie): byte 0xe9 on line 2, column 6"),
        (b"# coding: klingon\n", "unknown encoding 'klingon' in the PEP 263 coding cookie"),
        (b"\xef\xbb\xbfx = 1\ny = '\xe9'\n", "not valid UTF-8 (the file starts with a UTF-8 byte-order mark): byte 0xe9 on line 2, column 6"),
        (b"\xef\xbb\xbf# coding: latin-1\n", "the UTF-8 byte-order mark contradicts the PEP 263 coding cookie"),
        (b"x = 1\r\ny = 2\x00\n", "file contains NUL bytes (first on line 2); binary file?"),
    ],
)
def test_undecodable_sources_say_why_and_where(data, message):
    with pytest.raises(DecodeError) as info:
        decode_source(data)
    assert message in str(info.value)


# -- lines --------------------------------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_lines_and_offsets_for_every_newline_convention(newline):
    text = newline.join(["a = 1", "😀 = 2", "", "x"]) + newline
    doc = Document(text)
    assert doc.lines == ("a = 1", "😀 = 2", "", "x", "")
    assert doc.newline == newline
    for number, line in enumerate(doc.lines):
        start = doc.line_offsets[number]
        assert text[start : start + len(line)] == line
    assert doc.offset(1, 1) == doc.line_offsets[1] + 1
    assert doc.offset(1, 99) == doc.line_offsets[1] + len("😀 = 2")  # clamped to the line
    assert doc.offset(99, 0) == len(text) and doc.offset(-1, 5) == 0


def test_mixed_newlines_are_each_one_break():
    assert Document("a\r\nb\rc\nd").lines == ("a", "b", "c", "d")
    assert Document("a\n\rb").lines == ("a", "", "b")  # "\n\r" is two breaks, not one


# -- astroid's UTF-8 byte columns ---------------------------------------------------------------


def test_col_from_utf8_at_every_character_boundary_and_inside_characters():
    doc = Document(MIXED)
    for col in range(len(MIXED) + 1):
        assert doc.col_from_utf8(0, units(MIXED[:col], "utf-8")) == col
    assert doc.col_from_utf8(0, 1) == 0  # inside "é": its start
    assert doc.col_from_utf8(0, 4) == 1  # inside "日"
    assert doc.col_from_utf8(0, 7) == 2  # inside "😀" (bytes 5-8)
    assert doc.col_from_utf8(0, 999) == len(MIXED)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_node_span_is_in_code_points_after_emoji_cjk_and_any_newline(newline):
    text = newline.join(["# 😀 first line", "x = ('日本', '😀', 'target')", ""])
    doc = Document(text)
    module = parse(doc)
    (const,) = [n for n in module.nodes_of_class(__import__("astroid").nodes.Const) if n.value == "target"]
    span = doc.node_span(const)
    assert doc.text_of(span) == "'target'"
    line = doc.lines[1]
    assert (span.start_line, span.start_col, span.end_col) == (1, line.index("'target'"), line.index("'target'") + 8)


# -- LSP position encodings ---------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_units_round_trip_at_every_boundary(encoding):
    doc = Document("x = '" + MIXED + "'\n# 日本\tend")
    for line, text in enumerate(doc.lines):
        for col in range(len(text) + 1):
            expected = units(text[:col], encoding)
            assert doc.col_to_units(line, col, encoding) == expected
            assert doc.col_from_units(line, expected, encoding) == col


@pytest.mark.parametrize(
    "encoding, inside, start",
    [("utf-16", 3, 2), ("utf-8", 1, 0), ("utf-8", 4, 1), ("utf-8", 8, 2)],
)
def test_a_column_inside_a_character_means_its_start(encoding, inside, start):
    # MIXED = é 日 😀 a; utf-16 unit 3 is between the halves of 😀's surrogate pair
    assert Document(MIXED).col_from_units(0, inside, encoding) == start


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_columns_are_clamped(encoding):
    doc = Document(MIXED)
    assert doc.col_from_units(0, -3, encoding) == 0
    assert doc.col_from_units(0, 10_000, encoding) == len(MIXED)
    assert doc.col_to_units(0, 10_000, encoding) == units(MIXED, encoding)
    assert doc.col_to_units(7, 3, encoding) == 0  # a line past the end is empty


# -- edits --------------------------------------------------------------------------------------


def test_apply_edits_in_code_points_keeps_crlf():
    text = "a = '😀'\r\nb = 1\r\n"
    edits = [Edit(Span(0, 5, 0, 6), "x"), Edit(Span(1, 5, 1, 5), "  # nova-lsp: ignore[NOVA006]")]
    assert apply_edits(text, edits) == "a = 'x'\r\nb = 1  # nova-lsp: ignore[NOVA006]\r\n"


def test_overlapping_edits_are_refused():
    with pytest.raises(ValueError, match="overlapping"):
        apply_edits("abcdef", [Edit(Span(0, 0, 0, 3), "x"), Edit(Span(0, 2, 0, 4), "y")])
