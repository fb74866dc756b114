"""NOVA009 policy-default-target: policy checks with no target in API handlers that load the
object, and the two fixes (target in place, or the check moved after the fetch)."""

from __future__ import annotations

import textwrap

import pytest

from nova_lsp.config import Config
from nova_lsp.core.document import Document, apply_edits
from nova_lsp.core.model import Applicability, Severity
from nova_lsp.engine.analyze import analyze
from nova_lsp.engine.fix_all import fix_text

RULE = "NOVA009"
NOVA_PATH = "nova/api/openstack/compute/consoles.py"
CINDER_PATH = "cinder/api/contrib/volume_actions.py"
NOVA_HEAD = """\
from nova.api.openstack import common
from nova.policies import remote_consoles as rc_policies
from nova.policies import servers as server_policies


class Controller(object):

"""
CINDER_HEAD = """\
from cinder.policies import volume_actions as policy


class Controller(object):

"""


def selection(rules=None):
    table = {"select": [RULE]}
    if rules:
        table["rules"] = {"policy-default-target": rules}
    return Config().overlay(table, "test").selection()


def findings(code, path=NOVA_PATH, rules=None, head=None):
    text = _text(code, head, path)
    analysis = analyze(Document(text, path), selection(rules))
    assert not analysis.errors, analysis.errors
    return [f for f in analysis.findings if f.rule == RULE]


def _text(code, head, path):
    if head is None:
        head = CINDER_HEAD if path.startswith("cinder") else NOVA_HEAD
    return head + textwrap.indent(textwrap.dedent(code), "    ")


def lines(code, **kw):
    """Flagged lines, counted in ``code`` (1-based, without the head)."""
    path = kw.get("path", NOVA_PATH)
    head = kw.get("head")
    offset = len((head if head is not None else (CINDER_HEAD if path.startswith("cinder") else NOVA_HEAD)).splitlines())
    return [f.span.start_line + 1 - offset for f in findings(code, **kw)]


def fixed(code, path=NOVA_PATH, rules=None, title=None):
    """``code`` with the NOVA009 fix applied (the one fix offered, or the one titled so),
    returned without the head and dedented; None when no fix is offered."""
    text = _text(code, None, path)
    [finding] = [f for f in analyze(Document(text, path), selection(rules)).findings if f.rule == RULE]
    fixes = [f for f in finding.fixes if f.kind.value == "fix"]
    if not fixes:
        return None
    [fix] = fixes if title is None else [f for f in fixes if f.title.startswith(title)]
    out = apply_edits(text, fix.edits)
    head = CINDER_HEAD if path.startswith("cinder") else NOVA_HEAD
    assert out.startswith(head)
    return textwrap.dedent(out[len(head) :])


# -- what is flagged ---------------------------------------------------------------------------

BEFORE_FETCH = """\
def get_vnc_console(self, req, id, body):
    context = req.environ['nova.context']
    context.can(rc_policies.BASE_POLICY_NAME)
    console_type = body['os-getVNCConsole'].get('type')
    instance = common.get_instance(self.compute_api, context, id)
    return self.compute_api.get_vnc_console(context, instance, console_type)
"""


def test_check_before_the_fetch_is_a_warning_on_the_call():
    [f] = findings(BEFORE_FETCH)
    assert f.severity is Severity.WARNING and f.cwe == (863, 639) and f.name == "policy-default-target"
    doc = Document(_text(BEFORE_FETCH, None, NOVA_PATH))
    assert doc.text_of(f.span) == "context.can(rc_policies.BASE_POLICY_NAME)"
    assert "`rc_policies.BASE_POLICY_NAME`" in f.message and "`common.get_instance`" in f.message
    assert "`target={'project_id': instance.project_id}`" in f.message


@pytest.mark.parametrize("receiver", ["context", "ctxt", "ctx", "admin_context", "self.context"])
def test_receivers_ending_in_context_ctxt_ctx(receiver):
    code = f"""\
    def _lock(self, req, id, body):
        instance = self._get_instance(req.environ['nova.context'], id)
        {receiver}.can(server_policies.SERVERS % 'lock')
    """
    assert lines(code) == [3]


@pytest.mark.parametrize("receiver", ["self.client", "policy_engine", "req.environ['nova.context']"])
def test_other_receivers_are_not_request_contexts(receiver):
    code = f"""\
    def _lock(self, req, id, body):
        instance = self._get_instance(req.environ['nova.context'], id)
        {receiver}.can(server_policies.SERVERS % 'lock')
    """
    assert lines(code) == []


