"""Rule documentation rendered from the rule files: ``nova-lsp explain``, SARIF help, hover,
and the pages under ``docs/rules/`` (``python -m nova_lsp.report.rule_docs docs/rules``)."""

from __future__ import annotations

import sys
from pathlib import Path

from nova_lsp.engine.registry import CWE_URL, Rule, load_registry

_SECTIONS = (
    ("what", "What it does"),
    ("why", "Why is this bad?"),
    ("how", "How to fix"),
    ("fix-safety", "Fix safety"),
)


def rule_markdown(rule: Rule, examples: bool = False) -> str:
    parts = [f"# {rule.id} `{rule.name}`", "", rule.summary, ""]
    meta = [
        f"- Severity: {rule.severity.label}",
        f"- CWE: {', '.join(f'[CWE-{c}]({CWE_URL.format(c)})' for c in rule.cwe) or 'none'}",
        f"- Enabled by default: {'yes' if rule.enabled else 'no'}",
    ]
    if rule.fix:
        meta.append(f"- Fix: {rule.fix}")
    parts += meta
    for key, title in _SECTIONS:
        if rule.docs.get(key):
            parts += ["", f"## {title}", "", rule.docs[key].strip()]
    if rule.options:
        parts += ["", "## Options", "", f"Set under `[tool.nova-lsp.rules.{rule.name}]`; prefix a list option",
                  "with `extend-` to add to the defaults instead of replacing them.", ""]
        for key, value in rule.options.items():
            parts.append(f"- `{key}` (default: `{value!r}`)")
    if examples:
        for example in rule.examples:
            parts += ["", f"## Example: {example.title or 'flagged'}"]
            for other, text in example.files.items():  # a multi-file example: the other files first
                parts += ["", f"`{other}`:", "", "```python", text.strip("\n"), "```"]
            if example.files:
                parts += ["", f"`{example.path}`:"]
            parts += ["", "```python", example.bad.strip("\n"), "```"]
            if example.good.strip():
                parts += ["", "Use instead (not flagged):", "", "```python", example.good.strip("\n"), "```"]
    refs = rule.docs.get("references") or []
    if refs:
        parts += ["", "## References", ""] + [f"- <{r}>" for r in refs]
    return "\n".join(parts) + "\n"


def index_markdown(rules) -> str:
    lines = ["# Rules", "", "| id | name | CWE | severity | default | summary |", "|---|---|---|---|---|---|"]
    for rule in rules:
        cwe = ", ".join(f"CWE-{c}" for c in rule.cwe)
        lines.append(
            f"| [{rule.id}]({rule.id}-{rule.name}.md) | `{rule.name}` | {cwe} | {rule.severity.label} | "
            f"{'on' if rule.enabled else 'off'} | {rule.summary} |"
        )
    return "\n".join(lines) + "\n"


def expected_pages() -> dict[str, str]:
    rules = load_registry().rules
    pages = {f"{r.id}-{r.name}.md": rule_markdown(r, examples=True) for r in rules}
    pages["README.md"] = index_markdown(rules)
    return pages


def main(argv=None) -> int:
    target = Path((argv or sys.argv[1:] or ["docs/rules"])[0])
    target.mkdir(parents=True, exist_ok=True)
    for name, text in expected_pages().items():
        (target / name).write_text(text, encoding="utf-8")
    for stale in target.glob("NOVA*.md"):
        if stale.name not in expected_pages():
            stale.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
