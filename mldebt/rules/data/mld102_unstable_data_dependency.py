"""MLD102 unstable-data-dependency."""

from __future__ import annotations

import ast
import functools
import posixpath
import re

from mldebt import knowledge as kb
from mldebt.facts.pathexpr import evaluate
from mldebt.rules.base import Example, ProjectRule
from mldebt.rules.graph_sites import edge_pos, reported_reads

REMOTE_SCHEMES = ("http://", "https://", "s3://", "s3a://", "gs://", "gcs://", "az://", "abfs://", "abfss://",
                  "wasb://", "wasbs://", "hdfs://", "ftp://")
LOCAL_HOSTS = re.compile(r"^[a-z]+://(localhost|127\.0\.0\.1|0\.0\.0\.0)([:/]|$)", re.I)
# Service endpoints asked whether a service is up (or how it is doing), not for data: `GET /health`.
SERVICE_PROBE = re.compile(r"^https?://[^?#]*/(health|healthz|healthcheck|health-check|ping|ready|readyz|"
                           r"readiness|livez|liveness|alive|heartbeat|status|metrics|version)/?([?#].*)?$", re.I)
# A segment that pins the content: a date, a version, an object version id, a commit or content hash.
_DATE = r"(?<!\d)(?:19|20)\d{2}[-_/.]?(?:0[1-9]|1[0-2])(?:[-_/.]?(?:0[1-9]|[12]\d|3[01]))?(?!\d)"
_VERSION = r"(?<![a-z])v\d+(?:\.\d+)*(?![a-z])|\bversion[-_=]?\d|versionid=|[?&#](?:generation|rev|revision)=|#\d{6,}"
_HASH = r"(?<![0-9a-z])(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,64}(?![0-9a-z])"
PINNED = re.compile(f"{_DATE}|{_VERSION}|{_HASH}", re.I)
# Words of a variable name that say its value pins the content (`RUN_ID`, `model_version`, `git_sha`).
_PINNING_WORDS = frozenset({"version", "commit", "sha", "hash", "revision", "tag"})
# MLflow registry URIs: `models:/name/<version or stage>` and `models:/name@alias`.
_REGISTRY = re.compile(r"^models:/(?P<name>[^/@]+)(?:/(?P<stage>[^/]+)|@(?P<alias>.+))$")


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


@functools.lru_cache(maxsize=4096)  # artifacts and folder names repeat across read sites
def unstable_word(name: str) -> str | None:
    """The first word of the name that means "whatever is there now" (`latest`, `current`...)."""
    return next((word for word in _words(name) if word in kb.UNSTABLE_NAME_WORDS), None)


def pinning_variable(text: str) -> str | None:
    """A variable in the path expression as written whose name says it pins the content:
    `f"s3://bucket/1/{RUN_ID}/artifacts/model"`, `base + "/" + args.model_version`."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return None
    for node in ast.walk(tree):
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else \
            node.slice.value if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and \
            isinstance(node.slice.value, str) else None
        words = _words(name or "")
        if _PINNING_WORDS.intersection(words) or any(a == "run" and b == "id" for a, b in zip(words, words[1:])):
            return name
    return None


def as_written(unit: str, artifact: str) -> str:
    """The artifact without the folders it shares with the reading unit: a notebook in `notebooks_v1/`
    reading `items-latest.json` wrote `items-latest.json`, and its folder's `v1` pins nothing."""
    folders = [f for f in posixpath.dirname(unit).split("/") if f]
    parts = artifact.split("/")
    shared = 0
    while shared < len(folders) and shared < len(parts) - 1 and parts[shared] == folders[shared]:
        shared += 1
    return "/".join(parts[shared:])


def registry_reason(uri: str) -> str | None:
    """Why loading an MLflow registry URI is unstable: a stage or alias instead of a version number."""
    match = _REGISTRY.match(uri)
    if not match:
        return None
    moving = match.group("alias") or match.group("stage")
    if not moving or moving.isdigit() or "*" in moving:
        return None
    kind = "alias" if match.group("alias") else "stage"
    return (f"loads {uri}, the registry {kind} `{moving}` of model {match.group('name')}: it resolves to "
            f"whichever version holds that {kind} when the code runs, so a promotion in the registry changes "
            f"this model with no code change; load a version number (`models:/{match.group('name')}/3`)")


