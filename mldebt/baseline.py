"""Baselines: the fingerprints of today's findings, so a legacy repo can adopt mldebt and gate only new debt."""

from __future__ import annotations

import json
from pathlib import Path

from mldebt import __version__
from mldebt.facts.model import Finding


class BaselineError(Exception):
    pass


def write_baseline(path: str, findings: list[Finding]) -> int:
    from mldebt.output import emit
    from mldebt.report.common import fingerprints

    entries = sorted(
        ({"fingerprint": fp, "rule": f.rule, "path": f.path, "message": f.message}
         for f, fp in zip(findings, fingerprints(findings))), key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    doc = {"tool": "mldebt", "version": __version__, "findings": entries}
    emit(json.dumps(doc, indent=2, sort_keys=True) + "\n", path)
    return len(entries)


def read_baseline(path: str) -> set[str]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BaselineError(f"baseline {path} is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        raise BaselineError(f"baseline {path} has no `findings` list (write one with `mldebt baseline`)")
    out = set()
    for entry in doc["findings"]:
        if isinstance(entry, dict) and isinstance(entry.get("fingerprint"), str):
            out.add(entry["fingerprint"])
    return out
