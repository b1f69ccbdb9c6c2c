"""Every fix snippet of every rule is valid Python; the availability rules' snippets are valid
pulumi-azure-native v3 calls, proved by running them under Pulumi mocks in a subprocess."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap
from functools import cache
from typing import Any

import pytest

from checker.config import Settings
from checker.engine import run_rules
from checker.model import Finding
from checker.rules import ALL_RULES
from tests.builders import StackBuilder, inventory

P = "azure-native:"
VM, AS = P + "compute:VirtualMachine", P + "compute:AvailabilitySet"
VMSS = P + "compute:VirtualMachineScaleSet"
NIC, PIP = P + "network:NetworkInterface", P + "network:PublicIPAddress"
LB = P + "network:LoadBalancer"
MANAGED = {"osDisk": {"createOption": "FromImage", "managedDisk": {"storageAccountType": "Premium_LRS"}},
           "imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts",
                              "sku": "server", "version": "latest"}}
# Rules whose snippets this file runs under mocks (the availability rules).
MOCKED = ("MC101", "MC102", "MC103", "MC104", "MC105", "MC106", "MC107", "MC203")


def _vm(s: StackBuilder, name: str, **inputs: Any) -> Any:
    deps = inputs.pop("deps", None)
    props = {"resourceGroupName": "rg", "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
             "storageProfile": MANAGED, **inputs}
    return s.add(VM, name, props, deps=deps)


def _in_set(s: StackBuilder, name: str, group: Any, **inputs: Any) -> Any:
    return _vm(s, name, availabilitySet=group.sub(), deps={"availabilitySet": [group]}, **inputs)


def kitchen_sink() -> list[StackBuilder]:
    """Stacks on which every catalog rule of the spec fires at least once."""
    east = StackBuilder("eastus", config={"azure-native:location": "eastus"})
    _vm(east, "lonely")  # MC101, MC301
    one = east.add(AS, "one-as", {"resourceGroupName": "rg", "sku": {"name": "Aligned"}})
    _in_set(east, "one-vm", one)  # MC102
    ud = east.add(AS, "ud-as", {"resourceGroupName": "rg", "location": "eastus",
                                "platformUpdateDomainCount": 2, "platformFaultDomainCount": 1,
                                "tags": {"costCenter": "42"}})
    for i in range(3):  # MC103, MC104, MC105 (no sku: Classic), MC403 (Windows, AutomaticByOS)
        _in_set(east, f"ud-vm{i}", ud, osProfile={"computerName": f"ud{i}", "windowsConfiguration": {}})
    east.add(VMSS, "api-vmss", {"resourceGroupName": "rg", "orchestrationMode": "Uniform",
                                "sku": {"name": "Standard_D2s_v5", "capacity": 1},
                                "virtualMachineProfile": {}})  # MC106
    east.add(VMSS, "auto-vmss", {"resourceGroupName": "rg", "orchestrationMode": "Uniform",
                                 "sku": {"name": "Standard_D2s_v5", "capacity": 2},
                                 "upgradePolicy": {"mode": "Automatic"},
                                 "virtualMachineProfile": {"osProfile": {"computerNamePrefix": "auto"}},
                                 })  # MC107
    flex = east.add(VMSS, "flex-vmss", {"resourceGroupName": "rg",
                                        "orchestrationMode": "Flexible"})
    _vm(east, "flex-vm", virtualMachineScaleSet=flex.sub(),
        deps={"virtualMachineScaleSet": [flex]})  # MC106, joined VM
    pip = east.add(PIP, "web-pip", {"resourceGroupName": "rg", "publicIPAllocationMethod": "Dynamic",
                                    "sku": {"name": "Basic"}})
    lb = east.add(LB, "web-lb", {"resourceGroupName": "rg", "sku": {"name": "Basic"},
                                 "backendAddressPools": [{"name": "be"}]})  # MC203
    nic = east.add(NIC, "web-nic", {"resourceGroupName": "rg", "ipConfigurations": [
        {"name": "ipconfig1", "privateIPAllocationMethod": "Dynamic",
         "loadBalancerBackendAddressPools": [{"id": lb.id + "/backendAddressPools/be"}],
         "publicIPAddress": pip.sub(), "subnet": {"id": "/subscriptions/x/resourceGroups/rg/"
                                                  "providers/Microsoft.Network/virtualNetworks/"
                                                  "vnet/subnets/default"}}]},
        deps={"ipConfigurations": [pip]})
    script = base64.b64encode(b"#!/bin/bash\ncp -r /srv/data /mnt/resource/app\n").decode()
    _vm(east, "web-vm", networkProfile={"networkInterfaces": [nic.sub()]},
        hardwareProfile={"vmSize": "Standard_D2s_v3"},
        osProfile={"computerName": "web", "adminUsername": "azureuser", "customData": script},
        storageProfile={**MANAGED, "osDisk": {"createOption": "FromImage", "diffDiskSettings":
                                              {"option": "Local", "placement": "CacheDisk"}}},
        deps={"networkProfile": [nic]})  # MC201, MC202, MC211, MC212
    _vm(east, "iso-vm", hardwareProfile={"vmSize": "Standard_E104i_v5"},
        tags={"maintenance-sensitivity": "high"})  # MC401, MC402
    _vm(east, "api-east", tags={"workload": "api"})
    north = StackBuilder("northeurope", config={"azure-native:location": "northeurope"})
    _vm(north, "api-north", tags={"workload": "api"})  # MC302: eastus + northeurope
    nowhere = StackBuilder("nowhere")
    _vm(nowhere, "lost-vm")  # MC303
    return [east, north, nowhere]


@cache
def findings_by_rule() -> dict[str, tuple[Finding, ...]]:
    findings, _ = run_rules(inventory(*kitchen_sink()), Settings())
    out: dict[str, list[Finding]] = {}
    for f in findings:
        out.setdefault(f.rule_id, []).append(f)
    return {k: tuple(v) for k, v in out.items()}


def _findings(rule_id: str) -> tuple[Finding, ...]:
    found = findings_by_rule().get(rule_id, ())
    if not found:
        if rule_id in MOCKED:
            pytest.fail(f"{rule_id} does not fire on the kitchen-sink stacks")
        pytest.skip(f"{rule_id} does not fire on the kitchen-sink stacks: extend kitchen_sink()")
    return found


@pytest.mark.parametrize("rule_id", [r.id for r in ALL_RULES])
def test_every_snippet_compiles(rule_id: str) -> None:
    for finding in _findings(rule_id):
        assert finding.fixes, f"{rule_id}: a finding without a fix"
        for fix in finding.fixes:
            assert fix.snippet.strip(), f"{rule_id}: fix {fix.title!r} has no snippet"
            compile(fix.snippet, f"<{rule_id} fix for {finding.resource.name}>", "exec")
            assert "import pulumi_azure_native as azure_native" in fix.snippet


# -- running snippets under mocks ----------------------------------------------------------

# Runs each snippet as its own Pulumi program under mocks and prints, per snippet, the resources
# it registered. Names a snippet takes from the user's program (``web_as`` in ``web_as.id``)
# are stand-ins whose ``id`` and ``name`` are outputs, as the program's resources would be.
RUNNER = textwrap.dedent(
    """
    import builtins, json, sys
    import pulumi
    from pulumi.runtime import settings
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    registered = []
    options = {}

    # The resource options a snippet passes (the mocks do not see them): replacement asked for.
    _init = pulumi.CustomResource.__init__

    def _recording_init(self, t, name, props=None, opts=None, *args, **kwargs):
        if opts is not None:
            options[name] = {
                "replaceOnChanges": list(opts.replace_on_changes or []),
                "deleteBeforeReplace": bool(opts.delete_before_replace),
            }
        _init(self, t, name, props, opts, *args, **kwargs)

    pulumi.CustomResource.__init__ = _recording_init

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args):
            registered.append({"type": args.typ, "name": args.name, "inputs": dict(args.inputs),
                               "options": options.get(args.name, {})})
            return args.name + "-id", dict(args.inputs)

        def call(self, args):
            return dict(args.args)

    class Stand(dict):
        # A program variable (a resource, an args object, or a value read from one): id and
        # name are outputs; other attributes and items are stand-ins too
        # (lb.backend_address_pools[0].id); as an input it is an empty object.

        def __init__(self, path):
            super().__init__()
            self._path = path
            self.id = pulumi.Output.from_input("/subscriptions/s/resourceGroups/rg/" + path)
            self.name = pulumi.Output.from_input(path)

        def __hash__(self):
            return id(self)

        def __getattr__(self, attr):
            if attr.startswith("__"):
                raise AttributeError(attr)
            return Stand(self._path + "/" + attr)

        def __getitem__(self, item):
            return Stand(self._path + "/" + str(item))

        def __str__(self):
            return self._path

    class ProgramNames(dict):
        def __missing__(self, key):
            if hasattr(builtins, key):
                raise KeyError(key)
            value = Stand(key)
            self[key] = value
            return value

    results = []
    for snippet in json.load(sys.stdin):
        registered = []
        options.clear()
        settings.ROOT.set(None)
        pulumi.runtime.set_mocks(Mocks(), project="snippets", stack="test", preview=False)
        code = compile(snippet, "<snippet>", "exec")
        try:
            _sync_await(run_pulumi_func(lambda: exec(code, {"__name__": "__main__"}, ProgramNames())))
            results.append({"resources": registered})
        except Exception as exc:
            results.append({"error": f"{type(exc).__name__}: {exc}"})
    print(json.dumps(results))
    """
)


@cache
def mocked_runs() -> tuple[tuple[Finding, int, dict[str, Any]], ...]:
    cases = [(f, i) for rid in MOCKED for f in findings_by_rule().get(rid, ()) for i in range(len(f.fixes))]
    snippets = [f.fixes[i].snippet for f, i in cases]
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER], input=json.dumps(snippets), capture_output=True,
        text=True, timeout=240, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    return tuple((f, i, r) for (f, i), r in zip(cases, results, strict=True))


def _runs(rule_id: str) -> list[tuple[Finding, int, dict[str, Any]]]:
    _findings(rule_id)
    runs = [(f, i, r) for f, i, r in mocked_runs() if f.rule_id == rule_id]
    for f, i, result in runs:
        assert "error" not in result, (
            f"{rule_id} snippet of fix {f.fixes[i].title!r} fails under mocks: {result['error']}\n"
            f"{f.fixes[i].snippet}"
        )
        assert result["resources"], f"{rule_id}: the snippet registers no resource"
    return runs


def _only(result: dict[str, Any], type_token: str) -> dict[str, Any]:
    (res,) = [r for r in result["resources"] if r["type"] == type_token]
    return dict(res["inputs"])


def test_mc101_snippets_create_two_instances_placed_apart() -> None:
    runs = _runs("MC101")
    lonely = [(f.fixes[i], r) for f, i, r in runs if f.resource.name == "lonely"]
    assert len(lonely) == 3  # zones (eastus has them), Flexible scale set, availability set
    placements = []
    for fix, result in lonely:
        # Pulumi registers resources concurrently: the mock sees them in either order.
        vms = sorted((r for r in result["resources"] if r["type"] == VM), key=lambda r: r["name"])
        assert [vm["name"] for vm in vms] == ["lonely", "lonely-2"]
        assert all(vm["inputs"]["hardwareProfile"] == {"vmSize": "Standard_D2s_v5"} for vm in vms)
        placed = [json.dumps(vm["inputs"].get("zones") or vm["inputs"].get("availabilitySet")
                             or vm["inputs"].get("virtualMachineScaleSet")) for vm in vms]
        placements.append(placed)
        # The user's VM keeps its other arguments and is replaced, deleted first.
        assert vms[0]["inputs"]["storageProfile"]["imageReference"] == MANAGED["imageReference"]
        assert fix.replacement
    assert placements[0] == ['["1"]', '["2"]']


def test_every_replacing_fix_asks_pulumi_to_replace_where_the_provider_does_not() -> None:
    """A fix with ``replacement: true`` on a VM or set (whose changed property azure-native
    updates in place, which Azure refuses) registers that resource with camelCase
    ``replace_on_changes`` and ``delete_before_replace``."""
    checked = 0
    for rule_id in MOCKED:
        for finding, i, result in _runs(rule_id):
            fix = finding.fixes[i]
            if not fix.replacement:
                continue
            own = [r for r in result["resources"] if r["name"] == finding.resource.name]
            assert own, f"{rule_id} {fix.title!r}: the snippet does not declare {finding.resource.name!r}"
            opts = own[0]["options"]
            assert opts.get("replaceOnChanges") and opts.get("deleteBeforeReplace"), (rule_id, fix.title)
            changed = {op.path.strip("/").split("/")[0] for op in fix.patch}
            assert changed <= set(opts["replaceOnChanges"]) | {"sku"}, (rule_id, fix.title, opts)
            assert all("_" not in path for path in opts["replaceOnChanges"])  # camelCase paths
            checked += 1
    assert checked >= 5


def test_mc102_snippet_creates_a_second_vm_in_the_set() -> None:
    ((finding, _, result),) = _runs("MC102")
    vm = _only(result, VM)
    assert vm["availabilitySet"] == {"id": "/subscriptions/s/resourceGroups/rg/one_as"}
    assert vm["hardwareProfile"] == {"vmSize": "Standard_D2s_v5"}
    assert vm["storageProfile"] == {"imageReference": MANAGED["imageReference"]}
    assert vm["resourceGroupName"] == "rg" and vm["location"] == "eastus"
    assert finding.resource.name == "one-as"


def test_mc103_snippet_recreates_the_set_with_the_computed_count() -> None:
    ((finding, i, result),) = _runs("MC103")
    fix = finding.fixes[i]
    inputs = _only(result, AS)
    assert inputs["platformUpdateDomainCount"] == fix.patch[0].value == 5
    # The set's other inputs are kept, tags with their own keys.
    assert inputs["platformFaultDomainCount"] == 1 and inputs["tags"] == {"costCenter": "42"}
    assert inputs["location"] == "eastus"


def test_mc104_snippet_sets_two_fault_domains() -> None:
    # ud-as is also Classic with managed-disk VMs (MC105): one combined fix comes first.
    (_, _, combined), (_, _, result) = _runs("MC104")
    inputs = _only(combined, AS)
    assert (inputs["sku"], inputs["platformFaultDomainCount"], inputs["platformUpdateDomainCount"]) == (
        {"name": "Aligned"}, 2, 5)
    inputs = _only(result, AS)
    assert inputs["platformFaultDomainCount"] == 2
    assert inputs["platformUpdateDomainCount"] == 2  # unchanged: MC103 has its own fix


def test_mc105_snippet_sets_the_aligned_sku() -> None:
    ((_, _, result),) = _runs("MC105")
    assert _only(result, AS)["sku"] == {"name": "Aligned"}


def test_mc106_snippets_add_capacity_or_a_joined_vm() -> None:
    runs = {f.resource.name: r for f, _i, r in _runs("MC106")}
    assert _only(runs["api-vmss"], VMSS)["sku"] == {"name": "Standard_D2s_v5", "capacity": 2}
    joined = _only(runs["flex-vmss"], VM)
    assert joined["virtualMachineScaleSet"] == {"id": "/subscriptions/s/resourceGroups/rg/flex_vmss"}


def test_mc107_snippet_rolls_with_a_health_extension() -> None:
    ((_, _, result),) = _runs("MC107")
    inputs = _only(result, VMSS)
    assert inputs["upgradePolicy"]["mode"] == "Rolling"
    assert inputs["upgradePolicy"]["rollingUpgradePolicy"]["maxBatchInstancePercent"] == 20
    (ext,) = inputs["virtualMachineProfile"]["extensionProfile"]["extensions"]
    assert ext["type"] == "ApplicationHealthLinux" and ext["publisher"] == "Microsoft.ManagedServices"
    assert inputs["virtualMachineProfile"]["osProfile"] == {"computerNamePrefix": "auto"}  # kept
    assert inputs["automaticRepairsPolicy"] == {"enabled": True, "gracePeriod": "PT10M"}


def test_mc203_snippet_recreates_the_load_balancer_as_standard() -> None:
    ((finding, i, result),) = _runs("MC203")
    (lb,) = [r for r in result["resources"] if r["type"] == LB]
    assert lb["inputs"]["sku"] == {"name": "Standard"}
    assert lb["inputs"]["backendAddressPools"] == [{"name": "be"}]  # its other arguments kept
    assert lb["options"]["replaceOnChanges"] == ["sku"] and lb["options"]["deleteBeforeReplace"]
    assert finding.fixes[i].replacement
