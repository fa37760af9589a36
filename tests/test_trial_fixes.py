"""False positives and wrong messages found by running mldebt on real public ML repositories.

Each test reproduces one trial report in miniature and pins the corrected behaviour.
"""

from __future__ import annotations

from mldebt.rules.repro.mld604_multi_test_leakage import MultiTestLeakage
from mldebt.sources.magics import mask_cell


def findings_for(project, run_check, rule_id, files):
    root = project(files)
    return [f for f in run_check(root, select=[rule_id]) if f.rule == rule_id]


# ---------------------------------------------------------------- IPython magics (loader, MLD001, MLD502)
def test_line_magic_continues_while_a_bracket_is_open():
    code, magics, _ = mask_cell("%timeit np.add(x,\n             x)\ny = 1")
    assert code == "pass\npass\ny = 1"
    assert [m.text for m in magics] == ["timeit np.add(x, x)"]


def test_bracket_inside_quotes_or_comment_does_not_continue_a_magic():
    code, magics, _ = mask_cell("!echo '(' # (\nx = 1\n%time f(')', [1,\n   2])\nz = 2")
    assert code.split("\n") == ["pass", "x = 1", "pass", "pass", "z = 2"]
    assert [m.line for m in magics] == [1, 3]


def test_multi_line_timeit_cell_parses(project, run_check):
    cells = ["import numpy as np\nx = np.arange(3)", "%timeit np.add(x,\n             x)"]
    assert not findings_for(project, run_check, "MLD001", {"bench.ipynb": cells})


def test_timeit_loop_does_not_hide_later_hidden_state(project, run_check):
    cells = ["import numpy as np\nx = np.arange(3)", "%timeit for v in x: pass", "%time for v in x: pass",
             "print(undefined_name)"]
    [finding] = findings_for(project, run_check, "MLD502", {"bench.ipynb": cells})
    assert (finding.pos.cell, finding.pos.line) == (4, 1)
    assert "`undefined_name`" in finding.message


def test_time_and_timeit_cell_bodies(project, run_check):
    cells = ["%%time\nimport numpy as np\nx = np.arange(3)", "print(x)",
             "%%timeit -n 1\nfor v in x:\n    pass\nlast = v", "print(last)", "%%timeit\nprint(missing)"]
    [finding] = findings_for(project, run_check, "MLD502", {"bench.ipynb": cells})
    assert finding.pos.cell == 5 and "`missing`" in finding.message


# ---------------------------------------------------------------- MLD501 / MLD503 (execution counts)
def test_duplicate_count_related_text_does_not_claim_later_run(project, run_check):
    cells = [{"source": "x = 1", "execution_count": 1}, {"source": "y = 2", "execution_count": 2},
             {"source": "print(x + y)", "execution_count": 2}]
    [finding] = findings_for(project, run_check, "MLD501", {"nb.ipynb": cells})
    assert finding.pos.cell == 3 and "same count, In [2]" in finding.message
    assert finding.related[0]["cell"] == 2
    assert finding.related[0]["message"] == "shows the same count, In [2]"


def test_cell_with_outputs_but_no_count_counts_as_executed(project, run_check):
    result = {"output_type": "execute_result", "execution_count": 2, "metadata": {}, "data": {"text/plain": ["2"]}}
    stream = {"output_type": "stream", "name": "stdout", "text": ["1\n"]}
    cells = [{"source": "x = 1", "execution_count": 1},
             {"source": "x + 1", "execution_count": None, "outputs": [result]},
             {"source": "print(x)", "execution_count": None, "outputs": [stream]},
             {"source": "x = x * 2", "execution_count": None}]
    [finding] = findings_for(project, run_check, "MLD503", {"nb.ipynb": cells})
    assert finding.pos.cell == 4


def test_loader_keeps_only_whether_a_cell_has_outputs():
    from mldebt.sources.load import load_notebook
    from mldebt.testing import notebook_json

    doc = notebook_json([{"source": "1", "outputs": [{"output_type": "stream", "name": "stdout", "text": "1"}]},
                         {"source": "2"}])
    source = load_notebook(doc.encode(), "nb.ipynb")
    assert [c.has_outputs for c in source.cells] == [True, False]
    assert not hasattr(source.cells[0], "outputs")


# ---------------------------------------------------------------- MLD104 (hand-written boosting)
BOOSTING = ("from sklearn.tree import DecisionTreeRegressor\n"
            "t1 = DecisionTreeRegressor(max_depth=2, random_state=0).fit(X, y)\n"
            "resid = y - t1.predict(X)\n"
            "t2 = DecisionTreeRegressor(max_depth=2, random_state=0).fit(X, resid)\n")


def test_hand_written_boosting_is_not_a_correction_cascade(project, run_check):
    assert not findings_for(project, run_check, "MLD104", {"boost.py": BOOSTING})
    inline = BOOSTING.replace("fit(X, resid)", "fit(X, y - t1.predict(X))")
    assert not findings_for(project, run_check, "MLD104", {"boost.py": inline})


