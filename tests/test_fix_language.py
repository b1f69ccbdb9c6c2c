"""Fixes in the program's own language and provider (checker/fix_language.py), through the real
CLI: a TypeScript program gets TypeScript snippets (compiled here with the project's own
`typescript`), a YAML program YAML fragments (parsed), classic-provider resources patch paths on
their classic inputs and `pulumi_azure` snippets (compiled)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.azure import classic

FIX = Path(__file__).parent / "fixtures"
ENV_PATH = str(Path(sys.executable).parent)


def scan(path: Path) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, "-m", "checker", "scan", str(path), "--format", "json"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    findings: list[dict[str, Any]] = json.loads(proc.stdout)["findings"]
    return findings


def by_rule(findings: list[dict[str, Any]], rule: str, name: str) -> dict[str, Any]:
    (found,) = [f for f in findings if f["rule"] == rule and f["resource"]["name"] == name]
    return found


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


REPLACED_SET = """\
name: yaml-replace
runtime: yaml
resources:
  web-as:
    type: azure-native:compute:AvailabilitySet
    properties:
      resourceGroupName: rg
      location: westeurope
      platformFaultDomainCount: 2
      platformUpdateDomainCount: 1
      sku:
        name: Aligned
"""
MEMBER = """\
  web-{i}:
    type: azure-native:compute:VirtualMachine
    properties:
      resourceGroupName: rg
      location: westeurope
      hardwareProfile:
        vmSize: Standard_D2s_v5
      availabilitySet:
        id: ${{web-as.id}}
