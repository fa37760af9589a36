"""`mldebt report`: the HTML and Markdown debt reports, the graph layout, the debt score and `--base`."""

from __future__ import annotations

import html as htmllib
import itertools
import os
import random
import re
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from mldebt import api
from mldebt.cli import main
from mldebt.report import debt, diff, html, layout, md_report, score, svg
from mldebt.report.common import records
from mldebt.report.markdown import escape_cell

PROJECT = {
    "pipelines/prep.py": (
        "import pandas as pd\n"
        "raw = pd.read_csv('data/raw.csv')\n"
        "raw.dropna().to_parquet('data/clean.parquet')\n"
    ),
    "pipelines/fit.py": (
        "import joblib\n"
        "import pandas as pd\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "\n"
        "df = pd.read_parquet('data/clean.parquet')\n"
        "clf = LogisticRegression()\n"
        "clf.fit(df[['a']], df['y'])\n"
        "joblib.dump(clf, 'models/clf.joblib')\n"
    ),
    "scratch/old.py": "def broken(:\n    pass\n",
    "jobs/score.py": (
        "import joblib\n"
        "import pandas as pd\n"
        "clf = joblib.load('models/clf.joblib')\n"
        "df = pd.read_parquet('data/clean.parquet')  # noqa: MLD001\n"
        "pd.DataFrame({'p': clf.predict(df[['a']])}).to_csv('data/preds.csv')\n"
    ),
    "notebooks/explore.ipynb": [
        "import pandas as pd",
        {"cell_type": "markdown", "source": "# Predictions"},
        "preds = pd.read_csv('../data/preds.csv')\npreds.head(",
        "preds.describe()",
    ],
    "dvc.yaml": (
        "stages:\n"
        "  prep:\n"
        "    cmd: python pipelines/prep.py\n"
        "    deps: [data/raw.csv]\n"
        "    outs: [data/clean.parquet]\n"
    ),
}

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


def _check(root: Path):
    return api.check([str(root)], jobs=1, use_cache=False)


@pytest.fixture
def result(project):
    return _check(project(PROJECT))


# ---------------------------------------------------------------------------------------------- layout
def test_layers_follow_the_data_flow_and_cycles_are_broken():
    nodes = ["raw", "prep", "clean", "fit", "model", "score", "preds"]
    edges = [("raw", "prep"), ("prep", "clean"), ("clean", "fit"), ("fit", "model"), ("model", "score"),
             ("clean", "score"), ("score", "preds"), ("preds", "fit")]  # a feedback loop through fit
    lay = layout.layered_layout(nodes, edges, {n: (60, 30) for n in nodes})
    assert lay.reversed_edges, "the feedback loop must be broken by reversing an edge"
    for u, v in edges:
        if (u, v) not in lay.reversed_edges:
            assert lay.layers[u] < lay.layers[v], (u, v)
            assert lay.positions[u][0] < lay.positions[v][0]
    assert set(lay.routes) == set(edges)
    for (u, v), points in lay.routes.items():
        assert len(points) == abs(lay.layers[v] - lay.layers[u]) + 1  # one bend per crossed layer


def test_barycenter_ordering_removes_avoidable_crossings():
    # two parallel chains given in an order that makes them cross
    nodes = ["a", "b", "y", "x"]
    lay = layout.layered_layout(nodes, [("a", "x"), ("b", "y")], {n: (40, 20) for n in nodes})
    assert lay.crossings == 0
    assert (lay.positions["a"][1] < lay.positions["b"][1]) == (lay.positions["x"][1] < lay.positions["y"][1])


def test_isotonic_placement_is_the_exact_least_squares_solution():
    assert layout.isotonic_place([0, 0, 0], [10, 10], [1, 1, 1]) == [-10.0, 0.0, 10.0]
    assert layout.isotonic_place([0, 50, 20], [10, 10], [1, 1, 1]) == [0.0, 30.0, 40.0]
    assert layout.isotonic_place([5, 100], [10], [1, 1]) == [5.0, 100.0]  # no conflict: wishes kept


