"""JUnit XML report, for Azure DevOps (PublishTestResults, JUnit) and GitLab test reports.

One ``<testsuite>`` per rule that produced findings, one ``<testcase>`` per resource and rule:
a ``<failure>`` for error and warning findings, ``<skipped>`` for suppressed ones, a passing
case (its message in ``<system-out>``) for info. A ``maintcheck`` suite with one ``scan`` case
makes every report non-empty, and carries the scan's warnings. Times are 0: the report must be
the same bytes for the same input.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from itertools import groupby

from checker.model import Finding, ScanResult, Severity
from checker.report.base import location, summary_line

# Characters XML 1.0 cannot carry at all (even escaped).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _case_name(f: Finding) -> str:
    res = f.resource
    return xml_text(f"{res.name} ({res.stack})" if res.stack else res.name)


def _details(findings: Sequence[Finding]) -> str:
    lines: list[str] = []
    for f in findings:
        loc = location(f)
        lines.append(f"{f.rule_id} {f.slug} ({f.severity}): {f.message}")
        lines.append(f"resource: {f.resource.urn}")
        if loc is not None:
            lines.append(f"location: {loc.file}" + (f":{loc.line}" if loc.line else ""))
        if f.evidence:
            lines.append(f"evidence: {f.evidence}")
        for fix in f.fixes:
            lines.append(f"fix: {fix.label}")
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
        case.set("file", xml_text(loc.file))
        if loc.line:
            case.set("line", str(loc.line))
    active = [f for f in findings if f.suppressed is None]
    failing = [f for f in active if f.severity >= Severity.WARNING]
    if failing:
        worst = max(failing, key=lambda f: f.severity)
        failure = ET.SubElement(
            case, "failure", message=xml_text(worst.message), type=str(worst.severity)
        )
        failure.text = _details(failing)
        return case, "failed"
    if not active:
        skipped = ET.SubElement(
            case, "skipped", message=xml_text(f"suppressed: {first.suppressed}")
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
    out = [summary_line(result), *(f"warning: {w}" for w in result.warnings)]
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
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
