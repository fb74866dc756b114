"""TLS certificate verification turned off, or left at an insecure default (NOVA017, CWE-295).

Four shapes, each decided inside one function (or one module-level statement):

* **library defaults** (C1): ``oslo_vmware.api.VMwareAPISession(...)`` — or ``super().__init__``
  in a subclass of it — without ``insecure=`` (oslo.vmware defaults to ``insecure=True``;
  ``cacert=`` alone leaves it so), and ``oslo_vmware.rw_handles.FileWriteHandle`` /
  ``FileReadHandle`` without ``cacerts=`` or a pinned ``thumbprint=`` (they default to
  ``cacerts=False``).  Classes are resolved through the module's imports, so a project's own
  subclass used by its bare name is not the library's class (``session-classes``,
  ``file-handles``);
* **option defaults** (C2): an oslo.config ``BoolOpt`` named ``*insecure*`` (or
  ``skip/disable/no`` + TLS + verify) defaulting to ``True``; a TLS ``BoolOpt`` (a TLS word and
  a verify word in its name: ``driver_ssl_cert_verify``, ``certificate_host_validation``)
  defaulting to ``False``; a string or list default holding a TLS-off flag (``--insecure``,
  ``-k``, ``--tls-verify=false``).  ``help=`` never counts; non-TLS switches that look alike
  (image signature validation, BMC clock checks) are listed in ``non-tls-options``;
* **verification off in code** (C3): a literal ``verify=False`` (also ``verify_ssl``,
  ``ssl_verify``, ``cert_verify``...) or ``insecure=True`` keyword on any call, the same as an
  assignment (``session.verify = False``, ``conn_args['verify'] = False``) or a dict entry
  (``{"insecure": True}``), ``cert_reqs`` / ``verify_mode`` set to ``CERT_NONE``,
  ``check_hostname = False`` without ``CERT_REQUIRED`` and a CA bundle, and
  ``ssl._create_unverified_context()``;
* **no CA file, no verification** (C5): the C3 shapes in the branch of ``if <ca_file>:`` where
  the CA file is not set: the system trust store was meant.

Quiet, because a deployer chose it or no TLS is involved: code in a branch where an option
named ``*insecure*`` is true or a ``*verify*`` option is false (``if not conf.ssl_verify:``, the
``else:`` of ``if CONF.verify_ssl:``, any comparison of such a name, an option read through a
getter such as ``get_option('svc', 'insecure')``, an earlier ``if verify: return``), a
plain-HTTP branch (``else`` of ``if protocol == 'https'``) or an ``http://`` URL argument, a
"default False" replaced later in the same function (or, for an attribute, in the class's
``init-methods``), a function parameter's default, the ``verify = cafile or not insecure``
convention (not a literal), a CERT_NONE ``SSLContext`` built only to pin versions or ciphers
for a requests adapter (urllib3 sets ``verify_mode`` from requests' ``verify`` itself), a
server's context (CERT_NONE there only means no client certificates).  The bare names
``verify`` and ``insecure`` count only in a module that imports an HTTP/TLS library or on a
client-like callee (``generic-verify-names``): swift's ``verify=False`` checks a file listing,
mistral's ``insecure=True`` reads across projects.

Fixes turn verification on; each can break a deployment on a private CA, so each is UNSAFE and
none is offered in test code.  Where the module reads a CA-file option and an insecure option
of one group (``CONF.vmware.ca_file`` / ``CONF.vmware.insecure``) the fix uses them —
``cacert=..., insecure=...`` for a session, ``verify=<ca_file> or not <insecure>`` for a
``verify`` keyword — else the plain ``insecure=False`` / ``verify=True``.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import lru_cache

from astroid import nodes

from nova_lsp.checks import layout
from nova_lsp.checks.imports import ImportPlan, module_bindings, shadowed
from nova_lsp.checks.tree import (
    dotted,
    enclosing_function,
    import_map,
    last_name,
    qualified,
)
from nova_lsp.core.model import Applicability, Edit, Fix, Span

TITLE = "Turn TLS verification on"
_FUNCS = (nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.Lambda)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_CERT_NONE = {"ssl.CERT_NONE", "ssl.VerifyMode.CERT_NONE"}
_CERT_REQUIRED = {"ssl.CERT_REQUIRED", "ssl.VerifyMode.CERT_REQUIRED"}
_CERT_NONE_TEXT = {"CERT_NONE", "NONE"}
_INTERESTING_CALLS = {"__init__", "_create_unverified_context"}
_SWITCH_WORDS = {"use", "uses", "using", "enable", "enabled", "is", "on", "with", "mode"}
_FILE_WORDS = {"file", "path", "dir", "ca", "cert", "certs", "certificate", "key"}


def words(name: str) -> list[str]:
    """``driver_ssl_cert_verify`` -> [driver, ssl, cert, verify]; ``SSLVerify`` -> [ssl, verify]."""
    return [w.lower() for w in _WORD.findall(name)]


# -- knowledge ---------------------------------------------------------------------------------


def _positions(entries) -> dict[str, int]:
    """``"pkg.Class:8"`` -> {"pkg.Class": 8} (the 0-based position of the TLS parameter)."""
    out = {}
    for entry in entries:
        name, _, position = entry.rpartition(":")
        if name and position.isdigit():
            out[name] = int(position)
        else:
            out[entry] = 1 << 30  # no position: only the keyword counts
    return out


@dataclass(frozen=True)
class _Knowledge:
    sessions: dict
    handles: dict
    pinning: frozenset
    bool_options: frozenset
    string_options: frozenset
    tls_words: frozenset
    verify_words: frozenset
    negation_words: frozenset
    insecure_words: tuple
    non_tls_options: tuple
    flags: tuple
    verify_keywords: tuple
    cert_reqs: frozenset
    ca_names: tuple
    non_tls_calls: tuple
    init_methods: frozenset
    adapter_bases: tuple
    generic: tuple
    http_modules: tuple
    client_words: frozenset
    key: tuple

    @property
    def interesting(self) -> frozenset:
        names = {q.rsplit(".", 1)[-1] for q in (*self.sessions, *self.handles, *self.bool_options, *self.string_options)}
        return frozenset(names | _INTERESTING_CALLS)

    # names ----------------------------------------------------------------------------------

    def insecure(self, name: str) -> bool:
        lowered = name.lower()
        return any(w in lowered for w in self.insecure_words)

    def verify_name(self, name: str) -> bool:
        """A name whose literal False turns certificate checks off: one of the keywords
        (``verify``, ``verify_ssl``...), or a TLS word with a verify word and no negation."""
        lowered = name.lower()
        if any(fnmatch.fnmatchcase(lowered, p) for p in self.verify_keywords):
            return not self.non_tls(lowered)
        found = set(words(name))
        return bool(found & self.tls_words and found & self.verify_words and not found & self.negation_words) and not self.non_tls(lowered)

    def generic_name(self, name: str) -> bool:
        """``verify`` or ``insecure`` alone: TLS only where HTTP is spoken (swift's
        ``verify=False`` of its on-disk file listing is not, nor mistral's cross-project
        ``insecure=True`` queries)."""
        return name.lower() in self.generic

    def mentions_verify(self, name: str) -> bool:
        """A name a guard may test: any verify word (``self.verify``, ``ssl_cert_verify``)."""
        return bool(set(words(name)) & self.verify_words) and not self.non_tls(name.lower())

    def negated_verify(self, name: str) -> bool:
        """``skip_ssl_verify``, ``disable_cert_validation``: True turns checks off."""
        found = set(words(name))
        return bool(found & self.verify_words and found & self.negation_words and found & self.tls_words)

    def tls_switch(self, name: str) -> bool:
        """``use_ssl``, ``ssl_enabled``, ``isSSL``, ``https``: whether TLS is used at all (a
        TLS word and a switch word, or a TLS word alone; never a certificate or file name)."""
        found = words(name)
        if not found or self.insecure(name) or self.ca_file(name) or set(found) & self.verify_words:
            return False
        tls = [w for w in found if w in self.tls_words]
        rest = set(found) - set(tls)
        return bool(tls) and not rest & _FILE_WORDS and (not rest or bool(rest & _SWITCH_WORDS))

    def ca_file(self, name: str) -> bool:
        lowered = name.lower()
        return any(fnmatch.fnmatchcase(lowered, p) for p in self.ca_names)

    def non_tls(self, lowered: str) -> bool:
        return any(fnmatch.fnmatchcase(lowered, p) for p in self.non_tls_options)


def _knowledge(options) -> _Knowledge:
    key = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(options.items()))
    return _knowledge_for(key)


@lru_cache(maxsize=16)
def _knowledge_for(key) -> _Knowledge:
    o = {k: list(v) if isinstance(v, tuple) else v for k, v in key}
    low = lambda values: tuple(v.lower() for v in values)
    return _Knowledge(
        sessions=_positions(o["session-classes"]),
        handles=_positions(o["file-handles"]),
        pinning=frozenset(o["pinning-keywords"]),
        bool_options=frozenset(o["bool-options"]),
        string_options=frozenset(o["string-options"]),
        tls_words=frozenset(low(o["tls-words"])),
        verify_words=frozenset(low(o["verify-words"])),
        negation_words=frozenset(low(o["negation-words"])),
        insecure_words=low(o["insecure-words"]),
        non_tls_options=low(o["non-tls-options"]),
        flags=low(o["tls-off-flags"]),
        verify_keywords=low(o["verify-keywords"]),
        cert_reqs=frozenset(o["cert-reqs-names"]),
        ca_names=low(o["ca-file-names"]),
        non_tls_calls=tuple(o["non-tls-calls"]),
        init_methods=frozenset(o["init-methods"]),
        adapter_bases=tuple(o["adapter-bases"]),
        generic=low(o["generic-verify-names"]),
        http_modules=tuple(o["http-modules"]),
        client_words=frozenset(low(o["client-words"])),
        key=key,
    )


# -- small readers -----------------------------------------------------------------------------


def _is_const(node, value) -> bool:
    return isinstance(node, nodes.Const) and node.value is value


def _cert_none(node, imports) -> bool:
    if isinstance(node, nodes.Const):
        return isinstance(node.value, str) and node.value.upper() in _CERT_NONE_TEXT
    return (qualified(node, imports) or "") in _CERT_NONE


def _cert_required(node, imports) -> bool:
    if isinstance(node, nodes.Const):
        return isinstance(node.value, str) and node.value.upper() in {"CERT_REQUIRED", "REQUIRED"}
    return (qualified(node, imports) or "") in _CERT_REQUIRED


def _slot(target) -> str | None:
    """The text that names what an assignment writes: ``self.session.verify``,
    ``conn_args['verify']``, ``verify``; None for anything else."""
    if isinstance(target, nodes.AssignName):
        return target.name
    if isinstance(target, nodes.AssignAttr):
        base = dotted(target.expr)
        return f"{base}.{target.attrname}" if base else None
    if isinstance(target, nodes.Subscript) and isinstance(target.slice, nodes.Const) and isinstance(target.slice.value, str):
        base = dotted(target.value)
        return f"{base}[{target.slice.value!r}]" if base else None
    return None


def _slot_name(target) -> str | None:
    """The name part of a slot: ``verify`` for ``self.session.verify`` / ``d['verify']``."""
    if isinstance(target, nodes.AssignName):
        return target.name
    if isinstance(target, nodes.AssignAttr):
        return target.attrname
    if isinstance(target, nodes.Subscript) and isinstance(target.slice, nodes.Const) and isinstance(target.slice.value, str):
        return target.slice.value
    return None


def _name_of(node) -> str | None:
    """The name a guard tests: last part of a dotted name, or a string subscript key."""
    if isinstance(node, (nodes.Name, nodes.Attribute)):
        return last_name(node)
    if isinstance(node, nodes.Subscript) and isinstance(node.slice, nodes.Const) and isinstance(node.slice.value, str):
        return node.slice.value
    if isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute) and node.func.attrname in ("get", "safe_get"):
        if node.args and isinstance(node.args[0], nodes.Const) and isinstance(node.args[0].value, str):
            return node.args[0].value  # configuration.safe_get('xyz_verify')
    return None


def _position(node) -> tuple[int, int]:
    return (node.lineno or 0, node.col_offset or 0)


def _function_of(node):
    return enclosing_function(node)


# -- guards: what the branch a statement is in says --------------------------------------------


@dataclass(frozen=True)
class _Fact:
    name: str | None  # the tested name (None for a scheme test)
    truth: bool | None  # its truth in this branch; None: not known (a comparison, a call)
    definite: bool  # holds on every path through the branch (not one side of an `or`)
    scheme: str | None = None  # "https" / "http" for scheme tests


def _facts(test, truth: bool, definite: bool = True):
    if isinstance(test, nodes.UnaryOp) and test.op == "not":
        yield from _facts(test.operand, not truth, definite)
        return
    if isinstance(test, nodes.BoolOp):
        whole = (test.op == "and") == truth
        for value in test.values:
            yield from _facts(value, truth, definite and whole)
        return
    if isinstance(test, nodes.Compare) and len(test.ops) == 1:
        op, right = test.ops[0]
        left = test.left
        scheme = _scheme_of(right) or _scheme_of(left)
        if scheme is not None and op in ("==", "!="):
            is_it = truth if op == "==" else not truth
            if scheme == "https":
                yield _Fact(None, None, definite, "https" if is_it else "http")
            elif is_it:
                yield _Fact(None, None, definite, "http")
            return
        if isinstance(right, nodes.Const) and right.value in (None, True, False) and op in ("is", "is not", "==", "!="):
            equal = truth if op in ("is", "==") else not truth
            name = _name_of(left)
            if name is not None:
                yield _Fact(name, bool(right.value) if equal else not bool(right.value), definite)
                return
        for node in (left, right):
            yield from _unknown(node, definite)
        return
    if isinstance(test, nodes.Call):
        func = test.func
        if isinstance(func, nodes.Attribute) and func.attrname == "startswith" and test.args:
            scheme = _scheme_of(test.args[0])
            if scheme == "https":
                yield _Fact(None, None, definite, "https" if truth else "http")
                return
        name = _name_of(test)
        if name is not None:
            yield _Fact(name, truth, definite)
            return
        if last_name(func) == "bool" and len(test.args) == 1:
            yield from _facts(test.args[0], truth, definite)
            return
        # an option read through a getter: `self._get_client_option('neutron', 'insecure')`
        for arg in test.args:
            if isinstance(arg, nodes.Const) and isinstance(arg.value, str) and arg.value.isidentifier():
                yield _Fact(arg.value, truth, definite)
        for arg in [*test.args, *(k.value for k in test.keywords or ())]:
            yield from _unknown(arg, definite)
        return
    name = _name_of(test)
    if name is not None:
        yield _Fact(name, truth, definite)
        return
    yield from _unknown(test, definite)


def _unknown(node, definite: bool):
    """Names inside an expression the guard does not understand: their truth is unknown."""
    name = _name_of(node)
    if name is not None:
        yield _Fact(name, None, definite)
        return
    for child in node.get_children():
        yield from _unknown(child, definite)


def _scheme_of(node) -> str | None:
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        value = node.value.lower().rstrip(":/")
        return value if value in ("http", "https") else None
    name = last_name(node)
    if name:
        upper = name.upper()
        if upper == "HTTPS" or upper.endswith("_HTTPS"):
            return "https"
        if upper == "HTTP" or upper.endswith("_HTTP"):
            return "http"
    return None


def _branches(node):
    """(test, truth) of every ``if`` (and conditional expression) around ``node``, innermost
    first, up to its function; an earlier ``if <test>: return`` (raise, exit...) in a block
    around it counts as the test being false."""
    child, parent = node, node.parent
    while parent is not None:
        for field in ("body", "orelse", "finalbody"):
            block = getattr(parent, field, None)
            if isinstance(block, list) and child in block:
                for earlier in block[: block.index(child)]:
                    if isinstance(earlier, nodes.If) and not earlier.orelse and _exits(earlier.body):
                        yield earlier.test, False
                break
        if isinstance(parent, _FUNCS + (nodes.ClassDef, nodes.Module)):
            return
        if isinstance(parent, (nodes.If, nodes.IfExp)) and child is not parent.test:
            orelse = parent.orelse if isinstance(parent, nodes.If) else [parent.orelse]
            yield parent.test, child not in orelse
        child, parent = parent, parent.parent


_EXITS = {"sys.exit", "exit", "os._exit", "quit"}


def _exits(body) -> bool:
    last = body[-1] if body else None
    if isinstance(last, (nodes.Return, nodes.Raise, nodes.Continue, nodes.Break)):
        return True
    return isinstance(last, nodes.Expr) and isinstance(last.value, nodes.Call) and dotted(last.value.func) in _EXITS


def _context(node, kb: _Knowledge) -> str | None:
    """``"deployer"`` when the branch is the deployer's choice (an insecure option on, a
    verify option off), ``"http"`` in a plain-HTTP branch, ``"no-ca"`` where a CA file is not
    set (C5), None otherwise."""
    no_ca = False
    for test, truth in _branches(node):
        for fact in _facts(test, truth):
            if fact.scheme is not None:
                if fact.scheme == "http" and fact.definite:
                    return "http"
                continue
            name = fact.name
            if kb.insecure(name) or kb.negated_verify(name):
                if fact.truth is not False:
                    return "deployer"
            elif kb.ca_file(name):
                if fact.truth is False:
                    no_ca = True
            elif kb.mentions_verify(name):
                if fact.truth is not True:
                    return "deployer"
            elif kb.tls_switch(name) and fact.truth is False and fact.definite:
                return "http"
    return "no-ca" if no_ca else None


_HTTP_URL = re.compile(r"^\s*http://", re.IGNORECASE)


def _plain_http_url(call) -> bool:
    """The call's URL argument is written as a plain ``http://`` URL."""
    candidates = list(call.args[:1]) + [k.value for k in call.keywords or () if k.arg in ("url", "endpoint", "uri")]
    for node in candidates:
        while isinstance(node, nodes.BinOp):
            node = node.left
        if isinstance(node, nodes.JoinedStr) and node.values:
            node = node.values[0]
        if isinstance(node, nodes.Const) and isinstance(node.value, str) and _HTTP_URL.match(node.value):
            return True
    return False


