"""What holds a secret and where it flows: the shared core of ``log-sensitive-data`` (NOVA001)
and ``secret-in-exception`` (NOVA002).

It owns four things:

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
  ``ctx.index.memo``.  What a scope's own text says about its names (a value opened as a file
  is a path, a secret-named value whose fields are read is an object, a name holding an HTTP
  response) is collected once per scope (``ScopeFacts``).
* ``CallerSummary`` — which parameters receive a secret from a call in the same module.  A
  ``**kwargs`` bag is not a secret by its name: it is one when the function itself reads or
  writes a sensitive key in it, or when a call in the module passes a sensitive keyword
  (``password=...``, a value tainted in the caller, a tainted ``**bag``) that lands in it;
  any other parameter likewise (``self._request(url, body)`` with a login body), directly or
  through functions passing their own parameters on.  The calls that decide it are *facts*
  for incremental analysis (``callers_fact``).
* ``leaks(expr)`` — the sub-expressions of a sink argument that carry a secret, chosen so that
  wrapping exactly that span in a redactor fixes the leak: the positional argument, the value
  in a ``%``-dict, an f-string field, a ``.format`` argument, or a pre-built message variable.

A value is one of: a ``Taint``; ``SURE`` (known clean: a literal, a sanitizer result, a
comparison, ``len(x)``...); a ``Keys`` marker (the keys of a mapping, or one of them: the loop
variable of ``for k in headers``, so that ``headers[k]`` is an entry of ``headers``); or
``None`` (nothing known, e.g. an unknown call).  A variable whose own name is sensitive stays
tainted unless it is (re)assigned something known clean.
"""

from __future__ import annotations

import bisect
import re
import string
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Mapping

from astroid import nodes

from nova_lsp.checks.tree import dotted, import_map, last_name, qualified
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

# kinds of taint (``Taint.kind``)
CONNECTION = "connection"  # a volume connection carrier: what it holds depends on the transport
REQUEST = "request"  # a web request object: its body, environ and headers hold the caller's secrets


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
    ``kind`` is ``CONNECTION`` for a volume connection carrier (clean where the transport is
    known to carry no credentials), ``REQUEST`` for a web request object, else empty.
    """

    source: str
    keys: frozenset | None = None
    via: tuple = ()
    mapping: bool = False
    kind: str = ""

    def then(self, stmt, name: str) -> "Taint":
        return Taint(self.source, self.keys, self.via + ((stmt, name),), self.mapping, self.kind)

    def as_(self, mapping: bool) -> "Taint":
        if self.mapping == mapping:
            return self
        return Taint(self.source, self.keys, self.via, mapping, self.kind)


@dataclass(frozen=True)
class Keys:
    """The keys of the mapping written ``of``: all of them (``many``: ``sorted(headers)``,
    ``kwargs.keys()``) or one (the variable of ``for k in headers``).  ``of`` is ``CONFIG``
    for the option names of a configuration object (``for opt in CONF``)."""

    of: str
    many: bool


CONFIG = "<configuration>"


def join(*values):
    """Union of values: a taint wins (one that holds wherever it is found, rather than a
    transport-dependent one, if there is a choice); clean only if every part is known clean."""
    sure = True
    first = None
    for value in values:
        if isinstance(value, Taint):
            if not value.kind or value.kind == REQUEST:
                return value
            first = first or value
        elif value is not SURE:
            sure = False
    if first is not None:
        return first
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


class TailSet:
    """Dotted names matched on their trailing components, each compared by its trailing words:
    ``transport_url`` matches ``CONF.transport_url`` and ``conf.notification_transport_url``,
    ``database.connection`` matches ``CONF.database.connection`` and
    ``CONF.api_database.connection``."""

    def __init__(self, entries: Iterable[str]) -> None:
        self._entries = tuple(
            tuple(_word_key(p) for p in entry.strip().split(".") if p) for entry in entries if entry.strip()
        )
        self._last_words = tuple({e[-1][-1] for e in self._entries if e and e[-1]})

    def match(self, name: str | None) -> bool:
        if not name or not self._entries:
            return False
        lowered = name.lower()
        if not any(word in lowered for word in self._last_words):
            return False  # cheap: the name does not even contain a last word of an entry
        parts = tuple(_word_key(p) for p in name.split("."))
        for entry in self._entries:
            if len(parts) < len(entry):
                continue
            tail = parts[-len(entry) :]
            if all(have[-len(want) :] == want for have, want in zip(tail, entry) if want):
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
    "transport-carriers",
    "credential-free-transports",
    "credential-transports",
    "header-qualifiers",
    "count-containers",
    "path-calls",
    "credential-urls",
    "credential-url-calls",
    "credential-url-modules",
    "credential-url-names",
    "bearer-token-modules",
    "role-parameters",
    "request-attributes",
    "response-calls",
    "cookie-modules",
    "config-objects",
    "web-modules",
    "request-bodies",
    "sanitizer-words",
)

# methods whose result is made of the receiver (and of the arguments)
_PROPAGATING_METHODS = frozenset(
    """strip lstrip rstrip lower upper casefold title capitalize swapcase encode decode replace
    split rsplit splitlines partition rpartition join format format_map ljust rjust center zfill
    expandtabs translate removeprefix removesuffix copy items values iteritems itervalues
    __str__ __repr__ obj_to_primitive digest hexdigest""".split()
)
# methods that put their arguments into the receiver
_MUTATORS = frozenset(("update", "append", "extend", "add", "insert", "setdefault", "appendleft"))
_LOOKUPS = frozenset(("get", "pop"))
# attributes of text and containers: reading one does not make a value an object
_VALUE_ATTRIBUTES = (
    frozenset(dir(str))
    | frozenset(dir(bytes))
    | frozenset(dir(dict))
    | frozenset(dir(list))
    | frozenset(("iteritems", "itervalues", "iterkeys", "has_key"))
)


_PREPOSITIONS = frozenset(("for", "of", "by", "from", "per"))


def _word_key(name: str) -> tuple[str, ...]:
    return tuple(_bare(w) for w in words(name))


def _ends_with(seq: tuple, entries) -> bool:
    return any(seq[start:] in entries for start in range(len(seq)))


def _mentions(seq: tuple, entries) -> bool:
    """Whether the word sequence contains one of ``entries`` (word tuples) as a run."""
    for entry in entries:
        n = len(entry)
        if n and any(seq[i : i + n] == entry for i in range(len(seq) - n + 1)):
            return True
    return False


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
    transport_carriers: frozenset = frozenset()
    free_transports: tuple = ()
    credential_transports: tuple = ()
    header_qualifiers: frozenset = frozenset()
    count_containers: frozenset = frozenset()
    path_calls: DottedSet = field(default_factory=lambda: DottedSet(()))
    credential_urls: TailSet = field(default_factory=lambda: TailSet(()))
    credential_url_calls: DottedSet = field(default_factory=lambda: DottedSet(()))
    credential_url_modules: tuple = ()
    credential_url_names: frozenset = frozenset()
    bearer_modules: tuple = ()
    role_parameters: tuple = ()
    request_attributes: frozenset = frozenset()
    response_calls: frozenset = frozenset()
    cookie_modules: tuple = ()
    config_objects: frozenset = frozenset()
    web_modules: tuple = ()
    request_bodies: frozenset = frozenset()
    sanitizer_words: frozenset = frozenset()
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
        for index, word in enumerate(raw[1:], start=1):
            if word in _PREPOSITIONS:
                raw = raw[:index]  # metadata_for_secret is metadata; password_for_user a password
                break
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
                    if start > 0 and seq[start - 1] in self.header_qualifiers:
                        return None  # container_headers, resp_headers: metadata, a response
                    return CARRIER
        head = bare[-1]
        candidates = [head]
        if len(bare) > 1:
            candidates += [f"{bare[-2]}_{head}", bare[-2] + head]
        if any(self.pattern.fullmatch(c) for c in candidates):
            return SECRET
        return None

    def _names_a_secret(self, found: tuple[str, ...]) -> bool:
        """Whether the words, all of them, spell a sensitive name (``password``,
        ``secret_accesskey``, ``auth_key``) rather than something done to one."""
        bare = tuple(_bare(w) for w in found)
        if bare in self.names:
            return True
        if len(bare) == 1:
            return bool(self.pattern.fullmatch(bare[0]))
        if len(bare) == 2:
            return bool(self.pattern.fullmatch(f"{bare[0]}_{bare[1]}"))
        return False

    def call_source(self, name: str) -> str | None:
        key = ("call", name)
        cached = self._cache.get(key, _MISSING)
        if cached is _MISSING:
            cached = self._cache[key] = self._call_source(name)
        return cached

    def _call_source(self, name: str) -> str | None:
        """``get_password`` / ``_get_admin_password`` / ``generate_password``: a getter of a
        secret; ``self.password()`` / ``_secret_accesskey()``: a secret by its noun alone;
        ``decrypt(...)`` / ``_decrypt_data(...)``: a plaintext.  Other verbs
        (``set_password``, ``check_token``) return no secret."""
        found = words(name)
        if not found:
            return None
        if "decrypt" in found or "decrypted" in found:
            return SECRET
        if len(found) > 1 and found[0] in self.getter_verbs:
            return self.classify("_".join(found[1:]))
        if self._names_a_secret(found):
            return self.classify(name)
        return None

    def is_credential_url(self, name: str | None) -> bool:
        if not name:
            return False
        key = ("url", name)
        cached = self._cache.get(key, _MISSING)
        if cached is _MISSING:
            cached = self._cache[key] = self.credential_urls.match(name)
        return cached

    def is_redactor(self, name: str | None) -> bool:
        """A project's own redactor by its name: ``self._redact(headers, [...])``,
        ``mask_sensitive(body)``, ``utils.sanitize_url(url)``."""
        if not name:
            return False
        key = ("redactor", name)
        cached = self._cache.get(key, _MISSING)
        if cached is _MISSING:
            cached = self._cache[key] = any(w in self.sanitizer_words for w in words(name))
        return cached

    def is_carrier_key(self, key: str) -> bool:
        return _word_key(key) in self.carrier_keys or self.classify(key) == CARRIER

    def is_transport_carrier(self, identifier: str) -> bool:
        return _ends_with(_word_key(identifier), self.transport_carriers)

    def is_count_container(self, identifier: str | None) -> bool:
        return bool(identifier) and any(w in self.count_containers for w in words(identifier))

    def transport_of(self, identifier: str) -> bool | None:
        """True when a name says its code handles a transport whose connection data carries
        no credentials (``_attach_volume_vmdk``, ``FibreChannelConnector``), False when it
        names a credentialed one, None when it names none (or both)."""
        seq = _word_key(identifier)
        free = _mentions(seq, self.free_transports)
        credentialed = _mentions(seq, self.credential_transports)
        if free and not credentialed:
            return True
        if credentialed:
            return False
        return None


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


def _role(entry: str) -> tuple[str, str] | None:
    scope, _, param = entry.strip().rpartition(".")
    return (scope or "*", param) if param else None


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
        transport_carriers=frozenset(_word_key(n) for n in opts["transport-carriers"]),
        free_transports=tuple(_word_key(n) for n in opts["credential-free-transports"]),
        credential_transports=tuple(_word_key(n) for n in opts["credential-transports"]),
        header_qualifiers=frozenset(w.lower() for w in opts["header-qualifiers"]),
        count_containers=frozenset(w.lower() for w in opts["count-containers"]),
        path_calls=DottedSet(opts["path-calls"]),
        credential_urls=TailSet(opts["credential-urls"]),
        credential_url_calls=DottedSet(opts["credential-url-calls"]),
        credential_url_modules=tuple(opts["credential-url-modules"]),
        credential_url_names=frozenset(_word_key(n) for n in opts["credential-url-names"]),
        bearer_modules=tuple(opts["bearer-token-modules"]),
        role_parameters=tuple(r for r in (_role(e) for e in opts["role-parameters"]) if r),
        request_attributes=frozenset(opts["request-attributes"]),
        response_calls=frozenset(opts["response-calls"]),
        cookie_modules=tuple(opts["cookie-modules"]),
        config_objects=frozenset(w for n in opts["config-objects"] for w in _word_key(n)),
        web_modules=tuple(opts["web-modules"]),
        request_bodies=frozenset(opts["request-bodies"]),
        sanitizer_words=frozenset(w.lower() for w in opts["sanitizer-words"]),
    )


# -- format strings ---------------------------------------------------------------------------

_PERCENT = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsab%])"
)
_NUMERIC = frozenset("diouxXeEfFgGc")
# a URL whose user-info part is filled in: 'swift://%s:%s@%s', '{scheme}://{user}:{key}@{host}'
_CREDENTIAL_URL = re.compile(r"://[^/@\s'\"]*[%{][^/@\s'\"]*:[^/@\s'\"]*@")


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


def numeric_fields(text: str) -> tuple[frozenset, frozenset]:
    """(names, positions) of the ``%`` fields converted as numbers (``%(count)d``, ``%5.1f``):
    a value written there is a number, not a secret string (it would raise otherwise)."""
    names, positions = set(), set()
    position = 0
    for match in _PERCENT.finditer(text):
        conv = match.group("conv")
        if conv == "%":
            continue
        numeric = conv in _NUMERIC
        if match.group("name") is not None:
            if numeric:
                names.add(match.group("name"))
        else:
            if numeric:
                positions.add(position)
            position += 1
    return frozenset(names), frozenset(positions)


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


def is_credential_url_template(text: str | None) -> bool:
    return bool(text) and _CREDENTIAL_URL.search(text) is not None


# -- scopes and environments -------------------------------------------------------------------

_FUNCTIONS = (nodes.FunctionDef, nodes.AsyncFunctionDef)
_COMPREHENSIONS = (nodes.ListComp, nodes.SetComp, nodes.DictComp, nodes.GeneratorExp)
_TRY = tuple(t for t in (getattr(nodes, "Try", None), getattr(nodes, "TryStar", None)) if t is not None)
_SCOPES = (nodes.Module, nodes.ClassDef) + _FUNCTIONS


def owner_scope(node):
    """The function, class or module whose names ``node`` reads (comprehensions and lambdas
    belong to the function around them)."""
    scope = node.scope()
    while not isinstance(scope, _SCOPES) and scope.parent is not None:
        scope = scope.parent.scope()
    return scope


class Env:
    """Variable values visible at a point: this scope's state, then the enclosing ones, and
    what the scope's text says about its names (``facts``)."""

    __slots__ = ("vars", "parent", "facts")

    def __init__(self, values: Mapping, parent: "Env | None" = None, facts: "ScopeFacts | None" = None) -> None:
        self.vars = values
        self.parent = parent
        self.facts = facts if facts is not None else (parent.facts if parent is not None else None)

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


