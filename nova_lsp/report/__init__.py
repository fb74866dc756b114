"""Reporters: turn checked files into text, JSON, SARIF or GitHub annotations.

A reporter gets a ``Report`` (findings per file, errors, the rules) and returns a string.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from nova_lsp.core.model import Finding
from nova_lsp.core.text import dump_json, escape_control  # noqa: F401 - re-exported for the reporters
from nova_lsp.engine.registry import Rule


@dataclass(frozen=True)
class FileResult:
    path: str  # as the user gave it / relative to the working directory, POSIX separators
    findings: tuple[Finding, ...]
    lines: tuple[str, ...] = ()  # source lines (for carets and fingerprints)


@dataclass(frozen=True)
class Report:
    files: tuple[FileResult, ...]
    errors: tuple[tuple[str, str], ...]  # (path, message)
    rules: tuple[Rule, ...]
    docs_url: str = ""
    checked: int = 0
    extra: dict = field(default_factory=dict)

    def all_findings(self):
        for result in self.files:
            for finding in result.findings:
                yield result, finding


def help_url(rule: Rule, docs_url: str) -> str | None:
    """The rule's documentation link: ``{id}`` and ``{name}`` of the ``docs-url`` template
    replaced as plain text.  Never ``str.format``: the template comes from the checked
    project's configuration, and a format string could read attributes (``{id.__class__}``),
    ask for gigabytes of padding (``{id:>999999999}``) or fail (``{0}``)."""
    if docs_url:
        url = docs_url.replace("{id}", rule.id).replace("{name}", rule.name)
        # a web link only: viewers open rule links on a click, and a `command:` or `file:`
        # link chosen by the checked project is not documentation
        if url.lower().startswith(("https://", "http://")):
            return url
    return rule.cwe_url


def fingerprints(result: FileResult) -> list[str]:
    """A line-shift-proof fingerprint per finding: rule, the stripped source line and the
    message, numbered among identical ones in the file.  The path is not part of it (the
    baseline and SARIF record it beside), so the fingerprint does not change with the
    directory the check runs from."""
    seen: dict[str, int] = {}
    prints = []
    prefixes: dict[tuple[str, int], object] = {}  # (rule, line) -> hash state after the line
    for finding in result.findings:
        number = finding.span.start_line
        key = (finding.rule, number)
        prefix = prefixes.get(key)
        if prefix is None:
            # the line is hashed once per rule, however many findings it has (a minified
            # line can hold thousands); the digest is that of the whole joined text
            line = result.lines[number].strip() if number < len(result.lines) else ""
            prefix = prefixes[key] = hashlib.sha256("\x1f".join((finding.rule, line, "")).encode("utf-8", "surrogatepass"))
        state = prefix.copy()
        state.update(finding.message.encode("utf-8", "surrogatepass"))
        digest = state.hexdigest()[:24]
        seen[digest] = seen.get(digest, 0) + 1
        prints.append(f"{digest}:{seen[digest]}")
    return prints
