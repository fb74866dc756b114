"""Protocol abuse over real stdio: what a broken or hostile client can send, and what the
server must do about it.

Every case ends with the same proof that the server survived intact: it still answers (a
diagnostics request, a hover), and its text of each open document is the client's -- a twin
document opened with the client's text gets identical diagnostics (ranges, codes, messages).

Each test runs with the capabilities of VS Code (push diagnostics, UTF-16) and of Neovim
(pull diagnostics, UTF-8).  The client is ``stdio_client``'s raw one: pytest-lsp's cannot
send a body that is not JSON, nor params of the wrong type.
"""

from __future__ import annotations

import time

import pytest

import textmodel
from samples import SAMPLE, SAMPLE_CODES
from stdio_client import (
    PATCHED_SERVER,
    WAIT_S,
    Editor,
    assert_in_sync,
    capabilities_json,
    lsp_range,
)

EDITORS = ["visual-studio-code", "neovim"]
SETTINGS = {"debounce": 0}  # a change starts an analysis at once: the worst case

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
SERVER_NOT_INITIALIZED = -32002
LOG_ERROR = 1

SWALLOWED = "try:\n    x()\nexcept:\n    pass\n"
CLEAN = "x = 1\n"


def codes(diagnostics) -> list:
    return sorted(d["code"] for d in diagnostics)


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def start(root, editor: str, command=None, initialize: bool = True) -> Editor:
    kwargs = {"command": command} if command else {}
    ed = Editor(root, capabilities_json(editor), dict(SETTINGS), **kwargs)
    if initialize:
        ed.initialize()
    return ed


@pytest.fixture(scope="module", params=EDITORS)
def editor(request, tmp_path_factory):
    """One real server per editor, shared by the tests of this module (own documents each)."""
    ed = start(tmp_path_factory.mktemp("abuse"), request.param)
    yield ed
    ed.stop()


@pytest.fixture(params=EDITORS)
def patched(request, tmp_path):
    """A server of its own with the instrumented engine (``# TEST:SLOW=<s>`` in the text)."""
    ed = start(tmp_path, request.param, command=PATCHED_SERVER)
    yield ed
    ed.stop()


@pytest.fixture
def name(request):
    """A folder name unique to the test (documents of different tests never share a URI)."""
    return "".join(ch if ch.isalnum() else "_" for ch in request.node.name)


def alive_and_in_sync(ed: Editor, *uris: str, since: int = 0) -> None:
    """The server answers requests and holds the client's text of every document in ``uris``."""
    for uri in uris:
        diagnostics = assert_in_sync(ed, uri, since=since)
        if diagnostics:
            first = diagnostics[0]
            start_pos = first["range"]["start"]
            hover = ed.hover(uri, start_pos["line"], start_pos["character"])
            assert "error" not in hover, hover
            assert first["code"] in hover["result"]["contents"]["value"]
        else:
            assert "error" not in ed.hover(uri, 0, 0)


def error_responses(ed: Editor, code: int) -> list[dict]:
    return [m for m in ed.conn.received if "error" in m and "method" not in m and m["error"]["code"] == code]


def barrier(ed: Editor) -> None:
    """A request answered after everything sent before it was handled (the server reads
    and handles messages in order, and answers protocol errors while handling them)."""
    response = ed.hover(ed.uri("never/opened.py"), 0, 0)
    assert response.get("result", "missing") is None, response


def stats(ed: Editor) -> dict:
    return ed.conn.result("workspace/executeCommand", {"command": "nova-lsp.test.stats", "arguments": []})


def wait_for_stats(ed: Editor, condition, what: str) -> dict:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        current = stats(ed)
        if condition(current):
            return current
        time.sleep(0.02)  # polling pace only; nothing is asserted about time
    raise AssertionError(f"timed out waiting for {what}")


def end_position(text: str, encoding: str) -> tuple[int, int]:
    return textmodel.position_of(text, len(text), encoding)


# -- (a) a body that is not JSON ------------------------------------------------------------------


