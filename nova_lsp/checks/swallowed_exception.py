"""Exception handlers that make a failure disappear where it hides a bug (CWE-396 / CWE-390).

Most silent handlers in OpenStack are deliberate: a best-effort close or cleanup in an error
or shutdown path (raising there would mask the original error), a TaskFlow ``revert``, a
probe whose failure *is* the answer, an optional lookup with a fallback value, a documented
ignore.  Reporting those trains people to ignore the rule, so at warning level it reports
only the shapes that hide real failures:

* ``bare``: a bare ``except:`` whose body does nothing (``pass``, ``...``, a string) or
  returns a constant.  It also swallows ``SystemExit``, ``KeyboardInterrupt`` and the
  ``GreenletExit`` that kills a green thread (hacking H201).
* ``yield``: a broad silent handler around a ``yield`` of a generator (a
  ``contextlib.contextmanager``): every error raised in the caller's ``with`` block vanishes.
* ``destructive``: a broad silent handler around a call that ends an object's life in another
  service or back end (``delete*``, ``remove*``, ``detach*``, ``revoke*``... by the words of
  the called name; local file removal is not one), outside cleanup code, not documented, and
  not a preparatory step: if the delete fails the object is left behind (an orphaned volume,
  port or replica) and nobody knows.  Cleanup code is a function named like cleanup
  (``cleanup-functions``: ``*cleanup*``, ``*revert*``, ``stop``, ``__exit__``...), the body of
  an ``except`` or ``finally:`` (an error path), or ``save_and_reraise_exception()``.  A
  comment inside the handler, or one saying why the error is ignored (``ignore``, ``best
  effort``, ``expected``...) in the ``try`` or just above it, documents the ignore.  A step is
  preparatory when a later step on the same path deletes something else (the intermediate
  steps of a teardown: only the last decides whether the object is gone) or re-creates the
  same object (a stale masking view deleted before it is created again).  A ``try`` that
  also creates something is a probe (create, check, remove), not a delete.
* ``conditional``: a handler whose only statement is ``if <test of the caught exception>: ...
  raise`` with no ``else``: it re-raises one known failure and silently drops every other
  (``except libvirt.libvirtError as ex: if 'padding' in str(ex): raise``).  A negative test
  (``if ex.errno != errno.ENOENT: raise``) ignores one known failure on purpose and is fine.

The message names the narrow exception when it is known: from the same module (another
``try`` around the same callee catches ``hpeexceptions.HTTPNotFound``), or from what the
body does (``os.*`` -> ``OSError``, a subscript -> ``KeyError``/``IndexError``, ``int()`` ->
``ValueError``).  Every other broad silent handler is reported at information level only
when the ``report-all-silent`` option is on (bandit's B110 strictness).
"""

from __future__ import annotations

import fnmatch
import re
from functools import lru_cache

from astroid import nodes
from astroid.const import Context

from nova_lsp.checks.tree import dotted, import_map, last_name, qualified
from nova_lsp.core.model import Severity, Span
from nova_lsp.engine.lexer import lex
from nova_lsp.engine.suppressions import without_directives

_FUNCS = (nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.Lambda)
_NESTED = (nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.Lambda, nodes.ClassDef)
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_LOGGER_NAMES = {"log", "logger", "logging", "_log", "_logger"}
_REPORTS = {"reraise", "save_and_reraise_exception"}


# -- options ---------------------------------------------------------------------------------


class _Knowledge:
    """The rule's options, compiled once per analysis."""

    def __init__(self, options) -> None:
        self.broad = frozenset(options["broad-exceptions"])
        self.destructive = frozenset(v.lower() for v in options["destructive-verbs"])
        self.create = frozenset(v.lower() for v in options["create-verbs"])
        self.local = tuple(options["local-calls"])
        self.cleanup = tuple(options["cleanup-functions"])
        self.intent = re.compile("|".join(f"(?:{p})" for p in options["ignore-comment-patterns"]) or r"(?!)", re.IGNORECASE)
        self.all_silent = bool(options["report-all-silent"])
        self.key = (
            tuple(sorted(self.broad)),
            tuple(sorted(self.destructive)),
            tuple(sorted(self.create)),
            self.local,
        )


@lru_cache(maxsize=64)
def _words(name: str) -> tuple[str, ...]:
    """``deleteVolume`` -> (delete, volume); ``_remove_from_group`` -> (remove, from, group)."""
    out = []
    for part in name.split("_"):
        out.extend(w.lower() for w in _CAMEL.findall(part))
    return tuple(out)


