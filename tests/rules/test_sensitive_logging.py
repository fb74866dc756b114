"""NOVA001 log-sensitive-data: sinks, sources, flow, spans and options."""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

import pytest

from helpers import lines_of, run
from nova_lsp.checks.taint import SOURCE_OPTIONS, knowledge, words
from nova_lsp.engine.registry import load_registry

RULE = "NOVA001"
HEADER = """\
from oslo_log import log as logging
from oslo_utils import strutils

LOG = logging.getLogger(__name__)

"""


def flag(body: str, **kw):
    """Findings of NOVA001 for ``body`` placed after the standard oslo_log header."""
    return run(HEADER + textwrap.dedent(body), select=RULE, dedent=False, **kw)


def texts(body: str, **kw) -> list[str]:
    source = HEADER + textwrap.dedent(body)
    analysis = run(source, select=RULE, dedent=False, **kw)
    assert not analysis.errors, analysis.errors
    lines = source.split("\n")
    return [lines[f.span.start_line][f.span.start_col : f.span.end_col] for f in analysis.findings]


def texts_raw(source: str, **kw) -> list[str]:
    source = textwrap.dedent(source)
    analysis = run(source, select=RULE, dedent=False, **kw)
    assert not analysis.errors, analysis.errors
    lines = source.split("\n")
    return [lines[f.span.start_line][f.span.start_col : f.span.end_col] for f in analysis.findings]


# -- sinks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method", ["debug", "info", "warning", "warn", "error", "critical", "exception", "audit", "trace"]
)
def test_every_level_method_is_a_sink(method):
    assert texts(f"""
        def f(password):
            LOG.{method}("pw %s", password)
    """) == ["password"]


def test_stdlib_logger():
    assert texts_raw("""
        import logging

        LOG = logging.getLogger(__name__)


        def f(password):
            LOG.info("pw %s", password)
    """) == ["password"]


def test_oslo_log_module_imported_as_log():
    assert texts_raw("""
        from oslo_log import log

        LOG = log.getLogger(__name__)


        def f(token):
            LOG.info("token %s", token)
    """) == ["token"]


def test_logger_stored_on_self():
    assert texts_raw("""
        from oslo_log import log as logging


        class Driver(object):
            def __init__(self):
                self.log = logging.getLogger(__name__)

            def attach(self, connection_info):
                self.log.debug("attach %s", connection_info)
    """) == ["connection_info"]


def test_logger_as_class_attribute():
    assert texts_raw("""
        import logging


        class Driver(object):
            _logger = logging.getLogger(__name__)

            def attach(self, connection_info):
                self._logger.debug("attach %s", connection_info)
    """) == ["connection_info"]


def test_custom_logger_name_resolved_by_assignment():
    assert texts_raw("""
        from logging import getLogger

        _AUDIT = getLogger("audit")


        def f(password):
            _AUDIT.info("%s", password)
    """) == ["password"]


def test_logger_alias_and_adapter():
    assert texts_raw("""
        import logging

        LOG = logging.getLogger(__name__)
        audit = LOG
        adapter = logging.LoggerAdapter(LOG, {})


        def f(password, token):
            audit.info("%s", password)
            adapter.info("%s", token)
    """) == ["password", "token"]


def test_get_logger_call_chain():
    assert texts_raw("""
        import logging


        def f(password):
            logging.getLogger(__name__).warning("pw %s", password)
    """) == ["password"]


def test_stdlib_logging_module_functions():
    assert texts_raw("""
        import logging
        from logging import error


        def f(password, token):
            logging.warning("pw %s", password)
            error("token %s", token)
    """) == ["password", "token"]


def test_oslo_log_module_has_no_level_functions():
    # `logging` here is oslo_log.log, which has no module-level info(): not a log call
    assert texts("""
        def f(password):
            logging.info(password)
    """) == []


def test_logger_imported_from_another_module():
    assert texts_raw("""
        from nova.compute.manager import LOG


        def f(password):
            LOG.info("%s", password)
    """) == ["password"]


