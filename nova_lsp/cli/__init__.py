"""The command-line face: ``nova-lsp check | rules | explain`` (``serve`` is the server's).

Translation only: files in, engine findings out through a reporter.  Exit codes: 0 nothing at
or above the ``--severity`` threshold, 1 findings, 2 usage error, missing path, a file that
could not be checked, or an internal error (the message names the path and the reason).
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from nova_lsp import missing_dependency
from nova_lsp.checks.allocation_fix import helper_source
from nova_lsp.cli import check
from nova_lsp.cli.options import EXIT_CLEAN, EXIT_ERROR, UsageError, build_parser
from nova_lsp.config import ConfigError
from nova_lsp.core.text import escape_control
from nova_lsp.engine.registry import RuleError, load_registry
from nova_lsp.report.rule_docs import rule_markdown


def main(argv: list[str] | None = None) -> int:
    """``nova-lsp`` without ``serve`` (``nova_lsp.main`` adds that)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 for --help
        return int(exc.code or 0)
    return run(args, parser)


def run(args, parser) -> int:
    """Run a parsed command; every error becomes a message on stderr and exit status 2."""
    try:
        if args.command == "check":
            return check.run_check(args)
        if args.command == "rules":
            return _rules(args)
        if args.command == "explain":
            return _explain(args)
        if args.command == "write-allocation-validator":
            return _write_validator(args)
        parser.print_help()
        return EXIT_ERROR
    except (UsageError, ConfigError, RuleError) as exc:
        # the message may quote the checked project's configuration (a key, a value): shown
        # escaped, so it cannot start a line of its own (a forged `::error::` in CI) or
        # send terminal escapes
        print(f"nova-lsp: error: {escape_control(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # an internal error: say so, with the traceback for the bug report
        missing = missing_dependency(exc, sys.executable) if isinstance(exc, ModuleNotFoundError) else None
        if missing is not None:  # a dependency that is not installed: which, and how to install it
            print(missing, file=sys.stderr)
            return EXIT_ERROR
        print("nova-lsp: internal error (please report this):", file=sys.stderr)
        print(_traceback_text(exc), file=sys.stderr)
        return EXIT_ERROR


def _traceback_text(exc: BaseException) -> str:
    """The traceback, its frames line by line; the exception itself (whose text may quote the
    checked files or configuration) on one line with control characters escaped."""
    frames = "".join(traceback.format_tb(exc.__traceback__)).splitlines()
    last = "".join(traceback.format_exception_only(type(exc), exc)).rstrip("\n")
    lines = ["Traceback (most recent call last):", *frames, last]
    return "\n".join(escape_control(line, keep_tabs=True) for line in lines)


def _rules(args) -> int:
    rules = load_registry().rules
    if args.format == "json":
        rows = [
            {
                "id": r.id,
                "name": r.name,
                "cwe": list(r.cwe),
                "severity": r.severity.label,
                "enabled": r.enabled,
                "summary": r.summary,
                "fix": r.fix,
            }
            for r in rules
        ]
        print(json.dumps(rows, indent=2))
        return EXIT_CLEAN
    width = max(len(r.name) for r in rules)
    for r in rules:
        cwe = ",".join(f"CWE-{c}" for c in r.cwe)
        state = "" if r.enabled else " (off by default)"
        print(f"{r.id}  {r.name:<{width}}  {r.severity.label:<11}  {cwe:<18}  {r.summary}{state}")
    return EXIT_CLEAN


VALIDATOR = "validate_allocations"


def _write_validator(args) -> int:
    """Write the module holding the project's allocation validator, once; say how to name it."""
    path = Path(args.path)
    if path.suffix != ".py":
        raise UsageError(f"{args.path}: the validator goes in a Python module (a .py file)")
    if path.exists():
        raise UsageError(f"{args.path}: exists already; the validator is written once, into a new module")
    if not path.parent.is_dir():
        raise UsageError(f"{args.path}: no such directory {str(path.parent)!r}")
    header = (
        '"""Validation of Placement allocation dicts before they are written (CWE-20).\n\n'
        "Written by ``nova-lsp write-allocation-validator``; the NOVA004 fix calls it.\n"
        '"""\n\nimport re\n\n\n'
    )
    try:
        path.write_text(header + helper_source(VALIDATOR, "re.fullmatch"), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{args.path}: cannot write: {exc.strerror or exc}") from None
    module = ".".join(path.with_suffix("").parts).lstrip(".")
    print(f"nova-lsp: wrote {escape_control(args.path)}; name it in your configuration:")
    print("[tool.nova-lsp.rules.unvalidated-allocation]")
    print(f'fix-validator = "{escape_control(module)}.{VALIDATOR}"')
    return EXIT_CLEAN


def _explain(args) -> int:
    rule = load_registry().get(args.rule)
    if rule is None:
        raise UsageError(f"unknown rule {args.rule!r}; `nova-lsp rules` lists them")
    print(rule_markdown(rule, examples=True), end="")
    return EXIT_CLEAN


