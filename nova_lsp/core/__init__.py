"""The core: the finding model, documents and their columns, and text escaping.

The lowest floor of the package: nothing here imports any other module of nova_lsp, and
everything else may import it.
"""