def test_layout_of_a_few_hundred_nodes_is_fast_and_has_no_overlaps():
    rng = random.Random(7)
    units = [f"u{i}" for i in range(120)]
    artifacts = [f"a{i}" for i in range(180)]
    edges = [(rng.choice(units), a) for a in artifacts]
    edges += [(rng.choice(artifacts), rng.choice(units)) for _ in range(240)]
    sizes = {n: (90, 30) for n in units + artifacts}
    started = time.perf_counter()
    lay = layout.layered_layout(units + artifacts, edges, sizes)
    assert time.perf_counter() - started < 10
    by_layer: dict[int, list[float]] = {}
    for node, layer_index in lay.layers.items():
        by_layer.setdefault(layer_index, []).append(lay.positions[node][1])
    for ys in by_layer.values():
        ys.sort()
        assert all(b - a >= 30 + 16 - 1e-6 for a, b in itertools.pairwise(ys))


# ---------------------------------------------------------------------------------------------- score
def test_debt_score_weights_findings_by_severity(result):
    recs = records(result.findings)
    scored = score.score(recs, result.scan.facts, result.scan.files)
    assert scored.score == sum(score.WEIGHTS[r["severity"]] for r in recs)
    assert scored.findings == len(recs)
    spots = scored.hot_spots()
    assert spots and [s.score for s in spots] == sorted((s.score for s in spots), reverse=True)
    old = scored.files["scratch/old.py"]
    assert old.lines == 2 and old.score >= score.WEIGHTS["error"]  # the syntax error is an error
    assert "error = 10" in score.FORMULA


# ---------------------------------------------------------------------------------------------- html
def test_html_report_holds_every_finding_with_location_excerpt_and_rule_page(result):
    page = html.render(debt.build(result))
    recs = records(result.findings)
    assert recs, "the fixture project must produce findings"
    for rec in recs:
        article = re.search(rf'<article [^>]*id="finding-{re.escape(rec["fingerprint"])}".*?</article>', page, re.DOTALL)
        assert article, rec
        text = article.group(0)
        assert htmllib.escape(rec["message"]) in text
        assert f'href="#rule-{rec["rule"]}"' in text
        assert f'id="rule-{rec["rule"]}"' in page  # the rule page is embedded
        if rec["cell"] is not None:
            assert f"cell {rec['cell']}, line {rec['line']}" in text
    broken = next(r for r in recs if r["rule"] == "MLD001" and r["path"] == "notebooks/explore.ipynb")
    assert broken["cell"] == 3
    article = re.search(rf'id="finding-{broken["fingerprint"]}".*?</article>', page, re.DOTALL).group(0)
    assert '<span class="hit"><i>2</i>preds.head(</span>' in article  # the excerpt marks the line


def test_html_report_is_self_contained(result):
    page = html.render(debt.build(result))
    for target in EXTERNAL.findall(page):
        assert target.startswith("#"), f"non-local link or resource: {target}"
    assert "<link" not in page and "@import" not in page and "url(http" not in page
    assert "prefers-color-scheme: dark" in page and "<script>" in page and "<style>" in page


def test_svg_draws_a_node_per_unit_and_artifact_with_shapes_and_marks(result):
    report = debt.build(result)
    picture, collapsed = svg.render(report)
    assert not collapsed
    drawn = re.findall(r'<g class="node ([^"]*)" data-id="([^"]*)"', picture)
    ids = {htmllib.unescape(node_id): classes for classes, node_id in drawn}
    graph = result.scan.graph
    assert set(graph.units()) | set(graph.artifacts()) <= set(ids)
    assert len(drawn) == len(ids) == len(graph.g)  # one node each, nothing drawn twice
    assert "unit script" in ids["jobs/score.py"] and "unit notebook" in ids["notebooks/explore.ipynb"]
    assert "artifact model" in ids["models/clf.joblib"] and "artifact file" in ids["data/raw.csv"]
    assert "pipeline" in ids["dvc.yaml#prep"]
    assert "flagged" in ids["notebooks/explore.ipynb"]
    assert 'class="edge reads declared"' in picture  # prep.py's read of data/raw.csv is declared by dvc.yaml
    assert picture.count('class="edge') >= len([e for e in graph.g.edges(data=True) if e[2]["kind"] != "declares"])


def _fake_record(rule: str, path: str, line: int, message: str, related=()) -> dict:
    return {"rule": rule, "path": path, "cell": None, "line": line, "message": message, "related": list(related)}


