"""The secret rules read other functions' bodies (a caller passing ``password=`` into a
``**kwargs`` bag, an attribute aliasing a request helper, a logging helper's body) and declare
those as facts: incremental analysis must stay equal to a whole-text analysis over edits of
callers, callees and helpers."""

from __future__ import annotations

import ast
import random
import re

import pytest

from nova_lsp.config import Config
from nova_lsp.core.document import Document
from nova_lsp.engine.analyze import analyze
from nova_lsp.engine.incremental import IncrementalAnalyzer

PATH = "cinder/volume/drivers/example/rest_client.py"

MODULE = '''\
"""A storage array REST client."""

from oslo_log import log as logging

from cinder import exception

LOG = logging.getLogger(__name__)


class ArrayError(exception.VolumeDriverException):

    def __init__(self, message=None, **kwargs):
        LOG.error("array error %s", kwargs)
        super().__init__(message)


class Api(object):

    def request(self, api, method, **params):
        LOG.debug("calling %s.%s with %s", api, method, params)
        return self.session.post(self.url, json=params)

    def _log(self, msg, *args):
        LOG.debug(msg, *args)


class Client(object):

    def __init__(self, api):
        self.api = api
        self.execute = api.request

    def login(self):
        body = {'username': self.user, 'password': self.password}
        return self.send('auth/login', body)

    def send(self, path, data):
        LOG.debug("POST %s %s", path, data)
        if data is None:
            raise ArrayError("empty", path=path)
        return self.execute('Auth', 'login', **data)

    def create_target(self, name, chap_secret):
        return self.execute('Target', 'create', name=name, secret=chap_secret)

    def delete_target(self, name):
        return self.execute('Target', 'delete', name=name)

    def report(self, password):
        self.api._log("password is %s", password)
'''

SNIPPETS = [
    "password = self.password",
    "return self.execute('Target', 'create', password=password)",
    "return self.send('x', {'token': self.token})",
    "self.execute = api.request",
    "self.execute = api.other",
    "LOG.debug('%s', data)",
    "raise ArrayError('failed', password=self.password)",
    "kwargs = {'name': name}",
    "pass",
    "return self.execute('Target', 'delete', name=name, log_filter=True)",
    "body = {'username': self.user}",
]
WORDS = ["password", "name", "data", "secret", "params", "kwargs", "request", "execute", "_log"]
IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def _edit(text: str, rng: random.Random) -> str:
    """One edit that keeps the text parseable (the walk is about facts, not broken code)."""
    for _ in range(20):
        edited = _one_edit(text, rng)
        try:
            ast.parse(edited)
        except SyntaxError:
            continue
        return edited
    return text


def _one_edit(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    at = rng.randrange(len(lines))
    line = lines[at]
    indent = line[: len(line) - len(line.lstrip())]
    op = rng.choice(["insert", "delete", "word", "duplicate"])
    if op == "insert":
        lines.insert(at, indent + rng.choice(SNIPPETS))
    elif op == "delete" and len(lines) > 1:
        del lines[at]
    elif op == "duplicate":
        lines.insert(at, line)
    else:
        found = list(IDENT.finditer(line))
        if found:
            word = rng.choice(found)
            lines[at] = line[: word.start()] + rng.choice(WORDS) + line[word.end() :]
    return "\n".join(lines)


@pytest.mark.parametrize("seed", range(6))
def test_incremental_equals_whole_over_edits_of_callers_and_helpers(seed):
    rng = random.Random(seed)
    selection = Config().overlay({"select": ["NOVA001", "NOVA002"]}, "test").selection()
    analyzer = IncrementalAnalyzer()
    text = MODULE
    modes: dict[str, int] = {}
    for step in range(60):
        if step:
            text = _edit(text, rng)
        got = analyzer.analyze(Document(text, PATH), selection)
        want = analyze(Document(text, PATH), selection)
        assert got == want, (seed, step, analyzer.last_mode, text)
        modes[analyzer.last_mode] = modes.get(analyzer.last_mode, 0) + 1
    assert modes.get("incremental", 0) > 0, modes


def test_the_module_has_the_findings_the_facts_protect():
    selection = Config().overlay({"select": ["NOVA001", "NOVA002"]}, "test").selection()
    found = analyze(Document(MODULE, PATH), selection).findings
    lines = MODULE.split("\n")
    assert sorted((f.rule, lines[f.span.start_line].strip()) for f in found) == [
        ("NOVA001", 'LOG.debug("POST %s %s", path, data)'),
        ("NOVA001", 'LOG.debug("calling %s.%s with %s", api, method, params)'),
        ("NOVA001", 'self.api._log("password is %s", password)'),
    ]
