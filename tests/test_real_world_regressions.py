"""False positives found by running mldebt on real public notebooks, written here as our own minimal cases
so they stay fixed. Each test names the pattern, not the repository."""

from __future__ import annotations


def _rules(findings, rule):
    return [f for f in findings if f.rule == rule]


def test_mld603_slices_of_a_column_are_a_split(project, run_check):
    root = project([
        "from sklearn.ensemble import RandomForestClassifier\nfrom sklearn.metrics import accuracy_score",
        "X_train = dataset['data'][:5000]\ny_train = dataset['target'][:5000]\n"
        "X_test = dataset['data'][5000:]\ny_test = dataset['target'][5000:]",
        "clf = RandomForestClassifier(random_state=0)\nclf.fit(X_train, y_train)",
        "accuracy_score(y_test, clf.predict(X_test))",
    ])
    assert not _rules(run_check(root, select=["MLD603"]), "MLD603")


def test_mld603_index_array_folds_are_not_overlap(project, run_check):
    root = project([
        "from sklearn.model_selection import StratifiedKFold\nfrom sklearn.base import clone",
        "folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=1)\n"
        "for train_index, test_index in folds.split(X_train, y_train):\n"
        "    model = clone(base)\n"
        "    X_fit, y_fit = X_train[train_index], y_train[train_index]\n"
        "    X_hold, y_hold = X_train[test_index], y_train[test_index]\n"
        "    model.fit(X_fit, y_fit)\n"
        "    print((model.predict(X_hold) == y_hold).mean())",
    ])
    assert not _rules(run_check(root, select=["MLD603"]), "MLD603")


def test_mld603_training_score_beside_a_held_out_score(project, run_check):
    root = project([
        "from sklearn.svm import LinearSVC\nfrom sklearn.metrics import accuracy_score\n"
        "from sklearn.model_selection import train_test_split",
        "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
        "svm = LinearSVC(random_state=0)\nsvm.fit(X_train, y_train)\n"
        "accuracy_score(y_train, svm.predict(X_train))",
        "final = LinearSVC(C=10, random_state=0).fit(X_train, y_train)\n"
        "accuracy_score(y_test, final.predict(X_test))",
    ])
    assert not _rules(run_check(root, select=["MLD603"]), "MLD603")


def test_mld603_still_flags_a_model_only_scored_on_its_training_rows(project, run_check):
    root = project([
        "from sklearn.linear_model import LogisticRegression\nfrom sklearn.metrics import accuracy_score",
        "model = LogisticRegression().fit(X, y)\nprint(accuracy_score(y, model.predict(X)))",
    ])
    assert len(_rules(run_check(root, select=["MLD603"]), "MLD603")) == 1


def test_mld104_named_blender_is_stacking(project, run_check):
    root = project([
        "import numpy as np\nfrom sklearn.ensemble import RandomForestClassifier",
        "a = RandomForestClassifier(random_state=0).fit(X_train, y_train)",
        "val_preds = np.column_stack([a.predict(X_val)])",
        "meta_learner = RandomForestClassifier(random_state=0)\nmeta_learner.fit(val_preds, y_val)",
    ])
    assert not _rules(run_check(root, select=["MLD104"]), "MLD104")


def test_mld301_notebook_flags_only_the_saved_model(project, run_check):
    root = project([
        "from tensorflow import keras",
        "model = keras.Sequential([keras.layers.Dense(1)])\n"
        "model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1))\nmodel.fit(X, y)",
        "model = keras.Sequential([keras.layers.Dense(1)])\n"
        "model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01))\nmodel.fit(X, y)",
        "model.save('model.keras')",
    ])
    found = _rules(run_check(root, select=["MLD301"]), "MLD301")
    assert [(f.pos.cell, f.pos.line) for f in found] == [(3, 2)]
    assert "learning_rate=0.01" in found[0].message


