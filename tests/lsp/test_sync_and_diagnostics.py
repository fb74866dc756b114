"""Open -> diagnostics, change -> updated, close -> cleared; versions; pull reports; syntax
errors while typing; documents that are not open or not Python."""

from __future__ import annotations

import pytest
from lsprotocol import types

from lsp_client import EditorClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

SWALLOWED = "try:\n    x()\nexcept:\n    pass\n"
CLEAN = "try:\n    x()\nexcept ValueError:\n    pass\n"


def codes(diagnostics) -> list:
    return [d.code for d in diagnostics]


async def test_open_publishes_findings_with_rule_code(client: EditorClient, uri_for):
    uri = uri_for(client)
    client.open(uri, SWALLOWED)
    diagnostics = await client.current_diagnostics(uri)
    assert codes(diagnostics) == ["NOVA006"]
    diag = diagnostics[0]
    assert diag.source == "nova-lsp"
    assert diag.severity == types.DiagnosticSeverity.Warning
    assert diag.range == types.Range(start=types.Position(2, 0), end=types.Position(2, 6))
    assert diag.code_description.href == "https://cwe.mitre.org/data/definitions/396.html"
    assert diag.message.startswith("bare `except:` discards every error")
    assert diag.tags is None
    client.close(uri)


async def test_change_updates_and_close_clears(client: EditorClient, uri_for):
    uri = uri_for(client)
    client.open(uri, SWALLOWED)
    assert codes(await client.current_diagnostics(uri)) == ["NOVA006"]

    client.replace_all(uri, CLEAN)
    assert await client.current_diagnostics(uri) == []

    client.replace_all(uri, SWALLOWED)
    assert codes(await client.current_diagnostics(uri)) == ["NOVA006"]

    client.close(uri)
    cleared = await client.wait_until(lambda: [p for p in client.publishes(uri) if p.version is None])
    assert cleared[-1].diagnostics == []
    if client.pull:  # a closed document is never read from disk
        assert list((await client.pull_report(uri)).items) == []


async def test_incremental_change_moves_the_finding(client: EditorClient, uri_for):
    uri = uri_for(client)
    client.open(uri, SWALLOWED)
    assert (await client.current_diagnostics(uri))[0].range.start.line == 2

    # insert two lines at the top, then rename the caught exception in place
    client.edit(uri, types.Range(start=types.Position(0, 0), end=types.Position(0, 0)), "import os\n\n")
    diagnostics = await client.current_diagnostics(uri)
    assert [(d.code, d.range.start.line) for d in diagnostics] == [("NOVA006", 4)]

    client.edit(uri, types.Range(start=types.Position(4, 6), end=types.Position(4, 6)), " KeyError")
    assert await client.current_diagnostics(uri) == []
    client.close(uri)


async def test_push_diagnostics_carry_the_document_version(client: EditorClient, uri_for):
    if client.pull:
        pytest.skip("a pull client gets no pushes for open documents")
    uri = uri_for(client)
    client.open(uri, SWALLOWED, version=7)
    await client.current_diagnostics(uri)
    client.replace_all(uri, CLEAN)
    await client.current_diagnostics(uri)
    versions = [p.version for p in client.publishes(uri)]
    assert versions == [7, 8]
    client.close(uri)


async def test_pull_client_gets_no_pushes_for_open_documents(client: EditorClient, uri_for):
    if not client.pull:
        pytest.skip("push client")
    uri = uri_for(client)
    client.open(uri, SWALLOWED)
    assert codes(await client.current_diagnostics(uri)) == ["NOVA006"]
    assert client.publishes(uri) == []
    client.close(uri)


async def test_pull_answers_unchanged_for_the_same_result(client: EditorClient, uri_for):
    if not client.pull:
        pytest.skip("push client")
    uri = uri_for(client)
    client.open(uri, SWALLOWED)
    first = await client.pull_report(uri)
    assert first.kind == "full" and first.result_id
    again = await client.pull_report(uri, previous_result_id=first.result_id)
    assert again.kind == "unchanged" and again.result_id == first.result_id

    # a change that leaves the diagnostics identical still answers "unchanged"
    client.edit(uri, types.Range(start=types.Position(3, 8), end=types.Position(3, 8)), "  # noted")
    same = await client.pull_report(uri, previous_result_id=first.result_id)
    assert same.kind == "unchanged"

    client.replace_all(uri, CLEAN)
    changed = await client.pull_report(uri, previous_result_id=first.result_id)
    assert changed.kind == "full" and list(changed.items) == [] and changed.result_id != first.result_id
    client.close(uri)


async def test_pull_for_a_document_never_opened_is_empty(client: EditorClient, uri_for):
    uri = uri_for(client)
    path = client.root / uri.rsplit("/", 2)[-2] / "module.py"
    path.write_text(SWALLOWED)  # findings on disk must not be reported for an unopened file
    report = await client.pull_report(uri)
    assert report.kind == "full" and list(report.items) == []


async def test_syntax_error_while_typing_gives_a_diagnostic(client: EditorClient, uri_for):
    uri = uri_for(client)
    client.open(uri, CLEAN)
    assert await client.current_diagnostics(uri) == []

    client.replace_all(uri, "try:\n    x(\nexcept Exception:\n    pass\n")
    diagnostics = await client.current_diagnostics(uri)
    assert codes(diagnostics) == ["NOVA900"]
    assert diagnostics[0].severity == types.DiagnosticSeverity.Error
    assert diagnostics[0].message.startswith("Syntax error")

    client.replace_all(uri, SWALLOWED)
    assert codes(await client.current_diagnostics(uri)) == ["NOVA006"]
    client.close(uri)


async def test_change_for_a_closed_document_is_ignored(client: EditorClient, uri_for):
    uri = uri_for(client)
    client.versions[uri] = 1
    client.replace_all(uri, SWALLOWED)  # never opened: the server must not fail or analyse it
    other = uri_for(client, "other.py")
    client.open(other, SWALLOWED)
    assert codes(await client.current_diagnostics(other)) == ["NOVA006"]
    assert client.publishes(uri) == []
    assert not [m for m in client.messages if "rror" in m.message]
    client.close(other)


async def test_non_python_documents_are_not_analysed(client: EditorClient, uri_for):
    uri = uri_for(client, "notes.txt")
    client.open(uri, SWALLOWED, language_id="plaintext")
    assert await client.current_diagnostics(uri) == []
    client.close(uri)


async def test_many_documents_each_get_their_own_results(client: EditorClient, uri_for):
    uris = [uri_for(client, f"m{i}.py") for i in range(5)]
    for i, uri in enumerate(uris):
        client.open(uri, SWALLOWED if i % 2 == 0 else CLEAN)
    for i, uri in enumerate(uris):
        assert codes(await client.current_diagnostics(uri)) == (["NOVA006"] if i % 2 == 0 else [])
    for uri in uris:
        client.close(uri)


async def test_save_answers_with_diagnostics_even_when_nothing_changed(client: EditorClient, uri_for):
    uri = uri_for(client)
    client.open(uri, SWALLOWED)
    assert codes(await client.current_diagnostics(uri)) == ["NOVA006"]
    if client.pull:
        client.save(uri)
        assert codes(await client.current_diagnostics(uri)) == ["NOVA006"]
    else:
        client.save(uri)  # already analysed: the current diagnostics are published again
        again = await client.wait_until(lambda: [p for p in client.publishes(uri) if p.version == 1][1:])
        assert codes(again[0].diagnostics) == ["NOVA006"]
    client.close(uri)
