"""Human report: a verdict first, then the violations by file and requirement (worst first), each with its
fix, then the unknowns folded by reason; passing results only when asked.

Everything is wrapped to the terminal's width at spaces, with hanging indents, never inside a word, so
an address, a path or a policy ID is never cut (a word longer than the line keeps a line of its own).
There is no table: a table's columns overflow or fold words on an 80-column terminal. The width is
``COLUMNS``, else what rich's console measures on a terminal, else 80; rich is imported only on a
terminal (it costs a pre-commit hook 22 ms otherwise). Colour is SGR codes on the spans that carry
meaning, only when the command asks for it (a terminal, no ``NO_COLOR``, no ``--no-color``).
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from scanner.display import display, fill, in_syntax, syntax_of, visible
from scanner.model import Finding, Remediation, Severity, Status
from scanner.policy.pack import Policy
from scanner.regex import lazy_compile
from scanner.report import Report
from scanner.reporters import reporter

DEFAULT_WIDTH = 80  # not a terminal and no COLUMNS: CI logs and files
MIN_WIDTH = 60
# SGR parameters of the few styles used (ECMA-48).
_SGR = {"bold": "1", "dim": "2", "underline": "4", "red": "31", "green": "32", "yellow": "33", "magenta": "35",
        "cyan": "36"}
_SEVERITY_STYLE = {Severity.CRITICAL: "bold red", Severity.HIGH: "red", Severity.MEDIUM: "yellow",
                   Severity.LOW: "cyan", Severity.INFO: "cyan"}
_MARK = {Status.VIOLATES: "✗", Status.UNKNOWN: "?", Status.ERROR: "!", Status.COMPLIES: "✓"}
_STATUS_STYLE = {Status.VIOLATES: "bold red", Status.UNKNOWN: "yellow", Status.ERROR: "bold magenta",
                 Status.COMPLIES: "green"}


def visible_value(value: Any) -> Any:
    """A value with its texts (inside lists and objects too) shown safely on a terminal (``visible``)."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, (list, tuple)):
        shown = [visible_value(v) for v in value]
        return value if all(a is b for a, b in zip(shown, value, strict=True)) else type(value)(shown)
    if isinstance(value, dict):
        pairs = {visible_value(k): visible_value(v) for k, v in value.items()}
        same = len(pairs) == len(value) and all(
            k2 is k and v2 is v for (k2, v2), (k, v) in zip(pairs.items(), value.items(), strict=True))
        return value if same else pairs
    return value


def visible_finding(finding: Finding) -> Finding:
    """The finding with every text that came from a file or a service (names, values, messages, fixes filled
    with values) escaped for a terminal: an escape sequence in it is shown, never acted on."""
    changes: dict[str, Any] = {}
    for name in ("file", "resource_address", "message", "origin", "observed", "expected"):
        value = getattr(finding, name)
        shown = visible_value(value)
        if shown is not value:
            changes[name] = shown
    fix = finding.remediation
    if fix is not None and (visible(fix.snippet, newlines=True) is not fix.snippet
                            or visible(fix.description) is not fix.description):
        changes["remediation"] = Remediation(fix.format, visible(fix.snippet, newlines=True), visible(fix.description))
    accepted = finding.acceptance
    if accepted is not None and (visible(accepted.owner) is not accepted.owner
                                 or visible(accepted.reason) is not accepted.reason):
        changes["acceptance"] = replace(accepted, owner=visible(accepted.owner), reason=visible(accepted.reason))
    return replace(finding, **changes) if changes else finding


def visible_report(report: Report) -> Report:
    """The report as a terminal may show it: findings, file names and notes escaped (``visible_finding``)."""
    return replace(report, findings=[visible_finding(f) for f in report.findings],
                   files={visible(name): fmt for name, fmt in report.files.items()},
                   notes=[visible(note) for note in report.notes])


