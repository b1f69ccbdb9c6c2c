"""MC401 sensitive-without-maintenance-control: a dedicated-host or isolated VM that no Host-scope
maintenance configuration reaches."""

from __future__ import annotations

from collections.abc import Iterator

from checker.azure import types as t
from checker.inventory import Inventory, Resource, name_or_logical
from checker.model import Finding, Fix, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from checker.rules.support import maintenance as m
from checker.rules.support import snippets as s

DOC = RuleDoc(
    what=(
        "Checks virtual machines on a dedicated host (`host.id` or `hostGroup.id`) or of an "
        "isolated size (Standard_E104i_v5, Standard_E112ias_v5, ...: Microsoft's isolation "
        "list) — the only VMs whose platform "
        "maintenance a `Host`-scope maintenance configuration can schedule — for a Host-scope "
        "`MaintenanceConfiguration` assigned to the VM or its host: by `ConfigurationAssignment` "
        "(by `resourceId`, by provider/type/name, or computed from the VM) or "
        "`ConfigurationAssignmentParent` (a dedicated host). Dynamic-scope assignments "
        "(`ConfigurationAssignmentsForResourceGroup` / `...ForSubscription`) schedule guest "
        "patching only and never count."
    ),
    why=(
        "Without maintenance control Azure applies platform updates to the host when it "
        "schedules them, and those that need a reboot or a pause hit the VM at a time you did "
        "not choose. A Host-scope configuration lets you pick a recurring window of at least "
        "two hours and hold platform updates for up to 35 days. Other scopes do not help here: "
        "InGuestPatch schedules guest OS patching, not platform maintenance."
    ),
    example=(
        "vm = azure_native.compute.VirtualMachine(\n"
        '    "db-0",\n'
        '    hardware_profile={"vm_size": "Standard_E104i_v5"},  # isolated\n'
        "    # no maintenance.ConfigurationAssignment anywhere for db-0\n"
        ")"
    ),
    fix=(
        "Create a `MaintenanceConfiguration` with `maintenance_scope=\"Host\"` and a window, "
        "and assign it: with a `ConfigurationAssignment` to an isolated VM, or with a "
        "`ConfigurationAssignmentParent` to the dedicated host (hostGroups/<group>/hosts/<host>)."
    ),
)


def _configuration(vm: Resource, location: object) -> str:
    return s.call(
        "maintenance.MaintenanceConfiguration",
        f"{vm.name}-maintenance",
        s.resource_group_arg(vm),
        s.location_arg(vm, location),
        'maintenance_scope="Host"',
        'visibility="Custom"',
        'start_date_time="2026-01-03 00:00"',
        'duration="05:00"',
        'time_zone="UTC"',
        'recur_every="Week Saturday"',
        var="maintenance",
    )


def _assign_vm(vm: Resource, location: object) -> str:
    return s.call(
        "maintenance.ConfigurationAssignment",
        f"{vm.name}-maintenance-assignment",
        s.resource_group_arg(vm),
        s.location_arg(vm, location),
        'provider_name="Microsoft.Compute"',
        'resource_type="virtualMachines"',
        f"resource_name_={name_or_logical(vm)!r}",
        "maintenance_configuration_id=maintenance.id",
        var="assignment",
    )


def _assign_host(inv: Inventory, host: Resource, location: object) -> str:
    group = m.host_group(inv, host)
    group_name = name_or_logical(group) if isinstance(group, Resource) else host.get("hostGroupName")
    return s.call(
        "maintenance.ConfigurationAssignmentParent",
        f"{host.name}-maintenance-assignment",
        s.resource_group_arg(host),
        s.location_arg(host, location),
        'provider_name="Microsoft.Compute"',
        'resource_parent_type="hostGroups"',
        f"resource_parent_name={s.literal(group_name) if group_name else repr('my-host-group')}",
        'resource_type="hosts"',
        f"resource_name_={name_or_logical(host)!r}",
        "maintenance_configuration_id=maintenance.id",
        var=s.identifier(f"{host.name}-assignment"),
    )


def _hosts(inv: Inventory, vm: Resource) -> list[Resource]:
    host = inv.ref(vm, "host", [t.DEDICATED_HOST])
    if isinstance(host, Resource):
        return [host]
    group = inv.ref(vm, "hostGroup", [t.DEDICATED_HOST_GROUP])
    return m.hosts_of_group(inv, group) if isinstance(group, Resource) else []


def _fix(inv: Inventory, vm: Resource, hosts: list[Resource]) -> Fix:
    location = inv.location(vm)
    assignments = [_assign_host(inv, h, location) for h in hosts] or [_assign_vm(vm, location)]
    target = (
        f"its dedicated host{'s' if len(hosts) > 1 else ''} "
        + ", ".join(repr(h.name) for h in hosts)
        if hosts
        else "the VM"
    )
    return Fix(
        title=f"Create a Host-scope MaintenanceConfiguration with a weekly window and assign it "
        f"to {target}",
        patch=(),
        snippet="\n\n".join([s.IMPORT.rstrip(), _configuration(vm, location), *assignments]) + "\n",
        replacement=False,
        new_resources=True,
    )


def _message(vm: Resource, reasons: list[str], hosts: list[Resource], reach: m.Reach) -> str:
    where = "it or its dedicated host" if hosts else "it"
    text = (
        f"VM {vm.name!r} can be put under maintenance control ({' and '.join(reasons)}), but "
        f"no Host-scope maintenance configuration is assigned to {where}: Azure applies "
        f"platform updates that reboot or pause the VM when it schedules them, instead of in a "
        f"window you choose (at least 2 hours, updates held for up to 35 days)."
    )
    if reach.other:
        names = ", ".join(
            f"{c.name!r} ({c.get('maintenanceScope')})"
            for c in sorted(set(reach.other), key=lambda c: c.name)
        )
        text += f" Its configurations {names} do not schedule platform maintenance."
    return text


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    assignments = m.Assignments(inv)
    for vm in inv.of_kind(t.VM):
        reasons, doubt = m.host_scope_reasons(vm)
        if not reasons:
            if doubt:
                yield RULE.skipped(
                    vm, "its size or dedicated host is not known, so whether a Host-scope "
                    "maintenance configuration applies to it is not known",
                )
            continue
        reach = m.vm_reach(inv, vm, assignments)
        if reach.host:
            continue
        if reach.doubts:
            yield RULE.skipped(vm, reach.doubts[0])
            continue
        hosts = _hosts(inv, vm) if m.host_placement(vm) is True else []
        yield RULE.finding(vm, _message(vm, reasons, hosts, reach), (_fix(inv, vm, hosts),))


RULE = Rule(
    id="MC401",
    slug="sensitive-without-maintenance-control",
    severity=Severity.WARNING,
    title="Dedicated-host or isolated VM without a Host-scope maintenance configuration",
    doc=DOC,
    check=check,
)
