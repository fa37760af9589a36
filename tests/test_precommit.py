"""The pre-commit hook, installed from this repository by the real `pre-commit` tool, as a team uses it.

pre-commit installs hooks from a commit, so the hook under test is this repository's HEAD. Slow-ish
(pre-commit builds a virtualenv and pip-installs mldebt once, ~15 s), but it is the only test that proves
`.pre-commit-hooks.yaml`, the package metadata and changed-files mode work together.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mldebt.rules import all_rules
from mldebt.testing import write_example

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_hook_definition_matches_the_contract():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hooks == [{"id": "mldebt", "name": "mldebt", "entry": "mldebt check", "language": "python",
                      "types_or": ["python", "jupyter"], "require_serial": True}]


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=mldebt tests", "-c", "user.email=tests@example.org",
                           "-c", "commit.gpgsign=false", *args], cwd=cwd, capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    """A fresh git repository configured to use the mldebt hook from this repository's HEAD."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if importlib.util.find_spec("pre_commit") is None:
        pytest.skip("pre-commit is not installed (it is in the test extras: pip install -e '.[test]')")
    if not (REPO / ".git").exists():
        pytest.skip(f"{REPO} is not a git checkout, so pre-commit cannot install the hook from it")
    rev = _git(REPO, "rev-parse", "HEAD")
    root = tmp_path_factory.mktemp("team-repo")
    # the hook runs the committed code: is the cross-file rule in HEAD (not just in the work tree)?
    committed = _git(REPO, "ls-tree", "-r", "--name-only", rev, "mldebt/rules/data").split("\n")
    cross_file = "MLD101" in all_rules() and any(Path(f).name.startswith("mld101_") for f in committed)
    files = {
        ".pre-commit-config.yaml": f"repos:\n- repo: {REPO.as_posix()}\n  rev: {rev}\n  hooks:\n  - id: mldebt\n",
        "pyproject.toml": "[tool.mldebt]\n",
        "clean.py": "def add(a, b):\n    return a + b\n",
        "clean.ipynb": ["import math", "print(math.pi)"],
        "legacy.py": "def main(:\n    pass\n",
        "explore.ipynb": ["import os", 'print "rows:", len(os.listdir("."))'],
        "pipelines/fit.py": 'import pandas as pd\n\nframe = pd.DataFrame({"a": [1, 2]})\n'
                            'frame.to_csv("data/features.csv", index=False)\n',
        "jobs/predict.py": 'import pandas as pd\n\nfeatures = pd.read_csv("data/features.csv")\nprint(features)\n',
        "README.md": "# a team project\n",
    }
    write_example(root, files)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "project")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PYTHONPATH", "PRE_COMMIT"))}
    env["PRE_COMMIT_HOME"] = str(tmp_path_factory.mktemp("pre-commit-home"))
    env["NO_COLOR"] = "1"

    def run(*paths: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--color", "never", "--files", *paths],
                              cwd=root, env=env, capture_output=True, text=True, timeout=900)

    return root, run, cross_file


def test_hook_passes_on_clean_files(hook_repo):
    _, run, _ = hook_repo
    done = run("clean.py", "clean.ipynb", "README.md")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "mldebt" in done.stdout and "Passed" in done.stdout


def test_hook_fails_on_a_script_and_a_notebook_with_debt(hook_repo):
    _, run, _ = hook_repo
    done = run("legacy.py", "explore.ipynb", "clean.py")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Failed" in done.stdout
    assert "legacy.py:1:" in done.stdout and "MLD001 unparsable-source" in done.stdout
    assert "explore.ipynb:cell 2:1:" in done.stdout
    assert not any(line.startswith("clean.py") for line in done.stdout.splitlines())


def test_hook_reports_a_cross_file_finding_in_the_changed_file_only(hook_repo):
    _, run, cross_file = hook_repo
    if not cross_file:
        pytest.skip("no cross-file rule (MLD101 undeclared-consumer) is committed yet")
    done = run("jobs/predict.py")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "jobs/predict.py:3:" in done.stdout and "MLD101" in done.stdout
    assert "pipelines/fit.py" in done.stdout  # the message names the writer it found in an unchanged file
    writer_only = run("pipelines/fit.py")
    assert writer_only.returncode == 0, writer_only.stdout + writer_only.stderr
