"""Inline suppressions, read from real comments only (the engine's lexer: the same text inside
a string does not count).  A finding is silenced by a directive on the line where it starts.

- ``# nova-lsp: ignore[NOVA001,log-sensitive-data]``: those rules (ids or names);
- ``# nova-lsp: ignore`` alone: every rule on the line (report stale ones with NOVA901);
- ``# noqa: NOVA001`` (flake8's convention, also ``# NOQA:NOVA001, E501``): the NOVA codes in
  the list; the other codes belong to other tools.  A bare ``# noqa`` is flake8's and silences
  nothing of ours: it is written for style checks, usually on import lines, and must not hide a
  security finding by accident.

A directive that looks like one but cannot be read — ``# nova-lsp: ignore NOVA001`` (no
brackets), an unclosed ``ignore[NOVA001``, ``ignore[]`` — silences *nothing* (it used to act as
a blanket ignore) and is reported as NOVA902 with a fix that writes it as intended.
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
# after a bare "ignore": nothing, another comment, or an explanation after "--" / ":" / "-"
_BARE_TAIL = re.compile(r"\s*(?:$|#|--|—|:\s|-\s)")
# what a half-written directive looks like: "ignore NOVA001", "ignore[NOVA001", "ignore []"
_MALFORMED = re.compile(
    r"nova-lsp:\s*ignore(?P<rest>\s*\[[^\]#]*(?:\]|$|(?=#))|\s+(?P<codes>(?:NOVA\d+|[a-z][a-z0-9]*(?:-[a-z0-9]+)+)"
    r"(?:\s*,\s*(?:NOVA\d+|[a-z][a-z0-9]*(?:-[a-z0-9]+)+))*))",
    re.IGNORECASE,
)
_NOQA = re.compile(r"(?<![\w-])noqa\s*:\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*)", re.IGNORECASE)
_NOVA_CODE = re.compile(r"^NOVA\d{3}$", re.IGNORECASE)


def without_directives(comment: str) -> str:
    """A comment's prose without this tool's own directives (``nova-lsp: ignore[...]``, and a
    ``noqa`` whose codes are all ours): rules that read comments for intent ("ignore errors
    here") must not take a suppression of *another* finding for one."""
    text = _PATTERN.sub("", comment)
    text = _MALFORMED.sub("", text)

    def noqa(match: re.Match) -> str:
        codes = re.split(r"[\s,]+", match.group("codes").strip())
        return "" if all(_NOVA_CODE.match(c) for c in codes) else match.group(0)

    return _NOQA.sub(noqa, text)


@dataclass
class Suppression:
    line: int  # 0-based
    span: Span  # the directive inside the comment
    codes: tuple[str, ...]  # empty: every rule
    used: set[str] = field(default_factory=set)
    kind: str = "nova-lsp"  # or "noqa"
    others: tuple[str, ...] = ()  # noqa: codes of other tools, kept when ours are removed


@dataclass(frozen=True)
class Malformed:
    """A directive that silences nothing because it cannot be read."""

    line: int
    span: Span
    fixed: str | None  # the directive written as meant, when that is clear
    detail: str


def comments(text: str):
    """(line, col, comment text) of every comment (strings are never mistaken for one)."""
    for comment in lex(text).comments:
        yield comment.line, comment.col, comment.text


def find_suppressions(text: str) -> list[Suppression]:
    return scan(text)[0]


def scan(text: str) -> tuple[list[Suppression], list[Malformed]]:
    """The suppressions of ``text`` and the directives that cannot be read."""
    upper = text.upper()
    if MARKER.upper() not in upper and "NOQA" not in upper:
        return [], []
    found: list[Suppression] = []
    broken: list[Malformed] = []
    for line, col, comment in comments(text):
        lowered = comment.lower()
        if "nova-lsp" in lowered:
            taken = []
            for match in _PATTERN.finditer(comment):
                raw = match.group("codes")
                if raw is None and not _BARE_TAIL.match(comment, match.end()):
                    # "ignore NOVA001", "ignore because ...": not a blanket ignore
                    if not _MALFORMED.match(comment, match.start()):
                        span = Span(line, col + match.start(), line, col + match.end())
                        detail = "text after `ignore`: name rules in brackets, or give a reason after `--`"
                        broken.append(Malformed(line, span, None, detail))
                    continue
                codes = tuple(c.strip() for c in raw.split(",") if c.strip()) if raw is not None else ()
                if raw is not None and not codes:
                    continue  # "ignore[]": silences nothing, reported below
                span = Span(line, col + match.start(), line, col + match.end())
                found.append(Suppression(line, span, codes))
                taken.append((match.start(), match.end()))
            for match in _MALFORMED.finditer(comment):
                if any(start <= match.start() < end for start, end in taken):
                    continue
                broken.append(_malformed(line, col, match))
        if "noqa" in lowered:
            for match in _NOQA.finditer(comment):
                listed = [c for c in re.split(r"[\s,]+", match.group("codes")) if c]
                ours = tuple(c.upper() for c in listed if _NOVA_CODE.match(c))
                if ours:
                    span = Span(line, col + match.start(), line, col + match.end())
                    others = tuple(c for c in listed if not _NOVA_CODE.match(c))
                    found.append(Suppression(line, span, ours, kind="noqa", others=others))
    return found, broken


def _malformed(line: int, col: int, match: re.Match) -> Malformed:
    span = Span(line, col + match.start(), line, col + match.end())
    codes = match.group("codes")
    if codes:
        listed = ",".join(c.strip() for c in codes.split(","))
        return Malformed(line, span, f"nova-lsp: ignore[{listed}]", f"write the rules in brackets: `ignore[{listed}]`")
    rest = (match.group("rest") or "").strip()
    inner = rest.strip("[] ")
    if inner:
        listed = ",".join(c.strip() for c in inner.split(",") if c.strip())
        return Malformed(line, span, f"nova-lsp: ignore[{listed}]", "the bracket is not closed")
    return Malformed(line, span, None, "no rule is named in the brackets")


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
    if match and match.group("codes") is None and not _BARE_TAIL.match(line_text, match.end()):
        match = None  # a malformed "ignore NOVA001" is not a directive to merge into
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


def removal(line_text: str, comment_col: int, sup: Suppression, stale) -> tuple[int, int, str]:
    """(start, end, replacement) on the line (without its ending) that removes the ``stale``
    codes of ``sup``: the directive rewritten with the codes that are left, or, with none left,
    the directive gone — with its own ``#`` and the blanks before it when nothing follows it."""
    start, end = sup.span.start_col, sup.span.end_col
    keep = [c for c in sup.codes if c not in stale]
    if sup.kind == "noqa" and (keep or sup.others):
        return start, end, "noqa: " + ", ".join(keep + list(sup.others))
    if keep:
        return start, end, f"nova-lsp: ignore[{','.join(keep)}]"
    if line_text[end:].strip():
        return start, end, ""  # more comment text follows: only the directive's words go
    hash_at = line_text.rfind("#", comment_col, start)
    cut = hash_at if hash_at >= 0 and not line_text[hash_at + 1 : start].strip() else start
    while cut > 0 and line_text[cut - 1] in " \t":
        cut -= 1
    return cut, len(line_text), ""
