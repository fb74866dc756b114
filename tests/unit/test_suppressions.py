"""Inline suppressions, unused-suppression reporting (NOVA901) and the suppress fix."""

from __future__ import annotations

import pytest

from helpers import run

from nova_lsp.config import Config
from nova_lsp.core.document import Document, apply_edits
from nova_lsp.engine.analyze import analyze
from nova_lsp.core.model import FixKind
from nova_lsp.engine.suppressions import find_suppressions, suppress_edit_text

DEFAULT = ["NOVA001", "NOVA007", "NOVA008", "NOVA900"]
WITH_UNUSED = DEFAULT + ["NOVA901"]


def found(text: str, select=DEFAULT) -> list[tuple[str, int]]:
    """(rule, 1-based line) of every finding."""
    return [(f.rule, f.span.start_line + 1) for f in run(text, select=select, dedent=False).findings]


# -- what silences what -------------------------------------------------------------------------

LEAK = "import logging\nLOG = logging.getLogger(__name__)\nLOG.debug('pw %s', password){comment}\n"
LEAK_LINE = "LOG.debug('pw %s', password)"


@pytest.mark.parametrize(
    "comment",
    [
        "  # nova-lsp: ignore[NOVA001]",
        "  # nova-lsp: ignore[log-sensitive-data]",
        "  # nova-lsp: ignore[nova001]",
        "  # NOVA-LSP: IGNORE[NOVA001]",
        "  # nova-lsp:ignore[ NOVA007 , NOVA001 ]",
        "  # nova-lsp: ignore",
        "  # nova-lsp: ignore -- reviewed: masked upstream",
        "  # noqa: H701  # nova-lsp: ignore[NOVA001]  (legacy handler, see bug 123)",
        "  # noqa: NOVA001",
        "  # NOQA:E501,NOVA001",
    ],
)
def test_suppression_forms_that_silence(comment):
    analysis = run(LEAK.format(comment=comment), select=DEFAULT, dedent=False)
    assert analysis.findings == ()
    assert analysis.suppressed == 1


@pytest.mark.parametrize(
    "comment",
    [
        "  # nova-lsp: ignore[NOVA007]",  # another rule
        "  # nova-lsp: ignore[fixme-comment]",
        "  # nova-lsp: ignored",  # not the directive
        "  # nova-lsp: ignore-next-line",
        "  # nova-lsp: ignore[NOVA001",  # unclosed: neither a list nor a bare suppression
        "  # nova-lsp: ignore NOVA001",  # no brackets: not a blanket ignore (NOVA902 says so)
        "  # nova-lsp: ignore because it is fine",
        "  # nova lsp: ignore",
        "  # noqa",  # flake8's bare noqa is flake8's
        "  # noqa: E501",
    ],
)
def test_comments_that_do_not_silence(comment):
    assert found(LEAK.format(comment=comment)) == [("NOVA001", 3)]


def test_multi_code_suppression_silences_each_named_rule_on_its_line_only():
    text = (
        'URL = "http://glance.internal.cloud/"  # FIXME  # nova-lsp: ignore[NOVA008, NOVA007]\n'
        'OTHER = "http://glance.internal.cloud/"\n'
    )
    assert found(text) == [("NOVA008", 2)]


def test_markers_in_strings_and_docstrings_do_not_count():
    text = (
        '"""Module docs: write # nova-lsp: ignore to silence a line."""\n'
        'NOTE = "# nova-lsp: ignore"; URL = "http://glance.internal.cloud/"\n'
        "LOG.debug('pw %s', password); '# nova-lsp: ignore'\n"
    )
    assert found(text) == [("NOVA008", 2), ("NOVA001", 3)]
    assert [s.line for s in find_suppressions(text)] == []


def test_syntax_errors_cannot_be_suppressed():
    assert found("def f(:  # nova-lsp: ignore\n    pass\n") == [("NOVA900", 1)]


def test_finding_in_a_multiline_string_is_silenced_where_the_string_ends():
    text = 'URL = """\nhttp://glance.internal.cloud/\n"""  # nova-lsp: ignore[NOVA008]\n'
    assert found(text) == []
    assert found(text.replace("  # nova-lsp: ignore[NOVA008]", "")) == [("NOVA008", 1)]


# -- unused suppressions (NOVA901) ----------------------------------------------------------------


def unused(text: str, select=WITH_UNUSED) -> list[tuple[int, str]]:
    return [
        (f.span.start_line + 1, f.message)
        for f in run(text, select=select, dedent=False).findings
        if f.rule == "NOVA901"
    ]


