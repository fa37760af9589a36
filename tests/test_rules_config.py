"""Configuration-debt rules (MLD301-MLD305): messages, positions, related locations and the must-not-flag cases."""

from __future__ import annotations

import ast

from mldebt.facts.extract import extract
from mldebt.rules.config.project_config import env_definitions, is_settings_file, locate, variant_kind
from mldebt.sources.load import load_source


def only(findings, rule_id):
    return [f for f in findings if f.rule == rule_id]


def facts_of(code: str):
    source = load_source(code.encode(), "t.py", "script")
    return extract("t.py", "script", [(cell, ast.parse(cell.code)) for cell in source.cells])


# ------------------------------------------------------------------ extractor: config reads and env writes
def test_config_reads_record_whole_key_paths_defaults_and_writes():
    facts = facts_of(
        "import os\nimport yaml\n\nparams = yaml.safe_load(open('params.yaml'))\ntrain = params['train']\n"
        "lr = train['lr']\nwarm = params.get('opt', {}).get('warmup', 0)\nparams['device'] = 'cpu'\n"
        "params.update({'x': 1})\ndyn = params[name]['k']\nos.environ.setdefault('A', '1')\n"
        "os.environ.update(B='2')\nos.environ['C'] = '3'\n")
    reads = [(r.source, r.keys, r.has_default, r.pos.line) for r in facts.config_reads if r.source != "env"]
    assert ("config", ("train",), False, 5) in reads
    assert ("config", ("train", "lr"), False, 6) in reads
    assert ("config", ("opt", "warmup"), True, 7) in reads
    assert ("config-write", ("device",), True, 8) in reads
    assert ("config-write", (), True, 9) in reads
    assert not any(r[3] == 10 for r in reads), "dynamic keys are not recorded"
    assert all(r.doc == ("const", "params.yaml") for r in facts.config_reads if r.source != "env")
    assert sorted(e.name for e in facts.io if e.kind == "env" and e.direction == "write") == ["A", "B", "C"]


# ------------------------------------------------------------------ MLD301
def test_mld301_lists_every_literal_at_the_call(project, run_check):
    root = project({"train.py": "import xgboost as xgb\nimport joblib\n\n"
                                "model = xgb.XGBClassifier(max_depth=8, eta=0.3, n_jobs=4, random_state=1)\n"
                                "joblib.dump(model, 'm.joblib')\n"})
    [finding] = only(run_check(root, select=["MLD301"]), "MLD301")
    assert finding.message.startswith("XGBClassifier(max_depth=8, eta=0.3) hard-codes 2 hyperparameters")
    assert (finding.pos.line, finding.pos.column) == (4, 9)
    assert "n_jobs" not in finding.message and "random_state" not in finding.message


def test_mld301_options_and_notebooks(project, run_check):
    code = ["from sklearn.svm import SVC", "clf = SVC(C=10.0, gamma=0.1, tol=1e-4)\nclf.fit(X, y)"]
    assert not only(run_check(project(code), select=["MLD301"]), "MLD301"), "notebook that saves no model"
    saving = code + ["import joblib\njoblib.dump(clf, 'svc.joblib')"]
    [finding] = only(run_check(project(saving), select=["MLD301"]), "MLD301")
    assert finding.pos.cell == 2 and "a notebook that saves the model" in finding.message
    configured = {"example.ipynb": saving,
                  ".mldebt.yaml": "rules:\n  MLD301:\n    min-literals: 3\n    ignore-keywords: [tol]\n"}
    assert not only(run_check(project(configured), select=["MLD301"]), "MLD301")


# ------------------------------------------------------------------ MLD302
def test_mld302_reports_each_literal_at_its_own_position(project, run_check):
    root = project({"job.py": "import os\nimport pandas as pd\n\n"
                              "df = pd.read_csv(os.path.join('/home/ana/data', 'train.csv'))\n"
                              "out = f'D:/exports/{name}.csv'\n"
                              "logging_msg = 'wrote /home/ana/data'\n"})
    found = sorted((f.pos.line, f.pos.column) for f in only(run_check(root, select=["MLD302"]), "MLD302"))
    assert found == [(4, 31), (5, 7)]


