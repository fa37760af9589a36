"""MLD207 self-admitted-debt."""

from __future__ import annotations

import re
from typing import Iterable

from mldebt.facts.model import Finding
from mldebt.rules.base import Example, FileContext, FileRule

# Upper-case markers only: "todo" in prose ("things to do") is not a marker; `XXXX` placeholders are not `XXX`.
_MARKER = re.compile(r"(?<![\w-])(TODO|FIXME|HACK|XXX)(?![\w-])")
_MEANING = {"TODO": "unfinished work", "FIXME": "a known bug", "HACK": "a known shortcut", "XXX": "a known problem"}


class SelfAdmittedDebt(FileRule):
    """A TODO, FIXME, HACK or XXX comment: debt the author already knows about.

    ## What it flags
    Comments (in scripts and notebook code cells) containing an upper-case `TODO`, `FIXME`, `HACK` or
    `XXX` marker, one finding per comment, quoting the note. Markers inside strings and docstrings are
    not comments and are not flagged.

    ## Why it is debt
    Self-admitted technical debt is the part of Sculley et al.'s inventory that the authors wrote down
    themselves (§1, "technical debt" and §5, "ML-System Anti-Patterns"): in ML code these notes mark
    shortcuts in feature code, skipped validation and "temporary" thresholds that quietly become
    permanent. Listing them turns a scattered backlog into a visible one.

    ## Example
    `X = X.fillna(0)  # TODO: impute properly, zeros bias the model`

    ## Fix
    Do the work, or move the note into the issue tracker and link it from the code.

    ## Limits
    Off by default (it is an inventory, not a defect): select it with `--select MLD207`. Lower-case
    `todo` and markers in Markdown cells are not counted.
    """

    id = "MLD207"
    name = "self-admitted-debt"
    family = "system-anti-patterns"
    severity = "info"
    enabled_by_default = False
    VALID = [
        Example('"""TODO in a docstring is documentation, not a comment."""\n'
                'msg = "FIXME is only text here"\n# things to do later are prose, and XXXX is a placeholder\n'),
        Example(["# a notebook cell with a plain comment\nx = 1"]),
    ]
    INVALID = [
        Example("import pandas as pd\n\ndf = pd.read_csv('data/train.csv')\n"
                "df = df.fillna(0)  # TODO: impute properly, zeros bias the model\n", expect=1),
        Example(["import numpy as np", "# HACK: clip scores until the model is recalibrated\n"
                 "scores = np.clip(scores, 0, 0.9)  # FIXME remove\n"], expect=2),
    ]

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        for cell, _tree in ctx.trees():
            for line, column, text in ctx.comments(cell):
                match = _MARKER.search(text)
                if match is None:
                    continue
                marker = match.group(1)
                note = text[match.end():].lstrip(" :-([").rstrip()
                note = note[:80] + ("..." if len(note) > 80 else "")
                what = f"`{marker}: {note}`" if note else f"a bare `{marker}`"
                yield ctx.finding(self, cell, None, f"{what} admits {_MEANING[marker]} in this code; track it in the "
                                  "issue tracker or fix it before it becomes permanent", line=line,
                                  column=column + match.start(), end_line=line, end_column=column + len(text))
