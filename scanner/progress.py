"""A one-line progress count on stderr for long scans and collections (``files 120/900``, ``API calls 42``).

The command activates it (``showing``) for the length of the work; the loaders' file loop and the collectors'
CallRunner report through ``step``, a no-op when nothing is active. The line appears only after ``DELAY_S``
(a pre-commit run never sees it), is rewritten at most every ``INTERVAL_S`` with ``\\r`` and is erased before
the report is written. ``auto`` shows it only when stderr is a terminal, so CI logs never get it.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

MODES = ("auto", "always", "never")
DELAY_S = 2.0  # nothing shows before this: short runs stay silent
INTERVAL_S = 0.2  # at most this often the line is rewritten


class ProgressLine:
    """A throttled single ``\\r`` line on ``stream``; ``clock`` is injectable for tests."""

    def __init__(self, stream: TextIO, delay: float = DELAY_S, interval: float = INTERVAL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream, self.delay, self.interval, self.clock = stream, delay, interval, clock
        self.began = clock()
        self.last = float("-inf")
        self.width = 0  # of the line on screen: what ``clear`` blanks
        self.lock = threading.Lock()  # collectors report from several threads

    def update(self, what: str, done: int, total: int | None = None) -> None:
        now = self.clock()
        if now - self.began < self.delay or now - self.last < self.interval:
            return
        text = f"specdrift: {what} {done}/{total}" if total is not None else f"specdrift: {what} {done}"
        with self.lock:
            self.last = now
            self.stream.write("\r" + text.ljust(self.width))
            self.stream.flush()
            self.width = len(text)

    def clear(self) -> None:
        with self.lock:
            if self.width:
                self.stream.write("\r" + " " * self.width + "\r")
                self.stream.flush()
                self.width = 0


_active: ProgressLine | None = None


def wanted(mode: str, stream: TextIO) -> bool:
    """``always``, or ``auto`` on a terminal."""
    if mode == "always":
        return True
    isatty = getattr(stream, "isatty", None)
    return mode == "auto" and isatty is not None and bool(isatty())


def step(what: str, done: int, total: int | None = None) -> None:
    """Report ``done`` (of ``total``) units of ``what``; nothing unless a command activated the line."""
    line = _active
    if line is not None:
        line.update(what, done, total)


@contextmanager
def showing(mode: str, stream: TextIO | None = None, delay: float = DELAY_S,
            clock: Callable[[], float] = time.monotonic) -> Iterator[ProgressLine | None]:
    """The progress line active for the block when ``mode`` wants it, erased at its end."""
    global _active
    out = stream if stream is not None else sys.stderr
    if not wanted(mode, out):
        yield None
        return
    previous, _active = _active, ProgressLine(out, delay, clock=clock)
    line = _active
    try:
        yield line
    finally:
        line.clear()
        _active = previous
