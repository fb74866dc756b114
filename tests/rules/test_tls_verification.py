"""NOVA017 tls-verification-off and NOVA018 unverified-https-context: TLS certificate checks
turned off in code or left off by a default, and the process-wide unverified context."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from helpers import run

from nova_lsp.config import Config
from nova_lsp.core.document import Document, apply_edits
from nova_lsp.core.model import Applicability, Severity
from nova_lsp.engine.analyze import analyze
from nova_lsp.engine.fix_all import fix_text, main_fix
from nova_lsp.engine.incremental import IncrementalAnalyzer
from nova_lsp.engine.registry import load_registry

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixes"))
from fixprops import check_text
from fixprops import config as fix_config

TLS = "NOVA017"
HOOK = "NOVA018"


def findings(code, rule=TLS, path="nova/virt/driver.py", **kw):
    text = textwrap.dedent(code)
    cfg = Config().overlay({"select": [rule], **kw}, "test")
    analysis = analyze(Document(text, path), cfg.selection())
    assert not analysis.errors, analysis.errors
    return [f for f in analysis.findings if f.rule == rule]


def lines(code, rule=TLS, **kw):
    return [f.span.start_line + 1 for f in findings(code, rule, **kw)]


def fixed(code, rule=TLS, path="nova/virt/driver.py", **kw):
    """The text after applying the (only) finding's fix."""
    text = textwrap.dedent(code)
    [finding] = findings(text, rule, path=path, **kw)
    fix = main_fix(finding, unsafe=True)
    assert fix is not None, finding.message
    assert fix.applicability is Applicability.UNSAFE
    return apply_edits(text, fix.edits)


# -- C1: library defaults ---------------------------------------------------------------------


