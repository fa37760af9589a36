"""MLD401 fixed-threshold."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterable

from mldebt import knowledge as kb
from mldebt.facts.astindex import subtree, subtree_skipping
from mldebt.facts.extract import dotted_name, import_aliases, literal_value
from mldebt.facts.model import Finding
from mldebt.rules.base import Example, FileContext, FileRule
from mldebt.sources.discovery import is_test_path
from mldebt.rules.system.mld203_dead_experimental_codepath import Constant, module_constants
from mldebt.sources.model import Cell

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_RANGE_BOUNDS = (0.0, 1.0)  # clipping scores to their range (`p[p < 0.0] = 0.0`) is not a decision


@dataclass(frozen=True)
class _Score:
    """Where a model score came from: the predict-like call and its cell."""

    call: str
    cell: Cell
    node: ast.AST

    def where(self) -> str:
        line = getattr(self.node, "lineno", 1)
        return f"cell {self.cell.index}, line {line}" if self.cell.index else f"line {line}"


def _header_nodes(stmt: ast.stmt) -> Iterable[ast.AST]:
    """The expressions a statement evaluates itself (not its nested blocks or nested functions)."""
    if isinstance(stmt, (ast.If, ast.While)):
        roots: list[ast.AST] = [stmt.test]
    elif isinstance(stmt, (ast.For, ast.AsyncFor)):
        roots = [stmt.iter]
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        roots = [item.context_expr for item in stmt.items]
    elif isinstance(stmt, (ast.Try, *_SCOPES)) or type(stmt).__name__ in ("TryStar", "Match"):
        roots = [stmt.subject] if type(stmt).__name__ == "Match" else []  # type: ignore[attr-defined]
    else:
        roots = [stmt]
    for root in roots:  # slices of the pre-built index, not a fresh walk per statement
        yield from subtree_skipping(root, _SCOPES)


class _Scope:
    """Names holding model scores in one flow of statements (a notebook's cells, a module or a function)."""

    def __init__(self, rule: "FixedThreshold", ctx: FileContext, aliases: dict[str, str],
                 constants: dict[str, Constant]):
        self.rule, self.ctx, self.aliases, self.constants = rule, ctx, aliases, constants
        self.scores: dict[str, _Score] = {}
        self.findings: list[Finding] = []

    def origin(self, node: ast.AST, cell: Cell) -> _Score | None:
        """The score a value derives from: `clf.predict_proba(X)[:, 1]`, `proba.ravel()`, `1 - proba`."""
        while True:
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr in kb.SCORE_METHODS:
                    return _Score(ast.unparse(func), cell, node)
                if dotted_name(func, self.aliases) in kb.SCORE_PRESERVING_FUNCTIONS and node.args:
                    node = node.args[0]
                elif isinstance(func, ast.Attribute) and func.attr in kb.SCORE_PRESERVING_METHODS:
                    node = func.value
                else:
                    return None
            elif isinstance(node, ast.Subscript):
                node = node.value
            elif isinstance(node, ast.Attribute) and node.attr in ("values", "T"):
                node = node.value
            elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
                numeric_left = isinstance(literal_value(node.left), (int, float))
                node = node.right if numeric_left else node.left
            elif isinstance(node, ast.Name):
                return self.scores.get(node.id)
            else:
                return None

    def threshold(self, node: ast.AST) -> tuple[float, Constant | None] | None:
        value = literal_value(node)
        constant = None
        if isinstance(node, ast.Name) and node.id in self.constants:
            constant = self.constants[node.id]
            value = constant.value
        if isinstance(value, float) and value not in _RANGE_BOUNDS:
            return value, constant
        return None

    def statement(self, cell: Cell, stmt: ast.stmt) -> None:
        for node in _header_nodes(stmt):
            if isinstance(node, ast.Compare):
                self.compare(cell, node)
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            score = self.origin(stmt.value, cell)
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    if score is not None:
                        self.scores[target.id] = score
                    else:
                        self.scores.pop(target.id, None)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)) and isinstance(stmt.target, ast.Name):
            score = self.origin(stmt.iter, cell)
            if score is not None:
                self.scores[stmt.target.id] = score
            else:
                self.scores.pop(stmt.target.id, None)

    def compare(self, cell: Cell, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        for left, right in zip(operands, operands[1:]):
            for score_side, literal_side in ((left, right), (right, left)):
                score = self.origin(score_side, cell)
                found = self.threshold(literal_side) if score is not None else None
                if score is None or found is None:
                    continue
                value, constant = found
                named = f"{constant.name} = {value!r} ({constant.where()})" if constant else f"{value!r}"
                related = [self.ctx.related_at(score.cell, score.node, f"the score comes from `{score.call}` here")]
                if constant:
                    related.append(self.ctx.related_at(constant.cell, constant.node, "the threshold is fixed here"))
                self.findings.append(self.ctx.finding(
                    self.rule, cell, node,
                    f"`{ast.unparse(node)[:80]}` compares the score of `{score.call}` ({score.where()}) with the fixed "
                    f"threshold {named}: when the data drift or the model is retrained, the right cut-off moves but "
                    "this number does not; choose it on held-out data (e.g. with precision_recall_curve), store it "
                    "with the model or in config, and monitor it", related=related))
                return

    def run(self, cell: Cell, body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, _SCOPES):
                continue
            self.statement(cell, stmt)
            for field in ("body", "orelse", "finalbody"):
                part = getattr(stmt, field, None)
                if isinstance(part, list):
                    self.run(cell, part)
            for handler in getattr(stmt, "handlers", []) or []:
                self.run(cell, handler.body)
            for case in getattr(stmt, "cases", []) or []:
                self.run(cell, case.body)


class FixedThreshold(FileRule):
    """A model score compared with a hard-coded decision threshold.

    ## What it flags
    A comparison (also inside `np.where(...)`, a mask or an `if`) between a value derived from
    `predict_proba`, `decision_function` or `predict` and a float literal, or a module constant bound
    once to a float literal. Scores are followed through assignments, subscripts (`proba[:, 1]`),
    `ravel`/`squeeze`/`max`-style transforms, `expit`/`sigmoid`, `1 - p` and loops over them, across
    the cells of a notebook and within each function. One finding per comparison.

    ## Why it is debt
    Sculley et al. §7, "Fixed Thresholds in Dynamic Systems": a decision threshold is tuned by hand
    for one model on one data set. When the model is retrained or the inputs drift, the best cut-off
    moves, and a threshold frozen in code silently trades precision for recall. The paper recommends
    learning thresholds on held-out data instead.

    ## Example
    `flagged = clf.predict_proba(X)[:, 1] > 0.7` in a scoring job.

    ## Fix
    Pick the threshold on validation data (`precision_recall_curve`, `roc_curve`, a cost function),
    save it with the model or in versioned config, and load it where the decision is made; monitor
    the rate of positive decisions.

    ## Limits
    Thresholds read from config, computed from `precision_recall_curve`/`roc_curve`, or passed as
    function parameters are not literals and are not flagged. Comparisons with 0.0 and 1.0 (range
    checks and clipping) and with integers (`pred == 1`, class labels) are ignored, and so is test code
    (`tests/`, `test_*.py`), whose comparisons are expected values. Scores returned by
    helper functions or computed by calling a model object (`model(x)`) are not traced.
    """

    id = "MLD401"
    name = "fixed-threshold"
    family = "external-world"
    severity = "warning"
    VALID = [
        Example("import yaml\nfrom sklearn.metrics import precision_recall_curve\n\n"
                "cfg = yaml.safe_load(open('params.yaml'))\nproba = clf.predict_proba(X_val)[:, 1]\n"
                "precision, recall, thresholds = precision_recall_curve(y_val, proba)\n"
                "best = thresholds[(precision[:-1] >= 0.9).argmax()]\nflag_cfg = proba > cfg['threshold']\n"
                "flag_best = proba >= best\n", note="thresholds from config and from precision_recall_curve"),
        Example("def decide(model, X, threshold=0.5):\n    scores = model.predict_proba(X)[:, 1]\n"
                "    return scores >= threshold\n", note="a function parameter"),
        Example(["labels = model.predict(X_test)", "positives = (labels == 1).sum()\n"
                 "clipped = labels.clip(0.0, 1.0)\nnegative = labels[labels < 0.0]\nhigh = X_test[X_test > 0.5]"],
                note="class labels, range bounds, and thresholds on inputs rather than scores"),
    ]
    VALID.append(Example({"tests/test_predict.py": "def test_probability(model, X):\n"
                          "    p = model.predict_proba(X)[0][1]\n    assert p == 0.8\n"},
                         note="a test compares a score with the expected value"))
    INVALID = [
        Example(["import numpy as np", "proba = clf.predict_proba(X_test)[:, 1]",
                 "y_pred = np.where(proba >= 0.35, 1, 0)"], expect=1),
        Example("import numpy as np\n\nTHRESHOLD = 0.7\n\n\ndef score_batch(model, frame):\n"
                "    scores = model.decision_function(frame).ravel()\n    alerts = []\n    for s in scores:\n"
                "        if s > THRESHOLD:\n            alerts.append(s)\n    return alerts\n", expect=1),
    ]

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        if is_test_path(ctx.path):
            return  # tests compare scores with expected values; nothing is cut off
        aliases = import_aliases(ctx.facts.imports)
        constants = {n: c for n, c in module_constants(ctx).items() if isinstance(c.value, float)}
        module = _Scope(self, ctx, aliases, constants)
        for cell, tree in ctx.trees():
            module.run(cell, tree.body)
        yield from module.findings
        for cell, tree in ctx.trees():
            for node in subtree(tree):
                if node.__class__ is ast.FunctionDef or node.__class__ is ast.AsyncFunctionDef:
                    scope = _Scope(self, ctx, aliases, constants)
                    scope.run(cell, node.body)
                    yield from scope.findings
