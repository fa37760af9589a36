"""The data-dependency graph as an inline SVG picture for the HTML report.

Code units and artifacts get different shapes (units are boxes, files are folded notes, models hexagons,
tables cylinders, URLs parallelograms, env vars and config keys diamonds, declared pipelines dashed
boxes); reads and writes are arrows; undeclared-consumer edges (MLD101), jungle chains (MLD202) and
feedback cycles (MLD105) are marked; units with findings are highlighted with their count. Colours
come from CSS classes of the page, so the picture follows light and dark mode. Graphs with more than
`MAX_FULL_NODES` units and artifacts collapse to units only; artifacts then appear in tooltips.
"""

from __future__ import annotations

from html import escape

from mldebt.graph.model import ARTIFACT_KINDS, UNIT_KINDS
from mldebt.report.layout import layered_layout

MAX_FULL_NODES = 150
CHAR_WIDTH = 6.8  # px per character of the 12px label font, a little generous
NODE_HEIGHT = 30.0
MAX_LABEL = 38

SHAPE_OF = {"notebook": "notebook", "script": "script", "module": "module", "file": "file", "pattern": "file",
            "model": "model", "table": "table", "url": "url", "env": "key", "config-key": "key",
            "pipeline": "pipeline"}
MARK_TEXT = {"undeclared": "undeclared consumer (MLD101)", "jungle": "pipeline jungle (MLD202)",
             "feedback": "feedback loop (MLD105)", "declared": "declared by a pipeline"}


def _label(node: str) -> str:
    return node if len(node) <= MAX_LABEL else "…" + node[-(MAX_LABEL - 1):]


def _shape(kind: str, w: float, h: float) -> str:
    """The outline of a node centred on (0, 0)."""
    x, y = -w / 2, -h / 2
    if kind == "notebook":
        return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="9"/>'
    if kind == "module":
        return (f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}"/>'
                f'<path class="deco" d="M{x + 6:.1f},{y:.1f}V{-y:.1f}"/>')
    if kind == "file":  # a page with a folded corner
        f = 8
        return (f'<path d="M{x:.1f},{y:.1f}H{-x - f:.1f}L{-x:.1f},{y + f:.1f}V{-y:.1f}H{x:.1f}Z"/>'
                f'<path class="deco" d="M{-x - f:.1f},{y:.1f}V{y + f:.1f}H{-x:.1f}"/>')
    if kind == "model":
        d = 10
        return (f'<path d="M{x:.1f},0L{x + d:.1f},{y:.1f}H{-x - d:.1f}L{-x:.1f},0L{-x - d:.1f},{-y:.1f}'
                f'H{x + d:.1f}Z"/>')
    if kind == "table":
        r = 4
        return (f'<path d="M{x:.1f},{y + r:.1f}V{-y - r:.1f}A{-x:.1f},{r},0,0,0,{-x:.1f},{-y - r:.1f}'
                f'V{y + r:.1f}A{-x:.1f},{r},0,0,0,{x:.1f},{y + r:.1f}Z"/>'
                f'<path class="deco" d="M{x:.1f},{y + r:.1f}A{-x:.1f},{r},0,0,0,{-x:.1f},{y + r:.1f}"/>')
    if kind == "url":
        d = 8
        return f'<path d="M{x + d:.1f},{y:.1f}H{-x:.1f}L{-x - d:.1f},{-y:.1f}H{x:.1f}Z"/>'
    if kind == "key":
        d = 12
        return f'<path d="M{x:.1f},0L{x + d:.1f},{y:.1f}H{-x - d:.1f}L{-x:.1f},0L{-x - d:.1f},{-y:.1f}H{x + d:.1f}Z"/>'
    # script and pipeline: plain boxes (a pipeline's is dashed by CSS)
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="2"/>'


def _curve(points: list[tuple[float, float]]) -> str:
    """A path through the points with horizontal tangents at each of them (smooth S-bends)."""
    (x0, y0), rest = points[0], points[1:]
    parts = [f"M{x0:.1f},{y0:.1f}"]
    for x1, y1 in rest:
        dx = (x1 - x0) / 2
        parts.append(f"C{x0 + dx:.1f},{y0:.1f} {x1 - dx:.1f},{y1:.1f} {x1:.1f},{y1:.1f}")
        x0, y0 = x1, y1
    return "".join(parts)


def _edges(graph) -> list[tuple[str, str, str]]:
    """(source, target, kind) as drawn. A pipeline's inputs point at it (data flows in), its command and
    outputs are pointed at by it; its `dep` on a code unit is left out, as its command edge shows it."""
    out = set()
    for source, target, data in graph.g.edges(data=True):
        kind = data.get("kind", "")
        if kind == "declares" and data.get("role") == "dep":
            if graph.kind(target) not in UNIT_KINDS:
                out.add((target, source, kind))
            continue
        out.add((source, target, kind))
    return sorted(out)


def _flow(source: str, target: str, kind: str) -> tuple[str, str]:
    """The edge in data-flow direction, for layering: an imported module sits left of its importers (it is
    upstream of them), though the arrow is drawn from importer to module."""
    return (target, source) if kind == "imports" else (source, target)


