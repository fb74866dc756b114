"""The incremental analyser returns exactly what a whole-text analysis returns.

Every test walks a document through edits — the kinds an editor sends: lines typed, deleted,
duplicated, words replaced, half-typed code, imports and logger assignments added inside
functions, suppressions, CRLF, emoji — and compares, after every edit, ``IncrementalAnalyzer``
with ``analyze`` on the same text: findings (positions, messages, fixes, related locations),
errors and the suppressed count.  The walks also prove that the incremental path is really
taken, since a test that always fell back to a whole-text analysis would pass trivially.
"""

from __future__ import annotations

import importlib.util
import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nova_lsp.config import Config
from nova_lsp.core.document import Document
from nova_lsp.engine.analyze import analyze
from nova_lsp.engine.incremental import IncrementalAnalyzer
from nova_lsp.engine.lexer import Lexed, lex

REPO = Path(__file__).resolve().parents[2]
PATH = "nova/compute/resource_claims.py"

MODULE = '''\
# Copyright 2026 Example Cloud Corp.
"""Resource claims for the compute host."""

import random
import time

from oslo_log import log as logging
import retrying

from nova import exception
from nova.i18n import _


LOG = logging.getLogger(__name__)
PLACEMENT_URL = 'http://placement.example.org/placement'


def _is_transient(exc):
    return isinstance(exc, (exception.ConnectionRefused, exception.ServiceUnavailable))


def build_auth_header(username, password):
    LOG.debug("Building auth header for %s with %s", username, password)
    return {'X-Auth': '%s:%s' % (username, password)}


class ClaimClient(object):
    """Talks to Placement on behalf of the resource tracker."""

    retries = 3

    def __init__(self, client):
        self._client = client
        self.log = logging.getLogger('claims')

    def put_claim(self, context, consumer_uuid, allocations):
        """Write the caller's allocations."""
        resp = self._client.put('/allocations/%s' % consumer_uuid, json=allocations)
        return resp

    @retrying.retry(retry_on_exception=_is_transient, stop_max_attempt_number=5)
    def refresh(self, context, rp_uuid):
        return self._client.get('/resource_providers/%s' % rp_uuid)

    def wait_for_provider(self, context, rp_uuid):
        while True:
            try:
                return self._client.get('/resource_providers/%s' % rp_uuid)
            except exception.ServiceUnavailable:
                self.log.info("Retrying provider %s", rp_uuid)

    def delete_claim(self, context, consumer_uuid):
        # FIXME(compute): the 404 case is not handled
        self._client.delete('/allocations/%s' % consumer_uuid)

    def rotate_token(self, context, token):
        self.log.debug("New token %s", token)  # nova-lsp: ignore[NOVA001]
        try:
            self._client.post('/tokens', json={'token': token})
        except Exception:
            pass

    class Cache(object):

        def lookup(self, key, secret):
            LOG.info("Looking up %s with secret %s", key, secret)
            return None


def report_usage(usage_url, body):
    import requests
    return requests.post(usage_url, json=body)


def set_usage(client, rp_uuid, usage):
    resp = client.put('/usages/%s' % rp_uuid, json=usage)
    return resp.status_code == 204


def check_allocations(allocations):
    if not isinstance(allocations, dict):
        raise ValueError(allocations)


def retry_on(exceptions, interval=1):
    def _decorator(func):
        def _wrapper(*args, **kwargs):
            for attempt in range(3):
                try:
                    return func(*args, **kwargs)
                except exceptions:
                    time.sleep(interval)
        return _wrapper
    return _decorator


@retry_on(exception.ServiceUnavailable, interval=0)
def push_usage(client, rp_uuid, usage):
    set_usage(client, rp_uuid, usage)
'''

SNIPPETS = [
    "password = context.auth_token",
    'LOG.debug("Auth with %s", password)',
    'self.log.warning("token %s", token)',
    'LOG.info("Claim for %s", consumer_uuid)',
    "import time",
    "from oslo_utils import strutils",
    "self.log = logging.getLogger(__name__)",
    "self.helper = object()",
    "global PLACEMENT_URL",
    "# FIXME: remove this",
    "# TODO(someone): later",
    "x = 1  # nova-lsp: ignore[NOVA001]",
    "time.sleep(1)",
    "pass",
    "raise exception.InvalidInput(reason=password)",
    "resp = self._client.put('/allocations/%s' % consumer_uuid, json=allocations)",
    "self._client.delete('/allocations/x')",
    "url = 'http://insecure.example.org/x'",
    "if password:",
    "else:",
    ")",
    "return isinstance(exc, ValueError)",
    '"""A docstring."""',
    "s = '''open",
    "value = '😀 emoji' + name  # ünïcode",
]
WORDS = ["password", "token", "secret", "allocations", "data", "LOG", "self.log", "uuid", "_"]
IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9.]*")


