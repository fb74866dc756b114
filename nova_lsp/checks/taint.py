"""What holds a secret and where it flows: the shared core of ``log-sensitive-data`` (NOVA001)
and ``secret-in-exception`` (NOVA002).

It owns three things:

* ``Knowledge`` — the rule options compiled once (names, patterns, carriers, sanitizers...).
  Identifiers are compared as *words* (``adminPass`` -> ``admin pass``, ``X-Auth-Token`` ->
  ``x auth token``), never as substrings: a name holds a secret when its head word (the last
  word, ignoring value-ish tails such as ``_str`` or ``_b64``) is a secret word, or when its
  trailing words spell a configured sensitive name or secret carrier.  So ``admin_password``
  and ``new_auth_token`` are secrets, while ``password_policy``, ``token_type``, ``auth_url``,
  ``password_hash`` and ``secret_ref`` (the head word describes the secret) are not, and
  ``is_secret`` / ``num_tokens`` / ``max_password_length`` start with a flag/count prefix.
* ``SensitiveFlow`` — an ordered walk of each function (and of the module and class bodies)
  recording, before every statement, which local names are tainted.  Branches are joined by
  union, loops are walked once.  Computed lazily per scope and shared by both rules through
  ``ctx.index.memo``.
* ``leaks(expr)`` — the sub-expressions of a sink argument that carry a secret, chosen so that
  wrapping exactly that span in a redactor fixes the leak: the positional argument, the value
  in a ``%``-dict, an f-string field, a ``.format`` argument, or a pre-built message variable.

A value is one of: a ``Taint``; ``SURE`` (known clean: a literal, a sanitizer result, a
comparison, ``len(x)``...); or ``None`` (nothing known, e.g. an unknown call).  A variable
whose own name is sensitive stays tainted unless it is (re)assigned something known clean.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Mapping

from astroid import nodes

from nova_lsp.checks.tree import dotted, import_map, qualified
from nova_lsp.core.model import Related
from nova_lsp.core.pmap import PMap, Transient

# -- identifiers as words ------------------------------------------------------------------

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+")


def words(identifier: str) -> tuple[str, ...]:
    """``adminPass`` -> ("admin", "pass"); ``X-Auth-Token`` -> ("x", "auth", "token")."""
    return tuple(w.lower() for w in _WORD.findall(identifier) if not w.isdigit())


def _bare(word: str) -> str:
    stripped = word.rstrip("0123456789")
    return stripped or word


SECRET = "secret"
CARRIER = "carrier"


class _Sure:
    """Known to be clean (a literal, a sanitizer result, a comparison...)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "SURE"


SURE = _Sure()
_MISSING = object()


@dataclass(frozen=True)
class Taint:
    """A value that may hold a secret.

    ``source`` is the text of the expression the secret came from.  ``keys`` are the literal
    keys of a mapping built in the analysed code whose values hold the secret
    (``{'connection_info': cinfo, 'mount': m}`` -> ``{'connection_info'}``); None when the
    layout is unknown (``connection_info``, ``locals()``, ``credentials``), where looking up a
    harmless key gives a harmless value and only ``carrier-keys`` (``data``) keep the taint.
    ``via`` lists the ``(assignment, target name)`` steps it travelled through, oldest first.
    ``mapping`` marks a dict-like value (a carrier, ``**kwargs``, ``locals()``, a dict display):
    iterating it or passing it to ``list()`` / ``sorted()`` gives its keys, which are harmless.
    """

    source: str
    keys: frozenset | None = None
    via: tuple = ()
    mapping: bool = False

    def then(self, stmt, name: str) -> "Taint":
        return Taint(self.source, self.keys, self.via + ((stmt, name),), self.mapping)

    def as_(self, mapping: bool) -> "Taint":
        return self if self.mapping == mapping else Taint(self.source, self.keys, self.via, mapping)


def join(*values):
    """Union of values: the first taint wins; clean only if every part is known clean."""
    sure = True
    for value in values:
        if isinstance(value, Taint):
            return value
        if value is not SURE:
            sure = False
    return SURE if sure else None


# -- dotted names (sanitizers, propagators, sinks...) --------------------------------------


class DottedSet:
    """Dotted names matched on their last two components, so ``strutils.mask_password``
    matches ``oslo_utils.strutils.mask_password`` and ``su.strutils.mask_password`` however
    the module was imported.  The second-to-last component matches by trailing words
    (``context.to_dict`` matches ``self.admin_context.to_dict``).  A one-component entry
    (``str``) matches only a bare name."""

    def __init__(self, entries: Iterable[str]) -> None:
        self._by_last: dict[str, list[tuple[str, ...] | None]] = {}
        for entry in entries:
            parts = [p for p in entry.strip().split(".") if p]
            if not parts:
                continue
            penult = words(parts[-2]) if len(parts) > 1 else None
            self._by_last.setdefault(parts[-1], []).append(penult)

    def match(self, *names: str | None) -> bool:
        for name in names:
            if not name:
                continue
            parts = name.split(".")
            for penult in self._by_last.get(parts[-1], ()):
                if penult is None:
                    if len(parts) == 1:
                        return True
                elif len(parts) > 1:
                    have = words(parts[-2])
                    if penult and have[-len(penult) :] == penult:
                        return True
        return False


# -- compiled options -----------------------------------------------------------------------

