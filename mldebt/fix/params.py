"""MLD301 fix: move a call's literal hyperparameters into the project's params file and read them back.

`RandomForestClassifier(n_estimators=500, max_depth=12, random_state=0)` becomes
`RandomForestClassifier(n_estimators=params["random_forest_classifier"]["n_estimators"], ...)`, with
`random_forest_classifier: {n_estimators: 500, max_depth: 12}` appended to params.yaml (the rule's
`params-file` option) and, once per file, a loader put after the imports before the first fixed call:

    with open("params.yaml") as params_file:
        params = yaml.safe_load(params_file)

A file that already loads the params file into a name keeps its loader. The path is written relative to
the project root for scripts (run from the root, as DVC stages are) and to the notebook's folder for
notebooks (Jupyter's working directory). Unsafe: the code now needs that file at run time.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import PurePosixPath

from mldebt import knowledge as kb
from mldebt.facts.extract import literal_value
from mldebt.fix.model import Edit, NoFix, Planned
from mldebt.fix.params_file import ParamsFile, snake
from mldebt.fix.unit import FileUnit

_NAMES = ("params", "hyperparams", "mldebt_params")


def _bound_names(unit: FileUnit) -> set[str]:
    names: set[str] = set()
    for _, tree in unit.ctx.trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _existing_loader(unit: FileUnit, file_name: str) -> str | None:
    """The name a module-level `NAME = yaml.safe_load(...)` (or a `with open(...)` around one) binds from
    the params file, if the file already loads it."""
    for cell, tree in unit.ctx.trees():
        for stmt in tree.body:
            inner = stmt.body if isinstance(stmt, ast.With) else [stmt]
            text = ast.get_source_segment(cell.code, stmt) or ""
            for node in inner:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                        and "safe_load" in text and file_name in text:
                    return node.targets[0].id
    return None


class ParamsFixer:
    rule = "MLD301"

    def plan(self, finding, unit: FileUnit, project) -> Planned:
        cell, short, literals = self._literals(finding, unit, project)
        self.confirm(None, project)  # an unreadable params file means no fix, decided here
        return Planned(finding, "unsafe", (cell, short, literals))

    def precheck(self, finding, unit: FileUnit, project) -> tuple[str, None]:
        """The file's part of `plan` (see `mldebt.fix.driver.fixability`); `confirm` reads the params file."""
        self._literals(finding, unit, project)
        return "unsafe", None

    def confirm(self, _, project) -> None:
        self._params(project, project.options("MLD301"))

    @staticmethod
    def _literals(finding, unit: FileUnit, project) -> tuple:
        """(cell, the estimator's short name, {keyword: literal number}) of the call at the finding."""
        options = project.options("MLD301")
        cell = unit.cell_at(finding.pos)
        call = unit.ast_node_at(cell, finding.pos, (ast.Call,))
        ignored = kb.NOT_HYPERPARAMETERS | set(options.get("ignore-keywords", []))
        literals = {}
        for keyword in call.keywords:
            value = literal_value(keyword.value) if keyword.arg else NotImplemented
            if isinstance(value, (int, float)) and not isinstance(value, bool) and keyword.arg not in ignored:
                literals[keyword.arg] = value
        if not literals:
            raise NoFix("the call has no literal hyperparameters left")
        func = call.func
        short = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if not short:
            raise NoFix("the estimator has no name to file its parameters under")
        return cell, short, literals

    @staticmethod
    def _params(project, options) -> ParamsFile:
        rel = PurePosixPath(str(options.get("params-file") or "params.yaml")).as_posix()
        files = project.memo.setdefault("params-files", {})
        if rel not in files:
            try:
                files[rel] = ParamsFile.read(project.root, rel)
            except NoFix as exc:
                files[rel] = exc
        if isinstance(files[rel], NoFix):
            raise files[rel]
        return files[rel]

    def edits(self, planned: Planned, unit: FileUnit, project) -> list[Edit]:
        import libcst as cst

        cell, short, literals = planned.data[:3]
        params = self._params(project, project.options("MLD301"))
        name = self._name(unit, params.rel)
        loader = None if unit.memo.get("params-loaded") else self._loader(unit, cell, planned, name, params.rel)
        key = params.reserve(snake(short), literals)
        planned.data = (cell, short, literals, params, key)
        call = unit.cst_node_at(cell, unit.start_of(cell, planned.finding.pos), (cst.Call,))
        edits = []
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in literals:
                start, end = unit.cst_range(cell, arg.value)
                edits.append(Edit(start, end, f'{name}["{key}"]["{arg.keyword.value}"]'))
        if len(edits) != len(literals):
            raise NoFix("libcst sees different keywords than the finding")
        return edits + ([loader] if loader else [])

    def accepted(self, planned: Planned, unit: FileUnit, project) -> None:
        _, _, _, params, key = planned.data
        params.accept(key)
        unit.memo["params-loaded"] = True  # the loader went in with it (cells are fixed in order)

    def finish(self, project) -> list:
        changes = []
        for params in project.memo.get("params-files", {}).values():
            change = params.change() if isinstance(params, ParamsFile) else None
            if change is not None:
                changes.append(change)
        return changes

    @staticmethod
    def _name(unit: FileUnit, rel: str) -> str:
        """The name that holds the loaded params: the file's own loader's, or a free one."""
        if "params-name" not in unit.memo:
            existing = _existing_loader(unit, PurePosixPath(rel).name)
            bound = _bound_names(unit)
            unit.memo["params-name"] = existing or next((n for n in _NAMES if n not in bound), None)
            unit.memo["params-loaded"] = bool(existing)
        if unit.memo["params-name"] is None:
            raise NoFix("no free name to hold the loaded params")
        return unit.memo["params-name"]

    @staticmethod
    def _loader(unit: FileUnit, cell, planned: Planned, name: str, rel: str) -> Edit:
        """The edit that loads the params file in this cell, before the cell's first fixed call (the same
        edit for every fix of the cell, so it goes in once whichever of them are applied)."""
        memo = unit.memo.setdefault("params-loader", {})
        if id(cell) in memo:
            return memo[id(cell)]
        if unit.kind == "notebook":
            folder = PurePosixPath(unit.rel).parent.as_posix()
            path = os.path.relpath(rel, folder).replace(os.sep, "/") if folder != "." else rel
        else:
            path = rel
        tree = unit.tree(cell)
        line = planned.finding.pos.line
        statement = next(s for s in tree.body if s.lineno <= line <= (s.end_lineno or s.lineno))
        imports = [s for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))
                   and s.end_lineno is not None and s.end_lineno < statement.lineno]
        handle = f"{name}_file"
        text = ("" if _yaml_imported(unit, cell, statement.lineno) else "import yaml\n") + "\n" + \
            f"with open({json.dumps(path)}) as {handle}:\n    {name} = yaml.safe_load({handle})\n"
        if imports:  # right after the imports that precede the call (its statement follows them)
            at = (imports[-1].end_lineno + 1, 0)
            edit = Edit(at, at, text + ("\n" if unit.line(cell, at[0]).strip() else ""))
        else:
            at = (statement.lineno, 0)
            edit = Edit(at, at, text.lstrip("\n") + "\n")
        memo[id(cell)] = edit
        return edit


def _yaml_imported(unit: FileUnit, cell, before_line: int) -> bool:
    """`import yaml` runs before that line: in an earlier cell, or earlier in this one."""
    for other, tree in unit.ctx.trees():
        if other.code_position > cell.code_position:
            break
        for stmt in tree.body:
            if other is cell and stmt.lineno >= before_line:
                break
            if isinstance(stmt, ast.Import) and any(a.name == "yaml" and a.asname is None for a in stmt.names):
                return True
    return False
