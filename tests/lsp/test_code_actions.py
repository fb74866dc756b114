"""Code actions: quick fixes from ``Diagnostic.data``, suppressions, ``source.fixAll.nova-lsp``
and ``codeAction/resolve``.  Every action is applied to the text; the result must parse and
no longer have the finding the action was for.
"""

from __future__ import annotations

from collections import Counter

import attrs
import pytest
from lsprotocol import types

from edits import apply, edits_for, parses
from lsp_client import EditorClient
from nova_lsp.engine.registry import load_registry

# debounce 0: these tests are about actions, and edit the text a lot
pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.lsp(init={"debounce": 0})]

SWALLOWED = "try:\n    x()\nexcept:\n    pass\n"
TWO_HANDLERS = (
    "try:\n    x()\nexcept:\n    pass\n\n"
    "try:\n    y()\nexcept:  # close the port\n    pass\n"
)
FIX_ALL = types.CodeActionKind.SourceFixAll + ".nova-lsp"


def encoding(client: EditorClient) -> str:
    return client.initialize_result.capabilities.position_encoding


async def actions_for(client: EditorClient, uri: str, diagnostics, only=None, rng=None) -> list[types.CodeAction]:
    rng = rng or (diagnostics[0].range if diagnostics else types.Range(start=types.Position(0, 0), end=types.Position(0, 0)))
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=rng,
            context=types.CodeActionContext(diagnostics=list(diagnostics), only=only),
        )
    )
    return list(result or [])


def count(diagnostics, code: str) -> int:
    return sum(1 for d in diagnostics if d.code == code)


async def check_action_resolves_finding(client: EditorClient, uri: str, action: types.CodeAction, code: str) -> str:
    """Apply ``action`` in the editor; the text must parse and have one ``code`` finding less."""
    before = count(await client.current_diagnostics(uri), code)
    text = apply(client.texts[uri], edits_for(action.edit, uri), encoding(client))
    assert parses(text), f"{action.title!r} left code that does not parse:\n{text}"
    client.replace_all(uri, text)
    after = count(await client.current_diagnostics(uri), code)
    assert after < before, f"{action.title!r} did not remove the {code} finding"
    return text


# -- the real engine ----------------------------------------------------------------------------


async def test_suppression_quick_fix(client: EditorClient, uri_for):
    uri = uri_for(client)
    client.open(uri, SWALLOWED)
    diagnostics = await client.current_diagnostics(uri)
    actions = await actions_for(client, uri, diagnostics)
    assert [(a.title, a.kind, a.is_preferred) for a in actions] == [
        ("Ignore NOVA006 on this line", types.CodeActionKind.QuickFix, None)
    ]
    assert actions[0].diagnostics[0].code == "NOVA006"
    text = await check_action_resolves_finding(client, uri, actions[0], "NOVA006")
    assert "except:  # nova-lsp: ignore[NOVA006]" in text
    client.close(uri)


async def test_no_fix_all_without_real_fixes(client: EditorClient, uri_for):
    uri = uri_for(client)
    client.open(uri, SWALLOWED)
    await client.current_diagnostics(uri)
    assert await actions_for(client, uri, [], only=[types.CodeActionKind.SourceFixAll]) == []
    client.close(uri)


async def test_actions_for_diagnostics_of_an_older_version_are_not_offered(client: EditorClient, uri_for):
    uri = uri_for(client)
    client.open(uri, SWALLOWED)
    old = await client.current_diagnostics(uri)
    client.replace_all(uri, "\n" + SWALLOWED)
    await client.current_diagnostics(uri)
    assert await actions_for(client, uri, old) == []
    client.close(uri)


def _rule_examples():
    for rule in load_registry().rules:
        for index, example in enumerate(rule.examples):
            yield pytest.param(rule.id, example.bad, id=f"{rule.id}-{index}")


