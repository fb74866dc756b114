"""Inputs for the engine fuzz tests: seed texts and hypothesis strategies that break them.

Seeds are every ``bad`` and ``good`` example of every rule file and modules from the benchmark
corpus generator (benchmarks/corpus.py, when present).  Strategies: arbitrary unicode text,
"token soup" made of the fragments the checks look for, and seeds mutated by a few edits.
Textual edits (cut at an offset, delete / duplicate / insert characters, delete / duplicate /
swap / move / re-indent lines, change newline conventions, take a window of lines) mostly give
syntax errors; structure-aware ones (replace an expression by another, insert a statement,
wrap one in a new block, rename an identifier) mostly keep the code parsing, so the checks
and fixers, which only run on parsing code, meet shapes no example has.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import random
import re
import textwrap
from functools import lru_cache
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from fuzzprops import CONFIG_NAMES
from nova_lsp.engine.registry import load_registry

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "benchmarks" / "corpus.py"

# -- settings ---------------------------------------------------------------------------------

# Deterministic in CI: the same examples on every run, no example database, no deadline (the
# first analysis of a process imports the checks).  NOVA_LSP_FUZZ_SCALE multiplies the
# number of examples for a longer local run (benchmarks/fuzz_engine.py is the real fuzzer).
settings.register_profile(
    "nova-lsp-fuzz-ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
SCALE = max(float(os.environ.get("NOVA_LSP_FUZZ_SCALE", "1") or 1), 0.01)


def ci_settings(max_examples: int) -> settings:
    return settings(settings.get_profile("nova-lsp-fuzz-ci"), max_examples=max(1, int(max_examples * SCALE)))


# -- seeds ------------------------------------------------------------------------------------


def rule_examples() -> tuple[tuple[str, str], ...]:
    """(id, text) of every bad and good example of every rule file."""
    out = []
    for rule in load_registry().rules:
        for index, example in enumerate(rule.examples):
            out.append((f"{rule.id}-{index}-bad", example.bad))
            if example.good.strip():
                out.append((f"{rule.id}-{index}-good", example.good))
    return tuple(out)


CORPUS_KINDS = (
    "compute", "scheduler", "conductor", "report", "virt", "libvirt", "libvirt_volume", "api",
    "network", "objects", "db", "filter", "weigher", "util", "privsep", "conf",
)  # fmt: skip


def _load_corpus():
    if not CORPUS.is_file():
        return None
    spec = importlib.util.spec_from_file_location("nova_lsp_bench_corpus", CORPUS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=None)
def corpus_modules(count: int = 16, lines: int = 160, seed: int = 11) -> tuple[tuple[str, str], ...]:
    """(id, text) of ``count`` generated Nova-like modules (empty without benchmarks/corpus.py)."""
    corpus = _load_corpus()
    if corpus is None:
        return ()
    out = []
    for index in range(count):
        kind = CORPUS_KINDS[index % len(CORPUS_KINDS)]
        for attempt in range(20):
            rng = random.Random(seed * 1000 + index * 37 + attempt)
            try:
                g = corpus.Gen(rng)
                ctx = corpus.Ctx(kind, f"nova/{kind}/fuzz_{index:03d}.py")
                text, _ = corpus.finalize(corpus.build_file(g, ctx, corpus.DefectPlanner(g), lines))
                compile(text, ctx.module, "exec")
            except Exception:  # noqa: BLE001 - a kind that needs more setup: try another draw
                continue
            out.append((f"corpus-{kind}-{index}", text))
            break
    return tuple(out)


# -- text strategies --------------------------------------------------------------------------

# Characters that stress positions and the lexer: brackets, quotes, escapes, every newline
# Python knows and some it does not (form feed, vertical tab, U+2028), NUL, BOM, combining
# marks, wide and astral characters (UTF-16 surrogate pairs, 4-byte UTF-8).
ODD_CHARS = (
    "()[]{}:;,.=+-*/%@&|^~<>!'\"#\\ \t\n\r\x0c\x0b\x00\ufeff\u2028\u0085"
    "\u00e9\u00df\u0130\u0301\u200b\u3000\uff08\u4e2d\U0001d518\U0001f600"
)

# Fragments the checks and fixers react to (each rule's tokens, loggers, secrets, retry
# shapes, Placement calls, suppressions, string prefixes), plus structure.
TOKENS = (
    "LOG", "LOG.debug(", "LOG.info(", "LOG.warning(", "LOG.exception(", "logging", "logger",
    "print(", "raise ", "raise", "except", "except Exception:", "except:", " as e", "pass",
    "retry", "Retrying", "@retrying.retry(", "@tenacity.retry(", "while True:", "for i in range(3):",
    "try:", "finally:", "time.sleep(1)", "break", "continue", "put_allocations(", "alloc",
    "allocations", "payload", ".put(", ".post(", ".delete(", "_allocations(", "claim_resources(",
    "self.reportclient", "http://", "http://example.com/x", "https://", "help=",
    "# FIXME", "# TODO", "XXX", "HACK", "# nova-lsp: ignore", "# nova-lsp: ignore[NOVA001]",
    "# nova-lsp: ignore[", "# nova-lsp: ignore[NOVA005,", "  # NOVA-LSP: IGNORE[nova007]", "#nova-lsp:ignore",
    "# nova-lsp: ignore[log-sensitive-data]", "# nova-lsp: ignored", "# nova-lsp: ignore-next-line",
    "# noqa  # nova-lsp: ignore[NOVA006, NOVA9]", "# nova-lsp: ignore[]", "nova-lsp: ignore[NOVA003]",
    "  # type: int", "password", "admin_pass", "connection_info",
    "auth_token", "secret", "new_pass", "%s", "%(x)s", "{}", ".format(", " % ", "f'", 'f"', "'",
    '"', "'''", '"""', "b'", "r'", "rb'", "\\", "\\\n", "lambda", "lambda: ", "def f(", "def g(self, context, x):",
    "class C:", "async def", "await ", "yield", "return", "self.", "context", "instance", "x",
    "mask_password", "strutils.mask_password(", "from oslo_utils import strutils",
    "import time", "import retrying", "from nova import utils", "global", "del ", ":=", "*",
    "**", "=", "==", ",", ".", ":", "(", ")", "[", "]", "{", "}", "if ", "else:", "elif ",
    "with ", " as ", "not ", "None", "0", "1", "3.5", "\n", "\n", "\n", "\n    ", "\n        ",
    "\r\n", "\r", "\t", "    ", " ", ";", "\u00e9", "\U0001d518", "\uff08", "\x0c",
)  # fmt: skip

