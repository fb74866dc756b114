"""The per-file limits in the editor: a file over ``maxFileSize`` (or analysed past its time
budget) does not look clean; one information diagnostic says what was skipped and why."""

from __future__ import annotations

import pytest
from lsprotocol import types

from lsp_client import EditorClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

SWALLOWED = "try:\n    x()\nexcept:\n    pass\n"


@pytest.mark.lsp(init={"maxFileSize": 40})
async def test_a_file_over_the_size_limit_gets_one_diagnostic_saying_so(fresh: EditorClient, uri_for):
    small, large = uri_for(fresh, "small.py"), uri_for(fresh, "large.py")
    fresh.open(small, "x = 1\n")
    fresh.open(large, SWALLOWED + "# padding " * 4 + "\n")
    assert await fresh.current_diagnostics(small) == []
    (diagnostic,) = await fresh.current_diagnostics(large)
    assert diagnostic.code == "skipped"
    assert diagnostic.severity == types.DiagnosticSeverity.Information
    assert diagnostic.message == (
        f"nova-lsp did not analyse all of this file: skipped: the file is {len(SWALLOWED) + 41} bytes, "
        "over the limit of 40 bytes (the max-file-size setting)"
    )
    # deleting lines brings it under the limit: analysed as usual
    fresh.replace_all(large, SWALLOWED)
    assert [d.code for d in await fresh.current_diagnostics(large)] == ["NOVA006"]
