"""Finding and reading the files to check: explicit paths, walks, links, special files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nova_lsp.files import SourceError, discover, is_excluded, read_bytes, read_source


def problems(paths, root=None, excludes=()):
    found, probs = discover([str(p) for p in paths], excludes, root)
    return found, {Path(p.path).name: p.message for p in probs}


def test_explicit_special_paths_say_what_they_are(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "dangling.py").symlink_to("nowhere.py")
    (tmp_path / "loop.py").symlink_to("loop.py")
    found, probs = problems([tmp_path / "pipe.py", tmp_path / "dangling.py", tmp_path / "loop.py", tmp_path / "none.py"])
    assert found == []
    assert probs == {
        "pipe.py": "not a regular file or directory (a pipe, socket or device)",
        "dangling.py": "broken or looping symbolic link",
        "loop.py": "broken or looping symbolic link",
        "none.py": "no such file or directory",
    }


def test_explicit_files_are_checked_whatever_their_name_or_excludes(tmp_path):
    script = tmp_path / "build" / "manage"
    script.parent.mkdir()
    script.write_text("x = 1\n")
    found, probs = problems([script], root=str(tmp_path), excludes=("build",))
    assert (found, probs) == ([script], {})


def test_walk_skips_excluded_dirs_and_non_python_and_dedupes(tmp_path):
    for rel in ("a.py", "notes.txt", "build/b.py", "pkg/c.py", "pkg/tests/d.py", ".tox/e.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x = 1\n")
    found, _ = discover([str(tmp_path), str(tmp_path / "a.py")], ("build", ".tox", "pkg/tests/*"), str(tmp_path))
    assert sorted(p.relative_to(tmp_path).as_posix() for p in found) == ["a.py", "pkg/c.py"]


def test_is_excluded_component_and_anchored_globs(tmp_path):
    root = tmp_path.resolve()
    assert is_excluded(root / "x" / "venv" / "a.py", ("venv",), root)
    assert is_excluded(root / "nova" / "tests" / "unit" / "a.py", ("nova/tests",), root)
    assert not is_excluded(root / "other" / "nova" / "tests" / "a.py", ("nova/tests",), root)  # anchored
    assert is_excluded(root / "a.egg-info" / "x.py", ("*.egg-info",), root)


def test_read_bytes_refuses_special_and_oversized_files(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    with pytest.raises(SourceError, match="not a regular file"):
        read_bytes(tmp_path / "pipe.py")  # must not block waiting for a writer
    big = tmp_path / "big.py"
    big.write_bytes(b"x = 1\n" * 10)
    # the same words as the engine's own size limit: one limit, said one way
    with pytest.raises(SourceError, match=r"^skipped: the file is 60 bytes, over the limit of 59 bytes \(the max-file-size setting\)$"):
        read_bytes(big, limit=59)
    assert read_bytes(big, limit=60) == b"x = 1\n" * 10
    with pytest.raises(SourceError, match="is a directory"):
        read_bytes(tmp_path)
    with pytest.raises(SourceError, match="cannot read: No such file or directory"):
        read_bytes(tmp_path / "missing.py")


def test_read_source_decodes_or_names_the_reason(tmp_path):
    good = tmp_path / "good.py"
    good.write_bytes("# coding: latin-1\nx = 'é'\n".encode("latin-1"))
    assert read_source(good).endswith("x = 'é'\n")
    bad = tmp_path / "bad.py"
    bad.write_bytes(b"x = '\xe9'\n")
    with pytest.raises(SourceError, match="not valid UTF-8"):
        read_source(bad)
