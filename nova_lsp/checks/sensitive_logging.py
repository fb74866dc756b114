"""Sensitive values written to logs (NOVA001 ``log-sensitive-data``, CWE-532).

Sinks are calls of a level method (``debug`` ... ``exception``, oslo_log's ``audit`` and
``trace``, ``log(level, msg, ...)``) on something *resolved* to be a logger, functions of the
stdlib ``logging`` module itself, and the ``extra-sinks`` (``print`` by default).  A receiver
is a logger when:

* it is assigned from a logger factory (``logging.getLogger(...)``, ``log.getLogger(...)``,
  ``LoggerAdapter(...)``, ``logger.getChild(...)``) — a module/class/local name, or an
  attribute assigned as ``self.log = ...``; or is the factory call itself;
* it is a name listed in ``logger-names`` that is not bound to something else: no assignment
  is visible (``LOG`` from a star import), it is imported by that name
  (``from nova.compute.manager import LOG``), it is a parameter, or it is assigned something
  we cannot see into.  A module import (``from oslo_log import log``) or a literal binding
  makes the name *not* a logger, and an attribute named like a logger (``self.log``) counts
  unless its only assignments are literals.

So ``self.driver.info(x)`` or ``tarfile.info`` are never sinks.  The arguments checked are
every positional argument (from the second one for ``log``) and the ``msg=`` keyword.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from astroid import nodes

from nova_lsp.checks.tree import call_name, dotted, import_map, qualified
from nova_lsp.checks import redaction
from nova_lsp.checks.taint import (
    DottedSet,
    Leak,
    Taint,
    describe,
    format_literal,
    knowledge,
    percent_fields,
    shared_flow,
)

_LOG_MODULES = frozenset(("oslo_log.log", "nova.openstack.common.log", "openstack.common.log"))


def _is_log_module(full: str) -> bool:
    return full in _LOG_MODULES or full.endswith(".openstack.common.log")


_LITERALS = (nodes.Const, nodes.List, nodes.Tuple, nodes.Dict, nodes.Set, nodes.JoinedStr)


@dataclass(frozen=True)
class _SinkOptions:
    logger_names: frozenset
    factories: frozenset
    methods: frozenset
    extra: DottedSet
    candidates: frozenset  # last name components a sink call can have


@lru_cache(maxsize=16)
def _sink_options(names: tuple, factories: tuple, methods: tuple, extra: tuple) -> _SinkOptions:
    candidates = frozenset(methods) | {"log"} | {e.rsplit(".", 1)[-1] for e in extra}
    return _SinkOptions(frozenset(names), frozenset(factories), frozenset(methods), DottedSet(extra), candidates)


def _sinks(options) -> _SinkOptions:
    return _sink_options(
        tuple(options["logger-names"]),
        tuple(options["logger-factories"]),
        tuple(options["log-methods"]),
        tuple(options["extra-sinks"]),
    )


# Facts for incremental analysis: an attribute assignment in one method makes ``self.<attr>``
# a logger in every other method (``self.log = logging.getLogger(...)`` in ``__init__``).
FACT_NODES = (nodes.AssignAttr,)


def fact(ctx, node) -> bool:
    """Whether another function's findings may depend on this attribute assignment: the
    attribute is named like a logger, or the value is (or may be) one."""
    parent = node.parent
    if not isinstance(parent, (nodes.Assign, nodes.AnnAssign)) or parent.value is None:
        return False
    sinks = _sinks(ctx.options)
    if node.attrname in sinks.logger_names:
        return True
    loggers = ctx.index.memo(("loggers", sinks), lambda: Loggers(ctx, sinks))
    return loggers.is_logger_value(parent.value, 0)


class Loggers:
    """Decides whether an expression is a logger, from the module's own assignments."""

    def __init__(self, ctx, sinks: _SinkOptions) -> None:
        self.sinks = sinks
        self.imports = import_map(ctx)
        self._from_imports: dict = {}
        for node in ctx.index.of(nodes.ImportFrom):
            table = self._from_imports.setdefault(node.scope(), {})
            for name, alias in node.names:
                if name != "*":
                    full = f"{node.modname}.{name}" if node.modname else name
                    table.setdefault(alias or name, []).append(full if _is_log_module(full) else name)
        self._attr_values: dict[str, list] = {}
        for node in ctx.index.of(nodes.AssignAttr):
            if isinstance(node.parent, (nodes.Assign, nodes.AnnAssign)) and node.parent.value is not None:
                self._attr_values.setdefault(node.attrname, []).append(node.parent.value)
        for cls in ctx.index.of(nodes.ClassDef):
            for stmt in cls.body:
                if isinstance(stmt, nodes.Assign):
                    for target in stmt.targets:
                        if isinstance(target, nodes.AssignName):
                            self._attr_values.setdefault(target.name, []).append(stmt.value)
        self._memo: dict = {}

    def bindings(self, name: str, scope):
        """(assignment-like nodes, names imported with ``from``) binding ``name`` seen from
        ``scope``, innermost scope first; class bodies are skipped for nested functions."""
        first = True
        while scope is not None:
            if first or not isinstance(scope, nodes.ClassDef):
                found = scope.locals.get(name, [])
                froms = self._from_imports.get(scope, {}).get(name, [])
                if found or froms:
                    return found, froms
            first = False
            scope = scope.parent.scope() if scope.parent is not None else None
        return [], []

    def is_logger(self, node, depth: int = 0) -> bool:
        if depth > 4:
            return False
        if isinstance(node, nodes.Name):
            key = (node.scope(), node.name)
            if key not in self._memo:
                self._memo[key] = False  # cycles (LOG = LOG) resolve to "not a logger"
                self._memo[key] = self._name_is_logger(node.name, node.scope(), depth)
            return self._memo[key]
        if isinstance(node, nodes.Attribute):
            values = self._attr_values.get(node.attrname, [])
            if any(self.is_logger_value(v, depth + 1) for v in values):
                return True
            if node.attrname in self.sinks.logger_names:
                return not values or not all(isinstance(v, _LITERALS) for v in values)
            return False
        if isinstance(node, nodes.Call):
            return call_name(node) in self.sinks.factories
        return False

    def is_logger_value(self, value, depth: int) -> bool:
        if isinstance(value, nodes.Call):
            return call_name(value) in self.sinks.factories
        if isinstance(value, (nodes.Name, nodes.Attribute)):
            return self.is_logger(value, depth + 1)
        if isinstance(value, nodes.IfExp):
            return self.is_logger_value(value.body, depth + 1) or self.is_logger_value(value.orelse, depth + 1)
        if isinstance(value, nodes.BoolOp):
            return any(self.is_logger_value(v, depth + 1) for v in value.values)
        return False

    def _name_is_logger(self, name: str, scope, depth: int) -> bool:
        named = name in self.sinks.logger_names
        found, froms = self.bindings(name, scope)
        if not found and not froms:
            return named
        for original in froms:
            if original in _LOG_MODULES or name == "logging":
                continue  # from oslo_log import log (as logging): the module, not a logger
            if named or original in self.sinks.logger_names:
                return True
        for binding in found:
            if isinstance(binding, nodes.AssignName):
                parent = binding.parent
                if isinstance(parent, (nodes.Assign, nodes.AnnAssign)) and parent.value is not None:
                    if self.is_logger_value(parent.value, depth):
                        return True
                    if named and not isinstance(parent.value, _LITERALS):
                        return True
                elif named and not isinstance(parent, (nodes.Assign, nodes.AnnAssign)):
                    return True  # a parameter, a loop / with target
        return False

    def is_unbound(self, name: str, scope) -> bool:
        found, froms = self.bindings(name, scope)
        return not found and not froms


