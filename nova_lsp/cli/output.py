"""Writing the report: the chosen format, colour only where it belongs, the right encoding."""

from __future__ import annotations

import os
import sys

from nova_lsp.cli.options import UsageError
from nova_lsp.report import Report
from nova_lsp.report.github import render as github_render
from nova_lsp.report.json_report import render as json_render
from nova_lsp.report.sarif import render as sarif_render
from nova_lsp.report.text import render as text_render


def render(report: Report, args, applied=()) -> str:
    if args.format == "json":
        return json_render(report)
    if args.format == "sarif":
        return sarif_render(report)
    if args.format == "github":
        return github_render(report)
    return text_render(
        report,
        colour=use_colour(args),
        statistics=args.statistics,
        quiet=args.quiet,
        show_fixes=args.show_fixes,
        applied=applied,
    )


def use_colour(args) -> bool:
    """--color / --no-color decide; otherwise colour only on a terminal without NO_COLOR.

    Per no-color.org, NO_COLOR (set and not empty) turns off colour *by default*, and an
    explicit command-line flag overrides it: ``--color`` colours even with NO_COLOR set.
    """
    if args.colour is not None:
        return args.colour
    if args.output or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):  # force-color.org: CI logs that render colour
        return True
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def emit(text: str, args) -> None:
    """Write the report.  JSON and SARIF are always UTF-8; text and annotations use the
    terminal's encoding with backslash escapes for what it cannot show, never a crash."""
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except OSError as exc:
            raise UsageError(f"{args.output}: cannot write the report: {exc.strerror or exc}") from None
        return
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # replaced by something text-only
        stream.write(text)
        stream.flush()
        return
    encoding = "utf-8" if args.format in ("json", "sarif") else (stream.encoding or "utf-8")
    stream.flush()
    buffer.write(text.encode(encoding, "backslashreplace"))
    buffer.flush()
