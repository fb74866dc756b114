"""What one analysis runs: the active rules with their options and severities, and the limits.

The engine takes a ``Selection``, never the whole configuration: the configuration layer
(``nova_lsp.config``) builds one from ``[tool.nova-lsp]``, command-line flags or editor
settings.  ``Selection.key`` identifies everything in it that can change a result, so two
selections with the same key analyse every text alike (caches and the incremental analyser
compare keys).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

from nova_lsp.core.model import Severity
from nova_lsp.engine.registry import Registry, Rule, load_registry

DEFAULT_MAX_FILE_SIZE = 4 * 1024 * 1024  # bytes of UTF-8: 2.6x Nova's largest file (1.5 MB)
DEFAULT_TIME_BUDGET = 30.0  # seconds per file; a 13,000-line module takes about 2 s
DEFAULT_LINE_LENGTH = 79


@dataclass(frozen=True)
class ActiveRule:
    rule: Rule
    severity: Severity | None  # a configured override, else None
    options: Mapping[str, Any]
    # options changed by the user: the rule's token prefilter (declared for the default
    # options) may then be wrong, e.g. an extra FIXME-like tag that is not among its tokens
    customised: bool = False


@dataclass(frozen=True)
class Selection:
    rules: tuple[ActiveRule, ...]
    registry: Registry = field(compare=False, repr=False)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes (UTF-8): larger texts are not analysed
    time_budget: float = DEFAULT_TIME_BUDGET  # seconds per text: rules not started by then are skipped
    key: str = ""
    line_length: int = DEFAULT_LINE_LENGTH  # what fixes keep their lines to (the project's style)

    def __post_init__(self) -> None:
        if not self.key:
            key = selection_key(self.rules, self.max_file_size, self.time_budget, self.line_length)
            object.__setattr__(self, "key", key)

    def by_id(self) -> dict[str, ActiveRule]:
        return {a.rule.id: a for a in self.rules}


def selection_key(rules, max_file_size: int, time_budget: float, line_length: int = 79) -> str:
    payload = json.dumps(
        [
            [[a.rule.id, a.severity.label if a.severity else None, dict(a.options), a.customised] for a in rules],
            max_file_size,
            time_budget,
            line_length,
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


@lru_cache(maxsize=8)
def default_selection(registry: Registry | None = None) -> Selection:
    """The rules enabled by default, with the options of their rule files."""
    registry = registry or load_registry()
    rules = tuple(ActiveRule(rule, None, dict(rule.options)) for rule in registry.rules if rule.enabled)
    return Selection(rules, registry)


def oversize_message(size: int, limit: int) -> str:
    """What is said of a file over the size limit, by the engine and by the file reader alike."""
    return f"skipped: the file is {_human(size)}, over the limit of {_human(limit)} (the max-file-size setting)"


def _human(size: int) -> str:
    for unit, scale in (("MiB", 1024**2), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"
