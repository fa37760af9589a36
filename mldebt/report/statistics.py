"""`check --statistics`: counts per rule instead of findings."""

from __future__ import annotations

import json
from collections import Counter


def render(recs: list[dict], fmt: str) -> str:
    counts = Counter((r["rule"], r["name"]) for r in recs)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    if fmt == "json":
        return json.dumps([{"rule": k[0], "name": k[1], "count": v} for k, v in rows], indent=2) + "\n"
    width = max((len(str(v)) for _, v in rows), default=1)
    lines = [f"{v:>{width}}  {k[0]}  {k[1]}" for k, v in rows]
    lines.append(f"Found {sum(counts.values())} findings")
    return "\n".join(lines) + "\n"
