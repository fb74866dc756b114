"""No code execution (issue 6): analysing a hostile project never imports or runs any of it.

The project (``security_support.hostile_workspace``) has a package reached through relative and
star imports, ``conftest.py``, ``setup.py``, ``sitecustomize.py``, ``usercustomize.py``, a
``.pth`` file, fake C extensions, and modules named like the ones nova-lsp imports itself
(``argparse``, ``json``, ``logging``, ``tomllib``, ``ast``, ``multiprocessing``, ``astroid``,
``pygls``, ``lsprotocol``, ``nova_lsp`` ...), placed in its root: ``python -m`` puts the working
directory first on ``sys.path``, and editors and CI start nova-lsp inside the project.

It is checked by every way nova-lsp is started: the ``nova-lsp`` executable, ``python -m
nova_lsp check .`` in the project, ``check /abs/path``, with ``-P`` and ``PYTHONSAFEPATH``,
with worker processes forked and spawned, and by the language server started as the VS Code
extension starts it, as an editor without ``-P`` would, and as the ``nova-lsp`` executable.
Each run must leave no marker, report a finding in every module, and exit as documented.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from security_support import (
    PYTHON,
    REPO,
    base_env,
    check_workspace,
    console_script,
    extension_launch,
    hostile_workspace,
    open_file,
    run,
    start_server,
    stop_server,
)

NOVA_LSP = console_script()
needs_console_script = pytest.mark.skipif(NOVA_LSP is None, reason="no working `nova-lsp` executable on PATH")

# Spawned workers (the start method on macOS and Windows), forced on Linux: the launcher stands
# in for the `nova-lsp` console script (its directory, not the project, is sys.path[0]).
SPAWN_LAUNCHER = """\
import sys
import nova_lsp.cli.check
nova_lsp.cli.check._start_method = lambda: "spawn"
from nova_lsp.cli import main
if __name__ == "__main__":
    sys.exit(main())
"""


def _checked_paths(report: dict, root: Path, cwd: Path) -> set[str]:
    out = set()
    for finding in report["findings"]:
        path = Path(finding["path"])
        path = path if path.is_absolute() else cwd / path
        out.add(path.relative_to(root).as_posix())
    return out


def _assert_clean_run(result, ws, cwd: Path) -> None:
    assert ws.executed() == [], f"imported or ran: {ws.executed()}\n{result.stderr}"
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr  # findings, no errors
    report = result.json()
    assert report["errors"] == []
    assert _checked_paths(report, ws.root, cwd) == ws.python_files
    assert {f["rule"] for f in report["findings"]} >= {"NOVA006", "NOVA007"}


# (name, shadow nova_lsp itself?, argv after the program, working directory, extra environment)
CLI_RUNS = {
    # the form every editor page and the VS Code extension use
    "python -P -m, in the project": (True, ["-P", "-m", "nova_lsp", "check", "--no-cache", "-j", "2", "--format", "json", "."], "root", {}),
    "PYTHONSAFEPATH=1 python -m, in the project": (True, ["-m", "nova_lsp", "check", "--no-cache", "-j", "2", "--format", "json", "."], "root", {"PYTHONSAFEPATH": "1"}),
    # plain -m: nova_lsp/__main__.py drops the working directory from sys.path first thing
    "python -m, in the project": (False, ["-m", "nova_lsp", "check", "--no-cache", "-j", "2", "--format", "json", "."], "root", {}),
    "python -m, in the project, absolute path": (False, ["-m", "nova_lsp", "check", "--no-cache", "--format", "json", "{root}"], "root", {}),
    "python -m, in a subdirectory, absolute path": (False, ["-m", "nova_lsp", "check", "--no-cache", "--format", "json", "{root}"], "pkg", {}),
    "python -m, elsewhere, absolute path": (True, ["-m", "nova_lsp", "check", "--no-cache", "-j", "2", "--format", "json", "{root}"], "base", {}),
    # with the result cache written (and read back by a second run)
    "python -P -m, with the cache": (True, ["-P", "-m", "nova_lsp", "check", "-j", "1", "--format", "json", "."], "root", {}),
}


@pytest.mark.parametrize("name", list(CLI_RUNS))
def test_check_never_imports_the_project(tmp_path, name):
    shadow_self, args, where, extra = CLI_RUNS[name]
    ws = hostile_workspace(tmp_path, shadow_self=shadow_self)
    cwd = {"root": ws.root, "pkg": ws.root / "pkg", "base": tmp_path}[where]
    argv = [PYTHON, *(a.replace("{root}", str(ws.root)) for a in args)]
    result = run(argv, cwd=cwd, env=base_env(**extra))
    _assert_clean_run(result, ws, cwd)
    if "cache" in name:
        again = run(argv, cwd=cwd, env=base_env(**extra))
        _assert_clean_run(again, ws, cwd)
        assert again.json() == result.json()


@needs_console_script
@pytest.mark.parametrize("target", [".", "{root}"])
def test_the_nova_lsp_executable_never_imports_the_project(tmp_path, target):
    ws = hostile_workspace(tmp_path, shadow_self=True)
    argv = [NOVA_LSP, "check", "--no-cache", "-j", "2", "--format", "json", target.replace("{root}", str(ws.root))]
    _assert_clean_run(run(argv, cwd=ws.root), ws, ws.root)


def test_spawned_workers_never_import_the_project(tmp_path):
    """A spawned worker is a fresh ``python -c`` in the project directory: before the fix it
    imported the project's ``multiprocessing/`` (so on macOS and Windows, every pool run)."""
    ws = hostile_workspace(tmp_path, shadow_self=True)
    launcher = tmp_path / "bin" / "nova_lsp_spawn.py"
    launcher.parent.mkdir()
    launcher.write_text(SPAWN_LAUNCHER)
    argv = [PYTHON, str(launcher), "check", "--no-cache", "-j", "2", "--format", "json", "."]
    _assert_clean_run(run(argv, cwd=ws.root), ws, ws.root)


