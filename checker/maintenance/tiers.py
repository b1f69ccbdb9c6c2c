"""The tiers of a multi-tier application, in the order a self-service plan maintains them.

From config ``tiers`` (workload names, tier by tier), else from the dependency graph: workload
A depends on workload B when a VM of A depends (a Pulumi dependency or property dependency) on
a VM of B or on one of B's network interfaces — e.g. a web VM whose ``customData`` reads an app
VM's private address. Dependencies come first, dependents last; a cycle shares one tier.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from checker.inventory import Inventory, Resource, Workload
from checker.rules.support.network import vm_nics


@dataclass(frozen=True)
class Tiers:
    order: tuple[tuple[Workload, ...], ...]  # first tier first
    basis: str  # "config" or "dependencies"
    notes: tuple[str, ...] = ()

    def index(self) -> dict[str, int]:
        """Workload key -> tier number (0 first)."""
        return {wl.key: i for i, tier in enumerate(self.order) for wl in tier}


def dependencies(inv: Inventory, workloads: Sequence[Workload]) -> dict[str, set[str]]:
    """Workload key -> the keys of the workloads it depends on."""
    owner: dict[str, str] = {}
    for wl in workloads:
        for vm in wl.vms:
            owner[vm.urn] = wl.key
            nics = vm_nics(inv, vm)
            for nic in nics if isinstance(nics, list) else ():
                if isinstance(nic, Resource):
                    owner.setdefault(nic.urn, wl.key)
    deps: dict[str, set[str]] = {wl.key: set() for wl in workloads}
    for wl in workloads:
        for vm in wl.vms:
            urns = set(vm.dependencies)
            for values in vm.property_dependencies.values():
                urns.update(values)
            for urn in urns:
                other = owner.get(urn)
                if other is not None and other != wl.key:
                    deps[wl.key].add(other)
    return deps


def from_graph(inv: Inventory, workloads: Sequence[Workload]) -> Tiers:
    deps = dependencies(inv, workloads)
    by_key = {wl.key: wl for wl in workloads}
    placed: set[str] = set()
    order: list[tuple[Workload, ...]] = []
    notes: list[str] = []
    remaining = sorted(by_key)
    while remaining:
        ready = [k for k in remaining if deps[k] <= placed]
        if not ready:  # a cycle: what is left shares one tier
            ready = remaining
            names = ", ".join(by_key[k].label for k in ready)
            notes.append(f"these workloads depend on each other, so they share a tier: {names}")
        order.append(tuple(by_key[k] for k in ready))
        placed.update(ready)
        remaining = [k for k in remaining if k not in placed]
    return Tiers(tuple(order), "dependencies", tuple(notes))


def from_config(configured: Iterable[Iterable[str]], workloads: Sequence[Workload]) -> Tiers:
    by_name: dict[str, list[Workload]] = {}
    for wl in workloads:
        by_name.setdefault(wl.label, []).append(wl)
        by_name.setdefault(wl.key, []).append(wl)
    order: list[tuple[Workload, ...]] = []
    seen: set[str] = set()
    notes: list[str] = []
    for names in configured:
        tier: list[Workload] = []
        for name in names:
            found = by_name.get(name)
            if not found:
                notes.append(f"config tiers name {name!r}, which is no workload of this scan")
            for wl in found or ():
                if wl.key not in seen:
                    seen.add(wl.key)
                    tier.append(wl)
        if tier:
            order.append(tuple(tier))
    rest = tuple(wl for wl in workloads if wl.key not in seen)
    if rest:
        names = ", ".join(wl.label for wl in rest)
        notes.append(f"not in config tiers, so maintained last: {names}")
        order.append(rest)
    return Tiers(tuple(order), "config", tuple(notes))


def tiers(inv: Inventory, workloads: Sequence[Workload],
          configured: Sequence[Sequence[str]] = ()) -> Tiers:
    """The tiers of ``workloads``: config ``tiers`` when given, else the dependency graph."""
    if configured:
        return from_config(configured, workloads)
    return from_graph(inv, workloads)
