"""``textDocument/hover`` on a flagged range: what the rule is, why it matters, how to fix it,
and its CWE links — from the rule's own documentation in ``rules/``.
"""

from __future__ import annotations

import re

from typing import TYPE_CHECKING

from lsprotocol import types

from nova_lsp.core.model import Finding
from nova_lsp.engine.registry import CWE_URL, Rule, load_registry
from nova_lsp.server import convert

if TYPE_CHECKING:
    from nova_lsp.server.server import NovaLanguageServer


def _contains(finding: Finding, line: int, col: int) -> bool:
    span = finding.span
    return (span.start_line, span.start_col) <= (line, col) <= (span.end_line, span.end_col)


def _clean(text: str) -> str:
    return " ".join(part.strip() for part in str(text).strip().splitlines()).strip()


_BACKTICKS = re.compile(r"`+")


def markdown_text(text: str) -> str:
    """``text`` shown literally in Markdown: in a fenced code block whose fence is longer than
    any run of backticks in it.  A finding's message quotes the analysed source, which must not
    open links or images (fetched on hover) or end the block; inside a code block nothing is
    Markdown, and every client renders it as written (backslash escapes showed up raw in some,
    Neovim's among them)."""
    flat = " ".join(text.split())
    longest = max((len(run) for run in _BACKTICKS.findall(flat)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{flat}\n{fence}"


def render(finding: Finding, rule: Rule | None, docs_url: str, markdown: bool) -> str:
    """The hover text for one finding."""
    severity = finding.severity.label
    lines: list[str] = []
    if markdown:
        lines.append(f"**{finding.rule}** `{finding.name}` ({severity})")
    else:
        lines.append(f"{finding.rule} {finding.name} ({severity})")
    lines.append(markdown_text(finding.message) if markdown else finding.message)
    if rule is not None:
        docs = rule.docs
        if rule.summary:
            lines.append(_clean(rule.summary))
        for title, key in (("Why is this bad?", "why"), ("How to fix", "how")):
            if docs.get(key):
                lines.append(f"**{title}** {_clean(docs[key])}" if markdown else f"{title} {_clean(docs[key])}")
        if rule.fix:
            lines.append(f"Fix available: {rule.fix}" if not markdown else f"*Fix available:* {rule.fix}")
    links = [(f"CWE-{cwe}", CWE_URL.format(cwe)) for cwe in finding.cwe]
    href = convert.docs_href(finding.rule, finding.name, (), docs_url)
    if href:
        links.append(("Rule documentation", href))
    if links:
        if markdown:
            lines.append(" · ".join(f"[{label}]({url})" for label, url in links))
        else:
            lines.append("  ".join(f"{label}: {url}" for label, url in links))
    return "\n\n".join(lines)


async def hover(ls: "NovaLanguageServer", params: types.HoverParams) -> types.Hover | None:
    uri = params.text_document.uri
    if uri not in ls.session.documents:
        return None
    result = await ls.scheduler.current_result(uri, allow_stale=ls.session.settings.run == "onSave")
    if result is None:
        return None
    encoding = ls.session.encoding
    line, col = convert.from_position(result.document, params.position, encoding)
    hits = [f for f in result.findings if _contains(f, line, col)]
    if not hits:
        return None
    registry = load_registry()
    markdown = ls.session.features.hover_markdown
    config = ls.session.config_for(ls.session.documents[uri].path if uri in ls.session.documents else None)
    separator = "\n\n---\n\n" if markdown else "\n\n"
    value = separator.join(render(f, registry.get(f.rule), config.docs_url, markdown) for f in hits)
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText, value=value
        ),
        range=convert.to_range(result.document, hits[0].span, encoding),
    )
