"""``maintcheck plan``: an order for the self-service (pre-emptive) maintenance window.

The seed: during the pre-emptive window a team starts maintenance on each VM itself ("for
multi-instance or multi-tier applications, you need sufficient time between two VMs or a
certain sequence to follow"). The plan is a list of steps that

* never take all instances of a multi-instance workload at once: per workload and region at most
  ``max-unavailable`` of its instances there (at least 1, never all of a region's two or more),
  one zone / update domain / fault domain of each group (zones, a set) at a time — so the
  update domain k of several sets of one workload may share a step, as Azure itself may;
* never hold both regions of a pair: regions are split into phases, no two paired regions in one
  phase, and each phase is finished before the next starts;
* maintain tiers in order (config ``tiers``, else dependencies first, dependents last);
* wait between steps (config ``plan-wait-minutes``, default 30);
* give a single-instance workload a step of its own, with the warning that it goes down.

Microsoft does not recommend self-service maintenance for VMs in availability sets (Azure already
takes one update domain at a time): they are left to Azure unless ``include_sets``, and then
sequenced one update domain per step. Scale set instances are always left to Azure.
"""

from __future__ import annotations

import math
import shlex
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from checker.azure.regions import RegionPairs, region_pairs
from checker.config import PLAN_WAIT_MINUTES
from checker.escaping import inline
from checker.inventory import Inventory, Resource, Workload
from checker.inventory.index import parse_arm_id
from checker.maintenance.costs import costs, temp_disk_note
from checker.maintenance.placement import AVAILABILITY_SET, SINGLE, UNKNOWN_REGION, Instance, fleet
from checker.maintenance.tiers import Tiers, tiers
from checker.maintenance.waves import wave_label
from checker.model import Finding

# The subscription of the ids maintcheck's program mocks make up: never a real one.
PLACEHOLDER_SUBSCRIPTION: Final = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Step:
    number: int
    regions: tuple[str, ...]
    vms: tuple[Instance, ...]
    commands: tuple[str, ...]
    wait_minutes: int
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    left_to_azure: tuple[Instance, ...]
    tiers: Tiers
    phases: tuple[tuple[str, ...], ...]
    wait_minutes: int
    include_sets: bool
    notes: tuple[str, ...]


def arm_id(vm: Resource) -> str | None:
    """The VM's ARM id when the document knows it (state, preview of an existing VM); None for
    the made-up ids of a program run under mocks."""
    value = vm.id
    if not isinstance(value, str) or not value.lower().startswith("/subscriptions/"):
        return None
    if value.split("/")[2] == PLACEHOLDER_SUBSCRIPTION:
        return None
    parsed = parse_arm_id(value)
    return value if parsed and parsed[0] == "microsoft.compute/virtualmachines" else None


def command(inst: Instance) -> str:
    """``az vm perform-maintenance --ids <id>``; a placeholder where the id is not known."""
    known = arm_id(inst.resource)
    target = known or f"<ARM id of {inst.name} in stack {inst.stack}>"
    # shell-quoted, and no control character or line break from a name reaches the runbook
    return f"az vm perform-maintenance --ids {shlex.quote(inline(target))}"


def phases(regions: Iterable[str], pairs: RegionPairs) -> tuple[tuple[str, ...], ...]:
    """Regions split so that no phase holds two regions of a pair (greedy colouring in name
    order); regions whose location is unknown come last, alone."""
    colour: dict[str, int] = {}
    known = sorted({r for r in regions if r != UNKNOWN_REGION})
    for region in known:
        taken = {colour[o] for o in colour if pairs.are_paired(region, o)}
        colour[region] = next(c for c in range(len(known) + 1) if c not in taken)
    out = [tuple(r for r in known if colour[r] == c) for c in sorted(set(colour.values()))]
    if UNKNOWN_REGION in set(regions):
        out.append((UNKNOWN_REGION,))
    return tuple(out)


def _limit(in_region: int, max_unavailable: float) -> int:
    """How many of a workload's ``in_region`` instances one step may take."""
    limit = max(1, math.floor(in_region * max_unavailable + 1e-9))
    return min(limit, in_region - 1) if in_region >= 2 else limit