def _speaks_http(ctx, kb: _Knowledge, names=()) -> bool:
    """The module imports an HTTP or TLS library (``http-modules``), or one of ``names``
    (the called or assigned dotted name) has a client word (``session``, ``client``...)."""
    for name in names:
        if name and set(words(name)) & kb.client_words:
            return True

    def compute():
        for full in _imported_modules(ctx):
            for module in kb.http_modules:
                if full == module or full.startswith(module + "."):
                    return True
        return False

    return ctx.index.memo(("tls_verification.http", kb.key), compute)


def _imported_modules(ctx):
    """Full dotted names the module imports (``urllib.parse`` stays ``urllib.parse``, which
    ``import_map`` folds into ``urllib``)."""
    for node in ctx.index.of(nodes.Import, nodes.ImportFrom):
        if isinstance(node, nodes.Import):
            for name, _ in node.names:
                yield name
        elif not node.level:
            for name, _ in node.names:
                yield f"{node.modname}.{name}" if node.modname else name


# -- "default False, then set from an option" --------------------------------------------------


def _assignments(scope):
    """slot text -> [(position, value)] of the assignments in ``scope`` (a function's body,
    nested functions and classes left out; a class body without its methods)."""
    found: dict[str, list] = {}
    skip = _FUNCS + (nodes.ClassDef,)
    stack = list(scope.get_children())
    while stack:
        node = stack.pop()
        if isinstance(node, skip):
            continue
        if isinstance(node, (nodes.Assign, nodes.AnnAssign, nodes.AugAssign)):
            targets = node.targets if isinstance(node, nodes.Assign) else [node.target]
            for target in targets:
                slot = _slot(target)
                if slot is not None and node.value is not None:
                    found.setdefault(slot, []).append((_position(node), node.value))
                if isinstance(node.value, nodes.Dict) and isinstance(target, nodes.AssignName):
                    for key, value in node.value.items:
                        if isinstance(key, nodes.Const) and isinstance(key.value, str):
                            found.setdefault(f"{target.name}[{key.value!r}]", []).append((_position(node), value))
        stack.extend(node.get_children())
    return found