SOURCE_OPTIONS = (
    "sensitive-names",
    "sensitive-patterns",
    "secret-carriers",
    "carrier-keys",
    "safe-prefixes",
    "value-suffixes",
    "getter-verbs",
    "sanitizers",
    "propagators",
    "safe-calls",
    "secret-calls",
    "redactor",
    "mapping-redactor",
)

# methods whose result is made of the receiver (and of the arguments)
_PROPAGATING_METHODS = frozenset(
    """strip lstrip rstrip lower upper casefold title capitalize swapcase encode decode replace
    split rsplit splitlines partition rpartition join format format_map ljust rjust center zfill
    expandtabs translate removeprefix removesuffix copy items values iteritems itervalues
    __str__ __repr__ obj_to_primitive""".split()
)
# methods that put their arguments into the receiver
_MUTATORS = frozenset(("update", "append", "extend", "add", "insert", "setdefault", "appendleft"))
_LOOKUPS = frozenset(("get", "pop"))


def _word_key(name: str) -> tuple[str, ...]:
    return tuple(_bare(w) for w in words(name))


@dataclass(frozen=True)
class Knowledge:
    key: tuple
    names: frozenset
    carriers: frozenset
    pattern: re.Pattern
    safe_prefixes: frozenset
    value_suffixes: frozenset
    carrier_keys: frozenset
    getter_verbs: frozenset
    sanitizers: DottedSet
    propagators: DottedSet
    safe_calls: DottedSet
    secret_calls: DottedSet
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def classify(self, identifier: str) -> str | None:
        """SECRET, CARRIER or None for a variable / attribute / key / parameter name."""
        cached = self._cache.get(identifier, _MISSING)
        if cached is not _MISSING:
            return cached
        result = self._classify(identifier)
        self._cache[identifier] = result
        return result

    def _classify(self, identifier: str) -> str | None:
        raw = list(words(identifier))
        if not raw:
            return None
        if len(raw) > 1 and raw[0] in self.safe_prefixes:
            return None
        full = tuple(_bare(w) for w in raw)
        while len(raw) > 1 and raw[-1] in self.value_suffixes:
            raw.pop()
        bare = tuple(_bare(w) for w in raw)
        for seq in (full, bare) if bare != full else (full,):
            for start in range(len(seq)):
                tail = seq[start:]
                if tail in self.names:
                    return SECRET
                if tail in self.carriers:
                    return CARRIER
        head = bare[-1]
        candidates = [head]
        if len(bare) > 1:
            candidates += [f"{bare[-2]}_{head}", bare[-2] + head]
        if any(self.pattern.fullmatch(c) for c in candidates):
            return SECRET
        return None

    def call_source(self, name: str) -> str | None:
        """``get_password`` / ``_get_admin_password`` / ``generate_password``: a getter of a
        secret.  Other verbs (``set_password``, ``check_token``) return no secret."""
        found = words(name)
        if len(found) > 1 and found[0] in self.getter_verbs:
            return self.classify("_".join(found[1:]))
        return None

    def is_carrier_key(self, key: str) -> bool:
        return _word_key(key) in self.carrier_keys or self.classify(key) == CARRIER


def _opt_list(options: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = options[key]
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    return tuple(str(v) for v in value)


def source_key(options: Mapping[str, Any]) -> tuple:
    return tuple((key, _opt_list(options, key)) for key in SOURCE_OPTIONS)


def knowledge(options: Mapping[str, Any]) -> Knowledge:
    """The compiled source/sanitizer options (cached by their values)."""
    return _compile(source_key(options))


@lru_cache(maxsize=32)
def _compile(key: tuple) -> Knowledge:
    opts = dict(key)
    patterns = []
    for text in opts["sensitive-patterns"]:
        try:
            re.compile(text)
        except re.error as exc:
            raise ValueError(f"sensitive-patterns: invalid regular expression {text!r}: {exc}") from None
        patterns.append(f"(?:{text})")
    pattern = re.compile("|".join(patterns) if patterns else r"(?!x)x", re.IGNORECASE)
    return Knowledge(
        key=key,
        names=frozenset(_word_key(n) for n in opts["sensitive-names"]),
        carriers=frozenset(_word_key(n) for n in opts["secret-carriers"]),
        pattern=pattern,
        safe_prefixes=frozenset(w.lower() for w in opts["safe-prefixes"]),
        value_suffixes=frozenset(w.lower() for w in opts["value-suffixes"]),
        carrier_keys=frozenset(_word_key(n) for n in opts["carrier-keys"]),
        getter_verbs=frozenset(w.lower() for w in opts["getter-verbs"]),
        sanitizers=DottedSet(opts["sanitizers"] + opts["redactor"] + opts["mapping-redactor"]),
        propagators=DottedSet(opts["propagators"]),
        safe_calls=DottedSet(opts["safe-calls"]),
        secret_calls=DottedSet(opts["secret-calls"]),
    )


# -- format strings ---------------------------------------------------------------------------

_PERCENT = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsab%])"
)


def format_literal(node) -> str | None:
    """The text of a format string: a str constant, or one wrapped in ``_()`` / ``_LE()``."""
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return node.value
    if (
        isinstance(node, nodes.Call)
        and isinstance(node.func, nodes.Name)
        and node.func.name.startswith("_")
        and len(node.args) == 1
        and not node.keywords
    ):
        return format_literal(node.args[0])
    return None


