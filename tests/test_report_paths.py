"""Changed-files mode tells project rules which files are shown (`ProjectContext.report_paths`) so they can
skip work whose findings would be dropped. What they report in the named files must not change: for every
multi-file example of every project rule, checking one file gives exactly the full run's findings there."""

from __future__ import annotations

import pytest

from mldebt import api
from mldebt.rules import project_rules
from mldebt.sources.discovery import kind_of

PROJECT_EXAMPLES = [(rule.id, i, example) for rule in project_rules()
                    for i, example in enumerate(list(rule.INVALID) + list(rule.VALID))
                    if isinstance(example.code, dict) and len(example.code) > 1]


def _shown(findings) -> list[tuple]:
    return [(f.rule, f.path, f.pos, f.message, f.related, f.snippet) for f in findings]


@pytest.mark.parametrize("rule_id,number,example", PROJECT_EXAMPLES,
                         ids=[f"{r}-{n}" for r, n, _ in PROJECT_EXAMPLES])
def test_one_named_file_gets_the_full_runs_findings(project, rule_id, number, example):
    root = project(example.code)
    full = api.check([str(root)], jobs=1, use_cache=False).findings
    for rel in sorted(example.code):
        if not kind_of(rel):
            continue
        named = api.check([str(root / rel)], jobs=1, use_cache=False).findings
        assert _shown(named) == _shown([f for f in full if f.path == rel]), rel


def test_report_paths_reach_the_project_rules(project, monkeypatch):
    root = project({"a.py": "import pandas as pd\npd.read_csv('data/raw.csv').to_csv('data/clean.csv')\n",
                    "b.py": "import pandas as pd\nprint(pd.read_csv('data/clean.csv').shape)\n"})
    seen = []
    original = api._project_findings

    def spy(scan, rule_ids, report_paths=None):
        seen.append(report_paths)
        return original(scan, rule_ids, report_paths)

    monkeypatch.setattr(api, "_project_findings", spy)
    api.check([str(root / "b.py")], jobs=1, use_cache=False)
    api.check([str(root)], jobs=1, use_cache=False)
    assert seen == [frozenset({"b.py"}), None]
