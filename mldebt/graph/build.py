"""Building the DataGraph from every file's facts: resolve path expressions (across modules and config
files), add unit, artifact and pipeline nodes, and the reads/writes/executes/imports/declares edges."""

from __future__ import annotations

import json
import os
import posixpath
from pathlib import Path
from typing import Any

from mldebt import probes
from mldebt.knowledge import ORCHESTRATOR_PACKAGES
from mldebt.facts.model import FileFacts, IOEvent
from mldebt.facts.pathexpr import evaluate, normalise
from mldebt.graph.declared import find_declarations
from mldebt.graph.model import DataGraph
from mldebt.yamlload import load_yaml

SUBPROJECT_MARKERS = ("Dockerfile", "Pipfile", "requirements.txt", "setup.py", "pyproject.toml", "environment.yml")
CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".toml")


class ConfigDocs:
    """Config files of the project, parsed on first use (YAML/JSON/TOML)."""

    def __init__(self, root: Path):
        self.root = root
        self.cache: dict[str, Any] = {}

    def load(self, rel: str) -> Any:
        if rel in self.cache:
            return self.cache[rel]
        value = None
        path = self.root / rel
        if rel.endswith(CONFIG_SUFFIXES) and not rel.startswith("..") and probes.is_file(str(path)):
            try:
                text = probes.read_text(str(path))
                if rel.endswith(".json"):
                    value = json.loads(text)
                elif rel.endswith(".toml"):
                    try:
                        import tomllib  # type: ignore[import-not-found]
                    except ModuleNotFoundError:
                        import tomli as tomllib  # type: ignore[no-redef]
                    value = tomllib.loads(text)
                else:
                    value = load_yaml(text)
            except Exception:  # a broken config file resolves nothing; MLD304 etc. stay quiet
                value = None
        self.cache[rel] = value
        return value


def module_index(paths: list[str]) -> dict[str, str]:
    """Dotted module name -> file, for every suffix of each path (`src/pkg/mod.py` is also `pkg.mod`, `mod`)."""
    index: dict[str, str] = {}
    for path in sorted(paths, key=lambda p: (p.count("/"), p)):
        if not path.endswith(".py"):
            continue
        parts = path[:-3].split("/")
        if parts[-1] == "__init__":
            parts = parts[:-1]
        for i in range(len(parts)):
            index.setdefault(".".join(parts[i:]), path)
    return index


def base_dir(facts: FileFacts) -> str:
    """Where relative paths of this unit resolve: a notebook's own folder, else the project root."""
    if facts.kind == "notebook":
        folder = posixpath.dirname(facts.path)
        return folder or "."
    return "."


