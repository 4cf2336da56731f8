"""Instructions (callgrind) of the small cases, where a few milliseconds decide the ratio to checkov.

    python3 -m benchmarks.instructions [--before TREE] [--after TREE] [--cases small,real3,example,precommit]

Wall time on a shared 2-CPU machine moves by 20 % from run to run; instruction counts move by well under 1 %, so
a change of a few milliseconds to a pre-commit run is measured here, and wall time is measured by the runner
(``python3 -m benchmarks``) on a quiet machine. Each tree runs as ``python -m scanner scan ... --format text`` with
its package first on ``PYTHONPATH``, from an empty directory (its modification time is part of a cache key), its
caches warmed by one run first, as a pre-commit hook's are after its first commit.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import repos
from benchmarks.run import EXAMPLE, PRECOMMIT_FILES, REPO_CACHE, ROOT

_COLLECTED = re.compile(r"Collected : (\d+)")


def cases(work: Path) -> dict[str, list[Path]]:
    """Case -> the paths its scan names (the runner's (a), (b) and the two real named-file cases)."""
    staged = work / "precommit"
    staged.mkdir(parents=True, exist_ok=True)
    copies = []
    for rel in PRECOMMIT_FILES:  # as the runner's (a): copied alone into a directory, no neighbours
        copies.append(staged / rel.replace("/", "-"))
        shutil.copyfile(EXAMPLE / rel, copies[-1])
    found = {"precommit": copies, "example": [EXAMPLE]}
    for name, wanted in (("small", (repos.SMALL_TF,)), ("real3", repos.STAGED)):
        try:
            found[name] = repos.files(wanted, REPO_CACHE)
        except repos.Absent as exc:
            print(f"{name}: skipped: {exc}", file=sys.stderr)
    return found


def instructions(tree: Path, paths: Sequence[Path], work: Path) -> int:
    """Instructions of one scan by ``tree`` (after a warm-up run)."""
    neutral = work / "cwd"
    neutral.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(tree), "NO_COLOR": "1",
           "SPECDRIFT_CACHE_DIR": str(work / f"cache-{abs(hash(str(tree)))}")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: with .pyc files
    command = [sys.executable, "-m", "scanner", "scan", *map(str, paths), "--format", "text"]
    subprocess.run(command, cwd=neutral, env=env, capture_output=True, timeout=300, check=False)
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
                          cwd=neutral, env=env, capture_output=True, text=True, timeout=1800, check=False)
    found = _COLLECTED.search(done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count: {done.stderr[-500:]}")
    return int(found.group(1))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m benchmarks.instructions", description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="another tree (a git archive of a commit) to compare with")
    parser.add_argument("--after", type=Path, default=ROOT, help="this tree by default")
    parser.add_argument("--cases", default="small,real3,example,precommit")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    trees = [("before", args.before.resolve())] if args.before else []
    trees.append(("after", args.after.resolve()))
    with tempfile.TemporaryDirectory(prefix="specdrift-instructions-") as tmp:
        work = Path(tmp)
        found = cases(work)
        print("| case | " + " | ".join(f"{name} (M instructions)" for name, _ in trees)
              + (" | change |" if len(trees) == 2 else " |"))
        print("|---|" + "---:|" * (len(trees) + (len(trees) == 2)))
        for case in args.cases.split(","):
            if case not in found:
                continue
            counts = [instructions(tree, found[case], work) for _, tree in trees]
            change = f" | {100 * (counts[1] - counts[0]) / counts[0]:+.1f} %" if len(counts) == 2 else ""
            print(f"| {case} | " + " | ".join(f"{c / 1e6:.0f}" for c in counts) + change + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
