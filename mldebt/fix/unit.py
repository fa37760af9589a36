"""One file being fixed: its bytes, its cells and syntax trees, and applying a cell's edits safely.

Edits are collected per finding (a fix may need several, all or none). A cell's accepted edits are
applied to its raw text in one go; the result is masked and parsed again, and when it no longer parses
the fixes are re-tried one by one so that only the ones that break it are dropped. A fix that would
rewrite a masked IPython line (a `!shell`, `%magic` or `%%magic` line) is refused: libcst sees those
lines as `pass`, and writing that back would destroy the magic.
"""

from __future__ import annotations

import ast
import codecs
import io
import tokenize
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from mldebt.analysis import parse_cell
from mldebt.facts.model import FileFacts, Pos
from mldebt.fix.model import Edit, NoFix
from mldebt.rules.base import FileContext
from mldebt.sources.load import load_source
from mldebt.sources.magics import mask_cell
from mldebt.sources.model import Cell


def char_column(line_text: str, byte_column: int) -> int:
    """`ast` columns count UTF-8 bytes; libcst and our edits count characters."""
    return len(line_text.encode("utf-8")[:byte_column].decode("utf-8", errors="ignore"))


@dataclass
class CellCst:
    """libcst's view of one cell: the module, node positions, and nodes by start position."""

    module: object
    positions: dict
    starts: dict[tuple[int, int], list] = field(default_factory=dict)


class FileUnit:
    def __init__(self, root: Path, rel: str, kind: str, facts: FileFacts | None):
        self.root, self.rel, self.kind = root, rel, kind
        self.data = (root / rel).read_bytes()
        self.source = load_source(self.data, rel, kind)
        self.parsed = [(cell, parse_cell(cell)[0]) for cell in self.source.cells]
        self.ctx = FileContext(rel, self.source, self.parsed, facts or FileFacts(path=rel, kind=kind))
        self._cst: dict[int, CellCst | None] = {}
        self.memo: dict = {}  # what fixers compute once per file (import aliases, constants)

    @classmethod
    def analysed(cls, ctx: FileContext) -> "FileUnit":
        """The file as the analysis worker already holds it (for planning only: no root, no bytes)."""
        unit = cls.__new__(cls)
        unit.root, unit.rel, unit.kind, unit.data = None, ctx.path, ctx.source.kind, b""
        unit.source, unit.parsed, unit.ctx = ctx.source, ctx.parsed, ctx
        unit._cst, unit.memo = {}, {}
        return unit

    # ------------------------------------------------------------------ finding cells and nodes
    def cell_at(self, pos: Pos) -> Cell:
        for cell in self.source.cells:
            if cell.index == pos.cell:
                return cell
        raise NoFix("the finding's cell is no longer in the file")

    def tree(self, cell: Cell) -> ast.Module:
        for c, tree in self.parsed:
            if c is cell and tree is not None:
                return tree
        raise NoFix("the cell does not parse")

    def line(self, cell: Cell, number: int) -> str:
        lines = cell.code.split("\n")
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def start_of(self, cell: Cell, pos: Pos) -> tuple[int, int]:
        """The finding's start as (line, character column)."""
        return pos.line, char_column(self.line(cell, pos.line), pos.column - 1)

    def ast_node_at(self, cell: Cell, pos: Pos, types: tuple) -> ast.AST:
        for node in ast.walk(self.tree(cell)):
            if isinstance(node, types) and getattr(node, "lineno", None) == pos.line and \
                    node.col_offset == pos.column - 1:
                return node
        raise NoFix("the code at the finding's position has changed")

    def cst(self, cell: Cell) -> CellCst:
        key = id(cell)
        if key not in self._cst:
            import libcst
            from libcst.metadata import MetadataWrapper, PositionProvider

            try:
                wrapper = MetadataWrapper(libcst.parse_module(cell.code), unsafe_skip_copy=True)
                positions = wrapper.resolve(PositionProvider)
            except (libcst.ParserSyntaxError, RecursionError) as exc:
                self._cst[key] = None
                raise NoFix(f"libcst cannot parse the cell: {str(exc).splitlines()[0]}") from exc
            index = CellCst(wrapper.module, positions)
            for node, where in positions.items():
                index.starts.setdefault((where.start.line, where.start.column), []).append(node)
            self._cst[key] = index
        found = self._cst[key]
        if found is None:
            raise NoFix("libcst cannot parse the cell")
        return found

    def cst_node_at(self, cell: Cell, start: tuple[int, int], types: tuple):
        for node in self.cst(cell).starts.get(start, []):
            if isinstance(node, types):
                return node
        raise NoFix("libcst finds no matching node at the finding's position")

    def cst_range(self, cell: Cell, node) -> tuple[tuple[int, int], tuple[int, int]]:
        where = self.cst(cell).positions[node]
        return (where.start.line, where.start.column), (where.end.line, where.end.column)

    # ------------------------------------------------------------------ applying edits
    @staticmethod
    def masked_lines(cell: Cell) -> set[int]:
        return {i for i, (raw, code) in enumerate(zip(cell.raw.split("\n"), cell.code.split("\n")), start=1)
                if raw != code}

    def apply(self, cell: Cell, groups: list[list[Edit]]) -> tuple[str, list[int], dict[int, str]]:
        """Apply the cell's edit groups: (new raw text, accepted group numbers, {refused group: why})."""
        masked = self.masked_lines(cell)
        refused: dict[int, str] = {}
        accepted: list[int] = []
        taken: list[Edit] = []
        for number, group in enumerate(groups):
            why = _refusal(group, masked, taken)
            if why:
                refused[number] = why
                continue
            accepted.append(number)
            taken.extend(e for e in group if e not in taken)
        text = _apply_edits(cell.raw, taken)
        if _parses(text, cell.index is not None):
            return text, accepted, refused
        kept: list[int] = []
        taken = []
        for number in accepted:  # find the fixes that break the code, keep the others
            trial = taken + [e for e in groups[number] if e not in taken]
            if _parses(_apply_edits(cell.raw, trial), cell.index is not None):
                kept.append(number)
                taken = trial
            else:
                refused[number] = "the fixed code would not parse"
        return _apply_edits(cell.raw, taken), kept, refused

    def serialise(self, new_raw: dict[int | None, str]) -> bytes:
        """The file's new bytes with the changed cells' text (cell index -> raw text; None for a script)."""
        if self.kind != "notebook":
            return _encode_script(self.data, new_raw[None])
        from mldebt.fix.notebook_json import splice

        text = self.data.decode("utf-8")
        return splice(text, {index: raw for index, raw in new_raw.items() if index is not None}).encode("utf-8")


