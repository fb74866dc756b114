"""Settings channels: ``initializationOptions`` (in lifecycle), ``workspace/configuration``
(section ``nova-lsp``), ``workspace/didChangeConfiguration`` and
``workspace/didChangeWatchedFiles`` for ``pyproject.toml``; plus the dynamic registrations
that make clients send the last two.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from nova_lsp.server import index
from nova_lsp.server.session import uri_to_path
from nova_lsp.server.settings import SECTION

if TYPE_CHECKING:
    from nova_lsp.server.server import NovaLanguageServer

log = logging.getLogger(__name__)

CONFIGURATION_TIMEOUT_S = 10.0
PYPROJECT_GLOB = "**/pyproject.toml"
PYTHON_GLOB = "**/*.py"


async def fetch_configuration(ls: "NovaLanguageServer") -> None:
    """Ask the client for the ``nova-lsp`` section and make it the editor settings layer."""
    params = types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
    try:
        answer = await asyncio.wait_for(ls.workspace_configuration_async(params), CONFIGURATION_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - a client that cannot answer keeps the old settings
        log.warning("workspace/configuration failed: %s", exc)
        ls.log(f"nova-lsp: could not read the editor settings: {exc}", types.MessageType.Warning)
        return
    raw = answer[0] if answer else None
    ls.settings_problems(ls.session.set_layer("configuration", raw))


async def register_dynamic_capabilities(ls: "NovaLanguageServer") -> None:
    features = ls.session.features
    registrations = []
    if features.watched_files_dynamic:
        registrations.append(
            types.Registration(
                id="nova-lsp-pyproject-watcher",
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(
                    watchers=[
                        types.FileSystemWatcher(glob_pattern=PYPROJECT_GLOB),
                        # Python files changed outside the editor: the workspace index
                        types.FileSystemWatcher(glob_pattern=PYTHON_GLOB),
                    ]
                ),
            )
        )
    if features.configuration_dynamic:
        registrations.append(
            types.Registration(
                id="nova-lsp-configuration",
                method=types.WORKSPACE_DID_CHANGE_CONFIGURATION,
                register_options=types.DidChangeConfigurationRegistrationOptions(section=SECTION),
            )
        )
    if not registrations:
        return
    try:
        await ls.client_register_capability_async(types.RegistrationParams(registrations=registrations))
    except Exception as exc:  # noqa: BLE001 - the server works without them
        log.warning("client/registerCapability failed: %s", exc)


async def did_change_configuration(ls: "NovaLanguageServer", params: types.DidChangeConfigurationParams) -> None:
    if ls.session.features.configuration:
        # the pull model (settings in the params may be null): ask for the section; until the
        # answer arrives nothing is analysed, and pull requests wait for the new settings
        ls.scheduler.pause()
        try:
            await fetch_configuration(ls)
        finally:
            ls.scheduler.resume()
    else:
        ls.settings_problems(ls.session.set_layer("configuration", params.settings))
    ls.configuration_changed()


def did_change_watched_files(ls: "NovaLanguageServer", params: types.DidChangeWatchedFilesParams) -> None:
    if any(change.uri.endswith("pyproject.toml") for change in params.changes):
        ls.configuration_changed(files_changed=True)  # rebuilds the index too
        return
    paths = []
    for change in params.changes:
        path = uri_to_path(change.uri)
        if path and path.endswith(".py") and change.uri not in ls.session.documents:
            paths.append(path)
    if paths and ls.session.settings.index:
        ls.index.spawn(index.reindex_from_disk(ls, paths))


def did_change_workspace_folders(ls: "NovaLanguageServer", params: types.DidChangeWorkspaceFoldersParams) -> None:
    ls.session.workspace_folders = ls.workspace_folder_paths()
    ls.configuration_changed(files_changed=True)  # rebuilds the index for the new folders
