"""Hover on a flagged range explains the rule: summary, why, how to fix, CWE links."""

from __future__ import annotations

import pytest
from lsprotocol import types

from lsp_client import EditorClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

SWALLOWED = "import os\n\ntry:\n    x()\nexcept:\n    pass\n"


async def hover_at(client: EditorClient, uri: str, line: int, character: int):
    return await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line, character))
    )


async def test_hover_on_a_finding_explains_the_rule(client: EditorClient, uri_for):
    uri = uri_for(client)
    client.open(uri, SWALLOWED)
    hover = await hover_at(client, uri, 4, 3)
    assert hover is not None
    assert hover.contents.kind == types.MarkupKind.Markdown
    text = hover.contents.value
    assert text.startswith("**NOVA006** `swallowed-exception` (warning)")
    assert "An exception handler makes a failure disappear" in text  # summary
    assert "**Why is this bad?**" in text and "**How to fix**" in text
    assert "[CWE-396](https://cwe.mitre.org/data/definitions/396.html)" in text
    assert "[CWE-390](https://cwe.mitre.org/data/definitions/390.html)" in text
    assert hover.range == types.Range(start=types.Position(4, 0), end=types.Position(4, 6))
    client.close(uri)


async def test_no_hover_away_from_findings(client: EditorClient, uri_for):
    uri = uri_for(client)
    client.open(uri, SWALLOWED)
    assert await hover_at(client, uri, 0, 3) is None
    assert await hover_at(client, uri, 5, 6) is None
    client.close(uri)


async def test_hover_follows_edits(client: EditorClient, uri_for):
    uri = uri_for(client)
    client.open(uri, SWALLOWED)
    assert await hover_at(client, uri, 4, 3) is not None
    client.replace_all(uri, "\n\n" + SWALLOWED)  # the finding moves two lines down
    assert await hover_at(client, uri, 4, 3) is None
    assert await hover_at(client, uri, 6, 3) is not None
    client.close(uri)


async def test_no_hover_for_unopened_documents(client: EditorClient, uri_for):
    assert await hover_at(client, uri_for(client), 0, 0) is None

