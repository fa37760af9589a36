"""The content of `mldebt report`, independent of its format: finding records with excerpts and diff
status, counts by family and severity, debt scores, hot spots, and what to mark on the data graph.

`build(result, diff)` is computed once; `mldebt.report.html` and `mldebt.report.md_report` only render it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from mldebt.report.common import records
from mldebt.report.score import ProjectScore, score

SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}

# One sentence per family on why it is debt, with the section of Sculley et al. (NeurIPS 2015) it follows.
FAMILY_DEBT = {
    "tool": (("mldebt's own findings: files or cells it could not parse, and suppressions that hide nothing. "
             "They are blind spots of the scan rather than debt, but every one hides what the rules would "
             "have seen."), ""),
    "data-dependencies": (("Data dependencies cost more than code dependencies: undeclared consumers, unstable "
                          "or unused inputs, correction cascades and feedback loops entangle models so that "
                          "changing anything changes everything, and no compiler warns about them."),
                          "§2 Complex models erode boundaries, §3 Data dependencies, §4 Feedback loops"),
    "system-anti-patterns": (("Glue code, pipeline jungles, dead experimental paths, embedded languages and "
                             "prototypes in production make the system around the model the expensive part "
                             "to change."), "§5 ML-system anti-patterns"),
    "configuration": (("Hyperparameters, paths and settings scattered through code, duplicated or left "
                      "undefined, are configuration debt: each experiment edits code, and a wrong value "
                      "fails silently."), "§6 Configuration debt"),
    "external-world": (("Fixed thresholds and unmonitored predictions assume the world stays as it was "
                       "when the model was trained; when it changes, nothing notices."),
                       "§7 Dealing with changes in the external world"),
    "notebook-hygiene": (("Notebooks run out of order, with hidden state or unpinned installs, do not give the "
                         "same results when re-run top to bottom; Pimentel et al. (MSR 2019) found most public "
                         "notebooks cannot be re-run that way."), ""),
    "reproducibility": (("Unseeded randomness and leakage between training and evaluation data make results "
                        "irreproducible or optimistic: the model that ships is not the one that was measured."),
                        "§8 Reproducibility debt"),
}

EXCERPT_CONTEXT = 2  # lines of context around a finding's line in the excerpt


@dataclass
class Excerpt:
    """Source lines around a finding: (line number, text) pairs and the finding's own line range."""

    lines: list[tuple[int, str]]
    first: int
    last: int


@dataclass
class GraphMarks:
    """What the drawing of the data graph highlights, derived from the findings."""

    findings: dict[str, Counter] = field(default_factory=dict)  # unit -> rule id counts
    node_marks: dict[str, set[str]] = field(default_factory=dict)  # node -> {"jungle", "feedback"}
    edge_marks: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (src, dst) -> marks

    def mark_edge(self, source: str, target: str, mark: str) -> None:
        self.edge_marks.setdefault((source, target), set()).add(mark)

    def mark_node(self, node: str, mark: str) -> None:
        self.node_marks.setdefault(node, set()).add(mark)


@dataclass
class Report:
    root: str
    files: list[str]
    scripts: int
    notebooks: int
    records: list[dict]  # current findings, each with "excerpt" and "status" added
    fixed: list[dict]  # findings of the base that are gone (with "excerpt"), empty without --base
    score: ProjectScore
    base_score: ProjectScore | None
    by_family: dict[str, Counter]  # family -> severity counts
    graph: object
    marks: GraphMarks
    rules: dict  # rule id -> rule class, for every rule seen
    diff: object = None  # mldebt.report.diff.Diff
    errors: list[tuple[str, str]] = field(default_factory=list)

    def top_records(self) -> list[dict]:
        """Findings in review order: new first (with --base), then by severity, then by file debt."""
        file_score = {p: f.score for p, f in self.score.files.items()}
        return sorted(self.records, key=lambda r: (r["status"] != "new", SEVERITY_RANK.get(r["severity"], 1),
                                                   -file_score.get(r["path"], 0), r["path"],
                                                   r["cell"] or 0, r["line"], r["rule"]))


def excerpt(facts, rec: dict) -> Excerpt | None:
    """The finding's lines with a little context, from the cell (notebooks) or file it is in."""
    if facts is None:
        return None
    lines = facts.lines.get(rec["cell"], [])
    line, end = rec["line"], max(rec["end_line"] or rec["line"], rec["line"])
    if not lines or not 0 < line <= len(lines):
        return None
    end = min(end, len(lines), line + 6)
    start, stop = max(1, line - EXCERPT_CONTEXT), min(len(lines), end + EXCERPT_CONTEXT)
    return Excerpt([(n, lines[n - 1].rstrip("\n")) for n in range(start, stop + 1)], line, end)


