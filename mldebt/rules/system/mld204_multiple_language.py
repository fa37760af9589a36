"""MLD204 multiple-language."""

from __future__ import annotations

import ast
import re
import shlex
from typing import Iterable

from mldebt import knowledge as kb
from mldebt.facts.astindex import subtree
from mldebt.facts.extract import dotted_name, import_aliases, literal_value
from mldebt.facts.model import Finding
from mldebt.facts.sql import looks_like_sql
from mldebt.rules.base import Example, FileContext, FileRule
from mldebt.sources.discovery import is_test_path
from mldebt.sources.model import Cell, Magic

# SQL that carries logic (joins, aggregation, branching, derived tables, transformations), as opposed to
# fetching rows (`SELECT a, b FROM t WHERE day = ?`) or storing them (`INSERT ... VALUES (?, ?)`).
_SQL_LOGIC = (
    ("JOIN", re.compile(r"\bjoin\b", re.I)),
    ("GROUP BY", re.compile(r"\bgroup\s+by\b", re.I)),
    ("HAVING", re.compile(r"\bhaving\b", re.I)),
    ("CASE", re.compile(r"\bcase\s+when\b", re.I)),
    ("window function", re.compile(r"\bover\s*\(", re.I)),
    ("CTE", re.compile(r"^\s*with\s+\w+\s+as\s*\(", re.I)),
    ("subquery", re.compile(r"\(\s*select\b", re.I)),
    # `SELECT * EXCEPT (col)` (BigQuery, Databricks) drops columns from a fetch: not the set operation
    ("set operation", re.compile(r"\b(?:union|intersect)\b|(?<!\*)(?<!\*\s)(?<!\*\s\s)\bexcept\b", re.I)),
    ("INSERT ... SELECT", re.compile(r"^\s*insert\b[^;]*\bselect\b", re.I | re.S)),
    ("CREATE ... AS SELECT", re.compile(r"^\s*create\b[^;]*\bas\s+(\(\s*)?select\b", re.I | re.S)),
    ("UPDATE", re.compile(r"^\s*update\b", re.I)),
    ("MERGE", re.compile(r"^\s*merge\b", re.I)),
)
_SQL_STRINGS = re.compile(r"'(?:[^']|'')*'")
_SQL_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_SQL_ARG_KEYWORDS = ("sql", "query", "statement", "sqlQuery", "operation")
_SHELL_SPLIT = re.compile(r"&&|\|\||;|\|")
_PREFIXES = {"sudo", "time", "nohup", "env", "exec", "nice"}
_ENV_ASSIGN = re.compile(r"^[A-Za-z_]\w*=")
_TEXT_TOOLS = {"awk", "gawk", "sed", "jq"}
_DISPLAY_MAGICS = {"html", "javascript", "js", "latex", "markdown", "svg", "writefile", "capture", "file"}


def sql_logic(text: str) -> list[str]:
    """The logic constructs in an SQL text (empty for plain fetches and inserts)."""
    if not looks_like_sql(text):
        return []
    clean = _SQL_STRINGS.sub("''", _SQL_COMMENTS.sub(" ", text))
    return [name for name, pattern in _SQL_LOGIC if pattern.search(clean)]


def _tokens(command: str) -> list[str]:
    try:
        return shlex.split(command, comments=True)
    except ValueError:
        return command.split()


def pipeline_step(command: str) -> str | None:
    """What a shell command runs when it is a pipeline step (`a Python script`, `R`, `awk`), else None.

    Installs (`pip`, `conda`), inspection (`ls`, `nvidia-smi`, `head`, `cat`) and set-up (`wget`, `unzip`,
    `mkdir`) are not pipeline steps; unknown programs are not either.
    """
    for part in _SHELL_SPLIT.split(command):
        tokens = [t for t in _tokens(part) if not _ENV_ASSIGN.match(t)]
        while tokens and tokens[0] in _PREFIXES:
            tokens = tokens[1:]
        if not tokens:
            continue
        program = tokens[0].rsplit("/", 1)[-1]
        args = tokens[1:]
        if args and all(a in ("--version", "-V", "--help", "-h", "version") for a in args):
            continue  # `node --version`: checking a tool is installed
        what = _classify(program, tokens[0], args, part)
        if what:
            return what
    return None


