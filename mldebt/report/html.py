"""`mldebt report --format html`: one self-contained page for reviewers.

Everything is inline (CSS, SVG, a little JavaScript for filters): no network fetch, works offline, and
follows the reader's light or dark mode (`prefers-color-scheme`). Rule pages are embedded as collapsible
sections and linked by in-page anchors. The page is deterministic: no timestamps, sorted content.
"""

from __future__ import annotations

import re
from html import escape

from mldebt import __version__
from mldebt.report import svg
from mldebt.report.debt import FAMILY_DEBT, SEVERITIES, Report
from mldebt.report.score import FORMULA

CSS = """
:root{--bg:#ffffff;--fg:#1f2328;--muted:#59636e;--panel:#f6f8fa;--border:#d1d9e0;--accent:#0969da;
--error:#cf222e;--warning:#9a6700;--info:#0550ae;--new:#cf222e;--fixed:#1a7f37;--hl:#fff8c5;
--unit:#ddf4ff;--nb:#fff1e5;--art:#f6f8fa;--model:#dafbe1;--table:#fbefff;--pipe:#eef1ff;
--edge:#8c959f;--undeclared:#cf222e;--jungle:#bc4c00;--feedback:#8250df;--declared:#1a7f37}
@media (prefers-color-scheme: dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--panel:#151b23;
--border:#3d444d;--accent:#4493f8;--error:#ff7b72;--warning:#d29922;--info:#79c0ff;--new:#ff7b72;
--fixed:#3fb950;--hl:#3a2e00;--unit:#0c2d6b;--nb:#4a2a0a;--art:#21262d;--model:#0f3d1f;--table:#3c1e5a;
--pipe:#1f2350;--edge:#6e7681;--undeclared:#ff7b72;--jungle:#f0883e;--feedback:#bc8cff;--declared:#3fb950}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",
Helvetica,Arial,sans-serif}
main{max-width:1200px;margin:0 auto;padding:16px 24px 64px}
h1{font-size:24px;margin:8px 0 4px}h2{font-size:19px;margin:32px 0 8px;border-bottom:1px solid var(--border);
padding-bottom:4px}h3{font-size:15px;margin:16px 0 4px}
a{color:var(--accent)}code,pre{font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.muted{color:var(--muted)}
.lead{background:var(--panel);border:1px solid var(--border);border-left:4px solid var(--accent);
padding:10px 14px;border-radius:6px;font-size:15px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid var(--border);padding:4px 10px;
text-align:left}th{background:var(--panel)}td.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.card{background:var(--panel);border:1px solid var(--border);border-radius:6px;padding:8px 14px;min-width:150px}
.card b{display:block;font-size:22px}
.sev{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;
border:1px solid currentColor}
.sev.error{color:var(--error)}.sev.warning{color:var(--warning)}.sev.info{color:var(--info)}
.status{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:var(--bg)}
.status.new{background:var(--new)}.status.fixed{background:var(--fixed)}.status.unchanged{background:var(--muted)}
.finding{border:1px solid var(--border);border-radius:6px;margin:10px 0;padding:8px 12px;background:var(--bg)}
.finding.fixed{opacity:.8}
.finding header{display:flex;flex-wrap:wrap;gap:8px;align-items:baseline}
.loc{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px;color:var(--muted)}
.msg{margin:4px 0}
pre.excerpt{background:var(--panel);border:1px solid var(--border);border-radius:4px;padding:6px 0;
overflow-x:auto;margin:6px 0}
pre.excerpt span{display:block;padding:0 10px}pre.excerpt span.hit{background:var(--hl)}
pre.excerpt i{font-style:normal;color:var(--muted);display:inline-block;min-width:3.5em;user-select:none}
ul.related{margin:4px 0;padding-left:20px;color:var(--muted)}
.filters{position:sticky;top:0;z-index:2;background:var(--bg);padding:8px 0;border-bottom:1px solid var(--border);
display:flex;flex-wrap:wrap;gap:10px;align-items:center}
select,button{font:inherit;color:var(--fg);background:var(--panel);border:1px solid var(--border);
border-radius:6px;padding:3px 8px}
.graphbox{overflow:auto;border:1px solid var(--border);border-radius:6px;background:var(--bg);max-height:80vh}
svg.graph{display:block;font:12px ui-monospace,Menlo,Consolas,monospace}
svg.graph .node>rect,svg.graph .node>path:not(.deco){stroke:var(--muted);stroke-width:1.2;fill:var(--art)}
svg.graph .node text{fill:var(--fg)}svg.graph .deco{fill:none;stroke:var(--muted)}
svg.graph .node.script>rect,svg.graph .node.module>rect{fill:var(--unit)}
svg.graph .node.notebook>rect{fill:var(--nb)}svg.graph .node.model>path{fill:var(--model)}
svg.graph .node.table>path{fill:var(--table)}
svg.graph .node.pipeline>rect{fill:var(--pipe);stroke-dasharray:5 3}
svg.graph .node.unit{cursor:pointer}
svg.graph .node.flagged>rect,svg.graph .node.flagged>path:not(.deco){stroke:var(--error);stroke-width:2.6}
svg.graph .node.jungle>rect,svg.graph .node.jungle>path:not(.deco){stroke:var(--jungle);stroke-width:2.6}
svg.graph .node.feedback>rect,svg.graph .node.feedback>path:not(.deco){stroke:var(--feedback);stroke-width:2.6}
svg.graph .badge circle{fill:var(--error)}svg.graph .badge text{fill:#fff;font-size:10px;font-weight:700}
svg.graph .edge{fill:none;stroke:var(--edge);stroke-width:1.3}
svg.graph .edge.declares{stroke-dasharray:4 3}svg.graph .edge.imports{stroke-dasharray:1 3}
svg.graph .edge.declared{stroke:var(--declared)}
svg.graph .edge.jungle{stroke:var(--jungle);stroke-width:2.4}
svg.graph .edge.feedback{stroke:var(--feedback);stroke-width:2.4}
svg.graph .edge.undeclared{stroke:var(--undeclared);stroke-width:2.4;stroke-dasharray:7 4}
svg.graph .edge:hover{stroke-width:4}
svg.graph .arrowhead{fill:var(--edge)}svg.graph .arrowhead.undeclared{fill:var(--undeclared)}
svg.graph .arrowhead.jungle{fill:var(--jungle)}svg.graph .arrowhead.feedback{fill:var(--feedback)}
svg.graph .arrowhead.declared{fill:var(--declared)}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:6px 0;font-size:12.5px;align-items:center}
.legend svg{vertical-align:middle}
details.rule{border:1px solid var(--border);border-radius:6px;margin:8px 0;padding:4px 12px}
details.rule summary{cursor:pointer;font-weight:600}
details.rule pre{background:var(--panel);padding:8px;border-radius:4px;overflow-x:auto}
.hidden{display:none}
"""

