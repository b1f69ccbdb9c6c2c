"""MC101 single-instance-vm: regional, zonal, workloads, unknown sets."""

from __future__ import annotations

from checker.config import Settings
from checker.engine import run_rules
from checker.model import Finding, Skipped
from tests.builders import SUB, StackBuilder, inventory

VM = "azure-native:compute:VirtualMachine"
AS = "azure-native:compute:AvailabilitySet"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
ONLY = Settings(select=("MC101",))


def run(*stacks: StackBuilder) -> tuple[list[Finding], list[Skipped]]:
    return run_rules(inventory(*stacks), ONLY)


def test_regional_single_vm_fires_with_three_fixes_that_recreate() -> None:
    s = StackBuilder()
    s.add(VM, "lonely", {"resourceGroupName": "rg", "location": "eastus"})
    (finding,), _ = run(s)
    assert "is a single instance" in finding.message
    assert [fix.replacement for fix in finding.fixes] == [True, True, True]
    # Microsoft's order: zones (eastus has them), a Flexible scale set, an availability set.
    zones, flexible, aligned = finding.fixes
    assert "availability zones" in zones.title and "Flexible" in flexible.title
    assert "AvailabilitySet" in aligned.snippet and '"Aligned"' in aligned.snippet
    # Each asks Pulumi to replace the VM (azure-native would attempt an update Azure refuses).
    for fix, prop in ((zones, "zones"), (flexible, "virtualMachineScaleSet"), (aligned, "availabilitySet")):
        assert f"replace_on_changes=[{prop!r}], delete_before_replace=True" in fix.snippet
        compile(fix.snippet, "<snippet>", "exec")


def test_no_zone_fix_in_a_region_without_zones_and_a_caveat_where_unknown() -> None:
    s = StackBuilder()
    s.add(VM, "west", {"resourceGroupName": "rg", "location": "westus"})
    s.add(VM, "nowhere", {"resourceGroupName": "rg"})
    findings, _ = run(s)
    by_name = {f.resource.name: f for f in findings}
    assert ["Flexible" in f.title for f in by_name["west"].fixes] == [True, False]
    assert "only if the region has availability zones" in by_name["nowhere"].fixes[0].title


def test_two_vms_of_a_workload_in_one_zone_move_one_to_another_zone() -> None:
    s = StackBuilder(config={"azure-native:location": "eastus"})
    s.add(VM, "api-a", {"resourceGroupName": "rg", "zones": ["1"], "tags": {"workload": "api"}})
    s.add(VM, "api-b", {"resourceGroupName": "rg", "zones": ["1"], "tags": {"workload": "api"}})
    findings, _ = run(s)
    by_name = {f.resource.name: f for f in findings}
    (stay,) = by_name["api-a"].fixes
    (move,) = by_name["api-b"].fixes
    assert stay.patch == () and "move another VM" in stay.title
    assert [op.to_json() for op in move.patch] == [{"op": "replace", "path": "/zones", "value": ["2"]}]
    assert move.replacement and not move.new_resources
    assert "zones=['2']" in move.snippet and "replace_on_changes=['zones']" in move.snippet


def test_members_of_sets_and_scale_sets_do_not_fire() -> None:
    s = StackBuilder()
    aset = s.add(AS, "web-as", {})
    vmss = s.add(VMSS, "flex", {"orchestrationMode": "Flexible"})
    s.add(VM, "in-set", {"availabilitySet": aset.sub()})
    s.add(VM, "in-flex", {"virtualMachineScaleSet": vmss.sub()})
    assert run(s) == ([], [])


def test_zonal_workload_in_one_zone_fires_and_says_so() -> None:
    s = StackBuilder(config={"azure-native:location": "eastus"})
    s.add(VM, "a", {"zones": ["1"], "tags": {"workload": "api"}})
    s.add(VM, "b", {"zones": ["1"], "tags": {"workload": "api"}})
    findings, _ = run(s)
    assert [f.resource.name for f in findings] == ["a", "b"]
    assert all("zone 1 of eastus" in f.message and "workload 'api'" in f.message for f in findings)


