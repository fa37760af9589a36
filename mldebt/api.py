"""The programmatic API behind the CLI: scan a project, run the rules, filter and suppress findings.

    from mldebt.api import check
    result = check(["."])
    for finding in result.findings: ...
"""

from __future__ import annotations

import fnmatch
import time
from dataclasses import dataclass, field
from pathlib import Path

from mldebt import probes
from mldebt.cache import LazyFacts
from mldebt.config import Config, find_config
from mldebt.facts.model import FileFacts, Finding, Pos
from mldebt.parallel import gc_paused, gc_tuned
from mldebt.sources.discovery import discover, find_project_root, kind_of

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}


@dataclass
class Scan:
    root: Path
    config: Config
    files: list[str]
    facts: LazyFacts  # Mapping[str, FileFacts]; `facts.outcome(rel)` without loading the facts
    problems: list[tuple[str, str]]
    elapsed: float = 0.0
    cache_hits: int = 0
    # rel -> (content id, view digest) of every file, when all came from or went into the cache: what
    # `mldebt.project_memo` compares; None without a cache
    identities: dict[str, tuple[str, str]] | None = None
    # what the project stage asked of the file system so far (`mldebt.probes`)
    recorder: probes.Recorder = field(default_factory=probes.Recorder)
    _graph: object = None

    @property
    def graph(self):
        """The project's data graph, built on first use (a check whose project result is reused needs none)."""
        if self._graph is None:
            from mldebt.graph.build import build_graph

            with probes.record(self.recorder):
                self._graph = build_graph(self.root, self.facts, self.config)
        return self._graph


@dataclass
class CheckResult:
    scan: Scan
    findings: list[Finding]
    baseline_hidden: int = 0
    selected: list[str] = field(default_factory=list)
    checked: list[str] | None = None  # the files findings were reported for, when files were named

    @property
    def root(self) -> Path:
        return self.scan.root

    @property
    def reported_files(self) -> list[str]:
        """Files whose findings are shown: the named files in changed-files mode, else every scanned file."""
        return self.checked if self.checked is not None else self.scan.files


def _analyse_all(root: Path, files: list[str], config: Config, jobs: int | None,
                 use_cache: bool) -> tuple[LazyFacts, int, dict | None]:
    """Facts for every file, in file order: from the cache where unchanged (neither read nor unpickled until
    used, see `LazyFacts`), else analysed over all cores (see `mldebt.parallel`); the number of cache hits;
    the files' identities for `mldebt.project_memo` (None when some file could not be cached)."""
    from mldebt.cache import FactsCache
    from mldebt.parallel import analyse_files

    loaded: dict[str, FileFacts] = {}
    stored: dict[str, tuple[bytes, bytes]] = {}
    todo: list[str] = []
    with gc_paused():
        cache = FactsCache(root, config.extraction_digest()) if use_cache else None
        for rel in files:
            cached = cache.get(rel) if cache else None
            if cached is not None:
                stored[rel] = cached
            else:
                todo.append(rel)

    def analyse(names: list[str]) -> None:
        for rel, (facts, (blobs, stat, digest, cacheable, view, answers)) in zip(names, analyse_files(
                str(root), names, config, jobs, cache is not None)):
            loaded[rel] = facts
            if cache and cacheable:
                cache.put(rel, blobs, stat, digest, view, answers)

    def reanalyse(rel: str) -> FileFacts:  # a stored entry that does not unpickle to this file's facts
        if cache:
            cache.forget(rel)
        analyse([rel])
        if cache:
            cache.save(set(files))
        return loaded[rel]

    analyse(todo)
    identities = None
    if cache:
        cache.save(set(files))
        identities = {rel: cache.identity(rel) for rel in files}
        if None in identities.values():
            identities = None
    facts = LazyFacts(files, loaded, stored, reanalyse, cache.forget if cache else (lambda rel: None))
    return facts, len(files) - len(todo), identities


