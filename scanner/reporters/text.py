"""Human report: one table per file, then the fixes to paste, then a summary line.

The table is laid out here rather than by rich's ``Table``: rich measures and renders every cell
through its segment machinery, 54 ms for the 64 rows of a three-file pre-commit run (plus 22 ms
to import), a fifth of the hook's budget (docs/performance.md). The layout is the one rich gave:
fixed columns that never wrap, capped columns that fold, and the message taking the rest.
"""

from __future__ import annotations

import os
import textwrap
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from scanner.model import Finding, Severity, Status
from scanner.report import Report
from scanner.reporters import reporter

_STATUS_STYLE = {Status.VIOLATES: "bold red", Status.UNKNOWN: "yellow", Status.ERROR: "bold magenta",
                 Status.COMPLIES: "green"}
_STATUS_MARK = {Status.VIOLATES: "✗ violates", Status.UNKNOWN: "? unknown", Status.ERROR: "! error",
                Status.COMPLIES: "✓ complies"}
# SGR parameters of the few styles used (ECMA-48); NO_COLOR and non-terminals get none (use_color).
_SGR = {"bold": "1", "dim": "2", "underline": "4", "red": "31", "green": "32", "yellow": "33", "magenta": "35",
        "cyan": "36"}
GAP = "  "
MIN_MESSAGE = 24
GOOD_MESSAGE = 48  # the foldable columns give up width, down to their minimum, until the message has this much


@dataclass(frozen=True)
class Column:
    name: str
    max_width: int | None = None  # None: as wide as its widest cell
    wrap: bool = True
    right: bool = False
    give: int = 0  # when the message is short of room, columns give width up in this order (0: never)
    min_width: int = 14


COLUMNS = (Column("line", wrap=False, right=True), Column("status", wrap=False), Column("severity", wrap=False),
           Column("requirement", wrap=False), Column("resource", 44, give=2, min_width=24),
           Column("declared", 30, give=1), Column("required", 30, give=1), Column("message"))


def _style(text: str, style: str, color: bool) -> str:
    if not color or not style or not text:
        return text
    return f"\x1b[{';'.join(_SGR[word] for word in style.split())}m{text}\x1b[0m"


def cell_width(text: str) -> int:
    """Terminal cells: wide (East Asian) characters take two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def _fold(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` cells: wrapped at spaces, long words cut (rich's ``overflow="fold"``)."""
    if cell_width(text) <= width and "\n" not in text:
        return [text]
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, width, break_long_words=True, break_on_hyphens=False) or [""])
    return lines


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * max(0, width - cell_width(text))
    return fill + text if right else text + fill


def layout(rows: Sequence[Sequence[str]], total: int) -> tuple[list[int], list[list[list[str]]]]:
    """Column widths for ``total`` cells and each row's cells folded into lines."""
    widths = []
    for index, column in enumerate(COLUMNS):
        widest = max([cell_width(column.name)] + [cell_width(row[index]) for row in rows])
        widths.append(min(widest, column.max_width) if column.max_width else widest)
    def rest() -> int:
        return total - sum(widths[:-1]) - len(GAP) * (len(COLUMNS) - 1)

    for rank in sorted({c.give for c in COLUMNS if c.give}):
        giving = [i for i, column in enumerate(COLUMNS) if column.give == rank]
        while rest() < min(GOOD_MESSAGE, widths[-1]):
            widest = max(giving, key=lambda i: widths[i])
            if widths[widest] <= COLUMNS[widest].min_width:
                break
            widths[widest] -= 1
    widths[-1] = min(widths[-1], max(rest(), MIN_MESSAGE))
    folded = [[_fold(cell, width) if column.wrap else [cell]
               for cell, width, column in zip(row, widths, COLUMNS, strict=True)] for row in rows]
    return widths, folded


def _short(value: object, limit: int = 48) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _message(f: Finding) -> str:
    if f.status == Status.COMPLIES:
        return ""
    text = f.message
    if f.also_reported_as:
        text += f" (also checkov {', '.join(f.also_reported_as)})"
    if f.acceptance is not None:
        a = f.acceptance
        text += (f" [acceptance by {a.owner} expired {a.expires}]" if a.expired
                 else f" [accepted by {a.owner} until {a.expires}: {a.reason}]")
    return text


def _row(f: Finding) -> tuple[list[str], str]:
    requirement = ",".join(f.requirement_ids) or f.policy_id
    if f.requirement_ids and f.requirement_ids != (f.policy_id,):
        requirement = f"{f.policy_id} ({requirement})"
    mark, style = ("~ accepted", "dim") if f.accepted else (_STATUS_MARK[f.status], _STATUS_STYLE[f.status])
    cells = [str(f.line or ""), mark, f.severity.value, requirement, f.resource_address, _short(f.observed),
             _short(f.expected), _message(f)]
    return cells, style


def render_table(findings: Sequence[Finding], total: int, color: bool) -> list[str]:
    rows, styles = zip(*map(_row, findings), strict=True) if findings else ((), ())
    widths, folded = layout(rows, total)
    names = [_pad(c.name, w, c.right) for c, w in zip(COLUMNS, widths, strict=True)]
    names[-1] = names[-1].rstrip()
    out = [GAP.join(_style(name, "bold", color) for name in names)]
    for cells, style in zip(folded, styles, strict=True):
        for depth in range(max(len(lines) for lines in cells)):
            parts = []
            for index, (lines, width, column) in enumerate(zip(cells, widths, COLUMNS, strict=True)):
                text = _pad(lines[depth] if depth < len(lines) else "", width, column.right)
                parts.append(_style(text, style, color) if index == 1 else text)
            out.append(GAP.join(parts).rstrip())
    return out


@reporter("text", order=10)
class TextReporter:
    def __init__(self, show_compliant: bool = True) -> None:
        self.show_compliant = show_compliant

    def render(self, report: Report, fail_on: Severity, color: bool = False) -> str:
        width = int(os.environ.get("COLUMNS", "0") or 0) or 160
        by_file: dict[str, list[Finding]] = defaultdict(list)
        for finding in report.findings:
            if finding.status == Status.COMPLIES and not self.show_compliant:
                continue
            by_file[finding.file or finding.origin or "(live)"].append(finding)
        out: list[str] = []
        for path in sorted(by_file):
            findings = by_file[path]
            fmt = report.files.get(path, "")
            out.append(_style(f"{path}" + (f"  ({fmt})" if fmt else ""), "bold underline", color))
            out.extend(render_table(findings, width, color))
            for f in findings:
                if f.status != Status.VIOLATES or f.accepted or not f.remediation or not f.remediation.snippet:
                    continue
                out.append(_style(f"  fix {f.policy_id} at line {f.line} ({f.remediation.format}):", "cyan", color))
                out.extend("    " + line for line in f.remediation.snippet.splitlines())
            out.append("")
        counts = report.counts()
        failing = len(report.failing(fail_on))
        summary = (f"{len(report.files)} files, {report.resources} resources, {len(report.policies)} policies: "
                   f"{counts['violates']} violate ({failing} failing at or above {fail_on.value}), "
                   f"{counts['unknown']} unknown, {counts['error']} errors, {counts['complies']} comply")
        accepted = sum(1 for f in report.findings if f.accepted)
        if accepted:
            summary += f", {accepted} accepted by the baseline"
        out.append(_style(summary, "bold red" if failing else "bold green", color))
        return "\n".join(out) + "\n"
