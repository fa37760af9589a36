"""Locations as file-oriented tools want them: repository-relative paths and raw file lines.

mldebt's own records say "cell 7, line 3" of a project-relative path. GitHub (code scanning, workflow
annotations) needs the path from the repository root, which differs when the project is a sub-folder of
the repository, and for notebooks the line of the raw `.ipynb` JSON that holds that source line.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from mldebt.sources.ipynb_lines import NotebookLines, notebook_lines


def repository_root(root: Path) -> Path:
    """The enclosing git work tree of the project root (the project root itself when there is none)."""
    root = root.resolve()
    for folder in [root, *root.parents]:
        if (folder / ".git").exists():
            return folder
    return root


class Locator:
    """Maps project-relative finding locations to repository paths and raw file lines (cached per file)."""

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.repo_root = repository_root(self.root)
        prefix = self.root.resolve().relative_to(self.repo_root).as_posix()
        self.prefix = "" if prefix == "." else prefix
        self._maps: dict[str, NotebookLines] = {}

    def repo_path(self, path: str) -> str:
        return str(PurePosixPath(self.prefix) / path) if self.prefix else path

    def file_line(self, path: str, cell: int | None, line: int) -> int:
        """The 1-based line of the file as stored: `line` for scripts, the raw JSON line for notebook
        cells (line 1 when the notebook cannot be read or mapped)."""
        if cell is None:
            return max(int(line or 1), 1)
        if path not in self._maps:
            try:
                data = (self.root / path).read_bytes()
            except OSError:
                data = b""
            self._maps[path] = notebook_lines(data)
        return self._maps[path].raw_line(cell, int(line or 1)) or 1
