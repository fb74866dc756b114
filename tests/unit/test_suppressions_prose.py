"""Rules that read comments for intent ("ignore errors here") see a comment without this tool's
own directives: a suppression is no explanation, or adding one would silence more than it says."""

from nova_lsp.engine.suppressions import without_directives


def test_our_directives_are_not_prose():
    assert without_directives("# nova-lsp: ignore[NOVA005]").strip("# ") == ""
    assert without_directives("# nova-lsp: ignore").strip("# ") == ""
    assert without_directives("# noqa: NOVA006").strip("# ") == ""
    assert without_directives("# nova-lsp: ignore[NOVA006] -- best effort") == "#  -- best effort"


def test_other_tools_markers_and_words_stay():
    assert without_directives("# noqa: BLE001") == "# noqa: BLE001"
    assert without_directives("# noqa: E501, NOVA006") == "# noqa: E501, NOVA006"
    assert without_directives("# we ignore this on purpose") == "# we ignore this on purpose"
