"""Remote console handlers (an example for nova-lsp)."""

from nova.api.openstack import common
from nova.api.openstack import wsgi
from nova import compute
from nova.policies import remote_consoles as rc_policies


class RemoteConsolesController(wsgi.Controller):

    def __init__(self):
        super(RemoteConsolesController, self).__init__()
        self.compute_api = compute.API()

    @wsgi.action('os-getVNCConsole')
    def get_vnc_console(self, req, id, body):
        context = req.environ['nova.context']
        # NOVA009: checked against the caller's own project, not the server's
        context.can(rc_policies.BASE_POLICY_NAME)
        instance = common.get_instance(self.compute_api, context, id)
        console_type = body['os-getVNCConsole'].get('type')
        return self.compute_api.get_vnc_console(context, instance, console_type)

    @wsgi.action('os-getSerialConsole')
    def get_serial_console(self, req, id, body):
        context = req.environ['nova.context']
        instance = common.get_instance(self.compute_api, context, id)
        context.can(rc_policies.BASE_POLICY_NAME,
                    target={'project_id': instance.project_id})
        console_type = body['os-getSerialConsole'].get('type')
        return self.compute_api.get_serial_console(context, instance, console_type)
