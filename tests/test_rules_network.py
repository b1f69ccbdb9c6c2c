"""MC201 dynamic-private-ip and MC202 dynamic-public-ip: VM -> NIC -> ip configuration -> IP."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from checker.cli import cli
from checker.config import Settings
from checker.engine import run_rules
from checker.model import Finding, Skipped
from checker.rules import RULES_BY_ID
from checker.rules.support.network import Subnet, free_address
from checker.values import UNKNOWN_SENTINEL
from tests.builders import Ref, StackBuilder, inventory

VM = "azure-native:compute:VirtualMachine"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
NIC = "azure-native:network:NetworkInterface"
PIP = "azure-native:network:PublicIPAddress"
VNET = "azure-native:network:VirtualNetwork"
SUBNET = "azure-native:network:Subnet"
RULES = [RULES_BY_ID["MC201"], RULES_BY_ID["MC202"]]
OUTSIDE_NIC = "/subscriptions/x/resourceGroups/r/providers/Microsoft.Network/networkInterfaces/elsewhere"


def scan(*stacks: StackBuilder) -> tuple[list[Finding], list[Skipped]]:
    return run_rules(inventory(*stacks), Settings(), RULES)


def only(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule]


def network(s: StackBuilder, prefix: str = "10.0.1.0/24") -> tuple[Ref, str]:
    vnet = s.add(
        VNET,
        "vnet",
        {
            "resourceGroupName": "rg",
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [
                {"name": "app", "addressPrefix": prefix},
                {"name": "db", "addressPrefix": "10.0.2.0/24"},
            ],
        },
    )
    return vnet, vnet.id + "/subnets/app"


def nic(s: StackBuilder, name: str, subnet_id: str, deps: list[Ref] | None = None, **config: Any) -> Ref:
    ip_config = {"name": "ipconfig1", "subnet": {"id": subnet_id}, **config}
    return s.add(
        NIC,
        name,
        {"resourceGroupName": "rg", "ipConfigurations": [ip_config]},
        deps={"ipConfigurations": deps} if deps else None,
    )


def vm(s: StackBuilder, name: str, *nics: Ref, **extra: Any) -> Ref:
    inputs = {
        "resourceGroupName": "rg",
        "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
        "networkProfile": {"networkInterfaces": [{"id": n.id} for n in nics]},
        **extra,
    }
    return s.add(VM, name, inputs, deps={"networkProfile": list(nics)})


# -- MC201 -----------------------------------------------------------------------------------


def test_mc201_unset_allocation_fires_on_the_nic_and_names_the_vm() -> None:
    s = StackBuilder()
    _vnet, subnet = network(s)
    web_nic = nic(s, "web-nic", subnet)
    vm(s, "web-vm", web_nic)
    findings, _ = scan(s)
    (finding,) = only(findings, "MC201")
    assert finding.resource.name == "web-nic"
    assert "VM 'web-vm'" in finding.message
    assert "'ipconfig1'" in finding.message
    assert "not set, so Azure allocates it Dynamic" in finding.message
    (fix,) = finding.fixes
    assert fix.replacement is False and fix.new_resources is False
    assert [op.to_json() for op in fix.patch] == [
        {"op": "add", "path": "/ipConfigurations/0/privateIPAllocationMethod", "value": "Static"},
        {"op": "add", "path": "/ipConfigurations/0/privateIPAddress", "value": "10.0.1.4"},
    ]
    assert "verify it is unused" in fix.title
    assert "10.0.1.0/24" in fix.title


def test_mc201_explicit_dynamic_fires_and_static_is_a_near_miss() -> None:
    s = StackBuilder()
    _vnet, subnet = network(s)
    dyn = nic(s, "dyn-nic", subnet, privateIPAllocationMethod="Dynamic")
    static = nic(s, "static-nic", subnet, privateIPAllocationMethod="Static", privateIPAddress="10.0.1.10")
    vm(s, "a", dyn)
    vm(s, "b", static)
    findings, skipped = scan(s)
    assert [(f.resource.name, "'Dynamic'" in f.message) for f in only(findings, "MC201")] == [
        ("dyn-nic", True)
    ]
    assert not skipped


def test_mc201_unknown_allocation_is_skipped_not_reported() -> None:
    s = StackBuilder()
    _vnet, subnet = network(s)
    vm(s, "vm", nic(s, "nic", subnet, privateIPAllocationMethod=UNKNOWN_SENTINEL))
    findings, skipped = scan(s)
    assert only(findings, "MC201") == []
    assert [(k.rule_id, k.resource.name) for k in skipped] == [("MC201", "nic")]


def test_mc201_proposed_addresses_avoid_reserved_taken_and_each_other() -> None:
    s = StackBuilder()
    _vnet, subnet = network(s, prefix="10.0.1.0/29")  # usable: .4 .5 .6 (.7 is reserved)
    taken = nic(s, "taken", subnet, privateIPAllocationMethod="Static", privateIPAddress="10.0.1.4")
    first = nic(s, "first", subnet)
    second = nic(s, "second", subnet)
    third = nic(s, "third", subnet)
    vm(s, "vm1", taken)
    vm(s, "vm2", first)
    vm(s, "vm3", second)
    vm(s, "vm4", third)
    findings, _ = scan(s)
    proposals = {
        f.resource.name: next(op.value for op in f.fixes[0].patch if op.path.endswith("privateIPAddress"))
        for f in only(findings, "MC201")
    }
    assert proposals == {"first": "10.0.1.5", "second": "10.0.1.6", "third": "<free address in the subnet>"}


def test_mc201_current_address_from_outputs_is_pinned() -> None:
    s = StackBuilder()
    _vnet, subnet = network(s)
    config = {"name": "ipconfig1", "subnet": {"id": subnet}, "privateIPAllocationMethod": "Dynamic"}
    current = s.add(
        NIC,
        "nic",
        {"resourceGroupName": "rg", "ipConfigurations": [config]},
        outputs={"ipConfigurations": [{**config, "privateIPAddress": "10.0.1.37"}]},
    )
    vm(s, "vm", current)
    (finding,) = only(scan(s)[0], "MC201")
    fix = finding.fixes[0]
    assert fix.patch[1].value == "10.0.1.37"
    assert "current address 10.0.1.37" in fix.title


def test_mc201_standalone_subnet_with_address_prefixes() -> None:
    s = StackBuilder()
    sub = s.add(SUBNET, "app-subnet", {"resourceGroupName": "rg", "addressPrefixes": ["172.16.8.0/22"]})
    vm(s, "vm", nic(s, "nic", sub.id, deps=[sub]))
    (finding,) = only(scan(s)[0], "MC201")
    assert finding.fixes[0].patch[1].value == "172.16.8.4"


def test_mc201_a_subnet_shared_by_many_nics_is_read_once_and_hands_out_distinct_addresses() -> None:
    from checker.rules.support import network as net

    s = StackBuilder()
    sub = s.add(SUBNET, "app-subnet", {"resourceGroupName": "rg", "addressPrefix": "10.9.0.0/24"})
    vnet, _app = network(s)
    nics = [nic(s, f"nic-{i}", sub.id, deps=[sub]) for i in range(3)]
    nics += [nic(s, f"vnic-{i}", vnet.id + ("/subnets/APP" if i else "/subnets/app")) for i in range(2)]
    for i, n in enumerate(nics):
        vm(s, f"vm-{i}", n)
    inv = inventory(s)
    configs = [c for c in net.vm_ip_configs(inv) if isinstance(c, net.IpConfig)]
    by_nic = {c.owner.name: c.subnet for c in configs}
    assert by_nic["nic-0"] is by_nic["nic-1"] is by_nic["nic-2"]  # one Subnet per subnet
    assert by_nic["vnic-0"] is by_nic["vnic-1"]  # the id's case does not matter
    assert by_nic["vnic-0"].name == "app" and by_nic["nic-0"].prefixes == ("10.9.0.0/24",)
    findings, _ = run_rules(inv, Settings(), RULES)
    proposals = {
        f.resource.name: next(op.value for op in f.fixes[0].patch if op.path.endswith("privateIPAddress"))
        for f in only(findings, "MC201")
    }
    assert proposals == {"nic-0": "10.9.0.4", "nic-1": "10.9.0.5", "nic-2": "10.9.0.6",
                         "vnic-0": "10.0.1.4", "vnic-1": "10.0.1.5"}


def test_mc201_unknown_subnet_still_fires_with_a_placeholder_address() -> None:
    s = StackBuilder()
    vm(
        s,
        "vm",
        nic(
            s,
            "nic",
            "/subscriptions/x/resourceGroups/other/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
        ),
    )
    (finding,) = only(scan(s)[0], "MC201")
    assert "prefix is not known" in finding.fixes[0].title
    assert finding.fixes[0].patch[1].value == "<free address in the subnet>"


def test_mc201_nic_not_used_by_a_vm_and_scale_sets_are_not_judged() -> None:
    s = StackBuilder()
    _vnet, subnet = network(s)
    nic(s, "orphan-nic", subnet)
    s.add(
        VMSS,
        "web-vmss",
        {
            "sku": {"name": "Standard_D2s_v5", "capacity": 2},
            "virtualMachineProfile": {
                "networkProfile": {
                    "networkInterfaceConfigurations": [
                        {"name": "nic", "ipConfigurations": [{"name": "ip", "subnet": {"id": subnet}}]}
                    ]
                }
            },
        },
    )
    assert scan(s) == ([], [])


def test_mc201_nic_outside_the_scan_is_skipped() -> None:
    s = StackBuilder()
    s.add(
        VM,
        "vm",
        {"networkProfile": {"networkInterfaces": [{"id": OUTSIDE_NIC}]}},
    )
    findings, skipped = scan(s)
    assert findings == []
    assert {k.rule_id for k in skipped} == {"MC201", "MC202"}
    assert all("outside the scan" in k.reason for k in skipped)


def test_mc201_and_mc202_inline_nic_configurations_of_a_vm() -> None:
    s = StackBuilder()
    _vnet, subnet = network(s)
    s.add(
        VM,
        "inline-vm",
        {
            "resourceGroupName": "rg",
            "networkProfile": {
                "networkApiVersion": "2020-11-01",
                "networkInterfaceConfigurations": [
                    {
                        "name": "inline-nic",
                        "ipConfigurations": [
                            {
                                "name": "ipconfig1",
                                "subnet": {"id": subnet},
                                "publicIPAddressConfiguration": {
                                    "name": "inline-pip",
                                    "publicIPAllocationMethod": "Dynamic",
                                    "sku": {"name": "Basic"},
                                },
                            }
                        ],
                    }
                ],
            },
        },
    )
    findings, _ = scan(s)
    private, public = only(findings, "MC201"), only(findings, "MC202")
    assert [f.resource.name for f in private + public] == ["inline-vm", "inline-vm"]
    assert "cannot be static" in private[0].message
    assert private[0].fixes[0].new_resources is True
    fix = public[0].fixes[0]
    pointer = (
        "/networkProfile/networkInterfaceConfigurations/0/ipConfigurations/0/publicIPAddressConfiguration"
    )
    assert [op.to_json() for op in fix.patch] == [
        {"op": "add", "path": f"{pointer}/sku/name", "value": "Standard"},
        {"op": "add", "path": f"{pointer}/publicIPAllocationMethod", "value": "Static"},
    ]
    assert fix.replacement is False  # the VM stays; Azure recreates only its public IP


# -- MC202 -----------------------------------------------------------------------------------


def _with_public_ip(s: StackBuilder, name: str, pip_inputs: dict[str, Any], subnet: str = "") -> Ref:
    subnet = subnet or network(s)[1]
    pip = s.add(PIP, f"{name}-pip", {"resourceGroupName": "rg", **pip_inputs})
    vm(
        s,
        f"{name}-vm",
        nic(
            s,
            f"{name}-nic",
            subnet,
            deps=[pip],
            privateIPAllocationMethod="Static",
            privateIPAddress="10.0.1.9",
            publicIPAddress={"id": pip.id},
        ),
    )
    return pip


@pytest.mark.parametrize(
    ("pip_inputs", "severity", "why"),
    [
        ({"publicIPAllocationMethod": "Dynamic", "sku": {"name": "Basic"}}, "error", "Basic SKU"),
        ({"sku": {"name": "Basic"}}, "error", "retired on 2025-09-30"),
        # Basic was retired whatever the allocation: Static does not make it pass any more.
        ({"publicIPAllocationMethod": "Static", "sku": {"name": "Basic"}}, "error", "Basic SKU"),
        ({}, "error", "can only be a Basic, dynamic IP"),
        ({"publicIPAllocationMethod": "Dynamic"}, "error", "can only be a Basic, dynamic IP"),
        ({"publicIPAllocationMethod": "Static"}, "warning", "say Standard explicitly"),
        ({"sku": {"name": "Standard"}}, None, ""),
        ({"publicIPAllocationMethod": "Static", "sku": {"name": "Standard", "tier": "Regional"}}, None, ""),
    ],
)
def test_mc202_sku_and_allocation(pip_inputs: dict[str, Any], severity: str | None, why: str) -> None:
    s = StackBuilder()
    _with_public_ip(s, "web", pip_inputs)
    findings = only(scan(s)[0], "MC202")
    assert bool(findings) is (severity is not None)
    if severity is not None:
        (finding,) = findings
        assert str(finding.severity) == severity
        assert finding.resource.name == "web-pip"
        assert "VM 'web-vm'" in finding.message and "NIC 'web-nic'" in finding.message
        assert why in finding.message
        in_code = finding.fixes[0]
        assert in_code.replacement is True and "new address" in in_code.title
        # The second fix keeps the address: Microsoft's out-of-band upgrade, no code patch.
        keep = finding.fixes[1]
        assert keep.replacement is False and keep.patch == ()
        assert "az network public-ip update -g rg -n web-pip --sku Standard" in keep.snippet
        assert "public_ip_allocation_method='Static'" in keep.snippet
        assert "pulumi refresh" in keep.snippet


def test_mc202_unknown_sku_or_method_is_skipped() -> None:
    s = StackBuilder()
    subnet = network(s)[1]
    _with_public_ip(s, "a", {"sku": {"name": UNKNOWN_SENTINEL}}, subnet)
    _with_public_ip(s, "b", {"publicIPAllocationMethod": UNKNOWN_SENTINEL}, subnet)
    findings, skipped = scan(s)
    assert only(findings, "MC202") == []
    assert sorted(k.resource.name for k in skipped if k.rule_id == "MC202") == ["a-pip", "b-pip"]


def test_mc202_public_ip_not_reached_from_a_vm_is_not_judged() -> None:
    s = StackBuilder()
    s.add(PIP, "lb-pip", {"publicIPAllocationMethod": "Dynamic"})
    assert scan(s) == ([], [])


def test_mc202_a_public_ip_used_twice_is_reported_once() -> None:
    s = StackBuilder()
    subnet = network(s)[1]
    pip = _with_public_ip(s, "web", {"publicIPAllocationMethod": "Dynamic"}, subnet)
    vm(
        s,
        "other-vm",
        nic(
            s,
            "other-nic",
            subnet,
            deps=[pip],
            privateIPAllocationMethod="Static",
            privateIPAddress="10.0.1.8",
            publicIPAddress={"id": pip.id},
        ),
    )
    assert [f.resource.name for f in only(scan(s)[0], "MC202")] == ["web-pip"]


# -- preview documents: unknown ids, references only as property dependencies ------------------


def _preview_stack() -> StackBuilder:
    s = StackBuilder("dev", config={"azure-native:location": "westeurope"})
    sub = s.add(SUBNET, "app-subnet", {"resourceGroupName": "rg", "addressPrefix": "10.1.0.0/24"}, id=None)
    pip = s.add(PIP, "web-pip", {"resourceGroupName": "rg", "sku": {"name": "Basic"}}, id=None)
    web_nic = s.add(
        NIC,
        "web-nic",
        {
            "resourceGroupName": "rg",
            "ipConfigurations": [
                {
                    "name": "ipconfig1",
                    "subnet": {"id": UNKNOWN_SENTINEL},
                    "publicIPAddress": {"id": UNKNOWN_SENTINEL},
                }
            ],
        },
        deps={"ipConfigurations": [sub, pip]},
        id=None,
    )
    s.add(
        VM,
        "web-vm",
        {"resourceGroupName": "rg", "networkProfile": {"networkInterfaces": [{"id": UNKNOWN_SENTINEL}]}},
        deps={"networkProfile": [web_nic]},
        id=None,
    )
    return s


def test_preview_references_resolve_through_property_dependencies() -> None:
    findings, skipped = scan(_preview_stack())
    assert [(f.rule_id, f.resource.name) for f in findings] == [("MC201", "web-nic"), ("MC202", "web-pip")]
    assert findings[0].fixes[0].patch[1].value == "10.1.0.4"
    assert skipped == []


def test_preview_through_the_cli_json_report(tmp_path: Path) -> None:
    path = _preview_stack().write(tmp_path / "preview.json", kind="preview")
    result = CliRunner().invoke(cli, ["scan", str(path), "--format", "json", "--select", "MC201,MC202"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    rules = sorted(f["rule"] for f in report["findings"])
    assert rules == ["MC201", "MC202"]


# -- helpers and snippets ----------------------------------------------------------------------


def test_free_address_reserves_first_four_and_last() -> None:
    tiny = Subnet("k", "s", ("192.168.0.0/29",))
    assert free_address(tiny, set()) == "192.168.0.4"
    assert free_address(tiny, {"192.168.0.4", "192.168.0.5"}) == "192.168.0.6"
    assert free_address(tiny, {"192.168.0.4", "192.168.0.5", "192.168.0.6"}) is None
    assert free_address(Subnet("k", "s", ("10.0.0.0/30",)), set()) is None
    assert free_address(Subnet("k", "s", ("not-a-prefix", "10.9.0.0/24")), set()) == "10.9.0.4"
    assert free_address(Subnet("k", "s", ("fd00::/64",)), set(), version=6) == "fd00::4"


def test_every_snippet_compiles() -> None:
    s = _preview_stack()
    _with_public_ip(s, "x", {"publicIPAllocationMethod": "Dynamic"})
    s.add(
        VM,
        "inline-vm",
        {
            "networkProfile": {
                "networkInterfaceConfigurations": [
                    {
                        "name": "n",
                        "ipConfigurations": [{"name": "c", "publicIPAddressConfiguration": {"name": "p"}}],
                    }
                ]
            }
        },
    )
    findings, _ = scan(s)
    assert len(findings) == 5
    for finding in findings:
        for fix in finding.fixes:
            compile(fix.snippet, f"{finding.rule_id}-{finding.resource.name}", "exec")


def test_snippets_of_mc2xx_run_under_pulumi_mocks() -> None:
    """Each snippet is valid pulumi-azure-native v3 code: run as a program under mocks (the
    snippet runner of tests/test_snippets.py), it registers what the fix says."""
    import subprocess
    import sys

    from tests.test_fix_soundness_network_disks import _stack
    from tests.test_snippets import RUNNER

    s = _stack()
    s.add(
        VM,
        "preview-vm",
        {"networkProfile": {"networkInterfaces": [{"id": UNKNOWN_SENTINEL}]}},
        deps={"networkProfile": [_preview_stack_nic(s)]},
        id=None,
    )
    findings = [
        f
        for f in run_rules(
            inventory(s), Settings(), [RULES_BY_ID[r] for r in ("MC201", "MC202", "MC211", "MC212")]
        )[0]
    ]
    cases = [(f, fix) for f in findings for fix in f.fixes]
    assert {f.rule_id for f, _ in cases} == {"MC201", "MC202", "MC211", "MC212"}
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps([fix.snippet for _, fix in cases]),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for (finding, fix), result in zip(cases, results, strict=True):
        assert "error" not in result, f"{finding.rule_id} {fix.title}: {result['error']}\n{fix.snippet}"
        for res in result["resources"]:
            if res["type"] == NIC:
                (config,) = res["inputs"]["ipConfigurations"]
                assert config["privateIPAllocationMethod"] == "Static"
                address = config["privateIPAddress"]
                if fix.new_resources:  # a NIC declared for an inline configuration
                    assert ipaddress.ip_address(address) in ipaddress.ip_network("10.4.0.0/28")
                else:
                    assert address in [op.value for op in fix.patch]
            if res["type"] == PIP:
                # Step 1 of the keep-the-address path changes only the allocation method.
                if fix.patch:
                    assert res["inputs"]["sku"] == {"name": "Standard"}
                assert res["inputs"]["publicIPAllocationMethod"] == "Static"
                # azure-native already replaces a public IP on sku: no replace_on_changes.
                assert not res["options"].get("replaceOnChanges")
                if fix.replacement:
                    assert "already replaces a public IP" in fix.snippet
            if res["type"] in (VM, VMSS) and finding.rule_id == "MC211" and fix.replacement:
                assert res["options"]["deleteBeforeReplace"] is True
                assert res["options"]["replaceOnChanges"][0].endswith("osDisk.diffDiskSettings")
    registered = {r["type"] for result in results for r in result["resources"]}
    assert registered == {NIC, PIP, VM, VMSS}  # VM, VMSS: MC211's suppression example


def _preview_stack_nic(s: StackBuilder) -> Ref:
    sub = s.add(SUBNET, "preview-subnet", {"addressPrefix": "10.9.0.0/24"}, id=None)
    return s.add(
        NIC,
        "preview-nic",
        {"ipConfigurations": [{"name": "ipconfig1", "subnet": {"id": UNKNOWN_SENTINEL}}]},
        deps={"ipConfigurations": [sub]},
        id=None,
    )


def test_mc201_snippet_keeps_the_configs_public_ip_pools_and_the_nics_other_arguments() -> None:
    s = StackBuilder()
    subnet = network(s)[1]
    pip = s.add(PIP, "web-pip", {"resourceGroupName": "rg", "sku": {"name": "Standard"},
                                 "publicIPAllocationMethod": "Static"})
    pool = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb/" \
           "backendAddressPools/be"
    nic_ref = nic(s, "web-nic", subnet, deps=[pip], publicIPAddress={"id": pip.id},
                  loadBalancerBackendAddressPools=[{"id": pool}])
    s.records[-1]["inputs"]["tags"] = {"team": "web"}
    s.records[-1]["inputs"]["dnsSettings"] = {"dnsServers": ["10.0.0.4"]}
    vm(s, "web-vm", nic_ref)
    (finding,) = only(scan(s)[0], "MC201")
    snippet = finding.fixes[0].snippet
    compile(snippet, "<mc201>", "exec")
    assert "public_ip_address={'id': web_pip.id}" in snippet  # the program's variable, not its id
    assert f"load_balancer_backend_address_pools=[{{'id': {pool!r}}}]" in snippet
    assert "tags={'team': 'web'}" in snippet and "dns_settings={'dns_servers': ['10.0.0.4']}" in snippet
    assert "verify it is unused; on an existing VM use its current address" in finding.fixes[0].title


def test_mc201_fix_uses_the_address_the_nic_has_now() -> None:
    s = StackBuilder()
    subnet = network(s)[1]
    nic_ref = nic(s, "web-nic", subnet)
    s.records[-1]["outputs"] = {"ipConfigurations": [{"name": "ipconfig1", "privateIPAddress": "10.0.1.7"}]}
    vm(s, "web-vm", nic_ref)
    (finding,) = only(scan(s)[0], "MC201")
    (fix,) = finding.fixes
    assert [op.value for op in fix.patch] == ["Static", "10.0.1.7"]
    assert "changes nothing live" in fix.title
