"""Policy checks with the default target in API handlers that load the object (NOVA009).

nova's ``RequestContext.can(action, target=None, fatal=True)`` and cinder's
``RequestContext.authorize(action, target=None, target_obj=None, fatal=True)`` fill a missing
target with the caller's own ``project_id`` and ``user_id``.  An owner rule
(``project_id:%(project_id)s``) then compares the caller's project with itself and always
passes.  In a handler that loads a server (or a volume, a backup...) the target should be the
loaded object's.

Flagged: ``<context>.<method>(rule)`` (a receiver whose last name ends in ``context``,
``ctxt`` or ``ctx``; methods ``can`` / ``authorize``) with no second positional argument and
no target keyword, in a function that also calls one of the configured fetches (before or
after the check), in an API module (a path glob, or a module importing the API framework).
Quiet: any target; ``fatal=False`` probes (but ``if not ctx.can(rule, fatal=False): raise``
is an enforcement and is flagged); create handlers; rules listed as not about the loaded
object (role-only rules, create rules, flavor rules in a server handler).

Fixes (both UNSAFE: a check against the real owner can deny what the default target
allowed; never offered in test code):

- the check comes after the fetch in the same block (or a block around it): the target is
  added in place, ``target={'project_id': instance.project_id}`` (nova), or
  ``target_obj=volume`` (methods in ``object-target-methods``: cinder copies the object's
  fields into the target);
- the check comes before the fetch in the same block: the check moves to just after the
  fetch, with the target, as upstream nova did.  Only when nothing between the two can
  leave the function, rebind a name the check reads, or call anything but the configured
  ``pure-calls``.

No edit when the loaded variable is ambiguous (fetches binding different names) or unknown.
"""

from __future__ import annotations

import fnmatch

from astroid import nodes

from nova_lsp.checks import layout
from nova_lsp.checks.config_options import module_constants
from nova_lsp.checks.tree import dotted, enclosing_function, import_map, qualified
from nova_lsp.core.model import Applicability, Edit, Fix, Span

_FUNCS = (nodes.FunctionDef, nodes.AsyncFunctionDef)
_LEAVES = (nodes.Return, nodes.Yield, nodes.YieldFrom, nodes.Await, nodes.FunctionDef,
           nodes.AsyncFunctionDef, nodes.ClassDef, nodes.Lambda, nodes.Global, nodes.Nonlocal)


# -- scope -------------------------------------------------------------------------------------


def _in_scope(ctx, options, imports) -> bool:
    path = (ctx.document.path or "").replace("\\", "/")
    for pattern in options["paths"]:
        if path and (fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, "*/" + pattern)):
            return True
    wanted = tuple(options["api-imports"])
    for target in imports.values():
        for module in wanted:
            if target == module or target.startswith(module + "."):
                return True
    return False


# -- the calls ---------------------------------------------------------------------------------


def _receiver_ok(func: nodes.Attribute, suffixes) -> bool:
    name = dotted(func.expr)
    if name is None:
        return False
    last = name.rsplit(".", 1)[-1]
    return last.endswith(suffixes)


def _matches(name: str | None, patterns) -> bool:
    return bool(name) and any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _is_fetch(call: nodes.Call, patterns, lasts, imports) -> bool:
    func = call.func
    last = func.attrname if isinstance(func, nodes.Attribute) else func.name if isinstance(func, nodes.Name) else None
    if last is None or (lasts is not None and last not in lasts):
        return False
    written = dotted(func)
    if written is None:
        return False
    return _matches(written, patterns) or _matches(qualified(func, imports), patterns)


def _fetch_lasts(patterns):
    """Last names the fetch patterns can match, for a cheap first test (None: any)."""
    lasts = set()
    for pattern in patterns:
        last = pattern.rsplit(".", 1)[-1]
        if any(ch in last for ch in "*?["):
            return None
        lasts.add(last)
    return frozenset(lasts)


def _has_target(call: nodes.Call, keywords) -> bool:
    if len(call.args) >= 2 or any(isinstance(a, nodes.Starred) for a in call.args):
        return True
    return any(kw.arg is None or kw.arg in keywords for kw in call.keywords or ())


def _keyword(call: nodes.Call, name: str):
    for kw in call.keywords or ():
        if kw.arg == name:
            return kw.value
    return None


def _enforcing_probe(call: nodes.Call) -> bool:
    """``if not ctx.can(rule, fatal=False): raise ...``: a probe that enforces."""
    parent = call.parent
    if not (isinstance(parent, nodes.UnaryOp) and parent.op == "not"):
        return False
    branch = parent.parent
    return isinstance(branch, nodes.If) and branch.test is parent and bool(branch.body) and isinstance(branch.body[-1], nodes.Raise)