def test_residuals_on_other_data_or_a_foreign_model_are_still_a_cascade(project, run_check):
    other_x = BOOSTING.replace("resid = y - t1.predict(X)", "resid = y_new - t1.predict(X_new)").replace(
        "fit(X, resid)", "fit(X_new, resid)")
    [finding] = findings_for(project, run_check, "MLD104", {"boost.py": other_x})
    assert finding.pos.line == 4
    loaded = ("import joblib\nfrom sklearn.tree import DecisionTreeRegressor\nt1 = joblib.load('models/base.joblib')\n"
              "resid = y - t1.predict(X)\nt2 = DecisionTreeRegressor().fit(X, resid)\n")
    assert len(findings_for(project, run_check, "MLD104", {"fix.py": loaded})) == 1


def test_score_as_feature_for_another_target_is_a_cascade(project, run_check):
    cells = ["from sklearn.linear_model import LogisticRegression\n"
             "from sklearn.ensemble import GradientBoostingClassifier",
             "churn_model = LogisticRegression().fit(X, y_churn)\n"
             "X_upsell = X.assign(churn_score=churn_model.predict_proba(X)[:, 1])",
             "upsell_model = GradientBoostingClassifier().fit(X_upsell, y_upsell)"]
    [finding] = findings_for(project, run_check, "MLD104", {"upsell.ipynb": cells})
    assert finding.pos.cell == 3 and "correction cascade" in finding.message


# ---------------------------------------------------------------- MLD604 (averaging is not selection)
# The rule's own VALID example: ten identical trees fitted on bootstrap samples, their scores averaged.
BAGGING = next(e.code for e in MultiTestLeakage.VALID if "bagging" in e.note).replace(
    "print(np.mean(scores))", "print(np.mean(scores), np.std(scores))")


def test_averaged_scores_of_ensemble_members_are_not_selection(project, run_check):
    assert not findings_for(project, run_check, "MLD604", {"bagging.py": BAGGING})


def test_averaged_scores_then_picking_the_best_is_still_selection(project, run_check):
    code = BAGGING + "best_tree = forest[int(np.argmax(scores))]\n"
    [finding] = findings_for(project, run_check, "MLD604", {"bagging.py": code})
    assert finding.pos.line == 15 and "multi-test leakage" in finding.message


# ---------------------------------------------------------------- MLD102 (as written, run ids, registry stages)
LATEST_ITEMS = ["import pandas as pd\nitems = pd.read_json('items-latest.json')"]


def test_notebook_folder_name_neither_pins_nor_unpins(project, run_check):
    root = project({"notebooks_v1/a.ipynb": LATEST_ITEMS, "nb/b.ipynb": LATEST_ITEMS,
                    "live/c.ipynb": ["import pandas as pd\nitems = pd.read_json('items.json')"],
                    "d.ipynb": ["import pandas as pd\nitems = pd.read_json('../data_v1/items-latest.json')"]})
    found = [f for f in run_check(root, select=["MLD102"]) if f.rule == "MLD102"]
    assert sorted(f.path for f in found) == ["nb/b.ipynb", "notebooks_v1/a.ipynb"]
    assert any("notebooks_v1/items-latest.json" in f.message for f in found)


def test_run_id_or_version_variable_pins_a_path(project, run_check):
    code = ('import os\nimport mlflow\nimport pandas as pd\nRUN_ID = os.environ["RUN_ID"]\ngit_sha = os.environ["SHA"]\n'
            'm = mlflow.pyfunc.load_model(f"s3://bucket/1/{RUN_ID}/artifacts/model")\n'
            'a = pd.read_csv("https://example.com/exports/" + git_sha + "/a.csv")\n'
            'b = pd.read_csv(f"https://example.com/exports/{name}/b.csv")\n')
    [finding] = findings_for(project, run_check, "MLD102", {"load.py": code})
    assert finding.pos.line == 8


def test_registry_stages_and_aliases_are_unstable(project, run_check):
    code = ('import mlflow\nSTAGE = "Staging"\n'
            'a = mlflow.pyfunc.load_model("models:/churn/Production")\n'
            'b = mlflow.pyfunc.load_model(f"models:/churn/{STAGE}")\n'
            'c = mlflow.pyfunc.load_model("models:/churn/latest")\n'
            'd = mlflow.pyfunc.load_model("models:/churn@champion")\n'
            'e = mlflow.pyfunc.load_model("models:/churn/7")\n'
            'f = mlflow.pyfunc.load_model(f"models:/churn/{version}")\n')
    found = findings_for(project, run_check, "MLD102", {"serve.py": code})
    assert [f.pos.line for f in found] == [3, 4, 5, 6]
    assert "stage `Production`" in found[0].message and "`Staging`" in found[1].message
    assert "alias `champion`" in found[3].message and "models:/churn/3" in found[3].message


# ---------------------------------------------------------------- MLD301 (literals quoted as written)
def test_hyperparameter_message_quotes_the_source_text(project, run_check):
    code = ("import joblib\nimport torch\nfrom sklearn.ensemble import GradientBoostingClassifier\n"
            "clf = GradientBoostingClassifier(learning_rate=1e-3, n_estimators=1_000, random_state=0).fit(X, y)\n"
            "opt = torch.optim.Adam(net.parameters(), lr=3E-4,\n                       weight_decay=0.0)\n"
            "joblib.dump(clf, 'gb.joblib')\n")
    found = findings_for(project, run_check, "MLD301", {"train.py": code})
    assert [f.message.split(" hard-codes")[0] for f in found] == [
        "GradientBoostingClassifier(learning_rate=1e-3, n_estimators=1_000)", "Adam(lr=3E-4, weight_decay=0.0)"]
