"""The ``nova-lsp.checkWorkspace`` command: every Python file of the workspace folders, with
``$/progress``, results pushed; open documents keep their live diagnostics."""

from __future__ import annotations

import pytest
from lsprotocol import types

from lsp_client import EditorClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

SWALLOWED = "try:\n    x()\nexcept:\n    pass\n"


def write(root, rel: str, text: str):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.lsp(pyproject="[tool.nova-lsp]\nextend-exclude = ['vendored']\n")
async def test_check_workspace_reports_progress_and_publishes(fresh: EditorClient):
    root = fresh.root
    bad = write(root, "nova/compute/manager.py", SWALLOWED)
    write(root, "nova/compute/clean.py", "x = 1\n")
    nested = write(root, "nova/api/servers.py", "# FIXME: validate\n" + SWALLOWED)
    excluded = write(root, "vendored/lib.py", SWALLOWED)
    tox = write(root, ".tox/py311/site.py", SWALLOWED)
    write(root, "nova/broken.py", "def f(:\n")
    opened = write(root, "nova/opened.py", SWALLOWED)
    # an open document is checked live: the check must not publish its on-disk findings
    fresh.open(opened.as_uri(), "x = 2\n")
    assert await fresh.current_diagnostics(opened.as_uri()) == []

    summary = await fresh.workspace_execute_command_async(
        types.ExecuteCommandParams(command="nova-lsp.checkWorkspace")
    )
    assert summary["files"] == 4 and summary["cancelled"] is False
    assert summary["findings"] == 4  # NOVA006 x2, NOVA007, NOVA900

    def published(path):
        found = [p for p in fresh.publishes(path.as_uri()) if p.diagnostics]
        return sorted(d.code for d in found[-1].diagnostics) if found else None

    assert published(bad) == ["NOVA006"]
    assert published(nested) == ["NOVA006", "NOVA007"]
    assert published(root / "nova/broken.py") == ["NOVA900"]
    assert published(root / "nova/compute/clean.py") is None
    assert published(excluded) is None and published(tox) is None
    assert [p.diagnostics for p in fresh.publishes(opened.as_uri()) if p.version is None] == []

    # the workspace index reports its own progress under another token
    [(token, reports)] = [(t, r) for t, r in fresh.progress_reports.items() if "checkWorkspace" in str(t)]
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    assert reports[-1].message == "4 files checked, 4 findings"
    assert any(isinstance(r, types.WorkDoneProgressReport) and r.percentage == 100 for r in reports)

    # fixing a file and checking again clears what the first check published
    bad.write_text("x = 3\n")
    before = len(fresh.publishes(bad.as_uri()))
    await fresh.workspace_execute_command_async(types.ExecuteCommandParams(command="nova-lsp.checkWorkspace"))
    assert [list(p.diagnostics) for p in fresh.publishes(bad.as_uri())[before:]] == [[]]
