"""NOVA006 swallowed-exception: silent handlers that hide a failure, not deliberate ones."""

from __future__ import annotations

import pytest

from helpers import lines_of, run
from nova_lsp.core.model import Severity, Span

RULE = "NOVA006"


def findings(code, **kw):
    analysis = run(code, select=RULE, **kw)
    assert not analysis.errors, analysis.errors
    return [f for f in analysis.findings if f.rule == RULE]


def lines(code, **kw):
    return [f.span.start_line + 1 for f in findings(code, **kw)]


# -- bare except -------------------------------------------------------------------------------


def test_bare_except_spans_the_except_keyword_and_says_what_it_swallows():
    code = """\
        def _vm_ref(self, name):
            try:
                return self._session.VM.get_record(name)
            except:
                pass
        """
    [f] = findings(code)
    assert f.severity is Severity.WARNING and f.cwe == (396, 390)
    assert f.span == Span(3, 4, 3, 10)
    assert "GreenletExit" in f.message and "bare `except:`" in f.message


@pytest.mark.parametrize("body", ["pass", "...", "return False", "return None", "return []", '"""ignored"""'])
def test_bare_except_that_does_nothing_or_returns_a_constant(body):
    code = f"""\
        def f(self):
            try:
                self.network_api.disassociate(self.ctx, self.ip)
            except:
                {body}
        """
    assert lines(code) == [4]


def test_bare_except_even_in_cleanup_code():
    code = """\
        def cleanup(self):
            try:
                os.unlink(self.path)
            except:
                pass
        """
    [f] = findings(code)
    assert "catch `OSError` instead" in f.message


def test_bare_except_that_logs_is_left_alone():
    code = """\
        def f(self):
            try:
                self.client.delete_port(self.port)
            except:
                LOG.exception("failed")
        """
    assert findings(code) == []


# -- around yield ------------------------------------------------------------------------------


def test_broad_handler_around_yield_in_a_context_manager():
    code = """\
        import contextlib

        @contextlib.contextmanager
        def lock(self):
            try:
                yield True
            except (Exception, Timeout):
                pass
        """
    [f] = findings(code)
    assert f.span.start_line == 6
    assert "around `yield`" in f.message and "`with` block" in f.message


def test_yield_in_a_nested_function_does_not_count():
    code = """\
        def outer(self):
            try:
                def gen():
                    yield 1
                self.register(gen)
            except Exception:
                pass
        """
    assert findings(code) == []


# -- destructive calls -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        "self.client.deleteVolume(vol_name)",
        "self._helper.delete_lun(lun)",
        "super().delete_volume(vol_name)",
        "client.delete_floatingip(self.resource_id)",
        "self._replication.remove_replica(lun)",
        "self.volume_api.detach(context, volume_id)",
        "self.keystone.revoke_token(token)",
        "self._password_storage.delete_password(group, name)",
    ],
)
def test_a_silently_failed_delete_in_ordinary_code(call):
    code = f"""\
        def retype(self, context, lun, vol_name, volume_id, token, group, name):
            try:
                {call}
            except Exception:
                pass
            return True
        """
    [f] = findings(code)
    assert f.span.start_line == 3
    assert "is discarded silently" in f.message and "left behind" in f.message


def test_the_narrow_exception_the_module_catches_elsewhere_is_named():
    code = """\
        def _remove_volume(self, vol_name):
            try:
                self.client.deleteVolume(vol_name)
            except Exception:
                pass

        def delete_volume(self, vol_name):
            try:
                self.client.deleteVolume(vol_name)
            except hpeexceptions.HTTPNotFound:
                LOG.info("Volume %s is gone", vol_name)
        """
    [f] = findings(code)
    assert f.span.start_line == 3
    assert "catch `hpeexceptions.HTTPNotFound`" in f.message


def test_the_own_trys_narrow_handler_is_not_the_hint():
    code = """\
        def _remove_volume(self, vol_name):
            try:
                self.client.deleteVolume(vol_name)
            except hpeexceptions.HTTPConflict:
                self._delete_vvset(vol_name)
            except Exception:
                pass
        """
    [f] = findings(code)
    assert "HTTPConflict" not in f.message


