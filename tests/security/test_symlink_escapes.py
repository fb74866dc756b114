"""No escape (issue 6): links never take the CLI or the workspace check out of the given roots,
to devices or pipes, or into loops; and a project cannot make ``check`` write through a link.

tests/cli/test_cli_bad_input.py already covers a link to a file outside, a directory link
outside, a loop to the parent, a dangling link and a link to itself in one walk.  This file
fills the gaps: device and ``/proc`` targets, chains, links into a directory link, explicit
special paths, the interplay with ``--exclude``, the workspace check of the server, and the
result cache a project can ship (``.nova-lsp-cache/.gitignore -> ~/.bashrc`` was overwritten).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nova_lsp.engine.cache import FORMAT as CACHE_FORMAT
from security_support import (
    PYTHON,
    SWALLOWED,
    check_workspace,
    extension_launch,
    run,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX links, devices and /proc")

FIXME = "# FIXME: inside\n"
SECRET = "# FIXME: OUTSIDE THE TREE\n"


def check(cwd: Path, *args: str):
    return run([PYTHON, "-P", "-m", "nova_lsp", "check", "--no-cache", "--format", "json", *args], cwd=cwd)


def _tree(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "tree"
    outside = tmp_path / "outside"
    (root / "pkg").mkdir(parents=True)
    outside.mkdir()
    (root / "ok.py").write_text(FIXME)
    (root / "pkg" / "real.py").write_text(FIXME)
    (outside / "secret.py").write_text(SECRET)
    (outside / "deep").mkdir()
    (outside / "deep" / "more.py").write_text(SECRET)
    return root, outside


def _links(root: Path, outside: Path) -> None:
    # devices and the process's own descriptors, under names that look like Python files
    (root / "zero.py").symlink_to("/dev/zero")
    (root / "stdin.py").symlink_to("/proc/self/fd/0")
    (root / "random.py").symlink_to("/dev/urandom")
    # chains: inside -> inside is fine; inside -> inside -> outside is not
    (root / "chain1.py").symlink_to("chain2.py")
    (root / "chain2.py").symlink_to("pkg/real.py")
    (root / "out1.py").symlink_to("out2.py")
    (root / "out2.py").symlink_to(outside / "secret.py")
    # a file link through a directory link that leaves the tree
    (root / "outdir").symlink_to(outside, target_is_directory=True)
    (root / "via_dir.py").symlink_to("outdir/secret.py")
    # a loop of two, and a link into a loop
    (root / "loop_a.py").symlink_to("loop_b.py")
    (root / "loop_b.py").symlink_to("loop_a.py")
    (root / "into_loop.py").symlink_to("loop_a.py")
    # a directory link to the root of the file system and one to the tree itself
    (root / "pkg" / "everything").symlink_to("/", target_is_directory=True)
    (root / "pkg" / "again").symlink_to("..", target_is_directory=True)
    # a FIFO reached through a link that stays inside
    os.mkfifo(root / "pkg" / "pipe")
    (root / "pipe.py").symlink_to("pkg/pipe")


def test_links_to_devices_chains_and_loops(tmp_path):
    root, outside = _tree(tmp_path)
    _links(root, outside)
    result = check(root, ".")
    report = result.json()
    found = sorted(f["path"] for f in report["findings"])
    errors = {e["path"]: e["message"] for e in report["errors"]}
    assert found == ["chain1.py", "chain2.py", "ok.py", "pkg/real.py"], found
    assert "OUTSIDE" not in result.stdout
    assert errors == {
        "loop_a.py": "broken or looping symbolic link",
        "loop_b.py": "broken or looping symbolic link",
        "into_loop.py": "broken or looping symbolic link",
        "pipe.py": "not a regular file (a pipe, socket or device); skipped",
    }
    for name in ("zero.py", "stdin.py", "random.py", "out1.py", "out2.py", "via_dir.py"):
        assert f"nova-lsp: warning: {name}: symbolic link points outside the checked tree; skipped" in result.stderr
    assert result.returncode == 2  # the loops and the pipe could not be checked
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["zero.py", "stdin.py", "random.py"])
def test_explicit_links_to_devices_are_refused_without_reading(tmp_path, name):
    root, outside = _tree(tmp_path)
    _links(root, outside)
    result = check(root, name, "ok.py")
    assert result.json()["errors"] == [{"path": name, "message": "not a regular file or directory (a pipe, socket or device)"}]
    assert [f["path"] for f in result.json()["findings"]] == ["ok.py"]
    assert result.returncode == 2


@pytest.mark.parametrize("path", ["/dev/zero", "/proc/self/fd/0", "/dev/stdin"])
def test_explicit_special_paths_are_refused(tmp_path, path):
    result = check(tmp_path, path)
    assert result.returncode == 2
    assert [e["message"] for e in result.json()["errors"]] == ["not a regular file or directory (a pipe, socket or device)"]


def test_a_directory_link_given_as_the_root_is_walked_but_its_links_out_are_not(tmp_path):
    """The user may name a link as the directory to check: it is the root then, and links
    inside it are judged against where it points."""
    root, outside = _tree(tmp_path)
    (outside / "back.py").symlink_to(root / "ok.py")
    (root / "outdir").symlink_to(outside, target_is_directory=True)
    result = check(root, "outdir")
    found = sorted(f["path"] for f in result.json()["findings"])
    assert found == ["outdir/deep/more.py", "outdir/secret.py"]
    assert "nova-lsp: warning: outdir/back.py: symbolic link points outside the checked tree; skipped" in result.stderr


def test_exclude_interplay(tmp_path):
    root, outside = _tree(tmp_path)
    _links(root, outside)
    # --exclude replaces the defaults: still no directory link is followed
    (root / "venv").symlink_to(outside, target_is_directory=True)
    result = check(root, "--exclude", "nothing-matches", ".")
    assert "OUTSIDE" not in result.stdout
    assert not any(f["path"].startswith(("venv/", "outdir/", "pkg/everything/", "pkg/again/")) for f in result.json()["findings"])
    # an excluded link is skipped silently, before it is even resolved
    excluded = check(root, "--extend-exclude", "zero.py,stdin.py,random.py,out*.py,via_dir.py,*loop*,pipe.py", ".")
    assert excluded.returncode == 1, excluded.stderr
    assert "warning" not in excluded.stderr
    assert excluded.json()["errors"] == []
    assert sorted(f["path"] for f in excluded.json()["findings"]) == ["chain1.py", "chain2.py", "ok.py", "pkg/real.py"]
    # excluding the target does not exclude a link to it that stays in the tree (its own path counts)
    only_link = check(root, "--extend-exclude", "pkg,*loop*,pipe.py", ".")
    assert sorted(f["path"] for f in only_link.json()["findings"]) == ["chain1.py", "chain2.py", "ok.py"]


async def test_the_workspace_check_stays_in_the_folder(tmp_path):
    root, outside = _tree(tmp_path)
    _links(root, outside)
    command, cwd, env = extension_launch()
    client = await start_server(command, cwd, env, root)
    try:
        summary = await check_workspace(client)
        published = {Path(p.uri.removeprefix("file://")) for p in client.published if p.diagnostics}
        assert all(path.is_relative_to(root) for path in published), published
        names = sorted(path.relative_to(root).as_posix() for path in published)
        assert names == ["chain1.py", "chain2.py", "ok.py", "pkg/real.py"], names
        assert summary["files"] == 4 and summary["cancelled"] is False
        assert any("pipe.py" in problem for problem in summary["problems"]), summary
    finally:
        await stop_server(client)


# -- the result cache: a project can ship .nova-lsp-cache -------------------------------------


def _fingerprint() -> str:
    from nova_lsp.config import Config

    return Config().fingerprint()


def _plant(ws: Path, victim_dir: Path, how: str) -> Path:
    """Plant a link (or hard link) in ws/.nova-lsp-cache; return the file it must not change."""
    cache = ws / ".nova-lsp-cache"
    victim = victim_dir / "victim.txt"
    victim.write_text("precious\n")
    if how == "cache dir links out":
        cache.symlink_to(victim_dir, target_is_directory=True)
        return victim_dir / f"v{CACHE_FORMAT}"
    cache.mkdir()
    if how == ".gitignore links to a file":
        (cache / ".gitignore").symlink_to(victim)
    elif how == ".gitignore is a hard link":
        os.link(victim, cache / ".gitignore")
    elif how == "CACHEDIR.TAG links to a new file":
        (cache / "CACHEDIR.TAG").symlink_to(victim_dir / "created.txt")
        return victim_dir / "created.txt"
    elif how == "v1 links out":
        (cache / f"v{CACHE_FORMAT}").symlink_to(victim_dir, target_is_directory=True)
        return victim_dir / f"{_fingerprint()}.json"
    elif how == "the cache file links to a file":
        (cache / f"v{CACHE_FORMAT}").mkdir()
        (cache / f"v{CACHE_FORMAT}" / f"{_fingerprint()}.json").symlink_to(victim)
    return victim


CACHE_ATTACKS = [
    "cache dir links out", ".gitignore links to a file", ".gitignore is a hard link",
    "CACHEDIR.TAG links to a new file", "v1 links out", "the cache file links to a file",
]


@pytest.mark.parametrize("how", CACHE_ATTACKS)
def test_the_cache_is_never_written_through_a_link_the_project_ships(tmp_path, how):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "a.py").write_text(SWALLOWED)
    victim_dir = tmp_path / "home"
    victim_dir.mkdir()
    guarded = _plant(ws, victim_dir, how)
    before = _snapshot(victim_dir)
    result = run([PYTHON, "-P", "-m", "nova_lsp", "check", "--format", "json", "."], cwd=ws)
    assert result.returncode == 1, result.stderr
    assert [f["rule"] for f in result.json()["findings"]] == ["NOVA006"]
    assert "is a link; checking without the cache" in result.stderr
    assert _snapshot(victim_dir) == before, f"written through the link: {guarded}"
    assert not guarded.exists() or guarded.name == "victim.txt"


def _snapshot(directory: Path) -> dict[str, bytes | None]:
    return {p.name: (p.read_bytes() if p.is_file() else None) for p in directory.iterdir()}


def test_a_cache_dir_the_user_chose_may_be_a_link(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "a.py").write_text(SWALLOWED)
    store = tmp_path / "ci-cache"
    store.mkdir()
    (ws / "cache").symlink_to(store, target_is_directory=True)
    result = run([PYTHON, "-P", "-m", "nova_lsp", "check", "--cache-dir", "cache", "--format", "json", "."], cwd=ws)
    assert result.returncode == 1 and "warning" not in result.stderr, result.stderr
    assert (store / f"v{CACHE_FORMAT}" / f"{_fingerprint()}.json").is_file()