def test_suppression_text_inside_a_string_is_not_a_directive(project, run_check):
    root = project({"check.py": 'EXAMPLE = "df = read(path)  # noqa: MLD302"\nDOC = """# mldebt: ignore[MLD301]"""\n',
                    "nb.ipynb": ["!pip install pandas  # noqa: MLD504", 'x = "# noqa: MLD101"']})
    found = run_check(root)
    assert not [f for f in found if f.rule == "MLD002"], [f.message for f in found]
    assert not [f for f in found if f.rule == "MLD504"]  # a comment on a magic line still suppresses


def test_mld104_predictions_inside_a_hand_written_learner_do_not_taint_its_callers(project, run_check):
    root = project(["import numpy as np",
                    "class Perceptron:\n"
                    "    def fit(self, X, y):\n"
                    "        for xi, target in zip(X, y):\n"
                    "            output = self.predict(xi)\n"
                    "            y = target - output\n"
                    "        return self\n"
                    "    def predict(self, X):\n"
                    "        return np.where(X.sum() > 0, 1, -1)",
                    "model = Perceptron()\nmodel.fit(X_std, y)"])
    assert not [f for f in run_check(root, select=["MLD104"]) if f.rule == "MLD104"]


def test_cell_with_a_common_leading_indent_parses_as_ipython_runs_it(project, run_check):
    root = project(["import pandas as pd", ' df = pd.read_csv("/home/ana/x.csv")\n print(df.shape)'])
    found = run_check(root)
    assert not [f for f in found if f.rule == "MLD001"]
    [path] = [f for f in found if f.rule == "MLD302"]
    assert (path.pos.cell, path.pos.line, path.pos.column) == (2, 1, 19)  # the literal as written


def test_mld601_polars_sample_is_fixed_with_seed(project):
    from mldebt import api
    from mldebt.fix import apply_fixes

    root = project({"a.py": "import polars as pl\nfrom sklearn.linear_model import LinearRegression\n"
                            "df = pl.read_parquet('x.parquet')\ns = df.sample(10)\nLinearRegression().fit(s, s)\n"})
    result = api.check([str(root)], select=["MLD601"], jobs=1, use_cache=False)
    apply_fixes(result, unsafe=False, write=True)
    assert "df.sample(10, seed=42)" in (root / "a.py").read_text()


def test_mld603_positional_slices_behind_values_are_a_split(project, run_check):
    root = project(["import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
                    "df = pd.read_csv('movie_data.csv')",
                    "X_train = df.loc[:25000, 'review'].values\ny_train = df.loc[:25000, 'sentiment'].values\n"
                    "X_test = df.loc[25000:, 'review'].values\ny_test = df.loc[25000:, 'sentiment'].values",
                    "m = LogisticRegression().fit(X_train, y_train)\nprint(m.score(X_test, y_test))"])
    assert not [f for f in run_check(root, select=["MLD603"]) if f.rule == "MLD603"]


def test_mld104_one_finding_per_unit_for_many_fits_on_prediction_derived_data(project, run_check):
    root = project(["from sklearn.ensemble import RandomForestRegressor, RandomForestClassifier",
                    "imputer = RandomForestRegressor().fit(known[['a']], known['b'])\n"
                    "df.loc[missing, 'b'] = imputer.predict(df.loc[missing, ['a']])",
                    "m1 = RandomForestClassifier().fit(df[['a', 'b']], df['y'])",
                    "m2 = RandomForestClassifier(max_depth=3).fit(df[['a', 'b']], df['y'])"])
    [finding] = [f for f in run_check(root, select=["MLD104"]) if f.rule == "MLD104"]
    assert finding.pos.cell == 3 and "1 later fit in this unit too" in finding.message
    assert any(r["cell"] == 4 for r in finding.related)


def test_mld203_a_comment_inside_comments_is_not_a_line_of_code(project, run_check):
    root = project({"train.py": "import torch\n\n## Uncomment to make the run repeatable\n# torch.manual_seed(42)\n\n"
                                "x = torch.rand(3)\n",
                    "eval.py": "import torch\n\n## Reload the checkpoint (uncomment for a full run)\n"
                               "# state = torch.load('model.pt')\n# model.load_state_dict(state)\n\nprint(1)\n"})
    found = _rules(run_check(root, select=["MLD203"]), "MLD203")
    assert [(f.path, f.pos.line, f.snippet) for f in found] == \
        [("eval.py", 4, "# state = torch.load('model.pt')")]  # 2 real lines, reported at the first code line


