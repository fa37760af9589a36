"""The rule framework: a rule is a class with its id, docs, options and VALID/INVALID examples.

File rules (`FileRule`) see one file: its cells, their syntax trees and its facts. They run inside the
extraction worker, so their findings are cached with the file's facts. Project rules (`ProjectRule`) see
the whole project's data-dependency graph and every file's facts.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterable, Union

from mldebt.facts.model import FileFacts, Finding, Pos
from mldebt.sources.comments import comments_in
from mldebt.sources.model import Cell, Source

SEVERITIES = ("info", "warning", "error")
FAMILIES = {
    "tool": "mldebt itself",
    "data-dependencies": "Data dependencies and boundary erosion (Sculley et al. §2-4)",
    "system-anti-patterns": "ML-system anti-patterns (Sculley et al. §5)",
    "configuration": "Configuration debt (Sculley et al. §6)",
    "external-world": "Changes in the external world (Sculley et al. §7)",
    "notebook-hygiene": "Notebook hygiene",
    "reproducibility": "Reproducibility and evaluation correctness",
}

NotebookCell = Union[str, dict]
ExampleCode = Union[str, list, dict]


@dataclass
class Example:
    """A rule example: a script (str), a notebook (list of cell sources or cell dicts) or a project
    (dict of path -> str or list of cells). `expect` is the number of findings of this rule (INVALID: >= 1)."""

    code: ExampleCode
    expect: int | None = None
    note: str = ""


class Rule:
    id: ClassVar[str] = ""
    name: ClassVar[str] = ""
    family: ClassVar[str] = ""
    severity: ClassVar[str] = "warning"
    enabled_by_default: ClassVar[bool] = True
    options: ClassVar[dict[str, Any]] = {}  # option name -> default value (type is the default's type)
    fix: ClassVar[str] = "none"  # "safe", "unsafe" or "none"
    VALID: ClassVar[list[Example]] = []
    INVALID: ClassVar[list[Example]] = []

    @classmethod
    def summary(cls) -> str:
        """First line of the docstring: the one-line description."""
        doc = (cls.__doc__ or "").strip()
        return doc.splitlines()[0].strip() if doc else cls.name

    @classmethod
    def sections(cls) -> dict[str, str]:
        """The docstring's sections ("What it flags", "Why it is debt", "Example", "Fix", "Limits")."""
        import inspect

        doc = inspect.cleandoc(cls.__doc__ or "")
        sections: dict[str, list[str]] = {}
        current = "Summary"
        for line in doc.splitlines():
            if line.startswith("## "):
                current = line[3:].strip()
                sections[current] = []
            else:
                sections.setdefault(current, []).append(line)
        return {k: "\n".join(v).strip() for k, v in sections.items()}


@dataclass
class FileContext:
    """What a file rule sees: the loaded source, each code cell with its tree (None if unparsable)."""

    path: str
    source: Source
    parsed: list[tuple[Cell, ast.Module | None]]
    facts: FileFacts
    options: dict[str, Any] = field(default_factory=dict)
    root: str = ""  # the project root on disk ("" when analysing text that is not in a project)
    _comments: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)
    _shared: dict[str, Any] = field(default_factory=dict)

    @property
    def is_notebook(self) -> bool:
        return self.source.kind == "notebook"

    def pos(self, cell: Cell, node: ast.AST | None = None, line: int = 1, column: int = 1,
            end_line: int | None = None, end_column: int | None = None) -> Pos:
        if node is not None:
            line = getattr(node, "lineno", line)
            column = getattr(node, "col_offset", column - 1) + 1
            end_line = getattr(node, "end_lineno", None) or line
            end_column = (getattr(node, "end_col_offset", None) or column - 1) + 1
        return Pos(cell.index, cell.cell_id, line, column, end_line or line, end_column or column)

    def finding(self, rule: type[Rule] | Rule, cell: Cell, node: ast.AST | None, message: str,
                related: Iterable[dict] = (), line: int = 1, column: int = 1, scope: str = "",
                end_line: int | None = None, end_column: int | None = None) -> Finding:
        pos = self.pos(cell, node, line, column, end_line, end_column)
        lines = cell.raw.split("\n")
        snippet = lines[pos.line - 1].strip() if 0 < pos.line <= len(lines) else ""
        return Finding(rule.id, self.path, pos, message, list(related), snippet=snippet, scope=scope)

    def related_at(self, cell: Cell, node: ast.AST, message: str) -> dict:
        return {"path": self.path, "cell": cell.index, "line": getattr(node, "lineno", 1), "message": message}

    def comments(self, cell: Cell) -> list[tuple[int, int, str]]:
        """(line, column, text) of each comment in the cell (cached per cell; see `mldebt.sources.comments`)."""
        key = id(cell)
        if key not in self._comments:
            self._comments[key] = comments_in(cell.code)
        return self._comments[key]

    def shared(self, key: str, compute: Callable[["FileContext"], Any]) -> Any:
        """`compute(self)`, once per file: for values several rules derive alike (treat them as read-only)."""
        if key not in self._shared:
            self._shared[key] = compute(self)
        return self._shared[key]

    def trees(self) -> Iterable[tuple[Cell, ast.Module]]:
        for cell, tree in self.parsed:
            if tree is not None:
                yield cell, tree


class FileRule(Rule):
    def check(self, ctx: FileContext) -> Iterable[Finding]:  # pragma: no cover - interface
        raise NotImplementedError


class ProjectRule(Rule):
    def check(self, project: "ProjectContext") -> Iterable[Finding]:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass
class ProjectContext:
    """What a project rule sees: the graph, every file's facts, the config and this rule's options."""

    root: str
    graph: Any  # mldebt.graph.DataGraph
    facts: dict[str, FileFacts]
    config: Any  # mldebt.config.Config
    options: dict[str, Any] = field(default_factory=dict)
    shared_values: dict[str, Any] = field(default_factory=dict)  # one dict for all project rules of a check
    # The files whose findings are shown (changed-files mode: the named files); None when every file's are.
    # A rule may skip work that can only produce findings located elsewhere; what it reports in these files
    # must stay exactly what it reports in a full run.
    report_paths: frozenset[str] | None = None

    def reports(self, path: str) -> bool:
        """Whether findings located in `path` are shown in this run."""
        return self.report_paths is None or path in self.report_paths

    def shared(self, key: str, compute: Callable[["ProjectContext"], Any]) -> Any:
        """`compute(self)`, once per check: for project-wide values several rules derive alike (read-only)."""
        if key not in self.shared_values:
            self.shared_values[key] = compute(self)
        return self.shared_values[key]

    def finding(self, rule: type[Rule] | Rule, path: str, pos: Pos, message: str,
                related: Iterable[dict] = (), snippet: str = "", scope: str = "") -> Finding:
        if not snippet:
            facts = self.facts.get(path)
            snippet = facts.source_line(pos.cell, pos.line).strip() if facts else ""
        return Finding(rule.id, path, pos, message, list(related), snippet=snippet, scope=scope)
