"""oslo.config options that hold secrets: unmarked ones (NOVA012) and secret ones that are also
mutable (NOVA013).

``ConfigOpts.log_opt_values()`` writes every registered option to the log at service start and
prints ``****`` only for options declared ``secret=True``; ``mutate_config_files()`` (SIGHUP)
logs ``Option g.o changed from [old] to [new]`` at INFO for every mutable option that changed,
whatever its ``secret`` flag.

NOVA012 judges an option by its literal name (tokens split on ``_`` and ``-``):

- a credential-URL name (``connection``, ``transport_url``...) holds ``user:password@``,
  unless its default or help says it is an OVSDB endpoint (``tcp:``, ``unix:``, "OVSDB");
- a name ending in a metadata word (``_file``, ``_uuid``, ``_regex``, ``_attribute``...) names
  something about a secret, not the secret;
- a secret suffix (``private_key``, ``client_secret``...), a secret token (``password``,
  ``token``, ``key``, ``jwt``...) or a glued one (``sourcetoken``) makes it secret-bearing,
  unless the help text says the value is a file, path, directory, entry point or plugin module
  (and, for names ending in ``key``, a certificate or PEM);
- a name in ``secret-options`` (secrets under innocent names, such as a dict of a back end's
  connection details) always is.

Only string-like constructors count, and ``Opt`` / ``ListOpt`` whose ``type=`` /
``item_type=`` is numeric or boolean does not.  The fix inserts ``secret=True`` (SAFE: only
how the value is logged changes).  NOVA013 has no fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from astroid import nodes

from nova_lsp.checks import layout
from nova_lsp.checks.config_options import UNKNOWN, OptionCall, option_calls, text_of
from nova_lsp.checks.tree import dotted
from nova_lsp.core.model import Applicability, Edit, Fix, Span

_SPLIT = re.compile(r"[_\-]+")


@dataclass(frozen=True)
class _Names:
    tokens: frozenset
    glued: tuple
    suffixes: tuple  # tuples of tokens
    urls: frozenset
    values: frozenset
    key_names: frozenset
    help_markers: re.Pattern
    key_help_markers: re.Pattern
    key_secret_help: re.Pattern
    endpoint: re.Pattern
    listed: frozenset
    non_string_types: frozenset


def _regex(patterns) -> re.Pattern:
    joined = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(joined or r"(?!x)x", re.IGNORECASE)


def _names(options) -> _Names:
    keys = (
        "secret-tokens", "glued-secret-words", "secret-suffixes", "credential-url-names",
        "value-suffixes", "key-qualifiers", "key-secret-help-patterns", "help-marker-patterns",
        "key-help-marker-patterns",
        "endpoint-patterns", "secret-options", "non-string-types",
    )
    return _compile(tuple(tuple(options[k]) for k in keys))


@lru_cache(maxsize=16)
def _compile(values) -> _Names:
    tokens, glued, suffixes, urls, value_words, key_names, key_secret, helps, key_helps, endpoint, listed, types = values
    return _Names(
        tokens=frozenset(t.lower() for t in tokens),
        glued=tuple(g.lower() for g in glued),
        suffixes=tuple(tuple(t for t in _SPLIT.split(s.lower()) if t) for s in suffixes),
        urls=frozenset(u.lower() for u in urls),
        values=frozenset(v.lower().lstrip("_-") for v in value_words),
        key_names=frozenset(k.lower().lstrip("_-") for k in key_names),
        help_markers=_regex(helps),
        key_help_markers=_regex(key_helps),
        key_secret_help=_regex(key_secret),
        endpoint=_regex(endpoint),
        listed=frozenset(listed),
        non_string_types=frozenset(types),
    )


def _tokens(name: str) -> list[str]:
    return [t for t in _SPLIT.split(name.lower()) if t]


def secret_kind(opt: OptionCall, kb: _Names) -> str | None:
    """What makes a (non-secret) option secret-bearing, as words for the message; None when
    its name and help say it holds no secret.  The last word of the name decides (after
    value words such as ``_value``): ``client_password`` is a password, ``token_endpoint`` an
    endpoint, ``rbd_secret_uuid`` a UUID."""
    if (opt.name and opt.name in kb.listed) or (opt.name_ref and opt.name_ref.rsplit(".", 1)[-1] in kb.listed):
        return "secrets under an innocent name (listed in `secret-options`)"
    if not opt.name:
        return None
    if _typed_not_string(opt, kb):
        return None
    name = opt.name.lower()
    if name in kb.urls:
        default = text_of(opt.keywords.get("default"))
        if kb.endpoint.search(default) or kb.endpoint.search(opt.help):
            return None
        return "a URL that can embed `user:password@`"
    tokens = _tokens(name)
    while len(tokens) > 1 and tokens[-1] in kb.values:
        tokens.pop()
    if not tokens:
        return None
    head = tokens[-1]
    kind = None
    for suffix in kb.suffixes:
        if suffix and tuple(tokens[-len(suffix) :]) == suffix:
            kind = f"a secret (`{'_'.join(suffix)}`)"
            break
    if kind is None and head in kb.tokens:
        kind = f"a secret (`{head}`)"
    if kind is None and any(head.endswith(word) and head != word for word in kb.glued):
        kind = f"a secret (`{head}`)"
    if kind is None:
        return None
    text = opt.help
    if kind == "a secret (`key`)" and not _secret_key(tokens, text, kb):
        return None
    if text and kb.help_markers.search(text):
        return None
    if text and head == "key" and kb.key_help_markers.search(text):
        return None
    return kind


def _secret_key(tokens, text: str, kb: _Names) -> bool:
    """A name ending in ``key`` holds a key only when the word before says which kind
    (``encryption_key``, ``access_key``) or the help speaks of secrecy, encryption or
    authentication: ``scope_key``, ``project_id_key`` and ``metadata_key`` name a key of a
    mapping, ``ssh_key`` usually a key file."""
    if len(tokens) > 1 and tokens[-2] in kb.key_names:
        return True
    return bool(text) and bool(kb.key_secret_help.search(text))


def _typed_not_string(opt: OptionCall, kb: _Names) -> bool:
    """``Opt('x', type=types.Integer())``, ``ListOpt('x', item_type=types.Boolean())``."""
    for keyword in ("type", "item_type"):
        node = opt.keywords.get(keyword)
        if node is None:
            continue
        func = node.func if isinstance(node, nodes.Call) else node
        name = dotted(func) or ""
        if name.rsplit(".", 1)[-1] in kb.non_string_types:
            return True
    return False


# -- NOVA012 -----------------------------------------------------------------------------------


def _unmarked(ctx):
    kb = _names(ctx.options)
    for opt in option_calls(ctx, tuple(ctx.options["constructors"])):
        if opt.star_kwargs:
            continue  # ``secret`` may come in ``**kwargs``
        secret = opt.literal("secret")
        if secret is True or secret is UNKNOWN or (secret is not None and secret is not False):
            continue
        kind = secret_kind(opt, kb)
        if kind is None:
            continue
        declared = "declared `secret=False`" if secret is False else "not declared `secret=True`"
        yield ctx.finding(
            opt.name_node,
            fix=_builder(ctx, opt),
            option=opt.name or opt.name_ref,
            holds=kind,
            declared=declared,
        )


def _builder(ctx, opt: OptionCall):
    def build():
        edits = _secret_edits(ctx, opt)
        if edits is None:
            return ()
        return (Fix(ctx.rule.fix, tuple(edits), preferred=True, applicability=Applicability.SAFE),)

    return build


def _secret_edits(ctx, opt: OptionCall) -> list[Edit] | None:
    """``secret=True`` in the call, in the call's own layout: a line of its own before the
    first keyword that starts a line (``help=`` preferred) for a call written one argument a
    line, else after the name (or the last positional argument) on its line; ``secret=False``
    becomes ``secret=True``."""
    doc = ctx.document
    call = opt.call
    limit = ctx.line_length
    existing = opt.keywords.get("secret")
    if existing is not None:
        span = doc.node_span(existing)
        if doc.text_of(span) != "False":
            return None
        return [Edit(span, "True")]
    positional_end = None
    for arg in call.args:
        positional_end = doc.node_span(arg)
    keywords = [kw for kw in call.keywords or ()]
    own_line = [kw for kw in keywords if kw.arg is not None and layout.starts_line(doc, kw)]
    if positional_end is not None:
        own_line = [kw for kw in own_line if (doc.node_span(kw).start_line, doc.node_span(kw).start_col) > (positional_end.end_line, positional_end.end_col)]
    chosen = next((kw for kw in own_line if kw.arg == "help"), own_line[0] if own_line else None)
    if chosen is not None:
        span = doc.node_span(chosen)
        prefix = doc.line(span.start_line)[: span.start_col]
        line = prefix + "secret=True,"
        if layout.fits(doc, [line], limit):
            return [layout.insert_lines_before(doc, span.start_line, [line])]
        return None
    # one line (or arguments sharing lines): after the name or the last positional argument
    anchor = positional_end
    if anchor is None:
        name_kw = next((kw for kw in keywords if kw.arg == "name"), None)
        if name_kw is None:
            return None
        anchor = doc.node_span(name_kw)
    at = Span(anchor.end_line, anchor.end_col, anchor.end_line, anchor.end_col)
    text = doc.line(anchor.end_line)
    new_line = text[: anchor.end_col] + ", secret=True" + text[anchor.end_col :]
    if layout.fits(doc, [new_line], limit):
        return [Edit(at, ", secret=True")]
    wrapped = layout.wrapped_call(doc, call, None, "", limit, extra=("secret=True",))
    return None if wrapped is None else [Edit(*wrapped)]


# -- NOVA013 -----------------------------------------------------------------------------------


def _mutable(ctx):
    for opt in option_calls(ctx, tuple(ctx.options["constructors"])):
        if opt.literal("secret") is not True or opt.literal("mutable") is not True:
            continue
        keyword = next(kw for kw in opt.call.keywords if kw.arg == "mutable")
        yield ctx.finding(keyword, option=opt.name or opt.name_ref or opt.constructor)


_REPORTS = {
    "secret-option-not-secret": _unmarked,
    "mutable-secret-option": _mutable,
}


def check(ctx):
    """The rule's own report: NOVA012 (``secret-option-not-secret``) or NOVA013
    (``mutable-secret-option``), the two rules of this module."""
    yield from _REPORTS[ctx.rule.name](ctx)
