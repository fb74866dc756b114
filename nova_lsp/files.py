"""Finding and reading the Python files to check (the CLI's and the workspace check's I/O).

Directories are walked without following symbolic links; a linked *file* is checked only when
its target lies inside the root it was found under, so a workspace cannot point the tool at
files elsewhere on the machine, and link loops cannot hang the walk.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from nova_lsp.core.document import DecodeError, decode_source
from nova_lsp.engine.selection import DEFAULT_MAX_FILE_SIZE, oversize_message


class SourceError(Exception):
    """A file that cannot be read as Python source; the message says why."""


@dataclass(frozen=True)
class Problem:
    path: str
    message: str


def is_excluded(path: Path, patterns: Iterable[str], root: Path | str | None) -> bool:
    """True when a glob matches ``path`` relative to ``root`` (the directory holding the
    configuration, or the working directory): a glob without ``/`` matches any one component
    of that relative path (``build``, ``*.egg-info``, ``tests``), one with ``/`` the whole of
    it (``nova/tests/*``).  ``fnmatch`` semantics, as the user's patterns are written.  A path
    outside ``root`` is matched as given.  Only the part below the root counts: a checkout
    that lives under ``.../build/...`` is not excluded by the ``build`` default."""
    names, name_globs, anchored = _compiled(tuple(patterns))
    rel = relative_to(Path(path), root)
    parts = [os.path.normcase(part) for part in rel.parts if part not in ("/", "\\")]
    if any(part in names or any(glob(part) for glob in name_globs) for part in parts):
        return True
    if anchored and not rel.is_absolute():
        text = os.path.normcase(rel.as_posix())
        return any(glob(text) for glob in anchored)
    return False


def relative_to(path: Path, root: Path | str | None) -> Path:
    """``path`` relative to ``root`` when it lies under it, else as given."""
    if root is not None:
        try:
            return path.absolute().relative_to(Path(root).absolute())
        except (ValueError, OSError):
            pass
    return path


@lru_cache(maxsize=16)
def _compiled(patterns: tuple[str, ...]) -> tuple[frozenset[str], tuple, tuple]:
    """(plain names, name globs, root-relative globs) of the exclude patterns, each compiled
    once: ``fnmatch`` keeps only so many compiled patterns, and a project's configuration
    with more excludes than that made every file of a walk recompile all of them."""
    names: set[str] = set()
    name_globs = []
    anchored = []
    for pattern in patterns:
        pat = pattern.rstrip("/")
        if "/" in pat:
            for glob in (pat, pat + "/*"):
                anchored.append(re.compile(fnmatch.translate(os.path.normcase(glob))).match)
        elif any(ch in pat for ch in "*?["):
            name_globs.append(re.compile(fnmatch.translate(os.path.normcase(pat))).match)
        else:
            names.add(os.path.normcase(pat))
    return frozenset(names), tuple(name_globs), tuple(anchored)


def discover(
    paths: Iterable[str], excludes: Iterable[str], root: str | None, force_exclude: bool = False
) -> tuple[list[Path], list[Problem]]:
    """Python files under ``paths``.  Files and directories named explicitly are checked even
    when an exclude matches them, unless ``force_exclude`` (as ruff's ``--force-exclude``:
    what pre-commit passes is then excluded exactly as the editor and a directory walk do)."""
    excludes = tuple(excludes)
    root_path = Path(root).resolve() if root else None
    found: list[Path] = []
    problems: list[Problem] = []
    seen: set[str] = set()

    def add(p: Path) -> None:
        key = os.path.normpath(str(p))
        if key not in seen:
            seen.add(key)
            found.append(p)

    for raw in paths:
        given = Path(raw)
        if not os.path.lexists(given):
            problems.append(Problem(str(given), "no such file or directory"))
            continue
        if force_exclude and is_excluded(given, excludes, root_path):
            continue
        if given.is_file():
            add(given)
            continue
        if not given.is_dir():
            if given.is_symlink() and not given.exists():
                problems.append(Problem(str(given), "broken or looping symbolic link"))
            else:
                problems.append(Problem(str(given), "not a regular file or directory (a pipe, socket or device)"))
            continue
        for path in _walk(given, excludes, root_path, problems):
            add(path)
    return found, problems


def _walk(top: Path, excludes, root: Path | None, problems: list[Problem]) -> Iterator[Path]:
    top_real = top.resolve()

    def onerror(exc: OSError) -> None:
        problems.append(Problem(exc.filename or str(top), f"cannot read directory: {exc.strerror or exc}"))

    for dirpath, dirnames, filenames in os.walk(top, followlinks=False, onerror=onerror):
        base = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not is_excluded(base / d, excludes, root))
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            path = base / name
            if is_excluded(path, excludes, root):
                continue
            if path.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    problems.append(Problem(str(path), "broken or looping symbolic link"))
                    continue
                if not target.is_relative_to(top_real):
                    problems.append(Problem(str(path), "symbolic link points outside the checked tree; skipped"))
                    continue
            yield path


def read_bytes(path: Path, limit: int = DEFAULT_MAX_FILE_SIZE) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (the max-file-size setting: the
    same limit the engine applies to a text, so a large file is refused before it is read).
    FIFOs, sockets and devices are refused without blocking: opening a named pipe for reading
    would otherwise wait forever for a writer."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except IsADirectoryError:
        raise SourceError("is a directory") from None
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SourceError("is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise SourceError("not a regular file (a pipe, socket or device); skipped")
        if info.st_size > limit:
            raise SourceError(oversize_message(info.st_size, limit))
        with os.fdopen(fd, "rb") as handle:
            fd = -1  # now owned (and closed) by the file object
            data = handle.read(limit + 1)
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > limit:  # grew since fstat
        raise SourceError(oversize_message(len(data), limit))
    return data


def read_source(path: Path, limit: int = DEFAULT_MAX_FILE_SIZE) -> str:
    """The decoded text of a Python file, or ``SourceError`` naming the reason."""
    data = read_bytes(path, limit)
    try:
        return decode_source(data)
    except DecodeError as exc:
        raise SourceError(str(exc)) from None


class ModuleNames:
    """The dotted module names of files (``nova/compute/manager.py`` is
    ``nova.compute.manager`` when ``nova/`` and ``nova/compute/`` have an ``__init__.py``),
    asking the file system once per directory whether it is a package.  A file outside any
    package is a top-level module of its own name (a script, a test helper)."""

    def __init__(self) -> None:
        self._dirs: dict[str, str | None] = {}

    def _package_of(self, directory: str) -> str | None:
        """The dotted package a directory is, None when it has no ``__init__.py``."""
        if directory not in self._dirs:
            parent, name = os.path.split(directory)
            if name and os.path.isfile(os.path.join(directory, "__init__.py")):
                above = self._package_of(parent) if parent and parent != directory else None
                self._dirs[directory] = f"{above}.{name}" if above else name
            else:
                self._dirs[directory] = None
        return self._dirs[directory]

    def name(self, path) -> tuple[str, bool]:
        """(dotted module name, whether it is a package's ``__init__``); "" for a file no
        import can name (``my-script.py``)."""
        full = os.path.abspath(path)
        directory, filename = os.path.split(full)
        stem = filename[:-3] if filename.endswith(".py") else filename
        package = self._package_of(directory)
        if stem == "__init__":
            return package or "", True
        if not stem.isidentifier():
            return "", False
        return (f"{package}.{stem}" if package else stem), False