def test_a_vmware_session_without_insecure_is_reported_at_the_class_name():
    code = """\
        from oslo_vmware import api

        def session(host, user, password):
            return api.VMwareAPISession(host, user, password, 10, 0.5)
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING and f.cwe == (295,)
    assert (f.span.start_line, f.span.start_col) == (3, 11)
    assert "`VMwareAPISession(...)` without `insecure=`" in f.message
    assert "insecure=True" in f.message


def test_cacert_alone_stays_insecure_and_says_so():
    code = """\
        from oslo_vmware.api import VMwareAPISession

        def session(host, user, password, ca):
            return VMwareAPISession(host, user, password, 10, 0.5, cacert=ca)
        """
    [f] = findings(code)
    assert "`cacert` alone" in f.message


@pytest.mark.parametrize(
    "call",
    [
        "api.VMwareAPISession(host, user, password, 10, 0.5, insecure=False)",
        "api.VMwareAPISession(host, user, password, 10, 0.5, cacert=ca, insecure=insecure)",
        "api.VMwareAPISession(host, user, password, 10, 0.5, 'https', True, None, None, 443, ca, False)",
        "api.VMwareAPISession(host, user, password, 10, 0.5, scheme='http')",
        "api.VMwareAPISession(**kwargs)",
        "session.VMwareAPISession()",  # the project's own subclass
        "VMwareAPISession(host, user, password, 10, 0.5)",  # a bare name not imported from oslo
    ],
)
def test_sessions_that_pass_insecure_or_are_not_the_library_class(call):
    code = f"""\
        from oslo_vmware import api

        from nova.virt.vmwareapi import session

        def make(host, user, password, ca, insecure, kwargs):
            return {call}
        """
    assert findings(code) == []


def test_super_init_of_a_library_subclass_counts_but_not_of_other_classes():
    code = """\
        from oslo_vmware import api

        from cinder.volume import driver


        class Session(api.VMwareAPISession):
            def __init__(self, host):
                super(Session, self).__init__(host, 'u', 'p', 10, 0.5)


        class Pinned(api.VMwareAPISession):
            def __init__(self, host):
                api.VMwareAPISession.__init__(self, host, 'u', 'p', 10, 0.5, insecure=False)


        class VmdkDriver(driver.VolumeDriver):
            def __init__(self, *args, **kwargs):
                super(VmdkDriver, self).__init__(*args, **kwargs)
        """
    assert lines(code) == [8]


def test_a_session_subclass_can_be_configured():
    code = """\
        from nova.virt.vmwareapi import session

        def make():
            return session.VMwareAPISession()
        """
    assert lines(code) == []
    rules = {"tls-verification-off": {"extend-session-classes": ["nova.virt.vmwareapi.session.VMwareAPISession:4"]}}
    assert lines(code, rules=rules) == [4]


def test_file_handles_without_cacerts_but_not_pinned_or_plain_ones():
    code = """\
        from oslo_vmware import rw_handles

        def transfer(host, port, dc, ds, cookies, path, size, ca, print_):
            rw_handles.FileWriteHandle(host, port, dc, ds, cookies, path, size)
            rw_handles.FileReadHandle(host, port, dc, ds, cookies, path)
            rw_handles.FileWriteHandle(host, port, dc, ds, cookies, path, size, cacerts=ca)
            rw_handles.FileWriteHandle(host, port, dc, ds, cookies, path, size, thumbprint=print_)
            rw_handles.FileReadHandle(host, port, dc, ds, cookies, path, 'https', ca)
            rw_handles.FileWriteHandle(host, port, dc, ds, cookies, path, size, scheme='http')
            rw_handles.FileWriteHandle(host, port, dc, ds, cookies, path, size, cacerts=False)
            rw_handles.VmdkWriteHandle(host, port, dc, ds, cookies, path, size)
        """
    found = findings(code)
    assert [f.span.start_line + 1 for f in found] == [4, 5, 10]
    assert "without `cacerts=`" in found[0].message
    assert "cacerts=False)`" in found[2].message


# -- C2: option defaults ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "reported"),
    [
        ("cfg.BoolOpt('driver_ssl_cert_verify', default=False)", True),
        ("cfg.BoolOpt('dell_sc_verify_cert', default=False, help='x')", True),
        ("cfg.BoolOpt('netapp_certificate_host_validation', default=False)", True),
        ("cfg.BoolOpt('aiq_ssl_verify', default=False)", True),
        ("cfg.BoolOpt('https_insecure', default=True)", True),
        ("cfg.BoolOpt('vmware_insecure', default=True)", True),
        ("cfg.BoolOpt('skip_ssl_verification', default=True)", True),
        ("BoolOpt('nimble_verify_certificate', default=False)", True),
        ("cfg.BoolOpt(name='hpmsa_verify_certificate', default=False)", True),
        ("cfg.BoolOpt(OPT_NAME, default=False)", True),
        ("cfg.ListOpt('pull_options', default=['--tls-verify=false'])", True),
        ("cfg.StrOpt('curl_args', default='-s -k --retry 3')", True),
        ("cfg.StrOpt('wget_args', default='--no-check-certificate')", True),
        # quiet
        ("cfg.BoolOpt('driver_ssl_cert_verify', default=True)", False),
        ("cfg.BoolOpt('https_insecure', default=False)", False),
        ("cfg.BoolOpt('skip_ssl_verification', default=False)", False),
        ("cfg.BoolOpt('driver_ssl_cert_verify')", False),
        ("cfg.BoolOpt('verify_glance_signatures', default=False)", False),
        ("cfg.BoolOpt('enable_certificate_validation', default=False)", False),
        ("cfg.BoolOpt('enable_verify_bmc_clock', default=False)", False),
        ("cfg.BoolOpt('thumbprint_verify', default=False)", False),
        ("cfg.BoolOpt('use_ssl', default=False)", False),
        ("cfg.IntOpt('ssl_verify_depth', default=0)", False),
        ("cfg.StrOpt('driver_ssl_cert_path', default=None)", False),
        ("cfg.ListOpt('pull_options', default=[], help='e.g. --tls-verify=false or -k')", False),
        ("cfg.StrOpt('sort_args', default='--key=2')", False),
        ("other.BoolOpt('driver_ssl_cert_verify', default=False)", False),
    ],
)
def test_option_defaults(option, reported):
    code = f"""\
        from oslo_config import cfg
        from oslo_config.cfg import BoolOpt

        OPT_NAME = 'lenovo_verify_certificate'

        opts = [
            {option},
        ]
        """
    assert lines(code) == ([7] if reported else [])


def test_an_option_finding_spans_the_default_and_names_the_option():
    code = """\
        from oslo_config import cfg

        opts = [cfg.BoolOpt('driver_ssl_cert_verify',
                            default=False,
                            help='If set to True the certificate is checked.')]
        """
    [f] = findings(code)
    assert (f.span.start_line, f.span.start_col, f.span.end_col) == (3, 20, 33)
    assert f.message.startswith("option `driver_ssl_cert_verify` defaults to `False`")


# -- C3: verification off in code --------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "self.session.get(url, verify=False)",
        "requests.post(url, json=body, verify=False)",
        "client.RestClient(host, ssl_verify=False)",
        "client.RestClient(host, verify_ssl=False)",
        "novaclient.Client(session=sess, insecure=True)",
        "urllib3.PoolManager(cert_reqs=ssl.CERT_NONE)",
        "urllib3.PoolManager(cert_reqs='CERT_NONE')",
        "self.session.verify = False",
        "self.client.verify_ssl = False",
        "conn_args['verify'] = False",
        "self._cert_verify = False",
        "opts = {'insecure': True, 'auth_url': url}",
        "kwargs = dict(verify=False)",
        "ctx = ssl._create_unverified_context()",
        "sslctx = ssl.SSLContext(); sslctx.verify_mode = ssl.CERT_NONE",
    ],
)
def test_verification_off_with_no_option(statement):
    code = f"""\
        import ssl

        import requests
        import urllib3


        def call(self, url, body, host, sess):
            {statement}
        """
    assert lines(code) == [8]


@pytest.mark.parametrize(
    ("guard", "branch"),
    [
        ("if CONF.glance.api_insecure:", "body"),
        ("if self.insecure is True:", "body"),
        ("if conf.cinder_api_insecure and not CINDER_SESSION:", "body"),
        ("if not self.configuration.driver_ssl_cert_verify:", "body"),
        ("if not ssl_cert_verify:", "body"),
        ("if self.configuration.safe_get('san_ssl_verify') is False:", "body"),
        ("if formatted_target['SSLVerify'] == 'False':", "body"),
        ("if CONF.backup_s3_verify_ssl:", "else"),
        ("if configuration.verify_ssl:", "else"),
        ("if protocol == 'https':", "else"),
        ("if protocol != 'https':", "body"),
        ("if url.startswith('https'):", "else"),
        ("if self.use_ssl:", "else"),
        ("if self._get_client_option('neutron', 'insecure'):", "body"),
    ],
)
def test_branches_a_deployer_chose_or_without_tls_are_quiet(guard, branch):
    if branch == "body":
        inner = f"{guard}\n                self.session.verify = False"
    else:
        inner = f"{guard}\n                self.session.verify = self.ca_path\n            else:\n                self.session.verify = False"
    code = f"""\
        import requests


        def connect(self, protocol, url, conf, configuration, formatted_target, ssl_cert_verify):
            self.session = requests.Session()
            {inner}
        """
    assert findings(code) == []


def test_a_positive_verify_guard_does_not_excuse_turning_it_off():
    code = """\
        import requests


        def connect(self):
            if self.configuration.driver_ssl_cert_verify:
                self.session.verify = False
        """
    assert lines(code) == [6]


def test_an_https_branch_is_not_a_plain_http_branch():
    code = """\
        import requests


        def connect(self, protocol, url):
            if protocol == 'https':
                return requests.get(url, verify=False)
            return requests.get(url)
        """
    assert lines(code) == [6]


def test_a_default_false_replaced_later_is_quiet_but_not_one_replaced_before():
    code = """\
        import requests


        def quiet(self):
            verify_cert = False
            if self.verify_certificate:
                verify_cert = self.certificate_path
            return verify_cert


        def reported(self):
            verify_cert = self.certificate_path
            verify_cert = False
            return requests.get(self.url, verify=verify_cert)
        """
    assert lines(code) == [13]


def test_class_and_init_attributes_set_from_an_option_in_an_init_method():
    code = """\
        import requests


        class Client(object):
            verify = False
            insecure = True

            def __init__(self, verify):
                self.verify = verify
                self.session_verify = False

            def do_setup(self, context):
                self.session_verify = self.configuration.driver_ssl_cert_verify


        class Other(object):
            verify = False
        """
    assert lines(code) == [6, 17]


def test_parameter_defaults_and_the_convention_are_quiet():
    code = """\
        import requests
        from oslo_config import cfg

        CONF = cfg.CONF


        class Client(object):
            def __init__(self, host, verify=False, cert_verify=False, insecure=True):
                self.verify = CONF.array.ca_file or not CONF.array.insecure
                self.session = requests.Session()
                self.session.verify = self.verify
        """
    assert findings(code) == []


def test_plain_http_urls_and_non_tls_verify_are_quiet():
    code = """\
        import jwt
        import requests


        def scrape(token, key, listing):
            requests.get('http://127.0.0.1:9100/metrics', verify=False)
            requests.get(f'http://{host}/status', verify=False)
            jwt.decode(token, key, verify=False)
        """
    assert findings(code) == []


def test_a_bare_verify_needs_http_in_the_module_or_the_callee():
    # swift's `get_ondisk_files(..., verify=False)` checks a file listing
    code = """\
        import os


        def cleanup(self, files, path):
            return self.manager.get_ondisk_files(files, path, verify=False)


        def connect(self, host):
            return self.rest_client.connect(host, verify=False)


        def checked(self, path):
            return self.read(path, ssl_verify=False)
        """
    assert lines(code) == [9, 13]


def test_check_hostname_off():
    code = """\
        import ssl


        def hostname_only(sock):
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            return ctx.wrap_socket(sock)


        def vencrypt(sock, ca):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.load_verify_locations(cafile=ca)
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.check_hostname = False
            return ctx.wrap_socket(sock)


        def private_bundle(sock, ca):
            ctx = ssl.create_default_context(cafile=ca)
            ctx.check_hostname = False
            return ctx.wrap_socket(sock)
        """
    [f] = findings(code)
    assert f.span.start_line + 1 == 6
    assert "any certificate the trust store accepts passes" in f.message


def test_a_context_for_a_requests_adapter_is_quiet():
    code = """\
        import ssl

        import requests
        from requests import adapters


        class Adapter(adapters.HTTPAdapter):
            pass


        def stream(url, verify):
            session = requests.Session()
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            session.mount('https://', Adapter(ssl_context=ctx))
            return session.get(url, verify=verify)
        """
    assert findings(code) == []


def test_one_finding_for_a_context_with_both_switches_off():
    code = """\
        import ssl


        def raw(sock):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return ctx.wrap_socket(sock)
        """
    [f] = findings(code)
    assert (f.span.start_line, f.span.end_line) == (5, 6)
    assert fixed(code).splitlines()[5:7] == [
        "    ctx.check_hostname = True",
        "    ctx.verify_mode = ssl.CERT_REQUIRED",
    ]


def test_the_process_wide_hook_is_not_reported_twice():
    code = """\
        import ssl

        ssl._create_default_https_context = lambda: ssl._create_unverified_context()
        """
    assert findings(code) == []
    assert lines(code, rule=HOOK) == [3]


# -- C5: no CA file, no verification ------------------------------------------------------------


def test_verify_false_where_no_ca_file_is_set():
    code = """\
        import requests


        def get(self, url, ca_file):
            if ca_file:
                return requests.get(url, verify=ca_file)
            else:
                return requests.get(url, verify=False)


        def also(self, url):
            if not self.conf.ca_file:
                self.session.verify = False
        """
    found = findings(code)
    assert [f.span.start_line + 1 for f in found] == [8, 13]
    assert all("where no CA file is set" in f.message for f in found)
    assert "verify=True" in fixed(textwrap.dedent(code).split("\n\n\ndef also")[0] + "\n")


def test_a_verify_option_beside_the_ca_file_is_the_deployers_choice():
    code = """\
        import requests


        def get(self, url):
            if self.conf.ssl_verify and self.conf.ca_file:
                return requests.get(url, verify=self.conf.ca_file)
            elif not self.conf.ssl_verify:
                return requests.get(url, verify=False)
            return requests.get(url)
        """
    assert findings(code) == []


# -- fixes ------------------------------------------------------------------------------------


def test_session_fix_uses_the_modules_options_when_it_reads_both():
    code = """\
        from oslo_config import cfg
        from oslo_vmware import api

        CONF = cfg.CONF


        def session():
            return api.VMwareAPISession(CONF.vmware.host_ip, 'u', 'p', 10, 0.5)


        def options():
            return CONF.vmware.ca_file, CONF.vmware.insecure
        """
    assert "api.VMwareAPISession(CONF.vmware.host_ip, 'u', 'p', 10, 0.5,\n" in fixed(code)
    assert "cacert=CONF.vmware.ca_file,\n" in fixed(code)
    assert "insecure=CONF.vmware.insecure)" in fixed(code)


def test_session_fix_without_options_and_with_cacert():
    code = """\
        from oslo_vmware import api


        def session(ca):
            return api.VMwareAPISession('h', 'u', 'p', 10, 0.5, cacert=ca)
        """
    assert "cacert=ca,\n                                insecure=False)" in fixed(code)


def test_handle_fix_and_verify_fix_follow_the_convention():
    code = """\
        from oslo_config import cfg
        from oslo_vmware import rw_handles

        CONF = cfg.CONF
        ca, insecure = CONF.vmware.ca_file, CONF.vmware.insecure


        def upload(host, port, dc, ds, cookies, path, size):
            return rw_handles.FileWriteHandle(host, port, dc, ds, cookies,
                                              path, size)
        """
    assert "cacerts=CONF.vmware.ca_file or not CONF.vmware.insecure" in fixed(code)
    code = """\
        import requests
        from oslo_config import cfg

        CONF = cfg.CONF


        def get(url):
            LOG.debug('%s %s', CONF.zvm.ca_file, CONF.zvm.insecure)
            return requests.get(url, verify=False)
        """
    assert "verify=CONF.zvm.ca_file or not CONF.zvm.insecure)" in fixed(code)


def test_an_ambiguous_pair_of_options_gives_the_plain_fix():
    code = """\
        import requests
        from oslo_config import cfg

        CONF = cfg.CONF
        both = (CONF.a.ca_file, CONF.a.insecure, CONF.b.ca_file, CONF.b.insecure)


        def get(url):
            return requests.get(url, verify=False)
        """
    assert "verify=True)" in fixed(code)


def test_option_default_fixes():
    code = """\
        from oslo_config import cfg

        opts = [cfg.StrOpt('curl_args', default='-s -k --retry 3')]
        """
    assert "default='-s --retry 3'" in fixed(code)
    code = """\
        from oslo_config import cfg

        opts = [cfg.ListOpt('pull', default=('--quiet', '--insecure'))]
        """
    assert "default=('--quiet',)" in fixed(code)


def test_cert_none_fixes_keep_the_spelling():
    code = """\
        import ssl as _ssl

        import urllib3


        def pool():
            return urllib3.PoolManager(cert_reqs=_ssl.CERT_NONE)
        """
    assert "cert_reqs=_ssl.CERT_REQUIRED" in fixed(code)
    code = """\
        from ssl import CERT_NONE

        import urllib3


        def pool():
            return urllib3.PoolManager(cert_reqs=CERT_NONE)
        """
    out = fixed(code)
    assert "cert_reqs=CERT_REQUIRED" in out and "from ssl import CERT_REQUIRED" in out


def test_fixes_keep_the_line_length():
    code = """\
        import requests
        from oslo_config import cfg

        CONF = cfg.CONF
        pair = CONF.backend_group.driver_ca_file, CONF.backend_group.driver_insecure


        class Client(object):
            def get(self, url, headers):
                return self.session.get(url, headers=headers, verify=False)
        """
    out = fixed(code)
    assert all(len(line) <= 79 for line in out.splitlines()[7:]), out
    assert "CONF.backend_group.driver_ca_file or not CONF.backend_group.driver_insecure" not in out.splitlines()[9]


def test_no_fix_in_test_code_and_never_with_safe_fixes():
    code = """\
        import requests


        def get(url):
            return requests.get(url, verify=False)
        """
    [f] = findings(code, path="nova/tests/unit/test_client.py")
    assert [fix.kind.value for fix in f.fixes] == ["suppress"] and main_fix(f, unsafe=True) is None
    text = textwrap.dedent(code)
    cfg = Config().overlay({"select": [TLS]}, "test")
    assert fix_text(text, "nova/client.py", cfg.selection()).text == text
    assert "verify=True" in fix_text(text, "nova/client.py", cfg.selection(), unsafe=True).text


# -- NOVA018 -----------------------------------------------------------------------------------


def test_the_hook_through_every_alias():
    code = """\
        import ssl
        import ssl as _ssl
        from ssl import _create_unverified_context as unverified

        sslmod = ssl

        ssl._create_default_https_context = ssl._create_unverified_context
        _ssl._create_default_https_context = unverified
        sslmod._create_default_https_context = unverified
        setattr(ssl, '_create_default_https_context', unverified)
        other._create_default_https_context = unverified
        """
    found = findings(code, rule=HOOK)
    assert [f.span.start_line + 1 for f in found] == [7, 8, 9, 10]
    assert found[0].severity is Severity.ERROR and found[0].cwe == (295,)
    assert "`ssl._create_unverified_context`" in found[0].message


def test_the_hook_is_reported_even_under_an_insecure_option():
    code = """\
        import ssl

        from oslo_config import cfg

        CONF = cfg.CONF


        def setup():
            if CONF.array.insecure:
                ssl._create_default_https_context = ssl._create_unverified_context
            connect()
        """
    assert lines(code, rule=HOOK) == [10]
    assert "        pass\n" in fixed(code, rule=HOOK)


def test_the_hook_fix_deletes_the_statement():
    code = """\
        import ssl

        ssl._create_default_https_context = ssl._create_unverified_context
        LOG = None
        """
    assert fixed(code, rule=HOOK) == "import ssl\n\nLOG = None\n"


# -- incremental analysis ----------------------------------------------------------------------

MODULE = '''\
import requests
from oslo_config import cfg
from oslo_vmware import api

CONF = cfg.CONF


class Client(object):
    verify = False

    def __init__(self, verify):
        self.verify = verify

    def session(self):
        return api.VMwareAPISession('h', 'u', 'p', 10, 0.5)

    def get(self, url):
        return requests.get(url, verify=False)

    def options(self):
        return CONF.vmware.ca_file, CONF.vmware.insecure
'''


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("        self.verify = verify\n", "        self.other = verify\n"),
        ("        return CONF.vmware.ca_file, CONF.vmware.insecure\n", "        return None\n"),
        ("        return requests.get(url, verify=False)\n", "        return requests.get(url, verify=False, timeout=3)\n"),
        ("        return api.VMwareAPISession('h', 'u', 'p', 10, 0.5)\n", "        return api.VMwareAPISession('h', 'u', 'p', 10, 1)\n"),
    ],
)
def test_incremental_analysis_matches_a_whole_one(old, new):
    cfg = Config().overlay({"select": [TLS]}, "test").selection()
    analyzer = IncrementalAnalyzer()
    path = "nova/virt/client.py"
    first = analyzer.analyze(Document(MODULE, path), cfg)
    assert first == analyze(Document(MODULE, path), cfg)
    edited = MODULE.replace(old, new)
    assert edited != MODULE
    got = analyzer.analyze(Document(edited, path), cfg)
    assert got == analyze(Document(edited, path), cfg)
    back = analyzer.analyze(Document(MODULE, path), cfg)
    assert back == first


def test_rule_examples_run_with_every_rule():
    # the examples stay quiet or flagged the same way when all rules run
    text = textwrap.dedent(
        """\
        import requests


        def get(url):
            return requests.get(url, verify=False)
        """
    )
    analysis = run(text, select=["ALL"], dedent=False)
    assert [f.rule for f in analysis.findings if f.rule in (TLS, HOOK)] == [TLS]


# -- fix properties (tests/fixes/fixprops: parses, clears its finding, idempotent, imports once,
#    only its statement changed, line length kept) --------------------------------------------

_EXAMPLES = [
    pytest.param(rule.id, example.bad, id=f"{rule.id}-{index}")
    for rule in load_registry().rules
    if rule.id in (TLS, HOOK)
    for index, example in enumerate(rule.examples)
]

_MORE = [
    """\
