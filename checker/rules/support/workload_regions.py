"""Where a workload runs, for the region rules MC301 and MC302.

A workload (``Inventory.workloads``) spans every stack and file of the scan. Its *placement* is
the region of each of its VMs and sets; its *anchor* is the resource a workload finding is
attached to: its first set / scale set by name if it has one, else its first VM by name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from checker.azure import types as t
from checker.azure.regions import RegionPairs
from checker.inventory import Inventory, Resource, Workload
from checker.model import Skipped
from checker.rules.base import Rule
from checker.values import UNKNOWN


def _order(res: Resource) -> tuple[str, str, str, str]:
    return (res.name, res.stack, res.project, res.urn)


@dataclass(frozen=True)
class Placement:
    """The regions a workload runs in, and which of its resources run where."""

    workload: Workload
    anchor: Resource
    regions: Mapping[str, tuple[Resource, ...]]  # region -> its VMs and scale sets there
    unknown: tuple[Resource, ...]  # members whose location cannot be resolved

    def by_size(self) -> list[str]:
        """Regions, the one with the most VMs and scale sets first (ties by name)."""
        return sorted(self.regions, key=lambda r: (-len(self.regions[r]), r))

    def stacks_in(self, region: str) -> list[str]:
        return sorted({res.stack for res in self.regions.get(region, ())})


def anchor(workload: Workload) -> Resource:
    """The resource a workload finding is attached to."""
    if workload.sets:
        return min(workload.sets, key=_order)
    return min(workload.vms, key=_order)


def placements(inv: Inventory, rule: Rule) -> Iterator[Placement | Skipped]:
    """The placement of every workload of the scan, or ``rule``'s Skipped for a workload whose
    tag, or a member's location, cannot be resolved (the region rules never guess)."""
    for workload in inv.workloads():
        plc = placement(inv, workload)
        if workload.basis == "unknown":
            yield rule.skipped(plc.anchor, "its workload tag is not known")
        elif plc.unknown:
            names = ", ".join(repr(r.name) for r in plc.unknown)
            yield rule.skipped(plc.anchor, f"the location of {names} is not known")
        else:
            yield plc


def placement(inv: Inventory, workload: Workload) -> Placement:
    regions: dict[str, list[Resource]] = defaultdict(list)
    unknown: list[Resource] = []
    for res in sorted((*workload.sets, *workload.vms), key=_order):
        if res.kind not in (t.VM, t.SCALE_SET):
            continue  # an availability set runs where its VMs run
        loc = inv.location(res)
        if isinstance(loc, str):
            regions[loc].append(res)
        else:
            unknown.append(res)
    return Placement(
        workload=workload,
        anchor=anchor(workload),
        regions={r: tuple(v) for r, v in sorted(regions.items())},
        unknown=tuple(unknown),
    )


def zones(resources: Iterable[Resource]) -> object:
    """The distinct availability zones the VMs and scale sets run in, or UNKNOWN."""
    found: set[str] = set()
    for res in resources:
        if res.kind not in (t.VM, t.SCALE_SET):
            continue
        value = res.get("zones")
        if value is UNKNOWN or (isinstance(value, list) and UNKNOWN in value):
            return UNKNOWN
        if isinstance(value, list):
            found.update(str(z) for z in value)
    return frozenset(found)


def count(resources: Iterable[Resource]) -> str:
    """``"2 VMs"``, ``"1 VM, 1 scale set"``..."""
    items = list(resources)
    parts = []
    for kind, noun in ((t.VM, "VM"), (t.SCALE_SET, "scale set")):
        n = sum(1 for r in items if r.kind == kind)
        if n:
            parts.append(f"{n} {noun}{'s' if n != 1 else ''}")
    return ", ".join(parts)


def describe(plc: Placement, region: str) -> str:
    """``"eastus (2 VMs in stack prod-eastus)"``."""
    stacks = plc.stacks_in(region)
    label = "stack" if len(stacks) == 1 else "stacks"
    return f"{region} ({count(plc.regions[region])} in {label} {', '.join(stacks)})"


def caveats(pairs: RegionPairs, *regions: str) -> list[str]:
    """Notes a user must read before moving to ``regions``: restricted access, uncertain data."""
    notes = []
    for region in regions:
        if pairs.is_restricted(region):
            notes.append(
                f"{region} is a restricted-access region: request access for your subscription "
                f"before deploying there"
            )
        if not pairs.is_certain(region):
            notes.append(f"{region}: {pairs.uncertain_note}")
    return notes


def uses_explicit_provider(inv: Inventory, res: Resource) -> bool:
    provider = inv.get(res.provider)
    return provider is not None and not provider.name.startswith("default")


def stack_for(stack: str, current: str, target: str) -> str:
    """The name of a stack in ``target``: ``prod-eastus`` -> ``prod-westus``, else ``-westus``."""
    if current and current in stack.lower():
        start = stack.lower().index(current)
        return stack[:start] + target + stack[start + len(current) :]
    return f"{stack}-{target}"


def stack_config_snippet(
    inv: Inventory, res: Resource, stack: str, target: str, purpose: str, notes: Iterable[str] = ()
) -> str:
    """Python (comments plus, for explicit-provider programs, a provider) that runs the
    program's resources in ``target`` as stack ``stack``."""
    lines = [
        "import pulumi",
        "import pulumi_azure_native as azure_native",
        "",
        f"# {purpose}",
        f"#   pulumi stack select --create {stack}",
        f"#   pulumi config set azure-native:location {target} --stack {stack}",
        f"# which writes Pulumi.{stack}.yaml (in the project's stackConfigDir):",
        "#   config:",
        f"#     azure-native:location: {target}",
        f"# then copy the stack's other config values and run `pulumi up --stack {stack}`.",
    ]
    lines.extend(f"# Note: {note}." for note in notes)
    if uses_explicit_provider(inv, res):
        var = "provider_" + "".join(ch if ch.isalnum() else "_" for ch in target)
        lines += [
            "# This program uses explicit providers, which do not read azure-native:location:",
            "# give the standby's resources a provider for the region.",
            f'{var} = azure_native.Provider("{target}", location="{target}")',
            f"standby_opts = pulumi.ResourceOptions(provider={var})",
        ]
    else:
        lines += [
            f"# The default provider then deploys to {target}; the program can read it with:",
            'location = pulumi.Config("azure-native").get("location")',
        ]
    return "\n".join(lines) + "\n"