def _classify(program: str, path: str, args: list[str], part: str) -> str | None:
    if re.fullmatch(r"python[\d.]*|ipython[\d.]*", program):
        if "-m" in args:
            module = args[args.index("-m") + 1] if args.index("-m") + 1 < len(args) else ""
            if module in kb.PYTHON_MODULES_NOT_STEPS or module.split(".")[0] in kb.PYTHON_MODULES_NOT_STEPS:
                return None
            return f"the Python module `{module}`" if module else None
        scripts = [a for a in args if a.endswith((".py", ".ipynb"))]
        if scripts and scripts[0].endswith(".py") and any(a.endswith(".ipynb") for a in args[args.index(scripts[0]) + 1:]):
            return None  # a notebook tool (`python convert.py --input ch02.ipynb`): no data step
        return f"the script `{scripts[0]}`" if scripts else None
    if program in kb.SHELL_INSTALLERS or program in kb.SHELL_INSPECTION or program in kb.SHELL_SETUP:
        return None
    if program == "jupyter":
        if args[:1] == ["execute"] or ("nbconvert" in args and "--execute" in args):
            return "a notebook (jupyter nbconvert --execute)"
        return None
    if program in _TEXT_TOOLS:
        return f"a {program} program" if (">" in part or "-i" in args) else None
    if program in ("bash", "sh", "zsh"):
        scripts = [a for a in args if a.endswith(".sh")]
        return f"the shell script `{scripts[0]}`" if scripts else None
    if path.startswith("./") or program.endswith(".sh"):
        return f"the program `{path}`"
    if program in kb.SHELL_PIPELINE_STEPS:
        return f"`{program}`"
    return None


