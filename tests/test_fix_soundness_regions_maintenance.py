"""Fix soundness for the region and maintenance rules: apply each fix that needs no new
resources to the resource's inputs, rescan, and the finding is gone (tests/patching.py)."""

from __future__ import annotations

from typing import Any

from tests.builders import StackBuilder
from tests.patching import assert_fixes_sound

P = "azure-native:"
VM, VMSS = P + "compute:VirtualMachine", P + "compute:VirtualMachineScaleSet"
PROVIDER = "pulumi:providers:azure-native"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def _vm(s: StackBuilder, name: str, **inputs: Any) -> None:
    s.add(VM, name, {"resourceGroupName": "rg",
                     "hardwareProfile": {"vmSize": "Standard_D4s_v5"}, **inputs})


def test_mc303_set_location_fix_resolves_the_location() -> None:
    known = StackBuilder("eastus", config={"azure-native:location": "eastus"})
    _vm(known, "anchor")
    lost = StackBuilder("lost")
    _vm(lost, "no-location")
    _vm(lost, "computed-location", location=UNKNOWN)
    regional = StackBuilder("regional")
    provider = regional.add(PROVIDER, "weu", {})
    regional.add(VM, "explicit", {"resourceGroupName": "rg"}, provider=provider)
    regional.add(VM, "elsewhere", {"resourceGroupName": "rg", "location": "westeurope"})
    exercised = assert_fixes_sound(known, lost, regional, rules=["MC303"])
    assert sorted(urn.rsplit("::", 1)[1] for _, urn, _ in exercised) == [
        "computed-location", "explicit", "no-location",
    ]


def test_mc402_policy_patches_remove_the_finding() -> None:
    s = StackBuilder("prod", config={"azure-native:location": "eastus"})
    _vm(s, "bare", tags={"maintenance-sensitivity": "realtime"})
    _vm(s, "partial", tags={"maintenance-sensitivity": "high"}, scheduledEventsPolicy={
        "userInitiatedReboot": {"automaticallyApprove": True},
        "scheduledEventsAdditionalPublishingTargets": {"eventGridAndResourceGraph": {"enable": False}},
    })
    _vm(s, "isolated", hardwareProfile={"vmSize": "Standard_E104i_v5"},
        scheduledEventsPolicy={"userInitiatedRedeploy": {}})
    s.add(VMSS, "bare-vmss", {"resourceGroupName": "rg", "tags": {"maintenance-sensitivity": "high"},
                              "sku": {"name": "Standard_D4s_v5", "capacity": 2}})
    s.add(VMSS, "profile-vmss", {
        "resourceGroupName": "rg", "sku": {"name": "Standard_E104i_v5", "capacity": 2},
        "virtualMachineProfile": {"scheduledEventsProfile": {
            "osImageNotificationProfile": {"enable": True},
            "terminateNotificationProfile": {"enable": False, "notBeforeTimeout": "PT10M"}}},
    })
    exercised = assert_fixes_sound(s, rules=["MC402"])
    names = sorted(urn.rsplit("::", 1)[1] for _, urn, _ in exercised)
    # every VM and scale set once
    assert names == ["bare", "bare-vmss", "isolated", "partial", "profile-vmss"]


def test_mc402_patch_works_when_outputs_hold_stale_values() -> None:
    s = StackBuilder("prod", config={"azure-native:location": "eastus"})
    inputs = {"resourceGroupName": "rg", "hardwareProfile": {"vmSize": "Standard_D4s_v5"},
              "tags": {"maintenance-sensitivity": "high"}}
    s.add(VM, "deployed", inputs, outputs={**inputs, "scheduledEventsPolicy": {
        "userInitiatedRedeploy": {"automaticallyApprove": False}}})
    assert len(assert_fixes_sound(s, rules=["MC402"])) == 1