def _named_params(fn) -> frozenset:
    args = fn.args
    found = set()
    for group in (args.args or [], args.kwonlyargs or []):
        for arg in group:
            if isinstance(arg, nodes.AssignName):
                found.add(arg.name)
    return frozenset(found)


def _const_str(node) -> str | None:
    return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else None


def _key_text(node) -> str:
    try:
        return " ".join(node.as_string().split())
    except Exception:  # pragma: no cover - as_string is total for parsed trees
        return "?"


class _ScopeFlow:
    __slots__ = ("before", "final")

    def __init__(self) -> None:
        self.before: dict = {}
        self.final: dict = {}


class ScopeFacts:
    """What a scope's own text says about its names, collected in one pass over it (nested
    functions and classes have their own).

    * ``paths``: values used as file paths (``open(CONF.ca_private_key)``,
      ``os.path.exists(key_file)``): what a path names is not its content;
    * ``objects``: values whose fields are read (``token.expires_at``, ``self.token.methods``):
      records, whose ``repr`` is what a log writes, not a secret string;
    * ``responses``: names holding an HTTP response (``resp = self.session.post(...)``);
    * ``urls``: values used as a database / message-bus / coordination URL
      (``sqlalchemy.create_engine(connection)``), which embed their credentials;
    * ``roles``: parameters that hold a secret by their role (the request ``body`` of an API
      controller method, the ``message`` of a notifier driver's ``notify``, a WSGI ``req``);
    * ``response_scope``: the function is about a response (``_log_http_response``), so its
      ``headers`` are a response's;
    * ``kwarg``: the value of the ``**kwargs`` parameter;
    * ``bodies``: request bodies here may hold secrets: the handler reads a secret-named field,
      its class has a method named after a secret (``_action_reset_password``), it serves any
      resource (a ``resource`` / ``collection`` parameter), or it is a WSGI middleware's
      ``__call__``, which sees every request.  A resource-specific controller logging the body
      of a backup or group request writes no secret.
    """

    __slots__ = ("_text", "_collect", "roles", "response_scope", "kwarg", "bodies", "passed")

    def __init__(self, collect=None) -> None:
        self._collect = collect  # computes the (paths, objects, responses, urls) of the text
        self._text = None
        self.passed: dict = {}
        self.roles: dict = {}
        self.response_scope = False
        self.kwarg = None
        self.bodies = False

    def _texts(self):
        if self._text is None:
            self._text = self._collect() if self._collect is not None else (frozenset(),) * 4
        return self._text

    # read only when a secret-named value is judged: collected on first use
    @property
    def paths(self):
        return self._texts()[0]

    @property
    def objects(self):
        return self._texts()[1]

    @property
    def responses(self):
        return self._texts()[2]

    @property
    def urls(self):
        return self._texts()[3]


_EMPTY_FACTS = ScopeFacts()
_RESPONSE_WORDS = frozenset(("resp", "response", "res", "r", "rsp", "reply"))
_GENERIC_RESOURCE_PARAMS = frozenset(("resource", "collection", "resource_name", "collection_name"))


