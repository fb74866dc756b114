"""``nova-lsp check`` follows calls across the files it checks: a helper's summary reaches its
callers (second phase), the report says where the flow went (text, JSON, SARIF), the cache
re-analyses a caller whose helper changed, and a module name two files claim is unknown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_support import check, run_cli, write

SCHEMA = Path("/tmp/shared/schemas/sarif-schema-2.1.0.json")

REST = '''\
class RestClient(object):

    def __init__(self, session):
        self.session = session

    def set_quota(self, share_id, size):
        resp = self.session.put("/quotas/%s" % share_id, json={"size": size})
        return resp.status_code == 200
'''
RAISING = REST.replace("        return resp.status_code == 200\n", "        resp.raise_for_status()\n")
DRIVER = '''\
from manila.share.drivers.acme import rest


class AcmeDriver(object):

    def __init__(self, session):
        self._client = rest.RestClient(session)

    def extend_share(self, share, new_size):
        self._client.set_quota(share["id"], new_size)
'''
PACKAGES = ["manila", "manila/share", "manila/share/drivers", "manila/share/drivers/acme"]


def project(root: Path, rest: str = REST, fillers: int = 0) -> Path:
    for package in PACKAGES:
        write(root / package / "__init__.py", "")
    write(root / "manila/share/drivers/acme/rest.py", rest)
    write(root / "manila/share/drivers/acme/driver.py", DRIVER)
    for i in range(fillers):
        write(root / f"manila/share/drivers/acme/filler{i:02d}.py", f"VALUE = {i}\n")
    return root


def test_a_helper_in_another_file_reaches_its_caller_and_the_report_says_where(tmp_path):
    root = project(tmp_path / "p")
    found = check("--format", "json", ".", cwd=root)
    assert found.returncode == 1, found.stderr
    (finding,) = found.json()["findings"]
    assert (finding["path"], finding["rule"], finding["line"]) == ("manila/share/drivers/acme/driver.py", "NOVA005", 10)
    assert finding["related"] == [
        {
            "path": "manila/share/drivers/acme/rest.py",
            "line": 8,
            "column": 9,
            "end_line": 8,
            "end_column": 39,
            "message": "`manila.share.drivers.acme.rest.RestClient.set_quota` returns the outcome of the request here",
        }
    ]
    text = check(".", cwd=root)
    assert "      = note: manila/share/drivers/acme/rest.py:8:9: " in text.stdout
    # alone, the caller knows nothing about the helper: today's file-local behaviour
    alone = check("--format", "json", "manila/share/drivers/acme/driver.py", cwd=root)
    assert alone.json()["findings"] == [] and alone.returncode == 0


def test_sarif_related_locations_name_the_helpers_file(tmp_path):
    root = project(tmp_path / "p")
    sarif = check("--format", "sarif", ".", cwd=root)
    (result,) = json.loads(sarif.stdout)["runs"][0]["results"]
    (related,) = result["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"].endswith("manila/share/drivers/acme/rest.py")
    if SCHEMA.is_file():
        jsonschema = pytest.importorskip("jsonschema")
        jsonschema.validate(json.loads(sarif.stdout), json.loads(SCHEMA.read_text()))


def test_the_cache_re_analyses_a_caller_whose_helper_changed(tmp_path):
    root = project(tmp_path / "p")
    cache = str(tmp_path / "cache")
    first = run_cli("check", "--cache-dir", cache, "--format", "json", ".", cwd=root)
    assert [f["rule"] for f in first.json()["findings"]] == ["NOVA005"]
    warm = run_cli("check", "--cache-dir", cache, "--format", "json", ".", cwd=root)
    assert warm.stdout == first.stdout
    # only the helper changes: the caller's bytes (and cache key) are the same, but what it
    # looked up is not, so its cached result is not used
    write(root / "manila/share/drivers/acme/rest.py", RAISING)
    after = run_cli("check", "--cache-dir", cache, "--format", "json", ".", cwd=root)
    assert after.json()["findings"] == [] and after.returncode == 0, after.stdout
    write(root / "manila/share/drivers/acme/rest.py", REST)
    again = run_cli("check", "--cache-dir", cache, "--format", "json", ".", cwd=root)
    assert again.stdout == first.stdout


def test_worker_processes_give_the_same_report(tmp_path):
    root = project(tmp_path / "p", fillers=40)
    serial = check("--format", "json", "--jobs", "1", ".", cwd=root)
    parallel = check("--format", "json", "--jobs", "2", ".", cwd=root)
    assert parallel.stdout == serial.stdout
    assert [f["rule"] for f in serial.json()["findings"]] == ["NOVA005"]


def test_a_module_name_two_files_claim_is_unknown(tmp_path):
    # two top-level `rest.py` (scripts outside any package): an import of `rest` could be
    # either, so neither one's summary is used
    root = tmp_path / "p"
    write(root / "a/rest.py", REST)
    write(root / "b/rest.py", RAISING)
    write(root / "a/driver.py", DRIVER.replace("from manila.share.drivers.acme import rest", "import rest"))
    found = check("--format", "json", ".", cwd=root)
    assert found.json()["findings"] == [], found.stdout
    (root / "b/rest.py").unlink()
    found = check("--format", "json", ".", cwd=root)
    assert [f["rule"] for f in found.json()["findings"]] == ["NOVA005"]