@gc_tuned()
def scan(paths: list[str | Path] | None = None, config: Config | None = None, jobs: int | None = None,
         use_cache: bool = True) -> Scan:
    """Discover and analyse files (the whole project when files are given); the graph is built on first use."""
    from mldebt import knowledge

    started = time.perf_counter()
    probes.new_scan()
    targets = [Path(p) for p in (paths or ["."])]
    root = find_project_root(targets)
    if config is None:
        config = find_config(targets[0] if targets else Path("."))
    if config.readers or config.writers:
        knowledge.extend_from_config(config.readers, config.writers)
    only_files = all(t.is_file() for t in targets if t.exists()) and any(t.exists() for t in targets)
    walk_targets = [root] if only_files else targets
    stored = None
    if use_cache:
        from mldebt.cache import FactsCache
        from mldebt.sources.discovery import StoredDiscovery

        stored = StoredDiscovery(FactsCache.folder_for(root, config.extraction_digest()), root, walk_targets,
                                 config.exclude, config.respect_gitignore)
        found = stored.discover()
    else:
        found = discover(root, walk_targets, config.exclude, config.respect_gitignore)
    if only_files:  # explicitly named files are scanned even if excluded
        for t in targets:
            rel = t.resolve().relative_to(root).as_posix() if t.resolve().is_relative_to(root) else None
            if rel and kind_of(rel) and rel not in found.files:
                found.files.append(rel)
        found.files.sort()
    facts, hits, identities = _analyse_all(root, found.files, config, jobs, use_cache)
    if stored is not None:
        stored.save()  # after the facts cache made its folder
    return Scan(root, config, found.files, facts, found.problems, time.perf_counter() - started, hits, identities)


def selected_rules(config: Config, select: list[str] | None = None, ignore: list[str] | None = None) -> list[str]:
    from mldebt.rules import all_rules, matches

    selectors = list(select) if select else list(config.select) + list(config.extend_select)
    ignores = list(config.ignore) + list(ignore or [])
    out = []
    for rule_id, rule_cls in all_rules().items():
        explicitly = any(rule_id.startswith(s) and len(s) == len(rule_id) for s in selectors)
        if not matches(rule_id, selectors):
            continue
        if not rule_cls.enabled_by_default and not explicitly:
            continue
        if matches(rule_id, ignores) and not (explicitly and not any(rule_id == i for i in ignores)):
            continue
        out.append(rule_id)
    return out


def _project_findings(s: Scan, rule_ids: list[str], report_paths: frozenset[str] | None = None) -> list[Finding]:
    """The project rules' findings, with every question they ask of the file system recorded in the scan."""
    from mldebt.rules import project_rules
    from mldebt.rules.base import ProjectContext

    out: list[Finding] = []
    shared: dict = {}  # values several rules derive alike (ProjectContext.shared), computed once
    with probes.record(s.recorder):
        for rule_cls in project_rules():
            if rule_cls.id not in rule_ids:
                continue
            ctx = ProjectContext(str(s.root), s.graph, s.facts, s.config, s.config.options_for(rule_cls), shared,
                                 report_paths)
            out.extend(rule_cls().check(ctx))
    return out


def _project_findings_reused(s: Scan, rule_ids: list[str], report_paths: frozenset[str] | None,
                             use_cache: bool) -> list[Finding]:
    """`_project_findings`, or the stored result of an earlier run when it is still exact (see
    `mldebt.project_memo`): a stored full run serves named files too, since the project rules' findings in
    them are the same either way."""
    if not use_cache or s.identities is None:
        return _project_findings(s, rule_ids, report_paths)
    from mldebt.cache import FactsCache
    from mldebt.project_memo import ProjectMemo, memo_key

    memo = ProjectMemo(FactsCache.folder_for(s.root, s.config.extraction_digest()))
    keys = [memo_key(s.config, rule_ids, report_paths)]
    if report_paths is not None:
        keys.insert(0, memo_key(s.config, rule_ids, None))
    for key in keys:
        found = memo.lookup(key, s.identities, s.facts)
        if found is not None:
            return list(found)
    findings = _project_findings(s, rule_ids, report_paths)
    memo.store(keys[-1], s.identities, s.recorder.answers, findings)
    return findings


def _per_file_ignored(config: Config, finding: Finding) -> bool:
    for glob, ids in config.per_file_ignores.items():
        pattern = glob.rstrip("/")
        if fnmatch.fnmatch(finding.path, pattern) or fnmatch.fnmatch(finding.path, pattern + "/*") or (
                pattern.endswith("/**") and finding.path.startswith(pattern[:-3] + "/")):
            if any(finding.rule.startswith(i) for i in ids):
                return True
    return False


