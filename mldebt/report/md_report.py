"""`mldebt report --format markdown`: the debt report short enough for a pull-request comment.

Same summary as the HTML page, the top findings (new ones first with `--base`) with a count of the rest,
and the data graph as a Mermaid diagram (GitHub renders it). GitHub caps comments at 65,536 characters;
the findings list and the diagram are trimmed to stay well under that.
"""

from __future__ import annotations

from mldebt.graph.model import UNIT_KINDS
from mldebt.report.common import plural
from mldebt.report.debt import SEVERITIES, Report
from mldebt.report.markdown import escape_cell
from mldebt.report.score import FORMULA

TOP_FINDINGS = 15
MAX_MERMAID_NODES = 60


def _code(text: str) -> str:
    """An inline code span that survives backticks in the text."""
    text = text.strip()
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _location(rec: dict) -> str:
    if rec["cell"] is not None:
        return f"{rec['path']} (cell {rec['cell']}, line {rec['line']})"
    return f"{rec['path']}:{rec['line']}"


def _finding(rec: dict, rules_url: str) -> str:
    status = f"**{rec['status']}** " if rec.get("status") in ("new", "fixed") else ""
    line = (f"- {status}[{rec['rule']}]({rules_url}{rec['rule']}.md) {rec['name']} ({rec['severity']}) at "
            f"{_code(_location(rec))}: {escape_cell(rec['message'])}")
    ex = rec.get("excerpt")
    if ex:
        hit = next((text for number, text in ex.lines if number == ex.first), "").strip()
        if hit:
            line += f"\n  {_code(hit[:160])}"
    return line


def _mermaid_nodes(report: Report) -> list[str] | None:
    """Nodes to draw: everything in small projects; else the flagged units and their one-hop data
    neighbourhood; None when even that is too big for a comment."""
    g = report.graph.g
    if len(g) <= MAX_MERMAID_NODES:
        return sorted(g.nodes)
    chosen = set(report.marks.findings)
    for unit in list(chosen):
        for artifact, _ in report.graph.reads_of(unit) + report.graph.writes_of(unit):
            chosen.add(artifact)
    if not chosen or len(chosen) > MAX_MERMAID_NODES:
        units = [n for n in g.nodes if g.nodes[n].get("kind") in UNIT_KINDS]
        return None if len(units) > MAX_MERMAID_NODES else sorted(units)
    return sorted(chosen)


def _graph(report: Report) -> list[str]:
    from mldebt.graph.export import to_mermaid

    if report.graph is None or not len(report.graph.g):
        return []
    nodes = _mermaid_nodes(report)
    if nodes is None:
        return ["", (f"_The data graph has {len(report.graph.g)} nodes, too many for a comment; "
                    "see the HTML report (`mldebt report --format html`)._")]
    scope = "" if len(nodes) == len(report.graph.g) else f" ({len(nodes)} of {len(report.graph.g)} nodes)"
    return ["", f"<details><summary>Data-dependency graph{scope}; units with findings outlined in red</summary>",
            "", "```mermaid", to_mermaid(report.graph, set(report.marks.findings), nodes).rstrip(), "```", "",
            "</details>"]


def render(report: Report, top: int = TOP_FINDINGS) -> str:
    from mldebt.report.sarif import rules_url
    from mldebt.rules.base import FAMILIES

    base_url = rules_url()
    s = report.score
    out = ["## mldebt debt report", ""]
    d = report.diff
    if d is not None:
        before = report.base_score.score if report.base_score else 0
        delta = s.score - before
        out += [(f"**This change adds {d.new} finding{'s' if d.new != 1 else ''} and fixes {len(d.fixed)}** "
                f"since `{d.ref}` ({d.commit[:10]}); {d.unchanged} unchanged. "
                f"Debt score {before} → {s.score} ({'+' if delta > 0 else ''}{delta})."), ""]
    out.append(f"Scanned {plural(report.scripts, 'file')} and {plural(report.notebooks, 'notebook')}: "
               f"{plural(s.findings, 'finding')}, debt score **{s.score}** ({s.density:.1f} per 100 lines).")
    if report.by_family:
        out += ["", "| Family | " + " | ".join(SEVERITIES) + " |", "|---|" + "---:|" * len(SEVERITIES)]
        for family, counts in report.by_family.items():
            out.append(f"| {escape_cell(FAMILIES.get(family, family))} | "
                       + " | ".join(str(counts.get(x, 0)) for x in SEVERITIES) + " |")
    spots = s.hot_spots(5)
    if spots:
        out += ["", "### Hot spots", "", "| File | Findings | Score | Per 100 lines |", "|---|---:|---:|---:|"]
        out += [f"| `{escape_cell(f.path)}` | {f.findings} | {f.score} | {f.density:.1f} |" for f in spots]
    ordered = report.top_records()
    if ordered or report.fixed:
        shown = ordered[:top]
        out += ["", f"### Findings ({len(shown)} of {len(ordered)})" if len(ordered) > len(shown)
                else f"### Findings ({len(ordered)})", ""]
        out += [_finding(r, base_url) for r in shown]
        rest = len(ordered) - len(shown)
        if rest:
            out.append(f"- … and {rest} more finding{'s' if rest != 1 else ''} "
                       "(`mldebt check` lists them all; `mldebt report --format html` shows them with excerpts).")
        if report.fixed:
            fixed = report.fixed[:top]
            out += ["", f"<details><summary>Fixed by this change ({len(report.fixed)})</summary>", ""]
            out += [_finding(r, base_url) for r in fixed]
            if len(report.fixed) > len(fixed):
                out.append(f"- … and {len(report.fixed) - len(fixed)} more")
            out += ["", "</details>"]
    out += _graph(report)
    if report.rules:
        out += ["", "<details><summary>Rules in this report</summary>", ""]
        out += [f"- [{rule_id}]({base_url}{rule_id}.md) {rule.name}: {escape_cell(rule.summary())} "
                f"(`mldebt explain {rule_id}`)"
                for rule_id, rule in report.rules.items()]
        out += ["", "</details>"]
    out += ["", f"<sub>Debt score: {FORMULA}</sub>"]
    return "\n".join(out) + "\n"