@pytest.mark.parametrize(
    "fetch",
    [
        "common.get_instance(self.compute_api, context, id)",
        "self._get_instance(context, id)",
        "self._get_server(context, req, id)",
        "self.compute_api.get(context, id)",
        "common.get_instance_by_floating_ip_addr(self, context, address)",
    ],
)
def test_nova_fetches(fetch):
    code = f"""\
    def _action(self, req, id, body):
        context = req.environ['nova.context']
        instance = {fetch}
        context.can(server_policies.SERVERS % 'start')
    """
    assert lines(code) == [4]


def test_fatal_true_is_no_target():
    code = """\
    def _start(self, req, id, body):
        context = req.environ['nova.context']
        instance = common.get_instance(self.compute_api, context, id)
        context.can(server_policies.SERVERS % 'start', fatal=True)
    """
    assert lines(code) == [4]


def test_enforcing_fatal_false_probe_is_flagged():
    code = """\
    def show(self, req, id):
        context = req.environ['nova.context']
        instance = common.get_instance(self.compute_api, context, id)
        if not context.can(server_policies.SERVERS % 'show', fatal=False):
            raise exc.HTTPForbidden()
        return instance
    """
    assert lines(code) == [4]


def test_cinder_authorize_after_the_fetch():
    code = """\
    def _upload(self, req, id, body):
        context = req.environ['cinder.context']
        volume = self.volume_api.get(context, id)
        context.authorize(policy.UPLOAD_IMAGE_POLICY)
    """
    [f] = findings(code, path=CINDER_PATH)
    assert "`target_obj=volume`" in f.message


# -- what is not -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "check",
    [
        "context.can(server_policies.SERVERS % 'start', {'project_id': instance.project_id})",
        "context.can(server_policies.SERVERS % 'start', target={'project_id': instance.project_id})",
        "context.can(server_policies.SERVERS % 'start', target={})",
        "context.can(server_policies.SERVERS % 'start', target_obj=instance)",
        "context.can(server_policies.SERVERS % 'start', **kwargs)",
        "context.can(*args)",
        "context.can(server_policies.SERVERS % 'start', fatal=False)",
        "context.can(server_policies.SERVERS % 'start', fatal=strict)",
        "show = context.can(server_policies.SERVERS % 'start', fatal=False)",
    ],
)
def test_targets_and_probes_are_quiet(check):
    code = f"""\
    def _start(self, req, id, body):
        context = req.environ['nova.context']
        instance = common.get_instance(self.compute_api, context, id)
        {check}
    """
    assert lines(code) == []


def test_probe_in_a_condition_is_quiet():
    code = """\
    def show(self, req, id):
        context = req.environ['nova.context']
        instance = common.get_instance(self.compute_api, context, id)
        if context.can(server_policies.SERVERS % 'show:host_status', fatal=False):
            instance.host_status = 'UP'
        return instance
    """
    assert lines(code) == []


def test_handlers_that_load_nothing_are_quiet():
    code = """\
    def index(self, req):
        context = req.environ['nova.context']
        context.can(server_policies.SERVERS % 'index')
        return self._get_servers(req)
    """
    assert lines(code) == []


def test_the_fetch_must_be_in_the_same_function():
    code = """\
    def _start(self, req, id, body):
        context = req.environ['nova.context']
        context.can(server_policies.SERVERS % 'start')

        def load():
            return common.get_instance(self.compute_api, context, id)
        return load

    def _stop(self, req, id, body):
        context = req.environ['nova.context']

        def check():
            context.can(server_policies.SERVERS % 'stop')
        return common.get_instance(self.compute_api, context, id), check
    """
    assert lines(code) == []


@pytest.mark.parametrize("handler", ["create", "_create"])
def test_create_handlers_are_quiet(handler):
    code = f"""\
    def {handler}(self, req, body):
        context = req.environ['nova.context']
        context.can(server_policies.SERVERS % 'create:forced_host')
        source = common.get_instance(self.compute_api, context, body['source'])
        return source
    """
    assert lines(code) == []


@pytest.mark.parametrize(
    "rule",
    [
        "policy.UPLOAD_PUBLIC_POLICY",
        "group_policy.CREATE_POLICY",
        "'volume:create'",
        "'volume_extension:volume_actions:upload_public'",
        "LOCAL_CREATE",
    ],
)
def test_quiet_rules_as_written_or_by_value(rule):
    head = CINDER_HEAD.replace("\n\n\nclass", "\nLOCAL_CREATE = 'group:create'\n\n\nclass")
    code = f"""\
    def _action(self, req, id, body):
        context = req.environ['cinder.context']
        volume = self.volume_api.get(context, id)
        context.authorize({rule})
    """
    assert findings(code, path=CINDER_PATH, head=head) == []