def test_graph_marks_undeclared_consumers_jungles_and_feedback_loops(result):
    graph = result.scan.graph
    recs = [
        _fake_record("MLD101", "jobs/score.py", 3, "reads models/clf.joblib, written by pipelines/fit.py"),
        _fake_record("MLD202", "pipelines/prep.py", 1,
                     "pipelines/prep.py -> pipelines/fit.py -> jobs/score.py are linked only through files",
                     [{"path": "pipelines/fit.py"}, {"path": "jobs/score.py"}]),
    ]
    marks = debt.graph_marks(graph, recs)
    assert marks.edge_marks[("models/clf.joblib", "jobs/score.py")] >= {"undeclared"}
    assert "undeclared" not in marks.edge_marks.get(("data/clean.parquet", "jobs/score.py"), set())
    assert "jungle" in marks.edge_marks[("pipelines/fit.py", "models/clf.joblib")]
    assert "jungle" in marks.edge_marks[("data/clean.parquet", "pipelines/fit.py")]
    assert {"pipelines/prep.py", "pipelines/fit.py", "jobs/score.py"} <= {
        n for n, m in marks.node_marks.items() if "jungle" in m}
    assert "declared" in marks.edge_marks[("data/raw.csv", "pipelines/prep.py")]


def test_feedback_cycle_is_marked(project):
    root = project({
        "train.py": "import pandas as pd\nfrom sklearn.linear_model import LinearRegression\n"
                    "df = pd.read_csv('data/labels.csv')\nm = LinearRegression().fit(df[['x']], df['y'])\n"
                    "import joblib\njoblib.dump(m, 'm.joblib')\n",
        "serve.py": "import joblib\nimport pandas as pd\nm = joblib.load('m.joblib')\nX = pd.read_csv('x.csv')\n"
                    "pd.DataFrame({'x': X['x'], 'y': m.predict(X[['x']])}).to_csv('data/labels.csv')\n",
    })
    graph = _check(root).scan.graph
    marks = debt.graph_marks(graph, [_fake_record("MLD105", "train.py", 3, "serve.py feeds train.py")])
    assert "feedback" in marks.node_marks["serve.py"] and "feedback" in marks.node_marks["m.joblib"]
    assert "feedback" in marks.edge_marks[("serve.py", "data/labels.csv")]
    assert "x.csv" not in marks.node_marks


def test_large_graphs_collapse_to_units_with_artifacts_in_tooltips():
    import networkx as nx

    from mldebt.graph.model import DataGraph

    g = nx.MultiDiGraph()
    for i in range(60):
        g.add_node(f"jobs/j{i}.py", kind="script")
        for j in range(3):
            g.add_node(f"data/d{i}_{j}.csv", kind="file")
            g.add_edge(f"jobs/j{i}.py", f"data/d{i}_{j}.csv", kind="writes", line=1)
            if i:
                g.add_edge(f"data/d{i - 1}_{j}.csv", f"jobs/j{i}.py", kind="reads", line=2)
    report = debt.Report(root="/p", files=[], scripts=60, notebooks=0, records=[], fixed=[],
                         score=score.score([], {}, []), base_score=None, by_family={}, graph=DataGraph(g),
                         marks=debt.GraphMarks(), rules={})
    picture, collapsed = svg.render(report)
    assert collapsed
    assert picture.count('class="node unit') == 60 and "artifact" not in picture
    assert "writes: data/d5_0.csv, data/d5_1.csv, data/d5_2.csv" in picture  # artifacts on hover
    assert "via data/d5_0.csv, data/d5_1.csv, data/d5_2.csv" in picture


def test_rule_pages_become_html():
    out = html.markdown_html("# T\n\nSome `code` and **bold**.\n\n- one\n- two\n\n```python\nx = 1 < 2\n```\n")
    assert "<code>code</code>" in out and "<b>bold</b>" in out and "<li>two</li>" in out
    assert "<pre><code>x = 1 &lt; 2</code></pre>" in out


# ---------------------------------------------------------------------------------------------- markdown
def test_markdown_report_has_summary_findings_and_mermaid(result):
    text = md_report.render(debt.build(result))
    recs = records(result.findings)
    assert text.startswith("## mldebt debt report")
    assert f"{len(recs)} finding" in text and "### Hot spots" in text
    for rec in recs:
        assert escape_cell(rec["message"]) in text
        assert f"[{rec['rule']}](" in text  # linked to its rule page
    assert "```mermaid\nflowchart LR" in text
    assert "cell 3, line 2" in text  # notebook locations name the cell