text_any = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
text_odd = st.text(st.sampled_from(ODD_CHARS), max_size=80)
token_soup = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)
fragment = st.one_of(st.sampled_from(TOKENS), text_odd, st.text(max_size=8))

# -- textual mutations: op(draw, text, pools) -> text -------------------------------------------


def _offset(draw, text: str) -> int:
    return draw(st.integers(0, len(text)))


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _line_index(draw, lines: list[str]) -> int:
    return draw(st.integers(0, max(len(lines) - 1, 0)))


def _cut(draw, text, pools):
    return text[: _offset(draw, text)]


def _cut_head(draw, text, pools):
    return text[_offset(draw, text) :]


def _delete(draw, text, pools):
    start = _offset(draw, text)
    return text[:start] + text[start + draw(st.integers(1, 12)) :]


def _duplicate(draw, text, pools):
    start = _offset(draw, text)
    end = min(len(text), start + draw(st.integers(1, 40)))
    return text[:end] + text[start:end] + text[end:]


def _insert(draw, text, pools):
    at = _offset(draw, text)
    return text[:at] + draw(fragment) + text[at:]


def _replace_char(draw, text, pools):
    if not text:
        return draw(fragment)
    at = draw(st.integers(0, len(text) - 1))
    return text[:at] + draw(st.sampled_from(ODD_CHARS)) + text[at + 1 :]


def _delete_line(draw, text, pools):
    lines = _lines(text)
    if not lines:
        return text
    del lines[_line_index(draw, lines)]
    return "".join(lines)


