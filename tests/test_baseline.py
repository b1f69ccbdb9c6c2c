"""Baselines: fingerprints, writing and reading baseline files, and round trips through the CLI."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from checker.baseline import fingerprint, subject
from checker.cli import cli
from checker.config import Settings
from checker.engine import run_rules
from checker.model import Finding, Fix, PatchOp
from tests.builders import StackBuilder, inventory

VM = "azure-native:compute:VirtualMachine"
AS = "azure-native:compute:AvailabilitySet"


def _findings(stack: StackBuilder) -> list[Finding]:
    findings, _ = run_rules(inventory(stack), Settings(select=("MC101",)))
    return findings


def _lonely(stack: str = "dev", line: int | None = 10, extra: int = 0) -> StackBuilder:
    s = StackBuilder(stack, config={"azure-native:location": "eastus"})
    for i in range(extra):
        s.add(AS, f"other-{i}", {"resourceGroupName": "rg"}, line=3 + i)
    s.add(VM, "lonely", {"resourceGroupName": "rg"}, line=line)
    return s


def test_fingerprint_ignores_stack_name_and_source_lines() -> None:
    (a,) = _findings(_lonely("prod-eastus", line=10))
    (b,) = _findings(_lonely("prod-westus", line=42, extra=3))
    assert a.resource.stack != b.resource.stack
    assert a.resource.source != b.resource.source
    assert fingerprint(a) == fingerprint(b)
    assert len(fingerprint(a)) == 32


def test_fingerprint_differs_by_rule_project_and_resource() -> None:
    (base,) = _findings(_lonely())
    renamed = StackBuilder("dev", config={"azure-native:location": "eastus"})
    renamed.add(VM, "other", {"resourceGroupName": "rg"})
    other_project = StackBuilder("dev", project="billing")
    other_project.add(VM, "lonely", {"resourceGroupName": "rg"})
    prints = {
        fingerprint(base),
        fingerprint(_findings(renamed)[0]),
        fingerprint(_findings(other_project)[0]),
        fingerprint(dataclasses.replace(base, rule_id="MC102")),
    }
    assert len(prints) == 4


def _on_ip_config(base: Finding, index: int, with_address: bool) -> Finding:
    ops = [PatchOp("replace", f"/ipConfigurations/{index}/privateIPAllocationMethod", "Static")]
    if with_address:
        ops.append(PatchOp("add", f"/ipConfigurations/{index}/privateIPAddress", "10.0.0.4"))
    fix = Fix("Static", tuple(ops), "snippet", replacement=False)
    return dataclasses.replace(base, rule_id="MC201", fixes=(fix,))


def test_fingerprint_tells_findings_on_one_resource_apart_by_subject() -> None:
    (base,) = _findings(_lonely())
    first = _on_ip_config(base, 0, with_address=True)
    second = _on_ip_config(base, 1, with_address=True)
    assert subject(first) == "/ipConfigurations/0"
    assert fingerprint(first) != fingerprint(second)
    # A fix that drops an optional property (no address known) keeps the same identity.
    assert fingerprint(_on_ip_config(base, 0, with_address=False)) == fingerprint(first)


def _inline_nic(base: Finding, index: int, has_refs: bool) -> Finding:
    """The shape of MC201's fix for a NIC declared inline in a VM's networkProfile."""
    add = PatchOp("add", "/networkProfile/networkInterfaces/-", {"id": "<nic.id>"}) if has_refs \
        else PatchOp("add", "/networkProfile/networkInterfaces", [{"id": "<nic.id>"}])
    remove = PatchOp("remove", f"/networkProfile/networkInterfaceConfigurations/{index}")
    fix = Fix("Declare the NIC", (remove, add), "snippet", replacement=False)
    return dataclasses.replace(base, rule_id="MC201", fixes=(fix,))


def test_fingerprint_tells_removed_parts_apart() -> None:
    (base,) = _findings(_lonely())
    first, second = _inline_nic(base, 0, False), _inline_nic(base, 1, False)
    assert subject(first) == "/networkProfile|/networkProfile/networkInterfaceConfigurations/0"
    assert fingerprint(first) != fingerprint(second)
    assert fingerprint(_inline_nic(base, 0, True)) == fingerprint(first)


def test_subject_of_alternative_top_level_fixes_is_the_resource() -> None:
    (finding,) = _findings(_lonely())
    assert {op.path for fix in finding.fixes for op in fix.patch} == {
        "/availabilitySet", "/virtualMachineScaleSet", "/zones"
    }
    assert subject(finding) == ""


# -- baseline files through the CLI ----------------------------------------------------------


def _scan(runner: CliRunner, *args: str) -> Result:
    """``maintcheck scan`` of MC101 only, so other rules do not change what these tests see."""
    return runner.invoke(cli, ["scan", "--select", "MC101", *args])


def _export(tmp_path: Path, name: str, stack: StackBuilder) -> str:
    return str(stack.write(tmp_path / name))


def _two_vms(stack: str, shift: int = 0, extra: tuple[str, ...] = ()) -> StackBuilder:
    s = StackBuilder(stack, config={"azure-native:location": "eastus"})
    for i in range(shift):
        s.add(AS, f"moved-{i}", {"resourceGroupName": "rg"}, line=2 + i)
    for i, name in enumerate(("web", "db", *extra)):
        s.add(VM, name, {"resourceGroupName": "rg"}, line=10 + shift + i * 5)
    return s


def test_write_baseline_then_scan_another_stack_reports_only_new(
    runner: CliRunner, tmp_path: Path
) -> None:
    baseline = tmp_path / "maintcheck-baseline.json"
    east = _export(tmp_path, "east.json", _two_vms("prod-eastus"))
    written = _scan(runner, east, "--write-baseline", str(baseline))
    assert written.exit_code == 0, written.output
    assert "wrote 2 baseline entries" in written.stderr
    doc = json.loads(baseline.read_text())
    assert doc["version"] == 1
    assert [(e["rule"], e["resource"]) for e in doc["findings"]] == [("MC101", "db"), ("MC101", "web")]
    assert all(set(e) >= {"fingerprint", "rule", "resource", "message"} for e in doc["findings"])

    # Another stack, lines moved by unrelated resources: nothing new.
    west = _export(tmp_path, "west.json", _two_vms("prod-westus", shift=3))
    same = _scan(runner, west, "--baseline", str(baseline), "--format", "json")
    assert same.exit_code == 0, same.output
    report = json.loads(same.stdout)
    assert report["findings"] == []
    assert f"2 findings matched the baseline {baseline} and are not reported." in report["warnings"]

    # A new single-instance VM is reported, and only it.
    grown = _export(tmp_path, "grown.json", _two_vms("prod-westus", shift=1, extra=("cache",)))
    new = _scan(runner, grown, "--baseline", str(baseline), "--format", "json")
    assert new.exit_code == 1
    assert [f["resource"]["name"] for f in json.loads(new.stdout)["findings"]] == ["cache"]


def test_baseline_reports_fixed_entries(runner: CliRunner, tmp_path: Path) -> None:
    baseline = tmp_path / "b.json"
    _scan(runner, _export(tmp_path, "a.json", _two_vms("dev")), "--write-baseline", str(baseline))
    fixed = StackBuilder("dev", config={"azure-native:location": "eastus"})
    fixed.add(VM, "web", {"resourceGroupName": "rg"})
    result = _scan(runner, _export(tmp_path, "f.json", fixed), "--baseline", str(baseline))
    assert result.exit_code == 0
    assert "1 finding matched the baseline" in result.output
    assert f"1 baseline entry in {baseline} matched no finding" in result.output


def test_written_baseline_is_deterministic_and_skips_suppressed(
    runner: CliRunner, tmp_path: Path
) -> None:
    s = _two_vms("dev")
    s.records[-1]["inputs"]["tags"] = {"maintcheck-ignore": "MC101: replica of web"}
    export = _export(tmp_path, "a.json", s)
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    for path in (first, second):
        assert _scan(runner, export, "--write-baseline", str(path)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    assert [e["resource"] for e in json.loads(first.read_text())["findings"]] == ["web"]
    # The suppressed finding stays suppressed (and counted) when the baseline is applied.
    result = _scan(runner, export, "--baseline", str(first), "--format", "json")
    report = json.loads(result.stdout)
    assert [(f["resource"]["name"], f["suppressed"]) for f in report["findings"]] == [
        ("db", "replica of web")
    ]
    assert report["summary"]["suppressed"] == 1
    assert result.exit_code == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON at line 1, column 2"),
        ('{"version": 7, "findings": []}', "invalid baseline at $.version: version 7 is not supported"),
        ('{"findings": []}', "invalid baseline at $: 'version' is a required property"),
        ('[1, 2]', "invalid baseline at $: expected an object"),
        ('{"version": 1, "findings": {}}', "invalid baseline at $.findings: expected a list"),
        ('{"version": 1, "findings": [{"fingerprint": "' + "a" * 32 + '"}, {"rule": "MC101"}]}',
         "invalid baseline at $.findings[1].fingerprint: expected 32 lower-case hex digits"),
    ],
)
def test_bad_baseline_file_exits_2_naming_file_and_path(
    runner: CliRunner, tmp_path: Path, content: str, expected: str
) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(content)
    export = _export(tmp_path, "a.json", _two_vms("dev"))
    result = _scan(runner, export, "--baseline", str(baseline))
    assert result.exit_code == 2
    assert f"maintcheck: error: {baseline}: {expected}" in result.stderr
    assert "--write-baseline" in result.stderr
    assert "Traceback" not in result.output


def test_missing_baseline_and_both_options(runner: CliRunner, tmp_path: Path) -> None:
    export = _export(tmp_path, "a.json", _two_vms("dev"))
    missing = _scan(runner, export, "--baseline", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2
    assert "nope.json: no such baseline file; write a new one with" in missing.stderr
    both = _scan(runner, export, "--baseline", "a", "--write-baseline", "b")
    assert both.exit_code == 2
    assert "either --baseline or --write-baseline" in both.stderr


def test_unwritable_baseline_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    export = _export(tmp_path, "a.json", _two_vms("dev"))
    target = tmp_path / "no-such-dir" / "b.json"
    result = _scan(runner, export, "--write-baseline", str(target))
    assert result.exit_code == 2
    assert f"{target}: cannot write the baseline" in result.stderr
