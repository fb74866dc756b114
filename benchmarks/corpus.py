#!/usr/bin/env python3
"""Deterministic generator of a synthetic OpenStack/Nova-style Python corpus.

The corpus is the workload for ``benchmarks/bench_cli.py``: a package tree that
looks and reads like Nova (Apache headers, ``oslo_log`` loggers, ``nova.conf``,
manager classes whose methods take ``context`` and ``instance``, Placement
report-client calls, libvirt XML helpers, API controllers, oslo.config option
modules, ``mock.patch``-heavy unit tests ...) without containing a single line
of real OpenStack source.  Everything is assembled from the template library in
this file with identifiers, argument lists and bodies drawn from a seeded
``random.Random``, so the same ``--seed``/``--files``/``--lines`` always yields
byte-identical output.

Real defects of the kinds nova-lsp reports are sprinkled in at a realistic
rate (about one function in forty), next to look-alikes that must *not* be
reported (masked logging, retry loops that sleep, validated allocations,
checked responses, localhost URLs, XML namespaces, ``password_policy``...).
Where every injected defect landed is written to ``OUTDIR/.corpus-manifest.json``
(a hidden, non-Python file, so linters walking the tree ignore it).

Every generated file is checked with ``ast.parse``; the generator aborts with
the offending file and error if one is not valid Python 3.

Usage::

    python benchmarks/corpus.py OUTDIR [--files 650] [--seed 1] [--lines 230000]

Standard library only.
"""

import argparse
import ast
import json
import math
import os
import random
import re
import string
import sys
import textwrap
import time

# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------

NOUNS = [
    'instance', 'server', 'volume', 'port', 'migration', 'host', 'node',
    'flavor', 'image', 'aggregate', 'allocation', 'provider', 'inventory',
    'trait', 'bdm', 'network', 'keypair', 'quota', 'service', 'cell',
    'snapshot', 'console', 'device', 'numa_cell', 'pci_device', 'request_spec',
    'build_request', 'usage', 'claim', 'action', 'event', 'fault', 'tag',
    'vif', 'disk', 'domain', 'guest', 'backup', 'hypervisor', 'mapping',
    'binding', 'attachment', 'consumer', 'reservation', 'compute_node',
]
VERBS = [
    'get', 'list', 'update', 'create', 'delete', 'refresh', 'sync', 'validate',
    'build', 'claim', 'allocate', 'attach', 'detach', 'resize', 'migrate',
    'rebuild', 'reboot', 'lookup', 'ensure', 'cleanup', 'prepare', 'finish',
    'confirm', 'revert', 'shelve', 'unshelve', 'rescue', 'evacuate', 'heal',
    'reconcile', 'populate', 'notify', 'record', 'check', 'load', 'save',
    'set', 'clear', 'reserve', 'release', 'compute', 'translate', 'normalize',
]
QUALIFIERS = [
    'pending', 'active', 'stale', 'remote', 'local', 'source', 'dest',
    'current', 'old', 'new', 'requested', 'available', 'cached', 'shared',
    'orphaned', 'deleted', 'failed', 'target', 'root', 'ephemeral',
]
SUFFIXES = ['s', '_list', '_map', '_info', '_ids', '_uuid', '_by_host',
            '_ref', '_obj', '_state', '_count', '_names', '_data']
CAMEL = {
    'instance': 'Instance', 'server': 'Server', 'volume': 'Volume',
    'port': 'Port', 'migration': 'Migration', 'host': 'Host', 'node': 'Node',
    'flavor': 'Flavor', 'image': 'Image', 'aggregate': 'Aggregate',
    'allocation': 'Allocation', 'provider': 'Provider',
    'inventory': 'Inventory', 'trait': 'Trait', 'bdm': 'BlockDevice',
    'network': 'Network', 'keypair': 'KeyPair', 'quota': 'Quota',
    'service': 'Service', 'cell': 'Cell', 'snapshot': 'Snapshot',
    'console': 'Console', 'device': 'Device', 'numa_cell': 'NUMACell',
    'pci_device': 'PciDevice', 'request_spec': 'RequestSpec',
    'build_request': 'BuildRequest', 'usage': 'Usage', 'claim': 'Claim',
    'action': 'Action', 'event': 'Event', 'fault': 'Fault', 'tag': 'Tag',
    'vif': 'VIF', 'disk': 'Disk', 'domain': 'Domain', 'guest': 'Guest',
    'backup': 'Backup', 'hypervisor': 'Hypervisor', 'mapping': 'Mapping',
    'binding': 'Binding', 'attachment': 'Attachment',
    'consumer': 'Consumer', 'reservation': 'Reservation',
    'compute_node': 'ComputeNode',
}
OBJECTS = ['Instance', 'Migration', 'ComputeNode', 'Service', 'Flavor',
           'RequestSpec', 'BlockDeviceMapping', 'InstanceMapping',
           'CellMapping', 'Aggregate', 'KeyPair', 'InstanceAction',
           'BuildRequest', 'HostMapping', 'VirtualInterface', 'Quotas']
EXCEPTIONS = [
    'InstanceNotFound', 'ComputeHostNotFound', 'VolumeNotFound',
    'PortNotFound', 'MigrationNotFound', 'FlavorNotFound', 'ImageNotFound',
    'ResourceProviderNotFound', 'InstanceInvalidState', 'InvalidInput',
    'NovaException', 'Invalid', 'NotFound', 'InstanceLocked', 'NoValidHost',
    'MigrationPreCheckError', 'UnexpectedTaskStateError', 'VolumeAttachFailed',
    'PortBindingFailed', 'InstanceNotRunning', 'HypervisorUnavailable',
    'CellMappingNotFound', 'AggregateNotFound', 'InvalidSharedStorage',
    'DeviceDetachFailed', 'InstanceFaultRollback', 'ServiceNotFound',
    'KeypairNotFound', 'InvalidRequest', 'ConsoleTypeUnavailable',
]
TRANSIENT = [
    ('messaging.MessagingTimeout', 'import oslo_messaging as messaging'),
    ('ks_exc.ConnectFailure', 'from keystoneauth1 import exceptions as ks_exc'),
    ('requests.ConnectionError', 'import requests'),
    ('db_exc.DBDeadlock', 'from oslo_db import exception as db_exc'),
    ('db_exc.DBConnectionError', 'from oslo_db import exception as db_exc'),
    ('socket.timeout', 'import socket'),
    ('exception.ResourceProviderUpdateConflict', None),
]
TASK_STATES = ['REBOOTING', 'RESIZE_PREP', 'REBUILDING', 'MIGRATING',
               'SPAWNING', 'DELETING', 'SHELVING', 'RESCUING', 'POWERING_ON',
               'POWERING_OFF', 'RESIZE_MIGRATING', 'UNSHELVING']
VM_STATES = ['ACTIVE', 'STOPPED', 'ERROR', 'SHELVED', 'RESIZED', 'PAUSED',
             'SUSPENDED', 'RESCUED', 'BUILDING']
RESOURCE_CLASSES = ['VCPU', 'MEMORY_MB', 'DISK_GB', 'PCPU', 'VGPU',
                    'SRIOV_NET_VF', 'NET_BW_EGR_KILOBIT_PER_SEC',
                    'CUSTOM_BAREMETAL_GOLD', 'CUSTOM_FPGA']
CONF_GROUPS = {
    'compute': ['resource_provider_association_refresh', 'max_disk_devices_to_attach',
                'consecutive_build_service_disable_threshold', 'shutdown_retry_interval',
                'live_migration_wait_for_vif_plug', 'cpu_shared_set'],
    'scheduler': ['max_attempts', 'discover_hosts_in_cells_interval',
                  'max_placement_results', 'enable_isolated_aggregate_filtering'],
    'filter_scheduler': ['host_subset_size', 'cpu_weight_multiplier',
                         'ram_weight_multiplier', 'track_instance_changes'],
    'libvirt': ['virt_type', 'images_type', 'live_migration_timeout_action',
                'num_iser_scan_tries', 'volume_use_multipath', 'cpu_mode',
                'rx_queue_size', 'wait_soft_reboot_seconds'],
    'placement': ['region_name', 'valid_interfaces', 'timeout'],
    'neutron': ['default_floating_pool', 'extension_sync_interval',
                'http_retries', 'service_metadata_proxy'],
    'cinder': ['catalog_info', 'cross_az_attach', 'http_retries'],
    'glance': ['num_retries', 'verify_glance_signatures', 'enable_rbd_download'],
    'workarounds': ['disable_group_policy_check_upcall', 'never_download_image_if_on_rbd',
                    'skip_cpu_compare_on_dest', 'enable_qemu_monitor_announce_self'],
    'api': ['max_limit', 'instance_list_per_project_cells', 'list_records_by_skipping_down_cells'],
    'DEFAULT': ['host', 'heal_instance_info_cache_interval', 'reboot_timeout',
                'rpc_response_timeout', 'running_deleted_instance_action',
                'update_resources_interval', 'block_device_allocate_retries'],
}
SAFE_LOOKALIKES = ['password_policy', 'token_type', 'max_password_length',
                   'auth_url', 'is_secret', 'password_hash', 'key_file',
                   'cert_path', 'keystone_url', 'secret_ref_path']
SENSITIVE_NAMES = ['connection_info', 'password', 'new_pass', 'admin_password',
                   'auth_token', 'connection_data', 'cinfo', 'secret_uuid',
                   'chap_password', 'private_key']
MSG_WORDS = ['resources', 'allocations', 'the compute node', 'the source host',
             'the destination host', 'the hypervisor', 'Placement', 'the API',
             'the guest', 'the database', 'the cell', 'the conductor',
             'the network service', 'the block device', 'the image service']
EXTERNAL_HOSTS = ['metadata.example.org', 'glance.cloud.example.com',
                  'mirror.example.net', 'keystone.example.com:5000',
                  'images.example.org:9292', 'cdn.example.net']
DOC_URLS = [
    'https://docs.openstack.org/nova/latest/admin/',
    'http://specs.openstack.org/openstack/nova-specs/',
    'http://www.apache.org/licenses/LICENSE-2.0',
    'https://bugs.launchpad.net/nova/+bug/',
    'http://libvirt.org/formatdomain.html',
]

LICENSE = '''\
# Copyright {year} {holder}
# All Rights Reserved.
#
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.
'''
HOLDERS = ['Example Cloud Corp.', 'Synthetic Compute Ltd.', 'The Example Foundation',
           'Acme Hosting, Inc.', 'Demo Systems GmbH', 'Fictional Networks LLC']

DEFECT_KINDS = (
    'log-connection-info', 'log-password', 'except-pass', 'retry-no-sleep',
    'retry-decorator-no-wait', 'unvalidated-allocation', 'unchecked-response',
    'fixme', 'cleartext-http',
)

_DEFECT_MARK = re.compile(r'\s*#@@D:([a-z-]+)$')


# ---------------------------------------------------------------------------
# Rendering helpers
# ---------------------------------------------------------------------------

def render(text, **kw):
    """Dedent ``text`` and substitute ``$name`` placeholders.

    A line consisting only of ``$name`` where ``kw[name]`` is a list of lines
    is replaced by those lines, indented like the placeholder.  Everything else
    goes through ``string.Template`` (which leaves ``%`` and ``{}`` alone).
    """
    text = textwrap.dedent(text).strip('\n')
    out = []
    for line in text.split('\n'):
        stripped = line.strip()
        if stripped.startswith('$') and stripped[1:].isidentifier() \
                and isinstance(kw.get(stripped[1:]), list):
            indent = line[:len(line) - len(line.lstrip())]
            out.extend(indent + sub if sub else '' for sub in kw[stripped[1:]])
            continue
        out.append(string.Template(line).substitute(kw))
    return out


def indent(lines, n=4):
    pad = ' ' * n
    return [pad + line if line else '' for line in lines]


class Ctx:
    """Per-file state: imports needed, names used, kind of module."""

    def __init__(self, kind, module):
        self.kind = kind
        self.module = module
        self.imports = set()
        self.func_names = set()
        self.defects_left = 0

    def need(self, *lines):
        for line in lines:
            if line:
                self.imports.add(line)


class Gen:
    """Random choices with a Nova flavour."""

    def __init__(self, rng):
        self.r = rng

    # -- primitives ---------------------------------------------------------
    def pick(self, seq):
        return self.r.choice(seq)

    def chance(self, p):
        return self.r.random() < p

    def randint(self, a, b):
        return self.r.randint(a, b)

    # -- identifiers --------------------------------------------------------
    def noun(self):
        return self.pick(NOUNS)

    def var(self, noun=None):
        noun = noun or self.noun()
        roll = self.r.random()
        if roll < 0.35:
            return noun + self.pick(SUFFIXES)
        if roll < 0.6:
            return self.pick(QUALIFIERS) + '_' + noun
        if roll < 0.75:
            return self.pick(QUALIFIERS) + '_' + noun + self.pick(SUFFIXES)
        return noun

    def func_name(self, ctx, private=None, verb=None, noun=None):
        if private is None:
            private = self.chance(0.45)
        for _attempt in range(50):
            v = verb or self.pick(VERBS)
            n = noun or self.noun()
            parts = [v]
            if self.chance(0.3):
                parts.append(self.pick(QUALIFIERS))
            parts.append(n)
            if self.chance(0.25):
                parts.append(self.pick(['for_host', 'on_dest', 'in_cell',
                                        'from_db', 'by_uuid', 'if_needed',
                                        'and_notify', 'with_retry', 'async']))
            name = ('_' if private else '') + '_'.join(parts)
            if name not in ctx.func_names:
                ctx.func_names.add(name)
                return name
            verb = noun = None
        name = '%s_%d' % (name, len(ctx.func_names))
        ctx.func_names.add(name)
        return name

    def camel(self, noun=None):
        return CAMEL[noun or self.noun()]

    def exc(self):
        return self.pick(EXCEPTIONS)

    def conf(self):
        group = self.pick(list(CONF_GROUPS))
        opt = self.pick(CONF_GROUPS[group])
        if group == 'DEFAULT':
            return 'CONF.%s' % opt
        return 'CONF.%s.%s' % (group, opt)

    def level(self):
        return self.r.choices(['debug', 'info', 'warning', 'error'],
                              [6, 3, 2, 1])[0]

    def phrase(self):
        return self.pick(MSG_WORDS)

    def sentence(self, verb=None):
        verb = verb or self.pick(VERBS)
        templates = [
            'Unable to %s %s' % (verb, self.phrase()),
            '%s %s for %s' % (verb.capitalize(), self.phrase(), self.noun().replace('_', ' ')),
            'Timed out waiting to %s %s' % (verb, self.phrase()),
            'Skipping %s of %s' % (verb, self.noun().replace('_', ' ')),
            'Going to %s %s' % (verb, self.phrase()),
            'Successfully %sed %s' % (verb.rstrip('e'), self.phrase()),
        ]
        return self.pick(templates)

    def doc(self, verb, noun):
        lines = [
            '%s the %s.' % (verb.capitalize(), noun.replace('_', ' ')),
        ]
        if self.chance(0.5):
            lines.append('')
            lines.append(self.pick([
                'This is called from the periodic task as well as from the API '
                'path,',
                'The caller must hold the resource lock; this method does not '
                'take it,',
                'Older computes do not report this, so fall back to the '
                'database value,',
                'Note that this runs on the destination host during a '
                'move operation,',
            ]))
            lines.append(self.pick([
                'so it must be safe to call repeatedly.',
                'which is why the lookup is cached per request.',
                'see %s for details.' % self.pick(DOC_URLS),
                'and may be removed once all services are upgraded.',
            ]))
        return lines

    def uuid_expr(self, scope):
        options = ['uuids.%s' % self.noun()] if 'uuids' in scope else []
        if 'instance' in scope:
            options.append('instance.uuid')
        options.append('%s.uuid' % self.noun())
        return self.pick(options)

    def int_literal(self):
        return str(self.pick([1, 2, 3, 5, 10, 30, 60, 64, 128, 256, 512, 1024,
                              2048, 4096, 8192]))