def _duplicate_line(draw, text, pools):
    lines = _lines(text)
    if not lines:
        return text
    index = _line_index(draw, lines)
    line = lines[index] if lines[index].endswith(("\n", "\r")) else lines[index] + "\n"
    lines.insert(index, line)
    return "".join(lines)


def _swap_lines(draw, text, pools):
    lines = _lines(text)
    if len(lines) < 2:
        return text
    a, b = _line_index(draw, lines), _line_index(draw, lines)
    lines[a], lines[b] = lines[b], lines[a]
    return "".join(lines)


def _move_line(draw, text, pools):
    lines = _lines(text)
    if len(lines) < 2:
        return text
    line = lines.pop(_line_index(draw, lines))
    lines.insert(_line_index(draw, lines), line)
    return "".join(lines)


def _reindent(draw, text, pools):
    lines = _lines(text)
    if not lines:
        return text
    index = _line_index(draw, lines)
    indent = draw(st.sampled_from(["", " ", "  ", "    ", "        ", "\t", "\t    ", "\x0c", "    \t"]))
    lines[index] = indent + lines[index].lstrip(" \t\x0c")
    return "".join(lines)


def _newlines(draw, text, pools):
    style = draw(st.sampled_from(["\r\n", "\r", "\n", "one-cr", "one-crlf", "strip-last", "no-final"]))
    if style in ("one-cr", "one-crlf"):
        positions = [m.start() for m in re.finditer("\n", text)]
        if not positions:
            return text
        at = draw(st.sampled_from(positions))
        return text[:at] + ("\r" if style == "one-cr" else "\r\n") + text[at + 1 :]
    if style == "strip-last":
        return text.rstrip("\r\n")
    if style == "no-final":
        return text.rstrip() + draw(st.sampled_from(["", " ", "\\", "#", "\t"]))
    return re.sub(r"\r\n|\r|\n", lambda _: style, text)


def _window(draw, text, pools):
    """A run of lines starting at a ``def``/``class``/decorator line, dedented."""
    lines = _lines(text)
    starts = [i for i, line in enumerate(lines) if re.match(r"\s*(def |class |@|async def )", line)]
    if not starts:
        return text
    first = draw(st.sampled_from(starts))
    last = first + draw(st.integers(1, 80))
    return textwrap.dedent("".join(lines[first:last]))


# -- structure-aware mutations ------------------------------------------------------------------

_NEWLINE = re.compile(r"\r\n|\r|\n")


