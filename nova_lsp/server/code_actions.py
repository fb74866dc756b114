"""``textDocument/codeAction`` and ``codeAction/resolve``.

- One ``quickfix`` per fix of each nova-lsp diagnostic in the request, built from the edits in
  ``Diagnostic.data`` (no analysis is re-run); the finding's preferred real fix is marked
  ``isPreferred``.  Suppressions ("Ignore NOVA006 on this line") are quick fixes too, listed
  after the real fixes and never preferred.
- ``source.fixAll.nova-lsp``: exactly what ``nova-lsp check --fix`` does to the text (the main
  real fix of every finding, never a suppression, in rounds; ``nova_lsp.engine.fix_all``), as one edit
  of the lines that change.  It re-analyses, so its edit is computed off the event loop, in
  ``codeAction/resolve`` when the client supports resolving edits, else in the request.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from nova_lsp.config import Config
from nova_lsp.core.model import Edit, FixKind
from nova_lsp.engine.fix_all import fix_text
from nova_lsp.server import convert
from nova_lsp.server.analysis import Result

if TYPE_CHECKING:
    from nova_lsp.server.server import NovaLanguageServer

log = logging.getLogger(__name__)

FIX_ALL_KIND = "source.fixAll.nova-lsp"
FIX_ALL_TITLE = "nova-lsp: fix all auto-fixable problems"
OPTIONS = types.CodeActionOptions(
    code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND],
    resolve_provider=True,
)


def _wanted(only: list[str] | None, kind: str) -> bool:
    if not only:
        return True
    return any(kind == entry or kind.startswith(entry + ".") for entry in only)


async def code_action(ls: "NovaLanguageServer", params: types.CodeActionParams) -> list[types.CodeAction] | None:
    uri = params.text_document.uri
    doc = ls.session.documents.get(uri)
    if doc is None or not ls.session.features.code_action_literals:
        return None
    only = params.context.only
    actions: list[types.CodeAction] = []
    if _wanted(only, types.CodeActionKind.QuickFix):
        actions.extend(quick_fixes(ls, params, doc.version))
    if _wanted(only, FIX_ALL_KIND):
        action = await fix_all_action(ls, uri)
        if action is not None:
            actions.append(action)
    return actions


# -- quick fixes --------------------------------------------------------------------------------


def _stored_fixes(ls: "NovaLanguageServer", uri: str, diag: types.Diagnostic) -> list[convert.FixData]:
    """Fixes of the stored finding behind ``diag`` (for clients that drop ``data``)."""
    result = ls.scheduler.result(uri)
    if not ls.scheduler.is_current(uri, result):
        return []
    encoding = ls.session.encoding
    candidates = [f for f in result.findings if f.rule == diag.code and f.span.start_line == diag.range.start.line]
    # the range as sent; some clients (Neovim 0.7) echo byte columns whatever was negotiated
    exact = [
        f
        for f in candidates
        if any(
            convert.same_range(convert.to_range(result.document, f.span, enc), diag.range)
            for enc in dict.fromkeys((encoding, "utf-8", "utf-16", "utf-32"))
        )
    ]
    chosen = exact[0] if exact else (candidates[0] if len(candidates) == 1 else None)
    if chosen is None:
        return []
    return [convert.fix_from_finding(result.document, fix, encoding) for fix in chosen.fixes]


def _diagnostics_in_range(ls: "NovaLanguageServer", uri: str, rng: types.Range) -> list[types.Diagnostic]:
    result = ls.scheduler.result(uri)
    if not ls.scheduler.is_current(uri, result):
        return []
    start = (rng.start.line, rng.start.character)
    end = (rng.end.line, rng.end.character)
    return [
        d
        for d in result.diagnostics
        if (d.range.start.line, d.range.start.character) <= end and start <= (d.range.end.line, d.range.end.character)
    ]


def quick_fixes(ls: "NovaLanguageServer", params: types.CodeActionParams, version: int | None) -> list[types.CodeAction]:
    uri = params.text_document.uri
    features = ls.session.features
    diagnostics = [d for d in params.context.diagnostics if d.source == convert.SOURCE]
    if not params.context.diagnostics:
        diagnostics = _diagnostics_in_range(ls, uri, params.range)
    fixes: list[types.CodeAction] = []
    suppressions: list[types.CodeAction] = []
    seen: set[tuple] = set()
    for diag in diagnostics:
        parsed = convert.fixes_from_data(diag.data)
        if parsed is None:
            fix_list = _stored_fixes(ls, uri, diag)
        else:
            data_version, fix_list = parsed
            if data_version is not None and data_version != version:
                continue  # edits for an older text; fresh diagnostics are on their way
        for fix in fix_list:
            identity = (
                fix.title,
                tuple((e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character, e.new_text) for e in fix.edits),
            )
            if identity in seen:
                continue
            seen.add(identity)
            is_fix = fix.kind == FixKind.FIX.value
            # an unsafe fix is offered too, saying so; only a safe one is ever preferred
            title = fix.title if fix.safe else f"{fix.title} (unsafe: may change behaviour)"
            action = types.CodeAction(
                title=title,
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diag],
                is_preferred=True if (is_fix and fix.safe and fix.preferred and features.code_action_preferred) else None,
                edit=convert.workspace_edit(uri, version, list(fix.edits), features.document_changes),
            )
            (fixes if is_fix else suppressions).append(action)
    return fixes + suppressions


# -- fix all ------------------------------------------------------------------------------------


def _has_real_fix(result: Result) -> bool:
    """A safe fix to apply: fix-all (and ``source.fixAll``) applies safe fixes only."""
    return any(fix.kind == FixKind.FIX and fix.safe and fix.edits for f in result.findings for fix in f.fixes)


def fix_all_edit(text: str, path: str, config: Config) -> Edit | None:
    """The edit that turns ``text`` into what ``nova-lsp check --fix`` makes of it.

    Runs on an analysis thread: ``fix_text`` re-analyses between rounds (one shared
    implementation of "fix everything", so the editor and the CLI always agree).
    """
    fixed = fix_text(text, path, config.selection(path=path))  # safe fixes only, as --fix
    if not fixed.changed:
        return None
    return convert.minimal_edit(text, fixed.text)


async def fix_all_action(ls: "NovaLanguageServer", uri: str) -> types.CodeAction | None:
    result = await ls.scheduler.current_result(uri)
    if result is None or not _has_real_fix(result):
        return None
    action = types.CodeAction(title=FIX_ALL_TITLE, kind=FIX_ALL_KIND)
    if ls.session.features.code_action_resolve_edit:
        action.data = {"uri": uri, "version": result.version, "fixAll": True}
        return action
    return await _fill_fix_all(ls, action, uri, result)


async def _fill_fix_all(
    ls: "NovaLanguageServer", action: types.CodeAction, uri: str, result: Result
) -> types.CodeAction:
    snapshot = ls.session.snapshot(uri)
    if snapshot is None or snapshot.key != result.key:
        return action
    # once per text revision (and configuration): a client that asks for code actions on
    # every cursor move, without resolving them lazily, must not pay for fix-all each time
    cached = ls.fix_all_edits.get(uri)
    if cached is not None and cached[0] == snapshot.key:
        future = cached[1]
    else:
        try:
            future = asyncio.get_running_loop().run_in_executor(
                ls.executor, fix_all_edit, snapshot.text, snapshot.path, snapshot.config
            )
        except RuntimeError:  # shutting down
            return action
        ls.fix_all_edits[uri] = (snapshot.key, future)
    try:
        edit = await asyncio.shield(future)
    except RuntimeError:  # shutting down
        return action
    except Exception:
        ls.fix_all_edits.pop(uri, None)  # not kept: the next request tries again
        raise
    edits = [] if edit is None else [convert.text_edit(result.document, edit, ls.session.encoding)]
    action.edit = convert.workspace_edit(uri, result.version, edits, ls.session.features.document_changes)
    return action


async def resolve_code_action(ls: "NovaLanguageServer", action: types.CodeAction) -> types.CodeAction:
    data: Any = action.data
    if action.edit is not None or not isinstance(data, dict) or not data.get("fixAll"):
        return action
    uri = data.get("uri")
    if not isinstance(uri, str) or uri not in ls.session.documents:
        return action
    result = await ls.scheduler.current_result(uri)
    if result is None:
        return action
    return await _fill_fix_all(ls, action, uri, result)
