"""Settings through every channel, pyproject.toml, and what invalid settings do.

Channels: ``initializationOptions``, ``workspace/configuration`` (section ``nova-lsp``),
``workspace/didChangeConfiguration`` (pull and push models), ``pyproject.toml`` changes via
``workspace/didChangeWatchedFiles`` and via ``didSave``.  Editor settings win over
``[tool.nova-lsp]``.
"""

from __future__ import annotations

import asyncio

import attrs
import pytest
from lsprotocol import types

from lsp_client import EditorClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

SWALLOWED = "try:\n    x()\nexcept:\n    pass\n"
WITH_FIXME = SWALLOWED + "# FIXME: narrow this\n"
# a silently failed delete (NOVA006 while `Exception` is a broad exception), suppressed
SILENT_DELETE = (
    "def drop(client, volume):\n"
    "    try:\n"
    "        client.delete_volume(volume)  # nova-lsp: ignore[NOVA006]\n"
    "    except Exception:\n"
    "        pass\n"
)


def codes(diagnostics) -> list:
    return sorted(d.code for d in diagnostics)


def warnings_shown(client: EditorClient) -> list[str]:
    return [m.message for m in client.messages]


@pytest.mark.lsp(
    init={
        "extendSelect": ["NOVA901"],
        "rules": {"swallowed-exception": {"broadExceptions": ["BaseException"]}},
        "severity": {"NOVA901": "information"},
        "docsUrl": "https://nova-lsp.example/rules/{id}.html",
    }
)
async def test_initialization_options(fresh: EditorClient, uri_for):
    uri = uri_for(fresh)
    fresh.open(uri, SILENT_DELETE)
    diagnostics = await fresh.current_diagnostics(uri)
    # `Exception` is no longer broad (rule option, camelCase in the editor), so the silently
    # failed delete is not reported and its suppression is unused: NOVA901, off by default,
    # is selected and its severity overridden
    assert codes(diagnostics) == ["NOVA901"]
    assert list(diagnostics[0].tags) == [types.DiagnosticTag.Unnecessary]
    assert diagnostics[0].severity == types.DiagnosticSeverity.Information
    assert diagnostics[0].code_description.href == "https://nova-lsp.example/rules/NOVA901.html"
    hover = await fresh.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=diagnostics[0].range.start)
    )
    assert "[Rule documentation](https://nova-lsp.example/rules/NOVA901.html)" in hover.contents.value
    assert warnings_shown(fresh) == []


@pytest.mark.lsp(
    pyproject='[tool.nova-lsp]\nignore = ["NOVA007"]\nseverity = { NOVA006 = "hint" }\n',
    configuration={
        "severity": {"swallowed-exception": "error"},
        # keys the editor keeps for itself in the same section are ignored quietly
        "trace": {"server": "verbose"},
        "interpreter": [],
    },
)
async def test_workspace_configuration_wins_over_pyproject(fresh: EditorClient, uri_for):
    uri = uri_for(fresh)
    fresh.open(uri, WITH_FIXME)
    diagnostics = await fresh.current_diagnostics(uri)
    assert codes(diagnostics) == ["NOVA006"]  # NOVA007 ignored by pyproject.toml
    assert diagnostics[0].severity == types.DiagnosticSeverity.Error  # editor beats pyproject
    assert warnings_shown(fresh) == []


@pytest.mark.lsp(configuration={"extendExclude": ["generated"]})
async def test_did_change_configuration_reanalyses_open_documents(fresh: EditorClient, uri_for):
    excluded = uri_for(fresh, "generated/api.py")
    uri = uri_for(fresh, "api.py")
    fresh.open(excluded, SWALLOWED)
    fresh.open(uri, WITH_FIXME)
    assert await fresh.current_diagnostics(excluded) == []
    assert codes(await fresh.current_diagnostics(uri)) == ["NOVA006", "NOVA007"]

    before = len(fresh.publishes(uri))
    fresh.set_configuration({"extendExclude": ["generated"], "ignore": ["NOVA007"]}, section="nova-lsp")
    fresh.did_change_configuration(None)  # pull model: the server asks for the section
    assert codes(await fresh.diagnostics_after(uri, before)) == ["NOVA006"]

    before = len(fresh.publishes(uri))
    fresh.set_configuration({"enable": False}, section="nova-lsp")
    fresh.did_change_configuration(None)
    assert await fresh.diagnostics_after(uri, before) == []


def _no_configuration_request(caps: types.ClientCapabilities) -> types.ClientCapabilities:
    return attrs.evolve(caps, workspace=attrs.evolve(caps.workspace, configuration=False))