Domains = dict[tuple[str, str], deque[list[Instance]]]  # (group, set name) -> its batches in order


def _batches(planned: Sequence[Instance], limit: int, cut: list[str]) -> Domains:
    """Per group (zones, a set, a scale set, the single VMs), its domains in order, each cut to
    ``limit``; the wave labels of domains that had to be cut are added to ``cut``."""
    cells: dict[tuple[str, str, str], list[Instance]] = {}
    for inst in sorted(planned, key=Instance.sort_key):
        cells.setdefault(inst.cell, []).append(inst)
    groups: Domains = {}
    for (group, name, _domain), members in cells.items():
        if len(members) > limit and group != SINGLE:
            cut.append(wave_label(members[0]))
        queue = groups.setdefault((group, name), deque())
        queue.extend(members[i:i + limit] for i in range(0, len(members), limit))
    return groups


def build_plan(
    inv: Inventory,
    findings: Iterable[Finding] = (),
    *,
    configured_tiers: Sequence[Sequence[str]] = (),
    wait_minutes: int = PLAN_WAIT_MINUTES,
    include_sets: bool = False,
    max_unavailable: float = 0.5,
    pairs: RegionPairs | None = None,
) -> Plan:
    table = pairs or region_pairs()
    placed = fleet(inv)
    workloads = [wl for wl in inv.workloads() if placed.of(wl)]
    order = tiers(inv, workloads, configured_tiers)
    tier_of = order.index()
    per_vm_costs = costs(inv, findings)

    planned: list[Instance] = []
    left: list[Instance] = []
    for inst in sorted(placed.instances, key=lambda i: (i.workload.key, *i.sort_key())):
        if not inst.is_vm or (inst.group == AVAILABILITY_SET and not include_sets):
            left.append(inst)
        else:
            planned.append(inst)
    total: Counter[str] = Counter(i.workload.key for i in placed.instances)
    in_region: Counter[tuple[str, str]] = Counter((i.workload.key, i.region) for i in placed.instances)
    by_key = {wl.key: wl for wl in workloads}

    groups: dict[tuple[int, int, str, str], list[Instance]] = defaultdict(list)
    region_phases = phases((i.region for i in planned), table)
    phase_of = {r: p for p, regions in enumerate(region_phases) for r in regions}
    for inst in planned:
        key = (phase_of[inst.region], tier_of[inst.workload.key], inst.workload.key, inst.region)
        groups[key].append(inst)

    raw_steps: list[tuple[int, list[Instance], list[str]]] = []  # (phase, VMs, notes)
    cut: list[str] = []
    for phase in range(len(region_phases)):
        for tier in range(len(order.order)):
            # (workload, region) -> (how many one step may take there, its groups' domains)
            queues: dict[tuple[str, str], tuple[int, Domains]] = {}
            singles: list[Instance] = []
            for (p, ti, wl_key, region), members in sorted(groups.items()):
                if p != phase or ti != tier:
                    continue
                if total[wl_key] == 1:
                    singles.extend(members)
                else:
                    limit = _limit(in_region[(wl_key, region)], max_unavailable)
                    queues[(wl_key, region)] = (limit, _batches(members, limit, cut))
            while any(q for _limit_, by_group in queues.values() for q in by_group.values()):
                taken: Counter[str] = Counter()
                vms: list[Instance] = []
                for (wl_key, _region), (limit, by_group) in queues.items():
                    used = 0  # one domain per group, at most ``limit`` of the region
                    for queue in by_group.values():
                        if not queue:
                            continue
                        size = len(queue[0])
                        if used + size <= limit and taken[wl_key] + size < total[wl_key]:
                            batch = queue.popleft()
                            used += size
                            taken[wl_key] += size
                            vms.extend(batch)
                raw_steps.append((phase, vms, _serving_notes(vms, by_key, total)))
            for inst in singles:
                raw_steps.append((phase, [inst], [
                    f"{inst.workload.label} has a single instance: it is down until {inst.name} "
                    "is back (no order avoids it; pick a quiet hour, or add a second instance "
                    "- see MC101)"
                ]))

    steps: list[Step] = []
    for number, (phase, vms, notes) in enumerate(raw_steps, 1):
        last = number == len(raw_steps)
        extra = list(notes)
        for inst in vms:
            vm_costs = list(per_vm_costs.get(inst.resource, ()))
            disk = temp_disk_note(inst.resource)
            if disk and not any("temp disk" in c for c in vm_costs):
                vm_costs.insert(0, disk)
            extra.extend(f"{inst.name}: {cost}" for cost in vm_costs)
        if not last and raw_steps[number][0] != phase:
            done = ", ".join(region_phases[phase])
            extra.append(f"{done} done: check that every workload there serves again before "
                         f"the next step starts on {', '.join(region_phases[raw_steps[number][0]])}")
        steps.append(Step(
            number=number,
            regions=tuple(sorted({i.region for i in vms})),
            vms=tuple(vms),
            commands=tuple(command(i) for i in vms),
            wait_minutes=0 if last else wait_minutes,
            notes=tuple(extra),
        ))
    return Plan(
        steps=tuple(steps),
        left_to_azure=tuple(left),
        tiers=order,
        phases=region_phases,
        wait_minutes=wait_minutes,
        include_sets=include_sets,
        notes=tuple(_plan_notes(order, planned, left, include_sets, cut, max_unavailable)),
    )


