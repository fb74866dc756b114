"""qemu-img on images it must not probe (NOVA010 ``qemu-img-without-format``, CWE-610/669) and
``qemu-img info`` without process limits (NOVA011 ``qemu-img-info-without-limits``,
CWE-770/400).

Both read the argv analysis of ``nova_lsp.checks.argv``: every argv alternative that reaches an
execute sink (and, for NOVA010, that a builder function returns to a caller that runs it) and
holds ``qemu-img`` followed by an image subcommand.

NOVA010 groups the alternatives by the ``qemu-img`` element they come from (one literal) and
reports the literal when none of them passes the image format: ``-f X`` / ``-fX`` /
``--format[=]X``, or ``--image-opts`` with an option string that sets ``driver=``.  A format
added on some path (``if fmt: cmd += ['-f', fmt]``) counts; two literals on two branches are
judged apart (the format-less ``else`` of a resize wrapper is reported, its ``if`` is not).
``-F`` (the *backing* file's format) does not count: the image itself is still probed; such
findings get the lower ``backing-format-only-severity``.  An element we cannot see into (a
starred parameter) may carry the format, so it counts as one (``unknown-splices-carry-format``).

NOVA011 reports a sink call that runs ``qemu-img info`` with no ``prlimit=`` keyword (and no
``**kwargs`` that could carry it).

Fixes (both unsafe: a wrong format breaks the operation, limits can kill it): NOVA010 inserts
``'-f', <fmt>`` after the subcommand when exactly one variable in scope is named like a format
(``format-variable-regex``), is not already in the argv and is not known to be empty where the
literal is; NOVA011 adds ``prlimit=<constant>`` when the module defines exactly one
``ProcessLimits`` constant, or exactly one configured constant is imported already or lives in
the file's own project.
"""

from __future__ import annotations

import bisect
import fnmatch
import re
from dataclasses import dataclass, field
from functools import lru_cache

from astroid import nodes

from nova_lsp.checks import argv, layout
from nova_lsp.checks.imports import ImportPlan
from nova_lsp.checks.tree import dotted, import_map, qualified
from nova_lsp.core.model import Applicability, Edit, Fix, Severity, Span

_FUNCS = (nodes.FunctionDef, nodes.AsyncFunctionDef)
_HOLE = "\x00"


# -- what an argv says about qemu-img ------------------------------------------------------------


@dataclass(frozen=True)
class _Knobs:
    names: frozenset
    subcommands: frozenset
    format_flags: tuple
    backing_flags: frozenset
    image_opts: str
    splices_carry_format: bool


@lru_cache(maxsize=16)
def _knobs_for(key) -> _Knobs:
    o = dict(key)
    return _Knobs(
        names=frozenset(o["qemu-img-names"]),
        subcommands=frozenset(o["subcommands"]),
        format_flags=tuple(o.get("format-flags", ())),
        backing_flags=frozenset(o.get("backing-format-flags", ())),
        image_opts=o.get("image-opts-flag", ""),
        splices_carry_format=bool(o.get("unknown-splices-carry-format", False)),
    )


_COMMAND_KEYS = ("qemu-img-names", "subcommands")
_FORMAT_KEYS = ("format-flags", "backing-format-flags", "image-opts-flag", "unknown-splices-carry-format")


def _knobs(options, formats: bool) -> _Knobs:
    """The command knobs (and, for NOVA010, the format knobs) of a rule's options."""
    keys = _COMMAND_KEYS + (_FORMAT_KEYS if formats else ())
    return _knobs_for(tuple((k, tuple(options[k]) if isinstance(options[k], list) else options[k]) for k in keys))


@dataclass
class Command:
    """One argv alternative of ``qemu-img <subcommand> ...``."""

    qemu: argv.Part
    sub: argv.Part
    subcommand: str
    rest: list  # (texts, part) after the subcommand
    formatted: bool = False
    backing_only: bool = False  # -F without -f
    image_opts: bool = False  # --image-opts (which -f cannot join)
    image_opts_without_driver: bool = False


def _tokens(alt):
    """(texts of the forms, part) per element; a known element holding spaces
    (``'qemu-img info'``) gives one token per word."""
    out = []
    for part in alt:
        texts = part.texts()
        if len(texts) == 1 and texts[0] is not None and " " in texts[0].strip():
            for word in texts[0].split():
                out.append(((word,), part))
        else:
            out.append((texts, part))
    return out


