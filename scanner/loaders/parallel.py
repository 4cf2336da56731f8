"""Load many files across processes; few files, or a busy machine, stay in this process.

Parsing is CPU-bound and each file is independent, so a large tree is split into chunks, largest
first, loaded by this process and a pool of worker processes (``jobs`` processes in all: this one
does not sit idle while the workers load), and the results are yielded in file order (the report is
the same as a serial run's). The pool only pays when there is work enough and
idle CPUs to do it on (measured, docs/performance.md): below ``PARALLEL_MIN_FILES`` files
or ``PARALLEL_MIN_BYTES`` (a pre-commit run, a small module) its start-up and the pickling
of results cost more than they save, and on a machine whose other work already keeps the
CPUs busy (sampled from /proc/stat for 50 ms) extra processes only take turns. ``--jobs`` /
``SPECDRIFT_JOBS`` override the choice. The 50 ms sample is not waited for: one worker starts at once
and loads with this process meanwhile (their own use over the window is not counted as other work);
after it, a busy machine leaves the rest to this process, an idle one with more CPUs gets more workers.

Workers return ``LoadResult``s by pickling: Resources, LineDict/LineList/BlockList trees,
Unresolved and ParseError are plain picklable classes. With them goes the set of literal
secrets each worker's secret detection saw (``scanner.loaders.secrets``): the findings are made, and
masked, in the parent, which must know every secret to mask it. Linking (cross-file) and
normalizing stay in the parent, which sees every resource.
"""

from __future__ import annotations

import gc
import math
import os
import sys
import time
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.loaders.base import LoadResult

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

# Measured on the benchmark corpora (docs/performance.md): below about this much work a pool
# does not pay for its start-up.
PARALLEL_MIN_FILES = 48
PARALLEL_MIN_BYTES = 1 << 20
CHUNKS_PER_WORKER = 4
MIN_CHUNK = 8
SAMPLE_S = 0.05  # how long the CPUs' use is sampled (while this process and one worker load) before choosing
# What loading a file costs beyond its bytes (reading, choosing a loader, the secret scan), in bytes of parsing:
# about 0.14 ms a file where Terraform parses at 0.75 ms a KB (a chunk's timeline, tf-10k)
FILE_COST = 256

Loaded = tuple[str | None, LoadResult]


def requested_jobs() -> int | None:
    """``$SPECDRIFT_JOBS`` when set (1 keeps everything in this process)."""
    env = os.environ.get("SPECDRIFT_JOBS", "").strip()
    return max(1, int(env)) if env.isdigit() else None


def default_jobs() -> int:
    """The CPUs this process may run on that other work is not using right now."""
    cpus = _usable_cpus()
    busy = _busy_cpus()
    return max(1, min(cpus, int(cpus - busy + 0.5)))


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _busy_share(first: list[int], second: list[int]) -> float | None:
    """CPUs in use between two /proc/stat samples (None when no time passed)."""
    deltas = [b - a for a, b in zip(first, second, strict=True)]
    total = sum(deltas)
    if total <= 0:
        return None
    idle = deltas[3] + deltas[4]  # idle, iowait
    return (os.cpu_count() or 1) * (1 - idle / total)


def _busy_cpus(window_s: float = 0.05) -> float:
    """CPUs in use over a short window (/proc/stat), else the 1-minute load average.

    A short window, not the load average, on Linux: the load average still counts the
    scans that just finished (a benchmark's previous run, a CI step before this one).
    """
    first = _cpu_times()
    if first is not None:
        time.sleep(window_s)
        second = _cpu_times()
        busy = _busy_share(first, second) if second is not None else None
        if busy is not None:
            return busy
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def _cpu_times() -> list[int] | None:
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            fields = handle.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu" or len(fields) < 6:
        return None
    return [int(v) for v in fields[1:9]]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # load_file says why it cannot be read


def _worth_a_pool(files: Sequence[Path]) -> bool:
    if len(files) < PARALLEL_MIN_FILES:
        return False
    total = 0
    for path in files:
        total += _size(path)
        if total >= PARALLEL_MIN_BYTES:
            return True
    return False


