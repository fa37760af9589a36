"""Baselines: `mldebt baseline` records today's findings, `check --baseline` hides them (and says how many)
while new findings still fail, even after edits that move the old ones to other lines or cells."""

from __future__ import annotations

import json

import pytest

from mldebt.rules import all_rules

pytestmark = pytest.mark.skipif("MLD203" not in all_rules(), reason="needs MLD203 dead-experimental-codepath")

DEAD = "if False:\n    print('debug')\n"
SCRIPT = "import os\n\n\ndef main():\n    " + DEAD.replace("\n    ", "\n        ") + "    return os.getcwd()\n"
CELLS = [{"source": "import os", "id": "imports"}, {"source": DEAD, "id": "scratch"}]


def _write(root, files):
    from mldebt.testing import write_example

    write_example(root, files)


def _rules(out: str) -> list[str]:
    return [line for line in out.splitlines() if ": MLD" in line]


def test_baseline_hides_known_findings_and_says_so(cli, project, tmp_path):
    root = project({"jobs/train.py": SCRIPT, "nb.ipynb": CELLS, "broken.py": "def f(:\n"})
    baseline = tmp_path / "mldebt-baseline.json"
    code, out, _ = cli("baseline", root, "--output", baseline, "--no-cache")
    assert code == 0 and out == f"Wrote 3 findings to {baseline}\n"
    doc = json.loads(baseline.read_text(encoding="utf-8"))
    assert doc["tool"] == "mldebt" and [(e["path"], e["rule"]) for e in doc["findings"]] == [
        ("broken.py", "MLD001"), ("jobs/train.py", "MLD203"), ("nb.ipynb", "MLD203")]
    assert all(set(e) == {"fingerprint", "rule", "path", "message"} for e in doc["findings"])

    code, out, _ = cli("check", root, "--baseline", baseline, "--no-cache")
    assert code == 0 and _rules(out) == []
    assert out.splitlines()[-1].endswith("; 3 known findings hidden by baseline")
    for fmt in ("json", "sarif"):
        code, out, err = cli("check", root, "--baseline", baseline, "--no-cache", "--format", fmt)
        assert code == 0 and err == "mldebt: 3 known findings hidden by baseline\n"
    assert cli("check", root, "--baseline", baseline, "--no-cache", "--format", "github")[1] == \
        "mldebt: 0 findings; 3 known findings hidden by baseline\n"
    assert "_3 known findings hidden by baseline._" in \
        cli("check", root, "--baseline", baseline, "--no-cache", "--format", "markdown")[1]


def test_baseline_survives_edits_that_shift_lines_and_cells(cli, project, tmp_path):
    root = project({"jobs/train.py": SCRIPT, "nb.ipynb": CELLS})
    baseline = tmp_path / "baseline.json"
    assert cli("baseline", root, "--output", baseline, "--no-cache")[0] == 0
    # move every finding: new lines above them, a new cell (with its own id) before the old ones
    _write(root, {"jobs/train.py": '"""Training job."""\nimport sys\n\nARGS = sys.argv\n' + SCRIPT,
                  "nb.ipynb": [{"source": "# Setup", "cell_type": "markdown", "id": "intro"},
                               {"source": "import sys\nprint(sys.version)", "id": "env"}, *CELLS]})
    code, out, _ = cli("check", root, "--no-cache")
    assert [line.split(": ")[0] for line in _rules(out)] == ["jobs/train.py:9:5", "nb.ipynb:cell 4:1:1"]
    code, out, _ = cli("check", root, "--baseline", baseline, "--no-cache")
    assert code == 0 and _rules(out) == [] and "2 known findings hidden by baseline" in out


def test_new_findings_still_fail_under_a_baseline(cli, project, tmp_path):
    root = project({"jobs/train.py": SCRIPT})
    baseline = tmp_path / "baseline.json"
    cli("baseline", root, "--output", baseline, "--no-cache")
    _write(root, {"jobs/train.py": SCRIPT + "\n\nif 0:\n    print('another experiment')\n"})
    code, out, _ = cli("check", root, "--baseline", baseline, "--no-cache")
    assert code == 1
    assert [line.split(": ")[0] for line in _rules(out)] == ["jobs/train.py:10:1"]
    assert out.splitlines()[-1].endswith("; 1 known finding hidden by baseline")


def test_repeated_identical_findings_are_counted_each(cli, project, tmp_path):
    root = project({"a.py": DEAD + DEAD})
    baseline = tmp_path / "baseline.json"
    assert cli("baseline", root, "--output", baseline, "--no-cache")[1].startswith("Wrote 2 findings")
    _write(root, {"a.py": DEAD + DEAD + DEAD})  # a third copy of the same dead block is new debt
    code, out, _ = cli("check", root, "--baseline", baseline, "--no-cache")
    assert code == 1 and len(_rules(out)) == 1 and "2 known findings hidden" in out
    _write(root, {"a.py": DEAD})  # fixing one leaves the other hidden
    code, out, _ = cli("check", root, "--baseline", baseline, "--no-cache")
    assert code == 0 and "1 known finding hidden" in out


@pytest.mark.parametrize("content, message", [
    (None, "cannot read baseline"),
    ("{not json", "is not valid JSON"),
    ('{"version": 1}', "has no `findings` list"),
])
def test_bad_baseline_files_exit_2(cli, project, tmp_path, content, message):
    root = project({"a.py": DEAD})
    baseline = tmp_path / "baseline.json"
    if content is not None:
        baseline.write_text(content)
    code, out, err = cli("check", root, "--baseline", baseline, "--no-cache")
    assert code == 2 and out == "" and message in err and str(baseline) in err


def test_baseline_command_errors_exit_2(cli, project, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = cli("baseline", project({"a.py": DEAD}), "--output", blocker / "baseline.json", "--no-cache")
    assert code == 2 and "cannot write" in err
    code, _, err = cli("baseline", project({"a.py": DEAD}), "--no-cache")
    assert code == 2 and "--output" in err  # required: a baseline is a file to commit
