"""MC301 missing-paired-region, MC302 unpaired-regions and MC303 unknown-location, judged across
every stack of a scan."""

from __future__ import annotations

from typing import Any

from checker.config import Settings
from checker.engine import run_rules
from checker.model import Finding, Skipped
from checker.rules import RULES_BY_ID
from tests.builders import Ref, StackBuilder, inventory

VM = "azure-native:compute:VirtualMachine"
AS = "azure-native:compute:AvailabilitySet"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
RG = "azure-native:resources:ResourceGroup"
PROVIDER = "pulumi:providers:azure-native"
REGION_RULES = [RULES_BY_ID[r] for r in ("MC301", "MC302", "MC303")]


def stack(name: str, location: str | None = None, project: str = "app") -> StackBuilder:
    config = {"azure-native:location": location} if location else {}
    return StackBuilder(name, project=project, config=config)


def vm(s: StackBuilder, name: str, *, group: Ref | None = None, **inputs: Any) -> Ref:
    props: dict[str, Any] = {"resourceGroupName": "rg", **inputs}
    deps = None
    if group is not None:
        props["availabilitySet"] = group.sub()
        deps = {"availabilitySet": [group]}
    return s.add(VM, name, props, deps=deps)


def web_set(s: StackBuilder, vms: int = 2, name: str = "web-as") -> Ref:
    group = s.add(AS, name, {"resourceGroupName": "rg", "sku": {"name": "Aligned"}})
    for i in range(vms):
        vm(s, f"{name}-vm{i}-{s.stack}", group=group)
    return group


def scan(*stacks: StackBuilder) -> tuple[list[Finding], list[Skipped]]:
    return run_rules(inventory(*stacks), Settings(), REGION_RULES)


def by_rule(findings: list[Finding], rule_id: str) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule_id]


