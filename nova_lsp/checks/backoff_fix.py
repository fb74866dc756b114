"""Fix "Wrap in backoff" for ``retry-without-backoff`` (NOVA003).

Hand-written retry loops get capped exponential backoff with full jitter at the end of each
handler that comes back for another attempt::

    time.sleep(random.uniform(0, min(cap, base * 2 ** attempt)))

(``await asyncio.sleep(...)`` in a coroutine).  ``attempt`` is the loop's own counter when it
has one (``for attempt in range(n)``, ``itertools.count()``, a ``retries += 1`` counter);
otherwise the fix adds ``attempt = 0`` before the loop and counts in the handler.  A loop with
no attempt bound gets one, inside the handler so that a bare ``raise`` re-raises the last
error once the attempts are used up::

    attempt += 1
    if attempt >= max_attempts:
        raise
    time.sleep(...)

When a handler ``continue``s part-way through, the wait goes first in the handler instead, so
that every path back to the loop head waits.  When the counter can grow large (``range(n)``
with an unknown or large ``n``) the exponent is capped so ``2 ** attempt`` cannot overflow.

Decorators: ``retrying.retry(...)`` gets ``wait_exponential_multiplier=<base ms>,
wait_exponential_max=<cap ms>``; ``tenacity.retry(...)`` / ``Retrying(...)`` gets
``wait=<wait_random_exponential>(multiplier=base, max=cap)`` named however tenacity is
imported.  A bare ``@retrying.retry`` / ``@tenacity.retry`` becomes a call.  New keyword
arguments follow the call's layout: on the same line for a one-line call (wrapped under the
opening parenthesis when the line would pass 79 columns), one per line under the last argument
for a multi-line call, keeping a trailing comma if the call has one.

Options (rule ``retry-without-backoff``): ``base`` (seconds, default 0.5), ``cap`` (seconds,
default 30), ``max-attempts`` (default 5).
"""

from __future__ import annotations

import math

from astroid import nodes

from nova_lsp.checks import control, layout
from nova_lsp.checks.imports import ImportPlan
from nova_lsp.checks.tree import import_map, qualified
from nova_lsp.core.model import Applicability, Edit, Fix, Span

TITLE = "Wrap in backoff"


def _number(value) -> str:
    """A rule option as a literal: ``0.5``, ``30.0``, ``2``."""
    return repr(value)


def _params(options) -> tuple[float, float, int] | None:
    """(base, cap, max attempts) from the rule options (their defaults are in the rule file);
    None when they cannot make a wait (zero)."""
    base, cap, attempts = options["base"], options["cap"], options["max-attempts"]
    if base <= 0 or cap <= 0 or attempts < 1:
        return None
    return base, cap, attempts


def loop_builder(ctx, loop, handlers):
    """The fix builder of a retry loop: ``handlers`` are the except clauses the check found
    to come back for another attempt.  Two variants: a capped, jittered wait (safe: only the
    timing changes, so a service loop that must never stop keeps going), and, for a loop with
    no attempt bound, the same wait plus a bound that re-raises (unsafe: it raises where
    nothing raised).  None in test code, where loops that retry are there on purpose."""

    def build():
        if layout.in_test_code(ctx.document.path):
            return ()
        ordered = sorted(handlers, key=lambda h: (h.lineno or 0, h.col_offset or 0))
        made = (_fix_loop(ctx, loop, ordered, bound=False), _fix_loop(ctx, loop, ordered, bound=True))
        return tuple(fix for fix in made if fix is not None)

    return build


def decorator_builder(ctx, node, lib: str):
    """The fix builder of a ``retrying`` / ``tenacity`` decorator or call (``lib`` says which)."""

    def build():
        fix = _fix_decorator(ctx, node, lib)
        return () if fix is None else (fix,)

    return build


# -- loops ------------------------------------------------------------------------------------


def _always_exits(stmts) -> bool:
    """Always raises/returns/breaks: the handler does not come back for another attempt."""
    return control.ends(stmts) == "exit"


def _names_in(node) -> set[str]:
    if node is None:
        return set()
    names = {n.name for n in node.nodes_of_class(nodes.Name)}
    return names