def test_logger_name_without_visible_binding():
    # e.g. `from nova.utils import *`: the configured logger names still count
    assert texts_raw("""
        def f(password):
            LOG.info("%s", password)
    """) == ["password"]


def test_logger_parameter():
    assert texts("""
        def f(logger, password):
            logger.info("%s", password)
    """) == ["password"]


def test_module_named_log_is_not_a_logger():
    assert texts_raw("""
        from oslo_log import log


        def f(password):
            log.info(password)
    """) == []


def test_log_bound_to_a_literal_is_not_a_logger():
    assert texts("""
        def f(password):
            log = []
            log.info(password)
    """) == []


@pytest.mark.parametrize(
    "call",
    [
        "self.driver.info(password)",
        "tarfile.info(password)",
        "reporter.warning(password)",
        "self.console.log(logging.DEBUG, password)",
        "warnings.warn(password)",
    ],
)
def test_methods_of_non_loggers_are_not_sinks(call):
    assert texts(f"""
        import tarfile
        import warnings


        class Manager(object):
            def f(self, password, reporter):
                {call}
    """) == []


def test_log_method_takes_message_from_second_argument():
    assert texts("""
        import logging as std


        def f(password, token):
            LOG.log(std.DEBUG, "%s", password)
            LOG.log(token, "level is not written")
    """) == ["password"]


def test_msg_keyword():
    assert texts("""
        def f(password):
            LOG.debug(msg="pw %s" % password)
    """) == ["password"]


def test_other_keywords_are_not_written():
    assert texts("""
        def f(instance, password):
            LOG.debug("rebuilding", instance=instance, exc_info=True)
    """) == []


def test_print_is_a_sink():
    assert texts_raw("""
        def f(password):
            print("pw", password)
    """) == ["password"]


def test_shadowed_print_is_not_a_sink():
    assert texts_raw("""
        def print(*args):
            pass


        def f(password):
            print(password)
    """) == []


# -- sources -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr",
    [
        "password",
        "admin_password",
        "adminPass",
        "new_pass",
        "CHAPPASSWORD",
        "auth_token",
        "token",
        "private_key",
        "api_key",
        "secret",
        "client_secret",
        "passphrase",
        "password_0",
        "admin_password_b64",
        "credential",
        "instance.admin_pass",
        "CONF.vnc.password",
        "context.auth_token",
        "body['adminPass']",
        "body.get('password')",
        "req.headers.get('X-Auth-Token')",
        "getattr(conf, 'password')",
        "self._get_admin_password(instance)",
        "utils.generate_password()",
        "connection_info",
        "new_cinfo",
        "connection_info['data']",
        "bdm.connection_info",
        "block_device_info",
        "req.headers",
        "context.to_dict()",
        "ctxt.to_dict()",
        "self.admin_context.to_dict()",
        "locals()",
        "vars()",
    ],
)
def test_sources(expr):
    assert texts(f"""
        def f(self, context, ctxt, conf, instance, body, req, bdm, utils, CONF, {_params(expr)}):
            LOG.debug("value: %s", {expr})
    """) == [expr]


def _params(expr: str) -> str:
    name = expr.split("[")[0].split(".")[0].split("(")[0]
    reserved = {"self", "context", "ctxt", "conf", "instance", "body", "req", "bdm", "utils", "CONF"}
    if name in reserved or name in ("getattr", "locals", "vars"):
        return "unused=None"
    return name


@pytest.mark.parametrize(
    "expr",
    [
        "password_policy",
        "token_type",
        "max_password_length",
        "auth_url",
        "is_secret",
        "has_password",
        "password_hash",
        "password_file",
        "key_path",
        "token_url",
        "secret_uuid",
        "secret_ref",
        "token_id",
        "password_expires_at",
        "num_tokens",
        "tokenizer",
        "tokens",
        "path_tokens",
        "credentials",
        "config_drive",
        "key_name",
        "instance.password_policy",
        "connection_info['serial']",
        "connection_info.get('driver_volume_type')",
        "cinfo['data']['target_iqn']",
        "body['volume_id']",
        "len(password)",
        "password is None",
        "password == confirmation",
        "bool(password)",
        "type(password)",
        "password.__class__.__name__",
        "isinstance(password, str)",
        "not password",
        "'***'",
        "self.set_password(password)",
        "self.get_password_policy()",
        "hashlib.sha256(password).hexdigest()",
        "connection_info.keys()",
    ],
)
def test_look_alikes_are_not_sources(expr):
    assert texts(f"""
        import hashlib


        def f(self, password, confirmation, password_policy, token_type, max_password_length,
              auth_url, is_secret, has_password, password_hash, password_file, key_path, token_url,
              secret_uuid, secret_ref, token_id, password_expires_at, num_tokens, tokenizer, tokens,
              path_tokens, credentials, config_drive, key_name, instance, connection_info, cinfo,
              body):
            LOG.debug("value: %s", {expr})
    """) == []


