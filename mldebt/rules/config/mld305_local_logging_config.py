"""MLD305 local-logging-config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from mldebt import knowledge as kb
from mldebt.facts.model import FileFacts, Finding, LoggingSetup
from mldebt.rules.base import Example, ProjectContext, ProjectRule
from mldebt.sources.discovery import is_test_path

MAX_DIFFERENCES = 2


@dataclass
class Place:
    unit: str
    setup: LoggingSetup
    compared: tuple[str, ...]  # the settings worth comparing for this API

    @property
    def label(self) -> str:
        where = f"cell {self.setup.pos.cell}, " if self.setup.pos.cell is not None else ""
        return f"{self.unit} ({where}line {self.setup.pos.line})"


def _literal_in_source(facts: FileFacts, setup: LoggingSetup, value: Any) -> bool:
    """LoggingSetup keeps non-literal arguments as their source text: a value is literal if it is quoted there."""
    if not isinstance(value, str):
        return value is not None
    text = facts.source_text(setup.pos.cell, setup.pos.line, setup.pos.end_line)
    return f'"{value}"' in text or f"'{value}'" in text


class LocalLoggingConfig(ProjectRule):
    """Logging or experiment tracking configured separately in several code units.

    ## What it flags
    Projects where two or more code units (scripts, modules, notebooks) each set up logging
    (`logging.basicConfig`, `logging.config.dictConfig`/`fileConfig`, `FileHandler` and rotating
    handlers) or point experiment tracking at a destination fixed in code: a literal or a module constant
    (`mlflow.set_tracking_uri("http://...")`, `wandb.init(project="churn")`, `neptune.init_run(project=...)`,
    `os.environ["MLFLOW_TRACKING_URI"] = "http://..."`).
    Reported once per project, at the first place, with every place in `related`. When the places
    already disagree (`level=INFO` here, `DEBUG` there; two tracking servers), the message says so.

    Not flagged: one shared module that does the set-up and that the other units import (a module of
    the project imported by another unit counts as a single place, however many units use it, and so do
    the shared modules of one top-level folder; those of different parts of the project, the service's
    and the trainer's, are separate places);
    libraries that only attach a `NullHandler`; tracking destinations read from config or the
    environment (`mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])`); test code; per-run
    writers such as TensorBoard's `SummaryWriter`.

    ## Why it is debt
    Sculley et al. §6, "Configuration Debt", and §7's call for monitoring: where logs and metrics go is
    configuration, and configuration copied into every job drifts. To ship logs to a central place,
    change their format or move to another tracking server, someone has to find and edit every copy;
    the copies that are missed keep logging to a local file or an old server, and that is exactly the
    job nobody can debug later.

    ## Example
    `train.py`, `serve.py` and `notebooks/eda.ipynb` each call `logging.basicConfig(...)`.

    ## Fix
    Put the set-up in one module (`myproject/logging_setup.py` with a `configure()` function, or a
    `logging.yaml` loaded once with `dictConfig`) and import it; read tracking URIs from the environment
    (`MLFLOW_TRACKING_URI`) or config.

    ## Limits
    Handlers built only with `StreamHandler` and `addHandler`, and set-ups hidden in helper functions
    of third-party packages, are not seen. A unit that imports the shared module and also configures
    logging itself counts as a separate place.

    ## Options
    `min-units`: how many separate places make a finding (default 2).
    """

    id = "MLD305"
    name = "local-logging-config"
    family = "configuration"
    severity = "info"
    options = {"min-units": 2}
    VALID = [
        Example({
            "churn/__init__.py": "",
            "churn/logging_setup.py": "import logging\n\ndef configure():\n"
                                      "    logging.basicConfig(level=logging.INFO, format=\"%(asctime)s %(message)s\")\n",
            "churn/features.py": "import logging\n\nlogging.getLogger(__name__).addHandler(logging.NullHandler())\n",
            "train.py": "from churn.logging_setup import configure\n\nconfigure()\n",
            "serve.py": "from churn import logging_setup\n\nlogging_setup.configure()\n",
        }, note="one shared module; a library's NullHandler"),
        Example({
            "train.py": "import os\nimport mlflow\n\nmlflow.set_tracking_uri(os.environ[\"MLFLOW_TRACKING_URI\"])\n",
            "tune.py": "import mlflow\nimport yaml\n\ncfg = yaml.safe_load(open(\"config.yaml\"))\n"
                       "mlflow.set_tracking_uri(cfg[\"tracking_uri\"])\n",
            "tests/test_train.py": "import logging\n\nlogging.basicConfig(level=logging.DEBUG)\n",
            "report.py": "import logging\n\nlogging.basicConfig(level=logging.INFO)\n",
        }, note="destinations from env/config; test code; a single local set-up"),
    ]
    INVALID = [
        Example({
            "train.py": "import logging\n\nlogging.basicConfig(level=logging.INFO)\nlog = logging.getLogger(__name__)\n",
            "serve.py": "import logging\n\nlogging.basicConfig(level=logging.DEBUG, filename=\"serve.log\")\n",
            "notebooks/eda.ipynb": ["import logging\nlogging.basicConfig(level=logging.INFO)"],
        }, expect=1),
        Example({
            "train.py": "import mlflow\n\nmlflow.set_tracking_uri(\"http://mlflow.internal:5000\")\n",
            "tune.py": "import mlflow\n\nmlflow.set_tracking_uri(\"http://localhost:5000\")\n",
        }, expect=1),
    ]

    def check(self, project: ProjectContext) -> Iterable[Finding]:
        shared = {target for _, target, _ in project.graph.edges("imports")}
        places = self.places(project)
        units = {p.unit for p in places}
        # shared modules in one package folder are one place (a package's __init__ and its log module);
        # shared modules of different parts of the project (the service's, the trainer's) are not
        packages = {u.split("/", 1)[0] if "/" in u else "" for u in units & shared}
        separate = {u for u in units if u not in shared} | {f"{p}/" for p in packages}
        if len(separate) < max(2, int(project.options.get("min-units", 2))):
            return []
        first = places[0]
        differences = self.differences(places)
        apis: dict[str, list[str]] = {}
        for p in places:
            apis.setdefault(p.unit, [])
            if p.setup.api not in apis[p.unit]:
                apis[p.unit].append(p.setup.api)
        listed = ", ".join(f"{unit} ({', '.join(names)})" for unit, names in list(apis.items())[:4]) + \
            (", ..." if len(apis) > 4 else "")
        tracking = {p.setup.api in kb.TRACKING_DESTINATION_SETTINGS for p in places}
        what = {frozenset({False}): "logging", frozenset({True}): "experiment tracking"}.get(
            frozenset(tracking), "logging and experiment tracking")
        message = (f"{what} is configured separately in {len(separate)} units ({listed}): sending logs or "
                   "runs somewhere central, or changing their format, means finding and editing each copy")
        if differences:
            message += f"; the copies already disagree ({'; '.join(differences)}), so the same event is logged " \
                       "differently, or to a different place, depending on which job emits it"
        message += "; configure it once in a shared module (or from config/env) and import it"
        related = [{"path": p.unit, "cell": p.setup.pos.cell, "line": p.setup.pos.line,
                    "message": f"{p.setup.api}(...) configured here"} for p in places]
        return [project.finding(self, first.unit, first.setup.pos, message, related)]

    @staticmethod
    def places(project: ProjectContext) -> list[Place]:
        out: list[Place] = []
        for unit in sorted(project.facts):
            if is_test_path(unit):
                continue
            facts = project.facts[unit]
            for setup in facts.logging:
                if setup.api in kb.LOGGING_CONFIG_SETTINGS:
                    out.append(Place(unit, setup, kb.LOGGING_CONFIG_SETTINGS[setup.api]))
                elif setup.api in kb.TRACKING_DESTINATION_SETTINGS:
                    keys = kb.TRACKING_DESTINATION_SETTINGS[setup.api]
                    if any(k in setup.constant or _literal_in_source(facts, setup, setup.settings.get(k))
                           for k in keys if k in setup.settings):
                        out.append(Place(unit, setup, keys))
        return sorted(out, key=lambda p: (p.unit, p.setup.pos.cell or 0, p.setup.pos.line))

    @staticmethod
    def differences(places: list[Place]) -> list[str]:
        """Settings of one API that take different values in different units: "`level`: INFO in a.py, DEBUG in b.py"."""
        out: list[str] = []
        by_api: dict[str, list[Place]] = {}
        for place in places:
            by_api.setdefault(place.setup.api, []).append(place)
        for api, group in sorted(by_api.items()):
            for key in group[0].compared:
                units_by_value: dict[str, list[str]] = {}
                for place in group:
                    value = str(place.setup.settings.get(key, "the default"))
                    if place.unit not in units_by_value.setdefault(value, []):
                        units_by_value[value].append(place.unit)
                if len(units_by_value) > 1:
                    shown = ", ".join(f"{value} in {' and '.join(units)}"
                                      for value, units in list(units_by_value.items())[:3])
                    name = "the first argument" if key == "arg0" else f"`{key}`"
                    out.append(f"{name} of {api} is {shown}")
                if len(out) >= MAX_DIFFERENCES:
                    return out
        return out
