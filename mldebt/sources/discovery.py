"""Finding the files to scan: .py and .ipynb under the given paths, honouring .gitignore and excludes.

Never follows a symlink to a directory it has already visited (loops), skips virtualenvs, caches and
checkpoint folders, and reports unreadable entries instead of failing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from mldebt import probes

ALWAYS_EXCLUDED_DIRS = frozenset({
    ".git", ".hg", ".svn", ".ipynb_checkpoints", "__pycache__", ".mldebt_cache", ".venv", "venv", "env",
    ".env", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", "node_modules",
    ".eggs", "build", "dist", ".dvc", ".idea", ".vscode",
    "mlruns", "mlartifacts", "wandb",  # experiment trackers' run folders hold copies of the project's code
})
SUFFIX_KINDS = {".py": "script", ".ipynb": "notebook"}


@dataclass
class Discovery:
    files: list[str] = field(default_factory=list)  # project-relative POSIX paths
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


def find_project_root(paths: list[Path]) -> Path:
    """The folder holding pyproject.toml / .git / .mldebt.yaml above the common root of `paths`."""
    resolved = [p.resolve() for p in paths] or [Path.cwd().resolve()]
    common = Path(os.path.commonpath([str(p) for p in resolved]))
    start = common if common.is_dir() else common.parent
    for folder in [start, *start.parents]:
        if any((folder / marker).exists() for marker in ("pyproject.toml", ".git", ".mldebt.yaml")):
            return folder
    return start


def gitignore_spec(lines: list[str]):
    """A pathspec matcher with .gitignore semantics (imported lazily: pathspec costs start-up time)."""
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _is_venv(folder: Path) -> bool:
    return probes.is_file(str(folder / "pyvenv.cfg")) or probes.is_dir(str(folder / "conda-meta"))


class _Ignore:
    """.gitignore files (root and nested) plus configured exclude patterns, matched with pathspec."""

    def __init__(self, root: Path, excludes: list[str]):
        self.root = root
        self.excludes = gitignore_spec(excludes) if excludes else None
        self.specs: dict[str, object] = {}

    def load_dir(self, rel_dir: str, folder: Path) -> None:
        gitignore = str(folder / ".gitignore")
        if probes.is_file(gitignore):
            try:
                lines = probes.read_text(gitignore, errors="replace").splitlines()
                self.specs[rel_dir] = gitignore_spec(lines)
            except OSError:
                pass

    def ignored(self, rel: str, is_dir: bool) -> bool:
        probe = rel + "/" if is_dir else rel
        if self.excludes is not None and self.excludes.match_file(probe):
            return True
        for base, spec in self.specs.items():
            if base and not rel.startswith(base + "/"):
                continue
            sub = rel[len(base) + 1:] if base else rel
            if spec.match_file(sub + "/" if is_dir else sub):  # type: ignore[attr-defined]
                return True
        return False


def kind_of(rel_path: str) -> str | None:
    return SUFFIX_KINDS.get(os.path.splitext(rel_path)[1].lower())


TEST_DIRS = frozenset({"test", "tests", "testing"})


def is_test_path(path: str) -> bool:
    """Test code: files in a tests folder, test_*.py, *_test(s).py, conftest.py. Tests set small fixed values,
    compare scores with expected ones and run notebooks (nbval, testbook) on purpose, so rules leave them be."""
    parts = [p for p in path.split("/") if p and p != "."]  # PurePosixPath(path).parts, without its cost
    name = parts[-1] if parts else path
    return any(p in TEST_DIRS for p in parts[:-1]) or name.startswith("test_") or name == "conftest.py" \
        or name.endswith(("_test.py", "_tests.py"))


def discover(root: Path, paths: list[Path], excludes: list[str] | None = None,
             respect_gitignore: bool = True) -> Discovery:
    """Walk `paths` (files or folders) below `root`; return sorted project-relative file paths."""
    result = Discovery()
    ignore = _Ignore(root, list(excludes or []))
    if respect_gitignore:
        ignore.load_dir("", root)
    seen_dirs: set[tuple[int, int]] = set()
    found: set[str] = set()

    def rel_of(p: Path) -> str:
        try:
            return p.absolute().relative_to(root).as_posix()
        except ValueError:
            return p.absolute().as_posix()

    def walk(folder: Path) -> None:
        key = probes.folder_id(str(folder))
        if isinstance(key, str):
            result.problems.append((rel_of(folder), key))
            return
        if key in seen_dirs:
            return  # symlink loop or a folder reached twice
        seen_dirs.add(key)
        rel_dir = rel_of(folder)
        rel_dir = "" if rel_dir == "." else rel_dir
        if respect_gitignore and rel_dir:
            ignore.load_dir(rel_dir, folder)
        entries = probes.listing(str(folder))
        if isinstance(entries, str):
            result.problems.append((rel_dir or ".", entries))
            return
        for name, is_dir, is_link, is_file in entries:  # is_dir follows symlinks
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if is_dir:
                if name in ALWAYS_EXCLUDED_DIRS or name.endswith(".egg-info"):
                    continue
                if ignore.ignored(rel, True) or _is_venv(folder / name):
                    continue
                walk(folder / name)
                continue
            kind = kind_of(name)
            if kind is None or ignore.ignored(rel, False):
                continue
            if isinstance(is_file, str):  # could not be examined
                result.problems.append((rel, is_file))
            elif not is_file:
                if is_link:
                    result.problems.append((rel, "dangling symbolic link"))
            else:
                found.add(rel)

    for path in paths:
        p = path if path.is_absolute() else Path.cwd() / path
        if probes.is_dir(str(p)):
            walk(p)
        elif probes.is_file(str(p)):
            rel = rel_of(p)
            if kind_of(rel) is not None:
                found.add(rel)
        elif probes.is_link(str(p)):
            result.problems.append((rel_of(p), "dangling symbolic link"))
        else:
            result.problems.append((rel_of(p), "no such file or folder"))
    result.files = sorted(found)
    return result


class StoredDiscovery:
    """`discover` results kept in the facts cache's folder by an earlier run, reused while every folder
    listing, .gitignore and file test they were based on is unchanged (see `mldebt.probes`): a warm run then
    neither matches .gitignore patterns again nor imports pathspec (about 30 ms at 2,000 files)."""

    MAGIC = b"mldebt-discovery-1\n"

    def __init__(self, folder: Path, root: Path, paths: list[Path], excludes: list[str] | None,
                 respect_gitignore: bool):
        import hashlib
        import json

        absolute = [str(p if p.is_absolute() else Path.cwd() / p) for p in paths]
        key = hashlib.sha1(json.dumps([str(root), absolute, list(excludes or []), respect_gitignore]).encode())
        self.path = folder / f"discovery-{key.hexdigest()[:20]}.pickle"
        self.args = (root, paths, excludes, respect_gitignore)
        self.fresh: tuple[dict, Discovery] | None = None

    def discover(self) -> Discovery:
        """The stored result if it still holds, else a new walk (remembered for `save`)."""
        from mldebt.cache import read_stored

        stored = read_stored(self.path, self.MAGIC)
        if isinstance(stored, tuple) and len(stored) == 2 and isinstance(stored[0], dict) and \
                isinstance(stored[1], Discovery) and probes.still_true(stored[0], lambda *key: None):
            return stored[1]
        with probes.record(probes.Recorder()) as recorder:
            result = discover(*self.args)
        self.fresh = (recorder.answers, Discovery(list(result.files), list(result.problems)))
        return result

    def save(self) -> None:
        """Store a new walk's result, once the cache folder exists (never raises)."""
        from mldebt.cache import write_stored

        if self.fresh is not None and self.path.parent.is_dir():
            write_stored(self.path, self.MAGIC, self.fresh)
