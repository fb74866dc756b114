"""Every translation between the engine's model and LSP types, in one place.

Engine positions are 0-based lines and code-point columns; LSP positions count code units of
the negotiated encoding (utf-16 unless the client offered utf-8 or utf-32).  All conversions
go through ``nova_lsp.core.document.Document.col_to_units`` / ``col_from_units``, which split lines
exactly as LSP does (``\\n``, ``\\r\\n``, ``\\r``).

A diagnostic's ``data`` carries the fixes of its finding with their edits already converted
to client ranges, so a code-action request never re-runs analysis::

    {"version": 3, "rule": "NOVA006",
     "fixes": [{"title": "...", "kind": "fix" | "suppress", "preferred": false,
                "applicability": "safe" | "unsafe",
                "edits": [{"range": {...}, "newText": "..."}]}]}
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from typing import Any, Iterable

from lsprotocol import types
from pygls.uris import from_fs_path

from nova_lsp.core.document import Document
from nova_lsp.core.model import Edit, Finding, Fix, Severity, Span
from nova_lsp.engine.registry import CWE_URL

SOURCE = "nova-lsp"
UNUSED_SUPPRESSION = "NOVA901"
INTERNAL_ERROR = "internal-error"

_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFORMATION: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


@dataclass(frozen=True)
class ConvertOptions:
    """What shapes the diagnostics of one analysis (client features and configuration)."""

    encoding: str = "utf-16"
    related_information: bool = True
    unnecessary_tag: bool = True
    data: bool = True
    docs_url: str = ""


# -- positions ---------------------------------------------------------------------------


def position(document: Document, line: int, col: int, encoding: str) -> types.Position:
    return types.Position(line=line, character=document.col_to_units(line, col, encoding))


def to_range(document: Document, span: Span, encoding: str) -> types.Range:
    return types.Range(
        start=position(document, span.start_line, span.start_col, encoding),
        end=position(document, span.end_line, span.end_col, encoding),
    )


def from_position(document: Document, pos: types.Position, encoding: str) -> tuple[int, int]:
    """(line, code-point column) of a client position, clamped to the document."""
    line = max(pos.line, 0)
    return line, document.col_from_units(line, pos.character, encoding)


def from_range(document: Document, rng: types.Range, encoding: str) -> Span:
    start = from_position(document, rng.start, encoding)
    end = from_position(document, rng.end, encoding)
    return Span(start[0], start[1], end[0], end[1])


def position_at(document: Document, offset: int) -> tuple[int, int]:
    """(line, code-point column) of a code-point offset into the document's text."""
    offsets = document.line_offsets
    line = max(bisect.bisect_right(offsets, offset) - 1, 0)
    return line, offset - offsets[line]


def minimal_edit(before: str, after: str) -> Edit:
    """One edit turning ``before`` into ``after``, replacing only the lines that differ
    (whole lines, so no position ever falls inside a CRLF)."""
    old = _LINES.findall(before)
    new = _LINES.findall(after)
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    start = sum(len(line) for line in old[:prefix])
    end = len(before) - sum(len(line) for line in old[len(old) - suffix :])
    document = Document(before)
    start_line, start_col = position_at(document, start)
    end_line, end_col = position_at(document, end)
    return Edit(Span(start_line, start_col, end_line, end_col), "".join(new[prefix : len(new) - suffix]))


def apply_content_change(text: str, change: Any, encoding: str) -> str:
    """The text after one ``TextDocumentContentChangeEvent`` (incremental or whole)."""
    rng = getattr(change, "range", None)
    if rng is None:
        return change.text
    document = Document(text)
    span = from_range(document, rng, encoding)
    start = document.offset(span.start_line, span.start_col)
    end = document.offset(span.end_line, span.end_col)
    if end < start:
        start, end = end, start
    return text[:start] + change.text + text[end:]


# -- findings ----------------------------------------------------------------------------


def docs_href(rule: str, name: str, cwe: tuple[int, ...], docs_url: str) -> str | None:
    """The rule's docs page from the ``docs-url`` template, else its (first) CWE page."""
    if docs_url:
        return docs_url.replace("{id}", rule).replace("{name}", name)
    if cwe:
        return CWE_URL.format(cwe[0])
    return None


def text_edit(document: Document, edit: Edit, encoding: str) -> types.TextEdit:
    return types.TextEdit(range=to_range(document, edit.span, encoding), new_text=edit.new_text)


def _range_dict(rng: types.Range) -> dict:
    return {
        "start": {"line": rng.start.line, "character": rng.start.character},
        "end": {"line": rng.end.line, "character": rng.end.character},
    }


def fix_data(document: Document, fix: Fix, encoding: str) -> dict:
    return {
        "title": fix.title,
        "kind": fix.kind.value,
        "preferred": bool(fix.preferred),
        "applicability": fix.applicability.value,
        "edits": [
            {"range": _range_dict(to_range(document, e.span, encoding)), "newText": e.new_text} for e in fix.edits
        ],
    }


