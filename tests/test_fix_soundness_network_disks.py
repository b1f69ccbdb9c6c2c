"""Fix soundness for MC201, MC202, MC211 and MC212: apply each fix's patch, rescan, the finding
is gone. Fixes that need new resources are checked to apply cleanly and, where the rest of the
fix is a documented change (MC212's script path), that doing it makes the finding go away."""

from __future__ import annotations

import base64
from typing import Any

from checker.config import Settings
from checker.engine import run_rules
from checker.rules import RULES_BY_ID
from tests.builders import StackBuilder, inventory
from tests.patching import apply_patch, assert_fixes_sound

VM = "azure-native:compute:VirtualMachine"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
NIC = "azure-native:network:NetworkInterface"
PIP = "azure-native:network:PublicIPAddress"
VNET = "azure-native:network:VirtualNetwork"
RULE_IDS = ["MC201", "MC202", "MC211", "MC212"]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _stack() -> StackBuilder:
    s = StackBuilder("prod", config={"azure-native:location": "westeurope"})
    vnet = s.add(
        VNET,
        "vnet",
        {"resourceGroupName": "rg", "subnets": [{"name": "app", "addressPrefixes": ["10.4.0.0/28"]}]},
    )
    subnet = {"id": vnet.id + "/subnets/app"}
    basic = s.add(PIP, "basic-pip", {"resourceGroupName": "rg", "sku": {"name": "Basic", "tier": "Regional"}})
    bare = s.add(PIP, "bare-pip", {"resourceGroupName": "rg"})
    dynamic = s.add(PIP, "dyn-pip", {"resourceGroupName": "rg", "publicIPAllocationMethod": "Dynamic"})
    two_configs = s.add(
        NIC,
        "web-nic",
        {
            "resourceGroupName": "rg",
            "ipConfigurations": [
                {"name": "primary", "subnet": subnet, "publicIPAddress": {"id": basic.id}},
                {
                    "name": "secondary",
                    "subnet": subnet,
                    "privateIPAllocationMethod": "Dynamic",
                    "publicIPAddress": {"id": bare.id},
                },
            ],
        },
        deps={"ipConfigurations": [vnet, basic, bare]},
    )
    config = {"name": "ipconfig1", "subnet": subnet, "publicIPAddress": {"id": dynamic.id}}
    exported = s.add(
        NIC,
        "api-nic",
        {"resourceGroupName": "rg", "ipConfigurations": [config]},
        outputs={
            "ipConfigurations": [
                {**config, "privateIPAllocationMethod": "Dynamic", "privateIPAddress": "10.4.0.9"}
            ]
        },
        deps={"ipConfigurations": [vnet, dynamic]},
    )
    ephemeral = {"createOption": "FromImage", "diffDiskSettings": {"option": "Local"}}
    s.add(
        VM,
        "web-vm",
        {
            "resourceGroupName": "rg",
            "hardwareProfile": {"vmSize": "Standard_D2ds_v5"},
            "networkProfile": {"networkInterfaces": [{"id": two_configs.id}]},
            "storageProfile": {"osDisk": ephemeral},
            "osProfile": {"customData": _b64("#!/bin/bash\nmkdir -p /mnt/resource/cache\n")},
        },
        deps={"networkProfile": [two_configs]},
    )
    s.add(
        VM,
        "api-vm",
        {
            "resourceGroupName": "rg",
            "hardwareProfile": {"vmSize": "Standard_D2s_v3"},
            "networkProfile": {
                "networkInterfaces": [{"id": exported.id}],
                "networkInterfaceConfigurations": [
                    {
                        "name": "extra",
                        "ipConfigurations": [
                            {"name": "c", "subnet": subnet, "publicIPAddressConfiguration": {"name": "p"}}
                        ],
                    }
                ],
            },
            "storageProfile": {
                "osDisk": {"createOption": "FromImage"},
                "dataDisks": [{"lun": 0, "createOption": "Empty"}],
            },
            "userData": _b64("#cloud-config\nmounts:\n  - [ephemeral0, /srv/spool]\n"),
        },
        deps={"networkProfile": [exported]},
    )
    s.add(
        VMSS,
        "batch-vmss",
        {
            "sku": {"name": "Standard_F4s_v2", "capacity": 3},
            "virtualMachineProfile": {"storageProfile": {"osDisk": ephemeral}},
        },
    )
    return s


def _findings(s: StackBuilder) -> list[Any]:
    rules = [RULES_BY_ID[r] for r in RULE_IDS]
    return run_rules(inventory(s), Settings(), rules)[0]


def test_patch_only_fixes_make_their_findings_go_away() -> None:
    exercised = assert_fixes_sound(_stack(), rules=RULE_IDS)
    by_rule: dict[str, int] = {}
    for rule, _urn, _title in exercised:
        by_rule[rule] = by_rule.get(rule, 0) + 1
    # MC201: web-nic primary + secondary, api-nic; MC202: basic-pip, bare-pip, dyn-pip and the
    # inline public IP of api-vm; MC211: web-vm and batch-vmss.
    assert by_rule == {"MC201": 3, "MC202": 4, "MC211": 2}


def test_mc201_proposals_in_one_subnet_are_distinct_and_usable() -> None:
    proposals = [
        op.value
        for f in _findings(_stack())
        if f.rule_id == "MC201" and not f.fixes[0].new_resources
        for op in f.fixes[0].patch
        if op.path.endswith("/privateIPAddress")
    ]
    # 10.4.0.0/28: .0-.3 and .15 reserved; api-nic keeps its current .9; the NIC that replaces
    # api-vm's inline configuration (a fix with new resources) was proposed .4 before web-vm's.
    assert sorted(proposals) == ["10.4.0.5", "10.4.0.6", "10.4.0.9"]


def test_fixes_with_new_resources_still_apply_to_the_inputs() -> None:
    s = _stack()
    records = {r["urn"]: r for r in s.records}
    checked = 0
    for finding in _findings(s):
        for fix in finding.fixes:
            if fix.new_resources:
                apply_patch(records[finding.resource.urn]["inputs"], fix.patch)
                checked += 1
    assert checked == 3  # MC201 inline NIC of api-vm; MC212 on web-vm and api-vm


def test_mc212_patch_plus_the_documented_path_change_clears_the_finding() -> None:
    s = _stack()
    (finding,) = [f for f in _findings(s) if f.rule_id == "MC212" and f.resource.name == "web-vm"]
    (fix,) = finding.fixes
    assert "/mnt/resource/cache -> /data" in fix.title
    record = next(r for r in s.records if r["urn"] == finding.resource.urn)
    record["inputs"] = apply_patch(record["inputs"], fix.patch)
    script = base64.b64decode(record["inputs"]["osProfile"]["customData"]).decode()
    record["inputs"]["osProfile"]["customData"] = _b64(script.replace("/mnt/resource/cache", "/data"))
    assert not [f for f in _findings(s) if f.rule_id == "MC212" and f.resource.name == "web-vm"]
    assert record["inputs"]["storageProfile"]["dataDisks"][0]["lun"] == 0
