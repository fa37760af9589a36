"""Reusing the project stage: the graph build and project rules are skipped while nothing they read changed.

A warm run analyses no file again, and a pre-commit run analyses one; before this, both still rebuilt
the data graph and ran every project rule (about two thirds of a warm run at 2,000 files). The project
stage is a function of:

- every scanned file's facts, except what only the file itself uses (its file-rule findings,
  suppressions, fix plans, notes and source lines): one digest per file, the *view digest*, computed in
  the worker (`view_digest`);
- the few source lines project rules read again (for snippets and messages), noted by `FileFacts.source_text`;
- the world outside the scanned files, asked through `mldebt.probes` (dvc.yaml, Makefiles, config
  documents, whether data files exist, folder listings);
- the mldebt code, the whole configuration, the selected rules and the files whose findings are shown.

The findings are stored with all of that. A later run reuses them when the same files are scanned, each
file either has the same content or the same view digest with the same noted lines, and every probe
still gets its answer. Anything else runs the stage again (and stores the new result). Editing code
without touching what the project sees (the common commit) keeps the stored result; adding a read of
a new file does not.

Stored next to the facts cache, atomically, with the same safe unpickler; a corrupt memo is a miss.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
from pathlib import Path

from mldebt import probes
from mldebt.facts.model import FileFacts, Finding, lines_text

MAGIC = b"mldebt-project-1\n"
KEEP = 4  # stored results kept per cache folder (full runs and a few sets of named files)


def view_digest(facts: FileFacts) -> str:
    """A digest of what the project stage may read of this file's facts (see the module docstring)."""
    view = dataclasses.replace(facts, findings=[], suppressions=[], fixable=None, notes=[], lines={})
    return hashlib.sha1(pickle.dumps(view, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()


def memo_key(config, rule_ids: list[str], report_paths: frozenset[str] | None) -> str:
    blob = json.dumps({"config": dataclasses.asdict(config), "rules": sorted(rule_ids),
                       "shown": sorted(report_paths) if report_paths is not None else None},
                      sort_keys=True, default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:20]


class ProjectMemo:
    """Stored project-stage results of one project, in the facts cache's folder."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / f"project-{key}.pickle"

    def lookup(self, key: str, identities: dict, facts: dict[str, FileFacts]) -> list[Finding] | None:
        """The stored findings under `key` if they are still what the stage would compute, else None."""
        from mldebt.cache import read_stored

        stored = read_stored(self._path(key), MAGIC)
        if not (isinstance(stored, dict) and isinstance(stored.get("identities"), dict)
                and isinstance(stored.get("answers"), dict) and isinstance(stored.get("findings"), list)):
            return None
        before = stored["identities"]
        if before.keys() != identities.keys():
            return None
        changed = set()
        for rel, (content, view) in identities.items():
            old = before[rel]
            if not (isinstance(old, tuple) and len(old) == 2):
                return None
            if old[0] != content:
                if old[1] != view:
                    return None
                changed.add(rel)

        def lines_now(path, cell, first, last):
            if path not in changed:
                return None  # same content, same lines
            return lines_text(facts[path].lines, cell, first, last)

        if not probes.still_true(stored["answers"], lines_now):
            return None
        findings = stored["findings"]
        if not all(isinstance(f, Finding) for f in findings):
            return None
        return findings

    def store(self, key: str, identities: dict, answers: dict, findings: list[Finding]) -> None:
        """Remember a result (never raises: a read-only or full disk only costs the next run time)."""
        from mldebt.cache import write_stored

        if not self.folder.is_dir():
            return  # the facts cache could not be written either
        if not write_stored(self._path(key), MAGIC, {"identities": identities, "answers": answers,
                                                     "findings": findings}):
            return
        try:
            stored = sorted(self.folder.glob("project-*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
            for old in stored[KEEP:]:
                old.unlink()
        except OSError:
            pass
