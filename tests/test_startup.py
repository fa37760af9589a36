"""Cheap start-up: `mldebt --version` and `--help` (what a pre-commit hook or an editor runs first) import
none of the heavy dependencies; each costs 20-200 ms to import (see ARCHITECTURE.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("nbformat", "jsonschema", "libcst", "networkx", "yaml", "pathspec", "multiprocessing", "concurrent")

PROBE = """
import json, sys
from mldebt.cli import main
try:
    main(sys.argv[1:], prog_name="mldebt")
except SystemExit:
    pass
heavy = {heavy!r}
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & set(heavy))), file=sys.stderr)
"""


def _loaded(*args: str) -> tuple[list[str], str]:
    result = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], capture_output=True,
                            text=True, cwd=REPO, check=True)
    return json.loads(result.stderr.strip().splitlines()[-1]), result.stdout


def test_importing_the_cli_is_light():
    loaded, _ = _loaded()
    assert loaded == []


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["check", "--help"], ["graph", "--help"]])
def test_version_and_help_import_nothing_heavy(args):
    loaded, out = _loaded(*args)
    assert loaded == [], f"`mldebt {' '.join(args)}` imported {loaded}"
    assert out.strip()


def test_version_output():
    from mldebt import __version__

    _, out = _loaded("--version")
    assert out.strip() == f"mldebt {__version__}"


def test_import_time_of_mldebt_itself_is_small():
    """`python -X importtime`: mldebt's own modules (not click) take well under 50 ms to import."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", "import mldebt.cli"], capture_output=True,
                            text=True, cwd=REPO, check=True)
    own = 0
    for line in result.stderr.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2].startswith("mldebt") and parts[0].split(":")[-1].strip().isdigit():
            own += int(parts[0].split(":")[-1])  # self time in microseconds
    assert 0 < own < 50_000, f"mldebt modules took {own / 1000:.1f} ms to import"