def edit(text: str, op: str, where: int, pick: int) -> str:
    """One editor-like change of ``text``: ``where`` picks the line, ``pick`` the content."""
    lines = text.split("\n")
    at = where % len(lines)
    line = lines[at]
    indent = line[: len(line) - len(line.lstrip())]
    if op == "insert":
        lines.insert(at, indent + SNIPPETS[pick % len(SNIPPETS)])
    elif op == "delete" and len(lines) > 1:
        del lines[at]
    elif op == "duplicate":
        lines.insert(at, line)
    elif op == "word":
        words = list(IDENT.finditer(line))
        if words:
            word = words[pick % len(words)]
            lines[at] = line[: word.start()] + WORDS[pick % len(WORDS)] + line[word.end() :]
    elif op == "truncate" and line.strip():
        lines[at] = line[: len(indent) + (pick % max(1, len(line) - len(indent)))]
    elif op == "crlf":
        lines[at] = line + "\r"
    elif op == "emoji":
        lines[at] = line + "  # 😀 " + WORDS[pick % len(WORDS)]
    elif op == "indent":
        lines[at] = "    " + line
    return "\n".join(lines)


OPS = ["insert", "delete", "duplicate", "word", "truncate", "crlf", "emoji", "indent"]


def walk(start: str, steps, config: Config | None = None, path: str = PATH) -> dict[str, int]:
    """Apply ``steps`` in turn; after each, incremental == whole.  Returns the modes seen.

    A step that leaves the text unparseable is analysed, then undone, the way a user goes
    on typing until the code is whole again.
    """
    analyzer = IncrementalAnalyzer()
    modes: dict[str, int] = {}
    text = start
    last_whole = None
    for number, (op, where, pick) in enumerate([("none", 0, 0), *steps]):
        previous = text
        if op != "none":
            text = edit(text, op, where, pick)
        document = Document(text, path)
        got = analyzer.analyze(document, config.selection() if config else None)
        want = analyze(Document(text, path), config.selection() if config else None)
        if any(f.rule == "NOVA900" for f in want.findings) and analyzer.last_mode == "broken":
            # while the text does not parse, the findings of the untouched functions stay
            # beside the syntax error: everything a whole analysis says, and only findings
            # the last version that parsed had (without their fixes)
            assert set(want.findings) <= set(got.findings), (number, text)
            known = {(f.rule, f.message) for f in last_whole.findings}
            extra = [f for f in got.findings if f not in want.findings]
            assert all((f.rule, f.message) in known for f in extra), (number, extra)
            assert all(not f.fixes for f in extra)
        else:
            assert got == want, (number, op, analyzer.last_mode, text)
            # and what its functions tell the rest of the project (not part of equality)
            assert got.summaries == want.summaries, (number, op, analyzer.last_mode, text)
            last_whole = want
        # the comment scan the incremental run spliced together is the scan of the text
        cached, fresh = lex(text), Lexed(text)
        assert (cached.comments, cached.open_lines) == (fresh.comments, fresh.open_lines), number
        modes[analyzer.last_mode] = modes.get(analyzer.last_mode, 0) + 1
        if any(f.rule == "NOVA900" for f in want.findings):
            text = previous
    return modes


def random_steps(seed: int, count: int, lines: int):
    rng = random.Random(seed)
    return [(rng.choice(OPS), rng.randrange(lines), rng.randrange(1000)) for _ in range(count)]


def test_random_walk_over_a_module_with_every_rule():
    modes = walk(MODULE, random_steps(7, 160, MODULE.count("\n")))
    # a third of the lines of MODULE lie outside functions (imports, class bodies, blank
    # lines between defs): an edit there, or one that breaks the syntax, is a whole analysis
    assert modes.get("incremental", 0) >= 30, modes
    assert modes.get("full", 0) >= 10, modes  # and the fallbacks are exercised too


def test_random_walk_with_every_rule_enabled_and_options_changed():
    config = Config(select=("ALL",))
    modes = walk(MODULE, random_steps(11, 80, MODULE.count("\n")), config)
    assert modes.get("incremental", 0) >= 20, modes


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 200), st.integers(0, 999)), min_size=1, max_size=12))
def test_any_edit_sequence(steps):
    walk(MODULE, steps)


@pytest.fixture(scope="module")
def corpus_module():
    path = REPO / "benchmarks" / "corpus.py"
    if not path.exists():
        pytest.skip("benchmarks/corpus.py is missing")
    spec = importlib.util.spec_from_file_location("nova_lsp_corpus_for_incremental", path)
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    rng = random.Random(5)
    gen = corpus.Gen(rng)
    planner = corpus.DefectPlanner(gen)
    ctx = corpus.Ctx("compute", "nova/compute/generated.py")
    text, _ = corpus.finalize(corpus.build_file(gen, ctx, planner, 400))
    return text


def test_random_walk_over_a_generated_nova_module(corpus_module):
    modes = walk(corpus_module, random_steps(3, 60, corpus_module.count("\n")), path="nova/compute/generated.py")
    assert modes.get("incremental", 0) >= 20, modes