def _off(value, kb, imports, insecure: bool) -> bool:
    return _is_const(value, True) if insecure else (_is_const(value, False) or _cert_none(value, imports))


def _replaced_later(ctx, statement, slot: str, kb, imports, insecure: bool) -> bool:
    """The same slot is assigned something else after ``statement`` in its function (or
    module / class body)."""
    scope = statement.scope()
    table = ctx.index.memo(("tls_verification.assignments", id(scope)), lambda: _assignments(scope))
    here = _position(statement)
    return any(pos > here and not _off(value, kb, imports, insecure) for pos, value in table.get(slot, ()))


def _set_in_init(ctx, klass, attr: str, kb, imports, insecure: bool, besides=None) -> bool:
    """``self.<attr>`` is assigned something other than the off value in one of the class's
    ``init-methods`` (other than ``besides``)."""
    for method in klass.body:
        if not isinstance(method, (nodes.FunctionDef, nodes.AsyncFunctionDef)) or method.name not in kb.init_methods:
            continue
        if method is besides:
            continue
        this = _self_name(method)
        if this is None:
            continue
        for pos, value in _assignments(method).get(f"{this}.{attr}", ()):
            if not _off(value, kb, imports, insecure):
                return True
    return False


def _self_name(function) -> str | None:
    args = function.args.args if function.args else None
    if not args or not isinstance(function.parent, nodes.ClassDef):
        return None
    return args[0].name


