"""MLD601 unseeded-randomness."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Iterable

from mldebt import knowledge as kb
from mldebt.facts.astindex import subtree, subtree_pruned
from mldebt.facts.extract import Extractor, literal_value
from mldebt.facts.model import Finding
from mldebt.rules.base import Example, FileContext, FileRule
from mldebt.sources.model import Cell

_GLOBAL_SEED = {  # library -> (its global generator, how to seed it, a seeded local generator)
    "numpy": ("numpy's global generator", "np.random.seed(42)", "rng = np.random.default_rng(42)"),
    "random": ("Python's `random` module", "random.seed(42)", "rng = random.Random(42)"),
    "torch": ("torch's default generator", "torch.manual_seed(42)", "g = torch.Generator().manual_seed(42)"),
    "tensorflow": ("TensorFlow's global seed", "tf.random.set_seed(42)", "seed=42 on the call"),
}
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_SEED_VALUE = {"generator": "torch.Generator().manual_seed(42)"}
_EXPORTED_CELL = re.compile(r"^# In\[\s*(\d*)\s*\]:", re.M)  # `jupyter nbconvert --to script` cell markers


@dataclass
class _RandomCall:
    cell: Cell
    node: ast.Call
    qualname: str
    spec: kb.RandomAPI
    order: int
    in_function: bool


class _Collector:
    """One ordered pass over the unit: random calls, and where each library's global seed gets set."""

    def __init__(self, resolver: Extractor, imported_roots: set[str]):
        self.resolver = resolver
        self.roots = imported_roots
        self.calls: list[_RandomCall] = []
        self.seeds: list[tuple[int, frozenset[str], bool]] = []  # (order, libraries, inside a function)
        self.seeding_functions: dict[str, frozenset[str]] = {}  # project functions whose body seeds
        self.order = 0
        self.cell: Cell | None = None
        self.function: list[str] = []

    def visit(self, node: ast.AST) -> None:
        for current in subtree_pruned(node, _FUNCTIONS):  # source order; a function's body is not run here
            if current.__class__ is ast.Call:
                self.visit_call(current)
            elif isinstance(current, _FUNCTIONS):
                self.visit_function(current)

    def visit_function(self, node) -> None:
        """Decorators and defaults run here; the body runs when called (remember whether it seeds)."""
        args = node.args
        for expr in getattr(node, "decorator_list", []) + args.defaults + [d for d in args.kw_defaults if d]:
            self.visit(expr)
        name = getattr(node, "name", "<lambda>")
        self.function.append(name)
        start = len(self.seeds)
        for stmt in node.body if isinstance(node.body, list) else [node.body]:
            self.visit(stmt)
        self.function.pop()
        seeded = frozenset().union(*(libs for _, libs, _ in self.seeds[start:]))
        if seeded and name != "<lambda>":
            self.seeding_functions[name] = seeded

    def seeded_libraries(self, call: ast.Call, qualname: str) -> frozenset[str]:
        if qualname in kb.NOT_SEEDERS:
            return frozenset()
        if isinstance(call.func, ast.Name) and call.func.id in self.seeding_functions:
            return self.seeding_functions[call.func.id]
        if qualname in kb.GLOBAL_SEEDERS:  # `np.random.seed()` with no seed re-seeds from OS entropy
            has_seed = any(literal_value(a) is not None for a in call.args) or any(
                k.arg is None or literal_value(k.value) is not None for k in call.keywords)
            return kb.GLOBAL_SEEDERS[qualname] if has_seed else frozenset()
        last = qualname.rsplit(".", 1)[-1].lower()
        if kb.SEED_HELPER_WORD in last and kb.random_api(qualname) is None:
            return kb.SEED_HELPER_LIBRARIES
        return frozenset()

    def visit_call(self, call: ast.Call) -> None:
        self.order += 1
        qualname = self.resolver.qualname(call.func) or ""
        seeded = self.seeded_libraries(call, qualname)
        if seeded:
            self.seeds.append((self.order, seeded, bool(self.function)))
            return
        spec = kb.random_api(qualname) if qualname else None
        if spec is None and isinstance(call.func, ast.Attribute) and call.func.attr in kb.HF_DATASET_METHODS and \
                "datasets" in self.roots and (self.resolver.qualname(call.func.value) or "").split(".")[0] \
                not in self.resolver.aliases.values():
            spec = kb.HF_DATASET_METHODS[call.func.attr]  # `ds.shuffle()`, `ds.train_test_split(test_size=0.2)`
        if spec is None and isinstance(call.func, ast.Attribute) and call.func.attr in kb.RANDOM_METHODS and \
                self.is_dataframe_method(call):
            spec = kb.RANDOM_METHODS[call.func.attr]
            if call.func.attr == "sample":
                spec = kb.dataframe_sample_spec(self.roots)
        if spec is not None:
            assert self.cell is not None
            self.calls.append(_RandomCall(self.cell, call, qualname, spec, self.order, bool(self.function)))

    def is_dataframe_method(self, call: ast.Call) -> bool:
        """`df.sample(frac=0.1)`: a method (not `random.sample`) with arguments, where a dataframe library is
        imported; `dist.sample()` and `space.sample()` take none, `dist.sample((3,))` takes a shape."""
        spec = kb.RANDOM_METHODS[call.func.attr]  # type: ignore[attr-defined]
        receiver = self.resolver.qualname(call.func.value) or ""  # type: ignore[attr-defined]
        if receiver.split(".")[0] in self.resolver.aliases.values() or not (self.roots & set(spec.roots)):
            return False
        if not call.args and not call.keywords:
            return False
        if call.args and isinstance(call.args[0], (ast.Tuple, ast.List)) or \
                any(k.arg == "sample_shape" for k in call.keywords):
            return False
        if len(call.args) >= 2 or (call.args and _is_population(call.args[0])):
            return False  # `rng.sample(population, k)`: a `random.Random`, not a dataframe
        return True