def _fatal(call: nodes.Call) -> bool:
    """Whether a failed check raises: no ``fatal=``, ``fatal=True``, or a ``fatal=False``
    probe whose caller raises when it fails."""
    fatal = _keyword(call, "fatal")
    if fatal is None:
        return True
    if isinstance(fatal, nodes.Const) and fatal.value is True:
        return True
    return isinstance(fatal, nodes.Const) and fatal.value is False and _enforcing_probe(call)


def _rule_node(call: nodes.Call):
    return call.args[0] if call.args else _keyword(call, "action") or _keyword(call, "rule")


def _rule_texts(ctx, node, imports) -> list[str]:
    """How a rule is written, for matching the quiet patterns: the source text, the text
    with its first name expanded through the imports, and its literal value when this module
    holds it (a string, or a constant of this module, ``%``-formatted with a string)."""
    if node is None:
        return []
    texts = [node.as_string()]
    if isinstance(node, (nodes.Name, nodes.Attribute)):
        full = qualified(node, imports)
        if full:
            texts.append(full)
    elif isinstance(node, nodes.BinOp) and node.op == "%" and isinstance(node.left, (nodes.Name, nodes.Attribute)):
        full = qualified(node.left, imports)
        if full:
            texts.append(f"{full} % {node.right.as_string()}")
    value = _literal(ctx, node)
    if value:
        texts.append(value)
    return texts


def _literal(ctx, node) -> str | None:
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return node.value
    if isinstance(node, nodes.Name):
        return module_constants(ctx).get(node.name)
    if isinstance(node, nodes.BinOp) and node.op == "%":
        left, right = _literal(ctx, node.left), _literal(ctx, node.right)
        if left is not None and right is not None:
            try:
                return left % right
            except (TypeError, ValueError):
                return None
    return None


def _quiet_rule(texts, patterns) -> bool:
    lowered = [p.lower() for p in patterns]
    return any(fnmatch.fnmatchcase(t.lower(), p) for t in texts for p in lowered)


# -- what the handler loads ----------------------------------------------------------------------


def _statement(node):
    while node is not None and not node.is_statement:
        node = node.parent
    return node


def _bound_name(fetch: nodes.Call) -> str | None:
    """``instance = common.get_instance(...)``: the name the fetch binds."""
    parent = fetch.parent
    if isinstance(parent, nodes.Assign) and parent.value is fetch and len(parent.targets) == 1:
        target = parent.targets[0]
        if isinstance(target, nodes.AssignName):
            return target.name
    return None


def _block_of(stmt):
    """The statement list holding ``stmt`` (a body, an else, a handler's body)."""
    parent = stmt.parent
    for field in ("body", "orelse", "handlers", "finalbody"):
        seq = getattr(parent, field, None)
        if isinstance(seq, list) and stmt in seq:
            return seq
    return None


def _loaded_before(check_stmt, fetch_stmts, stop) -> bool:
    """A fetch statement comes earlier in a block that holds the check (or a statement
    around it), so the name it binds is set when the check runs."""
    current = check_stmt
    while current is not None and current is not stop:
        block = _block_of(current) if current.is_statement else None
        if block is not None:
            index = block.index(current)
            if any(s in fetch_stmts for s in block[:index]):
                return True
        current = current.parent
    return False


# -- the check ---------------------------------------------------------------------------------


def check(ctx):
    options = ctx.options
    imports = import_map(ctx)
    if not _in_scope(ctx, options, imports):
        return
    methods = frozenset(options["methods"])
    suffixes = tuple(options["receivers"])
    fetch_patterns = tuple(options["fetch-calls"])
    lasts = _fetch_lasts(fetch_patterns)
    checks: dict = {}
    fetches: dict = {}
    for call in ctx.index.of(nodes.Call):
        ctx.tick()
        func = call.func
        if isinstance(func, nodes.Attribute) and func.attrname in methods and _receiver_ok(func, suffixes):
            function = enclosing_function(call)
            if isinstance(function, _FUNCS):
                checks.setdefault(function, []).append(call)
        elif _is_fetch(call, fetch_patterns, lasts, imports):
            function = enclosing_function(call)
            if isinstance(function, _FUNCS):
                fetches.setdefault(function, []).append(call)
    target_keywords = frozenset(options["target-keywords"])
    for function, calls in checks.items():
        loads = fetches.get(function)
        if not loads:
            continue
        if _matches(function.name, options["quiet-handlers"]):
            continue
        for call in calls:
            if _has_target(call, target_keywords):
                continue
            if not _fatal(call):
                continue  # a ``fatal=False`` probe (or a ``fatal`` decided elsewhere)
            rule = _rule_node(call)
            if _quiet_rule(_rule_texts(ctx, rule, imports), options["quiet-rules"]):
                continue
            yield _finding(ctx, call, function, loads, rule)