def test_wsgi_request_objects_built_in_place():
    assert texts("""
        import webob


        def __call__(self, environ, start_response):
            req = webob.Request(environ)
            LOG.info("Request: %s", req)
            LOG.info("Request path: %s", req.path)
            token = req.params.get('token')
            LOG.info("Token: %s", token)
    """) == ["req", "token"]


def test_kwargs_holding_a_secret_key_read_in_the_function():
    assert texts("""
        def f(instance, **kwargs):
            LOG.debug("called with %s", kwargs)
            LOG.debug("instance %s", kwargs.get("instance"))
            LOG.debug("password %s", kwargs["password"])
    """) == ["kwargs", 'kwargs["password"]']


def test_bare_kwargs_are_not_secrets_by_name():
    assert texts("""
        def list_ports(self, context, **filters):
            LOG.debug("Listing ports with %s", filters)
            ports = self.client.list_ports(**filters)
            LOG.debug("Found %(n)d ports for %(f)s", {'n': len(ports), 'f': filters})


        def _update(self, **kwargs):
            LOG.debug("update %s", kwargs)
    """) == []


def test_keys_of_a_mapping_are_not_secrets():
    assert texts("""
        def f(headers, connection_info, passwords, header_name, **kwargs):
            kwargs.get('auth_token')
            for key in kwargs:
                LOG.debug("unexpected argument %s", key)
            LOG.debug("arguments %s", list(kwargs))
            LOG.debug("arguments %s", sorted(kwargs))
            LOG.debug("header %s", headers.get(header_name))
            for name in connection_info:
                LOG.debug("key %s", name)
            for index, name in enumerate(connection_info):
                LOG.debug("key %s %s", index, name)
            for value in kwargs.values():
                LOG.debug("value %s", value)
            LOG.debug("first %s", passwords[0])
            for each in passwords:
                LOG.debug("one %s", each)
    """) == ["value", "passwords[0]", "each"]


def test_items_of_a_carrier_taint_values_not_keys():
    assert texts("""
        def f(connection_info):
            for key, value in connection_info.items():
                LOG.debug("%s=%s", key, value)
    """) == ["value"]


def test_unpacked_values_are_judged_by_their_own_names():
    assert texts("""
        def f(self):
            secret_uuid, secret, created = self._get_or_create_secret()
            LOG.debug("created %s", secret_uuid)
            LOG.debug("value %s", secret)
    """) == ["secret"]


# -- flow ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        "msg = 'pw %s' % password",
        "msg = 'pw %(p)s' % {'p': password}",
        "msg = f'pw {password}'",
        "msg = 'pw {}'.format(password)",
        "msg = 'pw ' + password",
        "msg = {'auth': password}",
        "msg = [password]",
        "msg = (1, password)",
        "msg = {password}",
        "msg = str(connection_info)",
        "msg = repr(connection_info)",
        "msg = json.dumps(connection_info)",
        "msg = jsonutils.dumps(connection_info)",
        "msg = dict(connection_info)",
        "msg = copy.deepcopy(connection_info)",
        "msg = password.strip()",
        "msg = ', '.join([password])",
        "msg = password or ''",
        "msg = password if password else None",
        "msg = 'start'\n    msg += password",
        "msg = []\n    msg.append(password)",
        "msg = {}\n    msg['auth'] = password",
        "msg = {}\n    msg.update(password=user_input)",
        "msg = {'password': user_input}",
    ],
)
def test_values_built_from_a_source_are_sources(build):
    found = run(
        HEADER
        + "import copy\nimport json\nfrom oslo_serialization import jsonutils\n\n\n"
        + f"def f(password, connection_info, user_input):\n    {build}\n    LOG.info(msg)\n",
        select=RULE,
        dedent=False,
    )
    assert not found.errors
    assert [f.message.split("`")[1] for f in found.findings] == ["msg"]