@lru_cache(maxsize=512)
def _structure(text: str):
    """(expressions as (start, end), statements as (start, end, indent)) in code-point offsets
    of ``text``; None when it does not parse.  A statement starts at the start of its first line
    (decorators included) and ends where its last token ends."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    starts = [0] + [m.end() for m in _NEWLINE.finditer(text)]
    lines = _NEWLINE.split(text)

    def offset(lineno: int, byte_col: int) -> int:
        line = lines[lineno - 1]
        return starts[lineno - 1] + len(line.encode("utf-8", "surrogatepass")[:byte_col].decode("utf-8", "ignore"))

    exprs, stmts = [], []
    for node in ast.walk(tree):
        if getattr(node, "end_lineno", None) is None:
            continue
        if isinstance(node, ast.expr):
            if not isinstance(node, (ast.JoinedStr, ast.FormattedValue)):
                exprs.append((offset(node.lineno, node.col_offset), offset(node.end_lineno, node.end_col_offset)))
        elif isinstance(node, ast.stmt):
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])
            line = lines[first - 1]
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            stmts.append((starts[first - 1], offset(node.end_lineno, node.end_col_offset), indent))
    return tuple(exprs), tuple(stmts)


# Expressions, statements and block headers that matter to the rules, added to those found in
# the seeds (statement texts use "\n" and 4-space indentation; they are re-indented to fit).
EXTRA_EXPRS = (
    "password", "new_pass", "connection_info", "connection_info['auth']", "auth_token", "self.secret",
    "strutils.mask_password(x)", "mask_dict_password(info)", "'http://example.com/v2'", "f'{token}'",
    "{'auth': secret}", "'%s' % password", "'{}'.format(password)", "context", "instance.uuid",
    "self.reportclient.put_allocations(context, consumer_uuid, allocations)", "resp", "resp.status_code",
    "self.client.put('/allocations/%s' % uuid, json=payload)", "dict(allocations)", "retry",
    "lambda: LOG.debug('x %s', password)", "(yield)", "[p for p in passwords]", "x if password else y",
    "'\u00e9\U0001d518'", '"""multi\nline"""', "b'bytes'", "None", "{**auth, 'x': 1}", "f'{x!r:>{w}}'",
)  # fmt: skip
EXTRA_STMTS = (
    "LOG.debug('conn %s', connection_info)", "LOG.info('token %(t)s', {'t': auth_token})",
    "raise ValueError('bad password %s' % new_pass)", "time.sleep(1)", "pass", "break", "continue",
    "return resp", "resp = self.client.post('/x', json=body)", "# FIXME: later", "# nova-lsp: ignore",
    "x = 1  # nova-lsp: ignore[NOVA001]", "url = 'http://example.com'",
    "LOG.debug('%s', password)  # nova-lsp: ignore[NOVA002]", "requests.post(u)  # nova-lsp: ignore[",
    "try:\n    pass\nexcept Exception:  # nova-lsp: ignore[swallowed-exception]\n    pass",
    "x = \"\"\"\n# nova-lsp: ignore\n\"\"\"  # FIXME nova-lsp: ignore[NOVA007]",
    "self.reportclient.put_allocations(context, consumer_uuid, allocations)",
    "try:\n    call()\nexcept Exception:\n    pass",
    "while True:\n    try:\n        return self.rpc.call(context)\n    except ConnectionError:\n        LOG.warning('retry')",
    "for attempt in range(3):\n    try:\n        do()\n        break\n    except TimeoutError:\n        continue",
    "@retrying.retry(stop_max_attempt_number=3)\ndef f(self):\n    return self.call()",
    "from oslo_utils import strutils", "import time", "global password", "x = (\n    1,\n)",
    "msg = 'pw %s' % password\nLOG.error(msg)", '"""Module docstring."""', "from __future__ import annotations",
    "import os; import sys", "from oslo_utils import (\n    strutils,\n)", "from oslo_utils import strutils as su",
    "import oslo_utils.strutils", "import time, random", "from oslo_utils import \\\n    strutils",
    "try:\n    import retrying\nexcept ImportError:\n    retrying = None", "if TYPE_CHECKING:\n    import tenacity",
    "from nova import utils  # noqa", "import tenacity", "from tenacity import retry", "import random as rnd",
    "time = None", "strutils = object()", "def _validate_allocations(a):\n    return a", "from . import utils",
    "import nova.utils", "LOG = logging.getLogger(__name__)", "from oslo_log import log as logging",
)  # fmt: skip
WRAPPERS = (
    ("try:", "except Exception:\n    pass"),
    ("try:", "except (KeyError, ValueError):\n    LOG.debug('x %s', password)"),
    ("while True:", ""), ("for attempt in range(5):", ""), ("with self.lock:", ""),
    ("if password:", "else:\n    pass"), ("class K(object):", ""), ("async def handler(context):", ""),
    ("def inner(self, context, password, connection_info, allocations):", ""),
    ("@retrying.retry(stop_max_attempt_number=3)\ndef inner():", ""),
)  # fmt: skip


@lru_cache(maxsize=None)
def pools_of(seeds: tuple[tuple[str, str], ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(expressions, statements) to splice in: the listed ones plus the seeds' own."""
    exprs, stmts = set(EXTRA_EXPRS), set(EXTRA_STMTS)
    for _, text in seeds:
        found = _structure(text)
        if found is None:
            continue
        for start, end in found[0]:
            if end - start <= 300:
                exprs.add(text[start:end])
        for start, end, indent in found[1]:
            if end - start <= 600:
                stmts.add(textwrap.dedent(_NEWLINE.sub("\n", text[start:end])))
    return tuple(sorted(exprs)), tuple(sorted(stmts))


