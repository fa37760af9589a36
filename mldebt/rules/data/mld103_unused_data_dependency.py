"""MLD103 unused-data-dependency."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from mldebt import knowledge as kb
from mldebt.facts.astindex import subtree, subtree_pruned
from mldebt.rules.base import Example, FileRule

_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_DYNAMIC = {"locals", "globals", "vars", "eval", "exec"}
_BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")
# Kinds of read whose value is data; a bare URL request may be a trigger, so only these count when discarded.
_DATA_READS = frozenset({"file", "model", "table", "url", "hf"})
_DISCARDED_KINDS = frozenset({"file", "model", "table"})
_CURSOR_EXECUTES = frozenset({"execute", "executemany", "exec_driver_sql"})

Key = tuple  # (cell order, line, column): statement order across a notebook's cells


def _key(cell, line: int, column: int) -> Key:
    return (cell.index or 0, line, column)


def _start(cell, node: ast.AST) -> Key:
    return _key(cell, node.lineno, node.col_offset)


def _end(cell, node: ast.AST) -> Key:
    return _key(cell, node.end_lineno or node.lineno, node.end_col_offset or 0)


@dataclass
class Candidate:
    """A statement that keeps a read's result in names (or discards it, for a bare expression)."""

    cell: object
    stmt: ast.stmt
    call: ast.Call
    event: object
    names: list[str]
    body: list  # the (cell, stmt) list the statement sits in, for "overwritten before use"
    index: int
    loops: list[tuple[Key, Key]]


@dataclass
class Scope:
    """Name loads of one scope (the notebook/module top level, or one function) with their order."""

    loads: dict[str, list[Key]] = field(default_factory=dict)
    anytime: set[str] = field(default_factory=set)  # loaded in nested functions/classes: order unknown
    declared: set[str] = field(default_factory=set)  # `global`/`nonlocal` names
    candidates: list[Candidate] = field(default_factory=list)
    dynamic: bool = False


