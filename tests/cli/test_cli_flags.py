"""``nova-lsp check`` options, configuration files, the cache, the baseline, and the
``rules`` / ``explain`` commands, through a real subprocess."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from cli_support import CLEARTEXT, FIXME, SWALLOWED, assert_clean_stderr, check, check_all, run_cli, write
from nova_lsp.engine.cache import FORMAT as CACHE_FORMAT

MIXED = SWALLOWED + FIXME + CLEARTEXT  # NOVA006 line 3, NOVA007 line 5, NOVA008 line 6
UNUSED = "VALUE = 1  # nova-lsp: ignore[NOVA006]\n"  # NOVA901 (off by default)


def rules_of(result) -> set[str]:
    return {f["rule"] for f in result.json()["findings"]}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("flags")
    write(root / "mixed.py", MIXED)
    write(root / "unused.py", UNUSED)
    write(root / "info_only.py", FIXME)
    return root


@pytest.fixture(scope="module")
def runs(project):
    js = ("--format", "json")
    return check_all(
        {
            "default": (*js, "."),
            "select_id": (*js, "--select", "NOVA006", "."),
            "select_names_comma": (*js, "--select", "swallowed-exception, fixme-comment", "."),
            "select_repeated": (*js, "--select", "NOVA006", "--select", "cleartext-url", "."),
            "select_lowercase": (*js, "--select", "nova008", "."),
            "prefix_and_ignore": (*js, "--select", "NOVA00", "--ignore", "NOVA007", "."),
            "select_all": (*js, "--select", "ALL", "."),
            "extend_select": (*js, "--extend-select", "unused-suppression", "."),
            "ignore_name": (*js, "--ignore", "fixme-comment,cleartext-url", "."),
            "severity_warning_info_only": ("--severity", "warning", "info_only.py"),
            "severity_information_info_only": ("--severity", "information", "info_only.py"),
            "severity_error_mixed": ("--severity", "error", "mixed.py"),
            "severity_bad": ("--severity", "loud", "."),
            "exit_zero": ("--exit-zero", "mixed.py"),
            "unknown_select": ("--select", "NOVA999", "."),
            "unknown_ignore": ("--ignore", "no-such-rule", "."),
            "unknown_extend": ("--extend-select", "NOVA0X", "."),
        },
        cwd=project,
    )


# -- selection ------------------------------------------------------------------------------


def test_default_selection_leaves_off_by_default_rules_out(runs):
    assert rules_of(runs["default"]) == {"NOVA006", "NOVA007", "NOVA008"}


@pytest.mark.parametrize(
    "run, expected",
    [
        ("select_id", {"NOVA006"}),
        ("select_names_comma", {"NOVA006", "NOVA007"}),
        ("select_repeated", {"NOVA006", "NOVA008"}),
        ("select_lowercase", {"NOVA008"}),
        ("prefix_and_ignore", {"NOVA006", "NOVA008"}),
        ("ignore_name", {"NOVA006"}),
    ],
)
def test_select_and_ignore(runs, run, expected):
    assert runs[run].returncode == 1, runs[run].stderr
    assert rules_of(runs[run]) == expected


def test_select_all_and_extend_select_enable_off_by_default_rules(runs):
    assert rules_of(runs["select_all"]) == {"NOVA006", "NOVA007", "NOVA008", "NOVA901"}
    assert rules_of(runs["extend_select"]) == {"NOVA006", "NOVA007", "NOVA008", "NOVA901"}
    (unused,) = [f for f in runs["extend_select"].json()["findings"] if f["rule"] == "NOVA901"]
    assert (unused["path"], unused["line"], unused["severity"]) == ("unused.py", 1, "hint")
    assert "nothing to silence for NOVA006" in unused["message"]


@pytest.mark.parametrize(
    "run, selector, option",
    [("unknown_select", "NOVA999", "select"), ("unknown_ignore", "no-such-rule", "ignore"), ("unknown_extend", "NOVA0X", "extend-select")],
)
def test_unknown_rule_is_a_usage_error(runs, run, selector, option):
    result = runs[run]
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"command line: {option} names unknown rule '{selector}'" in result.stderr
    assert "nova-lsp rules" in result.stderr
    assert_clean_stderr(result)


# -- severity threshold and exit codes ------------------------------------------------------


def test_findings_below_the_severity_are_neither_reported_nor_counted(runs):
    # --severity filters what is reported (as the issue asked), not only the exit status
    result = runs["severity_warning_info_only"]
    assert result.returncode == 0
    assert "NOVA007" not in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "No findings in 1 file."


def test_information_threshold_fails_on_information(runs):
    assert runs["severity_information_info_only"].returncode == 1


def test_error_threshold_passes_and_hides_warnings(runs):
    result = runs["severity_error_mixed"]
    assert result.returncode == 0
    assert "[warning]" not in result.stdout and "No findings in 1 file." in result.stdout


def test_bad_severity_is_a_usage_error(runs):
    result = runs["severity_bad"]
    assert result.returncode == 2
    assert "unknown severity 'loud'" in result.stderr


def test_exit_zero(runs):
    result = runs["exit_zero"]
    assert result.returncode == 0
    assert "Found 3 findings in 1 file" in result.stdout


# -- jobs and cache ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    """More files than one worker batch, so --jobs 2 really uses the process pool."""
    root = tmp_path_factory.mktemp("many")
    for i in range(24):
        body = [SWALLOWED, FIXME, CLEARTEXT][i % 3]
        write(root / f"pkg{i % 4}" / f"mod{i:02d}.py", f"# module {i}\n" + body)
    return root


def test_jobs_1_and_jobs_2_and_a_warm_cache_give_identical_json(many, tmp_path):
    cache = tmp_path / "cache"
    serial = check("--format", "json", "--jobs", "1", ".", cwd=many)
    assert serial.returncode == 1 and len(serial.json()["findings"]) == 24
    parallel = check("--format", "json", "--jobs", "2", ".", cwd=many)
    assert parallel.stdout == serial.stdout
    cold = run_cli("check", "--cache-dir", str(cache), "--format", "json", "--jobs", "2", ".", cwd=many)
    assert cold.stdout == serial.stdout
    assert (cache / "CACHEDIR.TAG").is_file() and list((cache / f"v{CACHE_FORMAT}").glob("*.json"))
    warm = run_cli("check", "--cache-dir", str(cache), "--format", "json", ".", cwd=many)
    assert (warm.returncode, warm.stdout) == (1, serial.stdout)
    assert not (many / ".nova-lsp-cache").exists(), "--no-cache and --cache-dir must not write the default cache"


def test_cache_follows_content_and_survives_corruption(tmp_path):
    project = tmp_path / "p"
    target = write(project / "a.py", SWALLOWED)
    first = run_cli("check", "--format", "json", ".", cwd=project)
    (cache_file,) = (project / ".nova-lsp-cache" / f"v{CACHE_FORMAT}").glob("*.json")  # default: in the project
    assert first.rules() == [("a.py", "NOVA006", 3)]
    # same size, other content: the cache is keyed by content, not by name or mtime
    target.write_text(SWALLOWED.replace("x()", "y()") + FIXME, encoding="utf-8")
    changed = run_cli("check", "--format", "json", ".", cwd=project)
    assert changed.rules() == [("a.py", "NOVA006", 3), ("a.py", "NOVA007", 5)]
    for garbage in (b"{not json", b"\xff\xfe\x00", b"[" * 100_000, json.dumps({"version": "0.1.0", "entries": {"x": [1]}}).encode()):
        cache_file.write_bytes(garbage)
        again = run_cli("check", "--format", "json", ".", cwd=project)
        assert (again.returncode, again.stdout) == (1, changed.stdout)
        assert_clean_stderr(again)
    # an entry of the right key but the wrong shape is a miss, not a crash
    data = json.loads(cache_file.read_text(encoding="utf-8"))
    data["entries"] = {key: [1, 2] for key in data["entries"]}
    cache_file.write_text(json.dumps(data), encoding="utf-8")
    again = run_cli("check", "--format", "json", ".", cwd=project)
    assert (again.returncode, again.stdout) == (1, changed.stdout)
    assert_clean_stderr(again)


# -- configuration files ------------------------------------------------------------------------

PYPROJECT = """\
[project]
name = "demo"

