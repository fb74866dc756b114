"""Bad input (issue 2, item 5) through the real CLI: every bad file is reported clearly, every
other file is still checked, nothing hangs (each run has a timeout), and stderr never shows a
traceback.

One tree holds all the hostile files next to good ones; it is checked three times at once
(text, JSON with one process, JSON with a pool of two), so the same assertions also prove that
a file that blows the recursion limit inside a worker does not lose the other files' findings.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from cli_support import FIXME, SWALLOWED, assert_clean_stderr, check, check_all, write

FILLERS = 12  # more files than one worker batch, so --jobs 2 really uses the pool

LATIN1 = "# -*- coding: latin-1 -*-\n# FIXME: café\nNAME = 'é'\n" + SWALLOWED  # FIXME 2:3, NOVA006 6:1
BOM_CRLF_EMOJI = "\ufeff# 😀 héllo\r\nx = '😀'; y = 'http://glance.internal.cloud/v1'\r\n# 日本 FIXME\r\n"
CR_ONLY = "a = 1\r# FIXME: cr only\rb = 2\r"
FORGED_NAME = "evil\nforged.py:1:1: NOVA999 [error] forged.py"
ANSI_NAME = "esc\x1b[31mred.py"


def _deep_sum() -> str:  # 20,000 terms: astroid's tree builder recurses once per term
    return "# FIXME: generated\nTOTAL = " + "+".join(["1"] * 20_000) + "\n"


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("bad_input")
    root = base / "tree"
    for i in range(FILLERS):
        write(root / "fill" / f"f{i:02d}.py", f"VALUE = {i}\n" + FIXME)  # NOVA007 at 2:3
    write(root / "ok.py", SWALLOWED)
    write(root / "syntax.py", "x = 1\ndef f(:\n    pass\n")
    write(root / "deep_sum.py", _deep_sum())
    write(root / "deep_unary.py", "x = " + "-" * 5000 + "1\n")
    write(root / "deep_lambda.py", "f = " + "lambda: " * 3000 + "1\n")
    write(root / "deep_parens.py", "x = 1\ny = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    write(root / "deep_lists.py", "x = " + "[" * 5000 + "]" * 5000 + "\n")
    write(root / "non_utf8.py", "x = 1\n# café\n".encode("latin-1"))
    write(root / "latin1_cookie.py", LATIN1.encode("latin-1"))
    write(root / "nul.py", b"x = 1\n\x00\x00\n")
    write(root / "bom_crlf_emoji.py", BOM_CRLF_EMOJI.encode("utf-8"))
    write(root / "cr_only.py", CR_ONLY)
    with open(root / "too_big.py", "wb") as handle:  # sparse: 11 MB of nothing, never read
        handle.truncate(11 * 1024 * 1024)
    os.mkfifo(root / "fifo.py")  # opening it for reading would block forever
    (root / "dir.py").mkdir()
    write(root / "dir.py" / "inner.py", SWALLOWED)
    write(root / FORGED_NAME, FIXME)
    write(root / ANSI_NAME, FIXME)
    # symbolic links: a loop to the parent, one out of the tree, a dangling one, one to itself
    write(base / "outside" / "secret.py", "# FIXME: outside the tree\n")
    (root / "fill" / "loop").symlink_to("..", target_is_directory=True)
    (root / "outside.py").symlink_to(base / "outside" / "secret.py")
    (root / "outside_dir").symlink_to(base / "outside", target_is_directory=True)
    (root / "dangling.py").symlink_to("missing.py")
    (root / "self.py").symlink_to("self.py")
    return root


@pytest.fixture(scope="module")
def runs(tree):
    return check_all(
        {
            "text": ("--jobs", "1", "."),
            "json1": ("--format", "json", "--jobs", "1", "."),
            "json2": ("--format", "json", "--jobs", "2", "."),
        },
        cwd=tree,
    )


@pytest.fixture(scope="module")
def report(runs):
    return runs["json1"].json()


def errors_of(report) -> dict[str, str]:
    return {e["path"]: e["message"] for e in report["errors"]}


def findings_of(report, path: str) -> list[tuple[str, int, int]]:
    return [(f["rule"], f["line"], f["column"]) for f in report["findings"] if f["path"] == path]


def test_no_run_crashes_hangs_or_prints_a_traceback(runs):
    for name, result in runs.items():
        assert result.returncode == 2, (name, result.stderr)  # files could not be checked
        assert_clean_stderr(result)


def test_a_pool_of_two_reports_exactly_what_one_process_does(runs):
    assert runs["json2"].stdout == runs["json1"].stdout


def test_every_good_file_is_still_checked(report):
    for i in range(FILLERS):
        assert findings_of(report, f"fill/f{i:02d}.py") == [("NOVA007", 2, 3)]
    assert findings_of(report, "ok.py") == [("NOVA006", 3, 1)]
    assert findings_of(report, "dir.py/inner.py") == [("NOVA006", 3, 1)]


def test_syntax_error_is_a_finding_on_its_line(report):
    assert findings_of(report, "syntax.py") == [("NOVA900", 2, 7)]


@pytest.mark.parametrize("name", ["deep_sum.py", "deep_unary.py", "deep_lambda.py"])
def test_pathological_nesting_goes_to_errors(report, name):
    message = errors_of(report)[name]
    assert message.startswith("skipped: code is nested too deeply"), message
    assert re.search(r"\((RecursionError|MemoryError)\)$", message)


def test_deep_file_keeps_its_text_only_findings(report):
    assert findings_of(report, "deep_sum.py") == [("NOVA007", 1, 3)]


@pytest.mark.parametrize("name, line", [("deep_parens.py", 2), ("deep_lists.py", 1)])
def test_nesting_beyond_cpythons_parser_limit_is_its_syntax_error(report, name, line):
    # CPython itself refuses more than 200 nested brackets: a syntax error on that line
    (finding,) = [f for f in report["findings"] if f["path"] == name]
    assert (finding["rule"], finding["line"]) == ("NOVA900", line)
    assert "too many nested parentheses" in finding["message"]


def test_non_utf8_without_cookie_names_the_reason_and_the_byte(report):
    assert errors_of(report)["non_utf8.py"] == (
        "not valid UTF-8 and no PEP 263 coding cookie declares another encoding: "
        "byte 0xe9 on line 2, column 6: invalid continuation byte"
    )


def test_latin1_with_coding_cookie_is_decoded_and_checked(report):
    assert findings_of(report, "latin1_cookie.py") == [("NOVA007", 2, 3), ("NOVA006", 6, 1)]
    (fixme,) = [f for f in report["findings"] if f["path"] == "latin1_cookie.py" and f["rule"] == "NOVA007"]
    assert fixme["end_column"] == len("# FIXME: café") + 1  # code points, not latin-1 or UTF-8 bytes


def test_nul_bytes(report):
    assert errors_of(report)["nul.py"] == "file contains NUL bytes (first on line 2); binary file?"


def test_bom_crlf_and_emoji_columns_are_code_points(report):
    found = {f["rule"]: f for f in report["findings"] if f["path"] == "bom_crlf_emoji.py"}
    line2 = "x = '😀'; y = 'http://glance.internal.cloud/v1'"
    assert (found["NOVA008"]["line"], found["NOVA008"]["column"]) == (2, line2.index("http") + 1)
    assert found["NOVA008"]["end_column"] == line2.index("/v1") + 1
    assert (found["NOVA007"]["line"], found["NOVA007"]["column"]) == (3, len("# 日本 ") + 1)


def test_carriage_return_only_line_endings(report):
    assert findings_of(report, "cr_only.py") == [("NOVA007", 2, 3)]


def test_oversized_file_is_skipped_with_its_size(report):
    # the reader refuses it with the engine's words and limit (max-file-size, 4 MiB by default)
    assert errors_of(report)["too_big.py"] == "skipped: the file is 11.0 MiB, over the limit of 4.0 MiB (the max-file-size setting)"


def test_fifo_does_not_block_the_run(report):
    assert errors_of(report)["fifo.py"] == "not a regular file (a pipe, socket or device); skipped"


def test_symlinks_loops_and_links_out_of_the_tree_are_not_followed(runs, report):
    paths = {f["path"] for f in report["findings"]} | set(errors_of(report))
    assert not any("loop/" in p or p.startswith("outside") for p in paths), paths
    assert all("outside the tree" not in f["message"] for f in report["findings"])
    assert "nova-lsp: warning: outside.py: symbolic link points outside the checked tree; skipped" in runs["json1"].stderr
    assert errors_of(report)["dangling.py"] == "broken or looping symbolic link"
    assert errors_of(report)["self.py"] == "broken or looping symbolic link"


def test_exactly_the_bad_files_are_errors(report):
    assert sorted(errors_of(report)) == sorted(
        [
            "dangling.py", "deep_lambda.py", "deep_sum.py", "deep_unary.py", "fifo.py", "non_utf8.py",
            "nul.py", "self.py", "too_big.py",
        ]
    )


def test_hostile_file_names_cannot_forge_text_lines(runs):
    text = runs["text"].stdout
    assert "\x1b" not in text  # no colour when piped, and the escape in the name is shown
    assert "esc\\x1b[31mred.py:1:3: NOVA007" in text
    assert "evil\\nforged.py:1:1: NOVA999 [error] forged.py:1:3: NOVA007 [information]" in text
    assert not any(line.startswith("forged.py") for line in text.splitlines())
    assert text.count("NOVA999") == 1
    assert text.rstrip("\n").splitlines()[-1] == "9 files could not be checked."


def test_error_lines_in_text_output(runs):
    text = runs["text"].stdout
    assert "fifo.py: error: not a regular file (a pipe, socket or device); skipped" in text.splitlines()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path):
    write(tmp_path / "ok.py", SWALLOWED)
    secret = write(tmp_path / "secret.py", SWALLOWED)
    secret.chmod(0)
    try:
        result = check("--format", "json", ".", cwd=tmp_path)
    finally:
        secret.chmod(0o644)
    assert result.returncode == 2
    assert result.json()["errors"] == [{"path": "secret.py", "message": "cannot read: Permission denied"}]
    assert result.rules() == [("ok.py", "NOVA006", 3)]
    assert_clean_stderr(result)


def test_a_path_through_a_file_is_reported(tmp_path):
    """An unreadable path that even root gets: a component that is a file, not a directory."""
    write(tmp_path / "ok.py", SWALLOWED)
    write(tmp_path / "plain", "not a directory\n")
    result = check("--format", "json", "ok.py", "plain/x.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.json()["errors"] == [{"path": "plain/x.py", "message": "no such file or directory"}]
    assert result.rules() == [("ok.py", "NOVA006", 3)]
    assert_clean_stderr(result)


def _huge_module() -> str:
    """About 5 MB: a few thousand small functions and a large embedded blob, as generated
    fixture modules have, with findings at the very end."""
    import base64
    import random

    rng = random.Random(2)
    parts = ['"""Generated fixtures."""', "", 'FAKE_IMAGE = """\\']
    parts.append(base64.encodebytes(rng.randbytes(3_400_000)).decode() + '"""')
    size = sum(len(p) for p in parts)
    i = 0
    while size < 5_000_000:
        chunk = f"\n\ndef fake_flavor_{i}(flavor_id={i}):\n    return {{\"id\": flavor_id, \"vcpus\": {i % 8 + 1}}}\n"
        parts.append(chunk)
        size += len(chunk)
        i += 1
    parts.append("\n\ndef load():\n    try:\n        return FAKE_IMAGE[0]\n    except:\n        pass\n# FIXME: regenerate\n")
    return "\n".join(parts)


