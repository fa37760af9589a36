"""Rule pages: generated from each rule's docstring and metadata (the `rules/MLDxxx.md` files are these)."""

from __future__ import annotations

import json

from mldebt.rules.base import FAMILIES, Example, Rule

SECTION_ORDER = ("What it flags", "Why it is debt", "Example", "Fix", "Limits")


def _example_block(example: Example) -> str:
    code = example.code
    if isinstance(code, str):
        return f"```python\n{code.rstrip()}\n```"
    if isinstance(code, list):
        parts = []
        for i, cell in enumerate(code, start=1):
            source = cell.get("source", "") if isinstance(cell, dict) else cell
            if isinstance(cell, dict) and cell.get("cell_type") == "markdown":
                parts.append(f"# [markdown cell {i}]\n# " + source.replace("\n", "\n# "))
                continue
            count = cell.get("execution_count") if isinstance(cell, dict) else None
            label = f"In [{count if count is not None else ' '}]"
            parts.append(f"# cell {i} ({label})\n{source.rstrip()}")
        return "```python\n" + "\n\n".join(parts) + "\n```"
    blocks = []
    for path, content in code.items():
        if isinstance(content, list):
            blocks.append(f"`{path}` (notebook)\n\n{_example_block(Example(content))}")
        elif path.endswith((".yaml", ".yml")):
            blocks.append(f"`{path}`\n\n```yaml\n{content.rstrip()}\n```")
        elif path.endswith(".toml"):
            blocks.append(f"`{path}`\n\n```toml\n{content.rstrip()}\n```")
        elif path.endswith(".py"):
            blocks.append(f"`{path}`\n\n```python\n{content.rstrip()}\n```")
        else:
            blocks.append(f"`{path}`\n\n```\n{content.rstrip()}\n```")
    return "\n\n".join(blocks)


def rule_page(rule: type[Rule]) -> str:
    sections = rule.sections()
    lines = [f"# {rule.id} {rule.name}", "", rule.summary(), "",
             f"- Family: {FAMILIES.get(rule.family, rule.family)}",
             f"- Default severity: {rule.severity}",
             f"- Enabled by default: {'yes' if rule.enabled_by_default else 'no'}",
             f"- Fix: {rule.fix}", ""]
    for title in SECTION_ORDER:
        body = sections.get(title, "")
        lines += [f"## {title}", "", body, ""]
        if title == "Example":
            if rule.INVALID:
                lines += ["Flagged:", "", _example_block(rule.INVALID[0]), ""]
            if rule.VALID:
                lines += ["Not flagged:", "", _example_block(rule.VALID[0]), ""]
    lines += ["## Options", ""]
    if rule.options:
        lines += [f"```toml\n[tool.mldebt.rules.{rule.id}]"]
        lines += [f"{k} = {json.dumps(v)}" for k, v in rule.options.items()]
        lines += ["```", ""]
        option_docs = sections.get("Options")
        if option_docs:
            lines += [option_docs, ""]
    else:
        lines += ["None.", ""]
    return "\n".join(lines).rstrip() + "\n"


def write_pages(folder, rule_ids=None) -> list[str]:
    """Write `rules/MLDxxx.md` for the given rules (all by default); returns the paths written."""
    from pathlib import Path

    from mldebt.cache import atomic_write
    from mldebt.rules import all_rules

    folder = Path(folder)
    written = []
    for rule_id, rule in all_rules().items():
        if rule_ids and rule_id not in rule_ids:
            continue
        path = folder / f"{rule_id}.md"
        atomic_write(path, rule_page(rule).encode("utf-8"))
        written.append(str(path))
    return written


if __name__ == "__main__":  # python -m mldebt.docs [MLD101 ...]: regenerate rule pages
    import sys
    from pathlib import Path

    for written_path in write_pages(Path(__file__).resolve().parent.parent / "rules", sys.argv[1:] or None):
        print(written_path)
