"""MC105 availability-set-not-aligned: a Classic availability set holding managed-disk VMs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from checker.azure import types as t
from checker.azure.classic import is_classic
from checker.inventory import Inventory, Resource
from checker.model import Finding, Fix, PatchOp, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from checker.rules.support import snippets as s
from checker.rules.support.disks import uses_managed_disks
from checker.values import UNKNOWN, whole_number

DOC = RuleDoc(
    what=(
        "Checks for availability sets whose `sku.name` is not `Aligned` (unset means `Classic`) "
        "while a member VM uses managed disks: an OS disk with `managedDisk`, or without `vhd`."
    ),
    why=(
        "Azure refuses it: adding a VM with managed disks to a non-managed (Classic) availability "
        "set fails with `BadRequest` (\"Addition of a VM with managed disks to non-managed "
        "Availability Set ... is not supported\"), so the deployment of the VM fails. Only an "
        "Aligned set takes managed-disk VMs, and it places each VM's managed disks in storage "
        "fault domains aligned with the VM's compute fault domain, so storage maintenance or a "
        "storage failure does not reach VMs the set keeps apart."
    ),
    example=(
        "web_as = azure_native.compute.AvailabilitySet(\n"
        '    "web-as",\n'
        '    resource_group_name="app-rg",\n'
        "    # no sku: Classic\n"
        ")\n"
        "# ...and VMs with storage_profile={'os_disk': {'managed_disk': {...}}} in it"
    ),
    fix=(
        "Set `sku={'name': 'Aligned'}`. Azure converts an existing set in place (no "
        "recreation). In a region with only 2 managed fault domains a set with 3 must also go "
        "to 2, and that recreates the set."
    ),
)


def _fix(group: Resource, inv: Inventory) -> Fix:
    sku = group.inputs.get("sku")
    if isinstance(sku, Mapping):
        op = "replace" if "name" in sku else "add"
        patch = (PatchOp(op, "/sku/name", "Aligned"),)
    else:
        patch = (PatchOp("add", "/sku", {"name": "Aligned"}),)
    classic = is_classic(group.type)
    title = (
        "Set managed = true (the classic provider replaces the set on managed, and its VMs with it)"
        if classic
        else "Set sku.name to Aligned (Azure converts the set in place)"
    )
    snippet = s.availability_set(group, inv.location(group), {"sku": {"name": "Aligned"}})
    if whole_number(group.get("platformFaultDomainCount")) == 3:
        title += (
            "; where the region offers only 2 managed fault domains, also set "
            "platformFaultDomainCount to 2, which recreates the set"
        )
        snippet += "\n# In a region with 2 managed fault domains, also platform_fault_domain_count=2."
    return Fix(title=title, patch=patch, snippet=snippet, replacement=classic)


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    for group in inv.of_kind(t.AVAILABILITY_SET):
        sku = group.get("sku.name")
        if sku is UNKNOWN:
            yield RULE.skipped(group, "sku.name is unknown")
            continue
        if isinstance(sku, str) and sku.lower() == "aligned":
            continue
        verdicts = [(vm, uses_managed_disks(vm)) for vm in inv.members(group)]
        managed = [vm for vm, v in verdicts if v is True]
        if not managed:
            if any(v is UNKNOWN for _vm, v in verdicts):
                yield RULE.skipped(group, "the disks of its VMs are unknown")
            continue
        names = ", ".join(repr(vm.name) for vm in managed)
        shown = sku if isinstance(sku, str) else "Classic (unset)"
        message = (
            f"availability set {group.name!r} is {shown}, not Aligned, but {len(managed)} of its "
            f"VMs use managed disks ({names}): Azure rejects a VM with managed disks in a "
            f"non-managed set (BadRequest: 'Addition of a VM with managed disks to non-managed "
            f"Availability Set ... is not supported'), so their deployment fails"
        )
        yield RULE.finding(group, message, [_fix(group, inv)])


RULE = Rule(
    id="MC105",
    slug="availability-set-not-aligned",
    severity=Severity.ERROR,
    title="Availability set not Aligned although its VMs use managed disks",
    doc=DOC,
    check=check,
)
