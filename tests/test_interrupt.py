"""Ctrl-C in the middle of a scan leaves no partial output file and no corrupt cache: the next run
reads the cache and reports exactly what a cache-less run reports."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _generate(target: Path, files: int) -> None:
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(target), "--files", str(files),
                    "--seed", "3"], check=True, capture_output=True)


def _findings(out: str) -> list:
    doc = json.loads(out)
    return doc["findings"]


@pytest.mark.parametrize("delay", [0.5, 1.5])
def test_ctrl_c_leaves_no_partial_output_and_no_corrupt_cache(tmp_path, delay):
    project = tmp_path / "project"
    _generate(project, 800)
    output = tmp_path / "out" / "report.json"
    output.parent.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "mldebt.cli", "check", str(project), "--format", "json",
                                "--output", str(output), "--jobs", "2"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:  # pragma: no cover - a hang is a failure
        process.kill()
        raise
    assert "Traceback" not in stderr, stderr
    leftovers = [p.name for p in output.parent.iterdir() if p.name != "report.json"]
    assert not leftovers, f"temporary files left behind: {leftovers}"
    if output.exists():  # the scan finished before the signal: the file must be whole
        json.loads(output.read_text(encoding="utf-8"))
    else:
        assert process.returncode == 130
    if delay < 1:
        assert process.returncode == 130, "the signal should have arrived mid-scan"
    warm = subprocess.run([sys.executable, "-m", "mldebt.cli", "check", str(project), "--format", "json"],
                          capture_output=True, text=True, timeout=300)
    cold = subprocess.run([sys.executable, "-m", "mldebt.cli", "check", str(project), "--format", "json",
                           "--no-cache"], capture_output=True, text=True, timeout=300)
    assert warm.returncode == cold.returncode
    assert _findings(warm.stdout) == _findings(cold.stdout)


def test_ctrl_c_while_the_interpreter_shuts_down_is_quiet(tmp_path):
    """A Ctrl-C that lands after the output is written, while Python shuts down (a fast run makes that
    window likely), ends the program as interrupted, without an "Exception ignored" traceback."""
    script = ("import os, signal, sys, threading\n"
              "threading._register_atexit(lambda: os.kill(os.getpid(), signal.SIGINT))  # runs in _shutdown\n"
              "from mldebt.cli import main\n"
              "sys.argv = ['mldebt', '--version']\n"
              "main()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("mldebt ")
    assert "Traceback" not in done.stderr and "KeyboardInterrupt" not in done.stderr, done.stderr
    assert done.returncode in (-signal.SIGINT, 130)
