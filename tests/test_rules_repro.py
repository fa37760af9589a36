"""MLD601 unseeded-randomness: positions, messages, global seeding order, and the must-not-flag cases."""

from __future__ import annotations

import pytest

from mldebt import knowledge as kb

SKLEARN = "from sklearn.model_selection import train_test_split, KFold\n"


def check_script(project, run_check, code):
    root = project({"train.py": code})
    return [f for f in run_check(root, select=["MLD601"]) if f.rule == "MLD601"]


def check_notebook(project, run_check, cells):
    root = project({"explore.ipynb": cells})
    return [f for f in run_check(root, select=["MLD601"]) if f.rule == "MLD601"]


def test_knowledge_table_lookup():
    assert kb.random_api("sklearn.model_selection.train_test_split").kind == "split"
    assert kb.random_api("sklearn.ensemble._forest.RandomForestClassifier").kind == "estimator"
    assert kb.random_api("mylib.RandomForestClassifier") is None  # only from the packages that define it
    assert kb.random_api("xgboost.XGBClassifier").default_seeded
    assert kb.random_api("numpy.random.default_rng").covered_by is None
    assert kb.random_api("torch.utils.data.DataLoader").seed_kw == ("generator",)


def test_split_position_and_message(project, run_check):
    [finding] = check_script(project, run_check, SKLEARN + "X_tr, X_te = train_test_split(X, test_size=0.2)\n")
    assert (finding.pos.cell, finding.pos.line, finding.pos.column) == (None, 2, 14)
    assert finding.message.startswith("`train_test_split(...)` splits the data at random but gets no `random_state`")
    assert "np.random.seed(42)" in finding.message and "this file" in finding.message


def test_notebook_seed_must_come_before(project, run_check):
    cells = ["from sklearn.cluster import KMeans", "km = KMeans(n_clusters=4)", "import numpy as np\nnp.random.seed(1)",
             "km2 = KMeans(n_clusters=4)"]
    [finding] = check_notebook(project, run_check, cells)
    assert (finding.pos.cell, finding.pos.line, finding.pos.column) == (2, 1, 6)
    assert "this notebook" in finding.message


def test_bare_draws_reported_once_per_library(project, run_check):
    code = ("import numpy as np\nimport random\nimport torch\n"
            "a = np.random.rand(3)\nb = np.random.randn(3)\nnp.random.shuffle(a)\n"
            "c = random.random()\nd = torch.rand(2)\ne = torch.rand(2, generator=g)\nnet.fit(a)\n")
    found = check_script(project, run_check, code)
    assert [(f.pos.line, f.message.split("`")[1]) for f in found] == [
        (4, "np.random.rand(...)"), (7, "random.random()"), (8, "torch.rand(...)")]
    assert "(and 2 more such calls after it)" in found[0].message
    assert "random.seed(42)" in found[1].message and "torch.manual_seed(42)" in found[2].message


def test_each_library_needs_its_own_seed(project, run_check):
    code = ("import numpy as np\nimport random\nnp.random.seed(0)\nx = np.random.rand(3)\nrandom.shuffle(items)\n"
            "model.fit(x)\n")  # bare draws count in units that do ML
    [finding] = check_script(project, run_check, code)
    assert finding.pos.line == 5


def test_unseeded_generators_flagged_even_after_global_seed(project, run_check):
    code = ("import numpy as np\nimport random\nnp.random.seed(0)\nrng = np.random.default_rng()\n"
            "state = np.random.RandomState()\nr = random.Random()\nok = np.random.default_rng(7)\n")
    found = check_script(project, run_check, code)
    assert [f.pos.line for f in found] == [4, 5, 6]
    assert "np.random.default_rng(42)" in found[0].message


@pytest.mark.parametrize("code,line", [
    (SKLEARN + "cv = KFold(n_splits=5, shuffle=True)\n", 2),
    ("from sklearn.svm import SVC\nclf = SVC(probability=True)\n", 2),
    ("from sklearn.decomposition import PCA\np = PCA(10, svd_solver='randomized')\n", 2),
    ("from torch.utils.data import DataLoader\nload = DataLoader(ds, 32, True)\n", 2),
    ("from torch.utils.data import random_split\na, b = random_split(ds, [80, 20])\n", 2),
    ("import tensorflow as tf\nx = tf.random.uniform((2,))\nmodel.fit(x)\n", 2),
    ("from imblearn.over_sampling import SMOTE\nsm = SMOTE()\n", 2),
    ("import pandas as pd\ndf = pd.read_csv('a.csv')\nsmall = df.sample(n=100)\n", 3),
    ("import numpy as np\nnp.random.seed()\nx = np.random.rand(2)\nmodel.fit(x)\n", 3),  # no seed given: OS entropy
    ("import torch\nfrom torch.utils.data import DataLoader\ntorch.seed()\nl = DataLoader(d, shuffle=True)\n", 4),
    ("from sklearn.ensemble import RandomForestClassifier\nimport numpy as np\n\ndef seed_all():\n"
     "    np.random.seed(0)\n\nmodel = RandomForestClassifier()\n", 7),  # seeding helper defined, never called
])
def test_flagged(project, run_check, code, line):
    [finding] = check_script(project, run_check, code)
    assert finding.pos.line == line, finding.message