class SensitiveFlow:
    """Taint of every local name before every statement, computed per scope on demand.

    ``local`` flows judge a ``**kwargs`` parameter by its own function only (they are what the
    module-wide ``CallerSummary`` is built from); the shared flow also asks the summary.
    """

    def __init__(
        self,
        module: nodes.Module,
        kb: Knowledge,
        imports: Mapping[str, str],
        tick=None,
        index=None,
        local: bool = False,
        summary=None,
    ) -> None:
        self.module = module
        self.tick = tick or (lambda: None)  # the time budget (``CheckContext.tick``)
        self.kb = kb
        self.imports = imports
        self.index = index
        self.local = local
        self.summary = summary  # a callable giving the CallerSummary (built on first use)
        self._scopes: dict = {}
        self._parents: dict = {}
        self._facts: dict = {}
        self._classified: dict = {}
        self.done: set = set()  # scopes whose walk is complete
        full = tuple(imports.values())
        self.bearer_ids = _imports_any(full, kb.bearer_modules)  # token_id is the bearer token
        self.store_urls = _imports_any(full, kb.credential_url_modules)  # store locations embed keys
        self.cookies = _imports_any(full, kb.cookie_modules)  # responses set session cookies
        self.web = _imports_any(full, kb.web_modules)  # a WSGI application: `req` is a request
        self._url_calls = self._mentions_url_calls()

    def _mentions_url_calls(self) -> bool:
        """Whether the module calls anything named like a ``credential-url-calls`` entry (only
        then are the values passed to one looked for)."""
        if self.index is None:
            return True
        lasts = {e.strip().rsplit(".", 1)[-1] for e in _opt_values(self.kb, "credential-url-calls")}
        return any(last_name(c.func) in lasts for c in self.index.of(nodes.Call))

    # -- names ------------------------------------------------------------------------------

    def classify(self, name: str) -> str | None:
        found = self._classified.get(name, _MISSING)
        if found is _MISSING:
            found = self._classified[name] = self._classify(name)
        return found

    def _classify(self, name: str) -> str | None:
        kind = self.kb.classify(name)
        if kind is None and self.kb.is_credential_url(name):
            return SECRET  # transport_url, sql_connection: URLs that embed a password
        if kind is None and (self.bearer_ids or self.store_urls):
            key = _word_key(name)
            if self.bearer_ids and key[-2:] == ("token", "id"):
                return SECRET
            if self.store_urls and key in self.kb.credential_url_names:
                return SECRET
        return kind

    def name_default(self, name: str):
        """The value of a name nothing in the analysed code assigned: judged by its name."""
        kind = self.classify(name)
        if not kind:
            return None
        if kind == CARRIER:
            return Taint(name, mapping=True, kind=CONNECTION if self.kb.is_transport_carrier(name) else "")
        return Taint(name)

    def _credential_url(self, text: str | None) -> bool:
        return self.kb.is_credential_url(text)

    def _lookup(self, name: str, env: Env | None):
        value = env.get(name) if env is not None else _MISSING
        if value is _MISSING:
            if name.isupper():
                return None  # a constant: its value is in the code (an API version, a key name)
            return self.name_default(name)
        return value

    # -- per-scope facts ------------------------------------------------------------------------

    def scope_facts(self, scope) -> ScopeFacts:
        found = self._facts.get(scope)
        if found is None:
            found = self._facts[scope] = self._collect_facts(scope)
        return found

    def _collect_facts(self, scope) -> ScopeFacts:
        texts = self.index.memo(("scope-texts", self.kb.key), dict) if self.index is not None else {}

        def collect():
            found = texts.get(scope)
            if found is None:
                found = texts[scope] = self._collect_texts(scope)
            return found

        facts = ScopeFacts(collect)
        if isinstance(scope, _FUNCTIONS):
            self._function_facts(scope, facts)
        return facts

    def _collect_texts(self, scope):
        kb = self.kb
        paths, objects, responses, urls = set(), set(), set(), set()
        skip = _FUNCTIONS + (nodes.ClassDef,)
        for node in scope.nodes_of_class((nodes.Attribute, nodes.Call, nodes.Assign), skip_klass=skip):
            if isinstance(node, nodes.Attribute):
                name = node.attrname
                if name.startswith("__") or name in _VALUE_ATTRIBUTES:
                    continue
                if isinstance(node.expr, (nodes.Name, nodes.Attribute)):
                    text = dotted(node.expr)
                    if text:
                        objects.add(text)
            elif isinstance(node, nodes.Call):
                written = dotted(node.func)
                if not written:
                    continue
                full = qualified(node.func, self.imports)
                if kb.path_calls.match(written, full):
                    for arg in node.args[:1] if written.rsplit(".", 1)[-1] != "join" else node.args:
                        text = dotted(arg)
                        if text:
                            paths.add(text)
                if kb.credential_url_calls.match(written, full):
                    for arg in list(node.args) + [k.value for k in node.keywords or () if k.arg in ("url", "connection")]:
                        text = dotted(arg)
                        if text and "conf" not in words(text.rsplit(".", 1)[-1]):
                            urls.add(text)
            else:  # nodes.Assign
                value = node.value
                if not isinstance(value, nodes.Call):
                    continue
                called = last_name(value.func)
                if called not in kb.response_calls:
                    continue
                for target in node.targets:
                    if isinstance(target, (nodes.Tuple, nodes.List)) and target.elts:
                        target = target.elts[0]  # resp, body = self.request(...)
                    if isinstance(target, nodes.AssignName):
                        responses.add(target.name)
        return frozenset(paths), frozenset(objects), frozenset(responses), frozenset(urls)

    def _function_facts(self, fn, facts: ScopeFacts) -> None:
        kb = self.kb
        fn_words = words(fn.name)
        facts.response_scope = any(w in ("resp", "response", "reply") for w in fn_words)
        cls = fn.parent if isinstance(fn.parent, nodes.ClassDef) else None
        facts.bodies = self.web and _bodies_hold_secrets(self, fn, cls)
        for scope, param in kb.role_parameters:
            if not _role_scope_matches(scope, fn, cls):
                continue
            if not self.web and (scope == "*" or scope.startswith("*")):
                continue  # `req` of a module that is no WSGI application: a requirement, a path
            if param in kb.request_bodies and not facts.bodies:
                continue
            for name, is_kwarg in _params(fn.args):
                if name == param and not is_kwarg:
                    facts.roles[name] = Taint(name, mapping=param not in ("req", "request"), kind=REQUEST)
        if fn.args.kwarg:
            facts.kwarg = self._kwarg_value(fn)
        for name, (mapping, keys) in self._passed_in(fn).items():
            if name not in ("**", "*") and name not in facts.roles and not self.classify(name):
                facts.passed[name] = Taint(name, keys, mapping=mapping)

    def _kwarg_value(self, fn):
        name = fn.args.kwarg
        keys = kwargs_read_secret(self.kb, fn, name)
        passed = self._passed_in(fn).get("**")
        if passed is not None:
            keys = None if passed[1] is None else keys | passed[1]
        if keys is None or keys:
            return Taint(name, keys, mapping=True)
        return None

    def _passed_in(self, fn) -> dict:
        """Parameters a caller in the module passes a secret to (``{name: mapping}``)."""
        if self.local or self.summary is None:
            return {}
        return self.summary().tainted_of(fn)

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
        if outer is None or not isinstance(outer, _SCOPES):
            return None
        flow = self.scope_flow(outer)
        return Env(flow.final, self._parent_env(outer), self.scope_facts(outer))

    def scope_flow(self, scope) -> _ScopeFlow:
        flow = self._scopes.get(scope)
        if flow is not None:
            return flow
        flow = _ScopeFlow()
        self._scopes[scope] = flow  # guards against re-entry
        parent = self._parent_env(scope)
        facts = self.scope_facts(scope)
        state = self._start_state(scope, facts)
        walker = _Walker(self, flow, parent, facts)
        flow.final = walker.block(scope.body, state)
        self.done.add(scope)
        return flow

    def _start_state(self, scope, facts) -> PMap:
        start = PMap().edit()
        if isinstance(scope, _FUNCTIONS):
            for name, is_kwarg in _params(scope.args):
                if is_kwarg:
                    start[name] = facts.kwarg
                elif name in facts.roles:
                    start[name] = facts.roles[name]
                elif name in facts.passed:
                    start[name] = facts.passed[name]  # a caller in the module passes a secret
                else:
                    start[name] = self.name_default(name)
        return start.done()

    def entry_env(self, scope) -> Env:
        """The environment at the start of ``scope``'s body (its parameters as they come in),
        without walking the body."""
        facts = self.scope_facts(scope)
        return Env(self._start_state(scope, facts), self._parent_env(scope), facts)

    def env_at(self, node) -> Env:
        """The environment an expression is evaluated in (its statement's state, plus the
        parameters of enclosing lambdas and the targets of enclosing comprehensions)."""
        stmt = node.statement()
        holder = stmt.parent.scope() if stmt.parent is not None else stmt
        if isinstance(holder, _SCOPES):
            flow = self.scope_flow(holder)
            state = flow.before.get(stmt, flow.final)
            env = Env(state, self._parent_env(holder), self.scope_facts(holder))
        else:
            env = Env({}, None, _EMPTY_FACTS)
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
                values[name] = None if is_kwarg else self.name_default(name)
            return inner
        for gen in scope.generators:
            value = self.value(gen.iter, inner)
            _bind_loop_target(self, gen.target, gen.iter, value, values, inner)
        return inner

    # -- values -----------------------------------------------------------------------------

    def value_at(self, node):
        return self.value(node, self.env_at(node))

    def _facts_of(self, env: Env | None) -> ScopeFacts:
        facts = env.facts if env is not None else None
        return facts if facts is not None else _EMPTY_FACTS

    def value(self, node, env: Env | None):
        """The taint of an expression in ``env``."""
        if isinstance(node, nodes.Const):
            return SURE
        if isinstance(node, nodes.Name):
            found = self._lookup(node.name, env)
            if isinstance(found, Taint):
                found = self._judge_named(node.name, found, env)
            elif found is None and self._url_calls and node.name in self._facts_of(env).urls:
                return Taint(node.name)  # create_engine(connection): a URL with its password
            return found
        if isinstance(node, nodes.Attribute):
            return self._attribute(node, env)
        if isinstance(node, nodes.Subscript):
            return self._subscript(node, node.value, node.slice, None, env)
        if isinstance(node, nodes.Call):
            return self._call(node, env)
        if isinstance(node, nodes.BinOp):
            refined = self._percent_bag(node, env)
            if refined is not _MISSING:
                return _text_value(join(self.value(node.left, env), SURE if refined is None else refined))
            left = self.value(node.left, env)
            if node.op == "%":
                template = format_literal(node.left)
                if template is not None:
                    if is_credential_url_template(template) and not isinstance(node.right, nodes.Const):
                        return Taint(_text(node))
                    right = self._formatted_operand(template, node.right, env)
                    return _text_value(join(left, right))
            return _text_value(join(left, self.value(node.right, env)))
        if isinstance(node, nodes.JoinedStr):
            if is_credential_url_template(_fstring_template(node)):
                return Taint(_text(node))
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
            if self._drops_secret_keys(node, env):
                return SURE
            inner = self._inner_env(node, env or Env({}))
            if isinstance(node, nodes.DictComp):
                return _unkeyed(self.value(node.value, inner), mapping=True)
            return _unkeyed(self.value(node.elt, inner))
        return None

    def _drops_secret_keys(self, node, env) -> bool:
        """``{k: v for k, v in d.items() if k not in sensitive_fields}``: a hand-made
        redaction that leaves out secret-named keys is trusted, like a sanitizer."""
        if len(node.generators) != 1:
            return False
        gen = node.generators[0]
        target = gen.target
        if isinstance(target, nodes.Tuple) and target.elts:
            target = target.elts[0]
        if not isinstance(target, nodes.AssignName) or not gen.ifs:
            return False
        for test in gen.ifs:
            if not isinstance(test, nodes.Compare) or len(test.ops) != 1:
                continue
            op, right = test.ops[0]
            if not (isinstance(test.left, nodes.Name) and test.left.name == target.name):
                continue
            excluded = []
            if op == "!=":
                excluded = [_const_str(right)]
            elif op == "not in":
                excluded = _literal_strings(right, env)
            if any(key and self.classify(key) for key in excluded):
                return True
        return False

    def _judge_named(self, text: str, found: Taint, env: Env | None):
        """A secret-named value the scope uses as a path or as an object is not the secret."""
        if found.source != text or found.keys is not None:
            return found  # built from something else: its name does not decide
        facts = self._facts_of(env)
        if text in facts.paths:
            return None
        if text in facts.urls:
            return found
        if text in facts.objects and not found.mapping and found.kind != REQUEST:
            return None
        if found.mapping and text.rsplit(".", 1)[-1].endswith("headers") and self._response_headers(text, env):
            return None
        return found

    def _response_headers(self, text: str, env) -> bool:
        """``resp.headers`` (or ``headers`` in ``_log_http_response``) is what a server sent,
        not our credentials, unless the module keeps a cookie session (``Set-Cookie``)."""
        if self.cookies:
            return False
        facts = self._facts_of(env)
        parts = text.split(".")
        if len(parts) == 1:
            return facts.response_scope
        owner = parts[-2]
        return owner in facts.responses or words(owner)[-1:] and words(owner)[-1] in _RESPONSE_WORDS

    def _attribute(self, node: nodes.Attribute, env):
        name = node.attrname
        if name.startswith("__") and name.endswith("__"):
            if name == "__dict__":
                return self.value(node.expr, env)  # obj.__dict__ holds what vars(obj) holds
            return SURE  # x.__class__, type(x).__name__, ...
        text = dotted(node) or _text(node)
        facts = self._facts_of(env)
        if self._credential_url(dotted(node)) or (self._url_calls and text in facts.urls):
            return Taint(_text(node))
        if name == "id" and isinstance(node.expr, (nodes.Attribute, nodes.Name)) and last_name(node.expr) == "token":
            return Taint(_text(node))  # user.token.id: the token id is the bearer token
        if name in self.kb.request_attributes:
            base = self.value(node.expr, env)
            if isinstance(base, Taint) and base.kind == REQUEST:
                if name in self.kb.request_bodies and not facts.bodies:
                    return None  # the body of a request to an API that takes no secrets
                return Taint(_text(node), mapping=name not in ("text", "body_file"), kind=REQUEST)
        if name.isupper():
            return None  # a constant (an API version named ..._CONFIGDRIVE)
        kind = self.classify(name)
        if not kind:
            return None
        if kind == CARRIER:
            found = Taint(_text(node), mapping=True, kind=CONNECTION if self.kb.is_transport_carrier(name) else "")
        else:
            found = Taint(_text(node))
        return self._judge_named(text, found, env) if dotted(node) else found

    def _dict(self, node: nodes.Dict, env):
        """A dict literal: tainted by any tainted value, remembering under which keys."""
        first = None
        keys: set | None = set()
        sure = True
        free = _free_transport_literal(self.kb, node)
        for key, value in node.items:
            found = self._dict_item(key, value, env)
            if isinstance(found, Taint) and free and found.kind == CONNECTION:
                found = None  # {'driver_volume_type': 'fibre_channel', 'data': ...}
            if isinstance(found, Taint):
                if first is None or (first.kind == CONNECTION and found.kind != CONNECTION):
                    first = found
                if keys is not None and isinstance(key, nodes.Const) and isinstance(key.value, str):
                    keys.add(key.value)
                else:
                    keys = None
            elif found is not SURE:
                sure = False
        if first is None:
            return SURE if sure else None
        return Taint(first.source, frozenset(keys) if keys is not None else None, first.via, True, first.kind)

    def _dict_item(self, key, value, env):
        """The value of one entry; ``{'password': pw}`` holds a secret whatever ``pw`` is
        called (when it is a variable, attribute or item: a call's result is left alone)."""
        found = self.value(value, env)
        if isinstance(found, Taint) or not isinstance(key, nodes.Const) or not isinstance(key.value, str):
            return found
        return self.keyed_secret(key.value, value, found, env)

    def keyed_secret(self, key: str, value_node, found, env=None):
        if found is SURE or not isinstance(value_node, _NAMED_VALUES):
            return found
        if self.classify(key) != SECRET:
            return found
        if env is not None and dotted(value_node) in self._facts_of(env).objects:
            return found  # {'token': self.token} where self.token.methods is read: a record
        return Taint(repr(key))

    def _subscript(self, node, base, key_node, default, env):
        key = _const_str(key_node)
        kind = self.classify(key) if key is not None else None
        if kind:
            if self.kb.is_count_container(last_name(base)):
                return None  # quotas['encryption_keys']: how many keys, not a key
            return Taint(_text(node), mapping=kind == CARRIER, kind=CONNECTION if self.kb.is_transport_carrier(key) else "")
        if key is None and isinstance(base, _NAMED_VALUES) and isinstance(key_node, nodes.Name):
            marker = self._lookup(key_node.name, env)
            if isinstance(marker, Keys) and not marker.many:
                if marker.of == CONFIG and self.kb.config_objects and _is_config(self.kb, base):
                    return Taint(_text(node), mapping=True)  # CONF[opt] in a loop over every option
                if marker.of == _key_text(base):
                    base_value = self.value(base, env)
                    if isinstance(base_value, Taint):
                        return _unkeyed(base_value)  # headers[k] in a loop over headers
        base_value = self.value(base, env)
        if not isinstance(base_value, Taint):
            return join(None, self.value(default, env)) if default is not None else None
        if key is None:
            # a computed key of a mapping may be any entry; an index or slice of a sequence
            # of secrets is a secret
            found = None if base_value.mapping else _unkeyed(base_value)
        elif base_value.keys is not None:
            found = _unkeyed(base_value) if key in base_value.keys else None
        elif self.kb.is_carrier_key(key):
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
        if kb.sanitizers.match(written, full) or kb.is_redactor(last_name(func)):
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
                template = format_literal(func.expr)
                if is_credential_url_template(template) and (node.args or node.keywords):
                    return Taint(_text(node))
                if template is None and any(k.arg is None for k in node.keywords or ()) and not node.args:
                    # template.format(**mapping) with a template we cannot read: only the
                    # entries it names are written, and none is known
                    return _text_value(join(self.value(func.expr, env), SURE))
                return _text_value(join(self.value(func.expr, env), self._arguments(node, env, named=True)))
            if method == "keys" and not node.args:
                base = self.value(func.expr, env)
                if isinstance(base, Taint) and base.mapping:
                    return Keys(_key_text(func.expr), True)
            if method == "get_uri" and self.store_urls:
                return Taint(_text(node))  # a store location's URI embeds its credentials
            if method in _PROPAGATING_METHODS:
                found = join(self.value(func.expr, env), self._arguments(node, env))
                return found if method == "copy" else _text_value(found)
        if written == "getattr" and len(node.args) >= 2:
            name = node.args[1]
            if isinstance(name, nodes.Name):
                marker = self._lookup(name.name, env)
                if isinstance(marker, Keys) and marker.of == CONFIG and not marker.many:
                    return Taint(_text(node), mapping=True)  # getattr(conf, opt_name) over every option
            literal = _const_str(name)
            kind = self.classify(literal) if literal is not None else None
            return Taint(_text(node), mapping=kind == CARRIER) if kind else None
        if kb.propagators.match(written, full):
            last = (written or "").rsplit(".", 1)[-1]
            if last in _LISTS_KEYS and len(node.args) == 1 and not node.keywords:
                arg = node.args[0]
                inner = self.value(arg, env)
                if isinstance(inner, Taint) and inner.mapping and isinstance(arg, (nodes.Name, nodes.Attribute, nodes.Subscript)):
                    return Keys(_key_text(arg), True)  # sorted(headers): the header names
                if isinstance(inner, Keys):
                    return inner
            return _propagated(written or "", self._arguments(node, env, named=True))
        called = func.attrname if isinstance(func, nodes.Attribute) else getattr(func, "name", None)
        kind = kb.call_source(called) if called else None
        return Taint(_text(node), mapping=kind == CARRIER) if kind else None

    def _arguments(self, node: nodes.Call, env, named: bool = False):
        values = [self.value(a, env) for a in node.args]
        for kw in node.keywords or ():
            found = self.value(kw.value, env)
            if named and kw.arg and not isinstance(found, Taint):
                found = self.keyed_secret(kw.arg, kw.value, found, env)
            if kw.arg is None and isinstance(found, Taint):
                found = self._brace_bag(node, found, env)
            values.append(found)
        return join(*values) if values else SURE

    # -- ``"%(a)s" % bag`` and ``"{a}".format(**bag)`` pick named entries only -----------------

    def _formatted_operand(self, template: str, right, env):
        """The taint ``literal % right`` takes from ``right``: entries written in a numeric
        field (``%d``, ``%(count)d``) are numbers, not secrets."""
        names, positions = numeric_fields(template)
        if isinstance(right, nodes.Tuple) and positions:
            return join(*(self.value(e, env) for i, e in enumerate(right.elts) if i not in positions))
        if isinstance(right, nodes.Dict) and names:
            return self._dict_value_except(right, names, env)
        if positions == {0} and not isinstance(right, (nodes.Tuple, nodes.Dict)):
            return SURE
        return self.value(right, env)

    def _dict_value_except(self, node: nodes.Dict, skip, env):
        parts = []
        for key, value in node.items:
            if _const_str(key) in skip:
                continue
            parts.append(self._dict_item(key, value, env))
        return join(*parts) if parts else SURE

    def _percent_bag(self, node: nodes.BinOp, env):
        """For ``literal % mapping`` with only named fields: the taint of the entries the format
        actually reads (None when it reads none of the secrets); _MISSING otherwise.  A dict
        literal on the right is left to the caller, which looks at each value.  A template we
        cannot read (``self.msg_fmt % kwargs``) writes only the entries it names, none of them
        known: the result is judged by the template alone."""
        if node.op != "%" or isinstance(node.right, nodes.Dict):
            return _MISSING
        text = format_literal(node.left)
        bag = self.value(node.right, env)
        if not isinstance(bag, Taint):
            return _MISSING
        if text is None:
            if bag.mapping and bag.keys is None and not isinstance(node.right, (nodes.Tuple, nodes.List)):
                return None
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
            if is_locals:
                if isinstance(self._lookup(name, env), Taint):
                    return bag
                continue
            if self.classify(name):
                return bag
            if bag.keys is not None:
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

    def dict_leaks(self, node: nodes.Dict, env, skip=frozenset()) -> list[Leak]:
        """The leaking values of a dict display, leaving out the entries in ``skip``."""
        out: list[Leak] = []
        for key, value in node.items:
            if _const_str(key) in skip:
                continue
            before = len(out)
            self._leaks(value, env, out)
            if len(out) == before:
                taint = self._dict_item(key, value, env)
                if isinstance(taint, Taint):
                    out.append(Leak(value, taint))
        return self._transport_filter(node, out)

    def _transport_filter(self, node: nodes.Dict, out: list) -> list:
        if _free_transport_literal(self.kb, node):
            return [leak for leak in out if leak.taint.kind != CONNECTION]
        return out

    def _leaks(self, node, env, out: list) -> None:
        if isinstance(node, nodes.Dict):
            out.extend(self.dict_leaks(node, env))
            return
        if isinstance(node, _COMPREHENSIONS):
            if self._drops_secret_keys(node, env):
                return
            inner = self._inner_env(node, env)
            found: list = []
            self._leaks(node.value if isinstance(node, nodes.DictComp) else node.elt, inner, found)
            gen = node.generators[0]
            if (
                found
                and len(node.generators) == 1
                and isinstance(gen.target, nodes.AssignName)
                and isinstance(gen.iter, (nodes.List, nodes.Tuple, nodes.Set))
                and all(isinstance(leak.node, nodes.Name) and leak.node.name == gen.target.name for leak in found)
            ):
                # ' '.join(quote(x) for x in (addr, token)): the secret is an element listed here
                for elt in gen.iter.elts:
                    self._leaks(elt, env, out)
                return
            out.extend(found)
            return
        if isinstance(node, (nodes.List, nodes.Tuple, nodes.Set)):
            for elt in node.elts:
                self._leaks(elt, env, out)
            return
        if isinstance(node, nodes.BinOp) and node.op in ("%", "+"):
            refined = self._percent_bag(node, env)
            template = format_literal(node.left) if node.op == "%" else None
            if template is not None and is_credential_url_template(template) and not isinstance(node.right, nodes.Const):
                out.append(Leak(node, Taint(_text(node))))
                return
            self._leaks(node.left, env, out)
            if refined is _MISSING:
                if template is not None:
                    self._formatted_leaks(template, node.right, env, out)
                else:
                    self._leaks(node.right, env, out)
            elif isinstance(refined, Taint):
                out.append(Leak(node.right, refined))
            return
        if isinstance(node, nodes.JoinedStr):
            if is_credential_url_template(_fstring_template(node)):
                out.append(Leak(node, Taint(_text(node))))
                return
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

    def _formatted_leaks(self, template: str, right, env, out: list) -> None:
        names, positions = numeric_fields(template)
        if isinstance(right, nodes.Tuple) and positions:
            for index, elt in enumerate(right.elts):
                if index not in positions:
                    self._leaks(elt, env, out)
            return
        if isinstance(right, nodes.Dict):
            out.extend(self.dict_leaks(right, env, names))
            return
        if positions == {0} and not isinstance(right, (nodes.Tuple, nodes.Dict)):
            return
        self._leaks(right, env, out)

    def keyword_leaks(self, keyword: str, node, env) -> list[Leak]:
        """``Foo(password=pw)``: a keyword named like a secret holds one (variables only)."""
        found = self.keyed_secret(keyword, node, self.value(node, env), env)
        return [Leak(node, found)] if isinstance(found, Taint) else []

    def _call_leaks(self, node: nodes.Call, env, out: list) -> bool:
        """Descend into ``"...".format(...)``, ``", ".join(...)`` and ``str()``/``json.dumps()``
        style calls so the span is the secret itself; True when handled."""
        kb = self.kb
        func = node.func
        written = dotted(func)
        full = qualified(func, self.imports) if written else None
        if kb.sanitizers.match(written, full) or kb.safe_calls.match(written, full) or kb.is_redactor(last_name(func)):
            return True
        whole = self._call(node, env)
        if not isinstance(whole, Taint):
            return True  # list(kwargs), sorted(headers): nothing secret comes out
        if isinstance(func, nodes.Attribute) and func.attrname in ("format", "format_map"):
            if is_credential_url_template(format_literal(func.expr)):
                out.append(Leak(node, whole))
                return True
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
                found = self.keyed_secret(kw.arg, kw.value, self.value(kw.value, env), env)
                if isinstance(found, Taint):
                    out.append(Leak(kw.value, found))
        return True

    # -- where the transport is known ----------------------------------------------------------

    def credential_free(self, node) -> bool:
        """Whether the code at ``node`` handles only volume transports whose connection data
        carries no credentials: it runs under ``if driver_volume_type == 'fibre_channel'``, or
        the innermost function, class or module naming a transport names such a one
        (``_attach_volume_vmdk``, ``FibreChannelConnector``, ``fibre_channel.py``)."""
        kb = self.kb
        current = node
        while current is not None:
            parent = current.parent
            if isinstance(parent, nodes.If) and current in parent.body:
                said = _transport_test(kb, parent.test)
                if said is not None:
                    return said
            if isinstance(current, (nodes.ClassDef,) + _FUNCTIONS):
                said = kb.transport_of(current.name)
                if said is not None:
                    return said
            current = parent
        path = getattr(self.module, "file", None) or getattr(self.module, "name", "") or ""
        base = re.split(r"[\\/]", str(path))[-1].rsplit(".", 1)[0]
        return bool(kb.transport_of(base))


