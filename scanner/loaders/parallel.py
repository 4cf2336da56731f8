"""Load many files across processes; few files stay in this process.

Parsing is CPU-bound and each file is independent, so a large tree is split into ordered
chunks loaded by a pool of worker processes, and the results come back in file order (the
report is the same as a serial run's). Below ``PARALLEL_MIN_FILES`` files (a pre-commit run)
the pool's start-up would cost more than it saves, so files load in this process.

Workers return ``LoadResult``s by pickling: Resources, LineDict/LineList/BlockList trees,
Unresolved and ParseError are plain picklable classes. Linking (cross-file) and
normalizing stay in the parent, which sees every resource.
"""

from __future__ import annotations

import gc
import math
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.loaders.base import LoadResult

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

# Measured on the benchmark corpora (docs/performance.md): below about this many files a pool
# does not pay for its start-up.
PARALLEL_MIN_FILES = 48
CHUNKS_PER_WORKER = 4
MIN_CHUNK = 8

Loaded = tuple[str | None, LoadResult]


def default_jobs() -> int:
    """``$SPECDRIFT_JOBS`` if set, else the CPUs this process may run on."""
    env = os.environ.get("SPECDRIFT_JOBS", "").strip()
    if env.isdigit():
        return max(1, int(env))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def load_many(files: Sequence[Path], shown: Sequence[str], only: Sequence[str] | None = None,
              jobs: int | None = None) -> Iterator[Loaded]:
    """``load_file`` for each file, in order; across ``jobs`` processes when there are enough files."""
    jobs = default_jobs() if jobs is None else max(1, jobs)
    if jobs == 1 or len(files) < PARALLEL_MIN_FILES:
        yield from _serial(files, shown, only)
        return
    # imported here: a pre-commit run never pays for multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    size = max(MIN_CHUNK, math.ceil(len(files) / (jobs * CHUNKS_PER_WORKER)))
    chunks = [(list(files[i:i + size]), list(shown[i:i + size]), only) for i in range(0, len(files), size)]
    done = 0
    try:
        with ProcessPoolExecutor(max_workers=min(jobs, len(chunks)), mp_context=_context(),
                                 initializer=_worker_init) as pool:
            for results in pool.map(_load_chunk, chunks):
                yield from results
                done += len(results)
    except (BrokenProcessPool, OSError) as exc:  # a worker died or processes cannot start: finish here
        print(f"specdrift: parallel loading stopped ({type(exc).__name__}); continuing in one process",
              file=sys.stderr)
        yield from _serial(files[done:], shown[done:], only)


def _serial(files: Sequence[Path], shown: Sequence[str], only: Sequence[str] | None) -> Iterator[Loaded]:
    from scanner.loaders import load_file

    for path, name in zip(files, shown, strict=True):
        yield load_file(path, only, name)


def _load_chunk(chunk: tuple[list[Path], list[str], Sequence[str] | None]) -> list[Loaded]:
    files, shown, only = chunk
    return list(_serial(files, shown, only))


def _worker_init() -> None:
    # Workers build many small containers and hold no cycles worth collecting (see scan.py).
    gc.disable()


def _context() -> BaseContext:
    """``fork`` where it exists: workers start with the parsers already imported (no re-import cost)."""
    import multiprocessing

    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()