class Resolver:
    def __init__(self, root: Path, facts: dict[str, FileFacts]):
        self.facts = facts
        self.modules = module_index(list(facts))
        self.docs = ConfigDocs(root)
        self.workdirs: dict[str, str] = {}
        self._subprojects: dict[str, str] = {}
        self.declared_units: set[str] = set()
        self.argv: dict[str, list[str]] = {}
        # memos for one build (files on disk and declarations do not change during it)
        self._exists: dict[str, bool] = {}
        self._bases: dict[str, str] = {}
        self._lookups: dict[tuple[str, str, int], object] = {}

    def set_declarations(self, declarations) -> None:
        """Learn each script's command line from the declared pipelines (only where exactly one runs it)."""
        seen: dict[str, list[list[str]]] = {}
        for decl in declarations:
            for unit, argv in decl.argv.items():
                seen.setdefault(unit, []).append(argv)
        self.argv = {unit: argvs[0] for unit, argvs in seen.items() if len(argvs) == 1}
        self._lookups.clear()

    def set_workdirs(self, declarations) -> None:
        """Scripts a declared pipeline runs from another folder (dvc `wdir`, Makefile `cd`) resolve their
        relative paths there; only where every declaration agrees on that folder."""
        seen: dict[str, set[str]] = {}
        for decl in declarations:
            for unit, folder in decl.workdirs.items():
                seen.setdefault(unit, set()).add(folder)
        self.workdirs = {unit: folders.pop() for unit, folders in seen.items() if len(folders) == 1}
        self.declared_units = {unit for decl in declarations if decl.source in ("dvc", "make") for unit in decl.units}
        self._bases.clear()
        self._lookups.clear()

    def exists(self, rel: str) -> bool:
        """Whether `rel` (relative to the root) exists, asked of the file system once per build."""
        found = self._exists.get(rel)
        if found is None:
            found = self._exists[rel] = probes.exists(os.path.join(self.docs.root, rel))
        return found

    def base(self, facts: FileFacts | None) -> str:
        """Where the unit's relative paths resolve (see `base_dir`), honouring declared working folders."""
        if facts is None:
            return "."
        found = self._bases.get(facts.path)
        if found is None:
            found = self._bases[facts.path] = self._base(facts)
        return found

    def _base(self, facts: FileFacts) -> str:
        if facts.kind != "notebook" and self.workdirs.get(facts.path):
            return self.workdirs[facts.path]
        if facts.kind != "notebook" and facts.path not in self.declared_units:  # a declared step runs at the root
            sub = self.subproject(posixpath.dirname(facts.path))
            if sub:
                return sub
        return base_dir(facts)

    def subproject(self, folder: str) -> str:
        """The nearest folder below the root that is a project of its own (its own Dockerfile, Pipfile,
        requirements or pyproject): in a monorepo, its scripts run from there."""
        if folder in self._subprojects:
            return self._subprojects[folder]
        found = ""
        if folder and folder != ".":
            if any(probes.is_file(os.path.join(self.docs.root, folder, marker)) for marker in SUBPROJECT_MARKERS):
                found = folder
            else:
                found = self.subproject(posixpath.dirname(folder))
        self._subprojects[folder] = found
        return found

    def beside_the_script(self, value: str, node: str, facts: FileFacts) -> str:
        """A relative path that does not exist from the root but does next to the script is meant there; so
        is one that would leave the project from the root (`../../input/x.csv` in `code/step/run.py`) but
        stays inside it from the script's folder."""
        folder = posixpath.dirname(facts.path)
        if facts.kind == "notebook" or not folder or value.startswith(("/", "~")):
            return node
        if "*" not in node and self.exists(node):
            return node
        alternative, kind = normalise(value, folder)
        if kind in ("file", "pattern") and node.startswith("../") and not alternative.startswith("../"):
            return alternative  # `../feats/f_*.feather` from src/: inside the project only from the script
        if "*" in node:
            return node
        return alternative if kind == "file" and self.exists(alternative) else node

    def module_file(self, module: str, importer: str) -> str | None:
        if module.startswith("."):
            level = len(module) - len(module.lstrip("."))
            package = posixpath.dirname(importer)
            for _ in range(level - 1):
                package = posixpath.dirname(package)
            rest = module.lstrip(".")
            candidate = posixpath.join(package, *rest.split(".")) if rest else package
            for option in (candidate + ".py", candidate + "/__init__.py"):
                if option in self.facts:
                    return option
            return None
        # where Python looks first: the importer's own folder (a script's folder is on sys.path, an Airflow
        # dags folder too), then the project root; only then any file whose path ends with the module name
        parts = module.split(".")
        for folder in (posixpath.dirname(importer), ""):
            candidate = posixpath.join(folder, *parts) if folder else posixpath.join(*parts)
            for option in (candidate + ".py", candidate + "/__init__.py"):
                if option in self.facts:
                    return option
        return self.modules.get(module)

    def lookup(self, path: str, name: str, depth: int) -> object:
        """Resolve an imported name (`config.DATA_DIR`) to its value in the defining module; `sys.argv`
        to the command line of the one declared pipeline step that runs `path`."""
        if name == "sys.argv":
            return self.argv.get(path)
        if "." not in name or depth > 20:
            return None
        key = (path, name, depth)
        if key not in self._lookups:  # helper modules' constants are looked up by many units alike
            self._lookups[key] = self._lookup(path, name, depth)
        return self._lookups[key]

    def _lookup(self, path: str, name: str, depth: int) -> object:
        module, attr = name.rsplit(".", 1)
        target = self.module_file(module, path)
        if target is None or target == path:
            if module.startswith("."):
                return None
            # `import pkg` then `pkg.sub.NAME`: try the longest module prefix
            return None
        expr = self.facts[target].exports.get(attr)
        if expr is None:
            return None
        return self.evaluate(expr, target, depth + 1)

    def evaluate(self, expr, path: str, depth: int = 0) -> object:
        facts = self.facts.get(path)
        base = self.base(facts)

        def load_doc(target: str) -> object:
            rel, kind = normalise(target, base)
            return self.docs.load(rel) if kind == "file" else None

        return evaluate(expr, lambda name, d: self.lookup(path, name, depth + d + 1), path, load_doc, depth)

    def artifact(self, event: IOEvent, facts: FileFacts) -> tuple[str, str, dict]:
        """(node id, node kind, extra attributes) for an event; kind "unresolved" when nothing is known."""
        if event.kind == "env":
            return f"env:{event.name}", "env", {}
        if event.kind == "table":
            return f"table:{event.name}", "table", {}
        if event.kind == "registry":  # a model registry name (mlflow registered_model_name)
            value = self.evaluate(event.expr, facts.path) if event.expr is not None else "*"
            if not isinstance(value, str) or "*" in value:
                return "", "unresolved", {}
            return f"model:{value}", "model", {}
        value = self.evaluate(event.expr, facts.path) if event.expr is not None else "*"
        if not isinstance(value, str) or value.strip("*/. ") == "":
            return "", "unresolved", {}
        if value.startswith("models:/"):
            name = value[len("models:/"):].split("/")[0]
            return f"model:{name}", "model", {}
        if value.startswith("runs:/"):
            return value, "model", {}
        node, kind = normalise(value, self.base(facts))
        if kind in ("file", "pattern"):
            node = self.beside_the_script(value, node, facts)
        attrs: dict = {}
        if kind == "absolute":
            attrs["absolute"] = True
            kind = "file"
        if event.kind == "hf" and kind == "file" and not value.startswith((".", "/")) and node not in self.facts \
                and not self.exists(node):
            return f"hf:{value}", "model", {}
        if event.kind == "url" and kind == "file":
            return value, "url", {}
        if kind == "file" and event.kind == "model":
            kind = "model"
            attrs["path"] = node
        elif kind == "file":
            attrs["path"] = node
        return node, kind, attrs


