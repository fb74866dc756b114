"""The wheel ships the rule pack inside the package and works without the checkout."""

from __future__ import annotations

import json
import shutil
import sysconfig
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


def _venv_with_the_wheel(wheel, env_dir, see_our_packages: bool):
    """A new virtualenv holding the wheel alone; with ``see_our_packages`` it also sees the
    packages of the Python running the tests (its dependencies), whether that is a virtualenv
    or the system's: their directory goes on its path by a ``.pth`` file.  (``system site
    packages`` would give the *base* interpreter's packages, not an outer virtualenv's.)"""
    venv.EnvBuilder(system_site_packages=False, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    if see_our_packages:
        inner = subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
        Path(inner, "test-dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return python


def test_installed_wheel_runs_outside_the_checkout(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    python = _venv_with_the_wheel(wheel, env_dir, see_our_packages=True)
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


def test_a_missing_dependency_is_named_with_its_install_command(wheel, tmp_path):
    env_dir = tmp_path / "bare"
    python = _venv_with_the_wheel(wheel, env_dir, see_our_packages=False)  # no astroid, no pygls
    for command in ([str(python), "-m", "nova_lsp", "check", "."], [str(env_dir / "bin" / "nova-lsp"), "serve"]):
        run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert run.returncode == 2, run.stderr
        assert "internal error" not in run.stderr and "Traceback" not in run.stderr
        assert "is not installed in this environment" in run.stderr
        assert "-m pip install '" in run.stderr, run.stderr
