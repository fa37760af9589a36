"""The facts cache: warm scans read and analyse nothing that is unchanged; anything broken or foreign in the
cache folder is ignored and rebuilt, never trusted and never a crash."""

from __future__ import annotations

import builtins
import os
import pickle
import time
import zlib
from pathlib import Path

import pytest

from mldebt import analysis, api, cache
from mldebt.cache import CACHE_DIR, MAGIC, FactsCache, shard_of
from mldebt.config import Config

FILES = {
    "src/paths.py": 'from pathlib import Path\nDATA = Path("data")\nRAW = DATA / "raw.csv"\n',
    "src/prepare.py": "import pandas as pd\nfrom src.paths import RAW\n\ndf = pd.read_csv(RAW)\n"
                      'df.to_parquet("data/clean.parquet")\n',
    "src/train.py": "import joblib\nimport pandas as pd\nfrom sklearn.ensemble import RandomForestClassifier\n\n"
                    'df = pd.read_parquet("data/clean.parquet")\nmodel = RandomForestClassifier(n_estimators=300)\n'
                    'model.fit(df.drop(columns=["y"]), df["y"])\njoblib.dump(model, "models/rf.joblib")\n',
    "src/__init__.py": "",
    "pkg/__init__.py": "",  # same content as src/__init__.py: both must be cached under their own path
    "notebooks/explore.ipynb": ["import pandas as pd", 'df = pd.read_parquet("../data/clean.parquet")\ndf.head()'],
}
PAST = time.time() - 3600  # older than the racy window: stat alone proves them unchanged


