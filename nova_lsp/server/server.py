"""The pygls ``LanguageServer`` of nova-lsp and its dispatch table.

Find a feature by its protocol name in ``FEATURES`` below; each handler lives in the module
named after its method group (``text_sync``, ``diagnostics``, ``code_actions``, ``hover``,
``configuration``, ``workspace_check``, ``lifecycle``).  Handlers that change session state
run on the event loop; analysis runs on ``DaemonExecutor`` threads from immutable snapshots
(``scheduling``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
import threading
from pathlib import Path
from typing import Any, Callable

import cattrs
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcInvalidRequest, JsonRpcMethodNotFound
from pygls.io_ import StdinAsyncReader, StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage, JsonRPCResponseMessage
from pygls.protocol.language_server import lsp_method
from pygls.uris import to_fs_path

from nova_lsp import __version__
from nova_lsp.server import (
    code_actions,
    configuration,
    diagnostics,
    hover,
    index,
    lifecycle,
    text_sync,
    workspace_check,
)
from nova_lsp.server.index import WorkspaceIndex
from nova_lsp.server.scheduling import DaemonExecutor, Scheduler
from nova_lsp.server.session import Session

log = logging.getLogger(__name__)

NAME = "nova-lsp"
ANALYSIS_THREADS = 2


# errors that are the client's doing: answered (or ignored), never reported as our own
CLIENT_ERRORS = (JsonRpcMethodNotFound, JsonRpcInvalidParams, JsonRpcInvalidRequest)
# what ``json.loads`` raises for a body that is not JSON (or not UTF-8)
NOT_JSON = (json.JSONDecodeError, UnicodeDecodeError)


def _is_id(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _invalid_params_detail(exc: BaseException) -> str:
    """Where the params went wrong, from cattrs' validation error ("... @ $.params.position")."""
    if isinstance(exc, cattrs.ClassValidationError):
        try:
            return "; ".join(cattrs.transform_error(exc, path="$"))
        except Exception:  # noqa: BLE001 - only a nicer message
            pass
    return f"{type(exc).__name__}: {exc}"


