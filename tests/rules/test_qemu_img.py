"""NOVA010 qemu-img-without-format and NOVA011 qemu-img-info-without-limits: qemu-img command
lines followed through the function, their format and their limits, and the two fixes."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from nova_lsp.core.document import Document, apply_edits
from nova_lsp.core.model import Applicability, Severity, Span
from nova_lsp.engine.fix_all import main_fix

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixes"))
from fixprops import check_text, config

FORMAT, LIMITS = "NOVA010", "NOVA011"

HEADER = """\
from oslo_concurrency import processutils

from nova import utils

"""


def findings(code, rule=FORMAT, header=True, path="nova/virt/images.py", **kw):
    text = (HEADER if header else "") + textwrap.dedent(code)
    from nova_lsp.config import Config
    from nova_lsp.engine.analyze import analyze

    table = {"select": [rule]}
    if kw.get("rules"):
        table["rules"] = kw["rules"]
    analysis = analyze(Document(text, path), Config().overlay(table, "test").selection())
    assert not analysis.errors, analysis.errors
    return [f for f in analysis.findings if f.rule == rule]


def lines(code, rule=FORMAT, **kw):
    offset = HEADER.count("\n") if kw.get("header", True) else 0
    return [f.span.start_line + 1 - offset for f in findings(code, rule, **kw)]


def fixed(code, rule=FORMAT, path="nova/virt/images.py", index=0, **kw):
    text = HEADER + textwrap.dedent(code)
    found = findings(code, rule, path=path, **kw)
    fix = main_fix(found[index], unsafe=True)
    if fix is None:
        return None
    return apply_edits(text, fix.edits)[len(HEADER) :]


# -- NOVA010: what counts as a format -------------------------------------------------------


def test_finding_points_at_the_qemu_img_element_and_names_the_subcommand():
    code = """\
        def info(path):
            return processutils.execute('qemu-img', 'info', path)
        """
    [f] = findings(code)
    assert f.severity is Severity.ERROR and f.cwe == (610, 669)
    assert f.span == Span(5, 32, 5, 42)
    assert "`qemu-img info` runs without `-f`/`--format`" in f.message


@pytest.mark.parametrize(
    "argv",
    [
        "'-f', fmt, path",
        "'-fraw', path",
        "'-f' 'raw', path",
        "'--format', fmt, path",
        "'--format=raw', path",
        "path, '-f', fmt",
    ],
)
def test_every_spelling_of_the_format_counts(argv):
    code = f"""\
        def info(path, fmt):
            return processutils.execute('qemu-img', 'info', {argv})
        """
    assert lines(code) == []


def test_only_the_format_less_branch_of_two_literals_is_reported():
    code = """\
        def resize(source, size, file_format=None):
            if file_format:
                cmd = ('qemu-img', 'resize', '-f', file_format, source, size)
            else:
                cmd = ('qemu-img', 'resize', source, size)
            utils.execute(*cmd)
        """
    assert lines(code) == [5]


@pytest.mark.parametrize(
    "added",
    [
        "cmd += ['-f', fmt]",
        "cmd = cmd + ['-f', fmt]",
        "cmd.extend(['-f', fmt])",
        "cmd.insert(2, '-f'); cmd.insert(3, fmt)",
        "cmd += ('-f', fmt)",
    ],
)
def test_a_format_added_on_some_path_counts(added):
    code = f"""\
        def info(path, fmt=None):
            cmd = ['env', 'LC_ALL=C', 'qemu-img', 'info', path]
            if fmt is not None:
                {added}
            processutils.execute(*cmd)
        """
    assert lines(code) == []


def test_a_reassignment_discards_what_was_added_before():
    code = """\
        def info(path, fmt):
            cmd = ['qemu-img', 'info']
            cmd += ['-f', fmt]
            cmd = ['qemu-img', 'info', path]
            processutils.execute(*cmd)
        """
    assert lines(code) == [4]


def test_a_path_that_returns_early_takes_its_format_with_it():
    code = """\
        def info(path, fmt=None):
            cmd = ['qemu-img', 'info', path]
            if fmt:
                cmd += ['-f', fmt]
                raise ValueError(fmt)
            processutils.execute(*cmd)
        """
    assert lines(code) == [2]


def test_starred_variables_and_argv_from_several_lists_are_followed():
    code = """\
        def convert(src, dest, fmt, prefix=None):
            base = ['qemu-img', 'convert']
            if prefix:
                base = list(prefix) + base
            source = ['-f', fmt, src]
            processutils.execute(*base + source + ['-O', 'raw', dest])

        def convert2(src, dest):
            base = ['qemu-img', 'convert']
            source = ['-O', 'raw', src]
            processutils.execute(*base, *source, dest)
        """
    assert lines(code) == [9]


def test_a_starred_list_with_only_the_backing_format_is_reported_at_warning():
    code = """\
        def rebase(path, backing, backing_fmt):
            extra = []
            if backing:
                extra = ['-F', backing_fmt]
            extra.append(path)
            processutils.execute('qemu-img', 'rebase', '-b', backing, *extra)
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING
    assert "`-F` names only the backing file's format" in f.message
    assert findings(code, rules={"qemu-img-without-format": {"backing-format-counts": True}}) == []


