"""Reusing the project stage (`mldebt.project_memo`): a stored result is served only while it is exactly what
a fresh run computes. Each test changes one thing the project stage depends on and compares with a run
without any cache; a spy tells whether the stage ran again."""

from __future__ import annotations

import builtins
import io
import os
import shutil
import sys
from pathlib import Path

import pytest

from mldebt import api, probes
from mldebt.rules import project_rules
from mldebt.testing import write_example

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _shown(findings) -> list[tuple]:
    return [(f.rule, f.path, f.pos, f.message, f.related, f.snippet) for f in findings]


@pytest.fixture
def stage_runs(monkeypatch):
    """How many times the project rules actually ran in cached runs (runs without a cache always do)."""
    calls = []
    original = api._project_findings

    def spy(scan, rule_ids, report_paths=None):
        if scan.identities is not None:
            calls.append(report_paths)
        return original(scan, rule_ids, report_paths)

    monkeypatch.setattr(api, "_project_findings", spy)
    return calls


def _fresh(paths) -> list[tuple]:
    return _shown(api.check([str(p) for p in paths], jobs=1, use_cache=False).findings)


def _cached(paths) -> list[tuple]:
    return _shown(api.check([str(p) for p in paths], jobs=1).findings)


@pytest.fixture
def demo(tmp_path) -> Path:
    root = tmp_path / "demo"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns(".mldebt_cache"))
    return root


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_warm_run_reuses_the_stored_result(demo, stage_runs):
    first = _cached([demo])
    assert stage_runs == [None]
    assert _cached([demo]) == first == _fresh([demo])
    assert stage_runs == [None]  # the second cached run did not run the project rules


def test_an_edit_the_project_does_not_see_keeps_the_result(demo, stage_runs):
    _cached([demo])
    script = demo / "src" / "train.py"
    _append(script, "\n# tuned later\n")
    assert _cached([script]) == _fresh([script])
    assert _cached([demo]) == _fresh([demo])
    assert stage_runs == [None]  # neither the pre-commit run nor the full one ran the stage


def test_a_new_read_runs_the_stage_again(demo, stage_runs):
    before = _cached([demo])
    script = demo / "src" / "train.py"
    _append(script, "\nimport pandas as pd\nextra = pd.read_csv('data/processed/features.csv')\n")
    assert _cached([demo]) == _fresh([demo]) != before
    assert stage_runs == [None, None]


@pytest.mark.parametrize("change", [
    "edit params.yaml", "delete a data file", "add a Makefile", "edit dvc.yaml", "add a settings file",
])
def test_a_changed_input_outside_the_code_runs_the_stage_again(demo, stage_runs, change):
    _cached([demo])
    if change == "edit params.yaml":
        text = (demo / "params.yaml").read_text(encoding="utf-8")
        (demo / "params.yaml").write_text(text.replace("n_estimators: 300", "n_estimators: 500")
                                          if "n_estimators: 300" in text else text + "\nextra_key: 1\n",
                                          encoding="utf-8")
    elif change == "delete a data file":
        victims = sorted(p for p in (demo / "data").rglob("*") if p.is_file())
        assert victims, "the demo project ships data files"
        for victim in victims:
            victim.unlink()
    elif change == "add a Makefile":
        (demo / "Makefile").write_text("train:\n\tjupyter nbconvert --execute notebooks/02_train.ipynb\n")
    elif change == "edit dvc.yaml":
        _append(demo / "dvc.yaml", "  report:\n    cmd: python src/report.py\n    deps:\n    - models/model.pkl\n")
    else:
        (demo / "src" / "config.yaml").write_text("learning_rate: 0.5\nn_estimators: 42\n")
    assert _cached([demo]) == _fresh([demo])
    assert len(stage_runs) == 2


