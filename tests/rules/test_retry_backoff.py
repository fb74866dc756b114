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


def test_while_true_on_messaging_timeout_is_an_unbounded_warning():
    code = """\
        import oslo_messaging as messaging

        def ping(self, context):
            while True:
                try:
                    self.rpcapi.ping(context)
                    break
                except messaging.MessagingTimeout:
                    LOG.warning("conductor not up yet")
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING
    assert f.span == Span(3, 4, 3, 15)  # `while True:` on its own line
    assert "`messaging.MessagingTimeout`" in f.message
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


def test_non_transient_exception_is_a_hint():
    code = """\
        def attach(self, context):
            for attempt in range(5):
                try:
                    return self.driver.attach(context)
                except exception.VolumeNotFound:
                    pass
        """
    [f] = findings(code)
    assert f.severity is Severity.HINT
    assert "`exception.VolumeNotFound`" in f.message


def test_broad_exception_is_a_hint_and_bare_except_says_any_exception():
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
    assert [f.severity for f in broad] == [Severity.HINT]
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


def test_transient_exception_resolved_through_imports():
    code = """\
        from requests import exceptions as rexc

        def fetch(url):
            while True:
                try:
                    return get(url)
                except rexc.Timeout:
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
                except exception.ResourceProviderUpdateConflict:
                    LOG.info("conflict")
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
                except TimeoutError:
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
                except TimeoutError:
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
                except TimeoutError:
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
                except db_exc.DBDuplicateEntry:
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
                except TimeoutError:
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
                        except TimeoutError:
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
                except TimeoutError:
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
                except TimeoutError:
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
                except TimeoutError:
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
                except TimeoutError:
                    pass
        """
    assert findings(code) == []


def test_wait_in_the_while_test_counts():
    code = """\
        def run(self):
            while not self._stop.wait(5):
                try:
                    return self._poll()
                except TimeoutError:
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
                except TimeoutError:
                    {handler}
        """
    assert findings(code) == []


def test_save_and_reraise_that_is_told_not_to_reraise_is_a_retry():
    code = """\
        def call(self):
            while True:
                try:
                    return self._call()
                except TimeoutError:
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
                except TimeoutError:
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
                    except TimeoutError:
                        pass
                break
            else:
                try:
                    self._call()
                except TimeoutError:
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
                                e, exception.ResourceProviderUpdateConflict))
            def aggregate_add_host(self, context, agg_uuid):
                pass
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING
    assert f.span.start_line == 3 and f.span.end_line == 5  # the decorator call
    assert "`exception.ResourceProviderUpdateConflict`" in f.message
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
    assert all(f.severity is Severity.HINT for f in got)
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

        def _is_timeout(exc):
            return isinstance(exc, TimeoutError)

        @retrying.retry(stop_max_attempt_number=3, retry_on_exception=_is_timeout)
        def call():
            pass
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING and "`TimeoutError`" in f.message


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
    assert got[0].severity is Severity.HINT and "unbounded" in got[0].message
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
                except TimeoutError:
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
                except TimeoutError:
                    helpers.pause_between(1)
        """
    assert lines_of(run(code, select=RULE)) == [4]
    opts = {"retry-without-backoff": {"extend-backoff-helpers": ["nova.helpers.pause_between"]}}
    assert lines_of(run(code, select=RULE, rules=opts)) == []


def test_extend_transient_exceptions_turns_a_hint_into_a_warning():
    code = """\
        def call(self):
            while True:
                try:
                    return self._call()
                except exception.CellUnreachable:
                    pass
        """
    [hint] = findings(code)
    assert hint.severity is Severity.HINT
    opts = {"retry-without-backoff": {"extend-transient-exceptions": ["CellUnreachable"]}}
    [warning] = findings(code, rules=opts)
    assert warning.severity is Severity.WARNING


def test_fix_parameters_are_rule_options():
    from nova_lsp.engine.registry import load_registry

    options = load_registry().get(RULE).options
    assert options["base"] == 0.5 and options["cap"] == 30.0 and options["max-attempts"] == 5


# -- robustness ------------------------------------------------------------------------------


def test_half_written_code_near_the_pattern():
    # a syntax error: the rule is not run, nothing crashes
    broken = run("def f():\n    while True:\n        try:\n            op(\n        except Timeout:\n", select=RULE)
    assert [f for f in broken.findings if f.rule == RULE] == []
    assert not broken.errors
    # an empty handler body made of `...` while typing
    code = """\
        def f():
            while True:
                try:
                    return op()
                except TimeoutError:
                    ...
        """
    assert lines_of(run(code, select=RULE)) == [2]


def test_rule_is_skipped_without_its_tokens():
    assert findings("while True:\n    pass\n") == []


def test_non_ascii_line_span_in_code_points():
    code = "def f():\n    s = 'é'; x = 1\n    while True:  # réessayer\n        try:\n            return op()\n        except TimeoutError:\n            pass\n"
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
                    LOG.debug("failed")
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


@pytest.mark.parametrize("name", ["exception.AgentConnectionFailed", "exc.ReadTimeout", "CellTimeout"])
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
    [f] = findings(code)
    assert f.severity is Severity.HINT


def test_span_ignores_colons_inside_a_trailing_comment():
    code = """\
        def call(self):
            for attempt in range(3):  # note: no sleep here
                try:
                    return self._call()
                except TimeoutError:
                    pass
        """
    [f] = findings(code)
    assert f.span == Span(1, 4, 1, 28)  # `for attempt in range(3):`
