"""Shared fixtures: build small projects in tmp dirs and run mldebt over them."""

from __future__ import annotations

from pathlib import Path

import pytest

from mldebt import api
from mldebt.testing import write_example


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: runs external tools (pre-commit, git); deselect with -m 'not slow'")


@pytest.fixture
def project(tmp_path):
    """`project(files)` writes a project dict under a fresh tmp dir and returns its root."""
    counter = {"n": 0}

    def make(files) -> Path:
        counter["n"] += 1
        return write_example(tmp_path / f"p{counter['n']}", files)

    return make


@pytest.fixture
def run_check():
    """`run_check(root, select=...)` -> list of findings (no cache, one job)."""

    def run(root: Path, select=None, paths=None, **kwargs):
        targets = [str(p) for p in (paths or [root])]
        return api.check(targets, select=select, jobs=1, use_cache=False, **kwargs).findings

    return run


@pytest.fixture
def cli(monkeypatch):
    """`cli(*args, cwd=None, env=None)` runs `mldebt ...` in-process -> (exit code, stdout, stderr)."""
    from click.testing import CliRunner

    from mldebt.cli import main

    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        runner = CliRunner()

    def run(*args, cwd=None, env=None):
        if cwd is not None:
            monkeypatch.chdir(cwd)
        result = runner.invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return run