def test_image_opts_count_only_with_a_driver():
    code = """\
        def with_driver(src, dest, fmt):
            opts = 'driver=%s,file.filename=%s' % (fmt, src)
            processutils.execute('qemu-img', 'convert', '--image-opts', opts, dest)

        def with_fstring_driver(src, dest, fmt, encrypted):
            driver = f'driver={fmt},' if fmt else ''
            processutils.execute('qemu-img', 'convert', '--image-opts',
                                 f'{driver}file.driver=file,file.filename={src}', dest)

        def unknown(opts, dest):
            processutils.execute('qemu-img', 'convert', '--image-opts', opts, dest)

        def without_driver(src, dest):
            opts = 'encrypt.format=luks,file.driver=file,file.filename=%s' % src
            processutils.execute('qemu-img', 'convert', '--image-opts', opts, dest)
        """
    [f] = findings(code)
    assert f.span.start_line + 1 - HEADER.count("\n") == 15
    assert "sets no `driver=`" in f.message


def test_create_version_and_messages_are_quiet():
    code = """\
        def create(path, size, backing, backing_fmt):
            processutils.execute('qemu-img', 'create', '-f', 'qcow2',
                                 '-b', backing, '-F', backing_fmt, path, size)
            processutils.execute('qemu-img', '--version')
            processutils.execute('qemu-img', subcommand_from_caller, path)
            print('qemu-img info %s' % path)
            LOG.debug('running %s', ['qemu-img', 'info', path])
        """
    assert lines(code) == []


def test_argv_builders_returned_to_the_caller():
    code = """\
        def info_cmd(path):
            cmd = ['qemu-img', 'info', path]
            return cmd

        def info_cmd_fmt(path, fmt):
            cmd = ['qemu-img', 'info', path]
            if fmt:
                cmd += ['-f', fmt]
            return cmd

        def not_an_argv():
            return 'qemu-img'
        """
    assert lines(code) == [2]
    off = {"qemu-img-without-format": {"report-returned-argv": False}}
    assert lines(code, rules=off) == []


def test_unknown_elements_may_carry_the_format_unless_told_otherwise():
    code = """\
        def commit(path, extra_args):
            processutils.execute('qemu-img', 'commit', *extra_args, path)
        """
    assert lines(code) == []
    strict = {"qemu-img-without-format": {"unknown-splices-carry-format": False}}
    assert lines(code, rules=strict) == [2]


def test_a_probe_after_the_format_inspectors_safety_check_is_deliberate():
    code = """\
        def fetch(path, inspector):
            if not inspector.safety_check():
                raise ValueError(path)
            return processutils.execute('qemu-img', 'info', path)

        def fetch_first(path, inspector):
            out = processutils.execute('qemu-img', 'info', path)
            inspector.safety_check()
            return out
        """
    assert lines(code) == [7]


@pytest.mark.parametrize(
    ("imports", "call"),
    [
        ("import subprocess", "subprocess.check_output(['qemu-img', 'info', path])"),
        ("from eventlet.green import subprocess", "subprocess.run(['qemu-img', 'info', path])"),
        ("from oslo_concurrency import processutils as putils", "putils.trycmd('qemu-img', 'info', path)"),
        ("from cinder import utils", "utils.execute('/usr/bin/qemu-img', 'info', path)"),
        ("from cinder import utils", "utils.execute('qemu-img info', path)"),
        ("from cinder import utils", "utils.execute(*'qemu-img info --output=json'.split(), path)"),
    ],
)
def test_sinks_and_spellings_of_the_program(imports, call):
    code = f"""\
        {imports}


        def info(path):
            return {call}
        """
    assert lines(code, header=False) == [5]


def test_the_modules_own_wrappers_are_sinks():
    code = """\
        def _run(*cmd, **kwargs):
            return processutils.execute(*cmd, **kwargs)


        class Driver(object):

            def _qemu(self, args):
                return self.runner(*args)

            def _run_locked(self, *args):
                with self.lock:
                    return _run(*args)

            def resize(self, path, size):
                self._run_locked('qemu-img', 'resize', path, size)
                _run('qemu-img', 'info', path)
        """
    assert lines(code) == [15, 16]


# -- NOVA010: the fix -------------------------------------------------------------------------


