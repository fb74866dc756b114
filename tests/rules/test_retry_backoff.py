"""NOVA003 retry-without-backoff: which loops and decorators are retries without a wait."""

from __future__ import annotations

import pytest
from helpers import lines_of, run

from nova_lsp.core.model import Severity, Span

RULE = "NOVA003"


def findings(code, **kw):
    analysis = run(code, select=RULE, **kw)
    assert not analysis.errors, analysis.errors
    return [f for f in analysis.findings if f.rule == RULE]


# -- loops that are retries ----------------------------------------------------------------


def test_while_true_on_a_connect_failure_is_an_unbounded_warning():
    code = """\
        from keystoneauth1 import exceptions as ks_exc

        def ping(self, context):
            while True:
                try:
                    self.placement.get("/", global_request_id=context.global_id)
                    break
                except ks_exc.ConnectFailure:
                    LOG.warning("placement not up yet")
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING
    assert f.span == Span(3, 4, 3, 15)  # `while True:` on its own line
    assert "`ks_exc.ConnectFailure`" in f.message
    assert "`while True` loop" in f.message
    assert "unbounded" in f.message
    assert f.name == "retry-without-backoff" and f.cwe == (400,)


def test_for_range_with_return_is_a_bounded_retry():
    code = """\
        from oslo_db import exception as db_exc

        def update(context, values):
            for attempt in range(3):
                try:
                    return _do_update(context, values)
                except db_exc.DBDeadlock:
                    LOG.debug("deadlock, attempt %d", attempt)
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING
    assert f.span.start_line == 3
    assert "`db_exc.DBDeadlock`" in f.message
    assert "at most 3 attempts" in f.message
    assert "unbounded" not in f.message


def test_an_unknown_exception_needs_a_sign_that_it_is_a_transient_failure():
    silent = """\
        def attach(self, context):
            for attempt in range(5):
                try:
                    return self.driver.attach(context)
                except exception.VolumeNotReady:
                    pass
        """
    assert findings(silent) == []  # no hint tier: nothing says this is a retry of a fault
    said = """\
        def attach(self, context):
            for attempt in range(5):
                try:
                    return self.driver.attach(context)
                except exception.VolumeNotReady:
                    LOG.debug("Volume not ready, retrying (attempt %d)", attempt)
        """
    [f] = findings(said)
    assert f.severity is Severity.WARNING
    assert "`exception.VolumeNotReady`" in f.message


def test_broad_and_bare_catches_are_retries_by_intent():
    broad = findings(
        """\
        def f():
            while True:
                try:
                    return op()
                except Exception:
                    LOG.exception("failed")
        """
    )
    assert [f.severity for f in broad] == [Severity.WARNING]
    bare = findings(
        """\
        def f():
            while True:
                try:
                    return op()
                except:
                    pass
        """
    )
    assert len(bare) == 1 and "any exception" in bare[0].message


@pytest.mark.parametrize(
    "handler",
    [
        "eventlet.sleep()",
        "if exc.code not in (500, 503):\n                        raise",
        "LOG.info(_LI('Reattempting the request'))",
    ],
)
def test_signs_of_a_transient_failure(handler):
    code = f"""\
        import eventlet

        def call(self):
            while True:
                try:
                    return self._request()
                except exception.BackendError as exc:
                    {handler}
        """
    assert lines_of(run(code, select=RULE)) == [4]


def test_retry_words_are_whole_words_and_an_option():
    code = """\
        def call(self):
            while True:
                try:
                    return self._request()
                except exception.BackendError:
                    LOG.debug("Failed to retrieve the backend state")
        """
    assert findings(code) == []  # "retrieve" is not "retry"
    opts = {"retry-without-backoff": {"extend-retry-words": ["retrieve"]}}
    assert lines_of(run(code, select=RULE, rules=opts)) == [2]


def test_transient_exception_resolved_through_imports():
    code = """\
        from requests import exceptions as rexc

        def fetch(url):
            while True:
                try:
                    return get(url)
                except rexc.ConnectionError:
                    continue
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING


def test_one_transient_member_of_a_tuple_makes_it_a_warning():
    code = """\
        from keystoneauth1 import exceptions as ks_exc

        def put(self, url, data):
            for attempt in range(4):
                try:
                    return self._client.put(url, json=data)
                except (ValueError, ks_exc.ConnectFailure):
                    LOG.warning("retrying")
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING
    assert "`ValueError` and `ks_exc.ConnectFailure`" in f.message


def test_tuple_bound_to_a_local_name_is_expanded_for_classification():
    code = """\
        def call(self, context):
            retry_excs = (ConnectionError, ValueError)
            for attempt in range(3):
                try:
                    return self._call(context)
                except retry_excs:
                    LOG.debug("retry")
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING
    assert "`retry_excs`" in f.message


def test_while_not_done_flag_set_on_success():
    code = """\
        def refresh(self, rp_uuid):
            done = False
            while not done:
                try:
                    self._refresh(rp_uuid)
                    done = True
                except exception.ResourceProviderUpdateFailed:
                    LOG.info("update failed")
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING
    assert "`while` loop" in f.message and "unbounded" in f.message


def test_while_with_counter_in_test_is_bounded():
    code = """\
        def call(self):
            attempts = 0
            while attempts < 5:
                attempts += 1
                try:
                    return self._call()
                except ConnectionError:
                    pass
        """
    [f] = findings(code)
    assert "bounded attempts" in f.message


