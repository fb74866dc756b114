"""``nova_lsp.config``: selectors, overlays, per-rule options and severities, config files."""

from __future__ import annotations

from pathlib import Path

import pytest

from nova_lsp.config import Config, ConfigError, DEFAULT_EXCLUDE, _find_pyproject, discover_config, read_config_file
from nova_lsp.core.model import Severity
from nova_lsp.engine.registry import load_registry


def ids(config: Config) -> set[str]:
    return {a.rule.id for a in config.active_rules()}


def overlay(table: dict, source: str = "test") -> Config:
    return Config().overlay(table, source)


DEFAULT_ON = {r.id for r in load_registry().rules if r.enabled}


# -- selectors ----------------------------------------------------------------------------------


def test_default_selection_is_every_rule_on_by_default():
    assert ids(Config()) == DEFAULT_ON
    assert "NOVA901" not in DEFAULT_ON and {"NOVA006", "NOVA007", "NOVA008", "NOVA900"} <= DEFAULT_ON


@pytest.mark.parametrize(
    "select, expected",
    [
        (["NOVA006"], {"NOVA006"}),
        (["nova006"], {"NOVA006"}),  # ids are case-insensitive
        (["swallowed-exception", "fixme-comment"], {"NOVA006", "NOVA007"}),
        (["NOVA90"], {"NOVA900", "NOVA901", "NOVA902"}),  # an id prefix
        (["all"], {r.id for r in load_registry().rules}),
    ],
)
def test_select_by_id_name_prefix_and_all(select, expected):
    assert ids(overlay({"select": select})) == expected


def test_ignore_wins_over_select_and_takes_names_and_prefixes():
    assert ids(overlay({"select": ["ALL"], "ignore": ["NOVA9", "fixme-comment"]})) == {
        r.id for r in load_registry().rules if not r.id.startswith("NOVA9") and r.id != "NOVA007"
    }


def test_extend_select_adds_to_the_default_and_accumulates_across_layers():
    base = overlay({"extend-select": ["NOVA901"]}, "pyproject")
    assert ids(base) == DEFAULT_ON | {"NOVA901"}
    assert base.overlay({"extend-select": ["NOVA007"]}, "cli").extend_select == ("NOVA901", "NOVA007")


def test_select_and_ignore_of_a_later_layer_replace_the_earlier_lists():
    base = overlay({"select": ["NOVA006", "NOVA007"], "ignore": ["NOVA007"]}, "pyproject")
    top = base.overlay({"select": ["NOVA008"]}, "cli")
    assert top.select == ("NOVA008",) and top.ignore == ("NOVA007",)
    assert ids(top) == {"NOVA008"}
    assert ids(top.overlay({"ignore": []}, "editor").overlay({"select": ["NOVA007"]}, "cli")) == {"NOVA007"}


def test_a_single_string_is_a_one_element_list():
    assert ids(overlay({"select": "NOVA006"})) == {"NOVA006"}


@pytest.mark.parametrize("key", ["select", "extend-select", "ignore"])
def test_unknown_selector_names_the_source_and_the_key(key):
    with pytest.raises(ConfigError) as info:
        overlay({key: ["NOVA999"]}, "editor settings")
    assert str(info.value) == f"editor settings: {key} names unknown rule 'NOVA999' (`nova-lsp rules` lists them)"


def test_an_error_in_a_later_layer_is_blamed_on_that_layer():
    base = overlay({"select": ["NOVA006"]}, "/repo/pyproject.toml [tool.nova-lsp]")
    with pytest.raises(ConfigError, match=r"^command line: select names unknown rule 'NOVA999'"):
        base.overlay({"select": ["NOVA999"]}, "command line")


def test_unknown_keys_and_wrong_types():
    with pytest.raises(ConfigError, match=r"^src: unknown key\(s\) colour, selekt \(known: "):
        overlay({"selekt": ["NOVA006"], "colour": True}, "src")
    with pytest.raises(ConfigError, match=r"^src: 'select' must be a list of strings"):
        overlay({"select": [1]}, "src")
    with pytest.raises(ConfigError, match=r"^src: 'rules' must be a table"):
        overlay({"rules": ["x"]}, "src")


# -- severity overrides -------------------------------------------------------------------------


