"""Configuration: every key of `[tool.mldebt]` / `.mldebt.yaml`, its effect on a scan, and every error
(exit 2, naming the key and the file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mldebt import api, knowledge
from mldebt.config import Config, ConfigError, find_config, load_config_file, parse_config
from mldebt.rules import all_rules

# Tool-rule findings only (MLD001 is an error, MLD002 a warning), so these tests need no other rule.
PROJECT = {
    "notebooks/explore.ipynb": ["import os", 'print "rows:", len(os.listdir("."))'],
    "pipelines/fit.py": "def main(:\n    pass\n",
    "jobs/score.py": "import sys\nargs = sys.argv  # noqa: MLD001\n",
}


def _findings(root: Path, **kwargs) -> list[tuple[str, str]]:
    result = api.check([root], jobs=1, use_cache=False, **kwargs)
    return [(f.path, f.rule) for f in result.findings]


def _toml_value(value) -> str:
    """TOML for JSON-like data: inline tables and arrays (JSON scalars are valid TOML)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value)


def _as_pyproject(data: dict) -> str:
    return "[tool.mldebt]\n" + "".join(f"{json.dumps(k)} = {_toml_value(v)}\n" for k, v in data.items())


@pytest.fixture(params=["pyproject.toml", ".mldebt.yaml"])
def configured(request, project):
    """`configured(data, files)` writes `data` as [tool.mldebt] or as .mldebt.yaml (both forms are tested)."""

    def make(data: dict, files: dict | None = None) -> Path:
        import yaml

        text = _as_pyproject(data) if request.param == "pyproject.toml" else yaml.safe_dump(data)
        return project({**(files if files is not None else PROJECT), request.param: text})

    return make


@pytest.fixture
def restore_knowledge():
    """`knowledge.readers/writers` extend process-wide API tables: put them back after the test."""
    saved = {name: dict(getattr(knowledge, name)) for name in ("FUNCTIONS", "METHODS")}
    yield
    for name, table in saved.items():
        current = getattr(knowledge, name)
        current.clear()
        current.update(table)


# --- finding the configuration -----------------------------------------------------------------------

def test_defaults_without_a_config(tmp_path):
    (tmp_path / ".git").mkdir()
    config = find_config(tmp_path)
    assert (config.select, config.ignore, config.exclude, config.fail_on) == (["MLD"], [], [], "warning")
    assert config.path is None


