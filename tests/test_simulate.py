"""maintcheck simulate: the waves' arithmetic on hand-built fleets, and every rendering."""

from __future__ import annotations

import json
import math
from html.parser import HTMLParser
from typing import Any

import jsonschema
import pytest

from checker.escaping import inline as plain
from checker.maintenance.render import SIMULATE_FORMATS, renderer
from checker.maintenance.render.data import simulation_document
from checker.maintenance.render.markdown import mermaid
from checker.maintenance.render.page import simulation_html
from checker.maintenance.render.text import simulation_text
from checker.maintenance.waves import Simulation, WorkloadWaves, simulate
from checker.schemas import load_schema
from tests.builders import StackBuilder, inventory
from tests.fleet import aset, scale_set, stack, vm


def run(*stacks: StackBuilder) -> Simulation:
    return simulate(inventory(*stacks))


def one(sim: Simulation, name: str) -> WorkloadWaves:
    (found,) = [w for w in sim.workloads if w.name == name]
    return found


def valid(sim: Simulation) -> dict[str, Any]:
    doc = json.loads(renderer(SIMULATE_FORMATS, "json")(sim))
    jsonschema.validate(doc, load_schema("simulate"))
    return doc


# -- the arithmetic -------------------------------------------------------------------------


@pytest.mark.parametrize("update_domains", [1, 2, 5])
@pytest.mark.parametrize("members", [2, 3, 5, 7])
def test_an_availability_set_puts_ceil_n_over_u_in_its_fullest_update_domain(
    members: int, update_domains: int
) -> None:
    s = stack()
    group = aset(s, "web-as", update_domains)
    for i in range(members):
        vm(s, f"web-{i}", group=group)
    w = one(run(s), "web-as")
    fullest = math.ceil(members / update_domains)
    assert len(w.waves) == min(members, update_domains)
    assert [wave.label for wave in w.waves][:2] == [f"eastus / web-as / UD {i}" for i in range(2)][
        : min(members, update_domains, 2)
    ]
    assert len(w.worst.down) == fullest
    assert w.worst.left == members - fullest
    assert w.worst.capacity == pytest.approx((members - fullest) / members)
    assert sum(len(wave.down) for wave in w.waves) == members  # each VM in exactly one wave
    valid(run(s))


def test_an_unset_update_domain_count_is_five() -> None:
    s = stack()
    group = aset(s, "web-as")
    for i in range(6):
        vm(s, f"web-{i}", group=group)
    w = one(run(s), "web-as")
    assert [len(wave.down) for wave in w.waves] == [2, 1, 1, 1, 1]
    assert w.worst.label == "eastus / web-as / UD 0" and w.worst.left == 4


def test_zones_are_maintained_one_at_a_time() -> None:
    s = stack()
    for i, zone in enumerate(["1", "2", "3", "1"]):
        vm(s, f"api-{i}", zone=zone, workload="api")
    w = one(run(s), "api")
    assert [wave.label for wave in w.waves] == ["eastus / zone 1", "eastus / zone 2", "eastus / zone 3"]
    assert w.worst.label == "eastus / zone 1"
    assert {i.name for i in w.worst.down} == {"api-0", "api-3"}
    assert w.worst.left == 2 and w.worst.capacity == 0.5


def test_single_vms_of_a_workload_in_one_region_share_one_worst_case_wave() -> None:
    s = stack()
    for i in range(3):
        vm(s, f"batch-{i}", workload="batch")
    w = one(run(s), "batch")
    assert [wave.label for wave in w.waves] == ["eastus / single VMs, no promise"]
    assert w.worst.left == 0 and w.worst.capacity == 0.0


def test_a_uniform_scale_set_walks_five_update_domains() -> None:
    s = stack()
    scale_set(s, "api-vmss", 7)
    w = one(run(s), "api-vmss")
    assert len(w.instances) == 7
    assert [len(wave.down) for wave in w.waves] == [2, 2, 1, 1, 1]
    assert w.worst.label == "eastus / api-vmss / UD 0"
    assert [i.name for i in w.worst.down] == ["api-vmss_0", "api-vmss_5"]


def test_a_zonal_scale_set_goes_zone_by_zone() -> None:
    s = stack()
    scale_set(s, "api-vmss", 4, zones=["1", "2"])
    w = one(run(s), "api-vmss")
    assert [(wave.label, len(wave.down)) for wave in w.waves] == [
        ("eastus / zone 1", 2),
        ("eastus / zone 2", 2),
    ]


