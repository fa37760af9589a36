"""Every rule's VALID and INVALID examples run as tests (the Fixit idea): INVALID ones must produce the
rule's finding (the stated number of them, if given), VALID ones none."""

from __future__ import annotations

import pytest

from mldebt.rules import all_rules

CASES = []
for rule_id, rule_cls in all_rules().items():
    for i, example in enumerate(rule_cls.VALID):
        CASES.append(pytest.param(rule_id, example, False, id=f"{rule_id}-valid-{i}"))
    for i, example in enumerate(rule_cls.INVALID):
        CASES.append(pytest.param(rule_id, example, True, id=f"{rule_id}-invalid-{i}"))


@pytest.mark.parametrize("rule_id,example,invalid", CASES)
def test_rule_example(rule_id, example, invalid, project, run_check):
    root = project(example.code)
    findings = [f for f in run_check(root, select=["MLD", rule_id]) if f.rule == rule_id]
    if invalid:
        assert findings, f"{rule_id} should flag this example:\n{example.code}"
        if example.expect is not None:
            assert len(findings) == example.expect, [f.message for f in findings]
        for f in findings:
            assert f.message and f.pos.line >= 1 and f.pos.column >= 1
    else:
        assert not findings, [f"{f.path}:{f.pos.line}: {f.message}" for f in findings]


def test_registry_ids_unique_and_documented():
    from mldebt.rules.base import FAMILIES, SEVERITIES

    rules = all_rules()
    assert rules, "no rules registered"
    for rule_id, rule_cls in rules.items():
        assert rule_id.startswith("MLD") and len(rule_id) == 6
        assert rule_cls.name and rule_cls.family in FAMILIES and rule_cls.severity in SEVERITIES
        sections = rule_cls.sections()
        for title in ("What it flags", "Why it is debt", "Example", "Fix", "Limits"):
            assert sections.get(title), f"{rule_id} lacks a '{title}' docstring section"
        assert "§" in sections["Why it is debt"] or rule_cls.family in ("notebook-hygiene", "reproducibility"), \
            f"{rule_id}: 'Why it is debt' should cite the paper's section"
        assert rule_cls.VALID and rule_cls.INVALID, f"{rule_id} needs VALID and INVALID examples"
