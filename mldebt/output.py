"""Writing mldebt's own outputs: to stdout, or atomically to a file (never a partial file on Ctrl-C)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def emit(text: str, output: str | None) -> None:
    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from mldebt.cache import atomic_write

    path = Path(output)
    mode = _file_mode(path)
    atomic_write(path, text.encode("utf-8"))
    os.chmod(path, mode)  # the temp file behind the atomic write is private (0600); reports are not


def _file_mode(path: Path) -> int:
    """The existing file's permissions, or what a plain open() would create (0666 minus the umask)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
