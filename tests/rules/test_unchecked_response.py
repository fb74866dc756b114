"""NOVA005 unchecked-response: results of Placement/REST writes that nobody looks at."""

from __future__ import annotations

import pytest

from helpers import lines_of, run
from nova_lsp.core.model import Severity, Span

RULE = "NOVA005"


def findings(code, **kw):
    analysis = run(code, select=RULE, **kw)
    assert not analysis.errors, analysis.errors
    return [f for f in analysis.findings if f.rule == RULE]


# -- flagged -------------------------------------------------------------------------------


def test_discarded_client_put_spans_the_called_name():
    code = """\
        def _set_traits(self, url, payload):
            self._client.put(url, json=payload, microversion="1.6")
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING and f.cwe == (252,)
    assert f.span == Span(1, 4, 1, 20)  # `self._client.put`
    assert "`self._client.put`" in f.message and "discarded" in f.message


def test_assigned_but_never_read():
    code = """\
        def _set_traits(self, url, payload):
            resp = self.client.post(url, json=payload)
            LOG.debug("posted")
        """
    [f] = findings(code)
    assert f.span.start_line == 1
    assert "assigned to `resp` but never checked" in f.message


@pytest.mark.parametrize(
    "call",
    [
        "self.client.delete('/resource_providers/%s' % rp_uuid)",
        "self.placement_client.put(f'/traits/{name}', None)",
        "self._placement_client.post('/resource_providers', body)",
        "sess.patch(endpoint_url, json=body)",
        "self.nova_client.post(url, json=body)",
        "adapter.put('/os-server-external-events', json=body)",
        "requests.put(url, json=body)",
        "requests.delete(some_value)",
        "self.reportclient.put_allocations(context, uuid, payload)",
        "placement.move_allocations(context, source, target)",
        "client.claim_resources(ctx, uuid, alloc_req, project_id, user_id, '1.28')",
        "self.set_and_clear_allocations(context, rp_uuid, uuid, alloc_data, 'p', 'u')",
    ],
)
def test_rest_writes_and_report_client_calls_are_watched(call):
    code = f"""\
        import requests

        def f(self, context, rp_uuid, name, body, endpoint_url, url, adapter, sess,
              some_value, placement, client, ctx, uuid, alloc_req, payload):
            {call}
        """
    assert lines_of(run(code, select=RULE)) == [5]


def test_self_verbs_inside_a_client_class():
    code = """\
        class SchedulerReportClient(object):
            def _delete_provider(self, rp_uuid):
                self.delete("/resource_providers/%s" % rp_uuid)

        class Worker(object):
            def _drop(self, rp_uuid):
                self.delete("/resource_providers/%s" % rp_uuid)
        """
    assert lines_of(run(code, select=RULE)) == [3]


def test_awaited_and_discarded():
    code = """\
        async def notify(session, url, body):
            await session.post(url, json=body)
        """
    assert lines_of(run(code, select=RULE)) == [2]


def test_use_before_the_assignment_is_not_a_check():
    code = """\
        def f(self, url):
            resp = None
            LOG.debug("%s", resp)
            resp = self.client.put(url, json={})
        """
    assert lines_of(run(code, select=RULE)) == [4]


# -- not flagged -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "use",
    [
        "if not resp:\n        raise ValueError()",
        "if resp.status_code != 204:\n        LOG.error('x')",
        "resp.raise_for_status()",
        "return resp",
        "return resp.ok",
        "LOG.info('result %s', resp)",
        "self._check(resp)",
        "results.append(resp)",
    ],
)
def test_any_later_read_counts_as_a_check(use):
    code = f"""\
def f(self, url, results):
    resp = self.client.put(url, json={{}})
    {use}
