"""Finding the files to scan: .py and .ipynb under the given paths, honouring .gitignore and excludes.

Never follows a symlink to a directory it has already visited (loops), skips virtualenvs, caches and
checkpoint folders, and reports unreadable entries instead of failing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ALWAYS_EXCLUDED_DIRS = frozenset({
    ".git", ".hg", ".svn", ".ipynb_checkpoints", "__pycache__", ".mldebt_cache", ".venv", "venv", "env",
    ".env", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages", "node_modules",
    ".eggs", "build", "dist", ".dvc", ".idea", ".vscode",
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
    return (folder / "pyvenv.cfg").is_file() or (folder / "conda-meta").is_dir()


class _Ignore:
    """.gitignore files (root and nested) plus configured exclude patterns, matched with pathspec."""

    def __init__(self, root: Path, excludes: list[str]):
        self.root = root
        self.excludes = gitignore_spec(excludes) if excludes else None
        self.specs: dict[str, object] = {}

    def load_dir(self, rel_dir: str, folder: Path) -> None:
        gitignore = folder / ".gitignore"
        if gitignore.is_file():
            try:
                lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
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
        try:
            st = folder.stat()
        except OSError as exc:
            result.problems.append((rel_of(folder), f"cannot read folder: {exc.strerror or exc}"))
            return
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            return  # symlink loop or a folder reached twice
        seen_dirs.add(key)
        rel_dir = rel_of(folder)
        rel_dir = "" if rel_dir == "." else rel_dir
        if respect_gitignore and rel_dir:
            ignore.load_dir(rel_dir, folder)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            result.problems.append((rel_dir or ".", f"cannot list folder: {exc.strerror or exc}"))
            return
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                is_dir = entry.is_dir()  # follows symlinks
            except OSError:
                is_dir = False
            if is_dir:
                if entry.name in ALWAYS_EXCLUDED_DIRS or entry.name.endswith(".egg-info"):
                    continue
                if ignore.ignored(rel, True) or _is_venv(Path(entry.path)):
                    continue
                walk(Path(entry.path))
                continue
            kind = kind_of(entry.name)
            if kind is None or ignore.ignored(rel, False):
                continue
            try:
                if not entry.is_file():
                    if entry.is_symlink():
                        result.problems.append((rel, "dangling symbolic link"))
                    continue
            except OSError as exc:
                result.problems.append((rel, f"cannot stat: {exc.strerror or exc}"))
                continue
            found.add(rel)

    for path in paths:
        p = path if path.is_absolute() else Path.cwd() / path
        if p.is_dir():
            walk(p)
        elif p.is_file():
            rel = rel_of(p)
            if kind_of(rel) is not None:
                found.add(rel)
        elif p.is_symlink():
            result.problems.append((rel_of(p), "dangling symbolic link"))
        else:
            result.problems.append((rel_of(p), "no such file or folder"))
    result.files = sorted(found)
    return result
