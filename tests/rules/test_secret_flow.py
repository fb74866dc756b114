"""NOVA001 / NOVA002 across OpenStack: what makes a value secret by its role, where secrets
flow, and the look-alikes that hold none (issue 10).

Each test is a shape seen in a real OpenStack tree, written anew."""

from __future__ import annotations

import textwrap

import pytest

from helpers import run

HEADER = """\
from oslo_log import log as logging
from oslo_utils import strutils

LOG = logging.getLogger(__name__)

"""


def texts(body: str, rule: str = "NOVA001", header: str = HEADER, path: str | None = None, **kw) -> list[str]:
    source = header + textwrap.dedent(body)
    if path is None:
        analysis = run(source, select=rule, dedent=False, **kw)
    else:
        from nova_lsp.config import Config
        from nova_lsp.core.document import Document
        from nova_lsp.engine.analyze import analyze

        analysis = analyze(Document(source, path), Config().overlay({"select": [rule]}, "test").selection())
    assert not analysis.errors, analysis.errors
    lines = source.split("\n")
    return [lines[f.span.start_line][f.span.start_col : f.span.end_col] for f in analysis.findings if f.rule == rule]


def raised(body: str, **kw) -> list[str]:
    return texts(body, rule="NOVA002", header="from nova import exception\n\n", **kw)


# -- **kwargs: a secret only when one is known to go in ------------------------------------------


def test_kwargs_named_filters_options_params_are_not_secrets():
    assert texts("""
        def get_ports(self, context, **filters):
            LOG.debug("ports %s", filters)

        def configure(self, **options):
            LOG.debug("options %s", options)

        def _exec(self, classname, **param_dict):
            LOG.debug("calling %s with %s", classname, param_dict)
    """) == []


def test_a_caller_in_the_module_passing_a_password_taints_the_bag():
    assert texts("""
        class Client(object):

            def create_target(self, name, chap_password):
                return self.exec_webapi('Target', 'create', name=name, password=chap_password)

            def exec_webapi(self, api, method, **kwargs):
                LOG.debug("calling %s.%s with %s", api, method, kwargs)
    """) == ["kwargs"]


def test_a_caller_passing_only_ids_leaves_the_bag_clean():
    assert texts("""
        class Client(object):

            def delete_target(self, name, target_id):
                return self.exec_webapi('Target', 'delete', name=name, target_id=target_id)

            def exec_webapi(self, api, method, **kwargs):
                LOG.debug("calling %s.%s with %s", api, method, kwargs)
    """) == []


def test_a_tainted_bag_splatted_by_a_caller():
    assert texts("""
        import json


        class Proxy(object):

            def auth(self):
                payload = {'username': self.user, 'password': self.password}
                kwargs = {'data': json.dumps(payload)}
                return self.request('post', 'auth/login', **kwargs)

            def request(self, method, path, **kwargs):
                LOG.debug('request %(method)s %(body)s', {'method': method, 'body': kwargs})
    """) == ["kwargs"]


def test_bags_forwarded_through_module_functions_and_aliases():
    assert texts("""
        class Api(object):

            def request(self, api, method, version, **params):
                LOG.debug("%s", params)


        class Common(object):

            def __init__(self, api):
                self.synoexec = api.request

            def exec_webapi(self, api, method, version, **kwargs):
                return self.synoexec(api, method, version, **kwargs)

            def create(self, secret):
                self.exec_webapi('Target', 'create', 1, password=secret)
    """) == ["params"]


def test_a_parameter_a_caller_fills_with_a_login_body():
    assert texts("""
        class RestHelper(object):

            def login(self):
                data = {'userName': self.user, 'userPasswd': self._password}
                return self.do_request('rest/token', data, 'POST')

            def delete_share(self, name):
                return self.do_request('rest/share', {'name': name}, 'DELETE')

            def do_request(self, url, data, method):
                LOG.debug("Request %s %s data %s", method, url, data)
                return self.session.request(method, url, json=data)
    """) == ["data"]


