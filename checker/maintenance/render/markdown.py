"""Markdown renderings: the simulation with a Mermaid chart GitHub renders, the plan as a
runbook. Names are escaped for their sink: table cells (:func:`checker.report.markdown.cell`),
Mermaid labels (:func:`mermaid_text`) and code blocks (:func:`checker.report.markdown.fenced`)."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from checker.maintenance.plan import Plan
from checker.maintenance.render.text import percent, verdict
from checker.maintenance.waves import Simulation, Wave, WorkloadWaves
from checker.report.markdown import cell, fenced

MAX_CHART_WAVES: Final = 12  # per workload; the worst wave is always drawn
_MERMAID: Final = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;"}
_MERMAID_RE: Final = re.compile("[" + re.escape("".join(_MERMAID)) + "]")


def mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label: entity codes for the characters Mermaid or
    HTML would read, no control characters or line breaks."""
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return _MERMAID_RE.sub(lambda m: _MERMAID[m.group(0)], text)


def _names(wave: Wave, shown: int = 3) -> str:
    listed = [i.name for i in wave.down[:shown]]
    if len(wave.down) > shown:
        listed.append(f"+{len(wave.down) - shown} more")
    return ", ".join(listed)


def _chart_waves(w: WorkloadWaves) -> list[Wave]:
    waves = list(w.waves[:MAX_CHART_WAVES])
    if w.worst not in waves:
        waves.append(w.worst)
    return waves


def mermaid(sim: Simulation) -> str:
    """A flowchart: one box per workload, its waves in maintenance order; the worst wave
    outlined, a wave that leaves nothing running filled red."""
    lines = ["flowchart LR"]
    worst_ids: list[str] = []
    outage_ids: list[str] = []
    for wi, w in enumerate(sim.workloads):
        title = f"{w.name}: {len(w.instances)} instance{'s' if len(w.instances) != 1 else ''}"
        lines.append(f'  subgraph w{wi}["{mermaid_text(title)}"]')
        lines.append("    direction LR")
        chain: list[str] = []
        shown = _chart_waves(w)
        for vi, wave in enumerate(shown):
            node = f"w{wi}v{vi}"
            label = (f"{wave.label}<br/>down: {_names(wave)}<br/>"
                     f"{wave.left} of {len(w.instances)} left ({percent(wave.capacity)})")
            label = "<br/>".join(mermaid_text(part) for part in label.split("<br/>"))
            lines.append(f'    {node}["{label}"]')
            if not wave.together:
                chain.append(node)
            if wave is w.worst:
                (outage_ids if wave.left == 0 else worst_ids).append(node)
        if len(w.waves) > len(shown):
            more = f"w{wi}more"
            lines.append(f'    {more}["{len(w.waves) - len(shown)} more waves"]')
            chain.append(more)
        if len(chain) > 1:
            lines.append("    " + " --> ".join(chain))
        lines.append("  end")
    lines.append("  classDef worst fill:#fff3cd,stroke:#b26a00,stroke-width:3px")
    lines.append("  classDef outage fill:#f8d7da,stroke:#b71c1c,stroke-width:3px")
    if worst_ids:
        lines.append(f"  class {','.join(worst_ids)} worst")
    if outage_ids:
        lines.append(f"  class {','.join(outage_ids)} outage")
    return "\n".join(lines)


def simulation_markdown(sim: Simulation) -> str:
    out = ["## Planned maintenance waves", "", cell(verdict(sim)), ""]
    if sim.workloads:
        out += [fenced(mermaid(sim), "mermaid")]
        out += ["| Workload | Wave | Down | Left | Capacity |", "|---|---|---|---|---|"]
        for w in sim.workloads:
            for wave in w.waves:
                label = cell(wave.label)
                if wave is w.worst:
                    label = f"**{label}** (worst)"
                down = ", ".join(cell(f"{i.name} ({i.stack})") for i in wave.down)
                out.append(f"| {cell(w.name)} | {label} | {down} | {wave.left} of "
                           f"{len(w.instances)} | {percent(wave.capacity)} |")
        out.append("")
    notes = [f"{cell(w.name)}: {cell(n)}" for w in sim.workloads for n in w.notes]
    notes += [cell(n) for n in sim.notes]
    if notes:
        out += ["Notes:", "", *(f"- {n}" for n in notes), ""]
    out.append("Waves assume the best placement Azure promises: round-robin over update domains, "
               "one zone / update domain / fault domain at a time, paired regions never together.")
    return "\n".join(out) + "\n"


def plan_markdown(plan: Plan) -> str:
    out = ["## Self-service maintenance runbook", ""]
    out.append(
        "Start maintenance on each VM yourself during the pre-emptive (self-service) window, "
        "in this order. Tick each step when its VMs serve again."
    )
    out.append("")
    if plan.phases:
        order = " then ".join(", ".join(p) for p in plan.phases)
        out += [f"Regions: {cell(order)} (never both regions of a pair at once).", ""]
    if not plan.steps:
        out += ["No step: no VM to maintain yourself.", ""]
    for step in plan.steps:
        out.append(f"### Step {step.number}: {cell(', '.join(step.regions))}")
        out.append("")
        out.append("- [ ] " + ", ".join(cell(f"{i.name} ({i.stack})") for i in step.vms))
        out.append("")
        out.append(fenced("\n".join(step.commands), "bash"))
        out += [f"- {cell(n)}" for n in step.notes]
        if step.wait_minutes:
            out.append(f"- then wait {step.wait_minutes} minutes before step {step.number + 1}")
        out.append("")
    if plan.left_to_azure:
        out += ["### Left to Azure", ""]
        out += [f"- {cell(f'{i.name} ({i.stack})')}" for i in plan.left_to_azure]
        out.append("")
    if plan.notes:
        out += ["### Notes", "", *(f"- {cell(n)}" for n in plan.notes), ""]
    return "\n".join(out)
