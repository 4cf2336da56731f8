"""Would an on-disk parse cache (keyed by file content hash) pay for itself? Measures the load phase.

    python3 -m benchmarks.parse_cache_probe [--store sqlite|files] CORPUS...

For each corpus: the load phase without a cache, with a cold cache (every file parsed, then
stored) and with a warm one (every file read back), three runs each where repeated, with the
cyclic GC paused as ``specdrift scan`` does. ``files`` stores one pickle per file;
``sqlite`` one database written in a single transaction. The finding (docs/performance.md):
a warm cache loads 4-14x faster, a cold one 1.1-1.6x slower (one file per entry: up to 4.6x);
pre-commit runs (changed files) and fresh CI clones are always cold, so specdrift does not ship one.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import pickle
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scanner.loaders import _display, iter_files, load_file


def _key(data: bytes, shown: str) -> str:
    return hashlib.sha256(data + b"\0" + shown.encode()).hexdigest()


def _plain(corpus: Path, _store: Path) -> float:
    cwd = os.getcwd()
    started = time.perf_counter()
    for path in iter_files([corpus]):
        load_file(path, None, _display(path, cwd))
    return time.perf_counter() - started


def _files(corpus: Path, store: Path) -> float:
    cwd = os.getcwd()
    started = time.perf_counter()
    for path in iter_files([corpus]):
        shown = _display(path, cwd)
        entry = store / _key(path.read_bytes(), shown)
        try:
            pickle.loads(entry.read_bytes())
            continue
        except OSError:
            pass
        store.mkdir(parents=True, exist_ok=True)
        entry.write_bytes(pickle.dumps(load_file(path, None, shown), protocol=pickle.HIGHEST_PROTOCOL))
    return time.perf_counter() - started


def _sqlite(corpus: Path, store: Path) -> float:
    cwd = os.getcwd()
    started = time.perf_counter()
    store.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(store)
    con.execute("create table if not exists parsed (key text primary key, value blob)")
    pending = []
    for path in iter_files([corpus]):
        shown = _display(path, cwd)
        key = _key(path.read_bytes(), shown)
        row = con.execute("select value from parsed where key = ?", (key,)).fetchone()
        if row:
            pickle.loads(row[0])
            continue
        pending.append((key, pickle.dumps(load_file(path, None, shown), protocol=pickle.HIGHEST_PROTOCOL)))
    with con:
        con.executemany("insert or replace into parsed values (?, ?)", pending)
    con.close()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m benchmarks.parse_cache_probe")
    parser.add_argument("--store", choices=("sqlite", "files"), default="sqlite")
    parser.add_argument("corpora", nargs="+", type=Path)
    args = parser.parse_args(argv)
    gc.disable()
    cached: Callable[[Path, Path], float] = _sqlite if args.store == "sqlite" else _files
    for corpus in args.corpora:
        work = Path(tempfile.mkdtemp(prefix="specdrift-parse-cache-"))
        store = work / ("cache.sqlite" if args.store == "sqlite" else "entries")
        try:
            plain = statistics.median(_plain(corpus, store) for _ in range(3))
            cold = cached(corpus, store)
            warm = statistics.median(cached(corpus, store) for _ in range(3))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print(f"{corpus}: no cache {plain:.3f} s, cold {cold:.3f} s ({cold / plain:.2f}x), "
              f"warm {warm:.3f} s ({plain / warm:.1f}x faster); load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
