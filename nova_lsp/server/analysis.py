"""The background half: turn one immutable ``Snapshot`` into a ``Result``.

Runs on a worker thread and touches no session state.  The engine finds, this module only
converts its findings to LSP diagnostics (conversion happens here, off the event loop).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Mapping

from lsprotocol import types

from nova_lsp.core.document import Document
from nova_lsp.engine.analyze import analyze
from nova_lsp.core.model import Finding
from nova_lsp.server import convert
from nova_lsp.server.session import Snapshot


SKIPPED = "skipped"  # the code of the diagnostic that says what was not analysed


@dataclass(frozen=True)
class Result:
    uri: str
    key: tuple[int, int]  # (the session's revision of the text, configuration generation)
    document: Document  # the analysed text, for converting positions of stored findings
    findings: tuple[Finding, ...]
    diagnostics: tuple[types.Diagnostic, ...]
    result_id: str
    errors: tuple[str, ...] = ()  # problems the engine reported (a rule that crashed, ...)
    path: str | None = None  # the analysed file (None: an untitled document)
    summaries: Mapping = field(default_factory=dict)  # its functions', for the workspace index
    used: Mapping = field(default_factory=dict)  # other files' functions it looked up

    @property
    def version(self) -> int | None:
        return self.document.version


def run_analysis(snapshot: Snapshot) -> Result:
    document = Document(snapshot.text, snapshot.path, snapshot.version)
    selection = snapshot.config.selection(path=snapshot.path)  # its per-file ignores too
    if snapshot.analyzer is not None:
        analysis = snapshot.analyzer.analyze(document, selection, snapshot.project)
    else:
        analysis = analyze(document, selection, project=snapshot.project)
    diagnostics = tuple(
        convert.diagnostic(finding, document, snapshot.uri, snapshot.options) for finding in analysis.findings
    )
    errors = tuple(e.message for e in analysis.errors)
    skipped = [e.message for e in analysis.errors if e.skipped]
    if skipped:
        # a file (or rules) left unanalysed must not look clean: one diagnostic says so
        diagnostics += (skipped_diagnostic("; ".join(skipped)),)
    return Result(
        uri=snapshot.uri,
        key=snapshot.key,
        document=document,
        findings=tuple(analysis.findings),
        diagnostics=diagnostics,
        result_id=convert.result_id(analysis.findings, snapshot.options)
        + (hashlib.blake2b("".join(skipped).encode(), digest_size=6).hexdigest() if skipped else ""),
        errors=errors,
        path=snapshot.file,
        summaries=analysis.summaries,
        used=analysis.used,
    )


def skipped_diagnostic(message: str) -> types.Diagnostic:
    """What was not analysed and why (over the size limit or the time budget, too deep)."""
    return types.Diagnostic(
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
        severity=types.DiagnosticSeverity.Information,
        code=SKIPPED,
        source=convert.SOURCE,
        message=f"nova-lsp did not analyse all of this file: {message}",
    )
