"""Fix work is spent only on findings that are shown: a suppressed finding's fix is never
built, and a fix is built from the node its check found (never by searching the tree)."""

from __future__ import annotations

from nova_lsp.checks import redaction
from nova_lsp.config import Config
from nova_lsp.core.document import Document
from nova_lsp.engine.analyze import analyze

CODE = '''\
from oslo_log import log as logging

LOG = logging.getLogger(__name__)


def login(user, password, token, secret):
    LOG.debug("password %s", password)  # nova-lsp: ignore[NOVA001]
    LOG.debug("token %s", token)  # nova-lsp: ignore
    LOG.debug("secret %s", secret)
'''


def test_suppressed_findings_get_no_fix_work(monkeypatch):
    built = []
    real = redaction._fix
    monkeypatch.setattr(redaction, "_fix", lambda ctx, node: built.append(node.as_string()) or real(ctx, node))
    result = analyze(Document(CODE, "nova/auth.py"), Config(select=("NOVA001",)).selection())
    assert [f.span.start_line for f in result.findings] == [8]
    assert built == ["secret"]
    (finding,) = result.findings
    assert [fix.title for fix in finding.fixes] == ["Replace `secret` with '***'", "Ignore NOVA001 on this line"]


def test_a_fix_policy_chooses_the_findings_that_get_fixes():
    text = CODE.replace("  # nova-lsp: ignore[NOVA001]", "").replace("  # nova-lsp: ignore", "")
    selection = Config(select=("NOVA001",)).selection()

    def only_tokens(document, findings):
        return ["token" in f.message for f in findings]

    result = analyze(Document(text, "nova/auth.py"), selection, fixes=only_tokens)
    kinds = {f.span.start_line: [fix.kind.value for fix in f.fixes] for f in result.findings}
    assert kinds == {6: ["suppress"], 7: ["fix", "suppress"], 8: ["suppress"]}
    none = analyze(Document(text, "nova/auth.py"), selection, fixes=False)
    assert all(fix.kind.value == "suppress" for f in none.findings for fix in f.fixes)
