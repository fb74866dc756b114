"""Control flow inside a function body, as the retry rule and its fix read it: how a statement
list always ends (leaves the loop, goes round again, or falls through), and walking statements
without entering nested scopes.
"""

from __future__ import annotations

from astroid import nodes

from nova_lsp.checks.tree import dotted

SCOPES = (nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.Lambda, nodes.ClassDef, nodes.Module)
LOOPS = (nodes.For, nodes.AsyncFor, nodes.While)
TRIES = tuple(t for t in (getattr(nodes, "Try", None), getattr(nodes, "TryStar", None)) if t is not None)
EXITS = (nodes.Return, nodes.Raise, nodes.Break)
PROCESS_EXITS = {"sys.exit", "os._exit", "exit", "os.abort"}


def ends(stmts) -> str | None:
    """How a statement list always ends: ``"exit"`` (raise/return/break or a process exit),
    ``"continue"``, or None when control can fall off its end."""
    for stmt in stmts:
        outcome = stmt_ends(stmt)
        if outcome is not None:
            return outcome
    return None



def stmt_ends(stmt) -> str | None:
    if isinstance(stmt, EXITS):
        return "exit"
    if isinstance(stmt, nodes.Continue):
        return "continue"
    if isinstance(stmt, nodes.If):
        return combine([ends(stmt.body), ends(stmt.orelse)])
    if isinstance(stmt, (nodes.With, nodes.AsyncWith)):
        if reraises(stmt):
            return "exit"
        return ends(stmt.body)
    if isinstance(stmt, TRIES):
        final = ends(stmt.finalbody)
        if final:
            return final
        body = ends(stmt.body) or ends(stmt.orelse)
        return combine([body] + [ends(h.body) for h in stmt.handlers])
    if isinstance(stmt, nodes.Expr) and isinstance(stmt.value, nodes.Call):
        if dotted(stmt.value.func) in PROCESS_EXITS:
            return "exit"
    return None



def combine(outcomes) -> str | None:
    """Branches that all leave: "exit" if every one exits, else "continue"."""
    if None in outcomes:
        return None
    return "exit" if all(o == "exit" for o in outcomes) else "continue"



def reraises(with_node) -> bool:
    """``with excutils.save_and_reraise_exception():`` re-raises unless told not to."""
    for item, _ in with_node.items:
        if isinstance(item, nodes.Call) and (dotted(item.func) or "").endswith("save_and_reraise_exception"):
            for assign in with_node.nodes_of_class(nodes.AssignAttr):
                if assign.attrname == "reraise":
                    return False
            return True
    return False



def walk(stmts, skip_loops: bool):
    """Nodes under ``stmts`` without entering nested functions/classes (nor nested loops
    when ``skip_loops``: their ``break`` is their own)."""
    stack = list(stmts)
    while stack:
        node = stack.pop()
        yield node
        for child in node.get_children():
            if isinstance(child, SCOPES):
                continue
            if skip_loops and isinstance(child, LOOPS):
                continue
            stack.append(child)