def _is_qemu(texts, names) -> bool:
    return any(t is not None and t.rsplit("/", 1)[-1] in names for t in texts)


def parse_command(alt, knobs: _Knobs) -> Command | None:
    tokens = _tokens(alt)
    for index, (texts, part) in enumerate(tokens):
        if part.splice or not _is_qemu(texts, knobs.names):
            continue
        if index + 1 >= len(tokens):
            return None
        sub_texts, sub = tokens[index + 1]
        if len(sub_texts) != 1 or sub_texts[0] not in knobs.subcommands:
            return None
        command = Command(part, sub, sub_texts[0], tokens[index + 2 :])
        _judge(command, knobs)
        return command
    return None


def _is_format_flag(text: str, flags) -> bool:
    for flag in flags:
        if text == flag:
            return True
        if flag.startswith("--") and text.startswith(flag + "="):
            return True
        if not flag.startswith("--") and len(flag) == 2 and text.startswith(flag) and len(text) > 2:
            return True  # glued: -fqcow2 (and '-f' 'qcow2' written as adjacent literals)
    return False


def _rendered(form) -> str:
    return "".join(p if isinstance(p, str) else _HOLE for p in form)


_DRIVER = re.compile(r"(?:^|,)(?:driver=|\x00)")


def _judge(command: Command, knobs: _Knobs) -> None:
    image_opts = False
    backing = False
    for texts, part in command.rest:
        if part.splice and any(t is None for t in texts):
            if knobs.splices_carry_format:
                command.formatted = True
            continue
        for text in texts:
            if text is None:
                continue
            if _is_format_flag(text, knobs.format_flags):
                command.formatted = True
            elif text == knobs.image_opts:
                image_opts = True
            elif text in knobs.backing_flags:
                backing = True
    if image_opts and not command.formatted:
        strings = [form for _texts, part in command.rest for form in part.forms if "=" in _rendered(form)]
        if not strings or any(_DRIVER.search(_rendered(form)) for form in strings):
            command.formatted = True  # the option string sets the driver (or may: we cannot see it)
        else:
            command.image_opts_without_driver = True
    command.image_opts = image_opts
    command.backing_only = backing and not command.formatted


# -- the argv of the module ------------------------------------------------------------------------


@dataclass
class _Group:
    """The alternatives that come from one ``qemu-img`` element."""

    qemu: argv.Part
    sub: argv.Part
    subcommand: str
    scope: object
    commands: list = field(default_factory=list)
    alts: list = field(default_factory=list)
    anchors: list = field(default_factory=list)  # sink calls / return statements


def _builders(ctx, knobs: _Knobs) -> list:
    """Functions holding a ``qemu-img`` literal and a ``return``: argv builders."""
    found = []
    seen = set()
    for const in ctx.index.of(nodes.Const):
        if not isinstance(const.value, str) or not _is_qemu((const.value.split()[0] if const.value.split() else "",), knobs.names):
            continue
        fn = const.frame()
        if isinstance(fn, _FUNCS) and id(fn) not in seen:
            seen.add(id(fn))
            found.append(fn)
    return found


def _groups(ctx, options, knobs: _Knobs, with_returns: bool) -> list[_Group]:
    flows = argv.module_flows(ctx, options)
    items = [(use.call, use.alts, use.scope) for use in flows.uses]
    if with_returns:
        for fn in _builders(ctx, knobs):
            for ret in argv.returned(ctx, fn):
                items.append((ret.node, ret.alts, ret.scope))
    groups: dict = {}
    order = []
    for anchor, alts, scope in items:
        for alt in alts:
            command = parse_command(alt, knobs)
            if command is None or command.qemu.node is None:
                continue
            key = id(command.qemu.node)
            if key not in groups:
                groups[key] = _Group(command.qemu, command.sub, command.subcommand, scope)
                order.append(key)
            group = groups[key]
            group.commands.append(command)
            group.alts.append(alt)
            if anchor not in group.anchors:
                group.anchors.append(anchor)
    return [groups[k] for k in order]