def test_severity_overrides_by_name_or_prefix_merge_across_layers():
    config = overlay({"severity": {"fixme-comment": "error"}}).overlay({"severity": {"NOVA00": "hint"}}, "cli")
    by_id = {a.rule.id: a.severity for a in config.active_rules()}
    # the later layer's prefix covers NOVA007 too; tables merge key by key, later keys win
    assert by_id["NOVA006"] == Severity.HINT
    assert by_id["NOVA900"] is None  # not overridden: the rule's own severity applies
    assert config.severity == {"fixme-comment": "error", "NOVA00": "hint"}


def test_bad_severity_values():
    with pytest.raises(ConfigError, match=r"^src: severity: unknown severity 'loud'"):
        overlay({"severity": {"NOVA006": "loud"}}, "src")
    with pytest.raises(ConfigError, match=r"^src: severity names unknown rule 'NOVA999'"):
        overlay({"severity": {"NOVA999": "error"}}, "src")


# -- per-rule options ---------------------------------------------------------------------------


def options(config: Config, rule_id: str) -> dict:
    (active,) = [a for a in config.active_rules() if a.rule.id == rule_id]
    return dict(active.options)


def test_defaults_replace_and_extend():
    defaults = dict(load_registry().get("NOVA007").options)
    assert options(Config(), "NOVA007") == defaults
    assert options(overlay({"rules": {"fixme-comment": {"tags": ["BUG"]}}}), "NOVA007")["tags"] == ["BUG"]
    extended = overlay({"rules": {"NOVA007": {"extend-tags": ["BUG"]}}})  # id or name
    assert options(extended, "NOVA007")["tags"] == defaults["tags"] + ["BUG"]
    assert options(extended, "NOVA007")["include-todo"] is defaults["include-todo"]


def test_option_layers_merge_per_key():
    config = overlay({"rules": {"fixme-comment": {"include-todo": True}}}).overlay(
        {"rules": {"fixme-comment": {"tags": ["XXX"]}}}, "editor"
    )
    assert options(config, "NOVA007") == {"tags": ["XXX"], "include-todo": True}


def test_customised_marks_rules_with_user_options():
    by_id = {a.rule.id: a for a in overlay({"rules": {"fixme-comment": {"extend-tags": ["BUG"]}}}).active_rules()}
    assert by_id["NOVA007"].customised and not by_id["NOVA006"].customised
    same = {a.rule.id: a for a in overlay({"rules": {"fixme-comment": {"include-todo": False}}}).active_rules()}
    assert not same["NOVA007"].customised  # setting a default to itself changes nothing


@pytest.mark.parametrize(
    "opts, message",
    [
        ({"tagz": ["X"]}, r"\[rules\.fixme-comment\]: unknown option 'tagz' \(known: include-todo, tags\)"),
        ({"tags": "FIXME"}, r"\[rules\.fixme-comment\]: option 'tags' must be list, not str"),
        ({"include-todo": 1}, r"\[rules\.fixme-comment\]: option 'include-todo' must be bool, not int"),
        ({"extend-include-todo": [True]}, r"\[rules\.fixme-comment\]: 'extend-include-todo' must be a list extending 'include-todo'"),
        ({"extend-tags": "BUG"}, r"\[rules\.fixme-comment\]: 'extend-tags' must be a list extending 'tags'"),
    ],
)
def test_bad_options_name_source_rule_and_key(opts, message):
    with pytest.raises(ConfigError, match=r"^pyproject\.toml: " + message):
        overlay({"rules": {"fixme-comment": opts}}, "pyproject.toml")


def test_options_of_an_unknown_rule():
    with pytest.raises(ConfigError, match=r"\[rules\.no-such-rule\] names an unknown rule"):
        overlay({"rules": {"no-such-rule": {"x": 1}}})


# -- identity and excludes ----------------------------------------------------------------------


def test_fingerprint_follows_what_changes_results_only():
    base = Config()
    assert overlay({"select": ["NOVA006"]}).fingerprint() != base.fingerprint()
    assert overlay({"rules": {"fixme-comment": {"include-todo": True}}}).fingerprint() != base.fingerprint()
    assert overlay({"extend-exclude": ["x"]}).fingerprint() == base.fingerprint()


def test_exclude_replaces_and_extend_exclude_adds():
    assert Config().excludes() == DEFAULT_EXCLUDE
    assert overlay({"exclude": ["a"], "extend-exclude": ["b"]}).excludes() == ("a", "b")
    assert overlay({"extend-exclude": ["b"]}).excludes() == DEFAULT_EXCLUDE + ("b",)


