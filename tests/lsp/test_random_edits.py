"""Random incremental edits over real stdio, in every position encoding the server offers.

A Hypothesis property (derandomized: the same examples on every run): open a Nova-style
module with findings on lines full of multi-byte and non-BMP characters (one class, or
top-level functions, a decorator and a nested function: the units of the incremental
analysis), send a random script of ``didChange`` edits -- text typed at line ends (and
past them), emoji in strings, deletions across lines, line endings turned to CRLF and back,
duplicated lines, arbitrary insertions, several changes in one notification -- and check
that the server's diagnostics equal a fresh analysis of the client's text.

The client's text is kept with ``textmodel.apply_change`` (written from the LSP text, not
from the server's code); the expected diagnostics come from ``nova_lsp.engine.analyze`` run
in this process on that text, with ranges converted by ``textmodel`` too.  The server, with
a debounce of 0, analyses many intermediate versions, so its incremental analysis is
exercised on every script.

Servers: VS Code's capabilities (UTF-16, push diagnostics), Neovim's (it offers UTF-8
first; pull diagnostics), and Neovim's offering only UTF-32.
"""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import textmodel
from nova_lsp.core.document import Document
from nova_lsp.engine.analyze import analyze
from samples import SAMPLE, SAMPLE_UNITS
from stdio_client import Editor, capabilities_json, comparable

SETTINGS = {"debounce": 0}
SERVERS = {
    "utf-16": ("visual-studio-code", None),
    "utf-8": ("neovim", None),
    "utf-32": ("neovim", ["utf-32"]),
}
# per encoding; each script has up to 31 edits (more for a bug hunt: NOVA_LSP_RANDOM_EXAMPLES)
EXAMPLES = int(os.environ.get("NOVA_LSP_RANDOM_EXAMPLES", "40"))

HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module", params=list(SERVERS))
def editor(request, tmp_path_factory):
    editor_name, encodings = SERVERS[request.param]
    ed = Editor(tmp_path_factory.mktemp("random"), capabilities_json(editor_name, encodings), dict(SETTINGS))
    ed.initialize()
    assert ed.encoding == request.param
    yield ed
    ed.stop()


# -- the edit script ----------------------------------------------------------------------------

ANY_CHARS = ["a", "Z", "_", "0", " ", "\t", "(", ")", ":", ".", "#", '"', "'", "=", "\n", "\r\n"]
SAFE_CHARS = ["a", "x", " ", "-", "0", "=", "%s"]  # fit in a comment or a string literal
WIDE_CHARS = ["\u00e9", "\u00df", "\u20ac", "\u65e5", "\U0001f680", "\U0001f600", "\U0001d518", "\u2713"]

any_text = st.lists(st.sampled_from(ANY_CHARS + WIDE_CHARS), max_size=6).map("".join)
safe_text = st.lists(st.sampled_from(SAFE_CHARS + WIDE_CHARS), min_size=1, max_size=6).map("".join)
anywhere = st.integers(0, 10**6)

# (kind, ...) resolved against the text at the time: ``changes_for`` turns them into changes.
# Most edits keep the code valid, so there are findings to compare; a script has at most one
# edit that may leave a syntax error behind.
keeping_op = st.one_of(
    st.tuples(st.just("comment_at_line_end"), anywhere, st.integers(0, 3), safe_text),
    st.tuples(st.just("into_string"), anywhere, safe_text),
    st.tuples(st.just("delete_and_restore"), anywhere, st.integers(1, 300)),
    st.tuples(st.just("type_and_erase"), anywhere, any_text.filter(bool)),
    st.tuples(st.just("line_ending"), anywhere, st.sampled_from(["\r\n", "\n"])),
)
breaking_op = st.one_of(
    st.tuples(st.just("insert"), anywhere, any_text),
    st.tuples(st.just("delete"), anywhere, st.integers(1, 60)),
    st.tuples(st.just("duplicate_line"), anywhere),
)
# each edit, and whether it joins the previous one's didChange notification
_steps = st.lists(st.tuples(keeping_op, st.booleans()), min_size=1, max_size=30)
_breaking = st.lists(st.tuples(breaking_op, st.booleans()), max_size=1)
script = st.tuples(_steps, _breaking, anywhere).map(
    lambda parts: parts[0][: parts[2] % (len(parts[0]) + 1)] + parts[1] + parts[0][parts[2] % (len(parts[0]) + 1) :]
)
start_crlf = st.booleans()
start_text = st.sampled_from([SAMPLE, SAMPLE_UNITS])
FLUSH = None  # in a list of changes: send what came before in its own didChange


