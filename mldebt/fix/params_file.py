"""Adding hyperparameter sections to a YAML params file without losing what is already in it.

pyyaml drops comments when it re-dumps a document, so the file is never re-dumped: each new section is
appended as text, and the result is parsed again to check that it holds exactly the old document plus
the new keys (a flow-style or otherwise unusual file that would not merge that way is left alone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from mldebt.fix.model import FileChange, NoFix


def snake(name: str) -> str:
    """`RandomForestClassifier` -> `random_forest_classifier`, `XGBClassifier` -> `xgb_classifier`."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


@dataclass
class ParamsFile:
    rel: str  # project-relative path
    before: bytes | None  # None: the file does not exist yet
    doc: dict
    keys: dict[str, dict] = field(default_factory=dict)  # key -> values, reserved by this run
    appended: dict[str, dict] = field(default_factory=dict)  # accepted fixes' new sections, in order

    @classmethod
    def read(cls, root: Path, rel: str) -> "ParamsFile":
        import yaml

        path = root / rel
        if not path.exists():
            return cls(rel, None, {})
        try:
            data = path.read_bytes()
            doc = yaml.safe_load(data.decode("utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise NoFix(f"cannot read {rel}: {exc}") from exc
        if doc is None:
            doc = {}
        if not isinstance(doc, dict):
            raise NoFix(f"{rel} is not a mapping of keys, so no section can be added to it")
        found = cls(rel, data, doc)
        probe = found._appended_text({"mldebt_probe": {"x": 1}})
        if yaml.safe_load(probe) != {**doc, "mldebt_probe": {"x": 1}}:
            raise NoFix(f"{rel} does not take new keys appended at its end (flow style?)")
        return found

    def reserve(self, base: str, values: dict) -> str:
        """A top-level key for `values`: `base`, or `base_2`... unless one already holds exactly them."""
        for n in range(1, 1000):
            key = base if n == 1 else f"{base}_{n}"
            held = self.keys.get(key, self.doc.get(key))
            if held == values:
                self.keys[key] = values
                return key
            if key not in self.keys and key not in self.doc:
                self.keys[key] = values
                return key
        raise NoFix(f"no free key for {base} in {self.rel}")

    def accept(self, key: str) -> None:
        if key not in self.doc and key not in self.appended:
            self.appended[key] = self.keys[key]

    def change(self) -> FileChange | None:
        import yaml

        if not self.appended:
            return None
        text = self._appended_text(self.appended)
        if yaml.safe_load(text) != {**self.doc, **self.appended}:  # read() checked this can not happen
            raise RuntimeError(f"{self.rel} did not merge cleanly by appending")
        return FileChange(self.rel, self.before, text.encode("utf-8"))

    def _appended_text(self, sections: dict[str, dict]) -> str:
        import yaml

        text = (self.before or b"").decode("utf-8")
        if text and not text.endswith("\n"):
            text += "\n"
        for key, values in sections.items():
            section = yaml.safe_dump({key: values}, sort_keys=False, default_flow_style=False, allow_unicode=True)
            text += ("\n" if text.strip() else "") + section
        return text
