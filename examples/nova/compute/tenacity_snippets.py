"""Retry decorators (an example for nova-lsp)."""

import retrying
import tenacity


class Synchroniser(object):

    # NOVA003: retrying's default wait between attempts is zero
    @retrying.retry(stop_max_attempt_number=5)
    def sync_power_state(self, context, instance):
        return self.driver.get_info(instance)

    # NOVA003: tenacity without a wait= retries as fast as it can
    @tenacity.retry(stop=tenacity.stop_after_attempt(5))
    def sync_volume_state(self, context, volume_id):
        return self.volume_api.get(context, volume_id)

    @tenacity.retry(wait=tenacity.wait_random_exponential(multiplier=0.5, max=30),
                    stop=tenacity.stop_after_attempt(5))
    def sync_network_state(self, context, port_id):
        return self.network_api.show_port(context, port_id)