def test_fix_inserts_the_one_format_variable_after_the_subcommand():
    code = """\
        def resize(path, size, disk_format):
            processutils.execute("qemu-img", "resize", path, size)
        """
    [f] = findings(code)
    fix = main_fix(f, unsafe=True)
    assert fix.applicability is Applicability.UNSAFE and main_fix(f, unsafe=False) is None
    assert fixed(code) == textwrap.dedent("""\
        def resize(path, size, disk_format):
            processutils.execute("qemu-img", "resize", "-f", disk_format, path, size)
        """)


def test_fix_wraps_a_line_that_would_be_too_long():
    code = """\
        def resize_the_root_disk(instance_disk_path, new_size_in_gb, fmt):
            processutils.execute('qemu-img', 'resize', instance_disk_path, new_size_in_gb)
        """
    assert fixed(code) == textwrap.dedent("""\
        def resize_the_root_disk(instance_disk_path, new_size_in_gb, fmt):
            processutils.execute('qemu-img', 'resize',
                                 '-f', fmt, instance_disk_path, new_size_in_gb)
        """)


@pytest.mark.parametrize(
    "code",
    [
        # two candidates
        "def f(path, fmt, disk_format):\n    processutils.execute('qemu-img', 'info', path)\n",
        # none
        "def f(path):\n    processutils.execute('qemu-img', 'info', path)\n",
        # a format that may be None
        "def f(path, fmt=None):\n    processutils.execute('qemu-img', 'info', path)\n",
        # the candidate is known to be empty here
        (
            "def f(path, file_format=None):\n    if file_format:\n        pass\n    else:\n"
            "        processutils.execute('qemu-img', 'info', path)\n"
        ),
        # already the backing format
        "def f(path, backing, fmt):\n    processutils.execute('qemu-img', 'rebase', '-b', backing, '-F', fmt, path)\n",
        # --image-opts excludes -f
        (
            "def f(src, dest, src_format):\n    processutils.execute('qemu-img', 'convert', '--image-opts',\n"
            "                         'file.filename=%s' % src, dest)\n"
        ),
        # the subcommand is not a literal of its own
        "def f(path, fmt):\n    processutils.execute(*'qemu-img info'.split(), path)\n",
    ],
)
def test_no_fix_when_the_format_is_ambiguous(code):
    [f] = findings(code)
    assert main_fix(f, unsafe=True) is None


def test_no_fix_in_test_code():
    code = "def f(path, fmt):\n    processutils.execute('qemu-img', 'info', path)\n"
    [f] = findings(code, path="nova/tests/unit/test_images.py")
    assert main_fix(f, unsafe=True) is None


FIXABLE = [
    """\
    from oslo_concurrency import processutils


    def resize(path, size, disk_format):
        processutils.execute('qemu-img', 'resize', path, size)


    def info(path, fmt):
        cmd = ['qemu-img', 'info', path]
        return processutils.execute(*cmd)


    def very_long_function_name_for_resize(some_long_path_name, size_of_disk, fmt):
        processutils.execute('qemu-img', 'resize', some_long_path_name, size_of_disk)
    """,
    """\
    from oslo_concurrency import processutils
    from oslo_utils import units

    LIMITS = processutils.ProcessLimits(cpu_time=30, address_space=units.Gi)


    def info(path, fmt):
        return processutils.execute('qemu-img', 'info', '-f', fmt, path,
                                    run_as_root=True)


    def info2(path, fmt):
        return processutils.execute(
            'qemu-img', 'info', '-f', fmt, '--output=json', path,
        )


    def info3(path, fmt):
        return processutils.execute(
            'qemu-img', 'info', '-f', fmt, '--output=json', path)
    """,
]


@pytest.mark.parametrize("text", FIXABLE)
def test_fix_properties(text):
    tally = check_text(textwrap.dedent(text), config(select=(FORMAT, LIMITS)))
    assert tally.applied >= 3


@pytest.mark.parametrize("text", FIXABLE)
def test_fix_properties_crlf_and_tabs(text):
    text = textwrap.dedent(text).replace("    ", "\t").replace("\n", "\r\n")
    check_text(text, config(select=(FORMAT, LIMITS)))


# -- NOVA011 ------------------------------------------------------------------------------------


def test_info_without_limits_is_reported_at_the_call():
    code = """\
        def info(path, fmt):
            return processutils.execute('qemu-img', 'info', '-f', fmt, path)

        def info_ok(path, fmt):
            return processutils.execute('qemu-img', 'info', '-f', fmt, path,
                                        prlimit=utils.QEMU_IMG_LIMITS)

        def info_kwargs(path, fmt, **kwargs):
            return processutils.execute('qemu-img', 'info', '-f', fmt, path, **kwargs)

        def convert(src, dest, fmt):
            return processutils.execute('qemu-img', 'convert', '-f', fmt, src, dest)

        def info_cmd(path, fmt):
            return ['qemu-img', 'info', '-f', fmt, path]
        """
    [f] = findings(code, LIMITS)
    assert f.severity is Severity.WARNING and f.cwe == (770, 400)
    assert f.span == Span(5, 11, 5, 31)
    assert "`qemu-img info` runs without `prlimit=`" in f.message


