"""MC102-MC106: each rule fires, a near miss does not, an UNKNOWN does not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from checker.cli import cli
from checker.config import Settings
from checker.engine import run_rules
from checker.model import Finding, RuleOptions, Skipped
from checker.rules import RULES_BY_ID
from checker.values import UNKNOWN_SENTINEL
from tests.builders import Ref, StackBuilder, inventory

VM = "azure-native:compute:VirtualMachine"
AS = "azure-native:compute:AvailabilitySet"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
MANAGED = {"osDisk": {"createOption": "FromImage", "managedDisk": {"storageAccountType": "Premium_LRS"}}}
UNMANAGED = {"osDisk": {"createOption": "FromImage", "vhd": {"uri": "https://sa.blob.core.windows.net/vhds/os.vhd"}}}


def stack() -> StackBuilder:
    return StackBuilder("dev", config={"azure-native:location": "eastus"})


def aset(s: StackBuilder, name: str = "web-as", **inputs: Any) -> Ref:
    return s.add(AS, name, {"resourceGroupName": "rg", "location": "eastus", **inputs})


def vm(s: StackBuilder, name: str, group: Ref | None, storage: Any = None, **inputs: Any) -> Ref:
    props: dict[str, Any] = {
        "resourceGroupName": "rg",
        "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
        "storageProfile": storage if storage is not None else MANAGED,
        **inputs,
    }
    if group is None:
        return s.add(VM, name, props)
    props["availabilitySet"] = group.sub()
    return s.add(VM, name, props, deps={"availabilitySet": [group]})


def run(
    rule_id: str, *stacks: StackBuilder, options: RuleOptions | None = None
) -> tuple[list[Finding], list[Skipped]]:
    items = list(RULES_BY_ID[rule_id].check(inventory(*stacks), options or RuleOptions()))
    findings = [i for i in items if isinstance(i, Finding)]
    return findings, [i for i in items if isinstance(i, Skipped)]


# -- MC102 -------------------------------------------------------------------------------


def test_mc102_fires_on_a_set_with_one_vm() -> None:
    s = stack()
    group = aset(s, sku={"name": "Aligned"})
    vm(s, "web-1", group)
    findings, _ = run("MC102", s)
    assert len(findings) == 1
    f = findings[0]
    assert f.resource.name == "web-as"
    assert f.message == (
        "availability set 'web-as' has one VM ('web-1'): when planned maintenance reboots its "
        "update domain nothing else in the set keeps serving"
    )
    (fix,) = f.fixes
    assert fix.new_resources and not fix.replacement and fix.patch == ()
    assert "availability_set=azure_native.compute.SubResourceArgs(id=web_as.id)" in fix.snippet
    assert "hardware_profile={'vm_size': 'Standard_D2s_v5'}" in fix.snippet


def test_mc102_near_miss_two_members_and_empty_set() -> None:
    s = stack()
    group = aset(s)
    vm(s, "web-1", group)
    vm(s, "web-2", group)
    aset(s, "empty-as")
    assert run("MC102", s) == ([], [])


def test_mc102_member_outside_the_scan_does_not_count() -> None:
    s = stack()
    group = aset(s)
    vm(s, "web-1", group)
    other = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/availabilitySets/far"
    vm(s, "web-2", None, availabilitySet={"id": other})
    findings, _ = run("MC102", s)
    assert [f.resource.name for f in findings] == ["web-as"]


def test_mc102_an_unresolved_reference_counts_toward_no_set() -> None:
    # Spec: an unresolved reference "counts toward no scanned resource": web-2 is no member.
    s = stack()
    group = aset(s)
    vm(s, "web-1", group)
    vm(s, "web-2", None, availabilitySet={"id": UNKNOWN_SENTINEL})
    findings, _ = run("MC102", s)
    assert [f.resource.name for f in findings] == ["web-as"]


def test_mc102_set_reference_resolved_through_property_dependency_in_a_preview() -> None:
    s = stack()
    group = aset(s)
    s.add(VM, "web-1", {"availabilitySet": {"id": UNKNOWN_SENTINEL}},
          deps={"availabilitySet": [group]})
    findings, _ = run("MC102", s)
    assert [f.resource.name for f in findings] == ["web-as"]


# -- MC103 -------------------------------------------------------------------------------


def three_vms_in(s: StackBuilder, **set_inputs: Any) -> Ref:
    group = aset(s, **set_inputs)
    for i in range(1, 4):
        vm(s, f"web-{i}", group)
    return group


def test_mc103_fires_with_numbers_in_the_message_and_proposes_5_when_5_suffices() -> None:
    s = stack()
    three_vms_in(s, platformUpdateDomainCount=2)
    findings, _ = run("MC103", s)
    (f,) = findings
    assert f.message == (
        "availability set 'web-as' has 3 VMs in 2 update domains: 2 of 3 VMs (67%) in web-as "
        "share update domain 0 and restart together during planned maintenance, more than "
        "max-unavailable 50%"
    )
    (fix,) = f.fixes
    assert [op.to_json() for op in fix.patch] == [
        {"op": "replace", "path": "/platformUpdateDomainCount", "value": 5}
    ]
    assert fix.replacement and not fix.new_resources
    assert "platform_update_domain_count=5" in fix.snippet
    assert "replace_on_changes=['platformUpdateDomainCount']" in fix.snippet
    # Recreating the set recreates every member VM: the fix names them, with their options.
    for name in ("web-1", "web-2", "web-3"):
        assert f"{name!r}" in fix.snippet
    assert "replace_on_changes=['availabilitySet'], delete_before_replace=True" in fix.snippet


def test_mc103_proposes_more_than_5_only_when_5_does_not_suffice() -> None:
    s = stack()
    group = aset(s, "big-as", platformUpdateDomainCount=2)
    for i in range(10):
        vm(s, f"big-{i}", group)
    (f,) = run("MC103", s, options=RuleOptions(max_unavailable=0.1))[0]
    assert f.fixes[0].patch[0].value == 10


def test_mc103_float_counts_and_one_update_domain() -> None:
    s = stack()
    three_vms_in(s, platformUpdateDomainCount=1.0)
    (f,) = run("MC103", s)[0]
    assert "3 VMs in 1 update domain:" in f.message
    assert "all 3 VMs (100%) in web-as share update domain 0" in f.message
    assert f.fixes[0].patch[0].value == 5


@pytest.mark.parametrize(
    ("vms", "domains", "fires"),
    [(2, 2, False), (3, 2, True), (4, 2, False), (5, 2, True), (5, 3, False), (3, None, False),
     (11, None, False), (4, 3, False), (2, 1, True)],
)
def test_mc103_update_domain_arithmetic(vms: int, domains: int | None, fires: bool) -> None:
    s = stack()
    group = aset(s) if domains is None else aset(s, platformUpdateDomainCount=domains)
    for i in range(vms):
        vm(s, f"web-{i}", group)
    assert bool(run("MC103", s)[0]) is fires


def test_mc103_unset_count_is_five() -> None:
    s = stack()
    group = aset(s)
    for i in range(11):
        vm(s, f"web-{i:02}", group)
    assert run("MC103", s)[0] == []  # ceil(11/5) = 3 of 11 (27%) is within 50%
    (f,) = run("MC103", s, options=RuleOptions(max_unavailable=0.25))[0]
    assert f.message == (
        "availability set 'web-as' has 11 VMs in 5 update domains (platformUpdateDomainCount "
        "unset: 5): 3 of 11 VMs (27%) in web-as share update domain 0 and restart together "
        "during planned maintenance, more than max-unavailable 25%"
    )
    assert f.fixes[0].patch[0].to_json() == {
        "op": "add", "path": "/platformUpdateDomainCount", "value": 6
    }


def test_mc103_max_unavailable_option() -> None:
    s = stack()
    three_vms_in(s, platformUpdateDomainCount=3)  # 1 of 3 down: 33%
    assert run("MC103", s)[0] == []
    (f,) = run("MC103", s, options=RuleOptions(max_unavailable=0.25))[0]
    assert "more than max-unavailable 25%" in f.message
    fix = f.fixes[0]
    # 3 VMs can never do better than 1 of 3: the fix asks for 4 VMs in 4 update domains.
    assert fix.new_resources and fix.patch[0].value == 4
    assert fix.title.startswith("Run 4 VMs in 4 update domains (1 of 4 VMs (25%) down at once)")


def test_mc103_limit_below_one_twentieth_is_unreachable() -> None:
    s = stack()
    three_vms_in(s)
    (f,) = run("MC103", s, options=RuleOptions(max_unavailable=0.01))[0]
    fix = f.fixes[0]
    assert fix.new_resources and fix.patch[0].value == 20
    assert "below what any availability set can give" in fix.title
    assert "paired region" in fix.title


def test_mc103_unknown_count_is_skipped_and_unresolved_members_do_not_count() -> None:
    s = stack()
    three_vms_in(s, platformUpdateDomainCount=UNKNOWN_SENTINEL)
    findings, skipped = run("MC103", s)
    assert findings == [] and [k.reason for k in skipped] == ["platformUpdateDomainCount is unknown"]

    s = stack()
    group = aset(s, platformUpdateDomainCount=2)
    vm(s, "web-1", group)
    vm(s, "web-2", group)  # 1 of 2: fine; web-3's unresolved reference counts toward no set
    vm(s, "web-3", None, availabilitySet={"id": UNKNOWN_SENTINEL})
    assert run("MC103", s) == ([], [])


def test_mc103_unknown_member_that_cannot_change_the_verdict_still_fires() -> None:
    s = stack()
    group = aset(s, platformUpdateDomainCount=1)
    vm(s, "web-1", group)
    vm(s, "web-2", group)
    vm(s, "web-3", None, availabilitySet={"id": UNKNOWN_SENTINEL})
    (f,) = run("MC103", s)[0]
    assert "2 VMs in 1 update domain" in f.message


# -- MC104 -------------------------------------------------------------------------------


def test_mc104_fires_on_one_fault_domain() -> None:
    s = stack()
    group = aset(s, platformFaultDomainCount=1.0, sku={"name": "Aligned"})
    vm(s, "web-1", group)
    vm(s, "web-2", group)
    (f,) = run("MC104", s)[0]
    assert f.severity.name == "WARNING"
    assert f.message.startswith("availability set 'web-as' has 1 fault domain: all 2 of its VMs")
    (fix,) = f.fixes
    assert fix.replacement
    assert [op.to_json() for op in fix.patch] == [
        {"op": "replace", "path": "/platformFaultDomainCount", "value": 2}
    ]
    assert "az vm list-skus --resource-type availabilitySets" in fix.snippet


def test_mc104_near_misses_and_unknown() -> None:
    s = stack()
    aset(s, "two", platformFaultDomainCount=2)
    aset(s, "unset")
    aset(s, "unknown", platformFaultDomainCount=UNKNOWN_SENTINEL)
    s.add(VMSS, "flex", {"platformFaultDomainCount": 1, "sku": {"capacity": 3}})
    findings, skipped = run("MC104", s)
    assert findings == []
    assert [k.resource.name for k in skipped] == ["unknown"]


# -- MC105 -------------------------------------------------------------------------------


def test_mc105_fires_on_classic_or_unset_sku_with_managed_disks() -> None:
    s = stack()
    unset = aset(s, "unset-as")
    vm(s, "a-1", unset)  # osDisk.managedDisk
    classic = aset(s, "classic-as", sku={"name": "Classic"}, platformFaultDomainCount=3)
    vm(s, "b-1", classic, storage={"imageReference": {"offer": "x"}})  # no osDisk: managed
    findings, _ = run("MC105", s)
    by_set = {f.resource.name: f for f in findings}
    assert set(by_set) == {"unset-as", "classic-as"}
    assert "is Classic (unset), not Aligned, but 1 of its VMs use managed disks ('a-1')" in (
        by_set["unset-as"].message
    )
    # Azure rejects the VM (BadRequest): the deployment fails, so it is an error.
    assert by_set["unset-as"].severity.name == "ERROR"
    assert "so their deployment fails" in by_set["unset-as"].message
    assert [op.to_json() for op in by_set["unset-as"].fixes[0].patch] == [
        {"op": "add", "path": "/sku", "value": {"name": "Aligned"}}
    ]
    classic_fix = by_set["classic-as"].fixes[0]
    assert [op.to_json() for op in classic_fix.patch] == [
        {"op": "replace", "path": "/sku/name", "value": "Aligned"}
    ]
    assert not classic_fix.replacement
    assert "platformFaultDomainCount to 2" in classic_fix.title


def test_mc105_near_misses_and_unknown() -> None:
    s = stack()
    aligned = aset(s, "aligned-as", sku={"name": "aligned"})
    vm(s, "a-1", aligned)
    classic = aset(s, "classic-as", sku={"name": "Classic"})
    vm(s, "b-1", classic, storage=UNMANAGED)  # unmanaged VHD: Classic is right
    unknown_sku = aset(s, "unknown-as", sku={"name": UNKNOWN_SENTINEL})
    vm(s, "c-1", unknown_sku)
    unknown_disk = aset(s, "disk-as")
    vm(s, "d-1", unknown_disk, storage=UNKNOWN_SENTINEL)
    findings, skipped = run("MC105", s)
    assert findings == []
    assert sorted(k.resource.name for k in skipped) == ["disk-as", "unknown-as"]


# -- MC106 -------------------------------------------------------------------------------


def test_mc106_fires_on_capacity_one() -> None:
    s = stack()
    s.add(VMSS, "api-vmss", {
        "resourceGroupName": "rg",
        "orchestrationMode": "Uniform",
        "sku": {"name": "Standard_D2s_v5", "capacity": 1.0},
        "virtualMachineProfile": {"osProfile": {"computerNamePrefix": "api"}},
    })
    (f,) = run("MC106", s)[0]
    assert f.message == (
        "scale set 'api-vmss' runs 1 instance (sku.capacity 1): when planned maintenance "
        "reboots its host nothing else serves"
    )
    (fix,) = f.fixes
    assert not fix.replacement and not fix.new_resources
    assert [op.to_json() for op in fix.patch] == [
        {"op": "replace", "path": "/sku/capacity", "value": 2}
    ]
    assert "sku={'name': 'Standard_D2s_v5', 'capacity': 2}" in fix.snippet


def test_mc106_flexible_set_counts_joined_vms() -> None:
    s = stack()
    flex = s.add(VMSS, "flex", {"resourceGroupName": "rg", "orchestrationMode": "Flexible",
                                "platformFaultDomainCount": 1})
    s.add(VM, "f-1", {"virtualMachineScaleSet": flex.sub()},
          deps={"virtualMachineScaleSet": [flex]})
    (f,) = run("MC106", s)[0]
    assert "runs 1 instance (sku.capacity unset and 1 VM joined to it)" in f.message
    fix = f.fixes[0]
    assert fix.new_resources and fix.patch == ()
    assert "virtual_machine_scale_set=azure_native.compute.SubResourceArgs(id=flex.id)" in (
        fix.snippet
    )
    s.add(VM, "f-2", {"virtualMachineScaleSet": flex.sub()},
          deps={"virtualMachineScaleSet": [flex]})
    assert run("MC106", s)[0] == []


def test_mc106_near_misses_and_unknown() -> None:
    s = stack()
    s.add(VMSS, "two", {"sku": {"capacity": 2}})
    s.add(VMSS, "empty-flex", {"orchestrationMode": "Flexible"})
    s.add(VMSS, "unknown", {"sku": {"name": "Standard_D2s_v5", "capacity": UNKNOWN_SENTINEL}})
    findings, skipped = run("MC106", s)
    assert findings == []
    assert [k.resource.name for k in skipped] == ["unknown"]


# -- through the CLI: config file options and severities -----------------------------------


def _export_three_vms_three_domains(tmp_path: Path) -> Path:
    s = stack()
    three_vms_in(s, platformUpdateDomainCount=3, sku={"name": "Aligned"})
    return s.write(tmp_path / "export.json")


def _scan_json(runner: CliRunner, path: Path, *args: str) -> tuple[int, list[dict[str, Any]]]:
    result = runner.invoke(cli, ["scan", str(path), "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.output)["findings"]


def test_max_unavailable_from_maintcheck_toml_changes_mc103(
    tmp_path: Path, runner: CliRunner
) -> None:
    export = _export_three_vms_three_domains(tmp_path)
    code, findings = _scan_json(runner, export, "--select", "MC103")
    assert (code, findings) == (0, [])
    (tmp_path / "maintcheck.toml").write_text("max-unavailable = 0.3\n")
    code, findings = _scan_json(runner, export, "--select", "MC103")
    assert code == 1
    assert [f["rule"] for f in findings] == ["MC103"]
    assert "more than max-unavailable 30%" in findings[0]["message"]


def test_max_unavailable_and_severity_from_pyproject(tmp_path: Path, runner: CliRunner) -> None:
    export = _export_three_vms_three_domains(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.maintcheck]\nmax-unavailable = 0.3\nseverity = {MC103 = "info"}\n'
    )
    code, findings = _scan_json(runner, export, "--select", "MC103")
    assert code == 0  # info is below the default --fail-on warning
    assert [f["severity"] for f in findings] == ["info"]
    code, _ = _scan_json(runner, export, "--select", "MC103", "--fail-on", "info")
    assert code == 1


def test_run_rules_applies_severity_override_to_mc104() -> None:
    s = stack()
    aset(s, platformFaultDomainCount=1)
    from checker.model import Severity

    settings = Settings(select=("MC104",), severities={"MC104": Severity.ERROR})
    findings, _ = run_rules(inventory(s), settings)
    assert [(f.rule_id, f.severity) for f in findings] == [("MC104", Severity.ERROR)]
