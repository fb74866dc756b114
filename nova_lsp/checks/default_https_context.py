"""Process-wide unverified HTTPS (NOVA018, CWE-295): any assignment to
``ssl._create_default_https_context``.

``urllib``, ``http.client`` and everything built on them call that hook for every HTTPS
connection that brings no context of its own, so replacing it — usually with
``ssl._create_unverified_context`` — turns certificate checks off for the whole process: in
cinder-volume for every back end, in nova-compute for every client, whatever code did it.

The ``ssl`` module is recognised under any name the module binds it to: ``import ssl as
_ssl``, ``from ... import ssl`` or a plain ``alias = ssl``; ``setattr(ssl,
'_create_default_https_context', ...)`` counts too.  The value does not matter (an alias of
``_create_unverified_context``, a lambda, a project helper): the hook is process-wide either
way, and no option guard makes that a per-connection decision, so the rule has no quiet
branches.

Fix: delete the assignment (``pass`` where it is a block's only statement).  UNSAFE: code that
reached a host with a self-signed certificate through the hook fails until it is given a CA
bundle; never offered in test code.
"""

from __future__ import annotations

from astroid import nodes

from nova_lsp.checks import layout
from nova_lsp.checks.tree import dotted, import_map, qualified
from nova_lsp.core.model import Applicability, Edit, Fix, Span

TITLE = "Remove the process-wide unverified HTTPS context"
_HOOK = "_create_default_https_context"


def _ssl_aliases(ctx) -> frozenset[str]:
    """Names bound to the ``ssl`` module: through imports, and plain ``x = ssl`` assignments."""

    def compute():
        imports = import_map(ctx)
        found = {local for local, full in imports.items() if full == "ssl"}
        for assign in ctx.index.of(nodes.Assign):
            if (qualified(assign.value, imports) or "") == "ssl" or dotted(assign.value) in found:
                for target in assign.targets:
                    if isinstance(target, nodes.AssignName):
                        found.add(target.name)
        return frozenset(found)

    return ctx.index.memo("default_https_context.aliases", compute)


def _is_ssl(ctx, node) -> bool:
    name = dotted(node)
    if name is None:
        return False
    return name in _ssl_aliases(ctx) or (qualified(node, import_map(ctx)) or "") == "ssl"


def check(ctx):
    test_code = layout.in_test_code(ctx.document.path)
    for target in ctx.index.of(nodes.AssignAttr):
        ctx.tick()
        if target.attrname != _HOOK or not _is_ssl(ctx, target.expr):
            continue
        statement = target.statement()
        value = getattr(statement, "value", None)
        yield _finding(ctx, statement, value, test_code)
    for call in ctx.index.of(nodes.Call):
        ctx.tick()
        if dotted(call.func) != "setattr" or len(call.args) < 2:
            continue
        obj, attr = call.args[0], call.args[1]
        if isinstance(attr, nodes.Const) and attr.value == _HOOK and _is_ssl(ctx, obj):
            statement = call.statement()
            value = call.args[2] if len(call.args) > 2 else None
            yield _finding(ctx, statement, value, test_code, removable=isinstance(statement, nodes.Expr) and statement.value is call)


def _finding(ctx, statement, value, test_code, removable=True):
    shown = value.as_string() if value is not None else "..."
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return ctx.finding(
        statement,
        value=shown,
        fix=_builder(ctx, statement, test_code or not removable),
    )


def _builder(ctx, statement, skip):
    def build():
        if skip or not isinstance(statement, (nodes.Assign, nodes.Expr)):
            return ()
        edit = _delete(ctx, statement)
        if edit is None:
            return ()
        return (Fix(TITLE, (edit,), preferred=True, applicability=Applicability.UNSAFE),)

    return build


def _delete(ctx, statement):
    """Remove the statement's lines, or write ``pass`` in its place when it is the only
    statement of its block; None when it shares a line with other code."""
    doc = ctx.document
    span = doc.node_span(statement)
    first, last = doc.line(span.start_line), doc.line(span.end_line)
    if first[: span.start_col].strip() or last[span.end_col :].strip() and not last[span.end_col :].lstrip().startswith("#"):
        return None  # `x = 1; ssl._create_default_https_context = ...`
    parent = statement.parent
    block = None
    for field in ("body", "orelse", "finalbody", "handlers"):
        seq = getattr(parent, field, None)
        if isinstance(seq, list) and statement in seq:
            block = seq
            break
    if block is not None and len(block) == 1 and not isinstance(parent, nodes.Module):
        return Edit(Span(span.start_line, span.start_col, span.end_line, len(last)), "pass")
    end_line = span.end_line + 1
    if end_line < len(doc.lines):
        return Edit(Span(span.start_line, 0, end_line, 0), "")
    return Edit(Span(span.start_line, 0, span.end_line, len(last)), "")