def _counter_kind(loop, imports) -> tuple[str | None, str]:
    """(counter name, kind): kind is "range-small", "range", "count" or "while"."""
    if isinstance(loop, (nodes.For, nodes.AsyncFor)):
        if not isinstance(loop.target, nodes.AssignName):
            return None, "range"
        it = loop.iter
        name = qualified(it.func, imports) if isinstance(it, nodes.Call) else None
        last = (name or "").rsplit(".", 1)[-1]
        if last == "count":
            return loop.target.name, "count"
        if last in ("range", "xrange"):
            stop = it.args[1] if len(it.args) >= 2 else (it.args[0] if it.args else None)
            if isinstance(stop, nodes.Const) and isinstance(stop.value, int) and not isinstance(stop.value, bool):
                if stop.value <= 64:
                    return loop.target.name, "range-small"
            return loop.target.name, "range"
        return loop.target.name, "range"
    return None, "while"


def _existing_counter(loop) -> tuple[str | None, bool]:
    """A ``name += 1`` counter in a ``while`` loop, and whether it bounds the loop."""
    counters = []
    for node in control.walk(loop.body, skip_loops=True):
        if isinstance(node, nodes.AugAssign) and node.op == "+=" and isinstance(node.target, nodes.AssignName):
            if isinstance(node.value, nodes.Const) and node.value.value == 1:
                counters.append(node.target.name)
    if not counters:
        return None, False
    test_names = _names_in(loop.test) if isinstance(loop, nodes.While) else set()
    for name in counters:
        if name in test_names:
            return name, True
    for node in control.walk(loop.body, skip_loops=True):
        if isinstance(node, nodes.If) and _always_exits(node.body) and _name_in(node.test, counters):
            return _name_in(node.test, counters), True
    return counters[0], False


def _name_in(test, names) -> str | None:
    found = _names_in(test)
    for name in names:
        if name in found:
            return name
    return None


def _is_coroutine(loop) -> bool:
    scope = loop.scope()
    return isinstance(scope, nodes.AsyncFunctionDef)


def _fix_loop(ctx, loop, handlers, bound: bool) -> Fix | None:
    doc = ctx.document
    params = _params(ctx.options)
    if not handlers or params is None or not layout.starts_line(doc, loop):
        return None
    base, cap, max_attempts = params
    imports = import_map(ctx)
    plan = ImportPlan(ctx)
    scope = loop.scope()
    taken = layout.names_in_scope(scope)

    counter, kind = _counter_kind(loop, imports)
    add_counter = False
    bounded = kind in ("range", "range-small")
    if kind == "while":
        counter, bounded = _existing_counter(loop)
        if counter is None:
            counter = layout.fresh_name("attempt", taken)
            add_counter = True
            bounded = False
    unbounded = kind == "count" or (kind == "while" and not bounded)
    if bound and not unbounded:
        return None  # the loop has its bound: the one fix is the wait
    exponent = counter
    if kind == "range" or (kind == "while" and not add_counter and bounded) or (unbounded and not bound):
        # the counter can be large: cap the exponent where the delay reaches the cap anyway
        limit = max(1, math.ceil(math.log2(max(cap / base, 1.0))) + 1)
        exponent = f"min({counter}, {limit})"
    at = handlers[0]
    if _is_coroutine(loop):
        sleep = "await " + plan.ref("asyncio", "sleep", at)
    else:
        sleep = plan.ref("time", "sleep", at)
    uniform = plan.ref("random", "uniform", at)
    delay = f"min({_number(cap)}, {_number(base)} * 2 ** {exponent})"

    edits: list[Edit] = []
    loop_line = doc.node_span(loop).start_line
    loop_indent = layout.indent_of(doc, loop_line)
    if add_counter:
        edits.append(layout.insert_lines_before(doc, loop_line, [f"{loop_indent}{counter} = 0"]))
    for handler in handlers:
        body_indent = layout.body_indent(doc, handler.body)
        if body_indent is None:
            return None
        handler_indent = layout.indent_of(doc, doc.node_span(handler).start_line)
        unit = layout.indent_unit(handler_indent, body_indent)
        lines = []
        if add_counter:
            lines.append(f"{counter} += 1")
        if bound and (add_counter or kind == "while"):
            lines += [f"if {counter} >= {max_attempts}:", f"{unit}raise"]
        elif bound and kind == "count":
            lines += [f"if {counter} >= {max_attempts - 1}:", f"{unit}raise"]
        wait = f"{sleep}({uniform}(0, {delay}))"
        if layout.width(body_indent + wait) > ctx.line_length:
            # too long for the project's lines: the delay on a line of its own
            name = layout.fresh_name("delay", taken)
            lines += [f"{name} = {delay}", f"{sleep}({uniform}(0, {name}))"]
        else:
            lines.append(wait)
        block = [body_indent + line for line in lines]
        if not layout.fits(doc, block, ctx.line_length):
            return None
        edits.append(_handler_insert(doc, handler, block))
    edits.extend(plan.edits())
    if bound:
        title = f"{TITLE}, giving up after {max_attempts} attempts"
        return Fix(title, layout.merged(edits), applicability=Applicability.UNSAFE)
    return Fix(TITLE, layout.merged(edits), preferred=True)


