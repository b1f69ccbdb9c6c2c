"""MC303 unknown-location: a VM whose region cannot be resolved, so region rules cannot judge it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from checker.azure import types as t
from checker.inventory import Inventory, Resource
from checker.model import Finding, Fix, PatchOp, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from checker.rules.support import snippets as s
from checker.rules.support import workload_regions as wr
from checker.values import UNKNOWN

DOC = RuleDoc(
    what=(
        "Reports virtual machines whose location cannot be resolved: the VM sets no `location` "
        "(or one only known after deployment), its resource group's location is not known, and "
        "its provider gives none (an explicit provider's `location`, or the stack config "
        "`azure-native:location` for the default provider)."
    ),
    why=(
        "The region rules (MC301, MC302) decide whether a workload survives planned maintenance "
        "of a region by where its VMs run. A VM without a known region cannot be judged, so a "
        "workload that has no standby in the paired region, or sits in two unpaired regions, "
        "goes unreported."
    ),
    example=(
        "vm = azure_native.compute.VirtualMachine(\n"
        '    "web-vm",\n'
        "    resource_group_name=existing_rg_name,  # a group outside the program\n"
        "    # no location, and the stack sets no azure-native:location\n"
        ")"
    ),
    fix=(
        "Set the VM's `location`, or set `azure-native:location` in the stack config "
        "(`pulumi config set azure-native:location eastus`) when the VM uses the default "
        "provider, or the `location` of its explicit provider."
    ),
)


def _regions(inv: Inventory) -> dict[str, Counter[str]]:
    """How many resources run in each region, per stack ("" for the whole scan)."""
    counts: dict[str, Counter[str]] = {"": Counter()}
    for res in inv.resources:
        if res.kind in (t.PROVIDER, t.STACK):
            continue
        loc = inv.location(res)
        if isinstance(loc, str):
            counts[""][loc] += 1
            counts.setdefault(res.stack, Counter())[loc] += 1
    return counts


def _suggestion(counts: dict[str, Counter[str]], vm: Resource) -> str | None:
    """The region most resources of the VM's stack run in (else of the scan), if any."""
    found = counts.get(vm.stack) or counts[""]
    return min(found, key=lambda r: (-found[r], r)) if found else None


def _cause(inv: Inventory, vm: Resource) -> str:
    own = vm.props.get("location")
    parts = ["its `location` is only known after deployment" if own is UNKNOWN else "it sets no `location`"]
    group = inv.resource_group(vm)
    if isinstance(group, Resource):
        where = group.props.get("location")
        why = "is only known after deployment" if where is UNKNOWN else "is not set"
        parts.append(f"its resource group {group.name!r} is in the scan but its location {why}")
    elif group is not None:
        parts.append(
            "its resource group's location is not known (the group is outside the scan or its "
            "name is computed)"
        )
    provider = inv.get(vm.provider)
    if wr.uses_explicit_provider(inv, vm) and provider is not None:
        parts.append(f"its explicit provider {provider.name!r} sets no `location`")
    else:
        parts.append(f"stack {vm.stack!r} sets no `azure-native:location`")
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _fixes(inv: Inventory, vm: Resource, region: str | None) -> tuple[Fix, ...]:
    shown = region or "eastus"
    hint = "" if region else "  # the region the VM runs in"
    op = "replace" if "location" in vm.inputs else "add"
    set_location = Fix(
        title=(
            f"Set the VM's location to {region!r}, where most of the scan runs"
            if region
            else "Set the VM's location (e.g. 'eastus')"
        )
        + " — use the region the VM runs in: a different one recreates it",
        patch=(PatchOp(op, "/location", shown),) if region else (),
        snippet=(
            f"{s.IMPORT}\n# compute.VirtualMachine({vm.name!r}, ...): add the argument\n"
            f"location = {shown!r}{hint}\n"
        ),
        replacement=False,
    )
    if wr.uses_explicit_provider(inv, vm):
        provider = inv.get(vm.provider)
        name = provider.name if provider is not None else "region"
        config = Fix(
            title=f"Set `location` on the VM's explicit provider {name!r}",
            patch=(),
            snippet=f"{s.IMPORT}\n{s.identifier(name)} = azure_native.Provider({name!r}, "
            f"location={shown!r})\n",
            replacement=False,
        )
    else:
        config = Fix(
            title=f"Set azure-native:location in stack {vm.stack!r}",
            patch=(),
            snippet=(
                f"import pulumi\n{s.IMPORT}\n"
                f"# pulumi config set azure-native:location {shown} --stack {vm.stack}\n"
                f"# which writes Pulumi.{vm.stack}.yaml:\n"
                "#   config:\n"
                f"#     azure-native:location: {shown}\n"
                "# The default provider then deploys there; the program can read it with:\n"
                'location = pulumi.Config("azure-native").get("location")\n'
            ),
            replacement=False,
        )
    return set_location, config


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    counts: dict[str, Counter[str]] | None = None
    for vm in inv.of_kind(t.VM):
        if inv.location(vm) is not UNKNOWN:
            continue
        counts = counts if counts is not None else _regions(inv)
        message = (
            f"VM {vm.name!r} has no resolvable location: {_cause(inv, vm)}, so the region "
            f"rules (MC301, MC302) cannot judge whether its workload survives planned "
            f"maintenance of its region."
        )
        yield RULE.finding(vm, message, _fixes(inv, vm, _suggestion(counts, vm)))


RULE = Rule(
    id="MC303",
    slug="unknown-location",
    severity=Severity.INFO,
    title="VM whose location cannot be resolved",
    doc=DOC,
    check=check,
)
