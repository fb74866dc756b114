"""The README's main job: `nova-lsp check examples/` flags exactly the demonstrated defects."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

EXPECTED = {
    ("examples/nova/api/openstack/compute/console_snippets.py", 19, "NOVA009"),
    ("examples/nova/compute/tenacity_snippets.py", 10, "NOVA003"),
    ("examples/nova/compute/tenacity_snippets.py", 15, "NOVA003"),
    ("examples/nova/conf/snippets.py", 7, "NOVA012"),
    ("examples/nova/conf/snippets.py", 12, "NOVA013"),
    ("examples/nova/scheduler/client/report_snippets.py", 12, "NOVA008"),
    ("examples/nova/scheduler/client/report_snippets.py", 26, "NOVA004"),
    ("examples/nova/scheduler/client/report_snippets.py", 32, "NOVA004"),
    ("examples/nova/scheduler/client/report_snippets.py", 37, "NOVA005"),
    ("examples/nova/scheduler/client/report_snippets.py", 48, "NOVA003"),
    ("examples/nova/scheduler/client/report_snippets.py", 64, "NOVA003"),
    ("examples/nova/scheduler/client/report_snippets.py", 70, "NOVA007"),
    ("examples/nova/virt/image_snippets.py", 15, "NOVA010"),
    ("examples/nova/virt/image_snippets.py", 20, "NOVA011"),
    ("examples/nova/virt/image_snippets.py", 36, "NOVA015"),
    # a positional password: logged unmasked (NOVA014) and visible in `ps` (NOVA015)
    ("examples/nova/virt/image_snippets.py", 42, "NOVA014"),
    ("examples/nova/virt/image_snippets.py", 42, "NOVA015"),
    ("examples/nova/virt/image_snippets.py", 48, "NOVA017"),
    ("examples/nova/virt/image_snippets.py", 54, "NOVA018"),
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
    # every rule that is on by default (NOVA016 is opt-in)
    assert {rule for _, _, rule in EXPECTED} == {f"NOVA{i:03d}" for i in range(1, 19)} - {"NOVA016"}