def test_a_caller_asking_the_callee_not_to_log_its_body():
    assert texts("""
        class RestClient(object):

            def login(self):
                data = {"username": self.user, "password": self.password}
                return self.call('/sessions', data, 'POST', log_filter_flag=True)

            def call(self, url, data, method, log_filter_flag=False):
                if not log_filter_flag:
                    LOG.info("Request %s data %s", url, data)
                return self.session.request(method, url, data=data)
    """) == []


def test_a_bag_masked_in_place_before_it_is_passed_on():
    assert texts("""
        class DynClient(object):

            def login(self):
                return self.request('POST', '/Session', data={'password': self.password})

            def request(self, method, url, **kwargs):
                return self._request(method, url, **kwargs)

            def _request(self, method, url, **kwargs):
                kwargs.setdefault('headers', {})
                kwargs['headers']['Auth-Token'] = self.token
                data = kwargs.get('data')
                if data is not None:
                    kwargs['data'] = data.copy()
                    kwargs['data']['password'] = '**SECRET**'
                self._log_req(method, url, kwargs)

            def _log_req(self, method, url, kwargs):
                LOG.debug('REQ BODY: %s', kwargs['data'])
                for name in kwargs['headers']:
                    LOG.debug('-H %s: %s', name, kwargs['headers'][name])
    """) == ["kwargs['headers'][name]"]


def test_exception_format_fallback_logs_no_secret():
    assert texts("""
        class NovaException(Exception):
            msg_fmt = "An unknown exception occurred."

            def __init__(self, message=None, **kwargs):
                try:
                    message = self.msg_fmt % kwargs
                except Exception:
                    for name, value in kwargs.items():
                        LOG.error("%s: %s", name, value)
                    message = self.msg_fmt
    """) == []


def test_a_class_constructed_with_a_secret_reaches_its_init_kwargs():
    assert texts("""
        class BackendError(Exception):

            def __init__(self, message=None, **kwargs):
                LOG.error("backend error %s", kwargs)


        def login(password):
            raise BackendError("login failed", password=password)
    """) == ["kwargs"]


def test_named_placeholders_with_a_template_we_cannot_read():
    assert texts("""
        class Message(object):

            def output_log(self, storage_id, **kwargs):
                msg = self.msg % kwargs
                LOG.error("%(id)s: %(msg)s", {'id': storage_id, 'msg': msg})

        def mount_name(context, template):
            name = template.format(**context.to_dict())
            LOG.error("Invalid mount point name: %s", name)
    """) == []


def test_kwargs_passed_to_redact_fix_is_masked_as_a_dict():
    analysis = run(HEADER + textwrap.dedent("""
        def update(context, **kwargs):
            kwargs.setdefault('auth_token', context.auth_token)
            LOG.debug("update %s", kwargs)
    """), select="NOVA001", dedent=False)
    (finding,) = analysis.findings
    assert finding.fixes[0].edits[0].new_text == "strutils.mask_dict_password(kwargs)"


# -- transports ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "where",
    [
        "def _attach_volume_vmdk(self, connection_info):\n    LOG.debug('%s', connection_info)",
        "def _detach_volume_fcd(self, connection_info):\n    LOG.debug('%s', connection_info)",
        "class FibreChannelConnector(object):\n    def connect_volume(self, connection_properties):\n"
        "        LOG.debug('%s', connection_properties)",
        "def add_fc_zone(connection_info):\n    LOG.debug('%s', connection_info)",
        "def f(connection_info):\n    if connection_info['driver_volume_type'] == 'fibre_channel':\n"
        "        LOG.debug('%s', connection_info)",
        "def f(connection_info):\n    if connection_info.get('driver_volume_type') in ('vmdk', 'fcd'):\n"
        "        LOG.debug('%s', connection_info)",
        "def f(data):\n    info = {'driver_volume_type': 'nvmeof', 'data': data}\n    LOG.debug('%s', info)",
    ],
)
def test_connection_info_of_a_credential_free_transport(where):
    assert texts(where + "\n") == []


