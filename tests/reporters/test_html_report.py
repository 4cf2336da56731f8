"""The nightly HTML report: one self-contained page (nothing loaded from anywhere), every value escaped, the
headline figures of the run, a trend point per stored run, findings grouped by requirement with their values
and fixes, and the sources that failed."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from scanner.history import FindingRow, RunRecord, SourceRow, changes_between, open_store
from scanner.history.records import DriftRow, FixRow
from scanner.reporters.html import point_of, render_run, trend_of

HOSTILE = "<script>alert(1)</script>"


class Page(HTMLParser):
    """The tags and attributes of a page, the text of its scripts and styles."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._in: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.scripts.append(data)
        elif self._in == "style":
            self.styles.append(data)

    def all(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def finding(fp: str, *, status: str = "violates", severity: str = "high", accepted: bool = False,
            resource: str = "aws_db_instance.main", requirements: tuple[str, ...] = ("ME-DB-01",),
            policy: str = "ME-DB-01", **extra: object) -> FindingRow:
    return FindingRow(fp, policy, requirements, severity, status, resource, f"message {fp}", "backup_retention_days",
                      accepted, False, "team-db" if accepted else None, **extra)  # type: ignore[arg-type]


def record(*findings: FindingRow, sources: tuple[SourceRow, ...] = (SourceRow("aws", True),),
           drift: int = 0, when: str = "2026-12-06T02:00:00+00:00", scope: str = "prod") -> RunRecord:
    return RunRecord("nightly", scope, when, 3.0, "0.1.0", "abc", list(findings), list(sources),
                     [DriftRow("changed", "aws_db_instance", f"aws_db_instance.d{i}", "aws") for i in range(drift)])


def test_hostile_values_are_escaped_and_the_page_loads_nothing_from_anywhere(tmp_path: Path) -> None:
    quoted = 'retention "7" days'
    bad = finding("x", resource=HOSTILE, declared=quoted, live=HOSTILE, required='">< &',
                  fixes=(FixRow("cloud", "aws-cli", HOSTILE, f"aws rds modify --name '{HOSTILE}'"),
                         FixRow("iac", "terraform", "accept", f'name = "{HOSTILE}"')))
    run = record(bad, finding("y", policy=HOSTILE, requirements=(HOSTILE,)),
                 sources=(SourceRow(HOSTILE, False, f'AccessDenied: "{HOSTILE}" https://evil.example/x'),),
                 scope=f'prod"{HOSTILE}')
    run.id = 1
    page_text = render_run(run, changes_between(run, None))
    assert HOSTILE not in page_text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page_text
    assert quoted not in page_text and "retention &#34;7&#34; days" in page_text
    page = Page(page_text)
    # exactly one script, ours, inline; no element that fetches anything, no CSS that does
    assert len(page.all("script")) == 1 and all("src" not in a for a in page.all("script"))
    for tag in ("link", "img", "iframe", "object", "embed", "audio", "video", "source", "base", "form"):
        assert not page.all(tag), tag
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert name not in ("src", "href", "action", "srcset") or not value, (tag, name, value)
            assert not (value or "").lstrip().lower().startswith(("http:", "https:", "//", "javascript:")), (tag, value)
    css = "".join(page.styles)
    assert "url(" not in css and "@import" not in css and "@font-face" not in css
    # an address in a value is text, never a link or a resource
    assert all(m.group(0).startswith("https://evil.example") for m in re.finditer(r"https?://\S+", page_text))
    assert "Content-Security-Policy" in page_text and "default-src 'none'" in page_text
    assert len("".join(page.scripts).encode()) < 4096  # a few KB of inline script at most


def test_the_headline_the_groups_and_the_sources_that_failed(tmp_path: Path) -> None:
    before = record(finding("kept"), finding("gone"), finding("to-accept"),
                    finding("drifted", policy="SD-DRIFT", requirements=()))
    before.id = 1
    after = record(finding("kept"), finding("fresh", severity="critical", requirements=("ME-SEC-01",)),
                   finding("to-accept", accepted=True), finding("blind", status="unknown"),
                   finding("drifted", policy="SD-DRIFT", requirements=(), declared="7", live="1",
                           fixes=(FixRow("cloud", "aws-cli", "set it live", "aws rds modify-db-instance --x 7"),
                                  FixRow("iac", "terraform", "or accept the live value", "retention = 1"))),
                   sources=(SourceRow("aws", True), SourceRow("gcp", False, "PermissionDenied: compute.list")),
                   drift=2, when="2026-12-07T02:00:00+00:00")
    after.id = 2
    text = render_run(after, changes_between(after, before))
    page = Page(text)
    found = dict(re.findall(r'data-figure="(\w+)"><b>(\d+)</b>', text))
    assert found == {"new": "1", "fixed": "1", "open": "3", "accepted": "1", "unknown": "1", "drift": "2"}
    # the verdict comes before any table: the night in one line
    assert text.index('id="verdict"') < text.index('id="trend"') < text.index("<table")
    assert re.search(r"<b>1 new</b> finding since the last run,\s+1 fixed, 3 open", text)
    assert "1 of 2 sources failed" in text and "PermissionDenied: compute.list" in text
    # groups: the critical requirement first, drift on its own with its values and both fixes
    groups = [a["data-group"] for a in page.all("details") if a.get("data-group")]
    assert groups[0] == "ME-SEC-01" and set(groups) == {"ME-SEC-01", "ME-DB-01", "SD-DRIFT"}
    changes = [a["data-change"] for a in page.all("tr") if a.get("data-change") in ("new", "open", "fixed",
                                                                                    "accepted", "unknown")]
    assert sorted(changes) == ["accepted", "fixed", "new", "open", "open", "unknown"]
    assert "aws rds modify-db-instance --x 7" in text and "retention = 1" in text
    assert "cloud (aws-cli)" in text and "IaC (terraform)" in text


def test_the_trend_has_one_point_per_stored_run_of_the_scope(tmp_path: Path) -> None:
    with open_store(tmp_path / "h.db") as store:
        for day, n in ((1, 3), (2, 5), (3, 2)):
            store.save(record(*[finding(f"f{i}") for i in range(n)], drift=day,
                              when=f"2026-12-0{day}T02:00:00+00:00"))
        store.save(record(finding("other"), scope="staging"))
        last = record(finding("f0"), drift=1, when="2026-12-04T02:00:00+00:00")
        store.save(last)
        store.save(record(finding("acc", accepted=True), finding("unk", status="unknown"), scope="counts"))
        points = trend_of(store, last)
        changes = store.changes(last)
        # counted by the database as the stored runs count themselves
        assert points == [point_of(store.run(i)) for i in (1, 2, 3, 5)]
        assert trend_of(store, store.run(6)) == [point_of(store.run(6))]
        six = trend_of(store, store.run(6))[0]
        assert (six.open, six.drift, six.accepted, six.unknown) == (0, 0, 1, 1)
    assert [(p.run, p.open, p.drift) for p in points] == [(1, 3, 1), (2, 5, 2), (3, 2, 3), (5, 1, 1)]
    page = Page(render_run(last, changes, points))
    plotted = {series: [(a["data-run"], a["data-value"]) for a in page.all("circle", **{"data-series": series})]
               for series in ("open", "drift", "accepted")}
    assert plotted == {"open": [("1", "3"), ("2", "5"), ("3", "2"), ("5", "1")],
                       "drift": [("1", "1"), ("2", "2"), ("3", "3"), ("5", "1")],
                       "accepted": [("1", "0"), ("2", "0"), ("3", "0"), ("5", "0")]}
    # the highest point is the top of the chart, zero its bottom
    ys = {a["data-value"]: float(a["cy"] or 0) for a in page.all("circle", **{"data-series": "open"})}
    assert ys["5"] < ys["3"] < ys["1"]
    assert len(page.all("polyline")) == 3


def test_control_characters_in_values_are_spelled_out() -> None:
    value = "image:\x07tag\x1b[31m\x00\ud800"
    run = record(finding("c", resource=f"x/{value}", live=value), sources=(SourceRow("aws", False, value),))
    run.id = 1
    page = render_run(run, changes_between(run, None))
    page.encode("utf-8")  # no lone surrogate left
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", page)
    assert "image:\\x07tag\\x1b[31m\\x00\ufffd" in page


def test_a_settings_map_cell_reads_one_setting_per_line() -> None:
    from scanner.reporters.html import entries

    assert entries('{"shared_buffers": "8GB", "max_connections": 200}') == "shared_buffers = 8GB\nmax_connections = 200"
    for text in ("true", "[a, b]", "{not json}", "{}"):
        assert entries(text) == text