def test_a_flexible_scale_set_goes_fault_domain_by_fault_domain() -> None:
    s = stack()
    scale_set(s, "spread", 3, mode="Flexible")  # max spreading: modelled over 2 fault domains
    scale_set(s, "three", 3, mode="Flexible", platformFaultDomainCount=3)
    sim = run(s)
    spread, three = one(sim, "spread"), one(sim, "three")
    assert [wave.label for wave in spread.waves] == ["eastus / spread / FD 0", "eastus / spread / FD 1"]
    assert spread.worst.left == 1 and any("max spreading" in n for n in spread.notes)
    assert [len(wave.down) for wave in three.waves] == [1, 1, 1] and three.worst.left == 2


def test_vms_joined_to_a_flexible_scale_set_count_as_its_instances() -> None:
    s = stack()
    flex = scale_set(s, "flex", None, mode="Flexible", platformFaultDomainCount=2)
    vm(s, "flex-a", vmss=flex)
    vm(s, "flex-b", vmss=flex)
    w = one(run(s), "flex")
    assert [(wave.label, [i.name for i in wave.down]) for wave in w.waves] == [
        ("eastus / flex / FD 0", ["flex-a"]),
        ("eastus / flex / FD 1", ["flex-b"]),
    ]


def test_paired_regions_are_never_maintained_together() -> None:
    east, west = stack("east", "eastus"), stack("west", "westus")
    vm(east, "web-e", workload="web")
    vm(west, "web-w", workload="web")
    w = one(run(east, west), "web")
    assert len(w.waves) == 2 and not w.worst.together
    assert w.worst.left == 1


def test_a_one_way_pair_counts_as_a_pair() -> None:
    first, second = stack("a", "westus3"), stack("b", "eastus")  # westus3 -> eastus
    vm(first, "web-a", workload="web")
    vm(second, "web-b", workload="web")
    assert one(run(first, second), "web").worst.left == 1


def test_regions_that_are_not_a_pair_may_be_maintained_together() -> None:
    east, europe = stack("east", "eastus"), stack("eu", "northeurope")
    vm(east, "web-e", workload="web")
    vm(europe, "web-n", workload="web")
    sim = run(east, europe)
    w = one(sim, "web")
    assert w.worst.left == 0
    assert w.worst.together == ("eastus / single VMs, no promise", "northeurope / single VMs, no promise")
    assert w.worst.region == "eastus, northeurope"
    assert w.waves[-1] is w.worst  # the combined wave is listed too
    doc = valid(sim)
    assert doc["workloads"][0]["worst"]["wave"] == doc["workloads"][0]["waves"][-1]["wave"]


def test_different_groups_in_one_region_promise_nothing_about_each_other() -> None:
    s = stack()
    group = aset(s, "web-as", 2, tags={"workload": "web"})
    vm(s, "web-0", group=group, workload="web")
    vm(s, "web-1", group=group, workload="web")
    vm(s, "web-2", workload="web")
    w = one(run(s), "web")
    assert {i.name for i in w.worst.down} == {"web-0", "web-2"}
    assert w.worst.left == 1 and len(w.worst.together) == 2


def test_an_unknown_location_is_its_own_region() -> None:
    s = StackBuilder("dev")  # no azure-native:location
    vm(s, "web-0", workload="web")
    w = one(run(s), "web")
    assert w.worst.region == "unknown"


