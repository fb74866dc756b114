"""Minimal inputs the fuzzer (benchmarks/fuzz_engine.py) found, one test each.

A bug in a file the fuzz suite does not own starts here as ``xfail(strict=True,
raises=AssertionError)`` using the ``strict_engine`` fixture, with a ``TOLERATE_...`` flag in
fuzzprops that lets the fuzzer past it; once it is fixed the test passes, strict xfail reports
that, and the ``xfail`` and the flag go (docs/fuzzing.md).
"""

from __future__ import annotations

import pytest

import fuzzprops
from nova_lsp.core.document import apply_edits
from nova_lsp.core.model import FixKind


@pytest.fixture
def strict_engine(monkeypatch):
    """The fuzz properties without any tolerance for known engine bugs."""
    for name in dir(fuzzprops):
        if name.startswith("TOLERATE_"):
            monkeypatch.setattr(fuzzprops, name, False)


def _fails(text: str, config: str = "all", strict: bool = False) -> str | None:
    try:
        if strict:
            fuzzprops.check_strict(text)
        else:
            fuzzprops.check(text, config, recheck=100)
    except fuzzprops.InvariantError as exc:
        return str(exc)
    return None


# -- found in the engine (nova_lsp/engine), fixed in 0a97d3b ------------------------------------


@pytest.mark.parametrize("text", ["x = 1 +", "if x:", "for x in y:\n\n", "class A:\r\n"])
def test_syntax_error_span_stays_inside_the_line(strict_engine, text):
    """NOVA900's span at the end of a line (or on an empty one) ended one column past it."""
    assert _fails(text) is None
    for config in fuzzprops.CONFIG_NAMES:
        analysis, _ = fuzzprops.run(text, config)
        assert [f.rule for f in analysis.findings] == ["NOVA900"]


@pytest.mark.parametrize("config", fuzzprops.CONFIG_NAMES)
def test_trailing_backslash_continuation_is_a_syntax_error(strict_engine, config):
    """The tree-building path parsed ``text + "\\n"``, which CPython accepts for a text ending
    in a backslash continuation that it rejects as is ("unexpected EOF while parsing")."""
    assert not fuzzprops.parses("LOG\\\n")
    assert _fails("LOG\\\n", config) is None
    analysis, _ = fuzzprops.run("LOG\\\n", config)
    assert [f.rule for f in analysis.findings] == ["NOVA900"]


@pytest.mark.parametrize(
    "text",
    [
        'requests.post("\\\r\nx")\r\n',  # the comment landed inside the continued string
        'requests.post(\\\r"x")\r',  # ... or after a backslash continuation before a lone CR
        "requests.post('''\\\r\nx''')\r\n",
    ],
)
def test_suppression_after_backslash_before_cr_keeps_the_code_parsing(strict_engine, text):
    """The lexer missed a backslash continuation before CR-LF inside a string and before a
    lone CR outside one, so "Ignore NOVA005" put its comment where it broke the code."""
    assert fuzzprops.parses(text)
    analysis = fuzzprops.check(text, "all", recheck=100)
    suppress = [fix for f in analysis.findings for fix in f.fixes if fix.kind == FixKind.SUPPRESS]
    assert suppress
    assert all(edit.span.start_line == 1 for fix in suppress for edit in fix.edits)


def test_crlf_gives_the_same_findings_and_fixes_as_lf(strict_engine):
    for text in ['requests.post("\\\nx")\n', 'requests.post(\\\n"x")\n']:
        assert _fails(text, strict=True) is None


# -- found in the engine (nova_lsp/engine/suppressions.py), fixed in 745e603 ---------------------


@pytest.mark.parametrize(
    "text",
    [
        "# FIXME# nova-lsp: ignore[",  # what the fuzzer found
        "requests.post(x)  # nova-lsp: ignore[NOVA00",  # half typed in an editor
        "requests.post(x)  # nova-lsp:ignore[ x",
    ],
)
def test_ignore_fix_after_a_half_typed_suppression_silences_the_finding(strict_engine, text):
    """The directive pattern read ``ignore[  # nova-lsp: ignore[NOVA005]`` (the half-typed
    directive and the one the fix appended) as one list of codes: the finding stayed, and
    NOVA901 reported an unknown rule."""
    analysis = fuzzprops.check(text, "all", recheck=100)
    finding = next(f for f in analysis.findings if f.rule != "NOVA901")
    fix = next(fix for fix in finding.fixes if fix.kind == FixKind.SUPPRESS)
    after, _ = fuzzprops.run(apply_edits(text, fix.edits), "all")
    assert finding.rule not in {f.rule for f in after.findings}
    assert not [f for f in after.findings if f.rule == "NOVA901" and "unknown rule" in f.message]