def test_malformed_json_bodies_get_parse_errors_and_the_stream_goes_on(editor: Editor, name):
    uri = editor.uri(f"{name}/module.py")
    editor.open(uri, SAMPLE)
    assert codes(editor.diagnostics(uri)) == SAMPLE_CODES
    parse_errors = len(error_responses(editor, PARSE_ERROR))
    invalid = len(error_responses(editor, INVALID_REQUEST))

    editor.conn.send_raw(frame(b'{"jsonrpc": "2.0", "id": 999, "method": '))  # cut short
    editor.conn.send_raw(frame(b"\xff\xfe not UTF-8 \x80"))
    editor.conn.send_raw(frame(b"garbage\r\n\r\nContent-Length: 5\r\n\r\n"))  # looks like a header
    editor.conn.send_raw(frame(b"[1, 2, 3]"))  # JSON, but not a message object
    editor.conn.send_raw(frame(b'"just a string"'))
    editor.conn.send_raw(frame(b'{"id": 998, "method": "textDocument/hover"}'))  # no "jsonrpc"
    # a valid request written in the same chunk as garbage is still read and answered
    line, character = end_position(SAMPLE, editor.encoding)
    ok_id = 997
    editor.conn.send_raw(
        frame(b"{{{")
        + frame(
            (
                '{"jsonrpc": "2.0", "id": %d, "method": "textDocument/hover", "params": '
                '{"textDocument": {"uri": "%s"}, "position": {"line": %d, "character": %d}}}'
                % (ok_id, uri, line, character)
            ).encode()
        )
    )
    assert editor.conn.response(ok_id) == {"jsonrpc": "2.0", "id": ok_id, "result": None}

    new_parse_errors = error_responses(editor, PARSE_ERROR)[parse_errors:]
    assert len(new_parse_errors) == 4  # cut short, not UTF-8, "garbage", "{{{"
    assert all(m["id"] is None for m in new_parse_errors)
    new_invalid = error_responses(editor, INVALID_REQUEST)[invalid:]
    assert [m["id"] for m in new_invalid] == [None, None, 998]
    assert not [m for m in editor.conn.received if m.get("id") == 999]
    assert editor.conn.process.poll() is None
    assert not [m for m in editor.log_messages(LOG_ERROR) if "internal error" in m]

    editor.change(uri, [{"range": lsp_range(0, 0, 0, 0), "text": "# still here \U0001f44d\n"}])
    alive_and_in_sync(editor, uri)
    editor.close(uri)


def hover_body(msg_id: int, uri: str) -> bytes:
    return (
        '{"jsonrpc": "2.0", "id": %d, "method": "textDocument/hover", '
        '"params": {"textDocument": {"uri": "%s"}, "position": {"line": 0, "character": 0}}}' % (msg_id, uri)
    ).encode()


def test_headers_in_other_spellings_and_broken_headers(editor: Editor, name):
    # pygls' reader knew only "Content-Length: <n>\r\n": after one header in another case
    # it never answered again.  Header names are case-insensitive (HTTP-like); a header
    # block without a usable length is answered with ParseError, and the next header resyncs.
    uri = editor.uri(f"{name}/module.py")
    editor.open(uri, SAMPLE)
    parse_errors = len(error_responses(editor, PARSE_ERROR))

    body = hover_body(901, uri)
    editor.conn.send_raw(b"content-length: %d\r\n\r\n" % len(body) + body)
    assert "result" in editor.conn.response(901)
    body = hover_body(902, uri)
    content_type = b"Content-Type: application/vscode-jsonrpc; charset=utf-8\n"
    editor.conn.send_raw(content_type + b"CONTENT-LENGTH:%d\n\n" % len(body) + body)
    assert "result" in editor.conn.response(902)
    body = hover_body(903, uri)
    editor.conn.send_raw(b"Content-Lenght: %d\r\n\r\n" % len(body) + body)  # misspelt: body unknown
    editor.conn.send_raw(b"Content-Length: 99999999999999999999\r\n\r\n" + hover_body(904, uri))  # absurd
    body = hover_body(905, uri)
    editor.conn.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    assert "result" in editor.conn.response(905)

    new_parse_errors = error_responses(editor, PARSE_ERROR)[parse_errors:]
    assert [m["id"] for m in new_parse_errors] == [None, None]
    assert "without Content-Length" in new_parse_errors[0]["error"]["message"]
    assert "too large" in new_parse_errors[1]["error"]["message"]
    assert not [m for m in editor.conn.received if m.get("id") in (903, 904)]  # never whole

    editor.change(uri, [{"range": lsp_range(3, 0, 3, 0), "text": "# \u00e9\r\n"}])
    alive_and_in_sync(editor, uri)
    editor.close(uri)


# -- (b) an unknown method ------------------------------------------------------------------------


