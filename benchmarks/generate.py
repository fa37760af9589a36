"""Generate a realistic synthetic ML project of about N code files, deterministically from a seed.

The project looks like the repositories mldebt is written for: pipeline folders where a script ingests a
raw CSV, a notebook builds features, a script trains a model from `params.yaml` and saves it with joblib,
and notebooks evaluate and explore (with executed outputs: tables, logs and base64 PNG plots); a helper
module of path constants that the scripts import; data flowing between files through CSV, parquet and
joblib files, also across pipelines; a `dvc.yaml` that declares a part of the pipelines; shared utility
modules and tests.

    python benchmarks/generate.py /tmp/proj --files 2000 --seed 0

The same (files, seed) always produces byte-identical files, so timings from different runs and
machines are about the same inputs.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import shutil
import struct
import zlib
from pathlib import Path

PACKAGE = "churnlab"
ESTIMATORS = [
    ("sklearn.ensemble", "RandomForestClassifier", "n_estimators", "max_depth"),
    ("sklearn.ensemble", "GradientBoostingClassifier", "n_estimators", "learning_rate"),
    ("sklearn.linear_model", "LogisticRegression", "C", "max_iter"),
    ("sklearn.svm", "SVC", "C", "gamma"),
    ("sklearn.neighbors", "KNeighborsClassifier", "n_neighbors", "leaf_size"),
]
DOMAINS = ["events", "orders", "sessions", "payments", "clicks", "tickets", "devices", "accounts", "reviews",
           "shipments", "invoices", "signups"]
COLUMNS = ["age", "tenure", "spend", "visits", "country", "plan", "device", "channel", "latency", "score",
           "discount", "returns", "region", "segment", "basket", "rating"]
# Files per pipeline group: __init__.py, ingest.py, clean.py, train.py, report.py, tests/test_<g>.py,
# features.ipynb, evaluate.ipynb, explore.ipynb; plus SHARED_FILES helper modules once
GROUP_FILES = 9
SHARED_FILES = 9


# ----------------------------------------------------------------------------------------------- images
def _png(width: int, height: int, noise_rows: int, rng: random.Random) -> bytes:
    """A valid RGB PNG: a white plot area with a drawn curve and `noise_rows` rows of scatter noise
    (noise makes the file as large as real matplotlib output, which is full of anti-aliased text)."""
    rows = []
    curve = [int(height / 2 + (height / 3) * ((i * 7919 + rng.randrange(97)) % 200 - 100) / 100)
             for i in range(0, width, 8)]
    for y in range(height):
        if y < noise_rows:
            rows.append(b"\x00" + rng.randbytes(width * 3))
            continue
        row = bytearray(b"\xff" * (width * 3))
        for i, cy in enumerate(curve):
            if cy == y:
                x = i * 8
                row[x * 3:x * 3 + 24] = b"\x1f\x77\xb4" * 8
        rows.append(b"\x00" + bytes(row))
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def image_pool(rng: random.Random, size: int = 24) -> list[str]:
    """Base64 PNGs from ~4 KB to ~60 KB (a pool reused across notebooks keeps generation fast)."""
    pool = []
    for i in range(size):
        noise = rng.choice([0, 4, 10, 16, 24])
        pool.append(base64.b64encode(_png(432, 288, noise, rng)).decode("ascii"))
    return pool


# ----------------------------------------------------------------------------------------------- notebooks
def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


class NotebookWriter:
    def __init__(self, rng: random.Random, images: list[str]):
        self.rng = rng
        self.images = images
        self.count = 0

    def code(self, source: str, outputs: list[dict] | None = None) -> dict:
        self.count += 1
        return {"cell_type": "code", "execution_count": self.count, "id": f"c{self.rng.randrange(16 ** 8):08x}",
                "metadata": {}, "outputs": outputs or [], "source": _lines(source.strip("\n"))}

    def markdown(self, text: str) -> dict:
        return {"cell_type": "markdown", "id": f"m{self.rng.randrange(16 ** 8):08x}", "metadata": {},
                "source": _lines(text.strip("\n"))}

    def stream(self, text: str) -> dict:
        return {"name": "stdout", "output_type": "stream", "text": _lines(text)}

    def table(self, columns: list[str], rows: int) -> dict:
        rng = self.rng
        header = "<tr>" + "".join(f"<th>{c}</th>" for c in columns) + "</tr>"
        body = "".join("<tr>" + "".join(f"<td>{rng.random() * 100:.3f}</td>" for _ in columns) + "</tr>\n"
                       for _ in range(rows))
        plain = "  ".join(columns) + "\n" + "\n".join(
            "  ".join(f"{rng.random() * 100:8.3f}" for _ in columns) for _ in range(rows))
        return {"data": {"text/html": _lines(f"<table border=\"1\" class=\"dataframe\">\n<thead>{header}</thead>\n"
                                              f"<tbody>\n{body}</tbody>\n</table>"),
                         "text/plain": _lines(plain)},
                "execution_count": self.count, "metadata": {}, "output_type": "execute_result"}

    def image(self) -> dict:
        return {"data": {"image/png": self.rng.choice(self.images), "text/plain": ["<Figure size 432x288 with 1 Axes>"]},
                "metadata": {"needs_background": "light"}, "output_type": "display_data"}

    def document(self, cells: list[dict]) -> str:
        doc = {"cells": cells,
               "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                            "language_info": {"name": "python", "version": "3.10.12"}},
               "nbformat": 4, "nbformat_minor": 5}
        return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


# ----------------------------------------------------------------------------------------------- project
class Generator:
    def __init__(self, root: Path, files: int, seed: int):
        self.root = root
        self.rng = random.Random(seed)
        self.groups = max(1, round((files - SHARED_FILES) / GROUP_FILES))
        self.images = image_pool(random.Random(seed + 1))
        self.written = 0

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if rel.endswith((".py", ".ipynb")):
            self.written += 1

    def name(self, g: int) -> str:
        return f"g{g:04d}_{DOMAINS[g % len(DOMAINS)]}"

    def columns(self, g: int, k: int = 5) -> list[str]:
        return random.Random(g * 31 + 7).sample(COLUMNS, k)

    def estimator(self, g: int) -> tuple[str, str, str, str]:
        return ESTIMATORS[g % len(ESTIMATORS)]

    # -------------------------------------------------------------- shared files
    def shared(self) -> None:
        self.write("pyproject.toml", f'[project]\nname = "{PACKAGE}"\nversion = "0.3.0"\nrequires-python = ">=3.10"\n'
                   'dependencies = ["pandas", "pyarrow", "scikit-learn", "joblib", "pyyaml", "matplotlib"]\n')
        self.write(".gitignore", "data/\nmodels/\n__pycache__/\n.ipynb_checkpoints/\n")
        self.write("pipelines/__init__.py", '"""One package per product line."""\n')
        self.write(f"src/{PACKAGE}/__init__.py", f'"""{PACKAGE}: churn models for many product lines."""\n\n'
                   '__version__ = "0.3.0"\n')
        constants = ['"""Where data and models live; every pipeline imports its paths from here."""', "",
                     "from pathlib import Path", "",
                     "ROOT = Path(__file__).resolve().parent.parent.parent",
                     'DATA_DIR = ROOT / "data"', 'RAW_DIR = DATA_DIR / "raw"', 'INTERIM_DIR = DATA_DIR / "interim"',
                     'FEATURES_DIR = DATA_DIR / "features"', 'MODELS_DIR = ROOT / "models"',
                     'REPORTS_DIR = ROOT / "reports"', 'PARAMS_FILE = ROOT / "params.yaml"', ""]
        self.write(f"src/{PACKAGE}/paths.py", "\n".join(constants))
        self.write(f"src/{PACKAGE}/io.py", f'''"""Small I/O helpers shared by the pipelines."""

from pathlib import Path

import pandas as pd
import yaml

from {PACKAGE}.paths import PARAMS_FILE


def load_params(section: str) -> dict:
    """The `section` table of params.yaml."""
    with open(PARAMS_FILE) as handle:
        return yaml.safe_load(handle)[section]


def ensure_dir(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def read_frame(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path)
''')
        self.write(f"src/{PACKAGE}/metrics.py", '''"""Metrics used in every evaluation notebook."""

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score


def summary(y_true, y_pred, y_score=None) -> dict:
    out = {
        "precision": precision_score(y_true, y_pred),
        "recall": recall_score(y_true, y_pred),
        "f1": f1_score(y_true, y_pred),
    }
    if y_score is not None:
        out["auc"] = roc_auc_score(y_true, y_score)
    return out


def lift(y_true, y_score, quantile=0.1):
    order = np.argsort(-np.asarray(y_score))
    top = order[: max(1, int(len(order) * quantile))]
    return np.asarray(y_true)[top].mean() / max(np.asarray(y_true).mean(), 1e-9)
''')
        for i, util in enumerate(["plotting", "schema", "sampling", "text"]):
            self.write(f"src/{PACKAGE}/{util}.py", self.util_module(util, i))

    def util_module(self, name: str, i: int) -> str:
        rng = random.Random(i)
        funcs = []
        for k in range(6):
            cols = rng.sample(COLUMNS, 3)
            funcs.append(f'''
def {name}_step_{k}(frame, threshold={rng.randint(1, 9) / 10}):
    """Step {k} of the {name} helpers: filter on {cols[0]} and derive {cols[1]}_{cols[2]}."""
    frame = frame.copy()
    mask = frame["{cols[0]}"].fillna(0) > threshold
    frame.loc[mask, "{cols[1]}_{cols[2]}"] = frame["{cols[1]}"] * frame["{cols[2]}"]
    for column in {cols!r}:
        if column not in frame:
            continue
        frame[column] = frame[column].astype("float32")
    return frame
''')
        return f'"""{name.title()} helpers."""\n\nimport numpy as np\nimport pandas as pd\n' + "".join(funcs)

    def params(self) -> None:
        lines = []
        for g in range(self.groups):
            _, _, p1, p2 = self.estimator(g)
            rng = random.Random(g)
            lines += [f"{self.name(g)}:", f"  {p1}: {rng.choice([10, 50, 100, 200, 300])}",
                      f"  {p2}: {rng.choice([2, 3, 5, 8])}", f"  test_size: {rng.choice([0.2, 0.25, 0.3])}",
                      f"  seed: {rng.randrange(1000)}"]
        self.write("params.yaml", "\n".join(lines) + "\n")

    def dvc(self) -> None:
        """dvc.yaml declares the ingest and train stages of the first third of the pipelines."""
        lines = ["stages:"]
        for g in range(max(1, self.groups // 3)):
            n = self.name(g)
            lines += [f"  ingest_{n}:", f"    cmd: python pipelines/{n}/ingest.py",
                      "    deps:", f"      - pipelines/{n}/ingest.py", f"      - data/raw/{n}.csv",
                      "    outs:", f"      - data/interim/{n}.parquet",
                      f"  train_{n}:", f"    cmd: python pipelines/{n}/train.py",
                      "    deps:", f"      - pipelines/{n}/train.py", f"      - data/features/{n}.parquet",
                      "    params:", f"      - {n}", "    outs:", f"      - models/{n}.joblib"]
        self.write("dvc.yaml", "\n".join(lines) + "\n")

    # -------------------------------------------------------------- one pipeline group
    def group(self, g: int) -> None:
        n = self.name(g)
        base = f"pipelines/{n}"
        cols = self.columns(g)
        module, cls, p1, p2 = self.estimator(g)
        other = self.name((g - 1) % self.groups)
        self.write(f"{base}/__init__.py", "")
        self.write(f"{base}/clean.py", f'''"""Cleaning steps of the {n} pipeline."""

import numpy as np
import pandas as pd

NUMERIC = {cols[:3]!r}
CATEGORICAL = {cols[3:]!r}


def drop_outliers(frame: pd.DataFrame, z: float = 4.0) -> pd.DataFrame:
    keep = np.ones(len(frame), dtype=bool)
    for column in NUMERIC:
        values = frame[column]
        keep &= (values - values.mean()).abs() <= z * values.std()
    return frame[keep]


def encode(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.get_dummies(frame, columns=CATEGORICAL, dummy_na=True)


def clean(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.drop_duplicates()
    frame = drop_outliers(frame)
    return encode(frame)
''' + self.util_module("clean", g).split("import pandas as pd\n", 1)[1])
        self.write(f"{base}/ingest.py", f'''"""Ingest raw {DOMAINS[g % len(DOMAINS)]} for {n}: raw CSV -> cleaned parquet."""

import logging

import pandas as pd

from {PACKAGE}.paths import INTERIM_DIR, RAW_DIR
from pipelines.{n}.clean import clean

log = logging.getLogger(__name__)


def main() -> None:
    raw = pd.read_csv(RAW_DIR / "{n}.csv", parse_dates=["timestamp"])
    log.info("read %d rows", len(raw))
    frame = clean(raw)
    frame["label"] = (frame["{cols[0]}"] > frame["{cols[0]}"].median()).astype(int)
    INTERIM_DIR.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(INTERIM_DIR / "{n}.parquet", index=False)
    log.info("wrote %d rows", len(frame))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
''')
        self.write(f"{base}/train.py", f'''"""Train the {n} model from its features and params.yaml."""

import json

import joblib
import pandas as pd
import yaml
from {module} import {cls}
from sklearn.model_selection import train_test_split

from {PACKAGE}.paths import FEATURES_DIR, MODELS_DIR, REPORTS_DIR


def load_params():
    with open("params.yaml") as handle:
        return yaml.safe_load(handle)["{n}"]


def main() -> None:
    params = load_params()
    features = pd.read_parquet(FEATURES_DIR / "{n}.parquet")
    extra = pd.read_parquet(FEATURES_DIR / "{other}.parquet")
    frame = features.merge(extra, on="customer_id", how="left", suffixes=("", "_other"))
    X = frame.drop(columns=["label", "customer_id"])
    y = frame["label"]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=params["test_size"], random_state=params["seed"])
    model = {cls}({p1}=params["{p1}"], {p2}=params["{p2}"])
    model.fit(X_train, y_train)
    score = model.score(X_test, y_test)
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, MODELS_DIR / "{n}.joblib")
    with open(REPORTS_DIR / "{n}_train.json", "w") as handle:
        json.dump({{"accuracy": score, "rows": len(frame)}}, handle)


if __name__ == "__main__":
    main()
''')
        self.write(f"{base}/report.py", f'''"""Weekly report for {n}: predictions CSV -> summary CSV."""

import argparse
import sys

import pandas as pd


def summarise(predictions: pd.DataFrame) -> pd.DataFrame:
    grouped = predictions.groupby("{cols[3]}")
    return grouped.agg(rate=("prediction", "mean"), n=("prediction", "size")).reset_index()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="reports/{n}_summary.csv")
    args = parser.parse_args(argv)
    predictions = pd.read_csv("data/predictions/{n}.csv")
    summary = summarise(predictions)
    summary.to_csv(args.out, index=False)
    print(summary.to_string(), file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
''')
        self.write(f"tests/test_{n}.py", f'''import pandas as pd
import pytest

from pipelines.{n}.clean import clean, drop_outliers


@pytest.fixture
def frame():
    return pd.DataFrame({{{", ".join(f'"{c}": [1, 2, 3, 400]' for c in cols)}}})


def test_drop_outliers_keeps_normal_rows(frame):
    assert len(drop_outliers(frame, z=1.0)) <= len(frame)


def test_clean_is_idempotent(frame):
    once = clean(frame)
    assert len(clean(once)) <= len(once)
''')
        self.features_notebook(g, base, cols)
        self.evaluate_notebook(g, base, cols)
        self.explore_notebook(g, base, cols)

    def features_notebook(self, g: int, base: str, cols: list[str]) -> None:
        n = self.name(g)
        nb = NotebookWriter(self.rng, self.images)
        cells = [
            nb.markdown(f"# Features for {n}\nReads the cleaned parquet, writes model features."),
            nb.code("%load_ext autoreload\n%autoreload 2"),
            nb.code("import numpy as np\nimport pandas as pd\nimport matplotlib.pyplot as plt\n%matplotlib inline"),
            nb.code(f'df = pd.read_parquet("../../data/interim/{n}.parquet")\ndf.head()',
                    [nb.table(cols, 5)]),
            nb.code("df.describe()", [nb.table(cols, 8)]),
        ]
        for i, column in enumerate(cols[:3]):
            cells.append(nb.code(f'df["{column}_log"] = np.log1p(df["{column}"].clip(lower=0))\n'
                                 f'df["{column}_rank"] = df["{column}"].rank(pct=True)'))
            if i == 0 or self.rng.random() < 0.4:
                cells.append(nb.code(f'df["{column}_log"].hist(bins=50)\nplt.title("{column}")', [nb.image()]))
        cells.append(nb.code(f'features = df.drop(columns=["timestamp"])\n'
                             f'features.to_parquet("../../data/features/{n}.parquet", index=False)\n'
                             f'print(features.shape)', [nb.stream(f"({self.rng.randrange(10 ** 5)}, 14)\n")]))
        self.write(f"{base}/features.ipynb", nb.document(cells))

    def evaluate_notebook(self, g: int, base: str, cols: list[str]) -> None:
        n = self.name(g)
        nb = NotebookWriter(self.rng, self.images)
        cells = [
            nb.markdown(f"# Evaluate {n}"),
            nb.code("import joblib\nimport pandas as pd\nimport matplotlib.pyplot as plt\n"
                    f"from {PACKAGE}.metrics import summary, lift"),
            nb.code(f'model = joblib.load("../../models/{n}.joblib")\n'
                    f'holdout = pd.read_csv("../../data/raw/{n}_holdout.csv")\n'
                    'X = holdout.drop(columns=["label", "customer_id"])'),
            nb.code('holdout["prediction"] = model.predict(X)\nholdout["score"] = model.predict_proba(X)[:, 1]\n'
                    'summary(holdout["label"], holdout["prediction"], holdout["score"])',
                    [{"data": {"text/plain": [(f"{{'precision': {self.rng.random():.3f}, 'recall': "
                                               f"{self.rng.random():.3f}}}")]},
                      "execution_count": nb.count, "metadata": {}, "output_type": "execute_result"}]),
            nb.code('fig, ax = plt.subplots()\nax.hist(holdout["score"], bins=40)\n'
                    f'fig.savefig("../../reports/{n}_scores.png")', [nb.image()]),
            nb.code(f'holdout[["customer_id", "prediction", "score"]].to_csv("../../data/predictions/{n}.csv", '
                    'index=False)'),
        ]
        self.write(f"{base}/evaluate.ipynb", nb.document(cells))

    def explore_notebook(self, g: int, base: str, cols: list[str]) -> None:
        n = self.name(g)
        nb = NotebookWriter(self.rng, self.images)
        cells = [nb.markdown(f"# Exploring {n}\nScratch analysis; not part of the pipeline."),
                 nb.code("!pip install seaborn\nimport pandas as pd\nimport seaborn as sns"),
                 nb.code(f'raw = pd.read_csv("../../data/raw/{n}.csv")\nraw.info()',
                         [nb.stream("<class 'pandas.core.frame.DataFrame'>\n" +
                                    "".join(f" {i}  {c}  non-null  float64\n" for i, c in enumerate(cols)))])]
        for i in range(self.rng.randint(4, 14)):
            a, b = self.rng.sample(cols, 2)
            kind = self.rng.random()
            if kind < 0.35:
                cells.append(nb.code(f'sns.scatterplot(data=raw, x="{a}", y="{b}")', [nb.image()]))
            elif kind < 0.7:
                cells.append(nb.code(f'raw.groupby("{a}")["{b}"].agg(["mean", "std", "count"])',
                                     [nb.table(["mean", "std", "count"], self.rng.randint(3, 20))]))
            elif kind < 0.85:
                cells.append(nb.markdown(f"The {a} distribution is skewed; {b} looks fine."))
            else:
                cells.append(nb.code(f'corr = raw[["{a}", "{b}"]].corr()\nprint(corr)',
                                     [nb.stream(f"{a}  1.0  {self.rng.random():.3f}\n")]))
        if self.rng.random() < 0.3:
            cells.append(nb.code(f'raw.sample(frac=0.1).to_csv("../../data/raw/{n}_sample.csv")'))
        self.write(f"{base}/explore.ipynb", nb.document(cells))

    def run(self) -> int:
        self.shared()
        self.params()
        self.dvc()
        for g in range(self.groups):
            self.group(g)
        return self.written


def generate(root: Path, files: int, seed: int = 0, clean: bool = True) -> int:
    """Write the project under `root` (emptied first when `clean`); returns the number of code files."""
    if clean and root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    return Generator(root, files, seed).run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--files", type=int, default=2000, help="approximate number of .py + .ipynb files")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    count = generate(args.root, args.files, args.seed)
    print(f"wrote {count} code files under {args.root}")


if __name__ == "__main__":
    main()
