"""``nova-lsp check``: find files, reuse cached results, analyse the rest on every core,
filter through the baseline, report.  The engine does the analysis; this module only feeds it.
"""

from __future__ import annotations

import multiprocessing
import os
import stat
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from nova_lsp.cli.baseline import Baseline, unrecorded, write_baseline
from nova_lsp.cli.fix_files import FixError, fix_outcomes, source_encoding, suppress_file, unified_diff
from nova_lsp.cli.options import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, UsageError, default_jobs, load_config
from nova_lsp.cli.output import emit, render
from nova_lsp.config import Config
from nova_lsp.core.document import DecodeError, Document, decode_source
from nova_lsp.core.model import Analysis
from nova_lsp.core.text import escape_control
from nova_lsp.engine.analyze import analyze
from nova_lsp.engine.cache import FORMAT as CACHE_FORMAT
from nova_lsp.engine.cache import ResultCache, content_key
from nova_lsp.engine.fix_all import fix_text
from nova_lsp.engine.project import MAX_ROUNDS, ProjectView, still_valid
from nova_lsp.engine.registry import load_registry
from nova_lsp.engine.runtime import tune_gc
from nova_lsp.engine.selection import oversize_message
from nova_lsp.files import ModuleNames, SourceError, discover, read_bytes
from nova_lsp.report import FileResult, Report, fingerprints

BATCH = 8
_CONFIG: Config | None = None  # set in each worker by the pool initializer
# the project's summaries (module -> qualname -> rule -> facts) and its modules' files (likewise)
_PROJECT: tuple[dict, dict] = ({}, {})


@dataclass
class Outcome:
    display: str
    key: str
    analysis: Analysis | None
    error: str | None
    path: Path | None = None  # set in the main process (never sent to or from a worker)
    data: bytes | None = None  # the analysed bytes, kept in the main process for carets
    module: str = ""  # the file's module name ("nova.compute.manager"), set in the main process
    package: bool = False  # the file is a package's __init__

    def view(self, project: tuple[dict, dict] | None) -> ProjectView:
        summaries, paths = project or ({}, {})
        return ProjectView(self.module, summaries, self.package, paths)


