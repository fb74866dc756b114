"""Getting diagnostics to the client: push (``textDocument/publishDiagnostics``) and pull
(``textDocument/diagnostic``, LSP 3.17).

One mode per client, decided at ``initialize`` from its capabilities, as ruff does: a client
that can pull gets pull diagnostics for open documents and no pushes for them, because VS Code
and Neovim keep pushed and pulled diagnostics in separate collections and would show every
finding twice.  Every other client gets pushes.  Results of the workspace check are pushed in
both modes (they are about files that are not open, which a pull client never asks for).

Pull answers wait for the analysis of the document's current version (respecting the
debounce); a ``previousResultId`` equal to the current result id answers "unchanged".
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from nova_lsp.server import convert, index
from nova_lsp.server.analysis import Result
from nova_lsp.server.session import Snapshot

if TYPE_CHECKING:
    from nova_lsp.server.server import NovaLanguageServer

log = logging.getLogger(__name__)

EMPTY_RESULT_ID = "empty"
IDENTIFIER = "nova-lsp"


class Publisher:
    """Receives analysis outcomes from the scheduler and tells the client."""

    def __init__(self, ls: "NovaLanguageServer") -> None:
        self.ls = ls
        self.pushed_by_check: set[str] = set()  # URIs the workspace check published to
        self.failures: dict[str, str] = {}  # uri -> why its current version has no result
        self._logged_errors: dict[str, set[str]] = {}

    @property
    def push(self) -> bool:
        return not self.ls.session.features.pull_diagnostics

    def publish(self, uri: str, version: int | None, diagnostics) -> None:
        self.ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=list(diagnostics), version=version)
        )

    # -- scheduler listener ---------------------------------------------------------------------

    def result_ready(self, result: Result) -> None:
        self.failures.pop(result.uri, None)
        seen = self._logged_errors.setdefault(result.uri, set())
        for message in result.errors:
            if message not in seen:
                seen.add(message)
                self.ls.log(f"{result.uri}: {message}", types.MessageType.Warning)
        if self.push:
            self.publish(result.uri, result.version, result.diagnostics)
        index.opened_result(self.ls, result.uri, result.path, result.summaries)

    def analysis_failed(self, snapshot: Snapshot, error: BaseException) -> None:
        detail = f"{type(error).__name__}: {error}"
        log.error("analysis of %s (version %s) failed", snapshot.uri, snapshot.version, exc_info=error)
        self.ls.log(
            f"nova-lsp: analysis of {snapshot.uri} (version {snapshot.version}) failed: {detail}; "
            "keeping the last diagnostics",
            types.MessageType.Error,
        )
        self.failures[snapshot.uri] = detail
        if self.ls.scheduler.result(snapshot.uri) is None and self.push:
            self.publish(snapshot.uri, snapshot.version, [convert.internal_error_diagnostic(detail)])

    def not_analysed(self, uri: str) -> None:
        self.failures.pop(uri, None)
        if self.push:
            doc = self.ls.session.documents.get(uri)
            self.publish(uri, doc.version if doc else None, [])

    # -- document lifecycle ---------------------------------------------------------------------

    def opened(self, uri: str) -> None:
        if not self.push and uri in self.pushed_by_check:
            # the workspace check pushed findings for this file; pull answers take over now
            self.pushed_by_check.discard(uri)
            self.publish(uri, None, [])

    def closed(self, uri: str) -> None:
        self.failures.pop(uri, None)
        self._logged_errors.pop(uri, None)
        self.pushed_by_check.discard(uri)
        self.publish(uri, None, [])

    def refresh(self) -> None:
        """Ask a pull client to pull again (configuration changed)."""
        if not self.push and self.ls.session.features.diagnostic_refresh:
            future = self.ls.workspace_diagnostic_refresh(None)
            future.add_done_callback(_log_request_failure("workspace/diagnostic/refresh"))


def _log_request_failure(method: str):
    def check(future) -> None:
        if not future.cancelled() and future.exception() is not None:
            log.warning("%s failed: %s", method, future.exception())

    return check


async def document_diagnostic(
    ls: "NovaLanguageServer", params: types.DocumentDiagnosticParams
) -> types.RelatedFullDocumentDiagnosticReport | types.RelatedUnchangedDocumentDiagnosticReport:
    uri = params.text_document.uri
    if uri not in ls.session.documents:
        # never read an unopened file from disk behind the client's back
        return _report(params, [], EMPTY_RESULT_ID)
    result = await ls.scheduler.current_result(uri, allow_stale=ls.session.settings.run == "onSave")
    if result is None:
        failure = ls.publisher.failures.get(uri)
        if failure is not None and uri in ls.session.documents:
            return _report(params, [convert.internal_error_diagnostic(failure)], None)
        return _report(params, [], EMPTY_RESULT_ID)
    return _report(params, result.diagnostics, result.result_id)


def _report(params: types.DocumentDiagnosticParams, items, result_id: str | None):
    if result_id is not None and params.previous_result_id == result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    return types.RelatedFullDocumentDiagnosticReport(items=list(items), result_id=result_id)


DIAGNOSTIC_OPTIONS = types.DiagnosticOptions(
    # a file's diagnostics follow calls into other files (the workspace index)
    identifier=IDENTIFIER, inter_file_dependencies=True, workspace_diagnostics=False
)
