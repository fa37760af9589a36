"""The JSON format of CONTRACTS.md: deterministic (sorted keys within records, sorted findings)."""

from __future__ import annotations

import json

from mldebt.report.common import tool_info


def render(recs: list[dict], root: str, files_scanned: int, errors: list[dict]) -> str:
    doc = {"tool": tool_info(), "root": root, "files_scanned": files_scanned, "findings": recs, "errors": errors}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