def test_unknown_methods(editor: Editor, name):
    uri = editor.uri(f"{name}/module.py")
    editor.open(uri, SAMPLE)

    response = editor.conn.request("nova/noSuchRequest", {"x": 1})
    assert response["error"]["code"] == METHOD_NOT_FOUND
    assert "nova/noSuchRequest" in response["error"]["message"]
    # a request LSP defines but the server does not implement
    response = editor.conn.request(
        "textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}
    )
    assert response["error"]["code"] == METHOD_NOT_FOUND
    # unknown notifications (with or without "$/") are ignored without an answer
    answered = len(editor.conn.received)
    editor.conn.notify("nova/noSuchNotification", {"x": 1})
    editor.conn.notify("$/noSuchNotification", {})
    barrier(editor)
    assert not [m for m in editor.conn.received[answered:] if "error" in m]
    # the client's mistakes are not reported to the user as the server's internal errors
    assert not [m for m in editor.log_messages(LOG_ERROR) if "internal error" in m]

    alive_and_in_sync(editor, uri)
    editor.close(uri)


# -- (c) invalid params ---------------------------------------------------------------------------


def test_invalid_params_are_answered_with_invalid_params(editor: Editor, name):
    uri = editor.uri(f"{name}/module.py")
    editor.open(uri, SAMPLE)
    assert codes(editor.diagnostics(uri)) == SAMPLE_CODES

    bad_requests = [
        ("textDocument/hover", {"textDocument": {"uri": uri}, "position": "line 3"}, "position"),
        ("textDocument/hover", {"textDocument": {"uri": uri}}, "position"),
        ("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": "x", "character": 0}}, "line"),
        ("textDocument/hover", None, "params"),
        (
            "textDocument/codeAction",
            {"textDocument": {"uri": uri}, "range": [0, 0, 1, 0], "context": {"diagnostics": []}},
            "range",
        ),
        ("textDocument/diagnostic", {"textDocument": 42}, "text_document"),
        ("codeAction/resolve", {"kind": "quickfix", "data": {}}, "title"),
    ]
    for method, params, where in bad_requests:
        response = editor.conn.request(method, params)
        assert response["error"]["code"] == INVALID_PARAMS, (method, params, response)
        assert where in response["error"]["message"]

    # a didChange notification with invalid params cannot be answered: it is dropped whole,
    # so the client's text stays as it was (the next valid change applies to that text)
    editor.conn.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": "two"}, "contentChanges": [{"text": "x = 1\n"}]},
    )
    editor.conn.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": 5})
    editor.versions[uri] = 2
    editor.change(uri, [{"range": lsp_range(1, 0, 1, 0), "text": "import os  # \u00e9\u00e9\n"}])
    assert not [m for m in editor.log_messages(LOG_ERROR) if "internal error" in m]
    alive_and_in_sync(editor, uri)
    editor.close(uri)


def test_an_object_with_a_jsonrpc_key_inside_params_is_not_taken_for_a_message(editor: Editor, name):
    # pygls structured every object with a "jsonrpc" key as a message, so such an object
    # nested anywhere in the params (diagnostic data, settings) made the whole request fail
    uri = editor.uri(f"{name}/module.py")
    editor.open(uri, SAMPLE)
    diagnostics = editor.diagnostics(uri)
    foreign = {
        "range": lsp_range(0, 0, 0, 1),
        "message": "from another tool",
        "source": "other",
        "data": {"jsonrpc": "2.0", "method": "x"},
    }
    response = editor.code_action(uri, lsp_range(0, 0, 40, 0), [foreign])
    assert "error" not in response and response["result"] is not None, response
    response = editor.code_action(uri, diagnostics[0]["range"], [dict(diagnostics[0], data={"jsonrpc": "2.0"})])
    assert "error" not in response, response
    alive_and_in_sync(editor, uri)
    editor.close(uri)


def test_an_invalid_answer_to_the_servers_request_fails_it_at_once(tmp_path):
    # the client answers workspace/configuration with a number instead of a list: the server
    # must not wait for an answer that already came (its timeout would say so instead)
    ed = start(tmp_path, "visual-studio-code", initialize=False)
    ed.conn.request_handlers["workspace/configuration"] = lambda params: 5
    try:
        ed.initialize()
        problem = ed.conn.wait_for(
            lambda: [m for m in ed.log_messages() if "could not read the editor settings" in m],
            what="the settings problem",
        )
        assert "invalid response" in problem[0]
        uri = ed.uri("module.py")
        ed.open(uri, SAMPLE)
        assert codes(ed.diagnostics(uri)) == SAMPLE_CODES
        alive_and_in_sync(ed, uri)
    finally:
        ed.stop()


