"""MLD602 preprocessing-leakage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mldebt.rules.base import Example, FileRule

if TYPE_CHECKING:  # the leakage analysis is imported when a file is analysed, not at start-up
    from mldebt.facts import dataflow
    from mldebt.facts.dataflow import Fit, Flow, Split


class PreprocessingLeakage(FileRule):
    """A data-dependent transform is fitted on data that is split into train and test afterwards.

    ## What it flags
    A transformer that learns from its input (scalers, imputers, encoders, feature selectors, PCA and
    other decompositions, text vectorizers, a Keras `Tokenizer.fit_on_texts` or a preprocessing layer's
    `adapt`, the `preprocessing.scale` family) or a pandas/numpy statistic used to fill or rescale data
    (`df.fillna(df.mean())`, `(x - x.mean()) / x.std()`), fitted on data that is only later split into
    training and test parts: by `train_test_split`, a `KFold`-style `.split`, slices or masks assigned to
    `train`/`test` names, or the internal folds of `cross_val_score`/`GridSearchCV.fit`. It follows the
    data across notebook cells and through functions defined in the same file, and also catches a
    transformer fitted on all rows and then applied to the split parts, and columns chosen by a
    selector fitted on all rows (`x[:, selector.get_support()]`). The finding is at the fit; its
    related locations are the split, and the call site when the fit happens inside a function.

    ## Why it is debt
    The test set must stand for data the model has never seen. A scaler fitted on all rows has seen
    the test rows' means and variances; an imputer their medians; a `TfidfVectorizer` their vocabulary;
    `SelectKBest` their labels. The evaluation is then optimistic, sometimes dramatically so for
    feature selection, and the number reported is not the number production will see. Kaufman et al.
    ("Leakage in data mining", TKDD 2012) and Kapoor & Narayanan ("Leakage and the reproducibility
    crisis in machine-learning-based science", Patterns 2023) list this as the most common leakage in
    published work; Yang et al. (ASE 2022) found it in a large share of Kaggle notebooks. It is a
    reproducibility bug: the score cannot be reproduced on genuinely new data.

    ## Example
    A notebook that standardises `X`, then splits it.

    ## Fix
    Split first and fit on the training part only (`scaler.fit(X_train)`, then `transform` both
    parts), or, better, put the transform in a `Pipeline`/`make_pipeline`/`ColumnTransformer` with the
    model and fit that on the training data; cross-validation then refits it inside every fold.

    ## Limits
    One file at a time: data prepared in another module or notebook and loaded from disk is not
    followed. Stateless transforms (`Normalizer`, `PolynomialFeatures`, `HashingVectorizer`,
    `FunctionTransformer`) and label encoders are not flagged, nor is a split that makes no train and
    test set (its parts neither named so nor given to a model: a subsample for a plot). Objects whose class is not visible are
    treated as transformers only when their name says so (`scaler`, `encoder`, `tfidf`...). Branches are
    read as if both sides ran. Group or time structure (duplicate patients, future rows) is not checked.
    """

    id = "MLD602"
    name = "preprocessing-leakage"
    family = "reproducibility"
    severity = "warning"

    VALID = [
        Example([
            "import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
            "from sklearn.preprocessing import StandardScaler\nfrom sklearn.linear_model import LogisticRegression",
            "df = pd.read_csv('data/heart.csv')\nX = df.drop(columns='target')\ny = df['target']\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)",
            "scaler = StandardScaler().fit(X_train)\nX_train_s = scaler.transform(X_train)\n"
            "X_test_s = scaler.transform(X_test)",
            "model = LogisticRegression().fit(X_train_s, y_train)\nprint(model.score(X_test_s, y_test))",
        ], note="split first, fit the scaler on the training part"),
        Example(
            "import pandas as pd\nfrom sklearn.pipeline import make_pipeline\n"
            "from sklearn.preprocessing import StandardScaler\nfrom sklearn.impute import SimpleImputer\n"
            "from sklearn.svm import SVC\nfrom sklearn.model_selection import cross_val_score, train_test_split\n\n"
            "df = pd.read_csv('data/churn.csv')\nX, y = df.drop(columns='churn'), df['churn']\n"
            "pipe = make_pipeline(SimpleImputer(strategy='median'), StandardScaler(), SVC())\n"
            "print(cross_val_score(pipe, X, y, cv=5).mean())\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=1)\n"
            "pipe.fit(X_train, y_train)\nprint(pipe.score(X_test, y_test))\n",
            note="a pipeline, cross-validated and fitted on the training part"),
        Example(
            "import pandas as pd\nfrom sklearn.compose import ColumnTransformer\n"
            "from sklearn.preprocessing import OneHotEncoder, StandardScaler\nfrom sklearn.pipeline import Pipeline\n"
            "from sklearn.ensemble import RandomForestClassifier\nfrom sklearn.model_selection import GridSearchCV, train_test_split\n\n"
            "df = pd.read_csv('data/adult.csv')\nX, y = df.drop(columns='income'), df['income']\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)\n"
            "pre = ColumnTransformer([('num', StandardScaler(), ['age', 'hours']), ('cat', OneHotEncoder(), ['job'])])\n"
            "search = GridSearchCV(Pipeline([('pre', pre), ('rf', RandomForestClassifier())]), {'rf__max_depth': [3, 6]})\n"
            "search.fit(X_train, y_train)\nprint(search.score(X_test, y_test))\n",
            note="ColumnTransformer inside a Pipeline, searched on the training part"),
        Example([
            "import pandas as pd\nimport numpy as np\nfrom sklearn.model_selection import train_test_split",
            "df = pd.read_csv('data/house.csv')\ndf = df.fillna(0)\ndf['log_area'] = np.log1p(df['area'])\n"
            "df['ratio'] = df['rooms'] / df['area']",
            "train, test = train_test_split(df, test_size=0.25, random_state=3)",
            "med = train['price'].median()\ntrain['price'] = train['price'].fillna(med)\n"
            "test['price'] = test['price'].fillna(med)",
        ], note="row-wise features before the split; statistics from the training part"),
        Example(
            "import pandas as pd\nfrom sklearn.decomposition import PCA\nimport matplotlib.pyplot as plt\n"
            "from sklearn.model_selection import train_test_split\nfrom sklearn.linear_model import Ridge\n\n"
            "df = pd.read_csv('data/wine.csv')\nX, y = df.drop(columns='quality'), df['quality']\n"
            "coords = PCA(n_components=2).fit_transform(X)\nplt.scatter(coords[:, 0], coords[:, 1])\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
            "print(Ridge().fit(X_train, y_train).score(X_test, y_test))\n",
            note="a PCA for a plot, whose output never reaches the model"),
        Example(
            "import pandas as pd\nfrom sklearn.preprocessing import LabelEncoder, Normalizer\n"
            "from sklearn.model_selection import train_test_split\n\n"
            "df = pd.read_csv('data/iris.csv')\ny = LabelEncoder().fit_transform(df['species'])\n"
            "X = Normalizer().fit_transform(df.drop(columns='species'))\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n",
            note="label encoding and row-wise normalisation learn nothing from other rows"),
    ]
    INVALID = [
        Example([
            "import pandas as pd\nfrom sklearn.preprocessing import StandardScaler\n"
            "from sklearn.model_selection import train_test_split\nfrom sklearn.neighbors import KNeighborsClassifier",
            "df = pd.read_csv('data/heart.csv')\nX = df.drop(columns='target')\ny = df['target']",
            "scaler = StandardScaler()\nX_scaled = scaler.fit_transform(X)",
            "X_train, X_test, y_train, y_test = train_test_split(X_scaled, y, test_size=0.2, random_state=0)",
            "knn = KNeighborsClassifier().fit(X_train, y_train)\nprint(knn.score(X_test, y_test))",
        ], expect=1),
        Example(
            "#!/usr/bin/env python\n# coding: utf-8\n\n# In[1]:\n\n\nimport pandas as pd\n"
            "from sklearn.feature_extraction.text import TfidfVectorizer\nfrom sklearn.model_selection import train_test_split\n"
            "from sklearn.naive_bayes import MultinomialNB\n\n\n# In[2]:\n\n\n"
            "reviews = pd.read_csv('data/reviews.csv')\nvec = TfidfVectorizer(min_df=2)\n"
            "features = vec.fit_transform(reviews['text'])\n\n\n# In[3]:\n\n\n"
            "X_train, X_test, y_train, y_test = train_test_split(features, reviews['label'], random_state=0)\n"
            "nb = MultinomialNB().fit(X_train, y_train)\nprint(nb.score(X_test, y_test))\n",
            expect=1, note="a script exported from a notebook"),
        Example(
            "import pandas as pd\nfrom sklearn.model_selection import train_test_split\n\n"
            "def prepare(frame):\n    frame['age'] = frame['age'].fillna(frame['age'].mean())\n"
            "    return frame.drop(columns='label'), frame['label']\n\n"
            "df = pd.read_csv('data/patients.csv')\nX, y = prepare(df)\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n",
            expect=1, note="a mean imputation inside a helper function"),
        Example(
            "import pandas as pd\nfrom sklearn.feature_selection import SelectKBest, f_classif\n"
            "from sklearn.model_selection import cross_val_score\nfrom sklearn.svm import SVC\n\n"
            "df = pd.read_csv('data/genes.csv')\nX, y = df.drop(columns='label'), df['label']\n"
            "X_best = SelectKBest(f_classif, k=20).fit_transform(X, y)\n"
            "print(cross_val_score(SVC(), X_best, y, cv=5).mean())\n",
            expect=1, note="feature selection on all rows, then cross-validation"),
    ]

    def check(self, ctx):
        from mldebt.facts import dataflow
        flow = dataflow.for_context(ctx)
        reported: set[tuple] = set()
        for fit in flow.fits:
            if fit.category not in ("transformer", "statistic") or fit.data is None or not fit.outputs:
                continue
            if flow.split_derived(fit.data):
                continue  # fitted on a training part: the cure
            leaks = [(split, how) for split in flow.splits if split.seq > fit.seq
                     for how in [_leak(flow, fit, split)] if how]
            if not leaks:
                continue
            key = (fit.site.cell.index, fit.site.line, getattr(fit.site.node, "col_offset", 0))
            if key in reported:
                continue
            reported.add(key)
            yield ctx.finding(self, fit.site.cell, fit.site.node, _message(fit, leaks),
                              related=_related(ctx.path, fit, leaks))


_NOT_MODELS = frozenset({"transformer", "statistic", "stateless", "splitter"})


def _models_use(flow: Flow, split: Split) -> bool:
    """Whether the split makes a train and a test set: its parts are named so (`X_train`, `test`), or a model
    is fitted or evaluated on them. A `train_test_split` that only subsamples points for a plot
    (`X_show, _ = ...`) holds no test set out, so nothing can leak into one."""
    from mldebt.facts.dataflow import name_role

    if split.kind == "cv" or not split.outputs:
        return True
    parts = set(split.outputs)
    if any(name_role(flow.nodes[p].label) in ("train", "test", "val") for p in parts):
        return True
    return any(f.category not in _NOT_MODELS and f.data is not None and parts & flow.lineage(f.data)
               for f in flow.fits) or \
        any(e.data is not None and parts & flow.lineage(e.data) for e in flow.evaluations)


def _leak(flow: Flow, fit: Fit, split: Split) -> tuple[str, dataflow.Site | None] | None:
    """How the fit leaks into the split: ("split", None) when its output is split, ("applied", site) when
    the transform fitted before the split is applied to a split part afterwards; None if it does not."""
    if not split.inputs or not _models_use(flow, split):
        return None
    fit_roots = flow.roots(fit.data)  # type: ignore[arg-type]
    if not any(fit_roots & flow.roots(i) for i in split.inputs):
        return None
    upstream = set().union(*(flow.lineage(i) for i in split.inputs))
    if any(o in upstream for o in fit.outputs):
        return ("split", None)
    parts = set(split.outputs)
    for out in fit.outputs:
        if parts and out > max(parts) and parts & flow.lineage(out):
            return ("applied", flow.nodes[out].site)
    return None


def _message(fit: Fit, leaks: list) -> str:
    from mldebt.facts.dataflow import at, describe
    split, how = leaks[0]
    fitted = f"{describe(fit)} {at(fit.site)}"
    what = "statistic" if fit.category == "statistic" else "transformer"
    if split.kind == "cv":
        return (f"{fitted}, and `{split.api}` splits that data into folds {at(split.site)} afterwards: every "
                f"held-out fold was already seen by the {what}, so the cross-validation score is optimistic "
                f"(preprocessing leakage). Put the {what} in a Pipeline with the model and cross-validate that.")
    applied = " and the transform is applied to its parts" if how[0] == "applied" else ""
    cure = ("compute the statistic on the training part only (or use a SimpleImputer inside a Pipeline)"
            if fit.category == "statistic" else
            "fit the transformer on the training part only, or put it in a Pipeline with the model")
    return (f"{fitted}, and `{split.api}` splits that data into train and test {at(split.site)} "
            f"afterwards{applied}: the test rows shaped the training features, so the test score is optimistic "
            f"(preprocessing leakage). Split first, then {cure}.")


def _related(path: str, fit: Fit, leaks: list) -> list[dict]:
    from mldebt.facts.dataflow import related, via_related
    out = []
    for split, how in leaks[:3]:
        label = "the data is split into folds here" if split.kind == "cv" else "the data is split here, after the fit"
        out.append(related(path, split.site, label))
        if how[1] is not None:
            out.append(related(path, how[1], "the transform fitted on all rows is applied to a split part here"))
    return out + via_related(path, fit.site, "the fit happens inside this call")
