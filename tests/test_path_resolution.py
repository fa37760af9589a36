"""Path resolution as real projects write it: helper functions, defaults, format specs, implied suffixes,
in-memory buffers, sub-projects of a monorepo, Makefile phony targets and model registries."""

from __future__ import annotations

from mldebt import api


def edges(root):
    s = api.scan([root], jobs=1, use_cache=False)
    found = {(a, b, d["kind"]) for a, b, d in s.graph.edges() if d["kind"] in ("reads", "writes", "executes")}
    return s.graph, found


HELPERS = '''import pickle

import pandas as pd


def read_dataframe(filename):
    return pd.read_parquet(filename)


def dump_pickle(obj, filename):
    with open(filename, "wb") as f_out:
        pickle.dump(obj, f_out)


def run(data_path="./data", out="models"):
    train = read_dataframe(data_path + "/train.parquet")
    dump_pickle(train, f"{out}/dv.pkl")


def main(path="default.parquet"):
    return pd.read_parquet(path)


if __name__ == "__main__":
    run()
    run(data_path="./other")
'''


def test_helper_functions_resolve_at_their_call_sites(project):
    graph, found = edges(project({"train.py": HELPERS}))
    assert ("data/train.parquet", "train.py", "reads") in found
    assert ("other/train.parquet", "train.py", "reads") in found
    assert ("train.py", "models/dv.pkl", "writes") in found
    assert ("default.parquet", "train.py", "reads") in found  # never called: the default is the value
    assert not graph.unresolved
    lines = sorted(d["line"] for a, b, d in graph.edges() if a == "data/train.parquet")
    assert lines == [25]  # at the call in the __main__ block, where the path is known


def test_small_path_idioms(project):
    code = '''import io
import os
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from tensorflow import keras

year = 2021
month = 2
pd.DataFrame().to_parquet(f"output/p_{year:04d}-{month:02d}.parquet")
with open(os.getenv("MODEL_FILE", "model.bin"), "rb") as f_in:
    model = joblib.load(f_in)
df = pd.read_csv(io.StringIO("a,b\\n1,2"))
np.save("arr", np.zeros(3))
a = np.load("arr.npy")
mm = np.memmap("big.data", mode="w+", shape=(3,))
checkpoint = keras.callbacks.ModelCheckpoint("best.h5")
folder = Path(unknown()).parent
open(folder / "classes.txt")
'''
    graph, found = edges(project({"job.py": code}))
    assert ("job.py", "output/p_2021-02.parquet", "writes") in found
    assert ("model.bin", "job.py", "reads") in found
    assert ("job.py", "arr.npy", "writes") in found and ("arr.npy", "job.py", "reads") in found
    assert ("job.py", "big.data", "writes") in found
    assert ("job.py", "best.h5", "writes") in found
    assert ("*/classes.txt", "job.py", "reads") in found
    assert ("classes.txt", "job.py", "reads") not in found
    assert not graph.unresolved  # neither the StringIO buffer nor the `f_in` handle is a path


def test_monorepo_subprojects_resolve_in_their_own_folder(project):
    save = 'import pickle\nwith open("lin_reg.bin", "wb") as f:\n    pickle.dump(1, f)\n'
    root = project({
        "web/Dockerfile": "FROM python:3.11\nWORKDIR /app\n",
        "web/train.py": save,
        "web/predict.py": 'import pickle\nwith open("lin_reg.bin", "rb") as f:\n    model = pickle.load(f)\nprint(model)\n',
        "batch/train.py": save,
        "batch/lin_reg.bin": "",
        "batch/run.py": 'import os\nos.system("python train.py 2021 1")\n',
    })
    _, found = edges(root)
    assert ("web/train.py", "web/lin_reg.bin", "writes") in found
    assert ("web/lin_reg.bin", "web/predict.py", "reads") in found
    assert ("batch/train.py", "batch/lin_reg.bin", "writes") in found  # exists beside the script
    assert ("batch/run.py", "batch/train.py", "executes") in found
    findings = api.check([str(root)], jobs=1, use_cache=False).findings
    assert not [f for f in findings if f.rule == "MLD206"]


def test_makefile_phony_targets_are_not_files(project):
    root = project({
        "Makefile": ".PHONY: style clean\nstyle:\n\tblack .\nclean: style\n\tpython tools/clean.py\n"
                    "data/clean.csv: data/raw.csv\n\tpython prep.py\n",
        "tools/clean.py": "x = 1\n", "prep.py": "x = 1\n",
    })
    graph, _ = edges(root)
    assert "style" not in graph.g and "clean" not in graph.g
    assert "data/clean.csv" in graph.g and "data/raw.csv" in graph.g


