"""MLD206 conflicting-writers."""

from __future__ import annotations

from mldebt import knowledge as kb

from mldebt.rules.base import Example, ProjectRule
from mldebt.rules.graph_sites import DATA_KINDS, edge_pos, names, related, where

LOG_SUFFIXES = (".log",)


class ConflictingWriters(ProjectRule):
    """Two or more code units write the same artifact.

    ## What it flags
    A file, model, table or remote object that more than one script, module or notebook of the project
    writes: whichever ran last decides what every reader sees. Reported at each writer's first write,
    naming the other writers. Paths are compared after resolution, so `notebooks/a.ipynb` writing
    `../models/clf.joblib` and `train.py` writing `models/clf.joblib` collide.

    ## Why it is debt
    Sculley et al. §5, "Pipeline Jungles": when several steps overwrite the same intermediate file,
    the pipeline's result depends on the order someone happened to run them in, and nobody can say
    which code produced the artifact a model was trained on (§3, data dependencies without provenance).

    ## Example
    `train.py` and `notebooks/retrain.ipynb` both `joblib.dump(...)` to `models/clf.joblib`.

    ## Fix
    Give each writer its own output (`models/clf_retrain.joblib`) and make the consumer choose
    explicitly, or keep one producer and declare it (`[tool.mldebt.artifacts."models/clf.joblib"]
    producer = "train.py"`).

    ## Limits
    One unit writing and later overwriting its own output is not a conflict. Log files (`*.log`) are
    written by many units by design and are skipped, and so are writers run in sequence by one
    declared pipeline stage that lists the artifact as its output, a notebook and its own `.py` export
    (same folder, same name), and units that only download the
    same remote file to a local copy (`urlretrieve`, `get_file`, or writing `requests.get(URL).content`
    of the same literal URL), or that each write it only when it
    is missing (`if not path.exists(): ...`, a cache fill: whichever runs first creates it, the others
    keep it). Paths mldebt could not resolve (patterns) are not compared.
    """

    id = "MLD206"
    name = "conflicting-writers"
    family = "system-anti-patterns"
    severity = "warning"

    VALID = [
        # one unit writing and later overwriting its own output
        Example("import pandas as pd\ndf = pd.read_csv('data/raw.csv')\ndf.to_csv('data/clean.csv')\n"
                "df = df.dropna()\ndf.to_csv('data/clean.csv')\n"),
        Example({
            "prepare.py": "import pandas as pd\npd.read_csv('data/raw.csv').to_csv('data/clean.csv')\n",
            "train.py": "import pandas as pd\nprint(pd.read_csv('data/clean.csv').shape)\n",
            "log_a.py": "with open('logs/run.log', 'a') as f:\n    f.write('a')\n",
            "log_b.py": "with open('logs/run.log', 'a') as f:\n    f.write('b')\n",
        }),
    ]
    VALID.append(Example({  # a notebook and the script exported from it
        "ch02/plots.ipynb": ["import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.savefig('figures/f.png')"],
        "ch02/plots.py": "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.savefig('figures/f.png')\n",
        "ch02/figures/f.png": "",
    }))
    VALID.append(Example({  # two notebooks fill the same cache only when it is missing
        "a.ipynb": ["import requests\nfrom pathlib import Path",
                    "p = Path('data/img.jpg')\nif not p.is_file():\n    with open(p, 'wb') as f:\n"
                    "        f.write(requests.get('https://example.org/v1/img.jpg').content)"],
        "b.py": "import os\nimport requests\n\npath = 'data/img.jpg'\nif os.path.exists(path):\n    print('cached')\n"
                "else:\n    with open(path, 'wb') as f:\n        f.write(requests.get('https://example.org/v1/img.jpg').content)\n",
    }))
    VALID.append(Example({  # two notebooks download the same dataset to the same local copy
        "a.ipynb": ["import urllib.request\nurllib.request.urlretrieve('https://example.org/housing.tgz', 'housing.tgz')"],
        "b.ipynb": ["import urllib.request\nurllib.request.urlretrieve('https://example.org/housing.tgz', 'housing.tgz')"],
    }))
    INVALID = [
        Example({
            "train.py": "import joblib\nfrom sklearn.linear_model import LogisticRegression\n"
                        "joblib.dump(LogisticRegression().fit([[0], [1]], [0, 1]), 'models/clf.joblib')\n",
            "notebooks/retrain.ipynb": ["import joblib\nfrom sklearn.tree import DecisionTreeClassifier",
                                        "clf = DecisionTreeClassifier().fit([[0], [1]], [0, 1])\n"
                                        "joblib.dump(clf, '../models/clf.joblib')"],
        }, expect=2),
    ]

    def check(self, project):
        graph = project.graph
        for artifact in graph.artifacts():
            if graph.kind(artifact) not in DATA_KINDS or artifact.endswith(LOG_SUFFIXES):
                continue
            first: dict[str, dict] = {}
            for unit, data in graph.writers_of(artifact):
                first.setdefault(unit, data)
            if len(first) < 2 or self.sequenced(graph, artifact, set(first)):
                continue
            if all(data.get("api", "").split(" via ")[0] in kb.DOWNLOAD_APIS for data in first.values()):
                continue  # each downloads the same remote file to a local copy: same bytes, no conflict
            if all(d.get("guarded") for _, d in graph.writers_of(artifact)):
                continue  # every writer only fills it when it is missing (a cache): the first one wins, once
            if len({d.get("downloaded_from", "") for _, d in graph.writers_of(artifact)} - {""}) == 1 and \
                    all(d.get("downloaded_from") for _, d in graph.writers_of(artifact)):
                continue  # each writes what one URL returns (`f.write(requests.get(URL).content)`): same bytes
            if len({_twin_key(unit) for unit in first}) == 1:
                continue  # a notebook and its own .py export (nbconvert/jupytext) are one unit
            for unit, data in first.items():
                others = sorted(u for u in first if u != unit)
                message = (f"writes {artifact}, which {names([where(u, first[u]) for u in others])} also "
                           f"write{'s' if len(others) == 1 else ''}: "
                           f"whichever runs last decides what every reader gets; give each writer its own output "
                           f"or keep a single producer")
                sites = [related(u, first[u], f"{artifact} also written here") for u in others]
                yield project.finding(self, unit, edge_pos(project, unit, data), message, sites)

    @staticmethod
    def sequenced(graph, artifact: str, writers: set[str]) -> bool:
        """One declared stage runs every writer in order and declares the artifact as its output."""
        return any(writers <= graph.declarations_of_unit(p) for p in graph.declarations_of(artifact, "out"))


def _twin_key(unit: str) -> str:
    """`ch02/x.ipynb` and `ch02/x.py` share a key: the notebook and the script exported from it."""
    return unit[:-6] if unit.endswith(".ipynb") else unit[:-3] if unit.endswith(".py") else unit