# -- lifecycle: before initialize, initialize twice, after shutdown ---------------------------------


@pytest.mark.parametrize("editor_name", EDITORS)
def test_requests_before_initialize_and_a_second_initialize(tmp_path, editor_name):
    ed = start(tmp_path, editor_name, initialize=False)
    try:
        uri = ed.uri("module.py")
        response = ed.hover(uri, 0, 0)
        assert response["error"]["code"] == SERVER_NOT_INITIALIZED
        ed.open(uri, SAMPLE)  # a notification before initialize is dropped
        ed.initialize()
        response = ed.conn.request("initialize", {"capabilities": {}})
        assert response["error"]["code"] == INVALID_REQUEST
        # the dropped didOpen left nothing behind; opened now, the document is analysed
        if ed.pull:
            assert ed.diagnostics(uri) == []
        ed.open(uri, SAMPLE)
        assert codes(ed.diagnostics(uri)) == SAMPLE_CODES
        alive_and_in_sync(ed, uri)
    finally:
        ed.stop()


# -- (d) a document that was never opened ---------------------------------------------------------


def test_requests_for_a_document_never_opened(editor: Editor, name):
    uri = editor.uri(f"{name}/module.py")
    path = editor.root / name / "unopened.py"
    path.write_text(SAMPLE, encoding="utf-8")  # findings on disk must not be read
    unopened = path.as_uri()

    response = editor.hover(unopened, 2, 0)
    assert "error" not in response and response["result"] is None
    response = editor.code_action(unopened, lsp_range(0, 0, 5, 0))
    assert "error" not in response and not response["result"]
    response = editor.conn.request(
        "codeAction/resolve",
        {"title": "nova-lsp: fix all", "kind": "source.fixAll.nova-lsp", "data": {"uri": unopened, "fixAll": True}},
    )
    assert "error" not in response and "edit" not in response["result"]
    response = editor.conn.request("textDocument/diagnostic", {"textDocument": {"uri": unopened}})
    assert response["result"]["kind"] == "full" and response["result"]["items"] == []
    published = editor.conn.notifications("textDocument/publishDiagnostics")
    assert not [m for m in published if m["params"]["uri"] == unopened]

    editor.open(uri, SAMPLE)
    alive_and_in_sync(editor, uri)
    editor.close(uri)


# -- (e) positions out of range -------------------------------------------------------------------


def test_positions_beyond_the_end(editor: Editor, name):
    uri = editor.uri(f"{name}/module.py")
    editor.open(uri, SAMPLE)
    diagnostics = editor.diagnostics(uri)
    last_line = len(textmodel.split_lines(SAMPLE)) - 1

    for line, character in [(last_line + 1, 0), (10_000, 10_000), (2**31 - 1, 2**31 - 1), (0, 10_000)]:
        response = editor.hover(uri, line, character)
        assert "error" not in response, (line, character, response)
    # not an LSP uinteger at all: invalid params
    for line, character in [(2**31, 0), (0, -1)]:
        response = editor.hover(uri, line, character)
        assert response["error"]["code"] == INVALID_PARAMS, (line, character, response)
    far = lsp_range(10_000, 5, 20_000, 0)
    response = editor.code_action(uri, far)
    assert "error" not in response
    assert not [a for a in response["result"] or [] if a.get("kind") == "quickfix"]
    # a diagnostic echoed back with a range past the end yields no edit past the end
    moved = [dict(d, range=lsp_range(10_000, 0, 10_001, 0)) for d in diagnostics]
    response = editor.code_action(uri, far, moved)
    assert "error" not in response
    # fix edits in a diagnostic's data that no position can hold (JSON's Infinity, as Python
    # and some clients write it): not ours, so the stored finding's fixes are offered instead
    endless = {"start": {"line": float("inf"), "character": 0}, "end": {"line": 0, "character": 0}}
    tampered = dict(
        diagnostics[0],
        data={"version": 1, "fixes": [{"title": "t", "kind": "fix", "edits": [{"range": endless, "newText": "x"}]}]},
    )
    response = editor.code_action(uri, diagnostics[0]["range"], [tampered])
    assert "error" not in response, response
    assert [a["title"] for a in response["result"] if a.get("kind") == "quickfix"]
    assert "Infinity" not in str(response["result"])

    # didChange ranges past the end: clamped, as LSP says for characters past a line's end
    line, _ = end_position(SAMPLE, editor.encoding)
    editor.change(uri, [{"range": lsp_range(line + 5, 3, line + 9, 0), "text": "# appended \U0001f680\n"}])
    editor.change(uri, [{"range": lsp_range(4, 500, 4, 900), "text": "  # after the end of line 5"}])
    editor.change(uri, [{"range": lsp_range(2, 10_000, 3, 10_000), "text": ""}])  # joins lines 3 and 4
    editor.change(uri, [{"range": lsp_range(10_000, 0, 10_000, 0), "text": "ok = True\n"}])
    assert editor.texts[uri].endswith("# appended \U0001f680\nok = True\n")
    alive_and_in_sync(editor, uri)
    editor.close(uri)


