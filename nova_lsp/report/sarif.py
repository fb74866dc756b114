"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

Rules carry help text, ``helpUri``, CWE tags and a ``security-severity`` score; results carry
``partialFingerprints`` so code scanning can track them across line shifts.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from nova_lsp import __version__
from nova_lsp.core.model import Severity
from nova_lsp.engine.registry import Rule
from nova_lsp.report import Report, dump_json, fingerprints, help_url
from nova_lsp.report.rule_docs import rule_markdown

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFORMATION: "note", Severity.HINT: "note"}
# GitHub maps security-severity to critical (>= 9.0), high (>= 7.0), medium (>= 4.0), low.
_SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "6.0", Severity.INFORMATION: "3.0", Severity.HINT: "2.0"}


def _rule(rule: Rule, docs_url: str) -> dict:
    tags = ["security"] + [f"external/cwe/cwe-{c}" for c in rule.cwe]
    entry = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join((rule.docs.get("what") or rule.summary).split())},
        "help": {"text": rule_markdown(rule), "markdown": rule_markdown(rule)},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {
            "tags": tags,
            "precision": "high" if rule.severity >= Severity.WARNING else "medium",
            "security-severity": _SECURITY_SEVERITY[rule.severity],
        },
    }
    url = help_url(rule, docs_url)
    if url:
        entry["helpUri"] = url
    return entry


def _location(path: str) -> dict:
    """artifactLocation: relative paths against %SRCROOT% (the working directory); a path
    outside it (shown absolute) as a file: URI of its own."""
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path.replace(os.sep, "/"), safe="/"), "uriBaseId": "%SRCROOT%"}


def _region(span) -> dict:
    return {
        "startLine": span.start_line + 1,
        "startColumn": span.start_col + 1,
        "endLine": span.end_line + 1,
        "endColumn": span.end_col + 1,
    }


def _fix(path: str, fix) -> dict:
    """A SARIF fix; whether it can change what the program does is in its property bag."""
    return {
        "description": {"text": fix.title},
        "artifactChanges": [
            {
                "artifactLocation": _location(path),
                "replacements": [
                    {"deletedRegion": _region(edit.span), "insertedContent": {"text": edit.new_text}}
                    for edit in fix.edits
                ],
            }
        ],
        "properties": {"applicability": fix.applicability.value},
    }


def render(report: Report) -> str:
    rules = list(report.rules)
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for result in report.files:
        prints = fingerprints(result)
        for finding, fp in zip(result.findings, prints):
            location = {
                "physicalLocation": {
                    "artifactLocation": _location(result.path),
                    "region": _region(finding.span),
                }
            }
            item = {
                "ruleId": finding.rule,
                "ruleIndex": index.get(finding.rule, 0),
                "level": _LEVEL[finding.severity],
                "message": {"text": finding.message},
                "locations": [location],
                "partialFingerprints": {"nova-lsp/v1": fp},
            }
            real = [fix for fix in finding.fixes if fix.kind.value == "fix"]
            if real:
                item["fixes"] = [_fix(result.path, fix) for fix in real]
            if finding.related:
                item["relatedLocations"] = [
                    {
                        "id": n,
                        "message": {"text": r.message},
                        "physicalLocation": {
                            "artifactLocation": _location(r.path or result.path),
                            "region": _region(r.span),
                        },
                    }
                    for n, r in enumerate(finding.related)
                ]
            results.append(item)
    notifications = [
        {
            "level": "error",
            "message": {"text": message},
            "locations": [{"physicalLocation": {"artifactLocation": _location(path)}}],
        }
        for path, message in report.errors
    ]
    run = {
        "tool": {
            "driver": {
                "name": "nova-lsp",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(r, report.docs_url) for r in rules],
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "invocations": [{"executionSuccessful": not report.errors, "toolExecutionNotifications": notifications}],
        "results": results,
    }
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return dump_json(doc) + "\n"