def _default_then_option(ctx, statement, target, kb, imports, insecure: bool) -> bool:
    slot = _slot(target)
    if slot is None:
        return False
    if _replaced_later(ctx, statement, slot, kb, imports, insecure):
        return True
    scope = statement.scope()
    if isinstance(scope, nodes.ClassDef) and isinstance(target, nodes.AssignName):
        return _set_in_init(ctx, scope, target.name, kb, imports, insecure)
    if isinstance(scope, (nodes.FunctionDef, nodes.AsyncFunctionDef)) and scope.name in kb.init_methods:
        this = _self_name(scope)
        if this is not None and isinstance(target, nodes.AssignAttr) and dotted(target.expr) == this:
            return _set_in_init(ctx, scope.parent, target.attrname, kb, imports, insecure, besides=scope)
    return False


# -- the options the module uses (for the fixes) -----------------------------------------------


def _option_pairs(ctx, kb: _Knowledge):
    """prefix -> (ca-file attribute, insecure attribute) for every dotted prefix under which
    the module reads both a CA-file option and an insecure option (``CONF.vmware``)."""

    def compute():
        ca: dict[str, list] = {}
        insecure: dict[str, list] = {}
        for node in ctx.index.of(nodes.Attribute):
            attr = node.attrname
            is_ca, is_insecure = kb.ca_file(attr), kb.insecure(attr)
            if not is_ca and not is_insecure:
                continue
            prefix = dotted(node.expr)
            if prefix is None:
                continue
            (ca if is_ca else insecure).setdefault(prefix, []).append((attr, node))
        pairs = {}
        for prefix in ca.keys() & insecure.keys():
            ca_attrs = {a for a, _ in ca[prefix]}
            insecure_attrs = {a for a, _ in insecure[prefix]}
            if len(ca_attrs) == 1 and len(insecure_attrs) == 1:
                pairs[prefix] = (ca_attrs.pop(), insecure_attrs.pop(), [n for _, n in ca[prefix] + insecure[prefix]])
        return pairs

    return ctx.index.memo(("tls_verification.pairs", kb.key), compute)


def _options_at(ctx, kb, at) -> tuple[str, str] | None:
    """``(ca_file text, insecure text)`` usable at ``at``: the one pair of options the module
    reads whose prefix is visible there (a module-level ``CONF``, or ``self`` in a method)."""
    pairs = _option_pairs(ctx, kb)
    if not pairs:
        return None
    function = _function_of(at)
    this = _self_name(function) if isinstance(function, (nodes.FunctionDef, nodes.AsyncFunctionDef)) else None
    usable = []
    for prefix, (ca, insecure, refs) in pairs.items():
        head = prefix.split(".", 1)[0]
        if head == this and this is not None or head in module_bindings(ctx) and not shadowed(head, at):
            pass
        else:
            continue
        local = function is not None and any(_function_of(r) is function for r in refs)
        usable.append((not local, prefix, ca, insecure))
    if not usable:
        return None
    usable.sort()
    if len(usable) > 1 and usable[0][0] == usable[1][0]:
        return None  # two groups: which one is meant is a guess
    _, prefix, ca, insecure = usable[0]
    return f"{prefix}.{ca}", f"{prefix}.{insecure}"


# -- oslo.config options (C2) ------------------------------------------------------------------


def _option_kind(call, kb, imports) -> str | None:
    name = qualified(call.func, imports) or ""
    written = dotted(call.func) or ""
    if name in kb.bool_options or written in kb.bool_options:
        return "bool"
    if name in kb.string_options or written in kb.string_options:
        return "string"
    return None


def _module_strings(ctx) -> dict[str, str]:
    def compute():
        found = {}
        for node in ctx.module.body:
            if isinstance(node, nodes.Assign) and isinstance(node.value, nodes.Const) and isinstance(node.value.value, str):
                for target in node.targets:
                    if isinstance(target, nodes.AssignName):
                        found[target.name] = node.value.value
        return found

    return ctx.index.memo("tls_verification.module_strings", compute)


def _option_name(ctx, call) -> str | None:
    node = call.args[0] if call.args else next((k.value for k in call.keywords or () if k.arg == "name"), None)
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return node.value
    if isinstance(node, nodes.Name):
        return _module_strings(ctx).get(node.name)
    return None


def _keyword(call, name):
    return next((k for k in call.keywords or () if k.arg == name), None)


def _flag_in(value, kb) -> tuple[str, object] | None:
    """(flag, the element or string that holds it) for a default holding a TLS-off flag."""
    elements = value.elts if isinstance(value, (nodes.List, nodes.Tuple)) else [value]
    for element in elements:
        if isinstance(element, nodes.Const) and isinstance(element.value, str):
            for token in element.value.split():
                if token.lower() in kb.flags:
                    return token, element
    return None


def _option_findings(ctx, call, kind, kb, imports, test_code):
    name = _option_name(ctx, call)
    default = _keyword(call, "default")
    if name is None or default is None:
        return
    if kind == "bool":
        if kb.non_tls(name.lower()):
            return
        if (kb.insecure(name) or kb.negated_verify(name)) and _is_const(default.value, True):
            yield ctx.finding(
                default,
                what=f"option `{name}` defaults to `True`",
                why="TLS certificates are not checked unless the deployer changes it",
                fix=_replace_builder(ctx, default.value, "False", test_code),
            )
        elif kb.verify_name(name) and not kb.insecure(name) and _is_const(default.value, False):
            yield ctx.finding(
                default,
                what=f"option `{name}` defaults to `False`",
                why="TLS certificates are not checked unless the deployer turns it on",
                fix=_replace_builder(ctx, default.value, "True", test_code),
            )
        return
    found = _flag_in(default.value, kb)
    if found is not None:
        flag, element = found
        yield ctx.finding(
            default,
            what=f"the default of option `{name}` passes `{flag}`",
            why="the command it configures skips TLS certificate checks unless the deployer changes it",
            fix=_flag_builder(ctx, default.value, element, kb, test_code),
        )


