"""Configuration: `[tool.mldebt]` in pyproject.toml or `.mldebt.yaml`, validated strictly.

Unknown keys and bad values raise `ConfigError` naming the key and the file (the CLI exits 2): a typo in a
linter's config that is silently ignored is worse than no config at all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mldebt.rules.base import SEVERITIES


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key."""


@dataclass
class Contract:
    producer: str | None
    consumers: list[str]


@dataclass
class Config:
    path: str | None = None  # where it was read from
    select: list[str] = field(default_factory=lambda: ["MLD"])
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    fail_on: str = "warning"
    respect_gitignore: bool = True
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    artifacts: dict[str, Contract] = field(default_factory=dict)
    readers: dict[str, dict] = field(default_factory=dict)
    writers: dict[str, dict] = field(default_factory=dict)
    max_file_size: int = 20 * 1024 * 1024  # bytes; larger files are skipped with a note
    file_timeout: float = 30.0  # seconds of analysis per file before it is skipped

    def options_for(self, rule_cls) -> dict[str, Any]:
        merged = dict(rule_cls.options)
        merged.update(self.rule_options.get(rule_cls.id, {}))
        return merged

    def extraction_digest(self) -> str:
        """A hash of every setting that changes per-file results (for the facts cache key)."""
        blob = json.dumps({"rules": self.rule_options, "readers": self.readers, "writers": self.writers,
                           "max-file-size": self.max_file_size}, sort_keys=True, default=str)
        return hashlib.sha1(blob.encode()).hexdigest()[:16]


_TOP_KEYS = {"select", "ignore", "extend-select", "exclude", "per-file-ignores", "fail-on", "respect-gitignore",
             "rules", "artifacts", "knowledge", "max-file-size", "file-timeout"}


