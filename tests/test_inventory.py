"""Inventory: reference resolution, locations, workloads."""

from __future__ import annotations

from checker.azure import types as t
from checker.inventory import parse_arm_id, parse_urn
from checker.values import UNKNOWN
from tests.builders import SUB, StackBuilder, inventory

VM = "azure-native:compute:VirtualMachine"
AS = "azure-native:compute:AvailabilitySet"
RG = "azure-native:resources:ResourceGroup"
PROVIDER = "pulumi:providers:azure-native"
UNKNOWN_STR = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def test_parse_urn_and_arm_id() -> None:
    urn = "urn:pulumi:dev::app::my:component:Thing$azure-native:compute:VirtualMachine::vm-1"
    assert parse_urn(urn) == ("dev", "app", "azure-native:compute:VirtualMachine", "vm-1")
    sub = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
    assert parse_arm_id(sub) == ("microsoft.network/virtualnetworks/subnets", "s")
    assert parse_arm_id(f"/subscriptions/{SUB}/resourceGroups/App-RG") == (
        "microsoft.resources/resourcegroups",
        "app-rg",
    )
    assert parse_arm_id("not an id") is None


def test_id_built_at_run_time_resolves_by_type_and_name_segments() -> None:
    s = StackBuilder()
    aset = s.add(AS, "web-as", {"availabilitySetName": "web-as-prod"}, id=None)
    concat_id = (
        f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/"
        "availabilitySets/WEB-AS-PROD"
    )
    vm = s.add(VM, "vm", {"availabilitySet": {"id": concat_id}})
    inv = inventory(s)
    res = inv.get(vm.urn)
    assert res is not None
    assert inv.vm_set(res) is inv.get(aset.urn)


def test_reference_outside_the_scan_is_unknown_and_counts_for_nothing() -> None:
    s = StackBuilder()
    aset = s.add(AS, "web-as", {})
    elsewhere = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/availabilitySets/other"
    vm = s.add(VM, "vm", {"availabilitySet": {"id": elsewhere}})
    inv = inventory(s)
    res = inv.get(vm.urn)
    assert res is not None
    assert inv.vm_set(res) is UNKNOWN
    aset_res = inv.get(aset.urn)
    assert aset_res is not None and inv.members(aset_res) == ()


def test_property_dependencies_filtered_by_kind() -> None:
    s = StackBuilder()
    rg = s.add(RG, "rg", {"location": "eastus"})
    aset = s.add(AS, "web-as", {})
    vm = s.add(
        VM,
        "vm",
        {"availabilitySet": {"id": UNKNOWN_STR}},
        deps={"availabilitySet": [rg, aset]},
        id=None,
    )
    inv = inventory(s)
    res = inv.get(vm.urn)
    assert res is not None and inv.vm_set(res) is inv.get(aset.urn)


def test_location_chain_resource_group_then_provider_then_config() -> None:
    s = StackBuilder(config={"azure-native:location": "East US 2"})
    s.add(RG, "rg", {"location": "WestEurope", "resourceGroupName": "rg-weu"})
    explicit = s.add(PROVIDER, "west", {"location": "westus"})
    bare = s.add(PROVIDER, "bare", {})
    in_rg = s.add(VM, "in-rg", {"resourceGroupName": "rg-weu"})
    via_provider = s.add(VM, "via-provider", {"resourceGroupName": "x"}, provider=explicit)
    via_config = s.add(VM, "via-config", {"resourceGroupName": "x"})
    explicit_no_loc = s.add(VM, "explicit-no-loc", {}, provider=bare)
    inv = inventory(s)

    def loc(ref: object) -> object:
        res = inv.get(ref.urn)  # type: ignore[attr-defined]
        assert res is not None
        return inv.location(res)

    assert loc(in_rg) == "westeurope"
    assert loc(via_provider) == "westus"
    assert loc(via_config) == "eastus2"
    # explicit providers do not read stack config
    assert loc(explicit_no_loc) is UNKNOWN


