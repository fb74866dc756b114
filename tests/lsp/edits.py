"""Apply LSP text edits the way an editor does (ranges in the negotiated encoding)."""

from __future__ import annotations

import ast

from lsprotocol import types

from nova_lsp.core.document import Document


def edits_for(workspace_edit: types.WorkspaceEdit, uri: str) -> list[types.TextEdit]:
    if workspace_edit.document_changes:
        return [e for change in workspace_edit.document_changes if change.text_document.uri == uri for e in change.edits]
    return list((workspace_edit.changes or {}).get(uri, []))


def apply(text: str, edits: list[types.TextEdit], encoding: str) -> str:
    """``text`` after ``edits`` (non-overlapping, positions against the original text)."""
    doc = Document(text)

    def offset(pos: types.Position) -> int:
        return doc.offset(pos.line, doc.col_from_units(pos.line, pos.character, encoding))

    spans = sorted(((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), key=lambda s: s[:2])
    out, cursor = [], 0
    for start, end, new_text in spans:
        assert start >= cursor, "overlapping edits"
        out.append(text[cursor:start])
        out.append(new_text)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True
