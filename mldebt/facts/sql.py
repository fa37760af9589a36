"""Pulling table names out of SQL text, so `read_sql("SELECT ... FROM sales")` becomes a `table:sales` read."""

from __future__ import annotations

import re

SQL_HINT = re.compile(r"^\s*(?:--[^\n]*\n\s*)*(select|with|insert|create|update|delete|merge|replace)\b", re.I)
_IDENT = r"([A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)*|\"[^\"]+\"|`[^`]+`|\[[^\]]+\])"
_READ = re.compile(r"\b(?:from|join)\s+" + _IDENT, re.I)
_WRITE = re.compile(
    r"\b(?:insert\s+(?:overwrite\s+)?(?:into\s+|table\s+)|create\s+(?:or\s+replace\s+)?(?:(?:temp|temporary|"
    r"external)\s+)?(?:table|view)\s+(?:if\s+not\s+exists\s+)?|update\s+|merge\s+into\s+|delete\s+from\s+)" + _IDENT,
    re.I)
_CTE = re.compile(r"(?:\bwith|,)\s*([A-Za-z_]\w*)\s+as\s*\(", re.I)
_KEYWORDS = {"select", "lateral", "unnest", "table", "values", "dual"}


_AS_OF = re.compile(
    r"\bas\s+of\b|\bfor\s+system_time\b|\bat\s*\(\s*(?:timestamp|offset|statement)\b|\bsnapshot(?:_id)?\s*=|"
    r"(?:(?<![>!])=|<=?|\bbetween)\s*(?:date\s*|timestamp\s*)?'\d{4}-\d{2}-\d{2}", re.I)


def pinned_in_time(sql: str) -> bool:
    """True when the query reads a fixed point in time: time travel (`AS OF`, `FOR SYSTEM_TIME`,
    Snowflake `AT(TIMESTAMP => ...)`, a snapshot id) or a filter on a literal date."""
    return bool(_AS_OF.search(sql))


def looks_like_sql(text: str) -> bool:
    return bool(SQL_HINT.match(text))


def _clean(name: str) -> str:
    return name.strip('"`[]').lower()


def _placeholder(sql: str, match: re.Match) -> bool:
    """Whether the table name holds a part only known at run time (`*`: `f"FROM {schema}.events"`): such a
    table is unknown, not the table named by its known part."""
    rest = sql[match.start(1):]
    word = rest.split(None, 1)[0] if rest.strip() else ""
    return "*" in word


def tables_in(sql: str) -> tuple[list[str], list[str]]:
    """Return (tables read, tables written), lower-cased, CTE names and `*` placeholders excluded."""
    ctes = {m.group(1).lower() for m in _CTE.finditer(sql)}
    written = []
    for match in _WRITE.finditer(sql):
        name = _clean(match.group(1))
        if _placeholder(sql, match) or not name:
            continue
        if name not in written:
            written.append(name)
    read = []
    for match in _READ.finditer(sql):
        name = _clean(match.group(1))
        if _placeholder(sql, match) or name in ctes or name in _KEYWORDS or name in read:
            continue
        if re.match(r"delete\s+$", sql[max(0, match.start() - 7):match.start()], re.I):
            continue
        read.append(name)
    return read, written