class NovaProtocol(LanguageServerProtocol):
    """pygls' protocol, minus its own store of document texts, and strict about messages.

    The session keeps the texts (see ``session.py``); pygls' built-in handlers would keep a
    second copy and raise on a ``didChange`` for a document that is not open.

    pygls structures each message inside ``json.loads`` and, when that fails, only logs: a
    request with invalid params would never be answered, and the client would wait forever.
    Here every message is parsed as plain JSON first and structured in ``handle_message``,
    so each problem gets the answer JSON-RPC and LSP prescribe:

    - a body that is not JSON: ParseError (-32700, ``id`` null; ``report_server_error``);
    - not a JSON-RPC 2.0 message object: InvalidRequest (-32600);
    - a request whose params do not fit the method: InvalidParams (-32602), with where;
      a notification like that is logged and dropped;
    - a request before ``initialize``: ServerNotInitialized (-32002) (notifications other
      than ``exit`` are dropped); a second ``initialize``: InvalidRequest;
    - a request after ``shutdown``: InvalidRequest;
    - a response to one of our requests that does not fit: the waiting request fails at once.
    """

    _initialize_seen = False

    def structure_message(self, data: dict[str, Any]):
        # called by ``json.loads`` for every object, innermost first: leave them all as
        # parsed (an object nested in settings that happens to have a "jsonrpc" key must not
        # be taken for a message); ``handle_message`` structures the whole message once
        return data

    def reply_error(self, msg_id: Any, code: int, message: str) -> None:
        """An error response; ``msg_id`` None sends ``"id": null`` (when the request's id
        cannot be known)."""
        error = {"code": int(code), "message": message}
        self._send_data({"jsonrpc": self.VERSION, "id": msg_id if _is_id(msg_id) else None, "error": error})

    def handle_message(self, message: Any):
        if not isinstance(message, dict):
            if hasattr(message, "jsonrpc"):  # already structured (not from our reader)
                return super().handle_message(message)
            log.warning("ignoring a JSON-RPC message that is not an object: %.200r", message)
            return self.reply_error(None, types.ErrorCodes.InvalidRequest, "a JSON-RPC message must be an object")
        method = message.get("method")
        has_id = "id" in message
        msg_id = message.get("id")
        if (
            message.get("jsonrpc") != self.VERSION
            or (method is not None and not isinstance(method, str))
            or (has_id and not _is_id(msg_id))
            or (method is None and not has_id)
        ):
            log.warning("ignoring an invalid JSON-RPC message: %.200r", message)
            if method is not None or not has_id:
                # a request (or something that cannot be told apart from one) gets an answer;
                # an invalid response is never answered
                self.reply_error(msg_id, types.ErrorCodes.InvalidRequest, "not a JSON-RPC 2.0 request or notification")
            return None
        is_request = has_id and method is not None
        if method is not None and not self._lifecycle_allows(method, msg_id if is_request else None):
            return None
        try:
            structured = self._structure(message)
        except Exception as exc:  # noqa: BLE001 - cattrs' validation errors, or worse
            detail = _invalid_params_detail(exc)
            if is_request:
                log.warning("invalid params for %s request %r: %s", method, msg_id, detail)
                self.reply_error(msg_id, types.ErrorCodes.InvalidParams, f"invalid params for {method}: {detail}")
            elif method is not None:
                log.warning("ignoring %s notification with invalid params: %s", method, detail)
            else:
                self._fail_request(msg_id, detail)
            return None
        if method == types.INITIALIZE:
            self._initialize_seen = True
        return super().handle_message(structured)

    def _structure(self, message: dict[str, Any]) -> Any:
        """The message as the lsprotocol type of its method (or of the request it answers)."""
        if "id" not in message:
            cls = self.get_message_type(message["method"]) or JsonRPCNotification
        elif "error" in message:
            cls = types.ResponseErrorMessage
        elif "method" in message:
            cls = self.get_message_type(message["method"]) or JsonRPCRequestMessage
        else:
            cls = self._result_types.pop(message["id"], None) or JsonRPCResponseMessage
        return self._converter.structure(message, cls)

    def _lifecycle_allows(self, method: str, request_id: Any) -> bool:
        """LSP's rules for messages before ``initialize`` and after ``shutdown``."""
        if method == types.EXIT:
            return True
        if not self._initialize_seen and method != types.INITIALIZE:
            if request_id is not None:
                self.reply_error(request_id, types.ErrorCodes.ServerNotInitialized, "the server is not initialized")
            else:
                log.warning("ignoring %s before initialize", method)
            return False
        if self._initialize_seen and method == types.INITIALIZE:
            if request_id is not None:
                self.reply_error(request_id, types.ErrorCodes.InvalidRequest, "the server is already initialized")
            return False
        if self._shutdown:
            if request_id is not None:
                self.reply_error(request_id, types.ErrorCodes.InvalidRequest, "the server is shutting down")
            else:
                log.warning("ignoring %s after shutdown", method)
            return False
        return True

    def _fail_request(self, msg_id: Any, detail: str) -> None:
        """The client's answer to one of our requests did not fit its result type."""
        log.warning("invalid response to request %r: %s", msg_id, detail)
        self._result_types.pop(msg_id, None)
        future = self._request_futures.pop(msg_id, None)
        if future is not None and not future.done():
            future.set_exception(JsonRpcInvalidParams(f"invalid response: {detail}"))

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


# "Content-Length: 123" anywhere in a header line: any case, any blanks (headers are HTTP-like),
# and after the unread body of a message whose own header block was unusable (resync)
# a larger Content-Length is taken for garbage (reading it would exhaust memory and end the
# server, as it does pygls')
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
_CONTENT_LENGTH = re.compile(rb"content-length[ \t]*:[ \t]*(\d+)[ \t]*\r?\n?$", re.IGNORECASE)