_NAMED_VALUES = (nodes.Name, nodes.Attribute, nodes.Subscript)
_CONSTRUCTED = (nodes.Dict, nodes.List, nodes.Tuple, nodes.Set, nodes.JoinedStr, nodes.Const)


def _opt_values(kb: Knowledge, option: str) -> tuple:
    return dict(kb.key).get(option, ())


def _imports_any(full_names: tuple, modules: tuple) -> bool:
    if not modules:
        return False
    for full in full_names:
        for module in modules:
            if full == module or full.startswith(module + "."):
                return True
    return False


def _bodies_hold_secrets(flow: SensitiveFlow, fn, cls) -> bool:
    """Whether request bodies seen by ``fn`` may hold secrets (see ``ScopeFacts.bodies``)."""
    kb = flow.kb
    if fn.name == "__call__" and cls is not None:
        names = [cls.name] + [last_name(b) or "" for b in cls.bases]
        if any(words(n)[-1:] == ("middleware",) or words(n)[-1:] == ("debug",) for n in names if words(n)):
            return True
    if any(name in _GENERIC_RESOURCE_PARAMS for name, _ in _params(fn.args)):
        return True
    if cls is not None:
        for stmt in cls.body:
            if isinstance(stmt, _FUNCTIONS) and kb.classify(stmt.name.lstrip("_")) == SECRET:
                return True
    skip = _FUNCTIONS + (nodes.ClassDef,)
    for node in fn.nodes_of_class((nodes.Subscript, nodes.Call), skip_klass=skip):
        if isinstance(node, nodes.Subscript):
            key = _const_str(node.slice)
        else:
            func = node.func
            key = _const_str(node.args[0]) if isinstance(func, nodes.Attribute) and func.attrname in _LOOKUPS and node.args else None
        if key is not None and kb.classify(key) == SECRET:
            return True
    return False