JS = """
(function(){
  var rule=document.getElementById('f-rule'),file=document.getElementById('f-file'),
      status=document.getElementById('f-status'),shown=document.getElementById('f-count');
  var items=[].slice.call(document.querySelectorAll('.finding'));
  function apply(){
    var n=0;
    items.forEach(function(el){
      var ok=(!rule.value||el.dataset.rule===rule.value)&&(!file.value||el.dataset.file===file.value)&&
             (!status||!status.value||el.dataset.status===status.value);
      el.classList.toggle('hidden',!ok);if(ok)n++;
    });
    shown.textContent=n+' of '+items.length+' shown';
  }
  [rule,file,status].forEach(function(s){if(s)s.addEventListener('change',apply);});
  document.getElementById('f-reset').addEventListener('click',function(){
    rule.value='';file.value='';if(status)status.value='';apply();});
  document.querySelectorAll('[data-filter-file]').forEach(function(a){a.addEventListener('click',function(){
    file.value=a.dataset.filterFile;rule.value='';apply();});});
  document.querySelectorAll('svg.graph .node[data-file]').forEach(function(g){g.addEventListener('click',
    function(){file.value=g.dataset.file;rule.value='';apply();
      document.getElementById('findings').scrollIntoView();});});
  function openRule(){var id=location.hash.slice(1),el=id&&document.getElementById(id);
    if(el&&el.tagName==='DETAILS'){el.open=true;el.scrollIntoView();}}
  window.addEventListener('hashchange',openRule);openRule();apply();
})();
"""


