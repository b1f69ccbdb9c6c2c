"""maintcheck plan: the runbook's invariants, on hand-built fleets and as properties over
generated ones (hypothesis)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.azure.regions import region_pairs
from checker.config import Settings
from checker.engine import scan
from checker.inventory import Inventory
from checker.maintenance.placement import fleet
from checker.maintenance.plan import Plan, build_plan
from checker.maintenance.render import PLAN_FORMATS, renderer
from checker.schemas import load_schema
from tests.builders import Ref, StackBuilder, inventory
from tests.fleet import NIC, REAL_SUB, aset, scale_set, stack, vm


def names(plan: Plan) -> list[list[str]]:
    return [[i.name for i in step.vms] for step in plan.steps]


def valid(plan: Plan) -> dict[str, Any]:
    doc = json.loads(renderer(PLAN_FORMATS, "json")(plan))
    jsonschema.validate(doc, load_schema("plan"))
    return doc


def check_invariants(inv: Inventory, plan: Plan, wait: int = 30) -> None:
    """What every plan promises, whatever the fleet."""
    everything = Counter((i.urn, i.name) for i in fleet(inv).instances)
    seen = Counter((i.urn, i.name) for step in plan.steps for i in step.vms)
    seen.update((i.urn, i.name) for i in plan.left_to_azure)
    assert seen == everything, "every instance exactly once, in a step or left to Azure"
    total = Counter(i.workload.key for i in fleet(inv).instances)
    pairs = region_pairs()
    phase_of = {r: p for p, regions in enumerate(plan.phases) for r in regions}
    tier_of = plan.tiers.index()
    last_phase, last_tier = 0, 0
    for step in plan.steps:
        down = Counter(i.workload.key for i in step.vms)
        for key, count in down.items():
            assert total[key] == 1 or count < total[key], f"step {step.number} empties {key}"
            if total[key] == 1:
                assert len(step.vms) == 1, "a single-instance workload has a step of its own"
        regions = sorted({i.region for i in step.vms})
        assert not any(pairs.are_paired(a, b) for a in regions for b in regions if a < b)
        (phase,) = {phase_of[r] for r in regions}
        (tier,) = {tier_of[i.workload.key] for i in step.vms}
        assert phase >= last_phase, "phases are never revisited"
        if phase == last_phase:
            assert tier >= last_tier, "tiers in order within a phase"
        last_phase, last_tier = phase, tier
        assert step.wait_minutes == (0 if step is plan.steps[-1] else wait)
        assert len(step.commands) == len(step.vms)
    valid(plan)


# -- hand-built fleets ---------------------------------------------------------------------


def prod_pair() -> tuple[StackBuilder, StackBuilder]:
    east, west = stack("prod-eastus", "eastus"), stack("prod-westus", "westus")
    for s in (east, west):
        web = aset(s, "web-as", 5, tags={"workload": "web"})
        app = aset(s, "app-as", 5, tags={"workload": "app"})
        for i in range(3):
            vm(s, f"web-{i}", group=web, workload="web")
        for i in range(2):
            vm(s, f"app-{i}", group=app, workload="app")
    return east, west


def test_vms_in_availability_sets_are_left_to_azure_by_default() -> None:
    inv = inventory(*prod_pair())
    plan = build_plan(inv)
    assert plan.steps == () and len(plan.left_to_azure) == 10
    assert any("Microsoft does not recommend" in n for n in plan.notes)
    check_invariants(inv, plan)


def test_include_sets_takes_one_update_domain_per_step_one_region_at_a_time() -> None:
    inv = inventory(*prod_pair())
    plan = build_plan(inv, include_sets=True)
    assert names(plan) == [
        ["app-0", "web-0"], ["app-1", "web-1"], ["web-2"],
        ["app-0", "web-0"], ["app-1", "web-1"], ["web-2"],
    ]
    assert [step.regions for step in plan.steps] == [("eastus",)] * 3 + [("westus",)] * 3
    assert plan.phases == (("eastus",), ("westus",))
    assert any("check that every workload there serves again" in n for n in plan.steps[2].notes)
    check_invariants(inv, plan)


def test_config_tiers_order_the_steps() -> None:
    inv = inventory(*prod_pair())
    plan = build_plan(inv, include_sets=True, configured_tiers=[["web"], ["app"]], wait_minutes=10)
    assert names(plan)[:5] == [["web-0"], ["web-1"], ["web-2"], ["app-0"], ["app-1"]]
    check_invariants(inv, plan, wait=10)


def test_config_tiers_naming_no_workload_are_said() -> None:
    inv = inventory(*prod_pair())
    plan = build_plan(inv, include_sets=True, configured_tiers=[["wbe"]])
    assert any("'wbe', which is no workload" in n for n in plan.notes)
    assert any("not in config tiers" in n for n in plan.notes)


def test_dependents_come_last_by_default() -> None:
    s = stack()
    app_nic = s.add(NIC, "app-nic", {"resourceGroupName": "rg", "ipConfigurations": []})
    vm(s, "app-0", zone="1", workload="app",
       networkProfile={"networkInterfaces": [app_nic.sub()]}, deps={"networkProfile": [app_nic]})
    vm(s, "app-1", zone="2", workload="app")
    # The web VMs read the app NIC's address (e.g. in customData): web depends on app.
    vm(s, "web-0", zone="1", workload="web", deps={"osProfile": [app_nic]})
    vm(s, "web-1", zone="2", workload="web")
    inv = inventory(s)
    plan = build_plan(inv)
    assert [t.label for tier in plan.tiers.order for t in tier] == ["app", "web"]
    assert names(plan) == [["app-0"], ["app-1"], ["web-0"], ["web-1"]]
    check_invariants(inv, plan)


def test_a_single_instance_workload_gets_its_own_step_with_a_warning() -> None:
    s = stack()
    vm(s, "lonely")
    vm(s, "api-0", zone="1", workload="api")
    vm(s, "api-1", zone="2", workload="api")
    inv = inventory(s)
    plan = build_plan(inv)
    assert names(plan) == [["api-0"], ["api-1"], ["lonely"]]
    assert any("single instance" in n and "down" in n for n in plan.steps[-1].notes)
    check_invariants(inv, plan)


def test_max_unavailable_sizes_the_steps_and_never_empties_a_region() -> None:
    s = stack()
    for i in range(6):
        vm(s, f"batch-{i}", workload="batch")
    inv = inventory(s)
    assert [len(v) for v in names(build_plan(inv))] == [3, 3]
    assert [len(v) for v in names(build_plan(inv, max_unavailable=1.0))] == [5, 1]
    assert [len(v) for v in names(build_plan(inv, max_unavailable=0.1))] == [1] * 6


def test_a_set_with_one_update_domain_is_split_so_the_workload_keeps_serving() -> None:
    s = stack()
    group = aset(s, "app-as", 1)
    vm(s, "app-0", group=group)
    vm(s, "app-1", group=group)
    inv = inventory(s)
    plan = build_plan(inv, include_sets=True)
    assert names(plan) == [["app-0"], ["app-1"]]
    assert any("split over several steps: eastus / app-as / UD 0" in n for n in plan.notes)
    check_invariants(inv, plan)


def test_update_domain_k_of_several_sets_of_one_workload_share_a_step() -> None:
    s = stack()
    for n in range(3):
        group = aset(s, f"web-as-{n}", 2, tags={"workload": "web"})
        vm(s, f"web-{n}a", group=group, workload="web")
        vm(s, f"web-{n}b", group=group, workload="web")
    inv = inventory(s)
    plan = build_plan(inv, include_sets=True)
    assert names(plan) == [["web-0a", "web-1a", "web-2a"], ["web-0b", "web-1b", "web-2b"]]
    assert [len(v) for v in names(build_plan(inv, include_sets=True, max_unavailable=0.34))] == [2, 2, 1, 1]
    check_invariants(inv, plan)


def test_scale_set_instances_are_left_to_azure() -> None:
    s = stack()
    scale_set(s, "api-vmss", 3)
    inv = inventory(s)
    plan = build_plan(inv, include_sets=True)
    assert plan.steps == ()
    assert [i.name for i in plan.left_to_azure] == ["api-vmss_0", "api-vmss_1", "api-vmss_2"]
    check_invariants(inv, plan)


def test_commands_use_the_arm_id_when_known_and_a_placeholder_otherwise() -> None:
    s = stack()
    real = f"/subscriptions/{REAL_SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/web-0"
    vm(s, "web-0", zone="1", workload="web").record["id"] = real
    vm(s, "web-1", zone="2", workload="web")  # the builder's id has the all-zero subscription
    plan = build_plan(inventory(s))
    assert plan.steps[0].commands == (f"az vm perform-maintenance --ids {real}",)
    assert plan.steps[1].commands == ("az vm perform-maintenance --ids '<ARM id of web-1 in stack dev>'",)
    assert any("not known offline" in n for n in plan.notes)


def test_costs_come_from_the_findings() -> None:
    s = stack()
    nic = s.add(NIC, "web-nic-0", {
        "resourceGroupName": "rg",
        "ipConfigurations": [{"name": "ip", "privateIPAllocationMethod": "Dynamic"}],
    })
    vm(s, "web-0", zone="1", workload="web", size="Standard_D2ds_v5",
       networkProfile={"networkInterfaces": [nic.sub()]},
       storageProfile={"osDisk": {"createOption": "FromImage", "diffDiskSettings": {"option": "Local"}}},
       deps={"networkProfile": [nic]})
    vm(s, "web-1", zone="2", workload="web")
    doc = StackBuilder.document(s)
    result = scan([doc], Settings())
    assert result.inventory is not None
    plan = build_plan(result.inventory, result.findings)
    notes = " | ".join(plan.steps[0].notes)
    assert "web-0: the dynamic private address of web-nic-0 may change (MC201)" in notes
    assert "web-0: its ephemeral OS disk is reset" in notes and "(MC211)" in notes
    assert "web-0: its temp disk is wiped (Standard_D2ds_v5 has one)" in notes
    assert "web-1" not in notes.replace("web-1 of", "")  # no cost for the other step's VM


# -- properties over generated fleets -------------------------------------------------------

REGIONS = ["eastus", "westus", "westus3", "northeurope", "westeurope", "brazilsouth", "southcentralus"]
KINDS = ["single", "zones", "set", "flex"]

placement = st.tuples(st.sampled_from(KINDS), st.integers(1, 4), st.integers(1, 5))
workload_spec = st.dictionaries(st.sampled_from(REGIONS), placement, min_size=1, max_size=3)


def build(specs: Sequence[dict[str, tuple[str, int, int]]], edges: Sequence[tuple[int, int]]) -> Inventory:
    stacks = {r: stack(r, r) for r in REGIONS}
    first_vm: dict[tuple[int, str], Ref] = {}
    for w, spec in enumerate(specs):
        tag = f"w{w}"
        for region, (kind, count, domains) in sorted(spec.items()):
            s = stacks[region]
            group = aset(s, f"{tag}-as", domains, tags={"workload": tag}) if kind == "set" else None
            flex = (scale_set(s, f"{tag}-flex", None, mode="Flexible", tags={"workload": tag})
                    if kind == "flex" else None)
            for j in range(count):
                zone = str(j % min(domains, 3) + 1) if kind == "zones" else None
                deps = {"osProfile": [first_vm[(b, region)] for a, b in edges
                                      if a == w and (b, region) in first_vm]}
                ref = vm(s, f"{tag}-{j}", group=group, vmss=flex, zone=zone, workload=tag,
                         deps={k: v for k, v in deps.items() if v} or None)
                first_vm.setdefault((w, region), ref)
    return inventory(*(s for s in stacks.values() if s.records))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=st.lists(workload_spec, min_size=1, max_size=5),
    edges=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), max_size=4),
    include_sets=st.booleans(),
    max_unavailable=st.sampled_from([0.2, 0.5, 1.0]),
)
def test_plan_invariants_hold_for_any_fleet(
    specs: list[dict[str, tuple[str, int, int]]],
    edges: list[tuple[int, int]],
    include_sets: bool,
    max_unavailable: float,
) -> None:
    inv = build(specs, [(a, b) for a, b in edges if a != b])
    plan = build_plan(inv, include_sets=include_sets, max_unavailable=max_unavailable)
    check_invariants(inv, plan)
    deps_first = plan.tiers.index()
    from checker.maintenance.tiers import dependencies

    graph = dependencies(inv, [wl for tier in plan.tiers.order for wl in tier])
    if not plan.tiers.notes:  # no cycle: every dependency sits in an earlier tier
        for key, needed in graph.items():
            assert all(deps_first[n] < deps_first[key] for n in needed)


@pytest.mark.parametrize("include_sets", [False, True])
def test_plan_renderings_are_deterministic_and_valid(include_sets: bool) -> None:
    inv = inventory(*prod_pair())
    plan = build_plan(inv, include_sets=include_sets)
    for name in PLAN_FORMATS:
        assert renderer(PLAN_FORMATS, name)(plan) == renderer(PLAN_FORMATS, name)(
            build_plan(inventory(*prod_pair()), include_sets=include_sets)
        )
    doc = valid(plan)
    listed = [n for s in doc["steps"] for n in s["vms"]] + doc["left_to_azure"]
    assert sorted(listed) == sorted(["web-0", "web-1", "web-2", "app-0", "app-1"] * 2)
