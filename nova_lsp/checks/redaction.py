"""Fix "Redact log argument" for ``log-sensitive-data`` (NOVA001) and "Redact exception
argument" for ``secret-in-exception`` (NOVA002).

The finding's span is exactly the leaking sub-expression (a positional log argument, a value
in a ``%``-dict, an f-string field, a ``.format`` argument, a pre-built message).  It becomes:

* ``strutils.mask_dict_password(x)`` when ``x`` is surely a mapping at run time: a dict
  display or comprehension, ``dict(...)``, ``locals()``, ``vars(...)``, ``<ctx>.to_dict()``,
  ``**kwargs``, ``headers``, a name every binding of which is one of those, a parameter named
  like a secret carrier (``connection_info``, ``block_device_info``, ``headers``...) or a
  carrier key of one (``connection_info['data']``) — and always where the code needs a mapping
  (``**x``, ``"%(name)s" % x``, ``LOG.debug("%(name)s", x)``).  ``mask_dict_password`` raises
  ``TypeError`` for anything else, so a carrier that may be ``None`` (a parameter defaulting to
  ``None``, a ``.get()``) is written ``mask_dict_password(x or {})``, and an attribute such as
  ``bdm.connection_info`` (a JSON string in Nova's objects) is treated as text;
* ``'***'`` when ``x`` is itself a secret (``new_pass``, ``self.auth_token``,
  ``body['adminPass']``, ``get_password()``): ``mask_password`` only masks ``key=value``-like
  text, so ``mask_password(new_pass)`` would return the password unchanged;
* ``strutils.mask_password(x)`` for any other value (a message, a command line, a URL).  No
  ``str()`` is added: ``mask_password`` calls ``str()`` on its argument itself.

``from oslo_utils import strutils`` is added in the third-party import block when the module
does not import strutils yet; an existing import is reused under its name.  A project that
sets the rule options ``redactor`` (dotted name of a function for any value) and/or
``mapping-redactor`` (for mappings) gets those imported and used instead.

No fix is offered where the redacted value would break the formatting (``%d`` or ``{:d}``
fields), for ``*args``, or where replacing the expression would drop a comment.
"""

from __future__ import annotations

import re

from astroid import nodes

from nova_lsp.checks.taint import CARRIER, SECRET, DottedSet, format_literal, knowledge, percent_fields
from nova_lsp.checks.tree import dotted
from nova_lsp.core.model import Applicability, Edit, Fix
from nova_lsp.checks import layout
from nova_lsp.checks.imports import ImportPlan, bindings, module_bindings, shadowed

STRUTILS = "oslo_utils.strutils"
_PERCENT = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsab%])"
)
_NUMERIC_SPEC = re.compile(r"[bcdoxXneEfFgG%]$")
_BUILTIN_MAPPINGS = {"dict", "locals", "vars"}
_MAPPING_METHODS = {"to_dict", "obj_to_primitive", "copy"}
_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "critical", "fatal", "exception", "audit", "trace", "log"}
_MAX_DEPTH = 4


def builder(ctx, node):
    """The fix builder of a finding at ``node``, the leaking sub-expression."""

    def build():
        fix = _fix(ctx, node)
        return () if fix is None else (fix,)

    return build


# -- how the value must be redacted -----------------------------------------------------------


def _param_default(name_node: nodes.AssignName):
    """The default of a parameter (None when it has none)."""
    args = name_node.parent
    if not isinstance(args, nodes.Arguments):
        return None
    positional = list(args.posonlyargs or []) + list(args.args or [])
    defaults = list(args.defaults or [])
    if name_node in positional:
        index = positional.index(name_node) - (len(positional) - len(defaults))
        return defaults[index] if index >= 0 else None
    kwonly = list(args.kwonlyargs or [])
    if name_node in kwonly:
        return (args.kw_defaults or [None] * len(kwonly))[kwonly.index(name_node)]
    return None


def _is_none(node) -> bool:
    return isinstance(node, nodes.Const) and node.value is None


