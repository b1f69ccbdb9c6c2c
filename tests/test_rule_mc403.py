"""MC403 guest-patching-not-orchestrated: Windows guests of a multi-instance workload that patch
on the OS's own schedule."""

from __future__ import annotations

from typing import Any

import pytest

from checker.config import Settings
from checker.engine import run_rules
from checker.model import Finding, Skipped
from checker.values import UNKNOWN_SENTINEL
from tests.builders import StackBuilder, inventory
from tests.patching import assert_fixes_sound

VM = "azure-native:compute:VirtualMachine"
AS = "azure-native:compute:AvailabilitySet"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
ONLY = Settings(select=("MC403",))


def run(s: StackBuilder) -> tuple[list[Finding], list[Skipped]]:
    return run_rules(inventory(s), ONLY)


def windows(**config: Any) -> dict[str, Any]:
    return {"computerName": "web", "adminUsername": "azureuser", "windowsConfiguration": config}


def pair_in_set(s: StackBuilder, os_profile: dict[str, Any]) -> None:
    group = s.add(AS, "web-as", {"resourceGroupName": "rg", "sku": {"name": "Aligned"}})
    for i in range(2):
        s.add(VM, f"web-{i}", {"resourceGroupName": "rg", "availabilitySet": group.sub(),
                               "osProfile": os_profile}, deps={"availabilitySet": [group]})


@pytest.mark.parametrize(
    ("config", "why"),
    [
        ({"patchSettings": {"patchMode": "AutomaticByOS"}}, "patchMode is 'AutomaticByOS'"),
        ({}, "the Windows default: AutomaticByOS"),
        ({"enableAutomaticUpdates": True}, "automatic updates are on"),
    ],
)
def test_fires_on_windows_vms_of_a_set(config: dict[str, Any], why: str) -> None:
    s = StackBuilder()
    pair_in_set(s, windows(**config))
    findings, _ = run(s)
    assert [f.resource.name for f in findings] == ["web-0", "web-1"]
    finding = findings[0]
    assert finding.severity.name == "INFO" and why in finding.message
    assert "availability set 'web-as'" in finding.message
    (fix,) = finding.fixes
    assert not fix.replacement and "AutomaticByPlatform" in fix.title
    assert "InGuestPatch maintenance configuration is not availability-first" in fix.snippet
    compile(fix.snippet, "<mc403>", "exec")


@pytest.mark.parametrize(
    "os_profile",
    [
        windows(patchSettings={"patchMode": "AutomaticByPlatform"}),
        windows(enableAutomaticUpdates=False, patchSettings={"patchMode": "Manual"}),
        windows(enableAutomaticUpdates=False),
        {"computerName": "web", "linuxConfiguration": {"patchSettings": {"patchMode": "ImageDefault"}}},
    ],
)
def test_near_misses(os_profile: dict[str, Any]) -> None:
    s = StackBuilder()
    pair_in_set(s, os_profile)
    assert run(s) == ([], [])


def test_a_windows_vm_alone_does_not_fire_but_a_replica_group_does() -> None:
    alone = StackBuilder()
    alone.add(VM, "jump", {"resourceGroupName": "rg", "osProfile": windows()})
    assert run(alone) == ([], [])
    tagged = StackBuilder()
    for i in range(2):
        tagged.add(VM, f"api-{i}", {"resourceGroupName": "rg", "osProfile": windows(),
                                    "tags": {"workload": "api"}})
    findings, _ = run(tagged)
    assert len(findings) == 2 and "one of 2 VMs of workload 'api'" in findings[0].message


def test_flexible_windows_scale_set_fires_uniform_does_not() -> None:
    s = StackBuilder()
    profile = {"osProfile": windows(patchSettings={"patchMode": "AutomaticByOS"})}
    s.add(VMSS, "flex", {"resourceGroupName": "rg", "orchestrationMode": "Flexible",
                         "virtualMachineProfile": profile})
    s.add(VMSS, "uniform", {"resourceGroupName": "rg", "orchestrationMode": "Uniform",
                            "virtualMachineProfile": profile})
    (finding,), _ = run(s)
    assert finding.resource.name == "flex" and "Application Health extension" in finding.fixes[0].snippet


def test_unknown_patch_mode_is_skipped() -> None:
    s = StackBuilder()
    pair_in_set(s, windows(patchSettings={"patchMode": UNKNOWN_SENTINEL}))
    findings, skipped = run(s)
    assert findings == [] and [k.rule_id for k in skipped] == ["MC403", "MC403"]


def test_fix_patches_make_the_findings_go_away() -> None:
    s = StackBuilder()
    pair_in_set(s, windows())
    s.add(VMSS, "flex", {"resourceGroupName": "rg", "orchestrationMode": "Flexible",
                         "virtualMachineProfile": {"osProfile": windows(patchSettings={})}})
    bare = StackBuilder("bare")
    for i in range(2):
        bare.add(VM, f"db-{i}", {"resourceGroupName": "rg", "tags": {"workload": "db"},
                                 "storageProfile": {"osDisk": {"osType": "Windows"}}})
    assert len(assert_fixes_sound(s, rules=["MC403"])) == 3
    assert len(assert_fixes_sound(bare, rules=["MC403"])) == 2
