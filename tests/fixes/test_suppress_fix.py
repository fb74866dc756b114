"""The suppression fix the engine attaches to every finding: ``# nova-lsp: ignore[ID]`` on the
line the finding is reported on, merged into an existing nova-lsp comment; never applied by
``--fix``."""

from __future__ import annotations

from fixprops import analyse, config, golden
from nova_lsp.core.document import apply_edits
from nova_lsp.core.model import FixKind
from nova_lsp.engine.fix_all import fix_text


def suppress(text: str, rule: str, cfg) -> str:
    (finding,) = [f for f in analyse(text, cfg).findings if f.rule == rule]
    (fix,) = [f for f in finding.fixes if f.kind == FixKind.SUPPRESS]
    assert not fix.preferred
    assert fix.title.startswith(f"Ignore {rule}")
    fixed = apply_edits(text, fix.edits)
    after = analyse(fixed, cfg)
    assert [f.rule for f in after.findings] == [], [(f.rule, f.message) for f in after.findings]
    assert after.suppressed == 1
    return fixed


LEAK = config(["NOVA001", "NOVA901"])
SNIPPET = """\
    import logging

    LOG = logging.getLogger(__name__)


    def f(password):
        LOG.debug("pw %s", password){comment}
    """


def test_a_new_comment_goes_after_the_code():
    text = golden(SNIPPET.format(comment=""))
    assert suppress(text, "NOVA001", LEAK) == golden(SNIPPET.format(comment="  # nova-lsp: ignore[NOVA001]"))


def test_an_existing_nova_lsp_comment_is_merged_into():
    text = golden(SNIPPET.format(comment="  # nova-lsp: ignore[NOVA008]"))
    assert suppress(text, "NOVA001", LEAK) == golden(SNIPPET.format(comment="  # nova-lsp: ignore[NOVA008,NOVA001]"))


def test_another_tools_comment_is_kept_before_ours():
    text = golden(SNIPPET.format(comment="  # noqa: H701 -- debug only"))
    expected = SNIPPET.format(comment="  # noqa: H701 -- debug only  # nova-lsp: ignore[NOVA001]")
    assert suppress(text, "NOVA001", LEAK) == golden(expected)


def test_multiline_statement_gets_the_comment_on_the_reported_line_with_crlf():
    text = golden(
        """
        import logging

        LOG = logging.getLogger(__name__)


        def f(password):
            LOG.debug("pw %s",
                      password)
        """
    ).replace("\n", "\r\n")
    fixed = suppress(text, "NOVA001", config(["NOVA001", "NOVA901"]))
    assert fixed == text.replace("password)\r\n", "password)  # nova-lsp: ignore[NOVA001]\r\n")


def test_fix_all_never_applies_a_suppression():
    text = "def f():\n    # FIXME: handle the error\n    return g()\n"
    result = fix_text(text, "nova/x.py", config(["NOVA007"]).selection())
    assert result.text == text and not result.applied
    assert [f.rule for f in result.analysis.findings] == ["NOVA007"]
