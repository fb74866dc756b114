"""Exclude globs given without a configuration file are relative to the working directory."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_exclude_globs_without_a_config_file_are_relative_to_the_working_directory(tmp_path):
    for rel in ("nova/compute/api.py", "nova/tests/unit/test_api.py"):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("try:\n    x()\nexcept:\n    pass\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "nova_lsp", "check", "nova", "--extend-exclude", "nova/tests/*",
         "--no-cache", "--format", "json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env,
    )
    assert proc.returncode == 1, proc.stderr
    assert {f["path"] for f in json.loads(proc.stdout)["findings"]} == {"nova/compute/api.py"}
