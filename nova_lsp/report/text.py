"""``--format text``: ``path:line:col: ID [severity] message``, the line with a caret, a summary.

Colour is the caller's decision (see ``checking.use_colour``).  Everything that comes from
the checked files (paths, source lines, messages quoting code) goes through
``escape_control``, so a file name with a newline or an ANSI escape cannot forge lines.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

from nova_lsp.core.model import Severity
from nova_lsp.engine.fix_all import hidden_fix, main_fix
from nova_lsp.report import Report, escape_control

_COLOURS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFORMATION: "36", Severity.HINT: "37"}


MAX_SOURCE = 160  # longer source lines are shown as a window around the finding


def _width(text: str) -> int:
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text
    )


def _caret_prefix(shown: str) -> str:
    # keep tabs so the caret lines up however the terminal expands them
    return "".join("\t" if ch == "\t" else " " * _width(ch) for ch in shown)


def _source_and_caret(raw: str, start: int, end: int) -> tuple[str, str, int]:
    """(line as shown, blanks before the caret, caret width) for the span [start, end) of
    ``raw``: control characters escaped, very long lines cut to a window with ellipses."""
    lo, hi = 0, len(raw)
    if len(raw) > MAX_SOURCE:
        lo = max(0, min(start - MAX_SOURCE // 4, len(raw) - MAX_SOURCE))
        hi = min(len(raw), lo + MAX_SOURCE)
    start = min(max(start, lo), hi)
    end = min(max(end, start), hi)
    before = ("…" if lo > 0 else "") + escape_control(raw[lo:start], keep_tabs=True)
    marked = escape_control(raw[start:end], keep_tabs=True)
    after = escape_control(raw[end:hi], keep_tabs=True) + ("…" if hi < len(raw) else "")
    return before + marked + after, _caret_prefix(before), max(_width(marked.replace("\t", " ")), 1)


def render(
    report: Report,
    colour: bool = False,
    statistics: bool = False,
    quiet: bool = False,
    show_fixes: bool = False,
    applied=(),
    unsafe_fixes: bool = False,
) -> str:
    """The report.  A finding ``--fix`` can fix is marked ``[*]`` (``[-]`` when only
    ``--unsafe-fixes`` can); with ``show_fixes`` the fix follows it (or, after ``--fix``, the
    fixes applied are listed).  With ``statistics`` only the summary; with ``quiet`` no
    summary at all."""

    def paint(code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if colour else text

    out: list[str] = []
    counts: Counter = Counter()
    names: dict[str, str] = {}
    fixable = hidden = 0
    files_with = 0
    for result in report.files:
        if result.findings:
            files_with += 1
    for result, f in report.all_findings():
        counts[f.rule] += 1
        names[f.rule] = f.name
        fix = main_fix(f)
        unsafe = hidden_fix(f) if fix is None else None
        fixable += fix is not None
        hidden += unsafe is not None
        if statistics:
            continue
        line_no = f.span.start_line + 1
        head = f"{escape_control(result.path)}:{line_no}:{f.span.start_col + 1}:"
        mark = "[*] " if fix is not None else ("[-] " if unsafe is not None else "")
        out.append(
            f"{paint('1', head)} {paint('1;' + _COLOURS[f.severity], f.rule)} "
            f"[{f.severity.label}] {paint('32', mark) if mark else ''}{escape_control(f.message)}"
        )
        if f.span.start_line < len(result.lines):
            raw = result.lines[f.span.start_line]
            end = f.span.end_col if f.span.end_line == f.span.start_line else len(raw.rstrip())
            source, blanks, width = _source_and_caret(raw, f.span.start_col, end)
            gutter = f"{line_no:>5} | "
            out.append(paint("2", gutter) + source)
            out.append(" " * (len(gutter) - 2) + "| " + blanks + paint(_COLOURS[f.severity], "^" * width))
        for r in f.related:  # where the flow went: a line of this file, or of a helper's
            where = f"{escape_control(r.path or result.path)}:{r.span.start_line + 1}:{r.span.start_col + 1}"
            out.append(f"      = note: {where}: {escape_control(r.message)}")
        if show_fixes and (fix or unsafe):
            shown = fix or unsafe
            out.append(f"      = fix ({shown.applicability.value}): {escape_control(shown.title)}")
        out.append("")
    for path, message in () if statistics else report.errors:
        out.append(f"{paint('1', escape_control(path))}: {paint('1;31', 'error')}: {escape_control(message)}")
    if report.errors and not statistics:
        out.append("")
    if show_fixes and applied and not quiet:
        out.append(f"Fixed {len(applied)} finding{'s' if len(applied) != 1 else ''}:")
        for path, fix in applied:
            out.append(f"  {escape_control(path)}:{fix.line}: {fix.rule} {escape_control(fix.title)}")
        out.append("")
    if quiet:
        return "\n".join(out) + ("\n" if out else "")
    total = sum(counts.values())
    checked = report.checked
    files = f"{checked} file{'s' if checked != 1 else ''}"
    if total:
        where = files if files_with == checked else f"{files_with} of {files}"
        out.append(f"Found {total} finding{'s' if total != 1 else ''} in {where}:")
        for rule_id, count in sorted(counts.items()):
            out.append(f"{count:>6}  {rule_id}  {names[rule_id]}")
        if fixable or hidden:
            line = f"[*] {fixable} fixable with the --fix option"
            if hidden:
                line += f" ({hidden} more with --unsafe-fixes)" if fixable else ""
                if not fixable:
                    line = f"[-] {hidden} fixable with --fix --unsafe-fixes"
            out.append(line + ".")
    else:
        out.append(f"No findings in {files}.")
    if report.errors:
        failed = len({path for path, _ in report.errors})
        out.append(f"{failed} file{'s' if failed != 1 else ''} could not be checked.")
    return "\n".join(out) + "\n"
