"""Cleartext ``http://`` URLs in code (CWE-319).

Looks at string constants only (so comments, and with them license headers, never count)
and reports a URL that code would fetch.  Quiet on what is never fetched or is the
operator's choice:

* docstrings, documentation keywords (``help=``, also through wrappers such as
  ``help=utils.fmt("...")`` or ``help=_("...")``), local and link-local hosts, documentation
  domains, strings that merely test for the scheme (``url.startswith("http://")``);
* identifiers: XML namespaces and schema URIs (``namespace-prefixes``, ``{http://ns}tag``,
  ``xmlns=``, a dict of prefixes, a constant whose name says it is a namespace such as
  ``NS_DATACORE`` or ``XML_NAMESPACE``, a URI passed to a namespace API such as suds'
  ``Import(...)`` / ``.filter.add(...)`` or lxml's ``QName``), S3/AWS ACL group URIs;
* example data: the body of an API type's ``sample()`` (``sample-functions``);
* messages: a URL inside the text of a log call or of a raised exception, or a link held in
  a local variable that is only ever interpolated into such messages ("Refer to %(u)s");
* a default scheme for scheme-less configuration: ``'http://' + server`` under a test that
  the configured value has no scheme (``if '//' not in server``) — the operator chooses
  TLS by writing ``https://``;
* modules where plain HTTP is the project's deliberate internal protocol
  (``internal-http-paths``, empty by default; swift's node-to-node traffic, for example).
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from functools import lru_cache

from astroid import nodes

from nova_lsp.checks.tree import is_docstring, last_name
from nova_lsp.core.model import Span

_URL = re.compile(r"http://(?P<host>\[[^\]]*\]|[^/\s'\"?#:@]*)", re.IGNORECASE)
_TEMPLATE = re.compile(r"%\(?|\{|\}")
_SCHEME_TESTS = {"startswith", "endswith", "replace", "split", "partition", "lstrip", "removeprefix", "find", "index"}
_XML_HINT = re.compile(r"xmlns|<\?xml|</?[A-Za-z_][\w:.-]*[ >/]")
_NAMESPACE_WORDS = {"ns", "xmlns", "namespace", "namespaces", "nsmap", "schema", "schemas", "xsd", "xsi", "wsdl", "qname", "uri_ns"}
_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
_MESSAGE_CALLS = {"_", "gettext", "ugettext", "_LE", "_LW", "_LI", "_LC", "print"}
_FUNCS = (nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.Lambda)


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


def _is_documentation_host(host: str, doc_hosts) -> bool:
    """A site people read (``docs.openstack.org``): a link to it is never fetched by code."""
    host = host.lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in doc_hosts)


def _tests_scheme(node) -> bool:
    """The string is an argument of ``x.startswith("http://")``-like calls or a comparison."""
    parent = node.parent
    if isinstance(parent, nodes.Call) and isinstance(parent.func, nodes.Attribute):
        return parent.func.attrname in _SCHEME_TESTS
    if isinstance(parent, (nodes.Tuple, nodes.List, nodes.Set)) and isinstance(parent.parent, nodes.Call):
        call = parent.parent
        return isinstance(call.func, nodes.Attribute) and call.func.attrname in _SCHEME_TESTS
    return isinstance(parent, nodes.Compare)


def _name_words(name: str) -> set[str]:
    return {w for w in re.split(r"[_\W]+", name.lower()) if w}


def _assigned_names(node) -> list[str]:
    """Names a constant (alone, or inside a tuple/list) is assigned to, passed as (keyword)
    or returned from (the function's name)."""
    parent = node.parent
    if isinstance(parent, (nodes.Tuple, nodes.List)):
        parent = parent.parent
    if isinstance(parent, nodes.Keyword) and parent.arg:
        return [parent.arg]
    if isinstance(parent, nodes.Return):
        function = parent.scope()
        return [function.name] if isinstance(function, (nodes.FunctionDef, nodes.AsyncFunctionDef)) else []
    if isinstance(parent, (nodes.Assign, nodes.AnnAssign)):
        targets = parent.targets if isinstance(parent, nodes.Assign) else [parent.target]
        out = []
        for target in targets:
            if isinstance(target, nodes.AssignName):
                out.append(target.name)
            elif isinstance(target, nodes.AssignAttr):
                out.append(target.attrname)
        return out
    return []


def _is_namespace_use(node, value: str, url_start: int, namespace_calls) -> bool:
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
    if any(_name_words(name) & _NAMESPACE_WORDS for name in _assigned_names(node)):
        return True  # NS_DATACORE = "http://schemas...", XML_NAMESPACE = (...), get_namespace()
    call = parent.parent if isinstance(parent, nodes.Keyword) else parent
    if isinstance(call, nodes.Call) and node is not call.func:
        written = _call_text(call)
        if any(fnmatch.fnmatchcase(written, pattern) for pattern in namespace_calls):
            return True
    return False


def _call_text(call) -> str:
    func = call.func
    parts = []
    while isinstance(func, nodes.Attribute):
        parts.append(func.attrname)
        func = func.expr
    if isinstance(func, nodes.Name):
        parts.append(func.name)
    else:
        parts.append("?")
    return ".".join(reversed(parts))


def _is_documentation(node, keywords: frozenset[str]) -> bool:
    """Text of a documentation keyword, e.g. an oslo.config option's ``help=`` (possibly built
    with ``+``, f-strings or wrapped in a call such as ``_()`` or ``utils.fmt()``): it is read
    by people, never fetched."""
    current = node.parent
    while isinstance(current, (nodes.BinOp, nodes.JoinedStr, nodes.Call, nodes.FormattedValue)):
        if isinstance(current, nodes.Call) and current.func is node:
            return False
        node, current = current, current.parent
    return isinstance(current, nodes.Keyword) and current.arg in keywords


# -- messages ------------------------------------------------------------------------------


def _is_log_call(call) -> bool:
    return isinstance(call.func, nodes.Attribute) and call.func.attrname in _LOG_METHODS


def _message_context(node, depth: int = 0) -> bool:
    """``node`` ends up only in the text of a log call, a raised exception or a translated
    message (through ``%``/``+``/``.format``/f-strings and the mapping or tuple of a ``%``)."""
    current = node
    parent = node.parent
    while parent is not None:
        if isinstance(parent, (nodes.BinOp, nodes.JoinedStr, nodes.FormattedValue, nodes.Tuple, nodes.List, nodes.Keyword)):
            pass
        elif isinstance(parent, nodes.Dict):
            if not any(val is current for _, val in parent.items):
                return False
        elif isinstance(parent, nodes.Attribute):
            if parent.attrname != "format" or not isinstance(parent.parent, nodes.Call):
                return False
        elif isinstance(parent, nodes.Call):
            if parent.func is current and not (isinstance(current, nodes.Attribute) and current.attrname == "format"):
                return False
            if isinstance(parent.func, nodes.Attribute) and parent.func.attrname == "format":
                pass  # "...".format(...): its receiver or one of its arguments
            elif _is_log_call(parent) or (isinstance(parent.func, nodes.Name) and parent.func.name in _MESSAGE_CALLS):
                return True
            elif isinstance(parent.parent, nodes.Raise) and parent.parent.exc is parent:
                return True
            else:
                return False
        elif isinstance(parent, nodes.Raise):
            return parent.exc is current
        elif isinstance(parent, nodes.Assign) and depth < 2 and len(parent.targets) == 1:
            target = parent.targets[0]
            if not isinstance(target, nodes.AssignName):
                return False
            return _name_only_in_messages(target, depth + 1)
        else:
            return False
        current, parent = parent, parent.parent
    return False


def _name_only_in_messages(target: nodes.AssignName, depth: int) -> bool:
    """Every read of the local ``target`` names in its function is in a message."""
    scope = target.scope()
    if not isinstance(scope, _FUNCS):
        return False
    reads = [n for n in scope.nodes_of_class(nodes.Name) if n.name == target.name]
    return bool(reads) and all(_message_context(n, depth) for n in reads)


# -- a default scheme for scheme-less configuration -----------------------------------------


def _default_scheme(node) -> bool:
    """``value = 'http://' + value`` (or ``'http://%s' % value``) inside ``if`` whose test
    says ``value`` has no scheme: ``'//' not in value``, ``not value.startswith('http')``,
    ``not urlparse(value).scheme``."""
    parent = node.parent
    if not (isinstance(parent, nodes.BinOp) and parent.op in ("+", "%") and parent.left is node):
        return False
    operand = parent.right
    if isinstance(operand, nodes.Tuple) and len(operand.elts) == 1:
        operand = operand.elts[0]
    name = operand.as_string()
    current = parent.parent
    while current is not None and not isinstance(current, _FUNCS):
        if isinstance(current, nodes.If) and _says_no_scheme(current.test, name):
            return True
        current = current.parent
    return False


def _says_no_scheme(test, name: str) -> bool:
    if isinstance(test, nodes.BoolOp):
        return any(_says_no_scheme(v, name) for v in test.values)
    if isinstance(test, nodes.Compare) and len(test.ops) == 1:
        op, right = test.ops[0]
        left = test.left
        if op == "not in" and isinstance(left, nodes.Const) and isinstance(left.value, str) and "//" in left.value:
            return right.as_string() == name
        return False
    if isinstance(test, nodes.UnaryOp) and test.op == "not":
        inner = test.operand
        text = inner.as_string()
        if isinstance(inner, nodes.Call) and last_name(inner.func) == "startswith":
            return inner.func.expr.as_string() == name
        if isinstance(inner, nodes.Attribute) and inner.attrname == "scheme":
            return name in text
    return False


# -- the check -----------------------------------------------------------------------------


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


def _in_sample(node, patterns) -> bool:
    """Inside an API type's ``sample()`` (WSME) or another example builder: data for the API
    reference, never used to reach anything."""
    current = node.parent
    while current is not None:
        if isinstance(current, (nodes.FunctionDef, nodes.AsyncFunctionDef)):
            if any(fnmatch.fnmatchcase(current.name, p) for p in patterns):
                return True
        current = current.parent
    return False


def _internal_path(ctx, patterns) -> bool:
    path = (ctx.document.path or "").replace("\\", "/")
    return bool(path) and any(fnmatch.fnmatchcase(path, p) or fnmatch.fnmatchcase(path, "*/" + p) for p in patterns)


def check(ctx):
    allowed, namespaces = _compile(
        tuple(ctx.options["allowed-hosts"]), tuple(ctx.options["namespace-prefixes"])
    )
    doc_keywords = frozenset(ctx.options["documentation-keywords"])
    doc_hosts = tuple(h.lower() for h in ctx.options["documentation-hosts"])
    namespace_calls = tuple(ctx.options["namespace-calls"])
    sample_functions = tuple(ctx.options["sample-functions"])
    if _internal_path(ctx, tuple(ctx.options["internal-http-paths"])):
        return
    for node in ctx.index.of(nodes.Const):
        ctx.tick()
        value = node.value
        if not isinstance(value, str) or "http://" not in value.lower():
            continue
        if is_docstring(node) or _tests_scheme(node) or _is_documentation(node, doc_keywords):
            continue
        if _in_sample(node, sample_functions):
            continue
        owner = node.parent
        if isinstance(owner, nodes.JoinedStr) and is_docstring(owner):
            continue
        message = None
        for match in _URL.finditer(value):
            host = match.group("host")
            url_text = value[match.start() : match.end()]
            rest = value[match.start() :].split()[0].lower()
            if any(rest.startswith(prefix) for prefix in namespaces):
                continue
            if _is_namespace_use(node, value, match.start(), namespace_calls):
                continue
            if host and (_is_local(host, allowed) or _is_documentation_host(host, doc_hosts)):
                continue
            if any("proxy" in _name_words(name) for name in _assigned_names(node)):
                continue  # http_proxy="http://proxy:3128": proxies are addressed over http
            if host and not _TEMPLATE.search(host):
                described = f"cleartext URL `{url_text}`"
            elif isinstance(owner, nodes.JoinedStr) or _builds_url(node, value):
                described = "a URL built on cleartext `http://`"
            else:
                continue  # a bare "http://" constant that is not used to build a URL
            if message is None:
                message = _message_context(node) or _default_scheme(node)
            if message:
                break
            yield ctx.finding(_literal_span(ctx, node, url_text), what=described)
            break