import requests
from oslo_config import cfg

CONF = cfg.CONF


class Client(object):
    def __init__(self):
        self.ca, self.off = CONF.zvm.ca_file, CONF.zvm.insecure

    def get(self, url, headers, body):
        return self.session.post(url, headers=headers, json=body, verify=False)
""",
    """\
import ssl
from ssl import CERT_NONE

import urllib3


def pools():
    a = urllib3.PoolManager(cert_reqs=CERT_NONE)
    b = urllib3.PoolManager(cert_reqs='CERT_NONE')
    ctx = ssl.SSLContext()
    ctx.verify_mode = ssl.CERT_NONE
    return a, b, ctx
""",
    """\
from oslo_config import cfg
from oslo_vmware import api

CONF = cfg.CONF


def session():
    return api.VMwareAPISession(CONF.vmware.host_ip, CONF.vmware.host_username,
                                CONF.vmware.host_password,
                                CONF.vmware.api_retry_count,
                                CONF.vmware.task_poll_interval)


def options():
    return CONF.vmware.ca_file, CONF.vmware.insecure
""",
    """\
import ssl

try:
    _unverified = ssl._create_unverified_context
except AttributeError:
    pass
else:
    ssl._create_default_https_context = _unverified
""",
]


@pytest.mark.parametrize(("rule", "text"), _EXAMPLES + [pytest.param(TLS, t, id=f"more-{i}") for i, t in enumerate(_MORE[:3])] + [pytest.param(HOOK, _MORE[3], id="more-hook")])
def test_fix_properties(rule, text):
    tally = check_text(text, cfg=fix_config(select=(rule,)))
    assert tally.applied, "no fix was applied"


@pytest.mark.parametrize("limit", [60, 100])
def test_fix_properties_with_other_line_lengths(limit):
    for text in _MORE[:3]:
        check_text(text, cfg=fix_config(select=(TLS,), line_length=limit))


def test_an_early_exit_when_verification_is_on_guards_what_follows():
    code = """\
        import ssl
        import sys

        verify = settings.get('verify_ca', True)
        if verify or not address:
            sys.exit(0)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE


        def fetch(self, url):
            if not url.startswith('https'):
                return None
            return self.session.get(url, verify=False)
        """
    assert lines(code) == [15]


def test_a_servers_context_without_client_certificates_is_quiet():
    code = """\
        import ssl


        def wrap_ssl(sock, cert, key, ca):
            ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ssl_context.load_cert_chain(cert, key)
            if ca:
                ssl_context.verify_mode = ssl.CERT_REQUIRED
            else:
                ssl_context.check_hostname = False
                ssl_context.verify_mode = ssl.CERT_NONE
            return ssl_context.wrap_socket(sock, server_side=True)


        def listener(sock):
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.verify_mode = ssl.CERT_NONE
            return ctx
        """
    assert findings(code) == []


def test_insecure_alone_needs_http_too():
    # mistral's `insecure=True` reads across projects; it is not about certificates
    code = """\
        from mistral.db.v2 import api as db_api


        def triggers(wf_id):
            insecure = True
            return db_api.get_cron_triggers(insecure=True, workflow_id=wf_id)
        """
    assert findings(code) == []
    assert lines("import requests\n" + textwrap.dedent(code)) == [6, 7]


def test_url_parsing_is_not_speaking_http():
    code = """\
        import urllib.parse


        def build(self, df_mgr):
            return self.make_open_diskfile(df_mgr=df_mgr, verify=False)
        """
    assert findings(code) == []
    assert lines(code.replace("urllib.parse", "urllib.request")) == [5]


RICH = '''\
import ssl

import requests
from oslo_config import cfg
from oslo_vmware import api
from oslo_vmware import rw_handles

CONF = cfg.CONF


class Client(object):
    verify = False
    insecure = True

    def __init__(self, verify):
        self.verify = verify
        self.session_verify = False

    def do_setup(self, context):
        self.session_verify = CONF.array.ssl_verify

    def session(self):
        return api.VMwareAPISession('h', 'u', 'p', 10, 0.5)

    def upload(self, host, port, dc, ds, cookies, path, size):
        return rw_handles.FileWriteHandle(host, port, dc, ds, cookies, path, size)

    def get(self, url):
        if CONF.array.insecure:
            return requests.get(url, verify=False)
        return requests.get(url, verify=False)

    def context(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def options(self):
        return CONF.vmware.ca_file, CONF.vmware.insecure
'''

_LINES = [
    "        self.verify = verify",
    "        self.session_verify = CONF.array.ssl_verify",
    "        return CONF.vmware.ca_file, CONF.vmware.insecure",
    "        return None",
    "        ctx.verify_mode = ssl.CERT_REQUIRED",
    "        x = {'insecure': True}",
    "        if not CONF.array.ssl_verify:",
    "            pass",
    "        self.session.verify = False",
]


def test_incremental_random_walk_over_tls_code():
    import random

    cfg = Config().overlay({"select": [TLS, HOOK]}, "test").selection()
    analyzer = IncrementalAnalyzer()
    path = "nova/virt/client.py"
    rng = random.Random(13)
    text = RICH
    incremental = 0
    for _ in range(150):
        lines_ = text.split("\n")
        body = [i for i, line in enumerate(lines_) if line.startswith("        ")]
        at = rng.choice(body)
        action = rng.random()
        if action < 0.4:
            lines_[at] = rng.choice(_LINES)
        elif action < 0.7:
            lines_.insert(at, rng.choice(_LINES))
        elif len(body) > 12:
            del lines_[at]
        candidate = "\n".join(lines_)
        try:
            compile(candidate, path, "exec")
        except SyntaxError:
            continue
        text = candidate
        got = analyzer.analyze(Document(text, path), cfg)
        incremental += analyzer.last_mode == "incremental"
        assert got == analyze(Document(text, path), cfg), text
    assert incremental > 10
