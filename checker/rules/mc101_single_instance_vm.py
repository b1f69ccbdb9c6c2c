"""MC101 single-instance-vm: a VM that planned maintenance can take down with nothing beside it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checker.azure import types as t
from checker.azure.regions import region_pairs
from checker.inventory import Inventory, Resource
from checker.model import Finding, Fix, PatchOp, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from checker.rules.support import snippets as s
from checker.values import UNKNOWN

DOC = RuleDoc(
    what=(
        "Checks for virtual machines that are not in an availability set or scale set and whose "
        "workload does not run VMs in at least two distinct availability zones."
    ),
    why=(
        "During VM-restarting planned maintenance Azure reboots or redeploys a VM's host. Inside an "
        "availability set only one update domain is touched at a time, and VMs spread over zones "
        "are not maintained together; for a single-instance VM there is no way to predict which "
        "and how many VMs are impacted together, so the workload is down while it reboots. A "
        "zonal workload pinned to one zone has the same problem."
    ),
    example=(
        "vm = azure_native.compute.VirtualMachine(\n"
        '    "web-vm",\n'
        '    resource_group_name="app-rg",\n'
        '    hardware_profile={"vm_size": "Standard_D2s_v5"},\n'
        "    # no availability_set, no virtual_machine_scale_set, no zones\n"
        ")"
    ),
    fix=(
        "Run at least two instances: in an Aligned availability set with 5 update domains and 2 "
        "fault domains, in a Flexible scale set, or in two or more zones. A VM cannot join a set "
        "after creation, so each fix recreates the VM."
    ),
)


def _zone_placements(inv: Inventory, vms: tuple[Resource, ...]) -> object:
    """The distinct (region, zone) pairs the VMs run in — zone 1 of eastus and zone 1 of westus
    are different zones — or UNKNOWN when a zonal VM's zones or region is not known."""
    found: set[tuple[str, str]] = set()
    for vm in vms:
        zones = vm.get("zones")
        if zones is UNKNOWN or (isinstance(zones, list) and UNKNOWN in zones):
            return UNKNOWN
        if not isinstance(zones, list) or not zones:
            continue
        region = inv.location(vm)
        if not isinstance(region, str):
            return UNKNOWN
        found.update((region, str(zone)) for zone in zones)
    return found


def _second(vm: Resource, location: object, placement: str) -> str:
    """A second instance built like ``vm`` (its size), placed by the ``placement`` argument."""
    size = vm.get("hardwareProfile.vmSize")
    size_arg = (
        f"hardware_profile=azure_native.compute.HardwareProfileArgs(vm_size={size!r})"
        if isinstance(size, str)
        else ""
    )
    name = f"{vm.name}-2"
    args = [s.resource_group_arg(vm), s.location_arg(vm, location), size_arg, placement]
    code = s.call("compute.VirtualMachine", name, *args)
    return (
        "# A second instance: the same image, size and OS profile, with its own NIC:\n"
        + code[:-1]
        + "    # ... and the other arguments of the first, with its own network interface\n)"
    )


_COST = (
    "recreates the VM (replace_on_changes, delete_before_replace: it keeps its NIC and name): "
    "a new VM, its temp and ephemeral disks lost"
)


def _moved(vm: Resource, location: object, prop: str, value: Any, new: str = "", code: str = "") -> str:
    """The user's VM with ``prop`` set (a literal ``value``, or Python ``code``), replaced by
    Pulumi since Azure cannot change it in place and azure-native does not replace on it."""
    return s.rewrite(
        vm, "compute.VirtualMachine", location, {prop: value} if not code else {},
        replace_on=(prop,), code={prop: code} if code else None,
        header=new + "# Azure cannot change this on an existing VM and azure-native does not replace on it:",
    )


