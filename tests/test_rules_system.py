"""Focused tests for the ML-system anti-pattern rules (MLD201, MLD203, MLD204, MLD205, MLD207): positions in
notebook cells, message content, options, and each must-not-flag case of RULES.md."""

from __future__ import annotations

import pytest


def findings_of(run_check, root, rule_id):
    return [f for f in run_check(root, select=[rule_id]) if f.rule == rule_id]


# ---------------------------------------------------------------------------------------------- MLD201
GLUE_CELL = ("feats = df[['age', 'income']]\nX = feats.to_numpy().tolist()\nX = np.array(X).reshape(-1, 2)\n"
             "preds = model.predict(X)")


def test_glue_code_position_and_chain_in_notebook(project, run_check):
    root = project({"analysis/prep.ipynb": ["import numpy as np\nimport pandas as pd",
                                            {"cell_type": "markdown", "source": "# Features"},
                                            "df = pd.read_csv('train.csv')", GLUE_CELL]})
    [f] = findings_of(run_check, root, "MLD201")
    assert (f.path, f.pos.cell, f.pos.line, f.pos.column) == ("analysis/prep.ipynb", 4, 3, 5)
    assert "4 format conversions of `feats` (.to_numpy -> .tolist -> np.array -> .reshape)" in f.message
    assert "model.predict" in f.message
    assert f.related and f.related[0]["line"] == 2


def test_glue_code_min_conversions_option(project, run_check):
    files = {"nb.ipynb": ["import numpy as np\nimport pandas as pd", "df = pd.read_csv('t.csv')", GLUE_CELL]}
    assert not findings_of(run_check, project({**files, "pyproject.toml":
                                                "[tool.mldebt.rules.MLD201]\nmin-conversions = 5\n"}), "MLD201")
    assert findings_of(run_check, project(files), "MLD201")


def test_glue_code_single_conversion_and_adapter_modules(project, run_check):
    adapter = ("import numpy as np\n\n\ndef to_input(df, model):\n"
               "    return model.predict(np.asarray(df.values.tolist()).reshape(len(df), -1))\n")
    root = project({"src/io/adapt.py": adapter, "src/serve.py": adapter.replace("to_input", "serve"),
                    "src/one.py": "def f(df, model):\n    return model.predict(df.to_numpy())\n",
                    "pyproject.toml": "[tool.mldebt.rules.MLD201]\nadapter-modules = [\"src/io/**\"]\n"})
    found = findings_of(run_check, root, "MLD201")
    assert [f.path for f in found] == ["src/serve.py"]
    assert "function `serve`" in found[0].message


def test_glue_code_needs_a_model_call(project, run_check):
    root = project({"clean.py": "import numpy as np\n\nids = np.array(df.values.tolist()).reshape(-1)\n"})
    assert not findings_of(run_check, root, "MLD201")


# ---------------------------------------------------------------------------------------------- MLD203
def test_dead_branch_on_constant_points_at_the_if_and_its_constant(project, run_check):
    root = project({"nb.ipynb": ["import pandas as pd\nUSE_NEW = False", "df = pd.read_csv('x.csv')",
                                 "x = 1\nif USE_NEW:\n    df = df.dropna()\n    df['z'] = 1\n"]})
    [f] = findings_of(run_check, root, "MLD203")
    assert (f.pos.cell, f.pos.line, f.pos.column, f.pos.end_line) == (3, 2, 1, 2)
    assert "USE_NEW = False (cell 1, line 2) is never reassigned" in f.message and "2 lines" in f.message
    assert f.related == [{"path": "nb.ipynb", "cell": 1, "line": 2, "message": "USE_NEW is set once here"}]


@pytest.mark.parametrize("code", [
    "if __name__ == '__main__':\n    main()\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pandas\n",
    "TYPE_CHECKING = False\nif TYPE_CHECKING:\n    import pandas\n",
    "FLAG = False\n\n\ndef enable():\n    global FLAG\n    FLAG = True\n\n\nif FLAG:\n    print(1)\n",
    "debug = False\nif debug:\n    print(1)\n",
    "while True:\n    break\n",
    "def gen():\n    return\n    yield\n",
    "def f():\n    raise NotImplementedError\n    ...\n",
    "def f(FLAG=False):\n    if FLAG:\n        return 1\n\n\nFLAG = False\n",
    '"""Usage:\n\n    model.fit(X, y)\n    model.save("m")\n"""\n',
])
def test_dead_code_must_not_flag(project, run_check, code):
    assert not findings_of(run_check, project({"m.py": code}), "MLD203")


