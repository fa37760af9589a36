"""The debt score: a simple, explainable number per file and for the project.

Each finding weighs by its severity; a file's score is the sum over its findings; the project's score is
the sum over all files. Because a big file collects more findings than a small one, the density (points
per 100 non-blank source lines) is given beside it, so files and projects of different sizes compare.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WEIGHTS = {"error": 10, "warning": 3, "info": 1}

FORMULA = ("Each finding counts by its severity: error = {error}, warning = {warning}, info = {info} points. "
           "A file's debt score is the sum of the points of its findings; the project's score is the sum over "
           "all files. Density = score per 100 non-blank source lines, so files and projects of different "
           "sizes compare.").format(**WEIGHTS)


@dataclass
class FileScore:
    path: str
    kind: str  # "notebook", "script", "module" (or "" for a file that could not be read)
    lines: int
    findings: int = 0
    score: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)

    @property
    def density(self) -> float:
        return 100.0 * self.score / self.lines if self.lines else float(self.score)


@dataclass
class ProjectScore:
    score: int
    lines: int
    findings: int
    files: dict[str, FileScore]

    @property
    def density(self) -> float:
        return 100.0 * self.score / self.lines if self.lines else float(self.score)

    def hot_spots(self, limit: int = 10) -> list[FileScore]:
        """The files with the most debt: highest score first, then density, then path."""
        ranked = sorted((f for f in self.files.values() if f.score),
                        key=lambda f: (-f.score, -f.density, f.path))
        return ranked[:limit]


def code_lines(facts) -> int:
    """Non-blank source lines of a file's code (all code cells of a notebook)."""
    if facts is None:
        return 0
    return sum(1 for lines in facts.lines.values() for line in lines if line.strip())


def score(recs: list[dict], facts: dict, files: list[str]) -> ProjectScore:
    """Score every scanned file from the finding records (`mldebt.report.common.records`)."""
    table = {path: FileScore(path, getattr(facts.get(path), "kind", ""), code_lines(facts.get(path)))
             for path in files}
    for rec in recs:
        entry = table.get(rec["path"])
        if entry is None:  # a finding in a file outside the scanned list (a config file, say)
            entry = table[rec["path"]] = FileScore(rec["path"], "", 0)
        entry.findings += 1
        entry.score += WEIGHTS.get(rec["severity"], WEIGHTS["warning"])
        entry.by_rule[rec["rule"]] = entry.by_rule.get(rec["rule"], 0) + 1
    return ProjectScore(sum(f.score for f in table.values()), sum(f.lines for f in table.values()),
                        len(recs), dict(sorted(table.items())))
