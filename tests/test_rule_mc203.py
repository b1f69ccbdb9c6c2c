"""MC203 basic-load-balancer: a Basic (or SKU-less) load balancer with VMs behind it."""

from __future__ import annotations

from typing import Any

import pytest

from checker.config import Settings
from checker.engine import run_rules
from checker.model import Finding, Skipped
from checker.values import UNKNOWN_SENTINEL
from tests.builders import StackBuilder, arm_id, inventory
from tests.patching import assert_fixes_sound

VM = "azure-native:compute:VirtualMachine"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
NIC = "azure-native:network:NetworkInterface"
LB = "azure-native:network:LoadBalancer"
ONLY = Settings(select=("MC203",))
SUBNET = arm_id("azure-native:network:Subnet", "default")


def run(s: StackBuilder) -> tuple[list[Finding], list[Skipped]]:
    return run_rules(inventory(s), ONLY)


def _lb(s: StackBuilder, **inputs: Any) -> Any:
    return s.add(LB, "web-lb", {"resourceGroupName": "rg", "location": "eastus",
                                "backendAddressPools": [{"name": "be"}], **inputs})


def _vm_behind(s: StackBuilder, lb: Any, name: str = "web-vm", pool_id: Any = None) -> Any:
    pool = pool_id if pool_id is not None else f"{lb.id}/backendAddressPools/be"
    nic = s.add(NIC, f"{name}-nic", {"resourceGroupName": "rg", "ipConfigurations": [
        {"name": "ipconfig1", "subnet": {"id": SUBNET}, "privateIPAllocationMethod": "Static",
         "privateIPAddress": "10.0.0.5", "loadBalancerBackendAddressPools": [{"id": pool}]}]},
        deps={"ipConfigurations": [lb]})
    return s.add(VM, name, {"resourceGroupName": "rg",
                            "networkProfile": {"networkInterfaces": [nic.sub()]}},
                 deps={"networkProfile": [nic]})


@pytest.mark.parametrize(("sku", "shown"), [({"name": "Basic"}, "has Basic"), (None, "no SKU")])
def test_fires_on_basic_or_no_sku_with_a_vm_behind(sku: Any, shown: str) -> None:
    s = StackBuilder()
    lb = _lb(s, **({"sku": sku} if sku else {}))
    _vm_behind(s, lb)
    (finding,), _ = run(s)
    assert finding.resource.name == "web-lb" and finding.severity.name == "ERROR"
    assert shown in finding.message and "'web-vm'" in finding.message
    assert "retired on 2025-09-30" in finding.message
    (fix,) = finding.fixes
    assert fix.replacement
    # azure-native does not replace a load balancer on sku: the snippet asks Pulumi to.
    assert "replace_on_changes=['sku'], delete_before_replace=True" in fix.snippet
    assert "outbound" in fix.snippet and "AzureBasicLoadBalancerUpgrade" in fix.snippet
    compile(fix.snippet, "<mc203>", "exec")


def test_pool_id_unknown_resolves_through_the_property_dependency() -> None:
    s = StackBuilder()
    lb = _lb(s, sku={"name": "Basic"})
    _vm_behind(s, lb, pool_id=UNKNOWN_SENTINEL)
    (finding,), _ = run(s)
    assert finding.resource.name == "web-lb"


def test_scale_set_behind_a_basic_load_balancer_fires() -> None:
    s = StackBuilder()
    lb = _lb(s, sku={"name": "Basic"})
    pools = [{"id": f"{lb.id}/backendAddressPools/be"}]
    s.add(VMSS, "api-vmss", {"resourceGroupName": "rg", "virtualMachineProfile": {"networkProfile": {
        "networkInterfaceConfigurations": [{"name": "nic", "ipConfigurations": [
            {"name": "ip", "loadBalancerBackendAddressPools": pools}]}]}}})
    (finding,), _ = run(s)
    assert "'api-vmss'" in finding.message


def test_near_misses_standard_sku_and_no_vm_behind() -> None:
    s = StackBuilder()
    lb = _lb(s, sku={"name": "Standard"})
    _vm_behind(s, lb)
    assert run(s) == ([], [])
    lonely = StackBuilder()
    _lb(lonely, sku={"name": "Basic"})  # nothing behind it: not about VMs
    assert run(lonely) == ([], [])


def test_unknown_sku_is_skipped() -> None:
    s = StackBuilder()
    lb = _lb(s, sku={"name": UNKNOWN_SENTINEL})
    _vm_behind(s, lb)
    findings, skipped = run(s)
    assert findings == [] and [k.rule_id for k in skipped] == ["MC203"]


def test_fix_patch_makes_the_finding_go_away() -> None:
    s = StackBuilder()
    _vm_behind(s, _lb(s))
    other = StackBuilder("prod")
    _vm_behind(other, _lb(other, sku={"name": "Basic"}))
    assert len(assert_fixes_sound(s, rules=["MC203"])) == 1
    assert len(assert_fixes_sound(other, rules=["MC203"])) == 1
