"""Golden tests for "Wrap in backoff" (NOVA003): retry loops get capped exponential backoff
with full jitter (and a counter and a bound when they have none); retrying / tenacity
decorators get their wait argument."""

from __future__ import annotations

from fixprops import analyse, apply_one, check_text, config, fix_all, golden
from nova_lsp.core.document import apply_edits


def assert_fix(before: str, after: str, cfg=None) -> None:
    """One of the finding's fixes gives ``after``; it is unsafe exactly when it adds a
    ``raise`` (a bound where the loop had none), and a safe variant is always offered too."""
    before, after = golden(before), golden(after)
    (finding,) = [f for f in analyse(before, cfg).findings if f.rule == "NOVA003"]
    real = [fix for fix in finding.fixes if fix.kind.value == "fix"]
    results = {fix.title: (apply_edits(before, fix.edits), fix) for fix in real}
    matching = [fix for text, fix in results.values() if text == after]
    assert matching, "\n\n".join(f"--- {t}\n{text}" for t, (text, _) in results.items())
    (fix,) = matching
    adds_raise = after.count("raise") > before.count("raise")
    assert fix.safe == (not adds_raise), fix
    assert any(f.safe for f in real), "a safe variant (the wait alone) is always offered"
    check_text(before, cfg)


def test_while_true_in_a_method_gets_a_counter_a_bound_and_a_wait():
    assert_fix(
        '''
        import os

        from keystoneauth1 import exceptions as ks_exc

        LOG = logging.getLogger(__name__)


        class Manager(object):

            def _get_host_state(self, context, host):
                # Ask until it answers.
                while True:  # the compute may be busy
                    try:
                        return self.compute_rpcapi.get_host_state(context, host)
                    except ks_exc.ConnectFailure:
                        LOG.warning("Timed out waiting for %s, retrying", host)
        ''',
        '''
        import os
        import random
        import time

        from keystoneauth1 import exceptions as ks_exc

        LOG = logging.getLogger(__name__)


        class Manager(object):

            def _get_host_state(self, context, host):
                # Ask until it answers.
                attempt = 0
                while True:  # the compute may be busy
                    try:
                        return self.compute_rpcapi.get_host_state(context, host)
                    except ks_exc.ConnectFailure:
                        LOG.warning("Timed out waiting for %s, retrying", host)
                        attempt += 1
                        if attempt >= 5:
                            raise
                        time.sleep(random.uniform(0, min(30.0, 0.5 * 2 ** attempt)))
        ''',
    )


def test_bounded_for_loop_reuses_its_counter_and_existing_imports_of_any_style():
    assert_fix(
        """
        import time
        from random import uniform

        from oslo_db import exception as db_exc


        def update_quota(context, deltas):
            for attempt in range(5):
                try:
                    _apply(context, deltas)
                    break
                except db_exc.DBDeadlock:
                    if attempt == 4:
                        raise
        """,
        """
        import time
        from random import uniform

        from oslo_db import exception as db_exc


        def update_quota(context, deltas):
            for attempt in range(5):
                try:
                    _apply(context, deltas)
                    break
                except db_exc.DBDeadlock:
                    if attempt == 4:
                        raise
                    time.sleep(uniform(0, min(30.0, 0.5 * 2 ** attempt)))
        """,
    )


def test_nested_function_inside_with_shadowed_time_and_a_final_continue():
    # the wait goes before the ``continue``; ``time`` is a parameter here, so the module is
    # imported under another name; range(retries) may be long, so the exponent is capped
    assert_fix(
        """
        from oslo_db import exception as db_exc


        def update(context, deltas, time, retries):
            def attempt_it():
                for _ in range(retries):
                    with context.session.begin():
                        try:
                            return _apply(context, deltas)
                        except db_exc.DBDeadlock:
                            LOG.debug("deadlock")
                            continue
            return attempt_it()
        """,
        """
        import random
        import time as _time

        from oslo_db import exception as db_exc


        def update(context, deltas, time, retries):
            def attempt_it():
                for _ in range(retries):
                    with context.session.begin():
                        try:
                            return _apply(context, deltas)
                        except db_exc.DBDeadlock:
                            LOG.debug("deadlock")
                            delay = min(30.0, 0.5 * 2 ** min(_, 7))
                            _time.sleep(random.uniform(0, delay))
                            continue
            return attempt_it()
        """,
    )


def test_while_flag_loop_gets_a_fresh_counter_name():
    assert_fix(
        """
        def refresh(self, context, rp_uuid):
            attempt = self.attempt
            done = False
            while not done:
                try:
                    self._refresh(context, rp_uuid)
                    done = True
                except Exception:
                    LOG.exception("Refreshing %s failed", rp_uuid)
        """,
        """
        import random
        import time


        def refresh(self, context, rp_uuid):
            attempt = self.attempt
            done = False
            attempt_ = 0
            while not done:
                try:
                    self._refresh(context, rp_uuid)
                    done = True
                except Exception:
                    LOG.exception("Refreshing %s failed", rp_uuid)
                    attempt_ += 1
                    if attempt_ >= 5:
                        raise
                    time.sleep(random.uniform(0, min(30.0, 0.5 * 2 ** attempt_)))
        """,
    )