def percent_fields(text: str) -> tuple[str, ...] | None:
    """Names used by ``%(name)s`` fields; None if any field is positional."""
    names = []
    for match in _PERCENT.finditer(text):
        if match.group("conv") == "%":
            continue
        if match.group("name") is None:
            return None
        names.append(match.group("name"))
    return tuple(names)


def brace_fields(text: str) -> tuple[str, ...] | None:
    """Root names used by ``{name}`` fields; None if any field is positional or malformed."""
    names = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return None
    for _, field_name, _, _ in parsed:
        if field_name is None:
            continue
        root = re.split(r"[.\[]", field_name, maxsplit=1)[0]
        if not root or root.isdigit():
            return None
        names.append(root)
    return tuple(names)


# -- scopes and environments -------------------------------------------------------------------

_FUNCTIONS = (nodes.FunctionDef, nodes.AsyncFunctionDef)
_COMPREHENSIONS = (nodes.ListComp, nodes.SetComp, nodes.DictComp, nodes.GeneratorExp)
_TRY = tuple(t for t in (getattr(nodes, "Try", None), getattr(nodes, "TryStar", None)) if t is not None)


class Env:
    """Variable values visible at a point: this scope's state, then the enclosing ones."""

    __slots__ = ("vars", "parent")

    def __init__(self, values: Mapping, parent: "Env | None" = None) -> None:
        self.vars = values
        self.parent = parent

    def get(self, name: str):
        env = self
        while env is not None:
            value = env.vars.get(name, _MISSING)
            if value is not _MISSING:
                return value
            env = env.parent
        return _MISSING


@dataclass(frozen=True)
class Leak:
    node: Any  # the sub-expression to redact
    taint: Taint


def _params(args: nodes.Arguments):
    """(name, is_kwarg) for every parameter."""
    for group in (args.posonlyargs or [], args.args or [], args.kwonlyargs or []):
        for arg in group:
            if isinstance(arg, nodes.AssignName):
                yield arg.name, False
    if args.vararg:
        yield args.vararg, False
    if args.kwarg:
        yield args.kwarg, True


class _ScopeFlow:
    __slots__ = ("before", "final")

    def __init__(self) -> None:
        self.before: dict = {}
        self.final: dict = {}


