"""Command lines in code: which argv reaches which execute sink, element by element.

Shared by the qemu-img rules (NOVA010, NOVA011) and the secrets-on-command-lines rules
(NOVA014, NOVA015).  Within one function (flow-sensitive, no inference) it follows:

- literal lists and tuples, and the positional arguments of an execute call
  (``processutils.execute('qemu-img', 'info', path)``);
- a variable's argv through ``+=``, ``cmd = cmd + [...]``, ``.append`` / ``.extend`` /
  ``.insert``, ``list(prefix) + cmd``, ``a + b + c`` built from several list variables,
  starred arguments (``*cmd``, ``*cmd + [dest]``), ``'...'.split()``;
- branches: each path through ``if`` / ``try`` / loops gives its own *alternative*
  (a reassignment on one branch is an alternative of its own, an append on one branch gives
  an alternative with and one without it), up to a cap; a ``return`` or ``raise`` ends a path;
- each element as a *template*: text and holes, following ``%`` / ``+`` / f-strings /
  ``.format`` / ``str()`` / ``join`` and the function's own string variables
  (``'password=%s' % pw`` is ``password=`` then a hole named ``pw``).

Sinks are configured (shell patterns over the written and the import-resolved dotted name of
the call, ``pattern@N`` when the argv starts at positional argument N), plus the module's own
wrappers: a function or method that forwards its ``*args`` (or a list parameter) to a sink is
a sink, and a method of the caller's class named like a sink that forwards to none is not one
(a driver's ``_execute`` that writes to a terminal).  Privsep helpers that take an argv (a call
into a configured privsep module with a starred argument) are sinks too.

Nothing here knows about qemu-img or secrets: holes carry *labels* (the names that describe
the value, nearest first) and the rules classify them.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product

from astroid import nodes

from nova_lsp.checks.tree import dotted, import_map, qualified

MAX_ALTERNATIVES = 16  # argv alternatives kept per variable (paths through the function)
MAX_FORMS = 8  # text alternatives kept per element
MAX_DEPTH = 8  # nesting followed inside one element expression

_FUNCS = (nodes.FunctionDef, nodes.AsyncFunctionDef)
_SCOPES = _FUNCS + (nodes.Lambda, nodes.ClassDef, nodes.Module)
_TRY = tuple(t for t in (getattr(nodes, "Try", None), getattr(nodes, "TryStar", None)) if t is not None)
_TRANSPARENT_CALLS = frozenset(("str", "six.text_type", "six.u", "encodeutils.safe_decode", "encodeutils.safe_encode"))
_COPY_CALLS = frozenset(("list", "tuple", "copy.copy", "copy.deepcopy", "sorted"))
_SPLIT_CALLS = frozenset(("shlex.split",))


# -- values ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Hole:
    """A value the text of which is unknown: ``labels`` name it, nearest first (the variable
    it was read from, then the expression that gave it: an attribute, a dict key, a called
    function).  ``args`` are the templates of a call's arguments (a value computed from
    them)."""

    node: object
    labels: tuple[str, ...]
    call: bool = False
    args: tuple = ()  # tuple of form tuples, one per argument


Template = tuple  # of str and Hole pieces


@dataclass(frozen=True, eq=False)
class Part:
    """One argv element (``splice``: an unknown number of elements, e.g. ``*extra``)."""

    node: object
    forms: tuple  # alternative templates (at least one)
    splice: bool = False

    @property
    def text(self) -> str | None:
        """The element's text when it is known (one form, no holes)."""
        if self.splice or len(self.forms) != 1:
            return None
        form = self.forms[0]
        if all(isinstance(p, str) for p in form):
            return "".join(form)
        return None

    def texts(self) -> tuple[str | None, ...]:
        """Each form's text, None for forms with holes."""
        out = []
        for form in self.forms:
            out.append("".join(form) if all(isinstance(p, str) for p in form) else None)
        return tuple(out)


@dataclass(frozen=True)
class Seq:
    alts: tuple  # tuple of tuple[Part, ...]


@dataclass(frozen=True)
class Str:
    forms: tuple  # tuple of templates


def _hole_value(node, labels, call=False, args=()) -> Str:
    return Str(((Hole(node, tuple(l for l in labels if l), call, args),),))


# -- sinks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sink:
    """How a call runs a command: its argv starts at positional argument ``start`` (a single
    list there is the whole argv), ``name`` is the configured sink it reaches, ``wrapper``
    the module's own function it goes through (None: a configured sink)."""

    name: str
    start: int = 0
    wrapper: str | None = None
    listed: bool = False  # the wrapper takes the argv as one list parameter


@dataclass(frozen=True)
class SinkUse:
    call: object
    sink: Sink
    alts: tuple  # argv alternatives: tuple of tuple[Part, ...]
    scope: object  # the function (or module) holding the call


@dataclass(frozen=True)
class ReturnUse:
    node: object  # the return statement
    alts: tuple
    scope: object


@dataclass(frozen=True)
class _Pattern:
    glob: str
    start: int