def test_workload_spread_over_two_zones_is_protected() -> None:
    s = StackBuilder(config={"azure-native:location": "eastus"})
    s.add(VM, "a", {"zones": ["1"], "tags": {"workload": "api"}})
    s.add(VM, "b", {"zones": [2.0], "tags": {"workload": "api"}})
    assert run(s) == ([], [])


def test_zone_numbers_are_per_region() -> None:
    east = StackBuilder("east", config={"azure-native:location": "eastus"})
    west = StackBuilder("west", config={"azure-native:location": "westus"})
    east.add(VM, "a", {"zones": ["1"], "tags": {"workload": "api"}})
    west.add(VM, "b", {"zones": ["1"], "tags": {"workload": "api"}})
    assert run(east, west) == ([], [])  # zone 1 of eastus and zone 1 of westus are two zones


def test_zonal_vm_of_unknown_region_is_skipped() -> None:
    s = StackBuilder()
    s.add(VM, "a", {"zones": ["1"]})
    findings, skipped = run(s)
    assert findings == [] and [x.resource.name for x in skipped] == ["a"]


def test_fix_snippets_build_two_instances_of_the_vms_size() -> None:
    s = StackBuilder()
    s.add(VM, "lonely", {"resourceGroupName": "rg", "hardwareProfile": {"vmSize": "Standard_E4s_v5"}})
    (finding,), _ = run(s)
    for fix in finding.fixes:
        assert "vm_size='Standard_E4s_v5'" in fix.snippet and "'lonely-2'" in fix.snippet
        compile(fix.snippet, "<snippet>", "exec")


def test_unknown_set_or_set_outside_the_scan_is_skipped_not_judged() -> None:
    s = StackBuilder()
    s.add(VM, "unknown-set", {"availabilitySet": {"id": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}})
    outside = f"/subscriptions/{SUB}/resourceGroups/x/providers/Microsoft.Compute/availabilitySets/far"
    s.add(VM, "outside", {"availabilitySet": {"id": outside}})
    s.add(VM, "unknown-zones", {"zones": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"})
    findings, skipped = run(s)
    assert findings == []
    assert sorted(x.resource.name for x in skipped) == ["outside", "unknown-set", "unknown-zones"]


def test_unknown_workload_tag_is_skipped_not_judged() -> None:
    s = StackBuilder(config={"azure-native:location": "eastus"})
    s.add(VM, "a", {"zones": ["1"], "tags": {"workload": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}})
    s.add(VM, "b", {"zones": ["2"], "tags": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"})
    findings, skipped = run(s)
    assert findings == [] and sorted(x.resource.name for x in skipped) == ["a", "b"]


def test_spot_vm_is_info_and_regular_vm_stays_an_error() -> None:
    s = StackBuilder(config={"azure-native:location": "eastus"})
    s.add(VM, "spot", {"priority": "Spot", "evictionPolicy": "Deallocate"})
    s.add(VM, "regular", {"priority": "Regular"})
    findings, _ = run(s)
    by_name = {f.resource.name: f for f in findings}
    assert by_name["spot"].severity.name == "INFO" and "Spot VM" in by_name["spot"].message
    assert by_name["regular"].severity.name == "ERROR"


def test_a_configured_severity_still_wins_over_the_spot_case() -> None:
    s = StackBuilder(config={"azure-native:location": "eastus"})
    s.add(VM, "spot", {"priority": "Spot"})
    from checker.model import Severity

    settings = Settings(select=("MC101",), severities={"MC101": Severity.WARNING})
    (finding,), _ = run_rules(inventory(s), settings)
    assert finding.severity.name == "WARNING"


def test_workload_also_in_the_paired_region_is_served_from_the_pair() -> None:
    east = StackBuilder("east", config={"azure-native:location": "eastus"})
    west = StackBuilder("west", config={"azure-native:location": "westus"})
    east.add(VM, "api-east", {"tags": {"workload": "api"}})
    west.add(VM, "api-west", {"tags": {"workload": "api"}})
    findings, _ = run(east, west)
    assert len(findings) == 2
    for finding in findings:
        assert "The VM goes down, but the workload is also served from" in finding.message
    north = StackBuilder("north", config={"azure-native:location": "northeurope"})
    north.add(VM, "api-north", {"tags": {"workload": "api"}})
    findings, _ = run(east, north)  # not a pair: no such sentence
    assert all("served from" not in f.message for f in findings)
