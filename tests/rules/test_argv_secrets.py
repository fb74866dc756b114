"""NOVA014 secret-in-argv-unmasked and NOVA015 secret-in-argv: secrets in command lines,
rendered as processutils logs them and masked by the port of ``strutils.mask_password``."""

from __future__ import annotations

import textwrap

import pytest

from nova_lsp.checks.argv_secrets import masker
from nova_lsp.config import Config
from nova_lsp.core.document import Document
from nova_lsp.core.model import Severity
from nova_lsp.engine.analyze import analyze
from nova_lsp.engine.registry import load_registry

UNMASKED, ANY = "NOVA014", "NOVA015"
HEADER = """\
import subprocess

from oslo_concurrency import processutils

from cinder import utils

"""
OFFSET = HEADER.count("\n")
KEYS = tuple(next(r for r in load_registry().rules if r.id == UNMASKED).options["mask-keys"])


def findings(code, rule=UNMASKED, rules=None):
    text = HEADER + textwrap.dedent(code)
    table = {"select": [rule]}
    if rules:
        table["rules"] = rules
    analysis = analyze(Document(text, "cinder/volume/targets/x.py"), Config().overlay(table, "test").selection())
    assert not analysis.errors, analysis.errors
    return [f for f in analysis.findings if f.rule == rule]


def lines(code, rule=UNMASKED, **kw):
    return [f.span.start_line + 1 - OFFSET for f in findings(code, rule, **kw)]


def both(code):
    return lines(code, UNMASKED), lines(code, ANY)


# -- the mask_password port ------------------------------------------------------------------

S = "S3NT1NEL"


@pytest.mark.parametrize(
    "line",
    [
        f"iscsiadm -m node -n node.session.auth.password -v {S}",
        f"iscsiadm -m discoverydb -n discovery.sendtargets.auth.password -v {S}",
        f"cmd --password {S}",
        f"cmd --password={S}",
        f"cmd -password={S}",
        f"cmd password={S}",
        f"mount -o username=u,password={S},vers=3",
        f"nvme connect --dhchap-secret={S}",
        f"cmd --secret {S}",
        f"cmd --token {S}",
        f"cmd --auth_token {S}",
        f"cmd chap_secret={S}",
        f"cmd SOMEPASSWORD={S}",
        f"cmd password -v {S}",
        f"cmd password '{S}'",
        f"cmd PASSWORD2={S}",
    ],
)
def test_forms_mask_password_masks(line):
    assert S not in masker(KEYS).mask(line)


@pytest.mark.parametrize(
    "line",
    [
        f"iscsiadm -n node.session.auth.password_in -v {S}",
        f"cmd --passwd {S}",
        f"cmd -password {S}",
        f"svctask chhost -chapsecret {S} host",
        f"cmd --chap-secret {S}",
        f"cmd --dhchap-secret {S}",
        f"cmd --auth-token {S}",
        f"cmd --os-password {S}",
        f"cmd --key {S}",
        f"mount -o user=u,pass={S}",
        f"smbclient -U user%{S}",
        f"curl -u user:{S}",
        f"mysql -p{S}",
        f"ipmitool -P {S}",
        f"ldapwhoami -w {S}",
        f"qemu-img convert --object secret,id=s,data={S}",
        f"cinder-rtstool create path iqn user {S} False",
        f"iscsiadm -n node.session.auth.password --op update -v {S}",
    ],
)
def test_forms_mask_password_does_not_mask(line):
    assert S in masker(KEYS).mask(line)


def test_the_key_list_is_oslo_utils_10_2_0():
    assert len(KEYS) == 35 and KEYS[0] == "adminpass" and KEYS[-1] == "chapsecret"


# -- NOVA014 / NOVA015: what is a secret in a command line ----------------------------------


