"""The demo project's findings are a snapshot: any change in what mldebt reports on `examples/` must be
deliberate. Regenerate with `MLDEBT_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_examples_snapshot.py`."""

from __future__ import annotations

import json
import os
from pathlib import Path

from mldebt import api
from mldebt.report.common import records
from mldebt.rules import all_rules

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SNAPSHOT = Path(__file__).resolve().parent / "snapshots" / "examples.json"


def current() -> list[dict]:
    result = api.check([str(EXAMPLES)], jobs=1, use_cache=False)
    return [{k: r[k] for k in ("rule", "path", "cell", "line", "column", "message", "related", "fingerprint")}
            for r in records(result.findings)]


def test_examples_match_snapshot():
    found = current()
    if os.environ.get("MLDEBT_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(found, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert found == expected


def test_examples_trigger_every_rule_family_and_every_rule():
    rules = {f["rule"] for f in current()}
    missing = sorted(set(all_rules()) - rules)
    assert not missing, f"examples/ does not demonstrate {missing}"
