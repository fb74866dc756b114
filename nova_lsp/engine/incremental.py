"""Analyse successive versions of one document, re-checking only the function that changed.

The language server analyses a document again after every pause in typing and on every save.
Almost every edit falls inside one function, yet a whole-text analysis parses and checks the
whole module (~150 ms for a 1,500-line Nova manager).  ``IncrementalAnalyzer`` keeps, from the
previous version, the *units* of the module — every function or method that is not nested in
another function — with the rules' findings inside each, and on the next version:

1. finds the changed lines (common prefix and suffix of the two texts' lines);
2. when they lie inside one unit, builds a *reduced text*: the new text with every other unit
   blanked out (a one-line ``def name(): pass`` on its first line, its other lines emptied), so
   every line keeps its number and every kept line its columns;
3. parses the reduced text and runs the tree rules over it: the module-level code, the class
   bodies, the changed unit and the units that must always be seen whole are checked afresh;
4. takes the findings of the blanked units from the previous version, moved by the number of
   lines inserted or deleted above them.

The result is the same as a whole-text analysis (``tests/engine/test_incremental.py`` checks
that on thousands of random edits).  That holds because the rules decide a finding inside a
function from that function, the code outside all functions, and a few *facts* other
functions provide: imports (``import_map`` reads every import of the module), ``global`` /
``nonlocal`` declarations, attribute assignments (``self.log = ...`` makes ``self.log`` a
logger in every method) and, in module-level functions, ``isinstance`` calls (a retry
predicate's exceptions).  A unit holding any fact is never blanked, and an edit that changes
the facts of the changed unit falls back to a whole-text analysis.  Anything else the reduced
text cannot vouch for falls back too: a change outside functions or across two of them, a
changed rule set or configuration, a text that does not parse, a rule that failed, a changed
line ending or indentation step (fixes copy them), a blanked unit that does not come back as
the same function, or a finding of a blanked unit whose fix edits a changed line.
"""

from __future__ import annotations

import ast
import bisect
import logging
import threading
from dataclasses import dataclass, replace

from astroid import nodes

from nova_lsp.core.document import Document
from nova_lsp.engine import analyze as whole
from nova_lsp.engine.context import CheckContext
from nova_lsp.engine.lexer import Lexed, lex, remember
from nova_lsp.core.model import Analysis, Finding, Span
from nova_lsp.engine.parse import NodeIndex, build, line_extent
from nova_lsp.engine.project import ProjectView, qualname, still_valid
from nova_lsp.engine.selection import Selection, default_selection

log = logging.getLogger(__name__)
_FUNCS = (nodes.FunctionDef, nodes.AsyncFunctionDef)
_FACT_STATEMENTS = (nodes.Import, nodes.ImportFrom, nodes.Global, nodes.Nonlocal)


@dataclass(frozen=True)
class Unit:
    start: int  # first line, decorators included (0-based)
    end: int  # last line
    stub: str | None  # the one-line def that replaces the unit when blanked; None: never blanked
    end_col: int  # the def's real end column (UTF-8 bytes, as astroid reports it)
    parents: tuple  # (class name, first line) of the enclosing classes, outermost first
    facts: tuple[str, ...]  # source of the statements other units depend on
    findings: tuple[Finding, ...]  # the rules' findings starting in the unit (pre-suppression)
    refs: tuple[int, ...]  # lines outside the unit its findings point at (fix edits, related)


@dataclass(frozen=True)
class _State:
    path: str | None
    lines: tuple[str, ...]  # with their line endings
    selection: Selection
    rules: tuple[str, ...]  # the candidate rules
    shape: tuple  # (newline, indentation step): fixes copy both from the whole text
    units: tuple[Unit, ...]
    analysis: Analysis
    lexed: Lexed  # the comment scan of the text
    module: tuple = ("", False)  # the text's module name, and whether it is a package


