"""Focused tests of the data-dependency rules (MLD101-105) and the graph rules of MLD2xx (MLD202, MLD206):
what the findings say, where they point, what they relate to, and the declarations that silence them.
The rules' own VALID/INVALID examples run in test_rule_examples.py."""

from __future__ import annotations

PREPARE = 'import pandas as pd\nraw = pd.read_csv("data/raw.csv")\nraw.dropna().to_parquet("data/features.parquet")\n'
TRAIN = 'import pandas as pd\nX = pd.read_parquet("data/features.parquet")\nprint(X.shape)\n'


def only(findings, rule):
    return [f for f in findings if f.rule == rule]


# ---------------------------------------------------------------------- MLD101 undeclared-consumer
def test_mld101_names_the_writer_and_relates_its_write_site(project, run_check):
    root = project({"prepare.py": PREPARE, "train.py": TRAIN})
    [finding] = only(run_check(root, select=["MLD101"]), "MLD101")
    assert finding.path == "train.py" and (finding.pos.line, finding.pos.column) == (2, 5)
    assert "data/features.parquet" in finding.message and "written by prepare.py" in finding.message
    assert finding.related == [{"path": "prepare.py", "cell": None, "line": 3,
                                "message": "data/features.parquet written here"}]


def test_mld101_links_a_notebook_reading_parent_folder_paths(project, run_check):
    root = project({"prepare.py": PREPARE,
                    "notebooks/explore.ipynb": ["import pandas as pd", {"cell_type": "markdown", "source": "# EDA"},
                                                'df = pd.read_parquet("../data/features.parquet")\ndf.head()']})
    [finding] = only(run_check(root, select=["MLD101"]), "MLD101")
    assert finding.path == "notebooks/explore.ipynb"
    assert (finding.pos.cell, finding.pos.line) == (3, 1)  # cells count markdown too, as Jupyter shows them
    assert finding.snippet == 'df = pd.read_parquet("../data/features.parquet")'


def test_mld101_a_notebook_reading_a_root_relative_path_is_another_file(project, run_check):
    # from notebooks/, "data/features.parquet" is notebooks/data/features.parquet: not what prepare.py writes
    root = project({"prepare.py": PREPARE,
                    "notebooks/explore.ipynb": ['import pandas as pd\npd.read_parquet("data/features.parquet")']})
    assert not only(run_check(root, select=["MLD101"]), "MLD101")


def test_mld101_dvc_declared_consumer_is_not_flagged(project, run_check):
    dvc = ("stages:\n  prepare:\n    cmd: python prepare.py\n    outs: [data/features.parquet]\n"
           "  train:\n    cmd: python train.py\n    deps: [data/features.parquet]\n")
    root = project({"prepare.py": PREPARE, "train.py": TRAIN, "dvc.yaml": dvc})
    assert not only(run_check(root, select=["MLD101"]), "MLD101")


def test_mld101_dvc_stage_without_the_dep_still_flags(project, run_check):
    dvc = "stages:\n  train:\n    cmd: python train.py\n    deps: [train.py]\n"
    root = project({"prepare.py": PREPARE, "train.py": TRAIN, "dvc.yaml": dvc})
    assert [f.path for f in only(run_check(root, select=["MLD101"]), "MLD101")] == ["train.py"]


def test_mld101_dvc_stage_with_wdir(project, run_check):
    dvc = ("stages:\n  train:\n    wdir: ..\n    cmd: python train.py\n    deps: [data/features.parquet]\n")
    root = project({"prepare.py": PREPARE, "train.py": TRAIN, "pipelines/dvc.yaml": dvc})
    assert not only(run_check(root, select=["MLD101"]), "MLD101")


def test_mld101_contract_declared_consumer_is_not_flagged(project, run_check):
    contract = 'artifacts:\n  "data/features.parquet":\n    producer: prepare.py\n    consumers: [train.py]\n'
    root = project({"prepare.py": PREPARE, "train.py": TRAIN, "report.py": TRAIN.replace("X", "R"),
                    ".mldebt.yaml": contract})
    # the contract names train.py only: report.py is still an undeclared consumer
    assert [f.path for f in only(run_check(root, select=["MLD101"]), "MLD101")] == ["report.py"]


