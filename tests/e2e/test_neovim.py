"""nova-lsp in a real, headless Neovim: diagnostics, quick fix, fix-all on save, written file.

Each test writes a Nova-style module with a secret in a log call into a temporary project, runs
``nvim --headless --clean -u tests/e2e/nvim/drive.lua <file>`` (the driver starts ``python -m
nova_lsp serve`` as Neovim's LSP client, waits for the diagnostics, applies a fix, writes the
buffer and quits, recording what it saw in a JSON report), then checks the file on disk.

Neovim is Debian's package, installed here when missing (``apt-get``, as root).  When it cannot
be installed the tests are skipped with the reason, except in CI (``CI=true``) where that is a
failure: a missing install step must not turn the suite green.  Debian 12 ships 0.7.2, which
has only ``vim.lsp.start_client``; the driver picks ``vim.lsp.start`` on 0.8+.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).parent
REPO = HERE.parent.parent
DRIVER = HERE / "nvim" / "drive.lua"
NEOVIM_DOC = REPO / "docs" / "editors" / "neovim.md"

BUDGET_S = 40  # what the driver may spend, server start-up included (slow on a loaded machine)
HARD_TIMEOUT_S = 55  # then the process group is killed; every test stays under a minute
APT_TIMEOUT_S = 600

MASKED = "strutils.mask_dict_password(connection_info)"
IMPORT = "from oslo_utils import strutils"

# Non-ASCII before the argument on the flagged line: « » é are 2 bytes in UTF-8 and 1 UTF-16
# unit, 💾 is 4 bytes and 2 UTF-16 units (1 code point).  A column converted with the wrong
# unit anywhere (server ↔ Neovim) moves the diagnostic and breaks the edit.  (Short lines: the
# redacted call still fits in 79 columns, so the fix is the one-argument edit.)
QUICKFIX_FIXTURE = '''\
"""Volume attachment for the libvirt driver."""

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


def attach_volume(context, instance, connection_info):
    # FIXME(e2e): retry when the iSCSI target is busy
    LOG.debug("« %s » attaché 💾", connection_info)
    return instance.uuid
'''

UI_FIXTURE = '''\
"""Volume attachment for the libvirt driver."""

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


def attach_volume(context, instance, connection_info):
    # FIXME(e2e): retry when the iSCSI target is busy
    LOG.debug("Attaching %s", connection_info)
    return instance.uuid
'''

FIX_ALL_FIXTURE = '''\
"""Volume attachment for the libvirt driver."""

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


def attach_volume(context, instance, connection_info):
    # FIXME(e2e): retry when the iSCSI target is busy
    LOG.debug("Attaching %s", connection_info)
    return instance.uuid


def detach_volume(context, instance, connection_info):
    LOG.info("Detaching %s", connection_info)
    return instance.uuid
'''


# -- Neovim --------------------------------------------------------------------------------------


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _unavailable(reason: str):
    if _in_ci():
        pytest.fail(f"CI=true and real Neovim is unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


def _version(nvim: str) -> tuple[int, int, int]:
    out = subprocess.run([nvim, "--version"], capture_output=True, text=True, timeout=30).stdout
    match = re.search(r"NVIM v(\d+)\.(\d+)\.(\d+)", out)
    if not match:
        raise RuntimeError(f"cannot read the version of {nvim}: {out[:200]!r}")
    return tuple(int(part) for part in match.groups())  # type: ignore[return-value]


def _apt_install() -> str | None:
    """Install Debian's neovim; None when done, else why not."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "nvim is not on PATH and installing Debian's neovim needs root"
    if shutil.which("apt-get") is None:
        return "nvim is not on PATH and there is no apt-get to install it"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", "neovim"]):
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=APT_TIMEOUT_S, env=env)
        except subprocess.TimeoutExpired:
            return f"`{' '.join(command)}` took longer than {APT_TIMEOUT_S} s"
        if done.returncode != 0:
            return f"`{' '.join(command)}` failed ({done.returncode}): {(done.stderr or done.stdout)[-2000:]}"
    return None


@pytest.fixture(scope="session")
def nvim() -> str:
    path = shutil.which("nvim")
    if path is None:
        problem = _apt_install()
        path = shutil.which("nvim")
        if path is None:
            _unavailable(problem or "apt-get installed neovim but nvim is still not on PATH")
    version = _version(path)
    if version < (0, 7, 0):
        _unavailable(f"{path} is Neovim {'.'.join(map(str, version))}; the driver needs 0.7 or newer")
    return path


# -- running the driver --------------------------------------------------------------------------


