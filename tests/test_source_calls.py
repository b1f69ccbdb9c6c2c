"""Fix snippets built from the user's own constructor calls (read with libcst at the recorded
line): only the fixed arguments change; every other argument and the program's variables stay,
and the snippets run under Pulumi mocks."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from checker import source_calls as sc
from checker.config import Settings
from checker.engine import run_rules
from checker.inventory import Inventory
from checker.model import Finding
from checker.sources import load_path
from checker.sources.base import LoadOptions
from tests.test_snippets import RUNNER

PROGRAM = Path(__file__).parent / "fixtures" / "programs" / "own_calls"
NIC = "azure-native:network:NetworkInterface"
PIP = "azure-native:network:PublicIPAddress"
VM = "azure-native:compute:VirtualMachine"
VMSS = "azure-native:compute:VirtualMachineScaleSet"

# -- reading and editing calls -----------------------------------------------------------------

SOURCE = '''\
for i in range(2):
    azure_native.compute.VirtualMachine(
        f"vm-{i}",
        resource_group_name=rg.name,
        storage_profile={"os_disk": {"caching": "ReadOnly"}},
        opts=pulumi.ResourceOptions(depends_on=[nic]),
    )
other = make_options()
azure_native.compute.VirtualMachine("x", opts=other)
'''


def test_call_at_finds_the_constructor_spanning_the_line() -> None:
    calls = sc.calls_in(SOURCE)
    code = sc.call_at(calls, 2, "VirtualMachine")
    assert code is not None and code.startswith("azure_native.compute.VirtualMachine(\n")
    assert sc.call_at(calls, 4, "VirtualMachine") == code  # any line of the call
    assert sc.call_at(calls, 2, "AvailabilitySet") is None
    assert sc.calls_in("def broken(:\n") == ()


def test_edit_changes_only_the_fixed_arguments_and_merges_options() -> None:
    calls = sc.calls_in(SOURCE)
    code = sc.call_at(calls, 2, "VirtualMachine")
    assert code is not None
    edits = [(("zones",), "['1']"), (("storage_profile", "os_disk", "caching"), "'ReadWrite'")]
    edited = sc.edit(code, edits, replace_on=("zones",))
    assert edited is not None
    assert 'f"vm-{i}"' in edited and "resource_group_name=rg.name" in edited
    assert "\"caching\": 'ReadWrite'" in edited and "zones=['1']" in edited
    assert ('opts=pulumi.ResourceOptions(depends_on=[nic], replace_on_changes=["zones"], '
            "delete_before_replace=True)") in edited
    compile(edited, "<edited>", "eval")
    # options held in a variable are merged, not dropped
    plain = sc.call_at(calls, 9, "VirtualMachine")
    assert plain is not None
    merged = sc.edit(plain, [], replace_on=("zones",))
    assert merged is not None and "pulumi.ResourceOptions.merge(other, pulumi.ResourceOptions(" in merged
    # missing keys are written as dict literals; "-" appends to a list
    added = sc.edit(plain, [(("storage_profile", "os_disk", "caching"), "'x'"), (("zones", "-"), "'1'")])
    assert added is not None and "storage_profile={'os_disk': {'caching': 'x'}}" in added
    assert "zones=['1']" in added
    # a path through something that is not a literal (a variable) does not fit: None
    assert sc.edit(plain, [(("opts", "x"), "1")]) is None
    # nor through the user's own helper: only SDK ...Args calls take SDK keyword names
    helper = 'compute.VirtualMachine("x", storage_profile=compute.StorageProfileArgs(os_disk=os_disk()))'
    assert sc.edit(helper, [(("storage_profile", "os_disk", "caching"), "'x'")]) is None
    assert sc.edit(helper, [(("storage_profile", "image_reference"), "img")]) is not None


# -- a real program run --------------------------------------------------------------------------


@cache
def _findings() -> tuple[Finding, ...]:
    docs = load_path(PROGRAM, LoadOptions())
    rules = ("MC107", "MC201", "MC202", "MC211", "MC403")
    found, _ = run_rules(Inventory.build(docs), Settings(select=rules))
    return tuple(found)


@cache
def _mocked() -> tuple[tuple[Finding, int, dict[str, Any]], ...]:
    cases = [(f, i) for f in _findings() for i in range(len(f.fixes))]
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER], input=json.dumps([f.fixes[i].snippet for f, i in cases]),
        capture_output=True, text=True, timeout=240, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    return tuple((f, i, r) for (f, i), r in zip(cases, results, strict=True))


@pytest.mark.slow
def test_program_resources_carry_their_calls() -> None:
    by_rule = {f.rule_id: f for f in _findings()}
    assert set(by_rule) == {"MC107", "MC201", "MC202", "MC211", "MC403"}
    assert by_rule["MC201"].resource.call_source is not None
    assert by_rule["MC201"].resource.call_source.startswith("azure_native.network.NetworkInterface(")


@pytest.mark.slow
def test_mc201_snippet_is_the_users_nic_call_with_a_static_address() -> None:
    (finding,) = [f for f in _findings() if f.rule_id == "MC201"]
    snippet = finding.fixes[0].snippet
    assert "# Your call, with only the fixed arguments changed:" in snippet
    # the program's own variables, not logical names or mocked ids
    for kept in ("resource_group_name=rg.name", "SubnetArgs(id=subnet.id)", "PublicIPAddressArgs(id=pip.id)",
                 "BackendAddressPoolArgs(id=lb.backend_address_pools[0].id)", 'dns_servers=["10.0.0.4"]',
                 'tags={"team": "web"}'):
        assert kept in snippet, kept
    assert "private_ip_allocation_method='Static'" in snippet
    ((_, _, result),) = [(f, i, r) for f, i, r in _mocked() if f.rule_id == "MC201"]
    assert "error" not in result, result
    (nic,) = [r["inputs"] for r in result["resources"] if r["type"] == NIC]
    (config,) = nic["ipConfigurations"]
    assert config["privateIPAllocationMethod"] == "Static" and config["privateIPAddress"]
    assert "publicIPAddress" in config and "loadBalancerBackendAddressPools" in config
    assert nic["dnsSettings"] == {"dnsServers": ["10.0.0.4"]} and nic["tags"] == {"team": "web"}


@pytest.mark.slow
def test_mc202_and_mc211_snippets_keep_the_other_arguments_and_run() -> None:
    for finding, i, result in _mocked():
        assert "error" not in result, (finding.rule_id, finding.fixes[i].snippet, result)
    pip_runs = [(f.fixes[i], r) for f, i, r in _mocked() if f.rule_id == "MC202"]
    in_code, keep = pip_runs
    (pip,) = [r for r in in_code[1]["resources"] if r["type"] == PIP]
    assert pip["inputs"]["sku"] == {"name": "Standard"}
    assert pip["inputs"]["dnsSettings"] == {"domainNameLabel": "web-demo"} and pip["inputs"]["tags"]
    assert not pip["options"].get("replaceOnChanges")  # the provider replaces on sku itself
    (kept,) = [r for r in keep[1]["resources"] if r["type"] == PIP]
    assert kept["inputs"]["sku"] == {"name": "Basic"}  # step 1 changes only the allocation
    assert kept["inputs"]["publicIPAllocationMethod"] == "Static"
    ((fix, result),) = [(f.fixes[i], r) for f, i, r in _mocked() if f.rule_id == "MC211" and i == 0]
    (vm,) = [r for r in result["resources"] if r["type"] == VM]
    assert "diffDiskSettings" not in vm["inputs"]["storageProfile"]["osDisk"]
    assert vm["inputs"]["storageProfile"]["imageReference"]["offer"] == "ubuntu-24_04-lts"
    assert vm["options"]["replaceOnChanges"] == ["storageProfile.osDisk.diffDiskSettings"]
    assert vm["options"]["deleteBeforeReplace"] is True
    assert "ignore_changes=[\"tags\"]" in fix.snippet  # the user's own options are kept


@pytest.mark.slow
def test_mc107_and_mc403_snippets_edit_the_users_scale_set() -> None:
    runs = {f.rule_id: (f.fixes[i], r) for f, i, r in _mocked() if f.rule_id in ("MC107", "MC403")}
    fix, result = runs["MC107"]
    assert "# Your call" in fix.snippet and "os_profile=app_profile" in fix.snippet
    (vmss,) = [r["inputs"] for r in result["resources"] if r["type"] == VMSS]
    assert vmss["upgradePolicy"]["mode"] == "Rolling"
    assert vmss["upgradePolicy"]["rollingUpgradePolicy"]["maxBatchInstancePercent"] == 20
    (ext,) = vmss["virtualMachineProfile"]["extensionProfile"]["extensions"]
    assert ext["type"] == "ApplicationHealthWindows"
    assert ext["settings"] == {"protocol": "http", "port": 80, "requestPath": "/health"}  # as Azure reads it
    assert vmss["automaticRepairsPolicy"] == {"enabled": True, "gracePeriod": "PT10M"}
    assert vmss["sku"] == {"name": "Standard_D2s_v5", "capacity": 2}  # kept
    fix, result = runs["MC403"]
    # os_profile is the program's variable: the edit cannot go inside it, so the snippet says
    # what to set instead of rewriting the call with a guess
    assert "AutomaticByPlatform" in fix.snippet