def _role_scope_matches(scope: str, fn, cls) -> bool:
    if scope == "*":
        return True
    if scope.startswith("*"):
        if cls is None:
            return False
        suffix = _word_key(scope[1:])
        names = [cls.name] + [last_name(b) or "" for b in cls.bases]
        return any(_word_key(n)[-len(suffix) :] == suffix for n in names)
    return fn.name == scope


def _is_config(kb: Knowledge, node) -> bool:
    """``CONF``, ``cfg.CONF``, ``self.conf``, ``FLAGS``, ``self._opts`` (through ``sorted()``,
    ``list()``, ``.keys()``)."""
    while True:
        if isinstance(node, nodes.Call):
            func = node.func
            if isinstance(func, nodes.Attribute) and func.attrname in ("keys", "iterkeys") and not node.args:
                node = func.expr
                continue
            if isinstance(func, nodes.Name) and func.name in ("sorted", "list", "iter", "set", "tuple") and node.args:
                node = node.args[0]
                continue
            return False
        break
    name = last_name(node)
    if not name:
        return False
    key = ("config", name)
    cached = kb._cache.get(key, _MISSING)
    if cached is _MISSING:
        found = _word_key(name)
        cached = kb._cache[key] = bool(found) and all(w in kb.config_objects for w in found)
    return cached


def _literal_strings(node, env) -> list:
    """The strings of a literal list/tuple/set, or of the name bound to one in this function."""
    if isinstance(node, nodes.Name):
        scope = owner_scope(node)
        for assign in scope.nodes_of_class(nodes.Assign, skip_klass=_FUNCTIONS + (nodes.ClassDef,)):
            if (
                len(assign.targets) == 1
                and isinstance(assign.targets[0], nodes.AssignName)
                and assign.targets[0].name == node.name
                and isinstance(assign.value, (nodes.List, nodes.Tuple, nodes.Set))
            ):
                node = assign.value
                break
    if isinstance(node, (nodes.List, nodes.Tuple, nodes.Set)):
        return [_const_str(e) for e in node.elts]
    return []


def _fstring_template(node: nodes.JoinedStr) -> str:
    return "".join(v.value if isinstance(v, nodes.Const) and isinstance(v.value, str) else "{}" for v in node.values)


def _free_transport_literal(kb: Knowledge, node: nodes.Dict) -> bool:
    """``{'driver_volume_type': 'fibre_channel', ...}``: connection info of a transport that
    carries no credentials, built in place."""
    if not kb.free_transports:
        return False
    for key, value in node.items:
        if _const_str(key) == "driver_volume_type":
            literal = _const_str(value)
            return literal is not None and kb.transport_of(literal) is True
    return False


def _transport_test(kb: Knowledge, test) -> bool | None:
    """What an ``if`` test says about the transport: ``vol_type == 'fibre_channel'`` and
    ``protocol in ('vmdk', 'fcd')`` -> True, ``== 'iscsi'`` -> False, anything else None."""
    if isinstance(test, nodes.BoolOp) and test.op == "and":
        for value in test.values:
            said = _transport_test(kb, value)
            if said is not None:
                return said
        return None
    if not isinstance(test, nodes.Compare) or len(test.ops) != 1:
        return None
    op, right = test.ops[0]
    literals = []
    if op == "==":
        for side in (test.left, right):
            if _const_str(side) is not None:
                literals.append(_const_str(side))
    elif op == "in" and isinstance(right, (nodes.Tuple, nodes.List, nodes.Set)):
        literals = [_const_str(e) for e in right.elts]
        if any(lit is None for lit in literals):
            return None
    if not literals:
        return None
    said = [kb.transport_of(lit) for lit in literals]
    if all(s is True for s in said):
        return True
    if any(s is False for s in said):
        return False
    return None


def _constructed(node) -> bool:
    """A literal built in place (a dict/list display, an f-string, ``"..." % x``): when none of
    its parts is tainted, neither is the whole, whatever the variable is called."""
    if isinstance(node, _CONSTRUCTED):
        return True
    return isinstance(node, nodes.BinOp) and node.op in ("%", "+") and format_literal(node.left) is not None


def _unkeyed(value, mapping: bool = False):
    """A tainted value whose key layout is unknown (an entry, a list, a comprehension)."""
    if isinstance(value, Taint) and (value.keys is not None or value.mapping != mapping):
        return Taint(value.source, None, value.via, mapping, value.kind)
    return value


