"""Whatever happens to a project between runs, a cached run reports exactly what a cache-less run does.

A seeded random walk of edits on a copy of the demo project: code edits the project stage does not see,
new and removed reads and writes, inserted lines, config and pipeline edits, data files appearing and
vanishing, files added, moved and deleted, notebooks gaining cells. After each edit the full check and
a pre-commit style check of the edited file, both with the cache, are compared with runs without it.
This exercises the facts cache, the stored discovery and the stored project result together
(`MLDEBT_INCREMENTAL_STEPS=200 MLDEBT_INCREMENTAL_SEEDS=20` for a long run)."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest

from mldebt import api

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
STEPS = int(os.environ.get("MLDEBT_INCREMENTAL_STEPS", "24"))
SEEDS = range(1, 1 + int(os.environ.get("MLDEBT_INCREMENTAL_SEEDS", "2")))


def _shown(findings) -> list[tuple]:
    return [(f.rule, f.path, f.pos, f.message, f.related, f.snippet) for f in findings]


def _scripts(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if ".mldebt_cache" not in p.parts)


def _notebooks(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.ipynb") if ".mldebt_cache" not in p.parts)


def _append(path: Path, text: str) -> None:
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(before + text, encoding="utf-8")


def _edit(root: Path, rng: random.Random, step: int) -> Path | None:
    """Apply one random edit; return the code file it touched (for a pre-commit style run), if any."""
    scripts, notebooks = _scripts(root), _notebooks(root)
    kind = rng.choice(["comment", "insert line", "new read", "new write", "params", "dvc", "data file",
                       "remove data", "new script", "delete script", "move script", "notebook cell",
                       "gitignore", "makefile"])
    if kind == "comment" and scripts:
        target = rng.choice(scripts)
        _append(target, f"\n# note {step}\n")
        return target
    if kind == "insert line" and scripts:
        target = rng.choice(scripts)
        lines = target.read_text(encoding="utf-8").split("\n")
        lines.insert(rng.randrange(len(lines) + 1) if lines[0].startswith("#!") is False else 1, f"# moved {step}")
        target.write_text("\n".join(lines), encoding="utf-8")
        return target
    if kind == "new read" and scripts:
        target = rng.choice(scripts)
        name = rng.choice(["data/raw/customers.csv", "data/processed/features.parquet", f"data/extra_{step}.csv",
                           "models/churn.joblib"])
        reader = "pd.read_parquet" if name.endswith(".parquet") else "pd.read_csv"
        _append(target, f"\nimport pandas as pd\nextra_{step} = {reader}('{name}')\nprint(extra_{step}.shape)\n")
        return target
    if kind == "new write" and scripts:
        target = rng.choice(scripts)
        _append(target, f"\nimport pandas as pd\npd.DataFrame({{'a': [1]}}).to_csv('data/out_{step % 3}.csv')\n")
        return target
    if kind == "params":
        path = root / "params.yaml"
        text = path.read_text(encoding="utf-8")
        value = rng.choice(["300", "500", "42"])
        text = "\n".join(f"  n_estimators: {value}" if line.strip().startswith("n_estimators:") else line
                         for line in text.split("\n"))
        path.write_text(text + (f"\nextra_{step}: 1\n" if rng.random() < 0.3 else ""), encoding="utf-8")
        return None
    if kind == "dvc":
        _append(root / "dvc.yaml", f"  step{step}:\n    cmd: python src/train.py\n    deps:\n"
                                   f"    - data/processed/features.parquet\n    outs:\n    - models/m{step}.joblib\n")
        return None
    if kind == "data file":
        path = root / rng.choice(["data/processed/features.parquet", f"data/extra_{step - 1}.csv", "models/churn.joblib"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        return None
    if kind == "remove data":
        data = sorted(p for p in (root / "data").rglob("*") if p.is_file()) if (root / "data").exists() else []
        if data:
            rng.choice(data).unlink()
        return None
    if kind == "new script":
        target = root / "src" / f"step_{step}.py"
        target.write_text("import pandas as pd\n\nfeatures = pd.read_parquet('data/processed/features.parquet')\n"
                          "features.describe().to_csv('reports/summary.csv')\n", encoding="utf-8")
        return target
    if kind == "delete script" and len(scripts) > 3:
        rng.choice([s for s in scripts if s.name != "__init__.py"]).unlink()
        return None
    if kind == "move script" and scripts:
        source = rng.choice([s for s in scripts if s.name != "__init__.py"] or scripts)
        target = source.with_name(f"moved_{step}_{source.name}")
        source.rename(target)
        return target
    if kind == "notebook cell" and notebooks:
        target = rng.choice(notebooks)
        doc = json.loads(target.read_text(encoding="utf-8"))
        doc["cells"].insert(rng.randrange(len(doc["cells"]) + 1), {
            "cell_type": "code", "execution_count": None, "id": f"new-{step}", "metadata": {}, "outputs": [],
            "source": ["import pandas as pd\n", f"df_{step} = pd.read_csv('data/raw/customers.csv')\n"]})
        target.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        return target
    if kind == "gitignore":
        _append(root / ".gitignore", rng.choice(["\njobs/\n", "\n!jobs/\n", "\n*.tmp\n", "\nnotebooks/old_*\n"]))
        return None
    if kind == "makefile":
        (root / "Makefile").write_text(f"report{step}:\n\tjupyter nbconvert --execute notebooks/report.ipynb\n",
                                       encoding="utf-8")
        return None
    return None


@pytest.mark.parametrize("seed", SEEDS)
def test_cached_runs_equal_cache_less_runs_through_random_edits(tmp_path, seed):
    root = tmp_path / "demo"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns(".mldebt_cache"))
    rng = random.Random(seed)
    api.check([str(root)], jobs=1)  # fills the caches
    for step in range(STEPS):
        touched = _edit(root, rng, step)
        if touched is not None and touched.exists() and rng.random() < 0.5:
            cached = api.check([str(touched)], jobs=1)
            fresh = api.check([str(touched)], jobs=1, use_cache=False)
            assert _shown(cached.findings) == _shown(fresh.findings), f"step {step}: {touched.name}"
        cached = api.check([str(root)], jobs=1)
        fresh = api.check([str(root)], jobs=1, use_cache=False)
        assert cached.scan.files == fresh.scan.files, f"step {step}"
        assert _shown(cached.findings) == _shown(fresh.findings), f"step {step}"
