"""The picklable facts extracted from one file. No parser objects ever leave the extraction stage.

Path expressions are kept symbolic (`PathExpr` tuples, see `mldebt.facts.pathexpr`) because a path may
depend on a constant defined in another module or on a value in a YAML file; they are resolved once the
whole project is known, when the graph is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mldebt import probes

PathExpr = tuple  # ("const", "data/x.csv"), ("join", [...]), ... see mldebt.facts.pathexpr


@dataclass(frozen=True)
class Pos:
    """A source range: cell (1-based among all notebook cells, None in scripts) and 1-based line/column."""

    cell: int | None
    cell_id: str | None
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass
class ImportFact:
    module: str  # absolute or relative ("." prefixed) module name
    names: list[tuple[str, str]]  # (imported name, local name); empty for `import x`
    local: str | None  # local name for `import x as y` / `import x`
    pos: Pos


@dataclass
class IOEvent:
    """One read, write or execution of an artifact at a call site."""

    direction: str  # "read", "write", "execute"
    api: str  # "pandas.read_csv", "open", "joblib.dump", ...
    kind: str  # "file", "table", "model", "url", "env", "notebook"
    expr: PathExpr | None  # symbolic path (None for tables/env, which use `name`)
    pos: Pos
    name: str | None = None  # table name, env var, registry model name
    text: str = ""  # the path argument as written
    from_predictions: bool = False  # a write of values derived from predict()
    feeds_fit: bool = False  # a read whose value flows into fit()
    feeds_predict: bool = False  # a read whose value is used to predict (a model loaded and used)
    var: str | None = None  # the name the read was assigned to
    template: bool = False  # inside a helper function, instantiated at its call sites (see facts/calls.py)
    via: tuple[str, ...] = ()  # for an instantiated event: the helper functions it happens inside
    origin: Pos | None = None  # ... and where the I/O call itself is, inside the innermost helper
    as_of: bool = False  # an SQL read pinned to a point in time (`AS OF`, `FOR SYSTEM_TIME`, a date filter)
    guarded: bool = False  # a write only when the path does not exist yet (`if not p.exists():`): a cache fill
    downloaded_from: str = ""  # a write of what a literal URL returned (`f.write(requests.get(URL).content)`)
    scope: str = ""  # enclosing function/class, for fingerprints


@dataclass
class ConfigRead:
    """A read of a config key (`cfg["train"]["lr"]`) or environment variable."""

    source: str  # "env" or "config"
    doc: PathExpr | None  # symbolic path of the config file, for config reads
    keys: tuple[str, ...]
    has_default: bool
    pos: Pos


@dataclass
class Setting:
    """A literal setting in code that a config file may also define (`n_estimators=500`)."""

    name: str
    value: Any
    pos: Pos
    context: str  # "RandomForestClassifier(...)" or "module constant"
    # module constants read only by the module's own top-level or `__main__` code, never by its functions
    # or classes: a setting of the script, not one that code importing the module runs with
    local_only: bool = False


@dataclass
class Constructor:
    """A call of a known ML constructor (estimator, optimizer, trainer) with its literal keywords."""

    qualname: str
    literals: dict[str, Any]
    pos: Pos
    var: str | None


@dataclass
class FitCall:
    pos: Pos
    estimator: str | None  # the variable fitted
    from_predictions: bool  # an argument derives from predict() outputs in this unit
    read_origins: list[int] = field(default_factory=list)  # indexes into FileFacts.io


@dataclass
class LoggingSetup:
    api: str  # "logging.basicConfig", "mlflow.set_tracking_uri", ...
    settings: dict[str, Any]
    pos: Pos
    constant: tuple[str, ...] = ()  # settings whose value is fixed in code though not written as a literal here


@dataclass
class Finding:
    """A finding as rules produce it; severity/name/family come from the rule registry at report time."""

    rule: str
    path: str
    pos: Pos
    message: str
    related: list[dict] = field(default_factory=list)  # {"path","cell","line","message"}
    snippet: str = ""  # normalised source text, for fingerprints
    scope: str = ""


@dataclass
class FileFacts:
    path: str
    kind: str  # "script", "module", "notebook"
    imports: list[ImportFact] = field(default_factory=list)
    exports: dict[str, PathExpr] = field(default_factory=dict)  # module-level constants
    io: list[IOEvent] = field(default_factory=list)
    config_reads: list[ConfigRead] = field(default_factory=list)
    settings: list[Setting] = field(default_factory=list)
    constructors: list[Constructor] = field(default_factory=list)
    fits: list[FitCall] = field(default_factory=list)
    predicts: list[Pos] = field(default_factory=list)
    logging: list[LoggingSetup] = field(default_factory=list)
    saves_model: bool = False
    findings: list[Finding] = field(default_factory=list)  # from file rules, computed in the worker
    suppressions: list = field(default_factory=list)  # mldebt.suppress.Directive
    notes: list[str] = field(default_factory=list)
    skipped: bool = False
    cells: list[tuple[int, str | None, int | None]] = field(default_factory=list)  # (index, id, exec count)
    lines: dict[int | None, list[str]] = field(default_factory=dict)  # source lines by cell, for excerpts
    # module functions whose I/O paths come from their parameters, for calls from other modules:
    # name -> (parameters, defaults, [(index into io, path expression with the parameter placeholders)])
    helpers: dict[str, tuple] = field(default_factory=dict)
    # calls of functions imported from other modules of the project (mldebt.facts.calls.CallSite), with the
    # arguments as path expressions: the graph instantiates those functions' `helpers` templates there
    foreign_calls: list = field(default_factory=list)
    # {(rule, pos, message): (safety, what the project must confirm)} for findings with a fix, planned in the
    # worker (mldebt.fix.driver.fixability); None when not planned (then `check` plans from the file)
    fixable: dict | None = None

    def outcome(self) -> "FileOutcome":
        return FileOutcome(self.findings, self.suppressions, self.fixable, self.notes)

    def source_text(self, cell: int | None, first: int, last: int) -> str:
        """Source lines `first..last` (1-based, inclusive, clipped to the cell) of a cell, joined: how code
        outside the worker reads source text again. The read is noted for `mldebt.probes`, so a stored
        project result is only reused while those lines read the same."""
        text = lines_text(self.lines, cell, first, last)
        probes.note_lines(self.path, cell, first, last, text)
        return text

    def source_line(self, cell: int | None, number: int) -> str:
        """One source line, "" when out of range (see `source_text`)."""
        return self.source_text(cell, number, number)

    def source_cells(self) -> dict[int | None, list[str]]:
        """Every cell's source lines, for a rule that parses a unit again; noted as a whole (see `source_text`)."""
        probes.note_lines(self.path, ALL_CELLS, 0, 0, lines_text(self.lines, ALL_CELLS, 0, 0))
        return dict(self.lines)


@dataclass
class FileOutcome:
    """The part of a file's facts that `check` and its reports use when the project stage is reused: file-rule
    findings, suppression directives, fix plans and notes. Cached apart from the facts because it is a
    twentieth of their size (measured: 3 ms to load for 2,000 files instead of 44 ms)."""

    findings: list[Finding]
    suppressions: list
    fixable: dict | None
    notes: list[str]


ALL_CELLS = "*"


def lines_text(lines: dict[int | None, list[str]], cell, first: int, last: int) -> str:
    """The text `FileFacts.source_text` returns (`ALL_CELLS`: every cell, as one comparable string)."""
    if cell == ALL_CELLS:
        return repr(list(lines.items()))
    return "\n".join(lines.get(cell, [])[max(first, 1) - 1:max(last, 0)])