class _Judge:
    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.kb = ctx.index.memo(("redaction.knowledge", ctx.rule.id), lambda: knowledge(ctx.options))

    def mapping(self, node, depth: int = 0) -> str | None:
        """"dict" when ``node`` is surely a mapping, "dict-or-none" when it is one or None,
        None when unsure."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, (nodes.Dict, nodes.DictComp)):
            return "dict"
        if isinstance(node, nodes.Call):
            func = node.func
            if isinstance(func, nodes.Name) and func.name in _BUILTIN_MAPPINGS and self._builtin(func):
                return "dict"
            if isinstance(func, nodes.Attribute):
                if func.attrname in ("to_dict", "obj_to_primitive"):
                    return "dict"
                if func.attrname == "copy" and not node.args and self.mapping(func.expr, depth + 1) == "dict":
                    return "dict"
                if func.attrname == "get" and node.args and self._carrier_key(node.args[0]):
                    if self.mapping(func.expr, depth + 1):
                        return "dict-or-none"
                if (func.attrname in ("deepcopy", "copy")) and isinstance(func.expr, nodes.Name) and func.expr.name == "copy":
                    if node.args and self.mapping(node.args[0], depth + 1) == "dict":
                        return "dict"
            return None
        if isinstance(node, nodes.Attribute):
            return "dict" if node.attrname == "headers" else None
        if isinstance(node, nodes.Subscript):
            if self._carrier_key(node.slice) and self.mapping(node.value, depth + 1) == "dict":
                return "dict"
            return None
        if isinstance(node, nodes.Name):
            return self._name_mapping(node, depth)
        return None

    def _builtin(self, name: nodes.Name) -> bool:
        return not shadowed(name.name, name) and name.name not in module_bindings(self.ctx)

    def _carrier_key(self, key) -> bool:
        return isinstance(key, nodes.Const) and isinstance(key.value, str) and self.kb.is_carrier_key(key.value)

    def _name_mapping(self, node: nodes.Name, depth: int) -> str | None:
        assigns = bindings(self.ctx, node.name, node)
        if not assigns:
            return None
        result = "dict"
        for assign in assigns:
            if isinstance(assign, nodes.Arguments):  # ``*args`` / ``**kwargs``
                if assign.kwarg == node.name:
                    continue
                return None
            if not isinstance(assign, nodes.AssignName):
                return None
            parent = assign.parent
            if isinstance(parent, nodes.Arguments):
                if parent.kwarg == assign.name:
                    continue
                if parent.vararg == assign.name:
                    return None
                if self.kb.classify(assign.name) != CARRIER:
                    return None
                default = _param_default(assign)
                if default is not None:
                    if _is_none(default):
                        result = "dict-or-none"
                    elif self.mapping(default, depth + 1) is None:
                        return None
                continue
            if isinstance(parent, (nodes.Assign, nodes.AnnAssign)) and parent.value is not None:
                if parent.value is node:
                    return None
                if _is_none(parent.value):
                    result = "dict-or-none"
                    continue
                kind = self.mapping(parent.value, depth + 1)
                if kind is None:
                    return None
                if kind == "dict-or-none":
                    result = kind
                continue
            return None
        return result

    def secret(self, node) -> bool:
        """The value is itself a secret (not a container that holds one)."""
        kb = self.kb
        if isinstance(node, nodes.Name):
            return kb.classify(node.name) == SECRET
        if isinstance(node, nodes.Attribute):
            return kb.classify(node.attrname) == SECRET
        if isinstance(node, nodes.Subscript):
            key = node.slice
            return isinstance(key, nodes.Const) and isinstance(key.value, str) and kb.classify(key.value) == SECRET
        if isinstance(node, nodes.Call):
            func = node.func
            if isinstance(func, nodes.Attribute) and func.attrname in ("get", "pop") and node.args:
                key = node.args[0]
                return isinstance(key, nodes.Const) and isinstance(key.value, str) and kb.classify(key.value) == SECRET
            name = func.attrname if isinstance(func, nodes.Attribute) else getattr(func, "name", None)
            return bool(name) and kb.call_source(name) == SECRET
        return False


def _format_context(node) -> tuple[bool, str | None]:
    """(a mapping is required here, the ``%`` conversion the value is formatted with)."""
    parent = node.parent
    if isinstance(parent, nodes.Keyword) and parent.arg is None:
        return True, None
    if isinstance(parent, nodes.Call) and isinstance(parent.func, nodes.Attribute):
        if parent.func.attrname == "format_map" and node in parent.args:
            return True, None
    # "..." % x  /  "..." % (a, x)
    operand, index = node, None
    if isinstance(parent, nodes.Tuple) and isinstance(parent.parent, nodes.BinOp):
        operand, index = parent, parent.elts.index(node) if node in parent.elts else None
        parent = parent.parent
    if isinstance(parent, nodes.BinOp) and parent.op == "%" and parent.right is operand:
        text = format_literal(parent.left)
        if text is not None:
            return _from_format(text, index if operand is not node else 0, whole=operand is node)
        return False, None
    # LOG.debug("...", a, x)
    parent = node.parent
    if isinstance(parent, nodes.Call) and isinstance(parent.func, nodes.Attribute) and node in parent.args:
        if parent.func.attrname in _LOG_METHODS:
            first = 1 if parent.func.attrname == "log" else 0
            position = parent.args.index(node)
            if position > first:
                text = format_literal(parent.args[first])
                if text is not None:
                    rest = parent.args[first + 1 :]
                    return _from_format(text, position - first - 1, whole=len(rest) == 1)
    return False, None


def _from_format(text: str, index: int | None, whole: bool) -> tuple[bool, str | None]:
    named = percent_fields(text)
    if named:
        return (whole, None)
    conversions = [m.group("conv") for m in _PERCENT.finditer(text) if m.group("conv") != "%"]
    if whole and index == 0 and len(conversions) != 1:
        return False, "?"  # ``fmt % args`` with several fields: the value is a tuple
    if index is not None and index < len(conversions):
        return False, conversions[index]
    return False, None


def _numeric_field(node) -> bool:
    """An f-string field with a numeric format spec (``{x:d}``)."""
    parent = node.parent
    if isinstance(parent, nodes.FormattedValue) and parent.format_spec is not None:
        spec = "".join(
            v.value for v in parent.format_spec.values if isinstance(v, nodes.Const) and isinstance(v.value, str)
        )
        return bool(_NUMERIC_SPEC.search(spec))
    return False


def _in_fstring(node) -> bool:
    current = node.parent
    while current is not None and not current.is_statement:
        if isinstance(current, nodes.FormattedValue):
            return True
        current = current.parent
    return False


def _option(ctx, key: str) -> str | None:
    value = ctx.options.get(key)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _callable(plan: ImportPlan, dotted_name: str, at) -> str:
    if "." not in dotted_name:
        return dotted_name
    module, attr = dotted_name.rsplit(".", 1)
    return plan.ref(module, attr, at)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:37] + "..."


def _fix(ctx, node) -> Fix | None:
    doc = ctx.document
    if node is None or not isinstance(node, nodes.NodeNG) or node.is_statement:
        return None
    span = doc.node_span(node)
    if not layout.text_matches(doc, span, node):
        return None
    if isinstance(node, (nodes.Starred, nodes.Keyword, nodes.Arguments, nodes.Comprehension)):
        return None
    if isinstance(node.parent, nodes.Starred) or isinstance(node, nodes.AssignName):
        return None
    if _numeric_field(node):
        return None
    needs_mapping, conversion = _format_context(node)
    if conversion is not None and conversion not in "sra":
        return None
    judge = _Judge(ctx)
    plan = ImportPlan(ctx)
    text = doc.text_of(span)
    redactor = _option(ctx, "redactor")
    mapping_redactor = _option(ctx, "mapping-redactor")
    kind = judge.mapping(node)
    if needs_mapping and kind is None:
        kind = "dict"
    if kind is not None:
        if mapping_redactor or (redactor and not needs_mapping):
            func = _callable(plan, mapping_redactor or redactor, node)
            new_text, title = f"{func}({text})", f"Redact `{_short(text)}` with {func}()"
        else:
            func = plan.ref(STRUTILS, "mask_dict_password", node)
            arg = f"{text} or {{}}" if kind == "dict-or-none" else text
            new_text, title = f"{func}({arg})", f"Redact `{_short(text)}` with {func}()"
    elif redactor:
        func = _callable(plan, redactor, node)
        new_text, title = f"{func}({text})", f"Redact `{_short(text)}` with {func}()"
    elif judge.secret(node):
        if layout.span_has_comment(doc, span):
            return None
        new_text, title = _masked_literal(ctx, node, span), f"Replace `{_short(text)}` with '***'"
        if new_text is None:
            return None
    else:
        func = plan.ref(STRUTILS, "mask_password", node)
        new_text, title = f"{func}({text})", f"Redact `{_short(text)}` with {func}()"
    edit = _fitted(ctx, node, span, new_text)
    if edit is None:
        return None  # it cannot be written within the project's line length
    edits = (edit,) + plan.edits()
    return Fix(title, layout.merged(edits), preferred=True, applicability=_applicability(ctx, node))


def _applicability(ctx, node) -> Applicability:
    """Redacting what goes to a log changes no behaviour: safe.  What a program prints
    (``print``, the rule's other ``extra-sinks``) or puts in an exception's message (NOVA002:
    the API's error body) is its output, which the fix would change: unsafe."""
    if ctx.rule.id != "NOVA001":
        return Applicability.UNSAFE
    extra = DottedSet(ctx.options["extra-sinks"])
    current = node.parent
    while current is not None and not current.is_statement:
        if isinstance(current, nodes.Call):
            written = dotted(current.func)
            if written and extra.match(written):
                return Applicability.UNSAFE
        current = current.parent
    return Applicability.SAFE


def _fitted(ctx, node, span, new_text: str) -> Edit | None:
    """The edit replacing ``span`` with ``new_text``, kept to the project's line length: when
    the line would grow past it, the call around the value is wrapped (visual indent, else a
    hanging one); None when it cannot be made to fit."""
    doc = ctx.document
    limit = ctx.line_length
    first, last = span.start_line, span.end_line
    line_before = doc.line(first)[: span.start_col]
    line_after = doc.line(last)[span.end_col :]
    lines = (line_before + new_text + line_after).splitlines() or [""]
    if layout.fits(doc, lines, limit, (first, last)):
        return Edit(span, new_text)
    # a statement that was already too long may stay as long as it was
    limit = max(limit, max(layout.width(doc.line(n)) for n in range(first, last + 1)))
    call = node.parent
    while call is not None and not call.is_statement and not isinstance(call, nodes.Call):
        call = call.parent
    while isinstance(call, nodes.Call):
        wrapped = layout.wrapped_call(doc, call, span, new_text, limit)
        if wrapped is not None:
            return Edit(*wrapped)
        call = call.parent
        while call is not None and not call.is_statement and not isinstance(call, nodes.Call):
            call = call.parent
    return None


def _quote(ctx, node) -> str:
    """The quote the statement's own strings use (single quotes when it has none)."""
    text = ctx.document.text_of(ctx.document.node_span(node.statement()))
    found = [i for i in (text.find("'"), text.find('"')) if i >= 0]
    return text[min(found)] if found else "'"


def _masked_literal(ctx, node, span) -> str | None:
    quote = _quote(ctx, node)
    literal = f"{quote}***{quote}"
    if not _in_fstring(node):
        return literal
    # inside an f-string the quote may have to differ from the f-string's own (before 3.12):
    # the first literal whose edit parses (only the edited statement is parsed)
    other = "'" if quote == '"' else '"'
    for literal in (f"{other}***{other}", f"{quote}***{quote}"):
        if ctx.edits_parse([Edit(span, literal)], node):
            return literal
    return None
