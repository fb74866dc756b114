"""Position encodings and line endings: every range is in the negotiated encoding.

VS Code (1.65) offers no ``general.positionEncodings``, so utf-16 applies; Neovim 0.11 offers
utf-8 first.  The finding below (a FIXME comment, NOVA007) starts after two emoji, each one
code point, two UTF-16 units and four UTF-8 bytes.
"""

from __future__ import annotations

import attrs
import pytest
from lsprotocol import types

from lsp_client import EditorClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

EMOJI_LINE = 's = "😀"; t = "😀"  # FIXME: drop this'
CODE_POINTS = EMOJI_LINE.index("FIXME")  # 20: the finding starts at the tag
UNITS = {
    "utf-32": CODE_POINTS,
    "utf-16": CODE_POINTS + 2,  # each emoji is a surrogate pair
    "utf-8": len(EMOJI_LINE[:CODE_POINTS].encode("utf-8")),  # 26
}
END_UNITS = {
    "utf-32": len(EMOJI_LINE),
    "utf-16": len(EMOJI_LINE) + 2,
    "utf-8": len(EMOJI_LINE.encode("utf-8")),
}


def negotiated(client: EditorClient) -> str:
    return client.initialize_result.capabilities.position_encoding


async def test_the_encoding_is_negotiated(client: EditorClient):
    expected = {"visual-studio-code": "utf-16", "neovim": "utf-8"}[client.editor]
    assert negotiated(client) == expected


async def test_columns_after_emoji_use_the_negotiated_units(client: EditorClient, uri_for):
    uri = uri_for(client)
    client.open(uri, "import os\n" + EMOJI_LINE + "\n")
    diagnostics = await client.current_diagnostics(uri)
    encoding = negotiated(client)
    assert [(d.code, d.range.start.line, d.range.start.character, d.range.end.character) for d in diagnostics] == [
        ("NOVA007", 1, UNITS[encoding], END_UNITS[encoding])
    ]
    client.close(uri)


async def test_incremental_edit_after_emoji_is_applied_in_client_units(client: EditorClient, uri_for):
    uri = uri_for(client)
    client.open(uri, EMOJI_LINE + "\n")
    encoding = negotiated(client)
    before = await client.current_diagnostics(uri)
    assert before[0].range.start.character == UNITS[encoding]
    # insert 'u = 1; ' right before the comment, addressing the position in client units
    at = types.Position(0, UNITS[encoding] - 1)
    client.edit(uri, types.Range(start=at, end=at), " u = 1;")
    after = await client.current_diagnostics(uri)
    assert [(d.code, d.range.start.character) for d in after] == [("NOVA007", UNITS[encoding] + len(" u = 1;"))]
    client.close(uri)


async def test_crlf_line_endings(client: EditorClient, uri_for):
    uri = uri_for(client)
    text = "import os\r\n\r\ntry:\r\n    x()\r\nexcept:\r\n    pass\r\n"
    client.open(uri, text)
    diagnostics = await client.current_diagnostics(uri)
    assert [(d.code, d.range) for d in diagnostics] == [
        ("NOVA006", types.Range(start=types.Position(4, 0), end=types.Position(4, 6)))
    ]
    # replace the blank line (its CRLF included) by two lines: the finding moves down one line
    client.edit(
        uri,
        types.Range(start=types.Position(1, 0), end=types.Position(2, 0)),
        "# one\r\n# two\r\n",
    )
    diagnostics = await client.current_diagnostics(uri)
    assert [(d.code, d.range.start.line, d.range.end.character) for d in diagnostics] == [("NOVA006", 5, 6)]
    client.close(uri)


async def test_suppression_edit_after_emoji_lands_at_the_line_end(client: EditorClient, uri_for):
    uri = uri_for(client)
    client.open(uri, EMOJI_LINE + "\n")
    diagnostics = await client.current_diagnostics(uri)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostics[0].range,
            context=types.CodeActionContext(diagnostics=diagnostics),
        )
    )
    [suppress] = [a for a in actions if a.title.startswith("Ignore")]
    edit = _edits(suppress.edit, uri)[0]
    encoding = negotiated(client)
    assert edit.range.start == types.Position(0, END_UNITS[encoding])
    client.close(uri)


def _edits(workspace_edit: types.WorkspaceEdit, uri: str) -> list[types.TextEdit]:
    if workspace_edit.document_changes:
        return [e for change in workspace_edit.document_changes if change.text_document.uri == uri for e in change.edits]
    return list(workspace_edit.changes[uri])


def _utf32_only(caps: types.ClientCapabilities) -> types.ClientCapabilities:
    return attrs.evolve(caps, general=types.GeneralClientCapabilities(position_encodings=["utf-32"]))


@pytest.mark.lsp(capabilities=_utf32_only)
async def test_utf32_when_the_client_asks_for_it(fresh: EditorClient, uri_for):
    assert negotiated(fresh) == "utf-32"
    uri = uri_for(fresh)
    fresh.open(uri, EMOJI_LINE + "\n")
    [diag] = await fresh.current_diagnostics(uri)
    assert (diag.range.start.character, diag.range.end.character) == (UNITS["utf-32"], END_UNITS["utf-32"])
