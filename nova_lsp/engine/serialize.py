"""Findings to and from plain JSON-able dicts (for the cache and the LSP ``Diagnostic.data``)."""

from __future__ import annotations

from typing import Any

from nova_lsp.core.model import Applicability, Analysis, AnalysisError, Edit, Finding, Fix, FixKind, Related, Severity, Span


def span_to_list(span: Span) -> list[int]:
    return [span.start_line, span.start_col, span.end_line, span.end_col]


def span_from_list(data) -> Span:
    a, b, c, d = (int(x) for x in data)
    return Span(a, b, c, d)


def fix_to_dict(fix: Fix) -> dict[str, Any]:
    return {
        "title": fix.title,
        "kind": fix.kind.value,
        "preferred": fix.preferred,
        "applicability": fix.applicability.value,
        "edits": [[span_to_list(e.span), e.new_text] for e in fix.edits],
    }


def fix_from_dict(data: dict[str, Any]) -> Fix:
    return Fix(
        title=str(data["title"]),
        edits=tuple(Edit(span_from_list(s), str(t)) for s, t in data["edits"]),
        kind=FixKind(data.get("kind", "fix")),
        preferred=bool(data.get("preferred", False)),
        applicability=Applicability(data.get("applicability", "safe")),
    )


def finding_to_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "name": f.name,
        "span": span_to_list(f.span),
        "message": f.message,
        "severity": int(f.severity),
        "cwe": list(f.cwe),
        "fixes": [fix_to_dict(x) for x in f.fixes],
        "related": [[span_to_list(r.span), r.message] + ([r.path] if r.path else []) for r in f.related],
    }


def finding_from_dict(d: dict[str, Any]) -> Finding:
    return Finding(
        rule=d["rule"],
        name=d["name"],
        span=span_from_list(d["span"]),
        message=d["message"],
        severity=Severity(int(d["severity"])),
        cwe=tuple(int(c) for c in d.get("cwe", ())),
        fixes=tuple(fix_from_dict(x) for x in d.get("fixes", ())),
        related=tuple(Related(span_from_list(r[0]), r[1], r[2] if len(r) > 2 else None) for r in d.get("related", ())),
    )


def analysis_to_dict(a: Analysis) -> dict[str, Any]:
    return {
        "findings": [finding_to_dict(f) for f in a.findings],
        "errors": [e.message for e in a.errors],
        "skipped": [i for i, e in enumerate(a.errors) if e.skipped],
        "suppressed": a.suppressed,
        "summaries": a.summaries,
        "used": dict(a.used),
    }


def analysis_from_dict(d: dict[str, Any]) -> Analysis:
    return Analysis(
        findings=tuple(finding_from_dict(f) for f in d.get("findings", ())),
        errors=tuple(
            AnalysisError(m, skipped=i in d.get("skipped", ())) for i, m in enumerate(d.get("errors", ()))
        ),
        suppressed=int(d.get("suppressed", 0)),
        summaries=dict(d.get("summaries", {})),
        used={str(k): (None if v is None else str(v)) for k, v in dict(d.get("used", {})).items()},
    )
