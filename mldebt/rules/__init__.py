"""The rule registry: every rule class found in the family packages, by id."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from mldebt.rules.base import FileRule, ProjectRule, Rule

FAMILY_PACKAGES = ("tool", "data", "system", "config", "world", "notebook", "repro")


@lru_cache(maxsize=1)
def all_rules() -> dict[str, type[Rule]]:
    """Import every rule module once and return {id: class}, sorted by id."""
    found: dict[str, type[Rule]] = {}
    for family in FAMILY_PACKAGES:
        package = importlib.import_module(f"mldebt.rules.{family}")
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"mldebt.rules.{family}.{info.name}")
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, Rule) and value.id and \
                        value.__module__ == module.__name__:
                    if value.id in found and found[value.id] is not value:
                        raise RuntimeError(f"duplicate rule id {value.id}")
                    found[value.id] = value
    return dict(sorted(found.items()))


def rule(rule_id: str) -> type[Rule]:
    return all_rules()[rule_id]


def file_rules() -> list[type[FileRule]]:
    return [r for r in all_rules().values() if issubclass(r, FileRule)]


def project_rules() -> list[type[ProjectRule]]:
    return [r for r in all_rules().values() if issubclass(r, ProjectRule)]


def matches(rule_id: str, selectors) -> bool:
    """True if `rule_id` is named by any selector (full id or prefix such as "MLD1", "MLD")."""
    return any(rule_id.startswith(s) for s in selectors)
