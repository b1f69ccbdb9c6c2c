"""MC301 missing-paired-region: a workload in one region with nothing in that region's pair."""

from __future__ import annotations

from collections.abc import Iterator

from checker.azure import types as t
from checker.azure.regions import RegionPairs, region_pairs
from checker.inventory import Inventory
from checker.model import Finding, Fix, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from checker.rules.support import snippets as s
from checker.rules.support import workload_regions as wr

DOC = RuleDoc(
    what=(
        "Checks workloads (VMs grouped by the workload tag, else by availability set or scale "
        "set, else by replica names such as web-0, web-1, across every stack and file of the "
        "scan) that run in exactly one region. When that region has a pair (either region "
        "listing the other counts, so "
        "westus3 -> eastus is a pair) and no VM of the workload runs in the pair, it reports the "
        "workload once, on its set or scale set (else on its first VM by name): a warning, info "
        "when the workload's VMs span two or more zones of the region. A region without a pair "
        "(zone-only by design) never makes it fire."
    ),
    why=(
        "Azure rolls planned maintenance out to one region of a pair at a time: while East US is "
        "being updated, West US is not, so a standby in the pair can take the load. A workload "
        "that lives in one region has nowhere to fail over to when maintenance, or a bad update, "
        "affects that region. Zones in the region are also maintained one at a time, which is "
        "why a zone-spread workload gets only an info."
    ),
    example=(
        "# Pulumi.prod.yaml\n"
        "config:\n"
        "  azure-native:location: eastus\n"
        "# and no stack of the project deploys the workload to westus, eastus's pair"
    ),
    fix=(
        "Deploy a standby of the workload in the pair: a new stack of the same project with "
        "`azure-native:location` set to the pair (for westus3, whose one-way pair is eastus: "
        "eastus), or, in programs with one explicit provider per region, a provider for the "
        "pair. When the pair is a restricted-access region (francesouth, ...), spreading the VMs "
        "over the region's zones comes first: the pair needs an access request."
    ),
)


def _standby(inv: Inventory, plc: wr.Placement, region: str, pair: str, pairs: RegionPairs) -> Fix:
    res = plc.anchor
    stack = wr.stack_for(res.stack, region, pair)
    notes = wr.caveats(pairs, pair)
    purpose = (
        f"A standby of workload {plc.workload.label!r} in {pair}, {region}'s pair, as a new "
        f"stack of project {res.project!r}:"
    )
    return Fix(
        title=f"Deploy a standby of the workload in {pair}, the pair of {region} "
        f"(a new stack {stack!r} with azure-native:location {pair})",
        patch=(),
        snippet=wr.stack_config_snippet(inv, res, stack, pair, purpose, notes),
        replacement=False,
        new_resources=True,
    )


def _zone_fix(plc: wr.Placement, region: str, reason: str) -> Fix:
    res = plc.anchor
    if res.kind == t.SCALE_SET:
        return Fix(
            title=f"{reason}: spread scale set {res.name!r} over zones 1, 2 and 3 of {region} "
            f"(Azure can add zones to an existing scale set; older API versions recreate it); "
            f"the workload then gets an info, the pair still being the full fix",
            patch=(),
            snippet=(
                f"{s.IMPORT}\n# compute.VirtualMachineScaleSet({res.name!r}, ...): add\n"
                'zones = ["1", "2", "3"]\n'
                "# with sku.capacity of 2 or more, so instances land in different zones.\n"
            ),
            replacement=True,
        )
    lines = [
        s.IMPORT,
        f"# {reason}; availability zones are maintained one at a time.",
        f"# Run the VMs of workload {plc.workload.label!r} in two or more zones, one zone each:",
        'zones_first_vm = ["1"]',
        'zones_second_vm = ["2"]',
    ]
    if res.kind == t.AVAILABILITY_SET:
        lines.append(
            f"# An availability set cannot be zonal: replace {res.name!r} by zonal VMs or by a "
            "Flexible scale set with zones."
        )
    return Fix(
        title=f"{reason}: run the workload's VMs in two or more availability zones of {region} "
        f"(each VM is recreated in its zone)",
        patch=(),
        snippet="\n".join(lines) + "\n",
        replacement=True,
        new_resources=True,
    )


def _spread(plc: wr.Placement, region: str) -> object:
    """The zones the workload's VMs and scale sets use in ``region`` (a frozenset), or UNKNOWN."""
    return wr.zones(plc.regions[region])


def _judge(inv: Inventory, plc: wr.Placement, pairs: RegionPairs) -> Finding | Skipped | None:
    (region,) = plc.regions
    where = wr.describe(plc, region)
    name = f"Workload {plc.workload.describe()}"
    pair = pairs.pair_of(region)
    if pair is None:
        if pairs.has_no_pair(region):
            return None  # zone-only by design: MC101 judges its zones
        if pairs.is_unconfirmed(region):
            return RULE.skipped(plc.anchor, f"region {region!r}: {pairs.unconfirmed_note}")
        return RULE.skipped(
            plc.anchor,
            f"region {region!r} is not in the region-pair data (retrieved {pairs.retrieved}); "
            f"check its pair in Microsoft's region list",
        )
    uncertain = "" if pairs.is_certain(region) else f" ({pairs.uncertain_note})"
    zones = _spread(plc, region)
    found: frozenset[str] = zones if isinstance(zones, frozenset) else frozenset()
    spread = len(found) >= 2
    message = (
        f"{name} runs only in {where}: nothing of it runs in {pair}, the pair of "
        f"{region}{uncertain}. Azure maintains paired regions one at a time, so a standby in "
        f"{pair} keeps serving while {region} is under planned maintenance; with one region "
        f"there is nowhere to fail over to."
    )
    if spread:
        listed = ", ".join(sorted(found))
        message += (
            f" Its VMs span zones {listed} of {region}, which Azure maintains one at a time, "
            f"so planned maintenance alone does not take it down: info."
        )
    fixes = [_standby(inv, plc, region, pair, pairs)]
    if pairs.is_restricted(pair) and not spread and pairs.has_zones(region):
        # Never send a user to a restricted region first: zones need no access request.
        fixes.insert(0, _zone_fix(plc, region, f"{pair}, its pair, is a restricted-access region"))
    severity = Severity.INFO if spread else None
    return RULE.finding(plc.anchor, message, fixes, severity=severity)


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    pairs = region_pairs()
    for plc in wr.placements(inv, RULE):
        if isinstance(plc, Skipped):
            yield plc
        elif len(plc.regions) == 1:
            verdict = _judge(inv, plc, pairs)
            if verdict is not None:
                yield verdict


RULE = Rule(
    id="MC301",
    slug="missing-paired-region",
    severity=Severity.WARNING,
    title="Workload in one region with no standby in its paired region",
    doc=DOC,
    check=check,
)
