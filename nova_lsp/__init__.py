"""nova-lsp: security hints for OpenStack-style Python, in the editor and in CI."""

__version__ = "0.1.0"
