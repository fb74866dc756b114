"""The rule engine: text in, findings out.  Knows nothing of LSP, terminals, files or the
configuration format: it runs a ``Selection`` (``nova_lsp.engine.selection``) over a
``Document`` (``nova_lsp.engine.analyze.analyze``).
"""
