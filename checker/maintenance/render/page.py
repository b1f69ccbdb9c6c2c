"""A self-contained HTML page of a simulation: per workload its worst wave, and an inline SVG
grid of regions x zones / update domains / fault domains with every instance placed, coloured
by workload, the instances of each workload's worst wave outlined.

No script, no external resource. Every string from the input is escaped with :func:`e` (text
and attributes alike).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Final

from checker.escaping import html_text
from checker.maintenance.placement import Instance, domain_key
from checker.maintenance.render.text import percent, verdict
from checker.maintenance.waves import Simulation

PALETTE: Final = (
    "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948",
    "#9c755f", "#bab0ac", "#86bcb6", "#d37295", "#a0cbe8", "#8cd17d",
)
CHIP_W, CHIP_H, GAP, PAD = 168, 20, 4, 8
LABEL_W, HEAD_H, LEGEND_H = 150, 28, 24
_VISIBLE = 22  # characters of a name drawn inside its chip (the tooltip has all of it)

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1f2328; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; }
.down { color: #b71c1c; font-weight: 600; }
.legend span { display: inline-block; margin-right: 1rem; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; }
svg .head { font-weight: 600; }
svg .vm.worst rect { stroke: #b71c1c; stroke-width: 3; }
"""


def e(text: object) -> str:
    """Text or attribute value: HTML-escaped; control characters (which HTML cannot carry)
    shown as escapes (checker.escaping)."""
    return html_text(str(text))


def _short(name: str) -> str:
    return name if len(name) <= _VISIBLE else name[: _VISIBLE - 1] + "…"


def _legend(sim: Simulation, colour: dict[str, str], width: int) -> list[list[str]]:
    """Legend items (workload swatches, then the worst-wave outline), wrapped to ``width``."""
    items = [(f'fill="{colour[w.workload.key]}"', w.name) for w in sim.workloads]
    items.append(('fill="#ffffff" stroke="#b71c1c" stroke-width="3"', "in its workload's worst wave"))
    lines: list[list[str]] = [[]]
    x = PAD
    for paint, text in items:
        size = 24 + 8 * len(text)
        if x + size > width and lines[-1]:
            lines.append([])
            x = PAD
        lines[-1].append(f'<rect x="{x}" y="6" width="12" height="12" {paint}/>'
                         f'<text x="{x + 18}" y="16">{e(text)}</text>')
        x += size + 16
    return lines


def grid(sim: Simulation) -> str:
    """The SVG: one row per region, one column per domain, one chip per instance."""
    colour = {w.workload.key: PALETTE[i % len(PALETTE)] for i, w in enumerate(sim.workloads)}
    worst = {id(inst) for w in sim.workloads for inst in w.worst.down}
    cells: dict[tuple[str, str], list[Instance]] = defaultdict(list)
    for w in sim.workloads:
        for inst in w.instances:
            cells[(inst.region, inst.domain)].append(inst)
    regions = sorted({r for r, _ in cells})
    domains = sorted({d for _, d in cells}, key=domain_key)
    col_w = CHIP_W + 2 * PAD
    heights = {
        r: max(max(len(cells.get((r, d), ())) for d in domains), 1) * (CHIP_H + GAP) - GAP + 2 * PAD
        for r in regions
    }
    width = max(LABEL_W + col_w * len(domains), 480)
    legend = _legend(sim, colour, width)
    height = HEAD_H + sum(heights.values()) + LEGEND_H * len(legend)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="maintenance waves" '
        'font-family="system-ui, sans-serif" font-size="12">'
    ]
    for c, domain in enumerate(domains):
        x = LABEL_W + c * col_w
        out.append(f'<text class="head" x="{x + PAD}" y="{HEAD_H - 10}">{e(domain)}</text>')
    y = HEAD_H
    for region in regions:
        h = heights[region]
        out.append(f'<g class="region" data-region="{e(region)}">')
        out.append(f'<rect x="0" y="{y}" width="{width}" height="{h}" fill="#f6f8fa" stroke="#d0d7de"/>')
        out.append(f'<text class="head" x="{PAD}" y="{y + PAD + 14}">{e(region)}</text>')
        for c, domain in enumerate(domains):
            x = LABEL_W + c * col_w
            out.append(f'<line x1="{x}" y1="{y}" x2="{x}" y2="{y + h}" stroke="#d0d7de"/>')
            members = sorted(cells.get((region, domain), ()),
                             key=lambda i: (i.workload.label, i.name, i.stack, i.urn))
            for k, inst in enumerate(members):
                cy = y + PAD + k * (CHIP_H + GAP)
                in_worst = id(inst) in worst
                cls = "vm worst" if in_worst else "vm"
                stroke = 'stroke="#b71c1c" stroke-width="3"' if in_worst else 'stroke="#ffffff"'
                tip = (f"{inst.name} ({inst.stack}) · workload {inst.workload.label} · "
                       f"{inst.region} / {inst.group_name or inst.group} / {inst.domain}")
                out.append(
                    f'<g class="{cls}" data-name="{e(inst.name)}" data-urn="{e(inst.urn)}" '
                    f'data-workload="{e(inst.workload.label)}" data-domain="{e(inst.domain)}">'
                    f"<title>{e(tip)}</title>"
                    f'<rect x="{x + PAD}" y="{cy}" width="{CHIP_W}" height="{CHIP_H}" rx="3" '
                    f'fill="{colour[inst.workload.key]}" {stroke}/>'
                    f'<text x="{x + PAD + 6}" y="{cy + 14}" fill="#ffffff">{e(_short(inst.name))}</text>'
                    "</g>"
                )
        out.append("</g>")
        y += h
    for line in legend:
        out.extend(f'<g class="legend" transform="translate(0,{y})">{item}</g>' for item in line)
        y += LEGEND_H
    out.append("</svg>")
    return "\n".join(out)


def simulation_html(sim: Simulation) -> str:
    colour = {w.workload.key: PALETTE[i % len(PALETTE)] for i, w in enumerate(sim.workloads)}
    rows = []
    for w in sim.workloads:
        cls = ' class="down"' if w.worst.left == 0 else ""
        rows.append(
            f"<tr><td><span class=\"swatch\" style=\"background:{colour[w.workload.key]}\"></span>"
            f"{e(w.name)}</td><td>{len(w.instances)}</td><td>{e(w.worst.label)}</td>"
            f"<td{cls}>{w.worst.left} of {len(w.instances)} ({percent(w.worst.capacity)})</td></tr>"
        )
    notes = [f"{w.name}: {n}" for w in sim.workloads for n in w.notes] + list(sim.notes)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>maintcheck: planned maintenance waves</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Planned maintenance waves</h1>",
        f"<p>{e(verdict(sim))}</p>",
        "<table><thead><tr><th>Workload</th><th>Instances</th><th>Worst wave</th>"
        "<th>Left in the worst wave</th></tr></thead><tbody>",
        *rows,
        "</tbody></table>",
        "<p>Each chip is an instance, placed in its region and its zone / update domain / fault "
        "domain, coloured by workload; a red outline marks its workload's worst wave.</p>",
        grid(sim) if sim.workloads else "<p>No instance to place.</p>",
    ]
    if notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in notes) + "</ul>")
    parts.append(
        "<p>Waves assume the best placement Azure promises: round-robin over update domains, "
        "one zone / update domain / fault domain at a time, paired regions never together.</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
