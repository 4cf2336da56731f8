"""specdrift benchmarks, side by side with checkov when one is given.

    python3 -m benchmarks                                   # every case, specdrift only
    python3 -m benchmarks --checkov /work/venvs/checkov/bin/checkov
    python3 -m benchmarks --quick --cases precommit,tf-vpc  # a subset, fewer runs
    python3 -m benchmarks --real --checkov ...              # the real repositories (benchmarks/repos.py)

Each case runs each tool once untimed (warm-up: page cache, .pyc files, specdrift's policy
pack cache), then ``--runs`` timed runs; the table shows the median wall time and the peak
memory (largest over the runs) of the process tree, and specdrift's speed-up over checkov
on the same files. Checkov runs from its own virtual environment (the executable given),
with ``--skip-download`` so it does not wait on the network, and with the output format
that matches specdrift's (text for the interactive cases, JSON for the corpora). Slow
checkov cases run fewer times and stop at ``--checkov-timeout``; the table says so.

Corpora are generated (seeded, ``benchmarks/generate.py``) under ``--workdir`` (default: a
temporary directory, deleted afterwards unless ``--keep``; ``benchmarks/work/`` is
git-ignored for keeping them); nothing else is written to the repository except the
``--markdown`` file if asked for.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python3 benchmarks/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import generate, measure, repos

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "marketing-engine"
PRECOMMIT_FILES = ("gcp/main.tf", "kubernetes/deployment.yaml", "aws/cloudformation.yaml")
COLLECT_AWS = Path(__file__).resolve().parent / "collect_aws.py"
REPO_CACHE = Path(__file__).resolve().parent / "work"  # git-ignored; real checkouts are kept between runs


@dataclass
class Target:
    """What both tools scan: files (pre-commit style) or one directory."""

    paths: list[Path]
    as_files: bool = False
    output: str = "json"  # "text" for the interactive cases
    description: str = ""
    version: bool = False  # ``--version`` only: the start-up cost


@dataclass
class Case:
    name: str
    title: str
    prepare: Callable[[Path], Target]
    quick: bool = True  # part of --quick
    checkov_runs: int | None = None  # fewer runs for slow checkov cases (1: no warm-up either)
    runs: int | None = None  # fewer specdrift runs for the largest case
    framework: str | None = None  # checkov --framework for single-format corpora (makes checkov faster)


@dataclass
class Result:
    case: Case
    target: Target
    tool: str
    samples: list[measure.Sample] = field(default_factory=list)
    note: str = ""

    @property
    def median_s(self) -> float | None:
        good = [s.wall_s for s in self.samples if not s.timed_out]
        return statistics.median(good) if good else None

    @property
    def peak_mib(self) -> float | None:
        peaks = [s.tree_peak_kib if s.tree_peak_kib is not None else s.maxrss_kib for s in self.samples]
        return max(peaks) / 1024 if peaks else None

    @property
    def maxrss_mib(self) -> float | None:
        return max(s.maxrss_kib for s in self.samples) / 1024 if self.samples else None


def _precommit(work: Path) -> Target:
    dest = work / "precommit"
    dest.mkdir(parents=True, exist_ok=True)
    files = []
    for rel in PRECOMMIT_FILES:
        target = dest / rel.replace("/", "-")
        shutil.copyfile(EXAMPLE / rel, target)
        files.append(target)
    return Target(files, as_files=True, output="text", description="3 staged files: .tf, k8s YAML, CloudFormation")


def _example(_work: Path) -> Target:
    count = sum(1 for p in EXAMPLE.rglob("*") if p.is_file())
    return Target([EXAMPLE], output="text", description=f"examples/marketing-engine ({count} files)")


def _terraform(resources: int, files: int | None = None) -> Callable[[Path], Target]:
    def prepare(work: Path) -> Target:
        corpus = generate.terraform(work / f"tf-{resources}", resources, files)
        return Target([corpus.root], description=f"Terraform: {corpus.describe()}")
    return prepare


def _kubernetes(documents: int) -> Callable[[Path], Target]:
    def prepare(work: Path) -> Target:
        corpus = generate.kubernetes(work / f"k8s-{documents}", documents)
        return Target([corpus.root], description=f"Kubernetes: {corpus.describe()}")
    return prepare


def _monorepo(services: int) -> Callable[[Path], Target]:
    def prepare(work: Path) -> Target:
        corpus = generate.monorepo(work / f"mono-{services}", services)
        return Target([corpus.root], description=f"monorepo, {services} services: {corpus.describe()}")
    return prepare


def _version(_work: Path) -> Target:
    return Target([], output="text", description="`--version`", version=True)


def _real_files(wanted: tuple[tuple[str, str], ...], what: str) -> Callable[[Path], Target]:
    def prepare(_work: Path) -> Target:
        return Target(repos.files(wanted, REPO_CACHE), as_files=True, output="text", description=what)
    return prepare


def _real_repo(repo: repos.Repo) -> Callable[[Path], Target]:
    def prepare(_work: Path) -> Target:
        root = repos.materialize(repo, REPO_CACHE)
        return Target([root], description=f"{repo.source}@{repo.commit[:7]} ({repo.kind}, {repos.describe(root)})")
    return prepare


REAL_CASES = [
    Case("version", "(r) start-up", _version),
    Case("rw-small-tf", "(r) one small .tf",
         _real_files((repos.SMALL_TF,), "terraform-aws-vpc examples/simple/main.tf")),
    Case("rw-precommit", "(r) pre-commit, 3 real files",
         _real_files(repos.STAGED, "Aurora main.tf, a postgres Dockerfile, a Deployment")),
    # checkov takes from half a minute to many minutes on a whole repository: one run each.
    *(Case(repo.name, f"(r) {repo.source}", _real_repo(repo), checkov_runs=1, framework=repo.framework)
      for repo in repos.REPOS),
]

CASES = [
    Case("precommit", "(a) pre-commit, 3 files", _precommit),
    Case("example", "(b) examples/marketing-engine", _example),
    Case("tf-vpc", "(c) Terraform, terraform-aws-vpc size", _terraform(635, 77), framework="terraform"),
    Case("tf-1k", "(c) Terraform 1k resources", _terraform(1000), checkov_runs=3, framework="terraform"),
    Case("tf-10k", "(c) Terraform 10k resources", _terraform(10_000), quick=False, checkov_runs=1,
         framework="terraform"),
    Case("tf-50k", "(c) Terraform 50k resources", _terraform(50_000), quick=False, checkov_runs=1, runs=3,
         framework="terraform"),
    Case("k8s-5k", "(d) Kubernetes 5k documents", _kubernetes(5000), checkov_runs=3, framework="kubernetes"),
    Case("monorepo", "(e) mixed monorepo", _monorepo(40), checkov_runs=3),
    *REAL_CASES,
]


def specdrift_command(target: Target, specdrift: Sequence[str]) -> list[str]:
    if target.version:
        return [*specdrift, "--version"]
    return [*specdrift, "scan", *map(str, target.paths), "--format", target.output]


def checkov_command(target: Target, checkov: str, framework: str | None = None) -> list[str]:
    if target.version:
        return [checkov, "--version"]
    flag = "-f" if target.as_files else "-d"
    command = [checkov]
    for path in target.paths:
        command += [flag, str(path)]
    if framework:
        command += ["--framework", framework]
    return [*command, "-o", "cli" if target.output == "text" else "json", "--skip-download"]


def _env(cache: Path) -> dict[str, str]:
    # Both tools run as on a user's machine: PYTHONDONTWRITEBYTECODE (set on some development machines) would keep
    # Python from writing what it compiles at a first run (.pyc files, specdrift's scanner/bytecode.py).
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")}
    env.update({"NO_COLOR": "1", "SPECDRIFT_CACHE_DIR": str(cache)})
    return env


def measure_tool(result: Result, command: list[str], runs: int, env: dict[str, str],
                 timeout_s: float | None) -> None:
    """``runs`` timed runs after one untimed warm-up (none when a single run is all a slow case gets)."""
    if runs > 1:
        warm = measure.run(command, cwd=ROOT, env=env, timeout_s=timeout_s)
        if warm.timed_out:
            result.samples = [warm]
            result.note = f"> {timeout_s:.0f} s (stopped)"
            return
    for _ in range(runs):
        sample = measure.run(command, cwd=ROOT, env=env, timeout_s=timeout_s)
        result.samples.append(sample)
        if sample.timed_out:
            result.note = f"> {timeout_s:.0f} s (stopped)"
            return
        if sample.returncode not in (0, 1):
            result.note = f"exit {sample.returncode}"


def _collect_aws_rows(sizes: Sequence[int], runs: int) -> list[dict[str, Any]]:
    """Case (f): live collection from moto, by ``benchmarks/collect_aws.py`` when it exists.

    That module (branch aws-drift) provides ``benchmark(resources: int, runs: int) -> dict``
    with at least ``wall_s`` (median) and optionally ``peak_mib`` and ``note``.
    """
    if not COLLECT_AWS.exists():
        return [{"title": f"(f) live AWS (moto) {n} resources", "note": "skipped: benchmarks/collect_aws.py absent"}
                for n in sizes]
    spec = importlib.util.spec_from_file_location("benchmarks_collect_aws", COLLECT_AWS)
    if spec is None or spec.loader is None:
        return [{"title": "(f) live AWS (moto)", "note": "skipped: collect_aws.py not importable"}]
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    bench = getattr(module, "benchmark", None)
    if bench is None:
        return [{"title": "(f) live AWS (moto)", "note": "skipped: collect_aws.py has no benchmark()"}]
    rows = []
    for n in sizes:
        try:
            outcome = dict(bench(n, runs))
        except Exception as exc:  # a missing moto server is a note, not a crashed benchmark
            outcome = {"note": f"skipped: {type(exc).__name__}: {exc}"}
        rows.append({"title": f"(f) live AWS (moto) {n} resources", **outcome})
    return rows


def _collect_cloud_rows(provider: str, sizes: Sequence[int], runs: int) -> list[dict[str, Any]]:
    """Cases ``gcp`` and ``azure``: live collection from the collector tests' fakes (benchmarks/collect_cloud.py)."""
    from benchmarks import collect_cloud

    rows = []
    for n in sizes:
        try:
            outcome = collect_cloud.benchmark(provider, n, runs)
        except Exception as exc:  # a missing SDK extra is a note, not a crashed benchmark
            outcome = {"note": f"skipped: {type(exc).__name__}: {exc}"}
        name = {"gcp": "GCP", "azure": "Azure"}[provider]
        rows.append({"title": f"(f) live {name} (test fake) {n} resources", **outcome})
    return rows


