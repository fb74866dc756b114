"""docs/rules/ is generated from rules/*.toml and must not drift from it."""

from pathlib import Path

from nova_lsp.report.rule_docs import expected_pages

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules"


def test_rule_pages_are_current():
    expected = expected_pages()
    stale = [name for name, text in expected.items() if not (DOCS / name).is_file() or (DOCS / name).read_text(encoding="utf-8") != text]
    extra = sorted(p.name for p in DOCS.glob("NOVA*.md") if p.name not in expected)
    assert not stale and not extra, (
        f"docs/rules is out of date (stale: {stale}, extra: {extra}); "
        "run: python -m nova_lsp.report.rule_docs docs/rules"
    )
