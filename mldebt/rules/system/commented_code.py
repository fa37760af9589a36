"""Finding commented-out code: runs of comment lines that parse as Python statements, not prose.

Prose often parses too (`This is prose` is a comparison, `Note: the model` an annotation), so a span
only counts when its statements look like code someone ran: assignments, imports, calls, compound
statements. Comment lines that are markers or directives (`# In[3]:`, `# %%`, `# noqa`, `# type:`,
URLs, licence headers, jupytext headers and Markdown cells of percent-format scripts) never count.
"""

from __future__ import annotations

import ast
import re
import textwrap
import warnings
from dataclasses import dataclass

MAX_STATEMENT_LINES = 25  # a commented statement longer than this is not looked for
MAX_RUN_LINES = 400  # longer comment runs are only checked in their first lines

_EXPORT_MARKER = re.compile(r"^(In|Out)\s*\[\s*\d*\s*\]\s*:?\s*$")
_DIRECTIVE = re.compile(r"^\s*(noqa\b|mldebt:|type:|pylint:|fmt:|isort:|pragma\b|mypy:|pyright:|ruff:|flake8\b|"
                        r"nosec\b|pyre-|pytype:|yapf:|black:|codespell:|spellchecker:)", re.I)
_CODING = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")
_LICENCE = re.compile(r"copyright|licen[cs]e|spdx|all rights reserved|warrant", re.I)
_EXAMPLE_INTRO = re.compile(r"\b(example|examples|usage|e\.g\.|for instance|such as|like this|doctest)\b.*:\s*$", re.I)
_JUPYTEXT_MARKER = re.compile(r"^\s*(%%|\+\s*(\[|$|\{)|-\s*$)")
_MARKDOWN_MARKER = re.compile(r"^\s*(%%|\+)\s*\[(markdown|md|raw)\]", re.I)
_INCOMPLETE = ("expected an indented block", "was never closed", "unexpected EOF", "unterminated triple-quoted",
               "incomplete input")


@dataclass(frozen=True)
class CommentedCode:
    """A block of commented-out code: its first and last line, the `#` column and the first code line."""

    line: int
    end_line: int
    column: int
    end_column: int
    code_lines: int
    first: str


