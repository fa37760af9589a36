"""The versions a project declares for its dependencies: requirements files, pyproject.toml, lock files.

Used to pin a notebook's `%pip install x` to what the project already says it runs with. A package
gets the specifier written in requirements*.txt or pyproject.toml when that specifier pins (`==`, `~=`,
`===`); otherwise the exact version from a lock file (poetry.lock, uv.lock, pdm.lock, Pipfile.lock).
Declarations that disagree about a package leave it to the lock file, if any: guessing between two pins
is not a fix.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

_REQUIREMENT = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(?P<spec>[^;#]*)")
_PIN = re.compile(r"^(===?|~=)\s*[A-Za-z0-9][\w.+!*-]*$")
_MAX_BYTES = 2_000_000


def normalise(name: str) -> str:
    """PEP 503 name normalisation (`Scikit_Learn` and `scikit-learn` are one package)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _pin(spec: str) -> str | None:
    spec = spec.replace(" ", "")
    return spec if _PIN.match(spec) else None


def _read(path: Path) -> str | None:
    try:
        if path.stat().st_size > _MAX_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _requirement_lines(lines) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for line in lines:
        if not isinstance(line, str) or line.lstrip().startswith(("-", "#")) or "://" in line:
            continue
        match = _REQUIREMENT.match(line)
        if match:
            out[normalise(match.group("name"))] = _pin(match.group("spec").strip())
    return out


def _toml(text: str) -> dict:
    try:
        import tomllib  # type: ignore[import-not-found]
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def _pyproject(data: dict) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    groups = [project.get("dependencies") or []]
    groups += list((project.get("optional-dependencies") or {}).values())
    groups += list((data.get("dependency-groups") or {}).values())
    for group in groups:
        if isinstance(group, list):
            out.update(_requirement_lines(group))
    poetry = (data.get("tool") or {}).get("poetry") or {}
    tables = [poetry.get("dependencies") or {}, poetry.get("dev-dependencies") or {}]
    tables += [(g or {}).get("dependencies") or {} for g in (poetry.get("group") or {}).values() if isinstance(g, dict)]
    for table in tables:
        for name, value in table.items() if isinstance(table, dict) else ():
            version = value.get("version") if isinstance(value, dict) else value
            if name != "python" and isinstance(version, str):
                exact = re.fullmatch(r"(==)?\s*(\d[\w.+!-]*)", version.strip())  # poetry: "1.2.3" means ==1.2.3
                out[normalise(name)] = f"=={exact.group(2)}" if exact else None
    return out


def _locked(root: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in ("poetry.lock", "uv.lock", "pdm.lock"):
        text = _read(root / name)
        for package in (_toml(text).get("package") or []) if text else []:
            if isinstance(package, dict) and isinstance(package.get("name"), str) and \
                    isinstance(package.get("version"), str):
                out.setdefault(normalise(package["name"]), f"=={package['version']}")
    text = _read(root / "Pipfile.lock")
    if text:
        try:
            doc = json.loads(text)
        except ValueError:
            doc = {}
        for section in ("default", "develop"):
            for name, entry in (doc.get(section) or {}).items() if isinstance(doc, dict) else ():
                version = entry.get("version") if isinstance(entry, dict) else None
                if isinstance(version, str) and _pin(version):
                    out.setdefault(normalise(name), version)
    return out


def declared_versions(root: Path) -> dict[str, str]:
    """{normalised package name: pinning specifier ("==2.0.3", "~=1.4.2")} declared by the project."""
    declared: dict[str, set[str | None]] = {}
    files = sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt"))
    sources = [_requirement_lines((_read(path) or "").splitlines()) for path in files]
    text = _read(root / "pyproject.toml")
    if text:
        sources.append(_pyproject(_toml(text)))
    for found in sources:
        for name, spec in found.items():
            declared.setdefault(name, set()).add(spec)
    out = {name: specs.pop() for name, specs in declared.items() if len(specs) == 1 and None not in specs}
    for name, version in _locked(root).items():
        out.setdefault(name, version)  # a lock file resolves what the declarations leave open
    return out
