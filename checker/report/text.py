"""Human-readable report: findings grouped by resource, each with its fixes."""

from __future__ import annotations

import click

from checker.model import Finding, ScanResult, Severity
from checker.report.base import finding_details, location, summary_line

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def _finding(f: Finding) -> list[str]:
    sev = click.style(f"{f.severity!s:<7}", fg=_COLOURS[f.severity], bold=True)
    head = f"  {sev} {click.style(f.rule_id, bold=True)} [{f.slug}] {f.message}"
    if f.suppressed is not None:
        head += click.style(f"  (suppressed: {f.suppressed})", dim=True)
    lines = [head]
    for kind, text in finding_details(f):
        if kind == "snippet":
            lines.append(click.style(_indent(text, "              "), dim=True))
        else:
            lines.append(f"          {kind}: {text}")
    return lines


class TextFormat:
    name = "text"

    def render(self, result: ScanResult) -> str:
        out: list[str] = []
        current = None
        for f in result.findings:
            if f.resource is not current:
                current = f.resource
                loc = location(f)
                where = f"{loc.file}:{loc.line}" if loc and loc.line else (loc.file if loc else "")
                title = f"{current.name} ({current.kind}, stack {current.stack or '?'})"
                out.append("")
                out.append(click.style(f"{where}  {title}" if where else title, bold=True))
            out.extend(_finding(f))
        if result.warnings:
            out.append("")
            out.extend(click.style(f"warning: {w}", fg="yellow") for w in result.warnings)
        if result.incomplete:
            out.append(click.style("note: the scan may be incomplete (see warnings).", fg="yellow"))
        out.append("")
        out.append(summary_line(result))
        return "\n".join(out).lstrip("\n") + "\n"
