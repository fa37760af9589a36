"""Intra-unit dataflow for the leakage rules: which value is derived from which, across cells, in order.

Every value a statement produces becomes a `Node` whose parents are the values it was computed from
(`X = df.drop("y", axis=1)` derives X from df). A handful of operations get nodes of their own kind
because the leakage rules reason about them: reads and unknown names (roots), estimator objects, splits
(`train_test_split`, `KFold.split`, slices into `train`/`test` names), fitted transforms and their
outputs, predictions, scores, and pandas statistics. Calls of functions defined in the same unit are
followed into their body with the arguments bound (depth-limited), so `X = preprocess(df)` is as
transparent as inline code.

The interpretation is sequential and flow-insensitive inside branches (both arms of an `if` run, a loop
body runs once), like the fact extractor: good enough to tell "fitted before the split" from "after".
Nodes are immutable; rebinding a name (including `df["x"] = ...` or `inplace=True`) makes a new node.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Iterable, Union

from mldebt import knowledge as kb
from mldebt.sources.model import Cell

MAX_INLINE_DEPTH = 4


@dataclass
class Site:
    """Where something happened: the cell and AST node, plus the call sites of inlined functions."""

    cell: Cell
    node: ast.AST
    via: tuple = ()  # ((cell, call node), ...) outermost first

    @property
    def line(self) -> int:
        return getattr(self.node, "lineno", 1)


@dataclass
class Node:
    id: int
    kind: str  # root, derive, object, split, transform, predict, score, stat, loopvar, update
    parents: tuple[int, ...]
    site: Site | None
    label: str = ""
    loops: tuple[int, ...] = ()
    role: str | None = None  # split outputs: "train" / "test"
    event: int | None = None  # split outputs: index into Flow.splits; transform outputs: index into Flow.fits
    cls: str | None = None  # objects: class name (last component)
    category: str | None = None  # objects: transformer, stateless, model, search, oversampler, splitter...
    hyper: tuple[int, ...] = ()  # objects: nodes passed as hyperparameters (not seeds)
    stat_of: int | None = None  # stat nodes: the data the statistic summarises
    model: int | None = None  # predict nodes: the model object
    data: int | None = None  # predict nodes: the data predicted on
    fit: int | None = None  # predict nodes: the model's fit at prediction time
    read: bool = False  # roots produced by a file or table read


@dataclass
class Fit:
    """A fit of an object: a transformer/model `.fit`, or a pandas statistic used to fill or rescale."""

    obj: int | None
    category: str  # transformer, statistic, model, search, oversampler, ...
    cls: str
    method: str
    data: int | None
    site: Site
    seq: int
    loops: tuple[int, ...] = ()
    outputs: list[int] = field(default_factory=list)  # values produced by applying this fit
    validation: bool = False  # fit() was given validation_data / validation_split


@dataclass
class Split:
    api: str
    kind: str  # "function", "folds", "slice", "cv"
    inputs: list[int]
    outputs: list[int]
    site: Site
    seq: int
    estimator: int | None = None  # cv: the estimator evaluated by cross-validation


@dataclass
class Evaluation:
    model: int
    data: int | None
    api: str
    site: Site
    seq: int
    loops: tuple[int, ...]
    fit: int | None  # index into Flow.fits: the model's fit the evaluation sees
    arg_name: str | None = None  # the variable name used for the evaluated data, if a plain name
    score: int | None = None  # the node holding the result
    cv: bool = False  # cross-validation of the estimator (out-of-sample by construction)


@dataclass
class Resample:
    api: str
    inputs: list[int]
    outputs: list[int]
    site: Site
    seq: int


@dataclass
class Selection:
    api: str
    operands: list[int]
    site: Site
    loops: tuple[int, ...]


@dataclass
class Loop:
    site: Site
    targets: list[int]  # the loop variables' nodes


class Multi(list):
    """Several values returned at once (`train_test_split`, a tuple returned by a function)."""


Value = Union[int, Multi, None]

_LOOP_SCOPES = (ast.For, ast.AsyncFor, ast.While)


def _last(qual: str | None) -> str:
    return (qual or "").rsplit(".", 1)[-1]


def _words(name: str) -> list[str]:
    """`X_train_scaled` -> ["x", "train", "scaled"]; `trainX` -> ["train", "x"]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+|(?<=[a-z])(?=[0-9])", spaced.lower()) if w]


def name_role(name: str | None) -> str | None:
    """"train", "test" or "val" from a variable name (`X_train`, `df_test`, `xval`), else None."""
    if not name:
        return None
    words = _words(name)
    for word in words:
        if word in kb.VALIDATION_NAME_HINTS or word.startswith("valid"):
            return "val"
    for word in words:
        if word in kb.TEST_NAME_HINTS or word.startswith("test"):
            return "test"
        if word in kb.TRAIN_NAME_HINTS or word.startswith("train"):
            return "train"
    low = name.lower()
    for prefix, role in (("xval", "val"), ("yval", "val"), ("xtest", "test"), ("ytest", "test"),
                         ("xtrain", "train"), ("ytrain", "train")):
        if low.startswith(prefix):
            return role
    return None


def _hint(name: str | None, hints: Iterable[str]) -> bool:
    if not name:
        return False
    words = _words(name)
    return any(w in hints or any(w.startswith(h) for h in hints if len(h) > 3) for w in words)