def test_while_true_with_guard_that_raises_is_bounded():
    code = """\
        def call(self):
            attempt = 0
            while True:
                try:
                    return self._call()
                except ConnectionError:
                    attempt += 1
                    if attempt > 3:
                        raise
        """
    [f] = findings(code)
    assert "bounded attempts" in f.message
    assert "unbounded" not in f.message


def test_itertools_count_without_guard_is_unbounded():
    code = """\
        import itertools

        def call(self):
            for attempt in itertools.count():
                try:
                    return self._call()
                except ConnectionError:
                    LOG.debug("attempt %s failed", attempt)
        """
    [f] = findings(code)
    assert "itertools.count()" in f.message and "unbounded" in f.message


def test_conditional_reraise_on_last_attempt_is_still_a_retry():
    code = """\
        def add(context, specs, max_retries=10):
            for attempt in range(max_retries):
                try:
                    return _add(context, specs)
                except exception.VolumeIsBusy:
                    if attempt == max_retries - 1:
                        raise exception.UpdateFailed()
        """
    assert lines_of(run(code, select=RULE)) == [2]


def test_break_after_the_try_counts_as_the_success_exit():
    code = """\
        def call(self):
            while True:
                try:
                    result = self._call()
                except ConnectionError:
                    LOG.warning("again")
                    continue
                break
            return result
        """
    assert lines_of(run(code, select=RULE)) == [2]


def test_try_nested_in_if_and_with_inside_the_loop():
    code = """\
        def call(self, lock):
            while True:
                if self.enabled:
                    with lock:
                        try:
                            return self._call()
                        except ConnectionError:
                            pass
        """
    assert lines_of(run(code, select=RULE)) == [2]


def test_async_function_loop():
    code = """\
        async def fetch(session, url):
            while True:
                try:
                    return await session.get(url)
                except ConnectionError:
                    pass
        """
    assert lines_of(run(code, select=RULE)) == [2]


def test_sleep_of_zero_only_yields_and_is_not_a_wait():
    code = """\
        from eventlet import greenthread

        def call(self):
            while True:
                try:
                    return self._call()
                except ConnectionError:
                    greenthread.sleep(0)
        """
    assert lines_of(run(code, select=RULE)) == [4]


def test_nested_retry_loops_report_each_loop_once():
    code = """\
        def call(self, items):
            for item in items:
                while True:
                    try:
                        self._send(item)
                        break
                    except ConnectionError:
                        LOG.warning("retry")
        """
    assert lines_of(run(code, select=RULE)) == [3]


def test_span_stops_before_a_trailing_comment():
    code = """\
        def call(self):
            while True:  # keep trying
                try:
                    return self._call()
                except ConnectionError:
                    pass
        """
    [f] = findings(code)
    assert f.span == Span(1, 4, 1, 15)


# -- loops that are not retries ------------------------------------------------------------


@pytest.mark.parametrize(
    "wait",
    [
        "time.sleep(1)",
        "greenthread.sleep(2 ** attempt)",
        "eventlet.sleep(0.5)",
        "self._sleep(attempt)",
        "self._stop_event.wait(1)",
        "threading.Event().wait(0.1)",
        "utils.backoff(attempt)",
        "self._wait_for_ready()",
        "_time_sleep_wrapper(delay)",
    ],
)
def test_loops_that_wait_are_not_flagged(wait):
    code = f"""\
        import time
        import threading
        import eventlet
        from eventlet import greenthread

        def call(self):
            attempt = 0
            while True:
                try:
                    return self._call()
                except ConnectionError:
                    attempt += 1
                    {wait}
        """
    assert findings(code) == []


def test_wait_before_the_try_counts():
    code = """\
        import time

        def call(self):
            for attempt in range(4):
                time.sleep(attempt * 2)
                try:
                    return self._call()
                except ConnectionError:
                    pass
        """
    assert findings(code) == []


def test_wait_in_the_while_test_counts():
    code = """\
        def run(self):
            while not self._stop.wait(5):
                try:
                    return self._poll()
                except ConnectionError:
                    pass
        """
    assert findings(code) == []


@pytest.mark.parametrize(
    "handler",
    ["raise", "return None", "break", "LOG.error('x')\n                raise", "sys.exit(1)",
     "with excutils.save_and_reraise_exception():\n                    LOG.error('x')"],
)
def test_handlers_that_always_leave_are_not_retries(handler):
    code = f"""\
        def call(self):
            while True:
                try:
                    return self._call()
                except ConnectionError:
                    {handler}
        """
    assert findings(code) == []


def test_save_and_reraise_that_is_told_not_to_reraise_is_a_retry():
    code = """\
        def call(self):
            while True:
                try:
                    return self._call()
                except ConnectionError:
                    with excutils.save_and_reraise_exception() as ctxt:
                        ctxt.reraise = False
        """
    assert lines_of(run(code, select=RULE)) == [2]


def test_handler_falling_through_to_a_break_is_not_a_retry():
    code = """\
        def call(self):
            while True:
                try:
                    self._call()
                except ConnectionError:
                    LOG.warning("giving up")
                break
        """
    assert findings(code) == []


def test_loops_over_candidates_are_not_retries():
    code = """\
        def connect_any(hosts):
            for host in hosts:
                try:
                    return connect(host)
                except ConnectionError:
                    continue

        def by_index(hosts):
            for i in range(len(hosts)):
                try:
                    return connect(hosts[i])
                except ConnectionError:
                    continue

        def bind_port(start, stop):
            for port in range(start, stop):
                try:
                    return bind(port)
                except OSError:
                    pass

        def next_instance(context, uuids):
            while uuids:
                try:
                    inst = get_by_uuid(context, uuids.pop(0))
                except exception.InstanceNotFound:
                    continue
                return inst
        """
    assert findings(code) == []


