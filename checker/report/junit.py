"""JUnit XML report, for Azure DevOps (PublishTestResults, JUnit) and GitLab test reports.

One ``<testsuite>`` per rule that produced findings, one ``<testcase>`` per resource and rule:
a ``<failure>`` for error and warning findings, ``<skipped>`` for suppressed ones, a passing
case (its message in ``<system-out>``) for info. A ``maintcheck`` suite with one ``scan`` case
makes every report non-empty, and carries the scan's warnings. Times are 0: the report must be
the same bytes for the same input.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from itertools import groupby

from checker import escaping as esc
from checker.model import Finding, ScanResult, Severity
from checker.report.base import location, summary_line

xml_text = esc.xml  # characters XML 1.0 cannot carry at all are shown as their escapes


def _case_name(f: Finding) -> str:
    res = f.resource
    return esc.inline(f"{res.name} ({res.stack})" if res.stack else res.name)


def _details(findings: Sequence[Finding]) -> str:
    lines: list[str] = []
    for f in findings:
        loc = location(f)
        lines.append(f"{f.rule_id} {f.slug} ({f.severity}): {esc.inline(f.message)}")
        lines.append(f"resource: {esc.inline(f.resource.urn)}")
        if loc is not None:
            lines.append(f"location: {esc.inline(loc.file)}" + (f":{loc.line}" if loc.line else ""))
        if f.evidence:
            lines.append(f"evidence: {esc.inline(f.evidence)}")
        for fix in f.fixes:
            lines.append(f"fix: {esc.inline(fix.label)}")
        if f.fixes and f.fixes[0].snippet:
            lines.append(f.fixes[0].snippet.rstrip())
        lines.append("")
    return xml_text("\n".join(lines))


def _testcase(findings: Sequence[Finding]) -> tuple[ET.Element, str]:
    """One resource x rule; returns the element and its outcome (failed/skipped/passed)."""
    first = findings[0]
    case = ET.Element("testcase", name=_case_name(first), classname=f"maintcheck.{first.rule_id}")
    case.set("time", "0")
    loc = location(first)
    if loc is not None:
        case.set("file", esc.inline(loc.file))
        if loc.line:
            case.set("line", str(loc.line))
    active = [f for f in findings if f.suppressed is None]
    failing = [f for f in active if f.severity >= Severity.WARNING]
    if failing:
        worst = max(failing, key=lambda f: f.severity)
        failure = ET.SubElement(
            case, "failure", message=esc.inline(worst.message), type=str(worst.severity)
        )
        failure.text = _details(failing)
        return case, "failed"
    if not active:
        skipped = ET.SubElement(
            case, "skipped", message=esc.inline(f"suppressed: {first.suppressed}")
        )
        skipped.text = _details(findings)
        return case, "skipped"
    ET.SubElement(case, "system-out").text = _details(active)
    return case, "passed"


def _suite(name: str, cases: Sequence[tuple[ET.Element, str]]) -> ET.Element:
    suite = ET.Element("testsuite", name=name)
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for _, o in cases if o == "failed")))
    suite.set("errors", "0")
    suite.set("skipped", str(sum(1 for _, o in cases if o == "skipped")))
    suite.set("time", "0")
    suite.extend(case for case, _ in cases)
    return suite


def _scan_suite(result: ScanResult) -> ET.Element:
    case = ET.Element("testcase", name="scan", classname="maintcheck")
    case.set("time", "0")
    out = [summary_line(result), *(f"warning: {esc.inline(w)}" for w in result.warnings)]
    if result.incomplete:
        out.append("note: the scan may be incomplete (see warnings).")
    ET.SubElement(case, "system-out").text = xml_text("\n".join(out))
    return _suite("maintcheck", [(case, "passed")])


def report_junit(result: ScanResult) -> ET.Element:
    root = ET.Element("testsuites", name="maintcheck")
    suites = [_scan_suite(result)]
    by_rule = sorted(result.findings, key=lambda f: (f.rule_id, f.sort_key()))
    for rule_id, group in groupby(by_rule, key=lambda f: f.rule_id):
        findings = list(group)
        cases = [
            _testcase(list(per_resource))
            for _, per_resource in groupby(findings, key=lambda f: f.resource.urn)
        ]
        suites.append(_suite(f"{rule_id} {findings[0].slug}", cases))
    root.extend(suites)
    for attr in ("tests", "failures", "errors", "skipped"):
        root.set(attr, str(sum(int(s.get(attr, "0")) for s in suites)))
    root.set("time", "0")
    return root


class JunitFormat:
    name = "junit"

    def render(self, result: ScanResult) -> str:
        root = report_junit(result)
        ET.indent(root)
        body: str = ET.tostring(root, encoding="unicode")
        return esc.no_commands('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n")
