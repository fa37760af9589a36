"""Notebook hygiene rules (MLD501-MLD504): positions in cells, messages, and the must-not-flag cases."""

from __future__ import annotations

import ast

import pytest

from mldebt.facts.scopes import global_name_events
from mldebt.rules.notebook.mld504_unpinned_notebook_install import install_commands, parse_conda, parse_pip
from mldebt.sources.load import load_notebook
from mldebt.testing import notebook_json


def findings_for(project, run_check, rule_id, cells, **files):
    root = project({"analysis.ipynb": cells, **files})
    return [f for f in run_check(root, select=[rule_id]) if f.rule == rule_id]


def run(count, source):
    return {"source": source, "execution_count": count}


# ---------------------------------------------------------------- MLD501
def test_out_of_order_reports_first_offending_cell_once(project, run_check):
    cells = [run(1, "import pandas as pd"), {"source": "# Load", "cell_type": "markdown"},
             run(8, "df = pd.read_csv('a.csv')"), run(3, "df = df.dropna()"), run(2, "df.head()")]
    [finding] = findings_for(project, run_check, "MLD501", cells)
    assert (finding.pos.cell, finding.pos.line, finding.pos.column) == (4, 1, 1)
    assert "cell 4 ran as In [3], before cell 3 above it (In [8])" in finding.message
    assert finding.related[0]["cell"] == 3


def test_out_of_order_equal_counts_say_copied(project, run_check):
    [finding] = findings_for(project, run_check, "MLD501", [run(4, "x = 1"), run(4, "y = 2")])
    assert "same count, In [4]" in finding.message and "copied" in finding.message


@pytest.mark.parametrize("cells", [
    [run(1, "a = 1"), run(None, "b = 2"), run(5, "c = 3"), run(9, "d = 4")],  # gaps, unexecuted cells
    [run(None, "a = 1"), run(None, "b = 2")],  # stripped outputs
])
def test_out_of_order_quiet(project, run_check, cells):
    assert not findings_for(project, run_check, "MLD501", cells)


def test_out_of_order_ignores_scripts(project, run_check):
    root = project({"train.py": "x = 1\n"})
    assert not [f for f in run_check(root, select=["MLD501"]) if f.rule == "MLD501"]


# ---------------------------------------------------------------- MLD503
def test_unexecuted_cell_position_is_first_code_line(project, run_check):
    cells = [run(1, "import pandas as pd"), run(None, "# drop minors\n\ndf = df[df.age >= 18]"), run(2, "df")]
    [finding] = findings_for(project, run_check, "MLD503", cells)
    assert (finding.pos.cell, finding.pos.line) == (2, 3)
    assert "cell 2 was never executed" in finding.message


def test_unexecuted_cell_one_finding_per_cell(project, run_check):
    cells = [run(1, "a = 1"), run(None, "b = 2"), run(None, "%%bash\necho hi"), run(2, "c = 3")]
    assert [f.pos.cell for f in findings_for(project, run_check, "MLD503", cells)] == [2, 3]


@pytest.mark.parametrize("cells", [
    [run(None, "a = 1"), run(None, "b = 2")],  # every count empty (nbstripout)
    [run(1, "a = 1"), run(None, "   \n"), run(None, "# just a note"), run(None, '"""docs"""')],  # empty cells
    [run(1, "a = 1"), {"source": "raise SystemExit", "execution_count": None, "tags": ["skip-execution"]}],
    [run(1, "a = 1"), {"source": "Some *markdown*", "cell_type": "markdown"}],
])
def test_unexecuted_cell_quiet(project, run_check, cells):
    assert not findings_for(project, run_check, "MLD503", cells)


# ---------------------------------------------------------------- MLD502: the def-use walk
def events(cells):
    source = load_notebook(notebook_json(cells).encode(), "nb.ipynb")
    parsed = [(c, ast.parse(c.code) if c.cell_magic is None else None) for c in source.cells]
    return global_name_events(parsed).events


def test_scopes_events_follow_python_scoping():
    evs = events(["import os.path as osp, sys.version_info\nfrom a import b as c",
                  "def f(p, *args, k=default, **kw):\n    local = p\n    return local + glob\n",
                  "class K:\n    attr = 1\n    other = attr + 1\n    items = [attr for _ in range(2)]",
                  "[y for y in range(3)]\nprint(y)"])
    defs = [e.name for e in events_of(evs, "def")]
    assert defs[:4] == ["osp", "sys", "c", "f"] and "K" in defs
    uses = [(e.name, e.cell.index) for e in events_of(evs, "use")]
    # the default is read at definition time, the body's `glob` only when f is called (never here)
    assert ("default", 2) in uses and ("glob", 2) not in uses
    # `attr` inside the class body is class-local, but comprehensions cannot see class names
    assert uses.count(("attr", 3)) == 1
    # comprehension targets do not leak
    assert ("y", 4) in uses


