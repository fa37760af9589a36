"""MLD603 overlap-leakage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mldebt.rules.base import Example, FileRule

if TYPE_CHECKING:  # the leakage analysis is imported when a file is analysed, not at start-up
    from mldebt.facts.dataflow import Evaluation, Flow

_MODEL_CATEGORIES = ("model", "search", "unknown")


class OverlapLeakage(FileRule):
    """Evaluation data overlaps the training data: scoring on the training set, or oversampling before the split.

    ## What it flags
    Three shapes of the same mistake, followed across cells and through local functions:

    - a model fitted on some data and evaluated (`.score`, `.evaluate`, a metric such as `accuracy_score`
      on its `predict` output, `(pred == y).mean()`) on data that is part of what it was fitted on: a
      model refitted on all of `X` and then scored on `X_test` split from `X`, or a "test" variable that
      is really the training data;
    - a model whose only evaluation is on its own training data (no held-out test set, no
      cross-validation, no `validation_data`): the notebook reports a training score as the result;
    - oversampling (`SMOTE`, `ADASYN`, `RandomOverSampler`... `fit_resample`, `resample(replace=True)`,
      `df.sample(replace=True)`, rows replicated by hand: `pd.concat([df] + [minority] * 10)`) upstream of
      a train/test split or of cross-validation, so copies or
      interpolations of the same rows land on both sides.

    A training score printed next to a held-out score is normal practice and is not flagged.

    ## Why it is debt
    A score on rows the model was fitted on measures memorisation, not generalisation; duplicated or
    synthetic neighbours of training rows in the test set do the same more quietly. The reported number
    cannot be reproduced on new data. Kapoor & Narayanan ("Leakage and the reproducibility crisis in
    machine-learning-based science", Patterns 2023) list "no test set" and "duplicates across train and
    test" among the leakage types behind irreproducible results; Yang et al. (ASE 2022) call this
    overlap leakage and find it in many public notebooks; Santos et al. ("Cross-validation for
    imbalanced datasets", 2018) show how oversampling before the split inflates scores.

    ## Example
    A notebook that oversamples with SMOTE and then splits.

    ## Fix
    Split first. Fit on the training part, evaluate on the held-out part (or cross-validate), and
    oversample only the training part, ideally with an `imblearn.pipeline.Pipeline` so that
    cross-validation resamples inside each fold.

    ## Limits
    One file at a time; data written and re-read through files is not followed. Rows duplicated in the
    raw data, near-duplicates, and group or time overlap are not detected. Unsupervised scores
    (silhouette and the like) are not evaluations here. A model is matched to its evaluations by
    variable, so evaluations through objects the analysis cannot see are missed.
    """

    id = "MLD603"
    name = "overlap-leakage"
    family = "reproducibility"
    severity = "warning"

    VALID = [
        Example([
            "import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
            "from sklearn.ensemble import RandomForestClassifier\nfrom sklearn.metrics import accuracy_score",
            "df = pd.read_csv('data/credit.csv')\nX, y = df.drop(columns='default'), df['default']\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)",
            "rf = RandomForestClassifier(random_state=0).fit(X_train, y_train)\n"
            "print('train', accuracy_score(y_train, rf.predict(X_train)))\n"
            "print('test', accuracy_score(y_test, rf.predict(X_test)))",
        ], note="a training score printed next to the test score"),
        Example(
            "import pandas as pd\nfrom imblearn.over_sampling import SMOTE\nfrom imblearn.pipeline import make_pipeline\n"
            "from sklearn.linear_model import LogisticRegression\nfrom sklearn.model_selection import train_test_split, cross_val_score\n\n"
            "df = pd.read_csv('data/fraud.csv')\nX, y = df.drop(columns='is_fraud'), df['is_fraud']\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)\n"
            "X_res, y_res = SMOTE(random_state=0).fit_resample(X_train, y_train)\n"
            "clf = LogisticRegression(max_iter=1000).fit(X_res, y_res)\nprint(clf.score(X_test, y_test))\n"
            "print(cross_val_score(make_pipeline(SMOTE(), LogisticRegression()), X_train, y_train, cv=5))\n",
            note="oversampling the training part after the split; SMOTE inside a pipeline for CV"),
        Example(
            "import pandas as pd\nfrom sklearn.linear_model import Ridge\nfrom sklearn.model_selection import cross_val_score\n\n"
            "df = pd.read_csv('data/houses.csv')\nX, y = df.drop(columns='price'), df['price']\nmodel = Ridge()\n"
            "print(cross_val_score(model, X, y, cv=5).mean())\nmodel.fit(X, y)\nprint('in-sample R2', model.score(X, y))\n",
            note="cross-validated, then refitted on everything for deployment"),
        Example([
            "import pandas as pd\nfrom sklearn.model_selection import train_test_split\nfrom sklearn.svm import SVC",
            "df = pd.read_csv('data/spam.csv')\nX, y = df.drop(columns='spam'), df['spam']\n"
            "X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0)",
            "svc = SVC().fit(X_tr, y_tr)\nprint((svc.predict(X_val) == y_val).mean())",
        ], note="a hand-written accuracy on a validation split"),
    ]
    INVALID = [
        Example([
            "import pandas as pd\nfrom imblearn.over_sampling import SMOTE\nfrom sklearn.model_selection import train_test_split\n"
            "from sklearn.ensemble import RandomForestClassifier",
            "df = pd.read_csv('data/fraud.csv')\nX, y = df.drop(columns='is_fraud'), df['is_fraud']",
            "X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)",
            "X_train, X_test, y_train, y_test = train_test_split(X_res, y_res, test_size=0.2, random_state=0)\n"
            "rf = RandomForestClassifier().fit(X_train, y_train)\nprint(rf.score(X_test, y_test))",
        ], expect=1),
        Example(
            "# In[1]:\n\nimport pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n\n"
            "# In[2]:\n\ntrain_df = pd.read_csv('input/train.csv')\nX_train = train_df.drop('Survived', axis=1)\n"
            "Y_train = train_df['Survived']\n\n# In[3]:\n\nlogreg = LogisticRegression()\nlogreg.fit(X_train, Y_train)\n"
            "acc_log = round(logreg.score(X_train, Y_train) * 100, 2)\nprint(acc_log)\n",
            expect=1, note="the only evaluation is on the training data"),
        Example(
            "import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
            "from sklearn.tree import DecisionTreeRegressor\nfrom sklearn.metrics import mean_absolute_error\n\n"
            "df = pd.read_csv('data/sales.csv')\nX, y = df.drop(columns='units'), df['units']\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
            "tree = DecisionTreeRegressor().fit(X, y)\nprint(mean_absolute_error(y_test, tree.predict(X_test)))\n",
            expect=1, note="fitted on all rows, then scored on the test part"),
    ]

    def check(self, ctx):
        from mldebt.facts import dataflow
        flow = dataflow.for_context(ctx)
        yield from self.oversampling(ctx, flow)
        yield from self.evaluations(ctx, flow)

    def oversampling(self, ctx, flow: Flow):
        from mldebt.facts.dataflow import at, related, via_related
        for resample in flow.resamples:
            outputs = set(resample.outputs)
            for split in flow.splits:
                if split.seq <= resample.seq or not split.inputs:
                    continue
                if not any(outputs & flow.lineage(i) for i in split.inputs):
                    continue
                where_split = ("splits the oversampled data into folds" if split.kind == "cv"
                               else "splits the oversampled data into train and test")
                message = (f"`{resample.api}` oversamples the data {at(resample.site)}, and `{split.api}` "
                           f"{where_split} {at(split.site)} afterwards: copies or synthetic neighbours of the same "
                           f"rows end up on both sides, so the evaluation rewards memorisation (overlap leakage). "
                           f"Split first and oversample the training part only (an imblearn Pipeline does this "
                           f"inside cross-validation).")
                rel = [related(ctx.path, split.site, "the oversampled data is split here")]
                rel += via_related(ctx.path, resample.site, "the oversampling happens inside this call")
                yield ctx.finding(self, resample.site.cell, resample.site.node, message, related=rel)
                break

    def evaluations(self, ctx, flow: Flow):
        from mldebt.facts.dataflow import at, fitted_object, name_role, related, via_related
        held_out = _held_out_models(flow)
        reported: set[tuple] = set()
        for ev in flow.evaluations:
            kind = overlap_kind(flow, ev)
            if kind is None:
                continue
            fit = flow.fits[ev.fit]  # type: ignore[index]
            disguised = name_role(ev.arg_name) in ("test", "val")
            if kind == "same" and not disguised and (ev.model in held_out or held_out):
                continue  # a training score shown beside a held-out evaluation in the same unit is fine
            key = (ev.fit, kind)
            if key in reported:
                continue
            reported.add(key)
            model = fitted_object(fit, flow)
            data = f"`{ev.arg_name}`" if ev.arg_name else "the evaluated data"
            if kind == "contained":
                message = (f"{model} is evaluated on {data} {at(ev.site)}, but it was fitted {at(fit.site)} on data "
                           f"that contains those rows: the score measures memorisation, not generalisation "
                           f"(overlap leakage). Fit on the training part only and evaluate on the held-out part.")
            elif disguised:
                message = (f"{model} is evaluated on {data} {at(ev.site)}, which is the same data it was fitted on "
                           f"{at(fit.site)}, not a held-out set: the score measures memorisation (overlap "
                           f"leakage). Split the data and evaluate on the part the model never saw.")
            else:
                message = (f"{model} is evaluated on its own training data {at(ev.site)} (fitted {at(fit.site)}) and on "
                           f"nothing held out: a training score says how well the model memorised the rows, not how it "
                           f"will do on new data (overlap leakage). Evaluate on a test split or with cross_val_score.")
            rel = [related(ctx.path, fit.site, "the model is fitted here")]
            split = flow.split_of(ev.data)  # type: ignore[arg-type]
            if split is not None and kind == "contained":
                rel.append(related(ctx.path, split.site, "the evaluated rows were split from the training data here"))
            rel += via_related(ctx.path, ev.site, "the evaluation happens inside this call")
            yield ctx.finding(self, ev.site.cell, ev.site.node, message, related=rel)


def overlap_kind(flow: Flow, ev: Evaluation) -> str | None:
    """"same" (evaluated on the data it was fitted on), "contained" (fitted on a superset of the evaluated
    rows), or None (held out, cross-validated, or unknown)."""
    if ev.cv or ev.fit is None or ev.data is None:
        return None
    fit = flow.fits[ev.fit]
    if fit.data is None or fit.category not in _MODEL_CATEGORIES:
        return None
    fitted = flow.anchors(fit.data)
    if fitted & flow.anchors(ev.data):
        if ev.data != fit.data and fit.data not in flow.lineage(ev.data) and ev.data not in flow.lineage(fit.data):
            # siblings sharing only a source (`X[train_idx]` / `X[test_idx]`, index-array splits we cannot
            # read): no evidence the rows are the same, so stay quiet
            return None
        return "same"
    if fitted & flow.lineage(ev.data):
        return "contained"
    return None


def _held_out_models(flow: Flow) -> set[int]:
    """Models with at least one out-of-sample evaluation: a held-out score, cross-validation, or
    a fit given validation data."""
    out = {ev.model for ev in flow.evaluations if ev.cv or (ev.data is not None and overlap_kind(flow, ev) is None
                                                            and ev.fit is not None)}
    out |= {fit.obj for fit in flow.fits if fit.validation and fit.obj is not None}
    return out