def _text_value(value):
    """A string (or other non-mapping) built from ``value``."""
    if isinstance(value, Taint):
        return value.as_(False)
    return None if isinstance(value, Keys) else value


# propagators by what they return: the same mapping, the keys of a mapping, or text
_KEEPS_MAPPING = frozenset(("dict", "copy", "deepcopy", "loads", "to_primitive"))
_LISTS_KEYS = frozenset(("list", "tuple", "set", "frozenset", "sorted"))


def _propagated(name: str, value):
    if isinstance(value, Keys):
        return value if name.rsplit(".", 1)[-1] in _LISTS_KEYS else None
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


# -- ``**kwargs``: what the function and its callers in the module put in it ---------------------


def kwargs_read_secret(kb: Knowledge, fn, name: str) -> frozenset:
    """The sensitive keys ``fn`` itself reads or writes in its ``**name`` bag
    (``kwargs.get('password')``, ``kwargs['auth_token'] = ...``, ``'password' in kwargs``,
    ``kwargs.setdefault('headers', {})``): the bag holds a secret under them."""
    found = set()
    skip = _FUNCTIONS + (nodes.ClassDef, nodes.Lambda)
    for node in fn.nodes_of_class((nodes.Subscript, nodes.Call, nodes.Compare), skip_klass=skip):
        key = None
        if isinstance(node, nodes.Subscript):
            if isinstance(node.value, nodes.Name) and node.value.name == name:
                key = _const_str(node.slice)
        elif isinstance(node, nodes.Call):
            func = node.func
            if isinstance(func, nodes.Attribute) and isinstance(func.expr, nodes.Name) and func.expr.name == name:
                if func.attrname in ("get", "pop", "setdefault") and node.args:
                    key = _const_str(node.args[0])
                elif func.attrname == "update":
                    found.update(kw.arg for kw in node.keywords or () if kw.arg and kb.classify(kw.arg))
        elif len(node.ops) == 1 and node.ops[0][0] in ("in", "not in"):
            right = node.ops[0][1]
            if isinstance(right, nodes.Name) and right.name == name:
                key = _const_str(node.left)
        if key is not None and kb.classify(key):
            found.add(key)
    return frozenset(found)