def test_handler_that_shrinks_the_input_is_a_search_not_a_retry():
    code = """\
        def safe_truncate(b_value):
            decode_ok = False
            while not decode_ok:
                try:
                    u_value = safe_decode(b_value)
                    decode_ok = True
                except UnicodeDecodeError:
                    b_value = b_value[:-1]
            return u_value
        """
    assert findings(code) == []


def test_worker_loops_whose_success_stays_in_the_loop_are_not_retries():
    code = """\
        def _dispatch_thread(self):
            while True:
                try:
                    self._dispatch_events()
                except Exception:
                    LOG.exception("dispatch failed")

        def _process(self, items):
            for _ in range(10):
                try:
                    self._step()
                except ValueError:
                    pass
        """
    assert findings(code) == []


def test_data_loop_that_logs_and_continues_is_not_a_retry():
    code = """\
        def cleanup(self, context, ports):
            for port in ports:
                try:
                    self.network_api.delete_port(context, port["id"])
                except exception.PortNotFound:
                    LOG.debug("already gone")
                    continue
        """
    assert findings(code) == []


def test_try_in_the_loop_else_clause_or_a_nested_function_is_ignored():
    code = """\
        def f(self):
            while True:
                def attempt():
                    try:
                        return self._call()
                    except ConnectionError:
                        pass
                break
            else:
                try:
                    self._call()
                except ConnectionError:
                    pass
        """
    assert findings(code) == []


def test_looping_call_helpers_are_never_flagged():
    code = """\
        from oslo_service import loopingcall

        @loopingcall.RetryDecorator(max_retry_count=3, inc_sleep_time=1,
                                    max_sleep_time=10,
                                    exceptions=(TimeoutError,))
        def _poll():
            return call()

        timer = loopingcall.BackOffLoopingCall(_wait_state)
        timer.start(starting_interval=1).wait()
        """
    assert findings(code) == []


# -- decorators ------------------------------------------------------------------------------


def test_retrying_decorator_without_wait_names_the_predicate_exception():
    code = """\
        import retrying

        class Client(object):
            @retrying.retry(stop_max_attempt_number=4,
                            retry_on_exception=lambda e: isinstance(
                                e, ks_exc.ConnectFailure))
            def get_usages(self, context, project_id):
                pass
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING
    assert f.span.start_line == 3 and f.span.end_line == 5  # the decorator call
    assert "`ks_exc.ConnectFailure`" in f.message
    assert "`@retrying.retry(...)`" in f.message
    assert "at most 4 attempts" in f.message


def test_retrying_from_import_and_bare_decorator():
    code = """\
        from retrying import retry
        import retrying

        @retry(stop_max_delay=1000)
        def a():
            pass

        @retrying.retry
        def b():
            pass
        """
    got = findings(code)
    assert [f.span.start_line + 1 for f in got] == [4, 8]
    assert all(f.severity is Severity.WARNING for f in got)  # a decorator is an explicit retry
    assert "any exception" in got[1].message and "unbounded" in got[1].message
    assert "bounded attempts" in got[0].message


def test_retrying_with_any_wait_argument_is_fine():
    code = """\
        import retrying

        @retrying.retry(wait_fixed=2000)
        def a():
            pass

        @retrying.retry(wait_exponential_multiplier=500, wait_exponential_max=10000)
        def b():
            pass

        @retrying.retry(**RETRY_OPTIONS)
        def c():
            pass
        """
    assert findings(code) == []


def test_retrying_predicate_function_is_followed():
    code = """\
        import retrying

        def _is_refused(exc):
            return isinstance(exc, ConnectionRefusedError)

        @retrying.retry(stop_max_attempt_number=3, retry_on_exception=_is_refused)
        def call():
            pass
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING and "`ConnectionRefusedError`" in f.message


def test_tenacity_decorator_without_wait():
    code = """\
        import tenacity
        from tenacity import retry, retry_if_exception_type, wait_fixed

        @tenacity.retry
        def a():
            pass

        @retry(retry=retry_if_exception_type((ConnectionError, ValueError)),
               stop=tenacity.stop_after_attempt(5))
        def b():
            pass

        @retry(wait=wait_fixed(2))
        def c():
            pass
        """
    got = findings(code)
    assert [f.span.start_line + 1 for f in got] == [4, 8]
    assert got[0].severity is Severity.WARNING and "unbounded" in got[0].message
    assert got[1].severity is Severity.WARNING
    assert "`ConnectionError` and `ValueError`" in got[1].message
    assert "at most 5 attempts" in got[1].message


def test_tenacity_retrying_object_without_wait():
    code = """\
        import tenacity

        def call():
            for attempt in tenacity.Retrying(stop=tenacity.stop_after_attempt(3)):
                with attempt:
                    do()
        """
    assert lines_of(run(code, select=RULE)) == [4]


def test_a_local_function_named_retry_is_not_a_library_decorator():
    code = """\
        def retry(f):
            return f

        @retry
        def a():
            pass
        """
    assert findings(code) == []


# -- options ---------------------------------------------------------------------------------


def test_extend_sleep_functions():
    code = """\
        def call(self):
            while True:
                try:
                    return self._call()
                except ConnectionError:
                    my_pause(1)
        """
    assert lines_of(run(code, select=RULE)) == [2]
    extended = run(code, select=RULE, rules={"retry-without-backoff": {"extend-sleep-functions": ["my_pause"]}})
    assert lines_of(extended) == []


