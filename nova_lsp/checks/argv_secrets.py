"""Secrets on command lines (NOVA014 ``secret-in-argv-unmasked``, CWE-532; NOVA015
``secret-in-argv``, CWE-214).

Both read the argv analysis of ``nova_lsp.checks.argv``: every argv alternative that reaches an
execute sink, each element a template of text and holes.  A hole is a secret when the names
that describe it (the variable, then the attribute, dict key or getter it came from) say so
(options ``secret-words``, ``secret-names``, ``safe-suffixes``...); a value computed by a call
from a secret is one too, unless the call's name says it makes something else (a file, a
hash, a length).

NOVA014 renders each alternative the way ``processutils.execute`` logs it
(``' '.join(str(e) for e in cmd)``), with a plain alphanumeric sentinel for the secret and
neutral tokens for the other unknown values, runs a port of ``oslo_utils.strutils.mask_password``
over the line (the key list is the option ``mask-keys``; the patterns are the library's, from
oslo.utils 10.2.0) and reports the element when the sentinel survives.  NOVA015 reports every
secret element at all of a command that runs on this host (not the ``remote-sinks``: a
command sent over SSH runs on the array, where this host's process list does not show it).

There is no automatic fix: the remedy (stdin, an owner-only file, a spelling the tool and
``mask_password`` both accept) depends on the program being run.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import lru_cache

from astroid import nodes

from nova_lsp.checks import argv
from nova_lsp.checks.tree import dotted, import_map, qualified
from nova_lsp.core.model import Related, Span

_SENTINEL = "S3NT1NEL"
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


# -- mask_password, as oslo.utils 10.2.0 has it ----------------------------------------------------

_FORMAT_PATTERNS_1 = [r"(%(key)s[0-9]*\s*[=]\s*)[^\s^\'^\"]+"]
_FORMAT_PATTERNS_2 = [
    r"(%(key)s[0-9]*\s*[=]\s*[\"\'])[^\"\']*([\"\'])",
    r"(%(key)s[0-9]*\s*[=]\s*[\"])[^\"]*([\"])",
    r"(%(key)s[0-9]*\s*[=]\s*[\'])[^\']*([\'])",
    r"(%(key)s[0-9]*\s+[\"\'])[^\"\']*([\"\'])",
    r"([-]{2}%(key)s[0-9]*\s+)[^\'^\"^=^\s]+([\s]*)",
    r"(<%(key)s[0-9]*>)[^<]*(</%(key)s[0-9]*>)",
    r"([\"\']%(key)s[0-9]*[\"\']\s*:\s*[\"\'])[^\"\']*([\"\'])",
    r"([\'\"][^\"\']*%(key)s[0-9]*[\'\"]\s*:\s*u?[\'\"])[^\"\']*([\'\"])",
    r"([\'\"][^\'\"]*%(key)s[0-9]*[\'\"]\s*,\s*\'--?[A-z]+\'\s*,\s*u?[\'\"])[^\"\']*([\'\"])",
    r"(%(key)s[0-9]*\s*--?[A-z]+\s*)\S+(\s*)",
]
_FORMAT_PATTERNS_WILDCARD = [r"([\'\"][^\"\']*%(key)s[0-9]*[\'\"]\s*:\s*u?[\'\"].*[\'\"])[^\"\']*([\'\"])"]


@dataclass(frozen=True)
class _Masker:
    keys: tuple
    patterns: tuple  # per key: (key, patterns 2, patterns 1, wildcard patterns)

    def mask(self, message: str, secret: str = "***") -> str:
        """``strutils.mask_password(message)``: the same keys test, patterns and order."""
        substitute1 = r"\g<1>" + secret
        substitute2 = r"\g<1>" + secret + r"\g<2>"
        substitute_wildcard = r"\g<1>"
        for key, two, one, wild in self.patterns:
            if key in message.lower():
                for pattern in two:
                    message = pattern.sub(substitute2, message)
                for pattern in one:
                    message = pattern.sub(substitute1, message)
                for pattern in wild:
                    message = pattern.sub(substitute_wildcard, message)
        return message


@lru_cache(maxsize=8)
def masker(keys: tuple) -> _Masker:
    flags = re.DOTALL | re.IGNORECASE
    compiled = []
    for key in keys:
        key = key.lower()
        compiled.append(
            (
                key,
                tuple(re.compile(p % {"key": key}, flags) for p in _FORMAT_PATTERNS_2),
                tuple(re.compile(p % {"key": key}, flags) for p in _FORMAT_PATTERNS_1),
                tuple(re.compile(p % {"key": key}, flags) for p in _FORMAT_PATTERNS_WILDCARD),
            )
        )
    return _Masker(keys, tuple(compiled))


# -- secret names ------------------------------------------------------------------------------------

SECRET, SAFE = "secret", "safe"


@dataclass(frozen=True)
class _Names:
    words: frozenset
    names: frozenset  # word tuples
    safe_suffixes: frozenset
    safe_prefixes: frozenset
    value_suffixes: frozenset
    getters: frozenset
    opaque_words: frozenset
    opaque_calls: tuple
    cache: dict

    def classify(self, label: str) -> str | None:
        """SECRET, SAFE (a name about something else: ``password_file``, ``secret_uuid``,
        ``use_chap_auth``) or None (a name that says nothing)."""
        if label in self.cache:
            return self.cache[label]
        result = self._classify(label)
        self.cache[label] = result
        return result

    def _classify(self, label: str) -> str | None:
        found = [w.lower() for w in _WORD.findall(label) if not w.isdigit()]
        if not found:
            return None
        if len(found) > 1 and found[0] in self.safe_prefixes:
            return SAFE
        while len(found) > 1 and found[-1] in self.value_suffixes:
            found.pop()
        if found[-1] in self.safe_suffixes:
            return SAFE
        last = found[-1]
        if last in self.words or (last.endswith("s") and last[:-1] in self.words):
            return SECRET
        for size in (2, 3):
            if len(found) >= size and tuple(found[-size:]) in self.names:
                return SECRET
        if len(found) >= 2 and (found[-2] + found[-1],) in self.names:
            return SECRET
        return None

    def getter(self, label: str) -> str | None:
        """A call's name: ``get_password`` / ``_get_chap_secret`` / ``generate_password``
        name a secret, ``password`` alone too; ``write_password_file`` does not."""
        found = [w.lower() for w in _WORD.findall(label) if not w.isdigit()]
        if not found:
            return None
        if any(w in self.opaque_words for w in found):
            return SAFE
        if len(found) > 1 and found[0] in self.getters:
            return self.classify("_".join(found[1:]))
        if len(found) == 1 or found[0] not in self.getters:
            verdict = self.classify(label)
            return verdict if verdict == SECRET and len(found) <= 2 else (SAFE if verdict == SAFE else None)
        return None


def _split_names(entries) -> frozenset:
    out = set()
    for entry in entries:
        words = tuple(w.lower() for w in _WORD.findall(str(entry)))
        if words:
            out.add(words)
    return frozenset(out)


_NAME_KEYS = (
    "secret-words", "secret-names", "safe-suffixes", "safe-prefixes", "value-suffixes",
    "getter-verbs", "opaque-call-words", "opaque-calls",
)


@lru_cache(maxsize=8)
def _names_for(key) -> _Names:
    o = dict(key)
    return _Names(
        words=frozenset(w.lower() for w in o["secret-words"]),
        names=_split_names(o["secret-names"]),
        safe_suffixes=frozenset(w.lower() for w in o["safe-suffixes"]),
        safe_prefixes=frozenset(w.lower() for w in o["safe-prefixes"]),
        value_suffixes=frozenset(w.lower() for w in o["value-suffixes"]),
        getters=frozenset(w.lower() for w in o["getter-verbs"]),
        opaque_words=frozenset(w.lower() for w in o["opaque-call-words"]),
        opaque_calls=tuple(o["opaque-calls"]),
        cache={},
    )


def names(options) -> _Names:
    return _names_for(tuple((k, tuple(options[k])) for k in _NAME_KEYS))


# -- which holes are secrets ---------------------------------------------------------------------


class _Judge:
    def __init__(self, ctx, names_: _Names) -> None:
        self.names = names_
        self.imports = import_map(ctx)
        self.memo: dict = {}

    def secret(self, hole: argv.Hole) -> bool:
        if hole not in self.memo:  # holes hash by identity; the memo keeps them alive
            self.memo[hole] = False  # cycles
            self.memo[hole] = self._secret(hole, 0)
        return self.memo[hole]

    def _secret(self, hole: argv.Hole, depth: int) -> bool:
        labels = hole.labels
        if hole.call:
            call = hole.node
            written = dotted(call.func) or ""
            full = qualified(call.func, self.imports) or written
            if any(fnmatch.fnmatchcase(written, p) or fnmatch.fnmatchcase(full, p) for p in self.names.opaque_calls):
                return False
            # a variable holding the call's result names it first (`pw = lookup()`)
            for label in labels[:-1] if len(labels) > 1 else ():
                verdict = self.names.classify(label)
                if verdict is not None:
                    return verdict == SECRET
            verdict = self.names.getter(labels[-1]) if labels else None
            if verdict is not None:
                return verdict == SECRET
            if depth > 4:
                return False
            return any(self._form_secret(form, depth + 1) for forms in hole.args for form in forms)
        for label in labels:
            verdict = self.names.classify(label)
            if verdict is not None:
                return verdict == SECRET
        return False

    def _form_secret(self, form, depth: int) -> bool:
        return any(isinstance(p, argv.Hole) and self._secret(p, depth) for p in form)

    def secret_holes(self, form) -> list:
        return [p for p in form if isinstance(p, argv.Hole) and self.secret(p)]


# -- rendering ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Secret:
    """A secret element of one argv alternative."""

    part: argv.Part
    form: tuple
    hole: argv.Hole
    alt: tuple
    index: int  # of the part in the alternative


def secrets_in(judge: _Judge, alt) -> list[Secret]:
    found = []
    for index, part in enumerate(alt):
        for form in part.forms:
            for hole in judge.secret_holes(form):
                found.append(Secret(part, form, hole, alt, index))
    return found


def render(judge: _Judge, secret: Secret, display: bool = False) -> str:
    """The alternative as processutils logs it, the secret as the sentinel (``display``: as
    the message shows it, ``<secret>`` and ``…`` for values we do not know)."""
    out = []
    for index, part in enumerate(secret.alt):
        form = secret.form if index == secret.index else _plainest(judge, part)
        pieces = []
        for piece in form:
            if isinstance(piece, str):
                pieces.append(piece)
            elif piece is secret.hole:
                pieces.append("<secret>" if display else _SENTINEL)
            elif judge.secret(piece):
                pieces.append("<secret>" if display else f"S3CRET{len(out)}")
            else:
                pieces.append("…" if display else f"V{len(out) + len(pieces)}X")
        out.append("".join(pieces))
    return " ".join(out)


def _plainest(judge: _Judge, part: argv.Part):
    """The form of another element used in the rendering: the first one without secrets."""
    for form in part.forms:
        if not judge.secret_holes(form):
            return form
    return part.forms[0]


def excerpt(line: str, width: int = 64) -> str:
    """The displayed line around the secret."""
    at = max(line.find("<secret>"), 0)
    start = max(0, at - width // 2)
    end = min(len(line), at + len("<secret>") + width // 2)
    return ("…" if start > 0 else "") + line[start:end] + ("…" if end < len(line) else "")


def _label(secret: Secret, ctx) -> str:
    node = secret.hole.node
    text = node.as_string() if hasattr(node, "as_string") else ""
    if len(text) > 50 or "\n" in text:
        text = secret.hole.labels[0] if secret.hole.labels else "the value"
    return text


# -- the rules --------------------------------------------------------------------------------------


def _matches(call, sink: argv.Sink, patterns, imports) -> bool:
    written = dotted(call.func) or ""
    full = qualified(call.func, imports) or written
    return any(
        fnmatch.fnmatchcase(written, p) or fnmatch.fnmatchcase(full, p) or fnmatch.fnmatchcase(sink.name, p)
        for p in patterns
    )


def _where(secret: Secret, call):
    """The secret expression (``ss_info['ss_password']``, also where a string variable of the
    command is built: ``opts = 'user=%s,pass=%s' % (user, pw)``), else the element that
    carries it (a value unpacked from a tuple), else the call."""
    hole = secret.hole.node
    if isinstance(hole, nodes.NodeNG) and not isinstance(hole, (nodes.AssignName, nodes.Arguments)):
        return hole
    return secret.part.node if secret.part.node is not None else call


def _related(ctx, secret: Secret, node, call) -> tuple:
    """The element of the command line, when the finding points elsewhere."""
    part = secret.part.node
    if part is None or part is node or not isinstance(part, nodes.NodeNG):
        return ()
    current = node
    while current is not None and current is not part:
        current = current.parent
    if current is part:
        return ()  # the secret is written inside the element
    return (Related(ctx.document.node_span(part), "the command line gets it here"),)


_LOCAL_ADVICE = "pass it on stdin (`process_input=`) or in an owner-only file"
_REMOTE_ADVICE = "send it at the CLI's prompt over the SSH channel instead of in the command"


def _findings(ctx, unmasked: bool):
    options = ctx.options
    judge = _Judge(ctx, names(options))
    mask = masker(tuple(options["mask-keys"])) if unmasked else None
    remote = tuple(options["remote-sinks"])
    skipped = tuple(options["unlogged-sinks"]) if unmasked else remote
    imports = import_map(ctx)
    reported = set()
    for use in argv.module_flows(ctx, options).uses:
        ctx.tick()
        if _matches(use.call, use.sink, skipped, imports):
            continue
        advice = _LOCAL_ADVICE
        if unmasked and _matches(use.call, use.sink, remote, imports):
            advice = _REMOTE_ADVICE
        for alt in use.alts:
            for secret in secrets_in(judge, alt):
                node = _where(secret, use.call)
                key = id(node)
                if key in reported:
                    continue
                if unmasked:
                    line = render(judge, secret)
                    if _SENTINEL not in mask.mask(line):
                        continue
                    reported.add(key)
                    yield ctx.finding(
                        node,
                        related=_related(ctx, secret, node, use.call),
                        value=_label(secret, ctx),
                        logged=excerpt(render(judge, secret, display=True)),
                        advice=advice,
                    )
                else:
                    reported.add(key)
                    yield ctx.finding(node, related=_related(ctx, secret, node, use.call), value=_label(secret, ctx))


FACT_NODES = argv.FACT_NODES


def fact(ctx, node) -> bool:
    """The module's wrappers of sinks (NOVA014, NOVA015); NOVA016 reads no other function."""
    if ctx.rule.id == "NOVA016":
        return False
    return argv.fact(ctx, node, ctx.options)


