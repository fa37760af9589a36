"""MLD002 unused-suppression."""

from __future__ import annotations

from mldebt.rules.base import Example, Rule


class UnusedSuppression(Rule):
    """A `noqa` or `mldebt: ignore` comment that suppressed nothing.

    ## What it flags
    `# noqa: MLD...`, `# mldebt: ignore[...]`, `ignore-cell` and `ignore-file` directives naming mldebt
    rules when no finding of those rules was there to hide. Bare `# noqa` comments are left alone, since
    other linters read them too. Computed after every other rule has run (`mldebt.api`).

    ## Why it is debt
    A stale suppression hides the next real finding on that line; suppressions are configuration in
    code, and unused configuration is debt (Sculley et al. §6, "Configuration Debt").

    ## Example
    `df = pd.read_csv("data/train.csv")  # noqa: MLD302` where the path is not machine-specific.

    ## Fix
    Delete the comment, or narrow it to the rule that still fires.

    ## Limits
    Only rules that were selected for this run are checked: a suppression of a deselected rule is not
    reported as unused.
    """

    id = "MLD002"
    name = "unused-suppression"
    family = "tool"
    severity = "warning"
    VALID = [Example('import pandas as pd\ndf = pd.read_csv("/home/ana/x.csv")  # noqa: MLD302\nprint(df)\n')]
    INVALID = [Example('import pandas as pd\ndf = pd.read_csv("data/x.csv")  # noqa: MLD302\nprint(df)\n', expect=1)]
