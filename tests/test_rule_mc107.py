"""MC107 scale-set-upgrade-without-health: Automatic mode, or Rolling / automatic OS image
upgrades without a health signal."""

from __future__ import annotations

from typing import Any

import pytest

from checker.config import Settings
from checker.engine import run_rules
from checker.model import Finding, Skipped
from checker.values import UNKNOWN_SENTINEL
from tests.builders import StackBuilder, inventory
from tests.patching import assert_fixes_sound

VMSS = "azure-native:compute:VirtualMachineScaleSet"
VMSS_EXT = "azure-native:compute:VirtualMachineScaleSetExtension"
ONLY = Settings(select=("MC107",))
HEALTH = {"name": "health", "publisher": "Microsoft.ManagedServices", "type": "ApplicationHealthLinux",
          "typeHandlerVersion": "2.0", "settings": {"protocol": "http", "port": 80, "requestPath": "/"}}


def run(s: StackBuilder) -> tuple[list[Finding], list[Skipped]]:
    return run_rules(inventory(s), ONLY)


def scale_set(s: StackBuilder, name: str = "web-vmss", **inputs: Any) -> Any:
    props = {"resourceGroupName": "rg", "sku": {"name": "Standard_D2s_v5", "capacity": 3}, **inputs}
    return s.add(VMSS, name, props)


@pytest.mark.parametrize(
    ("inputs", "needle"),
    [
        ({"upgradePolicy": {"mode": "Automatic"}}, "upgrade all instances at the same time"),
        # Automatic fires even with a health extension: Azure may still take every instance.
        ({"upgradePolicy": {"mode": "Automatic"},
          "virtualMachineProfile": {"extensionProfile": {"extensions": [HEALTH]}}}, "'Automatic'"),
        ({"upgradePolicy": {"mode": "Rolling"}}, "rolling upgrades but has no health signal"),
        ({"upgradePolicy": {"mode": "Manual",
                            "automaticOSUpgradePolicy": {"enableAutomaticOSUpgrade": True}}},
         "automatic OS image upgrades"),
        # A Flexible set accepts only the extension: its probe does not count.
        ({"orchestrationMode": "Flexible", "upgradePolicy": {"mode": "Rolling"},
          "virtualMachineProfile": {"networkProfile": {"healthProbe": {"id": "/x/probes/p"}}}},
         "Flexible scale sets accept only the extension"),
    ],
)
def test_fires(inputs: dict[str, Any], needle: str) -> None:
    s = StackBuilder()
    scale_set(s, **inputs)
    (finding,), _ = run(s)
    assert finding.severity.name == "WARNING" and needle in finding.message
    (fix,) = finding.fixes
    assert not fix.replacement
    compile(fix.snippet, "<mc107>", "exec")


@pytest.mark.parametrize(
    "inputs",
    [
        {},  # Manual (the default): nothing upgrades by itself
        {"upgradePolicy": {"mode": "Manual"}},
        {"upgradePolicy": {"mode": "Rolling"},
         "virtualMachineProfile": {"extensionProfile": {"extensions": [HEALTH]}}},
        # a Uniform set may use a load balancer probe instead
        {"upgradePolicy": {"mode": "Rolling"},
         "virtualMachineProfile": {"networkProfile": {"healthProbe": {"id": "/x/probes/p"}}}},
    ],
)
def test_near_misses(inputs: dict[str, Any]) -> None:
    s = StackBuilder()
    scale_set(s, **inputs)
    assert run(s) == ([], [])


def test_health_extension_as_its_own_resource_counts() -> None:
    s = StackBuilder()
    vmss = scale_set(s, upgradePolicy={"mode": "Rolling"})
    settings = {k: v for k, v in HEALTH.items() if k != "name"}
    s.add(VMSS_EXT, "health", {"vmScaleSetName": "web-vmss", **settings}, deps={"vmScaleSetName": [vmss]})
    assert run(s) == ([], [])


@pytest.mark.parametrize(
    "inputs",
    [
        {"upgradePolicy": {"mode": UNKNOWN_SENTINEL}},
        {"upgradePolicy": {"mode": "Rolling"},
         "virtualMachineProfile": {"extensionProfile": UNKNOWN_SENTINEL}},
    ],
)
def test_unknown_is_skipped_not_guessed(inputs: dict[str, Any]) -> None:
    s = StackBuilder()
    scale_set(s, **inputs)
    findings, skipped = run(s)
    assert findings == [] and [k.rule_id for k in skipped] == ["MC107"]


def test_fix_patches_make_the_finding_go_away() -> None:
    s = StackBuilder()
    scale_set(s, "a-vmss", upgradePolicy={"mode": "Automatic"})
    scale_set(s, "b-vmss", upgradePolicy={"mode": "Rolling"},
              virtualMachineProfile={"osProfile": {"windowsConfiguration": {}}})
    scale_set(s, "c-vmss", virtualMachineProfile={"extensionProfile": {"extensions": []}},
              upgradePolicy={"automaticOSUpgradePolicy": {"enableAutomaticOSUpgrade": True}})
    exercised = assert_fixes_sound(s, rules=["MC107"])
    assert len(exercised) == 3
    (finding,) = [f for f in run(s)[0] if f.resource.name == "b-vmss"]
    assert "ApplicationHealthWindows" in finding.fixes[0].snippet


@pytest.mark.parametrize(
    ("profile", "extension"),
    [
        ({"storageProfile": {"osDisk": {"osType": "Windows"}}}, "ApplicationHealthWindows"),
        ({"osProfile": {"linuxConfiguration": {}}}, "ApplicationHealthLinux"),
    ],
)
def test_the_health_extension_matches_the_os_however_the_scale_set_states_it(
    profile: dict[str, Any], extension: str
) -> None:
    """A scale set that states Windows only by its OS disk's osType gets the Windows extension
    (it got the Linux one while MC107 looked at windowsConfiguration alone)."""
    s = StackBuilder()
    scale_set(s, upgradePolicy={"mode": "Rolling"}, virtualMachineProfile=profile)
    (finding,), _ = run(s)
    assert extension in finding.fixes[0].snippet
    (added,) = [op for op in finding.fixes[0].patch if op.path.endswith("/extensionProfile")]
    assert added.value["extensions"][0]["type"] == extension
