"""Time mldebt against ruff on synthetic ML projects, side by side in one run, and write a Markdown table.

    python benchmarks/run.py --files 200 2000 10000 --output benchmarks/results.md

For each size it generates the project (`benchmarks/generate.py`, same seed = same files), then measures:

- `mldebt --version` (start-up);
- mldebt cold: `mldebt check --no-cache` of the whole project;
- mldebt first run: the same with the cache on, from an empty cache (what the cache costs to fill);
- mldebt warm: the same again, everything cached;
- mldebt pre-commit: one file changed, `mldebt check <that file>` (what a pre-commit hook runs);
- ruff cold: `ruff check --no-cache --isolated` (default rules, notebooks included) of the same project.

Each is run `--repeat` times and the median wall time is reported, with the peak memory of the largest
process (`wait4` rusage) and of the whole process tree (worker processes included, sampled from /proc;
forked workers share pages with their parent, so this sum is an upper bound). Ratios are between runs
made here, minutes apart, on the same files: compare ratios across machines, not seconds.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # a sibling script, not a package

CHANGED_FILE_SUFFIX = "/train.py"


@dataclass
class Measure:
    label: str
    seconds: list[float] = field(default_factory=list)
    rss_max: int = 0  # bytes, largest single process
    rss_tree: int = 0  # bytes, sampled sum over the process tree
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


# ----------------------------------------------------------------------------------------------- running
def _tree_rss(pid: int) -> int:
    """Resident memory of `pid` and its descendants, from /proc (0 where there is no /proc)."""
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    total, todo, seen = 0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            with open(f"/proc/{current}/statm") as handle:
                total += int(handle.read().split()[1]) * page
            with open(f"/proc/{current}/task/{current}/children") as handle:
                todo.extend(int(c) for c in handle.read().split())
        except (OSError, ValueError):
            continue
    return total


def run(cmd: list[str], cwd: Path | None = None) -> tuple[float, int, int, int]:
    """(wall seconds, exit status, peak RSS of the largest process, sampled peak RSS of the tree)."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="0")
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{stderr[-2000:]}")
    max_rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return elapsed, proc.returncode, max_rss, max(peak[0], max_rss)


def measure(label: str, cmd: list[str], repeat: int, before=None, cwd: Path | None = None) -> Measure:
    result = Measure(label)
    for _ in range(repeat):
        if before is not None:
            before()
        seconds, _, rss_max, rss_tree = run(cmd, cwd)
        result.seconds.append(seconds)
        result.rss_max = max(result.rss_max, rss_max)
        result.rss_tree = max(result.rss_tree, rss_tree)
    return result


