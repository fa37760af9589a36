"""MLD302 machine-specific-path."""

from __future__ import annotations

import ast
import re
import shlex
from typing import Iterable

from mldebt import knowledge as kb
from mldebt.facts.astindex import extent
from mldebt.facts.extract import dotted_name, import_aliases
from mldebt.facts.model import Finding
from mldebt.rules.base import Example, FileContext, FileRule
from mldebt.sources.model import Cell

_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_UNC = re.compile(r"^\\\\[^\\/\s]+[\\/]")
_TILDE_USER = re.compile(r"^~[A-Za-z_][\w.-]*/")  # `~user/...`; `~model` alone is no path (a formula)
# Magic commands and shell programs whose arguments are paths the notebook depends on.
_PATH_MAGICS = frozenset({"cd", "run", "load", "loadpy", "pushd", "bookmark", "writefile"})
_SHELL_LOOKS_ONLY = frozenset({"ls", "ll", "pwd", "echo", "which", "du", "df", "tree", "stat", "file", "wc",
                               "nvidia-smi", "whoami", "hostname"})


def machine_kind(text: str, allowed: Iterable[str] = ()) -> str | None:
    """What makes `text` machine-specific ("a user's home folder", ...), or None for a portable string."""
    text = text.strip()
    if not text or "\n" in text or "://" in text[:16] or any(text.startswith(a) for a in allowed if a):
        return None
    if any(segment.count(" ") > 2 for segment in re.split(r"[\\/]", text)):
        return None  # prose that starts like a path
    if text.startswith("~/") and not text.startswith("~/.") or _TILDE_USER.match(text):
        return "a user's home folder"
    for prefix in kb.USER_PATH_PREFIXES:
        if text.startswith(prefix) and text[len(prefix):].strip("/"):
            if prefix in ("/home/", "/Users/", "/root/", "/home2/", "/scratch/"):
                return "a user's home folder"
            return "a drive mounted on one machine"
    if _DRIVE.match(text):
        return "a Windows drive"
    if _UNC.match(text):
        return "a network share"
    return None


class _LiteralFinder:
    """Walks a tree and collects string literals used as values (paths), skipping messages and docstrings."""

    def __init__(self, aliases: dict[str, str], allowed: list[str]):
        self.aliases = aliases
        self.allowed = allowed
        self.found: list[tuple[ast.AST, str, str]] = []

    def check(self, node: ast.AST, text: str) -> None:
        kind = machine_kind(text, self.allowed)
        if kind:
            self.found.append((node, text, kind))

    def visit(self, root: ast.AST) -> None:
        """Pre-order over the AST index, skipping what holds no path: text about paths (comparisons, asserts,
        raises, docstrings, message arguments) and the inside of f-strings (checked as a whole)."""
        flat, i, end = extent(root)
        while i < end:
            node = flat[i]
            cls = node.__class__
            if cls is ast.Constant:
                if isinstance(node.value, str):
                    self.check(node, node.value)
            elif cls is ast.JoinedStr:
                self.check(node, "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str)
                                         else "{}" for v in node.values))
            elif (cls is ast.Expr and isinstance(node.value, (ast.Constant, ast.JoinedStr))) or \
                    cls is ast.Compare or cls is ast.Assert or cls is ast.Raise:
                pass  # docstrings and bare strings; `if p.startswith("/home/ana")`, error messages
            elif cls is ast.Call and self.is_message(node):
                self.visit(node.func)  # its arguments are text, not paths used
            else:
                i += 1
                continue
            i = extent(node)[2]  # past this node's subtree

    def is_message(self, node: ast.Call) -> bool:
        qual = dotted_name(node.func, self.aliases) or ""
        attr = node.func.attr if isinstance(node.func, ast.Attribute) else None
        return qual in kb.MESSAGE_FUNCTIONS or (attr in kb.MESSAGE_METHODS and qual not in kb.FUNCTIONS)


