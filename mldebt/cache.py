"""The facts cache: per-file `FileFacts` keyed by content hash + mldebt version + extraction config.

Layout: `.mldebt_cache/<version>-<config digest>/index.pickle` maps each path to (mtime_ns, size, sha1) so
unchanged files are not even read; `facts/<sha1>.pickle` holds the facts. Every write is atomic (temp
file + rename); anything unreadable, corrupt or foreign is ignored and rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from mldebt import __version__
from mldebt.facts.model import FileFacts

CACHE_DIR = ".mldebt_cache"
MAGIC = b"mldebt-cache-1\n"


def _file_mode(path: Path) -> int:
    """The existing file's mode, or what a plain open() would create (0666 minus the umask)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temp file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, _file_mode(path))  # mkstemp makes 0600 files; outputs get the usual permissions
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _load(path: Path):
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(MAGIC):
        return None
    try:
        return pickle.loads(data[len(MAGIC):])
    except Exception:  # corrupt or written by an incompatible version
        return None


class FactsCache:
    def __init__(self, root: Path, digest: str):
        self.root = root
        self.base = root / CACHE_DIR / f"{__version__}-{digest}"
        index = _load(self.base / "index.pickle")
        self.index: dict[str, tuple[int, int, str]] = index if isinstance(index, dict) else {}
        self.dirty = False
        self.writable = True

    def _stat(self, rel: str) -> tuple[int, int] | None:
        try:
            st = os.stat(self.root / rel)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def get(self, rel: str) -> FileFacts | None:
        entry = self.index.get(rel)
        stat = self._stat(rel)
        if entry is None or stat is None:
            return None
        if (entry[0], entry[1]) != stat:
            try:
                digest = hashlib.sha1((self.root / rel).read_bytes()).hexdigest()
            except OSError:
                return None
            if digest != entry[2]:
                return None
            self.index[rel] = (stat[0], stat[1], digest)
            self.dirty = True
        facts = _load(self.base / "facts" / f"{entry[2]}.pickle")
        if not isinstance(facts, FileFacts) or facts.path != rel:
            return None
        return facts

    def put(self, rel: str, facts: FileFacts) -> None:
        if not self.writable:
            return
        stat = self._stat(rel)
        if stat is None:
            return
        try:
            digest = hashlib.sha1((self.root / rel).read_bytes()).hexdigest()
            if self._stat(rel) != stat:
                return  # changed while we analysed it: do not cache a stale result
            atomic_write(self.base / "facts" / f"{digest}.pickle",
                         MAGIC + pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL))
        except (OSError, pickle.PicklingError, RecursionError):
            self.writable = False
            return
        self.index[rel] = (stat[0], stat[1], digest)
        self.dirty = True

    def save(self, present: set[str]) -> None:
        stale = set(self.index) - present
        for rel in stale:
            del self.index[rel]
            self.dirty = True
        if not self.dirty or not self.writable:
            return
        try:
            top = self.root / CACHE_DIR
            top.mkdir(exist_ok=True)
            if not (top / ".gitignore").exists():
                atomic_write(top / ".gitignore", b"# created by mldebt\n*\n")
            atomic_write(self.base / "index.pickle", MAGIC + pickle.dumps(self.index))
        except OSError:
            pass
