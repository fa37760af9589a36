"""`mldebt check --fix / --unsafe-fixes / --diff`: each fix on scripts and notebooks, idempotence, formatting,
comments and notebook JSON preserved, diffs that `patch` applies, and fixes that would break code refused."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from mldebt import api
from mldebt.fix import apply_fixes
from mldebt.fix.declared_versions import declared_versions
from mldebt.fix.model import Edit
from mldebt.fix.notebook_json import splice
from mldebt.fix.unit import FileUnit
from mldebt.testing import notebook_json


def _fix(root, unsafe=False, write=True, select=None):
    result = api.check([root], select=select, jobs=1, use_cache=False)
    return apply_fixes(result, unsafe=unsafe, write=write)


def _remaining(root, rule):
    return [f for f in api.check([root], jobs=1, use_cache=False).findings if f.rule == rule]


def _assert_idempotent(root, unsafe=True, select=None):
    """A second run of the same fix command changes nothing."""
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".mldebt" not in str(p)}
    report = _fix(root, unsafe=unsafe, select=select)
    assert report.changes == []
    assert {p: p.read_bytes() for p in before} == before


def _notebook(cells, indent=1) -> str:
    doc = json.loads(notebook_json(cells))
    return json.dumps(doc, indent=indent, ensure_ascii=False) + "\n"


def _cell_sources(path):
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]


def _assert_only_sources_changed(before: str, after: str, changed: list[int]):
    """Parsed JSON equal outside the changed cells' `source`, and raw text equal outside those arrays."""
    old, new = json.loads(before), json.loads(after)
    for i in changed:
        old["cells"][i - 1].pop("source")
        new["cells"][i - 1].pop("source")
    assert old == new
    blank = {i: "" for i in changed}
    assert splice(before, blank) == splice(after, blank)


# ---------------------------------------------------------------- MLD601 seeds (safe)

SEED_SCRIPT = '''"""Split and train."""
import numpy as np
import torch
from sklearn.model_selection import train_test_split
from sklearn.ensemble import RandomForestClassifier
from torch.utils.data import DataLoader

X_train, X_test, y_train, y_test = train_test_split(
    X,
    y,
    test_size=0.2,  # hold out a fifth
)
clf = RandomForestClassifier()  # default trees
rng = np.random.default_rng()
loader = DataLoader(ds, batch_size=32, shuffle=True)
noise = np.random.rand(3)
'''


def test_seed_fix_script(project):
    root = project({"train.py": SEED_SCRIPT})
    report = _fix(root)
    assert report.by_rule() == {"MLD601": 4}
    assert (root / "train.py").read_text() == SEED_SCRIPT.replace(
        "    test_size=0.2,  # hold out a fifth\n)", "    test_size=0.2,  # hold out a fifth\n    random_state=42,\n)").replace(
        "RandomForestClassifier()", "RandomForestClassifier(random_state=42)").replace(
        "default_rng()", "default_rng(42)").replace(
        "shuffle=True)", "shuffle=True, generator=torch.Generator().manual_seed(42))")
    remaining = _remaining(root, "MLD601")
    assert [f.snippet for f in remaining] == ["noise = np.random.rand(3)"]  # a bare draw has no fix
    _assert_idempotent(root, unsafe=False)


def test_seed_value_is_configurable(project):
    root = project({"a.py": "from sklearn.model_selection import KFold\ncv = KFold(5, shuffle=True)\n",
                    ".mldebt.yaml": "rules:\n  MLD601:\n    fix-seed: 7\n"})
    _fix(root)
    assert (root / "a.py").read_text().endswith("cv = KFold(5, shuffle=True, random_state=7)\n")


