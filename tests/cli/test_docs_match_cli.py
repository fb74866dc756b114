"""The README's option table and docs/configuration.md's key table say exactly what the CLI and
the configuration accept: a new option or key without its line (or a line for one that is
gone) fails here."""

from __future__ import annotations

import re
from pathlib import Path

from nova_lsp import config
from nova_lsp.cli.options import build_parser

ROOT = Path(__file__).resolve().parents[2]


def check_options() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    check = sub.choices["check"]
    return {opt for action in check._actions for opt in action.option_strings if opt not in ("-h", "--help")}


def documented_options(text: str) -> set[str]:
    table = text[text.index("`nova-lsp check [PATH ...]` options") :]
    table = table[: table.index("\n\n", table.index("| option |"))]
    found = set()
    for row in table.splitlines():
        if row.startswith("| `"):
            first_cell = row.split(" | ")[0]
            found.update(re.findall(r"`(-{1,2}[a-z][a-z-]*)", first_cell))
    return found


def test_the_readme_lists_every_check_option_and_no_other():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert documented_options(readme) == check_options()


def test_the_help_of_every_option_is_shown_by_check_help():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    helps = sub.choices["check"].format_help()
    for option in check_options():
        assert option in helps


def test_docs_configuration_lists_every_key_and_no_other():
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    keys_table = text[text.index("## Keys") : text.index("\n## ", text.index("## Keys") + 3)]
    documented = set(re.findall(r"^\| `([a-z][a-z-]*)(?:\.<name>)?` \|", keys_table, re.MULTILINE))
    assert documented == config._KNOWN_KEYS
