"""MLD402 unmonitored-predictions."""

from __future__ import annotations

import ast
from typing import Iterable

from mldebt import knowledge as kb
from mldebt.facts.extract import calls_in, dotted_name, import_aliases, names_in, target_names
from mldebt.facts.model import Finding
from mldebt.facts.pathexpr import constant_value
from mldebt.rules.base import Example, FileContext, FileRule
from mldebt.sources.discovery import is_test_path

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _module_roots(ctx: FileContext) -> set[str]:
    return {imp.module.split(".")[0] for imp in ctx.facts.imports if not imp.module.startswith(".")}


def _statements(body: list[ast.stmt]) -> Iterable[ast.stmt]:
    """Statements of one scope in order, nested blocks included, nested functions and classes excluded."""
    for stmt in body:
        if isinstance(stmt, _SCOPES):
            continue
        yield stmt
        for field in ("body", "orelse", "finalbody"):
            part = getattr(stmt, field, None)
            if isinstance(part, list):
                yield from _statements(part)
        for handler in getattr(stmt, "handlers", []) or []:
            yield from _statements(handler.body)
        for case in getattr(stmt, "cases", []) or []:
            yield from _statements(case.body)


def _project_objects(trees, imports) -> frozenset[str]:
    """Names bound to instances of classes imported from the project's own modules (`svc = Predictor(...)`,
    `from predictor import Predictor`): a wrapper's `predict` may monitor inside, which this file cannot see."""
    project_names = {local for imp in imports for name, local in imp.names
                     if kb.may_be_project_module(imp.module)}
    out = set()
    for _, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and \
                    isinstance(node.value.func, ast.Name) and node.value.func.id in project_names:
                out.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return frozenset(out)


