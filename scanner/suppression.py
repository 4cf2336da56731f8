"""In-source suppressions applied to a scan's findings: a ``specdrift:ignore`` comment accepts the findings it
names on its line or its resource, as a baseline entry would, and shows where it was written.

A suppression without a reason, naming an ID no policy has, with an expiry that is not a date, or expired, is
itself a finding (``SD-SUPPRESSION``, medium): a gate must not go green because a comment was mistyped. An
expired one no longer shields its findings (they are reported with the expired acceptance, as a baseline's).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date

from scanner.loaders.suppressions import MARKER, Suppression
from scanner.model import PARSE_ERROR_POLICY, Acceptance, Finding, Remediation, Severity, Status

SUPPRESSION_POLICY = "SD-SUPPRESSION"
OWNER = "in source"
_FIX = Remediation("text", f'Write the comment as {MARKER} ID[,ID] reason="why it is accepted" expires=YYYY-MM-DD '
                           "(ID: a policy or requirement ID; expires is optional).")
# Other tools' checks merged into findings (checkov) have IDs of their own: accepted without a pack to check them.
_FOREIGN = ("CKV_*", "CKV2_*")


def _problems(item: Suppression, known: set[str], today: date) -> tuple[list[str], bool]:
    """(what is wrong with it, expired)."""
    problems = [item.problem] if item.problem else []
    if not item.reason.strip():
        problems.append('has no reason="..."')
    unknown = [i for i in item.ids if not any(fnmatch.fnmatchcase(k, i) for k in known)
               and not any(fnmatch.fnmatchcase(i, f) for f in _FOREIGN)]
    if unknown:
        problems.append(f"names unknown policy {', '.join(unknown)}")
    expired = False
    if item.expires:
        try:
            expired = date.fromisoformat(item.expires) < today
        except ValueError:
            problems.append(f"expires={item.expires} is not a date (YYYY-MM-DD)")
        if expired:
            problems.append(f"expired on {item.expires}")
    return problems, expired


def _finding(item: Suppression, problems: Sequence[str]) -> Finding:
    ids = ",".join(item.ids) or "?"
    return Finding(SUPPRESSION_POLICY, (), "In-source suppression that cannot be honoured", Severity.MEDIUM,
                   Status.VIOLATES, f"{MARKER} {ids} {'; '.join(problems)}: it suppresses nothing",
                   f"{MARKER} {ids}", "suppression", "", item.file, item.line, fact=None, remediation=_FIX,
                   origin=item.file)


def _covers(item: Suppression, finding: Finding, span: tuple[int, int] | None) -> bool:
    """On the finding's line, or on (or above) its resource: the comment's line lies in the resource's lines."""
    if finding.line is not None and item.target == finding.line:
        return True
    if span is None:
        return False
    start, end = span
    return item.target == start or start <= item.line <= end


def _names(item: Suppression, finding: Finding) -> bool:
    names = (finding.policy_id, *finding.requirement_ids)
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in item.ids for name in names)


def apply_suppressions(findings: Iterable[Finding], suppressions: Mapping[str, Sequence[Suppression]],
                       spans: Mapping[tuple[str, str], tuple[int, int]], known_ids: Iterable[str],
                       today: date | None = None) -> list[Finding]:
    """``findings`` with those a suppression names accepted (``Acceptance.suppressed_at``), plus a finding for
    each suppression that cannot be honoured. ``spans``: (file, resource address) -> its first and last line."""
    today = today or date.today()
    known = {*known_ids, PARSE_ERROR_POLICY}
    usable: dict[str, list[tuple[Suppression, bool]]] = {}
    extra: list[Finding] = []
    for file, items in suppressions.items():
        for item in items:
            problems, expired = _problems(item, known, today)
            if problems:
                extra.append(_finding(item, problems))
            if not problems or (expired and len(problems) == 1):  # an expired one still marks what it named
                usable.setdefault(file, []).append((item, expired))
    out = []
    for finding in findings:
        candidates = usable.get(finding.file or "") if finding.status != Status.COMPLIES else None
        if candidates and finding.acceptance is None:
            span = spans.get((finding.file or "", finding.resource_address))
            for item, expired in candidates:
                if _names(item, finding) and _covers(item, finding, span):
                    finding = replace(finding, acceptance=Acceptance(OWNER, item.reason, item.expires, expired,
                                                                     item.where))
                    break
        out.append(finding)
    return out + extra