def test_seed_fix_notebook_keeps_magics_and_json(project):
    cells = [
        {"cell_type": "markdown", "source": "# Split — données\n"},
        {"source": "%%time\nimport pandas as pd\n!ls data\ndf = pd.read_csv('d.csv')\nsmall = df.sample(frac=0.1)\n"
                   "%matplotlib inline", "outputs": [{"output_type": "stream", "name": "stdout", "text": ["ok\n"]}],
         "tags": ["prep"]},
        {"source": "from sklearn.model_selection import train_test_split\nparts = train_test_split(df)\n"},
        {"source": "print(small.shape)"},
    ]
    text = _notebook(cells, indent=2)  # not nbformat's indent: kept as it is
    root = project({"nb.ipynb": text})
    report = _fix(root)
    assert report.by_rule() == {"MLD601": 2}
    after = (root / "nb.ipynb").read_text()
    sources = _cell_sources(root / "nb.ipynb")
    assert sources[1] == ("%%time\nimport pandas as pd\n!ls data\ndf = pd.read_csv('d.csv')\n"
                          "small = df.sample(frac=0.1, random_state=42)\n%matplotlib inline")
    assert sources[2].endswith("parts = train_test_split(df, random_state=42)\n")
    _assert_only_sources_changed(text, after, [2, 3])
    assert json.loads(after)["cells"][1]["source"][-1] == "%matplotlib inline"  # no newline added
    _assert_idempotent(root, unsafe=False)


# ---------------------------------------------------------------- MLD504 pins (safe when declared)

def test_pin_fix_uses_declared_versions(project):
    cells = ["!pip install -q xgboost 'pandas' shap\n%pip install lightgbm", "import xgboost"]
    text = notebook_json(cells)
    root = project({"nb.ipynb": cells, "requirements.txt": "xgboost==2.0.3  # gpu build\npandas~=2.1.0\nnumpy>=1\n",
                    "pyproject.toml": "[project]\nname = 'x'\ndependencies = ['lightgbm==4.1.0']\n"})
    assert (root / "nb.ipynb").read_text() == text
    report = _fix(root)
    assert report.by_rule() == {"MLD504": 3}
    assert _cell_sources(root / "nb.ipynb")[0] == (
        "%pip install -q xgboost==2.0.3 'pandas~=2.1.0' shap\n%pip install lightgbm==4.1.0")
    _assert_only_sources_changed(text, (root / "nb.ipynb").read_text(), [1])
    assert [f.snippet for f in _remaining(root, "MLD504")] == ["%pip install -q xgboost==2.0.3 'pandas~=2.1.0' shap"]
    _assert_idempotent(root, unsafe=False)


def test_pin_fix_without_declared_version_changes_nothing(project):
    root = project({"nb.ipynb": ["!pip install shap && pip install optuna"]})
    before = (root / "nb.ipynb").read_bytes()
    report = _fix(root, unsafe=True)
    assert report.fixed == [] and report.changes == []
    assert (root / "nb.ipynb").read_bytes() == before


def test_pin_keeps_shell_line_with_operators(project):
    root = project({"nb.ipynb": ["!pip install shap && echo done"], "requirements.txt": "shap==0.44.0\n"})
    _fix(root)
    assert _cell_sources(root / "nb.ipynb")[0] == "!pip install shap==0.44.0 && echo done"


def test_declared_versions_sources(tmp_path):
    (tmp_path / "requirements-dev.txt").write_text("pytest==8.0.0\nblack\n-r requirements.txt\n")
    (tmp_path / "requirements.txt").write_text("Scikit_Learn==1.4.0\ntorch==2.1.0\n")
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "gpu.txt").write_text("torch==2.2.0\n")  # disagrees: left to the lock file
    (tmp_path / "pyproject.toml").write_text(
        "[tool.poetry.dependencies]\npython = '^3.10'\nrich = '13.7.0'\nclick = '^8.1'\n")
    (tmp_path / "poetry.lock").write_text(
        "[[package]]\nname = 'torch'\nversion = '2.1.2'\n\n[[package]]\nname = 'click'\nversion = '8.1.7'\n")
    found = declared_versions(tmp_path)
    assert found["scikit-learn"] == "==1.4.0"
    assert found["pytest"] == "==8.0.0"
    assert found["rich"] == "==13.7.0"
    assert found["torch"] == "==2.1.2"
    assert found["click"] == "==8.1.7"
    assert "black" not in found and "python" not in found