class Flow:
    """The result: nodes and events of one unit, with ancestry queries."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.fits: list[Fit] = []
        self.splits: list[Split] = []
        self.evaluations: list[Evaluation] = []
        self.resamples: list[Resample] = []
        self.selections: list[Selection] = []
        self.loops: list[Loop] = []
        self._roots: dict[int, frozenset[int]] = {}
        self._anchors: dict[int, frozenset[int]] = {}

    # ---------------------------------------------------------------- ancestry
    def ancestors(self, node: int, through_stats: bool = True) -> set[int]:
        """Every value `node` was computed from (itself included). With `through_stats=False`, only the
        values whose *rows* it carries: `test - train.mean()` holds test's rows, not train's."""
        seen: set[int] = set()
        stack = [node]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            if through_stats or self.nodes[current].kind != "stat" or current == node:
                stack.extend(self.nodes[current].parents)
        return seen

    def lineage(self, node: int) -> set[int]:
        return self.ancestors(node, through_stats=False)

    def roots(self, node: int) -> frozenset[int]:
        """The parentless values `node` was computed from (reads, unknown names, data constructors)."""
        if node not in self._roots:
            self._roots[node] = frozenset(n for n in self.lineage(node) if not self.nodes[n].parents)
        return self._roots[node]

    def anchors(self, node: int) -> frozenset[int]:
        """What data `node` *is*: its nearest split outputs, or, if it was never split, its roots."""
        if node not in self._anchors:
            found = self.nearest(node, "split")
            self._anchors[node] = frozenset(found) if found else self.roots(node)
        return self._anchors[node]

    def split_of(self, node: int) -> Split | None:
        """The split that produced the data `node` is (its first split anchor), if any."""
        for anchor in sorted(self.anchors(node)):
            if self.nodes[anchor].kind == "split" and self.nodes[anchor].event is not None:
                return self.splits[self.nodes[anchor].event]  # type: ignore[index]
        return None

    def split_derived(self, node: int) -> bool:
        return any(self.nodes[n].kind == "split" for n in self.lineage(node))

    def nearest(self, node: int, kind: str, limit: int = 100_000) -> set[int]:
        """Nearest ancestors-or-self of a kind (search does not continue past them)."""
        found: set[int] = set()
        seen: set[int] = set()
        stack = [node]
        while stack and len(seen) < limit:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            if self.nodes[current].kind == kind:
                found.add(current)
            elif self.nodes[current].kind != "stat" or current == node:
                stack.extend(self.nodes[current].parents)
        return found


class Interpreter:
    """Walks a unit's statements in order and builds its `Flow`."""

    def __init__(self) -> None:
        self.flow = Flow()
        self.env: dict[str, Value] = {}
        self.aliases: dict[str, str] = {}
        self.functions: dict[str, tuple[ast.FunctionDef, Cell]] = {}
        self.called: set[str] = set()
        self.fitted: dict[int, int] = {}  # object node -> index of its latest fit
        self.cell: Cell | None = None
        self.loop_stack: list[int] = []
        self.via: tuple = ()
        self.inline_stack: list[str] = []
        self.returns: list[list[Value]] = []
        self.mutated: list[set[str]] = []
        self.negated_masks: set[str] = set()  # masks also used negated as an index (`x[~m]`): a split by `m`
        self.mask_splits: dict[str, list[int]] = {}  # mask -> its [train, test] split nodes

    # ---------------------------------------------------------------- nodes
    def site(self, node: ast.AST) -> Site:
        return Site(self.cell, node, self.via)  # type: ignore[arg-type]

    def seq(self) -> int:
        return len(self.flow.nodes)

    def new(self, kind: str, parents: Iterable[int], node: ast.AST | None, label: str = "", **extra) -> int:
        nid = len(self.flow.nodes)
        unique = tuple(dict.fromkeys(p for p in parents if p is not None))
        self.flow.nodes.append(Node(nid, kind, unique, self.site(node) if node is not None else None, label,
                                    tuple(self.loop_stack), **extra))
        return nid

    def collapse(self, value: Value, node: ast.AST | None = None) -> int | None:
        if isinstance(value, Multi):
            parts = [self.collapse(v) for v in value]
            parts = [p for p in parts if p is not None]
            if not parts:
                return None
            return parts[0] if len(parts) == 1 else self.new("derive", parts, node)
        return value

    def derive(self, parents: Iterable[Value], node: ast.AST | None) -> int | None:
        """A plain derivation: one parent is the same value, several make a new node, none is a constant."""
        flat = []
        for p in parents:
            c = self.collapse(p, node)
            if c is not None and c not in flat:
                flat.append(c)
        if not flat:
            return None
        if len(flat) == 1:
            return flat[0]
        return self.new("derive", flat, node)

    def qualname(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return None
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualname(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    # ---------------------------------------------------------------- objects
    def object_of(self, nid: int | None) -> int | None:
        """The estimator object a value is, if any: an object node, or a loop variable / subscript over
        a collection of objects (`for name, model in models.items()`)."""
        if nid is None:
            return None
        node = self.flow.nodes[nid]
        if node.kind == "object":
            return nid
        if node.kind in ("loopvar", "derive", "update"):
            frontier, depth = [nid], 0
            while frontier and depth < 4:
                nxt = []
                for f in frontier:
                    for p in self.flow.nodes[f].parents:
                        if self.flow.nodes[p].kind == "object":
                            return nid
                        if self.flow.nodes[p].kind in ("loopvar", "derive", "update"):
                            nxt.append(p)
                frontier, depth = nxt, depth + 1
        return None

    def category_of(self, obj: int) -> str:
        node = self.flow.nodes[obj]
        if node.kind == "object":
            return node.category or "unknown"
        cats = set()
        for a in self.flow.ancestors(obj):
            if self.flow.nodes[a].kind == "object":
                cats.add(self.flow.nodes[a].category or "unknown")
        if len(cats) == 1:
            return cats.pop()
        return "model" if "model" in cats else "unknown"

    def classify(self, cls: str, qual: str, args: list[ast.expr], keywords: list[ast.keyword]) -> str:
        if cls in kb.STATELESS_TRANSFORMERS:
            return "stateless"
        if cls in kb.LEAKY_TRANSFORMERS:
            return "transformer"
        if cls in kb.OVERSAMPLERS:
            return "oversampler"
        if cls in kb.SEARCH_CV_CLASSES:
            return "search"
        if cls in kb.SPLITTER_CLASSES:
            return "splitter"
        if cls in kb.PIPELINE_CONSTRUCTORS:
            last = None
            if cls == "make_pipeline" and args:
                last = args[-1]
            else:
                steps = args[0] if args else next((k.value for k in keywords if k.arg == "steps"), None)
                if isinstance(steps, (ast.List, ast.Tuple)) and steps.elts:
                    tail = steps.elts[-1]
                    if isinstance(tail, ast.Tuple) and len(tail.elts) >= 2:
                        last = tail.elts[1]
            obj = self.object_of(self.collapse(self.value(last))) if last is not None else None
            return self.category_of(obj) if obj is not None else "model"
        if cls in kb.COMPOSITE_TRANSFORMERS:
            return "transformer"
        return "model"

    def constructor(self, call: ast.Call, qual: str, cls: str, parents: list[int | None]) -> int:
        category = self.classify(cls, qual, call.args, call.keywords)
        if category == "transformer" and cls in kb.COMPOSITE_TRANSFORMERS:
            parts = {self.category_of(p) for p in parents if p is not None and self.object_of(p) is not None}
            if parts and "transformer" not in parts:
                category = "stateless"
        hyper = [self.collapse(self.value(a)) for a in call.args]
        hyper += [self.collapse(self.value(k.value)) for k in call.keywords
                  if k.arg is None or (k.arg not in kb.NOT_HYPERPARAMETERS)]
        return self.new("object", parents, call, "", cls=cls, category=category,
                        hyper=tuple(h for h in hyper if h is not None))

    def is_constructor(self, qual: str | None, cls: str) -> bool:
        if not qual or not cls[:1].isupper():
            return cls in kb.PIPELINE_CONSTRUCTORS or cls in kb.COMPOSITE_TRANSFORMERS
        if cls in (kb.LEAKY_TRANSFORMERS | kb.STATELESS_TRANSFORMERS | kb.OVERSAMPLERS | kb.SEARCH_CV_CLASSES
                   | kb.SPLITTER_CLASSES | kb.PIPELINE_CONSTRUCTORS | kb.COMPOSITE_TRANSFORMERS):
            return True
        head = qual.split(".")[0]
        return qual.startswith(kb.ML_CONSTRUCTOR_PREFIXES) or head in (
            "tensorflow", "keras", "torch", "xgboost", "lightgbm", "catboost", "imblearn", "category_encoders",
            "feature_engine", "statsmodels", "sklearn")

    # ---------------------------------------------------------------- expressions
    def value(self, node: ast.AST | None) -> Value:
        if node is None:
            return None
        if isinstance(node, ast.Constant):
            return None
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return self.env[node.id]
            if node.id in self.aliases or node.id in self.functions or node.id in _BUILTINS:
                return None
            root = self.new("root", (), node, node.id)
            self.env[node.id] = root
            return root
        if isinstance(node, ast.Attribute):
            root = _root_name(node)
            if root is not None and root in self.aliases and root not in self.env:
                return None  # a module attribute (`np.nan`, `pd.NA`)
            if node.attr in _METADATA_ATTRIBUTES:
                return None  # `df.columns`, `X.shape`: no rows of the data travel with these
            return self.collapse(self.value(node.value))  # `df.values`, `grid.best_estimator_`: same value
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.BinOp):
            left, right = self.value(node.left), self.value(node.right)
            result = self.derive([left, right], node)
            if isinstance(node.op, (ast.Sub, ast.Div, ast.FloorDiv)):
                self.statistic_use(node, [node.right], result)  # `x - x.mean()`, `x / x.max()`
            return result
        if isinstance(node, ast.Compare):
            values = [self.value(node.left)] + [self.value(c) for c in node.comparators]
            result = self.derive(values, node)
            if any(isinstance(op, (ast.Gt, ast.Lt, ast.GtE, ast.LtE)) for op in node.ops):
                self.flow.selections.append(Selection("comparison", [self.collapse(v) for v in values
                                                                      if self.collapse(v) is not None],
                                                      self.site(node), tuple(self.loop_stack)))
            if any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
                self.prediction_compare(node, values, result)
            return result
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return self.derive([self.value(e.value if isinstance(e, ast.Starred) else e) for e in node.elts], node)
        if isinstance(node, ast.Dict):
            return self.derive([self.value(v) for v in node.values] + [self.value(k) for k in node.keys if k], node)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self.comprehension(node)
        if isinstance(node, ast.JoinedStr):
            return self.derive([self.value(v.value) for v in node.values if isinstance(v, ast.FormattedValue)], node)
        if isinstance(node, ast.NamedExpr):
            v = self.value(node.value)
            self.env[node.target.id] = v
            return v
        if isinstance(node, ast.Lambda):
            return None
        children = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)]
        return self.derive([self.value(c) for c in children], node)

    def subscript(self, node: ast.Subscript) -> Value:
        base = self.value(node.value)
        index = node.slice
        if isinstance(base, Multi):
            key = index.value if isinstance(index, ast.Constant) else None
            if isinstance(key, int) and -len(base) <= key < len(base):
                return base[key]
            if isinstance(key, str) and getattr(base, "keys", None) and key in base.keys:  # type: ignore[attr-defined]
                return base[base.keys.index(key)]  # type: ignore[attr-defined]
        mask = _mask_of(index)
        if mask is not None and mask[0] in self.negated_masks:  # `x[m]` and `x[~m]`: the two sides of a split
            return self.derive([base, self.mask_split(mask[0], node)[1 if mask[1] else 0]], node)
        rows = self.collapse(self.value(index))
        if rows is not None and not self.flow.split_derived(rows) and not self.selected_by_a_fit(rows):
            rows = None  # `df[features]`, `df[df.x > 0]`: the rows still come from `df` alone
        return self.derive([base, rows], node)

    def selected_by_a_fit(self, index: int) -> bool:
        """`x[:, selector.get_support()]`: columns chosen by a fitted selector carry what it learnt."""
        return any(self.flow.nodes[n].kind == "transform" for n in self.flow.lineage(index))

    def mask_split(self, mask: str, node: ast.AST) -> list[int]:
        """The (train, test) split nodes of a boolean mask, recorded once per mask."""
        if mask not in self.mask_splits:
            outputs = [self.new("split", [], node, mask, role="train"),
                       self.new("split", [], node, f"~{mask}", role="test")]
            self.record_split(f"mask {mask} / ~{mask}", "slice", [], outputs, node)
            self.mask_splits[mask] = outputs
        return self.mask_splits[mask]

    def comprehension(self, node: ast.AST) -> Value:
        saved = dict(self.env)
        pushed = 0
        for gen in node.generators:  # type: ignore[attr-defined]
            it = self.value(gen.iter)
            loop_id = len(self.flow.loops)
            self.flow.loops.append(Loop(self.site(node), []))
            self.loop_stack.append(loop_id)
            pushed += 1
            self.bind_loop_target(gen.target, it, gen.iter, loop_id)
            for cond in gen.ifs:
                self.value(cond)
        if isinstance(node, ast.DictComp):
            result = self.derive([self.value(node.key), self.value(node.value)], node)
        else:
            result = self.derive([self.value(node.elt)], node)  # type: ignore[attr-defined]
        for _ in range(pushed):
            self.loop_stack.pop()
        self.env = saved
        return result

    # ---------------------------------------------------------------- calls
    def call(self, node: ast.Call) -> Value:
        func = node.func
        qual = self.qualname(func)
        cls = _last(qual) if qual else (func.attr if isinstance(func, ast.Attribute) else "")
        if isinstance(func, ast.Name) and func.id in self.functions and func.id not in self.env:
            return self.inline(func.id, node)
        if qual and cls in kb.SPLIT_FUNCTIONS:
            return self.split_call(node, qual)
        if qual and cls in kb.CV_FUNCTIONS:
            return self.cv_call(node, qual)
        if qual and cls in kb.LEAKY_TRANSFORM_FUNCTIONS and qual.startswith("sklearn"):
            data = self.collapse(self.value(node.args[0])) if node.args else None
            out = self.new("transform", [data], node, cls)
            self.flow.fits.append(Fit(None, "transformer", cls, cls, data, self.site(node), self.seq(),
                                      tuple(self.loop_stack), [out]))
            self.flow.nodes[out].event = len(self.flow.fits) - 1
            return out
        if qual and cls == "resample" and qual.startswith("sklearn.utils"):
            return self.resample_call(node, qual)
        if qual and cls == "concat" and qual.startswith(("pandas", "polars")) and node.args and \
                _replicates_rows(node.args[0]):
            # `pd.concat([df] + [minority] * 10)`: oversampling by copying rows
            inputs = [x for x in (self.collapse(self.value(a)) for a in node.args) if x is not None]
            out = self.new("derive", inputs, node, "replicated")
            self.flow.resamples.append(Resample("row replication (pd.concat of repeated rows)", inputs, [out],
                                                self.site(node), self.seq()))
            return out
        if qual and (qual in kb.SELECTION_FUNCTIONS or cls in ("argmax", "argmin", "argsort") and qual.startswith("numpy")):
            operands = [self.collapse(self.value(a)) for a in node.args]
            operands += [self.collapse(self.value(k.value)) for k in node.keywords if k.arg == "key"]
            operands = [o for o in operands if o is not None]
            self.flow.selections.append(Selection(qual, operands, self.site(node), tuple(self.loop_stack)))
            return self.derive(operands, node)
        if qual and cls in kb.METRIC_FUNCTIONS and (qual.startswith(("sklearn", "metrics", "imblearn")) or
                                                    "." not in qual or cls == "from_predictions"):
            return self.metric_call(node, qual)
        if qual and qual in kb.STATISTIC_FUNCTIONS:
            data = self.collapse(self.value(node.args[0])) if node.args else None
            for k in node.keywords:
                self.value(k.value)
            return self.new("stat", [data], node, cls, stat_of=data) if data is not None else None
        module_call = _root_name(func) in self.aliases and _root_name(func) not in self.env
        if qual and self.is_constructor(qual, cls) and (not isinstance(func, ast.Attribute) or module_call):
            parents = [self.collapse(self.value(a)) for a in node.args]
            parents += [self.collapse(self.value(k.value)) for k in node.keywords]
            return self.constructor(node, qual, cls, parents)
        if isinstance(func, ast.Attribute) and not module_call:
            return self.method(node, func)
        args = [self.value(a.value if isinstance(a, ast.Starred) else a) for a in node.args]
        kwargs = [self.value(k.value) for k in node.keywords]
        if qual in ("len", "isinstance", "type", "id", "hasattr", "print"):
            return None  # sizes and checks carry no rows
        if qual in ("enumerate", "zip", "reversed", "list", "tuple") and args and isinstance(args[0], Multi) \
                and qual not in ("zip",):
            return args[0] if qual != "enumerate" else Multi([None, args[0]])
        if qual in ("copy.copy", "copy.deepcopy", "sklearn.base.clone", "clone") and args:
            obj = self.object_of(self.collapse(args[0]))
            if obj is not None:
                original = self.flow.nodes[obj]
                return self.new("object", [obj], node, original.label, cls=original.cls,
                                category=self.category_of(obj), hyper=original.hyper)
        result = self.derive(args + kwargs, node)
        if result is None and qual and not (qual in _BUILTINS or qual.split(".")[0] in ("math", "random", "time")):
            read = qual in kb.FUNCTIONS and kb.FUNCTIONS[qual].direction == "read"
            return self.new("root", (), node, read=read)
        if result is not None and qual and qual in kb.FUNCTIONS and kb.FUNCTIONS[qual].direction == "read":
            return self.new("root", (), node, read=True)
        return result

    def method(self, node: ast.Call, func: ast.Attribute) -> Value:
        attr = func.attr
        receiver_v = self.value(func.value)
        receiver = self.collapse(receiver_v)
        args = [self.value(a.value if isinstance(a, ast.Starred) else a) for a in node.args]
        kw = {k.arg: self.value(k.value) for k in node.keywords}
        obj = self.object_of(receiver)
        if obj is not None:
            handled = self.object_method(node, attr, obj, args, kw)
            if handled is not _UNHANDLED:
                return handled
        elif receiver is not None:
            handled = self.unknown_object_method(node, func, attr, receiver, args, kw)
            if handled is not _UNHANDLED:
                return handled
        if attr in kb.SPLIT_METHODS and receiver is not None:
            outputs = [self.new("split", [receiver], node, "", role="train"),
                       self.new("split", [receiver], node, "", role="test")]
            self.record_split("train_test_split", "function", [receiver], outputs, node)
            result = Multi(outputs)
            result.keys = ["train", "test"]  # type: ignore[attr-defined]
            return result
        if attr in kb.STATISTIC_METHODS and receiver is not None:
            for a in args:
                self.collapse(a)
            return self.new("stat", [receiver], node, attr, stat_of=receiver)
        if attr in ("transform", "agg", "aggregate", "apply") and receiver is not None and node.args and \
                isinstance(node.args[0], ast.Constant) and node.args[0].value in kb.STATISTIC_METHODS:
            return self.new("stat", [receiver], node, str(node.args[0].value), stat_of=receiver)
        if attr in kb.SELECTION_METHODS and receiver is not None:
            self.flow.selections.append(Selection(attr, [receiver], self.site(node), tuple(self.loop_stack)))
        if attr == "sample" and receiver is not None and _kw_true(node, "replace"):
            out = self.new("derive", [receiver] + [self.collapse(a) for a in args], node, "sample")
            self.flow.resamples.append(Resample("DataFrame.sample(replace=True)", [receiver], [out], self.site(node),
                                                self.seq()))
            return out
        result = self.derive([receiver_v] + args + list(kw.values()), node)
        if attr in kb.FILL_METHODS and result is not None:
            self.statistic_use(node, list(node.args) + [k.value for k in node.keywords], result, fill=True)
        if attr in ("append", "extend", "insert", "update", "add", "setdefault", "add_row") or _kw_true(node, "inplace"):
            self.rebind_receiver(func.value, result, node)
        return result

    def object_method(self, node: ast.Call, attr: str, obj: int, args: list[Value], kw: dict) -> Value:
        category = self.category_of(obj)
        data = self.collapse(args[0]) if args else self.collapse(kw.get("X", kw.get("x")))
        label = self.flow.nodes[obj].label or _text(node.func.value)  # type: ignore[attr-defined]
        if category == "splitter" and attr == "split":
            inputs = [x for x in (self.collapse(a) for a in args) if x is not None]
            outputs = [self.new("split", inputs, node, "", role="train"),
                       self.new("split", inputs, node, "", role="test")]
            self.record_split(f"{self.flow.nodes[obj].cls or 'splitter'}.split", "folds", inputs, outputs, node)
            return Multi([Multi(outputs)])
        if attr == "fit_resample" or (attr == "fit_sample"):
            inputs = [x for x in (self.collapse(a) for a in args) if x is not None]
            name = self.flow.nodes[obj].cls or label
            outputs = [self.new("derive", inputs, node, "resampled") for _ in range(max(len(inputs), 2))]
            if category == "oversampler" or (category == "unknown" and _hint(label, kb.OVERSAMPLER_NAME_HINTS)):
                self.flow.resamples.append(Resample(f"{name}.{attr}", inputs, outputs, self.site(node), self.seq()))
            return Multi(outputs)
        if attr == "set_params":
            hyper = [x for x in (self.collapse(v) for v in list(args) + list(kw.values())) if x is not None]
            original = self.flow.nodes[obj]
            new = self.new("object", [obj] + hyper, node, original.label, cls=original.cls,
                           category=category, hyper=tuple(hyper))
            self.rebind_receiver(node.func.value, new, node, plain=True)  # type: ignore[attr-defined]
            return new
        if attr in kb.TRANSFORMER_FIT_METHODS or attr in ("fit", "train", "fit_generator"):
            if category in ("stateless", "splitter"):
                return self.new("derive", [data], node) if attr == "fit_transform" and data is not None else obj
            if category == "unknown":
                hinted = _hint(label, kb.TRANSFORMER_NAME_HINTS)
                looks_unsupervised = attr in ("fit_transform", "fit_on_texts", "adapt") or len(args) == 1
                category = "transformer" if hinted and looks_unsupervised else "model"
            validation = any(k in kw for k in ("validation_data", "validation_split", "eval_set"))
            fit = Fit(obj, category, self.flow.nodes[obj].cls or label, attr, data, self.site(node), self.seq(),
                      tuple(self.loop_stack), validation=validation)
            self.flow.fits.append(fit)
            index = len(self.flow.fits) - 1
            self.fitted[obj] = index
            if category == "search" and data is not None:
                self.record_split(f"{fit.cls}.fit", "cv", [data] + [x for x in (self.collapse(a) for a in args[1:])
                                                                    if x is not None], [], node, estimator=obj)
                self.flow.evaluations.append(Evaluation(obj, data, f"{fit.cls}.fit", self.site(node), self.seq(),
                                                        tuple(self.loop_stack), index, cv=True))
            if attr == "fit_transform":
                out = self.new("transform", [data], node, label, event=index)
                fit.outputs.append(out)
                return out
            return obj
        if attr in kb.TRANSFORM_METHODS:
            index = self.fitted.get(obj)
            out = self.new("transform", [data], node, label, event=index)
            if index is not None:
                self.flow.fits[index].outputs.append(out)
            return out
        if attr in kb.PREDICT_METHODS or attr == "predict_classes":
            return self.new("predict", [data], node, attr, model=obj, data=data, fit=self.fitted.get(obj))
        if attr in kb.MODEL_SCORE_METHODS and data is not None:
            return self.evaluation(obj, data, f".{attr}", node, node.args[0] if node.args else None,
                                   [self.collapse(a) for a in args])
        if attr in ("get_support", "get_feature_names_out") and self.fitted.get(obj) is not None:
            index = self.fitted[obj]  # a fitted selector's choice of columns, learnt from the rows it saw
            out = self.new("transform", [obj], node, label, event=index)
            self.flow.fits[index].outputs.append(out)
            return out
        return _UNHANDLED

    def unknown_object_method(self, node: ast.Call, func: ast.Attribute, attr: str, receiver: int,
                              args: list[Value], kw: dict) -> Value:
        """Methods on values whose construction we did not see: fits and transforms by method name."""
        label = _text(func.value)
        if attr in ("fit_transform", "fit_on_texts", "adapt") and _hint(label, kb.TRANSFORMER_NAME_HINTS) or \
                attr == "fit" and _hint(label, kb.TRANSFORMER_NAME_HINTS) and len(node.args) == 1:
            obj = self.new("object", [], func.value, label, cls=None, category="transformer")
            self.rebind_receiver(func.value, obj, node, plain=True)
            return self.object_method(node, attr, obj, args, kw)
        if attr in ("fit", "fit_resample") and isinstance(func.value, ast.Name) and \
                self.flow.nodes[receiver].kind == "root":
            obj = self.new("object", [], func.value, label, cls=None, category="unknown")
            self.env[func.value.id] = obj
            return self.object_method(node, attr, obj, args, kw)
        return _UNHANDLED

    def rebind_receiver(self, target: ast.AST, value: int | None, node: ast.AST, plain: bool = False) -> None:
        name = _root_name(target)
        if name is None or value is None:
            return
        if plain:
            self.env[name] = value
        else:
            self.env[name] = self.new("update", [self.collapse(self.env.get(name)), value], node, name)
        if self.mutated:
            self.mutated[-1].add(name)

    def split_call(self, node: ast.Call, qual: str) -> Value:
        values = [self.collapse(self.value(a)) for a in node.args if not isinstance(a, ast.Starred)]
        for k in node.keywords:
            self.value(k.value)
        cls = _last(qual)
        outputs: list[int] = []
        if cls == "random_split":
            values = values[:1]
            parts = len(node.args[1].elts) if len(node.args) > 1 and isinstance(node.args[1], (ast.List, ast.Tuple)) else 2
            for i in range(parts):
                role = "train" if i == 0 else "test"
                outputs.append(self.new("split", values, node, "", role=role))
        else:
            for data in values or [None]:
                outputs.append(self.new("split", [data], node, "", role="train"))
                outputs.append(self.new("split", [data], node, "", role="test"))
        self.record_split(cls, "function", [v for v in values if v is not None], outputs, node)
        return Multi(outputs)

    def cv_call(self, node: ast.Call, qual: str) -> Value:
        values = [self.collapse(self.value(a)) for a in node.args]
        kw = {k.arg: self.collapse(self.value(k.value)) for k in node.keywords}
        estimator = values[0] if values else kw.get("estimator")
        data = values[1] if len(values) > 1 else kw.get("X")
        target = values[2] if len(values) > 2 else kw.get("y")
        inputs = [x for x in (data, target) if x is not None]
        obj = self.object_of(estimator)
        self.record_split(_last(qual), "cv", inputs, [], node, estimator=obj)
        result = self.new("derive", inputs, node, _last(qual))
        if obj is not None:
            self.flow.evaluations.append(Evaluation(obj, data, _last(qual), self.site(node), self.seq(),
                                                    tuple(self.loop_stack), self.fitted.get(obj), cv=True,
                                                    score=result))
        return result

    def resample_call(self, node: ast.Call, qual: str) -> Value:
        inputs = [x for x in (self.collapse(self.value(a)) for a in node.args) if x is not None]
        for k in node.keywords:
            self.value(k.value)
        outputs = [self.new("derive", [i], node, "resampled") for i in inputs] or [self.new("root", (), node)]
        if _kw_true(node, "replace"):
            self.flow.resamples.append(Resample("sklearn.utils.resample(replace=True)", inputs, outputs,
                                                self.site(node), self.seq()))
        return outputs[0] if len(outputs) == 1 else Multi(outputs)

    def record_split(self, api: str, kind: str, inputs: list[int], outputs: list[int], node: ast.AST,
                     estimator: int | None = None) -> None:
        self.flow.splits.append(Split(api, kind, inputs, outputs, self.site(node), self.seq(), estimator))
        for out in outputs:
            self.flow.nodes[out].event = len(self.flow.splits) - 1

    # ---------------------------------------------------------------- evaluation
    def evaluation(self, obj: int, data: int | None, api: str, node: ast.AST, data_arg: ast.AST | None,
                   parents: list[int | None]) -> int:
        score = self.new("score", [p for p in parents if p is not None], node, api)
        self.flow.evaluations.append(Evaluation(obj, data, api, self.site(node), self.seq(), tuple(self.loop_stack),
                                                self.fitted.get(obj), _name_of(data_arg), score))
        return score

    def metric_call(self, node: ast.Call, qual: str) -> Value:
        values = [self.collapse(self.value(a)) for a in node.args] + \
                 [self.collapse(self.value(k.value)) for k in node.keywords]
        values = [v for v in values if v is not None]
        score = self.new("score", values, node, _last(qual))
        for value in values:
            for pred in self.flow.nearest(value, "predict", limit=400):
                p = self.flow.nodes[pred]
                self.flow.evaluations.append(Evaluation(p.model, p.data, _last(qual), self.site(node), self.seq(),
                                                        tuple(self.loop_stack), p.fit, _pred_arg_name(p), score))
        return score

    def prediction_compare(self, node: ast.Compare, values: list[Value], result: int | None) -> None:
        """`(pred == y_test).mean()`: a hand-written accuracy."""
        preds = set()
        plain = False
        for v in values:
            c = self.collapse(v)
            if c is None:
                continue
            found = self.flow.nearest(c, "predict", limit=400)
            preds |= found
            plain = plain or not found
        if not preds or not plain:
            return
        score = self.new("score", [result] if result is not None else [], node, "==")
        for pred in preds:
            p = self.flow.nodes[pred]
            self.flow.evaluations.append(Evaluation(p.model, p.data, "==", self.site(node), self.seq(),
                                                    tuple(self.loop_stack), p.fit, _pred_arg_name(p), score))

    # ---------------------------------------------------------------- statistics
    def statistic_use(self, node: ast.AST, operands: list[ast.AST], result: int | None, fill: bool = False) -> None:
        """`df.fillna(df.mean())`, `(x - x.mean()) / x.std()`: a statistic of the data fitted into it."""
        if result is None:
            return
        for operand in operands:
            stat = self.stat_source(operand)
            if stat is None:
                continue
            source = self.flow.nodes[stat].stat_of
            fit = Fit(None, "statistic", self.flow.nodes[stat].label, "fillna" if fill else "arithmetic",
                      source, self.site(node), self.seq(), tuple(self.loop_stack), [result])
            self.flow.fits.append(fit)
            return

    def stat_source(self, operand: ast.AST) -> int | None:
        current = operand
        while True:
            if isinstance(current, ast.Subscript) or (
                    isinstance(current, ast.Attribute) and current.attr in ("values", "iloc", "loc")):
                current = current.value
            elif isinstance(current, ast.Call) and isinstance(current.func, ast.Name) and \
                    current.func.id in ("float", "int", "round") and current.args:
                current = current.args[0]
            elif isinstance(current, ast.Call) and isinstance(current.func, ast.Attribute) and \
                    current.func.attr in ("item", "round", "astype"):
                current = current.func.value
            else:
                break
        if isinstance(current, ast.Name):
            v = self.env.get(current.id)
        elif isinstance(current, ast.Call):
            v = self.cached_stat(current)
        else:
            return None
        v = self.collapse(v) if isinstance(v, Multi) else v
        if v is not None and self.flow.nodes[v].kind == "stat":
            return v
        return None

    def cached_stat(self, call: ast.Call) -> int | None:
        """The stat node created while evaluating `call` (already evaluated as part of its parent)."""
        for n in reversed(self.flow.nodes[-60:]):
            if n.kind == "stat" and n.site is not None and n.site.node is call:
                return n.id
        return None

    # ---------------------------------------------------------------- inlined functions
    def inline(self, name: str, node: ast.Call) -> Value:
        fdef, cell = self.functions[name]
        self.called.add(name)
        arg_values = [self.value(a.value if isinstance(a, ast.Starred) else a) for a in node.args]
        kw_values = {k.arg: self.value(k.value) for k in node.keywords}
        if name in self.inline_stack or len(self.inline_stack) >= MAX_INLINE_DEPTH:
            return self.derive(arg_values + list(kw_values.values()), node)
        params = [a.arg for a in fdef.args.posonlyargs + fdef.args.args]
        local: dict[str, Value] = dict(self.env)
        for p in params + [a.arg for a in fdef.args.kwonlyargs]:
            local.pop(p, None)
        defaults = fdef.args.defaults
        for i, p in enumerate(params):
            if i < len(arg_values):
                local[p] = arg_values[i]
            elif p in kw_values:
                local[p] = kw_values[p]
            else:
                d = i - (len(params) - len(defaults))
                local[p] = self.value(defaults[d]) if d >= 0 else None
        for a, d in zip(fdef.args.kwonlyargs, fdef.args.kw_defaults):
            local[a.arg] = kw_values.get(a.arg, self.value(d) if d is not None else None)
        saved_env, saved_cell, saved_via = self.env, self.cell, self.via
        self.env, self.cell = local, cell
        self.via = self.via + ((saved_cell, node),)
        self.inline_stack.append(name)
        self.returns.append([])
        self.mutated.append(set())
        try:
            self.visit_body(fdef.body)
        finally:
            returned = self.returns.pop()
            mutated = self.mutated.pop()
            final_env = self.env
            self.inline_stack.pop()
            self.env, self.cell, self.via = saved_env, saved_cell, saved_via
        # in-place changes of a parameter (`df["x"] = ...`) are visible to the caller's argument
        for i, p in enumerate(params):
            if p in mutated and i < len(node.args) and isinstance(node.args[i], ast.Name):
                self.env[node.args[i].id] = final_env.get(p)
        if not returned:
            return None
        if len(returned) == 1 or all(not isinstance(r, Multi) for r in returned):
            if len(returned) == 1:
                return returned[0]
            return self.derive(returned, node)
        sizes = {len(r) for r in returned if isinstance(r, Multi)}
        if len(sizes) == 1:
            size = sizes.pop()
            merged = Multi()
            for i in range(size):
                merged.append(self.derive([r[i] for r in returned if isinstance(r, Multi)], node))
            return merged
        return self.derive(returned, node)

    # ---------------------------------------------------------------- statements
    def visit_body(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.visit_stmt(stmt)

    def visit_stmt(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                local = alias.asname or alias.name.split(".")[0]
                self.aliases[local] = alias.name if alias.asname else alias.name.split(".")[0]
                self.env.pop(local, None)
        elif isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                if alias.name != "*":
                    local = alias.asname or alias.name
                    self.aliases[local] = f"{stmt.module or ''}.{alias.name}".lstrip(".")
                    self.env.pop(local, None)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.functions[stmt.name] = (stmt, self.cell)  # type: ignore[assignment]
            self.env.pop(stmt.name, None)
        elif isinstance(stmt, ast.ClassDef):
            self.env.pop(stmt.name, None)
            self.aliases[stmt.name] = stmt.name
        elif isinstance(stmt, ast.Assign):
            value = self.assigned_value(stmt.targets, stmt.value)
            for target in stmt.targets:
                self.bind(target, value, stmt.value, stmt)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.bind(stmt.target, self.assigned_value([stmt.target], stmt.value), stmt.value, stmt)
        elif isinstance(stmt, ast.AugAssign):
            value = self.collapse(self.value(stmt.value))
            name = _root_name(stmt.target)
            if name is not None:
                old = self.collapse(self.value(stmt.target)) if isinstance(stmt.target, ast.Name) else \
                    self.collapse(self.env.get(name))
                self.env[name] = self.derive([old, value], stmt) if value is not None else old
        elif isinstance(stmt, ast.Expr):
            self.value(stmt.value)
        elif isinstance(stmt, ast.Return):
            value = self.value(stmt.value)
            if self.returns:
                self.returns[-1].append(value)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            iterable = self.value(stmt.iter)
            loop_id = len(self.flow.loops)
            self.flow.loops.append(Loop(self.site(stmt), []))
            self.loop_stack.append(loop_id)
            self.bind_loop_target(stmt.target, iterable, stmt.iter, loop_id)
            self.visit_body(stmt.body)
            self.loop_stack.pop()
            self.visit_body(stmt.orelse)
        elif isinstance(stmt, ast.While):
            self.value(stmt.test)
            loop_id = len(self.flow.loops)
            self.flow.loops.append(Loop(self.site(stmt), []))
            self.loop_stack.append(loop_id)
            self.visit_body(stmt.body)
            self.loop_stack.pop()
            self.visit_body(stmt.orelse)
        elif isinstance(stmt, ast.If):
            self.value(stmt.test)
            self.visit_body(stmt.body)
            self.visit_body(stmt.orelse)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                v = self.value(item.context_expr)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, v, item.context_expr, stmt)
            self.visit_body(stmt.body)
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            self.visit_body(stmt.body)  # type: ignore[attr-defined]
            for handler in stmt.handlers:  # type: ignore[attr-defined]
                self.visit_body(handler.body)
            self.visit_body(stmt.orelse)  # type: ignore[attr-defined]
            self.visit_body(stmt.finalbody)  # type: ignore[attr-defined]
        elif type(stmt).__name__ == "Match":
            self.value(stmt.subject)  # type: ignore[attr-defined]
            for case in stmt.cases:  # type: ignore[attr-defined]
                self.visit_body(case.body)
        elif isinstance(stmt, ast.Delete):
            return
        else:
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.expr):
                    self.value(child)

    def assigned_value(self, targets: list[ast.AST], value_node: ast.AST) -> Value:
        """Evaluate an assignment's value; slices/samples into `train`/`test` names are splits."""
        single = targets[0] if len(targets) == 1 else None
        if isinstance(single, ast.Tuple) and isinstance(value_node, ast.Tuple) and \
                len(single.elts) == len(value_node.elts):
            return Multi(self.row_selection(t, v) for t, v in zip(single.elts, value_node.elts))
        if single is not None:
            return self.row_selection(single, value_node)
        return self.value(value_node)

    def row_selection(self, target: ast.AST, value_node: ast.AST) -> Value:
        role = name_role(target.id) if isinstance(target, ast.Name) else None
        base_node = _row_selection_base(value_node) if role in ("train", "test", "val") else None
        value = self.value(value_node)
        if base_node is None:
            return value
        if not isinstance(base_node, (ast.Name, ast.Attribute, ast.Subscript)) \
                or name_role(_root_name(base_node)) == role:
            return value  # `train = train[train.price > 0]`: filtering one part, not splitting
        base = self.collapse(self.value(base_node))
        current = self.collapse(value)
        if base is None or current is None or self.flow.nodes[base].kind == "object":
            return value
        if self.rejoined_reads(base):
            return value
        out = self.new("split", [current], value_node, target.id, role="test" if role == "val" else role)  # type: ignore[attr-defined]
        for i in range(len(self.flow.splits) - 1, max(-1, len(self.flow.splits) - 4), -1):
            previous = self.flow.splits[i]
            if previous.kind == "slice" and previous.inputs == [base]:
                previous.outputs.append(out)
                self.flow.nodes[out].event = i
                return out
        self.record_split("row selection", "slice", [base], [out], value_node)
        return out

    def rejoined_reads(self, base: int) -> bool:
        """`full = concat([train, test])` sliced back apart: separately read files, not a split."""
        return sum(1 for r in self.flow.roots(base) if self.flow.nodes[r].read) >= 2

    def bind(self, target: ast.AST, value: Value, value_node: ast.AST, stmt: ast.AST) -> None:
        if isinstance(target, ast.Name):
            if isinstance(value, int) and not self.flow.nodes[value].label:
                self.flow.nodes[value].label = target.id
            self.env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            elts = target.elts
            if isinstance(value, Multi) and len(value) == len(elts):
                for t, v in zip(elts, value):
                    self.bind(t.value if isinstance(t, ast.Starred) else t, v, value_node, stmt)
                return
            source = self.collapse(value)
            for i, t in enumerate(elts):
                element = self.new("derive", [source] if source is not None else [], stmt, f"item{i}")
                if source is None:
                    self.flow.nodes[element].kind = "root"
                self.bind(t.value if isinstance(t, ast.Starred) else t, element, value_node, stmt)
        elif isinstance(target, (ast.Subscript, ast.Attribute)):
            if isinstance(target, ast.Subscript):
                self.value(target.slice)
            self.rebind_receiver(target, self.collapse(value), stmt)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, value, value_node, stmt)

    def bind_loop_target(self, target: ast.AST, iterable: Value, iter_node: ast.AST, loop_id: int) -> None:
        """Bind a loop variable: fold splits give (train, test) pairs, other iterables a loop variable."""
        element: Value
        if isinstance(iterable, Multi) and len(iterable) == 1 and isinstance(iterable[0], Multi):
            element = iterable[0]  # splitter.split(X): each item is (train_idx, test_idx)
        elif isinstance(iterable, Multi) and len(iterable) == 2 and iterable[0] is None and \
                isinstance(iterable[1], Multi) and len(iterable[1]) == 1:
            element = Multi([None, iterable[1][0]])  # enumerate(splitter.split(X))
        elif isinstance(iterable, int) and self.flow.nodes[iterable].kind == "object" and \
                self.category_of(iterable) == "splitter":
            # the old API iterates the splitter itself: `for train, test in KFold(len(y), n_folds=5):`
            outputs = [self.new("split", [], iter_node, "", role="train"),
                       self.new("split", [], iter_node, "", role="test")]
            self.record_split(f"{self.flow.nodes[iterable].cls or 'splitter'} iteration", "folds", [], outputs,
                              iter_node)
            element = Multi(outputs)
        else:
            source = self.collapse(iterable)
            element = self.loop_variable(source, iter_node, _text(target))
        self.assign_loop(target, element, iter_node, loop_id)

    def loop_variable(self, source: int | None, node: ast.AST, label: str) -> int:
        return self.new("loopvar", [source] if source is not None else [], node, label)

    def assign_loop(self, target: ast.AST, element: Value, iter_node: ast.AST, loop_id: int) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(element, Multi) and len(element) == len(target.elts):
                for t, e in zip(target.elts, element):
                    self.assign_loop(t, e, iter_node, loop_id)
                return
            source = self.collapse(element)
            for t in target.elts:
                self.assign_loop(t, self.loop_variable(source, iter_node, _text(t)), iter_node, loop_id)
            return
        if isinstance(target, ast.Name):
            value = element if element is not None else self.loop_variable(None, iter_node, target.id)
            self.env[target.id] = value
            if isinstance(value, int):
                self.flow.loops[loop_id].targets.append(value)