@pytest.mark.parametrize(
    "where",
    [
        "def _attach_volume_iscsi(self, connection_info):\n    LOG.debug('%s', connection_info)",
        "class FibreChannelDriver(object):\n    def _get_iscsi_properties(self, connection_info):\n"
        "        LOG.debug('%s', connection_info)",
        "def f(connection_info):\n    if connection_info['driver_volume_type'] == 'iscsi':\n"
        "        LOG.debug('%s', connection_info)",
        "def f(connection_info):\n    LOG.debug('%s', connection_info)",
    ],
)
def test_connection_info_of_a_credentialed_or_unknown_transport(where):
    assert texts(where + "\n") == ["connection_info"]


def test_transport_from_the_module_name():
    body = "def connect_volume(self, connection_properties):\n    LOG.debug('%s', connection_properties)\n"
    assert texts(body, path="os_brick/initiator/connectors/fibre_channel.py") == []
    assert texts(body, path="os_brick/initiator/connectors/iscsi.py") == ["connection_properties"]


def test_a_password_next_to_fc_data_is_still_reported():
    assert texts("""
        def _attach_volume_fc(self, connection_info, password):
            LOG.debug('%s %s', connection_info, password)
    """) == ["password"]


def test_nova002_transport():
    assert raised("""
        def get_target(connection_info):
            if connection_info['driver_volume_type'] == 'fibre_channel':
                raise exception.StorageError(reason='bad %s' % connection_info)
            raise exception.StorageError(reason='bad %s' % connection_info)
    """) == ["connection_info"]


# -- response and metadata headers ----------------------------------------------------------------


def test_response_headers_are_not_request_headers():
    assert texts("""
        import requests


        def call(self, url):
            resp = requests.get(url)
            LOG.debug("%s", resp.headers)
            r = self.session.post(url)
            LOG.debug("%s %s", r.status_code, r.headers)
            reply = self.conn.getresponse()
            LOG.debug("%s", reply.headers)
            LOG.debug("%s", resp.headers.get('Content-Type'))
    """) == []


def test_secret_response_headers():
    assert texts("""
        import requests


        def login(self, url):
            resp = requests.post(url)
            LOG.debug("%s", resp.headers['X-Subject-Token'])
            LOG.debug("%s", resp.headers.get('Set-Cookie'))
            LOG.debug("%s", resp.headers.get('Authorization'))
            LOG.debug("%s", resp.headers.get('X-Storage-Token'))
    """) == [
        "resp.headers['X-Subject-Token']",
        "resp.headers.get('Set-Cookie')",
        "resp.headers.get('Authorization')",
        "resp.headers.get('X-Storage-Token')",
    ]


def test_response_headers_of_a_cookie_session_are_carriers():
    assert texts("""
        from http import cookiejar


        def _http_log_resp(self, resp):
            LOG.debug("RESP headers %s", resp.headers)
    """) == ["resp.headers"]


def test_headers_of_a_response_helper_and_metadata_headers():
    assert texts("""
        def _log_http_response(self, status, headers, body):
            LOG.debug("%s %s", status, headers)

        def create(self, container, headers):
            container_headers = self._meta_headers(container)
            account_headers = self._meta_headers('account')
            LOG.debug("%s %s", container_headers, account_headers)
            LOG.debug("request headers %s", headers)
    """) == ["headers"]


# -- counts, paths, constants, records ---------------------------------------------------------------


def test_counts_and_numeric_fields():
    assert texts("""
        def f(quotas, usages, password, token):
            LOG.debug("%(q)d keys", {'q': quotas['encryption_keys']})
            LOG.debug("%s", usages['auth_keys'])
            LOG.debug("%d of %d", len(token), quotas.get('api_keys'))
            LOG.debug("pw %d chars, token %s", password, token)
    """) == ["token"]


def test_values_used_as_paths():
    assert texts("""
        import os


        def f(conf, private_key_file):
            with open(conf.ca_private_key) as f:
                LOG.debug("reading %s", conf.ca_private_key)
            private_key = os.path.join(conf.key_dir, 'private.pem')
            LOG.debug("key file %s", private_key)
            if os.path.exists(conf.ssl_key):
                LOG.debug("ssl key at %s", conf.ssl_key)
            LOG.debug("but this is the key: %s", conf.private_key)
    """) == ["conf.private_key"]