def test_count_loop_with_a_continue_part_way_waits_first_and_gets_a_bound():
    assert_fix(
        """
        import itertools
        import random
        import time


        def call(api):
            for attempt in itertools.count():
                try:
                    return api.call()
                except ConnectionError as exc:
                    if exc.errno == 111:
                        continue
                    LOG.debug("again")
        """,
        """
        import itertools
        import random
        import time


        def call(api):
            for attempt in itertools.count():
                try:
                    return api.call()
                except ConnectionError as exc:
                    if attempt >= 4:
                        raise
                    time.sleep(random.uniform(0, min(30.0, 0.5 * 2 ** attempt)))
                    if exc.errno == 111:
                        continue
                    LOG.debug("again")
        """,
    )


def test_existing_unguarded_counter_is_reused_and_bounded():
    assert_fix(
        """
        def call(api):
            tries = 0
            while True:
                try:
                    return api.call()
                except ConnectionError:
                    tries += 1
        """,
        """
        import random
        import time


        def call(api):
            tries = 0
            while True:
                try:
                    return api.call()
                except ConnectionError:
                    tries += 1
                    if tries >= 5:
                        raise
                    time.sleep(random.uniform(0, min(30.0, 0.5 * 2 ** tries)))
        """,
    )


def test_coroutine_awaits_asyncio_sleep():
    assert_fix(
        '''
        """Async client."""
        from __future__ import annotations


        async def poll(client):
            while True:
                try:
                    return await client.get()
                except ConnectionError:
                    continue
        ''',
        '''
        """Async client."""
        from __future__ import annotations

        import asyncio
        import random


        async def poll(client):
            attempt = 0
            while True:
                try:
                    return await client.get()
                except ConnectionError:
                    attempt += 1
                    if attempt >= 5:
                        raise
                    delay = min(30.0, 0.5 * 2 ** attempt)
                    await asyncio.sleep(random.uniform(0, delay))
                    continue
        ''',
    )


def test_a_cleanup_try_inside_the_handler_gets_no_second_wait():
    assert_fix(
        """
        import random
        import time


        def call(self, api):
            while True:
                try:
                    return api.call()
                except ConnectionError:
                    try:
                        self._reset()
                    except Exception:
                        pass
        """,
        """
        import random
        import time


        def call(self, api):
            attempt = 0
            while True:
                try:
                    return api.call()
                except ConnectionError:
                    try:
                        self._reset()
                    except Exception:
                        pass
                    attempt += 1
                    if attempt >= 5:
                        raise
                    time.sleep(random.uniform(0, min(30.0, 0.5 * 2 ** attempt)))
        """,
    )


def test_base_cap_and_bound_come_from_the_rule_options():
    cfg = config(rules={"retry-without-backoff": {"base": 2, "cap": 60, "max-attempts": 3}})
    assert_fix(
        """
        import random
        import time


        def call(api):
            while True:
                try:
                    return api.call()
                except ConnectionError:
                    pass
        """,
        """
        import random
        import time


        def call(api):
            attempt = 0
            while True:
                try:
                    return api.call()
                except ConnectionError:
                    attempt += 1
                    if attempt >= 3:
                        raise
                    time.sleep(random.uniform(0, min(60, 2 * 2 ** attempt)))
        """,
        cfg,
    )


def test_tabs_and_crlf_are_kept():
    before = (
        "import random\r\nimport time\r\n\r\n\r\nclass A:\r\n\tdef f(self, api):\r\n"
        "\t\twhile True:\r\n\t\t\ttry:\r\n\t\t\t\treturn api.call()\r\n"
        "\t\t\texcept ConnectionError:\r\n\t\t\t\tLOG.debug('again')\r\n"
    )
    after = (
        "import random\r\nimport time\r\n\r\n\r\nclass A:\r\n\tdef f(self, api):\r\n"
        "\t\tattempt = 0\r\n\t\twhile True:\r\n\t\t\ttry:\r\n\t\t\t\treturn api.call()\r\n"
        "\t\t\texcept ConnectionError:\r\n\t\t\t\tLOG.debug('again')\r\n"
        "\t\t\t\tattempt += 1\r\n"
        "\t\t\t\ttime.sleep(random.uniform(0, min(30.0, 0.5 * 2 ** min(attempt, 7))))\r\n"
    )
    assert apply_one(before, "NOVA003") == after  # the safe variant: no bound
    check_text(before)


# -- decorators ---------------------------------------------------------------------------------