@pytest.mark.parametrize(
    "build",
    [
        "msg = strutils.mask_password('pw %s' % password)",
        "msg = strutils.mask_dict_password(connection_info)",
        "msg = su.mask_password(password)",
        "msg = mask_password(password)",
        "msg = logging.mask_password(password)",
        "msg = 'pw %s' % len(password)",
        "msg = 'static'",
        "msg = 'pw %s' % password\n    msg = 'reset'",
        "msg = {'password': '***'}",
        "msg = {'password': self._hide(password)}",
        "msg = str(connection_info['serial'])",
    ],
)
def test_sanitized_or_clean_values_are_not_sources(build):
    found = run(
        HEADER
        + "from oslo_utils import strutils as su\nfrom oslo_utils.strutils import mask_password\n\n\n"
        + f"def f(self, password, connection_info):\n    {build}\n    LOG.info(msg)\n",
        select=RULE,
        dedent=False,
    )
    assert not found.errors
    assert lines_of(found) == []


def test_reassigning_a_sensitive_name_from_a_clean_value_clears_it():
    assert texts("""
        def f(password, connection_info):
            password = None
            LOG.debug("pw %s", password)
            connection_info = strutils.mask_dict_password(connection_info)
            LOG.debug("ci %s", connection_info)
            connection_info = {'driver_volume_type': 'rbd', 'serial': 'abc'}
            LOG.debug("ci %s", connection_info)
    """) == []


def test_sensitive_name_assigned_from_an_unknown_call_stays_a_source():
    assert texts("""
        def f(self, instance):
            password = self.driver.fetch(instance)
            LOG.debug("pw %s", password)
    """) == ["password"]


def test_statements_are_processed_in_order():
    body = """
        def f(password):
            msg = "nothing yet"
            LOG.info(msg)
            msg = "pw %s" % password
            LOG.info(msg)
            msg = "clean again"
            LOG.info(msg)
    """
    found = flag(body)
    lines = (HEADER + textwrap.dedent(body)).split("\n")
    second = [i for i, line in enumerate(lines) if "LOG.info(msg)" in line][1]
    assert [f.span.start_line for f in found.findings] == [second]


def test_branches_are_joined_by_union():
    assert texts("""
        def f(password, debug):
            if debug:
                msg = "pw %s" % password
            else:
                msg = "hidden"
            LOG.info(msg)
            if debug:
                password = "***"
            LOG.info(password)
            if debug:
                password = "***"
            else:
                password = None
            LOG.info(password)
    """) == ["msg", "password"]


def test_taint_survives_loops_and_try():
    assert texts("""
        def f(passwords, users):
            msg = ""
            for user in users:
                try:
                    msg += self.lookup(user, password=users[user])
                    msg += str(passwords)
                except Exception as exc:
                    LOG.info("failed %s", exc)
            LOG.info(msg)
    """) == ["msg"]


def test_mutating_a_dict_remembers_the_key():
    assert texts("""
        def f(self, connection_info, mount):
            values = {'mount': mount}
            values['connection_info'] = connection_info
            LOG.debug("%s", values)
            LOG.debug("%s", values['mount'])
            LOG.debug("%s", values['connection_info'])
    """) == ["values", "values['connection_info']"]


def test_dict_literal_keys_decide_what_a_lookup_returns():
    assert texts("""
        def f(new_cinfo, volume_id):
            values = {'connection_info': jsonutils.dumps(new_cinfo), 'volume_id': volume_id}
            LOG.debug("%(volume_id)s", {'volume_id': values['volume_id']})
            LOG.debug("%(updates)s", {'updates': values})
    """) == ["values"]


