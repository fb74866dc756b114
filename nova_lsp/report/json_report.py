"""``--format json``: one document, positions 1-based, columns in code points.

The shape is the one issue 2 specifies, no more: ``{"version", "findings": [{"rule", "name",
"cwe", "severity", "path", "line", "column", "end_line", "end_column", "message", "fixes":
[{"title", "kind" (fix | suppress), "applicability" (safe | unsafe), "edits": [{"line",
"column", "end_line", "end_column", "new_text"}]}], "related": [{"path", "line", "column",
"end_line", "end_column", "message"}]}], "errors": [{"path", "message"}]}``.  ``related`` (where
a flow went, in this file or another) came after issue 2; consumers that ignore unknown keys
are unaffected.
"""

from __future__ import annotations

from nova_lsp import __version__
from nova_lsp.report import Report, dump_json


def _edit(edit) -> dict:
    return {
        "line": edit.span.start_line + 1,
        "column": edit.span.start_col + 1,
        "end_line": edit.span.end_line + 1,
        "end_column": edit.span.end_col + 1,
        "new_text": edit.new_text,
    }


def render(report: Report) -> str:
    findings = []
    for result, f in report.all_findings():
        findings.append(
            {
                "rule": f.rule,
                "name": f.name,
                "cwe": list(f.cwe),
                "severity": f.severity.label,
                "path": result.path,
                "line": f.span.start_line + 1,
                "column": f.span.start_col + 1,
                "end_line": f.span.end_line + 1,
                "end_column": f.span.end_col + 1,
                "message": f.message,
                "fixes": [
                    {
                        "title": fix.title,
                        "kind": fix.kind.value,
                        "applicability": fix.applicability.value,
                        "edits": [_edit(e) for e in fix.edits],
                    }
                    for fix in f.fixes
                ],
                # where the flow went: lines of this file, or of another file's helper
                "related": [
                    {
                        "path": r.path or result.path,
                        "line": r.span.start_line + 1,
                        "column": r.span.start_col + 1,
                        "end_line": r.span.end_line + 1,
                        "end_column": r.span.end_col + 1,
                        "message": r.message,
                    }
                    for r in f.related
                ],
            }
        )
    payload = {
        "version": __version__,
        "findings": findings,
        "errors": [{"path": p, "message": m} for p, m in report.errors],
    }
    return dump_json(payload) + "\n"