# ---------------------------------------------------------------------------
# Filler statements: small, self-contained and varied
# ---------------------------------------------------------------------------

def filler(g, ctx, scope, n, depth=0):
    """Return ``n`` random statements valid in a function body."""
    out = []
    for _ in range(n):
        out.extend(_filler_one(g, ctx, scope, depth))
    return out


def _filler_one(g, ctx, scope, depth):
    has_inst = 'instance' in scope
    has_ctx = 'context' in scope
    has_self = 'self' in scope
    kind = g.r.choices(
        ['assign_attr', 'assign_conf', 'log', 'dict', 'listcomp', 'if',
         'for', 'with', 'format', 'comment', 'try', 'raise_if', 'lookalike',
         'objcall', 'setcomp', 'ternary'],
        [8, 5, 9, 6, 6, 6, 4, 3, 4, 2, 2, 3, 1, 4, 2, 3])[0]
    if depth >= 2 and kind in ('if', 'for', 'with', 'try'):
        kind = 'log'
    v = g.var()
    if kind == 'assign_attr':
        src = 'instance' if has_inst and g.chance(0.6) else (
            'self' if has_self else g.noun())
        if src == 'self':
            attr = g.pick(['host', 'driver', '_resource_tracker', 'compute_rpcapi',
                           'network_api', 'volume_api', '_events', 'reportclient'])
        elif src == 'instance':
            attr = g.pick(['uuid', 'host', 'node', 'vm_state', 'task_state',
                           'flavor', 'numa_topology', 'system_metadata',
                           'project_id', 'availability_zone', 'launched_at'])
        else:
            attr = g.pick(['uuid', 'id', 'name', 'status', 'host', 'updated_at'])
        if src not in scope and src != 'self':
            return ['%s = getattr(%s, %r, None)' % (v, g.var(src), attr)]
        return ['%s = %s.%s' % (v, src, attr)]
    if kind == 'assign_conf':
        return ['%s = %s' % (v, g.conf())]
    if kind == 'log':
        lvl = g.level()
        if has_inst and g.chance(0.5):
            return ['LOG.%s(%r, instance=instance)' % (lvl, g.sentence())]
        if g.chance(0.5):
            arg = g.pick(['self.host' if has_self else "'-'",
                          'instance.uuid' if has_inst else "'?'",
                          'len(%s)' % ('self.__dict__' if has_self else '()'),
                          g.conf()])
            return ['LOG.%s(%r, %s)' % (lvl, g.sentence() + ' %s', arg)]
        return ['LOG.%s("%s: %%(value)s", {"value": %s})' % (
            lvl, g.sentence(), 'instance.host' if has_inst else g.int_literal())]
    if kind == 'dict':
        keys = g.r.sample(['uuid', 'host', 'node', 'state', 'project_id',
                           'user_id', 'flavor_id', 'created_at', 'id', 'name',
                           'reason', 'cell', 'az', 'vcpus', 'memory_mb'],
                          g.randint(2, 5))
        vals = []
        for k in keys:
            if has_inst and k in ('uuid', 'host', 'node', 'project_id', 'user_id'):
                vals.append('instance.%s' % k)
            elif k in ('vcpus', 'memory_mb'):
                vals.append(g.int_literal())
            elif k == 'state':
                vals.append("'%s'" % g.pick(VM_STATES).lower())
            else:
                vals.append('None')
        body = ['%s = {' % v]
        body.extend("    '%s': %s," % (k, val) for k, val in zip(keys, vals))
        body.append('}')
        return body
    if kind == 'listcomp':
        it = g.noun()
        coll = g.var(it) + ('' if g.chance(0.5) else '')
        return [
            '%s = %s' % (coll, 'self._get_%ss()' % it if has_self else '[]'),
            '%s = [%s.%s for %s in %s if %s.%s]' % (
                v, it[:1] if len(it) > 1 else it, g.pick(['uuid', 'name', 'id', 'host']),
                it[:1] if len(it) > 1 else it, coll,
                it[:1] if len(it) > 1 else it,
                g.pick(['enabled', 'deleted is False', 'host', 'active'])),
        ]
    if kind == 'setcomp':
        return ['%s = {node: state for node, state in %s.items() if state}' % (
            v, 'getattr(self, "_node_states", {})' if has_self else '{}')]
    if kind == 'ternary':
        return ['%s = %s if %s else %s' % (
            v, g.conf(), 'instance.host' if has_inst else 'True',
            g.pick(['None', '0', "''", '[]', g.int_literal()]))]
    if kind == 'if':
        cond = g.pick([
            '%s is None' % v,
            'not %s' % v,
            "instance.vm_state == vm_states.%s" % g.pick(VM_STATES) if has_inst else 'False',
            '%s > %s' % (g.conf(), g.int_literal()),
        ])
        ctx.need('from nova.compute import vm_states') if 'vm_states' in cond else None
        body = filler(g, ctx, scope, g.randint(1, 2), depth + 1)
        lines = ['%s = %s' % (v, g.pick(['None', '{}', '[]', g.conf()])),
                 'if %s:' % cond] + indent(body)
        if g.chance(0.35):
            lines += ['else:'] + indent(filler(g, ctx, scope, 1, depth + 1))
        return lines
    if kind == 'for':
        it = g.noun()
        coll = g.var(it) + 's'
        body = filler(g, ctx, scope, g.randint(1, 3), depth + 1)
        head = g.pick(['for %s in %s:' % (it, coll),
                       'for idx, %s in enumerate(%s):' % (it, coll),
                       'for %s_uuid, %s in %s.items():' % (it, it, coll)])
        init = '%s = %s' % (coll, g.pick(['[]', '{}', 'list(%s)' % (
            'self._%s_cache' % it if has_self else '()')]))
        if '.items()' in head and init.endswith('[]'):
            init = '%s = {}' % coll
        return [init, head] + indent(body)
    if kind == 'with':
        cm = g.pick([
            "utils.temporary_mutation(context, read_deleted='yes')" if has_ctx else 'self._lock' if has_self else 'lockutils.lock("nova-%s")' % g.noun(),
            'self._lock' if has_self else 'lockutils.lock("nova-%s")' % g.noun(),
            "lockutils.lock('refresh_cache-%s' % instance.uuid)" if has_inst else 'lockutils.lock("nova-%s")' % g.noun(),
            'timeutils.StopWatch() as watch',
        ])
        if 'utils.temporary_mutation' in cm:
            ctx.need('from nova import utils')
        if 'lockutils' in cm:
            ctx.need('from oslo_concurrency import lockutils')
        if 'timeutils' in cm:
            ctx.need('from oslo_utils import timeutils')
        body = filler(g, ctx, scope, g.randint(1, 2), depth + 1)
        if cm.endswith('as watch'):
            return ['with %s:' % cm] + indent(body) + [
                "LOG.debug('Took %.2f seconds', watch.elapsed())"]
        return ['with %s:' % cm] + indent(body)
    if kind == 'format':
        ctx.need('from nova.i18n import _')
        key = g.pick(['uuid', 'host', 'reason', 'node', 'state'])
        return ["%s = _('%s %%(%s)s') %% {'%s': %s}" % (
            v, g.sentence(), key, key,
            'instance.%s' % ('uuid' if key == 'uuid' else 'host') if has_inst else repr(key))]
    if kind == 'comment':
        follow = _filler_one(g, ctx, scope, 2)
        return ['# %s' % g.pick([
            'NOTE(%s): %s is not guaranteed to be set on older computes.' % (
                g.pick(['mriedem', 'danms', 'sbauza', 'gibi', 'melwitt', 'stephenfin',
                        'lyarwood', 'efried', 'bauzas', 'dansmith']), g.noun()),
            'TODO(%s): remove this compat code in the next release.' % g.pick(
                ['dev1', 'dev2', 'ops', 'compute-team']),
            'We need to refresh the %s here since it may have changed.' % g.noun(),
            'This can race with the periodic task; that is acceptable.',
            'Keep this in sync with the %s schema.' % g.noun(),
        ])] + follow
    if kind == 'try':
        e = g.exc()
        body = filler(g, ctx, scope, g.randint(1, 2), depth + 1)
        handler = g.pick([
            ['LOG.debug("%s: %%s", e)' % g.sentence()],
            ['raise'],
            ['LOG.warning("Ignoring %s: %%s", e)' % e, '%s = None' % v],
        ])
        if handler == ['raise']:
            return ['try:'] + indent(body) + ['except exception.%s:' % e] + indent(handler)
        return ['try:'] + indent(body) + ['except exception.%s as e:' % e] + indent(handler)
    if kind == 'raise_if':
        ctx.need('from nova.i18n import _')
        return ['%s = %s' % (v, g.conf()),
                'if %s is not None and %s < 0:' % (v, v),
                '    raise exception.InvalidInput(',
                "        reason=_('%s must be non-negative') %% %s)" % (v, v)]
    if kind == 'lookalike':
        name = g.pick(SAFE_LOOKALIKES)
        return ['%s = %s' % (name, g.conf()),
                "LOG.debug('Using %s %%s', %s)" % (name.replace('_', ' '), name)]
    if kind == 'objcall':
        obj = g.pick(OBJECTS)
        ctx.need('from nova import objects')
        if has_ctx:
            meth = g.pick(['get_by_uuid(context, %s)' % g.uuid_expr(scope),
                           'get_by_id(context, %s)' % g.int_literal(),
                           'get_all(context)',
                           'get_by_host(context, %s)' % ('self.host' if has_self else 'host')])
            if 'host)' in meth and not has_self and 'host' not in scope:
                meth = 'get_all(context)'
            return ['%s = objects.%s.%s' % (v, obj, meth)]
        return ['%s = objects.%s()' % (v, obj)]
    raise AssertionError(kind)


# ---------------------------------------------------------------------------
# Method templates (bodies at column 0; the assembler indents them)
# Each returns a list of lines.  ``defect`` is None or one of DEFECT_KINDS
# that the template has declared it supports.
# ---------------------------------------------------------------------------

def fixme_line(g):
    return '# FIXME(%s): %s  #@@D:fixme' % (
        g.pick(['jdoe', 'asmith', 'kwong', 'compute-team', 'rlee']),
        g.pick(['this races with the resource tracker update.',
                'the error handling here is wrong for shared storage.',
                'remove this hack once the RPC pin is lifted.',
                'we leak the claim if the build fails here.',
                'do not assume the first provider is the root.']))


def t_manager_action(g, ctx, defect):
    verb = g.pick(['reboot', 'rebuild', 'rescue', 'shelve', 'pause', 'suspend',
                   'resume', 'unrescue', 'snapshot', 'backup', 'lock', 'trigger_crash_dump',
                   'set_admin_password' if defect == 'log-password' else 'stop'])
    name = g.func_name(ctx, private=False, verb=verb, noun='instance')
    if defect == 'log-password':
        name = g.func_name(ctx, private=False, verb='set_admin_password', noun='instance')
    ctx.need('from nova.compute import task_states', 'from nova import exception')
    scope = {'self', 'context', 'instance'}
    extra = g.pick(['', ', clean_shutdown=True', ', image_id=None',
                    ', reboot_type=None', ', block_device_info=None'])
    core = filler(g, ctx, scope, g.randint(1, 3)) + [
        'self.driver.%s(context, instance%s)' % (
            verb if verb != 'set_admin_password' else 'set_admin_password',
            ', new_pass' if defect == 'log-password' else ''),
    ]
    if defect == 'log-password':
        params = ', new_pass'
        pre = ["LOG.debug('Setting admin password %s on instance %s', "
               "new_pass, instance.uuid)  #@@D:log-password"]
    else:
        params = extra
        pre = filler(g, ctx, scope, g.randint(0, 3))
    handler = g.pick([
        ['instance.task_state = None', 'instance.save()'],
        ['self._set_instance_obj_error_state(instance)', 'raise'],
        ['raise exception.InstanceFaultRollback(inner_exception=e)'],
    ])
    decorators = g.r.sample(['@wrap_exception()', '@reverts_task_state',
                             '@wrap_instance_fault', '@wrap_instance_event(prefix=\'compute\')',
                             "@utils.synchronized('compute_resources')"],
                            g.randint(1, 3))
    if any('utils.' in d for d in decorators):
        ctx.need('from nova import utils')
    return render('''
        $decorators
        def $name(self, context, instance$params):
            """$doc"""
            LOG.info('$Verb instance', instance=instance)
            $pre
            try:
                $core
            except exception.$exc as e:
                LOG.warning('Failed to $verb instance %(uuid)s: %(err)s',
                            {'uuid': instance.uuid, 'err': e}, instance=instance)
                $handler
            else:
                instance.task_state = None
                instance.save(expected_task_state=task_states.$task)
            self._notify_about_instance_usage(context, instance, '$verb.end')
        ''', decorators=decorators, name=name, params=params,
        doc='%s an instance on this host.' % verb.replace('_', ' ').capitalize(),
        Verb=verb.replace('_', ' ').capitalize(), verb=verb.replace('_', ' '),
        pre=pre, core=core, exc=g.exc(), handler=handler,
        task=g.pick(TASK_STATES))


def t_volume_connect(g, ctx, defect):
    """Volume attach/connect with connection_info; masked unless defect."""
    ctx.need('from oslo_utils import strutils', 'from oslo_utils import excutils')
    name = g.func_name(ctx, verb=g.pick(['connect', 'attach', 'connect_volume_for', 'extend']),
                       noun=g.pick(['volume', 'bdm', 'attachment', 'disk']))
    scope = {'self', 'context', 'instance', 'connection_info'}
    if defect == 'log-connection-info':
        log = g.pick([
            "LOG.debug('Connecting volume with connection_info %s', connection_info)  #@@D:log-connection-info",
            "LOG.info('Attaching volume %(vol)s: %(info)s', {'vol': volume_id, 'info': connection_info})  #@@D:log-connection-info",
            "LOG.debug('Calling os-brick with %s' % connection_info['data'])  #@@D:log-connection-info",
        ])
    else:
        log = g.pick([
            "LOG.debug('Connecting volume with connection_info %s',\n          strutils.mask_dict_password(connection_info))",
            "LOG.debug('Attaching volume %s', volume_id, instance=instance)",
            "LOG.debug('Connecting volume %(vol)s with driver volume type %(type)s',\n          {'vol': volume_id, 'type': connection_info.get('driver_volume_type')})",
        ])
    body = filler(g, ctx, scope, g.randint(1, 4))
    return render('''
        def $name(self, context, connection_info, instance, volume_id=None):
            """$doc

            :param connection_info: dict from Cinder's initialize_connection
            """
            if volume_id is None:
                volume_id = connection_info.get('serial')
            $log
            $body
            driver = self._get_volume_driver(connection_info)
            try:
                driver.connect_volume(connection_info, instance)
            except exception.VolumeAttachFailed:
                with excutils.save_and_reraise_exception():
                    LOG.exception('Failed to connect volume %s', volume_id,
                                  instance=instance)
            device_path = connection_info['data'].get('device_path')
            LOG.debug('Volume %(vol)s connected at %(path)s',
                      {'vol': volume_id, 'path': device_path}, instance=instance)
            return device_path
        ''', name=name, doc=g.doc('connect', 'volume')[0], log=log.split('\n'),
        body=body)