# -- (f) didChange for a closed document ----------------------------------------------------------


def test_changes_to_a_closed_document_are_ignored(editor: Editor, name):
    uri = editor.uri(f"{name}/module.py")
    other = editor.uri(f"{name}/other.py")
    editor.open(uri, SAMPLE)
    editor.open(other, SWALLOWED)
    assert codes(editor.diagnostics(uri)) == SAMPLE_CODES
    editor.close(uri)
    closed_at = editor.mark()

    for version, change in enumerate(
        [
            {"range": lsp_range(0, 0, 0, 0), "text": "import os\n"},
            {"text": SWALLOWED},
            {"range": lsp_range(100, 0, 200, 0), "text": "x"},
        ],
        start=10,
    ):
        editor.conn.notify(
            "textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}
        )
    barrier(editor)
    if editor.pull:
        assert editor.diagnostics(uri) == []
    published = [
        m["params"] for m in editor.conn.received[closed_at:] if m.get("method") == "textDocument/publishDiagnostics"
    ]
    assert all(p["diagnostics"] == [] and p.get("version") is None for p in published if p["uri"] == uri)
    assert not [m for m in editor.log_messages(LOG_ERROR) if "internal error" in m]

    # opened again, the document is exactly the text of the new didOpen
    editor.open(uri, CLEAN + SAMPLE, version=1)
    alive_and_in_sync(editor, uri, since=closed_at)
    alive_and_in_sync(editor, other)
    editor.close(uri)
    editor.close(other)


# -- (g) a flood of incremental changes -----------------------------------------------------------


def test_a_flood_of_a_thousand_incremental_changes(editor: Editor, name):
    uri = editor.uri(f"{name}/module.py")
    editor.open(uri, SAMPLE)
    typed = ("# flood \u2713 \U0001f680 caf\u00e9 \u65e5\u672c\n" * 40)[:600]
    # 600 keystrokes typed at the end of the file, one didChange each ...
    for ch in typed:
        line, character = end_position(editor.texts[uri], editor.encoding)
        editor.change(uri, [{"range": lsp_range(line, character, line, character), "text": ch}])
    # ... then 400 backspaces (joining lines), in four didChange notifications of 100 changes
    for _ in range(4):
        text = editor.texts[uri]
        changes = []
        for _ in range(100):
            end = textmodel.position_of(text, len(text), editor.encoding)
            start = textmodel.position_of(text, len(text) - 1, editor.encoding)
            changes.append({"range": lsp_range(*start, *end), "text": ""})
            text = text[:-1]
        editor.change(uri, changes)
        assert editor.texts[uri] == text
    assert editor.texts[uri] == SAMPLE + typed[:200]
    diagnostics = assert_in_sync(editor, uri)
    assert codes(diagnostics) == SAMPLE_CODES
    alive_and_in_sync(editor, uri)
    editor.close(uri)


# -- (h) didClose while an analysis runs ----------------------------------------------------------


def test_close_while_an_analysis_runs(patched: Editor):
    uri = patched.uri("slow/module.py")
    patched.open(uri, SAMPLE + "# TEST:SLOW=2\n")
    wait_for_stats(patched, lambda s: s["active"] >= 1, "the analysis to start")
    patched.close(uri)
    closed_at = patched.mark()
    wait_for_stats(patched, lambda s: s["active"] == 0, "the abandoned analysis to end")
    barrier(patched)
    # the abandoned analysis published nothing after the close (which clears the document)
    published = [
        m["params"]
        for m in patched.conn.received[closed_at:]
        if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
    ]
    assert all(p["diagnostics"] == [] and p.get("version") is None for p in published), published
    if patched.pull:
        assert patched.diagnostics(uri) == []

    # closed and reopened (same version number, other text) while the old text is analysed:
    # the old result must never stand for the new text
    patched.open(uri, SAMPLE + "# TEST:SLOW=2\n")
    wait_for_stats(patched, lambda s: s["active"] >= 1, "the second analysis to start")
    patched.close(uri)
    reopened_at = patched.mark()
    patched.open(uri, SWALLOWED, version=1)
    wait_for_stats(patched, lambda s: s["active"] == 0, "both analyses to end")
    assert codes(assert_in_sync(patched, uri, since=reopened_at)) == ["NOVA006"]
    if not patched.pull:
        mine = [
            m["params"]
            for m in patched.conn.received[reopened_at:]
            if m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == uri
            and m["params"].get("version") is not None
        ]
        assert [codes(p["diagnostics"]) for p in mine] == [["NOVA006"]]
    alive_and_in_sync(patched, uri, since=reopened_at)
    patched.close(uri)


