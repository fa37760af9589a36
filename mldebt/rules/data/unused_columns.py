"""Columns built and never reaching a model (the second half of MLD103).

`df["ratio"] = df.a / df.b` adds a feature; if the model is then fitted on `df[["a", "b"]]` (or on
`df.drop(columns=["ratio", ...])`) and nothing else ever names `ratio`, the column is computed for nothing:
an underutilised data dependency that still costs time and can still break.

The tracing is a small abstract interpretation of a unit's top-level statements in execution order
(notebook cells in order). Every value held by a name carries a set of *tokens*: one per column created
at the top level (statement, column) plus one per created-on frame (statement, None). Assignments pass
tokens along; an explicit column selection (`df[["a", "b"]]`, `df["a"]`, `df[FEATURES]` with a literal
list) keeps only the columns it names (and the frame token); `drop` removes the columns it names. A token
*reaches* something when a value carrying it is given to a fit (`fit`, `fit_transform`, `train`...),
or escapes where it cannot be followed: any other call taking it (a function of this unit, a plotting
or saving call, `xgb.DMatrix`), a `return`, a container or attribute store, a method other than a few
known inspections (`head`, `describe`...). Everything not understood counts as reaching, so the rule
stays quiet where it cannot be sure.

A column is reported when its frame token reached a fit (the data went to a model) but its own token
reached nothing, and the column's name appears nowhere else in the unit (no `df["ratio"]`, `df.ratio`,
`"ratio"` in a list), except in the `drop` that removes it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from mldebt import knowledge as kb

Token = tuple  # (id of the creating statement, column name or None for the frame itself)

# Methods that return the same columns (rows filtered, values converted): tokens pass through.
_PRESERVING = frozenset({"copy", "dropna", "fillna", "reset_index", "set_index", "sort_values", "sort_index",
                         "astype", "to_numpy", "head", "tail", "sample", "query", "replace", "clip", "round",
                         "abs", "interpolate", "ffill", "bfill", "drop_duplicates", "reindex", "rename_axis"})
# Calls that only look at a frame (notebook inspection): nothing reaches anything.
_INSPECTIONS = frozenset({"head", "tail", "describe", "info", "sample", "nunique", "isna", "isnull", "count",
                          "memory_usage", "print", "display", "len", "repr", "type"})
_NON_DATA_ATTRIBUTES = frozenset({"shape", "columns", "dtypes", "index", "ndim", "size", "empty"})
_FIT_CALLS = kb.FIT_METHODS | {"cross_val_score", "cross_validate", "cross_val_predict", "learning_curve",
                               "validation_curve", "permutation_test_score"}
# Functions that split, stack or wrap data without looking at its columns: tokens pass through.
_PASS_THROUGH = frozenset({"train_test_split", "concat", "array", "asarray", "DataFrame", "vstack", "hstack",
                           "column_stack", "shuffle", "resample"})


@dataclass
class Created:
    cell: object
    stmt: ast.Assign
    frame: str
    column: str


@dataclass
class Tracer:
    lists: dict[str, list[str]]  # names bound once to a literal list of column names
    env: dict[str, frozenset] = field(default_factory=dict)
    created: list[Created] = field(default_factory=list)
    reached: set = field(default_factory=set)  # tokens that reached anything
    to_model: set = field(default_factory=set)  # tokens that reached a fit
    fits: dict = field(default_factory=dict)  # frame token -> (cell, fit call) where it reached a model
    functions: dict[str, set[str]] = field(default_factory=dict)  # functions of the unit -> names they load
    cell: object = None

    # ------------------------------------------------------------------ values
    def carried(self, node: ast.AST | None) -> frozenset:
        """The tokens an expression's value carries; escapes inside it are recorded as it is read."""
        if node is None:
            return frozenset()
        if isinstance(node, ast.Name):
            return self.env.get(node.id, frozenset())
        if isinstance(node, ast.Subscript):
            base = self.carried(node.value)
            columns = self.columns(node.slice)
            if columns is not None:
                return frozenset(t for t in base if t[1] is None or t[1] in columns)
            self.escape(node.slice)
            return base
        if isinstance(node, ast.Attribute):
            if node.attr in _NON_DATA_ATTRIBUTES:
                return frozenset()
            return self.carried(node.value)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, (ast.Constant, ast.JoinedStr)):
            return frozenset()
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            self.escape_all(node)
            return frozenset()
        out: frozenset = frozenset()
        for child in ast.iter_child_nodes(node):
            out |= self.carried(child)
        return out

    def columns(self, index: ast.AST) -> set[str] | None:
        """The column names a subscript selects, when they are literal (`"a"`, `["a", "b"]`, a literal list)."""
        if isinstance(index, ast.Constant) and isinstance(index.value, str):
            return {index.value}
        if isinstance(index, (ast.List, ast.Tuple)) and index.elts and \
                all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in index.elts):
            return {e.value for e in index.elts}
        if isinstance(index, ast.Name) and index.id in self.lists:
            return set(self.lists[index.id])
        return None

    def call(self, node: ast.Call) -> frozenset:
        func = node.func
        args = list(node.args) + [k.value for k in node.keywords]
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if isinstance(func, ast.Attribute):
            receiver = self.carried(func.value)
            if name == "drop":
                dropped = _dropped(node)
                if dropped is not None:
                    return frozenset(t for t in receiver if t[1] not in dropped)
                self.escape_args(args)
                return receiver
            if name in _PRESERVING or name in _INSPECTIONS:
                self.escape_args(args)
                return receiver
            if name in _FIT_CALLS:
                self.model_sink(args, node)
                self.reach(receiver)  # `pipeline.fit(X)` on an object built from frames: it uses them
                return frozenset()
            self.reach(receiver)  # any other method may use every column (`to_csv`, `merge`, `groupby`...)
            self.escape_args(args)
            return receiver
        if name in _FIT_CALLS:
            self.model_sink(args, node)
            return frozenset()
        held = [self.carried(a) for a in args]
        if name in _INSPECTIONS:
            return frozenset()
        if name in _PASS_THROUGH:
            return frozenset().union(*held)
        for tokens in held:  # any other function (a helper of this unit, plotting, `xgb.DMatrix`) may use them
            self.reach(tokens)
        if isinstance(func, ast.Name) and func.id in self.functions:
            for global_name in self.functions[func.id]:  # and what the helper reads of the unit's globals
                self.reach(self.env.get(global_name, frozenset()))
        return frozenset().union(*held)

    # ------------------------------------------------------------------ sinks
    def reach(self, tokens: frozenset) -> None:
        self.reached |= tokens

    def escape(self, node: ast.AST | None) -> None:
        self.reach(self.carried(node))

    def escape_args(self, args: list[ast.AST]) -> None:
        for a in args:
            self.escape(a)

    def escape_all(self, node: ast.AST) -> None:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name):
                self.reach(self.env.get(sub.id, frozenset()))

    def model_sink(self, args: list[ast.AST], call: ast.Call) -> None:
        for a in args:
            tokens = self.carried(a)
            self.reach(tokens)
            self.to_model |= tokens
            for token in tokens:
                if token[1] is None:
                    self.fits.setdefault(token, (self.cell, call))

    # ------------------------------------------------------------------ statements
    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            column = _created_column(target)
            if column is not None:
                frame = target.value.id  # type: ignore[attr-defined]
                value = self.carried(stmt.value)
                self.reach(value)  # the new column is computed from these
                token = (id(stmt), column)
                self.env[frame] = self.env.get(frame, frozenset()) | {token, (id(stmt), None)}
                self.created.append(Created(self.cell, stmt, frame, column))
                return
            value = self.carried(stmt.value)
            self.bind(target, value)
            return
        if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) and stmt.value is not None:
            value = self.carried(stmt.value)
            if isinstance(stmt.target, ast.Name):
                old = self.env.get(stmt.target.id, frozenset()) if isinstance(stmt, ast.AugAssign) else frozenset()
                self.env[stmt.target.id] = old | value
            else:
                self.reach(value)
            return
        if isinstance(stmt, ast.Expr):
            call = stmt.value
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "drop" \
                    and _kw_true(call, "inplace") and isinstance(call.func.value, ast.Name):
                dropped = _dropped(call)
                name = call.func.value.id
                if dropped is not None:
                    self.env[name] = frozenset(t for t in self.env.get(name, frozenset()) if t[1] not in dropped)
                    return
            self.carried(stmt.value)  # a bare expression: a displayed value only looks at it
            return
        if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try)):
            for name, value in ast.iter_fields(stmt):
                if name in ("body", "orelse", "finalbody"):
                    for sub in value:
                        self.statement(sub)
                elif name == "handlers":
                    for handler in value:
                        for sub in handler.body:
                            self.statement(sub)
                elif name == "items":
                    for item in value:
                        self.escape(item.context_expr)
                elif isinstance(value, ast.AST) and not isinstance(value, ast.expr_context):
                    self.escape(value)  # a loop's iterable, a test: may use every column
            return
        if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Pass, ast.Break, ast.Continue, ast.Global,
                             ast.Nonlocal)):
            return
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.functions[stmt.name] = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)}
            return
        self.escape_all(stmt)  # returns, deletes, definitions, class bodies, raise: whatever they touch escapes

    def bind(self, target: ast.AST, value: frozenset) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:  # `X_train, X_test = train_test_split(X)`: each part may hold all
                self.bind(element.value if isinstance(element, ast.Starred) else element, value)
        else:
            self.reach(value)  # stored into a container or attribute: no longer followed
            self.escape(target)