def test_nothing_is_reported_when_every_suppression_is_used():
    assert unused(LEAK.format(comment="  # nova-lsp: ignore[NOVA001]")) == []
    assert unused(LEAK.format(comment="  # nova-lsp: ignore")) == []


def test_bare_stale_and_unknown_codes_are_reported():
    text = (
        "a = 1  # nova-lsp: ignore\n"
        "b = 2  # nova-lsp: ignore[NOVA001]\n"
        "c = 3  # nova-lsp: ignore[NOVA123, log-sensitive-data]\n"
        + LEAK.format(comment="  # nova-lsp: ignore[NOVA001,NOVA008]")
    )
    assert unused(text) == [
        (1, "Unused suppression: no finding on this line"),
        (2, "Unused suppression: nothing to silence for NOVA001"),
        (3, "Unused suppression: unknown rule NOVA123; nothing to silence for log-sensitive-data"),
        (6, "Unused suppression: nothing to silence for NOVA008"),
    ]


def test_unused_suppression_span_is_the_directive():
    (finding,) = [f for f in run("a = 1  # nova-lsp: ignore\n", select=WITH_UNUSED, dedent=False).findings]
    assert (finding.span.start_col, finding.span.end_col) == (9, 25)
    # the suppress fix is never offered for NOVA901 itself; its own fix removes the comment
    assert [(f.title, f.kind, f.safe) for f in finding.fixes] == [("Remove the unused suppression", FixKind.FIX, True)]
    assert apply_edits("a = 1  # nova-lsp: ignore\n", finding.fixes[0].edits) == "a = 1\n"


def test_codes_of_rules_not_enabled_here_are_not_stale():
    # the editor and CI may select different rules: a code for a known but inactive rule stays
    assert unused("a = 1  # nova-lsp: ignore[NOVA007]\n", select=["NOVA001", "NOVA901"]) == []


def test_no_unused_reports_in_a_file_that_does_not_parse():
    text = "x = 1  # nova-lsp: ignore[NOVA001]\ndef f(:\n"
    assert unused(text) == []


def test_unused_reporting_is_off_by_default():
    analysis = analyze(Document("a = 1  # nova-lsp: ignore\n"), Config().selection())
    assert analysis.findings == ()


# -- the suppress fix ---------------------------------------------------------------------------


def suppress_fix(analysis, rule):
    (finding,) = [f for f in analysis.findings if f.rule == rule]
    fixes = [f for f in finding.fixes if f.kind == FixKind.SUPPRESS]
    return fixes[0] if fixes else None


def assert_fix_silences(text: str, rule: str):
    analysis = run(text, select=DEFAULT, dedent=False)
    fix = suppress_fix(analysis, rule)
    assert fix is not None
    fixed = apply_edits(text, fix.edits)
    assert rule not in {f.rule for f in run(fixed, select=DEFAULT, dedent=False).findings}
    return fix, fixed


def test_suppress_fix_appends_a_comment():
    fix, fixed = assert_fix_silences(LEAK.format(comment=""), "NOVA001")
    assert fix.title == "Ignore NOVA001 on this line"
    assert fixed.splitlines()[2] == LEAK_LINE + "  # nova-lsp: ignore[NOVA001]"


def test_suppress_fix_merges_into_an_existing_list():
    text = 'URL = "http://glance.internal.cloud/"  # FIXME: later  # nova-lsp: ignore[NOVA007]\n'
    _, fixed = assert_fix_silences(text, "NOVA008")
    assert fixed == 'URL = "http://glance.internal.cloud/"  # FIXME: later  # nova-lsp: ignore[NOVA007,NOVA008]\n'


def test_suppress_fix_is_not_fooled_by_a_marker_inside_a_string():
    text = 'NOTE = "# nova-lsp: ignore"; URL = "http://glance.internal.cloud/"\n'
    _, fixed = assert_fix_silences(text, "NOVA008")
    assert fixed == text.rstrip("\n") + "  # nova-lsp: ignore[NOVA008]\n"


def test_suppress_fix_keeps_crlf():
    _, fixed = assert_fix_silences(LEAK.format(comment="").replace("\n", "\r\n"), "NOVA001")
    assert LEAK_LINE + "  # nova-lsp: ignore[NOVA001]\r\n" in fixed