class SensitiveFlow:
    """Taint of every local name before every statement, computed per scope on demand."""

    def __init__(self, module: nodes.Module, kb: Knowledge, imports: Mapping[str, str], tick=None) -> None:
        self.module = module
        self.tick = tick or (lambda: None)  # the time budget (``CheckContext.tick``)
        self.kb = kb
        self.imports = imports
        self._scopes: dict = {}
        self._parents: dict = {}

    # -- names ------------------------------------------------------------------------------

    def name_default(self, name: str):
        """The value of a name nothing in the analysed code assigned: judged by its name."""
        kind = self.kb.classify(name)
        return Taint(name, mapping=kind == CARRIER) if kind else None

    def _lookup(self, name: str, env: Env | None):
        value = env.get(name) if env is not None else _MISSING
        return self.name_default(name) if value is _MISSING else value

    # -- per-scope walk ---------------------------------------------------------------------

    def _parent_env(self, scope) -> Env | None:
        cached = self._parents.get(scope, _MISSING)
        if cached is _MISSING:
            cached = self._parents[scope] = self._compute_parent_env(scope)
        return cached

    def _compute_parent_env(self, scope) -> Env | None:
        parent = scope.parent
        if parent is None:
            return None
        outer = parent.scope()
        while isinstance(outer, nodes.ClassDef) and isinstance(scope, _FUNCTIONS):
            outer = outer.parent.scope() if outer.parent is not None else None
        if outer is None or not isinstance(outer, (nodes.Module, nodes.ClassDef) + _FUNCTIONS):
            return None
        flow = self.scope_flow(outer)
        return Env(flow.final, self._parent_env(outer))

    def scope_flow(self, scope) -> _ScopeFlow:
        flow = self._scopes.get(scope)
        if flow is not None:
            return flow
        flow = _ScopeFlow()
        self._scopes[scope] = flow  # guards against re-entry
        parent = self._parent_env(scope)
        start = PMap().edit()
        if isinstance(scope, _FUNCTIONS):
            for name, is_kwarg in _params(scope.args):
                start[name] = Taint(name, mapping=True) if is_kwarg else self.name_default(name)
        state = start.done()
        walker = _Walker(self, flow, parent)
        flow.final = walker.block(scope.body, state)
        return flow

    def env_at(self, node) -> Env:
        """The environment an expression is evaluated in (its statement's state, plus the
        parameters of enclosing lambdas and the targets of enclosing comprehensions)."""
        stmt = node.statement()
        holder = stmt.parent.scope() if stmt.parent is not None else stmt
        if isinstance(holder, (nodes.Module, nodes.ClassDef) + _FUNCTIONS):
            flow = self.scope_flow(holder)
            state = flow.before.get(stmt, flow.final)
            env = Env(state, self._parent_env(holder))
        else:
            env = Env({}, None)
        inner = []
        current = node.parent
        while current is not None and current is not stmt:
            if isinstance(current, (nodes.Lambda,) + _COMPREHENSIONS):
                inner.append(current)
            current = current.parent
        for scope in reversed(inner):
            env = self._inner_env(scope, env)
        return env

    def _inner_env(self, scope, env: Env) -> Env:
        values: dict = {}
        inner = Env(values, env)
        if isinstance(scope, nodes.Lambda):
            for name, is_kwarg in _params(scope.args):
                values[name] = Taint(name, mapping=True) if is_kwarg else self.name_default(name)
            return inner
        for gen in scope.generators:
            value = self.value(gen.iter, inner)
            _bind_loop_target(self, gen.target, gen.iter, value, values, inner)
        return inner

    # -- values -----------------------------------------------------------------------------

    def value_at(self, node):
        return self.value(node, self.env_at(node))

    def value(self, node, env: Env | None):
        """The taint of an expression in ``env``."""
        kb = self.kb
        if isinstance(node, nodes.Const):
            return SURE
        if isinstance(node, nodes.Name):
            return self._lookup(node.name, env)
        if isinstance(node, nodes.Attribute):
            if node.attrname.startswith("__") and node.attrname.endswith("__"):
                return SURE  # x.__class__, type(x).__name__, ...
            kind = kb.classify(node.attrname)
            return Taint(_text(node), mapping=kind == CARRIER) if kind else None
        if isinstance(node, nodes.Subscript):
            return self._subscript(node, node.value, node.slice, None, env)
        if isinstance(node, nodes.Call):
            return self._call(node, env)
        if isinstance(node, nodes.BinOp):
            refined = self._percent_bag(node, env)
            if refined is not _MISSING:
                return _text_value(join(self.value(node.left, env), SURE if refined is None else refined))
            return _text_value(join(self.value(node.left, env), self.value(node.right, env)))
        if isinstance(node, nodes.JoinedStr):
            return _text_value(join(*(self.value(v, env) for v in node.values)))
        if isinstance(node, nodes.FormattedValue):
            return self.value(node.value, env)
        if isinstance(node, (nodes.List, nodes.Tuple, nodes.Set)):
            return _unkeyed(join(*(self.value(e, env) for e in node.elts)))
        if isinstance(node, nodes.Dict):
            return self._dict(node, env)
        if isinstance(node, nodes.Compare):
            return SURE
        if isinstance(node, nodes.UnaryOp):
            return SURE if node.op == "not" else self.value(node.operand, env)
        if isinstance(node, nodes.BoolOp):
            return join(*(self.value(v, env) for v in node.values))
        if isinstance(node, nodes.IfExp):
            return join(self.value(node.body, env), self.value(node.orelse, env))
        if isinstance(node, (nodes.Starred, nodes.Await)):
            return self.value(node.value, env)
        if isinstance(node, nodes.NamedExpr):
            return self.value(node.value, env)
        if isinstance(node, nodes.Lambda):
            return SURE
        if isinstance(node, _COMPREHENSIONS):
            inner = self._inner_env(node, env or Env({}))
            if isinstance(node, nodes.DictComp):
                return _unkeyed(self.value(node.value, inner), mapping=True)
            return _unkeyed(self.value(node.elt, inner))
        return None

    def _dict(self, node: nodes.Dict, env):
        """A dict literal: tainted by any tainted value, remembering under which keys."""
        first = None
        keys: set | None = set()
        sure = True
        for key, value in node.items:
            found = self._dict_item(key, value, env)
            if isinstance(found, Taint):
                first = first or found
                if keys is not None and isinstance(key, nodes.Const) and isinstance(key.value, str):
                    keys.add(key.value)
                else:
                    keys = None
            elif found is not SURE:
                sure = False
        if first is None:
            return SURE if sure else None
        return Taint(first.source, frozenset(keys) if keys is not None else None, first.via, True)

    def _dict_item(self, key, value, env):
        """The value of one entry; ``{'password': pw}`` holds a secret whatever ``pw`` is
        called (when it is a variable, attribute or item: a call's result is left alone)."""
        found = self.value(value, env)
        if isinstance(found, Taint) or not isinstance(key, nodes.Const) or not isinstance(key.value, str):
            return found
        return self.keyed_secret(key.value, value, found)

    def keyed_secret(self, key: str, value_node, found):
        if found is SURE or not isinstance(value_node, _NAMED_VALUES):
            return found
        if self.kb.classify(key) == SECRET:
            return Taint(repr(key))
        return found

    def _subscript(self, node, base, key_node, default, env):
        kb = self.kb
        key = key_node.value if isinstance(key_node, nodes.Const) and isinstance(key_node.value, str) else None
        kind = kb.classify(key) if key is not None else None
        if kind:
            return Taint(_text(node), mapping=kind == CARRIER)
        base_value = self.value(base, env)
        if not isinstance(base_value, Taint):
            return join(None, self.value(default, env)) if default is not None else None
        if key is None:
            # a computed key of a mapping may be any entry; an index or slice of a sequence
            # of secrets is a secret
            found = None if base_value.mapping else _unkeyed(base_value)
        elif base_value.keys is not None:
            found = _unkeyed(base_value) if key in base_value.keys else None
        elif kb.is_carrier_key(key):
            found = base_value  # connection_info['data'] still holds the CHAP password
        else:
            found = None  # a harmless key of an object holding secrets elsewhere
        if default is not None:
            found = join(found, self.value(default, env))
        return found

    def _call(self, node: nodes.Call, env):
        kb = self.kb
        func = node.func
        written = dotted(func)
        full = qualified(func, self.imports) if written else None
        if kb.sanitizers.match(written, full):
            return SURE
        if kb.safe_calls.match(written, full):
            return SURE
        if kb.secret_calls.match(written, full):
            if written == "vars" and node.args:
                return self._arguments(node, env)  # vars(obj) holds what obj holds
            last = written.rsplit(".", 1)[-1] if written else ""
            return Taint(_text(node), mapping=last in ("locals", "vars", "to_dict"))
        if isinstance(func, nodes.Attribute):
            method = func.attrname
            if method in _LOOKUPS and node.args:
                default = node.args[1] if len(node.args) > 1 else None
                return self._subscript(node, func.expr, node.args[0], default, env)
            if method in ("format", "format_map"):
                return _text_value(join(self.value(func.expr, env), self._arguments(node, env, named=True)))
            if method in _PROPAGATING_METHODS:
                found = join(self.value(func.expr, env), self._arguments(node, env))
                return found if method == "copy" else _text_value(found)
        if written == "getattr" and len(node.args) >= 2:
            name = node.args[1]
            kind = kb.classify(name.value) if isinstance(name, nodes.Const) and isinstance(name.value, str) else None
            return Taint(_text(node), mapping=kind == CARRIER) if kind else None
        if kb.propagators.match(written, full):
            return _propagated(written or "", self._arguments(node, env, named=True))
        called = func.attrname if isinstance(func, nodes.Attribute) else getattr(func, "name", None)
        kind = kb.call_source(called) if called else None
        return Taint(_text(node), mapping=kind == CARRIER) if kind else None

    def _arguments(self, node: nodes.Call, env, named: bool = False):
        values = [self.value(a, env) for a in node.args]
        for kw in node.keywords or ():
            found = self.value(kw.value, env)
            if named and kw.arg and not isinstance(found, Taint):
                found = self.keyed_secret(kw.arg, kw.value, found)
            if kw.arg is None and isinstance(found, Taint):
                found = self._brace_bag(node, found, env)
            values.append(found)
        return join(*values) if values else SURE

    # -- ``"%(a)s" % bag`` and ``"{a}".format(**bag)`` pick named entries only -----------------

    def _percent_bag(self, node: nodes.BinOp, env):
        """For ``literal % mapping`` with only named fields: the taint of the entries the format
        actually reads (None when it reads none of the secrets); _MISSING otherwise.  A dict
        literal on the right is left to the caller, which looks at each value."""
        if node.op != "%" or isinstance(node.right, nodes.Dict):
            return _MISSING
        text = format_literal(node.left)
        if text is None:
            return _MISSING
        bag = self.value(node.right, env)
        if not isinstance(bag, Taint):
            return _MISSING
        names = percent_fields(text)
        if names is None:
            return _MISSING
        return self.bag_fields(node.right, bag, names, env)

    def _brace_bag(self, call: nodes.Call, bag: Taint, env):
        func = call.func
        text = format_literal(func.expr) if isinstance(func, nodes.Attribute) and func.attrname == "format" else None
        names = brace_fields(text) if text is not None else None
        if names is None:
            return bag
        kw = next((k for k in call.keywords if k.arg is None), None)
        return self.bag_fields(kw.value if kw is not None else call, bag, names, env)

    def bag_fields(self, bag_node, bag: Taint, names: tuple[str, ...], env):
        """Taint of the named entries of a mapping (``locals()`` reads local variables)."""
        kb = self.kb
        is_locals = isinstance(bag_node, nodes.Call) and dotted(bag_node.func) in ("locals", "vars")
        for name in names:
            if kb.classify(name):
                return bag
            if is_locals:
                if isinstance(self._lookup(name, env), Taint):
                    return bag
            elif bag.keys is not None:
                if name in bag.keys:
                    return bag
            elif kb.is_carrier_key(name):
                return bag
        return None

    # -- where in a sink argument the secret is -------------------------------------------------

    def leaks(self, node, env: Env | None = None) -> list[Leak]:
        """Sub-expressions of ``node`` that carry a secret, outermost redactable ones."""
        env = env if env is not None else self.env_at(node)
        found: list[Leak] = []
        self._leaks(node, env, found)
        return found

    def _leaks(self, node, env, out: list) -> None:
        kb = self.kb
        if isinstance(node, nodes.Dict):
            for key, value in node.items:
                before = len(out)
                self._leaks(value, env, out)
                if len(out) == before:
                    taint = self._dict_item(key, value, env)
                    if isinstance(taint, Taint):
                        out.append(Leak(value, taint))
            return
        if isinstance(node, _COMPREHENSIONS):
            inner = self._inner_env(node, env)
            self._leaks(node.value if isinstance(node, nodes.DictComp) else node.elt, inner, out)
            return
        if isinstance(node, (nodes.List, nodes.Tuple, nodes.Set)):
            for elt in node.elts:
                self._leaks(elt, env, out)
            return
        if isinstance(node, nodes.BinOp) and node.op in ("%", "+"):
            refined = self._percent_bag(node, env)
            self._leaks(node.left, env, out)
            if refined is _MISSING:
                self._leaks(node.right, env, out)
            elif isinstance(refined, Taint):
                out.append(Leak(node.right, refined))
            return
        if isinstance(node, nodes.JoinedStr):
            for value in node.values:
                if isinstance(value, nodes.FormattedValue):
                    self._leaks(value.value, env, out)
            return
        if isinstance(node, (nodes.IfExp,)):
            self._leaks(node.body, env, out)
            self._leaks(node.orelse, env, out)
            return
        if isinstance(node, nodes.BoolOp):
            for value in node.values:
                self._leaks(value, env, out)
            return
        if isinstance(node, (nodes.Starred, nodes.FormattedValue)):
            self._leaks(node.value, env, out)
            return
        if isinstance(node, nodes.Call):
            if self._call_leaks(node, env, out):
                return
        taint = self.value(node, env)
        if isinstance(taint, Taint):
            out.append(Leak(node, taint))

    def keyword_leaks(self, keyword: str, node, env) -> list[Leak]:
        """``Foo(password=pw)``: a keyword named like a secret holds one (variables only)."""
        found = self.keyed_secret(keyword, node, self.value(node, env))
        return [Leak(node, found)] if isinstance(found, Taint) else []

    def _call_leaks(self, node: nodes.Call, env, out: list) -> bool:
        """Descend into ``"...".format(...)``, ``", ".join(...)`` and ``str()``/``json.dumps()``
        style calls so the span is the secret itself; True when handled."""
        kb = self.kb
        func = node.func
        written = dotted(func)
        full = qualified(func, self.imports) if written else None
        if kb.sanitizers.match(written, full) or kb.safe_calls.match(written, full):
            return True
        if not isinstance(self._call(node, env), Taint):
            return True  # list(kwargs), sorted(headers): nothing secret comes out
        if isinstance(func, nodes.Attribute) and func.attrname in _PROPAGATING_METHODS:
            # "...".format(x), ", ".join(x), password.strip(): the receiver and the arguments
            self._leaks(func.expr, env, out)
            named = func.attrname in ("format", "format_map")
        elif kb.propagators.match(written, full):
            named = True  # str(x), json.dumps(x), dict(password=x)
        else:
            return False
        for arg in node.args:
            self._leaks(arg, env, out)
        for kw in node.keywords or ():
            if kw.arg is None:
                bag = self.value(kw.value, env)
                if isinstance(bag, Taint) and not isinstance(kw.value, nodes.Dict):
                    bag = self._brace_bag(node, bag, env)
                    if isinstance(bag, Taint):
                        out.append(Leak(kw.value, bag))
                    continue
            before = len(out)
            self._leaks(kw.value, env, out)
            if len(out) == before and named and kw.arg:
                found = self.keyed_secret(kw.arg, kw.value, self.value(kw.value, env))
                if isinstance(found, Taint):
                    out.append(Leak(kw.value, found))
        return True