# ---------------------------------------------------------------- MLD203 dead code (unsafe)

DEAD_SCRIPT = '''import numpy as np

USE_NEW = False


def score(model, X):
    return model.predict(X)
    print("scored")  # never


if False:
    X = np.load("old.npy")

if USE_NEW:
    y = 1
elif False:
    y = 2
else:
    # the path we use
    y = 3

# Load the data:
data = np.zeros(3)
# model = SVC(C=10)
# model.fit(X, y)
print(data)
'''


def test_dead_code_needs_unsafe_fixes(project):
    root = project({"a.py": DEAD_SCRIPT})
    report = _fix(root)
    assert report.fixed == [] and report.unsafe_available == 5
    assert (root / "a.py").read_text() == DEAD_SCRIPT


def test_dead_code_fix_script(project):
    root = project({"a.py": DEAD_SCRIPT})
    report = _fix(root, unsafe=True)
    assert report.by_rule() == {"MLD203": 4}  # the `elif False:` is inside the `if USE_NEW:` just removed
    assert [why for _, why in report.skipped] == ["another fix changes the same code (run --fix again)"]
    assert _fix(root, unsafe=True).by_rule() == {"MLD203": 1}  # `if USE_NEW:` became that `if False:`
    assert (root / "a.py").read_text() == '''import numpy as np

USE_NEW = False


def score(model, X):
    return model.predict(X)

# the path we use
y = 3

# Load the data:
data = np.zeros(3)
print(data)
'''
    _assert_idempotent(root)


def test_dead_code_fix_keeps_a_block_valid(project):
    root = project({"a.py": "def f():\n    if False:\n        return 1\n\n\nwhile False:\n    pass\nelse:\n    done = True\n"})
    _fix(root, unsafe=True)
    assert (root / "a.py").read_text() == "def f():\n    pass\n\n\ndone = True\n"


def test_dead_code_with_a_magic_inside_is_not_fixed(project):
    cells = ["if False:\n    !ls data\n    x = 1\n# a = 1\n# b = 2", "print(2)"]
    root = project({"nb.ipynb": cells})
    report = _fix(root, unsafe=True)
    assert report.by_rule() == {"MLD203": 1}  # only the commented-out code
    assert _cell_sources(root / "nb.ipynb")[0] == "if False:\n    !ls data\n    x = 1"


# ---------------------------------------------------------------- MLD301 params (unsafe)

PARAMS_SCRIPT = '''import joblib
from sklearn.ensemble import RandomForestClassifier

clf = RandomForestClassifier(n_estimators=500, max_depth=12, random_state=0)  # the model
clf.fit(X, y)
joblib.dump(clf, "models/rf.joblib")
'''


def test_params_fix_creates_params_file(project):
    root = project({"train.py": PARAMS_SCRIPT})
    report = _fix(root, unsafe=True, select=["MLD301"])
    assert report.by_rule() == {"MLD301": 1}
    assert (root / "params.yaml").read_text() == "random_forest_classifier:\n  n_estimators: 500\n  max_depth: 12\n"
    assert (root / "train.py").read_text() == '''import joblib
from sklearn.ensemble import RandomForestClassifier
import yaml

with open("params.yaml") as params_file:
    params = yaml.safe_load(params_file)

clf = RandomForestClassifier(n_estimators=params["random_forest_classifier"]["n_estimators"], \
max_depth=params["random_forest_classifier"]["max_depth"], random_state=0)  # the model
clf.fit(X, y)
joblib.dump(clf, "models/rf.joblib")
'''
    _assert_idempotent(root, select=["MLD301"])