@pytest.mark.parametrize("comments", [
    "# This is prose about the model\n# and it goes on for a second line\n",
    "# model\n# features\n",
    "# https://example.com/x?a=1\n# http://example.org/b_c=2\n",
    "# In[3]:\n# In[4]:\n",
    "# %%\n# %% [markdown]\n# model = train(df)\n# model.save('m')\n",
    "# +\n# -\n",
    "# type: (int) -> int\n# type: ignore\n",
    "# noqa: E501\n# mldebt: ignore[MLD301]\n",
    "# Copyright (c) 2024 ACME\n# SPDX-License-Identifier: MIT\n# x = 1\n# y = 2\n",
    "# Note: the model\n# TODO: the data\n",
    "# Example:\n#   model = load('m')\n#   model.predict(X)\n",
    "# ---\n# jupyter:\n#   jupytext:\n#     formats: ipynb,py:percent\n# ---\n",
])
def test_commented_code_must_not_flag(project, run_check, comments):
    assert not findings_of(run_check, project({"m.py": comments + "x = 1\n"}), "MLD203")


def test_commented_code_block_one_finding_with_position_in_cell(project, run_check):
    cell = ("import numpy as np\n# Older model, kept for now\n# model = SVC(C=10,\n#             gamma=0.1)\n"
            "#\n# model.fit(X, y)\nx = 1\n")
    root = project({"nb.ipynb": ["import os", cell]})
    [f] = findings_of(run_check, root, "MLD203")
    assert (f.pos.cell, f.pos.line, f.pos.column, f.pos.end_line) == (2, 3, 1, 6)
    assert "3 lines of commented-out code (`model = SVC(C=10,` ...)" in f.message


def test_unreachable_code_after_raise_in_cell(project, run_check):
    root = project({"nb.ipynb": ["raise SystemExit('stop here')\ndf = load()\ndf.head()"]})
    [f] = findings_of(run_check, root, "MLD203")
    assert (f.pos.cell, f.pos.line, f.pos.end_line) == (1, 2, 3)
    assert "after `raise` on line 1" in f.message


# ---------------------------------------------------------------------------------------------- MLD204
@pytest.mark.parametrize("cell", [
    "!pip install pandas==2.2.0", "%pip install numpy==1.26.4", "!conda install -y scipy=1.11",
    "!ls -la data", "!nvidia-smi", "!head -n 3 data/x.csv", "!cat params.yaml", "!git status",
    "!wget -q https://example.com/d-2024.zip && unzip -o d-2024.zip", "!mkdir -p out",
    "files = !ls *.csv", "!python -m pip install torch==2.2.0", "!python -m spacy download en_core_web_sm",
    "!python --version", "%%bash\nls data\nwc -l data/*.csv", "!awk '{print $1}' data/x.csv | head",
    "%%sql\nSELECT id, amount FROM orders WHERE day = '2024-01-01' LIMIT 10",
    "%%writefile helper.py\nx = 1", "%%html\n<b>x</b>",
])
def test_multiple_language_must_not_flag(project, run_check, cell):
    assert not findings_of(run_check, project({"nb.ipynb": ["import os", cell]}), "MLD204")


def test_multiple_language_plain_sql_and_stores_not_flagged(project, run_check):
    code = ("import pandas as pd\nimport sqlite3\ncon = sqlite3.connect('x.db')\n"
            "df = pd.read_sql('SELECT a, b FROM t WHERE c > 1 ORDER BY a', con)\n"
            "con.execute('INSERT INTO scores VALUES (?, ?)', (1, 0.2))\n"
            "con.execute('CREATE TABLE IF NOT EXISTS scores (id INTEGER, s REAL)')\n"
            "q = df.query('a > 1 and b < 2')\n")
    assert not findings_of(run_check, project({"job.py": code}), "MLD204")


def test_multiple_language_positions_and_messages(project, run_check):
    cells = ["import subprocess",
             "x = 1\n!python src/train.py --epochs 3",
             "%%bash\necho start\ncd pipeline && Rscript clean.R",
             "%%sql\nWITH t AS (SELECT * FROM a)\nSELECT k, COUNT(*) FROM t GROUP BY k",
             "QUERY = '''SELECT u.id, SUM(o.x) FROM users u JOIN orders o ON o.u = u.id GROUP BY u.id'''\n"
             "rows = con.execute(QUERY).fetchall()",
             "subprocess.run([sys.executable, 'src/features.py'])\nsubprocess.run(['ls', '-la'])"]
    found = findings_of(run_check, project({"nb.ipynb": cells}), "MLD204")
    where = [(f.pos.cell, f.pos.line, f.pos.column) for f in found]
    assert where == [(2, 2, 1), (3, 3, 1), (4, 1, 1), (5, 2, 8), (6, 1, 1)]
    messages = [f.message for f in found]
    assert "the script `src/train.py`" in messages[0]
    assert "`Rscript`" in messages[1] and "%%bash" in messages[1]
    assert "CTE" in messages[2] and "GROUP BY" in messages[2]
    assert "JOIN, GROUP BY" in messages[3] and "con.execute" in messages[3]
    assert "src/features.py" in messages[4]


