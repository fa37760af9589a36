"""Applying fixes to a checked project: group findings per file, plan, edit each cell, re-parse, write or diff.

Planning looks only at `ast` trees (cheap: the analysis worker plans its file's findings, see
`fixability`, so `check` marks fixable findings from cached facts without importing libcst or reading
files again); building the edits uses libcst, which keeps every comment and all formatting it is not asked to
change. Each file is written once, atomically, and only when something in it changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mldebt.facts.model import Finding
from mldebt.fix.model import FileChange, FixReport, NoFix, Planned
from mldebt.fix.notebook_json import cells_with_cr
from mldebt.fix.unit import FileUnit


def fixers() -> dict[str, Any]:
    from mldebt.fix.dead_code import DeadCodeFixer
    from mldebt.fix.params import ParamsFixer
    from mldebt.fix.pins import PinFixer
    from mldebt.fix.seeds import SeedFixer

    return {f.rule: f for f in (SeedFixer(), PinFixer(), DeadCodeFixer(), ParamsFixer())}


@dataclass
class FixProject:
    """What fixers share across files: the project root and config, and lazily read project facts."""

    root: Path
    config: Any
    memo: dict = field(default_factory=dict)

    def options(self, rule_id: str) -> dict:
        from mldebt.rules import all_rules

        rule = all_rules().get(rule_id)
        return self.config.options_for(rule) if rule else {}


def _fixable_findings(result, only: list[Finding] | None = None) -> dict[str, list[Finding]]:
    from mldebt.rules import all_rules

    registry, known = all_rules(), fixers()
    by_path: dict[str, list[Finding]] = {}
    for finding in result.findings if only is None else only:
        rule = registry.get(finding.rule)
        if finding.rule in known and rule is not None and rule.fix != "none":
            by_path.setdefault(finding.path, []).append(finding)
    return by_path


def _load(project: FixProject, result, path: str) -> FileUnit:
    from mldebt.sources.discovery import kind_of

    kind = kind_of(path) or "script"
    return FileUnit(project.root, path, kind, result.scan.facts.get(path))


def finding_key(finding: Finding) -> tuple:
    """How a file rule's finding is found again in `FileFacts.fixable` (rule, position and message)."""
    return finding.rule, finding.pos, finding.message


def fixability(ctx, config) -> dict[tuple, tuple[str, Any]]:
    """Run in the analysis worker, on the trees it already holds: {finding_key: (safety, what to confirm)}
    for the file rules' findings that have a fix. The project's part of a plan (a declared version, the
    params file) can change without this file changing, so it is left to `fixable` to confirm, through
    the fixer's `confirm(what, project)`; fixers that need nothing of the project plan fully here."""
    from mldebt.rules import all_rules

    registry, known = all_rules(), fixers()
    project = FixProject(None, config)  # type: ignore[arg-type]  # the root is the parent's business
    unit = FileUnit.analysed(ctx)
    out: dict[tuple, tuple[str, Any]] = {}
    for finding in ctx.facts.findings:
        fixer, rule = known.get(finding.rule), registry.get(finding.rule)
        if fixer is None or rule is None or rule.fix == "none":
            continue
        try:
            if hasattr(fixer, "precheck"):
                out[finding_key(finding)] = (*fixer.precheck(finding, unit, project),)
            else:
                out[finding_key(finding)] = (fixer.plan(finding, unit, project).safety, None)
        except Exception:  # NoFix, or a fixer bug: as in plan_all, the finding is reported without a fix
            continue
    return out


def fixable(result) -> dict[int, str]:
    """{id(finding): "safe" | "unsafe"} for the findings of `result` that have a fix, from what the workers
    planned (`FileFacts.fixable`), confirmed against the project; files without that are planned here."""
    project = FixProject(Path(result.root), result.scan.config)
    known = fixers()
    out: dict[int, str] = {}
    unplanned = []
    for path, findings in _fixable_findings(result).items():
        facts = result.scan.facts.outcome(path) if path in result.scan.facts else None
        if facts is None or facts.fixable is None:
            unplanned.extend(findings)
            continue
        for finding in findings:
            entry = facts.fixable.get(finding_key(finding))
            if entry is None:
                continue
            safety, needs = entry
            fixer = known[finding.rule]
            try:
                if hasattr(fixer, "confirm"):
                    fixer.confirm(needs, project)
            except Exception:
                continue
            out[id(finding)] = safety
    if unplanned:
        out.update((id(finding), safety) for finding, safety in plan_all(result, unplanned))
    return out