def _patterns(entries) -> tuple[_Pattern, ...]:
    out = []
    for entry in entries:
        text = str(entry).strip()
        if not text:
            continue
        glob, _, start = text.partition("@")
        out.append(_Pattern(glob.strip(), int(start) if start.strip().isdigit() else 0))
    return tuple(out)


@lru_cache(maxsize=8)
def _combined(globs: tuple):
    return re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs)) if globs else None


@lru_cache(maxsize=8192)
def _first_match(patterns: tuple, name: str):
    """The first of ``patterns`` whose shell pattern matches ``name`` (most names match none:
    one combined expression rules them out)."""
    combined = _combined(tuple(p.glob for p in patterns))
    if combined is None or not combined.match(name):
        return None
    for pattern in patterns:
        if fnmatch.fnmatchcase(name, pattern.glob):
            return pattern
    return None


@lru_cache(maxsize=8192)
def _any_match(globs: tuple, name: str) -> bool:
    combined = _combined(globs)
    return bool(combined and combined.match(name))


def sinks_key(options) -> tuple:
    """What the argv analysis depends on in a rule's options (so rules with the same sinks
    share one analysis of the module)."""
    return (
        tuple(options["sinks"]),
        tuple(options["privsep-modules"]),
        bool(options["module-wrappers"]),
    )


class Sinks:
    """Matching calls against the configured sinks and the module's own wrappers."""

    def __init__(self, ctx, key: tuple) -> None:
        sinks, privsep, wrappers = key
        self.ctx = ctx
        self.patterns = _patterns(sinks)
        self.tails = tuple(sorted({p.glob.rpartition(".")[2] for p in self.patterns}))
        self.privsep = tuple(str(p) for p in privsep)
        self.imports = import_map(ctx)
        self.use_wrappers = wrappers
        self.local: dict = {}  # (class name or None, function name) -> Sink | None
        if wrappers:
            self._find_wrappers()

    # -- configured sinks --------------------------------------------------------------------

    def configured(self, call) -> Sink | None:
        func = call.func
        last = func.attrname if isinstance(func, nodes.Attribute) else func.name if isinstance(func, nodes.Name) else None
        if last is None:
            return None
        imported = isinstance(func, nodes.Name) and func.name in self.imports  # maybe an alias
        argv_given = self.privsep and any(isinstance(a, nodes.Starred) for a in call.args)
        if not _any_match(self.tails, last) and not imported and not argv_given:
            return None
        written = dotted(func)
        if written is None:
            return None
        full = qualified(func, self.imports) or written
        found = _first_match(self.patterns, written)
        if found is None and full != written:
            found = _first_match(self.patterns, full)
        if found is not None:
            return Sink(found.glob, found.start)
        if self.privsep and _any_match(self.privsep, full):
            for index, arg in enumerate(call.args):
                if isinstance(arg, nodes.Starred):
                    return Sink(full, index)
        return None

    def match(self, call) -> Sink | None:
        """The sink ``call`` runs a command through, or None."""
        written = dotted(call.func)
        if written is None:
            return None
        if self.use_wrappers:
            key = _local_key(call, written)
            if key is not None and key in self.local:
                return self.local[key]
        return self.configured(call)

    # -- the module's wrappers -----------------------------------------------------------------

    def _candidates(self):
        module = self.ctx.module
        for node in module.body:
            if isinstance(node, _FUNCS):
                yield None, node
            elif isinstance(node, nodes.ClassDef):
                for item in node.body:
                    if isinstance(item, _FUNCS):
                        yield node.name, item

    def _find_wrappers(self) -> None:
        self._defs = {(owner, fn.name): fn for owner, fn in self._candidates()}
        if not self._defs:
            return
        units = {id(fn): key for key, fn in self._defs.items()}
        self._calls: dict = {key: [] for key in self._defs}
        self._nested: dict = {key: set() for key in self._defs}
        for node in self.ctx.index.of(nodes.Call, nodes.FunctionDef, nodes.AsyncFunctionDef):
            unit = _unit(node, units)
            if unit is None or (not isinstance(node, nodes.Call) and id(node) in units):
                continue
            if isinstance(node, nodes.Call):
                self._calls[unit].append(node)
            else:
                self._nested[unit].add(node.name)
        self._state: dict = {}
        for key in self._defs:
            self._classify(key)
        self.local = {k: (v if isinstance(v, Sink) else None) for k, v in self._state.items() if v is not _UNKNOWN}

    def _classify(self, key):
        """Sink (a wrapper), _NOT (forwards its ``*args`` to no command) or _UNKNOWN."""
        if key in self._state:
            return self._state[key]
        self._state[key] = _UNKNOWN  # cycles stay unknown
        owner, name = key
        fn = self._defs[key]
        args = fn.args
        positional = [a.name for a in (args.posonlyargs or []) + (args.args or [])]
        offset = 1 if owner is not None and positional and not _is_staticmethod(fn) else 0
        vararg = args.vararg
        nested = self._nested[key]
        unknown = False
        for call in self._calls[key]:
            forwarded = _forwarded(call, vararg, positional)
            if forwarded is None:
                continue
            index, param, starred = forwarded
            written = dotted(call.func)
            inner = None
            local = _local_key(call, written) if written is not None else None
            if local is not None and local in self._defs:
                verdict = self._classify(local)
                if verdict is _NOT:
                    continue
                if verdict is not _UNKNOWN:
                    inner = verdict
            elif local is not None and local[0] is None and local[1] in nested:
                continue  # a nested helper: its own calls are seen here too
            if inner is None:
                inner = self.configured(call)
            if inner is not None:
                if index < inner.start:
                    continue
                if not starred and (index != inner.start or len(call.args) != inner.start + 1):
                    continue  # one element of the command line, not the command line
                sink = Sink(inner.name, 0, wrapper=name)
                if param == vararg:
                    sink = Sink(inner.name, max(len(positional) - offset, 0), wrapper=name)
                else:
                    sink = Sink(inner.name, positional.index(param) - offset, wrapper=name, listed=True)
                self._state[key] = sink
                return sink
            if written is None or written.split(".")[0] in _LOGGERS or written.endswith(".join"):
                continue  # a call on a value made here, a log line, a join
            unknown = True
        verdict = _UNKNOWN if (unknown or not vararg) else _NOT
        self._state[key] = verdict
        return verdict

    def wrapper_defs(self) -> set:
        """(class name or None, function name) of the module's functions that decide what a
        call elsewhere is (wrappers, and look-alikes that are not sinks)."""
        return set(self.local)


