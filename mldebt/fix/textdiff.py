"""Unified diffs of fixed files that `patch -p1` (and `git apply`) accept, new files included."""

from __future__ import annotations

import difflib

from mldebt.fix.model import FileChange

_NO_NEWLINE = "\\ No newline at end of file\n"


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="surrogateescape").splitlines(keepends=True)


def unified(change: FileChange) -> str:
    before = _lines(change.before) if change.before is not None else []
    after = _lines(change.after)
    old = "/dev/null" if change.before is None else f"a/{change.path}"
    out = []
    for line in difflib.unified_diff(before, after, old, f"b/{change.path}", n=3):
        if line.startswith(("---", "+++")):
            out.append(line.rstrip("\n") + "\n")
        elif line.endswith("\n"):
            out.append(line)
        else:  # the last line of a file without a final newline
            out.append(line + "\n" + _NO_NEWLINE)
    return "".join(out).encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