def test_mld601_names_the_mode_the_call_uses(project, run_check):
    root = project({"train.py": "from sklearn.linear_model import LogisticRegression\n"
                                "from sklearn.decomposition import PCA\n\n\ndef train(X, y):\n"
                                "    pca = PCA(n_components=2, svd_solver='arpack')\n"
                                "    clf = LogisticRegression(solver='liblinear')\n"
                                "    return clf.fit(pca.fit_transform(X), y)\n"})
    messages = [f.message for f in _rules(run_check(root, select=["MLD601"]), "MLD601")]
    assert any("svd_solver='arpack'" in m for m in messages) and any("solver='liblinear'" in m for m in messages)
    assert not any("'randomized'" in m or "'sag'" in m for m in messages)


def test_mld502_a_bigquery_cell_magic_defines_its_destination(project, run_check):
    root = project(["%%bigquery trips\nSELECT day, COUNT(*) AS n FROM ds.trips GROUP BY day", "trips.head()",
                    "%%bigquery --project my-project sample\nSELECT * FROM ds.trips LIMIT 10",
                    "sample = sample.dropna()\nsample.describe()"])
    assert not _rules(run_check(root, select=["MLD502"]), "MLD502")


def test_mld204_select_star_except_columns_is_a_plain_fetch(project, run_check):
    root = project(["%%bigquery sample\nSELECT * EXCEPT (ts, split) FROM ds.prepared",
                    "import pandas as pd\nold = pd.read_sql('SELECT a FROM t EXCEPT SELECT a FROM u', con)"])
    found = _rules(run_check(root, select=["MLD204"]), "MLD204")
    assert [f.pos.cell for f in found] == [2]  # the real set operation only


def test_mld103_a_read_that_starts_a_chain_is_used(project, run_check):
    root = project({"prepare.py": "import pandas as pd\npd.read_csv('data/a.csv').dropna().to_csv('data/c.csv')\n",
                    "count.py": "import sqlite3\n\n\ndef count(con):\n    cur = con.cursor()\n"
                                "    cur.execute('SELECT COUNT(*) FROM events')\n    return cur.fetchone()[0]\n"})
    assert not _rules(run_check(root, select=["MLD103"]), "MLD103")


def test_mld206_writes_that_only_fill_a_missing_cache_do_not_conflict(project, run_check):
    cell = ("import requests\nfrom pathlib import Path\np = Path('data/img.jpg')\nif not p.is_file():\n"
            "    with open(p, 'wb') as f:\n        f.write(requests.get('https://example.org/v1/img.jpg').content)")
    root = project({"a.ipynb": [cell], "b.ipynb": [cell]})
    assert not _rules(run_check(root, select=["MLD206"]), "MLD206")
    unguarded = project({"a.ipynb": [cell], "c.py": "open('data/img.jpg', 'wb').write(b'x')\n"})
    assert len(_rules(run_check(unguarded, select=["MLD206"]), "MLD206")) == 2


def test_sql_tables_named_at_run_time_are_not_one_table(project, run_check):
    root = project({"writer.py": "import sqlite3\ncon = sqlite3.connect('db.sqlite')\nt = get_name()\n"
                                 "con.execute(f'INSERT INTO {t} VALUES (?, ?)', rows)\n",
                    "reader.py": "import sqlite3\nimport pandas as pd\ncon = sqlite3.connect('db.sqlite')\n"
                                 "t = get_other()\nprint(pd.read_sql(f'SELECT * FROM {t}', con).shape)\n",
                    "schema.py": "import pandas as pd\n\ndef load(con, schema):\n"
                                 "    return pd.read_sql(f'SELECT * FROM {schema}.events', con)\n"})
    assert not _rules(run_check(root, select=["MLD101", "MLD206"]), "MLD101")
    from mldebt import api
    tables = [n for n in api.scan([str(root)], use_cache=False).graph.artifacts() if n.startswith("table:")]
    assert tables == []


