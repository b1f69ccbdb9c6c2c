from __future__ import annotations

from checker.config import Settings
from checker.engine import run_rules
from tests.builders import StackBuilder, inventory

VM = "azure-native:compute:VirtualMachine"
AS = "azure-native:compute:AvailabilitySet"


def test_mc101_single_vm_fires_and_set_member_does_not() -> None:
    s = StackBuilder("dev", config={"azure-native:location": "eastus"})
    aset = s.add(AS, "web-as", {"resourceGroupName": "rg"})
    s.add(VM, "lonely", {"resourceGroupName": "rg"})
    s.add(VM, "in-set", {"availabilitySet": aset.sub()}, deps={"availabilitySet": [aset]})
    findings, _ = run_rules(inventory(s), Settings(select=("MC101",)))
    assert [(f.rule_id, f.resource.name) for f in findings] == [("MC101", "lonely")]
