"""Every fix, applied to every rule example, to a generated Nova-like corpus and to programs that
hypothesis builds from defect templates in every shape (methods, nested functions, decorators,
try/with, module docstrings, ``__future__``, import styles, tabs, CRLF), must: parse, make its
finding go away without adding others, change nothing outside its statement except imports
and helpers, and leave ``--fix`` idempotent (see fixprops.check_text)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixprops import FIXED_RULES, Checked, check_text
from nova_lsp.engine.registry import load_registry

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "benchmarks" / "corpus.py"
TALLY = Checked()  # how many fixes the property tests applied, reported at the end


def _examples():
    for rule in load_registry().rules:
        for index, example in enumerate(rule.examples):
            yield pytest.param(example.bad, id=f"{rule.id}-{index}")


@pytest.mark.parametrize("text", list(_examples()))
def test_every_fix_on_every_rule_example(text):
    check_text(text, tally=TALLY)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    if not CORPUS.is_file():
        pytest.skip(f"{CORPUS} is missing: no generated corpus to fix")
    spec = importlib.util.spec_from_file_location("nova_lsp_bench_corpus", CORPUS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("corpus") / "tree"
    module.generate(str(out), files=30, seed=7, total_lines=30 * 250, verbose=False)
    return out


def test_every_fix_on_the_generated_corpus(corpus):
    files = sorted(corpus.rglob("*.py"))
    assert files
    before = TALLY.applied
    for path in files:
        check_text(path.read_text(encoding="utf-8"), path=str(path.relative_to(corpus)), tally=TALLY)
    assert TALLY.applied - before >= 4, "the corpus gave the fixers nothing to do"


# -- generated programs ------------------------------------------------------------------------

# One defect per template; ``{i}`` is one indentation step, names are parameters of the
# enclosing function.
DEFECTS = {
    "log-carrier": ['LOG.debug("Attaching %s", connection_info)'],
    "log-secret": ["LOG.info('Password %s set on %s', new_pass, instance_uuid)"],
    "log-dict": [
        'LOG.warning("Failed %(vol)s: %(info)s",',
        '            {"vol": volume_id,',
        '             "info": connection_info})',
    ],
    "log-fstring": ['LOG.debug(f"conn {connection_info} for {instance_uuid}")'],
    "log-format": ['LOG.debug("token {}".format(auth_token))'],
    "log-message": ['msg = "admin password is %s" % new_pass', "LOG.error(msg)"],
    "exc-secret": ['raise ValueError("bad password %s" % new_pass)'],
    "retry-while": [
        "while True:",
        "{i}try:",
        "{i}{i}return self.rpcapi.get_state(context, instance_uuid)",
        "{i}except ConnectionError:",
        '{i}{i}LOG.warning("retrying %s", instance_uuid)',
    ],
    "retry-for": [
        "for attempt in range(4):",
        "{i}try:",
        "{i}{i}self.db.update(context, instance_uuid)",
        "{i}{i}break",
        "{i}except TimeoutError:",
        "{i}{i}if attempt == 3:",
        "{i}{i}{i}raise",
    ],
    "alloc": ["self.reportclient.put_allocations(context, consumer_uuid, allocations)"],
    "qemu-img": ['processutils.execute("qemu-img", "resize", volume_id, "1G")'],
    "alloc-call": ["self.reportclient.put_allocations(context, consumer_uuid, dict(allocations))"],
}
DECORATED = {
    "retrying": ["@retrying.retry(stop_max_attempt_number=3,", "                retry_on_exception=_retry_if)"],
    "tenacity": ["@tenacity.retry(retry=tenacity.retry_if_exception_type(ConnectionError))"],
}
STRUTILS_STYLES = [
    [],
    ["from oslo_utils import strutils"],
    ["import oslo_utils.strutils"],
    ["from oslo_utils import strutils as su"],
]
PARAMS = "self, req, context, instance_uuid, connection_info, new_pass, auth_token, volume_id, consumer_uuid, allocations, disk_format"


@st.composite
def programs(draw):
    unit = draw(st.sampled_from(["    ", "  ", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    header = []
    if draw(st.booleans()):
        header += ['"""Compute helpers."""', ""]
    if draw(st.booleans()):
        header += ["from __future__ import annotations", ""]
    stdlib = draw(st.sampled_from([[], ["import os"], ["import random", "import time"]]))
    third = ["from oslo_concurrency import processutils", "from oslo_log import log as logging"]
    third += draw(st.sampled_from(STRUTILS_STYLES))
    third += ["import retrying", "import tenacity"]
    project = draw(st.sampled_from([[], ["from nova import exception"]]))
    imports = [b for b in (stdlib, sorted(third, key=lambda s: s.split()[1].lower()), project) if b]
    lines = header + [line for block in imports for line in block + [""]]
    lines += ["LOG = logging.getLogger(__name__)", "", ""]
    chosen = draw(st.lists(st.sampled_from(sorted(DEFECTS)), min_size=1, max_size=3))
    body = [line for name in chosen for line in DEFECTS[name]]
    shape = draw(st.sampled_from(["function", "method", "nested", "try", "with", "decorated"]))
    deco = draw(st.sampled_from(sorted(DECORATED)))

    def block(depth: int, content):
        return [unit * depth + line.replace("{i}", unit) for line in content]

    if shape == "function":
        lines += [f"def handler({PARAMS}):"] + block(1, body)
    elif shape == "method":
        lines += ["class Manager(object):", ""] + block(1, ["@periodic_task.periodic_task", f"def handler({PARAMS}):"])
        lines += block(2, body)
    elif shape == "nested":
        lines += [f"def outer({PARAMS}):"] + block(1, ["def inner():"]) + block(2, body) + block(1, ["return inner"])
    elif shape == "try":
        lines += [f"def handler({PARAMS}):"] + block(1, ["try:"]) + block(2, body)
        lines += block(1, ["except KeyError:"]) + block(2, ["raise"])
    elif shape == "with":
        lines += [f"def handler({PARAMS}):"] + block(1, ["with self.lock:"]) + block(2, body)
    else:
        lines += ["class Client(object):", ""] + block(1, DECORATED[deco] + [f"def handler({PARAMS}):"])
        lines += block(2, body)
    return newline.join(lines) + newline


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(programs())
def test_every_fix_on_generated_programs(text):
    compile(text, "<generated>", "exec")  # the generator itself makes valid code
    check_text(text, tally=TALLY)


def test_the_property_tests_applied_fixes_for_every_rule():
    """Runs last in this module: the fix count the closing note reports."""
    print(f"\nproperty tests applied {TALLY.applied} fixes: {dict(sorted(TALLY.by_rule.items()))}")
    if TALLY.applied == 0:
        pytest.skip("run with the other tests of this module to count the fixes")
    for rule in FIXED_RULES:
        assert TALLY.by_rule[rule] > 0, f"no {rule} fix was exercised"