class IncrementalAnalyzer:
    """Analyses the versions of one document in turn; one per open document.

    ``analyze`` returns exactly what ``nova_lsp.engine.analyze.analyze`` returns for the same
    text and configuration.  ``last_mode`` says how the last result was made: ``"full"``,
    ``"incremental"`` or ``"unchanged"``, and ``last_reason`` why a whole-text analysis was
    needed.
    """

    def __init__(self) -> None:
        self._state: _State | None = None
        self._lock = threading.Lock()
        self.last_mode = ""
        self.last_reason = ""
        self.last_reanalysed = 0  # units checked afresh by the last incremental run

    def reset(self) -> None:
        with self._lock:
            self._state = None

    def analyze(self, document: Document, selection: Selection | None = None, project: ProjectView | None = None) -> Analysis:
        """``project``: the module of the text and the rest of the project's summaries."""
        selection = selection or default_selection()
        if not isinstance(selection, Selection):
            raise TypeError(f"analyze() takes a Selection, not {type(selection).__name__}")
        deadline = whole.Deadline.start(selection.time_budget)
        with self._lock:
            # The base is the last version that parsed and that every rule analysed.  A text
            # that does not parse (typing goes through many) leaves it in place, so the first
            # whole version after them is compared with the last whole one before.
            state = self._state
            lines = _lines(document)
            reason = _unusable(state, document, selection, project)
            if reason is None and state.lines == lines:
                self.last_mode, self.last_reason = "unchanged", ""
                return state.analysis
            if reason is None:
                try:
                    outcome = _incremental(state, document, lines, selection, deadline, project)
                except (RecursionError, MemoryError):
                    outcome = "the reduced text is too deeply nested"
                except Exception as exc:  # a bug here must cost speed, never a result
                    log.exception("incremental analysis of %s failed", document.path)
                    outcome = f"internal error in the incremental analysis: {type(exc).__name__}"
                if isinstance(outcome, tuple):
                    analysis, self._state, self.last_reanalysed = outcome
                    self.last_mode, self.last_reason = "incremental", ""
                    return analysis
                reason = outcome
            self.last_mode, self.last_reason = "full", reason
            return self._full(document, lines, selection, deadline, project)

    def _full(self, document: Document, lines, selection: Selection, deadline: whole.Deadline, project=None) -> Analysis:
        try:
            run = whole.analyze_run(document, selection, deadline, project=project)
        except (RecursionError, MemoryError, Exception):
            return whole.analyze(document, selection, project=project)  # reports the problem as an error
        if run.clean:
            try:
                units = _units_of(run.candidates, run.module, run.index, document, run.raw)
            except (RecursionError, MemoryError):
                units = None
            if units is not None:
                self._state = _State(
                    document.path,
                    lines,
                    selection,
                    tuple(a.rule.id for a in run.candidates),
                    _shape(document),
                    units,
                    run.analysis,
                    lex(document.text),
                    _module_of(project),
                )
        elif run.module is None and self._state is not None and _unusable(self._state, document, selection, project) is None:
            kept = _while_broken(self._state, document, lines, run, selection)
            if kept is not None:
                self.last_mode = "broken"
                return kept
        return run.analysis


def _while_broken(state: _State, document: Document, lines, run, selection: Selection) -> Analysis | None:
    """While the text does not parse (``def broken(:`` half typed), the findings of every
    function the edit did not touch are those the last version that parsed showed (after its
    suppressions: a broken text may not even lex as it will), moved by the lines inserted above
    them, beside what the whole analysis says (the syntax error, the text-only rules): the
    other diagnostics of the file do not disappear while one line is being typed.  They carry
    no fixes: a text that does not parse gets none applied."""
    if not any(f.rule == whole.SYNTAX_ERROR for f in run.analysis.findings):
        return None  # not a syntax error: the size limit, the time budget, nesting
    first, stop_old, delta = _changed(state.lines, lines)
    error_line = next(f.span.start_line for f in run.analysis.findings if f.rule == whole.SYNTAX_ERROR)
    text_rules = {a.rule.id for a in run.candidates if not a.rule.needs_tree}
    engine_rules = {whole.SYNTAX_ERROR, whole.UNUSED_SUPPRESSION, whole.INVALID_SUPPRESSION}
    untouched = []
    for unit in state.units:
        if unit.end < first:
            untouched.append((unit.start, unit.end, 0))
        elif unit.start >= stop_old:
            untouched.append((unit.start, unit.end, delta))
    kept = []
    for finding in state.analysis.findings:
        if finding.rule in text_rules or finding.rule in engine_rules:
            continue
        line = finding.span.start_line
        for start, end, shift in untouched:
            if start <= line <= end and not (start + shift <= error_line <= end + shift):
                span = finding.span
                moved = Span(span.start_line + shift, span.start_col, span.end_line + shift, span.end_col)
                related = tuple(
                    r
                    if r.path
                    else replace(r, span=Span(r.span.start_line + shift, r.span.start_col, r.span.end_line + shift, r.span.end_col))
                    for r in finding.related
                )
                kept.append(replace(finding, span=moved, fixes=(), related=related))
                break
    findings = sorted(run.analysis.findings + tuple(kept), key=lambda f: f.sort_key)
    return replace(run.analysis, findings=tuple(findings))


