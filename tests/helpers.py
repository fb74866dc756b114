"""Shared test helpers: run the real engine on a text with a chosen configuration."""

from __future__ import annotations

import re
import textwrap

from nova_lsp.config import Config
from nova_lsp.core.document import Document
from nova_lsp.engine.analyze import analyze, analyze_project

EXPECT = re.compile(r"#\s*expect:\s*(?P<ids>[A-Z0-9, ]+)")


def run(text: str, select=None, rules=None, dedent=True, **config):
    """Findings for ``text`` with only ``select`` enabled (and ``rules`` options)."""
    if dedent:
        text = textwrap.dedent(text)
    table = dict(config)
    if select is not None:
        table["select"] = [select] if isinstance(select, str) else list(select)
    if rules:
        table["rules"] = rules
    cfg = Config().overlay(table, "test")
    return analyze(Document(text, "test.py"), cfg.selection())


def run_example(example, text: str, select):
    """The analysis of an example's ``text`` (its bad or good code): alone, or, for a
    multi-file example, at its ``path`` in a project with its other ``files``."""
    cfg = Config().overlay({"select": [select] if isinstance(select, str) else list(select)}, "test")
    if not example.files:
        return analyze(Document(text, example.path or "test.py"), cfg.selection())
    texts = {**example.files, example.path: text}
    return analyze_project(texts, cfg.selection())[example.path]


def lines_of(analysis, rule=None):
    """Sorted 1-based lines of the findings (of ``rule`` if given)."""
    return sorted(f.span.start_line + 1 for f in analysis.findings if rule is None or f.rule == rule)


def expected_lines(text: str, rule: str) -> list[int]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = EXPECT.search(line)
        if match and rule in {i.strip() for i in match.group("ids").split(",")}:
            found.append(number)
    return found
