"""The data of fixing: text edits inside one cell, planned fixes, and the report of a fix run.

An `Edit` replaces a range of one cell's text (a script is one cell) given as 1-based lines and 0-based
character columns of the cell's *code* (the text with IPython magics masked). Outside masked lines code
and raw text are the same, so an edit applies to the raw text line for line; an edit may touch a masked
line only when it says so (`on_magic`, used by the `%pip install` pin, which rewrites the magic itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mldebt.facts.model import Finding


class NoFix(Exception):
    """This finding has no fix here; the message says why (reported as a skipped fix)."""


@dataclass(frozen=True)
class Edit:
    start: tuple[int, int]  # (line 1-based, column 0-based in characters)
    end: tuple[int, int]
    text: str
    on_magic: bool = False

    def overlaps(self, other: "Edit") -> bool:
        if self.start == self.end == other.start == other.end:
            return True  # two insertions at one point: their order would be a guess
        return self.start < other.end and other.start < self.end


@dataclass
class Planned:
    """A fix chosen for one finding (decided from the syntax tree alone, before libcst is imported)."""

    finding: Finding
    safety: str  # "safe" or "unsafe"
    data: Any = None  # what the rule's fixer needs to build its edits


@dataclass
class FileChange:
    path: str  # project-relative
    before: bytes | None  # None: the file is new
    after: bytes


@dataclass
class FixReport:
    """What a fix run did (or, with write=False, would do)."""

    fixed: list[Finding] = field(default_factory=list)
    skipped: list[tuple[Finding, str]] = field(default_factory=list)  # had a fix, but it could not be applied
    unsafe_available: int = 0  # fixes left out because they need --unsafe-fixes
    changes: list[FileChange] = field(default_factory=list)
    written: bool = False

    def by_rule(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for finding in self.fixed:
            counts[finding.rule] = counts.get(finding.rule, 0) + 1
        return dict(sorted(counts.items()))

    def diff(self) -> str:
        """A unified diff of every change, paths as `a/<path>` and `b/<path>` (apply with `patch -p1`)."""
        from mldebt.fix.textdiff import unified

        return "".join(unified(change) for change in self.changes)
