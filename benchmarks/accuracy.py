"""specdrift's accuracy on the real-world suite (``tests/realworld/``): recall, false alarms, decided share.

    python3 -m benchmarks.accuracy                 # the table, per format, per requirement group, overall
    python3 -m benchmarks.accuracy --verbose       # ... and every mismatch: the label, what was found, why
    python3 -m benchmarks.accuracy --json          # machine output
    python3 -m benchmarks.accuracy --markdown      # the figures as docs/accuracy.md shows them
    python3 -m benchmarks.accuracy --cases 'cloudposse-*'

Each case's pinned files are materialized from the snapshot mirror (``tests/realworld/corpus.py``) and
scanned in-process, one case at a time; a scan that raises is a crash (counted; the run goes on, and the
case's labels count as not decided). Findings are matched to labels by (repository path relative to the
case root, resource address, policy ID); several findings of one policy on one resource combine as the
policy does (any violates -> violates, else any unknown/error -> unknown, else complies); no finding at
all is "none" (not decided, and a miss for a labelled violation). Findings nobody labelled are not counted.

Figures (each over the labels of its bucket; "-" when the bucket has none of the labels it needs):
- recall: labelled violations reported as violates;
- false alarms: labelled compliant verdicts reported as violates;
- decided: labelled violations and compliant verdicts reported as violates or complies, right or wrong
  (a label of ``unknown`` is rightly undecided, so it is not in this share; see ``unknown kept``);
- unknown kept: labels of ``unknown`` reported as unknown (an ``unknown`` reported as complies is a false pass);
- agreement: labels reported exactly as labelled;
- crashes: cases whose scan raised.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import sys
import time
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python3 benchmarks/accuracy.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.realworld.corpus import (
    CACHE_DIR,
    CASES_DIR,
    Case,
    CaseError,
    MissingSource,
    Verdict,
    load_cases,
    materialize,
    missing_sources,
)

NONE = "none"  # no finding of the policy on the resource
CRASH = "crash"  # the case's scan raised


@dataclass(frozen=True)
class Found:
    """One finding as matching needs it (a scanner Finding, reduced; tests build these directly)."""

    file: str  # repository path, relative to the case root
    resource: str
    policy: str
    status: str
    message: str = ""


@dataclass
class Outcome:
    """One label and what the scan said of it."""

    case: str
    format: str
    verdict: Verdict
    got: str  # violates | complies | unknown | none | crash
    messages: list[str] = field(default_factory=list)

    @property
    def group(self) -> str:
        return requirement_group(self.verdict.policy)

    @property
    def agrees(self) -> bool:
        return self.got == self.verdict.expected


def requirement_group(policy_id: str) -> str:
    """``ME-NET-02-PRIVATE`` -> ``ME-NET``."""
    return "-".join(policy_id.split("-")[:2])


def combine(statuses: Iterable[str]) -> str:
    """Several findings of one policy on one resource, as the policy combines them."""
    seen = set(statuses)
    if not seen:
        return NONE
    if "violates" in seen:
        return "violates"
    if seen & {"unknown", "error"}:
        return "unknown"
    return "complies"


def match(case: str, verdicts: Sequence[Verdict], found: Iterable[Found], formats: dict[str, str],
          ) -> list[Outcome]:
    """Each label with the combined status of the findings on its (file, resource, policy)."""
    by_key: dict[tuple[str, str, str], list[Found]] = {}
    for item in found:
        by_key.setdefault((item.file, item.resource, item.policy), []).append(item)
    outcomes = []
    for verdict in verdicts:
        hits = by_key.get(verdict.key, [])
        outcomes.append(Outcome(case, formats.get(verdict.file, "?"), verdict, combine(h.status for h in hits),
                                [f"{h.status}: {h.message}" for h in hits]))
    return outcomes


def crashed(case: str, verdicts: Sequence[Verdict], formats: dict[str, str], error: str) -> list[Outcome]:
    return [Outcome(case, formats.get(v.file, "?"), v, CRASH, [error]) for v in verdicts]


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class Figures:
    verdicts: int = 0
    violations: int = 0
    caught: int = 0
    compliant: int = 0
    false_alarms: int = 0
    decidable: int = 0
    decided: int = 0
    unknowns: int = 0
    unknown_kept: int = 0
    unknown_passed: int = 0
    agreed: int = 0
    cases: set[str] = field(default_factory=set)
    crashed: set[str] = field(default_factory=set)  # a crash counts once per case, in every bucket it touches

    def add(self, outcome: Outcome) -> None:
        expected, got = outcome.verdict.expected, outcome.got
        self.cases.add(outcome.case)
        if got == CRASH:
            self.crashed.add(outcome.case)
        self.verdicts += 1
        self.agreed += got == expected
        if expected == "violates":
            self.violations += 1
            self.caught += got == "violates"
        elif expected == "complies":
            self.compliant += 1
            self.false_alarms += got == "violates"
        else:
            self.unknowns += 1
            self.unknown_kept += got == "unknown"
            self.unknown_passed += got == "complies"
        if expected != "unknown":
            self.decidable += 1
            self.decided += got in ("violates", "complies")

    def rates(self) -> dict[str, Any]:
        counts = {k: v for k, v in asdict(self).items() if isinstance(v, int)}
        return {
            "verdicts": self.verdicts,
            "cases": len(self.cases),
            "recall": _ratio(self.caught, self.violations),
            "false_alarms": _ratio(self.false_alarms, self.compliant),
            "decided": _ratio(self.decided, self.decidable),
            "unknown_kept": _ratio(self.unknown_kept, self.unknowns),
            "agreement": _ratio(self.agreed, self.verdicts),
            "crashes": len(self.crashed),
            "counts": counts,
        }


def summarize(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Figures overall, per format and per requirement group."""
    overall = Figures()
    by_format: dict[str, Figures] = {}
    by_group: dict[str, Figures] = {}
    for outcome in outcomes:
        overall.add(outcome)
        by_format.setdefault(outcome.format, Figures()).add(outcome)
        by_group.setdefault(outcome.group, Figures()).add(outcome)
    return {"overall": overall.rates(),
            "by_format": {k: v.rates() for k, v in sorted(by_format.items())},
            "by_group": {k: v.rates() for k, v in sorted(by_group.items())}}