# -- VMware sessions and file handles (C1) -----------------------------------------------------


def _session_subclass(call, kb, imports):
    """The session class (and its TLS position) a ``super().__init__`` / ``Base.__init__``
    call initialises, with 1 when ``self`` is passed explicitly."""
    func = call.func
    if not isinstance(func, nodes.Attribute) or func.attrname != "__init__":
        return None
    target = func.expr
    if isinstance(target, nodes.Call) and dotted(target.func) == "super":
        klass = call.scope()
        while klass is not None and not isinstance(klass, nodes.ClassDef):
            klass = klass.parent.scope() if klass.parent is not None else None
        if klass is None:
            return None
        for base in klass.bases:
            name = qualified(base, imports)
            if name in kb.sessions:
                return name, kb.sessions[name], 0
        return None
    name = qualified(target, imports)
    if name in kb.sessions:
        return name, kb.sessions[name], 1
    return None


def _passes(call, keyword: str, position: int, shift: int = 0) -> bool:
    if any(k.arg is None for k in call.keywords or ()):
        return True  # **kwargs: cannot tell
    if any(isinstance(a, nodes.Starred) for a in call.args):
        return True
    if _keyword(call, keyword) is not None:
        return True
    return len(call.args) - shift > position


def _plain_scheme(call, position: int | None) -> bool:
    scheme = _keyword(call, "scheme")
    value = scheme.value if scheme is not None else None
    if value is None and position is not None and 0 <= position < len(call.args):
        value = call.args[position]
    return isinstance(value, nodes.Const) and isinstance(value.value, str) and value.value.lower() == "http"


def _session_finding(ctx, call, label, position, shift, kb, test_code):
    if _passes(call, "insecure", position, shift):
        return None
    if _plain_scheme(call, None):
        return None
    cacert = _keyword(call, "cacert")
    why = "oslo.vmware defaults to `insecure=True`, so the vCenter/ESX certificate is never checked"
    if cacert is not None:
        why += " (`cacert` alone does not turn the check on)"
    return ctx.finding(
        call.func,
        what=f"`{label}(...)` without `insecure=`",
        why=why,
        fix=_session_builder(ctx, call, cacert is not None, kb, test_code),
    )


def _handle_finding(ctx, call, label, position, kb, test_code):
    if any(_keyword(call, k) is not None for k in kb.pinning):
        return None
    cacerts = _keyword(call, "cacerts")
    if cacerts is not None:
        if _is_const(cacerts.value, False):
            return ctx.finding(
                cacerts,
                what=f"`{label}(..., cacerts=False)`",
                why="the HTTPS transfer to the ESX host is not verified and no thumbprint is pinned",
                fix=_verify_builder(ctx, cacerts.value, "True", kb, test_code, convention=True),
            )
        return None
    if _passes(call, "cacerts", position) or _plain_scheme(call, position - 1):
        return None
    if call.args and _plain_http_url(call):
        return None
    return ctx.finding(
        call.func,
        what=f"`{label}(...)` without `cacerts=`",
        why="oslo.vmware defaults to `cacerts=False`, so the HTTPS transfer to the ESX host is not verified and no thumbprint is pinned",
        fix=_handle_builder(ctx, call, kb, test_code),
    )


# -- SSL contexts ------------------------------------------------------------------------------


@dataclass
class _ContextUse:
    """What a function does with one SSL context object."""

    required: bool = False  # verify_mode = CERT_REQUIRED
    bundle: bool = False  # a CA bundle is loaded (load_verify_locations, cafile=)
    none_at: object = None  # the verify_mode = CERT_NONE statement
    adapter: bool = False  # handed to a transport adapter as ssl_context=
    returned: bool = False
    verifying: bool = False  # created verifying (PROTOCOL_TLS_CLIENT, create_default_context)
    server: bool = False  # a server's context: verify_mode is about client certificates


def _context_facts(ctx, function, obj: str, imports) -> _ContextUse:
    """What the function (or module body) does with the SSL context named ``obj``."""
    scope = function if function is not None else ctx.module
    key = ("tls_verification.context", id(scope), obj)

    def compute():
        use = _ContextUse()
        stack = list(scope.get_children())
        while stack:
            node = stack.pop()
            if isinstance(node, _FUNCS + (nodes.ClassDef,)):
                continue
            if isinstance(node, nodes.Assign):
                for target in node.targets:
                    if isinstance(target, nodes.AssignAttr) and dotted(target.expr) == obj and target.attrname == "verify_mode":
                        if _cert_required(node.value, imports):
                            use.required = True
                        elif _cert_none(node.value, imports):
                            use.none_at = node
                    if isinstance(target, nodes.AssignName) and target.name == obj and isinstance(node.value, nodes.Call):
                        _created(use, node.value, imports)
            elif isinstance(node, nodes.Call):
                func = node.func
                if isinstance(func, nodes.Attribute) and dotted(func.expr) == obj:
                    if func.attrname == "load_verify_locations":
                        use.bundle = True
                    elif func.attrname == "wrap_socket" and any(
                        k.arg == "server_side" and _is_const(k.value, True) for k in node.keywords or ()
                    ):
                        use.server = True
                for keyword in node.keywords or ():
                    if keyword.arg == "ssl_context" and dotted(keyword.value) == obj:
                        use.adapter = True
            elif isinstance(node, nodes.Return) and node.value is not None and dotted(node.value) == obj:
                use.returned = True
            stack.extend(node.get_children())
        return use

    return ctx.index.memo(key, compute)


def _created(use: _ContextUse, call, imports) -> None:
    made = qualified(call.func, imports) or ""
    arguments = [*call.args, *(k.value for k in call.keywords or () if k.arg in ("purpose", "protocol"))]
    given = [qualified(a, imports) or "" for a in arguments]
    if any(g.endswith(("PROTOCOL_TLS_SERVER", "Purpose.CLIENT_AUTH")) for g in given):
        use.server = True
    if made.endswith("create_default_context"):
        use.verifying = not use.server
        if any(k.arg in ("cafile", "capath", "cadata") for k in call.keywords or ()):
            use.bundle = True
    elif made.endswith("SSLContext"):
        use.verifying = any(g.endswith("PROTOCOL_TLS_CLIENT") for g in given)


def _defines_adapter(ctx, kb) -> bool:
    def compute():
        for klass in ctx.index.of(nodes.ClassDef):
            for base in klass.bases:
                name = dotted(base) or ""
                if any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(name.rsplit(".", 1)[-1], p) for p in kb.adapter_bases):
                    return True
        return False

    return ctx.index.memo(("tls_verification.adapter", kb.key), compute)


