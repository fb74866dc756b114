"""Fix "Validate allocation dict" for ``unvalidated-allocation`` (NOVA004).

Inserts, on its own line right before the statement that writes the allocations to
Placement, a call to the validator on exactly the flagged argument::

    _validate_allocations(alloc_req)
    return self.reportclient.claim_resources(context, instance.uuid, alloc_req, ...)

The argument is validated as written when evaluating it twice is harmless (a name, an
attribute, a subscript with a constant index); anything else (a call such as
``jsonutils.loads(raw)``, a dict display) is first bound to a new variable, which the write
then uses, so it is evaluated once::

    alloc_request = {"allocations": allocations}
    _validate_allocations(alloc_request)
    self.reportclient.put_allocations(context, consumer_uuid, alloc_request)

The validator is the rule's ``fix-validator`` option: a dotted name is imported and called; a
bare name that the module defines or imports is called; otherwise no fix is offered.  A
project has one validator: ``nova-lsp write-allocation-validator PATH`` writes it once (the
text of ``helper_source``), and the option names it.  It checks the Placement shape — provider UUID keys, a
``resources`` mapping, resource-class names ``^[A-Z0-9_]+$``, integer amounts from 1 to
2147483647 (never ``bool``) — and raises ``ValueError`` naming the offending key.  It accepts
the forms Nova writes: ``{rp_uuid: {"resources": ...}}``, a request body that holds them under
``"allocations"`` (dict form, or the list form used before microversion 1.12), and POST
/allocations data keyed by consumer UUID.

The fix is unsafe (it raises where the write went ahead before), so only ``--unsafe-fixes``
or the editor's quick fix applies it, and it is never offered in test code.
"""

from __future__ import annotations

import ast
from functools import lru_cache

from astroid import nodes

from nova_lsp.core.model import Applicability, Edit, Fix
from nova_lsp.checks import layout
from nova_lsp.checks.imports import ImportPlan, module_bindings, shadowed

TITLE = "Validate allocation dict"

_HELPER = '''\
def {name}(allocations, _where="allocations"):
    """Raise ValueError unless ``allocations`` has the shape Placement accepts.

    ``{{rp_uuid: {{"resources": {{RESOURCE_CLASS: amount}}, "generation": int}}}}``,
    a request body holding that under "allocations" (or the list form used
    before microversion 1.12), or POST /allocations data keyed by consumer.
    """
    if not isinstance(allocations, dict):
        raise ValueError("%s: expected a dict, not %s"
                         % (_where, type(allocations).__name__))
    if "allocations" in allocations:
        inner = allocations["allocations"]
        where = "%s['allocations']" % _where
        if not isinstance(inner, list):
            return {name}(inner, where)
        for index, item in enumerate(inner):
            item_where = "%s[%d]" % (where, index)
            if not isinstance(item, dict) or not isinstance(
                    item.get("resource_provider"), dict):
                raise ValueError("%s: expected a 'resource_provider' mapping"
                                 % item_where)
            provider = {{item["resource_provider"].get("uuid"):
                        {{"resources": item.get("resources")}}}}
            {name}(provider, item_where)
        return
    for rp_uuid, alloc in allocations.items():
        where = "%s[%r]" % (_where, rp_uuid)
        if not isinstance(rp_uuid, str) or not {fullmatch}(
                "[0-9a-fA-F]{{8}}(-[0-9a-fA-F]{{4}}){{3}}-[0-9a-fA-F]{{12}}",
                rp_uuid):
            raise ValueError("%s: key is not a resource provider UUID" % where)
        if not isinstance(alloc, dict):
            raise ValueError("%s: expected a dict, not %s"
                             % (where, type(alloc).__name__))
        if "allocations" in alloc and "resources" not in alloc:
            {name}(alloc, where)  # keyed by consumer
            continue
        resources = alloc.get("resources")
        if not isinstance(resources, dict) or not resources:
            raise ValueError("%s: expected a non-empty 'resources' mapping"
                             % where)
        generation = alloc.get("generation")
        if generation is not None and (isinstance(generation, bool)
                                       or not isinstance(generation, int)):
            raise ValueError("%s['generation']: %r is not an integer"
                             % (where, generation))
        for rc, amount in resources.items():
            if not isinstance(rc, str) or not {fullmatch}("[A-Z0-9_]+", rc):
                raise ValueError("%s['resources']: %r is not a resource class"
                                 % (where, rc))
            if (isinstance(amount, bool) or not isinstance(amount, int)
                    or not 1 <= amount <= 2147483647):
                raise ValueError("%s['resources'][%r]: amount %r is not an "
                                 "integer from 1 to 2147483647"
                                 % (where, rc, amount))
'''


