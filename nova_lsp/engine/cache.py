"""Results cached by content: (sha256 of the file's bytes) within (engine, config hash).

One JSON file per configuration fingerprint under the cache directory.  JSON, never pickle:
the cache usually lives inside the checked workspace, and loading it must not run code.
A corrupt or foreign cache file, or a malformed entry in it, is ignored and rewritten.
The file records the engine fingerprint (tool version, rule files, and the code that
produces findings) so that editing a rule or a check never serves stale results.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from nova_lsp import __version__
from nova_lsp.core.model import Analysis
from nova_lsp.engine.registry import rules_dir
from nova_lsp.engine.serialize import analysis_from_dict, analysis_to_dict

FORMAT = 2  # 2: analyses carry their functions' summaries and the look-ups they made
MAX_ENTRIES = 50_000


def content_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# the parts of the package whose code decides what an analysis returns
_ENGINE_SOURCES = ("core", "config.py", "engine", "checks")


@lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """Hash of the tool version, the rule files and the analysis code."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent.parent
    files: list[Path] = []
    for name in _ENGINE_SOURCES:
        target = package / name
        files.extend(sorted(target.rglob("*.py")) if target.is_dir() else [target])
    files.extend(sorted(rules_dir().glob("NOVA*.toml")))
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            data = b""
        digest.update(path.name.encode() + b"\0" + data + b"\0")
    return digest.hexdigest()[:20]


class ResultCache:
    def __init__(self, directory: Path, config_fingerprint: str) -> None:
        self.directory = directory
        self.file = directory / f"v{FORMAT}" / f"{config_fingerprint}.json"
        self._entries: dict[str, dict] = {}
        self._dirty = False
        self._used: set[str] = set()
        self._load()

    def _load(self) -> None:
        try:
            if not self.file.is_file():  # absent, or something that would block a read
                return
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except Exception:  # unreadable, not UTF-8, not JSON, nested too deeply for json
            return
        if (
            isinstance(data, dict)
            and data.get("engine") == engine_fingerprint()
            and isinstance(data.get("entries"), dict)
        ):
            self._entries = data["entries"]

    def get(self, key: str) -> Analysis | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        try:
            analysis = analysis_from_dict(entry)
        except Exception:  # any malformed entry (a list, a bad span, ...) is a miss
            self._entries.pop(key, None)
            return None
        self._used.add(key)
        return analysis

    def put(self, key: str, analysis: Analysis) -> None:
        self._entries[key] = analysis_to_dict(analysis)
        self._used.add(key)
        self._dirty = True

    def save(self) -> None:
        """Write the cache atomically; past ``MAX_ENTRIES`` keep only this run's entries."""
        if not self._dirty:
            return
        entries = self._entries
        if len(entries) > MAX_ENTRIES:
            entries = {k: v for k, v in entries.items() if k in self._used}
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            _create(self.directory / "CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n# nova-lsp cache\n")
            _create(self.directory / ".gitignore", "*\n")
            fd, tmp = tempfile.mkstemp(dir=self.file.parent, prefix=".tmp-", suffix=".json")
        except OSError:
            return  # a read-only tree: run without a cache
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(
                    {"version": __version__, "engine": engine_fingerprint(), "entries": entries},
                    handle,
                    separators=(",", ":"),
                )
            os.replace(tmp, self.file)
        except OSError:  # disk full, or the target is a directory: leave no temporary behind
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _create(path, text: str) -> None:
    """Write a new file; leave whatever is there (a file, or a link a checked-out project
    planted to make us write elsewhere) alone, never following a link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