_NAMED_VALUES = (nodes.Name, nodes.Attribute, nodes.Subscript)
_CONSTRUCTED = (nodes.Dict, nodes.List, nodes.Tuple, nodes.Set, nodes.JoinedStr, nodes.Const)


def _constructed(node) -> bool:
    """A literal built in place (a dict/list display, an f-string, ``"..." % x``): when none of
    its parts is tainted, neither is the whole, whatever the variable is called."""
    if isinstance(node, _CONSTRUCTED):
        return True
    return isinstance(node, nodes.BinOp) and node.op in ("%", "+") and format_literal(node.left) is not None


def _unkeyed(value, mapping: bool = False):
    """A tainted value whose key layout is unknown (an entry, a list, a comprehension)."""
    if isinstance(value, Taint) and (value.keys is not None or value.mapping != mapping):
        return Taint(value.source, None, value.via, mapping)
    return value


def _text_value(value):
    """A string (or other non-mapping) built from ``value``."""
    return value.as_(False) if isinstance(value, Taint) else value


# propagators by what they return: the same mapping, the keys of a mapping, or text
_KEEPS_MAPPING = frozenset(("dict", "copy", "deepcopy", "loads", "to_primitive"))
_LISTS_KEYS = frozenset(("list", "tuple", "set", "frozenset", "sorted"))


