"""Configuration options (an example for nova-lsp)."""

from oslo_config import cfg

vendor_opts = [
    # NOVA012: the password is written to the log by log_opt_values() at start-up
    cfg.StrOpt('admin_password',
               help='Password of the vendor API account.'),
    # NOVA013: a mutable secret is logged, old and new value, when the service reloads
    cfg.StrOpt('metadata_proxy_shared_secret',
               secret=True,
               mutable=True,
               help='Shared secret to sign metadata requests.'),
    cfg.StrOpt('admin_user',
               help='Name of the vendor API account.'),
    cfg.StrOpt('password_policy',
               help='Name of the password policy applied to new accounts.'),
]


def register_opts(conf):
    conf.register_opts(vendor_opts, group='vendor')
