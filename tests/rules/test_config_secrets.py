"""NOVA012 secret-option-not-secret and NOVA013 mutable-secret-option: which oslo.config
options hold secrets, and the `secret=True` fix."""

from __future__ import annotations

import textwrap

import pytest
from helpers import run

from nova_lsp.config import Config
from nova_lsp.core.document import Document, apply_edits
from nova_lsp.core.model import Applicability, Severity, Span
from nova_lsp.engine.analyze import analyze
from nova_lsp.engine.fix_all import fix_text

RULE = "NOVA012"
MUTABLE = "NOVA013"
HEAD = "from oslo_config import cfg\n\n"


def findings(code, rule=RULE, **kw):
    analysis = run(code, select=rule, **kw)
    assert not analysis.errors, analysis.errors
    return [f for f in analysis.findings if f.rule == rule]


def names(code, **kw):
    """The option names flagged in ``code`` (the text of each finding's span)."""
    text = textwrap.dedent(code)
    doc = Document(text)
    return [doc.text_of(f.span).strip("'\"") for f in findings(code, **kw)]


def opt(line: str) -> str:
    return HEAD + f"opts = [\n    {line},\n]\n"


def fixed(code, **kw) -> str:
    text = textwrap.dedent(code)
    [finding] = findings(text, dedent=False, **kw)
    [fix] = [f for f in finding.fixes if f.title == "Declare the option secret=True"]
    return apply_edits(text, fix.edits)


# -- what is flagged ---------------------------------------------------------------------------


def test_unmarked_password_option_is_a_warning_on_its_name():
    code = HEAD + "opts = [\n    cfg.StrOpt('san_password', help='SAN password.'),\n]\n"
    [f] = findings(code)
    assert f.severity is Severity.WARNING and f.cwe == (532,) and f.name == "secret-option-not-secret"
    assert f.span == Span(3, 15, 3, 29)  # 'san_password'
    assert "`san_password`" in f.message and "`password`" in f.message
    assert "not declared `secret=True`" in f.message and "log_opt_values()" in f.message


@pytest.mark.parametrize(
    "name",
    [
        "password", "admin_password", "vnc-passwd", "db_pwd", "ssh_pw", "cifs_pass",
        "shared_secret", "auth_token", "pure_api_token", "encryption_key", "memcache_secret_key",
        "client_credential", "app_credentials", "ipsec_psk", "sf_apikey", "session_cookie",
        "backup_kek", "lightos_jwt", "luks_passphrase",
        "sourcetoken", "adminpassword", "bmcpasswd", "appsecret",
        "ssh_private_key", "vendor_api_key", "s3_access_key", "s3_secret_key", "auth_key",
        "oauth_client_secret",
    ],
)
def test_secret_bearing_names(name):
    assert names(opt(f"cfg.StrOpt('{name}', help='It.')")) == [name]


@pytest.mark.parametrize(
    "name", ["connection", "sql_connection", "database_connection", "transport_url", "backend_url", "coordination_url"]
)
def test_credential_url_names_beat_the_url_ending(name):
    assert names(opt(f"cfg.StrOpt('{name}', help='Where the database is.')")) == [name]


@pytest.mark.parametrize("ctor", ["StrOpt", "URIOpt", "DictOpt", "ListOpt", "MultiStrOpt", "MultiOpt", "Opt"])
def test_every_string_like_constructor(ctor):
    assert names(opt(f"cfg.{ctor}('admin_token')")) == ["admin_token"]


@pytest.mark.parametrize(
    "imports, call",
    [
        ("from oslo_config import cfg", "cfg.StrOpt"),
        ("from oslo_config import cfg as config", "config.StrOpt"),
        ("from oslo_config.cfg import StrOpt", "StrOpt"),
        ("from oslo_config.cfg import StrOpt as PlainOpt", "PlainOpt"),
        ("import oslo_config.cfg", "oslo_config.cfg.StrOpt"),
    ],
)
def test_constructor_resolved_through_the_imports(imports, call):
    assert names(f"{imports}\n\nopt = {call}('bmc_password')\n") == ["bmc_password"]


@pytest.mark.parametrize(
    "code",
    [
        "from myproject.conf import StrOpt\n\nopt = StrOpt('bmc_password')\n",
        "import argparse\n\nopt = argparse.StrOpt('bmc_password')\n",
        "from myproject import cfg\n\nopt = cfg.StrOpt('bmc_password')\n",
        "def StrOpt(name):\n    return name\n\n\nopt = StrOpt('bmc_password')\n",
    ],
)
def test_look_alike_constructors_are_not_oslo_config(code):
    assert names(code) == []