def test_workloads_by_tag_then_set_then_vm_across_stacks() -> None:
    east = StackBuilder("prod-eastus")
    west = StackBuilder("prod-westus")
    for stack in (east, west):
        aset = stack.add(AS, "web-as", {})
        stack.add(VM, "web-0", {"availabilitySet": aset.sub()})
        stack.add(VM, "api", {"tags": {"workload": "api"}})
        stack.add(VM, "lonely", {})
    inv = inventory(east, west)
    keys = {wl.key: sorted((v.stack, v.name) for v in wl.vms) for wl in inv.workloads()}
    assert keys["set:app/web-as"] == [("prod-eastus", "web-0"), ("prod-westus", "web-0")]
    assert keys["tag:api"] == [("prod-eastus", "api"), ("prod-westus", "api")]
    assert keys["vm:app/lonely"] == [("prod-eastus", "lonely"), ("prod-westus", "lonely")]
    assert [len(wl.sets) for wl in inv.workloads() if wl.key == "set:app/web-as"] == [2]


def test_workload_tag_is_configurable() -> None:
    s = StackBuilder()
    s.add(VM, "a", {"tags": {"app": "shop"}})
    s.add(VM, "b", {"tags": {"app": "shop"}})
    inv = inventory(s, workload_tag="app")
    (wl,) = inv.workloads()
    assert wl.key == "tag:shop" and len(wl.vms) == 2 and wl.basis == "tag"


def test_kinds_of_versioned_tokens() -> None:
    assert t.kind_of("azure-native:compute/v20240701:VirtualMachine") == t.VM
    assert t.kind_of("azure-native_compute_v20230301:compute/v20230301:AvailabilitySet") == (
        t.AVAILABILITY_SET
    )
    assert t.kind_of("azure-native:network/v20230201preview:NetworkInterface") == t.NIC
    assert t.kind_of("pulumi:providers:azure-native") == t.PROVIDER
    assert t.kind_of("aws:ec2:Instance") == "aws:ec2:Instance"


def test_several_unknown_references_match_dependencies_only_in_any_order() -> None:
    s = StackBuilder()
    a = s.add("azure-native:network:Subnet", "sa", {}, id=None)
    b = s.add("azure-native:network:Subnet", "sb", {}, id=None)
    nic = s.add(
        "azure-native:network:NetworkInterface",
        "nic",
        {"ipConfigurations": [{"subnet": {"id": UNKNOWN_STR}}, {"subnet": {"id": UNKNOWN_STR}}]},
        deps={"ipConfigurations": [b, a]},  # the engine does not promise this order
        id=None,
    )
    inv = inventory(s)
    res = inv.get(nic.urn)
    assert res is not None
    values = [{"id": UNKNOWN}, {"id": UNKNOWN}]
    # which subnet belongs to which ip configuration cannot be told: no guess
    assert inv.refs(res, "ipConfigurations", values, [t.SUBNET]) == [UNKNOWN, UNKNOWN]
    both = inv.refs(res, "ipConfigurations", values, [t.SUBNET], any_order=True)
    assert {r.name for r in both} == {"sa", "sb"}
    # one unknown value but two candidates: still no guess
    assert inv.refs(res, "ipConfigurations", values[:1], [t.SUBNET]) == [UNKNOWN]


def test_explicit_provider_outside_the_scan_does_not_read_stack_config() -> None:
    s = StackBuilder(config={"azure-native:location": "eastus"})
    vm = s.add(VM, "vm", {}, id=None)
    vm.record["provider"] = "urn:pulumi:dev::app::pulumi:providers:azure-native::westprov::id-1"
    default = s.add(VM, "vm2", {}, id=None)
    default.record["provider"] = "urn:pulumi:dev::app::pulumi:providers:azure-native::default_3_29_0::x"
    inv = inventory(s)
    assert inv.location(inv.get(vm.urn)) is UNKNOWN  # type: ignore[arg-type]
    assert inv.location(inv.get(default.urn)) == "eastus"  # type: ignore[arg-type]


# -- replica groups ---------------------------------------------------------------------------


