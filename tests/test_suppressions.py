"""Suppression comments in scripts and notebooks (line, cell, file, cell tag), and MLD002 reporting the
ones that hide nothing. MLD203 (`if False:` is a dead codepath) provides the findings to suppress."""

from __future__ import annotations

import pytest

from mldebt.rules import all_rules

pytestmark = pytest.mark.skipif("MLD203" not in all_rules(), reason="needs MLD203 dead-experimental-codepath")

DEAD = "if False:\n    print('debug')\n"


@pytest.fixture
def found(project, run_check):
    """`found(files, select)` -> [(path, cell, line, rule)] of the findings users see."""

    def run(files, select=("MLD203", "MLD002")):
        root = project(files)
        return [(f.path, f.pos.cell, f.pos.line, f.rule) for f in run_check(root, select=list(select))]

    return run


# --- scripts -------------------------------------------------------------------------------------------

def test_unsuppressed_baseline(found):
    assert found({"a.py": "import os\n" + DEAD}) == [("a.py", None, 2, "MLD203")]


@pytest.mark.parametrize("comment", ["# noqa: MLD203", "# noqa:MLD203", "# NOQA: MLD203", "# noqa: MLD2",
                                     "# noqa: E501, MLD203", "# mldebt: ignore[MLD203]",
                                     "# mldebt: ignore[MLD101, MLD203]", "# mldebt: ignore"])
def test_line_suppression(found, comment):
    assert found({"a.py": f"import os\nif False:  {comment}\n    print('debug')\n"}) == []


def test_bare_noqa_suppresses_and_is_never_reported_unused(found):
    assert found({"a.py": "import os\nif False:  # noqa\n    pass\nx = 1  # noqa\n"}) == []


def test_other_linters_codes_do_not_suppress_and_are_not_mldebts_business(found):
    assert found({"a.py": "import os\nif False:  # noqa: E501\n    pass\nx = 1  # noqa: F401\n"}) == [
        ("a.py", None, 2, "MLD203")]


def test_line_suppression_must_be_on_the_findings_line(found):
    files = {"a.py": "import os\n# noqa: MLD203\nif False:\n    print('debug')  # mldebt: ignore[MLD203]\n"}
    assert found(files) == [("a.py", None, 2, "MLD002"), ("a.py", None, 3, "MLD203"), ("a.py", None, 4, "MLD002")]


def test_suppressing_another_rule_does_not_hide_this_one(found):
    assert found({"a.py": "if False:  # noqa: MLD207\n    pass\n"}, select=["MLD203", "MLD207", "MLD002"]) == [
        ("a.py", None, 1, "MLD203"), ("a.py", None, 1, "MLD002")]


def test_file_suppression_in_the_first_lines_of_a_script(found):
    head = '"""Experiments."""\n# mldebt: ignore-file[MLD203]\nimport os\n'
    assert found({"a.py": head + DEAD + "\n" + DEAD}) == []
    late = "\n" * 12 + "# mldebt: ignore-file[MLD203]\n"  # too far down to be a file directive
    assert found({"a.py": DEAD + late}) == [("a.py", None, 1, "MLD203")]


def test_unused_file_suppression_is_reported(found):
    assert found({"a.py": "# mldebt: ignore-file[MLD203]\nimport os\n"}) == [("a.py", None, 1, "MLD002")]


def test_mld001_cannot_be_suppressed(found):
    assert found({"a.py": "# mldebt: ignore-file[MLD001]\ndef f(:  # noqa: MLD001\n"}, select=["MLD001"]) == [
        ("a.py", None, 2, "MLD001")]


def test_suppressions_of_rules_not_run_are_not_reported(found):
    assert found({"a.py": "x = 1  # noqa: MLD203\n"}, select=["MLD002"]) == []


def test_mld002_itself_can_be_silenced(found):
    assert found({"a.py": "x = 1  # noqa: MLD203  # mldebt: ignore[MLD002]\n"}) == []
    assert found({"a.py": "# mldebt: ignore-file[MLD002]\nx = 1  # noqa: MLD203\n"}) == []


# --- notebooks -----------------------------------------------------------------------------------------

def test_line_suppression_in_a_cell(found):
    cells = ["import os", "if False:  # noqa: MLD203\n    print(os.getcwd())", DEAD]
    assert found({"nb.ipynb": cells}) == [("nb.ipynb", 3, 1, "MLD203")]


def test_cell_suppression_by_first_line_comment(found):
    cells = [{"cell_type": "markdown", "source": "# Scratch"}, "import os",
             "# mldebt: ignore-cell[MLD203]\n" + DEAD + DEAD, DEAD]
    assert found({"nb.ipynb": cells}) == [("nb.ipynb", 4, 1, "MLD203")]


def test_cell_suppression_only_on_the_first_line(found):
    cells = ["import os", DEAD + "# mldebt: ignore-cell[MLD203]\n"]
    assert found({"nb.ipynb": cells}) == [("nb.ipynb", 2, 1, "MLD203")]


def test_cell_suppression_by_tag(found):
    cells = ["import os", {"source": DEAD, "tags": ["mldebt-ignore"]}, DEAD,
             {"source": "x = 1", "tags": ["mldebt-ignore"]}]  # an idle tag is never reported
    assert found({"nb.ipynb": cells}) == [("nb.ipynb", 3, 1, "MLD203")]


def test_file_suppression_in_the_first_code_cell(found):
    cells = [{"cell_type": "markdown", "source": "# Notes"}, "# mldebt: ignore-file[MLD203]\nimport os",
             DEAD, DEAD]
    assert found({"nb.ipynb": cells}) == []
    not_first = ["import os", "# mldebt: ignore-file[MLD203]", DEAD]
    assert found({"nb.ipynb": not_first}) == [("nb.ipynb", 3, 1, "MLD203")]


def test_unused_suppressions_in_notebooks_are_reported(found):
    cells = ["# mldebt: ignore-file[MLD203]\nimport os", "# mldebt: ignore-cell[MLD203]\nx = 1",
             "y = 2  # noqa: MLD203"]
    assert found({"nb.ipynb": cells}) == [("nb.ipynb", 1, 1, "MLD002"), ("nb.ipynb", 2, 1, "MLD002"),
                                          ("nb.ipynb", 3, 1, "MLD002")]


def test_suppressions_stay_in_their_file(found):
    files = {"a.py": "# mldebt: ignore-file[MLD203]\n" + DEAD, "b.py": DEAD}
    assert found(files) == [("b.py", None, 1, "MLD203")]


@pytest.mark.skipif("MLD101" not in all_rules(), reason="needs the cross-file rule MLD101")
def test_project_rule_findings_are_suppressed_at_their_line(found):
    files = {
        "pipelines/fit.py": 'import pandas as pd\nframe = pd.DataFrame({"a": [1]})\n'
                            'frame.to_csv("data/features.csv", index=False)\n',
        "jobs/predict.py": 'import pandas as pd\nfeatures = pd.read_csv("data/features.csv")  # noqa: MLD101\n'
                           "print(features)\n",
    }
    assert found(files, select=["MLD101", "MLD002"]) == []