@pytest.mark.parametrize(
    "name",
    [
        "cleanup_volume",
        "_cleanup",
        "revert",
        "stop",
        "_stop_remote_copy_group_safely",
        "__exit__",
        "__del__",
        "shutdown",
        "close",
        "_release_locks",
        "rollback",
    ],
)
def test_cleanup_functions_are_best_effort(name):
    code = f"""\
        def {name}(self, lun):
            try:
                self._helper.delete_lun(lun)
            except Exception:
                pass
        """
    assert findings(code) == []


@pytest.mark.parametrize(
    "wrapper",
    [
        "try:\n        self.create(lun)\n    finally:\n",
        "try:\n        self.create(lun)\n    except Exception:\n",
        "with excutils.save_and_reraise_exception():\n        self.log_it(lun)\n",
    ],
)
def test_error_paths_are_best_effort(wrapper):
    code = (
        "def create(self, lun):\n    "
        + wrapper
        + "        try:\n            self._helper.delete_lun(lun)\n        except Exception:\n            pass\n"
    )
    assert findings(code, dedent=False) == []
    # the same delete outside the error path is reported
    plain = "def create(self, lun):\n    try:\n        self._helper.delete_lun(lun)\n    except Exception:\n        pass\n"
    assert lines(plain, dedent=False) == [4]


@pytest.mark.parametrize(
    "comment",
    [
        "    except Exception:\n        # the volume was probably never created\n        pass\n",
        "    except Exception:\n        pass  # Ignore errors when closing\n",
        "    except Exception:  # noqa: S110\n        pass\n",
    ],
)
def test_a_comment_in_the_handler_documents_the_ignore(comment):
    code = "def f(self, lun):\n    try:\n        self._helper.delete_lun(lun)\n" + comment
    assert findings(code, dedent=False) == []


def test_a_comment_above_or_in_the_try_needs_to_say_why():
    describes = """\
        def f(self, vol):
            # Delete volume on the main array.
            try:
                self.client.deleteVolume(vol)
            except Exception:
                pass
        """
    assert lines(describes) == [5]
    explains = describes.replace("# Delete volume on the main array.", "# Delete it; failures are expected when it is gone.")
    assert findings(explains) == []
    inside = describes.replace(
        "                self.client.deleteVolume(vol)",
        "                # we eat the exception here, the array stops the group itself\n"
        "                self.client.deleteVolume(vol)",
    )
    assert findings(inside) == []


def test_intermediate_teardown_steps_are_preparatory():
    code = """\
        def _destroy(self, rcg_name, vol_name):
            try:
                self.client.removeVolumeFromRemoteCopyGroup(rcg_name, vol_name)
            except Exception:
                pass
            try:
                self.client.removeRemoteCopyGroup(rcg_name)
            except Exception:
                pass
            try:
                self.client.deleteVolume(vol_name)
            except Exception:
                pass
        """
    # only the last step decides whether the object is gone
    assert lines(code) == [12]


def test_a_later_step_in_another_branch_does_not_count():
    code = """\
        def f(self, lun, new):
            if new:
                try:
                    self._helper.delete_lun(lun)
                except Exception:
                    pass
            else:
                self._helper.delete_lun(new)
        """
    assert lines(code) == [5]


def test_a_delete_before_recreating_the_same_object():
    code = """\
        def replace(self, serial, mv_name, sg_name):
            try:
                self.rest.delete_masking_view(serial, mv_name)
            except Exception:
                pass
            return self.create_masking_view(serial, mv_name, sg_name)
        """
    assert findings(code) == []
    other = code.replace("self.create_masking_view(serial, mv_name, sg_name)", "self.create_credentials(sg_name)")
    assert lines(other) == [4]


def test_probes_and_local_files_are_not_deletes():
    code = """\
        import os
        import shutil

        def probe(self, dest, path):
            try:
                self._remotefs.create_file(dest, path)
                self._remotefs.remove_file(dest, path)
            except Exception:
                pass

        def tidy(self, path):
            try:
                os.remove(path)
                shutil.rmtree(path + ".d")
                fileutils.delete_if_exists(path + ".lock")
            except Exception:
                pass

        def fetch(self):
            try:
                LOG.debug("deleting nothing")
                self.version = self.client.get_version()
            except Exception:
                pass
        """
    assert findings(code) == []


