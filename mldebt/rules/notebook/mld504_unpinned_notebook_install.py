"""MLD504 unpinned-notebook-install."""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass
from typing import Iterable, Iterator

from mldebt.facts.astindex import subtree
from mldebt.facts.model import Finding
from mldebt.rules.base import Example, FileContext, FileRule
from mldebt.sources.model import Cell

# pip options that take a value (the value is not a requirement).
_PIP_VALUE_OPTIONS = {
    "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root",
    "--trusted-host", "--platform", "--python-version", "--implementation", "--abi", "--only-binary",
    "--no-binary", "--progress-bar", "--log", "--cache-dir", "--src", "--upgrade-strategy", "--proxy", "--retries",
    "--timeout", "--exists-action", "--cert", "--client-cert", "--global-option", "--config-settings", "-C",
    "--report", "--python", "--install-option", "--root-user-action", "--use-feature", "--use-deprecated",
}
_CONDA_VALUE_OPTIONS = {"-c", "--channel", "-n", "--name", "-p", "--prefix", "--repodata-fn", "--solver",
                        "--json-output", "--platform", "--subdir"}
_SHELL_SEPARATORS = re.compile(r"\s*(?:&&|\|\||;|\|)\s*")
_REQUIREMENT = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<extras>\[[^\]]*\])?\s*(?P<spec>[^;]*)")
_SHELL_CELL_MAGICS = {"bash", "sh", "script", "system"}
_SUBPROCESS = {"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
               "subprocess.Popen", "os.system"}


@dataclass(frozen=True)
class Install:
    """One package named by an install command, and why it is (not) pinned."""

    tool: str  # "pip" or "conda"
    package: str
    requirement: str  # the argument as written
    problem: str  # "" when pinned; otherwise what is wrong ("no version", "a range", "a branch head")


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text, comments=True)
    except ValueError:
        return text.split()


