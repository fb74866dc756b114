"""Every ``[[example]]`` of every rule file is a test: ``bad`` must be flagged exactly on the
lines marked ``# expect: <ID>``, ``good`` must not be flagged at all.  A multi-file example
(``path`` and ``files``) is analysed as one project, calls followed across its files."""

from __future__ import annotations

import pytest

from helpers import expected_lines, lines_of, run_example
from nova_lsp.engine.registry import load_registry

REGISTRY = load_registry()
CASES = [
    pytest.param(rule, index, example, id=f"{rule.id}-{rule.name}-{index}")
    for rule in REGISTRY.rules
    for index, example in enumerate(rule.examples)
]


def test_every_rule_has_examples_and_docs():
    for rule in REGISTRY.rules:
        assert rule.examples, f"{rule.id} has no [[example]]"
        assert all(ex.bad.strip() for ex in rule.examples), f"{rule.id}: example without bad code"
        for section in ("what", "why", "how"):
            assert rule.docs.get(section, "").strip(), f"{rule.id}: docs.{section} is empty"
        assert rule.cwe, f"{rule.id}: no CWE"


@pytest.mark.parametrize(("rule", "index", "example"), CASES)
def test_bad_example_flags_marked_lines(rule, index, example):
    expected = expected_lines(example.bad, rule.id)
    assert expected, f"{rule.id} example {index}: bad code has no '# expect: {rule.id}' marker"
    analysis = run_example(example, example.bad, list(example.select) or rule.id)
    assert not analysis.errors
    assert lines_of(analysis, rule.id) == expected


@pytest.mark.parametrize(("rule", "index", "example"), [c for c in CASES if c.values[2].good.strip()])
def test_good_example_is_clean(rule, index, example):
    analysis = run_example(example, example.good, list(example.select) or rule.id)
    assert not analysis.errors
    assert lines_of(analysis, rule.id) == []