async def read_messages(reader, protocol: NovaProtocol, stop: threading.Event, on_error) -> None:
    """The base protocol's framing, read leniently; each message goes to ``protocol``.

    pygls' reader only knows the exact line ``Content-Length: <n>\\r\\n``: one header in
    another case or spacing, and it reads every later body as header lines, each glued to the
    next real header, so the server never answers again.  Here header names are matched in
    any case, ``\\n`` ends a line as well as ``\\r\\n``, other headers (Content-Type) are
    skipped, and a header block without a usable Content-Length (none, or an absurd one) is
    answered with ParseError (its body cannot be found; the next header found in the stream
    resynchronises).
    """
    while not stop.is_set():
        length = None
        seen_header = False
        while True:
            line = await reader.readline()
            if not line:
                return  # end of input
            if not line.strip():
                if seen_header:
                    break
                continue  # blank lines between messages
            seen_header = True
            match = _CONTENT_LENGTH.search(line)
            if match:
                length = int(match.group(1))
        if length is None or length > MAX_MESSAGE_BYTES:
            # no body to read: what follows is searched for the next header
            problem = "without Content-Length" if length is None else f"with Content-Length {length} (too large)"
            log.warning("a message header %s; skipped", problem)
            protocol.reply_error(None, types.ErrorCodes.ParseError, f"message header {problem}")
            continue
        try:
            body = await reader.readexactly(length) if length else b""
        except asyncio.IncompleteReadError:  # a TCP stream ended inside the body
            return
        if len(body) < length:
            return  # end of input inside a body
        try:
            message = json.loads(body, object_hook=protocol.structure_message)
            protocol.handle_message(message)
        except Exception as exc:  # noqa: BLE001 - reported; the next message is read as usual
            on_error(exc, JsonRpcException)


class NovaLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            name=NAME,
            version=__version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=NovaProtocol,
        )
        self.session = Session(report_problem=self.show_problem)
        self.index = WorkspaceIndex()
        self.session.project_for = self.index.view
        self.executor = DaemonExecutor(ANALYSIS_THREADS)
        self.publisher = diagnostics.Publisher(self)
        self.scheduler = Scheduler(self.session, self.executor, self.publisher)
        # uri -> (result key, future of the fix-all edit): computed once per text revision
        self.fix_all_edits: dict[str, tuple] = {}
        self.shutdown_requested = False
        self.exit_code = 1  # until a shutdown request and exit notification arrive
        self._shown: set[str] = set()

    # -- transports (pygls' own, with the lenient reader of ``read_messages``) -----------------

    def _start_io_async(self, stdin=None, stdout=None) -> None:
        self._stop_event = stop = threading.Event()
        reader = StdinAsyncReader(stdin or sys.stdin.buffer, self.thread_pool)
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(read_messages(reader, self.protocol, stop, self.report_server_error))
        except BrokenPipeError:
            log.error("the connection to the client is lost; shutting down")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()

    def start_tcp(self, host: str, port: int) -> None:
        self._stop_event = stop = threading.Event()

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.protocol.set_writer(writer)
            await read_messages(reader, self.protocol, stop, self.report_server_error)
            self.shutdown()

        async def listen() -> None:
            self._server = await asyncio.start_server(connection, host, port)
            async with self._server:
                await self._server.serve_forever()

        try:
            asyncio.run(listen())
        except asyncio.CancelledError:
            log.debug("the TCP server was cancelled")

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
        """An unexpected error in a handler: log it; never pop up a dialog per keystroke.

        A message body that is not JSON is answered with ParseError (pygls' reader only
        reports it); errors that are the client's doing (an unknown method, invalid params)
        were answered already and are only logged here."""
        if isinstance(error, NOT_JSON):
            log.warning("a message from the client is not JSON: %s", error)
            self.protocol.reply_error(None, types.ErrorCodes.ParseError, f"parse error: {error}")
            return
        if isinstance(error, CLIENT_ERRORS):
            log.info("client error: %s", error)
            return
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

    def configuration_changed(self, files_changed: bool = False, reindex: bool = False) -> None:
        """Settings or a pyproject.toml changed: re-resolve and re-analyse open documents;
        with ``reindex`` (which files and rules there are may have changed) the workspace
        index is built again."""
        if files_changed:
            self.session.invalidate_config()
        wanted = self.session.settings.index
        if reindex or files_changed or wanted != self.index.wanted:
            index.start(self)
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
