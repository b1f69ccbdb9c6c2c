"""Plain-text renderings: the simulation as a table, the plan as numbered steps.

Every string from the input passes ``escaping.inline``: a VM name cannot move the terminal's cursor.
"""

from __future__ import annotations

from collections.abc import Sequence

from checker.escaping import inline
from checker.maintenance.placement import Instance
from checker.maintenance.plan import Plan
from checker.maintenance.waves import Simulation, WorkloadWaves

_SHOWN = 4  # names per table cell before "+N more"


def percent(capacity: float) -> str:
    return f"{capacity * 100:.0f}%"


def names(instances: Sequence[Instance], shown: int = _SHOWN) -> str:
    listed = [inline(f"{i.name} ({i.stack})") for i in instances[:shown]]
    if len(instances) > shown:
        listed.append(f"+{len(instances) - shown} more")
    return ", ".join(listed)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*headers).rstrip(), line.format(*("-" * w for w in widths)).rstrip()]
    out.extend(line.format(*row).rstrip() for row in rows)
    return out


def verdict(sim: Simulation) -> str:
    """One line: which workloads the worst wave takes down, if any."""
    count = len(sim.workloads)
    noun = f"{count} workload{'s' if count != 1 else ''}"
    down = sim.taken_down
    if not down:
        return f"{noun}: no wave takes a workload down."
    listed = ", ".join(inline(f"{w.name} ({w.worst.label})") for w in down)
    return f"{noun}: the worst wave takes {len(down)} of them down: {listed}."


def _rows(w: WorkloadWaves) -> list[list[str]]:
    rows = []
    total = len(w.instances)
    for wave in w.waves:
        mark = "worst" if wave is w.worst else ""
        if wave is w.worst and wave.left == 0:
            mark = "worst: all down"
        rows.append([
            inline(w.name),
            inline(wave.label),
            names(wave.down),
            f"{wave.left} of {total}",
            percent(wave.capacity),
            mark,
        ])
    return rows


def simulation_text(sim: Simulation) -> str:
    lines = ["Planned maintenance waves (the best placement Azure promises)", ""]
    rows = [row for w in sim.workloads for row in _rows(w)]
    if rows:
        lines += table(["WORKLOAD", "WAVE", "DOWN", "LEFT", "CAPACITY", "NOTE"], rows)
        lines.append("")
    notes = [f"{inline(w.name)}: {inline(n)}" for w in sim.workloads for n in w.notes]
    notes += [inline(n) for n in sim.notes]
    if notes:
        lines += ["Notes:", *(f"  - {n}" for n in notes), ""]
    lines.append(verdict(sim))
    return "\n".join(lines) + "\n"


def plan_text(plan: Plan) -> str:
    lines = ["Self-service maintenance plan", ""]
    if not plan.steps:
        lines += ["No step: no VM to maintain yourself.", ""]
    for step in plan.steps:
        regions = ", ".join(step.regions)
        lines.append(f"Step {step.number} ({inline(regions)}): {names(step.vms, len(step.vms))}")
        lines += [f"  $ {inline(c)}" for c in step.commands]
        lines += [f"  - {inline(n)}" for n in step.notes]
        if step.wait_minutes:
            lines.append(f"  then wait {step.wait_minutes} minutes")
        lines.append("")
    if plan.left_to_azure:
        lines.append(f"Left to Azure: {names(plan.left_to_azure, len(plan.left_to_azure))}")
        lines.append("")
    if plan.notes:
        lines += ["Notes:", *(f"  - {inline(n)}" for n in plan.notes)]
    return "\n".join(lines).rstrip("\n") + "\n"