def test_mld302_message_names_the_path_and_why(project, run_check):
    [finding] = only(run_check(project("import joblib\nm = joblib.load('/Users/ana/model.pkl')\n"),
                               select=["MLD302"]), "MLD302")
    assert "'/Users/ana/model.pkl'" in finding.message and "a user's home folder" in finding.message
    assert "environment variable" in finding.message


def test_mld302_magic_column_and_quiet_cases(project, run_check):
    root = project(["%cd /mnt/data", "import logging\nlogging.info('/home/ana/x.csv')\n"
                    "s = os.path.expanduser('~/.cache/models')\nu = 'https://host/home/ana/x'"])
    [finding] = only(run_check(root, select=["MLD302"]), "MLD302")
    assert (finding.pos.cell, finding.pos.line, finding.pos.column) == (1, 1, 5)


# ------------------------------------------------------------------ MLD303
PARAMS = "# training parameters\n\nprepare:\n  split: 0.2\n\ntrain:\n  # trees\n  n_estimators: 300\n  lr: 1e-2\n"


def test_mld303_code_vs_yaml_names_both_values_and_the_yaml_line(project, run_check):
    root = project({"params.yaml": PARAMS,
                    "src/train.py": "from sklearn.ensemble import GradientBoostingClassifier\n"
                                    "clf = GradientBoostingClassifier(n_estimators=500, learning_rate=0.1)\n"
                                    "LR = 0.01\n"})
    [finding] = only(run_check(root, select=["MLD303"]), "MLD303")
    assert finding.path == "src/train.py" and finding.pos.line == 2
    assert "`n_estimators=500`" in finding.message and "`train.n_estimators: 300` in params.yaml" in finding.message
    assert finding.related == [{"path": "params.yaml", "cell": None, "line": 8,
                                "message": "`train.n_estimators` is 300 here"}]


def test_mld303_two_config_files_reported_at_the_reader(project, run_check):
    root = project({"params.yaml": PARAMS, "config.json": '{\n  "train": {\n    "lr": 0.05\n  }\n}\n',
                    "train.py": "import yaml\nparams = yaml.safe_load(open('params.yaml'))\nlr = params['train']['lr']\n"})
    [finding] = only(run_check(root, select=["MLD303"]), "MLD303")
    assert (finding.path, finding.pos.line) == ("train.py", 3)
    assert "from params.yaml" in finding.message and "config.json sets `train.lr: 0.05`" in finding.message
    assert {(r["path"], r["line"]) for r in finding.related} == {("config.json", 3), ("params.yaml", 9)}


def test_mld303_two_config_files_without_reader_reported_in_the_file(project, run_check):
    root = project({"params.yaml": "seed: 1\n", "config.toml": "[train]\nepochs = 3\n",
                    "conf/params.toml": "seed = 7\n"})
    [finding] = only(run_check(root, select=["MLD303"]), "MLD303")
    assert (finding.path, finding.pos.line) == ("params.yaml", 1)
    assert "`seed: 1` here, but `seed: 7` in conf/params.toml" in finding.message


def test_mld303_override_heuristic_is_an_option(project, run_check):
    files = {".env": "EPOCHS=10\n", ".env.production": "EPOCHS=50\n", "params.local.yaml": "epochs: 1\n",
             "train.py": "EPOCHS = 10\n"}
    assert not only(run_check(project(files), select=["MLD303"]), "MLD303")
    options = "rules:\n  MLD303:\n    environment-names: []\n    override-patterns: []\n"
    [finding] = only(run_check(project({**files, ".mldebt.yaml": options}), select=["MLD303"]), "MLD303")
    assert finding.path == ".env.production" and "`EPOCHS=50` here, but `EPOCHS=10` in .env" in finding.message
    del files[".env"]
    [finding] = only(run_check(project({**files, ".mldebt.yaml": options}), select=["MLD303"]), "MLD303")
    assert finding.path == "train.py"
    assert "`EPOCHS=50` in .env.production and `epochs: 1` in params.local.yaml" in finding.message


