"""MLD301 hard-coded-hyperparameters."""

from __future__ import annotations

import ast
import os
from typing import Iterable

from mldebt import knowledge as kb
from mldebt.facts.extract import calls_in, names_in
from mldebt.facts.model import Constructor, Finding
from mldebt.sources.exports import looks_exported
from mldebt.rules.base import Example, FileContext, FileRule
from mldebt import probes
from mldebt.sources.discovery import is_test_path


class HardCodedHyperparameters(FileRule):
    """Literal hyperparameters passed to an estimator, optimizer or trainer in code that ships a model.

    ## What it flags
    A call of a known ML constructor (scikit-learn, XGBoost, LightGBM, CatBoost, imbalanced-learn,
    statsmodels, Prophet, `torch.optim` and its schedulers, Keras optimizers and callbacks, Hugging Face
    `TrainingArguments`/`Seq2SeqTrainingArguments`, TRL trainer configs (`SFTConfig`, `DPOConfig`,
    `GRPOConfig`...), PEFT `LoraConfig`) with at least one numeric literal keyword, such as
    `XGBClassifier(max_depth=8, eta=0.3)`, in a script or module, or in a notebook (or a script exported
    from one: `# In[ ]:` markers, or a notebook of the same name beside it) when the object reaches the
    model it saves.
    One finding per call, listing the literals.

    Not flagged: values that come from a config file, from command-line arguments or from function
    parameters (they are not literals); run-control keywords that are not hyperparameters
    (`random_state`, `n_jobs`, `verbose`, `seed`, `device`, ... see `knowledge.NOT_HYPERPARAMETERS`);
    string and boolean keywords (`kernel="rbf"`); cross-validation splitters, metrics and dataset
    helpers (`KFold(n_splits=5)`); exploratory notebooks that never save a model; test code (`tests/`,
    `test_*.py`, `conftest.py`).

    ## Why it is debt
    Sculley et al. §6, "Configuration Debt": the configuration of an ML system (which model, with which
    hyperparameters) grows larger than its code, and it should be "easy to specify a configuration as a
    small change from a previous configuration" and to review, diff and version it. A learning rate
    buried in a constructor can only be changed by editing code, is invisible to experiment tracking and
    to `dvc params diff`, and drifts apart from the values the team believes the model was trained with.

    ## Example
    A training script that builds `RandomForestClassifier(n_estimators=500, max_depth=12)` and saves it.

    ## Fix
    Move the values to a config file (e.g. `params.yaml`) and read them:
    `RandomForestClassifier(**params["train"]["rf"])`; or take them as command-line arguments.
    `mldebt check --fix --unsafe-fixes` moves the literals to the params file under a key named after the
    estimator (`random_forest_classifier:`), appending to the file so its comments stay, and rewrites the
    call to read them.

    ## Limits
    Only keyword arguments of known constructors are seen: positional literals
    (`torch.optim.Adam(params, 0.001)`), model classes of other libraries and `**dict` literals are not.
    Whether a script has a notebook beside it is decided when the script is analysed (and cached with
    it): adding the notebook later takes effect when the script changes or with `--no-cache`.
    A notebook counts as saving a model when it writes one with a known API (`joblib.dump`, `torch.save`,
    `model.save`, `mlflow.*.log_model`, ...).

    ## Options
    `min-literals`: how many numeric literal hyperparameters a call needs to be reported (default 1).
    `ignore-keywords`: more keyword names that are not hyperparameters in your code base.
    `params-file`: the project-relative YAML file `--fix` moves hyperparameters to (default params.yaml).
    """

    id = "MLD301"
    name = "hard-coded-hyperparameters"
    family = "configuration"
    severity = "warning"
    fix = "unsafe"
    options = {"min-literals": 1, "ignore-keywords": [], "params-file": "params.yaml"}
    VALID = [
        Example({
            "params.yaml": "train:\n  n_estimators: 300\n  max_depth: 8\n",
            "train.py": (
                "import joblib\nimport yaml\nfrom sklearn.ensemble import RandomForestClassifier\n\n"
                "params = yaml.safe_load(open(\"params.yaml\"))[\"train\"]\n"
                "clf = RandomForestClassifier(n_estimators=params[\"n_estimators\"], max_depth=params[\"max_depth\"],\n"
                "                             random_state=0, n_jobs=-1)\n"
                "joblib.dump(clf, \"model.joblib\")\n"),
        }, note="values from config, run-control keywords"),
        Example(
            "import argparse\nimport torch\n\nparser = argparse.ArgumentParser()\n"
            "parser.add_argument(\"--lr\", type=float, default=1e-3)\nargs = parser.parse_args()\n"
            "model = torch.nn.Linear(4, 1)\noptimizer = torch.optim.Adam(model.parameters(), lr=args.lr)\n",
            note="value from command-line arguments"),
        Example(["from sklearn.ensemble import GradientBoostingClassifier",
                 "clf = GradientBoostingClassifier(learning_rate=0.05, n_estimators=200)\nclf.fit(X, y)",
                 "clf.score(X_test, y_test)"], note="an exploratory notebook that saves no model"),
        Example("from sklearn.model_selection import KFold\nfrom sklearn.svm import SVC\n\n"
                "cv = KFold(n_splits=5, shuffle=True, random_state=42)\nclf = SVC(kernel=\"rbf\", verbose=True)\n",
                note="splitters, string and run-control keywords"),
        Example({"tests/test_model.py": "from sklearn.linear_model import LogisticRegression\n\n"
                 "def test_fits():\n    LogisticRegression(C=0.1, max_iter=50).fit([[0], [1]], [0, 1])\n"},
                note="test code"),
        Example("from sklearn.ensemble import RandomForestClassifier\n\n"
                "def build(n_estimators=100):\n    return RandomForestClassifier(n_estimators=n_estimators)\n",
                note="a function parameter is an interface, not a hard-coded value"),
    ]
    VALID.append(Example(
        ["from tensorflow import keras",
         "model = keras.Sequential([keras.layers.Dense(1)])\n"
         "model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01))\nmodel.fit(X, y, epochs=5)",
         "model = keras.Sequential([keras.layers.Dense(1)])\n"
         "model.compile(optimizer=keras.optimizers.Adam())\nmodel.save(\"final.keras\")"],
        note="a notebook that tries one optimizer, then saves a different model"))
    VALID.append(Example("#!/usr/bin/env python\n# coding: utf-8\n\n# In[1]:\n\n\n"
                         "from sklearn.decomposition import PCA\n\n\n# In[2]:\n\n\n"
                         "pca = PCA(n_components=2)\nX2 = pca.fit_transform(X)\n",
                         note="a script exported from a notebook is judged like the notebook: it saves no model"))
    VALID.append(Example({
        "ch03/ch03.ipynb": ["from sklearn.svm import SVC\nsvm = SVC(C=1.0)\nsvm.fit(X, y)"],
        "ch03/ch03.py": "from sklearn.svm import SVC\nsvm = SVC(C=1.0)\nsvm.fit(X, y)\n",
    }, note="a script exported beside its notebook is the notebook's code"))
    INVALID = [
        Example("import joblib\nfrom sklearn.ensemble import RandomForestClassifier\n\n"
                "clf = RandomForestClassifier(n_estimators=500, max_depth=12, random_state=0)\n"
                "clf.fit(X, y)\njoblib.dump(clf, \"models/rf.joblib\")\n", expect=1),
        Example(["import xgboost as xgb\nimport joblib",
                 "model = xgb.XGBClassifier(max_depth=8, eta=0.3, n_jobs=4)\nmodel.fit(X, y)",
                 "joblib.dump(model, \"model.joblib\")"], expect=1),
        Example(["from tensorflow import keras",
                 "model = keras.Sequential([keras.layers.Dense(1)])\n"
                 "model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01))",
                 "model.fit(X, y)\nmodel.save(\"final.keras\")"], expect=1),
        Example("import torch\n\nmodel = torch.nn.Linear(4, 1)\n"
                "optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)\n"
                "scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)\n", expect=2),
        Example("import joblib\nfrom sklearn.ensemble import GradientBoostingClassifier\n"
                "clf = GradientBoostingClassifier(learning_rate=1e-3, n_estimators=1_000).fit(X, y)\n"
                "joblib.dump(clf, 'models/gb.joblib')\n", expect=1, note="the message quotes `1e-3` as written"),
    ]

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        facts = ctx.facts
        if is_test_path(ctx.path):
            return []
        ignored = kb.NOT_HYPERPARAMETERS | set(ctx.options.get("ignore-keywords", []))
        minimum = max(1, int(ctx.options.get("min-literals", 1)))
        flagged = []
        notebook_like = facts.kind == "notebook" or (ctx.source.cells and looks_exported(ctx.source.cells[0].raw)) \
            or (bool(ctx.root) and probes.is_file(os.path.join(ctx.root, os.path.splitext(ctx.path)[0] + ".ipynb")))
        saved = _saved_constructors(ctx) if notebook_like else None
        for ctor in facts.constructors:
            if ctor.qualname.startswith(kb.NOT_HYPERPARAMETER_CONSTRUCTORS):
                continue
            if saved is not None and (ctor.pos.cell, ctor.pos.line, ctor.pos.column) not in saved:
                continue  # a notebook experiment that is not the model it saves
            literals = {k: v for k, v in ctor.literals.items()
                        if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in ignored}
            if len(literals) >= minimum:
                flagged.append((ctor, literals))
        if not flagged:
            return []
        written = _keyword_texts(ctx, {(c.pos.cell, c.pos.line, c.pos.column) for c, _ in flagged})
        return [self._finding(ctx, ctor, literals, written.get((ctor.pos.cell, ctor.pos.line, ctor.pos.column), {}))
                for ctor, literals in flagged]

    def _finding(self, ctx: FileContext, ctor: Constructor, literals: dict, written: dict[str, str]) -> Finding:
        short = ctor.qualname.rsplit(".", 1)[-1]
        listed = ", ".join(f"{k}={written.get(k, repr(v))}" for k, v in literals.items())
        count = len(literals)
        where = "a notebook that saves the model" if ctx.facts.kind == "notebook" else "code"
        message = (f"{short}({listed}) hard-codes {count} hyperparameter{'s' if count > 1 else ''} in {where}: "
                   "changing or tracking them means editing code; read them from a config file (e.g. params.yaml) "
                   "or command-line arguments")
        lines = ctx.facts.lines.get(ctor.pos.cell, [])
        snippet = lines[ctor.pos.line - 1].strip() if 0 < ctor.pos.line <= len(lines) else ""
        return Finding(self.id, ctx.path, ctor.pos, message, [], snippet=snippet)


