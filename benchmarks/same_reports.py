"""Do two trees of specdrift report the same on the benchmark corpora? (A speed change must not change a report.)

    git archive d98e259 | tar -x -C /tmp/before
    python3 -m benchmarks.same_reports --before /tmp/before [--after .] [--cases rw-vpc,example,...]

Each corpus is scanned by both trees (``python -m scanner scan DIR --format json``, the tree's package first on
``PYTHONPATH``, run from a neutral directory so paths print the same), the run's timestamp and duration are
dropped, and the rest is compared byte for byte. Where they differ, the findings that only one side has are
listed (policy, resource, status), so a change that makes findings right can be told from a regression.
Corpora: the real repositories of ``benchmarks/repos.py``, examples/marketing-engine and a generated Terraform
corpus of the tf-vpc size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import generate, repos
from benchmarks.run import EXAMPLE, REPO_CACHE, ROOT


def corpora(work: Path, wanted: set[str] | None) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for repo in repos.REPOS:
        if wanted is None or repo.name in wanted:
            try:
                found.append((repo.name, repos.materialize(repo, REPO_CACHE)))
            except repos.Absent as exc:
                print(f"{repo.name}: skipped: {exc}", file=sys.stderr)
    if wanted is None or "example" in wanted:
        found.append(("example", EXAMPLE))
    if wanted is None or "tf-vpc" in wanted:
        found.append(("tf-vpc", generate.terraform(work / "tf-635", 635, 77).root))
    return found


def report(tree: Path, corpus: Path, neutral: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree), "NO_COLOR": "1",
           "SPECDRIFT_CACHE_DIR": str(neutral / f"cache-{abs(hash(str(tree)))}")}
    done = subprocess.run([sys.executable, "-m", "scanner", "scan", str(corpus), "--format", "json"], cwd=neutral,
                          env=env, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{tree} on {corpus}: exit {done.returncode}: {done.stderr[-1000:]}")
    data: dict[str, Any] = json.loads(done.stdout)
    for volatile in ("generated_at", "duration_seconds"):
        data.pop(volatile, None)
    return data


def _key(finding: dict[str, Any]) -> str:
    resource = finding.get("resource") or {}
    where = (finding.get("location") or {}).get("file") or "-"
    return f"{finding.get('policy_id')} {finding.get('status')} {resource.get('address')} ({where})"


def differences(before: dict[str, Any], after: dict[str, Any], shown: int = 12) -> list[str]:
    if json.dumps(before, sort_keys=True) == json.dumps(after, sort_keys=True):
        return []
    old = Counter(_key(f) for f in before.get("findings", []))
    new = Counter(_key(f) for f in after.get("findings", []))
    lines = [f"  only before: {k}" for k in sorted((old - new).elements())][:shown]
    lines += [f"  only after:  {k}" for k in sorted((new - old).elements())][:shown]
    if not lines:
        lines = ["  same findings (policy, resource, status); other fields differ"]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m benchmarks.same_reports", description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the other tree (a git archive of a commit)")
    parser.add_argument("--after", type=Path, default=ROOT, help="this tree by default")
    parser.add_argument("--cases", help="comma-separated subset: the real repositories' names, example, tf-vpc")
    args = parser.parse_args(argv)
    wanted = set(args.cases.split(",")) if args.cases else None
    differing = 0
    with tempfile.TemporaryDirectory(prefix="specdrift-same-") as tmp:
        work = Path(tmp)
        neutral = work / "run"
        neutral.mkdir()
        for name, corpus in corpora(work, wanted):
            lines = differences(report(args.before.resolve(), corpus, neutral),
                                report(args.after.resolve(), corpus, neutral))
            differing += bool(lines)
            print(f"{name}: {'same' if not lines else 'DIFFERENT'}")
            for line in lines:
                print(line)
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
