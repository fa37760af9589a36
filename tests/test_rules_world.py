"""Focused tests for the external-world rules (MLD401 fixed-threshold, MLD402 unmonitored-predictions)."""

from __future__ import annotations

import pytest


def findings_of(run_check, root, rule_id):
    return [f for f in run_check(root, select=[rule_id]) if f.rule == rule_id]


# ---------------------------------------------------------------------------------------------- MLD401
def test_fixed_threshold_position_across_cells(project, run_check):
    root = project({"score.ipynb": ["import numpy as np", {"cell_type": "markdown", "source": "Scores"},
                                    "proba = clf.predict_proba(X_test)",
                                    "pos = proba[:, 1].ravel()\ny_hat = np.where(pos >= 0.35, 1, 0)"]})
    [f] = findings_of(run_check, root, "MLD401")
    assert (f.pos.cell, f.pos.line, f.pos.column) == (4, 2, 18)
    assert "`pos >= 0.35`" in f.message and "`clf.predict_proba` (cell 3, line 1)" in f.message
    assert f.related[0] == {"path": "score.ipynb", "cell": 3, "line": 1,
                            "message": "the score comes from `clf.predict_proba` here"}


def test_fixed_threshold_direct_call_and_transforms(project, run_check):
    code = ("from scipy.special import expit\n\n\ndef decide(model, X):\n"
            "    if model.decision_function(X)[0] < -0.25:\n        return 'reject'\n"
            "    p = 1 - expit(model.decision_function(X))\n    return p > 0.9\n")
    found = findings_of(run_check, project({"decide.py": code}), "MLD401")
    assert [(f.pos.line, f.pos.column) for f in found] == [(5, 8), (8, 12)]
    assert "-0.25" in found[0].message and "0.9" in found[1].message


@pytest.mark.parametrize("code", [
    "import yaml\ncfg = yaml.safe_load(open('params.yaml'))\nflag = clf.predict_proba(X)[:, 1] > cfg['threshold']\n",
    "import os\nT = float(os.environ.get('THRESHOLD', '0.5'))\nflag = clf.predict_proba(X)[:, 1] > T\n",
    "from sklearn.metrics import roc_curve\np = clf.predict_proba(X)[:, 1]\nfpr, tpr, thr = roc_curve(y, p)\n"
    "cut = thr[(tpr - fpr).argmax()]\nflag = p >= cut\nok = (fpr <= 0.05).any()\n",
    "def flag(model, X, threshold):\n    return model.predict_proba(X)[:, 1] >= threshold\n",
    "def flag(model, X, threshold=0.8):\n    return model.predict_proba(X)[:, 1] >= threshold\n",
    "pred = clf.predict(X)\nacc = (pred == y).mean()\nbig = pred.mean() > 0.5\n",
    "labels = clf.predict_proba(X).argmax(axis=1)\nflag = labels > 0.5\n",
    "p = clf.predict_proba(X)\np[p < 0.0] = 0.0\nq = p[p <= 1.0]\n",
    "clean = X[X['income'] > 0.5]\n",
    "THRESHOLD = 0.5\nTHRESHOLD = 0.6\nflag = clf.predict_proba(X)[:, 1] > THRESHOLD\n",
])
def test_fixed_threshold_must_not_flag(project, run_check, code):
    assert not findings_of(run_check, project({"m.py": code}), "MLD401")


def test_fixed_threshold_papermill_parameters_are_config(project, run_check):
    cells = [{"source": "THRESHOLD = 0.7", "tags": ["parameters"]}, "p = clf.predict_proba(X)[:, 1]",
             "alerts = p > THRESHOLD"]
    assert not findings_of(run_check, project({"nb.ipynb": cells}), "MLD401")
    cells[0] = "THRESHOLD = 0.7"
    [f] = findings_of(run_check, project({"nb.ipynb": cells}), "MLD401")
    assert "THRESHOLD = 0.7 (cell 1, line 1)" in f.message and f.pos.cell == 3


# ---------------------------------------------------------------------------------------------- MLD402
FASTAPI = ("import joblib\nfrom fastapi import FastAPI\n\napp = FastAPI()\nmodel = joblib.load('m.joblib')\n\n\n"
           "@app.post('/score')\nasync def score(payload: dict):\n    x = [payload['a'], payload['b']]\n"
           "    p = model.predict_proba([x])[0, 1]\n{extra}    return {{'score': float(p)}}\n")


def test_unmonitored_route_position_and_message(project, run_check):
    [f] = findings_of(run_check, project({"app.py": FASTAPI.format(extra="")}), "MLD402")
    assert (f.pos.line, f.pos.column) == (12, 5)
    assert "`score()` (POST /score)" in f.message and "`model.predict_proba`, line 11" in f.message
    assert f.related[0]["line"] == 11


@pytest.mark.parametrize("extra", [
    "    logger.info('scored %s -> %s', x, p)\n",
    "    logging.info('score=%s', p)\n",
    "    SCORES.observe(p)\n",
    "    PREDICTIONS.labels(model='v1').observe(p)\n",
    "    mlflow.log_metric('score', p)\n",
])
def test_logged_or_measured_predictions_are_monitored(project, run_check, extra):
    assert not findings_of(run_check, project({"app.py": FASTAPI.format(extra=extra)}), "MLD402")


def test_logging_unrelated_values_does_not_count(project, run_check):
    code = FASTAPI.format(extra="    logger.info('request served')\n")
    assert findings_of(run_check, project({"app.py": code}), "MLD402")


@pytest.mark.parametrize("files", [
    {"tests/test_app.py": FASTAPI.format(extra="")},
    {"train.py": "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
                 "df = pd.read_csv('d.csv')\nm = LogisticRegression().fit(df[['a']], df['y'])\n"
                 "df['p'] = m.predict(df[['a']])\ndf.to_csv('scored.csv')\n"},
    {"evaluate.py": "import pandas as pd\nimport joblib\nm = joblib.load('m.joblib')\ndf = pd.read_csv('t.csv')\n"
                    "df['p'] = m.predict(df[['a']])\nprint(m.score(df[['a']], df['y']))\ndf.to_csv('eval.csv')\n"},
    {"score.ipynb": ["import joblib\nimport pandas as pd\nm = joblib.load('m.joblib')",
                     "df = pd.read_csv('new.csv')\ndf['p'] = m.predict(df)\ndf.to_csv('scored.csv')"]},
    {"batch.py": "import evidently\nimport pandas as pd\nimport joblib\nm = joblib.load('m.joblib')\n"
                 "df = pd.read_csv('new.csv')\ndf['p'] = m.predict(df)\ndf.to_csv('scored.csv')\n"},
    {"helpers.py": "def predict(model, rows):\n    return model.predict(rows)\n"},
])
def test_unmonitored_predictions_must_not_flag(project, run_check, files):
    assert not findings_of(run_check, project(files), "MLD402")


def test_batch_job_writing_predictions(project, run_check):
    code = ("import joblib\nimport numpy as np\nimport pandas as pd\n\nmodel = joblib.load('m.joblib')\n"
            "batch = pd.read_parquet('in.parquet')\nscores = model.predict(batch)\n"
            "np.save('out/scores.npy', scores)\n")
    [f] = findings_of(run_check, project({"jobs/score.py": code}), "MLD402")
    assert (f.path, f.pos.line) == ("jobs/score.py", 8)
    assert "`out/scores.npy`" in f.message and "`model.predict`, line 7" in f.message