def test_mlflow_artifact_path_is_run_local_and_registered_names_are_shared(project):
    log = ("import mlflow\nfrom sklearn.linear_model import LinearRegression\n"
           "m = LinearRegression().fit([[1]], [1])\nmlflow.sklearn.log_model(m, artifact_path='model'{extra})\n")
    root = project({"a.py": log.format(extra=", registered_model_name='churn'"), "b.py": log.format(extra=""),
                    "serve.py": "import mlflow\nm = mlflow.pyfunc.load_model('models:/churn/3')\nprint(m.predict([[1]]))\n"})
    graph, found = edges(root)
    assert ("a.py", "model:churn", "writes") in found and ("model:churn", "serve.py", "reads") in found
    assert "model" not in graph.g
    findings = api.check([str(root)], jobs=1, use_cache=False).findings
    assert not [f for f in findings if f.rule == "MLD206"]


def test_declared_steps_run_from_the_root_even_in_a_folder_with_requirements(project):
    root = project({
        "dvc.yaml": "stages:\n  prepare:\n    cmd: python src/prepare.py\n    outs: [data/prepared.csv]\n",
        "src/requirements.txt": "pandas\n",
        "src/prepare.py": 'import pandas as pd\npd.DataFrame().to_csv("data/prepared.csv")\n',
    })
    _, found = edges(root)
    assert ("src/prepare.py", "data/prepared.csv", "writes") in found


def test_hugging_face_calls(project):
    code = '''from datasets import load_dataset
from transformers import AutoModel
from model import GPT
ds = load_dataset("csv", data_files={"train": "train.csv", "test": ["a.csv", "b.csv"]})
imdb = load_dataset("imdb")
own = GPT.from_pretrained("gpt2")
bert = AutoModel.from_pretrained("bert-base-uncased")
bert.save_pretrained("models/bert")
'''
    graph, found = edges(project({"m.py": code, "model.py": "class GPT:\n    pass\n"}))
    assert {("train.csv", "m.py", "reads"), ("a.csv", "m.py", "reads"), ("b.csv", "m.py", "reads"),
            ("hf:imdb", "m.py", "reads"), ("hf:bert-base-uncased", "m.py", "reads"),
            ("m.py", "models/bert", "writes")} <= found
    assert "hf:csv" not in graph.g and "hf:gpt2" not in graph.g  # a builder name; the project's own class


def test_script_paths_that_would_leave_the_project_resolve_beside_the_script(project):
    root = project({
        "code/features/make.py": "import pandas as pd\npd.DataFrame().to_csv('../../input/feat.csv')\n",
        "code/nb/use.ipynb": ["import pandas as pd\nfeat = pd.read_csv('../../input/feat.csv')\nfeat.head()"],
    })
    _, found = edges(root)
    assert ("code/features/make.py", "input/feat.csv", "writes") in found
    assert ("input/feat.csv", "code/nb/use.ipynb", "reads") in found


def test_a_read_inside_a_helper_is_named_in_the_finding(project):
    root = project({"w.py": "import pandas as pd\npd.DataFrame().to_parquet('data/train.parquet')\n",
                    "train.py": HELPERS})
    findings = [f for f in api.check([str(root)], jobs=1, use_cache=False).findings
                if f.rule == "MLD101" and f.path == "train.py"]
    assert findings and findings[0].pos.line == 25
    inner = findings[0].related[0]
    assert inner["line"] == 7 and "read_dataframe()" in inner["message"] and "run()" in inner["message"]


def test_loop_over_literal_names_expands_to_each_file(project):
    root = project({
        "prep.py": 'import pandas as pd\nfor split in ["train", "val"]:\n'
                   '    df = pd.read_csv(f"raw/{split}.csv")\n    df.to_parquet(f"data/{split}.parquet")\n',
        "fit.py": 'import pandas as pd\nX = pd.read_parquet("data/train.parquet")\nprint(X.shape)\n',
    })
    graph, found = edges(root)
    assert {("prep.py", "data/train.parquet", "writes"), ("prep.py", "data/val.parquet", "writes"),
            ("raw/train.csv", "prep.py", "reads"), ("data/train.parquet", "fit.py", "reads")} <= found
    assert not any("*" in node for node in graph.g)


def test_paths_passed_to_a_helper_of_another_module(tmp_path):
    from mldebt import api
    from mldebt.testing import write_example

    root = write_example(tmp_path / "p", {
        "utils/__init__.py": "",
        "utils/io.py": "import pandas as pd\n\n\ndef load_data(path):\n    return pd.read_csv(path)\n\n\n"
                       "def save(df, path='data/out.csv'):\n    df.to_csv(path)\n",
        "prepare.py": "import pandas as pd\nfrom utils.io import save\n"
                      "save(pd.read_csv('data/raw.csv').dropna(), 'data/clean.csv')\n",
        "train.py": "from utils.io import load_data\nfrom utils import io as uio\n"
                    "df = load_data('data/clean.csv')\nextra = uio.load_data('data/extra.csv')\n",
        "notebooks/eda.ipynb": ["from utils.io import load_data", "df = load_data('../data/clean.csv')\ndf.head()"],
    })
    graph = api.scan([str(root)], use_cache=False).graph
    assert sorted(a for a, _ in graph.reads_of("train.py")) == ["data/clean.csv", "data/extra.csv"]
    assert [a for a, _ in graph.reads_of("notebooks/eda.ipynb")] == ["data/clean.csv"]  # from the notebook's folder
    assert [a for a, _ in graph.writes_of("prepare.py")] == ["data/clean.csv"]
    assert graph.reads_of("utils/io.py") == [] and graph.writes_of("utils/io.py") == []  # not the helper's own I/O
    [(_, edge)] = [(a, d) for a, d in graph.reads_of("train.py") if a == "data/clean.csv"]
    assert edge["inner_path"] == "utils/io.py" and edge["line"] == 3