def _finding(ctx, call, function, loads, rule):
    options = ctx.options
    names = {n for n in (_bound_name(f) for f in loads) if n}
    var = next(iter(names)) if len(names) == 1 else None
    obj = call.func.attrname in options["object-target-methods"]
    if var is None:
        advice = "the loaded object's project as the target"
    else:
        advice = f"`{_target_text(ctx, rule, var, obj)}`"
    fetch = dotted(loads[0].func) or loads[0].func.as_string()
    return ctx.finding(
        call,
        fix=_builder(ctx, call, function, loads, rule, var, obj),
        rule=_short(rule.as_string() if rule is not None else "?"),
        fetch=fetch,
        advice=advice,
    )


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _target_text(ctx, rule, var: str, obj: bool) -> str:
    if obj:
        return f"target_obj={var}"
    texts = _rule_texts(ctx, rule, import_map(ctx)) if rule is not None else []
    if _quiet_rule(texts, ctx.options["user-target-rules"]):
        return f"target={{'project_id': {var}.project_id, 'user_id': {var}.user_id}}"
    return f"target={{'project_id': {var}.project_id}}"


# -- the fixes ---------------------------------------------------------------------------------


def _builder(ctx, call, function, loads, rule, var, obj):
    def build():
        if var is None or layout.in_test_code(ctx.document.path):
            return ()
        keyword = _target_text(ctx, rule, var, obj)
        fetch_stmts = {_statement(f) for f in loads if _bound_name(f) == var}
        check_stmt = _statement(call)
        if _loaded_before(check_stmt, fetch_stmts, function):
            edits = _add_keyword(ctx, call, keyword)
            if edits is None:
                return ()
            title = f"Pass the loaded `{var}` as the policy target"
            return (Fix(title, tuple(edits), preferred=True, applicability=Applicability.UNSAFE),)
        edits = _move_after_fetch(ctx, call, check_stmt, fetch_stmts, keyword)
        if edits is None:
            return ()
        title = f"Move the policy check after `{var}` is loaded, with it as the target"
        return (Fix(title, tuple(edits), applicability=Applicability.UNSAFE),)

    return build


def _after_skipping(text: str, offset: int) -> int:
    """Offset of the next character that is not blank, a line break or a comment."""
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


def _add_keyword(ctx, call, keyword: str) -> list[Edit] | None:
    """``keyword`` added after the call's last argument, in the call's layout: on a line of
    its own under the last argument when that one starts its line, else on the same line;
    the whole call wrapped to the line length when that does not fit."""
    doc = ctx.document
    limit = ctx.line_length
    args = list(call.args) + list(call.keywords or ())
    if not args:
        return None
    last = max((doc.node_span(a) for a in args), key=lambda s: (s.end_line, s.end_col))
    text = doc.text
    end = doc.offset(last.end_line, last.end_col)
    after = _after_skipping(text, end)
    trailing = text[after : after + 1] == ","
    close = _after_skipping(text, after + 1) if trailing else after
    if text[close : close + 1] != ")":
        return None
    last_starts_line = not doc.line(last.start_line)[: last.start_col].strip()
    call_span = doc.node_span(call)
    if last_starts_line and last.start_line > call_span.start_line:
        indent = doc.line(last.start_line)[: last.start_col]
        line = indent + keyword + ("," if trailing else "")
        if layout.fits(doc, [line], limit):
            if trailing:
                at = _point(doc, after + 1)
                return [Edit(Span(at[0], at[1], at[0], at[1]), doc.newline + indent + keyword + ",")]
            return [Edit(Span(last.end_line, last.end_col, last.end_line, last.end_col), "," + doc.newline + indent + keyword)]
    insert = (" " + keyword + ",") if trailing else (", " + keyword)
    at = _point(doc, after + 1) if trailing else (last.end_line, last.end_col)
    new_line = doc.line(at[0])[: at[1]] + insert + doc.line(at[0])[at[1] :]
    if layout.fits(doc, [new_line], limit):
        return [Edit(Span(at[0], at[1], at[0], at[1]), insert)]
    wrapped = layout.wrapped_call(doc, call, None, "", limit, extra=(keyword,))
    if wrapped is not None:
        return [Edit(*wrapped)]
    return _broken_dict(ctx, call, keyword, last, close)