class UnstableDataDependency(ProjectRule):
    """A read from a source that can change under you, with nothing pinning its version.

    ## What it flags
    Reads (`pd.read_csv`, `requests.get`, `joblib.load`, `spark.read`, SQL queries...) of:
    `http(s)://` URLs and object-store URIs (`s3://`, `gs://`, `abfs://`...) with no version in them;
    local paths, model paths and table names containing the words `latest`, `current`, `live` or
    `newest` (`data/latest/train.csv`, `model_current.pkl`, `sales_live`); MLflow registry URIs that
    name a stage or alias instead of a version (`models:/churn/Production`, `models:/churn/latest`,
    `models:/churn@champion`); SQL reads of such tables with no as-of predicate. Paths and URIs are
    judged after mldebt resolved them, so a URL kept in a YAML config or a constant of another module is
    seen too; a local path is judged as the code writes it, without the folders it shares with the
    reading notebook or script (a notebook in `notebooks_v1/` reading `items-latest.json` is flagged).
    One finding per read site.

    ## Why it is debt
    Sculley et al. §3, "Unstable Data Dependencies": an input whose content changes without notice
    (another team's live table, a file someone overwrites, a URL that serves the newest export) changes
    the model's behaviour with no code change, and makes yesterday's results impossible to reproduce.

    ## Example
    `df = pd.read_csv("https://example.com/exports/customers.csv")` in a training notebook.

    ## Fix
    Read a frozen copy: a dated or versioned path (`data/2024-05-01/train.csv`, `.../v3/...`), an
    object version id (`?versionId=...`), a commit-pinned URL, a DVC-tracked file, or an SQL query
    with `AS OF` / `FOR SYSTEM_TIME AS OF` / a filter on a literal date.

    ## Limits
    A path, URL or segment that contains a date, a version (`v2`, `version=3`, `versionId=`) or a hash
    counts as pinned, whatever it really points at, and so does a path built from a variable whose name
    says it pins the content (`f"s3://bucket/1/{RUN_ID}/artifacts/model"`: names with `run_id`,
    `version`, `commit`, `sha`, `hash`, `revision` or `tag`); DVC-tracked paths (a `.dvc` file or a
    dvc.yaml out) count as versioned. `localhost` URLs are left alone, and so are service checks
    (`/health`, `/ping`, `/ready`, `/status`, `/metrics`...), which read no data. mldebt cannot see whether an unpinned
    URL serves immutable content, nor which SQL tables are append-only; plain table reads are only
    judged when `flag-unpinned-sql` is on.

    ## Options
    `flag-unpinned-sql` (default false): also flag every SQL table read with no as-of predicate,
    not only tables whose names say `latest`/`current`/`live`/`newest`.
    """

    id = "MLD102"
    name = "unstable-data-dependency"
    family = "data-dependencies"
    severity = "warning"
    options = {"flag-unpinned-sql": False}

    VALID = [
        Example('import pandas as pd\ndf = pd.read_csv("data/2024-05-01/train.csv")\n'
                'old = pd.read_csv("https://example.com/exports/v3/customers.csv")\n'
                'snap = pd.read_parquet("s3://bucket/train.parquet?versionId=3HL4kqtJlcpXroDTDmJ")\n'
                'ref = pd.read_csv("https://raw.githubusercontent.com/org/data/4f2a9c1e/iris.csv")\n'),
        Example({  # a DVC-tracked path is versioned, whatever its name says
            "train.py": 'import pandas as pd\ndf = pd.read_csv("data/latest.csv")\nprint(df.shape)\n',
            "data/latest.csv.dvc": "outs:\n- md5: 1a2b3c\n  path: latest.csv\n",
        }),
        Example(['import pandas as pd\nimport sqlalchemy\nengine = sqlalchemy.create_engine("sqlite:///x.db")',
                 "df = pd.read_sql(\"SELECT * FROM sales_current FOR SYSTEM_TIME AS OF '2024-05-01'\", engine)",
                 'api = pd.read_json("http://localhost:8000/stats")']),
        Example('import os\nimport mlflow\nimport pandas as pd\nRUN_ID = os.environ["RUN_ID"]\n'
                'model = mlflow.pyfunc.load_model(f"s3://bucket/1/{RUN_ID}/artifacts/model")\n'
                'churn = mlflow.pyfunc.load_model("models:/churn/3")\n'
                'preds = pd.read_parquet(f"gs://team/preds/{args.model_version}/part.parquet")\n',
                note="pinned by a run id or version variable, a registry version number"),
    ]
    INVALID = [
        Example(['import pandas as pd', 'df = pd.read_csv("https://example.com/exports/customers.csv")\ndf.head()'],
                expect=1),
        Example({  # a URL kept in a config file, and a "latest" model path from a constants module
            "config.yaml": "data:\n  source: s3://team-bucket/events/part.parquet\n",
            "paths.py": 'MODEL = "models/clf_latest.joblib"\n',
            "score.py": 'import joblib\nimport pandas as pd\nimport yaml\nfrom paths import MODEL\n'
                        'cfg = yaml.safe_load(open("config.yaml"))\nevents = pd.read_parquet(cfg["data"]["source"])\n'
                        'model = joblib.load(MODEL)\nprint(model.predict(events))\n',
        }, expect=2),
        Example('import pandas as pd\nimport sqlalchemy\nengine = sqlalchemy.create_engine("sqlite:///x.db")\n'
                'df = pd.read_sql("SELECT id, amount FROM transactions_live", engine)\nprint(df)\n', expect=1),
        Example({"notebooks_v1/explore.ipynb": ["import pandas as pd\nitems = pd.read_json('items-latest.json')"]},
                expect=1, note="the notebook's folder name pins nothing"),
        Example('import mlflow\nprod = mlflow.pyfunc.load_model("models:/churn/Production")\n'
                'champion = mlflow.sklearn.load_model("models:/churn@champion")\n', expect=2),
    ]

    def check(self, project):
        graph = project.graph
        all_sql = bool(project.options.get("flag-unpinned-sql"))
        for artifact in reported_reads(project):
            kind = graph.kind(artifact)
            for unit, data in graph.readers_of(artifact):
                if not project.reports(unit):
                    continue  # the finding would be located in a file this run does not show
                facts = project.facts.get(unit)
                index = data.get("event")
                event = facts.io[index] if facts and isinstance(index, int) and index < len(facts.io) else None
                reason = self.reason(graph, artifact, kind, event, all_sql, unit)
                if reason:
                    yield project.finding(self, unit, edge_pos(project, unit, data), reason)

    @staticmethod
    def reason(graph, artifact: str, kind: str, event, all_sql: bool, unit: str = "") -> str | None:
        """Why reading `artifact` is unstable, or None when it is pinned."""
        if kind == "table":
            table = artifact[len("table:"):]
            if event is not None and event.as_of:
                return None
            word = unstable_word(table)
            if word:
                return (f"reads table {table}, whose name says `{word}`, with no as-of predicate: the rows "
                        f"change under the model between runs; query a snapshot (`AS OF`, a dated partition)")
            if all_sql:
                return (f"reads table {table} from a live database with no as-of predicate: reruns train on "
                        f"different rows; query a snapshot (`AS OF`, `FOR SYSTEM_TIME`, a date filter)")
            return None
        written = event.text if event is not None else ""
        if kind == "model" and artifact.startswith("model:"):
            name = written.strip("\"'") or artifact
            if event is not None and event.expr is not None:  # the graph keeps only the model's name
                value = evaluate(event.expr, lambda *_: None, unit, lambda _: None)
                name = value if isinstance(value, str) else name
            if name.startswith("models:/"):
                return registry_reason(name)
            judged = name
        elif kind in ("file", "model", "url", "pattern"):
            name = artifact
            judged = name if "://" in name else as_written(unit, name)
        else:
            return None
        if kind == "url" and SERVICE_PROBE.match(name):
            return None  # a health or status check reads no data the model depends on
        word = unstable_word(judged)
        remote = name.lower().startswith(REMOTE_SCHEMES) and not LOCAL_HOSTS.match(name)
        if not word and not remote:
            return None  # a local path whose name says nothing: no pin to look for (most reads end here)
        if PINNED.search(judged) or PINNED.search(written) or (kind != "url" and graph.is_tracked(artifact)):
            return None
        if not word and pinning_variable(written):
            return None
        if remote:
            return (f"reads {name}, a remote source with no version pinned: its content can change under "
                    f"you, changing the model with no code change; read a versioned or dated copy "
                    f"(object version id, commit-pinned URL, DVC-tracked file)")
        if "://" in name:
            return None
        if word:
            return (f"reads {name}, whose name says `{word}`: it holds whatever was written last, so reruns "
                    f"silently see different data; read a dated or versioned path, or track it with DVC")
        return None