def _propagated(name: str, value):
    if not isinstance(value, Taint):
        return value
    last = name.rsplit(".", 1)[-1]
    if last in _KEEPS_MAPPING:
        return value.as_(True) if last == "dict" else value
    if last in _LISTS_KEYS:
        return None if value.mapping else value  # list(kwargs) holds only the names
    return value.as_(False)


def _text(node, limit: int = 60) -> str:
    try:
        text = node.as_string()
    except Exception:  # pragma: no cover - as_string is total for parsed trees
        return "?"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


# -- the ordered walk of one scope -----------------------------------------------------------


def _bind_loop_target(flow: SensitiveFlow, target, iter_node, value, values: dict, env: Env) -> None:
    """Bind a ``for`` / comprehension target: ``k, v in d.items()`` taints only ``v``, and
    iterating a mapping (``for key in kwargs``) gives only its keys."""
    if isinstance(target, nodes.Tuple) and len(target.elts) == 2 and isinstance(iter_node, nodes.Call):
        func = iter_node.func
        of = None
        if isinstance(func, nodes.Attribute) and func.attrname in ("items", "iteritems"):
            of = func.expr
        elif dotted(func) in ("enumerate", "six.iteritems") and iter_node.args:
            of = iter_node.args[0]
        if of is not None:
            pair_of = flow.value(of, env)
            if dotted(func) == "enumerate" and isinstance(pair_of, Taint) and pair_of.mapping:
                pair_of = None  # enumerate(mapping) numbers its keys
            _bind_names(flow, target.elts[0], None, values)
            _bind_names(flow, target.elts[1], _unkeyed(pair_of), values)
            return
    if isinstance(value, Taint) and value.mapping:
        value = None
    _bind_names(flow, target, _unkeyed(value), values)