def test_narrow_and_handling_handlers_are_left_alone():
    code = """\
        def f(self, lun):
            try:
                self._helper.delete_lun(lun)
            except exception.NotFound:
                pass
            try:
                self._helper.delete_lun(lun)
            except Exception:
                LOG.warning("could not delete %s", lun)
            for other in self.luns:
                try:
                    self._helper.delete_lun(other)
                except Exception:
                    continue
        """
    assert findings(code) == []


# -- conditional re-raise ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "test",
    [
        "e.code == client.EVOLOPNOTSUPP",
        "'padding' in str(e)",
        "isinstance(e, NotFound)",
        "e.errno in (errno.ENODATA, EUCLEAN)",
        "e.http_status == 404 and not self.strict",
    ],
)
def test_a_positive_conditional_reraise_drops_the_rest(test):
    code = f"""\
        def shrink(self, client, name, size):
            try:
                client.set_volume_size(name, size)
            except client.ApiError as e:
                if {test}:
                    raise
        """
    [f] = findings(code)
    assert f.span.start_line == 3
    assert "is re-raised only when" in f.message and "else: raise" in f.message


@pytest.mark.parametrize(
    "handler",
    [
        "if e.errno != errno.ENOENT:\n            raise",
        "if e.code not in (404, 409):\n            raise",
        "if not self.ignore_errors:\n            raise",
        "if e.code == 404:\n            raise NotFound()\n        raise",
        "if e.code == 404:\n            raise NotFound()\n        else:\n            raise",
        "if e.code == 404:\n            LOG.info('gone')",
    ],
)
def test_negative_tests_and_complete_handlers_are_fine(handler):
    code = (
        "def f(self, client, name):\n    try:\n        client.delete(name)\n    except client.ApiError as e:\n        "
        + handler
        + "\n"
    )
    assert findings(code, dedent=False) == []


def test_errno_dispatch_around_local_file_calls_is_the_idiom():
    code = """\
        import errno
        import os

        def remove_suffix(path):
            try:
                os.rmdir(path)
            except OSError as e:
                if e.errno == errno.ENOENT:
                    raise PathNotDir()
        """
    assert findings(code) == []


# -- the opt-in strict tier ----------------------------------------------------------------------


DELIBERATE = """\
    def _version(self):
        try:
            self._version = version_info.version_string()
        except Exception:
            pass

    def stop(self):
        try:
            self.rpcserver.stop()
        except Exception:
            pass

    def _speed(self, port):
        try:
            return int(port.speed_mbps)
        except Exception:
            pass

    def _ip(self, body):
        try:
            return body['fixed_ips'][0]['ip_address']
        except Exception:
            pass
"""


def test_deliberate_swallows_are_quiet_by_default():
    assert findings(DELIBERATE) == []


def test_report_all_silent_reports_them_at_information_with_the_narrow_exception():
    opts = {"swallowed-exception": {"report-all-silent": True}}
    found = findings(DELIBERATE, rules=opts)
    assert [f.span.start_line + 1 for f in found] == [4, 10, 16, 22]
    assert {f.severity for f in found} == {Severity.INFORMATION}
    assert "catch `ValueError` instead" in found[2].message
    assert "catch `(KeyError, IndexError)` instead" in found[3].message


# -- options --------------------------------------------------------------------------------------


def test_extend_destructive_verbs_and_cleanup_functions():
    code = """\
        def migrate(self, port):
            try:
                self.client.unplug_port(port)
            except Exception:
                pass
        """
    assert findings(code) == []
    opts = {"swallowed-exception": {"extend-destructive-verbs": ["unplug"]}}
    assert lines(code, rules=opts) == [4]
    both = {"swallowed-exception": {"extend-destructive-verbs": ["unplug"], "extend-cleanup-functions": ["migrate"]}}
    assert findings(code, rules=both) == []


def test_half_written_handlers():
    code = """\
        def f(self):
            try:
                self.client.delete(
            except Exception:
                pass
        """
    broken = run(code, select=RULE)
    assert not broken.errors
    assert [f for f in broken.findings if f.rule == RULE] == []
    assert lines_of(run("def f():\n    try:\n        pass\n    except:\n        pass\n", select=RULE, dedent=False), RULE) == [4]
