"""The result cache (content-keyed, corruption-proof) and baseline fingerprints."""

from __future__ import annotations

import json
import os

import pytest

from nova_lsp.core.model import Analysis, AnalysisError, Edit, Finding, Fix, FixKind, Related, Severity, Span
from nova_lsp.engine.cache import FORMAT as CACHE_FORMAT
from nova_lsp.engine.cache import ResultCache, content_key, engine_fingerprint
from nova_lsp.report import FileResult, fingerprints

FINDING = Finding(
    rule="NOVA006",
    name="swallowed-exception",
    span=Span(2, 0, 2, 16),
    message="`Exception` is caught and silently discarded",
    severity=Severity.WARNING,
    cwe=(396, 390),
    fixes=(
        Fix("Catch ValueError instead", (Edit(Span(2, 7, 2, 16), "ValueError"),), FixKind.FIX, preferred=True),
        Fix("Ignore NOVA006 on this line", (Edit(Span(2, 17, 2, 17), "  # nova-lsp: ignore[NOVA006]"),), FixKind.SUPPRESS),
    ),
    related=(Related(Span(0, 0, 0, 4), "the try block"),),
)
ANALYSIS = Analysis(findings=(FINDING,), errors=(AnalysisError("rule X skipped"),), suppressed=2)
KEY = content_key(b"try:\n    x()\nexcept Exception:\n    pass\n")


def saved_cache(directory, fingerprint="cfg") -> ResultCache:
    cache = ResultCache(directory, fingerprint)
    cache.put(KEY, ANALYSIS)
    cache.save()
    return cache


def test_round_trip_through_disk(tmp_path):
    cache = saved_cache(tmp_path)
    assert (tmp_path / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (tmp_path / ".gitignore").read_text() == "*\n"
    assert ResultCache(tmp_path, "cfg").get(KEY) == ANALYSIS
    assert ResultCache(tmp_path, "other-config").get(KEY) is None  # another configuration
    assert cache.file.parent.name == f"v{CACHE_FORMAT}" and list(cache.file.parent.glob(".tmp-*")) == []


def test_content_key_is_the_bytes_not_the_name():
    assert content_key(b"a") == content_key(b"a") != content_key(b"a\n")


def test_a_changed_engine_invalidates(tmp_path):
    cache = saved_cache(tmp_path)
    data = json.loads(cache.file.read_text(encoding="utf-8"))
    assert data["engine"] == engine_fingerprint()
    data["engine"] = "0" * 20  # as if a rule file or a check had been edited since
    cache.file.write_text(json.dumps(data), encoding="utf-8")
    assert ResultCache(tmp_path, "cfg").get(KEY) is None


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{truncated",
        b"\xff\xfe\xfa not utf-8",
        b"[" * 100_000,  # json.loads raises RecursionError on this
        b"[]",
        b'{"engine": 1, "entries": []}',
    ],
)
def test_a_corrupt_cache_file_is_an_empty_cache_and_gets_rewritten(tmp_path, content):
    cache = saved_cache(tmp_path)
    cache.file.write_bytes(content)
    reloaded = ResultCache(tmp_path, "cfg")
    assert reloaded.get(KEY) is None
    reloaded.put(KEY, ANALYSIS)
    reloaded.save()
    assert ResultCache(tmp_path, "cfg").get(KEY) == ANALYSIS


@pytest.mark.parametrize(
    "entry",
    [
        [1, 2],
        "text",
        {"findings": [{"rule": "NOVA006"}]},
        {"findings": [dict(rule="R", name="n", span=[0, 0, 0], message="m", severity=3)]},
        {"findings": [dict(rule="R", name="n", span=[0, 0, 0, 1], message="m", severity=99)]},
        {"findings": [dict(rule="R", name="n", span=[0, 0, 0, 1], message="m", severity=3, fixes=[{"title": "t", "edits": 5}])]},
    ],
)
def test_a_malformed_entry_is_a_miss(tmp_path, entry):
    cache = saved_cache(tmp_path)
    data = json.loads(cache.file.read_text(encoding="utf-8"))
    data["entries"][KEY] = entry
    cache.file.write_text(json.dumps(data), encoding="utf-8")
    assert ResultCache(tmp_path, "cfg").get(KEY) is None