def _serving_notes(vms: Sequence[Instance], by_key: Mapping[str, Workload],
                   total: Mapping[str, int]) -> list[str]:
    down: Counter[str] = Counter(i.workload.key for i in vms)
    return [
        f"{by_key[key].label}: {count} down, {total[key] - count} of {total[key]} instances keep serving"
        for key, count in sorted(down.items(), key=lambda kv: by_key[kv[0]].label)
    ]


def _plan_notes(order: Tiers, planned: Sequence[Instance], left: Sequence[Instance],
                include_sets: bool, cut: Sequence[str], max_unavailable: float) -> list[str]:
    notes: list[str] = []
    if planned:
        notes.append(
            f"a step takes at most {max_unavailable:.0%} (max-unavailable) of a workload's "
            "instances in a region, at least one and never all of them, one zone / update "
            "domain / fault domain of each set at a time"
        )
    if cut:
        notes.append(
            "these domains hold more of a workload than one step may take (max-unavailable), so "
            f"they are split over several steps: {', '.join(cut)}"
        )
    listed = "; ".join(
        f"tier {i}: " + ", ".join(wl.label for wl in tier) for i, tier in enumerate(order.order, 1)
    )
    if len(order.order) == 1 and order.basis != "config":
        notes.append(f"one tier (no workload depends on another): {listed[len('tier 1: '):]}")
    elif listed:
        basis = "config tiers" if order.basis == "config" else "dependencies first, dependents last"
        notes.append(f"tiers in order ({basis}): {listed}")
    notes.extend(order.notes)
    in_sets = [i for i in left if i.group == AVAILABILITY_SET]
    if in_sets:
        notes.append(
            f"{len(in_sets)} VM{'s' if len(in_sets) != 1 else ''} in availability sets left to "
            "Azure: Microsoft does not recommend self-service maintenance for them, as Azure "
            "already takes one update domain at a time (--include-sets sequences them, one "
            "update domain per step)"
        )
    if include_sets and any(i.group == AVAILABILITY_SET for i in planned):
        notes.append(
            "update domains of availability set VMs are the best case (round-robin by name): "
            "check each VM's with `az vm get-instance-view --query "
            "instanceView.platformUpdateDomain` before you start"
        )
    scale_sets = sorted({i.resource.name for i in left if not i.is_vm})
    if scale_sets:
        notes.append(
            f"scale set instances left to Azure, which walks their update / fault domains: "
            f"{', '.join(scale_sets)} (`az vmss perform-maintenance --instance-ids` starts it "
            "for chosen instances)"
        )
    if any(arm_id(i.resource) is None for i in planned):
        notes.append(
            "ARM ids in <...> are not known offline (a program run, or an auto-named VM): "
            "read them with `pulumi stack output`, `pulumi stack export` or `az vm list --query "
            "\"[].id\"`"
        )
    if planned:
        notes.append(
            "self-service maintenance can be started once per VM; if it fails, Azure takes the "
            "VM out of this maintenance iteration and offers a new schedule later"
        )
    return notes
