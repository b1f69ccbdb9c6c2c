"""MC101 single-instance-vm: a VM that planned maintenance can take down with nothing beside it."""

from __future__ import annotations

from collections.abc import Iterator

from checker.azure import types as t
from checker.inventory import Inventory, Resource
from checker.rules import snippets as s
from checker.rules.base import Finding, Fix, PatchOp, Rule, RuleDoc, RuleOptions, Severity, Skipped
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


def _zones(vm: Resource) -> object:
    zones = vm.get("zones")
    if zones is UNKNOWN or (isinstance(zones, list) and UNKNOWN in zones):
        return UNKNOWN
    return tuple(sorted(str(z) for z in zones)) if isinstance(zones, list) else ()


def _fixes(vm: Resource, location: object) -> tuple[Fix, ...]:
    set_name = f"{vm.name}-as"
    set_var = s.identifier(set_name)
    vm_var = s.identifier(vm.name)
    rg = s.resource_group_arg(vm)
    loc = s.location_arg(vm, location)
    availability_set = "\n".join(
        [
            s.IMPORT,
            s.call(
                "compute.AvailabilitySet",
                set_name,
                rg,
                loc,
                'sku=azure_native.compute.SkuArgs(name="Aligned")',
                "platform_update_domain_count=5",
                "platform_fault_domain_count=2",
            ),
            f"# Recreate {vm.name!r} in the set, and add a second instance beside it:",
            f"{vm_var}_availability_set = azure_native.compute.SubResourceArgs(id={set_var}.id)",
        ]
    )
    scale_set = "\n".join(
        [
            s.IMPORT,
            s.call(
                "compute.VirtualMachineScaleSet",
                f"{vm.name}-vmss",
                rg,
                loc,
                'orchestration_mode="Flexible"',
                "platform_fault_domain_count=1",
                'sku=azure_native.compute.SkuArgs(name="Standard_D2s_v5", capacity=2)',
            ),
            f"# Move {vm.name!r} into the scale set as two or more instances.",
        ]
    )
    zones = "\n".join(
        [
            s.IMPORT,
            f"# Recreate {vm.name!r} in zone 1 and run a second instance in zone 2:",
            f'{vm_var}_zones = ["1"]',
            f'{vm_var}_2_zones = ["2"]',
        ]
    )
    return (
        Fix(
            title="Run two or more instances in an Aligned availability set (5 update, 2 fault "
            "domains); the VM is recreated to join it",
            patch=(PatchOp("add", "/availabilitySet", {"id": f"<{set_name}.id>"}),),
            snippet=availability_set,
            replacement=True,
            new_resources=True,
        ),
        Fix(
            title="Run the VMs in a Flexible scale set with capacity 2 or more",
            patch=(PatchOp("add", "/virtualMachineScaleSet", {"id": f"<{vm.name}-vmss.id>"}),),
            snippet=scale_set,
            replacement=True,
            new_resources=True,
        ),
        Fix(
            title="Spread instances over two or more availability zones",
            patch=(PatchOp("add", "/zones", ["1"]),),
            snippet=zones,
            replacement=True,
            new_resources=True,
        ),
    )


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    for vm in inv.of_kind(t.VM):
        group = inv.vm_set(vm)
        if group is UNKNOWN:
            yield RULE.skipped(vm, "its availability set or scale set is unknown or outside the scan")
            continue
        if group is not None:
            continue
        workload = inv.workload(vm)
        zone_sets = [_zones(other) for other in workload.vms]
        if any(z is UNKNOWN for z in zone_sets):
            yield RULE.skipped(vm, "the zones of its workload are not known")
            continue
        distinct = {zone for zs in zone_sets if isinstance(zs, tuple) for zone in zs}
        if len(distinct) >= 2:
            continue
        where = f"workload {workload.label!r}" if workload.basis == "tag" else "it"
        if distinct:
            (zone,) = distinct
            case = (
                f"VM {vm.name!r} is zonal but every VM of {where} is in zone {zone}: "
                f"maintenance of that zone can take all of them down together"
            )
        else:
            case = (
                f"VM {vm.name!r} is a single instance: not in an availability set or scale set "
                f"and not spread over zones, so planned maintenance that reboots its host takes "
                f"{where} down"
            )
        yield RULE.finding(vm, case, _fixes(vm, inv.location(vm)))


RULE = Rule(
    id="MC101",
    slug="single-instance-vm",
    severity=Severity.ERROR,
    title="VM with no availability set, scale set or zone spread",
    doc=DOC,
    check=check,
)