def install(venv: Path = REPO_CACHE / "venv") -> Path:
    """specdrift installed from this checkout into its own virtual environment, as a user would install it.

    Checkov is measured from its own virtual environment too; running specdrift from the development
    interpreter instead would charge it for an editable install's import finder and any ``.pth`` files
    of that interpreter's site-packages (each run pays them at start-up). The environment is made once;
    the package itself is reinstalled on every benchmark run, so the figures are this checkout's.
    """
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # The dependencies as pyproject.toml has them now (pip keeps those already satisfied), then this tree.
    subprocess.run([str(python), "-m", "pip", "install", "-q", f"{ROOT}[kubernetes]"], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(ROOT)],
                   check=True)
    # pip writes .pyc files for what it installs; the (git-ignored) build folder it leaves is removed.
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    return venv / "bin" / "specdrift"


def machine() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "n/a"
    return {"nproc": str(os.cpu_count()), "cpu": model, "python": platform.python_version(),
            "platform": platform.platform(), "load average at start": load}


def _fmt_s(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _fmt_mib(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def table(results: list[tuple[Result, Result | None]], aws_rows: list[dict[str, Any]]) -> str:
    lines = [
        "| case | input | specdrift s | specdrift MiB | checkov s | checkov MiB | speed-up | runs |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for ours, theirs in results:
        ratio = "-"
        if theirs is not None and ours.median_s:
            if theirs.median_s:
                ratio = f"{theirs.median_s / ours.median_s:.1f}x"
            elif theirs.note.startswith(">") and theirs.samples:
                ratio = f"> {theirs.samples[0].wall_s / ours.median_s:.0f}x"
        checkov_s = (theirs.note if theirs and theirs.note.startswith(">") else _fmt_s(theirs.median_s)) \
            if theirs else "-"
        runs = f"{len(ours.samples)}" + (f" / {len(theirs.samples)}" if theirs else "")
        notes = "; ".join(n for n in (ours.note and f"specdrift {ours.note}",
                                      theirs and theirs.note and not theirs.note.startswith(">")
                                      and f"checkov {theirs.note}") if n)
        lines.append(f"| {ours.case.title} | {ours.target.description} | {_fmt_s(ours.median_s)} | "
                     f"{_fmt_mib(ours.peak_mib)} | {checkov_s} | {_fmt_mib(theirs.peak_mib if theirs else None)} | "
                     f"{ratio} | {runs}{' (' + notes + ')' if notes else ''} |")
    for row in aws_rows:
        lines.append(f"| {row['title']} | live collection | {_fmt_s(row.get('wall_s'))} | "
                     f"{_fmt_mib(row.get('peak_mib'))} | - | - | - | {row.get('note', '')} |")
    return "\n".join(lines)


def scaling(results: list[tuple[Result, Result | None]]) -> str:
    """How time and memory grow with the Terraform corpus (per 1k resources, relative to the smallest)."""
    sizes = {"tf-1k": 1000, "tf-10k": 10_000, "tf-50k": 50_000}
    rows = [(sizes[r.case.name], r) for r, _ in results if r.case.name in sizes and r.median_s]
    if len(rows) < 2:
        return ""
    base_n, base = rows[0]
    lines = ["| resources | wall s | s per 1k resources | peak MiB | time growth / size growth |",
             "|---:|---:|---:|---:|---:|"]
    for n, r in rows:
        assert r.median_s is not None and base.median_s is not None
        growth = (r.median_s / base.median_s) / (n / base_n)
        lines.append(f"| {n} | {_fmt_s(r.median_s)} | {r.median_s / n * 1000:.3f} | {_fmt_mib(r.peak_mib)} | "
                     f"{growth:.2f} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--checkov", metavar="PATH", help="checkov executable (in its own virtualenv)")
    parser.add_argument("--quick", action="store_true", help="the smaller cases only, fewer runs")
    parser.add_argument("--real", action="store_true", help="the real repositories only (cases marked (r))")
    parser.add_argument("--runs", type=int, help="timed runs per case (default 5, --quick 3)")
    parser.add_argument("--cases",
                        help=f"comma-separated subset of: {', '.join(c.name for c in CASES)}, aws, gcp, azure")
    parser.add_argument("--checkov-timeout", type=float, default=900.0, metavar="S",
                        help="stop a checkov run after this many seconds (default 900)")
    parser.add_argument("--workdir", type=Path, help="where corpora are generated (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the generated corpora")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write the tables here")
    parser.add_argument("--specdrift", default=None,
                        help="how to run specdrift (default: installed from this checkout into its own virtual "
                             "environment, benchmarks/work/venv, as a user installs it; "
                             f"'{sys.executable} -m scanner' runs the checkout in this interpreter)")
    args = parser.parse_args(argv)

    runs = args.runs or (3 if args.quick else 5)
    wanted = set(args.cases.split(",")) if args.cases else None
    if args.real:
        wanted = (wanted or set()) | {case.name for case in REAL_CASES}
    cases = [c for c in CASES if (wanted is None or c.name in wanted) and (wanted or not args.quick or c.quick)]
    if args.checkov and not os.access(args.checkov, os.X_OK):
        parser.error(f"checkov executable not found: {args.checkov}")
    # As a normal install has them: pip writes .pyc files, while a checkout run with
    # PYTHONDONTWRITEBYTECODE (set on some machines) would compile every module on every run.
    compileall.compile_dir(ROOT / "scanner", quiet=1)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="specdrift-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    env = _env(work / "cache")
    specdrift = args.specdrift.split() if args.specdrift else [str(install())]
    info = machine()
    print("machine: " + "; ".join(f"{k} {v}" for k, v in info.items()), file=sys.stderr)
    results: list[tuple[Result, Result | None]] = []
    skipped: list[str] = []
    try:
        for case in cases:
            try:
                target = case.prepare(work)
            except repos.Absent as exc:
                print(f"== {case.name}: skipped: {exc}", file=sys.stderr)
                skipped.append(f"{case.title}: skipped: {exc}")
                continue
            print(f"== {case.name}: {target.description}", file=sys.stderr)
            ours = Result(case, target, "specdrift")
            measure_tool(ours, specdrift_command(target, specdrift), min(runs, case.runs or runs), env, None)
            print(f"   specdrift {_fmt_s(ours.median_s)} s, {_fmt_mib(ours.peak_mib)} MiB {ours.note}",
                  file=sys.stderr)
            theirs = None
            if args.checkov:
                theirs = Result(case, target, "checkov")
                checkov_runs = min(runs, case.checkov_runs or runs)
                measure_tool(theirs, checkov_command(target, args.checkov, case.framework), checkov_runs, env,
                             args.checkov_timeout)
                print(f"   checkov   {_fmt_s(theirs.median_s)} s, {_fmt_mib(theirs.peak_mib)} MiB {theirs.note}",
                      file=sys.stderr)
            results.append((ours, theirs))
        aws_rows = _collect_aws_rows((1000, 5000), runs) if wanted is None or "aws" in wanted else []
        for provider in ("gcp", "azure"):
            if wanted is None or provider in wanted:
                aws_rows += _collect_cloud_rows(provider, (1000, 5000), runs)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    report = [f"Machine: {info['nproc']} CPUs ({info['cpu']}), Python {info['python']}, {info['platform']}; "
              f"load average at start {info['load average at start']}.",
              f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Wall time: median of the timed runs; "
              "memory: peak PSS of the process tree (largest over the runs). checkov runs with `--skip-download`, "
              "and with `--framework terraform` / `kubernetes` on the single-format corpora.", "",
              table(results, aws_rows)]
    report += [f"- {line}" for line in skipped]
    growth = scaling(results)
    if growth:
        report += ["", "Scaling (Terraform corpus):", "", growth]
    text = "\n".join(report) + "\n"
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
