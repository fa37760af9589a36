"""The facts cache: each file's `FileFacts`, keyed by its content hash, the mldebt code and the extraction
config, so a rescan only re-analyses the files that changed.

Layout, under `.mldebt_cache/` at the project root (with a `.gitignore` of `*` and a `CACHEDIR.TAG`):

    <version>-<code digest>-<config digest>/shard-NN.pickle

A file's entry lives in shard crc32(path) % SHARDS: `(mtime_ns, size, sha1, recorded_ns, view digest, crc32,
facts pickle, outcome pickle, answers)` (the view digest: see `mldebt.project_memo`; the outcome: `FileOutcome`,
what a check needs when the project stage is reused; answers: what file rules asked of other files, see
`mldebt.probes`, asked again before the entry is reused). Pickles are unpickled only when used (`LazyFacts`); the
crc32 catches a corrupt entry at lookup, before anything relies on it.
Shards, not one file per source: a warm scan of 10,000 files reads 32 files instead of 10,000, a first
scan writes 32, and a pre-commit run that changed one file rewrites one.

Lookups check mtime and size first, so unchanged files are not even read; when the stat differs (a
checkout, a touch) the content hash decides. Entries recorded within `RACY_NS` of the file's mtime are
always re-hashed: a file rewritten in the same clock tick with the same size cannot pass as unchanged.

Trust: anything unreadable, truncated, corrupt or foreign is ignored and rebuilt, never trusted, and
never able to run code: the cache sits in the project folder, where a cloned repository could plant
one, so it is unpickled with an allow-list of mldebt's own data classes.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import shutil
import tempfile
import time
import zlib
from collections.abc import Mapping
from pathlib import Path

from mldebt import __version__

CACHE_DIR = ".mldebt_cache"
MAGIC = b"mldebt-cache-5\n"
SHARDS = 32
KEEP_GENERATIONS = 3  # cache folders of other versions/configs kept besides the current one
RACY_NS = 2_000_000_000  # mtimes this close to the recording time are not trusted (coarse clocks)
_CACHEDIR_TAG = b"Signature: 8a477f597d28d172789f06886806bc55\n# created by mldebt; see https://bford.info/cachedir/\n"

_UMASK = os.umask(0o022)
os.umask(_UMASK)

# (mtime_ns, size, sha1 hex or None, recorded_ns, view digest, crc32 of the two pickles, facts pickle, outcome pickle,
#  probe answers of the file rules)
Entry = tuple


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temp file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):  # mkstemp makes 0600 files; give the usual permissions instead
            os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class _SafeUnpickler(pickle.Unpickler):
    """Rebuilds only mldebt's own data classes (dataclasses and enums); any other global is refused, so
    a planted or corrupt cache file cannot make unpickling call arbitrary code."""

    def find_class(self, module: str, name: str):
        allowed = _ALLOWED.get((module, name))
        if allowed is None:
            allowed = _ALLOWED[(module, name)] = _allowed_class(module, name)
        if allowed is False:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the cache")
        return allowed


_ALLOWED: dict[tuple[str, str], object] = {}


def _allowed_class(module: str, name: str):
    """The class `module.name` if it is one of mldebt's data classes or enums, else False."""
    if (module != "mldebt" and not module.startswith("mldebt.")) or module.endswith("__main__"):
        return False  # importing a __main__ module would run a program
    import dataclasses
    import enum
    import importlib

    try:
        value = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return False
    if isinstance(value, type) and (dataclasses.is_dataclass(value) or issubclass(value, enum.Enum)):
        return value
    return False


def safe_loads(data: bytes):
    return _SafeUnpickler(io.BytesIO(data)).load()


def read_stored(path: Path, magic: bytes):
    """What `write_stored` kept at `path` under this `magic`, or None: missing, unreadable, truncated, corrupt
    or foreign files are never trusted (unpickled with the allow-list)."""
    try:
        data = path.read_bytes()
    except OSError:  # missing, or the cache folder is a file, unreadable...
        return None
    if not data.startswith(magic):
        return None
    try:
        return safe_loads(data[len(magic):])
    except Exception:  # truncated, corrupt, or written by an incompatible version
        return None


