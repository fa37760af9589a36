"""Where a notebook cell's source line sits in the raw `.ipynb` file.

Findings in notebooks are located by cell and line within the cell, which is what a person sees in
Jupyter. Tools that annotate the file as stored (GitHub code scanning, workflow annotations, a PR diff)
need the line of the JSON text instead. This module scans the JSON once, remembering where each string
of every cell's `source` starts, and maps (cell, cell line) to that raw line.

A JSON string never spans raw lines (newlines inside it are escaped), so each source string sits on one
raw line: with the usual list-of-strings layout every cell line gets its own raw line; with a single
string source, every cell line maps to the line holding that string.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}
_scanstring = json.decoder.scanstring


class _Invalid(Exception):
    pass


@dataclass(frozen=True)
class _Str:
    """A JSON string with the offset of its opening quote."""

    value: str
    offset: int


class _Scanner:
    """A small JSON reader that keeps string offsets (the stdlib parser forgets positions).
    Strings are decoded by the stdlib's C `scanstring`, so large outputs cost little."""

    def __init__(self, text: str):
        self.text = text

    def value(self, i: int):
        text = self.text
        i = _WS.match(text, i).end()
        if i >= len(text):
            raise _Invalid("unexpected end")
        char = text[i]
        if char == '"':
            try:
                value, end = _scanstring(text, i + 1, True)
            except ValueError as exc:
                raise _Invalid(str(exc)) from exc
            return _Str(value, i), end
        if char == "{":
            return self._object(i + 1)
        if char == "[":
            return self._array(i + 1)
        for word, value in _LITERALS.items():
            if text.startswith(word, i):
                return value, i + len(word)
        match = _NUMBER.match(text, i)
        if match:
            return match.group(0), match.end()
        raise _Invalid(f"unexpected {char!r} at {i}")

    def _items(self, i: int, close: str, read) -> int:
        """Read `read(i) -> end` items separated by commas up to `close`; returns the offset after it."""
        text = self.text
        i = _WS.match(text, i).end()
        if text.startswith(close, i):
            return i + 1
        while True:
            i = _WS.match(text, read(i)).end()
            if text.startswith(",", i):
                i += 1
            elif text.startswith(close, i):
                return i + 1
            else:
                raise _Invalid(f"missing ',' or {close!r} at {i}")

    def _object(self, i: int):
        out: dict = {}

        def member(j: int) -> int:
            key, j = self.value(j)
            if not isinstance(key, _Str):
                raise _Invalid("object key is not a string")
            j = _WS.match(self.text, j).end()
            if not self.text.startswith(":", j):
                raise _Invalid(f"missing ':' at {j}")
            out[key.value], j = self.value(j + 1)
            return j

        return out, self._items(i, "}", member)

    def _array(self, i: int):
        out: list = []

        def item(j: int) -> int:
            value, j = self.value(j)
            out.append(value)
            return j

        return out, self._items(i, "]", item)


def _cells(doc: dict) -> list:
    """All cells in document order: nbformat 4 `cells`, or nbformat 3 worksheets flattened (as loaded)."""
    if isinstance(doc.get("cells"), list):
        return doc["cells"]
    cells: list = []
    for sheet in doc.get("worksheets") or []:
        if isinstance(sheet, dict) and isinstance(sheet.get("cells"), list):
            cells.extend(sheet["cells"])
    return cells


def _pieces(cell) -> list[_Str]:
    """The cell's source strings (a list, or one string); `input` for nbformat 3 code cells."""
    if not isinstance(cell, dict):
        return []
    source = cell.get("source", cell.get("input"))
    if isinstance(source, _Str):
        return [source]
    if isinstance(source, list):
        return [p for p in source if isinstance(p, _Str)]
    return []


class NotebookLines:
    """Maps (cell index, line in cell) to the 1-based line of the raw notebook file."""

    def __init__(self, text: str):
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        self._cells: list[list[int]] = []  # per cell: the raw line of each cell line (index 0 = line 1)
        try:
            doc, _ = _Scanner(text.lstrip("\ufeff")).value(0)
        except (_Invalid, RecursionError):
            return
        offset_shift = len(text) - len(text.lstrip("\ufeff"))
        if not isinstance(doc, dict):
            return
        for cell in _cells(doc):
            raw_lines: list[int] = []
            at_line_start = True
            for piece in _pieces(cell):
                value = piece.value.replace("\r\n", "\n").replace("\r", "\n")
                if not value:
                    continue
                raw = self._raw_line(piece.offset + offset_shift)
                # every line that starts inside this piece sits on the piece's raw line
                starts = value.count("\n") + (1 if at_line_start else 0) - (1 if value.endswith("\n") else 0)
                raw_lines.extend([raw] * starts)
                at_line_start = value.endswith("\n")
            self._cells.append(raw_lines)

    def _raw_line(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1

    def raw_line(self, cell: int | None, line: int) -> int | None:
        """The raw file line of `line` (1-based) in notebook cell `cell` (1-based among all cells);
        None when the notebook cannot be scanned or has no such cell."""
        if cell is None or not 0 < cell <= len(self._cells) or not self._cells[cell - 1]:
            return None
        raw_lines = self._cells[cell - 1]
        return raw_lines[min(max(line, 1), len(raw_lines)) - 1]


def notebook_lines(data: bytes | str) -> NotebookLines:
    """Build the map from a notebook's bytes or text (undecodable bytes give an empty map)."""
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="replace")
    return NotebookLines(data)
