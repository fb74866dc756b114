"""Applying every fix of a text: what ``nova-lsp check --fix`` / ``--diff`` and an editor's
fix-all do to one text (writing files is the CLI's business: ``nova_lsp.cli.fix_files``).

Per text, in rounds: analyse, take the main fix of every finding (its preferred ``fix``-kind
fix; suppressions are never applied), compose those whose edits do not collide, apply them,
and analyse again, until nothing is left to fix (at most ``MAX_ROUNDS`` rounds).

Composition: edits of different fixes that are identical (the same import or helper added by
several fixes) are applied once; a fix whose edits overlap an edit already taken — or insert
at the same point — waits for the next round, where it is recomputed against the new text.
If a composed round would not parse, its fixes are applied one at a time instead.  A round
that leaves as many fixable findings as the one before ends the loop, so a fix that does not
make its finding go away is never applied twice.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from nova_lsp.core.document import Document, apply_edits
from nova_lsp.engine.analyze import SYNTAX_ERROR, FixPolicy, analyze, comment_line
from nova_lsp.engine.lexer import lex
from nova_lsp.engine.suppressions import suppress_edit_text
from nova_lsp.core.model import Analysis, Edit, Finding, Fix, FixKind, Span
from nova_lsp.engine.fixes import parses
from nova_lsp.engine.selection import Selection

MAX_ROUNDS = 6


@dataclass(frozen=True)
class Applied:
    rule: str
    title: str
    line: int  # 1-based, in the text of the round that applied it


@dataclass(frozen=True)
class FixResult:
    original: str
    text: str
    applied: tuple[Applied, ...]
    analysis: Analysis  # of ``text``

    @property
    def changed(self) -> bool:
        return self.text != self.original


def main_fix(finding: Finding, unsafe: bool = False) -> Fix | None:
    """The fix ``--fix`` applies for a finding: its preferred safe fix, else its first safe
    one; with ``unsafe`` (``--unsafe-fixes``) an unsafe fix when the finding has no safe one
    (a safe variant is always preferred: the backoff without a bound over the one with it)."""
    real = [f for f in finding.fixes if f.kind == FixKind.FIX]
    safe = [f for f in real if f.safe]
    pool = safe or (real if unsafe else [])
    if not pool:
        return None
    preferred = [f for f in pool if f.preferred]
    return (preferred or pool)[0]


def hidden_fix(finding: Finding) -> Fix | None:
    """An unsafe fix that ``--fix`` leaves alone (and ``--unsafe-fixes`` would apply)."""
    return main_fix(finding, unsafe=True) if main_fix(finding) is None else None


def _bounds(edit: Edit) -> tuple[tuple[int, int], tuple[int, int]]:
    s = edit.span
    return (s.start_line, s.start_col), (s.end_line, s.end_col)


def _collides(a: Edit, b: Edit) -> bool:
    (a0, a1), (b0, b1) = _bounds(a), _bounds(b)
    if a0 < b1 and b0 < a1:
        return True
    # two edits at one point (an insertion there): their order would be a guess
    return a0 == b0 and (a0 == a1 or b0 == b1)


class _Taken:
    """The edits taken so far, sorted by start.  They never collide with one another, so a new
    edit collides with one of them exactly when it collides with the one just before it or
    the first one at or after its start: two neighbours to look at, not every edit."""

    def __init__(self) -> None:
        self.starts: list[tuple[int, int]] = []
        self.edits: list[Edit] = []

    def collides(self, edit: Edit) -> bool:
        start = _bounds(edit)[0]
        at = bisect.bisect_left(self.starts, start)
        return any(_collides(edit, self.edits[i]) for i in (at - 1, at) if 0 <= i < len(self.edits))

    def add(self, edit: Edit) -> None:
        start = _bounds(edit)[0]
        at = bisect.bisect_left(self.starts, start)
        self.starts.insert(at, start)
        self.edits.insert(at, edit)


def compose(findings, unsafe: bool = False) -> tuple[list[tuple[Finding, Fix]], list[Edit]]:
    """(the fixes taken, the edits to apply) for the main fixes of ``findings``."""
    taken: list[tuple[Finding, Fix]] = []
    edits: list[Edit] = []
    placed = _Taken()
    seen: set[Edit] = set()
    for finding in sorted(findings, key=lambda f: f.sort_key):
        fix = main_fix(finding, unsafe)
        if fix is None:
            continue
        fresh = [e for e in dict.fromkeys(fix.edits) if e not in seen]
        if any(placed.collides(e) for e in fresh):
            continue
        if any(_collides(a, b) for i, a in enumerate(fresh) for b in fresh[i + 1 :]):
            continue
        taken.append((finding, fix))
        edits.extend(fresh)
        seen.update(fresh)
        for edit in fresh:
            placed.add(edit)
    return taken, edits


def _fixable(analysis: Analysis, unsafe: bool = False) -> int:
    return sum(1 for f in analysis.findings if main_fix(f, unsafe) is not None)


def fix_text(
    text: str,
    path: str = "<string>",
    selection: Selection | None = None,
    fixes: FixPolicy = True,
    unsafe: bool = False,
    project=None,
) -> FixResult:
    """Apply the main fix of every finding in ``text`` until none is left to apply (of the
    findings ``fixes`` wants fixed: a baseline's are left alone); safe fixes only unless
    ``unsafe``.  ``project`` (an ``engine.project.ProjectView``) is what the rest of the
    project's functions do."""
    current = text
    applied: list[Applied] = []
    analysis = analyze(Document(current, path), selection, fixes=fixes, project=project)
    previous = None
    for _ in range(MAX_ROUNDS):
        fixable = _fixable(analysis, unsafe)
        if not fixable or (previous is not None and fixable >= previous):
            break
        previous = fixable
        taken, edits = compose(analysis.findings, unsafe)
        new = apply_edits(current, edits)
        if not parses(new):
            taken, new = _one_at_a_time(current, taken)
        if not taken or new == current:
            break
        applied.extend(Applied(f.rule, fix.title, f.span.start_line + 1) for f, fix in taken)
        current = new
        analysis = analyze(Document(current, path), selection, fixes=fixes, project=project)
    return FixResult(text, current, tuple(applied), analysis)


def _one_at_a_time(text: str, taken):
    for finding, fix in taken:
        try:
            candidate = apply_edits(text, fix.edits)
        except ValueError:
            continue
        if parses(candidate):
            return [(finding, fix)], candidate
    return [], text


def suppress_all(text: str, findings) -> tuple[str, int]:
    """``text`` with a suppression for every one of ``findings`` (``--add-suppressions``), the
    codes of one line merged into one directive (an existing one is extended), each comment
    where the engine's own "Ignore" fix would put it; and how many lines were changed."""
    document = Document(text)
    wanted: dict[int, list[str]] = {}
    for finding in findings:
        line = comment_line(document, finding.span.start_line)
        if line is None or finding.rule == SYNTAX_ERROR:
            continue
        codes = wanted.setdefault(line, [])
        if finding.rule not in codes:
            codes.append(finding.rule)
    comments = lex(text).comment_lines
    edits = []
    for line, codes in wanted.items():
        current = document.line(line)
        comment = comments.get(line)
        col = comment.col if comment is not None else None
        for code in codes:
            start, end, new_text = suppress_edit_text(current, code, col)
            if not new_text:
                break  # a bare ``# nova-lsp: ignore`` already silences everything
            current = current[:start] + new_text + current[end:]
            if col is None:
                col = len(current) - len(new_text) + 2  # the comment just appended
        if current != document.line(line):
            edits.append(Edit(Span(line, 0, line, len(document.line(line))), current))
    return (apply_edits(text, edits) if edits else text), len(edits)
