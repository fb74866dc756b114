"""A pytest-lsp client that drives nova-lsp like an editor does.

``EditorClient`` records every ``publishDiagnostics`` (with its version), every dynamic
registration, and gives tests one way to ask for "the diagnostics of this document now",
whatever the client's diagnostic mode: a pull client sends ``textDocument/diagnostic``, a push
client waits for the ``publishDiagnostics`` of the document's current version.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any, Callable

from lsprotocol import types
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features
from pygls.protocol import default_converter

HERE = Path(__file__).parent
SERVER = [sys.executable, "-m", "nova_lsp", "serve"]
PATCHED_SERVER = [sys.executable, str(HERE / "patched_server.py")]
CLIENTS = ["visual-studio-code", "neovim"]
WAIT_S = 30.0  # only a guard against a hung test; nothing asserts on latency


class EditorClient(LanguageClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.published: list[types.PublishDiagnosticsParams] = []
        self.registrations: list[types.Registration] = []
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}
        self.applied_edits: list[types.ApplyWorkspaceEditParams] = []
        self._changed = asyncio.Event()

    # -- recording -----------------------------------------------------------------------------

    def _record(self, params: types.PublishDiagnosticsParams) -> None:
        params.diagnostics = list(params.diagnostics)
        self.published.append(params)
        self.diagnostics[params.uri] = params.diagnostics
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, condition: Callable[[], Any], timeout: float = WAIT_S):
        """Wait until ``condition()`` is truthy (re-checked after each notification)."""

        async def loop():
            while True:
                value = condition()
                if value:
                    return value
                event = self._changed
                try:
                    await asyncio.wait_for(event.wait(), 0.05)
                except asyncio.TimeoutError:
                    pass

        return await asyncio.wait_for(loop(), timeout)

    def publishes(self, uri: str) -> list[types.PublishDiagnosticsParams]:
        return [p for p in self.published if p.uri == uri]

    # -- diagnostic mode ----------------------------------------------------------------------

    @property
    def pull(self) -> bool:
        caps = self.capabilities
        return caps is not None and caps.text_document is not None and caps.text_document.diagnostic is not None

    async def pull_report(self, uri: str, previous_result_id: str | None = None):
        return await asyncio.wait_for(
            self.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(
                    text_document=types.TextDocumentIdentifier(uri=uri), previous_result_id=previous_result_id
                )
            ),
            WAIT_S,
        )

    async def current_diagnostics(self, uri: str) -> list[types.Diagnostic]:
        """The diagnostics of ``uri`` for the version the client holds now."""
        if self.pull:
            report = await self.pull_report(uri)
            return list(report.items or [])
        version = self.versions.get(uri)

        def ready():
            for params in reversed(self.publishes(uri)):
                if params.version == version:
                    return params
            return None

        params = await self.wait_until(ready)
        return list(params.diagnostics)

    async def diagnostics_after(self, uri: str, published_before: int) -> list[types.Diagnostic]:
        """The diagnostics of ``uri`` after something other than an edit changed them
        (settings, pyproject.toml): a new push, or a pull (which waits for the re-analysis)."""
        if self.pull:
            return await self.current_diagnostics(uri)
        params = await self.wait_until(lambda: self.publishes(uri)[published_before:][-1:])
        return list(params[-1].diagnostics)

    def did_change_configuration(self, settings=None) -> None:
        self.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=settings))

    # -- editing ----------------------------------------------------------------------------------

    def open(self, uri: str, text: str, language_id: str = "python", version: int = 1) -> None:
        self.versions[uri] = version
        self.texts[uri] = text
        self.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id=language_id, version=version, text=text)
            )
        )

    def replace_all(self, uri: str, text: str) -> int:
        version = self.versions.get(uri, 0) + 1
        self.versions[uri] = version
        self.texts[uri] = text
        self.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        return version

    def edit(self, uri: str, rng: types.Range, text: str, new_full_text: str | None = None) -> int:
        """An incremental change (the caller gives the range in the negotiated encoding)."""
        version = self.versions.get(uri, 0) + 1
        self.versions[uri] = version
        if new_full_text is not None:
            self.texts[uri] = new_full_text
        self.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangePartial(range=rng, text=text)],
            )
        )
        return version

    def save(self, uri: str) -> None:
        self.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    def close(self, uri: str) -> None:
        self.versions.pop(uri, None)
        self.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )


def make_client() -> EditorClient:
    client = EditorClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features.pop(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    register_lsp_features(client, features)

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(ls: EditorClient, params: types.PublishDiagnosticsParams):
        ls._record(params)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(ls: EditorClient, params: types.RegistrationParams):
        ls.registrations.extend(params.registrations)

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(ls: EditorClient, params: types.ApplyWorkspaceEditParams):
        ls.applied_edits.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)

    return client
