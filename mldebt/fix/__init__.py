"""Automatic fixes for findings (`mldebt check --fix`, `--unsafe-fixes`, `--diff`).

    from mldebt.api import check
    from mldebt.fix import apply_fixes
    report = apply_fixes(check(["."]), unsafe=False, write=True)

A rule's `fix` ClassVar says whether its fix is "safe" (keeps what the code computes, apart from the
debt it removes), "unsafe" (changes behaviour: deletes code, moves values to a file) or "none". One
module per rule's fix; `driver` groups findings per file and applies them. libcst is imported only
when edits are built.
"""

from __future__ import annotations

from mldebt.fix.model import FileChange, FixReport


def apply_fixes(result, unsafe: bool = False, write: bool = True) -> FixReport:
    """Apply the fixes of `result.findings` (a `mldebt.api.CheckResult`): safe ones, and unsafe ones too
    when `unsafe`; write the changed files atomically when `write`, else only report them."""
    from mldebt.fix.driver import apply_fixes as run

    return run(result, unsafe=unsafe, write=write)


def fixable(result) -> dict[int, str]:
    """{id(finding): "safe" | "unsafe"} for the findings of `result` that have a fix (nothing is changed)."""
    from mldebt.fix.driver import fixable as planned

    return planned(result)


__all__ = ["FileChange", "FixReport", "apply_fixes", "fixable"]
