"""MLD203 dead-experimental-codepath."""

from __future__ import annotations

import ast
import operator
from typing import Any, Iterable

from mldebt.facts.astindex import subtree
from mldebt.facts.extract import literal_value
from mldebt.facts.model import Finding
from mldebt.rules.base import Example, FileContext, FileRule
from mldebt.rules.system.commented_code import commented_code_blocks
from mldebt.sources.model import Cell

_NEVER_CONSTANT = frozenset({"TYPE_CHECKING", "__debug__"})
_PARAMETER_TAGS = frozenset({"parameters", "injected-parameters"})  # papermill overwrites these cells
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Is: operator.is_, ast.IsNot: operator.is_not,
            ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_TERMINAL = (ast.Return, ast.Raise, ast.Continue, ast.Break)
_UNKNOWN = object()


class Constant:
    """A module-level `NAME = <literal>` bound exactly once in the file."""

    def __init__(self, name: str, value: Any, cell: Cell, node: ast.AST):
        self.name, self.value, self.cell, self.node = name, value, cell, node

    def where(self) -> str:
        return f"cell {self.cell.index}, line {self.node.lineno}" if self.cell.index else f"line {self.node.lineno}"


def _bound_names(tree: ast.AST) -> Iterable[str]:
    """Every name the tree binds: assignments, loop targets, imports, definitions, parameters, globals."""
    for node in subtree(tree):  # one slice of the pre-built index (the order does not matter: names are counted)
        cls = node.__class__
        if cls is ast.Name:
            if node.ctx.__class__ is not ast.Load:
                yield node.id
        elif cls is ast.FunctionDef or cls is ast.AsyncFunctionDef or cls is ast.ClassDef:
            yield node.name
        elif cls is ast.arg:
            yield node.arg
        elif cls is ast.Import or cls is ast.ImportFrom:
            for alias in node.names:
                yield (alias.asname or alias.name).split(".")[0]
        elif cls is ast.Global or cls is ast.Nonlocal:
            yield from node.names  # assigned from inside a function: never a constant


def module_constants(ctx: FileContext) -> dict[str, Constant]:
    """UPPER_CASE names bound exactly once in the file, at module level, to a literal (outside papermill
    parameter cells, which papermill overwrites). Computed once per file (MLD203 and MLD401 ask)."""
    return ctx.shared("module_constants", _module_constants)


def _module_constants(ctx: FileContext) -> dict[str, Constant]:
    counts: dict[str, int] = {}
    candidates: dict[str, Constant] = {}
    for cell, tree in ctx.trees():
        for name in _bound_names(tree):
            counts[name] = counts.get(name, 0) + 1
        if _PARAMETER_TAGS & set(cell.tags):
            continue
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                name = stmt.targets[0].id
                value = literal_value(stmt.value)
                if value is not NotImplemented and name.isupper() and len(name) > 1 and name not in _NEVER_CONSTANT:
                    candidates[name] = Constant(name, value, cell, stmt)
    return {n: c for n, c in candidates.items() if counts.get(n) == 1}


def _evaluate(test: ast.AST, constants: dict[str, Constant], used: list[Constant]) -> Any:
    """The value of a condition built from literals and never-reassigned constants, or _UNKNOWN."""
    if isinstance(test, ast.Name):
        if test.id in constants:
            used.append(constants[test.id])
            return constants[test.id].value
        return _UNKNOWN
    value = literal_value(test)
    if value is not NotImplemented:
        return value
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _evaluate(test.operand, constants, used)
        return _UNKNOWN if inner is _UNKNOWN else not inner
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left = _evaluate(test.left, constants, used)
        right_node = test.comparators[0]
        op = type(test.ops[0])
        if op in (ast.In, ast.NotIn) and isinstance(right_node, (ast.Tuple, ast.List, ast.Set)):
            items = [literal_value(e) for e in right_node.elts]
            if left is _UNKNOWN or NotImplemented in items:
                return _UNKNOWN
            return (left in items) == (op is ast.In)
        right = _evaluate(right_node, constants, used)
        if left is _UNKNOWN or right is _UNKNOWN or op not in _COMPARE:
            return _UNKNOWN
        try:
            return _COMPARE[op](left, right)
        except TypeError:
            return _UNKNOWN
    if isinstance(test, ast.BoolOp):
        values = [_evaluate(v, constants, used) for v in test.values]
        decisive = False if isinstance(test.op, ast.And) else True
        if any(v is not _UNKNOWN and bool(v) is decisive for v in values):
            return decisive
        return _UNKNOWN if any(v is _UNKNOWN for v in values) else not decisive
    return _UNKNOWN