def _broken_dict(ctx, call, keyword: str, last: Span, close: int) -> list[Edit] | None:
    """``target={...}`` with one key a line, under the opening parenthesis, when even the
    wrapped call does not fit (nova's own style for two-key targets)::

        context.can(rule,
                    target={'project_id': instance.project_id,
                            'user_id': instance.user_id})
    """
    doc = ctx.document
    head, brace, rest = keyword.partition("={")
    if not brace or not rest.endswith("}"):
        return None
    entries = rest[:-1].split(", '")
    entries = [entries[0]] + ["'" + e for e in entries[1:]]
    text = doc.text
    func_span = doc.node_span(call.func)
    opening = _after_skipping(text, doc.offset(func_span.end_line, func_span.end_col))
    open_line, open_col = _point(doc, opening)
    close_line, close_col = _point(doc, close)
    if text[opening : opening + 1] != "(" or open_line != close_line or last.end_line != open_line:
        return None
    visual = " " * (open_col + 1) if "\t" not in doc.line(open_line)[:open_col] else None
    if visual is None:
        return None
    inner = visual + " " * (len(head) + 2)
    lines = [doc.line(open_line)[: last.end_col] + ","]
    for index, entry in enumerate(entries):
        start = visual + head + "={" if index == 0 else inner
        end = "," if index < len(entries) - 1 else "})" + doc.line(close_line)[close_col + 1 :]
        lines.append(start + entry + end)
    if not layout.fits(doc, lines, ctx.line_length):
        return None
    new = doc.newline.join(lines[1:])
    return [Edit(Span(last.end_line, last.end_col, close_line, len(doc.line(close_line))), "," + doc.newline + new)]


def _point(doc, offset: int) -> tuple[int, int]:
    offsets = doc.line_offsets
    lo, hi = 0, len(offsets) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if offsets[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo, offset - offsets[lo]


def _names_read(node) -> set[str]:
    return {n.name for n in node.nodes_of_class(nodes.Name)}


def _names_bound(stmts) -> set[str]:
    return {n.name for stmt in stmts for n in stmt.nodes_of_class(nodes.AssignName)}


def _movable_past(stmts, pure) -> bool:
    """Nothing in ``stmts`` leaves the function or defines code, and every call in them is
    one of the ``pure`` ones (last names): they may run before the check."""
    for stmt in stmts:
        for node in stmt.nodes_of_class(_LEAVES + (nodes.Call,)):
            if not isinstance(node, nodes.Call):
                return False
            func = node.func
            last = func.attrname if isinstance(func, nodes.Attribute) else func.name if isinstance(func, nodes.Name) else None
            if last not in pure:
                return False
    return True


def _move_after_fetch(ctx, call, check_stmt, fetch_stmts, keyword) -> list[Edit] | None:
    doc = ctx.document
    if not isinstance(check_stmt, nodes.Expr) or check_stmt.value is not call:
        return None
    block = _block_of(check_stmt)
    if block is None:
        return None
    index = block.index(check_stmt)
    later = [i for i, s in enumerate(block) if i > index and s in fetch_stmts]
    if not later:
        return None
    fetch_index = later[0]
    between = block[index + 1 : fetch_index]
    if not _movable_past(between, frozenset(ctx.options["pure-calls"])):
        return None
    if _names_read(call) & _names_bound(between + [block[fetch_index]]):
        # a name the check reads is rebound before the fetch (``context = context.elevated()``)
        # or by the fetch itself: the moved check would not check the same thing
        return None
    span = doc.node_span(check_stmt)
    if not layout.starts_line(doc, check_stmt) or doc.line(span.end_line)[span.end_col :].strip()[:1] not in ("", "#"):
        return None
    keyword_edits = _add_keyword(ctx, call, keyword)
    if keyword_edits is None:
        return None
    moved = _apply_to_lines(doc, keyword_edits, span.start_line, span.end_line)
    if moved is None:
        return None
    fetch = block[fetch_index]
    fetch_span = doc.node_span(fetch)
    fetch_end = fetch_span.end_line
    if doc.line(fetch_end)[fetch_span.end_col :].strip()[:1] not in ("", "#"):
        return None
    remove_to = span.end_line + 1
    above = doc.line(span.start_line - 1) if span.start_line > 0 else ""
    below = doc.line(span.end_line + 1)
    if not above.strip() and not below.strip() and span.end_line + 1 < fetch_span.start_line:
        remove_to += 1  # keep one blank line where the check was, not two
    return [
        Edit(Span(span.start_line, 0, remove_to, 0), ""),
        layout.insert_lines_after(doc, fetch_end, moved),
    ]


def _apply_to_lines(doc, edits, first: int, last: int) -> list[str] | None:
    """Lines ``first``..``last`` with ``edits`` (all inside them) applied."""
    begin = doc.offset(first, 0)
    end = doc.offset(last, len(doc.line(last)))
    text = doc.text[begin:end]
    for edit in sorted(edits, key=lambda e: (e.span.start_line, e.span.start_col), reverse=True):
        a = doc.offset(edit.span.start_line, edit.span.start_col) - begin
        b = doc.offset(edit.span.end_line, edit.span.end_col) - begin
        if a < 0 or b > len(text):
            return None
        text = text[:a] + edit.new_text + text[b:]
    return text.splitlines()
