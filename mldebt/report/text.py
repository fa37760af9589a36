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


def render(recs: list[dict], summary: str, colour: bool = False, fixable: list[bool] | None = None) -> str:
    """`fixable[i]`: finding i has a safe fix; it is marked `[*]` as ruff does."""
    lines = []
    for i, rec in enumerate(recs):
        loc = location(rec)
        code = f"{rec['rule']}{' [*]' if fixable and fixable[i] else ''} {rec['name']}"
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


def fixes_line(safe: int, unsafe: int) -> str:
    """"[*] 3 fixable with --fix (2 more with --unsafe-fixes)"; empty when nothing can be fixed."""
    if not safe and not unsafe:
        return ""
    more = f"{unsafe} more" if safe else f"{unsafe}"
    text = f"[*] {safe} fixable with --fix" if safe else ""
    if unsafe:
        text += f"{' (' if safe else ''}{more} fixable with --fix --unsafe-fixes{')' if safe else ''}"
    return text
