"""MLD205 prototype-smell."""

from __future__ import annotations


import json
import os
import posixpath
import re
import shlex
from typing import Iterable

from mldebt import knowledge as kb
from mldebt import probes
from mldebt.facts.model import FileFacts, Finding, Pos
from mldebt.rules.base import Example, ProjectContext, ProjectRule
from mldebt.sources.discovery import ALWAYS_EXCLUDED_DIRS, is_test_path, kind_of
from mldebt.sources.exports import looks_exported

_TEST_TARGET = re.compile(r"(^|[-_])(test|tests|check|checks|doc|docs|html|lint|ci|nbval)($|[-_])", re.I)
_MAKE_TARGET = re.compile(r"^([^\s:#=][^:=]*?)\s*:(?!=)")
_DOCKER_INSTRUCTION = re.compile(r"^\s*(RUN|CMD|ENTRYPOINT)\s+", re.I)
_COMMAND_SPLIT = re.compile(r"&&|\|\||;|\|")
_API_WORDS = {"papermill.execute_notebook": "papermill.execute_notebook runs", "%run": "`%run` executes",
              "nbclient.execute": "nbclient executes", "runpy.run_path": "runpy runs"}


def _may_name_notebook(command: str) -> bool:
    """Whether `.ipynb` occurs in `command` as a subsequence (its characters in order, anything between):
    shlex only drops quotes, escapes and comments, so without it no token ends in `.ipynb`."""
    at = 0
    for char in ".ipynb":
        at = command.find(char, at) + 1
        if not at:
            return False
    return True


def notebook_in_command(command: str) -> str | None:
    """The notebook a shell command executes (`papermill a.ipynb b.ipynb`, `jupyter nbconvert --execute`)."""
    if not _may_name_notebook(command):
        return None  # no token can end in .ipynb: skip shlex (pure Python) on every line of a dvc.yaml
    for part in _COMMAND_SPLIT.split(command):
        try:
            tokens = shlex.split(part, comments=True)
        except ValueError:
            tokens = part.split()
        if any(tool in token for token in tokens for tool in kb.NOTEBOOK_TEST_TOOLS + ("pytest",)):
            continue
        notebooks = [t for t in tokens if t.endswith(".ipynb")]
        if not notebooks:
            continue
        words = {t.rsplit("/", 1)[-1] for t in tokens}
        if "papermill" in words or "runipy" in words or "ipython" in words or \
                ("jupyter" in words and ("execute" in words or ("nbconvert" in words and "--execute" in words))) or \
                ("nbconvert" in words and "--execute" in words) or ("jupytext" in words and "--execute" in words):
            return notebooks[0]
    return None