@pytest.mark.parametrize(("rule", "code"), list(_rule_examples()))
async def test_every_action_on_rule_examples_leaves_parsing_code_without_the_finding(
    client: EditorClient, uri_for, rule, code
):
    """Whatever fixes the engine offers (suppressions, and real fixes as rules get them)."""
    uri = uri_for(client)
    client.open(uri, code)
    diagnostics = await client.current_diagnostics(uri)
    before = count(diagnostics, rule)
    fixed: list[tuple[str, str]] = []  # (action title, text after it)
    for diag in [d for d in diagnostics if d.code == rule]:
        actions = await actions_for(client, uri, [diag], only=[types.CodeActionKind.QuickFix])
        if rule != "NOVA900":
            assert actions, f"no action for {rule} at line {diag.range.start.line + 1}"
        for action in actions:
            text = apply(code, edits_for(action.edit, uri), encoding(client))
            assert parses(text), f"{action.title!r} left code that does not parse:\n{text}"
            fixed.append((action.title, text))
    client.close(uri)
    # each fixed text in a document of its own, analysed side by side
    uris = [uri_for(client, f"fixed_{i}.py") for i in range(len(fixed))]
    for fixed_uri, (_, text) in zip(uris, fixed):
        client.open(fixed_uri, text)
    for fixed_uri, (title, _) in zip(uris, fixed):
        assert count(await client.current_diagnostics(fixed_uri), rule) < before, f"{title!r} kept the finding"
        client.close(fixed_uri)


# -- real fixes (instrumented engine: two overlapping fixes per NOVA006 finding) -------------------


async def test_quick_fixes_preferred_first_then_suppression(patched: EditorClient, uri_for):
    uri = uri_for(patched)
    patched.open(uri, SWALLOWED)
    diagnostics = await patched.current_diagnostics(uri)
    actions = await actions_for(patched, uri, diagnostics, only=[types.CodeActionKind.QuickFix])
    assert [(a.title, a.is_preferred) for a in actions] == [
        ("Catch ValueError instead", True),
        ("Catch OSError instead", None),
        ("Ignore NOVA006 on this line", None),
    ]
    for action in actions:
        patched.replace_all(uri, SWALLOWED)
        await patched.current_diagnostics(uri)
        await check_action_resolves_finding(patched, uri, action, "NOVA006")


async def test_code_actions_do_not_rerun_analysis(patched: EditorClient, uri_for):
    uri = uri_for(patched)
    patched.open(uri, TWO_HANDLERS)
    diagnostics = await patched.current_diagnostics(uri)
    before = await patched.workspace_execute_command_async(types.ExecuteCommandParams(command="nova-lsp.test.stats"))
    for diag in diagnostics:
        assert await actions_for(patched, uri, [diag])
    after = await patched.workspace_execute_command_async(types.ExecuteCommandParams(command="nova-lsp.test.stats"))
    assert after["analyses"] == before["analyses"]


async def test_fix_all_applies_every_real_fix_once_and_no_suppression(patched: EditorClient, uri_for):
    uri = uri_for(patched)
    patched.open(uri, TWO_HANDLERS)
    assert count(await patched.current_diagnostics(uri), "NOVA006") == 2
    actions = await actions_for(patched, uri, [], only=[types.CodeActionKind.SourceFixAll])
    assert [(a.title, a.kind) for a in actions] == [("nova-lsp: fix all auto-fixable problems", FIX_ALL)]
    action = actions[0]
    assert action.edit is None and action.data  # both editors resolve edits lazily
    resolved = await patched.code_action_resolve_async(action)
    text = apply(patched.texts[uri], edits_for(resolved.edit, uri), encoding(patched))
    assert parses(text)
    assert text.count("except ValueError:") == 2 and "nova-lsp: ignore" not in text
    patched.replace_all(uri, text)
    assert count(await patched.current_diagnostics(uri), "NOVA006") == 0


