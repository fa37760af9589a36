"""Declared pipelines feed path resolution: a script's `sys.argv` comes from the dvc stage that runs it,
and a declared folder covers the files inside it; commands count the scripts and notebooks they run."""

from __future__ import annotations

import pytest

from mldebt import api

DVC = """stages:
  prepare:
    cmd: python src/prepare.py data/raw.xml
    deps: [data/raw.xml, src/prepare.py]
    outs: [data/prepared]
  train:
    cmd: python src/train.py data/prepared model.pkl
    deps: [data/prepared, src/train.py]
    outs: [model.pkl]
"""
PREPARE = """import os
import sys

src = sys.argv[1]
with open(src) as fd_in, open(os.path.join("data", "prepared", "train.tsv"), "w") as fd_out:
    fd_out.write(fd_in.read())
"""
TRAIN = """import os
import pickle
import sys

with open(os.path.join(sys.argv[1], "train.tsv")) as fd:
    rows = fd.read()
with open(sys.argv[2], "wb") as fd:
    pickle.dump(rows, fd)
"""


def _edges(root):
    s = api.scan([root], jobs=1, use_cache=False)
    return s.graph, {(a, b, d["kind"]) for a, b, d in s.graph.edges() if d["kind"] in ("reads", "writes")}


def test_sys_argv_resolved_from_the_declaring_stage(project):
    root = project({"dvc.yaml": DVC, "src/prepare.py": PREPARE, "src/train.py": TRAIN})
    graph, edges = _edges(root)
    assert ("data/raw.xml", "src/prepare.py", "reads") in edges
    assert ("data/prepared/train.tsv", "src/train.py", "reads") in edges
    assert ("src/train.py", "model.pkl", "writes") in edges
    assert not graph.unresolved


def test_declared_folder_covers_files_inside(project):
    root = project({"dvc.yaml": DVC, "src/prepare.py": PREPARE, "src/train.py": TRAIN})
    graph, _ = _edges(root)
    assert graph.declared_consumer("src/train.py", "data/prepared/train.tsv")
    assert graph.declared_producer("src/prepare.py", "data/prepared/train.tsv")
    assert not graph.declared_consumer("src/prepare.py", "data/prepared/train.tsv")


def test_argv_left_unresolved_when_two_stages_run_the_script(project):
    dvc = DVC + """  again:
    cmd: python src/train.py other model2.pkl
"""
    root = project({"dvc.yaml": dvc, "src/prepare.py": PREPARE, "src/train.py": TRAIN})
    graph, edges = _edges(root)
    assert ("src/train.py", "model.pkl", "writes") not in edges
    assert any(u["unit"] == "src/train.py" and u["direction"] == "write" for u in graph.unresolved)


@pytest.mark.parametrize("command,units", [
    ("python src/train.py --epochs 3", ["src/train.py"]),
    ("cd /opt && $(PYTHON) prepare.py", ["prepare.py"]),
    ("PYTHONPATH=. nohup python3.11 -u jobs/score.py", ["jobs/score.py"]),
    ("./tools/export.py data.csv", ["tools/export.py"]),
    ("uv run python -m pkg.train", ["pkg/train.py", "pkg/train/__main__.py"]),
    ("torchrun --nproc_per_node 2 train.py", ["train.py"]),
    ("papermill nb/train.ipynb out/train.ipynb", ["nb/train.ipynb", "out/train.ipynb"]),
    ("jupyter nbconvert --to notebook --execute nb/eval.ipynb", ["nb/eval.ipynb"]),
    ("jupyter execute nb/eval.ipynb", ["nb/eval.ipynb"]),
    ("flake8 scripts/prep.py scripts/train.py", []),
    ("black . && mypy src/train.py", []),
    ("jupyter nbconvert --to html nb/train.ipynb", []),
    ("cp nb/score.ipynb /srv/ && nbstripout nb/score.ipynb", []),
])
def test_units_in_command_are_those_the_command_runs(command, units):
    from mldebt.graph.declared import units_in_command

    assert units_in_command(command, "") == units
