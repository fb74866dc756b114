"""Baselines: record the findings of a legacy tree once, then report only new ones.

A finding is recorded as (its file's path relative to the baseline file, its fingerprint:
rule, stripped source line and message, numbered among identical ones), so a baseline
survives line shifts and matches from whatever directory the check runs.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from nova_lsp.cli.options import UsageError
from nova_lsp.core.text import dump_json
from nova_lsp.report import FileResult, fingerprints

BASELINE_FORMAT = 2  # 2: paths relative to the baseline file, fingerprints without the path


def baseline_key(path: Path | None, display: str, base_dir: Path) -> str:
    """A file's path relative to the baseline's directory, so that a baseline matches
    whatever directory the check runs from."""
    if path is None:
        return display
    try:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(base_dir))
    except ValueError:  # another drive on Windows
        rel = os.path.abspath(path)
    return _printable_path(rel.replace(os.sep, "/"))


def load_baseline(path: str) -> set[tuple[str, str]]:
    """(path relative to the baseline's directory, fingerprint) of every recorded finding."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("tool") != "nova-lsp" or data.get("format") != BASELINE_FORMAT:
            raise ValueError(f"expected a nova-lsp baseline of format {BASELINE_FORMAT}; regenerate it with --write-baseline")
        return {(str(item["path"]), str(item["fingerprint"])) for item in data["findings"]}
    except FileNotFoundError:
        raise UsageError(f"{path}: baseline file not found") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the baseline: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise UsageError(f"{path}: not a nova-lsp baseline ({type(exc).__name__}: {exc})") from None


def write_baseline(path: str, results: list[FileResult], real_paths: dict[str, Path]) -> int:
    base_dir = Path(path).parent
    rows = []
    for result in results:
        key = baseline_key(real_paths.get(result.path), result.path, base_dir)
        for finding, fp in zip(result.findings, fingerprints(result)):
            rows.append({"path": key, "rule": finding.rule, "fingerprint": fp, "message": finding.message})
    payload = {"tool": "nova-lsp", "format": BASELINE_FORMAT, "findings": rows}
    try:
        Path(path).write_text(dump_json(payload) + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the baseline: {exc.strerror or exc}") from None
    return len(rows)




def _printable_path(text: str) -> str:
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:  # surrogate-escaped bytes of a non-UTF-8 file name
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class Baseline:
    """A loaded baseline: the recorded fingerprints of each file, by path relative to it."""

    base_dir: Path
    prints: dict[str, frozenset[str]]
    digest: str  # of the file's content: results that depend on it are cached apart

    @classmethod
    def load(cls, path: str) -> "Baseline":
        known = load_baseline(path)
        by_path: dict[str, set[str]] = {}
        for key, fingerprint in known:
            by_path.setdefault(key, set()).add(fingerprint)
        try:
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
        except OSError as exc:
            raise UsageError(f"{path}: cannot read the baseline: {exc.strerror or exc}") from None
        return cls(Path(path).parent, {k: frozenset(v) for k, v in by_path.items()}, digest)

    def prints_for(self, path: Path | None, display: str) -> frozenset[str]:
        return self.prints.get(baseline_key(path, display, self.base_dir), frozenset())


def unrecorded(prints: frozenset[str]):
    """The engine's fix policy for a file with ``prints`` recorded: build fixes only for
    findings the baseline does not record (``--fix`` never touches a baselined finding, and
    a baselined finding costs no fix work)."""

    def policy(document, findings):
        result = FileResult("", tuple(findings), tuple(document.lines))
        return [fingerprint not in prints for fingerprint in fingerprints(result)]

    return policy
