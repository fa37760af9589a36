"""MLD303 conflicting-config."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Iterable

from mldebt import probes
from mldebt.facts.model import FileFacts, Finding, Pos, Setting
from mldebt.graph.model import ARTIFACT_KINDS
from mldebt.rules.base import Example, ProjectContext, ProjectRule
from mldebt.rules.config.project_config import (DEFAULT_ENVIRONMENT_NAMES, DEFAULT_OVERRIDE_PATTERNS, PRIMARY_STEMS,
                                                SettingsFile, fmt_of, is_settings_file, load_settings, locate,
                                                project_config_reads, same_value, shared_config_docs, shared_project_files,
                                                show, variant_kind)
from mldebt.sources.discovery import is_test_path

# Config sections that say nothing about which model a value belongs to: `train.n_estimators` may be
# matched with any estimator's `n_estimators=`; `umap.n_components` only with a constructor named like it.
GENERIC_SECTIONS = frozenset({
    "train", "training", "model", "models", "params", "parameters", "hyperparameters", "hparams", "hyperparams",
    "fit", "estimator", "classifier", "regressor", "optimizer", "optim", "config", "settings", "default",
    "defaults", "base", "common", "global", "experiment", "prepare", "preprocess", "preprocessing", "featurize",
    "features", "data", "split",
})
# Module-level names too generic to be a setting (`count = 0`, `idx = 3` in a notebook).
GENERIC_NAMES = frozenset({"idx", "index", "count", "total", "num", "tmp", "res", "result", "val", "value",
                           "start", "end", "step", "size", "i", "j", "k", "n", "x", "y", "_"})
MAX_LISTED = 3


def _squash(text: str) -> str:
    return text.lower().replace("_", "").replace("-", "")


def section_fits(keys: tuple, context: str) -> bool:
    """True when the sections above a config leaf are generic or name the constructor the code calls."""
    sections = [str(k) for k in keys[:-1]]
    if all(s.lower() in GENERIC_SECTIONS for s in sections):
        return True
    if not context.endswith("(...)"):
        return False
    ctor = context[:-5]
    initials = "".join(c for c in ctor if c.isupper()).lower()
    for section in sections:
        squashed = _squash(section)
        if squashed and (squashed in ctor.lower() or (len(squashed) >= 2 and initials.startswith(squashed))):
            return True
    return False


def _display(keys: tuple) -> str:
    return ".".join(str(k) for k in keys)


def _entry(f: SettingsFile, keys: tuple) -> str:
    """How the setting is written in that file: `BATCH_SIZE=64` in a .env, `train.lr: 0.01` elsewhere."""
    value = f.values[keys]
    if fmt_of(f.rel) == "env":
        return f"`{keys[0]}={value}`"
    return f"`{_display(keys)}: {show(value)}`"


def written_name(setting: Setting, facts: FileFacts) -> str:
    """The name as the code spells it (settings of module constants are stored lower-cased)."""
    if setting.context != "module constant":
        return setting.name
    text = facts.source_line(setting.pos.cell, setting.pos.line)
    name = text[setting.pos.column - 1:].split("=", 1)[0].split(":", 1)[0].strip()
    return name if name.lower() == setting.name else setting.name


class ConflictingConfig(ProjectRule):
    """The same setting given different values in two places: a config file and the code, two config
    files, or two connected code units.

    ## What it flags
    - A literal keyword of an ML constructor or a module-level constant in code
      (`RandomForestClassifier(n_estimators=500)`, `EPOCHS = 10`) whose name is also a key of a
      settings file that governs that code (`params.yaml` with `train: {n_estimators: 300}`), with a
      different value. Reported at the code, naming both values; `related` points at the file and the
      line of the key. When the config file has several keys of that name (`rf.n_estimators`,
      `xgb.n_estimators`), the code must match none of them to be reported.
    - The same key path with different values in two primary settings files (`params.*`, `config.*`,
      `settings.*`, `hparams.*`, `.env`) side by side or one at the project root (`params.yaml` and
      `config.yaml` both set `train.lr`). Reported at the code that reads the key when there is one,
      else at the key in the second file. A file in a subfolder of another's folder is an override
      layer, not a rival.
    - The same UPPER_CASE constant with different values in two code units that are connected (one
      imports the other, or reads what the other writes), e.g. `IMG_SIZE = 224` in training and `256`
      in serving.

    Settings files are `params.*`, `config.*`, `settings.*`, `hparams.*` (and names containing those
    words, like `train_config.yaml`), YAML/JSON/TOML files under `conf/`, `config/`, `configs/`, and
    `.env`; a file governs the code in its own folder and below, and any code that loads it.

    Not flagged: per-environment override files, which exist to differ. A file is an override when its
    name or one of its folders names an environment (`config/dev.yaml` vs `config/prod.yaml`,
    `.env.production`, `settings_staging.toml`; see `environment-names`), when it matches
    `override-patterns` (`*.local.*`, `environments/**`, `envs/**`, `overrides/**`, `profiles/**`), or
    when it is a template (`.env.example`, `config.sample.yaml`, `defaults.yaml`). Also not compared:
    sibling files in one config folder (`configs/train.yaml` vs `configs/eval.yaml`, Hydra config
    groups: alternatives, not rivals), config keys in a specific section that does not name the
    constructor (`umap.n_components` vs `PCA(n_components=10)`), test code, values equal as numbers
    (`1e-3` and `0.001`).

    ## Why it is debt
    Sculley et al. §6, "Configuration Debt": configuration mistakes are costly because it is hard to
    see which value is in force; "it should be hard to make manual errors" and easy to see the
    difference between configurations. Two sources of truth for one setting guarantee that someone
    reads, tunes or reports the wrong one: the model in production was trained with 500 trees while
    `params.yaml`, the experiment log and the review all say 300.

    ## Example
    `params.yaml` sets `train.n_estimators: 300`; `train.py` builds `RandomForestClassifier(n_estimators=500)`.

    ## Fix
    Keep one source: read the value from the config file in the code (`params["train"]["n_estimators"]`),
    or delete the unused key. For environments, name the override files after the environment.

    ## Limits
    Settings are matched by name: a keyword and a config key with different names (`lr` vs
    `learning_rate`) are not seen as one setting. Only literal values are compared; values computed at
    run time, positional arguments and command-line defaults are not. Config values inside lists are
    not compared. A constant of an imported module that only the module's own top-level or `__main__`
    code reads (none of its functions or classes) is that script's setting, not one the importer runs
    with, and is not compared.

    ## Options
    `environment-names`: words that mark a file or folder as belonging to one environment.
    `override-patterns`: gitignore-style patterns of override files that are never compared.
    """

    id = "MLD303"
    name = "conflicting-config"
    family = "configuration"
    severity = "warning"
    options = {"environment-names": list(DEFAULT_ENVIRONMENT_NAMES), "override-patterns": list(DEFAULT_OVERRIDE_PATTERNS)}
    VALID = [
        Example({
            "params.yaml": "train:\n  n_estimators: 300\n  max_depth: 8\n",
            "train.py": "import yaml\nfrom sklearn.ensemble import RandomForestClassifier\n\n"
                        "params = yaml.safe_load(open(\"params.yaml\"))[\"train\"]\n"
                        "clf = RandomForestClassifier(n_estimators=params[\"n_estimators\"], max_depth=8)\n",
        }, note="the code reads the config, or agrees with it"),
        Example({
            "config/dev.yaml": "train:\n  epochs: 1\n  lr: 0.1\n",
            "config/prod.yaml": "train:\n  epochs: 50\n  lr: 0.01\n",
            "config/settings.local.yaml": "train:\n  epochs: 2\n",
            "environments/staging/params.yaml": "train:\n  epochs: 5\n",
            ".env.example": "EPOCHS=3\n",
            "train.py": "EPOCHS = 50\n",
        }, note="per-environment override files and templates"),
        Example({
            "configs/rf.yaml": "model:\n  n_estimators: 100\n",
            "configs/xgb.yaml": "model:\n  n_estimators: 400\n",
            "params.yaml": "umap:\n  n_components: 2\n",
            "train.py": "from sklearn.ensemble import RandomForestClassifier\nfrom sklearn.decomposition import PCA\n\n"
                        "clf = RandomForestClassifier(n_estimators=400)\npca = PCA(n_components=10)\n",
        }, note="alternatives in one config folder; a section naming another model"),
        Example({
            "params.yaml": "train:\n  learning_rate: 1e-3\n",
            "tests/test_train.py": "from sklearn.linear_model import SGDClassifier\n\n"
                                   "def test_fit():\n    SGDClassifier(learning_rate=0.5)\n",
            "train.py": "LEARNING_RATE = 0.001\n",
        }, note="test code; equal numbers"),
        Example({
            "train.py": "import joblib\nIMG_SIZE = 224\njoblib.dump(1, \"model.joblib\")\n",
            "explore.py": "IMG_SIZE = 128\n",
        }, note="unconnected units may differ"),
    ]
    VALID.append(Example({
        "configs/base_config.yaml": "lob: default\ndescription: base settings\n",
        "configs/lob/retail.yaml": "lob: retail\ndescription: retail overrides\n",
        "configs/dashboard.json": "{\"description\": \"Grafana board\"}\n",
        "train.py": "import yaml\ncfg = yaml.safe_load(open('configs/base_config.yaml'))\nprint(cfg['lob'])\n",
    }, note="an override layer in a subfolder, and a JSON file no code treats as its config"))
    INVALID = [
        Example({
            "params.yaml": "prepare:\n  split: 0.2\ntrain:\n  n_estimators: 300\n  max_depth: 8\n",
            "train.py": "import joblib\nfrom sklearn.ensemble import RandomForestClassifier\n\n"
                        "clf = RandomForestClassifier(n_estimators=500, max_depth=8)\n"
                        "joblib.dump(clf, \"model.joblib\")\n",
        }, expect=1),
        Example({
            "params.yaml": "train:\n  lr: 0.01\n",
            "config.yaml": "train:\n  lr: 0.1\n",
            "train.py": "import yaml\n\nparams = yaml.safe_load(open(\"params.yaml\"))\nlr = params[\"train\"][\"lr\"]\n",
        }, expect=1),
        Example({
            "train.py": "import pandas as pd\nIMG_SIZE = 224\ndf = pd.read_csv(\"data/images.csv\")\n"
                        "df.to_parquet(\"data/features.parquet\")\n",
            "serve.py": "import pandas as pd\nIMG_SIZE = 256\nfeatures = pd.read_parquet(\"data/features.parquet\")\n",
        }, expect=1),
        Example({
            ".env": "BATCH_SIZE=64\n",
            "notebooks/train.ipynb": ["import torch", "BATCH_SIZE = 32\nloader = torch.utils.data.DataLoader(ds, batch_size=BATCH_SIZE)"],
        }, expect=1),
    ]

    def check(self, project: ProjectContext) -> Iterable[Finding]:
        root = Path(project.root)
        environments = [str(e) for e in project.options.get("environment-names", DEFAULT_ENVIRONMENT_NAMES)]
        patterns = [str(p) for p in project.options.get("override-patterns", DEFAULT_OVERRIDE_PATTERNS)]
        docs = shared_config_docs(project)
        reads = project_config_reads(project)
        loaded_by: dict[str, set[str]] = {}
        for r in reads:
            loaded_by.setdefault(r.rel, set()).add(r.unit)
        candidates = set(loaded_by) | {rel for rel in shared_project_files(project) if is_settings_file(rel)}
        files: list[SettingsFile] = []
        for rel in sorted(candidates):
            if variant_kind(rel, patterns, environments) is None and probes.is_file(str(root / rel)):
                loaded = load_settings(root, docs, rel)
                if loaded is not None and loaded.values:
                    files.append(loaded)
        self.root = root
        out: list[Finding] = []
        out.extend(self.code_vs_config(project, files, loaded_by))
        out.extend(self.config_vs_config(project, files, loaded_by, reads))
        out.extend(self.unit_vs_unit(project))
        return out

    # ------------------------------------------------------------------ code vs a config file
    def code_vs_config(self, project: ProjectContext, files: list[SettingsFile],
                       loaded_by: dict[str, set[str]]) -> list[Finding]:
        out = []
        for unit in sorted(project.facts):
            if is_test_path(unit):
                continue
            facts = project.facts[unit]
            governing = [f for f in files if f.applies_to(unit) or unit in loaded_by.get(f.rel, ())]
            if not governing:
                continue
            seen: set[str] = set()
            for setting in facts.settings:
                name = setting.name.lower()
                if name in seen or not self.eligible(setting, facts):
                    continue
                matches = [(f, keys) for f in governing for keys in f.by_leaf.get(name, ())
                           if section_fits(keys, setting.context)]
                if not matches or any(same_value(setting.value, f.values[keys]) for f, keys in matches):
                    continue
                seen.add(name)
                out.append(self.code_finding(project, unit, setting, written_name(setting, facts), matches))
        return out

    @staticmethod
    def eligible(setting: Setting, facts: FileFacts) -> bool:
        if isinstance(setting.value, bool):
            return False
        if setting.context != "module constant":
            return True
        return len(setting.name) >= 3 and setting.name not in GENERIC_NAMES

    def code_finding(self, project: ProjectContext, unit: str, setting: Setting, name: str,
                     matches: list[tuple[SettingsFile, tuple]]) -> Finding:
        shown = matches[:MAX_LISTED]
        places = " and ".join(f"{_entry(f, keys)} in {f.rel}" for f, keys in shown)
        code = f"`{name}={show(setting.value)}` in {setting.context}" if setting.context != "module constant" \
            else f"`{name} = {show(setting.value)}`"
        message = (f"{code} conflicts with {places}: one setting, two "
                   f"values, so what the model was trained with depends on which file was edited last; read it from "
                   f"{shown[0][0].rel} instead of repeating it in code")
        related = [self.config_related(f.rel, keys, f"`{_display(keys)}` is {show(f.values[keys])} here")
                   for f, keys in shown]
        return project.finding(self, unit, setting.pos, message, related)

    def config_related(self, rel: str, keys: tuple, message: str) -> dict:
        line, _ = locate(self.root, rel, keys)
        return {"path": rel, "cell": None, "line": line, "message": message}

    # ------------------------------------------------------------------ two config files
    def config_vs_config(self, project: ProjectContext, files: list[SettingsFile], loaded_by: dict[str, set[str]],
                         reads) -> list[Finding]:
        out = []
        for i, a in enumerate(files):
            for b in files[i + 1:]:
                if not self.rivals(a, b):
                    continue
                lowered_b = {tuple(str(k).lower() for k in keys): keys for keys in b.values}
                for keys in a.values:
                    other = lowered_b.get(tuple(str(k).lower() for k in keys))
                    if other is None or same_value(a.values[keys], b.values[other]):
                        continue
                    out.append(self.files_finding(project, a, keys, b, other, reads))
        return out

    @staticmethod
    def rivals(a: SettingsFile, b: SettingsFile) -> bool:
        """Two primary files (params.yaml, config.yaml, .env) that govern the same code: side by side, or
        one at the project root. A file in a subfolder of another's folder (`configs/lob/retail.yaml` under
        `configs/base_config.yaml`) is a layer that overrides it by design, and other files (a dashboard's
        JSON, a `base_config.yaml`) are compared only with code, never with each other."""
        stem = lambda f: PurePosixPath(f.rel).name if f.rel.endswith(".env") else PurePosixPath(f.rel).stem.lower()
        if stem(a) not in PRIMARY_STEMS or stem(b) not in PRIMARY_STEMS:
            return False
        return a.folder == b.folder or not a.folder or not b.folder

    def files_finding(self, project: ProjectContext, a: SettingsFile, keys_a: tuple, b: SettingsFile, keys_b: tuple,
                      reads) -> Finding:
        value_a, value_b = show(a.values[keys_a]), show(b.values[keys_b])
        reader = next((r for r in reads if r.rel in (a.rel, b.rel) and tuple(map(str, r.read.keys)) ==
                       tuple(map(str, keys_a if r.rel == a.rel else keys_b))), None)
        related = [self.config_related(a.rel, keys_a, f"`{_display(keys_a)}` is {value_a} here"),
                   self.config_related(b.rel, keys_b, f"`{_display(keys_b)}` is {value_b} here")]
        why = "two config files disagree on one setting, so the value in force depends on which file each job loads"
        if reader is not None:
            used, other = (a, b) if reader.rel == a.rel else (b, a)
            keys_used, keys_other = (keys_a, keys_b) if used is a else (keys_b, keys_a)
            message = (f"reads {_entry(used, keys_used)} from {used.rel}, but {other.rel} sets {_entry(other, keys_other)}: "
                       f"{why}; keep the setting in one file")
            return project.finding(self, reader.unit, reader.read.pos, message, related)
        message = f"{_entry(b, keys_b)} here, but {_entry(a, keys_a)} in {a.rel}: {why}; keep the setting in one file"
        line, _ = locate(self.root, b.rel, keys_b)
        pos = Pos(None, None, line, 1, line, 1)
        return project.finding(self, b.rel, pos, message, related[:1], snippet=f"{_display(keys_b)}: {value_b}")

    # ------------------------------------------------------------------ two connected code units
    def unit_vs_unit(self, project: ProjectContext) -> list[Finding]:
        constants: dict[str, dict[str, Setting]] = {}  # of the units paired below, each computed once

        def constants_of(unit: str) -> dict[str, Setting]:
            if unit not in constants:
                constants[unit] = {} if is_test_path(unit) else self.upper_constants(project.facts[unit])
            return constants[unit]

        out = []
        imports = {(target, source) for source, target, _ in project.graph.edges("imports")}
        for upstream, downstream in self.connected_pairs(project):
            mine, theirs = constants_of(downstream), constants_of(upstream)
            for name in sorted(set(mine) & set(theirs)):
                here, there = mine[name], theirs[name]
                if same_value(here.value, there.value):
                    continue
                if (upstream, downstream) in imports and there.local_only:
                    continue  # the imported module reads it only in its own top-level or __main__ code
                message = (f"`{name} = {show(here.value)}` here but `{name} = {show(there.value)}` in {upstream}, "
                           f"which this unit depends on: the two stages disagree on one setting (a training/serving "
                           f"skew waiting to happen); define it once, in a config file or a shared module")
                related = [{"path": upstream, "cell": there.pos.cell, "line": there.pos.line,
                            "message": f"`{name}` is {show(there.value)} here"}]
                out.append(project.finding(self, downstream, here.pos, message, related))
        return out

    @staticmethod
    def upper_constants(facts: FileFacts) -> dict[str, Setting]:
        out: dict[str, Setting] = {}
        for setting in facts.settings:
            name = written_name(setting, facts)
            if setting.context == "module constant" and name.isupper() and len(name) >= 3:
                out.setdefault(name, setting)
        return out

    @staticmethod
    def connected_pairs(project: ProjectContext) -> list[tuple[str, str]]:
        """(upstream, downstream) unit pairs: the downstream unit imports the upstream one, or reads what it writes.
        Only pairs whose downstream unit is reported (findings are located there)."""
        graph = project.graph
        pairs: set[tuple[str, str]] = set()
        for source, target, data in graph.edges("imports"):
            if source in project.facts and target in project.facts and project.reports(source):
                pairs.add((target, source))
        if project.report_paths is None:
            handovers = graph.unit_graph().edges()
        else:  # the readers are few: their reads, not every artifact of the project
            handovers = {(writer, reader) for reader in project.report_paths
                         for artifact, _ in graph.reads_of(reader) if graph.kind(artifact) in ARTIFACT_KINDS
                         for writer, _ in graph.writers_of(artifact) if writer != reader}
        for writer, reader in handovers:
            if writer in project.facts and reader in project.facts:
                pairs.add((writer, reader))
        return sorted(pairs)