# -- the mechanism, case by case -----------------------------------------------------------------


def lines_of(text: str) -> list[str]:
    return text.split("\n")


def replace_line(text: str, needle: str, new: str) -> str:
    lines = lines_of(text)
    at = next(i for i, line in enumerate(lines) if needle in line)
    lines[at] = new
    return "\n".join(lines)


def insert_after(text: str, needle: str, new: str) -> str:
    lines = lines_of(text)
    at = next(i for i, line in enumerate(lines) if needle in line)
    lines.insert(at + 1, new)
    return "\n".join(lines)


def run(analyzer: IncrementalAnalyzer, text: str, config=None):
    got = analyzer.analyze(Document(text, PATH), config.selection() if config else None)
    assert got == analyze(Document(text, PATH), config.selection() if config else None)
    return got


def test_an_edit_inside_one_method_rechecks_only_the_functions_that_must_be_seen_whole():
    analyzer = IncrementalAnalyzer()
    run(analyzer, MODULE)
    assert analyzer.last_mode == "full"
    text = insert_after(MODULE, "def delete_claim", '        LOG.debug("Deleting with %s", token)')
    found = run(analyzer, text)
    assert analyzer.last_mode == "incremental"
    # the edited method, __init__ (it assigns self.log: other methods depend on it),
    # _is_transient and check_allocations (isinstance in module-level functions: a retry
    # predicate's), report_usage (a local import) and set_usage (a status helper NOVA005's
    # same-module callers depend on)
    assert analyzer.last_reanalysed == 6
    assert any(f.rule == "NOVA001" and "token" in f.message for f in found.findings)
    run(analyzer, text)
    assert analyzer.last_mode == "unchanged"


def test_the_findings_below_an_inserted_line_move_with_it():
    analyzer = IncrementalAnalyzer()
    before = run(analyzer, MODULE)
    text = insert_after(MODULE, "def put_claim", "        # a comment\n        # and another")
    after = run(analyzer, text)
    assert analyzer.last_mode == "incremental"
    below = MODULE[: MODULE.index("def put_claim")].count("\n")
    moved = [f.span.start_line for f in after.findings if f.span.start_line > below]
    original = [f.span.start_line for f in before.findings if f.span.start_line > below]
    assert len(moved) == len(original) >= 5
    assert moved == [line + 2 for line in original]


def test_a_changed_logger_attribute_in_init_is_seen_by_every_method():
    analyzer = IncrementalAnalyzer()
    before = run(analyzer, MODULE)
    assert not any("`token`" in f.message and f.rule == "NOVA001" for f in before.findings if f.span.start_line < 40)
    # self.log stops being a logger: the other methods' findings through self.log go away
    text = replace_line(MODULE, "self.log = logging.getLogger('claims')", "        self.log = None")
    run(analyzer, text)
    assert analyzer.last_mode == "full"
    assert "other functions depend on" in analyzer.last_reason or analyzer.last_reason


def test_an_import_added_inside_a_function_falls_back_to_a_whole_analysis():
    analyzer = IncrementalAnalyzer()
    run(analyzer, MODULE)
    run(analyzer, insert_after(MODULE, "def delete_claim", "        import requests"))
    assert analyzer.last_mode == "full"
    assert "depend on" in analyzer.last_reason


def test_edits_outside_functions_and_broken_code_fall_back():
    analyzer = IncrementalAnalyzer()
    run(analyzer, MODULE)
    run(analyzer, insert_after(MODULE, "retries = 3", "    timeout = 30"))
    assert analyzer.last_mode == "full"
    assert "not inside one function" in analyzer.last_reason
    broken = insert_after(MODULE, "def delete_claim", "        if (")
    found = analyzer.analyze(Document(broken, PATH))
    assert analyzer.last_mode == "broken"
    assert any(f.rule == "NOVA900" for f in found.findings)
    # the findings of the functions the edit did not touch stay beside the syntax error
    whole_text = analyze(Document(broken, PATH))
    assert set(whole_text.findings) < set(found.findings)
    # no base after a syntax error: the next valid text is analysed whole, then incrementally
    run(analyzer, MODULE)
    assert analyzer.last_mode == "full"
    run(analyzer, insert_after(MODULE, "def delete_claim", "        pass"))
    assert analyzer.last_mode == "incremental"


def test_another_configuration_or_path_is_a_whole_analysis():
    analyzer = IncrementalAnalyzer()
    run(analyzer, MODULE)
    text = insert_after(MODULE, "def delete_claim", "        pass")
    run(analyzer, text, Config(ignore=("NOVA007",)))
    assert analyzer.last_mode == "full"
    assert analyzer.last_reason == "the configuration changed"
    analyzer.analyze(Document(text, "other.py"), Config(ignore=("NOVA007",)).selection())
    assert analyzer.last_mode == "full"