def load_many(files: Sequence[Path], shown: Sequence[str], only: Sequence[str] | None = None,
              jobs: int | None = None, cached: Collection[str] = ()) -> Iterator[Loaded]:
    """``load_file`` for each file, in order; across processes when it pays (``jobs``: how many, 1: none).
    ``cached``: the shown names of files read only for context (``load_file``'s ``cached``)."""
    cached = frozenset(cached)
    if jobs is None:
        jobs = requested_jobs()
    if jobs is None and _worth_a_pool(files):
        if _usable_cpus() > 1 and _cpu_times() is not None:
            # one worker starts now and the CPUs' use is sampled while it and this process load: the rest of the
            # pool (or none, on a busy machine) is decided after the window, nothing waits for it
            yield from _shared(files, shown, only, cached, _usable_cpus(), sample=True)
            return
        jobs = default_jobs()
    if jobs is None:
        jobs = 1
    if jobs <= 1 or len(files) < 2:
        yield from _serial(files, shown, only, cached)
        return
    yield from _shared(files, shown, only, cached, jobs)


def _chunks(sizes: Sequence[int], jobs: int) -> list[list[int]]:
    """The files' indices in chunks, the most work first (longest processing time first: a large file alone in an
    early chunk, not left to the end where one process would finish it while the others wait). A file's work is
    taken as its bytes and ``FILE_COST`` more. Each chunk holds ``1 / (jobs * CHUNKS_PER_WORKER)`` of the work
    not yet in a chunk (guided self-scheduling: the last chunks are small, so the processes finish together), and
    at most as many files as an even split by count gives."""
    costs = [size + FILE_COST for size in sizes]
    order = sorted(range(len(costs)), key=costs.__getitem__, reverse=True)
    parts = jobs * CHUNKS_PER_WORKER
    most = max(MIN_CHUNK, math.ceil(len(costs) / parts))
    left = sum(costs)
    least = left // (parts * 4)
    chunks: list[list[int]] = []
    chunk: list[int] = []
    held = 0
    target = max(least, left // parts)
    for index in order:
        chunk.append(index)
        held += costs[index]
        if held >= target or len(chunk) >= most:
            chunks.append(chunk)
            left -= held
            chunk, held = [], 0
            target = max(least, left // parts)
    if chunk:
        chunks.append(chunk)
    # chunks closed by their count of small files may hold less than later ones
    chunks.sort(key=lambda chunk: sum(costs[i] for i in chunk), reverse=True)
    return chunks


def _shared(files: Sequence[Path], shown: Sequence[str], only: Sequence[str] | None, cached: frozenset[str],
            jobs: int, sample: bool = False) -> Iterator[Loaded]:
    """``_serial``'s results, loaded by this process and ``jobs - 1`` workers; yielded in file order.

    Every chunk is handed to the pool, largest first, and this process takes chunks from the other end
    meanwhile: whoever claims a chunk first (a flag shared between the processes) loads it, so each is loaded
    once and no process waits while another has a queue of work. This process's own share is never pickled.

    ``sample``: ``jobs`` is only how many CPUs there are. One worker starts at once and the CPUs' use is sampled
    (``SAMPLE_S``) while it and this process load; then the CPUs other work left idle decide: on a busy machine
    this process claims every chunk left (the worker finishes the one it holds), else workers are added up to
    the idle CPUs."""
    # imported here: a pre-commit run never pays for multiprocessing
    import pickle
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    from contextlib import ExitStack

    from scanner.masking import remember_secrets

    ranked = _chunks([_size(path) for path in files], jobs)
    # the pool takes chunks from the front, this process from the back: the largest at both ends, so that each
    # starts with its largest and they meet at the smallest (the last to finish waits least for the other)
    chunks = ranked[0::2] + ranked[1::2][::-1]
    results: list[Loaded | None] = [None] * len(files)
    out = 0  # the next result to yield

    def store(chunk: list[int], loaded: Sequence[Loaded]) -> None:
        for index, result in zip(chunk, loaded, strict=True):
            results[index] = result

    def ready() -> Iterator[Loaded]:
        nonlocal out
        while out < len(results) and results[out] is not None:
            yield results[out]  # type: ignore[misc]
            results[out] = None  # the consumer holds it now
            out += 1

    def collect(future: Future[tuple[list[Loaded], frozenset[str]] | None], chunk: list[int]) -> None:
        got = future.result()
        if got is not None:  # None: this process claimed the chunk first
            remember_secrets(got[1])  # masked in this process's findings too (scanner.masking.redact)
            store(chunk, got[0])

    def args(chunk: list[int]) -> tuple[list[Path], list[str], Sequence[str] | None, frozenset[str]]:
        names = [shown[i] for i in chunk]
        return [files[i] for i in chunk], names, only, cached & set(names)

    context = _context()
    claimed = context.Array("b", len(chunks))
    pids = context.Array("i", max(1, jobs - 1))  # the workers' process ids: their CPU use is no other work
    waiting: list[tuple[Future[tuple[list[Loaded], frozenset[str]] | None], list[int]]] = []

    def start(pools: ExitStack, workers: int) -> None:
        pool = pools.enter_context(ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                                       initializer=_worker_init, initargs=(claimed, pids)))
        waiting.extend((pool.submit(_load_chunk, (number, *args(chunk))), chunk) for number, chunk in enumerate(chunks))

    try:
        with ExitStack() as pools:
            first = _cpu_times() if sample else None
            own, began = time.process_time(), time.monotonic()
            start(pools, 1 if first is not None else jobs - 1)
            mine: set[int] = set()  # chunks this process claimed
            for number in reversed(range(len(chunks))):
                if number in mine or _claim(claimed, number):
                    for index, result in zip(chunks[number], _serial(*args(chunks[number])), strict=True):
                        results[index] = result
                        if first is not None and time.monotonic() - began >= SAMPLE_S:  # the window is over
                            wanted = _idle_jobs(first, own, began, _cpu_of(pids))
                            first = None
                            if wanted <= 1:  # a busy machine: what the worker has not begun loads here
                                mine.update(n for n in range(number) if _claim(claimed, n))
                            elif wanted > 2:
                                start(pools, wanted - 2)
                for future, chunk in [pair for pair in waiting if pair[0].done()]:
                    collect(future, chunk)
                    waiting.remove((future, chunk))
                yield from ready()
            for future, chunk in waiting:
                collect(future, chunk)
            waiting.clear()
    except (BrokenProcessPool, OSError, pickle.PicklingError) as exc:
        # a worker died, processes cannot start or a result cannot travel back: finish here, as a serial run
        # would (each file's own faults are already error findings inside ``load_file``, in either process)
        print(f"specdrift: parallel loading stopped ({type(exc).__name__}); continuing in one process",
              file=sys.stderr)
        for index in range(out, len(files)):
            if results[index] is None:
                results[index] = next(_serial(*args([index])))
    yield from ready()


def _cpu_of(pids: Any) -> float:
    """The CPU seconds the processes ``pids`` have used (/proc; 0 for those it cannot read)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    used = 0
    for pid in list(pids):
        if pid <= 0:
            continue
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            used += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
        except (OSError, IndexError, ValueError):
            continue
    return used / ticks


def _idle_jobs(first: list[int], own_cpu: float, began: float, helpers_cpu: float = 0.0) -> int:
    """The usable CPUs other work left idle since ``first`` (a /proc/stat sample taken at ``began``, when this
    process had used ``own_cpu`` seconds of CPU): this process's own use meanwhile is not other work, nor is
    ``helpers_cpu`` (what its workers used since they started, all within the window)."""
    second = _cpu_times()
    wall = time.monotonic() - began
    busy = _busy_share(first, second) if second is not None else None
    if busy is None or wall <= 0:
        return default_jobs()
    others = max(0.0, busy - (time.process_time() - own_cpu + helpers_cpu) / wall)
    cpus = _usable_cpus()
    return max(1, min(cpus, int(cpus - others + 0.5)))


def _serial(files: Sequence[Path], shown: Sequence[str], only: Sequence[str] | None,
            cached: frozenset[str] = frozenset()) -> Iterator[Loaded]:
    from scanner.loaders import load_file

    for path, name in zip(files, shown, strict=True):
        yield load_file(path, only, name, cached=name in cached)


Chunk = tuple[int, list[Path], list[str], Sequence[str] | None, frozenset[str]]
_claimed: Any = None  # a worker's view of the flags shared with the parent (``_shared``)


def _claim(claimed: Any, number: int) -> bool:
    """Whether this process is the first to claim chunk ``number`` (then it loads it)."""
    with claimed.get_lock():
        if claimed[number]:
            return False
        claimed[number] = 1
        return True


def _load_chunk(chunk: Chunk) -> tuple[list[Loaded], frozenset[str]] | None:
    """The chunk's results, and the literal secrets this worker has seen (the parent masks them in findings);
    None when the parent claimed the chunk first."""
    from scanner.masking import known_secrets

    number, files, shown, only, cached = chunk
    if not _claim(_claimed, number):
        return None
    results = list(_serial(files, shown, only, cached))
    return results, known_secrets()


def _worker_init(claimed: Any, pids: Any) -> None:
    global _claimed
    _claimed = claimed
    with pids.get_lock():  # this worker's id, in the first free place
        for place, pid in enumerate(pids):
            if pid == 0:
                pids[place] = os.getpid()
                break
    # Workers build many small containers and hold no cycles worth collecting (see scan.py).
    gc.disable()


def _context() -> BaseContext:
    """``fork`` where it exists: workers start with the parsers already imported (no re-import cost)."""
    import multiprocessing

    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()
