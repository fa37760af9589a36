"""MLD504 fix: pin `%pip install x` / `!pip install x` to the version the project declares, and make a
`!pip install` line `%pip install` (which installs into the running kernel, not whatever `pip` is first
on PATH).

Safe when the project declares a pinning version (requirements*.txt, pyproject.toml or a lock file, see
`declared_versions`); with no declared version there is no fix, since any version would be a guess.
Only the magic line itself is rewritten; installs run from Python code (`subprocess`) and conda
installs are left to a person.
"""

from __future__ import annotations

import re

from mldebt.fix.declared_versions import declared_versions, normalise
from mldebt.fix.model import Edit, NoFix, Planned
from mldebt.fix.unit import FileUnit
from mldebt.rules.notebook.mld504_unpinned_notebook_install import install_commands, parse_pip

_SHELL_PIP = re.compile(r"^(?P<indent>\s*)!\s*(?:pip3?|python3?\s+-m\s+pip)(?=\s+install\b)")
_SHELL_OPERATORS = re.compile(r"&&|\|\||[;|`]")
_REQUIREMENT = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<extras>\[[^\]]*\])?(?P<spec>.*)")


def _satisfies(pin: str, spec: str) -> bool:
    """Whether the declared exact pin (`==2.1.3`) is inside the range the notebook asked for."""
    if not pin.startswith("==") or pin.startswith("==="):
        return False
    try:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
        from packaging.version import InvalidVersion
    except ImportError:
        return False
    try:
        return SpecifierSet(spec.replace(" ", "")).contains(pin[2:], prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return False


class PinFixer:
    rule = "MLD504"

    def plan(self, finding, unit: FileUnit, project) -> Planned:
        cell, raw, start, end, wanted = self._requirement(finding, unit)
        return Planned(finding, "safe", (cell, raw, start, end, self._pinned(wanted, project)))

    def precheck(self, finding, unit: FileUnit, project) -> tuple[str, tuple]:
        """The file's part of `plan` (see `mldebt.fix.driver.fixability`); `confirm` does the project's."""
        return "safe", self._requirement(finding, unit)[4]

    def confirm(self, wanted: tuple, project) -> None:
        self._pinned(wanted, project)

    @staticmethod
    def _requirement(finding, unit: FileUnit) -> tuple:
        """The pip requirement at the finding: (cell, line text, start, end, (name, extras, spec, as written))."""
        cell = unit.cell_at(finding.pos)
        magic = next((m for m in cell.magics if m.line == finding.pos.line and m.kind in ("shell", "line")), None)
        if magic is None:
            raise NoFix("only `%pip`/`!pip` install lines are pinned automatically")
        raw = cell.raw.split("\n")[finding.pos.line - 1]
        start, end = finding.pos.column - 1, finding.pos.end_column - 1
        requirement = raw[start:end]
        installs = [item for tool, args in install_commands(magic.text) if tool == "pip"
                    for item in parse_pip(args, allow_ranges=True)]
        if not requirement or not any(item.requirement == requirement for item in installs):
            raise NoFix("not a pip requirement (conda installs are not pinned automatically)")
        match = _REQUIREMENT.fullmatch(requirement)
        if match is None or "://" in requirement:
            raise NoFix("the requirement is not a plain package name")
        wanted = (match.group("name"), match.group("extras") or "", match.group("spec").strip(), requirement)
        return cell, raw, start, end, wanted

    @staticmethod
    def _pinned(wanted: tuple, project) -> str:
        """The requirement pinned to the version the project declares (NoFix when it declares none that fits)."""
        name, extras, spec, requirement = wanted
        if "declared" not in project.memo:
            project.memo["declared"] = declared_versions(project.root)
        pin = project.memo["declared"].get(normalise(name))
        if pin is None:
            raise NoFix(f"the project declares no pinned version of {name}")
        if spec and not _satisfies(pin, spec):
            raise NoFix(f"the declared {pin} is not known to satisfy `{requirement}`")
        return f"{name}{extras}{pin}"

    def edits(self, planned: Planned, unit: FileUnit, project) -> list[Edit]:
        cell, raw, start, end, pinned = planned.data
        line = planned.finding.pos.line
        edits = [Edit((line, start), (line, end), pinned, on_magic=True)]
        shell = _SHELL_PIP.match(raw)
        magic = next(m for m in cell.magics if m.line == line)
        if shell and magic.kind == "shell" and magic.assigned_to is None and not raw.rstrip().endswith("\\") \
                and not _SHELL_OPERATORS.search(magic.text):
            edits.append(Edit((line, len(shell.group("indent"))), (line, shell.end()), "%pip", on_magic=True))
        return edits