"""
    assert findings(code, dedent=False) == []


def test_read_in_the_enclosing_loop_counts():
    code = """\
        def f(self, urls):
            resp = None
            for url in urls:
                if resp is not None and not resp:
                    break
                resp = self.client.delete(url)
        """
    assert findings(code) == []


def test_results_used_in_expressions_are_checked():
    code = """\
        def f(self, context, url, payload):
            if not self.reportclient.move_allocations(context, "a", "b"):
                raise ValueError()
            return self._client.put(url, json=payload).status_code == 204

        def g(self, url):
            ok = bool(self.client.delete(url))
            return ok
        """
    assert findings(code) == []


def test_raise_exc_true_raises_on_failure():
    code = """\
        def f(self, url):
            self._client.put(url, json={}, raise_exc=True)
        """
    assert findings(code) == []
    code_false = """\
        def f(self, url):
            self._client.put(url, json={}, raise_exc=False)
        """
    assert lines_of(run(code_false, select=RULE)) == [2]


def test_underscore_is_an_explicit_ignore():
    code = """\
        def f(self, url):
            _ = self.client.put(url, json={})
        """
    assert findings(code) == []


@pytest.mark.parametrize(
    "call",
    [
        "self._event_queue.put(event)",
        "queue.put(item)",
        "cache.delete(cache_key)",
        "self.region.delete(key)",
        "context.session.delete(result)",
        "session.delete(host_allocation)",
        "query.filter_by(host=host).delete()",
        "self.image_api.delete(context, image_id)",
        "self.volume_api.delete(context, volume_id)",
        "os.delete(path)",
        "d.get('x')",
        "self.client.get(url)",
        "self.client.put(item)",
        "self.reportclient.delete_allocation_for_instance(context, uuid)",
        "rest.post('')",
    ],
)
def test_look_alikes_are_not_rest_writes(call):
    code = f"""\
        import os

        def f(self, context, url, item, queue, cache, cache_key, key, result, session,
              host_allocation, query, host, image_id, volume_id, path, d, uuid, rest):
            {call}
        """
    assert findings(code) == []


def test_module_level_assignment_is_left_alone():
    code = """\
        import requests
        RESP = requests.post("https://example.invalid/hook", json={})
        """
    assert findings(code) == []


# -- options -------------------------------------------------------------------------------


def test_extend_receivers_with_a_pattern():
    code = """\
        def f(self, url):
            self.keystone_api.post(url, json={})
        """
    assert findings(code) == []
    opts = {"unchecked-response": {"extend-receivers": ["*_api"]}}
    assert lines_of(run(code, select=RULE, rules=opts)) == [2]


def test_extend_checked_calls():
    code = """\
        def f(self, context, uuid):
            self.reportclient.remove_provider_tree_from_instance_allocation(context, uuid, "rp")
        """
    assert findings(code) == []
    opts = {"unchecked-response": {"extend-checked-calls": ["remove_provider_tree_from_instance_allocation"]}}
    assert lines_of(run(code, select=RULE, rules=opts)) == [2]


def test_client_classes_option():
    code = """\
        class GlanceGateway(object):
            def drop(self, image_id):
                self.delete("/v2/images/%s" % image_id)
        """
    assert findings(code) == []
    opts = {"unchecked-response": {"extend-client-classes": ["Gateway"]}}
    assert lines_of(run(code, select=RULE, rules=opts)) == [3]


# -- robustness ----------------------------------------------------------------------------


def test_half_written_calls():
    code = """\
        def f(self, url):
            self.client.put()
            self.client.post(
        """
    broken = run(code, select=RULE)
    assert not broken.errors
    assert [f for f in broken.findings if f.rule == RULE] == []
    partial = """\
        def f(self, url):
            self.client.put()
            self.client.put(url=url)
        """
    assert lines_of(run(partial, select=RULE)) == [3]


def test_rule_is_skipped_without_its_tokens():
    assert findings("def f(client):\n    client.get('/x')\n") == []


def test_a_class_level_result_read_only_inside_a_method_is_unchecked():
    # a method does not see the class body's names: `resp` there is a global, not this result
    # (and the finding must not depend on other functions' bodies: incremental analysis)
    code = """\
        class Claims(object):
            resp = client.put('/allocations/x', json={})

            def check(self):
                return resp
        """
    [f] = findings(code)
    assert f.span.start_line == 1
