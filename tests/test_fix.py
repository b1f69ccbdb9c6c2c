"""`maintcheck fix`: real CLI runs on small programs copied to tmp dirs, run under mocks.

Each test asserts on what a user sees: the edited source (formatting and comments kept), the
stack file, the diff, the verdict of the rescan, and the exit code.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"

pytestmark = pytest.mark.slow  # every test runs a program under mocks at least twice

HEAD = """\
import pulumi
import pulumi_azure_native as azure_native

config = pulumi.Config()
rg = azure_native.resources.ResourceGroup("rg", location="westeurope")
vnet = azure_native.network.VirtualNetwork(
    "vnet",
    resource_group_name=rg.name,
    address_space=azure_native.network.AddressSpaceArgs(address_prefixes=["10.0.0.0/16"]),
)
subnet = azure_native.network.Subnet(
    "subnet", resource_group_name=rg.name, virtual_network_name=vnet.name, address_prefix="10.0.1.0/24"
)
"""


VM = """\
azure_native.compute.VirtualMachine(
    "{name}",
    resource_group_name=rg.name,
    hardware_profile=azure_native.compute.HardwareProfileArgs(vm_size="Standard_D2s_v5"),
    network_profile=azure_native.compute.NetworkProfileArgs(
        network_interfaces=[azure_native.compute.NetworkInterfaceReferenceArgs(id={nic}.id)]
    ),{extra}
)
"""


def vm(name: str, nic: str, extra: str = "") -> str:
    return VM.format(name=name, nic=nic, extra=extra)


def project(tmp_path: Path, body: str, stack: str | None = None, pulumi_yaml: str = "") -> Path:
    (tmp_path / "Pulumi.yaml").write_text(f"name: fixme\nruntime: python\n{pulumi_yaml}")
    (tmp_path / "__main__.py").write_text(HEAD + body)
    if stack is not None:
        (tmp_path / "Pulumi.dev.yaml").write_text(textwrap.dedent(stack))
    return tmp_path


def fix(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "checker", "fix", ".", *args],
        cwd=cwd, capture_output=True, text=True, check=False, timeout=300,
    )


def scan_rules(cwd: Path, *args: str) -> set[tuple[str, str]]:
    proc = subprocess.run(
        [sys.executable, "-m", "checker", "scan", ".", *args, "--format", "json", "--fail-on", "never"],
        cwd=cwd, capture_output=True, text=True, check=False, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return {(f["rule"], f["resource"]["name"]) for f in json.loads(proc.stdout)["findings"]}


NIC_ARGS = """\
nic = azure_native.network.NetworkInterface(
    "db-nic",
    resource_group_name=rg.name,
    ip_configurations=[
        azure_native.network.NetworkInterfaceIPConfigurationArgs(
            name="ipconfig1",
            subnet=azure_native.network.SubnetArgs(id=subnet.id),  # the db subnet
            private_ip_allocation_method="Dynamic",  # TODO pin it
        )
    ],
    tags={"team": "db"},
)
"""


def test_literal_in_args_inside_a_list_is_fixed_in_place_and_proven(tmp_path: Path) -> None:
    proj = project(tmp_path, NIC_ARGS + vm("db-vm", "nic"))
    proc = fix(proj, "--select", "MC201")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (proj / "__main__.py").read_text()
    assert 'private_ip_allocation_method="Static",  # TODO pin it\n' in text
    assert '            private_ip_address="10.0.1.4",\n        )\n    ],\n' in text
    assert "id=subnet.id),  # the db subnet\n" in text
    assert 'tags={"team": "db"},' in text
    assert "fixed __main__.py (+2 -1)" in proc.stdout
    assert "proven by a rescan under mocks: MC201 is gone from db-nic" in proc.stdout
    assert ("MC201", "db-nic") not in scan_rules(proj)
    # Idempotent: a second run finds nothing to change.
    again = fix(proj, "--select", "MC201")
    assert again.returncode == 0, again.stdout
    assert "0 fixed" in again.stdout and "---" not in again.stdout
    assert (proj / "__main__.py").read_text() == text


def test_diff_prints_a_unified_diff_and_writes_nothing(tmp_path: Path) -> None:
    proj = project(tmp_path, NIC_ARGS + vm("db-vm", "nic"))
    before = (proj / "__main__.py").read_text()
    proc = fix(proj, "--select", "MC201", "--diff")
    assert proc.returncode == 1
    assert "--- a/__main__.py\n+++ b/__main__.py\n" in proc.stdout
    assert '-            private_ip_allocation_method="Dynamic",  # TODO pin it' in proc.stdout
    assert '+            private_ip_allocation_method="Static",  # TODO pin it' in proc.stdout
    assert '+            private_ip_address="10.0.1.4",' in proc.stdout
    assert "would fix: MC201 db-nic" in proc.stdout
    assert (proj / "__main__.py").read_text() == before


def test_without_paths_every_project_under_here_is_fixed_as_scan_finds_them(tmp_path: Path) -> None:
    (tmp_path / "infra").mkdir()
    proj = project(tmp_path / "infra", NIC_ARGS + vm("db-vm", "nic"))
    proc = subprocess.run(
        [sys.executable, "-m", "checker", "fix", "--select", "MC201", "--diff"],
        cwd=tmp_path, capture_output=True, text=True, check=False, timeout=300,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "+            private_ip_allocation_method=\"Static\",  # TODO pin it" in proc.stdout
    assert "would fix: MC201 db-nic" in proc.stdout
    assert (proj / "__main__.py").read_text() == HEAD + NIC_ARGS + vm("db-vm", "nic")


def test_config_file_is_read_as_scan_reads_it(tmp_path: Path) -> None:
    """fix judges with the config scan would use: --config-file too (here: MC201 ignored)."""
    (tmp_path / "infra").mkdir()
    proj = project(tmp_path / "infra", NIC_ARGS + vm("db-vm", "nic"))
    config = tmp_path / "ci.toml"
    config.write_text('ignore = ["MC201"]\n')
    proc = fix(proj, "--select", "MC201", "--diff", "--config-file", str(config))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "---" not in proc.stdout and "MC201" not in proc.stdout


def test_dict_inputs_get_a_missing_key_added(tmp_path: Path) -> None:
    body = """\
    nic = azure_native.network.NetworkInterface(
        "db-nic",
        resource_group_name=rg.name,
        ip_configurations=[{"name": "ipconfig1", "subnet": {"id": subnet.id}}],  # no allocation: Dynamic
    )
    """
    proj = project(tmp_path, textwrap.dedent(body) + vm("db-vm", "nic"))
    proc = fix(proj, "--select", "MC201")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (proj / "__main__.py").read_text()
    assert (
        'ip_configurations=[{"name": "ipconfig1", "subnet": {"id": subnet.id}, '
        '"private_ip_allocation_method": "Static", "private_ip_address": "10.0.1.4"}],'
        "  # no allocation: Dynamic"
    ) in text


STACK = """\
# dev: the cheap settings
config:
  fixme:alloc: Dynamic      # cheaper? no: the same price
  fixme:size: Standard_D2s_v5