def _file_formats(root: Path, files: Iterable[str]) -> dict[str, str]:
    """The format specdrift's loaders would give each labelled file (detected, not loaded: works after a crash)."""
    from scanner.loaders import SNIFF_CHARS, loader_for

    formats = {}
    for name in files:
        path = root / name
        try:
            head = path.read_text(encoding="utf-8", errors="replace")[:SNIFF_CHARS]
        except OSError:
            formats[name] = "?"
            continue
        loader = loader_for(path, head)
        # A variables file belongs to its Terraform configuration, whichever loader reads its text.
        terraform_vars = name.endswith((".tfvars", ".tfvars.json"))
        formats[name] = "terraform" if terraform_vars else loader.name if loader else "?"
    return formats


def _relative(file: str | None, root: Path, cwd: Path) -> str | None:
    if not file:
        return None
    path = Path(file)
    if not path.is_absolute():
        path = cwd / path
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return None


def scan_case(case: Case, root: Path) -> list[Found]:
    """Scan the materialized case in-process; exceptions propagate (the caller counts a crash)."""
    from scanner.scan import ScanOptions, scan

    cwd = Path.cwd()
    report = scan(ScanOptions(paths=[str(root)], jobs=1))
    found = []
    for finding in report.findings:
        rel = _relative(finding.file, root.resolve(), cwd)
        if rel is not None:
            found.append(Found(rel, finding.resource_address, finding.policy_id, finding.status.value,
                               finding.message))
    return found


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)
    crashes: dict[str, str] = field(default_factory=dict)
    cases: int = 0
    seconds: float = 0.0


def run(patterns: Sequence[str] = (), mirror: Path | None = None, cache: Path = CACHE_DIR,
        progress: bool = False, cases_dir: Path = CASES_DIR) -> Run:
    """Materialize and scan every selected case; never raises for a case's own failure."""
    t0 = time.perf_counter()
    cases, invalid = load_cases(cases_dir)
    if patterns:
        cases = [c for c in cases if any(fnmatch.fnmatchcase(c.name, p) for p in patterns)]
    result = Run(invalid=invalid)
    result.missing = missing_sources(cases, mirror)
    for case in cases:
        if case.source in result.missing:
            continue
        try:
            root = materialize(case, mirror, cache)
        except (CaseError, MissingSource) as exc:
            result.invalid.append(str(exc))
            continue
        result.cases += 1
        formats = _file_formats(root, {v.file for v in case.verdicts})
        if progress:
            print(f"  {case.name} ...", file=sys.stderr, flush=True)
        try:
            found = scan_case(case, root)
        except Exception as exc:  # a crash is a measured outcome, not the end of the run
            error = f"{type(exc).__name__}: {exc}"
            result.crashes[case.name] = error + "\n" + "".join(traceback.format_exc(limit=-4))
            result.outcomes.extend(crashed(case.name, case.verdicts, formats, error))
            continue
        result.outcomes.extend(match(case.name, case.verdicts, found, formats))
    result.seconds = time.perf_counter() - t0
    return result


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _table(title: str, rows: dict[str, dict[str, Any]]) -> list[str]:
    head = f"{title:<16} {'cases':>5} {'labels':>6} {'recall':>7} {'f.alarm':>7} {'decided':>7} " \
           f"{'unk.kept':>8} {'agree':>6} {'crashes':>7}"
    lines = [head, "-" * len(head)]
    for name, r in rows.items():
        c = r["counts"]
        lines.append(f"{name:<16} {r['cases']:>5} {r['verdicts']:>6} {_fmt(r['recall']):>7} "
                     f"{_fmt(r['false_alarms']):>7} {_fmt(r['decided']):>7} {_fmt(r['unknown_kept']):>8} "
                     f"{_fmt(r['agreement']):>6} {r['crashes']:>7}"
                     f"   ({c['caught']}/{c['violations']} v, {c['false_alarms']}/{c['compliant']} c, "
                     f"{c['unknown_kept']}/{c['unknowns']} u)")
    return lines