def _keyword_texts(ctx: FileContext, positions: set[tuple]) -> dict[tuple, dict[str, str]]:
    """The keyword values of the calls at `positions` as the source writes them (`1e-3`, not `0.001`)."""
    out: dict[tuple, dict[str, str]] = {}
    for cell, tree in ctx.trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and (cell.index, node.lineno, node.col_offset + 1) in positions:
                out[(cell.index, node.lineno, node.col_offset + 1)] = {
                    k.arg: text for k in node.keywords
                    if k.arg and (text := ast.get_source_segment(cell.code, k.value)) is not None}
    return out


_SAVE_FUNCTIONS = ("joblib.dump", "pickle.dump", "dill.dump", "cloudpickle.dump", "torch.save",
                   "keras.models.save_model", "tensorflow.keras.models.save_model", "skops.io.dump")
_SAVE_METHODS = {"save", "save_model", "save_weights", "save_pretrained"}
# The model argument of save/log functions by keyword: mlflow flavours, joblib/pickle `value`/`obj`.
_SAVED_MODEL_KEYWORDS = {"sk_model", "lgb_model", "xgb_model", "cb_model", "pytorch_model", "keras_model",
                         "tf_model", "spark_model", "model", "value", "obj"}


def _saved_constructors(ctx: FileContext) -> set[tuple]:
    """Positions of constructor calls whose object reaches a saved model, following the notebook in order.

    Each name carries the constructor calls that flowed into its current value: assignment replaces it,
    `model.compile(optimizer=SGD(...))` / `model.fit(..., callbacks=[...])` add to it, and a save
    (`joblib.dump(model, ...)`, `model.save(...)`, `mlflow.*.log_model(model, ...)`) marks what it holds.
    Tutorials rebind `model` dozens of times and save one of them: only that one's hyperparameters count.
    """
    from mldebt.facts.extract import Extractor

    ctor_positions = {(c.pos.cell, c.pos.line, c.pos.column) for c in ctx.facts.constructors}
    carried: dict[str, set[tuple]] = {}
    saved: set[tuple] = set()
    resolver = Extractor(ctx.path, "notebook")

    def held(node: ast.AST, cell) -> set[tuple]:
        out: set[tuple] = set()
        for call in calls_in(node):
            key = (cell.index, call.lineno, call.col_offset + 1)
            if key in ctor_positions:
                out.add(key)
        for name in names_in(node):
            out |= carried.get(name, set())
        return out

    for cell, tree in ctx.trees():
        resolver.cell = cell
        for stmt in ast.walk(tree):
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                resolver.record_import(stmt)
        for stmt in [n for n in ast.walk(tree) if isinstance(n, ast.stmt)]:
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                value = held(stmt.value, cell)
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        carried[target.id] = set(value)
            for call in calls_in(stmt):
                func = call.func
                args = list(call.args) + [k.value for k in call.keywords]
                qual = resolver.qualname(func) or ""
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                    owner = func.value.id
                    if func.attr in _SAVE_METHODS:
                        saved |= carried.get(owner, set())
                    elif owner in carried:
                        for arg in args:
                            carried[owner] |= held(arg, cell)
                if qual in _SAVE_FUNCTIONS or (qual.startswith("mlflow.") and qual.endswith(".log_model")):
                    model = call.args[0] if call.args else next(
                        (k.value for k in call.keywords if k.arg in _SAVED_MODEL_KEYWORDS), None)
                    if model is not None:  # `log_model(m, ...)` or `log_model(sk_model=m, ...)`
                        saved |= held(model, cell)
    return saved