def _unit_view(graph):
    """Collapsed view: units (and pipelines) only; an edge U -> V when V reads what U writes."""
    nodes = graph.units() + graph.pipelines()
    edges = []
    artifacts_of_edge = {}
    for source, target, data in graph.unit_graph().edges(data=True):
        edges.append((source, target, "data"))
        artifacts_of_edge[(source, target)] = sorted(set(data["artifacts"]))
    for source, target, data in graph.g.edges(data=True):
        if data.get("kind") in ("executes", "imports") and source in graph.g and target in nodes:
            edges.append((source, target, data["kind"]))
        elif data.get("kind") == "declares" and data.get("role") in ("cmd", "consumer") and target in nodes:
            edges.append((source, target, "declares"))
    return nodes, sorted(set(edges)), artifacts_of_edge


def _node_title(graph, node: str, collapsed: bool, counts) -> str:
    kind = graph.kind(node)
    lines = [f"{node} ({kind})"]
    if counts:
        lines.append("findings: " + ", ".join(f"{rule} ×{n}" for rule, n in sorted(counts.items())))
    if kind == "pipeline":
        data = graph.g.nodes[node]
        lines.append(f"declared in {data.get('file', '?')}" + (f" line {data['line']}" if data.get("line") else ""))
    if collapsed and kind in UNIT_KINDS:
        reads = sorted({a for a, _ in graph.reads_of(node)})
        writes = sorted({a for a, _ in graph.writes_of(node)})
        if reads:
            lines.append("reads: " + ", ".join(reads))
        if writes:
            lines.append("writes: " + ", ".join(writes))
    return "\n".join(lines)


def render(report) -> tuple[str, bool]:
    """The SVG of the report's graph, and whether it was collapsed to units only."""
    graph, marks = report.graph, report.marks
    if graph is None or not len(graph.g):
        return "", False
    full = [n for n, d in graph.g.nodes(data=True) if d.get("kind") in UNIT_KINDS | ARTIFACT_KINDS]
    collapsed = len(full) > MAX_FULL_NODES
    artifacts_of_edge: dict = {}
    if collapsed:
        nodes, edges, artifacts_of_edge = _unit_view(graph)
    else:
        nodes = sorted(graph.g.nodes, key=lambda n: (graph.kind(n) not in UNIT_KINDS, n))
        edges = _edges(graph)
    sizes = {n: (min(MAX_LABEL, len(_label(n))) * CHAR_WIDTH + 26, NODE_HEIGHT) for n in nodes}
    flow = {(u, v, k): _flow(u, v, k) for u, v, k in edges}
    layout = layered_layout(nodes, list(flow.values()), sizes)
    width, height = layout.width, layout.height
    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="data-dependency graph">'),
           "<defs>"]
    for name in ("plain", "undeclared", "jungle", "feedback", "declared"):
        out.append(f'<marker id="arrow-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
                   f'markerHeight="7" orient="auto-start-reverse"><path class="arrowhead {name}" '
                   f'd="M0,0L10,5L0,10Z"/></marker>')
    out.append("</defs>")
    seen_pairs: dict[tuple[str, str], set[str]] = {}
    for source, target, kind in edges:
        seen_pairs.setdefault((source, target), set()).add(kind)
    out.append('<g class="edges">')
    for (source, target), kinds in sorted(seen_pairs.items()):
        laid = flow[(source, target, min(kinds))]
        points = layout.routes.get(laid)
        if not points:
            continue
        if laid != (source, target):
            points = list(reversed(points))
        edge_marks = set(marks.edge_marks.get((source, target), set()))
        if collapsed:  # a unit-to-unit edge carries the marks of the artifact edges it stands for
            for artifact in artifacts_of_edge.get((source, target), []):
                edge_marks |= marks.edge_marks.get((source, artifact), set())
                edge_marks |= marks.edge_marks.get((artifact, target), set())
        strongest = next((m for m in ("undeclared", "feedback", "jungle", "declared") if m in edge_marks), "plain")
        classes = " ".join(["edge", *sorted(kinds), *sorted(edge_marks)])
        title = f"{source} → {target}: {', '.join(sorted(kinds))}"
        if artifacts_of_edge.get((source, target)):
            title += " via " + ", ".join(artifacts_of_edge[(source, target)])
        if edge_marks:
            title += "\n" + "; ".join(MARK_TEXT[m] for m in sorted(edge_marks))
        out.append(f'<path class="{classes}" d="{_curve(points)}" marker-end="url(#arrow-{strongest})">'
                   f'<title>{escape(title)}</title></path>')
    out.append("</g>")
    out.append('<g class="nodes">')
    for node in nodes:
        x, y = layout.positions[node]
        w, h = layout.sizes[node]
        kind = graph.kind(node)
        counts = marks.findings.get(node)
        role = "unit" if kind in UNIT_KINDS else "pipeline" if kind == "pipeline" else "artifact"
        classes = ["node", role, SHAPE_OF.get(kind, "file"), *sorted(marks.node_marks.get(node, ()))]
        if counts:
            classes.append("flagged")
        attrs = f' data-file="{escape(node)}"' if role == "unit" else ""
        out.append(f'<g class="{" ".join(classes)}" data-id="{escape(node)}"{attrs} '
                   f'transform="translate({x:.1f},{y:.1f})">'
                   f'<title>{escape(_node_title(graph, node, collapsed, counts))}</title>'
                   f'{_shape(SHAPE_OF.get(kind, "file"), w, h)}'
                   f'<text text-anchor="middle" dy="4">{escape(_label(node))}</text>')
        if counts:
            total = sum(counts.values())
            out.append(f'<g class="badge" transform="translate({w / 2 - 2:.1f},{-h / 2 + 1:.1f})">'
                       f'<circle r="9"/><text text-anchor="middle" dy="4">{total}</text></g>')
        out.append("</g>")
    out.append("</g></svg>")
    return "\n".join(out), collapsed