# -- NOVA016: privsep entrypoints that return a secret --------------------------------------------


def _entrypoint_context(fn, imports) -> str | None:
    """``privileged.default`` for a function decorated ``@privileged.default.entrypoint``
    (also ``entrypoint_with_timeout(...)``), resolved through the imports."""
    decorators = fn.decorators.nodes if fn.decorators else []
    for decorator in decorators:
        target = decorator.func if isinstance(decorator, nodes.Call) else decorator
        if not isinstance(target, nodes.Attribute) or target.attrname not in ("entrypoint", "entrypoint_with_timeout"):
            continue
        return qualified(target.expr, imports) or dotted(target.expr)
    return None


def _returned_values(fn):
    """(expression, dict key or None) for what ``fn`` returns, a returned tuple, list or dict
    taken apart."""
    for ret in fn.nodes_of_class(nodes.Return, skip_klass=(nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.Lambda, nodes.ClassDef)):
        value = ret.value
        if value is None:
            continue
        if isinstance(value, (nodes.Tuple, nodes.List)):
            for element in value.elts:
                yield element, None
        elif isinstance(value, nodes.Dict):
            for key, item in value.items:
                label = key.value if isinstance(key, nodes.Const) and isinstance(key.value, str) else None
                yield item, label
        else:
            yield value, None