class MultipleLanguage(FileRule):
    """Logic written in another language inside Python: SQL strings, R/bash cells, shell pipeline steps.

    ## What it flags
    - SQL that holds logic (JOIN, GROUP BY, HAVING, CASE, window functions, CTEs, subqueries, UNION,
      INSERT/CREATE ... SELECT, UPDATE, MERGE) passed to `read_sql`, `execute`, `spark.sql`,
      `duckdb.sql` and friends, or written in a `%%sql`/`%sql`/`%%bigquery` cell;
    - cells in another language: `%%R`, `%%julia`, `%%perl`, `%%ruby`, `%%octave`, `%%script R`...;
    - shell pipeline steps in `!cmd` lines, `%%bash`/`%%sh` cells, `subprocess` calls and `os.system`:
      another Python script or module, a notebook runner, `Rscript`, `spark-submit`, `make`, a shell
      script, `awk`/`sed`/`jq` writing files, database clients.

    Not flagged: plain fetches (`SELECT a, b FROM t WHERE ...`, `INSERT ... VALUES`, `CREATE TABLE`
    with columns), package installs (`!pip`, `%pip`, `conda`: see MLD504), inspection (`!ls`,
    `!nvidia-smi`, `!head`, `!cat`, `!git status`), and environment set-up: downloads and unpacking
    (`!wget`, `!curl`, `!unzip`, `!gsutil cp`, `!mkdir`). Downloads are set-up, not logic; an
    unversioned download source is MLD102's business.

    ## Why it is debt
    Sculley et al. §5, "Multiple-Language Smell": writing a system's pieces in several languages makes
    it harder to test, review and hand over; SQL in a string and shell in a notebook line escape
    Python's linters, type checkers and unit tests, and the data flow between them is invisible.

    ## Example
    A notebook cell `!python src/features.py --out data/features.parquet` followed by a `%%sql` cell
    that joins and aggregates the result.

    ## Fix
    Call the step's Python function directly (import it), move SQL logic into versioned `.sql`
    files, views or dbt models with their own tests, or express it in pandas; declare shell steps in
    one orchestrator (dvc.yaml, Makefile) instead of scattering them through notebooks.

    ## Limits
    SQL and commands are only read from literals, f-strings' constant parts and string constants of
    the same file; commands built at run time are not seen. Unknown programs are not flagged, and
    `subprocess` calls in tests (`tests/`, `test_*.py`), which run the program under test on purpose,
    are not either.
    """

    id = "MLD204"
    name = "multiple-language"
    family = "system-anti-patterns"
    severity = "warning"
    VALID = [
        Example(["%pip install pandas==2.2.0\n!pip install scikit-learn==1.4.2\n!python -m pip install xgboost==2.0.3",
                 "!ls data/\n!nvidia-smi\n!head -n 5 data/train.csv\n!cat config.yaml\nfiles = !ls *.csv",
                 "!wget -q https://example.com/data-2024-01-01.zip\n!unzip -o data-2024-01-01.zip -d data/\n"
                 "!mkdir -p models",
                 "import pandas as pd\nimport sqlite3\ncon = sqlite3.connect('shop.db')\n"
                 "df = pd.read_sql('SELECT id, amount FROM orders WHERE day = ?', con, params=['2024-01-01'])",
                 "%%bash\nls -la data\ndu -sh models"],
                note="installs, inspection, downloads and plain fetches"),
        Example("import sqlite3\nimport subprocess\nimport sys\n\ncon = sqlite3.connect('preds.db')\n"
                "con.execute('CREATE TABLE IF NOT EXISTS preds (id INTEGER, score REAL)')\n"
                "con.execute('INSERT INTO preds VALUES (?, ?)', (1, 0.5))\n"
                "subprocess.run(['git', 'rev-parse', 'HEAD'], check=True)\n"
                "subprocess.run([sys.executable, '-m', 'pip', 'install', 'numpy==1.26.4'])\n",
                note="storing rows, and commands that are not pipeline steps"),
        Example(["%%html\n<b>Results</b>", "%%writefile src/step.py\nprint('hi')"], note="display cell magics"),
    ]
    VALID.append(Example(["!python ../tools/convert_notebook_to_script.py --input ch02.ipynb --output ch02.py"],
                         note="a notebook tool run on the notebook itself, not a data step"))
    VALID.append(Example("import subprocess\n\ndef has_node():\n"
                         "    return subprocess.run(['node', '--version'], capture_output=True).returncode == 0\n",
                         note="a version check is inspection, not a pipeline step"))
    INVALID = [
        Example(["import pandas as pd\nimport sqlalchemy\nengine = sqlalchemy.create_engine('sqlite:///shop.db')",
                 "features = pd.read_sql('''\n    SELECT c.id, COUNT(o.id) AS n_orders, SUM(o.amount) AS total\n"
                 "    FROM customers c JOIN orders o ON o.customer_id = c.id\n    GROUP BY c.id\n''', engine)"],
                expect=1),
        Example(["!python src/features.py --out data/features.parquet", "%%R\nlibrary(forecast)\nfit <- auto.arima(y)",
                 "%%bash\ncd pipeline && Rscript clean.R"], expect=3),
        Example("import subprocess\n\nsubprocess.run(['python', 'train.py', '--epochs', '3'], check=True)\n"
                "spark.sql(f\"SELECT user, AVG(x) OVER (PARTITION BY user) AS avg_x FROM {table}\")\n", expect=2),
    ]

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        aliases = import_aliases(ctx.facts.imports)
        strings = self._string_constants(ctx)
        for cell, tree in ctx.parsed:
            yield from self._magics(ctx, cell)
            if tree is None:
                continue
            for node in subtree(tree):
                if node.__class__ is ast.Call:
                    finding = self._call(ctx, cell, node, aliases, strings)
                    if finding is not None:
                        yield finding

    # ------------------------------------------------------------------ Python calls
    @staticmethod
    def _string_constants(ctx: FileContext) -> dict[str, str]:
        """Names bound once in the file to a string literal (`QUERY = \"\"\"SELECT ...\"\"\"`)."""
        values: dict[str, list[str | None]] = {}
        for _cell, tree in ctx.trees():
            for node in subtree(tree):
                if node.__class__ is ast.Assign:
                    value = literal_value(node.value)
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            values.setdefault(target.id, []).append(value if isinstance(value, str) else None)
        return {name: v[0] for name, v in values.items() if len(v) == 1 and v[0] is not None}

    def _text(self, node: ast.AST | None, aliases: dict[str, str], strings: dict[str, str]) -> str | None:
        if node is None:
            return None
        value = literal_value(node)
        if isinstance(value, str):
            return value
        if isinstance(node, ast.JoinedStr):
            return "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "x"
                           for v in node.values)
        if isinstance(node, ast.Name):
            return strings.get(node.id)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self._text(node.left, aliases, strings), self._text(node.right, aliases, strings)
            return (left or "x") + (right or "x") if left or right else None
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "format":
                return self._text(func.value, aliases, strings)
            if (dotted_name(func, aliases) or "").endswith("text") and node.args:  # sqlalchemy.text("...")
                return self._text(node.args[0], aliases, strings)
        return None

    def _call(self, ctx: FileContext, cell: Cell, node: ast.Call, aliases, strings) -> Finding | None:
        func = node.func
        qual = dotted_name(func, aliases) or ""
        attr = func.attr if isinstance(func, ast.Attribute) else None
        if qual in kb.SQL_CALL_FUNCTIONS or attr in kb.SQL_EXECUTORS or attr == "read_sql_query":
            arg = next((k.value for k in node.keywords if k.arg in _SQL_ARG_KEYWORDS), None)
            if arg is None and node.args:
                arg = node.args[0]
            text = self._text(arg, aliases, strings)
            logic = sql_logic(text) if text else []
            if logic:
                lines = text.strip().count("\n") + 1 if text else 1
                return ctx.finding(self, cell, node, f"SQL with {', '.join(logic)} ({lines} line"
                                   f"{'s' if lines != 1 else ''}) passed to `{ast.unparse(func)}`: logic in another "
                                   "language, inside a Python string, escapes the tests, linters and reviews of both; "
                                   "keep it in a versioned .sql file, view or dbt model with its own tests, or "
                                   "express it in Python")
            return None
        if (qual in kb.SHELL_RUNNERS or qual in ("os.popen", "subprocess.getoutput", "subprocess.getstatusoutput")) \
                and not is_test_path(ctx.path):  # tests run the program under test through the shell
            command = self._command(node.args[0] if node.args else next(
                (k.value for k in node.keywords if k.arg in ("args", "command", "cmd")), None), aliases, strings)
            step = pipeline_step(command) if command else None
            if step:
                return ctx.finding(self, cell, node, f"`{ast.unparse(func)}` runs {step} as a pipeline step through "
                                   "the shell: its inputs, outputs and failures cross a command line that Python's "
                                   "tools cannot follow; import and call the step, or declare it in one pipeline "
                                   "(dvc.yaml, Makefile)")
        return None

    def _command(self, node: ast.AST | None, aliases, strings) -> str | None:
        if isinstance(node, (ast.List, ast.Tuple)):
            parts = []
            for element in node.elts:
                text = self._text(element, aliases, strings)
                if text is None and dotted_name(element, aliases) == "sys.executable":
                    text = "python"
                parts.append(shlex.quote(text) if text is not None else "x")
            return " ".join(parts)
        return self._text(node, aliases, strings)

    # ------------------------------------------------------------------ IPython magics
    def _magics(self, ctx: FileContext, cell: Cell) -> Iterable[Finding]:
        for magic in cell.magics:
            finding = self._magic(ctx, cell, magic)
            if finding is not None:
                yield finding

    def _magic(self, ctx: FileContext, cell: Cell, magic: Magic) -> Finding | None:
        raw_lines = cell.raw.split("\n")
        width = len(raw_lines[magic.line - 1]) + 1 if magic.line <= len(raw_lines) else magic.column + 1

        def finding(message: str, line: int = magic.line, column: int = magic.column, end: int = width) -> Finding:
            return ctx.finding(self, cell, None, message, line=line, column=column, end_line=line, end_column=end)

        first, _, body = magic.text.partition("\n")
        words = first.split()
        if magic.kind == "cell":
            name = words[0] if words else magic.name
            if name in _DISPLAY_MAGICS:
                return None
            if name in ("sql", "bigquery", "spark", "sparksql"):
                logic = sql_logic(body or " ".join(words[1:]))
                if logic:
                    return finding(f"this `%%{name}` cell holds SQL with {', '.join(logic)}: logic in another language "
                                   "that Python's tests and linters cannot see and whose result reaches the notebook "
                                   "only by name; keep it in a versioned .sql file or view with its own tests")
                return None
            if name in ("bash", "sh") or (name == "script" and len(words) > 1 and words[1] in ("bash", "sh", "zsh")):
                for offset, line in enumerate(body.split("\n"), start=1):
                    step = pipeline_step(line)
                    if step:
                        indent = len(line) - len(line.lstrip())
                        return finding(f"this `%%{name}` cell runs {step} as a pipeline step in shell: the step's "
                                       "inputs and failures are invisible to the notebook and to Python's tools; call "
                                       "it from Python or declare it in one pipeline (dvc.yaml, Makefile)",
                                       line=magic.line + offset, column=indent + 1, end=len(line) + 1)
                return None
            language = kb.OTHER_LANGUAGE_CELL_MAGICS.get(name)
            if name == "script" and len(words) > 1:
                language = words[1].rsplit("/", 1)[-1]
            if language and name not in ("sql", "bash", "sh"):
                return finding(f"this cell is written in {language} (`%%{name}`): logic in a second language inside "
                               "a Python notebook needs its own tests and runtime, and its data crosses the boundary "
                               "implicitly; move it to a script in that language declared as a pipeline step, or port "
                               "it to Python")
            return None
        if magic.kind == "line" and words and words[0] in ("sql", "R", "julia"):
            if words[0] == "sql":
                logic = sql_logic(" ".join(words[1:]))
                return finding(f"`%sql` with {', '.join(logic)}: SQL logic inside a notebook line, out of reach of tests "
                               "and linters; keep it in a versioned .sql file or view") if logic else None
            return finding(f"`%{words[0]}` runs {words[0]} code inside a Python notebook: a second language with its "
                           "own runtime and no tests; move it to a declared pipeline step or port it to Python")
        if magic.kind == "shell":
            step = pipeline_step(magic.text)
            if step:
                return finding(f"`!{magic.text.strip()[:60]}` runs {step} as a pipeline step through the shell: its "
                               "inputs, outputs and failures are invisible to the notebook and to Python's tools; "
                               "import and call the step, or declare it in one pipeline (dvc.yaml, Makefile)")
        return None
