"""mldebt checks itself: the package's own code has no findings."""

from __future__ import annotations

from pathlib import Path

from mldebt import api

PACKAGE = Path(__file__).resolve().parent.parent / "mldebt"


def test_mldebt_package_is_clean():
    findings = api.check([str(PACKAGE)], jobs=1, use_cache=False).findings
    assert not findings, [f"{f.path}:{f.pos.line}: {f.rule} {f.message}" for f in findings]
