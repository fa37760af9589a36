"""What the project stage asks of the world, recorded, so its result can be reused while every answer holds.

The project stage (graph build and project rules) depends on more than the facts of the scanned files:
dvc.yaml, Makefiles and config documents it reads, whether a data file exists, which folders hold which
files, and a few source lines it looks at again. Each of those questions goes through this module. While a
`Recorder` is active it notes every question with its answer; `still_true` asks them all again. When every
answer is unchanged (and every file's facts are, see `mldebt.project_memo`) the stored findings are what a
fresh run would compute, so a warm or pre-commit run skips the stage entirely.

Within one recording a question is answered once (a folder listed by the graph build is not listed again by
MLD205), which also keeps the stage consistent if the tree changes while it runs.

Outside a recording these functions just answer. `tests/test_project_memo.py` runs the project stage with
every other way to touch the file system blocked, so a new rule cannot bypass this module unnoticed.
"""

from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from typing import Iterator

# (kind, path) -> answer; kinds: exists, isfile, isdir, islink, size, read, list, folder.
# Source lines: ("lines", path, cell, first, last).
Answers = dict

_current: "Recorder | None" = None

# mldebt's own cache folder (`mldebt.cache.CACHE_DIR`) is left out of listings: no rule reads it, and the run
# that stores a result creates it, which would otherwise change the root's listing under that very result.
OWN_FOLDER = ".mldebt_cache"


class Recorder:
    def __init__(self) -> None:
        self.answers: Answers = {}
        self.texts: dict[tuple, tuple[str, bytes | None]] = {}  # read key -> (digest, bytes), for this run only


@contextmanager
def record(recorder: Recorder | None = None) -> Iterator[Recorder]:
    """Record every question asked inside the block (nested blocks share the outer recorder's answers)."""
    global _current
    outer = _current
    rec = recorder or outer or Recorder()
    _current = rec
    try:
        yield rec
    finally:
        _current = outer


def _ask(kind: str, path: str, compute):
    rec = _current
    if rec is None:
        return compute(path)
    key = (kind, path)
    if key in rec.answers:
        return rec.answers[key]
    answer = rec.answers[key] = compute(path)
    return answer


# ------------------------------------------------------------------------------------------- questions
def _exists(path: str) -> bool:
    return os.path.exists(path)


def _isfile(path: str) -> bool:
    return os.path.isfile(path)


def _size(path: str) -> int | None:
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def _read(path: str, limit: int | None = None) -> tuple[str, bytes | None]:
    """(sha1 or an error marker, the first `limit` bytes or all). Only the digest is kept as the answer."""
    try:
        with open(path, "rb") as handle:
            data = handle.read() if limit is None else handle.read(limit)
    except OSError as exc:
        return f"error:{exc.errno}", None
    return hashlib.sha1(data).hexdigest(), data


def _listing(path: str) -> tuple | str:
    """Sorted (name, is_dir, is_symlink, is_file) of a folder's entries, classified as `os.walk` does
    (symlinks followed; an entry that cannot be examined is neither dir nor file); or the reason it cannot be
    listed (a str)."""
    try:
        with os.scandir(path) as it:
            entries = []
            for entry in it:
                if entry.name == OWN_FOLDER:
                    continue
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                try:
                    is_link = entry.is_symlink()
                except OSError:
                    is_link = False
                try:
                    is_file = not is_dir and entry.is_file()
                except OSError as exc:
                    is_file = f"cannot stat: {exc.strerror or exc}"
                entries.append((entry.name, is_dir, is_link, is_file))
    except OSError as exc:
        return f"cannot list folder: {exc.strerror or exc}"
    entries.sort()
    return tuple(entries)


def _folder_id(path: str) -> tuple[int, int] | str:
    try:
        st = os.stat(path)
    except OSError as exc:
        return f"cannot read folder: {exc.strerror or exc}"
    return st.st_dev, st.st_ino


def _isdir(path: str) -> bool:
    return os.path.isdir(path)


def _islink(path: str) -> bool:
    return os.path.islink(path)


def exists(path: str) -> bool:
    return _ask("exists", path, _exists)


def is_file(path: str) -> bool:
    return _ask("isfile", path, _isfile)


def is_dir(path: str) -> bool:
    return _ask("isdir", path, _isdir)


def is_link(path: str) -> bool:
    return _ask("islink", path, _islink)


def listing(path: str) -> tuple | str:
    """A folder's entries as (name, is_dir, is_symlink, is_file), sorted; a str saying why it cannot be listed."""
    return _ask("list", path, _listing)


def folder_id(path: str) -> tuple[int, int] | str:
    """(st_dev, st_ino) of a folder, to notice a folder reached twice; a str saying why it cannot be read."""
    return _ask("folder", path, _folder_id)


def size(path: str) -> int | None:
    """The size in bytes, None if it cannot be read."""
    return _ask("size", path, _size)


def read_bytes(path: str, limit: int | None = None) -> bytes:
    """The file's bytes (the first `limit` of them); raises OSError as `open` would (a failure is an answer
    too)."""
    rec = _current
    key = ("read", path) if limit is None else ("read", path, limit)
    if rec is not None and key in rec.texts:
        digest, data = rec.texts[key]
    else:
        digest, data = _read(path, limit)
        if rec is not None:
            rec.answers[key] = digest
            rec.texts[key] = (digest, data)
    if data is None:
        code = digest.split(":", 1)[1]
        raise OSError(int(code) if code.isdigit() else 0, f"cannot read {path}")
    return data


