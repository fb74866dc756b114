"""Fixes: code transformations that turn a finding into ``Edit``s against the analysed text.

``attach_fixes(finding, ctx)`` is called by the engine for every finding a check yields; it
looks up the fixer registered for the finding's rule and adds the fixes it offers.  A fix is
only offered when the edited text still parses.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import Callable, Iterable

from nova_lsp.document import apply_edits
from nova_lsp.engine.model import Finding, Fix

Fixer = Callable[[Finding, "CheckContext"], Iterable[Fix]]  # noqa: F821 - engine.context
FIXERS: dict[str, Fixer] = {}


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def attach_fixes(finding: Finding, ctx) -> Finding:
    fixer = FIXERS.get(finding.rule)
    if fixer is None or ctx.module is None:
        return finding
    offered = []
    for fix in fixer(finding, ctx):
        if parses(apply_edits(ctx.document.text, fix.edits)):
            offered.append(fix)
    if not offered:
        return finding
    return replace(finding, fixes=tuple(offered) + finding.fixes)