@dataclass
class Run:
    returncode: int | None
    stdout: str
    stderr: str
    report: dict
    path: Path
    home: Path

    def lsp_log(self) -> str:
        logs = sorted(self.home.rglob("lsp.log"))
        return "\n".join(f"--- {log}\n{log.read_text(errors='replace')[-6000:]}" for log in logs) or "(no lsp.log)"

    def explain(self) -> str:
        text = self.path.read_text(encoding="utf-8") if self.path.exists() else "(missing)"
        return "\n".join(
            [
                f"nvim exit status: {self.returncode}",
                f"--- nvim stdout\n{self.stdout[-4000:]}",
                f"--- nvim stderr\n{self.stderr[-4000:]}",
                f"--- report\n{json.dumps(self.report, indent=2, ensure_ascii=False)[-12000:]}",
                f"--- {self.path.name} now\n{text}",
                self.lsp_log(),
            ]
        )

    def step(self, name: str) -> dict:
        for entry in self.report.get("steps", []):
            if entry.get("step") == name:
                return entry.get("data") or {}
        raise AssertionError(f"the driver recorded no {name!r} step\n{self.explain()}")


def run_nvim(
    nvim: str, tmp_path: Path, fixture: str, scenario: str, extra_env: dict | None = None, check: bool = True
) -> Run:
    project = tmp_path / "project"
    (project / "nova" / "virt").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "fixture"\nversion = "0"\n', encoding="utf-8")
    path = project / "nova" / "virt" / "volume.py"
    path.write_text(fixture, encoding="utf-8")
    home = tmp_path / "home"  # Neovim's XDG cache/state/data (lsp.log, shada) stay inside the test;
    # HOME itself is left alone: the server's Python may import from the user site-packages
    result = tmp_path / "report.json"
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "NVIM_LOG_FILE": str(home / "nvim.log"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")])),
        "NOVA_E2E_SERVER": json.dumps([sys.executable, "-m", "nova_lsp", "serve"]),
        "NOVA_E2E_SCENARIO": scenario,
        "NOVA_E2E_RESULT": str(result),
        "NOVA_E2E_BUDGET_MS": str(BUDGET_S * 1000),
        **(extra_env or {}),
    }
    env.pop("NVIM", None)  # never talk to a parent Neovim
    env.pop("NVIM_LISTEN_ADDRESS", None)
    proc = subprocess.Popen(
        [nvim, "--headless", "--clean", "-n", "-u", str(DRIVER), str(path)],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the server is nvim's child: kill the whole group on timeout
    )
    try:
        stdout, stderr = proc.communicate(timeout=HARD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        stderr += f"\n(killed after {HARD_TIMEOUT_S} s)"
    report = json.loads(result.read_text(encoding="utf-8")) if result.exists() else {}
    run = Run(proc.returncode, stdout, stderr, report, path, home)
    if check:
        assert report.get("ok") is True, f"the Neovim run failed: {report.get('error')}\n{run.explain()}"
    return run


# -- checks on the result ------------------------------------------------------------------------


def assert_fixed_file(run: Run, original: str, fixed_calls: int = 1) -> str:
    """The file on disk is ``original`` with the redact fix(es) and the import, nothing else."""
    text = run.path.read_text(encoding="utf-8")
    explain = run.explain()
    assert text.count(MASKED) == fixed_calls, explain
    assert text.count(IMPORT + "\n") == 1, explain
    ast.parse(text)
    # undo exactly the fix: what is left must be the original, byte for byte
    assert text.replace(IMPORT + "\n", "", 1).replace(MASKED, "connection_info") == original, explain
    lines = text.splitlines()
    assert lines.index(IMPORT) > lines.index("from oslo_log import log as logging"), explain

    check = subprocess.run(
        [sys.executable, "-m", "nova_lsp", "check", "--select", "NOVA001", "--no-cache", "--no-color", str(run.path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")]))},
    )
    assert check.returncode == 0, f"nova-lsp check still reports:\n{check.stdout}{check.stderr}\n{explain}"
    return text


def assert_settings_and_server(run: Run) -> None:
    """Only NOVA001 was shown (the settings deselected the FIXME's NOVA007); clean shutdown."""
    shown = run.step("diagnostics")["shown"]
    assert {d["code"] for d in shown} == {"NOVA001"}, run.explain()
    assert all(d["source"] == "nova-lsp" for d in shown), run.explain()
    assert run.report.get("server_exit", {}).get("code") == 0, f"the server did not exit cleanly\n{run.explain()}"


def _byte_col(line: str, needle: str) -> int:
    return len(line[: line.index(needle)].encode("utf-8"))


def _utf16_col(line: str, needle: str) -> int:
    return len(line[: line.index(needle)].encode("utf-16-le")) // 2


# -- the tests -------------------------------------------------------------------------------------


def test_redact_quick_fix_is_applied_and_written(nvim, tmp_path):
    run = run_nvim(nvim, tmp_path, QUICKFIX_FIXTURE, "quickfix")
    print(f"Neovim {run.report['nvim']}; client started with {run.step('start')['api']}")

    # where Neovim shows the finding: its own byte columns, converted from the server's UTF-16
    log_line = QUICKFIX_FIXTURE.splitlines()[9]
    (shown,) = run.step("diagnostics")["shown"]
    assert (shown["lnum"], shown["col"]) == (9, _byte_col(log_line, "connection_info")), run.explain()
    assert shown["end_col"] == shown["col"] + len("connection_info"), run.explain()
    (raw,) = [d for d in run.step("diagnostics")["lsp"] if d["code"] == "NOVA001"]
    encoding = run.step("code actions")["offset_encoding"]
    if encoding == "utf-16":
        assert raw["range"]["start"] == {"line": 9, "character": _utf16_col(log_line, "connection_info")}, run.explain()

    titles = run.step("code actions")["titles"]
    assert any("Redact" in t for t in titles) and any(t.startswith("Ignore NOVA001") for t in titles), run.explain()
    assert run.step("after edit")["diagnostics"] == [], run.explain()  # re-analysed after the edit
    assert run.step("written")["modified"] is False, run.explain()
    assert_settings_and_server(run)
    assert_fixed_file(run, QUICKFIX_FIXTURE)


@pytest.mark.parametrize("fixture", [UI_FIXTURE, QUICKFIX_FIXTURE], ids=["ascii-line", "non-ascii-line"])
def test_code_action_menu_applies_the_redact_fix(nvim, tmp_path, fixture):
    # Neovim 0.7 sends the line's diagnostics back with byte columns and without `data`; on
    # the non-ASCII line those columns differ from the UTF-16 ones the server published
    run = run_nvim(nvim, tmp_path, fixture, "code_action_ui")
    assert any("Redact" in t for t in run.step("code actions")["titles"]), run.explain()
    assert run.step("after edit")["diagnostics"] == [], run.explain()
    assert_settings_and_server(run)
    assert_fixed_file(run, fixture)


def fix_all_snippet() -> str:
    """The Lua block that docs/editors/neovim.md marks as run by this test."""
    doc = NEOVIM_DOC.read_text(encoding="utf-8")
    marker = doc.index("<!-- e2e: fix-all-on-save")
    match = re.compile(r"```lua\n(.*?)```", re.S).search(doc, marker)
    assert match, "no ```lua block after the fix-all-on-save marker in docs/editors/neovim.md"
    return match.group(1)


def test_documented_fix_all_on_save(nvim, tmp_path):
    snippet = tmp_path / "fix_all_on_save.lua"
    snippet.write_text(fix_all_snippet(), encoding="utf-8")
    run = run_nvim(nvim, tmp_path, FIX_ALL_FIXTURE, "fix_all_on_save", {"NOVA_E2E_FIX_ALL": str(snippet)})
    shown = run.step("diagnostics")["shown"]
    assert [d["code"] for d in shown] == ["NOVA001", "NOVA001"], run.explain()
    assert_settings_and_server(run)
    assert_fixed_file(run, FIX_ALL_FIXTURE, fixed_calls=2)


@pytest.mark.parametrize(
    ("fixture", "lines"),
    [(QUICKFIX_FIXTURE, [10]), (UI_FIXTURE, [10]), (FIX_ALL_FIXTURE, [10, 15])],
    ids=["quickfix", "menu", "fix-all"],
)
def test_fixtures_have_the_findings_the_tests_expect(tmp_path, fixture, lines):
    """Guard: the CLI flags exactly these NOVA001 lines and the FIXME (NOVA007, deselected in
    the editor settings), so a failure above is about the editor integration."""
    path = tmp_path / "volume.py"
    path.write_text(fixture, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "nova_lsp", "check", "--format", "json", "--no-cache", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")]))},
    )
    findings = json.loads(out.stdout)["findings"]
    assert sorted(f["line"] for f in findings if f["rule"] == "NOVA001") == lines, out.stdout
    assert [f["line"] for f in findings if f["rule"] == "NOVA007"] == [9], out.stdout
    assert all(f["fixes"] and "Redact" in f["fixes"][0]["title"] for f in findings if f["rule"] == "NOVA001")