def _after_safety_check(ctx, group: _Group, patterns) -> bool:
    """A format inspector's safety check earlier in the same function (a deliberate probe
    whose result is compared with the inspector's)."""
    if not patterns or group.scope is None:
        return False
    imports = import_map(ctx)
    first = min((a.lineno or 0) for a in group.anchors)
    for call in group.scope.nodes_of_class(nodes.Call):
        if (call.lineno or 0) >= first:
            continue
        written = dotted(call.func) or ""
        full = qualified(call.func, imports) or written
        if any(fnmatch.fnmatchcase(written, p) or fnmatch.fnmatchcase(full, p) for p in patterns):
            return True
    return False


# -- NOVA010 ------------------------------------------------------------------------------------------


def _check_format(ctx):
    options = ctx.options
    knobs = _knobs(options, formats=True)
    backing_severity = Severity.parse(options["backing-format-only-severity"])
    for group in _groups(ctx, options, knobs, bool(options["report-returned-argv"])):
        ctx.tick()
        if any(c.formatted for c in group.commands):
            continue
        if options["backing-format-counts"] and any(c.backing_only for c in group.commands):
            continue
        if _after_safety_check(ctx, group, tuple(options["safety-checks"])):
            continue
        backing = any(c.backing_only for c in group.commands)
        no_driver = any(c.image_opts_without_driver for c in group.commands)
        if backing:
            detail = "; `-F` names only the backing file's format, the image itself is still probed"
        elif no_driver:
            detail = "; its `--image-opts` string sets no `driver=`"
        else:
            detail = ""
        yield ctx.finding(
            group.qemu.node,
            fix=_format_fix_builder(ctx, group, options),
            severity=backing_severity if backing else None,
            subcommand=group.subcommand,
            detail=detail,
        )


def _format_fix_builder(ctx, group: _Group, options):
    def build():
        fix = _format_fix(ctx, group, options)
        return () if fix is None else (fix,)

    return build


def _format_fix(ctx, group: _Group, options) -> Fix | None:
    if layout.in_test_code(ctx.document.path):
        return None
    sub = group.sub.node
    if not isinstance(sub, nodes.Const) or sub.value != group.subcommand:
        return None
    if not isinstance(sub.parent, (nodes.List, nodes.Tuple, nodes.Call)):
        return None
    qemu = group.qemu.node
    if not isinstance(qemu, nodes.Const) or qemu.parent is not sub.parent:
        return None
    scope = group.scope if isinstance(group.scope, _FUNCS) else None
    if scope is None or any(c.image_opts for c in group.commands):
        return None  # `--image-opts` and `-f` are mutually exclusive: the driver goes in the string
    candidates = _format_variables(scope, group, sub, options["format-variable-regex"])
    if len(candidates) != 1:
        return None
    variable = candidates[0]
    if _defaults_to_none(scope, variable):
        return None  # `-f None` would break the callers that pass no format
    doc = ctx.document
    span = doc.node_span(sub)
    quoted = doc.text_of(span)
    quote = quoted[-1] if quoted and quoted[-1] in "'\"" else "'"
    inserted = f", {quote}-f{quote}, {variable}"
    line = doc.line(span.end_line)
    new_line = line[: span.end_col] + inserted + line[span.end_col :]
    title = f"Pass `-f {variable}` (the image format)"
    if layout.fits(doc, [new_line], ctx.line_length, (span.end_line, span.end_line)):
        edit = Edit(Span(span.end_line, span.end_col, span.end_line, span.end_col), inserted)
        return Fix(title, (edit,), applicability=Applicability.UNSAFE)
    # too long: break the line after the subcommand, the rest under the first element
    rest = line[span.end_col :]
    first = sub.parent.elts[0] if isinstance(sub.parent, (nodes.List, nodes.Tuple)) else sub.parent.args[0]
    indent = " " * doc.node_span(first).start_col
    inserted = f"{quote}-f{quote}, {variable}"
    if rest.startswith(","):
        tail = rest[1:].lstrip()
        second = f"{indent}{inserted}," + (f" {tail}" if tail else "")
    elif rest.startswith((")", "]")):
        second = f"{indent}{inserted}{rest}"
    else:
        return None
    head = line[: span.end_col] + ","
    if not layout.fits(doc, [head, second], ctx.line_length, (span.end_line, span.end_line)):
        return None
    edit = Edit(Span(span.end_line, 0, span.end_line, len(line)), head + doc.newline + second)
    return Fix(title, (edit,), applicability=Applicability.UNSAFE)