def _refusal(group: list[Edit], masked: set[int], taken: list[Edit]) -> str:
    for edit in group:
        last = edit.end[0] if edit.end[1] > 0 or edit.end[0] == edit.start[0] else edit.end[0] - 1
        touched = set(range(edit.start[0], last + 1))
        if touched & masked and not edit.on_magic:
            return "it would rewrite an IPython magic or shell line"
        if any(edit != other and edit.overlaps(other) for other in taken):
            return "another fix changes the same code (run --fix again)"
    return ""


def _offset(lines: list[str], where: tuple[int, int]) -> int:
    line, column = where
    return sum(len(text) + 1 for text in lines[:line - 1]) + column


def _apply_edits(raw: str, edits: list[Edit]) -> str:
    lines = raw.split("\n")
    spans = sorted(((_offset(lines, e.start), _offset(lines, e.end), e.text) for e in edits), reverse=True)
    for start, end, text in spans:
        raw = raw[:start] + text + raw[end:]
    return raw


def _parses(raw: str, notebook: bool) -> bool:
    code, _, cell_magic = mask_cell(raw) if notebook else (raw, [], None)
    if cell_magic is not None:
        return True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _encode_script(original: bytes, text: str) -> bytes:
    """Encode fixed script text as the original was: its encoding, BOM and line endings."""
    encoding = tokenize.detect_encoding(io.BytesIO(original).readline)[0]
    newline = "\r\n" if b"\r\n" in original else "\n"
    if newline != "\n":
        text = text.replace("\n", newline)
    data = text.encode("utf-8" if encoding == "utf-8-sig" else encoding)
    if original.startswith(codecs.BOM_UTF8) and not data.startswith(codecs.BOM_UTF8):
        data = codecs.BOM_UTF8 + data
    return data