def _edge_attrs(event: IOEvent, kind: str, index: int | None, helper_file: str | None = None) -> dict:
    """Edge data; `index` is the event's place in its unit's facts (None for a helper of another module
    instantiated at a call, whose I/O call is in `helper_file`)."""
    attrs = {"kind": kind, "line": event.pos.line, "column": event.pos.column, "api": event.api, "event": index}
    if helper_file is not None:
        attrs["inner_path"] = helper_file
    if event.pos.cell is not None:
        attrs["cell"] = event.pos.cell
    if event.from_predictions:
        attrs["from_predictions"] = True
    if event.feeds_fit:
        attrs["feeds_fit"] = True
    if event.feeds_predict:
        attrs["feeds_predict"] = True
    if event.guarded:
        attrs["guarded"] = True
    if event.downloaded_from:
        attrs["downloaded_from"] = event.downloaded_from
    if event.origin is not None:  # the call inside a helper function, for messages and related locations
        attrs["inner_line"] = event.origin.line
        if event.origin.cell is not None:
            attrs["inner_cell"] = event.origin.cell
        attrs["via"] = " -> ".join(event.via)
    return attrs


def build_graph(root: Path, facts: dict[str, FileFacts], config) -> DataGraph:
    import networkx as nx

    g = nx.MultiDiGraph()
    resolver = Resolver(root, facts)
    declarations, tracked = find_declarations(root, getattr(config, "artifacts", {}) or {})
    resolver.set_declarations(declarations)
    resolver.set_workdirs(declarations)
    unresolved: list[dict] = []
    imported = _imported_names(facts)
    for path in sorted(facts):
        f = facts[path]
        kind = f.kind
        if kind == "script" and (path.endswith("__init__.py") or _is_library(path, imported)):
            kind = "module"
        g.add_node(path, kind=kind, path=path)
        orchestrator = next((imp.module.split(".")[0] for imp in f.imports
                             if imp.module.split(".")[0] in ORCHESTRATOR_PACKAGES), None)
        if orchestrator:  # an Airflow DAG, a Prefect flow...: it runs the project code it imports
            g.nodes[path]["orchestrator"] = orchestrator
    foreign, replaced = _foreign_instances(facts, resolver)
    for path in sorted(facts):
        f = facts[path]
        events = [(index, event, None) for index, event in enumerate(f.io)] + foreign.get(path, [])
        for index, event, helper_file in events:
            if event.template or (path, index) in replaced:
                continue  # a helper's I/O, recorded at each call site instead
            node, kind, attrs = resolver.artifact(event, f)
            if kind == "unresolved":
                unresolved.append({"unit": path, "cell": event.pos.cell, "line": event.pos.line, "api": event.api,
                                   "text": event.text, "direction": event.direction})
                continue
            if event.direction == "execute":
                target = node if node in facts else _project_file_by_suffix(node, facts)
                if target not in g:
                    g.add_node(target, kind="notebook" if target.endswith(".ipynb") else "script", path=target,
                               missing=True)
                g.add_edge(path, target, **_edge_attrs(event, "executes", index, helper_file))
                continue
            if node not in g:
                g.add_node(node, kind=kind, **attrs)
            elif kind == "model" and g.nodes[node].get("kind") == "file":
                g.nodes[node]["kind"] = "model"
            if g.nodes[node].get("kind") in ("notebook", "script", "module"):
                # reading or writing a code file (e.g. papermill output) still records the data edge
                pass
            if event.direction == "read":
                g.add_edge(node, path, **_edge_attrs(event, "reads", index, helper_file))
            else:
                g.add_edge(path, node, **_edge_attrs(event, "writes", index, helper_file))
        for read in f.config_reads:
            if read.source != "config" or read.doc is None:
                continue
        for imp in f.imports:
            targets = []
            if imp.local is not None:
                targets.append(resolver.module_file(imp.module, path))
            else:
                target = resolver.module_file(imp.module, path)
                targets.append(target)
                for name, _ in imp.names:
                    sub = resolver.module_file(f"{imp.module}.{name}" if not imp.module.endswith(".") else
                                               imp.module + name, path)
                    if sub:
                        targets.append(sub)
            for target in targets:
                if target and target != path:
                    g.add_edge(path, target, kind="imports", line=imp.pos.line, column=imp.pos.column,
                               api="import", **({"cell": imp.pos.cell} if imp.pos.cell is not None else {}))
        for imp, hook, target in _notebook_imports(f, facts):
            g.add_edge(path, target, kind="imports", line=imp.pos.line, column=imp.pos.column, api=hook,
                       **({"cell": imp.pos.cell} if imp.pos.cell is not None else {}))
    for node in [n for n in g if n.startswith("hf:") and n[3:] in g]:
        # `from_pretrained("models/tuned")` names a Hub id or a local folder: local when the project writes it
        for _, unit, data in list(g.out_edges(node, data=True)):
            g.add_edge(node[3:], unit, **data)
        g.remove_node(node)
    for decl in declarations:
        g.add_node(decl.id, kind="pipeline", source=decl.source, file=decl.file, line=decl.line,
                   **({"producer": decl.producer} if decl.producer else {}))
        for unit in decl.units:
            if unit in g:
                g.add_edge(decl.id, unit, kind="declares", role="consumer" if decl.source == "contract" else "cmd",
                           line=decl.line)
        for role, items in (("dep", decl.deps), ("out", decl.outs)):
            for artifact in items:
                if artifact not in g:
                    g.add_node(artifact, kind="file", path=artifact, declared_only=True)
                g.add_edge(decl.id, artifact, kind="declares", role=role, line=decl.line)
        if decl.producer and decl.producer in g:
            g.add_edge(decl.id, decl.producer, kind="declares", role="producer", line=decl.line)
    for node in tracked:
        if node in g:
            g.nodes[node]["dvc_tracked"] = True
    return DataGraph(g, unresolved, tracked)