def test_positional_secret_unpacked_from_a_tuple():
    code = """\
        def create(path, name, chap_auth):
            userid, password = chap_auth
            cmd = ['cinder-rtstool', 'create', path, name, userid, password]
            utils.execute(*cmd, run_as_root=True)
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING and f.cwe == (532,)
    assert f.span.start_line + 1 - OFFSET == 3
    assert "`password` is on a command line that processutils logs" in f.message
    assert "`cinder-rtstool create … … … <secret>`" in f.message
    assert "process_input=" in f.message
    [g] = findings(code, ANY)
    assert g.severity is Severity.INFORMATION and g.cwe == (214,)


def test_masked_forms_are_reported_only_as_visible_in_ps():
    code = """\
        def login(props, target):
            utils.execute('iscsiadm', '-m', 'node', '-T', target,
                          '-n', 'node.session.auth.password',
                          '-v', props['auth_password'])
            processutils.execute('tool', '--password', props['auth_password'])
            processutils.execute('tool', 'password=%s' % props['auth_password'])
        """
    assert both(code) == ([], [4, 5, 6])


def test_an_unknown_flag_between_key_and_value_defeats_the_mask():
    code = """\
        def update(props, op):
            utils.execute('iscsiadm', '-n', 'node.session.auth.password',
                          op, '-v', props['auth_password'])
        """
    assert lines(code) == [3]


@pytest.mark.parametrize(
    "element",
    [
        "'-p%s' % password",
        "'-p' + password",
        "f'-p{password}'",
        "'-p{}'.format(password)",
        "'-p{pw}'.format(pw=password)",
        "'user=%(user)s,pass=%(password)s' % {'user': user, 'password': password}",
        "'%s:%s' % (user, password)",
        "str(password)",
    ],
)
def test_elements_are_followed_through_formatting(element):
    code = f"""\
        def run(user, password):
            processutils.execute('tool', {element})
        """
    assert lines(code) == [2]


@pytest.mark.parametrize(
    "value",
    [
        "self.configuration.san_password",
        "props['auth_password']",
        "props.get('discovery_auth_password')",
        "self._get_chap_password()",
        "generate_password()",
        "CONF.ldap.bind_passwd",
        "ss_info['ss_password']",
        "self.token",
        "secrets[0]",
    ],
)
def test_secret_values_by_their_names(value):
    code = f"""\
        def run(self, props, ss_info, secrets):
            processutils.execute('tool', '-w', {value})
        """
    assert lines(code) == [2]


@pytest.mark.parametrize(
    "value",
    [
        "password_file",
        "self.passphrase_path",
        "secret_uuid",
        "key_size",
        "use_chap_auth",
        "len(password)",
        "self._write_password_file(password)",
        "hashlib.sha256(password).hexdigest()",
        "strutils.mask_password(password)",
        "'pass:'",
        "token_ttl",
        "masked_password",
    ],
)
def test_values_about_a_secret_are_not_secrets(value):
    code = f"""\
        def run(self, password, password_file, secret_uuid, key_size, use_chap_auth,
                token_ttl, masked_password):
            processutils.execute('tool', '-w', {value})
        """
    assert both(code) == ([], [])


def test_a_variables_own_value_decides_over_its_name():
    code = """\
        def connect(self):
            raid_password = ''
            if self.password:
                raid_password = 'password=%s' % self.password
            processutils.execute('ConnectRaid', self.ip, raid_password, '-notiOn')
        """
    assert both(code) == ([], [4])


def test_a_loop_over_literals_binds_literals():
    code = """\
        def unlock(device, passwords):
            for password in ['NULL', '']:
                utils.execute('hdparm', '--security-unlock', password, device)
            for password in passwords:
                utils.execute('hdparm', '--security-unlock', password, device)
        """
    assert both(code) == ([5], [5])


def test_values_computed_by_a_call_from_a_secret():
    code = """\
        def set_chap(self, name, chap_auth):
            chap_string = self._authentication('IncomingUser=', *chap_auth)
            processutils.execute('scstadmin', '-set_tgt_attr', name, '-attributes', chap_string)
        """
    assert lines(code) == [2]


def test_stdin_files_and_flag_letters_are_quiet():
    code = """\
        def run(device, passphrase, key_size, password_file, pid_file, pool, keyfile, data):
            processutils.execute('cryptsetup', 'luksFormat', '--key-file=-',
                                 '--key-size=' + str(key_size), device,
                                 process_input=passphrase)
            processutils.execute('ipmitool', '-f', password_file)
            processutils.execute('daemon', '-p', pid_file, '-P', pool)
            processutils.execute('openssl', 'pkcs12', '-inkey', keyfile, '-password',
                                 'pass:', process_input=data)
            processutils.execute('qemu-img', 'convert', '--object',
                                 'secret,id=s0,file=%s' % password_file)
        """
    assert both(code) == ([], [])


def test_lists_that_never_reach_a_sink_are_quiet():
    code = """\
        ROUTES = [('/os-password', 'password', ['POST'])]


        def payload(password):
            body = ['--password-x', password]
            return self.client.post('/users', body)
        """
    assert both(code) == ([], [])


# -- sinks ----------------------------------------------------------------------------------------


def test_ssh_commands_are_logged_but_not_in_the_local_process_list():
    code = """\
        class Helpers(object):

            def run_ssh_assert_no_output(self, ssh_cmd, log_cmd=None):
                return self._run_ssh(ssh_cmd)

            def add_chap_secret(self, secret, host):
                ssh_cmd = ['svctask', 'chhost', '-chapsecret', secret, '"%s"' % host]
                self.run_ssh_assert_no_output(ssh_cmd)

            def ssh(self, ssh, secret):
                processutils.ssh_execute(ssh, ' '.join(['chhost', '-chapsecret', secret]))
        """
    found = findings(code)
    assert [f.span.start_line + 1 - OFFSET for f in found] == [7, 11]
    assert "CLI's prompt" in found[0].message
    assert lines(code, ANY) == []


def test_subprocess_does_not_log_but_shows_in_ps():
    code = """\
        def run(password):
            subprocess.check_call(['tool', '-p', password])
        """
    assert both(code) == ([], [2])


def test_the_modules_own_wrappers_and_privsep_helpers():
    code = """\
        import cinder.privsep.targets.scst


        class Target(object):

            def scst_execute(self, *args):
                return cinder.privsep.targets.scst.run_scstadmin(*args)

            def ldap_retry(self, cmd, run_as_root=True):
                def attempt():
                    self._execute(*cmd, run_as_root=run_as_root)
                return attempt()

            def a(self, name, password):
                self.scst_execute('-set', name, password)

            def b(self, password):
                self.ldap_retry(['ldapwhoami', '-w', password])
        """
    assert lines(code) == [15, 18]


def test_a_method_named_like_a_sink_that_runs_nothing_is_not_one():
    code = """\
        class RaidCli(object):

            def _execute_command(self, cli_type, *args):
                command = getattr(self.cli, cli_type)
                return command(self.conf).execute(*args)

            def _execute(self, cli_type, *args):
                return self._execute_command(cli_type, *args)

            def connect(self, password):
                self._execute('ConnectRaid', self.ip, password)


        class Other(object):

            def connect(self, password):
                self._execute('ConnectRaid', self.ip, password)
        """
    assert lines(code, ANY) == [17]


def test_configured_sinks_and_secret_names():
    code = """\
        def run(self, pin):
            self.cli.invoke('tool', '-k', pin)
        """
    assert both(code) == ([], [])
    rules = {"secret-in-argv": {"extend-sinks": ["*.cli.invoke"], "extend-secret-words": ["pin"]}}
    assert lines(code, ANY, rules=rules) == [2]


def test_one_finding_per_element_over_many_paths():
    code = """\
        def run(password, a=None, b=None, c=None):
            cmd = ['tool']
            if a:
                cmd += ['-a', a]
            if b:
                cmd += ['-b', b]
            if c:
                cmd.append(c)
            cmd += ['-w', password]
            processutils.execute(*cmd)
            processutils.execute(*cmd)
        """
    assert lines(code) == [9]


# -- NOVA016: privsep replies ---------------------------------------------------------------------

ENTRY = "NOVA016"


def entry_lines(code, rules=None):
    text = textwrap.dedent(code)
    table = {"select": [ENTRY]}
    if rules:
        table["rules"] = rules
    analysis = analyze(Document(text, "os_brick/privileged/x.py"), Config().overlay(table, "test").selection())
    assert not analysis.errors, analysis.errors
    return [f.span.start_line + 1 for f in analysis.findings if f.rule == ENTRY]


def test_privsep_replies_are_opt_in():
    rule = next(r for r in load_registry().rules if r.id == ENTRY)
    assert rule.enabled is False


def test_entrypoints_returning_a_secret():
    code = """\
        from os_brick import privileged
        import os_brick.privileged as priv


        @privileged.default.entrypoint
        def read_pair(conf, group, failed_over):
            password_key = 'replicating_san_password' if failed_over else 'san_password'
            return conf[group]['san_login'], conf[group][password_key]


        @priv.default.entrypoint
        def read_token(path):
            token = open(path).read()
            return token


        @privileged.default.entrypoint
        def fetch_password_file(path):
            return path


        @privileged.brick_privsep_hide_output.entrypoint
        def read_hidden(conf):
            return conf['password']


        def not_an_entrypoint(conf):
            return conf['password']
        """
    assert entry_lines(code) == [8, 14]
    assert entry_lines(code, rules={"privsep-reply-secret": {"quiet-contexts": []}}) == [8, 14, 24]
