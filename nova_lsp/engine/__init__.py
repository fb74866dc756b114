"""The rule engine: text in, findings out.  Knows nothing of LSP, terminals or files.

``from nova_lsp.engine import analyze`` is the public entry point (imported lazily so that
``nova_lsp.config`` can use the model without an import cycle).
"""


def __getattr__(name):
    if name == "analyze":
        from nova_lsp.engine.analyze import analyze

        return analyze
    raise AttributeError(name)
