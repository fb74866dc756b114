"""The properties every fix must have, checked on any text: shared by the golden tests, the
property test over the rule examples and the generated corpus, and the hypothesis test.

Judged with the standard library's ``ast`` (not the fixers' own astroid helpers), so a bug in
how a fixer finds its statement cannot hide itself.
"""

from __future__ import annotations

import ast
import difflib
import re
import textwrap
from collections import Counter
from dataclasses import dataclass

from nova_lsp.config import Config
from nova_lsp.core.document import Document, apply_edits
from nova_lsp.engine.analyze import analyze
from nova_lsp.core.model import FixKind
from nova_lsp.engine.fix_all import fix_text, main_fix

FIXED_RULES = (
    "NOVA001", "NOVA002", "NOVA003", "NOVA004", "NOVA009", "NOVA010", "NOVA011", "NOVA012", "NOVA017", "NOVA018",
)
# rules whose fix may move a statement within its function (NOVA009: the policy check goes
# after the fetch of the object it is about)
MOVES_WITHIN_FUNCTION = ("NOVA009",)
PATH = "nova/compute/manager.py"
_IMPORT_LINE = re.compile(r"^\s*(import \S|from \S+ import \S)")


# the project's one allocation validator, which the "Validate allocation dict" fix calls
# (without one configured, or defined in the module, that fix is not offered)
PROJECT_VALIDATOR = {"unvalidated-allocation": {"fix-validator": "nova.scheduler.utils.validate_allocations"}}


def config(select=FIXED_RULES, rules=None, line_length: int | None = None) -> Config:
    table = {"select": list(select)}
    table["rules"] = rules if rules is not None else PROJECT_VALIDATOR
    if line_length is not None:
        table["line-length"] = line_length
    return Config().overlay(table, "test")


def analyse(text: str, cfg: Config | None = None, path: str = PATH):
    return analyze(Document(text, path), (cfg or config()).selection())


def fixable(analysis):
    return [f for f in analysis.findings if main_fix(f, unsafe=True) is not None]


# -- fix safety: a safe fix changes nothing the program does ------------------------------------

_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "critical", "exception", "log", "audit", "trace"}
_SLEEPS = {"sleep"}


class _Behaviour(ast.NodeTransformer):
    """What a program does, as far as a safe fix may not change it: imports, log-call
    arguments, waits (``sleep`` calls), ``wait*`` keywords of retry decorators, and
    statements that only bind names the original function never had are left out."""

    def __init__(self, known: dict[str, set[str]]) -> None:
        self.known = known  # function path -> names it reads or binds in the original
        self.path: list[str] = []

    def _names(self) -> set[str]:
        return self.known.get(".".join(self.path), set())

    def visit_Import(self, node):
        return None

    visit_ImportFrom = visit_Import

    def _new_name_binding(self, node) -> bool:
        known = self._names()
        if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            return all(t.id not in known for t in node.targets)
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            return node.target.id not in known
        return False

    def visit_Assign(self, node):
        return None if self._new_name_binding(node) else self.generic_visit(node)

    visit_AugAssign = visit_Assign

    def visit_Expr(self, node):
        call = node.value.value if isinstance(node.value, ast.Await) else node.value
        if isinstance(call, ast.Call):
            func = call.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in _SLEEPS:
                return None
            if isinstance(func, ast.Attribute) and name in _LOG_METHODS:
                return ast.Expr(ast.Call(func=func, args=[], keywords=[]))
        return self.generic_visit(node)

    def visit_Call(self, node):
        node = self.generic_visit(node)
        node.keywords = [k for k in node.keywords if not (k.arg or "").startswith("wait")]
        func = node.func
        if (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")).endswith("Opt"):
            # an oslo.config option's `secret` changes only what `log_opt_values` prints
            node.keywords = [k for k in node.keywords if k.arg != "secret"]
        return node

    def visit_Pass(self, node):
        return None

    def visit_FunctionDef(self, node):
        self.path.append(node.name)
        node = self.generic_visit(node)
        self.path.pop()
        # ``@retrying.retry`` and ``@retrying.retry()`` are the same decorator
        node.decorator_list = [
            d.func if isinstance(d, ast.Call) and not d.args and not d.keywords else d for d in node.decorator_list
        ]
        return node

    visit_AsyncFunctionDef = visit_FunctionDef


def _known_names(tree) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}

    def walk(node, path):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                walk(child, path + [child.name])
                continue
            if isinstance(child, ast.Name):
                found.setdefault(".".join(path), set()).add(child.id)
            elif isinstance(child, ast.arg):
                found.setdefault(".".join(path), set()).add(child.arg)
            walk(child, path)

    walk(tree, [])
    return found