def _units_named(graph, rec: dict) -> list[str]:
    """The code units a finding is about: its own file, its related locations, and units its message names."""
    units = set(graph.units())
    named = {rec["path"]} | {r.get("path") for r in rec["related"] if r.get("path")}
    for unit in units:
        if re.search(r"(?<![\w./-])" + re.escape(unit) + r"(?![\w/-])", rec["message"]):
            named.add(unit)
    return sorted(u for u in named if u in units)


def _same_place(data: dict, cell, line) -> bool:
    return data.get("line") == line and (data.get("cell") or None) == (cell or None)


def graph_marks(graph, recs: list[dict]) -> GraphMarks:
    """Units with findings; undeclared-consumer reads (MLD101: the read edge at the finding's line);
    jungle chains (MLD202); feedback cycles (MLD105); reads and writes a pipeline declares."""
    marks = GraphMarks()
    if graph is None:
        return marks
    g = graph.g
    for rec in recs:
        if rec["path"] in g:
            marks.findings.setdefault(rec["path"], Counter())[rec["rule"]] += 1
        if rec["rule"] == "MLD101":
            for artifact, data in graph.reads_of(rec["path"]):
                if _same_place(data, rec["cell"], rec["line"]):
                    marks.mark_edge(artifact, rec["path"], "undeclared")
        elif rec["rule"] == "MLD202":
            chain = set(_units_named(graph, rec))
            for unit in chain:
                marks.mark_node(unit, "jungle")
                for artifact, _ in graph.writes_of(unit):
                    readers = {r for r, _ in graph.readers_of(artifact)} & chain - {unit}
                    if readers:
                        marks.mark_edge(unit, artifact, "jungle")
                        marks.mark_node(artifact, "jungle")
                        for reader in readers:
                            marks.mark_edge(artifact, reader, "jungle")
        elif rec["rule"] == "MLD105":
            named = set(_units_named(graph, rec))
            for component in graph.cycles():
                members = set(component)
                if not members & named:
                    continue
                for node in members:
                    marks.mark_node(node, "feedback")
                for source, target, data in g.edges(data=True):
                    if source in members and target in members and data.get("kind") in ("reads", "writes"):
                        marks.mark_edge(source, target, "feedback")
    for unit in graph.units():
        for artifact, _ in graph.reads_of(unit):
            if graph.declared_consumer(unit, artifact):
                marks.mark_edge(artifact, unit, "declared")
        for artifact, _ in graph.writes_of(unit):
            if graph.declared_producer(unit, artifact):
                marks.mark_edge(unit, artifact, "declared")
    return marks


def family_counts(recs: list[dict]) -> dict[str, Counter]:
    from mldebt.rules.base import FAMILIES

    out: dict[str, Counter] = {}
    for rec in recs:
        out.setdefault(rec["family"] or "tool", Counter())[rec["severity"]] += 1
    order = list(FAMILIES)
    return dict(sorted(out.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0])))


def build(result, diff=None) -> Report:
    """Assemble the report of a CheckResult (and of its Diff against a base, when given)."""
    from mldebt.rules import all_rules

    s = result.scan
    recs = records(result.findings)
    for rec in recs:
        rec["excerpt"] = excerpt(s.facts.get(rec["path"]), rec)
        rec["status"] = diff.status.get(rec["fingerprint"], "new") if diff else ""
    fixed = []
    base_score = None
    if diff is not None:
        for rec in diff.fixed:
            fixed.append(dict(rec, excerpt=excerpt(diff.base_facts.get(rec["path"]), rec), status="fixed"))
        base_score = score(diff.base_records, diff.base_facts, sorted(diff.base_facts))
    registry = all_rules()
    seen = sorted({r["rule"] for r in recs + fixed})
    notebooks = sum(1 for f in s.files if f.endswith(".ipynb"))
    errors = list(s.problems) + [(p, note) for p, f in sorted(s.facts.items()) for note in f.notes]
    return Report(root=str(s.root), files=list(s.files), scripts=len(s.files) - notebooks, notebooks=notebooks,
                  records=recs, fixed=fixed, score=score(recs, s.facts, s.files), base_score=base_score,
                  by_family=family_counts(recs), graph=s.graph, marks=graph_marks(s.graph, recs),
                  rules={r: registry[r] for r in seen if r in registry}, diff=diff, errors=errors)
