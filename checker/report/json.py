"""Machine-readable report; its contract is ``schemas/report.schema.json`` (version 1)."""

from __future__ import annotations

from typing import Any, Final

from checker import escaping as esc
from checker.jsontext import dumps_indented
from checker.memory import collector_paused
from checker.model import Finding, Fix, PatchOp, ScanResult, Severity
from checker.report.base import counts, location
from checker.values import redact

_SEVERITY: Final = {s: str(s) for s in Severity}  # (an enum's str() is slow at 5,000 findings)


def finding_json(f: Finding) -> dict[str, Any]:
    loc = location(f)
    res = f.resource
    return {
        "rule": f.rule_id,
        "slug": f.slug,
        "severity": _SEVERITY[f.severity],
        "message": f.message,
        "resource": {"urn": res.urn, "name": res.name, "type": res.type, "stack": res.stack},
        "location": {"file": loc.file, "line": loc.line} if loc else None,
        "evidence": f.evidence,
        "suppressed": f.suppressed,
        "fixes": [fix_json(fix) for fix in f.fixes],
    }


def fix_json(fix: Fix) -> dict[str, Any]:
    """A fix as the JSON report (and SARIF's result properties) write it."""
    return {
        "title": fix.title,
        "replacement": fix.replacement,
        "newResources": fix.new_resources,
        "patch": [patch_json(op) for op in fix.patch],
        "snippet": fix.snippet,
        "snippetLanguage": fix.snippet_language,
    }


# What redact returns as it is: a value of these types is printed without the walk.
_PLAIN: Final = frozenset({str, int, float, bool, type(None)})


def patch_json(op: PatchOp) -> dict[str, Any]:
    """A patch operation with its value made safe to print (checker.values.redact): markers
    become their names. Its op and path are plain strings, so only the value is walked."""
    out = op.to_json()
    if type(out.get("value")) not in _PLAIN:
        out["value"] = redact(out["value"])
    return out


def report_json(result: ScanResult) -> dict[str, Any]:
    c = counts(result)
    return {
        "version": 1,
        "findings": [finding_json(f) for f in result.findings],
        "summary": {
            "total": sum(c.values()),
            "by_severity": c,
            "suppressed": sum(1 for f in result.findings if f.suppressed is not None),
            "resources": result.resource_count,
            "inputs": list(result.origins),
            "incomplete": result.incomplete,
        },
        "warnings": list(result.warnings),
    }


class JsonFormat:
    name = "json"

    def render(self, result: ScanResult) -> str:
        with collector_paused():
            return esc.json_text(dumps_indented(report_json(result))) + "\n"