def t_cleanup(g, ctx, defect):
    """Best-effort cleanup; broad except with logging unless defect."""
    noun = g.pick(['vif', 'disk', 'console', 'device', 'port', 'attachment', 'snapshot'])
    name = g.func_name(ctx, verb=g.pick(['cleanup', 'delete', 'remove', 'destroy', 'unplug']),
                       noun=noun)
    scope = {'self', 'context', 'instance'}
    items = g.var(noun) + 's'
    if defect == 'except-pass':
        handler = ['except Exception:  #@@D:except-pass', '    pass']
    else:
        handler = g.pick([
            ['except Exception:',
             "    LOG.exception('Failed to remove %s %%s', %s, instance=instance)" % (noun, noun)],
            ['except exception.%s:' % g.exc(), '    # Already gone, nothing to do.', '    pass'],
            ['except Exception as e:',
             "    LOG.warning('Ignoring error while removing %s: %%s', e," % noun,
             '                instance=instance)'],
        ])
    body = filler(g, ctx, scope, g.randint(0, 3))
    return render('''
        def $name(self, context, instance, $items=None):
            """Best-effort removal of $noun_h resources for an instance."""
            $body
            for $noun in $items or []:
                try:
                    self.driver.$driver_call(instance, $noun)
                $handler
            LOG.debug('Finished removing %d $noun_h(s)', len($items or []),
                      instance=instance)
        ''', name=name, items=items, noun=noun, noun_h=noun.replace('_', ' '),
        body=body, handler=handler,
        driver_call=g.pick(['unplug_vif', 'remove_device', 'detach_interface',
                            'delete_disk', 'cleanup_console', 'disconnect']))


def t_rpc_retry(g, ctx, defect):
    """Retry an RPC/REST call on a transient error."""
    exc, imp = g.pick(TRANSIENT)
    ctx.need(imp)
    name = g.func_name(ctx, verb=g.pick(['call', 'cast', 'fetch', 'wait_for', 'sync']),
                       noun=g.noun())
    target = g.pick(['self.compute_rpcapi.%s' % g.pick(['check_can_live_migrate_destination',
                                                         'get_host_uptime', 'prep_resize',
                                                         'get_console_output']),
                     'self.reportclient.%s' % g.pick(['get_provider_tree_and_ensure_root',
                                                       'get_allocations_for_consumer',
                                                       'update_from_provider_tree']),
                     'self._client.get'])
    if defect == 'retry-no-sleep':
        return render('''
            def $name(self, context, instance):
                """Call $target until it answers."""
                while True:  #@@D:retry-no-sleep
                    try:
                        return $target(context, instance)
                    except $exc as e:
                        LOG.warning('Retrying after error: %s', e,
                                    instance=instance)
            ''', name=name, target=target, exc=exc)
    ctx.need('import time', 'import random')
    variant = g.randint(0, 2)
    if variant == 0:
        return render('''
            def $name(self, context, instance):
                """Call $target, retrying with backoff on $exc."""
                attempts = max(1, $conf or $n)
                for attempt in range(1, attempts + 1):
                    try:
                        return $target(context, instance)
                    except $exc:
                        if attempt == attempts:
                            raise
                        delay = min(60, 2 ** attempt) + random.uniform(0, 1)
                        LOG.warning('Attempt %(a)d/%(t)d failed; retrying in %(d).1fs',
                                    {'a': attempt, 't': attempts, 'd': delay},
                                    instance=instance)
                        time.sleep(delay)
            ''', name=name, target=target, exc=exc, conf=g.conf(), n=g.int_literal())
    if variant == 1:
        ctx.need('from eventlet import greenthread')
        return render('''
            def $name(self, context, instance):
                retries = 0
                while True:
                    try:
                        result = $target(context, instance)
                        break
                    except $exc:
                        retries += 1
                        if retries > $n:
                            LOG.error('Giving up after %d attempts', retries,
                                      instance=instance)
                            raise
                        greenthread.sleep($interval)
                return result
            ''', name=name, target=target, exc=exc, n=g.int_literal(),
            interval=g.pick(['1', '2', 'CONF.compute.shutdown_retry_interval']))
    # candidate loop: not a retry of the same operation
    return render('''
        def $name(self, context, instance, hosts):
            """Try each candidate host in turn."""
            for host in hosts:
                try:
                    return $target(context, instance, host=host)
                except $exc:
                    LOG.info('Host %s did not answer, trying the next one', host)
            raise exception.NoValidHost(reason=_('no host answered'))
        ''', name=name, target=target, exc=exc) + _need_i18n(ctx)


def _need_i18n(ctx):
    ctx.need('from nova.i18n import _')
    return []


def t_retry_decorator(g, ctx, defect):
    exc, imp = g.pick(TRANSIENT)
    ctx.need(imp)
    name = g.func_name(ctx, verb=g.pick(['update', 'refresh', 'get', 'delete']),
                       noun=g.pick(['inventory', 'traits', 'aggregates', 'provider', 'allocation']))
    if g.chance(0.5):
        ctx.need('import retrying')
        if defect == 'retry-decorator-no-wait':
            deco = ['@retrying.retry(stop_max_attempt_number=%s,  #@@D:retry-decorator-no-wait' % g.int_literal(),
                    '                retry_on_exception=lambda e: isinstance(e, %s))' % exc]
        else:
            deco = ['@retrying.retry(stop_max_attempt_number=%s,' % g.int_literal(),
                    '                wait_exponential_multiplier=%s,' % g.pick(['100', '500', '1000']),
                    '                wait_exponential_max=%s,' % g.pick(['5000', '10000', '30000']),
                    '                retry_on_exception=lambda e: isinstance(e, %s))' % exc]
    else:
        ctx.need('import tenacity')
        if defect == 'retry-decorator-no-wait':
            deco = ['@tenacity.retry(  #@@D:retry-decorator-no-wait',
                    '    stop=tenacity.stop_after_attempt(%s),' % g.int_literal(),
                    '    retry=tenacity.retry_if_exception_type(%s),' % exc,
                    '    reraise=True)']
        else:
            deco = ['@tenacity.retry(',
                    '    stop=tenacity.stop_after_attempt(%s),' % g.int_literal(),
                    '    wait=tenacity.wait_random_exponential(multiplier=%s, max=%s),' % (
                        g.pick(['0.5', '1', '2']), g.pick(['10', '30', '60'])),
                    '    retry=tenacity.retry_if_exception_type(%s),' % exc,
                    '    reraise=True)']
    body = filler(g, ctx, {'self', 'context'}, g.randint(1, 3))
    return render('''
        $deco
        def $name(self, context, rp_uuid):
            $body
            return self.$call(context, rp_uuid)
        ''', deco=deco, name=name, body=body,
        call=g.pick(['_get_provider_traits', '_refresh_associations',
                     '_get_inventory', '_delete_provider', '_get_provider_aggregates']))


def t_put_allocations(g, ctx, defect):
    """Report-client style allocation write."""
    name = g.func_name(ctx, verb=g.pick(['claim', 'put', 'write', 'heal', 'replace']),
                       noun='allocations')
    if defect == 'unvalidated-allocation':
        return render('''
            def $name(self, context, consumer_uuid, allocations, project_id,
                      user_id, consumer_generation=None):
                """Write the caller's allocations for a consumer."""
                LOG.debug('Writing allocations for consumer %s', consumer_uuid)
                $body
                return self.put_allocations(  #@@D:unvalidated-allocation
                    context, consumer_uuid, allocations, project_id, user_id,
                    consumer_generation)
            ''', name=name, body=filler(g, ctx, {'self', 'context'}, g.randint(0, 3)))
    rc = g.r.sample(RESOURCE_CLASSES[:4], 2)
    variant = g.randint(0, 1)
    if variant == 0:
        ctx.need('from oslo_utils import uuidutils')
        return render('''
            def $name(self, context, consumer_uuid, rp_uuid, flavor,
                      project_id, user_id):
                """Claim resources for the flavor against one provider."""
                if not uuidutils.is_uuid_like(rp_uuid):
                    raise exception.InvalidInput(reason='bad provider %s' % rp_uuid)
                alloc = {
                    rp_uuid: {
                        'resources': {
                            '$rc0': int(flavor.$f0),
                            '$rc1': int(flavor.$f1),
                        },
                    },
                }
                alloc = {rp: a for rp, a in alloc.items()
                         if all(v > 0 for v in a['resources'].values())}
                $body
                return self.reportclient.put_allocations(
                    context, consumer_uuid, alloc, project_id, user_id, None)
            ''', name=name, rc0=rc[0], rc1=rc[1],
            f0=g.pick(['vcpus', 'memory_mb']), f1=g.pick(['root_gb', 'memory_mb', 'vcpus']),
            body=filler(g, ctx, {'self', 'context'}, g.randint(0, 2))) + _need_exc(ctx)
    return render('''
        def $name(self, context, consumer_uuid, allocations, project_id,
                  user_id):
            """Validate then write allocations supplied by the caller."""
            _validate_allocations(allocations)
            $body
            return self.reportclient.put_allocations(
                context, consumer_uuid, allocations, project_id, user_id, None)
        ''', name=name, body=filler(g, ctx, {'self', 'context'}, g.randint(0, 2)))


def _need_exc(ctx):
    ctx.need('from nova import exception')
    return []


def t_placement_put(g, ctx, defect):
    """Raw REST call on a keystoneauth adapter."""
    path = g.pick(['/resource_providers/%s/inventories',
                   '/resource_providers/%s/traits',
                   '/resource_providers/%s/aggregates',
                   '/resource_providers/%s'])
    what = path.rsplit('/', 1)[-1] if not path.endswith('%s') else 'provider'
    name = g.func_name(ctx, verb=g.pick(['set', 'update', 'put', 'replace']),
                       noun=what.rstrip('s'))
    body = filler(g, ctx, {'self', 'context'}, g.randint(0, 3))
    version = g.pick(['1.6', '1.19', '1.26', '1.28', '1.34', '1.36', '1.39'])
    if defect == 'unchecked-response':
        return render('''
            def $name(self, context, rp_uuid, payload, generation):
                url = '$path' % rp_uuid
                payload = dict(payload, resource_provider_generation=generation)
                $body
                resp = self._client.put(url, json=payload, microversion='$ver',  #@@D:unchecked-response
                                        global_request_id=context.global_id)
                LOG.debug('Updated %s for provider %s', '$what', rp_uuid)
                return payload
            ''', name=name, path=path, body=body, ver=version, what=what)
    return render('''
        def $name(self, context, rp_uuid, payload, generation):
            url = '$path' % rp_uuid
            payload = dict(payload, resource_provider_generation=generation)
            $body
            resp = self._client.put(url, json=payload, microversion='$ver',
                                    global_request_id=context.global_id)
            if resp.status_code == 409:
                raise exception.ResourceProviderUpdateConflict(
                    uuid=rp_uuid, generation=generation, error=resp.text)
            if not resp:
                LOG.error('Failed to update %(what)s for %(rp)s: %(code)s %(text)s',
                          {'what': '$what', 'rp': rp_uuid,
                           'code': resp.status_code, 'text': resp.text})
                raise exception.ResourceProviderUpdateFailed(url=url, error=resp.text)
            return resp.json()
        ''', name=name, path=path, body=body, ver=version, what=what)


def t_rest_post(g, ctx, defect):
    """POST/PUT/DELETE through a keystoneauth adapter (Cinder/Neutron/Glance style)."""
    ctx.need('from nova.i18n import _')
    op, path, what = g.pick([
        ('post', "'/attachments'", 'attachment'),
        ('put', "'/attachments/%s' % attachment_id", 'attachment'),
        ('post', "'/v2.0/ports/%s/bindings' % port_id", 'binding'),
        ('put', "'/v2/images/%s/tags/nova' % image_id", 'tag'),
        ('delete', "'/v2.0/ports/%s/bindings/%s' % (port_id, host)", 'binding'),
        ('post', "'/os-server-external-events'", 'event'),
        ('post', "'/volumes/%s/action' % volume_id", 'volume_action'),
        ('put', "'/v2.0/ports/%s' % port_id", 'port'),
    ])
    # No Placement /allocations paths here: a body from a parameter sent
    # there is the unvalidated-allocation defect, which t_put_allocations
    # injects (and records) on purpose.
    ids = [n for n in ('attachment_id', 'port_id', 'image_id', 'host', 'volume_id')
           if n in path]
    name = g.func_name(ctx, verb=g.pick(['create', 'update', 'send', 'remove']), noun=what)
    call_args = path if op == 'delete' else path + ', json=body'
    head = render('''
        def $name(self, context, $ids, body=None):
            """$Op $what_h via the REST API."""
            body = body or {}
            $filler
        ''', name=name, ids=', '.join(ids + (['attachment_id'] if not ids else [])),
        Op=op.upper(), what_h=what, filler=filler(g, ctx, {'self', 'context'}, g.randint(0, 3)))
    call = 'resp = self._client.%s(%s,' % (op, call_args)
    pad = ' ' * (call.index('(') + 1)
    tail = pad + "global_request_id=context.global_id)"
    if defect == 'unchecked-response':
        return head + indent([
            call + '  #@@D:unchecked-response', tail,
            "LOG.debug('Sent %%s request for %%s', %r, %s)" % (op, ids[0] if ids else "'-'")])
    check = g.pick([
        ['if resp.status_code not in (200, 201, 202, 204):',
         "    msg = _('%s request failed: %%(code)s %%(text)s') %% {" % op.upper(),
         "        'code': resp.status_code, 'text': resp.text}",
         '    raise exception.NovaException(msg)'],
        ['if not resp:',
         "    LOG.error('Request failed with %s: %s', resp.status_code, resp.text)",
         '    return None'],
        ['resp.raise_for_status()'],
    ])
    ret = [] if op == 'delete' else ['return resp.json()']
    return head + indent([call, tail] + check + ret)


def t_placement_get(g, ctx, defect):
    what = g.pick(['traits', 'inventories', 'usages', 'aggregates', 'allocations'])
    name = g.func_name(ctx, private=g.chance(0.5), verb='get', noun='provider_' + what)
    return render('''
        def $name(self, context, rp_uuid):
            """Return the $what of a resource provider, or None if unknown."""
            resp = self._client.get('/resource_providers/%s/$what' % rp_uuid,
                                    microversion='$ver',
                                    global_request_id=context.global_id)
            if resp.status_code == 404:
                return None
            if resp.status_code != 200:
                msg = ('Failed to retrieve $what for resource provider '
                       '%(rp)s. Got %(code)d: %(err)s')
                LOG.error(msg, {'rp': rp_uuid, 'code': resp.status_code,
                                'err': resp.text})
                raise exception.ResourceProviderRetrievalFailed(uuid=rp_uuid)
            data = resp.json()
            $body
            return data['$key']
        ''', name=name, what=what, ver=g.pick(['1.6', '1.14', '1.19']), key=what,
        body=filler(g, ctx, {'self', 'context'}, g.randint(0, 2)))


