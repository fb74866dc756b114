"""Nova-style source with findings on lines that hold multi-byte and non-BMP characters, so
that every position encoding gives different columns."""

SAMPLE = '''\
# Copyright 2026 nova-lsp test suite \u2014 \u00abdonn\u00e9es\u00bb \U0001f680
"""Attach helpers for a fictional driver (text for the protocol tests)."""

import time

from oslo_log import log as logging
from keystoneauth1 import exceptions as ks_exc

LOG = logging.getLogger(__name__)

ENDPOINT = "http://metadata.cloud.internal:8775/"  # \u00fcn\u00efcode \u2713


class Attacher(object):

    def attach(self, context, connection_info, instance):
        LOG.debug("attaching \u00ab%s\u00bb \U0001f680 with %s", instance.uuid, connection_info)
        try:
            self._host.attach(connection_info)
        except:  # \u65e5\u672c\u8a9e \U0001f642
            pass

    def set_auth(self, context, auth_password):
        LOG.info(f"CHAP \U0001f511 password {auth_password} \u00e9")

    def wait(self, context, host):
        while True:
            try:
                return self.rpc.ping(context, host)
            except ks_exc.ConnectFailure:
                LOG.debug("still waiting for %s \u23f3", host)

    # FIXME(dev): \u00f1 handle generations \U0001f41b
    def drop(self, consumer):
        self._client.delete("/allocations/%s" % consumer)
        return True
'''

SAMPLE_CODES = ["NOVA001", "NOVA001", "NOVA003", "NOVA005", "NOVA006", "NOVA007", "NOVA008"]


# top-level functions, a decorator, a nested function: the incremental analysis' units
SAMPLE_UNITS = '''\
"""Placement and retry helpers (text for the random-edit tests) \u2014 caf\u00e9 \U0001f4e6."""

import functools
import time

import tenacity
from oslo_log import log as logging
from oslo_serialization import jsonutils

from nova import exception

LOG = logging.getLogger(__name__)
FALLBACK = "http://placement.example.internal:8778/"  # \u26a0


def _quiet(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except:  # \u00bfqu\u00e9?
            pass
    return wrapper


@tenacity.retry(stop=tenacity.stop_after_attempt(3))
def refresh_inventory(client, rp_uuid):
    return client.get("/resource_providers/%s/inventories" % rp_uuid)


class Reporter(object):

    def __init__(self, client):
        self._client = client

    def claim(self, req, consumer):
        payload = jsonutils.loads(req.body)
        # \U0001f600 the payload goes straight to Placement
        return self.put_allocations(req.context, consumer, payload["allocations"])

    def put_allocations(self, context, consumer, allocations):
        self._client.put("/allocations/%s" % consumer, {"allocations": allocations})
        return True

    def check_token(self, admin_token):
        if not admin_token:
            raise exception.Forbidden("bad token %s \u2014 \u65e5\u672c" % admin_token)

    def poll(self, context, host):
        def _once():
            return self._client.get("/hosts/%s" % host)
        while True:
            try:
                return _once()
            except exception.NotFound:
                LOG.debug("waiting \u23f3 %s", host)

    # TODO(\u00e9quipe): \U0001f41b remove the fallback
    def endpoint(self):
        return FALLBACK
'''