def _related_location(related, document: Document, uri: str, options: ConvertOptions) -> types.Location:
    """Where a related location is: in the analysed text, or in another file of the
    workspace (a helper the flow went through).  The other file's text is not at hand, so its
    columns are code points, which is exact for the ASCII that Python code mostly is."""
    if related.path is None:
        return types.Location(uri=uri, range=to_range(document, related.span, options.encoding))
    span = related.span
    return types.Location(
        uri=from_fs_path(related.path) or related.path,
        range=types.Range(
            start=types.Position(line=span.start_line, character=span.start_col),
            end=types.Position(line=span.end_line, character=span.end_col),
        ),
    )


def diagnostic(finding: Finding, document: Document, uri: str, options: ConvertOptions) -> types.Diagnostic:
    href = docs_href(finding.rule, finding.name, finding.cwe, options.docs_url)
    related = None
    if options.related_information and finding.related:
        related = [
            types.DiagnosticRelatedInformation(location=_related_location(r, document, uri, options), message=r.message)
            for r in finding.related
        ]
    tags = None
    if options.unnecessary_tag and finding.rule == UNUSED_SUPPRESSION:
        tags = [types.DiagnosticTag.Unnecessary]
    data = None
    if options.data:
        data = {
            "version": document.version,
            "rule": finding.rule,
            "fixes": [fix_data(document, fix, options.encoding) for fix in finding.fixes],
        }
    return types.Diagnostic(
        range=to_range(document, finding.span, options.encoding),
        severity=_SEVERITY.get(finding.severity, types.DiagnosticSeverity.Warning),
        code=finding.rule,
        code_description=types.CodeDescription(href=href) if href else None,
        source=SOURCE,
        message=finding.message,
        tags=tags,
        related_information=related,
        data=data,
    )


def internal_error_diagnostic(message: str) -> types.Diagnostic:
    """The one diagnostic a document gets when it could never be analysed."""
    return types.Diagnostic(
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
        severity=types.DiagnosticSeverity.Error,
        code=INTERNAL_ERROR,
        source=SOURCE,
        message=f"nova-lsp could not analyse this file: {message}",
    )


def result_id(findings: Iterable[Finding], options: ConvertOptions) -> str:
    """A stable id of what the diagnostics say: equal ids mean identical diagnostics."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(repr(options).encode())
    for finding in findings:
        digest.update(repr(finding).encode())
    return digest.hexdigest()


# -- fixes carried in Diagnostic.data ------------------------------------------------------


@dataclass(frozen=True)
class FixData:
    """A fix as received back from the client in ``Diagnostic.data``."""

    title: str
    kind: str
    preferred: bool
    edits: tuple[types.TextEdit, ...]
    safe: bool = True


def _position_from(value: Any) -> types.Position:
    return types.Position(line=int(value["line"]), character=int(value["character"]))


def fixes_from_data(data: Any) -> tuple[int | None, list[FixData]] | None:
    """(document version, fixes) from a diagnostic's ``data``; None when it is not ours."""
    if not isinstance(data, dict) or not isinstance(data.get("fixes"), list):
        return None
    fixes = []
    try:
        for raw in data["fixes"]:
            edits = tuple(
                types.TextEdit(
                    range=types.Range(start=_position_from(e["range"]["start"]), end=_position_from(e["range"]["end"])),
                    new_text=str(e["newText"]),
                )
                for e in raw["edits"]
            )
            safe = raw.get("applicability", "safe") != "unsafe"
            fixes.append(FixData(str(raw["title"]), str(raw["kind"]), bool(raw.get("preferred")), edits, safe))
    except (KeyError, TypeError, ValueError, OverflowError):  # OverflowError: a line of Infinity
        return None
    version = data.get("version")
    return (version if isinstance(version, int) else None), fixes


def fix_from_finding(document: Document, fix: Fix, encoding: str) -> FixData:
    """The same ``FixData`` built from a stored finding (clients without ``data`` support)."""
    return FixData(
        fix.title,
        fix.kind.value,
        bool(fix.preferred),
        tuple(text_edit(document, e, encoding) for e in fix.edits),
        fix.safe,
    )


# -- workspace edits -------------------------------------------------------------------------


def workspace_edit(
    uri: str, version: int | None, edits: list[types.TextEdit], document_changes: bool
) -> types.WorkspaceEdit:
    if document_changes:
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                    edits=list(edits),
                )
            ]
        )
    return types.WorkspaceEdit(changes={uri: list(edits)})


def same_range(a: types.Range, b: types.Range) -> bool:
    return (a.start.line, a.start.character, a.end.line, a.end.character) == (
        b.start.line,
        b.start.character,
        b.end.line,
        b.end.character,
    )