def _bind_names(flow: SensitiveFlow, target, value, values: dict, via=None) -> None:
    if isinstance(target, nodes.AssignName):
        values[target.name] = _assigned(flow, target.name, value, via)
    elif isinstance(target, (nodes.Tuple, nodes.List)):
        for elt in target.elts:
            _bind_names(flow, elt, None, values, via)  # unpacked: judged by name
    elif isinstance(target, nodes.Starred):
        _bind_names(flow, target.value, value, values, via)


def _assigned(flow: SensitiveFlow, name: str, value, via):
    """What a name holds after ``name = <value>``."""
    if isinstance(value, Taint):
        return value.then(via, name) if via is not None else value
    if value is SURE:
        return SURE
    return flow.name_default(name)


class _Walker:
    def __init__(self, flow: SensitiveFlow, scope_flow: _ScopeFlow, parent: Env | None) -> None:
        self.flow = flow
        self.out = scope_flow
        self.parent = parent

    def env(self, state) -> Env:
        return Env(state, self.parent)

    def block(self, body, state: PMap) -> PMap:
        for stmt in body:
            state = self.stmt(stmt, state)
        return state

    def merge(self, *states: PMap) -> PMap:
        """Join of the states at the end of alternative paths (union of taints)."""
        first = states[0]
        others = [s for s in states[1:] if s is not first]
        if not others:
            return first
        changed = set()
        for other in others:
            changed |= first.changed_keys(other)
        if not changed:
            return first
        lookup = self.flow._lookup
        merged = first.edit()
        everything = (first, *others)
        for key in changed:
            merged[key] = join(*(s[key] if key in s else lookup(key, self.parent) for s in everything))
        return merged.done()

    def stmt(self, node, state: PMap) -> PMap:
        self.flow.tick()
        self.out.before[node] = state
        handler = _STATEMENTS.get(type(node))
        return handler(self, node, state) if handler is not None else state

    def _assign_stmt(self, node, state: PMap) -> PMap:
        flow = self.flow
        if node.value is None:
            return state
        value = flow.value(node.value, self.env(state))
        targets = node.targets if isinstance(node, nodes.Assign) else [node.target]
        if len(targets) == 1 and isinstance(targets[0], nodes.AssignName):
            name = targets[0].name
            if value is None and _constructed(node.value):
                value = SURE
            result = _assigned(flow, name, value, node)
            if state.get(name, _MISSING) is result or (
                result is None and name not in state and flow._lookup(name, self.parent) is None
            ):
                return state  # nothing changes (the common `x = self.call()`)
            return state.set(name, result)
        new = state.edit()
        for target in targets:
            self.assign(target, node.value, value, new, node)
        return new.done()

    def _augassign_stmt(self, node, state: PMap) -> PMap:
        flow = self.flow
        target = node.target
        value = flow.value(node.value, self.env(state))
        if isinstance(target, nodes.AssignName):
            current = flow._lookup(target.name, self.env(state))
            if isinstance(value, Taint):
                return state.set(target.name, _assigned(flow, target.name, value, node))
            if not isinstance(current, Taint):
                return state.set(target.name, _assigned(flow, target.name, join(current, value), None))
            return state
        if isinstance(target, nodes.Subscript):
            return self.mutate(target.value, value, state, node)  # d[k] += secret
        return state

    def _for_stmt(self, node, state: PMap) -> PMap:
        env = self.env(state)
        value = self.flow.value(node.iter, env)
        loop = state.edit()
        _bind_loop_target(self.flow, node.target, node.iter, value, loop, env)
        after = self.merge(state, self.block(node.body, loop.done()))  # the body may not run
        return self.block(node.orelse, after) if node.orelse else after

    def _while_stmt(self, node, state: PMap) -> PMap:
        after = self.merge(state, self.block(node.body, state))
        return self.block(node.orelse, after) if node.orelse else after

    def _if_stmt(self, node, state: PMap) -> PMap:
        return self.merge(self.block(node.body, state), self.block(node.orelse, state))

    def _try_stmt(self, node, state: PMap) -> PMap:
        body = self.block(node.body, state)
        start = self.merge(state, body)  # a handler may run after any part of the body
        ends = [self.block(node.orelse, body) if node.orelse else body]
        for handler in node.handlers:
            self.out.before[handler] = start
            entry = start
            if isinstance(handler.name, nodes.AssignName):
                entry = start.set(handler.name.name, None)
            ends.append(self.block(handler.body, entry))
        after = self.merge(*ends)
        return self.block(node.finalbody, after) if node.finalbody else after

    def _with_stmt(self, node, state: PMap) -> PMap:
        new = state
        for expr, var in node.items:
            if var is not None:
                edit = new.edit()
                self.assign(var, expr, self.flow.value(expr, self.env(new)), edit, node)
                new = edit.done()
        return self.block(node.body, new)

    def _def_stmt(self, node, state: PMap) -> PMap:
        return state.set(node.name, SURE)

    def _import_stmt(self, node, state: PMap) -> PMap:
        new = state.edit()
        for name, alias in node.names:
            if name != "*":
                local = alias or (name.split(".")[0] if isinstance(node, nodes.Import) else name)
                new[local] = SURE
        return new.done()

    def _expr_stmt(self, node, state: PMap) -> PMap:
        call = node.value
        if isinstance(call, nodes.Call):
            func = call.func
            if isinstance(func, nodes.Attribute) and func.attrname in _MUTATORS:
                is_dict = func.attrname in ("update", "setdefault")
                value = self.flow._arguments(call, self.env(state), named=func.attrname == "update")
                return self.mutate(func.expr, value, state, node, mapping=is_dict)
        return state

    def _match_stmt(self, node, state: PMap) -> PMap:
        return self.merge(state, *(self.block(case.body, state) for case in node.cases))

    def assign(self, target, value_node, value, new: dict, stmt) -> None:
        flow = self.flow
        if isinstance(target, nodes.AssignName):
            if value is None and _constructed(value_node):
                value = SURE  # built right here from parts that hold no secret
            new[target.name] = _assigned(flow, target.name, value, stmt)
        elif isinstance(target, (nodes.Tuple, nodes.List)):
            pairs = isinstance(value_node, (nodes.Tuple, nodes.List)) and len(value_node.elts) == len(target.elts)
            pairs = pairs and not any(isinstance(e, nodes.Starred) for e in target.elts + value_node.elts)
            for index, elt in enumerate(target.elts):
                if pairs:
                    part = value_node.elts[index]
                    self.assign(elt, part, flow.value(part, self.env(new)), new, stmt)
                else:
                    # which part of an unpacked value is the secret is unknown: each target
                    # is judged by its own name (`secret_uuid, secret = get_secret()`)
                    self.assign(elt, None, None, new, stmt)
        elif isinstance(target, nodes.Starred):
            self.assign(target.value, None, value, new, stmt)
        elif isinstance(target, nodes.Subscript) and isinstance(target.value, nodes.Name):
            key = target.slice
            literal = key.value if isinstance(key, nodes.Const) and isinstance(key.value, str) else None
            if literal is not None and not isinstance(value, Taint):
                value = flow.keyed_secret(literal, value_node, value) if value_node is not None else value
            if isinstance(value, Taint):
                keys = frozenset((literal,)) if literal is not None else None
                self.mutate(target.value, value, new, stmt, keys)

    def mutate(self, receiver, value, state, stmt, keys=None, mapping: bool = True):
        """``d[k] = secret`` / ``d.update(secret)`` / ``l.append(secret)`` taint ``d`` / ``l``
        (remembering the key when it is a literal)."""
        if not isinstance(receiver, nodes.Name) or not isinstance(value, Taint):
            return state
        name = receiver.name
        current = self.flow._lookup(name, self.env(state))
        if isinstance(current, Taint):
            if current.keys is None or keys is None:
                keys = None
            else:
                keys = current.keys | keys
            if keys == current.keys:
                return state
            value, mapping = current, current.mapping
        taint = Taint(value.source, keys, value.via + ((stmt, name),), mapping)
        if isinstance(state, Transient):  # part of a batch of changes: made in place
            state[name] = taint
            return state
        return state.set(name, taint)


