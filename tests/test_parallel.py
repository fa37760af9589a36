"""Parallel extraction gives byte-identical output to `--jobs 1`, from the cache too, and falls back to
analysing in this process when a pool cannot start or a worker dies."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mldebt import api, parallel
from mldebt.report import render_check

REPO = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """A 40-file synthetic ML project (scripts, notebooks with outputs, dvc.yaml, params.yaml)."""
    root = tmp_path_factory.mktemp("synthetic") / "project"
    count = _generator().generate(root, 40, seed=3)
    assert count >= parallel.MIN_FILES_FOR_POOL
    return root


def _json(root: Path, jobs: int, use_cache: bool = False) -> str:
    return render_check(api.check([root], jobs=jobs, use_cache=use_cache), "json", False, None)


def test_parallel_output_is_byte_identical_to_one_job(synthetic):
    serial = _json(synthetic, 1)
    assert '"MLD' in serial  # the comparison covers real findings
    assert _json(synthetic, 2) == serial
    assert _json(synthetic, 3) == serial


def test_cached_output_is_byte_identical(synthetic, tmp_path):
    serial = _json(synthetic, 1)
    try:
        assert _json(synthetic, 2, use_cache=True) == serial  # fills the cache in parallel
        assert _json(synthetic, 2, use_cache=True) == serial  # served from it
        assert _json(synthetic, 1, use_cache=True) == serial
    finally:
        import shutil

        shutil.rmtree(synthetic / ".mldebt_cache", ignore_errors=True)


def test_cli_jobs_outputs_match(synthetic):
    def run(jobs: str) -> bytes:
        return subprocess.run([sys.executable, "-m", "mldebt.cli", "check", str(synthetic), "--format", "json",
                               "--no-cache", "--exit-zero", "--jobs", jobs], capture_output=True, check=True,
                              cwd=REPO).stdout

    assert run("1") == run("2")


def test_pool_that_cannot_start_falls_back(synthetic, monkeypatch):
    serial = _json(synthetic, 1)
    import concurrent.futures

    class NoPool:
        def __init__(self, *args, **kwargs):
            raise OSError(38, "Function not implemented (no sem_open here)")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", NoPool)
    assert _json(synthetic, 2) == serial


def _die(args):
    os._exit(3)  # a worker killed mid-run (out of memory, a crash in a C extension)


def test_dead_worker_falls_back(synthetic, monkeypatch):
    serial = _json(synthetic, 1)
    monkeypatch.setattr(parallel, "_worker_task", _die)
    assert _json(synthetic, 2) == serial


@pytest.mark.skipif("spawn" not in __import__("multiprocessing").get_all_start_methods(), reason="no spawn")
def test_spawned_workers_get_the_configured_knowledge(project, monkeypatch):
    files = {f"step{i}.py": f"import mylib\ndf = mylib.load_table('data/t{i}.csv')\n" for i in range(20)}
    files["pyproject.toml"] = ('[tool.mldebt.knowledge.readers]\n"mylib.load_table" = {arg = 0, kind = "file"}\n')
    root = project(files)
    serial = api.scan([root], jobs=1, use_cache=False)
    assert serial.facts["step3.py"].io, "the configured reader is known"
    monkeypatch.setattr("multiprocessing.get_all_start_methods", lambda: ["spawn"])
    spawned = api.scan([root], jobs=2, use_cache=False)
    assert spawned.facts == serial.facts


def test_default_jobs_is_the_usable_cores():
    assert 1 <= parallel.default_jobs() <= (os.cpu_count() or 1)
