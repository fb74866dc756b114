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


def ends(stmts, reraise=None) -> str | None:
    """How a statement list always ends: ``"exit"`` (raise/return/break or a process exit),
    ``"continue"``, or None when control can fall off its end.  ``reraise(with_node)`` says
    whether a ``with`` block always re-raises (default: ``reraises``)."""
    for stmt in stmts:
        outcome = stmt_ends(stmt, reraise)
        if outcome is not None:
            return outcome
    return None



def stmt_ends(stmt, reraise=None) -> str | None:
    if isinstance(stmt, EXITS):
        return "exit"
    if isinstance(stmt, nodes.Continue):
        return "continue"
    if isinstance(stmt, nodes.If):
        return combine([ends(stmt.body, reraise), ends(stmt.orelse, reraise)])
    if isinstance(stmt, (nodes.With, nodes.AsyncWith)):
        if (reraise or reraises)(stmt):
            return "exit"
        return ends(stmt.body, reraise)
    if isinstance(stmt, TRIES):
        final = ends(stmt.finalbody, reraise)
        if final:
            return final
        body = ends(stmt.body, reraise) or ends(stmt.orelse, reraise)
        return combine([body] + [ends(h.body, reraise) for h in stmt.handlers])
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



def save_and_reraise(with_node):
    """For ``with excutils.save_and_reraise_exception(...) [as ctx]:``, how it ends:
    ``"always"`` (it re-raises on every path), ``"never"`` (told not to, unconditionally),
    or the list of ``if`` tests under which the re-raise is switched off or on
    (``("off", test)`` / ``("on", test)``); None when the block is not one.

    The context manager re-raises unless ``reraise`` is False when the block ends: the
    constructor's ``reraise=False`` starts it off, and ``ctx.reraise = <bool>`` statements
    in the block switch it; one at the block's own level applies on every path."""
    for item, alias in with_node.items:
        if not (isinstance(item, nodes.Call) and (dotted(item.func) or "").endswith("save_and_reraise_exception")):
            continue
        state = True
        for kw in item.keywords or ():
            if kw.arg == "reraise":
                if isinstance(kw.value, nodes.Const) and isinstance(kw.value.value, bool):
                    state = kw.value.value
                else:
                    return []  # decided at run time: may or may not re-raise
        switches = []
        for assign in with_node.nodes_of_class(nodes.AssignAttr):
            if assign.attrname != "reraise" or not isinstance(assign.parent, nodes.Assign):
                continue
            value = assign.parent.value
            on = value.value if isinstance(value, nodes.Const) and isinstance(value.value, bool) else None
            stmt = assign.parent
            if stmt.parent is with_node:  # at the block's own level: every path
                if on is None:
                    return []
                state = on
                switches = []
                continue
            test = None
            node = stmt.parent
            while node is not None and node is not with_node:
                if isinstance(node, nodes.If):
                    test = node.test
                    break
                node = node.parent
            switches.append(("on" if on else "off", test))
        if not switches:
            return "always" if state else "never"
        return [("start", state)] + switches
    return None


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