def test_multiple_language_subprocess_in_tests_not_flagged(project, run_check):
    code = "import subprocess\nimport sys\n\n\ndef test_cli():\n    subprocess.run([sys.executable, '-m', 'app.cli'])\n"
    found = findings_of(run_check, project({"tests/test_cli.py": code, "app/job.py": code}), "MLD204")
    assert [f.path for f in found] == ["app/job.py"] and "the Python module `app.cli`" in found[0].message


def test_multiple_language_other_language_cells(project, run_check):
    found = findings_of(run_check, project({"nb.ipynb": ["%%R -i df\nsummary(lm(y ~ x, df))",
                                                         "%%script perl\nprint 1;", "%R x <- 1"]}), "MLD204")
    assert [f.pos.cell for f in found] == [1, 2, 3]
    assert "written in R" in found[0].message and "perl" in found[1].message


# ---------------------------------------------------------------------------------------------- MLD205
def test_prototype_smell_makefile_and_magics(project, run_check):
    root = project({
        "notebooks/train.ipynb": ["x = 1"],
        "notebooks/export.py": "# coding: utf-8\n\n# In[1]:\n\n\nx = 1\n",
        "Makefile": "train:\n\tcd notebooks && papermill train.ipynb out.ipynb\n\ntest:\n\tpytest --nbval notebooks\n",
        "run.ipynb": ["!jupyter nbconvert --to notebook --execute notebooks/train.ipynb",
                      "!pytest --nbval notebooks/train.ipynb", "%run notebooks/export.py"],
        "scripts/job.py": "import subprocess\n\nsubprocess.run(['papermill', 'notebooks/train.ipynb', 'o.ipynb'])\n",
    })
    found = findings_of(run_check, root, "MLD205")
    where = [(f.path, f.pos.cell, f.pos.line) for f in found]
    assert where == [("Makefile", None, 2), ("run.ipynb", 1, 1), ("run.ipynb", 3, 1), ("scripts/job.py", None, 3)]
    assert "`train.ipynb`" in found[0].message
    assert "notebook export" in found[2].message
    assert found[1].related[0]["path"] == "notebooks/train.ipynb"


def test_prototype_smell_tests_of_notebooks_exempt(project, run_check):
    root = project({
        "nb.ipynb": ["x = 1"],
        "tests/test_nb.py": "import papermill as pm\n\n\ndef test_nb(tmp_path):\n"
                            "    pm.execute_notebook('nb.ipynb', str(tmp_path / 'o.ipynb'))\n",
        "test_smoke.py": "import subprocess\n\nsubprocess.run(['jupyter', 'nbconvert', '--execute', 'nb.ipynb'])\n",
        "ci/check.sh": "pytest --nbmake nb.ipynb\ntreon nb.ipynb\n",
        "dvc.yaml": "stages:\n  test_notebooks:\n    cmd: papermill nb.ipynb out.ipynb\n",
    })
    assert not findings_of(run_check, root, "MLD205")


def test_prototype_smell_notebook_imports(project, run_check):
    root = project({"lib/prep.ipynb": ["def clean(df):\n    return df"],
                    "lib/serve.py": "import import_ipynb\nfrom prep import clean\n"})
    [f] = findings_of(run_check, root, "MLD205")
    assert (f.path, f.pos.line) == ("lib/serve.py", 1)
    assert "`lib/prep.ipynb`" in f.message and f.related[0]["path"] == "lib/prep.ipynb"


# ---------------------------------------------------------------------------------------------- MLD207
def test_self_admitted_debt_is_off_by_default_and_info(project, run_check):
    from mldebt.rules import rule

    root = project({"nb.ipynb": ["x = 1", "y = 2  # FIXME: leaks the test set"]})
    assert not [f for f in run_check(root) if f.rule == "MLD207"]
    [f] = findings_of(run_check, root, "MLD207")
    assert (f.pos.cell, f.pos.line, f.pos.column) == (2, 1, 10)
    assert "FIXME: leaks the test set" in f.message and rule("MLD207").severity == "info"