def test_replica_stems() -> None:
    from checker.inventory.workloads import replica_stem

    stems = {n: replica_stem(n) for n in ("web-0", "web1", "api-z1", "db_1", "app-zone-2", "vm-10")}
    assert stems == {"web-0": "web", "web1": "web", "api-z1": "api", "db_1": "db",
                     "app-zone-2": "app", "vm-10": "vm"}
    assert [replica_stem(n) for n in ("web", "42", "web-1a", "v2-web")] == [None, None, None, None]


def _workloads(*stacks: StackBuilder) -> dict[str, tuple[str, list[str]]]:
    inv = inventory(*stacks)
    return {wl.key: (wl.basis, sorted(v.name for v in wl.vms)) for wl in inv.workloads()}


def test_lone_vms_whose_names_differ_by_an_index_or_zone_are_one_workload() -> None:
    s = StackBuilder()
    for name in ("web-0", "web-1", "web-2", "api-z1", "api-z2", "db_1", "db_2", "cache1", "cache2"):
        s.add(VM, name, {})
    s.add(VM, "jump1", {})  # a lone name with an index: a VM alone
    s.add(VM, "web", {})  # no index: not one of the web replicas
    assert _workloads(s) == {
        "name:app/web": ("name", ["web-0", "web-1", "web-2"]),
        "name:app/api": ("name", ["api-z1", "api-z2"]),
        "name:app/db": ("name", ["db_1", "db_2"]),
        "name:app/cache": ("name", ["cache1", "cache2"]),
        "vm:app/jump1": ("vm", ["jump1"]),
        "vm:app/web": ("vm", ["web"]),
    }


def test_tags_and_sets_win_over_names_and_names_never_merge_projects() -> None:
    s = StackBuilder()
    aset = s.add(AS, "web-as", {})
    s.add(VM, "web-0", {"availabilitySet": aset.sub()})
    s.add(VM, "web-1", {})
    s.add(VM, "web-2", {"tags": {"workload": "frontend"}})
    other = StackBuilder(project="other")
    other.add(VM, "web-3", {})
    assert _workloads(s, other) == {
        "set:app/web-as": ("set", ["web-0"]),
        "vm:app/web-1": ("vm", ["web-1"]),  # its only name-sibling is in a set: alone
        "tag:frontend": ("tag", ["web-2"]),
        "vm:other/web-3": ("vm", ["web-3"]),
    }


def test_replica_identity_does_not_depend_on_the_stack() -> None:
    east, west = StackBuilder("prod-eastus"), StackBuilder("prod-westus")
    east.add(VM, "web-1", {})
    west.add(VM, "web-2", {})
    west.add(VM, "web-1", {})
    (wl,) = inventory(east, west).workloads()
    assert wl.key == "name:app/web" and wl.label == "web" and len(wl.vms) == 3
    assert wl.grouping == "grouped by name: web-1, web-2"
    assert wl.describe() == (
        "'web' (grouped by name: web-1, web-2; give VMs the same 'workload' tag to group them otherwise)"
    )


def test_workloads_say_how_they_were_grouped() -> None:
    s = StackBuilder()
    aset = s.add(AS, "db-as", {})
    s.add(VM, "db-a", {"availabilitySet": aset.sub()})
    s.add(VM, "api", {"tags": {"app": "shop"}})
    s.add(VM, "jump", {})
    for i in range(12):
        s.add(VM, f"node-{i}", {})
    inv = inventory(s, workload_tag="app")
    by_key = {wl.key: wl for wl in inv.workloads()}
    assert by_key["set:app/db-as"].grouping == "grouped by availability set 'db-as'"
    assert by_key["tag:shop"].grouping == "grouped by the 'app' tag"
    assert by_key["tag:shop"].override == "change the 'app' tag to regroup"
    assert by_key["vm:app/jump"].grouping == "a VM alone: no 'app' tag, set or replica names"
    assert by_key["name:app/node"].grouping == (
        "grouped by name: node-0, node-1, node-2, node-3, node-4, … (12 names)"
    )