def test_constants_named_after_secrets():
    assert texts("""
        from ironic.api.controllers.v1 import versions


        def f():
            LOG.debug("%s", versions.MINOR_56_BUILD_CONFIGDRIVE)
            LOG.debug("%s", DEFAULT_PASSWORD_KEY)
    """) == []


def test_a_secret_named_record_whose_fields_are_read():
    assert texts("""
        def is_valid(self, token, password):
            if token.expires_at < self.now:
                LOG.debug("expired %s", token)
            LOG.debug("%s", password.strip().lower())
            context = {'token': self.token, 'user': self.user}
            if 'saml2' in self.token.methods:
                LOG.debug("%s", context)
    """) == ["password"]


def test_names_after_a_preposition_describe_the_subject():
    assert texts("""
        def on_post(self, secret_id):
            metadata = self.repo.get_metadata_for_secret(secret_id)
            LOG.debug("metadata %s", metadata)
            pw = self.get_password_for_user(secret_id)
            LOG.debug("pw %s", pw)
    """) == ["pw"]


# -- roles -------------------------------------------------------------------------------------------

WEB = HEADER + "import webob.dec\n\n"


def test_wsgi_requests_of_controllers_and_middleware():
    assert texts("""
        class InstanceController(object):

            def create(self, req, body, tenant_id):
                LOG.info("req %s", req)
                LOG.info("path %s", req.path)


        class AuthMiddleware(object):

            def __call__(self, req):
                LOG.debug("%s", req.environ)


        def select(req):
            LOG.debug("requirements %s", req)
    """, header=WEB) == ["req", "req.environ"]


def test_req_outside_a_web_application_is_not_a_request():
    assert texts("""
        class Controller(object):

            def create(self, req, body):
                LOG.info("req %s", req)
    """) == []


def test_request_bodies_need_an_api_that_takes_secrets():
    assert texts("""
        class BackupsController(object):

            def create(self, req, body):
                LOG.debug("new backup %s", body)
                LOG.debug("raw %s", req.body)


        class UsersController(object):

            def update_all(self, req, body):
                users = body['users']
                for user in users:
                    self.models.change(user['password'])
                LOG.debug("update %s", body)
                LOG.debug("raw %s", req.body)


        class Controller(object):

            def prepare_request_body(self, context, body, resource):
                LOG.debug("Request body: %(body)s", {'body': body})
    """, header=WEB) == ["body", "req.body", "body"]


def test_notification_payloads_of_a_notifier_driver():
    assert texts("""
        class LogDriver(object):

            def notify(self, ctxt, message, priority, retry):
                LOG.info("%s", message)

            def describe(self, message):
                LOG.info("%s", message)
    """) == ["message"]


def test_environ_and_dict_dumps():
    assert texts("""
        import os


        def f(environ, req, obj):
            LOG.debug("%s", environ)
            LOG.debug("%s", environ.get('PATH_INFO'))
            LOG.debug("%s", os.environ)
            LOG.debug("%s", req.__dict__)
            LOG.debug("%s", obj.__class__.__name__)
    """) == ["environ", "os.environ"]


# -- credential URLs, config dumps, bearer tokens -------------------------------------------------


def test_credential_urls():
    assert texts("""
        import sqlalchemy


        def f(conf, connection, user, key, host):
            LOG.debug("%s", conf.database.connection)
            LOG.debug("%s", conf.transport_url)
            LOG.debug("%s", conf.notification_transport_url)
            LOG.debug("%s", conf.keystone_authtoken.auth_url)
            LOG.debug("%s", connection)
            engine = sqlalchemy.create_engine(connection)
            url = f"swift://{user}:{key}@{host}/v1"
            LOG.debug("%s", url)
            LOG.debug("swift://%s:%s@%s" % (user, key, host))
    """) == [
        "conf.database.connection",
        "conf.transport_url",
        "conf.notification_transport_url",
        "connection",
        "url",
        '"swift://%s:%s@%s" % (user, key, host)',
    ]


