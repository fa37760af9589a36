"""SARIF 2.1.0 for GitHub code scanning (`check --format sarif`).

One run; `tool.driver.rules` lists every rule of the run with its documentation (the rule page); each
result has one physical location. Notebook findings point at the raw `.ipynb` line that holds the
source line (that is what GitHub shows), with the cell and the line within the cell in `properties`.
The rule pages' base URL can be changed with the environment variable MLDEBT_RULES_URL (for forks and
mirrors).
"""

from __future__ import annotations

import json
import os
from urllib.parse import quote

from mldebt import __version__
from mldebt.report.locate import Locator

SCHEMA = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
DEFAULT_RULES_URL = "https://github.com/mldebt/mldebt/blob/main/rules/"
INFORMATION_URI = "https://github.com/mldebt/mldebt"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "mldebt/v1"


def rules_url() -> str:
    base = os.environ.get("MLDEBT_RULES_URL") or DEFAULT_RULES_URL
    return base if base.endswith("/") else base + "/"


def _rule_descriptor(rule_cls, base_url: str) -> dict:
    from mldebt.docs import rule_page

    page = rule_page(rule_cls)
    sections = rule_cls.sections()
    full = " ".join((sections.get("What it flags") or rule_cls.summary()).split())
    return {
        "id": rule_cls.id,
        "name": rule_cls.name,
        "shortDescription": {"text": rule_cls.summary()},
        "fullDescription": {"text": full},
        "helpUri": f"{base_url}{rule_cls.id}.md",
        "help": {"text": page, "markdown": page},
        "defaultConfiguration": {"level": LEVELS.get(rule_cls.severity, "warning"),
                                 "enabled": bool(rule_cls.enabled_by_default)},
        "properties": {"tags": [rule_cls.family], "family": rule_cls.family},
    }


def _physical(locator: Locator, path: str, cell: int | None, line: int, column: int | None = None,
              end_line: int | None = None, end_column: int | None = None) -> dict:
    region: dict = {"startLine": locator.file_line(path, cell, line)}
    if cell is None and column:
        region["startColumn"] = column
        if end_line and end_line >= line:
            region["endLine"] = end_line
            if end_column and (end_line > line or end_column > column):
                region["endColumn"] = end_column
    return {"artifactLocation": {"uri": quote(locator.repo_path(path)), "uriBaseId": "%SRCROOT%"},
            "region": region}


def _cell_properties(cell: int | None, cell_id: str | None, line: int, column: int | None) -> dict:
    if cell is None:
        return {}
    props = {"cell": cell, "cellLine": line}
    if column:
        props["cellColumn"] = column
    if cell_id:
        props["cellId"] = cell_id
    return props


def _result(rec: dict, rule_index: dict[str, int], locator: Locator) -> dict:
    where = f" (cell {rec['cell']}, line {rec['line']})" if rec["cell"] is not None else ""
    location: dict = {"physicalLocation": _physical(locator, rec["path"], rec["cell"], rec["line"], rec["column"],
                                                    rec["end_line"], rec["end_column"])}
    props = _cell_properties(rec["cell"], rec["cell_id"], rec["line"], rec["column"])
    result: dict = {
        "ruleId": rec["rule"],
        "ruleIndex": rule_index[rec["rule"]],
        "level": LEVELS.get(rec["severity"], "warning"),
        "message": {"text": rec["message"] + where},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: rec["fingerprint"]},
    }
    if props:
        result["properties"] = props
    related = []
    for number, other in enumerate(rec.get("related") or [], start=1):
        if not other.get("path"):
            continue
        cell, line = other.get("cell"), int(other.get("line") or 1)
        entry = {"id": number, "physicalLocation": _physical(locator, other["path"], cell, line),
                 "message": {"text": other.get("message") or "related"}}
        other_props = _cell_properties(cell, other.get("cell_id"), line, None)
        if other_props:
            entry["properties"] = other_props
        related.append(entry)
    if related:
        result["relatedLocations"] = related
    return result


def render(recs: list[dict], result) -> str:
    from mldebt.rules import all_rules

    registry = all_rules()
    ids = sorted(set(getattr(result, "selected", None) or []) | {r["rule"] for r in recs if r["rule"] in registry})
    base_url = rules_url()
    descriptors = [_rule_descriptor(registry[i], base_url) for i in ids]
    rule_index = {rule_id: n for n, rule_id in enumerate(ids)}
    locator = Locator(result.root)
    root_uri = locator.repo_root.as_uri().rstrip("/") + "/"  # paths are relative to the repository root
    run = {
        "tool": {"driver": {"name": "mldebt", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFORMATION_URI, "rules": descriptors}},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(rec, rule_index, locator) for rec in recs if rec["rule"] in rule_index],
    }
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