def test_mld102_a_service_health_check_is_no_data_dependency(project, run_check):
    root = project({"monitor.py": "import requests\n\nok = requests.get('http://api:8080/health').status_code == 200\n"
                                  "up = requests.get('https://svc.example.com/v/ready?deep=1').ok\n",
                    "fetch.py": "import pandas as pd\n\ndf = pd.read_csv('https://example.com/data/train.csv')\n"})
    assert [f.path for f in _rules(run_check(root, select=["MLD102"]), "MLD102")] == ["fetch.py"]


def test_mld402_a_write_inside_a_command_function_is_reported_once(project, run_check):
    root = project({"predict.py": "import click\nimport joblib\nimport pandas as pd\n\n\n@click.command()\n"
                                  "@click.option('--out')\ndef main(out):\n    model = joblib.load('model.pkl')\n"
                                  "    preds = model.predict(pd.read_csv('data/x.csv'))\n"
                                  "    pd.DataFrame({'p': preds}).to_csv(out + '/preds.csv')\n\n\n"
                                  "if __name__ == '__main__':\n    main()\n"})
    found = _rules(run_check(root, select=["MLD402"]), "MLD402")
    assert [f.pos.line for f in found] == [11]


def test_mld402_a_route_serving_a_helpers_predictions(project, run_check):
    root = project({"serve.py": "import pickle\nfrom flask import Flask, request, jsonify\n\n"
                                "with open('model.bin', 'rb') as f:\n    model = pickle.load(f)\n\n\n"
                                "def score(row):\n    return model.predict_proba([row])[0, 1]\n\n\n"
                                "app = Flask('svc')\n\n\n@app.route('/predict', methods=['POST'])\ndef predict():\n"
                                "    p = score(request.get_json())\n    return jsonify({'p': float(p)})\n"})
    found = _rules(run_check(root, select=["MLD402"]), "MLD402")
    assert [f.pos.line for f in found] == [18]  # the return that serves them


def test_mld203_a_commented_out_file_is_one_finding(project, run_check):
    body = "\n\n".join(f"# def step_{i}(df):\n#     df = df.dropna()\n#     return df.head({i})" for i in range(6))
    root = project({"old_pipeline.py": body + "\n"})
    found = _rules(run_check(root, select=["MLD203"]), "MLD203")
    assert [(f.pos.line, f.pos.end_line) for f in found] == [(1, 23)]


def test_mld206_downloads_that_fill_a_missing_folder_or_file_do_not_conflict(project, run_check):
    folder = ("import requests\nfrom pathlib import Path\ndata_path = Path('data/')\n"
              "image_path = data_path / 'images'\nif image_path.is_dir():\n    print('exists')\nelse:\n"
              "    image_path.mkdir(parents=True, exist_ok=True)\n"
              "    with open(data_path / 'images.zip', 'wb') as f:\n"
              "        f.write(requests.get('https://example.org/images.zip').content)")
    helper = ("import requests\nfrom pathlib import Path\nif Path('helper_functions.py').is_file():\n    print('skip')\n"
              "else:\n    with open('helper_functions.py', 'wb') as f:\n"
              "        f.write(requests.get('https://example.org/helper_functions.py').content)")
    fallback = ("try:\n    from helper_functions import plot_loss_curves\nexcept ImportError:\n"
                "    import requests\n    with open('helper_functions.py', 'wb') as f:\n"
                "        f.write(requests.get('https://example.org/helper_functions.py').content)")
    root = project({"a.ipynb": [folder, helper], "b.ipynb": [folder, fallback]})
    assert not _rules(run_check(root, select=["MLD206"]), "MLD206")


