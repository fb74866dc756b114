"""Reporter details that the CLI cannot easily provoke: escaping of arbitrary messages and
paths, long source lines, absolute paths in SARIF."""

from __future__ import annotations

import json
from pathlib import Path

from nova_lsp.core.model import Finding, Severity, Span
from nova_lsp.engine.registry import load_registry
from nova_lsp.report import FileResult, Report
from nova_lsp.report.github import render as github
from nova_lsp.report.sarif import render as sarif
from nova_lsp.report.text import MAX_SOURCE, render as text


def report(path: str, message: str, line_text: str = "x = 1", span=Span(0, 0, 0, 1), errors=()) -> Report:
    found = Finding("NOVA006", "swallowed-exception", span, message, Severity.WARNING)
    return Report((FileResult(path, (found,), (line_text,)),), tuple(errors), load_registry().rules, checked=1)


def test_github_escapes_data_and_properties():
    out = github(report("dir/we,ird:100%.py", "50% done\r\nnext: a, b", errors=[("bad,file.py", "line1\nline2 100%")]))
    lines = out.splitlines()
    assert lines == [
        "::warning file=dir/we%2Cird%3A100%25.py,line=1,col=1,endLine=1,endColumn=2,"
        "title=NOVA006 swallowed-exception::50%25 done%0D%0Anext: a, b",
        "::error file=bad%2Cfile.py,title=nova-lsp::line1%0Aline2 100%25",
    ]


def test_text_escapes_control_characters_in_paths_messages_and_source():
    out = text(report("a\nb\x1b[2J.py", "msg\rforged", line_text="x = '\x1b[31m'", span=Span(0, 4, 0, 12)))
    assert "\x1b" not in out and "\r" not in out
    first, source, caret = out.splitlines()[:3]
    assert first == "a\\nb\\x1b[2J.py:1:5: NOVA006 [warning] msg\\rforged"
    assert source == "    1 | x = '\\x1b[31m'"
    # the caret is measured on the escaped text: it covers the 11 shown columns of the string
    assert caret == "      |     " + "^" * len("'\\x1b[31m'")


def test_text_cuts_very_long_lines_around_the_finding():
    line = "a" * 5000 + "FIXME" + "b" * 5000
    out = text(report("a.py", "m", line_text=line, span=Span(0, 5000, 0, 5005)))
    _, source, caret = out.splitlines()[:3]
    shown = source[len("    1 | "):]
    assert shown.startswith("…") and shown.endswith("…")
    assert len(shown) == MAX_SOURCE + 2
    assert caret.index("^") == source.index("FIXME") and caret.count("^") == 5


def test_text_wide_characters_move_the_caret_two_columns():
    out = text(report("a.py", "m", line_text="日本 = 1  # FIXME", span=Span(0, 10, 0, 15)))
    _, source, caret = out.splitlines()[:3]
    assert caret == "      | " + " " * (2 * 2 + 8) + "^^^^^"


def test_sarif_paths_outside_the_working_directory_are_file_uris(tmp_path):
    absolute = str(tmp_path / "elsewhere" / "a b.py")
    doc = json.loads(sarif(report(absolute, "m")))
    (result,) = doc["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": Path(absolute).as_uri()}
    relative = json.loads(sarif(report("pkg/a b.py", "m")))["runs"][0]["results"][0]
    assert relative["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "pkg/a%20b.py", "uriBaseId": "%SRCROOT%"}
