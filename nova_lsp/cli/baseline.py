"""Baselines: record the findings of a legacy tree once, then report only new ones.

A finding is recorded as (its file's path relative to the baseline file, its fingerprint:
rule, stripped source line and message, numbered among identical ones), so a baseline
survives line shifts and matches from whatever directory the check runs.
"""

from __future__ import annotations

import json
import os
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
