"""The classic azure provider (pulumi-azure) judged by every rule (checker/azure/classic.py),
and the warning that names resources no rule judges."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from checker.azure import classic
from checker.azure import types as t
from checker.cli import cli
from checker.inventory import Document, Inventory, RawResource

FIX = Path(__file__).parent / "fixtures"
YAML_APP = FIX / "programs" / "yaml_classic"
EXPORT = FIX / "documents" / "export-classic-azure.json"


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def report(runner: CliRunner, path: Path) -> dict[str, Any]:
    result = runner.invoke(cli, ["scan", str(path), "--format", "json", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def found(data: dict[str, Any]) -> set[tuple[str, str, int]]:
    return {(f["rule"], f["resource"]["name"], f["location"]["line"]) for f in data["findings"]}


def test_classic_yaml_program_is_judged_by_every_rule(runner: CliRunner) -> None:
    data = report(runner, YAML_APP)
    program = YAML_APP / "Pulumi.yaml"

    def at(name: str) -> int:
        return line_of(program, f"  {name}:")

    assert {
        ("MC101", "lonely", at("lonely")),  # WindowsVirtualMachine in no set
        ("MC211", "lonely", at("lonely")),  # osDisk.diffDiskSettings.option Local
        ("MC212", "web-0", at("web-0")),  # customData writes to /mnt on a D2ds_v5
        ("MC102", "web-as", at("web-as")),
        ("MC105", "web-as", at("web-as")),  # managed: false is a Classic set
        ("MC201", "web-nic-0", at("web-nic-0")),  # privateIpAddressAllocation Dynamic
        ("MC202", "web-pip", at("web-pip")),  # allocationMethod Dynamic, sku Basic
        ("MC106", "web-vmss", at("web-vmss")),  # instances: 1
    } <= found(data)
    # lonely-nic is Static: no MC201 for it.
    assert not [f for f in data["findings"] if f["resource"]["name"] == "lonely-nic"]
    [warning] = [w for w in data["warnings"] if "does not model" in w]
    assert "aws:s3:BucketV2 (1)" in warning and "azure:storage:Account (1)" in warning
    assert "2 resources" in warning and "not an all-clear" in warning
    assert "not-a-real-password" not in json.dumps(data)


def test_classic_stack_export(runner: CliRunner) -> None:
    data = report(runner, EXPORT)
    assert found(data) >= {
        ("MC401", "db-1", 20),  # isolated size, no Host-scope configuration assigned
        ("MC105", "legacy-as", 14),  # the legacy VirtualMachine's managed disks in a Classic set
        ("MC106", "web-flex", 60),  # an orchestrated scale set with 1 instance
    }
    rules_on = {(f["rule"], f["resource"]["name"]) for f in data["findings"]}
    assert ("MC401", "db-0") not in rules_on  # assignmentVirtualMachine gives it one
    assert ("MC105", "db-as") not in rules_on  # managed defaults to true: Aligned
    assert not any(f["rule"] in ("MC103", "MC104") for f in data["findings"])  # defaults 5 / 3
    [warning] = [w for w in data["warnings"] if "does not model" in w]
    assert warning.startswith("1 resource of types maintcheck does not model was not judged")
    assert "gcp:compute/instance:Instance (1)" in warning
    assert "v1:abc" not in json.dumps(data)


def raw(type_token: str, inputs: dict[str, Any], **deps: list[str]) -> RawResource:
    return RawResource(
        urn=f"urn:pulumi:dev::p::{type_token}::{inputs.get('name', 'x')}",
        type=type_token,
        inputs=inputs,
        property_dependencies={k: tuple(v) for k, v in deps.items()},
    )


def test_classic_inputs_become_azure_native_shapes() -> None:
    aset = raw("azure:compute/availabilitySet:AvailabilitySet", {"name": "as", "location": "eastus"})
    vm = raw(
        "azure:compute/linuxVirtualMachine:LinuxVirtualMachine",
        {"name": "vm", "size": "Standard_D2s_v5", "availabilitySetId": "as-id", "zone": "2",
         "networkInterfaceIds": ["nic-a", "nic-b"],
         "osDisk": {"storageAccountType": "Premium_LRS", "diffDiskSettings": {"option": "Local"}}},
        availabilitySetId=[aset.urn],
    )
    pip = raw("azure:network/publicIp:PublicIp", {"name": "pip", "allocationMethod": "Static"})
    inv = Inventory.build([Document("x", "export", "p", "dev", (aset, vm, pip))])
    [group] = inv.of_kind(t.AVAILABILITY_SET)
    [machine] = inv.of_kind(t.VM)
    [address] = inv.of_kind(t.PUBLIC_IP)
    assert machine.type == "azure:compute/linuxVirtualMachine:LinuxVirtualMachine"
    assert machine.get("hardwareProfile.vmSize") == "Standard_D2s_v5"
    assert machine.get("zones") == ["2"]
    assert machine.get("networkProfile.networkInterfaces") == [
        {"id": "nic-a", "primary": True}, {"id": "nic-b", "primary": False}
    ]
    assert machine.get("storageProfile.osDisk") == {
        "managedDisk": {"storageAccountType": "Premium_LRS"},
        "diffDiskSettings": {"option": "Local"},
        "osType": "Linux",
    }
    assert machine.property_dependencies == {"availabilitySet": (group.urn,)}
    assert inv.members(group) == (machine,)  # resolved by the renamed property dependency
    assert machine.get("vmName") == "vm" and machine.get("osProfile.linuxConfiguration") == {}
    # Provider defaults are what Azure gets, but not what the program wrote (fixes patch that).
    assert group.get("sku.name") == "Aligned" and group.get("platformUpdateDomainCount") == 5
    assert "sku" not in group.inputs and "platformUpdateDomainCount" not in group.inputs
    assert address.get("publicIPAllocationMethod") == "Static" and address.get("sku.name") == "Standard"


def test_short_tokens_and_unmodelled_types() -> None:
    assert classic.kind_of("azure:compute:AvailabilitySet") == t.AVAILABILITY_SET
    assert classic.kind_of("azure:lb/loadBalancer:LoadBalancer") == t.LOAD_BALANCER
    assert classic.kind_of("azure-native:compute/v20240701:VirtualMachine") == t.VM
    assert classic.unmodelled("aws:ec2/instance:Instance")
    assert classic.unmodelled("kubernetes:apps/v1:Deployment")
    assert classic.unmodelled("azure:storage/account:Account")
    assert not classic.unmodelled("azure:compute/windowsVirtualMachine:WindowsVirtualMachine")
    assert not classic.unmodelled("azure-native:storage:StorageAccount")  # the modelled provider
    assert not classic.unmodelled("random:index/randomPassword:RandomPassword")
    assert not classic.unmodelled("pulumi:providers:aws")  # providers hold no infrastructure
    component = RawResource(urn="urn:pulumi:dev::p::my:app:Web::web", type="my:app:Web", inputs={},
                            custom=False)
    ec2 = raw("aws:ec2/instance:Instance", {"name": "i"})
    inv = Inventory.build([Document("x", "export", "p", "dev", (component, ec2))])
    assert inv.warnings == (
        "1 resource of types maintcheck does not model was not judged: "
        "aws:ec2/instance:Instance (1). maintcheck judges Azure VMs, scale sets and what they "
        "use, declared with azure-native or the classic azure provider; no finding for these "
        "is not an all-clear.",
    )
    assert Inventory.build([Document("x", "export", "p", "dev", (component,))]).warnings == ()


def _classic_stack(config: dict[str, Any], *raws: RawResource) -> Inventory:
    return Inventory.build(
        [Document("test", "stack export", "app", "dev", tuple(raws), config=config)]
    )


def test_a_classic_scale_set_without_instances_runs_none() -> None:
    """`instances` defaults to 0 in the classic provider (pulumi-azure / azurerm): a set that
    leaves it out runs no VM, and MC106 says so (found on pulumi/examples
    classic-azure-py-vm-scaleset, which reported 0 findings)."""
    from checker.config import Settings
    from checker.engine import run_rules
    from checker.rules import RULES_BY_ID

    urn = "urn:pulumi:dev::app::azure:compute/linuxVirtualMachineScaleSet:LinuxVirtualMachineScaleSet::vmss"
    vmss = RawResource(
        urn, "azure:compute/linuxVirtualMachineScaleSet:LinuxVirtualMachineScaleSet",
        {"resourceGroupName": "rg", "location": "westus", "sku": "Standard_DS1_v2"},
        outputs={"resourceGroupName": "rg", "location": "westus", "sku": "Standard_DS1_v2"},
    )
    inv = _classic_stack({}, vmss)
    (res,) = inv.of_kind(t.SCALE_SET)
    assert res.get("sku.name") == "Standard_DS1_v2" and res.get("sku.capacity") == 0
    assert "capacity" not in (res.inputs.get("sku") or {})  # fixes see what the program wrote
    findings, _ = run_rules(inv, Settings(), [RULES_BY_ID["MC106"]])
    assert [f.resource.name for f in findings] == ["vmss"]


def test_classic_resources_take_the_classic_providers_location() -> None:
    """The classic provider's default location is stack config `azure:location`; the
    azure-native provider's key does not place a classic resource."""
    from checker.values import UNKNOWN

    urn = "urn:pulumi:dev::app::azure:compute/linuxVirtualMachine:LinuxVirtualMachine::vm"
    vm_type = "azure:compute/linuxVirtualMachine:LinuxVirtualMachine"
    vm = RawResource(urn, vm_type, {"resourceGroupName": "rg"})
    classic_config = _classic_stack({"azure:location": "WestUS"}, vm)
    assert classic_config.location(classic_config.of_kind(t.VM)[0]) == "westus"
    native_config = _classic_stack({"azure-native:location": "eastus"}, vm)
    assert native_config.location(native_config.of_kind(t.VM)[0]) is UNKNOWN
