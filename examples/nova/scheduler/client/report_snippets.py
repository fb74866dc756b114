"""Placement client snippets (an example for nova-lsp)."""

import time

from keystoneauth1 import exceptions as ks_exc
from oslo_log import log as logging
from oslo_serialization import jsonutils

LOG = logging.getLogger(__name__)

# NOVA008: a cleartext endpoint
PLACEMENT_FALLBACK = "http://placement.cloud.internal:8778/"
# loopback and XML namespaces are fine
LOCAL_PLACEMENT = "http://127.0.0.1:8778/"
LIBVIRT_NS = "http://libvirt.org/schemas/domain/qemu/1.0"


class ReportSnippets(object):

    def __init__(self, client):
        self._client = client

    def update(self, req, consumer_uuid, body):
        context = req.environ["nova.context"]
        # NOVA004: an API request body reaches a Placement write unvalidated
        return self.put_allocations(context, consumer_uuid, body["allocations"])

    def put_allocations_from_request(self, req, consumer_uuid):
        context = req.environ["nova.context"]
        payload = jsonutils.loads(req.body)
        # NOVA004: a deserialised request body reaches Placement unvalidated
        return self.put_allocations(context, consumer_uuid, payload["allocations"])

    def put_allocations(self, context, consumer_uuid, allocations):
        url = "/allocations/%s" % consumer_uuid
        # NOVA005: the response is never checked
        self._client.put(url, {"allocations": allocations}, global_request_id=context.global_id)
        return True

    def delete_consumer(self, context, consumer_uuid):
        resp = self._client.delete("/allocations/%s" % consumer_uuid)
        if not resp:
            LOG.warning("Unable to delete allocations for %s", consumer_uuid)
        return bool(resp)

    def get_inventory(self, context, rp_uuid):
        # NOVA003: retries a refused connection with no pause between attempts
        for attempt in range(5):
            try:
                return self._client.get("/resource_providers/%s/inventories" % rp_uuid)
            except ks_exc.ConnectFailure:
                LOG.warning("Placement unreachable on attempt %d", attempt)

    def get_inventory_politely(self, context, rp_uuid):
        for attempt in range(5):
            try:
                return self._client.get("/resource_providers/%s/inventories" % rp_uuid)
            except ks_exc.ConnectFailure:
                time.sleep(min(30, 0.5 * 2 ** attempt))
        raise ks_exc.ConnectFailure("Placement did not answer")

    def wait_for_placement(self, context, rp_uuid):
        # NOVA003: an unbounded retry, no backoff
        while True:
            try:
                return self._client.get("/resource_providers/%s" % rp_uuid)
            except ks_exc.ConnectFailure:
                LOG.debug("Still waiting for Placement (%s)", rp_uuid)

    # FIXME(dev): this ignores consumer generations  (NOVA007)
    def set_generation(self, consumer):
        consumer["generation"] = None
