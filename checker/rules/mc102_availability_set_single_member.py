"""MC102 availability-set-single-member: an availability set that protects only one VM.

Also home of the membership helpers the other availability-set rules (MC103, MC105) share.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from checker.azure import types as t
from checker.inventory import Inventory, Resource
from checker.model import Finding, Fix, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from checker.rules.support import snippets as s

DOC = RuleDoc(
    what="Checks for availability sets that have exactly one member VM in the scan.",
    why=(
        "An availability set spreads its VMs over update domains, and during VM-restarting "
        "planned maintenance Azure reboots one update domain at a time, giving each 30 minutes "
        "to recover before the next. With a single member there is nothing to fail over to: when "
        "Azure maintains that VM's update domain the workload is down, exactly as for a VM with "
        "no set at all. Azure's availability SLA for sets requires two or more instances."
    ),
    example=(
        "web_as = azure_native.compute.AvailabilitySet(\n"
        '    "web-as",\n'
        '    resource_group_name="app-rg",\n'
        '    sku={"name": "Aligned"},\n'
        "    platform_update_domain_count=5,\n"
        "    platform_fault_domain_count=2,\n"
        ")\n"
        "web = azure_native.compute.VirtualMachine(\n"
        '    "web-1",\n'
        '    resource_group_name="app-rg",\n'
        '    availability_set={"id": web_as.id},  # the set\'s only VM\n'
        "    ...\n"
        ")"
    ),
    fix=(
        "Run a second VM in the same set, built like the first (same size and image, its own "
        "network interface) — for example by constructing the VMs in a loop. The set itself is "
        "unchanged; the new VM joins it at creation."
    ),
)


def _second_vm(group: Resource, member: Resource, location: object) -> str:
    set_var = s.identifier(group.name)
    args = [
        s.resource_group_arg(member),
        s.location_arg(member, location),
        f"availability_set=azure_native.compute.SubResourceArgs(id={set_var}.id)",
    ]
    for prop in ("hardwareProfile.vmSize", "storageProfile.imageReference"):
        value: Any = member.inputs
        for part in prop.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is not None and s.fully_known(value):
            outer, inner = prop.split(".")
            args.append(f"{s.snake(outer)}={{{s.snake(inner)!r}: {s.py_value(value)}}}")
    code = s.call("compute.VirtualMachine", f"{member.name}-2", *args)
    code = (
        code[:-1] + f"    # os_profile=..., network_profile=... as for {member.name!r}, with a network\n"
        "    # interface of its own\n)"
    )
    return (
        f"{s.IMPORT}\n# A second VM in availability set {group.name!r}, built like {member.name!r}:\n{code}"
    )


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    for group in inv.of_kind(t.AVAILABILITY_SET):
        members = inv.members(group)
        if len(members) != 1:
            continue
        (member,) = members
        message = (
            f"availability set {group.name!r} has one VM ({member.name!r}): when planned "
            f"maintenance reboots its update domain nothing else in the set keeps serving"
        )
        fix = Fix(
            title=f"Run a second VM in {group.name!r}, built like {member.name!r} with its own "
            "network interface (the set is unchanged)",
            patch=(),
            snippet=_second_vm(group, member, inv.location(member)),
            replacement=False,
            new_resources=True,
        )
        yield RULE.finding(group, message, [fix])


RULE = Rule(
    id="MC102",
    slug="availability-set-single-member",
    severity=Severity.ERROR,
    title="Availability set with a single member VM",
    doc=DOC,
    check=check,
)