def test_an_unwritable_cache_directory_is_ignored(tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the directory should be")
    cache = ResultCache(blocker, "cfg")
    cache.put(KEY, ANALYSIS)
    cache.save()  # no exception: the run goes on without a cache
    assert blocker.read_text() == "a file where the directory should be"


def test_a_fifo_at_the_cache_path_is_not_read(tmp_path):
    target = tmp_path / f"v{CACHE_FORMAT}" / "cfg.json"
    target.parent.mkdir()
    os.mkfifo(target)
    assert ResultCache(tmp_path, "cfg").get(KEY) is None  # returns at once instead of blocking


# -- baseline fingerprints --------------------------------------------------------------------


def finding(line: int, message="m", rule="NOVA006") -> Finding:
    return Finding(rule, "swallowed-exception", Span(line, 4, line, 20), message, Severity.WARNING)


def test_fingerprints_survive_lines_inserted_above():
    before = FileResult("a.py", (finding(3),), ("def f():", "    try:", "        x()", "    except Exception:", "        pass"))
    lines = ("import os", "", "", *before.lines)
    after = FileResult("a.py", (finding(6),), lines)
    assert fingerprints(before) == fingerprints(after)


def test_fingerprints_do_not_depend_on_the_path_or_the_column():
    lines = ("    except Exception:",)
    assert fingerprints(FileResult("a.py", (finding(0),), lines)) == fingerprints(FileResult("pkg/a.py", (finding(0),), lines))
    moved = Finding("NOVA006", "swallowed-exception", Span(0, 0, 0, 3), "m", Severity.WARNING)
    assert fingerprints(FileResult("a.py", (finding(0),), lines)) == fingerprints(FileResult("a.py", (moved,), ("except Exception:",)))


def test_fingerprints_change_with_the_rule_the_message_or_the_code():
    lines = ("    except Exception:", "    except BaseException:")
    base = fingerprints(FileResult("a.py", (finding(0),), lines))
    assert fingerprints(FileResult("a.py", (finding(0, rule="NOVA007"),), lines)) != base
    assert fingerprints(FileResult("a.py", (finding(0, message="other"),), lines)) != base
    assert fingerprints(FileResult("a.py", (finding(1),), lines)) != base


def test_identical_findings_are_numbered_in_order():
    lines = ("    except Exception:",) * 3
    prints = fingerprints(FileResult("a.py", (finding(0), finding(1), finding(2)), lines))
    digests = {p.rsplit(":", 1)[0] for p in prints}
    assert len(digests) == 1
    assert [p.rsplit(":", 1)[1] for p in prints] == ["1", "2", "3"]


def test_the_cache_never_writes_through_a_planted_link(tmp_path):
    # a checked-out project can plant links where the cache writes its marker files
    from nova_lsp.engine.cache import _create

    victim = tmp_path / "victim"
    (tmp_path / "CACHEDIR.TAG").symlink_to(victim)
    _create(tmp_path / "CACHEDIR.TAG", "Signature")
    _create(tmp_path / ".gitignore", "*\n")
    assert not victim.exists()
    assert (tmp_path / ".gitignore").read_text() == "*\n"


def test_a_skipped_error_keeps_its_kind_through_the_cache_format():
    from nova_lsp.engine.serialize import analysis_from_dict, analysis_to_dict

    analysis = Analysis(errors=(AnalysisError("rule X failed"), AnalysisError("skipped: too large", skipped=True)))
    assert analysis_from_dict(analysis_to_dict(analysis)) == analysis
