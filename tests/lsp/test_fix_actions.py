"""The real fixes through the real server, in VS Code's and Neovim's shoes: each quick fix
("Redact log argument", "Redact exception argument", "Wrap in backoff", "Validate allocation
dict") and ``source.fixAll.nova-lsp`` are applied the way the editor applies them (ranges in
the negotiated position encoding) and must give exactly the text the CLI's ``--fix`` gives."""

from __future__ import annotations

import ast
import textwrap

import pytest
from lsprotocol import types

from edits import apply, edits_for
from lsp_client import EditorClient
from nova_lsp.engine.fix_all import fix_text

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.lsp(init={"debounce": 0})]

FIX_ALL = types.CodeActionKind.SourceFixAll + ".nova-lsp"


def source(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


REDACT = source(
    '''
    """Volume helpers."""

    from oslo_log import log as logging

    LOG = logging.getLogger(__name__)


    def attach(connection_info, new_pass):
        LOG.debug("😀 attaching %s", connection_info)
        LOG.debug("pw %s", new_pass)
    '''
)
REDACT_FIRST = REDACT.replace(
    '"😀 attaching %s", connection_info)', '"😀 attaching %s", strutils.mask_dict_password(connection_info))'
).replace("from oslo_log import log as logging\n", "from oslo_log import log as logging\nfrom oslo_utils import strutils\n")

EXCEPTION = source(
    """
    def check(new_pass):
        raise ValueError("weak password %s" % new_pass)
    """
)
RETRY = source(
    """
    import requests


    class Manager(object):

        def get_state(self, host):
            while True:
                try:
                    return self.session.get(host)
                except requests.ConnectionError:
                    pass
    """
)
# the safe fix: a wait in place of the ``pass``, no bound (the loop keeps retrying)
RETRY_FIXED = source(
    """
    import random
    import time

    import requests


    class Manager(object):

        def get_state(self, host):
            attempt = 0
            while True:
                try:
                    return self.session.get(host)
                except requests.ConnectionError:
                    attempt += 1
                    delay = min(30.0, 0.5 * 2 ** min(attempt, 7))
                    time.sleep(random.uniform(0, delay))
    """
)
DECORATOR = source(
    """
    import tenacity


    @tenacity.retry(retry=tenacity.retry_if_exception_type(ConnectionError))
    def fetch(client):
        return client.get()
    """
)
ALLOCATION = source(
    """
    def _validate_allocations(allocations):
        pass


    class Claimer(object):

        def claim(self, req, instance, alloc_req):
            return self.reportclient.claim_resources(req.context, instance.uuid, alloc_req)
    """
)


def encoding(client: EditorClient) -> str:
    return client.initialize_result.capabilities.position_encoding


async def quick_fixes(client: EditorClient, uri: str, diag: types.Diagnostic) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diag.range,
            context=types.CodeActionContext(diagnostics=[diag], only=[types.CodeActionKind.QuickFix]),
        )
    )
    return list(result or [])


def cli_fix(text: str) -> str:
    """What ``nova-lsp check --fix`` makes of ``text`` (default configuration)."""
    return fix_text(text, "module.py").text


UNSAFE = " (unsafe: may change behaviour)"


@pytest.mark.parametrize(
    ("text", "rule", "title", "expected", "safe"),
    [
        (REDACT, "NOVA001", "Redact `connection_info` with strutils.mask_dict_password()", REDACT_FIRST, True),
        # an exception's message is the program's output: redacting it is unsafe
        (EXCEPTION, "NOVA002", "Replace `new_pass` with '***'" + UNSAFE, EXCEPTION.replace("% new_pass", '% "***"'), False),
        (RETRY, "NOVA003", "Wrap in backoff", RETRY_FIXED, True),
        (
            DECORATOR,
            "NOVA003",
            "Wrap in backoff",
            # the wait under the parenthesis would be 80 columns: the call is wrapped instead
            DECORATOR.replace(
                "@tenacity.retry(retry=tenacity.retry_if_exception_type(ConnectionError))",
                "@tenacity.retry(\n    retry=tenacity.retry_if_exception_type(ConnectionError),\n"
                "    wait=tenacity.wait_random_exponential(multiplier=0.5, max=30.0))",
            ),
            True,
        ),
        (
            ALLOCATION,
            "NOVA004",
            "Validate allocation dict" + UNSAFE,  # it raises where the write went ahead
            ALLOCATION.replace("        return self", "        _validate_allocations(alloc_req)\n        return self"),
            False,
        ),
    ],
    ids=["redact-log", "redact-exception", "backoff-loop", "backoff-decorator", "validate-allocation"],
)
async def test_preferred_quick_fix_gives_the_cli_text_and_clears_the_diagnostic(
    client: EditorClient, uri_for, text, rule, title, expected, safe
):
    uri = uri_for(client)
    client.open(uri, text)
    diagnostics = [d for d in await client.current_diagnostics(uri) if d.code == rule]
    assert diagnostics, f"no {rule} diagnostic"
    actions = await quick_fixes(client, uri, diagnostics[0])
    preferred = [a for a in actions if a.title == title]
    assert preferred, [a.title for a in actions]
    action = preferred[0]
    if client.editor == "visual-studio-code":  # Neovim does not announce isPreferredSupport
        assert bool(action.is_preferred) == safe  # an unsafe fix is never the preferred one
    assert actions[-1].title == f"Ignore {rule} on this line"
    fixed = apply(text, edits_for(action.edit, uri), encoding(client))
    assert fixed == expected
    if not safe:
        assert cli_fix(text) == text  # --fix leaves an unsafe fix alone
    ast.parse(fixed)
    before = len(diagnostics)
    client.replace_all(uri, fixed)
    after = [d for d in await client.current_diagnostics(uri) if d.code == rule]
    assert len(after) < before
    client.close(uri)


async def test_quick_fix_in_a_crlf_document(client: EditorClient, uri_for):
    uri = uri_for(client)
    text = RETRY.replace("\n", "\r\n")
    client.open(uri, text)
    [diag] = [d for d in await client.current_diagnostics(uri) if d.code == "NOVA003"]
    [action] = [a for a in await quick_fixes(client, uri, diag) if a.title == "Wrap in backoff"]
    assert apply(text, edits_for(action.edit, uri), encoding(client)) == RETRY_FIXED.replace("\n", "\r\n")
    client.close(uri)


async def test_fix_all_applies_every_fix_once_like_the_cli(client: EditorClient, uri_for):
    text = REDACT + "\n\n" + source(
        """
        def refresh(block_device_info, headers):
            LOG.debug("bdi %s", block_device_info)
            LOG.debug("headers %s", headers)
        """
    )
    uri = uri_for(client)
    client.open(uri, text)
    diagnostics = await client.current_diagnostics(uri)
    assert sum(1 for d in diagnostics if d.code == "NOVA001") == 4
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[], only=[FIX_ALL]),
        )
    )
    [action] = list(result or [])
    if action.edit is None:
        action = await client.code_action_resolve_async(action)
    fixed = apply(text, edits_for(action.edit, uri), encoding(client))
    assert fixed == cli_fix(text)
    assert fixed.count("from oslo_utils import strutils\n") == 1
    assert "nova-lsp: ignore" not in fixed
    client.replace_all(uri, fixed)
    assert [d.code for d in await client.current_diagnostics(uri) if d.code == "NOVA001"] == []
    client.close(uri)
