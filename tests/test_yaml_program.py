"""Pulumi YAML programs, read statically (checker/sources/yaml_program.py)."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.azure import types as t
from checker.cli import cli
from checker.errors import InputError
from checker.inventory import Inventory, SourcePosition
from checker.sources import load_path
from checker.sources.base import LoadOptions
from checker.values import SECRET

FIX = Path(__file__).parent / "fixtures" / "programs"
APP = FIX / "yaml_app"


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_yaml_program_findings_at_the_resource_key_lines(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["scan", str(APP), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    found = {(f["rule"], f["resource"]["name"], f["location"]["line"]) for f in report["findings"]}
    program = APP / "Pulumi.yaml"
    assert ("MC201", "web-nic-0", line_of(program, "  web-nic-0:")) in found
    assert ("MC102", "web-as", line_of(program, "  web-as:")) in found
    # the cloud-init script read with fn::readFile and encoded with fn::toBase64
    assert ("MC212", "web-0", line_of(program, "  web-0:")) in found
    assert {f["location"]["file"] for f in report["findings"]} == {f"{APP}/Pulumi.yaml"}
    assert "AAABAKeepMeSecretCipher" not in result.output
    assert any("`yaml-app:adminPassword` is encrypted" in w for w in report["warnings"])


def test_references_become_property_dependencies_and_values() -> None:
    [doc] = load_path(APP, LoadOptions(config=(("vmSize", "Standard_D4ds_v5"),)))
    assert doc.source_kind == "program" and doc.project == "yaml-app" and doc.stack == "dev"
    inv = Inventory.build([doc])
    [vm] = inv.of_kind(t.VM)
    [aset] = inv.of_kind(t.AVAILABILITY_SET)
    [nic] = inv.of_kind(t.NIC)
    assert vm.property_dependencies["availabilitySet"] == (aset.urn,)
    assert vm.property_dependencies["networkProfile"] == (nic.urn,)
    assert "urn:pulumi:dev::yaml-app::azure-native:network:VirtualNetwork::vnet" in vm.dependencies
    assert inv.members(aset) == (vm,)
    assert vm.get("hardwareProfile.vmSize") == "Standard_D4ds_v5"  # --config wins
    assert vm.get("osProfile.adminPassword") is SECRET
    assert vm.get("tags.owner") == "00000000-0000-0000-0000-000000000003"  # getClientConfig
    assert nic.get("ipConfigurations")[0]["subnet"]["id"].endswith("/virtualNetworks/vnet/subnets/default")
    assert inv.location(vm) == "westeurope"  # through its resource group
    assert vm.source == SourcePosition("Pulumi.yaml", line_of(APP / "Pulumi.yaml", "  web-0:"))


def test_main_yaml_functions_providers_and_unknown_outputs(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: split\nruntime: yaml\n")
    script = base64.b64encode(b"#!/bin/sh\necho hi\n").decode()
    (tmp_path / "Main.yaml").write_text(
        "resources:\n"
        "  east:\n"
        "    type: pulumi:providers:azure-native\n"
        "    properties:\n"
        "      location: eastus\n"
        "  vm:\n"
        "    type: azure-native:compute:VirtualMachine\n"
        "    properties:\n"
        "      resourceGroupName: rg\n"
        "      vmName:\n"
        "        fn::join: ['-', ['app', '${pulumi.stack}']]\n"
        "      zones:\n"
        "        - fn::select: [1, ['1', '2', '3']]\n"
        "      userData:\n"
        f"        fn::fromBase64: {script}\n"
        "      licenseType: ${other.computedOnly}\n"
        "    options:\n"
        "      provider: ${east}\n"
        "  other:\n"
        "    type: azure-native:compute:AvailabilitySet\n"
        "    properties:\n"
        "      resourceGroupName: rg\n"
    )
    [doc] = load_path(tmp_path, LoadOptions())
    inv = Inventory.build([doc])
    [vm] = inv.of_kind(t.VM)
    assert vm.get("vmName") == "app-dev" and vm.get("zones") == ["2"]
    assert vm.get("userData") == "#!/bin/sh\necho hi\n"
    assert not isinstance(vm.get("licenseType"), str)  # an output only Azure computes: unknown
    assert inv.location(vm) == "eastus"  # its explicit provider
    assert vm.source == SourcePosition("Main.yaml", 6)


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        (
            "resources:\n  vm:\n    type: azure-native:compute:VirtualMachine\n    properties:\n"
            "      vmName: ${nothere.name}\n",
            "Pulumi.yaml:7: `${nothere.name}`: no resource, variable or config key named `nothere`",
        ),
        ("resources:\n  vm:\n    properties: {}\n", "Pulumi.yaml:4: resource `vm` needs a `type:`"),
        (
            "resources:\n  a:\n    type: x:y:Z\n    properties:\n      p: ${b.id}\n"
            "  b:\n    type: x:y:Z\n    properties:\n      p: ${a.id}\n",
            "a cycle of references: a -> b -> a",
        ),
    ],
)
def test_bad_yaml_programs_exit_2_naming_the_line(
    runner: CliRunner, tmp_path: Path, program: str, expected: str
) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: bad\nruntime: yaml\n" + program)
    result = runner.invoke(cli, ["scan", str(tmp_path)])
    assert result.exit_code == 2
    assert expected in result.output
    with pytest.raises(InputError):
        load_path(tmp_path, LoadOptions())


def test_stacks_and_config_of_a_yaml_program(tmp_path: Path) -> None:
    project = tmp_path / "app"
    shutil.copytree(APP, project)
    (project / "Pulumi.prod.yaml").write_text("config:\n  yaml-app:vmSize: Standard_D8ds_v5\n")
    docs = load_path(project, LoadOptions(stacks=("prod", "dev")))
    sizes = {d.stack: Inventory.build([d]).of_kind(t.VM)[0].get("hardwareProfile.vmSize") for d in docs}
    assert sizes == {"prod": "Standard_D8ds_v5", "dev": "Standard_D2ds_v5"}


def test_inline_suppression_in_yaml(runner: CliRunner, tmp_path: Path) -> None:
    project = tmp_path / "app"
    shutil.copytree(APP, project)
    program = project / "Pulumi.yaml"
    program.write_text(
        program.read_text().replace(
            "  web-nic-0:\n", "  # maintcheck: ignore[MC201] the address is reserved in DHCP\n  web-nic-0:\n"
        )
    )
    result = runner.invoke(cli, ["scan", str(project), "--format", "json", "--fail-on", "never"])
    [finding] = [f for f in json.loads(result.output)["findings"] if f["rule"] == "MC201"]
    assert finding["suppressed"] == "the address is reserved in DHCP"
