"""Declared pipelines: dvc.yaml stages, DVC-tracked files, Makefile rules, Kedro catalogs and the
`[tool.mldebt.artifacts]` contracts. Each becomes a `Declaration` the graph turns into `declares` edges."""

from __future__ import annotations

import os
import posixpath
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from mldebt import probes
from mldebt.yamlload import load_yaml


@dataclass
class Declaration:
    id: str  # "dvc.yaml#train", "Makefile#features", "kedro:conf/base/catalog.yml", "contract:<artifact>"
    source: str  # "dvc", "make", "kedro", "contract"
    file: str  # project-relative file holding it
    line: int
    units: list[str] = field(default_factory=list)  # code units it runs (or contract consumers)
    deps: list[str] = field(default_factory=list)  # artifacts it declares as inputs
    outs: list[str] = field(default_factory=list)  # artifacts it declares as outputs
    params: list[str] = field(default_factory=list)
    producer: str | None = None  # contracts only
    errors: list[str] = field(default_factory=list)
    argv: dict[str, list[str]] = field(default_factory=dict)  # unit -> its command line (sys.argv)
    workdirs: dict[str, str] = field(default_factory=dict)  # unit -> folder its command runs in ("" = root)


_ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def _norm(base: str, path: str) -> str:
    joined = posixpath.normpath(posixpath.join(base, path)) if base else posixpath.normpath(path)
    return joined[2:] if joined.startswith("./") else joined


def command_parts(command: str) -> list[list[str]]:
    """The token lists of each simple command in a shell line (split at `&&`, `||`, `;` and newlines)."""
    parts = []
    for part in re.split(r"&&|\|\||;|\n", command):
        try:
            parts.append(shlex.split(part))
        except ValueError:  # unbalanced quotes: fall back to whitespace
            parts.append(part.split())
    return parts


_WRAPPERS = frozenset({"sudo", "nohup", "time", "env", "exec", "nice", "ionice", "stdbuf", "xvfb-run"})
_PY_RUNNER = re.compile(r"^(python[\d.]*w?|ipython\d*|pypy[\d.]*|torchrun|accelerate|deepspeed|spark-submit|"
                        r"horovodrun|mpirun|mpiexec|srun|uv|poetry|pipenv|conda|mamba|micromamba|hatch|pdm|rye|"
                        r"coverage|streamlit|kernprof|scalene|memray|py-spy|jython|pythonw)$")
_NOTEBOOK_RUNNERS = frozenset({"papermill", "runipy", "ipython", "ipython3", "nbclient", "treon", "ploomber",
                               "jupyter-execute", "--execute", "--nbmake"})


def _runs_python(words: list[str]) -> bool:
    """Whether a word before a script runs Python: an interpreter or launcher, or a variable that names one
    (`$(PYTHON)` in a Makefile, `${PY}`)."""
    return any(_PY_RUNNER.match(posixpath.basename(w)) or w.startswith(("$", "%")) for w in words)


def _runs_notebooks(tokens: list[str]) -> bool:
    """Whether a command executes the notebooks it names (papermill, `nbconvert --execute`, `jupyter execute`,
    nbval/nbmake tests), rather than converting, copying or stripping them."""
    for i, token in enumerate(tokens):
        word = posixpath.basename(token)
        if word in _NOTEBOOK_RUNNERS or token.startswith("--nbval") or \
                (token == "execute" and i > 0 and posixpath.basename(tokens[i - 1]) == "jupyter"):
            return True
    return False


