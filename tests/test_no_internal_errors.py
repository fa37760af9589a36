"""An analyser bug becomes an MLD001 "internal error" finding rather than a crash (tests/test_hostile.py),
which keeps a scan going but would let a bug hide behind a quiet test. Every rule example, the demo
project and the hostile corpus must analyse without one."""

from __future__ import annotations

import shutil
from pathlib import Path

from mldebt import api
from mldebt.rules import all_rules
from mldebt.testing import write_example

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _internal_errors(root: Path) -> list[str]:
    result = api.check([str(root)], jobs=1, use_cache=False)
    return [f"{f.path}: {f.message}" for f in result.findings if "internal error" in f.message]


def test_every_rule_example_analyses_without_an_internal_error(tmp_path):
    errors = []
    for rule_id, rule in sorted(all_rules().items()):
        for i, example in enumerate(list(rule.VALID) + list(rule.INVALID)):
            root = write_example(tmp_path / f"{rule_id}-{i}", example.code)
            errors += [f"{rule_id} example {i}: {e}" for e in _internal_errors(root)]
    assert errors == []


def test_the_demo_project_analyses_without_an_internal_error(tmp_path):
    root = tmp_path / "demo"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns(".mldebt_cache"))
    assert _internal_errors(root) == []
