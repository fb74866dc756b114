"""Scheduling and resilience, with the instrumented engine of ``patched_server.py``:
stale results are never published, rapid typing never queues analyses, a failing analysis
is logged and the last good diagnostics stay, and shutdown/exit work while analysing."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from lsp_client import EditorClient

# debounce 0: a change starts an analysis at once, the worst case for queueing
pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.lsp(init={"debounce": 0})]

SWALLOWED = "try:\n    x()\nexcept:\n    pass\n"
CLEAN = "x = 1\n"


async def stats(client: EditorClient) -> dict:
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(command="nova-lsp.test.stats"))


async def analysis_running(client: EditorClient) -> None:
    for _ in range(600):
        if (await stats(client))["active"]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the analysis never started")


def codes(diagnostics) -> list:
    return [d.code for d in diagnostics]


async def test_results_of_an_outdated_version_are_never_published(patched: EditorClient, uri_for):
    uri = uri_for(patched)
    patched.open(uri, SWALLOWED + "# TEST:SLOW=1\n")
    await analysis_running(patched)  # version 1's analysis takes a second
    patched.replace_all(uri, CLEAN)
    assert await patched.current_diagnostics(uri) == []
    assert [p.version for p in patched.publishes(uri)] == ([] if patched.pull else [2])
    patched.close(uri)


async def test_rapid_typing_runs_one_analysis_at_a_time_and_publishes_the_last(patched: EditorClient, uri_for):
    uri = uri_for(patched)
    before = await stats(patched)
    text = SWALLOWED + "# TEST:SLOW=0.3\n"
    patched.open(uri, text)
    for i in range(20):
        text += f"# {i}\n"
        patched.replace_all(uri, text)
    assert codes(await patched.current_diagnostics(uri)) == ["NOVA006"]
    after = await stats(patched)
    assert after["max_concurrent_per_document"] == 1
    # the first analysis, then one more for the latest text: never one per keystroke
    assert after["analyses"] - before["analyses"] <= 3
    if not patched.pull:
        assert [p.version for p in patched.publishes(uri)] == [21]
    patched.close(uri)


async def test_a_failing_analysis_is_logged_and_keeps_the_last_diagnostics(patched: EditorClient, uri_for):
    uri = uri_for(patched)
    patched.open(uri, SWALLOWED)
    good = await patched.current_diagnostics(uri)
    assert codes(good) == ["NOVA006"]
    published = len(patched.publishes(uri))

    patched.replace_all(uri, SWALLOWED + "# TEST:BOOM\n")
    errors = await patched.wait_until(
        lambda: [m for m in patched.log_messages if m.type == types.MessageType.Error and uri in m.message]
    )
    assert "instrumented engine failure" in errors[0].message
    assert len(patched.publishes(uri)) == published  # nothing replaced the good diagnostics
    if patched.pull:
        assert codes((await patched.pull_report(uri)).items) == ["NOVA006"]
    else:
        assert codes(patched.diagnostics[uri]) == ["NOVA006"]

    # the server goes on: the next edit is analysed as usual
    patched.replace_all(uri, CLEAN)
    assert await patched.current_diagnostics(uri) == []
    assert not patched.messages  # logged, never a pop-up
    patched.close(uri)


async def test_a_document_that_never_analysed_gets_one_error_diagnostic(patched: EditorClient, uri_for):
    uri = uri_for(patched)
    patched.open(uri, SWALLOWED + "# TEST:BOOM\n")
    if patched.pull:
        diagnostics = list((await patched.pull_report(uri)).items)
    else:
        diagnostics = list((await patched.wait_until(lambda: patched.publishes(uri)))[-1].diagnostics)
    assert [(d.code, d.severity, d.source) for d in diagnostics] == [
        ("internal-error", types.DiagnosticSeverity.Error, "nova-lsp")
    ]
    assert "instrumented engine failure" in diagnostics[0].message
    patched.close(uri)


async def test_shutdown_and_exit_while_an_analysis_runs(fresh_patched: EditorClient, uri_for):
    uri = uri_for(fresh_patched)
    fresh_patched.open(uri, SWALLOWED + "# TEST:SLOW=60\n")
    await analysis_running(fresh_patched)
    # the analysis would take a minute; shutdown + exit must not wait for it
    await asyncio.wait_for(fresh_patched.shutdown_session(), 10)
    assert fresh_patched._server.returncode == 0


async def test_exit_without_shutdown_exits_with_1(fresh: EditorClient):
    fresh.exit(None)
    await asyncio.wait_for(fresh._server.wait(), 10)
    assert fresh._server.returncode == 1