def display_path(path: Path) -> str:
    """The path as reported: relative to the working directory when inside it, POSIX
    separators, and always valid UTF-8 (undecodable bytes of a file name show as ``\\xff``)."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        rel = str(path)
    shown = str(path) if rel.startswith("..") else rel
    return printable_path(shown.replace(os.sep, "/"))


def printable_path(text: str) -> str:
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:  # surrogate-escaped bytes of a non-UTF-8 file name
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def analyse_bytes(
    display: str,
    data: bytes,
    config: Config,
    recorded: frozenset[str] = frozenset(),
    path: str | None = None,
    view: ProjectView | None = None,
) -> Outcome:
    """One file's outcome; findings whose fingerprints are in ``recorded`` (a baseline's) get
    no fixes built.  ``path`` (the file's own path) chooses its ``per-file-ignores``; ``view``
    says what the file's module is and what the project's functions do."""
    key = cache_key(data, config, path or display)
    try:
        text = decode_source(data)
    except DecodeError as exc:
        return Outcome(display, key, None, str(exc))
    fixes = unrecorded(recorded) if recorded else True
    selection = config.selection(path=path or display)
    return Outcome(display, key, analyze(Document(text, display), selection, fixes=fixes, project=view), None)


def cache_key(data: bytes, config: Config, path: str) -> str:
    """The content's hash, and the rules ``per-file-ignores`` turns off for this path (the same
    bytes under ``tests/`` and elsewhere are analysed by different rules)."""
    ignored = config.ignored_for(path)
    return content_key(data) + (":" + ",".join(sorted(ignored)) if ignored else "")


def _init_worker(config: Config, project: tuple[dict, dict]) -> None:
    global _CONFIG, _PROJECT
    _CONFIG = config
    _PROJECT = project
    tune_gc()


def _work(batch):
    return [_analyse_item(item, _CONFIG, _PROJECT) for item in batch]


def _analyse_item(item, config: Config, project: tuple[dict, dict]) -> Outcome:
    display, data, recorded, path, module, package = item
    summaries, paths = project
    return analyse_bytes(display, data, config, recorded, path, ProjectView(module, summaries, package, paths))


def _start_method() -> str:
    return "fork" if sys.platform.startswith("linux") else "spawn"


def _run_pool(jobs: int, items, config: Config, project: tuple[dict, dict]) -> list[Outcome]:
    """Analyse (display, bytes, ...) items in worker processes; survive a worker that dies."""
    method = _start_method()
    if method != "fork":
        # A spawned worker is a new `python -c ...` in the working directory, usually the
        # checked project: without safe-path, Python would put that directory first on its
        # sys.path and import the project's `multiprocessing/` (or whatever the worker
        # imports before it gets our sys.path) instead of the real one.
        os.environ["PYTHONSAFEPATH"] = "1"
    ctx = multiprocessing.get_context(method)
    items = sorted(items, key=lambda item: len(item[1]), reverse=True)  # big files first
    batches = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
    outcomes: list[Outcome] = []
    failed: list = []
    with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init_worker, initargs=(config, project)) as pool:
        futures = [(batch, pool.submit(_work, batch)) for batch in batches]
        for batch, future in futures:
            try:
                outcomes.extend(future.result())
            except Exception:  # BrokenProcessPool (a worker died), or a result that would not pickle
                failed.extend(batch)
    for item in failed:  # one file per fresh worker, to find the one that kills it
        display, data, _, path = item[:4]
        try:
            with ProcessPoolExecutor(1, mp_context=ctx, initializer=_init_worker, initargs=(config, project)) as pool:
                outcomes.extend(pool.submit(_work, [item]).result())
        except BrokenProcessPool:
            message = "skipped: the analysis crashed its worker process"
            outcomes.append(Outcome(display, cache_key(data, config, path), None, message))
        except Exception as exc:
            message = f"internal error (please report this): {type(exc).__name__}: {exc}"
            outcomes.append(Outcome(display, cache_key(data, config, path), None, message))
    return outcomes


def analyse_files(paths: list[Path], config: Config, jobs: int, cache: ResultCache | None, baseline: Baseline | None = None):
    """(outcomes in path order, read errors, the project's summaries) for the given files.

    Two phases.  First every file is analysed (or its result taken from the cache) on its own;
    that gives every function's summary.  Then a file whose rules looked up another module's
    function that has facts (or had them when the result was cached, and does not any more)
    is analysed again with them, and so on while summaries change, at most ``MAX_ROUNDS``
    times.  Summaries are sparse, so the second phase is a few files, not the tree."""
    outcomes: dict[str, Outcome] = {}
    order = []
    sources: dict[str, tuple[Path, bytes]] = {}
    items: dict[str, tuple] = {}
    errors: list[tuple[str, str]] = []
    modules = ModuleNames()
    pending = []
    for path in paths:
        display = display_path(path)
        order.append(display)
        try:
            data = read_bytes(path, config.max_file_size)
        except SourceError as exc:
            errors.append((display, str(exc)))
            continue
        sources[display] = (path, data)
        module, package = modules.name(path)
        recorded = baseline.prints_for(path, display) if baseline is not None else frozenset()
        items[display] = (display, data, recorded, str(path), module, package)
        key = cache_key(data, config, str(path))
        if cache is not None:
            hit = cache.get(key)
            if hit is not None:
                outcomes[display] = Outcome(display, key, hit, None)
                continue
        pending.append(items[display])
    fresh = set()
    project: tuple[dict, dict] = ({}, {})
    for _ in range(MAX_ROUNDS + 1):
        for outcome in _analyse_items(pending, config, jobs, project):
            outcomes[outcome.display] = outcome
            fresh.add(outcome.display)
        project = project_of(outcomes, items)
        pending = [
            items[display]
            for display, outcome in outcomes.items()
            if outcome.analysis is not None and outcome.analysis.used and not still_valid(outcome.analysis.used, project[0])
        ]
        if not pending:
            break
    if cache is not None:
        for display in fresh:
            outcome = outcomes[display]
            if outcome.analysis is not None:
                cache.put(outcome.key, outcome.analysis)
    ordered = []
    for display in order:
        outcome = outcomes.get(display)
        if outcome is None:
            continue
        outcome.path, data = sources[display]
        outcome.module, outcome.package = items[display][4:6]
        if outcome.analysis is not None and outcome.analysis.findings:
            outcome.data = data  # carets and fingerprints use exactly the analysed text
        ordered.append(outcome)
    return ordered, errors, project


def _analyse_items(pending, config: Config, jobs: int, project: tuple[dict, dict]) -> list[Outcome]:
    if jobs > 1 and len(pending) > BATCH:
        return _run_pool(min(jobs, (len(pending) + BATCH - 1) // BATCH), pending, config, project)
    return [_analyse_item(item, config, project) for item in pending]


def project_of(outcomes: dict[str, Outcome], items: dict[str, tuple]) -> tuple[dict, dict]:
    """(module -> its functions' summaries, module -> its file as reported), from every
    analysed file.  Two files that claim one module name (scripts of the same name in two
    directories outside any package) make that name unknown: neither is the one an import of
    it would find, for all we can tell."""
    project: dict = {}
    paths: dict = {}
    claimed: dict[str, int] = {}
    for display, outcome in outcomes.items():
        module = items[display][4]
        if not module or outcome.analysis is None:
            continue
        claimed[module] = claimed.get(module, 0) + 1
        project[module] = outcome.analysis.summaries
        paths[module] = display
    for module, count in claimed.items():
        if count > 1:
            del project[module]
            del paths[module]
    return project, paths


def _lines(outcome: Outcome) -> tuple[str, ...]:
    """Source lines of an analysed file: from the analysed bytes, or (after --fix rewrote
    the file) read again."""
    data = outcome.data
    try:
        if data is None and outcome.path is not None:
            data = read_bytes(outcome.path)
        return tuple(Document(decode_source(data)).lines) if data is not None else ()
    except (SourceError, DecodeError):
        return ()


def unsafe_cache_entry(directory: Path, config_fingerprint: str, own_directory: bool = True) -> Path | None:
    """The first path the cache would write through that is a symbolic link (or a file with
    other hard links), else None.

    The default cache directory lives in the checked project, and a project can ship one:
    writing the cache through a ``.nova-lsp-cache/.gitignore`` that links to ``~/.bashrc``
    would overwrite that file, and a linked ``.nova-lsp-cache`` or ``v1`` directory would put
    the cache wherever the project chose.  ``own_directory`` is false for a ``--cache-dir``
    the user chose, which may itself be a link."""
    version = directory / f"v{CACHE_FORMAT}"
    entries = [version, directory / "CACHEDIR.TAG", directory / ".gitignore", version / f"{config_fingerprint}.json"]
    for path in [directory, *entries] if own_directory else entries:
        try:
            info = os.lstat(path)
        except OSError:  # absent (the cache creates it), or unreachable (it will not be written)
            continue
        if stat.S_ISLNK(info.st_mode) or (stat.S_ISREG(info.st_mode) and info.st_nlink > 1):
            return path
    return None


def run_check(args) -> int:
    if args.jobs < 0:
        raise UsageError("--jobs must be 0 (all cores) or a positive number")
    if args.unsafe_fixes and not (args.fix or args.diff):
        raise UsageError("--unsafe-fixes goes with --fix or --diff")
    stdin = "-" in args.paths or (args.stdin_filename is not None and not args.paths)
    if stdin and len(args.paths) > 1:
        raise UsageError("'-' (standard input) cannot be checked together with other paths")
    config = load_config(args)
    registry = load_registry()
    tune_gc()
    config.active_rules(registry)  # validate selection before doing any work
    if stdin:
        return run_stdin(args, config, registry)
    paths, problems = discover(args.paths or ["."], config.excludes(), config.root, config.force_exclude)
    errors: list[tuple[str, str]] = []
    for problem in problems:
        if "outside the checked tree" in problem.message:
            if not args.quiet:
                shown = escape_control(display_path(Path(problem.path)))
                print(f"nova-lsp: warning: {shown}: {problem.message}", file=sys.stderr)
            continue
        errors.append((display_path(Path(problem.path)), problem.message))
    if not paths and not errors:
        # a typo in a path, or the wrong directory: an empty run must not pass as a clean one
        named = ", ".join(escape_control(p) for p in (args.paths or ["."]))
        print(f"nova-lsp: warning: no Python files found in {named}", file=sys.stderr)
        return EXIT_ERROR

    baseline = Baseline.load(args.baseline) if args.baseline else None
    cache = None
    if not args.no_cache:
        cache_dir = Path(args.cache_dir) if args.cache_dir else Path(config.root or ".") / ".nova-lsp-cache"
        # a baseline changes which findings get fixes: such results are cached apart
        fingerprint = config.fingerprint() + (f"-{baseline.digest}" if baseline is not None else "")
        unsafe = unsafe_cache_entry(cache_dir, fingerprint, own_directory=not args.cache_dir)
        if unsafe is None:
            cache = ResultCache(cache_dir, fingerprint)
        elif not args.quiet:
            shown = escape_control(display_path(unsafe))
            print(f"nova-lsp: warning: {shown} is a link; checking without the cache", file=sys.stderr)
    outcomes, read_errors, project = analyse_files(paths, config, args.jobs or default_jobs(), cache, baseline)
    errors.extend(read_errors)
    if cache is not None:
        cache.save()

    if args.add_suppressions:
        added, add_errors = add_suppressions(outcomes, config, baseline, args.severity)
        errors.extend(add_errors)
        for path, message in sorted(errors):
            print(f"nova-lsp: error: {escape_control(path)}: {escape_control(message)}", file=sys.stderr)
        if not args.quiet:
            files = len({path for path, _ in added})
            print(f"nova-lsp: added {len(added)} suppression(s) in {files} file(s)", file=sys.stderr)
        return EXIT_ERROR if errors else EXIT_CLEAN

    applied: list = []
    if args.fix or args.diff:
        before = outcomes
        outcomes, changed, fix_errors, applied = fix_outcomes(
            outcomes,
            config,
            diff=args.diff,
            baseline=baseline,
            unsafe=args.unsafe_fixes,
            quiet=args.quiet,
            project=project,
        )
        errors.extend(fix_errors)
        for old, new in zip(before, outcomes):
            if new is not old:  # rewritten on disk: carets must come from the new text
                new.data = None
        if args.diff:
            return EXIT_ERROR if errors else (EXIT_FINDINGS if changed else EXIT_CLEAN)

    results: list[FileResult] = []
    real_paths: dict[str, Path] = {}
    for outcome in outcomes:
        if outcome.error is not None:
            errors.append((outcome.display, outcome.error))
            continue
        errors.extend((outcome.display, e.message) for e in outcome.analysis.errors)
        if outcome.analysis.findings:
            real_paths[outcome.display] = outcome.path
            results.append(FileResult(outcome.display, outcome.analysis.findings, _lines(outcome)))
    errors.sort(key=lambda item: item[0])  # stable: a file's own errors keep their order

    if args.write_baseline:
        count = write_baseline(args.write_baseline, results, real_paths)
        for path, message in errors:
            print(f"nova-lsp: error: {escape_control(path)}: {escape_control(message)}", file=sys.stderr)
        if not args.quiet:
            print(f"nova-lsp: wrote {count} finding(s) to baseline {args.write_baseline}", file=sys.stderr)
        return EXIT_ERROR if errors else EXIT_CLEAN

    if baseline is not None:
        filtered = []
        for result in results:
            recorded = baseline.prints_for(real_paths.get(result.path), result.path)
            keep = tuple(f for f, fp in zip(result.findings, fingerprints(result)) if fp not in recorded)
            if keep:
                filtered.append(FileResult(result.path, keep, result.lines))
        results = filtered
    results = below_severity_dropped(results, args.severity)

    report = Report(tuple(results), tuple(errors), registry.rules, config.docs_url, checked=len(outcomes))
    emit(render(report, args, applied), args)

    if errors:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    return EXIT_FINDINGS if any(True for _ in report.all_findings()) else EXIT_CLEAN


def below_severity_dropped(results: list[FileResult], minimum) -> list[FileResult]:
    """``--severity LEVEL``: what is below it is neither reported, nor counted, nor failing.
    (Syntax errors are errors, so they always stay.)"""
    kept = []
    for result in results:
        findings = tuple(f for f in result.findings if f.severity >= minimum)
        if findings:
            kept.append(FileResult(result.path, findings, result.lines))
    return kept


def run_stdin(args, config: Config, registry) -> int:
    """``nova-lsp check -`` (``--stdin-filename PATH``): the text on standard input, reported
    under PATH, with PATH's configuration and per-file ignores.  With ``--fix`` the fixed
    text goes to standard output (what editors' format-on-save and pre-commit setups read)
    and nothing else does; with ``--diff`` the diff does."""
    display = args.stdin_filename or "-"
    data = sys.stdin.buffer.read()
    if len(data) > config.max_file_size:
        message = oversize_message(len(data), config.max_file_size)
        print(f"nova-lsp: error: {escape_control(display)}: {message}", file=sys.stderr)
        return EXIT_ERROR
    try:
        text = decode_source(data)
    except DecodeError as exc:
        print(f"nova-lsp: error: {escape_control(display)}: {escape_control(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    selection = config.selection(path=display) if args.stdin_filename else config.selection()
    if args.fix or args.diff:
        result = fix_text(text, display, selection, unsafe=args.unsafe_fixes)
        if args.diff:
            sys.stdout.write(unified_diff(display, result.original, result.text))
            sys.stdout.flush()
            return EXIT_FINDINGS if result.changed else EXIT_CLEAN
        try:
            encoded = result.text.encode(source_encoding(data))
        except (UnicodeEncodeError, FixError):
            encoded = result.text.encode("utf-8")
        sys.stdout.flush()
        sys.stdout.buffer.write(encoded)
        sys.stdout.flush()
        left = below_severity_dropped([FileResult(display, result.analysis.findings)], args.severity)
        return EXIT_CLEAN if args.exit_zero or not left else EXIT_FINDINGS
    analysis = analyze(Document(text, display), selection)
    errors = [(display, e.message) for e in analysis.errors]
    results = below_severity_dropped([FileResult(display, analysis.findings, tuple(Document(text).lines))], args.severity)
    report = Report(tuple(results), tuple(errors), registry.rules, config.docs_url, checked=1)
    emit(render(report, args), args)
    if errors:
        return EXIT_ERROR
    return EXIT_CLEAN if args.exit_zero or not results else EXIT_FINDINGS


def add_suppressions(outcomes, config: Config, baseline, minimum):
    """``--add-suppressions``: a suppression comment for every finding that is reported (not a
    baselined one, not one below ``--severity``), merged into the line's existing directive.
    Returns ((path, 1) per comment added, errors)."""
    added = []
    errors = []
    for outcome in outcomes:
        analysis = outcome.analysis
        if analysis is None or outcome.path is None or not analysis.findings:
            continue
        findings = [f for f in analysis.findings if f.severity >= minimum and f.rule != "NOVA900"]
        if baseline is not None:
            recorded = baseline.prints_for(outcome.path, outcome.display)
            prints = fingerprints(FileResult(outcome.display, analysis.findings, _lines(outcome)))
            skip = {id(f) for f, fp in zip(analysis.findings, prints) if fp in recorded}
            findings = [f for f in findings if id(f) not in skip]
        if not findings:
            continue
        try:
            count = suppress_file(outcome.path, findings, config)
        except FixError as exc:
            errors.append((outcome.display, f"cannot add suppressions: {exc}"))
            continue
        added.extend((outcome.display, 1) for _ in range(count))
    return added, errors