def _log_arguments(call: nodes.Call, method: str) -> list:
    args = list(call.args)
    if method == "log":
        args = args[1:]
    args += [kw.value for kw in call.keywords or () if kw.arg == "msg"]
    return args


def sink_arguments(call: nodes.Call, loggers: Loggers) -> tuple[list, bool] | None:
    """The arguments of ``call`` written out, and whether the first one is a ``%`` format
    applied to the others (log calls) or not (``print``); None if it is not a sink."""
    sinks = loggers.sinks
    func = call.func
    if isinstance(func, nodes.Attribute):
        method = func.attrname
        if method in sinks.methods or method == "log":
            receiver = func.expr
            if qualified(receiver, loggers.imports) == "logging" or loggers.is_logger(receiver):
                return _log_arguments(call, method), True
    elif isinstance(func, nodes.Name):
        full = qualified(func, loggers.imports) or ""
        module, _, method = full.rpartition(".")
        if module == "logging" and (method in sinks.methods or method == "log"):
            return _log_arguments(call, method), True
    written = dotted(func)
    if written is None:
        return None
    full = qualified(func, loggers.imports)
    if sinks.extra.match(written, full):
        if "." not in written and not loggers.is_unbound(written, call.scope()):
            return None  # a local ``print`` function, not the builtin
        return list(call.args), False
    return None


def _leaks_of_call(flow, call: nodes.Call, arguments: list, formatted: bool) -> list:
    env = flow.env_at(call)
    message = arguments[0] if arguments and formatted else None
    text = format_literal(message) if message is not None else None
    named = percent_fields(text) if text is not None else None
    found = []
    for arg in arguments:
        if named and arg is not message and len(arguments) == 2:
            # LOG.debug("%(a)s", bag): the logger reads only the named entries of the bag
            bag = flow.value(arg, env)
            if isinstance(bag, Taint) and not isinstance(arg, nodes.Dict):
                picked = flow.bag_fields(arg, bag, named, env)
                if isinstance(picked, Taint):
                    found.append(Leak(arg, picked))
                continue
        found.extend(flow.leaks(arg, env))
    return found


def check(ctx):
    options = ctx.options
    kb = knowledge(options)
    sinks = _sinks(options)
    loggers = None
    flow = None
    candidates = sinks.candidates
    imports = import_map(ctx)
    for call in ctx.index.of(nodes.Call):
        ctx.tick()
        func = call.func
        if isinstance(func, nodes.Attribute):
            if func.attrname not in candidates:
                continue
        elif not isinstance(func, nodes.Name) or (func.name not in candidates and func.name not in imports):
            continue  # a name imported from logging (`from logging import error`) may be a sink
        if not call.args and not call.keywords:
            continue
        if loggers is None:
            loggers = ctx.index.memo(("loggers", sinks), lambda: Loggers(ctx, sinks))
        sink = sink_arguments(call, loggers)
        if sink is None or not sink[0]:
            continue
        arguments, formatted = sink
        if flow is None:
            flow = shared_flow(ctx, kb)
        seen = set()
        for leak in _leaks_of_call(flow, call, arguments, formatted):
            if id(leak.node) in seen:
                continue
            seen.add(id(leak.node))
            fields, related = describe(ctx, leak)
            yield ctx.finding(leak.node, related=related, fix=redaction.builder(ctx, leak.node), **fields)