[tool.nova-lsp]
select = ["NOVA00"]
ignore = ["cleartext-url"]
exclude = ["vendor", "generated/*.py"]

[tool.nova-lsp.severity]
fixme-comment = "error"

[tool.nova-lsp.rules.fixme-comment]
extend-tags = ["BUG"]
"""


@pytest.fixture(scope="module")
def configured(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("configured")
    write(root / "pyproject.toml", PYPROJECT)
    write(root / "src" / "pkg" / "a.py", SWALLOWED + "# BUG: only with the extra tag\n" + CLEARTEXT)
    write(root / "vendor" / "v.py", SWALLOWED)
    write(root / "generated" / "g.py", SWALLOWED)
    write(root / "src" / "pkg" / "vendor" / "v.py", SWALLOWED)  # no "/": any component matches
    write(root / "src" / "generated" / "g.py", SWALLOWED)  # with "/": relative to pyproject's dir
    write(root / "other.toml", 'select = ["cleartext-url"]\n')
    write(root / "elsewhere" / "pyproject.toml", '[tool.nova-lsp]\nselect = ["NOVA008"]\n')
    return root


def test_nearest_pyproject_is_discovered_with_all_its_settings(configured):
    results = check_all(
        {"root": ("--format", "json", "."), "src": ("--format", "json", "src")}, cwd=configured
    )
    for result in results.values():
        assert result.returncode == 1, result.stderr
        found = sorted((f["path"], f["rule"], f["line"], f["severity"]) for f in result.json()["findings"])
        assert found == [
            ("src/generated/g.py", "NOVA006", 3, "warning"),
            ("src/pkg/a.py", "NOVA006", 3, "warning"),
            ("src/pkg/a.py", "NOVA007", 5, "error"),  # extend-tags and the severity override
        ]


def test_pyproject_is_found_from_a_subdirectory(configured):
    result = check("--format", "json", ".", cwd=configured / "src" / "pkg")
    assert sorted(result.rules()) == [("a.py", "NOVA006", 3), ("a.py", "NOVA007", 5)]


def test_config_option_with_standalone_toml_and_other_pyproject(configured):
    results = check_all(
        {
            "standalone": ("--format", "json", "--config", "other.toml", "src"),
            "pyproject": ("--format", "json", "--config", "elsewhere/pyproject.toml", "src"),
            "cli_overrides_file": ("--format", "json", "--config", "other.toml", "--select", "NOVA006", "src"),
        },
        cwd=configured,
    )
    assert results["standalone"].rules() == [("src/pkg/a.py", "NOVA008", 6)]
    assert results["pyproject"].rules() == [("src/pkg/a.py", "NOVA008", 6)]
    assert results["cli_overrides_file"].rules() == [
        ("src/generated/g.py", "NOVA006", 3),
        ("src/pkg/a.py", "NOVA006", 3),
        ("src/pkg/vendor/v.py", "NOVA006", 3),  # other.toml has no exclude of its own
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ('[tool.nova-lsp]\nselekt = ["NOVA006"]\n', r"pyproject\.toml \[tool\.nova-lsp\]: unknown key\(s\) selekt"),
        ('[tool.nova-lsp]\nselect = ["NOVA999"]\n', r"pyproject\.toml \[tool\.nova-lsp\]: select names unknown rule 'NOVA999'"),
        ('[tool.nova-lsp.severity]\nNOVA006 = "loud"\n', r"pyproject\.toml \[tool\.nova-lsp\]: severity: unknown severity 'loud'"),
        ('[tool.nova-lsp.rules.fixme-comment]\ntags = "FIXME"\n', r"\[rules\.fixme-comment\]: option 'tags' must be list, not str"),
        ('[tool.nova-lsp.rules.fixme-comment]\ntagz = ["X"]\n', r"\[rules\.fixme-comment\]: unknown option 'tagz'"),
        ('[tool.nova-lsp.rules.no-such-rule]\nx = 1\n', r"\[rules\.no-such-rule\] names an unknown rule"),
        ("[tool.nova-lsp]\nselect = [\n", r"pyproject\.toml: invalid TOML"),
    ],
)
def test_bad_config_names_the_file_and_the_key(tmp_path, text, expected):
    write(tmp_path / "pyproject.toml", text)
    write(tmp_path / "a.py", SWALLOWED)
    result = check(".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert re.search(expected, result.stderr), result.stderr
    assert str(tmp_path / "pyproject.toml") in result.stderr
    assert_clean_stderr(result)


def test_missing_config_file_is_a_usage_error(tmp_path):
    result = check("--config", "nope.toml", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert "nope.toml: config file not found" in result.stderr


# -- baseline -----------------------------------------------------------------------------------


def test_baseline_hides_known_findings_across_line_shifts_and_reports_new_ones(tmp_path):
    project = tmp_path / "repo"
    source = "def sync():\n    try:\n        run()\n    except:\n        pass\n"
    target = write(project / "pkg" / "a.py", source + FIXME)
    written = check("--write-baseline", "baseline.json", ".", cwd=project)
    assert written.returncode == 0, written.stderr
    assert "wrote 2 finding(s) to baseline baseline.json" in written.stderr
    baseline = json.loads((project / "baseline.json").read_text(encoding="utf-8"))
    assert {row["path"] for row in baseline["findings"]} == {"pkg/a.py"}

    clean = check("--baseline", "baseline.json", ".", cwd=project)
    assert (clean.returncode, clean.stdout) == (0, "No findings in 1 file.\n")

    # lines inserted above both findings: still known
    target.write_text('"""Docstring."""\n\nimport os\n\n\n' + source + FIXME, encoding="utf-8")
    shifted = check("--format", "json", "--baseline", "baseline.json", ".", cwd=project)
    assert (shifted.returncode, shifted.json()["findings"]) == (0, [])

    # a new finding (a second swallowed exception) is reported, the old ones are not
    target.write_text(source + FIXME + "\n\n" + source.replace("sync", "other"), encoding="utf-8")
    new = check("--format", "json", "--baseline", "baseline.json", ".", cwd=project)
    assert new.returncode == 1
    assert new.rules() == [("pkg/a.py", "NOVA006", 12)]

    # paths are relative to the baseline file: a run from a sub-directory matches too
    sub = check("--format", "json", "--baseline", "../baseline.json", ".", cwd=project / "pkg")
    assert sub.rules() == [("a.py", "NOVA006", 12)]


def test_bad_baseline_files_are_usage_errors(tmp_path):
    write(tmp_path / "a.py", SWALLOWED)
    write(tmp_path / "broken.json", "{")
    write(tmp_path / "list.json", "[1, 2]")
    results = check_all(
        {"missing": ("--baseline", "none.json", "."), "broken": ("--baseline", "broken.json", "."),
         "list": ("--baseline", "list.json", "."), "unwritable": ("--write-baseline", "no/such/dir/b.json", ".")},
        cwd=tmp_path,
    )
    assert "none.json: baseline file not found" in results["missing"].stderr
    assert "broken.json: not a nova-lsp baseline" in results["broken"].stderr
    assert "list.json: not a nova-lsp baseline" in results["list"].stderr
    assert "no/such/dir/b.json: cannot write the baseline" in results["unwritable"].stderr
    for result in results.values():
        assert result.returncode == 2
        assert_clean_stderr(result)


# -- rules and explain ------------------------------------------------------------------------


def test_rules_lists_every_rule_in_text_and_json(tmp_path):
    text = run_cli("rules", cwd=tmp_path)
    as_json = run_cli("rules", "--format", "json", cwd=tmp_path)
    assert text.returncode == as_json.returncode == 0
    rows = json.loads(as_json.stdout)
    by_id = {row["id"]: row for row in rows}
    assert {"NOVA006", "NOVA007", "NOVA008", "NOVA900", "NOVA901"} <= set(by_id)
    for row in rows:
        assert {"id", "name", "cwe", "severity", "summary"} <= set(row)
        assert re.search(r"^[^\n]*\b" + row["id"] + r"\s+" + re.escape(row["name"]) + r"\b", text.stdout, re.M)
    assert by_id["NOVA006"]["cwe"] == [396, 390] and by_id["NOVA006"]["severity"] == "warning"
    assert by_id["NOVA901"]["enabled"] is False
    assert "(off by default)" in [line for line in text.stdout.splitlines() if "NOVA901" in line][0]


def test_explain_by_id_and_by_name(tmp_path):
    by_id = run_cli("explain", "NOVA006", cwd=tmp_path)
    by_name = run_cli("explain", "swallowed-exception", cwd=tmp_path)
    assert by_id.returncode == by_name.returncode == 0
    assert by_id.stdout == by_name.stdout
    assert by_id.stdout.startswith("# NOVA006 `swallowed-exception`")
    assert "CWE-396" in by_id.stdout and "## Why is this bad?" in by_id.stdout


def test_explain_unknown_rule(tmp_path):
    result = run_cli("explain", "NOVA999", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown rule 'NOVA999'" in result.stderr and "nova-lsp rules" in result.stderr