_UNHANDLED = object()
_METADATA_ATTRIBUTES = frozenset({"columns", "shape", "dtypes", "dtype", "ndim", "size", "feature_names"})
_BUILTINS = frozenset({"print", "len", "range", "enumerate", "zip", "list", "dict", "set", "tuple", "sum", "abs",
                       "round", "int", "float", "str", "bool", "isinstance", "type", "sorted", "min", "max", "map",
                       "filter", "any", "all", "open", "display", "super", "object", "getattr", "setattr",
                       "hasattr", "iter", "next", "reversed", "format", "repr", "id", "vars", "dir", "input",
                       "True", "False", "None", "Exception", "ValueError", "KeyError", "TypeError", "self",
                       "__name__", "__file__", "exit", "quit", "help", "get_ipython"})


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _name_of(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, (ast.Attribute, ast.Subscript)):
        return _root_name(node)
    return None


def _pred_arg_name(pred: Node) -> str | None:
    call = pred.site.node if pred.site else None
    if isinstance(call, ast.Call) and call.args:
        return _name_of(call.args[0])
    return None


def _text(node: ast.AST) -> str:
    try:
        return ast.unparse(node)[:80]
    except Exception:  # pragma: no cover - unparse of exotic nodes
        return ""


def _kw_true(call: ast.Call, name: str) -> bool:
    return any(k.arg == name and isinstance(k.value, ast.Constant) and k.value.value is True for k in call.keywords)