_NOT = "not a sink"
_UNKNOWN = "unknown"
_LOGGERS = frozenset(("LOG", "log", "LOGGER", "logger", "logging"))


def _forwarded(call, vararg, positional):
    """(argument index, parameter, starred) when ``call`` receives the function's ``*args``
    or a parameter as an argv: ``f(*args)``, ``f('x', *cmd)``, ``f(cmd)``,
    ``f(' '.join(cmd))``."""
    for index, arg in enumerate(call.args):
        if isinstance(arg, nodes.Starred) and isinstance(arg.value, nodes.Name):
            name = arg.value.name
            if name == vararg or name in positional:
                return index, name, True
    if vararg:
        return None  # the argv is ``*args``: other parameters are not it
    for index, arg in enumerate(call.args):
        if isinstance(arg, nodes.Name) and arg.name in positional:
            return index, arg.name, False
        if (
            isinstance(arg, nodes.Call)
            and isinstance(arg.func, nodes.Attribute)
            and arg.func.attrname == "join"
            and len(arg.args) == 1
            and isinstance(arg.args[0], nodes.Name)
            and arg.args[0].name in positional
        ):
            return index, arg.args[0].name, False
    return None


def _unit(node, units: dict):
    """The key of the module-level function or method ``node`` is in (itself included)."""
    current = node
    while current is not None:
        key = units.get(id(current))
        if key is not None:
            return key
        current = current.parent
    return None


def _is_staticmethod(fn) -> bool:
    decorators = fn.decorators.nodes if fn.decorators else []
    return any(dotted(d) == "staticmethod" for d in decorators)


def _local_key(call, written: str):
    """(class name, method) for ``self.x(...)`` / ``cls.x(...)`` inside a class, (None, name)
    for a bare ``name(...)``; None otherwise."""
    head, _, rest = written.partition(".")
    if not rest:
        return (None, head)
    if head in ("self", "cls") and "." not in rest:
        owner = _enclosing_class(call)
        if owner is not None:
            return (owner.name, rest)
    return None


def _enclosing_class(node):
    current = node.parent
    while current is not None:
        if isinstance(current, nodes.ClassDef):
            return current
        current = current.parent
    return None


def _scope_of(node):
    current = node.parent
    while current is not None:
        if isinstance(current, _FUNCS + (nodes.Lambda, nodes.Module)):
            return current
        current = current.parent
    return None


def sinks(ctx, options) -> Sinks:
    key = sinks_key(options)
    return ctx.index.memo(("argv.sinks", key), lambda: Sinks(ctx, key))


# -- the analysis of a module ------------------------------------------------------------------


@dataclass
class Flows:
    uses: list = field(default_factory=list)  # SinkUse, in source order
    returns: list = field(default_factory=list)  # ReturnUse of the analysed functions


def module_flows(ctx, options) -> Flows:
    """Every sink call of the module with the argv alternatives that reach it (memoised per
    analysis and per sink configuration)."""
    key = sinks_key(options)

    def compute():
        matcher = sinks(ctx, options)
        by_scope: dict = {}
        order = []
        for call in ctx.index.of(nodes.Call):
            ctx.tick()
            sink = matcher.match(call)
            if sink is None:
                continue
            scope = _scope_of(call)
            if scope is None:
                continue
            if id(scope) not in by_scope:
                by_scope[id(scope)] = (scope, {})
                order.append(id(scope))
            by_scope[id(scope)][1][id(call)] = sink
        flows = Flows()
        for sid in order:
            scope, calls = by_scope[sid]
            uses, returns = _Interpreter(ctx, calls).run(scope)
            flows.uses.extend(uses)
            flows.returns.extend(returns)
        flows.uses.sort(key=lambda u: (u.call.lineno or 0, u.call.col_offset or 0))
        return flows

    return ctx.index.memo(("argv.flows", key), compute)


