"""Def-use of a unit's global names in Restart & Run All order (cells top to bottom), with Python scoping.

`global_name_events(parsed)` walks every cell in order and returns what happens to module-level names
as a flat, ordered list of `NameEvent`s: a name is defined, used, deleted, or something defines names we
cannot see (`from x import *`, `%run`, `exec`: an "opaque" event). Scoping follows Python: function,
lambda, comprehension and class scopes, `global`/`nonlocal`, walrus targets, `del`, every binding
statement, and IPython constructs (`files = !ls`, `%%capture out`, `%store -r x`, `%time x = f()`).

Function bodies do not run where they are defined: the globals a function reads are reported as uses
at each direct call `f(...)` (with `via` pointing at the read inside the body), transitively through
the functions it calls. Policy (what is known, what to report) is left to the rules.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass, field

from mldebt.sources.model import Cell, Magic

# Handlers that swallow a NameError: code in their `try` body tolerates a missing name.
_NAME_ERROR_CATCHERS = {"NameError", "Exception", "BaseException", "UnboundLocalError"}
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_NAMESPACE_CALLS = {"globals", "locals", "vars", "dir"}
# Magics whose argument is a Python statement run in the user namespace.
_STATEMENT_MAGICS = {"time", "timeit"}


@dataclass(frozen=True)
class Deferred:
    """A global read inside a function body, which happens when the function is called."""

    function: str
    cell: Cell
    node: ast.Name


@dataclass(frozen=True)
class NameEvent:
    kind: str  # "def", "use", "del", "opaque"
    name: str  # "" for opaque events
    cell: Cell
    line: int
    column: int
    node: ast.AST | None = None
    guarded: bool = False  # a use the code tolerates missing (try/except NameError, loop-carried)
    conditional: bool = False  # a def/del not on every path (inside if/for/while/try/with/match)
    via: Deferred | None = None  # a use made by calling a function (the event sits at the call)
    reason: str = ""  # opaque events: what hides the definitions


@dataclass
class FunctionInfo:
    """What calling a function does to globals: the names it reads (first read each) and calls."""

    cell: Cell
    reads: dict[str, tuple[ast.Name, bool]] = field(default_factory=dict)  # name -> (node, guarded)
    calls: set[str] = field(default_factory=set)


@dataclass
class Analysis:
    events: list[NameEvent]
    guarded_names: set[str]  # names tested with `"x" in globals()` and the like


# `%%bigquery` options that take a value (google-cloud-bigquery's cell magic); the first other word names
# the variable the query result is stored in.
_BIGQUERY_VALUE_OPTIONS = frozenset({"destination_table", "project", "max_results", "maximum_bytes_billed",
                                     "params", "location", "engine", "progress_bar_type", "bigquery_api_endpoint",
                                     "bqstorage_api_endpoint"})


class _Binder(ast.NodeVisitor):
    """The names a block of statements binds in its own scope (not inside nested scopes)."""

    def __init__(self) -> None:
        self.bound: set[str] = set()
        self.declared: set[str] = set()  # global/nonlocal

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.bound.add(node.id)

    def _visit_def(self, node) -> None:
        self.bound.add(node.name)
        for child in node.decorator_list:
            self.visit(child)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_def

    def visit_Lambda(self, node: ast.Lambda) -> None:
        pass

    def _visit_comprehension(self, node) -> None:  # only walrus targets leak out of a comprehension
        for sub in ast.walk(node):
            if isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name):
                self.bound.add(sub.target.id)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _visit_comprehension

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.bound.add(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name != "*":
                self.bound.add(alias.asname or alias.name)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        self.declared.update(node.names)

    visit_Nonlocal = visit_Global

    def generic_visit(self, node: ast.AST) -> None:
        name = getattr(node, "name", None) if type(node).__name__ in ("MatchAs", "MatchStar") else None
        rest = getattr(node, "rest", None) if type(node).__name__ == "MatchMapping" else None
        for bound in (name, rest):
            if isinstance(bound, str):
                self.bound.add(bound)
        super().generic_visit(node)


def bindings(stmts: list[ast.stmt]) -> tuple[set[str], set[str]]:
    """(names bound, names declared global/nonlocal) by these statements in their own scope."""
    binder = _Binder()
    for stmt in stmts:
        binder.visit(stmt)
    return binder.bound, binder.declared


def _catches_name_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((t.id if isinstance(t, ast.Name) else getattr(t, "attr", "")) in _NAME_ERROR_CATCHERS for t in types)


def _namespace_test_names(tree: ast.AST) -> set[str]:
    """Names tested for existence: `"x" in globals()`, `"x" not in dir()`, `globals().get("x")`."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
            for op, right in zip(node.ops, node.comparators):
                if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, ast.Call) and \
                        isinstance(right.func, ast.Name) and right.func.id in _NAMESPACE_CALLS:
                    found.add(node.left.value)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and \
                isinstance(node.func.value, ast.Call) and isinstance(node.func.value.func, ast.Name) and \
                node.func.value.func.id in _NAMESPACE_CALLS and node.args and \
                isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            found.add(node.args[0].value)
    return found