def test_a_fake_c_extension_given_as_a_file_is_read_as_text_never_loaded(tmp_path):
    ws = hostile_workspace(tmp_path, shadow_self=True)
    result = run([PYTHON, "-P", "-m", "nova_lsp", "check", "--no-cache", "--format", "json",
                  "evil.cpython-311-x86_64-linux-gnu.so", "evil_abi.abi3.so"], cwd=ws.root)
    assert ws.executed() == []
    assert result.returncode == 2, result.stderr  # not UTF-8 source: reported, not a crash
    assert sorted(e["path"] for e in result.json()["errors"]) == ["evil.cpython-311-x86_64-linux-gnu.so", "evil_abi.abi3.so"]
    assert "Traceback" not in result.stderr


def test_plain_python_dash_m_in_a_project_with_its_own_nova_lsp_runs_that_one(tmp_path):
    """Why editors must start ``python -P -m nova_lsp``: without ``-P`` Python imports the
    ``nova_lsp`` package of the working directory before any of nova-lsp's code can object.
    (The VS Code extension and docs/editors use ``-P``; this pins the reason.)"""
    ws = hostile_workspace(tmp_path, shadow_self=True)
    run([PYTHON, "-m", "nova_lsp", "check", "--no-cache", "."], cwd=ws.root)
    assert "nova_lsp____init__.py" in ws.executed()
    for name in ws.executed():
        (ws.markers / name).unlink()
    result = run([PYTHON, "-P", "-m", "nova_lsp", "check", "--no-cache", "--format", "json", "."], cwd=ws.root)
    _assert_clean_run(result, ws, ws.root)


def test_the_probe_the_extension_runs_never_imports_the_project(tmp_path):
    """``<python> -P -c PROBE_SCRIPT`` (vscode-extension/src/common/settings.ts), even run in
    the project directory."""
    ws = hostile_workspace(tmp_path, shadow_self=True)
    result = run([PYTHON, "-P", "-c", "import sys, nova_lsp; print(nova_lsp.__version__)"], cwd=ws.root)
    assert result.returncode == 0, result.stderr
    assert ws.executed() == []


# -- the language server ----------------------------------------------------------------------

OPENED = ("pkg/__init__.py", "pkg/star.py", "app.py", "conftest.py", "setup.py", "sitecustomize.py",
          "argparse.py", "json/__init__.py", "astroid/__init__.py")


async def _drive_server(ws, command, cwd, env) -> None:
    client = await start_server(command, cwd, env, ws.root)
    try:
        for rel in OPENED:
            uri = open_file(client, ws.root / rel)
            codes = {d.code for d in await client.current_diagnostics(uri)}
            assert "NOVA007" in codes, (rel, codes)
            if rel == "app.py":
                assert "NOVA006" in codes
        summary = await check_workspace(client)
        assert summary["cancelled"] is False
        # open documents keep their live diagnostics; the check reads every other file
        assert summary["files"] == len(ws.python_files) - len(OPENED), summary
        assert summary["findings"] >= summary["files"], summary
        assert summary["problems"] == [], summary
        assert client.messages == [], [m.message for m in client.messages]
    finally:
        code = await stop_server(client)
    assert code == 0
    assert ws.executed() == [], ws.executed()


async def test_server_started_as_the_vscode_extension_starts_it(tmp_path):
    ws = hostile_workspace(tmp_path, shadow_self=True)
    command, cwd, env = extension_launch()
    await _drive_server(ws, command, cwd, env)


async def test_server_started_with_the_extensions_options_inside_the_project(tmp_path):
    """-P and PYTHONSAFEPATH alone protect even when the working directory is the project."""
    ws = hostile_workspace(tmp_path, shadow_self=True)
    command, _, env = extension_launch()
    await _drive_server(ws, command, ws.root, env)


async def test_server_started_as_python_dash_m_inside_the_project(tmp_path):
    """An editor configured without ``-P``: everything but a ``nova_lsp`` package of the
    project's own is kept out by nova_lsp/__main__.py."""
    ws = hostile_workspace(tmp_path, shadow_self=False)
    await _drive_server(ws, [PYTHON, "-m", "nova_lsp", "serve"], ws.root, base_env())


@needs_console_script
async def test_server_started_as_the_nova_lsp_executable_inside_the_project(tmp_path):
    ws = hostile_workspace(tmp_path, shadow_self=True)
    await _drive_server(ws, [NOVA_LSP, "serve"], ws.root, base_env())


def test_the_extension_launch_mirrored_here_is_the_extensions():
    """EXTENSION_ARGS / EXTENSION_ENV above mirror resolveServerLaunch; fail if it changes."""
    source = (REPO / "vscode-extension" / "src" / "common" / "settings.ts").read_text(encoding="utf-8")
    assert "args: [...rest, SAFE_PATH_OPTION, '-m', SERVER_MODULE, 'serve']" in source
    assert "export const SAFE_PATH_OPTION = '-P';" in source
    assert "const env: Record<string, string> = { PYTHONUNBUFFERED: '1', PYTHONSAFEPATH: '1' };" in source
    assert "const cwd = context.userHome;" in source
