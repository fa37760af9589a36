"""MLD105 feedback-loop."""

from __future__ import annotations

from mldebt.rules.base import Example, ProjectRule
from mldebt.rules.graph_sites import DATA_KINDS, edge_pos, order, related


class FeedbackLoop(ProjectRule):
    """A model's outputs flow back into its own training data.

    ## What it flags
    A cycle in the project's data graph that passes through a prediction and a fit: some unit writes
    an artifact from model predictions, and through reads and writes (possibly across several scripts
    and notebooks) that artifact reaches a read that feeds a `fit` whose model, in turn, makes those
    predictions. A single unit that trains on a file and then writes its predictions back into that same
    file closes the loop too (the next run trains on its own outputs). Cycles are found with strongly
    connected components. One finding per loop, at the read that feeds the fit, listing the loop.

    ## Why it is debt
    Sculley et al. §4, "Feedback Loops": a live system that trains on data its own predictions shaped
    ("direct feedback loops") drifts in ways no offline evaluation shows, and its behaviour can no longer
    be analysed before release. Hidden loops through files and tables are the hardest to notice.

    ## Example
    `train.py` fits on `data/labeled.csv` and saves `models/clf.joblib`; `score.py` loads the model
    and appends its predictions to `data/labeled.csv`.

    ## Fix
    Keep model outputs out of training data: write predictions to their own artifact, train only on
    ground-truth labels, or, if the loop is intended (bandits, active learning), log the propensities
    and declare it in a contract so it is reviewed.

    ## Limits
    A unit re-reading a file it wrote earlier in the same run (a cache) is not a loop. Loops through
    systems outside the project (a database a service writes and a job reads) are seen only when both
    sides name the same table or path. Which predictions feed which fit inside one unit is
    approximated by the unit's order of statements.
    """

    id = "MLD105"
    name = "feedback-loop"
    family = "data-dependencies"
    severity = "error"

    VALID = [
        # a notebook caching its own predictions and reading them back in the same run
        Example(["import pandas as pd\nfrom sklearn.linear_model import LogisticRegression",
                 'df = pd.read_csv("data/train.csv")\nmodel = LogisticRegression().fit(df[["x"]], df["y"])',
                 'pd.DataFrame({"p": model.predict(df[["x"]])}).to_csv("cache/preds.csv")',
                 'cached = pd.read_csv("cache/preds.csv")\nmodel2 = LogisticRegression().fit(cached, df["y"])']),
        Example({  # predictions go to their own artifact, never back into training
            "train.py": "import joblib\nimport pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
                        "df = pd.read_csv('data/labeled.csv')\n"
                        "joblib.dump(LogisticRegression().fit(df[['x']], df['y']), 'models/clf.joblib')\n",
            "score.py": "import joblib\nimport pandas as pd\nmodel = joblib.load('models/clf.joblib')\n"
                        "new = pd.read_csv('data/incoming.csv')\n"
                        "pd.DataFrame({'p': model.predict(new[['x']])}).to_csv('data/scored.csv')\n",
        }),
    ]
    INVALID = [
        Example({
            "train.py": "import joblib\nimport pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
                        "df = pd.read_csv('data/labeled.csv')\n"
                        "joblib.dump(LogisticRegression().fit(df[['x']], df['y']), 'models/clf.joblib')\n",
            "notebooks/score.ipynb": ["import joblib\nimport pandas as pd",
                                      "model = joblib.load('../models/clf.joblib')\nnew = pd.read_csv('../data/incoming.csv')",
                                      "new['y'] = model.predict(new[['x']])\nnew.to_csv('../data/labeled.csv')"],
        }, expect=1),
        # one script training on a file and writing its predictions back into it for the next run
        Example("import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
                "df = pd.read_csv('data/pool.csv')\nmodel = LogisticRegression().fit(df[['x']], df['y'])\n"
                "df['y'] = model.predict(df[['x']])\ndf.to_csv('data/pool.csv')\n", expect=1),
    ]

    def check(self, project):
        import networkx as nx

        graph = project.graph
        data_graph = nx.DiGraph()
        fit_reads, pred_writes = [], []
        for artifact in graph.artifacts():
            if graph.kind(artifact) not in DATA_KINDS:
                continue
            writes = graph.writers_of(artifact)
            for unit, data in writes:
                data_graph.add_edge(unit, artifact)
                if data.get("from_predictions"):
                    pred_writes.append((unit, artifact, data))
            for unit, data in graph.readers_of(artifact):
                own = [d for w, d in writes if w == unit]
                if own and all(order(d) < order(data) for d in own) and len({w for w, _ in writes}) == 1:
                    continue  # re-reading what this unit wrote earlier in the run: a cache, not a loop
                data_graph.add_edge(artifact, unit)
                if data.get("feeds_fit"):
                    fit_reads.append((artifact, unit, data))
        component_of = {}
        for number, component in enumerate(nx.strongly_connected_components(data_graph)):
            if len(component) > 1:
                for node in component:
                    component_of[node] = number
        seen: set[int] = set()
        for artifact, unit, data in sorted(fit_reads, key=lambda r: (r[1], order(r[2]), r[0])):
            number = component_of.get(unit)
            if number is None or number in seen or component_of.get(artifact) != number:
                continue
            writes = [w for w in pred_writes if component_of.get(w[0]) == number and component_of.get(w[1]) == number]
            if not writes:
                continue
            seen.add(number)
            writer, predictions, write_data = writes[0]
            members = {n for n, c in component_of.items() if c == number}
            loop = self.loop_path(data_graph.subgraph(members), unit, writer, predictions, artifact)
            sites = [related(writer, write_data, f"predictions written to {predictions} here")]
            yield project.finding(
                self, unit, edge_pos(project, unit, data),
                f"trains on {artifact}, which is fed by this model's own predictions ({' -> '.join(loop)}): "
                f"a feedback loop, so the model learns from its past outputs and drifts in ways offline "
                f"evaluation cannot show; train on ground truth only",
                sites)

    @staticmethod
    def loop_path(sub, fit_unit: str, writer: str, predictions: str, read_artifact: str) -> list[str]:
        """fit unit -> ... -> predicting unit -> predictions -> ... -> artifact read by the fit -> fit unit."""
        import networkx as nx

        first = nx.shortest_path(sub, fit_unit, writer)
        second = nx.shortest_path(sub, predictions, read_artifact)
        return first + second + [fit_unit]
