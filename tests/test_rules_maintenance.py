"""MC401 sensitive-without-maintenance-control and MC402 sensitive-without-scheduled-events:
every way a maintenance configuration reaches a VM, and the Scheduled Events opt-ins."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from typing import Any

import pytest

from checker.config import Settings
from checker.engine import run_rules
from checker.model import Finding, RuleOptions, Skipped
from checker.rules import RULES_BY_ID
from checker.rules.support import maintenance as m
from tests.builders import SUB, Ref, StackBuilder, inventory
from tests.test_snippets import RUNNER

P = "azure-native:"
VM, VMSS = P + "compute:VirtualMachine", P + "compute:VirtualMachineScaleSet"
HOST, HOST_GROUP = P + "compute:DedicatedHost", P + "compute:DedicatedHostGroup"
CONFIG = P + "maintenance:MaintenanceConfiguration"
ASSIGN = P + "maintenance:ConfigurationAssignment"
PARENT = P + "maintenance:ConfigurationAssignmentParent"
FOR_RG = P + "maintenance:ConfigurationAssignmentsForResourceGroup"
FOR_SUB = P + "maintenance:ConfigurationAssignmentsForSubscription"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
ISOLATED, ORDINARY = "Standard_E104i_v5", "Standard_D4s_v5"
MC401, MC402 = RULES_BY_ID["MC401"], RULES_BY_ID["MC402"]
RG_PATH = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute"


def stack() -> StackBuilder:
    return StackBuilder("prod", config={"azure-native:location": "eastus"})


def vm(s: StackBuilder, name: str = "db-0", size: Any = ISOLATED, **inputs: Any) -> Ref:
    deps = inputs.pop("deps", None)
    props = {"resourceGroupName": "rg", "hardwareProfile": {"vmSize": size}, **inputs}
    return s.add(VM, name, props, deps=deps)


def config(s: StackBuilder, scope: str = "Host", name: str = "mc") -> Ref:
    return s.add(CONFIG, name, {"resourceGroupName": "rg", "maintenanceScope": scope,
                                "location": "eastus"})


def assign(s: StackBuilder, kind: str, cfg: Ref | str, name: str = "assign",
           deps: dict[str, list[Ref]] | None = None, **inputs: Any) -> Ref:
    cfg_id = cfg if isinstance(cfg, str) else cfg.id
    all_deps = dict(deps or {})
    if isinstance(cfg, Ref):
        all_deps["maintenanceConfigurationId"] = [cfg]
    return s.add(kind, name, {"maintenanceConfigurationId": cfg_id, **inputs}, deps=all_deps)


def scan(*stacks: StackBuilder, options: RuleOptions | None = None) -> tuple[list[Finding], list[Skipped]]:
    settings = Settings(options=options or RuleOptions())
    return run_rules(inventory(*stacks), settings, [MC401, MC402])


def mc401(*stacks: StackBuilder) -> tuple[list[str], list[str]]:
    findings, skipped = scan(*stacks)
    return (
        [f.resource.name for f in findings if f.rule_id == "MC401"],
        [s.resource.name for s in skipped if s.rule_id == "MC401"],
    )


def by_name(vm_name: str) -> dict[str, Any]:
    return {"providerName": "Microsoft.Compute", "resourceType": "virtualMachines",
            "resourceName": vm_name, "resourceGroupName": "rg"}


# -- MC401: which VMs it judges --------------------------------------------------------------


def test_mc401_fires_on_an_isolated_vm_without_configuration() -> None:
    s = stack()
    vm(s)
    findings, _ = scan(s)
    (finding,) = [f for f in findings if f.rule_id == "MC401"]
    assert finding.severity.name == "WARNING"
    assert "its size Standard_E104i_v5 is isolated" in finding.message
    assert "no Host-scope maintenance configuration is assigned to it:" in finding.message
    (fix,) = finding.fixes
    assert fix.new_resources and not fix.replacement and fix.patch == ()
    assert 'maintenance_scope="Host"' in fix.snippet
    assert "azure_native.maintenance.ConfigurationAssignment(" in fix.snippet
    assert "resource_name_='db-0'" in fix.snippet


def test_mc401_near_miss_ordinary_size_off_any_host() -> None:
    s = stack()
    vm(s, size=ORDINARY)
    assert mc401(s) == ([], [])


def test_mc401_unknown_size_is_skipped() -> None:
    s = stack()
    vm(s, size=UNKNOWN)
    assert mc401(s) == ([], ["db-0"])


# -- MC401: ConfigurationAssignment ----------------------------------------------------------


def test_mc401_assignment_by_resource_id() -> None:
    s = stack()
    target = vm(s)
    vm(s, "db-1")
    assign(s, ASSIGN, config(s), resourceId=target.id)
    assert mc401(s) == (["db-1"], [])


def test_mc401_assignment_by_provider_type_and_name() -> None:
    s = stack()
    vm(s)
    vm(s, "db-1", vmName="db-one")
    assign(s, ASSIGN, config(s), **by_name("DB-0"))
    assign(s, ASSIGN, config(s, name="mc2"), name="assign-1", **by_name("db-one"))
    assert mc401(s) == ([], [])


@pytest.mark.parametrize(
    "change",
    [
        {"resourceName": "db-9"},
        {"resourceGroupName": "other-rg"},
        {"resourceType": "virtualMachineScaleSets"},
    ],
)
def test_mc401_assignment_by_name_to_another_target_does_not_count(change: dict[str, str]) -> None:
    s = stack()
    vm(s)
    assign(s, ASSIGN, config(s), **{**by_name("db-0"), **change})
    assert mc401(s) == (["db-0"], [])


def test_mc401_assignment_by_property_dependency() -> None:
    s = stack()
    target = vm(s)
    other = vm(s, "db-1")
    cfg = config(s)
    assign(s, ASSIGN, cfg, **{**by_name(UNKNOWN), "resourceId": UNKNOWN},
           deps={"resourceName": [target], "resourceId": [target]})
    assign(s, ASSIGN, cfg, name="assign-other", **{**by_name(UNKNOWN), "resourceId": UNKNOWN},
           deps={"resourceName": [other], "resourceId": [other]})
    vm(s, "db-2")
    assert mc401(s) == (["db-2"], [])


def test_mc401_assignment_with_unknown_target_is_skipped() -> None:
    s = stack()
    vm(s)
    assign(s, ASSIGN, config(s), **by_name(UNKNOWN))
    assert mc401(s) == ([], ["db-0"])


def test_mc401_other_scopes_do_not_count_and_are_named() -> None:
    s = stack()
    target = vm(s)
    assign(s, ASSIGN, config(s, scope="InGuestPatch", name="patching"), resourceId=target.id)
    findings, _ = scan(s)
    (finding,) = [f for f in findings if f.rule_id == "MC401"]
    assert "'patching' (InGuestPatch) do not schedule platform maintenance" in finding.message


def test_mc401_configuration_outside_the_scan_is_skipped() -> None:
    s = stack()
    target = vm(s)
    elsewhere = (
        f"/subscriptions/{SUB}/resourceGroups/ops/providers/Microsoft.Maintenance/"
        "maintenanceConfigurations/x"
    )
    assign(s, ASSIGN, elsewhere, resourceId=target.id)
    assert mc401(s) == ([], ["db-0"])


def test_mc401_assignment_in_another_stack_by_id_counts_by_name_does_not() -> None:
    s, ops = stack(), StackBuilder("ops", config={"azure-native:location": "eastus"})
    target = vm(s)
    cfg = config(ops)
    assign(ops, ASSIGN, cfg, resourceId=target.id)
    assert mc401(s, ops) == ([], [])
    s2, ops2 = stack(), StackBuilder("ops", config={"azure-native:location": "eastus"})
    vm(s2)
    assign(ops2, ASSIGN, config(ops2), **by_name("db-0"))
    assert mc401(s2, ops2) == (["db-0"], [])


# -- MC401: dedicated hosts and ConfigurationAssignmentParent -----------------------------------


def hosts(s: StackBuilder, count: int = 1) -> tuple[Ref, list[Ref]]:
    group = s.add(HOST_GROUP, "hg", {"resourceGroupName": "rg", "hostGroupName": "hg"})
    made = [
        s.add(HOST, f"host-{i}", {"resourceGroupName": "rg", "hostGroupName": "hg",
                                  "hostName": f"host-{i}", "sku": {"name": "DSv3-Type3"}},
              id=f"{RG_PATH}/hostGroups/hg/hosts/host-{i}", deps={"hostGroupName": [group]})
        for i in range(count)
    ]
    return group, made


def parent(s: StackBuilder, cfg: Ref, host_name: str, name: str = "host-assign") -> Ref:
    return assign(s, PARENT, cfg, name=name, providerName="Microsoft.Compute",
                  resourceGroupName="rg", resourceParentType="hostGroups",
                  resourceParentName="hg", resourceType="hosts", resourceName=host_name)


def test_mc401_vm_on_a_dedicated_host_is_covered_through_its_host() -> None:
    s = stack()
    _, (host,) = hosts(s)
    vm(s, size=ORDINARY, host=host.sub(), deps={"host": [host]})
    parent(s, config(s), "host-0")
    assert mc401(s) == ([], [])


def test_mc401_vm_on_an_unassigned_host_fires_with_a_parent_assignment_fix() -> None:
    s = stack()
    _, (host, _other) = hosts(s, 2)
    vm(s, size=ORDINARY, host=host.sub(), deps={"host": [host]})
    parent(s, config(s), "host-1")
    findings, _ = scan(s)
    (finding,) = [f for f in findings if f.rule_id == "MC401"]
    assert "it runs on a dedicated host" in finding.message
    assert "assigned to it or its dedicated host" in finding.message
    snippet = finding.fixes[0].snippet
    assert "ConfigurationAssignmentParent(" in snippet
    assert "resource_parent_name='hg'" in snippet and "resource_name_='host-0'" in snippet


def test_mc401_host_group_placement_needs_every_scanned_host_covered() -> None:
    s = stack()
    group, _ = hosts(s, 2)
    vm(s, size=ORDINARY, hostGroup=group.sub(), deps={"hostGroup": [group]})
    cfg = config(s)
    parent(s, cfg, "host-0")
    assert mc401(s) == (["db-0"], [])
    parent(s, cfg, "host-1", name="host-assign-1")
    assert mc401(s) == ([], [])


def test_mc401_host_outside_the_scan_is_skipped() -> None:
    s = stack()
    vm(s, size=ORDINARY, host={"id": f"{RG_PATH}/hostGroups/hg/hosts/elsewhere"})
    assert mc401(s) == ([], ["db-0"])


# -- MC401: dynamic scopes -------------------------------------------------------------------


def dynamic(s: StackBuilder, kind: str, flt: Any, **inputs: Any) -> Ref:
    extra = {"filter": flt} if flt is not None else {}
    return assign(s, kind, config(s, name="dyn-mc"), name="dyn", **extra, **inputs)


LINUX = {"osProfile": {"linuxConfiguration": {"disablePasswordAuthentication": True}}}


@pytest.mark.parametrize(
    ("flt", "covered"),
    [
        (None, True),
        ({"locations": ["East US"], "resourceTypes": ["microsoft.compute/virtualmachines"]}, True),
        ({"locations": ["westeurope"]}, False),
        ({"resourceTypes": ["Microsoft.HybridCompute/machines"]}, False),
        ({"resourceGroups": ["RG"]}, True),
        ({"resourceGroups": ["other"]}, False),
        ({"osTypes": ["Linux"]}, True),
        ({"osTypes": ["Windows"]}, False),
        ({"tagSettings": {"tags": {"tier": ["db", "cache"]}, "filterOperator": "Any"}}, True),
        ({"tagSettings": {"tags": {"tier": ["web"]}, "filterOperator": "Any"}}, False),
        ({"tagSettings": {"tags": {"tier": ["db"], "env": ["prod"]}, "filterOperator": "All"}},
         False),
        ({"tagSettings": {"tags": {"tier": ["db"], "env": ["prod"]}, "filterOperator": "Any"}},
         True),
        ({"tagSettings": {"tags": {"Tier": []}}}, True),
    ],
)
@pytest.mark.parametrize("kind", [FOR_RG, FOR_SUB])
def test_mc401_dynamic_scopes_never_count(kind: str, flt: Any, covered: bool) -> None:
    # Dynamic scopes schedule guest patching (InGuestPatch) only, never Host-scope platform
    # maintenance: whether or not the filter matches the VM, MC401 still fires.
    s = stack()
    vm(s, tags={"tier": "db"}, **LINUX)
    extra = {"resourceGroupName": "rg"} if kind == FOR_RG else {}
    dynamic(s, kind, flt, **extra)
    assert mc401(s) == (["db-0"], [])
    inv = inventory(s)
    (assignment,) = inv.of_kind(kind.split(":", 1)[1])
    (target,) = inv.of_kind("compute:VirtualMachine")
    assert m.targets(inv, assignment, target) is covered  # the filter itself is still read


def test_mc401_dynamic_scope_for_another_group_or_subscription_does_not_count() -> None:
    s = stack()
    vm(s)
    dynamic(s, FOR_RG, None, resourceGroupName="other-rg")
    assert mc401(s) == (["db-0"], [])
    s2 = stack()
    vm(s2)
    s2.add(FOR_SUB, "dyn", {"maintenanceConfigurationId": config(s2).id},
           id="/subscriptions/another/providers/Microsoft.Maintenance/configurationAssignments/dyn")
    assert mc401(s2) == (["db-0"], [])


@pytest.mark.parametrize(
    "flt",
    [
        UNKNOWN,
        {"locations": [UNKNOWN]},
        {"osTypes": ["Linux"]},  # the VM states no OS
        {"tagSettings": {"tags": {"tier": ["db"], "env": ["prod"]}}},  # operator unset: unclear
    ],
)
def test_mc401_dynamic_scope_that_cannot_be_decided_is_no_doubt_either(flt: Any) -> None:
    s = stack()
    vm(s, tags={"tier": "db"})
    dynamic(s, FOR_RG, flt, resourceGroupName="rg")
    assert mc401(s) == (["db-0"], [])


# -- MC402 -----------------------------------------------------------------------------------

FULL_POLICY = {
    "scheduledEventsAdditionalPublishingTargets": {"eventGridAndResourceGraph": {"enable": True}},
}
BOTH_NOTICES = {"scheduledEventsProfile": {
    "osImageNotificationProfile": {"enable": True},
    "terminateNotificationProfile": {"enable": True}}}


def mc402(*stacks: StackBuilder, options: RuleOptions | None = None) -> tuple[list[Finding], list[str]]:
    findings, skipped = scan(*stacks, options=options)
    return (
        [f for f in findings if f.rule_id == "MC402"],
        [s.resource.name for s in skipped if s.rule_id == "MC402"],
    )


def test_mc402_fires_on_a_realtime_tagged_vm_without_policy() -> None:
    s = stack()
    vm(s, "media-0", size=ORDINARY, tags={"maintenance-sensitivity": "Realtime"})
    (finding,), skipped = mc402(s)
    assert skipped == [] and finding.severity.name == "INFO"
    assert "tag maintenance-sensitivity=Realtime" in finding.message
    assert "reach only code polling inside it" in finding.message
    assert "the application must poll it" in finding.message
    (fix,) = finding.fixes
    assert not fix.new_resources and not fix.replacement
    assert [op.to_json() for op in fix.patch] == [{
        "op": "add", "path": "/scheduledEventsPolicy", "value": {
            "scheduledEventsAdditionalPublishingTargets": {
                "eventGridAndResourceGraph": {"enable": True}}},
    }]
    # Scheduled Events need no opt-in, and automatically_approve=True is never advised.
    assert "user_initiated" not in fix.snippet.replace("user_initiated_* settings", "")
    assert "automatically_approve=True" in fix.snippet and "never" in fix.snippet


def test_mc402_near_misses_low_tag_and_published_events() -> None:
    s = stack()
    vm(s, "a", size=ORDINARY, tags={"maintenance-sensitivity": "low"})
    vm(s, "b", tags={"maintenance-sensitivity": "high"}, scheduledEventsPolicy=FULL_POLICY)
    # The user-initiated opt-ins are not needed for Scheduled Events: publishing alone passes.
    assert mc402(s) == ([], [])


def test_mc402_partial_policy_keeps_what_is_set() -> None:
    s = stack()
    vm(s, size=ORDINARY, host={"id": f"{RG_PATH}/hostGroups/hg/hosts/h"}, scheduledEventsPolicy={
        "userInitiatedRedeploy": {"automaticallyApprove": False},
        "scheduledEventsAdditionalPublishingTargets": {"eventGridAndResourceGraph": {"enable": False}},
    })
    (finding,), _ = mc402(s)
    assert "it runs on a dedicated host" in finding.message
    (op,) = finding.fixes[0].patch
    assert op.to_json() == {
        "op": "add",
        "path": "/scheduledEventsPolicy/scheduledEventsAdditionalPublishingTargets/"
                "eventGridAndResourceGraph/enable",
        "value": True,
    }


def test_mc402_sensitive_tag_is_an_option() -> None:
    s = stack()
    vm(s, size=ORDINARY, tags={"criticality": "high"})
    assert mc402(s) == ([], [])
    (finding,), _ = mc402(s, options=RuleOptions(sensitive_tag="criticality"))
    assert "tag criticality=high" in finding.message


@pytest.mark.parametrize(
    "inputs",
    [
        {"tags": {"maintenance-sensitivity": "high"}, "scheduledEventsPolicy": UNKNOWN},
        {"tags": {"maintenance-sensitivity": UNKNOWN}},
        {"tags": {"maintenance-sensitivity": "high"}, "scheduledEventsPolicy": {
            "scheduledEventsAdditionalPublishingTargets": UNKNOWN}},
    ],
)
def test_mc402_unknown_is_skipped_never_reported(inputs: dict[str, Any]) -> None:
    s = stack()
    vm(s, size=ORDINARY, **inputs)
    assert mc402(s) == ([], ["db-0"])


def scale_set(s: StackBuilder, **inputs: Any) -> Ref:
    props = {"resourceGroupName": "rg", "sku": {"name": ORDINARY, "capacity": 2},
             "virtualMachineProfile": {"osProfile": {"computerNamePrefix": "api"}}, **inputs}
    return s.add(VMSS, "api-vmss", props)


def test_mc402_scale_set_needs_image_and_terminate_notifications() -> None:
    s = stack()
    scale_set(s, tags={"maintenance-sensitivity": "high"})
    (finding,), _ = mc402(s)
    assert finding.resource.name == "api-vmss"
    assert "osImageNotificationProfile" in finding.message
    assert "terminateNotificationProfile" in finding.message
    (fix,) = finding.fixes
    notice = {"enable": True, "notBeforeTimeout": "PT15M"}
    assert [op.to_json() for op in fix.patch] == [{
        "op": "add", "path": "/virtualMachineProfile/scheduledEventsProfile",
        "value": {"osImageNotificationProfile": notice, "terminateNotificationProfile": notice},
    }]


def test_mc402_scale_set_with_one_notice_gets_the_other() -> None:
    s = stack()
    scale_set(s, tags={"maintenance-sensitivity": "high"}, virtualMachineProfile={
        "scheduledEventsProfile": {"terminateNotificationProfile": {"enable": True}}})
    (finding,), _ = mc402(s)
    assert "osImageNotificationProfile" in finding.message
    assert "terminateNotificationProfile" not in finding.message
    (op,) = finding.fixes[0].patch
    assert op.path == "/virtualMachineProfile/scheduledEventsProfile/osImageNotificationProfile"


@pytest.mark.parametrize(
    "inputs",
    [
        {"virtualMachineProfile": BOTH_NOTICES},
        {"sku": {"name": ORDINARY, "capacity": 2}},  # not sensitive: no tag, not isolated
    ],
)
def test_mc402_scale_set_near_misses(inputs: dict[str, Any]) -> None:
    s = stack()
    tags = {} if "sku" in inputs else {"tags": {"maintenance-sensitivity": "high"}}
    scale_set(s, **tags, **inputs)
    assert mc402(s) == ([], [])


def test_mc402_isolated_scale_set_is_sensitive() -> None:
    s = stack()
    scale_set(s, sku={"name": "Standard_E104i_v5", "capacity": 2})
    (finding,), _ = mc402(s)
    assert "its size Standard_E104i_v5 is isolated" in finding.message


# -- snippets run under Pulumi mocks ----------------------------------------------------------


def _snippet_findings() -> list[Finding]:
    s = stack()
    vm(s, "iso-0", tags={"maintenance-sensitivity": "high"})
    _, (host,) = hosts(s)
    vm(s, "host-vm", size=ORDINARY, host=host.sub(), deps={"host": [host]})
    scale_set(s, tags={"maintenance-sensitivity": "realtime"})
    findings, _ = scan(s)
    return findings


@cache
def _mocked() -> tuple[tuple[Finding, str, dict[str, Any]], ...]:
    cases = [(f, fix.snippet) for f in _snippet_findings() for fix in f.fixes]
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER], input=json.dumps([c[1] for c in cases]),
        capture_output=True, text=True, timeout=240, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    return tuple((f, snippet, r) for (f, snippet), r in zip(cases, results, strict=True))


def test_mc401_snippets_register_a_host_configuration_and_its_assignment() -> None:
    runs = [(f, r) for f, _, r in _mocked() if f.rule_id == "MC401"]
    assert {f.resource.name for f, _ in runs} == {"iso-0", "host-vm"}
    for finding, result in runs:
        assert "error" not in result, result
        types = {r["type"]: r["inputs"] for r in result["resources"]}
        assert types[CONFIG]["maintenanceScope"] == "Host"
        if finding.resource.name == "iso-0":
            assert types[ASSIGN]["resourceName"] == "iso-0"
            assert types[ASSIGN]["maintenanceConfigurationId"] == "iso-0-maintenance-id"
        else:
            assert types[PARENT]["resourceParentName"] == "hg"
            assert types[PARENT]["resourceName"] == "host-0"


def test_mc402_snippets_are_valid_sdk_arguments() -> None:
    runs = [(f, snippet, r) for f, snippet, r in _mocked() if f.rule_id == "MC402"]
    assert len(runs) == 3  # one fix for each of the two VMs, one for the scale set
    for _finding, snippet, result in runs:
        assert "error" not in result, (snippet, result)
        compile(snippet, "<mc402>", "exec")