def sort_key(f: Finding):
    return (f.path, f.pos.cell or 0, f.pos.line, f.pos.column, f.rule, f.message)


@gc_tuned()
def check(paths: list[str | Path] | None = None, config: Config | None = None, select: list[str] | None = None,
          ignore: list[str] | None = None, jobs: int | None = None, use_cache: bool = True,
          baseline: set[str] | None = None) -> CheckResult:
    """Scan and return the findings users see: selected, not suppressed, located in the given files."""
    from mldebt.report.common import fingerprints
    from mldebt.suppress import apply

    started = time.perf_counter()
    s = scan(paths, config, jobs, use_cache)
    rule_ids = selected_rules(s.config, select, ignore)
    raw: list[Finding] = []
    targets = [Path(p) for p in (paths or ["."])]
    file_targets = {t.resolve().relative_to(s.root).as_posix() for t in targets
                    if t.is_file() and t.resolve().is_relative_to(s.root)}
    for rel in (sorted(file_targets & set(s.files)) if file_targets else s.files):  # only shown files' findings
        raw.extend(f for f in s.facts.outcome(rel).findings if f.rule in rule_ids)
    raw.extend(_project_findings_reused(s, rule_ids, frozenset(file_targets) if file_targets else None, use_cache))
    for rel, reason in s.problems:
        if "MLD001" in rule_ids and kind_of(rel):
            raw.append(Finding("MLD001", rel, Pos(None, None, 1, 1, 1, 1), f"cannot read {rel}: {reason}"))
    by_path: dict[str, list[Finding]] = {}
    for finding in raw:
        if not _per_file_ignored(s.config, finding):
            by_path.setdefault(finding.path, []).append(finding)
    kept: list[Finding] = []
    for path, found in by_path.items():
        directives = s.facts.outcome(path).suppressions if path in s.facts else []
        remaining, used = apply(found, directives)
        kept.extend(remaining)
    if "MLD002" in rule_ids:
        kept.extend(f for f in _unused_suppressions(s, by_path, rule_ids, file_targets or None)
                    if not _per_file_ignored(s.config, f))  # per-file-ignores cover MLD002 too
    if file_targets:
        kept = [f for f in kept if f.path in file_targets]
    kept.sort(key=sort_key)
    hidden = 0
    if baseline:
        prints = fingerprints(kept)
        remaining = []
        for finding, fp in zip(kept, prints):
            if fp in baseline:
                hidden += 1
            else:
                remaining.append(finding)
        kept = remaining
    s.elapsed = time.perf_counter() - started
    return CheckResult(s, kept, hidden, rule_ids, sorted(file_targets) if file_targets else None)


def _unused_suppressions(s: Scan, by_path: dict[str, list[Finding]], rule_ids: list[str],
                         shown: set[str] | None = None) -> list[Finding]:
    from mldebt.suppress import apply

    out = []
    for path in sorted(s.facts):
        if shown is not None and path not in shown:
            continue
        directives = s.facts.outcome(path).suppressions
        if not directives:
            continue
        _, used = apply(list(by_path.get(path, [])), directives)
        for i, d in enumerate(directives):
            if i in used or not d.reportable or d.codes is None:
                continue
            if not any(any(r.startswith(c) for c in d.codes) for r in rule_ids):
                continue  # suppresses only rules not selected in this run
            if any(c.startswith("MLD002") for c in d.codes):
                continue
            what = ", ".join(d.codes)
            finding = Finding("MLD002", path, d.pos, f"`{d.text}` suppresses {what}, but no {what} finding is "
                              f"here: remove it so it cannot hide a future finding", snippet=d.text)
            others = [other for j, other in enumerate(directives) if j != i]
            if apply([finding], others)[0]:  # an `ignore[MLD002]` on that line (cell, file) silences it
                out.append(finding)
    return out


def exit_code(result: CheckResult) -> int:
    """1 when any finding is at or above the configured `fail-on` severity, else 0."""
    from mldebt.rules import all_rules

    threshold = SEVERITY_RANK[result.scan.config.fail_on]
    registry = all_rules()
    for finding in result.findings:
        rule = registry.get(finding.rule)
        if SEVERITY_RANK[rule.severity if rule else "warning"] >= threshold:
            return 1
    return 0