def _inline(text: str) -> str:
    """Inline markdown of rule pages: `code`, **bold**, *emphasis*; links keep their text only."""
    parts = re.split(r"(`[^`]+`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"<code>{escape(part[1:-1])}</code>")
            continue
        part = escape(part)
        part = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", part)
        part = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", part)
        part = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"<i>\1</i>", part)
        out.append(part)
    return "".join(out)


def markdown_html(text: str, heading_shift: int = 2) -> str:
    """The small markdown subset of rule pages (headings, paragraphs, lists, fenced code) as HTML."""
    out: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    lines = text.splitlines()

    def flush() -> None:
        if paragraph:
            out.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            flush()
            body = []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            out.append(f"<pre><code>{escape(chr(10).join(body))}</code></pre>")
        elif line.startswith("#"):
            flush()
            level = min(6, len(line) - len(line.lstrip("#")) + heading_shift)
            out.append(f"<h{level}>{_inline(line.lstrip('#').strip())}</h{level}>")
        elif re.match(r"\s*[-*] ", line):
            if paragraph:
                flush()
            items.append(re.sub(r"^\s*[-*] ", "", line))
        elif not line.strip():
            flush()
        elif items and line.startswith("  "):
            items[-1] += " " + line.strip()
        else:
            paragraph.append(line.strip())
        i += 1
    flush()
    return "\n".join(out)


def _location(rec: dict) -> str:
    if rec["cell"] is not None:
        return f"{rec['path']} · cell {rec['cell']}, line {rec['line']}:{rec['column']}"
    return f"{rec['path']}:{rec['line']}:{rec['column']}"


def _excerpt_html(rec: dict) -> str:
    ex = rec.get("excerpt")
    if not ex:
        return ""
    rows = []
    for number, text in ex.lines:
        hit = ' class="hit"' if ex.first <= number <= ex.last else ""
        rows.append(f"<span{hit}><i>{number}</i>{escape(text) or ' '}</span>")
    return f'<pre class="excerpt">{"".join(rows)}</pre>'


def _finding_html(rec: dict) -> str:
    status = rec.get("status") or ""
    badge = f'<span class="status {status}">{status}</span>' if status else ""
    related = ""
    if rec["related"]:
        entries = []
        for r in rec["related"]:
            where = r.get("path", "")
            if r.get("cell") is not None:
                where += f" · cell {r['cell']}"
            if r.get("line"):
                where += f", line {r['line']}" if r.get("cell") is not None else f":{r['line']}"
            entries.append(f"<li><span class=\"loc\">{escape(where)}</span> {escape(r.get('message', ''))}</li>")
        related = f'<ul class="related">{"".join(entries)}</ul>'
    return (f'<article class="finding {escape(status)}" id="finding-{escape(rec["fingerprint"])}" '
            f'data-rule="{escape(rec["rule"])}" '
            f'data-file="{escape(rec["path"])}" data-status="{escape(status)}">'
            f'<header>{badge}<span class="sev {escape(rec["severity"])}">{escape(rec["severity"])}</span>'
            f'<a href="#rule-{escape(rec["rule"])}"><b>{escape(rec["rule"])}</b> {escape(rec["name"])}</a>'
            f'<span class="loc">{escape(_location(rec))}</span></header>'
            f'<p class="msg">{escape(rec["message"])}</p>{_excerpt_html(rec)}{related}</article>')


def _lead(report: Report) -> str:
    d = report.diff
    if d is None:
        return ""
    before = report.base_score.score if report.base_score else 0
    delta = report.score.score - before
    sign = "+" if delta > 0 else ""
    return (f'<p class="lead">This change adds <b>{d.new}</b> finding{"s" if d.new != 1 else ""} and fixes '
            f'<b>{len(d.fixed)}</b> since <code>{escape(d.ref)}</code> ({escape(d.commit[:10])}); '
            f'{d.unchanged} unchanged. Debt score {before} → {report.score.score} ({sign}{delta}).</p>')