def units_in_command(command: str, base: str) -> list[str]:
    """Scripts and notebooks a shell command runs (`python src/train.py`, `papermill a.ipynb`, `-m pkg.mod`).
    A script counts when Python runs it (an interpreter or launcher before it, or the script itself as the
    command); a notebook when the command executes it. `flake8 train.py` or `cp a.ipynb out/` run nothing."""
    found: list[str] = []
    for tokens in command_parts(command):
        start = 0
        while start < len(tokens) and (tokens[start] in _WRAPPERS or _ENV_ASSIGNMENT.match(tokens[start])):
            start += 1
        runs_notebooks = _runs_notebooks(tokens)
        for i, token in enumerate(tokens):
            if i < start:
                continue
            if token == "-m" and i + 1 < len(tokens) and _runs_python(tokens[start:i]):
                module = tokens[i + 1].replace(".", "/")
                found.append(_norm(base, module + ".py"))
                found.append(_norm(base, module + "/__main__.py"))
            elif token.startswith("-"):
                continue
            elif token.endswith(".py") and (i == start or _runs_python(tokens[start:i])):
                found.append(_norm(base, token))
            elif token.endswith(".ipynb") and runs_notebooks:
                found.append(_norm(base, token))
    return found


def argv_in_command(command: str, base: str) -> dict[str, list[str]]:
    """The `sys.argv` each script of a command sees: `python src/train.py data/features model.pkl`
    gives {"src/train.py": ["src/train.py", "data/features", "model.pkl"]}."""
    found: dict[str, list[str]] = {}
    for tokens in command_parts(command):
        for i, token in enumerate(tokens):
            if token.endswith(".py") and not token.startswith("-"):
                found[_norm(base, token)] = [token] + tokens[i + 1:]
                break
    return found


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def read_dvc(root: Path, rel: str) -> list[Declaration]:
    import yaml

    path = root / rel
    try:
        text = probes.read_text(str(path))
        doc = load_yaml(text) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return [Declaration(f"{rel}#", "dvc", rel, 1, errors=[f"cannot read {rel}: {exc}"])]
    stages = doc.get("stages") if isinstance(doc, dict) else None
    if not isinstance(stages, dict):
        return []
    folder = posixpath.dirname(rel)
    out = []
    for name, stage in stages.items():
        if not isinstance(stage, dict):
            continue
        wdir = stage.get("wdir", ".")
        base = _norm(folder, wdir if isinstance(wdir, str) else ".")
        base = "" if base == "." else base
        decl = Declaration(f"{rel}#{name}", "dvc", rel, _line_of(text, f"{name}:"))
        commands = stage.get("cmd", [])
        for command in commands if isinstance(commands, list) else [commands]:
            if isinstance(command, str):
                decl.units.extend(units_in_command(command, base))
                decl.argv.update(argv_in_command(command, base))
                decl.workdirs.update(dict.fromkeys(units_in_command(command, base), base))
        for key, target in (("deps", decl.deps), ("outs", decl.outs), ("metrics", decl.outs), ("plots", decl.outs)):
            entries = stage.get(key, [])
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, str):
                    target.append(_norm(base, entry))
                elif isinstance(entry, dict):
                    target.extend(_norm(base, str(k)) for k in entry)
        params = stage.get("params", [])
        for entry in params if isinstance(params, list) else []:
            if isinstance(entry, str):
                decl.params.append(entry)
            elif isinstance(entry, dict):
                for values in entry.values():
                    decl.params.extend(str(v) for v in values or [] if isinstance(values, list))
        out.append(decl)
    return out


def read_dvc_file(root: Path, rel: str) -> list[str]:
    """Paths tracked by a `x.dvc` file."""
    import yaml

    try:
        doc = load_yaml(probes.read_text(str(root / rel))) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    folder = posixpath.dirname(rel)
    outs = doc.get("outs", []) if isinstance(doc, dict) else []
    return [_norm(folder, o["path"]) for o in outs if isinstance(o, dict) and isinstance(o.get("path"), str)]


