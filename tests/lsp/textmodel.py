"""The client's copy of a document: LSP content changes applied the way the specification
describes them, written independently of ``nova_lsp.core.document`` so that a shared mistake
cannot hide.

- Lines end at ``\\n``, ``\\r\\n`` or ``\\r``; a position's character counts code units of the
  negotiated encoding (UTF-8 bytes, UTF-16 units, or code points for UTF-32) and never
  includes the line's terminator.
- A character past the end of its line means the end of the line (LSP 3.17, "Position");
  a line past the last line means the end of the document.
"""

from __future__ import annotations

from typing import Any

def units(ch: str, encoding: str) -> int:
    """How many code units ``ch`` (one code point) takes in ``encoding``; a lone surrogate
    (which a UTF-16 editor can hold) counts as its encoded form would."""
    if encoding == "utf-8":
        return len(ch.encode("utf-8", "surrogatepass"))
    if encoding == "utf-16":
        return len(ch.encode("utf-16-le", "surrogatepass")) // 2
    return 1


def split_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) code-point offsets of each line's content, terminators excluded."""
    spans = []
    start = i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\n" or ch == "\r":
            spans.append((start, i))
            if ch == "\r" and i + 1 < n and text[i + 1] == "\n":
                i += 1
            i += 1
            start = i
        else:
            i += 1
    spans.append((start, n))
    return spans


def offset_of(text: str, line: int, character: int, encoding: str, lines=None) -> int:
    """Code-point offset of an LSP position in ``text`` (clamped as described above)."""
    lines = lines if lines is not None else split_lines(text)
    if line >= len(lines):
        return len(text)
    start, end = lines[line]
    count = 0
    for index in range(start, end):
        if count >= character:
            return index
        count += units(text[index], encoding)
    return end


def position_of(text: str, offset: int, encoding: str, lines=None) -> tuple[int, int]:
    """The LSP position of code-point ``offset`` (which must not fall inside a ``\\r\\n``)."""
    lines = lines if lines is not None else split_lines(text)
    for number, (start, end) in enumerate(lines):
        if start <= offset <= end:
            return number, sum(units(ch, encoding) for ch in text[start:offset])
    raise ValueError(f"offset {offset} is inside a line terminator")


def apply_change(text: str, change: dict[str, Any], encoding: str) -> str:
    """``text`` after one ``TextDocumentContentChangeEvent`` (a JSON object)."""
    rng = change.get("range")
    if rng is None:
        return change["text"]
    lines = split_lines(text)
    start = offset_of(text, rng["start"]["line"], rng["start"]["character"], encoding, lines)
    end = offset_of(text, rng["end"]["line"], rng["end"]["character"], encoding, lines)
    start, end = min(start, end), max(start, end)
    return text[:start] + change["text"] + text[end:]