# -- what a handler catches ----------------------------------------------------------------


def _types(handler: nodes.ExceptHandler) -> list:
    if handler.type is None:
        return []
    return handler.type.elts if isinstance(handler.type, nodes.Tuple) else [handler.type]


def _broad_name(handler, kb: _Knowledge, imports) -> str | None:
    """The broad exception a handler catches (``bare except`` for ``except:``), or None."""
    if handler.type is None:
        return "bare except"
    for node in _types(handler):
        name = dotted(node)
        if name is None:
            continue
        if name in kb.broad or imports.get(name, name) in kb.broad or qualified(node, imports) in kb.broad:
            return name
    return None


def _narrow_names(handler, kb: _Knowledge, imports) -> list[str]:
    """Exception names of a handler that catches something specific."""
    if handler.type is None or _broad_name(handler, kb, imports) is not None:
        return []
    return [name for name in (dotted(node) for node in _types(handler)) if name]


def _silent(body) -> str | None:
    """``pass`` for a body that does nothing, ``fallback`` for one that returns a constant."""
    if all(isinstance(s, nodes.Pass) or (isinstance(s, nodes.Expr) and isinstance(s.value, nodes.Const)) for s in body):
        return "pass"
    if len(body) == 1 and isinstance(body[0], nodes.Return):
        value = body[0].value
        empty = isinstance(value, (nodes.List, nodes.Dict, nodes.Tuple)) and not list(value.get_children())
        if value is None or isinstance(value, nodes.Const) or empty:
            return "fallback"
    return None


# -- calls in a try body ---------------------------------------------------------------------


def _walk(statements):
    """Nodes under ``statements`` without entering nested functions or classes."""
    stack = [s for s in reversed(statements) if not isinstance(s, _NESTED)]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed([c for c in node.get_children() if not isinstance(c, _NESTED)]))


def _calls(statements) -> list[nodes.Call]:
    return [n for n in _walk(statements) if isinstance(n, nodes.Call)]


def _is_logger_call(call) -> bool:
    func = call.func
    if not isinstance(func, nodes.Attribute):
        return False
    receiver = last_name(func.expr)
    return receiver is not None and receiver.lower() in _LOGGER_NAMES


def _is_local(call, kb: _Knowledge, imports) -> bool:
    written = dotted(call.func) or ""
    full = qualified(call.func, imports) or written
    name = last_name(call.func) or ""
    for pattern in kb.local:
        if fnmatch.fnmatchcase(full, pattern) or fnmatch.fnmatchcase(written, pattern):
            return True
        if pattern.startswith("*.") and fnmatch.fnmatchcase(name, pattern[2:]):
            return True
    return False


def _only_local_calls(statements, kb: _Knowledge, imports) -> bool:
    """Every call of the body works on local files (``os.rmdir``...): errno dispatch there is
    the idiom, and the errors left out are answers (a directory that is not empty)."""
    calls = [c for c in _calls(statements) if not _is_logger_call(c)]
    return bool(calls) and all(_is_local(c, kb, imports) for c in calls)


def _has_verb(call, verbs) -> bool:
    name = last_name(call.func)
    return bool(name) and any(word in verbs for word in _words(name))


def _destructive_calls(statements, kb: _Knowledge, imports) -> list[nodes.Call]:
    return [
        c
        for c in _calls(statements)
        if _has_verb(c, kb.destructive) and not _is_logger_call(c) and not _is_local(c, kb, imports)
    ]


def _label(call) -> str:
    name = dotted(call.func)
    if name is None and isinstance(call.func, nodes.Attribute):
        name = f"{call.func.expr.as_string()}.{call.func.attrname}"
        if len(name) > 60:
            name = "..." + call.func.attrname
    return f"{name or call.func.as_string()}(...)"


# -- project knowledge: narrow handlers around the same callee ------------------------------


def _try_of(handler):
    return handler.parent if isinstance(handler.parent, nodes.Try) else None


def _narrow_catches(ctx, kb: _Knowledge, imports) -> dict[str, dict[str, list]]:
    """callee name -> {exception name: [try nodes]} of narrow handlers around calls with a
    destructive verb anywhere in the module (memoised: one walk per module)."""

    def compute():
        found: dict[str, dict[str, list]] = {}
        for try_node in ctx.index.of(nodes.Try):
            names = [n for h in try_node.handlers for n in _narrow_names(h, kb, imports)]
            if not names:
                continue
            for call in _destructive_calls(try_node.body, kb, imports):
                callee = last_name(call.func)
                table = found.setdefault(callee, {})
                for name in names:
                    table.setdefault(name, []).append(try_node)
        return found

    return ctx.index.memo(("swallowed_exception.narrow", kb.key), compute)


