"""Source text, its line index, and every column conversion the project needs.

Inside the engine a column is a code-point index into the line.  astroid reports UTF-8 byte
offsets; LSP clients speak UTF-16 (default), UTF-8 or UTF-32 code units.  All conversions live
here so that nothing else has to think about encodings.
"""

from __future__ import annotations

import codecs
import io
import re
import tokenize
from dataclasses import dataclass, field
from functools import cached_property

from nova_lsp.core.model import Span

_LINE_SPLIT = re.compile(r"\r\n|\r|\n")


class DecodeError(ValueError):
    """The bytes of a file cannot be turned into text."""


def decode_source(data: bytes) -> str:
    """Decode Python source bytes honouring a BOM and a PEP 263 coding cookie.

    ``DecodeError`` says why a file cannot be read as text, and where: the encoding tried,
    whether a coding cookie chose it, and the line and column of the first bad byte.
    """
    if b"\x00" in data:
        line, _ = _line_col(data, data.index(b"\x00"))
        raise DecodeError(f"file contains NUL bytes (first on line {line}); binary file?")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        message = str(exc.msg if hasattr(exc, "msg") else exc)
        if message.startswith("unknown encoding"):
            name = message.rsplit(":", 1)[-1].strip()
            raise DecodeError(f"unknown encoding {name!r} in the PEP 263 coding cookie") from None
        try:  # detect_encoding only says "invalid or missing encoding declaration": find the byte
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise DecodeError(_bad_byte(data, bad, "UTF-8", cookie=False)) from None
        if data.startswith(codecs.BOM_UTF8):
            raise DecodeError(f"the UTF-8 byte-order mark contradicts the PEP 263 coding cookie ({message})") from None
        raise DecodeError(message) from None
    try:
        codecs.lookup(encoding)
        text = data.decode(encoding)
    except LookupError:
        raise DecodeError(f"unknown encoding {encoding!r} in the PEP 263 coding cookie") from None
    except UnicodeDecodeError as exc:
        if encoding == "utf-8-sig":  # that codec counts positions after the BOM
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as plain:
                exc = plain
        raise DecodeError(_bad_byte(data, exc, encoding, cookie=_has_cookie(data))) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")


def _has_cookie(data: bytes) -> bool:
    return any(_COOKIE.match(line) for line in data.splitlines()[:2])


_BYTE_NEWLINE = re.compile(rb"\r\n|\r|\n")


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and 1-based byte column of ``offset`` (any newline convention)."""
    line, line_start = 1, 0
    for match in _BYTE_NEWLINE.finditer(data, 0, offset):
        line, line_start = line + 1, match.end()
    return line, offset - line_start + 1


def _bad_byte(data: bytes, exc: UnicodeDecodeError, encoding: str, cookie: bool) -> str:
    start = exc.start
    line, column = _line_col(data, start)
    where = f"byte 0x{data[start]:02x} on line {line}, column {column}: {exc.reason}"
    label = "UTF-8" if encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig") else encoding
    if cookie:
        return f"cannot decode as {label} (declared by the coding cookie): {where}"
    if data.startswith(codecs.BOM_UTF8):
        return f"not valid UTF-8 (the file starts with a UTF-8 byte-order mark): {where}"
    return f"not valid UTF-8 and no PEP 263 coding cookie declares another encoding: {where}"


@dataclass(frozen=True)
class Document:
    """An immutable snapshot of a text being analysed."""

    text: str
    path: str = "<string>"
    version: int | None = None
    _lines: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lines", tuple(_LINE_SPLIT.split(self.text)))

    @property
    def lines(self) -> tuple[str, ...]:
        """Lines without their terminators; a text ending in a newline has a last empty line."""
        return self._lines

    @cached_property
    def line_offsets(self) -> tuple[int, ...]:
        """Code-point offset in ``text`` of the start of each line."""
        offsets = [0]
        for match in _LINE_SPLIT.finditer(self.text):
            offsets.append(match.end())
        return tuple(offsets)

    @cached_property
    def newline(self) -> str:
        match = _LINE_SPLIT.search(self.text)
        return match.group(0) if match else "\n"

    @cached_property
    def indent_unit(self) -> str:
        """The file's indentation step: that of the first indented line after a block
        header (four spaces when there is none)."""
        lines = self._lines
        for index, line in enumerate(lines[:-1]):
            stripped = line.rstrip()
            if not stripped.endswith(":") or stripped.lstrip().startswith("#"):
                continue
            outer = line[: len(line) - len(line.lstrip())]
            for following in lines[index + 1 :]:
                if not following.strip():
                    continue
                inner = following[: len(following) - len(following.lstrip())]
                if len(inner) > len(outer) and inner.startswith(outer):
                    return inner[len(outer) :]
                break
        return "    "

    def line(self, index: int) -> str:
        if 0 <= index < len(self._lines):
            return self._lines[index]
        return ""

    def offset(self, line: int, col: int) -> int:
        """Code-point offset in ``text`` of a (line, column) position, clamped to the text."""
        if line < 0:
            return 0
        if line >= len(self._lines):
            return len(self.text)
        return self.line_offsets[line] + min(max(col, 0), len(self._lines[line]))

    # -- astroid (UTF-8 byte columns, 1-based lines) -------------------------------------

    def col_from_utf8(self, line: int, byte_col: int) -> int:
        text = self.line(line)
        if text.isascii():
            return min(byte_col, len(text))
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))

    def node_span(self, node) -> Span:
        """Span of an astroid node (lineno is 1-based, col_offset a UTF-8 byte offset)."""
        start_line = max((node.lineno or 1) - 1, 0)
        start_col = self.col_from_utf8(start_line, node.col_offset or 0)
        end_lineno = getattr(node, "end_lineno", None)
        end_col_offset = getattr(node, "end_col_offset", None)
        if end_lineno is None or end_col_offset is None:
            return Span(start_line, start_col, start_line, len(self.line(start_line)))
        end_line = end_lineno - 1
        return Span(start_line, start_col, end_line, self.col_from_utf8(end_line, end_col_offset))

    def line_span(self, line: int) -> Span:
        """The non-blank part of a line (used for findings that belong to a whole line)."""
        text = self.line(line)
        stripped = text.lstrip()
        start = len(text) - len(stripped)
        return Span(line, start, line, len(text.rstrip()))

    def text_of(self, span: Span) -> str:
        return self.text[self.offset(span.start_line, span.start_col) : self.offset(span.end_line, span.end_col)]

    # -- LSP position encodings ----------------------------------------------------------

    def col_to_units(self, line: int, col: int, encoding: str) -> int:
        """Code-point column -> column in code units of ``encoding`` (utf-8/utf-16/utf-32)."""
        text = self.line(line)[:col]
        if encoding == "utf-32" or text.isascii():
            return len(text)
        if encoding == "utf-8":
            # "surrogatepass": a lone surrogate (an editor can send one) counts 3 bytes, as
            # in ``col_from_units``, instead of raising
            return len(text.encode("utf-8", "surrogatepass"))
        return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)

    def col_from_units(self, line: int, units: int, encoding: str) -> int:
        """Column in code units of ``encoding`` -> code-point column (clamped to the line).

        A column inside a character (between the two halves of a UTF-16 surrogate pair, or
        the bytes of a UTF-8 sequence) means the start of that character, as in
        ``col_from_utf8``."""
        return col_from_units(self.line(line), units, encoding)


def col_from_units(text: str, units: int, encoding: str) -> int:
    """``Document.col_from_units`` for one line's text (without its line ending)."""
    if encoding == "utf-32" or text.isascii():
        return min(max(units, 0), len(text))
    count = 0
    for index, ch in enumerate(text):
        if encoding == "utf-8":
            width = len(ch.encode("utf-8", "surrogatepass"))
        else:
            width = 2 if ord(ch) > 0xFFFF else 1
        if count + width > units:
            return index
        count += width
    return len(text)


