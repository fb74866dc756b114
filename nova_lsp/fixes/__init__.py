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
            edited = apply_edits(ctx.document.text, fix.edits)
        except ValueError:  # overlapping edits: a fixer bug, never offered
            log.error("fixer for %s produced overlapping edits at %s", finding.rule, finding.span)
            continue
        if parses(edited):
            offered.append(fix)
    if not offered:
        return finding
    return replace(finding, fixes=tuple(offered) + finding.fixes)
