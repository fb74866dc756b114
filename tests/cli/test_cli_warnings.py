"""Compiling the checked code must not leak Python's own warnings into the report."""

import subprocess
import sys


def test_invalid_escapes_in_checked_code_print_no_warnings(tmp_path):
    source = tmp_path / "legacy.py"
    source.write_text('import re\nPATTERN = re.compile("\\.img$")\nvalue = 1if True else 2\n')
    proc = subprocess.run(
        [sys.executable, "-W", "default", "-m", "nova_lsp", "check", str(source), "--no-cache"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == ""
    assert "Warning" not in proc.stdout