def _for_adapter(ctx, function, obj, kb, imports) -> bool:
    """A CERT_NONE context built to pin versions or ciphers for a requests adapter: urllib3
    sets ``verify_mode`` from requests' ``verify`` and checks the host name itself."""
    use = _context_facts(ctx, function, obj, imports)
    return use.adapter or (use.returned and _defines_adapter(ctx, kb))


# -- the check ---------------------------------------------------------------------------------


def check(ctx):
    kb = _knowledge(ctx.options)
    imports = import_map(ctx)
    test_code = layout.in_test_code(ctx.document.path)
    interesting = kb.interesting
    for call in ctx.index.of(nodes.Call):
        ctx.tick()
        name = last_name(call.func)
        if name in interesting:
            found = _call_finding(ctx, call, name, kb, imports, test_code)
            if found is not None:
                for finding in found:
                    yield finding
                continue
        if call.keywords:
            for keyword in call.keywords:
                finding = _keyword_finding(ctx, call, keyword, kb, imports, test_code)
                if finding is not None:
                    yield finding
    for statement in ctx.index.of(nodes.Assign, nodes.AnnAssign):
        ctx.tick()
        if statement.value is None:
            continue
        targets = statement.targets if isinstance(statement, nodes.Assign) else [statement.target]
        for target in targets:
            finding = _assignment_finding(ctx, statement, target, kb, imports, test_code)
            if finding is not None:
                yield finding
    for mapping in ctx.index.of(nodes.Dict):
        ctx.tick()
        for key, value in mapping.items:
            finding = _entry_finding(ctx, mapping, key, value, kb, imports, test_code)
            if finding is not None:
                yield finding


def _call_finding(ctx, call, name, kb, imports, test_code):
    """Findings of calls the rule knows by name (None: treat it as any call)."""
    if name == "_create_unverified_context":
        if (qualified(call.func, imports) or "") != "ssl._create_unverified_context":
            return None
        if _sets_default_context(call):
            return ()  # the process-wide form is NOVA018's
        where = _context(call, kb)
        if where in ("deployer", "http"):
            return ()
        return (
            ctx.finding(
                call,
                what="`ssl._create_unverified_context()`",
                why="the context checks neither the certificate nor the host name, and no option turns that on",
                fix=_unverified_builder(ctx, call, test_code),
            ),
        )
    if name == "__init__":
        sub = _session_subclass(call, kb, imports)
        if sub is None:
            return None
        label, position, shift = sub
        finding = _session_finding(ctx, call, "super().__init__" if shift == 0 else label.rsplit(".", 1)[-1] + ".__init__", position, shift, kb, test_code)
        return None if finding is None else (finding,)
    full = qualified(call.func, imports) or dotted(call.func) or ""
    if full in kb.sessions:
        finding = _session_finding(ctx, call, full.rsplit(".", 1)[-1], kb.sessions[full], 0, kb, test_code)
        return None if finding is None else (finding,)
    if full in kb.handles:
        finding = _handle_finding(ctx, call, full.rsplit(".", 1)[-1], kb.handles[full], kb, test_code)
        return () if finding is None else (finding,)
    kind = _option_kind(call, kb, imports)
    if kind is not None:
        return tuple(_option_findings(ctx, call, kind, kb, imports, test_code))
    return None


def _sets_default_context(node) -> bool:
    statement = node.statement()
    targets = statement.targets if isinstance(statement, nodes.Assign) else []
    return any(isinstance(t, nodes.AssignAttr) and t.attrname == "_create_default_https_context" for t in targets)


def _non_tls_call(call, imports, kb) -> bool:
    full = qualified(call.func, imports) or dotted(call.func) or ""
    return any(fnmatch.fnmatchcase(full, p) for p in kb.non_tls_calls)


def _keyword_finding(ctx, call, keyword, kb, imports, test_code):
    arg = keyword.arg
    if arg is None:
        return None
    value = keyword.value
    if _is_const(value, False) and kb.verify_name(arg):
        kind = "verify"
    elif _is_const(value, True) and kb.insecure(arg):
        kind = "insecure"
    elif arg in kb.cert_reqs and _cert_none(value, imports):
        kind = "cert-none"
    else:
        return None
    if _non_tls_call(call, imports, kb) or _plain_http_url(call):
        return None
    if kb.generic_name(arg) and not _speaks_http(ctx, kb, [dotted(call.func)]):
        return None
    where = _context(call, kb)
    if where in ("deployer", "http"):
        return None
    text = f"{arg}={value.as_string()}"
    if where == "no-ca" and kind == "verify":
        return ctx.finding(
            keyword,
            what=f"`{text}` where no CA file is set",
            why="the system trust store was meant: without a CA file certificates should still be checked (`verify=True`)",
            fix=_verify_builder(ctx, value, "True", kb, test_code, convention=False),
        )
    return ctx.finding(
        keyword,
        what=f"`{text}`",
        why=_WHY[kind],
        fix=_kind_builder(ctx, kind, arg, value, kb, test_code, imports),
    )


_WHY = {
    "verify": "certificate verification is off, and no option turns it on",
    "insecure": "certificate verification is off, and no option turns it on",
    "cert-none": "the server's certificate is not checked, and no option turns it on",
}


def _kind_builder(ctx, kind, arg, value, kb, test_code, imports):
    if kind == "verify":
        return _verify_builder(ctx, value, "True", kb, test_code, convention=arg == "verify")
    if kind == "insecure":
        return _insecure_builder(ctx, value, kb, test_code)
    return _cert_required_builder(ctx, value, test_code, imports)


def _assignment_finding(ctx, statement, target, kb, imports, test_code):
    name = _slot_name(target)
    if name is None:
        return None
    value = statement.value
    if name == "check_hostname" and isinstance(target, nodes.AssignAttr) and _is_const(value, False):
        return _hostname_finding(ctx, statement, target, kb, imports, test_code)
    if name == "verify_mode" and isinstance(target, nodes.AssignAttr) and _cert_none(value, imports):
        return _verify_mode_finding(ctx, statement, target, kb, imports, test_code)
    if _is_const(value, False) and kb.verify_name(name):
        kind, insecure = "verify", False
    elif _is_const(value, True) and kb.insecure(name):
        kind, insecure = "insecure", True
    elif name in kb.cert_reqs and _cert_none(value, imports):
        kind, insecure = "cert-none", False
    else:
        return None
    if kb.generic_name(name) and not _speaks_http(ctx, kb, [_slot(target)]):
        return None
    where = _context(statement, kb)
    if where in ("deployer", "http"):
        return None
    if _default_then_option(ctx, statement, target, kb, imports, insecure):
        return None
    text = f"{target.as_string()} = {value.as_string()}"
    if where == "no-ca" and kind == "verify":
        return ctx.finding(
            statement,
            what=f"`{text}` where no CA file is set",
            why="the system trust store was meant: without a CA file certificates should still be checked (`True`)",
            fix=_verify_builder(ctx, value, "True", kb, test_code, convention=False),
        )
    return ctx.finding(
        statement,
        what=f"`{text}`",
        why=_WHY[kind],
        fix=_kind_builder(ctx, kind, name, value, kb, test_code, imports),
    )