def test_huge_file_over_the_default_size_limit_is_one_clear_error(tmp_path):
    write(tmp_path / "huge.py", _huge_module())
    write(tmp_path / "ok.py", "try:\n    pass\nexcept:\n    pass\n")
    result = check("--format", "json", "huge.py", "ok.py", cwd=tmp_path)
    assert result.returncode == 2, result.stderr  # a file went unchecked
    assert result.rules() == [("ok.py", "NOVA006", 3)]
    assert result.json()["errors"] == [
        {"path": "huge.py", "message": "skipped: the file is 4.8 MiB, over the limit of 4.0 MiB (the max-file-size setting)"}
    ]


def test_huge_file_completes(tmp_path):
    text = _huge_module()
    assert len(text.encode()) >= 5_000_000
    write(tmp_path / "huge.py", text)
    write(tmp_path / "pyproject.toml", '[tool.nova-lsp]\nmax-file-size = "8 MiB"\n')
    lines = text.splitlines()
    result = check("--format", "json", "--jobs", "1", "huge.py", cwd=tmp_path, timeout=600)
    assert result.returncode == 1, result.stderr
    assert_clean_stderr(result)
    assert result.rules() == [
        ("huge.py", "NOVA006", lines.index("    except:") + 1),
        ("huge.py", "NOVA007", len(lines)),
    ]
