"""Loading one file from disk into a `Source`: scripts by PEP 263 decoding, notebooks from their JSON.

Notebooks are read with `json` (nbformat costs ~115 ms to import and validates far more than we need);
nbformat 3 documents are upgraded here by hand. Every failure becomes a `SourceProblem`, never an exception.
"""

from __future__ import annotations

import io
import json
import tokenize

from mldebt.sources.magics import mask_cell
from mldebt.sources.model import Cell, Source, SourceProblem

PYTHON_LANGUAGES = {"python", "python3", "python2", "ipython", "ipython3", "pyspark", "pyspark3"}


def decode_python(data: bytes) -> tuple[str | None, str | None]:
    """Decode script bytes as Python does (BOM, PEP 263 cookie); returns (text, problem)."""
    if b"\x00" in data:
        return None, "binary file (contains NUL bytes)"
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        return None, f"cannot determine encoding: {exc}"
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        return None, f"cannot decode as {encoding}: {exc}"
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


def _join_source(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return "".join(value)
    return None


def _upgrade_v3(doc: dict) -> dict:
    """Turn an nbformat 3 document into the v4 shape we read (cells at the top level)."""
    cells = []
    worksheets = doc.get("worksheets")
    if isinstance(worksheets, list):
        for sheet in worksheets:
            if isinstance(sheet, dict) and isinstance(sheet.get("cells"), list):
                for cell in sheet["cells"]:
                    if not isinstance(cell, dict):
                        cells.append(cell)
                        continue
                    new = dict(cell)
                    if new.get("cell_type") == "code":
                        new["source"] = cell.get("input", "")
                        new["execution_count"] = cell.get("prompt_number")
                    elif new.get("cell_type") == "heading":
                        new["cell_type"] = "markdown"
                    cells.append(new)
    metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    language = None
    if isinstance(worksheets, list):
        for sheet in worksheets:
            for cell in (sheet.get("cells") or []) if isinstance(sheet, dict) else []:
                if isinstance(cell, dict) and isinstance(cell.get("language"), str):
                    language = cell["language"]
                    break
    if language:
        metadata = {**metadata, "language_info": {"name": language}}
    return {"cells": cells, "metadata": metadata, "nbformat": 4}


def notebook_language(metadata: object) -> str:
    """The notebook's kernel language, lower-cased ("python" when it does not say)."""
    if not isinstance(metadata, dict):
        return "python"
    info = metadata.get("language_info")
    if isinstance(info, dict) and isinstance(info.get("name"), str):
        return info["name"].lower()
    spec = metadata.get("kernelspec")
    if isinstance(spec, dict):
        if isinstance(spec.get("language"), str):
            return spec["language"].lower()
        name = spec.get("name")
        if isinstance(name, str) and not name.lower().startswith(("python", "py", "conda", "venv")):
            return name.lower()
    return "python"


def load_notebook(data: bytes, path: str) -> Source:
    source = Source(path=path, kind="notebook")
    if not data.strip():
        source.problems.append(SourceProblem("empty notebook file (not JSON)"))
        return source
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        source.problems.append(SourceProblem(f"notebook is not UTF-8 text: {exc.reason} at byte {exc.start}"))
        return source
    except json.JSONDecodeError as exc:
        source.problems.append(SourceProblem(f"invalid notebook JSON: {exc.msg}", line=exc.lineno, column=exc.colno))
        return source
    except RecursionError:
        source.problems.append(SourceProblem("invalid notebook JSON: nested too deeply"))
        return source
    if not isinstance(doc, dict):
        source.problems.append(SourceProblem(f"notebook JSON is a {type(doc).__name__}, not an object"))
        return source
    major = doc.get("nbformat")
    if isinstance(major, int) and major < 4:
        if major < 3:
            source.problems.append(SourceProblem(f"nbformat {major} is too old to read"))
            return source
        doc = _upgrade_v3(doc)
        source.notes.append("nbformat 3 notebook read by upgrading it to nbformat 4")
    cells = doc.get("cells")
    if cells is None:
        source.problems.append(SourceProblem("notebook has no 'cells' list"))
        return source
    if not isinstance(cells, list):
        source.problems.append(SourceProblem(f"notebook 'cells' is a {type(cells).__name__}, not a list"))
        return source
    language = notebook_language(doc.get("metadata"))
    source.language = language
    if language not in PYTHON_LANGUAGES:
        source.skipped = True
        source.notes.append(f"skipped: the notebook's kernel language is {language}, not Python")
        return source
    code_position = 0
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            source.problems.append(SourceProblem(f"cell is a {type(cell).__name__}, not an object", cell=number))
            continue
        cell_type = cell.get("cell_type")
        cell_id = cell.get("id") if isinstance(cell.get("id"), str) else None
        if cell_type == "markdown":
            source.markdown_cells += 1
            continue
        if cell_type != "code":
            continue
        text = _join_source(cell.get("source"))
        if text is None:
            source.problems.append(SourceProblem(
                f"code cell 'source' is {type(cell.get('source')).__name__}, not text", cell=number, cell_id=cell_id))
            continue
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        count = cell.get("execution_count")
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        tags = metadata.get("tags") if isinstance(metadata.get("tags"), list) else []
        code, magics, cell_magic = mask_cell(text)
        source.cells.append(Cell(
            index=number, cell_id=cell_id, raw=text, code=code, magics=magics, cell_magic=cell_magic,
            execution_count=count if isinstance(count, int) and not isinstance(count, bool) else None,
            tags=tuple(t for t in tags if isinstance(t, str)), code_position=code_position,
            has_outputs=bool(cell.get("outputs")) if isinstance(cell.get("outputs"), list) else False))
        code_position += 1
    return source


def load_script(data: bytes, path: str, kind: str = "script") -> Source:
    source = Source(path=path, kind=kind)
    text, problem = decode_python(data)
    if problem:
        source.problems.append(SourceProblem(problem))
        return source
    source.cells.append(Cell(index=None, cell_id=None, raw=text, code=text))
    return source


def load_source(data: bytes, path: str, kind: str) -> Source:
    """Build a `Source` from a file's bytes; `kind` is "notebook", "script" or "module"."""
    if kind == "notebook":
        return load_notebook(data, path)
    return load_script(data, path, kind)