def _format_variables(scope, group: _Group, origin, regex: str) -> list[str]:
    pattern = re.compile(regex)
    before = origin.lineno or 0
    names: list[str] = []

    def add(name):
        if name not in names:
            names.append(name)

    args = scope.args
    for arg in (args.posonlyargs or []) + (args.args or []) + (args.kwonlyargs or []):
        if pattern.fullmatch(arg.name):
            add(arg.name)
    for node in scope.nodes_of_class((nodes.AssignName, nodes.Attribute), skip_klass=(nodes.FunctionDef, nodes.ClassDef, nodes.Lambda)):
        if (node.lineno or 0) > before:
            continue
        name = node.name if isinstance(node, nodes.AssignName) else dotted(node)
        if name and pattern.fullmatch(name):
            add(name)
    used = set()
    for alt in group.alts:
        for part in alt:
            if part.node is None:
                continue
            for sub in part.node.nodes_of_class((nodes.Name, nodes.Attribute)):
                used.add(sub.name if isinstance(sub, nodes.Name) else dotted(sub))
    return [n for n in names if n not in used and not _empty_at(origin, n, scope)]


def _defaults_to_none(scope, name: str) -> bool:
    args = scope.args
    positional = (args.posonlyargs or []) + (args.args or [])
    defaults = list(args.defaults or [])
    pairs = list(zip(positional[len(positional) - len(defaults) :], defaults))
    pairs += list(zip(args.kwonlyargs or [], args.kw_defaults or []))
    return any(arg.name == name and isinstance(d, nodes.Const) and d.value is None for arg, d in pairs)


def _empty_at(node, name: str, scope) -> bool:
    """Whether ``name`` is known to be empty where ``node`` is: the ``else`` of ``if name:``,
    the body of ``if not name:`` / ``if name is None:``."""
    child, parent = node, node.parent
    while parent is not None and parent is not scope:
        if isinstance(parent, nodes.If):
            truthy = _tests_truthy(parent.test, name)
            if truthy is True and child in parent.orelse:
                return True
            if truthy is False and child in parent.body:
                return True
        child, parent = parent, parent.parent
    return False


def _tests_truthy(test, name):
    """True for ``if name`` / ``if name is not None``, False for ``if not name`` /
    ``if name is None``, None otherwise."""
    if dotted(test) == name:
        return True
    if isinstance(test, nodes.UnaryOp) and test.op == "not" and dotted(test.operand) == name:
        return False
    if isinstance(test, nodes.Compare) and dotted(test.left) == name and len(test.ops) == 1:
        op, right = test.ops[0]
        if isinstance(right, nodes.Const) and right.value is None:
            return True if op == "is not" else False if op == "is" else None
    return None


# -- NOVA011 -------------------------------------------------------------------------------------------


def _check_limits(ctx):
    options = ctx.options
    knobs = _knobs(options, formats=False)
    keyword = options["limits-keyword"]
    flows = argv.module_flows(ctx, options)
    for use in flows.uses:
        ctx.tick()
        call = use.call
        if any(k.arg == keyword or k.arg is None for k in call.keywords or ()):
            continue
        commands = [c for c in (parse_command(alt, knobs) for alt in use.alts) if c is not None]
        command = commands[0] if commands else None
        if command is None:
            continue
        yield ctx.finding(
            call.func,
            fix=_limits_fix_builder(ctx, use, options),
            subcommand=command.subcommand,
            keyword=keyword,
        )


def _limits_fix_builder(ctx, use, options):
    def build():
        fix = _limits_fix(ctx, use, options)
        return () if fix is None else (fix,)

    return build


def _limits_fix(ctx, use, options) -> Fix | None:
    if layout.in_test_code(ctx.document.path):
        return None
    call = use.call
    written = dotted(call.func) or ""
    full = qualified(call.func, import_map(ctx)) or written
    if any(fnmatch.fnmatchcase(written, p) or fnmatch.fnmatchcase(full, p) for p in options["no-limits-sinks"]):
        return None
    plan = ImportPlan(ctx)
    ref = _limits_constant(ctx, plan, call, options)
    if ref is None:
        return None
    keyword = f"{options['limits-keyword']}={ref}"
    edits = _add_keyword(ctx, call, keyword)
    if edits is None:
        return None
    return Fix(f"Pass `{keyword}`", layout.merged(list(edits) + list(plan.edits())), applicability=Applicability.UNSAFE)