# Facts for incremental analysis: a finding's message names the exception another function
# catches around the same callee (``except hpeexceptions.HTTPNotFound`` around ``deleteVolume``).
FACT_NODES = (nodes.Try,)


def fact(ctx, node) -> bool:
    """A ``try`` with a narrow handler around a call that deletes something."""
    kb = ctx.index.memo(("swallowed_exception.knowledge", id(ctx.options)), lambda: _knowledge(ctx.options))
    imports = import_map(ctx)
    if not any(_narrow_names(h, kb, imports) for h in node.handlers):
        return False
    return bool(_destructive_calls(node.body, kb, imports))


def _knowledge(options) -> _Knowledge:
    key = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(options.items()))
    return _knowledge_for(key)


@lru_cache(maxsize=16)
def _knowledge_for(key) -> _Knowledge:
    return _Knowledge({k: list(v) if isinstance(v, tuple) else v for k, v in key})


def _narrow_hint(ctx, try_node, kb: _Knowledge, imports) -> str | None:
    """The narrow exception this ``try`` should catch, when the module or the body says."""
    known = _narrow_catches(ctx, kb, imports)
    counts: dict[str, int] = {}
    for call in _destructive_calls(try_node.body, kb, imports):
        for name, tries in known.get(last_name(call.func), {}).items():
            others = sum(1 for t in tries if t is not try_node)
            if others:
                counts[name] = counts.get(name, 0) + others
    if counts:
        best = max(sorted(counts), key=lambda n: counts[n])
        return f"`{best}` (as this module does around the same call elsewhere)"
    return _body_hint(try_node.body, imports)


def _body_hint(statements, imports) -> str | None:
    """A narrow exception from what a small body does: file and OS calls raise ``OSError``,
    subscripts ``KeyError``/``IndexError``, attribute reads ``AttributeError``, conversions
    ``ValueError``."""
    calls = _calls(statements)
    kinds = set()
    for call in calls:
        full = qualified(call.func, imports) or dotted(call.func) or ""
        head = full.split(".", 1)[0]
        if head in ("os", "shutil", "socket", "pathlib") or full in ("open", "io.open"):
            kinds.add("OSError")
        elif full in ("int", "float", "uuid.UUID", "ipaddress.ip_address", "ipaddress.ip_network"):
            kinds.add("ValueError")
        elif full.endswith(("json.loads", "jsonutils.loads", "json.load", "jsonutils.load")):
            kinds.add("ValueError")
        elif full in ("__import__", "importlib.import_module", "importutils.import_module", "importutils.import_class"):
            kinds.add("ImportError")
        else:
            return None  # a call whose failures we do not know
    if not calls:
        found = list(_walk(statements))
        if any(isinstance(n, nodes.Subscript) and n.ctx == Context.Load for n in found):
            kinds.add("(KeyError, IndexError)")
        elif any(isinstance(n, nodes.Attribute) for n in found):
            kinds.add("AttributeError")
    if len(kinds) == 1:
        return f"`{next(iter(kinds))}`"
    return None


# -- context: cleanup code, error paths, documentation ---------------------------------------


def _enclosing_functions(node):
    current = node.parent
    while current is not None:
        if isinstance(current, (nodes.FunctionDef, nodes.AsyncFunctionDef)):
            yield current
        current = current.parent


def _cleanup_function(node, kb: _Knowledge) -> str | None:
    for function in _enclosing_functions(node):
        for pattern in kb.cleanup:
            if fnmatch.fnmatchcase(function.name, pattern):
                return function.name
    return None


def _is_reraise_context(expr) -> bool:
    return isinstance(expr, nodes.Call) and last_name(expr.func) in _REPORTS


def _error_path(node) -> str | None:
    """``except`` / ``finally`` / ``save_and_reraise_exception`` when ``node`` runs while
    another failure is being handled (or on every way out, after the real work)."""
    child, parent = node, node.parent
    while parent is not None and not isinstance(parent, _FUNCS):
        if isinstance(parent, nodes.ExceptHandler) and child in parent.body:
            return "except"
        if isinstance(parent, nodes.Try) and child in parent.finalbody:
            return "finally"
        if isinstance(parent, nodes.With) and child in parent.body and any(_is_reraise_context(e) for e, _ in parent.items):
            return "save_and_reraise_exception"
        child, parent = parent, parent.parent
    return None


