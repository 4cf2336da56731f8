"""JUnit XML: one test suite per policy, one test case per policy x resource.

A violation is a ``<failure>`` carrying the message and the remediation; a file that could not be
parsed is an ``<error>``; an unknown result and a finding accepted by the baseline are ``<skipped>``
with the reason, so CI dashboards (GitLab, Jenkins) show them without failing on them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from scanner.model import Finding, Severity, Status
from scanner.regex import lazy_compile
from scanner.report import Report
from scanner.reporters import reporter

# Characters XML 1.0 cannot carry at all (a parser's message may quote them from a binary file, a file name may
# hold them), and lone surrogates, which no UTF-8 document can: every text and attribute goes through _clean.
_NOT_XML = lazy_compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _case_name(finding: Finding) -> str:
    where = f"{finding.file}:{finding.line}" if finding.file and finding.line else (finding.file or finding.origin)
    name = finding.resource_address or finding.file or finding.origin or "(no resource)"
    if finding.fact and finding.status != Status.COMPLIES and "[" in finding.fact:
        name += f" {finding.fact}"
    return f"{name} ({where})" if where and where != name else name


def _details(finding: Finding) -> str:
    lines = [finding.message]
    if finding.requirement_ids:
        lines.append(f"requirement: {', '.join(finding.requirement_ids)}")
    if finding.file:
        lines.append(f"location: {finding.file}:{finding.line or 1}")
    if finding.observed is not None or finding.expected is not None:
        lines.append(f"declared: {finding.observed}  required: {finding.expected}")
    if finding.also_reported_as:
        lines.append(f"also reported by checkov as: {', '.join(finding.also_reported_as)}")
    if finding.acceptance is not None and finding.acceptance.expired:
        lines.append(f"suppression at {finding.acceptance.suppressed_at} expired on {finding.acceptance.expires}"
                     if finding.acceptance.suppressed_at else
                     f"acceptance by {finding.acceptance.owner} expired on {finding.acceptance.expires}")
    remediation = finding.remediation
    if remediation is not None:
        lines.append("")
        lines.append(f"remediation ({remediation.format}): {remediation.description}".rstrip(": "))
        if remediation.snippet and remediation.snippet != remediation.description:
            lines.append(remediation.snippet)
    return _clean("\n".join(lines))


def _case(suite: ET.Element, finding: Finding) -> str:
    """Add the test case; return its outcome: passed, failure, error or skipped."""
    case = ET.SubElement(suite, "testcase", {"classname": _clean(f"specdrift.{finding.policy_id}"),
                                             "name": _clean(_case_name(finding)), "time": "0"})
    if finding.file:
        case.set("file", _clean(finding.file))
        if finding.line:
            case.set("line", str(finding.line))
    if finding.accepted and finding.acceptance is not None:
        a = finding.acceptance
        text = (f"suppressed in the source at {a.suppressed_at}" + (f" until {a.expires}" if a.expires else "")
                if a.suppressed_at else f"accepted by {a.owner} until {a.expires}")
        ET.SubElement(case, "skipped", {"message": _clean(f"{text}: {a.reason}")})
        return "skipped"
    if finding.status == Status.VIOLATES:
        failure = ET.SubElement(case, "failure", {"message": _clean(finding.message),
                                                  "type": f"{finding.severity.value} violation"})
        failure.text = _details(finding)
        return "failure"
    if finding.status == Status.ERROR:
        error = ET.SubElement(case, "error", {"message": _clean(finding.message), "type": "error"})
        error.text = _details(finding)
        return "error"
    if finding.status == Status.UNKNOWN:
        ET.SubElement(case, "skipped", {"message": _clean(f"unknown: {finding.message}")})
        return "skipped"
    return "passed"


@reporter("junit", order=40)
class JunitReporter:
    def render(self, report: Report, fail_on: Severity, color: bool = False) -> str:
        by_policy: dict[str, list[Finding]] = defaultdict(list)
        for finding in report.findings:
            by_policy[finding.policy_id].append(finding)
        titles = {p.id: p.title for p in report.policies}
        for policy in report.policies:
            by_policy.setdefault(policy.id, [])
        root = ET.Element("testsuites", {"name": "specdrift"})
        totals: dict[str, int] = defaultdict(int)
        stamp = report.started.strftime("%Y-%m-%dT%H:%M:%S")
        for policy_id in sorted(by_policy):
            findings = by_policy[policy_id]
            title = titles.get(policy_id) or (findings[0].title if findings else "")
            suite = ET.SubElement(root, "testsuite", {"name": _clean(f"{policy_id}: {title}" if title else policy_id),
                                                      "timestamp": stamp, "time": "0"})
            counts: dict[str, int] = defaultdict(int)
            for finding in sorted(findings, key=lambda f: (f.file or "", f.line or 0, f.resource_address)):
                counts[_case(suite, finding)] += 1
            tests = sum(counts.values())
            suite.set("tests", str(tests))
            for key, attr in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
                suite.set(attr, str(counts[key]))
                totals[attr] += counts[key]
            totals["tests"] += tests
        for attr in ("tests", "failures", "errors", "skipped"):
            root.set(attr, str(totals[attr]))
        root.set("time", f"{report.duration_s:.3f}")
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
