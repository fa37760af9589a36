"""Artifacts touched by IPython magics and shell lines: `%run x.ipynb`, `!python step.py`, `%%writefile`,
`%%sql`, `!papermill a.ipynb b.ipynb`, `!jupyter nbconvert --execute x.ipynb`."""

from __future__ import annotations

import shlex

from mldebt.facts.model import IOEvent, Pos
from mldebt.facts.sql import pinned_in_time, tables_in
from mldebt.sources.model import Cell


def _tokens(text: str) -> list[str]:
    try:
        return shlex.split(text, comments=False)
    except ValueError:
        return text.split()


def magic_events(cell: Cell) -> list[IOEvent]:
    events: list[IOEvent] = []
    for magic in cell.magics:
        pos = Pos(cell.index, cell.cell_id, magic.line, magic.column, magic.line, magic.column + len(magic.text) + 1)

        def add(direction: str, api: str, kind: str, path: str | None = None, name: str | None = None,
                pos: Pos = pos) -> None:
            events.append(IOEvent(direction, api, kind, ("const", path) if path is not None else None, pos,
                                  name=name, text=path or name or ""))

        tokens = _tokens(magic.text.split("\n", 1)[0])
        if not tokens:
            continue
        if magic.kind == "line" and tokens[0] == "run":
            args = [t for t in tokens[1:] if not t.startswith("-")]
            if args:
                add("execute", "%run", "notebook" if args[0].endswith(".ipynb") else "file", args[0])
        elif magic.kind == "cell" and tokens[0] == "writefile":
            args = [t for t in tokens[1:] if not t.startswith("-")]
            if args:
                add("write", "%%writefile", "file", args[0])
        elif magic.kind == "cell" and tokens[0] == "sql":
            body = magic.text.split("\n", 1)[1] if "\n" in magic.text else ""
            read, written = tables_in(body)
            for table in read:
                if table not in written:
                    add("read", "%%sql", "table", name=table)
                    events[-1].as_of = pinned_in_time(body)
            for table in written:
                add("write", "%%sql", "table", name=table)
        elif magic.kind == "shell" or (magic.kind == "cell" and tokens[0] in ("bash", "sh", "script")):
            lines = magic.text.split("\n")[1:] if magic.kind == "cell" else [magic.text]
            for line in lines:
                events.extend(_shell_events(_tokens(line), "!" if magic.kind == "shell" else "%%bash", add))
    return events


def _shell_events(tokens: list[str], api: str, add) -> list[IOEvent]:
    if not tokens:
        return []
    program = tokens[0].rsplit("/", 1)[-1]
    args = [t for t in tokens[1:] if not t.startswith("-")]
    if program.startswith("python"):
        if "-m" in tokens:
            return []
        if args and args[0].endswith((".py", ".ipynb")):
            add("execute", f"{api}python", "file", args[0])
    elif program == "papermill" and args:
        add("execute", f"{api}papermill", "notebook", args[0])
        if len(args) > 1:
            add("write", f"{api}papermill", "notebook", args[1])
    elif program == "jupyter" and "nbconvert" in tokens and "--execute" in tokens:
        for arg in args:
            if arg.endswith(".ipynb"):
                add("execute", f"{api}nbconvert", "notebook", arg)
    return []
