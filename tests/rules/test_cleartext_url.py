"""NOVA008 cleartext-url: hard-coded http:// endpoints, not identifiers, messages or defaults."""

from __future__ import annotations

import pytest

from helpers import run
from nova_lsp.core.model import Severity, Span

RULE = "NOVA008"


def findings(code, **kw):
    analysis = run(code, select=RULE, **kw)
    assert not analysis.errors, analysis.errors
    return [f for f in analysis.findings if f.rule == RULE]


def lines(code, **kw):
    return [f.span.start_line + 1 for f in findings(code, **kw)]


# -- flagged -------------------------------------------------------------------------------


def test_a_hard_coded_endpoint_spans_the_url():
    code = """\
        GLANCE = "http://glance.internal.cloud:9292/v2"
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING and f.cwe == (319,)
    assert f.span == Span(0, 10, 0, 38)  # `http://glance.internal.cloud`
    assert "`http://glance.internal.cloud`" in f.message


@pytest.mark.parametrize(
    "expr",
    [
        "'http://%s:%s/rest' % (host, port)",
        "'http://' + host + ':' + port",
        "f'http://{host}:{port}/api'",
        "'http://{}:{}/'.format(host, port)",
    ],
)
def test_urls_built_on_http_that_are_fetched(expr):
    code = f"""\
        import requests

        def send(host, port, password):
            url = {expr}
            LOG.debug("Calling %s", url)
            return requests.post(url, json={{"password": password}})
        """
    assert lines(code) == [4]


# -- identifiers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "NS_DATACORE_EXECUTIVE = ('http://schemas.datacontract.org/2004/07/' 'DataCore.Executive')",
        "NS_WSA = ('wsa', 'http://www.w3.org/2005/08/addressing')",
        "XMLNS_S3 = 'http://s3.amazonaws.com/doc/2006-03-01/'",
        "AUTH_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers'",
        "QEMU_NAMESPACE = 'http://qemu.example.invalid/ns/1.0'",
        "SCHEMA_LOCATION = 'http://vendor.invalid/schema.xsd'",
        "imp = Import('http://schemas.xmlsoap.org/soap/encoding/')",
        "imp.filter.add('http://vendor.invalid/2003/10/Serialization/Arrays')",
        "tag = etree.QName('http://vendor.invalid/ns', 'tag')",
        "nsmap = {'v': 'http://vendor.invalid/ns'}",
    ],
)
def test_namespaces_and_identifiers_are_never_fetched(statement):
    assert findings(statement + "\n") == []


def test_a_function_named_for_a_namespace_returns_an_identifier():
    code = """\
        class Mgmt(object):
            def get_namespace(self):
                return "http://TBD"

            def get_endpoint(self):
                return "http://mgmt.internal.cloud/v1"
        """
    assert lines(code) == [6]


# -- documentation and messages ----------------------------------------------------------------


def test_help_text_through_a_wrapper_call():
    code = '''\
        from oslo_config import cfg

        opt = cfg.URIOpt(
            "public_endpoint",
            help=utils.fmt("""
        The base public endpoint URL, for example http://server:5000/.
        """))
        other = cfg.StrOpt("x", help=_("See http://vendor.invalid/doc") + " (or https)")
        '''
    assert findings(code) == []


@pytest.mark.parametrize(
    "statement",
    [
        "LOG.debug('Request: %(method)s http://%(server)s:%(port)s%(url)s', args)",
        "LOG.warning('See http://vendor.invalid/bug/1447297 for details')",
        "raise exception.Invalid('http://%s is not reachable' % host)",
        "raise exception.Invalid(reason=_('Refer to http://vendor.invalid/x'))",
    ],
)
def test_urls_inside_log_and_exception_messages(statement):
    code = f"def f(host, args):\n    {statement}\n"
    assert findings(code, dedent=False) == []


def test_a_link_only_interpolated_into_messages():
    code = """\
        def compare(self, ret):
            u = ("http://libvirt.org/html/libvirt-libvirt-host.html#"
                 "virCPUCompareResult")
            m = _("CPU doesn't have compatibility.\\n\\n%(ret)s\\n\\nRefer to %(u)s")
            LOG.error(m, {"ret": ret, "u": u})
            raise exception.InvalidCPUInfo(reason=m % {"ret": ret, "u": u})
        """
    assert findings(code) == []
    fetched = code.replace('LOG.error(m, {"ret": ret, "u": u})', "requests.get(u)")
    assert lines(fetched) == [2]


@pytest.mark.parametrize(
    "url",
    ["http://docs.openstack.org/api", "http://bugs.launchpad.net/nova/+bug/1", "http://docs.python.org/3/"],
)
def test_documentation_sites(url):
    assert findings(f"LINK = make_link('describedby', '{url}')\n") == []


def test_proxies_are_addressed_over_http():
    code = """\
        def sample():
            return dict(http_proxy="http://proxy.corp:3128")

        PROXY_URL = "http://proxy.corp:3128"
        """
    assert findings(code) == []


# -- a default scheme for scheme-less configuration ---------------------------------------------


@pytest.mark.parametrize(
    "test",
    ["'//' not in api_server", "'://' not in api_server", "not api_server.startswith('http')", "not urlparse.urlparse(api_server).scheme"],
)
def test_default_scheme_for_a_scheme_less_option(test):
    code = f"""\
        def servers(api_servers):
            for api_server in api_servers:
                if {test}:
                    api_server = 'http://' + api_server
                yield api_server
        """
    assert findings(code) == []


def test_an_unconditional_prefix_is_reported():
    code = """\
        def servers(api_servers, other):
            for api_server in api_servers:
                if '//' not in other:
                    api_server = 'http://' + api_server
                yield api_server
        """
    assert lines(code) == [4]


# -- internal protocols -----------------------------------------------------------------------


def test_internal_http_paths_silence_a_projects_own_protocol():
    code = """\
        def scout(host):
            return "http://%s:%s/recon/" % (host[0], host[1])
        """
    assert lines(code) == [2]
    opts = {"cleartext-url": {"internal-http-paths": ["test.py"]}}
    assert findings(code, rules=opts) == []
    opts = {"cleartext-url": {"extend-internal-http-paths": ["other/*"]}}
    assert lines(code, rules=opts) == [2]


def test_api_samples_are_example_data():
    code = """\
        class Alarm(object):
            @classmethod
            def sample(cls):
                return cls(ok_actions=["http://site:8000/ok"])

            def notify(self):
                return requests.post("http://site:8000/ok")
        """
    assert lines(code) == [7]
