"""Fixtures: a real ``nova-lsp serve`` over stdio, driven with the capabilities of VS Code
and of Neovim (every test using ``client`` runs once per editor).

Per-test setup comes from the ``lsp`` marker::

    @pytest.mark.lsp(init={...},            # initializationOptions
                     configuration={...},   # the client's answer for section "nova-lsp"
                     pyproject="...",       # pyproject.toml written in the workspace root
                     files={"a/b.py": "..."},  # files written in the workspace before start
                     capabilities=fn)       # fn(ClientCapabilities) -> ClientCapabilities
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, client_capabilities

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from lsp_client import CLIENTS, PATCHED_SERVER, SERVER, EditorClient, make_client  # noqa: E402

REPO = HERE.parent.parent
SERVER_ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")])),
}


def pytest_configure(config):
    config.addinivalue_line("markers", "lsp(init, configuration, pyproject, files, capabilities): server setup")


async def _start(client: EditorClient, request, root: Path, editor: str) -> None:
    marker = request.node.get_closest_marker("lsp")
    options = dict(marker.kwargs) if marker else {}
    root.mkdir(parents=True, exist_ok=True)
    if options.get("pyproject") is not None:
        (root / "pyproject.toml").write_text(options["pyproject"], encoding="utf-8")
    for rel, text in (options.get("files") or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    if options.get("configuration") is not None:
        client.set_configuration(options["configuration"], section="nova-lsp")
    caps = client_capabilities(editor)
    if options.get("capabilities") is not None:
        caps = options["capabilities"](caps)
    client.root = root
    client.editor = editor
    client.initialize_result = await asyncio.wait_for(
        client.initialize_session(
            types.InitializeParams(
                capabilities=caps,
                root_uri=root.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
                initialization_options=options.get("init"),
            )
        ),
        60,
    )


async def _stop(client: EditorClient) -> None:
    server = client._server
    if server is not None and server.returncode is None:
        await asyncio.wait_for(client.shutdown_session(), 30)


def _config(command):
    return ClientServerConfig(server_command=command, client_factory=make_client, server_env=SERVER_ENV)


# One server per test module and editor: tests share it and use their own documents.
@pytest_lsp.fixture(config=_config(SERVER), params=CLIENTS, scope="module")
async def client(lsp_client: EditorClient, request, tmp_path_factory):
    await _start(lsp_client, request, tmp_path_factory.mktemp("ws"), request.param)
    yield
    await _stop(lsp_client)


# A server of its own, set up by the test's ``lsp`` marker (settings, capabilities, files).
@pytest_lsp.fixture(config=_config(SERVER), params=CLIENTS, loop_scope="module")
async def fresh(lsp_client: EditorClient, request, tmp_path):
    await _start(lsp_client, request, tmp_path / "ws", request.param)
    yield
    await _stop(lsp_client)


# The server with the instrumented engine of ``patched_server.py``: shared per module, or
# a server of its own set up by the ``lsp`` marker.
@pytest_lsp.fixture(config=_config(PATCHED_SERVER), params=CLIENTS, scope="module")
async def patched(lsp_client: EditorClient, request, tmp_path_factory):
    await _start(lsp_client, request, tmp_path_factory.mktemp("ws"), request.param)
    yield
    await _stop(lsp_client)


@pytest_lsp.fixture(config=_config(PATCHED_SERVER), params=CLIENTS, loop_scope="module")
async def fresh_patched(lsp_client: EditorClient, request, tmp_path):
    await _start(lsp_client, request, tmp_path / "ws", request.param)
    yield
    await _stop(lsp_client)


@pytest.fixture
def uri_for(request):
    """A file URI in the client's workspace, unique to the test."""
    digest = hashlib.blake2b(request.node.nodeid.encode(), digest_size=4).hexdigest()
    test = "".join(ch if ch.isalnum() else "_" for ch in request.node.name)[:60] + "_" + digest

    def make(client: EditorClient, name: str = "module.py") -> str:
        path = client.root / test / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.as_uri()

    return make