def test_params_fix_merges_into_existing_file_keeping_comments(project):
    existing = "# tuned by hand\ntrain:\n  epochs: 3  # small\nrandom_forest_classifier:\n  n_estimators: 10\n"
    notebook = [
        "import joblib\nimport yaml\nfrom sklearn.ensemble import RandomForestClassifier",
        "cfg = yaml.safe_load(open('../conf/params.yaml'))\n!nvidia-smi",
        "a = RandomForestClassifier(n_estimators=500)\nb = RandomForestClassifier(n_estimators=500)\n"
        "c = RandomForestClassifier(n_estimators=10)\njoblib.dump([a, b, c], 'abc.joblib')",
    ]
    root = project({"nbs/train.ipynb": notebook, "conf/params.yaml": existing,
                    ".mldebt.yaml": "rules:\n  MLD301:\n    params-file: conf/params.yaml\n"})
    report = _fix(root, unsafe=True, select=["MLD301"])
    assert report.by_rule() == {"MLD301": 3}
    assert (root / "conf/params.yaml").read_text() == existing + "\nrandom_forest_classifier_2:\n  n_estimators: 500\n"
    assert _cell_sources(root / "nbs/train.ipynb")[2] == (
        'a = RandomForestClassifier(n_estimators=cfg["random_forest_classifier_2"]["n_estimators"])\n'
        'b = RandomForestClassifier(n_estimators=cfg["random_forest_classifier_2"]["n_estimators"])\n'
        'c = RandomForestClassifier(n_estimators=cfg["random_forest_classifier"]["n_estimators"])\n'
        "joblib.dump([a, b, c], 'abc.joblib')")
    _assert_idempotent(root, select=["MLD301"])


# ---------------------------------------------------------------- --diff, --fix, text output

def _patch_applies(root, diff: str, tmp_path):
    copy = tmp_path / "patched"
    shutil.copytree(root, copy)
    subprocess.run(["patch", "-p1", "--quiet"], input=diff.encode(), cwd=copy, check=True)
    return copy


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs patch(1)")
def test_diff_applies_with_patch_and_writes_nothing(project, cli, tmp_path):
    files = {"train.py": SEED_SCRIPT + PARAMS_SCRIPT.replace("import joblib\n", "import joblib\n", 1),
             "nb.ipynb": ["!pip install xgboost\nimport numpy as np", "rng = np.random.default_rng()\n# x = 1\n# y = 2"],
             "requirements.txt": "xgboost==2.0.3\n"}
    root = project(files)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    code, out, err = cli("check", root, "--no-cache", "--fix", "--diff", "--unsafe-fixes")
    assert code == 1 and out.startswith("--- a/")
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before  # --diff never writes
    assert "--- /dev/null\n+++ b/params.yaml" in out
    patched = _patch_applies(root, out, tmp_path)
    code, _, _ = cli("check", root, "--no-cache", "--fix", "--unsafe-fixes")
    for path in before:
        rel = path.relative_to(root)
        assert (patched / rel).read_bytes() == path.read_bytes(), rel
    assert (patched / "params.yaml").read_bytes() == (root / "params.yaml").read_bytes()
    code, out, _ = cli("check", root, "--no-cache", "--diff", "--unsafe-fixes")
    assert code == 0 and out == ""


def test_text_output_marks_fixable_findings(project, cli):
    root = project({"a.py": "from sklearn.model_selection import train_test_split\nparts = train_test_split(X)\n"
                            "if False:\n    pass\n"})
    code, out, _ = cli("check", root, "--no-cache")
    assert "MLD601 [*] unseeded-randomness" in out
    assert "MLD203 dead-experimental-codepath" in out
    assert out.splitlines()[-2] == "[*] 1 fixable with --fix (1 more fixable with --fix --unsafe-fixes)"
    assert out.splitlines()[-1].startswith("Found 2 findings")
    code, out, err = cli("check", root, "--no-cache", "--fix")
    assert "fixed 1 finding (MLD601: 1) in 1 file; 1 more with --unsafe-fixes" in err
    assert "MLD601" not in out and code == 1


