"""One pass over a file's parsed cells that records its I/O, config reads, ML calls and imports.

Statements are visited in execution order (cells top to bottom), keeping a small environment of what
each name holds: a path expression, a loaded config document, an open file handle, values derived from
predictions or from reads. This is deliberately flow-insensitive inside branches: precise enough for
the graph, cheap enough for every commit.
"""

from __future__ import annotations

import ast
import re
from contextlib import contextmanager
from typing import Iterable

from mldebt import knowledge as kb
from mldebt.facts.astindex import subtree, subtree_skipping
from mldebt.facts.model import (ConfigRead, Constructor, FileFacts, FitCall, ImportFact, IOEvent, LoggingSetup,
                                Pos, Setting)
from mldebt.facts.calls import CallSite, FunctionInfo, instantiate, params_in
from mldebt.facts.pathexpr import UNKNOWN, constant_value
from mldebt.facts.sql import looks_like_sql, pinned_in_time, tables_in
from mldebt.sources.model import Cell

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


MAX_CHOICES = 12


def expand_choices(expr) -> list:
    """Expand the first ("oneof", alternatives) inside a path expression into one expression per value."""
    def find(item):
        if isinstance(item, tuple):
            if item and item[0] == "oneof":
                return item
            for part in item:
                found = find(part)
                if found is not None:
                    return found
        elif isinstance(item, list):
            for part in item:
                found = find(part)
                if found is not None:
                    return found
        return None

    def replace(item, target, value):
        if item is target:
            return value
        if isinstance(item, tuple):
            return tuple(replace(part, target, value) for part in item)
        if isinstance(item, list):
            return [replace(part, target, value) for part in item]
        return item

    choice = find(expr)
    if choice is None:
        return [expr]
    return [replace(expr, choice, value) for value in choice[1]]


def names_in(node: ast.AST | None) -> set[str]:
    """Names read anywhere inside `node`."""
    if node is None:
        return set()
    return {n.id for n in subtree(node) if n.__class__ is ast.Name and n.ctx.__class__ is ast.Load}


def target_names(target: ast.AST) -> list[str]:
    """Names bound by an assignment target (tuples unpacked; `df["x"] = ...` binds `df`)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        out: list[str] = []
        for elt in target.elts:
            out.extend(target_names(elt.value if isinstance(elt, ast.Starred) else elt))
        return out
    if isinstance(target, (ast.Subscript, ast.Attribute)):
        base = target.value
        while isinstance(base, (ast.Subscript, ast.Attribute)):
            base = base.value
        if isinstance(base, ast.Name):
            return [base.id]
    return []


def literal_value(node: ast.AST):
    """The Python value of a literal number/string/bool/None node (with unary minus), else a sentinel."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool, type(None))):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, (int, float)) and not isinstance(node.operand.value, bool):
        return -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
    return NotImplemented


def calls_in(node: ast.AST) -> Iterable[ast.Call]:
    """Calls inside a statement, outer before inner, not descending into nested functions or classes."""
    return [n for n in subtree_skipping(node, _SCOPES) if n.__class__ is ast.Call]


def import_aliases(imports: Iterable[ImportFact]) -> dict[str, str]:
    """Local name -> qualified name from a file's imports (`np` -> `numpy`, `DataFrame` -> `pandas.DataFrame`),
    for rules that resolve call names from `FileFacts.imports` without re-walking the tree."""
    aliases: dict[str, str] = {}
    for imp in imports:
        if imp.local is not None:
            aliases[imp.local] = imp.module if imp.local != imp.module.split(".")[0] else imp.local
        elif not imp.module.startswith("."):
            for name, local in imp.names:
                if name != "*":
                    aliases[local] = f"{imp.module}.{name}"
    return aliases


