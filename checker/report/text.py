"""Human-readable report: findings grouped by resource, the worst resources first.

Each finding shows the head of its message and its first fix, so that a first scan fits on a
screen; ``--verbose`` shows the whole message, the evidence, every other fix and the code
snippet. A footer points at the rule pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import click

from checker import escaping as esc
from checker.inventory import Resource
from checker.model import RECREATES, Finding, ScanResult, Severity, natural_key
from checker.report.base import ReportOptions, finding_details, location, summary_line

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}
HEADLINE = 100  # characters of a message shown without --verbose


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def headline(message: str, limit: int = HEADLINE, seps: tuple[str, ...] = (": ", "; ", ". ")) -> str:
    """``message`` up to its first clause (``: ``, ``; ``, ``. ``) when it is longer than
    ``limit``; else cut at a word. The whole message is in ``--verbose`` and every other
    format."""
    message = " ".join(message.split())
    if len(message) <= limit:
        return message
    cuts = [i for sep in seps if 20 <= (i := message.find(sep)) <= limit]
    cut = min(cuts) if cuts else message.rfind(" ", 0, limit)
    return message[: cut if cut > 0 else limit].rstrip(" ,.;:") + " …"


def _finding(f: Finding, verbose: bool) -> list[str]:
    sev = click.style(f"{f.severity!s:<7}", fg=_COLOURS[f.severity], bold=True)
    message = f.message if verbose else headline(f.message)
    head = f"  {sev} {click.style(f.rule_id, bold=True)} [{f.slug}] {esc.inline(message)}"
    if f.suppressed is not None:
        head += click.style(f"  (suppressed: {esc.inline(f.suppressed)})", dim=True)
    lines = [head]
    if not verbose:
        fix, more = f.fixes[0], len(f.fixes) - 1
        title = headline(fix.title, HEADLINE, ("; ",))
        extra = f" (+{more} more with --verbose)" if more else ""
        shown = esc.inline(title)
        return [*lines, f"          fix: {shown}{f' {RECREATES}' if fix.replacement else ''}{extra}"]
    for kind, text in finding_details(f):
        if kind == "snippet":
            lines.append(click.style(_indent(esc.block(text), "              "), dim=True))
        else:
            lines.append(f"          {kind}: {esc.inline(text)}")
    return lines


@dataclass(frozen=True)
class _Group:
    resource: Resource
    findings: tuple[Finding, ...]

    def sort_key(self) -> tuple[object, ...]:
        loc = location(self.findings[0])
        worst = max(f.severity for f in self.findings)
        file, line = (loc.file, loc.line or 0) if loc else ("", 0)
        res = self.resource
        return (-worst, file, line, res.stack, natural_key(res.name), res.urn)


def _groups(findings: Sequence[Finding]) -> list[_Group]:
    by_resource: dict[Resource, list[Finding]] = {}  # resources hash by identity
    for f in findings:
        by_resource.setdefault(f.resource, []).append(f)
    groups = [
        _Group(res, tuple(sorted(fs, key=lambda f: (-f.severity, f.rule_id, f.message))))
        for res, fs in by_resource.items()
    ]
    return sorted(groups, key=_Group.sort_key)


def _footer(result: ScanResult, options: ReportOptions) -> list[str]:
    ids = sorted({f.rule_id for f in result.findings})
    if not ids:
        return []
    first = ids[0]
    where = f" or {options.rule_url(first)}" if options.docs_url else ""
    lines = [f"Why and how to fix: maintcheck explain {first}{where} (one page per rule)."]
    if not options.verbose:
        lines.append("--verbose shows the evidence, every fix and its code.")
    return lines


class TextFormat:
    name = "text"
    def __init__(self, options: ReportOptions | None = None) -> None:
        self.options = options or ReportOptions()

    def render(self, result: ScanResult) -> str:
        verbose = self.options.verbose
        out: list[str] = []
        for group in _groups(result.findings):
            res = group.resource
            loc = location(group.findings[0])
            where = f"{loc.file}:{loc.line}" if loc and loc.line else (loc.file if loc else "")
            title = esc.inline(f"{res.name} ({res.kind}, stack {res.stack or '?'})")
            if verbose:
                out.append("")
            out.append(click.style(f"{esc.inline(where)}  {title}" if where else title, bold=True))
            for f in group.findings:
                out.extend(_finding(f, verbose))
        if result.warnings:
            out.append("")
            out.extend(click.style(f"warning: {esc.inline(w)}", fg="yellow") for w in result.warnings)
        if result.incomplete:
            out.append(click.style("note: the scan may be incomplete (see warnings).", fg="yellow"))
        out.append("")
        out.extend(_footer(result, self.options))
        out.append(summary_line(result))
        return esc.no_commands("\n".join(out).lstrip("\n") + "\n")
