"""Writing changed cells back into a notebook's JSON text without touching any other byte.

Re-serialising a notebook (even with nbformat's own `json.dumps` settings) rewrites outputs, metadata
and key order whenever the file was written by another tool. So only the `source` strings of the cells
that changed are replaced, in place: the new source is split into lines as nbformat does and each line
written as a JSON string with the separator (comma, newline, indentation) the array already uses; a
line the cell already had keeps its original spelling (escapes included).
"""

from __future__ import annotations

import json

from mldebt.sources.ipynb_lines import _cells, _Invalid, _Scanner, _Str

_scanstring = json.decoder.scanstring


class SpliceError(Exception):
    pass


def _end_of(text: str, piece: _Str) -> int:
    return _scanstring(text, piece.offset + 1, True)[1]


def _indent_before(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    prefix = text[start:offset]
    return prefix if not prefix.strip() else ""


def _locate(text: str) -> list:
    try:
        doc, _ = _Scanner(text).value(0)
    except (_Invalid, RecursionError) as exc:
        raise SpliceError(f"cannot scan the notebook JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise SpliceError("the notebook JSON is not an object")
    return _cells(doc)


def cells_with_cr(text: str) -> set[int]:
    """Cells (1-based) whose source has CR line endings: loading normalises them, so fixed text would not
    keep them, and such cells are not fixed."""
    try:
        cells = _locate(text.lstrip("\ufeff"))
    except SpliceError:
        return set()
    out = set()
    for index, cell in enumerate(cells, start=1):
        source = cell.get("source", cell.get("input")) if isinstance(cell, dict) else None
        pieces = source if isinstance(source, list) else [source]
        if any(isinstance(p, _Str) and "\r" in p.value for p in pieces):
            out.add(index)
    return out


def splice(text: str, sources: dict[int, str]) -> str:
    """`text` with the source of each cell in `sources` (1-based index among all cells) replaced."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom):]
    cells = _locate(body)
    ascii_only = body.isascii()
    regions: list[tuple[int, int, str]] = []
    for index, new_source in sources.items():
        if not 0 < index <= len(cells) or not isinstance(cells[index - 1], dict):
            raise SpliceError(f"cell {index} is not in the notebook")
        cell = cells[index - 1]
        source = cell.get("source", cell.get("input"))
        if isinstance(source, _Str) and "\r" in source.value:
            raise SpliceError(f"cell {index} uses CR line endings, which the fixed text would lose")
        if isinstance(source, _Str):
            end = _end_of(body, source)
            regions.append((source.offset, end, json.dumps(new_source, ensure_ascii=ascii_only)))
            continue
        if not isinstance(source, list) or not source or not all(isinstance(p, _Str) for p in source):
            raise SpliceError(f"cell {index} has no source lines to replace")
        if any("\r" in p.value for p in source):
            raise SpliceError(f"cell {index} uses CR line endings, which the fixed text would lose")
        spelled = {p.value: body[p.offset:_end_of(body, p)] for p in source}
        if len(source) > 1:
            separator = body[_end_of(body, source[0]):source[1].offset]
        else:
            separator = ",\n" + _indent_before(body, source[0].offset)
        lines = new_source.splitlines(keepends=True)
        written = separator.join(spelled.get(line) or json.dumps(line, ensure_ascii=ascii_only) for line in lines)
        regions.append((source[0].offset, _end_of(body, source[-1]), written))
    for start, end, replacement in sorted(regions, reverse=True):
        body = body[:start] + replacement + body[end:]
    return bom + body
