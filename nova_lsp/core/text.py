"""Text made safe to show: JSON that prints safely on a terminal, control characters escaped.

Everything the tool prints that came from the checked project (paths, source lines, messages
quoting code, configuration keys) goes through these, so it cannot forge output lines or send
terminal escapes.
"""

from __future__ import annotations

import json


def dump_json(payload) -> str:
    """JSON text (UTF-8 friendly, indented) in which every character that is not printable
    is a ``\\uXXXX`` escape: ``json.dumps`` leaves DEL, the C1 controls (U+009B is a CSI to
    some terminals), bidirectional overrides and line separators raw.  The document means the
    same; it is only safe to print on a terminal as well."""
    text = json.dumps(payload, indent=2, ensure_ascii=False)
    if text.replace("\n", "").isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == "\n" else _json_escape(ch) for ch in text)


def _json_escape(ch: str) -> str:
    # outside strings json.dumps writes only ASCII punctuation, digits, spaces and newlines,
    # so a non-printable character is always inside a string, where an escape means the same
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def escape_control(text: str, keep_tabs: bool = False) -> str:
    """Make control characters (newlines, ANSI escapes) visible so they cannot forge output."""
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() or (keep_tabs and ch == "\t") else repr(ch)[1:-1] for ch in text
    )
