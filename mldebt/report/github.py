"""GitHub Actions workflow-command annotations (`check --format github`).

Each finding becomes `::warning file=...,line=...,col=...,title=...::message`, which GitHub shows on the
pull request's diff. Paths are relative to the repository root; notebook findings point at the raw
`.ipynb` line holding the source line, and the message names the cell and line as Jupyter shows them.
"""

from __future__ import annotations

from mldebt.report.common import baseline_note, plural
from mldebt.report.locate import Locator

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """The message part: `%`, CR and LF are percent-encoded (GitHub's toolkit `escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: additionally `:` and `,` (GitHub's toolkit `escapeProperty`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(rec: dict, locator: Locator) -> str:
    props = [("file", locator.repo_path(rec["path"])),
             ("line", str(locator.file_line(rec["path"], rec["cell"], rec["line"])))]
    message = rec["message"]
    if rec["cell"] is None:
        props.append(("col", str(rec["column"])))
        if rec["end_line"] and rec["end_line"] >= rec["line"]:
            props.append(("endLine", str(rec["end_line"])))
            if rec["end_line"] == rec["line"] and rec["end_column"] and rec["end_column"] > rec["column"]:
                props.append(("endColumn", str(rec["end_column"])))
    else:
        message = f"cell {rec['cell']}, line {rec['line']}: {message}"
    props.append(("title", f"{rec['rule']} {rec['name']}"))
    head = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{COMMANDS.get(rec['severity'], 'warning')} {head}::{escape_data(message)}"


def render(recs: list[dict], result) -> str:
    locator = Locator(result.root)
    lines = [annotation(rec, locator) for rec in recs]
    note = baseline_note(getattr(result, "baseline_hidden", 0))
    lines.append(f"mldebt: {plural(len(recs), 'finding')}" + (f"; {note}" if note else ""))
    return "\n".join(lines) + "\n"
