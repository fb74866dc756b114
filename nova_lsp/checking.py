"""``nova-lsp check``: find files, reuse cached results, analyse the rest on every core,
filter through the baseline, report.  The engine does the analysis; this module only feeds it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from nova_lsp.config import Config
from nova_lsp.document import DecodeError, Document, decode_source
from nova_lsp.engine.analyze import analyze
from nova_lsp.engine.cache import ResultCache, content_key
from nova_lsp.engine.model import Analysis
from nova_lsp.engine.registry import load_registry
from nova_lsp.files import SourceError, discover, read_bytes
from nova_lsp.report import FileResult, Report, fingerprints

BATCH = 8
_CONFIG: Config | None = None  # set in each worker by the pool initializer


@dataclass
class Outcome:
    display: str
    key: str
    analysis: Analysis | None
    error: str | None


def display_path(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        rel = str(path)
    shown = str(path) if rel.startswith("..") else rel
    return shown.replace(os.sep, "/")


def analyse_bytes(display: str, data: bytes, config: Config) -> Outcome:
    key = content_key(data)
    try:
        text = decode_source(data)
    except DecodeError as exc:
        return Outcome(display, key, None, str(exc))
    return Outcome(display, key, analyze(Document(text, display), config), None)


def _init_worker(config: Config) -> None:
    global _CONFIG
    _CONFIG = config


def _work(batch):
    return [analyse_bytes(display, data, _CONFIG) for display, data in batch]


def _run_pool(jobs: int, items, config: Config) -> list[Outcome]:
    """Analyse (display, bytes) items in worker processes; survive a worker that dies."""
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    items = sorted(items, key=lambda item: len(item[1]), reverse=True)  # big files first
    batches = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
    outcomes: list[Outcome] = []
    failed: list = []
    with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init_worker, initargs=(config,)) as pool:
        futures = [(batch, pool.submit(_work, batch)) for batch in batches]
        for batch, future in futures:
            try:
                outcomes.extend(future.result())
            except BrokenProcessPool:
                failed.extend(batch)
    for display, data in failed:  # one file per fresh worker, to find the one that kills it
        try:
            with ProcessPoolExecutor(1, mp_context=ctx, initializer=_init_worker, initargs=(config,)) as pool:
                outcomes.extend(pool.submit(_work, [(display, data)]).result())
        except BrokenProcessPool:
            outcomes.append(Outcome(display, content_key(data), None, "the analysis crashed its worker process"))
    return outcomes


def analyse_files(paths: list[Path], config: Config, jobs: int, cache: ResultCache | None):
    """(outcomes in path order, read errors) for the given files."""
    outcomes: dict[str, Outcome] = {}
    pending = []
    order = []
    errors: list[tuple[str, str]] = []
    for path in paths:
        display = display_path(path)
        order.append(display)
        try:
            data = read_bytes(path)
        except SourceError as exc:
            errors.append((display, str(exc)))
            continue
        if cache is not None:
            hit = cache.get(content_key(data))
            if hit is not None:
                outcomes[display] = Outcome(display, content_key(data), hit, None)
                continue
        pending.append((display, data))
    if jobs > 1 and len(pending) > BATCH:
        done = _run_pool(min(jobs, (len(pending) + BATCH - 1) // BATCH), pending, config)
    else:
        done = [analyse_bytes(display, data, config) for display, data in pending]
    for outcome in done:
        outcomes[outcome.display] = outcome
        if cache is not None and outcome.analysis is not None:
            cache.put(outcome.key, outcome.analysis)
    ordered = [outcomes[d] for d in order if d in outcomes]
    return ordered, errors


def _read_lines(display: str) -> tuple[str, ...]:
    try:
        return tuple(Document(decode_source(read_bytes(Path(display)))).lines)
    except (SourceError, DecodeError):
        return ()


def load_baseline(path: str) -> set[tuple[str, str]]:
    from nova_lsp.cli import UsageError

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return {(item["path"], item["fingerprint"]) for item in data["findings"]}
    except FileNotFoundError:
        raise UsageError(f"{path}: baseline file not found") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path}: not a nova-lsp baseline ({type(exc).__name__}: {exc})") from None


def write_baseline(path: str, results: list[FileResult]) -> int:
    rows = []
    for result in results:
        for finding, fp in zip(result.findings, fingerprints(result)):
            rows.append({"path": result.path, "rule": finding.rule, "fingerprint": fp, "message": finding.message})
    payload = {"tool": "nova-lsp", "format": 1, "findings": rows}
    Path(path).write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(rows)


def run_check(args) -> int:
    from nova_lsp.cli import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, UsageError, default_jobs, load_config

    if args.jobs < 0:
        raise UsageError("--jobs must be 0 (all cores) or a positive number")
    config = load_config(args)
    registry = load_registry()
    config.active_rules(registry)  # validate selection before doing any work
    paths, problems = discover(args.paths or ["."], config.excludes(), config.root)
    errors: list[tuple[str, str]] = []
    missing = False
    for problem in problems:
        if "outside the checked tree" in problem.message:
            print(f"nova-lsp: warning: {problem.path}: {problem.message}", file=sys.stderr)
            continue
        if problem.message == "no such file or directory":
            missing = True
        errors.append((display_path(Path(problem.path)), problem.message))

    cache = None
    if not args.no_cache:
        cache_dir = Path(args.cache_dir) if args.cache_dir else Path(config.root or ".") / ".nova-lsp-cache"
        cache = ResultCache(cache_dir, config.fingerprint())
    outcomes, read_errors = analyse_files(paths, config, args.jobs or default_jobs(), cache)
    errors.extend(read_errors)
    if cache is not None:
        cache.save()

    if getattr(args, "fix", False) or getattr(args, "diff", False):
        from nova_lsp.fixing import fix_outcomes

        outcomes, changed, fix_errors = fix_outcomes(outcomes, config, diff=args.diff)
        errors.extend(fix_errors)
        if args.diff:
            return EXIT_ERROR if errors else (EXIT_FINDINGS if changed else EXIT_CLEAN)

    results: list[FileResult] = []
    for outcome in outcomes:
        if outcome.error is not None:
            errors.append((outcome.display, outcome.error))
            continue
        errors.extend((outcome.display, e.message) for e in outcome.analysis.errors)
        if outcome.analysis.findings:
            results.append(FileResult(outcome.display, outcome.analysis.findings, _read_lines(outcome.display)))

    if args.write_baseline:
        count = write_baseline(args.write_baseline, results)
        print(f"nova-lsp: wrote {count} finding(s) to baseline {args.write_baseline}", file=sys.stderr)
        return EXIT_ERROR if missing else EXIT_CLEAN

    if args.baseline:
        known = load_baseline(args.baseline)
        filtered = []
        for result in results:
            keep = tuple(f for f, fp in zip(result.findings, fingerprints(result)) if (result.path, fp) not in known)
            if keep:
                filtered.append(FileResult(result.path, keep, result.lines))
        results = filtered

    report = Report(tuple(results), tuple(errors), registry.rules, config.docs_url, checked=len(outcomes))
    text = render(report, args)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()

    if errors:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    failing = any(f.severity >= args.severity for _, f in report.all_findings())
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def render(report: Report, args) -> str:
    if args.format == "json":
        from nova_lsp.report.json_report import render as json_render

        return json_render(report)
    if args.format == "sarif":
        from nova_lsp.report.sarif import render as sarif_render

        return sarif_render(report)
    if args.format == "github":
        from nova_lsp.report.github import render as github_render

        return github_render(report)
    from nova_lsp.report.text import render as text_render

    colour = args.colour
    if colour is None:
        colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR") and not args.output
    elif colour and os.environ.get("NO_COLOR"):
        colour = False
    text = text_render(report, colour=colour)
    if args.statistics:
        text = text[text.find("Found") :] if "Found" in text else text.splitlines()[-1] + "\n"
    return text
