"""MLD501 out-of-order-execution."""

from __future__ import annotations

from typing import Iterable

from mldebt.facts.model import Finding
from mldebt.rules.base import Example, FileContext, FileRule


class OutOfOrderExecution(FileRule):
    """Code cells whose execution counts do not increase from top to bottom.

    ## What it flags
    A notebook saved after its cells ran in another order than they appear: a code cell whose
    execution count (`In [n]`) is not greater than that of a code cell above it. One finding per
    notebook, at the first offending cell; the message names the cell above that ran later. Cells
    with no count (never run, or outputs stripped) are skipped; gaps in the counts (cells re-run)
    are fine as long as the order holds.

    ## Why it is debt
    The saved outputs come from a session whose order nobody can see: a cell may have used a value
    that a later cell computed, or an earlier version of a cell since edited. Reviewers read results
    that Restart & Run All may not reproduce.

    ## Example
    Cell 2 shows `In [7]`, cell 3 shows `In [4]`: cell 3 ran before cell 2's last run.

    ## Fix
    Restart the kernel and run all cells top to bottom, then save; if the order matters, move the
    cells into the order they have to run in.

    ## Limits
    Counts only tell the order of each cell's last run. A notebook re-run top to bottom after the
    damage looks clean, and hidden state that survives a clean order is MLD502's job.
    """

    id = "MLD501"
    name = "out-of-order-execution"
    family = "notebook-hygiene"
    severity = "warning"

    VALID = [
        Example([{"source": "import pandas as pd", "execution_count": 1},
                 {"source": "df = pd.read_csv('a.csv')", "execution_count": 4},
                 {"source": "df.head()", "execution_count": None},
                 {"source": "df.describe()", "execution_count": 9}], note="gaps and unexecuted cells"),
        Example([{"source": "x = 1", "execution_count": None}, {"source": "print(x)", "execution_count": None}],
                note="outputs stripped"),
        Example([{"source": "x = 1", "execution_count": 1},
                 {"source": "# Notes", "cell_type": "markdown"},
                 {"source": "print(x)", "execution_count": 2}], note="markdown cells have no count"),
    ]
    INVALID = [
        Example([{"source": "import pandas as pd", "execution_count": 1},
                 {"source": "df = pd.read_csv('a.csv')", "execution_count": 7},
                 {"source": "df = df.dropna()", "execution_count": 4},
                 {"source": "df.describe()", "execution_count": 2}], expect=1),
        Example([{"source": "x = 1", "execution_count": 1}, {"source": "y = 2", "execution_count": 2},
                 {"source": "print(x + y)", "execution_count": 2}], expect=1),
    ]

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        if not ctx.is_notebook:
            return []
        highest = None
        for cell in ctx.source.cells:
            count = cell.execution_count
            if count is None or not cell.raw.strip():
                continue  # an empty cell cannot change state, whatever count it shows
            if highest is not None and count <= highest.execution_count:
                if count == highest.execution_count:
                    what = (f"cell {cell.index} shows the same count, In [{count}], as cell {highest.index} above it: "
                            f"one of them was copied with its outputs rather than run where it stands")
                    note = f"shows the same count, In [{count}]"
                else:
                    what = (f"cell {cell.index} ran as In [{count}], before cell {highest.index} above it "
                            f"(In [{highest.execution_count}]): the cells were run out of order")
                    note = f"ran later, as In [{highest.execution_count}]"
                message = (f"{what}, so the saved outputs may depend on state that top-to-bottom execution does not "
                           f"recreate. Restart the kernel and run all cells in order.")
                related = [{"path": ctx.path, "cell": highest.index, "line": 1, "message": note}]
                return [ctx.finding(self, cell, None, message, related=related)]
            highest = cell
        return []