def test_a_changed_line_that_a_finding_quotes_runs_the_stage_again(project, stage_runs):
    root = project({"a.py": "import pandas as pd\npd.read_csv('data/raw.csv').to_csv('data/clean.csv')\n",
                    "b.py": "import pandas as pd\nclean = pd.read_csv('data/clean.csv')\nprint(clean.shape)\n",
                    "c.py": "import pandas as pd\nother = pd.read_csv('data/clean.csv')\nprint(other.shape)\n"})
    first = _cached([root])
    b = root / "b.py"
    # the same facts (a trailing comment moves no position the project sees), but a quoted line changed
    b.write_text(b.read_text().replace("('data/clean.csv')\n", "('data/clean.csv')  # raw export\n", 1))
    assert _cached([b]) == _fresh([b])
    assert _cached([root]) == _fresh([root])
    if any(f[1] == "b.py" and f[5] for f in first):
        assert len(stage_runs) >= 2


def test_named_files_are_served_from_a_full_result_and_stored_apart(demo, stage_runs):
    _cached([demo])
    script = demo / "src" / "train.py"
    _append(script, "\nimport pandas as pd\nmore = pd.read_csv('data/raw/customers.csv')\n")
    assert _cached([script]) == _fresh([script])  # the stage runs for the named file only
    assert stage_runs == [None, frozenset({"src/train.py"})]
    assert _cached([script]) == _fresh([script])  # ...and that result is stored for the next commit
    assert len(stage_runs) == 2


def test_other_config_or_rules_do_not_share_a_result(demo, stage_runs):
    _cached([demo])
    assert _shown(api.check([str(demo)], jobs=1, select=["MLD1"]).findings) == \
        _shown(api.check([str(demo)], jobs=1, select=["MLD1"], use_cache=False).findings)
    assert len(stage_runs) == 2


def test_a_corrupt_stored_result_is_a_miss(demo, stage_runs):
    first = _cached([demo])
    for stored in (demo / ".mldebt_cache").rglob("project-*.pickle"):
        stored.write_bytes(stored.read_bytes()[:40])
    assert _cached([demo]) == first
    assert len(stage_runs) == 2


def test_moving_a_file_runs_the_stage_again(demo, stage_runs):
    _cached([demo])
    (demo / "src" / "prepare.py").rename(demo / "src" / "prepare_data.py")
    assert _cached([demo]) == _fresh([demo])
    assert len(stage_runs) == 2


# ------------------------------------------------------------------ nothing bypasses mldebt.probes
PROJECT_EXAMPLES = [(rule.id, i, example) for rule in project_rules()
                    for i, example in enumerate(list(rule.INVALID) + list(rule.VALID))
                    if isinstance(example.code, dict)]


@pytest.fixture
def guarded(monkeypatch):
    """Fail any file-system access made by mldebt code other than `mldebt.probes` while active."""
    state = {"on": False, "bypasses": []}

    def wrap(owner, name):
        original = getattr(owner, name)

        def guard(*args, **kwargs):
            if state["on"]:
                frame = sys._getframe(1)
                while frame is not None:
                    module = frame.f_globals.get("__name__", "")
                    if module == "mldebt.probes" or frame.f_code.co_filename.startswith("<frozen importlib"):
                        break  # asked through probes, or a module being imported (networkx reads its metadata)
                    if module.startswith("mldebt."):
                        state["bypasses"].append(f"{name} from {module}:{frame.f_lineno}")
                        break
                    frame = frame.f_back
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, guard)

    for owner, name in [(os, "stat"), (os, "lstat"), (os, "scandir"), (os, "listdir"), (os, "open"),
                        (builtins, "open"), (io, "open")]:
        wrap(owner, name)
    return state


def _project_stage(root: Path, guarded: dict) -> None:
    s = api.scan([str(root)], jobs=1, use_cache=False)
    rule_ids = api.selected_rules(s.config, [r.id for r in project_rules()])

    class GuardedLines(dict):
        """Source lines that only `FileFacts.source_text` and friends may read (they note the read)."""

        def _check(self):
            module = sys._getframe(2).f_globals.get("__name__", "")
            if guarded["on"] and module != "mldebt.facts.model":
                guarded["bypasses"].append(f"source lines read directly in {module}")

    for method in ("get", "__getitem__", "values", "items", "keys", "__iter__", "__contains__", "__len__"):
        def make(name):
            def guarded_method(self, *args):
                self._check()
                return getattr(dict, name)(self, *args)
            return guarded_method
        setattr(GuardedLines, method, make(method))
    for facts in s.facts.values():
        facts.lines = GuardedLines(facts.lines)
    guarded["on"] = True
    try:
        s.graph  # noqa: B018 - builds it
        api._project_findings(s, rule_ids)
    finally:
        guarded["on"] = False


