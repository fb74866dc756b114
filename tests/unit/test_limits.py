"""Per-file limits: a size above which a file is not analysed, and a time budget after which no
further rule is started.  Either way the analysis says, in one error, what was skipped and why;
nothing raises, and what was found before the budget ran out is kept."""

from __future__ import annotations

import itertools

import pytest

from nova_lsp.config import Config, ConfigError
from nova_lsp.core.document import Document
from nova_lsp.engine import analyze as engine
from nova_lsp.engine.analyze import analyze
from nova_lsp.engine.incremental import IncrementalAnalyzer

CODE = '''\
import logging

LOG = logging.getLogger(__name__)


def login(user, password):
    LOG.debug("login %s %s", user, password)
    try:
        return user.check(password)
    except:
        pass
'''


def both(text: str, config: Config):
    """The whole-text analysis and the server's incremental one agree; return it."""
    whole = analyze(Document(text, "nova/auth.py"), config.selection())
    assert IncrementalAnalyzer().analyze(Document(text, "nova/auth.py"), config.selection()) == whole
    return whole


def test_a_file_over_the_size_limit_is_not_analysed_and_says_so():
    result = both(CODE, Config().overlay({"max-file-size": 100}, "test"))
    assert result.findings == ()
    assert [e.message for e in result.errors] == [
        f"skipped: the file is {len(CODE)} bytes, over the limit of 100 bytes (the max-file-size setting)"
    ]


def test_the_size_limit_counts_utf8_bytes_not_characters():
    text = CODE + "# " + "😀" * 40 + "\n"  # 40 characters, 160 bytes
    limit = len(CODE) + 100
    assert len(text) < limit < len(text.encode())
    assert both(text, Config().overlay({"max-file-size": limit}, "test")).errors
    assert not both(text, Config().overlay({"max-file-size": len(text.encode())}, "test")).errors


def test_under_the_limit_everything_is_found():
    result = both(CODE, Config().overlay({"max-file-size": "1 KiB"}, "test"))
    assert {f.rule for f in result.findings} == {"NOVA001", "NOVA006"}
    assert result.errors == ()


@pytest.fixture
def ticking_clock(monkeypatch):
    """Every look at the clock is 10 s later than the one before."""
    ticks = itertools.count(0, 10)
    monkeypatch.setattr(engine, "_clock", lambda: float(next(ticks)))


def test_rules_not_started_within_the_time_budget_are_skipped_in_one_error(ticking_clock):
    config = Config().overlay({"time-budget": 15, "select": ["NOVA001", "NOVA006", "NOVA007"]}, "test")
    result = analyze(Document(CODE + "# FIXME: tidy up\n", "nova/auth.py"), config.selection())
    # started at 0; the first rule starts at 10 (within 15), the next check is at 20
    assert [f.rule for f in result.findings] == ["NOVA001"]
    (error,) = result.errors
    assert error.message.startswith("skipped rules NOVA006, NOVA007: the time budget of 15 s was used up after")
    assert error.message.endswith("(the time-budget setting)")


def test_the_incremental_analyser_keeps_the_budget_too(ticking_clock):
    config = Config().overlay({"time-budget": 15, "select": ["NOVA001", "NOVA006"]}, "test")
    result = IncrementalAnalyzer().analyze(Document(CODE, "nova/auth.py"), config.selection())
    assert [f.rule for f in result.findings] == ["NOVA001"]
    assert "NOVA006" in result.errors[0].message


def test_a_suppression_for_a_skipped_rule_is_not_reported_unused(ticking_clock):
    text = CODE.replace("except:", "except:  # nova-lsp: ignore[NOVA006]")
    config = Config().overlay({"time-budget": 15, "select": ["NOVA001", "NOVA006", "NOVA901"]}, "test")
    result = analyze(Document(text, "nova/auth.py"), config.selection())
    assert [f.rule for f in result.findings] == ["NOVA001"]


def test_a_generous_budget_changes_nothing():
    config = Config().overlay({"time-budget": 3600}, "test")
    assert both(CODE, config) == analyze(Document(CODE, "nova/auth.py"))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"max-file-size": 0}, "'max-file-size' must be a positive number of bytes"),
        ({"max-file-size": "big"}, "'max-file-size' must be a positive number of bytes"),
        ({"max-file-size": True}, "'max-file-size' must be a positive number of bytes"),
        ({"time-budget": 0}, "'time-budget' must be a number of seconds above 0"),
        ({"time-budget": "1s"}, "'time-budget' must be a number of seconds above 0"),
    ],
)
def test_bad_limits_are_configuration_errors_naming_the_source(table, message):
    with pytest.raises(ConfigError, match=message) as raised:
        Config().overlay(table, "pyproject.toml [tool.nova-lsp]")
    assert str(raised.value).startswith("pyproject.toml [tool.nova-lsp]: ")


def test_sizes_with_units():
    sizes = {"4194304": 4194304, "4 MiB": 4 * 1024**2, "500kB": 500_000, "1.5MB": 1_500_000, "2gib": 2 * 1024**3}
    for text, expected in sizes.items():
        value = int(text) if text.isdigit() else text
        assert Config().overlay({"max-file-size": value}, "test").max_file_size == expected


def test_a_rule_that_runs_past_the_budget_is_stopped_inside(monkeypatch):
    # the clock moves only when a rule looks at it from inside (every 256 steps): the first
    # look, inside NOVA001's loop over calls, is past the budget
    looks = iter([0.0, 0.0] + [100.0] * 10_000)
    monkeypatch.setattr(engine, "_clock", lambda: next(looks))
    many = CODE + "".join(f"\n\ndef f{i}(password):\n    LOG.debug('x %s', password)\n" for i in range(600))
    config = Config().overlay({"time-budget": 15, "select": ["NOVA001", "NOVA006"]}, "test")
    result = analyze(Document(many, "nova/auth.py"), config.selection())
    (error,) = result.errors
    assert error.skipped and error.message.startswith("skipped rules NOVA001, NOVA006: the time budget of 15 s")
    assert len(result.findings) < 601  # stopped part-way, and said so
