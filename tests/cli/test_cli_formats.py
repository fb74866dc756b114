"""``nova-lsp check --format text|json|sarif|github`` through a real subprocess.

One small project is checked once per format (module-scoped), and each test reads the output
like the consumer of that format would: a person, a JSON parser, a SARIF validator, the
GitHub Actions runner.
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_support import FIXME, ROOT, check, check_all, cli_env, run_cli, write

import nova_lsp

A_PY = '''import os

URL = "http://glance.internal.cloud/v2"


def sync():
    try:
        os.sync()
    except:
        pass
    # FIXME: retry on failure
'''
B_PY = "def broken(:\n    pass\n"

# (rule, line, column, end_line, end_column) in a.py / b.py, 1-based, code points
EXPECTED = {
    ("a.py", "NOVA008", 3, 8, 3, 36),
    ("a.py", "NOVA006", 9, 5, 9, 11),
    ("a.py", "NOVA007", 11, 7, 11, 30),
    ("b.py", "NOVA900", 1, 12, 1, 13),
}

# Where the SARIF 2.1.0 schema lives: /work/shared/schemas, i.e. the `shared/` directory
# beside the repository checkout (ROOT/../shared), kept outside the repo on purpose (it is
# the OASIS reference file, not part of the project).  The SARIF test skips, saying so, when
# that directory is absent (a fresh clone elsewhere).
SARIF_SCHEMA = ROOT / ".." / "shared" / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("formats")
    write(root / "a.py", A_PY)
    write(root / "b.py", B_PY)
    write(root / "clean.py", "VALUE = 1\n")
    return root


@pytest.fixture(scope="module")
def outputs(project):
    runs = {fmt: ("--format", fmt, ".") for fmt in ("text", "json", "sarif", "github")}
    runs.update(
        statistics=("--statistics", "."),
        clean=("clean.py",),
        color=("--color", "a.py"),
        color_no_color=(("--color", "a.py"), cli_env(NO_COLOR="1")),
        no_color_flag=("--no-color", "a.py"),
        plain_a=("a.py",),
    )
    return check_all(runs, cwd=project)


# -- json -----------------------------------------------------------------------------------

FINDING_KEYS = {
    "rule", "name", "cwe", "severity", "path", "line", "column", "end_line", "end_column", "message", "fixes",
    "related",
}
EDIT_KEYS = {"line", "column", "end_line", "end_column", "new_text"}


def test_json_has_exactly_the_documented_schema(outputs):
    result = outputs["json"]
    assert result.returncode == 1, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) == {"version", "findings", "errors"}
    assert doc["version"] == nova_lsp.__version__
    assert doc["errors"] == []
    assert doc["findings"], "the project has findings"
    for finding in doc["findings"]:
        assert set(finding) == FINDING_KEYS
        assert isinstance(finding["cwe"], list) and all(type(c) is int for c in finding["cwe"])
        assert finding["severity"] in {"error", "warning", "information", "hint"}
        for key in ("line", "column", "end_line", "end_column"):
            assert type(finding[key]) is int and finding[key] >= 1
        for fix in finding["fixes"]:
            assert set(fix) == {"title", "kind", "applicability", "edits"}
            assert fix["kind"] in {"fix", "suppress"} and fix["applicability"] in {"safe", "unsafe"}
            assert fix["edits"] and all(set(edit) == EDIT_KEYS for edit in fix["edits"])


def test_json_positions_are_one_based_code_points(outputs):
    doc = outputs["json"].json()
    found = {(f["path"], f["rule"], f["line"], f["column"], f["end_line"], f["end_column"]) for f in doc["findings"]}
    assert found == EXPECTED


def test_json_finding_fields_and_suppression_fix(outputs):
    doc = outputs["json"].json()
    (swallowed,) = [f for f in doc["findings"] if f["rule"] == "NOVA006"]
    assert swallowed["name"] == "swallowed-exception"
    assert swallowed["cwe"] == [396, 390]
    assert swallowed["severity"] == "warning"
    assert swallowed["path"] == "a.py"
    assert swallowed["message"].startswith("bare `except:` discards every error")
    suppress = [f for f in swallowed["fixes"] if f["title"] == "Ignore NOVA006 on this line"]
    assert suppress == [
        {
            "title": "Ignore NOVA006 on this line",
            "kind": "suppress",
            "applicability": "safe",
            "edits": [{"line": 9, "column": 12, "end_line": 9, "end_column": 12, "new_text": "  # nova-lsp: ignore[NOVA006]"}],
        }
    ]
    (syntax,) = [f for f in doc["findings"] if f["rule"] == "NOVA900"]
    assert syntax["fixes"] == []  # a syntax error cannot be suppressed


def test_json_findings_are_sorted_by_path_then_position(outputs):
    rows = outputs["json"].rules()
    assert rows == sorted(rows, key=lambda r: (r[0], r[2]))


# -- text -----------------------------------------------------------------------------------

HEADER = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<rule>NOVA\d{3}) \[(?P<sev>\w+)\] (?P<msg>.+)$")


def _blocks(text: str):
    """(header match, source line, caret line) for every finding of a text report."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        match = HEADER.match(line)
        if match:
            yield match, lines[i + 1], lines[i + 2]