def _reindented(block: str, indent: str, newline: str) -> str:
    return newline.join(indent + line if line.strip() else line for line in block.split("\n"))


def _newline_of(text: str) -> str:
    match = _NEWLINE.search(text)
    return match.group(0) if match else "\n"


def _splice_expr(draw, text, pools):
    """An expression replaced by another (from the seeds or the rule-relevant list)."""
    found = _structure(text)
    if not found or not found[0]:
        return _insert(draw, text, pools)
    start, end = draw(st.sampled_from(found[0]))
    donor = draw(st.sampled_from(pools[0]))
    if "\n" in donor or draw(st.booleans()):
        donor = f"({donor})"
    return text[:start] + donor + text[end:]


def _splice_stmt(draw, text, pools):
    """A statement inserted before another, at its indentation (or at the end)."""
    found = _structure(text)
    donor = draw(st.sampled_from(pools[1]))
    newline = _newline_of(text)
    if not found or not found[1] or draw(st.integers(0, 9)) == 0:
        return text + ("" if text.endswith(("\n", "\r")) or not text else newline) + _reindented(donor, "", newline) + newline
    start, _, indent = draw(st.sampled_from(found[1]))
    return text[:start] + _reindented(donor, indent, newline) + newline + text[start:]


def _wrap_stmt(draw, text, pools):
    """A statement moved into a new block (try/except, loop, with, if, def, class)."""
    found = _structure(text)
    if not found or not found[1]:
        return text
    start, end, indent = draw(st.sampled_from(found[1]))
    head, tail = draw(st.sampled_from(WRAPPERS))
    step = draw(st.sampled_from(["    ", "  ", "\t"]))
    newline = _newline_of(text)
    body = _NEWLINE.split(text[start:end])
    inner = newline.join(indent + step + line[len(indent) :] if line.startswith(indent) else line for line in body)
    block = _reindented(head, indent, newline) + newline + inner
    if tail:
        block += newline + _reindented(tail.replace("    ", step), indent, newline)
    return text[:start] + block + text[end:]


_IDENT = re.compile(r"(?<![\w.])[A-Za-z_]\w*")
NAMES = (
    "password", "admin_password", "new_pass", "connection_info", "auth_token", "token", "secret",
    "allocations", "alloc_req", "payload", "LOG", "logging", "print", "retry", "self", "context",
    "strutils", "mask_password", "Exception", "BaseException", "url", "help", "x", "_", "\u00e9t\u00e9",
    "\U0001d518", "async", "match", "case", "type",
)  # fmt: skip


def _rename(draw, text, pools):
    """An identifier replaced by one the rules care about (or a non-ASCII one)."""
    spots = [m.span() for m in _IDENT.finditer(text)]
    if not spots:
        return text
    start, end = draw(st.sampled_from(spots))
    return text[:start] + draw(st.sampled_from(NAMES)) + text[end:]


STRING_INSERTS = (
    "\u00e9", "\U0001d518", "\u4e2d\u6587", "%s", "%(password)s", "%d", "{password}", "{0}", "{{", "}}",
    "http://host/", "http://127.0.0.1/", "password=", "\\N{BULLET}", "\\x41", "\\'", '\\"', "\\\n",
    "#", "nova-lsp: ignore", "FIXME", "\\t",
)  # fmt: skip


def _string_edit(draw, text, pools):
    """Text inserted just inside a string literal's opening quote, or a prefix added to it."""
    found = _structure(text)
    if not found:
        return text
    literals = [(start, end) for start, end in found[0] if text[start:end][-1:] in ("'", '"')]
    if not literals:
        return text
    start, end = draw(st.sampled_from(literals))
    literal = text[start:end]
    quote = min((i for i in (literal.find("'"), literal.find('"')) if i >= 0), default=-1)
    if quote < 0:
        return text
    if draw(st.integers(0, 3)) == 0:
        if quote > 0:  # already prefixed
            return text
        return text[:start] + draw(st.sampled_from(["f", "r", "b", "rb", "u", "F", "Rb"])) + text[start:]
    width = 3 if literal[quote : quote + 3] in ('"""', "'''") else 1
    at = start + quote + width
    return text[:at] + draw(st.sampled_from(STRING_INSERTS)) + text[at:]