def _entrypoint_findings(ctx):
    options = ctx.options
    judge = _Judge(ctx, names(options))
    imports = import_map(ctx)
    quiet = tuple(options["quiet-contexts"])
    for fn in ctx.index.of(nodes.FunctionDef, nodes.AsyncFunctionDef):
        ctx.tick()
        if not fn.decorators:
            continue
        context = _entrypoint_context(fn, imports)
        if context is None or any(fnmatch.fnmatchcase(context, p) for p in quiet):
            continue
        found = None
        for value, key in _returned_values(fn):
            named = key is not None and judge.names.classify(key) == SECRET and not isinstance(value, nodes.Const)
            if named or any(judge.secret_holes(form) for form in argv.value_forms(ctx, value)):
                found = value
            if found is not None:
                break
        if found is not None:
            text = found.as_string()
            yield ctx.finding(found, entrypoint=fn.name, value=text if len(text) <= 50 else "a secret", context=context)
        elif judge.names.getter(fn.name) == SECRET:
            yield ctx.finding(_def_name_span(ctx, fn), entrypoint=fn.name, value="what its name says", context=context)


def _def_name_span(ctx, fn):
    """The function's name in its ``def`` line (astroid may put ``lineno`` on a decorator)."""
    pattern = re.compile(rf"\bdef\s+({re.escape(fn.name)})\b")
    last = (fn.body[0].lineno or fn.lineno or 1) - 1 if fn.body else (fn.lineno or 1) - 1
    for line in range((fn.lineno or 1) - 1, last + 1):
        match = pattern.search(ctx.document.line(line))
        if match:
            return Span(line, match.start(1), line, match.end(1))
    return ctx.document.node_span(fn)


_UNMASKED = {"NOVA014": True, "NOVA015": False}  # rule ids are stable


def check(ctx):
    """NOVA014 (unmasked forms), NOVA015 (any form, local processes) or NOVA016 (privsep
    replies), by the rule being run."""
    if ctx.rule.id == "NOVA016":
        yield from _entrypoint_findings(ctx)
        return
    yield from _findings(ctx, _UNMASKED[ctx.rule.id])
