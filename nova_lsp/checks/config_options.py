"""Reading oslo.config option declarations: ``cfg.StrOpt('password', secret=True, help=...)``.

A declaration is a call whose callee resolves, through the module's own imports, to
``oslo_config.cfg.<Constructor>`` (``from oslo_config import cfg`` then ``cfg.StrOpt``,
``from oslo_config.cfg import StrOpt``, ``import oslo_config.cfg``).  What this module reads
from it, without importing or evaluating anything:

- the option's name: a string literal (first positional argument or ``name=``), or a
  module-level constant of this module holding one (``OPT_NAME = 'password'``); a constant
  from another module (``utils.U4P_FAILOVER_TARGETS``) is kept as written, unresolved;
- its keywords (``secret``, ``mutable``, ``type``, ``default``...) as nodes;
- its help text, from a literal, implicit or ``+`` concatenation, ``%`` formatting (the
  format string), an f-string (its literal parts) or one wrapping call (``_('...')``,
  keystone's ``utils.fmt('''...''')``).

Shared by the secret-option checks (NOVA012, NOVA013).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from astroid import nodes

from nova_lsp.checks.tree import dotted, import_map, qualified

CFG_MODULE = "oslo_config.cfg"


@dataclass(frozen=True)
class OptionCall:
    call: nodes.Call
    constructor: str  # "StrOpt"
    name: str | None  # the literal name (resolved through a module constant), or None
    name_node: object  # the argument holding the name (None when there is none)
    name_ref: str | None  # the constant as written when the name is not a literal ("utils.X")
    keywords: Mapping[str, object]  # keyword -> value node (``**kwargs`` not included)
    star_kwargs: bool  # the call passes ``**something`` (any keyword may be in it)

    def literal(self, keyword: str):
        """The value of a keyword given as a constant (True, 'x', 3), else a sentinel
        ``UNKNOWN`` when it is given as an expression, None when it is absent."""
        node = self.keywords.get(keyword)
        if node is None:
            return None
        if isinstance(node, nodes.Const):
            return node.value
        return UNKNOWN

    @property
    def help(self) -> str:
        """The help text as far as it is written literally ('' when none)."""
        node = self.keywords.get("help")
        return text_of(node) if node is not None else ""


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


def module_constants(ctx) -> dict[str, str]:
    """Module-level ``NAME = 'text'`` assignments (memoised): names held in constants."""

    def compute():
        found: dict[str, str] = {}
        if ctx.module is None:
            return found
        for stmt in ctx.module.body:
            if isinstance(stmt, nodes.Assign) and isinstance(stmt.value, nodes.Const) and isinstance(stmt.value.value, str):
                for target in stmt.targets:
                    if isinstance(target, nodes.AssignName):
                        found[target.name] = stmt.value.value
        return found

    return ctx.index.memo("config_options.constants", compute)


def option_calls(ctx, constructors) -> list[OptionCall]:
    """Every oslo.config option declaration of the module whose constructor is one of
    ``constructors`` (``StrOpt``...), in source order."""
    wanted = frozenset(constructors)
    key = ("config_options.calls", wanted)
    return ctx.index.memo(key, lambda: list(_option_calls(ctx, wanted)))


def _option_calls(ctx, wanted):
    imports = import_map(ctx)
    if not any(v == CFG_MODULE or v.startswith(CFG_MODULE + ".") or v == "oslo_config" for v in imports.values()):
        return
    constants = None
    for call in ctx.index.of(nodes.Call):
        ctx.tick()
        func = call.func
        last = func.attrname if isinstance(func, nodes.Attribute) else func.name if isinstance(func, nodes.Name) else None
        if last not in wanted:
            # ``from oslo_config.cfg import StrOpt as S``
            if not isinstance(func, nodes.Name) or func.name not in imports:
                continue
            last = imports[func.name].rsplit(".", 1)[-1]
            if last not in wanted:
                continue
        if qualified(func, imports) != f"{CFG_MODULE}.{last}":
            continue
        keywords = {}
        star = False
        for kw in call.keywords or ():
            if kw.arg is None:
                star = True
            else:
                keywords[kw.arg] = kw.value
        name_node = call.args[0] if call.args else keywords.get("name")
        name = name_ref = None
        if isinstance(name_node, nodes.Const) and isinstance(name_node.value, str):
            name = name_node.value
        elif isinstance(name_node, (nodes.Name, nodes.Attribute)):
            name_ref = dotted(name_node)
            if isinstance(name_node, nodes.Name):
                if constants is None:
                    constants = module_constants(ctx)
                name = constants.get(name_node.name)
        yield OptionCall(call, last, name, name_node, name_ref, keywords, star)


def text_of(node, depth: int = 0) -> str:
    """The literal text an expression is written with, as far as it is literal."""
    if node is None or depth > 8:
        return ""
    if isinstance(node, nodes.Const):
        return node.value if isinstance(node.value, str) else ""
    if isinstance(node, nodes.BinOp):
        if node.op == "+":
            return text_of(node.left, depth + 1) + text_of(node.right, depth + 1)
        if node.op == "%":
            return text_of(node.left, depth + 1)
        return ""
    if isinstance(node, nodes.JoinedStr):
        return "".join(text_of(v, depth + 1) for v in node.values if isinstance(v, nodes.Const))
    if isinstance(node, nodes.Call):
        # ``'...'.format(...)``, ``_('...')``, keystone's ``utils.fmt('''...''')``
        if isinstance(node.func, nodes.Attribute) and node.func.attrname == "format":
            return text_of(node.func.expr, depth + 1)
        return text_of(node.args[0], depth + 1) if node.args else ""
    return ""