# -- (i) shutdown while an analysis runs ----------------------------------------------------------


def test_shutdown_and_exit_while_an_analysis_runs(patched: Editor):
    uri = patched.uri("slow/module.py")
    other = patched.uri("slow/other.py")
    patched.open(other, SAMPLE)
    alive_and_in_sync(patched, other)
    patched.open(uri, SAMPLE + "# TEST:SLOW=600\n")  # would take ten minutes
    wait_for_stats(patched, lambda s: s["active"] >= 1, "the analysis to start")
    # a request waiting for that analysis when the shutdown arrives is still answered
    waiting = patched.conn.send_request(
        "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 10, "character": 14}}
    )
    assert patched.conn.result("shutdown") is None
    assert patched.conn.response(waiting)  # a result (null) or RequestCancelled
    # after shutdown, requests are answered with InvalidRequest (LSP), not left hanging
    response = patched.hover(other, 0, 0)
    assert response["error"]["code"] == INVALID_REQUEST
    patched.conn.notify("exit")
    assert patched.conn.wait_exit(WAIT_S) == 0  # the ten-minute analysis is not waited for
    patched.conn.kill()


def test_the_client_vanishes_while_an_analysis_runs(patched: Editor):
    # no shutdown, no exit: the input just ends (the editor crashed); the server must go too
    uri = patched.uri("slow/module.py")
    patched.open(uri, SAMPLE + "# TEST:SLOW=600\n")
    wait_for_stats(patched, lambda s: s["active"] >= 1, "the analysis to start")
    patched.conn.send_request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
    patched.conn.process.stdin.close()
    assert patched.conn.wait_exit(WAIT_S) == 1  # no shutdown came first


# -- more: twice opened, versions that do not increase, lone surrogates ---------------------------


def test_open_twice_without_close_takes_the_new_text(editor: Editor, name):
    uri = editor.uri(f"{name}/module.py")
    editor.open(uri, SAMPLE)
    assert codes(editor.diagnostics(uri)) == SAMPLE_CODES
    again = editor.mark()
    editor.open(uri, SWALLOWED, version=1)  # same version number, other text
    assert codes(assert_in_sync(editor, uri, since=again)) == ["NOVA006"]
    alive_and_in_sync(editor, uri, since=again)
    editor.close(uri)


def test_a_change_that_does_not_increase_the_version(editor: Editor, name):
    uri = editor.uri(f"{name}/module.py")
    editor.open(uri, SWALLOWED, version=5)
    assert codes(editor.diagnostics(uri)) == ["NOVA006"]
    again = editor.mark()
    editor.versions[uri] = 4  # the next change says version 5 again
    editor.change(uri, [{"range": lsp_range(2, 6, 2, 6), "text": " KeyError"}])
    assert editor.versions[uri] == 5
    assert codes(assert_in_sync(editor, uri, since=again)) == []
    alive_and_in_sync(editor, uri, since=again)
    editor.close(uri)


def test_lone_surrogates_in_the_text(editor: Editor, name):
    # a UTF-16 editor can hold half an emoji (JSON "\ud83d"); nothing may break on it
    uri = editor.uri(f"{name}/module.py")
    text = "x = 1\n# half \ud83d an emoji FIXME: later\n" + SAMPLE
    editor.open(uri, text)
    diagnostics = assert_in_sync(editor, uri)
    assert "internal-error" not in codes(diagnostics)
    assert "NOVA007" in codes(diagnostics)
    line = textmodel.position_of(text, text.index("FIXME"), editor.encoding)
    editor.change(uri, [{"range": lsp_range(*line, *line), "text": "\ude00 "}])
    alive_and_in_sync(editor, uri)
    editor.close(uri)
