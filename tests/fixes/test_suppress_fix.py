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


SWALLOW = config(["NOVA006", "NOVA901"])


def test_a_new_comment_goes_after_the_code():
    text = golden(
        """
        def f():
            try:
                g()
            except Exception:
                pass
        """
    )
    assert suppress(text, "NOVA006", SWALLOW) == text.replace(
        "except Exception:", "except Exception:  # nova-lsp: ignore[NOVA006]"
    )


def test_an_existing_nova_lsp_comment_is_merged_into():
    text = golden(
        """
        def f():
            try:
                g()
            except Exception:  # nova-lsp: ignore[NOVA008]
                pass
        """
    )
    assert suppress(text, "NOVA006", SWALLOW) == text.replace(
        "# nova-lsp: ignore[NOVA008]", "# nova-lsp: ignore[NOVA008,NOVA006]"
    )


def test_another_tools_comment_is_kept_before_ours():
    text = golden(
        """
        def f():
            try:
                g()
            except Exception:  # noqa: BLE001 -- best effort
                pass
        """
    )
    assert suppress(text, "NOVA006", SWALLOW) == text.replace(
        "# noqa: BLE001 -- best effort", "# noqa: BLE001 -- best effort  # nova-lsp: ignore[NOVA006]"
    )


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
    text = golden(
        """
        def f():
            try:
                g()
            except Exception:
                pass
        """
    )
    result = fix_text(text, "nova/x.py", SWALLOW.selection())
    assert result.text == text and not result.applied
    assert [f.rule for f in result.analysis.findings] == ["NOVA006"]