def _age(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file() and CACHE_DIR not in path.parts:
            os.utime(path, (PAST, PAST))


@pytest.fixture
def root(project) -> Path:
    root = project(FILES)
    _age(root)
    return root


def _scan(root: Path, **kwargs):
    return api.scan([root], jobs=1, **kwargs)


def _shards(root: Path) -> list[Path]:
    return sorted((root / CACHE_DIR).glob("*/shard-*.pickle"))


def _expect_rebuilt(root: Path, cold) -> None:
    again = _scan(root)
    assert again.facts == cold.facts
    assert _scan(root).cache_hits == len(cold.files)  # and the rebuilt cache works


def test_warm_scan_neither_reads_nor_analyses_unchanged_files(root, monkeypatch):
    cold = _scan(root)
    assert cold.cache_hits == 0
    opened: list[str] = []
    real_open = builtins.open

    def spy_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    def no_analysis(*args, **kwargs):
        raise AssertionError("an unchanged file was analysed again")

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(analysis, "_analyse_file", no_analysis)
    warm = _scan(root)
    assert warm.cache_hits == len(cold.files) == 6
    assert warm.facts == cold.facts
    sources = {str(root / rel) for rel in cold.files}
    assert not sources & set(opened)


def test_changed_file_is_reanalysed_and_only_it(root):
    _scan(root)
    (root / "src/train.py").write_text(FILES["src/train.py"] + 'print("done")\n')
    warm = _scan(root)
    assert warm.cache_hits == len(warm.files) - 1
    assert warm.facts["src/train.py"].lines[None][-2] == 'print("done")'


def test_touched_but_unchanged_file_is_a_hit_by_content_hash(root, monkeypatch):
    _scan(root)
    os.utime(root / "src/train.py", None)  # a checkout or `touch`: new mtime, same bytes
    monkeypatch.setattr(analysis, "_analyse_file", lambda *a, **k: pytest.fail("re-analysed"))
    assert _scan(root).cache_hits == len(FILES)


def test_same_size_rewrite_within_the_clock_tick_is_caught(project):
    root = project({"a.py": 'PATH = "data/aaaa.csv"\n'})  # fresh mtimes: inside the racy window
    first = _scan(root)
    stat = os.stat(root / "a.py")
    (root / "a.py").write_text('PATH = "data/bbbb.csv"\n')  # same size...
    os.utime(root / "a.py", ns=(stat.st_atime_ns, stat.st_mtime_ns))  # ...and the same mtime
    second = _scan(root)
    assert second.facts["a.py"].exports != first.facts["a.py"].exports


def test_cache_folder_layout_and_no_cache(root):
    _scan(root, use_cache=False)
    assert not (root / CACHE_DIR).exists()
    _scan(root)
    assert (root / CACHE_DIR / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (root / CACHE_DIR / "CACHEDIR.TAG").read_bytes().startswith(b"Signature: 8a477f597d28d172789f06886806bc55")
    assert 0 < len(_shards(root)) <= cache.SHARDS


def test_cli_no_cache_leaves_no_cache(root):
    from click.testing import CliRunner

    from mldebt.cli import main

    result = CliRunner().invoke(main, ["check", str(root), "--no-cache", "--exit-zero", "-j", "1"])
    assert result.exit_code == 0, result.output
    assert not (root / CACHE_DIR).exists()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong magic", "empty", "not a dict", "bad entries"])
def test_damaged_shard_is_ignored_and_rebuilt(root, damage):
    cold = _scan(root)
    for shard in _shards(root):
        data = shard.read_bytes()
        shard.write_bytes({
            "garbage": MAGIC + os.urandom(200),
            "truncated": data[: len(data) // 2],
            "wrong magic": b"mldebt-cache-0\n" + data[len(MAGIC):],
            "empty": b"",
            "not a dict": MAGIC + pickle.dumps(["a", "list"]),
            "bad entries": MAGIC + pickle.dumps({"src/train.py": ("x", 1), 3: (1, 2, None, 4, b"")}),
        }[damage])
    assert _scan(root).cache_hits == 0
    _expect_rebuilt(root, cold)


def _with_facts(entry: tuple, blob: bytes) -> tuple:
    """A cache entry whose facts pickle is `blob`, with a matching checksum (as a planted entry would have)."""
    return entry[:5] + (zlib.crc32(entry[7], zlib.crc32(blob)), blob) + entry[7:]


def test_corrupt_facts_of_one_file_cost_only_that_file(root):
    cold = _scan(root)
    shard_path = next(p for p in _shards(root) if p.name == f"shard-{shard_of('src/train.py'):02d}.pickle")
    entries = pickle.loads(shard_path.read_bytes()[len(MAGIC):])
    entry = entries["src/train.py"]
    entries["src/train.py"] = entry[:6] + (entry[6][: len(entry[6]) // 3],) + entry[7:]
    shard_path.write_bytes(MAGIC + pickle.dumps(entries))
    warm = _scan(root)
    assert warm.cache_hits == len(cold.files) - 1
    assert warm.facts == cold.facts


def test_facts_stored_under_another_path_are_not_served(root):
    cold = _scan(root)
    shard_path = next(p for p in _shards(root) if p.name == f"shard-{shard_of('src/train.py'):02d}.pickle")
    entries = pickle.loads(shard_path.read_bytes()[len(MAGIC):])
    other = pickle.dumps(cold.facts["src/prepare.py"])
    entries["src/train.py"] = _with_facts(entries["src/train.py"], other)
    shard_path.write_bytes(MAGIC + pickle.dumps(entries))
    assert _scan(root).facts["src/train.py"] == cold.facts["src/train.py"]


class _Planted:
    """Unpickles by calling os.system: what a hostile repository could commit as a cache file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_planted_pickle_is_refused_not_executed(root, tmp_path):
    cold = _scan(root)
    marker = tmp_path / "pwned"
    shards = _shards(root)
    for shard in shards[1:]:  # a planted object in place of each file's facts...
        entries = pickle.loads(shard.read_bytes()[len(MAGIC):])
        for rel, entry in entries.items():
            entries[rel] = _with_facts(entry, pickle.dumps(_Planted(marker)))
        shard.write_bytes(MAGIC + pickle.dumps(entries))
    shards[0].write_bytes(MAGIC + pickle.dumps(_Planted(marker)))  # ...and in place of a whole shard
    assert _scan(root).facts == cold.facts
    assert not marker.exists()


def test_cache_folder_that_is_a_file(root):
    (root / CACHE_DIR).write_text("not a folder\n")
    cold = _scan(root)
    assert _scan(root).facts == cold.facts
    assert (root / CACHE_DIR).read_text() == "not a folder\n"


def test_read_only_cache_folder(root, monkeypatch):
    cold = _scan(root)

    def refuse(path, data):
        raise PermissionError(13, "Read-only file system", str(path))

    (root / "src/train.py").write_text(FILES["src/train.py"] + "x = 1\n")
    monkeypatch.setattr(cache, "atomic_write", refuse)
    warm = _scan(root)  # reads what it can, analyses the rest, writes nothing, does not fail
    assert warm.cache_hits == len(cold.files) - 1


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores permission bits")
def test_read_only_cache_folder_by_permissions(root):
    cold = _scan(root)
    folder = root / CACHE_DIR
    modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
    try:
        for path in modes:
            path.chmod(0o555 if path.is_dir() else 0o444)
        (root / "src/train.py").write_text(FILES["src/train.py"] + "x = 1\n")
        assert _scan(root).cache_hits == len(cold.files) - 1
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def test_config_that_changes_results_has_its_own_cache(root):
    _scan(root)
    other = Config(rule_options={"MLD001": {}}, max_file_size=1234)
    assert other.extraction_digest() != Config().extraction_digest()
    assert api.scan([root], config=other, jobs=1).cache_hits == 0


def test_deleted_files_are_forgotten(root):
    _scan(root)
    (root / "src/train.py").unlink()
    _scan(root)
    entries = FactsCache(root, Config().extraction_digest()).entries
    assert not any("src/train.py" in shard for shard in entries)


def test_results_that_depend_on_the_run_are_not_cached(root, monkeypatch):
    real = analysis.load_source

    def flaky(data, path, kind):
        if path == "src/train.py":
            raise RuntimeError("simulated analyser bug")
        return real(data, path, kind)

    monkeypatch.setattr(analysis, "load_source", flaky)
    broken = _scan(root)
    assert any("internal error" in f.message for f in broken.facts["src/train.py"].findings)
    monkeypatch.setattr(analysis, "load_source", real)
    fixed = _scan(root)
    assert fixed.cache_hits == len(fixed.files) - 1
    assert not any("internal error" in f.message for f in fixed.facts["src/train.py"].findings)


def test_old_cache_generations_are_pruned(root):
    top = root / CACHE_DIR
    for i in range(cache.KEEP_GENERATIONS + 3):
        old = top / f"0.0.{i}-old-config"
        old.mkdir(parents=True)
        os.utime(old, (PAST + i, PAST + i))
    _scan(root)
    assert len([p for p in top.iterdir() if p.is_dir()]) == cache.KEEP_GENERATIONS + 1
    assert not (top / "0.0.0-old-config").exists()


def test_a_touched_file_is_hashed_once_not_on_every_run(root, monkeypatch):
    from mldebt import cache

    now = time.time_ns()
    with monkeypatch.context() as m:  # the cache was written a minute ago...
        m.setattr(cache.time, "time_ns", lambda: now - 60 * 10**9)
        _scan(root)
    for path in root.rglob("*.py"):  # ...then a checkout gave every file a newer mtime, same bytes
        os.utime(path, ns=(now - 10 * 10**9, now - 10 * 10**9))
    _scan(root)  # hashes each file once and records that
    monkeypatch.setattr(cache, "file_digest", lambda data: pytest.fail("hashed again"))
    assert _scan(root).cache_hits == len(FILES)


def test_two_installs_of_the_same_code_share_the_cache(tmp_path):
    """The cache key names the code by its bytes, not its mtimes: a CI job installs mldebt afresh each run
    and restores .mldebt_cache, which must still be served."""
    import shutil
    import subprocess
    import sys

    import mldebt

    digests = []
    for name in ("install_a", "install_b"):
        target = tmp_path / name
        shutil.copytree(Path(mldebt.__file__).parent, target / "mldebt",
                        ignore=shutil.ignore_patterns("__pycache__"))
        os.utime(target / "mldebt" / "cache.py", ns=(time.time_ns(), time.time_ns() - len(digests) * 10**9))
        digests.append(subprocess.run([sys.executable, "-c", "from mldebt.cache import code_digest; print(code_digest())"],
                                      cwd=target, capture_output=True, text=True, check=True,
                                      env={**os.environ, "PYTHONPATH": str(target)}).stdout.strip())
    assert digests[0] == digests[1] and digests[0]
    (tmp_path / "install_b" / "mldebt" / "cache.py").write_text(
        (tmp_path / "install_b" / "mldebt" / "cache.py").read_text() + "\n# patched\n")
    patched = subprocess.run([sys.executable, "-c", "from mldebt.cache import code_digest; print(code_digest())"],
                             cwd=tmp_path / "install_b", capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONPATH": str(tmp_path / "install_b")}).stdout.strip()
    assert patched != digests[0]
