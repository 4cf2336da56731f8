"""The nightly run as one self-contained HTML page: the headline (new / fixed / open / accepted / unknown since
the previous run of the scope) first, a trend of findings and drift over the stored runs (inline SVG drawn here,
no chart library), the findings grouped by requirement and severity with their declared, live and required
values and the fix both ways, and the sources that failed and why.

Nothing is loaded from anywhere: the style and the few lines of script (filter, sort) are inline, and every
value goes through Jinja2's autoescape. Jinja2 is imported only when a page is rendered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path
from typing import Any

from scanner.history.records import Changes, FindingRow, FixRow, RunRecord
from scanner.model import Finding, Severity, Status
from scanner.regex import lazy_compile
from scanner.report import Report
from scanner.reporters import reporter

TEMPLATES = Path(__file__).with_name("templates")
DRIFT_POLICY = "SD-DRIFT"
_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
# how the rows of a group are listed: what changed overnight first, what was fixed last
_CHANGE_ORDER = {"new": 0, "open": 1, "unknown": 2, "accepted": 3, "fixed": 4}


# control characters (an escape sequence, a NUL) and lone surrogates in a value: shown as escapes, never written
_INVISIBLE = lazy_compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def visible(value: Any) -> Any:
    """Every value the template prints: text with its control characters spelled out (``\\x1b``)."""
    if isinstance(value, str) and _INVISIBLE.search(value):
        return _INVISIBLE.sub(lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100
                              else "\ufffd", value)
    return value


@dataclass(frozen=True)
class TrendPoint:
    """One stored run of the scope, as the trend chart plots it."""

    run: int
    started_at: str
    open: int
    drift: int
    accepted: int
    unknown: int


def point_of(run: RunRecord) -> TrendPoint:
    return TrendPoint(run.id or 0, run.started_at, sum(f.open for f in run.findings), len(run.drift),
                      sum(f.accepted for f in run.findings), sum(_unknown(f) for f in run.findings))


def entries(text: str) -> str:
    """A value cell: a settings map (stored as a JSON object) one ``name = value`` line per entry, so a column
    of a dozen settings reads down instead of wrapping one long object; anything else as it is."""
    if not (text.startswith("{") and text.endswith("}")):
        return text
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if not isinstance(data, dict) or not data:
        return text
    return "\n".join(f"{k} = {v if isinstance(v, str) else json.dumps(v)}" for k, v in data.items())


def trend_of(store: Any, run: RunRecord, limit: int = 30) -> list[TrendPoint]:
    """The last ``limit`` runs of ``run``'s scope in ``store`` (``run`` itself included), oldest first."""
    ids = sorted(i for i in store.run_ids(run.scope, limit) if run.id is None or i <= run.id)
    return [TrendPoint(*row) for row in store.run_counts(ids)] or [point_of(run)]


def _unknown(f: FindingRow) -> bool:
    return f.status in ("unknown", "error") and not f.accepted


@dataclass(frozen=True)
class Row:
    change: str  # new | open | fixed | accepted | unknown
    finding: FindingRow
    newly: bool = False  # accepted since the previous run

    @property
    def cloud_fixes(self) -> list[Any]:
        return [x for x in self.finding.fixes if x.direction == "cloud"]

    @property
    def iac_fixes(self) -> list[Any]:
        return [x for x in self.finding.fixes if x.direction != "cloud"]


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    severity: str  # the worst of its rows
    rows: tuple[Row, ...]

    def count(self, change: str) -> int:
        return sum(r.change == change for r in self.rows)


def rows_of(run: RunRecord, changes: Changes) -> list[Row]:
    """Every finding the page lists: open (new or not), fixed since the previous run, accepted, unknown."""
    newly = {f.fingerprint for f in changes.newly_accepted}
    rows = [Row("new", f) for f in changes.new] + [Row("open", f) for f in changes.still_open]
    rows += [Row("fixed", f) for f in changes.fixed]
    rows += [Row("accepted", f, f.fingerprint in newly) for f in run.findings if f.accepted]
    rows += [Row("unknown", f) for f in run.findings if _unknown(f)]
    return rows


def _group_key(f: FindingRow) -> tuple[str, str]:
    if f.requirements:
        return f.requirements[0], f.requirements[0]
    if f.policy == DRIFT_POLICY:
        return DRIFT_POLICY, "Drift: live state differs from the IaC"
    return f.policy, f.policy


def groups_of(rows: Iterable[Row]) -> list[Group]:
    """Rows grouped by requirement (drift on its own): groups with open findings first, the worst severity first;
    in a group, by change (new, open, unknown, accepted, fixed), then severity."""
    grouped: dict[str, tuple[str, list[Row]]] = {}
    for row in rows:
        key, title = _group_key(row.finding)
        grouped.setdefault(key, (title, []))[1].append(row)
    out = []
    for key, (title, members) in grouped.items():
        members.sort(key=lambda r: (_CHANGE_ORDER[r.change], _RANK.get(r.finding.severity, 5), r.finding.resource,
                                    r.finding.fact or ""))
        live = [r for r in members if r.change != "fixed"] or members
        worst = min((r.finding.severity for r in live), key=lambda s: _RANK.get(s, 5))
        out.append(Group(key, title, worst, tuple(members)))
    # what fails tonight first (new or open findings), then what only needs a look (unknown, accepted, fixed)
    out.sort(key=lambda g: (not (g.count("new") or g.count("open")), _RANK.get(g.severity, 5), -len(g.rows), g.key))
    return out