class CallerSummary:
    """Which parameters of the module's functions may receive a secret from a call in the same
    module (``**kwargs`` bags included, written ``"**"``).

    A call counts when it names a function of the module the way code calls its own functions
    (``helper(...)``, ``self.request(...)``, ``cls._call(...)``, ``super().__init__(...)``,
    ``ClassName(...)`` for its ``__init__``, ``self.<alias>(...)`` for ``self.<alias> =
    x.request`` assigned anywhere in the module) and passes a keyword named like a secret or a
    carrier (``password=``, ``headers=``), or a value tainted in the caller (a positional or
    keyword argument, a ``**bag``).  A function that passes a parameter of its own on as it is
    (``self._request(method, url, data)``, ``self._request(**kwargs)``) hands the taint to its
    callee.  Whether a value is tainted in the caller is judged with the caller's *local* flow
    (its parameters by their own names and body), so the summary does not depend on itself.
    The calls that decide it (and the aliasing assignments) are the facts other functions'
    findings depend on.
    """

    def __init__(self, ctx, kb: Knowledge) -> None:
        self.kb = kb
        index = ctx.index
        self.local = ctx.index.memo(
            ("sensitive-flow-local", kb.key),
            lambda: SensitiveFlow(ctx.module, kb, import_map(ctx), ctx.tick, index, local=True),
        )
        self.defs: dict[str, list] = {}
        for fn in index.of(*_FUNCTIONS):
            self.defs.setdefault(fn.name, []).append(fn)
        self.classes: dict[str, list] = {}
        for cls in index.of(nodes.ClassDef):
            self.classes.setdefault(cls.name, []).append(cls)
        self.aliases: dict[str, set] = {}
        alias_nodes = []
        for node in index.of(nodes.AssignAttr):
            target = self._alias_target(node)
            if target is not None:
                self.aliases.setdefault(node.attrname, set()).add(target)
                alias_nodes.append(node)
        self.alias_nodes = frozenset(alias_nodes)
        self._mutations: dict = {}
        self._passes: dict = {}  # call -> (direct, forward), computed when first needed
        self._solved: dict = {}  # function -> {parameter: shape}, final
        self.tainted = self._solved
        self.calls_to: dict = {}  # function -> [(call, bound)]
        self._callees: dict = {}
        for call in index.of(nodes.Call):
            if not call.args and not call.keywords:
                continue
            callees = self.callees(call)
            if callees:
                self._callees[call] = callees
                for fn, bound in callees:
                    self.calls_to.setdefault(fn, []).append((call, bound))
        self._tick = ctx.tick
        self._document = ctx.document
        self._source_words = None
        self._hits = None
        self._screened: dict = {}
        self._changed: dict = {}
        self._shared = lambda: shared_flow(ctx, kb)

    def _mentions_a_source(self, scope) -> bool:
        """A cheap screen before a caller's flow is computed: whether the text of the caller
        (of its outermost enclosing function, for closures) mentions a word any source of the
        flow is named with.  Every source is named in the text, so a caller mentioning none
        passes nothing tainted; the screen errs on the side of computing the flow."""
        if self.local.web:
            return True  # role parameters (req, body) hold secrets in a WSGI application
        outer = scope
        while outer.parent is not None:
            up = owner_scope(outer.parent)
            if not isinstance(up, _FUNCTIONS):
                break
            outer = up
        found = self._screened.get(outer)
        if found is None:
            if not isinstance(outer, _FUNCTIONS):
                found = True
            else:
                if any(name == param for scope_, param in self.kb.role_parameters if not scope_.startswith("*")
                       for name, _ in _params(outer.args)):
                    found = True
                else:
                    found = self._span_names_a_source(outer)
            self._screened[outer] = found
        return found

    def _lines_of(self, node) -> str:
        """The source lines of ``node`` (whole lines: a superset of its text is enough)."""
        document = self._document
        offsets = document.line_offsets
        first = max((node.fromlineno or 1) - 1, 0)
        last = min(node.tolineno or first + 1, len(offsets) - 1)
        return document.text[offsets[first] : offsets[last]] if last > first else document.text[offsets[first] :]

    def _span_names_a_source(self, node) -> bool:
        """``_text_names_a_source`` for the lines of ``node``, answered from the offsets of the
        module's source words (found once per module) without reading the text again."""
        if self._hits is None:
            self._hits = self._source_offsets()
        document = self._document
        offsets = document.line_offsets
        first = max((node.fromlineno or 1) - 1, 0)
        last = min(node.tolineno or first + 1, len(offsets) - 1)
        start = offsets[first]
        end = offsets[last] if last > first else len(document.text)
        at = bisect.bisect_left(self._hits, start)
        if at < len(self._hits) and self._hits[at] < end:
            return True
        return bool(self.kb.config_objects) and _CONFIG_LOOP.search(document.text, start, end) is not None

    def _source_offsets(self) -> list:
        text = self._document.text
        if self._source_words is None:
            self._source_words = self._module_source_words()
        found = []
        for word in self._source_words:
            at = text.find(word)
            while at >= 0:
                found.append(at)
                at = text.find(word, at + len(word))
        at = text.find("://")
        while at >= 0:
            if "@" in text[at : at + 200]:
                found.append(at)
            at = text.find("://", at + 3)
        found.sort()
        return found

    def _text_names_a_source(self, text: str) -> bool:
        """Whether the text mentions one of the module's *source words*: the identifier-like
        words of the whole module (code, strings and comments alike) that the flow would judge
        a source, found once per module; plus user-info URLs and loops over a configuration
        object."""
        if self._source_words is None:
            self._source_words = self._module_source_words()
        if self._source_words and not self._source_words.isdisjoint(_IDENTIFIER.findall(text)):
            return True
        if "://" in text and "@" in text:
            return True
        return bool(self.kb.config_objects) and _CONFIG_LOOP.search(text) is not None

    def _module_source_words(self) -> frozenset:
        flow = self.local
        kb = self.kb
        cache = kb._cache.setdefault(("source-words", flow.bearer_ids, flow.store_urls), {})
        stems = _stems(kb.key, flow.store_urls)
        found = []
        for word in set(_IDENTIFIER.findall(self._document.text)):
            hit = cache.get(word)
            if hit is None:
                hit = cache[word] = stems.search(word) is not None and bool(
                    flow.classify(word) or kb.call_source(word) or kb.is_credential_url(word) or word in _SOURCE_NAMES
                )
            if hit:
                found.append(word)
        return frozenset(found)

    def tainted_of(self, fn) -> dict:
        """``{parameter: (mapping, keys)}`` of ``fn``'s parameters that receive a secret.

        Solved on demand over the functions that can pass ``fn`` something: its callers, and
        the callers of those that pass their own parameters on.  A function solved before is
        final (its own callers were all seen then)."""
        found = self._solved.get(fn)
        if found is not None:
            return found
        closure = [fn]
        seen = {fn}
        at = 0
        while at < len(closure):
            member = closure[at]
            at += 1
            if member in self._solved:
                continue
            for call, _ in self.calls_to.get(member, ()):
                caller = owner_scope(call)
                if caller not in seen and isinstance(caller, _FUNCTIONS) and self._forwards_syntactically(call, caller):
                    seen.add(caller)
                    closure.append(caller)
        held: dict = {m: dict(self._solved[m]) if m in self._solved else {} for m in closure}
        self.tainted = held  # _mark writes here while solving

        for member in closure:
            if member in self._solved or not member.args.kwarg:
                continue
            keys = kwargs_read_secret(self.kb, member, member.args.kwarg)
            if keys:
                self._mark(member, "**", (True, keys))
        forwards = []
        for member in closure:
            if member in self._solved:
                continue
            for call, bound in self.calls_to.get(member, ()):
                self._tick()
                direct, forward = self.passed(call)
                for where, shape in direct:
                    self._mark_argument(member, bound, where, shape)
                for caller, param, where in forward:
                    if caller in held:
                        forwards.append((caller, param, member, bound, where))
        changed = True
        while changed:
            changed = False
            for caller, param, member, bound, where in forwards:
                if member in self._solved:
                    continue
                shape = held[caller].get(param)
                if shape is not None:
                    changed |= self._mark_argument(member, bound, where, shape)
        for member in closure:
            self._solved.setdefault(member, held[member])
        self.tainted = self._solved
        return self._solved[fn]

    def _forwards_syntactically(self, call, caller) -> bool:
        own = {name for name, _ in _params(caller.args)}
        values = list(call.args) + [kw.value for kw in call.keywords or ()]
        return any(isinstance(v, nodes.Name) and v.name in own for v in values)

    def passed(self, call):
        found = self._passes.get(call)
        if found is None:
            found = self._passes[call] = self._passed(call)
        return found

    def is_fact(self, node) -> bool:
        """Whether another function's findings may depend on ``node``: an alias of a module
        function, a call passing a secret to one, or passing on a parameter that holds one."""
        if isinstance(node, nodes.AssignAttr):
            return node in self.alias_nodes
        if node not in self._callees:
            return False
        direct, forward = self.passed(node)
        if direct:
            return True
        return any(param in self.tainted_of(caller) for caller, param, _ in forward)

    def _mark(self, fn, param: str, shape) -> bool:
        """``shape`` is (mapping, keys) of the value passed: a mapping whose secrets sit
        under literal keys keeps them (``{'headers': {...token...}}``)."""
        held = self.tainted.setdefault(fn, {})
        old = held.get(param)
        if old is None:
            held[param] = shape
            return True
        mapping = old[0] or shape[0]
        keys = None if old[1] is None or shape[1] is None else old[1] | shape[1]
        if (mapping, keys) == old:
            return False
        held[param] = (mapping, keys)
        return True

    def _mark_argument(self, fn, bound: bool, where, mapping) -> bool:
        """Taint the parameter of ``fn`` an argument lands in: ``where`` is a position, a
        keyword name, or ``"**"`` for a ``**bag``."""
        args = fn.args
        if where == "**":
            return self._mark(fn, "**", mapping) if args.kwarg else False
        positional = [a.name for a in (args.posonlyargs or []) + (args.args or []) if isinstance(a, nodes.AssignName)]
        if isinstance(where, int):
            if bound and not _is_static(fn):
                where += 1
            if where < len(positional):
                return self._mark(fn, positional[where], mapping)
            return self._mark(fn, "*", mapping) if args.vararg else False
        if where in _named_params(fn):
            return self._mark(fn, where, mapping)
        # password=... lands in **kwargs: the bag holds the secret under that key
        return self._mark(fn, "**", (True, frozenset((where,)))) if args.kwarg else False

    def _alias_target(self, node):
        """``self.synoexec = api.request``: the name of a module function."""
        parent = node.parent
        if not isinstance(parent, nodes.Assign) or not isinstance(parent.value, (nodes.Attribute, nodes.Name)):
            return None
        name = last_name(parent.value)
        return name if name in self.defs and name != node.attrname else None

    def callees(self, call: nodes.Call) -> list:
        """(function, called on an instance or class) pairs a call may reach."""
        func = call.func
        names: list[str] = []
        bound = False
        if isinstance(func, nodes.Name):
            if func.name in self.classes:
                return [(fn, True) for fn in self._inits(func.name)]
            names.append(func.name)
        elif isinstance(func, nodes.Attribute):
            receiver = func.expr
            ok = (
                (isinstance(receiver, nodes.Name) and (receiver.name in ("self", "cls") or receiver.name in self.classes))
                or (isinstance(receiver, nodes.Call) and isinstance(receiver.func, nodes.Name) and receiver.func.name == "super")
            )
            if not ok:
                return []
            bound = not (isinstance(receiver, nodes.Name) and receiver.name in self.classes)
            names.append(func.attrname)
            if isinstance(receiver, nodes.Name) and receiver.name in ("self", "cls"):
                names.extend(sorted(self.aliases.get(func.attrname, ())))
        found = []
        for name in names:
            found.extend((fn, bound and isinstance(fn.parent, nodes.ClassDef)) for fn in self.defs.get(name, ()))
        return found

    def _inits(self, class_name: str, depth: int = 0) -> list:
        found = []
        for cls in self.classes.get(class_name, ()):
            init = [s for s in cls.body if isinstance(s, _FUNCTIONS) and s.name == "__init__"]
            if init:
                found.extend(init)
            elif depth < 5:
                for base in cls.bases:
                    name = last_name(base)
                    if name in self.classes:
                        found.extend(self._inits(name, depth + 1))
        return found

    def _caller_env(self, call, caller):
        """The caller's environment at ``call``: from the shared flow when that one is already
        walked and owes nothing to callers (then it is the local flow), else the local flow."""
        shared = self._shared()
        if caller in shared.done and self._solved.get(caller, _UNSOLVED) == {}:
            return shared.env_at(call)
        return self.local.env_at(call)

    def _reads_local_state(self, caller, value) -> bool:
        """Whether ``value`` reads a name the caller (or a function around it) assigns or
        changes in place, or a comprehension / lambda variable: its value then depends on where
        in the caller's flow it is read."""
        changed = self._changed_names(caller)
        for node in value.nodes_of_class((nodes.Name, nodes.Lambda) + _COMPREHENSIONS):
            if not isinstance(node, nodes.Name) or node.name in changed:
                return True
        return False

    def _changed_names(self, scope) -> frozenset:
        found = self._changed.get(scope)
        if found is None:
            names = set()
            if isinstance(scope, _FUNCTIONS):
                skip = _FUNCTIONS + (nodes.ClassDef,)
                for node in scope.nodes_of_class((nodes.AssignName, nodes.Global, nodes.Nonlocal), skip_klass=skip):
                    if isinstance(node, nodes.AssignName):
                        names.add(node.name)
                    else:
                        names.update(node.names)
                names |= self._mutated(scope)
                outer = owner_scope(scope.parent) if scope.parent is not None else None
                if isinstance(outer, _FUNCTIONS):
                    names |= self._changed_names(outer)
                    names |= {name for name, _ in _params(outer.args)}
            else:
                names = None
            found = self._changed[scope] = frozenset(names) if names is not None else _EVERYTHING
        return found

    def _mutated(self, fn) -> frozenset:
        """Names ``fn`` changes in place (``kwargs['data'] = masked``, ``kwargs.pop(...)``):
        what it passes on is then what its own flow says, not what its callers gave it."""
        found = self._mutations.get(fn)
        if found is None:
            names = set()
            skip = _FUNCTIONS + (nodes.ClassDef,)
            for node in fn.nodes_of_class((nodes.Subscript, nodes.Call), skip_klass=skip):
                if isinstance(node, nodes.Subscript):
                    if node.ctx is not None and node.ctx.name != "Load":
                        root = _store_root(node.value) if isinstance(node.value, nodes.Subscript) else node.value
                        if isinstance(root, nodes.Name):
                            names.add(root.name)
                else:
                    func = node.func
                    if isinstance(func, nodes.Attribute) and isinstance(func.expr, nodes.Name):
                        if func.attrname in _MUTATORS or func.attrname in ("pop", "popitem", "clear"):
                            names.add(func.expr.name)
            found = self._mutations[fn] = frozenset(names)
        return found

    def _passed(self, call: nodes.Call):
        """([(where, mapping)] of arguments carrying a secret, [(caller, parameter, where)] of
        the caller's own parameters passed on as they are)."""
        direct = []
        forward = []
        env = None
        caller = owner_scope(call)
        own = set()
        if isinstance(caller, _FUNCTIONS):
            own = {name for name, _ in _params(caller.args)}
            kwarg = caller.args.kwarg
        else:
            kwarg = None
        arguments = [(i, a) for i, a in enumerate(call.args) if not isinstance(a, nodes.Starred)]
        arguments += [(kw.arg or "**", kw.value) for kw in call.keywords or ()]
        quiet = not self._mentions_a_source(caller)
        for where, value in arguments:
            if isinstance(where, str) and where != "**" and self.local.classify(where) and not isinstance(value, nodes.Const):
                direct.append((where, (self.local.classify(where) == CARRIER, None)))
                continue
            if isinstance(value, nodes.Name) and value.name in own and value.name not in self._mutated(caller):
                param = "**" if value.name == kwarg else value.name
                forward.append((caller, param, where))
            if quiet:
                continue  # nothing in the caller's text can be a secret
            if isinstance(value, nodes.Const):
                continue
            if not self._reads_local_state(caller, value):
                # only parameters as they came in, attributes, globals: no need for the flow
                found = self.local.value(value, self.local.entry_env(caller))
            else:
                if env is None:
                    env = self._caller_env(call, caller)
                found = self.local.value(value, env)
            if isinstance(found, Taint):
                direct.append((where, (found.mapping, found.keys)))
        if direct and _asks_not_to_log(call):
            return [], forward
        return direct, forward


_QUIET_WORDS = frozenset(("filter", "mask", "hide", "hidden", "sensitive", "secret", "quiet", "silent", "redact"))
_LOUD_WORDS = frozenset(("log", "logging", "debug", "verbose", "trace"))


def _asks_not_to_log(call: nodes.Call) -> bool:
    """``self.call(url, data, log_filter_flag=True)``, ``do_call(..., log=False)``: the caller
    tells the callee not to log what it passes (the login call of a REST client)."""
    for kw in call.keywords or ():
        if not kw.arg or not isinstance(kw.value, nodes.Const) or not isinstance(kw.value.value, bool):
            continue
        found = set(words(kw.arg))
        if kw.value.value is True and found & _QUIET_WORDS:
            return True
        if kw.value.value is False and found & _LOUD_WORDS:
            return True
    return False


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@lru_cache(maxsize=32)
def _stems(key: tuple, store_urls: bool) -> tuple:
    """Letters every source word contains one of: the literal runs of the sensitive patterns
    (every pattern needs one of them), the last words of the names, carriers and URL options,
    and the names of the calls that return secrets."""
    opts = dict(key)
    found = set()
    for pattern in opts["sensitive-patterns"]:
        found.update(run.lower() for run in re.findall(r"[A-Za-z]{3,}", re.sub(r"\[[^\]]*\]", "", pattern)))
    entries = list(opts["sensitive-names"]) + list(opts["secret-carriers"]) + list(opts["credential-urls"])
    if store_urls:
        entries += list(opts["credential-url-names"])
    for entry in entries:
        last = words(entry.strip().rsplit(".", 1)[-1])
        if last:
            found.add(_bare(last[-1]))
    found.update(("decrypt", "locals", "vars", "dict", "uri", "environ"))
    return re.compile("|".join(re.escape(w) for w in sorted(found, key=len, reverse=True)), re.IGNORECASE)


