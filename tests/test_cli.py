"""`mldebt check` as teams run it: every option of CONTRACTS.md, exit codes, colour, changed-files mode."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from mldebt import __version__
from mldebt.rules import all_rules

REPO = Path(__file__).resolve().parents[1]

# Findings from the tool rules only (so these tests do not depend on other rules being present):
# MLD001 (error) for a syntax error and a Python 2 notebook cell, MLD002 (warning) for unused `noqa`s.
PROJECT = {
    "pipelines/fit.py": "import os\n\n\ndef main(:\n    pass\n",
    "notebooks/explore.ipynb": [{"cell_type": "markdown", "source": "# Churn"}, "import os",
                                'print "rows:", len(os.listdir("."))'],
    "jobs/score.py": "import sys\nargs = sys.argv  # noqa: MLD001\n",
    "clean.py": "def add(a, b):\n    return a + b\n",
}
EXPECTED_TEXT = [
    "jobs/score.py:2:18: MLD002 unused-suppression: `# noqa: MLD001` suppresses MLD001, but no MLD001 finding "
    "is here: remove it so it cannot hide a future finding",
    "notebooks/explore.ipynb:cell 3:1:1: MLD001 unparsable-source: cannot parse cell 3 of "
    "notebooks/explore.ipynb: syntax error: Missing parentheses in call to 'print'. Did you mean print(...)? "
    "(this looks like Python 2 code); the rest of the file is still analysed",
    "pipelines/fit.py:4:10: MLD001 unparsable-source: cannot parse pipelines/fit.py: syntax error: invalid syntax",
]


def _lines(out: str) -> list[str]:
    return out.splitlines()[:-1]  # without the summary line


def test_version(cli):
    assert cli("--version") == (0, f"mldebt {__version__}\n", "")


def test_text_is_sorted_with_a_summary(cli, project):
    root = project(PROJECT)
    code, out, err = cli("check", root, "--no-cache")
    assert code == 1, err
    assert _lines(out) == EXPECTED_TEXT
    assert out.splitlines()[-1].startswith("Found 3 findings (3 files, 1 notebooks) in ")
    assert "\033[" not in out  # not a TTY: no colour


def test_default_path_is_the_current_folder(cli, project):
    root = project(PROJECT)
    code, out, _ = cli("check", "--no-cache", cwd=root)
    assert code == 1 and _lines(out) == EXPECTED_TEXT


def test_clean_project_exits_0(cli, project):
    code, out, _ = cli("check", project({"clean.py": PROJECT["clean.py"]}), "--no-cache")
    assert code == 0 and out.startswith("Found 0 findings (1 files, 0 notebooks)")


def test_exit_zero(cli, project):
    code, out, _ = cli("check", project(PROJECT), "--no-cache", "--exit-zero")
    assert code == 0 and len(_lines(out)) == 3


def test_json_format_contract(cli, project):
    root = project(PROJECT)
    code, out, _ = cli("check", root, "--format", "json", "--no-cache")
    doc = json.loads(out)
    assert code == 1
    assert doc["tool"] == {"name": "mldebt", "version": __version__}
    assert doc["root"] == str(root.resolve()) and doc["files_scanned"] == 4 and doc["errors"] == []
    cell = next(f for f in doc["findings"] if f["cell"] is not None)
    assert {k: cell[k] for k in ("rule", "name", "family", "severity", "path", "cell", "cell_id", "line",
                                 "column")} == {
        "rule": "MLD001", "name": "unparsable-source", "family": "tool", "severity": "error",
        "path": "notebooks/explore.ipynb", "cell": 3, "cell_id": "cell-3", "line": 1, "column": 1}
    assert set(cell) == {"rule", "name", "family", "severity", "path", "cell", "cell_id", "line", "column",
                         "end_line", "end_column", "message", "related", "fingerprint"}


def test_select_and_ignore_take_ids_and_prefixes(cli, project):
    root = project(PROJECT)
    rules_of = lambda out: sorted({line.split(": ")[1].split()[0] for line in _lines(out)})  # noqa: E731
    assert rules_of(cli("check", root, "--no-cache", "--select", "MLD001")[1]) == ["MLD001"]
    assert rules_of(cli("check", root, "--no-cache", "--select", "mld0")[1]) == ["MLD001", "MLD002"]
    assert rules_of(cli("check", root, "--no-cache", "--ignore", "MLD002")[1]) == ["MLD001"]
    # a `noqa: MLD001` is not "unused" when MLD001 did not run (MLD002's documented limit)
    assert rules_of(cli("check", root, "--no-cache", "--ignore", "MLD001")[1]) == []
    code, out, _ = cli("check", root, "--no-cache", "--select", "MLD0", "--ignore", "MLD001,MLD002")
    assert code == 0 and _lines(out) == []


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_unknown_rule_ids_are_usage_errors(cli, project, option):
    code, out, err = cli("check", project(PROJECT), option, "MLD001,MLX9")
    assert code == 2 and out == ""
    assert f"{option}: unknown rule id or prefix 'MLX9'" in err


def test_usage_errors_exit_2(cli, project, tmp_path):
    root = project(PROJECT)
    code, _, err = cli("check", tmp_path / "missing")
    assert code == 2 and "missing: no such file or folder" in err
    assert cli("check", root, "--format", "xml")[0] == 2
    assert cli("check", root, "--jobs", "0")[0] == 2
    assert cli("check", root, "--no-such-option")[0] == 2
    code, _, err = cli("check", root, "--config", tmp_path / "nope.toml")
    assert code == 2 and "nope.toml: config file not found" in err


def test_config_errors_exit_2_naming_key_and_file(cli, project):
    root = project({**PROJECT, ".mldebt.yaml": "fail-on: sometimes\n"})
    code, out, err = cli("check", root, "--no-cache")
    assert code == 2 and out == ""
    assert f"configuration error: {root / '.mldebt.yaml'}: `fail-on` must be one of info, warning, error" in err


def test_unparsable_input_is_a_finding_not_exit_2(cli, project):
    code, out, _ = cli("check", project({"broken.ipynb": '{"cells": [', "x.py": "\x00\x01"}), "--no-cache")
    assert code == 1
    assert [line.split(": ")[1] for line in _lines(out)] == ["MLD001 unparsable-source"] * 2


def test_internal_errors_exit_2(cli, project, monkeypatch):
    from mldebt import api

    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(api, "check", broken)
    code, out, err = cli("check", project(PROJECT))
    assert code == 2 and out == ""
    assert "internal error: ValueError: boom" in err and "please report this" in err


def test_output_file_is_written_atomically(cli, project, tmp_path, monkeypatch):
    root = project(PROJECT)
    target = tmp_path / "reports" / "mldebt.sarif"
    code, out, _ = cli("check", root, "--format", "sarif", "--output", target, "--no-cache")
    assert code == 1 and out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert sorted(p.name for p in target.parent.iterdir()) == ["mldebt.sarif"]  # no temp file left over
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    # a failing run never leaves a truncated report behind
    from mldebt import report

    before = target.read_bytes()
    monkeypatch.setattr(report, "render_check", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("render")))
    assert cli("check", root, "--format", "sarif", "--output", target, "--no-cache")[0] == 2
    assert target.read_bytes() == before


def test_output_to_an_unwritable_place_exits_2(cli, project, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = cli("check", project(PROJECT), "--output", blocker / "out.txt", "--no-cache")
    assert code == 2 and "cannot write" in err


def test_statistics(cli, project):
    root = project(PROJECT)
    code, out, _ = cli("check", root, "--statistics", "--no-cache")
    assert code == 1
    assert out == "2  MLD001  unparsable-source\n1  MLD002  unused-suppression\nFound 3 findings\n"
    code, out, _ = cli("check", root, "--statistics", "--format", "json", "--no-cache")
    assert json.loads(out) == [{"rule": "MLD001", "name": "unparsable-source", "count": 2},
                               {"rule": "MLD002", "name": "unused-suppression", "count": 1}]


def test_jobs_and_cache_do_not_change_results(cli, project):
    files = {f"pkg/mod{i:02d}.py": f"VALUE_{i} = {i}\n" for i in range(20)}  # enough for the process pool
    files.update(PROJECT)
    root = project(files)
    serial = cli("check", root, "--format", "json", "--no-cache", "--jobs", "1")[1]
    assert not (root / ".mldebt_cache").exists()
    parallel = cli("check", root, "--format", "json", "--jobs", "2")[1]
    assert (root / ".mldebt_cache").is_dir()
    cached = cli("check", root, "--format", "json", "--jobs", "2")[1]
    assert serial == parallel == cached
    assert json.loads(serial)["files_scanned"] == 24


def test_colour_only_when_forced_or_on_a_tty_and_never_with_no_color(cli, project, monkeypatch):
    root = project(PROJECT)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\033[31mMLD001 unparsable-source\033[0m" in cli("check", root, "--no-cache")[1]
    assert "\033[" not in cli("check", root, "--no-cache", "--format", "json")[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\033[" not in cli("check", root, "--no-cache")[1]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize("no_color", [None, "1"])
def test_colour_on_a_real_terminal(project, no_color):
    import pty

    root = project(PROJECT)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    if no_color:
        env["NO_COLOR"] = no_color
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "mldebt.cli", "check", str(root), "--no-cache"],
                            stdout=follower, stderr=subprocess.PIPE, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO once the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=60) == 1
    out = b"".join(chunks).decode()
    assert ("\033[" in out) is (no_color is None)
    assert "MLD001 unparsable-source" in out


def test_changed_files_mode_reports_only_the_named_files(cli, project):
    root = project(PROJECT)
    code, out, _ = cli("check", root / "jobs/score.py", root / "clean.py", "--no-cache")
    assert code == 1 and _lines(out) == [EXPECTED_TEXT[0]]
    code, out, _ = cli("check", "clean.py", "--no-cache", cwd=root)  # relative, as pre-commit passes them
    assert code == 0 and _lines(out) == []


def test_changed_files_mode_scans_named_files_even_when_excluded(cli, project):
    root = project({**PROJECT, ".mldebt.yaml": "exclude: [pipelines/]\n"})
    assert not any(line.startswith("pipelines/") for line in _lines(cli("check", root, "--no-cache")[1]))
    code, out, _ = cli("check", root / "pipelines/fit.py", "--no-cache")
    assert code == 1 and _lines(out) == [EXPECTED_TEXT[2]]


@pytest.mark.skipif("MLD101" not in all_rules(), reason="needs the cross-file rule MLD101 undeclared-consumer")
def test_changed_files_mode_builds_the_whole_project_graph(cli, project):
    root = project({
        "pipelines/fit.py": 'import pandas as pd\n\nframe = pd.DataFrame({"a": [1]})\n'
                            'frame.to_csv("data/features.csv", index=False)\n',
        "jobs/predict.py": 'import pandas as pd\n\nfeatures = pd.read_csv("data/features.csv")\nprint(features)\n',
    })
    code, out, _ = cli("check", "jobs/predict.py", "--no-cache", "--select", "MLD101", cwd=root)
    assert code == 1
    [line] = _lines(out)
    assert line.startswith("jobs/predict.py:3:") and "MLD101" in line and "pipelines/fit.py" in line
    code, out, _ = cli("check", "pipelines/fit.py", "--no-cache", "--select", "MLD101", cwd=root)
    assert code == 0 and _lines(out) == []