def test_quiet_rules_by_their_module_through_the_imports():
    head = NOVA_HEAD.replace("\n\n\nclass", "\nfrom nova.policies import flavor_extra_specs as fes\n\n\nclass")
    code = """\
    def show(self, req, id):
        context = req.environ['nova.context']
        instance = common.get_instance(self.compute_api, context, id)
        context.can(fes.POLICY_ROOT % 'index')
    """
    assert findings(code, head=head) == []
    rules = {"quiet-rules": []}
    assert len(findings(code, head=head, rules=rules)) == 1


def test_scope_paths_and_api_imports():
    code = """\
    def _start(self, req, id, body):
        context = req.environ['nova.context']
        instance = common.get_instance(self.compute_api, context, id)
        context.can(server_policies.SERVERS % 'start')
    """
    assert len(findings(code, path="nova/api/openstack/compute/servers.py")) == 1
    assert len(findings(code, path="/home/dev/src/nova/nova/api/openstack/compute/servers.py")) == 1
    assert findings(code, path="nova/compute/api.py") == []
    head = "from nova.api.openstack import wsgi\n" + NOVA_HEAD
    assert len(findings(code, path="nova/compute/api.py", head=head)) == 1
    assert len(findings(code, path="myproject/handlers.py", rules={"extend-paths": ["myproject/*"]})) == 1


def test_project_specific_fetches_and_methods():
    code = """\
    def _resize(self, req, id, body):
        context = req.environ['manila.context']
        share = self.share_api.get(context, id)
        context.enforce('share:resize')
    """
    assert findings(code, path="manila/api/v2/shares.py") == []
    rules = {"extend-paths": ["manila/api/*"], "extend-fetch-calls": ["self.share_api.get"], "extend-methods": ["enforce"]}
    [f] = findings(code, path="manila/api/v2/shares.py", rules=rules)
    assert "`target={'project_id': share.project_id}`" in f.message


# -- fixes -------------------------------------------------------------------------------------


def test_in_place_fix_for_a_check_after_the_fetch():
    code = """\
    def _start(self, req, id, body):
        context = req.environ['nova.context']
        instance = common.get_instance(self.compute_api, context, id)
        context.can(server_policies.SERVERS % 'start')
        self.compute_api.start(context, instance)
    """
    text = _text(code, None, NOVA_PATH)
    [f] = [f for f in analyze(Document(text, NOVA_PATH), selection()).findings if f.rule == RULE]
    [fix] = [x for x in f.fixes if x.kind.value == "fix"]
    assert fix.applicability is Applicability.UNSAFE and fix.preferred
    assert fix.title == "Pass the loaded `instance` as the policy target"
    assert fixed(code) == textwrap.dedent(code).replace(
        "context.can(server_policies.SERVERS % 'start')",
        "context.can(server_policies.SERVERS % 'start',\n                target={'project_id': instance.project_id})",
    )


def test_in_place_fix_inside_a_block_after_the_fetch():
    code = """\
    def _start(self, req, id, body):
        context = req.environ['nova.context']
        instance = self._get_instance(context, id)
        if body.get('force'):
            ctxt = context
            ctxt.can(server_policies.SERVERS % 'start:force')
    """
    assert "ctxt.can(server_policies.SERVERS % 'start:force',\n" in fixed(code)


def test_in_place_fix_on_a_short_line_and_in_a_multi_line_call():
    short = """\
    def _x(self, req, id):
        i = self._get_instance(req.ctx, id)
        req.ctx.can('x:y')
    """
    assert "req.ctx.can('x:y', target={'project_id': i.project_id})\n" in fixed(short)
    multi = """\
    def _start(self, req, id, body):
        context = req.environ['nova.context']
        instance = self._get_instance(context, id)
        context.can(
            server_policies.SERVERS % 'start',
        )
    """
    assert fixed(multi).endswith(
        "context.can(\n        server_policies.SERVERS % 'start',\n        target={'project_id': instance.project_id},\n    )\n"
    )


def test_cinder_fix_passes_the_object():
    code = """\
    def _upload(self, req, id, body):
        context = req.environ['cinder.context']
        volume = self.volume_api.get(context, id)

        context.authorize(policy.UPLOAD_IMAGE_POLICY)
    """
    assert "context.authorize(policy.UPLOAD_IMAGE_POLICY, target_obj=volume)\n" in fixed(code, path=CINDER_PATH)


def test_user_target_rules_add_the_user():
    code = """\
    def _lock(self, req, id, body):
        context = req.environ['nova.context']
        instance = self._get_instance(context, id)
        context.can(server_policies.SERVERS % 'lock')
    """
    out = fixed(code, rules={"user-target-rules": ["*'lock'"]})
    assert out.endswith(
        "    context.can(server_policies.SERVERS % 'lock',\n"
        "                target={'project_id': instance.project_id,\n"
        "                        'user_id': instance.user_id})\n"
    )


