"""Writing mldebt's own outputs: to stdout, or atomically to a file (never a partial file on Ctrl-C)."""

from __future__ import annotations

import sys
from pathlib import Path


def emit(text: str, output: str | None) -> None:
    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from mldebt.cache import atomic_write

    atomic_write(Path(output), text.encode("utf-8"))
