"""The budget of one file's parse: time, and the memory the tree-sitter parsers take (issue 17).

A loader parsing one file past ``parse_seconds()`` (``--parse-timeout``, ``SPECDRIFT_PARSE_TIMEOUT``; default
30 s) stops and the file is an ``error`` finding; the scan goes on. Two ways reach a parse that runs too long:

- in pure-Python loaders, a ``SIGALRM`` timer (the main thread only: where ``load_file`` runs, in this process
  and in each worker of the parallel pool) raises ``ParseTimeout`` at the next bytecode;
- tree-sitter parses in C and runs no Python until it is done, so it reads its input through a callback
  (``parse_tree``), called for every 64 KiB, which checks the clock, and the memory the process has grown by since
  the parse began: tree-sitter's HCL grammar holds some 200 bytes per byte of a long string or heredoc (a
  15 MB string took 2.8 GB), so a parse that grows the process by more than ``PARSE_MEMORY`` stops too.

``ParseTimeout`` derives from ``BaseException``: no loader's ``except Exception`` can swallow it.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DEFAULT_SECONDS = 30.0
PARSE_MEMORY = 1 << 30  # bytes a tree-sitter parse may grow the process by
CHUNK = 1 << 16  # bytes tree-sitter reads per callback
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class ParseTimeout(BaseException):
    """A parse past its budget (``reason`` says which)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _from_environment() -> float | None:
    text = os.environ.get("SPECDRIFT_PARSE_TIMEOUT", "").strip()
    try:
        seconds = float(text) if text else DEFAULT_SECONDS
    except ValueError:
        return DEFAULT_SECONDS
    return seconds if seconds > 0 and seconds != float("inf") else None


_seconds: float | None = _from_environment()
_local = threading.local()


def set_parse_seconds(seconds: float | None) -> None:
    """The time one file's parse may take (None: no limit); workers forked afterwards inherit it."""
    global _seconds
    _seconds = seconds


def parse_seconds() -> float | None:
    return _seconds


def _rss() -> int | None:
    """This process's resident memory in bytes (Linux; None elsewhere)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def _expired(_signum: int, _frame: Any) -> None:
    if getattr(_local, "in_tree_sitter", False):  # no exception may cross tree-sitter's C loop: its reads stop it
        _local.expired = True
        return
    raise ParseTimeout(_too_long())


def _too_long() -> str:
    return f"parsing took longer than {_seconds:g}s (the time budget of one file's parse, --parse-timeout)"


@contextmanager
def parse_budget() -> Iterator[None]:
    """The budget of one file's parse, around a loader's ``load``."""
    seconds = _seconds
    if seconds is None:
        yield
        return
    _local.deadline, _local.expired = time.monotonic() + seconds, False
    alarm = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    previous: Any = None
    if alarm:
        previous = signal.signal(signal.SIGALRM, _expired)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        _local.deadline = None


def parse_tree(parser: Any, source: bytes) -> Any:
    """``parser.parse`` (tree-sitter) of ``source`` within the file's budget: read a chunk at a time, each read
    checking the clock and the memory the process has grown by. Past the budget the read answers end of input
    (an exception raised inside tree-sitter's C loop would not stop it), the parse ends on what it has, and
    ``ParseTimeout`` is raised here; the parser is reset for the next file."""
    if len(source) <= CHUNK:  # a small text (an expression, most files): parsed in one go, in microseconds
        return parser.parse(source)
    start = _rss()
    deadline = getattr(_local, "deadline", None)
    stopped: list[str] = []

    def read(offset: int, _point: Any) -> bytes:
        if stopped:
            return b""
        if getattr(_local, "expired", False) or (deadline is not None and time.monotonic() > deadline):
            stopped.append(_too_long())
        elif start is not None and (_rss() or start) - start > PARSE_MEMORY:  # ~10 us a chunk: cheap enough
            stopped.append(f"parsing needed more than {PARSE_MEMORY >> 20} MiB of memory (the memory budget of one "
                           "file's parse)")
        return b"" if stopped else source[offset:offset + CHUNK]

    _local.in_tree_sitter, _local.expired = True, False
    try:
        tree = parser.parse(read)
    finally:
        _local.in_tree_sitter = False
    if stopped or getattr(_local, "expired", False):
        parser.reset()
        del tree
        raise ParseTimeout(stopped[0] if stopped else _too_long())
    # A tree parsed through a callback reads every node's text through it again (``node.text`` calls ``read``:
    # a loader's walk would pay a Python call and a memory reading per word). Parsed again from the bytes with
    # the first tree as its old tree, it is the same tree, reused whole (about 5 % of the first parse), and its
    # texts are slices of ``source``.
    return parser.parse(source, tree)
