"""Cleartext ``http://`` URLs in code (CWE-319).

Looks at string constants only (so comments, and with them license headers, never count)
and skips docstrings, local and link-local hosts, documentation domains, XML namespace
URIs, and strings that merely test for the scheme (``url.startswith("http://")``).
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

from astroid import nodes

from nova_lsp.checks.tree import is_docstring
from nova_lsp.core.model import Span

_URL = re.compile(r"http://(?P<host>\[[^\]]*\]|[^/\s'\"?#:@]*)", re.IGNORECASE)
_TEMPLATE = re.compile(r"%\(?|\{|\}")
_SCHEME_TESTS = {"startswith", "endswith", "replace", "split", "partition", "lstrip", "removeprefix", "find", "index"}
_XML_HINT = re.compile(r"xmlns|<\?xml|</?[A-Za-z_][\w:.-]*[ >/]")


@lru_cache(maxsize=16)
def _compile(allowed_hosts: tuple[str, ...], namespaces: tuple[str, ...]):
    return frozenset(h.lower() for h in allowed_hosts), tuple(n.lower() for n in namespaces)


def _is_local(host: str, allowed: frozenset[str]) -> bool:
    host = host.strip("[]").lower().rstrip(".")
    if not host:
        return False
    if host in allowed:
        return True
    for suffix in (".localhost", ".example", ".test", ".invalid", ".local"):
        if host.endswith(suffix):
            return True
    if host.split(".")[-2:-1] == ["example"] and host.rsplit(".", 1)[-1] in {"com", "org", "net"}:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_link_local or address.is_unspecified


def _tests_scheme(node) -> bool:
    """The string is an argument of ``x.startswith("http://")``-like calls or a comparison."""
    parent = node.parent
    if isinstance(parent, nodes.Call) and isinstance(parent.func, nodes.Attribute):
        return parent.func.attrname in _SCHEME_TESTS
    if isinstance(parent, (nodes.Tuple, nodes.List, nodes.Set)) and isinstance(parent.parent, nodes.Call):
        call = parent.parent
        return isinstance(call.func, nodes.Attribute) and call.func.attrname in _SCHEME_TESTS
    return isinstance(parent, nodes.Compare)


def _is_namespace_use(node, value: str, url_start: int) -> bool:
    if value[max(url_start - 1, 0) : url_start] == "{":  # ElementTree "{http://ns}tag"
        return True
    if _XML_HINT.search(value):
        return True
    parent = node.parent
    if isinstance(parent, nodes.Keyword) and (parent.arg or "").lower() in {"xmlns", "namespace", "nsmap", "ns"}:
        return True
    if isinstance(parent, nodes.Dict):  # nsmap = {"xsi": "http://..."}
        for key, val in parent.items:
            if val is node and isinstance(key, nodes.Const):
                return True
    if isinstance(parent, nodes.AssignName) or isinstance(parent, nodes.Assign):
        for target in getattr(parent, "targets", []):
            name = getattr(target, "name", "") or ""
            if "ns" == name.lower() or "namespace" in name.lower() or name.lower().endswith("_ns"):
                return True
    return False


def _is_documentation(node, keywords: frozenset[str]) -> bool:
    """Text of a documentation keyword, e.g. an oslo.config option's ``help=`` (possibly built
    with ``+`` or ``_()``): it is read by people, never fetched."""
    current = node.parent
    while isinstance(current, (nodes.BinOp, nodes.JoinedStr, nodes.Call)):
        if isinstance(current, nodes.Call) and not (isinstance(current.func, nodes.Name) and current.func.name == "_"):
            return False
        current = current.parent
    return isinstance(current, nodes.Keyword) and current.arg in keywords


def _builds_url(node, value: str) -> bool:
    """``"http://%s:%d" % (...)``, ``"http://{}".format(...)`` or ``"http://" + host``."""
    parent = node.parent
    if isinstance(parent, nodes.BinOp) and parent.op in {"%", "+"} and parent.left is node:
        return True
    if isinstance(parent, nodes.Attribute) and parent.attrname == "format":
        return True
    return "%(" in value or "%s" in value or "{" in value


def _literal_span(ctx, node, url: str) -> Span:
    span = ctx.document.node_span(node)
    if span.start_line == span.end_line:
        source = ctx.document.line(span.start_line)[span.start_col : span.end_col]
        at = source.find(url)
        if at >= 0:
            start = span.start_col + at
            return Span(span.start_line, start, span.start_line, start + len(url))
    return span


def check(ctx):
    allowed, namespaces = _compile(
        tuple(ctx.options["allowed-hosts"]), tuple(ctx.options["namespace-prefixes"])
    )
    doc_keywords = frozenset(ctx.options["documentation-keywords"])
    for node in ctx.index.of(nodes.Const):
        ctx.tick()
        value = node.value
        if not isinstance(value, str) or "http://" not in value.lower():
            continue
        if is_docstring(node) or _tests_scheme(node) or _is_documentation(node, doc_keywords):
            continue
        owner = node.parent
        if isinstance(owner, nodes.JoinedStr) and is_docstring(owner):
            continue
        for match in _URL.finditer(value):
            host = match.group("host")
            url_text = value[match.start() : match.end()]
            rest = value[match.start() :].split()[0].lower()
            if any(rest.startswith(prefix) for prefix in namespaces):
                continue
            if _is_namespace_use(node, value, match.start()):
                continue
            if host and _is_local(host, allowed):
                continue
            if host and not _TEMPLATE.search(host):
                described = f"cleartext URL `{url_text}`"
            elif isinstance(owner, nodes.JoinedStr) or _builds_url(node, value):
                described = "a URL built on cleartext `http://`"
            else:
                continue  # a bare "http://" constant that is not used to build a URL
            yield ctx.finding(_literal_span(ctx, node, url_text), what=described)
            break
