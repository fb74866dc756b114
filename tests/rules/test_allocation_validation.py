"""NOVA004 unvalidated-allocation: allocation data from outside reaching a Placement write."""

from __future__ import annotations

import pytest

from helpers import lines_of, run
from nova_lsp.core.model import Severity, Span

RULE = "NOVA004"


def findings(code, **kw):
    analysis = run(code, select=RULE, **kw)
    assert not analysis.errors, analysis.errors
    return [f for f in analysis.findings if f.rule == RULE]


# -- flagged -------------------------------------------------------------------------------


def test_parameter_to_claim_resources_reports_the_argument():
    code = """\
        def claim(self, context, instance, alloc_req):
            return self.reportclient.claim_resources(
                context, instance.uuid, alloc_req, instance.project_id,
                instance.user_id, allocation_request_version="1.28")
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING
    assert f.cwe == (20, 1284, 190)
    assert f.span == Span(2, 32, 2, 41)  # exactly `alloc_req`
    assert "`alloc_req`" in f.message and "parameter `alloc_req`" in f.message
    assert "`self.reportclient.claim_resources`" in f.message


def test_only_allocation_like_parameters_count_for_named_writes():
    code = """\
        def claim(self, context, consumer_uuid, allocation_request_version, project_id):
            self.reportclient.claim_resources(
                context, consumer_uuid, {"allocations": {}}, project_id,
                "user", allocation_request_version=allocation_request_version)
        """
    assert findings(code) == []


def test_jsonutils_loads_payload_subscript_is_a_source():
    code = """\
        from oslo_serialization import jsonutils

        def heal(self, context, consumer_uuid, raw):
            body = jsonutils.loads(raw)
            allocations = body["allocations"]
            self.reportclient.put_allocations(context, consumer_uuid, {"allocations": allocations})
        """
    [f] = findings(code)
    assert f.span.start_line == 5
    assert "`allocations`" in f.message
    assert "`jsonutils.loads(...)`" in f.message
    assert "`self.reportclient.put_allocations`" in f.message


def test_json_loads_resolved_through_import_alias():
    code = """\
        import json as _json

        def replay(self, context, uuid, text):
            allocs = _json.loads(text)
            self.client.put_allocations(context, uuid, allocs)
        """
    assert lines_of(run(code, select=RULE)) == [5]


def test_reply_of_another_service_is_a_source():
    code = """\
        def adopt(self, context, uuid, neutron):
            resp = neutron.get("/ports/%s" % uuid)
            resource_request = resp.json()["port"]["resource_request"]
            self.reportclient.add_resources_to_instance_allocation(
                context, uuid, resource_request)
        """
    [f] = findings(code)
    assert "`resp.json()`" in f.message


def test_http_put_on_allocations_url_variable():
    code = """\
        def replace(self, context, consumer_uuid, payload):
            url = "/allocations/%s" % consumer_uuid
            resp = self.client.put(url, json=payload)
            return resp
        """
    [f] = findings(code)
    assert f.span == Span(2, 37, 2, 44)  # the `payload` value of json=
    assert "`self.client.put('/allocations/...')`" in f.message


@pytest.mark.parametrize(
    "call",
    [
        "self.put(f'/allocations/{uuid}', data)",
        "client.post('/allocations', data)",
        "client.put('/allocations/' + uuid, json=data)",
        "client.patch('/allocations/{}'.format(uuid), data=data)",
    ],
)
def test_http_writes_on_allocations_urls_take_any_parameter_passed_directly(call):
    code = f"""\
        def write(self, client, uuid, data):
            {call}
        """
    assert lines_of(run(code, select=RULE)) == [2]


def test_derived_through_copies_and_literals():
    code = """\
        import copy

        def claim(self, context, instance, alloc_request):
            ar = copy.deepcopy(alloc_request)
            payload = dict(ar)
            payload["project_id"] = instance.project_id
            body = {"allocations": payload.get("allocations") or {}}
            self.reportclient.put_allocations(context, instance.uuid, body)
        """
    [f] = findings(code)
    assert f.span.start_line == 7
    assert "`body`" in f.message and "parameter `alloc_request`" in f.message


def test_each_write_is_reported_once():
    code = """\
        def twice(self, context, uuid, allocs, payload):
            self.reportclient.put_allocations(context, uuid, allocs)
            self.reportclient.put_allocations(context, uuid, payload)
        """
    assert lines_of(run(code, select=RULE)) == [2, 3]


def test_validation_after_the_write_does_not_count():
    code = """\
        def late(self, context, uuid, allocs):
            self.reportclient.put_allocations(context, uuid, allocs)
            validate_allocations(allocs)
        """
    assert lines_of(run(code, select=RULE)) == [2]


def test_validating_something_else_does_not_count():
    code = """\
        def other(self, context, uuid, allocs, other_allocs):
            validate_allocations(other_allocs)
            self.reportclient.put_allocations(context, uuid, allocs)
        """
    assert lines_of(run(code, select=RULE)) == [3]


def test_kwargs_reaching_a_write():
    code = """\
        def write(self, context, uuid, **alloc_kwargs):
            self.reportclient.put_allocations(context, uuid, alloc_kwargs)
        """
    assert lines_of(run(code, select=RULE)) == [2]


# -- not flagged ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "validation",
    [
        "validate_allocations(allocs)",
        "_validate_allocations(allocs)",
        "self._validate_allocation_request(allocs)",
        "jsonschema.validate(allocs, ALLOCATION_SCHEMA)",
        "validators.validate(allocs)",
        "check_alloc_valid(allocs)",
        "validate_allocations(allocs['allocations'])",
    ],
)
def test_validators_before_the_write(validation):
    code = f"""\
        import jsonschema

        def put(self, context, uuid, allocs):
            {validation}
            self.reportclient.put_allocations(context, uuid, allocs)
        """
    assert findings(code) == []


def test_validating_the_source_covers_derived_values():
    code = """\
        def put(self, context, uuid, raw):
            body = jsonutils.loads(raw)
            validate_allocations(body)
            allocations = body["allocations"]
            self.reportclient.put_allocations(context, uuid, {"allocations": allocations})
        """
    assert findings(code) == []


def test_uuid_check_over_keys_counts():
    code = """\
        from oslo_utils import uuidutils

        def put(self, context, uuid, allocations):
            for rp_uuid in allocations:
                if not uuidutils.is_uuid_like(rp_uuid):
                    raise ValueError(rp_uuid)
            self.reportclient.put_allocations(context, uuid, allocations)
        """
    assert findings(code) == []


def test_isinstance_guard_that_raises_counts():
    code = """\
        def put(self, context, uuid, allocations):
            if not isinstance(allocations, dict):
                raise TypeError("allocations must be a dict")
            self.reportclient.put_allocations(context, uuid, allocations)
        """
    assert findings(code) == []


def test_isinstance_guard_that_only_logs_does_not_count():
    code = """\
        def put(self, context, uuid, allocations):
            if not isinstance(allocations, dict):
                LOG.warning("odd allocations")
            self.reportclient.put_allocations(context, uuid, allocations)
        """
    assert lines_of(run(code, select=RULE)) == [4]


def test_schema_decorated_api_handler_is_validated():
    code = """\
        from nova.api import validation

        class AllocationsController(object):
            @validation.schema(schema.update_allocations)
            def update(self, req, id, body):
                self.reportclient.put_allocations(req.environ["nova.context"], id, body)
        """
    assert findings(code) == []


def test_locally_built_data_is_not_flagged():
    code = """\
        from nova.scheduler import utils as scheduler_utils

        def claim_for_spec(self, context, instance, spec_obj, rp_uuid):
            resources = scheduler_utils.resources_from_request_spec(spec_obj)
            allocations = {rp_uuid: {"resources": resources.resources}}
            self.reportclient.put_allocations(context, instance.uuid, {"allocations": allocations})
            alloc = {"allocations": {rp_uuid: {"resources": {"VCPU": 1}}}}
            self.reportclient.put_allocations(context, instance.uuid, alloc)
        """
    assert findings(code) == []


def test_write_calls_forward_their_own_parameters():
    code = """\
        class SchedulerReportClient(object):
            def _put_allocations(self, context, consumer_uuid, payload, version=None):
                url = "/allocations/%s" % consumer_uuid
                return self.put(url, payload, version=version)

            def put_allocations(self, context, consumer_uuid, payload):
                return self._put_allocations(context, consumer_uuid, payload)
        """
    assert findings(code) == []


def test_placement_round_trip_is_not_foreign_data():
    code = """\
        def delete_allocation(self, context, uuid):
            url = "/allocations/%s" % uuid
            r = self.get(url, global_request_id=context.global_id)
            allocations = r.json()
            allocations["allocations"] = {}
            r = self.put(url, allocations)
            return r.status_code == 204
        """
    assert findings(code) == []


def test_other_urls_and_other_calls_are_not_writes():
    code = """\
        def misc(self, context, rp_uuid, payload, alloc_cache, allocs):
            self.put("/resource_providers/%s/traits" % rp_uuid, payload)
            alloc_cache.put(rp_uuid, allocs)
            self.reportclient.get_allocations_for_consumer(context, allocs)
            self.reportclient.move_allocations(context, rp_uuid, rp_uuid)
        """
    assert findings(code) == []


def test_module_level_code_is_ignored():
    code = """\
        payload = jsonutils.loads(RAW)
        client.put_allocations(None, "uuid", payload)
        """
    assert findings(code) == []


# -- options -------------------------------------------------------------------------------


def test_extend_write_calls():
    code = """\
        def push(self, context, uuid, allocs):
            self.placement.replace_consumer(context, uuid, allocs)
        """
    assert findings(code) == []
    opts = {"unvalidated-allocation": {"extend-write-calls": ["replace_consumer"]}}
    assert lines_of(run(code, select=RULE, rules=opts)) == [2]


def test_extend_validators():
    code = """\
        def push(self, context, uuid, allocs):
            nova_checks.ensure_sane(allocs)
            self.reportclient.put_allocations(context, uuid, allocs)
        """
    assert lines_of(run(code, select=RULE)) == [3]
    opts = {"unvalidated-allocation": {"extend-validators": ["nova_checks.ensure_sane"]}}
    assert lines_of(run(code, select=RULE, rules=opts)) == []


def test_extend_allocation_names():
    code = """\
        def push(self, context, uuid, usage):
            self.reportclient.put_allocations(context, uuid, usage)
        """
    assert findings(code) == []
    opts = {"unvalidated-allocation": {"extend-allocation-names": ["usage"]}}
    assert lines_of(run(code, select=RULE, rules=opts)) == [2]


# -- robustness ----------------------------------------------------------------------------


def test_half_written_call_near_the_pattern():
    code = """\
        def push(self, context, uuid, allocs):
            self.reportclient.put_allocations()
            self.reportclient.put_allocations(context, uuid,
        """
    broken = run(code, select=RULE)
    assert not broken.errors
    assert [f for f in broken.findings if f.rule == RULE] == []
    incomplete = """\
        def push(self, context, uuid, allocs):
            self.reportclient.put_allocations()
            self.put(allocs)
            self.put()
        """
    assert findings(incomplete) == []


def test_rule_is_skipped_without_its_token():
    assert findings("def f(x):\n    client.put('/x', x)\n") == []


def test_reshaper_post_carries_allocations():
    code = """\
        def reshape(self, context, inventories, allocations):
            payload = {"inventories": inventories, "allocations": allocations}
            resp = self.post("/reshaper", payload, version="1.30")
            return resp
        """
    [f] = findings(code)
    assert "`payload`" in f.message and "parameter `allocations`" in f.message
    opts = {"unvalidated-allocation": {"write-urls": ["/allocations"]}}
    assert findings(code, rules=opts) == []
