"""Run one command and measure it: wall time, and peak memory of the whole process tree.

Two memory figures per run:
- ``maxrss``: what the kernel reports through ``wait4`` for the child, the largest resident
  set of the child or any descendant it waited for (KiB on Linux);
- ``tree``: the peak of the summed proportional set size (PSS) of the child and all its
  descendants, sampled every 10 ms from /proc. With worker processes (specdrift's parallel
  loading, checkov's parallel runners) this is the memory the machine actually had to give;
  PSS counts pages shared after a fork once, not once per process. Where /proc is not
  readable it falls back to RSS, and where there is no /proc the tree figure is absent.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_S = 0.01


@dataclass
class Sample:
    wall_s: float
    maxrss_kib: int
    tree_peak_kib: int | None
    returncode: int
    timed_out: bool = False


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                found.extend(int(p) for p in handle.read().split())
        except OSError:
            continue
    return found


def _memory_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return 0


def _tree_kib(root: int) -> int:
    total = 0
    pending = [root]
    seen = 0
    while pending and seen < 4096:  # bounded: a fork bomb must not hang the benchmark
        pid = pending.pop()
        seen += 1
        total += _memory_kib(pid)
        pending.extend(_children(pid))
    return total


class _Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.stop = threading.Event()
        self.available = os.path.isdir(f"/proc/{pid}")

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, _tree_kib(self.pid))
            self.stop.wait(SAMPLE_S)


def run(command: Sequence[str], cwd: Path | None = None, env: Mapping[str, str] | None = None,
        timeout_s: float | None = None) -> Sample:
    """Run ``command`` once, output discarded; a run past ``timeout_s`` is killed (with its children)."""
    started = time.perf_counter()
    process = subprocess.Popen(list(command), cwd=cwd, env=dict(env) if env is not None else None,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    sampler = _Sampler(process.pid)
    sampler.start()
    killed = threading.Event()

    def kill() -> None:
        killed.set()
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)

    timer = threading.Timer(timeout_s, kill) if timeout_s else None
    if timer:
        timer.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        if timer:
            timer.cancel()
        sampler.stop.set()
        sampler.join()
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
    with contextlib.suppress(OSError):  # workers left behind by a killed run must not outlive the measurement
        os.killpg(process.pid, signal.SIGKILL)
    return Sample(wall, int(usage.ru_maxrss), sampler.peak if sampler.available else None,
                  process.returncode, killed.is_set())
