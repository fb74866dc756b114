"""Running the real ``nova-lsp`` CLI in a subprocess, and small texts with known findings.

Every CLI test goes through ``python -m nova_lsp`` in a child process: the exit code, stdout
and stderr are what a CI job sees.  Output is decoded as strict UTF-8, so a report that is not
valid UTF-8 fails the test that produced it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# One finding each, at known positions (1-based line, column).
SWALLOWED = "try:\n    x()\nexcept:\n    pass\n"  # NOVA006 at 3:1
FIXME = "# FIXME: rewrite this\n"  # NOVA007 at 1:3
CLEARTEXT = 'URL = "http://glance.internal.cloud/v2"\n'  # NOVA008 at 1:8


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)

    def rules(self) -> list[tuple[str, str, int]]:
        """(path, rule, line) of every finding of a JSON report."""
        return [(f["path"], f["rule"], f["line"]) for f in self.json()["findings"]]

    def error_paths(self) -> list[str]:
        return [e["path"] for e in self.json()["errors"]]


def cli_env(**extra: str | None) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("NO_COLOR", "FORCE_COLOR", "PYTHONWARNINGS"):
        env.pop(name, None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    for name, value in extra.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> Result:
    """``python -m nova_lsp ARGS`` in ``cwd``; fails the test on a hang (timeout)."""
    proc = subprocess.run(
        [sys.executable, "-m", "nova_lsp", *args],
        cwd=cwd,
        env=env or cli_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))


def check(*args: str, cwd: Path, **kwargs) -> Result:
    """``nova-lsp check --no-cache ARGS`` (tests that exercise the cache say so)."""
    return run_cli("check", "--no-cache", *args, cwd=cwd, **kwargs)


def check_all(runs: dict[str, tuple], cwd: Path, timeout: float = 300) -> dict[str, Result]:
    """Several independent ``check --no-cache`` runs at once (name -> args, or (args, env)):
    the suite stays fast without sharing any state between the runs."""

    def one(spec) -> Result:
        args, env = spec if len(spec) == 2 and isinstance(spec[1], dict) else (spec, None)
        return check(*args, cwd=cwd, env=env, timeout=timeout)

    workers = min(len(runs), max(os.cpu_count() or 2, 2) * 2)
    with ThreadPoolExecutor(workers) as pool:
        futures = {name: pool.submit(one, spec) for name, spec in runs.items()}
        return {name: future.result() for name, future in futures.items()}


def assert_clean_stderr(result: Result) -> None:
    """No traceback and no internal error: bad input must be reported, never crash."""
    assert "Traceback" not in result.stderr, result.stderr
    assert "internal error" not in result.stderr, result.stderr


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path
