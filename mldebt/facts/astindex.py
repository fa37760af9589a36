"""A pre-order index of a syntax tree, so "every node under X" is a list slice instead of a fresh walk.

The extractor and the rules ask the same questions of nested nodes again and again (names read in this
statement, then in its value; calls in it, then in an argument). With `ast.walk` each question walks the
subtree anew in Python; profiling a 2,000-file project showed those repeated walks costing four times
the parsing itself. Here one pass numbers the nodes in source (pre-)order and records on each node the
slice of that list holding its subtree; later questions are slices and comprehensions.

Trees are treated as read-only once indexed (nothing in mldebt rewrites a tree). `ctx` nodes
(`Load`/`Store`) are not indexed: they are shared singletons and nobody asks for them as nodes.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

_SPAN = "_mldebt_span"  # attribute holding (flat list, start, end) on every indexed node
_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(cls: type) -> tuple[str, ...]:
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _FIELDS[cls] = tuple(f for f in cls._fields if f != "ctx")
    return fields


def index_tree(root: ast.AST) -> list[ast.AST]:
    """Number `root` and everything under it in pre-order (iteratively: deep trees must not recurse)."""
    flat: list[ast.AST] = []
    append = flat.append
    stack: list = [root]
    pop, push = stack.pop, stack.append
    AST = ast.AST
    while stack:
        item = pop()
        if item.__class__ is int:  # end marker: the node's subtree is complete
            node = pop()
            setattr(node, _SPAN, (flat, getattr(node, _SPAN), len(flat)))
            continue
        setattr(item, _SPAN, len(flat))
        append(item)
        push(item)
        push(0)
        children = []
        for name in _child_fields(item.__class__):
            value = getattr(item, name, None)
            if value.__class__ is list:
                for element in value:
                    if isinstance(element, AST):
                        children.append(element)
            elif isinstance(value, AST):
                children.append(value)
        for child in reversed(children):
            push(child)
    return flat


def _span(node: ast.AST) -> tuple[list[ast.AST], int, int]:
    span = getattr(node, _SPAN, None)
    if span.__class__ is not tuple:
        index_tree(node)
        span = getattr(node, _SPAN)
    return span


def subtree(node: ast.AST) -> list[ast.AST]:
    """`node` and all nodes under it, in source (pre-)order; `ctx` nodes excluded."""
    flat, start, end = _span(node)
    return flat[start:end]


def subtree_skipping(node: ast.AST, skip: tuple[type, ...]) -> Iterator[ast.AST]:
    """Like `subtree`, but does not descend into nested nodes of the `skip` classes (they are not yielded
    either); `node` itself is always yielded."""
    flat, start, end = _span(node)
    yield flat[start]
    i = start + 1
    while i < end:
        current = flat[i]
        if isinstance(current, skip):
            _, own_start, own_end = _span(current)
            i += own_end - own_start  # the size of its subtree, whichever index it is numbered in
            continue
        yield current
        i += 1


def subtree_pruned(node: ast.AST, prune: tuple[type, ...]) -> Iterator[ast.AST]:
    """Like `subtree`, but nodes of the `prune` classes (`node` itself included) are yielded without what is
    under them: for visitors that handle such nodes (function definitions, say) their own way."""
    flat, i, end = _span(node)
    while i < end:
        current = flat[i]
        yield current
        if isinstance(current, prune):
            _, own_start, own_end = _span(current)
            i += own_end - own_start
        else:
            i += 1


def extent(node: ast.AST) -> tuple[list[ast.AST], int, int]:
    """(the flat index, start, end): `node`'s subtree is `flat[start:end]`, for visitors that skip ahead."""
    return _span(node)
