"""Helpers to materialise rule examples and test projects: notebooks from cell lists, projects from dicts.

Used by the test suite (every rule's VALID/INVALID examples run as tests) and handy for users writing
their own rule tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Union

Cells = list


def notebook_json(cells: Cells, language: str = "python", nbformat_minor: int = 5) -> str:
    """An nbformat 4 notebook. Cells are source strings (code, executed in order) or dicts with
    `source` and optional `cell_type`, `execution_count`, `id`, `tags`, `outputs`."""
    out = []
    count = 0
    for i, cell in enumerate(cells):
        if isinstance(cell, str):
            cell = {"source": cell}
        cell_type = cell.get("cell_type", "code")
        source = cell.get("source", "")
        lines = source.splitlines(keepends=True) if isinstance(source, str) else source
        entry = {"cell_type": cell_type, "id": cell.get("id", f"cell-{i + 1}"), "metadata": {}, "source": lines}
        if cell.get("tags"):
            entry["metadata"]["tags"] = list(cell["tags"])
        if cell_type == "code":
            if "execution_count" in cell:
                entry["execution_count"] = cell["execution_count"]
            else:
                count += 1
                entry["execution_count"] = count
            entry["outputs"] = cell.get("outputs", [])
        out.append(entry)
    kernel = {"python": ("python3", "Python 3")}.get(language, (language, language))
    doc = {
        "cells": out,
        "metadata": {"kernelspec": {"name": kernel[0], "display_name": kernel[1], "language": language},
                     "language_info": {"name": language}},
        "nbformat": 4,
        "nbformat_minor": nbformat_minor,
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


ExampleCode = Union[str, list, dict]


def write_example(root: Path, code: ExampleCode) -> Path:
    """Write an example (script str, notebook list, or project dict) under `root`; returns `root`."""
    root.mkdir(parents=True, exist_ok=True)
    if isinstance(code, str):
        files = {"example.py": code}
    elif isinstance(code, list):
        files = {"example.ipynb": code}
    else:
        files = dict(code)
    if not any(name in files for name in ("pyproject.toml", ".mldebt.yaml")):
        files.setdefault(".mldebt.yaml", "{}\n")
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, list):
            path.write_text(notebook_json(content), encoding="utf-8")
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root