def test_config_is_found_upwards_and_stops_at_the_repository(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.mldebt]\nfail-on = "error"\n')
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    (tmp_path / "a" / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # no [tool.mldebt]: keep looking
    assert find_config(nested).fail_on == "error"
    assert find_config(nested / "file.py").path == str(tmp_path / "pyproject.toml")
    (tmp_path / "a" / ".git").mkdir()  # the repository root ends the search
    assert find_config(nested).path is None


def test_mldebt_yaml_wins_over_pyproject_in_the_same_folder(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.mldebt]\nfail-on = "error"\n')
    (tmp_path / ".mldebt.yaml").write_text("fail-on: info\n")
    assert find_config(tmp_path).fail_on == "info"


def test_explicit_config_files(tmp_path):
    (tmp_path / "ci.toml").write_text('fail-on = "error"\n')  # a plain TOML file holds the keys at top level
    (tmp_path / "ci.yaml").write_text("fail-on: info\n")
    (tmp_path / "empty.yaml").write_text("")
    assert load_config_file(tmp_path / "ci.toml").fail_on == "error"
    assert load_config_file(tmp_path / "ci.yaml").fail_on == "info"
    assert load_config_file(tmp_path / "empty.yaml").fail_on == "warning"


def test_config_option_on_the_command_line(cli, project):
    root = project(PROJECT)
    (root / "ci.yaml").write_text("select: [MLD001]\n")
    code, out, _ = cli("check", root, "--no-cache", "--config", root / "ci.yaml")
    assert code == 1 and [line.split(": ")[1] for line in out.splitlines()[:-1]] == ["MLD001 unparsable-source"] * 2


# --- each key and its effect ---------------------------------------------------------------------------

def test_select_and_ignore(configured):
    assert _findings(configured({"select": ["MLD001"]})) == [
        ("notebooks/explore.ipynb", "MLD001"), ("pipelines/fit.py", "MLD001")]
    assert _findings(configured({"ignore": ["MLD002"]})) == [
        ("notebooks/explore.ipynb", "MLD001"), ("pipelines/fit.py", "MLD001")]
    assert _findings(configured({"select": ["MLD0"], "ignore": ["MLD00"]})) == []


def test_command_line_select_overrides_and_ignore_adds(configured):
    root = configured({"select": ["MLD001"]})
    assert len(_findings(root)) == 2
    assert len(_findings(root, select=["MLD0"])) == 3
    assert _findings(configured({"ignore": ["MLD002"]}), ignore=["MLD001"]) == []


def test_extend_select_enables_rules_that_are_off_by_default(configured):
    off = [rule_id for rule_id, rule in all_rules().items() if not rule.enabled_by_default]
    if not off:
        pytest.skip("no rule is off by default yet")
    rule_id = off[0]
    root = configured({"extend-select": [rule_id]})
    config = find_config(root)
    assert config.extend_select == [rule_id]
    assert rule_id in api.selected_rules(config)
    assert rule_id not in api.selected_rules(Config())
    assert "MLD001" in api.selected_rules(config)  # extends, does not replace, the selection


def test_exclude_folders_and_globs(configured):
    root = configured({"exclude": ["pipelines/", "**/explore.ipynb"]})
    assert _findings(root) == [("jobs/score.py", "MLD002")]


def test_gitignore_is_honoured_unless_disabled(configured):
    files = {**PROJECT, ".gitignore": "pipelines/\n"}
    assert ("pipelines/fit.py", "MLD001") not in _findings(configured({}, files))
    assert ("pipelines/fit.py", "MLD001") in _findings(configured({"respect-gitignore": False}, files))


def test_per_file_ignores_globs(configured):
    root = configured({"per-file-ignores": {"notebooks/**": ["MLD001"], "jobs/*.py": ["MLD0"]}})
    assert _findings(root) == [("pipelines/fit.py", "MLD001")]


def test_fail_on(configured, cli):
    warnings_only = {"jobs/score.py": PROJECT["jobs/score.py"]}  # one MLD002 (warning)
    for fail_on, code in (("info", 1), ("warning", 1), ("error", 0)):
        assert cli("check", configured({"fail-on": fail_on}, warnings_only), "--no-cache")[0] == code, fail_on
    assert cli("check", configured({"fail-on": "error"}), "--no-cache")[0] == 1  # MLD001 is an error


def test_max_file_size_skips_with_a_note(configured, cli):
    root = configured({"max-file-size": 10})
    code, out, _ = cli("check", root, "--no-cache", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["findings"] == []
    assert {e["path"] for e in doc["errors"] if "max-file-size" in e["message"]} == set(PROJECT)


def test_file_timeout_is_parsed(configured):
    assert find_config(configured({"file-timeout": 2.5})).file_timeout == 2.5


def test_rule_options(configured):
    with_options = [(rule_id, rule) for rule_id, rule in all_rules().items() if rule.options]
    if not with_options:
        pytest.skip("no rule has options yet")
    rule_id, rule = with_options[0]
    name, default = next(iter(rule.options.items()))
    value = not default if isinstance(default, bool) else (["x"] if isinstance(default, list) else default * 2 + 1)
    config = find_config(configured({"rules": {rule_id: {name: value}}}))
    assert config.options_for(rule)[name] == value
    assert find_config(configured({})).options_for(rule)[name] == default


def test_artifact_contracts(configured):
    contract = {"producer": "pipelines/fit.py", "consumers": ["jobs/predict.py"]}
    config = find_config(configured({"artifacts": {"data/features.csv": contract}}))
    assert config.artifacts["data/features.csv"].producer == "pipelines/fit.py"
    assert config.artifacts["data/features.csv"].consumers == ["jobs/predict.py"]


@pytest.mark.skipif("MLD101" not in all_rules(), reason="needs the cross-file rule MLD101 undeclared-consumer")
def test_artifact_contract_declares_a_consumer(configured):
    files = {
        "pipelines/fit.py": 'import pandas as pd\nframe = pd.DataFrame({"a": [1]})\n'
                            'frame.to_csv("data/features.csv", index=False)\n',
        "jobs/predict.py": 'import pandas as pd\nfeatures = pd.read_csv("data/features.csv")\nprint(features)\n',
    }
    assert _findings(configured({}, files), select=["MLD101"]) == [("jobs/predict.py", "MLD101")]
    contract = {"producer": "pipelines/fit.py", "consumers": ["jobs/predict.py"]}
    assert _findings(configured({"artifacts": {"data/features.csv": contract}}, files), select=["MLD101"]) == []


def test_knowledge_readers_and_writers_add_apis_to_the_graph(configured, restore_knowledge):
    files = {"etl.py": 'import lakehouse\nframe = lakehouse.load_table("data/raw.parquet")\n'
                       'lakehouse.save_table(frame, "data/clean.parquet")\n'}
    knowledge_table = {"readers": {"lakehouse.load_table": {"arg": 0, "kind": "file"}},
                       "writers": {"lakehouse.save_table": {"arg": 1, "kind": "file"}}}
    root = configured({"knowledge": knowledge_table}, files)
    scan = api.scan([root], jobs=1, use_cache=False)
    edges = {(u, v, d["kind"], d.get("api")) for u, v, d in scan.graph.g.edges(data=True)}
    assert ("data/raw.parquet", "etl.py", "reads", "lakehouse.load_table") in edges
    assert ("etl.py", "data/clean.parquet", "writes", "lakehouse.save_table") in edges


# --- errors --------------------------------------------------------------------------------------------

ERRORS = [
    ({"selekt": ["MLD1"]}, "unknown key `selekt`"),
    ({"select": "MLD1 MLD2"}, "`select` names unknown rule id or prefix 'MLD1 MLD2'"),
    ({"select": [1]}, "`select` must be a list of strings"),
    ({"ignore": ["MLD9"]}, "`ignore` names unknown rule id or prefix 'MLD9'"),
    ({"extend-select": ["XYZ"]}, "`extend-select` names unknown rule id or prefix 'XYZ'"),
    ({"exclude": {"a": 1}}, "`exclude` must be a list of strings"),
    ({"per-file-ignores": ["MLD001"]}, "`per-file-ignores` must be a table of glob -> rule ids"),
    ({"per-file-ignores": {"nb/**": ["MLD999"]}}, "`per-file-ignores.nb/**` names unknown rule id or prefix"),
    ({"fail-on": "sometimes"}, "`fail-on` must be one of info, warning, error, got 'sometimes'"),
    ({"respect-gitignore": "yes"}, "`respect-gitignore` must be true or false"),
    ({"max-file-size": -1}, "`max-file-size` must be a positive number, got -1"),
    ({"max-file-size": True}, "`max-file-size` must be a positive number, got True"),
    ({"file-timeout": "10s"}, "`file-timeout` must be a positive number"),
    ({"rules": ["MLD001"]}, "`rules` must be a table of rule id -> options"),
    ({"rules": {"MLD999": {}}}, "`rules.MLD999` names an unknown rule"),
    ({"rules": {"MLD001": 3}}, "`rules.MLD001` must be a table of options"),
    ({"rules": {"MLD001": {"strict": True}}}, "unknown option `rules.MLD001.strict` (options of MLD001: none)"),
    ({"artifacts": ["x"]}, "`artifacts` must be a table of artifact path -> contract"),
    ({"artifacts": {"a.csv": {"owner": "x"}}}, '`artifacts."a.csv"` takes only `producer` and `consumers`'),
    ({"artifacts": {"a.csv": {"producer": 3}}}, '`artifacts."a.csv".producer` must be a path string'),
    ({"artifacts": {"a.csv": {"consumers": [1]}}}, '`artifacts."a.csv".consumers` must be a list of strings'),
    ({"knowledge": {"readers": {}, "tables": {}}}, "`knowledge` takes only `readers` and `writers` tables"),
    ({"knowledge": {"readers": ["x.load"]}}, "`knowledge.readers` must be a table of API name"),
    ({"knowledge": {"writers": {"x.save": {"path": 0}}}}, "`knowledge.writers.x.save` takes `arg`, `kw`, `kind`"),
    ({"knowledge": {"readers": {"x.load": {"kind": "blob"}}}}, "`knowledge.readers.x.load.kind` must be file"),
]


@pytest.mark.parametrize("data, message", ERRORS, ids=[m.split("`")[1] if "`" in m else m for _, m in ERRORS])
def test_config_errors_exit_2_naming_key_and_file(configured, cli, data, message):
    root = configured(data)
    config_file = next(p for p in (root / "pyproject.toml", root / ".mldebt.yaml") if p.exists())
    code, out, err = cli("check", root, "--no-cache")
    assert code == 2 and out == ""
    assert err.startswith(f"mldebt: configuration error: {config_file}: ")
    assert message in err


def test_rule_option_type_errors():
    with_options = [(rule_id, rule) for rule_id, rule in all_rules().items() if rule.options]
    if not with_options:
        pytest.skip("no rule has options yet")
    rule_id, rule = with_options[0]
    name, default = next(iter(rule.options.items()))
    wrong = "text" if not isinstance(default, str) else 3
    with pytest.raises(ConfigError, match=rf"pyproject.toml: `rules.{rule_id}.{name}` must be a"):
        parse_config({"rules": {rule_id: {name: wrong}}}, "pyproject.toml")


@pytest.mark.parametrize("name, text, message", [
    ("pyproject.toml", "[tool.mldebt\nselect = 1\n", "cannot read TOML"),
    (".mldebt.yaml", "select: [MLD001\n", "cannot read YAML"),
    (".mldebt.yaml", "- MLD001\n", "the mldebt configuration must be a table/mapping"),
])
def test_unreadable_config_files(cli, project, name, text, message):
    root = project({**PROJECT, name: text})
    code, _, err = cli("check", root, "--no-cache")
    assert code == 2 and f"{root / name}: {message}" in err