def events_of(evs, kind):
    return [e for e in evs if e.kind == kind]


def test_scopes_calls_report_function_reads_at_the_call():
    evs = events(["def outer():\n    return inner()\n\ndef inner():\n    return threshold", "outer()"])
    [use] = [e for e in events_of(evs, "use") if e.name == "threshold"]
    assert use.cell.index == 2 and use.via.function == "inner" and use.via.node.lineno == 5


def test_scopes_magics_bind_names():
    evs = events(["files = !ls\n%store -r weights\n%time fitted = 1", "%%capture captured\nprint(1)",
                  "%%R -o r_result\nx <- 1"])
    assert {"files", "weights", "fitted", "captured", "r_result"} <= {e.name for e in events_of(evs, "def")}


# ---------------------------------------------------------------- MLD502: the rule
def test_hidden_state_later_cell(project, run_check):
    cells = ["import pandas as pd", "summary = df.describe()\nprint(df)", "df = pd.read_csv('a.csv')"]
    [finding] = findings_for(project, run_check, "MLD502", cells)
    assert (finding.pos.cell, finding.pos.line, finding.pos.column) == (2, 1, 11)
    assert "`df`" in finding.message and "cell 3 (line 1)" in finding.message
    assert finding.related == [{"path": "analysis.ipynb", "cell": 3, "line": 1, "message": "`df` defined here"}]


def test_hidden_state_deleted_cell(project, run_check):
    [finding] = findings_for(project, run_check, "MLD502", ["import numpy as np", "print(model.coef_)"])
    assert finding.pos.cell == 2 and "no cell defines" not in finding.message
    assert "defined by no cell" in finding.message and "deleted" in finding.message


def test_hidden_state_function_call_before_global(project, run_check):
    cells = ["def score(y):\n    return (y > cutoff).mean()", "score([1, 2])", "cutoff = 0.5", "score([3])"]
    [finding] = findings_for(project, run_check, "MLD502", cells)
    assert (finding.pos.cell, finding.pos.line) == (2, 1)
    assert "calling `score()` here reads `cutoff` (cell 1, line 2)" in finding.message
    assert {r["cell"] for r in finding.related} == {1, 3}


def test_hidden_state_reports_first_use_only(project, run_check):
    cells = ["print(x)", "print(x + 1)", "x = 3"]
    assert len(findings_for(project, run_check, "MLD502", cells)) == 1


def test_hidden_state_class_init_runs_on_instantiation(project, run_check):
    cells = ["class Model:\n    def __init__(self):\n        self.k = K\n    def other(self):\n        return MISSING",
             "m = Model()", "K = 3"]
    [finding] = findings_for(project, run_check, "MLD502", cells)
    assert "reads `K`" in finding.message


@pytest.mark.parametrize("cells", [
    ["def f():\n    return later_value", "later_value = 1", "f()"],  # defined before the call
    ["def setup():\n    global config\n    config = {}", "setup()", "print(config)"],  # global statement
    ["if flag:\n    del cache", "cache = 1", "print(cache)"],  # del in a branch is not certain
    ["from helpers import *", "run(cfg)"],  # star import: unknown module
    ["exec('z = 1')", "print(z)"],  # exec defines unknown names
    ["%run prepare.py", "print(prepared)"],  # %run
    ["%load_ext autoreload\n%pylab inline", "plot(arange(3))"],  # %pylab star-imports numpy/matplotlib
    ["globals()['dyn'] = 1", "print(dyn)"],  # literal globals() assignment
    ["print(_, __, ___, _1, _i2, Out[1], In, _oh, get_ipython, display, exit, quit, __name__, __file__)"],
    ["import numpy as np\ntry:\n    loaded\nexcept NameError:\n    loaded = np.zeros(3)"],
    ["if 'counter' not in globals():\n    counter = 0\ncounter += 1"],
    ["for epoch in range(3):\n    if epoch:\n        print(best)\n    best = epoch", "print(best, epoch)"],
    ["while True:\n    if done_yet:\n        break\n    done_yet = True"],  # loop-carried
    ["with open('f') as fh, open('g') as gh:\n    pass", "print(fh, gh)"],
    ["try:\n    import ujson as json\nexcept ImportError:\n    import json\nprint(json)"],
    ["def rec(n):\n    return rec(n - 1) if n else 0", "rec(3)"],
    ["match cmd:\n    case {'k': v, **rest}:\n        pass\n    case Point(x=px) as pt:\n        pass",
     "print(v, rest, px, pt)"],
    ["if (n := 10) > 5:\n    pass", "print(n)"],
    ["if False:\n    print(never_defined)"],  # dead code is MLD203's business
    ["def later():\n    return missing_thing()"],  # never called: unsure
    ["import matplotlib.pyplot as plt", "df.plot.bar(x=0)\nplt.show()", "[x for x in y]"],
])
def test_hidden_state_quiet(project, run_check, cells):
    cells = [c if "cmd" not in c else "cmd = {}\nPoint = None\n" + c for c in cells]
    cells = [c if not c.startswith("df.plot") else "import pandas as pd\ndf = pd.DataFrame()\n" + c for c in cells]
    cells = [c if c != "[x for x in y]" else "y = []\n[x for x in y]" for c in cells]
    cells = [c if not c.startswith("if flag") else "flag = False\ncache = 0\n" + c for c in cells]
    assert not findings_for(project, run_check, "MLD502", cells), cells