@lru_cache(maxsize=32)
def helper_source(name: str, fullmatch: str, indent: str = "    ", newline: str = "\n") -> str:
    """The generated validator, indented with ``indent`` and ending with ``newline``."""
    text = _HELPER.format(name=name, fullmatch=fullmatch)
    lines = []
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        depth = (len(line) - len(stripped)) // 4
        extra = (len(line) - len(stripped)) % 4
        lines.append(indent * depth + " " * extra + stripped if stripped else "")
    return newline.join(lines) + newline


def builder(ctx, node):
    """The fix builder of a finding at ``node``, the allocation argument of a write."""

    def build():
        fix = _fix(ctx, node)
        return () if fix is None else (fix,)

    return build


def _side_effect_free(node) -> bool:
    if isinstance(node, nodes.Name):
        return True
    if isinstance(node, nodes.Attribute):
        return _side_effect_free(node.expr)
    if isinstance(node, nodes.Subscript):
        return isinstance(node.slice, nodes.Const) and _side_effect_free(node.value)
    return False


def _block_of(stmt):
    parent = stmt.parent
    for name in ("body", "orelse", "finalbody"):
        block = getattr(parent, name, None)
        if isinstance(block, list) and any(s is stmt for s in block):
            return block
    return None


def _insertable(doc, node, stmt) -> bool:
    if _block_of(stmt) is None or not layout.starts_line(doc, stmt):
        return False
    if isinstance(stmt, nodes.If) and isinstance(stmt.parent, nodes.If) and stmt in stmt.parent.orelse:
        span = doc.node_span(stmt)
        if doc.line(span.start_line)[span.start_col :].startswith("elif"):
            return False
    if isinstance(stmt, (nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.ClassDef)):
        return False
    if isinstance(stmt, nodes.While):
        return False  # the test runs before every iteration: one check before the loop is not it
    if layout.in_nested_scope(node, stmt):
        return False
    return True


def _validator_ref(ctx, plan: ImportPlan, stmt) -> str | None:
    """The text that calls the project's one validator: ``fix-validator`` as a dotted name
    (imported), or a bare name the module itself defines or imports.  None otherwise: the fix
    never pastes a validator into the module (one per project: ``nova-lsp
    write-allocation-validator PATH`` writes it once, and the option names it)."""
    configured = ctx.options["fix-validator"].strip()
    if not configured:
        return None
    if "." in configured:
        module, attr = configured.rsplit(".", 1)
        return plan.ref(module, attr, stmt)
    if shadowed(configured, stmt) or configured in module_bindings(ctx):
        return configured
    return None


def _fix(ctx, node) -> Fix | None:
    doc = ctx.document
    if node is None or not isinstance(node, nodes.NodeNG) or node.is_statement:
        return None
    if not layout.text_matches(doc, doc.node_span(node), node):
        return None
    if isinstance(node.parent, nodes.Starred) or isinstance(node, nodes.Starred):
        return None
    if layout.in_test_code(doc.path):
        return None  # fake allocations in tests are the point of the test
    stmt = node.statement()
    if not _insertable(doc, node, stmt):
        return None
    plan = ImportPlan(ctx)
    validator = _validator_ref(ctx, plan, stmt)
    if validator is None:
        return None
    stmt_line = doc.node_span(stmt).start_line
    indent = layout.indent_of(doc, stmt_line)
    edits: list[Edit] = []
    span = doc.node_span(node)
    text = doc.text_of(span)
    if _side_effect_free(node):
        lines = [f"{indent}{validator}({text})"]
    else:
        taken = layout.names_in_scope(stmt.scope())
        wanted = "alloc_request" if _is_request_display(node) else "allocations"
        var = layout.fresh_name(wanted, taken)
        value = text if _parses(f"{var} = {text}") else f"({text})"
        lines = [f"{indent}{var} = {value}", f"{indent}{validator}({var})"]
        edits.append(Edit(span, var))
    if not layout.fits(doc, lines, ctx.line_length):
        return None
    edits.append(layout.insert_lines_before(doc, stmt_line, lines))
    edits.extend(plan.edits())
    # unsafe: the validator raises ValueError where the write went ahead before
    return Fix(TITLE, layout.merged(edits), preferred=True, applicability=Applicability.UNSAFE)


def _is_request_display(node) -> bool:
    return isinstance(node, nodes.Dict) and any(
        isinstance(k, nodes.Const) and k.value == "allocations" for k, _ in node.items
    )


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True
