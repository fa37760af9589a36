"""`DataGraph`: a networkx MultiDiGraph behind a small domain API that rules use.

Nodes: code units (id = project-relative path; kind notebook/script/module), artifacts (file, url, table,
model, env, config-key, pattern) and declarations (kind "pipeline": a dvc stage, a Makefile rule, a Kedro
catalog or a contract). Edges: artifact -reads-> unit, unit -writes-> artifact, unit -executes-> unit,
unit -imports-> module, pipeline -declares-> unit/artifact (with `role` cmd/dep/out/consumer/producer).
"""

from __future__ import annotations

from typing import Any, Iterable

UNIT_KINDS = frozenset({"notebook", "script", "module"})
ARTIFACT_KINDS = frozenset({"file", "url", "table", "model", "env", "config-key", "pattern"})


def _by_unit_position(item: tuple[str, dict]) -> tuple:
    return item[0], item[1].get("cell") or 0, item[1].get("line", 0)


def _by_position_node(item: tuple[str, dict]) -> tuple:
    return item[1].get("cell") or 0, item[1].get("line", 0), item[0]


def _has_kind(keyed: dict, kind: str) -> bool:
    return any(d.get("kind") == kind for d in keyed.values())


# The edge accessors read the adjacency (`g.pred[n][neighbour][key] -> data`) directly: the same edges in the
# same order as `in_edges(n, data=True)`, without networkx's edge-view objects (a warm run calls them ~100k times).
class DataGraph:
    def __init__(self, graph, unresolved: list[dict] | None = None, tracked: set[str] | None = None):
        self.g = graph
        self.unresolved = unresolved or []
        self.tracked = tracked or set()
        self._tracked_folders: set[str] | None = None  # `tracked` without trailing slashes

    # ------------------------------------------------------------------ nodes
    def kind(self, node: str) -> str:
        return self.g.nodes[node].get("kind", "")

    def units(self) -> list[str]:
        return sorted(n for n, d in self.g.nodes(data=True) if d.get("kind") in UNIT_KINDS)

    def artifacts(self) -> list[str]:
        return sorted(n for n, d in self.g.nodes(data=True) if d.get("kind") in ARTIFACT_KINDS)

    def pipelines(self) -> list[str]:
        return sorted(n for n, d in self.g.nodes(data=True) if d.get("kind") == "pipeline")

    # ------------------------------------------------------------------ edges
    def edges(self, kind: str | None = None) -> Iterable[tuple[str, str, dict[str, Any]]]:
        for source, target, data in self.g.edges(data=True):
            if kind is None or data.get("kind") == kind:
                yield source, target, data

    def writers_of(self, artifact: str) -> list[tuple[str, dict]]:
        """(unit, edge data) for every write of `artifact`, sorted by unit and position."""
        pred = self.g.pred
        if artifact not in pred:
            return []
        out = [(u, d) for u, keyed in pred[artifact].items() for d in keyed.values() if d.get("kind") == "writes"]
        return sorted(out, key=_by_unit_position)

    def readers_of(self, artifact: str) -> list[tuple[str, dict]]:
        succ = self.g.succ
        if artifact not in succ:
            return []
        out = [(u, d) for u, keyed in succ[artifact].items() for d in keyed.values() if d.get("kind") == "reads"]
        return sorted(out, key=_by_unit_position)

    def reads_of(self, unit: str) -> list[tuple[str, dict]]:
        pred = self.g.pred
        if unit not in pred:
            return []
        return sorted(((a, d) for a, keyed in pred[unit].items() for d in keyed.values() if d.get("kind") == "reads"),
                      key=_by_position_node)

    def writes_of(self, unit: str) -> list[tuple[str, dict]]:
        succ = self.g.succ
        if unit not in succ:
            return []
        return sorted(((a, d) for a, keyed in succ[unit].items() for d in keyed.values() if d.get("kind") == "writes"),
                      key=_by_position_node)

    def runs(self, unit: str) -> set[str]:
        """The units `unit` runs: those it executes, and for an orchestrator file (an Airflow DAG, a Prefect
        flow, Dagster assets) every project module it imports, directly or through other modules."""
        found = {target for target, _ in self.executes_of(unit)}
        if self.g.nodes[unit].get("orchestrator") if unit in self.g else False:
            todo = [unit]
            seen = {unit}
            while todo:
                current = todo.pop()
                for _, target, data in self.g.out_edges(current, data=True):
                    if data.get("kind") == "imports" and target not in seen:
                        seen.add(target)
                        found.add(target)
                        todo.append(target)
        return found

    def executes_of(self, unit: str) -> list[tuple[str, dict]]:
        succ = self.g.succ
        if unit not in succ:
            return []
        return [(t, d) for t, keyed in succ[unit].items() for d in keyed.values() if d.get("kind") == "executes"]

    # ------------------------------------------------------------------ declarations
    def declarations_of(self, node: str, role: str | None = None) -> list[str]:
        """Pipelines that declare `node` (optionally in a given role). A declared folder (a dvc `outs:` of
        `data/features`) also declares every artifact inside it."""
        found: set[str] = set()
        candidates = [node]
        parent = node
        while "/" in parent:
            parent = parent.rsplit("/", 1)[0]
            candidates.append(parent)
        for candidate in candidates:
            if candidate not in self.g:
                continue
            found.update(p for p, _, d in self.g.in_edges(candidate, data=True)
                         if d.get("kind") == "declares" and (role is None or d.get("role") == role))
        return sorted(found)

    def declared_consumer(self, unit: str, artifact: str) -> bool:
        """True if a pipeline that runs `unit` lists `artifact` as an input, a contract names `unit` as a
        consumer of it, or a Kedro catalog manages it."""
        for pipeline in self.declarations_of(artifact, "dep"):
            if self.g.nodes[pipeline].get("source") == "kedro":
                return True
            if unit in self.declarations_of_unit(pipeline):
                return True
        return False

    def declarations_of_unit(self, pipeline: str) -> set[str]:
        return {t for _, t, d in self.g.out_edges(pipeline, data=True)
                if d.get("kind") == "declares" and d.get("role") in ("cmd", "consumer")}

    def declared_producer(self, unit: str, artifact: str) -> bool:
        for pipeline in self.declarations_of(artifact, "out") + self.declarations_of(artifact, "producer"):
            if unit in self.declarations_of_unit(pipeline) or self.g.nodes[pipeline].get("producer") == unit:
                return True
        return False

    def orchestrated(self, unit: str) -> bool:
        return bool(self.declarations_of(unit, "cmd"))

    def is_tracked(self, artifact: str) -> bool:
        """DVC-tracked (by a .dvc file or a dvc.yaml out), or under a tracked folder."""
        if artifact in self.tracked:
            return True
        if self._tracked_folders is None:
            self._tracked_folders = {t.rstrip("/") for t in self.tracked}
        cut = artifact.rfind("/")
        while cut >= 0:  # each enclosing folder, innermost first: a set lookup each, not a scan of all
            if artifact[:cut] in self._tracked_folders:
                return True
            cut = artifact.rfind("/", 0, cut)
        return False

    # ------------------------------------------------------------------ structure
    def unit_graph(self):
        """A DiGraph of units: U -> V when V reads an artifact U writes (edge keeps the artifacts)."""
        import networkx as nx

        ug = nx.DiGraph()
        ug.add_nodes_from(self.units())
        pred, succ = self.g.pred, self.g.succ
        for artifact in self.artifacts():
            writers = {w for w, keyed in pred[artifact].items() if _has_kind(keyed, "writes")}
            if not writers:
                continue
            readers = {r for r, keyed in succ[artifact].items() if _has_kind(keyed, "reads")}
            for w in writers:
                for r in readers:
                    if w != r:
                        if ug.has_edge(w, r):
                            ug[w][r]["artifacts"].append(artifact)
                        else:
                            ug.add_edge(w, r, artifacts=[artifact])
        return ug

    def cycles(self) -> list[list[str]]:
        """Strongly connected components of more than one node (or with a self loop), as sorted lists."""
        import networkx as nx

        out = []
        for component in nx.strongly_connected_components(self.g):
            if len(component) > 1:
                out.append(sorted(component))
        return sorted(out)
