"""Golden tests for "Validate allocation dict" (NOVA004), and the behaviour of the validator
``nova-lsp write-allocation-validator`` writes (once per project; the fix calls it)."""

from __future__ import annotations

import re

import pytest

import fixprops
from fixprops import golden
from nova_lsp.checks.allocation_fix import helper_source
from nova_lsp.engine.fix_all import main_fix


def config(rules=None, **kw):
    """These fixtures are internal helpers, not API handlers: NOVA004's ``all-parameters``
    reading (every parameter untrusted) makes their parameters sources, as in a library."""
    rules = dict(rules or {})
    rules["unvalidated-allocation"] = {"all-parameters": True, **rules.get("unvalidated-allocation", {})}
    return fixprops.config(rules=rules, **kw)


DEFAULT = config()


def analyse(text, cfg=None, path=fixprops.PATH):
    return fixprops.analyse(text, cfg or DEFAULT, path)


def apply_one(text, rule, cfg=None, index=0):
    return fixprops.apply_one(text, rule, cfg or DEFAULT, index)


def check_text(text, cfg=None):
    return fixprops.check_text(text, cfg or DEFAULT)


def fix_all(text, cfg=None):
    return fixprops.fix_all(text, cfg or DEFAULT)

HELPER = helper_source("_validate_allocations", "re.fullmatch")


def assert_fix(before: str, after: str, cfg=None, index: int = 0) -> None:
    before, after = golden(before), golden(after)
    assert apply_one(before, "NOVA004", cfg, index) == after
    check_text(before, cfg)


SHARED = config(rules={"unvalidated-allocation": {"fix-validator": "nova.scheduler.allocation_validation.validate_allocations"}})


def test_the_projects_one_validator_is_imported_and_called_never_pasted():
    before = golden(
        '''
        """Claims."""

        import os

        from oslo_log import log as logging

        LOG = logging.getLogger(__name__)


        class ResourceClaimer(object):

            def claim(self, context, instance, alloc_req):
                return self.reportclient.claim_resources(
                    context, instance.uuid, alloc_req,
                    instance.project_id, instance.user_id,
                    allocation_request_version="1.28")

            def replace(self, context, consumer_uuid, payload):
                resp = self.client.put("/allocations/%s" % consumer_uuid, json=payload)
                return resp.status_code == 204
        '''
    )
    expected = golden(
        '''
        """Claims."""

        import os

        from oslo_log import log as logging

        from nova.scheduler import allocation_validation

        LOG = logging.getLogger(__name__)


        class ResourceClaimer(object):

            def claim(self, context, instance, alloc_req):
                allocation_validation.validate_allocations(alloc_req)
                return self.reportclient.claim_resources(
                    context, instance.uuid, alloc_req,
                    instance.project_id, instance.user_id,
                    allocation_request_version="1.28")

            def replace(self, context, consumer_uuid, payload):
                allocation_validation.validate_allocations(payload)
                resp = self.client.put("/allocations/%s" % consumer_uuid, json=payload)
                return resp.status_code == 204
        '''
    )
    assert fix_all(before, SHARED) == expected
    check_text(before, SHARED)
    # without a validator of the project's there is no fix: nothing is pasted into the module
    findings = [f for f in analyse(before).findings if f.rule == "NOVA004"]
    assert findings and all(main_fix(f, unsafe=True) is None for f in findings)
    assert fix_all(before) == before


def test_the_fix_is_unsafe_and_never_offered_in_test_code():
    text = golden(
        '''
        def heal(self, context, consumer_uuid, payload):
            self.reportclient.put_allocations(context, consumer_uuid, payload)
        '''
    )
    (finding,) = [f for f in analyse(text, SHARED).findings if f.rule == "NOVA004"]
    (fix,) = [f for f in finding.fixes if f.kind.value == "fix"]
    assert not fix.safe  # it raises where the write went ahead before
    assert main_fix(finding) is None and main_fix(finding, unsafe=True) is fix
    in_tests = analyse(text, SHARED, path="nova/tests/unit/compute/test_claims.py")
    assert all(main_fix(f, unsafe=True) is None for f in in_tests.findings)