def test_mld101_pyproject_contract(project, run_check):
    pyproject = ('[tool.mldebt.artifacts."data/features.parquet"]\nproducer = "prepare.py"\n'
                 'consumers = ["train.py"]\n')
    root = project({"prepare.py": PREPARE, "train.py": TRAIN, "pyproject.toml": pyproject})
    assert not only(run_check(root, select=["MLD101"]), "MLD101")


def test_mld101_lists_every_writer(project, run_check):
    root = project({"prepare.py": PREPARE, "backfill.py": PREPARE.replace("raw.csv", "old.csv"), "train.py": TRAIN})
    [finding] = only(run_check(root, select=["MLD101"]), "MLD101")
    assert "written by backfill.py and prepare.py" in finding.message
    assert [r["path"] for r in finding.related] == ["backfill.py", "prepare.py"]


def test_mld101_single_file_run_reports_only_that_file(project, run_check):
    root = project({"prepare.py": PREPARE, "train.py": TRAIN, "eda.py": TRAIN})
    found = only(run_check(root, select=["MLD101"], paths=[root / "eda.py"]), "MLD101")
    assert [f.path for f in found] == ["eda.py"]


def test_mld101_noqa_in_a_notebook_cell(project, run_check):
    root = project({"prepare.py": PREPARE, "notebooks/a.ipynb": [
        'import pandas as pd\ndf = pd.read_parquet("../data/features.parquet")  # noqa: MLD101\ndf.head()']})
    assert not only(run_check(root, select=["MLD101"]), "MLD101")


# ---------------------------------------------------------------------- MLD102 unstable-data-dependency
def test_mld102_resolves_urls_from_config(project, run_check):
    root = project({"conf.yaml": "source: https://example.com/export/latest.csv\n",
                    "load.py": 'import pandas as pd\nimport yaml\ncfg = yaml.safe_load(open("conf.yaml"))\n'
                               'df = pd.read_csv(cfg["source"])\nprint(df)\n'})
    [finding] = only(run_check(root, select=["MLD102"]), "MLD102")
    assert finding.pos.line == 4 and "https://example.com/export/latest.csv" in finding.message


def test_mld102_pinned_and_tracked_paths(project, run_check):
    root = project({
        "load.py": 'import pandas as pd\nfor p in ["data/current/20240501/x.csv", "data/live/v2/x.csv",\n'
                   '          "data/latest_3f2a9c1e.csv"]:\n    print(pd.read_csv(p))\n'
                   'print(pd.read_csv("models/latest/x.csv"))\nprint(pd.read_csv("data/current.csv"))\n',
        "models/latest.dvc": "outs:\n- path: latest\n",
    })
    found = only(run_check(root, select=["MLD102"]), "MLD102")
    assert [(f.pos.line, "data/current.csv" in f.message) for f in found] == [(6, True)]


def test_mld102_word_match_is_whole_words(project, run_check):
    root = project({"load.py": 'import pandas as pd\nprint(pd.read_csv("data/olive_oil.csv"))\n'
                               'print(pd.read_csv("data/currentAccounts.csv"))\n'})
    assert [f.pos.line for f in only(run_check(root, select=["MLD102"]), "MLD102")] == [3]


def test_mld102_unpinned_sql_option(project, run_check):
    code = ("import pandas as pd\ndf = pd.read_sql('SELECT * FROM orders', con)\n"
            "old = pd.read_sql(\"SELECT * FROM orders WHERE day = '2024-05-01'\", con)\nprint(df, old)\n")
    assert not only(run_check(project({"q.py": code}), select=["MLD102"]), "MLD102")
    root = project({"q.py": code, ".mldebt.yaml": "rules:\n  MLD102:\n    flag-unpinned-sql: true\n"})
    assert [f.pos.line for f in only(run_check(root, select=["MLD102"]), "MLD102")] == [2]


# ---------------------------------------------------------------------- MLD103 unused-data-dependency
def test_mld103_use_in_a_later_cell_counts(project, run_check):
    root = project(["import pandas as pd", 'a = pd.read_csv("a.csv")', "x = 1", "print(a.shape)"])
    assert not only(run_check(root, select=["MLD103"]), "MLD103")


def test_mld103_use_only_before_the_read_does_not_count(project, run_check):
    root = project(["import pandas as pd\na = None", "print(a)", 'a = pd.read_csv("a.csv")'])
    [finding] = only(run_check(root, select=["MLD103"]), "MLD103")
    assert (finding.pos.cell, finding.pos.line) == (3, 1) and "`a`" in finding.message


