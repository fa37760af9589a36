"""MLD203 fix: delete dead experimental code.

- a branch that never runs: `if False:` (or a never-reassigned constant) loses its body, keeping the
  `else` body in its place; `if True:` loses its `else`; `while False:` goes (its `else` stays);
- statements after `return`/`raise`/`continue`/`break` in the same block;
- commented-out code blocks (the comment lines).

Unsafe: deleting code that someone meant to switch back on changes what the program can do, and a
constant decided in this file may still be patched from outside. A block left empty gets `pass`.
"""

from __future__ import annotations

import ast

from mldebt.fix.cstedit import transformed
from mldebt.fix.model import Edit, NoFix, Planned
from mldebt.fix.unit import FileUnit
from mldebt.rules.system.mld203_dead_experimental_codepath import _TERMINAL, _UNKNOWN, _evaluate, module_constants


def _siblings(tree: ast.Module, line: int, column: int) -> tuple[list[ast.stmt], int]:
    """The statement list holding the statement that starts at (line, column), and its index there."""
    stack: list[list[ast.stmt]] = [tree.body]
    while stack:
        body = stack.pop()
        for i, stmt in enumerate(body):
            if stmt.lineno == line and stmt.col_offset == column:
                return body, i
            for name in ("body", "orelse", "finalbody"):
                child = getattr(stmt, name, None)
                if isinstance(child, list) and child and isinstance(child[0], ast.stmt):
                    stack.append(child)
            for holder in getattr(stmt, "handlers", []) + getattr(stmt, "cases", []):
                stack.append(holder.body)
    raise NoFix("no statement starts at the finding's position")


class DeadCodeFixer:
    rule = "MLD203"

    def plan(self, finding, unit: FileUnit, project) -> Planned:
        pos = finding.pos
        cell = unit.cell_at(pos)
        if unit.line(cell, pos.line).lstrip().startswith("#"):
            return Planned(finding, "unsafe", ("comments", cell, pos.line, pos.end_line))
        body, index = _siblings(unit.tree(cell), pos.line, pos.column - 1)
        stmt = body[index]
        last = body[-1] if index > 0 and isinstance(body[index - 1], _TERMINAL) else stmt
        if set(range(stmt.lineno, (last.end_lineno or last.lineno) + 1)) & unit.masked_lines(cell):
            raise NoFix("the dead code holds IPython magic or shell lines")
        if isinstance(stmt, (ast.If, ast.While)) and (pos.end_line, pos.end_column - 1) == (
                stmt.test.end_lineno, stmt.test.end_col_offset):
            if "constants" not in unit.memo:
                unit.memo["constants"] = module_constants(unit.ctx)
            value = _evaluate(stmt.test, unit.memo["constants"], [])
            if value is _UNKNOWN:
                raise NoFix("the condition is no longer constant")
            return Planned(finding, "unsafe", ("branch", cell, bool(value)))
        if index > 0 and isinstance(body[index - 1], _TERMINAL):
            return Planned(finding, "unsafe", ("unreachable", cell, body[-1].end_lineno or body[-1].lineno))
        raise NoFix("the dead code has changed since it was found")

    def edits(self, planned: Planned, unit: FileUnit, project) -> list[Edit]:
        kind, cell, *rest = planned.data
        if kind == "comments":
            return [_delete_lines(cell.code.split("\n"), rest[0], rest[1])]
        import libcst as cst

        start = unit.start_of(cell, planned.finding.pos)
        if kind == "branch":
            target = unit.cst_node_at(cell, start, (cst.If, cst.While))
            transformer, span = _branch_remover(target, rest[0]), unit.cst_range(cell, target)
        else:
            target = unit.cst_node_at(cell, start, (cst.BaseStatement,))
            block_end = (rest[0], 0)
            transformer, span = _tail_remover(target), (unit.cst_range(cell, target)[0], block_end)
        return [transformed(unit.cst(cell).module, transformer, span)]


def _delete_lines(lines: list[str], first: int, last: int) -> Edit:
    if last < len(lines):
        return Edit((first, 0), (last + 1, 0), "")
    if first > 1:  # the block ends the cell: take the newline before it instead
        return Edit((first - 1, len(lines[first - 2])), (last, len(lines[last - 1])), "")
    return Edit((first, 0), (last, len(lines[last - 1])), "")


def _statements(suite) -> list:
    """The statements of an indented block or of a one-line suite (`else: x = 1`)."""
    import libcst as cst

    if isinstance(suite, cst.IndentedBlock):
        return list(suite.body)
    return [cst.SimpleStatementLine(body=list(suite.body))]


def _pass_if_empty(block):
    import libcst as cst

    if isinstance(block, cst.IndentedBlock) and not block.body:
        return block.with_changes(body=[cst.SimpleStatementLine(body=[cst.Pass()])])
    return block


def _branch_remover(target, always: bool):
    """A transformer that drops the dead part of `target` (an If or While whose test is always `always`)."""
    import libcst as cst

    def live(node):
        """What replaces `node` (a statement, or an `elif`'s orelse when `node` is an elif)."""
        if always:  # `if True:` keeps its body; only the `else` goes
            return node.with_changes(orelse=None)
        return node.orelse  # `if False:`/`while False:` keep only their `else` (None: nothing)

    class Remover(cst.CSTTransformer):
        is_elif = False

        def visit_If(self, node):
            if node.orelse is target:
                self.is_elif = True
            return True

        def leave_If(self, original, updated):
            if original is target and not self.is_elif:
                return self.replace(updated)
            if original.orelse is target:  # an `elif`: its parent takes what is left of it
                return updated.with_changes(orelse=live(updated.orelse))
            return updated

        def leave_While(self, original, updated):
            return self.replace(updated) if original is target else updated

        @staticmethod
        def replace(updated):
            result = live(updated)
            if result is None:
                return cst.RemovalSentinel.REMOVE
            if isinstance(result, cst.Else):  # the lifted body keeps the blank lines above the old `if`
                lifted = _statements(result.body)
                lifted[0] = lifted[0].with_changes(leading_lines=[*updated.leading_lines, *lifted[0].leading_lines])
                return cst.FlattenSentinel(lifted)
            if isinstance(result, cst.If):  # `if False: ... elif c: ...` becomes `if c: ...`
                return result.with_changes(leading_lines=updated.leading_lines)
            return result

        def leave_IndentedBlock(self, original, updated):
            return _pass_if_empty(updated)

    return Remover()


def _tail_remover(target):
    """A transformer that drops `target` and every statement after it in its block."""
    import libcst as cst

    class Remover(cst.CSTTransformer):
        def leave_IndentedBlock(self, original, updated):
            return _pass_if_empty(updated.with_changes(body=self.cut(original, updated)))

        def leave_Module(self, original, updated):
            return updated.with_changes(body=self.cut(original, updated))

        @staticmethod
        def cut(original, updated):
            for i, stmt in enumerate(original.body):
                if stmt is target:
                    return list(updated.body)[:i]
            return list(updated.body)

    return Remover()
