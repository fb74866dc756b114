"""Loads the rule pack: one TOML file per rule under ``rules/``, bound to a check module.

A rule file is data only (see docs/writing-rules.md).  The check it names lives in
``nova_lsp.checks.<check>`` and exposes ``check(ctx)`` yielding findings.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping

from nova_lsp.core.model import Severity

_ID = re.compile(r"^NOVA\d{3}$")
_NAME = re.compile(r"^[a-z][a-z0-9-]+$")
CWE_URL = "https://cwe.mitre.org/data/definitions/{}.html"


class RuleError(ValueError):
    """A rule file is malformed."""


@dataclass(frozen=True)
class Example:
    title: str
    bad: str
    good: str
    select: tuple[str, ...] = ()  # rules enabled when running it (default: the rule alone)
    # a multi-file example: the other files of the project (path -> text), and the path of
    # the file ``bad`` and ``good`` stand for ("" when the example is one file)
    files: Mapping[str, str] = field(default_factory=dict)
    path: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    cwe: tuple[int, ...]
    severity: Severity
    check: str  # module under nova_lsp.checks; "" for rules the engine reports itself
    summary: str
    message: str
    fix: str
    enabled: bool  # in the default selection
    tokens: tuple[str, ...]  # the rule can only fire if one of these occurs in the text
    options: Mapping[str, Any]
    docs: Mapping[str, Any]
    examples: tuple[Example, ...]
    path: str
    _runner: list = field(default_factory=list, compare=False, repr=False)

    @property
    def cwe_url(self) -> str | None:
        return CWE_URL.format(self.cwe[0]) if self.cwe else None

    @property
    def runner(self) -> Callable | None:
        """The ``check`` function of the bound module (imported on first use)."""
        if not self.check:
            return None
        if not self._runner:
            module = importlib.import_module(f"nova_lsp.checks.{self.check}")
            self._runner.append(module)
        return self._runner[0].check

    @property
    def needs_tree(self) -> bool:
        if not self.check:
            return False
        self.runner  # noqa: B018 - import the module
        return getattr(self._runner[0], "NEEDS_TREE", True)

    @property
    def facts(self) -> tuple[tuple[type, ...], Callable | None]:
        """(node classes, ``fact(ctx, node)``): what this check reads from *other* functions'
        bodies (see ``nova_lsp.engine.incremental``); ``((), None)`` when nothing."""
        if not self.check:
            return (), None
        self.runner  # noqa: B018 - import the module
        module = self._runner[0]
        return tuple(getattr(module, "FACT_NODES", ())), getattr(module, "fact", None)

    @property
    def summarizer(self) -> Callable | None:
        """The check's ``summarize(ctx)`` (facts about each function for the rest of the
        project; see ``nova_lsp.engine.project``), or None."""
        if not self.check:
            return None
        self.runner  # noqa: B018 - import the module
        return getattr(self._runner[0], "summarize", None)

    def may_apply(self, text: str) -> bool:
        return not self.tokens or any(token in text for token in self.tokens)


def rules_dir() -> Path:
    """``nova_lsp/rules`` in an installed wheel, the repository's ``rules/`` in a checkout."""
    packaged = Path(__file__).resolve().parent.parent / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / "rules"


def _require(data: dict, key: str, kind: type, path: Path):
    if key not in data:
        raise RuleError(f"{path}: missing required key {key!r}")
    value = data[key]
    if not isinstance(value, kind):
        raise RuleError(f"{path}: {key!r} must be {kind.__name__}")
    return value


def load_rule(path: Path) -> Rule:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuleError(f"{path}: {exc}") from None
    rule_id = _require(data, "id", str, path)
    name = _require(data, "name", str, path)
    if not _ID.match(rule_id):
        raise RuleError(f"{path}: id {rule_id!r} does not look like NOVA123")
    if not _NAME.match(name):
        raise RuleError(f"{path}: name {name!r} must be lower-case-with-dashes")
    try:
        severity = Severity.parse(_require(data, "severity", str, path))
    except ValueError as exc:
        raise RuleError(f"{path}: {exc}") from None
    examples = tuple(
        Example(
            ex.get("title", ""),
            ex.get("bad", ""),
            ex.get("good", ""),
            tuple(ex.get("select", ())),
            MappingProxyType({str(k): str(v) for k, v in dict(ex.get("files", {})).items()}),
            str(ex.get("path", "")),
        )
        for ex in data.get("example", [])
    )
    for ex in examples:
        if ex.files and not ex.path:
            raise RuleError(f"{path}: an example with `files` needs the `path` of its own file")
    return Rule(
        id=rule_id,
        name=name,
        cwe=tuple(int(c) for c in data.get("cwe", [])),
        severity=severity,
        check=data.get("check", ""),
        summary=_require(data, "summary", str, path),
        message=_require(data, "message", str, path),
        fix=data.get("fix", ""),
        enabled=bool(data.get("enabled", True)),
        tokens=tuple(data.get("tokens", [])),
        options=MappingProxyType(dict(data.get("options", {}))),
        docs=MappingProxyType(dict(data.get("docs", {}))),
        examples=examples,
        path=str(path),
    )


@dataclass(frozen=True)
class Registry:
    rules: tuple[Rule, ...]

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for rule in self.rules:
            for key in (rule.id, rule.name):
                if key in seen:
                    raise RuleError(f"{rule.path}: {key!r} is also declared in {seen[key]}")
                seen[key] = rule.path

    def get(self, key: str) -> Rule | None:
        """A rule by id (case-insensitive) or by name."""
        wanted = key.strip()
        for rule in self.rules:
            if rule.id == wanted.upper() or rule.name == wanted.lower():
                return rule
        return None

    def matching(self, selector: str) -> list[Rule]:
        """Rules a selector names: ``ALL``, an id, an id prefix (``NOVA00``) or a name."""
        sel = selector.strip()
        if sel.upper() == "ALL":
            return list(self.rules)
        exact = self.get(sel)
        if exact is not None:
            return [exact]
        return [rule for rule in self.rules if sel.upper().startswith("NOVA") and rule.id.startswith(sel.upper())]


@lru_cache(maxsize=None)
def load_registry(directory: str | None = None) -> Registry:
    base = Path(directory) if directory else rules_dir()
    files = sorted(base.glob("NOVA*.toml"))
    if not files:
        raise RuleError(f"no rule files found in {base}")
    return Registry(tuple(sorted((load_rule(p) for p in files), key=lambda r: r.id)))