async def test_fix_all_is_offered_for_source_and_its_own_kind(patched: EditorClient, uri_for):
    uri = uri_for(patched)
    patched.open(uri, SWALLOWED)
    await patched.current_diagnostics(uri)
    for only in (["source"], [FIX_ALL], None):
        actions = await actions_for(patched, uri, [], only=only)
        assert FIX_ALL in [a.kind for a in actions], only
    actions = await actions_for(patched, uri, [], only=[types.CodeActionKind.QuickFix])
    assert FIX_ALL not in [a.kind for a in actions]


def _no_resolve(caps: types.ClientCapabilities) -> types.ClientCapabilities:
    code_action = attrs.evolve(caps.text_document.code_action, resolve_support=None)
    return attrs.evolve(caps, text_document=attrs.evolve(caps.text_document, code_action=code_action))


@pytest.mark.lsp(capabilities=_no_resolve)
async def test_fix_all_edit_is_eager_without_resolve_support(fresh_patched: EditorClient, uri_for):
    uri = uri_for(fresh_patched)
    fresh_patched.open(uri, TWO_HANDLERS)
    await fresh_patched.current_diagnostics(uri)
    [action] = await actions_for(fresh_patched, uri, [], only=[FIX_ALL])
    text = apply(fresh_patched.texts[uri], edits_for(action.edit, uri), encoding(fresh_patched))
    assert parses(text) and text.count("except ValueError:") == 2


async def test_related_information_points_into_the_document(patched: EditorClient, uri_for):
    uri = uri_for(patched)
    patched.open(uri, SWALLOWED)
    [diag] = await patched.current_diagnostics(uri)
    [related] = diag.related_information
    assert related.location.uri == uri
    assert related.location.range == types.Range(start=types.Position(0, 0), end=types.Position(0, 4))
    assert "try" in related.message


def _no_data(caps: types.ClientCapabilities) -> types.ClientCapabilities:
    td = caps.text_document
    publish = attrs.evolve(td.publish_diagnostics, data_support=False)
    diagnostic = attrs.evolve(td.diagnostic, data_support=False) if td.diagnostic else None
    action = attrs.evolve(td.code_action, data_support=False)
    return attrs.evolve(
        caps,
        text_document=attrs.evolve(td, publish_diagnostics=publish, diagnostic=diagnostic, code_action=action),
    )


@pytest.mark.lsp(capabilities=_no_data)
async def test_quick_fixes_without_diagnostic_data_support(fresh_patched: EditorClient, uri_for):
    uri = uri_for(fresh_patched)
    fresh_patched.open(uri, SWALLOWED)
    diagnostics = await fresh_patched.current_diagnostics(uri)
    assert diagnostics[0].data is None
    actions = await actions_for(fresh_patched, uri, diagnostics, only=[types.CodeActionKind.QuickFix])
    assert Counter(a.title for a in actions) == Counter(
        ["Catch ValueError instead", "Catch OSError instead", "Ignore NOVA006 on this line"]
    )
    await check_action_resolves_finding(fresh_patched, uri, actions[0], "NOVA006")


@pytest.mark.lsp(capabilities=_no_data)
async def test_quick_fixes_for_a_client_that_echoes_byte_columns(fresh: EditorClient, uri_for):
    """Neovim 0.7 sends diagnostics back with UTF-8 byte columns, whatever was negotiated, and
    without ``data``: the finding is still found (same rule, same line)."""
    uri = uri_for(fresh)
    line = 's = "😀"; t = "😀"  # FIXME: drop this'
    fresh.open(uri, line + "\n")
    [diag] = await fresh.current_diagnostics(uri)
    start = len(line[: line.index("FIXME")].encode("utf-8"))
    echoed = attrs.evolve(
        diag,
        range=types.Range(start=types.Position(0, start), end=types.Position(0, len(line.encode("utf-8")))),
    )
    actions = await actions_for(fresh, uri, [echoed], only=[types.CodeActionKind.QuickFix])
    assert [a.title for a in actions] == ["Ignore NOVA007 on this line"]
    text = apply(fresh.texts[uri], edits_for(actions[0].edit, uri), encoding(fresh))
    assert text == line + "  # nova-lsp: ignore[NOVA007]\n"