def _zones_fix(vm: Resource, location: object, zone: str, other: str, known: bool) -> Fix:
    caveat = "" if known else " (only if the region has availability zones)"
    snippet = (
        _moved(vm, location, "zones", [zone])
        + "\n"
        + _second(vm, location, f"zones=[{other!r}]")
    )
    return Fix(
        title=f"Run two or more instances in different availability zones{caveat}; this VM "
        f"goes to zone {zone}: it {_COST}",
        patch=(PatchOp("add", "/zones", [zone]),),
        snippet=snippet,
        replacement=True,
        new_resources=True,
        replace_on=("zones",),
    )


def _fixes(vm: Resource, location: object) -> tuple[Fix, ...]:
    """Microsoft's order: zones (where the region has them), a Flexible scale set, an
    Aligned availability set."""
    set_name = f"{vm.name}-as"
    set_var = s.identifier(set_name)
    vmss_name = f"{vm.name}-vmss"
    vmss_var = s.identifier(vmss_name)
    rg = s.resource_group_arg(vm)
    loc = s.location_arg(vm, location)
    new_set = s.call(
        "compute.AvailabilitySet",
        set_name,
        rg,
        loc,
        'sku=azure_native.compute.SkuArgs(name="Aligned")',
        "platform_update_domain_count=5",
        "platform_fault_domain_count=2",
    )
    availability_set = (
        _moved(vm, location, "availabilitySet", None, new_set + "\n",
               code=f"azure_native.compute.SubResourceArgs(id={set_var}.id)")
        + "\n"
        + _second(vm, location, f"availability_set=azure_native.compute.SubResourceArgs(id={set_var}.id)")
    )
    new_vmss = s.call(
        "compute.VirtualMachineScaleSet",
        vmss_name,
        rg,
        loc,
        'orchestration_mode="Flexible"',
        "platform_fault_domain_count=1",
    )
    scale_set = (
        _moved(vm, location, "virtualMachineScaleSet", None, new_vmss + "\n",
               code=f"azure_native.compute.SubResourceArgs(id={vmss_var}.id)")
        + "\n"
        + _second(
            vm, location,
            f"virtual_machine_scale_set=azure_native.compute.SubResourceArgs(id={vmss_var}.id)",
        )
    )
    fixes = []
    zonal = region_pairs().zone_count(location) if isinstance(location, str) else None
    if zonal != 0:
        fixes.append(_zones_fix(vm, location, "1", "2", zonal is not None))
    fixes += [
        Fix(
            title="Run two or more instances in a Flexible scale set (max spreading over fault "
            f"domains); joining it {_COST}",
            patch=(PatchOp("add", "/virtualMachineScaleSet", {"id": f"<{vmss_name}.id>"}),),
            snippet=scale_set,
            replacement=True,
            new_resources=True,
            replace_on=("virtualMachineScaleSet",),
        ),
        Fix(
            title="Run two or more instances in an Aligned availability set (5 update, 2 fault "
            f"domains); joining it {_COST}",
            patch=(PatchOp("add", "/availabilitySet", {"id": f"<{set_name}.id>"}),),
            snippet=availability_set,
            replacement=True,
            new_resources=True,
            replace_on=("availabilitySet",),
        ),
    ]
    return tuple(fixes)


def _move_fix(vm: Resource, location: object, others: list[Resource], index: int, zone: str) -> Fix:
    """Two or more VMs of the workload in one zone (``others``, by name; ``vm`` is
    ``others[index]``): move this one to another zone; the first VM by name stays (its finding
    goes once another VM has moved)."""
    if index == 0:
        return Fix(
            title=f"Keep {vm.name!r} in zone {zone} and move another VM of the workload to "
            f"another zone (see its finding): then the workload spans two zones",
            patch=(),
            snippet=f"{s.IMPORT}\n# {vm.name!r} stays in zone {zone}; move {others[1].name!r} "
            f"(its own finding's fix).\n",
            replacement=False,
        )
    target = str((int(zone) - 1 + index) % 3 + 1) if zone.isdigit() else "2"
    return Fix(
        title=f"Move {vm.name!r} from zone {zone} to zone {target}: the workload then spans two "
        f"zones; moving it {_COST}",
        patch=(PatchOp("replace", "/zones", [target]),),
        snippet=_moved(vm, location, "zones", [target]),
        replacement=True,
        replace_on=("zones",),
    )


