"""MLD104 correction-cascade."""

from __future__ import annotations

import ast
import re

from mldebt import knowledge as kb
from mldebt.rules.base import Example, ProjectRule
from mldebt.rules.graph_sites import related, where
from mldebt.sources.magics import mask_cell

# Named techniques that train on a model's outputs on purpose: pseudo-labelling and its relatives (weak or
# approximate labels, label propagation) and knowledge distillation (a student fitted on a teacher)
_PSEUDO = re.compile(r"pseudo|self[\s_-]?training|(?:approx|weak|silver|propagated)[\s_-]?labels?|"
                     r"label[\s_-]?propagation|distill|teacher", re.I)
_STACKING = re.compile(r"blend|stack(?:ing|ed)?[\s_-]|meta[\s_-]?(?:learner|model)", re.I)


class CorrectionCascade(ProjectRule):
    """A model is fitted on another model's outputs, learning a correction on top of it.

    ## What it flags
    A `fit` (or `fit_transform`, `partial_fit`, `train`...) whose X or y derives from `predict`,
    `predict_proba`, `decision_function` (or similar) outputs: computed earlier in the same unit (a
    model's score added as a feature for another target, residuals of a model loaded from elsewhere:
    `resid = y - base.predict(X)` then `fixer.fit(X, resid)`), or read from an artifact that another
    unit wrote from its predictions (`preds.to_csv("data/base_preds.csv")` in one script,
    `pd.read_csv("data/base_preds.csv")` feeding a `fit` in another). One finding per fit call.

    Gradient boosting written by hand is not a cascade and is left alone: the fit's target is the
    residual `y - m.predict(X)` (or `resid -= lr * m.predict(X)`) of models that this unit fitted on
    the same `X` the new model is fitted on, so the stages form one additive model for one target.

    ## Why it is debt
    Sculley et al. §2, "Correction Cascades": a model that learns a correction on another model's
    outputs ties the two together. Improving the first one changes the second one's inputs and can make
    the system worse, and the chain blocks every later improvement ("improvement deadlock").

    ## Example
    `X["churn_score"] = churn_model.predict_proba(X)[:, 1]` and then `upsell_model.fit(X, y_upsell)`:
    the upsell model is tied to whatever the churn model outputs today.

    ## Fix
    Learn the correction inside one model instead: add the features or data the correction needs to
    the first model, or train a single model for the new problem with the base model's inputs. If the
    stacking is intended, use a self-contained ensemble (`StackingClassifier`) so the parts are trained
    and versioned together.

    ## Limits
    sklearn's `StackingClassifier`/`VotingClassifier` (and `SelfTrainingClassifier`,
    `CalibratedClassifierCV`) are self-contained ensembles and are not flagged, nor is pseudo-labelling
    the code calls by that name or a relative's (a `pseudo_labels` variable, a comment; weak, approximate
    or propagated labels; distillation from a `teacher`), nor hand-written stacking named
    as such (a `blender`, `stacking_model` or `meta_learner` fitted on the base models' predictions).
    Boosting libraries' internal residual fitting is invisible to mldebt, and hand-written boosting is
    recognised only in the `y - m.predict(X)` shapes above, with `X` spelled the same way in each call. Across units only a direct hand-over is seen: predictions
    written by one unit and read into a `fit` by another; longer chains through intermediate steps are not.
    """

    id = "MLD104"
    name = "correction-cascade"
    family = "data-dependencies"
    severity = "warning"

    VALID = [
        Example("from sklearn.ensemble import StackingClassifier, RandomForestClassifier\n"
                "from sklearn.linear_model import LogisticRegression\n"
                "stack = StackingClassifier([('rf', RandomForestClassifier())], final_estimator=LogisticRegression())\n"
                "stack.fit(X_train, y_train)\nprint(stack.predict(X_test))\n"),
        Example(["from sklearn.linear_model import LogisticRegression\nimport numpy as np",
                 "teacher = LogisticRegression().fit(X_labeled, y_labeled)",
                 "# pseudo-labelling: label the unlabeled pool with the teacher\n"
                 "pseudo_labels = teacher.predict(X_unlabeled)",
                 "student = LogisticRegression()\n"
                 "student.fit(np.vstack([X_labeled, X_unlabeled]), np.concatenate([y_labeled, pseudo_labels]))"]),
        Example("import xgboost as xgb\nfrom sklearn.linear_model import LinearRegression\n"
                "base = LinearRegression().fit(X_train, y_train)\nprint(base.predict(X_test))\n"
                "booster = xgb.XGBRegressor()\nbooster.fit(X_train, y_train)\n"),
        Example(["import numpy as np\nfrom sklearn.ensemble import RandomForestClassifier, ExtraTreesClassifier",
                 "rf = RandomForestClassifier().fit(X_train, y_train)\net = ExtraTreesClassifier().fit(X_train, y_train)",
                 "X_val_predictions = np.column_stack([rf.predict(X_val), et.predict(X_val)])",
                 "blender = RandomForestClassifier()\nblender.fit(X_val_predictions, y_val)"],
                note="hand-written stacking, named as such"),
        Example("from sklearn.tree import DecisionTreeRegressor\n"
                "t1 = DecisionTreeRegressor(max_depth=2, random_state=0).fit(X, y)\nresid = y - t1.predict(X)\n"
                "t2 = DecisionTreeRegressor(max_depth=2, random_state=0).fit(X, resid)\n",
                note="gradient boosting by hand: residuals of a model fitted on the same X"),
        Example("from sklearn.tree import DecisionTreeRegressor\nresid = y.copy()\ntrees = []\n"
                "for _ in range(50):\n    tree = DecisionTreeRegressor(max_depth=3).fit(X, resid)\n"
                "    resid -= 0.1 * tree.predict(X)\n    trees.append(tree)\n",
                note="a boosting loop with a learning rate"),
    ]
    INVALID = [
        Example(["from sklearn.linear_model import LogisticRegression\n"
                 "from sklearn.ensemble import GradientBoostingClassifier",
                 "churn_model = LogisticRegression().fit(X, y_churn)\n"
                 "X_upsell = X.assign(churn_score=churn_model.predict_proba(X)[:, 1])",
                 "upsell_model = GradientBoostingClassifier().fit(X_upsell, y_upsell)"], expect=1),
        Example(["import joblib\nfrom sklearn.ensemble import GradientBoostingRegressor",
                 "base = joblib.load('models/base.joblib')\nresidual = y - base.predict(X)",
                 "fixer = GradientBoostingRegressor()\nfixer.fit(X, residual)"], expect=1),
        Example({
            "score_base.py": "import joblib\nimport pandas as pd\nX = pd.read_parquet('data/features.parquet')\n"
                             "base = joblib.load('models/base.joblib')\n"
                             "pd.DataFrame({'score': base.predict_proba(X)[:, 1]}).to_csv('data/base_scores.csv')\n",
            "train_fixer.py": "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
                              "scores = pd.read_csv('data/base_scores.csv')\nlabels = pd.read_csv('data/labels.csv')\n"
                              "fixer = LogisticRegression().fit(scores, labels['y'])\n",
        }, expect=1),
    ]

    def check(self, project):
        reported: set[tuple] = set()
        for path in sorted(project.facts):
            facts = project.facts[path]
            in_unit = [fit for fit in facts.fits if fit.from_predictions and not is_residual_boosting(facts, fit)
                       and not self.excused(project, path, fit)]
            if in_unit:  # one finding per unit, at the first fit: later fits usually share the same source
                first = in_unit[0]
                reported.update((path, f.pos.cell, f.pos.line, f.pos.column) for f in in_unit)
                before = [p for p in facts.predicts if (p.cell or 0, p.line) <= (first.pos.cell or 0, first.pos.line)]
                sites = [{"path": path, "cell": p.cell, "line": p.line,
                          "message": "the latest predictions before this fit are made here"} for p in before[-1:]]
                sites += [{"path": path, "cell": f.pos.cell, "line": f.pos.line,
                           "message": "another fit on prediction-derived data"} for f in in_unit[1:6]]
                more = f" ({len(in_unit) - 1} later fit{'s' if len(in_unit) > 2 else ''} in this unit too)" \
                    if len(in_unit) > 1 else ""
                yield project.finding(
                    self, path, first.pos,
                    f"fits a model on another model's predictions computed above{more}: a correction cascade, "
                    "where improving the first model changes this one's inputs and can make the whole "
                    "system worse; train one model with the needed features instead", sites)
            for fit in facts.fits:
                key = (path, fit.pos.cell, fit.pos.line, fit.pos.column)
                if key in reported or self.excused(project, path, fit):
                    continue
                handed = self.handed_over(project, path, fit)
                if handed:
                    reported.add(key)
                    artifact, read, writers = handed
                    sites = [related(path, read, f"{artifact} read here")]
                    sites += [related(w, d, f"{artifact} written from predictions here") for w, d in writers]
                    writer_names = ", ".join(sorted({w for w, _ in writers}))
                    yield project.finding(
                        self, path, fit.pos,
                        f"fits a model on {artifact}, which {writer_names} writes from model predictions (read at "
                        f"{where(path, read)}): a correction cascade across units, where improving the upstream "
                        f"model silently changes this one's training data; train one model instead", sites)

    @staticmethod
    def handed_over(project, path: str, fit):
        """(artifact, read edge, writer edges) when a read feeding this fit holds another model's predictions."""
        graph = project.graph
        for artifact, data in graph.reads_of(path):
            if data.get("event") not in fit.read_origins:
                continue
            writers = [(w, d) for w, d in graph.writers_of(artifact) if d.get("from_predictions")]
            if writers:
                return artifact, data, writers
        return None

    @staticmethod
    def excused(project, path: str, fit) -> bool:
        """Self-contained ensembles and pseudo-labelling named as such."""
        facts = project.facts[path]
        if fit.estimator:
            for constructor in facts.constructors:
                if constructor.var == fit.estimator and \
                        constructor.qualname.rsplit(".", 1)[-1].startswith(kb.ENSEMBLE_CLASS_PREFIXES):
                    return True
        text = facts.source_text(fit.pos.cell, fit.pos.line, fit.pos.end_line)
        if _PSEUDO.search(text) or _STACKING.search(text):
            return True
        for pos in facts.predicts:
            if _PSEUDO.search(facts.source_text(pos.cell, pos.line - 1, pos.end_line)):
                return True
        return False