def test_hidden_state_unparsable_cell_makes_it_quiet(project, run_check):
    assert not findings_for(project, run_check, "MLD502", ["def broken(:", "print(anything)"])


def test_hidden_state_known_names_option(project, run_check):
    cells = ["dbutils.fs.ls('/')\nmy_kernel_global.run()"]
    config = "[tool.mldebt.rules.MLD502]\nknown-names = ['dbutils', 'my_kernel_global']\n"
    assert not findings_for(project, run_check, "MLD502", cells, **{"pyproject.toml": config})
    assert len(findings_for(project, run_check, "MLD502", cells)) == 1


def test_hidden_state_ignores_scripts(project, run_check):
    root = project({"train.py": "print(undefined_name)\n"})
    assert not [f for f in run_check(root, select=["MLD502"]) if f.rule == "MLD502"]


# ---------------------------------------------------------------- MLD504
@pytest.mark.parametrize("line,expected", [
    ("pip install xgboost", [("pip", ["xgboost"])]),
    ("pip3 -q install a b", [("pip", ["a", "b"])]),
    ("python -m pip install -U x && conda install -y y", [("pip", ["-U", "x"]), ("conda", ["-y", "y"])]),
    ("{sys.executable} -m pip install z", [("pip", ["z"])]),
    ("uv pip install w; pip uninstall -y v", [("pip", ["w"])]),
    ("apt-get install -y graphviz", []),
    ("pip list | grep torch", []),
])
def test_install_commands(line, expected):
    assert list(install_commands(line)) == expected


def test_parse_pip_pins():
    found = {i.package: i.problem for i in parse_pip(
        ["-q", "--index-url", "https://x/simple", "a==1.0", "b~=2.1", "c>=1", "d>=1,<2", "e", "f[extra]==3",
         "g===1", "-r", "req.txt", "./local", "git+https://h.com/o/r.git", "git+https://h.com/o/r.git@v1"], False)}
    assert found == {"a": "", "b": "", "c": "a range", "d": "a range", "e": "no version", "f": "",
                     "g": "", "git+https://h.com/o/r.git": "a branch head"}
    assert {i.package: i.problem for i in parse_pip(["d>=1,<2"], True)} == {"d": ""}
    assert parse_pip(["-c", "constraints.txt", "a", "b"], False) == []


def test_parse_conda_pins():
    found = {i.package: i.problem for i in parse_conda(["-c", "conda-forge", "numpy=1.26", "scipy", "pandas>=2",
                                                         "conda-forge::xgboost==2.0", "--file", "env.txt"])}
    assert found == {"numpy": "", "scipy": "no version", "pandas": "a range", "xgboost": ""}


def test_unpinned_install_one_finding_per_package_with_column(project, run_check):
    cells = ["import sys", "%pip install -q shap==0.44.0 xgboost 'lightgbm>=4'"]
    found = findings_for(project, run_check, "MLD504", cells)
    assert [(f.pos.cell, f.pos.line, f.pos.column) for f in found] == [(2, 1, 30), (2, 1, 39)]
    assert "`xgboost`" in found[0].message and "xgboost==<version>" in found[0].message
    assert "lightgbm>=4" in found[1].message


def test_unpinned_install_in_exported_script(project, run_check):
    root = project({"export.py": "get_ipython().run_line_magic('pip', 'install optuna')\n"
                                 "get_ipython().system('pip install -r requirements.txt')\n"})
    found = [f for f in run_check(root, select=["MLD504"]) if f.rule == "MLD504"]
    assert [(f.pos.line, "optuna" in f.message) for f in found] == [(1, True)]


def test_unpinned_install_options(project, run_check):
    cells = ["!pip install 'pandas>=2,<3' pip setuptools mytool"]
    config = "[tool.mldebt.rules.MLD504]\nallow-ranges = true\nignore-packages = ['pip', 'setuptools', 'mytool']\n"
    assert not findings_for(project, run_check, "MLD504", cells, **{"pyproject.toml": config})


def test_unpinned_install_column_skips_the_command_word(project, run_check):
    [finding] = findings_for(project, run_check, "MLD504", ["!pip install -U pip pipx"],
                             **{"pyproject.toml": "[tool.mldebt.rules.MLD504]\nignore-packages = ['pipx']\n"})
    assert finding.pos.column == 17 and "`pip`" in finding.message