def test_mld303_env_value_and_related_line(project, run_check):
    root = project({".env": "# local settings\nAPI_URL=http://x\nBATCH_SIZE=64\n",
                    "train.py": "BATCH_SIZE = 32\n"})
    [finding] = only(run_check(root, select=["MLD303"]), "MLD303")
    assert "`BATCH_SIZE = 32` conflicts with `BATCH_SIZE=64` in .env" in finding.message
    assert finding.related[0]["line"] == 3


def test_mld303_unit_vs_unit_through_imports(project, run_check):
    root = project({"settings.py": "IMG_SIZE = 224\nTHRESHOLD = 0.5\n",
                    "serve.py": "from settings import THRESHOLD\nIMG_SIZE = 256\nTHRESHOLD_2 = 1\n"})
    [finding] = only(run_check(root, select=["MLD303"]), "MLD303")
    assert finding.path == "serve.py" and "`IMG_SIZE = 256` here but `IMG_SIZE = 224` in settings.py" in finding.message
    assert finding.related[0]["path"] == "settings.py" and finding.related[0]["line"] == 1


def test_variant_kind_and_settings_files():
    envs, patterns = ["dev", "prod", "production"], ["**/environments/**", "*.local.*"]
    assert variant_kind("config/dev.yaml", patterns, envs) == "override"
    assert variant_kind("prod/config.yaml", patterns, envs) == "override"
    assert variant_kind("settings_production.toml", patterns, envs) == "override"
    assert variant_kind("deploy/environments/eu/params.yaml", patterns, envs) == "override"
    assert variant_kind("config.local.yaml", patterns, envs) == "override"
    assert variant_kind(".env.example", patterns, envs) == "template"
    assert variant_kind("params.yaml", patterns, envs) is None and variant_kind(".env", patterns, envs) is None
    assert is_settings_file("configs/model/rf.yaml") and is_settings_file("train_config.json")
    assert not is_settings_file("dvc.yaml") and not is_settings_file(".github/workflows/config.yml")


def test_locate_scans_yaml_toml_json(tmp_path):
    (tmp_path / "a.yaml").write_text("a:\n  - x: 1\n  b:\n    # c\n    c: 2\nc: 3\n")
    (tmp_path / "a.toml").write_text("top = 1\n[train]\nlr = 0.1\n[train.opt]\nbeta = 0.9\n")
    (tmp_path / "a.json").write_text('{"train": {\n "x": 1,\n "lr": 2}}\n')
    assert locate(tmp_path, "a.yaml", ("a", "b", "c")) == (5, 3)
    assert locate(tmp_path, "a.yaml", ("c",)) == (6, 1)
    assert locate(tmp_path, "a.yaml", ("a", "missing")) == (1, 1)
    assert locate(tmp_path, "a.toml", ("train", "opt", "beta")) == (5, 3)
    assert locate(tmp_path, "a.toml", ("train", "lr")) == (3, 2)
    assert locate(tmp_path, "a.json", ("train", "lr")) == (3, 2)


# ------------------------------------------------------------------ MLD304
def test_mld304_missing_key_lists_siblings_and_points_at_the_parent_line(project, run_check):
    root = project({"params.yaml": PARAMS,
                    "train.py": "import yaml\nparams = yaml.safe_load(open('params.yaml'))\n"
                                "n = params['train']['n_estimator']\nok = params['train'].get('depth')\n"})
    [finding] = only(run_check(root, select=["MLD304"]), "MLD304")
    assert (finding.pos.line, finding.pos.column) == (3, 5)
    assert "`train.n_estimator`" in finding.message and "has: lr, n_estimators" in finding.message
    assert finding.related == [{"path": "params.yaml", "cell": None, "line": 6,
                                "message": "`train` is defined here without `n_estimator`"}]


