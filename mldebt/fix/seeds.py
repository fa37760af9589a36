"""MLD601 fix: give the random call its own seed (`random_state=42`, `seed=42`, `default_rng(42)`).

Safe: it only pins a value that was drawn at random each run. The seed is the rule's `fix-seed` option.
Bare draws from a global generator (`np.random.rand()`) get no fix: the remedy there is to seed the
library once, and where to put that line is a decision for a person.
"""

from __future__ import annotations

import ast

from mldebt import knowledge as kb
from mldebt.facts.extract import Extractor
from mldebt.fix.cstedit import node_edit
from mldebt.fix.model import Edit, NoFix, Planned
from mldebt.fix.unit import FileUnit


def _resolver(unit: FileUnit) -> Extractor:
    """Import aliases of the whole file, to resolve `np.random.default_rng` or `tts` to their APIs."""
    if "resolver" not in unit.memo:
        resolver = Extractor(unit.rel, unit.kind)
        for _, tree in unit.ctx.trees():
            for node in ast.walk(tree):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    resolver.record_import(node)
        unit.memo["resolver"] = resolver
    return unit.memo["resolver"]


def _spec(call: ast.Call, resolver: Extractor) -> kb.RandomAPI | None:
    qualname = resolver.qualname(call.func) or ""
    spec = kb.random_api(qualname) if qualname else None
    if spec is None and isinstance(call.func, ast.Attribute) and call.func.attr in kb.RANDOM_METHODS:
        spec = kb.RANDOM_METHODS[call.func.attr]
        if call.func.attr == "sample":  # polars takes `seed=`, pandas `random_state=`
            spec = kb.dataframe_sample_spec({imp.module.split(".")[0] for imp in resolver.facts.imports})
    return spec


class SeedFixer:
    rule = "MLD601"

    def plan(self, finding, unit: FileUnit, project) -> Planned:
        seed = project.options("MLD601").get("fix-seed", 42)
        cell = unit.cell_at(finding.pos)
        call = unit.ast_node_at(cell, finding.pos, (ast.Call,))
        resolver = _resolver(unit)
        spec = _spec(call, resolver)
        if spec is None:
            raise NoFix("the random API is no longer recognised at this position")
        if spec.kind == "draw":
            raise NoFix("a draw from a global generator: seed the library once instead")
        if spec.kind == "generator":
            if call.args or call.keywords:
                raise NoFix("the generator call already has arguments")
            return Planned(finding, "safe", (cell, None, str(seed)))
        keyword = spec.seed_kw[0]
        value = str(seed)
        if keyword == "generator":
            if resolver.aliases.get("torch") != "torch":
                raise NoFix("`torch` is not imported under that name, so no generator can be built here")
            value = f"torch.Generator().manual_seed({seed})"
        return Planned(finding, "safe", (cell, keyword, value))

    def edits(self, planned: Planned, unit: FileUnit, project) -> list[Edit]:
        import libcst as cst

        cell, keyword, value = planned.data
        start = unit.start_of(cell, planned.finding.pos)
        call = unit.cst_node_at(cell, start, (cst.Call,))
        new = with_argument(call, keyword, cst.parse_expression(value))
        return [node_edit(unit, cell, call, new)]


def _separator(comma):
    """A copy of an argument separator without the comment it may carry."""
    import libcst as cst

    space = comma.whitespace_after
    if isinstance(space, cst.ParenthesizedWhitespace):
        space = space.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    return cst.Comma(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=space)


def with_argument(call, keyword: str | None, value):
    """`call` with one more argument (a keyword, or the first positional when `keyword` is None), in the
    call's own layout: on its own line in a one-argument-per-line call, after a trailing comma if any."""
    import libcst as cst

    args = list(call.args)
    if keyword is None:
        arg = cst.Arg(value=value)
    else:
        no_space = cst.SimpleWhitespace("")
        arg = cst.Arg(value=value, keyword=cst.Name(keyword),
                      equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space))
    if not args:
        return call.with_changes(args=[arg])
    last = args[-1]
    if len(args) > 1 and isinstance(args[-2].comma, cst.Comma):
        separator = _separator(args[-2].comma)
    elif isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        separator = _separator(cst.Comma(whitespace_after=call.whitespace_before_args))
    else:
        separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if isinstance(last.comma, cst.Comma):  # trailing comma: the new argument takes the closing layout
        arg = arg.with_changes(comma=_separator(last.comma))
        mine, between = last.comma.whitespace_after, separator.whitespace_after
        if isinstance(mine, cst.ParenthesizedWhitespace) and isinstance(between, cst.ParenthesizedWhitespace):
            # the last argument keeps its own end-of-line comment, indented for the next argument
            separator = last.comma.with_changes(whitespace_after=mine.with_changes(
                empty_lines=[], indent=between.indent, last_line=between.last_line))
    else:  # a comment after the last argument stays at the end
        arg = arg.with_changes(whitespace_after_arg=last.whitespace_after_arg)
        last = last.with_changes(whitespace_after_arg=cst.SimpleWhitespace(""))
    args[-1] = last.with_changes(comma=separator)
    args.append(arg)
    return call.with_changes(args=args)