def behaviour_of(tree, known) -> str:
    return ast.dump(_Behaviour(known).visit(tree), include_attributes=False)


class _SafeMark:
    safe = True


def assert_safe_means_safe(text: str, fixed: str, fix, where: str) -> None:
    """A fix marked safe leaves what the program does unchanged (see ``_Behaviour``)."""
    if not fix.safe:
        return
    before = ast.parse(text)
    known = _known_names(before)
    assert behaviour_of(before, known) == behaviour_of(ast.parse(fixed), known), (
        f"{where}: a fix marked safe changes what the program does"
    )


def apply_one(text: str, rule: str, cfg: Config | None = None, index: int = 0, path: str = PATH) -> str:
    """``text`` with the main fix of the ``index``-th finding of ``rule`` applied."""
    findings = [f for f in analyse(text, cfg, path).findings if f.rule == rule]
    assert len(findings) > index, f"expected a {rule} finding, got {[f.rule for f in findings]}"
    fix = main_fix(findings[index], unsafe=True)  # what the fix writes, safe or not
    assert fix is not None, f"{rule} finding has no fix: {findings[index].message}"
    return apply_edits(text, fix.edits)


def fix_all(text: str, cfg: Config | None = None, path: str = PATH, unsafe: bool = True) -> str:
    return fix_text(text, path, (cfg or config()).selection(), unsafe=unsafe).text


def golden(source: str) -> str:
    """Dedent a golden text (written indented in the test) and drop the first newline."""
    return textwrap.dedent(source).lstrip("\n")


# -- statements (stdlib ast) ----------------------------------------------------------------


def _statement_ranges(tree) -> list[tuple[int, int]]:
    """0-based (first line, last line) of every statement, decorators included."""
    ranges = []
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt):
            start = node.lineno
            for deco in getattr(node, "decorator_list", ()):
                start = min(start, deco.lineno)
            ranges.append((start - 1, node.end_lineno - 1))
    return ranges


def enclosing_statement(text: str, first: int, last: int) -> tuple[int, int]:
    """The smallest statement whose lines hold lines ``first``..``last``."""
    ranges = [r for r in _statement_ranges(ast.parse(text)) if r[0] <= first and last <= r[1]]
    assert ranges, f"no statement holds lines {first}-{last}"
    return min(ranges, key=lambda r: r[1] - r[0])


def enclosing_function(text: str, stmt: tuple[int, int]) -> tuple[int, int]:
    """The lines of the innermost function holding the statement (the statement itself at
    module level)."""
    best = stmt
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start, end = node.lineno - 1, node.end_lineno - 1
            if start <= stmt[0] and stmt[1] <= end and (best == stmt or end - start < best[1] - best[0]):
                best = (start, end)
    return best


def _allowed_insert(lines: list[str]) -> bool:
    """Inserted far from the statement: imports, blank lines, or a whole helper function."""
    body = [l for l in lines if l.strip()]
    if all(_IMPORT_LINE.match(l) for l in body):
        return True
    try:
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except SyntaxError:
        return False
    return all(isinstance(n, (ast.FunctionDef, ast.Import, ast.ImportFrom)) for n in tree.body) and any(
        isinstance(n, ast.FunctionDef) for n in tree.body
    )


def mapped_line(text: str, edits, line: int, col: int) -> int:
    """Where a position of ``text`` is after ``edits`` (the start of an edit it falls in)."""
    doc = Document(text)
    offset = doc.offset(line, col)
    shift = 0
    for edit in sorted(edits, key=lambda e: (e.span.start_line, e.span.start_col)):
        start = doc.offset(edit.span.start_line, edit.span.start_col)
        end = doc.offset(edit.span.end_line, edit.span.end_col)
        if end <= offset and not (start == end == offset):
            shift += len(edit.new_text) - (end - start)
        elif start <= offset < end:
            offset = start
    new_offset = offset + shift
    fixed = apply_edits(text, edits)
    return Document(fixed).text[:new_offset].count("\n") if "\n" in fixed else 0


@dataclass
class Checked:
    applied: int = 0
    by_rule: Counter = None

    def __post_init__(self):
        self.by_rule = Counter()


