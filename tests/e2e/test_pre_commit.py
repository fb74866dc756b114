"""The `nova-lsp` pre-commit hook (.pre-commit-hooks.yaml), run by real pre-commit.

``pre-commit try-repo`` clones a hook repository, builds the hook's virtualenv (here: installs
nova-lsp and its dependencies with pip) and runs the hook on the files given; ``pre-commit run``
does the same from a project's ``.pre-commit-config.yaml`` (repo + rev), as users set it up.
try-repo builds a fresh virtualenv on every call (its store is temporary), so the pass/skip
cases go through ``pre-commit run`` with one store, built once.

The hook repository is a snapshot of this checkout: the files that make the package and the
hook definition (tracked or new, as on disk), committed into a temporary git repository.
try-repo on the checkout itself would mix committed files with uncommitted edits of tracked
files and leave out new ones; in CI, on a clean clone, the snapshot is exactly HEAD.

pre-commit is in the ``test`` extra.  Missing, the tests are skipped with the reason, except in
CI (``CI=true``), where that fails.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent
SNAPSHOT_PATHS = ["pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml", "nova_lsp", "rules"]
INSTALL_TIMEOUT_S = 900  # the first run builds the hook's virtualenv (pip install from an index)
RUN_TIMEOUT_S = 180

LEAKY = '''\
"""Volume attachment for the libvirt driver."""

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


def attach_volume(context, instance, connection_info):
    LOG.debug("Attaching volume %s", connection_info)
    return instance.uuid
'''

CLEAN = '''\
"""Volume attachment for the libvirt driver."""

from oslo_log import log as logging
from oslo_utils import strutils

LOG = logging.getLogger(__name__)


def attach_volume(context, instance, connection_info):
    LOG.debug("Attaching volume %s", strutils.mask_dict_password(connection_info))
    return instance.uuid
'''

# would be a NOVA001 finding if it were Python: `types: [python]` must keep it from the hook
NOT_PYTHON = 'LOG.debug("Attaching volume %s", connection_info)\n'

GIT_ENV = {
    "GIT_AUTHOR_NAME": "nova-lsp tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "nova-lsp tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _require(what: str, ok: bool) -> None:
    if ok:
        return
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(f"CI=true and {what} is missing", pytrace=False)
    pytest.skip(f"{what} is missing (pip install -e '.[test]')")


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120, env={**os.environ, **GIT_ENV}
    )
    assert done.returncode == 0, f"git {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    _require("git", shutil.which("git") is not None)
    _require("pre-commit", importlib.util.find_spec("pre_commit") is not None)
    snapshot = tmp_path_factory.mktemp("hook-repo")
    listed = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *SNAPSHOT_PATHS, cwd=REPO)
    files = [name for name in listed.split("\0") if name and (REPO / name).is_file()]
    assert ".pre-commit-hooks.yaml" in files and "pyproject.toml" in files, files
    for name in files:
        target = snapshot / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    _git("init", "-q", cwd=snapshot)
    _git("add", "-A", cwd=snapshot)
    _git("commit", "-q", "-m", "snapshot of the nova-lsp checkout", cwd=snapshot)
    return snapshot


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    """pre-commit's store (cloned repos, hook virtualenvs): shared by this module's runs, so
    the virtualenv is built once, and kept out of ~/.cache/pre-commit."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    (root / "nova" / "virt").mkdir(parents=True)
    (root / "nova" / "virt" / "volume.py").write_text(LEAKY, encoding="utf-8")
    (root / "nova" / "virt" / "volume_masked.py").write_text(CLEAN, encoding="utf-8")
    (root / "NOTES.txt").write_text(NOT_PYTHON, encoding="utf-8")
    _git("init", "-q", cwd=root)
    _git("add", "-A", cwd=root)
    return root


def try_repo(hook_repo: Path, home: Path, project: Path, *files: str, timeout: int) -> subprocess.CompletedProcess:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("PRE_COMMIT", None)
    try:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", "--color", "never", str(hook_repo), "nova-lsp", "--files", *files],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"pre-commit try-repo took longer than {timeout} s\n{exc.stdout}\n{exc.stderr}")


def _explain(done: subprocess.CompletedProcess, home: Path) -> str:
    log = home / "pre-commit.log"
    return (
        f"exit status {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        + (f"\n--- {log}\n{log.read_text(errors='replace')[-6000:]}" if log.exists() else "")
    )


def test_hook_fails_on_a_finding_and_names_it(hook_repo, pre_commit_home, project):
    done = try_repo(
        hook_repo,
        pre_commit_home,
        project,
        "nova/virt/volume.py",
        "nova/virt/volume_masked.py",
        "NOTES.txt",
        timeout=INSTALL_TIMEOUT_S,
    )
    out = done.stdout + done.stderr
    explain = _explain(done, pre_commit_home)
    assert done.returncode == 1, explain
    assert "nova-lsp" in out and "Failed" in out, explain
    assert "nova/virt/volume.py:9:38: NOVA001" in out, explain  # path:line:col: ID, 1-based
    assert "`connection_info` may contain secrets" in out, explain
    assert "volume_masked.py:" not in out and "NOTES.txt:" not in out, explain
    assert "Found 1 finding in 1 of 2 files" in out, explain  # both Python files checked, not NOTES.txt


def run_configured(project: Path, home: Path, *files: str, timeout: int) -> subprocess.CompletedProcess:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("PRE_COMMIT", None)
    try:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--color", "never", "nova-lsp", "--files", *files],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"pre-commit run took longer than {timeout} s\n{exc.stdout}\n{exc.stderr}")


def test_configured_hook_passes_clean_python_and_skips_other_files(hook_repo, pre_commit_home, project):
    """The way a project uses it: a .pre-commit-config.yaml naming the repository and a rev."""
    rev = _git("rev-parse", "HEAD", cwd=hook_repo).strip()
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: nova-lsp\n", encoding="utf-8"
    )
    _git("add", ".pre-commit-config.yaml", cwd=project)

    done = run_configured(project, pre_commit_home, "nova/virt/volume_masked.py", "NOTES.txt", timeout=INSTALL_TIMEOUT_S)
    explain = _explain(done, pre_commit_home)
    assert done.returncode == 0, explain
    assert "nova-lsp" in done.stdout and "Passed" in done.stdout and "Failed" not in done.stdout, explain

    done = run_configured(project, pre_commit_home, "NOTES.txt", timeout=RUN_TIMEOUT_S)
    explain = _explain(done, pre_commit_home)
    assert done.returncode == 0, explain
    assert "(no files to check)Skipped" in done.stdout.replace(".", ""), explain
    assert "Installing environment" not in done.stdout + done.stderr, explain  # built once, reused

    done = run_configured(project, pre_commit_home, "nova/virt/volume.py", timeout=RUN_TIMEOUT_S)
    explain = _explain(done, pre_commit_home)
    assert done.returncode == 1 and "nova/virt/volume.py:9:38: NOVA001" in done.stdout, explain