def _parse(text: str) -> tuple[str, ast.Module | None]:
    """("ok", tree), ("incomplete", None) or ("invalid", None)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", ast.parse(textwrap.dedent(text))
    except SyntaxError as exc:
        message = str(exc.msg or "")
        return ("incomplete" if any(m in message for m in _INCOMPLETE) else "invalid"), None
    except (ValueError, RecursionError, MemoryError):
        return "invalid", None


def _is_code(stmt: ast.stmt) -> bool:
    """A statement that reads as code rather than as a sentence that happens to parse."""
    if isinstance(stmt, ast.Expr):
        value = stmt.value
        return isinstance(value, (ast.Await, ast.Yield, ast.YieldFrom)) or (
            isinstance(value, ast.Call) and isinstance(value.func, (ast.Name, ast.Attribute)))
    if isinstance(stmt, ast.AnnAssign):
        return stmt.value is not None
    return not isinstance(stmt, ast.Pass)


def _looks_like_output(stmt: ast.stmt) -> bool:
    """A printed object's repr that happens to parse: `Dataset({ features: [...], num_rows: 25000 })`, a call
    whose arguments are dict displays keyed by bare words (code writes `{"features": ...}` or `dict(...)`)."""
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return False
    args = list(stmt.value.args)
    return bool(args) and all(isinstance(a, ast.Dict) and a.keys and all(isinstance(k, ast.Name) for k in a.keys)
                              for a in args)


def _statement_spans(bodies: list[str]) -> list[tuple[int, int, str]]:
    """Greedy longest spans of lines that parse as code: (first index, last index, first code line)."""
    spans: list[tuple[int, int, str]] = []
    i, n = 0, len(bodies)
    while i < n:
        if not _counts(bodies[i]):  # blank, or a comment inside the comment (`## Uncomment to...`): no code
            i += 1
            continue
        best = None
        for k in range(i, min(n, i + MAX_STATEMENT_LINES)):
            status, tree = _parse("\n".join(bodies[i:k + 1]))
            if status == "invalid" and not bodies[k].lstrip().startswith("@"):
                break  # (a decorator alone is invalid, but the `def` under it completes it)
            if status == "ok" and tree is not None and tree.body and all(
                    _is_code(s) or isinstance(s, ast.Pass) for s in tree.body) and any(_is_code(s) for s in tree.body) \
                    and not all(_looks_like_output(s) for s in tree.body):
                best = k
        if best is None:
            i += 1
            continue
        spans.append((i, best, bodies[i].strip()))
        i = best + 1
    return spans


def _counts(body: str) -> bool:
    """Whether a comment line can be a line of commented-out code: not blank, and not itself a comment
    (`## Train for longer:` parses as an empty statement, which must neither start a block nor count)."""
    stripped = body.strip()
    return bool(stripped) and not stripped.startswith("#")


def _breaks_run(body: str, raw: str) -> bool:
    """Comment lines that are markers or directives, never code: they end a run."""
    stripped = body.strip()
    return bool(raw.startswith("#!") or _CODING.match(raw) or _EXPORT_MARKER.match(stripped)
                or _JUPYTEXT_MARKER.match(body) or _DIRECTIVE.match(stripped)
                or ("://" in stripped and not _code_with_url(stripped)))


def _code_with_url(stripped: str) -> bool:
    """`x = load_url("https://...")` or `cudnn.benchmark = True  # see https://...`: a line of code that
    mentions a URL, not a link in prose (`See https://... for details`)."""
    status, tree = _parse(stripped.split("  #", 1)[0] if "  #" in stripped else stripped)
    if status == "incomplete":  # `if check("https://..."):` opens a block
        return True
    return status == "ok" and tree is not None and bool(tree.body) and all(_is_code(s) for s in tree.body)


def _blocks_in_run(run: list[tuple[int, int, str]]) -> list[CommentedCode]:
    texts = [text for _, _, text in run]
    if any(_LICENCE.search(t) for t in texts) or any(t.strip("# ").startswith("jupytext") for t in texts):
        return []
    bodies = [t[1:] for t in texts]
    bodies = [b[1:] if b.startswith(" ") else b for b in bodies]
    limit = min(len(bodies), MAX_RUN_LINES)
    groups: list[list[tuple[int, int, str]]] = []
    for span in _statement_spans(bodies[:limit]):
        if groups and all(not bodies[j].strip() for j in range(groups[-1][-1][1] + 1, span[0])):
            groups[-1].append(span)
        else:
            groups.append([span])
    in_span = {j for group in groups for s, e, _ in group for j in range(s, e + 1)}
    out: list[CommentedCode] = []
    for group in groups:
        before = next((bodies[j] for j in range(group[0][0] - 1, -1, -1) if bodies[j].strip()), "")
        prose_after = any(bodies[j].strip() and j not in in_span for j in range(group[-1][1] + 1, limit))
        # code that a sentence introduces ("Do this:") or that prose goes on to explain is an illustration
        if before.rstrip().endswith(":") or _EXAMPLE_INTRO.search(before) or prose_after:
            continue
        block = _block(run, bodies, group)
        if block.code_lines >= 2:
            out.append(block)
    return out


def _block(run: list[tuple[int, int, str]], bodies: list[str], spans: list[tuple[int, int, str]]) -> CommentedCode:
    first, last = spans[0][0], spans[-1][1]
    lines = sum(1 for s, e, _ in spans for j in range(s, e + 1) if _counts(bodies[j]))
    return CommentedCode(run[first][0], run[last][0], run[first][1], run[last][1] + len(run[last][2]), lines,
                         spans[0][2])


def commented_code_blocks(code: str, comments: list[tuple[int, int, str]]) -> list[CommentedCode]:
    """Blocks of commented-out code among a cell's comments ((line, column, text) from tokenize)."""
    lines = code.split("\n")
    runs: list[list[tuple[int, int, str]]] = []
    current: list[tuple[int, int, str]] = []
    markdown = False
    for line, column, text in comments:
        own_line = 0 < line <= len(lines) and not lines[line - 1][:column - 1].strip()
        body = text[1:]
        if own_line and (_JUPYTEXT_MARKER.match(body) or _MARKDOWN_MARKER.match(body)):
            markdown = bool(_MARKDOWN_MARKER.match(body))
        contiguous = bool(current) and current[-1][0] == line - 1
        if not own_line or markdown or _breaks_run(body, text):
            if current:
                runs.append(current)
            current = []
            continue
        if current and not contiguous:
            runs.append(current)
            current = []
        current.append((line, column, text))
    if current:
        runs.append(current)
    blocks: list[CommentedCode] = []
    for run in runs:
        if len(run) < 2:
            continue
        for block in _blocks_in_run(run):
            previous = blocks[-1] if blocks else None
            if previous is not None and all(not text.strip() for text in lines[previous.end_line:block.line - 1]):
                # only blank lines between: one commented-out stretch (a whole file or function), one finding
                blocks[-1] = CommentedCode(previous.line, block.end_line, previous.column, block.end_column,
                                           previous.code_lines + block.code_lines, previous.first)
            else:
                blocks.append(block)
    return blocks
