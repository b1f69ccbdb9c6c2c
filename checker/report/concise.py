"""One line per finding, like a compiler: ``file:line: MC101 [error] resource: message``.

Sorted by severity (errors first), then location, so the worst comes first and a terminal or
an editor's problem matcher can jump to each line. The pre-commit hook's default. Findings
without a source line name the scanned input instead of a file; suppressed findings are
counted in the closing summary, not listed.
"""

from __future__ import annotations

import click

from checker import escaping as esc
from checker.model import Finding, ScanResult, Severity, natural_key
from checker.report.base import location, summary_line

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def where(f: Finding) -> str:
    loc = location(f)
    if loc is None:
        return f.resource.origin or f.resource.urn
    return f"{loc.file}:{loc.line}" if loc.line else loc.file


def sort_key(f: Finding) -> tuple[object, ...]:
    loc = location(f)
    file, line = (loc.file, loc.line or 0) if loc else (f.resource.origin, 0)
    return (-f.severity, file, line, f.resource.stack, natural_key(f.resource.name), f.rule_id, f.message)


def line(f: Finding, with_stack: bool = False) -> str:
    sev = click.style(str(f.severity), fg=_COLOURS[f.severity])
    name = f"{f.resource.name} ({f.resource.stack})" if with_stack else f.resource.name
    message = esc.inline(" ".join(f.message.split()))
    rule = click.style(f.rule_id, bold=True)
    return f"{esc.inline(where(f))}: {rule} [{sev}] {esc.inline(name)}: {message}"


class ConciseFormat:
    name = "concise"

    def render(self, result: ScanResult) -> str:
        active = sorted((f for f in result.findings if f.suppressed is None), key=sort_key)
        several = len({f.resource.stack for f in active}) > 1  # name the stack when it differs
        out = [line(f, several) for f in active]
        out.extend(click.style(f"warning: {esc.inline(w)}", fg="yellow") for w in result.warnings)
        out.append(summary_line(result))
        return esc.no_commands("\n".join(out) + "\n")