def test_mld601_the_base_estimator_of_a_seeded_ensemble_and_a_seeding_star_import(project, run_check):
    root = project({
        "ens.py": "from sklearn.ensemble import AdaBoostClassifier, BaggingRegressor\n"
                  "from sklearn.tree import DecisionTreeClassifier\nfrom sklearn.svm import SVR\n"
                  "clf = AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=50, random_state=0)\n"
                  "reg = BaggingRegressor(estimator=SVR(), random_state=1)\nclf.fit(X, y)\n",
        "common.py": "import numpy as np\nimport torch\nnp.random.seed(123)\ntorch.manual_seed(123)\n",
        "train.py": "from common import *\nimport torch\nnet = torch.nn.Linear(3, 1)\nidx = torch.randperm(10)\n"
                    "torch.save(net.state_dict(), 'model.pth')\n",
    })
    assert not _rules(run_check(root, select=["MLD601"]), "MLD601")


def test_config_rules_on_scheduler_state_formulas_and_keyword_saves(project, run_check):
    root = project({
        "sched.py": "from torch.optim.lr_scheduler import CosineAnnealingLR\n\n\ndef make(cfg, opt, steps):\n"
                    "    return CosineAnnealingLR(opt, T_max=steps, eta_min=cfg.min_lr, last_epoch=-1)\n",
        "plot.py": "import plotnine as gg\np = gg.ggplot(df, gg.aes(x='prob')) + gg.facet_wrap('~model', ncol=1)\n",
        "nb.ipynb": ["from lightgbm import LGBMClassifier\nimport mlflow",
                     "m = LGBMClassifier(num_leaves=200)\nm.fit(X, y)",
                     "mlflow.sklearn.log_model(sk_model=m, artifact_path='model')"],
    })
    found = run_check(root, select=["MLD301", "MLD302"])
    assert [(f.rule, f.path) for f in found] == [("MLD301", "nb.ipynb")]  # the keyword-saved model only


def test_mld501_an_empty_cell_sharing_a_count(project, run_check):
    root = project([{"source": "x = 1", "execution_count": 1}, {"source": "print(x)", "execution_count": 2},
                    {"source": "", "execution_count": 2}])
    assert not _rules(run_check(root, select=["MLD501"]), "MLD501")


def test_automagic_pip_install_is_a_magic_not_a_syntax_error(project, run_check):
    root = project(["pip install scikit-surprise", "cd = 3\nprint(cd)", "import surprise"])
    found = run_check(root, select=["MLD001", "MLD504"])
    assert [(f.rule, f.pos.cell) for f in found] == [("MLD504", 1)]  # an unpinned install, not unparsable code


def test_mld402_a_route_serving_a_project_wrapper_that_may_monitor(project, run_check):
    root = project({
        "predictor.py": "import logging\nimport joblib\nlog = logging.getLogger(__name__)\n\n\nclass Predictor:\n"
                        "    def __init__(self, p):\n        self.model = joblib.load(p)\n\n"
                        "    def predict_proba(self, rows):\n        s = self.model.predict_proba(rows)[:, 1]\n"
                        "        log.info('inputs=%s scores=%s', rows, s)\n        return s.tolist()\n",
        "app.py": "from fastapi import FastAPI\nfrom predictor import Predictor\napp = FastAPI()\n"
                  "svc = Predictor('model.pkl')\n\n\n@app.post('/predict')\ndef predict(rows: list):\n"
                  "    return svc.predict_proba(rows)\n"})
    assert not _rules(run_check(root, select=["MLD402"]), "MLD402")


def test_mld305_tracking_destinations_set_through_constants_and_the_environment(project, run_check):
    root = project({"a/train.py": "import mlflow\nURI = 'http://127.0.0.1:5000'\nmlflow.set_tracking_uri(URI)\n",
                    "b/tune.py": "import mlflow\nURI = 'http://10.0.0.7:5000'\nmlflow.set_tracking_uri(URI)\n",
                    "c/evaluate.py": "import os\nos.environ['MLFLOW_TRACKING_URI'] = 'https://mlflow.example.org'\n",
                    "d/serve.py": "import os\nimport mlflow\nmlflow.set_tracking_uri(os.environ['MLFLOW_URI'])\n"})
    found = _rules(run_check(root, select=["MLD305"]), "MLD305")
    assert len(found) == 1 and all(p in str(found[0].message) + str(found[0].related)
                                   for p in ("a/train.py", "b/tune.py", "c/evaluate.py"))
    assert "d/serve.py" not in str(found[0].message) + str(found[0].related)  # read from the environment


