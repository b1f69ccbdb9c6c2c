"""MC104 too-few-fault-domains: an availability set whose VMs all share one fault domain."""

from __future__ import annotations

from collections.abc import Iterator

from checker.azure import types as t
from checker.inventory import Inventory, Resource
from checker.model import Finding, Fix, PatchOp, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from checker.rules.support import snippets as s
from checker.rules.support.disks import classic_with_managed_vms
from checker.values import UNKNOWN, whole_number

# Every region offers at least 2 fault domains for Aligned (managed-disk) sets; some offer 3.
SAFE_FAULT_DOMAINS = 2
LIST_MAXIMUM = (
    "az vm list-skus --resource-type availabilitySets --query "
    "\"[?name=='Aligned'].{Location:locationInfo[0].location, "
    'MaximumFaultDomainCount:capabilities[0].value}" -o Table'
)

DOC = RuleDoc(
    what=(
        "Checks for availability sets with `platformFaultDomainCount` 1. Scale sets are not "
        "judged: for them 1 means max spreading, which is the recommended setting."
    ),
    why=(
        "A fault domain is a group of hosts sharing power, cooling and a network switch. With one "
        "fault domain every VM of the set sits behind the same rack hardware, so rack-level "
        "maintenance, hardware decommissioning or a failure during a maintenance wave can take "
        "the whole set down at once, update domains notwithstanding."
    ),
    example=(
        "web_as = azure_native.compute.AvailabilitySet(\n"
        '    "web-as",\n'
        '    resource_group_name="app-rg",\n'
        "    platform_fault_domain_count=1,\n"
        ")"
    ),
    fix=(
        "Use 2 fault domains, or 3 where the region offers 3 for Aligned sets (`"
        + LIST_MAXIMUM
        + "`). The count is fixed at creation: the set is recreated, and its VMs with it."
    ),
)


_REPLACE_ON = ("platformFaultDomainCount",)  # fixed when the set is created


def _fix(group: Resource, inv: Inventory) -> Fix:
    op = "replace" if "platformFaultDomainCount" in group.inputs else "add"
    snippet = s.availability_set(
        group,
        inv.location(group),
        {"platformFaultDomainCount": SAFE_FAULT_DOMAINS},
        replace_on=_REPLACE_ON,
    )
    snippet += (
        f"\n# Use 3 where the region offers it for Aligned sets: {LIST_MAXIMUM}\n"
        + s.members_recreated(group, inv.members(group))
    )
    return Fix(
        title=(
            "Set platformFaultDomainCount to 2 (3 where the region offers it); the count is "
            "fixed at creation, so the set and its VMs are recreated"
        ),
        patch=(PatchOp(op, "/platformFaultDomainCount", SAFE_FAULT_DOMAINS),),
        snippet=snippet,
        replacement=True,
        replace_on=_REPLACE_ON,
    )


def _combined_fix(group: Resource, inv: Inventory) -> Fix:
    """MC104 and MC105 on one set: one recreation gives Aligned, 2 fault and 5 update domains."""
    changes = {
        "sku": {"name": "Aligned"},
        "platformFaultDomainCount": SAFE_FAULT_DOMAINS,
        "platformUpdateDomainCount": 5,
    }
    replace_on = ("platformFaultDomainCount", "platformUpdateDomainCount")
    snippet = s.availability_set(group, inv.location(group), changes, replace_on=replace_on)
    snippet += "\n" + s.members_recreated(group, inv.members(group))
    patch = tuple(
        PatchOp("replace" if key in group.inputs else "add", f"/{key}", value)
        for key, value in changes.items()
    )
    return Fix(
        title=(
            "Recreate the set once as Aligned with 2 fault and 5 update domains (fixes MC105 "
            "too); the counts are fixed at creation, so the set and its VMs are recreated"
        ),
        patch=patch,
        snippet=snippet,
        replacement=True,
        replace_on=replace_on,
    )


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    for group in inv.of_kind(t.AVAILABILITY_SET):
        raw = group.get("platformFaultDomainCount")
        if raw is UNKNOWN:
            yield RULE.skipped(group, "platformFaultDomainCount is unknown")
            continue
        if whole_number(raw) != 1:
            continue
        vms = len(inv.members(group))
        who = f"all {vms} of its VMs share" if vms >= 2 else "its VMs share"
        message = (
            f"availability set {group.name!r} has 1 fault domain: {who} one rack's power and "
            f"network, so rack-level maintenance or a failure takes them down together"
        )
        fixes = [_fix(group, inv)]
        if classic_with_managed_vms(inv, group):
            fixes.insert(0, _combined_fix(group, inv))
        yield RULE.finding(group, message, fixes)


RULE = Rule(
    id="MC104",
    slug="too-few-fault-domains",
    severity=Severity.WARNING,
    title="Availability set with a single fault domain",
    doc=DOC,
    check=check,
)