def test_store_locations_in_glance_modules_only():
    body = """
        def f(image, loc):
            LOG.debug("%s", image['locations'])
            LOG.debug("%s", loc.get_uri())
            LOG.debug("%s", loc['url'])
    """
    assert texts(body) == []
    assert texts(body, header=HEADER + "import glance_store\n\n") == [
        "image['locations']",
        "loc.get_uri()",
        "loc['url']",
    ]


def test_config_dumps():
    assert texts("""
        from oslo_config import cfg

        CONF = cfg.CONF


        def wait():
            for flag in CONF:
                LOG.debug("%s = %s", flag, CONF.get(flag, None))
            for opt_name in sorted(CONF._opts):
                LOG.debug("%s = %s", opt_name, getattr(CONF, opt_name))
            for flag in CONF:
                LOG.debug("%s", flag)


        def masked(group):
            for opt_name in sorted(group._opts):
                opt = group._opts[opt_name]['opt']
                LOG.debug("%s", getattr(group, opt_name) if not opt.secret else '***')


        def by_name():
            for flag in CONF:
                value = CONF.get(flag)
                if "_password" in flag or flag in ("transport_url", "sql_connection"):
                    continue
                LOG.debug("%s = %s", flag, value)


        def listed():
            for flag in ['backup_share']:
                LOG.debug("%s", getattr(CONF, flag))
    """) == ["CONF.get(flag, None)", "getattr(CONF, opt_name)"]


def test_token_ids_are_bearer_tokens_in_keystone_code():
    body = """
        def f(token_id, user):
            LOG.debug("%s", token_id)
            LOG.debug("%s", user.token.id)
    """
    assert texts(body) == ["user.token.id"]
    assert texts(body, header=HEADER + "from keystoneauth1 import session\n\n") == ["token_id", "user.token.id"]
    assert texts(body, header=HEADER + "from keystone.common import cache\n\n") == ["token_id", "user.token.id"]


def test_decrypted_values_nouns_and_creds():
    assert texts("""
        import hmac


        def f(self, blob, netloc, shared_secret, requestor_id):
            LOG.debug("%s", self.fernet.decrypt(blob))
            LOG.debug("%s", self._secret_accesskey())
            creds, host = netloc.split('@')
            LOG.debug("%s", creds)
            expected = hmac.new(shared_secret, requestor_id).hexdigest()
            LOG.debug("%s", expected)
            LOG.debug("%s", self.set_password(blob))
    """) == ["self.fernet.decrypt(blob)", "self._secret_accesskey()", "creds", "expected"]


# -- flow -------------------------------------------------------------------------------------------


def test_loop_over_a_carrier_reads_every_entry():
    assert texts("""
        def log_req(self, headers, kwargs):
            for k in headers:
                LOG.debug("%s: %s", k, headers[k])
            for name in sorted(kwargs['headers'].keys()):
                LOG.debug("%s: %s", name, kwargs['headers'][name])
            for name in headers.keys():
                LOG.debug("%s", name)
            LOG.debug("%s", headers[self.header_name])
    """) == ["headers[k]", "kwargs['headers'][name]"]


def test_parts_joined_and_quoted():
    assert texts("""
        from urllib.parse import quote


        def access_log(self, req):
            parts = []
            for k in req.headers:
                parts.append('-H "%s: %s"' % (k, req.headers[k]))
            LOG.debug("REQ: %s", ' '.join(parts))
            LOG.info(' '.join(quote(str(x)) for x in (req.remote_addr, req.headers.get('x-auth-token'))))
    """) == ["parts", "req.headers.get('x-auth-token')"]


def test_nested_store_and_deleted_keys():
    assert texts("""
        import copy


        def f(self, ctx, volume):
            props = {'data': {'target_iqn': volume.iqn}}
            props['data']['auth_password'] = self.chap_password
            LOG.debug("%s", props)
            LOG.debug("%s", props['volume_id'])
            info = {'uri': self.uri, 'token': ctx.auth_token}
            safe = copy.deepcopy(info)
            del safe['token']
            LOG.debug("%s", safe)
            other = dict(info)
            other.pop('token')
            LOG.debug("%s", other)
    """) == ["props"]


