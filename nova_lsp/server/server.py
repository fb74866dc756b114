"""The pygls ``LanguageServer`` of nova-lsp and its dispatch table.

Find a feature by its protocol name in ``FEATURES`` below; each handler lives in the module
named after its method group (``text_sync``, ``diagnostics``, ``code_actions``, ``hover``,
``configuration``, ``workspace_check``, ``lifecycle``).  Handlers that change session state
run on the event loop; analysis runs on ``DaemonExecutor`` threads from immutable snapshots
(``scheduling``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import to_fs_path

from nova_lsp import __version__
from nova_lsp.server import (
    code_actions,
    configuration,
    diagnostics,
    hover,
    lifecycle,
    text_sync,
    workspace_check,
)
from nova_lsp.server.scheduling import DaemonExecutor, Scheduler
from nova_lsp.server.session import Session

log = logging.getLogger(__name__)

NAME = "nova-lsp"
ANALYSIS_THREADS = 2


class NovaProtocol(LanguageServerProtocol):
    """pygls' protocol, minus its own store of document texts.

    The session keeps the texts (see ``session.py``); pygls' built-in handlers would keep a
    second copy and raise on a ``didChange`` for a document that is not open.
    """

    def _user(self, method: str, params: Any):
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        yield from self._user(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        yield from self._user(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        yield from self._user(types.TEXT_DOCUMENT_DID_CLOSE, params)


class NovaLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            name=NAME,
            version=__version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=NovaProtocol,
        )
        self.session = Session(report_problem=self.show_problem)
        self.executor = DaemonExecutor(ANALYSIS_THREADS)
        self.publisher = diagnostics.Publisher(self)
        self.scheduler = Scheduler(self.session, self.executor, self.publisher)
        self.shutdown_requested = False
        self.exit_code = 1  # until a shutdown request and exit notification arrive
        self._shown: set[str] = set()

    # -- messages to the user ------------------------------------------------------------------

    def log(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def show_problem(self, message: str) -> None:
        """One ``window/showMessage`` per distinct problem (until the configuration changes)."""
        if message in self._shown:
            return
        self._shown.add(message)
        log.warning("%s", message)
        self.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=f"nova-lsp: {message}"))

    def settings_problems(self, problems: list[str]) -> None:
        if problems:
            self.show_problem("invalid settings (the defaults apply instead): " + "; ".join(problems))

    def report_server_error(self, error: Exception, source) -> None:
        """An unexpected error in a handler: log it; never pop up a dialog per keystroke."""
        log.error("internal error: %s", error)
        try:
            self.log(f"nova-lsp internal error: {error}", types.MessageType.Error)
        except Exception:  # noqa: BLE001 - the connection itself may be gone
            pass

    # -- state changes -------------------------------------------------------------------------

    def workspace_folder_paths(self) -> list[str]:
        paths = []
        for folder in self.workspace.folders.values():
            path = to_fs_path(folder.uri) if folder.uri.startswith("file:") else None
            if path:
                paths.append(path)
        if not paths and self.workspace.root_path:
            paths.append(self.workspace.root_path)
        return [str(Path(p)) for p in paths]

    def configuration_changed(self, files_changed: bool = False) -> None:
        """Settings or a pyproject.toml changed: re-resolve and re-analyse open documents."""
        if files_changed:
            self.session.invalidate_config()
        self._shown.clear()
        self.scheduler.schedule_all(0)
        self.publisher.refresh()


FEATURES: list[tuple[str, Any, Callable]] = [
    (types.INITIALIZE, None, lifecycle.initialize),
    (types.INITIALIZED, None, lifecycle.initialized),
    (types.SHUTDOWN, None, lifecycle.shutdown),
    (types.EXIT, None, lifecycle.exit),
    (types.TEXT_DOCUMENT_DID_OPEN, None, text_sync.did_open),
    (types.TEXT_DOCUMENT_DID_CHANGE, None, text_sync.did_change),
    (types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False), text_sync.did_save),
    (types.TEXT_DOCUMENT_DID_CLOSE, None, text_sync.did_close),
    (types.TEXT_DOCUMENT_DIAGNOSTIC, diagnostics.DIAGNOSTIC_OPTIONS, diagnostics.document_diagnostic),
    (types.TEXT_DOCUMENT_CODE_ACTION, code_actions.OPTIONS, code_actions.code_action),
    (types.CODE_ACTION_RESOLVE, None, code_actions.resolve_code_action),
    (types.TEXT_DOCUMENT_HOVER, None, hover.hover),
    (types.WORKSPACE_DID_CHANGE_CONFIGURATION, None, configuration.did_change_configuration),
    (types.WORKSPACE_DID_CHANGE_WATCHED_FILES, None, configuration.did_change_watched_files),
    (types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS, None, configuration.did_change_workspace_folders),
]

COMMANDS: list[tuple[str, Callable]] = [
    (workspace_check.COMMAND, workspace_check.check_workspace),
]


def create_server() -> NovaLanguageServer:
    server = NovaLanguageServer()
    for method, options, handler in FEATURES:
        server.feature(method, options)(handler)
    for name, handler in COMMANDS:
        server.command(name)(handler)
    return server