def where(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return [(f.rule_id, f.resource.stack, f.resource.name) for f in findings]


# -- MC301 -----------------------------------------------------------------------------------


def test_mc301_one_region_alone_fires_once_on_the_set_naming_the_pair() -> None:
    east = stack("prod-eastus", "eastus")
    web_set(east, vms=3)
    findings, skipped = scan(east)
    assert where(findings) == [("MC301", "prod-eastus", "web-as")]
    (finding,) = findings
    assert "runs only in eastus (3 VMs in stack prod-eastus)" in finding.message
    assert "nothing of it runs in westus, the pair of eastus" in finding.message
    (fix,) = finding.fixes
    assert fix.new_resources and not fix.replacement
    assert "pulumi config set azure-native:location westus --stack prod-westus" in fix.snippet
    assert "Pulumi.prod-westus.yaml" in fix.snippet
    assert "#     azure-native:location: westus" in fix.snippet
    compile(fix.snippet, "<mc301>", "exec")
    assert skipped == []


def test_mc301_paired_stacks_of_one_project_share_the_set_workload() -> None:
    east, west = stack("prod-eastus", "eastus"), stack("prod-westus", "westus")
    web_set(east)
    web_set(west)
    findings, _ = scan(east, west)
    assert findings == []


def test_mc301_same_set_name_in_another_project_is_another_workload() -> None:
    east = stack("prod-eastus", "eastus", project="shop")
    west = stack("prod-westus", "westus", project="blog")
    web_set(east)
    web_set(west)
    findings, _ = scan(east, west)
    assert sorted(where(findings)) == [
        ("MC301", "prod-eastus", "web-as"),
        ("MC301", "prod-westus", "web-as"),
    ]
    west_finding = next(f for f in findings if f.resource.stack == "prod-westus")
    assert "westus, the pair" not in west_finding.message
    assert "eastus, the pair of westus" in west_finding.message


def test_mc301_one_way_pair_westus3_points_at_eastus() -> None:
    west3 = stack("prod-westus3", "westus3")
    web_set(west3)
    (finding,) = scan(west3)[0]
    assert "nothing of it runs in eastus, the pair of westus3" in finding.message
    assert "--stack prod-eastus" in finding.fixes[0].snippet


def test_mc301_one_way_pair_counts_from_its_own_side_only() -> None:
    # eastus's own pair is westus: a westus3 deployment is not eastus's standby, but the two
    # together form a pair (westus3 -> eastus), so neither MC301 nor MC302 fires.
    east, west3 = stack("prod-eastus", "eastus"), stack("prod-westus3", "westus3")
    web_set(east)
    assert "westus, the pair of eastus" in scan(east)[0][0].message
    web_set(west3)
    assert scan(east, west3)[0] == []


def test_mc301_region_without_pair_never_fires() -> None:
    # Zone-only by design: MC301 needs a region that has a pair (MC101 judges the zones).
    italy = stack("prod", "italynorth")
    vm(italy, "api-1", tags={"workload": "api"}, zones=["1"])
    vm(italy, "api-2", tags={"workload": "api"}, zones=["1"])
    assert scan(italy) == ([], [])
    poland = stack("prod", "polandcentral")
    poland.add(VMSS, "api-vmss", {"resourceGroupName": "rg", "sku": {"capacity": 3}})
    assert scan(poland) == ([], [])


def test_mc301_is_a_warning_and_info_once_the_workload_spans_two_zones() -> None:
    east = stack("prod", "eastus")
    vm(east, "api-1", tags={"workload": "api"}, zones=["1"])
    vm(east, "api-2", tags={"workload": "api"}, zones=["1"])
    (finding,) = scan(east)[0]
    assert finding.severity.name == "WARNING"
    spread = stack("prod", "eastus")
    vm(spread, "api-1", tags={"workload": "api"}, zones=["1"])
    vm(spread, "api-2", tags={"workload": "api"}, zones=["2"])
    (finding,) = scan(spread)[0]
    assert finding.severity.name == "INFO"
    assert "span zones 1, 2 of eastus" in finding.message


def test_mc301_unknown_zones_keep_the_warning() -> None:
    east = stack("prod", "eastus")
    vm(east, "api-1", tags={"workload": "api"}, zones=["1"])
    vm(east, "api-2", tags={"workload": "api"}, zones="04da6b54-80e4-46f7-96ec-b56ff0331ba9")
    (finding,) = scan(east)[0]
    assert finding.severity.name == "WARNING"


def test_mc301_restricted_pair_puts_zones_first() -> None:
    france = stack("prod-francecentral", "francecentral")
    vm(france, "api-1", tags={"workload": "api"})
    vm(france, "api-2", tags={"workload": "api"})
    (finding,) = scan(france)[0]
    zones, standby = finding.fixes
    assert "francesouth, its pair, is a restricted-access region" in zones.title
    assert "zones of francecentral" in zones.title
    assert "francesouth is a restricted-access region" in standby.snippet


def test_mc301_unconfirmed_region_is_skipped_with_the_reason() -> None:
    jio = stack("prod", "jioindiawest")
    web_set(jio)
    findings, skipped = scan(jio)
    assert findings == []
    assert "not in Microsoft's region list" in skipped[0].reason


def test_mc301_restricted_and_sovereign_pairs_carry_their_caveats() -> None:
    france = stack("prod-francecentral", "francecentral")
    web_set(france)
    (finding,) = scan(france)[0]
    assert "francesouth is a restricted-access region" in finding.fixes[-1].snippet
    gov = stack("gov", "usgovvirginia")
    web_set(gov)
    (finding,) = scan(gov)[0]
    assert "usgovtexas, the pair of usgovvirginia" in finding.message
    assert "less certain" in finding.message


def test_mc301_region_missing_from_the_data_is_skipped_not_guessed() -> None:
    mars = stack("prod", "marsnorth")
    web_set(mars)
    findings, skipped = scan(mars)
    assert findings == []
    assert [s.rule_id for s in skipped] == ["MC301"]
    assert "not in the region-pair data" in skipped[0].reason


def test_mc301_explicit_provider_programs_get_a_provider_for_the_pair() -> None:
    s = stack("prod")
    east = s.add(PROVIDER, "east", {"location": "eastus"})
    s.add(VM, "db-0", {"resourceGroupName": "rg"}, provider=east)
    (finding,) = scan(s)[0]
    snippet = finding.fixes[0].snippet
    assert 'azure_native.Provider("westus", location="westus")' in snippet
    compile(snippet, "<mc301>", "exec")


# -- MC302 -----------------------------------------------------------------------------------


def test_mc302_two_unpaired_regions_fire_once_with_the_move_to_the_pair() -> None:
    east, weu = stack("prod-eastus", "eastus"), stack("prod-weu", "westeurope")
    web_set(east, vms=3)
    web_set(weu, vms=2)
    findings, _ = scan(east, weu)
    assert where(findings) == [("MC302", "prod-eastus", "web-as")]
    (finding,) = findings
    assert finding.severity.name == "WARNING"  # never stricter than MC301
    assert (
        "runs in 2 regions, eastus (3 VMs in stack prod-eastus) and westeurope (2 VMs in stack "
        "prod-weu), and they are not a region pair" in finding.message
    )
    (fix,) = finding.fixes
    assert fix.title.startswith("Move westeurope to westus, the pair of eastus")
    assert fix.replacement and fix.new_resources
    assert "pulumi destroy --stack prod-weu" in fix.snippet
    compile(fix.snippet, "<mc302>", "exec")


def test_mc302_workload_grouped_by_tag_across_stacks_attaches_to_first_vm_by_name() -> None:
    east, north = stack("a", "eastus"), stack("b", "northeurope")
    vm(east, "zeta", tags={"workload": "shop"})
    vm(north, "alpha", tags={"workload": "shop"})
    (finding,) = scan(east, north)[0]
    assert (finding.rule_id, finding.resource.stack, finding.resource.name) == ("MC302", "b", "alpha")
    assert "Workload 'shop' (grouped by the 'workload' tag) runs in 2 regions" in finding.message


def test_mc302_paired_regions_among_three_are_enough() -> None:
    stacks = [stack(r, r) for r in ("eastus", "westus", "northeurope")]
    for s in stacks:
        vm(s, f"vm-{s.stack}", tags={"workload": "shop"})
    assert scan(*stacks)[0] == []


def test_mc302_a_region_without_pair_never_makes_it_fire() -> None:
    italy, poland, east = stack("it", "italynorth"), stack("pl", "polandcentral"), stack("e", "eastus")
    vm(italy, "a", tags={"workload": "shop"})
    vm(poland, "b", tags={"workload": "shop"})
    assert scan(italy, poland)[0] == []
    vm(east, "c", tags={"workload": "shop"})
    assert by_rule(scan(italy, east)[0], "MC302") == []


def test_mc302_info_when_each_region_spans_two_zones() -> None:
    east, weu = stack("e", "eastus"), stack("w", "westeurope")
    for s, zone_pairs in ((east, ("1", "2")), (weu, ("1", "3"))):
        for i, zone in enumerate(zone_pairs):
            vm(s, f"shop-{s.stack}-{i}", tags={"workload": "shop"}, zones=[zone])
    (finding,) = scan(east, weu)[0]
    assert finding.severity.name == "INFO"
    # one region not spread: the warning stays
    vm(weu, "shop-w-9", tags={"workload": "shop"})
    weu.records[-1]["inputs"]["zones"] = None
    east2, weu2 = stack("e", "eastus"), stack("w", "westeurope")
    vm(east2, "shop-e-0", tags={"workload": "shop"}, zones=["1"])
    vm(east2, "shop-e-1", tags={"workload": "shop"}, zones=["2"])
    vm(weu2, "shop-w-0", tags={"workload": "shop"}, zones=["1"])
    (finding,) = scan(east2, weu2)[0]
    assert finding.severity.name == "WARNING"


def test_mc302_one_stack_with_explicit_providers_repoints_the_secondary_provider() -> None:
    s = stack("prod")
    east = s.add(PROVIDER, "east", {"location": "eastus"})
    weu = s.add(PROVIDER, "weu", {"location": "westeurope"})
    s.add(VM, "api-1", {"resourceGroupName": "rg", "tags": {"workload": "api"}}, provider=east)
    s.add(VM, "api-2", {"resourceGroupName": "rg", "tags": {"workload": "api"}}, provider=east)
    s.add(VM, "api-3", {"resourceGroupName": "rg", "tags": {"workload": "api"}}, provider=weu)
    (finding,) = scan(s)[0]
    snippet = finding.fixes[0].snippet
    assert "provider 'weu' at westus, the pair of eastus" in snippet
    assert "pulumi destroy" not in snippet
    compile(snippet, "<mc302>", "exec")


def test_mc302_patch_moves_the_anchor_when_it_sits_in_the_secondary_region() -> None:
    east, weu = stack("e", "eastus"), stack("w", "westeurope")
    vm(east, "b-1", tags={"workload": "shop"})
    vm(east, "b-2", tags={"workload": "shop"})
    vm(weu, "a-1", tags={"workload": "shop"}, location="West Europe")
    (finding,) = scan(east, weu)[0]
    assert finding.resource.name == "a-1"
    assert [op.to_json() for op in finding.fixes[0].patch] == [
        {"op": "replace", "path": "/location", "value": "westus"}
    ]


def test_mc302_unknown_location_skips_both_region_rules() -> None:
    east, lost = stack("e", "eastus"), stack("x")
    vm(east, "a", tags={"workload": "shop"})
    vm(lost, "b", tags={"workload": "shop"})
    findings, skipped = scan(east, lost)
    assert where(findings) == [("MC303", "x", "b")]
    assert sorted((s.rule_id, s.resource.name) for s in skipped) == [("MC301", "a"), ("MC302", "a")]


def test_mc302_region_missing_from_the_data_is_skipped() -> None:
    east, mars = stack("e", "eastus"), stack("m", "marsnorth")
    vm(east, "a", tags={"workload": "shop"})
    vm(mars, "b", tags={"workload": "shop"})
    findings, skipped = scan(east, mars)
    assert findings == []
    assert [s.rule_id for s in skipped] == ["MC302"]


# -- MC303 -----------------------------------------------------------------------------------


def test_mc303_fires_on_a_vm_without_any_location_and_proposes_the_scan_region() -> None:
    known, lost = stack("e", "eastus"), stack("x")
    vm(known, "a")
    vm(lost, "b")
    findings, _ = scan(known, lost)
    (finding,) = by_rule(findings, "MC303")
    assert finding.resource.name == "b" and finding.severity.name == "INFO"
    assert "stack 'x' sets no `azure-native:location`" in finding.message
    set_location, config = finding.fixes
    assert [op.to_json() for op in set_location.patch] == [
        {"op": "add", "path": "/location", "value": "eastus"}
    ]
    assert not set_location.new_resources and not set_location.replacement
    assert "pulumi config set azure-native:location eastus --stack x" in config.snippet
    for fix in finding.fixes:
        compile(fix.snippet, "<mc303>", "exec")


def test_mc303_near_miss_location_from_the_resource_group() -> None:
    s = stack("x")
    group = s.add(RG, "rg", {"location": "West Europe"}, id="/subscriptions/s/resourceGroups/rg")
    s.add(VM, "a", {"resourceGroupName": "rg"}, deps={"resourceGroupName": [group]})
    findings, _ = scan(s)
    assert by_rule(findings, "MC303") == []


def test_mc303_names_a_scanned_resource_group_without_location() -> None:
    s = stack("x")
    group = s.add(RG, "rg", {}, id="/subscriptions/s/resourceGroups/rg")
    s.add(VM, "a", {"resourceGroupName": "rg"}, deps={"resourceGroupName": [group]})
    (finding,) = by_rule(scan(s)[0], "MC303")
    assert "its resource group 'rg' is in the scan but its location is not set" in finding.message
    assert "outside the scan" not in finding.message


def test_mc303_resource_group_outside_the_scan_says_so() -> None:
    s = stack("x")
    s.add(VM, "a", {"resourceGroupName": "shared-rg"})
    (finding,) = by_rule(scan(s)[0], "MC303")
    assert "the group is outside the scan" in finding.message


def test_mc303_unknown_location_with_explicit_provider_names_the_provider() -> None:
    s = stack("x", "eastus")  # explicit providers do not read stack config
    weu = s.add(PROVIDER, "weu", {})
    s.add(VM, "a", {"resourceGroupName": "rg",
                    "location": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}, provider=weu)
    (finding,) = by_rule(scan(s)[0], "MC303")
    assert "only known after deployment" in finding.message
    assert "explicit provider 'weu' sets no `location`" in finding.message
    assert finding.fixes[0].patch == ()  # nothing in the scan says where it runs
    assert "Provider('weu', location='eastus')" in finding.fixes[1].snippet


def test_mc301_availability_set_without_location_does_not_hide_its_vms_region() -> None:
    s = stack("prod")  # no azure-native:location: only the VMs say where they run
    group = s.add(AS, "web-as", {"resourceGroupName": "rg"})
    vm(s, "web-1", group=group, location="eastus")
    vm(s, "web-2", group=group, location="East US")
    findings, skipped = scan(s)
    assert where(findings) == [("MC301", "prod", "web-as")] and skipped == []
    assert "runs only in eastus (2 VMs in stack prod)" in findings[0].message

