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
every positional argument (from the second one for ``log``) and the ``msg=`` keyword.  Also
sinks: a level method fetched by name (``getattr(LOG, level)(msg)``, ``method =
getattr(logger, priority); method(msg)``), the level functions of a project's own logging
module imported as such (``from nova import log as logging; logging.debug(...)``), and the
module's *logging helpers*: functions or methods whose body only writes their parameters to a
logger (``def _log(self, msg, *args): LOG.debug(msg, *args)``), called as ``self._log(...)``
or ``_log(...)``; the helper's body is a fact other functions' findings depend on.

A value written in a numeric field (``%d``, ``%(count)d``) is a number, not a secret.  A
volume connection carrier is not reported where the transport is known to carry no
credentials (``taint.SensitiveFlow.credential_free``), and ``print`` in a command-line module
(``cli-paths``) writes what the operator asked for, not a log.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from astroid import nodes

import re

from nova_lsp.checks.tree import call_name, dotted, import_map, qualified
from nova_lsp.checks import redaction
from nova_lsp.checks.taint import (
    CONNECTION,
    DottedSet,
    Leak,
    Taint,
    describe,
    format_literal,
    knowledge,
    callers_fact,
    numeric_fields,
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
# a logger in every other method (``self.log = logging.getLogger(...)`` in ``__init__``); a
# logging helper's log call makes calls of the helper sinks; a call passing a secret into a
# module function's ``**kwargs`` (and an attribute aliasing such a function) taints that bag.
FACT_NODES = (nodes.AssignAttr, nodes.Call)


def fact(ctx, node) -> bool:
    """Whether another function's findings may depend on this node (see ``FACT_NODES``)."""
    if isinstance(node, nodes.Call):
        if callers_fact(ctx, node):
            return True
        sinks = _sinks(ctx.options)
        loggers = ctx.index.memo(("loggers", sinks), lambda: Loggers(ctx, sinks))
        return loggers.helpers().is_fact(node)
    if callers_fact(ctx, node):
        return True
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
        self._ctx = ctx
        self._helpers = None
        # method = getattr(logger, priority, None): a level method fetched by name
        self._level_methods: set = set()
        for node in ctx.index.of(nodes.Assign):
            value = node.value
            if (
                isinstance(value, nodes.Call)
                and dotted(value.func) == "getattr"
                and len(value.args) >= 2
                and len(node.targets) == 1
                and isinstance(node.targets[0], nodes.AssignName)
            ):
                self._level_methods.add((node.scope(), node.targets[0].name, value))

    def level_method(self, name: str, scope) -> bool:
        """``name`` is bound in ``scope`` to ``getattr(<logger>, ...)``."""
        for held_scope, held, value in self._level_methods:
            if held == name and held_scope is scope and self.is_logger(value.args[0]):
                return True
        return False

    def helpers(self) -> "LogHelpers":
        if self._helpers is None:
            self._helpers = LogHelpers(self._ctx, self)
        return self._helpers

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


def _is_logging_module(full: str | None) -> bool:
    """The stdlib ``logging`` module, or a project's own logging module (``nova.log``) that
    defines level functions; oslo.log's ``log`` module has none."""
    if not full:
        return False
    if full == "logging":
        return True
    return full.rsplit(".", 1)[-1] in ("log", "logging") and "." in full and not _is_log_module(full)


class LogHelpers:
    """The module's logging helpers: functions whose body does nothing but write some of their
    parameters to a logger (``def _log(self, msg, *args): LOG.debug(msg, *args)``)."""

    def __init__(self, ctx, loggers: Loggers) -> None:
        self.by_name: dict[str, list] = {}
        self.facts: set = set()
        kb = knowledge(ctx.options)
        for fn in ctx.index.of(nodes.FunctionDef, nodes.AsyncFunctionDef):
            found = self._helper(fn, loggers, kb)
            if found is not None:
                self.by_name.setdefault(fn.name, []).append(found)
                self.facts.update(found[4])

    def is_fact(self, node) -> bool:
        return node in self.facts

    @staticmethod
    def _helper(fn, loggers: Loggers, kb):
        """(params, forwarded param names, message param, forwards *args, log calls) or None."""
        args = fn.args
        params = [a.name for a in (args.posonlyargs or []) + (args.args or []) if isinstance(a, nodes.AssignName)]
        if params and params[0] in ("self", "cls"):
            params = params[1:]
        body = list(fn.body)
        if body and isinstance(body[0], nodes.Expr) and isinstance(body[0].value, nodes.Const):
            body = body[1:]
        calls = []
        if not body or not _only_logging(body, calls, loggers):
            return None
        forwarded: set = set()
        message = None
        star = False
        for call, arguments, formatted in calls:
            for index, arg in enumerate(arguments):
                if isinstance(arg, nodes.Name) and arg.name in params:
                    if kb.classify(arg.name):
                        continue  # a secret by its own name: reported inside the helper
                    forwarded.add(arg.name)
                    if index == 0 and formatted and message is None:
                        message = arg.name
                elif isinstance(arg, nodes.Starred) and isinstance(arg.value, nodes.Name) and arg.value.name == args.vararg:
                    star = True
        if not forwarded and not star:
            return None
        return params, forwarded, message, star, [c for c, _, _ in calls]

    def arguments(self, call: nodes.Call) -> tuple[list, bool] | None:
        """The arguments a call of a helper writes out, and whether the first is a format."""
        func = call.func
        if isinstance(func, nodes.Name):
            name = func.name
        elif isinstance(func, nodes.Attribute):
            name = func.attrname  # self._log(...), self.api._log(...)
        else:
            return None
        helpers = self.by_name.get(name)
        if not helpers:
            return None
        params, forwarded, message, star, _ = helpers[0]
        written = []
        first = None
        for index, arg in enumerate(call.args):
            if isinstance(arg, nodes.Starred):
                continue
            if index < len(params):
                if params[index] in forwarded:
                    written.append(arg)
                    if params[index] == message:
                        first = arg
            elif star:
                written.append(arg)
        for kw in call.keywords or ():
            if kw.arg in forwarded:
                written.append(kw.value)
                if kw.arg == message:
                    first = kw.value
        if not written:
            return None
        if first is not None:
            written.remove(first)
            return [first] + written, True
        return written, False


def _only_logging(body, calls: list, loggers: Loggers) -> bool:
    for stmt in body:
        if isinstance(stmt, nodes.Expr) and isinstance(stmt.value, nodes.Call):
            found = sink_arguments(stmt.value, loggers, helpers=False)
            if found is None:
                return False
            calls.append((stmt.value, found[0], found[1]))
        elif isinstance(stmt, nodes.If):
            if not _only_logging(stmt.body, calls, loggers) or not _only_logging(stmt.orelse, calls, loggers):
                return False
        elif isinstance(stmt, (nodes.Pass, nodes.Return)) and getattr(stmt, "value", None) is None:
            continue
        else:
            return False
    return True


def sink_arguments(call: nodes.Call, loggers: Loggers, helpers: bool = True) -> tuple[list, bool] | None:
    """The arguments of ``call`` written out, and whether the first one is a ``%`` format
    applied to the others (log calls) or not (``print``); None if it is not a sink."""
    sinks = loggers.sinks
    func = call.func
    if isinstance(func, nodes.Attribute):
        method = func.attrname
        if method in sinks.methods or method == "log":
            receiver = func.expr
            if _is_logging_module(qualified(receiver, loggers.imports)) or loggers.is_logger(receiver):
                return _log_arguments(call, method), True
    elif isinstance(func, nodes.Name):
        full = qualified(func, loggers.imports) or ""
        module, _, method = full.rpartition(".")
        if _is_logging_module(module) and (method in sinks.methods or method == "log"):
            return _log_arguments(call, method), True
        if func.name not in loggers.imports and loggers.level_method(func.name, call.scope()):
            return list(call.args), True  # method = getattr(logger, priority); method(msg)
    elif isinstance(func, nodes.Call):
        if dotted(func.func) == "getattr" and len(func.args) >= 2 and loggers.is_logger(func.args[0]):
            return list(call.args), True  # getattr(LOG, level)(msg)
        return None
    if helpers:
        found = loggers.helpers().arguments(call)
        if found is not None:
            return found
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
    numeric_names, numeric_positions = numeric_fields(text) if text is not None else (frozenset(), frozenset())
    found = []
    for position, arg in enumerate(arguments):
        if message is not None and arg is not message and position - 1 in numeric_positions:
            continue  # LOG.debug("%d keys", quotas['encryption_keys']): a number
        if named and arg is not message and len(arguments) == 2 and isinstance(arg, nodes.Dict):
            found.extend(flow.dict_leaks(arg, env, numeric_names))
            continue
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


def _forwarded_by_helper(loggers: Loggers, flow, call: nodes.Call, leak: Leak) -> bool:
    """The leak is a parameter of the logging helper ``call`` sits in, tainted only because a
    caller passes it a secret: the helper forwards it, and that caller's argument is reported
    where the helper is called."""
    node = leak.node
    if not isinstance(node, nodes.Name):
        return False
    scope = call.scope()
    if not isinstance(scope, (nodes.FunctionDef, nodes.AsyncFunctionDef)):
        return False
    if node.name not in flow.scope_facts(scope).passed:
        return False
    for found in loggers.helpers().by_name.get(scope.name, ()):
        if node.name in found[1] and call in found[4]:
            return True
    return False


def _cli_module(path: str | None, cli_dirs) -> bool:
    """A module of a command-line tool (``nova/cmd/manage.py``, ``bin/heat-manage``)."""
    if not path or not cli_dirs:
        return False
    parts = re.split(r"[\\/]", path)[:-1]
    return any(part in cli_dirs for part in parts)


def check(ctx):
    options = ctx.options
    kb = knowledge(options)
    sinks = _sinks(options)
    loggers = None
    flow = None
    candidates = sinks.candidates
    imports = import_map(ctx)
    cli = _cli_module(ctx.document.path, frozenset(options["cli-paths"]))
    helper_names = None
    for call in ctx.index.of(nodes.Call):
        ctx.tick()
        func = call.func
        if not call.args and not call.keywords:
            continue
        if isinstance(func, nodes.Attribute):
            if func.attrname not in candidates:
                if loggers is None:
                    loggers = ctx.index.memo(("loggers", sinks), lambda: Loggers(ctx, sinks))
                if helper_names is None:
                    helper_names = loggers.helpers().by_name
                if func.attrname not in helper_names:
                    continue
        elif isinstance(func, nodes.Name):
            if func.name not in candidates and func.name not in imports:
                # a name imported from logging (`from logging import error`), a level method
                # fetched by name or a logging helper may be a sink
                if loggers is None:
                    loggers = ctx.index.memo(("loggers", sinks), lambda: Loggers(ctx, sinks))
                if helper_names is None:
                    helper_names = loggers.helpers().by_name
                if func.name not in helper_names and not loggers.level_method(func.name, call.scope()):
                    continue
        elif not isinstance(func, nodes.Call):
            continue
        if loggers is None:
            loggers = ctx.index.memo(("loggers", sinks), lambda: Loggers(ctx, sinks))
        sink = sink_arguments(call, loggers)
        if sink is None or not sink[0]:
            continue
        arguments, formatted = sink
        if cli and not formatted and (dotted(func) or "").rsplit(".", 1)[-1] in ("print", "pprint"):
            continue  # a command-line tool's output, asked for by the operator
        if flow is None:
            flow = shared_flow(ctx, kb)
        seen = set()
        for leak in _leaks_of_call(flow, call, arguments, formatted):
            if id(leak.node) in seen:
                continue
            if leak.taint.kind == CONNECTION and flow.credential_free(call):
                continue
            if _forwarded_by_helper(loggers, flow, call, leak):
                continue  # written by a logging helper: reported where the helper is called
            seen.add(id(leak.node))
            fields, related = describe(ctx, leak)
            yield ctx.finding(leak.node, related=related, fix=redaction.builder(ctx, leak.node), **fields)