"""

CONFIG_NIC = """\
alloc = config.get("alloc") or "Static"
nic = azure_native.network.NetworkInterface(
    "db-nic",
    resource_group_name=rg.name,
    ip_configurations=[
        azure_native.network.NetworkInterfaceIPConfigurationArgs(
            name="ipconfig1",
            subnet=azure_native.network.SubnetArgs(id=subnet.id),
            private_ip_allocation_method=alloc,
            private_ip_address="10.0.1.9" if alloc == "Static" else None,
        )
    ],
)
"""


def test_config_driven_value_is_fixed_in_the_stack_file_with_comments_kept(tmp_path: Path) -> None:
    proj = project(tmp_path, CONFIG_NIC + vm("db-vm", "nic"), STACK)
    program = (proj / "__main__.py").read_text()
    proc = fix(proj, "--stack", "dev", "--select", "MC201")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (proj / "__main__.py").read_text() == program  # the code is not touched
    assert (proj / "Pulumi.dev.yaml").read_text() == STACK.replace(
        "fixme:alloc: Dynamic      # cheaper", "fixme:alloc: Static       # cheaper"
    )
    assert "Pulumi.dev.yaml: fixme:alloc = 'Static' (stack dev had 'Dynamic')" in proc.stdout
    # The address is computed by the program; the rescan shows what it gives now.
    assert "privateIPAddress is left to the program; it now gives '10.0.1.9'" in proc.stdout


def test_config_default_only_is_edited_in_the_code(tmp_path: Path) -> None:
    body = CONFIG_NIC.replace('config.get("alloc") or "Static"', 'config.get("alloc", "Dynamic")')
    proj = project(tmp_path, body + vm("db-vm", "nic"), "config: {}\n")
    proc = fix(proj, "--stack", "dev", "--select", "MC201")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'alloc = config.get("alloc", "Static")\n' in (proj / "__main__.py").read_text()
    assert "only its default applies: edited the default" in proc.stdout
    assert (proj / "Pulumi.dev.yaml").read_text() == "config: {}\n"


def test_pulumi_yaml_default_gets_a_value_in_the_stack_file(tmp_path: Path) -> None:
    body = CONFIG_NIC.replace('config.get("alloc") or "Static"', 'config.require("alloc")')
    declared = "config:\n  alloc:\n    type: string\n    default: Dynamic\n"
    stack = "config:\n  fixme:size: Standard_D2s_v5  # keep\n"
    proj = project(tmp_path, body + vm("db-vm", "nic"), stack, declared)
    proc = fix(proj, "--stack", "dev", "--select", "MC201")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (proj / "Pulumi.dev.yaml").read_text() == stack + "  fixme:alloc: Static\n"
    assert "Pulumi.yaml's default 'Dynamic' applies to stack dev" in proc.stdout


AVSET = """\
aset = azure_native.compute.AvailabilitySet(
    "db-as",
    resource_group_name=rg.name,
    sku=azure_native.compute.SkuArgs(name="Aligned"),
    platform_update_domain_count=1,  # chosen in 2019
    platform_fault_domain_count=2,
)
for i in range(2):
    nic_i = azure_native.network.NetworkInterface(
        f"db-nic-{i}",
        resource_group_name=rg.name,
        ip_configurations=[
            azure_native.network.NetworkInterfaceIPConfigurationArgs(
                name="ipconfig1",
                subnet=azure_native.network.SubnetArgs(id=subnet.id),
                private_ip_allocation_method="Static",
                private_ip_address=f"10.0.1.{10 + i}",
            )
        ],
    )