def _notebook_imports(f: FileFacts, facts: dict[str, FileFacts]) -> list[tuple]:
    """(import, hook, notebook) for each import that loads a project notebook through an import hook
    (`import import_ipynb` then `import prep` loads prep.ipynb from the importer's folder or the root)."""
    from mldebt.knowledge import NOTEBOOK_IMPORT_HOOKS, NOTEBOOK_IMPORT_PREFIXES

    hooks = [imp.module.split(".")[0] for imp in f.imports if imp.module.split(".")[0] in NOTEBOOK_IMPORT_HOOKS]
    if not hooks:
        return []
    folder = posixpath.dirname(f.path)
    found = []
    for imp in f.imports:
        modules = [imp.module] if imp.local is not None else [f"{imp.module}.{name}" for name, _ in imp.names]
        if imp.local is None:
            modules.append(imp.module)
        for module in modules:
            for prefix in NOTEBOOK_IMPORT_PREFIXES:
                if module.startswith(prefix):
                    module = module[len(prefix):]
            if module.startswith(".") or not module or module.split(".")[0] in NOTEBOOK_IMPORT_HOOKS:
                continue
            rel = module.replace(".", "/") + ".ipynb"
            target = next((c for c in (posixpath.join(folder, rel), rel) if c in facts and c != f.path), None)
            if target:
                found.append((imp, hooks[0], target))
                break
    return found