_STATEMENTS = {
    nodes.Assign: _Walker._assign_stmt,
    nodes.AnnAssign: _Walker._assign_stmt,
    nodes.AugAssign: _Walker._augassign_stmt,
    nodes.For: _Walker._for_stmt,
    nodes.AsyncFor: _Walker._for_stmt,
    nodes.While: _Walker._while_stmt,
    nodes.If: _Walker._if_stmt,
    nodes.With: _Walker._with_stmt,
    nodes.AsyncWith: _Walker._with_stmt,
    nodes.FunctionDef: _Walker._def_stmt,
    nodes.AsyncFunctionDef: _Walker._def_stmt,
    nodes.ClassDef: _Walker._def_stmt,
    nodes.Import: _Walker._import_stmt,
    nodes.ImportFrom: _Walker._import_stmt,
    nodes.Expr: _Walker._expr_stmt,
    nodes.Match: _Walker._match_stmt,
    **{cls: _Walker._try_stmt for cls in _TRY},
}


# -- shared entry points for the checks --------------------------------------------------------


def shared_flow(ctx, kb: Knowledge) -> SensitiveFlow:
    """One flow per analysis and per set of source options, shared by NOVA001 and NOVA002."""
    return ctx.index.memo(("sensitive-flow", kb.key), lambda: SensitiveFlow(ctx.module, kb, import_map(ctx), ctx.tick))


def describe(ctx, leak: Leak) -> tuple[dict, tuple[Related, ...]]:
    """Message fields (``value``, ``detail``) and related locations of a leak."""
    span = ctx.span(leak.node)
    value = " ".join(ctx.document.text_of(span).split())
    if len(value) > 60:
        value = value[:59] + "\u2026"
    taint = leak.taint
    detail = "" if taint.source == value else f" (from `{taint.source}`)"
    related = []
    for stmt, name in taint.via[-3:]:
        if name == taint.source:
            continue
        related.append(Related(ctx.span(stmt), f"`{name}` is built from `{taint.source}` here"))
    return {"value": value, "detail": detail}, tuple(related)
