"""What every reporter shares: the finding record of CONTRACTS.md and stable fingerprints."""

from __future__ import annotations

import hashlib
import re

from mldebt import __version__
from mldebt.facts.model import Finding


def _normalise(snippet: str) -> str:
    return re.sub(r"\s+", " ", snippet).strip()


def fingerprints(findings: list[Finding]) -> list[str]:
    """Stable per-finding hashes that survive unrelated edits: rule, path, cell id (or cell number),
    enclosing scope and the normalised source line; never line numbers. Repeats get an occurrence suffix."""
    seen: dict[str, int] = {}
    out = []
    for f in findings:
        where = f.pos.cell_id or (f"cell{f.pos.cell}" if f.pos.cell is not None else "")
        key = "\x1f".join([f.rule, f.path, where, f.scope, _normalise(f.snippet) or _normalise(f.message)])
        digest = hashlib.sha1(key.encode()).hexdigest()[:20]
        n = seen.get(digest, 0)
        seen[digest] = n + 1
        out.append(digest if n == 0 else f"{digest}:{n}")
    return out


def record(f: Finding, fingerprint: str) -> dict:
    """The JSON record of a finding (CONTRACTS.md)."""
    from mldebt.rules import all_rules

    rule = all_rules().get(f.rule)
    return {
        "rule": f.rule,
        "name": rule.name if rule else f.rule,
        "family": rule.family if rule else "",
        "severity": rule.severity if rule else "warning",
        "path": f.path,
        "cell": f.pos.cell,
        "cell_id": f.pos.cell_id,
        "line": f.pos.line,
        "column": f.pos.column,
        "end_line": f.pos.end_line,
        "end_column": f.pos.end_column,
        "message": f.message,
        "related": [dict(r) for r in f.related],
        "fingerprint": fingerprint,
    }


def records(findings: list[Finding]) -> list[dict]:
    return [record(f, fp) for f, fp in zip(findings, fingerprints(findings))]


def tool_info() -> dict:
    return {"name": "mldebt", "version": __version__}


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def baseline_note(hidden: int) -> str:
    """"7 known findings hidden by baseline" (empty when nothing was hidden)."""
    return f"{plural(hidden, 'known finding')} hidden by baseline" if hidden else ""


def location(rec: dict) -> str:
    if rec["cell"] is not None:
        return f"{rec['path']}:cell {rec['cell']}:{rec['line']}:{rec['column']}"
    return f"{rec['path']}:{rec['line']}:{rec['column']}"