def test_text_header_source_line_and_caret_under_the_span(outputs):
    result = outputs["text"]
    assert result.returncode == 1
    blocks = list(_blocks(result.stdout))
    assert {(m["path"], m["rule"], int(m["line"]), int(m["col"])) for m, _, _ in blocks} == {
        (p, r, l, c) for p, r, l, c, _, _ in EXPECTED
    }
    spans = {(p, r): (c, ec) for p, r, _, c, _, ec in EXPECTED}
    sources = {"a.py": A_PY.splitlines(), "b.py": B_PY.splitlines()}
    for match, source, caret in blocks:
        line_no = int(match["line"])
        gutter = f"{line_no:>5} | "
        assert source == gutter + sources[match["path"]][line_no - 1]
        assert caret.startswith(" " * (len(gutter) - 2) + "| ")
        marks = caret[len(gutter):]
        start, end = spans[(match["path"], match["rule"])]
        assert marks == " " * (start - 1) + "^" * (end - start), (match["rule"], caret)


def test_text_severity_labels_and_message(outputs):
    heads = {m["rule"]: m for m, _, _ in _blocks(outputs["text"].stdout)}
    assert heads["NOVA006"]["sev"] == "warning"
    assert heads["NOVA007"]["sev"] == "information"
    assert heads["NOVA900"]["sev"] == "error"
    assert heads["NOVA900"]["msg"].startswith("Syntax error:")


def test_text_per_rule_summary(outputs):
    tail = outputs["text"].stdout.rstrip("\n").splitlines()[-5:]
    assert tail == [
        "Found 4 findings in 2 of 3 files:",
        "     1  NOVA006  swallowed-exception",
        "     1  NOVA007  fixme-comment",
        "     1  NOVA008  cleartext-url",
        "     1  NOVA900  syntax-error",
    ]


def test_text_has_no_colour_when_piped(outputs):
    assert "\x1b" not in outputs["text"].stdout


def test_statistics_prints_only_the_summary(outputs):
    result = outputs["statistics"]
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "Found 4 findings in 2 of 3 files:",
        "     1  NOVA006  swallowed-exception",
        "     1  NOVA007  fixme-comment",
        "     1  NOVA008  cleartext-url",
        "     1  NOVA900  syntax-error",
    ]


def test_clean_tree_says_so_and_exits_zero(outputs):
    result = outputs["clean"]
    assert (result.returncode, result.stdout) == (0, "No findings in 1 file.\n")


# -- colour ---------------------------------------------------------------------------------


def test_color_flag_forces_ansi_even_when_piped(outputs):
    result = outputs["color"]
    assert "\x1b[" in result.stdout
    # colour never changes the words: stripping the escapes gives the plain report
    plain = outputs["plain_a"].stdout
    assert "\x1b" not in plain
    assert re.sub(r"\x1b\[[0-9;]*m", "", result.stdout) == plain


def test_explicit_color_flag_overrides_no_color(outputs):
    # Documented choice (see `check --help`): NO_COLOR turns colour off by default; an
    # explicit --color is a per-invocation request and wins, as no-color.org advises.
    assert "\x1b[" in outputs["color_no_color"].stdout


def test_no_color_flag_and_help_text(outputs, project):
    assert "NOVA006" in outputs["no_color_flag"].stdout
    assert "\x1b" not in outputs["no_color_flag"].stdout
    help_text = " ".join(run_cli("check", "--help", cwd=project).stdout.split())
    assert "NO_COLOR" in help_text and "no-color.org" in help_text


