"""``initialize``, ``initialized``, ``shutdown``, ``exit``.

``initialize`` resolves the client's capabilities once (``ClientFeatures``), records the
negotiated position encoding, the workspace folders and the ``initializationOptions`` settings
layer.  ``initialized`` fetches the ``nova-lsp`` configuration section (analysis waits for it,
so the first diagnostics already use the editor's settings) and registers the file watcher.
``shutdown`` stops scheduling and abandons running analyses; ``exit`` records the exit code
(0 after a shutdown, 1 otherwise).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from nova_lsp.server import configuration, index
from nova_lsp.server.capabilities import ClientFeatures, encoding_name

if TYPE_CHECKING:
    from nova_lsp.server.server import NovaLanguageServer

log = logging.getLogger(__name__)


def initialize(ls: "NovaLanguageServer", params: types.InitializeParams) -> None:
    session = ls.session
    session.features = ClientFeatures.from_capabilities(params.capabilities)
    session.encoding = encoding_name(ls.workspace.position_encoding)
    session.workspace_folders = ls.workspace_folder_paths()
    ls.settings_problems(session.set_layer("initializationOptions", params.initialization_options))
    # with workspace/configuration, analysis waits for the editor's answer (``initialized``)
    if session.features.configuration:
        ls.scheduler.pause()
    log.info(
        "initialized for %s: encoding %s, %s diagnostics",
        params.client_info.name if params.client_info else "an unnamed client",
        session.encoding,
        "pull" if session.features.pull_diagnostics else "push",
    )


async def initialized(ls: "NovaLanguageServer", params: types.InitializedParams) -> None:
    if ls.session.features.configuration:
        try:
            await configuration.fetch_configuration(ls)
        finally:
            ls.scheduler.resume()
    await configuration.register_dynamic_capabilities(ls)
    index.start(ls)


def shutdown(ls: "NovaLanguageServer", params: None) -> None:
    ls.shutdown_requested = True
    ls.scheduler.close()
    ls.index.close()


def exit(ls: "NovaLanguageServer", params: None) -> None:  # noqa: A001 - the LSP method's name
    ls.exit_code = 0 if ls.shutdown_requested else 1
    ls.scheduler.close()
    ls.index.close()
