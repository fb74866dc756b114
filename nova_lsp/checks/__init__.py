"""Checks: one module per analysis, each a pure ``check(ctx)`` generator over the tree.

A check gets a ``CheckContext`` (tree, document, its rule's options) and yields findings made
with ``ctx.finding``.  Checks never read files, configuration or globals.  A module that only
needs the text (not the tree) sets ``NEEDS_TREE = False``.
"""