def _row_selection_base(node: ast.AST) -> ast.AST | None:
    """The data a row selection takes rows from: `X[:n]`, `df.iloc[n:]`, `df[df.year < 2020]`,
    `df.sample(frac=0.8)`, `df.drop(train.index)`, `df.head(n)`; also behind `.values`, `.to_numpy()`
    and `.copy()` (`df.loc[:25000, "review"].values`)."""
    while True:  # unwrap conversions that keep the selected rows
        if isinstance(node, ast.Attribute) and node.attr == "values":
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in ("to_numpy", "copy", "reset_index") and not node.args:
            node = node.func.value
        else:
            break
    if isinstance(node, ast.Subscript):
        index = node.slice
        base = node.value
        if isinstance(base, ast.Attribute) and base.attr in ("iloc", "loc"):
            base = base.value
        if isinstance(index, ast.Tuple) and index.elts:
            index = index.elts[0]
        if isinstance(index, ast.Slice) and (index.lower is not None or index.upper is not None):
            return base
        if isinstance(index, (ast.Compare, ast.BoolOp)) or (isinstance(index, ast.UnaryOp)
                                                             and isinstance(index.op, ast.Invert)):
            return base
        if isinstance(index, ast.Call) and isinstance(index.func, ast.Attribute) and index.func.attr == "isin":
            return base
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        attr = node.func.attr
        if attr in ("sample",) and any(k.arg in ("frac", "n") for k in node.keywords) and not _kw_true(node, "replace"):
            return node.func.value
        if attr in ("head", "tail") and node.args:
            return node.func.value
        if attr == "drop" and (node.args or any(k.arg == "index" for k in node.keywords)):
            arg = node.args[0] if node.args else next(k.value for k in node.keywords if k.arg == "index")
            if isinstance(arg, ast.Attribute) and arg.attr == "index":
                return node.func.value
    return None