def returned(ctx, fn) -> list:
    """The argv alternatives ``fn`` returns (an argv builder whose caller runs it)."""

    def compute():
        _uses, returns = _Interpreter(ctx, {}).run(fn)
        return returns

    return ctx.index.memo(("argv.returned", id(fn)), compute)


# -- facts for incremental analysis ------------------------------------------------------------

FACT_NODES = _FUNCS


def fact(ctx, node, options) -> bool:
    """A function another function's findings depend on: a wrapper of a sink, or a method
    named like a sink that is not one."""
    if not options["module-wrappers"]:
        return False
    if not isinstance(node.parent, (nodes.Module, nodes.ClassDef)):
        return False
    owner = node.parent.name if isinstance(node.parent, nodes.ClassDef) else None
    return (owner, node.name) in sinks(ctx, options).wrapper_defs()


# -- the interpreter -----------------------------------------------------------------------------


def _dedupe(alts):
    seen = set()
    out = []
    for alt in alts:
        key = tuple(id(p) for p in alt)
        if key not in seen:
            seen.add(key)
            out.append(alt)
    return out


def _collapse(alts) -> tuple:
    """At most MAX_ALTERNATIVES argv alternatives: past that, the alternatives that start with
    the same element are merged into one holding every element any of them has (what the
    rules ask of an argv is mostly "on some path", which the merge keeps)."""
    alts = _dedupe(alts)
    if len(alts) <= MAX_ALTERNATIVES:
        return tuple(alts)
    groups: dict = {}
    for alt in alts:
        head = id(alt[0]) if alt else 0
        merged = groups.setdefault(head, [])
        ids = {id(p) for p in merged}
        merged.extend(p for p in alt if id(p) not in ids)
    return tuple(tuple(g) for g in list(groups.values())[:MAX_ALTERNATIVES])


def _forms(items) -> tuple:
    seen = []
    for form in items:
        if form not in seen:
            seen.append(form)
        if len(seen) >= MAX_FORMS:
            break
    return tuple(seen)


def _concat_forms(left: tuple, right: tuple) -> tuple:
    return _forms(tuple(a) + tuple(b) for a, b in product(left, right))


def _merge_value(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if a is b:
        return a
    if isinstance(a, Seq) and isinstance(b, Seq):
        return Seq(_collapse(list(a.alts) + list(b.alts)))
    if isinstance(a, Str) and isinstance(b, Str):
        return Str(_forms(list(a.forms) + list(b.forms)))
    seq, other = (a, b) if isinstance(a, Seq) else (b, a)
    return Seq(_collapse(list(seq.alts) + [(Part(None, other.forms, splice=True),)]))


def _merge(envs):
    live = [e for e in envs if e is not None]
    if not live:
        return None
    if len(live) == 1:
        return live[0]
    names = {}
    for env in live:
        for name in env:
            names[name] = None
    out = {}
    for name in names:
        value = None
        for env in live:
            value = _merge_value(value, env.get(name))
        out[name] = value
    return out


_PERCENT = re.compile(r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])")
_BRACE = re.compile(r"\{\{|\}\}|\{(?P<field>[^{}!:]*)(?:![rsa])?(?::[^{}]*)?\}")