def check_fix(text: str, finding, cfg: Config, path: str = PATH, before=None, fix=None) -> str:
    """Apply ``finding``'s main fix (or ``fix``) to ``text`` and assert every property of a
    single fix, its safety included; returns the fixed text."""
    fix = fix or main_fix(finding, unsafe=True)
    assert fix is not None and fix.kind == FixKind.FIX
    fixed = apply_edits(text, fix.edits)
    where = f"{finding.rule} at {finding.span.start_line + 1}:{finding.span.start_col + 1} ({fix.title})"
    # 1. parses
    try:
        ast.parse(fixed)
    except SyntaxError as exc:  # pragma: no cover - reported as a failure
        raise AssertionError(f"{where}: fixed code does not parse: {exc}\n{fixed}") from None
    # 2. only the finding's statement changed, apart from imports and helpers: every edit
    #    lies within the statement's lines, or inserts only imports or a helper function
    #    (text outside the edits is kept byte for byte by construction)
    stmt = enclosing_statement(text, finding.span.start_line, finding.span.end_line)
    if finding.rule in MOVES_WITHIN_FUNCTION:
        stmt = enclosing_function(text, stmt)
    old_lines = text.splitlines(keepends=True)
    new_lines = fixed.splitlines(keepends=True)
    for edit in fix.edits:
        span = edit.span
        if stmt[0] <= span.start_line and span.end_line <= stmt[1]:
            continue
        pure_insert = (span.start_line, span.start_col) == (span.end_line, span.end_col)
        if pure_insert and _allowed_insert(edit.new_text.splitlines(keepends=True)):
            continue
        raise AssertionError(
            f"{where}: edit at lines {span.start_line + 1}-{span.end_line + 1} outside the statement at "
            f"lines {stmt[0] + 1}-{stmt[1] + 1}: {edit.new_text!r}\n"
            + "".join(difflib.unified_diff(old_lines, new_lines))
        )
    # 3. the finding is gone on re-analysis, and nothing new appeared (a fix may settle
    #    other findings of its rule too: one validation covers every later write)
    before = before or analyse(text, cfg, path)
    after = analyse(fixed, cfg, path)
    counts_before = Counter(f.rule for f in before.findings)
    counts_after = Counter(f.rule for f in after.findings)
    report = (
        f"{where}: findings {dict(counts_before)} became {dict(counts_after)}\n"
        + "".join(difflib.unified_diff(old_lines, new_lines))
        + "\n".join(f"  {f.rule} {f.span.start_line + 1}: {f.message}" for f in after.findings)
    )
    assert counts_after[finding.rule] < counts_before[finding.rule], report
    assert all(counts_after[rule] <= counts_before[rule] for rule in counts_after), report
    line = mapped_line(text, fix.edits, finding.span.start_line, finding.span.start_col)
    assert not any(
        f.rule == finding.rule and f.span.start_line == line and f.message == finding.message for f in after.findings
    ), report
    # 4. safe means safe
    assert_safe_means_safe(text, fixed, fix, where)
    # 5. the project's line length is kept (79 unless the configuration says otherwise)
    limit = cfg.effective_line_length()
    for edit in fix.edits:
        span = edit.span
        written = fixed.splitlines()[mapped_line(text, fix.edits, span.start_line, 0) : mapped_line(text, fix.edits, span.start_line, 0) + edit.new_text.count("\n") + 1]
        allowed = max([limit] + [len(l) for l in old_lines[span.start_line : span.end_line + 1]])
        assert all(len(l.rstrip("\r\n")) <= allowed for l in written), f"{where}: a line over {limit} columns: {written}"
    # 6. line endings kept: no bare LF in a CRLF file and the other way round
    if "\r\n" in text:
        assert fixed.count("\n") == fixed.count("\r\n"), f"{where}: mixed line endings"
    elif "\r" not in text:
        assert "\r" not in fixed, f"{where}: CR added"
    return fixed


def check_text(text: str, cfg: Config | None = None, path: str = PATH, tally: Checked | None = None) -> Checked:
    """Every property for every fixable finding of ``text``, then fix-all idempotence."""
    cfg = cfg or config()
    tally = tally or Checked()
    analysis = analyse(text, cfg, path)
    assert not analysis.errors, analysis.errors
    for finding in fixable(analysis):
        for fix in finding.fixes:
            if fix.kind == FixKind.FIX:
                check_fix(text, finding, cfg, path, before=analysis, fix=fix)
                tally.applied += 1
                tally.by_rule[finding.rule] += 1
    if fixable(analysis):
        # --fix (safe fixes) and --fix --unsafe-fixes: each settles what it can, at once
        safe = fix_text(text, path, cfg.selection())
        assert fix_text(safe.text, path, cfg.selection()).text == safe.text, "a second --fix changed the text"
        assert_safe_means_safe(text, safe.text, _SafeMark(), "--fix")
        once = fix_text(text, path, cfg.selection(), unsafe=True)
        assert not fixable(once.analysis), [
            (f.rule, f.span.start_line + 1, f.message) for f in fixable(once.analysis)
        ]
        ast.parse(once.text)
        twice = fix_text(once.text, path, cfg.selection(), unsafe=True)
        assert twice.text == once.text, "a second --fix changed the text:\n" + "".join(
            difflib.unified_diff(once.text.splitlines(True), twice.text.splitlines(True))
        )
    return tally