def test_write_allocation_validator_writes_the_module_once(tmp_path):
    import subprocess
    import sys

    (tmp_path / "nova").mkdir()
    run = lambda: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "nova_lsp", "write-allocation-validator", "nova/placement_checks.py"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    first = run()
    assert first.returncode == 0, first.stderr
    assert 'fix-validator = "nova.placement_checks.validate_allocations"' in first.stdout
    written = (tmp_path / "nova" / "placement_checks.py").read_text()
    assert helper_source("validate_allocations", "re.fullmatch") in written and "import re\n" in written
    second = run()
    assert second.returncode == 2 and "exists already" in second.stderr
    assert (tmp_path / "nova" / "placement_checks.py").read_text() == written


def test_existing_helper_is_called_and_a_call_argument_is_bound_first():
    assert_fix(
        '''
        import copy


        def _validate_allocations(allocations):
            pass


        class ReportClient(object):

            def heal(self, context, consumer_uuid, payload, allocations):
                if payload:
                    self.reportclient.put_allocations(context, consumer_uuid,
                                                      copy.deepcopy(payload))
        ''',
        '''
        import copy


        def _validate_allocations(allocations):
            pass


        class ReportClient(object):

            def heal(self, context, consumer_uuid, payload, allocations):
                if payload:
                    allocations_ = copy.deepcopy(payload)
                    _validate_allocations(allocations_)
                    self.reportclient.put_allocations(context, consumer_uuid,
                                                      allocations_)
        ''',
    )


def test_request_body_display_is_bound_to_a_variable():
    assert_fix(
        """
        from oslo_serialization import jsonutils

        from nova.scheduler.client import report


        def _validate_allocations(allocations):
            pass


        def heal(self, context, consumer_uuid, raw):
            body = jsonutils.loads(raw)
            allocations = body["allocations"]
            self.reportclient.put_allocations(
                context, consumer_uuid,
                {"allocations": allocations})  # the request body
        """,
        """
        from oslo_serialization import jsonutils

        from nova.scheduler.client import report


        def _validate_allocations(allocations):
            pass


        def heal(self, context, consumer_uuid, raw):
            body = jsonutils.loads(raw)
            allocations = body["allocations"]
            alloc_request = {"allocations": allocations}
            _validate_allocations(alloc_request)
            self.reportclient.put_allocations(
                context, consumer_uuid,
                alloc_request)  # the request body
        """,
    )


def test_constant_subscript_inside_try_and_with_is_validated_as_written():
    assert_fix(
        """
        from nova import exception


        def _validate_allocations(allocations):
            pass


        class ReportClient(object):

            def heal(self, context, consumer_uuid, payload):
                try:
                    with self.lock:
                        self.put_allocations(context, consumer_uuid, payload["allocations"])
                except exception.Conflict:
                    raise
        """,
        """
        from nova import exception


        def _validate_allocations(allocations):
            pass


        class ReportClient(object):

            def heal(self, context, consumer_uuid, payload):
                try:
                    with self.lock:
                        _validate_allocations(payload["allocations"])
                        self.put_allocations(context, consumer_uuid, payload["allocations"])
                except exception.Conflict:
                    raise
        """,
    )


def test_configured_dotted_validator_is_imported_under_a_free_name():
    cfg = config(rules={"unvalidated-allocation": {"fix-validator": "nova.scheduler.utils.validate_allocations"}})
    assert_fix(
        """
        from nova import exception
        from nova import utils


        class ReportClient(object):

            @utils.synchronized("alloc")
            def heal(self, context, consumer_uuid, payload):
                return self.reportclient.put_allocations(context, consumer_uuid, payload)
        """,
        """
        from nova import exception
        from nova.scheduler import utils as scheduler_utils
        from nova import utils


        class ReportClient(object):

            @utils.synchronized("alloc")
            def heal(self, context, consumer_uuid, payload):
                scheduler_utils.validate_allocations(payload)
                return self.reportclient.put_allocations(context, consumer_uuid, payload)
        """,
        cfg,
    )


def test_configured_bare_validator_that_the_module_imports_is_called():
    cfg = config(rules={"unvalidated-allocation": {"fix-validator": "validate_allocation_request"}})
    assert_fix(
        """
        from nova.scheduler.utils import validate_allocation_request


        def heal(self, context, consumer_uuid, alloc_data):
            self.reportclient.put_allocations(context, consumer_uuid, alloc_data)
        """,
        """
        from nova.scheduler.utils import validate_allocation_request


        def heal(self, context, consumer_uuid, alloc_data):
            validate_allocation_request(alloc_data)
            self.reportclient.put_allocations(context, consumer_uuid, alloc_data)
        """,
        cfg,
    )