def test_nested_function_sees_outer_taint():
    assert texts("""
        def outer(password):
            msg = "pw %s" % password

            def inner():
                LOG.info(msg)

            return inner
    """) == ["msg"]


def test_lambda_parameters():
    assert texts("""
        def f(password):
            msg = "pw %s" % password
            on_error = lambda msg: LOG.info(msg)
            on_secret = lambda token: LOG.info("%s", token)
            later = lambda: LOG.info(msg)
    """) == ["token", "msg"]


def test_comprehension_variables():
    assert texts("""
        def f(connection_infos, volumes):
            LOG.debug("%s", ", ".join([str(ci['serial']) for ci in volumes]))
            LOG.debug("%s", [cinfo for cinfo in connection_infos])
    """) == ["cinfo"]


def test_class_methods_and_module_level():
    assert texts("""
        ADMIN_PASSWORD = CONF.admin_password
        LOG.info("admin %s", ADMIN_PASSWORD)


        class Api(object):
            def create(self, context, body):
                LOG.debug("body %s", body)
                LOG.debug("adminPass %s", body['server']['adminPass'])

            @classmethod
            def build(cls, token):
                LOG.debug("token %s", token)

            @staticmethod
            def check(auth_url):
                LOG.debug("url %s", auth_url)
    """) == ["ADMIN_PASSWORD", "body['server']['adminPass']", "token"]


def test_locals_with_named_fields_reads_only_those_names():
    assert texts("""
        def f(instance, password):
            LOG.debug("%(instance)s" % locals())
            LOG.debug("%(instance)s", locals())
            LOG.debug("%(password)s" % locals())
            msg = "pw " + password
            LOG.debug("%(msg)s", locals())
            LOG.debug("%s", locals())
    """) == ["locals()", "locals()", "locals()"]


# -- spans and messages -------------------------------------------------------------------------


def test_span_is_the_positional_argument():
    found = flag("""
        def attach(connection_info, instance):
            LOG.debug("Attaching volume %s", connection_info, instance=instance)
    """)
    (finding,) = found.findings
    assert (finding.span.start_line, finding.span.start_col, finding.span.end_col) == (7, 37, 52)
    assert finding.message == "`connection_info` may contain secrets and is written to the log unmasked"
    assert finding.rule == RULE and finding.name == "log-sensitive-data" and finding.cwe == (532,)


def test_span_is_the_value_in_a_percent_dict():
    assert texts("""
        def f(volume_id, password):
            LOG.debug("%(v)s %(p)s", {'v': volume_id, 'p': password})
            LOG.debug("%(v)s %(p)s" % {'v': volume_id, 'p': password})
    """) == ["password", "password"]


def test_span_is_the_fstring_field_expression():
    assert texts("""
        def f(token, volume_id):
            LOG.info(f"volume={volume_id} token={token!r:>10} end")
    """) == ["token"]


def test_span_is_the_format_argument():
    assert texts("""
        def f(volume_id, password):
            LOG.info("{} {}".format(volume_id, password))
            LOG.info("{v} {p}".format(v=volume_id, p=password))
    """) == ["password", "password"]


def test_span_goes_inside_str_and_dumps():
    assert texts("""
        def f(connection_info):
            LOG.info("ci " + str(connection_info))
            LOG.info("ci %s", jsonutils.dumps(connection_info))
    """) == ["connection_info", "connection_info"]


def test_prebuilt_message_points_back_to_its_assignment():
    found = flag("""
        def f(password):
            msg = "pw %s" % password
            LOG.warning(msg)
    """)
    (finding,) = found.findings
    assert finding.message == "`msg` may contain secrets (from `password`) and is written to the log unmasked"
    (related,) = finding.related
    assert related.span.start_line == 7 and related.message == "`msg` is built from `password` here"


def test_one_finding_per_leaking_argument():
    assert texts("""
        def f(password, token, volume_id):
            LOG.info("%s %s %s %s", password, volume_id, token, password)
    """) == ["password", "token", "password"]


