"""MC302 unpaired-regions: a workload in several regions, none of which pairs with another."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

from checker.azure.regions import RegionPairs, region_pairs
from checker.inventory import Inventory
from checker.model import Finding, Fix, PatchOp, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from checker.rules.support import snippets as s
from checker.rules.support import workload_regions as wr

DOC = RuleDoc(
    what=(
        "Checks workloads (VMs grouped by the workload tag, else by availability set or scale "
        "set, else by replica names such as web-0, web-1, across every stack and file of the "
        "scan) that run in two or more regions that all have pairs, where no two of the regions "
        "are a pair. It reports "
        "the workload once, on its set or scale set (else on its first VM by name): a warning "
        "(never stricter than MC301's one region), info when the VMs span two or more zones in "
        "each region. A region without a pair (zone-only by design) never makes it fire."
    ),
    why=(
        "Azure never runs planned maintenance in both regions of a pair at the same time, but "
        "it may maintain unrelated regions together: East US and North Europe can be updated on "
        "the same night. Microsoft also endorses multi-region designs without pairs; the "
        "maintenance fact is only that such regions can be under maintenance at once."
    ),
    example=(
        "# Pulumi.prod-eastus.yaml       Pulumi.prod-weu.yaml\n"
        "config:                         config:\n"
        "  azure-native:location: eastus   azure-native:location: westeurope\n"
        "# the same workload in both stacks: eastus pairs with westus, westeurope with northeurope"
    ),
    fix=(
        "Move the secondary deployment to the primary region's pair (the primary is the region "
        "with the most VMs): for eastus, westus. Resources are recreated in the new region. "
        "Never a restricted-access region without saying so: the fix notes the access request."
    ),
)


def _plan(plc: wr.Placement, pairs: RegionPairs) -> tuple[str, str, list[str]]:
    """(primary region, its pair, regions to move there): the primary is the region with the
    most VMs and scale sets (MC302 judges only workloads whose regions all have pairs)."""
    primary, *others = plc.by_size()
    pair = pairs.pair_of(primary)
    assert pair is not None
    return primary, pair, others


def _provider_snippet(
    inv: Inventory,
    plc: wr.Placement,
    movers: list[str],
    primary: str,
    pair: str,
    notes: list[str],
) -> str:
    """One stack deploys both regions (explicit providers): re-point the secondary's provider."""
    providers = sorted({p.name for r in movers for res in plc.regions[r] if (p := inv.get(res.provider))})
    which = f"provider {', '.join(repr(p) for p in providers)}" if providers else "provider"
    var = "provider_" + pair
    lines = [
        s.IMPORT,
        f"# Workload {plc.workload.label!r} is deployed to {', '.join(plc.by_size())} by one "
        f"stack: point the secondary's {which} at {pair}, the pair of {primary}.",
        f"# Its resources are recreated in {pair}.",
        *(f"# Note: {note}." for note in notes),
        f'{var} = azure_native.Provider("{pair}", location="{pair}")',
    ]
    return "\n".join(lines) + "\n"


def _move_fix(inv: Inventory, plc: wr.Placement, pairs: RegionPairs) -> Fix:
    res = plc.anchor
    primary, pair, movers = _plan(plc, pairs)
    notes = wr.caveats(pairs, pair)
    stacks = sorted({st for region in movers for st in plc.stacks_in(region)})
    purpose = (
        f"Workload {plc.workload.label!r}: run its secondary ({', '.join(movers)}) in {pair}, "
        f"the pair of {primary}. Create the secondary afresh as a new stack:"
    )
    if set(stacks) & set(plc.stacks_in(primary)):
        snippet = _provider_snippet(inv, plc, movers, primary, pair, notes)
    else:
        snippet = wr.stack_config_snippet(
            inv, res, wr.stack_for(stacks[0], movers[0], pair), pair, purpose, notes
        )
        snippet += "".join(
            f"# Once traffic has moved, retire the old secondary: pulumi destroy --stack {st}\n"
            for st in stacks
        )
    patch: tuple[PatchOp, ...] = ()
    location = res.inputs.get("location")
    if isinstance(location, str) and inv.location(res) in movers:
        patch = (PatchOp("replace", "/location", pair),)
    return Fix(
        title=f"Move {', '.join(movers)} to {pair}, the pair of {primary} (resources there are recreated)",
        patch=patch,
        snippet=snippet,
        replacement=True,
        new_resources=True,
    )


def _judge(inv: Inventory, plc: wr.Placement, pairs: RegionPairs) -> Finding | Skipped | None:
    regions = list(plc.regions)
    if any(pairs.are_paired(a, b) for a, b in combinations(regions, 2)):
        return None
    if any(pairs.has_no_pair(r) for r in regions):
        return None  # a region without a pair is zone-only by design: never fires
    strangers = [r for r in regions if not pairs.is_known(r)]
    if strangers:
        return RULE.skipped(
            plc.anchor,
            f"region {', '.join(strangers)} is not in the region-pair data "
            f"(retrieved {pairs.retrieved}); check its pair in Microsoft's region list",
        )
    where = " and ".join(wr.describe(plc, r) for r in plc.by_size())
    uncertain = [r for r in regions if not pairs.is_certain(r)]
    doubt = f" ({pairs.uncertain_note})" if uncertain else ""
    message = (
        f"Workload {plc.workload.describe()} runs in {len(regions)} regions, {where}, and "
        + ("they are not" if len(regions) == 2 else "no two of them are")
        + f" a region pair{doubt}: Azure may run planned maintenance in "
        + ("both" if len(regions) == 2 else "all of them")
        + " at the same time, so the extra region does not protect the workload against it."
    )
    spreads = [wr.zones(plc.regions[r]) for r in regions]
    spread = all(isinstance(z, frozenset) and len(z) >= 2 for z in spreads)
    if spread:
        message += (
            " In each region its VMs span two or more zones, which Azure maintains one at a "
            "time, so planned maintenance alone does not take a region's share down: info."
        )
    severity = Severity.INFO if spread else None
    return RULE.finding(plc.anchor, message, (_move_fix(inv, plc, pairs),), severity=severity)


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    pairs = region_pairs()
    for plc in wr.placements(inv, RULE):
        if isinstance(plc, Skipped):
            yield plc
        elif len(plc.regions) >= 2:
            verdict = _judge(inv, plc, pairs)
            if verdict is not None:
                yield verdict


RULE = Rule(
    id="MC302",
    slug="unpaired-regions",
    severity=Severity.WARNING,
    title="Workload in several regions, none of them paired",
    doc=DOC,
    check=check,
)
