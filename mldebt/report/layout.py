"""A layered (Sugiyama-style) layout of a directed graph, left to right by data flow, in pure Python.

The steps are the classic ones, each kept simple enough to stay fast on a few hundred nodes:
1. break cycles by reversing the back edges of a depth-first search (deterministic: nodes in given order);
2. assign layers by longest path from the sources, then pull pure sources next to their first consumer
   (raw inputs sit just left of the code that reads them instead of all piling up in column 0);
3. split edges that span several layers with dummy nodes, so they route around nodes;
4. order each layer by barycenter sweeps (down and up), keeping the order with the fewest crossings
   (crossings between two layers counted as inversions with a Fenwick tree, O(E log V));
5. place nodes vertically: each sweep asks every node to sit at the mean height of its neighbours and
   solves "closest to those wishes while keeping the order and minimum gaps" exactly with isotonic
   regression (pool-adjacent-violators);
6. route each edge through its dummies; the renderer draws them as horizontal-tangent Bézier curves.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field

Node = Hashable
Point = tuple[float, float]


@dataclass
class Layout:
    """Node centres and sizes, and one polyline per (source, target) edge, from source to target."""

    positions: dict[Node, Point]
    sizes: dict[Node, tuple[float, float]]
    routes: dict[tuple[Node, Node], list[Point]]
    layers: dict[Node, int]
    width: float
    height: float
    crossings: int = 0
    reversed_edges: set[tuple[Node, Node]] = field(default_factory=set)


class _Dummy:
    """A bend point of a long edge, one per intermediate layer."""

    __slots__ = ("edge", "step")

    def __init__(self, edge: tuple[Node, Node], step: int):
        self.edge, self.step = edge, step

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"_Dummy({self.edge!r}, {self.step})"


def break_cycles(nodes: list[Node], edges: list[tuple[Node, Node]]) -> set[tuple[Node, Node]]:
    """The back edges of an iterative depth-first search: reversing them makes the graph acyclic."""
    succ: dict[Node, list[Node]] = defaultdict(list)
    for u, v in edges:
        succ[u].append(v)
    state: dict[Node, int] = {}  # 1 on the stack, 2 done
    back: set[tuple[Node, Node]] = set()
    for start in nodes:
        if start in state:
            continue
        state[start] = 1
        stack = [(start, iter(succ[start]))]
        while stack:
            node, children = stack[-1]
            for child in children:
                seen = state.get(child)
                if seen is None:
                    state[child] = 1
                    stack.append((child, iter(succ[child])))
                    break
                if seen == 1:
                    back.add((node, child))
            else:
                state[node] = 2
                stack.pop()
    return back


def assign_layers(nodes: list[Node], dag_edges: list[tuple[Node, Node]]) -> dict[Node, int]:
    """Longest path from the sources (Kahn's order), then sources moved right next to their successors."""
    preds: dict[Node, list[Node]] = defaultdict(list)
    succ: dict[Node, list[Node]] = defaultdict(list)
    indegree = {n: 0 for n in nodes}
    for u, v in dag_edges:
        succ[u].append(v)
        preds[v].append(u)
        indegree[v] += 1
    layer = {n: 0 for n in nodes}
    ready = [n for n in nodes if indegree[n] == 0]
    for node in ready:  # `ready` grows while we walk it: a queue in topological order
        for child in succ[node]:
            layer[child] = max(layer[child], layer[node] + 1)
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    for node in nodes:
        if not preds[node] and succ[node]:
            layer[node] = max(0, min(layer[c] for c in succ[node]) - 1)
    return layer


def _crossings(upper: list, lower_pos: dict, down: dict) -> int:
    """Edge crossings between two adjacent layers: inversions of the lower ends, ordered by upper end."""
    ends = [lower_pos[v] for u in upper for v in sorted(down[u], key=lower_pos.__getitem__)]
    size = len(lower_pos) + 1
    tree = [0] * (size + 1)
    count = 0
    for seen, value in enumerate(ends):
        i, below = value + 1, 0
        while i > 0:  # how many earlier ends are <= value
            below += tree[i]
            i -= i & -i
        count += seen - below
        i = value + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    return count


def _total_crossings(order: list[list], down: dict) -> int:
    total = 0
    for upper, lower in itertools.pairwise(order):
        total += _crossings(upper, {n: i for i, n in enumerate(lower)}, down)
    return total


def _sweep(order: list[list], neighbours: dict, indexes: range) -> None:
    """Reorder each layer in `indexes` by the barycenter of its neighbours in the previous layer."""
    for index in indexes:
        ref = order[index - 1] if indexes.step > 0 else order[index + 1]
        pos = {n: i for i, n in enumerate(ref)}
        keyed = []
        for i, node in enumerate(order[index]):
            near = [pos[m] for m in neighbours[node] if m in pos]
            keyed.append((sum(near) / len(near) if near else float(i), i, node))
        keyed.sort(key=lambda k: (k[0], k[1]))
        order[index] = [k[2] for k in keyed]


def order_layers(order: list[list], down: dict, up: dict, sweeps: int = 24) -> tuple[list[list], int]:
    """Barycenter sweeps, alternating down and up; returns the best order found and its crossings."""
    best = [list(layer) for layer in order]
    best_count = _total_crossings(order, down)
    stale = 0
    for sweep in range(sweeps):
        if best_count == 0 or stale >= 4:
            break
        if sweep % 2 == 0:
            _sweep(order, up, range(1, len(order), 1))
        else:
            _sweep(order, down, range(len(order) - 2, -1, -1))
        count = _total_crossings(order, down)
        if count < best_count:
            best, best_count, stale = [list(layer) for layer in order], count, 0
        else:
            stale += 1
    return best, best_count


def isotonic_place(wishes: list[float], gaps: list[float], weights: list[float]) -> list[float]:
    """Positions y (in the given order) minimising sum w*(y - wish)^2 subject to y[i+1] - y[i] >= gaps[i].

    Substituting z[i] = y[i] - offset[i] (offset = running sum of gaps) turns the constraints into
    z non-decreasing: a weighted isotonic regression, solved exactly by pool-adjacent-violators."""
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    blocks: list[list[float]] = []  # [mean, weight, count]
    for wish, offset, weight in zip(wishes, offsets, weights):
        blocks.append([wish - offset, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, weight2, count = blocks.pop()
            last = blocks[-1]
            total = last[1] + weight2
            last[0] = (last[0] * last[1] + mean * weight2) / total
            last[1], last[2] = total, last[2] + count
    z = [mean for mean, _, count in blocks for _ in range(count)]
    return [value + offset for value, offset in zip(z, offsets)]


def layered_layout(nodes: list[Node], edges: list[tuple[Node, Node]], sizes: dict[Node, tuple[float, float]],
                   layer_gap: float = 90.0, node_gap: float = 16.0, dummy_gap: float = 8.0,
                   margin: float = 20.0) -> Layout:
    """Lay out `nodes` (sizes as (width, height)) left to right along `edges` (duplicates and self loops
    ignored). Deterministic for a given input order."""
    nodes = list(dict.fromkeys(nodes))
    known = set(nodes)
    unique = list(dict.fromkeys((u, v) for u, v in edges if u != v and u in known and v in known))
    back = break_cycles(nodes, unique)
    dag = list(dict.fromkeys((v, u) if (u, v) in back else (u, v) for u, v in unique))
    layer = assign_layers(nodes, dag)

    # long edges become chains through dummy nodes, one per intermediate layer
    down: dict = defaultdict(list)
    up: dict = defaultdict(list)
    chains: dict[tuple[Node, Node], list] = {}
    all_layer = dict(layer)
    for u, v in dag:
        chain = [u]
        for step in range(layer[u] + 1, layer[v]):
            dummy = _Dummy((u, v), step)
            all_layer[dummy] = step
            chain.append(dummy)
        chain.append(v)
        chains[(u, v)] = chain
        for a, b in itertools.pairwise(chain):
            down[a].append(b)
            up[b].append(a)

    # initial order: depth-first from the sources, so connected nodes start close together
    depth = max(all_layer.values(), default=0) + 1
    order: list[list] = [[] for _ in range(depth)]
    placed: set = set()
    for start in [n for n in nodes if not up[n]] + nodes:
        stack = [start]
        while stack:
            node = stack.pop()
            if node in placed:
                continue
            placed.add(node)
            order[all_layer[node]].append(node)
            stack.extend(reversed(down[node]))
    order, crossings = order_layers(order, down, up)

    # x: one column per layer, as wide as its widest node
    def size(node) -> tuple[float, float]:
        return (0.0, 0.0) if isinstance(node, _Dummy) else sizes.get(node, (80.0, 30.0))

    column_width = [max((size(n)[0] for n in layer_nodes), default=0.0) for layer_nodes in order]
    column_x, x = [], margin
    for width in column_width:
        column_x.append(x + width / 2)
        x += width + layer_gap
    total_width = x - layer_gap + margin

    # y: start stacked, then sweeps of "sit at the mean of your neighbours", resolved exactly per layer
    y: dict = {}
    for layer_nodes in order:
        cursor = 0.0
        for node in layer_nodes:
            height = size(node)[1]
            y[node] = cursor + height / 2
            cursor += height + (dummy_gap if isinstance(node, _Dummy) else node_gap)

    def gap(a, b) -> float:
        spacing = dummy_gap if isinstance(a, _Dummy) or isinstance(b, _Dummy) else node_gap
        return size(a)[1] / 2 + size(b)[1] / 2 + spacing

    for sweep in range(8):
        indexes = range(1, depth) if sweep % 2 == 0 else range(depth - 2, -1, -1)
        for index in indexes:
            layer_nodes = order[index]
            wishes, weights = [], []
            for node in layer_nodes:
                near = [y[m] for m in (up[node] if sweep % 2 == 0 else down[node])]
                near = near or [y[m] for m in up[node] + down[node]]
                wishes.append(sum(near) / len(near) if near else y[node])
                weights.append(0.5 if isinstance(node, _Dummy) else 1.0)
            gaps = [gap(a, b) for a, b in itertools.pairwise(layer_nodes)]
            for node, value in zip(layer_nodes, isotonic_place(wishes, gaps, weights)):
                y[node] = value
    top = min((y[n] - size(n)[1] / 2 for n in y), default=0.0)
    bottom = max((y[n] + size(n)[1] / 2 for n in y), default=0.0)
    shift = margin - top
    positions = {n: (column_x[layer[n]], y[n] + shift) for n in nodes}
    bends = {n: (column_x[all_layer[n]], y[n] + shift) for n in all_layer if isinstance(n, _Dummy)}

    routes: dict[tuple[Node, Node], list[Point]] = {}
    for u, v in unique:
        flipped = (u, v) in back
        chain = chains[(v, u) if flipped else (u, v)]
        if flipped:
            chain = list(reversed(chain))
        points: list[Point] = []
        for node in chain:
            points.append(bends[node] if isinstance(node, _Dummy) else positions[node])
        (sx, sy), (tx, ty) = points[0], points[-1]
        su, sv = size(u)[0] / 2, size(v)[0] / 2
        if flipped:  # a back edge leaves from the left side and arrives on the right side
            points[0], points[-1] = (sx - su, sy), (tx + sv, ty)
        else:
            points[0], points[-1] = (sx + su, sy), (tx - sv, ty)
        routes[(u, v)] = points
    return Layout(positions, {n: size(n) for n in nodes}, routes, layer, total_width,
                  bottom - top + 2 * margin, crossings, back)
