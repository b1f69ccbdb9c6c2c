"""JSON documents of a simulation and a plan (schemas: ``checker/schemas/simulate.schema.json``
and ``plan.schema.json``)."""

from __future__ import annotations

from typing import Any

from checker.jsontext import dumps_indented
from checker.maintenance.placement import Instance
from checker.maintenance.plan import Plan
from checker.maintenance.waves import Simulation, Wave

VERSION = 1


def _instance(inst: Instance) -> dict[str, Any]:
    return {"name": inst.name, "urn": inst.urn, "stack": inst.stack}


def _wave(wave: Wave) -> dict[str, Any]:
    out: dict[str, Any] = {
        "wave": wave.label,
        "region": wave.region,
        "down": [_instance(i) for i in wave.down],
        "left": wave.left,
        "capacity": round(wave.capacity, 4),
    }
    if wave.together:
        out["together"] = list(wave.together)
    return out


def simulation_document(sim: Simulation) -> dict[str, Any]:
    return {
        "version": VERSION,
        "workloads": [
            {
                "workload": w.name,
                "instances": len(w.instances),
                "waves": [_wave(wave) for wave in w.waves],
                "worst": {
                    "wave": w.worst.label,
                    "capacity": round(w.worst.capacity, 4),
                    "left": w.worst.left,
                },
                "notes": list(w.notes),
            }
            for w in sim.workloads
        ],
        "notes": list(sim.notes),
    }


def _planned(inst: Instance) -> dict[str, Any]:
    return {**_instance(inst), "workload": inst.workload.label, "region": inst.region}


def plan_document(plan: Plan) -> dict[str, Any]:
    return {
        "version": VERSION,
        "steps": [
            {
                "step": step.number,
                "regions": list(step.regions),
                "vms": [i.name for i in step.vms],
                "instances": [_planned(i) for i in step.vms],
                "commands": list(step.commands),
                "wait_minutes": step.wait_minutes,
                "notes": list(step.notes),
            }
            for step in plan.steps
        ],
        "left_to_azure": [i.name for i in plan.left_to_azure],
        "left_to_azure_instances": [_planned(i) for i in plan.left_to_azure],
        "tiers": [[wl.label for wl in tier] for tier in plan.tiers.order],
        "phases": [list(regions) for regions in plan.phases],
        "notes": list(plan.notes),
    }


def simulation_json(sim: Simulation) -> str:
    return dumps_indented(simulation_document(sim)) + "\n"


def plan_json(plan: Plan) -> str:
    return dumps_indented(plan_document(plan)) + "\n"