def t_requests_call(g, ctx, defect):
    ctx.need('import requests')
    name = g.func_name(ctx, verb=g.pick(['fetch', 'download', 'probe', 'query']),
                       noun=g.pick(['metadata', 'image', 'vendor_data', 'manifest', 'status']))
    if defect == 'cleartext-http':
        host = g.pick(EXTERNAL_HOSTS)
        url = "'http://%s/%s'" % (host, g.pick(['latest/meta-data', 'v2/images', 'status',
                                                 'openstack/latest/vendor_data.json']))
        url_line = 'url = %s  #@@D:cleartext-http' % url
    else:
        url = g.pick(["'http://127.0.0.1:%d/healthcheck'" % g.pick([8774, 8775, 8778]),
                      "'http://localhost:%d/' + path" % g.pick([8080, 9292]),
                      "'https://%s/v2/%%s' %% path" % g.pick(EXTERNAL_HOSTS),
                      'self._endpoint + path'])
        url_line = 'url = %s' % url
    timeout = g.pick(['10', '30', 'CONF.glance.num_retries * 10', '(3.05, 27)'])
    return render('''
        def $name(self, path='', params=None):
            """Fetch JSON from the $what endpoint.

            See $doc_url for the response format.
            """
            $url_line
            LOG.debug('GET %s', url)
            try:
                resp = requests.get(url, params=params or {}, timeout=$timeout)
                resp.raise_for_status()
            except requests.RequestException as e:
                LOG.warning('Request to %(url)s failed: %(err)s',
                            {'url': url, 'err': e})
                return None
            return resp.json()
        ''', name=name, what=name.split('_')[-1], doc_url=g.pick(DOC_URLS),
        url_line=url_line, timeout=timeout)


def t_keystoneauth_client(g, ctx, defect):
    ctx.need('from keystoneauth1 import loading as ks_loading')
    name = g.func_name(ctx, private=True, verb='get', noun=g.pick(['client', 'adapter', 'session']))
    group = g.pick(['placement', 'neutron', 'cinder', 'glance', 'ironic', 'cyborg'])
    return render('''
        def $name(self, context=None):
            """Build a keystoneauth adapter for the $group service."""
            if self._session is None:
                self._auth = ks_loading.load_auth_from_conf_options(CONF, '$group')
                self._session = ks_loading.load_session_from_conf_options(
                    CONF, '$group', auth=self._auth)
            return ks_loading.load_adapter_from_conf_options(
                CONF, '$group', session=self._session, auth=self._auth,
                min_version='$minv', max_version='$maxv')
        ''', name=name, group=group, minv=g.pick(['1.0', '2.0', '3.0']),
        maxv=g.pick(['1.39', '2.latest', '3.70']))


def t_libvirt_xml(g, ctx, defect):
    ctx.need('from lxml import etree')
    elem = g.pick(['qemu:commandline', 'memoryBacking', 'cputune', 'vcpupin',
                   'features', 'launchSecurity', 'memtune', 'iothreads'])
    tag = elem.split(':')[-1]
    name = g.func_name(ctx, verb=g.pick(['format', 'build', 'parse']), noun=tag.lower())
    ns = g.pick(['http://libvirt.org/schemas/domain/qemu/1.0',
                 'http://libvirt.org/schemas/domain/lxc/1.0',
                 'http://openstack.org/xmlns/libvirt/nova/1.1',
                 'http://libvirt.org/schemas/domain/bhyve/1.0'])
    attrs = g.r.sample(['mode', 'placement', 'cpuset', 'type', 'nodeset', 'shares',
                        'period', 'quota', 'policy'], g.randint(2, 4))
    sets = ['if self.%s is not None:' % a for a in attrs]
    lines = []
    for a, s in zip(attrs, sets):
        lines += [s, "    root.set('%s', str(self.%s))" % (a, a)]
    return render('''
        def $name(self):
            """Build the <$tag> element.

            The namespace is $ns
            """
            NS = '$ns'
            root = etree.Element('{%s}$tag' % NS, nsmap={'$prefix': NS})
            $lines
            for child in self.$children:
                root.append(child.format_dom())
            return root
        ''', name=name, tag=tag, ns=ns, prefix=g.pick(['qemu', 'nova', 'lxc']),
        lines=lines, children=g.pick(['children', 'devices', 'pins', 'cells']))


def t_libvirt_parse(g, ctx, defect):
    name = g.func_name(ctx, verb='parse', noun=g.pick(['dom', 'disk', 'interface', 'cpu']))
    attrs = g.r.sample(['type', 'device', 'model', 'bus', 'dev', 'cache', 'io',
                        'discard', 'name', 'driver'], g.randint(3, 6))
    body = []
    for a in attrs:
        body += ["elif c.tag == '%s':" % a,
                 "    self.%s = c.get('%s')" % (a, g.pick(['name', 'type', 'value', 'dev']))]
    body[0] = body[0][2:]
    return render('''
        def $name(self, xmldoc):
            super().$name(xmldoc)
            self.$root = xmldoc.get('$root')
            for c in xmldoc:
                $body
                else:
                    LOG.debug('Ignoring unknown element <%s>', c.tag)
        ''', name=name, root=g.pick(['type', 'device', 'mode']), body=body)


def t_scheduler_filter(g, ctx, defect):
    attr = g.pick(['free_ram_mb', 'free_disk_mb', 'vcpus_used', 'num_instances',
                   'num_io_ops', 'pci_stats', 'numa_topology', 'aggregates'])
    return render('''
        def host_passes(self, host_state, spec_obj):
            """Return True if the host has enough $what for the request."""
            requested = getattr(spec_obj, '$req', None)
            if not requested:
                return True
            available = host_state.$attr
            $body
            if available is None or available < requested:
                LOG.debug('%(host)s does not have %(req)s $what, it only has '
                          '%(avail)s', {'host': host_state, 'req': requested,
                                        'avail': available})
                return False
            return True
        ''', what=attr.replace('_', ' '), req=g.pick(['memory_mb', 'root_gb', 'vcpus',
                                                      'num_instances']),
        attr=attr, body=filler(g, ctx, set(), g.randint(0, 3)))


def t_weigher(g, ctx, defect):
    return render('''
        def _weigh_object(self, host_state, weight_properties):
            """Higher weights win.  We want $goal."""
            value = host_state.$attr
            if value is None:
                return 0.0
            $body
            return float(value) * $mult
        ''', goal=g.pick(['spreading', 'stacking', 'fewer IO ops', 'more free memory']),
        attr=g.pick(['free_ram_mb', 'free_disk_mb', 'num_io_ops', 'vcpus_total']),
        body=filler(g, ctx, set(), g.randint(0, 2)),
        mult=g.pick(['self.weight_multiplier(host_state)', '-1.0', '1.0', g.conf()]))


def t_api_action(g, ctx, defect):
    ctx.need('from nova.api.openstack import wsgi', 'from nova.api import validation',
             'import webob', 'from nova.policies import servers as server_policies')
    verb = g.pick(['reboot', 'resize', 'rebuild', 'lock', 'shelve', 'pause',
                   'migrate', 'evacuate', 'rescue', 'trigger_crash_dump'])
    name = g.func_name(ctx, private=True, verb='action', noun=verb)
    code = g.pick(['202', '204', '200'])
    errors = g.pick(['(400, 404, 409)', '(404, 409)', '(400, 403, 404)', '404'])
    body = filler(g, ctx, {'self', 'context', 'instance'}, g.randint(0, 3))
    return render('''
        @wsgi.response($code)
        @wsgi.expected_errors($errors)
        @wsgi.action('$action')
        @validation.schema($schema)
        def $name(self, req, id, body):
            """$Verb a server."""
            context = req.environ['nova.context']
            instance = self._get_instance(context, id)
            context.can(server_policies.SERVERS % '$verb',
                        target={'project_id': instance.project_id})
            $body
            try:
                self.compute_api.$verb(context, instance)
            except exception.InstanceIsLocked as e:
                raise webob.exc.HTTPConflict(explanation=e.format_message())
            except exception.InstanceInvalidState as state_error:
                common.raise_http_conflict_for_instance_invalid_state(
                    state_error, '$verb', id)
            except exception.$exc as e:
                raise webob.exc.HTTPBadRequest(explanation=e.format_message())
        ''', code=code, errors=errors, action=verb, verb=verb,
        Verb=verb.replace('_', ' ').capitalize(), name=name,
        schema='%s.%s' % (g.pick(['schema', 'servers_schema']), verb),
        body=body, exc=g.exc()) + _need(ctx, 'from nova.api.openstack import common')


def _need(ctx, *lines):
    ctx.need(*lines)
    return []


def t_api_show(g, ctx, defect):
    ctx.need('from nova.api.openstack import wsgi', 'import webob',
             'from nova.i18n import _')
    noun = g.pick(['flavor', 'keypair', 'aggregate', 'hypervisor', 'migration',
                   'server_group', 'quota_set', 'availability_zone'])
    name = g.pick(['show', 'index', 'detail', 'delete', 'update'])
    if name in ctx.func_names:
        name = g.func_name(ctx, private=True, verb='show', noun=noun)
    ctx.func_names.add(name)
    args = 'self, req, id' if name in ('show', 'delete', 'update') else 'self, req'
    lookup = 'id' if 'id' in args else "req.GET.get('name')"
    return render('''
        @wsgi.expected_errors($errors)
        def $name($args):
            context = req.environ['nova.context']
            context.can($policy)
            try:
                $var = self.api.get_$noun(context, $lookup)
            except exception.$exc:
                msg = _('$Noun %s could not be found.') % $lookup
                raise webob.exc.HTTPNotFound(explanation=msg)
            $body
            return {'$noun': self._view_builder.show(req, $var)}
        ''', errors=g.pick(['404', '(400, 404)', '()']), name=name, args=args,
        policy="'os_compute_api:os-%s:%s'" % (noun.replace('_', '-'), name),
        var=noun + '_ref', noun=noun, Noun=noun.replace('_', ' ').capitalize(),
        lookup=lookup, exc=g.exc(), body=filler(g, ctx, {'context'}, g.randint(0, 3)))


def t_periodic(g, ctx, defect):
    ctx.need('from oslo_service import periodic_task', 'from nova import objects')
    name = g.func_name(ctx, private=True, verb=g.pick(['poll', 'sync', 'heal', 'reclaim',
                                                        'cleanup', 'check']),
                       noun=g.pick(['instances', 'volume_usage', 'power_states',
                                    'rescued_instances', 'unconfirmed_resizes',
                                    'shelved_instances', 'bandwidth_usage']))
    inner = filler(g, ctx, {'self', 'context', 'instance'}, g.randint(1, 4))
    return render('''
        @periodic_task.periodic_task(spacing=$spacing)
        def $name(self, context):
            filters = {'vm_state': vm_states.$state,
                       'host': self.host,
                       'deleted': False}
            instances = objects.InstanceList.get_by_filters(
                context, filters, expected_attrs=$attrs, use_slave=True)
            LOG.debug('Found %d instances to examine', len(instances))
            for instance in instances:
                try:
                    $inner
                except exception.InstanceNotFound:
                    continue
                except Exception:
                    LOG.exception('Periodic task failed for instance',
                                  instance=instance)
        ''', spacing=g.conf(), name=name, state=g.pick(VM_STATES),
        attrs=g.pick(["['system_metadata']", "[]", "['flavor', 'info_cache']"]),
        inner=inner) + _need(ctx, 'from nova.compute import vm_states')


def t_objects_save(g, ctx, defect):
    ctx.need('from nova.objects import base', 'from nova.db.main import api as db')
    noun = g.pick(NOUNS)
    name = g.pick(['save', 'create', 'destroy', 'refresh'])
    if name in ctx.func_names:
        name = g.func_name(ctx, private=True, verb='save', noun=noun)
    ctx.func_names.add(name)
    return render('''
        @base.remotable
        def $name(self):
            updates = self.obj_get_changes()
            if 'id' in updates and '$name' != 'create':
                raise exception.ObjectActionError(action='$name',
                                                  reason='id is immutable')
            $body
            db_obj = db.${noun}_${name}(self._context, self.uuid, updates)
            self._from_db_object(self._context, self, db_obj)
            self.obj_reset_changes()
        ''', name=name, noun=noun, body=filler(g, ctx, {'self'}, g.randint(0, 2)))


def t_objects_classmethod(g, ctx, defect):
    ctx.need('from nova.objects import base')
    name = g.func_name(ctx, private=False, verb='get', noun='by_' + g.pick(['uuid', 'host',
                                                                            'instance', 'node',
                                                                            'project']))
    return render('''
        @base.remotable_classmethod
        def $name(cls, context, $key, expected_attrs=None):
            db_obj = cls._db_get(context, $key)
            if not db_obj:
                raise exception.$exc($key=$key)
            return cls._from_db_object(context, cls(), db_obj,
                                       expected_attrs=expected_attrs)
        ''', name=name, key=name.split('by_')[-1], exc=g.exc())


def t_from_db_object(g, ctx, defect):
    fields = g.r.sample(['uuid', 'host', 'node', 'status', 'project_id', 'user_id',
                         'created_at', 'updated_at', 'deleted', 'source_compute',
                         'dest_compute', 'memory_mb', 'vcpus', 'flavor_id'], g.randint(3, 7))
    if 'from_db_object' in ctx.func_names:
        return t_objects_classmethod(g, ctx, defect)
    ctx.func_names.add('from_db_object')
    return render('''
        @staticmethod
        def _from_db_object(context, obj, db_obj, expected_attrs=None):
            expected_attrs = expected_attrs or []
            for field in obj.fields:
                if field in $lazy:
                    continue
                setattr(obj, field, db_obj[field])
            $extras
            obj._context = context
            obj.obj_reset_changes()
            return obj
        ''', lazy=repr(tuple(fields[:2])),
        extras=["if '%s' in expected_attrs:" % f for f in fields[2:3]] +
        ["    obj.%s = db_obj.get('%s')" % (fields[2], fields[2])])


def t_db_api(g, ctx, defect):
    ctx.need('from oslo_db import api as oslo_db_api', 'from nova.db.main import models',
             'from nova.db.main.api import model_query',
             'from nova.db.main.api import pick_context_manager_reader',
             'from nova.db.main.api import pick_context_manager_writer')
    noun = g.noun()
    name = g.func_name(ctx, private=False, verb=g.pick(['get', 'update', 'destroy', 'count']),
                       noun=noun)
    cols = g.r.sample(['host', 'node', 'project_id', 'deleted', 'uuid', 'status',
                       'instance_uuid', 'cell_id'], g.randint(1, 3))
    filters = ['query = query.filter_by(%s=%s)' % (c, c) for c in cols]
    return render('''
        @oslo_db_api.wrap_db_retry(max_retries=5, retry_on_deadlock=True)
        @pick_context_manager_$rw
        def $name(context, $args):
            query = model_query(context, models.$Model, read_deleted='no')
            $filters
            result = query.$term()
            if not result:
                raise exception.$exc()
            return result
        ''', rw=g.pick(['reader', 'writer']), name=name, args=', '.join(cols),
        Model=g.camel(noun), filters=filters, term=g.pick(['first', 'all', 'count', 'one_or_none']),
        exc=g.exc())


def t_conductor_build(g, ctx, defect):
    ctx.need('from nova.scheduler import utils as scheduler_utils', 'from nova import objects')
    name = g.func_name(ctx, verb=g.pick(['schedule', 'build', 'select']),
                       noun=g.pick(['instances', 'destinations', 'hosts']))
    return render('''
        def $name(self, context, request_spec, instance_uuids, return_alternates=True):
            """Ask the scheduler for hosts and pick the first one per instance."""
            scheduler_utils.setup_instance_group(context, request_spec)
            $body
            with timeutils.StopWatch() as timer:
                host_lists = self.query_client.select_destinations(
                    context, request_spec, instance_uuids,
                    return_objects=True, return_alternates=return_alternates)
            LOG.debug('Took %0.2f seconds to select destinations for %s '
                      'instance(s).', timer.elapsed(), len(instance_uuids))
            return [hl[0] for hl in host_lists if hl]
        ''', name=name, body=filler(g, ctx, {'self', 'context'}, g.randint(0, 3))) + \
        _need(ctx, 'from oslo_utils import timeutils')