def _summary(report: Report) -> str:
    s = report.score
    cards = [("findings", report.score.findings), ("files", report.scripts), ("notebooks", report.notebooks),
             ("debt score", s.score), ("per 100 lines", f"{s.density:.1f}")]
    html = ['<div class="cards">'] + [f'<div class="card"><b>{escape(str(v))}</b>{k}</div>' for k, v in cards]
    html.append("</div>")
    if report.by_family:
        html.append("<table><tr><th>Family</th>" + "".join(f"<th>{s_}</th>" for s_ in SEVERITIES) +
                    "<th>total</th></tr>")
        from mldebt.rules.base import FAMILIES

        for family, counts in report.by_family.items():
            html.append(f'<tr><td><a href="#family-{escape(family)}">{escape(FAMILIES.get(family, family))}</a></td>'
                        + "".join(f'<td class="num">{counts.get(s_, 0)}</td>' for s_ in SEVERITIES)
                        + f'<td class="num">{sum(counts.values())}</td></tr>')
        html.append("</table>")
    else:
        html.append("<p>No findings.</p>")
    html.append(f'<p class="muted"><b>Debt score.</b> {escape(FORMULA)}</p>')
    if report.errors:
        html.append("<details><summary>Scan notes</summary><ul>" +
                    "".join(f"<li><code>{escape(p)}</code>: {escape(m)}</li>" for p, m in report.errors) +
                    "</ul></details>")
    return "\n".join(html)


def _hot_spots(report: Report) -> str:
    spots = report.score.hot_spots()
    if not spots:
        return "<p>No file has findings.</p>"
    rows = [("<table><tr><th>File</th><th>Kind</th><th>Findings</th><th>Score</th><th>Per 100 lines</th>"
            "<th>Rules</th></tr>")]
    for f in spots:
        rules = ", ".join(f"{r} ×{n}" if n > 1 else r for r, n in sorted(f.by_rule.items()))
        rows.append(f'<tr><td><a href="#findings" data-filter-file="{escape(f.path)}"><code>{escape(f.path)}'
                    f'</code></a></td><td>{escape(f.kind)}</td><td class="num">{f.findings}</td>'
                    f'<td class="num">{f.score}</td><td class="num">{f.density:.1f}</td><td>{escape(rules)}</td></tr>')
    rows.append("</table>")
    return "\n".join(rows)


LEGEND = [
    ('<rect x="2" y="3" width="26" height="14" rx="2" fill="var(--unit)" stroke="var(--muted)"/>', "script / module"),
    ('<rect x="2" y="3" width="26" height="14" rx="6" fill="var(--nb)" stroke="var(--muted)"/>', "notebook"),
    ('<path d="M2,3H22L28,9V17H2Z" fill="var(--art)" stroke="var(--muted)"/>', "file"),
    ('<path d="M2,10L7,3H23L28,10L23,17H7Z" fill="var(--model)" stroke="var(--muted)"/>', "model"),
    ('<path d="M2,5V15A13,3,0,0,0,28,15V5A13,3,0,0,0,2,5Z" fill="var(--table)" stroke="var(--muted)"/>', "table"),
    ('<path d="M7,3H28L23,17H2Z" fill="var(--art)" stroke="var(--muted)"/>', "URL"),
    ('<path d="M2,10L9,3H21L28,10L21,17H9Z" fill="var(--art)" stroke="var(--muted)"/>', "env var / config key"),
    ('<rect x="2" y="3" width="26" height="14" fill="var(--pipe)" stroke="var(--muted)" stroke-dasharray="5 3"/>',
     "declared pipeline"),
    ('<rect x="2" y="3" width="26" height="14" fill="none" stroke="var(--error)" stroke-width="2.6"/>',
     "unit with findings"),
    ('<path d="M2,10H28" stroke="var(--declared)" stroke-width="2"/>', "declared read/write"),
    ('<path d="M2,10H28" stroke="var(--undeclared)" stroke-width="2.4" stroke-dasharray="7 4"/>',
     "undeclared consumer (MLD101)"),
    ('<path d="M2,10H28" stroke="var(--jungle)" stroke-width="2.4"/>', "pipeline jungle (MLD202)"),
    ('<path d="M2,10H28" stroke="var(--feedback)" stroke-width="2.4"/>', "feedback loop (MLD105)"),
]