def test_a_vm_whose_workload_tag_is_unknown_is_simulated_alone_and_said() -> None:
    s = stack()
    vm(s, "web-0", tags={"workload": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"})
    (w,) = run(s).workloads
    assert w.worst.left == 0 and any("workload tag is not known" in n for n in w.notes)


def test_a_scale_set_of_unknown_capacity_is_not_simulated_but_said() -> None:
    s = stack()
    s.add("azure-native:compute:VirtualMachineScaleSet", "ghost", {"resourceGroupName": "rg"})
    sim = run(s)
    assert sim.workloads == ()
    assert any("ghost" in n for n in sim.notes)


# -- renderings ------------------------------------------------------------------------------

NASTY = '<img src=x onerror=alert(1)>"&#\x1b[31m'


def nasty_fleet() -> Simulation:
    s = stack()
    group = aset(s, "web-as", 2)
    for i in range(3):
        vm(s, f"web-{i}", group=group)
    vm(s, "odd", vmName=NASTY, zone="2", workload="odd")
    vm(s, "odd-2", zone="3", workload="odd")
    scale_set(s, "api-vmss", 2)
    return run(s)


class SvgGrid(HTMLParser):
    """Collects the SVG's VM chips and the page's text."""

    def __init__(self) -> None:
        super().__init__()
        self.chips: list[dict[str, str | None]] = []
        self.regions: list[str | None] = []
        self.worst_rects = 0
        self._in_chip = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if tag == "g" and "vm" in classes:
            self.chips.append(found)
            self._in_chip = "worst" in classes
        if tag == "g" and "region" in classes:
            self.regions.append(found.get("data-region"))
        if tag == "rect" and self._in_chip and found.get("stroke") == "#b71c1c":
            self.worst_rects += 1


def test_html_places_every_instance_and_escapes_every_name() -> None:
    sim = nasty_fleet()
    page = simulation_html(sim)
    assert "<img" not in page and "\x1b" not in page
    parser = SvgGrid()
    parser.feed(page)
    placed = sorted((c["data-name"], c["data-urn"]) for c in parser.chips)
    expected = sorted((plain(i.name), i.urn) for w in sim.workloads for i in w.instances)
    assert placed == expected and len(placed) == 3 + 2 + 2
    assert plain(NASTY) in {c["data-name"] for c in parser.chips}
    assert parser.regions == ["eastus"]
    worst = sum(len(w.worst.down) for w in sim.workloads)
    assert parser.worst_rects == worst
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")


def test_markdown_mermaid_labels_cannot_break_out() -> None:
    sim = nasty_fleet()
    chart = mermaid(sim)
    for line in chart.splitlines():
        if '["' in line:
            label = line.split('["', 1)[1].rsplit('"]', 1)[0]
            assert '"' not in label and "<img" not in label and "\x1b" not in label
    text = renderer(SIMULATE_FORMATS, "markdown")(sim)
    assert text.count("```mermaid") == 1 and "<img" not in text


def test_text_is_a_table_without_control_characters() -> None:
    sim = nasty_fleet()
    out = simulation_text(sim)
    assert "\x1b" not in out and "\\x1b" in out
    header = next(line for line in out.splitlines() if line.startswith("WORKLOAD"))
    assert header.split()[:5] == ["WORKLOAD", "WAVE", "DOWN", "LEFT", "CAPACITY"]
    assert "no wave takes a workload down" in out


def test_json_document_matches_the_schema_and_the_issue_shape() -> None:
    sim = nasty_fleet()
    doc = valid(sim)
    assert doc["version"] == 1
    web = next(w for w in doc["workloads"] if w["workload"] == "web-as")
    assert web["instances"] == 3
    assert web["waves"][0] == {
        "wave": "eastus / web-as / UD 0",
        "region": "eastus",
        "down": [
            {"name": "web-0", "urn": "urn:pulumi:dev::app::azure-native:compute:VirtualMachine::web-0",
             "stack": "dev"},
            {"name": "web-2", "urn": "urn:pulumi:dev::app::azure-native:compute:VirtualMachine::web-2",
             "stack": "dev"},
        ],
        "left": 1,
        "capacity": 0.3333,
    }
    assert web["worst"] == {"wave": "eastus / web-as / UD 0", "capacity": 0.3333, "left": 1}
    assert simulation_document(sim) == doc


def test_every_rendering_is_deterministic() -> None:
    for name in SIMULATE_FORMATS:
        assert renderer(SIMULATE_FORMATS, name)(nasty_fleet()) == renderer(SIMULATE_FORMATS, name)(
            nasty_fleet()
        )


def test_every_rendering_module_is_in_a_format_table() -> None:
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "checker" / "maintenance" / "render"
    modules = {p.stem for p in folder.glob("*.py")} - {"__init__"}
    from checker.maintenance.render import PLAN_FORMATS

    tables = [*SIMULATE_FORMATS.values(), *PLAN_FORMATS.values()]
    assert {module.rsplit(".", 1)[-1] for module, _ in tables} == modules
    for table in (SIMULATE_FORMATS, PLAN_FORMATS):
        for name in table:
            assert callable(renderer(table, name))


def test_a_worst_case_of_many_sets_names_three_and_counts_the_rest() -> None:
    s = stack()
    for n in range(5):
        group = aset(s, f"as-{n}", 2, tags={"workload": "web"})
        vm(s, f"web-{n}a", group=group, workload="web")
        vm(s, f"web-{n}b", group=group, workload="web")
    w = one(run(s), "web")
    assert len(w.worst.together) == 5 and w.worst.left == 5
    assert w.worst.label == (
        "worst case: eastus / as-0 / UD 0 + eastus / as-1 / UD 0 + eastus / as-2 / UD 0 + 2 more waves"
    )