def read_text(path: str, errors: str = "strict", limit: int | None = None) -> str:
    """The file decoded as UTF-8 with universal newlines, as `Path.read_text(encoding="utf-8")`; raises
    OSError or UnicodeDecodeError like it. `limit`: at most that many characters (then read with an
    `errors` handler, since the cut may split a character)."""
    data = read_bytes(path, None if limit is None else limit * 4)
    text = data.decode("utf-8", errors=errors).replace("\r\n", "\n").replace("\r", "\n")
    return text[:limit] if limit is not None else text


def walk(top: str) -> Iterator[tuple[str, list[str], list[str]]]:
    """`os.walk(top)` (top-down, symlinked folders listed but not entered, unlistable folders skipped) with
    names sorted; prune by assigning to the yielded dirs list in place, as with os.walk."""
    stack = [top]
    while stack:
        folder = stack.pop()
        entries = listing(folder)
        if isinstance(entries, str):
            continue
        dirs = [name for name, is_dir, _, _ in entries if is_dir]
        files = [name for name, is_dir, _, _ in entries if not is_dir]
        links = {name for name, is_dir, is_link, _ in entries if is_dir and is_link}
        yield folder, dirs, files
        stack.extend(os.path.join(folder, d) for d in reversed(dirs) if d not in links)


def note_lines(path: str, cell, first: int, last: int, text: str) -> None:
    """Record that source lines `first..last` of a cell of `path` were read, and what they said."""
    rec = _current
    if rec is not None:
        rec.answers[("lines", path, cell, first, last)] = text


# ------------------------------------------------------------------------------------------- replay
_COMPUTE = {"exists": _exists, "isfile": _isfile, "isdir": _isdir, "islink": _islink, "size": _size,
            "list": _listing, "folder": _folder_id,
            "read": lambda path, limit=None: _read(path, limit)[0]}


_replayed: dict = {}  # answers asked again during this scan, shared by the stores that replay them


def new_scan() -> None:
    """Forget replayed answers: the file system may have changed since the last scan in this process."""
    _replayed.clear()
    _by_name.clear()


def still_true(answers: Answers, lines_now) -> bool:
    """Whether every recorded question still gets its recorded answer. `lines_now(path, cell, first, last)`
    gives source lines as the current facts have them (None when that file's content is unchanged, so its
    lines are too). Within a scan (`new_scan`) each question is asked of the file system once: the stored
    discovery and the stored project result list the same folders."""
    for key, answer in answers.items():
        kind = key[0]
        if kind == "lines":
            current = lines_now(*key[1:])
            if current is not None and current != answer:
                return False
            continue
        current = _replayed.get(key, _replayed)
        if current is _replayed:
            current = _from_listing(kind, key[1], answers) if kind in _FROM_LISTING else None
            if current is None:
                compute = _COMPUTE.get(kind)
                if compute is None:
                    return False
                current = compute(*key[1:])
            _replayed[key] = current
        if current != answer:
            return False
    return True


_FROM_LISTING = {"exists", "isfile", "isdir"}
_by_name: dict[str, tuple] = {}


def _entry(folder: str, name: str) -> tuple | str | None:
    """`name`'s entry in the (replayed) listing of `folder`; None if absent; a str if unlistable."""
    key = ("list", folder)
    entries = _replayed.get(key, _replayed)
    if entries is _replayed:
        entries = _replayed[key] = _listing(folder)
    if isinstance(entries, str):
        return entries
    table = _by_name.get(folder)
    if table is None or table[0] is not entries:
        table = _by_name[folder] = (entries, {entry[0]: entry for entry in entries})
    return table[1].get(name)


def _missing_folder(folder: str, answers: Answers) -> bool:
    """Whether a listing among `answers` shows that `folder` is not there (no such entry, or not a folder):
    the data files a project writes often live in folders not created yet."""
    child, parent = folder, os.path.dirname(folder)
    while parent != child:
        if ("list", parent) in answers:
            entry = _entry(parent, os.path.basename(child))
            return entry is None or (not isinstance(entry, str) and not entry[1] and not entry[2])
        child, parent = parent, os.path.dirname(parent)
    return False


def _from_listing(kind: str, path: str, answers: Answers) -> bool | None:
    """Answer exists/isfile/isdir of `path` from its folder's listing when that listing is among `answers`
    (so it is asked anyway): one scandir per folder instead of a stat per file. None when it cannot tell."""
    folder, name = os.path.split(path)
    if ("list", folder) not in answers or name == OWN_FOLDER:
        return False if _missing_folder(folder, answers) else None
    entry = _entry(folder, name)
    if entry is None:
        return False
    if isinstance(entry, str):
        return None
    _, is_dir, is_link, is_file = entry
    if kind == "isdir":
        return is_dir
    if kind == "isfile":
        return is_file is True
    if is_dir or is_file is True:
        return True
    return None if is_link else True  # a link that is neither: dangling, or to something odd: ask
