"""Suppression directives (`# noqa: MLD101`, `# mldebt: ignore[...]`, `ignore-cell`, `ignore-file`, the
`mldebt-ignore` cell tag) and applying them to findings, remembering which ones were used (for MLD002)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mldebt.facts.model import Finding, Pos
from mldebt.sources.comments import comments_in
from mldebt.sources.model import Source

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.I)
_MLDEBT = re.compile(r"#\s*mldebt:\s*(?P<kind>ignore-file|ignore-cell|ignore)(?:\[(?P<codes>[^\]]*)\])?")
_CODE = re.compile(r"MLD\d{3}|MLD\d{0,2}")
FILE_DIRECTIVE_LINES = 10


@dataclass(frozen=True)
class Directive:
    scope: str  # "line", "cell", "file"
    codes: tuple[str, ...] | None  # None: every rule
    pos: Pos
    text: str
    reportable: bool = True  # a bare noqa comment serves other linters too: never reported as unused


def _codes(raw: str | None) -> tuple[str, ...] | None:
    if raw is None or not raw.strip():
        return None
    return tuple(c.upper() for c in re.split(r"[\s,]+", raw.strip()) if c)


def directives_for(source: Source) -> list[Directive]:
    found: list[Directive] = []
    first_code_cell = True
    for cell in source.cells:
        if "mldebt-ignore" in cell.tags:
            found.append(Directive("cell", None, Pos(cell.index, cell.cell_id, 1, 1, 1, 1), "tag mldebt-ignore", False))
        for number, offset, line in _comments(cell):
            for match in _MLDEBT.finditer(line):
                kind = match.group("kind")
                codes = _codes(match.group("codes"))
                pos = Pos(cell.index, cell.cell_id, number, offset + match.start() + 1, number,
                          offset + match.end() + 1)
                if kind == "ignore-file":
                    if first_code_cell and number <= (FILE_DIRECTIVE_LINES if cell.index is None else 10 ** 6):
                        found.append(Directive("file", codes, pos, match.group(0)))
                elif kind == "ignore-cell":
                    if cell.index is not None and offset == _indent(cell.raw, number) and \
                            number == _first_line(cell.raw):
                        found.append(Directive("cell", codes, pos, match.group(0)))
                else:
                    found.append(Directive("line", codes, pos, match.group(0)))
            match = _NOQA.search(line)
            if match:
                raw = match.group("codes")
                codes = _codes(raw)
                mld = tuple(c for c in codes if c.startswith("MLD")) if codes else None
                pos = Pos(cell.index, cell.cell_id, number, offset + match.start() + 1, number,
                          offset + match.end() + 1)
                if codes is None:
                    found.append(Directive("line", None, pos, match.group(0), False))
                elif mld:
                    found.append(Directive("line", mld, pos, match.group(0)))
        first_code_cell = False
    return found


def _comments(cell) -> list[tuple[int, int, str]]:
    """(line, 0-based column, text) of each comment: real Python comments (never `#` inside a string), and
    on lines that are not Python (masked magics, `%%bash` bodies) everything from the first `#`."""
    raw_lines = cell.raw.split("\n")
    code_lines = cell.code.split("\n")
    found = [(line, column - 1, text) for line, column, text in comments_in(cell.code)]
    for number, raw in enumerate(raw_lines, start=1):
        masked = number > len(code_lines) or code_lines[number - 1] != raw
        if masked and "#" in raw:
            found.append((number, raw.index("#"), raw[raw.index("#"):]))
    return sorted(found)


def _indent(text: str, number: int) -> int:
    line = text.split("\n")[number - 1]
    return len(line) - len(line.lstrip())


def _first_line(text: str) -> int:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            return number
    return 1


def _covers(codes: tuple[str, ...] | None, rule: str) -> bool:
    return codes is None or any(rule.startswith(c) for c in codes)


def apply(findings: list[Finding], directives: list[Directive]) -> tuple[list[Finding], set[int]]:
    """Return (kept findings, indexes of directives that suppressed something)."""
    used: set[int] = set()
    kept = []
    for finding in findings:
        suppressed = False
        for i, d in enumerate(directives):
            if not _covers(d.codes, finding.rule) or finding.rule == "MLD001":
                continue
            if d.scope == "file" or (d.scope == "cell" and d.pos.cell == finding.pos.cell) or (
                    d.scope == "line" and d.pos.cell == finding.pos.cell and d.pos.line == finding.pos.line):
                used.add(i)
                suppressed = True
        if not suppressed:
            kept.append(finding)
    return kept, used
