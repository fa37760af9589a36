"""MLD304 undefined-config-key."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from mldebt import knowledge as kb
from mldebt.facts.model import Finding
from mldebt.rules.base import Example, ProjectContext, ProjectRule
from mldebt.rules.config.project_config import (ResolvedRead, env_definitions, is_env_file, locate,
                                                project_config_reads, shared_config_docs, shared_project_files)

MAX_KEYS_LISTED = 6


def walk(doc: Any, keys: tuple) -> tuple[int | None, Any]:
    """(index of the first key `doc` lacks or None when the whole path exists, the deepest value reached)."""
    value = doc
    for i, key in enumerate(keys):
        if isinstance(value, dict):
            by_text = {str(k): v for k, v in value.items()}
            if key in value or str(key) in by_text:
                value = value[key] if key in value else by_text[str(key)]
                continue
            return i, value
        if isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
            value = value[key]
            continue
        return i, value
    return None, value


def _dotted(keys: tuple) -> str:
    return ".".join(str(k) for k in keys) or "(top level)"


class UndefinedConfigKey(ProjectRule):
    """Code reads a config key or an environment variable that nothing in the project defines.

    ## What it flags
    - A constant-key read of a loaded config document (`params["train"]["lr"]` after
      `params = yaml.safe_load(open("params.yaml"))`, also JSON, TOML, OmegaConf and
      `dvc.api.params_show()`) whose key path is missing from that file. Reported at the read;
      `related` points at the deepest part of the path the file does have.
    - `os.environ["NAME"]` (which raises `KeyError` when unset) where `NAME` is set nowhere in the
      project: not in a `.env` file (`.env.example` counts as a declaration), a Dockerfile `ENV`/`ARG`,
      a `docker-compose`/CI/Kubernetes YAML `env:`/`environment:`/`variables:` block, a shell script or
      Makefile `export`, a `tox.ini`-style `KEY=value` line, nor by code (`os.environ["NAME"] = ...`,
      `os.environ.setdefault`, `os.environ.update`, `monkeypatch.setenv`).

    Not flagged: env vars read with a default (`os.getenv("X", "a")`, `os.environ.get("X")`, which
    returns None); well-known variables set by the OS, CI systems, clusters and ML platforms (`HOME`,
    `CUDA_VISIBLE_DEVICES`, `AWS_*`, `SLURM_*`, `MLFLOW_*`, ... see `knowledge.WELL_KNOWN_ENV_VARS`); any
    env var when the project loads a `.env` file (python-dotenv, environs, decouple) but none is
    committed, since it is then deliberately kept out of the repository; config keys read with `.get`;
    keys under dynamic access (`cfg[stage]["lr"]`, a config passed into a function, iteration); keys
    the code itself sets (`cfg["device"] = "cuda"`, `cfg.setdefault(...)`, `cfg.update(...)` make every
    key of that document defined); config files that the project writes at run time (metrics, reports),
    Hydra files composed from `defaults:`, missing or unparsable files.

    ## Why it is debt
    Sculley et al. §6, "Configuration Debt": configuration should be "easy to verify" and errors in it
    should be caught before they cost a run. A key the config does not have is a `KeyError` waiting for
    the first run on a fresh checkout, or for the first job after someone renamed the key; an env var
    nobody declares is tribal knowledge that new machines, CI and production discover by crashing.

    ## Example
    `train.py` reads `params["train"]["learning_rate"]` but `params.yaml` names it `train.lr`.

    ## Fix
    Add the key to the config file (or fix the name in the code); declare env vars in a committed
    `.env.example`, the Dockerfile or the deployment manifest, or read them with a default.

    ## Limits
    Only constant keys on a document bound to a name in the same file are seen (`cfg["a"]["b"]`,
    `cfg.get("a")`); attribute-style access (`cfg.train.lr`), configs passed between modules and
    environment definitions outside the repository (a secrets manager, a shell profile) are not.
    `dvc.api.params_show()` is checked against `params.yaml` only.

    ## Options
    `known-env-vars`: more environment variable names (or `PREFIX_*` patterns) your platform sets.
    """

    id = "MLD304"
    name = "undefined-config-key"
    family = "configuration"
    severity = "warning"
    options = {"known-env-vars": []}
    VALID = [
        Example({
            "params.yaml": "train:\n  lr: 0.01\n  epochs: 10\n",
            ".env.example": "MODEL_BUCKET=s3://bucket/models\n",
            "Dockerfile": "FROM python:3.11\nENV SERVICE_PORT=8080\nARG BUILD_ID\n",
            "docker-compose.yml": "services:\n  api:\n    environment:\n      - API_TOKEN=${API_TOKEN}\n",
            ".github/workflows/ci.yml": "jobs:\n  test:\n    env:\n      DB_HOST: localhost\n",
            "train.py": (
                "import os\nimport yaml\n\nparams = yaml.safe_load(open(\"params.yaml\"))\n"
                "lr = params[\"train\"][\"lr\"]\nwarmup = params[\"train\"].get(\"warmup\", 0)\n"
                "bucket = os.environ[\"MODEL_BUCKET\"]\nport = os.environ[\"SERVICE_PORT\"]\n"
                "token = os.environ[\"API_TOKEN\"]\nhost = os.environ[\"DB_HOST\"]\nbuild = os.environ[\"BUILD_ID\"]\n"
                "debug = os.getenv(\"APP_DEBUG\", \"0\")\nregion = os.environ.get(\"APP_REGION\")\n"
                "home = os.environ[\"HOME\"]\ngpus = os.environ[\"CUDA_VISIBLE_DEVICES\"]\n"
                "key = os.environ[\"AWS_ACCESS_KEY_ID\"]\n"),
        }, note="keys present; env vars declared, defaulted or well known"),
        Example({
            "params.yaml": "models:\n  rf:\n    n_estimators: 100\n",
            "train.py": (
                "import os\nimport yaml\n\nparams = yaml.safe_load(open(\"params.yaml\"))\n"
                "for name in [\"rf\", \"xgb\"]:\n    print(params[\"models\"][name][\"n_estimators\"])\n"
                "def fit(cfg):\n    return cfg[\"n_estimators\"]\n"
                "params[\"device\"] = \"cuda\"\nprint(params[\"device\"])\n"
                "os.environ[\"RUN_ID\"] = \"local\"\nprint(os.environ[\"RUN_ID\"])\n"),
        }, note="dynamic access, keys and env vars the code sets"),
        Example({
            "evaluate.py": "import json\n\nwith open(\"metrics.json\", \"w\") as f:\n    json.dump({\"auc\": 0.9}, f)\n",
            "metrics.json": "{\"accuracy\": 0.8}\n",
            "report.py": "import json\n\nmetrics = json.load(open(\"metrics.json\"))\nprint(metrics[\"auc\"])\n",
        }, note="a file the project writes at run time"),
        Example({
            "app.py": "import os\nfrom dotenv import load_dotenv\n\nload_dotenv()\nsecret = os.environ[\"SECRET_KEY\"]\n",
        }, note="a .env file deliberately kept out of the repository"),
    ]
    INVALID = [
        Example({
            "params.yaml": "train:\n  lr: 0.01\n  epochs: 10\n",
            "train.py": "import yaml\n\nwith open(\"params.yaml\") as f:\n    params = yaml.safe_load(f)\n"
                        "lr = params[\"train\"][\"learning_rate\"]\n",
        }, expect=1),
        Example(["import os\nimport pandas as pd", "df = pd.read_csv(os.environ[\"FEATURES_PATH\"])"], expect=1),
        Example({
            "config/train.toml": "[model]\ndepth = 6\n",
            "train.py": "import tomllib\n\ncfg = tomllib.load(open(\"config/train.toml\", \"rb\"))\n"
                        "depth = cfg[\"model\"][\"depth\"]\nrate = cfg[\"optimizer\"][\"lr\"]\n",
        }, expect=1),
    ]

    def check(self, project: ProjectContext) -> Iterable[Finding]:
        root = Path(project.root)
        out = self.check_config_keys(project, root)
        out.extend(self.check_env_vars(project, root))
        return out

    # ------------------------------------------------------------------ config keys
    def check_config_keys(self, project: ProjectContext, root: Path) -> list[Finding]:
        docs = shared_config_docs(project)
        reads = project_config_reads(project, ("config", "config-write"))
        written_keys: dict[tuple[str, str], list[tuple]] = {}
        for r in reads:
            if r.read.source == "config-write":
                written_keys.setdefault((r.unit, r.rel), []).append(tuple(r.read.keys))
        out: list[Finding] = []
        seen: set[tuple] = set()
        for r in reads:
            keys = tuple(r.read.keys)
            if r.read.source != "config" or r.read.has_default or not keys or (r.unit, r.rel, keys) in seen \
                    or not project.reports(r.unit):
                continue
            doc = docs.load(r.rel)
            if doc is None or self.runtime_document(project, r.rel, doc):
                continue
            if any(keys[:len(w)] == w for w in written_keys.get((r.unit, r.rel), ())):
                continue
            index, parent = walk(doc, keys)
            if index is None:
                continue
            seen.add((r.unit, r.rel, keys))
            out.append(self.key_finding(project, root, r, parent, index))
        return out

    @staticmethod
    def runtime_document(project: ProjectContext, rel: str, doc: Any) -> bool:
        """Files a unit writes (metrics, reports) and Hydra-composed configs get their keys at run time."""
        if project.graph.writers_of(rel):
            return True
        return isinstance(doc, dict) and isinstance(doc.get("defaults"), list)

    def key_finding(self, project: ProjectContext, root: Path, r: ResolvedRead, parent: Any, index: int) -> Finding:
        keys = tuple(r.read.keys)
        present = keys[:index]
        available = sorted(str(k) for k in parent) if isinstance(parent, dict) else []
        listed = ", ".join(available[:MAX_KEYS_LISTED]) + (", ..." if len(available) > MAX_KEYS_LISTED else "")
        where = f"`{_dotted(present)}` in {r.rel}" if present else r.rel
        has = f" ({where} has: {listed})" if listed else ""
        message = (f"reads config key `{_dotted(keys)}`, but {r.rel} has no `{keys[index]}`"
                   f"{' under `' + _dotted(present) + '`' if present else ''}{has}: this stops with a KeyError on "
                   "the first run; add the key to the config or fix its name in the code")
        line, _ = locate(root, r.rel, present)
        related = [{"path": r.rel, "cell": None, "line": line if present else 1,
                    "message": f"`{_dotted(present)}` is defined here without `{keys[index]}`" if present
                    else f"{r.rel} has no `{keys[index]}`"}]
        return project.finding(self, r.unit, r.read.pos, message, related)

    # ------------------------------------------------------------------ environment variables
    def check_env_vars(self, project: ProjectContext, root: Path) -> list[Finding]:
        reads = []
        for unit in sorted(project.facts):
            if not project.reports(unit):
                continue  # findings are located at the read
            facts = project.facts[unit]
            subscripts = {e.pos for e in facts.io if e.kind == "env" and e.api == "os.environ" and e.direction == "read"}
            for read in facts.config_reads:
                if read.source == "env" and not read.has_default and read.pos in subscripts:
                    reads.append((unit, read))
        if not reads:
            return []
        files = shared_project_files(project)
        uses_dotenv = any(imp.module.split(".")[0] in kb.DOTENV_MODULES for f in project.facts.values()
                          for imp in f.imports)
        if uses_dotenv and not any(is_env_file(rel) for rel in files):
            return []  # the project loads a .env file that is (rightly) not committed: we cannot see it
        defined = set(env_definitions(root, files))
        for facts in project.facts.values():
            defined.update(e.name for e in facts.io if e.kind == "env" and e.direction == "write" and e.name)
        known = [str(k) for k in project.options.get("known-env-vars", [])]
        out: list[Finding] = []
        seen: set[tuple[str, str]] = set()
        for unit, read in reads:
            name = read.keys[0]
            if (unit, name) in seen or name in defined or self.well_known(name, known):
                continue
            seen.add((unit, name))
            message = (f"reads environment variable `{name}` with os.environ[...], but no .env file, Dockerfile, "
                       f"compose/CI/Kubernetes file or code in the project sets it: every new machine, CI run and "
                       f"deployment fails with KeyError until someone learns to export it; declare it (e.g. in "
                       f".env.example) or read it with a default")
            out.append(project.finding(self, unit, read.pos, message))
        return out

    @staticmethod
    def well_known(name: str, extra: list[str]) -> bool:
        if name in kb.WELL_KNOWN_ENV_VARS or name.startswith(kb.WELL_KNOWN_ENV_PREFIXES):
            return True
        return any(name == k or (k.endswith("*") and name.startswith(k[:-1])) for k in extra)
