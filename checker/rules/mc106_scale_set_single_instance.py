"""MC106 scale-set-single-instance: a scale set that runs fewer than two instances."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from checker.azure import types as t
from checker.inventory import Inventory, Resource
from checker.model import Finding, Fix, PatchOp, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from checker.rules.support import snippets as s
from checker.values import UNKNOWN, whole_number

TARGET = 2

DOC = RuleDoc(
    what=(
        "Checks for scale sets that run fewer than two instances: `sku.capacity` below 2, "
        "counting the VMs that join a Flexible scale set through `virtual_machine_scale_set`."
    ),
    why=(
        "A scale set spreads its instances over fault and update domains (or zones) so that "
        "planned maintenance takes only some of them at a time. With one instance there is "
        "nothing to spread: when maintenance reboots its host the workload is down, as for a "
        "single VM."
    ),
    example=(
        "api = azure_native.compute.VirtualMachineScaleSet(\n"
        '    "api-vmss",\n'
        '    resource_group_name="app-rg",\n'
        '    orchestration_mode="Flexible",\n'
        '    sku={"name": "Standard_D2s_v5", "capacity": 1},\n'
        "    ...\n"
        ")"
    ),
    fix=(
        "Run at least 2 instances: `sku.capacity` 2 (applied in place, no recreation). A "
        "Flexible scale set without a VM profile gets a second VM that joins it instead."
    ),
)


def _capacity_fix(vmss: Resource, inv: Inventory) -> Fix:
    sku = vmss.inputs.get("sku")
    if isinstance(sku, Mapping):
        op = "replace" if "capacity" in sku else "add"
        patch = (PatchOp(op, "/sku/capacity", TARGET),)
        new_sku = {**sku, "capacity": TARGET}
    else:
        patch = (PatchOp("add", "/sku", {"capacity": TARGET}),)
        new_sku = {"capacity": TARGET}
    args = [s.resource_group_arg(vmss), s.location_arg(vmss, inv.location(vmss))]
    if s.fully_known(new_sku):
        args.append(s.kwarg("sku", new_sku))
    else:
        args.append(f"sku={{'capacity': {TARGET}}}")
    code = s.call("compute.VirtualMachineScaleSet", vmss.name, *args)
    code = code[:-1] + f"    # ... the rest of {vmss.name!r} unchanged\n)"
    return Fix(
        title=f"Set sku.capacity to {TARGET} (an in-place change: Azure adds an instance)",
        patch=patch,
        snippet=f"{s.IMPORT}\n{code}",
        replacement=False,
    )


def _member_fix(vmss: Resource, inv: Inventory, member: Resource) -> Fix:
    var = s.identifier(vmss.name)
    code = s.call(
        "compute.VirtualMachine",
        f"{member.name}-2",
        s.resource_group_arg(member),
        s.location_arg(member, inv.location(member)),
        f"virtual_machine_scale_set=azure_native.compute.SubResourceArgs(id={var}.id)",
    )
    code = code[:-1] + f"    # ... built like {member.name!r}, with a network interface of its own\n)"
    return Fix(
        title=f"Add a second VM to {vmss.name!r}, built like {member.name!r} (it has no VM "
        "profile, so capacity cannot add one)",
        patch=(),
        snippet=f"{s.IMPORT}\n{code}",
        replacement=False,
        new_resources=True,
    )


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    for vmss in inv.of_kind(t.SCALE_SET):
        raw = vmss.get("sku.capacity")
        if raw is UNKNOWN:
            yield RULE.skipped(vmss, "sku.capacity is unknown")
            continue
        members = inv.members(vmss)
        capacity = whole_number(raw)
        if raw is not None and capacity is None:
            yield RULE.skipped(vmss, f"sku.capacity {raw!r} is not a whole number")
            continue
        if capacity is None and not members:
            continue  # no capacity and no VMs: nothing runs, nothing to judge
        total = (capacity or 0) + len(members)
        if total >= TARGET:
            continue
        joined = f" and {len(members)} VM joined to it" if members else ""
        message = (
            f"scale set {vmss.name!r} runs {total} instance{'s' if total != 1 else ''} "
            f"(sku.capacity {capacity if capacity is not None else 'unset'}{joined}): when "
            f"planned maintenance reboots its host nothing else serves"
        )
        no_profile = vmss.get("virtualMachineProfile") is None
        fix = _member_fix(vmss, inv, members[0]) if no_profile and members else None
        yield RULE.finding(vmss, message, [fix or _capacity_fix(vmss, inv)])


RULE = Rule(
    id="MC106",
    slug="scale-set-single-instance",
    severity=Severity.ERROR,
    title="Scale set with fewer than two instances",
    doc=DOC,
    check=check,
)