def headline(run: RunRecord, changes: Changes) -> dict[str, int]:
    """The night in figures: what the page (and the webhook) leads with."""
    return {"new": len(changes.new), "fixed": len(changes.fixed),
            "open": len(changes.new) + len(changes.still_open),
            "accepted": sum(f.accepted for f in run.findings), "newly_accepted": len(changes.newly_accepted),
            "unknown": sum(_unknown(f) for f in run.findings), "drift": len(run.drift),
            "sources_down": sum(not s.up for s in run.sources), "sources": len(run.sources)}


@dataclass(frozen=True)
class Chart:
    """The trend as SVG coordinates: one polyline per series and one point per run."""

    width: int
    height: int
    left: int
    bottom: int
    top: int
    series: tuple[tuple[str, str, str, tuple[tuple[float, float, TrendPoint, int], ...]], ...]
    ticks: tuple[tuple[float, int], ...]
    labels: tuple[tuple[float, str], ...]


_SERIES = (("open", "open findings", "#c62828"), ("drift", "drift items", "#1565c0"),
           ("accepted", "accepted", "#6d6d6d"))


def chart_of(points: Sequence[TrendPoint], width: int = 1150, height: int = 220) -> Chart:
    left, right, top, bottom = 40, 28, 12, 28
    peak = max([1] + [getattr(p, name) for p in points for name, _, _ in _SERIES])
    step = (width - left - right) / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return round(left + (i * step if len(points) > 1 else (width - left - right) / 2), 1)

    def y(value: int) -> float:
        return round(top + (height - top - bottom) * (1 - value / peak), 1)

    series = tuple((name, label, colour, tuple((x(i), y(getattr(p, name)), p, getattr(p, name))
                                               for i, p in enumerate(points)))
                   for name, label, colour in _SERIES)
    ticks = tuple((y(v), v) for v in sorted({0, peak // 2, peak}))
    every = max(1, len(points) // 8)  # at most about eight date labels under the axis
    labels = tuple((x(i), f"{p.started_at[5:10]} #{p.run}") for i, p in enumerate(points)
                   if i % every == 0 or i == len(points) - 1)
    return Chart(width, height, left, height - bottom, top, series, ticks, labels)


def render_run(run: RunRecord, changes: Changes, trend: Sequence[TrendPoint] = (), *, title: str = "",
               subtitle: str = "", history: bool = True) -> str:
    """The page of one stored run; ``trend``: the runs of its scope, oldest first (just this one if empty).

    ``history=False``: a run with nothing to compare with (``scan``/``drift --format html``): no new, fixed or
    trend, and ``subtitle`` says what was judged."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
                             finalize=visible)
    env.filters["entries"] = entries
    points = list(trend) or [point_of(run)]
    rows = rows_of(run, changes)
    cards = (("new", "new"), ("fixed", "fixed"), ("open", "open"), ("accepted", "accepted"), ("unknown", "unknown"),
             ("drift", "drift items"))
    return env.get_template("report.html.j2").render(
        title=title or f"specdrift nightly: {run.scope}", subtitle=subtitle, history=history, run=run,
        changes=changes, figures=headline(run, changes), cards=cards if history else cards[2:5],
        chart=chart_of(points), points=points, groups=groups_of(rows), rows=len(rows),
        down=[s for s in run.sources if not s.up],
        changes_order=[c for c in _CHANGE_ORDER if history or c not in ("new", "fixed")],
        severities=[s for s in _RANK if any(r.finding.severity == s for r in rows)])


def _finding_details(finding: Finding) -> dict[str, Any]:
    """A finding's values and fix as the page shows them: the IaC's value for a scan's finding, the live one for
    a live finding, both for drift (whose ``expected`` is the IaC's value)."""
    from scanner.history.capture import shown

    drift, live = finding.source == "drift", finding.source == "live"
    fix = finding.remediation
    return {"declared": shown(finding.expected) if drift else None if live else shown(finding.observed),
            "live": shown(finding.observed) if drift or live else None,
            "required": None if drift else shown(finding.expected),
            "fixes": (FixRow("cloud" if drift or live else "iac", fix.format, fix.description, fix.snippet),)
            if fix is not None and fix.snippet else ()}


@reporter("html", order=70)
class HtmlReporter:
    """``--format html``: a scan's or a drift run's findings as the nightly page, without the history."""

    def render(self, report: Report, fail_on: Severity, color: bool = False) -> str:
        from scanner.history.capture import finding_row, pack_version

        findings = [finding_row(f, _finding_details(f)) for f in report.findings if f.status != Status.COMPLIES]
        started = report.started if report.started.tzinfo else report.started.replace(tzinfo=timezone.utc)
        run = RunRecord("report", "", started.astimezone(timezone.utc).isoformat(timespec="seconds"),
                        round(report.duration_s, 3), report.version, pack_version(report.policies), findings)
        changes = Changes(None, (), (), tuple(f for f in findings if f.open), ())
        failing = report.failing(fail_on)
        verdict = (f"{len(failing)} finding(s) at or above {fail_on.value} fail the gate" if failing
                   else f"nothing at or above {fail_on.value} fails the gate")
        return render_run(run, changes, title=f"specdrift: {verdict}", history=False, subtitle=(
            f"{len(report.files)} files · {report.resources} resources · {len(report.policies)} policies"))