def test_move_fix_for_a_check_before_the_fetch():
    out = fixed(BEFORE_FETCH, title="Move")
    assert out == (
        "def get_vnc_console(self, req, id, body):\n"
        "    context = req.environ['nova.context']\n"
        "    console_type = body['os-getVNCConsole'].get('type')\n"
        "    instance = common.get_instance(self.compute_api, context, id)\n"
        "    context.can(rc_policies.BASE_POLICY_NAME,\n"
        "                target={'project_id': instance.project_id})\n"
        "    return self.compute_api.get_vnc_console(context, instance, console_type)\n"
    )
    text = _text(BEFORE_FETCH, None, NOVA_PATH)
    [f] = [f for f in analyze(Document(text, NOVA_PATH), selection()).findings if f.rule == RULE]
    [fix] = [x for x in f.fixes if x.kind.value == "fix"]
    assert fix.applicability is Applicability.UNSAFE and not fix.preferred


def test_move_keeps_one_blank_line_where_the_check_was():
    code = """\
    def get_vnc_console(self, req, id, body):
        context = req.environ['nova.context']

        context.can(rc_policies.BASE_POLICY_NAME)

        instance = common.get_instance(self.compute_api, context, id)
        return instance
    """
    out = fixed(code)
    assert "context = req.environ['nova.context']\n\n    instance = " in out


@pytest.mark.parametrize(
    "between",
    [
        "if body.get('dry_run'):\n            return None",
        "self.compute_api.audit(context, id)",
        "context = context.elevated()",
        "yield None",
    ],
)
def test_no_move_past_code_that_leaves_calls_out_or_rebinds(between):
    code = f"""\
    def _start(self, req, id, body):
        context = req.environ['nova.context']
        context.can(server_policies.SERVERS % 'start')
        {between}
        instance = common.get_instance(self.compute_api, context, id)
        return instance
    """
    assert fixed(code) is None
    assert lines(code) == [3]


def test_no_move_when_the_fetch_is_in_another_block():
    code = """\
    def _start(self, req, id, body):
        context = req.environ['nova.context']
        context.can(server_policies.SERVERS % 'start')
        try:
            instance = common.get_instance(self.compute_api, context, id)
        except KeyError:
            raise
        return instance
    """
    assert fixed(code) is None


def test_no_fix_when_the_loaded_variable_is_ambiguous_or_unknown():
    ambiguous = """\
    def _swap(self, req, id, body):
        context = req.environ['nova.context']
        source = common.get_instance(self.compute_api, context, id)
        target = common.get_instance(self.compute_api, context, body['to'])
        context.can(server_policies.SERVERS % 'swap')
    """
    [f] = findings(ambiguous)
    assert "the loaded object's project as the target" in f.message
    assert fixed(ambiguous) is None
    unknown = """\
    def _exists(self, req, id):
        context = req.environ['nova.context']
        common.get_instance(self.compute_api, context, id)
        context.can(server_policies.SERVERS % 'show')
    """
    assert fixed(unknown) is None


def test_same_name_bound_twice_is_not_ambiguous():
    code = """\
    def _start(self, req, id, body):
        context = req.environ['nova.context']
        if body.get('by_uuid'):
            instance = common.get_instance(self.compute_api, context, id)
        else:
            instance = self._get_instance(context, body['name'])
        context.can(server_policies.SERVERS % 'start')
    """
    [f] = findings(code)
    assert "`target={'project_id': instance.project_id}`" in f.message


def test_no_fix_in_test_code():
    code = """\
    def _start(self, req, id, body):
        context = req.environ['nova.context']
        instance = common.get_instance(self.compute_api, context, id)
        context.can(server_policies.SERVERS % 'start')
    """
    path = "nova/api/openstack/compute/tests/test_start.py"
    [f] = findings(code, path=path)
    assert not [x for x in f.fixes if x.kind.value == "fix"]


def test_fix_all_leaves_it_alone_and_unsafe_fixes_apply_it():
    text = _text(BEFORE_FETCH, None, NOVA_PATH)
    assert fix_text(text, NOVA_PATH, selection()).text == text
    once = fix_text(text, NOVA_PATH, selection(), unsafe=True)
    assert "target={'project_id': instance.project_id})" in once.text
    assert not [f for f in once.analysis.findings if f.rule == RULE]
    assert fix_text(once.text, NOVA_PATH, selection(), unsafe=True).text == once.text
