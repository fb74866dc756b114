"""One ``Config``: read from ``[tool.nova-lsp]`` in the nearest ``pyproject.toml`` (or a file
given with ``--config``), then overlaid with CLI flags or editor settings.

Configuration is data only: nothing in it can make the tool import or run code.
"""

from __future__ import annotations

import configparser
import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from nova_lsp import __version__
from nova_lsp.core.model import Severity
from nova_lsp.core.text import escape_control
from nova_lsp.engine.registry import Registry, Rule, load_registry
from nova_lsp.engine.selection import DEFAULT_MAX_FILE_SIZE, DEFAULT_TIME_BUDGET, ActiveRule, Selection
from nova_lsp.files import is_excluded, relative_to

DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    ".eggs",
    "*.egg-info",
    "__pycache__",
    "build",
    "dist",
    "node_modules",
    ".nova-lsp-cache",
)

_KNOWN_KEYS = {
    "select",
    "extend-select",
    "ignore",
    "severity",
    "exclude",
    "extend-exclude",
    "force-exclude",
    "per-file-ignores",
    "extend-per-file-ignores",
    "line-length",
    "rules",
    "docs-url",
    "max-file-size",
    "time-budget",
}

# Test code holds fake URLs and fake allocation data by design: 85 of 86 cleartext-URL hits
# on Nova's whole tree were in nova/tests.  `per-file-ignores` replaces this default,
# `extend-per-file-ignores` adds to it.
DEFAULT_PER_FILE_IGNORES = {
    "tests": ("NOVA004", "NOVA008"),
    "test_*.py": ("NOVA004", "NOVA008"),
}
DEFAULT_LINE_LENGTH = 79  # pycodestyle's, and OpenStack's unless a project says otherwise

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2, "gb": 1000**3, "gib": 1024**3}