def test_mld603_old_kfold_iteration_and_mask_splits_hold_data_out(project, run_check):
    root = project({
        "old_api.ipynb": ["from sklearn.cross_validation import KFold\nfrom sklearn.linear_model import LinearRegression",
                          "clf = LinearRegression()\nscores = []\n"
                          "for train, test in KFold(len(y), n_folds=5):\n"
                          "    xtrain, xtest, ytrain, ytest = x[train], x[test], y[train], y[test]\n"
                          "    clf.fit(xtrain, ytrain)\n    scores.append(clf.score(xtest, ytest))"],
        "mask.py": "import numpy as np\nfrom sklearn.linear_model import LinearRegression\n"
                   "rng = np.random.RandomState(0)\nmask = rng.rand(50) < 0.8\n"
                   "clf = LinearRegression().fit(x[mask], y[mask])\nprint(clf.score(x[~mask], y[~mask]))\n"
                   "train_rows = df.loc[df.is_train, cols]\nmodel = LinearRegression().fit(train_rows, df.loc[df.is_train, 'y'])\n"
                   "print(model.score(df.loc[~df.is_train, cols], df.loc[~df.is_train, 'y']))\n",
    })
    assert not _rules(run_check(root, select=["MLD603"]), "MLD603")


def test_mld602_a_split_that_only_subsamples_a_plot(project, run_check):
    root = project(["from sklearn.decomposition import PCA\nfrom sklearn.model_selection import train_test_split\n"
                    "import matplotlib.pyplot as plt",
                    "X_pca = PCA(n_components=2, random_state=0).fit_transform(X)",
                    "X_show, _, y_show, _ = train_test_split(X_pca, labels, test_size=0.9, random_state=0)\n"
                    "plt.scatter(X_show[:, 0], X_show[:, 1], c=y_show)"])
    assert not _rules(run_check(root, select=["MLD602"]), "MLD602")


def test_qa_round_three_configs_paths_automagic_and_commented_blocks(project, run_check):
    root = project({
        "train.py": "from transformers import Seq2SeqTrainingArguments\nfrom trl import DPOConfig\n"
                    "from peft import LoraConfig\nimport json\n"
                    "b = Seq2SeqTrainingArguments(output_dir='out', learning_rate=5e-5, num_train_epochs=3)\n"
                    "c = DPOConfig(output_dir='out', learning_rate=5e-5, beta=0.1)\n"
                    "lora = LoraConfig(r=64, lora_alpha=32, lora_dropout=0.05)\n"
                    "rows = json.load(open('/home2/alice/project/dataset/val.json'))\n",
        "prep.py": "from datasets import load_dataset\nds = load_dataset('imdb', split='train')\nprint(ds)\n"
                   "# Dataset({\n#     features: ['text', 'label'],\n#     num_rows: 25000\n# })\n",
        "adapter.py": "x = 1\n\n# @register(Adapter)\n# def freeze(self, on=True):\n#     self.frozen = on\n",
        "nb.ipynb": ["import pandas as pd", "ls", "df = pd.read_csv('train.csv')\ndf.head()"],
    })
    found = run_check(root, select=["MLD203", "MLD301", "MLD302", "MLD502"])
    by_rule = sorted((f.rule, f.path, f.pos.line) for f in found)
    assert ("MLD301", "train.py", 5) in by_rule and ("MLD301", "train.py", 6) in by_rule
    assert ("MLD301", "train.py", 7) in by_rule
    assert ("MLD302", "train.py", 8) in by_rule
    assert ("MLD203", "adapter.py", 3) in by_rule  # the decorator starts the commented block
    assert not [f for f in found if f.path == "prep.py" or f.rule == "MLD502"]