"""


def test_yaml_program_gets_yaml_fragments_with_replacement_options(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text(REPLACED_SET + MEMBER.format(i=0) + MEMBER.format(i=1))
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    mc103 = by_rule(scan(tmp_path), "MC103", "web-as")["fixes"][0]
    assert mc103["snippetLanguage"] == "yaml"
    resource = yaml.safe_load(mc103["snippet"])["resources"]["web-as"]
    assert resource["properties"] == {"platformUpdateDomainCount": 5}
    assert resource["options"] == {
        "replaceOnChanges": ["platformUpdateDomainCount"], "deleteBeforeReplace": True
    }
    assert mc103["snippet"].startswith('# "web-as" at Pulumi.yaml:4: change only these properties')
    assert "Recreating 'web-as' recreates every VM in it" in mc103["snippet"]  # the fix's notes


def test_yaml_program_fragments_parse() -> None:
    project = FIX / "programs" / "yaml_app"
    findings = scan(project)
    nic = by_rule(findings, "MC201", "web-nic-0")["fixes"][0]
    element = yaml.safe_load(nic["snippet"])["resources"]["web-nic-0"]["properties"]["ipConfigurations"]
    assert element[0]["privateIPAllocationMethod"] == "Static" and "privateIPAddress" in element[0]
    assert "element 0 of your list" in nic["snippet"]
    assert f"Pulumi.yaml:{line_of(project / 'Pulumi.yaml', 'web-nic-0:')}" in nic["snippet"]
    disk = by_rule(findings, "MC212", "web-0")["fixes"][0]
    added = yaml.safe_load(disk["snippet"])["resources"]["web-0"]["properties"]["storageProfile"]
    assert added["dataDisks"][0]["lun"] == 0
    assert "# The new resources this fix needs, in pulumi-azure-native Python" in disk["snippet"]
    for finding in findings:
        for fix in finding["fixes"]:
            assert fix["snippetLanguage"] == "yaml"
            if fix["patch"]:
                yaml.safe_load(fix["snippet"])  # every fragment parses (Python parts are comments)


def test_classic_yaml_program_speaks_the_classic_property_names() -> None:
    findings = scan(FIX / "programs" / "yaml_classic")

    def fix_of(rule: str, name: str, index: int = 0) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        fix = by_rule(findings, rule, name)["fixes"][index]
        parsed = yaml.safe_load(fix["snippet"])["resources"][name]
        return fix["patch"], parsed

    patch, parsed = fix_of("MC201", "web-nic-0")
    assert [op["path"] for op in patch] == [
        "/ipConfigurations/0/privateIpAddressAllocation", "/ipConfigurations/0/privateIpAddress"
    ]
    assert parsed["properties"]["ipConfigurations"][0]["privateIpAddressAllocation"] == "Static"
    patch, parsed = fix_of("MC202", "web-pip")
    assert {op["path"]: op["value"] for op in patch} == {"/sku": "Standard", "/allocationMethod": "Static"}
    assert parsed["properties"] == {"sku": "Standard", "allocationMethod": "Static"}
    patch, parsed = fix_of("MC105", "web-as")
    assert patch == [{"op": "replace", "path": "/managed", "value": True}]
    assert "options" not in parsed  # the classic provider replaces the set on managed by itself
    patch, parsed = fix_of("MC101", "lonely")
    assert patch == [{"op": "add", "path": "/zone", "value": "1"}] and parsed["properties"] == {"zone": "1"}
    patch, parsed = fix_of("MC101", "lonely", 2)
    assert parsed["properties"] == {"availabilitySetId": "${lonely-as.id}"}
    removed = by_rule(findings, "MC211", "lonely")["fixes"][0]
    assert removed["patch"] == [{"op": "remove", "path": "/osDisk/diffDiskSettings"}]
    assert "delete `osDisk.diffDiskSettings`" in removed["snippet"]


def test_classic_export_gets_pulumi_azure_python() -> None:
    findings = scan(FIX / "documents" / "export-classic-azure.json")
    mc105 = by_rule(findings, "MC105", "legacy-as")["fixes"][0]
    assert mc105["patch"] == [{"op": "replace", "path": "/managed", "value": True}]
    assert mc105["snippetLanguage"] == "python"
    assert "import pulumi_azure as azure" in mc105["snippet"]
    assert "azure.compute.AvailabilitySet(" in mc105["snippet"] and "managed=True," in mc105["snippet"]
    assert "replace_on_changes=" not in mc105["snippet"]
    mc106 = by_rule(findings, "MC106", "web-flex")["fixes"][0]
    assert mc106["patch"] == [{"op": "replace", "path": "/instances", "value": 2}]
    assert "azure.compute.OrchestratedVirtualMachineScaleSet(" in mc106["snippet"]
    # no classic input: the azure-native path stays and the title says so
    mc402 = by_rule(findings, "MC402", "db-0")["fixes"][0]
    assert mc402["patch"][0]["path"] == "/scheduledEventsPolicy"
    assert "classic azure provider has no argument for /scheduledEventsPolicy" in mc402["title"]
    for finding in findings:
        for fix in finding["fixes"]:
            compile(fix["snippet"], f"{finding['rule']}:{fix['title']}", "exec")


# azure-native operations -> the classic ones, for the tables' both directions
CASES = [
    ("azure:compute/linuxVirtualMachine:LinuxVirtualMachine", "add", "/availabilitySet", {"id": "as-id"},
     [("add", "/availabilitySetId", "as-id")]),
    ("azure:compute/windowsVirtualMachine:WindowsVirtualMachine", "replace", "/zones", ["2"],
     [("replace", "/zone", "2")]),
    ("azure:compute/availabilitySet:AvailabilitySet", "add", "/sku", {"name": "Aligned"},
     [("add", "/managed", True)]),
    ("azure:network/networkInterface:NetworkInterface", "add",
     "/ipConfigurations/0/privateIPAllocationMethod", "Static",
     [("add", "/ipConfigurations/0/privateIpAddressAllocation", "Static")]),
    ("azure:network/publicIp:PublicIp", "add", "/publicIPAllocationMethod", "Static",
     [("add", "/allocationMethod", "Static")]),
    ("azure:network/publicIp:PublicIp", "replace", "/sku/name", "Standard",
     [("replace", "/sku", "Standard")]),
    ("azure:lb/loadBalancer:LoadBalancer", "add", "/sku", {"name": "Standard"},
     [("add", "/sku", "Standard")]),
    ("azure:compute/linuxVirtualMachineScaleSet:LinuxVirtualMachineScaleSet", "add", "/sku/capacity", 2,
     [("add", "/instances", 2)]),
]


@pytest.mark.parametrize(("token", "op", "path", "value", "expected"), CASES)
def test_classic_patch_inverts_the_shaping_table(
    token: str, op: str, path: str, value: Any, expected: list[tuple[str, str, Any]]
) -> None:
    mapped = classic.classic_patch(token, ((op, path, value),))
    assert mapped == (expected, [])
    # one table, both directions: the classic input shapes back into the azure-native value
    (_, classic_path, classic_value), = expected
    built: Any = classic_value
    for segment in reversed(classic_path.split("/")[1:]):
        built = [built] if segment == "0" else {segment: built}
    shaped = classic.native(token, built, None, {})
    assert shaped is not None
    node: Any = shaped.inputs
    for segment in path.split("/")[1:]:
        node = node[int(segment)] if isinstance(node, list) else node[segment]
    assert node == value


def test_classic_patch_keeps_paths_without_a_classic_input() -> None:
    token = "azure:compute/linuxVirtualMachineScaleSet:LinuxVirtualMachineScaleSet"
    value = {"mode": "Rolling", "rollingUpgradePolicy": {"maxBatchInstancePercent": 20}}
    ops, missing = classic.classic_patch(token, (("add", "/upgradePolicy", value),)) or ([], [])
    assert ops == [
        ("add", "/upgradeMode", "Rolling"),
        ("add", "/upgradePolicy/rollingUpgradePolicy", {"maxBatchInstancePercent": 20}),
    ]
    assert missing == ["/upgradePolicy/rollingUpgradePolicy"]
    assert classic.classic_patch("azure-native:compute:VirtualMachine", ()) is None


TS_CHECK = """
const ts = require(require.resolve("typescript", { paths: [process.argv[1]] }));
const snippets = JSON.parse(require("fs").readFileSync(0, "utf8"));
const bad = [];
for (const [name, code] of snippets) {
  const out = ts.transpileModule(code, { reportDiagnostics: true, compilerOptions: { module: 1 } });
  for (const d of out.diagnostics) {
    bad.push(name + ": " + ts.flattenDiagnosticMessageText(d.messageText, "\\n"));
  }
}
process.stdout.write(JSON.stringify(bad));
"""


@pytest.mark.slow
def test_typescript_program_gets_typescript_that_compiles(
    node_project: Callable[[Path], Path],
) -> None:
    project = node_project(FIX / "programs" / "ts_app")
    findings = scan(project)
    snippets = []
    for finding in findings:
        for fix in finding["fixes"]:
            if fix["patch"]:
                assert fix["snippetLanguage"] == "typescript", fix["snippet"]
                assert fix["snippet"].startswith('import * as azure_native from "@pulumi/azure-native";')
                snippets.append((f"{finding['rule']} {finding['resource']['name']}", fix["snippet"]))
            else:  # nothing to change on the resource itself: the Python fix, labelled as such
                assert fix["snippet"].startswith("# pulumi-azure-native Python; in TypeScript")
    nic = by_rule(findings, "MC201", "web-nic-0")["fixes"][0]["snippet"]
    assert 'new azure_native.network.NetworkInterface("web-nic-0", {' in nic
    assert 'privateIPAllocationMethod: "Static",' in nic and "keep your other arguments" in nic
    network = project / "src" / "network.ts"
    assert f"src/network.ts:{line_of(network, 'new network.NetworkInterface')}" in nic
    aset = by_rule(findings, "MC103", "web-as")["fixes"][0]["snippet"]
    assert "platformUpdateDomainCount: 5," in aset
    assert '{ replaceOnChanges: ["platformUpdateDomainCount"], deleteBeforeReplace: true }' in aset
    zones = by_rule(findings, "MC101", "db")["fixes"][0]["snippet"]
    assert 'zones: ["1"],' in zones
    assert "// The new resources this fix needs, in pulumi-azure-native Python" in zones
    assert ts_errors(project, snippets) == [] and len(snippets) >= 5
    # the check itself catches what would not compile
    assert ts_errors(project, [("broken", nic.replace("{", "", 1))]) != []


def ts_errors(project: Path, snippets: list[tuple[str, str]]) -> list[str]:
    checked = subprocess.run(
        ["node", "-e", TS_CHECK, str(project)], input=json.dumps(snippets),
        capture_output=True, text=True, timeout=60, check=True,
    )
    errors: list[str] = json.loads(checked.stdout)
    return errors


@pytest.mark.slow
def test_maintcheck_fix_edits_a_classic_python_call_with_classic_names(tmp_path: Path) -> None:
    """A Python program on the classic provider (a stand-in pulumi_azure that registers what the
    real SDK registers): the scan's snippets are pulumi_azure calls, and `maintcheck fix` writes
    the classic snake_case argument into the user's call, proven by its rescan."""
    project = tmp_path / "classic_python"
    shutil.copytree(FIX / "programs" / "classic_python", project)
    findings = scan(project)
    nic = by_rule(findings, "MC201", "web-nic")["fixes"][0]
    assert nic["patch"][0] == {
        "op": "add", "path": "/ipConfigurations/0/privateIpAddressAllocation", "value": "Static"
    }
    assert "# Your call, with only the fixed arguments changed:" in nic["snippet"]
    assert "azure.network.NetworkInterface(" in nic["snippet"]
    assert "\"private_ip_address_allocation\": 'Static'" in nic["snippet"]
    zone = by_rule(findings, "MC101", "web-vm")["fixes"][0]
    assert "zone='1'," in zone["snippet"] and "replace_on_changes=[" not in zone["snippet"]
    for finding in findings:
        for fix in finding["fixes"]:
            compile(fix["snippet"], finding["rule"], "exec")
    proc = subprocess.run(
        [sys.executable, "-m", "checker", "fix", "."],
        cwd=project, capture_output=True, text=True, timeout=300, check=False,
    )
    assert "proven by a rescan under mocks: MC201 is gone from web-nic" in proc.stdout, proc.stdout
    source = (project / "__main__.py").read_text()
    assert '"private_ip_address_allocation": "Static",' in source
    assert "privateIPAllocationMethod" not in source and "private_ip_allocation_method" not in source
    assert "left (needs new resources): MC101 web-vm" in proc.stdout  # printed, never written