# -- the incremental run -------------------------------------------------------------------


def _module_of(project: ProjectView | None) -> tuple:
    return (project.module, project.package) if project is not None else ("", False)


def _unusable(state: _State | None, document: Document, selection: Selection, project=None) -> str | None:
    if state is None:
        return "no previous analysis to build on"
    if state.selection.registry is not selection.registry or state.path != document.path:
        return "another document or rule set"
    if state.selection is not selection and state.selection.key != selection.key:
        return "the configuration changed"
    if state.module != _module_of(project):
        return "the text's module changed"
    if state.analysis.used and not still_valid(state.analysis.used, project.project if project is not None else {}):
        return "a function of another file it calls changed"
    return None


def _incremental(state: _State, document: Document, lines, selection: Selection, deadline: whole.Deadline, project=None):
    """(analysis, new state, units re-checked), or the reason a whole-text analysis is needed."""
    old = state.lines
    first, stop_old, delta = _changed(old, lines)
    dirty = [u for u in state.units if _inside(u, first, stop_old)]
    if len(dirty) != 1:
        return "the change is not inside one function"
    if whole.oversize(document, selection.max_file_size):
        return "the file is over the size limit"
    changed = dirty[0]
    candidates, by_id = whole.candidates_for(document, selection)
    if tuple(a.rule.id for a in candidates) != state.rules:
        return "the change alters which rules apply"
    if _shape(document) != state.shape:
        return "the line ending or indentation step changed"

    blanked: list[Unit] = []
    for unit in state.units:
        if unit is changed or unit.stub is None or any(first <= r < stop_old for r in unit.refs):
            continue
        blanked.append(_move(unit, stop_old, delta) if delta else unit)

    reduced = list(lines)
    for unit in blanked:
        reduced[unit.start] = unit.stub + _ending(reduced[unit.start])
        for line in range(unit.start + 1, unit.end + 1):
            reduced[line] = _ending(reduced[line])
            if reduced[line].startswith("\n") and reduced[line - 1].endswith("\r"):
                # a lone CR before an emptied LF line would join them into one CRLF: keep
                # the line (a blank line with a space is still a blank line)
                reduced[line] = " " + reduced[line]
    reduced_text = "".join(reduced)
    try:
        tree = ast.parse(reduced_text, document.path or "<unknown>", type_comments=True)
    except (SyntaxError, ValueError):
        return "the text does not parse (or not without the rest of the module)"
    module = build(tree, document.path)
    index = NodeIndex(module)

    defs = {line_extent(fn)[0]: fn for fn in index.of(*_FUNCS) if _parents(fn) is not None}
    for unit in blanked:
        fn = defs.get(unit.start)
        body = fn.body if fn is not None else ()
        if len(body) != 1 or not isinstance(body[0], nodes.Pass) or fn.end_lineno - 1 != unit.start:
            return "a function around the change did not come back the same"
        if _parents(fn) != unit.parents:
            return "a function around the change moved to another class"
        _restore_end(fn, unit.end + 1, unit.end_col)
    fn = defs.get(changed.start)
    if fn is None or fn.end_lineno - 1 != changed.end + delta or _parents(fn) != changed.parents:
        return "the changed function's extent or class changed"

    # the comments and strings of the text: the old scan, with the changed function scanned anew
    lexed = remember(
        Lexed.spliced(
            document.text,
            document.line_offsets,
            state.lexed,
            changed.start,
            changed.end + 1,
            changed.end + 1 + delta,
        )
    )
    # the summaries: the blanked functions keep theirs, the changed one is summarised afresh
    view = project.fresh() if project is not None else ProjectView()
    summarizers = whole.summarizers_for(selection)
    if summarizers:
        old = {name: _moved_facts(facts, stop_old, delta) for name, facts in state.analysis.summaries.items()}
        known = {}
        for unit in blanked:
            name = qualname(defs[unit.start])
            if name is not None:
                known[name] = old.get(name, {})
        view.local = whole.summarize(summarizers, module, index, document, view, selection.line_length, deadline, known)
        if view.local != old:
            return "the change alters what the function does for its callers"
    raw = whole.Raw()
    errors: list = []
    not_run = whole.run_rules(candidates, module, index, document, raw, errors, deadline, selection.line_length, view)

    if errors or not_run:
        return "a rule failed on the reduced text"
    starts = [u.start for u in blanked]
    own = [f for f in raw.findings if _owner(blanked, starts, f.span.start_line) is None]
    merged = whole.Raw()
    merged.findings = own + [f for unit in blanked for f in unit.findings]
    merged.pending = raw.pending
    analysis, rebuilt = whole.finish(document, merged, errors, by_id, selection.registry, not_run, module)
    fresh = _units_of(candidates, module, index, document, rebuilt[: len(own)], skip={u.start for u in blanked})
    if fresh is None:
        return "the reduced text is too deeply nested"
    new_changed = next((u for u in fresh if u.start == changed.start), None)
    if new_changed is None or new_changed.facts != changed.facts:
        return "the change alters what other functions depend on (imports, attributes, ...)"
    units = tuple(sorted(blanked + list(fresh), key=lambda u: u.start))
    analysis = replace(analysis, summaries=view.local, used={**state.analysis.used, **view.used})
    new_state = replace(state, lines=lines, units=units, analysis=analysis, lexed=lexed)
    return analysis, new_state, len(fresh)


