"""Plain data describing one loaded input file: its code cells, masked magics and load problems.

Everything here is picklable so it can cross process boundaries and live in the cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Magic:
    """An IPython construct that is not Python: a line magic, a `!shell` line, a `?help` line or a cell magic.

    `line` is 1-based within the cell; `text` is the command without its `%`, `%%` or `!` prefix,
    continuation lines joined.
    """

    line: int
    column: int
    kind: str  # "line" (%x), "cell" (%%x), "shell" (!x), "help" (x? / ?x)
    name: str  # magic name ("pip", "run", "sql"), or the shell program ("pip", "python", "ls")
    text: str
    assigned_to: str | None = None  # `files = !ls` binds `files`


@dataclass
class Cell:
    """One unit of code: a notebook code cell, or the whole text of a script (index None)."""

    index: int | None  # 1-based position among ALL cells of the notebook; None for scripts
    cell_id: str | None
    raw: str  # the text as the user wrote it
    code: str  # Python text with magics masked so line numbers never move
    magics: list[Magic] = field(default_factory=list)
    cell_magic: str | None = None  # name of a %%magic whose body is not Python ("sql", "bash")
    execution_count: int | None = None
    tags: tuple[str, ...] = ()
    code_position: int = 0  # 0-based position among the notebook's code cells
    has_outputs: bool = False  # the saved cell shows outputs (so it ran, whatever its execution_count)


@dataclass(frozen=True)
class SourceProblem:
    """A reason a file or a cell could not be read or parsed (becomes an MLD001 finding)."""

    message: str
    cell: int | None = None
    cell_id: str | None = None
    line: int = 1
    column: int = 1


@dataclass
class Source:
    """A loaded input file."""

    path: str  # project-relative POSIX path
    kind: str  # "script", "module" or "notebook"
    cells: list[Cell] = field(default_factory=list)
    problems: list[SourceProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. "skipped: kernel is R"
    skipped: bool = False
    language: str = "python"
    markdown_cells: int = 0

    @property
    def is_notebook(self) -> bool:
        return self.kind == "notebook"
