"""``textDocument/didOpen``, ``didChange``, ``didSave``, ``didClose``: keep the session's
documents in step with the editor and tell the scheduler when to analyse.

Open and change are debounced (``debounce`` ms, default 200); save analyses at once; with
``run = "onSave"`` typing does not trigger analysis at all.  A save of ``pyproject.toml``
re-reads the configuration.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from nova_lsp.server import index

if TYPE_CHECKING:
    from nova_lsp.server.server import NovaLanguageServer

log = logging.getLogger(__name__)

PYPROJECT = "pyproject.toml"


def did_open(ls: "NovaLanguageServer", params: types.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    if item.uri in ls.session.documents:
        # opened twice without a close (a client bug): the new text replaces the old one
        # (results are keyed by the session's own revision, so none of the old text's is
        # served; forgetting them also drops its diagnostics at once)
        log.warning("%s was opened again without a close; using the new text", item.uri)
        ls.scheduler.forget(item.uri)
    ls.session.open(item.uri, item.text, item.version, item.language_id)
    ls.publisher.opened(item.uri)
    ls.scheduler.schedule(item.uri, ls.session.settings.debounce_s)


def did_change(ls: "NovaLanguageServer", params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    before = ls.session.documents.get(uri)
    doc = ls.session.change(uri, params.text_document.version, params.content_changes)
    if doc is None:
        log.warning("ignoring didChange for %s, which is not open", uri)
        return
    if before is not None and before.version is not None and (doc.version is None or doc.version <= before.version):
        # versions must increase with every change (a client bug otherwise); results are
        # keyed by the session's own revision, so this only logs and drops the old result
        log.warning("didChange for %s does not increase the version (%s -> %s)", uri, before.version, doc.version)
        ls.scheduler.forget(uri)
    if ls.session.settings.run == "onType":
        ls.scheduler.schedule(uri, ls.session.settings.debounce_s)


def did_save(ls: "NovaLanguageServer", params: types.DidSaveTextDocumentParams) -> None:
    uri = params.text_document.uri
    if uri.endswith("/" + PYPROJECT):
        ls.configuration_changed(files_changed=True)
        return
    if uri in ls.session.documents:
        ls.scheduler.save(uri)


def did_close(ls: "NovaLanguageServer", params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    closed = ls.session.close(uri)
    if closed is None:
        return
    ls.scheduler.forget(uri)
    ls.fix_all_edits.pop(uri, None)
    ls.publisher.closed(uri)
    if closed.path and ls.session.settings.index:
        # the editor's text is gone: what the file on disk does counts again
        ls.index.spawn(index.reindex_from_disk(ls, [closed.path]))
