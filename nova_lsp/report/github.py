"""``--format github``: GitHub Actions workflow commands (annotations on the pull request).

Each annotation is one line: line breaks in paths and messages are percent-encoded as the
runner expects (it shows them as line breaks inside the annotation), and every other control
character (ANSI escapes, which the Actions log would render) is shown escaped, so checked
code can neither start a workflow command of its own nor colour the log.
"""

from __future__ import annotations

from nova_lsp.core.model import Severity
from nova_lsp.report import Report, escape_control

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFORMATION: "notice", Severity.HINT: "notice"}


def _data(text: str) -> str:
    if not text.isprintable():
        text = "".join(ch if ch in "\r\n" else escape_control(ch) for ch in text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    out = []
    for result, f in report.all_findings():
        props = ",".join(
            (
                f"file={_prop(result.path)}",
                f"line={f.span.start_line + 1}",
                f"col={f.span.start_col + 1}",
                f"endLine={f.span.end_line + 1}",
                f"endColumn={f.span.end_col + 1}",
                f"title={_prop(f'{f.rule} {f.name}')}",
            )
        )
        out.append(f"::{_LEVEL[f.severity]} {props}::{_data(f.message)}")
    for path, message in report.errors:
        out.append(f"::error file={_prop(path)},title=nova-lsp::{_data(message)}")
    return "\n".join(out) + ("\n" if out else "")
