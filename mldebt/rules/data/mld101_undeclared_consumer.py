"""MLD101 undeclared-consumer."""

from __future__ import annotations

from mldebt.rules.base import Example, ProjectRule
from mldebt.rules.graph_sites import DATA_KINDS, edge_pos, names, related, reported_reads


class UndeclaredConsumer(ProjectRule):
    """A code unit reads an artifact another unit of the project writes, and nothing declares it.

    ## What it flags
    A script, module or notebook that reads a file, model, table or URL that a *different* code unit
    of the project writes (a dataset, a trained model, a predictions file), when no declaration names
    this reader as a consumer of that artifact. A consumer is declared by a dvc.yaml stage (or a
    Makefile rule) whose command runs the reader and lists the artifact among its `deps`, by a Kedro
    catalog entry, or by a `[tool.mldebt.artifacts]` contract naming the reader in `consumers`. The
    finding sits at the reader's first read of the artifact, names the writer(s), and points at their
    write sites. Code that imports a notebook as a module (`import import_ipynb` then
    `import features`) is flagged too, at the import: the notebook became a library nobody declared.

    ## Why it is debt
    Undeclared consumers are the "visibility debt" of Sculley et al. §2 ("Entanglement" and
    "Undeclared Consumers"): the writer's owner cannot see who depends on the output, so changing a
    column, a file format or a model silently breaks (or, worse, silently changes) every hidden reader.
    §3 calls the data-flavoured variant "data dependencies cost more than code dependencies".

    ## Example
    `prepare.py` writes `data/features.parquet`; the notebook `notebooks/train.ipynb` reads
    `../data/features.parquet` (the same file: notebooks resolve paths from their own folder), and no
    pipeline says so.

    ## Fix
    Declare the dependency where your team looks: add the artifact to the `deps` of the dvc.yaml stage
    (or Makefile rule) that runs the reader, or add a contract:
    `[tool.mldebt.artifacts."data/features.parquet"]` with `producer = "prepare.py"` and
    `consumers = ["notebooks/train.ipynb"]`. For notebook imports, move the shared code into a module.

    ## Limits
    Only artifacts whose path mldebt resolved to the same id on both sides are matched: a path built
    at run time from values mldebt cannot follow stays a pattern and is not linked. Raw inputs that no
    unit of the project writes are never flagged, nor is a unit re-reading its own output. Environment
    variables and config keys are settings, not data, and are left to the configuration rules.
    """

    id = "MLD101"
    name = "undeclared-consumer"
    family = "data-dependencies"
    severity = "warning"

    VALID = [
        Example({  # a consumer declared by the dvc.yaml stage that runs it
            "prepare.py": 'import pandas as pd\npd.read_csv("data/raw.csv").to_parquet("data/features.parquet")\n',
            "train.py": 'import pandas as pd\nX = pd.read_parquet("data/features.parquet")\nprint(X.shape)\n',
            "dvc.yaml": "stages:\n  prepare:\n    cmd: python prepare.py\n    deps: [data/raw.csv]\n"
                        "    outs: [data/features.parquet]\n  train:\n    cmd: python train.py\n"
                        "    deps: [data/features.parquet, train.py]\n",
        }),
        Example({  # a raw input nobody in the project writes
            "train.py": 'import pandas as pd\ndf = pd.read_csv("data/raw.csv")\nprint(df.shape)\n',
            "eda.py": 'import pandas as pd\nraw = pd.read_csv("data/raw.csv")\nprint(raw.describe())\n',
        }),
        # a unit re-reading its own output
        Example(['import pandas as pd\ndf = pd.DataFrame({"a": [1]})\ndf.to_csv("cache.csv")',
                 'again = pd.read_csv("cache.csv")\nagain.head()']),
        Example({  # each unit uploads the file it has just written itself, though another unit writes it too
            "train_a.py": 'import pickle\nimport mlflow\nwith open("models/prep.b", "wb") as f:\n'
                          '    pickle.dump({}, f)\nmlflow.log_artifact("models/prep.b")\n',
            "train_b.py": 'import pickle\nimport mlflow\nwith open("models/prep.b", "wb") as f:\n'
                          '    pickle.dump({}, f)\nmlflow.log_artifact("models/prep.b")\n',
        }),
        Example({  # a consumer declared by a contract in the project's config
            "fit.py": 'import joblib\nfrom sklearn.linear_model import LogisticRegression\n'
                      'joblib.dump(LogisticRegression().fit([[0], [1]], [0, 1]), "models/clf.joblib")\n',
            "serve.py": 'import joblib\nmodel = joblib.load("models/clf.joblib")\nprint(model.predict([[1]]))\n',
            ".mldebt.yaml": 'artifacts:\n  "models/clf.joblib":\n    producer: fit.py\n    consumers: [serve.py]\n',
        }),
        Example({  # a Makefile rule that runs the reader with the artifact as a prerequisite
            "prepare.py": 'import pandas as pd\npd.read_csv("data/raw.csv").to_csv("data/clean.csv")\n',
            "report.py": 'import pandas as pd\nprint(pd.read_csv("data/clean.csv").describe())\n',
            "Makefile": "data/clean.csv: data/raw.csv\n\tpython prepare.py\n\n"
                        "report: data/clean.csv\n\tpython report.py\n",
        }),
    ]
    INVALID = [
        Example({  # a notebook in notebooks/ reading ../data/... written by a script run from the root
            "prepare.py": 'import pandas as pd\nraw = pd.read_csv("data/raw.csv")\n'
                          'raw.dropna().to_parquet("data/features.parquet")\n',
            "notebooks/train.ipynb": ["import pandas as pd",
                                      'X = pd.read_parquet("../data/features.parquet")\nX.head()'],
        }, expect=1),
        Example({  # a serving job loading the model a training script saves, via a shared paths module
            "src/__init__.py": "",
            "src/paths.py": 'MODEL = "models/clf.joblib"\n',
            "fit.py": 'import joblib\nfrom sklearn.linear_model import LogisticRegression\nfrom src.paths import MODEL\n'
                      'joblib.dump(LogisticRegression().fit([[0], [1]], [0, 1]), MODEL)\n',
            "serve.py": 'import joblib\nfrom src import paths\nmodel = joblib.load(paths.MODEL)\n'
                        'print(model.predict([[1]]))\n',
        }, expect=1),
        Example({  # a script importing a notebook as a module
            "features.ipynb": ["def add_ratio(df):\n    return df.assign(ratio=df.a / df.b)"],
            "train.py": "import import_ipynb\nimport features\n\nprint(features.add_ratio)\n",
        }, expect=1),
    ]

    def check(self, project):
        graph = project.graph
        # (reader, read site) -> artifacts read there, their writers' edges: a loop reading six files one
        # step wrote is one finding, not six
        grouped: dict[tuple, list[tuple[str, dict, list]]] = {}
        for artifact in reported_reads(project):
            if graph.kind(artifact) not in DATA_KINDS:
                continue
            writers = graph.writers_of(artifact)
            if not writers:
                continue
            first_reads: dict[str, dict] = {}
            for reader, data in graph.readers_of(artifact):
                first_reads.setdefault(reader, data)
            for reader, data in sorted(first_reads.items()):
                if not project.reports(reader):
                    continue  # findings are grouped by reader and located there
                others = [(w, d) for w, d in writers if w != reader]
                if not others or graph.declared_consumer(reader, artifact):
                    continue
                own = [d for w, d in writers if w == reader]
                if own and min(_order(d) for d in own) < _order(data):
                    continue  # it reads back what it wrote itself (e.g. mlflow.log_artifact after saving)
                key = (reader, data.get("cell"), data.get("line"), data.get("column"),
                       tuple(sorted({w for w, _ in others})))
                grouped.setdefault(key, []).append((artifact, data, others))
        for (reader, *_, units), reads in sorted(grouped.items(), key=lambda item: str(item[0])):
            artifact, data, others = reads[0]
            if len(reads) == 1:
                what, it = artifact, artifact
            else:
                listed = ", ".join(a for a, _, _ in reads[:4]) + (f" and {len(reads) - 4} more" if len(reads) > 4 else "")
                what, it = f"{len(reads)} artifacts ({listed})", "them"
            message = (f"reads {what}, written by {names(list(units))}, but no pipeline or contract declares "
                       f"this consumer: the writer cannot see that changing {it} breaks this code "
                       f"(declare it in dvc.yaml deps or a [tool.mldebt.artifacts] contract)")
            sites = [related(w, d, f"{a} written here") for a, _, writers in reads for w, d in writers]
            if data.get("inner_line"):  # the read happens inside a helper called here
                chain = data.get("via", "").split(" -> ")
                called = f", called through {'() -> '.join(chain[:-1])}()" if len(chain) > 1 else ""
                sites.insert(0, {"path": data.get("inner_path", reader), "cell": data.get("inner_cell"),
                                 "line": data["inner_line"],
                                 "message": f"read here, inside {chain[-1]}(){called}"})
            yield project.finding(self, reader, edge_pos(project, reader, data), message, sites[:10])
        yield from self.notebook_imports(project)

    def notebook_imports(self, project):
        graph = project.graph
        for unit, target, data in sorted(graph.edges("imports"), key=lambda e: (e[0], e[1])):
            if graph.kind(target) != "notebook" or not project.reports(unit):
                continue
            message = (f"imports the notebook {target} as a module (via {data.get('api')}): a notebook is "
                       f"nobody's declared library, so edits made while exploring in it silently change "
                       f"this code; move the shared code into a .py module")
            yield project.finding(self, unit, edge_pos(project, unit, data), message,
                                  [{"path": target, "cell": None, "line": 1, "message": "imported notebook"}])


def _order(edge: dict) -> tuple[int, int, int]:
    """Execution order of an edge within its unit (cell, line, column)."""
    return (edge.get("cell") or 0, edge.get("line", 0), edge.get("column", 0))
