"""Placement client snippets (an example for nova-lsp)."""

import time

from oslo_log import log as logging
from oslo_messaging import MessagingTimeout
from oslo_serialization import jsonutils

LOG = logging.getLogger(__name__)

# NOVA008: a cleartext endpoint
PLACEMENT_FALLBACK = "http://placement.cloud.internal:8778/"
# loopback and XML namespaces are fine
LOCAL_PLACEMENT = "http://127.0.0.1:8778/"
LIBVIRT_NS = "http://libvirt.org/schemas/domain/qemu/1.0"


class ReportSnippets(object):

    def __init__(self, client, compute_rpcapi):
        self._client = client
        self.compute_rpcapi = compute_rpcapi

    def put_allocations_from_caller(self, context, consumer_uuid, allocations):
        # NOVA004: allocations come straight from the caller to a Placement write
        return self.put_allocations(context, consumer_uuid, allocations)

    def put_allocations_from_payload(self, context, consumer_uuid, body):
        payload = jsonutils.loads(body)
        # NOVA004: a deserialised payload reaches Placement unvalidated
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

    def refresh_host(self, context, host):
        # NOVA003: retries a transient RPC failure with no pause between attempts
        for attempt in range(5):
            try:
                return self.compute_rpcapi.get_host_uptime(context, host)
            except MessagingTimeout:
                LOG.warning("Timed out on attempt %d", attempt)

    def refresh_host_politely(self, context, host):
        for attempt in range(5):
            try:
                return self.compute_rpcapi.get_host_uptime(context, host)
            except MessagingTimeout:
                time.sleep(min(30, 0.5 * 2 ** attempt))
        raise MessagingTimeout("host %s did not answer" % host)

    def wait_for_host(self, context, host):
        # NOVA003: an unbounded retry, no backoff
        while True:
            try:
                return self.compute_rpcapi.get_host_uptime(context, host)
            except MessagingTimeout:
                LOG.debug("Still waiting for %s", host)

    # FIXME(dev): this ignores consumer generations  (NOVA007)
    def set_generation(self, consumer):
        consumer["generation"] = None
