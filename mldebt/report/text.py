"""The text format: one ruff-like line per finding, then a summary line. Colour only on a TTY."""

from __future__ import annotations

import os

from mldebt.report.common import baseline_note, location, plural

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_BOLD, _RESET = "\033[1m", "\033[0m"


def use_colour(stream) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def render(recs: list[dict], summary: str, colour: bool = False) -> str:
    lines = []
    for rec in recs:
        loc = location(rec)
        code = f"{rec['rule']} {rec['name']}"
        if colour:
            loc = f"{_BOLD}{loc}{_RESET}"
            code = f"{_COLOURS.get(rec['severity'], '')}{code}{_RESET}"
        lines.append(f"{loc}: {code}: {rec['message']}")
    lines.append(summary)
    return "\n".join(lines) + "\n"


def summary_line(count: int, scripts: int, notebooks: int, elapsed: float, hidden: int = 0) -> str:
    text = f"Found {plural(count, 'finding')} ({scripts} files, {notebooks} notebooks) in {elapsed:.2f}s"
    if hidden:
        text += f"; {baseline_note(hidden)}"
    return text