def test_mld304_notebook_relative_config_and_hydra(project, run_check):
    root = project({"notebooks/config.yaml": "data:\n  path: x.csv\n",
                    "notebooks/explore.ipynb": ["import yaml", "cfg = yaml.safe_load(open('config.yaml'))\n"
                                                "cfg['data']['path']\ncfg['model']"],
                    "conf/main.yaml": "defaults:\n  - model: rf\n",
                    "run.py": "import yaml\ncfg = yaml.safe_load(open('conf/main.yaml'))\nprint(cfg['model'])\n"})
    [finding] = only(run_check(root, select=["MLD304"]), "MLD304")
    assert finding.path == "notebooks/explore.ipynb" and (finding.pos.cell, finding.pos.line) == (2, 3)


def test_mld304_env_definitions_from_project_files(project, run_check):
    code = "import os\n" + "".join(f"v{i} = os.environ['{n}']\n" for i, n in enumerate(
        ["FROM_SH", "FROM_K8S", "FROM_COMPOSE", "FROM_MAKE", "FROM_TOX", "MY_TOKEN", "TEAM_BUCKET", "MISSING"]))
    root = project({
        "scripts/run.sh": "#!/bin/sh\nexport FROM_SH=1\npython train.py\n",
        "deploy/k8s.yaml": "kind: Pod\nspec:\n  containers:\n    - env:\n        - name: FROM_K8S\n          value: x\n",
        "docker-compose.yml": "services:\n  app:\n    environment:\n      FROM_COMPOSE: 1\n",
        "Makefile": "export FROM_MAKE\ntrain:\n\tpython train.py\n",
        "tox.ini": "[testenv]\nsetenv =\n    FROM_TOX = 1\n",
        "tests/test_app.py": "def test_x(monkeypatch):\n    monkeypatch.setenv('MY_TOKEN', 'x')\n",
        ".mldebt.yaml": "rules:\n  MLD304:\n    known-env-vars: ['TEAM_*']\n",
        "train.py": code,
    })
    [finding] = only(run_check(root, select=["MLD304"]), "MLD304")
    assert "`MISSING`" in finding.message and finding.pos.line == 9
    assert "read it with a default" in finding.message


def test_env_definitions_dockerfile_forms(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM x\nENV A=1 B=2\nENV LEGACY value here\nARG C\n")
    assert set(env_definitions(tmp_path, ["Dockerfile"])) == {"A", "B", "LEGACY", "C"}


# ------------------------------------------------------------------ MLD305
def test_mld305_once_per_project_with_every_place(project, run_check):
    root = project({
        "a.py": "import logging\nlogging.basicConfig(level=logging.INFO)\n",
        "b.py": "import logging\nlogging.basicConfig(level=logging.INFO)\n",
        "c.py": "import wandb\nwandb.init(project='churn')\n",
    })
    [finding] = only(run_check(root, select=["MLD305"]), "MLD305")
    assert finding.path == "a.py" and "logging and experiment tracking is configured separately in 3 units" \
        in finding.message
    assert "disagree" not in finding.message
    assert [(r["path"], r["line"]) for r in finding.related] == [("a.py", 2), ("b.py", 2), ("c.py", 2)]


def test_mld305_shared_module_bypassed_and_min_units(project, run_check):
    files = {
        "pkg/__init__.py": "",
        "pkg/log.py": "import logging\n\ndef setup():\n    logging.basicConfig(level=logging.INFO)\n",
        "train.py": "from pkg.log import setup\nsetup()\n",
        "serve.py": "import logging\nlogging.basicConfig(level=logging.WARNING)\n",
    }
    [finding] = only(run_check(project(files), select=["MLD305"]), "MLD305")
    assert "`level` of logging.basicConfig is logging.INFO in pkg/log.py, logging.WARNING in serve.py" \
        in finding.message
    options = {".mldebt.yaml": "rules:\n  MLD305:\n    min-units: 3\n"}
    assert not only(run_check(project({**files, **options}), select=["MLD305"]), "MLD305")
