"""Shared by tests/security: a hostile workspace whose modules leave a marker file when they are
imported or run, the ways a user, a CI job and an editor start nova-lsp, and a language client
that starts the server with the exact command line, working directory and environment given.

Every module of the hostile workspace also holds a ``# FIXME`` comment, so "was it analysed?"
is "does it have a NOVA007 finding?", and "was it imported?" is "is its marker there?".
Markers are written outside the workspace, so they never become files to check.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "lsp"))

from lsp_client import EditorClient, make_client  # noqa: E402

PYTHON = sys.executable
TIMEOUT = 300  # a guard against a hang; nothing asserts on time
SWALLOWED = "try:\n    x()\nexcept:\n    pass\n"

# The modules nova-lsp (CLI, server, workers) imports that a workspace could shadow: the
# standard library beyond what Python imports at start-up, its dependencies, and itself.
STDLIB_SHADOWS = (
    "argparse.py", "json/__init__.py", "logging/__init__.py", "tomllib/__init__.py", "ast.py",
    "traceback.py", "dataclasses.py", "hashlib.py", "tempfile.py", "fnmatch.py", "tokenize.py",
    "difflib.py", "textwrap.py", "unicodedata.py", "asyncio/__init__.py", "concurrent/__init__.py",
    "multiprocessing/__init__.py", "threading.py", "uuid.py", "inspect.py",
    # imported (frozen or not) before any of our code runs: never taken from the workspace
    "runpy.py", "site.py", "os.py", "abc.py",
)
THIRD_PARTY_SHADOWS = (
    "astroid/__init__.py", "pygls/__init__.py", "lsprotocol.py", "cattrs/__init__.py",
    "attrs/__init__.py", "attr/__init__.py", "typing_extensions.py",
)
SELF_SHADOWS = ("nova_lsp/__init__.py", "nova_lsp/__main__.py", "nova_lsp/main.py", "nova_lsp/cli/__init__.py", "nova_lsp/server/__init__.py")
# what Python itself runs when it is pointed at a directory as a project or site directory
STARTUP_FILES = ("conftest.py", "setup.py", "sitecustomize.py", "usercustomize.py", "__main__.py", "__init__.py")


def payload(markers: Path, label: str, body: str = "") -> str:
    """Module text that writes ``markers/label`` when imported or run, plus a FIXME finding."""
    marker = str(markers / label.replace("/", "__"))
    return f"open({marker!r}, 'w').close()\n# FIXME: hostile module {label}\n{body}"


@dataclass
class Workspace:
    root: Path
    markers: Path
    python_files: frozenset[str]  # every .py file, relative POSIX path

    def executed(self) -> list[str]:
        return sorted(p.name for p in self.markers.iterdir())


def hostile_workspace(base: Path, *, shadow_self: bool = True) -> Workspace:
    """A project that tries every way of getting its code run by a tool that analyses it.

    ``shadow_self``: include a ``nova_lsp/`` package.  Plain ``python -m nova_lsp`` started in
    the project imports that one before any of nova-lsp's code runs; only ``-P``, a working
    directory elsewhere, or the ``nova-lsp`` executable avoid it (docs/security.md)."""
    root = base / "workspace"
    markers = base / "markers"
    markers.mkdir(parents=True)
    files: dict[str, str] = {}
    for name in STDLIB_SHADOWS + THIRD_PARTY_SHADOWS + (SELF_SHADOWS if shadow_self else ()) + STARTUP_FILES:
        files[name] = payload(markers, name)
    # a package reached through imports, relative imports and star imports
    files["pkg/__init__.py"] = payload(markers, "pkg/__init__.py", "from .sub import helper\nfrom . import star\n")
    files["pkg/sub.py"] = payload(markers, "pkg/sub.py", "from .. import pkg\n\ndef helper():\n    pass\n")
    files["pkg/star.py"] = payload(markers, "pkg/star.py", "from pkg import *\nfrom .sub import *\n")
    files["app.py"] = payload(
        markers,
        "app.py",
        "import pkg\nfrom pkg import *\nfrom pkg.sub import helper\nimport evil\nimport evil_abi\n"
        "import argparse, json, logging, astroid, pygls, nova_lsp\n"
        "__import__('os').system('touch ' + __file__ + '.system')\n" + SWALLOWED,
    )
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    # a .pth file: executed at start-up when its directory is a site directory
    (root / "hostile.pth").write_text(f"import os; open({str(markers / 'hostile.pth')!r}, 'w').close()\n")
    # fake C extensions: loading garbage as a shared object would crash or fail loudly
    garbage = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8
    (root / "evil.cpython-311-x86_64-linux-gnu.so").write_bytes(garbage)
    (root / "evil_abi.abi3.so").write_bytes(garbage)
    python_files = frozenset(rel for rel in files if rel.endswith(".py"))
    return Workspace(root, markers, python_files)


def base_env(**extra: str | None) -> dict[str, str]:
    """The environment of a user's shell, with this checkout's nova_lsp importable (the way
    the other suites run it) and nothing that changes colour or warnings."""
    env = dict(os.environ)
    for name in ("NO_COLOR", "FORCE_COLOR", "PYTHONWARNINGS", "PYTHONSAFEPATH", "PYTHONSTARTUP", "PYTHONHOME"):
        env.pop(name, None)
    env["PYTHONPATH"] = str(REPO)
    for name, value in extra.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    proc = subprocess.run(
        argv, cwd=cwd, env=env or base_env(), stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT
    )
    return Run(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))


def console_script() -> str | None:
    """The installed ``nova-lsp`` executable, if there is one that runs this checkout."""
    found = shutil.which("nova-lsp")
    if found is None:
        return None
    try:
        probe = run([found, "--version"], cwd=REPO.parent, env=base_env())
    except (OSError, subprocess.SubprocessError):
        return None
    return found if probe.returncode == 0 else None


# -- the language server ----------------------------------------------------------------------

# How vscode-extension/src/common/settings.ts (resolveServerLaunch) starts the server with an
# interpreter: `<python> -P -m nova_lsp serve`, in the user's home directory, with these
# variables added to the editor's environment.  vscode-extension/test/unit/launch.test.ts
# pins the same values on the extension's side.
EXTENSION_ARGS = ["-P", "-m", "nova_lsp", "serve"]
EXTENSION_ENV = {"PYTHONUNBUFFERED": "1", "PYTHONSAFEPATH": "1"}


def extension_launch() -> tuple[list[str], Path, dict[str, str]]:
    return [PYTHON, *EXTENSION_ARGS], Path.home(), base_env(**EXTENSION_ENV)


async def start_server(command: list[str], cwd: Path, env: dict[str, str], root: Path, *, init=None) -> EditorClient:
    """A client (VS Code's capabilities) connected to ``command`` over stdio, initialized with
    ``root`` as its only workspace folder."""
    from lsprotocol import types
    from pytest_lsp import client_capabilities

    client = make_client()
    await client.start_io(command[0], *command[1:], cwd=str(cwd), env=env)
    client.root = root
    client.editor = "visual-studio-code"
    client.initialize_result = await asyncio.wait_for(
        client.initialize_session(
            types.InitializeParams(
                capabilities=client_capabilities("visual-studio-code"),
                root_uri=root.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
                initialization_options=init,
            )
        ),
        60,
    )
    return client


async def stop_server(client: EditorClient) -> int | None:
    """Shut the server down; its exit code."""
    server = client._server
    if server is not None and server.returncode is None:
        await asyncio.wait_for(client.shutdown_session(), 30)
    if server is not None:
        await asyncio.wait_for(server.wait(), 30)
        return server.returncode
    return None


async def check_workspace(client: EditorClient) -> dict:
    from lsprotocol import types

    return await asyncio.wait_for(
        client.workspace_execute_command_async(types.ExecuteCommandParams(command="nova-lsp.checkWorkspace")),
        TIMEOUT,
    )


def open_file(client: EditorClient, path: Path) -> str:
    uri = path.as_uri()
    client.open(uri, path.read_text(encoding="utf-8"))
    return uri