def _str_list(value: Any, key: str, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: `{key}` must be a list of strings, got {value!r}")
    return list(value)


def _check_ids(ids: list[str], key: str, where: str) -> list[str]:
    from mldebt.rules import all_rules

    known = list(all_rules())
    for rule_id in ids:
        if not any(k.startswith(rule_id) for k in known):
            raise ConfigError(f"{where}: `{key}` names unknown rule id or prefix {rule_id!r}")
    return ids


def parse_config(data: dict, where: str) -> Config:
    """Validate a `[tool.mldebt]` table (or the YAML document) into a Config."""
    from mldebt.rules import all_rules

    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the mldebt configuration must be a table/mapping")
    config = Config(path=where)
    for key in data:
        if key not in _TOP_KEYS:
            raise ConfigError(f"{where}: unknown key `{key}` (known: {', '.join(sorted(_TOP_KEYS))})")
    if "select" in data:
        config.select = _check_ids(_str_list(data["select"], "select", where), "select", where)
    if "extend-select" in data:
        config.extend_select = _check_ids(_str_list(data["extend-select"], "extend-select", where), "extend-select", where)
    if "ignore" in data:
        config.ignore = _check_ids(_str_list(data["ignore"], "ignore", where), "ignore", where)
    if "exclude" in data:
        config.exclude = _str_list(data["exclude"], "exclude", where)
    if "per-file-ignores" in data:
        table = data["per-file-ignores"]
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: `per-file-ignores` must be a table of glob -> rule ids")
        for glob, ids in table.items():
            config.per_file_ignores[str(glob)] = _check_ids(
                _str_list(ids, f"per-file-ignores.{glob}", where), f"per-file-ignores.{glob}", where)
    if "fail-on" in data:
        if data["fail-on"] not in SEVERITIES:
            raise ConfigError(f"{where}: `fail-on` must be one of {', '.join(SEVERITIES)}, got {data['fail-on']!r}")
        config.fail_on = data["fail-on"]
    if "respect-gitignore" in data:
        if not isinstance(data["respect-gitignore"], bool):
            raise ConfigError(f"{where}: `respect-gitignore` must be true or false")
        config.respect_gitignore = data["respect-gitignore"]
    for key, attr, kind in (("max-file-size", "max_file_size", int), ("file-timeout", "file_timeout", (int, float))):
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, kind) or value <= 0:
                raise ConfigError(f"{where}: `{key}` must be a positive number, got {value!r}")
            setattr(config, attr, value)
    rules = data.get("rules", {})
    if not isinstance(rules, dict):
        raise ConfigError(f"{where}: `rules` must be a table of rule id -> options")
    registry = all_rules()
    for rule_id, options in rules.items():
        if rule_id not in registry:
            raise ConfigError(f"{where}: `rules.{rule_id}` names an unknown rule")
        if not isinstance(options, dict):
            raise ConfigError(f"{where}: `rules.{rule_id}` must be a table of options")
        defaults = registry[rule_id].options
        checked = {}
        for name, value in options.items():
            if name not in defaults:
                known = ", ".join(sorted(defaults)) or "none"
                raise ConfigError(f"{where}: unknown option `rules.{rule_id}.{name}` (options of {rule_id}: {known})")
            default = defaults[name]
            if isinstance(default, bool) != isinstance(value, bool) or (
                    not isinstance(default, bool) and not isinstance(value, type(default))
                    and not (isinstance(default, float) and isinstance(value, int))):
                raise ConfigError(f"{where}: `rules.{rule_id}.{name}` must be a {type(default).__name__}, got {value!r}")
            if isinstance(default, list) and not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: `rules.{rule_id}.{name}` must be a list of strings")
            checked[name] = value
        config.rule_options[rule_id] = checked
    artifacts = data.get("artifacts", {})
    if not isinstance(artifacts, dict):
        raise ConfigError(f"{where}: `artifacts` must be a table of artifact path -> contract")
    for artifact, contract in artifacts.items():
        if not isinstance(contract, dict) or set(contract) - {"producer", "consumers"}:
            raise ConfigError(f"{where}: `artifacts.\"{artifact}\"` takes only `producer` and `consumers`")
        producer = contract.get("producer")
        if producer is not None and not isinstance(producer, str):
            raise ConfigError(f"{where}: `artifacts.\"{artifact}\".producer` must be a path string")
        consumers = _str_list(contract.get("consumers", []), f"artifacts.\"{artifact}\".consumers", where)
        config.artifacts[str(artifact)] = Contract(producer, consumers)
    knowledge = data.get("knowledge", {})
    if not isinstance(knowledge, dict) or set(knowledge) - {"readers", "writers"}:
        raise ConfigError(f"{where}: `knowledge` takes only `readers` and `writers` tables")
    for key in ("readers", "writers"):
        table = knowledge.get(key, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: `knowledge.{key}` must be a table of API name -> {{arg, kind}}")
        for api, spec in table.items():
            if not isinstance(spec, dict) or set(spec) - {"arg", "kw", "kind", "value-arg"}:
                raise ConfigError(f"{where}: `knowledge.{key}.{api}` takes `arg`, `kw`, `kind`, `value-arg`")
            if spec.get("kind", "file") not in ("file", "table", "model", "url"):
                raise ConfigError(f"{where}: `knowledge.{key}.{api}.kind` must be file, table, model or url")
        setattr(config, key, dict(table))
    return config


def _load_toml(path: Path) -> dict:
    try:
        import tomllib  # type: ignore[import-not-found]
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read TOML: {exc}") from exc


def load_config_file(path: Path) -> Config:
    """Read a config file given by --config (pyproject.toml or a YAML file)."""
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    if path.suffix == ".toml":
        data = _load_toml(path)
        table = data.get("tool", {}).get("mldebt") if path.name == "pyproject.toml" else data.get("tool", {}).get("mldebt", data)
        return parse_config(table or {}, str(path))
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read YAML: {exc}") from exc
    return parse_config(data, str(path))


def find_config(start: Path) -> Config:
    """Walk up from `start` to the first pyproject.toml with [tool.mldebt] or .mldebt.yaml."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in [folder, *folder.parents]:
        yaml_file = candidate / ".mldebt.yaml"
        if yaml_file.is_file():
            return load_config_file(yaml_file)
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            data = _load_toml(pyproject)
            table = data.get("tool", {}).get("mldebt")
            if table is not None:
                return parse_config(table, str(pyproject))
        if (candidate / ".git").exists():
            break
    return Config()