class PrototypeSmell(ProjectRule):
    """Notebooks used as production code: executed or imported by other code or by pipeline files.

    ## What it flags
    - Python code that runs a notebook: `papermill.execute_notebook`, `nbclient.execute`, `%run x.ipynb`,
      `!papermill`, `!jupyter nbconvert --execute`, `subprocess`/`os.system` running those;
    - code that imports notebooks as modules (`import_ipynb`, `nbimporter`, `ipynb.fs.full.x`,
      `importnb`), listing the notebooks it imports;
    - `runpy.run_path`, `%run` or `!python` on a notebook export (a `.py` with `# In[ ]:` markers or
      `get_ipython()` calls, or paired with a notebook by jupytext);
    - commands in Makefiles, `dvc.yaml`, Dockerfiles, Procfiles and shell scripts that execute notebooks.

    ## Why it is debt
    Sculley et al. §5, "Prototype Smell": a small-scale prototype that becomes the production system
    keeps the prototype's habits. A notebook run as a pipeline step has hidden state, no interface,
    unreadable diffs and no unit tests; its failures surface as a half-written output notebook.

    ## Example
    `dvc.yaml` with `cmd: papermill notebooks/train.ipynb out/train.ipynb`.

    ## Fix
    Move the notebook's logic into a module (`src/train.py`) with functions and tests, run that from
    the pipeline, and keep the notebook for exploration and reporting (importing the module).

    ## Limits
    Tests of notebooks are not prototype smell: files under `tests/`, `test_*.py`, and commands using
    nbval, nbmake, testbook, treon or pytest are exempt, as are Makefile rules and pipeline stages named
    for tests or docs (`test`, `check`, `docs`, `html`). Notebook paths built at run time are reported
    without a name; notebooks executed by CI workflow files or by orchestrators in other repositories
    are not seen.
    """

    id = "MLD205"
    name = "prototype-smell"
    family = "system-anti-patterns"
    severity = "warning"
    VALID = [
        Example({"notebooks/explore.ipynb": ["import pandas as pd\ndf = pd.read_csv('../data/train.csv')"],
                 "tests/test_notebooks.py": "from testbook import testbook\nimport papermill as pm\n\n\n"
                 "@testbook('notebooks/explore.ipynb', execute=True)\ndef test_explore(tb):\n"
                 "    assert tb.ref('df') is not None\n\n\ndef test_runs(tmp_path):\n"
                 "    pm.execute_notebook('notebooks/explore.ipynb', str(tmp_path / 'out.ipynb'))\n",
                 "Makefile": "test:\n\tpytest --nbval notebooks/\n\ndocs:\n\tjupyter nbconvert --to html --execute "
                 "notebooks/explore.ipynb\n\nlint:\n\tnbqa ruff notebooks/\n",
                 "scripts/check.sh": "#!/bin/sh\npytest --nbmake notebooks/explore.ipynb\n"},
                note="notebooks run by tests of notebooks"),
        Example({"src/train.py": "import runpy\n\nrunpy.run_path('src/helpers.py')\n",
                 "src/helpers.py": "def f():\n    return 1\n",
                 "notebooks/report.ipynb": ["%run ../src/helpers.py", "!jupyter nbconvert --to html report.ipynb"],
                 "dvc.yaml": "stages:\n  train:\n    cmd: python src/train.py\n"},
                note="scripts run as scripts, notebooks converted without execution"),
    ]
    VALID.append(Example({
        "tools/convert.py": "import sys\n\ndef convert(lines):\n"
                            "    return [l for l in lines if not l.startswith('# In[') and 'get_ipython()' not in l]\n",
        "nb.ipynb": ["!python tools/convert.py nb.py"],
    }, note="a converter that mentions export markers in strings is not itself a notebook export"))
    INVALID = [
        Example({"notebooks/train.ipynb": ["import pandas as pd\ndf = pd.read_csv('../data/train.csv')"],
                 "pipeline/run.py": "import papermill as pm\n\n"
                 "pm.execute_notebook('notebooks/train.ipynb', 'out/train.ipynb', parameters={'alpha': 0.1})\n",
                 "dvc.yaml": "stages:\n  train:\n    cmd: papermill notebooks/train.ipynb out/train.ipynb\n"
                 "    deps:\n      - notebooks/train.ipynb\n",
                 "Dockerfile": "FROM python:3.11\nCOPY . /app\n"
                 "CMD [\"jupyter\", \"nbconvert\", \"--to\", \"notebook\", \"--execute\", \"/app/notebooks/train.ipynb\"]\n"},
                expect=3),
        Example({"prep.ipynb": ["def clean(df):\n    return df.dropna()"],
                 "serve.py": "import import_ipynb\nimport prep\n\n\ndef handle(df):\n    return prep.clean(df)\n"},
                expect=1),
        Example(["%run prep.ipynb", "model = train(features)"], expect=1),
    ]

    def check(self, project: ProjectContext) -> Iterable[Finding]:
        exports: dict[str, bool] = {}
        for path in sorted(project.facts):
            if is_test_path(path) or not project.reports(path):
                continue
            facts = project.facts[path]
            yield from self._executions(project, path, facts, exports)
            yield from self._imports(project, path, facts)
        if project.report_paths is None or any(not kind_of(p) for p in project.report_paths):
            # findings in pipeline files (Makefiles, dvc.yaml...): shown only when such a file is named
            yield from (f for f in self._declared(project) if project.reports(f.path))

    # ------------------------------------------------------------------ Python code and magics
    def _is_export(self, project: ProjectContext, target: str, cache: dict[str, bool]) -> bool:
        if target not in cache:
            try:
                cache[target] = looks_exported(probes.read_text(os.path.join(project.root, target), errors="replace",
                                                                limit=200_000))
            except OSError:
                cache[target] = False
        return cache[target]

    def _executions(self, project: ProjectContext, path: str, facts: FileFacts, exports) -> Iterable[Finding]:
        targets: dict[int, str] = {}
        if project.graph is not None:
            targets = {d.get("event"): t for t, d in project.graph.executes_of(path)}
        sites: dict[tuple, tuple[Pos, str, list[str]]] = {}  # one finding per call site, all its notebooks
        for index, event in enumerate(facts.io):
            if event.direction != "execute":
                continue
            target = targets.get(index)
            notebook = event.kind == "notebook" or (target or "").endswith(".ipynb")
            export = bool(target) and target.endswith(".py") and self._is_export(project, target, exports)
            if not (notebook or export):
                continue
            line = facts.source_line(event.pos.cell, event.pos.line)
            if any(tool in line for tool in kb.NOTEBOOK_TEST_TOOLS + ("pytest",)):
                continue
            site = sites.setdefault((event.pos.cell, event.pos.line, event.pos.column), (event.pos, event.api, []))
            if target and target not in site[2]:
                site[2].append(target)
        for pos, api, names in sites.values():
            how = _API_WORDS.get(api, f"`{api}` runs")
            labels = [f"`{n}`" + (" (a notebook export)" if n.endswith(".py") else "") for n in names]
            what = " and ".join(labels) if labels else "a notebook whose path is only known at run time"
            related = [{"path": n, "cell": None, "line": 1, "message": "the notebook run here"}
                       for n in names if n in project.facts]
            yield project.finding(self, path, pos, f"{how} {what}: a notebook used as "
                                  "production code has hidden state, no interface and no tests; move its logic "
                                  "into a module and call that", related=related)

    def _imports(self, project: ProjectContext, path: str, facts: FileFacts) -> Iterable[Finding]:
        hook = next((imp for imp in facts.imports if any(
            imp.module == m or imp.module.startswith(m + ".") for m in kb.NOTEBOOK_IMPORTERS)), None)
        if hook is None:
            return
        folder = posixpath.dirname(path)
        notebooks = []
        for imp in facts.imports:
            module = imp.module
            for prefix in ("ipynb.fs.full.", "ipynb.fs.defs."):
                if module.startswith(prefix):
                    module = module[len(prefix):]
            for base in (folder, ""):
                candidate = posixpath.join(base, module.replace(".", "/") + ".ipynb") if base else \
                    module.replace(".", "/") + ".ipynb"
                if candidate in project.facts and candidate not in notebooks:
                    notebooks.append(candidate)
        named = ", ".join(f"`{n}`" for n in notebooks) if notebooks else "notebooks"
        yield project.finding(self, path, hook.pos, f"imports {named} as a module through `{hook.module}`: code "
                              "that depends on a notebook inherits its hidden state and untested cells; move the "
                              "shared functions into a module that both import",
                              related=[{"path": n, "cell": None, "line": 1, "message": "the notebook imported"}
                                       for n in notebooks])

    # ------------------------------------------------------------------ pipeline files
    def _declared(self, project: ProjectContext) -> Iterable[Finding]:
        for rel in _pipeline_files(project.root):
            try:
                text = probes.read_text(os.path.join(project.root, rel), errors="replace", limit=1_000_000)
            except OSError:
                continue
            name = rel.rsplit("/", 1)[-1]
            is_make = name in ("Makefile", "makefile", "GNUmakefile") or name.endswith(".mk")
            is_docker = "Dockerfile" in name or name.endswith(".dockerfile")
            target = ""
            for number, line in enumerate(text.split("\n"), start=1):
                if is_make and not line.startswith("\t"):
                    match = _MAKE_TARGET.match(line)
                    target = match.group(1) if match else target
                if rel.endswith(("dvc.yaml", "dvc.yml")) and re.match(r"^  \S[^:]*:\s*$", line):
                    target = line.strip().rstrip(":")
                if _TEST_TARGET.search(target) or line.lstrip().startswith("#"):
                    continue
                command = line
                if is_docker:
                    instruction = _DOCKER_INSTRUCTION.match(line)
                    if not instruction:
                        continue
                    command = line[instruction.end():]
                    if command.lstrip().startswith("["):
                        try:
                            command = " ".join(shlex.quote(str(t)) for t in json.loads(command))
                        except (ValueError, TypeError):
                            pass
                notebook = notebook_in_command(command.replace("cmd:", " ").lstrip(" -\t@"))
                if notebook is None:
                    continue
                column = max(line.find(notebook.split("/")[0]), 0)
                start = next((line.find(w) for w in ("papermill", "jupyter", "ipython", "runipy", "jupytext",
                                                     "nbconvert") if w in line), column)
                pos = Pos(None, None, number, start + 1, number, len(line) + 1)
                local = posixpath.normpath(posixpath.join(posixpath.dirname(rel), notebook))
                related = [{"path": local, "cell": None, "line": 1, "message": "the notebook run here"}] \
                    if local in project.facts else []
                yield project.finding(self, rel, pos, f"{name} runs the notebook `{notebook}` as a pipeline step: "
                                      "a notebook used as production code has hidden state, no interface and no "
                                      "tests; move its logic into a module or script and run that",
                                      related=related, snippet=line.strip())


def _pipeline_files(root: str) -> list[str]:
    """Makefiles, dvc.yaml, Dockerfiles, Procfiles and shell scripts under `root` (sorted, bounded)."""
    found: list[str] = []
    for folder, dirs, files in probes.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in ALWAYS_EXCLUDED_DIRS and not d.startswith("."))
        rel_folder = os.path.relpath(folder, root)
        for name in sorted(files):
            if name in ("Makefile", "makefile", "GNUmakefile", "dvc.yaml", "dvc.yml", "Procfile") or \
                    name.endswith((".mk", ".sh", ".dockerfile")) or name.startswith("Dockerfile"):
                rel = name if rel_folder == "." else f"{rel_folder}/{name}".replace(os.sep, "/")
                if not is_test_path(rel):
                    found.append(rel)
        if len(found) > 500:
            break
    return found
