"""Golden tests for "Redact log argument" (NOVA001) and "Redact exception argument" (NOVA002):
input -> expected output, each also checked for every fix property (parses, finding gone,
only the statement and imports changed, idempotent)."""

from __future__ import annotations

import pytest

from fixprops import apply_one, check_text, config, fix_all, golden
from nova_lsp.core.document import Document
from nova_lsp.engine.context import CheckContext
from nova_lsp.engine.parse import NodeIndex, parse
from nova_lsp.engine.registry import load_registry
from nova_lsp.engine.analyze import build_fixes
from nova_lsp.engine.fix_all import main_fix


def assert_fix(before: str, after: str, rule: str = "NOVA001", index: int = 0, cfg=None, **kw) -> None:
    before, after = golden(before), golden(after)
    assert apply_one(before, rule, cfg, index=index, **kw) == after
    check_text(before, cfg) if cfg is not None else check_text(before)


CARRIER_WITH_ALL_GROUPS = (
    '''
    """Volume helpers."""

    import os

    from oslo_log import log as logging
    import oslo_messaging as messaging

    from nova import exception

    LOG = logging.getLogger(__name__)


    def attach(connection_info):
        LOG.debug("Attaching %s", connection_info)
    ''',
    '''
    """Volume helpers."""

    import os

    from oslo_log import log as logging
    import oslo_messaging as messaging
    from oslo_utils import strutils

    from nova import exception

    LOG = logging.getLogger(__name__)


    def attach(connection_info):
        LOG.debug("Attaching %s", strutils.mask_dict_password(connection_info))
    ''',
)


def test_carrier_parameter_is_masked_as_a_dict_and_strutils_joins_the_third_party_block():
    assert_fix(*CARRIER_WITH_ALL_GROUPS)


def test_existing_alias_is_reused_in_a_multiline_percent_dict_inside_try_and_with_in_a_method():
    assert_fix(
        '''
        from oslo_log import log as logging
        from oslo_utils import strutils as su

        LOG = logging.getLogger(__name__)


        class API(object):

            @some_decorator
            def attach(self, volume_id, connection_info, instance):
                try:
                    with self.lock:
                        LOG.info("Attaching %(vol)s: %(info)s",
                                 {"vol": volume_id,
                                  "info": connection_info},  # the whole dict
                                 instance=instance)
                except Exception:
                    raise
        ''',
        '''
        from oslo_log import log as logging
        from oslo_utils import strutils as su

        LOG = logging.getLogger(__name__)


        class API(object):

            @some_decorator
            def attach(self, volume_id, connection_info, instance):
                try:
                    with self.lock:
                        LOG.info("Attaching %(vol)s: %(info)s",
                                 {"vol": volume_id,
                                  "info": su.mask_dict_password(connection_info)},  # the whole dict
                                 instance=instance)
                except Exception:
                    raise
        ''',
        cfg=config(line_length=120),  # the project allows it: the line is 101 long
    )


def test_a_fix_that_cannot_keep_to_the_line_length_is_not_offered():
    text = golden(
        '''
        from oslo_log import log as logging

        LOG = logging.getLogger(__name__)


        class API(object):
            def attach(self, volume_id, connection_info, instance):
                LOG.info("Attaching %(vol)s: %(info)s",
                         {"vol": volume_id,
                          "info": connection_info},  # the whole dict, as the driver gave it
                         instance=instance)
        '''
    )
    from fixprops import analyse

    (finding,) = [f for f in analyse(text).findings if f.rule == "NOVA001"]
    assert main_fix(finding, unsafe=True) is None  # 79 columns: no way to write it within them
    (finding,) = [f for f in analyse(text, config(line_length=120)).findings if f.rule == "NOVA001"]
    assert main_fix(finding) is not None


def test_a_long_log_call_is_wrapped_to_the_line_length():
    assert_fix(
        '''
        from oslo_log import log as logging

        LOG = logging.getLogger(__name__)


        class Driver(object):
            def attach(self, context, instance, connection_info):
                if connection_info:
                    LOG.debug("Attaching the volume to %s with %s", instance.uuid, connection_info)
        ''',
        '''
        from oslo_log import log as logging
        from oslo_utils import strutils

        LOG = logging.getLogger(__name__)


        class Driver(object):
            def attach(self, context, instance, connection_info):
                if connection_info:
                    LOG.debug("Attaching the volume to %s with %s", instance.uuid,
                              strutils.mask_dict_password(connection_info))
        ''',
    )


def test_the_project_line_length_comes_from_its_flake8_settings(tmp_path):
    (tmp_path / "tox.ini").write_text("[flake8]\nmax-line-length = 99\n")
    from nova_lsp.config import Config as _Config

    assert _Config(root=str(tmp_path)).effective_line_length() == 99
    (tmp_path / "tox.ini").write_text("[testenv]\ncommands = pytest\n")
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 88\n")
    from nova_lsp.config import project_line_length

    project_line_length.cache_clear()
    assert _Config(root=str(tmp_path)).effective_line_length() == 88
    assert _Config(root=str(tmp_path), line_length=100).effective_line_length() == 100
    project_line_length.cache_clear()
    (tmp_path / "pyproject.toml").unlink()
    assert _Config(root=str(tmp_path)).effective_line_length() == 79


