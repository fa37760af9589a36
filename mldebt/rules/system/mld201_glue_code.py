"""MLD201 glue-code."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterable

from mldebt import knowledge as kb
from mldebt.facts.astindex import subtree
from mldebt.facts.extract import calls_in, dotted_name, import_aliases, target_names
from mldebt.facts.model import Finding
from mldebt.rules.base import Example, FileContext, FileRule
from mldebt.sources.model import Cell

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_DISPLAYS = (ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Constant, ast.ListComp, ast.DictComp, ast.SetComp,
             ast.GeneratorExp, ast.JoinedStr)
_ML_PREFIXES = kb.ML_CONSTRUCTOR_PREFIXES + kb.EVALUATION_PREFIXES + ("torch.", "tensorflow.", "keras.")
# Framework calls that are no model call to name in a message: seeding, devices, tensor construction.
_UTILITY_NAMES = frozenset({"manual_seed", "seed", "set_seed", "no_grad", "inference_mode", "device", "cuda",
                            "tensor", "as_tensor", "from_numpy", "set_grad_enabled", "set_random_seed",
                            "convert_to_tensor", "constant"})


def _utility(qual: str) -> bool:
    return qual in kb.GLOBAL_SEEDERS or qual.rsplit(".", 1)[-1] in _UTILITY_NAMES


@dataclass
class _Chain:
    """Conversions applied, in order, to the values that started at `root`."""

    root: str | ast.AST  # a name, or the expression itself (unparsed only for a finding: unparse is costly)
    steps: list[tuple[str | ast.AST, ast.AST]] = field(default_factory=list)  # (label or the called function, node)


def _text(item: str | ast.AST) -> str:
    return item if isinstance(item, str) else ast.unparse(item)


class _Block:
    """One cell, module body or function: where a chain of conversions is looked for."""

    def __init__(self, where: str, aliases: dict[str, str], modules: set[str]):
        self.where, self.aliases, self.modules = where, aliases, modules
        self.chains: dict[str, _Chain] = {}
        self.best: _Chain | None = None
        self.ml_call: ast.AST | None = None  # the model call named in the message (a method call if any)
        self.ml_method = False

    def spine(self, expr: ast.AST) -> _Chain:
        """Walk `np.array(df.values.tolist()).reshape(-1, 1)` inwards, collecting conversions."""
        steps: list[tuple[str | ast.AST, ast.AST]] = []
        node = expr
        while True:
            if isinstance(node, ast.Call):
                func = node.func
                qual = dotted_name(func, self.aliases) or ""
                module_function = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                    and func.value.id in self.modules
                if qual in kb.CONVERSION_FUNCTIONS or (module_function and func.attr in kb.CONVERSION_METHODS):
                    if not node.args or isinstance(node.args[0], _DISPLAYS):
                        break  # building a container from literals is not a conversion of existing values
                    steps.append((func, node))
                    node = node.args[0]
                    continue
                if isinstance(func, ast.Attribute) and not module_function and func.attr not in kb.MODEL_CALL_METHODS:
                    if func.attr in kb.CONVERSION_METHODS:
                        steps.append((f".{func.attr}", node))
                    node = func.value
                    continue
                break  # any other call (a model, a reader, a helper) produces new values
            if isinstance(node, ast.Attribute):
                if node.attr in kb.CONVERSION_ATTRIBUTES:
                    steps.append((f".{node.attr}", node))
                node = node.value
                continue
            if isinstance(node, ast.Subscript):
                node = node.value
                continue
            break
        steps.reverse()
        if isinstance(node, ast.Name) and node.id in self.chains:
            previous = self.chains[node.id]
            return _Chain(previous.root, previous.steps + steps)
        root = node.id if isinstance(node, ast.Name) else node
        return _Chain(root, steps)

    def consider(self, chain: _Chain) -> None:
        if chain.steps and (self.best is None or len(chain.steps) > len(self.best.steps)):
            self.best = chain

    def statement(self, stmt: ast.stmt) -> None:
        for call in calls_in(stmt):
            func = call.func
            qual = dotted_name(func, self.aliases) or ""
            is_method = isinstance(func, ast.Attribute) and (func.attr in kb.MODEL_CALL_METHODS or
                                                             func.attr.startswith("predict_"))
            if is_method or (self.ml_call is None and qual.startswith(_ML_PREFIXES) and not _utility(qual)):
                if self.ml_call is None or (is_method and not self.ml_method):
                    self.ml_call, self.ml_method = func, is_method
            for arg in list(call.args) + [k.value for k in call.keywords]:
                self.consider(self.spine(arg))
        value = getattr(stmt, "value", None)
        if value is None or isinstance(stmt, ast.AugAssign):
            return
        chain = self.spine(value)
        self.consider(chain)
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [getattr(stmt, "target", None)]
        for target in targets:
            if isinstance(target, ast.Name):
                if chain.steps:
                    self.chains[target.id] = chain
                else:
                    self.chains.pop(target.id, None)
            elif isinstance(target, (ast.Tuple, ast.List)):  # `fig, ax = plt.subplots()` starts a new value
                for name in target_names(target):
                    self.chains.pop(name, None)

    def run(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, _SCOPES):
                continue
            nested = [getattr(stmt, f, None) for f in ("body", "orelse", "finalbody")]
            if any(isinstance(n, list) and n for n in nested) or isinstance(stmt, ast.Try):
                for part in nested:
                    if isinstance(part, list):
                        self.run(part)
                for handler in getattr(stmt, "handlers", []):
                    self.run(handler.body)
                continue
            self.statement(stmt)


class GlueCode(FileRule):
    """A cell or function whose main work is shuffling the same values between formats around ML calls.

    ## What it flags
    A block (a notebook cell, a script's top level or a function) that calls a model (`fit`,
    `predict`, `transform`, an estimator or a metric) and converts one chain of values through at
    least `min-conversions` formats: `.values`, `.to_numpy()`, `.tolist()`, `np.array`/`np.asarray`,
    `pd.DataFrame`/`pd.Series` re-wraps, `.reshape`, `.astype`, `.to_dict`, `json.dumps/loads`,
    `torch.tensor`... Conversions are followed through assignments (`X = df.values` then
    `X = X.tolist()`), one finding per block, listing the chain, at the conversion that completes it.

    ## Why it is debt
    Sculley et al. §5, "Glue Code": a system built around a general-purpose package spends much of its
    code getting data into and out of it. The conversions freeze today's library interfaces into the
    pipeline, each one can silently change dtypes, order or shape, and they make trying another
    package expensive.

    ## Example
    `X = np.array(df[cols].to_numpy().tolist()).reshape(-1, 1)` right before `model.predict(X)`.

    ## Fix
    Convert once, at a declared boundary: keep a DataFrame end to end (scikit-learn accepts them), or
    write one adapter function (`to_model_input(df)`) with a test, and list its module in
    `adapter-modules`.

    ## Limits
    Chains are followed by variable name inside one block, not across functions or cells. A block
    without a recognisable model call is not reported (data-preparation code converts for other
    reasons), nor are conversions that build containers from literals (`np.array([1, 2])`).

    ## Options
    `min-conversions`: how many conversions of one chain make glue code (default 3; a single
    conversion is never reported). `adapter-modules`: path globs (gitignore syntax, such as
    `src/adapters/**` or `*_io.py`) of modules whose job is conversion; they are not checked.
    """

    id = "MLD201"
    name = "glue-code"
    family = "system-anti-patterns"
    severity = "warning"
    options = {"min-conversions": 3, "adapter-modules": []}
    VALID = [
        Example("import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n\n"
                "df = pd.read_csv('train.csv')\nX = df[['age', 'income']].to_numpy()\n"
                "model = LogisticRegression().fit(X, df['label'])\n", note="a single conversion"),
        Example(["import numpy as np\nimport pandas as pd", "raw = pd.read_csv('events.csv')",
                 "ids = np.array(raw['id'].values.tolist()).reshape(-1)\nprint(ids[:5])"],
                note="no model call in the block"),
        Example({"src/adapters/frames.py": "import numpy as np\n\n\ndef to_model_input(df, model):\n"
                 "    X = np.asarray(df.values.tolist(), dtype=float).reshape(len(df), -1)\n"
                 "    return model.predict(X)\n",
                 "pyproject.toml": "[tool.mldebt.rules.MLD201]\nadapter-modules = [\"src/adapters/**\"]\n"},
                note="a declared adapter module"),
        Example("import numpy as np\nfrom sklearn.svm import SVC\n\nX = np.array([[0, 1], [1, 0]])\n"
                "model = SVC().fit(X, [0, 1])\n", note="containers built from literals"),
    ]
    INVALID = [
        Example(["import numpy as np\nimport pandas as pd", "df = pd.read_csv('train.csv')",
                 "feats = df[['age', 'income']]\nX = feats.to_numpy().tolist()\nX = np.array(X).reshape(-1, 2)\n"
                 "preds = model.predict(X)"], expect=1),
        Example("import json\nimport pandas as pd\n\n\ndef handler(body, model):\n    rows = json.loads(body)\n"
                "    frame = pd.DataFrame(rows)\n    scores = model.predict_proba(frame.values.astype('float32'))\n"
                "    return scores\n", expect=1),
    ]

    VALID.append(Example("import matplotlib.pyplot as plt\nfrom sklearn.linear_model import LogisticRegression\n"
                         "fig, ax = plt.subplots(2, 2)\nax = ax.flatten()\nfig, ax = plt.subplots(2, 2)\n"
                         "ax = ax.flatten()\nfig, ax = plt.subplots(2, 2)\nax = ax.flatten()\n"
                         "LogisticRegression().fit(X, y)\n",
                         note="three different objects that happen to share a name"))

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        adapters = ctx.options.get("adapter-modules", []) or []
        if adapters:
            from mldebt.sources.discovery import gitignore_spec

            if gitignore_spec(adapters).match_file(ctx.path):
                return
        minimum = max(2, int(ctx.options.get("min-conversions", 3)))
        aliases = import_aliases(ctx.facts.imports)
        modules = {imp.local for imp in ctx.facts.imports if imp.local}
        for cell, tree in ctx.trees():
            where = f"cell {cell.index}" if cell.index else "the module's top level"
            blocks: list[tuple[str, list[ast.stmt]]] = [(where, tree.body)]
            blocks += [(f"function `{node.name}`", node.body) for node in subtree(tree)
                       if node.__class__ is ast.FunctionDef or node.__class__ is ast.AsyncFunctionDef]
            for name, body in blocks:
                block = _Block(name, aliases, modules)
                block.run(body)
                if block.best is not None and block.ml_call and len(block.best.steps) >= minimum:
                    yield self._finding(ctx, cell, block)

    def _finding(self, ctx: FileContext, cell: Cell, block: _Block) -> Finding:
        chain = block.best
        assert chain is not None
        labels = " -> ".join(_text(label) for label, _ in chain.steps)
        first_node = chain.steps[0][1]
        last_node = chain.steps[-1][1]
        related = []
        if first_node.lineno != last_node.lineno:
            related.append(ctx.related_at(cell, first_node, f"the chain starts here ({_text(chain.steps[0][0])})"))
        return ctx.finding(self, cell, last_node, f"{len(chain.steps)} format conversions of "
                           f"`{_text(chain.root)[:40]}` ({labels}) in {block.where} around "
                           f"`{_text(block.ml_call)}`: glue code that ties this code to each "
                           "library's data format and can silently change dtypes or shapes; convert once, in one "
                           "tested adapter", related=related)
