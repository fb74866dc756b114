"""Fixes: code transformations that turn a finding into ``Edit``s against the analysed text.

``attach_fixes(finding, ctx)`` is called by the engine for every finding a check yields; it
looks up the fixer registered for the finding's rule and adds the fixes it offers.  A fix is
only offered when the edited text still parses.
"""

from __future__ import annotations

import ast
import logging
from dataclasses import replace
from typing import Callable, Iterable

from nova_lsp.document import apply_edits
from nova_lsp.engine.model import Finding, Fix

Fixer = Callable[[Finding, "CheckContext"], Iterable[Fix]]  # noqa: F821 - engine.context
FIXERS: dict[str, Fixer] = {}
log = logging.getLogger(__name__)


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def edited_text_parses(document, module, edits) -> bool:
    """Whether ``document``'s text still parses after ``edits``.

    Parsing a whole large module again for every fix costs as much as analysing it, so only
    the module-level statements the edits touch are parsed, each on its own (a module-level
    statement starts at column 0 and is independent of its neighbours to the parser), plus
    the lines of edits that fall between statements.  An edit that opens a bracket or a
    string closed only in an untouched statement makes its own region fail: the check never
    accepts what a whole-text parse would reject.
    """
    text = document.text
    if module is None or not getattr(module, "body", None):
        return parses(apply_edits(text, edits))
    ranges = []
    for stmt in module.body:
        start = (stmt.fromlineno or stmt.lineno or 1) - 1
        decorators = getattr(stmt, "decorators", None)
        if decorators is not None and decorators.lineno:
            start = min(start, decorators.lineno - 1)
        end = (stmt.end_lineno or stmt.lineno or 1) - 1
        ranges.append((start, end))
    regions = [[edit.span.start_line, edit.span.end_line] for edit in edits]
    while True:  # grow regions to whole statements, merge the ones that meet
        grown = False
        for region in regions:
            for start, end in ranges:
                if start <= region[1] and region[0] <= end and (start < region[0] or end > region[1]):
                    region[0], region[1] = min(region[0], start), max(region[1], end)
                    grown = True
        regions.sort()
        merged: list[list[int]] = []
        for region in regions:
            if merged and region[0] <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], region[1])
            else:
                merged.append(region)
        done = not grown and len(merged) == len(regions)
        regions = merged
        if done:
            break
    offsets = document.line_offsets
    for first, last in regions:
        begin = offsets[first] if first < len(offsets) else len(text)
        stop = offsets[last + 1] if last + 1 < len(offsets) else len(text)
        pieces = []
        cursor = begin
        inside = sorted(
            (
                (document.offset(e.span.start_line, e.span.start_col), document.offset(e.span.end_line, e.span.end_col), e.new_text)
                for e in edits
                if first <= e.span.start_line and e.span.end_line <= last
            ),
            key=lambda item: (item[0], item[1]),
        )
        for start, end, new_text in inside:
            if start < cursor:
                return False
            pieces.append(text[cursor:start])
            pieces.append(new_text)
            cursor = end
        pieces.append(text[cursor:stop])
        if not parses("".join(pieces)):
            return False
    return True


def _builtin_fixers() -> dict[str, Fixer]:
    from nova_lsp.fixes.allocation import fix_allocation
    from nova_lsp.fixes.backoff import fix_retry
    from nova_lsp.fixes.redact import fix_redact

    return {
        "NOVA001": fix_redact,  # log-sensitive-data: redact log argument
        "NOVA002": fix_redact,  # secret-in-exception: redact exception argument
        "NOVA003": fix_retry,  # retry-without-backoff: wrap in backoff
        "NOVA004": fix_allocation,  # unvalidated-allocation: validate allocation dict
    }


_LOADED: list[bool] = []


def fixer_for(rule_id: str) -> Fixer | None:
    """The fixer registered for a rule (the built-in ones are registered on first use)."""
    if not _LOADED:
        _LOADED.append(True)
        for key, fixer in _builtin_fixers().items():
            FIXERS.setdefault(key, fixer)
    return FIXERS.get(rule_id)


def attach_fixes(finding: Finding, ctx) -> Finding:
    fixer = fixer_for(finding.rule)
    if fixer is None or ctx.module is None:
        return finding
    offered = []
    try:
        fixes = list(fixer(finding, ctx))
    except (RecursionError, MemoryError):
        raise
    except Exception:  # a bug in a fixer must not cost the check its finding
        log.exception("fixer for %s failed at %s", finding.rule, finding.span)
        return finding
    for fix in fixes:
        try:
            ok = edited_text_parses(ctx.document, ctx.module, fix.edits)
        except ValueError:  # overlapping edits: a fixer bug, never offered
            log.error("fixer for %s produced overlapping edits at %s", finding.rule, finding.span)
            continue
        if ok:
            offered.append(fix)
    if not offered:
        return finding
    return replace(finding, fixes=tuple(offered) + finding.fixes)