def _replicates_rows(frames: ast.AST) -> bool:
    """A list of frames that repeats one: `[df] + [minority] * 10`, `[minority] * 5`."""
    for node in ast.walk(frames):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult) and (
                isinstance(node.left, ast.List) or isinstance(node.right, ast.List)):
            count = node.right if isinstance(node.left, ast.List) else node.left
            if not (isinstance(count, ast.Constant) and count.value in (0, 1)):
                return True
    return False


def _mask_of(index: ast.AST) -> tuple[str, bool] | None:
    """(mask text, negated) of a row index that is a boolean mask or its negation: `m`, `~m`, `df.is_train`,
    also as the row part of `.loc[m, cols]`."""
    if isinstance(index, ast.Tuple) and index.elts:
        index = index.elts[0]
    negated = isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.Invert)
    operand = index.operand if negated else index  # type: ignore[attr-defined]
    if isinstance(operand, (ast.Name, ast.Attribute)):
        return ast.unparse(operand), negated
    return None


def analyse(cells: Iterable[tuple[Cell, ast.Module]]) -> Flow:
    """Interpret a unit's parsed cells in order; functions never called are interpreted on their own."""
    interp = Interpreter()
    cells = list(cells)
    interp.negated_masks = {mask[0] for _, tree in cells for node in ast.walk(tree) if isinstance(node, ast.Subscript)
                            for mask in [_mask_of(node.slice)] if mask is not None and mask[1]}
    for cell, tree in cells:
        interp.cell = cell
        for stmt in tree.body:
            try:
                interp.visit_stmt(stmt)
            except RecursionError:
                continue
    for name, (fdef, cell) in list(interp.functions.items()):
        if name in interp.called:
            continue
        interp.cell = cell
        saved = dict(interp.env)
        for a in fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs:
            interp.env[a.arg] = interp.new("root", (), a, a.arg)
        interp.inline_stack.append(name)
        interp.returns.append([])
        interp.mutated.append(set())
        try:
            interp.visit_body(fdef.body)
        except RecursionError:
            pass
        interp.returns.pop()
        interp.mutated.pop()
        interp.inline_stack.pop()
        interp.env = saved
    return interp.flow


