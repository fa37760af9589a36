"""The project's configuration as the MLD3xx rules see it.

Which files hold settings (params.yaml, config.*, .env...), which of them are per-environment overrides or
templates, their leaf keys and the line each key is on (found by a simple scan of the text, good enough to
point a person at it), where environment variables are defined (.env files, Dockerfiles, compose/CI/k8s
YAML, shell scripts), and which config file each `cfg["a"]["b"]` read in the code resolves to.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable

from mldebt import probes
from mldebt.facts.model import ConfigRead, FileFacts
from mldebt.facts.pathexpr import normalise
from mldebt.graph.build import CONFIG_SUFFIXES, ConfigDocs, Resolver, base_dir
from mldebt.sources.discovery import ALWAYS_EXCLUDED_DIRS
from mldebt.yamlload import load_yaml_all

MAX_BYTES = 512_000  # config files bigger than this are data, not configuration
MAX_FILES = 5_000
SETTINGS_STEMS = ("params", "config", "configs", "settings", "hparams", "hyperparams", "hyperparameters",
                  "parameters", "conf")
PRIMARY_STEMS = frozenset({"params", "config", "settings", "hparams", "hyperparams", "hyperparameters",
                           "parameters", ".env"})
SETTINGS_DIRS = frozenset({"conf", "config", "configs", "params", "settings", "hparams", "hyperparams"})
NOT_SETTINGS = frozenset({
    "pyproject.toml", "package.json", "package-lock.json", "tsconfig.json", "dvc.yaml", "dvc.lock", "mkdocs.yml",
    "environment.yml", "environment.yaml", "conda.yaml", "meta.yaml", "codecov.yml", "netlify.toml",
    "docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml", "catalog.yml", "catalog.yaml",
    "MLproject", "Pipfile", "poetry.lock", "cloudbuild.yaml", "app.yaml", "serverless.yml", ".mldebt.yaml",
})
TEMPLATE_TOKENS = frozenset({"example", "sample", "template", "dist", "default", "defaults", "tmpl"})
DEFAULT_ENVIRONMENT_NAMES = ["dev", "development", "prod", "production", "staging", "stage", "test", "testing",
                             "qa", "uat", "local", "ci", "preprod", "sandbox", "live"]
DEFAULT_OVERRIDE_PATTERNS = ["*.local.*", "*_local.*", "*-local.*", "*.override.*", "*.overrides.*",
                             "**/environments/**", "**/envs/**", "**/env/**", "**/overrides/**", "**/profiles/**"]
def is_env_file(rel: str) -> bool:
    name = PurePosixPath(rel).name
    return name == ".env" or name.startswith(".env.") or name.endswith(".env") or name == ".envrc"


def fmt_of(rel: str) -> str:
    if is_env_file(rel):
        return "env"
    suffix = PurePosixPath(rel).suffix.lower()
    return {".json": "json", ".toml": "toml", ".yaml": "yaml", ".yml": "yaml"}.get(suffix, "")


def _interesting(name: str) -> bool:
    lower = name.lower()
    return lower.endswith((".yaml", ".yml", ".toml", ".json", ".sh", ".bash", ".ini", ".cfg", ".mk", ".dockerfile")) \
        or name.startswith((".env", "Dockerfile")) or name in ("Makefile", "makefile", "GNUmakefile", "Jenkinsfile")


def project_files(root: Path, exclude: Iterable[str] = ()) -> list[str]:
    """Project-relative paths of files that may hold configuration or environment definitions."""
    from mldebt.sources.discovery import gitignore_spec

    spec = gitignore_spec(list(exclude)) if exclude else None
    out: list[str] = []
    for folder, dirs, files in probes.walk(str(root)):
        rel_dir = os.path.relpath(folder, root)
        rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/")
        dirs[:] = sorted(d for d in dirs if d not in ALWAYS_EXCLUDED_DIRS and not (
            spec and spec.match_file(f"{rel_dir}/{d}/" if rel_dir else f"{d}/")))
        for name in sorted(files):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if not _interesting(name) or (spec and spec.match_file(rel)):
                continue
            size = probes.size(os.path.join(folder, name))
            if size is None or size > MAX_BYTES:
                continue
            out.append(rel)
            if len(out) >= MAX_FILES:
                return out
    return out


def is_settings_file(rel: str) -> bool:
    """params.yaml, config.toml, train_config.yaml, conf/*.yaml, .env: files a person edits to set values."""
    path = PurePosixPath(rel)
    if path.name in NOT_SETTINGS or any(p.startswith(".") for p in path.parts[:-1]):
        return False
    if is_env_file(rel):
        return path.name != ".envrc"
    if not rel.endswith(CONFIG_SUFFIXES):
        return False
    tokens = set(re.split(r"[._\-]", path.stem.lower()))
    return bool(tokens & set(SETTINGS_STEMS)) or any(p.lower() in SETTINGS_DIRS for p in path.parts[:-1])


def variant_kind(rel: str, patterns: list[str], environments: list[str]) -> str | None:
    """"override" for per-environment files (config/prod.yaml, .env.production, *.local.*, environments/...),
    "template" for examples (.env.example, config.sample.yaml, defaults), else None."""
    from mldebt.sources.discovery import gitignore_spec

    path = PurePosixPath(rel)
    name = path.name[1:] if path.name.startswith(".") else path.name
    tokens = set(re.split(r"[._\-]", name.lower())) - {"", "yaml", "yml", "json", "toml"}
    if tokens & TEMPLATE_TOKENS:
        return "template"
    envs = {e.lower() for e in environments}
    if tokens & envs or any(p.lower() in envs for p in path.parts[:-1]):
        return "override"
    if patterns and gitignore_spec(patterns).match_file(rel):
        return "override"
    return None


def parse_env_file(text: str) -> dict[str, tuple[str, int]]:
    """KEY -> (value, line) from a dotenv file (`export KEY=value`, quotes stripped)."""
    out: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$", line)
        if match:
            value = match.group(2).strip()
            if value[:1] in "\"'" and value[-1:] == value[:1] and len(value) >= 2:
                value = value[1:-1]
            elif " #" in value:
                value = value.split(" #", 1)[0].rstrip()
            out.setdefault(match.group(1), (value, number))
    return out


def leaves(doc: Any, prefix: tuple = ()) -> dict[tuple, Any]:
    """Scalar leaves of nested mappings: {("train", "lr"): 0.01}. Lists are values, not descended."""
    out: dict[tuple, Any] = {}
    if isinstance(doc, dict):
        for key, value in doc.items():
            if isinstance(value, dict):
                out.update(leaves(value, prefix + (str(key),)))
            elif isinstance(value, (str, int, float, bool)):
                out[prefix + (str(key),)] = value
    return out


def _yaml_line(lines: list[str], keys: tuple) -> tuple[int, int]:
    stack: list[tuple[int, str]] = []
    best = (1, 0)
    for number, line in enumerate(lines, start=1):
        match = re.match(r"^(\s*)(-\s+)?([\"']?)([^\"'#:\s][^\"'#:]*?)\3\s*:(\s|$)", line)
        if not match:
            continue
        indent = len(match.group(1)) + len(match.group(2) or "")
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, match.group(4).strip()))
        path = [k for _, k in stack]
        depth = len(path)
        if depth <= len(keys) and path == [str(k) for k in keys[:depth]] and depth > best[1]:
            best = (number, depth)
            if depth == len(keys):
                break
    return best


def _toml_line(lines: list[str], keys: tuple) -> tuple[int, int]:
    table: list[str] = []
    best = (1, 0)
    want = [str(k) for k in keys]
    for number, line in enumerate(lines, start=1):
        header = re.match(r"^\s*\[+\s*([^\]]+?)\s*\]+", line)
        if header:
            table = [p.strip().strip("\"'") for p in header.group(1).split(".")]
            depth = len(table)
            if depth <= len(want) and table == want[:depth] and depth > best[1]:
                best = (number, depth)
            continue
        assign = re.match(r"^\s*([A-Za-z0-9_\-.\"']+)\s*=", line)
        if assign:
            path = table + [p.strip().strip("\"'") for p in assign.group(1).split(".")]
            depth = len(path)
            if depth <= len(want) and path == want[:depth] and depth > best[1]:
                best = (number, depth)
    return best


def _json_line(lines: list[str], keys: tuple) -> tuple[int, int]:
    best = (1, 0)
    start = 0
    for depth, key in enumerate(keys, start=1):
        pattern = re.compile(r'"' + re.escape(str(key)) + r'"\s*:')
        for number in range(start, len(lines)):
            if pattern.search(lines[number]):
                best = (number + 1, depth)
                start = number + 1
                break
        else:
            break
    return best


def locate(root: Path, rel: str, keys: tuple) -> tuple[int, int]:
    """(1-based line, number of leading keys found) of a key path in a config file, by scanning its text."""
    try:
        lines = probes.read_text(str(root / rel), errors="replace").splitlines()
    except OSError:
        return 1, 0
    kind = fmt_of(rel)
    if kind == "env":
        entries = parse_env_file("\n".join(lines))
        for name, (_, number) in entries.items():
            if keys and name.lower() == str(keys[0]).lower():
                return number, 1
        return 1, 0
    if kind == "toml":
        return _toml_line(lines, keys)
    if kind == "json":
        return _json_line(lines, keys)
    return _yaml_line(lines, keys)


@dataclass
class SettingsFile:
    """One settings file with its scalar leaves (keys lower-cased for matching)."""

    rel: str
    values: dict[tuple, Any]
    folder: str = ""
    by_leaf: dict[str, list[tuple]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.folder = self.rel.rsplit("/", 1)[0] if "/" in self.rel else ""
        for keys in self.values:
            self.by_leaf.setdefault(str(keys[-1]).lower(), []).append(keys)

    def applies_to(self, unit: str) -> bool:
        """A config file governs code in its own folder and below."""
        return not self.folder or unit.startswith(self.folder + "/")


def load_settings(root: Path, docs: ConfigDocs, rel: str) -> SettingsFile | None:
    if fmt_of(rel) == "env":
        try:
            text = probes.read_text(str(root / rel), errors="replace")
        except OSError:
            return None
        return SettingsFile(rel, {(name,): value for name, (value, _) in parse_env_file(text).items()})
    doc = docs.load(rel)
    if not isinstance(doc, dict):
        return None
    return SettingsFile(rel, leaves(doc))


def same_value(a: Any, b: Any) -> bool:
    """Equal as configuration: numbers compared numerically (YAML reads `1e-3` as a string), text as text."""
    def number(v: Any) -> float | None:
        if isinstance(v, bool):
            return None
        if isinstance(v, (int, float)):
            return float(v)
        if isinstance(v, str):
            try:
                return float(v.strip())
            except ValueError:
                return None
        return None

    x, y = number(a), number(b)
    if x is not None and y is not None:
        return x == y or abs(x - y) <= 1e-9 * max(abs(x), abs(y))
    if isinstance(a, bool) or isinstance(b, bool):
        return str(a).lower() == str(b).lower()
    return str(a).strip() == str(b).strip()


def show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else json.dumps(value) if isinstance(value, bool) else str(value)


@dataclass
class ResolvedRead:
    unit: str
    read: ConfigRead
    rel: str  # the config file, project-relative


def project_config_reads(project, sources: tuple[str, ...] = ("config",)) -> list[ResolvedRead]:
    """`resolve_config_reads` for a project rule: resolved once per check for all rules (MLD303 and MLD304
    ask), then filtered to `sources` (order kept)."""
    every = project.shared("config_reads", lambda p: resolve_config_reads(Path(p.root), p.facts, _ALL_SOURCES))
    return [r for r in every if r.read.source in sources]


_ALL_SOURCES = ("config", "config-write")


def shared_config_docs(project) -> ConfigDocs:
    """The project's config documents, each parsed once per check for all rules (MLD303, MLD304)."""
    return project.shared("config_docs", lambda p: ConfigDocs(Path(p.root)))


def shared_project_files(project) -> list[str]:
    """`project_files` of a project rule's root and excludes, walked once per check (MLD303, MLD304)."""
    return project.shared("project_files", lambda p: project_files(Path(p.root),
                                                                   getattr(p.config, "exclude", []) or []))


def resolve_config_reads(root: Path, facts: dict[str, FileFacts], sources: tuple[str, ...] = ("config",)
                         ) -> list[ResolvedRead]:
    """Every recorded config-key access whose config file resolves to one local file."""
    resolver = Resolver(root, facts)
    out: list[ResolvedRead] = []
    for unit in sorted(facts):
        f = facts[unit]
        for read in f.config_reads:
            if read.source not in sources or read.doc is None:
                continue
            value = resolver.evaluate(read.doc, unit)
            if not isinstance(value, str) or "*" in value:
                continue
            rel, kind = normalise(value, base_dir(f))
            if kind == "file":
                out.append(ResolvedRead(unit, read, rel))
    return out


# --------------------------------------------------------------------------- environment variables
_ENV_LIST_KEYS = frozenset({"env", "environment", "variables", "envvars", "env_vars", "environment_variables",
                            "envs", "extraenv", "extra_env", "secrets"})


def _yaml_env_names(node: Any, out: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if str(key).lower() in _ENV_LIST_KEYS:
                if isinstance(value, dict):
                    out.update(str(k) for k in value)
                elif isinstance(value, list):
                    for item in value:
                        if isinstance(item, str):
                            out.add(item.split("=", 1)[0].strip())
                        elif isinstance(item, dict) and isinstance(item.get("name"), str):
                            out.add(item["name"])
            _yaml_env_names(value, out)
    elif isinstance(node, list):
        for item in node:
            _yaml_env_names(item, out)


def _text_env_names(rel: str, text: str) -> set[str]:
    name = PurePosixPath(rel).name
    found: set[str] = set()
    if is_env_file(rel):
        return set(parse_env_file(text))
    if name.startswith("Dockerfile") or name.endswith(".dockerfile"):
        for match in re.finditer(r"^\s*(ENV|ARG)\s+(.+)$", text, re.M | re.I):
            body = match.group(2).strip()
            if match.group(1).upper() == "ENV" and "=" not in body.split()[0]:
                found.add(body.split()[0])  # legacy `ENV KEY value`
            else:
                found.update(m.group(1) for m in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)(?:=|\s|$)", body)
                             if m.start() == 0 or body[m.start() - 1] == " ")
        return found
    if name.endswith((".sh", ".bash")) or name in ("Makefile", "makefile", "GNUmakefile") or name.endswith(".mk"):
        found.update(re.findall(r"^\s*(?:export|declare\s+-x)\s+([A-Za-z_][A-Za-z0-9_]*)", text, re.M))
        for line in text.splitlines():  # `KEY=value python train.py`
            assigns = re.match(r"^\s*((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)+)\S", line)
            if assigns:
                found.update(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", assigns.group(1)))
        return found
    if name.endswith((".ini", ".cfg")):
        return set(re.findall(r"^\s*([A-Z_][A-Z0-9_]*)\s*=", text, re.M))
    return found


def env_definitions(root: Path, files: list[str]) -> dict[str, str]:
    """Env var name -> the first project file that sets it (env files, Dockerfiles, shell, ini, any YAML)."""
    out: dict[str, str] = {}
    for rel in files:
        try:
            text = probes.read_text(str(root / rel), errors="replace")
        except OSError:
            continue
        names: set[str] = set()
        if rel.endswith((".yaml", ".yml")) and not is_env_file(rel):
            try:
                for doc in load_yaml_all(text):
                    _yaml_env_names(doc, names)
            except Exception:  # broken YAML defines nothing we can trust
                pass
        else:
            names = _text_env_names(rel, text)
        for name in sorted(names):
            out.setdefault(name, rel)
    return out
