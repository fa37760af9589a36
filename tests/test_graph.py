"""The data graph's "done means": on a small but realistic project every read, write and execution is an
edge of the graph with the right artifact id, whatever way the path was written.

The project mixes the ways real ML repositories name their files: notebooks in `notebooks/` reading
`../data/...` (they run from their own folder), scripts run from the root, a helper module holding
path constants anchored on `Path(__file__).resolve().parents[1]`, config values used as paths (YAML via
`yaml.safe_load`, OmegaConf attribute access, `dvc.api.params_show`), a dvc.yaml, and a driver notebook
that runs the other steps with `%run`, `!python` and papermill.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mldebt import api
from mldebt.cli import main

PROJECT = {
    "src/__init__.py": "",
    "src/paths.py": ('from pathlib import Path\n\nROOT = Path(__file__).resolve().parents[1]\n'
                     'DATA = ROOT / "data"\nRAW = DATA / "raw" / "customers.csv"\n'
                     'FEATURES = DATA / "features.parquet"\n'),
    "config.yaml": "paths:\n  model: models/churn.joblib\n  report: reports/metrics.json\n",
    "params.yaml": "evaluate:\n  holdout: data/holdout.csv\n",
    "conf/serve.yaml": "inputs:\n  batch: data/batch.csv\n",
    "prepare.py": ('import pandas as pd\n\nfrom src.paths import FEATURES, RAW\n\n'
                   'raw = pd.read_csv(RAW)\nraw.dropna().to_parquet(FEATURES)\n'),
    "train.py": ('import json\n\nimport joblib\nimport pandas as pd\nimport yaml\n'
                 'from sklearn.linear_model import LogisticRegression\n\nfrom src import paths\n\n'
                 'with open("config.yaml") as f:\n    cfg = yaml.safe_load(f)\n'
                 'X = pd.read_parquet(paths.FEATURES)\n'
                 'model = LogisticRegression().fit(X.drop(columns="y"), X["y"])\n'
                 'joblib.dump(model, cfg["paths"]["model"])\n'
                 'with open(cfg["paths"]["report"], "w") as out:\n    json.dump({"n": len(X)}, out)\n'),
    "evaluate.py": ('import dvc.api\nimport joblib\nimport pandas as pd\n\nparams = dvc.api.params_show()\n'
                    'holdout = pd.read_csv(params["evaluate"]["holdout"])\n'
                    'print(joblib.load("models/churn.joblib").score(holdout.drop(columns="y"), holdout["y"]))\n'),
    "serve.py": ('import joblib\nimport pandas as pd\nfrom omegaconf import OmegaConf\n\n'
                 'conf = OmegaConf.load("conf/serve.yaml")\nbatch = pd.read_csv(conf.inputs.batch)\n'
                 'print(joblib.load("models/churn.joblib").predict(batch))\n'),
    "notebooks/score.ipynb": [
        "import joblib\nimport pandas as pd",
        {"cell_type": "markdown", "source": "# Scoring"},
        'X = pd.read_parquet("../data/features.parquet")\nmodel = joblib.load("../models/churn.joblib")',
        'pd.DataFrame({"p": model.predict(X.drop(columns="y"))}).to_csv("../data/predictions.csv")',
    ],
    "notebooks/run_all.ipynb": [
        "import papermill as pm",
        "%run ../prepare.py",
        "!python ../train.py",
        'pm.execute_notebook("score.ipynb", "out/score_run.ipynb")',
    ],
    "dvc.yaml": ("stages:\n  prepare:\n    cmd: python prepare.py\n    deps: [data/raw/customers.csv]\n"
                 "    outs: [data/features.parquet]\n  train:\n    cmd: python train.py\n"
                 "    deps: [data/features.parquet]\n    outs: [models/churn.joblib]\n"),
}

# (source, target, kind, cell, line): reads go artifact -> unit, writes and executions unit -> target.
EXPECTED = {
    ("data/raw/customers.csv", "prepare.py", "reads", None, 5),
    ("prepare.py", "data/features.parquet", "writes", None, 6),
    ("config.yaml", "train.py", "reads", None, 10),
    ("data/features.parquet", "train.py", "reads", None, 12),
    ("train.py", "models/churn.joblib", "writes", None, 14),
    ("train.py", "reports/metrics.json", "writes", None, 15),
    ("params.yaml", "evaluate.py", "reads", None, 5),
    ("data/holdout.csv", "evaluate.py", "reads", None, 6),
    ("models/churn.joblib", "evaluate.py", "reads", None, 7),
    ("conf/serve.yaml", "serve.py", "reads", None, 5),
    ("data/batch.csv", "serve.py", "reads", None, 6),
    ("models/churn.joblib", "serve.py", "reads", None, 7),
    ("data/features.parquet", "notebooks/score.ipynb", "reads", 3, 1),
    ("models/churn.joblib", "notebooks/score.ipynb", "reads", 3, 2),
    ("notebooks/score.ipynb", "data/predictions.csv", "writes", 4, 1),
    ("notebooks/run_all.ipynb", "prepare.py", "executes", 2, 1),
    ("notebooks/run_all.ipynb", "train.py", "executes", 3, 1),
    ("notebooks/run_all.ipynb", "notebooks/score.ipynb", "executes", 4, 1),
    ("notebooks/run_all.ipynb", "notebooks/out/score_run.ipynb", "writes", 4, 1),
}


def _edges(edges) -> set[tuple]:
    return {(s, t, d.get("kind"), d.get("cell"), d.get("line")) for s, t, d in edges
            if d.get("kind") in ("reads", "writes", "executes")}


@pytest.fixture
def root(project):
    return project(PROJECT)


def test_every_io_edge_has_the_right_artifact(root):
    graph = api.scan([root], jobs=1, use_cache=False).graph
    edges = _edges(graph.g.edges(data=True))
    assert EXPECTED <= edges, sorted(EXPECTED - edges)
    assert edges <= EXPECTED, f"unexpected edges: {sorted(edges - EXPECTED)}"
    assert graph.unresolved == []
    assert not [n for n, d in graph.g.nodes(data=True) if d.get("kind") == "pattern"]


def test_node_kinds_and_declarations(root):
    graph = api.scan([root], jobs=1, use_cache=False).graph
    kinds = {n: graph.kind(n) for n in graph.g.nodes}
    assert kinds["src/paths.py"] == "module" and kinds["prepare.py"] == "script"
    assert kinds["notebooks/score.ipynb"] == "notebook"
    assert kinds["models/churn.joblib"] == "model" and kinds["data/features.parquet"] == "file"
    assert graph.declared_producer("prepare.py", "data/features.parquet")
    assert graph.declared_consumer("train.py", "data/features.parquet")
    assert not graph.declared_consumer("notebooks/score.ipynb", "data/features.parquet")
    assert graph.is_tracked("models/churn.joblib")


def test_cli_graph_json_has_the_same_edges(root):
    result = CliRunner().invoke(main, ["graph", str(root), "--format", "json", "--no-cache", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    edges = {(e["source"], e["target"], e["kind"], e.get("cell"), e["line"]) for e in data["edges"]
             if e["kind"] in ("reads", "writes", "executes")}
    assert edges == EXPECTED
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["data/features.parquet"]["kind"] == "file"
    read = next(e for e in data["edges"] if e["source"] == "data/holdout.csv")
    assert read["api"] == "pandas.read_csv"
    assert data["graph"]["unresolved"] == []


def test_path_anchored_on_parents_index(project):
    root = project({
        "pkg/__init__.py": "",
        "pkg/io/__init__.py": "",
        "pkg/io/locations.py": "from pathlib import Path\nROOT = Path(__file__).parents[2]\n",
        "job.py": "import pandas as pd\nfrom pkg.io.locations import ROOT\npd.read_csv(ROOT / 'data' / 'x.csv')\n",
    })
    graph = api.scan([root], jobs=1, use_cache=False).graph
    assert graph.readers_of("data/x.csv") and graph.readers_of("data/x.csv")[0][0] == "job.py"


def test_import_of_a_notebook_is_an_edge(project):
    root = project({
        "notebooks/helpers.ipynb": ["def clean(df):\n    return df.dropna()"],
        "notebooks/use.ipynb": ["import import_ipynb\nimport helpers"],
        "job.py": "from ipynb.fs.full.notebooks.helpers import clean\nprint(clean)\n",
    })
    graph = api.scan([root], jobs=1, use_cache=False).graph
    imports = {(s, t, d.get("api")) for s, t, d in graph.edges("imports")}
    assert ("notebooks/use.ipynb", "notebooks/helpers.ipynb", "import_ipynb") in imports
    assert ("job.py", "notebooks/helpers.ipynb", "ipynb") in imports


def test_sql_reads_record_an_as_of_predicate(project):
    root = project({"q.py": (
        "import pandas as pd\n"
        "a = pd.read_sql(\"SELECT * FROM sales FOR SYSTEM_TIME AS OF '2024-01-01'\", con)\n"
        "b = pd.read_sql('SELECT * FROM customers WHERE signup >= 2020', con)\n")})
    facts = api.scan([root], jobs=1, use_cache=False).facts["q.py"]
    pinned = {e.name: e.as_of for e in facts.io if e.kind == "table"}
    assert pinned == {"sales": True, "customers": False}


def test_declared_working_folders_resolve_script_paths(project):
    root = project({
        "prepare.py": 'import pandas as pd\npd.read_csv("data/raw.csv").to_parquet("data/features.parquet")\n',
        "src/train.py": 'import pandas as pd\nprint(pd.read_parquet("../data/features.parquet"))\n',
        "reports/make_report.py": 'import pandas as pd\nprint(pd.read_parquet("../data/features.parquet"))\n',
        "dvc.yaml": "stages:\n  train:\n    wdir: src\n    cmd: python train.py\n    deps: [../data/features.parquet]\n",
        "Makefile": "report:\n\tcd reports && python make_report.py\n",
    })
    graph = api.scan([root], jobs=1, use_cache=False).graph
    readers = [unit for unit, _ in graph.readers_of("data/features.parquet")]
    assert readers == ["reports/make_report.py", "src/train.py"]
    assert graph.declared_consumer("src/train.py", "data/features.parquet")
    assert not [a for a in graph.artifacts() if a.startswith("..")]


def test_from_pretrained_of_a_folder_the_project_writes_is_local(project):
    root = project({
        "finetune.py": "from transformers import AutoModel\nm = AutoModel.from_pretrained('bert-base-uncased')\n"
                       "m.save_pretrained('models/tuned')\n",
        "serve.py": "from transformers import AutoModel\nm = AutoModel.from_pretrained('models/tuned')\n",
    })
    graph = api.scan([root], jobs=1, use_cache=False).graph
    assert [u for u, _ in graph.readers_of("models/tuned")] == ["serve.py"]
    assert [u for u, _ in graph.writers_of("models/tuned")] == ["finetune.py"]
    assert "hf:bert-base-uncased" in graph.g and "hf:models/tuned" not in graph.g


def test_an_orchestrator_command_with_the_projects_mount_path_runs_the_project_file(tmp_path):
    from mldebt.testing import write_example

    root = write_example(tmp_path / "p", {
        "dags/churn.py": "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\n"
                         "with DAG('churn') as dag:\n"
                         "    BashOperator(task_id='train', bash_command='cd /opt/airflow && "
                         "python /opt/airflow/src/train.py --epochs 3')\n",
        "src/train.py": "print('training')\n",
    })
    graph = api.scan([str(root)], use_cache=False).graph
    assert [t for t, _ in graph.executes_of("dags/churn.py")] == ["src/train.py"]


def test_orchestrator_commands_built_from_constants_and_run_in_a_folder(tmp_path):
    from mldebt.testing import write_example

    root = write_example(tmp_path / "p", {
        "scripts/prep.py": "print('prep')\n", "scripts/feat.py": "print('feat')\n",
        "scripts/train.py": "print('train')\n",
        "dags/pipeline.py": "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\n"
                            "OUT = 'data/out'\nSCRIPTS = 'scripts'\n"
                            "BashOperator(task_id='p', bash_command='python scripts/prep.py --out ' + OUT)\n"
                            "BashOperator(task_id='f', bash_command=f'python {SCRIPTS}/feat.py')\n"
                            "BashOperator(task_id='t', bash_command='python train.py', cwd='/opt/airflow/scripts')\n",
        "flows/shell.py": "from prefect_shell import ShellOperation\nShellOperation(commands=['python scripts/prep.py'])\n",
        "dags/lint.py": "from airflow.operators.bash import BashOperator\n"
                        "BashOperator(task_id='lint', bash_command='flake8 scripts/prep.py scripts/train.py')\n",
    })
    graph = api.scan([str(root)], use_cache=False).graph
    runs = {unit: sorted(t for t, _ in graph.executes_of(unit)) for unit in graph.units()}
    assert runs["dags/pipeline.py"] == ["scripts/feat.py", "scripts/prep.py", "scripts/train.py"]
    assert runs["flows/shell.py"] == ["scripts/prep.py"]
    assert runs["dags/lint.py"] == []  # a linter names scripts without running them


def test_a_bare_import_resolves_to_the_importers_sibling_first(tmp_path):
    from mldebt.testing import write_example

    root = write_example(tmp_path / "p", {
        "dags/dag.py": "import prep\nfrom base import settings\n", "dags/prep.py": "def run():\n    pass\n",
        "dags/base.py": "settings = {}\n", "app/base.py": "settings = {'other': 1}\n", "aaa/prep.py": "x = 1\n",
    })
    graph = api.scan([str(root)], use_cache=False).graph
    imported = sorted(t for _, t, d in graph.g.out_edges("dags/dag.py", data=True) if d.get("kind") == "imports")
    assert imported == ["dags/base.py", "dags/prep.py"]
