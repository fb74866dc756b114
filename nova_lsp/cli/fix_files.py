"""``--fix`` / ``--diff`` on files: fix each file's text (``nova_lsp.engine.fix_all``), write it
back atomically in its own encoding, or print the unified diff; a summary per file.
"""

from __future__ import annotations

import difflib
import io
import os
import sys
import tempfile
import tokenize
from collections import Counter
from dataclasses import replace
from pathlib import Path

from nova_lsp.cli.baseline import unrecorded
from nova_lsp.config import Config
from nova_lsp.core.document import DecodeError, decode_source
from nova_lsp.core.text import escape_control
from nova_lsp.engine.fix_all import FixResult, fix_text, main_fix, suppress_all
from nova_lsp.files import SourceError, read_bytes


def unified_diff(path: str, before: str, after: str) -> str:
    """A ``git diff``-style unified diff (line endings shown as they are in the file)."""
    # git's a/ b/ prefixes only make sense for relative paths; a file name with a newline or
    # an escape sequence must not forge diff lines (or CI annotations) in the headers
    path = escape_control(path)
    old, new = (path, path) if path.startswith("/") else (f"a/{path}", f"b/{path}")
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=old,
        tofile=new,
    )
    out = []
    for line in lines:
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


def summary(applied) -> str:
    """``NOVA001 ×2, NOVA003`` for the applied fixes."""
    counts = Counter(a.rule for a in applied)
    return ", ".join(f"{rule} ×{n}" if n > 1 else rule for rule, n in sorted(counts.items()))


# -- files ----------------------------------------------------------------------------------------


class FixError(Exception):
    """A file that could not be fixed (read, decoded, encoded or written)."""


def source_encoding(data: bytes) -> str:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise FixError(str(exc)) from None
    return encoding


def fix_file(
    path: Path, config: Config | None = None, write: bool = True, fixes=True, unsafe: bool = False, project=None
) -> FixResult:
    """Fix one file; with ``write`` the file is replaced (atomically) when anything changed.
    The file keeps its encoding, BOM, line endings and permissions."""
    config = config or Config()
    try:
        data = read_bytes(path, config.max_file_size)
        text = decode_source(data)
    except (SourceError, DecodeError) as exc:
        raise FixError(str(exc)) from None
    result = fix_text(text, _display(path), config.selection(path=path), fixes, unsafe, project)
    if write and result.changed:
        try:
            encoded = result.text.encode(source_encoding(data))
        except UnicodeEncodeError as exc:
            raise FixError(f"the fixed text cannot be written as {exc.encoding}: {exc.reason}") from None
        _write_atomically(path, encoded)
    return result


def _display(path: Path) -> str:
    return str(path).replace(os.sep, "/")


def _write_atomically(path: Path, data: bytes) -> None:
    directory = path.parent
    try:
        mode = path.stat().st_mode
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".nova-lsp-fix", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, mode & 0o7777)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError as exc:
        raise FixError(f"cannot write: {exc.strerror or exc}") from None


def fix_outcomes(
    outcomes,
    config: Config,
    *,
    diff: bool,
    out=None,
    err=None,
    baseline=None,
    unsafe: bool = False,
    quiet: bool = False,
    project=None,
):
    """``--fix`` / ``--diff`` over the analysed files of a ``check`` run: safe fixes only,
    unless ``unsafe``; never a finding the baseline records.

    Returns (outcomes with the analysis of what is left, files that changed or would change,
    errors as (path, message), (path, Applied) for every fix applied).  With ``diff`` the
    unified diffs go to ``out`` and nothing is written; otherwise files are rewritten and a
    summary per file goes to ``err`` (not with ``quiet``).  ``project`` (module -> summaries)
    is what the project's functions do, for the analyses after each fix.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    changed = 0
    fixed = 0
    errors: list[tuple[str, str]] = []
    updated = []
    applied = []
    for outcome in outcomes:
        analysis = outcome.analysis
        if analysis is None or not any(main_fix(f, unsafe) for f in analysis.findings):
            updated.append(outcome)
            continue
        recorded = baseline.prints_for(outcome.path, outcome.display) if baseline is not None else frozenset()
        try:
            result = fix_file(
                outcome.path or Path(outcome.display),
                config,
                write=not diff,
                fixes=unrecorded(recorded) if recorded else True,
                unsafe=unsafe,
                project=outcome.view(project),
            )
        except FixError as exc:
            errors.append((outcome.display, f"cannot fix: {exc}"))
            updated.append(outcome)
            continue
        if not result.changed:
            updated.append(outcome)
            continue
        changed += 1
        fixed += len(result.applied)
        applied.extend((outcome.display, a) for a in result.applied)
        if diff:
            out.write(unified_diff(outcome.display, result.original, result.text))
            updated.append(outcome)
        else:
            if not quiet:
                print(f"nova-lsp: fixed {escape_control(outcome.display)}: {summary(result.applied)}", file=err)
            updated.append(replace(outcome, analysis=result.analysis))
    if diff:
        out.flush()
        verb = "would fix"
    else:
        verb = "fixed"
    if changed and not quiet:
        noun = "problem" if fixed == 1 else "problems"
        files = "file" if changed == 1 else "files"
        print(f"nova-lsp: {verb} {fixed} {noun} in {changed} {files}", file=err)
    return updated, changed, errors, applied


def suppress_file(path: Path, findings, config: Config) -> int:
    """Add a suppression for each of ``findings`` to the file (``--add-suppressions``); the
    number of comments added or extended.  The file keeps its encoding and line endings."""
    try:
        data = read_bytes(path, config.max_file_size)
        text = decode_source(data)
    except (SourceError, DecodeError) as exc:
        raise FixError(str(exc)) from None
    new_text, count = suppress_all(text, findings)
    if new_text != text:
        try:
            encoded = new_text.encode(source_encoding(data))
        except UnicodeEncodeError as exc:
            raise FixError(f"the text cannot be written as {exc.encoding}: {exc.reason}") from None
        _write_atomically(path, encoded)
    return count