def _moved_facts(facts: dict, stop: int, delta: int) -> dict:
    """A function's summaries (rule -> facts) with the positions they hold moved like the
    lines from ``stop`` on.  Facts keep positions under ``at`` (``[line, col, end_line,
    end_col]``, 0-based), the one place the engine knows to look (docs/writing-rules.md)."""
    if not delta:
        return facts
    moved = {}
    for rule, fact in facts.items():
        at = fact.get("at") if isinstance(fact, dict) else None
        if isinstance(at, list) and len(at) == 4 and at[0] >= stop:
            fact = {**fact, "at": [at[0] + delta, at[1], at[2] + delta, at[3]]}
        moved[rule] = fact
    return moved


def _changed(old, new) -> tuple[int, int, int]:
    """(first changed line, end of the changed lines in ``old`` (exclusive), line delta)."""
    limit = min(len(old), len(new))
    first = 0
    while first < limit and old[first] == new[first]:
        first += 1
    same_tail = 0
    while same_tail < limit - first and old[-1 - same_tail] == new[-1 - same_tail]:
        same_tail += 1
    return first, len(old) - same_tail, len(new) - len(old)


def _inside(unit: Unit, first: int, stop: int) -> bool:
    if first == stop:  # lines inserted before ``first``: strictly inside the unit
        return unit.start < first <= unit.end
    return unit.start <= first and stop - 1 <= unit.end


def _move(unit: Unit, stop: int, delta: int) -> Unit:
    """``unit`` with every line from ``stop`` on moved by ``delta``."""

    def line(n: int) -> int:
        return n + delta if n >= stop else n

    def span(s: Span) -> Span:
        return Span(line(s.start_line), s.start_col, line(s.end_line), s.end_col)

    return replace(
        unit,
        start=line(unit.start),
        end=line(unit.end),
        findings=tuple(_move_finding(f, span) for f in unit.findings),
        refs=tuple(line(r) for r in unit.refs),
        parents=tuple((name, line(first)) for name, first in unit.parents),
    )


def _move_finding(finding: Finding, span) -> Finding:
    fixes = tuple(
        replace(fix, edits=tuple(replace(e, span=span(e.span)) for e in fix.edits)) for fix in finding.fixes
    )
    related = tuple(r if r.path else replace(r, span=span(r.span)) for r in finding.related)
    return replace(finding, span=span(finding.span), fixes=fixes, related=related)


def _ending(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :]