def _graph(report: Report) -> str:
    picture, collapsed = svg.render(report)
    if not picture:
        return "<p>The project has no code units or artifacts to draw.</p>"
    legend = "".join(f'<span><svg width="30" height="20" aria-hidden="true">{shape}</svg> {escape(text)}</span>'
                     for shape, text in LEGEND)
    note = ('<p class="muted">Arrows follow the data: an artifact points at the code that reads it, code points at '
            "what it writes. Hover a node or an arrow for details; click a code unit to filter the findings.</p>")
    if collapsed:
        note += ('<p class="muted">The graph is large, so it shows code units only: an arrow means the target '
                 "reads something the source writes. Hover for the artifacts.</p>")
    return f'<div class="legend">{legend}</div>{note}<div class="graphbox">{picture}</div>'


def _findings(report: Report) -> str:
    recs = report.top_records() + report.fixed
    if not recs:
        return "<p>No findings.</p>"
    rules = sorted({r["rule"] for r in recs})
    files = sorted({r["path"] for r in recs})
    names = {r["rule"]: r["name"] for r in recs}
    controls = ['<div class="filters"><label>Rule <select id="f-rule"><option value="">all rules</option>']
    controls += [f'<option value="{escape(r)}">{escape(r)} {escape(names[r])}</option>' for r in rules]
    controls.append('</select></label><label>File <select id="f-file"><option value="">all files</option>')
    controls += [f'<option value="{escape(f)}">{escape(f)}</option>' for f in files]
    controls.append("</select></label>")
    if report.diff is not None:
        controls.append('<label>Status <select id="f-status"><option value="">all</option><option>new</option>'
                        "<option>unchanged</option><option>fixed</option></select></label>")
    controls.append('<button type="button" id="f-reset">Show all</button><span class="muted" id="f-count">'
                    f"{len(recs)} of {len(recs)} shown</span></div>")
    return "".join(controls) + "\n" + "\n".join(_finding_html(r) for r in recs)


def _families(report: Report) -> str:
    from mldebt.rules.base import FAMILIES

    out = []
    for family, title in FAMILIES.items():
        sentence, section = FAMILY_DEBT.get(family, ("", ""))
        count = sum(report.by_family.get(family, {}).values())
        where = f" <span class=\"muted\">(Sculley et al., {escape(section)})</span>" if section else ""
        out.append(f'<h3 id="family-{escape(family)}">{escape(title)} · {count} finding{"s" if count != 1 else ""}'
                   f'</h3><p>{escape(sentence)}{where}</p>')
    return "\n".join(out)


def _rules(report: Report) -> str:
    from mldebt.docs import rule_page

    if not report.rules:
        return "<p>No rule was triggered.</p>"
    out = []
    for rule_id, rule in report.rules.items():
        page = rule_page(rule).split("\n", 1)[1]  # the page's title is the summary line below
        out.append(f'<details class="rule" id="rule-{escape(rule_id)}"><summary>{escape(rule_id)} '
                   f'{escape(rule.name)}: {escape(rule.summary())}</summary>{markdown_html(page)}</details>')
    return "\n".join(out)


def render(report: Report) -> str:
    """The whole HTML page."""
    title = f"mldebt debt report: {report.root.rstrip('/').rsplit('/', 1)[-1]}"
    sections = [
        ("summary", "Summary", _lead(report) + _summary(report)),
        ("hot-spots", "Hot spots", _hot_spots(report)),
        ("graph", "Data-dependency graph", _graph(report)),
        ("findings", "Findings", _findings(report)),
        ("families", "Why each family is debt", _families(report)),
        ("rules", "Rule pages", _rules(report)),
    ]
    nav = " · ".join(f'<a href="#{sid}">{escape(name)}</a>' for sid, name, _ in sections)
    body = "\n".join(f'<section id="{sid}"><h2>{escape(name)}</h2>\n{content}\n</section>'
                     for sid, name, content in sections)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta name=\"color-scheme\" content=\"light dark\">"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body><main>"
            f"<h1>{escape(title)}</h1><p class=\"muted\">mldebt {escape(__version__)} · "
            f"<code>{escape(report.root)}</code></p><nav>{nav}</nav>\n{body}\n"
            f"</main><script>{JS}</script></body></html>\n")