def test_dotted_module_import_is_reused_and_a_built_message_is_masked_as_text():
    assert_fix(
        '''
        import oslo_utils.strutils
        from oslo_log import log as logging

        LOG = logging.getLogger(__name__)


        def mount(request, password):
            cmd = "mount -o password=%s" % password
            LOG.debug("Running %s", cmd)
        ''',
        '''
        import oslo_utils.strutils
        from oslo_log import log as logging

        LOG = logging.getLogger(__name__)


        def mount(request, password):
            cmd = "mount -o password=%s" % password
            LOG.debug("Running %s", oslo_utils.strutils.mask_password(cmd))
        ''',
    )


def test_a_secret_itself_is_replaced_by_a_mask_in_the_statement_quote_style():
    # mask_password("hunter2") returns "hunter2": only a literal mask removes a bare secret
    assert_fix(
        """
        from oslo_log import log as logging

        LOG = logging.getLogger(__name__)


        def set_admin_password(self, context, instance, new_pass):
            LOG.debug('Setting admin password %s on %s', new_pass, instance.uuid)
        """,
        """
        from oslo_log import log as logging

        LOG = logging.getLogger(__name__)


        def set_admin_password(self, context, instance, new_pass):
            LOG.debug('Setting admin password %s on %s', '***', instance.uuid)
        """,
    )


def test_fstring_field_and_format_argument_in_a_nested_function():
    before = golden(
        '''
        from oslo_log import log as logging

        LOG = logging.getLogger(__name__)


        def outer(self):
            def inner(connection_info, token):
                LOG.debug(f'conn {connection_info} for {self.host}')
                LOG.debug("token {}".format(token))
            return inner
        '''
    )
    wide = config(line_length=99)  # an f-string cannot be wrapped: the project allows 99
    assert fix_all(before, wide) == golden(
        '''
        from oslo_log import log as logging
        from oslo_utils import strutils

        LOG = logging.getLogger(__name__)


        def outer(self):
            def inner(connection_info, token):
                LOG.debug(f'conn {strutils.mask_dict_password(connection_info)} for {self.host}')
                LOG.debug("token {}".format("***"))
            return inner
        '''
    )
    check_text(before, wide)


def test_secret_inside_an_fstring_gets_the_other_quote():
    assert_fix(
        """
        import logging

        LOG = logging.getLogger(__name__)


        def login(user, password):
            LOG.info(f'login {user}:{password}')
        """,
        """
        import logging

        LOG = logging.getLogger(__name__)


        def login(user, password):
            LOG.info(f'login {user}:{"***"}')
        """,
    )


def test_carrier_parameter_defaulting_to_none_is_masked_with_a_fallback_dict():
    assert_fix(
        """
        from oslo_log import log as logging
        from oslo_utils import strutils

        LOG = logging.getLogger(__name__)


        def spawn(self, context, instance, block_device_info=None):
            LOG.debug("bdi %s", block_device_info, instance=instance)
        """,
        """
        from oslo_log import log as logging
        from oslo_utils import strutils

        LOG = logging.getLogger(__name__)


        def spawn(self, context, instance, block_device_info=None):
            LOG.debug("bdi %s", strutils.mask_dict_password(block_device_info or {}),
                      instance=instance)
        """,
    )


def test_kwargs_locals_and_context_dumps_are_masked_as_dicts():
    before = golden(
        """
        from oslo_log import log as logging
        from oslo_utils import strutils

        LOG = logging.getLogger(__name__)


        def update(context, password, **kwargs):
            kwargs.setdefault("auth_token", context.auth_token)
            LOG.debug("update %s", kwargs)
            LOG.debug("with %(password)s", locals())
            LOG.debug("as %s", context.to_dict())
        """
    )
    assert fix_all(before) == golden(
        """
        from oslo_log import log as logging
        from oslo_utils import strutils

        LOG = logging.getLogger(__name__)


        def update(context, password, **kwargs):
            kwargs.setdefault("auth_token", context.auth_token)
            LOG.debug("update %s", strutils.mask_dict_password(kwargs))
            LOG.debug("with %(password)s", strutils.mask_dict_password(locals()))
            LOG.debug("as %s", strutils.mask_dict_password(context.to_dict()))
        """
    )
    check_text(before)


def test_attribute_carrier_may_be_a_json_string_so_it_is_masked_as_text():
    # BlockDeviceMapping.connection_info is a JSON string: mask_dict_password would raise
    assert_fix(
        """
        from oslo_log import log as logging
        from oslo_utils import strutils

        LOG = logging.getLogger(__name__)


        def refresh(bdm):
            LOG.debug("Refreshing %s", bdm.connection_info)
        """,
        """
        from oslo_log import log as logging
        from oslo_utils import strutils

        LOG = logging.getLogger(__name__)


        def refresh(bdm):
            LOG.debug("Refreshing %s", strutils.mask_password(bdm.connection_info))
        """,
    )