class UnusedDataDependency(FileRule):
    """Data loaded and never used: a read whose result no later code references, or a column built and never
    reaching a model.

    ## What it flags
    A read of a file, model, table or URL (`df = pd.read_csv(...)`, `model = joblib.load(...)`,
    `spark.read.parquet(...)`) whose result is kept in a name that nothing later in the unit reads,
    or is overwritten before any use; and a read called as a bare statement whose result is thrown
    away. Def-use is followed in execution order across a notebook's cells, and inside each function.
    In a notebook, a bare read as the last statement of a cell is displayed, which is a use; a read
    assigned to a name that is never displayed, printed or used is flagged like any other.

    Also a column added to a DataFrame (`df["ratio"] = df.a / df.b`) that never reaches a model: the
    unit fits its models on that frame's data, but through a column selection that leaves the column out
    (`df[["a", "b"]]`, a literal `FEATURES` list, `df.drop(columns=["target", "ratio"])`), and nothing else
    in the unit names it (no `df["ratio"]`, `df.ratio`, `"ratio"` in a list or query).

    ## Why it is debt
    Sculley et al. §3, "Underutilized Data Dependencies": every input a system reads is one more thing
    that can move, break or change its meaning. A read nobody uses still makes the code fail when the
    file is missing or slow when it is large, and hides which inputs the model really depends on.

    ## Example
    A notebook loads `extra = pd.read_csv("extra.csv")` in one cell and never mentions `extra` again.
    A training script computes `df["ratio"] = df.a / df.b`, then fits on `df[["a", "b"]]`.

    ## Fix
    Delete the read (and the file from the pipeline's inputs), or use what it loads. Delete the column, or
    add it to the model's features if it was meant as one.

    ## Limits
    A bare read directly in a `try` body is taken as a probe that the input exists, not a dependency.
    Names used through `locals()`, `globals()`, `eval`, magics (`%store df`), `df.query("... @name")`
    or cells mldebt could not parse count as used. Reads inside branches are judged on the whole unit,
    not per path. At the top level of a `.py` file, UPPER_CASE names, names in `__all__`, and every
    name of a file that does no work at import time (only imports, definitions and assignments) are
    taken as exported for other modules. Columns are traced through the top-level statements of a unit:
    a column is reported only when its frame demonstrably reached a fit without it. Any use that cannot
    be followed (the frame passed to a function, plotted, saved, grouped, `apply`-ed, iterated) counts as
    reaching the model, and so does a column created inside a function or with a computed name.
    """

    id = "MLD103"
    name = "unused-data-dependency"
    family = "data-dependencies"
    severity = "warning"

    VALID = [
        # a bare read as the last statement of a cell is displayed: a use
        Example(["import pandas as pd", 'pd.read_csv("data/train.csv")',
                 'df = pd.read_csv("data/train.csv")', "df.describe()"]),
        Example("import pandas as pd\n\n\ndef load():\n    df = pd.read_csv('data/train.csv')\n    return df\n\n\n"
                "for path in ['a.csv', 'b.csv']:\n    part = pd.read_csv(path)\n    print(len(part))\n"),
        Example({  # a module whose loaded config is meant to be imported
            "settings.py": 'import yaml\n\nconfig = yaml.safe_load(open("config.yaml"))\n',
            "train.py": 'from settings import config\nprint(config["lr"])\n',
            "config.yaml": "lr: 0.1\n",
        }),
        # uses mldebt cannot order: a function reading the global, a magic, a pandas query's `@name`
        Example(["import pandas as pd", 'prev = pd.read_csv("prev.csv")', "def report():\n    print(prev.shape)",
                 "report()", 'kept = pd.read_csv("kept.csv")\n%store kept',
                 'ids = pd.read_csv("ids.csv")\nframe = pd.DataFrame({"id": [1]})\nframe.query("id in @ids")']),
    ]
    VALID.append(Example("from catboost import CatBoostRanker\nranker = CatBoostRanker()\n"
                         "ranker.load_model('models/ranker.cbm')\nprint(ranker.predict(X))\n",
                         note="an in-place load fills the object it is called on"))
    VALID.append(Example("def table_exists(spark, path):\n    try:\n"
                         "        spark.read.format('delta').load(path).limit(0)\n        return True\n"
                         "    except Exception:\n        return False\n",
                         note="a read that probes whether the input exists"))
    VALID.append(Example(
        "import pandas as pd\nfrom sklearn.linear_model import LinearRegression\n\n"
        "df = pd.read_csv('data/train.csv')\ndf['ratio'] = df['a'] / df['b']\n"
        "X = df.drop(columns=['target'])\nLinearRegression().fit(X, df['target'])\n",
        note="the new column stays in the frame the model is fitted on"))
    VALID.append(Example(
        ["import pandas as pd\nimport seaborn as sns\nfrom sklearn.linear_model import LinearRegression",
         "df = pd.read_csv('data/train.csv')\ndf['ratio'] = df['a'] / df['b']",
         "df = df[df.ratio < 10]", "LinearRegression().fit(df[['a', 'b']], df['target'])"],
        note="a helper column used to filter rows"))
    VALID.append(Example(
        "import pandas as pd\nfrom sklearn.linear_model import LinearRegression\n\n"
        "df = pd.read_csv('data/train.csv')\ndf['ratio'] = df['a'] / df['b']\ndf.to_parquet('data/features.parquet')\n"
        "LinearRegression().fit(df[['a', 'b']], df['target'])\n",
        note="the column is saved for other code"))
    INVALID = [
        Example(["import pandas as pd\nfrom sklearn.linear_model import LogisticRegression",
                 "df = pd.read_csv('data/train.csv')\ndf['ratio'] = df['a'] / df['b']",
                 "X = df.drop(columns=['target', 'ratio'])\nLogisticRegression().fit(X, df['target'])"], expect=1),
        Example("import pandas as pd\nfrom sklearn.ensemble import RandomForestClassifier\n"
                "from sklearn.model_selection import train_test_split\n\n"
                "FEATURES = ['a', 'b', 'a_squared']\ndf = pd.read_csv('data/train.csv')\n"
                "df['a_squared'] = df['a'] ** 2\ndf['ratio'] = df['a'] / df['b']\n"
                "X_train, X_test, y_train, y_test = train_test_split(df[FEATURES], df['target'], random_state=0)\n"
                "model = RandomForestClassifier(random_state=0).fit(X_train, y_train)\n"
                "print(model.score(X_test, y_test))\n", expect=1),
        Example(["import pandas as pd", 'train = pd.read_csv("data/train.csv")\nextra = pd.read_csv("data/extra.csv")',
                 'train.head()'], expect=1),
        Example("import joblib\nimport pandas as pd\n\n\ndef main():\n    df = pd.read_csv('data/train.csv')\n"
                "    old_model = joblib.load('models/old.joblib')\n    print(df.shape)\n\n\nmain()\n", expect=1),
        Example(['import pandas as pd\ndf = pd.read_csv("data/v1.csv")', 'df = pd.read_csv("data/v2.csv")\ndf.head()'],
                expect=1),
        Example('import pandas as pd\npd.read_parquet("data/features.parquet")\nprint("done")\n', expect=1),
    ]

    def check(self, ctx):
        trees = list(ctx.trees())
        if not trees or any(n.__class__ is ast.Name and n.id in _DYNAMIC for _, t in trees for n in subtree(t)):
            return
        yield from self.unused_reads(ctx, trees)
        if ctx.facts.fits:
            yield from self.unused_columns(ctx, trees)

    def unused_columns(self, ctx, trees):
        """Columns built and never reaching a model (see `mldebt.rules.data.unused_columns`)."""
        from mldebt.rules.data.unused_columns import unused_columns

        for created, (fit_cell, fit_call) in unused_columns(trees):
            target = created.stmt.targets[0]
            fit_text = _call_name(fit_call)
            where = f"cell {fit_cell.index}, line {fit_call.lineno}" if fit_cell.index else f"line {fit_call.lineno}"
            yield ctx.finding(self, created.cell, target,
                              f"column `{created.column}` is added to `{created.frame}` here but never reaches a "
                              f"model: `{fit_text}(...)` ({where}) is given columns of `{created.frame}` that leave "
                              f"it out, and nothing else in this unit reads it; it still costs computation and can "
                              f"still break the run: delete it, or feed it to the model if it was meant as a feature",
                              related=[ctx.related_at(fit_cell, fit_call, "the model is fitted here without it")])

    def unused_reads(self, ctx, trees):
        reads = {}
        for event in ctx.facts.io:
            if event.direction == "read" and event.kind in _DATA_READS and event.api not in kb.SIDE_EFFECT_READS \
                    and not event.api.startswith(("%", "!")) and not event.via:  # reads inside helpers are theirs
                reads[(event.pos.cell, event.pos.line, event.pos.column)] = event
        if not reads:
            return
        # a read alone in a `try` body probes that the input exists (`except: return False`): its result is
        # not the point
        self.probes = {id(s) for _, t in trees for n in subtree(t) if n.__class__ is ast.Try for s in n.body}
        opaque = self.opaque_text(ctx)
        module = Scope()
        body = [(cell, stmt) for cell, tree in trees for stmt in tree.body]
        scopes = [module]
        self.visit(body, module, scopes, [], reads, ctx)
        exported = self.exported(ctx, body)
        for scope in scopes:
            if scope.dynamic:
                continue
            for candidate in scope.candidates:
                if scope is module and (candidate.names and all(n in exported for n in candidate.names)):
                    continue
                if any(n in scope.anytime or n in scope.declared or opaque(n)
                       for n in candidate.names):
                    continue
                message = self.unused(candidate, scope)
                if message:
                    yield ctx.finding(self, candidate.cell, candidate.call, message)

    # ------------------------------------------------------------------ walking
    def visit(self, body: list, scope: Scope, scopes: list, loops: list, reads: dict, ctx) -> None:
        for index, (cell, stmt) in enumerate(body):
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in stmt.decorator_list + stmt.args.defaults + [d for d in stmt.args.kw_defaults if d]:
                    self.record_loads(cell, node, scope)
                inner = Scope()
                scopes.append(inner)
                for node in subtree(stmt):
                    if node.__class__ is ast.Global or node.__class__ is ast.Nonlocal:
                        inner.declared.update(node.names)
                self.visit([(cell, s) for s in stmt.body], inner, scopes, [], reads, ctx)
                scope.anytime.update(inner.loads)
                scope.anytime.update(inner.anytime)
                continue
            if isinstance(stmt, ast.ClassDef):  # class attributes are reachable from outside: no candidates
                scope.anytime.update(_loaded_names(stmt))
                for sub in stmt.body:
                    if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        self.visit([(cell, sub)], Scope(), scopes, [], reads, ctx)
                continue
            self.record_loads(cell, stmt, scope)
            self.collect(cell, stmt, body, index, scope, loops, reads, ctx)
            inner_loops = loops + [(_start(cell, stmt), _end(cell, stmt))] \
                if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)) else loops
            for field_name in ("body", "orelse", "finalbody"):
                sub = getattr(stmt, field_name, None)
                if isinstance(sub, list) and sub and isinstance(sub[0], ast.stmt):
                    self.visit([(cell, s) for s in sub], scope, scopes, inner_loops, reads, ctx)
            for handler in getattr(stmt, "handlers", []):
                self.visit([(cell, s) for s in handler.body], scope, scopes, inner_loops, reads, ctx)
            for case in getattr(stmt, "cases", []):
                self.visit([(cell, s) for s in case.body], scope, scopes, inner_loops, reads, ctx)

    def record_loads(self, cell, node: ast.AST, scope: Scope) -> None:
        """Name loads in `node` with their order; loads inside nested functions/lambdas count any time.
        Compound statements contribute only their header here (their bodies are visited statement by statement)."""
        if isinstance(node, ast.stmt):  # the header only: the root's own blocks are not walked here
            if node.__class__ is ast.Global or node.__class__ is ast.Nonlocal:
                scope.declared.update(node.names)
            roots = [child for name, value in ast.iter_fields(node) if name not in _BLOCK_FIELDS
                     for child in (value if isinstance(value, list) else [value]) if isinstance(child, ast.AST)]
        else:
            roots = [node]
        loads = scope.loads
        for root in roots:  # the order of loads does not matter: `unused` asks whether any comes later
            for current in subtree_pruned(root, _NESTED):
                cls = current.__class__
                if cls is ast.Name:
                    if current.ctx.__class__ is ast.Load:
                        loads.setdefault(current.id, []).append(_start(cell, current))
                elif isinstance(current, _NESTED):
                    scope.anytime.update(_loaded_names(current))

    def collect(self, cell, stmt: ast.stmt, body: list, index: int, scope: Scope, loops: list, reads: dict,
                ctx) -> None:
        """Record the statement as a candidate if it keeps (or drops) a read's result."""
        pairs: list[tuple[list[str], ast.AST]] = []
        if isinstance(stmt, ast.Assign):
            target = stmt.targets[0] if len(stmt.targets) == 1 else None
            if isinstance(target, ast.Tuple) and isinstance(stmt.value, ast.Tuple) and \
                    len(target.elts) == len(stmt.value.elts):
                pairs = [([t.id], v) for t, v in zip(target.elts, stmt.value.elts) if isinstance(t, ast.Name)]
            elif all(isinstance(t, ast.Name) for t in stmt.targets):
                pairs = [([t.id for t in stmt.targets], stmt.value)]
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            pairs = [([stmt.target.id], stmt.value)]
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            call = stmt.value
            event = reads.get((cell.index, call.lineno, call.col_offset + 1))
            if event is not None and (event.pos.end_line, event.pos.end_column) != \
                    (call.end_lineno, (call.end_col_offset or 0) + 1):
                event = None  # the read starts a chain that uses it: `pd.read_csv(a).dropna().to_csv(b)`
            if isinstance(call.func, ast.Attribute) and call.func.attr in _CURSOR_EXECUTES:
                event = None  # DB-API: the rows stay in the cursor for `fetchone()`/`fetchall()`
            if event is not None and event.kind in _DISCARDED_KINDS and not self.displayed(ctx, cell, stmt) \
                    and id(stmt) not in self.probes:
                scope.candidates.append(Candidate(cell, stmt, stmt.value, event, [], body, index, loops))
            return
        for names, value in pairs:
            if any(n == "_" for n in names):
                continue
            for node in ast.walk(value):
                if isinstance(node, _NESTED):
                    break
                if isinstance(node, ast.Call):
                    event = reads.get((cell.index, node.lineno, node.col_offset + 1))
                    if event is not None:
                        scope.candidates.append(Candidate(cell, stmt, node, event, names, body, index, loops))
                        break

    @staticmethod
    def displayed(ctx, cell, stmt: ast.stmt) -> bool:
        """A notebook cell's last top-level expression is shown as the cell's output."""
        if not ctx.is_notebook:
            return False
        return any(c is cell and tree is not None and tree.body and tree.body[-1] is stmt for c, tree in ctx.parsed)

    # ------------------------------------------------------------------ judging
    def unused(self, candidate: Candidate, scope: Scope) -> str | None:
        event = candidate.event
        what = f"{event.api}({event.text})" if event.text else event.api
        if not candidate.names:
            return (f"the result of {what} is thrown away: the code still depends on that input (it fails when "
                    f"it is missing, slows when it grows) for nothing; remove the read or use its result")
        cell, stmt = candidate.cell, candidate.stmt
        after = _end(cell, stmt)
        killer = self.overwrite(candidate)
        until = _end(killer[0], killer[1]) if killer else None
        for name in candidate.names:
            for key in scope.loads.get(name, []):
                if key > after and (until is None or key <= until):
                    return None
                if until is None and any(start <= key <= end for start, end in candidate.loops):
                    return None
        shown = ", ".join(f"`{n}`" for n in candidate.names)
        if killer:
            kcell, kstmt = killer
            at = f"cell {kcell.index}, line {kstmt.lineno}" if kcell.index else f"line {kstmt.lineno}"
            return (f"{shown} loads {what} but is overwritten at {at} before any use: the read is dead, yet "
                    f"the code still fails if that input is missing; remove it")
        return (f"{shown} loads {what} but is never used afterwards: an unused data dependency still breaks "
                f"this code when the input moves or changes; remove the read or use it")

    @staticmethod
    def overwrite(candidate: Candidate):
        """The first later statement of the same block that plainly re-assigns every name, if any."""
        names = set(candidate.names)
        for cell, stmt in candidate.body[candidate.index + 1:]:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                    and {stmt.targets[0].id} == names:
                return cell, stmt
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None \
                    and {stmt.target.id} == names:
                return cell, stmt
        return None

    @staticmethod
    def opaque_text(ctx):
        """A predicate: is the name mentioned where mldebt cannot follow it (magics, unparsed cells, `@name`)?"""
        texts = []
        for cell, tree in ctx.parsed:
            texts.extend(m.text for m in cell.magics)
            if tree is None:
                texts.append(cell.raw)
            else:
                texts.extend(n.value for n in subtree(tree) if n.__class__ is ast.Constant
                             and isinstance(n.value, str) and "@" in n.value)
        blob = "\n".join(texts)
        return lambda name: bool(blob) and re.search(rf"(?<![\w.]){re.escape(name)}\b", blob) is not None

    @staticmethod
    def exported(ctx, body: list) -> set[str]:
        """Top-level names of a .py file that other modules may import."""
        if ctx.is_notebook:
            return set()
        names: set[str] = set()
        works = False
        for _, stmt in body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name) and target.id == "__all__" and \
                            isinstance(stmt.value, (ast.List, ast.Tuple)):
                        names.update(e.value for e in stmt.value.elts if isinstance(e, ast.Constant))
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                names.update(t.id for t in targets if isinstance(t, ast.Name) and t.id.isupper())
            elif isinstance(stmt, ast.Expr) and not (isinstance(stmt.value, ast.Constant)
                                                     and isinstance(stmt.value.value, str)):
                works = True
            elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try)):
                works = True
            elif isinstance(stmt, ast.If) and not _is_main_guard(stmt):
                works = True
        if not works:  # a file that only defines things: all its top-level names are there to be imported
            names.update(t.id for _, s in body if isinstance(s, (ast.Assign, ast.AnnAssign))
                         for t in (s.targets if isinstance(s, ast.Assign) else [s.target]) if isinstance(t, ast.Name))
        return names


def _call_name(call: ast.Call) -> str:
    """`model.fit`, `RandomForestClassifier(...).fit`, `cross_val_score`: a short name for a call."""
    func = call.func
    if isinstance(func, ast.Attribute):
        receiver = func.value
        if isinstance(receiver, ast.Name):
            return f"{receiver.id}.{func.attr}"
        if isinstance(receiver, ast.Call):
            return f"{ast.unparse(receiver.func)}(...).{func.attr}"
        return f".{func.attr}"
    return ast.unparse(func)


def _loaded_names(node: ast.AST) -> list[str]:
    return [n.id for n in subtree(node) if n.__class__ is ast.Name and n.ctx.__class__ is ast.Load]


def _is_main_guard(stmt: ast.If) -> bool:
    test = stmt.test
    return isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