def _tabs(draw, text, pools):
    """Indentation in tabs (or two spaces) instead of four spaces."""
    unit = draw(st.sampled_from(["\t", "  "]))
    return re.sub(r"(?m)^((?:    )+)", lambda m: unit * (len(m.group(1)) // 4), text)


HEADERS = (
    "#!/usr/bin/env python3\n", "# -*- coding: utf-8 -*-\n", "# Copyright 2024 Example\n#\n",
    '"""Module docstring."""\n', '"""Module\n\ndocstring.\n"""\n', "from __future__ import annotations\n",
    "from __future__ import (absolute_import,\n                        division)\n", "import os\n",
    "import sys; import os\n", "\n\n", "# nova-lsp: ignore\n", "__all__ = ['x']\n", "'''doc'''; import os\n",
    "if True:\n    import time\n", "try:\n    import strutils\nexcept ImportError:\n    pass\n",
    "def _validate_allocations(allocs):\n    pass\n", "\ufeff",
)  # fmt: skip


def _header(draw, text, pools):
    """A shebang, coding cookie, licence comment, docstring, ``__future__`` or other import
    put first: where fixes add their imports."""
    head = draw(st.sampled_from(HEADERS))
    return head.replace("\n", _newline_of(text)) + text


TEXTUAL = (
    _cut, _cut_head, _delete, _duplicate, _insert, _replace_char, _delete_line, _duplicate_line,
    _swap_lines, _move_line, _reindent, _newlines, _window,
)  # fmt: skip
STRUCTURAL = (_splice_expr, _splice_stmt, _wrap_stmt, _rename, _string_edit, _tabs, _header)
MUTATIONS = TEXTUAL + STRUCTURAL * 3


@st.composite
def restructured(draw, seeds, max_mutations: int = 6, donors=None):
    """One of ``seeds`` with up to ``max_mutations`` structural edits only."""
    seeds = tuple(seeds)
    pools = pools_of(tuple(donors) if donors is not None else seeds)
    _, text = draw(st.sampled_from(seeds)) if len(seeds) > 1 else seeds[0]
    for op in draw(st.lists(st.sampled_from(STRUCTURAL), min_size=1, max_size=max_mutations)):
        text = op(draw, text, pools)
    return text


@lru_cache(maxsize=None)
def fixable_examples() -> tuple[tuple[str, str], ...]:
    """The rule examples with at least one finding that has a real fix."""
    from nova_lsp.config import Config
    from nova_lsp.core.document import Document
    from nova_lsp.engine.analyze import analyze

    config = Config().overlay({"select": ["ALL"]}, "fuzz")
    out = []
    for name, text in rule_examples():
        findings = analyze(Document(text, "nova/compute/manager.py"), config.selection()).findings
        if any(fix.kind.value == "fix" for f in findings for fix in f.fixes):
            out.append((name, text))
    return tuple(out)


@st.composite
def mutated(draw, seeds, max_mutations: int = 4, donors=None):
    """One of ``seeds`` ((id, text) pairs) with up to ``max_mutations`` random edits: half of
    the time only structural ones (the result almost always parses, so it reaches the checks
    and fixers), else any mix.  Spliced code comes from ``donors`` (default: the seeds)."""
    seeds = tuple(seeds)
    pools = pools_of(tuple(donors) if donors is not None else seeds)
    _, text = draw(st.sampled_from(seeds)) if len(seeds) > 1 else seeds[0]
    ops = STRUCTURAL if draw(st.booleans()) else MUTATIONS
    for op in draw(st.lists(st.sampled_from(ops), max_size=max_mutations)):
        text = op(draw, text, pools)
    return text


configs = st.sampled_from(CONFIG_NAMES)