def _spot(vm: Resource) -> bool:
    """Spot (and the older low-priority) VMs: Azure may evict them at any time anyway."""
    priority = vm.get("priority")
    return isinstance(priority, str) and priority.lower() in ("spot", "low")


def _served_from_pair(inv: Inventory, region: object, vms: tuple[Resource, ...]) -> str | None:
    """The region paired with ``region`` where VMs of the workload run, if any."""
    if not isinstance(region, str):
        return None
    pairs = region_pairs()
    for other in vms:
        where = inv.location(other)
        if isinstance(where, str) and pairs.are_paired(region, where):
            return where
    return None


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    placements: dict[str, Any] = {}  # per workload: its VMs' placements are read once
    zonal_order: dict[str, tuple[list[Resource], dict[Resource, int]]] = {}
    pairs_served: dict[tuple[str, str | None], str | None] = {}
    for vm in inv.of_kind(t.VM):
        group = inv.vm_set(vm)
        if group is UNKNOWN:
            yield RULE.skipped(vm, "its availability set or scale set is unknown or outside the scan")
            continue
        if group is not None:
            continue
        workload = inv.workload(vm)
        if workload.basis == "unknown":
            yield RULE.skipped(vm, "its workload tag is not known, so its workload's zones are not")
            continue
        if workload.key not in placements:
            placements[workload.key] = _zone_placements(inv, workload.vms)
        placed = placements[workload.key]
        if not isinstance(placed, set):
            yield RULE.skipped(vm, "the zones (or regions) of its workload are not known")
            continue
        if len(placed) >= 2:
            continue
        where = f"workload {workload.describe()}" if workload.basis in ("tag", "name") else "it"
        location = inv.location(vm)
        fixes = None
        if placed:
            ((region, zone),) = placed
            own = vm.get("zones")
            case = (
                f"VM {vm.name!r} is zonal but every VM of {where} is in zone {zone} of {region}: "
                f"maintenance of that zone can take all of them down together"
                if isinstance(own, list) and own
                else f"VM {vm.name!r} is in no availability set, scale set or zone, and the zonal "
                f"VMs of {where} are all in zone {zone} of {region}: maintenance can take all of "
                f"them down together"
            )
            if workload.key not in zonal_order:  # once per workload: its zonal VMs by name
                ordered = sorted((v for v in workload.vms if v.get("zones")), key=lambda v: (v.name, v.urn))
                zonal_order[workload.key] = (ordered, {v: i for i, v in enumerate(ordered)})
            ordered, index = zonal_order[workload.key]
            if len(ordered) >= 2 and vm in index:
                fixes = (_move_fix(vm, location, ordered, index[vm], zone),)
        elif len(workload.names) > 1:
            case = (
                f"VM {vm.name!r} is not in an availability set or scale set and no VM of {where} "
                f"is spread over zones, so planned maintenance can reboot the hosts of all of "
                f"them together"
            )
        else:
            case = (
                f"VM {vm.name!r} is a single instance: not in an availability set or scale set "
                f"and not spread over zones, so planned maintenance that reboots its host takes "
                f"{where} down"
            )
        served = (workload.key, location if isinstance(location, str) else None)
        if served not in pairs_served:  # once per workload and region
            pairs_served[served] = _served_from_pair(inv, location, workload.vms)
        pair = pairs_served[served]
        if pair is not None:
            case += (
                f". The VM goes down, but the workload is also served from {pair}, the paired region, "
                f"which Azure does not maintain at the same time"
            )
        severity = None
        if _spot(vm):
            severity = Severity.INFO
            case += (
                ". It is a Spot VM, which Azure can evict at any time anyway: info"
            )
        yield RULE.finding(vm, case, fixes or _fixes(vm, location), severity=severity)


RULE = Rule(
    id="MC101",
    slug="single-instance-vm",
    severity=Severity.ERROR,
    title="VM with no availability set, scale set or zone spread",
    doc=DOC,
    check=check,
)
