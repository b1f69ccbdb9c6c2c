"""What the scan's speed-ups must not change: per-inventory memos, the garbage collector's
state, and workload membership across many sets."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from checker.inventory import Inventory
from checker.memory import collector_paused
from checker.rules.support import network as net
from tests.builders import StackBuilder, inventory

VM = "azure-native:compute:VirtualMachine"
AS = "azure-native:compute:AvailabilitySet"
NIC = "azure-native:network:NetworkInterface"

def test_collector_is_paused_inside_and_restored_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # someone else's choice stays
    finally:
        gc.enable()


def test_collector_is_restored_when_the_scan_raises() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_memo_computes_once_per_inventory_and_arguments() -> None:
    s = StackBuilder()
    a = s.add(VM, "a", {"location": "eastus"})
    s.add(VM, "b", {"location": "eastus"})
    inv = inventory(s)
    calls: list[tuple[Inventory, tuple[Any, ...]]] = []

    def count(given: Inventory, *args: Any) -> tuple[str, ...]:
        calls.append((given, args))
        return tuple(r.name for r in given.resources) + args

    assert inv.memo(count) == ("a", "b")
    assert inv.memo(count) == ("a", "b")
    assert inv.memo(count, a.urn) == ("a", "b", a.urn)
    assert inv.memo(count, a.urn) == ("a", "b", a.urn)
    assert calls == [(inv, ()), (inv, (a.urn,))]
    other = inventory(s)
    assert other.memo(count) == ("a", "b")
    assert len(calls) == 3  # another inventory computes its own


def test_ip_configurations_are_shared_between_rules_of_one_inventory() -> None:
    s = StackBuilder()
    nic = s.add(NIC, "nic", {"ipConfigurations": [{"name": "ip1"}]})
    s.add(VM, "vm", {"networkProfile": {"networkInterfaces": [{"id": nic.id}]}})
    inv = inventory(s)
    first, second = list(net.vm_ip_configs(inv)), list(net.vm_ip_configs(inv))
    assert [c.name for c in first if isinstance(c, net.IpConfig)] == ["ip1"]
    assert all(x is y for x, y in zip(first, second, strict=True))


def test_workload_lists_each_of_many_sets_once_in_order() -> None:
    s = StackBuilder()
    sets = [s.add(AS, f"as-{i:03}", {"location": "eastus"}) for i in range(60)]
    for i in range(240):
        s.add(VM, f"vm-{i:03}", {"location": "eastus", "tags": {"workload": "web"},
                                 "availabilitySet": {"id": sets[i % 60].id}})
    inv = inventory(s)
    (workload,) = inv.workloads()
    assert [r.name for r in workload.sets] == [f"as-{i:03}" for i in range(60)]
    assert len(workload.vms) == 240