def _comment_lines(ctx) -> dict:
    """line -> the text of its comment, without this tool's directives (a suppression of
    another finding is no explanation), for the comments that say anything."""

    def compute():
        found = {}
        for line, comment in lex(ctx.document.text).comment_lines.items():
            text = without_directives(comment.text)
            if text.strip("# \t"):
                found[line] = (comment.col, text)
        return found

    return ctx.index.memo("swallowed_exception.comments", compute)


def _documented(ctx, try_node, handler, kb: _Knowledge) -> bool:
    """Any comment inside the handler's body; on its ``except`` line, in the ``try`` body or
    in the comment block just above it, one saying why the error is ignored."""
    comments = _comment_lines(ctx)
    first, last = (handler.lineno or 1) - 1, (handler.end_lineno or handler.lineno or 1) - 1
    if any(line in comments for line in range(first + 1, last + 1)):
        return True
    # on the `except` line a reviewer's marker (noqa, nosec) says why; any other tag may not
    on_except = comments.get(first)
    if on_except is not None and kb.intent.search(on_except[1]):
        return True
    body_end = (try_node.handlers[0].lineno or 1) - 1
    for line in range((try_node.lineno or 1) - 1, body_end):
        comment = comments.get(line)
        if comment is not None and kb.intent.search(comment[1]):
            return True
    line = (try_node.lineno or 1) - 2
    while line >= 0 and line in comments and not ctx.document.line(line)[: comments[line][0]].strip():
        if kb.intent.search(comments[line][1]):
            return True
        line -= 1
    return False


# -- preparatory steps -------------------------------------------------------------------------


_SEQUENCES = ("body", "orelse", "finalbody")


def _later_statements(node):
    """Statements that run after ``node`` on the same path, up to its function."""
    child, parent = node, node.parent
    while parent is not None and not isinstance(child, _FUNCS):
        if isinstance(parent, nodes.ExceptHandler):
            child, parent = parent.parent, parent.parent.parent  # the rest of the try statement
            continue
        for field in _SEQUENCES:
            seq = getattr(parent, field, None)
            if isinstance(seq, list) and child in seq:
                yield from seq[seq.index(child) + 1 :]
                if isinstance(parent, nodes.Try) and field == "body":
                    yield from parent.orelse
                    yield from parent.finalbody
                elif isinstance(parent, nodes.Try) and field == "orelse":
                    yield from parent.finalbody
                break
        child, parent = parent, parent.parent


_TRIVIAL_ARGS = {"self", "cls", "context", "ctx", "ctxt", "session"}


def _argument_names(call) -> set[str]:
    found = set()
    for arg in [*call.args, *(kw.value for kw in call.keywords or ())]:
        name = dotted(arg)
        if name and name not in _TRIVIAL_ARGS:
            found.add(name)
    return found


def _preparatory(try_node, deletes, kb: _Knowledge) -> bool:
    """A later step on the same path deletes something too (this is an intermediate step of
    a teardown), or creates again what this step deletes."""
    names = set().union(*(_argument_names(c) for c in deletes))
    later = list(_later_statements(try_node))
    for call in _calls(later):
        if _is_logger_call(call):
            continue
        if _has_verb(call, kb.destructive):
            return True
        if names and _has_verb(call, kb.create) and names & _argument_names(call):
            return True
    return False


# -- the shapes ---------------------------------------------------------------------------------


def _yields(statements) -> bool:
    return any(isinstance(n, (nodes.Yield, nodes.YieldFrom)) for n in _walk(statements))


def _conditional_swallow(handler) -> nodes.If | None:
    """``except X as e: if <positive test of e>: ... raise`` with no ``else``."""
    if len(handler.body) != 1 or not isinstance(handler.body[0], nodes.If):
        return None
    branch = handler.body[0]
    if branch.orelse or not branch.body or not isinstance(branch.body[-1], nodes.Raise):
        return None
    if handler.name is None:
        return None
    exc = handler.name.name
    return branch if _positive_test_of(branch.test, exc) else None


def _mentions(node, name: str) -> bool:
    return any(isinstance(n, nodes.Name) and n.name == name for n in node.nodes_of_class(nodes.Name))


def _positive_test_of(test, exc: str) -> bool:
    return _polarity(test, exc) == "positive"


