"""The finding model: plain frozen dataclasses with no LSP, terminal or file-system types.

Positions are 0-based lines and 0-based *code-point* columns of the line (Python ``str``
indices).  Converting to UTF-8 bytes (astroid) or UTF-16 (LSP) happens in ``document.py``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Mapping


class Severity(enum.IntEnum):
    """Ordered so that a larger value is more severe."""

    HINT = 1
    INFORMATION = 2
    WARNING = 3
    ERROR = 4

    @classmethod
    def parse(cls, value: str) -> "Severity":
        try:
            return cls[value.strip().upper()]
        except KeyError:
            names = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown severity {value!r} (expected one of: {names})") from None

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, order=True)
class Span:
    start_line: int
    start_col: int
    end_line: int
    end_col: int

    def contains_line(self, line: int) -> bool:
        return self.start_line <= line <= self.end_line


@dataclass(frozen=True)
class Edit:
    span: Span
    new_text: str


class FixKind(str, enum.Enum):
    FIX = "fix"
    SUPPRESS = "suppress"


class Applicability(str, enum.Enum):
    """Whether applying a fix can change what the program does (ruff's terms).

    ``safe``: it cannot — a log argument redacted, a wait added to a retry decorator, a
    suppression comment.  ``unsafe``: it can — it changes control flow, raises where nothing
    raised, or changes the program's output (a printed value, an exception's message).
    ``--fix`` and an editor's fix-all apply safe fixes only; ``--unsafe-fixes`` adds the others."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]
    kind: FixKind = FixKind.FIX
    preferred: bool = False
    applicability: Applicability = Applicability.SAFE

    @property
    def safe(self) -> bool:
        return self.applicability is Applicability.SAFE


@dataclass(frozen=True)
class Related:
    span: Span
    message: str
    # another file of the project (a helper the flow went through); None: the finding's own
    path: str | None = None


@dataclass(frozen=True)
class Finding:
    rule: str  # stable id, e.g. "NOVA001"
    name: str  # readable symbol, e.g. "log-sensitive-data"
    span: Span
    message: str
    severity: Severity
    cwe: tuple[int, ...] = ()
    fixes: tuple[Fix, ...] = ()
    related: tuple[Related, ...] = ()

    @property
    def sort_key(self) -> tuple:
        return (self.span.start_line, self.span.start_col, self.rule, self.message)


@dataclass(frozen=True)
class AnalysisError:
    """Something that stopped a file from being analysed (not a finding in the code)."""

    message: str
    # the file, or some rules, were not analysed (size limit, time budget, nesting): the text
    # must not look clean, so the editor shows it as a diagnostic
    skipped: bool = False


@dataclass(frozen=True)
class Analysis:
    findings: tuple[Finding, ...] = ()
    errors: tuple[AnalysisError, ...] = ()
    # rule ids that had at least one finding silenced by an inline suppression
    suppressed: int = field(default=0)
    # what each function of the text does, for the rest of the project: qualified name in the
    # module ("fn", "Class.method") -> rule id -> that rule's facts (JSON-able); see
    # nova_lsp.engine.project
    summaries: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, compare=False)
    # the other modules' functions the rules looked up, dotted name -> the digest of what they
    # found (None: nothing known): a result stays valid while these do not change
    used: Mapping[str, str | None] = field(default_factory=dict, compare=False)