def t_neutron_port(g, ctx, defect):
    name = g.func_name(ctx, verb=g.pick(['update', 'bind', 'unbind', 'create']),
                       noun=g.pick(['port', 'port_binding', 'port_profile']))
    keys = g.r.sample(['binding:host_id', 'device_owner', 'device_id',
                       'binding:profile', 'dns_name', 'mac_address'], g.randint(1, 3))
    lines = ["port_req_body['port'][%r] = %s" % (
        k, g.pick(['instance.uuid', 'host', "'compute:%s' % instance.availability_zone",
                   '{}', 'None'])) for k in keys]
    return render('''
        def $name(self, context, instance, port_id, host=None):
            client = self._get_client(context, admin=True)
            port_req_body = {'port': {}}
            $lines
            try:
                client.update_port(port_id, port_req_body)
            except neutron_client_exc.PortNotFoundClient:
                LOG.debug('Port %s not found', port_id, instance=instance)
                raise exception.PortNotFound(port_id=port_id)
            except neutron_client_exc.NeutronClientException:
                with excutils.save_and_reraise_exception():
                    LOG.exception('Unable to update port %s', port_id,
                                  instance=instance)
        ''', name=name, lines=lines) + _need(
            ctx, 'from neutronclient.common import exceptions as neutron_client_exc',
            'from oslo_utils import excutils')


def t_image_download(g, ctx, defect):
    name = g.func_name(ctx, verb='download', noun=g.pick(['image', 'image_to_file', 'chunks']))
    return render('''
        def $name(self, context, image_id, dst_path, trusted_certs=None):
            """Stream an image to $where."""
            image_chunks = self._client.call(context, 2, 'data', args=(image_id,))
            if image_chunks is None:
                raise exception.ImageUnacceptable(image_id=image_id,
                                                  reason='image has no data')
            written = 0
            with open(dst_path, 'wb') as f:
                for chunk in image_chunks:
                    f.write(chunk)
                    written += len(chunk)
            $body
            LOG.info('Downloaded %(size)d bytes of image %(id)s to %(path)s',
                     {'size': written, 'id': image_id, 'path': dst_path})
            return written
        ''', name=name, where=g.pick(['a local file', 'the instance directory',
                                      'the image cache']),
        body=filler(g, ctx, {'self', 'context'}, g.randint(0, 2)))


def t_quota_check(g, ctx, defect):
    ctx.need('from nova import objects', 'from nova.i18n import _')
    name = g.func_name(ctx, private=True, verb='check', noun=g.pick(['quota', 'num_instances_quota',
                                                                      'server_group_quota']))
    return render('''
        def $name(self, context, project_id, user_id, delta):
            deltas = {'$res': delta}
            try:
                objects.Quotas.check_deltas(context, deltas, project_id,
                                            user_id=user_id)
            except exception.OverQuota as exc:
                quotas = exc.kwargs['quotas']
                usages = exc.kwargs['usages']
                headroom = {k: quotas[k] - usages[k]['in_use'] for k in quotas}
                LOG.info('Quota exceeded for %(pid)s: %(h)s',
                         {'pid': project_id, 'h': headroom})
                msg = _('Quota exceeded for %s') % ', '.join(sorted(headroom))
                raise exception.TooManyInstances(msg)
            $body
        ''', name=name, res=g.pick(['instances', 'cores', 'ram', 'server_group_members']),
        body=filler(g, ctx, {'self', 'context'}, g.randint(1, 2)))


def t_generator(g, ctx, defect):
    noun = g.noun()
    name = g.func_name(ctx, private=True, verb='iter', noun=noun + 's')
    return render('''
        def $name(self, context, batch_size=$n):
            """Yield $noun_h objects in batches to keep memory flat."""
            marker = None
            while True:
                batch = self._list_$noun(context, limit=batch_size, marker=marker)
                if not batch:
                    return
                for item in batch:
                    yield item
                marker = batch[-1].uuid
        ''', name=name, n=g.pick(['50', '100', '1000']), noun=noun,
        noun_h=noun.replace('_', ' '))


def t_contextmanager(g, ctx, defect):
    ctx.need('import contextlib')
    name = g.func_name(ctx, private=True, verb=g.pick(['temporary', 'guarded', 'locked']),
                       noun=g.noun())
    return render('''
        @contextlib.contextmanager
        def $name(self, instance):
            old = instance.task_state
            instance.task_state = task_states.$task
            instance.save()
            try:
                yield instance
            finally:
                instance.task_state = old
                instance.save()
        ''', name=name, task=g.pick(TASK_STATES)) + _need(ctx, 'from nova.compute import task_states')


def t_bdm_loop(g, ctx, defect):
    name = g.func_name(ctx, verb=g.pick(['get', 'build', 'prepare']),
                       noun=g.pick(['block_device_info', 'bdms', 'swap', 'ephemerals']))
    return render('''
        def $name(self, context, instance, bdms=None):
            if bdms is None:
                bdms = objects.BlockDeviceMappingList.get_by_instance_uuid(
                    context, instance.uuid)
            swap = None
            ephemerals = []
            volumes = []
            for bdm in bdms:
                if bdm.is_volume:
                    volumes.append(driver_block_device.convert_volume(bdm))
                elif bdm.source_type == 'blank' and bdm.guest_format == 'swap':
                    swap = driver_block_device.convert_swap(bdm)
                else:
                    ephemerals.append(bdm)
            $body
            return driver.get_block_device_info(instance, volumes, swap=swap,
                                                ephemerals=ephemerals)
        ''', name=name, body=filler(g, ctx, {'self', 'context', 'instance'}, g.randint(0, 2))) + \
        _need(ctx, 'from nova.virt import block_device as driver_block_device',
              'from nova.virt import driver', 'from nova import objects')


def t_numa_fit(g, ctx, defect):
    name = g.func_name(ctx, private=True, verb='fit', noun=g.pick(['numa_cell', 'cpus', 'hugepages']))
    return render('''
        def $name(self, host_cell, instance_cell, limits=None):
            """Return the pinning of instance_cell onto host_cell, or None."""
            if host_cell.avail_memory < instance_cell.memory:
                LOG.debug('Not enough memory on cell %(h)d: %(a)d < %(r)d',
                          {'h': host_cell.id, 'a': host_cell.avail_memory,
                           'r': instance_cell.memory})
                return None
            free = sorted(host_cell.free_pcpus - host_cell.$other)
            if len(free) < len(instance_cell.cpuset):
                return None
            pinning = dict(zip(sorted(instance_cell.cpuset), free))
            if limits and limits.cpu_allocation_ratio:
                ratio = limits.cpu_allocation_ratio
                if len(pinning) > len(host_cell.cpuset) * ratio:
                    return None
            return pinning
        ''', name=name, other=g.pick(['pinned_cpus', 'siblings_used', 'reserved_cpus']))


def t_pci_match(g, ctx, defect):
    name = g.func_name(ctx, private=True, verb='filter', noun=g.pick(['pools', 'devices',
                                                                      'pci_requests']))
    return render('''
        def $name(self, pools, request, numa_cells=None):
            matching = [pool for pool in pools
                        if pool['vendor_id'] == request.spec.get('vendor_id')
                        and pool['product_id'] == request.spec.get('product_id')]
            if numa_cells:
                cell_ids = {cell.id for cell in numa_cells}
                matching = [p for p in matching if p.get('numa_node') in cell_ids]
            total = sum(p['count'] for p in matching)
            if total < request.count:
                LOG.debug('Not enough PCI devices left: %(t)d < %(c)d',
                          {'t': total, 'c': request.count})
                return []
            return matching
        ''', name=name)


def t_privsep(g, ctx, defect):
    ctx.need('from oslo_concurrency import processutils', 'import nova.privsep')
    name = g.func_name(ctx, private=False, verb=g.pick(['mount', 'umount', 'chown', 'create',
                                                        'readpty', 'xend_probe']),
                       noun=g.pick(['device', 'path', 'mdev', 'tap', 'volume']))
    cmd = g.pick(["'mount', '-t', fstype, device, path",
                  "'umount', path", "'chown', owner, path",
                  "'ip', 'tuntap', 'add', device, 'mode', 'tap'"])
    return render('''
        @nova.privsep.sys_admin_pctxt.entrypoint
        def $name(device, path, fstype='ext4', owner='root'):
            out, err = processutils.execute($cmd, check_exit_code=[0, 1])
            if err:
                LOG.warning('%(cmd)s reported: %(err)s', {'cmd': '$name', 'err': err})
            return out
        ''', name=name, cmd=cmd)


def t_spawn(g, ctx, defect):
    ctx.need('from oslo_service import loopingcall')
    name = g.func_name(ctx, private=True, verb='wait_for', noun=g.pick(['boot', 'power_off',
                                                                        'reboot', 'shutdown']))
    return render('''
        def $name(self, instance, timeout=$timeout):
            """Poll the guest state until it is $state."""
            def _wait():
                state = self.get_info(instance).state
                if state == power_state.$pstate:
                    LOG.info('Instance is $state.', instance=instance)
                    raise loopingcall.LoopingCallDone()

            timer = loopingcall.FixedIntervalLoopingCall(_wait)
            timer.start(interval=$interval).wait()
        ''', name=name, timeout=g.pick(['60', '300', 'CONF.libvirt.wait_soft_reboot_seconds']),
        state=g.pick(['running', 'shut down']), pstate=g.pick(['RUNNING', 'SHUTDOWN']),
        interval=g.pick(['0.5', '1', '2'])) + _need(ctx, 'from nova.compute import power_state')


def t_notification(g, ctx, defect):
    ctx.need('from nova import rpc')
    name = g.func_name(ctx, private=True, verb='notify', noun=g.pick(['usage', 'action',
                                                                       'fault', 'volume_swap']))
    keys = g.r.sample(['tenant_id', 'user_id', 'instance_id', 'display_name',
                       'instance_type', 'memory_mb', 'disk_gb', 'state',
                       'state_description', 'launched_at', 'host'], g.randint(4, 8))
    lines = ["'%s': %s," % (k, 'instance.%s' % k if k not in ('tenant_id', 'instance_id')
                            else {'tenant_id': 'instance.project_id',
                                  'instance_id': 'instance.uuid'}[k]) for k in keys]
    return render('''
        def $name(self, context, instance, event_suffix, extra_usage_info=None):
            payload = {
                $lines
            }
            payload.update(extra_usage_info or {})
            notifier = rpc.get_notifier('$svc', host=self.host)
            notifier.info(context, '$prefix.%s' % event_suffix, payload)
        ''', name=name, lines=lines, svc=g.pick(['compute', 'scheduler', 'conductor']),
        prefix=g.pick(['compute.instance', 'scheduler.select_destinations', 'volume.usage']))


def t_property(g, ctx, defect):
    noun = g.noun()
    if noun in ctx.func_names:
        noun = g.func_name(ctx, private=False, verb='current', noun=noun)
    ctx.func_names.add(noun)
    return render('''
        @property
        def $name(self):
            """The $h this object refers to, loaded lazily."""
            if self._$name is None:
                self._$name = self._load_$name()
            return self._$name
        ''', name=noun, h=noun.replace('_', ' '))


def t_static_helper(g, ctx, defect):
    name = g.func_name(ctx, private=True, verb=g.pick(['normalize', 'translate', 'format',
                                                        'split', 'merge']),
                       noun=g.pick(['name', 'host', 'spec', 'tags', 'metadata']))
    return render('''
        @staticmethod
        def $name(value, default=None):
            if value is None:
                return default
            if isinstance(value, (list, tuple)):
                return [str(v).strip().lower() for v in value if v]
            parts = [p.strip() for p in str(value).split('$sep')]
            return '$joiner'.join(p for p in parts if p) or default
        ''', name=name, sep=g.pick([',', ':', ';']), joiner=g.pick(['-', '_', ',']))


def t_state_machine(g, ctx, defect):
    name = g.func_name(ctx, private=True, verb='handle', noun=g.pick(['migration_status',
                                                                       'event', 'lifecycle_event']))
    states = g.r.sample(['queued', 'preparing', 'running', 'post-migrating', 'completed',
                         'failed', 'cancelled', 'error', 'confirmed', 'reverted'], g.randint(3, 6))
    lines = []
    for i, s in enumerate(states):
        kw = 'if' if i == 0 else 'elif'
        lines += ["%s status == '%s':" % (kw, s)]
        lines += indent(filler(g, ctx, {'self', 'context', 'instance'}, 1, depth=1))
    lines += ['else:', "    LOG.warning('Unexpected status %s', status, instance=instance)"]
    return render('''
        def $name(self, context, instance, migration):
            status = migration.status
            $lines
            migration.save()
        ''', name=name, lines=lines)


def t_secret_handling(g, ctx, defect):
    """Code that handles secrets; safe look-alike of log-password unless defect."""
    ctx.need('from oslo_utils import strutils')
    name = g.func_name(ctx, private=True, verb=g.pick(['inject', 'set', 'rotate']),
                       noun=g.pick(['admin_password', 'chap_secret', 'key_data']))
    if defect == 'log-password':
        leak = g.pick([
            "LOG.debug('Injecting admin password %s', admin_password,  #@@D:log-password",
            "LOG.info('Setting password %(pw)s with options %(opts)s',  #@@D:log-password",
        ])
        leak_args = ('          instance=instance)' if leak.startswith("LOG.debug")
                     else "         {'pw': admin_password, 'opts': options})")
        return render('''
            def $name(self, context, instance, admin_password, options=None):
                options = options or {}
                $leak
                $leak_args
                self.driver.set_admin_password(instance, admin_password)
            ''', name=name, leak=leak, leak_args=leak_args)
    return render('''
        def $name(self, context, instance, admin_password, options=None):
            """Set a secret on the guest; never log it."""
            options = options or {}
            LOG.debug('Injecting secret with options %s',
                      strutils.mask_dict_password(options), instance=instance)
            if not admin_password:
                raise exception.InvalidInput(reason='empty password')
            $password_policy_line
            self.driver.set_admin_password(instance, admin_password)
            LOG.info('Admin password set (length %d)', len(admin_password),
                     instance=instance)
        ''', name=name, password_policy_line=g.pick([
            "password_policy = options.get('password_policy', 'default')",
            "LOG.debug('Password policy %s', options.get('password_policy'))",
            "max_password_length = %s" % g.int_literal()]))


def t_generic(g, ctx, defect):
    """Free-form method built only from fillers."""
    noun = g.noun()
    name = g.func_name(ctx, noun=noun)
    args = ['self', 'context'] + g.r.sample(['instance', 'host', 'node', 'migration',
                                             'request_spec', 'flavor', 'limits'],
                                            g.randint(0, 3))
    if g.chance(0.3):
        args.append('%s=None' % g.pick(['force', 'nodename', 'timeout', 'cell']))
    scope = set(a.split('=')[0] for a in args)
    body = filler(g, ctx, scope, g.randint(2, 9))
    ret = g.pick(['return None', 'return %s' % g.var(noun), '', 'return True'])
    ret_lines = [ret] if ret else []
    if 'return ' in ret and ret.split()[-1] not in ('None', 'True'):
        body.append('%s = %s' % (ret.split()[-1], g.pick(['None', '[]', '{}'])))
    doc = g.doc(name.lstrip('_').split('_')[0], noun) if g.chance(0.6) else []
    doc_lines = []
    if doc:
        if len(doc) == 1:
            doc_lines = ['"""%s"""' % doc[0]]
        else:
            doc_lines = ['"""%s' % doc[0]] + doc[1:] + ['"""']
    return render('''
        def $name($args):
            $doc
            $body
            $ret
        ''', name=name, args=', '.join(args), doc=doc_lines, body=body, ret=ret_lines)


