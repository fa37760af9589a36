"""Turning a libcst tree transformation of a cell into one minimal `Edit`.

Statement-level changes (removing a block, lifting an `else` body one level up) cannot be written as
the new text of one node, because indentation belongs to the enclosing blocks. So the transformed module
is rendered whole and compared with the original: the differing span becomes the edit, and everything
around it stays byte for byte as it was.
"""

from __future__ import annotations

from mldebt.fix.model import Edit, NoFix


def _where(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1)


def _offset(text: str, where: tuple[int, int]) -> int:
    lines = text.split("\n")
    return sum(len(line) + 1 for line in lines[:where[0] - 1]) + where[1]


def edit_between(old: str, new: str, span: tuple[tuple[int, int], tuple[int, int]] | None = None) -> Edit:
    """The differing part of `old` and `new`, widened to cover `span` (the code the change is about) so
    that an edit never slides onto identical text elsewhere and collides with another fix there."""
    if old == new:
        raise NoFix("the fix changes nothing")
    limit = min(len(old), len(new))
    start = 0
    while start < limit and old[start] == new[start]:
        start += 1
    tail = 0
    while tail < limit - start and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    if span is not None:
        start = min(start, _offset(old, span[0]))
        tail = min(tail, len(old) - _offset(old, span[1]), len(new) - start)
    return Edit(_where(old, start), _where(old, len(old) - tail), new[start:len(new) - tail])


def node_edit(unit, cell, old, new) -> Edit:
    """The minimal edit that turns node `old` of the cell into `new` (an expression: its whitespace is its
    own, so it can be rendered alone), so that fixes of neighbouring parts of one call do not collide."""
    module = unit.cst(cell).module
    edit = edit_between(module.code_for_node(old), module.code_for_node(new))
    (line, column), _ = unit.cst_range(cell, old)

    def shift(where: tuple[int, int]) -> tuple[int, int]:
        return (line, column + where[1]) if where[0] == 1 else (line + where[0] - 1, where[1])

    return Edit(shift(edit.start), shift(edit.end), edit.text)


def transformed(module, transformer, span: tuple[tuple[int, int], tuple[int, int]]) -> Edit:
    """The edit that `transformer` makes to `module` (a libcst Module), covering at least the whole lines
    of `span` ((line, column) start and end of the statements it changes)."""
    lines = module.code.split("\n")
    whole = ((span[0][0], 0), (span[1][0], len(lines[span[1][0] - 1])))
    return edit_between(module.code, module.visit(transformer).code, whole)
