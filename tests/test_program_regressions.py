"""Programs shaped like public Pulumi programs, run through the real CLI under mocks.

Each fixture under tests/fixtures/programs/ reproduces a way a scan once went wrong on a program
nobody on the team wrote (a silent all-clear, a crash on an invoke, a false alarm); the tests
assert the findings an expert expects, not just the absence of a crash.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from checker.cli import cli

FIX = Path(__file__).parent / "fixtures" / "programs"

Report = dict[str, Any]


def scan(*args: str, code: int = 1) -> Report:
    result = CliRunner().invoke(cli, ["scan", *args, "--format", "json"])
    assert result.exit_code == code, result.output
    report: Report = json.loads(result.stdout)
    return report


def found(report: Report, rule: str | None = None) -> list[tuple[str, str, str]]:
    """(rule, stack, resource name) of every finding, sorted."""
    return sorted(
        (f["rule"], f["resource"]["stack"], f["resource"]["name"])
        for f in report["findings"]
        if rule in (None, f["rule"])
    )


def message(report: Report, rule: str, name: str) -> str:
    return next(
        str(f["message"]) for f in report["findings"] if (f["rule"], f["resource"]["name"]) == (rule, name)
    )


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.fixture(scope="module")
def cached() -> Callable[..., Report]:
    """Each program runs once per module, whatever the number of tests reading its report."""
    reports: dict[tuple[str, ...], Report] = {}

    def get(*args: str) -> Report:
        if args not in reports:
            reports[args] = scan(*args)
        return reports[args]

    return get


# -- an existing resource group, looked up -------------------------------------------------


def test_a_looked_up_group_does_not_crash_and_the_vm_is_judged(cached: Callable[..., Report]) -> None:
    report = cached(str(FIX / "existing_group"))
    assert found(report) == [("MC101", "dev", "app"), ("MC301", "dev", "app")]
    # The group's location is not known offline: the VM's region comes from the provider.
    assert "westeurope" in message(report, "MC301", "app")


def test_a_looked_up_group_gives_its_name_and_id_never_a_location() -> None:
    from checker.sources import load_path
    from checker.sources.base import LoadOptions

    [doc] = load_path(FIX / "existing_group", LoadOptions())
    vm = next(r for r in doc.resources if r.urn.endswith("::app"))
    assert vm.inputs["resourceGroupName"] == "shared-rg"
    assert "location" not in vm.inputs
    nic = next(r for r in doc.resources if r.urn.endswith("::app-nic"))
    subnet_id = nic.inputs["ipConfigurations"][0]["subnet"]["id"]
    assert subnet_id.endswith(
        "/resourceGroups/shared-rg/providers/Microsoft.Network/virtualNetworks/shared-vnet/subnets/default"
    )


# -- a stack reference ---------------------------------------------------------------------


def test_stack_reference_outputs_are_unknown_and_the_rest_is_judged(
    cached: Callable[..., Report],
) -> None:
    report = cached(str(FIX / "stack_reference"))
    # 'cache' and 'batch' (in the other stack's group) have no set: reported. 'worker' is in a
    # set of the other stack: not judged.
    assert found(report, "MC101") == [("MC101", "dev", "batch"), ("MC101", "dev", "cache")]
    assert any("could not judge 'worker'" in w and "unknown" in w for w in report["warnings"])
    assert not report["summary"]["incomplete"]
    assert not any("apply" in w for w in report["warnings"])
    assert report["summary"]["resources"] == 6  # rg, the reference, cache-nic, cache, worker, batch


# -- components: a VM chain in flight while another component's callback fails --------------


@pytest.fixture(scope="module")
def components() -> Report:
    return scan(str(FIX / "components"))


def test_a_failing_callback_never_costs_the_vm_chain(components: Report) -> None:
    vm_file = FIX / "components" / "vm_component.py"
    assert found(components, "MC101") == [("MC101", "dev", "app-vm")]
    [mc101] = [f for f in components["findings"] if f["rule"] == "MC101"]
    assert mc101["location"]["line"] == line_of(vm_file, "compute.VirtualMachine(")
    # rg, two components, vnet, NIC, VM and the storage account: nothing lost.
    assert components["summary"]["resources"] == 7


def test_the_subnet_id_read_from_the_vnet_outputs_reaches_the_nic(components: Report) -> None:
    # vnet.subnets.apply(lambda s: s[0].id): the id Azure gives an inline subnet.
    assert "10.0.1.4 from subnet 'default'" in json.dumps(components["findings"])


def test_a_value_azure_computes_is_unknown_and_a_raising_callback_is_one_warning(
    components: Report,
) -> None:
    site = FIX / "components" / "site_component.py"
    callbacks = [w for w in components["warnings"] if "`apply` callback" in w]
    # primary_endpoints is computed by Azure: unknown, so its callback never runs. The sku's
    # tier (inside an object the program set) is None under mocks: one warning at its line.
    assert len(callbacks) == 1
    assert "AttributeError" in callbacks[0]
    assert f"site_component.py:{line_of(site, 'sku.tier.lower()')}" in callbacks[0]
    assert "taken as unknown" in callbacks[0]
    assert components["summary"]["incomplete"]


# -- replica groups: zone loops, index loops, one helper ---------------------------------------


def test_zone_spread_replicas_are_one_protected_workload(cached: Callable[..., Report]) -> None:
    report = cached(str(FIX / "zones"), "--stack", "eastus")
    # web-1..3 in zones 1..3: protected. worker1/worker2 and db: no set, no zones.
    assert found(report, "MC101") == [
        ("MC101", "eastus", "db"),
        ("MC101", "eastus", "worker1"),
        ("MC101", "eastus", "worker2"),
    ]
    worker = message(report, "MC101", "worker1")
    assert "workload 'worker' (grouped by name: worker1, worker2;" in worker
    assert "'workload' tag" in worker
    # db is built by the same helper line as the web VMs, and is not protected by them.
    assert "is a single instance" in message(report, "MC101", "db")
    assert found(report, "MC301") == [
        ("MC301", "eastus", "db"),
        ("MC301", "eastus", "web-1"),
        ("MC301", "eastus", "worker1"),
    ]
    assert "grouped by name: web-1, web-2, web-3" in message(report, "MC301", "web-1")


def test_two_stacks_of_one_program_are_one_workload_in_two_regions(
    cached: Callable[..., Report],
) -> None:
    report = cached(str(FIX / "zones"), "--stack", "eastus", "--stack", "westeurope")
    assert found(report, "MC301") == []
    assert found(report, "MC302") == [
        ("MC302", "eastus", "db"),
        ("MC302", "eastus", "web-1"),
        ("MC302", "eastus", "worker1"),
    ]
    web = message(report, "MC302", "web-1")
    assert "eastus (3 VMs in stack eastus) and westeurope (3 VMs in stack westeurope)" in web
    assert not [f for f in found(report, "MC101") if f[2].startswith("web")]


# -- duplicate URNs ------------------------------------------------------------------------


def test_duplicate_urns_exit_2_naming_the_urn_and_both_lines() -> None:
    main = FIX / "duplicate_urns" / "__main__.py"
    proc = subprocess.run(
        [sys.executable, "-c", "from checker.cli import main; main()", "scan", "duplicate_urns"],
        cwd=FIX, capture_output=True, text=True, check=False, timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("maintcheck: error: duplicate_urns (stack dev): ")
    assert "urn:pulumi:dev::duplicate-urns::azure-native:compute:VirtualMachine::app" in proc.stderr
    lines = [line_of(main, 'VirtualMachine("app", resource_group_name=rg.name)'),
             line_of(main, 'zones=["2"]')]
    assert f"duplicate_urns/__main__.py:{lines[0]} and duplicate_urns/__main__.py:{lines[1]}" in proc.stderr


def test_every_front_door_groups_replicas_the_same_way(tmp_path: Path) -> None:
    from tests.builders import StackBuilder

    stack = StackBuilder("eastus")
    vm = "azure-native:compute:VirtualMachine"
    for zone in ("1", "2", "3"):
        stack.add(vm, f"web-{zone}", {"zones": [zone], "location": "eastus"})
    for i in (1, 2):
        stack.add(vm, f"worker{i}", {"location": "eastus"})
    reports = [
        scan(str(stack.write(tmp_path / f"{kind}.json", kind)), "--stack", "eastus")
        for kind in ("export", "preview")
    ]
    export, preview = ([(f["rule"], f["resource"]["name"], f["message"]) for f in r["findings"]]
                       for r in reports)
    assert export == preview
    assert sorted((rule, name) for rule, name, _ in export if rule == "MC101") == [
        ("MC101", "worker1"), ("MC101", "worker2")
    ]


def test_a_lone_vm_beside_zonal_replicas_is_not_called_zonal(tmp_path: Path) -> None:
    from tests.builders import StackBuilder

    stack = StackBuilder("dev")
    vm = "azure-native:compute:VirtualMachine"
    stack.add(vm, "vm-1", {"location": "eastus"})
    stack.add(vm, "vm-2", {"location": "eastus", "zones": ["2"]})
    report = scan(str(stack.write(tmp_path / "export.json")), "--select", "MC101")
    assert message(report, "MC101", "vm-1").startswith(
        "VM 'vm-1' is in no availability set, scale set or zone, and the zonal VMs of workload "
        "'vm' (grouped by name: vm-1, vm-2;"
    )
    assert message(report, "MC101", "vm-2").startswith("VM 'vm-2' is zonal but every VM of workload")