class _Flow:
    """Which names of one scope hold predictions or the inputs they were made from."""

    def __init__(self, body: list[ast.stmt], aliases: dict[str, str], predicting: frozenset[str] = frozenset(),
                 wrappers: frozenset[str] = frozenset()):
        self.aliases = aliases
        self.predicting = predicting  # functions of this module that return predictions
        self.wrappers = wrappers  # objects of the project's own classes: their `predict` may log (not seen here)
        self.predictions: set[str] = set()
        self.inputs: set[str] = set()
        self.predict_calls: list[ast.Call] = []
        self.monitored = False
        for stmt in _statements(body):
            self._statement(stmt)

    def is_predict(self, call: ast.Call) -> bool:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in kb.PREDICT_METHODS:
            return not (isinstance(func.value, ast.Name) and func.value.id in self.wrappers)
        return isinstance(func, ast.Name) and func.id in self.predicting

    def returns_predictions(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        return any(isinstance(s, ast.Return) and self.carries(s.value) for s in _statements(function.body))

    def carries(self, node: ast.AST | None) -> bool:
        """True if `node` holds predictions (a predict call or a name derived from one)."""
        if node is None:
            return False
        return bool(names_in(node) & self.predictions) or any(self.is_predict(c) for c in calls_in(node))

    def _statement(self, stmt: ast.stmt) -> None:
        calls = list(calls_in(stmt)) if not isinstance(stmt, (ast.If, ast.For, ast.While, ast.With, ast.Try)) else []
        for call in calls:
            if self.is_predict(call):
                self.predict_calls.append(call)
                for arg in list(call.args) + [k.value for k in call.keywords]:
                    self.inputs |= names_in(arg)
            elif self.records(call):
                self.monitored = True
        value = getattr(stmt, "value", None)
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if self.carries(value):
                for target in targets:
                    self.predictions.update(target_names(target))

    def records(self, call: ast.Call) -> bool:
        """A logging or metrics call whose arguments mention predictions or their inputs."""
        func = call.func
        qual = dotted_name(func, self.aliases) or ""
        attr = func.attr if isinstance(func, ast.Attribute) else ""
        receiver = dotted_name(func.value, self.aliases) if isinstance(func, ast.Attribute) else ""
        is_log = attr in kb.LOG_METHODS and (qual.startswith(("logging.", "loguru.", "structlog.")) or "log" in (
            receiver or "").lower())
        is_metric = attr in kb.METRIC_METHODS or qual.split(".")[0] in kb.MONITORING_MODULES
        name = attr or qual.rsplit(".", 1)[-1]
        stores = bool(kb.RECORDING_CALL.search(name))  # save_db(record, pred), coll.insert_one(...), producer.send
        if not (is_log or is_metric or stores):
            return False
        mentioned: set[str] = set()
        for arg in list(call.args) + [k.value for k in call.keywords]:
            mentioned |= names_in(arg)
            if any(self.is_predict(c) for c in calls_in(arg)):
                return True
        if isinstance(func, ast.Attribute):  # `HIST.labels(model=name).observe(score)` chains
            mentioned |= names_in(func.value) if attr in kb.METRIC_METHODS else set()
        return bool(mentioned & (self.predictions | self.inputs))


class UnmonitoredPredictions(FileRule):
    """Predictions served or written without recording them anywhere a monitor could read.

    ## What it flags
    In scripts and modules (not notebooks, tests, training or evaluation code): a web route (a Flask,
    FastAPI, BentoML... handler decorated with `@app.route`, `@app.post`, `@router.get`...) that
    returns values derived from `predict`/`predict_proba`, or a batch job that writes them to a file or
    table, when no logging or metrics call in the unit mentions those predictions or the inputs they
    were made from, and the unit uses no monitoring library (evidently, whylogs, nannyml,
    prometheus_client, statsd...). One finding per exit: the `return` of the route or the write.

    ## Why it is debt
    Sculley et al. §7, "Monitoring and Testing": unit tests cannot show that a live system keeps
    working as the world changes; the paper asks for monitoring of prediction bias, action limits and
    upstream producers. A service that neither logs its inputs and outputs nor exports metrics gives
    drift, skew and a stale model nothing to be noticed by.

    ## Example
    A FastAPI `@app.post("/predict")` handler that returns `{"churn": model.predict_proba(x)[0, 1]}`
    and logs nothing.

    ## Fix
    Log each request's features and prediction (structured, sampled if needed) or send them to a
    monitoring library; at least export the prediction distribution as a metric (a Prometheus
    histogram) and alert on it.

    ## Limits
    Info severity: the monitoring may live elsewhere (a gateway that logs requests, a table that a
    dashboard reads), which mldebt cannot see. Logging counts only when it mentions the predictions or
    their inputs by name; predictions returned by a function of the same module count as predictions
    (`p = score(row)` where `score` returns `model.predict_proba(...)`), helpers imported from other
    modules do not, and neither does `predict` on an object of the project's own class (`svc =
    Predictor(...)` imported from a project module), which may log inside. Predictions made by calling a
    model object (`model(x)`) and serving code that is not a decorated route (gradio, streamlit,
    `ray.serve` classes) are not traced.
    """

    id = "MLD402"
    name = "unmonitored-predictions"
    family = "external-world"
    severity = "info"
    VALID = [
        Example("import logging\n\nimport joblib\nfrom fastapi import FastAPI\n\napp = FastAPI()\n"
                "model = joblib.load('models/churn.joblib')\nlog = logging.getLogger(__name__)\n\n\n"
                "@app.post('/predict')\ndef predict(features: dict):\n    score = model.predict_proba([list(features.values())])[0, 1]\n"
                "    log.info('prediction', extra={'features': features, 'score': score})\n    return {'churn': score}\n",
                note="a logged web route"),
        Example("import joblib\nimport pandas as pd\nfrom sklearn.ensemble import RandomForestClassifier\n\n"
                "df = pd.read_csv('data/train.csv')\nmodel = RandomForestClassifier(random_state=0).fit(df[['a']], df['y'])\n"
                "pd.DataFrame({'pred': model.predict(df[['a']])}).to_csv('out/train_preds.csv')\n",
                note="training code"),
        Example("import pandas as pd\nfrom sklearn.metrics import accuracy_score\n\n"
                "test = pd.read_csv('data/test.csv')\npreds = model.predict(test[['a']])\n"
                "print(accuracy_score(test['y'], preds))\npd.DataFrame({'p': preds}).to_csv('reports/preds.csv')\n",
                note="evaluation code"),
        Example(["import pandas as pd\nimport joblib\nmodel = joblib.load('m.joblib')",
                 "preds = model.predict(pd.read_csv('new.csv'))\npd.DataFrame({'p': preds}).to_csv('preds.csv')"],
                note="a notebook"),
        Example("import joblib\nimport pandas as pd\nimport whylogs as why\n\nmodel = joblib.load('m.joblib')\n"
                "batch = pd.read_parquet('data/batch.parquet')\nbatch['score'] = model.predict(batch)\n"
                "why.log(batch)\nbatch.to_parquet('out/scores.parquet')\n", note="a monitoring library"),
    ]
    VALID.append(Example(
        "import joblib\nfrom flask import Flask, jsonify, request\nfrom pymongo import MongoClient\n\n"
        "app = Flask(__name__)\nmodel = joblib.load('model.joblib')\ncollection = MongoClient().db.predictions\n\n\n"
        "def save_to_db(record, prediction):\n    collection.insert_one({**record, 'prediction': prediction})\n\n\n"
        "@app.route('/predict', methods=['POST'])\ndef predict():\n    record = request.get_json()\n"
        "    pred = model.predict([record])[0]\n    save_to_db(record, pred)\n    return jsonify({'churn': pred})\n",
        note="predictions stored with their inputs through a helper"))
    INVALID = [
        Example("import joblib\nfrom flask import Flask, jsonify, request\n\napp = Flask(__name__)\n"
                "model = joblib.load('models/clf.joblib')\n\n\n@app.route('/predict', methods=['POST'])\n"
                "def predict():\n    rows = request.get_json()['rows']\n    preds = model.predict(rows)\n"
                "    return jsonify({'predictions': preds.tolist()})\n", expect=1),
        Example("import joblib\nimport pandas as pd\n\n\ndef main():\n    model = joblib.load('models/clf.joblib')\n"
                "    batch = pd.read_parquet('data/batch.parquet')\n    batch['score'] = model.predict_proba(batch)[:, 1]\n"
                "    batch[['id', 'score']].to_sql('scores', 'sqlite:///scores.db', if_exists='append')\n\n\n"
                "if __name__ == '__main__':\n    main()\n", expect=1),
    ]

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        facts = ctx.facts
        if ctx.is_notebook or is_test_path(ctx.path) or not facts.predicts or facts.fits:
            return
        aliases = import_aliases(facts.imports)
        roots = _module_roots(ctx)
        if any(m.split(".")[0] in roots for m in kb.DRIFT_MONITORING_MODULES):
            return
        web = any(m.split(".")[0] in roots for m in kb.WEB_FRAMEWORK_MODULES)
        trees = list(ctx.trees())
        if any(self._evaluates(tree, aliases) for _, tree in trees):
            return
        functions = [node for _, tree in trees for node in ast.walk(tree)
                     if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
        wrappers = _project_objects(trees, facts.imports)
        predicting: frozenset[str] = frozenset()
        for _ in range(3):  # helpers that return predictions (`def score(row): return model.predict(...)`)
            found = frozenset(f.name for f in functions
                              if _Flow(f.body, aliases, predicting, wrappers).returns_predictions(f))
            if found == predicting:
                break
            predicting = found
        flows: list[tuple[str, ast.AST | None, _Flow]] = []
        for _, tree in trees:
            flows.append(("", None, _Flow(tree.body, aliases, predicting, wrappers)))
        for node in functions:
            flows.append((node.name, node, _Flow(node.body, aliases, predicting, wrappers)))
        if any(flow.monitored for _, _, flow in flows):
            return
        cell = ctx.parsed[0][0]
        for name, node, flow in flows:
            if web and node is not None and flow.predict_calls and self._route(node):
                for stmt in _statements(node.body):
                    if isinstance(stmt, ast.Return) and flow.carries(stmt.value):
                        yield self._finding(ctx, cell, stmt, flow, f"the web route `{name}()` ({self._route(node)}) "
                                            "returns predictions")
        for event in facts.io:
            # a write inside a helper is reported where it is, once; its copies at the helper's call sites
            # (`via`) are the same write
            if event.direction == "write" and event.from_predictions and not event.via:
                flow = next((f for n, _, f in flows if n == event.scope.rsplit(".", 1)[-1]), flows[0][2])
                constant = constant_value(event.expr)
                target = event.name or constant or event.text or "an output"
                where = "table" if event.kind == "table" else "file"
                yield ctx.finding(self, cell, None, f"predictions are written to the {where} `{target}` with "
                                  f"`{event.api.lstrip('.')}`{self._source(flow)}, but neither they nor their inputs "
                                  "are logged or sent to a metrics/monitoring library: drift, skew and a stale model "
                                  "go unnoticed; log or measure what this job predicts",
                                  line=event.pos.line, column=event.pos.column, end_line=event.pos.end_line,
                                  end_column=event.pos.end_column,
                                  related=self._related(ctx, cell, flow))

    @staticmethod
    def _route(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute) and \
                    decorator.func.attr in kb.WEB_ROUTE_DECORATORS:
                path = decorator.args[0].value if decorator.args and isinstance(decorator.args[0], ast.Constant) \
                    else ""
                verb = decorator.func.attr.upper() if decorator.func.attr not in ("route", "api_route", "api") else ""
                return " ".join(p for p in (verb, str(path)) if p) or f"@{ast.unparse(decorator.func)}"
        return None

    @staticmethod
    def _evaluates(tree: ast.Module, aliases: dict[str, str]) -> bool:
        """Evaluation code: metric functions or `.score`/`.evaluate` calls."""
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            qual = dotted_name(call.func, aliases) or ""
            if qual.startswith(kb.EVALUATION_PREFIXES) or (
                    isinstance(call.func, ast.Attribute) and call.func.attr in ("score", "evaluate")):
                return True
        return False

    @staticmethod
    def _source(flow: _Flow) -> str:
        if not flow.predict_calls:
            return ""
        call = flow.predict_calls[0]
        return f" (from `{ast.unparse(call.func)}`, line {call.lineno})"

    @staticmethod
    def _related(ctx: FileContext, cell, flow: _Flow) -> list[dict]:
        return [ctx.related_at(cell, c, "prediction made here") for c in flow.predict_calls[:1]]

    def _finding(self, ctx: FileContext, cell, stmt: ast.stmt, flow: _Flow, what: str) -> Finding:
        return ctx.finding(self, cell, stmt, f"{what}{self._source(flow)} but neither they nor the request's inputs "
                           "are logged or sent to a metrics/monitoring library: drift, skew and a stale model go "
                           "unnoticed; log each request's inputs and prediction, or export them as metrics",
                           related=self._related(ctx, cell, flow))