def _restore_end(fn, end_line: int, end_col: int) -> None:
    """Give a blanked def, and the classes it ends, the real end (1-based line, UTF-8
    column) of the def it stands for: fixes measure statements by their extent."""
    fn.end_lineno, fn.end_col_offset = end_line, end_col
    parent = fn.parent
    while parent is not None and not isinstance(parent, nodes.Module):
        if (parent.end_lineno or 0, parent.end_col_offset or 0) < (end_line, end_col):
            parent.end_lineno, parent.end_col_offset = end_line, end_col
        parent = parent.parent


def _owner(units, starts, line: int):
    at = bisect.bisect_right(starts, line) - 1
    if at >= 0 and units[at].start <= line <= units[at].end:
        return units[at]
    return None


# -- units ---------------------------------------------------------------------------------


def _lines(document: Document) -> tuple[str, ...]:
    text = document.text
    offsets = document.line_offsets
    return tuple(text[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)) + (text[offsets[-1] :],)


def _shape(document: Document) -> tuple[str, str]:
    return document.newline, document.indent_unit


def _parents(fn):
    """The enclosing classes of a unit-eligible def, or None when a function encloses it."""
    chain = []
    parent = fn.parent
    while not isinstance(parent, nodes.Module):
        if not isinstance(parent, nodes.ClassDef):
            return None
        chain.append((parent.name, parent.lineno - 1))
        parent = parent.parent
    return tuple(reversed(chain))


def _units_of(candidates, module, index, document: Document, findings, skip=frozenset()) -> tuple[Unit, ...] | None:
    """The units of a parsed text (except those starting on a ``skip`` line), each with its
    findings among ``findings`` and its facts."""
    found = []
    for fn in index.of(*_FUNCS):
        parents = _parents(fn)
        if parents is None:
            continue
        start, end = line_extent(fn)
        if start in skip:
            continue
        found.append((start, end, fn, parents))
    found.sort(key=lambda item: item[0])
    starts = [start for start, _, _, _ in found]
    ends = [end for _, end, _, _ in found]

    def owner(line: int) -> int | None:
        at = bisect.bisect_right(starts, line) - 1
        return at if at >= 0 and line <= ends[at] else None

    facts: dict[int, list[str]] = {}
    for node in _fact_nodes(candidates, module, index, document):
        at = owner((node.lineno or 1) - 1)
        if at is not None:
            facts.setdefault(at, []).append(document.text_of(document.node_span(node.statement())))
    mine: dict[int, list[Finding]] = {}
    for finding in findings:
        at = owner(finding.span.start_line)
        if at is not None:
            mine.setdefault(at, []).append(finding)

    units = []
    for at, (start, end, fn, parents) in enumerate(found):
        own = tuple(mine.get(at, ()))
        refs = sorted({line for f in own for line in _lines_of(f) if not start <= line <= end})
        first = document.line(start)
        indent = first[: len(first) - len(first.lstrip())]
        keyword = "async def" if isinstance(fn, nodes.AsyncFunctionDef) else "def"
        units.append(
            Unit(
                start=start,
                end=end,
                stub=None if at in facts else f"{indent}{keyword} {fn.name}(): pass",
                end_col=fn.end_col_offset or 0,
                parents=parents,
                facts=tuple(facts.get(at, ())),
                findings=own,
                refs=tuple(refs),
            )
        )
    return tuple(units)


def _fact_nodes(candidates, module, index, document):
    """The nodes other functions' findings may depend on: every import (``import_map`` reads
    them all), ``global`` / ``nonlocal``, and what each rule's ``fact`` hook declares."""
    yield from index.of(*_FACT_STATEMENTS)
    for act in candidates:
        classes, hook = act.rule.facts
        if not classes or hook is None:
            continue
        ctx = CheckContext(module, document, act.rule, act.options, index)
        for node in index.of(*classes):
            if hook(ctx, node):
                yield node


def _lines_of(finding: Finding):
    yield finding.span.start_line
    yield finding.span.end_line
    for related in finding.related:
        if related.path is None:  # a line of this text (not of another file)
            yield related.span.start_line
            yield related.span.end_line
    for fix in finding.fixes:
        for edit in fix.edits:
            yield edit.span.start_line
            yield edit.span.end_line