def test_extend_backoff_helpers_by_dotted_name():
    code = """\
        from nova import helpers

        def call(self):
            while True:
                try:
                    return self._call()
                except ConnectionError:
                    helpers.pause_between(1)
        """
    assert lines_of(run(code, select=RULE)) == [4]
    opts = {"retry-without-backoff": {"extend-backoff-helpers": ["nova.helpers.pause_between"]}}
    assert lines_of(run(code, select=RULE, rules=opts)) == []


def test_extend_transient_exceptions_makes_an_unknown_exception_a_transient_one():
    code = """\
        def call(self):
            while True:
                try:
                    return self._call()
                except exception.CellNotResponding:
                    pass
        """
    assert findings(code) == []
    opts = {"retry-without-backoff": {"extend-transient-exceptions": ["CellNotResponding"]}}
    [warning] = findings(code, rules=opts)
    assert warning.severity is Severity.WARNING


def test_fix_parameters_are_rule_options():
    from nova_lsp.engine.registry import load_registry

    options = load_registry().get(RULE).options
    assert options["base"] == 0.5 and options["cap"] == 30.0 and options["max-attempts"] == 5


# -- robustness ------------------------------------------------------------------------------


def test_half_written_code_near_the_pattern():
    # a syntax error: the rule is not run, nothing crashes
    broken = run("def f():\n    while True:\n        try:\n            op(\n        except ConnectionError:\n", select=RULE)
    assert [f for f in broken.findings if f.rule == RULE] == []
    assert not broken.errors
    # an empty handler body made of `...` while typing
    code = """\
        def f():
            while True:
                try:
                    return op()
                except ConnectionError:
                    ...
        """
    assert lines_of(run(code, select=RULE)) == [2]


def test_rule_is_skipped_without_its_tokens():
    assert findings("while True:\n    pass\n") == []


def test_non_ascii_line_span_in_code_points():
    code = "def f():\n    s = 'é'; x = 1\n    while True:  # réessayer\n        try:\n            return op()\n        except ConnectionError:\n            pass\n"
    [f] = findings(code, dedent=False)
    assert f.span == Span(2, 4, 2, 15)


# -- heuristics tuned on real OpenStack code ------------------------------------------------


def test_counter_stepped_by_plain_assignment_bounds_the_loop():
    code = """\
        def call(self, data, node):
            retry_count = 0
            while retry_count < 5:
                retry_count = retry_count + 1
                try:
                    return self.query(data, node)
                except Exception:
                    LOG.debug("failed, retrying")
        """
    [f] = findings(code)
    assert "bounded attempts" in f.message


def test_deadline_loop_is_bounded_by_a_deadline_but_still_hammers():
    code = """\
        import time

        def get_volume(self, end_time):
            while time.time() < end_time:
                try:
                    return self._get_volume()
                except Exception:
                    LOG.debug("will retry")
        """
    [f] = findings(code)
    assert "bounded by a deadline" in f.message


def test_a_delay_helper_counts_as_waiting():
    code = """\
        def request(self, attempts):
            for attempt in range(attempts):
                if self.error:
                    self.delay(attempt)
                try:
                    return self._request()
                except Exception as error:
                    self.error = error
        """
    assert findings(code) == []


def test_handler_excluding_what_failed_is_a_search_not_a_retry():
    code = """\
        def create_lun(self, lun):
            excluded = set()
            while True:
                try:
                    lun.pair = self._find_pair(lun, excluded)
                    return self._create(lun)
                except LssFullException:
                    excluded.add(lun.pair)
        """
    assert findings(code) == []


def test_items_taken_before_the_try_make_it_a_data_loop():
    code = """\
        import os

        def clean(listing):
            while listing:
                name = listing.pop()
                try:
                    os.unlink(name)
                    return
                except OSError:
                    LOG.warning("cannot delete %s", name)
        """
    assert findings(code) == []


def test_a_counter_in_the_while_test_is_not_a_success_flag():
    code = """\
        def clean(self, total):
            while total > 0:
                try:
                    total -= self._remove_one()
                except OSError:
                    LOG.warning("cannot delete")
        """
    assert findings(code) == []


@pytest.mark.parametrize("name", ["exception.AgentConnectionFailed", "exc.ServiceUnavailable", "nova_exc.PlacementTemporarilyUnavailable"])
def test_wildcard_transient_names(name):
    code = f"""\
        def call(self):
            while True:
                try:
                    return self._call()
                except {name}:
                    pass
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING


def test_module_level_tuple_of_exceptions_is_expanded():
    code = """\
        RETRY_EXCS = (ConnectionError, ValueError)

        def call(self):
            while True:
                try:
                    return self._call()
                except RETRY_EXCS:
                    pass
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING and "`RETRY_EXCS`" in f.message


def test_a_local_rebinding_hides_the_module_tuple():
    code = """\
        RETRY_EXCS = (ConnectionError,)

        def call(self, errors):
            RETRY_EXCS = errors
            while True:
                try:
                    return self._call()
                except RETRY_EXCS:
                    pass
        """
    assert findings(code) == []  # the caller's exceptions: unknown, and nothing says retry


def test_span_ignores_colons_inside_a_trailing_comment():
    code = """\
        def call(self):
            for attempt in range(3):  # note: no sleep here
                try:
                    return self._call()
                except ConnectionError:
                    pass
        """
    [f] = findings(code)
    assert f.span == Span(1, 4, 1, 28)  # `for attempt in range(3):`


