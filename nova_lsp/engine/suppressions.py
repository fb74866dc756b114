"""Inline suppressions: ``# nova-lsp: ignore[NOVA001,log-sensitive-data]`` or a bare
``# nova-lsp: ignore`` silencing every rule on that line.

Comments are found with the engine's lexer, so the marker inside a string does not count.  A
finding is silenced by a suppression on the line where the finding starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nova_lsp.engine.lexer import lex
from nova_lsp.core.model import Span

MARKER = "nova-lsp:"
# a bare "ignore" must end there: "nova-lsp: ignored", "ignore-next-line" or an unclosed
# "ignore[NOVA006" is not a suppression (and certainly not a silence-everything one)
# (codes never contain "[" or "#": a half-typed "ignore[NOVA00" must not run on into a
# directive appended after it)
_PATTERN = re.compile(r"nova-lsp:\s*ignore(?:\[(?P<codes>[^\]\[#]*)\]|(?![\w\[-]))", re.IGNORECASE)


@dataclass
class Suppression:
    line: int  # 0-based
    span: Span  # the directive inside the comment
    codes: tuple[str, ...]  # empty: every rule
    used: set[str] = field(default_factory=set)


def comments(text: str):
    """(line, col, comment text) of every comment (strings are never mistaken for one)."""
    for comment in lex(text).comments:
        yield comment.line, comment.col, comment.text


def find_suppressions(text: str) -> list[Suppression]:
    if MARKER not in text and MARKER.upper() not in text.upper():
        return []
    found = []
    for line, col, comment in comments(text):
        for match in _PATTERN.finditer(comment):
            raw = match.group("codes")
            codes = tuple(c.strip() for c in raw.split(",") if c.strip()) if raw is not None else ()
            span = Span(line, col + match.start(), line, col + match.end())
            found.append(Suppression(line, span, codes))
    return found


def is_suppressed(suppressions_by_line: dict[int, list[Suppression]], rule_id: str, name: str, line: int) -> bool:
    hit = False
    for sup in suppressions_by_line.get(line, ()):
        if not sup.codes:
            sup.used.add(rule_id)
            hit = True
            continue
        for code in sup.codes:
            if code.upper() == rule_id or code.lower() == name:
                sup.used.add(code)
                hit = True
    return hit


def suppress_edit_text(line_text: str, rule_id: str, comment_col: int | None = -1) -> tuple[int, int, str]:
    """(start_col, end_col, replacement) that adds ``rule_id`` to the line's suppression.

    Merges into an existing ``# nova-lsp: ignore[...]`` comment, leaves a bare one alone,
    otherwise appends a new comment after the code.  ``comment_col`` is where the line's
    comment starts (None: the line has none), so that the marker inside a string on the
    line is not taken for a suppression; -1 (the default) guesses from the first ``#``.
    """
    if comment_col is None:
        match = None
    elif comment_col >= 0:
        match = _PATTERN.search(line_text, comment_col)
    else:
        match = _PATTERN.search(line_text)
        if match and "#" not in line_text[: match.start()]:
            match = None
    if match:
        raw = match.group("codes")
        if raw is None:
            return match.end(), match.end(), ""
        codes = [c.strip() for c in raw.split(",") if c.strip()]
        if rule_id not in codes:
            codes.append(rule_id)
        return match.start(), match.end(), f"nova-lsp: ignore[{','.join(codes)}]"
    stripped = line_text.rstrip()
    return len(stripped), len(line_text), f"  # nova-lsp: ignore[{rule_id}]"
