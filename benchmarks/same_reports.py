"""Do two trees of specdrift report the same on the benchmark corpora? (A speed change must not change a report.)

    git archive d98e259 | tar -x -C /tmp/before
    python3 -m benchmarks.same_reports --before /tmp/before [--after .] [--cases rw-vpc,example,...]

Each corpus is scanned once by each tree (``python -m scanner scan DIR --format FORMAT:FILE`` for every format:
text, json, sarif, junit, markdown, gitlab, github; the tree's package first on ``PYTHONPATH``, run from a neutral
directory so paths print the same), what differs from run to run is blanked (the run's timestamp and duration:
``VOLATILE``), and each format's text is compared byte for byte. Where the JSON differs, the findings that only one
side has are listed (policy, resource, status), so a change that makes findings right can be told from a
regression; where another format differs, its first differing lines are shown.
Corpora: the real repositories of ``benchmarks/repos.py``, examples/marketing-engine, a generated Terraform
corpus of the tf-vpc size, and the named-file (pre-commit) cases: one small ``.tf``, three real staged files and
the example's three. A named-file scan loads its neighbours as context and keeps their parses between runs
(``scanner/loaders/parse_cache.py``), so this tree scans those cases twice, with a cold cache then a warm one,
and each must match the other tree's report.
"""

from __future__ import annotations

import argparse
import difflib
import itertools
import json
import os
import re
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
from benchmarks.run import EXAMPLE, PRECOMMIT_FILES, REPO_CACHE, ROOT

NAMED = {"rw-small-tf": (repos.SMALL_TF,), "rw-precommit": repos.STAGED}


def corpora(work: Path, wanted: set[str] | None) -> list[tuple[str, list[Path]]]:
    """(case, the paths its scan names)."""
    found: list[tuple[str, list[Path]]] = []
    for repo in repos.REPOS:
        if wanted is None or repo.name in wanted:
            try:
                found.append((repo.name, [repos.materialize(repo, REPO_CACHE)]))
            except repos.Absent as exc:
                print(f"{repo.name}: skipped: {exc}", file=sys.stderr)
    if wanted is None or "example" in wanted:
        found.append(("example", [EXAMPLE]))
    if wanted is None or "tf-vpc" in wanted:
        found.append(("tf-vpc", [generate.terraform(work / "tf-635", 635, 77).root]))
    for name, files in NAMED.items():
        if wanted is None or name in wanted:
            try:
                found.append((name, repos.files(files, REPO_CACHE)))
            except repos.Absent as exc:
                print(f"{name}: skipped: {exc}", file=sys.stderr)
    if wanted is None or "precommit" in wanted:
        found.append(("precommit", [EXAMPLE / rel for rel in PRECOMMIT_FILES]))
    return found


# Each format's file name, and the fields of it that change from run to run (a regex whose one group is blanked).
FORMATS = {"text": "report.txt", "json": "report.json", "sarif": "report.sarif", "junit": "report.xml",
           "markdown": "report.md", "gitlab": "report.gitlab.json", "github": "report.github.txt"}
VOLATILE: dict[str, tuple[re.Pattern[str], ...]] = {
    "json": (re.compile(r'^  "generated_at": ("[^"]*")', re.M), re.compile(r'^  "duration_seconds": ([^,\n]*)', re.M)),
    "sarif": (re.compile(r'"id": "specdrift/([^"]*)"'), re.compile(r'"startTimeUtc": ("[^"]*")'),
              re.compile(r'"endTimeUtc": ("[^"]*")')),
    "junit": (re.compile(r' timestamp=("[^"]*")'), re.compile(r'^<testsuites [^>]* time=("[^"]*")', re.M)),
}


def _blank(match: re.Match[str]) -> str:
    """The match with its group 1 (the value) replaced by ``null`` (so a blanked JSON report still parses)."""
    start, end = match.start(1) - match.start(), match.end(1) - match.start()
    return match.group(0)[:start] + "null" + match.group(0)[end:]


def normalized(fmt: str, text: str) -> str:
    """The report's text with its run-specific values (``VOLATILE``) blanked, the rest as written."""
    for pattern in VOLATILE.get(fmt, ()):
        text = pattern.sub(_blank, text)
    return text


def reports(tree: Path, corpus: Sequence[Path], neutral: Path) -> dict[str, str]:
    """Format -> the tree's report on the corpus in that format, normalized; all from one scan (the tree's cache
    directory is the same from one call to the next)."""
    out = neutral.parent / f"out-{abs(hash(str(tree)))}"
    out.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(tree), "NO_COLOR": "1", "COLUMNS": "160",
           "SPECDRIFT_CACHE_DIR": str(neutral / f"cache-{abs(hash(str(tree)))}")}
    formats = [arg for fmt, name in FORMATS.items() for arg in ("--format", f"{fmt}:{out / name}")]
    done = subprocess.run([sys.executable, "-m", "scanner", "scan", *map(str, corpus), *formats], cwd=neutral,
                          env=env, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{tree} on {corpus}: exit {done.returncode}: {done.stderr[-1000:]}")
    return {fmt: normalized(fmt, (out / name).read_text(encoding="utf-8")) for fmt, name in FORMATS.items()}


def _key(finding: dict[str, Any]) -> str:
    resource = finding.get("resource") or {}
    where = (finding.get("location") or {}).get("file") or "-"
    return f"{finding.get('policy_id')} {finding.get('status')} {resource.get('address')} ({where})"


def _findings(text: str) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = json.loads(text).get("findings", [])
    return findings


def differences(before: dict[str, str], after: dict[str, str], shown: int = 12) -> list[str]:
    """What differs between two trees' reports (format -> normalized text); nothing when every format is the same."""
    lines: list[str] = []
    for fmt in FORMATS:
        if before[fmt] == after[fmt]:
            continue
        lines.append(f"  {fmt} differs")
        if fmt == "json":
            old = Counter(_key(f) for f in _findings(before[fmt]))
            new = Counter(_key(f) for f in _findings(after[fmt]))
            found = [f"    only before: {k}" for k in sorted((old - new).elements())][:shown]
            found += [f"    only after:  {k}" for k in sorted((new - old).elements())][:shown]
            lines += found or ["    same findings (policy, resource, status); other fields differ"]
        else:
            diff = difflib.unified_diff(before[fmt].splitlines(), after[fmt].splitlines(), "before", "after",
                                        n=0, lineterm="")
            lines += [f"    {line}" for line in itertools.islice(diff, shown)]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m benchmarks.same_reports", description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the other tree (a git archive of a commit)")
    parser.add_argument("--after", type=Path, default=ROOT, help="this tree by default")
    parser.add_argument("--cases", help="comma-separated subset: the real repositories' names, example, tf-vpc, "
                                        f"{', '.join(NAMED)}, precommit")
    args = parser.parse_args(argv)
    wanted = set(args.cases.split(",")) if args.cases else None
    differing = 0
    with tempfile.TemporaryDirectory(prefix="specdrift-same-") as tmp:
        work = Path(tmp)
        neutral = work / "run"
        neutral.mkdir()
        for name, corpus in corpora(work, wanted):
            before = reports(args.before.resolve(), corpus, neutral)
            runs = [("", reports(args.after.resolve(), corpus, neutral))]
            if name in NAMED or name == "precommit":  # the second run reads the context's kept parses
                runs.append((" (warm cache)", reports(args.after.resolve(), corpus, neutral)))
            for label, after in runs:
                lines = differences(before, after)
                differing += bool(lines)
                print(f"{name}{label}: {'same' if not lines else 'DIFFERENT'}")
                for line in lines:
                    print(line)
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