def plan_all(result, only: list[Finding] | None = None) -> list[tuple[Finding, str]]:
    """(finding, "safe"/"unsafe") for every finding that has a fix, without changing anything."""
    project = FixProject(Path(result.root), result.scan.config)
    known = fixers()
    out: list[tuple[Finding, str]] = []
    for path, findings in _fixable_findings(result, only).items():
        try:
            unit = _load(project, result, path)
        except (OSError, UnicodeDecodeError):
            continue
        for finding in findings:
            try:
                out.append((finding, known[finding.rule].plan(finding, unit, project).safety))
            except Exception:  # NoFix, or a fixer bug: either way check must still report the finding
                continue
    return out


def apply_fixes(result, unsafe: bool = False, write: bool = True) -> FixReport:
    """Fix what can be fixed among `result.findings`; write the files (atomically) unless `write` is False."""
    from mldebt.cache import atomic_write

    project = FixProject(Path(result.root), result.scan.config)
    known = fixers()
    report = FixReport()
    for path, findings in sorted(_fixable_findings(result).items()):
        try:
            unit = _load(project, result, path)
        except (OSError, UnicodeDecodeError) as exc:
            report.skipped.extend((f, f"cannot read {path}: {exc}") for f in findings)
            continue
        change = _fix_file(unit, findings, known, project, unsafe, report)
        if change is not None:
            report.changes.append(change)
    for fixer in known.values():
        report.changes.extend(fixer.finish(project) if hasattr(fixer, "finish") else [])
    if write:
        for change in report.changes:
            atomic_write(project.root / change.path, change.after)
        report.written = bool(report.changes)
    return report


def _internal(exc: Exception) -> str:
    return f"internal error in the fix: {type(exc).__name__}: {exc} (please report this)"


def _fix_file(unit: FileUnit, findings: list[Finding], known: dict, project: FixProject, unsafe: bool,
              report: FixReport) -> FileChange | None:
    planned: list[Planned] = []
    for finding in findings:
        try:
            plan = known[finding.rule].plan(finding, unit, project)
        except NoFix:
            continue  # no fix for this finding: nothing to report
        except Exception as exc:  # a fixer bug must not stop the other fixes
            report.skipped.append((finding, _internal(exc)))
            continue
        if plan.safety == "unsafe" and not unsafe:
            report.unsafe_available += 1
            continue
        planned.append(plan)
    crlf = cells_with_cr(unit.data.decode("utf-8", errors="replace")) if unit.kind == "notebook" else set()
    by_cell: dict[int | None, list[Planned]] = {}
    for plan in planned:
        if plan.finding.pos.cell in crlf:
            report.skipped.append((plan.finding, "the cell has CR line endings, which fixed text would lose"))
        else:
            by_cell.setdefault(plan.finding.pos.cell, []).append(plan)
    new_raw: dict[int | None, str] = {}
    for index, plans in by_cell.items():  # cell by cell, in order: a fix may build on an earlier cell's
        cell = unit.cell_at(plans[0].finding.pos)
        items = []
        for plan in plans:
            try:
                items.append((plan, known[plan.finding.rule].edits(plan, unit, project)))
            except NoFix as exc:
                report.skipped.append((plan.finding, str(exc)))
            except Exception as exc:
                report.skipped.append((plan.finding, _internal(exc)))
        text, accepted, refused = unit.apply(cell, [edits for _, edits in items])
        for number, (plan, _) in enumerate(items):
            if number in refused:
                report.skipped.append((plan.finding, refused[number]))
                continue
            report.fixed.append(plan.finding)
            accept = getattr(known[plan.finding.rule], "accepted", None)
            if accept:
                accept(plan, unit, project)
        if text != cell.raw:
            new_raw[index] = text
    if not new_raw:
        return None
    after = unit.serialise(new_raw)
    return FileChange(unit.rel, unit.data, after) if after != unit.data else None
