"""Where planned maintenance finds each instance: its region, and its domain there.

Azure walks a fleet region by region (never both regions of a pair at once), zone by zone,
update domain by update domain (``reference/azure-planned-maintenance.md``):

* a VM in an availability set sits in one of the set's update domains (``platformUpdateDomainCount``,
  unset = 5); placement is round-robin, the best case Azure promises: n VMs over u domains put
  ceil(n/u) in the fullest;
* a zonal VM or scale set instance sits in its zone; a region's zones are maintained one at a time;
* a Uniform scale set's instances are spread over 5 update domains like an availability set;
* a Flexible scale set has no update domains: its instances go fault domain by fault domain
  (``platformFaultDomainCount``; 1 means *max spreading*, modelled as the 2 fault domains every
  region has) or zone by zone when the set is zonal (``reference/azure-facts.md``);
* a VM outside any set and not in a zone gets no promise ("no way to predict which and how many
  VMs are impacted together"): a workload's such VMs in one region share one worst-case domain.

Everything here is a pure function of the inventory.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from checker.azure import types as t
from checker.inventory import Inventory, Resource, Workload, name_or_logical
from checker.values import UNKNOWN, whole_number

UNKNOWN_REGION: Final = "unknown"
DEFAULT_UPDATE_DOMAINS: Final = 5  # availability sets (unset) and Uniform scale sets
MAX_SPREADING_FAULT_DOMAINS: Final = 2  # every region has at least 2 fault domains
NO_PROMISE: Final = "no promise"

# Group kinds, in the order waves are listed within a region.
ZONES, AVAILABILITY_SET, SCALE_SET, SINGLE = "zones", "availability set", "scale set", "single VMs"
_GROUP_ORDER: Final = {ZONES: 0, AVAILABILITY_SET: 1, SCALE_SET: 2, SINGLE: 3}


@dataclass(frozen=True)
class Instance:
    """One VM, or one instance of a scale set's ``sku.capacity`` (named ``<set>_<index>``, with
    the scale set's URN), placed where maintenance finds it.

    ``group`` is what walks its domains one at a time (``zones``, an availability set, a scale
    set, or the region's single VMs) and ``group_name`` the set's name; ``domain`` is ``zone 1``,
    ``UD 0``, ``FD 1`` or ``no promise``.
    """

    name: str
    urn: str
    stack: str
    resource: Resource
    workload: Workload
    region: str
    group: str
    group_name: str
    domain: str

    @property
    def is_vm(self) -> bool:
        return self.resource.kind == t.VM

    @property
    def cell(self) -> tuple[str, str, str]:
        """(group, set name, domain): instances sharing a cell are maintained together."""
        return (self.group, self.group_name, self.domain)

    def sort_key(self) -> tuple[Any, ...]:
        return (self.region, *group_key(self.group, self.group_name), domain_key(self.domain),
                self.name, self.stack, self.urn)


def group_key(group: str, name: str) -> tuple[int, str]:
    return (_GROUP_ORDER.get(group, 9), name)


def domain_key(domain: str) -> tuple[int, int, str]:
    """``zone 2`` < ``zone 10``; zones, then update domains, fault domains, no promise."""
    head, _, number = domain.rpartition(" ")
    order = {"zone": 0, "UD": 1, "FD": 2}.get(head, 3)
    return (order, int(number) if number.isdigit() else 999, domain)


@dataclass(frozen=True)
class Fleet:
    """Every instance of a scan, workload by workload, and what could not be placed exactly."""

    instances: tuple[Instance, ...]
    by_workload: Mapping[str, tuple[Instance, ...]]  # workload key -> its instances
    notes: Mapping[str, tuple[str, ...]]  # workload key -> assumptions made while placing

    def of(self, workload: Workload) -> tuple[Instance, ...]:
        return self.by_workload.get(workload.key, ())


def fleet(inv: Inventory) -> Fleet:
    """The placed instances of ``inv`` (computed once per inventory)."""
    return inv.memo(_fleet)


def _fleet(inv: Inventory) -> Fleet:
    placer = _Placer(inv)
    by_workload = {wl.key: tuple(placer.workload(wl)) for wl in inv.workloads()}
    notes = {key: tuple(dict.fromkeys(items)) for key, items in placer.notes.items()}
    instances = tuple(i for placed in by_workload.values() for i in placed)
    return Fleet(instances, by_workload, notes)


def _region(inv: Inventory, res: Resource) -> str:
    loc = inv.location(res)
    return loc if isinstance(loc, str) else UNKNOWN_REGION


def _zones(res: Resource) -> Any:
    """The resource's zones as strings, [] when it has none, UNKNOWN when not known."""
    value = res.get("zones")
    if value is UNKNOWN or (isinstance(value, list) and UNKNOWN in value):
        return UNKNOWN
    if isinstance(value, list):
        return sorted({str(z) for z in value}, key=lambda z: (len(z), z))
    return []


def _orchestration(vmss: Resource) -> str:
    mode = vmss.get("orchestrationMode")
    return "Flexible" if isinstance(mode, str) and mode.lower() == "flexible" else "Uniform"


class _Placer:
    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.notes: dict[str, list[str]] = {}

    def note(self, workload: Workload, text: str) -> None:
        self.notes.setdefault(workload.key, []).append(text)

    def workload(self, workload: Workload) -> Iterator[Instance]:
        if workload.basis == "unknown":
            self.note(workload, "its workload tag is not known (computed at deploy time), so it "
                                "is simulated alone")
        scale_sets = [s for s in workload.sets if s.kind == t.SCALE_SET]
        in_scale_set: dict[Resource, Resource] = {}
        for vmss in scale_sets:
            for vm in self.inv.members(vmss):
                in_scale_set.setdefault(vm, vmss)
        own = set(workload.vms)
        placed: set[Resource] = set()
        for group in sorted(workload.sets, key=lambda s: (s.name, s.urn)):
            if group.kind == t.AVAILABILITY_SET:
                members = [vm for vm in self.inv.members(group) if vm in own]
                placed.update(members)
                yield from self._availability_set(workload, group, members)
        for vmss in sorted(scale_sets, key=lambda s: (s.name, s.urn)):
            members = [vm for vm in self.inv.members(vmss) if vm in own and vm not in placed]
            placed.update(members)
            yield from self._scale_set(workload, vmss, members)
        for vm in workload.vms:
            if vm not in placed:
                yield from self._single(workload, vm)

    def _instance(self, workload: Workload, res: Resource, name: str, group: str,
                  group_name: str, domain: str, region: str | None = None) -> Instance:
        return Instance(
            name=name,
            urn=res.urn,
            stack=res.stack,
            resource=res,
            workload=workload,
            region=region if region is not None else _region(self.inv, res),
            group=group,
            group_name=group_name,
            domain=domain,
        )

    def _single(self, workload: Workload, vm: Resource) -> Iterator[Instance]:
        name = name_or_logical(vm)
        zones = _zones(vm)
        if zones is UNKNOWN:
            self.note(workload, f"{name}: its zone is not known; counted with the single VMs")
        if isinstance(zones, list) and zones:
            yield self._instance(workload, vm, name, ZONES, "", f"zone {zones[0]}")
            return
        if self.inv.vm_set(vm) is UNKNOWN:
            self.note(workload, f"{name}: its availability set or scale set is not known "
                                "(or outside the scan); counted with the single VMs")
        yield self._instance(workload, vm, name, SINGLE, "", NO_PROMISE)

    def _availability_set(self, workload: Workload, group: Resource,
                          members: list[Resource]) -> Iterator[Instance]:
        raw = group.get("platformUpdateDomainCount")
        count = DEFAULT_UPDATE_DOMAINS if raw is None else whole_number(raw)
        if count is None or count < 1:
            self.note(workload, f"availability set {group.name}: its update domain count is not "
                                "known; its VMs are counted in one update domain")
        for index, vm in enumerate(sorted(members, key=lambda v: (name_or_logical(v), v.urn))):
            domain = f"UD {index % count}" if count and count >= 1 else "UD ?"
            yield self._instance(workload, vm, name_or_logical(vm), AVAILABILITY_SET,
                                 group.name, domain)

    def _scale_set(self, workload: Workload, vmss: Resource,
                   members: list[Resource]) -> Iterator[Instance]:
        region = _region(self.inv, vmss)
        flexible = _orchestration(vmss) == "Flexible"
        set_zones = _zones(vmss)
        if set_zones is UNKNOWN:
            self.note(workload, f"scale set {vmss.name}: its zones are not known; modelled as regional")
            set_zones = []
        raw = vmss.get("sku.capacity")
        capacity = whole_number(raw) if raw is not None else 0
        if capacity is None:
            self.note(workload, f"scale set {vmss.name}: sku.capacity is not known; only the VMs "
                                "joined to it are counted")
            capacity = 0
        if flexible:
            fds = whole_number(vmss.get("platformFaultDomainCount"))
            if fds is None or fds <= 1:
                fds = MAX_SPREADING_FAULT_DOMAINS
                if not set_zones:
                    self.note(workload, f"scale set {vmss.name}: Flexible with max spreading; "
                                        f"modelled over {fds} fault domains (best effort)")
            domains = [f"FD {i}" for i in range(fds)]
        else:
            domains = [f"UD {i}" for i in range(DEFAULT_UPDATE_DOMAINS)]
        ordered = sorted(members, key=lambda v: (name_or_logical(v), v.urn))
        slots = [(vm, name_or_logical(vm)) for vm in ordered]
        slots += [(vmss, f"{vmss.name}_{i}") for i in range(capacity)]
        for index, (res, name) in enumerate(slots):
            own = _zones(res) if res is not vmss else []
            if isinstance(own, list) and own:
                yield self._instance(workload, res, name, ZONES, "", f"zone {own[0]}")
            elif set_zones:
                zone = set_zones[index % len(set_zones)]
                yield self._instance(workload, res, name, ZONES, "", f"zone {zone}", region)
            else:
                yield self._instance(workload, res, name, SCALE_SET, vmss.name,
                                     domains[index % len(domains)], region if res is vmss else None)
