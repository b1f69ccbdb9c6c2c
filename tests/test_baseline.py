"""Baselines: fingerprints, writing and reading baseline files, and round trips through the CLI."""

from __future__ import annotations

import dataclasses

from checker.baseline import fingerprint, subject
from checker.config import Settings
from checker.engine import run_rules
from checker.rules.base import Finding, Fix, PatchOp
from tests.builders import StackBuilder, inventory

VM = "azure-native:compute:VirtualMachine"
AS = "azure-native:compute:AvailabilitySet"


def _findings(stack: StackBuilder) -> list[Finding]:
    findings, _ = run_rules(inventory(stack), Settings())
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


def test_subject_of_alternative_top_level_fixes_is_the_resource() -> None:
    (finding,) = _findings(_lonely())
    assert {op.path for fix in finding.fixes for op in fix.patch} == {
        "/availabilitySet", "/virtualMachineScaleSet", "/zones"
    }
    assert subject(finding) == ""