def report_text(result: Run, verbose: bool = False) -> str:
    figures = summarize(result.outcomes)
    lines = [f"real-world suite: {result.cases} cases scanned, {len(result.outcomes)} labelled verdicts, "
             f"{result.seconds:.1f}s", ""]
    lines += [*_table("format", figures["by_format"]), "", *_table("group", figures["by_group"]), "",
              *_table("overall", {"all": figures["overall"]})]
    if result.crashes:
        lines += ["", "crashes:"] + [f"  {name}: {error.splitlines()[0]}" for name, error in result.crashes.items()]
    if verbose:
        mismatches = [o for o in result.outcomes if not o.agrees]
        lines += ["", f"mismatches ({len(mismatches)}):"]
        for o in mismatches:
            v = o.verdict
            lines.append(f"  {o.case}: {v.file} {v.resource} {v.policy}: label {v.expected}, got {o.got}")
            lines.append(f"      label: {v.reason}")
            for message in o.messages or ["(no finding of this policy on this resource)"]:
                lines.append(f"      found: {message}")
        if result.crashes:
            lines += ["", "crash tracebacks:"]
            for name, error in result.crashes.items():
                lines += [f"  {name}:"] + [f"    {line}" for line in error.splitlines()]
    if result.missing:
        lines += ["", "sources missing from the mirror (their cases were not scanned; figures are partial):"]
        lines += [f"  {why}" for why in result.missing.values()]
    if result.invalid:
        lines += ["", "invalid cases (not scanned):"] + [f"  {error}" for error in result.invalid]
    return "\n".join(lines)


def _markdown_table(title: str, rows: dict[str, dict[str, Any]]) -> list[str]:
    def cell(rate: float | None, part: int, whole: int) -> str:
        return f"{_fmt(rate)} ({part}/{whole})"

    lines = [f"| {title} | cases | labels | recall | false alarms | decided | unknown kept | agreement | crashes |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in rows.items():
        c = r["counts"]
        lines.append(f"| {name} | {r['cases']} | {r['verdicts']} | {cell(r['recall'], c['caught'], c['violations'])} "
                     f"| {cell(r['false_alarms'], c['false_alarms'], c['compliant'])} "
                     f"| {cell(r['decided'], c['decided'], c['decidable'])} "
                     f"| {cell(r['unknown_kept'], c['unknown_kept'], c['unknowns'])} "
                     f"| {_fmt(r['agreement'])} | {r['crashes']} |")
    return lines


def report_markdown(result: Run) -> str:
    """The figures as docs/accuracy.md shows them (overall, per format, per requirement group)."""
    figures = summarize(result.outcomes)
    files = len({(o.case, o.verdict.file) for o in result.outcomes})
    lines = [f"{result.cases} cases, {files} labelled files, {len(result.outcomes)} labelled verdicts, "
             f"{result.seconds:.1f} s for the whole suite.", "",
             *_markdown_table("overall", {"all": figures["overall"]}), "", "### Per format", "",
             *_markdown_table("format", figures["by_format"]), "", "### Per requirement group", "",
             *_markdown_table("group", figures["by_group"])]
    if result.crashes:
        lines += ["", "Crashes:", ""] + [f"- {name}: {error.splitlines()[0]}" for name, error in result.crashes.items()]
    return "\n".join(lines)


def report_json(result: Run) -> dict[str, Any]:
    return {
        **summarize(result.outcomes),
        "cases": result.cases,
        "seconds": round(result.seconds, 2),
        "crashes": result.crashes,
        "missing": result.missing,
        "invalid": result.invalid,
        "mismatches": [{"case": o.case, "format": o.format, **asdict(o.verdict), "got": o.got,
                        "found": o.messages} for o in result.outcomes if not o.agrees],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m benchmarks.accuracy", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="machine output (JSON) on stdout")
    parser.add_argument("--markdown", action="store_true", help="the figures as Markdown tables (docs/accuracy.md)")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every mismatch with its reasons")
    parser.add_argument("--cases", action="append", default=[], metavar="GLOB",
                        help="only the cases whose name matches (repeatable)")
    parser.add_argument("--mirror", type=Path, default=None,
                        help="snapshot mirror (default: $SPECDRIFT_MIRROR or /work/.mirror)")
    args = parser.parse_args(argv)
    result = run(args.cases, args.mirror, progress=args.verbose and not args.json)
    if args.json:
        print(json.dumps(report_json(result), indent=1))
    elif args.markdown:
        print(report_markdown(result))
    else:
        print(report_text(result, args.verbose))
    if result.missing and not args.json:
        print("\nget the missing sources with: " + "; ".join(f"fetch github:{s}" for s in result.missing),
              file=sys.stderr)
    return 1 if result.invalid else 0


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    raise SystemExit(main())
