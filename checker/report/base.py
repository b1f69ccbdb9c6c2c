"""What a report format is, and the facts every format shows the same way."""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import Protocol
from urllib.parse import quote

from checker.model import Finding, ScanResult, Severity
from checker.rule_docs import DOCS_URL


class Format(Protocol):
    name: str

    def render(self, result: ScanResult) -> str: ...


@dataclass(frozen=True)
class ReportOptions:
    """What a report may show beyond the scan itself; a format class whose constructor takes
    ``options`` receives them (see :func:`checker.report.get`).

    ``docs_url`` is the base of the rule pages (``<docs_url>/MC101.md``); ``source_url``, when
    the CI names the repository and commit, the base that a file path is appended to for a
    link to its line (``https://github.com/OWNER/REPO/blob/SHA``)."""

    verbose: bool = False
    docs_url: str = DOCS_URL
    source_url: str = ""
    repo_prefix: str = ""  # where the scan ran, relative to the git top level ("" at the top)

    def rule_url(self, rule_id: str) -> str:
        return f"{self.docs_url.rstrip('/')}/{rule_id}.md" if self.docs_url else ""

    def line_url(self, loc: Location) -> str:
        if not self.source_url or posixpath.isabs(loc.file) or loc.file.startswith("../"):
            return ""
        anchor = f"#L{loc.line}" if loc.line else ""
        return f"{self.source_url.rstrip('/')}/{quote(loc.file)}{anchor}"


@dataclass(frozen=True)
class Location:
    file: str
    line: int | None


def location(finding: Finding) -> Location | None:
    """Where the finding's resource is constructed, relative to where the scan was pointed:
    ``infra/__main__.py:42`` for a program scanned as ``infra``."""
    res = finding.resource
    if res.source is None:
        return None
    base = PurePath(res.root).as_posix() if res.root else ""
    file = posixpath.normpath(posixpath.join(base, res.source.file)) if base else res.source.file
    return Location(file, res.source.line or None)


def counts(result: ScanResult) -> dict[str, int]:
    active = Counter(f.severity for f in result.findings if f.suppressed is None)
    return {str(s): active.get(s, 0) for s in sorted(Severity, reverse=True)}


def summary_line(result: ScanResult) -> str:
    c = counts(result)
    total = sum(c.values())
    suppressed = sum(1 for f in result.findings if f.suppressed is not None)
    parts = [f"{n} {sev}{'s' if n != 1 else ''}" for sev, n in c.items() if n]
    head = f"{total} finding{'s' if total != 1 else ''}"
    detail = f" ({', '.join(parts)})" if parts else ""
    extra = f", {suppressed} suppressed" if suppressed else ""
    return f"{head}{detail}{extra} in {result.resource_count} resources."


def finding_details(f: Finding) -> Iterator[tuple[str, str]]:
    """What every text rendering of a finding shows under its message, in order:
    ``("evidence", text)``, then ``("fix", title)`` for each fix, with ``("apply", how)`` when
    ``maintcheck fix`` can apply the first fix and ``("snippet", code)`` after it. The text
    report and the policy pack's messages lay these out."""
    if f.evidence:
        yield "evidence", f.evidence
    for i, fix in enumerate(f.fixes):
        yield "fix", fix.label
        if i == 0 and fix.command:
            yield "apply", f"`{fix.command}` writes it into a Python program and proves it by a rescan"
        if i == 0 and fix.snippet:
            yield "snippet", fix.snippet