def test_markdown_report_shows_top_findings_and_counts_the_rest(project):
    files = {f"bad{i}.py": "def f(:\n    pass\n" for i in range(20)}
    report = debt.build(_check(project(files)))
    text = md_report.render(report, top=5)
    assert "### Findings (5 of 20)" in text
    assert "… and 15 more findings" in text
    assert len(text) < 20000


# ---------------------------------------------------------------------------------------------- --base
def _git(root: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org")
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True,
                          env=env).stdout


def test_base_diff_marks_new_fixed_and_unchanged_and_leaves_the_repo_alone(project):
    root = project(PROJECT)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "v1")
    # the change: fix old.py's syntax error, break a new script, move code in score.py down two lines
    (root / "scratch/old.py").write_text(PROJECT["scratch/old.py"].replace("def broken(:", "def broken():"))
    (root / "jobs/new.py").write_text("x = [\n")
    (root / "jobs/score.py").write_text("\n\n" + PROJECT["jobs/score.py"])
    state = [_git(root, "status", "--porcelain"), _git(root, "worktree", "list"), _git(root, "rev-parse", "HEAD"),
             _git(root, "stash", "list")]

    current = _check(root)
    d = diff.diff_against("HEAD", [str(root)], current)
    by_fp = {r["fingerprint"]: r for r in records(current.findings)}
    new = {(by_fp[fp]["rule"], by_fp[fp]["path"]) for fp, s in d.status.items() if s == "new"}
    unchanged = {(by_fp[fp]["rule"], by_fp[fp]["path"]) for fp, s in d.status.items() if s == "unchanged"}
    assert ("MLD001", "jobs/new.py") in new
    assert ("MLD001", "notebooks/explore.ipynb") in unchanged
    assert all(path != "jobs/score.py" for _, path in new), "moved lines are not new findings"
    assert [(r["rule"], r["path"]) for r in d.fixed] == [("MLD001", "scratch/old.py")]
    assert state == [_git(root, "status", "--porcelain"), _git(root, "worktree", "list"),
                     _git(root, "rev-parse", "HEAD"), _git(root, "stash", "list")]

    report = debt.build(current, d)
    page = html.render(report)
    assert f"This change adds <b>{d.new}</b> finding" in page and "fixes <b>1</b>" in page
    assert 'data-status="fixed"' in page and 'data-status="new"' in page
    text = md_report.render(report)
    assert text.splitlines()[2].startswith(f"**This change adds {d.new} finding")
    assert "Fixed by this change (1)" in text


def test_base_outside_a_git_repository_is_a_usage_error(project):
    root = project({"a.py": "x = 1\n"})
    out = root / "report.html"
    inside = subprocess.run(["git", "-C", str(root), "rev-parse"], capture_output=True, check=False)
    if inside.returncode == 0:
        pytest.skip("tmp dir is inside a git repository")
    res = CliRunner().invoke(main, ["report", str(root), "--no-cache", "--base", "HEAD", "-o", str(out)])
    assert res.exit_code == 2 and "--base HEAD" in res.output
    assert not out.exists()


def test_unknown_base_ref_is_a_usage_error(project):
    root = project({"a.py": "x = 1\n"})
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "v1")
    res = CliRunner().invoke(main, ["report", str(root), "--no-cache", "--base", "no-such-ref", "--format",
                                    "markdown"])
    assert res.exit_code == 2


# ---------------------------------------------------------------------------------------------- cli
@pytest.mark.parametrize("fmt,marker", [("html", "<!DOCTYPE html>"), ("markdown", "## mldebt debt report")])
def test_cli_writes_the_report_file(project, fmt, marker):
    root = project(PROJECT)
    out = root / "out" / f"report.{fmt}"
    res = CliRunner().invoke(main, ["report", str(root), "--format", fmt, "-o", str(out), "--no-cache", "-j", "1"])
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8").startswith(marker)


def test_report_on_the_examples_project():
    examples = Path(__file__).resolve().parent.parent / "examples"
    if not examples.is_dir():
        pytest.skip("no examples/ project")
    current = _check(examples)
    page = html.render(debt.build(current))
    for rec in records(current.findings):
        assert f'id="finding-{rec["fingerprint"]}"' in page
    assert all(t.startswith("#") for t in EXTERNAL.findall(page))
    for node in current.scan.graph.units() + current.scan.graph.artifacts():
        assert f'data-id="{htmllib.escape(node)}"' in page