def test_columns_are_code_points_after_unicode():
    source = HEADER + 'def f(password):\n    LOG.info("héllo 🎉 wörld %s", password)\n'
    found = run(source, select=RULE, dedent=False)
    (finding,) = found.findings
    line = source.split("\n")[finding.span.start_line]
    assert line[finding.span.start_col : finding.span.end_col] == "password"
    assert finding.span.start_col == line.index("password")
    assert finding.span.start_col < len(line[: finding.span.start_col].encode("utf-8"))


# -- options ---------------------------------------------------------------------------------------


def test_extend_sensitive_names():
    body = """
        def f(vnc_pin, ipmi_auth):
            LOG.info("%s %s", vnc_pin, ipmi_auth)
    """
    assert texts(body) == []
    extended = {"log-sensitive-data": {"extend-sensitive-names": ["vnc_pin", "vnc_password"]}}
    assert texts(body, rules=extended) == ["vnc_pin"]


def test_extend_sanitizers_with_a_project_redactor():
    body = """
        from nova import utils


        def f(password):
            password = utils.scramble(password)
            LOG.info("%s", password)
            LOG.info("%s", utils.scramble(password))
    """
    # an unknown call hides nothing, so the variable keeps the secret its name promises
    assert texts(body) == ["password"]
    assert texts(body, rules={"log-sensitive-data": {"extend-sanitizers": ["nova.utils.scramble"]}}) == []


def test_a_redactor_named_so_is_a_sanitizer():
    assert texts("""
        from nova import utils


        def f(self, password, headers):
            LOG.info("%s", utils.redact(password))
            LOG.info("%s", self._mask_secrets(password))
            self._redact(headers, ['X-Auth-Token'])
            LOG.info("%s", headers)
    """) == []


def test_configured_fix_redactors_count_as_sanitizers():
    body = """
        from nova import privsep, utils


        def f(password, connection_info):
            password = utils.scramble(password)
            connection_info = privsep.shuffle(connection_info)
            LOG.info("%s %s", password, connection_info)
    """
    assert texts(body) == ["password", "connection_info"]
    options = {"redactor": "nova.utils.scramble", "mapping-redactor": "nova.privsep.shuffle"}
    assert texts(body, rules={"log-sensitive-data": options}) == []


def test_extend_secret_carriers_and_logger_names():
    body = """
        def f(self, migrate_data):
            self.audit_trail.info("%s", migrate_data)
    """
    assert texts(body) == []
    options = {"extend-secret-carriers": ["migrate_data"], "extend-logger-names": ["audit_trail"]}
    assert texts(body, rules={"log-sensitive-data": options}) == ["migrate_data"]


def test_extra_sinks_option():
    body = """
        from nova import utils


        def f(password):
            utils.log_and_notify("%s", password)
    """
    assert texts(body) == []
    assert texts(body, rules={"log-sensitive-data": {"extra-sinks": ["utils.log_and_notify"]}}) == ["password"]


def test_word_splitting():
    assert words("adminPass") == ("admin", "pass")
    assert words("X-Auth-Token") == ("x", "auth", "token")
    assert words("CHAPPASSWORD") == ("chappassword",)
    assert words("HTTPHeaders") == ("http", "headers")
    assert words("_password_0") == ("password",)


def test_both_rules_share_the_source_options():
    """NOVA001 and NOVA002 must judge sources the same way (and so share one flow)."""
    registry = load_registry()
    one = registry.get("NOVA001").options
    two = registry.get("NOVA002").options
    for key in SOURCE_OPTIONS:
        assert list(one[key]) == list(two[key]), key
    assert knowledge(one) is knowledge(two)


def test_rule_file_lists_the_option_names_the_check_reads():
    data = tomllib.loads(Path(load_registry().get("NOVA001").path).read_text())
    assert set(SOURCE_OPTIONS) <= set(data["options"])
    assert {"logger-names", "logger-factories", "log-methods", "extra-sinks"} <= set(data["options"])


def test_rule_is_skipped_without_its_tokens():
    rule = load_registry().get("NOVA001")
    assert not rule.may_apply("def f(password):\n    return password\n")
    assert rule.may_apply("LOG.info(password)")