class ConfigError(ValueError):
    """Configuration that cannot be used; the message names the source and the key."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    force_exclude: bool = False  # excludes apply to files named on the command line too
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_PER_FILE_IGNORES))
    line_length: int | None = None  # None: the project's flake8/pycodestyle/ruff setting, else 79
    docs_url: str = ""
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes (UTF-8): larger files are not analysed
    time_budget: float = DEFAULT_TIME_BUDGET  # seconds per file: rules not started by then are skipped
    root: str | None = None  # directory that excludes are relative to
    source: str | None = None  # file the settings came from

    # -- identity -----------------------------------------------------------------------

    def fingerprint(self) -> str:
        """Hash of everything that can change analysis results (plus the tool version)."""
        payload = json.dumps(
            [
                __version__,
                self.select,
                self.extend_select,
                self.ignore,
                dict(self.severity),
                self.rule_options,
                self.docs_url,
                self.max_file_size,
                self.time_budget,
                sorted((k, list(v)) for k, v in self.per_file_ignores.items()),
                self.effective_line_length(),
            ],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:20]

    # -- overlays ------------------------------------------------------------------------

    def overlay(self, table: Mapping[str, Any], source: str) -> "Config":
        """A new Config with ``table`` (same keys as ``[tool.nova-lsp]``) applied on top."""
        parsed = _parse_table(table, source)
        _validate_names(parsed, source, load_registry())  # blame this source, not the base
        changes: dict[str, Any] = {}
        for key in ("select", "ignore", "exclude", "docs_url", "max_file_size", "time_budget", "force_exclude", "line_length"):
            if key in parsed:
                changes[key] = parsed[key]
        if "per_file_ignores" in parsed:
            changes["per_file_ignores"] = dict(parsed["per_file_ignores"])
        if "extend_per_file_ignores" in parsed:
            merged_ignores = {k: tuple(v) for k, v in changes.get("per_file_ignores", self.per_file_ignores).items()}
            for pattern, codes in parsed["extend_per_file_ignores"].items():
                merged_ignores[pattern] = tuple(dict.fromkeys(merged_ignores.get(pattern, ()) + tuple(codes)))
            changes["per_file_ignores"] = merged_ignores
        if "extend_select" in parsed:
            changes["extend_select"] = self.extend_select + parsed["extend_select"]
        if "extend_exclude" in parsed:
            changes["extend_exclude"] = self.extend_exclude + parsed["extend_exclude"]
        if "severity" in parsed:
            changes["severity"] = {**self.severity, **parsed["severity"]}
        if "rule_options" in parsed:
            merged = {k: dict(v) for k, v in self.rule_options.items()}
            for name, opts in parsed["rule_options"].items():
                merged.setdefault(name, {}).update(opts)
            changes["rule_options"] = merged
        config = replace(self, **changes)
        config.active_rules()  # validate selectors and options now, naming the source
        return config

    # -- resolution ----------------------------------------------------------------------

    def active_rules(self, registry: Registry | None = None) -> tuple[ActiveRule, ...]:
        return _resolve(self, registry or load_registry())

    def excludes(self) -> tuple[str, ...]:
        return self.exclude + self.extend_exclude

    def selection(self, registry: Registry | None = None, path: str | Path | None = None) -> Selection:
        """What the engine runs under this configuration (memoised); for ``path``, without the
        rules its ``per-file-ignores`` entries turn off (syntax errors are always reported)."""
        registry = registry or load_registry()
        ignored = self.ignored_for(path, registry) if path is not None else frozenset()
        key = (self.fingerprint(), id(registry), ignored)
        found = _SELECTIONS.get(key)
        if found is None:
            rules = tuple(a for a in self.active_rules(registry) if a.rule.id not in ignored)
            found = Selection(rules, registry, self.max_file_size, self.time_budget, line_length=self.effective_line_length())
            if len(_SELECTIONS) > 64:
                _SELECTIONS.clear()
            _SELECTIONS[key] = found
        return found

    def ignored_for(self, path: str | Path, registry: Registry | None = None) -> frozenset[str]:
        """Rule ids that ``per-file-ignores`` turns off for ``path`` (never NOVA900)."""
        if not self.per_file_ignores:
            return frozenset()
        registry = registry or load_registry()
        relative = self.relative_path(path)
        ids: set[str] = set()
        for pattern, codes in self.per_file_ignores.items():
            negated = pattern.startswith("!")
            hit = path_matches(relative, pattern[1:] if negated else pattern)
            if hit != negated:
                ids.update(_select(registry, codes, f"per-file-ignores[{pattern!r}]", self.source))
        ids.discard(SYNTAX_ERROR_ID)
        return frozenset(ids)

    def relative_path(self, path: str | Path) -> Path:
        """``path`` relative to the configuration's root when it lies under it, else as given:
        globs are matched against this (so a checkout under ``.../build/...`` is not excluded
        by the ``build`` default)."""
        return relative_to(Path(path), self.root)

    def is_excluded(self, path: str | Path) -> bool:
        """The one notion of "excluded" the CLI, the pre-commit hook and the server share."""
        return is_excluded(Path(path), self.excludes(), self.root)

    def effective_line_length(self) -> int:
        """The line length fixes must keep to: ``line-length``, else the project's own setting
        (flake8 / pycodestyle ``max-line-length`` in tox.ini, setup.cfg or .flake8, ruff's
        ``line-length``), else 79."""
        if self.line_length is not None:
            return self.line_length
        if self.root:
            found = project_line_length(self.root)
            if found is not None:
                return found
        return DEFAULT_LINE_LENGTH


_SELECTIONS: dict[tuple, Selection] = {}
SYNTAX_ERROR_ID = "NOVA900"


def path_matches(relative: Path, pattern: str) -> bool:
    """A per-file-ignores glob against a root-relative path, as excludes are matched: without
    ``/`` it matches any one path component (``tests``, ``test_*.py``), with ``/`` the whole
    path (``nova/tests/*``, where ``*`` also spans directories, as in fnmatch)."""
    return is_excluded(relative, (pattern,), None)


@lru_cache(maxsize=64)
def project_line_length(root: str) -> int | None:
    """``max-line-length`` / ``line-length`` from the project's linter configuration."""
    base = Path(root)
    for name, sections in (("tox.ini", ("flake8", "pycodestyle")), ("setup.cfg", ("flake8", "pycodestyle")), (".flake8", ("flake8",))):
        found = _ini_line_length(base / name, sections)
        if found is not None:
            return found
    for name, table in (("ruff.toml", ()), (".ruff.toml", ()), ("pyproject.toml", ("tool", "ruff"))):
        try:
            data = tomllib.loads((base / name).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError):
            continue
        for key in table:
            data = data.get(key, {}) if isinstance(data, dict) else {}
        value = data.get("line-length") if isinstance(data, dict) else None
        if isinstance(value, int) and not isinstance(value, bool) and 20 <= value <= 1000:
            return value
    return None


def _ini_line_length(path: Path, sections) -> int | None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, configparser.Error):
        return None
    for section in sections:
        if parser.has_option(section, "max-line-length") or parser.has_option(section, "max_line_length"):
            raw = parser.get(section, "max-line-length", fallback=None) or parser.get(section, "max_line_length")
            try:
                value = int(raw.strip())
            except ValueError:
                continue
            if 20 <= value <= 1000:
                return value
    return None


_SELECTIONS: dict[tuple, Selection] = {}


def _resolve(config: Config, registry: Registry) -> tuple[ActiveRule, ...]:
    key = (config.fingerprint(), id(registry))
    cached = _RESOLVED.get(key)
    if cached is None:
        cached = _resolve_uncached(config, registry)
        if len(_RESOLVED) > 64:
            _RESOLVED.clear()
        _RESOLVED[key] = cached
    return cached


_RESOLVED: dict[tuple, tuple[ActiveRule, ...]] = {}


def _select(registry: Registry, selectors, what: str, source) -> set[str]:
    ids: set[str] = set()
    for sel in selectors:
        matched = registry.matching(sel)
        if not matched:
            raise ConfigError(
                f"{source or 'settings'}: {what} names unknown rule {sel!r} (`nova-lsp rules` lists them)"
            )
        ids.update(r.id for r in matched)
    return ids


def _validate_names(parsed: Mapping[str, Any], source: str, registry: Registry) -> None:
    """Rule selectors, severity keys and per-rule options of one settings table."""
    for key in ("select", "extend_select", "ignore"):
        _select(registry, parsed.get(key, ()), key.replace("_", "-"), source)
    for sel in parsed.get("severity", {}):
        _select(registry, [sel], "severity", source)
    for name, opts in parsed.get("rule_options", {}).items():
        rule = registry.get(name)
        if rule is None:
            raise ConfigError(f"{source}: [rules.{name}] names an unknown rule (`nova-lsp rules` lists them)")
        _merge_options(rule, opts, source)


def _resolve_uncached(config: Config, registry: Registry) -> tuple[ActiveRule, ...]:
    src = config.source
    if config.select:
        chosen = _select(registry, config.select, "select", src)
    else:
        chosen = {r.id for r in registry.rules if r.enabled}
    chosen |= _select(registry, config.extend_select, "extend-select", src)
    chosen -= _select(registry, config.ignore, "ignore", src)

    severities: dict[str, Severity] = {}
    for sel, value in config.severity.items():
        for rule_id in _select(registry, [sel], "severity", src):
            try:
                severities[rule_id] = Severity.parse(value)
            except ValueError as exc:
                raise ConfigError(f"{src or 'settings'}: severity for {sel!r}: {exc}") from None

    options_by_rule: dict[str, dict[str, Any]] = {}
    for name, opts in config.rule_options.items():
        rule = registry.get(name)
        if rule is None:
            raise ConfigError(f"{src or 'settings'}: [rules.{name}] names an unknown rule")
        options_by_rule[rule.id] = _merge_options(rule, opts, src)

    return tuple(
        ActiveRule(
            rule,
            severities.get(rule.id),
            options_by_rule.get(rule.id, dict(rule.options)),
            customised=options_by_rule.get(rule.id, rule.options) != dict(rule.options),
        )
        for rule in registry.rules
        if rule.id in chosen
    )


def _merge_options(rule: Rule, user: Mapping[str, Any], source: str | None) -> dict[str, Any]:
    merged = dict(rule.options)
    where = f"{source or 'settings'}: [rules.{rule.name}]"
    for key, value in user.items():
        base = key[len("extend-") :] if key.startswith("extend-") else key
        if base not in rule.options:
            known = ", ".join(sorted(rule.options)) or "none"
            raise ConfigError(f"{where}: unknown option {key!r} (known: {known})")
        default = rule.options[base]
        _check_option_value(key, value, where)
        if key.startswith("extend-"):
            if not isinstance(default, list) or not isinstance(value, list):
                raise ConfigError(f"{where}: {key!r} must be a list extending {base!r}")
            if default and not all(isinstance(v, type(default[0])) for v in value):
                raise ConfigError(f"{where}: {key!r} must be a list of {type(default[0]).__name__}")
            merged[base] = list(merged[base]) + list(value)
            continue
        if isinstance(default, bool) != isinstance(value, bool) or not isinstance(value, type(default)):
            if not (isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool)):
                raise ConfigError(
                    f"{where}: option {key!r} must be {type(default).__name__}, not {type(value).__name__}"
                )
        merged[base] = value
    return merged


# Options whose values the fixes write into the user's code as a name: only dotted names.
_CODE_NAMES = {"redactor", "mapping-redactor", "fix-validator"}
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def _check_option_value(key: str, value: Any, where: str) -> None:
    """Values that are well-typed but still unusable: non-finite numbers (fixes write them
    into code), patterns that do not compile, code names that are not dotted names."""
    base = key[len("extend-") :] if key.startswith("extend-") else key
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where}: option {key!r} must be a finite number, not {value!r}")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        raise ConfigError(f"{where}: option {key!r} must not be negative, not {value!r}")
    if base.endswith("-patterns"):
        for pattern in value if isinstance(value, list) else [value]:
            if not isinstance(pattern, str):
                continue  # the type check names the problem
            try:
                re.compile(pattern)
            except (re.error, RecursionError, OverflowError) as exc:
                raise ConfigError(f"{where}: option {key!r}: {pattern!r} is not a regular expression ({exc})") from None
    if base in _CODE_NAMES and isinstance(value, str) and value and not _DOTTED.fullmatch(value):
        raise ConfigError(
            f"{where}: option {key!r} must be a dotted Python name such as strutils.mask_password, not {value!r}"
        )


def _str_list(value: Any, key: str, source: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: {key!r} must be a list of strings")
    return tuple(value)


def _parse_table(table: Mapping[str, Any], source: str) -> dict[str, Any]:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{source}: settings must be a table")
    unknown = set(table) - _KNOWN_KEYS
    if unknown:
        raise ConfigError(
            f"{source}: unknown key(s) {', '.join(sorted(unknown))} "
            f"(known: {', '.join(sorted(_KNOWN_KEYS))})"
        )
    out: dict[str, Any] = {}
    for key in ("select", "extend-select", "ignore", "exclude", "extend-exclude"):
        if key in table:
            out[key.replace("-", "_")] = _str_list(table[key], key, source)
    if "force-exclude" in table:
        if not isinstance(table["force-exclude"], bool):
            raise ConfigError(f"{source}: 'force-exclude' must be true or false")
        out["force_exclude"] = table["force-exclude"]
    for key in ("per-file-ignores", "extend-per-file-ignores"):
        if key in table:
            value = table[key]
            if not isinstance(value, Mapping):
                raise ConfigError(f"{source}: {key!r} must be a table of \"glob\" = [rules]")
            out[key.replace("-", "_")] = {str(k): _str_list(v, f"{key}[{k!r}]", source) for k, v in value.items()}
    if "line-length" in table:
        value = table["line-length"]
        if isinstance(value, bool) or not isinstance(value, int) or not 20 <= value <= 1000:
            raise ConfigError(f"{source}: 'line-length' must be a whole number from 20 to 1000 (got {value!r})")
        out["line_length"] = value
    if "severity" in table:
        sev = table["severity"]
        if not isinstance(sev, Mapping) or not all(isinstance(v, str) for v in sev.values()):
            raise ConfigError(f"{source}: 'severity' must be a table of rule = \"level\"")
        for value in sev.values():
            try:
                Severity.parse(value)
            except ValueError as exc:
                raise ConfigError(f"{source}: severity: {exc}") from None
        out["severity"] = dict(sev)
    if "rules" in table:
        rules = table["rules"]
        if not isinstance(rules, Mapping) or not all(isinstance(v, Mapping) for v in rules.values()):
            raise ConfigError(f"{source}: 'rules' must be a table of per-rule option tables")
        out["rule_options"] = {k: dict(v) for k, v in rules.items()}
    if "docs-url" in table:
        url = table["docs-url"]
        if not isinstance(url, str):
            raise ConfigError(f"{source}: 'docs-url' must be a string")
        if url and not url.lower().startswith(("https://", "http://")):
            # editors open a rule link on one click: command:, file: or javascript: links
            # from a project's configuration must never get there
            raise ConfigError(f"{source}: 'docs-url' must be an http(s) link, not {escape_control(url)!r}")
        out["docs_url"] = url
    if "max-file-size" in table:
        out["max_file_size"] = _size(table["max-file-size"], source)
    if "time-budget" in table:
        value = table["time-budget"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 86400:
            raise ConfigError(f"{source}: 'time-budget' must be a number of seconds above 0 (got {value!r})")
        out["time_budget"] = float(value)
    return out


def _size(value: Any, source: str) -> int:
    """Bytes from ``4194304``, ``"4MiB"``, ``"500 kB"`` ...; a ConfigError naming the key."""
    size = None
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif isinstance(value, str):
        match = _SIZE.match(value)
        if match:
            size = int(float(match.group(1)) * _UNITS[(match.group(2) or "b").lower()])
    if size is None or size <= 0:
        raise ConfigError(
            f"{source}: 'max-file-size' must be a positive number of bytes or a size like \"4MiB\" (got {value!r})"
        )
    return size


def read_config_file(path: Path) -> Config:
    """A Config from ``pyproject.toml`` (``[tool.nova-lsp]``) or a standalone TOML file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except (RecursionError, MemoryError):
        raise ConfigError(f"{path}: TOML nested too deeply to read") from None
    if path.name == "pyproject.toml" or isinstance(data.get("tool"), dict):
        # a pyproject.toml, or a copy of one under another name ([tool.nova-lsp] inside)
        table = data.get("tool", {}).get("nova-lsp", {})
        where = f"{path} [tool.nova-lsp]"
    else:
        table = data
        where = str(path)
    return Config(root=str(path.parent.resolve()), source=where).overlay(table, where)


@lru_cache(maxsize=256)
def _find_pyproject(directory: str) -> str | None:
    current = Path(directory)
    for candidate in (current, *current.parents):
        pyproject = candidate / "pyproject.toml"
        try:
            if pyproject.is_file():
                text = pyproject.read_text(encoding="utf-8", errors="replace")
                if "nova-lsp" in text and _configures_us(text):
                    return str(pyproject)
        except OSError:
            continue
    return None


def forget_discovered_configs() -> None:
    """Forget which ``pyproject.toml`` configures each directory (one was created or edited)."""
    _find_pyproject.cache_clear()


def _configures_us(text: str) -> bool:
    """The file has a ``tool.nova-lsp`` table in any TOML spelling (``[tool.nova-lsp]``,
    ``[tool."nova-lsp"]``, dotted keys).  A file that does not parse but mentions us is
    taken, so that reading it reports the TOML error instead of silently skipping it."""
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, MemoryError):
        return True
    tool = data.get("tool")
    return isinstance(tool, dict) and "nova-lsp" in tool


def discover_config(start: Path, default_root: str | None = None) -> Config:
    """The Config of the nearest ``pyproject.toml`` with a ``[tool.nova-lsp]`` table; without
    one, the defaults with excludes relative to ``default_root`` (the working directory)."""
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    found = _find_pyproject(str(directory))
    if found is None:
        # no configuration file: exclude globs are relative to where the command runs, as a
        # user typing `--extend-exclude "nova/tests/*"` expects
        return Config(root=default_root or str(Path.cwd()))
    return read_config_file(Path(found))
