"""`mldebt report --base REF`: which findings a change adds, fixes or leaves as they were.

The base is scanned from a pristine copy of REF: `git archive REF` extracted into a temporary folder
(never `git checkout`, never a worktree, so the user's working tree, index, stash and worktree list are
untouched), scanned with the same API and options, then deleted. Findings are matched by fingerprint
(`mldebt.report.common.fingerprints`: rule, path, cell id, scope and normalised source line, never line
numbers), so moving code around does not turn old findings into new ones.
"""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


class BaseError(Exception):
    """The base could not be scanned (not a git repository, unknown ref, git missing)."""


@dataclass
class Diff:
    ref: str
    commit: str
    base_records: list[dict]
    base_facts: dict  # path -> FileFacts of the base, for excerpts of fixed findings
    status: dict[str, str] = field(default_factory=dict)  # fingerprint of a current finding -> new/unchanged
    fixed: list[dict] = field(default_factory=list)  # base records no longer found

    @property
    def new(self) -> int:
        return sum(1 for s in self.status.values() if s == "new")

    @property
    def unchanged(self) -> int:
        return sum(1 for s in self.status.values() if s == "unchanged")


def _git(top: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(top), *args], capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BaseError(f"cannot run git: {exc.strerror or exc}") from exc
    if done.returncode != 0:
        raise BaseError(done.stderr.strip() or f"git {' '.join(args)} failed")
    return done.stdout.strip()


def _extract(top: Path, commit: str, dest: Path) -> None:
    """Stream `git archive <commit>` into `dest` (regular files and folders only, nothing outside dest)."""
    try:
        proc = subprocess.Popen(["git", "-C", str(top), "archive", "--format=tar", commit],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        raise BaseError(f"cannot run git: {exc.strerror or exc}") from exc
    assert proc.stdout is not None
    with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
        for member in archive:
            name = Path(member.name)
            if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
                continue  # symlinks and odd entries are not needed to scan sources
            if hasattr(tarfile, "data_filter"):
                archive.extract(member, dest, filter="data")
            else:  # pragma: no cover - Python without extraction filters
                archive.extract(member, dest)
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise BaseError(err.decode("utf-8", "replace").strip() or f"git archive {commit} failed")


def _base_config(config, top: Path, copy: Path, explicit: bool):
    """The config as it was at the base: the same file, read from the base copy (or the user's --config)."""
    from mldebt.config import Config, load_config_file

    if explicit or not config.path:
        return config
    source = Path(config.path).resolve()
    if not source.is_relative_to(top):
        return config
    old = copy / source.relative_to(top)
    return load_config_file(old) if old.is_file() else Config()


def scan_base(paths: list[str], ref: str, root: Path, config, explicit_config: bool = False,
              jobs: int | None = None):
    """Check the same paths as they were at git `ref`; returns (commit, CheckResult or None when the
    project did not exist at that ref)."""
    from mldebt import api
    from mldebt.config import ConfigError

    top = Path(_git(root, "rev-parse", "--show-toplevel")).resolve()
    commit = _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    rel_root = root.resolve().relative_to(top)
    with tempfile.TemporaryDirectory(prefix="mldebt-base-") as tmp:
        copy = Path(tmp)
        _extract(top, commit, copy)
        base_root = copy / rel_root
        if not base_root.is_dir():
            return commit, None
        # the project root is found by markers; mark the copy's root the way .git marks the real one
        (base_root / ".git").mkdir(exist_ok=True)
        targets = []
        for p in paths:
            resolved = Path(p).resolve()
            if not resolved.is_relative_to(top):
                raise BaseError(f"{p} is outside the git repository {top}")
            mapped = copy / resolved.relative_to(top)
            if mapped.exists():
                targets.append(str(mapped))
        if not targets:
            return commit, None
        try:
            base_config = _base_config(config, top, copy, explicit_config)
        except ConfigError as exc:
            raise BaseError(f"configuration at {ref}: {exc}") from exc
        result = api.check(targets, config=base_config, jobs=jobs, use_cache=False)
    return commit, result


def compare(ref: str, commit: str, current: list[dict], base_records: list[dict], base_facts: dict) -> Diff:
    """Mark each current record new or unchanged, and list the base records that are gone (fixed)."""
    before = {r["fingerprint"] for r in base_records}
    now = {r["fingerprint"] for r in current}
    diff = Diff(ref, commit, base_records, base_facts)
    diff.status = {r["fingerprint"]: ("unchanged" if r["fingerprint"] in before else "new") for r in current}
    diff.fixed = [r for r in base_records if r["fingerprint"] not in now]
    return diff


def diff_against(ref: str, paths: list[str], result, explicit_config: bool = False,
                 jobs: int | None = None) -> Diff:
    """The whole `--base` step for a CheckResult of the current tree."""
    from mldebt.report.common import records

    commit, base = scan_base(paths, ref, result.scan.root, result.scan.config, explicit_config, jobs)
    base_records = records(base.findings) if base is not None else []
    base_facts = base.scan.facts if base is not None else {}
    return compare(ref, commit, records(result.findings), base_records, base_facts)
