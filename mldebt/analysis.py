"""Per-file analysis: load, parse each cell, extract facts, run the file rules. Runs in worker processes.

Everything returned is a picklable `FileFacts` (with the file rules' findings inside), which is what the
cache stores. Any failure is contained here: a file that breaks the analyser becomes a finding, never a
crash of the scan.
"""

from __future__ import annotations

import ast
import signal
import threading
import time
import warnings
from contextlib import contextmanager

from mldebt.facts.astindex import index_tree
from mldebt.facts.extract import extract
from mldebt.facts.model import FileFacts, Finding, Pos
from mldebt.sources.load import load_source
from mldebt.sources.model import Cell, Source


class FileTimeout(Exception):
    pass


@contextmanager
def time_budget(seconds: float):
    """Raise FileTimeout after `seconds` (SIGALRM, main thread only; elsewhere no budget)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread() and seconds > 0
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise FileTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _py2_hint(code: str, message: str) -> str:
    import re

    if re.search(r"^\s*print\s+[^\s(=]", code, re.M) or re.search(r"^\s*exec\s+\"", code, re.M) or \
            re.search(r"except\s+\w+\s*,\s*\w+\s*:", code):
        return message + " (this looks like Python 2 code)"
    return message


def _parse_dedented(code: str) -> ast.Module | None:
    """Parse a notebook cell whose every line is indented alike (IPython strips the common indent), with
    columns shifted back so positions still point into the cell as written."""
    import textwrap

    dedented = textwrap.dedent(code)
    lines = [line for line in code.split("\n") if line.strip()]
    if dedented == code or not lines:
        return None
    shift = len(lines[0]) - len(lines[0].lstrip())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(dedented)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return None
    for node in ast.walk(tree):
        if hasattr(node, "col_offset"):
            node.col_offset += shift
            if getattr(node, "end_col_offset", None) is not None:
                node.end_col_offset += shift
    return tree


def parse_cell(cell: Cell) -> tuple[ast.Module | None, str | None, int, int]:
    """Parse one cell: (tree, problem message, line, column)."""
    if cell.cell_magic is not None:
        return None, None, 1, 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(cell.code), None, 1, 1
    except SyntaxError as exc:
        if cell.index is not None and isinstance(exc, IndentationError):
            tree = _parse_dedented(cell.code)  # IPython runs a cell whose lines share an indent
            if tree is not None:
                return tree, None, 1, 1
        message = f"syntax error: {exc.msg}"
        return None, _py2_hint(cell.code, message), exc.lineno or 1, max(exc.offset or 1, 1)
    except (RecursionError, MemoryError):
        return None, "code is nested too deeply for the Python parser", 1, 1
    except ValueError as exc:  # e.g. source code string cannot contain null bytes
        return None, f"cannot parse: {exc}", 1, 1


def _problem_finding(path: str, message: str, cell: int | None = None, cell_id: str | None = None,
                     line: int = 1, column: int = 1, snippet: str = "") -> Finding:
    return Finding("MLD001", path, Pos(cell, cell_id, line, column, line, column), message, snippet=snippet)


def analyse_source(source: Source, config, rule_ids: list[str] | None = None, root: str = "") -> FileFacts:
    """Parse, extract and run file rules over an already loaded source."""
    from mldebt.rules import file_rules
    from mldebt.rules.base import FileContext

    parsed: list[tuple[Cell, ast.Module | None]] = []
    problems: list[Finding] = []
    for p in source.problems:
        where = f"cell {p.cell}: " if p.cell else ""
        problems.append(_problem_finding(source.path, f"cannot read {source.path}: {where}{p.message}", p.cell,
                                         p.cell_id, p.line, p.column))
    for cell in source.cells:
        tree, message, line, column = parse_cell(cell)
        if message:
            lines = cell.raw.split("\n")
            snippet = lines[line - 1].strip() if 0 < line <= len(lines) else ""
            where = f"cell {cell.index} of {source.path}" if cell.index else source.path
            problems.append(_problem_finding(source.path, f"cannot parse {where}: {message}; the rest of the "
                                             "file is still analysed" if cell.index else
                                             f"cannot parse {where}: {message}", cell.index, cell.cell_id, line,
                                             column, snippet))
        if tree is not None:
            index_tree(tree)  # one walk numbers every node; extraction and rules then ask in slices
        parsed.append((cell, tree))
    facts = extract(source.path, source.kind, parsed)  # with the I/O of magics (`%%writefile`, `!python`)
    facts.notes.extend(source.notes)
    facts.skipped = source.skipped
    facts.cells = [(c.index, c.cell_id, c.execution_count) for c in source.cells if c.index is not None]
    facts.lines = {c.index: c.raw.split("\n") for c in source.cells}
    findings = list(problems)
    ctx = FileContext(source.path, source, parsed, facts, root=root)
    for rule_cls in file_rules():
        if rule_ids is not None and rule_cls.id not in rule_ids:
            continue
        ctx.options = config.options_for(rule_cls)
        try:
            findings.extend(rule_cls().check(ctx))
        except (RecursionError, MemoryError):
            facts.notes.append(f"{rule_cls.id} skipped: code nested too deeply")
    from mldebt.suppress import directives_for

    facts.suppressions = directives_for(source)
    facts.findings = findings
    facts.fixable = {}
    with_fixes = {rule_cls.id for rule_cls in file_rules() if rule_cls.fix != "none"}
    if any(f.rule in with_fixes for f in findings):
        from mldebt.fix.driver import fixability  # planned once here, so warm runs never re-parse to mark [*]

        facts.fixable = fixability(ctx, config)
    return facts


def analyse_file(root: str, rel: str, kind: str, config, data: bytes | None = None) -> FileFacts:
    """Read and analyse one file; never raises."""
    return _analyse_file(root, rel, kind, config, data)[0]


def analyse_for_cache(root: str, rel: str, kind: str, config) -> tuple[FileFacts, tuple[int, int] | None,
                                                                        str | None, bool, dict]:
    """Analyse one file and say how to cache the result: (facts, (mtime_ns, size) before reading, sha1 of
    the bytes analysed, cacheable, what the file rules asked of other files). Hashing the very bytes that
    were analysed means a file changing while it is read is cached under the content it had, which the
    next scan's hash check catches. The questions (`mldebt.probes`: is there a notebook beside this
    script?) are asked again before the cached result is reused."""
    from mldebt import probes

    with probes.record(probes.Recorder()) as recorder:
        found = _analyse_for_cache(root, rel, kind, config)
    return (*found, recorder.answers)


def _analyse_for_cache(root: str, rel: str, kind: str, config):
    import hashlib
    import os

    full = os.path.join(root, rel)
    try:
        st = os.stat(full)
        stat = (st.st_mtime_ns, st.st_size)
        if st.st_size > config.max_file_size:  # skipped for its size: cached by stat alone, never read
            facts, cacheable = _analyse_file(root, rel, kind, config)
            return facts, stat, None, cacheable
        with open(full, "rb") as handle:
            data = handle.read()
    except OSError:
        facts, _ = _analyse_file(root, rel, kind, config)
        return facts, None, None, False
    facts, cacheable = _analyse_file(root, rel, kind, config, data)
    return facts, stat, hashlib.sha1(data).hexdigest(), cacheable


def _analyse_file(root: str, rel: str, kind: str, config, data: bytes | None = None) -> tuple[FileFacts, bool]:
    """(facts, cacheable): results that depend on the run rather than the content (a read error, the time
    budget, an internal error) are not cacheable."""
    import os

    full = os.path.join(root, rel)
    started = time.perf_counter()
    try:
        if data is None:
            size = os.path.getsize(full)
            if size > config.max_file_size:
                facts = FileFacts(path=rel, kind=kind, skipped=True)
                facts.notes.append(f"skipped: {size / 1e6:.1f} MB is over the max-file-size limit "
                                   f"({config.max_file_size / 1e6:.1f} MB)")
                return facts, True
            with open(full, "rb") as handle:
                data = handle.read()
    except OSError as exc:
        facts = FileFacts(path=rel, kind=kind)
        facts.findings.append(_problem_finding(rel, f"cannot read {rel}: {exc.strerror or exc}"))
        return facts, False
    try:
        with time_budget(config.file_timeout):
            source = load_source(data, rel, kind)
            return analyse_source(source, config, root=root), True
    except FileTimeout:
        facts = FileFacts(path=rel, kind=kind, skipped=True)
        facts.notes.append(f"skipped: analysis took over the file-timeout of {config.file_timeout:g}s")
        return facts, False
    except (RecursionError, MemoryError) as exc:
        facts = FileFacts(path=rel, kind=kind)
        facts.findings.append(_problem_finding(rel, f"cannot analyse {rel}: {type(exc).__name__}"))
        return facts, False
    except Exception as exc:  # an analyser bug must not stop the scan: report it against the file
        facts = FileFacts(path=rel, kind=kind)
        facts.findings.append(_problem_finding(
            rel, f"internal error while analysing {rel}: {type(exc).__name__}: {exc} (please report this)"))
        facts.notes.append(f"internal error after {time.perf_counter() - started:.2f}s")
        return facts, False