def test_fixable_marks_follow_project_files_with_the_file_cached(project, cli):
    """Fixability is planned in the worker and cached with the facts; the parts that depend on other files
    (the declared versions, the params file) are confirmed on every run, so a warm run stays right."""
    root = project({"nb.ipynb": ["%pip install shap"], "train.py": PARAMS_SCRIPT, "params.yaml": "x: [\n"})
    code, out, _ = cli("check", root, "--select", "MLD504,MLD301")
    assert "[*]" not in out and "fixable" not in out  # no declared shap version; params.yaml does not parse
    (root / "requirements.txt").write_text("shap==0.44.0\n")
    (root / "params.yaml").write_text("x: 1\n")
    code, out, _ = cli("check", root, "--select", "MLD504,MLD301")
    assert "MLD504 [*] unpinned-notebook-install" in out
    assert out.splitlines()[-2] == "[*] 1 fixable with --fix (1 more fixable with --fix --unsafe-fixes)"


def test_a_fix_that_breaks_the_code_is_refused(project):
    root = project({"a.py": "x = 1\ny = 2\n"})
    unit = FileUnit(root, "a.py", "script", None)
    cell = unit.source.cells[0]
    good, bad = [Edit((1, 4), (1, 5), "3")], [Edit((2, 4), (2, 5), "(")]
    text, accepted, refused = unit.apply(cell, [good, bad])
    assert text == "x = 3\ny = 2\n" and accepted == [0] and refused == {1: "the fixed code would not parse"}


def test_splice_keeps_other_bytes(tmp_path):
    text = '{\n "cells": [\n  {\n   "cell_type": "code",\n   "source": ["a = 1\\n", "b = \\u00e9"],\n' \
           '   "metadata": {"z": 1, "a": 2}\n  },\n  {"cell_type": "code", "source": "c"}\n ],\n "nbformat": 4\n}'
    out = splice(text, {1: "a = 1\nb = 2\nc = 3", 2: "d"})
    assert out == '{\n "cells": [\n  {\n   "cell_type": "code",\n   "source": ["a = 1\\n", "b = 2\\n", "c = 3"],\n' \
                  '   "metadata": {"z": 1, "a": 2}\n  },\n  {"cell_type": "code", "source": "d"}\n ],\n "nbformat": 4\n}'


def test_params_loader_goes_in_the_first_fixed_cell_only(project):
    notebook = ["import joblib\nfrom sklearn.svm import SVC",
                "svc = SVC(C=10.0)",
                "from sklearn.linear_model import SGDClassifier\nsgd = SGDClassifier(alpha=0.001)\n"
                "joblib.dump((svc, sgd), 'models.joblib')"]
    root = project({"train.ipynb": notebook})
    assert _fix(root, unsafe=True, select=["MLD301"]).by_rule() == {"MLD301": 2}
    sources = _cell_sources(root / "train.ipynb")
    assert sources[1] == ('import yaml\n\nwith open("params.yaml") as params_file:\n'
                          '    params = yaml.safe_load(params_file)\n\nsvc = SVC(C=params["svc"]["C"])')
    assert sources[2].startswith("from sklearn.linear_model import SGDClassifier\n"
                                 'sgd = SGDClassifier(alpha=params["sgd_classifier"]["alpha"])')
    assert (root / "params.yaml").read_text() == "svc:\n  C: 10.0\n\nsgd_classifier:\n  alpha: 0.001\n"


def test_cells_with_cr_line_endings_are_left_alone(project):
    doc = json.loads(notebook_json(["from sklearn.model_selection import train_test_split\r\n"
                                    "parts = train_test_split(X)\r\n", "rest = train_test_split(X)"]))
    doc["cells"][0]["source"] = ["from sklearn.model_selection import train_test_split\r\n",
                                 "parts = train_test_split(X)\r\n"]
    root = project({"nb.ipynb": json.dumps(doc, indent=1)})
    report = _fix(root)
    assert [why for _, why in report.skipped] == ["the cell has CR line endings, which fixed text would lose"]
    assert _cell_sources(root / "nb.ipynb") == ["from sklearn.model_selection import train_test_split\r\n"
                                                "parts = train_test_split(X)\r\n",
                                                "rest = train_test_split(X, random_state=42)"]