@pytest.mark.lsp(capabilities=_no_configuration_request)
async def test_did_change_configuration_push_model(fresh: EditorClient, uri_for):
    uri = uri_for(fresh)
    fresh.open(uri, WITH_FIXME)
    assert codes(await fresh.current_diagnostics(uri)) == ["NOVA006", "NOVA007"]
    before = len(fresh.publishes(uri))
    fresh.did_change_configuration({"nova-lsp": {"select": ["NOVA007"]}})
    assert codes(await fresh.diagnostics_after(uri, before)) == ["NOVA007"]


@pytest.mark.lsp(pyproject="[project]\nname = 'demo'\n")
async def test_pyproject_changes_are_picked_up(fresh: EditorClient, uri_for):
    uri = uri_for(fresh)
    pyproject = fresh.root / "pyproject.toml"
    fresh.open(uri, WITH_FIXME)
    assert codes(await fresh.current_diagnostics(uri)) == ["NOVA006", "NOVA007"]

    # a watched-file notification: VS Code gets the watcher registered dynamically; Neovim
    # 0.11 declares no dynamic registration, so it is not asked (it sends didSave)
    if fresh.editor == "visual-studio-code":
        await fresh.wait_until(lambda: len(fresh.registrations) >= 2)
    methods = {r.method for r in fresh.registrations}
    if fresh.editor == "visual-studio-code":
        assert {types.WORKSPACE_DID_CHANGE_WATCHED_FILES, types.WORKSPACE_DID_CHANGE_CONFIGURATION} <= methods
        watchers = [r for r in fresh.registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
        assert watchers[0].register_options["watchers"][0]["globPattern"] == "**/pyproject.toml"
    else:
        assert methods == set()
    pyproject.write_text("[tool.nova-lsp]\nignore = ['NOVA006']\n")
    before = len(fresh.publishes(uri))
    fresh.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    assert codes(await fresh.diagnostics_after(uri, before)) == ["NOVA007"]

    # saving pyproject.toml in the editor
    pyproject.write_text("[tool.nova-lsp]\nignore = ['NOVA007']\n")
    before = len(fresh.publishes(uri))
    fresh.save(pyproject.as_uri())
    assert codes(await fresh.diagnostics_after(uri, before)) == ["NOVA006"]


@pytest.mark.lsp(
    init={"debounce": "soon", "select": ["NOVA999"], "severity": {"NOVA006": "loud"}, "run": "never"},
    pyproject='[tool.nova-lsp]\nselect = ["NOVA998"]\n',
)
async def test_invalid_settings_and_pyproject_show_one_message_each_and_use_the_defaults(fresh: EditorClient, uri_for):
    uri = uri_for(fresh)
    fresh.open(uri, WITH_FIXME)
    diagnostics = await fresh.current_diagnostics(uri)
    assert codes(diagnostics) == ["NOVA006", "NOVA007"]  # the default selection
    assert diagnostics[0].severity == types.DiagnosticSeverity.Warning
    # more analyses, another document: still one message per problem
    fresh.replace_all(uri, SWALLOWED + "\n")
    await fresh.current_diagnostics(uri)
    other = uri_for(fresh, "other.py")
    fresh.open(other, SWALLOWED)
    await fresh.current_diagnostics(other)

    messages = warnings_shown(fresh)
    assert len(messages) == 2, messages
    [settings_message] = [m for m in messages if m.startswith("nova-lsp: invalid settings")]
    for part in ("debounce", "NOVA999", "loud", "run"):
        assert part in settings_message
    [pyproject_message] = [m for m in messages if "pyproject.toml" in m]
    assert "NOVA998" in pyproject_message and "default" in pyproject_message
    assert all(m.type == types.MessageType.Warning for m in fresh.messages)


@pytest.mark.lsp(init={"run": "onSave", "debounce": 10_000})
async def test_save_analyses_at_once_and_run_on_save_skips_typing(fresh: EditorClient, uri_for):
    uri = uri_for(fresh)
    fresh.open(uri, SWALLOWED)
    fresh.save(uri)
    # guard well below the 10 s debounce of the open: only the save can have triggered this
    assert codes(await asyncio.wait_for(fresh.current_diagnostics(uri), 8)) == ["NOVA006"]

    fresh.replace_all(uri, "x = 1\n")
    # not analysed while typing: hover still sees the finding of the saved text
    hover = await fresh.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(2, 0))
    )
    assert hover is not None and "NOVA006" in hover.contents.value
    fresh.save(uri)
    assert await asyncio.wait_for(fresh.current_diagnostics(uri), 8) == []