def test_a_comprehension_dropping_secret_keys_is_a_redaction():
    assert texts("""
        def f(data, headers):
            LOG.debug("%s", {k: v for k, v in headers.items() if k != 'X-Auth-Token'})
            hidden = ('password', 'token')
            LOG.debug("%s", {k: v for k, v in data.items() if k not in hidden})
            LOG.debug("%s", {k: v for k, v in headers.items() if k != 'Accept'})
    """) == ["v"]


# -- sinks -------------------------------------------------------------------------------------------


def test_level_methods_fetched_by_name():
    assert texts("""
        def f(self, level, priority, password):
            getattr(LOG, level)("pw %s", password)
            method = getattr(LOG, priority.lower(), None)
            method("pw %s", password)
            other = getattr(self.driver, priority)
            other(password)
    """) == ["password", "password"]


def test_logging_helpers_of_the_module():
    assert texts("""
        class Proxy(object):

            def _log(self, msg, *args):
                if self.verbose:
                    LOG.debug(msg, *args)

            def vmsg(self, message):
                LOG.info(message)

            def work(self, password, instance):
                self._log("pw %s for %s", password, instance.uuid)
                self.vmsg("pw %s" % password)
                self._log("done for %s", instance.uuid)

            def _record(self, msg):
                self.count += 1
                LOG.debug(msg)

            def other(self, password):
                self._record(password)
    """) == ["password", "password", "msg"]


def test_old_project_logging_module():
    assert texts("""
        from nova import log as logging


        def f(password):
            logging.debug("pw %s", password)
    """, header="") == ["password"]


def test_print_in_a_command_line_module():
    body = "def show(connection_info):\n    print(connection_info)\n    LOG.debug('%s', connection_info)\n"
    assert texts(body, path="nova/cmd/manage.py") == ["connection_info"]
    assert texts(body, path="nova/compute/manager.py") == ["connection_info", "connection_info"]


# -- NOVA002 ------------------------------------------------------------------------------------------


def test_nova002_type_checked_echo():
    assert raised("""
        def f(http_headers, password):
            if not isinstance(http_headers, list):
                raise exception.InvalidParameterValue("not a list: %s" % http_headers)
            if type(password) is not str:
                raise exception.InvalidParameterValue("bad: %s" % password)
            if len(http_headers) > 3:
                raise exception.InvalidParameterValue("too many: %s" % http_headers)
    """) == ["http_headers"]


def test_nova002_kwargs_filters_and_callers():
    assert raised("""
        def find(self, **filters):
            raise exception.NotFound("no match for %s" % filters)


        class Client(object):

            def login(self):
                return self.send('token', {'name': self.user, 'password': self.password})

            def send(self, path, params):
                raise exception.BackendError("failed %s with %s" % (path, params))
    """) == ["params"]


def test_a_key_masked_by_a_literal_or_absent_holds_no_secret():
    assert texts("""
        import copy


        class Client(object):

            def change_password(self, password):
                return self._invoke('POST', '/users', {'storedPassword': password})

            def _invoke(self, method, path, data=None):
                scrubbed = copy.deepcopy(data)
                if scrubbed:
                    if 'storedPassword' in scrubbed:
                        scrubbed['storedPassword'] = '****'
                LOG.debug("%s %s %s", method, path, scrubbed)
                LOG.debug("%s %s %s", method, path, data)
                return self.session.request(method, path, json=data)
    """) == ["data"]


def test_an_empty_value_holds_no_secret():
    assert texts("""
        def f(password, token):
            if not password:
                LOG.debug("no password: %r", password)
            if token:
                pass
            else:
                LOG.debug("no token: %r", token)
            LOG.debug("%s", token)
    """) == ["token"]


def test_nova002_the_request_a_webob_response_answers_is_not_its_message():
    assert raised("""
        import webob.exc


        class ObjectController(object):

            def PUT(self, req):
                raise webob.exc.HTTPPreconditionFailed(request=req)

            def POST(self, req):
                raise webob.exc.HTTPBadRequest(explanation="bad %s" % req)
    """) == ["req"]