def _run_on_tty(args, cwd: Path, env: dict) -> str:
    """Run the CLI with stdout on a pseudo-terminal; what it wrote there."""
    master, slave = os.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "nova_lsp", *args],
            cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE,
        )
        os.close(slave)
        chunks = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        proc.wait(timeout=30)
        proc.stderr.close()
        return b"".join(chunks).decode("utf-8")
    finally:
        os.close(master)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_colour_by_default_on_a_terminal_but_not_with_no_color(project):
    args = ["check", "--no-cache", "a.py"]
    on_tty = _run_on_tty(args, project, cli_env(TERM="xterm"))
    assert "\x1b[" in on_tty and "NOVA006" in on_tty
    with_no_color = _run_on_tty(args, project, cli_env(TERM="xterm", NO_COLOR="1"))
    assert "NOVA006" in with_no_color and "\x1b[" not in with_no_color
    # NO_COLOR set but empty does not count (no-color.org: "present and not an empty string")
    assert "\x1b[" in _run_on_tty(args, project, cli_env(TERM="xterm", NO_COLOR=""))


# -- sarif ----------------------------------------------------------------------------------


def test_sarif_validates_against_the_sarif_2_1_0_schema(outputs):
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"SARIF 2.1.0 schema not found at {SARIF_SCHEMA.resolve()} (the shared/ directory beside the checkout)")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    doc = outputs["sarif"].json()
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    assert doc["version"] == "2.1.0"


def test_sarif_rules_carry_help_cwe_tags_and_security_severity(outputs):
    (run,) = outputs["sarif"].json()["runs"]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert {"NOVA006", "NOVA007", "NOVA008", "NOVA900", "NOVA901"} <= set(rules)
    for rule in rules.values():
        assert rule["help"]["text"].strip() and rule["help"]["markdown"].strip()
        assert rule["helpUri"].startswith("https://")
        assert rule["shortDescription"]["text"]
        severity = float(rule["properties"]["security-severity"])
        assert 0.0 <= severity <= 10.0
    assert "external/cwe/cwe-396" in rules["NOVA006"]["properties"]["tags"]
    assert "external/cwe/cwe-390" in rules["NOVA006"]["properties"]["tags"]
    assert "external/cwe/cwe-319" in rules["NOVA008"]["properties"]["tags"]
    assert "external/cwe/cwe-546" in rules["NOVA007"]["properties"]["tags"]
    # a warning ranks above an information finding in code scanning
    assert float(rules["NOVA006"]["properties"]["security-severity"]) > float(
        rules["NOVA007"]["properties"]["security-severity"]
    )


def test_sarif_results_locations_and_fingerprints(outputs):
    (run,) = outputs["sarif"].json()["runs"]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    found = set()
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["partialFingerprints"] and all(result["partialFingerprints"].values())
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        region = physical["region"]
        found.add(
            (physical["artifactLocation"]["uri"], result["ruleId"], region["startLine"], region["startColumn"],
             region["endLine"], region["endColumn"])
        )
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert found == EXPECTED
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["invocations"][0]["executionSuccessful"] is True


# -- github ---------------------------------------------------------------------------------


def test_github_annotations(outputs):
    result = outputs["github"]
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert (
        "::warning file=a.py,line=9,col=5,endLine=9,endColumn=11,title=NOVA006 swallowed-exception::"
        "bare `except:` discards every error: it also swallows SystemExit, KeyboardInterrupt and the"
        " GreenletExit that stops a green thread; catch `OSError` instead"
    ) in lines
    assert any(line.startswith("::notice file=a.py,line=11,col=7,") for line in lines)  # information
    assert any(line.startswith("::error file=b.py,line=1,col=12,") for line in lines)  # NOVA900


def test_github_escapes_properties_of_hostile_file_names(tmp_path):
    write(tmp_path / "we,ird:na%me.py", FIXME)
    write(tmp_path / "new\nline.py", FIXME)
    result = check("--format", "github", ".", cwd=tmp_path)
    lines = result.stdout.splitlines()
    assert len(lines) == 2, result.stdout  # a newline in a name cannot start a new command
    files = sorted(re.match(r"::notice file=([^,]*),", line).group(1) for line in lines)
    assert files == ["new%0Aline.py", "we%2Cird%3Ana%25me.py"]


# -- terminals that cannot show everything --------------------------------------------------------


def test_reports_survive_a_terminal_that_cannot_encode_the_source(tmp_path):
    write(tmp_path / "emoji.py", "# 😀 FIXME: smile\n")
    results = check_all(
        {
            "text": ((".",), cli_env(PYTHONIOENCODING="ascii")),
            "json": (("--format", "json", "."), cli_env(PYTHONIOENCODING="ascii")),
        },
        cwd=tmp_path,
    )
    text = results["text"]
    assert text.returncode == 1 and "Traceback" not in text.stderr
    assert "    1 | # \\U0001f600 FIXME: smile" in text.stdout.splitlines()
    doc = results["json"].json()  # JSON is UTF-8 whatever the terminal: the emoji is intact
    assert doc["findings"][0]["column"] == 5
