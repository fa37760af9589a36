"""The rule pages in rules/ are generated from the rules' docstrings and must stay in sync with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from mldebt.docs import rule_page
from mldebt.rules import all_rules

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


@pytest.mark.parametrize("rule_id", list(all_rules()))
def test_rule_page_in_sync(rule_id):
    page = RULES_DIR / f"{rule_id}.md"
    assert page.is_file(), f"missing {page}; run `python -m mldebt.docs {rule_id}`"
    assert page.read_text(encoding="utf-8") == rule_page(all_rules()[rule_id]), \
        f"{page} is out of date; run `python -m mldebt.docs {rule_id}`"


def test_no_orphan_pages():
    ids = set(all_rules())
    orphans = [p.name for p in RULES_DIR.glob("MLD*.md") if p.stem not in ids]
    assert not orphans, f"rule pages without a rule: {orphans}"