_SOURCE_NAMES = frozenset(("locals", "vars", "to_dict", "__dict__", "get_uri", "environ"))
_CONFIG_LOOP = re.compile(r"\bfor\b[^\n]*\bin\b[^\n]*(?:conf|config|cfg|flags|opts)\b", re.IGNORECASE)


_UNSOLVED = {"": None}


class _Everything(frozenset):
    def __contains__(self, item) -> bool:
        return True


_EVERYTHING = _Everything()


def _is_static(fn) -> bool:
    decorators = fn.decorators.nodes if fn.decorators else ()
    return any(last_name(d) == "staticmethod" for d in decorators)


def callers_summary(ctx, kb: Knowledge) -> CallerSummary:
    return ctx.index.memo(("callers-summary", kb.key), lambda: CallerSummary(ctx, kb))


def callers_fact(ctx, node) -> bool:
    """Whether another function's findings may depend on this call or attribute assignment: it
    passes a secret to a module function (or aliases one)."""
    kb = knowledge(ctx.options)
    if isinstance(node, nodes.Call) and not node.args and not node.keywords:
        return False
    return callers_summary(ctx, kb).is_fact(node)


# -- the ordered walk of one scope -----------------------------------------------------------


def _bind_loop_target(flow: SensitiveFlow, target, iter_node, value, values: dict, env: Env) -> None:
    """Bind a ``for`` / comprehension target: ``k, v in d.items()`` taints only ``v``, and
    iterating a mapping (``for key in kwargs``) gives only its keys; iterating a configuration
    object (``for opt in CONF``) gives option names, whose values are then secrets."""
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
    if isinstance(target, nodes.AssignName):
        if isinstance(value, Taint) and value.mapping and isinstance(iter_node, (nodes.Name, nodes.Attribute, nodes.Subscript)):
            values[target.name] = Keys(_key_text(iter_node), False)
            return
        if isinstance(value, Keys) and value.many:
            values[target.name] = Keys(value.of, False)
            return
        if (
            value is not SURE
            and flow.kb.config_objects
            and _is_config(flow.kb, iter_node)
            and not _masks_secret_options(flow, target)
        ):
            values[target.name] = Keys(CONFIG, False)
            return
    if isinstance(value, Taint) and value.mapping:
        value = None
    if isinstance(value, Keys):
        value = None
    _bind_names(flow, target, _unkeyed(value), values)


def _masks_secret_options(flow: SensitiveFlow, target) -> bool:
    """The loop over every option masks secret ones: it tests ``opt.secret`` (oslo.config's
    own way, as ``log_opt_values`` does), or it tests each option's name against a secret word
    *and* against every ungrouped credential-URL option (``transport_url``,
    ``sql_connection``), whose names do not say they hold a password.  A filter on
    ``"_password" in flag`` alone writes the message bus password."""
    loop = target.parent
    if isinstance(loop, nodes.Comprehension):
        parts = [loop.parent]
    else:
        parts = list(getattr(loop, "body", None) or ())
    name = target.name if isinstance(target, nodes.AssignName) else None
    tested: set = set()
    for part in parts:
        for node in part.nodes_of_class((nodes.Attribute, nodes.Compare)):
            if isinstance(node, nodes.Attribute):
                if node.attrname == "secret":
                    return True
                continue
            if len(node.ops) != 1:
                continue
            op, right = node.ops[0]
            sides = (node.left, right)
            if op in ("in", "==") and any(isinstance(s, nodes.Name) and s.name == name for s in sides):
                tested.update(filter(None, (_const_str(s) for s in sides)))
                if isinstance(right, (nodes.Tuple, nodes.List, nodes.Set)):
                    tested.update(filter(None, (_const_str(e) for e in right.elts)))
    if not tested:
        return False
    kb = flow.kb
    secret_word = any(kb.classify(t) == SECRET for t in tested)
    urls = [e for e in kb.credential_urls._entries if len(e) == 1]
    covered = all(any(_word_key(t) == e[0] for t in tested) for e in urls)
    return secret_word and covered


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
    if value is SURE or isinstance(value, Keys):
        return value
    return flow.name_default(name)


class _Walker:
    def __init__(self, flow: SensitiveFlow, scope_flow: _ScopeFlow, parent: Env | None, facts: ScopeFacts) -> None:
        self.flow = flow
        self.out = scope_flow
        self.parent = parent
        self.facts = facts

    def env(self, state) -> Env:
        return Env(state, self.parent, self.facts)

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
            return self.mutate(_store_root(target.value), value, state, node)  # d[k] += secret
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
        body_state, else_state = state, state
        test = node.test
        negated = isinstance(test, nodes.UnaryOp) and test.op == "not"
        tested = test.operand if negated else test
        if isinstance(tested, nodes.Name) and isinstance(state.get(tested.name, _MISSING), Taint):
            # if data: ... -- where the test fails the value is empty or None: nothing secret
            empty = state.set(tested.name, SURE)
            if negated:
                body_state = empty
            else:
                else_state = empty
        elif isinstance(test, nodes.Compare) and len(test.ops) == 1 and isinstance(test.ops[0][1], nodes.Name):
            # if 'password' in data: data['password'] = '***' -- where the test fails, the key
            # is not there, so neither is the secret it would hold
            op, right = test.ops[0]
            key = _const_str(test.left)
            if key is not None and op in ("in", "not in"):
                current = state.get(right.name, _MISSING)
                if isinstance(current, Taint):
                    absent = state.set(right.name, _without(current, key))
                    if op == "in":
                        else_state = absent
                    else:
                        body_state = absent
        return self.merge(self.block(node.body, body_state), self.block(node.orelse, else_state))

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
                env = self.env(state)
                value = self.flow._arguments(call, env, named=func.attrname == "update")
                return self.mutate(func.expr, value, state, node, _mutated_keys(func.attrname, call), mapping=is_dict)
            if isinstance(func, nodes.Attribute) and func.attrname == "pop" and call.args:
                return self.remove(func.expr, call.args[0], state)
            if self.flow.kb.is_redactor(last_name(func)):
                # self._redact(headers, ['X-Auth-Token']): the arguments are masked in place
                new = state
                for arg in call.args:
                    if isinstance(arg, nodes.Name) and isinstance(state.get(arg.name), Taint):
                        new = new.set(arg.name, SURE)
                return new
        return state

    def _delete_stmt(self, node, state: PMap) -> PMap:
        for target in node.targets:
            if isinstance(target, nodes.Subscript):
                state = self.remove(target.value, target.slice, state)
        return state

    def _match_stmt(self, node, state: PMap) -> PMap:
        return self.merge(state, *(self.block(case.body, state) for case in node.cases))

    def remove(self, receiver, key_node, state):
        """``del info['token']`` / ``info.pop('token')`` on a mapping whose secrets are known
        to sit under literal keys: without them it is clean."""
        key = _const_str(key_node)
        if key is None or not isinstance(receiver, nodes.Name):
            return state
        current = state.get(receiver.name, _MISSING)
        if not isinstance(current, Taint) or current.keys is None or key not in current.keys:
            return state
        left = current.keys - {key}
        if not left:
            return state.set(receiver.name, SURE)
        return state.set(receiver.name, Taint(current.source, left, current.via, current.mapping, current.kind))

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
        elif isinstance(target, nodes.Subscript):
            root = _store_root(target.value)
            if root is None:
                return
            key = target.slice
            literal = _const_str(key)
            if literal is not None and not isinstance(value, Taint):
                value = flow.keyed_secret(literal, value_node, value, self.env(new)) if value_node is not None else value
            if value is SURE and literal is not None and root is target.value:
                # info['password'] = '****': the secret under that key is overwritten
                current = new.get(root.name, _MISSING)
                if current is not _MISSING:
                    new[root.name] = _without(current, literal)
                return
            if isinstance(value, Taint):
                # d['auth'] = secret remembers the key; d['headers']['X-Auth'] = secret taints d
                # under 'headers'
                first = _first_key(target)
                keys = frozenset((first,)) if first is not None else None
                self.mutate(root, value, new, stmt, keys)

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
        taint = Taint(value.source, keys, value.via + ((stmt, name),), mapping, value.kind)
        if isinstance(state, Transient):  # part of a batch of changes: made in place
            state[name] = taint
            return state
        return state.set(name, taint)


def _mutated_keys(method: str, call: nodes.Call):
    """The literal keys ``d.setdefault('headers', {})`` / ``d.update(token=t)`` /
    ``d.update({'token': t})`` write; None when unknown (``l.append(x)``, ``d.update(other)``)."""
    if method == "setdefault" and call.args:
        key = _const_str(call.args[0])
        return frozenset((key,)) if key is not None else None
    if method == "update":
        keys = [kw.arg for kw in call.keywords or ()]
        for arg in call.args:
            if not isinstance(arg, nodes.Dict):
                return None
            keys += [_const_str(k) for k, _ in arg.items]
        if keys and all(keys):
            return frozenset(keys)
    return None


def _without(current, key: str):
    """``current`` once the entry ``key`` holds nothing secret (its other secret keys stay)."""
    if not isinstance(current, Taint) or current.keys is None or key not in current.keys:
        return current
    left = current.keys - {key}
    if not left:
        return SURE
    return Taint(current.source, left, current.via, current.mapping, current.kind)


def _first_key(target: nodes.Subscript) -> str | None:
    """The literal key of the outermost mapping a (nested) item store writes under."""
    node = target
    while isinstance(node.value, nodes.Subscript):
        node = node.value
    return _const_str(node.slice)


def _store_root(node):
    """The variable a (nested) item store writes into: ``props`` for ``props['data']['k']``."""
    depth = 0
    while isinstance(node, nodes.Subscript) and depth < 4:
        node = node.value
        depth += 1
    return node if isinstance(node, nodes.Name) else None


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
    nodes.Delete: _Walker._delete_stmt,
    nodes.Match: _Walker._match_stmt,
    **{cls: _Walker._try_stmt for cls in _TRY},
}


# -- shared entry points for the checks --------------------------------------------------------


def shared_flow(ctx, kb: Knowledge) -> SensitiveFlow:
    """One flow per analysis and per set of source options, shared by NOVA001 and NOVA002."""

    def build():
        return SensitiveFlow(
            ctx.module, kb, import_map(ctx), ctx.tick, ctx.index, summary=lambda: callers_summary(ctx, kb)
        )

    return ctx.index.memo(("sensitive-flow", kb.key), build)


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