def _reseeded_by_their_ensemble(trees) -> set[int]:
    """Estimators built as arguments of a call given a `random_state` (`AdaBoostClassifier(DecisionTreeClassifier(),
    random_state=0)`, `BaggingRegressor(estimator=SVR(), random_state=1)`): the ensemble seeds them."""
    out: set[int] = set()
    for _, tree in trees:
        for node in subtree(tree):
            if node.__class__ is not ast.Call:
                continue
            seed = next((k.value for k in node.keywords if k.arg == "random_state"), None)
            if seed is None or (isinstance(seed, ast.Constant) and seed.value is None):
                continue
            for value in list(node.args) + [k.value for k in node.keywords if k.arg != "random_state"]:
                out.update(id(n) for n in subtree(value) if n.__class__ is ast.Call)
    return out


def _is_population(node: ast.AST) -> bool:
    """A collection to draw from (`list(ids)`, `sorted(x)`, `range(n)`, a comprehension), not a row count."""
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.Set)):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
        node.func.id in ("list", "sorted", "range", "set", "tuple")


def _imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The tree's imports in `ast.walk` order (a later alias wins): breadth-first, so when some are nested
    (in a function, a try block) the tree is walked; when all are top-level statements, source order is it."""
    found = [n for n in subtree(tree) if n.__class__ is ast.Import or n.__class__ is ast.ImportFrom]
    top = sum(1 for stmt in tree.body if stmt.__class__ is ast.Import or stmt.__class__ is ast.ImportFrom)
    if top == len(found):
        return found
    return [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]


def _argument(call: ast.Call, keyword: str, index: int | None):
    for k in call.keywords:
        if k.arg == keyword:
            return True, k.value
    if index is not None and len(call.args) > index:
        return True, call.args[index]
    return False, None


def _is_random(call: ast.Call, spec: kb.RandomAPI) -> bool:
    """True when the call certainly draws random numbers with no seed of its own."""
    if any(k.arg is None for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
        return False  # **params / *args may carry the seed
    for keyword in spec.seed_kw:
        given, value = _argument(call, keyword, None)
        if given:
            return False  # any seed, even `random_state=None` written out, is a deliberate choice
    if spec.seed_arg is not None and len(call.args) > spec.seed_arg:
        return False
    if spec.when is not None:
        keyword, index, random_values, default = spec.when
        given, value = _argument(call, keyword, index)
        value = literal_value(value) if given else default
        if value is NotImplemented or value not in random_values:
            return False
    if spec is kb.RANDOM_METHODS["sample"] and len(call.args) >= 3:
        return False  # positional seed (`sdf.sample(False, 0.1, 42)`)
    return not spec.default_seeded


def _does_ml(facts) -> bool:
    """The unit trains, predicts with or builds a model, so its random draws feed an experiment."""
    return bool(facts.fits or facts.predicts or facts.constructors or facts.saves_model)


class UnseededRandomness(FileRule):
    """Random splits, shuffles, samplers and stochastic estimators that get no seed.

    ## What it flags
    Calls that draw random numbers with no seed of their own when nothing seeds the library's global
    generator earlier in the unit (cells top to bottom): `train_test_split`, shuffling splitters
    (`KFold(shuffle=True)`, `ShuffleSplit`, ...), `df.sample()`, sklearn estimators and imblearn
    samplers that take a `random_state`, torch `DataLoader(shuffle=True)`/`random_split`/samplers without a
    `generator`, Keras dataset loaders without `seed`, `np.random.*`, `random.*`, `torch.rand*` and
    `tf.random.*` draws, and generators built without a seed (`np.random.default_rng()`), which no global
    seed reaches. Global seeding is `np.random.seed(...)` (it also covers sklearn, pandas and Keras
    loaders), `random.seed`, `torch.manual_seed`, `tf.random.set_seed`, `keras.utils.set_random_seed`, and
    any function whose name says it seeds (`set_seed`, `seed_everything`, a project's own helper, or a
    function of this unit whose body seeds). Bare draws are reported once per library, at the first one;
    the rest are counted in the message, and only in units that fit, build or use a model (random
    arrays in a plotting or numpy tutorial are not an experiment to reproduce). Scripts exported from notebooks (`# In[3]:` markers) name the
    cell in the message. The API table is `mldebt.knowledge.RANDOM_BY_NAME` / `RANDOM_FUNCTIONS`.

    ## Why it is debt
    Every run gets a different split, sample or model, so a score cannot be reproduced, two
    experiments cannot be compared, and a regression cannot be told from noise.

    ## Example
    `train_test_split(X, y, test_size=0.2)` with no `random_state` and no `np.random.seed` before it.

    ## Fix
    Pass a seed (`random_state=42`, `generator=torch.Generator().manual_seed(42)`, `seed=42`), or seed the
    library once at the top of the notebook or script. `mldebt check --fix` adds the seed argument to
    splits, samplers, estimators and generators (`fix-seed`); bare draws need the global seed by hand.

    ## Limits
    Calls that pass `**params` or `*args`, or any seed expression (even `random_state=None` written out),
    are trusted. Modes are read from literals only (`shuffle=flag` is not followed). xgboost, LightGBM and
    CatBoost seed themselves by default and are never flagged; estimators whose randomness depends on
    data size (`HistGradientBoosting*` early stopping) are not flagged. A seed set inside any function
    counts for random calls inside functions anywhere in the unit (the call order is not followed);
    at module level only seeds earlier in the unit count. An estimator passed to a call that gets a
    `random_state` (the base estimator of a seeded `AdaBoostClassifier` or `BaggingRegressor`) is seeded
    by it, and `from a_project_module import *` is taken to seed everything (it may, at import time).
    Hugging Face `datasets`' `shuffle()` and `train_test_split()` count (without `seed`/`generator` they
    draw from a fresh NumPy generator no global seed reaches) in units importing `datasets`.
    `tf.data.Dataset.shuffle`, dropout layers and weight initialisers are not covered, nor is GPU
    non-determinism.

    ## Options
    `fix-seed`: the seed `--fix` writes into the calls it fixes (default 42).
    """

    id = "MLD601"
    name = "unseeded-randomness"
    family = "reproducibility"
    severity = "warning"
    fix = "safe"
    options = {"fix-seed": 42}

    VALID = [
        Example("from sklearn.model_selection import train_test_split, KFold\n"
                "from sklearn.ensemble import RandomForestClassifier\n"
                "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)\n"
                "cv = KFold(n_splits=5)\ncv2 = KFold(5, shuffle=False)\n"
                "head, tail = train_test_split(X, shuffle=False)\n"
                "model = RandomForestClassifier(n_estimators=300, random_state=SEED)\n", note="seeded or not random"),
        Example(["import numpy as np\nnp.random.seed(0)",
                 "from sklearn.cluster import KMeans\nkm = KMeans(n_clusters=3).fit(X)\nnoise = np.random.randn(10)\n"
                 "sample = df.sample(frac=0.1)"], note="numpy's global seed set earlier in the notebook"),
        Example("import torch\nfrom torch.utils.data import DataLoader\n"
                "g = torch.Generator().manual_seed(0)\n"
                "train = DataLoader(ds, batch_size=32, shuffle=True, generator=g)\n"
                "test = DataLoader(ds, batch_size=32)\n", note="torch generator given / no shuffle"),
        Example("import lightning as L\nfrom torch.utils.data import DataLoader\nL.seed_everything(7)\n"
                "loader = DataLoader(ds, shuffle=True)\n", note="seed_everything-style helpers"),
        Example("import random\nimport numpy as np\nimport torch\n\ndef set_seed(seed):\n    random.seed(seed)\n"
                "    np.random.seed(seed)\n    torch.manual_seed(seed)\n\nset_seed(1)\nrandom.shuffle(items)\n"
                "x = torch.rand(3)\n", note="a project's own seeding helper"),
        Example("from xgboost import XGBClassifier\nfrom lightgbm import LGBMRegressor\n"
                "from catboost import CatBoostClassifier\nfrom sklearn.linear_model import LogisticRegression\n"
                "from sklearn.svm import SVC\nmodels = [XGBClassifier(), LGBMRegressor(), CatBoostClassifier(),\n"
                "          LogisticRegression(), SVC()]\n", note="deterministic by default"),
        Example("import numpy as np\nfrom sklearn.model_selection import train_test_split\n"
                "rng = np.random.default_rng(42)\nidx = rng.permutation(100)\n"
                "parts = train_test_split(X, random_state=rng.integers(1000))\n"
                "params = {'n_estimators': 10}\n"
                "from sklearn.ensemble import ExtraTreesClassifier\nclf = ExtraTreesClassifier(**params)\n",
                note="seeded generator objects; **params may hold the seed"),
        Example("from sklearn.ensemble import RandomForestClassifier\nimport numpy as np\n\ndef build():\n"
                "    return RandomForestClassifier()\n\nnp.random.seed(3)\nmodel = build()\n",
                note="random call inside a function, global seed set before it is called"),
        Example("import gym\nenv = gym.make('CartPole-v1')\naction = env.action_space.sample()\n",
                note="`.sample()` that is not a dataframe's"),
    ]
    VALID.append(Example("import pandas as pd\nimport polars as pl\nfrom sklearn.linear_model import LinearRegression\n"
                         "a = pd.read_csv('a.csv').sample(10)\nb = pl.read_csv('b.csv').sample(10)\n"
                         "LinearRegression().fit(a, b)\n", note="pandas and polars both imported: which `.sample` is "
                         "which is unknown, so it stays quiet"))
    VALID.append(Example("import random\nimport pandas as pd\nfrom sklearn.linear_model import LinearRegression\n"
                         "SEED = 42\nrng = random.Random(SEED)\nids = sorted(rng.sample(list(range(100)), 10))\n"
                         "LinearRegression().fit(pd.DataFrame({'a': ids}), ids)\n",
                         note="a seeded random.Random drawing from a population"))
    INVALID = [
        Example("from sklearn.model_selection import train_test_split\n"
                "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)\n", expect=1),
        Example(["from sklearn.ensemble import RandomForestClassifier\nmodel = RandomForestClassifier(n_estimators=200)",
                 "import numpy as np\nnp.random.seed(0)"], expect=1),
        Example("from sklearn.model_selection import KFold, cross_val_score\nimport pandas as pd\n"
                "df = pd.read_csv('train.csv')\nsmall = df.sample(frac=0.1)\n"
                "scores = cross_val_score(model, X, y, cv=KFold(5, shuffle=True))\n", expect=2),
        Example("from torch.utils.data import DataLoader\nloader = DataLoader(train_ds, batch_size=64, shuffle=True)\n",
                expect=1),
        Example("import numpy as np\nfrom sklearn.linear_model import LinearRegression\n"
                "X = np.random.rand(100, 3)\nnoise = np.random.normal(0, 1, 100)\n"
                "rng = np.random.default_rng()\nmodel = LinearRegression().fit(X, noise)\n", expect=2),
        Example("import polars as pl\nfrom sklearn.linear_model import LinearRegression\n"
                "df = pl.read_parquet('x.parquet')\ns = df.sample(10)\nLinearRegression().fit(s, s)\n", expect=1,
                note="polars takes `seed=`; numpy's global seed does not reach it"),
        Example("#!/usr/bin/env python\n# coding: utf-8\n\n# In[1]:\n\n\nimport random\n\n\n# In[2]:\n\n\n"
                "random.shuffle(rows)\nmodel.fit(rows)\n", expect=1),
    ]
    VALID.append(Example(["import numpy as np\nimport matplotlib.pyplot as plt",
                          "x = np.random.randn(1000)\nplt.hist(x)"],
                         note="random arrays in a plotting tutorial that trains no model"))

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        trees = list(ctx.trees())
        if not trees:
            return []
        resolver = Extractor(ctx.path, ctx.source.kind)
        for _, tree in trees:
            for node in _imports(tree):
                resolver.record_import(node)
        roots = {imp.module.split(".")[0] for imp in resolver.facts.imports}
        collector = _Collector(resolver, roots)
        if any(imp.names == [("*", "*")] and kb.may_be_project_module(imp.module) for imp in resolver.facts.imports):
            # `from common import *`: a project module that may seed everything when imported
            collector.seeds.append((0, kb.SEED_HELPER_LIBRARIES, False))
        for cell, tree in trees:
            collector.cell = cell
            for stmt in tree.body:
                collector.visit(stmt)
        reseeded = _reseeded_by_their_ensemble(trees)
        unit = "notebook" if ctx.is_notebook else "file"
        findings: list[Finding] = []
        draws: dict[str, list[_RandomCall]] = {}
        for call in collector.calls:
            if not _is_random(call.node, call.spec) or self.covered(call, collector.seeds) or id(call.node) in reseeded:
                continue
            if call.spec.kind == "draw":
                draws.setdefault(call.spec.covered_by or "", []).append(call)
                continue
            findings.append(self.finding(ctx, call, unit, 0))
        if _does_ml(ctx.facts):  # a numpy tutorial's random arrays are not an experiment to reproduce
            for calls in draws.values():
                findings.append(self.finding(ctx, calls[0], unit, len(calls) - 1))
        findings.sort(key=lambda f: (f.pos.cell or 0, f.pos.line, f.pos.column))
        return findings

    @staticmethod
    def covered(call: _RandomCall, seeds: list[tuple[int, frozenset[str], bool]]) -> bool:
        library = call.spec.covered_by
        if library is None:
            return False
        return any(library in libs and (call.in_function or (not in_function and order < call.order))
                   for order, libs, in_function in seeds)

    def finding(self, ctx: FileContext, call: _RandomCall, unit: str, more: int) -> Finding:
        spec, node = call.spec, call.node
        shown = _shown(node, spec)
        where = _exported_cell(call.cell, node.lineno) if not ctx.is_notebook else ""
        generator, seed_call, local = _GLOBAL_SEED.get(spec.covered_by or "", ("", "", ""))
        if spec.kind == "generator":
            message = (f"`{shown}`{where} is created without a seed: it draws fresh entropy from the OS, so no "
                       f"global seed can make it repeatable and every run differs. Pass one: `{shown[:-1]}42)`.")
        elif spec.kind == "draw":
            others = f" (and {more} more such call{'s' if more > 1 else ''} after it)" if more else ""
            message = (f"`{shown}`{where} draws from {generator}, which nothing seeds before this point in this "
                       f"{unit}{others}: every run gets different numbers, so results cannot be reproduced. Call "
                       f"`{seed_call}` once at the top, or draw from a seeded generator (`{local}`).")
        else:
            seed = spec.seed_kw[0]
            what = {"split": "splits the data at random", "sampler": "samples or shuffles at random",
                    "estimator": "is stochastic"}[spec.kind]
            unseeded = (f"nothing seeds {generator} (`{seed_call}`) before it in this {unit}" if generator else
                        "no global seed reaches it")
            message = (f"`{shown}`{where} {what} but gets no `{seed}`, and {unseeded}: every run gives a different "
                       f"result, so scores cannot be reproduced or compared. Pass "
                       f"`{seed}={_SEED_VALUE.get(seed, '42')}` (or a seed from your config).")
        return ctx.finding(self, call.cell, node, message)


def _shown(call: ast.Call, spec: kb.RandomAPI) -> str:
    try:
        func = ast.unparse(call.func)
    except Exception:  # pragma: no cover - unparse of exotic nodes
        func = "call"
    if len(func) > 60:
        func = func[:57] + "..."
    if spec.when is not None and spec.when[3] not in spec.when[2]:  # name the mode that makes it random
        keyword, position, random_modes, _ = spec.when
        passed = next((k.value for k in call.keywords if k.arg == keyword), None)
        if passed is None and position is not None and position < len(call.args):
            passed = call.args[position]
        value = passed.value if isinstance(passed, ast.Constant) and passed.value in random_modes else random_modes[0]
        return f"{func}(..., {keyword}={value!r})"
    return f"{func}(...)" if call.args or call.keywords else f"{func}()"


def _exported_cell(cell: Cell, line: int) -> str:
    """` (cell In[3] of the exported notebook)` for scripts written by `jupyter nbconvert --to script`."""
    label = None
    for match in _EXPORTED_CELL.finditer(cell.raw):
        if cell.raw.count("\n", 0, match.start()) + 1 > line:
            break
        label = match.group(1)
    if label is None:
        return ""
    return f" (cell In[{label or ' '}] of the exported notebook)"