def test_mld303_a_constant_the_imported_functions_never_read(project, run_check):
    root = project({
        "doc_metric.py": "import json\nDEV_SIZE = 554\n\n\ndef length_of(s):\n    return len(s['summary'].split())\n\n\n"
                         "if __name__ == '__main__':\n    data = json.load(open('doc_preds.json'))\n"
                         "    print(sum(length_of(s) for s in data[:DEV_SIZE]))\n",
        "dial_metric.py": "import json\nfrom doc_metric import length_of\nDEV_SIZE = 324\n"
                          "data = json.load(open('dial_preds.json'))\nprint(sum(length_of(s) for s in data[DEV_SIZE:]))\n",
        "shared.py": "BATCH_SIZE = 64\n\n\ndef batches(rows):\n    return [rows[i:i + BATCH_SIZE] for i in range(0, len(rows), BATCH_SIZE)]\n",
        "serve.py": "from shared import batches\nBATCH_SIZE = 32\nprint(batches(list(range(100))), BATCH_SIZE)\n",
    })
    found = _rules(run_check(root, select=["MLD303"]), "MLD303")
    assert [f.path for f in found] == ["serve.py"]  # the shared module's functions do read its BATCH_SIZE


def test_mld201_names_the_model_call_not_a_seed(project, run_check):
    root = project(["import torch\nimport numpy as np",
                    "torch.manual_seed(0)\nctx = torch.tensor(y.values.astype('float32'))\n"
                    "arr = np.asarray(ctx.tolist())\n"
                    "q = pipe.predict_quantiles(context=torch.as_tensor(arr.reshape(1, -1)), prediction_length=12)"])
    found = _rules(run_check(root, select=["MLD201"]), "MLD201")
    assert found and "predict_quantiles" in found[0].message and "manual_seed" not in found[0].message


def test_mld305_two_shared_logging_modules_of_different_parts_are_two_places(project, run_check):
    root = project({"svc/utils.py": "import logging\nlogging.basicConfig(level=logging.INFO)\nlog = logging.getLogger('svc')\n",
                    "svc/app.py": "from utils import log\nlog.info('up')\n",
                    "trainer/logsetup.py": "import logging\nlogging.basicConfig(level=logging.DEBUG)\n"
                                           "handler = logging.FileHandler('train.log')\nlog = logging.getLogger('t')\n",
                    "trainer/train.py": "from logsetup import log\nlog.info('go')\n"})
    [finding] = _rules(run_check(root, select=["MLD305"]), "MLD305")
    assert "2 units" in finding.message
    assert "trainer/logsetup.py (logging.basicConfig, logging.FileHandler)" in finding.message  # one entry per unit


def test_mld601_hugging_face_dataset_shuffles_and_splits_without_a_seed(project, run_check):
    root = project({"train.py": "from datasets import load_dataset\nfrom transformers import Trainer\n"
                                "ds = load_dataset('csv', data_files='data/reviews.csv')['train']\n"
                                "splits = ds.train_test_split(test_size=0.2)\nshuffled = splits['train'].shuffle()\n"
                                "seeded = ds.shuffle(seed=42)\nby_position = ds.shuffle(42, buffer_size=100)\nordered = ds.train_test_split(test_size=0.2, shuffle=False)\n"
                                "trainer = Trainer(model=model, train_dataset=shuffled)\ntrainer.train()\n"
                                "trainer.save_model('models/clf')\n"})
    found = _rules(run_check(root, select=["MLD601"]), "MLD601")
    assert sorted(f.pos.line for f in found) == [4, 5]  # not the seeded ones (by keyword or position)


def test_mld602_columns_chosen_by_a_selector_fitted_on_all_rows(project, run_check):
    root = project(["from sklearn.feature_selection import SelectKBest, f_regression\n"
                    "from sklearn.linear_model import LinearRegression\nfrom sklearn.model_selection import cross_val_score",
                    "selector = SelectKBest(f_regression, k=2).fit(x, y)\nxt = x[:, selector.get_support()]",
                    "print(cross_val_score(LinearRegression(), xt, y, cv=5).mean())"])
    assert len(_rules(run_check(root, select=["MLD602"]), "MLD602")) == 1