def test_option_declared_anywhere_module_level_or_in_a_function():
    code = HEAD + (
        "vault_token_opt = cfg.StrOpt('vault_token')\n\n\n"
        "def list_opts():\n    return [cfg.StrOpt('ilo_password', default='')]\n"
    )
    assert names(code) == ["vault_token", "ilo_password"]


def test_name_given_as_keyword_or_held_in_a_module_constant():
    code = HEAD + "PASSWORD_OPT = 'array_password'\n\nopts = [\n    cfg.StrOpt(name='admin_token'),\n    cfg.StrOpt(PASSWORD_OPT),\n]\n"
    assert names(code) == ["admin_token", "PASSWORD_OPT"]
    [_, second] = findings(code)
    assert "`array_password`" in second.message


def test_explicit_secret_false_is_flagged_and_fixed():
    code = opt("cfg.StrOpt('admin_password', secret=False)")
    [f] = findings(code)
    assert "declared `secret=False`" in f.message
    assert "cfg.StrOpt('admin_password', secret=True)" in fixed(code)


@pytest.mark.parametrize("name", ["admin_password_value", "bmc_password_b64", "vault_token_str"])
def test_value_words_are_skipped_before_the_last_word(name):
    assert names(opt(f"cfg.StrOpt('{name}')")) == [name]


@pytest.mark.parametrize(
    "name",
    [
        "token_endpoint", "password_symbols", "key_wrap_mechanism", "secret_store_plugin",
        "token_labels", "allowed_key_usage", "token_serial_number", "password_expires_days",
    ],
)
def test_the_last_word_decides(name):
    assert names(opt(f"cfg.StrOpt('{name}')")) == []


@pytest.mark.parametrize(
    "name, text",
    [
        ("encryption_key", "Key of the volume."),
        ("module_aes_cbc_key", "Key of the module."),
        ("taskmanager_rpc_encr_key", "Key for taskmanager RPC."),
        ("backup_swift_key", "Swift key for authentication."),
        ("heartbeat_key", "Shared HMAC key of the amphora heartbeats."),
        ("key", "Secret used to sign the console tokens."),
    ],
)
def test_keys_of_a_known_kind_or_described_as_secret(name, text):
    assert names(opt(f"cfg.StrOpt('{name}', help='{text}')")) == [name]


@pytest.mark.parametrize(
    "name, text",
    [
        ("scope_key", "Key defining a scope, project_id or domain_id."),
        ("project_id_key", "Aggregate metadata value for key matching project_id."),
        ("instance_metadata_key", "Instance metadata key naming the HA flag."),
        ("nas_ssh_key", "SSH key for the NAS server, unless its password is set."),
        ("sort_key", ""),
    ],
)
def test_other_keys_name_a_key_of_a_mapping_or_a_key_file(name, text):
    assert names(opt(f"cfg.StrOpt('{name}', help='{text}')")) == []


# -- what is not -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "cfg.StrOpt('admin_password', secret=True)",
        "cfg.StrOpt('admin_password', secret=SECRET)",
        "cfg.StrOpt('admin_password', **common_kwargs)",
        "cfg.IntOpt('password_length')",
        "cfg.IntOpt('token_ttl')",
        "cfg.BoolOpt('inject_password')",
        "cfg.FloatOpt('token_expiry_fraction')",
        "cfg.PortOpt('secret_port')",
        "cfg.Opt('token_retries', type=types.Integer())",
        "cfg.ListOpt('key_sizes', item_type=types.Integer())",
        "cfg.StrOpt(OPT_NAME_FROM_ELSEWHERE)",
        "cfg.StrOpt(name_for(index))",
    ],
)
def test_secret_or_non_string_or_unknown_options_are_quiet(line):
    assert names(opt(line)) == []


@pytest.mark.parametrize(
    "name",
    [
        "rbd_secret_uuid", "password_regex", "password_hash_algorithm", "key_repository",
        "secret_ref", "token_cache_time",
        "enforce_token_bind", "service_token_roles", "user_pass_attribute", "user_pass_attr",
        "password_regex_description", "ssh_key_file", "key_path", "token_dir", "secret_id",
        "keystone_key_name", "key_size", "token_length", "token_type", "key_format",
        "password_function", "auth_url", "admin_user", "admin_username", "token_timeout",
        "password_policy", "tpm_secret_security", "key_hash",
    ],
)
def test_metadata_endings_describe_the_secret(name):
    assert names(opt(f"cfg.StrOpt('{name}')")) == []


