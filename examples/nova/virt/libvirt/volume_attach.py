# Copyright 2026 nova-lsp developers
#
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
"""Volume attachment helpers for the libvirt driver (an example for nova-lsp)."""

from oslo_log import log as logging
from oslo_utils import strutils

from nova import exception

LOG = logging.getLogger(__name__)


class VolumeAttacher(object):

    def __init__(self, host, volume_api):
        self._host = host
        self.volume_api = volume_api

    def connect_volume(self, context, connection_info, instance):
        # NOVA001: connection_info carries CHAP secrets and Ceph keys
        LOG.debug("Connecting volume with %s", connection_info, instance=instance)
        # masked: not flagged
        LOG.debug("Connecting volume with %s",
                  strutils.mask_dict_password(connection_info), instance=instance)
        driver_volume_type = connection_info.get("driver_volume_type")
        LOG.info("Volume type %s for instance", driver_volume_type, instance=instance)

    def _set_auth(self, context, auth_password, password_policy):
        # NOVA001: the password itself goes to the log
        LOG.info(f"Setting CHAP password {auth_password} on target")
        # password_policy only looks sensitive: not flagged
        LOG.info("Using password policy %s", password_policy)
        if auth_password is None:
            LOG.warning("No CHAP password set")

    def _validate_target(self, target_portal, auth_password):
        if not target_portal:
            # NOVA002: the secret travels to the caller inside the exception
            raise exception.VolumeDriverNotFound(
                driver_type="iscsi password=%s" % auth_password)
        return True

    def disconnect_volume(self, context, connection_info, instance):
        try:
            self._host.get_guest(instance).detach_device(connection_info)
        except Exception:  # NOVA006: a failed detach disappears without a trace
            pass