class _Interpreter:
    def __init__(self, ctx, calls: dict) -> None:
        self.ctx = ctx
        self.calls = calls  # id(call) -> Sink
        self.uses: list = []
        self.returns: list = []
        self.imports = import_map(ctx)
        self.scope = None

    def run(self, scope):
        self.scope = scope
        env: dict = {}
        if isinstance(scope, nodes.Lambda):
            self._scan(scope.body, env)
        else:
            self._block(scope.body, env)
        return self.uses, self.returns

    # -- statements ------------------------------------------------------------------------

    def _block(self, stmts, env):
        for stmt in stmts:
            if env is None:
                return None
            self.ctx.tick()
            env = self._stmt(stmt, env)
        return env

    def _stmt(self, stmt, env):
        if isinstance(stmt, nodes.Assign):
            self._scan(stmt.value, env)
            value = self._value(stmt.value, env)
            for target in stmt.targets:
                self._bind(target, value, stmt.value, env)
            return env
        if isinstance(stmt, nodes.AnnAssign):
            if stmt.value is not None:
                self._scan(stmt.value, env)
                self._bind(stmt.target, self._value(stmt.value, env), stmt.value, env)
            return env
        if isinstance(stmt, nodes.AugAssign):
            self._scan(stmt.value, env)
            self._augment(stmt, env)
            return env
        if isinstance(stmt, nodes.Expr):
            self._scan(stmt.value, env)
            self._mutation(stmt.value, env)
            return env
        if isinstance(stmt, nodes.Return):
            if stmt.value is not None:
                self._scan(stmt.value, env)
                alts = self._seq(stmt.value, env)
                if alts:
                    self.returns.append(ReturnUse(stmt, alts, self.scope))
            return None
        if isinstance(stmt, nodes.Raise):
            for child in stmt.get_children():
                self._scan(child, env)
            return None
        if isinstance(stmt, (nodes.Break, nodes.Continue)):
            return None
        if isinstance(stmt, nodes.If):
            self._scan(stmt.test, env)
            return _merge([self._block(stmt.body, dict(env)), self._block(stmt.orelse, dict(env))])
        if isinstance(stmt, (nodes.For, nodes.AsyncFor)):
            self._scan(stmt.iter, env)
            inner = dict(env)
            self._bind(stmt.target, self._item(stmt.iter, env), stmt.iter, inner)
            after = _merge([env, self._block(stmt.body, inner)])
            if after is None:
                after = dict(env)
            return _merge([after, self._block(stmt.orelse, dict(after))]) if stmt.orelse else after
        if isinstance(stmt, nodes.While):
            self._scan(stmt.test, env)
            after = _merge([env, self._block(stmt.body, dict(env))])
            if after is None:
                after = dict(env)
            return _merge([after, self._block(stmt.orelse, dict(after))]) if stmt.orelse else after
        if _TRY and isinstance(stmt, _TRY):
            body = self._block(stmt.body, dict(env))
            start = _merge([env, body]) or dict(env)
            ends = [self._block(stmt.orelse, dict(body)) if body is not None else None]
            for handler in stmt.handlers:
                inner = dict(start)
                if handler.name is not None:
                    self._bind(handler.name, None, None, inner)
                ends.append(self._block(handler.body, inner))
            after = _merge(ends)
            if stmt.finalbody:
                if after is None:
                    self._block(stmt.finalbody, dict(start))
                    return None
                return self._block(stmt.finalbody, after)
            return after
        if isinstance(stmt, (nodes.With, nodes.AsyncWith)):
            for expr, var in stmt.items:
                self._scan(expr, env)
                if var is not None:
                    self._bind(var, None, expr, env)
            return self._block(stmt.body, env)
        if isinstance(stmt, getattr(nodes, "Match", ())):
            self._scan(stmt.subject, env)
            return _merge([env] + [self._block(case.body, dict(env)) for case in stmt.cases])
        if isinstance(stmt, (nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.ClassDef)):
            env.pop(stmt.name, None)
            return env
        if isinstance(stmt, nodes.Delete):
            for target in stmt.targets:
                if isinstance(target, nodes.DelName):
                    env.pop(target.name, None)
            return env
        for child in stmt.get_children():
            if not isinstance(child, _SCOPES) and not child.is_statement:
                self._scan(child, env)
        return env

    def _bind(self, target, value, source, env) -> None:
        if isinstance(target, nodes.AssignName):
            if value is None:
                env[target.name] = _hole_value(target, [target.name])
            elif isinstance(value, Str):
                env[target.name] = Str(tuple(_named(form, target.name) for form in value.forms))
            else:
                env[target.name] = value
        elif isinstance(target, (nodes.Tuple, nodes.List)):
            for element in target.elts:
                inner = element.value if isinstance(element, nodes.Starred) else element
                self._bind(inner, None, None, env)
        elif isinstance(target, nodes.Starred):
            self._bind(target.value, None, None, env)

    def _value(self, expr, env):
        alts = self._seq(expr, env)
        if alts is not None:
            return Seq(alts)
        return Str(self._template(expr, env, 0))

    def _item(self, iterable, env):
        """What a loop over a list we know binds: each element's forms (``for pw in
        ['NULL', '']`` binds two literals, not an unknown password)."""
        alts = self._seq(iterable, env)
        if not alts:
            return None
        forms = []
        for alt in alts:
            for part in alt:
                if part.splice:
                    return None
                forms.extend(part.forms)
        unique = []
        for form in forms:
            if form not in unique:
                unique.append(form)
        return Str(tuple(unique)) if unique and len(unique) <= MAX_FORMS else None

    def _augment(self, stmt, env) -> None:
        target = stmt.target
        if not isinstance(target, nodes.AssignName) or stmt.op != "+=":
            if isinstance(target, nodes.AssignName):
                env[target.name] = _hole_value(target, [target.name])
            return
        old = env.get(target.name)
        right = self._seq(stmt.value, env)
        if right is None:
            if isinstance(old, Str):
                env[target.name] = Str(_concat_forms(old.forms, self._template(stmt.value, env, 0)))
            elif isinstance(old, Seq):
                tail = (self._splice(stmt.value, env),)
                env[target.name] = Seq(_collapse([a + tail for a in old.alts]))
            return
        if isinstance(old, Seq):
            env[target.name] = Seq(_collapse([a + b for a in old.alts for b in right]))
        else:
            head = (Part(target, old.forms if old is not None else ((Hole(target, (target.name,)),),), splice=True),)
            env[target.name] = Seq(_collapse([head + b for b in right]))

    def _mutation(self, expr, env) -> None:
        if not isinstance(expr, nodes.Call) or not isinstance(expr.func, nodes.Attribute):
            return
        receiver = expr.func.expr
        if not isinstance(receiver, nodes.Name):
            return
        old = env.get(receiver.name)
        if not isinstance(old, Seq):
            return
        method = expr.func.attrname
        args = expr.args
        if method == "append" and len(args) == 1:
            part = self._part(args[0], env)
            env[receiver.name] = Seq(_collapse([a + (part,) for a in old.alts]))
        elif method == "extend" and len(args) == 1:
            right = self._seq(args[0], env) or ((self._splice(args[0], env),),)
            env[receiver.name] = Seq(_collapse([a + b for a in old.alts for b in right]))
        elif method == "insert" and len(args) == 2:
            part = self._part(args[1], env)
            first = isinstance(args[0], nodes.Const) and args[0].value == 0
            env[receiver.name] = Seq(_collapse([((part,) + a) if first else (a + (part,)) for a in old.alts]))
        elif method in ("clear",):
            env[receiver.name] = Seq(((),))

    # -- sink calls in an expression ---------------------------------------------------------

    def _scan(self, expr, env) -> None:
        if expr is None or not self.calls:
            return
        stack = [expr]
        found = []
        while stack:
            node = stack.pop()
            if isinstance(node, _SCOPES):
                continue
            if isinstance(node, nodes.Call) and id(node) in self.calls:
                found.append(node)
            stack.extend(node.get_children())
        found.sort(key=lambda n: (n.lineno or 0, n.col_offset or 0))
        for call in found:
            sink = self.calls[id(call)]
            alts = self.call_argv(call, sink, env)
            self.uses.append(SinkUse(call, sink, alts, self.scope))

    def call_argv(self, call, sink: Sink, env) -> tuple:
        args = list(call.args[sink.start :])
        one_list = len(args) == 1 and not isinstance(args[0], nodes.Starred)
        if args and (sink.listed or one_list):
            # the argv as one list (`subprocess.run(cmd)`, `ssh_execute(ssh, ' '.join(cmd))`)
            first = args[0]
            alts = self._seq(first, env)
            if alts is None:
                alts = self._joined_list(first, env)
            if alts is not None:
                return alts
            if sink.listed:
                return ((self._splice(first, env),),)
        pieces = []
        for arg in args:
            if isinstance(arg, nodes.Starred):
                inner = self._seq(arg.value, env)
                pieces.append(inner if inner is not None else ((self._splice(arg.value, env),),))
            else:
                pieces.append(((self._part(arg, env),),))
        return _collapse([tuple(p for chunk in combo for p in chunk) for combo in _capped_product(pieces)])

    def _joined_list(self, expr, env):
        """``' '.join(cmd)`` handed to an SSH sink: the list itself."""
        if (
            isinstance(expr, nodes.Call)
            and isinstance(expr.func, nodes.Attribute)
            and expr.func.attrname == "join"
            and isinstance(expr.func.expr, nodes.Const)
            and expr.func.expr.value == " "
            and len(expr.args) == 1
        ):
            return self._seq(expr.args[0], env)
        if isinstance(expr, nodes.Name):
            value = env.get(expr.name)
            if isinstance(value, Seq):
                return value.alts
        return None

    # -- sequences ---------------------------------------------------------------------------

    def _seq(self, expr, env, depth: int = 0):
        """The argv alternatives of a list-valued expression, or None when it is not one we
        can follow."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, (nodes.List, nodes.Tuple)):
            pieces = []
            for element in expr.elts:
                if isinstance(element, nodes.Starred):
                    inner = self._seq(element.value, env, depth + 1)
                    pieces.append(inner if inner is not None else ((self._splice(element.value, env),),))
                else:
                    pieces.append(((self._part(element, env),),))
            return _collapse([tuple(p for chunk in combo for p in chunk) for combo in _capped_product(pieces)])
        if isinstance(expr, nodes.Name):
            value = env.get(expr.name)
            return value.alts if isinstance(value, Seq) else None
        if isinstance(expr, nodes.BinOp) and expr.op == "+":
            left = self._seq(expr.left, env, depth + 1)
            right = self._seq(expr.right, env, depth + 1)
            if left is None and right is None:
                return None
            if left is None:
                if _stringish(expr.left):
                    return None
                left = ((self._splice(expr.left, env),),)
            if right is None:
                if _stringish(expr.right):
                    return None
                right = ((self._splice(expr.right, env),),)
            return _collapse([a + b for a in left for b in right])
        if isinstance(expr, nodes.Call):
            name = dotted(expr.func)
            full = (qualified(expr.func, self.imports) or name) if name else None
            if full in _COPY_CALLS and len(expr.args) == 1 and not expr.keywords:
                return self._seq(expr.args[0], env, depth + 1)
            if isinstance(expr.func, nodes.Attribute) and expr.func.attrname == "split" and _splits_on_space(expr):
                return self._split(expr.func.expr, env)
            if full in _SPLIT_CALLS and len(expr.args) == 1:
                return self._split(expr.args[0], env)
            return None
        if isinstance(expr, nodes.Subscript) and isinstance(expr.slice, nodes.Slice):
            s = expr.slice
            if s.lower is None and s.upper is None and s.step is None:
                return self._seq(expr.value, env, depth + 1)
            return None
        if isinstance(expr, nodes.IfExp):
            a = self._seq(expr.body, env, depth + 1)
            b = self._seq(expr.orelse, env, depth + 1)
            if a is None and b is None:
                return None
            a = a if a is not None else ((self._splice(expr.body, env),),)
            b = b if b is not None else ((self._splice(expr.orelse, env),),)
            return _collapse(list(a) + list(b))
        if isinstance(expr, nodes.BoolOp) and expr.op == "or":
            found = [self._seq(v, env, depth + 1) for v in expr.values]
            if all(f is None for f in found):
                return None
            out = []
            for value, alts in zip(expr.values, found):
                out.extend(alts if alts is not None else ((self._splice(value, env),),))
            return _collapse(out)
        return None

    def _split(self, expr, env):
        forms = self._template(expr, env, 0)
        if len(forms) == 1 and all(isinstance(p, str) for p in forms[0]):
            words = "".join(forms[0]).split()
            return ((tuple(Part(expr, ((w,),)) for w in words)),)
        return ((Part(expr, forms),),)

    def _part(self, expr, env) -> Part:
        return Part(expr, self._template(expr, env, 0))

    def _splice(self, expr, env) -> Part:
        labels = _labels(expr)
        value = env.get(expr.name) if isinstance(expr, nodes.Name) else None
        if isinstance(value, Str):
            return Part(expr, value.forms, splice=True)
        return Part(expr, ((Hole(expr, labels),),), splice=True)

    # -- element templates -------------------------------------------------------------------

    def _template(self, expr, env, depth: int) -> tuple:
        if depth > MAX_DEPTH:
            return ((Hole(expr, _labels(expr)),),)
        if isinstance(expr, nodes.Const):
            value = expr.value
            if isinstance(value, bytes):
                value = value.decode("utf-8", "ignore")
            return ((str(value),),)
        if isinstance(expr, nodes.JoinedStr):
            forms = (("",),)
            for value in expr.values:
                if isinstance(value, nodes.FormattedValue):
                    forms = _concat_forms(forms, self._template(value.value, env, depth + 1))
                else:
                    forms = _concat_forms(forms, self._template(value, env, depth + 1))
            return forms
        if isinstance(expr, nodes.Name):
            value = env.get(expr.name)
            if isinstance(value, Str):
                return value.forms
            return ((Hole(expr, (expr.name,)),),)
        if isinstance(expr, nodes.BinOp):
            if expr.op == "+":
                return _concat_forms(self._template(expr.left, env, depth + 1), self._template(expr.right, env, depth + 1))
            if expr.op == "%":
                formatted = self._percent(expr, env, depth)
                if formatted is not None:
                    return formatted
        if isinstance(expr, nodes.IfExp):
            return _forms(self._template(expr.body, env, depth + 1) + self._template(expr.orelse, env, depth + 1))
        if isinstance(expr, nodes.BoolOp):
            out = ()
            for value in expr.values:
                out += self._template(value, env, depth + 1)
            return _forms(out)
        if isinstance(expr, nodes.Call):
            return self._call_template(expr, env, depth)
        return ((Hole(expr, _labels(expr)),),)

    def _percent(self, expr, env, depth):
        left = self._template(expr.left, env, depth + 1)
        if len(left) != 1 or not all(isinstance(p, str) for p in left[0]):
            return None
        fmt = "".join(left[0])
        fields = [m for m in _PERCENT.finditer(fmt) if m.group("conv") != "%"]
        right = expr.right
        values: list = []
        if any(m.group("key") is not None for m in fields):
            mapping = {}
            if isinstance(right, nodes.Dict):
                for key, value in right.items:
                    if isinstance(key, nodes.Const) and isinstance(key.value, str):
                        mapping[key.value] = value
            for m in fields:
                key = m.group("key") or ""
                if key in mapping:
                    values.append(self._template(mapping[key], env, depth + 1))
                else:
                    values.append(((Hole(right, (key, *_labels(right))),),))
        else:
            items = right.elts if isinstance(right, nodes.Tuple) else [right]
            if len(items) != len(fields):
                return None
            values = [self._template(v, env, depth + 1) for v in items]
        forms = (("",),)
        pos = 0
        index = 0
        for m in _PERCENT.finditer(fmt):
            forms = _concat_forms(forms, ((fmt[pos : m.start()],),))
            if m.group("conv") == "%":
                forms = _concat_forms(forms, (("%",),))
            else:
                forms = _concat_forms(forms, values[index])
                index += 1
            pos = m.end()
        return _concat_forms(forms, ((fmt[pos:],),))

    def _call_template(self, call, env, depth):
        name = dotted(call.func)
        full = (qualified(call.func, self.imports) or name) if name else None
        if full in _TRANSPARENT_CALLS and len(call.args) == 1 and not call.keywords:
            return self._template(call.args[0], env, depth + 1)
        func = call.func
        if isinstance(func, nodes.Attribute):
            if func.attrname == "join" and len(call.args) == 1:
                sep = self._template(func.expr, env, depth + 1)
                alts = self._seq(call.args[0], env, depth + 1)
                if alts is not None and len(sep) == 1:
                    out = []
                    for alt in alts[:MAX_FORMS]:
                        forms = (("",),)
                        for index, part in enumerate(alt):
                            if index:
                                forms = _concat_forms(forms, sep)
                            forms = _concat_forms(forms, part.forms)
                        out.extend(forms)
                    return _forms(out)
            if func.attrname == "format" and isinstance(func.expr, nodes.Const) and isinstance(func.expr.value, str):
                formatted = self._brace(func.expr.value, call, env, depth)
                if formatted is not None:
                    return formatted
            if func.attrname in ("strip", "lstrip", "rstrip", "lower", "upper", "encode", "decode") and not call.args:
                return self._template(func.expr, env, depth + 1)
        args = []
        for arg in list(call.args) + [k.value for k in call.keywords or ()]:
            inner = arg.value if isinstance(arg, nodes.Starred) else arg
            args.append(self._template(inner, env, depth + 1))
        return ((Hole(call, _labels(call), call=True, args=tuple(args)),),)

    def _brace(self, fmt, call, env, depth):
        keywords = {k.arg: k.value for k in call.keywords or () if k.arg}
        forms = (("",),)
        pos = 0
        auto = 0
        for m in _BRACE.finditer(fmt):
            forms = _concat_forms(forms, ((fmt[pos : m.start()],),))
            pos = m.end()
            token = m.group(0)
            if token in ("{{", "}}"):
                forms = _concat_forms(forms, ((token[0],),))
                continue
            field_name = (m.group("field") or "").split(".")[0].split("[")[0]
            if field_name == "":
                index = auto
                auto += 1
                value = call.args[index] if index < len(call.args) else None
            elif field_name.isdigit():
                index = int(field_name)
                value = call.args[index] if index < len(call.args) else None
            else:
                value = keywords.get(field_name)
            if value is None or isinstance(value, nodes.Starred):
                forms = _concat_forms(forms, ((Hole(call, (field_name,)),),))
            else:
                forms = _concat_forms(forms, self._template(value, env, depth + 1))
        return _concat_forms(forms, ((fmt[pos:],),))


def _named(form, name: str):
    """A form that is one unknown value, bound to ``name``: the name comes first among the
    labels that describe it (``pw = lookup()``: ``pw``, then ``lookup``)."""
    if len(form) == 1 and isinstance(form[0], Hole):
        hole = form[0]
        if hole.labels[:1] != (name,):
            return (Hole(hole.node, (name,) + hole.labels, hole.call, hole.args),)
    return form


def _stringish(expr) -> bool:
    return isinstance(expr, (nodes.JoinedStr,)) or (isinstance(expr, nodes.Const) and isinstance(expr.value, (str, bytes)))


def _splits_on_space(call) -> bool:
    """``x.split()`` / ``x.split(' ')``."""
    if call.keywords:
        return False
    args = call.args
    return not args or (len(args) == 1 and isinstance(args[0], nodes.Const) and args[0].value == " ")


def _capped_product(pieces):
    for count, combo in enumerate(product(*pieces), start=1):
        yield combo
        if count >= MAX_ALTERNATIVES * 4:
            return


def _labels(expr) -> tuple[str, ...]:
    """The names that describe a value, nearest first: ``san_password`` for
    ``self.configuration.san_password``, ``auth_password`` then ``props`` for
    ``props['auth_password']``, ``_get_password`` for ``self._get_password()``."""
    if isinstance(expr, nodes.Name):
        return (expr.name,)
    if isinstance(expr, nodes.AssignName):
        return (expr.name,)
    if isinstance(expr, nodes.Attribute):
        return (expr.attrname,) + _labels(expr.expr)[:1]
    if isinstance(expr, nodes.Subscript):
        key = expr.slice
        if isinstance(key, nodes.Const) and isinstance(key.value, str):
            return (key.value,) + _labels(expr.value)[:1]
        if isinstance(key, nodes.Name):
            # `conf[group][password_key]`: the key variable names what is looked up
            base = re.sub(r"_?(key|name|field|option|opt)$", "", key.name)
            if base and base != key.name:
                return (base,) + _labels(expr.value)[:1]
        return _labels(expr.value)[:1]
    if isinstance(expr, nodes.Call):
        func = expr.func
        if isinstance(func, nodes.Attribute):
            if func.attrname == "get" and expr.args and isinstance(expr.args[0], nodes.Const) and isinstance(expr.args[0].value, str):
                return (expr.args[0].value,) + _labels(func.expr)[:1]
            return (func.attrname,)
        if isinstance(func, nodes.Name):
            return (func.name,)
        return ()
    if isinstance(expr, nodes.Starred):
        return _labels(expr.value)
    return ()


# -- helpers for the rules ----------------------------------------------------------------------


def value_forms(ctx, expr) -> tuple:
    """The templates of one expression, outside any flow (names are holes named by them)."""
    return _Interpreter(ctx, {})._template(expr, {}, 0)


def holes(form) -> list:
    return [p for p in form if isinstance(p, Hole)]


def statement_line(node) -> int:
    return (node.lineno or 1) - 1
