"""FIXME / XXX / HACK comments (CWE-546, information); TODO is opt-in.

Only real comments count (found with the tokenizer), never strings or docstrings.
"""

from __future__ import annotations

import re
from functools import lru_cache

from nova_lsp.core.model import Span
from nova_lsp.engine.suppressions import comments

NEEDS_TREE = False


@lru_cache(maxsize=16)
def _pattern(tags: tuple[str, ...]) -> re.Pattern:
    alternatives = "|".join(re.escape(t) for t in sorted(tags, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9_])(?:{alternatives})(?![A-Za-z0-9_])")


def check(ctx):
    tags = list(ctx.options["tags"])
    if ctx.options["include-todo"]:
        tags.append("TODO")
    pattern = _pattern(tuple(tags))
    for line, col, comment in comments(ctx.document.text):
        ctx.tick()
        # the tag may share the comment with a suppression: `# FIXME x  # nova-lsp: ignore[...]`
        directive = comment.find("nova-lsp:")
        match = pattern.search(comment, 0, directive if directive >= 0 else len(comment))
        if match is None:
            continue
        start = col + match.start()
        yield ctx.finding(Span(line, start, line, col + len(comment)), tag=match.group(0))
