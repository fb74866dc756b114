"""The CLI conventions ruff users expect, through the real CLI: standard input, ``--quiet``,
``--show-fixes``, ``--add-suppressions``, ``--force-exclude``, per-file ignores, ``--severity``
as a filter, ``FORCE_COLOR``, honest summaries, an empty run, syntax errors whatever is
selected, and the safe/unsafe split of ``--fix``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli_support import FIXME, ROOT, cli_env, run_cli

LEAK = (
    "from oslo_log import log as logging\n"
    "\n"
    "LOG = logging.getLogger(__name__)\n"
    "\n"
    "\n"
    "def login(user, password):\n"
    '    LOG.debug("login %s", password)\n'
)
PRINTED = "def show(admin_password):\n    print(admin_password)\n"
BROKEN = "def broken(:\n    pass\n"


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def stdin_run(args, text: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nova_lsp", "check", *args],
        input=text.encode(), cwd=cwd, env=cli_env(), capture_output=True, timeout=300,
    )


def test_standard_input_is_checked_under_the_stdin_filename(tmp_path):
    proc = stdin_run(["-", "--stdin-filename", "nova/auth.py", "--no-cache"], LEAK, tmp_path)
    out = proc.stdout.decode()
    assert proc.returncode == 1, proc.stderr
    assert out.startswith("nova/auth.py:7:27: NOVA001 [warning] [*] ")
    # with --fix the fixed text goes to standard output, and nothing else does
    fixed = stdin_run(["-", "--stdin-filename", "nova/auth.py", "--fix"], LEAK, tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.decode() == LEAK.replace('"login %s", password', '"login %s", "***"')
    # the file's per-file ignores apply to the name given
    in_tests = stdin_run(["-", "--stdin-filename", "nova/tests/test_x.py"], 'URL = "http://glance.internal.cloud/v2"\n', tmp_path)
    assert in_tests.returncode == 0 and b"No findings in 1 file." in in_tests.stdout


def test_quiet_prints_findings_only(tmp_path):
    write(tmp_path, "pkg/a.py", LEAK)
    result = run_cli("check", "--no-cache", "-q", "pkg", cwd=tmp_path)
    assert result.returncode == 1
    assert "NOVA001" in result.stdout and "Found" not in result.stdout and "fixable" not in result.stdout
    assert result.stderr == ""


def test_show_fixes_names_each_fix_and_its_safety(tmp_path):
    write(tmp_path, "pkg/a.py", LEAK)
    write(tmp_path, "pkg/b.py", PRINTED)
    result = run_cli("check", "--no-cache", "--show-fixes", "--select", "NOVA001", "pkg", cwd=tmp_path)
    assert "= fix (safe): Replace `password` with '***'" in result.stdout
    assert "= fix (unsafe): Replace `admin_password` with '***'" in result.stdout  # printed output
    assert "[-] " in result.stdout and "[*] " in result.stdout
    assert "[*] 1 fixable with the --fix option (1 more with --unsafe-fixes)." in result.stdout
    fixed = run_cli("check", "--no-cache", "--fix", "--show-fixes", "--select", "NOVA001", "pkg", cwd=tmp_path)
    assert "Fixed 1 finding:" in fixed.stdout and "pkg/a.py:7: NOVA001 Replace `password` with '***'" in fixed.stdout
    assert (tmp_path / "pkg/b.py").read_text() == PRINTED  # an unsafe fix is not applied by --fix
    unsafe = run_cli("check", "--no-cache", "--fix", "--unsafe-fixes", "--select", "NOVA001", "pkg", cwd=tmp_path)
    assert unsafe.returncode == 0, unsafe.stdout + unsafe.stderr
    assert "print('***')" in (tmp_path / "pkg/b.py").read_text()


def test_unsafe_fixes_needs_fix_or_diff(tmp_path):
    write(tmp_path, "a.py", LEAK)
    result = run_cli("check", "--unsafe-fixes", "a.py", cwd=tmp_path)
    assert result.returncode == 2 and "--unsafe-fixes goes with --fix or --diff" in result.stderr


def test_add_suppressions_silences_every_reported_finding_once(tmp_path):
    path = write(tmp_path, "pkg/a.py", LEAK + "# FIXME: tidy up\n")
    result = run_cli("check", "--no-cache", "--add-suppressions", "pkg", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "added 2 suppression(s) in 1 file(s)" in result.stderr
    text = path.read_text()
    assert '    LOG.debug("login %s", password)  # nova-lsp: ignore[NOVA001]\n' in text
    assert "# FIXME: tidy up  # nova-lsp: ignore[NOVA007]\n" in text
    assert run_cli("check", "--no-cache", "pkg", cwd=tmp_path).returncode == 0
    again = run_cli("check", "--no-cache", "--add-suppressions", "pkg", cwd=tmp_path)
    assert path.read_text() == text and "added 0 suppression(s)" in again.stderr


def test_force_exclude_applies_excludes_to_named_files(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.nova-lsp]\nextend-exclude = ["nova/legacy"]\n')
    write(tmp_path, "nova/legacy/old.py", FIXME)
    write(tmp_path, "nova/new.py", FIXME)
    named = run_cli("check", "--no-cache", "--format", "json", "nova/legacy/old.py", "nova/new.py", cwd=tmp_path)
    assert sorted(p for p, _, _ in named.rules()) == ["nova/legacy/old.py", "nova/new.py"]
    forced = run_cli("check", "--no-cache", "--format", "json", "--force-exclude", "nova/legacy/old.py", "nova/new.py", cwd=tmp_path)
    assert [p for p, _, _ in forced.rules()] == ["nova/new.py"]


def test_per_file_ignores_and_their_test_code_default(tmp_path):
    url = 'URL = "http://glance.internal.cloud/v2"\n'
    write(tmp_path, "nova/api.py", url + FIXME)
    write(tmp_path, "nova/tests/unit/test_api.py", url + FIXME)
    write(tmp_path, "nova/cmd/manage.py", url + FIXME)
    default = run_cli("check", "--no-cache", "--format", "json", "nova", cwd=tmp_path)
    assert sorted(default.rules()) == [
        ("nova/api.py", "NOVA007", 2), ("nova/api.py", "NOVA008", 1),
        ("nova/cmd/manage.py", "NOVA007", 2), ("nova/cmd/manage.py", "NOVA008", 1),
        ("nova/tests/unit/test_api.py", "NOVA007", 2),  # fake URLs in tests: NOVA008 off there
    ]
    write(tmp_path, "pyproject.toml", '[tool.nova-lsp]\nextend-per-file-ignores = { "nova/cmd/*" = ["fixme-comment"] }\n')
    extended = run_cli("check", "--no-cache", "--format", "json", "nova", cwd=tmp_path)
    assert ("nova/cmd/manage.py", "NOVA007", 2) not in extended.rules()
    assert ("nova/tests/unit/test_api.py", "NOVA008", 1) not in extended.rules()  # the default stays
    write(tmp_path, "pyproject.toml", '[tool.nova-lsp]\nper-file-ignores = { "!nova/api.py" = ["NOVA008"] }\n')
    replaced = run_cli("check", "--no-cache", "--format", "json", "nova", cwd=tmp_path)
    assert ("nova/tests/unit/test_api.py", "NOVA008", 1) not in replaced.rules()
    assert ("nova/api.py", "NOVA008", 1) in replaced.rules()


def test_syntax_errors_are_reported_whatever_is_selected(tmp_path):
    write(tmp_path, "broken.py", BROKEN)
    for args in (("--select", "NOVA001"), ("--ignore", "NOVA900"), ("--select", "NOVA007")):
        result = run_cli("check", "--no-cache", *args, "broken.py", cwd=tmp_path)
        assert result.returncode == 1, (args, result.stdout)
        assert "NOVA900 [error]" in result.stdout


def test_summary_counts_the_files_with_findings_among_those_checked(tmp_path):
    write(tmp_path, "pkg/a.py", FIXME)
    for name in ("b", "c"):
        write(tmp_path, f"pkg/{name}.py", "x = 1\n")
    result = run_cli("check", "--no-cache", "pkg", cwd=tmp_path)
    assert "Found 1 finding in 1 of 3 files:" in result.stdout


def test_no_python_files_is_a_warning_and_exit_2(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "README.md").write_text("# nothing to check\n")
    result = run_cli("check", "docs", cwd=tmp_path)
    assert result.returncode == 2
    assert "nova-lsp: warning: no Python files found in docs" in result.stderr
    assert "No findings" not in result.stdout


@pytest.mark.parametrize("value, coloured", [("1", True), ("", False)])
def test_force_color_colours_piped_output(tmp_path, value, coloured):
    write(tmp_path, "a.py", FIXME)
    result = run_cli("check", "--no-cache", "a.py", cwd=tmp_path, env=cli_env(FORCE_COLOR=value))
    assert ("\x1b[" in result.stdout) == coloured
    # NO_COLOR still wins over FORCE_COLOR, and --no-color over both
    plain = run_cli("check", "--no-cache", "--no-color", "a.py", cwd=tmp_path, env=cli_env(FORCE_COLOR="1"))
    assert "\x1b[" not in plain.stdout


def test_noqa_codes_silence_and_a_malformed_directive_is_reported(tmp_path):
    write(tmp_path, "a.py", LEAK.replace("password)\n", "password)  # noqa: E501, NOVA001\n"))
    write(tmp_path, "b.py", LEAK.replace("password)\n", "password)  # nova-lsp: ignore NOVA001\n"))
    result = run_cli("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    assert sorted(result.rules()) == [("b.py", "NOVA001", 7), ("b.py", "NOVA902", 7)]
