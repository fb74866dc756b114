"""The engine invariants the fuzz tests (tests/fuzz) and the long-running fuzzer
(benchmarks/fuzz_engine.py) check on any text.

``check(text, config)`` analyses ``text`` and raises ``InvariantError`` naming the first broken
invariant:

* ``analyze`` returns (it must never raise), reports no internal error (only the documented
  "skipped: nested too deeply" kind), and nothing in the engine logs a warning or an error
  (fixers that crash are logged and dropped, which would otherwise hide them);
* every span (finding, related, every fix edit) lies inside the document: 0 <= line < number
  of lines, 0 <= column <= length of that line in code points, start <= end;
* every fix's edits apply (they do not overlap); when the original text parses, the edited
  text parses too, for real fixes and for suppression comments alike;
* a suppression fix silences its finding, and a real fix's result again satisfies every
  invariant here (for the first ``recheck`` fixes of the text: re-analysis costs time);
* NOVA900 (syntax error) is reported exactly when ``ast.parse`` rejects the text.

Judged with the standard library (``ast``), not with the engine's own helpers, so a bug in
those cannot hide itself.
"""

from __future__ import annotations

import ast
import logging
import warnings
from contextlib import contextmanager

from nova_lsp.config import Config
from nova_lsp.core.document import Document, apply_edits
from nova_lsp.engine.analyze import analyze
from nova_lsp.core.model import Analysis, FixKind, Span

PATH = "nova/compute/manager.py"
SYNTAX_ERROR = "NOVA900"
# the engine's graceful refusals for pathological nesting: documented, not bugs
_SKIPPED = ("skipped: ",)


def _config(table: dict) -> Config:
    return Config().overlay(table, "fuzz")


# Rule selections that take different paths through the engine: every rule (NOVA901 is opt-in),
# the default selection, only the rules that need no tree (the engine then checks syntax with
# the bare C parser instead of building a tree), and every rule with options changed (the
# token prefilter is bypassed and the fixers use project redactors and another validator name).
CONFIGS: dict[str, Config] = {
    # the project's validator is named, so NOVA004 offers its fix (it never pastes one)
    "all": _config({"select": ["ALL"], "rules": {"unvalidated-allocation": {"fix-validator": "nova.scheduler.utils.validate_allocations"}}}),
    "default": Config(),
    "text-only": _config({"select": ["NOVA007", "NOVA900", "NOVA901"]}),
    "custom": _config(
        {
            "select": ["ALL"],
            "rules": {
                "fixme-comment": {"include-todo": True, "extend-tags": ["BUG"]},
                "log-sensitive-data": {
                    "redactor": "nova.utils.redact",
                    "mapping-redactor": "nova.utils.redact_dict",
                    "extend-sensitive-names": ["vnc_passwd"],
                },
                "unvalidated-allocation": {"fix-validator": "nova.utils.check_allocations"},
                "retry-without-backoff": {"max-attempts": 2},
            },
        }
    ),
}
CONFIG_NAMES = tuple(CONFIGS)

# Engine bugs the fuzz tests tolerate until they are fixed in files the fuzz suite does not own
# go here as ``TOLERATE_<BUG> = True`` flags, each with an ``xfail(strict=True)`` test in
# test_regressions.py (see docs/fuzzing.md).  None at the moment.


class InvariantError(AssertionError):
    """An engine invariant does not hold for a text."""