"""


def test_a_fix_that_recreates_needs_unsafe_fixes_and_adds_replace_on_changes(tmp_path: Path) -> None:
    body = AVSET + textwrap.indent(
        vm("db-vm-{i}", "nic_i", "\n    availability_set=azure_native.compute.SubResourceArgs(id=aset.id),")
        .replace('"db-vm-{i}"', 'f"db-vm-{i}"'),
        "    ",
    )
    proj = project(tmp_path, body)
    before = (proj / "__main__.py").read_text()
    safe = fix(proj, "--select", "MC103")
    assert safe.returncode == 1
    assert "left (needs --unsafe-fixes): MC103 db-as" in safe.stdout
    assert (proj / "__main__.py").read_text() == before
    unsafe = fix(proj, "--select", "MC103", "--unsafe-fixes")
    assert unsafe.returncode == 0, unsafe.stdout + unsafe.stderr
    text = (proj / "__main__.py").read_text()
    # 5 update domains: the catalog proposes 5 whenever 5 meets max-unavailable
    assert "    platform_update_domain_count=5,  # chosen in 2019\n" in text
    assert (
        '    platform_fault_domain_count=2,\n'
        '    opts=pulumi.ResourceOptions(replace_on_changes=["platformUpdateDomainCount"], '
        "delete_before_replace=True),\n)\n"
    ) in text
    assert ("MC103", "db-as") not in scan_rules(proj)


def test_a_helper_building_resources_that_need_different_values_is_left_with_the_snippet(
    tmp_path: Path,
) -> None:
    body = """\
    def make_nic(name):
        return azure_native.network.NetworkInterface(
            name,
            resource_group_name=rg.name,
            ip_configurations=[
                azure_native.network.NetworkInterfaceIPConfigurationArgs(
                    name="ipconfig1",
                    subnet=azure_native.network.SubnetArgs(id=subnet.id),
                    private_ip_allocation_method="Dynamic",
                )
            ],
        )


    a = make_nic("a-nic")
    b = make_nic("b-nic")
    """
    proj = project(tmp_path, textwrap.dedent(body) + vm("a-vm", "a") + vm("b-vm", "b"))
    before = (proj / "__main__.py").read_text()
    proc = fix(proj, "--select", "MC201")
    assert proc.returncode == 1
    assert "is shared by resources that need different values" in proc.stdout
    assert '"10.0.1.4"' in proc.stdout and '"10.0.1.5"' in proc.stdout
    assert "azure_native.network.NetworkInterfaceIPConfigurationArgs(" in proc.stdout  # the snippet
    assert (proj / "__main__.py").read_text() == before


def test_a_value_the_program_computes_is_not_edited(tmp_path: Path) -> None:
    body = NIC_ARGS.replace('"Dynamic",  # TODO pin it', 'f"{\'Dyn\'}amic",')
    proj = project(tmp_path, body + vm("db-vm", "nic"))
    before = (proj / "__main__.py").read_text()
    proc = fix(proj, "--select", "MC201")
    assert proc.returncode == 1
    assert "the value is computed by the program" in proc.stdout
    assert (proj / "__main__.py").read_text() == before


def test_a_stack_export_is_not_edited_and_gets_the_snippet(tmp_path: Path) -> None:
    from tests.builders import StackBuilder

    s = StackBuilder("dev", config={"azure-native:location": "westeurope"})
    config = {"name": "ipconfig1", "privateIPAllocationMethod": "Dynamic"}
    nic = s.add("azure-native:network:NetworkInterface", "db-nic",
                {"resourceGroupName": "rg", "ipConfigurations": [config]}, line=3)
    s.add("azure-native:compute:VirtualMachine", "db-vm",
          {"resourceGroupName": "rg", "networkProfile": {"networkInterfaces": [{"id": nic.id}]}})
    export = s.write(tmp_path / "export.json")
    before = export.read_text()
    proc = subprocess.run(
        [sys.executable, "-m", "checker", "fix", str(export), "--select", "MC201"],
        capture_output=True, text=True, check=False, timeout=120, cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    assert "left (by hand): MC201 db-nic (stack dev)" in proc.stdout
    assert "only Python programs are edited; apply the snippet by hand" in proc.stdout
    assert "private_ip_allocation_method=\"Static\"" in proc.stdout  # the snippet
    assert "0 fixed" in proc.stdout
    assert export.read_text() == before


def test_bad_input_exits_2_with_a_message(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "checker", "fix", str(tmp_path / "nope")],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert proc.returncode == 2
    assert "no such file or directory" in proc.stderr and "Traceback" not in proc.stderr


def test_reference_dev_stack_is_fixed_in_its_stack_file_then_unsafely(tmp_path: Path) -> None:
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks")
    program = (tmp_path / "__main__.py").read_text()
    stack_before = (tmp_path / "stacks" / "Pulumi.dev.yaml").read_text()

    safe = fix(tmp_path, "--stack", "dev")
    assert safe.returncode == 1  # MC101/MC301 need new resources; others need --unsafe-fixes
    assert (tmp_path / "__main__.py").read_text() == program
    stack_after = (tmp_path / "stacks" / "Pulumi.dev.yaml").read_text()
    assert stack_after == stack_before.replace(
        "privateIpAllocation: Dynamic   # MC201", "privateIpAllocation: Static    # MC201"
    )
    assert not any(rule == "MC201" for rule, _ in scan_rules(tmp_path, "--stack", "dev"))

    unsafe = fix(tmp_path, "--stack", "dev", "--unsafe-fixes")
    assert unsafe.returncode == 1
    left = scan_rules(tmp_path, "--stack", "dev")
    assert {rule for rule, _ in left} == {"MC101", "MC301"}  # both need new resources
    config = yaml.safe_load((tmp_path / "stacks" / "Pulumi.dev.yaml").read_text())["config"]
    assert config["maintcheck-reference:appUpdateDomains"] == 5  # 5 when 5 meets the bound
    stack_text = (tmp_path / "stacks" / "Pulumi.dev.yaml").read_text()
    assert "appUpdateDomains: 5      # MC103: both app VMs in one update domain" in stack_text
    text = (tmp_path / "__main__.py").read_text()
    assert 'replace_on_changes=["platformUpdateDomainCount"]' in text
    # The app VMs are recreated with their set, and every VM with its managed OS disk.
    assert (
        'opts=pulumi.ResourceOptions(replace_on_changes=["availabilitySet", '
        '"storageProfile.osDisk.diffDiskSettings"], delete_before_replace=True),'
    ) in text
    # The production stacks, scanned together, stay clean after the edits.
    assert scan_rules(tmp_path, "--stack", "prod-eastus", "--stack", "prod-westus") == set()
    # And a second run changes nothing.
    again = fix(tmp_path, "--stack", "dev", "--unsafe-fixes")
    assert (tmp_path / "__main__.py").read_text() == text
    assert "0 fixed" in again.stdout


def test_an_edit_that_makes_another_rule_fire_is_dropped(tmp_path: Path) -> None:
    body = CONFIG_NIC + vm("db-vm", "nic") + textwrap.dedent("""\
        for i in range(2):
            azure_native.compute.VirtualMachine(
                f"web-{i}",
                resource_group_name=rg.name,
                zones=[str(i + 1)] if alloc == "Dynamic" else None,  # zones only on the cheap setting
                tags={"workload": "web"},
            )
        """)
    proj = project(tmp_path, body, STACK)
    proc = fix(proj, "--stack", "dev", "--select", "MC201")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "left (not fixed): MC201 db-nic (stack dev)" in proc.stdout
    assert re.search(r"the edit made MC101 fire on 'web-[01]'", proc.stdout)
    assert (proj / "Pulumi.dev.yaml").read_text() == STACK


def test_an_edited_program_that_crashes_is_reported_without_its_secrets(tmp_path: Path) -> None:
    """The reason for leaving the edits unwritten quotes the program's error masked."""
    body = CONFIG_NIC.replace(
        'alloc = config.get("alloc") or "Static"\n',
        'alloc = config.get("alloc") or "Static"\n'
        'if alloc == "Static":\n'
        '    raise ValueError("password=Hunter2Secret9 is not accepted with Static")\n',
    )
    proj = project(tmp_path, body + vm("db-vm", "nic"), STACK)
    before = (proj / "Pulumi.dev.yaml").read_text()
    proc = fix(proj, "--stack", "dev", "--select", "MC201")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "the edited program failed to run" in proc.stdout
    assert "Hunter2Secret9" not in proc.stdout + proc.stderr
    assert (proj / "Pulumi.dev.yaml").read_text() == before