def boundary(text: str, offset: int) -> int:
    """``offset`` moved off the middle of a ``\\r\\n``."""
    offset = max(0, min(offset, len(text)))
    if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n":
        offset -= 1
    return offset


def rng(text: str, start: int, end: int, encoding: str, lines) -> dict:
    s = textmodel.position_of(text, start, encoding, lines)
    e = textmodel.position_of(text, end, encoding, lines)
    return {"start": {"line": s[0], "character": s[1]}, "end": {"line": e[0], "character": e[1]}}


def changes_for(text: str, edit: tuple, encoding: str) -> list[dict]:
    """The LSP content changes doing ``edit`` to ``text`` (several apply in sequence)."""
    kind = edit[0]
    lines = textmodel.split_lines(text)
    if kind == "comment_at_line_end":
        _, n, past_end, payload = edit
        number = n % len(lines)
        start, end = lines[number]
        character = sum(textmodel.units(ch, encoding) for ch in text[start:end]) + past_end
        position = {"line": number, "character": character}  # past the end: clamped (LSP)
        return [{"range": {"start": position, "end": position}, "text": f"  # {payload}"}]
    if kind == "into_string":
        _, n, payload = edit
        # just after the opening quote of a one-line "..." literal (never a triple quote)
        openings = []
        for start, end in lines:
            quotes = [i for i in range(start, end) if text[i] == '"']
            if '""' not in text[start:end]:
                openings.extend(quotes[0::2][: len(quotes) // 2])
        if not openings:
            return []
        offset = openings[n % len(openings)] + 1
        return [{"range": rng(text, offset, offset, encoding, lines), "text": payload}]
    if kind == "delete_and_restore":
        _, n, length = edit
        start = boundary(text, n % (len(text) + 1))
        end = boundary(text, start + length)
        removed = text[start:end]
        after = text[:start] + text[end:]
        return [
            {"range": rng(text, start, end, encoding, lines), "text": ""},
            {"range": rng(after, start, start, encoding, textmodel.split_lines(after)), "text": removed},
        ]
    if kind == "type_and_erase":  # typed, analysed broken, erased in the next notification
        _, n, payload = edit
        offset = boundary(text, n % (len(text) + 1))
        typed = text[:offset] + payload + text[offset:]
        return [
            {"range": rng(text, offset, offset, encoding, lines), "text": payload},
            FLUSH,
            {"range": rng(typed, offset, offset + len(payload), encoding, textmodel.split_lines(typed)), "text": ""},
        ]
    if kind == "line_ending":
        _, n, newline = edit
        if len(lines) < 2:
            return []
        number = n % (len(lines) - 1)
        start = lines[number][1]
        end = lines[number + 1][0]
        return [{"range": rng(text, start, end, encoding, lines), "text": newline}]
    if kind == "duplicate_line":
        number = edit[1] % len(lines)
        start, end = lines[number]
        newline = "\r\n" if "\r\n" in text else "\n"
        return [{"range": rng(text, start, start, encoding, lines), "text": text[start:end] + newline}]
    if kind == "insert":
        _, n, payload = edit
        offset = boundary(text, n % (len(text) + 1))
        return [{"range": rng(text, offset, offset, encoding, lines), "text": payload}]
    if kind == "delete":
        _, n, length = edit
        start = boundary(text, n % (len(text) + 1))
        end = boundary(text, start + length)
        return [{"range": rng(text, start, end, encoding, lines), "text": ""}]
    raise AssertionError(kind)


# -- what the diagnostics must be -----------------------------------------------------------------


def expected_diagnostics(text: str, path: str, encoding: str) -> list[tuple]:
    """A fresh whole-text analysis of ``text``, as (range, code, message) in ``encoding``."""
    lines = textmodel.split_lines(text)

    def position(line: int, col: int) -> tuple[int, int]:
        start, end = lines[line] if line < len(lines) else (len(text), len(text))
        return line, sum(textmodel.units(ch, encoding) for ch in text[start : min(start + col, end)])

    analysis = analyze(Document(text, path))
    return sorted(
        (
            position(f.span.start_line, f.span.start_col) + position(f.span.end_line, f.span.end_col),
            f.rule,
            f.message,
        )
        for f in analysis.findings
    )


def server_diagnostics(ed: Editor, uri: str) -> list[tuple]:
    return [(r, code, message) for r, code, message, _severity in comparable(ed.diagnostics(uri))]


# -- the property -------------------------------------------------------------------------------

_documents = itertools.count(1)


def run_script(ed: Editor, crlf: bool, edits: list, start: str = SAMPLE) -> list[tuple]:
    uri = ed.uri(f"doc{next(_documents)}/module.py")
    path = str(ed.root / uri.rsplit("/", 2)[-2] / "module.py")
    text = start.replace("\n", "\r\n") if crlf else start
    ed.open(uri, text)
    pending: list[dict] = []
    try:
        for edit, joins_previous in edits:
            if pending and not joins_previous:
                ed.change(uri, pending)
                pending = []
            # the next change applies to the text after the pending ones
            current = ed.texts[uri]
            for change in pending:
                current = textmodel.apply_change(current, change, ed.encoding)
            for change in changes_for(current, edit, ed.encoding):
                if change is FLUSH:
                    ed.change(uri, pending)
                    pending = []
                    continue
                pending.append(change)
                current = textmodel.apply_change(current, change, ed.encoding)
        if pending:
            ed.change(uri, pending)
        expected = expected_diagnostics(ed.texts[uri], path, ed.encoding)
        got = server_diagnostics(ed, uri)
        if any(code == "NOVA900" for _, code, _ in expected):
            # a text that does not parse keeps the untouched functions' findings (from the last
            # version that parsed) beside what a whole analysis says
            assert set(expected) <= set(got), (expected, got)
        else:
            assert got == expected
        return expected
    finally:
        ed.close(uri)


def test_random_incremental_edits_keep_the_server_in_step(editor: Editor):
    outcomes: list[list[tuple]] = []

    @HYPOTHESIS
    @given(start=start_text, crlf=start_crlf, edits=script)
    def property_(start, crlf, edits):
        outcomes.append(run_script(editor, crlf, edits, start))

    property_()
    # the scripts left real findings to compare, not only syntax errors
    rich = [o for o in outcomes if len({code for _, code, _ in o} - {"NOVA900"}) >= 3]
    assert len(rich) >= len(outcomes) // 3, [[code for _, code, _ in o] for o in outcomes]


# -- hand-picked scripts, each a known hard case ------------------------------------------------

HARD_CASES = {
    "emoji typed at the end of a flagged line": (
        False,
        [(("comment_at_line_end", 16, 0, "\U0001f680\U0001f680"), False)],
    ),
    "past the end of a line with non-BMP characters": (True, [(("comment_at_line_end", 23, 3, "\u00e9"), False)]),
    "emoji inside the logged string": (False, [(("into_string", 3, "\U0001f600 %s"), False)] * 3),
    "a deletion across lines, restored in the same notification": (
        True,
        [(("delete_and_restore", 400, 250), False)],
    ),
    "LF to CRLF and back on a flagged line": (
        False,
        [(("line_ending", 16, "\r\n"), False), (("line_ending", 16, "\n"), True), (("line_ending", 19, "\r\n"), False)],
    ),
    "a syntax error typed and deleted": (False, [(("insert", 500, "(("), False), (("delete", 500, 2), False)]),
    "an edit inside a decorated top-level function": (
        True,
        [(("into_string", 1, "\u00e9\U0001f680"), False), (("comment_at_line_end", 27, 1, "\U0001f600"), True)],
        SAMPLE_UNITS,
    ),
    "an edit inside a nested function, then across two units": (
        False,
        [(("into_string", 6, "x\u65e5"), False), (("delete_and_restore", 1500, 200), False)],
        SAMPLE_UNITS,
    ),
}


@pytest.mark.parametrize("case", list(HARD_CASES))
def test_hard_cases(editor: Editor, case):
    crlf, edits, *start = HARD_CASES[case]
    findings = run_script(editor, crlf, edits, *start)
    assert len(findings) >= 5