def _imported_names(facts: dict[str, FileFacts]) -> set[str]:
    names: set[str] = set()
    for other in facts.values():
        for imp in other.imports:
            if imp.module and not imp.module.startswith("."):
                names.add(imp.module)
                names.update(f"{imp.module}.{n}" for n, _ in imp.names)
            elif imp.module:
                names.update(n for n, _ in imp.names)
                names.add(imp.module.lstrip("."))
    return names


def _foreign_instances(facts: dict[str, FileFacts], resolver: "Resolver") -> tuple[dict, set]:
    """I/O of helper functions called from other modules, at each call: `load_data("data/raw.csv")` in
    `train.py`, with `load_data` defined in `utils/io.py`, reads data/raw.csv in train.py. Returns
    ({caller: [(None, event, helper file)]}, {(helper file, io index)} of helper events so replaced: a
    helper's own fallback (its parameters' defaults, or unknown) is not an I/O of the module itself)."""
    from dataclasses import replace as copy_with

    from mldebt.facts.calls import FunctionInfo, bind, substitute

    out: dict[str, list] = {}
    replaced: set[tuple[str, int]] = set()
    for path in sorted(facts):
        for call in facts[path].foreign_calls:
            if "." not in call.callee:
                continue
            module, name = call.callee.rsplit(".", 1)
            target = resolver.module_file(module, path)
            helper = facts[target].helpers.get(name) if target and target != path and target in facts else None
            if helper is None:
                continue
            params, defaults, templates = helper
            values = bind(FunctionInfo(name, list(params), dict(defaults)), call)
            for index, expr in templates:
                if index >= len(facts[target].io):
                    continue
                original = facts[target].io[index]
                event = copy_with(original, expr=substitute(expr, name, values), pos=call.pos, scope=call.scope,
                                  template=False, var=None, via=(name, *original.via),
                                  origin=original.origin or original.pos, api=f"{original.api} via {name}()",
                                  text=f"{name}(...) -> {original.text}"[:200])
                out.setdefault(path, []).append((None, event, target))
                replaced.add((target, index))
    return out, replaced


def _project_file_by_suffix(node: str, facts: dict[str, FileFacts]) -> str:
    """The project file an absolute script path names, when the project is mounted elsewhere at run time:
    `python /opt/airflow/dags/scripts/train.py` in a DAG runs `dags/scripts/train.py` of the project (the
    longest trailing part of the path that is a scanned file). Otherwise the path itself."""
    if not node.startswith("/"):
        return node
    parts = node.strip("/").split("/")
    for start in range(1, len(parts)):
        candidate = "/".join(parts[start:])
        if candidate in facts:
            return candidate
    return node


def _is_library(path: str, imported: set[str]) -> bool:
    """A .py file imported by another unit of the project is a module, not a script."""
    parts = path[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return any(".".join(parts[i:]) in imported for i in range(len(parts)))