def test_mld103_bare_read_displayed_only_when_last_in_cell(project, run_check):
    root = project(["import pandas as pd", 'pd.read_csv("a.csv")\nprint("loaded")', 'pd.read_csv("b.csv")'])
    [finding] = only(run_check(root, select=["MLD103"]), "MLD103")
    assert finding.pos.cell == 2 and "thrown away" in finding.message


def test_mld103_overwritten_read_names_the_overwrite(project, run_check):
    root = project('import pandas as pd\ndf = pd.read_csv("a.csv")\nif df is None:\n    pass\n'
                   'df = pd.read_csv("b.csv")\ndf = pd.read_csv("c.csv")\nprint(df)\n')
    [finding] = only(run_check(root, select=["MLD103"]), "MLD103")
    assert finding.pos.line == 5 and "overwritten at line 6" in finding.message


def test_mld103_conditional_reassignment_is_not_an_overwrite(project, run_check):
    root = project('import pandas as pd\ndf = pd.read_csv("a.csv")\nif flag:\n    df = pd.read_csv("b.csv")\n'
                   'print(df)\n')
    assert not only(run_check(root, select=["MLD103"]), "MLD103")


def test_mld103_side_effect_reads_and_script_exports(project, run_check):
    root = project({
        "copy.py": 'import shutil\nimport pandas as pd\ndst = shutil.copy("a.csv", "b.csv")\nLOOKUP = pd.read_csv("l.csv")\n'
                   '__all__ = ["table"]\ntable = pd.read_csv("t.csv")\nprint("copied")\n',
    })
    assert not only(run_check(root, select=["MLD103"]), "MLD103")


def test_mld103_loop_carried_use(project, run_check):
    root = project('import pandas as pd\nprev = None\nfor p in ["a.csv", "b.csv"]:\n    if prev is not None:\n'
                   '        print(len(prev))\n    prev = pd.read_csv(p)\n')
    assert not only(run_check(root, select=["MLD103"]), "MLD103")


# ---------------------------------------------------------------------- MLD104 correction-cascade
def test_mld104_prediction_column_added_to_the_training_frame(project, run_check):
    root = project(["from sklearn.linear_model import LinearRegression, Ridge",
                    'base = LinearRegression().fit(df[["x"]], df["y"])\ndf["base"] = base.predict(df[["x"]])',
                    'second = Ridge().fit(df[["x", "base"]], df["y"])'])
    [finding] = only(run_check(root, select=["MLD104"]), "MLD104")
    assert (finding.pos.cell, finding.pos.line) == (3, 1)
    assert finding.related == [{"path": "example.ipynb", "cell": 2, "line": 2,
                                "message": "the latest predictions before this fit are made here"}]


def test_mld104_cross_unit_relates_read_and_write(project, run_check):
    root = project({
        "score.py": "import joblib\nimport pandas as pd\nm = joblib.load('m.joblib')\nX = pd.read_csv('x.csv')\n"
                    "pd.DataFrame({'s': m.predict(X)}).to_csv('scores.csv')\n",
        "notebooks/fix.ipynb": ["import pandas as pd\nfrom sklearn.linear_model import LogisticRegression",
                                "s = pd.read_csv('../scores.csv')\ny = pd.read_csv('../y.csv')",
                                "LogisticRegression().fit(s, y)"],
    })
    [finding] = only(run_check(root, select=["MLD104"]), "MLD104")
    assert finding.path == "notebooks/fix.ipynb" and "score.py" in finding.message
    assert [(r["path"], r["line"]) for r in finding.related] == [("notebooks/fix.ipynb", 1), ("score.py", 5)]


def test_mld104_voting_ensemble_on_predictions_is_not_flagged(project, run_check):
    root = project("from sklearn.ensemble import VotingClassifier\nvote = VotingClassifier([])\n"
                   "vote.fit(X, base.predict(X))\n")
    assert not only(run_check(root, select=["MLD104"]), "MLD104")