def _split_keeping_ends(text: str) -> list[str]:
    """Lines with their endings; the last element has none (it is ``""`` after a final one)."""
    lines = []
    position = 0
    for match in _LINE_SPLIT.finditer(text):
        lines.append(text[position : match.end()])
        position = match.end()
    lines.append(text[position:])
    return lines


def _content(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\n", "\r")):
        return line[:-1]
    return line


class LineTable:
    """A text as its lines, for applying an editor's many incremental changes: each change
    touches only the lines in its range (positions in code units of the negotiated encoding,
    clamped as ``Document`` clamps them), and the text is joined once when it is needed.
    Line endings are ``\n``, ``\r\n`` and ``\r``, as LSP counts them; a change that puts a
    ``\r`` right before a ``\n`` makes one line ending of the two, as in the editor."""

    def __init__(self, text: str) -> None:
        self.lines = _split_keeping_ends(text)

    def text(self) -> str:
        return "".join(self.lines)

    def _locate(self, line: int, units: int, encoding: str) -> tuple[int, int]:
        line = max(line, 0)
        last = len(self.lines) - 1
        if line > last:
            return last, len(self.lines[last])
        return line, col_from_units(_content(self.lines[line]), units, encoding)

    def apply(self, start: tuple[int, int], end: tuple[int, int], new_text: str, encoding: str) -> None:
        """Replace the range ``start``..``end`` ((line, units) pairs) with ``new_text``."""
        first = self._locate(start[0], start[1], encoding)
        stop = self._locate(end[0], end[1], encoding)
        if stop < first:
            first, stop = stop, first
        lines = self.lines
        last = len(lines) - 1
        chunk = lines[first[0]][: first[1]] + new_text + lines[stop[0]][stop[1] :]
        pieces = _split_keeping_ends(chunk)
        if stop[0] < last:
            pieces.pop()  # the chunk ends with the end line's own ending: no line after it
        lines[first[0] : stop[0] + 1] = pieces
        # a "\r" that now stands right before a "\n" joins it into one line ending
        at = first[0] - 1
        if at >= 0 and lines[at].endswith("\r") and at + 1 < len(lines) and lines[at + 1].startswith("\n"):
            merged = _split_keeping_ends(lines[at] + lines[at + 1])
            if at + 1 < len(lines) - 1:
                merged.pop()
            lines[at : at + 2] = merged


def apply_edits(text: str, edits) -> str:
    """Apply non-overlapping ``Edit`` objects to ``text`` (positions refer to the original)."""
    doc = Document(text)
    ordered = sorted(edits, key=lambda e: (e.span.start_line, e.span.start_col, e.span.end_line, e.span.end_col))
    out = []
    cursor = 0
    for edit in ordered:
        start = doc.offset(edit.span.start_line, edit.span.start_col)
        end = doc.offset(edit.span.end_line, edit.span.end_col)
        if start < cursor:
            raise ValueError(f"overlapping edits at line {edit.span.start_line + 1}")
        out.append(text[cursor:start])
        out.append(edit.new_text)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