# -- files --------------------------------------------------------------------------------------


def test_pyproject_table_and_standalone_file(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n[tool.nova-lsp]\nselect = ["NOVA006"]\n', encoding="utf-8")
    config = read_config_file(pyproject)
    assert ids(config) == {"NOVA006"}
    assert config.root == str(tmp_path.resolve())
    assert config.source == f"{pyproject} [tool.nova-lsp]"
    standalone = tmp_path / "nova-lsp.toml"
    standalone.write_text('select = ["NOVA007"]\n', encoding="utf-8")
    assert ids(read_config_file(standalone)) == {"NOVA007"}
    renamed = tmp_path / "ci-pyproject.toml"  # a pyproject under another name
    renamed.write_text('[tool.nova-lsp]\nselect = ["NOVA008"]\n', encoding="utf-8")
    assert ids(read_config_file(renamed)) == {"NOVA008"}


def test_invalid_toml_and_unreadable_file(tmp_path):
    bad = tmp_path / "pyproject.toml"
    bad.write_text("[tool.nova-lsp\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"pyproject\.toml: invalid TOML"):
        read_config_file(bad)
    with pytest.raises(ConfigError, match=r"cannot read"):
        read_config_file(tmp_path / "missing.toml")


@pytest.mark.parametrize(
    "text",
    [
        '[tool.nova-lsp]\nselect = ["NOVA006"]\n',
        '[tool."nova-lsp"]\nselect = ["NOVA006"]\n',
        'tool.nova-lsp.select = ["NOVA006"]\n',
    ],
)
def test_discovery_finds_the_nearest_pyproject_in_any_toml_spelling(tmp_path, text):
    _find_pyproject.cache_clear()
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    inner = tmp_path / "pkg" / "sub"
    inner.mkdir(parents=True)
    # a nearer pyproject without our table (or only mentioning us as a dependency) is skipped
    (tmp_path / "pkg" / "pyproject.toml").write_text('[project]\ndependencies = ["nova-lsp"]\n', encoding="utf-8")
    config = discover_config(inner / "module.py")
    assert ids(config) == {"NOVA006"}
    assert config.root == str(tmp_path.resolve())


def test_discovery_without_any_config_roots_at_the_working_directory(tmp_path, monkeypatch):
    # like ruff: with no configuration file, exclude globs are relative to where the command
    # runs (`nova-lsp check nova --extend-exclude "nova/tests/*"`); the server passes its folder
    _find_pyproject.cache_clear()
    monkeypatch.chdir(tmp_path.parent)
    config = discover_config(tmp_path)
    assert config.source is None  # nothing above pytest's temporary directory configures us
    assert config.root == str(Path.cwd())
    assert discover_config(tmp_path, default_root=str(tmp_path)).root == str(tmp_path)
    assert ids(config) == DEFAULT_ON


@pytest.mark.parametrize(
    ("rule", "options", "message"),
    [
        ("retry-without-backoff", {"base": float("nan")}, "must be a finite number"),
        ("retry-without-backoff", {"cap": float("inf")}, "must be a finite number"),
        ("retry-without-backoff", {"max-attempts": -1}, "must not be negative"),
        ("log-sensitive-data", {"sensitive-patterns": ["("]}, "is not a regular expression"),
        ("log-sensitive-data", {"extend-sensitive-patterns": ["[a-"]}, "is not a regular expression"),
        ("log-sensitive-data", {"redactor": "os.system('id') or str"}, "must be a dotted Python name"),
        ("unvalidated-allocation", {"fix-validator": "x; import os"}, "must be a dotted Python name"),
    ],
)
def test_option_values_that_type_check_but_cannot_be_used_are_errors(rule, options, message):
    with pytest.raises(ConfigError, match=message) as raised:
        Config().overlay({"rules": {rule: options}}, "pyproject.toml [tool.nova-lsp]")
    assert str(raised.value).startswith(f"pyproject.toml [tool.nova-lsp]: [rules.{rule}]")


def test_usable_code_names_and_patterns_are_accepted():
    config = Config().overlay(
        {"rules": {"log-sensitive-data": {"redactor": "nova.utils.redact", "extend-sensitive-patterns": ["^vnc_.*"]}}},
        "test",
    )
    assert config.active_rules()


def test_a_deeply_nested_pyproject_is_a_configuration_error(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.nova-lsp]\nselect = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="nested too deeply"):
        read_config_file(path)