def parses(text: str) -> bool:
    """Whether CPython accepts ``text`` (deep nesting that exhausts the parser counts as no)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def engine_logs():
    """Warnings and errors the engine logs meanwhile (a fixer that raised, overlapping edits)."""
    handler = _Collect()
    logger = logging.getLogger("nova_lsp")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


def _describe_record(record: logging.LogRecord) -> str:
    text = f"{record.name}: {record.getMessage()}"
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = f" at {tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else ""
        text += f" [{type(exc).__name__}: {exc}{where}]"
    return text


def span_problem(document: Document, span: Span) -> str | None:
    """Why ``span`` is not a valid range of ``document`` (None when it is)."""
    lines = document.lines
    for line, col, which in ((span.start_line, span.start_col, "start"), (span.end_line, span.end_col, "end")):
        if not 0 <= line < len(lines):
            return f"{which} line {line} outside 0..{len(lines) - 1}"
        if not 0 <= col <= len(lines[line]):
            return f"{which} column {col} outside 0..{len(lines[line])} of line {line} {lines[line]!r}"
    if (span.start_line, span.start_col) > (span.end_line, span.end_col):
        return "start after end"
    return None


def _where(finding) -> str:
    s = finding.span
    return f"{finding.rule} at {s.start_line}:{s.start_col}-{s.end_line}:{s.end_col} ({finding.message!r})"


def _fail(message: str, text: str) -> None:
    raise InvariantError(f"{message}\n--- text ({len(text)} code points) ---\n{text!r}")


def run(text: str, config: str | Config = "all", path: str = PATH) -> tuple[Analysis, list[str]]:
    """The analysis of ``text`` and what the engine logged while making it."""
    cfg = CONFIGS[config] if isinstance(config, str) else config
    with engine_logs() as records:
        analysis = analyze(Document(text, path), cfg.selection())
    return analysis, [_describe_record(r) for r in records]


def check(text: str, config: str | Config = "all", *, recheck: int = 2, path: str = PATH) -> Analysis:
    """Every invariant of the module docstring for ``text``; returns its analysis."""
    cfg = CONFIGS[config] if isinstance(config, str) else config
    document = Document(text, path)
    try:
        analysis, logged = run(text, cfg, path)
    except Exception as exc:  # analyze promises never to raise
        _fail(f"analyze raised {type(exc).__name__}: {exc}", text)
        raise  # unreachable: for type checkers

    # 1. no internal errors, nothing logged
    skipped = False
    for error in analysis.errors:
        if error.message.startswith(_SKIPPED) or " skipped: code is nested too deeply" in error.message:
            skipped = True
            continue
        _fail(f"analysis error: {error.message}", text)
    if logged:
        _fail("the engine logged: " + "; ".join(logged), text)

    # 2. every span inside the document
    for finding in analysis.findings:
        spans = [("finding", finding.span)]
        spans += [("related", r.span) for r in finding.related]
        spans += [(f"edit of fix {fix.title!r}", e.span) for fix in finding.fixes for e in fix.edits]
        for what, span in spans:
            problem = span_problem(document, span)
            if problem:
                _fail(f"{_where(finding)}: {what} span {span}: {problem}", text)

    # 3. NOVA900 exactly when the text does not parse
    active = {a.rule.id for a in cfg.active_rules()}
    original_parses = parses(text)
    if SYNTAX_ERROR in active and not skipped:
        reported = any(f.rule == SYNTAX_ERROR for f in analysis.findings)
        if reported == original_parses:
            _fail(
                f"ast.parse {'accepts' if original_parses else 'rejects'} the text but NOVA900 was "
                f"{'reported' if reported else 'not reported'}",
                text,
            )

    # 4. fixes apply, keep the text parsing, and (for the first few) do what they say
    budget = recheck
    for finding in analysis.findings:
        for fix in finding.fixes:
            try:
                fixed = apply_edits(text, fix.edits)
            except ValueError as exc:
                _fail(f"{_where(finding)}: fix {fix.title!r} has overlapping edits: {exc}", text)
            if original_parses and not parses(fixed):
                _fail(
                    f"{_where(finding)}: {fix.kind.value} {fix.title!r} breaks the syntax\n"
                    f"--- after the fix ---\n{fixed!r}",
                    text,
                )
            if budget <= 0:
                continue
            budget -= 1
            if fix.kind == FixKind.SUPPRESS:
                after, _ = run(fixed, cfg, path)
                again = [f for f in after.findings if _start_key(f) == _start_key(finding)]
                if again:
                    _fail(
                        f"{_where(finding)}: suppression {fix.title!r} does not silence it\n"
                        f"--- after the fix ---\n{fixed!r}",
                        text,
                    )
                # the comment only adds to one line: nothing moves (but what follows the edit
                # on its line), nothing new appears (an unused-suppression report for it
                # included); a finding that ends at the end of the comment (NOVA007, NOVA901)
                # may end later, and CPython may report a syntax error elsewhere
                new = {_start_key(f, fix) for f in after.findings if f.rule != SYNTAX_ERROR}
                new -= {_start_key(f) for f in analysis.findings}
                if new:
                    _fail(
                        f"{_where(finding)}: suppression {fix.title!r} brings new findings {sorted(new)}\n"
                        f"--- after the fix ---\n{fixed!r}",
                        text,
                    )
            else:
                try:
                    check(fixed, cfg, recheck=0, path=path)
                except InvariantError as exc:
                    _fail(f"{_where(finding)}: after fix {fix.title!r}: {exc}", text)
    return analysis


# -- stricter properties: true of correct code, more expensive, off in the plain check --------------


def compiles(text: str) -> bool:
    """Whether CPython compiles ``text`` (stricter than ``ast.parse``: ``return`` outside a
    function, ``await`` outside ``async def``, ``nonlocal`` at module level...)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, "<fuzz>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