def _is_namespace_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("globals", "vars") \
        and not node.args


def _python2_only(test: ast.expr) -> bool:
    """`sys.version_info < (3, 0)`, `sys.version_info[0] == 2`, `six.PY2`, `PY2`: a branch for Python 2."""
    if not isinstance(test, (ast.Compare, ast.Attribute, ast.Name)):
        return False
    try:
        text = ast.unparse(test).replace(" ", "")
    except (RecursionError, ValueError):
        return False
    return text in ("six.PY2", "PY2", "sys.version_info[0]==2", "sys.version_info[0]<3", "sys.version_info.major==2",
                    "sys.version_info.major<3") or text.startswith(("sys.version_info<(3", "sys.version_info<=(2"))


class _Walker:
    """Visits statements in execution order. At module level (and in class bodies, which run at once)
    it emits events; inside a function body it only records the function's global reads and calls."""

    def __init__(self) -> None:
        self.events: list[NameEvent] = []
        self.functions: dict[str, FunctionInfo] = {}
        self.cell: Cell | None = None
        self.magics: dict[int, Magic] = {}
        self.future_annotations = False
        # the scope being walked: None at module level, a set of class-local names, or a FunctionInfo
        self.class_locals: set[str] | None = None
        self.function: FunctionInfo | None = None
        self.function_locals: set[str] = set()
        self.comprehension_locals: list[set[str]] = []
        self.loop_bound: list[set[str]] = []
        self.guard_depth = 0
        self.branch_depth = 0
        self._class_init: list[FunctionInfo] = []  # __init__-like methods of the class being walked

    # ------------------------------------------------------------------ events
    def emit(self, kind: str, name: str, node: ast.AST | None, line: int = 1, column: int = 1, **extra) -> None:
        assert self.cell is not None
        if node is not None:
            line, column = getattr(node, "lineno", line), getattr(node, "col_offset", column - 1) + 1
        self.events.append(NameEvent(kind, name, self.cell, line, column, node, **extra))

    def load(self, name: str, node: ast.Name) -> None:
        if any(name in scope for scope in self.comprehension_locals):
            return
        guarded = self.guard_depth > 0 or any(name in bound for bound in self.loop_bound)
        if self.function is not None:
            if name not in self.function_locals and name not in self.function.reads:
                self.function.reads[name] = (node, guarded)
            return
        if self.class_locals is not None and name in self.class_locals:
            return
        self.emit("use", name, node, guarded=guarded)

    def store(self, name: str, node: ast.AST, line: int = 1, column: int = 1) -> None:
        if self.function is not None or self.class_locals is not None or self.comprehension_locals:
            return
        self.functions.pop(name, None)
        self.emit("def", name, node, line, column, conditional=self.branch_depth > 0)

    def opaque(self, reason: str, node: ast.AST | None, line: int = 1, column: int = 1) -> None:
        if self.function is None:
            self.emit("opaque", "", node, line, column, reason=reason)

    def call_site(self, call: ast.Call) -> None:
        """A direct call `f(...)` of a known function: its global reads happen here."""
        func = call.func
        if not isinstance(func, ast.Name):
            return
        if self.function is not None:
            if func.id not in self.function_locals:
                self.function.calls.add(func.id)
            return
        if self.class_locals is not None and func.id in self.class_locals:
            return
        seen: set[str] = set()
        pending = [func.id]
        while pending:
            name = pending.pop(0)
            info = self.functions.get(name)
            if info is None or name in seen:
                continue
            seen.add(name)
            for read, (node, guarded) in info.reads.items():
                self.emit("use", read, call, guarded=guarded or self.guard_depth > 0,
                          via=Deferred(name, info.cell, node))
            pending.extend(sorted(info.calls))

    # ------------------------------------------------------------------ expressions
    def expr(self, node: ast.AST | None) -> None:
        if node is None:
            return
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self.load(node.id, node)
            elif isinstance(node.ctx, ast.Del):
                self.load(node.id, node)
            return
        if isinstance(node, ast.NamedExpr):
            self.expr(node.value)
            if isinstance(node.target, ast.Name):
                self.walrus(node.target)
            return
        if isinstance(node, ast.Lambda):
            self.arguments(node.args)
            return
        if isinstance(node, _COMPREHENSIONS):
            self.comprehension(node)
            return
        if isinstance(node, ast.Call):
            self.expr(node.func)
            for arg in node.args:
                self.expr(arg)
            for keyword in node.keywords:
                self.expr(keyword.value)
            self.special_call(node)
            self.call_site(node)
            return
        for child in ast.iter_child_nodes(node):
            self.expr(child)

    def walrus(self, target: ast.Name) -> None:
        """A walrus binds in the nearest enclosing function or module scope, even inside a comprehension."""
        saved = self.comprehension_locals
        self.comprehension_locals = []
        self.store(target.id, target)
        self.comprehension_locals = saved

    def comprehension(self, node) -> None:
        generators = node.generators
        self.expr(generators[0].iter)  # the first iterable runs in the enclosing scope
        local: set[str] = set()
        for gen in generators:
            local.update(n.id for n in ast.walk(gen.target) if isinstance(n, ast.Name))
        saved_class = self.class_locals
        self.class_locals = None  # a class body's names are invisible inside its comprehensions
        self.comprehension_locals.append(local)
        try:
            for i, gen in enumerate(generators):
                if i:
                    self.expr(gen.iter)
                for cond in gen.ifs:
                    self.expr(cond)
            if isinstance(node, ast.DictComp):
                self.expr(node.key)
                self.expr(node.value)
            else:
                self.expr(node.elt)
        finally:
            self.comprehension_locals.pop()
            self.class_locals = saved_class

    def arguments(self, args: ast.arguments) -> None:
        for default in list(args.defaults) + [d for d in args.kw_defaults if d is not None]:
            self.expr(default)
        if not self.future_annotations:
            for arg in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
                if arg is not None:
                    self.expr(arg.annotation)

    def special_call(self, call: ast.Call) -> None:
        """Calls that define names we cannot see: `exec(...)`, `globals().update(...)`, `%run` in exported code."""
        func = call.func
        if isinstance(func, ast.Name) and func.id in ("exec", "execfile"):
            self.opaque(f"`{func.id}()`", call)
        elif isinstance(func, ast.Attribute) and func.attr in ("update", "setdefault") and \
                _is_namespace_call(func.value):
            self.opaque("`globals().update()`", call)
        elif isinstance(func, ast.Attribute) and func.attr in ("run_line_magic", "magic") and call.args and \
                isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str) and \
                call.args[0].value.split()[:1] in (["run"], ["load"], ["store"], ["pylab"]):
            self.opaque(f"`%{call.args[0].value.split()[0]}`", call)

    # ------------------------------------------------------------------ targets
    def target(self, node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            self.store(node.id, node)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for elt in node.elts:
                self.target(elt)
        elif isinstance(node, ast.Starred):
            self.target(node.value)
        elif isinstance(node, ast.Subscript) and _is_namespace_call(node.value):
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                self.store(key.value, node)
            else:
                self.opaque("`globals()[...]` assignment", node)
        else:  # attribute or subscript: reads its base
            self.expr(node)

    # ------------------------------------------------------------------ statements
    def body(self, stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            self.stmt(stmt)

    def branch(self, stmts: list[ast.stmt]) -> None:
        self.branch_depth += 1
        try:
            self.body(stmts)
        finally:
            self.branch_depth -= 1

    def stmt(self, node: ast.stmt) -> None:
        method = getattr(self, f"stmt_{type(node).__name__}", None)
        if method is not None:
            method(node)
        else:
            for child in ast.iter_child_nodes(node):
                self.expr(child)

    def stmt_FunctionDef(self, node) -> None:
        for decorator in node.decorator_list:
            self.expr(decorator)
        self.arguments(node.args)
        if not self.future_annotations:
            self.expr(node.returns)
        if self.function is None:
            info = self.function_info(node)
            self.store(node.name, node)
            if self.class_locals is None and not self.comprehension_locals:
                self.functions[node.name] = info
            elif self.class_locals is not None and node.name in ("__init__", "__new__", "__post_init__"):
                self._class_init.append(info)
        else:
            self.store(node.name, node)

    stmt_AsyncFunctionDef = stmt_FunctionDef

    def function_info(self, node) -> FunctionInfo:
        """Walk a function body statically: which globals it reads, which globals it calls."""
        args = node.args
        params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg] if a}
        bound, declared = bindings(node.body)
        info = FunctionInfo(self.cell)  # type: ignore[arg-type]
        saved = (self.function, self.function_locals, self.class_locals, self.comprehension_locals, self.loop_bound,
                 self.guard_depth)
        self.function, self.function_locals = info, (params | bound | {"__class__"}) - declared
        self.class_locals, self.comprehension_locals, self.loop_bound, self.guard_depth = None, [], [], 0
        try:
            self.body(node.body)
        finally:
            (self.function, self.function_locals, self.class_locals, self.comprehension_locals, self.loop_bound,
             self.guard_depth) = saved
        for name in declared:  # `global x` then reading x: assume the function manages it, stay quiet
            info.reads.pop(name, None)
        for name in declared & bound:  # `global x; x = ...` defines x; count it from the definition on
            if self.function is None and self.class_locals is None:
                self.emit("def", name, node, conditional=True)
        return info

    def stmt_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.expr(expr)
        if self.function is not None:  # a class inside a function body: its body runs later, if ever
            self.store(node.name, node)
            return
        saved = self.class_locals, self._class_init
        self.class_locals, _ = bindings(node.body)
        self._class_init = []
        try:
            self.body(node.body)
            inits = self._class_init
        finally:
            self.class_locals, self._class_init = saved
        self.store(node.name, node)
        if self.class_locals is None and inits:
            merged = FunctionInfo(inits[0].cell)
            for init in inits:
                for name, value in init.reads.items():
                    merged.reads.setdefault(name, value)
                merged.calls |= init.calls
            self.functions[node.name] = merged

    def stmt_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.store(alias.asname or alias.name.split(".")[0], node)

    def stmt_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "__future__" and any(a.name == "annotations" for a in node.names):
            self.future_annotations = True
        for alias in node.names:
            if alias.name == "*":
                self.opaque(f"`from {'.' * node.level}{node.module or ''} import *`", node)
            else:
                self.store(alias.asname or alias.name, node)

    def stmt_Assign(self, node: ast.Assign) -> None:
        self.expr(node.value)
        for target in node.targets:
            self.target(target)

    def stmt_AugAssign(self, node: ast.AugAssign) -> None:
        self.expr(node.value)
        if isinstance(node.target, ast.Name):
            self.load(node.target.id, node.target)
        self.target(node.target)

    def stmt_AnnAssign(self, node: ast.AnnAssign) -> None:
        if not self.future_annotations:
            self.expr(node.annotation)
        if node.value is not None:
            self.expr(node.value)
            self.target(node.target)
        elif not isinstance(node.target, ast.Name):
            self.expr(node.target)

    def stmt_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.load(target.id, target)
                if self.function is None and self.class_locals is None:
                    self.emit("del", target.id, target, conditional=self.branch_depth > 0)
            else:
                self.expr(target)

    def loop(self, node, head: list[ast.AST], target: ast.AST | None) -> None:
        bound, _ = bindings(node.body + node.orelse)
        if target is not None:
            bound |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        if isinstance(node, ast.While):
            self.loop_bound.append(bound)  # the test runs again after the body
        for expr in head:
            self.expr(expr)
        if isinstance(node, ast.While):
            self.loop_bound.pop()
        self.branch_depth += 1
        self.loop_bound.append(bound)
        try:
            if target is not None:
                self.target(target)
            self.body(node.body)
        finally:
            self.loop_bound.pop()
            self.branch_depth -= 1
        self.branch(node.orelse)

    def stmt_For(self, node) -> None:
        self.loop(node, [node.iter], node.target)

    stmt_AsyncFor = stmt_For

    def stmt_While(self, node: ast.While) -> None:
        self.loop(node, [node.test], None)

    def stmt_If(self, node: ast.If) -> None:
        self.expr(node.test)
        test = node.test
        if not (isinstance(test, ast.Constant) and not test.value) and not _python2_only(test):
            self.branch(node.body)  # `if False:` and `if sys.version_info < (3,):` bodies never run
        self.branch(node.orelse)

    def stmt_With(self, node) -> None:
        for item in node.items:
            self.expr(item.context_expr)
            if item.optional_vars is not None:
                self.target(item.optional_vars)
        self.branch(node.body)

    stmt_AsyncWith = stmt_With

    def stmt_Try(self, node) -> None:
        guarded = any(_catches_name_error(h) for h in node.handlers)
        self.guard_depth += guarded
        try:
            self.branch(node.body)
        finally:
            self.guard_depth -= guarded
        for handler in node.handlers:
            self.expr(handler.type)
            if handler.name:
                self.store(handler.name, handler)
            self.branch(handler.body)
        self.branch(node.orelse)
        self.branch(node.finalbody)

    stmt_TryStar = stmt_Try

    def stmt_Match(self, node) -> None:
        self.expr(node.subject)
        for case in node.cases:
            self.branch_depth += 1
            try:
                self.pattern(case.pattern)
                self.expr(case.guard)
                self.body(case.body)
            finally:
                self.branch_depth -= 1

    def pattern(self, node: ast.AST) -> None:
        kind = type(node).__name__
        if kind == "MatchValue":
            self.expr(node.value)  # type: ignore[attr-defined]
            return
        if kind == "MatchClass":
            self.expr(node.cls)  # type: ignore[attr-defined]
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.pattern):
                self.pattern(child)
        name = getattr(node, "name", None) if kind in ("MatchAs", "MatchStar") else getattr(node, "rest", None) \
            if kind == "MatchMapping" else None
        if isinstance(name, str):
            self.store(name, node)

    def stmt_Global(self, node) -> None:
        pass

    stmt_Nonlocal = stmt_Global

    def stmt_Pass(self, node: ast.Pass) -> None:
        magic = self.magics.get(node.lineno)
        if magic is not None and self.function is None:
            self.line_magic(magic)

    # ------------------------------------------------------------------ IPython
    def line_magic(self, magic: Magic) -> None:
        words = _words(magic.text)
        if not words:
            return
        name, args = words[0], words[1:]
        if magic.kind == "line" and name in ("run", "load", "loadpy", "pylab"):
            self.opaque(f"`%{name}`", None, magic.line, magic.column)
        elif magic.kind == "line" and name == "store" and "-r" in args:
            names = [a for a in args if not a.startswith("-")]
            if not names:
                self.opaque("`%store -r`", None, magic.line, magic.column)
            for stored in names:
                self.store(stored, None, magic.line, magic.column)  # type: ignore[arg-type]
        elif magic.kind == "line" and name in _STATEMENT_MAGICS:
            self.statement_magic(magic, name)
        else:
            self.magic_outputs(magic.kind, name, args, magic.line, magic.column)

    def magic_outputs(self, kind: str, name: str, args: list[str], line: int, column: int) -> None:
        """Names a magic binds: `%%capture out`, `%%R -o x`, `%%bash --out x`, `%%sql result <<`."""
        outputs: list[str] = []
        if kind == "cell" and name == "capture":
            outputs += [a for a in args if not a.startswith("-")][:1]
        if kind == "cell" and name == "bigquery":  # `%%bigquery [options] [destination_var]`
            skip = False
            for arg in args:
                if skip:
                    skip = False
                elif arg.startswith("-"):
                    skip = arg.lstrip("-") in _BIGQUERY_VALUE_OPTIONS and "=" not in arg
                else:
                    outputs.append(arg)
                    break
        for i, arg in enumerate(args):
            if arg in ("-o", "--output", "--out", "--err", "--proc") and i + 1 < len(args):
                outputs += args[i + 1].split(",")
            elif arg == "<<" and i > 0:
                outputs.append(args[i - 1])
            elif arg.endswith("<<") and len(arg) > 2:
                outputs.append(arg[:-2])
        for output in outputs:
            if output.isidentifier():
                self.store(output, None, line, column)  # type: ignore[arg-type]

    def statement_magic(self, magic: Magic, name: str) -> None:
        """`%time x = fit()` runs its statement in the user namespace; `%timeit -n 3 f(x)` reads names."""
        statement = magic.text[len(name):].strip()
        if name == "timeit":
            statement = re.sub(r"^(?:-[nr]\s*\d+\s+|-[tcqo]\s+|-p\s*\d+\s+)*", "", statement)
        try:
            tree = ast.parse(statement)
        except (SyntaxError, ValueError, RecursionError):
            return
        raw_line = self.cell.raw.split("\n")[magic.line - 1] if self.cell else ""
        offset = max(raw_line.find(statement[:20]), 0) if statement else 0
        for sub in ast.walk(tree):
            if hasattr(sub, "lineno"):
                if sub.lineno == 1:
                    sub.col_offset += offset
                sub.lineno += magic.line - 1
        # The statement sits on the magic's own line: a `pass` in it (`%timeit for v in x: pass`) must not
        # be taken for the masked magic again, or the walk would recurse forever.
        masked = self.magics.pop(magic.line, None)
        try:
            self.body(tree.body)
        finally:
            if masked is not None:
                self.magics[magic.line] = masked

    def walk_cell(self, cell: Cell, tree: ast.Module | None) -> None:
        self.cell = cell
        self.magics = {m.line: m for m in cell.magics if m.kind != "cell"}
        for magic in cell.magics:
            if magic.kind == "cell":
                words = _words(magic.text.split("\n", 1)[0])
                if words:
                    self.magic_outputs("cell", words[0], words[1:], magic.line, magic.column)
        if tree is None:
            if cell.cell_magic is None:
                self.opaque("an unparsable cell", None)
            return
        self.body(tree.body)


def _words(text: str) -> list[str]:
    first = text.split("\n", 1)[0]
    try:
        return shlex.split(first)
    except ValueError:
        return first.split()


def global_name_events(parsed: list[tuple[Cell, ast.Module | None]]) -> Analysis:
    """The ordered def/use/del/opaque events of a unit's global names (see the module docstring)."""
    walker = _Walker()
    guarded: set[str] = set()
    for cell, tree in parsed:
        if tree is not None:
            guarded |= _namespace_test_names(tree)
        walker.walk_cell(cell, tree)
    return Analysis(walker.events, guarded)