def _polarity(test, exc: str) -> str | None:
    """``positive`` for a test that selects particular failures of ``exc`` (``e.code ==
    404``, ``'x' in str(e)``, ``isinstance(e, X)``), ``negative`` for one that selects all
    but some (``e.errno != ENOENT``, ``not ...``), None for a test that does not look at it."""
    if isinstance(test, nodes.BoolOp):
        found = [_polarity(v, exc) for v in test.values]
        if "negative" in found or "other" in found:
            return "negative"
        if test.op == "and":
            return "positive" if "positive" in found else None
        return "positive" if found and all(p == "positive" for p in found) else None
    if not _mentions(test, exc):
        return None
    if isinstance(test, nodes.Compare):
        ops = [op for op, _ in test.ops]
        return "positive" if all(op in ("==", "in", "is") for op in ops) else "negative"
    if isinstance(test, nodes.Call) and dotted(test.func) == "isinstance":
        return "positive" if test.args and _mentions(test.args[0], exc) else "other"
    return "negative" if isinstance(test, nodes.UnaryOp) else "other"


def _header_span(ctx, handler) -> Span:
    doc = ctx.document
    start = doc.node_span(handler)
    if handler.type is not None:
        end = doc.node_span(handler.type)
        return Span(start.start_line, start.start_col, end.end_line, end.end_col)
    return Span(start.start_line, start.start_col, start.start_line, start.start_col + len("except"))


def _caught_text(handler) -> str:
    if handler.type is None:
        return "bare `except:`"
    return f"`{handler.type.as_string()}`"


def check(ctx):
    kb = _knowledge(ctx.options)
    imports = import_map(ctx)
    for handler in ctx.index.of(nodes.ExceptHandler):
        ctx.tick()
        try_node = _try_of(handler)
        if try_node is None:
            continue
        branch = _conditional_swallow(handler)
        if branch is not None and _only_local_calls(try_node.body, kb, imports):
            branch = None  # `except OSError as e: if e.errno == ENOENT: raise X` around os.rmdir
        if branch is not None:
            test = branch.test.as_string()
            if len(test) > 70:
                test = test[:67] + "..."
            yield ctx.finding(
                _header_span(ctx, handler),
                what=f"{_caught_text(handler)} is re-raised only when `{test}`",
                why="every other failure it catches falls through silently",
                advice="add `else: raise` (or log what is dropped)",
            )
            continue
        broad = _broad_name(handler, kb, imports)
        if broad is None:
            continue
        silent = _silent(handler.body)
        if silent is None:
            continue
        finding = _classify(ctx, try_node, handler, broad, silent, kb, imports)
        if finding is not None:
            yield finding


def _classify(ctx, try_node, handler, broad, silent, kb, imports):
    span = _header_span(ctx, handler)
    caught = _caught_text(handler)
    if broad == "bare except":
        hint = _narrow_hint(ctx, try_node, kb, imports)
        return ctx.finding(
            span,
            what=f"{caught} discards every error",
            why="it also swallows SystemExit, KeyboardInterrupt and the GreenletExit that stops a green thread",
            advice=f"catch {hint} instead" if hint else "catch the exception you expect (at most `Exception`) and log it",
        )
    if silent == "pass" and _yields(try_node.body):
        return ctx.finding(
            span,
            what=f"{caught} around `yield` is discarded",
            why="every error raised in the caller's `with` block disappears",
            advice="let it propagate (do the cleanup in `finally:`)",
        )
    deletes = _destructive_calls(try_node.body, kb, imports)
    if (
        silent == "pass"
        and deletes
        and not any(_has_verb(c, kb.create) for c in _calls(try_node.body) if not _is_logger_call(c))
        and _cleanup_function(try_node, kb) is None
        and _error_path(try_node) is None
        and not _documented(ctx, try_node, handler, kb)
        and not _preparatory(try_node, deletes, kb)
    ):
        hint = _narrow_hint(ctx, try_node, kb, imports)
        advice = f"catch {hint} and log anything else" if hint else "catch the error you expect (e.g. not found) and log anything else"
        return ctx.finding(
            span,
            what=f"{caught} from `{_label(deletes[-1])}` is discarded silently",
            why="if it fails the object is left behind and nobody knows",
            advice=advice,
        )
    if kb.all_silent:
        hint = _body_hint(try_node.body, imports) if silent == "pass" else None
        return ctx.finding(
            span,
            severity=Severity.INFORMATION,
            what=f"{caught} is caught and silently discarded",
            why="the failure leaves no trace",
            advice=f"catch {hint} instead, or log it" if hint else "log it, handle it, or catch a narrower exception",
        )
    return None
