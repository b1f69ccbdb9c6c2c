"""SARIF 2.1.0 report, for GitHub code scanning and other SARIF viewers.

One run; the driver's rules come from the rule catalog (help text from each rule's ``DOC``,
``helpUri`` its page under ``docs/rules``).
Each result has a logical location (the resource URN) and, when the program line is known, a
physical location. Fixes go into the message and ``properties.fixes``: SARIF ``fixes`` must be
concrete text edits of the artifact, and a property patch on a constructor call is not one.
"""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import quote

from checker import __version__
from checker import escaping as esc
from checker.baseline import fingerprint
from checker.jsontext import dumps_indented
from checker.memory import collector_paused
from checker.model import RECREATES, Finding, ScanResult, Severity
from checker.report.base import Location, ReportOptions, counts, location
from checker.report.json import fix_json
from checker.rules import ALL_RULES
from checker.rules.base import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "maintcheck/v1"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def sarif_rule(rule: Rule, options: ReportOptions | None = None) -> dict[str, Any]:
    options = options or ReportOptions()
    help_uri = {"helpUri": options.rule_url(rule.id)} if options.docs_url else {}
    return {
        "id": rule.id,
        "name": rule.slug,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.doc.what},
        **help_uri,
        "help": {"text": rule.help_text(), "markdown": rule.help_markdown()},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["azure", "maintenance", "reliability"]},
    }


def artifact_uri(file: str, repo_prefix: str = "") -> dict[str, str]:
    """An artifactLocation: paths relative to the repository root (the git top level; a path
    relative to where the scan ran gets ``repo_prefix``, that folder's place in the repository)
    against %SRCROOT%, absolute ones as ``file://`` URIs; both percent-encoded as URIs must be."""
    path = file.replace("\\", "/")
    if posixpath.isabs(path) or (len(path) > 1 and path[1] == ":"):
        return {"uri": "file://" + quote(path if path.startswith("/") else "/" + path)}
    if repo_prefix:
        path = posixpath.normpath(posixpath.join(repo_prefix, path))
    return {"uri": quote(path), "uriBaseId": "%SRCROOT%"}


def physical_location(loc: Location, repo_prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"artifactLocation": artifact_uri(loc.file, repo_prefix)}
    if loc.line:
        out["region"] = {"startLine": loc.line}
    return out


def _fix_text(f: Finding) -> str:
    titles = [fix.label.replace(f". {RECREATES}", f" {RECREATES}").rstrip(".") for fix in f.fixes]
    return "Fix: " + titles[0] if len(titles) == 1 else "Fixes: " + "; or ".join(titles)


def sarif_result(f: Finding, rule_index: dict[str, int], repo_prefix: str = "") -> dict[str, Any]:
    res = f.resource
    where: dict[str, Any] = {}
    loc = location(f)
    if loc is not None:
        where["physicalLocation"] = physical_location(loc, repo_prefix)
    where["logicalLocations"] = [
        {"name": esc.inline(res.name), "fullyQualifiedName": esc.inline(res.urn), "kind": "resource"}
    ]
    text = esc.inline(f"{f.message.rstrip('.')}. {_fix_text(f)}.")
    out: dict[str, Any] = {"ruleId": f.rule_id}
    if f.rule_id in rule_index:
        out["ruleIndex"] = rule_index[f.rule_id]
    out.update(
        {
            "level": LEVELS[f.severity],
            "message": {"text": text},
            "locations": [where],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(f)},
            "suppressions": (
                [
                    {
                        "kind": "inSource" if f.suppressed_in_source else "external",
                        "status": "accepted",
                        "justification": esc.inline(f.suppressed),
                    }
                ]
                if f.suppressed is not None
                else []
            ),
            "properties": {
                "resource": {"urn": res.urn, "name": res.name, "type": res.type,
                             "stack": res.stack},
                "severity": str(f.severity),
                "evidence": esc.inline(f.evidence) if f.evidence else f.evidence,
                "fixes": [fix_json(fix) for fix in f.fixes],
            },
        }
    )
    return out


def report_sarif(result: ScanResult, options: ReportOptions | None = None) -> dict[str, Any]:
    rule_index = {rule.id: i for i, rule in enumerate(ALL_RULES)}
    prefix = options.repo_prefix if options is not None else ""
    notifications = [
        {"level": "warning", "message": {"text": esc.inline(w)}} for w in result.warnings
    ]
    c = counts(result)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "maintcheck",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [sarif_rule(rule, options) for rule in ALL_RULES],
                    }
                },
                "invocations": [
                    {"executionSuccessful": True, "toolExecutionNotifications": notifications}
                ],
                "originalUriBaseIds": {
                    "%SRCROOT%": {"description": {"text": "The repository root (git top level)."}}
                },
                "columnKind": "unicodeCodePoints",
                "results": [sarif_result(f, rule_index, prefix) for f in result.findings],
                "properties": {
                    "summary": {
                        "by_severity": c,
                        "suppressed": sum(1 for f in result.findings if f.suppressed is not None),
                        "resources": result.resource_count,
                        "incomplete": result.incomplete,
                    }
                },
            }
        ],
    }


class SarifFormat:
    name = "sarif"

    def __init__(self, options: ReportOptions | None = None) -> None:
        self.options = options or ReportOptions()

    def render(self, result: ScanResult) -> str:
        with collector_paused():
            text = dumps_indented(report_sarif(result, self.options), ensure_ascii=False)
            return esc.json_text(text) + "\n"
