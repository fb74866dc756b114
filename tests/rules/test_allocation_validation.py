"""NOVA004 unvalidated-allocation: allocation data from outside reaching a Placement write."""

from __future__ import annotations

import pytest

from helpers import run
from nova_lsp.core.model import Severity, Span

RULE = "NOVA004"
# the flow tests below follow data from any parameter (a library whose callers are outside);
# the trust-boundary tests at the end use the default, where only boundaries count
STRICT = {"unvalidated-allocation": {"all-parameters": True}}


def findings(code, strict=True, rules=None, **kw):
    options = {"unvalidated-allocation": {**(STRICT["unvalidated-allocation"] if strict else {}), **((rules or {}).get("unvalidated-allocation", {}))}}
    analysis = run(code, select=RULE, rules=options, **kw)
    assert not analysis.errors, analysis.errors
    return [f for f in analysis.findings if f.rule == RULE]


def strict_lines(code, rules=None):
    return [f.span.start_line + 1 for f in findings(code, rules=rules)]


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
    assert strict_lines(code) == [5]


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
    assert strict_lines(code) == [2]


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
    assert strict_lines(code) == [2, 3]


def test_validation_after_the_write_does_not_count():
    code = """\
        def late(self, context, uuid, allocs):
            self.reportclient.put_allocations(context, uuid, allocs)
            validate_allocations(allocs)
        """
    assert strict_lines(code) == [2]


def test_validating_something_else_does_not_count():
    code = """\
        def other(self, context, uuid, allocs, other_allocs):
            validate_allocations(other_allocs)
            self.reportclient.put_allocations(context, uuid, allocs)
        """
    assert strict_lines(code) == [3]


def test_kwargs_reaching_a_write():
    code = """\
        def write(self, context, uuid, **alloc_kwargs):
            self.reportclient.put_allocations(context, uuid, alloc_kwargs)
        """
    assert strict_lines(code) == [2]


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
    assert strict_lines(code) == [4]


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
    assert strict_lines(code, rules=opts) == [2]


def test_extend_validators():
    code = """\
        def push(self, context, uuid, allocs):
            nova_checks.ensure_sane(allocs)
            self.reportclient.put_allocations(context, uuid, allocs)
        """
    assert strict_lines(code) == [3]
    opts = {"unvalidated-allocation": {"extend-validators": ["nova_checks.ensure_sane"]}}
    assert strict_lines(code, rules=opts) == []


def test_extend_allocation_names():
    code = """\
        def push(self, context, uuid, usage):
            self.reportclient.put_allocations(context, uuid, usage)
        """
    assert findings(code) == []
    opts = {"unvalidated-allocation": {"extend-allocation-names": ["usage"]}}
    assert strict_lines(code, rules=opts) == [2]


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


# -- trust boundaries (the default) ---------------------------------------------------------


def test_internal_helpers_parameters_are_trusted_by_default():
    code = """\
        def _claim(self, context, instance, alloc_req):
            return self.reportclient.claim_resources(
                context, instance.uuid, alloc_req, instance.project_id,
                instance.user_id, allocation_request_version="1.28")

        def _deallocate_port_resource(self, context, instance, port_allocation):
            self.reportclient.remove_resources_from_instance_allocation(
                context, instance.uuid, port_allocation)
        """
    assert findings(code, strict=False) == []
    assert len(findings(code)) == 2  # all-parameters = true: the old, strict reading


def test_an_api_handler_body_is_untrusted():
    code = """\
        class AllocationsController(object):
            def update(self, req, consumer_uuid, body):
                self.reportclient.put_allocations(
                    req.environ["nova.context"], consumer_uuid, body)
        """
    [f] = findings(code, strict=False)
    assert f.span.start_line == 3
    assert "API parameter `body`" in f.message


def test_a_request_parameter_makes_a_function_an_api_handler():
    code = """\
        def heal(self, req, body):
            self.reportclient.put_allocations(req.environ["nova.context"], "c", body)

        def heal_internal(self, context, body):
            self.reportclient.put_allocations(context, "c", body)
        """
    assert [f.span.start_line + 1 for f in findings(code, strict=False)] == [2]


def test_the_request_body_deserialised_is_untrusted():
    code = """\
        from oslo_serialization import jsonutils
        import webob

        @webob.dec.wsgify
        def heal(self, req):
            data = jsonutils.loads(req.body)
            self.reportclient.put_allocations(req.environ["nova.context"], data["consumer_uuid"],
                                              {"allocations": data["allocations"]})
        """
    [f] = findings(code, strict=False)  # the consumer uuid is a scalar, not allocation data
    assert f.span.start_line == 7
    assert "`jsonutils.loads(...)`" in f.message


def test_placement_candidates_from_the_selection_are_trusted():
    code = """\
        from oslo_serialization import jsonutils

        def _reschedule(self, context, instance, selection):
            alloc_req = jsonutils.loads(selection.allocation_request)
            return scheduler_utils.claim_resources(
                context, self.reportclient, self.request_spec, instance.uuid,
                alloc_req, selection.allocation_request_version)
        """
    assert findings(code, strict=False) == []


def test_a_notification_payload_is_untrusted():
    code = """\
        class Endpoint(object):
            def info(self, ctxt, publisher_id, event_type, payload, metadata):
                self.reportclient.put_allocations(ctxt, payload["uuid"], payload)

            def process(self, ctxt, payload):
                self.reportclient.put_allocations(ctxt, "c", payload)
        """
    [f] = findings(code, strict=False)
    assert f.span.start_line == 2 and "notification `payload`" in f.message


def test_another_services_reply_and_response_text_are_untrusted():
    code = """\
        import json

        def adopt(self, context, uuid, neutron):
            resp = neutron.get("/ports/%s" % uuid)
            request = resp.json()["port"]["resource_request"]
            self.reportclient.add_resources_to_instance_allocation(context, uuid, request)

        def adopt_text(self, context, uuid, neutron):
            allocs = json.loads(neutron.get("/ports/%s" % uuid).text)
            self.reportclient.put_allocations(context, uuid, allocs)
        """
    assert [f.span.start_line + 1 for f in findings(code, strict=False)] == [6, 10]


def test_controller_classes_option():
    code = """\
        class AllocationHandler(object):
            def put(self, ctx, consumer_uuid, body):
                self.reportclient.put_allocations(ctx, consumer_uuid, body)
        """
    assert findings(code, strict=False) == []
    opts = {"unvalidated-allocation": {"extend-controller-classes": ["*Handler"]}}
    assert len(findings(code, strict=False, rules=opts)) == 1