def t_lock_nested(g, ctx, defect):
    ctx.need('from nova import utils')
    name = g.func_name(ctx, private=False, verb=g.pick(['terminate', 'delete', 'attach']),
                       noun=g.pick(['instance', 'volume', 'interface']))
    inner = filler(g, ctx, {'self', 'context', 'instance'}, g.randint(1, 4))
    return render('''
        def $name(self, context, instance, bdms=None):
            @utils.synchronized(instance.uuid)
            def do_$name(instance, bdms):
                $inner
                self._$name(context, instance, bdms)

            do_$name(instance, bdms)
        ''', name=name, inner=inner)


def t_spawn_n(g, ctx, defect):
    ctx.need('from nova import utils')
    name = g.func_name(ctx, verb=g.pick(['build_and_run', 'schedule_and_build', 'rebuild']),
                       noun='instances')
    return render('''
        def $name(self, context, instances, **kwargs):
            for instance in instances:
                utils.spawn_n(self._locked_do_build_and_run_instance,
                              context, instance, **kwargs)
            LOG.debug('Spawned %d build(s)', len(instances))
        ''', name=name)


METHOD_TEMPLATES = [
    # (function, weight, kinds ('*' = any), defects supported)
    (t_manager_action, 5, {'compute', 'conductor'}, ('log-password',)),
    (t_volume_connect, 4, {'compute', 'libvirt', 'libvirt_volume', 'virt', 'volume'},
     ('log-connection-info',)),
    (t_cleanup, 4, {'compute', 'libvirt', 'virt', 'network', 'console', 'util'},
     ('except-pass',)),
    (t_rpc_retry, 3, {'compute', 'conductor', 'scheduler', 'report', 'network'},
     ('retry-no-sleep',)),
    (t_retry_decorator, 2, {'report', 'scheduler', 'network', 'image', 'volume'},
     ('retry-decorator-no-wait',)),
    (t_put_allocations, 4, {'report', 'scheduler', 'conductor', 'compute'},
     ('unvalidated-allocation',)),
    (t_placement_put, 4, {'report'}, ('unchecked-response',)),
    (t_placement_get, 4, {'report', 'scheduler'}, ()),
    (t_rest_post, 3, {'report', 'volume', 'image', 'network', 'compute', 'virt'},
     ('unchecked-response',)),
    (t_requests_call, 2, {'image', 'virt', 'util', 'api', 'network'}, ('cleartext-http',)),
    (t_keystoneauth_client, 1, {'report', 'network', 'volume', 'image'}, ()),
    (t_libvirt_xml, 5, {'libvirt'}, ()),
    (t_libvirt_parse, 4, {'libvirt'}, ()),
    (t_weigher, 1, {'weigher'}, ()),
    (t_api_action, 6, {'api'}, ()),
    (t_api_show, 4, {'api'}, ()),
    (t_periodic, 2, {'compute'}, ()),
    (t_objects_save, 3, {'objects'}, ()),
    (t_objects_classmethod, 3, {'objects'}, ()),
    (t_from_db_object, 2, {'objects'}, ()),
    (t_conductor_build, 3, {'conductor', 'scheduler'}, ()),
    (t_neutron_port, 4, {'network'}, ()),
    (t_image_download, 3, {'image', 'virt'}, ()),
    (t_quota_check, 2, {'compute', 'api', 'util'}, ()),
    (t_generator, 2, {'*'}, ()),
    (t_contextmanager, 1, {'compute', 'conductor', 'virt', 'libvirt'}, ()),
    (t_bdm_loop, 2, {'compute', 'virt', 'libvirt'}, ()),
    (t_numa_fit, 2, {'virt', 'scheduler', 'filter', 'pci', 'libvirt'}, ()),
    (t_pci_match, 2, {'pci', 'filter', 'scheduler'}, ()),
    (t_spawn, 2, {'libvirt', 'virt'}, ()),
    (t_notification, 2, {'compute', 'conductor', 'util'}, ()),
    (t_property, 2, {'*'}, ()),
    (t_static_helper, 2, {'*'}, ()),
    (t_state_machine, 2, {'compute', 'conductor', 'libvirt'}, ()),
    (t_secret_handling, 1, {'compute', 'libvirt', 'virt', 'api'}, ('log-password',)),
    (t_generic, 10, {'*'}, ()),
    (t_lock_nested, 2, {'compute'}, ()),
    (t_spawn_n, 1, {'compute', 'conductor'}, ()),
]


# ---------------------------------------------------------------------------
# Module-level function templates
# ---------------------------------------------------------------------------

def f_utility(g, ctx, defect):
    noun = g.noun()
    name = g.func_name(ctx, private=g.chance(0.3), noun=noun)
    args = g.r.sample(['context', 'instance', 'host', 'values', 'filters', 'limit'],
                      g.randint(1, 3))
    body = filler(g, ctx, set(args), g.randint(2, 7))
    return render('''
        def $name($args):
            """$doc"""
            $body
            return $ret
        ''', name=name, args=', '.join(args), doc=g.doc(name.lstrip('_').split('_')[0], noun)[0],
        body=body, ret=g.pick(['None', 'True', args[0]]))


def f_validate_allocations(g, ctx, defect):
    if '_validate_allocations' in ctx.func_names:
        return f_utility(g, ctx, defect)
    ctx.func_names.add('_validate_allocations')
    ctx.need('import re', 'from oslo_utils import uuidutils')
    return render('''
        _RC_RE = re.compile(r'^[A-Z0-9_]+$$')
        MAX_AMOUNT = 0x7FFFFFFF


        def _validate_allocations(allocations):
            """Raise ValueError unless allocations is a well-formed mapping."""
            if not isinstance(allocations, dict):
                raise ValueError('allocations must be a dict')
            for rp_uuid, alloc in allocations.items():
                if not uuidutils.is_uuid_like(rp_uuid):
                    raise ValueError('bad resource provider %r' % rp_uuid)
                resources = alloc.get('resources')
                if not isinstance(resources, dict) or not resources:
                    raise ValueError('no resources for %s' % rp_uuid)
                for rc, amount in resources.items():
                    if not _RC_RE.match(rc):
                        raise ValueError('bad resource class %r' % rc)
                    if not isinstance(amount, int) or not 1 <= amount <= MAX_AMOUNT:
                        raise ValueError('bad amount %r for %s' % (amount, rc))
        ''')


def f_conf_opts(g, ctx, defect):
    group = g.pick(list(CONF_GROUPS))
    var = '%s_opts' % g.pick([group.lower(), g.noun()])
    while var in ctx.func_names:
        var = '%s_%s_opts' % (g.pick(QUALIFIERS), g.noun())
    ctx.func_names.add(var)
    ctx.need('from oslo_config import cfg')
    opts = []
    for _ in range(g.randint(2, 6)):
        kind = g.pick(['StrOpt', 'IntOpt', 'BoolOpt', 'FloatOpt', 'ListOpt'])
        name = '%s_%s' % (g.pick(VERBS), g.noun())
        default = {'StrOpt': "'%s'" % g.pick(['auto', 'none', 'kvm', 'qcow2', 'internal']),
                   'IntOpt': g.int_literal(), 'BoolOpt': g.pick(['True', 'False']),
                   'FloatOpt': g.pick(['1.0', '0.5', '16.0']), 'ListOpt': '[]'}[kind]
        extra = ''
        if kind == 'IntOpt':
            extra = '\n        min=0,'
        if kind == 'StrOpt' and g.chance(0.3):
            extra = "\n        choices=['auto', 'none', 'internal'],"
        help_lines = ['        help="""',
                      g.sentence(), '',
                      'Possible values:', '',
                      '* %s' % g.sentence(),
                      '* %s' % g.sentence(),
                      '"""),']
        opts += ['    cfg.%s(' % kind,
                 "        '%s'," % name.replace('_', '-') if g.chance(0.1) else "        '%s'," % name,
                 '        default=%s,%s' % (default, extra)] + help_lines
    # Conf help text sometimes mentions URLs; those are in strings for humans
    lines = ['%s = [' % var] + opts + [']']
    return lines


def f_exception_class(g, ctx, defect):
    ctx.need('from nova.i18n import _')
    noun = g.noun()
    base = g.pick(['NotFound', 'Invalid', 'NovaException', 'Conflict', 'Forbidden'])
    name = '%s%s%s' % (g.camel(noun), g.pick(['Not', 'Invalid', 'Busy', 'Unavailable', 'Failed']),
                       g.pick(['Found', 'State', 'Request', 'Error', '']))
    while name in ctx.func_names:
        name += 'Error'
    ctx.func_names.add(name)
    return render('''
        class $name(exception.$base):
            msg_fmt = _("$Noun %($key)s $tail")
        ''', name=name, base=base, Noun=noun.replace('_', ' ').capitalize(),
        key=g.pick(['uuid', 'id', 'host', 'reason', 'name']),
        tail=g.pick(['could not be found.', 'is in an invalid state.', 'is busy.',
                     'failed: %(reason)s.', 'is not available.']))


def f_constants(g, ctx, defect):
    out = []
    for _ in range(g.randint(1, 4)):
        name = '%s_%s' % (g.pick(['DEFAULT', 'MAX', 'MIN']), g.noun().upper())
        while name in ctx.func_names:
            name += '_X'
        ctx.func_names.add(name)
        out.append('%s = %s' % (name, g.pick([g.int_literal(), "'%s'" % g.noun(),
                                                '(%s, %s)' % (g.int_literal(), g.int_literal()),
                                                'frozenset([%r, %r])' % (g.noun(), g.noun())])))
    if defect == 'cleartext-http':
        name = '%s_URL' % g.pick(['METADATA', 'MIRROR', 'UPSTREAM', 'VENDOR', 'CATALOG'])
        while name in ctx.func_names:
            name = 'DEFAULT_' + name
        ctx.func_names.add(name)
        out.append("%s = 'http://%s/%s'  #@@D:cleartext-http" % (
            name, g.pick(EXTERNAL_HOSTS), g.pick(['v1/', 'latest/', 'openstack/'])))
    elif g.chance(0.3):
        name = '%s_URL' % g.pick(['LOCAL_METADATA', 'LOOPBACK', 'HEALTHCHECK'])
        while name in ctx.func_names:
            name = 'DEFAULT_' + name
        ctx.func_names.add(name)
        out.append("%s = 'http://%s/'" % (name, g.pick(['127.0.0.1:8775',
                                                          'localhost:8080', '[::1]:8774'])))
    return out


def f_best_effort(g, ctx, defect):
    """Module-level best-effort helper; swallows errors only if defect."""
    name = g.func_name(ctx, private=True, verb=g.pick(['try', 'safe', 'quiet']),
                       noun=g.pick(['unlink', 'rmtree', 'kill', 'close', 'umount']))
    ctx.need('import os')
    if defect == 'except-pass':
        handler = ['except Exception:  #@@D:except-pass', '    pass']
    else:
        handler = g.pick([
            ['except FileNotFoundError:', '    pass'],
            ['except OSError as e:', "    LOG.warning('Could not remove %s: %s', path, e)"],
            ['except Exception:', "    LOG.exception('Unexpected error removing %s', path)",
             '    raise'],
        ])
    return render('''
        def $name(path):
            """Remove path if it exists."""
            try:
                os.$op(path)
            $handler
        ''', name=name, op=g.pick(['unlink', 'rmdir', 'remove']), handler=handler)


def f_auth_helper(g, ctx, defect):
    """Build credentials for a service call; logs the password only if defect."""
    name = g.func_name(ctx, private=True, verb=g.pick(['get', 'build', 'make']),
                       noun=g.pick(['auth_headers', 'credentials', 'auth_params']))
    if defect == 'log-password':
        log = g.pick([
            "LOG.debug('Authenticating %s with password %s', username, password)  #@@D:log-password",
            "LOG.debug('Auth params: %s', {'user': username, 'password': password})  #@@D:log-password",
        ])
    else:
        log = g.pick([
            "LOG.debug('Authenticating as %s', username)",
            "LOG.debug('Auth params: %s', strutils.mask_password(\"password=%s\" % password))",
            "LOG.debug('Using auth_url %s and token_type %s', auth_url, token_type)",
        ])
        if 'strutils' in log:
            ctx.need('from oslo_utils import strutils')
    return render('''
        def $name(username, password, auth_url=None, token_type='Bearer'):
            $log
            return {
                'auth_url': auth_url or $conf,
                'username': username,
                'password': password,
                'token_type': token_type,
            }
        ''', name=name, log=log, conf=g.conf())


FUNCTION_TEMPLATES = [
    (f_utility, 10, ()),
    (f_validate_allocations, 1, ()),
    (f_exception_class, 2, ()),
    (f_constants, 2, ('cleartext-http',)),
    (f_best_effort, 2, ('except-pass',)),
    (f_auth_helper, 1, ('log-password',)),
]


# ---------------------------------------------------------------------------
# Test templates
# ---------------------------------------------------------------------------

def tt_patch_object(g, ctx, defect):
    target = g.pick(['_get_instance', '_notify_about_instance_usage', 'driver',
                     'reportclient', '_update_resource_tracker', 'network_api',
                     'volume_api', '_delete_allocation'])
    fn = g.pick(['compute_utils.notify_about_instance_action', 'objects.Instance.save',
                 'utils.spawn_n', 'rpc.get_notifier'])
    fn_mod, fn_attr = fn.rsplit('.', 1)
    meth = g.func_name(ctx, private=False, verb='test_' + g.pick(VERBS), noun=g.noun())
    val = g.pick(['None', 'True', 'mock.sentinel.result', '[]', "{'uuid': uuids.instance}"])
    return render('''
        @mock.patch.object($fn_mod, '$fn_attr')
        @mock.patch.object($cls, '$target')
        def $meth(self, mock_$target_s, mock_$fn_attr):
            mock_$target_s.return_value = $val
            instance = fake_instance.fake_instance_obj(
                self.context, uuid=uuids.$inst, vm_state=vm_states.$state)
            result = self.$obj.$call(self.context, instance)
            self.assertEqual($val, result)
            mock_$target_s.assert_called_once_with(self.context, instance)
            $extra
        ''', fn_mod=fn_mod,
        fn_attr=fn_attr, cls=ctx.cls_under_test, target=target,
        target_s=target.lstrip('_'), meth=meth, val=val, inst=g.noun(),
        state=g.pick(VM_STATES), obj=ctx.obj_under_test, call=g.func_name(ctx, private=False),
        extra=g.pick(['mock_%s.assert_not_called()' % fn_attr,
                      'self.assertEqual(1, mock_%s.call_count)' % fn_attr,
                      'mock_%s.assert_called_once()' % fn_attr]))


