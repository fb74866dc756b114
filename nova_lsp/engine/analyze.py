"""``analyze(document, selection) -> Analysis``: the one entry point both faces call.

One analysis: the size limit, one parse, the candidate rules over the shared node index, then
``finish``: inline suppressions, the fixes of the findings that are kept (built by the checks'
fix builders, validated locally; see ``nova_lsp.engine.context``), suppression fixes, order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable, Mapping, Sequence

from astroid import nodes

from nova_lsp.core.document import Document
from nova_lsp.core.model import Analysis, AnalysisError, Edit, Finding, Fix, FixKind, Severity, Span
from nova_lsp.engine.context import BudgetExceeded, CheckContext, Pending
from nova_lsp.engine.fixes import edited_text_parses
from nova_lsp.engine.lexer import lex
from nova_lsp.engine.parse import NodeIndex, SyntaxProblem, parse, quick_syntax_check
from nova_lsp.engine.project import MAX_ROUNDS, ProjectView, module_of_path, qualname, still_valid
from nova_lsp.engine.registry import Registry
from nova_lsp.engine.selection import ActiveRule, Selection, default_selection, oversize_message
from nova_lsp.engine.suppressions import is_suppressed, removal, suppress_edit_text
from nova_lsp.engine.suppressions import scan as scan_suppressions

SYNTAX_ERROR = "NOVA900"
_clock = time.monotonic  # the time budget's clock (tests replace it)
UNUSED_SUPPRESSION = "NOVA901"
INVALID_SUPPRESSION = "NOVA902"

# Which kept findings get their fixes built: all (True), none (False), or those a function of
# (the document, every kept finding in report order) flags (the CLI leaves out the findings
# its baseline records: their fingerprints number identical findings in report order).
FixPolicy = bool | Callable[[Document, Sequence[Finding]], Sequence[bool]]


def analyze(
    document: Document,
    selection: Selection | None = None,
    *,
    fixes: FixPolicy = True,
    project: ProjectView | None = None,
    summaries_only: bool = False,
) -> Analysis:
    """Every finding of the selected rules in ``document``, and the summaries of its functions
    (``project`` holds the rest of the project's, and this text's module name).  With
    ``summaries_only`` no rule runs: only the summaries are computed (a workspace index).
    Never raises for any input text."""
    selection = selection or default_selection()
    if not isinstance(selection, Selection):  # a caller's mistake, not the text's: say so
        raise TypeError(f"analyze() takes a Selection, not {type(selection).__name__}")
    try:
        return analyze_run(document, selection, fixes=fixes, project=project, summaries_only=summaries_only).analysis
    except (RecursionError, MemoryError) as exc:
        return Analysis(errors=(AnalysisError(_too_complex(exc), skipped=True),))
    except Exception as exc:  # an engine bug on one text must not end a run over thousands
        return Analysis(errors=(AnalysisError(f"internal error (please report this): {_describe(exc)}"),))


def _too_complex(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "skipped: code is nested too deeply to analyse (RecursionError)"
    # CPython's parser raises a bare MemoryError when its own stack overflows on deep nesting
    return "skipped: code is nested too deeply or is too complex to parse (MemoryError)"


def _describe(exc: BaseException) -> str:
    """``Type: message (at file:line in function)`` of the innermost frame, for bug reports."""
    where = ""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        code = tb.tb_frame.f_code
        where = f" (at {code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno} in {code.co_name})"
    return f"{type(exc).__name__}: {exc}{where}"


@dataclass
class Run:
    """One whole-text analysis with what the incremental analyser keeps of it."""

    analysis: Analysis
    raw: list[Finding]  # the rules' findings before suppressions, with the fixes built
    candidates: tuple[ActiveRule, ...]
    module: object | None  # the astroid tree, when the text parsed
    index: NodeIndex | None
    clean: bool  # parsed, no rule failed: a base for incremental analysis


def candidates_for(document: Document, selection: Selection):
    """(rules that may apply to this text, selected rules by id).  A rule that reads other
    functions' summaries always runs: the call that matters may name a project helper
    (``self._client.set_quota(...)``) in which none of its tokens occur (measured on Nova:
    0.2 s more for NOVA003-005 over 663 files, against ~30 s of parsing)."""
    by_id = selection.by_id()
    text = document.text
    candidates = tuple(
        a
        for a in selection.rules
        if a.rule.check and (a.customised or a.rule.may_apply(text) or a.rule.summarizer is not None)
    )
    return candidates, by_id


@dataclass(frozen=True)
class Deadline:
    """When one file's analysis must stop (``_clock()`` time)."""

    started: float
    budget: float

    @classmethod
    def start(cls, budget: float) -> "Deadline":
        return cls(_clock(), budget)

    def passed(self) -> bool:
        return _clock() - self.started > self.budget


