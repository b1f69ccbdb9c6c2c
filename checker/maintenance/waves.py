"""``maintcheck simulate``: the waves in which planned maintenance restarts each workload.

A *wave* is one domain of one group in one region (``eastus / web-as / UD 0``): the instances
Azure restarts together. Per wave: the instances down, the instances left and the capacity left
(instances left / instances, 0..1). The *worst* wave is the worst moment Azure's promises allow:

* within a group (a zone set, an availability set, a scale set) one domain at a time;
* different groups of one region promise nothing about each other: their worst domains may
  coincide;
* regions of a pair are never maintained together; regions that are not a pair may be
  (``reference/azure-planned-maintenance.md``: "North Europe can be under maintenance at the
  same time as East US").

When the worst moment combines several waves it is listed as one more wave whose ``together``
names them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from checker.azure.regions import RegionPairs, region_pairs
from checker.inventory import Inventory, Workload
from checker.maintenance.placement import (
    AVAILABILITY_SET,
    SCALE_SET,
    SINGLE,
    UNKNOWN_REGION,
    ZONES,
    Instance,
    fleet,
)

_EXACT_REGIONS: Final = 12  # up to this many regions, the worst region combination is exact
_NAMED_PARTS: Final = 3  # waves named in a combined worst case's label (``together`` has all)


@dataclass(frozen=True)
class Wave:
    label: str
    region: str
    down: tuple[Instance, ...]
    left: int
    capacity: float
    together: tuple[str, ...] = ()  # the waves this worst case combines (empty for one wave)


@dataclass(frozen=True)
class WorkloadWaves:
    workload: Workload
    instances: tuple[Instance, ...]
    waves: tuple[Wave, ...]
    worst: Wave
    notes: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.workload.label


@dataclass(frozen=True)
class Simulation:
    workloads: tuple[WorkloadWaves, ...]
    notes: tuple[str, ...] = ()

    @property
    def taken_down(self) -> tuple[WorkloadWaves, ...]:
        """The workloads whose worst wave leaves no instance running."""
        return tuple(w for w in self.workloads if w.worst.left == 0)


def wave_label(inst: Instance) -> str:
    if inst.group == ZONES:
        return f"{inst.region} / {inst.domain}"
    if inst.group in (AVAILABILITY_SET, SCALE_SET):
        return f"{inst.region} / {inst.group_name} / {inst.domain}"
    return f"{inst.region} / {SINGLE}, {inst.domain}"


def _wave(label: str, region: str, down: Sequence[Instance], total: int,
          together: tuple[str, ...] = ()) -> Wave:
    left = total - len(down)
    return Wave(label, region, tuple(down), left, left / total if total else 0.0, together)


def simulate(inv: Inventory, pairs: RegionPairs | None = None) -> Simulation:
    """The waves of every workload of ``inv`` that has instances."""
    table = pairs or region_pairs()
    placed = fleet(inv)
    out: list[WorkloadWaves] = []
    notes: list[str] = []
    for workload in inv.workloads():
        instances = tuple(sorted(placed.of(workload), key=Instance.sort_key))
        if not instances:
            notes.append(f"{workload.label}: no instance to simulate (no VM, and no known "
                         "scale set capacity)")
            continue
        out.append(workload_waves(workload, instances, table, placed.notes.get(workload.key, ())))
    return Simulation(tuple(out), tuple(notes))


def workload_waves(workload: Workload, instances: tuple[Instance, ...], pairs: RegionPairs,
                   notes: Sequence[str] = ()) -> WorkloadWaves:
    """One workload's waves, in maintenance order, and its worst wave."""
    total = len(instances)
    cells: dict[str, list[Instance]] = {}
    for inst in instances:  # sorted: region, group, domain
        cells.setdefault(wave_label(inst), []).append(inst)
    waves = [_wave(label, members[0].region, members, total) for label, members in cells.items()]
    worst = _worst(waves, total, pairs)
    if worst.together:
        waves.append(worst)
    extra = list(notes)
    if worst.together:
        extra.append("the worst case combines waves that Azure does not keep apart: "
                     + "; ".join(worst.together))
    return WorkloadWaves(workload, instances, tuple(waves), worst, tuple(extra))


def _group_of(wave: Wave) -> tuple[str, str]:
    inst = wave.down[0]
    return (inst.group, inst.group_name)


def _worst(waves: Sequence[Wave], total: int, pairs: RegionPairs) -> Wave:
    # Per region: each group's largest wave (the first of equals); groups may coincide.
    per_region: dict[str, dict[tuple[str, str], Wave]] = defaultdict(dict)
    for wave in waves:
        groups = per_region[wave.region]
        best = groups.get(_group_of(wave))
        if best is None or len(wave.down) > len(best.down):
            groups[_group_of(wave)] = wave
    regions = sorted(per_region)
    size = {r: sum(len(w.down) for w in per_region[r].values()) for r in regions}
    chosen = _unpaired_heaviest(regions, size, pairs)
    parts = [w for r in chosen for w in per_region[r].values()]
    if len(parts) == 1:
        return parts[0]
    down = [inst for w in parts for inst in w.down]
    labels = tuple(w.label for w in parts)
    shown = " + ".join(labels[:_NAMED_PARTS])
    if len(labels) > _NAMED_PARTS:
        shown += f" + {len(labels) - _NAMED_PARTS} more waves"
    return _wave(f"worst case: {shown}", ", ".join(chosen), down, total, labels)


def _paired(a: str, b: str, pairs: RegionPairs) -> bool:
    return UNKNOWN_REGION not in (a, b) and pairs.are_paired(a, b)


def _unpaired_heaviest(regions: list[str], size: dict[str, int], pairs: RegionPairs) -> list[str]:
    """The regions, no two of them a pair, whose worst waves together take down the most
    instances (ties: fewer regions, then the first in name order)."""
    if len(regions) > _EXACT_REGIONS:  # greedy: heaviest first
        chosen: list[str] = []
        for region in sorted(regions, key=lambda r: (-size[r], r)):
            if not any(_paired(region, other, pairs) for other in chosen):
                chosen.append(region)
        return sorted(chosen)
    best: tuple[int, int] = (-1, 0)
    best_set: list[str] = []
    for mask in range(1, 1 << len(regions)):
        picked = [r for i, r in enumerate(regions) if mask >> i & 1]
        if any(_paired(a, b, pairs) for i, a in enumerate(picked) for b in picked[i + 1:]):
            continue
        score = (sum(size[r] for r in picked), -len(picked))
        if score > best:
            best, best_set = score, picked
    return best_set