# -- issue 10: what a retry is (the same operation, the same inputs, after a failure) -------


@pytest.mark.parametrize(
    "caught",
    [
        "messaging.MessagingTimeout",
        "socket.timeout",
        "ovs_exceptions.TimeoutException",
        "requests.exceptions.ReadTimeout",
        "eventlet.Timeout",
        "messaging.MessageDeliveryFailure",
        "(socket.timeout, messaging.MessagingTimeout)",
    ],
)
def test_failures_that_come_after_a_wait_pace_the_loop(caught):
    code = f"""\
        import socket

        import eventlet
        import oslo_messaging as messaging
        import requests

        def wait_for_conductor(self, context):
            while True:
                try:
                    self.base_rpcapi.ping(context, timeout=30)
                    break
                except {caught}:
                    LOG.warning("Timed out waiting for nova-conductor, retrying")
        """
    assert findings(code) == []


def test_a_fast_failure_beside_a_timeout_is_still_a_busy_retry():
    code = """\
        import socket

        def read(self, host):
            for attempt in range(5):
                try:
                    return self._fetch(host)
                except (socket.timeout, ConnectionResetError):
                    LOG.debug("retrying")
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING
    assert "`socket.timeout` and `ConnectionResetError`" in f.message


def test_a_timeout_handler_beside_a_fast_failing_one_is_reported_for_the_other():
    code = """\
        import socket

        def read(self, host):
            while True:
                try:
                    return self._fetch(host)
                except socket.timeout:
                    continue
                except ConnectionRefusedError:
                    LOG.debug("refused, retrying")
        """
    [f] = findings(code)
    assert "`ConnectionRefusedError`" in f.message and "socket.timeout" not in f.message


def test_connect_failure_can_be_declared_self_paced():
    code = """\
        from keystoneauth1 import exceptions as ks_exc

        def get(self, url):
            for attempt in range(3):
                try:
                    return self._client.get(url)
                except ks_exc.ConnectFailure:
                    pass
        """
    assert lines_of(run(code, select=RULE)) == [4]
    opts = {"retry-without-backoff": {"extend-self-paced-exceptions": ["ConnectFailure"]}}
    assert lines_of(run(code, select=RULE, rules=opts)) == []


@pytest.mark.parametrize(
    "caught",
    [
        "exception.ResourceProviderUpdateConflict",
        "placement_exc.PlacementResourceProviderGenerationConflict",
        "db_exc.DBDuplicateEntry",
        "exception.PortgroupDuplicateName",
        "exception.WorkerExists",
        "orm_exc.StaleDataError",
        "webob.exc.HTTPConflict",
    ],
)
def test_a_race_lost_to_a_concurrent_writer_is_retried_at_once_on_fresh_data(caught):
    code = f"""\
        def update_inventory(self, context, rp_uuid, inventory):
            for attempt in range(4):
                generation = self._get_generation(context, rp_uuid)
                try:
                    return self._put_inventory(context, rp_uuid, inventory)
                except {caught}:
                    LOG.debug("concurrent update of %s, refreshing", rp_uuid)
        """
    assert findings(code) == []


def test_not_found_in_a_create_or_update_loop_is_a_race_but_in_a_read_loop_a_poll():
    writes = """\
        def ensure_worker(self, context, resource_id):
            while True:
                try:
                    return db.worker_create(context, resource_id=resource_id)
                except exception.WorkerNotFound:
                    pass
        """
    assert findings(writes) == []
    reads = """\
        def get_volume(self, context, volume_id):
            while True:
                try:
                    return self.volume_api.get(context, volume_id)
                except exception.VolumeNotFound:
                    LOG.debug("not there yet, trying again")
        """
    [f] = findings(reads)
    assert f.severity is Severity.WARNING


def test_yielding_sleeps_are_no_wait():
    for pause in ("eventlet.sleep()", "greenthread.sleep(0)", "time.sleep(0.0)", "greenthread.sleep(seconds=0)"):
        code = f"""\
            import queue
            import time

            import eventlet
            from eventlet import greenthread

            def poll(self):
                incoming = None
                while incoming is None:
                    try:
                        incoming = self.incoming_queue.get_nowait()
                    except queue.Empty:
                        {pause}
                return incoming
            """
        assert lines_of(run(code, select=RULE)) == [9], pause


@pytest.mark.parametrize(
    "blocking",
    [
        "item = self._queue.get(timeout=1)",
        "item = self._queue.get(True, 0.5)",
        "hubs.trampoline(self._sock, read=True)",
        "select.select([self._sock], [], [], 1.0)",
        "self._worker.join(2)",
        "self._lock.acquire(timeout=5)",
    ],
)
def test_a_blocking_call_given_a_timeout_is_the_wait(blocking):
    code = f"""\
        import select

        from eventlet import hubs

        def receive(self):
            while True:
                {blocking}
                try:
                    return self._read()
                except ConnectionResetError:
                    LOG.debug("retrying")
        """
    assert findings(code) == []


def test_a_request_with_a_timeout_is_not_a_wait():
    code = """\
        import requests

        def fetch(url):
            while True:
                try:
                    return requests.get(url, timeout=10)
                except requests.ConnectionError:
                    pass
        """
    assert lines_of(run(code, select=RULE)) == [4]


def test_loops_that_yield_hand_the_wait_to_a_scheduler():
    code = """\
        def check_complete(self, check, handler_data):
            while True:
                try:
                    done = check(handler_data)
                except PollDelay as delay:
                    yield delay.period
                else:
                    if done:
                        break
                    yield
        """
    assert findings(code) == []


def test_save_and_reraise_with_a_condition_on_state_reraises_by_default():
    code = """\
        from oslo_utils import excutils

        def get_dp(self):
            while True:
                try:
                    return self._get_dp_by_dpid(self._cached_dpid)
                except RuntimeError:
                    with excutils.save_and_reraise_exception() as ctx:
                        new_dpid = self.get_datapath_id()
                        if new_dpid != self._cached_dpid:
                            ctx.reraise = False
                        self._cached_dpid = new_dpid
        """
    assert findings(code) == []


def test_save_and_reraise_switched_off_until_the_last_attempt_is_a_retry():
    code = """\
        from oslo_utils import excutils

        def call(self, max_attempts):
            for attempt in range(1, max_attempts + 1):
                try:
                    return self._call()
                except ConnectionError:
                    with excutils.save_and_reraise_exception(reraise=False) as ctxt:
                        LOG.warning("attempt %d failed", attempt)
                        if attempt == max_attempts:
                            ctxt.reraise = True
        """
    assert lines_of(run(code, select=RULE)) == [4]
    on_counter = """\
        from oslo_utils import excutils

        def call(self, max_attempts):
            attempt = 0
            while True:
                attempt += 1
                try:
                    return self._call()
                except ConnectionError:
                    with excutils.save_and_reraise_exception() as ctxt:
                        if attempt < max_attempts:
                            ctxt.reraise = False
        """
    assert lines_of(run(on_counter, select=RULE)) == [5]


def test_pagination_and_redirects_change_the_input_of_each_pass():
    code = """\
        def list_all(self, context):
            marker = None
            result = []
            while True:
                try:
                    page = self.client.list(context, marker=marker, limit=100)
                except exception.MarkerNotFound:
                    marker = result[-2]["id"] if len(result) > 1 else None
                    continue
                if not page:
                    return result
                result.extend(page)
                marker = page[-1]["id"]

        def follow(self, url):
            for hop in range(5):
                try:
                    return self.session.get(url, allow_redirects=False)
                except exception.Redirect as redirect:
                    url = redirect.location
        """
    assert findings(code) == []


def test_a_page_fetch_retried_with_the_same_marker_is_a_retry():
    code = """\
        def list_all(self, context):
            marker = None
            result = []
            while True:
                try:
                    page = self.client.list(context, marker=marker, limit=100)
                except ConnectionError:
                    continue
                if not page:
                    return result
                result.extend(page)
                marker = page[-1]["id"]
        """
    assert lines_of(run(code, select=RULE)) == [4]


def test_walking_up_a_tree_or_stripping_labels_is_a_search():
    code = """\
        def policy_for(self, endpoint):
            region_id = endpoint["region_id"]
            while region_id is not None:
                try:
                    return self.get_policy_association(region_id=region_id)
                except exception.PolicyAssociationNotFound:
                    pass
                region_id = self.get_region(region_id).get("parent_region_id")

        def parent_zone(self, context, labels):
            criterion = {}
            i = 1
            while i < len(labels):
                criterion["name"] = ".".join(labels[i:])
                try:
                    return self.storage.find_zone(context, criterion)
                except exception.ZoneNotFound:
                    i += 1
        """
    assert findings(code) == []


def test_a_fresh_candidate_each_pass_is_a_search():
    code = """\
        def create_svd(self, max_attempts=10):
            for attempt in range(max_attempts):
                port = self._get_free_udp_port()
                try:
                    return self.svd.create(dstport=port)
                except SvdPortInUse:
                    LOG.debug("port %d in use", port)

        def create_portgroup(self, task):
            for _ in range(3):
                group = objects.Portgroup(task.context, name=generate_name())
                try:
                    return group.create()
                except exception.InvalidName:
                    continue
        """
    assert findings(code) == []


def test_a_handler_that_moves_to_another_backend_is_fail_over():
    code = """\
        def rest_call(self, data, node):
            retries = 0
            while retries < 5:
                retries += 1
                try:
                    return self.query(data, node)
                except Exception:
                    node = self.get_pages_host()

        def call(self, request):
            while True:
                try:
                    return self._endpoint.send(request)
                except ConnectionError:
                    self._switch_to_next_endpoint()
        """
    assert findings(code) == []


def test_logging_in_again_before_the_next_attempt_is_not_a_retry_of_the_same_failure():
    code = """\
        import functools

        def connection_checker(func):
            @functools.wraps(func)
            def inner(self, *args, **kwargs):
                for attempts in range(2):
                    try:
                        return func(self, *args, **kwargs)
                    except SessionExpired:
                        if attempts < 1:
                            self.relogin()
                            continue
                        raise
            return inner

        def request(self, path):
            tries_left = 2
            while tries_left > 0:
                try:
                    return self._api_request(path)
                except ArrayConnectionError:
                    LOG.error("connection error, retrying")
                tries_left -= 1
                self.session_login()
        """
    assert findings(code) == []


def test_alternative_attempts_in_one_pass_are_not_one_retry():
    code = """\
        import os

        def move_aside(target, target_resize, target_del):
            for i in range(2):
                try:
                    os.rename(target, target_del)
                    break
                except Exception:
                    pass
                try:
                    os.rename(target_resize, target_del)
                    break
                except Exception:
                    pass
        """
    assert findings(code) == []


def test_a_client_that_backs_off_itself_paces_the_loop():
    code = """\
        import socket

        import boto3

        class Driver(object):
            def __init__(self, conf):
                self.conn = boto3.client("s3", endpoint_url=conf.endpoint)

        class Reader(object):
            def __init__(self, conn):
                self.conn = conn

            def read(self, key):
                for i in range(3):
                    try:
                        return self.conn.get_object(Key=key)["Body"].read()
                    except (socket.error, ConnectionResetError):
                        continue

        def get(session, url):
            while True:
                try:
                    return session.get(url, connect_retries=3)
                except ConnectionError:
                    pass
        """
    assert findings(code) == []


# -- busy polls without a try --------------------------------------------------------------


def test_a_deadline_poll_on_a_failed_result_is_a_busy_retry():
    code = """\
        import time

        def wait_for_port(ip, port, timeout):
            start = time.time()
            while not try_connect(ip, port):
                if time.time() - start > timeout:
                    raise exception.TimeoutException()

        def send(self, cmd, timeout):
            stop = time.time() + timeout
            while time.time() <= stop:
                ok, status, data = self._send(cmd, self.host)
                if ok:
                    return status, data
            raise exception.VolumeBackendAPIException()
        """
    got = findings(code)
    assert [f.span.start_line + 1 for f in got] == [5, 11]
    assert all(f.severity is Severity.WARNING for f in got)
    assert "a failed `try_connect(...)`" in got[0].message
    assert "bounded by a deadline" in got[1].message


def test_deadline_polls_that_wait_read_a_stream_or_wait_for_presence_are_not_reported():
    code = """\
        import time

        def wait_ready(self, timeout):
            deadline = time.time() + timeout
            while time.time() < deadline:
                if self._is_ready():
                    return
                time.sleep(1)

        def read_all(self, sock, timeout):
            data = b""
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
            return data

        def get_dp(self, timeout):
            start = time.time()
            while True:
                dp = self._get_datapath(self._app)
                if dp is not None:
                    return dp
                if time.time() > start + timeout:
                    raise RuntimeError("switch connection timeout")
        """
    assert findings(code) == []


def test_round_robin_until_a_deadline_comes_back_to_the_same_servers():
    code = """\
        import time

        def send_cmd(self, cmd, timeout):
            stop = time.time() + timeout
            while time.time() <= stop:
                server = self.servers[self._idx]
                ok, data = self._send(cmd, server)
                if ok:
                    return data
                self._idx = (self._idx + 1) % len(self.servers)

        def send_once_to_each(self, cmd, timeout):
            start = self._idx
            stop = time.time() + timeout
            while time.time() <= stop:
                server = self.servers[self._idx]
                ok, data = self._send(cmd, server)
                if ok:
                    return data
                self._idx = (self._idx + 1) % len(self.servers)
                if self._idx == start:
                    break
        """
    assert lines_of(run(code, select=RULE)) == [5]


def test_a_loop_on_a_non_blocking_helper_spins():
    code = """\
        import os

        class Launcher(object):
            def _wait_child(self):
                try:
                    pid, status = os.waitpid(0, os.WNOHANG)
                    if not pid:
                        return None
                except OSError:
                    return None
                return self.children.pop(pid)

            def stop(self):
                while self.children:
                    self._wait_child()

            def reap(self):
                while True:
                    wrap = self._wait_child()
                    if not wrap:
                        break
        """
    [f] = findings(code)
    assert f.span.start_line + 1 == 14
    assert "non-blocking `self._wait_child(...)`" in f.message


def test_a_worker_loop_swallowing_nothing_to_wait_for_spins():
    code = """\
        import errno
        import os

        def supervise(running):
            while running[0]:
                try:
                    pid, status = os.wait()
                    register_exit(pid)
                except OSError as err:
                    if err.errno not in (errno.EINTR, errno.ECHILD):
                        raise
        """
    [f] = findings(code)
    assert "ECHILD" in f.message
    interrupted_only = code.replace("(errno.EINTR, errno.ECHILD)", "(errno.EINTR,)")
    assert findings(interrupted_only) == []


# -- decorators ------------------------------------------------------------------------------


def test_decorators_retrying_only_races_or_timeouts_are_not_reported():
    code = """\
        import retrying
        import tenacity
        from sqlalchemy.orm import exc

        @retrying.retry(stop_max_attempt_number=4,
                        retry_on_exception=lambda e: isinstance(
                            e, exception.ResourceProviderUpdateConflict))
        def aggregate_add_host(self, context, agg_uuid, host_name):
            pass

        def retry_on_stale_data_error(func):
            wrapper = tenacity.retry(
                stop=tenacity.stop_after_attempt(3),
                retry=tenacity.retry_if_exception_type(exc.StaleDataError),
                reraise=True)
            return wrapper(func)

        @tenacity.retry(retry=tenacity.retry_if_exception_type(TimeoutError),
                        stop=tenacity.stop_after_attempt(3))
        def ping():
            pass
        """
    assert findings(code) == []


def test_a_decorated_function_that_polls_with_a_sleep_is_already_spaced():
    code = """\
        import time

        from tenacity import retry, stop_after_attempt

        @retry(reraise=True, stop=stop_after_attempt(3))
        def create_volume(self, image_id):
            volume = self.manager.create(imageRef=image_id)
            while self.manager.get(volume.id).status != "available":
                time.sleep(5)
            return volume.id

        @retry(reraise=True, stop=stop_after_attempt(3))
        def command(self, node, wait=False):
            result = self._post(node)
            if wait:
                result = self._wait_for_command(node)
            return result
        """
    assert lines_of(run(code, select=RULE)) == [12]


def test_explicit_zero_waits_are_no_wait():
    code = """\
        import retrying
        import tenacity

        @retrying.retry(wait_fixed=0, stop_max_attempt_number=3)
        def a():
            pass

        @tenacity.retry(wait=tenacity.wait_none(), stop=tenacity.stop_after_attempt(3))
        def b():
            pass

        @tenacity.retry(wait=tenacity.wait_fixed(0))
        def c():
            pass
        """
    assert lines_of(run(code, select=RULE)) == [4, 8, 12]


def test_oslo_db_retry_with_a_zero_interval_only():
    code = """\
        from oslo_db import api as oslo_db_api

        @oslo_db_api.wrap_db_retry(max_retries=5, retry_interval=0, retry_on_deadlock=True)
        def reserve(context, deltas):
            pass

        @oslo_db_api.wrap_db_retry(max_retries=5, retry_on_deadlock=True)
        def commit(context, deltas):
            pass

        retry_db_errors = oslo_db_api.wrap_db_retry(max_retries=10, retry_on_request=True)
        """
    [f] = findings(code)
    assert f.span.start_line + 1 == 3
    assert f.severity is Severity.WARNING and "`DBDeadlock`" in f.message
    assert "at most 6 attempts" in f.message


# -- look-alikes found on projects nobody tuned on ------------------------------------------


def test_a_dispatcher_taking_the_next_item_from_a_queue_is_not_a_retry():
    code = """\
        def notify_loop(self):
            while True:
                try:
                    item = self.notifications.get()
                    if item is STOP:
                        break
                    self._dispatch(item)
                except Exception:
                    LOG.exception("dispatch failed, trying again")

        def limits(self):
            # a manager's get() fetches: not a queue
            while True:
                try:
                    return self.client().limits.get()
                except ConnectionError:
                    pass
        """
    assert lines_of(run(code, select=RULE)) == [13]


@pytest.mark.parametrize(
    "attempt",
    [
        "return self._queue.put(item, timeout=1)",
        "return queue.Queue.get(self, timeout=self._timeout)",
        "return self._sock.recv(4096)",
        "return self._pipe.recv_bytes()",
        "return input('Delete the ranges [yes/no]? ')",
    ],
)
def test_blocking_reads_writes_and_prompts_are_the_wait(attempt):
    code = f"""\
        import queue

        def step(self, item):
            while self._connected:
                try:
                    {attempt}
                except (queue.Full, queue.Empty, ConnectionResetError, EOFError):
                    LOG.debug("again")
        """
    assert findings(code) == []


def test_a_handler_that_repairs_what_failed_is_not_a_blind_retry():
    code = """\
        import errno
        import os

        def link(fd, target_path, retries=3):
            attempts = 0
            while True:
                attempts += 1
                try:
                    linkat(fd, target_path)
                    break
                except IOError as err:
                    if attempts > retries:
                        raise
                    if err.errno == errno.EEXIST:
                        os.unlink(target_path)
                    else:
                        raise

        def members(self, group_id):
            while True:
                request = self._coordinator.get_members(group_id)
                try:
                    return request.get()
                except GroupNotCreated:
                    self.join_group(group_id)

        def merge(self, conn, items):
            while True:
                try:
                    return self._merge(conn, items)
                except OperationalError as err:
                    LOG.warning("retrying after a schema migration: %s", err)
                    self._migrate_schema(conn)

        def unpack(stream, chunks):
            while True:
                try:
                    return msgpack.load(stream)
                except msgpack.OutOfData:
                    LOG.debug("need more data, trying again")
                    stream.write(next(chunks))
                    stream.seek(0)
        """
    assert findings(code) == []


def test_http_conflicts_and_vanished_objects_in_a_writing_loop_are_races():
    code = """\
        def put_object(client, container, name, data):
            for i in range(5):
                client.put_container(container)
                try:
                    return client.put_object(container, name, data)
                except ClientException as ex:
                    if ex.http_status != 404:
                        raise

        def update(self, url, body):
            while True:
                try:
                    return self.session.put(url, json=body)
                except HttpError as exc:
                    if exc.status_code == 409:
                        LOG.debug("conflict, trying again")
                        continue
                    raise
        """
    assert findings(code) == []


def test_a_candidate_rewritten_through_an_alias_is_a_search():
    code = """\
        def update_stack(self, heat, name, fields, zones):
            failed = set()
            vdus = fields['parameters']['vdus']
            retry_count = 3
            while retry_count > 0:
                new_zone = sorted(zones - failed)[0]
                for vdu_id, params in vdus.items():
                    params['zone'] = new_zone
                try:
                    return heat.update_stack(name, fields)
                except StackOperationFailed as ex:
                    LOG.debug("retrying in another zone")
                    failed.add(ex.zone)
                    retry_count -= 1
        """
    assert findings(code) == []


def test_what_only_the_success_path_changes_does_not_change_the_next_attempt():
    code = """\
        def start_session(self):
            retry = 5
            while retry:
                try:
                    resp = self.api.start_session(self.session_id, self.session_tag)
                    if resp['result'] == 'success':
                        self.session_tag = resp['session_tag']
                        return
                except Exception as e:
                    LOG.error('Error while starting session: %s', e)
                LOG.warning('Retrying to start session')
                retry -= 1
        """
    assert lines_of(run(code, select=RULE)) == [3]