class Raw:
    """The rules' findings of one run, with the fix builders of those that have one."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.pending: dict[int, Pending] = {}

    def add(self, finding: Finding, pending: Pending | None) -> None:
        self.findings.append(finding)
        if pending is not None:
            self.pending[id(finding)] = pending


def analyze_run(
    document: Document,
    selection: Selection,
    deadline: Deadline | None = None,
    *,
    fixes: FixPolicy = True,
    project: ProjectView | None = None,
    summaries_only: bool = False,
) -> Run:
    deadline = deadline if deadline is not None else Deadline.start(selection.time_budget)
    candidates, by_id = candidates_for(document, selection)
    summarizers = summarizers_for(selection)
    if summaries_only:
        candidates = ()
    raw = Raw()
    errors: list[AnalysisError] = []
    too_large = oversize(document, selection.max_file_size)
    if too_large is not None:
        return Run(Analysis(errors=(AnalysisError(too_large, skipped=True),)), [], candidates, None, None, False)

    module = None
    index = None
    if not any(a.rule.needs_tree for a in candidates) and not summarizers:
        # Nothing to look for in the tree: only confirm the file parses, with the fast C parser.
        # (A syntax error is always reported, whatever rules are selected or ignored, as
        # ruff's invalid-syntax: a file that cannot be analysed must never pass as clean.)
        try:
            problem = quick_syntax_check(document)
        except (RecursionError, MemoryError) as exc:
            errors.append(AnalysisError(_too_complex(exc), skipped=True))
            problem = None
        if problem is not None:
            raw.add(syntax_finding(selection, problem, document), None)
    else:
        try:
            parsed = parse(document)
        except (RecursionError, MemoryError) as exc:
            # no tree: the rules that need one are skipped, the text-only rules still run
            errors.append(AnalysisError(_too_complex(exc), skipped=True))
            parsed = None
        if parsed is None:
            pass
        elif isinstance(parsed, SyntaxProblem):
            raw.add(syntax_finding(selection, parsed, document), None)
        else:
            module = parsed
            index = NodeIndex(module)

    view = project.fresh() if project is not None else ProjectView()
    view.local = summarize(summarizers, module, index, document, view, selection.line_length, deadline)
    not_run = run_rules(candidates, module, index, document, raw, errors, deadline, selection.line_length, view)
    if summaries_only:
        analysis = Analysis(errors=tuple(errors), summaries=view.local)
        return Run(analysis, [], candidates, module, index, False)
    analysis, built = finish(document, raw, errors, by_id, selection.registry, not_run, module, fixes)
    analysis = replace(analysis, summaries=view.local, used=dict(view.used))
    clean = module is not None and not errors and not not_run
    return Run(analysis, built, candidates, module, index, clean)


def summarizers_for(selection: Selection) -> tuple[ActiveRule, ...]:
    """The selected rules whose checks export summaries of functions."""
    return tuple(a for a in selection.rules if a.rule.check and a.rule.needs_tree and a.rule.summarizer is not None)


def summarize(
    summarizers, module, index, document, view: ProjectView, line_length: int = 79, deadline=None, known=None
) -> dict:
    """qualname -> rule id -> facts for every function of the text, from every summarizer.

    Computed on demand in dependency order (a summary that asks for another function of the
    text gets it computed first; a cycle gets nothing).  A summarizer that fails is left out
    for that function: summaries only ever add knowledge, and without them the rules behave as
    within one function.  ``known`` gives the summaries of functions that are not to be looked
    at again (the incremental analyser's blanked ones), by qualname."""
    local: dict = {}
    known = known or {}
    if module is None or not summarizers:
        return local
    functions = {}
    for function in index.of(nodes.FunctionDef, nodes.AsyncFunctionDef):
        name = qualname(function)
        if name is not None:
            functions[name] = function  # redefined: the last one is what callers get
    contexts = {
        act.rule.id: (
            act,
            CheckContext(module, document, act.rule, act.options, index, deadline, line_length=line_length, project=view),
        )
        for act in summarizers
    }
    done: dict = {}
    busy = object()

    def compute(name: str, rule: str):
        if name in known:
            return known[name].get(rule)
        key = (name, rule)
        if key in done:
            value = done[key]
            return None if value is busy else value
        function = functions.get(name)
        entry = contexts.get(rule)
        if function is None or entry is None:
            return None
        done[key] = busy
        act, ctx = entry
        try:
            value = act.rule.summarizer(ctx, function)
        except BudgetExceeded:
            value = None
            contexts.clear()  # out of time: no further summaries (the rules will say so)
        except Exception:  # a bug in a summarizer costs the cross-function knowledge, nothing else
            value = None
        done[key] = value
        return value

    view.compute = compute
    for name in functions:
        if name in known:
            if known[name]:
                local[name] = dict(known[name])
            continue
        for rule in list(contexts):
            facts = compute(name, rule)
            if facts:
                local.setdefault(name, {})[rule] = facts
    return local


def run_rules(
    candidates,
    module,
    index,
    document,
    raw: Raw,
    errors: list,
    deadline: Deadline | None = None,
    line_length: int = 79,
    project: ProjectView | None = None,
) -> set[str]:
    """Run ``candidates`` over one tree, adding to ``raw`` and ``errors``; the ids of the rules
    that could not look at the whole text (their suppressions are not stale).

    No rule is started once ``deadline`` has passed, and a rule that runs past it is stopped
    (checks call ``ctx.tick()`` in their long loops): the rules left are reported in one error.
    """
    not_run: set[str] = set()
    for position, act in enumerate(candidates):
        if deadline is not None and deadline.passed():
            _over_budget(candidates[position:], deadline, not_run, errors)
            break
        needs_tree = act.rule.needs_tree
        if needs_tree and module is None:
            not_run.add(act.rule.id)
            continue
        ctx = CheckContext(module, document, act.rule, act.options, index, deadline, line_length=line_length, project=project)
        try:
            for finding in act.rule.runner(ctx):
                pending = ctx.pending.pop(id(finding), None)
                if act.severity is not None:
                    finding = replace(finding, severity=act.severity)
                raw.add(finding, pending)
                ctx.tick()
        except BudgetExceeded:
            _over_budget(candidates[position:], deadline, not_run, errors)
            break
        except RecursionError:
            not_run.add(act.rule.id)
            errors.append(AnalysisError(f"rule {act.rule.id} skipped: code is nested too deeply", skipped=True))
        except MemoryError:
            not_run.add(act.rule.id)
            errors.append(AnalysisError(f"rule {act.rule.id} skipped: out of memory", skipped=True))
        except Exception as exc:  # a bug in one check must not hide the others' findings
            not_run.add(act.rule.id)
            errors.append(AnalysisError(f"internal error in rule {act.rule.id}: {_describe(exc)}"))
    return not_run


def _over_budget(left, deadline: Deadline, not_run: set, errors: list) -> None:
    skipped = [a.rule.id for a in left]
    not_run.update(skipped)
    elapsed = _clock() - deadline.started
    errors.append(
        AnalysisError(
            f"skipped rules {', '.join(skipped)}: the time budget of {deadline.budget:g} s "
            f"was used up after {elapsed:.1f} s (the time-budget setting)",
            skipped=True,
        )
    )


def oversize(document: Document, limit: int) -> str | None:
    """Why ``document`` is too large to analyse, or None."""
    text = document.text
    if len(text) * 4 <= limit:
        return None  # at most four UTF-8 bytes per code point
    size = len(text.encode("utf-8", "surrogatepass"))
    if size <= limit:
        return None
    return oversize_message(size, limit)


def finish(document, raw: Raw, errors, by_id, registry, not_run=frozenset(), module=None, fixes: FixPolicy = True):
    """Suppressions, the kept findings' fixes, suppression fixes and order: the same for whole
    and incremental runs.  Returns (the analysis, the raw findings with the fixes built)."""
    kept, suppressed = _apply_suppressions(document, raw.findings, by_id, registry, not_run)
    built = build_fixes(document, module, kept, raw.pending, fixes)
    if built:
        kept = [built.get(id(f), f) for f in kept]
        rebuilt = [built.get(id(f), f) for f in raw.findings]
    else:
        rebuilt = list(raw.findings)
    kept = _add_suppress_fixes(document, kept)
    kept.sort(key=lambda f: f.sort_key)
    return Analysis(findings=tuple(kept), errors=tuple(errors), suppressed=suppressed), rebuilt


def build_fixes(document, module, findings, pending: dict, policy: FixPolicy = True) -> dict[int, Finding]:
    """id(finding) -> the finding with its fixes, for the ``findings`` that have a builder
    (and that ``policy`` wants); each fix is validated locally and dropped if it does not parse."""
    if not pending or policy is False or module is None:
        return {}
    wanted = None
    if policy is not True:
        ordered = sorted(findings, key=lambda f: f.sort_key)
        wanted = {id(f) for f, flag in zip(ordered, policy(document, ordered)) if flag}
    out: dict[int, Finding] = {}
    for finding in findings:
        job = pending.get(id(finding))
        if job is None or (wanted is not None and id(finding) not in wanted):
            continue
        try:
            made = list(job.build())
        except (RecursionError, MemoryError):
            raise
        except Exception:  # a bug in a fix builder must not cost the check its finding
            continue
        offered = []
        for fix in made:
            try:
                ok = edited_text_parses(document, module, fix.edits, job.anchor)
            except ValueError:  # overlapping edits: a builder bug, never offered
                continue
            if ok:
                offered.append(fix)
        if offered:
            out[id(finding)] = replace(finding, fixes=tuple(offered) + finding.fixes)
    return out


def syntax_finding(selection: Selection, problem: SyntaxProblem, document: Document) -> Finding:
    """NOVA900 for a text that does not parse: reported whatever rules are selected (a
    selected NOVA900 may carry a severity override)."""
    act = selection.by_id().get(SYNTAX_ERROR)
    rule = act.rule if act is not None else selection.registry.get(SYNTAX_ERROR)
    severity = act.severity if act is not None else None
    # one character at the error; at the end of a line (an unfinished `if x:`) the last one
    width = len(document.line(problem.line))
    start = min(problem.col, max(width - 1, 0))
    return Finding(
        rule=rule.id,
        name=rule.name,
        span=Span(problem.line, start, problem.line, min(start + 1, width)),
        message=rule.message.format(detail=problem.message),
        severity=severity or rule.severity,
        cwe=rule.cwe,
    )


def comment_line(document: Document, line: int) -> int | None:
    """The line whose end a suppression comment for a finding starting on ``line`` goes on:
    that line itself, or, when it ends inside a multi-line string or a backslash
    continuation (where a ``#`` would not be a comment), the line where that construct
    ends.  None when the text ends first."""
    open_lines = lex(document.text).open_lines
    last = len(document.lines) - 1
    while line in open_lines and line < last:
        line += 1
    return None if line in open_lines else line


def _apply_suppressions(
    document: Document,
    findings: list[Finding],
    by_id: dict[str, ActiveRule],
    registry: Registry,
    not_run: set[str] = frozenset(),
):
    suppressions, malformed = scan_suppressions(document.text)
    if not suppressions and not malformed:
        return findings, 0
    by_line: dict[int, list] = {}
    for sup in suppressions:
        by_line.setdefault(sup.line, []).append(sup)
    kept = []
    silenced = 0
    for finding in findings:
        line = comment_line(document, finding.span.start_line)
        if finding.rule != SYNTAX_ERROR and line is not None and is_suppressed(by_line, finding.rule, finding.name, line):
            silenced += 1
        else:
            kept.append(finding)
    invalid = by_id.get(INVALID_SUPPRESSION)
    if invalid is not None:
        on_line: dict[int, set[str]] = {}
        for finding in kept:
            line = comment_line(document, finding.span.start_line)
            if line is not None:
                on_line.setdefault(line, set()).update((finding.rule, finding.name))
        kept.extend(_invalid_finding(invalid, bad, registry, on_line.get(bad.line, set())) for bad in malformed)
    unused = by_id.get(UNUSED_SUPPRESSION)
    if unused is not None and SYNTAX_ERROR not in {f.rule for f in findings}:
        comments = lex(document.text).comment_lines
        for sup in suppressions:
            if not sup.codes and not sup.used:
                if not_run:
                    continue  # a rule that did not run might have had a finding here
                detail = "no finding on this line"
                stale_codes: list[str] = []
            else:
                # a code for a rule that is known but not enabled here may matter elsewhere
                # (the editor and CI can select different rules), so only active or unknown
                # codes count as stale; nor do codes of rules that could not run
                unknown = [c for c in sup.codes if registry.get(c) is None]
                stale = [
                    c for c in sup.codes
                    if c not in sup.used
                    and c not in unknown
                    and registry.get(c).id in by_id
                    and registry.get(c).id not in not_run
                ]
                if not stale and not unknown:
                    continue
                parts = []
                if unknown:
                    parts.append(f"unknown rule {', '.join(unknown)}")
                if stale:
                    parts.append(f"nothing to silence for {', '.join(stale)}")
                detail = "; ".join(parts)
                stale_codes = unknown + stale
            comment = comments.get(sup.line)
            fixes = ()
            if comment is not None:
                line_text = document.line(sup.line)
                start, end, new_text = removal(line_text, comment.col, sup, stale_codes or list(sup.codes))
                what = "the unused suppression" if not stale_codes or set(stale_codes) >= set(sup.codes) else "the stale codes"
                fixes = (Fix(f"Remove {what}", (Edit(Span(sup.line, start, sup.line, end), new_text),), preferred=True),)
            kept.append(
                Finding(
                    rule=unused.rule.id,
                    name=unused.rule.name,
                    span=sup.span,
                    message=unused.rule.message.format(detail=detail),
                    severity=unused.severity or unused.rule.severity,
                    cwe=unused.rule.cwe,
                    fixes=fixes,
                )
            )
    return kept, silenced


def _invalid_finding(act: ActiveRule, bad, registry: Registry, found_here: set[str]) -> Finding:
    """NOVA902 for a directive that cannot be read; its fix writes it as meant (a suppression
    kind of fix: it silences findings, so ``--fix`` never applies it), when every rule it names
    is one and has a finding on the line (a half-typed ``ignore[NOVA00`` gets no repair, nor
    does one that would only be stale)."""
    fixes = ()
    named = [c.strip() for c in bad.fixed[bad.fixed.index("[") + 1 : -1].split(",")] if bad.fixed else []
    rules = [registry.get(code) for code in named]
    if bad.fixed is not None and all(rules) and all({r.id, r.name} & found_here for r in rules):
        span = bad.span
        fixes = (Fix(f"Write it as `# {bad.fixed}`", (Edit(span, bad.fixed),), kind=FixKind.SUPPRESS),)
    return Finding(
        rule=act.rule.id,
        name=act.rule.name,
        span=bad.span,
        message=act.rule.message.format(detail=bad.detail),
        severity=act.severity or act.rule.severity,
        cwe=act.rule.cwe,
        fixes=fixes,
    )


def _add_suppress_fixes(document: Document, findings: list[Finding]) -> list[Finding]:
    if not findings:
        return findings
    comments = lex(document.text).comment_lines
    out = []
    for finding in findings:
        line = comment_line(document, finding.span.start_line)
        if finding.rule in (SYNTAX_ERROR, UNUSED_SUPPRESSION, INVALID_SUPPRESSION) or line is None:
            out.append(finding)
            continue
        comment = comments.get(line)
        start, end, new_text = suppress_edit_text(
            document.line(line), finding.rule, comment.col if comment is not None else None
        )
        if not new_text:
            out.append(finding)
            continue
        where = "on this line" if line == finding.span.start_line else f"(comment on line {line + 1})"
        fix = Fix(
            title=f"Ignore {finding.rule} {where}",
            edits=(Edit(Span(line, start, line, end), new_text),),
            kind=FixKind.SUPPRESS,
        )
        out.append(replace(finding, fixes=finding.fixes + (fix,)))
    return out


def threshold_reached(findings, minimum: Severity) -> bool:
    return any(f.severity >= minimum for f in findings)


def analyze_project(texts: Mapping[str, str], selection: Selection | None = None) -> dict[str, Analysis]:
    """Every text of a project held in memory (project-relative path -> text), with what each
    function does known across them: the algorithm of ``nova-lsp check`` (every text on its
    own, then the texts whose look-ups changed, at most ``MAX_ROUNDS`` times), without files.
    Rule examples with several files and tests use it."""
    selection = selection or default_selection()
    modules = {path: module_of_path(path) for path in texts}
    project: dict = {}
    paths = {module: path for path, (module, _) in modules.items() if module}
    results: dict[str, Analysis] = {}
    pending = list(texts)
    for _ in range(MAX_ROUNDS + 1):
        for path in pending:
            module, package = modules[path]
            view = ProjectView(module, dict(project), package, paths)
            results[path] = analyze(Document(texts[path], path), selection, project=view)
        project = {modules[p][0]: a.summaries for p, a in results.items() if modules[p][0]}
        pending = [p for p, a in results.items() if a.used and not still_valid(a.used, project)]
        if not pending:
            break
    return results