def tt_side_effect(g, ctx, defect):
    meth = g.func_name(ctx, private=False, verb='test_' + g.pick(VERBS),
                       noun=g.noun() + '_fails')
    exc = g.exc()
    return render('''
        def $meth(self):
            instance = fake_instance.fake_instance_obj(self.context)
            with mock.patch.object(self.$obj, '$target',
                                   side_effect=exception.$exc(reason='test')) as mock_call:
                self.assertRaises(exception.$exc, self.$obj.$call,
                                  self.context, instance)
            mock_call.assert_called_once_with(self.context, instance)
            $extra
        ''', meth=meth, obj=ctx.obj_under_test, target=g.func_name(ctx, private=True),
        exc=exc, call=g.func_name(ctx, private=False),
        extra=filler(g, ctx, {'self'}, g.randint(0, 2)) or ['pass'])


def tt_setup(g, ctx, defect):
    if 'setUp' in ctx.func_names:
        return tt_side_effect(g, ctx, defect)
    ctx.func_names.add('setUp')
    return render('''
        def setUp(self):
            super().setUp()
            self.flags($flag=$val, group='$group')
            self.context = context.RequestContext('fake-user', 'fake-project')
            self.$obj = $cls()
            self.useFixture(fixtures.MockPatch(
                'nova.$mod.LOG', autospec=False))
        ''', flag=g.pick(CONF_GROUPS['compute']), val=g.int_literal(), group='compute',
        obj=ctx.obj_under_test, cls=ctx.cls_under_test, mod=ctx.module_under_test)


def tt_data_driven(g, ctx, defect):
    meth = g.func_name(ctx, private=False, verb='test_' + g.pick(VERBS), noun='cases')
    cases = []
    for _ in range(g.randint(3, 6)):
        cases.append("(%s, %s)," % (g.pick(["'%s'" % s.lower() for s in VM_STATES] + ['None']),
                                    g.pick(['True', 'False'])))
    return render('''
        def $meth(self):
            cases = [
                $cases
            ]
            for state, expected in cases:
                with self.subTest(state=state):
                    instance = fake_instance.fake_instance_obj(
                        self.context, vm_state=state)
                    self.assertEqual(expected,
                                     self.$obj.$call(instance))
        ''', meth=meth, cases=cases, obj=ctx.obj_under_test,
        call=g.func_name(ctx, private=True))


def tt_placement_fixture(g, ctx, defect):
    meth = g.func_name(ctx, private=False, verb='test_' + g.pick(VERBS), noun='placement')
    return render('''
        @mock.patch('nova.scheduler.client.report.SchedulerReportClient.'
                    'put_allocations', return_value=True)
        def $meth(self, mock_put):
            endpoint = '$url'
            alloc = {uuids.rp: {'resources': {'VCPU': $n, 'MEMORY_MB': $m}}}
            self.$obj.$call(self.context, uuids.consumer, alloc)
            mock_put.assert_called_once_with(
                self.context, uuids.consumer, alloc, mock.ANY, mock.ANY, None)
            self.assertTrue(endpoint.startswith('http'))
        ''', meth=meth, url=g.pick(['http://127.0.0.1:8778/placement',
                                    'http://localhost/placement',
                                    'https://placement.example.com']),
        n=g.pick(['1', '2', '4']), m=g.pick(['512', '1024', '2048']),
        obj=ctx.obj_under_test, call=g.func_name(ctx, private=False))


def tt_cleanup_helper(g, ctx, defect):
    meth = g.func_name(ctx, private=True, verb='cleanup', noun=g.pick(['instances', 'fixtures',
                                                                       'tmpdir', 'patches']))
    if defect == 'except-pass':
        handler = ['except Exception:  #@@D:except-pass', '    pass']
    else:
        handler = ['except exception.InstanceNotFound:', '    pass']
    return render('''
        def $meth(self, instances):
            for inst in instances:
                try:
                    inst.destroy()
                $handler
        ''', meth=meth, handler=handler)


TEST_TEMPLATES = [
    (tt_patch_object, 6), (tt_side_effect, 4), (tt_setup, 1),
    (tt_data_driven, 2), (tt_placement_fixture, 1), (tt_cleanup_helper, 1),
]


# ---------------------------------------------------------------------------
# Package layout
# ---------------------------------------------------------------------------

LAYOUT = [
    # directory, kind, base names, weight
    ('nova/compute', 'compute', ['manager', 'api', 'resource_tracker', 'claims', 'rpcapi',
                                 'utils', 'instance_actions', 'provider_tree',
                                 'migration_list', 'power_state_sync'], 60),
    ('nova/scheduler', 'scheduler', ['manager', 'host_manager', 'utils', 'request_filter',
                                     'rpcapi'], 28),
    ('nova/scheduler/filters', 'filter', ['compute_filter', 'numa_topology_filter',
                                          'aggregate_filter', 'pci_passthrough_filter',
                                          'affinity_filter', 'image_props_filter'], 20),
    ('nova/scheduler/weights', 'weigher', ['ram', 'disk', 'io_ops', 'cross_cell',
                                           'affinity'], 8),
    ('nova/scheduler/client', 'report', ['report', 'query', 'placement_utils'], 28),
    ('nova/virt', 'virt', ['driver', 'hardware', 'block_device', 'netutils', 'images',
                           'configdrive'], 20),
    ('nova/virt/libvirt', 'libvirt', ['driver', 'config', 'guest', 'host', 'imagebackend',
                                      'migration', 'utils', 'vif', 'designer'], 60),
    ('nova/virt/libvirt/volume', 'libvirt_volume', ['iscsi', 'fibrechannel', 'nfs', 'rbd',
                                                    'nvme', 'mount', 'fs'], 20),
    ('nova/api/openstack/compute', 'api', ['servers', 'flavors', 'server_actions',
                                           'migrate_server', 'volumes', 'keypairs',
                                           'quota_sets', 'aggregates', 'hypervisors',
                                           'admin_password', 'console_auth_tokens',
                                           'server_external_events'], 50),
    ('nova/conductor', 'conductor', ['manager', 'api', 'rpcapi'], 18),
    ('nova/conductor/tasks', 'conductor', ['live_migrate', 'migrate', 'cross_cell_migrate',
                                           'base'], 14),
    ('nova/network', 'network', ['neutron', 'model', 'security_group_api', 'os_vif_util'], 22),
    ('nova/objects', 'objects', ['instance', 'migration', 'compute_node', 'request_spec',
                                 'block_device', 'service', 'flavor', 'aggregate'], 30),
    ('nova/db/main', 'db', ['api', 'utils', 'models'], 12),
    ('nova/volume', 'volume', ['cinder'], 8),
    ('nova/image', 'image', ['glance', 'download'], 8),
    ('nova/conf', 'conf', ['compute', 'libvirt', 'scheduler', 'placement', 'neutron',
                           'workarounds', 'api', 'glance'], 14),
    ('nova/pci', 'pci', ['manager', 'stats', 'request', 'whitelist'], 8),
    ('nova/console', 'console', ['websocketproxy', 'serial', 'securityproxy'], 6),
    ('nova/privsep', 'privsep', ['fs', 'linux_net', 'libvirt', 'path'], 6),
    ('nova/cmd', 'cmd', ['manage', 'status', 'compute'], 5),
    ('nova', 'util', ['utils', 'context', 'exception_wrapper', 'rpc', 'service', 'quota',
                      'policy', 'safe_utils'], 14),
    ('nova/tests/unit/compute', 'test', ['test_compute_mgr', 'test_api', 'test_resource_tracker',
                                         'test_claims'], 45),
    ('nova/tests/unit/scheduler', 'test', ['test_manager', 'test_host_manager',
                                           'test_utils', 'test_report'], 30),
    ('nova/tests/unit/virt/libvirt', 'test', ['test_driver', 'test_config', 'test_guest',
                                              'test_host'], 35),
    ('nova/tests/unit/api/openstack/compute', 'test', ['test_servers', 'test_flavors',
                                                       'test_server_actions'], 25),
    ('nova/tests/unit/objects', 'test', ['test_instance', 'test_migration'], 12),
    ('nova/tests/unit/network', 'test', ['test_neutron'], 10),
    ('nova/tests/unit/conductor', 'test', ['test_conductor'], 10),
]

KIND_IMPORTS = {
    'compute': ['from nova.compute import rpcapi as compute_rpcapi',
                'from nova.compute import utils as compute_utils'],
    'scheduler': ['from nova.scheduler import utils as scheduler_utils'],
    'filter': ['from nova.scheduler import filters'],
    'weigher': ['from nova.scheduler import weights'],
    'report': ['from keystoneauth1 import exceptions as ks_exc'],
    'libvirt': ['from nova.virt.libvirt import config as vconfig'],
    'libvirt_volume': ['from nova.virt.libvirt.volume import volume as libvirt_volume'],
    'api': ['from nova.api.openstack import wsgi'],
    'objects': ['from nova.objects import base', 'from nova.objects import fields'],
    'conductor': ['from nova.conductor.tasks import base'],
}

CLASS_BASES = {
    'compute': ['manager.Manager', 'object', 'base.Base'],
    'scheduler': ['object', 'manager.Manager'],
    'filter': ['filters.BaseHostFilter'],
    'weigher': ['weights.BaseHostWeigher'],
    'report': ['object'],
    'virt': ['driver.ComputeDriver', 'object'],
    'libvirt': ['vconfig.LibvirtConfigObject', 'object', 'driver.ComputeDriver'],
    'libvirt_volume': ['libvirt_volume.LibvirtBaseVolumeDriver'],
    'api': ['wsgi.Controller'],
    'conductor': ['base.TaskBase', 'object'],
    'network': ['object', 'base.Base'],
    'objects': ['base.NovaPersistentObject, base.NovaObject',
                'base.NovaObject, base.NovaObjectDictCompat'],
    'db': ['object'],
    'volume': ['object'],
    'image': ['object'],
    'pci': ['object'],
    'console': ['object'],
    'util': ['object'],
    'cmd': ['object'],
    'privsep': ['object'],
}
CLASS_SUFFIX = {
    'compute': ['Manager', 'API', 'Tracker', 'Claim', 'Helper'],
    'scheduler': ['Manager', 'HostManager', 'Selector'],
    'filter': ['Filter'],
    'weigher': ['Weigher'],
    'report': ['ReportClient', 'Client', 'ProviderCache'],
    'virt': ['Driver', 'Helper'],
    'libvirt': ['Driver', 'Guest', 'Host', 'Config', 'Backend'],
    'libvirt_volume': ['VolumeDriver'],
    'api': ['Controller'],
    'conductor': ['Task', 'Manager'],
    'network': ['API', 'Adapter'],
    'objects': ['', 'List'],
    'db': ['Query'],
    'volume': ['API'],
    'image': ['Service', 'Handler'],
    'pci': ['Stats', 'Manager', 'Spec'],
    'console': ['Proxy', 'Handler'],
    'util': ['Helper', 'Wrapper'],
    'cmd': ['Commands'],
    'privsep': ['Helper'],
}


def _weighted(g, items, weights):
    return g.r.choices(items, weights)[0]


def method_pool(kind):
    pool = [(t, w, d) for (t, w, kinds, d) in METHOD_TEMPLATES
            if '*' in kinds or kind in kinds]
    if kind in ('libvirt_volume',):
        pool += [(t, w, d) for (t, w, kinds, d) in METHOD_TEMPLATES
                 if 'libvirt' in kinds and t not in [p[0] for p in pool]]
    return pool


class DefectPlanner:
    """Decides, per function, whether to inject a defect (about 1 in 40)."""

    RATE = 1.0 / 36  # ~1/40 of source functions once test files (half rate) are counted

    def __init__(self, g):
        self.g = g

    def roll(self):
        return self.g.chance(self.RATE)


def gen_method(g, ctx, planner):
    pool = method_pool(ctx.kind)
    if planner.roll():
        # Pick the kind of defect first (among those this module's templates
        # can carry, a to-fix comment always possible but less likely), then a template.
        kinds = sorted({k for p in pool for k in p[2]})
        kind = _weighted(g, kinds + ['fixme'], [3] * len(kinds) + [2])
        if kind != 'fixme':
            capable = [p for p in pool if kind in p[2]]
            tpl = _weighted(g, [p[0] for p in capable], [p[1] for p in capable])
            return tpl(g, ctx, kind)
        tpl = _weighted(g, [p[0] for p in pool], [p[1] for p in pool])
        return _insert_fixme(g, tpl(g, ctx, None))
    tpl = _weighted(g, [p[0] for p in pool], [p[1] for p in pool])
    return tpl(g, ctx, None)


def _insert_fixme(g, lines):
    # Put the to-fix comment just after the def line (and its continuation lines).
    for i, line in enumerate(lines):
        if line.lstrip().startswith('def ') and line.rstrip().endswith(':'):
            ind = len(lines[i + 1]) - len(lines[i + 1].lstrip()) if i + 1 < len(lines) else 4
            return lines[:i + 1] + [' ' * ind + fixme_line(g)] + lines[i + 1:]
        if line.lstrip().startswith('def '):
            # multi-line signature: find the line ending the signature
            for j in range(i, len(lines)):
                if lines[j].rstrip().endswith('):'):
                    ind = len(lines[j + 1]) - len(lines[j + 1].lstrip())
                    return lines[:j + 1] + [' ' * ind + fixme_line(g)] + lines[j + 1:]
    return lines


def gen_class(g, ctx, planner, target_lines):
    kind = ctx.kind
    noun = g.noun()
    suffix = g.pick(CLASS_SUFFIX.get(kind, ['Helper']))
    base = g.pick(CLASS_BASES.get(kind, ['object']))
    name = '%s%s%s' % (g.pick(['', 'Libvirt', 'Base', 'Fake', 'Generic', 'Cross', 'Local'])
                       if kind in ('libvirt', 'virt', 'util') else '',
                       g.camel(noun), suffix)
    while name in ctx.func_names:
        name = name + 'V2'
    ctx.func_names.add(name)
    if 'manager.Manager' in base:
        ctx.need('from nova import manager')
    if base.startswith('base.Base'):
        ctx.need('from nova.db import base')
    if 'driver.' in base:
        ctx.need('from nova.virt import driver')
    saved_names = ctx.func_names
    ctx.func_names = set()
    lines = ['class %s(%s):' % (name, base)]
    doc = '"""%s for %s.' % (suffix or 'Versioned object', noun.replace('_', ' '))
    if g.chance(0.4):
        lines += ['    ' + doc, '',
                  '    ' + g.pick(['Instances of this class are not thread safe; each',
                                   'This class is used from both the API and the compute',
                                   'Most methods here are called over RPC, so their',
                                   'Subclasses override the hooks below; the defaults']),
                  '    ' + g.pick(['greenthread gets its own copy.', 'service, so keep it small.',
                                   'signatures are versioned.', 'are no-ops.']),
                  '    """']
    else:
        lines += ['    ' + doc + '"""']
    lines.append('')
    if kind == 'objects':
        lines += ["    # Version 1.0: Initial version",
                  "    # Version 1.%d: Added %s" % (g.randint(1, 9), g.noun()),
                  "    VERSION = '1.%d'" % g.randint(1, 30), '',
                  '    fields = {']
        for f in g.r.sample(['id', 'uuid', 'host', 'node', 'status', 'project_id',
                             'user_id', 'memory_mb', 'vcpus', 'deleted'], g.randint(3, 7)):
            ft = {'id': 'IntegerField()', 'memory_mb': 'IntegerField()', 'vcpus': 'IntegerField()',
                  'uuid': 'UUIDField()', 'deleted': 'BooleanField(default=False)'}.get(
                f, 'StringField(nullable=True)')
            lines.append("        '%s': fields.%s," % (f, ft))
        lines += ['    }', '']
    elif kind == 'filter':
        lines += ['    run_filter_once_per_request = %s' % g.pick(['True', 'False']), '',
                  '    RUN_ON_REBUILD = %s' % g.pick(['True', 'False']), '']
    elif kind == 'api':
        lines += ['    _view_builder_class = views_%s.ViewBuilder' % noun, '']
        ctx.need('from nova.api.openstack.compute.views import %s as views_%s' % (noun, noun))
    # __init__
    attrs = g.r.sample(['driver', 'host', 'reportclient', '_client', 'compute_rpcapi',
                        'network_api', 'volume_api', '_lock', '_session', '_cache',
                        'query_client', 'image_api'], g.randint(2, 5))
    init = ['    def __init__(self, %s*args, **kwargs):' % g.pick(['', 'host=None, ', 'driver=None, ']),
            '        super().__init__(*args, **kwargs)']
    for a in attrs:
        init.append('        self.%s = %s' % (a, {
            '_lock': 'threading.Lock()', 'host': 'CONF.host', '_cache': '{}',
            '_session': 'None', 'reportclient': 'report.report_client_singleton()',
            '_client': 'self._create_client()', 'compute_rpcapi': 'compute_rpcapi.ComputeAPI()',
        }.get(a, 'None')))
        if a == '_lock':
            ctx.need('import threading')
        if a == 'reportclient':
            ctx.need('from nova.scheduler.client import report')
        if a == 'compute_rpcapi':
            ctx.need('from nova.compute import rpcapi as compute_rpcapi')
    if kind != 'filter' and kind != 'weigher' or g.chance(0.3):
        lines += init + ['']
    if kind == 'filter':
        lines += indent(t_scheduler_filter(g, ctx, None)) + ['']
    elif kind == 'weigher':
        lines += indent(t_weigher(g, ctx, None)) + ['']
    while len(lines) < target_lines - 15:
        lines += indent(gen_method(g, ctx, planner)) + ['']
    ctx.func_names = saved_names
    while lines and lines[-1] == '':
        lines.pop()
    return lines