class MachineSpecificPath(FileRule):
    """An absolute path that exists only on one machine: a home folder, a mounted drive, a Windows drive.

    ## What it flags
    String literals used as paths that start with `/home/<user>`, `/Users/<user>`, `/root/`, `~/...` or
    `~user/...`, `/mnt/...`, `/media/...`, `/Volumes/...`, `/content/drive/...` (Colab's Google Drive), a
    cluster's `/home2/...` or `/scratch/...`, a
    Windows drive (`C:\\...`, `D:/...`) or a network share (`\\\\server\\share`). A literal counts as a
    path when the code uses it as a value: an argument of an I/O call (`pd.read_csv("/home/ana/x.csv")`),
    a path constant (`DATA_DIR = "/Users/ana/data"`), a part of `os.path.join`/`Path(...)`/f-string,
    a default, a return value, `sys.path.append(...)`; also `%cd`, `%run` and `!cp`-style shell lines in
    notebooks. Each literal is reported once, at its own position, even when many reads use it.

    Not flagged: `/tmp`, `/dev/null` and other system paths; URLs (`s3://`, `https://`, `file://`);
    per-user tool folders (`~/.cache`, `~/.kaggle/kaggle.json`); `~` on its own; strings that only
    mention a path (docstrings, `print`/logging messages, exception messages, comparisons such as
    `p.startswith("/home/")`, `str.replace` patterns); listing commands (`!ls /home/ana`); prefixes you
    allow (`allowed-prefixes`).

    ## Why it is debt
    Sculley et al. §6, "Configuration Debt": where the data lives is configuration, and configuration
    that is "hard to modify" because it is scattered through code is a classic source of failures. A
    home-folder path makes the pipeline run on one laptop only: colleagues, CI and the production job
    fail or, worse, read a stale copy of the data.

    ## Example
    A notebook that reads `pd.read_csv("/Users/ana/Downloads/train.csv")`.

    ## Fix
    Use paths relative to the project (`Path(__file__).parent / "data"`), or read the location from a
    config file or an environment variable (`os.environ.get("DATA_DIR", "data")`).

    ## Limits
    Paths built at run time from pieces that are not literals, and paths stored in config files, are
    not checked (a per-machine config file is the fix, not the problem). Shell scripts and Makefiles are
    not scanned.

    ## Options
    `allowed-prefixes`: path prefixes that are fine in your setting, e.g. `["/mnt/shared/"]` for a
    cluster mount every machine has.
    """

    id = "MLD302"
    name = "machine-specific-path"
    family = "configuration"
    severity = "warning"
    options = {"allowed-prefixes": []}
    VALID = [
        Example("import os\nimport pandas as pd\nfrom pathlib import Path\n\n"
                "ROOT = Path(__file__).parent\n"
                "df = pd.read_csv(ROOT / \"data\" / \"train.csv\")\n"
                "tmp = pd.read_csv(\"/tmp/cache.csv\")\n"
                "df.to_csv(os.environ.get(\"OUT_DIR\", \"out\") + \"/clean.csv\")\n"
                "open(\"/dev/null\", \"w\").write(\"x\")\n"
                "remote = pd.read_parquet(\"s3://bucket/train.parquet\")\n"
                "local = pd.read_csv(\"file:///home/ana/x.csv\")\n",
                note="project-relative, /tmp, /dev/null, URLs"),
        Example("def load(path):\n    \"\"\"Load a CSV, e.g. /home/ana/data/train.csv.\"\"\"\n"
                "    if path.startswith(\"/home/ana/\"):\n        print(\"/home/ana/data is a local copy\")\n"
                "        raise ValueError(\"/home/ana/data is not allowed\")\n"
                "    return path.replace(\"/home/ana/\", \"data/\")\n",
                note="docstrings, comparisons, messages, replace patterns"),
        Example("import os\nimport json\n\nHOME = os.path.expanduser(\"~\")\n"
                "creds = json.load(open(os.path.expanduser(\"~/.kaggle/kaggle.json\")))\n",
                note="~ alone and per-user tool folders"),
        Example(["!ls /home/ana/data", "import pandas as pd\ndf = pd.read_csv(\"data/train.csv\")"],
                note="shell listing commands only look"),
        Example({".mldebt.yaml": "rules:\n  MLD302:\n    allowed-prefixes: [\"/mnt/shared/\"]\n",
                 "train.py": "import pandas as pd\ndf = pd.read_csv(\"/mnt/shared/datasets/train.csv\")\n"},
                note="an allowed prefix"),
    ]
    INVALID = [
        Example(["import pandas as pd", "df = pd.read_csv(\"/Users/ana/Downloads/train.csv\")\ndf.head()"],
                expect=1),
        Example("import os\nimport sys\nimport joblib\n\n"
                "sys.path.append(\"/home/ana/libs\")\n"
                "DATA_DIR = \"/home/ana/project/data\"\n"
                "model = joblib.load(os.path.join(DATA_DIR, \"model.joblib\"))\n"
                "joblib.dump(model, r\"C:\\Users\\ana\\models\\model.joblib\")\n", expect=3),
        Example(["%cd /mnt/data/churn", "!cp ~/exports/train.csv data/",
                 "import pandas as pd\ndf = pd.read_csv(f\"/home/{USER}/data.csv\")"], expect=3),
    ]

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        allowed = [str(p) for p in ctx.options.get("allowed-prefixes", [])]
        aliases = import_aliases(ctx.facts.imports)
        out: list[Finding] = []
        for cell, tree in ctx.trees():
            finder = _LiteralFinder(aliases, allowed)
            finder.visit(tree)
            for node, text, kind in finder.found:
                out.append(ctx.finding(self, cell, node, self.message(text, kind)))
        for cell, _ in ctx.parsed:
            out.extend(self.check_magics(ctx, cell, allowed))
        return out

    @staticmethod
    def message(text: str, kind: str) -> str:
        shown = text if len(text) <= 60 else text[:57] + "..."
        return (f"machine-specific path {shown!r} points into {kind}: it exists on one machine only, so this "
                "code fails (or reads a stale copy) for colleagues, CI and production; use a project-relative "
                "path or read the location from config or an environment variable")

    def check_magics(self, ctx: FileContext, cell: Cell, allowed: list[str]) -> list[Finding]:
        out = []
        for magic in cell.magics:
            first = magic.text.split("\n", 1)[0]
            try:
                tokens = shlex.split(first, comments=False)
            except ValueError:
                tokens = first.split()
            if not tokens:
                continue
            if magic.kind == "line" and tokens[0] in _PATH_MAGICS:
                args = tokens[1:]
            elif magic.kind == "shell" and tokens[0].rsplit("/", 1)[-1] not in _SHELL_LOOKS_ONLY:
                args = tokens[1:]
            else:
                continue
            raw_lines = cell.raw.split("\n")
            raw = raw_lines[magic.line - 1] if 0 < magic.line <= len(raw_lines) else ""
            for token in args:
                kind = machine_kind(token, allowed)
                if kind:
                    column = raw.find(token) + 1 if token in raw else magic.column
                    out.append(ctx.finding(self, cell, None, self.message(token, kind), line=magic.line,
                                           column=column, end_column=column + len(token)))
        return out
