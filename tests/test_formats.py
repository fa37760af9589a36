"""The `check` output formats that other tools read: SARIF (GitHub code scanning), GitHub workflow
annotations, the Markdown PR comment, and the raw-.ipynb line mapping they share."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from mldebt.docs import rule_page
from mldebt.report import github, markdown, sarif
from mldebt.rules import all_rules
from mldebt.sources.ipynb_lines import notebook_lines
from mldebt.testing import notebook_json

SCHEMA = Path(__file__).resolve().parents[2] / "shared/schemas/sarif-schema-2.1.0.json"

# A project whose findings come from the always-present tool rules: a Python 2 cell and a broken script
# (MLD001), and `noqa` comments naming MLD001 where nothing fails (MLD002).
PROJECT = {
    "analysis/explore.ipynb": [
        {"cell_type": "markdown", "source": "# Exploring the churn data"},
        "import os\n\nfeatures = os.listdir('.')  # noqa: MLD001\n",
        'print "rows:", len(features)\n',
    ],
    "pipelines/fit.py": "import os\n\n\ndef main(:\n    pass\n",
    "jobs/score.py": "import sys\nargs = sys.argv  # mldebt: ignore[MLD001]\n",
}


def _sarif(cli, root, *extra) -> dict:
    code, out, err = cli("check", root, "--format", "sarif", "--no-cache", *extra)
    assert code == 1, err
    return json.loads(out)


def _validate(doc: dict) -> None:
    if not SCHEMA.is_file():
        pytest.skip(f"SARIF schema not found at {SCHEMA} (the shared schemas folder is outside this repo)")
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the test extras")
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(doc)


# --- raw .ipynb line mapping -------------------------------------------------------------------------

def test_ipynb_lines_list_of_strings_counts_markdown_cells():
    text = notebook_json([{"cell_type": "markdown", "source": "# title"}, "import os\nx = 1\n\ny = 2"])
    raw = text.split("\n")
    lines = notebook_lines(text)
    for cell_line, expected in enumerate(["import os", "x = 1", "", "y = 2"], start=1):
        found = lines.raw_line(2, cell_line)
        assert json.loads(raw[found - 1].strip().rstrip(",")) .rstrip("\n") == expected
    assert lines.raw_line(1, 1) == raw.index('    "# title"') + 1
    assert lines.raw_line(3, 1) is None  # no such cell
    assert lines.raw_line(None, 1) is None  # scripts have no cells


def test_ipynb_lines_single_string_source_and_multi_line_pieces():
    doc = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
         "source": "import os\nx = 1\n"},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 2,
         "source": ["a = 1\nb = 2\n", "c = ", "3\n", "d = 4"]},
    ]}
    text = json.dumps(doc, indent=1)
    raw = text.split("\n")
    lines = notebook_lines(text)
    single = raw.index('   "source": "import os\\nx = 1\\n"') + 1
    assert lines.raw_line(1, 1) == lines.raw_line(1, 2) == single
    first = raw.index('    "a = 1\\nb = 2\\n",') + 1
    assert [lines.raw_line(2, n) for n in (1, 2, 3, 4)] == [first, first, first + 1, first + 3]
    assert lines.raw_line(2, 99) == first + 3  # past the end: the last line


def test_ipynb_lines_minified_nbformat3_bom_and_broken_json():
    v3 = {"nbformat": 3, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "heading", "source": "T", "level": 1},
        {"cell_type": "code", "input": ["x = 1\n", "y = 2"], "language": "python", "outputs": []}]}]}
    text = json.dumps(v3, indent=1)
    assert text.split("\n")[notebook_lines(text).raw_line(2, 2) - 1].strip() == '"y = 2"'
    minified = notebook_json(["a = 1\nb = 2"]).replace("\n", "").replace("  ", "")
    assert notebook_lines(minified).raw_line(1, 2) == 1
    assert notebook_lines(("\ufeff" + notebook_json(["a = 1\nb = 2"])).encode()).raw_line(1, 2) == 9
    assert notebook_lines(b'{"cells": [').raw_line(1, 1) is None
    assert notebook_lines(b"\xff\xfe not json").raw_line(1, 1) is None


# --- SARIF -------------------------------------------------------------------------------------------

def test_sarif_validates_and_describes_every_selected_rule(cli, project, monkeypatch):
    monkeypatch.delenv("MLDEBT_RULES_URL", raising=False)
    root = project(PROJECT)
    doc = _sarif(cli, root)
    _validate(doc)
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "mldebt"
    ids = [r["id"] for r in driver["rules"]]
    assert ids == sorted(ids) and {"MLD001", "MLD002"} <= set(ids)
    registry = all_rules()
    for descriptor in driver["rules"]:
        rule = registry[descriptor["id"]]
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary()
        assert descriptor["fullDescription"]["text"]
        assert descriptor["helpUri"] == f"https://github.com/mldebt/mldebt/blob/main/rules/{rule.id}.md"
        assert descriptor["help"]["markdown"] == rule_page(rule)
        assert descriptor["defaultConfiguration"]["level"] == {"error": "error", "warning": "warning",
                                                                "info": "note"}[rule.severity]
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert len(result["locations"]) == 1
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == root.resolve().as_uri() + "/"


def test_sarif_notebook_results_point_at_the_raw_ipynb_line(cli, project):
    root = project(PROJECT)
    doc = _sarif(cli, root)
    findings = json.loads(cli("check", root, "--format", "json", "--no-cache")[1])["findings"]
    results = doc["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == [f["rule"] for f in findings]
    raw = (root / "analysis/explore.ipynb").read_text(encoding="utf-8").split("\n")
    notebook = [r for r in results if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "analysis/explore.ipynb"]
    assert {(r["ruleId"], r["properties"]["cell"], r["properties"]["cellLine"]) for r in notebook} == {
        ("MLD002", 2, 3), ("MLD001", 3, 1)}
    for result in notebook:
        line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
        cell_line = result["properties"]["cellLine"]
        cell_text = json.loads(notebook_json(PROJECT["analysis/explore.ipynb"]))["cells"][
            result["properties"]["cell"] - 1]["source"][cell_line - 1]
        assert json.loads(raw[line - 1].strip().rstrip(",")) == cell_text
        assert result["properties"]["cellId"] == f"cell-{result['properties']['cell']}"
        assert f"(cell {result['properties']['cell']}, line {cell_line})" in result["message"]["text"]
    script = next(r for r in results if r["ruleId"] == "MLD001" and "properties" not in r)
    assert script["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "pipelines/fit.py"
    assert script["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    assert {r["partialFingerprints"]["mldebt/v1"] for r in results} == {f["fingerprint"] for f in findings}


def test_sarif_is_byte_identical_across_runs_and_honours_the_rules_url(cli, project, monkeypatch):
    root = project(PROJECT)
    first = cli("check", root, "--format", "sarif", "--no-cache")[1]
    second = cli("check", root, "--format", "sarif", "--jobs", "2")[1]
    assert first == second
    monkeypatch.setenv("MLDEBT_RULES_URL", "https://example.org/mldebt/rules")
    doc = _sarif(cli, root)
    assert doc["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"].startswith("https://example.org/mldebt/rules/MLD")


def test_sarif_select_limits_the_rule_list(cli, project):
    doc = _sarif(cli, project(PROJECT), "--select", "MLD001")
    assert [r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]] == ["MLD001"]
    assert {r["ruleId"] for r in doc["runs"][0]["results"]} == {"MLD001"}


def test_sarif_paths_are_relative_to_the_git_repository(cli, tmp_path):
    from mldebt.testing import write_example

    (tmp_path / ".git").mkdir()
    root = write_example(tmp_path / "services" / "churn", {"pyproject.toml": "[tool.mldebt]\n",
                                                          "train.py": "def f(:\n"})
    doc = _sarif(cli, root)
    location = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "services/churn/train.py"
    assert doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"


def _records_with_related(root: Path) -> list[dict]:
    """Records written directly (as a cross-file rule produces them), for formats independent of rules."""
    return [{
        "rule": "MLD001", "name": "unparsable-source", "family": "tool", "severity": "error",
        "path": "jobs/predict.py", "cell": None, "cell_id": None, "line": 2, "column": 5, "end_line": 2,
        "end_column": 30, "message": "reads artifacts/clf.joblib | written by analysis/train.ipynb",
        "related": [{"path": "analysis/train.ipynb", "cell": 2, "line": 2, "message": "written here"},
                    {"path": "jobs/other.py", "cell": None, "line": 7, "message": "also read here"}],
        "fingerprint": "0123456789abcdef0123",
    }]


def test_sarif_related_locations_map_notebook_cells(project):
    root = project({"analysis/train.ipynb": ["import joblib", "model = 1\njoblib.dump(model, 'x')"],
                    "jobs/predict.py": "import joblib\nclf = joblib.load('artifacts/clf.joblib')\n"})
    result = SimpleNamespace(root=root, selected=["MLD001"], baseline_hidden=0)
    doc = json.loads(sarif.render(_records_with_related(root), result))
    _validate(doc)
    related = doc["runs"][0]["results"][0]["relatedLocations"]
    assert [r["id"] for r in related] == [1, 2]
    notebook_raw = (root / "analysis/train.ipynb").read_text(encoding="utf-8").split("\n")
    line = related[0]["physicalLocation"]["region"]["startLine"]
    assert notebook_raw[line - 1].strip() == '"joblib.dump(model, \'x\')"'
    assert related[0]["properties"] == {"cell": 2, "cellLine": 2}
    assert related[0]["message"]["text"] == "written here"
    assert related[1]["physicalLocation"]["region"]["startLine"] == 7


# --- GitHub workflow annotations ---------------------------------------------------------------------

def test_github_escaping_follows_the_actions_toolkit():
    assert github.escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_annotations_for_scripts_and_notebooks(cli, project):
    root = project(PROJECT)
    code, out, _ = cli("check", root, "--format", "github", "--no-cache")
    assert code == 1
    lines = out.splitlines()
    assert lines[-1] == "mldebt: 4 findings"
    raw = (root / "analysis/explore.ipynb").read_text(encoding="utf-8").split("\n")
    py2_line = next(n for n, text in enumerate(raw, start=1) if "print \\\"rows" in text)
    assert lines[1] == (f"::error file=analysis/explore.ipynb,line={py2_line},title=MLD001 unparsable-source::"
                        "cell 3, line 1: cannot parse cell 3 of analysis/explore.ipynb: syntax error: Missing "
                        "parentheses in call to 'print'. Did you mean print(...)? (this looks like Python 2 code); "
                        "the rest of the file is still analysed")
    assert any(line.startswith("::warning file=jobs/score.py,line=2,col=") and
               ",title=MLD002 unused-suppression::`# mldebt: ignore[MLD001]`" in line for line in lines)
    assert any(line.startswith("::error file=pipelines/fit.py,line=4,col=") for line in lines)


def test_github_annotation_escapes_and_maps_severity(project):
    root = project({"jobs/predict.py": "x = 1\n"})
    rec = dict(_records_with_related(root)[0], severity="info", message="50% of rows\nare dropped",
               name="odd,name:here")
    line = github.annotation(rec, github.Locator(root))
    assert line == ("::notice file=jobs/predict.py,line=2,col=5,endLine=2,endColumn=30,"
                    "title=MLD001 odd%2Cname%3Ahere::50%25 of rows%0Aare dropped")


# --- Markdown PR comment -----------------------------------------------------------------------------

def test_markdown_groups_by_file_and_escapes_table_cells(cli, project):
    root = project(PROJECT)
    code, out, _ = cli("check", root, "--format", "markdown", "--no-cache")
    assert code == 1
    assert out.startswith("### mldebt: 4 findings in 3 files\n")
    headings = [line for line in out.splitlines() if line.startswith("#### ")]
    assert headings == ["#### `analysis/explore.ipynb` (2)", "#### `jobs/score.py` (1)", "#### `pipelines/fit.py` (1)"]
    assert "| cell 2, line 3 | [MLD002](https://github.com/mldebt/mldebt/blob/main/rules/MLD002.md) " \
           "unused-suppression | warning |" in out
    for line in out.splitlines():
        if line.startswith("| "):
            assert line.endswith(" |")


def test_markdown_escape_cell():
    assert markdown.escape_cell("a | b `x|y<z` <b>bold</b> & c\nd") == \
        "a \\| b `x\\|y<z` &lt;b&gt;bold&lt;/b&gt; &amp; c d"
    rec = _records_with_related(Path("."))[0]
    text = markdown.render([rec], SimpleNamespace(baseline_hidden=3))
    row = next(line for line in text.splitlines() if line.startswith("| line 2:5"))
    assert "reads artifacts/clf.joblib \\| written by analysis/train.ipynb" in row
    assert len(re.findall(r"(?<!\\)\|", row)) == 5  # four columns: the message's pipe is escaped
    assert "_3 known findings hidden by baseline._" in text


def test_markdown_without_findings(cli, project):
    code, out, _ = cli("check", project({"ok.py": "x = 1\n"}), "--format", "markdown", "--no-cache")
    assert code == 0
    assert out == "### mldebt: no findings\n"


def test_every_format_is_deterministic(cli, project):
    root = project(PROJECT)
    for fmt in ("json", "github", "markdown", "sarif"):
        outputs = {cli("check", root, "--format", fmt, "--no-cache", "--jobs", str(jobs))[1] for jobs in (1, 2)}
        assert len(outputs) == 1, fmt



@pytest.mark.skipif("MLD101" not in all_rules(), reason="needs the cross-file rule MLD101 undeclared-consumer")
def test_sarif_cross_file_finding_relates_the_writer_cell(cli, project):
    root = project({
        "analysis/train.ipynb": ["import pandas as pd",
                                 'frame = pd.DataFrame({"a": [1]})\nframe.to_csv("../data/features.csv", index=False)'],
        "jobs/predict.py": 'import pandas as pd\nfeatures = pd.read_csv("data/features.csv")\nprint(features)\n',
    })
    doc = _sarif(cli, root, "--select", "MLD101")
    _validate(doc)
    [result] = doc["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "jobs/predict.py"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    [related] = result["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "analysis/train.ipynb"
    raw = (root / "analysis/train.ipynb").read_text(encoding="utf-8").split("\n")
    assert "frame.to_csv" in raw[related["physicalLocation"]["region"]["startLine"] - 1]
    assert related["properties"] == {"cell": 2, "cellLine": 2}