def test_mld206_writers_saving_what_the_same_url_returns(project, run_check):
    cell = ("import requests\nwith open('data/pizza.zip', 'wb') as f:\n"
            "    request = requests.get('https://example.org/data/pizza.zip')\n    f.write(request.content)")
    other = ("import requests\nwith open('data/pizza.zip', 'wb') as f:\n"
             "    f.write(requests.get('https://example.org/data/OTHER.zip').content)")
    same = project({"a.ipynb": [cell], "b.ipynb": [cell]})
    assert not _rules(run_check(same, select=["MLD206"]), "MLD206")
    different = project({"a.ipynb": [cell], "c.ipynb": [other]})
    assert len(_rules(run_check(different, select=["MLD206"]), "MLD206")) == 2


def test_mld203_commented_code_that_mentions_urls(project, run_check):
    root = project({
        "seed.py": "import torch\n\n\ndef set_seed(seed):\n    torch.manual_seed(seed)\n"
                   "    # torch.backends.cudnn.benchmark = True  # see https://example.com/issues/1\n"
                   "    # if strict and check(torch.__version__):  # https://example.com/pull/2\n"
                   "    #     torch.use_deterministic_algorithms(True)\n"
                   "    #     torch.backends.cudnn.deterministic = True\n",
        "build.py": "x = 1\n# ckpt = load_url('https://example.com/w.pth')\n# net.load_state_dict(ckpt)\n",
        "links.py": "x = 1\n# See https://example.com/docs for details\n# and https://example.com/faq\n",
    })
    found = sorted((f.path, f.pos.line, f.message.split(" ")[0]) for f in _rules(run_check(root, select=["MLD203"]), "MLD203"))
    assert [(p, line) for p, line, _ in found] == [("build.py", 2), ("seed.py", 6)]


def test_torch_train_mode_is_no_fit(project, run_check):
    root = project({"export.py": "import torch\n\n\ndef export(model, path, training=False):\n    if training:\n"
                                 "        model.train()\n    else:\n        model.eval()\n"
                                 "    dummy = torch.randn(1, 3, 224, 224)\n    torch.onnx.export(model, dummy, path)\n"})
    assert not _rules(run_check(root, select=["MLD601"]), "MLD601")
    from mldebt import api
    assert api.scan([str(root)], use_cache=False).facts["export.py"].fits == []


def test_a_hugging_face_trainer_train_is_a_fit(project):
    from mldebt import api
    root = project({"hf.py": "from transformers import Trainer\ntrainer = Trainer(model=model, args=args)\ntrainer.train()\n",
                    "sft.py": "from trl import SFTTrainer\nt = SFTTrainer(model=model)\nt.train()\n"})
    facts = api.scan([str(root)], use_cache=False).facts
    assert facts["hf.py"].fits and facts["sft.py"].fits


def test_mld104_approximate_labels_and_distillation_are_named_techniques(project, run_check):
    root = project(["from sklearn.cluster import KMeans\nfrom sklearn.linear_model import LogisticRegression",
                    "km = KMeans(n_clusters=2, random_state=0).fit(X)\napprox_label = km.predict(X_new)",
                    "clf = LogisticRegression().fit(X_new, approx_label)",
                    "teacher_out = big.predict(X)\nstudent = LogisticRegression().fit(X, teacher_out)"])
    assert not _rules(run_check(root, select=["MLD104"]), "MLD104")


def test_mld603_oversampling_by_replicating_rows_before_the_split(project, run_check):
    root = project(["import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
                    "from sklearn.linear_model import LogisticRegression",
                    "minority = df[df['target'] == 0]\ndf_up = pd.concat([df] + [minority] * 10, ignore_index=True)",
                    "X_train, X_test, y_train, y_test = train_test_split(df_up.drop(columns='target'), "
                    "df_up['target'], random_state=0)\nclf = LogisticRegression().fit(X_train, y_train)\n"
                    "print(clf.score(X_test, y_test))"])
    assert len(_rules(run_check(root, select=["MLD603"]), "MLD603")) == 1