def test_a_crlf_file_indented_with_tabs_keeps_both():
    before = "import re\r\n\r\nX = 1\r\n\r\n\r\nclass C:\r\n\tdef heal(self, payload):\r\n\t\tself.rc.put_allocations(self.ctx, 'c', payload)\r\n"
    fixed = apply_one(before, "NOVA004", SHARED)
    assert fixed == (
        "import re\r\n\r\nfrom nova.scheduler import allocation_validation\r\n\r\nX = 1\r\n\r\n\r\n"
        "class C:\r\n\tdef heal(self, payload):\r\n\t\tallocation_validation.validate_allocations(payload)\r\n"
        "\t\tself.rc.put_allocations(self.ctx, 'c', payload)\r\n"
    )
    helper = helper_source("_validate_allocations", "re.fullmatch", "\t", "\r\n")
    assert "\n    " not in helper and "\r\n\tif not isinstance(allocations, dict):" in helper
    check_text(before, SHARED)


def test_no_fix_for_a_write_in_an_elif_test():
    text = golden(
        """
        def heal(self, context, consumer_uuid, payload):
            if not payload:
                return
            elif self.reportclient.put_allocations(context, consumer_uuid, payload):
                return True
        """
    )
    findings = [f for f in analyse(text).findings if f.rule == "NOVA004"]
    assert findings and all(main_fix(f) is None for f in findings)


# -- the generated helper -----------------------------------------------------------------------

RP = "4e8e5957-649f-477b-9e5b-f1f75b21c03c"
CONSUMER = "30a7e8e7-8a94-4a51-9a2f-6f3f58d2d8a1"


@pytest.fixture(scope="module")
def validate():
    namespace = {"re": re}
    exec(compile(HELPER, "<helper>", "exec"), namespace)
    return namespace["_validate_allocations"]


@pytest.mark.parametrize(
    "data",
    [
        {RP: {"resources": {"VCPU": 2, "MEMORY_MB": 2048, "CUSTOM_GOLD": 1}}},
        {RP: {"resources": {"DISK_GB": 2147483647}, "generation": 3}},
        {"allocations": {RP: {"resources": {"VCPU": 1}}}, "project_id": "p", "user_id": "u",
         "consumer_generation": None, "mappings": {"": [RP]}},
        {"allocations": [{"resource_provider": {"uuid": RP}, "resources": {"VCPU": 1}}]},
        {CONSUMER: {"allocations": {RP: {"resources": {"VCPU": 1}}}, "project_id": "p", "user_id": "u"}},
        {"allocations": {}},
        {},
    ],
)
def test_helper_accepts_what_placement_accepts(validate, data):
    validate(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "allocations: expected a dict, not list"),
        ({"compute1": {"resources": {"VCPU": 1}}}, "allocations['compute1']: key is not a resource provider UUID"),
        ({RP: {"resources": {"vcpu": 1}}}, f"allocations['{RP}']['resources']: 'vcpu' is not a resource class"),
        ({RP: {"resources": {"VCPU\n": 1}}}, "is not a resource class"),
        ({RP: {"resources": {"VCPU": 0}}}, "amount 0 is not an integer from 1 to 2147483647"),
        ({RP: {"resources": {"VCPU": 2147483648}}}, "amount 2147483648 is not"),
        ({RP: {"resources": {"VCPU": True}}}, "amount True is not"),
        ({RP: {"resources": {"VCPU": 1.5}}}, "amount 1.5 is not"),
        ({RP: {"resources": {"VCPU": "1"}}}, "amount '1' is not"),
        ({RP: {"resources": {}}}, "expected a non-empty 'resources' mapping"),
        ({RP: {}}, "expected a non-empty 'resources' mapping"),
        ({RP: 1}, f"allocations['{RP}']: expected a dict, not int"),
        ({RP: {"resources": {"VCPU": 1}, "generation": "7"}}, "['generation']: '7' is not an integer"),
        ({"allocations": {"x": {"resources": {"VCPU": 1}}}}, "allocations['allocations']['x']: key is not"),
        ({"allocations": [{"resources": {"VCPU": 1}}]}, "allocations['allocations'][0]: expected a 'resource_provider'"),
    ],
)
def test_helper_rejects_malformed_allocations_naming_the_key(validate, data, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        validate(data)


def test_helper_is_pep8_sized_and_parses_with_any_indent():
    import ast

    for indent in ("    ", "  ", "\t"):
        ast.parse(helper_source("_validate_allocations", "re.fullmatch", indent))
    assert max(len(line) for line in HELPER.splitlines()) <= 79