def test_secret_in_an_exception_message():
    assert_fix(
        """
        from nova import exception


        def check(self, new_pass):
            if len(new_pass) < 8:
                raise exception.InvalidInput(reason="weak password %s" % new_pass)
        """,
        """
        from nova import exception


        def check(self, new_pass):
            if len(new_pass) < 8:
                raise exception.InvalidInput(reason="weak password %s" % "***")
        """,
        rule="NOVA002",
    )


def test_module_with_docstring_and_future_import_only():
    assert_fix(
        '''
        """Console auth."""
        from __future__ import annotations
        LOG = get_logger()


        def auth(connection_info):
            LOG.debug("conn %s", connection_info)
        ''',
        '''
        """Console auth."""
        from __future__ import annotations

        from oslo_utils import strutils

        LOG = get_logger()


        def auth(connection_info):
            LOG.debug("conn %s", strutils.mask_dict_password(connection_info))
        ''',
    )


def test_parameter_named_like_the_module_gets_an_aliased_import():
    assert_fix(
        """
        import logging

        LOG = logging.getLogger(__name__)


        def show(strutils, connection_info):
            LOG.debug("conn %s", connection_info)
        """,
        """
        import logging

        from oslo_utils import strutils as oslo_utils_strutils

        LOG = logging.getLogger(__name__)


        def show(strutils, connection_info):
            LOG.debug("conn %s",
                      oslo_utils_strutils.mask_dict_password(connection_info))
        """,
    )


def test_tabs_and_crlf_are_kept():
    before = "import logging\r\n\r\nLOG = logging.getLogger(__name__)\r\n\r\n\r\nclass A:\r\n\tdef f(self, connection_info):\r\n\t\tif connection_info:\r\n\t\t\tLOG.debug('c %s', connection_info)\r\n"
    after = "import logging\r\n\r\nfrom oslo_utils import strutils\r\n\r\nLOG = logging.getLogger(__name__)\r\n\r\n\r\nclass A:\r\n\tdef f(self, connection_info):\r\n\t\tif connection_info:\r\n\t\t\tLOG.debug('c %s', strutils.mask_dict_password(connection_info))\r\n"
    assert apply_one(before, "NOVA001") == after
    check_text(before)


@pytest.mark.parametrize(
    "line",
    [
        'LOG.debug("pin %d", password)',  # the masked text would break a %d field
        'LOG.debug(f"pin {password:04d}")',
        'LOG.debug("pw %s %s", *password)',
    ],
)
def test_no_fix_where_redacting_would_break_the_formatting(line):
    text = golden(
        f"""
        import logging

        LOG = logging.getLogger(__name__)


        def f(password):
            {line}
        """
    )
    from fixprops import analyse

    findings = [f for f in analyse(text).findings if f.rule == "NOVA001"]
    assert all(main_fix(f) is None for f in findings)


def _fix_with_options(text: str, rule_id: str, **options) -> str:
    """Run a rule's check with extra (not yet declared) options and apply its first fix."""
    from nova_lsp.core.document import apply_edits

    rule = load_registry().get(rule_id)
    document = Document(golden(text), "nova/compute/api.py")
    module = parse(document)
    ctx = CheckContext(module, document, rule, {**rule.options, **options}, NodeIndex(module))
    found = next(iter(rule.runner(ctx)))
    finding = build_fixes(document, module, [found], ctx.pending)[id(found)]
    return apply_edits(document.text, main_fix(finding).edits)


def test_configured_redactors_are_imported_and_used():
    text = """
        from oslo_log import log as logging

        from nova import exception

        LOG = logging.getLogger(__name__)


        def attach(connection_info):
            LOG.debug("Attaching %s", connection_info)
        """
    assert _fix_with_options(text, "NOVA001", redactor="nova.utils.redact") == golden(
        """
        from oslo_log import log as logging

        from nova import exception
        from nova import utils

        LOG = logging.getLogger(__name__)


        def attach(connection_info):
            LOG.debug("Attaching %s", utils.redact(connection_info))
        """
    )
    assert _fix_with_options(
        text, "NOVA001", redactor="nova.utils.redact", **{"mapping-redactor": "nova.privsep.mask_dict"}
    ) == golden(
        """
        from oslo_log import log as logging

        from nova import exception
        from nova import privsep

        LOG = logging.getLogger(__name__)


        def attach(connection_info):
            LOG.debug("Attaching %s", privsep.mask_dict(connection_info))
        """
    )


def test_every_fix_is_offered_as_preferred_and_titled():
    from fixprops import analyse

    text = golden(CARRIER_WITH_ALL_GROUPS[0])
    (finding,) = [f for f in analyse(text, config(["NOVA001"])).findings]
    fix = main_fix(finding)
    assert fix.preferred
    assert fix.title == "Redact `connection_info` with strutils.mask_dict_password()"
    assert [f.kind.value for f in finding.fixes] == ["fix", "suppress"]
