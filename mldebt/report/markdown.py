"""A Markdown findings table for a pull-request comment (`check --format markdown`).

Findings are grouped by file, one table each, with a per-rule tally on top; rule ids link to their rule
pages. Cell text is escaped so a message can never break the table (pipes, newlines, HTML).
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import groupby

from mldebt.report.common import baseline_note, plural

_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)


def _escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_cell(text: str) -> str:
    """Make text safe inside a GitHub-flavoured Markdown table cell: one line, pipes escaped (GFM wants
    `\\|` even inside code spans), HTML neutralised outside code spans (entities would show inside them)."""
    text = " ".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()
    parts, last = [], 0
    for match in _CODE_SPAN.finditer(text):
        parts += [_escape_html(text[last:match.start()]), match.group(0)]
        last = match.end()
    parts.append(_escape_html(text[last:]))
    return "".join(parts).replace("|", "\\|") or " "


def _where(rec: dict) -> str:
    if rec["cell"] is not None:
        return f"cell {rec['cell']}, line {rec['line']}"
    return f"line {rec['line']}:{rec['column']}"


def render(recs: list[dict], result) -> str:
    from mldebt.report.sarif import rules_url

    base = rules_url()
    files = len({r["path"] for r in recs})
    out = [f"### mldebt: {plural(len(recs), 'finding')} in {plural(files, 'file')}" if recs
           else "### mldebt: no findings", ""]
    note = baseline_note(getattr(result, "baseline_hidden", 0))
    if note:
        out += [f"_{note}._", ""]
    if not recs:
        return "\n".join(out).rstrip() + "\n"
    tally = Counter((r["rule"], r["name"]) for r in recs)
    out += ["| Rule | Findings |", "| --- | ---: |"]
    for (rule, name), count in sorted(tally.items(), key=lambda item: (-item[1], item[0][0])):
        out.append(f"| [{rule}]({base}{rule}.md) {escape_cell(name)} | {count} |")
    out.append("")
    for path, group in groupby(recs, key=lambda r: r["path"]):
        group = list(group)
        out += [f"#### `{escape_cell(path)}` ({len(group)})", "",
                "| Where | Rule | Severity | Message |", "| --- | --- | --- | --- |"]
        for rec in group:
            out.append(f"| {_where(rec)} | [{rec['rule']}]({base}{rec['rule']}.md) {escape_cell(rec['name'])} "
                       f"| {rec['severity']} | {escape_cell(rec['message'])} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
