"""No check may make astroid build its model of ``builtins`` (inference, scope lookups): it
costs over a second per process and is the first step towards loading live modules."""

import subprocess
import sys

SCRIPT = r"""
import astroid.raw_building as raw
from nova_lsp.config import Config
from nova_lsp.core.document import Document
from nova_lsp.engine.analyze import analyze
from nova_lsp.engine.registry import load_registry

config = Config().overlay({"select": ["ALL"]}, "test")
count = 0
for rule in load_registry().rules:
    for example in rule.examples:
        for text in (example.bad, example.good):
            count += len(analyze(Document(text, "example.py"), config.selection()).findings)
print(count, raw.InspectBuilder.bootstrapped)
"""


def test_analysing_every_example_never_bootstraps_builtins():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    findings, bootstrapped = proc.stdout.split()
    assert int(findings) > 20
    assert bootstrapped == "False"