def test_classic_resources_of_a_typescript_program_get_pulumi_azure_typescript(node_modules: Path) -> None:
    """The whole pipeline (engine.scan) on a TypeScript program's document with classic
    resources: `@pulumi/azure` constructors and classic camelCase names, and it compiles."""
    from checker.config import Settings
    from checker.engine import scan as engine_scan
    from checker.inventory import Document, RawResource, SourcePosition

    arm = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network"

    def raw(token: str, name: str, line: int, inputs: dict[str, Any]) -> RawResource:
        return RawResource(
            urn=f"urn:pulumi:dev::p::{token}::{name}", type=token, inputs={"name": name, **inputs},
            source=SourcePosition("index.ts", line), id=f"{arm}/{token.split(':')[-1]}s/{name}",
        )

    nic = raw("azure:network/networkInterface:NetworkInterface", "nic", 3, {
        "location": "westeurope", "resourceGroupName": "rg",
        "ipConfigurations": [{"name": "internal", "privateIpAddressAllocation": "Dynamic",
                              "subnetId": "/subscriptions/s/resourceGroups/rg/providers/"
                                          "Microsoft.Network/virtualNetworks/v/subnets/default"}],
    })
    vm = raw("azure:compute/linuxVirtualMachine:LinuxVirtualMachine", "vm", 9, {
        "location": "westeurope", "resourceGroupName": "rg", "size": "Standard_D2s_v5",
        "networkInterfaceIds": [nic.id],
    })
    doc = Document("index.ts", "program", "p", "dev", (nic, vm), language="nodejs")
    result = engine_scan([doc], Settings(select=("MC101", "MC201")))
    by = {(f.rule_id, f.resource.name): f.fixes[0] for f in result.findings}
    nic_fix = by[("MC201", "nic")]
    assert nic_fix.snippet_language == "typescript"
    assert nic_fix.patch[0].path == "/ipConfigurations/0/privateIpAddressAllocation"
    assert 'import * as azure from "@pulumi/azure";' in nic_fix.snippet
    assert 'new azure.network.NetworkInterface("nic", {' in nic_fix.snippet
    assert 'privateIpAddressAllocation: "Static",' in nic_fix.snippet and "index.ts:3" in nic_fix.snippet
    vm_fix = by[("MC101", "vm")]
    assert 'new azure.compute.LinuxVirtualMachine("vm", {' in vm_fix.snippet
    assert 'zone: "1",' in vm_fix.snippet and "replaceOnChanges" not in vm_fix.snippet.split("\n\n//")[0]
    assert ts_errors(node_modules.parent, [("nic", nic_fix.snippet), ("vm", vm_fix.snippet)]) == []