@pytest.mark.parametrize(
    "name, text",
    [
        ("key", "SSL key file (if separate from cert)."),
        ("vencrypt_client_key", "The path to the client key."),
        ("san_private_key", "Filename of private key to use for SSH authentication."),
        ("fernet_keys", "Directory containing Fernet token keys."),
        ("password", "Entry point for the password auth plugin module."),
        ("token", "The entrypoint of the token auth plugin."),
        ("client_priv_key", "Private key of client certificate."),
        ("ovn_nb_private_key", "The PEM key for SSL connections to the northbound DB."),
    ],
)
def test_help_saying_the_value_is_a_location_or_plugin(name, text):
    assert names(opt(f"cfg.StrOpt('{name}', help='{text}')")) == []


def test_help_markers_read_through_translation_and_concatenation():
    code = HEAD + "from nova.i18n import _\n\nopts = [\n    cfg.StrOpt('key', help=_('The SSL key ' 'file.')),\n    cfg.StrOpt('cert_key', help=('Private key ' + 'of the x509 certificate.')),\n]\n"
    assert names(code) == []


def test_certificate_marker_only_for_names_ending_in_key():
    code = opt("cfg.StrOpt('mgmt_password', help='Password for the certificate store.')")
    assert names(code) == ["mgmt_password"]


def test_file_system_is_not_a_file():
    code = opt("cfg.StrOpt('cifs_admin_password', help='File system admin password for CIFS.')")
    assert names(code) == ["cifs_admin_password"]


@pytest.mark.parametrize(
    "line",
    [
        "cfg.StrOpt('connection', default='tcp:127.0.0.1:6640')",
        "cfg.StrOpt('connection', default='unix:/var/run/openvswitch/db.sock')",
        "cfg.StrOpt('connection', help='The connection string for the native OVSDB backend.')",
        "cfg.StrOpt('ovn_nb_connection', default='tcp:127.0.0.1:6641')",
        "cfg.StrOpt('ovsdb_connection', default='tcp:127.0.0.1:6640')",
    ],
)
def test_ovsdb_endpoints_carry_no_password(line):
    assert names(opt(line)) == []


def test_secret_options_listed_by_name_or_by_constant():
    code = HEAD + (
        "from cinder.volume.drivers.dell_emc.powermax import utils\n\n"
        "opts = [\n    cfg.MultiOpt('replication_device', item_type=types.Dict()),\n"
        "    cfg.MultiOpt(utils.U4P_FAILOVER_TARGETS, item_type=types.Dict()),\n]\n"
    )
    assert names(code) == ["replication_device", "utils.U4P_FAILOVER_TARGETS"]
    assert all("innocent name" in f.message for f in findings(code))


def test_options_extend_the_lists():
    code = opt("cfg.DictOpt('backend_info')") + "other = cfg.StrOpt('vault_token')\n"
    rules = {"secret-option-not-secret": {"extend-secret-options": ["backend_info"]}}
    assert names(code, rules=rules) == ["backend_info", "vault_token"]
    rules = {"secret-option-not-secret": {"secret-tokens": ["password"], "glued-secret-words": []}}
    assert names(code, rules=rules) == []


def test_files_without_an_option_call_are_skipped():
    assert names("from oslo_config import cfg\n\npassword = cfg.CONF.admin_password\n") == []


# -- the fix -----------------------------------------------------------------------------------


def test_fix_is_safe_preferred_and_goes_before_help_on_its_own_line():
    code = HEAD + "opts = [\n    cfg.StrOpt('san_password',\n               default='',\n               help='Password.'),\n]\n"
    [f] = findings(code)
    [fix] = [x for x in f.fixes if x.title == "Declare the option secret=True"]
    assert fix.applicability is Applicability.SAFE and fix.preferred
    assert apply_edits(code, fix.edits) == HEAD + (
        "opts = [\n    cfg.StrOpt('san_password',\n               default='',\n"
        "               secret=True,\n               help='Password.'),\n]\n"
    )


def test_fix_before_the_first_keyword_on_its_own_line_without_help():
    code = HEAD + "opt = cfg.StrOpt('san_password',\n                 default='')\n"
    assert fixed(code) == HEAD + "opt = cfg.StrOpt('san_password',\n                 secret=True,\n                 default='')\n"


