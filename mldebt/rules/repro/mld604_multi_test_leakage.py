"""MLD604 multi-test-leakage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mldebt.rules.base import Example, FileRule
from mldebt.rules.repro.mld603_overlap_leakage import overlap_kind

if TYPE_CHECKING:  # the leakage analysis is imported when a file is analysed, not at start-up
    from mldebt.facts.dataflow import Evaluation, Flow

# Statistics that summarise a list of scores without picking one of them.
_SUMMARIES = frozenset({"mean", "median", "std", "var", "nanmean", "nanmedian", "nanstd"})


class MultiTestLeakage(FileRule):
    """The same test set is used to choose among several models or hyperparameters.

    ## What it flags
    A test set (a held-out split, or a labelled test file) on which two or more models are evaluated
    and then compared: a loop over models, hyperparameter values or parameter grids that fits and
    scores each candidate on that test set, or scores of several models on it fed to a selection
    (`max`/`min`/`sorted`, `np.argmax`, `idxmax`, `sort_values`, `nlargest`, or a comparison such as
    `if acc_rf > acc_lr`). One finding per test set, at the loop's evaluation or at the selection, with
    the other evaluations and the split as related locations.

    Not flagged: selection on a validation split (`X_val`, `X_valid`, `X_dev`) or by cross-validation /
    `GridSearchCV` on the training data followed by one final test evaluation; cross-validation folds
    inside a loop; loops that only change the random seed; loops whose test scores are only summarised
    (`np.mean`, `median`, `std`: the members of a hand-made bagging ensemble scored one by one) and never
    fed to a selection or comparison, since averaging picks no winner.

    ## Why it is debt
    Every look at the test set to pick a winner fits the choice to that particular sample: the winner's
    test score is the maximum of several noisy estimates and is biased upwards, and with enough
    candidates the "best" model is partly the luckiest one. The test set has become a validation set
    and no unbiased estimate is left. Cawley & Talbot ("On over-fitting in model selection and
    subsequent selection bias in performance evaluation", JMLR 2010) quantify the bias; Yang et al.
    (ASE 2022) call it multi-test leakage and find it in many public notebooks.

    ## Example
    A notebook that tries `k = 1..20` for a k-NN and keeps the `k` with the best test accuracy.

    ## Fix
    Split off a validation set (or use cross-validation, e.g. `GridSearchCV` on the training part) to
    choose the model, and evaluate the chosen model once on the test set at the end.

    ## Limits
    Selection done by a human reading printed scores, without any comparison in code, is only caught
    when the candidates are evaluated in a loop. Training loops of deep-learning frameworks (early
    stopping on the test loader) are not analysed. Evaluations are matched by the test data they read,
    within one file.
    """

    id = "MLD604"
    name = "multi-test-leakage"
    family = "reproducibility"
    severity = "warning"

    VALID = [
        Example([
            "import pandas as pd\nfrom sklearn.model_selection import GridSearchCV, train_test_split\n"
            "from sklearn.neighbors import KNeighborsClassifier",
            "df = pd.read_csv('data/wine.csv')\nX, y = df.drop(columns='quality'), df['quality']\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)",
            "search = GridSearchCV(KNeighborsClassifier(), {'n_neighbors': range(1, 21)}, cv=5)\n"
            "search.fit(X_train, y_train)\nprint(search.best_params_)",
            "print('test accuracy', search.score(X_test, y_test))",
        ], note="model selection by cross-validation on the training part, one final test"),
        Example(
            "import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
            "from sklearn.linear_model import LogisticRegression\nfrom sklearn.ensemble import RandomForestClassifier\n\n"
            "df = pd.read_csv('data/churn.csv')\nX, y = df.drop(columns='churn'), df['churn']\n"
            "X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.2, random_state=0)\n"
            "X_train, X_val, y_train, y_val = train_test_split(X_rest, y_rest, test_size=0.25, random_state=0)\n"
            "models = {'lr': LogisticRegression(max_iter=500), 'rf': RandomForestClassifier(random_state=0)}\n"
            "scores = {}\nfor name, model in models.items():\n    model.fit(X_train, y_train)\n"
            "    scores[name] = model.score(X_val, y_val)\nbest = models[max(scores, key=scores.get)]\n"
            "print('test', best.score(X_test, y_test))\n",
            note="a separate validation set for the choice"),
        Example(
            "import pandas as pd\nfrom sklearn.model_selection import KFold, cross_val_score\n"
            "from sklearn.linear_model import Ridge, Lasso\n\n"
            "df = pd.read_csv('data/houses.csv')\nX, y = df.drop(columns='price'), df['price']\n"
            "results = {name: cross_val_score(m, X, y, cv=KFold(5, shuffle=True, random_state=0)).mean()\n"
            "           for name, m in [('ridge', Ridge()), ('lasso', Lasso())]}\nprint(max(results, key=results.get))\n",
            note="choosing by cross-validation"),
        Example(
            "import numpy as np\nimport pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
            "from sklearn.ensemble import RandomForestRegressor\n\n"
            "df = pd.read_csv('data/energy.csv')\nX, y = df.drop(columns='load'), df['load']\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\nscores = []\n"
            "for seed in range(5):\n    rf = RandomForestRegressor(random_state=seed).fit(X_train, y_train)\n"
            "    scores.append(rf.score(X_test, y_test))\nprint(np.mean(scores), np.std(scores))\n",
            note="repeating one configuration over seeds to report its spread"),
        Example(
            "import numpy as np\nimport pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
            "from sklearn.tree import DecisionTreeClassifier\nfrom sklearn.metrics import accuracy_score\n\n"
            "df = pd.read_csv('data/iris.csv')\nX, y = df.drop(columns='label'), df['label']\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
            "subsets = [(X_train.sample(frac=0.8, random_state=i), y_train) for i in range(10)]\n"
            "forest = [DecisionTreeClassifier(random_state=0) for _ in range(10)]\nscores = []\n"
            "for tree, (Xs, ys) in zip(forest, subsets):\n    tree.fit(Xs, ys)\n"
            "    scores.append(accuracy_score(y_test, tree.predict(X_test)))\nprint(np.mean(scores))\n",
            note="scores of bagging members averaged, not compared"),
    ]
    INVALID = [
        Example([
            "import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
            "from sklearn.neighbors import KNeighborsClassifier\nfrom sklearn.metrics import accuracy_score",
            "df = pd.read_csv('data/wine.csv')\nX, y = df.drop(columns='quality'), df['quality']\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)",
            "accs = []\nfor k in range(1, 21):\n    knn = KNeighborsClassifier(n_neighbors=k)\n"
            "    knn.fit(X_train, y_train)\n    accs.append(accuracy_score(y_test, knn.predict(X_test)))",
            "best_k = accs.index(max(accs)) + 1\nprint(best_k, max(accs))",
        ], expect=1),
        Example(
            "# In[1]:\n\nimport pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
            "from sklearn.linear_model import LogisticRegression\nfrom sklearn.svm import SVC\n"
            "from sklearn.ensemble import RandomForestClassifier\n\n"
            "# In[2]:\n\ndf = pd.read_csv('data/titanic.csv')\nX, y = df.drop(columns='Survived'), df['Survived']\n"
            "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=42)\n\n"
            "# In[3]:\n\nlr = LogisticRegression().fit(X_train, y_train)\nacc_lr = lr.score(X_test, y_test)\n\n"
            "# In[4]:\n\nsvc = SVC().fit(X_train, y_train)\nacc_svc = svc.score(X_test, y_test)\n\n"
            "# In[5]:\n\nrf = RandomForestClassifier().fit(X_train, y_train)\nacc_rf = rf.score(X_test, y_test)\n\n"
            "# In[6]:\n\nboard = pd.DataFrame({'model': ['lr', 'svc', 'rf'], 'score': [acc_lr, acc_svc, acc_rf]})\n"
            "board.sort_values(by='score', ascending=False)\n",
            expect=1, note="models compared on the test set in a leaderboard"),
    ]

    def check(self, ctx):
        from mldebt.facts import dataflow
        flow = dataflow.for_context(ctx)
        groups: dict[frozenset, list[Evaluation]] = {}
        for ev in flow.evaluations:
            if ev.cv or ev.data is None or ev.fit is None or overlap_kind(flow, ev) is not None:
                continue
            if _is_validation(flow, ev):
                continue
            groups.setdefault(flow.anchors(ev.data), []).append(ev)
        for anchors, evs in sorted(groups.items(), key=lambda item: item[1][0].seq):
            finding = self.loop_finding(ctx, flow, evs) or self.selection_finding(ctx, flow, anchors, evs)
            if finding is not None:
                yield finding

    def loop_finding(self, ctx, flow: Flow, evs: list[Evaluation]):
        from mldebt.facts.dataflow import at, related
        for ev in evs:
            for loop_id in reversed(ev.loops):
                if not _varies_in_loop(flow, ev, loop_id):
                    continue
                if any(loop_id in n.loops for a in flow.anchors(ev.data) for n in [flow.nodes[a]]):
                    continue  # the test data changes with the loop (folds)
                if _loop_uses_validation(flow, loop_id) or _only_summarised(flow, ev):
                    continue
                loop = flow.loops[loop_id]
                data = f"`{ev.arg_name}`" if ev.arg_name else "the same test set"
                message = (f"Each candidate of the loop {at(loop.site)} is fitted and scored on {data} {at(ev.site)}: "
                           f"choosing a model or hyperparameters by their test score fits the choice to the test "
                           f"set, and the winner's score is biased upwards (multi-test leakage). Choose on a "
                           f"validation split or with cross-validation on the training data, and evaluate the "
                           f"chosen model once on the test set.")
                rel = [related(ctx.path, loop.site, "the loop over candidate models or hyperparameters")]
                rel += _split_related(ctx.path, flow, ev)
                return ctx.finding(self, ev.site.cell, ev.site.node, message, related=rel)
        return None

    def selection_finding(self, ctx, flow: Flow, anchors: frozenset, evs: list[Evaluation]):
        from mldebt.facts.dataflow import at, related
        models = {ev.model for ev in evs}
        if len(models) < 2:
            return None
        by_score = {ev.score: ev for ev in evs if ev.score is not None}
        for selection in flow.selections:
            reached: dict[int, Evaluation] = {}
            for operand in selection.operands:
                for node in flow.ancestors(operand) & by_score.keys():
                    reached.setdefault(by_score[node].model, by_score[node])
            if len(reached) < 2:
                continue
            chosen = sorted(reached.values(), key=lambda e: e.seq)
            first = chosen[0]
            data = f"`{first.arg_name}`" if first.arg_name else "the same test set"
            message = (f"{len(reached)} models are scored on {data} and their scores compared {at(selection.site)}: "
                       f"picking the best model by its test score fits the choice to the test set, and the "
                       f"winner's score is biased upwards (multi-test leakage). Compare models on a validation "
                       f"split or by cross-validation on the training data, and evaluate only the chosen model "
                       f"on the test set.")
            rel = [related(ctx.path, ev.site, "a model is scored on the test set here") for ev in chosen[:4]]
            rel += _split_related(ctx.path, flow, first)
            return ctx.finding(self, selection.site.cell, selection.site.node, message, related=rel)
        return None


def _is_validation(flow: Flow, ev: Evaluation) -> bool:
    from mldebt.facts.dataflow import name_role
    if name_role(ev.arg_name) == "val":
        return True
    labels = [flow.nodes[a].label for a in flow.anchors(ev.data)]  # type: ignore[arg-type]
    return bool(labels) and all(name_role(label) == "val" for label in labels)


def _varies_in_loop(flow: Flow, ev: Evaluation, loop_id: int) -> bool:
    """The evaluated model changes with the loop: it is the loop variable, or it is built inside the loop
    with hyperparameters that depend on the loop (seeds do not count), and it is fitted in the loop."""
    fit = flow.fits[ev.fit]  # type: ignore[index]
    if loop_id not in fit.loops:
        return False
    model = flow.nodes[ev.model]
    loop_vars = set(flow.loops[loop_id].targets)
    if model.kind == "loopvar" and ev.model in loop_vars:
        return True
    return model.kind == "object" and _built_per_iteration(flow, model.id, loop_id, loop_vars)


def _built_per_iteration(flow: Flow, obj: int, loop_id: int, loop_vars: set[int], depth: int = 0) -> bool:
    """An object constructed inside the loop with a hyperparameter that changes with it (a pipeline
    varies when one of its steps does)."""
    node = flow.nodes[obj]
    if loop_id not in node.loops or depth > 4:
        return False
    for hyper in node.hyper:
        if flow.nodes[hyper].kind == "object":
            if _built_per_iteration(flow, hyper, loop_id, loop_vars, depth + 1):
                return True
        elif flow.ancestors(hyper) & loop_vars or loop_id in flow.nodes[hyper].loops:
            return True
    return False


def _only_summarised(flow: Flow, ev: Evaluation) -> bool:
    """The score reaches a mean/median/std but no selection: the candidates are averaged, none is chosen."""
    if ev.score is None or any(ev.score in flow.ancestors(operand)
                               for selection in flow.selections for operand in selection.operands):
        return False
    return any(node.kind == "stat" and node.label in _SUMMARIES and ev.score in flow.ancestors(node.id)
               for node in flow.nodes)


def _loop_uses_validation(flow: Flow, loop_id: int) -> bool:
    return any(loop_id in ev.loops and ev.data is not None and _is_validation(flow, ev) for ev in flow.evaluations)


def _split_related(path: str, flow: Flow, ev: Evaluation) -> list[dict]:
    from mldebt.facts.dataflow import related
    split = flow.split_of(ev.data)  # type: ignore[arg-type]
    return [related(path, split.site, "the test set is split off here")] if split is not None else []
