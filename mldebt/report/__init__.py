"""Reporters: pure functions from findings (and the graph) to text, one module per format."""

from __future__ import annotations


def render_check(result, fmt: str, statistics: bool = False, stream=None) -> str:
    """Render a CheckResult in one of the `check --format` formats."""
    from mldebt.report.common import records

    recs = records(result.findings)
    s = result.scan
    shown = result.reported_files
    notebooks = sum(1 for f in shown if f.endswith(".ipynb"))
    scripts = len(shown) - notebooks
    if statistics:
        from mldebt.report.statistics import render as render_stats

        return render_stats(recs, fmt)
    if fmt == "json":
        from mldebt.report.json_format import render

        errors = [{"path": p, "message": m} for p, m in s.problems]
        errors += [{"path": path, "message": note} for path in sorted(s.facts) for note in s.facts.outcome(path).notes]
        return render(recs, str(s.root), len(s.files), errors)
    if fmt == "text":
        from mldebt.report import text

        summary = text.summary_line(len(recs), scripts, notebooks, s.elapsed, result.baseline_hidden)
        safety = _fix_safety(result)
        fixes = text.fixes_line(sum(v == "safe" for v in safety), sum(v == "unsafe" for v in safety))
        return text.render(recs, (f"{fixes}\n" if fixes else "") + summary,  # the summary stays the last line
                           text.use_colour(stream) if stream is not None else False, [v == "safe" for v in safety])
    module = __import__(f"mldebt.report.{fmt}", fromlist=["render"])
    return module.render(recs, result)


def _fix_safety(result) -> list[str | None]:
    """Per finding: "safe", "unsafe" or None (no fix). Files are re-read only when a rule has fixes."""
    from mldebt.rules import all_rules

    registry = all_rules()
    if not any(getattr(registry.get(f.rule), "fix", "none") != "none" for f in result.findings):
        return [None] * len(result.findings)
    from mldebt.fix import fixable

    found = fixable(result)
    return [found.get(id(f)) for f in result.findings]