# ---------------------------------------------------------------- hand-written boosting
def _unit_trees(facts) -> list[tuple[list[str], ast.Module]]:
    """The unit's cells parsed again from the facts' source lines (only for the few fits in question)."""
    trees = []
    for lines in facts.source_cells().values():
        code, _, cell_magic = mask_cell("\n".join(lines))
        if cell_magic is not None:
            continue
        try:
            trees.append((lines, ast.parse(code)))
        except (SyntaxError, ValueError, RecursionError):
            continue
    return trees


def _fit_arguments(call: ast.Call) -> tuple[ast.expr | None, ast.expr | None]:
    """(X, y) of a `fit` call, positional or by keyword."""
    args = dict(enumerate(call.args))
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    return args.get(0, keywords.get("X")), args.get(1, keywords.get("y"))


def _predicted_on(expr: ast.expr) -> tuple[str, str] | None:
    """(model, X) for `m.predict(X)`, also scaled by a learning rate (`lr * m.predict(X)`)."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult):
        return _predicted_on(expr.right) or _predicted_on(expr.left)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "predict" \
            and expr.args:
        return ast.unparse(expr.func.value), ast.unparse(expr.args[0])
    return None


def is_residual_boosting(facts, fit) -> bool:
    """True when this fit's target is the residual of models fitted on the same X: `y - m.predict(X)`
    (or `resid -= lr * m.predict(X)`), `m` fitted on X, and this fit on X too. That is gradient boosting
    written by hand: one additive model for one target, not a correction for a different problem."""
    trees = _unit_trees(facts)
    lines = facts.source_cells().get(fit.pos.cell)
    target = x_text = None
    fitted_on: dict[str, set[str]] = {}
    for cell_lines, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                call = node.value
                if isinstance(call.func, ast.Attribute) and call.func.attr in kb.FIT_METHODS:
                    x_arg = _fit_arguments(call)[0]
                    for name in node.targets:
                        if isinstance(name, ast.Name) and x_arg is not None:
                            fitted_on.setdefault(name.id, set()).add(ast.unparse(x_arg))
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in kb.FIT_METHODS):
                continue
            x_arg, y_arg = _fit_arguments(node)
            if x_arg is None:
                continue
            fitted_on.setdefault(ast.unparse(node.func.value), set()).add(ast.unparse(x_arg))
            if cell_lines is lines and (node.lineno, node.col_offset + 1, node.end_lineno, node.end_col_offset + 1) \
                    == (fit.pos.line, fit.pos.column, fit.pos.end_line, fit.pos.end_column):
                target, x_text = y_arg, ast.unparse(x_arg)
    if target is None:
        return False
    if isinstance(target, ast.Name):
        updates = [(node.op if isinstance(node, ast.AugAssign) else None, node.value)
                   for _, tree in trees for node in ast.walk(tree)
                   if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == target.id
                                                           for t in node.targets)
                   or isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name)
                   and node.target.id == target.id]
    else:
        updates = [(None, target)]
    found = False
    for op, value in updates:
        if not any(isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)
                   and c.func.attr in kb.PREDICT_METHODS for c in ast.walk(value)):
            continue  # `resid = y.copy()`: the starting point
        if isinstance(op, ast.Sub):
            predicted = _predicted_on(value)
        elif op is None and isinstance(value, ast.BinOp) and isinstance(value.op, ast.Sub):
            predicted = _predicted_on(value.right)
        else:
            predicted = None
        if predicted is None or predicted[1] != x_text or x_text not in fitted_on.get(predicted[0], ()):
            return False
        found = True
    return found
