"""MLD602-MLD604 on a labelled corpus of leaky and clean notebooks/scripts (tests/leakage_corpus), plus
checks of what the findings say and point to."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mldebt import api

CORPUS = Path(__file__).parent / "leakage_corpus"
RULES = ("MLD602", "MLD603", "MLD604")
HEADER = re.compile(r"^# leakage-corpus: expect=(?P<expect>[A-Z0-9,]+|none)(?P<notebook> notebook)?\s*$")


def load_case(path: Path) -> tuple[str, object, set[str]]:
    """(file name to write, script text or list of notebook cells, expected rule ids)."""
    text = path.read_text(encoding="utf-8")
    first, _, body = text.partition("\n")
    match = HEADER.match(first)
    assert match, f"{path.name}: first line must be '# leakage-corpus: expect=...'"
    expect = set() if match["expect"] == "none" else set(match["expect"].split(","))
    assert expect <= set(RULES), path.name
    if match["notebook"]:
        cells = [c.strip("\n") for c in re.split(r"^# %%.*$", body, flags=re.MULTILINE) if c.strip()]
        return path.stem + ".ipynb", cells, expect
    return path.name, body, expect


def corpus_cases() -> list[tuple[str, object, set[str]]]:
    return [load_case(p) for p in sorted(CORPUS.glob("*.py"))]


@pytest.fixture(scope="module")
def corpus_findings(tmp_path_factory):
    from mldebt.testing import write_example

    cases = corpus_cases()
    root = write_example(tmp_path_factory.mktemp("leakage"), {name: code for name, code, _ in cases})
    findings = api.check([str(root)], select=list(RULES), jobs=1, use_cache=False).findings
    flagged: dict[str, set[str]] = {name: set() for name, _, _ in cases}
    for f in findings:
        flagged.setdefault(Path(f.path).name, set()).add(f.rule)
    return cases, flagged, findings


def scores(cases, flagged) -> dict[str, tuple[int, int, int]]:
    """Per rule: (true positives, false positives, false negatives), counted per file."""
    out = {}
    for rule in RULES:
        tp = sum(1 for name, _, expect in cases if rule in expect and rule in flagged[name])
        fp = sum(1 for name, _, expect in cases if rule not in expect and rule in flagged[name])
        fn = sum(1 for name, _, expect in cases if rule in expect and rule not in flagged[name])
        out[rule] = (tp, fp, fn)
    return out


def test_corpus_is_balanced():
    cases = corpus_cases()
    leaky = [c for c in cases if c[2]]
    clean = [c for c in cases if not c[2]]
    assert len(leaky) >= 12 and len(clean) >= 12
    for rule in RULES:
        assert sum(1 for c in cases if rule in c[2]) >= 4, f"too few {rule} cases"
    assert any(isinstance(code, list) for _, code, _ in cases) and any("# In[" in code for _, code, _ in cases
                                                                       if isinstance(code, str))


def test_precision_and_recall_on_corpus(corpus_findings, capsys):
    cases, flagged, _ = corpus_findings
    table = scores(cases, flagged)
    with capsys.disabled():
        leaky = sum(1 for c in cases if c[2])
        print(f"\nleakage corpus: {len(cases)} files ({leaky} leaky, {len(cases) - leaky} clean)")
        for rule, (tp, fp, fn) in table.items():
            precision = tp / (tp + fp) if tp + fp else 1.0
            recall = tp / (tp + fn) if tp + fn else 1.0
            print(f"  {rule}: precision {precision:.2f} recall {recall:.2f} (tp={tp} fp={fp} fn={fn})")
        for name, _, expect in cases:
            if flagged[name] != expect:
                print(f"  mismatch {name}: expected {sorted(expect) or 'none'}, got {sorted(flagged[name]) or 'none'}")
    for rule, (tp, fp, fn) in table.items():
        assert tp + fp == 0 or tp / (tp + fp) >= 0.9, f"{rule} precision below 0.9"
        assert tp / (tp + fn) >= 0.75, f"{rule} recall below 0.75"


def test_clean_files_are_silent(corpus_findings):
    cases, flagged, _ = corpus_findings
    noisy = {name: sorted(flagged[name]) for name, _, expect in cases if not expect and flagged[name]}
    assert not noisy


def test_preprocessing_finding_points_at_fit_and_split(corpus_findings):
    _, _, findings = corpus_findings
    [finding] = [f for f in findings if f.rule == "MLD602" and f.path.endswith("l01_house_prices.ipynb")
                 and "StandardScaler" in f.message]
    assert finding.pos.cell == 4 and "cell 4" in finding.message
    assert any(r["cell"] == 4 and "split" in r["message"] for r in finding.related)


def test_exported_script_messages_name_the_in_markers(corpus_findings):
    _, _, findings = corpus_findings
    [finding] = [f for f in findings if f.rule == "MLD602" and f.path.endswith("l02_spam_exported.py")]
    assert "(In[3])" in finding.message and "(In[4])" in finding.message


def test_fit_inside_helper_function_names_the_call(corpus_findings):
    _, _, findings = corpus_findings
    [finding] = [f for f in findings if f.rule == "MLD602" and f.path.endswith("l05_functions_imputer_selection.py")]
    assert "SimpleImputer" in finding.message
    assert any("inside this call" in r["message"] for r in finding.related)


def test_multi_test_loop_and_leaderboard(corpus_findings):
    _, _, findings = corpus_findings
    loop = [f for f in findings if f.rule == "MLD604" and f.path.endswith("l12_pca_then_svm_grid_on_test_set.ipynb")]
    assert len(loop) == 1 and "loop" in loop[0].message
    board = [f for f in findings if f.rule == "MLD604" and f.path.endswith("l01_house_prices.ipynb")]
    assert len(board) == 1 and board[0].message.startswith("4 models")


@pytest.mark.parametrize("code", [
    # the scaler is refitted on the training part before it is used
    "import pandas as pd\nfrom sklearn.preprocessing import StandardScaler\n"
    "from sklearn.model_selection import train_test_split\n"
    "df = pd.read_csv('d.csv')\nsc = StandardScaler().fit(df)\nprint(sc.mean_)\n"
    "tr, te = train_test_split(df)\nsc.fit(tr)\ntr_s, te_s = sc.transform(tr), sc.transform(te)\n",
    # statistics of the training part applied to the test part
    "import pandas as pd\ntrain = pd.read_csv('train.csv')\ntest = pd.read_csv('test.csv')\n"
    "mu, sd = train.mean(), train.std()\ntrain = (train - mu) / sd\ntest = (test - mu) / sd\n",
    # filtering rows of the training file is not a split
    "import pandas as pd\ntrain = pd.read_csv('train.csv')\ntrain['x'] = train['x'].fillna(train['x'].median())\n"
    "train = train[train['x'] < 100]\n",
])
def test_preprocessing_quiet_cases(code, project, run_check):
    assert not run_check(project(code), select=["MLD602"])


def test_transform_fitted_before_split_applied_after(project, run_check):
    code = ("import pandas as pd\nfrom sklearn.preprocessing import MinMaxScaler\n"
            "from sklearn.model_selection import train_test_split\n"
            "df = pd.read_csv('d.csv')\nscaler = MinMaxScaler().fit(df)\n"
            "train, test = train_test_split(df, random_state=0)\n"
            "train_s = scaler.transform(train)\ntest_s = scaler.transform(test)\n")
    [finding] = run_check(project(code), select=["MLD602"])
    assert finding.pos.line == 5 and "applied" in finding.message
    assert {r["line"] for r in finding.related} >= {6, 7}
