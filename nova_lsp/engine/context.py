"""What a check receives: the tree, the document, its options, and a way to report."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable, Mapping

from astroid import nodes

from nova_lsp.document import Document
from nova_lsp.engine.model import Finding, Fix, Related, Severity, Span
from nova_lsp.engine.parse import NodeIndex
from nova_lsp.engine.registry import Rule


@dataclass
class CheckContext:
    module: nodes.Module | None
    document: Document
    rule: Rule
    options: Mapping[str, Any]
    _index: NodeIndex | None = field(default=None, repr=False)

    @cached_property
    def index(self) -> NodeIndex:
        if self._index is None:
            self._index = NodeIndex(self.module)
        return self._index

    def span(self, where) -> Span:
        return where if isinstance(where, Span) else self.document.node_span(where)

    def finding(
        self,
        where,
        message: str | None = None,
        *,
        fixes: Iterable[Fix] = (),
        severity: Severity | None = None,
        related: Iterable[Related] = (),
        **fmt: Any,
    ) -> Finding:
        """A finding of this rule at a node or span; ``fmt`` fills the rule's message."""
        text = message if message is not None else self.rule.message.format(**fmt)
        return Finding(
            rule=self.rule.id,
            name=self.rule.name,
            span=self.span(where),
            message=text,
            severity=severity or self.rule.severity,
            cwe=self.rule.cwe,
            fixes=tuple(fixes),
            related=tuple(related),
        )
