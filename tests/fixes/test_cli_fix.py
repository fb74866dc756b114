"""``nova-lsp check --fix`` / ``--diff`` through a real subprocess: what is written, what is
printed, and the exit code (what is left after fixing; for ``--diff``, 1 when there would be
changes)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from fixprops import golden

ROOT = Path(__file__).resolve().parents[2]

LEAKY = golden(
    '''
    """Volume helpers."""

    from oslo_log import log as logging
    import requests

    LOG = logging.getLogger(__name__)


    def attach(connection_info, new_pass):
        LOG.debug("Attaching %s", connection_info)
        LOG.debug("Password %s", new_pass)


    def get_state(self, host):
        while True:
            try:
                return self.client.get_state(host)
            except requests.ConnectionError:
                LOG.warning("retrying %s", host)
    '''
)
FIXED = golden(
    '''
    """Volume helpers."""

    import random
    import time

    from oslo_log import log as logging
    from oslo_utils import strutils
    import requests

    LOG = logging.getLogger(__name__)


    def attach(connection_info, new_pass):
        LOG.debug("Attaching %s", strutils.mask_dict_password(connection_info))
        LOG.debug("Password %s", "***")


    def get_state(self, host):
        attempt = 0
        while True:
            try:
                return self.client.get_state(host)
            except requests.ConnectionError:
                LOG.warning("retrying %s", host)
                attempt += 1
                delay = min(30.0, 0.5 * 2 ** min(attempt, 7))
                time.sleep(random.uniform(0, delay))
    '''
)
UNFIXABLE = "def f():\n    # FIXME: handle the error\n    return g()\n"


def nova_lsp(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return subprocess.run(
        [sys.executable, "-m", "nova_lsp", "check", "--no-cache", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "nova").mkdir()
    return tmp_path


def test_diff_prints_a_unified_diff_writes_nothing_and_exits_1(tree):
    path = tree / "nova" / "volume.py"
    path.write_text(LEAKY, encoding="utf-8")
    proc = nova_lsp("--diff", "nova", cwd=tree)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("--- a/nova/volume.py\n+++ b/nova/volume.py\n")
    assert '-    LOG.debug("Attaching %s", connection_info)\n' in proc.stdout
    assert '+    LOG.debug("Attaching %s", strutils.mask_dict_password(connection_info))\n' in proc.stdout
    assert "+import random\n+import time\n" in proc.stdout
    assert "would fix 3 problems in 1 file" in proc.stderr
    assert path.read_text(encoding="utf-8") == LEAKY


def test_diff_of_a_clean_tree_is_empty_and_exits_0(tree):
    (tree / "nova" / "clean.py").write_text("X = 1\n", encoding="utf-8")
    proc = nova_lsp("--diff", "nova", cwd=tree)
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stderr


def test_fix_rewrites_files_reports_them_and_a_second_run_changes_nothing(tree):
    path = tree / "nova" / "volume.py"
    path.write_text(LEAKY, encoding="utf-8")
    proc = nova_lsp("--fix", "nova", cwd=tree)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert path.read_text(encoding="utf-8") == FIXED
    assert "nova-lsp: fixed nova/volume.py: NOVA001 ×2, NOVA003" in proc.stderr
    assert "fixed 3 problems in 1 file" in proc.stderr
    again = nova_lsp("--fix", "nova", cwd=tree)
    assert again.returncode == 0 and "fixed" not in again.stderr
    assert path.read_text(encoding="utf-8") == FIXED


def test_exit_code_and_report_reflect_what_is_left(tree):
    path = tree / "nova" / "mixed.py"
    path.write_text(LEAKY + "\n\n" + UNFIXABLE, encoding="utf-8")
    proc = nova_lsp("--fix", "--format", "json", "nova", cwd=tree)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)  # the fix summary goes to stderr: stdout stays JSON
    left = [(f["rule"], f["line"]) for f in report["findings"]]
    text = path.read_text(encoding="utf-8")
    assert left == [("NOVA007", text.splitlines().index("    # FIXME: handle the error") + 1)]
    assert text.startswith(FIXED)


def test_suppressions_are_never_applied(tree):
    path = tree / "nova" / "swallow.py"
    path.write_text(UNFIXABLE, encoding="utf-8")
    proc = nova_lsp("--fix", "nova", cwd=tree)
    assert proc.returncode == 1
    assert path.read_text(encoding="utf-8") == UNFIXABLE
    assert "nova-lsp: ignore" not in path.read_text(encoding="utf-8")


def test_selection_limits_what_is_fixed(tree):
    path = tree / "nova" / "volume.py"
    path.write_text(LEAKY, encoding="utf-8")
    proc = nova_lsp("--fix", "--select", "NOVA003", "nova", cwd=tree)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = path.read_text(encoding="utf-8")
    assert "time.sleep(" in text and "strutils" not in text


def test_encoding_bom_crlf_and_permissions_are_kept(tree):
    crlf = tree / "nova" / "crlf.py"
    crlf.write_bytes(b"\xef\xbb\xbf" + LEAKY.replace("\n", "\r\n").encode("utf-8"))
    crlf.chmod(0o640)
    latin = tree / "nova" / "latin.py"
    latin_text = "# -*- coding: latin-1 -*-\n# café\n" + LEAKY.split("\n", 1)[1]
    latin.write_bytes(latin_text.encode("latin-1"))
    proc = nova_lsp("--fix", "nova", cwd=tree)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert crlf.read_bytes() == b"\xef\xbb\xbf" + FIXED.replace("\n", "\r\n").encode("utf-8")
    assert stat.S_IMODE(crlf.stat().st_mode) == 0o640
    fixed_latin = latin.read_bytes().decode("latin-1")
    assert fixed_latin.startswith("# -*- coding: latin-1 -*-\n# café\n")
    assert "strutils.mask_dict_password(connection_info)" in fixed_latin
    assert "from oslo_utils import strutils\n" in fixed_latin


def test_several_fixes_adding_one_import_add_it_once(tree):
    path = tree / "nova" / "many.py"
    path.write_text(
        golden(
            """
            import logging

            LOG = logging.getLogger(__name__)


            def a(connection_info, block_device_info, headers):
                LOG.debug("a %s", connection_info)
                LOG.debug("b %s", block_device_info)
                LOG.debug("c %s", headers)
            """
        ),
        encoding="utf-8",
    )
    proc = nova_lsp("--fix", "nova", cwd=tree)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = path.read_text(encoding="utf-8")
    assert text.count("from oslo_utils import strutils") == 1
    assert text.count("strutils.mask_dict_password(") == 3


def test_fix_with_a_baseline_leaves_the_baselined_findings_alone(tmp_path):
    target = tmp_path / "volume.py"
    target.write_text(LEAKY, encoding="utf-8")
    recorded = nova_lsp("--write-baseline", "baseline.json", "volume.py", cwd=tmp_path)
    assert recorded.returncode == 0, recorded.stderr
    # a new leak after the baseline was written: the only one --fix may touch
    target.write_text(LEAKY + "\n\ndef rotate(admin_password):\n    LOG.info('new %s', admin_password)\n", encoding="utf-8")
    proc = nova_lsp("--fix", "--baseline", "baseline.json", "volume.py", cwd=tmp_path)
    text = target.read_text(encoding="utf-8")
    assert "LOG.info('new %s', '***')" in text
    assert 'LOG.debug("Attaching %s", connection_info)' in text  # baselined: untouched
    assert "while True:" in text and "attempt" not in text
    assert proc.returncode == 0, proc.stdout + proc.stderr