def _handler_insert(doc, handler, block: list[str]) -> Edit:
    body = handler.body
    last = body[-1]
    if len(body) == 1 and _placeholder(last) and layout.starts_line(doc, last):
        # ``except X: pass``: the wait takes the place of the ``pass``
        span = doc.node_span(last)
        nl = doc.newline
        text = nl.join(block)[len(layout.indent_of(doc, span.start_line)) :]
        return Edit(span, text)
    mid_continue = any(
        isinstance(n, nodes.Continue) and n is not last for n in control.walk(body, skip_loops=True)
    )
    if mid_continue:
        first_line = doc.node_span(body[0]).start_line
        return layout.insert_lines_before(doc, first_line, block)
    if isinstance(last, nodes.Continue):
        return layout.insert_lines_before(doc, doc.node_span(last).start_line, block)
    return layout.insert_lines_after(doc, doc.node_span(last).end_line, block)


def _placeholder(stmt) -> bool:
    """``pass`` or ``...``: a statement that only holds the place of a body."""
    if isinstance(stmt, nodes.Pass):
        return True
    return isinstance(stmt, nodes.Expr) and isinstance(stmt.value, nodes.Const) and stmt.value.value is Ellipsis


# -- retrying / tenacity ----------------------------------------------------------------------

def _fix_decorator(ctx, node, lib: str) -> Fix | None:
    params = _params(ctx.options)
    if params is None:
        return None
    base, cap, _ = params
    plan = ImportPlan(ctx)
    if lib == "retrying":
        new_args = [
            f"wait_exponential_multiplier={_millis(base)}",
            f"wait_exponential_max={_millis(cap)}",
        ]
    elif lib == "tenacity":
        wait = plan.ref("tenacity", "wait_random_exponential", node)
        new_args = [f"wait={wait}(multiplier={_number(base)}, max={_number(cap)})"]
    else:
        return None
    doc = ctx.document
    if isinstance(node, nodes.Call):
        if any(kw.arg is None for kw in node.keywords or ()):
            return None
        edits = _add_keywords(doc, node, new_args, ctx.line_length)
        if edits is not None and not _edited_lines_fit(doc, edits, ctx.line_length):
            edits = None
        if edits is None:
            # the call written again with every argument wrapped to the line length
            wrapped = layout.wrapped_call(doc, node, None, "", ctx.line_length, extra=new_args)
            edits = None if wrapped is None else [Edit(*wrapped)]
    else:
        end = doc.node_span(node)
        edits = [Edit(Span(end.end_line, end.end_col, end.end_line, end.end_col), "(" + ", ".join(new_args) + ")")]
        if not _edited_lines_fit(doc, edits, ctx.line_length):
            edits = None
    if edits is None:
        return None
    return Fix(TITLE, layout.merged(list(edits) + list(plan.edits())), preferred=True)


def _edited_lines_fit(doc, edits, limit: int) -> bool:
    """Whether the lines the edits touch keep to ``limit`` once they are applied."""
    from_line = min(e.span.start_line for e in edits)
    to_line = max(e.span.end_line for e in edits)
    begin = doc.offset(from_line, 0)
    end = doc.offset(to_line, len(doc.line(to_line)))
    text = doc.text[begin:end]
    for edit in sorted(edits, key=lambda e: (e.span.start_line, e.span.start_col), reverse=True):
        a = doc.offset(edit.span.start_line, edit.span.start_col) - begin
        b = doc.offset(edit.span.end_line, edit.span.end_col) - begin
        text = text[:a] + edit.new_text + text[b:]
    return layout.fits(doc, text.splitlines(), limit, (from_line, to_line))


def _millis(seconds) -> str:
    value = seconds * 1000
    return str(int(value)) if float(value).is_integer() else repr(value)


def _after_skipping(text: str, offset: int) -> int:
    """Offset of the next significant character (skipping blanks, newlines, comments)."""
    while offset < len(text):
        ch = text[offset]
        if ch in " \t\r\n\\":
            offset += 1
        elif ch == "#":
            while offset < len(text) and text[offset] not in "\r\n":
                offset += 1
        else:
            return offset
    return offset