def ruff_binary() -> str | None:
    """The ruff binary itself. `ruff` on PATH may be a wrapper (a pyenv shim is a bash script that adds
    about 50 ms to every run), which would flatter mldebt; the ruff package knows where its binary is."""
    try:
        from ruff.__main__ import find_ruff_bin

        return str(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("ruff")


def ruff_files(root: Path, ruff: list[str]) -> int:
    out = subprocess.run([*ruff, "check", "--isolated", "--show-files", str(root)],
                         capture_output=True, text=True, check=False).stdout
    return sum(1 for line in out.splitlines() if line.strip().endswith((".py", ".ipynb")))


def mldebt_file_list(root: Path, mldebt: list[str], code: Path) -> list[str]:
    """The project-relative files mldebt scans in `root`."""
    probe = ("import sys; from mldebt.config import find_config; from mldebt.sources.discovery import discover;"
             "from pathlib import Path; r = Path(sys.argv[1]); c = find_config(r);"
             "print('\\n'.join(discover(r, [r], c.exclude, c.respect_gitignore).files))")
    out = subprocess.run([mldebt[0], "-c", probe, str(root)], capture_output=True, text=True, check=True,
                         cwd=code).stdout
    return [line for line in out.splitlines() if line]


# ----------------------------------------------------------------------------------------------- one size
def snapshot(workdir: Path) -> Path:
    """A copy of the committed mldebt code (`git archive HEAD`) to benchmark: a fixed code state, whose
    facts cache stays valid while the checkout is being edited. Falls back to the checkout itself."""
    target = workdir / "mldebt-code"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "HEAD", "mldebt"], cwd=REPO, capture_output=True, check=False)
    if archive.returncode != 0:
        return REPO
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def bench_size(files: int, seed: int, workdir: Path, repeat: int, ruff: list[str], jobs: int | None,
               code: Path) -> dict:
    root = workdir / f"project-{files}"
    started = time.perf_counter()
    count = generate(root, files, seed)
    generated = time.perf_counter() - started
    changed = sorted(root.glob(f"pipelines/*{CHANGED_FILE_SUFFIX}"))[len(list(root.glob("pipelines/*"))) // 2]
    result = bench_project(root, changed, repeat, ruff, jobs, code)
    result.update({"files": files, "count": count, "generated": generated, "label": f"{count:,} files"})
    return result


def bench_repo(repo: Path, workdir: Path, repeat: int, ruff: list[str], jobs: int | None, code: Path) -> dict:
    """Time a real repository, on a copy (the benchmark edits a file). The edited file is the largest
    script mldebt scans, as a pre-commit hook would see after a change to the main training code."""
    root = workdir / f"repo-{repo.name}"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(repo, root, symlinks=True, ignore=shutil.ignore_patterns(".git", ".mldebt_cache", ".ruff_cache"))
    mldebt = [sys.executable, "-m", "mldebt.cli"]
    scanned = [root / rel for rel in mldebt_file_list(root, mldebt, code) if rel.endswith(".py")]
    changed = max(scanned, key=lambda p: (p.stat().st_size, str(p)))
    result = bench_project(root, changed, repeat, ruff, jobs, code)
    result.update({"files": result["mldebt_files"], "count": result["mldebt_files"], "generated": 0.0,
                   "label": f"{repo.name}: {result['mldebt_files']:,} files", "repo": True})
    return result


def bench_project(root: Path, changed: Path, repeat: int, ruff: list[str], jobs: int | None, code: Path) -> dict:
    """The five timed runs on one project; `changed` is the file edited before each pre-commit run."""
    size_mb = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6
    notebooks = sum(1 for _ in root.rglob("*.ipynb"))
    mldebt = [sys.executable, "-m", "mldebt.cli"]
    check = [*mldebt, "check", str(root), "--exit-zero"] + (["--jobs", str(jobs)] if jobs else [])
    cache = root / ".mldebt_cache"
    original = changed.read_text()
    edits = [0]

    def clear_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    def change_one_file() -> None:
        edits[0] += 1
        changed.write_text(original + f"\n# edited for the benchmark ({edits[0]})\n")

    rows = []
    rows.append(measure("ruff check --no-cache (cold)",
                        [*ruff, "check", "--no-cache", "--isolated", "--exit-zero",
                         str(root)], repeat))
    rows.append(measure("mldebt check --no-cache (cold)", [*check, "--no-cache"], repeat, cwd=code))
    rows.append(measure("mldebt first run (fills the cache)", check, repeat, before=clear_cache, cwd=code))
    rows.append(measure("mldebt warm (everything cached)", check, repeat, cwd=code))
    precommit = [*mldebt, "check", str(changed), "--exit-zero"] + (["--jobs", str(jobs)] if jobs else [])
    rows.append(measure("mldebt pre-commit: 1 changed file", precommit, repeat, before=change_one_file, cwd=code))
    changed.write_text(original)
    return {"repeat": repeat, "notebooks": notebooks, "size_mb": size_mb, "rows": rows,
            "ruff_files": ruff_files(root, ruff), "mldebt_files": len(mldebt_file_list(root, mldebt, code)),
            "root": root, "changed": changed.relative_to(root).as_posix()}


# ----------------------------------------------------------------------------------------------- report
def machine_facts(ruff: list[str]) -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2 ** 30:.0f} GiB"
    except (ValueError, OSError, AttributeError):
        memory = "?"
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    ruff_version = subprocess.run([*ruff, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO,
                            check=False).stdout.strip()
    from mldebt import __version__

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return [f"- CPU: {cpu}, {cores} cores usable; memory {memory}; {platform.system()} {platform.release()}",
            f"- Python {platform.python_version()}; mldebt {__version__} (commit {commit or '?'}); {ruff_version}",
            f"- load average when the run started: {load:.2f} (the machine is shared: other jobs add noise)"]


def _mb(value: int) -> str:
    return f"{value / 2 ** 20:.0f}"


def render(results: list[dict], version: Measure, facts: list[str], repeat: int) -> str:
    lines = ["## Results", "", *facts,
             (f"- each time is the median of {repeat} runs (projects over the `--once-above` size: one run); "
              f"`mldebt --version`: {version.median * 1000:.0f} ms (median of {len(version.seconds)})"), ""]
    for res in results:
        ruff = res["rows"][0].median
        runs = f"{res['repeat']} run{'s' if res['repeat'] > 1 else ''} each"
        lines += [f"### {res['label']} ({res['notebooks']:,} notebooks, {res['size_mb']:.0f} MB; {runs})", "",
                  f"Files checked: mldebt {res['mldebt_files']:,}, ruff {res['ruff_files']:,}. "
                  f"Edited for the pre-commit run: `{res['changed']}`.", "",
                  "| run | wall time | vs ruff cold | peak RSS, largest process (MiB) | peak RSS, process tree (MiB) |",
                  "|---|---:|---:|---:|---:|"]
        for row in res["rows"]:
            lines.append(f"| {row.label} | {row.median:.2f} s | {row.median / ruff:.2f}x | {_mb(row.rss_max)} | "
                         f"{_mb(row.rss_tree)} |")
        lines.append("")
    lines += targets(results, version)
    return "\n".join(lines) + "\n"


def targets(results: list[dict], version: Measure) -> list[str]:
    """The issue's targets, each marked met or missed."""
    results = [r for r in results if not r.get("repo")]  # the targets are about the synthetic projects
    by = {r["files"]: r for r in results}
    out = ["### Targets", "", "| target | measured | met |", "|---|---|---|"]

    def row(name: str, measured: str, ok: bool) -> None:
        out.append(f"| {name} | {measured} | {'yes' if ok else '**no**'} |")

    for res in results:
        ruff, cold = res["rows"][0].median, res["rows"][1].median
        row(f"cold full scan <= 2x ruff ({res['count']:,} files)", f"{cold / ruff:.2f}x", cold <= 2 * ruff)
    mid = by.get(2000) or (results[len(results) // 2] if results else None)
    if mid:
        ruff = mid["rows"][0].median
        for row_index, name in ((3, "warm rescan"), (4, "pre-commit, one changed file")):
            value = mid["rows"][row_index].median
            row(f"{name} < 0.5 s ({mid['count']:,} files)", f"{value:.2f} s", value < 0.5)
            row(f"{name} <= ruff/2 ({mid['count']:,} files)", f"{value / ruff:.2f}x ruff", value <= ruff / 2)
    big = max(results, key=lambda r: r["files"]) if results else None
    if big and len(results) > 1:
        row(f"peak memory < 1 GiB ({big['count']:,} files)", f"{big['rows'][1].rss_tree / 2 ** 20:.0f} MiB tree, "
            f"{big['rows'][1].rss_max / 2 ** 20:.0f} MiB largest process",
            max(r.rss_tree for r in big["rows"][1:]) < 2 ** 30)
        small = min(results, key=lambda r: r["files"]) if mid is None else mid
        per_small = small["rows"][1].median / small["count"]
        per_big = big["rows"][1].median / big["count"]
        row(f"time grows about linearly ({small['count']:,} -> {big['count']:,} files)",
            f"{per_small * 1000:.2f} -> {per_big * 1000:.2f} ms per file (cold)", per_big <= per_small * 1.5)
    row("`mldebt --version` < 150 ms", f"{version.median * 1000:.0f} ms", version.median < 0.150)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, nargs="*", default=[200, 2000])
    parser.add_argument("--repo", type=Path, nargs="*", default=[],
                        help="also time these checked-out repositories (each copied first; never modified)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--once-above", type=int, default=5000,
                        help="projects with more files than this are timed once (they take minutes)")
    parser.add_argument("--jobs", type=int, help="mldebt --jobs (default: all cores, as ruff)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mldebt-bench"))
    parser.add_argument("--output", type=Path, help="write the Markdown here too")
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    parser.add_argument("--ruff", help="the ruff executable (default: the ruff binary installed for this Python)")
    args = parser.parse_args()
    found = args.ruff or ruff_binary()
    if found is None or shutil.which(found) is None:
        sys.exit(f"{found or 'ruff'} not found: pip install ruff (or pip install -e '.[bench]')")
    ruff = [found]
    facts = machine_facts(ruff)
    code = snapshot(args.workdir)
    version = measure("mldebt --version", [sys.executable, "-m", "mldebt.cli", "--version"], max(5, args.repeat),
                      cwd=code)
    results = []
    for files in args.files:
        print(f"benchmarking {files} files...", file=sys.stderr, flush=True)
        repeat = 1 if files > args.once_above else args.repeat
        res = bench_size(files, args.seed, args.workdir, repeat, ruff, args.jobs, code)
        results.append(res)
        if not args.keep:
            shutil.rmtree(res["root"], ignore_errors=True)
    for repo in args.repo:
        print(f"benchmarking {repo}...", file=sys.stderr, flush=True)
        res = bench_repo(repo.resolve(), args.workdir, args.repeat, ruff, args.jobs, code)
        results.append(res)
        if not args.keep:
            shutil.rmtree(res["root"], ignore_errors=True)
    text = render(results, version, facts, args.repeat)
    print(text)
    if args.output:
        args.output.write_text(text)


if __name__ == "__main__":
    main()