@pytest.mark.parametrize(
    "text, comment_line",
    [
        ('URL = """\nhttp://glance.internal.cloud/\n"""\n', 3),  # triple-quoted string
        ('URL = "http://glance.internal.cloud/" \\\n    "/v2"\n', 2),  # backslash continuation
        ('URL = f"""{1}\nhttp://glance.internal.cloud/ {2}\n"""\n', 3),
    ],
)
def test_suppress_fix_never_edits_inside_a_string_or_continuation(text, comment_line):
    analysis = run(text, select=DEFAULT, dedent=False)
    fix = suppress_fix(analysis, "NOVA008")
    (edit,) = fix.edits
    assert edit.span.start_line + 1 == comment_line  # where the construct ends, not where it starts
    assert fix.title == f"Ignore NOVA008 (comment on line {comment_line})"
    fixed = apply_edits(text, fix.edits)
    assert "nova-lsp" not in fixed.split("\n")[0]
    assert [f.rule for f in run(fixed, select=DEFAULT, dedent=False).findings] == []


def test_no_suppress_fix_when_the_string_never_ends():
    text = 'x = 1\nURL = """http://glance.internal.cloud/\n'
    assert found(text) == [("NOVA900", 2)]  # the file does not parse; nothing else to fix


@pytest.mark.parametrize(
    "line, comment_col, expected",
    [
        ("x = 1", None, (5, 5, "  # nova-lsp: ignore[NOVA006]")),
        ("x = 1   ", None, (5, 8, "  # nova-lsp: ignore[NOVA006]")),  # trailing blanks replaced
        ("x = 1  # nova-lsp: ignore[NOVA007]", 7, (9, 34, "nova-lsp: ignore[NOVA007,NOVA006]")),
        ("x = 1  # nova-lsp: ignore", 7, (25, 25, "")),  # a bare one already covers it
        ('s = "nova-lsp: ignore"  # note', 24, (30, 30, "  # nova-lsp: ignore[NOVA006]")),
    ],
)
def test_suppress_edit_text(line, comment_col, expected):
    assert suppress_edit_text(line, "NOVA006", comment_col) == expected


def test_a_half_typed_directive_does_not_swallow_one_after_it():
    from nova_lsp.engine.suppressions import find_suppressions

    found = find_suppressions("x = 1  # nova-lsp: ignore[NOVA00  # nova-lsp: ignore[NOVA008]\n")
    assert [s.codes for s in found] == [("NOVA008",)]


# -- malformed directives (NOVA902), noqa, and removing stale ones --------------------------------


def test_a_directive_without_brackets_silences_nothing_and_is_reported_with_its_repair():
    text = LEAK.format(comment="  # nova-lsp: ignore NOVA001")
    analysis = run(text, select=DEFAULT + ["NOVA902"], dedent=False)
    assert sorted(f.rule for f in analysis.findings) == ["NOVA001", "NOVA902"]
    (bad,) = [f for f in analysis.findings if f.rule == "NOVA902"]
    (repair,) = bad.fixes
    assert repair.kind == FixKind.SUPPRESS  # it silences a finding: never applied by --fix
    fixed = apply_edits(text, repair.edits)
    assert fixed.splitlines()[2] == LEAK_LINE + "  # nova-lsp: ignore[NOVA001]"
    assert run(fixed, select=DEFAULT + ["NOVA902"], dedent=False).findings == ()


def test_invalid_suppressions_are_reported_by_default():
    analysis = analyze(Document(LEAK.format(comment="  # nova-lsp: ignore[NOVA001")), Config().selection())
    assert "NOVA902" in {f.rule for f in analysis.findings}


@pytest.mark.parametrize(
    "line, expected",
    [
        ("x = 1  # nova-lsp: ignore[NOVA001]", "x = 1"),
        ("x = 1  # nova-lsp: ignore[NOVA001,NOVA007]", "x = 1  # nova-lsp: ignore[NOVA007]"),
        ("x = 1  # noqa: E501, NOVA001", "x = 1  # noqa: E501"),
        ("x = 1  # noqa: H701 -- debug  # nova-lsp: ignore[NOVA001]", "x = 1  # noqa: H701 -- debug"),
    ],
)
def test_the_unused_suppression_fix_removes_only_what_is_stale(line, expected):
    text = "import logging\nLOG = logging.getLogger(__name__)\n" + line + "\n"
    analysis = run(text, select=["NOVA001", "NOVA901"], dedent=False)  # NOVA007 off: its code stays
    (stale,) = [f for f in analysis.findings if f.rule == "NOVA901"]
    assert apply_edits(text, stale.fixes[0].edits).splitlines()[2] == expected