def _module_constants(ctx, classes) -> list[str]:
    def compute():
        imports = import_map(ctx)
        found = []
        for stmt in ctx.module.body:
            if not isinstance(stmt, nodes.Assign) or not isinstance(stmt.value, nodes.Call):
                continue
            name = qualified(stmt.value.func, imports) or dotted(stmt.value.func) or ""
            if not any(fnmatch.fnmatchcase(name, c) for c in classes):
                continue
            for target in stmt.targets:
                if isinstance(target, nodes.AssignName) and target.name not in found:
                    found.append(target.name)
        return found

    return ctx.index.memo(("qemu_img.limits", tuple(classes)), compute)


def _module_name(path: str | None) -> str:
    if not path:
        return ""
    text = str(path).replace("\\", "/")
    text = text.removesuffix(".py").removesuffix("/__init__")
    return ".".join(p for p in text.split("/") if p and p != ".")


def _limits_constant(ctx, plan: ImportPlan, call, options) -> str | None:
    local = _module_constants(ctx, tuple(options["limits-classes"]))
    if len(local) == 1:
        return local[0]
    if local:
        return None
    here = _module_name(ctx.document.path)
    parts = set(here.split("."))
    imported = set(import_map(ctx).values())
    configured = []
    for entry in options["limits-constants"]:
        module, _, attr = str(entry).rpartition(".")
        if not module or not attr:
            continue
        if here == module or here.endswith("." + module):
            continue  # this module: it would define the constant itself
        configured.append((module, attr))
    already = [(m, a) for m, a in configured if m in imported or f"{m}.{a}" in imported]
    if len(already) == 1:
        return plan.ref(*already[0], call)
    if already:
        return None
    same_project = [(m, a) for m, a in configured if m.split(".")[0] in parts]
    if len(same_project) == 1:
        return plan.ref(*same_project[0], call)
    return None


def _add_keyword(ctx, call, keyword: str) -> tuple[Edit, ...] | None:
    """``keyword`` added as the call's last argument, keeping to the line length."""
    doc = ctx.document
    span = doc.node_span(call)
    arguments = sorted(list(call.args) + list(call.keywords or ()), key=lambda a: (a.lineno or 0, a.col_offset or 0))
    if not arguments:
        return None
    last = doc.node_span(arguments[-1])
    close = Span(span.end_line, span.end_col - 1, span.end_line, span.end_col)
    if doc.text_of(close) != ")":
        return None
    between = doc.text_of(Span(last.end_line, last.end_col, close.start_line, close.start_col))
    if between.strip() not in ("", ","):
        return None
    if last.end_line == close.start_line:
        line = doc.line(last.end_line)
        new_line = line[: last.end_col] + ", " + keyword + line[close.start_col :]
        if layout.fits(doc, [new_line], ctx.line_length, (last.end_line, last.end_line)):
            return (Edit(Span(last.end_line, last.end_col, close.start_line, close.start_col), ", " + keyword),)
        wrapped = layout.wrapped_call(doc, call, None, "", ctx.line_length, extra=[keyword])
        if wrapped is None:
            return None
        return (Edit(*wrapped),)
    # the closing parenthesis on a line of its own: a new argument line under the last one
    indent = " " * last.start_col if layout.starts_line(doc, arguments[-1]) else layout.indent_of(doc, last.end_line)
    if not layout.fits(doc, [f"{indent}{keyword},"], ctx.line_length):
        return None
    if "," in between:
        comma = doc.offset(last.end_line, last.end_col) + between.index(",") + 1
        line, col = _line_col(doc, comma)
        return (Edit(Span(line, col, line, col), f"{doc.newline}{indent}{keyword},"),)
    return (Edit(Span(last.end_line, last.end_col, last.end_line, last.end_col), f",{doc.newline}{indent}{keyword}"),)


def _line_col(doc, offset: int) -> tuple[int, int]:
    offsets = doc.line_offsets
    line = bisect.bisect_right(offsets, offset) - 1
    return line, offset - offsets[line]


# -- the rules -----------------------------------------------------------------------------------------

FACT_NODES = argv.FACT_NODES


def fact(ctx, node) -> bool:
    return argv.fact(ctx, node, ctx.options)


_CHECKS = {"NOVA010": _check_format, "NOVA011": _check_limits}  # rule ids are stable


def check(ctx):
    """NOVA010 (formats) or NOVA011 (limits), by the rule being run."""
    yield from _CHECKS[ctx.rule.id](ctx)
