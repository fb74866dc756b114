"""Exit codes of ``nova-lsp``: 0 nothing at or above the threshold, 1 findings, 2 usage
error, missing path, a file that could not be checked, or an internal error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli_support import FIXME, SWALLOWED, assert_clean_stderr, check_all, cli_env, run_cli, write


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("exit_codes")
    write(root / "clean.py", "VALUE = 1\n")
    write(root / "dirty.py", SWALLOWED)
    write(root / "info.py", FIXME)
    write(root / "bad.py", b"\xff\xfe not utf-8\n")
    return root


@pytest.fixture(scope="module")
def runs(project):
    return check_all(
        {
            "clean": ("clean.py",),
            "findings": ("clean.py", "dirty.py"),
            "missing": ("clean.py", "dirty.py", "no/such/file.py"),
            "undecodable": ("clean.py", "bad.py"),
            "undecodable_exit_zero": ("--exit-zero", "dirty.py", "bad.py"),
            "bad_flag": ("--frobnicate", "clean.py"),
            "bad_format": ("--format", "xml", "clean.py"),
            "bad_jobs": ("--jobs", "-1", "clean.py"),
            "unknown_rule": ("--select", "NOVA999", "clean.py"),
            "output_unwritable": ("--output", "no/such/dir/report.txt", "dirty.py"),
            "output_file": ("--format", "json", "--output", "report.json", "dirty.py"),
        },
        cwd=project,
    )


def test_clean_is_0(runs):
    assert runs["clean"].returncode == 0


def test_findings_are_1(runs):
    assert runs["findings"].returncode == 1


def test_missing_path_is_2_names_the_path_and_still_checks_the_rest(runs):
    result = runs["missing"]
    assert result.returncode == 2
    assert "no/such/file.py: error: no such file or directory" in result.stdout
    assert "dirty.py:3:1: NOVA006" in result.stdout
    assert_clean_stderr(result)


def test_a_file_that_cannot_be_checked_is_2_even_with_exit_zero(runs):
    for name in ("undecodable", "undecodable_exit_zero"):
        result = runs[name]
        assert result.returncode == 2, name
        assert "bad.py: error: not valid UTF-8" in result.stdout
        assert_clean_stderr(result)
    assert "dirty.py:3:1: NOVA006" in runs["undecodable_exit_zero"].stdout


@pytest.mark.parametrize(
    "name, message",
    [
        ("bad_flag", "unrecognized arguments: --frobnicate"),
        ("bad_format", "argument --format: invalid choice: 'xml'"),
        ("bad_jobs", "--jobs must be 0 (all cores) or a positive number"),
        ("unknown_rule", "select names unknown rule 'NOVA999'"),
        ("output_unwritable", "no/such/dir/report.txt: cannot write the report: No such file or directory"),
    ],
)
def test_usage_errors_are_2_with_a_clear_message(runs, name, message):
    result = runs[name]
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert_clean_stderr(result)


def test_output_file_gets_the_report_and_stdout_stays_empty(runs, project):
    result = runs["output_file"]
    assert (result.returncode, result.stdout) == (1, "")
    assert '"rule": "NOVA006"' in (project / "report.json").read_text(encoding="utf-8")


def test_no_command_prints_help_and_is_2(project):
    result = run_cli(cwd=project)
    assert result.returncode == 2
    assert "check" in result.stdout and "explain" in result.stdout


def test_version(project):
    result = run_cli("--version", cwd=project)
    assert result.returncode == 0 and result.stdout.startswith("nova-lsp ")


def test_internal_error_is_2_and_says_so(project):
    # The one way to reach the top-level handler without a real bug: make the check command
    # itself raise (fault injection in the child, not a mock of what is being tested, which
    # is main()'s handling of an unexpected exception).
    code = (
        "import sys, nova_lsp.cli.check as checking\n"
        "def boom(args):\n"
        "    raise ZeroDivisionError('injected')\n"
        "checking.run_check = boom\n"
        "from nova_lsp.cli import main\n"
        "sys.exit(main(['check', 'clean.py']))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=project, env=cli_env(), capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 2
    assert "nova-lsp: internal error (please report this):" in proc.stderr
    assert "ZeroDivisionError: injected" in proc.stderr