def test_fix_in_a_hanging_indent_call():
    code = HEAD + "opt = cfg.StrOpt(\n    'san_password',\n    help='Password.',\n)\n"
    assert fixed(code) == HEAD + "opt = cfg.StrOpt(\n    'san_password',\n    secret=True,\n    help='Password.',\n)\n"


def test_fix_on_one_line_goes_after_the_name():
    code = HEAD + "opt = cfg.StrOpt('san_password', help='Password.')\n"
    assert fixed(code) == HEAD + "opt = cfg.StrOpt('san_password', secret=True, help='Password.')\n"


def test_fix_after_the_last_positional_argument():
    code = HEAD + "opt = cfg.StrOpt('san_password', None, help='Password.')\n"
    assert fixed(code) == HEAD + "opt = cfg.StrOpt('san_password', None, secret=True, help='Password.')\n"


def test_fix_after_a_keyword_name():
    code = HEAD + "opt = cfg.StrOpt(name='san_password')\n"
    assert fixed(code) == HEAD + "opt = cfg.StrOpt(name='san_password', secret=True)\n"


def test_fix_wraps_a_line_that_would_pass_the_line_length():
    code = HEAD + "opts = [\n    cfg.StrOpt('kumo_token', help='KumoScale provisioner auth token.'),\n]\n"
    out = fixed(code)
    assert out == HEAD + (
        "opts = [\n    cfg.StrOpt('kumo_token', help='KumoScale provisioner auth token.',\n"
        "               secret=True),\n]\n"
    )
    assert all(len(line) <= 79 for line in out.splitlines())


def test_fix_keeps_tabs_and_crlf():
    code = HEAD.replace("\n", "\r\n") + "opts = [\r\n\tcfg.StrOpt('san_password',\r\n\t           help='Password.'),\r\n]\r\n"
    assert fixed(code) == HEAD.replace("\n", "\r\n") + (
        "opts = [\r\n\tcfg.StrOpt('san_password',\r\n\t           secret=True,\r\n\t           help='Password.'),\r\n]\r\n"
    )


def test_fix_all_applies_it_and_is_idempotent():
    code = HEAD + "opts = [\n    cfg.StrOpt('san_password',\n               help='Password.'),\n    cfg.StrOpt('san_login', help='Login.'),\n]\n"
    selection = Config().overlay({"select": [RULE]}, "test").selection()
    once = fix_text(code, "cinder/volume/drivers/san/san.py", selection)
    assert "               secret=True,\n               help='Password.')" in once.text
    assert once.applied and not [f for f in once.analysis.findings if f.rule == RULE]
    assert fix_text(once.text, "cinder/volume/drivers/san/san.py", selection).text == once.text


def test_fix_is_offered_in_test_code_too():
    code = HEAD + "opt = cfg.StrOpt('fake_password')\n"
    selection = Config().overlay({"select": [RULE]}, "test").selection()
    [f] = analyze(Document(code, "nova/tests/unit/test_conf.py"), selection).findings
    assert any(x.title == "Declare the option secret=True" for x in f.fixes)


# -- NOVA013 -----------------------------------------------------------------------------------


def test_secret_and_mutable_is_information_on_the_mutable_keyword():
    code = opt("cfg.StrOpt('image_server_password', secret=True, mutable=True)")
    [f] = findings(code, rule=MUTABLE)
    assert f.severity is Severity.INFORMATION and f.cwe == (532,) and f.name == "mutable-secret-option"
    assert Document(code).text_of(f.span) == "mutable=True"
    assert "`image_server_password`" in f.message and "reload" in f.message
    assert not [x for x in f.fixes if x.kind.value == "fix"]


@pytest.mark.parametrize(
    "line",
    [
        "cfg.StrOpt('image_server_password', secret=True)",
        "cfg.StrOpt('image_server_password', secret=True, mutable=False)",
        "cfg.StrOpt('image_server_user', mutable=True)",
        "cfg.StrOpt('image_server_password', secret=True, mutable=RELOADABLE)",
    ],
)
def test_not_both_secret_and_mutable_is_quiet(line):
    assert findings(opt(line), rule=MUTABLE) == []


def test_mutable_rule_covers_every_constructor():
    assert len(findings(opt("cfg.IntOpt('pin', secret=True, mutable=True)"), rule=MUTABLE)) == 1


def test_unmarked_mutable_secret_gets_nova012_only():
    code = opt("cfg.StrOpt('image_server_password', mutable=True)")
    assert len(findings(code)) == 1 and findings(code, rule=MUTABLE) == []
