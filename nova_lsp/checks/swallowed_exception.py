"""Broad exception handlers whose body does nothing with the error (CWE-396 / CWE-390).

Flags ``except:``, ``except Exception:`` and ``except BaseException:`` (alone or in a tuple)
whose body is only ``pass``, ``...`` or a string: the failure disappears without a trace.
Handlers that log, re-raise, return, assign, call anything, or ``continue`` a loop (skipping
one item is a decision, and retry loops are the retry rule's business) are left alone, as
are narrow exception types.
"""

from __future__ import annotations

from astroid import nodes

from nova_lsp.checks.tree import dotted, import_map

def _is_broad(handler: nodes.ExceptHandler, broad: set[str], imports: dict[str, str]) -> str | None:
    if handler.type is None:
        return "bare except"
    types = handler.type.elts if isinstance(handler.type, nodes.Tuple) else [handler.type]
    for node in types:
        name = dotted(node)
        if name is None:
            continue
        full = imports.get(name, name)
        if name in broad or full in broad:
            return name
    return None


def _does_nothing(body) -> bool:
    for stmt in body:
        if isinstance(stmt, nodes.Pass):
            continue
        if isinstance(stmt, nodes.Expr) and isinstance(stmt.value, nodes.Const):
            continue  # `...` or a string
        return False
    return True


def check(ctx):
    broad = set(ctx.options["broad-exceptions"])
    imports = import_map(ctx)
    for handler in ctx.index.of(nodes.ExceptHandler):
        ctx.tick()
        caught = _is_broad(handler, broad, imports)
        if caught is None or not _does_nothing(handler.body):
            continue
        doc = ctx.document
        start = doc.node_span(handler)
        # report the `except ...:` clause only, not the whole handler body
        header_end = doc.node_span(handler.type) if handler.type is not None else None
        if header_end is not None:
            span = type(start)(start.start_line, start.start_col, header_end.end_line, header_end.end_col)
        else:
            span = type(start)(start.start_line, start.start_col, start.start_line, start.start_col + len("except"))
        yield ctx.finding(span, caught=caught)