def cell_width(text: str) -> int:
    """Terminal cells: wide (East Asian) characters take two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def screen_width(stream: object = None) -> int:
    """The width to lay the report out for: ``COLUMNS``, else the width of ``stream`` if it is a terminal (rich
    measures it), else 80 (a file, a pipe, a CI log)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(MIN_WIDTH, int(columns))
    if stream is not None and getattr(stream, "isatty", lambda: False)():
        from rich.console import Console

        return max(MIN_WIDTH, Console(file=stream).width)  # type: ignore[arg-type]
    return DEFAULT_WIDTH


def terminal_has_colour(stream: object = None) -> bool:
    """Whether rich's console finds a colour system on ``stream`` (none on ``TERM=dumb``; NO_COLOR honoured)."""
    from rich.console import Console

    return Console(file=sys.stdout if stream is None else stream).color_system is not None  # type: ignore[arg-type]


def _style(text: str, style: str, color: bool) -> str:
    if not color or not style or not text:
        return text
    return f"\x1b[{';'.join(_SGR[word] for word in style.split())}m{text}\x1b[0m"


def wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    """``text`` in lines of at most ``width`` cells after ``first`` (then ``rest``) indentation, broken at spaces
    only: a word longer than the line (an ARN, a module address) keeps a line of its own, whole."""
    return textwrap.wrap(" ".join(text.split()), width, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or [first.rstrip()]


def _lead(lines: list[str], plain: str, style: str, color: bool) -> list[str]:
    """The first line's leading ``plain`` text styled (the words are already wrapped, so widths are kept)."""
    if color and lines and lines[0].lstrip().startswith(plain):
        at = lines[0].index(plain)
        lines[0] = lines[0][:at] + _style(plain, style, color) + lines[0][at + len(plain):]
    return lines


def _where(finding: Finding) -> str:
    """The group a finding is listed under: its file, else the live source it came from."""
    return finding.file or (f"(live) {finding.origin}" if finding.origin else "(live)")


def _requirement(finding: Finding) -> str:
    if finding.requirement_ids and finding.requirement_ids != (finding.policy_id,):
        return f"{finding.policy_id} ({', '.join(finding.requirement_ids)})"
    return finding.policy_id


def _message(finding: Finding) -> str:
    text = finding.message
    if finding.also_reported_as:
        text += f" (also checkov {', '.join(finding.also_reported_as)})"
    a = finding.acceptance
    if a is not None and a.expired:
        text += (f" [suppression at {a.suppressed_at} expired {a.expires}]" if a.suppressed_at
                 else f" [acceptance by {a.owner} expired {a.expires}]")
    return text


def _values(finding: Finding, syntax: str) -> str:
    parts = []
    if finding.observed is not None:
        parts.append(f"declared {in_syntax(finding.observed, syntax)}")
    if finding.expected is not None:
        parts.append(f"required {in_syntax(finding.expected, syntax)}")
    return "; ".join(parts)


def _rank(finding: Finding) -> int:
    """Worst first: errors above every violation (nothing in the file was checked), then by severity."""
    return 10 if finding.status == Status.ERROR else finding.severity.rank


@dataclass
class _Counts:
    by_status: dict[str, int]
    by_severity: dict[Severity, int]  # violations, accepted ones included (as the JSON summary counts them)
    accepted: int  # by the baseline
    suppressed: int  # by specdrift:ignore comments
    failing: int


def _counts(report: Report, fail_on: Severity) -> _Counts:
    by_severity = {s: 0 for s in reversed(Severity)}
    for finding in report.findings:
        if finding.status == Status.VIOLATES:
            by_severity[finding.severity] += 1
    suppressed = sum(1 for f in report.findings if f.suppressed)
    return _Counts(report.counts(), by_severity, sum(1 for f in report.findings if f.accepted) - suppressed, suppressed,
                   len(report.failing(fail_on)))


def verdict(report: Report, fail_on: Severity, counts: _Counts) -> tuple[str, str]:
    """The one-line verdict and its style."""
    if not report.files and not report.findings:
        return "? NOTHING CHECKED: no file was read by any loader", "bold yellow"
    if counts.failing:
        return (f"✗ FAIL: {counts.failing} violation(s) at or above {fail_on.value} fail the gate",
                "bold red")
    below = counts.by_status["violates"] - counts.accepted - counts.suppressed
    return (f"✓ PASS: no violation at or above {fail_on.value}" + (f" ({below} below it)" if below else ""),
            "bold green")


def summary_lines(report: Report, fail_on: Severity, width: int, color: bool) -> list[str]:
    """The verdict, the counts by status and severity, and what was read."""
    counts = _counts(report, fail_on)
    text, style = verdict(report, fail_on, counts)
    out = [_style(text, style, color)] if cell_width(text) <= width else \
        [_style(line, style, color) for line in wrap(text, width, "", "  ")]
    status = counts.by_status
    errors = status["error"]
    line = (f"{status['violates']} violate, {status['unknown']} unknown, {errors} error{'' if errors == 1 else 's'}, "
            f"{status['complies']} comply")
    shielded = [f"{counts.accepted} accepted by the baseline"] * bool(counts.accepted) + \
        [f"{counts.suppressed} suppressed in the source"] * bool(counts.suppressed)
    if shielded:
        line += "; " + ", ".join(shielded)
    out += wrap(line, width, "", "  ")
    severities = ", ".join(f"{n} {s.value}" for s, n in counts.by_severity.items() if n)
    if severities:
        out += wrap(f"violations by severity: {severities}", width, "", "  ")
    out += wrap(f"{len(report.files)} files, {report.resources} resources, {len(report.policies)} policies "
                f"(fail at or above {fail_on.value})", width, "", "  ")
    return out


def _fix_lines(finding: Finding, policies: dict[str, Policy], width: int, color: bool) -> list[str]:
    """The fix to paste (code is never wrapped: a wrapped line would not paste), else the fix in words."""
    remediation = finding.remediation
    if remediation is not None and remediation.snippet and remediation.format != "text":
        head = f"      fix ({remediation.format}):"
        return [_style(head, "cyan", color)] + [line for code in remediation.snippet.splitlines()
                                                 for line in _code_lines(code, width)]
    words = "" if remediation is None else remediation.snippet if remediation.format == "text" else \
        remediation.description
    policy = policies.get(finding.policy_id)
    if not words and policy is not None and policy.remediation.get("description"):
        params = {name: display(p.default) for name, p in policy.parameters.items()}
        words = fill(str(policy.remediation["description"]), params)
    if not words:
        return []
    return _lead(wrap(f"fix: {words}", width, "      ", "        "), "fix:", "cyan", color)


_COMMENT = lazy_compile(r"(\s*)(#|//|--) ?(.*)")
# code, then a comment after two spaces (how the fix tables write one), with no quote in the comment's way
_TRAILING_COMMENT = lazy_compile(r"([^'\"]*\S)  (#|//|--) (.*)")
_COMMANDS = ("kubectl ", "aws ", "gcloud ", "az ", "docker ", "helm ")
CODE_INDENT = "        "


def _code_lines(code: str, width: int) -> list[str]:
    """A line of a fix, indented; a comment too long for the line continues as comments (code is never wrapped:
    it would not paste)."""
    comment = _COMMENT.fullmatch(code)
    if cell_width(CODE_INDENT + code) <= width:
        return [CODE_INDENT + code]
    trailing = _TRAILING_COMMENT.fullmatch(code) if comment is None else None
    if trailing is not None:  # the comment goes on lines of its own above the code it explains
        indent = re.match(r"\s*", code).group(0)  # type: ignore[union-attr]
        return [*_code_lines(f"{indent}{trailing.group(2)} {trailing.group(3)}", width),
                *_code_lines(trailing.group(1), width)]
    if comment is None:
        return _command_lines(code, width) if code.startswith(_COMMANDS) else [CODE_INDENT + code]
    lead = CODE_INDENT + comment.group(1) + comment.group(2) + " "
    return wrap(comment.group(3), width, lead, lead)


def _command_lines(code: str, width: int) -> list[str]:
    """A shell command continued with backslashes, broken only at spaces outside quotes (it pastes the same)."""
    words, quote, start = [], "", 0
    for at, ch in enumerate(code):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == " ":
            words.append(code[start:at])
            start = at + 1
    words.append(code[start:])
    lines, line = [], CODE_INDENT + words[0]
    for word in words[1:]:
        if cell_width(line + " " + word + " \\") > width:
            lines.append(line + " \\")
            # a word too long for the continuation's indent starts further left (the shell ignores the indent)
            indent = next((i for i in (CODE_INDENT + "  ", CODE_INDENT, "    ") if cell_width(i + word + " \\")
                           <= width), "")
            line = indent + word
        else:
            line += " " + word
    return [*lines, line]


def _entry(finding: Finding, syntax: str, policies: dict[str, Policy], width: int, color: bool) -> list[str]:
    """One violation, error or accepted finding: place and resource, message, values, fix."""
    place = f"line {finding.line}" if finding.line else ""
    resource = finding.resource_address if finding.resource_address != finding.file else ""
    head = " ".join(part for part in (place, resource) if part) or "(the file)"
    if finding.accepted and finding.acceptance is not None:
        a = finding.acceptance
        out = wrap(head, width, "    ", "      ")
        if a.suppressed_at:
            until = f" until {a.expires}" if a.expires else ""
            return out + _lead(wrap(f"~ suppressed at {a.suppressed_at}{until}: {a.reason}", width, "      ",
                                    "        "), "~ suppressed", "dim", color)
        return out + _lead(wrap(f"~ accepted by {a.owner} until {a.expires}: {a.reason}", width, "      ",
                                "        "), "~ accepted", "dim", color)
    out = wrap(head, width, "    ", "      ")
    out += wrap(_message(finding), width, "      ", "      ")
    values = _values(finding, syntax)
    if values:
        out += _lead(wrap(values, width, "      ", "        "), "declared" if finding.observed is not None
                     else "required", "dim", color)
    if finding.status == Status.VIOLATES:
        out += _fix_lines(finding, policies, width, color)
    return out


def _file_sections(report: Report, width: int, color: bool, quiet: bool) -> list[str]:
    """Violations and errors (and accepted findings unless quiet) by file, worst file first, then by
    requirement, most severe first."""
    by_file: dict[str, list[Finding]] = {}
    for finding in report.findings:
        if finding.status in (Status.VIOLATES, Status.ERROR) and not (quiet and finding.accepted):
            by_file.setdefault(_where(finding), []).append(finding)

    def worst(findings: Sequence[Finding]) -> int:
        return max((_rank(f) for f in findings if not f.accepted), default=-1)

    policies = {p.id: p for p in report.policies}
    out: list[str] = []
    for where in sorted(by_file, key=lambda w: (-worst(by_file[w]), w)):
        findings = by_file[where]
        fmt = report.files.get(where, "")
        syntax = syntax_of(fmt, where)
        out.append("")
        out += [_style(line, "bold underline", color) for line in wrap(where + (f" ({fmt})" if fmt else ""),
                                                                        width, "", "  ")]
        groups: dict[tuple[str, Status], list[Finding]] = {}
        for finding in findings:
            groups.setdefault((finding.policy_id, finding.status), []).append(finding)
        for key in sorted(groups, key=lambda k: (-worst(groups[k]), -_rank(groups[k][0]), k[0])):
            group = sorted(groups[key], key=lambda f: (f.accepted, f.line or 0, f.resource_address))
            first = group[0]
            mark = f"{_MARK[first.status]} {first.severity.value}" if first.status == Status.VIOLATES \
                else f"{_MARK[first.status]} error"
            style = _SEVERITY_STYLE[first.severity] if first.status == Status.VIOLATES else "bold magenta"
            if all(f.accepted for f in group):
                style = "dim"
            out += _lead(wrap(f"{mark} {_requirement(first)}: {first.title}", width, "  ", "      "), mark, style,
                         color)
            for finding in group:
                out += _entry(finding, syntax, policies, width, color)
    return out


def _place(finding: Finding) -> str:
    where = f"{finding.file}:{finding.line}" if finding.file and finding.line else _where(finding)
    return f"{where} {finding.resource_address}".strip()


def _unknown_section(report: Report, width: int, color: bool) -> list[str]:
    """Unknowns folded: one entry per policy and reason, with how many resources share it and where."""
    folded: dict[tuple[str, str], list[Finding]] = {}
    for finding in report.findings:
        if finding.status == Status.UNKNOWN and not finding.accepted:
            folded.setdefault((finding.policy_id, finding.message), []).append(finding)
    if not folded:
        return []
    total = sum(len(group) for group in folded.values())
    out = ["", _style(f"Unknown: could not be decided ({total})", "bold", color)]
    for key in sorted(folded, key=lambda k: (-folded[k][0].severity.rank, -len(folded[k]), k)):
        group = folded[key]
        first = group[0]
        mark = f"? {first.severity.value}"
        if len(group) == 1:
            text = f"{mark} {first.policy_id}: {first.message} ({_place(first)})"
        else:  # the first place only: a list of places would bury the reason
            where = f"{first.file}:{first.line}" if first.file and first.line else _where(first)
            text = (f"{mark} {first.policy_id}, {len(group)} resources: {first.message} "
                    f"({where} and {len(group) - 1} more)")
        out += _lead(wrap(text, width, "  ", "      "), mark, "yellow", color)
    return out


def _passing_section(report: Report, width: int, color: bool) -> list[str]:
    passing = [f for f in report.findings if f.status == Status.COMPLIES]
    if not passing:
        return []
    out = ["", _style(f"Complies ({len(passing)})", "bold", color)]
    for finding in sorted(passing, key=lambda f: (_where(f), f.line or 0, f.policy_id)):
        out += _lead(wrap(f"✓ {finding.policy_id} {_place(finding)}: {finding.message}", width, "  ", "      "),
                     "✓", "green", color)
    return out


def compact_line(finding: Finding) -> str:
    """One finding on one line (for grep and logs; not wrapped)."""
    mark = "~ suppressed" if finding.suppressed else "~ accepted" if finding.accepted else \
        f"{_MARK[finding.status]} {finding.status.value}"
    where = f"{finding.file}:{finding.line}" if finding.file and finding.line else _where(finding)
    resource = f" {finding.resource_address}" if finding.resource_address else ""
    return f"{where}: {mark} {finding.severity.value} {finding.policy_id}{resource}: {_message(finding)}"


def _compact(report: Report, show_passing: bool, quiet: bool) -> Iterable[str]:
    from scanner.reporters import issues

    shown = [f for f in issues(report) if not (quiet and (f.accepted or f.status == Status.UNKNOWN))]
    if show_passing:
        shown += [f for f in report.findings if f.status == Status.COMPLIES]
    return map(compact_line, shown)


@reporter("text", order=10)
class TextReporter:
    def __init__(self, show_passing: bool = False, quiet: bool = False, compact: bool = False,
                 width: int | None = None) -> None:
        self.show_passing = show_passing
        self.quiet = quiet  # violations and errors only: no unknowns, no accepted findings
        self.compact = compact
        self.width = width

    def render(self, report: Report, fail_on: Severity, color: bool = False) -> str:
        report = visible_report(report)  # nothing from a file reaches the terminal as an escape sequence
        width = self.width or screen_width()
        out = summary_lines(report, fail_on, width, color)
        head = len(out)
        if self.compact:
            lines = list(_compact(report, self.show_passing, self.quiet))
            return "\n".join(out + [""] * bool(lines) + lines) + "\n"
        out += _file_sections(report, width, color, self.quiet)
        if not self.quiet:
            out += _unknown_section(report, width, color)
        if self.show_passing:
            out += _passing_section(report, width, color)
        if len(out) > head:  # the verdict again where a terminal leaves the reader: at the bottom
            out += ["", out[0]]
        return "\n".join(out) + "\n"