@pytest.mark.parametrize("code", [
    SKLEARN + "cv = KFold(5)\ncv = KFold(n_splits=5, shuffle=False)\ncv = KFold(5, shuffle=flag)\n"
    "parts = train_test_split(X, shuffle=False)\nparts = train_test_split(X, random_state=None)\n"
    "parts = train_test_split(X, **split_args)\nparts = train_test_split(*arrays)\n",
    "from sklearn.linear_model import LogisticRegression, LinearRegression, Lasso\n"
    "from sklearn.svm import SVC\nfrom sklearn.decomposition import PCA\n"
    "models = [LogisticRegression(), LinearRegression(), Lasso(), SVC(), PCA(5)]\n",
    "from xgboost import XGBRegressor\nimport lightgbm as lgb\nfrom catboost import CatBoostRegressor\n"
    "models = [XGBRegressor(), lgb.LGBMClassifier(), CatBoostRegressor()]\n",
    "import tensorflow as tf\ntf.keras.utils.set_random_seed(1)\n" + SKLEARN + "p = train_test_split(X)\n"
    "x = tf.random.uniform((2,))\nimport random\nrandom.shuffle(v)\n",
    "import torch\nfrom torch.utils.data import DataLoader\ntorch.manual_seed(0)\n"
    "loader = DataLoader(ds, shuffle=True)\nx = torch.randn(3)\n",
    "from transformers import set_seed\nset_seed(42)\nfrom sklearn.ensemble import RandomForestRegressor\n"
    "m = RandomForestRegressor()\n",
    "from utils import seed_everything\nseed_everything()\nimport numpy as np\nx = np.random.rand(3)\n",
    "import numpy as np\nrng = np.random.default_rng(42)\nidx = rng.permutation(10)\nx = rng.normal(size=3)\n",
    "from sklearn.ensemble import RandomForestClassifier\nimport numpy as np\n\ndef build():\n"
    "    return RandomForestClassifier()\n\nnp.random.seed(1)\nmodel = build()\n",
    "import torch\ndist = torch.distributions.Normal(0, 1)\ns = dist.sample()\nt = dist.sample((3,))\n",
    "import pandas as pd\nsdf = spark.read.parquet('x')\nsmall = sdf.sample(False, 0.1, 42)\n"
    "part = pd.read_csv('a.csv').sample(frac=0.5, random_state=rng)\n",
    "x = df.sample(frac=0.1)\n",  # no dataframe library imported: unknown receiver
    "def make_split(X, seed):\n    from sklearn.model_selection import train_test_split\n"
    "    return train_test_split(X, random_state=seed)\n",
])
def test_quiet(project, run_check, code):
    assert not check_script(project, run_check, code), code


def test_exported_notebook_script_names_the_cell(project, run_check):
    code = ("#!/usr/bin/env python\n# coding: utf-8\n\n# In[1]:\n\n\nfrom sklearn.model_selection import "
            "train_test_split\n\n\n# In[7]:\n\n\nsplit = train_test_split(X)\n\n\n# In[ ]:\n\n\nimport numpy as np\n"
            "np.random.seed(0)\n")
    [finding] = check_script(project, run_check, code)
    assert finding.pos.line == 13 and "(cell In[7] of the exported notebook)" in finding.message


def test_exported_notebook_global_seed_in_earlier_cell(project, run_check):
    code = ("# In[1]:\n\n\nimport numpy as np\nnp.random.seed(3)\n\n\n# In[2]:\n\n\n"
            "from sklearn.model_selection import train_test_split\nsplit = train_test_split(X)\n")
    assert not check_script(project, run_check, code)


def test_bare_draws_in_a_unit_without_ml_are_quiet(project, run_check):
    code = "import numpy as np\nx = np.random.rand(3)\nprint(x.mean())\n"
    assert not check_script(project, run_check, code)