def _hostname_finding(ctx, statement, target, kb, imports, test_code):
    obj = dotted(target.expr)
    if obj is None:
        return None
    function = _function_of(statement)
    use = _context_facts(ctx, function, obj, imports)
    required = use.required or use.verifying
    if use.none_at is not None:
        return None  # reported once, with verify_mode set to CERT_NONE
    if (required and use.bundle) or use.server:
        return None  # VeNCrypt: the chain is checked against a private CA bundle
    if _context(statement, kb) in ("deployer", "http") or _for_adapter(ctx, function, obj, kb, imports):
        return None
    why = "the server's host name is not checked"
    why += (
        ", so any certificate the trust store accepts passes"
        if required
        else ", and the certificate itself only if `verify_mode` is CERT_REQUIRED"
    )
    return ctx.finding(
        statement,
        what=f"`{target.as_string()} = False`",
        why=why,
        fix=_replace_builder(ctx, statement.value, "True", test_code),
    )


def _verify_mode_finding(ctx, statement, target, kb, imports, test_code):
    obj = dotted(target.expr)
    if obj is None:
        return None
    function = _function_of(statement)
    if _context_facts(ctx, function, obj, imports).server:
        return None  # a server that does not ask for client certificates
    if _context(statement, kb) in ("deployer", "http") or _for_adapter(ctx, function, obj, kb, imports):
        return None
    if _default_then_option(ctx, statement, target, kb, imports, False):
        return None
    hostname = _hostname_statement(function if function is not None else ctx.module, obj)
    where = statement
    if hostname is not None:
        # one finding for the context: its fix turns both switches back on
        first, second = sorted((ctx.document.node_span(statement), ctx.document.node_span(hostname)))
        where = Span(first.start_line, first.start_col, second.end_line, second.end_col)
    what = f"`{target.as_string()} = {statement.value.as_string()}`"
    if hostname is not None:
        what = f"`{obj}.check_hostname = False` with {what}"
    return ctx.finding(
        where,
        what=what,
        why="the server's certificate is not checked, and no option turns it on",
        fix=_context_builder(ctx, statement.value, hostname, test_code, imports),
    )


def _hostname_statement(scope, obj):
    stack = list(scope.get_children())
    while stack:
        node = stack.pop()
        if isinstance(node, _FUNCS + (nodes.ClassDef,)):
            continue
        if isinstance(node, nodes.Assign) and _is_const(node.value, False):
            for target in node.targets:
                if isinstance(target, nodes.AssignAttr) and target.attrname == "check_hostname" and dotted(target.expr) == obj:
                    return node
        stack.extend(node.get_children())
    return None


def _entry_finding(ctx, mapping, key, value, kb, imports, test_code):
    if not isinstance(key, nodes.Const) or not isinstance(key.value, str):
        return None
    name = key.value
    if _is_const(value, False) and kb.verify_name(name):
        kind, insecure = "verify", False
    elif _is_const(value, True) and kb.insecure(name):
        kind, insecure = "insecure", True
    elif name in kb.cert_reqs and _cert_none(value, imports):
        kind, insecure = "cert-none", False
    else:
        return None
    if kb.generic_name(name) and not _speaks_http(ctx, kb):
        return None
    where = _context(mapping, kb)
    if where in ("deployer", "http"):
        return None
    statement = mapping.parent
    if isinstance(statement, nodes.Assign) and statement.value is mapping:
        for target in statement.targets:
            if isinstance(target, nodes.AssignName):
                slot = f"{target.name}[{name!r}]"
                if _replaced_later(ctx, statement, slot, kb, imports, insecure):
                    return None
    text = f"{key.as_string()}: {value.as_string()}"
    if where == "no-ca" and kind == "verify":
        return ctx.finding(
            value,
            what=f"`{text}` where no CA file is set",
            why="the system trust store was meant: without a CA file certificates should still be checked (`True`)",
            fix=_verify_builder(ctx, value, "True", kb, test_code, convention=False),
        )
    return ctx.finding(
        value,
        what=f"`{text}`",
        why=_WHY[kind],
        fix=_kind_builder(ctx, kind, name, value, kb, test_code, imports),
    )


# -- incremental analysis ----------------------------------------------------------------------

# A finding reads two things from other functions' bodies: a class attribute's "default False"
# is quiet when an init method sets ``self.<attr>`` (and so is ``self.<attr> = False`` in
# ``__init__`` when ``do_setup`` sets it), and a fix names the CA-file / insecure options the
# module reads anywhere.
FACT_NODES = (nodes.AssignAttr, nodes.Attribute)


def fact(ctx, node) -> bool:
    kb = _knowledge(ctx.options)
    if isinstance(node, nodes.Attribute):
        return kb.ca_file(node.attrname) or kb.insecure(node.attrname)
    function = _function_of(node)
    if not isinstance(function, (nodes.FunctionDef, nodes.AsyncFunctionDef)) or function.name not in kb.init_methods:
        return False
    name = node.attrname
    return kb.verify_name(name) or kb.insecure(name) or name in kb.cert_reqs


# -- fixes -------------------------------------------------------------------------------------


def _fix(edits, title=TITLE):
    return Fix(title, layout.merged(edits), preferred=True, applicability=Applicability.UNSAFE)


def _replacement(ctx, node, text):
    """An edit replacing ``node`` by ``text`` that keeps the line length (the call around it
    re-wrapped if it must be), or None."""
    doc = ctx.document
    span = doc.node_span(node)
    if span.start_line != span.end_line:
        return None
    line = doc.line(span.start_line)
    new_line = line[: span.start_col] + text + line[span.end_col :]
    if layout.fits(doc, [new_line], ctx.line_length, replaced=(span.start_line, span.start_line)):
        return Edit(span, text)
    call = node.parent.parent if isinstance(node.parent, nodes.Keyword) else node.parent
    if isinstance(call, nodes.Call):
        wrapped = layout.wrapped_call(doc, call, span, text, ctx.line_length)
        if wrapped is not None:
            return Edit(*wrapped)
    return None


def _replace_builder(ctx, node, text, test_code):
    def build():
        if test_code:
            return ()
        edit = _replacement(ctx, node, text)
        return () if edit is None else (_fix([edit]),)

    return build


