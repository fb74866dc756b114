"""NOVA005 unchecked-response: results of Placement/REST writes that nobody looks at."""

from __future__ import annotations

import textwrap

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
            self.reportclient.delete_allocations_for_consumer(context, uuid, "rp")
        """
    assert findings(code) == []
    opts = {"unchecked-response": {"extend-checked-calls": ["delete_allocations_for_consumer"]}}
    assert lines_of(run(code, select=RULE, rules=opts)) == [2]


def test_remove_provider_tree_returns_a_flag():
    code = """\
        def _remove_source(self, context, instance, rp_uuid):
            self.report_client.remove_provider_tree_from_instance_allocation(
                context, instance.uuid, rp_uuid)
        """
    [f] = findings(code)
    assert "it returns a false value when the write fails" in f.message


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


# -- the module's own clients ---------------------------------------------------------------


def test_a_module_client_whose_request_raises_makes_its_verbs_checked():
    code = """\
        import requests

        class DynClient(object):
            def _request(self, method, url, **kwargs):
                resp = requests.request(method, url, **kwargs)
                if resp.status_code >= 400:
                    raise DynClientError(resp)
                return resp

            def request(self, method, url, retries=2, **kwargs):
                return self._request(method, url, **kwargs)

            def delete(self, *args, **kwargs):
                return self.request("DELETE", *args, **kwargs)

        def delete_zone(client, name):
            client.delete("/Zone/%s" % name)
            requests.delete("https://dns.example.invalid/Zone/%s" % name)
        """
    # the module client raises; the requests module never does
    assert lines_of(run(code, select=RULE)) == [18]


def test_a_session_subclass_whose_request_raises():
    code = """\
        import requests

        class Session(requests.Session):
            def request(self, verb, api_method, params=None, **kwargs):
                ret = super().request(verb, api_method, params=params, **kwargs)
                ret.raise_for_status()
                return ret

        class Folders(object):
            def delete(self, path):
                self.session.delete(f"folders/delete_folder/", data=dict(path=path))
        """
    assert findings(code) == []


def test_a_client_that_does_not_raise_is_still_watched():
    code = """\
        import requests

        class DynClient(object):
            def request(self, method, url, **kwargs):
                return requests.request(method, url, **kwargs)

            def delete(self, url):
                return self.request("DELETE", url)

        def delete_zone(client, name):
            client.delete("/Zone/%s" % name)
        """
    assert lines_of(run(code, select=RULE)) == [11]


# -- database sessions, logouts, fire-and-forget --------------------------------------------


@pytest.mark.parametrize(
    "setup",
    [
        "with sql.session_for_write() as session:",
        "with enginefacade.writer.using(context) as session:",
        "with self.db.session_for_read() as session:",
    ],
)
def test_database_sessions_are_not_rest(setup):
    code = f"""\
        def remove(self, context, endpoint_url, ref):
            {setup}
                session.delete(endpoint_url)
        """
    assert findings(code) == []


def test_a_name_is_a_url_by_its_last_word():
    code = """\
        def remove(self, session, endpoint_filter_ref, endpoint_url):
            session.delete(endpoint_filter_ref)
            session.delete(endpoint_url)
        """
    assert lines_of(run(code, select=RULE)) == [3]


def test_logout_and_finalizers_are_fire_and_forget():
    code = """\
        import requests

        class Api(object):
            def __del__(self):
                requests.post(self._url, data={"method": "logout"})

            def logout(self):
                self.client.delete("/Session")

            def close(self):
                requests.post(self._url + "/close")

            def leave(self):
                self.client.post("/auth/logout", {})
        """
    assert findings(code) == []


@pytest.mark.parametrize(
    "comment",
    ["# We don't care if this fails.", "# best effort", "# ignore the result: the expiry is async"],
)
def test_a_comment_saying_the_outcome_does_not_matter(comment):
    code = f"""\
        def expire(self, replay_id):
            {comment}
            self.client.post("StorageCenter/ScReplay/%s/Expire" % replay_id, {{}}, True)
        """
    assert findings(code) == []


# -- helpers that return the outcome ----------------------------------------------------------


STATUS_HELPER = """\
    class Api(object):
        def create_directory(self, path):
            r = self.send_put_request(self.url + path)
            return r.status_code == 200

        def make(self, path):
            r = self.send_put_request(self.url + path)
            return r.ok
"""


@pytest.mark.parametrize(
    "caller",
    [
        "def clone(self, path):\n    self.create_directory(path)",
        "def clone(self, path):\n    ok = self.make(path)\n    LOG.debug('made')",
    ],
)
def test_a_status_helpers_result_dropped(caller):
    code = STATUS_HELPER + "\n" + textwrap.indent(caller, "        ") + "\n"
    [f] = findings(code, dedent=True)
    assert "returns whether the request succeeded" in f.message
    assert f.severity is Severity.WARNING


@pytest.mark.parametrize(
    "caller",
    [
        "def clone(self, path):\n    if not self.create_directory(path):\n        raise ValueError(path)",
        "def _cleanup(self, path):\n    self.create_directory(path)",
        "def clone(self, path):\n    try:\n        self.copy(path)\n    finally:\n        self.create_directory(path)",
        "def clone(self, path):\n    try:\n        self.copy(path)\n    except Exception:\n        self.create_directory(path)\n        raise",
    ],
)
def test_a_status_helpers_result_checked_or_dropped_in_cleanup(caller):
    code = STATUS_HELPER + "\n" + textwrap.indent(caller, "        ") + "\n"
    assert findings(code, dedent=True) == []


def test_a_helper_of_another_class_is_not_resolved():
    code = STATUS_HELPER + """
    class Other(object):
        def clone(self, path):
            self.create_directory(path)
"""
    assert findings(code, dedent=True) == []


BOOL_HELPER = """\
    class Connector(object):
        def _connect_to_portal(self, props):
            try:
                self._run_iscsiadm(props, ("--login",))
            except putils.ProcessExecutionError as err:
                LOG.warning("Failed to login: %s", err)
                return False
            return True

        def connect_multipath(self, targets):
            for props in targets:
                self._connect_to_portal(props)

        def connect_single(self, targets):
            for props in targets:
                if self._connect_to_portal(props):
                    return props
"""


def test_flag_helpers_are_opt_in_and_information():
    assert findings(BOOL_HELPER, dedent=True) == []
    opts = {"unchecked-response": {"report-flag-helpers": True}}
    [f] = [x for x in run(BOOL_HELPER, select=RULE, rules=opts).findings if x.rule == RULE]
    assert f.span.start_line == 11
    assert f.severity is Severity.INFORMATION
    assert "returns False when it fails" in f.message


def test_flag_helpers_need_a_call_that_checks_them_and_a_failure_return():
    opts = {"unchecked-response": {"report-flag-helpers": True}}
    unchecked = BOOL_HELPER.replace("if self._connect_to_portal(props):", "if props:")
    assert [x for x in run(unchecked, select=RULE, rules=opts).findings if x.rule == RULE] == []
    absent = BOOL_HELPER.replace("putils.ProcessExecutionError", "exception.NotFound")
    # `except NotFound: return False` answers "it was not there", it is not a failure
    assert [x for x in run(absent, select=RULE, rules=opts).findings if x.rule == RULE] == []


def test_raise_exc_true_on_a_helper_call():
    code = STATUS_HELPER + "\n        def clone(self, path):\n            self.create_directory(path, raise_exc=True)\n"
    assert findings(code, dedent=True) == []