def _lines(body: list[ast.stmt]) -> str:
    count = (body[-1].end_lineno or body[-1].lineno) - body[0].lineno + 1
    return f"{count} line{'s' if count != 1 else ''}"


def _is_filler(stmt: ast.stmt) -> bool:
    """`pass`, `...` and the bare `yield` of the `return; yield` empty-generator idiom."""
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr):
        return isinstance(stmt.value, (ast.Yield, ast.YieldFrom)) or (
            isinstance(stmt.value, ast.Constant) and stmt.value.value is Ellipsis)
    return False


class DeadExperimentalCodepath(FileRule):
    """Experimental code left in place: branches that never run, unreachable code, commented-out code.

    ## What it flags
    - `if False:`, `if 0:`, `while False:` bodies, and the `else` of `if True:`;
    - branches decided by a module constant that is bound once and never reassigned anywhere in the
      file (`USE_NEW_FEATURES = False` ... `if USE_NEW_FEATURES:`), including `not`, `==`/`!=`/`in`
      comparisons with literals and `and`/`or` of those; constants are UPPER_CASE names;
    - statements after `return`, `raise`, `continue` or `break` in the same block;
    - commented-out code: two or more consecutive comment lines that parse as Python statements
      (assignments, imports, calls, compound statements), one finding per block.

    ## Why it is debt
    Sculley et al. §5, "Dead Experimental Codepaths": experimental branches that stay in the main code
    after the experiment ends pile up, every one must be kept compatible, and a flag flipped by
    mistake resurrects an untested path (the paper recalls a system that lost $465 million in 45
    minutes that way). Commented-out code is the same experiment, switched off by hand.

    ## Example
    A notebook whose first cell sets `USE_EMBEDDINGS = False` and whose third cell still holds the
    `if USE_EMBEDDINGS:` branch that builds them.

    ## Fix
    Delete the dead branch (version control remembers it). If the switch is a real option, read it
    from configuration or the command line so both paths are tested. `mldebt check --fix --unsafe-fixes`
    deletes dead branches, unreachable statements and commented-out code blocks.

    ## Limits
    Constants are per file: a flag set from another module (`settings.DEBUG = True`) or by a test's
    monkeypatch is not seen, so only UPPER_CASE names bound exactly once in the file, and not in a
    papermill `parameters` cell, count. `if __name__ == "__main__":` and `if TYPE_CHECKING:` are never
    dead. Commented-out code is recognised by parsing: prose, single words, URLs, `# In[3]:` export
    markers, jupytext `# %%`/`# +` markers and Markdown cells, type comments, `noqa`/`mldebt:`
    directives, licence headers and commented examples introduced by "Example:"/"Usage:" are left
    alone, but a sentence that is also valid code (`print(result)`) counts as code.
    """

    id = "MLD203"
    name = "dead-experimental-codepath"
    family = "system-anti-patterns"
    severity = "warning"
    fix = "unsafe"
    VALID = [
        Example('"""Train the model.\n\nmodel.fit(X, y)\nmodel.save("m.bin")\n"""\nfrom typing import TYPE_CHECKING\n\n'
                'if TYPE_CHECKING:\n    import pandas as pd\n\n\ndef main():\n    return 0\n\n\n'
                'if __name__ == "__main__":\n    main()\n', note="docstrings, TYPE_CHECKING, __main__ guard"),
        Example("#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# Copyright 2024 ACME Corp.\n"
                "# Licensed under the Apache License, Version 2.0 (the \"License\");\n"
                "# x = 1\n# y = 2\nimport numpy as np\n\n# Load the data and scale it:\n# the scaler is fitted on\n"
                "# the training split only\n# model\n# features\n"
                "# See https://scikit-learn.org/stable/modules/preprocessing.html\n"
                "# and http://example.com/a_b=1\n"
                "values = np.zeros(3)  # type: np.ndarray\n# noqa: E501\n# type: ignore\n"
                "# mldebt: ignore[MLD301]\n# Note: the model\n# TODO: tune\n",
                note="prose, single words, URLs, directives and licence headers"),
        Example("# coding: utf-8\n\n# In[1]:\n\n\nimport pandas as pd\n\n\n# In[2]:\n# In[3]:\n\n\n"
                "df = pd.DataFrame({'a': [1]})\n\n# %%\n# %% [markdown]\n# The model:\n# model = train(df)\n"
                "# model.save('m')\n\n# %%\nprint(df)\n", note="notebook export and jupytext markers"),
        Example(["DEBUG = False", "DEBUG = True", "if DEBUG:\n    print('debugging')"],
                note="a flag reassigned in another cell"),
        Example([{"source": "USE_GPU = False", "tags": ["parameters"]}, "if USE_GPU:\n    device = 'cuda'"],
                note="a papermill parameters cell"),
        Example("def rows():\n    return\n    yield\n\n\ndef f(limit):\n    for i in range(3):\n"
                "        if i > limit:\n            break\n    # Example:\n    #   f(2)\n    #   f(limit=3)\n"
                "    return limit\n", note="empty-generator idiom and a commented example"),
    ]
    INVALID = [
        Example(["import pandas as pd\nUSE_EMBEDDINGS = False", "df = pd.read_csv('train.csv')",
                 "if USE_EMBEDDINGS:\n    df['emb'] = embed(df['text'])\n"], expect=1),
        Example("import numpy as np\n\n\ndef score(model, X):\n    return model.predict(X)\n    print('scored')\n\n\n"
                "if False:\n    X = np.load('old_features.npy')\n\n"
                "# model = SVC(C=10)\n# model.fit(X, y)\n", expect=3),
        Example(["MODE = 'baseline'\n", "if MODE == 'experimental':\n    lr = 0.3\nelse:\n    lr = 0.1\n"], expect=1),
    ]

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        constants = module_constants(ctx)
        for cell, tree in ctx.trees():
            yield from self._walk(ctx, cell, tree.body, constants)
        for cell, _tree in ctx.parsed:
            if cell.cell_magic is not None:
                continue
            for block in commented_code_blocks(cell.code, ctx.comments(cell)):
                yield ctx.finding(self, cell, None, f"{block.code_lines} lines of commented-out code (`{block.first}`"
                                  f"{' ...' if block.code_lines > 1 else ''}) are a switched-off experiment: "
                                  "delete them (version control keeps them) or make the switch a tested option",
                                  line=block.line, column=block.column, end_line=block.end_line,
                                  end_column=block.end_column)

    def _walk(self, ctx: FileContext, cell: Cell, body: list[ast.stmt], constants) -> Iterable[Finding]:
        for i, stmt in enumerate(body):
            if isinstance(stmt, _TERMINAL) and i + 1 < len(body) and not all(_is_filler(s) for s in body[i + 1:]):
                dead = body[i + 1:]
                keyword = type(stmt).__name__.lower()
                yield ctx.finding(self, cell, None, f"{_lines(dead)} after `{keyword}` on line {stmt.lineno} "
                                  "can never run: leftover code from an experiment; delete it",
                                  line=dead[0].lineno, column=dead[0].col_offset + 1,
                                  end_line=dead[-1].end_lineno, end_column=(dead[-1].end_col_offset or 0) + 1)
            if isinstance(stmt, (ast.If, ast.While)):
                yield from self._branch(ctx, cell, stmt, constants)
                continue
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                children = getattr(stmt, field, None)
                if not isinstance(children, list):
                    continue
                if field in ("handlers", "cases"):
                    for child in children:
                        yield from self._walk(ctx, cell, child.body, constants)
                else:
                    yield from self._walk(ctx, cell, children, constants)

    def _branch(self, ctx: FileContext, cell: Cell, stmt: ast.If | ast.While, constants) -> Iterable[Finding]:
        used: list[Constant] = []
        value = _evaluate(stmt.test, constants, used)
        keyword = "while" if isinstance(stmt, ast.While) else "if"
        dead, live = [], [stmt.body, stmt.orelse]
        if value is not _UNKNOWN and not value:
            dead, live = stmt.body, [stmt.orelse]
        elif value is not _UNKNOWN and isinstance(stmt, ast.If) and stmt.orelse:
            dead, live = stmt.orelse, [stmt.body]
        if dead:
            test = ast.unparse(stmt.test)
            which = "body" if dead is stmt.body else "`else` branch"
            if used:
                why = "; ".join(f"{c.name} = {c.value!r} ({c.where()}) is never reassigned" for c in used)
                related = [ctx.related_at(c.cell, c.node, f"{c.name} is set once here") for c in used]
            else:
                why, related = "the condition is a literal", []
            yield ctx.finding(self, cell, None, f"`{keyword} {test}:` is always {bool(value)}, so its {which} "
                              f"({_lines(dead)}) is a dead experimental codepath: {why}; delete the dead code or "
                              "make the switch a configured, tested option", related=related,
                              line=stmt.lineno, column=stmt.col_offset + 1, end_line=stmt.test.end_lineno,
                              end_column=(stmt.test.end_col_offset or 0) + 1)
        for part in live:
            yield from self._walk(ctx, cell, part, constants)