def read_makefile(root: Path, rel: str) -> list[Declaration]:
    try:
        text = probes.read_text(str(root / rel), errors="replace")
    except OSError:
        return []
    folder = posixpath.dirname(rel)
    out: list[Declaration] = []
    current: Declaration | None = None
    phony = {name for match in re.finditer(r"^\.PHONY\s*:(.*)$", text, re.M) for name in match.group(1).split()}
    targets_of_rules = {t for match in re.finditer(r"^([^\s:=#.][^:=]*?)\s*:(?!=)", text, re.M)
                        for t in match.group(1).split()}
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("\t") and current is not None:
            command = line.strip().lstrip("@-")
            cd = re.match(r"cd\s+(\S+)\s*&&\s*(.*)", command)
            base = _norm(folder, cd.group(1)) if cd else folder
            base, run = ("" if base == "." else base), (cd.group(2) if cd else command)
            current.units.extend(units_in_command(run, base))
            current.argv.update(argv_in_command(run, base))
            current.workdirs.update(dict.fromkeys(units_in_command(run, base), base))
            continue
        match = re.match(r"^([^\s:=#][^:=]*?)\s*:(?!=)\s*(.*)$", line)
        if match:
            targets = match.group(1).split()
            deps = [d for d in match.group(2).split("#")[0].split() if d != "|"]
            # phony targets (`make clean`) and prerequisites that only name other rules are not files
            current = Declaration(f"{rel}#{targets[0]}", "make", rel, number,
                                  deps=[_norm(folder, d) for d in deps if not d.startswith("$") and d not in phony
                                        and not (d in targets_of_rules and "." not in posixpath.basename(d)
                                                 and "/" not in d)],
                                  outs=[_norm(folder, t) for t in targets if not t.startswith(".") and t not in phony
                                        and ("." in posixpath.basename(t) or "/" in t)])
            out.append(current)
        elif line.strip() and not line.startswith("#"):
            current = None
    return [d for d in out if d.units]


def read_kedro_catalog(root: Path, rel: str) -> list[Declaration]:
    import yaml

    try:
        doc = load_yaml(probes.read_text(str(root / rel))) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return [Declaration(f"kedro:{rel}", "kedro", rel, 1, errors=[f"cannot read {rel}: {exc}"])]
    decl = Declaration(f"kedro:{rel}", "kedro", rel, 1)
    project = posixpath.dirname(posixpath.dirname(posixpath.dirname(rel)))  # conf/base/catalog.yml
    if isinstance(doc, dict):
        for entry in doc.values():
            if isinstance(entry, dict) and isinstance(entry.get("filepath"), str) and "://" not in entry["filepath"]:
                decl.deps.append(_norm(project, entry["filepath"]))
    return [decl]


def find_declarations(root: Path, contracts: dict) -> tuple[list[Declaration], set[str]]:
    """All declarations in the project, and the set of DVC-tracked paths."""
    decls: list[Declaration] = []
    tracked: set[str] = set()
    skip = {".git", ".dvc", "node_modules", ".venv", "venv", "__pycache__", ".ipynb_checkpoints", ".mldebt_cache"}
    for folder, dirs, files in probes.walk(str(root)):
        dirs[:] = sorted(d for d in dirs if d not in skip and not d.startswith("."))
        rel_folder = Path(folder).relative_to(root).as_posix()
        rel_folder = "" if rel_folder == "." else rel_folder
        for name in sorted(files):
            rel = f"{rel_folder}/{name}" if rel_folder else name
            if name in ("dvc.yaml", "dvc.yml"):
                decls.extend(read_dvc(root, rel))
            elif name.endswith(".dvc"):
                tracked.update(read_dvc_file(root, rel))
            elif name in ("Makefile", "makefile", "GNUmakefile"):
                decls.extend(read_makefile(root, rel))
            elif name.startswith("catalog") and name.endswith((".yml", ".yaml")) and "conf" in rel_folder.split("/"):
                decls.extend(read_kedro_catalog(root, rel))
    for artifact, contract in sorted(contracts.items()):
        decls.append(Declaration(f"contract:{artifact}", "contract", "pyproject.toml", 1,
                                 units=list(contract.consumers), deps=[artifact], producer=contract.producer))
    for decl in decls:
        if decl.source == "dvc":
            tracked.update(decl.outs)
    return decls, tracked
