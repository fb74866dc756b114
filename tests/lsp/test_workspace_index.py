"""The workspace index: a call into another file of the workspace is followed in the editor
as ``nova-lsp check`` follows it, the index is built in the background with ``$/progress``,
and a helper changed in the editor or on disk re-analyses the open files that call it."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from lsp_client import EditorClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

REST = '''\
class RestClient(object):

    def __init__(self, session):
        self.session = session

    def set_quota(self, share_id, size):
        resp = self.session.put("/quotas/%s" % share_id, json={"size": size})
        return resp.status_code == 200
'''
RAISING = '''\
class RestClient(object):

    def __init__(self, session):
        self.session = session

    def set_quota(self, share_id, size):
        resp = self.session.put("/quotas/%s" % share_id, json={"size": size})
        resp.raise_for_status()
'''
DRIVER = '''\
from manila.share.drivers.acme import rest


class AcmeDriver(object):

    def __init__(self, session):
        self._client = rest.RestClient(session)

    def extend_share(self, share, new_size):
        self._client.set_quota(share["id"], new_size)
'''
PACKAGE = {
    "manila/__init__.py": "",
    "manila/share/__init__.py": "",
    "manila/share/drivers/__init__.py": "",
    "manila/share/drivers/acme/__init__.py": "",
    "manila/share/drivers/acme/rest.py": REST,
}
DRIVER_PATH = "manila/share/drivers/acme/driver.py"
REST_PATH = "manila/share/drivers/acme/rest.py"


async def codes_eventually(client: EditorClient, uri: str, wanted, timeout: float = 30.0):
    """The document's diagnostics once ``wanted(codes)`` holds (the index is built in the
    background, so the first answer may be the file-local one)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        diagnostics = await client.current_diagnostics(uri)
        if wanted([d.code for d in diagnostics]) or loop.time() > end:
            return diagnostics
        await asyncio.sleep(0.2)


@pytest.mark.lsp(files={**PACKAGE, DRIVER_PATH: DRIVER})
async def test_a_call_into_a_helper_of_another_file_is_followed(fresh: EditorClient):
    uri = (fresh.root / DRIVER_PATH).as_uri()
    fresh.open(uri, DRIVER)
    diagnostics = await codes_eventually(fresh, uri, lambda codes: "NOVA005" in codes)
    (found,) = [d for d in diagnostics if d.code == "NOVA005"]
    assert found.range.start.line == 9
    assert "`RestClient.set_quota` returns whether the request succeeded" in found.message
    (related,) = found.related_information
    assert related.location.uri == (fresh.root / REST_PATH).as_uri()
    assert related.location.range.start.line == 7  # `return resp.status_code == 200`
    # the index reported its progress (both editors support server-initiated progress)
    index = [r for t, r in fresh.progress_reports.items() if "index" in str(t)]
    assert index, list(fresh.progress_reports)
    assert isinstance(index[0][0], types.WorkDoneProgressBegin)
    assert index[0][0].title == "nova-lsp: indexing the workspace"
    assert isinstance(index[0][-1], types.WorkDoneProgressEnd)
    fresh.close(uri)


@pytest.mark.lsp(files={**PACKAGE, DRIVER_PATH: DRIVER})
async def test_editing_the_helper_re_analyses_its_callers(fresh: EditorClient):
    uri = (fresh.root / DRIVER_PATH).as_uri()
    rest = (fresh.root / REST_PATH).as_uri()
    fresh.open(uri, DRIVER)
    await codes_eventually(fresh, uri, lambda codes: "NOVA005" in codes)
    # the helper opened and changed in the editor (not saved): it raises now, so nothing
    # needs checking at the caller, and the caller's diagnostic goes
    fresh.open(rest, REST)
    await fresh.current_diagnostics(rest)
    fresh.replace_all(rest, RAISING)
    await fresh.current_diagnostics(rest)
    diagnostics = await codes_eventually(fresh, uri, lambda codes: "NOVA005" not in codes)
    assert "NOVA005" not in [d.code for d in diagnostics]
    # closed without saving: the file on disk counts again
    fresh.close(rest)
    diagnostics = await codes_eventually(fresh, uri, lambda codes: "NOVA005" in codes)
    assert "NOVA005" in [d.code for d in diagnostics]
    fresh.close(uri)


@pytest.mark.lsp(files={**PACKAGE, DRIVER_PATH: DRIVER})
async def test_a_helper_changed_on_disk_is_read_again(fresh: EditorClient):
    uri = (fresh.root / DRIVER_PATH).as_uri()
    fresh.open(uri, DRIVER)
    await codes_eventually(fresh, uri, lambda codes: "NOVA005" in codes)
    (fresh.root / REST_PATH).write_text(RAISING, encoding="utf-8")
    fresh.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=(fresh.root / REST_PATH).as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    diagnostics = await codes_eventually(fresh, uri, lambda codes: "NOVA005" not in codes)
    assert "NOVA005" not in [d.code for d in diagnostics]
    fresh.close(uri)


@pytest.mark.lsp(init={"index": False}, files={**PACKAGE, DRIVER_PATH: DRIVER})
async def test_without_the_index_each_file_is_analysed_on_its_own(fresh: EditorClient):
    uri = (fresh.root / DRIVER_PATH).as_uri()
    fresh.open(uri, DRIVER)
    assert await fresh.current_diagnostics(uri) == []
    await asyncio.sleep(1.0)  # no index is built: nothing arrives later either
    assert await fresh.current_diagnostics(uri) == []
    assert not [t for t in fresh.progress_reports if "index" in str(t)]
    fresh.close(uri)


MANY = {f"manila/share/drivers/acme/filler{i:02d}.py": f"VALUE = {i}\n" for i in range(70)}


@pytest.mark.lsp(files={**PACKAGE, **MANY, DRIVER_PATH: DRIVER})
async def test_a_large_workspace_is_indexed_in_worker_processes(fresh: EditorClient):
    # over PROCESS_THRESHOLD files: summarised in spawned workers, with the same result
    uri = (fresh.root / DRIVER_PATH).as_uri()
    fresh.open(uri, DRIVER)
    diagnostics = await codes_eventually(fresh, uri, lambda codes: "NOVA005" in codes, timeout=60.0)
    assert "NOVA005" in [d.code for d in diagnostics]
    fresh.close(uri)