def _verify_builder(ctx, value, plain, kb, test_code, convention: bool):
    """``verify=False`` -> ``verify=<ca_file> or not <insecure>`` when the module reads such a
    pair of options (and ``convention``), else ``verify=True``."""

    def build():
        if test_code:
            return ()
        edit = None
        if convention:
            options = _options_at(ctx, kb, value)
            if options is not None:
                edit = _replacement(ctx, value, f"{options[0]} or not {options[1]}")
        if edit is None:
            edit = _replacement(ctx, value, plain)
        return () if edit is None else (_fix([edit]),)

    return build


def _insecure_builder(ctx, value, kb, test_code):
    def build():
        if test_code:
            return ()
        options = _options_at(ctx, kb, value)
        edit = _replacement(ctx, value, options[1]) if options is not None else None
        if edit is None:
            edit = _replacement(ctx, value, "False")
        return () if edit is None else (_fix([edit]),)

    return build


def _cert_required_builder(ctx, value, test_code, imports):
    def build():
        if test_code:
            return ()
        if isinstance(value, nodes.Const):
            quote = ctx.document.text_of(ctx.document.node_span(value))[:1]
            if quote not in ("'", '"'):
                return ()
            word = "REQUIRED" if value.value.upper() == "NONE" else "CERT_REQUIRED"
            edit = _replacement(ctx, value, f"{quote}{word}{quote}")
            return () if edit is None else (_fix([edit]),)
        plan = ImportPlan(ctx)
        text = _required_text(value, imports, plan)
        edit = _replacement(ctx, value, text)
        return () if edit is None else (_fix([edit, *plan.edits()]),)

    return build


def _required_text(value, imports, plan) -> str:
    if isinstance(value, nodes.Attribute) and value.attrname == "CERT_NONE":
        return f"{value.expr.as_string()}.CERT_REQUIRED"
    return plan.ref("ssl", "CERT_REQUIRED", value)


def _context_builder(ctx, value, hostname, test_code, imports):
    """``verify_mode = CERT_NONE`` -> ``CERT_REQUIRED`` (and its ``check_hostname = False``
    -> ``True``, which the ssl module requires to come after)."""

    def build():
        if test_code:
            return ()
        plan = ImportPlan(ctx)
        edits = [_replacement(ctx, value, _required_text(value, imports, plan))]
        if hostname is not None:  # True before or after CERT_REQUIRED: both orders are valid
            edits.append(_replacement(ctx, hostname.value, "True"))
        if any(e is None for e in edits):
            return ()
        return (_fix([*edits, *plan.edits()]),)

    return build


def _unverified_builder(ctx, call, test_code):
    """``ssl._create_unverified_context()`` -> ``ssl.create_default_context()`` when the call
    passes nothing ``create_default_context`` does not take (a CA bundle is kept)."""

    def build():
        if test_code or not isinstance(call.func, nodes.Attribute) or call.args:
            return ()
        if any(k.arg not in ("cafile", "capath", "cadata") for k in call.keywords or ()):
            return ()
        edit = _replacement(ctx, call.func, f"{call.func.expr.as_string()}.create_default_context")
        return () if edit is None else (_fix([edit]),)

    return build


def _session_builder(ctx, call, has_cacert, kb, test_code):
    def build():
        if test_code:
            return ()
        options = _options_at(ctx, kb, call)
        if options is not None:
            extra = (f"insecure={options[1]}",) if has_cacert else (f"cacert={options[0]}", f"insecure={options[1]}")
        else:
            extra = ("insecure=False",)
        edit = _added_arguments(ctx, call, extra)
        return () if edit is None else (_fix([edit]),)

    return build


def _handle_builder(ctx, call, kb, test_code):
    def build():
        if test_code:
            return ()
        options = _options_at(ctx, kb, call)
        value = f"{options[0]} or not {options[1]}" if options is not None else "True"
        edit = _added_arguments(ctx, call, (f"cacerts={value}",))
        return () if edit is None else (_fix([edit]),)

    return build


def _end(document, node) -> tuple[int, int]:
    span = document.node_span(node)
    return (span.end_line, span.end_col)


def _added_arguments(ctx, call, extra) -> Edit | None:
    """The call with keyword arguments ``extra`` added after its last argument: on the same
    line when it fits, else the call re-wrapped, else on new lines under the last argument."""
    doc = ctx.document
    arguments = [*call.args, *(call.keywords or ())]
    last = max(arguments, key=lambda n: _end(doc, n)) if arguments else None
    if last is not None:
        end = doc.node_span(last)
        point = Span(end.end_line, end.end_col, end.end_line, end.end_col)
        line = doc.line(end.end_line)
        addition = ", " + ", ".join(extra)
        if layout.fits(doc, [line[: end.end_col] + addition + line[end.end_col :]], ctx.line_length):
            return Edit(point, addition)
    wrapped = layout.wrapped_call(doc, call, None, "", ctx.line_length, extra=extra)
    if wrapped is not None:
        return Edit(*wrapped)
    if last is None:
        return None
    start = doc.node_span(last)
    first = doc.line(start.start_line)
    if first[: start.start_col].strip():
        return None  # the last argument does not start its line: no indentation to copy
    indent = first[: start.start_col]
    lines = [indent + text + ("," if i < len(extra) - 1 else "") for i, text in enumerate(extra)]
    if not layout.fits(doc, lines, ctx.line_length):
        return None
    return Edit(point, "," + doc.newline + doc.newline.join(lines))


def _flag_builder(ctx, value, element, kb, test_code):
    """Drop the TLS-off flag from an option's default (the element of a list, the word of a
    string)."""

    def build():
        if test_code:
            return ()
        doc = ctx.document
        if isinstance(value, (nodes.List, nodes.Tuple)) and element in value.elts:
            kept = []
            for elt in value.elts:
                if elt is element:
                    continue
                text = doc.text_of(doc.node_span(elt))
                if "\n" in text:
                    return ()
                kept.append(text)
            span = doc.node_span(value)
            if layout.span_has_comment(doc, span):
                return ()
            open_, close = ("[", "]") if isinstance(value, nodes.List) else ("(", ")")
            body = ", ".join(kept)
            if isinstance(value, nodes.Tuple) and len(kept) == 1:
                body += ","
            edit = _replacement_span(ctx, span, open_ + body + close)
        else:
            span = doc.node_span(element)
            source = doc.text_of(span)
            quote = source[:1]
            if quote not in ("'", '"') or source.count(quote) != 2 or "\\" in source or not source.endswith(quote):
                return ()
            inner = source[1:-1]
            kept = " ".join(t for t in inner.split() if t.lower() not in kb.flags)
            edit = _replacement_span(ctx, span, quote + kept + quote)
        return () if edit is None else (_fix([edit], "Remove the TLS-off flag from the default"),)

    return build


def _replacement_span(ctx, span, text):
    doc = ctx.document
    first = doc.line(span.start_line)
    last = doc.line(span.end_line)
    new_line = first[: span.start_col] + text + last[span.end_col :]
    if not layout.fits(doc, [new_line], ctx.line_length, replaced=(span.start_line, span.end_line)):
        return None
    return Edit(span, text)