def dotted_name(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """`np.linalg.norm` -> "numpy.linalg.norm" through `aliases`; None for anything but names/attributes."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        base = dotted_name(node.value, aliases)
        return f"{base}.{node.attr}" if base else None
    return None


class Extractor:
    def __init__(self, path: str, kind: str):
        self.facts = FileFacts(path=path, kind=kind)
        self.aliases: dict[str, str] = {}
        self.env: dict[str, tuple] = {}
        self.handles: dict[str, int] = {}
        self.pred_names: set[str] = set()
        self.origins: dict[str, set[int]] = {}
        self.models: set[str] = set()
        self.cell: Cell | None = None
        self.scope: list[str] = []
        self._stmt_events: list[int] = []
        self.groups: dict[int, list[int]] = {}  # first event -> the events a loop over names expanded into
        # paths known not to exist here (`if not p.exists():`), as (text as written, value when constant)
        self.missing_guards: list[tuple[str, str | None]] = []
        self.pending_magics: dict[int, list] = {}  # cell -> its magics not yet applied, in line order
        self.responses: dict[str, str] = {}  # names holding a response fetched from a literal URL
        self.built: dict[str, str] = {}  # names bound to a call's result -> what was called (`t = SFTTrainer(...)`)
        self.functions: dict[str, FunctionInfo] = {}
        self.calls: list[CallSite] = []
        self.function_stack: list[str] = []
        self.module_functions: set[str] = set()
        # the working folder after `%cd ..` / `os.chdir(...)`, relative to where the unit starts (None: unchanged)
        self.cwd: tuple | None = None

    # ---------------------------------------------------------------- positions and names
    def pos(self, node: ast.AST) -> Pos:
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0) + 1
        cell = self.cell
        return Pos(cell.index if cell else None, cell.cell_id if cell else None, line, col,
                   getattr(node, "end_lineno", None) or line, (getattr(node, "end_col_offset", None) or col - 1) + 1)

    def qualname(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualname(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):  # `Path(x).open()` handled elsewhere; `tf.keras.Model()` chains
            return None
        return None

    def text_of(self, node: ast.AST) -> str:
        return _source(node)[:200]

    # ---------------------------------------------------------------- path expressions
    def expr(self, node: ast.AST | None, depth: int = 0) -> tuple:
        if node is None or depth > 30:
            return UNKNOWN
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return ("const", node.value)
            if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
                return ("const", str(node.value))
            return UNKNOWN
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return ("file",)
            if node.id in self.env:
                return self.env[node.id]
            if node.id in self.aliases and "." in self.aliases[node.id]:
                return ("name", self.aliases[node.id])
            return ("name", node.id)
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    parts.append(self.expr(value.value, depth + 1) if value.format_spec is None
                                 else self.formatted(value, depth))
                else:
                    parts.append(self.expr(value, depth + 1))
            return ("concat", parts)
        if isinstance(node, ast.BinOp):
            left, right = self.expr(node.left, depth + 1), self.expr(node.right, depth + 1)
            if isinstance(node.op, ast.Add):
                return ("concat", [left, right])
            if isinstance(node.op, ast.Div):
                return ("join", [left, right])
            return UNKNOWN
        if isinstance(node, ast.Attribute):
            if node.attr == "parent":
                return ("parent", self.expr(node.value, depth + 1))
            if isinstance(node.value, (ast.Name, ast.Attribute)):  # OmegaConf/Hydra `cfg.data.train`
                base = self.expr(node.value, depth + 1)
                if base[0] == "cfg":
                    return ("cfg", base[1], tuple(base[2]) + (node.attr,))
                if base[0] == "doc":
                    return ("cfg", base, (node.attr,))
            qual = self.qualname(node)
            if qual and qual.split(".")[0] in self.aliases.values() or (
                    isinstance(node.value, ast.Name) and node.value.id in self.aliases):
                return ("name", qual) if qual else UNKNOWN
            return UNKNOWN
        if isinstance(node, ast.Subscript):
            if isinstance(node.value, ast.Attribute) and node.value.attr == "parents":  # Path(__file__).parents[1]
                level = literal_value(node.slice)
                if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level < 20:
                    return UNKNOWN
                inner = self.expr(node.value.value, depth + 1)
                for _ in range(level + 1):
                    inner = ("parent", inner)
                return inner
            keys: list = []
            current: ast.AST = node
            while isinstance(current, ast.Subscript):
                key = literal_value(current.slice)
                if key is NotImplemented or key is None or isinstance(key, (bool, float)):
                    return UNKNOWN
                keys.append(key)
                current = current.value
            base = self.expr(current, depth + 1)
            if base[0] in ("doc", "name", "cfg"):
                if base[0] == "cfg":
                    return ("cfg", base[1], tuple(base[2]) + tuple(reversed(keys)))
                return ("cfg", base, tuple(reversed(keys)))
            return UNKNOWN
        if isinstance(node, ast.Call):
            return self.call_expr(node, depth)
        return UNKNOWN

    def formatted(self, value: ast.FormattedValue, depth: int) -> tuple:
        spec = value.format_spec
        if isinstance(spec, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in spec.values):
            return ("format", self.expr(value.value, depth + 1), "".join(str(v.value) for v in spec.values))
        return UNKNOWN

    def call_expr(self, node: ast.Call, depth: int) -> tuple:
        func = node.func
        qual = self.qualname(func) or ""
        args = node.args
        if qual in ("os.path.join", "posixpath.join", "ntpath.join"):
            return ("join", [self.expr(a, depth + 1) for a in args])
        if qual in ("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.WindowsPath", "Path"):
            if not args:
                return ("const", ".")
            return ("join", [self.expr(a, depth + 1) for a in args])
        if qual in ("os.path.dirname",) and args:
            return ("parent", self.expr(args[0], depth + 1))
        if qual in ("os.path.abspath", "os.path.realpath", "os.path.normpath", "os.path.expanduser", "str",
                    "os.fspath", "os.path.expandvars") and args:
            return self.expr(args[0], depth + 1)
        if qual in ("os.getcwd", "pathlib.Path.cwd"):
            return ("const", ".")
        if qual == "pathlib.Path.home":
            return ("const", "~")
        if isinstance(func, ast.Attribute):
            receiver = func.value
            if func.attr in ("resolve", "absolute", "expanduser", "as_posix") and not args:
                return self.expr(receiver, depth + 1)
            if func.attr == "joinpath":
                return ("join", [self.expr(receiver, depth + 1)] + [self.expr(a, depth + 1) for a in args])
            if func.attr == "with_suffix" and args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
                return ("suffix", self.expr(receiver, depth + 1), args[0].value)
            if func.attr == "format" and isinstance(receiver, ast.Constant) and isinstance(receiver.value, str):
                return self.format_expr(receiver.value, args, depth)
            if func.attr == "get" and args:  # cfg.get("key", default) / os.environ.get(...)
                key = literal_value(args[0])
                base = self.expr(receiver, depth + 1)
                if isinstance(key, (str, int)) and not isinstance(key, bool) and base[0] in ("doc", "name", "cfg"):
                    if base[0] == "cfg":
                        return ("cfg", base[1], tuple(base[2]) + (key,))
                    return ("cfg", base, (key,))
        if qual in ("os.getenv", "os.environ.get") and len(args) > 1:
            return self.expr(args[1], depth + 1)  # the default is the value unless the environment overrides it
        loader = self.config_loader(node)
        if loader is not None:
            return loader
        return UNKNOWN

    def format_expr(self, template: str, args: list[ast.expr], depth: int) -> tuple:
        pieces = template.split("{}")
        if len(pieces) - 1 != len(args):
            return ("const", "*") if "{" in template else ("const", template)
        parts: list[tuple] = []
        for i, piece in enumerate(pieces):
            parts.append(("const", piece))
            if i < len(args):
                parts.append(self.expr(args[i], depth + 1))
        return ("concat", parts)

    def config_loader(self, node: ast.Call) -> tuple | None:
        qual = self.qualname(node.func) or ""
        if qual not in kb.CONFIG_LOADERS:
            return None
        index = kb.CONFIG_LOADERS[qual]
        if index is None:
            return ("doc", ("const", kb.DEFAULT_CONFIG_FILE.get(qual, "params.yaml")))
        if len(node.args) <= index:
            return None
        arg = node.args[index]
        if isinstance(arg, ast.Name) and arg.id in self.handles:
            event = self.facts.io[self.handles[arg.id]]
            return ("doc", event.expr or UNKNOWN)
        if isinstance(arg, ast.Call) and self.qualname(arg.func) in ("open", "io.open"):
            return ("doc", self.expr(arg.args[0]) if arg.args else UNKNOWN)
        if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr in ("read_text", "open"):
            return ("doc", self.expr(arg.func.value))
        if qual in ("omegaconf.OmegaConf.load", "toml.load"):
            return ("doc", self.expr(arg))
        return None

    # ---------------------------------------------------------------- recording
    def add_event(self, direction: str, api: str, kind: str, node: ast.AST, path_node: ast.AST | None = None,
                  name: str | None = None, expr: tuple | None = None) -> int:
        if expr is None and path_node is not None:
            expr = self.expr(path_node)
        alternatives = expand_choices(expr) if expr is not None else [expr]
        if len(alternatives) > 1:  # one event per value of a loop over literal names
            indexes = [self.add_event(direction, api, kind, node, path_node, name, alt) for alt in alternatives]
            self.groups[indexes[0]] = indexes
            return indexes[0]
        expr = self.from_cwd(alternatives[0], kind)
        event = IOEvent(direction=direction, api=api, kind=kind, expr=expr, pos=self.pos(node), name=name,
                        text=self.text_of(path_node) if path_node is not None else (name or ""),
                        scope=".".join(self.scope))
        if direction == "write" and path_node is not None and self.missing_guards:
            event.guarded = self.fills_missing(path_node, expr)
        self.facts.io.append(event)
        self._stmt_events.append(len(self.facts.io) - 1)
        for function, _ in params_in(expr) if expr is not None else ():
            if function in self.functions:
                self.functions[function].templates.append(len(self.facts.io) - 1)
        return len(self.facts.io) - 1

    @staticmethod
    def arg(node: ast.Call, index: int | None, kws: tuple[str, ...]) -> ast.AST | None:
        for keyword in node.keywords:
            if keyword.arg in kws:
                return keyword.value
        if index is not None and len(node.args) > index and not isinstance(node.args[index], ast.Starred):
            return node.args[index]
        return None

    def value_tainted(self, value: ast.AST | None) -> bool:
        if value is None:
            return False
        if names_in(value) & self.pred_names:
            return True
        return any(isinstance(c.func, ast.Attribute) and c.func.attr in kb.PREDICT_METHODS for c in calls_in(value))

    def downloaded(self, value: ast.AST | None) -> str:
        """The literal URL a written value was fetched from: `requests.get(URL).content`, or a response kept
        in a name (`r = requests.get(URL)` ... `r.content`)."""
        while isinstance(value, ast.Attribute) and value.attr in ("content", "text", "raw", "data"):
            value = value.value
        if isinstance(value, ast.Call) and self.qualname(value.func) in _FETCHES and value.args:
            url = literal_value(value.args[0])
            return url if isinstance(url, str) else ""
        if isinstance(value, ast.Name):
            return self.responses.get(value.id, "")
        return ""

    def mark_write_value(self, index: int, value: ast.AST | None) -> None:
        tainted = self.value_tainted(value)
        source = self.downloaded(value)
        for member in self.groups.get(index, [index]):
            event = self.facts.io[member]
            if source:
                event.downloaded_from = source
            if tainted:
                event.from_predictions = True
            if event.kind == "model":
                self.facts.saves_model = True
        if value is not None and (names_in(value) & self.models):
            self.facts.saves_model = True

    @staticmethod
    def literal_choices(node: ast.AST) -> list[str] | None:
        """The strings of a literal list/tuple (a loop over a few known names), else None."""
        if isinstance(node, (ast.List, ast.Tuple)) and 0 < len(node.elts) <= MAX_CHOICES and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
            return [e.value for e in node.elts]
        return None

    def handle_sql(self, node: ast.Call, sql_node: ast.AST | None, api: str) -> bool:
        if sql_node is None:
            return False
        if isinstance(sql_node, ast.Name) and sql_node.id in self.env:
            expr = self.env[sql_node.id]
            text = expr[1] if expr[0] == "const" else None
        else:
            text = sql_node.value if isinstance(sql_node, ast.Constant) and isinstance(sql_node.value, str) else None
            if text is None and isinstance(sql_node, (ast.JoinedStr, ast.BinOp)):
                text = self.string_text(sql_node)  # `f"SELECT * FROM {table}"`: an unknown table is no table
        if not text or not looks_like_sql(text):
            return False
        read, written = tables_in(text)
        for table in read:
            if table not in written:
                index = self.add_event("read", api, "table", node, name=table)
                self.facts.io[index].as_of = pinned_in_time(text)
        for table in written:
            self.add_event("write", api, "table", node, name=table)
        return True

    def function_info(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef) -> FunctionInfo | None:
        """Register a plain function (not a method: those are called through objects we do not track)."""
        if self.scope and not self.function_stack:
            return None  # a method of a class
        positional = [a.arg for a in stmt.args.posonlyargs + stmt.args.args]
        args = stmt.args
        defaults = {}
        for name, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
            defaults[name] = self.expr(default)
        for a, default in zip(args.kwonlyargs, args.kw_defaults):
            if default is not None:
                defaults[a.arg] = self.expr(default)
        info = FunctionInfo(stmt.name, positional + [a.arg for a in args.kwonlyargs],
                            {k: v for k, v in defaults.items() if v[0] != "unknown"})
        self.functions[stmt.name] = info
        if not self.function_stack and not self.scope:
            self.module_functions.add(stmt.name)  # importable by other modules
        return info

    def record_call_site(self, node: ast.Call) -> None:
        if not isinstance(node.func, ast.Name) or node.func.id in self.aliases or \
                any(isinstance(a, ast.Starred) for a in node.args):
            return
        self.calls.append(CallSite(
            node.func.id, self.function_stack[-1] if self.function_stack else None, self.pos(node),
            [self.expr(a) for a in node.args],
            {k.arg: self.expr(k.value) for k in node.keywords if k.arg is not None}, ".".join(self.scope)))

    def record_foreign_call(self, node: ast.Call) -> None:
        """A call of a function imported from another module (`load_data("data/raw.csv")`,
        `io_utils.load_data(...)`), kept when a path-like argument is known: the graph instantiates that
        function's I/O here (see `FileFacts.helpers`)."""
        func = node.func
        callee = None
        if isinstance(func, ast.Name):
            if func.id in self.aliases and "." in self.aliases[func.id]:
                callee = self.aliases[func.id]
            elif self.env.get(func.id, ("",))[0] == "name":  # `from .io import load`
                callee = self.env[func.id][1]
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in self.aliases:
            callee = f"{self.aliases[func.value.id]}.{func.attr}"
        if callee is None or any(isinstance(a, ast.Starred) for a in node.args) or \
                not kb.may_be_project_module(callee):
            return
        if not any(isinstance(v, ast.Constant) and isinstance(v.value, str) or isinstance(v, (ast.JoinedStr, ast.Name,
                   ast.BinOp, ast.Attribute)) for v in list(node.args) + [k.value for k in node.keywords]):
            return  # no argument that can carry a path
        args = [self.expr(a) for a in node.args]
        kwargs = {k.arg: self.expr(k.value) for k in node.keywords if k.arg is not None}
        known = [v for v in list(args) + list(kwargs.values()) if v[0] != "unknown"]
        if not known or any(params_in(v) for v in known):
            return  # nothing to instantiate with, or the caller's own parameters (not followed across modules)
        self.facts.foreign_calls.append(CallSite(callee, None, self.pos(node), args, kwargs, ".".join(self.scope)))

    def handle_call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            self.record_call_site(node)
        if isinstance(func, (ast.Name, ast.Attribute)):
            self.record_foreign_call(node)
        qual = self.qualname(func) or ""
        attr = func.attr if isinstance(func, ast.Attribute) else None
        spec = kb.FUNCTIONS.get(qual)
        if spec is None and qual.startswith("mlflow.") and qual.endswith((".load_model", ".log_model")):
            spec = kb.IOSpec("read", "model", kw=("model_uri",)) if qual.endswith("load_model") else \
                kb.REGISTRY_LOG
        if spec is not None:
            self.apply_spec(node, spec, qual)
        elif qual in kb.CONFIG_LOADERS:
            arg = node.args[0] if node.args else None
            if qual in ("omegaconf.OmegaConf.load", "toml.load") and arg is not None and not (
                    isinstance(arg, ast.Name) and arg.id in self.handles):
                self.add_event("read", qual, "file", node, arg)
            elif kb.CONFIG_LOADERS[qual] is None:
                self.add_event("read", qual, "file", node, expr=("const", kb.DEFAULT_CONFIG_FILE[qual]))
        elif attr is not None:
            self.handle_method(node, func, attr, qual)
        if qual == "os.chdir" and node.args and not self.function_stack:
            self.change_folder(self.expr(node.args[0]))
        if qual in kb.SHELL_RUNNERS:
            self.handle_shell(node)
        elif qual.split(".", 1)[0] in kb.ORCHESTRATOR_PACKAGES and qual.rsplit(".", 1)[-1] in kb.ORCHESTRATOR_COMMANDS:
            index, kws = kb.ORCHESTRATOR_COMMANDS[qual.rsplit(".", 1)[-1]]
            words = [self.string_text(c) for c in (self.arg(node, index, (kw,)) for kw in kws) if c is not None]
            if qual.endswith("SparkSubmitOperator"):
                words.insert(0, "spark-submit")
            cwd = self.string_text(self.arg(node, None, ("cwd",)))  # "" when not given
            if words:
                self.run_command_text(node, " ".join(words), cwd if "*" not in cwd else "")
        self.handle_env(node, qual)
        self.handle_ml(node, qual, attr)

    def handle_shell(self, node: ast.Call) -> None:
        """`subprocess.run(["python", "step.py"])` / `os.system("papermill a.ipynb b.ipynb")` run project code."""
        command = self.arg(node, 0, ("args", "command"))
        if command is not None:
            self.run_command(node, command)

    def run_command(self, node: ast.Call, command: ast.AST) -> None:
        """The project scripts and notebooks a command line (a string or a list of words) runs."""
        self.run_command_text(node, self.string_text(command), "")

    def run_command_text(self, node: ast.Call, text: str, cwd: str) -> None:
        from mldebt.graph.declared import units_in_command

        for unit in units_in_command(text, ""):
            if "*" not in unit and not unit.endswith("__main__.py"):
                if cwd and not unit.startswith("/"):  # `BashOperator(..., cwd="/opt/airflow/jobs")`
                    unit = cwd.rstrip("/") + "/" + unit
                self.add_event("execute", self.qualname(node.func) or "subprocess", "file", node,
                               expr=("const", unit))

    def record_tracking_variable(self, target: ast.AST, value: ast.AST) -> None:
        """`os.environ["MLFLOW_TRACKING_URI"] = "http://..."` points experiment tracking somewhere, like
        `mlflow.set_tracking_uri(...)` (MLD305)."""
        if not (isinstance(target, ast.Subscript) and self.qualname(target.value) == "os.environ"):
            return
        setting = kb.TRACKING_VARIABLES.get(literal_value(target.slice))
        literal = literal_value(value)
        if setting is not None and isinstance(literal, str):
            api, key = setting
            self.facts.logging.append(LoggingSetup(api, {key: literal}, self.pos(target), (key,)))

    def runs_in_hydra_output_folder(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """`@hydra.main(...)` changes into a new run folder before calling the function, unless
        `version_base` asks for Hydra 1.2+ behaviour (there `hydra.job.chdir` is off by default)."""
        for decorator in stmt.decorator_list:
            if isinstance(decorator, ast.Call) and self.qualname(decorator.func) == "hydra.main":
                version = next((k.value for k in decorator.keywords if k.arg == "version_base"), None)
                value = literal_value(version) if version is not None else None
                if not isinstance(value, str):
                    return True  # absent or None: Hydra 1.1 behaviour, which changes folder
                parts = tuple(int(p) for p in re.findall(r"\d+", value)[:2])
                return parts < (1, 2)
        return False

    def from_cwd(self, expr, kind: str):
        """A path expression as seen from the folder `%cd`/`os.chdir` moved to (absolute paths and URLs stay
        as they are when the join is evaluated)."""
        if self.cwd is None or expr is None or kind not in ("file", "model", "notebook"):
            return expr
        return ("join", [self.cwd, expr])

    @contextmanager
    def guarding(self, paths: list[tuple[str, str | None]]):
        """Inside the block, these paths (as written, constant value) are known to be missing."""
        self.missing_guards.extend(paths)
        try:
            yield
        finally:
            del self.missing_guards[len(self.missing_guards) - len(paths):]

    def change_folder(self, target) -> None:
        """`os.chdir(target)` / `%cd target` at the top level: later relative paths resolve from there."""
        self.cwd = target if self.cwd is None else ("join", [self.cwd, target])

    def cell_magics(self, cell, before_line: int | None) -> None:
        """The cell's magics up to `before_line` (all when None), in line order, once each: `%cd` moves the
        working folder, the others' I/O (`%%writefile`, `!python x.py`, `%run`) is recorded from where it is."""
        if id(cell) not in self.pending_magics:
            from mldebt.facts.magic_io import magic_events

            items = [(m.line, 0, m) for m in cell.magics if m.kind == "line" and m.name == "cd"]
            items += [(e.pos.line, 1, e) for e in magic_events(cell)]
            self.pending_magics[id(cell)] = sorted(items, key=lambda item: (item[0], item[1]))
        pending = self.pending_magics[id(cell)]
        while pending and (before_line is None or pending[0][0] < before_line):
            _, is_event, item = pending.pop(0)
            if is_event:
                item.expr = self.from_cwd(item.expr, item.kind)
                self.facts.io.append(item)
            else:
                self.cd(item)

    def cd(self, magic) -> None:
        """`%cd target`: later relative paths resolve from there."""
        words = [w for w in magic.text.split()[1:] if not w.startswith("-")]
        target = words[0].strip("\"'") if len(words) == 1 and not magic.text.split()[1:2] == ["-"] else None
        if target is None or any(c in target for c in "$%{}~") or not target:
            self.cwd = UNKNOWN  # `%cd`, `%cd -`, `%cd $DIR`: from here, relative paths are unknown
        else:
            self.change_folder(("const", target))

    def fills_missing(self, path_node: ast.AST, expr) -> bool:
        """Whether a write happens only because its path (or the folder or name it completes) is missing:
        `if not p.is_file(): open(p, "wb")`, `if folder.is_dir(): ... else: download to folder + ".zip"`."""
        text = _source(path_node)
        value = constant_value(expr) if expr is not None else None
        for guard_text, guard_value in self.missing_guards:
            if text == guard_text or (value and guard_value and value.startswith(guard_value)):
                return True
        return False

    def string_text(self, node: ast.AST | None) -> str:
        """A string built in code (a command line, an SQL query) as text: literals as written, module
        constants and f-string parts resolved where they are constants, `*` for what is only known at run
        time (`"python prep.py --out " + OUT` still names prep.py; a word with `*` names nothing); a list
        of words joined with spaces."""
        if node is None:
            return ""
        if isinstance(node, (ast.List, ast.Tuple)):
            return " ".join(self.string_text(e) for e in node.elts)
        value = literal_value(node)
        if isinstance(value, str):
            return value
        if isinstance(node, ast.JoinedStr):
            return "".join(p.value if isinstance(p, ast.Constant) and isinstance(p.value, str) else
                           self.string_text(p.value) if isinstance(p, ast.FormattedValue) else "*"
                           for p in node.values)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.string_text(node.left) + self.string_text(node.right)
        if isinstance(node, ast.Name) and node.id in self.env:
            return constant_value(self.env[node.id]) or "*"
        return "*"

    def apply_spec(self, node: ast.Call, spec: kb.IOSpec, qual: str) -> None:
        if spec.kind == "sql":
            self.handle_sql(node, self.arg(node, spec.arg, spec.kw), qual)
            return
        if qual == "datasets.load_dataset" and self.load_local_dataset(node):
            return
        path_node = self.arg(node, spec.arg, spec.kw)
        if path_node is None:
            return
        direction = spec.direction
        if qual in ("open", "io.open", "codecs.open", "gzip.open", "numpy.memmap"):
            mode = self.arg(node, 1, ("mode",))
            mode_text = mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else "r"
            direction = "write" if any(c in mode_text for c in "wax") else "read"  # memmap: "w+", "write"
        if self.is_in_memory_buffer(path_node):
            return  # io.StringIO(...) / a handle already recorded by its open()
        if spec.kind == "table":
            name = literal_value(path_node)
            if isinstance(name, str):
                self.add_event(direction, qual, "table", node, name=name.lower())
            return
        suffix = kb.IMPLIED_SUFFIX.get(qual)
        expr = ("ensure_suffix", self.expr(path_node), suffix) if suffix else None
        index = self.add_event(direction, qual, spec.kind, node, path_node, expr=expr)
        if direction == "write":
            self.mark_write_value(index, self.arg(node, spec.value_arg, spec.value_kw))
        if spec.also_writes_arg is not None or spec.also_writes_kw:
            out = self.arg(node, spec.also_writes_arg, spec.also_writes_kw)
            if out is not None:
                self.add_event("write", qual, "notebook" if spec.kind == "notebook" else "file", node, out)

    def handle_method(self, node: ast.Call, func: ast.Attribute, attr: str, qual: str) -> None:
        receiver = func.value
        chain = []
        current: ast.AST = receiver
        while isinstance(current, (ast.Attribute, ast.Call)):
            if isinstance(current, ast.Attribute):
                chain.append(current.attr)
                current = current.value
            else:
                current = current.func
        if "read" in chain or "readStream" in chain:
            if attr in kb.SPARK_READ_FORMATS and (node.args or node.keywords):
                self.add_event("read", f"spark.read.{attr}", "file", node, self.arg(node, 0, ("path",)))
                return
            if attr in kb.SPARK_TABLE_READS and node.args:
                name = literal_value(node.args[0])
                if isinstance(name, str):
                    self.add_event("read", "spark.read.table", "table", node, name=name.lower())
                return
        if "write" in chain or "writeStream" in chain:
            if attr in kb.SPARK_WRITE_FORMATS and (node.args or node.keywords):
                index = self.add_event("write", f"spark.write.{attr}", "file", node, self.arg(node, 0, ("path",)))
                self.mark_write_value(index, receiver)
                return
            if attr in kb.SPARK_TABLE_WRITES and node.args:
                name = literal_value(node.args[0])
                if isinstance(name, str):
                    index = self.add_event("write", f"spark.write.{attr}", "table", node, name=name.lower())
                    self.mark_write_value(index, receiver)
                return
        if attr == "table" and isinstance(receiver, ast.Name) and "spark" in receiver.id.lower() and node.args:
            name = literal_value(node.args[0])
            if isinstance(name, str):
                self.add_event("read", "spark.table", "table", node, name=name.lower())
            return
        if attr in kb.SQL_EXECUTORS:
            if self.handle_sql(node, self.arg(node, 0, ("sql", "query", "statement", "sqlQuery")), f"{attr}"):
                return
        if attr in ("dump",) and len(node.args) >= 2 and isinstance(node.args[1], ast.Name) \
                and node.args[1].id in self.handles:  # pickle.dump(obj, f) / json.dump(obj, f)
            self.mark_write_value(self.handles[node.args[1].id], node.args[0])
            return
        if attr in ("write", "writelines") and isinstance(receiver, ast.Name) and receiver.id in self.handles:
            self.mark_write_value(self.handles[receiver.id], node.args[0] if node.args else None)
            return
        if attr == "open" and self.is_path_like(receiver):
            mode = self.arg(node, 0, ("mode",))
            mode_text = mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else "r"
            self.add_event("write" if any(c in mode_text for c in "wax") else "read", "pathlib.Path.open", "file",
                           node, receiver)
            return
        spec = kb.METHODS.get(attr)
        if attr in kb.HF_METHODS and qual.split(".")[0] not in kb.HF_LIBRARIES:
            return  # a project's own `Model.from_pretrained`, not Hugging Face's
        if spec is None and attr in kb.MODEL_SAVE_METHODS and isinstance(receiver, ast.Name) \
                and receiver.id in self.models:
            spec = kb.MODEL_SAVE_METHODS[attr]
        if spec is None:
            return
        if spec.path_is_receiver:
            if not self.is_path_like(receiver):
                return
            index = self.add_event(spec.direction, f"pathlib.Path.{attr}", "file", node, receiver)
            if spec.direction == "write":
                self.mark_write_value(index, self.arg(node, spec.value_arg, spec.value_kw))
            return
        path_node = self.arg(node, spec.arg, spec.kw)
        if path_node is None:
            return
        if spec.kind == "table":
            name = literal_value(path_node)
            if isinstance(name, str):
                index = self.add_event(spec.direction, f".{attr}", "table", node, name=name.lower())
                self.mark_write_value(index, receiver)
            return
        if attr == "savefig" and not self.is_stringish(path_node):
            return
        index = self.add_event(spec.direction, qual if qual and not qual.startswith(".") and "." in qual
                               and qual.split(".")[0] in set(self.aliases.values()) else f".{attr}",
                               spec.kind, node, path_node)
        if spec.direction == "write":
            self.mark_write_value(index, receiver if spec.value_is_receiver else None)

    def load_local_dataset(self, node: ast.Call) -> bool:
        """`load_dataset("csv", data_files={"train": "train.csv"})` reads local files, not a Hub dataset."""
        builder = literal_value(node.args[0]) if node.args else NotImplemented
        if builder not in kb.HF_LOCAL_BUILDERS:
            return False
        files = self.arg(node, None, ("data_files",))
        values = files.values if isinstance(files, ast.Dict) else [files] if files is not None else []
        for value in values:
            for item in value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]:
                self.add_event("read", "datasets.load_dataset", "file", node, item)
        return True

    def is_in_memory_buffer(self, node: ast.AST) -> bool:
        """`read_csv(io.StringIO(text))`, `joblib.load(f)` with `f` from `with open(...)`: no new artifact."""
        if isinstance(node, ast.Call):
            return (self.qualname(node.func) or "") in kb.IN_MEMORY_BUFFERS
        return isinstance(node, ast.Name) and node.id in self.handles

    def is_stringish(self, node: ast.AST) -> bool:
        expr = self.expr(node)
        return expr[0] != "unknown"

    def is_path_like(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Call):
            return (self.qualname(node.func) or "") in ("pathlib.Path", "pathlib.PurePath", "Path") or (
                isinstance(node.func, ast.Attribute) and node.func.attr in ("joinpath", "with_suffix"))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return True
        if isinstance(node, ast.Name):
            return node.id in self.env and self.env[node.id][0] in ("join", "parent", "suffix")
        return False

    def handle_env(self, node: ast.Call, qual: str) -> None:
        if qual in ("os.getenv", "os.environ.get") and node.args:
            name = literal_value(node.args[0])
            if isinstance(name, str):
                has_default = len(node.args) > 1 or any(k.arg == "default" for k in node.keywords)
                self.facts.config_reads.append(ConfigRead("env", None, (name,), has_default, self.pos(node)))
                self.add_event("read", qual, "env", node, name=name)
        elif qual in ("os.environ.setdefault", "os.putenv") or (qual.endswith(".setenv") and len(node.args) >= 2):
            name = literal_value(node.args[0]) if node.args else None  # monkeypatch.setenv("X", ...) too
            if isinstance(name, str):
                self.add_event("write", qual, "env", node, name=name)
        elif qual == "os.environ.update":
            names = [k.arg for k in node.keywords if k.arg]
            if node.args and isinstance(node.args[0], ast.Dict):
                names += [k.value for k in node.args[0].keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            for name in names:
                self.add_event("write", qual, "env", node, name=name)

    def is_trainer(self, func: ast.AST) -> bool:
        """`trainer.train()` (Hugging Face, `SentenceTransformerTrainer`, `SFTTrainer`...) fits a model; on a
        module, `.train()` only switches it to training mode. Told by the constructor or the name."""
        receiver = func.value if isinstance(func, ast.Attribute) else None
        if isinstance(receiver, ast.Call):
            return (self.qualname(receiver.func) or "").rsplit(".", 1)[-1].endswith(("Trainer", "Learner"))
        if not isinstance(receiver, ast.Name):
            return False
        built = self.built.get(receiver.id, "")
        return built.rsplit(".", 1)[-1].endswith(("Trainer", "Learner")) or \
            any(word in receiver.id.lower() for word in ("trainer", "learner", "engine"))

    def handle_ml(self, node: ast.Call, qual: str, attr: str | None) -> None:
        func = node.func
        if attr == "train" and not node.args and not node.keywords and not self.is_trainer(func):
            attr = None  # PyTorch's `model.train()` switches a module to training mode: no fit
        if attr in kb.FIT_METHODS or qual in ("xgboost.train", "lightgbm.train", "catboost.train"):
            arg_names: set[str] = set()
            for a in list(node.args) + [k.value for k in node.keywords]:
                arg_names |= names_in(a)
            origins = sorted({o for n in arg_names for o in self.origins.get(n, ())})
            for o in origins:
                self.facts.io[o].feeds_fit = True
            estimator = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else None
            if estimator:
                self.models.add(estimator)
            from_pred = bool(arg_names & self.pred_names) or any(
                isinstance(c.func, ast.Attribute) and c.func.attr in kb.PREDICT_METHODS
                for a in node.args for c in calls_in(a))
            if attr != "fit_resample":
                self.facts.fits.append(FitCall(self.pos(node), estimator, from_pred, origins))
        elif attr in kb.PREDICT_METHODS and isinstance(func, ast.Attribute):
            self.facts.predicts.append(self.pos(node))
            for name in names_in(func.value):
                for o in self.origins.get(name, ()):
                    self.facts.io[o].feeds_predict = True
        if qual and qual.startswith(kb.ML_CONSTRUCTOR_PREFIXES) and qual.rsplit(".", 1)[-1][:1].isupper():
            literals = {}
            for keyword in node.keywords:
                if keyword.arg is None:
                    continue
                value = literal_value(keyword.value)
                if value is not NotImplemented:
                    literals[keyword.arg] = value
            self.facts.constructors.append(Constructor(qual, literals, self.pos(node), None))
            short = qual.rsplit(".", 1)[-1]
            for key, value in literals.items():
                if isinstance(value, (int, float, str)) and not isinstance(value, bool) and key not in kb.NOT_HYPERPARAMETERS:
                    self.facts.settings.append(Setting(key, value, self.pos(node), f"{short}(...)"))
        if qual in kb.LOGGING_SETUPS:
            settings: dict = {}
            constant: list[str] = []
            for key, value_node in [(k.arg or "**", k.value) for k in node.keywords] + \
                    ([("arg0", node.args[0])] if node.args else []):
                value = literal_value(value_node)
                if value is NotImplemented and isinstance(value_node, ast.Name) and value_node.id in self.env:
                    value = constant_value(self.env[value_node.id]) or NotImplemented  # `URI = "http://..."`
                    if value is not NotImplemented:
                        constant.append(key)
                settings[key] = value if value is not NotImplemented else self.text_of(value_node)
            self.facts.logging.append(LoggingSetup(qual, settings, self.pos(node), tuple(constant)))

    # ---------------------------------------------------------------- statements
    def visit_body(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.visit_stmt(stmt)

    def visit_stmt(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self.record_import(stmt)
            return
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            saved = dict(self.env)
            for default in stmt.args.defaults + [d for d in stmt.args.kw_defaults if d is not None]:
                self.visit_expr_calls(default)
            info = self.function_info(stmt)
            for a in stmt.args.args + stmt.args.kwonlyargs + stmt.args.posonlyargs:
                self.env[a.arg] = ("param", info.name, a.arg) if info is not None else UNKNOWN
                self.handles.pop(a.arg, None)
            saved_taint, saved_origins = set(self.pred_names), dict(self.origins)
            self.scope.append(stmt.name)
            self.function_stack.append(info.name if info is not None else "")
            saved_cwd = self.cwd
            if self.runs_in_hydra_output_folder(stmt):
                self.cwd = UNKNOWN  # relative paths land in a per-run folder (outputs/<date>/<time>)
            self.visit_body(stmt.body)
            self.cwd = saved_cwd
            self.function_stack.pop()
            self.scope.pop()
            self.env = saved
            # a function's locals (`output = self.predict(x)`) do not taint the caller's names
            self.pred_names, self.origins = saved_taint, saved_origins
            return
        if isinstance(stmt, ast.ClassDef):
            self.scope.append(stmt.name)
            self.visit_body(stmt.body)
            self.scope.pop()
            return
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                self._stmt_events = []
                self.visit_expr_calls(item.context_expr)
                if isinstance(item.optional_vars, ast.Name):
                    name = item.optional_vars.id
                    opened = [i for i in self._stmt_events if self.facts.io[i].api in (
                        "open", "io.open", "codecs.open", "gzip.open", "pathlib.Path.open")]
                    if opened:
                        self.handles[name] = opened[-1]
                        self.origins[name] = {opened[-1]}
            self.visit_body(stmt.body)
            return
        if isinstance(stmt, (ast.If, ast.While)):
            self.visit_expr_calls(stmt.test)
            missing, present = _existence_guards(stmt.test) if isinstance(stmt, ast.If) else ([], [])
            with self.guarding([(_source(n), constant_value(self.expr(n))) for n in missing]):
                self.visit_body(stmt.body)
            with self.guarding([(_source(n), constant_value(self.expr(n))) for n in present]):
                self.visit_body(stmt.orelse)  # `if p.exists(): ... else: <write p>`
            return
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            self.visit_expr_calls(stmt.iter)
            for name in target_names(stmt.target):
                self.env.pop(name, None)
                self.origins[name] = {o for n in names_in(stmt.iter) for o in self.origins.get(n, ())}
            choices = self.literal_choices(stmt.iter)
            if choices and isinstance(stmt.target, ast.Name):  # `for split in ["train", "test"]:`
                self.env[stmt.target.id] = ("oneof", tuple(("const", c) for c in choices))
            self.visit_body(stmt.body)
            self.visit_body(stmt.orelse)
            return
        if isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            self.visit_body(stmt.body)
            # `try: from helper_functions import f` / `except: <download helper_functions.py>`: a fill-if-missing
            imported = [("", "/".join(name.split(".")) + ".py") for s in stmt.body  # type: ignore[attr-defined]
                        for name in ([a.name for a in s.names] if isinstance(s, ast.Import) else
                                     [s.module] if isinstance(s, ast.ImportFrom) and s.module and not s.level else [])]
            with self.guarding(imported):
                for handler in stmt.handlers:  # type: ignore[attr-defined]
                    self.visit_body(handler.body)
            self.visit_body(stmt.orelse)
            self.visit_body(stmt.finalbody)
            return
        if type(stmt).__name__ == "Match":
            self.visit_expr_calls(stmt.subject)  # type: ignore[attr-defined]
            for case in stmt.cases:  # type: ignore[attr-defined]
                self.visit_body(case.body)
            return
        self._stmt_events = []
        self.visit_expr_calls(stmt)
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            self.record_assignment(targets, stmt.value, isinstance(stmt, ast.AugAssign))
            for target in targets:
                self.record_env_subscript(target)
                self.record_config_write(target)
                self.record_tracking_variable(target, stmt.value)
                if isinstance(target, ast.Name):
                    self.built[target.id] = (self.qualname(stmt.value.func) or "") \
                        if isinstance(stmt.value, ast.Call) else ""
                    url = self.downloaded(stmt.value) if isinstance(stmt.value, ast.Call) else ""
                    if url:
                        self.responses[target.id] = url
                    else:
                        self.responses.pop(target.id, None)

    def visit_expr_calls(self, node: ast.AST) -> None:
        for call in calls_in(node):
            try:
                self.handle_call(call)
                self.record_config_call(call)
            except RecursionError:
                self.facts.notes.append("an expression was too deeply nested to analyse fully")
        inner: set[int] = set()  # subscripts that are the base of an outer subscript
        for sub in subtree(node) if not isinstance(node, _SCOPES) else ():
            if isinstance(sub, ast.Subscript) and isinstance(sub.ctx, ast.Load) and (self.qualname(sub.value) == "os.environ"):
                name = literal_value(sub.slice)
                if isinstance(name, str):
                    self.facts.config_reads.append(ConfigRead("env", None, (name,), False, self.pos(sub)))
                    self.add_event("read", "os.environ", "env", sub, name=name)
            elif isinstance(sub, ast.Subscript) and isinstance(sub.ctx, ast.Load) and id(sub) not in inner:
                target = self.config_target(sub)  # `cfg["train"]["lr"]`: one read of the whole key path
                if target is not None:
                    self.facts.config_reads.append(ConfigRead("config", target[0], target[1], False, self.pos(sub)))
            if isinstance(sub, ast.Subscript):
                inner.add(id(sub.value))

    def config_target(self, node: ast.AST) -> tuple | None:
        """(config file path expr, key path) when `node` is a constant-key access into a loaded config document."""
        expr = self.expr(node)
        if expr[0] == "cfg" and expr[1][0] == "doc":
            return expr[1][1], tuple(expr[2])
        if expr[0] == "doc":
            return expr[1], ()
        return None

    def record_config_call(self, node: ast.Call) -> None:
        """`cfg.get("k", d)` reads a key with a default; `cfg.setdefault("k", v)` / `cfg.update(...)` define keys
        at run time (recorded as source "config-write", keys () meaning any key under that path)."""
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in ("get", "setdefault", "update"):
            return
        target = self.config_target(func.value)
        if target is None:
            return
        doc, keys = target
        if func.attr == "update":
            self.facts.config_reads.append(ConfigRead("config-write", doc, keys, True, self.pos(node)))
            return
        key = literal_value(node.args[0]) if node.args else NotImplemented
        if not isinstance(key, (str, int)) or isinstance(key, bool):
            return
        source = "config" if func.attr == "get" else "config-write"
        self.facts.config_reads.append(ConfigRead(source, doc, keys + (key,), True, self.pos(node)))

    def record_config_write(self, target: ast.AST) -> None:
        """`cfg["device"] = "cuda"`: the key exists from here on even if the config file lacks it."""
        if isinstance(target, ast.Subscript):
            found = self.config_target(target)
            if found is not None and found[1]:
                self.facts.config_reads.append(ConfigRead("config-write", found[0], found[1], True, self.pos(target)))

    def record_env_subscript(self, target: ast.AST) -> None:
        if isinstance(target, ast.Subscript) and self.qualname(target.value) == "os.environ":
            name = literal_value(target.slice)
            if isinstance(name, str):
                self.add_event("write", "os.environ", "env", target, name=name)

    def record_assignment(self, targets: list[ast.AST], value: ast.AST, augmented: bool) -> None:
        expr = self.expr(value)
        tainted = self.value_tainted(value)
        origins = {o for n in names_in(value) for o in self.origins.get(n, ())}
        reads = [i for i in self._stmt_events if self.facts.io[i].direction == "read"]
        origins.update(reads)
        is_model = False
        if isinstance(value, ast.Call):
            qual = self.qualname(value.func) or ""
            if qual.startswith(kb.ML_CONSTRUCTOR_PREFIXES) or any(self.facts.io[i].kind == "model" for i in reads):
                is_model = True
            if self.facts.constructors and self.facts.constructors[-1].pos == self.pos(value):
                self.facts.constructors[-1].var = self._single_name(targets)
            if (isinstance(value.func, ast.Attribute) and value.func.attr in ("fit",)
                    and isinstance(value.func.value, ast.Name) and value.func.value.id in self.models):
                is_model = True
        for target in targets:
            for name in target_names(target):
                simple = isinstance(target, ast.Name)
                if simple and not augmented:
                    if expr[0] != "unknown":
                        self.env[name] = expr
                    else:
                        self.env.pop(name, None)
                    self.handles.pop(name, None)
                if tainted:
                    self.pred_names.add(name)
                elif simple and not augmented:
                    self.pred_names.discard(name)
                if simple and not augmented:
                    self.origins[name] = set(origins)
                else:
                    self.origins.setdefault(name, set()).update(origins)
                if is_model and simple:
                    self.models.add(name)
            if isinstance(target, ast.Name) and len(reads) == 1 and self.facts.io[reads[0]].var is None:
                self.facts.io[reads[0]].var = target.id
        if not self.scope:
            for target in targets:
                if isinstance(target, ast.Name):
                    if expr[0] != "unknown":
                        self.facts.exports[target.id] = expr
                    else:
                        self.facts.exports.pop(target.id, None)
                    value_lit = literal_value(value)
                    if isinstance(value_lit, (int, float)) and not isinstance(value_lit, bool):
                        self.facts.settings.append(Setting(target.id.lower(), value_lit, self.pos(target),
                                                           "module constant"))

    @staticmethod
    def _single_name(targets: list[ast.AST]) -> str | None:
        if len(targets) == 1 and isinstance(targets[0], ast.Name):
            return targets[0].id
        return None

    def record_import(self, stmt: ast.Import | ast.ImportFrom) -> None:
        pos = self.pos(stmt)
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                local = alias.asname or alias.name.split(".")[0]
                self.aliases[local] = alias.name if alias.asname else alias.name.split(".")[0]
                self.facts.imports.append(ImportFact(alias.name, [], local, pos))
            return
        module = "." * stmt.level + (stmt.module or "")
        names = []
        for alias in stmt.names:
            local = alias.asname or alias.name
            names.append((alias.name, local))
            if alias.name != "*":
                self.aliases[local] = f"{module}.{alias.name}" if stmt.level == 0 else alias.name
                if stmt.level:
                    self.aliases.pop(local, None)
                    self.env[local] = ("name", f"{module}.{alias.name}")
        self.facts.imports.append(ImportFact(module, names, None, pos))


_FETCHES = frozenset({"requests.get", "httpx.get", "urllib.request.urlopen"})
_EXISTENCE_TESTS = frozenset({"exists", "is_file", "isfile", "is_dir", "isdir", "lexists"})


def _source(node: ast.AST) -> str:
    """A node's code as text ("" for the odd node `ast.unparse` cannot write)."""
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - exotic nodes
        return ""


def _existence_guards(test: ast.AST) -> tuple[list[ast.AST], list[ast.AST]]:
    """Path expressions an `if` test says are missing in its body, and present (so missing in its `else`):
    `not p.exists()`, `not os.path.isfile(p)`, either side of an `and` of those."""
    def checked(node: ast.AST) -> ast.AST | None:
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name)):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if name in _EXISTENCE_TESTS:
                if node.args and len(node.args) == 1:
                    return node.args[0]
                if not node.args and isinstance(node.func, ast.Attribute):
                    return node.func.value  # `p.exists()`
        return None

    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        path = checked(test.operand)
        return ([path] if path else []), []
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        missing = [p for value in test.values for p in _existence_guards(value)[0]]
        return missing, []
    path = checked(test)
    return [], ([path] if path else [])


def extract(path: str, kind: str, parsed: list[tuple[Cell, ast.Module | None]]) -> FileFacts:
    """Extract facts from a file's cells (those that failed to parse are passed with tree None)."""
    extractor = Extractor(path, kind)
    for cell, tree in parsed:
        extractor.cell = cell
        if tree is None:
            extractor.cell_magics(cell, None)
            continue
        for stmt in tree.body:
            extractor.cell_magics(cell, stmt.lineno)
            try:
                extractor.visit_stmt(stmt)
            except RecursionError:
                extractor.facts.notes.append(f"a statement at line {stmt.lineno} was too deeply nested to analyse")
        extractor.cell_magics(cell, None)
    in_functions: set[str] = set()
    at_top: set[str] = set()  # names read by top-level statements (also under `if __name__ == "__main__":`)
    for _, tree in parsed:
        for stmt in tree.body if tree is not None else ():
            defines = isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            (in_functions if defines else at_top).update(
                n.id.lower() for n in subtree(stmt) if n.__class__ is ast.Name and n.ctx.__class__ is ast.Load)
    for setting in extractor.facts.settings:
        if setting.context == "module constant":
            setting.local_only = setting.name in at_top and setting.name not in in_functions
    extractor.facts.helpers = {  # captured before instantiation replaces unused templates' parameters
        name: (info.params, info.defaults, [(i, extractor.facts.io[i].expr) for i in info.templates])
        for name, info in extractor.functions.items() if info.templates and name in extractor.module_functions}
    instantiate(extractor.facts.io, extractor.functions, extractor.calls)
    return extractor.facts