def _created_column(target: ast.AST) -> str | None:
    """`df["col"] = ...` on a plain name: the column's name."""
    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and \
            isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str):
        return target.slice.value
    return None


def _kw_true(call: ast.Call, name: str) -> bool:
    return any(k.arg == name and isinstance(k.value, ast.Constant) and k.value.value is True for k in call.keywords)


def _dropped(call: ast.Call) -> set[str] | None:
    """Columns a `drop` call removes, when literal (`columns=[...]`, or labels with `axis=1`)."""
    def names(node: ast.AST | None) -> set[str] | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, (ast.List, ast.Tuple)) and all(isinstance(e, ast.Constant) and isinstance(e.value, str)
                                                            for e in node.elts):
            return {e.value for e in node.elts}
        return None

    keywords = {k.arg: k.value for k in call.keywords}
    if "columns" in keywords:
        return names(keywords["columns"])
    axis = keywords.get("axis")
    by_columns = isinstance(axis, ast.Constant) and axis.value in (1, "columns")
    if by_columns:
        return names(call.args[0] if call.args else keywords.get("labels"))
    return set() if call.args or "index" in keywords or "labels" in keywords else None


def literal_lists(trees: list[tuple[object, ast.Module]]) -> dict[str, list[str]]:
    """Names bound exactly once, to a literal list of strings, and never changed in place: column lists."""
    bound: dict[str, list] = {}
    changed: set[str] = set()
    for _, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            bound.setdefault(name.id, []).append(node.value if target is name else None)
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and isinstance(node.target, ast.Name):
                changed.add(node.target.id)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    isinstance(node.func.value, ast.Name) and node.func.attr in ("append", "extend", "insert",
                                                                                 "remove", "pop", "clear"):
                changed.add(node.func.value.id)
            elif isinstance(node, (ast.For, ast.comprehension)):
                for name in ast.walk(node.target):
                    if isinstance(name, ast.Name):
                        changed.add(name.id)
    out = {}
    for name, values in bound.items():
        value = values[0] if len(values) == 1 else None
        if name not in changed and isinstance(value, (ast.List, ast.Tuple)) and value.elts and \
                all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts):
            out[name] = [e.value for e in value.elts]
    return out


