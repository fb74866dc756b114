"""NOVA002 secret-in-exception: raised arguments, keywords, flow, spans and options."""

from __future__ import annotations

import textwrap

import pytest

from helpers import run
from nova_lsp.engine.registry import load_registry

RULE = "NOVA002"
HEADER = """\
import webob
from oslo_utils import strutils

from nova import exception
from nova.i18n import _

"""


def texts(body: str, select=RULE, **kw) -> list[str]:
    """The exact source text under every finding of ``select`` (one line each)."""
    source = HEADER + textwrap.dedent(body)
    analysis = run(source, select=select, dedent=False, **kw)
    assert not analysis.errors, analysis.errors
    lines = source.split("\n")
    out = []
    for f in analysis.findings:
        assert f.span.start_line == f.span.end_line
        out.append(lines[f.span.start_line][f.span.start_col : f.span.end_col])
    return out


# -- the forms from the issue -------------------------------------------------------------------


def test_reason_built_with_percent():
    assert texts("""
        def f(password):
            raise exception.InvalidInput(reason="bad password %s" % password)
    """) == ["password"]


def test_webob_explanation_fstring():
    assert texts("""
        def f(req, token):
            raise webob.exc.HTTPBadRequest(explanation=f"invalid token {token}")
    """) == ["token"]


def test_builtin_exception_with_str_concatenation():
    assert texts("""
        def f(connection_info):
            raise ValueError("bad " + str(connection_info))
    """) == ["connection_info"]


def test_message_built_in_a_variable_first():
    source = HEADER + textwrap.dedent("""
        def f(instance, password):
            msg = _("Password %(pw)s rejected for %(uuid)s") % {'pw': password, 'uuid': instance.uuid}
            raise exception.InvalidInput(msg)
    """)
    analysis = run(source, select=RULE, dedent=False)
    (finding,) = analysis.findings
    line = source.split("\n")[finding.span.start_line]
    assert line.strip() == "raise exception.InvalidInput(msg)"
    assert line[finding.span.start_col : finding.span.end_col] == "msg"
    assert finding.message == (
        "`msg` may contain secrets (from `password`) and is put into an exception message raised to the caller"
    )
    (related,) = finding.related
    assert related.span.start_line == finding.span.start_line - 1
    assert related.message == "`msg` is built from `password` here"
    assert finding.cwe == (209,) and finding.name == "secret-in-exception"


@pytest.mark.parametrize("keyword", ["reason", "explanation", "message", "msg", "detail", "err"])
def test_message_keywords(keyword):
    assert texts(f"""
        def f(auth_token):
            raise exception.NovaException({keyword}="token: %s" % auth_token)
    """) == ["auth_token"]


def test_raise_from():
    assert texts("""
        def f(connection_data):
            try:
                connect()
            except OSError as exc:
                raise exception.StorageError(reason=str(connection_data)) from exc
    """) == ["connection_data"]


def test_format_and_dict_arguments():
    assert texts("""
        def f(volume_id, cinfo):
            raise exception.VolumeNotFound("{} {}".format(volume_id, cinfo))
            raise exception.VolumeNotFound("%(v)s %(c)s" % {'v': volume_id, 'c': cinfo['data']})
    """) == ["cinfo", "cinfo['data']"]


def test_keyword_named_like_a_secret():
    assert texts("""
        def f(body, user_input):
            raise exception.InvalidAdminPassword(password=user_input)
            raise exception.InvalidAdminPassword(password=body['pw'])
            raise exception.InvalidAdminPassword(password='***')
            raise exception.InvalidAdminPassword(password=len(user_input))
            raise exception.InvalidAdminPassword(password=self.describe(user_input))
    """) == ["user_input", "body['pw']"]


def test_console_token_echoed_back():
    assert texts("""
        def f(self, token):
            raise exception.InvalidToken(token=token)
    """) == ["token"]


def test_context_dump_and_locals():
    assert texts("""
        def f(context, instance):
            raise exception.Forbidden(reason=str(context.to_dict()))
            raise exception.Invalid(_("%(instance)s") % locals())
            raise exception.Invalid(_("bad: %s") % locals())
    """) == ["context.to_dict()", "locals()"]


# -- what is not a sink or not a source --------------------------------------------------------------


def test_non_message_keywords_are_ignored():
    assert texts("""
        def f(headers, token):
            raise webob.exc.HTTPUnauthorized(headers=headers, explanation=_("denied"))
            raise webob.exc.HTTPUnauthorized(headers={'X-Subject-Token': token})
    """) == []


def test_only_the_first_positional_argument_is_the_message():
    assert texts("""
        import urllib.error


        def f(url, code, headers, fp, password):
            raise urllib.error.HTTPError(url, code, "denied", headers, fp)
            raise webob.exc.HTTPForbidden(_("denied"), headers)
            raise exception.InvalidInput(password, "not the message")
    """) == ["password"]


def test_kwargs_passed_through_is_not_flagged():
    assert texts("""
        def f(**kwargs):
            raise exception.NovaException(**kwargs)
            raise exception.NovaException(**{'reason': kwargs['password']})
    """) == ["kwargs['password']"]


def test_only_raised_calls_are_sinks():
    assert texts("""
        def f(password):
            error = ValueError(password)
            exception.InvalidInput(reason=password)
            return webob.exc.HTTPBadRequest(explanation=password)
    """) == []


