"""The wheel ships the rule pack inside the package and works without the checkout."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    (found,) = out.glob("nova_lsp-*.whl")
    return found


def test_wheel_contains_every_rule_file(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {Path(n).name for n in names if n.startswith("nova_lsp/rules/")}
    expected = {p.name for p in (ROOT / "rules").glob("NOVA*.toml")}
    assert expected and shipped == expected
    assert "nova_lsp/main.py" in names and "nova_lsp/cli/__init__.py" in names
    assert not any(n.startswith("tests/") for n in names)


def test_installed_wheel_runs_outside_the_checkout(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    work = tmp_path / "work"
    shutil.copytree(ROOT / "examples", work)
    # the installed package, not the checkout, must be what runs
    probe = subprocess.run(
        [str(python), "-c", "import nova_lsp.engine.registry as r; print(r.rules_dir())"],
        cwd=work, capture_output=True, text=True, check=True,
    )
    assert str(ROOT) not in probe.stdout and "site-packages/nova_lsp/rules" in probe.stdout
    rules = subprocess.run(
        [str(python), "-m", "nova_lsp", "rules", "--format", "json"], cwd=work, capture_output=True, text=True
    )
    assert rules.returncode == 0, rules.stderr
    assert {r["id"] for r in json.loads(rules.stdout)} == {p.name[:7] for p in (ROOT / "rules").glob("NOVA*.toml")}
    check = subprocess.run(
        [str(env_dir / "bin" / "nova-lsp"), "check", ".", "--format", "json", "--no-cache"],
        cwd=work, capture_output=True, text=True,
    )
    assert check.returncode == 1, check.stderr
    assert json.loads(check.stdout)["findings"]