def gen_test_class(g, ctx, planner, target_lines):
    noun = g.noun()
    name = '%s%sTestCase' % (g.camel(noun), g.pick(['', 'Manager', 'API', 'Driver', 'Helper']))
    while name in ctx.func_names:
        name = 'More' + name
    ctx.func_names.add(name)
    ctx.cls_under_test = '%s.%s%s' % (ctx.under_alias, g.camel(noun), g.pick(['Manager', 'API', 'Driver']))
    ctx.obj_under_test = g.pick(['compute', 'manager', 'driver', 'api', 'client', 'controller'])
    ctx.module_under_test = ctx.under_module
    saved = ctx.func_names
    ctx.func_names = set()
    lines = ['class %s(test.%s):' % (name, g.pick(['NoDBTestCase', 'TestCase', 'NoDBTestCase'])), '']
    lines += indent(tt_setup(g, ctx, None)) + ['']
    while len(lines) < target_lines - 15:
        if planner.roll() and g.chance(0.5):
            # Defects in tests are rarer, and only FIXMEs or swallowed errors.
            if g.chance(0.5):
                tpl = _weighted(g, [t for t, _ in TEST_TEMPLATES], [w for _, w in TEST_TEMPLATES])
                body = _insert_fixme(g, tpl(g, ctx, None))
            else:
                body = tt_cleanup_helper(g, ctx, 'except-pass')
        else:
            tpl = _weighted(g, [t for t, _ in TEST_TEMPLATES], [w for _, w in TEST_TEMPLATES])
            body = tpl(g, ctx, None)
        lines += indent(body) + ['']
    ctx.func_names = saved
    while lines and lines[-1] == '':
        lines.pop()
    return lines


STDLIB = {'import contextlib', 'import random', 'import re', 'import socket', 'import time',
          'import threading', 'import copy', 'import functools', 'import collections',
          'import itertools', 'import os', 'from unittest import mock'}


def _import_key(line):
    mod = line.split()[1]
    return mod.lower(), line


def assemble_imports(ctx):
    std, third, local = [], [], []
    for line in ctx.imports:
        if line in STDLIB:
            std.append(line)
        elif line.split()[1].startswith('nova'):
            local.append(line)
        else:
            third.append(line)
    out = []
    for group in (std, third, local):
        if group:
            out += sorted(group, key=_import_key) + ['']
    return out


def gen_module(g, ctx, planner, target_lines):
    """Body of a module (everything after the imports)."""
    parts = []
    kind = ctx.kind
    count = 0
    if kind == 'test':
        while count < target_lines - 15:
            cls = gen_test_class(g, ctx, planner, min(target_lines - count,
                                                      g.randint(80, 700)))
            parts.append(cls)
            count += len(cls) + 2
        return parts
    if kind == 'conf':
        group = g.pick(list(CONF_GROUPS))
        parts.append(render('''
            ${g}_group = cfg.OptGroup(
                '$g',
                title='$G Options',
                help="""
            Options under this group configure $what. See
            https://docs.openstack.org/nova/latest/configuration/config.html
            """)
            ''', g=group.lower(), G=group.capitalize(), what=g.phrase()))
        ctx.need('from oslo_config import cfg')
        names = []
        while count < target_lines - 20:
            block = f_conf_opts(g, ctx, None)
            names.append(block[0].split(' =')[0])
            parts.append(block)
            count += len(block) + 2
        parts.append(render('''
            def register_opts(conf):
                conf.register_group(${g}_group)
                conf.register_opts($all, group=${g}_group)


            def list_opts():
                return {${g}_group: $all}
            ''', g=group.lower(), all=' + '.join(names)))
        return parts
    # constants and small module-level helpers first
    if g.chance(0.7):
        defect = 'cleartext-http' if planner.roll() and g.chance(0.3) else None
        parts.append(f_constants(g, ctx, defect))
    if kind == 'report' or (kind in ('scheduler', 'conductor', 'compute') and g.chance(0.4)):
        parts.append(f_validate_allocations(g, ctx, None))
    if kind == 'util' and g.chance(0.6):
        for _ in range(g.randint(2, 6)):
            parts.append(f_exception_class(g, ctx, None))
    while count < target_lines - 15:
        remaining = target_lines - count
        if kind in ('privsep',) or (remaining < 60 and g.chance(0.7)) or g.chance(0.15):
            if kind == 'privsep':
                block = t_privsep(g, ctx, None)
            else:
                if planner.roll():
                    capable = [(t, d) for t, _w, d in FUNCTION_TEMPLATES if d]
                    if g.chance(0.8):
                        tpl, kinds = g.pick(capable)
                        block = tpl(g, ctx, g.pick(kinds))
                    else:
                        block = _insert_fixme(g, f_utility(g, ctx, None))
                else:
                    tpl = _weighted(g, [t for t, _w, _d in FUNCTION_TEMPLATES],
                                    [w for _t, w, _d in FUNCTION_TEMPLATES])
                    block = tpl(g, ctx, None)
            if kind == 'db':
                block = t_db_api(g, ctx, None)
        else:
            block = gen_class(g, ctx, planner, min(remaining, g.randint(60, 900)))
        parts.append(block)
        count += len(block) + 2
    return parts


def build_file(g, ctx, planner, target_lines):
    if ctx.kind != 'conf':
        ctx.need('from oslo_log import log as logging', 'import nova.conf',
                 'from nova import exception')
    for imp in KIND_IMPORTS.get(ctx.kind, []):
        ctx.need(imp)
    if ctx.kind == 'test':
        ctx.need('from unittest import mock', 'import fixtures', 'from nova import test',
                 'from nova import context', 'from nova.tests.unit import fake_instance',
                 'from oslo_utils.fixture import uuidsentinel as uuids',
                 'from nova import objects', 'from nova.compute import vm_states',
                 'from nova.compute import utils as compute_utils', 'from nova import utils',
                 'from nova import rpc',
                 'from nova.%s import %s as %s' % (ctx.under_pkg, ctx.under_name, ctx.under_alias))
    header = LICENSE.format(year=g.randint(2010, 2024), holder=g.pick(HOLDERS)).split('\n')
    header = [h for h in header]
    # ~35 lines go to the header, imports and CONF/LOG; never leave a module
    # without a body.
    body_parts = gen_module(g, ctx, planner, max(target_lines - 35, 35))
    imports = assemble_imports(ctx)
    out = header
    if g.chance(0.6):
        out += ['"""%s."""' % g.pick([
            'Handles all processes relating to %ss' % g.noun().replace('_', ' '),
            'Utility methods for %s' % g.phrase(),
            'Client side of the %s RPC API' % g.pick(['compute', 'scheduler', 'conductor']),
            'Support for %s on libvirt guests' % g.noun().replace('_', ' '),
            'Tests for %s' % ctx.module,
            'Helpers shared by the %s code paths' % g.noun().replace('_', ' '),
        ]), '']
    out += imports
    if ctx.kind == 'conf':
        while out and out[-1] == '':
            out.pop()
    if ctx.kind == 'conf':
        out += ['']
    else:
        out += ['', 'CONF = nova.conf.CONF', 'LOG = logging.getLogger(__name__)']
    if ctx.kind == 'compute' and g.chance(0.5):
        out += ['', "COMPUTE_RESOURCE_SEMAPHORE = 'compute_resources'"]
    for part in body_parts:
        out += ['', ''] + part
    out.append('')
    return out


def finalize(lines):
    """Strip defect markers; return (text, [(lineno, kind), ...])."""
    defects = []
    clean = []
    for i, line in enumerate(lines, 1):
        m = _DEFECT_MARK.search(line)
        if m:
            defects.append((i, m.group(1)))
            line = line[:m.start()]
        clean.append(line.rstrip())
    return '\n'.join(clean) + '\n', defects


def plan_sizes(g, n, total):
    """File sizes: log-normal between 50 and 1500 lines, ~1% near 2500.

    Planned sizes stay a little inside the bounds because a module ends with
    a whole class or function, so it overshoots its plan by a few lines.
    """
    sizes = []          # (planned lines, is_big)
    for _ in range(n):
        if g.chance(0.012):
            sizes.append((g.randint(2300, 2500), True))
        else:
            sizes.append((g.r.lognormvariate(math.log(260), 0.75), False))
    big = sum(size for size, is_big in sizes if is_big)
    rest = sum(size for size, is_big in sizes if not is_big)
    scale = max(0.1, (total - big) / rest) if rest else 1.0
    return [size if is_big else int(min(1420, max(80, size * scale)))
            for size, is_big in sizes]


def plan_paths(g, n):
    weights = [w for *_x, w in LAYOUT]
    counters = {}
    plan = []
    for _ in range(n):
        d, kind, bases, _w = g.r.choices(LAYOUT, weights)[0]
        base = g.pick(bases)
        key = (d, base)
        counters[key] = counters.get(key, 0) + 1
        plan.append((d, kind, '%s_%03d.py' % (base, counters[key])))
    return plan


TEST_TARGETS = {
    'nova/tests/unit/compute': ('compute', ['manager', 'api', 'resource_tracker']),
    'nova/tests/unit/scheduler': ('scheduler', ['manager', 'host_manager', 'utils']),
    'nova/tests/unit/virt/libvirt': ('virt.libvirt', ['driver', 'config', 'guest', 'host']),
    'nova/tests/unit/api/openstack/compute': ('api.openstack.compute', ['servers', 'flavors']),
    'nova/tests/unit/objects': ('objects', ['instance', 'migration']),
    'nova/tests/unit/network': ('network', ['neutron']),
    'nova/tests/unit/conductor': ('conductor', ['manager']),
}


def generate(outdir, files=650, seed=1, total_lines=230000, verbose=True):
    start = time.perf_counter()
    rng = random.Random(seed)
    g = Gen(rng)
    planner = DefectPlanner(g)
    plan = plan_paths(g, files)
    sizes = plan_sizes(g, files, total_lines)
    manifest = {'seed': seed, 'files': files, 'target_lines': total_lines, 'defects': []}
    dirs = set()
    stats = {'files': 0, 'lines': 0, 'bytes': 0, 'init_files': 0}
    for (d, kind, fname), size in zip(plan, sizes):
        module = '%s/%s' % (d, fname)
        ctx = Ctx(kind, module)
        if kind == 'test':
            pkg, names = TEST_TARGETS[d]
            ctx.under_pkg = pkg
            ctx.under_name = g.pick(names)
            ctx.under_alias = ctx.under_name if ctx.under_name not in ('api', 'utils') \
                else '%s_%s' % (pkg.split('.')[-1], ctx.under_name)
            ctx.under_module = '%s.%s' % (pkg, ctx.under_name)
        lines = build_file(g, ctx, planner, size)
        text, defects = finalize(lines)
        try:
            ast.parse(text, filename=module)
        except SyntaxError as e:
            bad = os.path.join(outdir, module + '.broken')
            os.makedirs(os.path.dirname(bad), exist_ok=True)
            with open(bad, 'w') as f:
                f.write(text)
            raise SystemExit('corpus.py: generated invalid Python in %s (saved as %s): %s'
                             % (module, bad, e))
        path = os.path.join(outdir, module)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
        stats['files'] += 1
        stats['lines'] += text.count('\n')
        stats['bytes'] += len(text.encode('utf-8'))
        for lineno, kind_ in defects:
            manifest['defects'].append({'path': module, 'line': lineno, 'kind': kind_})
        parts = d.split('/')
        for i in range(1, len(parts) + 1):
            dirs.add('/'.join(parts[:i]))
    for d in sorted(dirs):
        init = os.path.join(outdir, d, '__init__.py')
        if not os.path.exists(init):
            text = LICENSE.format(year=2012, holder=HOLDERS[0])
            if d == 'nova':
                text += '\n"""Synthetic Nova-style package generated by nova-lsp benchmarks."""\n'
            ast.parse(text)
            with open(init, 'w', encoding='utf-8') as f:
                f.write(text)
            stats['init_files'] += 1
            stats['lines'] += text.count('\n')
            stats['bytes'] += len(text.encode('utf-8'))
    by_kind = {}
    for item in manifest['defects']:
        by_kind[item['kind']] = by_kind.get(item['kind'], 0) + 1
    stats['defects'] = len(manifest['defects'])
    stats['defects_by_kind'] = dict(sorted(by_kind.items()))
    stats['seconds'] = round(time.perf_counter() - start, 2)
    stats['total_files'] = stats['files'] + stats['init_files']
    manifest['stats'] = {k: v for k, v in stats.items() if k != 'seconds'}
    with open(os.path.join(outdir, '.corpus-manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    return stats


def corpus_stats(outdir):
    """Count .py files and lines under outdir (used by bench_cli.py)."""
    files = lines = 0
    for root, _dirs, names in os.walk(outdir):
        for name in names:
            if name.endswith('.py'):
                files += 1
                with open(os.path.join(root, name), 'rb') as f:
                    lines += f.read().count(b'\n')
    return files, lines


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('outdir')
    p.add_argument('--files', type=int, default=650,
                   help='number of modules, not counting __init__.py (default 650)')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--lines', type=int, default=None,
                   help='target total lines (default 354 per module, i.e. ~230k for 650)')
    args = p.parse_args(argv)
    if args.files < 1:
        p.error('--files must be positive')
    total = args.lines if args.lines is not None else args.files * 354
    if os.path.exists(args.outdir) and os.listdir(args.outdir):
        p.error('%s exists and is not empty' % args.outdir)
    stats = generate(args.outdir, files=args.files, seed=args.seed, total_lines=total)
    print(json.dumps(stats, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