def test_a_notebook_or_script_that_changes_folder(tmp_path):
    from mldebt import api
    from mldebt.testing import write_example

    root = write_example(tmp_path / "p", {
        "src/prep.py": "import pandas as pd\npd.read_csv('data/raw.csv').to_parquet('data/clean.parquet')\n",
        "notebooks/a.ipynb": ["%cd ..", "import pandas as pd\ndf = pd.read_parquet('data/clean.parquet')"],
        "notebooks/b.ipynb": ["import os\nos.chdir('../')", "import pandas as pd\ndf = pd.read_parquet('data/clean.parquet')"],
        "notebooks/c.ipynb": ["import pandas as pd\nx = pd.read_parquet('../data/clean.parquet')", "%cd $HOME",
                              "y = pd.read_csv('other.csv')"],
        "scripts/run.py": "import os\nimport pandas as pd\nos.chdir(os.path.dirname(os.path.abspath(__file__)))\n"
                          "df = pd.read_parquet('../data/clean.parquet')\n",
    })
    graph = api.scan([str(root)], use_cache=False).graph
    for unit in ("notebooks/a.ipynb", "notebooks/b.ipynb", "scripts/run.py"):
        assert [a for a, _ in graph.reads_of(unit)] == ["data/clean.parquet"], unit
    reads = [a for a, _ in graph.reads_of("notebooks/c.ipynb")]
    assert "data/clean.parquet" in reads and "notebooks/other.csv" not in reads  # after `%cd $HOME`: unknown


def test_hydra_runs_its_main_function_in_a_new_output_folder(tmp_path):
    from mldebt import api
    from mldebt.testing import write_example

    root = write_example(tmp_path / "p", {
        "train.py": "import hydra\nimport pandas as pd\n\n\n@hydra.main(config_path='conf', config_name='main')\n"
                    "def main(cfg):\n    pd.DataFrame({'p': [cfg.lr]}).to_csv('oof.csv', index=False)\n",
        "train12.py": "import hydra\nimport pandas as pd\n\n\n"
                      "@hydra.main(config_path='conf', config_name='main', version_base='1.3')\n"
                      "def main(cfg):\n    pd.DataFrame({'p': [cfg.lr]}).to_csv('preds.csv', index=False)\n",
        "explore.ipynb": ["import pandas as pd\npd.DataFrame({'p': [1]}).to_csv('oof.csv', index=False)"],
    })
    graph = api.scan([str(root)], use_cache=False).graph
    assert [a for a, _ in graph.writes_of("train.py")] != ["oof.csv"]  # not the notebook's oof.csv
    assert [a for a, _ in graph.writes_of("train12.py")] == ["preds.csv"]  # Hydra 1.2+: no folder change
    from mldebt import api as check_api
    assert not [f for f in check_api.check([str(root)], use_cache=False, select=["MLD206"]).findings]


def test_a_pattern_that_leaves_the_project_from_the_root_resolves_from_the_script(tmp_path):
    from mldebt import api
    from mldebt.testing import write_example

    root = write_example(tmp_path / "p", {
        "src/make_feats.py": "import pandas as pd\ndf = pd.read_csv('../data/raw.csv')\nfor c in df.columns:\n"
                             "    df[[c]].to_feather('../feats/f101_{}.feather'.format(c))\n",
        "src/train.py": "from glob import glob\nfiles = sorted(glob('../feats/f101_*.feather'))\n",
    })
    graph = api.scan([str(root)], use_cache=False).graph
    assert [a for a, _ in graph.writes_of("src/make_feats.py")] == ["feats/f101_*.feather"]
    assert [a for a, _ in graph.reads_of("src/train.py")] == ["feats/f101_*.feather"]


def test_magic_io_after_a_notebooks_cd(tmp_path):
    from mldebt import api
    from mldebt.testing import write_example

    root = write_example(tmp_path / "p", {
        "nb/a.ipynb": ["%cd ..", "%%writefile cfg/data.yaml\ntrain: data/train.csv\n",
                       "!python tools/prepare.py"],
        "b.ipynb": ["import yaml\ncfg = yaml.safe_load(open('cfg/data.yaml'))\nprint(cfg)"],
        "tools/prepare.py": "print('prepare')\n",
    })
    graph = api.scan([str(root)], use_cache=False).graph
    assert [a for a, _ in graph.writes_of("nb/a.ipynb")] == ["cfg/data.yaml"]
    assert [t for t, _ in graph.executes_of("nb/a.ipynb")] == ["tools/prepare.py"]
