"""The server's pure parts, without a client: settings resolution, text changes, the fix-all
edit and the daemon executor."""

from __future__ import annotations

import os
import threading
import time

import pytest
from lsprotocol import types

from nova_lsp.core.document import Document, apply_edits
from nova_lsp.core.model import Span
from nova_lsp.server import convert, settings
from nova_lsp.server.scheduling import DaemonExecutor


# -- settings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        {"select": ["NOVA006"]},
        {"settings": {"select": ["NOVA006"]}},
        {"nova-lsp": {"select": ["NOVA006"]}},
    ],
)
def test_settings_shapes_are_unwrapped(raw):
    assert settings.unwrap(raw) == {"select": ["NOVA006"]}


def test_unwrap_of_nothing():
    assert settings.unwrap(None) == {} and settings.unwrap([1]) == {}


def test_camel_case_keys_map_to_the_config_table():
    resolved, problems = settings.resolve(
        {
            "extendSelect": ["NOVA901"],
            "extendExclude": ["gen"],
            "docsUrl": "https://x/{id}",
            "rules": {"swallowed-exception": {"broadExceptions": ["Exception"]}},
            "debounce": 50,
            "run": "onSave",
            "enable": False,
        }
    )
    assert problems == []
    assert resolved.lint == {
        "extend-select": ["NOVA901"],
        "extend-exclude": ["gen"],
        "docs-url": "https://x/{id}",
        "rules": {"swallowed-exception": {"broad-exceptions": ["Exception"]}},
    }
    assert (resolved.debounce_ms, resolved.run, resolved.enable) == (50, "onSave", False)


def test_each_invalid_key_is_dropped_and_named():
    resolved, problems = settings.resolve(
        {"select": ["NOVA999"], "ignore": ["NOVA007"], "debounce": -1, "enable": "yes"}
    )
    assert resolved.lint == {"ignore": ["NOVA007"]}  # the valid key survives
    assert resolved.debounce_ms == settings.DEFAULT_DEBOUNCE_MS and resolved.enable is True
    assert len(problems) == 3
    assert any("NOVA999" in p for p in problems)


def test_later_layers_win_and_none_is_absent():
    merged = settings.merge({"select": ["A"], "debounce": 10}, {"select": None, "debounce": 20})
    assert merged == {"select": ["A"], "debounce": 20}


# -- text changes ---------------------------------------------------------------------------------


def _change(sl, sc, el, ec, text):
    return types.TextDocumentContentChangePartial(
        range=types.Range(start=types.Position(sl, sc), end=types.Position(el, ec)), text=text
    )


@pytest.mark.parametrize(
    ("encoding", "col"),
    [("utf-16", 3), ("utf-8", 5), ("utf-32", 2)],
)
def test_incremental_change_after_a_non_bmp_character(encoding, col):
    # "a😀b": the position after the emoji is 3 utf-16 units, 5 utf-8 bytes, 2 code points
    assert convert.apply_content_change("a😀b\n", _change(0, col, 0, col, "X"), encoding) == "a😀Xb\n"


def test_changes_spanning_crlf_and_past_the_end():
    text = "one\r\ntwo\r\nthree"
    assert convert.apply_content_change(text, _change(0, 3, 1, 0, " "), "utf-16") == "one two\r\nthree"
    assert convert.apply_content_change(text, _change(9, 0, 9, 0, "!"), "utf-16") == text + "!"
    whole = types.TextDocumentContentChangeWholeDocument(text="new")
    assert convert.apply_content_change(text, whole, "utf-16") == "new"


# -- fix all: one edit of the lines that change --------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("a\nb\nc\n", "a\nB\nc\n"),
        ("import x\n\nf()\n", "import os\nimport x\n\nf()\n"),
        ("a\r\nb\r\nc", "a\r\nb\r\nd"),
        ("x = 1\n", ""),
        ("", "x = 1\n"),
        ("a\nb", "a\nb\nc"),
    ],
)
def test_minimal_edit_replaces_only_changed_lines(before, after):
    edit = convert.minimal_edit(before, after)
    assert apply_edits(before, [edit]) == after
    assert edit.span.start_col == 0 or edit.span.start_line == len(Document(before).lines) - 1
    unchanged_head = os.path.commonprefix([before.splitlines(True), after.splitlines(True)])
    assert edit.span.start_line == len(unchanged_head)


def test_minimal_edit_never_splits_a_crlf():
    edit = convert.minimal_edit("a\r\nb\r\n", "a\r\nc\r\n")
    assert edit.span == Span(1, 0, 2, 0) and edit.new_text == "c\r\n"


# -- executor ---------------------------------------------------------------------------------------


def test_daemon_executor_runs_work_on_daemon_threads_and_shuts_down_without_waiting():
    executor = DaemonExecutor(2)
    flags = []
    assert executor.submit(lambda: threading.current_thread().daemon).result(5) is True
    release = threading.Event()
    running = executor.submit(release.wait, 30)
    queued = [executor.submit(flags.append, i) for i in range(3)]
    started = time.monotonic()
    executor.shutdown(wait=False, cancel_futures=True)
    assert time.monotonic() - started < 5  # returns without waiting for the running call
    with pytest.raises(RuntimeError):
        executor.submit(print)
    release.set()
    assert running.result(5) is True
    assert all(f.cancelled() or f.done() for f in queued)


def test_executor_reports_exceptions_through_the_future():
    executor = DaemonExecutor(1)
    future = executor.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        future.result(5)
    executor.shutdown()


def test_hover_markdown_shows_source_quoted_in_a_message_as_text():
    # a message quotes the analysed source; in a Markdown hover its backticks must not end the
    # code span, nor may image (fetched when the hover opens) or link syntax render
    from nova_lsp.core.model import Finding, Severity, Span
    from nova_lsp.server.hover import render

    message = "`x = '` ![x](https://e.x/p.png) [y](command:z) <img src=q> `' ` may contain secrets"
    finding = Finding("NOVA001", "log-sensitive-data", Span(0, 0, 0, 1), message, Severity.WARNING)
    text = render(finding, None, "", markdown=True)
    # the message sits in a fenced code block longer than any backtick run in it: nothing in
    # it renders, and no backslash escapes show (Neovim showed them raw)
    block = "```text\n" + message + "\n```"
    assert block in text and "\\" not in text
    before, _, after = text.partition(block)
    assert "![x](" not in before + after and "[y](" not in before + after
    fenced = render(Finding("NOVA001", "x", Span(0, 0, 0, 1), "a ``` b", Severity.WARNING), None, "", markdown=True)
    assert "````text\na ``` b\n````" in fenced
    assert render(finding, None, "", markdown=False).endswith(message)