def for_context(ctx) -> Flow:
    """The unit's flow, computed once per file and shared by the leakage rules."""
    cached = getattr(ctx, "_leakage_flow", None)
    if cached is None:
        cached = analyse(ctx.trees())
        ctx._leakage_flow = cached
    return cached


def at(site: Site) -> str:
    """"in cell 4" / "at line 23 (In[7])": where something happened, for messages."""
    text = where(site)
    return f"in {text}" if text.startswith("cell") else f"at {text}"


def where(site: Site) -> str:
    """"cell 4" in a notebook; "line 23" (with its `# In[7]:` marker, if any) in a script."""
    cell = site.cell
    if cell.index is not None:
        return f"cell {cell.index}"
    line = site.line
    marker = None
    for number, text in enumerate(cell.raw.split("\n")[:line], start=1):
        m = _IN_MARKER.match(text)
        if m:
            marker = m.group(1).strip()
    return f"line {line} (In[{marker}])" if marker else f"line {line}"


_IN_MARKER = re.compile(r"^#\s*In\s*\[\s*([0-9 ]*)\]\s*:?\s*$")


def describe(fit: Fit) -> str:
    """A short phrase naming what was fitted on what, from the source text of the fit."""
    node = fit.site.node
    if fit.category == "statistic":
        verb = "fills" if fit.method == "fillna" else "rescales"
        return f"`{_text(node)[:70]}` {verb} data with a statistic ({fit.cls}) of all its rows"
    data = _text(node.args[0]) if isinstance(node, ast.Call) and node.args else "the data"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return f"{fitted_object(fit)} is fitted on `{data[:60]}` (all of its rows) by `.{fit.method}`"
    return f"`{_text(node)[:60]}` fits a {fit.cls} on all rows of `{data[:60]}`"


def fitted_object(fit: Fit, flow: Flow | None = None) -> str:
    """"`scaler` (StandardScaler)", or the variable the object ends up in when it is built inline."""
    node = fit.site.node
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        receiver = _text(node.func.value)
        label = flow.nodes[fit.obj].label if flow is not None and fit.obj is not None else ""
        if label and label.isidentifier() and receiver.startswith(fit.cls or "\0"):
            receiver = label
        if not fit.cls or receiver.startswith(fit.cls):
            return f"`{receiver}`"
        return f"`{receiver}` ({fit.cls})"
    return f"`{fit.cls}`"


def via_related(path: str, site: Site, message: str) -> list[dict]:
    """Related entries for the call sites through which an inlined function's event was reached."""
    return [related(path, Site(cell, call), message) for cell, call in site.via]


def related(path: str, site: Site, message: str) -> dict:
    return {"path": path, "cell": site.cell.index, "line": site.line, "message": message}
