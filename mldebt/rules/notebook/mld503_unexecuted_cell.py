"""MLD503 unexecuted-cell."""

from __future__ import annotations

import io
import tokenize
from typing import Iterable

from mldebt.facts.model import Finding
from mldebt.rules.base import Example, FileContext, FileRule
from mldebt.sources.model import Cell

# Cell tags that say "this cell is not meant to run" (jupyter-book, nbval, papermill-style runners).
SKIP_TAGS = frozenset({"skip-execution", "nbval-skip", "skip", "remove-cell", "raises-exception"})


def _first_code_line(cell: Cell) -> int | None:
    """The 1-based line of the first thing that is not blank or a comment; None for an empty cell."""
    for number, line in enumerate(cell.raw.split("\n"), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return number
    return None


def _only_docstring(cell: Cell) -> bool:
    try:
        kinds = {tok.type for tok in tokenize.generate_tokens(io.StringIO(cell.code).readline)}
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return False
    return kinds <= {tokenize.STRING, tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT, tokenize.ENDMARKER,
                     tokenize.INDENT, tokenize.DEDENT}


class UnexecutedCell(FileRule):
    """A code cell that was never run in a notebook whose other cells were.

    ## What it flags
    A code cell with no execution count (`In [ ]`) in a notebook where at least one other code cell
    has one. One finding per such cell. Cells that show saved outputs (they ran; some front ends save
    a null count with them), cells that are empty or hold only comments or a string, cells
    tagged `skip-execution`, `nbval-skip`, `skip`, `remove-cell` or `raises-exception`, and notebooks
    where no cell has a count (outputs stripped, as by nbstripout or jupytext) are left alone.

    ## Why it is debt
    The saved notebook claims results its own code never produced: whatever the unexecuted cell
    does (a filter, a fix, a new feature) is not reflected in the outputs below it, and the next
    person to run it top to bottom may get different numbers or an error.

    ## Example
    Cell 3 `df = df[df.age > 0]` shows `In [ ]` while the cells around it show `In [2]` and `In [3]`.

    ## Fix
    Run the notebook top to bottom (Restart & Run All) and save it, or delete the cell if it is
    dead experimental code.

    ## Limits
    A count only says a cell ran once, not that it ran after its latest edit. Cells cleared one by
    one (Clear Output on a single cell) look unexecuted too.
    """

    id = "MLD503"
    name = "unexecuted-cell"
    family = "notebook-hygiene"
    severity = "warning"

    VALID = [
        Example([{"source": "x = 1", "execution_count": None}, {"source": "print(x)", "execution_count": None}],
                note="outputs stripped: every count empty"),
        Example([{"source": "x = 1", "execution_count": 1}, {"source": "", "execution_count": None},
                 {"source": "# TODO: plot\n", "execution_count": None},
                 {"source": "'''notes'''", "execution_count": None},
                 {"source": "# Results", "cell_type": "markdown"}, {"source": "print(x)", "execution_count": 2}],
                note="empty, comment-only and markdown cells"),
        Example([{"source": "x = 1", "execution_count": 1},
                 {"source": "raise ValueError('demo')", "execution_count": None, "tags": ["skip-execution"]}],
                note="cells tagged as not meant to run"),
        Example([{"source": "x = 1", "execution_count": 1},
                 {"source": "x + 1", "execution_count": None,
                  "outputs": [{"output_type": "execute_result", "execution_count": 2, "metadata": {},
                               "data": {"text/plain": ["2"]}}]},
                 {"source": "print(x)", "execution_count": None,
                  "outputs": [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}]}],
                note="no count but saved outputs: the cell ran"),
    ]
    INVALID = [
        Example([{"source": "import pandas as pd\ndf = pd.read_csv('a.csv')", "execution_count": 1},
                 {"source": "# keep adults only\ndf = df[df.age >= 18]", "execution_count": None},
                 {"source": "df.describe()", "execution_count": 2}], expect=1),
    ]

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        cells = ctx.source.cells
        if not ctx.is_notebook or all(c.execution_count is None for c in cells):
            return []
        findings = []
        for cell in cells:
            if cell.execution_count is not None or cell.has_outputs or SKIP_TAGS.intersection(cell.tags):
                continue
            line = _first_code_line(cell)
            if line is None or (cell.cell_magic is None and _only_docstring(cell)):
                continue
            message = (f"cell {cell.index} was never executed, although other cells of this notebook were: its "
                       f"effect is missing from the saved outputs below it, and running the notebook top to "
                       f"bottom may give different results. Run all cells in order, or delete this one.")
            findings.append(ctx.finding(self, cell, None, message, line=line))
        return findings