# ---------------------------------------------------------------------- MLD105 feedback-loop
def test_mld105_loop_through_three_units(project, run_check):
    root = project({
        "train.py": "import joblib\nimport pandas as pd\nfrom sklearn.tree import DecisionTreeClassifier\n"
                    "d = pd.read_csv('data/training.csv')\n"
                    "joblib.dump(DecisionTreeClassifier().fit(d[['x']], d['y']), 'models/m.joblib')\n",
        "serve.py": "import joblib\nimport pandas as pd\nm = joblib.load('models/m.joblib')\nreq = pd.read_csv('in.csv')\n"
                    "req.assign(y=m.predict(req[['x']])).to_csv('data/served.csv')\n",
        "merge.py": "import pandas as pd\nserved = pd.read_csv('data/served.csv')\nserved.to_csv('data/training.csv')\n",
    })
    [finding] = only(run_check(root, select=["MLD105"]), "MLD105")
    assert finding.path == "train.py" and finding.pos.line == 4
    assert ("train.py -> models/m.joblib -> serve.py -> data/served.csv -> merge.py -> data/training.csv -> "
            "train.py") in finding.message
    assert finding.related[0]["path"] == "serve.py"


def test_mld105_cycle_without_a_fit_is_not_a_feedback_loop(project, run_check):
    root = project({
        "a.py": "import pandas as pd\nx = pd.read_csv('b.csv')\nx.to_csv('a.csv')\n",
        "b.py": "import pandas as pd\ny = pd.read_csv('a.csv')\ny.to_csv('b.csv')\n",
    })
    assert not only(run_check(root, select=["MLD105"]), "MLD105")


# ---------------------------------------------------------------------- MLD202 pipeline-jungle
def _chain(n: int) -> dict:
    files = {}
    for i in range(n):
        read = f"pd.read_csv('data/step{i - 1}.csv')" if i else "pd.read_csv('data/raw.csv')"
        files[f"step{i}.py"] = f"import pandas as pd\n{read}.to_csv('data/step{i}.csv')\n"
    return files


def test_mld202_one_finding_per_chain_listing_it(project, run_check):
    root = project(_chain(4))
    [finding] = only(run_check(root, select=["MLD202"]), "MLD202")
    assert finding.path == "step0.py" and "chain of 4 code units" in finding.message
    assert "step0.py -> data/step0.csv -> step1.py -> data/step1.csv -> step2.py -> data/step2.csv -> step3.py" \
        in finding.message
    assert [r["path"] for r in finding.related] == ["step1.py", "step2.py", "step3.py"]


def test_mld202_chain_run_by_a_driver_is_covered(project, run_check):
    files = _chain(3)
    files["run.py"] = ("import subprocess\nfor step in ['step0.py', 'step1.py', 'step2.py']:\n"
                       "    pass\nsubprocess.run(['python', 'step0.py'])\nsubprocess.run(['python', 'step1.py'])\n"
                       "subprocess.run(['python', 'step2.py'])\n")
    assert not only(run_check(project(files), select=["MLD202"]), "MLD202")


def test_mld202_min_units_option(project, run_check):
    files = _chain(2)
    files[".mldebt.yaml"] = "rules:\n  MLD202:\n    min-units: 2\n"
    assert len(only(run_check(project(files), select=["MLD202"]), "MLD202")) == 1


def test_mld202_branches_are_counted(project, run_check):
    files = _chain(3)
    files["side.py"] = "import pandas as pd\nprint(pd.read_csv('data/step0.csv'))\n"
    [finding] = only(run_check(project(files), select=["MLD202"]), "MLD202")
    assert "(1 more unit branch off it)" in finding.message


# ---------------------------------------------------------------------- MLD206 conflicting-writers
def test_mld206_reports_each_writer_naming_the_other(project, run_check):
    root = project({"a.py": PREPARE, "notebooks/b.ipynb": [
        'import pandas as pd\npd.DataFrame().to_parquet("../data/features.parquet")']})
    found = only(run_check(root, select=["MLD206"]), "MLD206")
    assert [(f.path, f.pos.cell, f.pos.line) for f in found] == [("a.py", None, 3), ("notebooks/b.ipynb", 1, 2)]
    assert "notebooks/b.ipynb (cell 1, line 2) also writes" in found[0].message
    assert found[1].related == [{"path": "a.py", "cell": None, "line": 3,
                                 "message": "data/features.parquet also written here"}]


def test_mld206_writers_in_one_declared_stage_are_sequenced(project, run_check):
    dvc = "stages:\n  build:\n    cmd: python a.py && python b.py\n    outs: [data/features.parquet]\n"
    root = project({"a.py": PREPARE, "b.py": PREPARE, "dvc.yaml": dvc})
    assert not only(run_check(root, select=["MLD206"]), "MLD206")