def test_multiline_retrying_decorator_gets_millisecond_waits_one_per_line():
    assert_fix(
        """
        import retrying

        from keystoneauth1 import exceptions as ks_exc


        class SchedulerReportClient(object):

            @retrying.retry(stop_max_attempt_number=4,
                            retry_on_exception=lambda e: isinstance(
                                e, ks_exc.ConnectFailure))
            def aggregate_add_host(self, context, agg_uuid, host_name):
                return self._update_aggregates(context, agg_uuid, host_name)
        """,
        """
        import retrying

        from keystoneauth1 import exceptions as ks_exc


        class SchedulerReportClient(object):

            @retrying.retry(stop_max_attempt_number=4,
                            retry_on_exception=lambda e: isinstance(
                                e, ks_exc.ConnectFailure),
                            wait_exponential_multiplier=500,
                            wait_exponential_max=30000)
            def aggregate_add_host(self, context, agg_uuid, host_name):
                return self._update_aggregates(context, agg_uuid, host_name)
        """,
    )


def test_decorator_call_too_long_for_its_line_continues_under_the_parenthesis():
    assert_fix(
        """
        import retrying


        @retrying.retry(stop_max_attempt_number=3)
        def sync(self):
            return self._sync()
        """,
        """
        import retrying


        @retrying.retry(stop_max_attempt_number=3,
                        wait_exponential_multiplier=500,
                        wait_exponential_max=30000)
        def sync(self):
            return self._sync()
        """,
    )


def test_short_decorator_call_gets_the_argument_on_its_line():
    assert_fix(
        """
        from tenacity import retry
        from tenacity import wait_random_exponential


        @retry(stop=STOP)
        def f():
            pass
        """,
        """
        from tenacity import retry
        from tenacity import wait_random_exponential


        @retry(stop=STOP, wait=wait_random_exponential(multiplier=0.5, max=30.0))
        def f():
            pass
        """,
    )


def test_empty_decorator_call_gets_its_arguments():
    assert_fix(
        """
        import retrying


        @retrying.retry()
        def f():
            pass
        """,
        """
        import retrying


        @retrying.retry(wait_exponential_multiplier=500, wait_exponential_max=30000)
        def f():
            pass
        """,
    )


def test_trailing_comma_layout_and_comments_are_kept():
    before = golden(
        """
        import retrying


        @retrying.retry(
            stop_max_attempt_number=3,
            retry_on_exception=_is_conflict,  # only conflicts
        )
        def one(self):
            pass


        @retrying.retry(stop_max_attempt_number=3,
                        retry_on_exception=_is_conflict)  # keep me here
        def two(self):
            pass
        """
    )
    assert fix_all(before) == golden(
        """
        import retrying


        @retrying.retry(
            stop_max_attempt_number=3,
            retry_on_exception=_is_conflict,  # only conflicts
            wait_exponential_multiplier=500,
            wait_exponential_max=30000,
        )
        def one(self):
            pass


        @retrying.retry(stop_max_attempt_number=3,
                        retry_on_exception=_is_conflict,  # keep me here
                        wait_exponential_multiplier=500,
                        wait_exponential_max=30000)
        def two(self):
            pass
        """
    )
    check_text(before)


def test_tenacity_uses_the_module_as_imported():
    assert_fix(
        """
        import tenacity


        class Client(object):

            @tenacity.retry(retry=tenacity.retry_if_exception_type(ConnectionError))
            def _fetch(self, url):
                return self._client.get(url)
        """,
        """
        import tenacity


        class Client(object):

            @tenacity.retry(
                retry=tenacity.retry_if_exception_type(ConnectionError),
                wait=tenacity.wait_random_exponential(multiplier=0.5, max=30.0))
            def _fetch(self, url):
                return self._client.get(url)
        """,
    )


def test_tenacity_names_imported_from_it_get_one_more_and_bare_decorators_become_calls():
    before = golden(
        """
        from tenacity import retry
        from tenacity import stop_after_attempt


        @retry
        def a():
            pass


        @retry(stop=stop_after_attempt(3))
        def b():
            pass
        """
    )
    assert fix_all(before) == golden(
        """
        from tenacity import retry
        from tenacity import stop_after_attempt
        from tenacity import wait_random_exponential


        @retry(wait=wait_random_exponential(multiplier=0.5, max=30.0))
        def a():
            pass


        @retry(stop=stop_after_attempt(3),
               wait=wait_random_exponential(multiplier=0.5, max=30.0))
        def b():
            pass
        """
    )
    check_text(before)


def test_bare_retrying_decorator_becomes_a_call():
    assert_fix(
        """
        import retrying as r


        @r.retry
        def a():
            pass
        """,
        """
        import retrying as r


        @r.retry(wait_exponential_multiplier=500, wait_exponential_max=30000)
        def a():
            pass
        """,
    )
