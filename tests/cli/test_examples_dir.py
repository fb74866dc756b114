"""The README's main job: `nova-lsp check examples/` flags exactly the demonstrated defects."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

EXPECTED = {
    ("examples/nova/compute/tenacity_snippets.py", 10, "NOVA003"),
    ("examples/nova/compute/tenacity_snippets.py", 15, "NOVA003"),
    ("examples/nova/scheduler/client/report_snippets.py", 12, "NOVA008"),
    ("examples/nova/scheduler/client/report_snippets.py", 26, "NOVA004"),
    ("examples/nova/scheduler/client/report_snippets.py", 31, "NOVA004"),
    ("examples/nova/scheduler/client/report_snippets.py", 36, "NOVA005"),
    ("examples/nova/scheduler/client/report_snippets.py", 47, "NOVA003"),
    ("examples/nova/scheduler/client/report_snippets.py", 63, "NOVA003"),
    ("examples/nova/scheduler/client/report_snippets.py", 69, "NOVA007"),
    ("examples/nova/virt/libvirt/volume_attach.py", 26, "NOVA001"),
    ("examples/nova/virt/libvirt/volume_attach.py", 35, "NOVA001"),
    ("examples/nova/virt/libvirt/volume_attach.py", 45, "NOVA002"),
    ("examples/nova/virt/libvirt/volume_attach.py", 51, "NOVA006"),
}


def test_examples_show_every_rule_and_nothing_else():
    proc = subprocess.run(
        [sys.executable, "-m", "nova_lsp", "check", "examples", "--format", "json", "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["errors"] == []
    found = {(f["path"], f["line"], f["rule"]) for f in report["findings"]}
    assert found == EXPECTED
    assert {rule for _, _, rule in EXPECTED} == {f"NOVA00{i}" for i in range(1, 9)}
