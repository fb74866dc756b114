"""``--format text``: ``path:line:col: ID [severity] message``, the line with a caret, a summary.

Colour only when writing to a terminal and ``NO_COLOR`` is not set.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

from nova_lsp.engine.model import Severity
from nova_lsp.report import Report, escape_control

_COLOURS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFORMATION: "36", Severity.HINT: "37"}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _caret_prefix(line: str, col: int) -> str:
    # keep tabs so the caret lines up however the terminal expands them
    return "".join("\t" if ch == "\t" else " " * _width(ch) for ch in line[:col])


def render(report: Report, colour: bool = False) -> str:
    def paint(code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if colour else text

    out: list[str] = []
    counts: Counter = Counter()
    names: dict[str, str] = {}
    for result, f in report.all_findings():
        counts[f.rule] += 1
        names[f.rule] = f.name
        line_no = f.span.start_line + 1
        head = f"{escape_control(result.path)}:{line_no}:{f.span.start_col + 1}:"
        out.append(
            f"{paint('1', head)} {paint('1;' + _COLOURS[f.severity], f.rule)} "
            f"[{f.severity.label}] {escape_control(f.message)}"
        )
        if f.span.start_line < len(result.lines):
            raw = result.lines[f.span.start_line]
            source = escape_control(raw, keep_tabs=True)
            end = f.span.end_col if f.span.end_line == f.span.start_line else len(raw.rstrip())
            width = max(_width(raw[f.span.start_col : end]), 1)
            gutter = f"{line_no:>5} | "
            out.append(paint("2", gutter) + source)
            out.append(" " * (len(gutter) - 2) + "| " + _caret_prefix(raw, f.span.start_col) + paint(_COLOURS[f.severity], "^" * width))
        out.append("")
    for path, message in report.errors:
        out.append(f"{paint('1', escape_control(path))}: {paint('1;31', 'error')}: {escape_control(message)}")
    if report.errors:
        out.append("")
    total = sum(counts.values())
    if total:
        out.append(f"Found {total} finding{'s' if total != 1 else ''} in {report.checked} file{'s' if report.checked != 1 else ''}:")
        for rule_id, count in sorted(counts.items()):
            out.append(f"{count:>6}  {rule_id}  {names[rule_id]}")
    else:
        out.append(f"No findings in {report.checked} file{'s' if report.checked != 1 else ''}.")
    if report.errors:
        out.append(f"{len(report.errors)} file{'s' if len(report.errors) != 1 else ''} could not be checked.")
    return "\n".join(out) + "\n"