def write_stored(path: Path, magic: bytes, value) -> bool:
    """Keep `value` at `path` (atomically, behind `magic`); False when it cannot be written (a read-only or
    full disk only costs the next run time)."""
    try:
        atomic_write(path, magic + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        return False
    return True


_CODE_DIGEST: list[str] = []


def _code_digest() -> str:
    """`code_digest`, computed once per process."""
    if not _CODE_DIGEST:
        _CODE_DIGEST.append(code_digest())
    return _CODE_DIGEST[0]


def code_digest() -> str:
    """A digest of the installed mldebt code (each module's path and bytes): results cached by one build
    are never served to another, even when a development checkout keeps the same version, while two
    installs of the same code share them (a CI job that installs mldebt afresh and restores
    .mldebt_cache; mtimes differ between installs, so they cannot be the key). About 3 ms."""
    package = Path(__file__).parent
    digest = hashlib.sha1()
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                try:
                    with open(path, "rb") as handle:
                        data = handle.read()
                except OSError:
                    continue
                digest.update(f"{os.path.relpath(path, package)}:{len(data)}\n".encode())
                digest.update(data)
    return digest.hexdigest()[:12]


def shard_of(rel: str) -> int:
    return zlib.crc32(rel.encode("utf-8", "surrogatepass")) % SHARDS


def file_digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


class FactsCache:
    """Cached facts of one project for one (mldebt code, extraction config) key."""

    def __init__(self, root: Path, config_digest: str):
        self.root = root
        self.top = root / CACHE_DIR
        self.base = self.folder_for(root, config_digest)
        self.entries: list[dict[str, Entry]] = [self._read_shard(i) for i in range(SHARDS)]
        self.dirty: set[int] = set()
        self.writable = True
        self.identities: dict[str, tuple[str, str]] = {}  # rel -> (content, view digest), see `identity`

    @staticmethod
    def folder_for(root: Path, config_digest: str) -> Path:
        """The cache folder of this mldebt build and extraction config (other stores keep results there too)."""
        return root / CACHE_DIR / f"{__version__}-{_code_digest()}-{config_digest}"

    # ---------------------------------------------------------------- reading
    def _read_shard(self, number: int) -> dict[str, Entry]:
        loaded = read_stored(self.base / f"shard-{number:02d}.pickle", MAGIC)
        if not isinstance(loaded, dict):
            return {}
        return {rel: entry for rel, entry in loaded.items() if isinstance(rel, str) and _valid_entry(entry)}

    def _stat(self, rel: str) -> tuple[int, int] | None:
        try:
            st = os.stat(os.path.join(self.root, rel))
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def get(self, rel: str) -> tuple[bytes, bytes] | None:
        """(facts pickle, outcome pickle) of `rel` if its content is unchanged, else None."""
        shard = self.entries[shard_of(rel)]
        entry = shard.get(rel)
        if entry is None:
            return None
        stat = self._stat(rel)
        if stat is None:
            return None
        mtime, size, digest, recorded, view, crc, blob, outcome, answers = entry
        if (mtime, size) != stat or mtime + RACY_NS >= recorded:
            if digest is None:  # recorded without a hash (skipped for size): only the stat counts
                return None
            try:
                with open(os.path.join(self.root, rel), "rb") as handle:
                    current = file_digest(handle.read())
            except OSError:
                return None
            if current != digest:
                return None
            # the bytes were just verified: record that, so later runs trust this stat again (after a
            # checkout or `touch` every file used to be hashed on every run); a file written within
            # RACY_NS of now is still hashed next time
            shard[rel] = (stat[0], stat[1], digest, time.time_ns(), view, crc, blob, outcome, answers)
            self.dirty.add(shard_of(rel))
        if zlib.crc32(outcome, zlib.crc32(blob)) != crc:  # truncated or corrupt
            del shard[rel]
            self.dirty.add(shard_of(rel))
            return None
        if answers:
            from mldebt import probes

            if not probes.still_true(answers, lambda *key: None):  # e.g. a notebook appeared beside the script
                return None
        self.identities[rel] = (_content_id(digest, stat), view)
        return blob, outcome

    def forget(self, rel: str) -> None:
        """Drop an entry found unusable after lookup (`LazyFacts`); the next save writes its shard."""
        if self.entries[shard_of(rel)].pop(rel, None) is not None:
            self.dirty.add(shard_of(rel))

    def identity(self, rel: str) -> tuple[str, str] | None:
        """(content id, view digest) of a file this cache served or was given, for `mldebt.project_memo`."""
        return self.identities.get(rel)

    # ---------------------------------------------------------------- writing
    def put(self, rel: str, blobs: tuple[bytes, bytes], stat: tuple[int, int] | None, digest: str | None,
            view: str, answers: dict | None = None) -> None:
        """Remember the pickled facts and outcome of `rel`, analysed from content with this stat and digest."""
        if stat is None:
            return
        number = shard_of(rel)
        blob, outcome = blobs
        self.entries[number][rel] = (stat[0], stat[1], digest, time.time_ns(), view,
                                     zlib.crc32(outcome, zlib.crc32(blob)), blob, outcome, answers or {})
        self.identities[rel] = (_content_id(digest, stat), view)
        self.dirty.add(number)

    def save(self, present: set[str]) -> None:
        """Forget files no longer present and write the changed shards (never raises)."""
        for number, shard in enumerate(self.entries):
            gone = [rel for rel in shard if rel not in present]
            for rel in gone:
                del shard[rel]
            if gone:
                self.dirty.add(number)
        if not self.dirty or not self.writable:
            return
        try:
            self._prepare()
        except OSError:  # read-only or full disk, a file where the folder should be: run uncached
            self.writable = False
            return
        for number in sorted(self.dirty):
            if not write_stored(self.base / f"shard-{number:02d}.pickle", MAGIC, self.entries[number]):
                self.writable = False
                return
        self.dirty.clear()
        self._prune()

    def _prepare(self) -> None:
        self.top.mkdir(exist_ok=True)
        if not (self.top / ".gitignore").exists():
            atomic_write(self.top / ".gitignore", b"# created by mldebt: the facts cache is not for version control\n*\n")
        if not (self.top / "CACHEDIR.TAG").exists():
            atomic_write(self.top / "CACHEDIR.TAG", _CACHEDIR_TAG)
        self.base.mkdir(exist_ok=True)
        os.utime(self.base)  # most recently used: pruning keeps it

    def _prune(self) -> None:
        """Keep the current key's folder and the few most recently used others (other configs, versions)."""
        try:
            others = [p for p in self.top.iterdir() if p.is_dir() and p != self.base and not p.is_symlink()]
            others.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
            for old in others[KEEP_GENERATIONS:]:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass


def _content_id(digest: str | None, stat: tuple[int, int]) -> str:
    """The content hash, or for a file cached by its stat alone (skipped for its size) that stat."""
    return digest if digest is not None else f"stat:{stat[0]}:{stat[1]}"


def _valid_entry(entry: object) -> bool:
    return (isinstance(entry, tuple) and len(entry) == 9 and isinstance(entry[0], int) and isinstance(entry[1], int)
            and (entry[2] is None or isinstance(entry[2], str)) and isinstance(entry[3], int)
            and isinstance(entry[4], str) and isinstance(entry[5], int) and isinstance(entry[6], bytes)
            and isinstance(entry[7], bytes) and isinstance(entry[8], dict))


class LazyFacts(Mapping):
    """Every scanned file's `FileFacts`, in file order, unpickled from the cache on first use.

    A check whose project result is reused (`mldebt.project_memo`) needs only each file's `FileOutcome`
    (`outcome`), so a warm run loads no facts at all. Anything stored that does not unpickle to this
    file's data (a planted or foreign entry that passed the crc) is analysed again instead, never trusted."""

    def __init__(self, files: list[str], loaded: dict, stored: dict[str, tuple[bytes, bytes]], reanalyse, forget):
        self._files = files
        self._loaded = loaded
        self._stored = stored
        self._reanalyse = reanalyse
        self._forget = forget
        self._outcomes: dict = {}

    def __getitem__(self, rel: str):
        found = self._loaded.get(rel)
        if found is None:
            if rel not in self._stored:
                raise KeyError(rel)
            found = self._load(rel, 0)
            if found is None:
                found = self._redo(rel)
            self._loaded[rel] = found
        return found

    def __iter__(self):
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def __contains__(self, rel) -> bool:
        return rel in self._loaded or rel in self._stored

    def outcome(self, rel: str):
        """The file's `FileOutcome`, without loading its facts when they are still pickled."""
        from mldebt.facts.model import FileOutcome

        found = self._outcomes.get(rel)
        if found is not None:
            return found
        facts = self._loaded.get(rel)
        if facts is not None:
            return facts.outcome()
        found = self._load(rel, 1)
        if not isinstance(found, FileOutcome):
            return self[rel].outcome()
        self._outcomes[rel] = found
        return found

    def _load(self, rel: str, which: int):
        from mldebt.facts.model import FileFacts, FileOutcome

        try:
            value = safe_loads(self._stored[rel][which])
        except Exception:
            return None
        expected = FileFacts if which == 0 else FileOutcome
        if not isinstance(value, expected) or (which == 0 and value.path != rel):
            return None
        return value

    def _redo(self, rel: str):
        self._forget(rel)
        self._stored.pop(rel, None)
        return self._reanalyse(rel)