def test_bare_raise_and_raise_name():
    assert texts("""
        def f(password):
            try:
                check(password)
            except ValueError as password_error:
                raise
            except TypeError as exc:
                raise exc
    """) == []


@pytest.mark.parametrize(
    "expr",
    [
        "len(password)",
        "password is None",
        "type(password).__name__",
        "password_policy",
        "token_type",
        "auth_url",
        "max_password_length",
        "is_secret",
        "password_hash",
        "connection_info['serial']",
        "strutils.mask_password(password)",
        "strutils.mask_dict_password(connection_info)",
        "'***'",
        "instance.uuid",
        "str(exc)",
    ],
)
def test_look_alikes_and_sanitized_values(expr):
    assert texts(f"""
        def f(instance, exc, password, password_policy, token_type, auth_url,
              max_password_length, is_secret, password_hash, connection_info):
            raise exception.InvalidInput(reason=_("problem: %s") % {expr})
    """) == []


def test_sanitized_message_variable():
    assert texts("""
        def f(password):
            msg = _("Password %s rejected") % password
            msg = strutils.mask_password(msg)
            raise exception.InvalidInput(reason=msg)
    """) == []


def test_branch_union_and_reassignment():
    assert texts("""
        def f(password, verbose):
            msg = _("rejected")
            if verbose:
                msg = _("rejected %s") % password
            raise exception.InvalidInput(reason=msg)


        def g(password):
            msg = _("rejected %s") % password
            msg = _("rejected")
            raise exception.InvalidInput(reason=msg)
    """) == ["msg"]


def test_nested_function_class_method_and_lambda():
    assert texts("""
        class API(object):
            def rebuild(self, context, instance, admin_password):
                def fail(reason):
                    raise exception.InvalidInput(reason=reason + admin_password)

                fail("rebuild")
                callback = lambda secret: self._raise(secret)
                return callback

            @classmethod
            def build(cls, auth_key):
                raise exception.Invalid(auth_key)
    """) == ["admin_password", "auth_key"]


def test_columns_are_code_points_after_unicode():
    source = HEADER + 'def f(token):\n    raise ValueError("jeton invalide 🔑 é: %s" % token)\n'
    analysis = run(source, select=RULE, dedent=False)
    (finding,) = analysis.findings
    line = source.split("\n")[finding.span.start_line]
    assert finding.span.start_col == line.index("token)")
    assert line[finding.span.start_col : finding.span.end_col] == "token"


def test_does_not_report_log_calls_and_nova001_does_not_report_raises():
    body = """
        from oslo_log import log as logging

        LOG = logging.getLogger(__name__)


        def f(password, token):
            LOG.error("bad %s", password)
            raise ValueError("bad %s" % token)
    """
    assert texts(body) == ["token"]
    assert texts(body, select="NOVA001") == ["password"]
    both = run(HEADER + textwrap.dedent(body), select=["NOVA001", RULE], dedent=False)
    assert sorted(f.rule for f in both.findings) == ["NOVA001", RULE]


# -- options -----------------------------------------------------------------------------------------


def test_extend_sensitive_names():
    body = """
        def f(ipmi_pin):
            raise exception.Invalid(reason="pin %s" % ipmi_pin)
    """
    assert texts(body) == []
    assert texts(body, rules={"secret-in-exception": {"extend-sensitive-names": ["ipmi_pin"]}}) == ["ipmi_pin"]


def test_extend_non_message_keywords():
    body = """
        def f(password):
            raise exception.Invalid(reason="x", debug_data=password)
    """
    assert texts(body) == ["password"]
    options = {"extend-non-message-keywords": ["debug_data"]}
    assert texts(body, rules={"secret-in-exception": options}) == []


def test_rule_needs_a_raise():
    rule = load_registry().get(RULE)
    assert not rule.may_apply("def f(password):\n    return ValueError(password)\n")
    assert rule.may_apply("raise ValueError(password)")


def test_flow_is_computed_once_and_shared_by_both_rules(monkeypatch):
    from nova_lsp.checks import taint as _sensitive, exception_secrets, sensitive_logging
    from nova_lsp.core.document import Document
    from nova_lsp.engine.context import CheckContext
    from nova_lsp.engine.parse import NodeIndex, parse

    walks = []
    original = _sensitive.SensitiveFlow.scope_flow

    def counting(self, scope):
        if scope not in self._scopes:
            walks.append(scope.name)
        return original(self, scope)

    monkeypatch.setattr(_sensitive.SensitiveFlow, "scope_flow", counting)
    source = HEADER + textwrap.dedent("""
        from oslo_log import log as logging

        LOG = logging.getLogger(__name__)


        def f(password):
            msg = "pw %s" % password
            LOG.error(msg)
            raise ValueError(msg)
    """)
    document = Document(source, "test.py")
    module = parse(document)
    index = NodeIndex(module)
    registry = load_registry()
    found = []
    for rule_id, check in (("NOVA001", sensitive_logging.check), ("NOVA002", exception_secrets.check)):
        rule = registry.get(rule_id)
        found += [f.rule for f in check(CheckContext(module, document, rule, rule.options, index))]
    assert found == ["NOVA001", "NOVA002"]
    assert walks.count("f") == 1