def unresolved_globals(text: str) -> set[str] | None:
    """Names read as globals somewhere in ``text`` that nothing at module level binds and that
    are not builtins (scopes as the compiler sees them, via ``symtable``); None when that
    cannot be told (the text does not compile, or has a ``from x import *``)."""
    import builtins
    import symtable

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            top = symtable.symtable(text, "<fuzz>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    bound = set(dir(builtins)) | {"__file__", "__name__", "__doc__", "__builtins__", "__spec__", "__loader__", "__path__"}
    read = set()
    tables = [top]
    while tables:
        table = tables.pop()
        tables.extend(table.get_children())
        for symbol in table.get_symbols():
            name = symbol.get_name()
            if table is top:
                if symbol.is_assigned() or symbol.is_imported():
                    bound.add(name)
                if symbol.is_referenced():
                    read.add(name)
            elif symbol.is_global():
                if symbol.is_declared_global() and symbol.is_assigned():
                    bound.add(name)
                if symbol.is_referenced():
                    read.add(name)
    if "*" in bound:
        return None
    return read - bound


def _start_key(finding, undo=None) -> tuple:
    """(rule, start, message); with ``undo`` (a fix applied before the finding was made), the
    start as it was before the fix's edits on the same line moved it."""
    line, col = finding.span.start_line, finding.span.start_col
    if undo is not None:
        shift = 0
        for edit in undo.edits:
            span = edit.span
            if span.start_line == span.end_line == line and "\n" not in edit.new_text and span.start_col < col:
                shift += len(edit.new_text) - (span.end_col - span.start_col)
        col -= shift
    return (finding.rule, line, col, finding.message)


def _key(finding) -> tuple:
    return (finding.rule, finding.span, finding.message)


def check_strict(text: str, *, path: str = PATH) -> Analysis:
    """``check`` with every rule, then the properties correct code has beyond not crashing:

    * every real fix of a text that compiles yields a text that compiles, in which its rule
      has fewer findings, and which reads no global name that nothing binds unless the
      original read it too (a fix that uses ``strutils`` must import it, visibly);
    * the default rule selection finds exactly what the same rules find among all rules;
    * the text with CRLF or CR line ends has the same findings at the same positions (but
      syntax errors, whose position CPython reports differently).
    """
    analysis = check(text, "all", recheck=1_000, path=path)
    cfg = CONFIGS["all"]
    if compiles(text):
        before = unresolved_globals(text)
        for finding in analysis.findings:
            for fix in finding.fixes:
                if fix.kind != FixKind.FIX:
                    continue
                fixed = apply_edits(text, fix.edits)
                where = f"{_where(finding)}: fix {fix.title!r}"
                if not compiles(fixed):
                    _fail(f"{where}: the fixed text does not compile\n--- after the fix ---\n{fixed!r}", text)
                after, _ = run(fixed, cfg, path)
                count = sum(f.rule == finding.rule for f in analysis.findings)
                if sum(f.rule == finding.rule for f in after.findings) >= count:
                    _fail(f"{where}: the finding stays\n--- after the fix ---\n{fixed!r}", text)
                new = (unresolved_globals(fixed) or set()) - (before or set())
                if before is not None and new:
                    _fail(f"{where}: the fixed text reads unbound {sorted(new)}\n--- after the fix ---\n{fixed!r}", text)
        # every fix at once, as `nova-lsp check --fix` applies them
        if any(fix.kind == FixKind.FIX for f in analysis.findings for fix in f.fixes):
            from nova_lsp.engine.fix_all import fix_text

            with engine_logs() as records:
                result = fix_text(text, path, cfg.selection())
            if records:
                _fail("fixing all logged: " + "; ".join(_describe_record(r) for r in records), text)
            if not compiles(result.text):
                _fail(f"--fix gives text that does not compile\n--- after --fix ---\n{result.text!r}", text)
            new = (unresolved_globals(result.text) or set()) - (before or set())
            if before is not None and new:
                _fail(f"--fix gives text that reads unbound {sorted(new)}\n--- after --fix ---\n{result.text!r}", text)
            again = fix_text(result.text, path, cfg.selection())
            if again.text != result.text:
                _fail(f"a second --fix changes the text again\n--- after --fix ---\n{result.text!r}", text)

    default_rules = {a.rule.id for a in CONFIGS["default"].active_rules()}
    default, _ = run(text, "default", path)
    among_all = sorted(_key(f) for f in analysis.findings if f.rule in default_rules)
    if sorted(_key(f) for f in default.findings) != among_all:
        diff = set(among_all) ^ {_key(f) for f in default.findings}
        _fail(f"the default selection and all rules disagree on {sorted(diff)}", text)

    if "\r" not in text:
        plain = sorted(_key(f) for f in analysis.findings if f.rule != SYNTAX_ERROR)
        for newline in ("\r\n", "\r"):
            converted = text.replace("\n", newline)
            other, _ = run(converted, cfg, path)
            keys = sorted(_key(f) for f in other.findings if f.rule != SYNTAX_ERROR)
            if keys != plain:
                diff = set(keys) ^ set(plain)
                _fail(f"with {newline!r} line ends the findings differ: {sorted(diff)}", text)
            # and every fix does the same, in the file's own line ends
            for mine, theirs in zip(
                sorted((f for f in analysis.findings if f.rule != SYNTAX_ERROR), key=_key),
                sorted((f for f in other.findings if f.rule != SYNTAX_ERROR), key=_key),
            ):
                ours = [(fix.title, apply_edits(text, fix.edits).replace("\n", newline)) for fix in mine.fixes]
                them = [(fix.title, apply_edits(converted, fix.edits)) for fix in theirs.fixes]
                if ours != them:
                    _fail(
                        f"{_where(mine)}: with {newline!r} line ends the fixes differ\n"
                        f"--- expected ---\n{ours!r}\n--- got ---\n{them!r}",
                        text,
                    )
    return analysis
