"""The VS Code extension's own test suite, run by pytest so that ``.ci/run`` covers it.

``npm test`` in ``vscode-extension/`` type-checks and lints the TypeScript, runs the unit tests
of the settings and interpreter resolution, starts ``python -m nova_lsp serve`` exactly as the
extension does and drives it over stdio like VS Code (diagnostics, quick fix), packages the
``.vsix`` and checks its manifest and contents.  The integration test uses this interpreter
(``NOVA_LSP_PYTHON``), which has nova-lsp's dependencies installed.

Skipped when npm is not installed.  ``npm ci`` runs first when ``node_modules`` is missing or
older than ``package-lock.json`` (that step needs the npm registry or a warm npm cache).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXTENSION = Path(__file__).resolve().parents[2] / "vscode-extension"
NPM = shutil.which("npm")
INSTALL_TIMEOUT_S = 600
TEST_TIMEOUT_S = 600
OUTPUT_TAIL_LINES = 150

pytestmark = pytest.mark.skipif(NPM is None, reason="npm is not installed")


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "NOVA_LSP_PYTHON": sys.executable,
        "NO_COLOR": "1",
        "FORCE_COLOR": "0",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
        "npm_config_update_notifier": "false",
    }


def _node_modules_stale() -> bool:
    # npm writes node_modules/.package-lock.json on every install; older than the lockfile
    # means the lockfile changed since.
    installed = EXTENSION / "node_modules" / ".package-lock.json"
    lock = EXTENSION / "package-lock.json"
    return not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=EXTENSION,
        env=_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
        check=False,
    )


def _tail(output: str) -> str:
    lines = output.splitlines()
    skipped = len(lines) - OUTPUT_TAIL_LINES
    head = [f"... ({skipped} lines before)"] if skipped > 0 else []
    return "\n".join(head + lines[-OUTPUT_TAIL_LINES:])


@pytest.fixture(scope="module")
def installed() -> None:
    if not _node_modules_stale():
        return
    result = _run([NPM, "ci"], INSTALL_TIMEOUT_S)
    assert result.returncode == 0, f"npm ci failed (exit {result.returncode}):\n{_tail(result.stdout)}"


def test_npm_test_passes(installed: None) -> None:
    result = _run([NPM, "test"], TEST_TIMEOUT_S)
    assert result.returncode == 0, f"npm test failed (exit {result.returncode}):\n{_tail(result.stdout)}"
    # the suite really ran: the server integration test and the package checks are in it
    assert "nova-lsp serve, driven like VS Code" in result.stdout
    # the name the README tells users to install
    assert "nova-lsp-0.1.0.vsix" in result.stdout
    assert (EXTENSION / "nova-lsp-0.1.0.vsix").is_file()
