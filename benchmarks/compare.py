"""Before/after: the same ``specdrift scan`` from two checkouts, runs alternating, medians compared.

    git archive 45ce296 | tar -x -C /tmp/spine
    python3 -m benchmarks.compare --before /tmp/spine --runs 3 -- /tmp/g/tf --format json

``--after`` defaults to this checkout. Alternating the runs keeps both sides under the same load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m benchmarks.compare", description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="checkout to compare against")
    parser.add_argument("--after", type=Path, default=ROOT)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("scan_args", nargs="+", help="arguments after 'specdrift scan'")
    args = parser.parse_args(argv)
    env = {**os.environ, "NO_COLOR": "1"}
    times: dict[str, list[float]] = {"before": [], "after": []}
    for _ in range(args.runs):
        for label, root in (("before", args.before), ("after", args.after)):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "scanner", "scan", *args.scan_args], cwd=root, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            times[label].append(time.perf_counter() - started)
    before, after = statistics.median(times["before"]), statistics.median(times["after"])
    print(f"{' '.join(args.scan_args)}: before {before:.2f} s, after {after:.2f} s ({before / after:.1f}x); "
          f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
