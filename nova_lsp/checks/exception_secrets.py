"""Secrets put into exception messages (NOVA002 ``secret-in-exception``, CWE-209).

The sink is ``raise X(...)`` (also ``raise X(...) from e``): the first positional argument
(the message of Nova, oslo and webob exceptions and of most builtins) and every keyword
argument except those in ``non-message-keywords`` (``headers=``, ``code=`` of a webob
``HTTP*`` error are not part of the text).  Nova exceptions interpolate their keyword
arguments into ``msg_fmt``, and webob's ``explanation=`` / ``detail=`` end up in the API
response body, so a secret there reaches the caller — and the logs, since exceptions are
logged.  Sources, sanitizers and flow are those of ``log-sensitive-data`` (``taint.py``);
a keyword named like a secret (``password=pw``) counts as holding one.

Not reported: a volume connection carrier where the transport carries no credentials, and a
value echoed back because it failed a type check (``if not isinstance(headers, list): raise
InvalidParameterValue(... % headers)``): what the caller sent is malformed, and the message
goes back to that caller.  The ``**kwargs`` facts are those of ``log-sensitive-data``.
"""

from __future__ import annotations

from astroid import nodes

from nova_lsp.checks import redaction
from nova_lsp.checks.taint import CONNECTION, describe, knowledge, callers_fact, shared_flow
from nova_lsp.checks.tree import dotted

# Facts for incremental analysis: a call passing a secret into a module function's
# ``**kwargs`` (and an attribute aliasing such a function) taints that bag in its body.
FACT_NODES = (nodes.AssignAttr, nodes.Call)


def fact(ctx, node) -> bool:
    return callers_fact(ctx, node)


def _type_checked(raise_node) -> frozenset:
    """Values whose type the ``if`` around the raise rejects: ``not isinstance(x, T)``,
    ``type(x) is not T``."""
    found = set()
    current = raise_node
    while current is not None and not isinstance(current, (nodes.FunctionDef, nodes.AsyncFunctionDef)):
        parent = current.parent
        if isinstance(parent, nodes.If) and current in parent.body:
            test = parent.test
            tests = test.values if isinstance(test, nodes.BoolOp) else [test]
            for part in tests:
                if isinstance(part, nodes.UnaryOp) and part.op == "not":
                    part = part.operand
                    if isinstance(part, nodes.Call) and dotted(part.func) == "isinstance" and part.args:
                        text = dotted(part.args[0])
                        if text:
                            found.add(text)
                elif isinstance(part, nodes.Compare) and isinstance(part.left, nodes.Call):
                    left = part.left
                    if dotted(left.func) == "type" and left.args and part.ops[0][0] in ("is not", "!="):
                        text = dotted(left.args[0])
                        if text:
                            found.add(text)
        current = parent
    return frozenset(found)


def raised_arguments(raise_node: nodes.Raise, ignored: frozenset) -> list:
    """(argument, keyword name or None) pairs that make up the raised exception's message."""
    exc = raise_node.exc
    if not isinstance(exc, nodes.Call):
        return []
    # the first positional argument is the message (Nova, oslo and webob exceptions; later
    # positionals of webob/urllib errors are headers, comments, file objects...)
    found = [(exc.args[0], None)] if exc.args else []
    for kw in exc.keywords or ():
        if kw.arg is None:
            # Foo(**kwargs) passes format keys through; only a literal dict is looked into
            if isinstance(kw.value, nodes.Dict):
                found.append((kw.value, None))
        elif kw.arg not in ignored:
            found.append((kw.value, kw.arg))
    return found


def check(ctx):
    kb = knowledge(ctx.options)
    ignored = frozenset(ctx.options["non-message-keywords"])
    flow = None
    for raise_node in ctx.index.of(nodes.Raise):
        ctx.tick()
        arguments = raised_arguments(raise_node, ignored)
        if not arguments:
            continue
        if flow is None:
            flow = shared_flow(ctx, kb)
        env = flow.env_at(raise_node.exc)
        seen = set()
        echoed = None
        for arg, keyword in arguments:
            leaks = flow.leaks(arg, env)
            if not leaks and keyword:
                # exception.Foo(password=pw): the keyword is the format key of msg_fmt
                leaks = flow.keyword_leaks(keyword, arg, env)
            for leak in leaks:
                if id(leak.node) in seen:
                    continue
                if leak.taint.kind == CONNECTION and flow.credential_free(raise_node):
                    continue
                if echoed is None:
                    echoed = _type_checked(raise_node)
                if echoed and (dotted(leak.node) in echoed or leak.taint.source in echoed):
                    continue
                seen.add(id(leak.node))
                fields, related = describe(ctx, leak)
                yield ctx.finding(leak.node, related=related, fix=redaction.builder(ctx, leak.node), **fields)
