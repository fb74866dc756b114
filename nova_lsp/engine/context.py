"""What a check receives: the tree, the document, its options, and a way to report.

A check yields findings made with ``ctx.finding``.  A finding that can be fixed names a
*fix builder*: a function of no arguments, made by the check while it holds the node (and the
analysis it did to find the defect), that returns the ``Fix`` objects.  The engine calls it
only for findings that survive inline suppressions (and the caller's own filter, such as a
baseline), so a silenced finding costs no fix work, and validates each fix it returns by
parsing the statement the fix edits (``nova_lsp.engine.fixes``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Iterable, Mapping

from astroid import nodes

from nova_lsp.core.document import Document
from nova_lsp.core.model import Edit, Finding, Fix, Related, Severity, Span
from nova_lsp.engine.fixes import edited_text_parses
from nova_lsp.engine.parse import NodeIndex
from nova_lsp.engine.registry import Rule

FixBuilder = Callable[[], Iterable[Fix]]


class BudgetExceeded(Exception):
    """Raised by ``CheckContext.tick`` inside a rule once the time budget is used up."""


@dataclass(frozen=True)
class Pending:
    """A fix builder waiting for its finding to be kept, and the node its fixes edit around."""

    build: FixBuilder
    anchor: Any  # an astroid node (the finding's), or None


@dataclass
class CheckContext:
    module: nodes.Module | None
    document: Document
    rule: Rule
    options: Mapping[str, Any]
    _index: NodeIndex | None = field(default=None, repr=False)
    deadline: Any = field(default=None, repr=False)  # engine.analyze.Deadline, or None
    pending: dict = field(default_factory=dict, repr=False)  # id(finding) -> Pending
    line_length: int = 79  # the project's: fixes keep the lines they write to it
    project: Any = field(default=None, repr=False)  # engine.project.ProjectView
    _ticks: int = field(default=0, repr=False)

    @cached_property
    def index(self) -> NodeIndex:
        if self._index is None:
            self._index = NodeIndex(self.module)
        return self._index

    def span(self, where) -> Span:
        return where if isinstance(where, Span) else self.document.node_span(where)

    def tick(self) -> None:
        """Called by checks in their long loops: stops the rule once the time budget is used
        up (the engine reports it as not analysed)."""
        self._ticks += 1
        if self._ticks & 255 == 0 and self.deadline is not None and self.deadline.passed():
            raise BudgetExceeded()

    def finding(
        self,
        where,
        message: str | None = None,
        *,
        fix: FixBuilder | None = None,
        fixes: Iterable[Fix] = (),
        severity: Severity | None = None,
        related: Iterable[Related] = (),
        **fmt: Any,
    ) -> Finding:
        """A finding of this rule at a node or span; ``fmt`` fills the rule's message.

        ``fix`` builds the finding's fixes later, if the finding is kept (see the module
        docstring); ``fixes`` are fixes known already."""
        text = message if message is not None else self.rule.message.format(**fmt)
        found = Finding(
            rule=self.rule.id,
            name=self.rule.name,
            span=self.span(where),
            message=text,
            severity=severity or self.rule.severity,
            cwe=self.rule.cwe,
            fixes=tuple(fixes),
            related=tuple(related),
        )
        if fix is not None:
            self.pending[id(found)] = Pending(fix, None if isinstance(where, Span) else where)
        return found

    def edits_parse(self, edits: Iterable[Edit], anchor=None) -> bool:
        """Whether the text still parses after ``edits`` (parsing only what they touch); for
        builders that must choose between alternatives."""
        return edited_text_parses(self.document, self.module, tuple(edits), anchor)
