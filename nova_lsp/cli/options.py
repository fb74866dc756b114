"""The ``nova-lsp`` command line: its options, exit codes, and the configuration they make."""

from __future__ import annotations

import argparse
import multiprocessing
import os
from pathlib import Path

from nova_lsp import __version__
from nova_lsp.config import Config, discover_config, read_config_file
from nova_lsp.core.model import Severity

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github")


class UsageError(Exception):
    pass


def _split(values) -> list[str]:
    out: list[str] = []
    for value in values or ():
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def _severity(value: str) -> Severity:
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nova-lsp", description="Security hints for OpenStack-style Python, in the editor and in CI."
    )
    parser.add_argument("--version", action="version", version=f"nova-lsp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="check files and directories (default: .)")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories to check")
    check.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    check.add_argument("--select", action="append", metavar="RULES", help="only these rules (ids, names, prefixes, ALL)")
    check.add_argument("--extend-select", action="append", metavar="RULES", help="enable these rules as well")
    check.add_argument("--ignore", action="append", metavar="RULES", help="disable these rules")
    check.add_argument(
        "--severity",
        type=_severity,
        default=Severity.HINT,
        metavar="LEVEL",
        help="lowest severity to report (and to fail the run): error, warning, information, hint (default: hint)",
    )
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--fix", action="store_true", help="apply the safe fixes, then report what is left")
    check.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff, also apply fixes that can change what the program does")
    check.add_argument("--diff", action="store_true", help="print the fixes as a unified diff, write nothing; exit 1 if there are any")
    check.add_argument("--show-fixes", action="store_true", help="(text) show the fix of each fixable finding, or with --fix each fix applied")
    check.add_argument(
        "--add-suppressions",
        action="store_true",
        help="add a '# nova-lsp: ignore[ID]' comment for every finding (to adopt the tool on a legacy tree)",
    )
    check.add_argument("--quiet", "-q", action="store_true", help="print the findings and errors only: no summary, no progress")
    check.add_argument("--stdin-filename", metavar="PATH", help="the path of the text read from standard input (with '-' as PATH)")
    check.add_argument("--force-exclude", action="store_true", help="apply excludes to files named on the command line too")
    check.add_argument("--jobs", "-j", type=int, default=0, metavar="N", help="worker processes (default: CPU count)")
    check.add_argument("--no-cache", action="store_true", help="neither read nor write the result cache")
    check.add_argument("--cache-dir", metavar="DIR", help="cache directory (default: .nova-lsp-cache in the project root)")
    check.add_argument("--config", metavar="FILE", help="a pyproject.toml ([tool.nova-lsp]) or a nova-lsp TOML file")
    check.add_argument("--baseline", metavar="FILE", help="do not report findings recorded in this baseline")
    check.add_argument("--write-baseline", metavar="FILE", help="record the current findings as a baseline")
    check.add_argument("--exclude", action="append", metavar="GLOBS", help="exclude these globs (replaces the defaults)")
    check.add_argument("--extend-exclude", action="append", metavar="GLOBS", help="exclude these globs as well")
    check.add_argument("--statistics", action="store_true", help="(text) print only the per-rule summary")
    colour = check.add_mutually_exclusive_group()
    colour.add_argument(
        "--color",
        dest="colour",
        action="store_const",
        const=True,
        help="always colour text output, even when piped and even with NO_COLOR set (an explicit "
        "flag overrides the environment, as no-color.org advises). Default: colour only on a "
        "terminal, and never when NO_COLOR is set to a non-empty value",
    )
    colour.add_argument("--no-color", dest="colour", action="store_const", const=False, help="never colour")

    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--stdio", action="store_true", help="speak LSP over stdin/stdout (the default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP socket instead (for debugging)")

    rules = sub.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    writer = sub.add_parser(
        "write-allocation-validator",
        help="write the project's one Placement allocation validator, for the NOVA004 fix",
    )
    writer.add_argument("path", metavar="PATH", help="the new module, e.g. nova/scheduler/allocation_validation.py")

    explain = sub.add_parser("explain", help="print the documentation of a rule")
    explain.add_argument("rule", metavar="ID", help="rule id or name, e.g. NOVA001 or log-sensitive-data")
    return parser


def load_config(args) -> Config:
    if args.config:
        path = Path(args.config)
        if not path.is_file():
            raise UsageError(f"{args.config}: config file not found")
        config = read_config_file(path)
    else:
        named = [p for p in args.paths if p != "-"]
        if getattr(args, "stdin_filename", None) and not named:
            named = [args.stdin_filename]
        first = Path(named[0]) if named else Path.cwd()
        config = discover_config(first if first.exists() else (first.parent if first.parent.exists() else Path.cwd()))
    table: dict = {}
    if args.select:
        table["select"] = _split(args.select)
    if args.extend_select:
        table["extend-select"] = _split(args.extend_select)
    if args.ignore:
        table["ignore"] = _split(args.ignore)
    if args.exclude:
        table["exclude"] = _split(args.exclude)
    if args.extend_exclude:
        table["extend-exclude"] = _split(args.extend_exclude)
    if getattr(args, "force_exclude", False):
        table["force-exclude"] = True
    return config.overlay(table, "command line") if table else config


def default_jobs() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not Linux
        return max(multiprocessing.cpu_count(), 1)