def mentions(trees: list[tuple[object, ast.Module]], created: list[Created]) -> set[str]:
    """Column names mentioned anywhere except where they are created or dropped: string constants (also in
    f-strings and column lists) and attribute names (`df.ratio`)."""
    exempt: set[int] = set()
    for c in created:
        exempt.add(id(c.stmt.targets[0].slice))  # type: ignore[attr-defined]
    for _, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "drop":
                for sub in ast.walk(node):
                    exempt.add(id(sub))
    found: set[str] = set()
    for _, tree in trees:
        for node in ast.walk(tree):
            if id(node) in exempt:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
                found.update(node.value.replace(",", " ").split())  # `df.query("ratio > 1")`, "a b" lists
            elif isinstance(node, ast.Attribute):
                found.add(node.attr)
            elif isinstance(node, ast.keyword) and node.arg:
                found.add(node.arg)  # `df.assign(ratio=...)`, `dict(ratio=...)`
    return found


def unused_columns(trees: list[tuple[object, ast.Module]]) -> list[tuple[Created, tuple]]:
    """(created column, (cell, fit call) where its frame reached a model) for each column never used."""
    tracer = Tracer(literal_lists(trees))
    for cell, tree in trees:
        tracer.cell = cell
        for stmt in tree.body:
            tracer.statement(stmt)
    if not tracer.created:
        return []
    named = mentions(trees, tracer.created)
    out = []
    seen: set[tuple[str, str]] = set()
    for created in tracer.created:
        token = (id(created.stmt), created.column)
        frame = (id(created.stmt), None)
        if token in tracer.reached or frame not in tracer.to_model or created.column in named:
            continue
        key = (created.frame, created.column)
        if key in seen:
            continue
        seen.add(key)
        out.append((created, tracer.fits[frame]))
    return out