def test_the_demo_projects_stage_asks_only_through_probes(demo, guarded):
    _project_stage(demo, guarded)
    assert guarded["bypasses"] == []


@pytest.mark.parametrize("rule_id,number,example", PROJECT_EXAMPLES,
                         ids=[f"{r}-{n}" for r, n, _ in PROJECT_EXAMPLES])
def test_rule_examples_ask_only_through_probes(tmp_path, guarded, rule_id, number, example):
    root = write_example(tmp_path / "p", example.code)
    _project_stage(root, guarded)
    assert guarded["bypasses"] == []


# ------------------------------------------------------------------ probes themselves
def test_probes_record_and_replay(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.yaml").write_text("a: 1\n")
    with probes.record() as rec:
        assert probes.exists(str(tmp_path / "d" / "x.yaml"))
        assert not probes.is_file(str(tmp_path / "missing.csv"))
        assert probes.read_text(str(tmp_path / "d" / "x.yaml")) == "a: 1\n"
        assert [f for f, _, _ in probes.walk(str(tmp_path))] == [str(tmp_path), str(tmp_path / "d")]
        with pytest.raises(OSError):
            probes.read_text(str(tmp_path / "missing.csv"))

    def holds() -> bool:
        probes.new_scan()  # answers are asked once per scan
        return probes.still_true(rec.answers, lambda *a: None)

    assert holds()
    (tmp_path / "missing.csv").write_text("now here\n")
    assert not holds()
    (tmp_path / "missing.csv").unlink()
    assert holds()
    (tmp_path / "d" / "x.yaml").write_text("a: 2\n")
    assert not holds()
    (tmp_path / "d" / "x.yaml").write_text("a: 1\n")
    (tmp_path / "d" / "new").mkdir()
    assert not holds()


def test_listings_leave_out_only_the_cache_folder(tmp_path):
    from mldebt.cache import CACHE_DIR

    assert probes.OWN_FOLDER == CACHE_DIR
    (tmp_path / CACHE_DIR).mkdir()
    (tmp_path / "a.py").write_text("")
    assert [e[0] for e in probes.listing(str(tmp_path))] == ["a.py"]


def test_walk_matches_os_walk(tmp_path):
    for rel in ["a/b/c.txt", "a/d.txt", "e/f/g/h.txt", "top.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    os.symlink(tmp_path / "a", tmp_path / "link_to_a")
    ours = [(f, sorted(d), sorted(n)) for f, d, n in probes.walk(str(tmp_path))]
    theirs = []
    for folder, dirs, files in os.walk(str(tmp_path)):
        dirs.sort()
        theirs.append((folder, sorted(dirs), sorted(files)))
    assert ours == theirs


def test_a_reused_check_loads_no_facts(demo, monkeypatch):
    """A warm check with the project result reused needs only each file's outcome (findings, suppressions,
    fix plans, notes), never the whole facts: that is what keeps a warm run of 2,000 files at ~0.2 s."""
    from mldebt.cache import LazyFacts

    _cached([demo])
    loaded = []
    original = LazyFacts.__getitem__

    def spy(self, rel):
        loaded.append(rel)
        return original(self, rel)

    monkeypatch.setattr(LazyFacts, "__getitem__", spy)
    result = api.check([str(demo)], jobs=1)
    from mldebt.report import render_check

    for fmt in ("text", "json", "sarif"):
        render_check(result, fmt)
    assert loaded == []
    assert _shown(result.findings) == _fresh([demo])


# ------------------------------------------------------------------ stored discovery
@pytest.mark.parametrize("change", [
    "add a notebook", "delete a script", "ignore a folder", "unignore a file", "make a folder a venv",
    "add a nested .gitignore", "replace a file by a folder", "dangling link",
])
def test_stored_discovery_follows_the_tree(demo, monkeypatch, change):
    from mldebt.sources import discovery

    walks = []
    original = discovery.discover

    def spy(*args, **kwargs):
        walks.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(discovery, "discover", spy)
    for _ in range(2):  # the first run stores the walk, the second reuses it
        first = api.scan([str(demo)], jobs=1)
    assert len(walks) == 1
    if change == "add a notebook":
        (demo / "notebooks" / "new.ipynb").write_text((demo / "notebooks" / "explore.ipynb").read_text())
    elif change == "delete a script":
        (demo / "jobs" / "score.py").unlink()
    elif change == "ignore a folder":
        _append(demo / ".gitignore", "\njobs/\n") if (demo / ".gitignore").exists() else \
            (demo / ".gitignore").write_text("jobs/\n")
    elif change == "unignore a file":
        (demo / ".gitignore").write_text("*.ipynb\n")
        api.scan([str(demo)], jobs=1)
        (demo / ".gitignore").write_text("*.ipynb\n!notebooks/report.ipynb\n")
    elif change == "make a folder a venv":
        (demo / "jobs" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    elif change == "add a nested .gitignore":
        (demo / "src" / ".gitignore").write_text("train.py\n")
    elif change == "replace a file by a folder":
        (demo / "run_all.py").unlink()
        (demo / "run_all.py").mkdir()
        (demo / "run_all.py" / "inner.py").write_text("print(1)\n")
    else:
        os.symlink(demo / "missing.py", demo / "src" / "gone.py")
    cached = api.scan([str(demo)], jobs=1)
    fresh = api.scan([str(demo)], jobs=1, use_cache=False)
    assert (cached.files, cached.problems) == (fresh.files, fresh.problems)
    assert cached.files != first.files or cached.problems != first.problems


def test_a_file_rule_that_looks_beside_its_file_is_not_served_stale(project):
    """MLD301 treats a script with a notebook of the same name beside it as that notebook's export. The
    cached result of the script must follow the notebook appearing and disappearing."""
    code = ("from sklearn.ensemble import RandomForestClassifier\n"
            "clf = RandomForestClassifier(n_estimators=500, max_depth=8)\nclf.fit([[0]], [0])\n")
    root = project({"train.py": code})

    def both():
        cached = [(f.rule, f.path) for f in api.check([str(root)], jobs=1, select=["MLD301"]).findings]
        fresh = [(f.rule, f.path) for f in api.check([str(root)], jobs=1, select=["MLD301"],
                                                     use_cache=False).findings]
        assert cached == fresh
        return cached

    alone = both()
    (root / "train.ipynb").write_text(write_example.__globals__["notebook_json"]([code]))
    beside = both()
    (root / "train.ipynb").unlink()
    assert both() == alone
    assert ("MLD301", "train.py") in alone and ("MLD301", "train.py") not in beside


def test_answers_derived_from_a_listing_equal_asking(tmp_path):
    """still_true answers exists/isfile/isdir from the folder's listing when that is recorded too."""
    (tmp_path / "d").mkdir()
    (tmp_path / "f.csv").write_text("x")
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    os.symlink(tmp_path / "d", tmp_path / "dir_link")
    os.mkfifo(tmp_path / "pipe")
    names = ["d", "f.csv", "dangling", "dir_link", "pipe", "absent", "absent/x.csv", "f.csv/x", "d/y.csv",
             "absent/deeper/z.csv"]
    with probes.record() as rec:
        probes.listing(str(tmp_path))
        for name in names:
            path = str(tmp_path / name)
            probes.exists(path), probes.is_file(path), probes.is_dir(path)
    probes.new_scan()
    derived = {key: probes._from_listing(key[0], key[1], rec.answers) for key in rec.answers if key[0] != "list"}
    for key, value in derived.items():
        assert value is None or value == rec.answers[key], key
    assert probes.still_true(rec.answers, lambda *a: None)
    (tmp_path / "f.csv").unlink()
    probes.new_scan()
    assert not probes.still_true(rec.answers, lambda *a: None)