def test_limits_fix_uses_the_modules_constant():
    code = """\
        QEMU_IMG_LIMITS = processutils.ProcessLimits(cpu_time=30)


        def info(path, fmt):
            cmd = ['qemu-img', 'info', '-f', fmt, path]
            out, err = processutils.execute(*cmd)
            return out
        """
    [f] = findings(code, LIMITS)
    assert main_fix(f, unsafe=True).applicability is Applicability.UNSAFE
    assert main_fix(f, unsafe=False) is None
    assert "out, err = processutils.execute(*cmd, prlimit=QEMU_IMG_LIMITS)" in fixed(code, LIMITS)


def test_limits_fix_reuses_an_imported_constant():
    code = """\
        from glance.async_ import utils as async_utils


        def info(path, fmt):
            return processutils.execute('qemu-img', 'info', '-f', fmt, path)
        """
    out = fixed(code, LIMITS, path="glance/async_/flows/introspect.py")
    assert "prlimit=async_utils.QEMU_IMG_PROC_LIMITS)" in out
    assert out.count("import") == 1


def test_limits_fix_imports_the_projects_constant():
    code = """\
        def info(path, fmt):
            return utils.execute('qemu-img', 'info', '-f', fmt, path)
        """
    text = textwrap.dedent(code)
    from nova_lsp.config import Config
    from nova_lsp.engine.analyze import analyze

    cfg = Config().overlay({"select": [LIMITS]}, "test").selection()
    source = "from cinder import utils\n\n\n" + text
    [f] = [x for x in analyze(Document(source, "cinder/volume/drivers/nfs.py"), cfg).findings if x.rule == LIMITS]
    out = apply_edits(source, main_fix(f, unsafe=True).edits)
    assert "from cinder.image import image_utils\n" in out
    assert "prlimit=image_utils.QEMU_IMG_LIMITS)" in out


def test_no_limits_fix_when_ambiguous_or_impossible():
    two = """\
        A = processutils.ProcessLimits(cpu_time=30)
        B = processutils.ProcessLimits(cpu_time=60)


        def info(path, fmt):
            return processutils.execute('qemu-img', 'info', '-f', fmt, path)
        """
    [f] = findings(two, LIMITS)
    assert main_fix(f, unsafe=True) is None
    sub = """\
        import subprocess

        LIMITS = processutils.ProcessLimits(cpu_time=30)


        def info(path, fmt):
            return subprocess.check_output(['qemu-img', 'info', '-f', fmt, path])
        """
    [f] = findings(sub, LIMITS)
    assert main_fix(f, unsafe=True) is None
    nothing = """\
        def info(path, fmt):
            return processutils.execute('qemu-img', 'info', '-f', fmt, path)
        """
    [f] = findings(nothing, LIMITS, path="tools/probe.py")
    assert main_fix(f, unsafe=True) is None


# -- incremental analysis ---------------------------------------------------------------------


def test_wrappers_are_facts_for_incremental_analysis():
    from nova_lsp.config import Config
    from nova_lsp.engine.analyze import analyze
    from nova_lsp.engine.incremental import IncrementalAnalyzer

    cfg = Config().overlay({"select": [FORMAT, "NOVA015"]}, "test").selection()
    before = HEADER + textwrap.dedent("""\
        class Driver(object):

            def _run(self, *args):
                return processutils.execute(*args)

            def resize(self, path, size):
                self._run('qemu-img', 'resize', path, size)
        """)
    after = before.replace("return processutils.execute(*args)", "return self.log(*args)")
    inc = IncrementalAnalyzer()
    assert [f.rule for f in inc.analyze(Document(before, "nova/virt/x.py"), cfg).findings] == [FORMAT]
    got = inc.analyze(Document(after, "nova/virt/x.py"), cfg)
    whole = analyze(Document(after, "nova/virt/x.py"), cfg)
    assert [f.span for f in got.findings] == [f.span for f in whole.findings] == []


def _rule_examples():
    from nova_lsp.engine.registry import load_registry

    for rule in load_registry().rules:
        if rule.id in (FORMAT, LIMITS):
            for index, example in enumerate(rule.examples):
                yield pytest.param(example.bad, id=f"{rule.id}-{index}")


@pytest.mark.parametrize("text", list(_rule_examples()))
def test_fix_properties_on_the_rule_examples(text):
    check_text(text, config(select=(FORMAT, LIMITS)))