def _add_keywords(doc, call, new_args: list[str], limit: int = 79) -> list[Edit] | None:
    text = doc.text
    nl = doc.newline
    args = list(call.args) + [kw for kw in call.keywords or ()]
    call_span = doc.node_span(call)
    close = doc.offset(call_span.end_line, call_span.end_col) - 1  # the ")"
    if text[close : close + 1] != ")":
        return None
    func_span = doc.node_span(call.func)
    opening = _after_skipping(text, doc.offset(func_span.end_line, func_span.end_col))
    if text[opening : opening + 1] != "(":
        return None
    if not args:
        if text[opening + 1 : close].strip():
            return None  # a comment inside empty parentheses: leave the layout alone
        line, col = _line_col(doc, opening + 1)
        end_line, end_col = _line_col(doc, close)
        return [Edit(Span(line, col, end_line, end_col), ", ".join(new_args))]
    spans = [doc.node_span(a) for a in args]
    last_span = max(spans, key=lambda s: (s.end_line, s.end_col))
    last_end = doc.offset(last_span.end_line, last_span.end_col)
    after = _after_skipping(text, last_end)
    trailing_comma = text[after : after + 1] == ","
    if trailing_comma and _after_skipping(text, after + 1) != close:
        return None
    if not trailing_comma and after != close:
        return None
    open_line, open_col = _line_col(doc, opening)
    close_line, _ = _line_col(doc, close)
    single = last_span.start_line == open_line and close_line == open_line
    if single:
        joined = ", ".join(new_args)
        edit_at, insert = (after + 1, " " + joined + ",") if trailing_comma else (last_end, ", " + joined)
        if len(doc.line(open_line)) + len(insert) <= limit:
            line, col = _line_col(doc, edit_at)
            return [Edit(Span(line, col, line, col), insert)]
        # too long for one line: continue under the opening parenthesis (visual indent)
        prefix = doc.line(open_line)[: open_col + 1]
        indent = "".join(ch if ch == "\t" else " " for ch in prefix)
    else:
        last_text = doc.line(last_span.start_line)
        if last_text[: last_span.start_col].strip():
            indent = layout.indent_of(doc, last_span.start_line)  # shares its line: align left
            if last_span.start_line == open_line:
                indent = "".join(ch if ch == "\t" else " " for ch in doc.line(open_line)[: open_col + 1])
        else:
            indent = last_text[: last_span.start_col]
    lines = [indent + arg for arg in new_args]
    if trailing_comma:
        line, col = _line_col(doc, after)
        # after the comma's line (keeping a comment there), or right after the comma when
        # the closing parenthesis follows on the same line
        body = "".join(nl + l + "," for l in lines)
        if close_line != line:
            end = len(doc.line(line))
            return [Edit(Span(line, end, line, end), body)]
        close_col = _line_col(doc, close)[1]
        if doc.line(line)[close_col + 1 :].strip().startswith("#"):
            # ``x,)  # comment``: the comment stays on its line, ")" moves down
            end = len(doc.line(line))
            return [
                Edit(Span(line, col + 1, line, close_col + 1), ""),
                Edit(Span(line, end, line, end), body + ")"),
            ]
        return [Edit(Span(line, col + 1, line, col + 1), body)]
    arg_line, arg_col = _line_col(doc, last_end)
    rest = doc.line(arg_line)[arg_col:]
    if close_line != arg_line:
        # ``last  # comment`` with ")" below: a comma after the argument, new lines after it
        end = len(doc.line(arg_line))
        body = "," + nl + ("," + nl).join(lines)
        if end == arg_col:
            return [Edit(Span(arg_line, arg_col, arg_line, arg_col), body)]
        return [
            Edit(Span(arg_line, arg_col, arg_line, arg_col), ","),
            Edit(Span(arg_line, end, arg_line, end), nl + ("," + nl).join(lines)),
        ]
    after_close = rest.lstrip()[1:] if rest.lstrip().startswith(")") else ""
    if after_close.strip().startswith("#"):
        # ``last)  # comment``: the comment stays on its line, ")" moves after the new arguments
        close_col = _line_col(doc, close)[1]
        end = len(doc.line(arg_line))
        return [
            Edit(Span(arg_line, arg_col, arg_line, close_col + 1), ","),
            Edit(Span(arg_line, end, arg_line, end), nl + ("," + nl).join(lines) + ")"),
        ]
    return [Edit(Span(arg_line, arg_col, arg_line, arg_col), "," + nl + ("," + nl).join(lines))]


def _line_col(doc, offset: int) -> tuple[int, int]:
    offsets = doc.line_offsets
    lo, hi = 0, len(offsets) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if offsets[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo, offset - offsets[lo]
