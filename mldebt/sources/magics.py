"""Masking IPython syntax (magics, `!shell`, `?help`) so a cell parses as Python with unchanged line numbers.

Each masked line keeps its indentation and becomes `pass` (or `target = ...` for `x = !cmd`), so the
AST positions of every other line stay exactly where the user sees them. The masked text is kept as
`Magic` records for the rules that care about it (installs, shell pipeline steps, `%run`, `%%sql`).
"""

from __future__ import annotations

import re

from mldebt.sources.model import Magic

# Cell magics whose body is still Python (the magic only wraps its execution).
PYTHON_BODY_CELL_MAGICS = frozenset(
    {"time", "timeit", "capture", "prun", "debug", "pdb", "memit", "mprun", "lprun", "snakeviz", "tensorflow_version"}
)

_ASSIGN_MAGIC = re.compile(r"^(?P<indent>\s*)(?P<target>[A-Za-z_][\w]*(?:\s*,\s*[A-Za-z_][\w]*)*)\s*=\s*(?P<sigil>!|%{1,2})(?P<cmd>.*)$")
_IDENT = re.compile(r"[A-Za-z_][\w.]*")
# Line magics IPython runs without their `%` (automagic, on by default): `pip install x`, `cd ..`
_AUTOMAGIC = re.compile(r"^(pip|conda|mamba|cd)\s+\S")


def _is_automagic(stripped: str) -> bool:
    """`pip install pandas` at the top of a cell is `%pip install pandas`; `cd = 3` is still Python."""
    if not _AUTOMAGIC.match(stripped):
        return False
    try:
        compile(stripped, "<cell line>", "exec")
    except SyntaxError:
        return True
    except (ValueError, RecursionError, MemoryError):
        return False
    return False


def _looks_like_ipython(line: str) -> bool:
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return False
    if stripped[0] in "%!?" or (line[:1] not in " \t" and _is_automagic(stripped)):
        return True
    if stripped.endswith("?") and _IDENT.fullmatch(stripped.rstrip("?")):
        return True
    return bool(_ASSIGN_MAGIC.match(line))


def needs_masking(text: str) -> bool:
    """Cheap pre-check so plain Python cells skip the masking pass."""
    return any(_looks_like_ipython(line) for line in text.splitlines())


def _split_name(command: str) -> str:
    command = command.strip()
    match = re.match(r"[\w.\-/]+", command)
    if not match:
        return ""
    word = match.group(0)
    return word.rsplit("/", 1)[-1]


_TRIPLE_QUOTES = ("'" * 3, '"' * 3)


def _bracket_depth(line: str, depth: int) -> int:
    """`depth` after reading `line`: (), [] and {} counted outside quotes and before any `#` comment.

    A quote still open at the end of the line closes there (a shell command like `!echo don't`).
    """
    quote = ""
    k = 0
    while k < len(line):
        char = line[k]
        if quote:
            if char == "\\":
                k += 1
            elif line.startswith(quote, k):
                k += len(quote) - 1
                quote = ""
        elif char in "'\"":
            quote = line[k:k + 3] if line[k:k + 3] in _TRIPLE_QUOTES else char
            k += len(quote) - 1
        elif char == "#":
            break
        elif char in "([{":
            depth += 1
        elif char in ")]}" and depth:
            depth -= 1
        k += 1
    return depth


def _continued_until(lines: list[str], start: int) -> int:
    """Index of the last line of the magic that starts on line `start`.

    IPython reads a magic as one logical line: it goes on after a trailing backslash and while a
    bracket is open (`%timeit np.add(x,` then `    x)`), so those lines belong to the magic.
    """
    end = start
    depth = _bracket_depth(lines[start], 0)
    while end + 1 < len(lines) and (depth or lines[end].rstrip().endswith("\\")):
        end += 1
        depth = _bracket_depth(lines[end], depth)
    return end


def mask_cell(text: str) -> tuple[str, list[Magic], str | None]:
    """Return (python_code, magics, non_python_cell_magic) for one cell's text."""
    lines = text.split("\n")
    magics: list[Magic] = []
    first = lines[0].lstrip() if lines else ""
    if first.startswith("%%"):
        name = _split_name(first[2:])
        magics.append(Magic(1, len(lines[0]) - len(first) + 1, "cell", name, "\n".join(lines)[len(lines[0]) - len(first) + 2:]))
        if name not in PYTHON_BODY_CELL_MAGICS:
            return "\n".join("" for _ in lines), magics, name
        lines[0] = ""
        start = 1
    else:
        start = 0
    if not needs_masking("\n".join(lines[start:])):
        return "\n".join(lines), magics, None
    out = list(lines)
    i = start
    while i < len(lines):
        line = lines[i]
        if not _looks_like_ipython(line):
            i += 1
            continue
        end = _continued_until(lines, i)
        joined = " ".join(lines[k].rstrip().rstrip("\\").strip() for k in range(i, end + 1))
        indent = line[: len(line) - len(line.lstrip())]
        stripped = line.strip()
        column = len(indent) + 1
        assign = _ASSIGN_MAGIC.match(line)
        if assign and not stripped.startswith(("%", "!", "?")):
            sigil, cmd = assign.group("sigil"), assign.group("cmd")
            kind = "shell" if sigil == "!" else "line"
            cmd_joined = joined.split("=", 1)[1].strip().lstrip("!%")
            magics.append(Magic(i + 1, column, kind, _split_name(cmd), cmd_joined, assign.group("target")))
            out[i] = f"{indent}{assign.group('target')} = ..."
        elif stripped.startswith("!"):
            cmd = joined.lstrip("!")
            magics.append(Magic(i + 1, column, "shell", _split_name(cmd), cmd))
            out[i] = indent + "pass"
        elif stripped.startswith("%") or (not indent and _is_automagic(stripped)):
            cmd = joined.lstrip("%")
            magics.append(Magic(i + 1, column, "line", _split_name(cmd), cmd))
            out[i] = indent + "pass"
        else:  # help: obj? / ?obj / obj??
            magics.append(Magic(i + 1, column, "help", stripped.strip("?"), stripped))
            out[i] = indent + "pass"
        for k in range(i + 1, end + 1):
            out[k] = indent + "pass"
        i = end + 1
    return "\n".join(out), magics, None
