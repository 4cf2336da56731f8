"""Loading across processes gives exactly what loading in one process gives, in the same order."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from scanner.loaders import parallel
from scanner.loaders.yaml_lines import LineDict
from scanner.mappings import load_paths
from tests.conftest import EXAMPLE


def _snapshot(outcome) -> tuple:  # type: ignore[no-untyped-def]
    return (
        list(outcome.files.items()), outcome.errors, outcome.skipped,
        [(r.address, r.origin, r.facts, r.fact_lines, r.kinds, r.attributes) for r in outcome.resources],
    )


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    for i in range(6):
        shutil.copytree(EXAMPLE, tmp_path / f"copy{i}")
    (tmp_path / "copy0" / "broken.tf").write_text('resource "a" "b" {\n  x = = 1\n}\n')
    return tmp_path


def test_parallel_load_equals_serial(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(parallel, "MIN_CHUNK", 3)
    serial = load_paths([tree], jobs=1)
    spread = load_paths([tree], jobs=2)
    assert len(serial.resources) > 50 and len(serial.errors) == 1
    assert _snapshot(spread) == _snapshot(serial)
    line_dicts = [r.attributes for r in spread.resources if isinstance(r.attributes, LineDict)]
    assert line_dicts and all(d.key_lines is not None and d.line > 0 for d in line_dicts)


def test_small_runs_stay_in_process(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPECDRIFT_JOBS", raising=False)
    def no_pool(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a pool was started for a handful of files")

    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", no_pool)
    files = sorted((tree / "copy1" / "kubernetes").iterdir())[:3]
    outcome = load_paths(files)
    assert len(outcome.files) == 3 and outcome.resources


def test_loaded_resources_pickle_whole(tree: Path) -> None:
    outcome = load_paths([tree / "copy0"], jobs=1)
    back = pickle.loads(pickle.dumps(outcome.resources))
    assert back == outcome.resources
    assert [getattr(r.attributes, "key_lines", None) for r in back] == \
        [getattr(r.attributes, "key_lines", None) for r in outcome.resources]


def test_jobs_from_environment_and_idle_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECDRIFT_JOBS", "3")
    assert parallel.requested_jobs() == 3
    monkeypatch.setenv("SPECDRIFT_JOBS", "")
    assert parallel.requested_jobs() is None
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.setattr(parallel, "_busy_cpus", lambda: 3.2)
    assert parallel.default_jobs() == 1  # the other work already keeps the CPUs busy
    monkeypatch.setattr(parallel, "_busy_cpus", lambda: 0.1)
    assert parallel.default_jobs() == 4


def test_busy_cpus_from_proc_stat_or_load_average(monkeypatch: pytest.MonkeyPatch) -> None:
    samples = iter([[100, 0, 100, 800, 0, 0, 0, 0], [150, 0, 150, 900, 0, 0, 0, 0]])
    monkeypatch.setattr(parallel, "_cpu_times", lambda: next(samples))
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    assert parallel._busy_cpus(0) == pytest.approx(1.0)  # 100 of 200 ticks busy on 2 CPUs
    monkeypatch.setattr(parallel, "_cpu_times", lambda: None)
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (0.7, 0.0, 0.0))
    assert parallel._busy_cpus(0) == pytest.approx(0.7)


def test_pool_only_for_enough_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = []
    for i in range(parallel.PARALLEL_MIN_FILES):
        files.append(tmp_path / f"f{i}.tf")
        files[-1].write_text("# small\n")
    assert not parallel._worth_a_pool(files)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 100)
    assert parallel._worth_a_pool(files)
    assert not parallel._worth_a_pool(files[:3])


def test_the_cpu_sample_overlaps_loading(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the CPUs' use is sampled while this process and one worker load: nothing waits for it, the report is the same
    monkeypatch.delenv("SPECDRIFT_JOBS", raising=False)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "SAMPLE_S", 3600.0)  # every file loads within the window

    def no_sleep(_seconds: float) -> None:
        raise AssertionError("waited for the CPU sample")

    monkeypatch.setattr(parallel.time, "sleep", no_sleep)
    assert _snapshot(load_paths([tree])) == _snapshot(load_paths([tree], jobs=1))


@pytest.mark.parametrize("own_cpu_s, helpers_cpu_s, jobs", [(0.05, 0.0, 2), (0.0, 0.0, 1), (0.0, 0.05, 2)])
def test_own_use_in_the_window_is_no_other_work(monkeypatch: pytest.MonkeyPatch, own_cpu_s: float,
                                                helpers_cpu_s: float, jobs: int) -> None:
    # 100 of 200 ticks busy on 2 CPUs over 50 ms: this process's own loading or its worker's (one CPU), or other
    # work
    monkeypatch.setattr(parallel, "_cpu_times", lambda: [100, 0, 0, 100, 0, 0, 0, 0])
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(parallel, "_usable_cpus", lambda: 2)
    monkeypatch.setattr(parallel.time, "monotonic", lambda: 10.05)
    monkeypatch.setattr(parallel.time, "process_time", lambda: 1.0 + own_cpu_s)
    assert parallel._idle_jobs([0] * 8, 1.0, 10.0, helpers_cpu_s) == jobs


def _sampled(monkeypatch: pytest.MonkeyPatch, cpus: int) -> None:
    """A pool's worth of files on ``cpus`` CPUs, the CPUs' use sampled (no --jobs)."""
    monkeypatch.delenv("SPECDRIFT_JOBS", raising=False)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(parallel, "MIN_CHUNK", 3)
    monkeypatch.setattr(parallel, "_usable_cpus", lambda: cpus)


def test_a_busy_machine_leaves_the_rest_to_this_process(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # one worker starts with the window; the sample finds no idle CPU: every chunk no worker holds loads here
    _sampled(monkeypatch, 2)
    monkeypatch.setattr(parallel, "SAMPLE_S", 0.0)  # decided after this process's first file
    asked: list[float] = []

    def busy(_first: list[int], _own: float, _began: float, helpers_cpu: float = 0.0) -> int:
        asked.append(helpers_cpu)
        return 1

    monkeypatch.setattr(parallel, "_idle_jobs", busy)
    here: list[str] = []
    serial = parallel._serial

    def logged(files, shown, only, cached=frozenset()):  # type: ignore[no-untyped-def]
        here.extend(shown)  # in a worker, its own copy of the list
        return serial(files, shown, only, cached)

    monkeypatch.setattr(parallel, "_serial", logged)
    outcome = load_paths([tree])
    assert len(asked) == 1 and asked[0] >= 0.0
    assert here and len(here) == len(set(here))  # this process loaded its share and the rest, each file once
    monkeypatch.setattr(parallel, "_serial", serial)
    assert _snapshot(outcome) == _snapshot(load_paths([tree], jobs=1))


def test_idle_cpus_get_more_workers_after_the_window(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import concurrent.futures

    _sampled(monkeypatch, 3)
    monkeypatch.setattr(parallel, "SAMPLE_S", 0.0)
    monkeypatch.setattr(parallel, "_idle_jobs", lambda *_args: 3)
    started: list[int] = []
    real = concurrent.futures.ProcessPoolExecutor

    class Counted(real):  # type: ignore[misc, valid-type]
        def __init__(self, max_workers: int, **kwargs: object) -> None:
            started.append(max_workers)
            super().__init__(max_workers, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Counted)
    outcome = load_paths([tree])
    assert started == [1, 1]  # one worker with the window, then one more: three processes on three idle CPUs
    assert _snapshot(outcome) == _snapshot(load_paths([tree], jobs=1))


def test_the_cpu_of_other_processes_from_proc(tmp_path: Path) -> None:
    import os
    import time

    began = time.process_time()
    while time.process_time() - began < 0.05:
        pass
    mine = parallel._cpu_of([os.getpid(), 0, 2**22 + 12345])  # this process; no process; one that does not exist
    assert 0.03 <= mine <= time.process_time() + 0.02


def test_chunks_put_the_largest_files_first_each_file_once() -> None:
    # longest processing time first: a file as large as a chunk's share goes alone, before the rest
    sizes = [100] * 40 + [20_000] + [100] * 40 + [300] * 8
    chunks = parallel._chunks(sizes, jobs=2)
    assert chunks[0] == [40]
    assert sorted(i for chunk in chunks for i in chunk) == list(range(len(sizes)))
    work = [sum(sizes[i] + parallel.FILE_COST for i in chunk) for chunk in chunks]
    assert work == sorted(work, reverse=True)  # the most work first
    assert all(len(chunk) <= max(parallel.MIN_CHUNK, -(-len(sizes) // (2 * parallel.CHUNKS_PER_WORKER)))
               for chunk in chunks)


def test_this_process_loads_a_share_of_the_chunks(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # jobs=2: this process and one worker; what this process loads is never pickled, the report is the same
    monkeypatch.setattr(parallel, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(parallel, "MIN_CHUNK", 3)
    here: list[str] = []
    serial = parallel._serial

    def logged(files, shown, only, cached=frozenset()):  # type: ignore[no-untyped-def]
        here.extend(shown)  # in a worker, its own copy of the list
        return serial(files, shown, only, cached)

    monkeypatch.setattr(parallel, "_serial", logged)
    spread = load_paths([tree], jobs=2)
    assert here
    assert len(here) == len(set(here))  # each file once
    monkeypatch.setattr(parallel, "_serial", serial)
    assert _snapshot(spread) == _snapshot(load_paths([tree], jobs=1))
