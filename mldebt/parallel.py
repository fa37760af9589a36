"""Running the per-file analysis fast: over all cores in a fork-based process pool, in this process when a
pool cannot help or cannot start, with the garbage collector tuned for a burst of short-lived objects.

Results come back in the order of the input and are the same whichever way they were computed (the
test suite compares `--jobs 1` and `--jobs N` output byte for byte). Workers send back pickled facts,
never syntax trees: pickling a tree costs more than parsing it again.
"""

from __future__ import annotations

import gc
import os
import pickle
from contextlib import contextmanager

MIN_FILES_FOR_POOL = 16  # below this a pool's start-up and pickling cost more than it saves

# ((facts pickle, outcome pickle) or None, (mtime_ns, size) or None, sha1 or None, cacheable, view digest or None,
#  what the analysis asked of other files: `mldebt.probes` answers)
Result = tuple


@contextmanager
def gc_tuned():
    """Collect rarely while a scan runs: parsing and unpickling create millions of objects that live until
    the file is done, and with default thresholds the collector re-scans them over and over (measured: it
    made `ast.parse` 5x and unpickling the cache 5x slower on a 2,000-file project). Syntax trees and facts
    hold no reference cycles, so reference counting frees them; the collector still runs, only less often.
    On the way out, what the scan left alive moves to the oldest generation unwalked (`promote_survivors`):
    restoring the default thresholds would otherwise start a young collection over all of it (measured:
    27 ms at the end of a 2,000-file warm run)."""
    previous = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        promote_survivors()
        gc.set_threshold(*previous)


def promote_survivors() -> None:
    """Move every object the collector tracks to the oldest generation without walking it, as surviving two
    collections would: `gc.freeze()` then `gc.unfreeze()`. Nothing stays frozen, so garbage cycles among
    them are still found by the next full collection."""
    gc.freeze()
    gc.unfreeze()


@contextmanager
def gc_paused():
    """No collection at all while the facts cache is unpickled: thousands of `FileFacts` come to life at once
    and hold no reference cycles, so even the tuned young-generation collections only walk them again and
    again (measured: 17 young collections, about 0.03 s of a 0.75 s warm run at 2,000 files). Reference
    counting still frees what is dropped; the collector runs again as soon as the loading is done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        promote_survivors()  # else the first allocation after `enable` would walk everything just loaded
        if enabled:
            gc.enable()


def skip_final_collection() -> None:
    """At exit, freeze what is still alive instead of letting the interpreter's last collection walk it:
    after a scan that is millions of objects, which exiting frees anyway (measured: 0.08 s of a 0.8 s warm
    run at 2,000 files). Registered once; a process that goes on running (the tests) is unaffected until
    it exits."""
    global _final_collection_skipped
    if not _final_collection_skipped:
        import atexit

        atexit.register(gc.freeze)
        _final_collection_skipped = True


_final_collection_skipped = False


def default_jobs() -> int:
    """The cores this process may use (the affinity mask, not every core of the machine)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _analyse(root: str, rel: str, config, want_blob: bool, in_worker: bool = False) -> tuple[object, Result]:
    """Analyse one file; with `want_blob`, also what the cache stores of it. A worker always sends the facts
    pickled (how they travel to the parent), as (facts pickle, None) when the cache is off."""
    from mldebt.analysis import analyse_for_cache
    from mldebt.sources.discovery import kind_of

    facts, stat, digest, cacheable, answers = analyse_for_cache(root, rel, kind_of(rel) or "script", config)
    if not want_blob:
        blobs = (pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL), None) if in_worker else None
        return facts, (blobs, stat, digest, cacheable, None, answers)
    from mldebt.project_memo import view_digest

    blobs = (pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL),
             pickle.dumps(facts.outcome(), protocol=pickle.HIGHEST_PROTOCOL))
    return facts, (blobs, stat, digest, cacheable, view_digest(facts), answers)


def _worker_init(readers: dict, writers: dict) -> None:
    """In each worker: the user's knowledge-base extensions (already there when forked, needed when
    spawned) and the same collector tuning as the parent."""
    from mldebt import knowledge

    if readers or writers:
        knowledge.extend_from_config(readers, writers)
    gc.set_threshold(100_000, 50, 100)


def _worker_task(args) -> Result:
    root, rel, config, want_blob = args
    return _analyse(root, rel, config, want_blob, in_worker=True)[1]


def analyse_files(root: str, files: list[str], config, jobs: int | None, want_blobs: bool) -> list[tuple[object, Result]]:
    """(facts, (blobs, stat, digest, cacheable, view, answers)) for each of `files`, in order. `want_blobs`: also
    return each result pickled (what the cache stores) and its view digest (`mldebt.project_memo`)."""
    jobs = jobs or default_jobs()
    if jobs > 1 and len(files) >= MIN_FILES_FOR_POOL:
        pooled = _pool_map(root, files, config, jobs, want_blobs)
        if pooled is not None:
            return [(pickle.loads(r[0][0]), r if want_blobs else (None, *r[1:])) for r in pooled]
    return [_analyse(root, rel, config, want_blobs) for rel in files]


def _pool_map(root: str, files: list[str], config, jobs: int, want_blobs: bool) -> list[Result] | None:
    """Analyse in a process pool; None when no pool can be started or a worker died (the caller then
    analyses in this process: a file that crashes a worker is reported, not lost)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from mldebt.rules import all_rules

    all_rules()  # import every rule before forking, so no worker imports them again
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    workers = min(jobs, len(files))
    chunk = max(1, min(32, len(files) // (workers * 8)))
    try:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init,
                                 initargs=(dict(config.readers), dict(config.writers))) as pool:
            return list(pool.map(_worker_task, [(root, rel, config, want_blobs) for rel in files], chunksize=chunk))
    except (OSError, ImportError, BrokenProcessPool, pickle.PicklingError):
        # no semaphores or fork here (some sandboxes and serverless runtimes), or a worker was killed
        return None
