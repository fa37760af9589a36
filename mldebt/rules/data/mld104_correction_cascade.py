"""MLD104 correction-cascade."""

from __future__ import annotations

import re

from mldebt import knowledge as kb
from mldebt.rules.base import Example, ProjectRule
from mldebt.rules.graph_sites import edge_pos, related, where

_PSEUDO = re.compile(r"pseudo[\s_-]?label|pseudolabel|self[\s_-]?training", re.I)
_STACKING = re.compile(r"blend|stack(?:ing|ed)?[\s_-]|meta[\s_-]?(?:learner|model)", re.I)


class CorrectionCascade(ProjectRule):
    """A model is fitted on another model's outputs, learning a correction on top of it.

    ## What it flags
    A `fit` (or `fit_transform`, `partial_fit`, `train`...) whose X or y derives from `predict`,
    `predict_proba`, `decision_function` (or similar) outputs: computed earlier in the same unit
    (`resid = y - base.predict(X)` then `fixer.fit(X, resid)`, a prediction column added to the
    training frame), or read from an artifact that another unit wrote from its predictions
    (`preds.to_csv("data/base_preds.csv")` in one script, `pd.read_csv("data/base_preds.csv")` feeding a
    `fit` in another). One finding per fit call.

    ## Why it is debt
    Sculley et al. §2, "Correction Cascades": a model that learns a correction on another model's
    outputs ties the two together. Improving the first one changes the second one's inputs and can make
    the system worse, and the chain blocks every later improvement ("improvement deadlock").

    ## Example
    `residuals = y - base.predict(X)` and then `booster.fit(X, residuals)`.

    ## Fix
    Learn the correction inside one model instead: add the features or data the correction needs to
    the first model, or train a single model for the new problem with the base model's inputs. If the
    stacking is intended, use a self-contained ensemble (`StackingClassifier`) so the parts are trained
    and versioned together.

    ## Limits
    sklearn's `StackingClassifier`/`VotingClassifier` (and `SelfTrainingClassifier`,
    `CalibratedClassifierCV`) are self-contained ensembles and are not flagged, nor is pseudo-labelling
    the code calls by that name (a `pseudo_labels` variable, a comment), nor hand-written stacking named
    as such (a `blender`, `stacking_model` or `meta_learner` fitted on the base models' predictions). Boosting libraries' internal
    residual fitting is invisible to mldebt. Across units only a direct hand-over is seen: predictions
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
    ]
    INVALID = [
        Example(["from sklearn.linear_model import LinearRegression\nfrom sklearn.ensemble import GradientBoostingRegressor",
                 "base = LinearRegression().fit(X, y)\nresidual = y - base.predict(X)",
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
            for fit in facts.fits:
                key = (path, fit.pos.cell, fit.pos.line, fit.pos.column)
                if key in reported or self.excused(project, path, fit):
                    continue
                if fit.from_predictions:
                    reported.add(key)
                    before = [p for p in facts.predicts if (p.cell or 0, p.line) <= (fit.pos.cell or 0, fit.pos.line)]
                    sites = [{"path": path, "cell": p.cell, "line": p.line, "message": "predictions made here"}
                             for p in before[-1:]]
                    yield project.finding(
                        self, path, fit.pos,
                        "fits a model on another model's predictions computed above: a correction cascade, "
                        "where improving the first model changes this one's inputs and can make the whole "
                        "system worse; train one model with the needed features instead", sites)
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
        lines = facts.lines.get(fit.pos.cell, [])
        text = "\n".join(lines[fit.pos.line - 1:fit.pos.end_line])
        if _PSEUDO.search(text) or _STACKING.search(text):
            return True
        for pos in facts.predicts:
            cell_lines = facts.lines.get(pos.cell, [])
            if _PSEUDO.search("\n".join(cell_lines[max(0, pos.line - 2):pos.end_line])):
                return True
        return False
