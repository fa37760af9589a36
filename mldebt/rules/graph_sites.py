"""Turning DataGraph edges back into source sites, for graph rules' positions, messages and `related`.

A graph edge keeps the line, column and cell of the call that made it, and `event`, the index of that
call in the unit's `FileFacts.io`; the event holds the full range. Every graph rule needs the same three
things from an edge: a `Pos` to report at, a short "where" text for messages, and a `related` entry.
"""

from __future__ import annotations

from mldebt.facts.model import Pos

# Artifact kinds that carry data between code units (env vars and config keys are settings, not data).
DATA_KINDS = frozenset({"file", "model", "table", "url"})


def reported_reads(project) -> list[str]:
    """The artifacts (sorted, as `graph.artifacts()`) whose reads can give a finding this run shows: all of
    them, or in changed-files mode those the named files read, for rules that report at the reading unit."""
    graph = project.graph
    if project.report_paths is None:
        return graph.artifacts()
    read = {artifact for unit in project.report_paths for artifact, _ in graph.reads_of(unit)}
    return [artifact for artifact in graph.artifacts() if artifact in read]


def edge_pos(project, unit: str, data: dict) -> Pos:
    """The exact source range of the call behind an edge of `unit`."""
    facts = project.facts.get(unit)
    index = data.get("event")
    if facts is not None and isinstance(index, int) and 0 <= index < len(facts.io):
        return facts.io[index].pos
    line, column = data.get("line", 1), data.get("column", 1)
    return Pos(data.get("cell"), None, line, column, line, column)


def where(unit: str, data: dict) -> str:
    """`notebooks/eda.ipynb` cell 3, line 2 / `train.py` line 14, for messages."""
    cell = data.get("cell")
    line = data.get("line", 1)
    return f"{unit} (cell {cell}, line {line})" if cell is not None else f"{unit} (line {line})"


def related(unit: str, data: dict, message: str) -> dict:
    return {"path": unit, "cell": data.get("cell"), "line": data.get("line", 1), "message": message}


def order(data: dict) -> tuple[int, int, int]:
    """Statement order of an edge inside its unit (cells top to bottom, then lines)."""
    return (data.get("cell") or 0, data.get("line", 0), data.get("column", 0))


def names(items: list[str], limit: int = 3) -> str:
    """`a.py`, `a.py and b.py`, `a.py, b.py and 2 more`."""
    shown = items[:limit]
    if len(items) > limit:
        return ", ".join(shown) + f" and {len(items) - limit} more"
    if len(shown) > 1:
        return ", ".join(shown[:-1]) + " and " + shown[-1]
    return shown[0] if shown else ""
