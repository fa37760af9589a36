"""Rendering the DataGraph: node-link JSON (CONTRACTS.md), Graphviz dot, Mermaid and GraphML."""

from __future__ import annotations

import io
import json
import re

from mldebt.graph.model import DataGraph

NODE_STYLE = {  # kind -> (dot shape, fill colour)
    "notebook": ("box", "#fde2b8"), "script": ("box", "#cfe3ff"), "module": ("component", "#e3ecf7"),
    "file": ("note", "#eeeeee"), "model": ("box3d", "#d9f2d9"), "table": ("cylinder", "#f2e0f7"),
    "url": ("folder", "#fff4c2"), "env": ("diamond", "#f7f7f7"), "config-key": ("hexagon", "#f7f7f7"),
    "pattern": ("note", "#ffffff"), "pipeline": ("cds", "#e6e6fa"),
}


def _plain(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def to_json(graph: DataGraph) -> str:
    import networkx as nx

    data = nx.node_link_data(graph.g, edges="edges")
    data["nodes"] = sorted(({k: _plain(v) for k, v in n.items()} for n in data["nodes"]), key=lambda n: n["id"])
    data["edges"] = sorted(({k: _plain(v) for k, v in e.items() if k != "event"} for e in data["edges"]),
                           key=lambda e: (e["source"], e["target"], e.get("kind", ""), e.get("cell") or 0,
                                          e.get("line", 0), e.get("key", 0)))
    data["graph"] = {"unresolved": graph.unresolved}
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(graph: DataGraph, highlighted: set[str] | None = None) -> str:
    highlighted = highlighted or set()
    out = ["digraph mldebt {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10, style=filled];',
           '  edge [fontname="Helvetica", fontsize=8];']
    for node, data in sorted(graph.g.nodes(data=True)):
        shape, fill = NODE_STYLE.get(data.get("kind", ""), ("ellipse", "#ffffff"))
        extra = ', color="#d62728", penwidth=2' if node in highlighted else ""
        out.append(f"  {_dot_id(node)} [shape={shape}, fillcolor=\"{fill}\"{extra}];")
    for source, target, data in sorted(graph.g.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("kind", ""))):
        kind = data.get("kind", "")
        style = {"declares": "dashed", "imports": "dotted", "executes": "bold"}.get(kind, "solid")
        label = data.get("role", "") if kind == "declares" else kind
        out.append(f"  {_dot_id(source)} -> {_dot_id(target)} [label={_dot_id(label)}, style={style}];")
    out.append("}")
    return "\n".join(out) + "\n"


def _mermaid_id(index: int) -> str:
    return f"n{index}"


def _mermaid_label(text: str) -> str:
    return re.sub(r'["<>]', "'", text)


def to_mermaid(graph: DataGraph, highlighted: set[str] | None = None, nodes: list[str] | None = None) -> str:
    highlighted = highlighted or set()
    chosen = sorted(nodes) if nodes is not None else sorted(graph.g.nodes)
    ids = {n: _mermaid_id(i) for i, n in enumerate(chosen)}
    out = ["flowchart LR"]
    for node in chosen:
        kind = graph.g.nodes[node].get("kind", "")
        label = _mermaid_label(node)
        if kind in ("notebook", "script", "module"):
            shape = f'["{label}"]'
        elif kind == "table":
            shape = f'[("{label}")]'
        elif kind == "model":
            shape = f'[["{label}"]]'
        elif kind == "pipeline":
            shape = f'{{{{"{label}"}}}}'
        else:
            shape = f'(["{label}"])'
        out.append(f"  {ids[node]}{shape}")
    seen = set()
    for source, target, data in sorted(graph.g.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("kind", ""))):
        if source not in ids or target not in ids:
            continue
        kind = data.get("kind", "")
        key = (source, target, kind)
        if key in seen:
            continue
        seen.add(key)
        arrow = "-.->" if kind in ("declares", "imports") else "-->"
        out.append(f"  {ids[source]} {arrow}|{kind}| {ids[target]}")
    for kind, colour in (("notebook", "#fde2b8"), ("script", "#cfe3ff"), ("model", "#d9f2d9"), ("table", "#f2e0f7")):
        members = [ids[n] for n in chosen if graph.g.nodes[n].get("kind") == kind]
        if members:
            out.append(f"  classDef {kind} fill:{colour}")
            out.append(f"  class {','.join(members)} {kind}")
    flagged = [ids[n] for n in chosen if n in highlighted]
    if flagged:
        out.append("  classDef debt stroke:#d62728,stroke-width:3px")
        out.append(f"  class {','.join(flagged)} debt")
    return "\n".join(out) + "\n"


def to_graphml(graph: DataGraph) -> str:
    import networkx as nx

    g = graph.g.copy()
    for _, data in g.nodes(data=True):
        for k, v in list(data.items()):
            data[k] = _plain(v) if v is not None else ""
    for _, _, data in g.edges(data=True):
        for k, v in list(data.items()):
            data[k] = _plain(v) if v is not None else ""
    buffer = io.BytesIO()
    nx.write_graphml(g, buffer)
    return buffer.getvalue().decode("utf-8")


FORMATS = {"json": to_json, "dot": to_dot, "mermaid": to_mermaid, "graphml": to_graphml}