def install_commands(text: str) -> Iterator[tuple[str, list[str]]]:
    """(tool, arguments after `install`) for each pip/conda install in a shell line."""
    for command in _SHELL_SEPARATORS.split(text):
        tokens = [t for t in _split(command) if not re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", t)]
        while tokens and tokens[0] in ("sudo", "time", "env"):
            tokens = tokens[1:]
        if not tokens:
            continue
        program = tokens[0].rsplit("/", 1)[-1].lower()
        if re.fullmatch(r"pip[\d.]*", program):
            tool, rest = "pip", tokens[1:]
        elif "pip" in tokens[1:3] and (program == "uv" or "-m" in tokens[1:3] or "python" in program
                                       or "executable" in program):
            tool, rest = "pip", tokens[tokens.index("pip", 1) + 1:]
        elif program in ("conda", "mamba", "micromamba"):
            tool, rest = "conda", tokens[1:]
        else:
            continue
        subcommand = next((i for i, t in enumerate(rest) if not t.startswith("-")), None)
        if subcommand is not None and rest[subcommand] == "install":
            yield tool, rest[subcommand + 1:]


def _vcs_problem(url: str) -> str:
    """A VCS URL pins only with `@<ref>` after the repository path."""
    if not re.match(r"(git|hg|svn|bzr)\+", url):
        return ""
    path = url.split("://", 1)[-1].split("#", 1)[0]
    path = path.split("/", 1)[1] if "/" in path else ""
    return "" if "@" in path else "a branch head"


def _pip_spec_problem(spec: str, allow_ranges: bool) -> str:
    spec = spec.replace(" ", "")
    if not spec:
        return "no version"
    if any(op in spec for op in ("==", "~=")):
        return ""
    if allow_ranges and "<" in spec:
        return ""
    return "a range"


def parse_pip(args: list[str], allow_ranges: bool) -> list[Install]:
    if any(a in ("-c", "--constraint") or a.startswith(("--constraint=", "-c=")) for a in args):
        return []  # a constraints file pins every package of the command
    installs: list[Install] = []
    skip = False
    for i, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg in _PIP_VALUE_OPTIONS or arg in ("-r", "--requirement", "-e", "--editable"):
            skip = True
            if arg in ("-e", "--editable") and i + 1 < len(args) and _vcs_problem(args[i + 1]):
                installs.append(Install("pip", args[i + 1], args[i + 1], _vcs_problem(args[i + 1])))
            continue
        if arg.startswith("-") or arg == "@" or "$" in arg or "{" in arg:
            continue
        if i + 1 < len(args) and args[i + 1] == "@":  # `name @ url`: a direct reference
            skip = True
            continue
        if "://" in arg or arg.startswith((".", "/", "~")) or arg.endswith((".whl", ".tar.gz", ".zip", ".tgz")):
            if _vcs_problem(arg):
                installs.append(Install("pip", arg, arg, _vcs_problem(arg)))
            continue
        if " @ " in arg or re.match(r"[\w.-]+(\[[^\]]*\])?@", arg):
            continue
        match = _REQUIREMENT.match(arg)
        if match:
            installs.append(Install("pip", match.group("name"), arg,
                                    _pip_spec_problem(match.group("spec"), allow_ranges)))
    return installs


def parse_conda(args: list[str]) -> list[Install]:
    installs: list[Install] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in _CONDA_VALUE_OPTIONS or arg == "--file":
            skip = True
            continue
        if arg.startswith("-") or "$" in arg or "{" in arg or "/" in arg.split("::")[-1]:
            continue
        spec = arg.split("::")[-1]
        name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", spec)
        if not name:
            continue
        rest = spec[name.end():].strip()
        if re.search(r"(?<![<>!~])=|^\d", rest):
            problem = ""
        else:
            problem = "a range" if rest else "no version"
        installs.append(Install("conda", name.group(0), arg, problem))
    return installs


class UnpinnedNotebookInstall(FileRule):
    """`!pip install` / `%pip install` / `conda install` of a package without a version pin.

    ## What it flags
    Each package named without a pin by an install command in a notebook: `!pip install x`,
    `%pip install x`, `!python -m pip install x`, `!{sys.executable} -m pip install x`, `!uv pip install x`,
    `%conda`/`!conda`/`!mamba install x`, install lines in `%%bash` cells, and the same commands run from
    code (`get_ipython().system(...)` in exported notebooks, `os.system(...)`, `subprocess.run([...])` with
    literal arguments, in notebooks and scripts). One finding per unpinned package. Pinned means
    `==`, `===` or `~=` for pip (`=`/`==` for conda), or installing from a requirements or constraints file
    (`-r`, `-c`, `--file`), a local path, a wheel or archive, a direct URL, or a VCS URL with `@<ref>`.
    A bare VCS URL (`git+https://.../repo`) installs a branch head and is flagged. Ranges (`>=1.5`,
    `>=1.5,<2`) are flagged unless the `allow-ranges` option accepts ranges with an upper bound.
    `pip`, `setuptools` and `wheel` themselves (`pip install -U pip`) are tooling, not dependencies, and
    are ignored (option `ignore-packages`).

    ## Why it is debt
    An unpinned install fetches whatever release is newest on the day the notebook runs: the same code
    gives different results, or stops running, when a dependency ships a new version, and nobody can
    tell which version produced the saved outputs.

    ## Example
    `%pip install xgboost shap==0.44.0` flags `xgboost`.

    ## Fix
    Pin the version you ran (`pip show xgboost` tells it): `%pip install xgboost==2.0.3`, or install from
    a pinned requirements file (`%pip install -r requirements.txt`). `mldebt check --fix` pins `%pip`/`!pip`
    installs to the version the project declares (requirements*.txt, pyproject.toml or a lock file) and
    turns `!pip` into `%pip`; packages with no declared version are left to you.

    ## Limits
    Arguments built at run time (`!pip install $pkg`, `{packages}`) are not followed. What a requirements
    file pins is not checked, nor are transitive dependencies (use a lock file for those).

    ## Options
    `allow-ranges`: accept version ranges with an upper bound (`pandas>=2,<3`) as pinned.
    `ignore-packages`: packages never reported.
    """

    id = "MLD504"
    name = "unpinned-notebook-install"
    family = "notebook-hygiene"
    severity = "warning"
    fix = "safe"
    options = {"allow-ranges": False, "ignore-packages": ["pip", "setuptools", "wheel"]}

    VALID = [
        Example(["%pip install xgboost==2.0.3 'pandas~=2.1.0' shap===0.44.0",
                 "!pip install -q -r requirements.txt\n!pip install -U pip setuptools wheel",
                 "!pip install -e . ./libs/featurizer dist/model-1.0-py3-none-any.whl",
                 "!pip install git+https://github.com/org/repo.git@v1.2.0 'tool @ https://x.org/tool-1.0.tar.gz'",
                 "!pip install -c constraints.txt pandas numpy",
                 "!conda install -y -c conda-forge numpy=1.26 'scipy==1.11'\n!pip uninstall -y tensorflow",
                 "!pip install $PACKAGE {extra}\n!apt-get install -y graphviz"],
                note="pins, files, paths, URLs, tooling, run-time arguments, other commands"),
        Example("import numpy as np\nprint(np.__version__)\n", note="no installs"),
    ]
    INVALID = [
        Example(["%pip install xgboost shap==0.44.0", "import xgboost"], expect=1),
        Example(["!pip install -q 'pandas>=2.0' && python -m pip install lightgbm",
                 "!conda install -c conda-forge catboost"], expect=3),
        Example(["%%bash\npip install git+https://github.com/org/repo.git"], expect=1),
        Example("import subprocess, sys\nsubprocess.check_call([sys.executable, '-m', 'pip', 'install', 'optuna'])\n",
                expect=1),
    ]

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        allow_ranges = bool(ctx.options.get("allow-ranges", False))
        ignored = {p.lower() for p in ctx.options.get("ignore-packages", ())}
        findings: list[Finding] = []
        for cell, line, text in self.commands(ctx):
            for tool, args in install_commands(text):
                installs = parse_pip(args, allow_ranges) if tool == "pip" else parse_conda(args)
                for item in installs:
                    if item.problem and item.package.lower() not in ignored:
                        findings.append(self.finding(ctx, cell, line, item))
        return findings

    @staticmethod
    def commands(ctx: FileContext) -> Iterator[tuple[Cell, int, str]]:
        """(cell, line, shell command text) for every shell command that could install packages."""
        for cell in ctx.source.cells:
            for magic in cell.magics:
                words = magic.text.split(None, 1)
                if magic.kind == "shell" or (magic.kind == "line" and words and words[0] in ("pip", "conda", "mamba",
                                                                                             "uv")):
                    yield cell, magic.line, magic.text
                elif magic.kind == "cell" and words and words[0] in _SHELL_CELL_MAGICS:
                    for offset, body_line in enumerate(magic.text.split("\n")[1:], start=1):
                        yield cell, magic.line + offset, body_line
        for cell, tree in ctx.trees():
            for stmt in tree.body:
                for node in subtree(stmt):
                    if node.__class__ is ast.Call:
                        text = _code_command(node)
                        if text:
                            yield cell, node.lineno, text

    def finding(self, ctx: FileContext, cell: Cell, line: int, item: Install) -> Finding:
        command = f"{item.tool} install"
        if item.problem == "a branch head":
            detail = (f"installs whatever the default branch of `{item.package}` holds when the notebook runs")
            fix = "add `@<tag or commit>` to the URL"
        else:
            pin = "==" if item.tool == "pip" else "="
            fix = f"pin the version you ran: `{item.package}{pin}<version>`"
            if item.problem == "a range":
                detail = f"allows any release matching `{item.requirement}`, so each run may get a newer one"
            else:
                detail = f"installs whatever release of `{item.package}` is newest when the notebook runs"
        message = (f"`{command}` of `{item.package}` without a version pin: it {detail}; results can change, or "
                   f"the notebook can break, whenever a new version ships. To fix, {fix}.")
        raw = cell.raw.split("\n")
        text = raw[line - 1] if 0 < line <= len(raw) else ""
        start = max(text.find(" install "), 0)
        match = None
        for needle in (item.requirement, item.package):
            match = match or re.compile(rf"(?<![\w.\-]){re.escape(needle)}(?![\w.\-])").search(text, start)
        column = match.start() + 1 if match else 1
        return ctx.finding(self, cell, None, message, line=line, column=column,
                           end_column=column + len(item.requirement))


def _code_command(call: ast.Call) -> str | None:
    """The shell text of `get_ipython().system("pip install x")`, `run_line_magic("pip", "install x")`,
    `os.system("...")` or `subprocess.run([...])` with literal arguments (`sys.executable` allowed)."""
    func = call.func
    name = ast.unparse(func) if isinstance(func, (ast.Attribute, ast.Name)) else ""
    strings = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    if name.endswith(("get_ipython().system", "get_ipython().getoutput")) and strings:
        return strings[0]
    if name.endswith("get_ipython().run_line_magic") and len(strings) == 2:
        return f"{strings[0]} {strings[1]}"
    if name in _SUBPROCESS:
        if strings:
            return strings[0]
        if call.args and isinstance(call.args[0], (ast.List, ast.Tuple)):
            parts = []
            for elt in call.args[0].elts:
                if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                    parts.append(shlex.quote(elt.value))
                elif ast.unparse(elt) == "sys.executable":
                    parts.append("python")
                else:
                    return None
            return " ".join(parts)
    return None

