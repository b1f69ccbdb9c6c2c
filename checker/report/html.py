"""A self-contained HTML page of a scan: the summary, every finding with its fixes, the
warnings, and the maintenance-wave picture of ``maintcheck simulate`` for the same fleet.

No script and no external resource, so the page can be attached to a CI run or opened from a
file. Every string from the input is escaped twice over: control and formatting characters
shown as escapes (``checker.escaping``), then HTML-escaped (text and attributes alike); no line
can start a GitHub workflow command, as in every other format.
"""

from __future__ import annotations

from collections.abc import Iterator

from checker import escaping as esc
from checker.model import Finding, ScanResult, Severity
from checker.report.base import ReportOptions, counts, location, summary_line

_COLOURS = {Severity.ERROR: "#b71c1c", Severity.WARNING: "#9a6700", Severity.INFO: "#0969da"}
_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #1f2328; max-width: 80rem; }
table { border-collapse: collapse; margin: 1rem 0; width: 100%; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
.sev { font-weight: 600; white-space: nowrap; }
.suppressed { color: #656d76; }
pre { background: #f6f8fa; padding: 8px; overflow-x: auto; }
details { margin: 2px 0; }
"""


def e(text: object) -> str:
    return esc.html_text(str(text), lines=True)


def _rule_cell(f: Finding, options: ReportOptions) -> str:
    label = f"{e(f.rule_id)} {e(f.slug)}"
    url = options.rule_url(f.rule_id)
    return f'<a href="{e(url)}">{label}</a>' if url else label


def _where(f: Finding, options: ReportOptions) -> str:
    loc = location(f)
    if loc is None:
        return e(f.resource.urn)
    text = e(f"{loc.file}:{loc.line}" if loc.line else loc.file)
    url = options.line_url(loc)
    return f'<a href="{e(url)}">{text}</a>' if url else text


def _fixes(f: Finding) -> str:
    parts = []
    if f.evidence:
        parts.append(f"<p>Evidence: {e(f.evidence)}</p>")
    for fix in f.fixes:
        snippet = f"<pre><code>{e(fix.snippet)}</code></pre>" if fix.snippet else ""
        parts.append(f"<details><summary>{e(fix.label)}</summary>{snippet}</details>")
    return "".join(parts)


def _row(f: Finding, options: ReportOptions) -> str:
    res = f.resource
    cls = ' class="suppressed"' if f.suppressed is not None else ""
    sev = f'<td class="sev" style="color:{_COLOURS[f.severity]}">{e(f.severity)}</td>'
    note = f"<p>Suppressed: {e(f.suppressed)}</p>" if f.suppressed is not None else ""
    return (
        f"<tr{cls}>{sev}<td>{_rule_cell(f, options)}</td>"
        f"<td>{e(res.name)} ({e(res.stack or '?')})</td><td>{_where(f, options)}</td>"
        f"<td>{e(f.message)}{note}{_fixes(f)}</td></tr>"
    )


def _waves(result: ScanResult) -> Iterator[str]:
    """The wave grid of ``maintcheck simulate``, when the scan kept its inventory; one grid per
    scan when several are reported together (stack groups), each titled with its stacks."""
    from checker.maintenance.render.page import grid
    from checker.maintenance.render.text import verdict
    from checker.maintenance.waves import simulate

    scans = [(r.inventory, True) for r in result.parts] or [(result.inventory, False)]
    heading = False
    for inventory, titled in scans:
        if inventory is None:
            continue
        sim = simulate(inventory)
        if not sim.workloads:
            continue
        if not heading:
            yield "<h2>Planned maintenance waves</h2>"
            heading = True
        if titled:
            stacks = sorted({res.stack for res in inventory.resources})
            label = "Stack" if len(stacks) == 1 else "Stacks"
            yield f"<h3>{e(label + ' ' + ', '.join(stacks))}</h3>"
        yield f"<p>{e(verdict(sim))}</p>"
        yield grid(sim)


def render_html(result: ScanResult, options: ReportOptions | None = None) -> str:
    options = options or ReportOptions()
    ordered = sorted(result.findings, key=lambda f: (f.suppressed is not None, -f.severity))
    c = counts(result)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>maintcheck: Azure planned-maintenance readiness</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>maintcheck: Azure planned-maintenance readiness</h1>",
        f"<p>{e(summary_line(result))}</p>",
        "<p>" + ", ".join(f"{n} {e(sev)}" for sev, n in c.items()) + "</p>",
    ]
    if result.incomplete:
        parts.append("<p><strong>The scan may be incomplete</strong> (see the warnings).</p>")
    if ordered:
        parts.append(
            "<table><thead><tr><th>Severity</th><th>Rule</th><th>Resource</th><th>Location</th>"
            "<th>Finding and fixes</th></tr></thead><tbody>"
        )
        parts.extend(_row(f, options) for f in ordered)
        parts.append("</tbody></table>")
    else:
        parts.append("<p>No finding.</p>")
    if result.warnings:
        parts.append("<h2>Warnings</h2><ul>")
        parts.extend(f"<li>{e(w)}</li>" for w in result.warnings)
        parts.append("</ul>")
    parts.extend(_waves(result))
    parts.append("</body></html>")
    return esc.no_commands("\n".join(parts) + "\n")


class HtmlFormat:
    name = "html"

    def __init__(self, options: ReportOptions | None = None) -> None:
        self.options = options or ReportOptions()

    def render(self, result: ScanResult) -> str:
        return render_html(result, self.options)
