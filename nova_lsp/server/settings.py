"""Editor settings in three layers, as ruff's server does.

1. Wire format: the JSON the editor sends (``initializationOptions``, the ``nova-lsp`` section
   of ``workspace/configuration``, ``workspace/didChangeConfiguration``), camelCase keys.
2. Resolved settings: ``ServerSettings`` (server behaviour: enable, debounce, run) and a lint
   table with the kebab-case keys of ``[tool.nova-lsp]``.
3. Settings found in files: the workspace's ``pyproject.toml`` ``[tool.nova-lsp]``, read by
   ``nova_lsp.config`` exactly as the CLI reads it.  The editor's lint table is overlaid on
   it, so editor settings win.

Invalid values never stop the server: each bad key is dropped (its default applies) and the
problems are returned so the server can show one message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from nova_lsp.config import Config, ConfigError

SECTION = "nova-lsp"
RUN_MODES = ("onType", "onSave")
DEFAULT_DEBOUNCE_MS = 200
MAX_DEBOUNCE_MS = 10_000

# camelCase editor key -> kebab-case [tool.nova-lsp] key
LINT_KEYS = {
    "select": "select",
    "extendSelect": "extend-select",
    "ignore": "ignore",
    "severity": "severity",
    "rules": "rules",
    "exclude": "exclude",
    "extendExclude": "extend-exclude",
    "docsUrl": "docs-url",
    "maxFileSize": "max-file-size",
    "timeBudget": "time-budget",
}
SERVER_KEYS = ("enable", "debounce", "run", "index")
KNOWN_KEYS = frozenset(LINT_KEYS) | frozenset(SERVER_KEYS)

_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


@dataclass(frozen=True)
class ServerSettings:
    enable: bool = True
    debounce_ms: int = DEFAULT_DEBOUNCE_MS
    run: str = "onType"
    # index the workspace's functions in the background, to follow calls into other files
    index: bool = True
    lint: Mapping[str, Any] = field(default_factory=dict)  # kebab-case keys for Config.overlay

    @property
    def debounce_s(self) -> float:
        return self.debounce_ms / 1000.0


def unwrap(raw: Any) -> dict[str, Any]:
    """The settings object inside what a client sent (None and non-objects give ``{}``).

    Accepts the settings themselves, ``{"settings": {...}}`` (the VS Code extension
    template's shape) and ``{"nova-lsp": {...}}`` (the push model of didChangeConfiguration).
    """
    if not isinstance(raw, Mapping):
        return {}
    for wrapper in (SECTION, "settings"):
        inner = raw.get(wrapper)
        if isinstance(inner, Mapping) and not (KNOWN_KEYS & set(raw)):
            return dict(inner)
    return dict(raw)


def merge(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Later layers win, key by key; ``None`` values count as absent."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if value is not None:
                merged[key] = value
    return merged


def _kebab(key: str) -> str:
    return _CAMEL.sub(lambda m: "-" + m.group(1).lower(), key)


def _lint_value(key: str, value: Any) -> Any:
    if key == "rules" and isinstance(value, Mapping):
        # option names may be written camelCase in editor settings (broadExceptions)
        return {
            name: ({_kebab(k): v for k, v in opts.items()} if isinstance(opts, Mapping) else opts)
            for name, opts in value.items()
        }
    return value


def resolve(raw: Mapping[str, Any]) -> tuple[ServerSettings, list[str]]:
    """``ServerSettings`` from wire settings, and a list of problems (bad keys were dropped)."""
    problems: list[str] = []
    enable = True
    debounce = DEFAULT_DEBOUNCE_MS
    run = "onType"
    index = True

    if "enable" in raw:
        if isinstance(raw["enable"], bool):
            enable = raw["enable"]
        else:
            problems.append("'enable' must be true or false")
    if "debounce" in raw:
        value = raw["debounce"]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= MAX_DEBOUNCE_MS:
            debounce = int(value)
        else:
            problems.append(f"'debounce' must be a number of milliseconds between 0 and {MAX_DEBOUNCE_MS}")
    if "run" in raw:
        if raw["run"] in RUN_MODES:
            run = raw["run"]
        else:
            problems.append(f"'run' must be one of {', '.join(RUN_MODES)}")
    if "index" in raw:
        if isinstance(raw["index"], bool):
            index = raw["index"]
        else:
            problems.append("'index' must be true or false")

    lint: dict[str, Any] = {}
    base = Config()
    for key, kebab in LINT_KEYS.items():
        if key not in raw:
            continue
        candidate = {**lint, kebab: _lint_value(key, raw[key])}
        try:
            base.overlay(candidate, "editor settings")
        except ConfigError as exc:
            problems.append(_strip_source(str(exc)))
            continue
        lint = candidate
    return ServerSettings(enable=enable, debounce_ms=debounce, run=run, index=index, lint=lint), problems


def _strip_source(message: str) -> str:
    for prefix in ("editor settings: ", "settings: "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def unknown_keys(raw: Mapping[str, Any]) -> list[str]:
    """Keys the server does not use (the editor may keep its own keys in the same section)."""
    return sorted(k for k in raw if k not in KNOWN_KEYS)


def overlay(base: Config, settings: ServerSettings) -> tuple[Config, str | None]:
    """``base`` (from pyproject.toml) with the editor's lint table on top; editor wins."""
    if not settings.lint:
        return base, None
    try:
        return base.overlay(settings.lint, "editor settings"), None
    except ConfigError as exc:  # valid alone, but not on top of this project's config
        return base, str(exc)
