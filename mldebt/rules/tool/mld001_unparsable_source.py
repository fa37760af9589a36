"""MLD001 unparsable-source."""

from __future__ import annotations

from mldebt.rules.base import Example, Rule


class UnparsableSource(Rule):
    """A file or notebook cell that cannot be read or parsed.

    ## What it flags
    Notebooks whose JSON is broken or malformed, code cells whose `source` is not text, scripts that
    are binary or cannot be decoded, and code (a whole script, or one notebook cell) with a syntax error,
    Python 2 syntax, or nesting too deep for the parser. One finding per file or cell, with the parser's
    reason. The findings are produced while the file is loaded (`mldebt.analysis`), not by a pass of
    their own: every other cell of the notebook is still analysed.

    ## Why it is debt
    Code nobody can run is the purest form of dead code (Sculley et al. §5, "Dead Experimental
    Codepaths"), and a notebook that does not load hides everything else mldebt could tell you.

    ## Example
    A notebook whose second cell still uses Python 2: `print "done"`.

    ## Fix
    Repair the JSON (re-save the notebook from Jupyter), port the cell to Python 3, or delete it.

    ## Limits
    Cells of a non-Python kernel, and `%%bash`/`%%sql` cell bodies, are not Python and are not parsed.
    MLD001 cannot be suppressed by `noqa`: a file that cannot be read cannot be analysed.
    """

    id = "MLD001"
    name = "unparsable-source"
    family = "tool"
    severity = "error"
    VALID = [Example("x = 1\n"), Example(["%matplotlib inline\nimport os", "!ls\nfiles = !ls"])]
    INVALID = [Example("def f(:\n    pass\n", expect=1), Example(["import os", 'print "done"'], expect=1)]
