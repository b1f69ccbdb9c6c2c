"""What the scan's speed-ups must not change: per-inventory memos, the garbage collector's
state, and workload membership across many sets."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from checker.cli import cli
from checker.inventory import Document, Inventory
from checker.memory import collector_paused, frozen_for_the_command
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


def test_kept_graph_is_frozen_out_of_every_later_collection() -> None:
    gc.unfreeze()
    try:
        with collector_paused(keep=True):
            built = [{"n": [i]} for i in range(1000)]
            assert not gc.isenabled()
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(built)
        before = gc.get_freeze_count()
        with pytest.raises(RuntimeError), collector_paused(keep=True):
            more = [[i] for i in range(1000)]
            raise RuntimeError(len(more))
        # a failed block freezes nothing (frozen objects may still be freed meanwhile)
        assert gc.get_freeze_count() <= before
        assert gc.isenabled()
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("command", ["scan", "simulate"])
def test_a_scan_command_freezes_its_graph_while_it_runs(
    tmp_path: Path, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = StackBuilder("dev")
    stack.add(VM, "vm", {"location": "eastus"})
    export = stack.write(tmp_path / "export.json")
    frozen: list[int] = []
    freeze = gc.freeze

    def counted_freeze() -> None:
        freeze()
        frozen.append(gc.get_freeze_count())

    monkeypatch.setattr(gc, "freeze", counted_freeze)
    gc.unfreeze()
    result = CliRunner().invoke(cli, [command, str(export)])
    assert result.exit_code in (0, 1), result.output
    assert "vm" in result.output
    assert len(frozen) == 1 and frozen[0] > 0  # the scan's graph, out of every collection
    assert gc.get_freeze_count() == 0  # and back within reach once the command ended
    assert gc.isenabled()


def test_what_someone_else_froze_stays_frozen() -> None:
    gc.unfreeze()
    kept = [[i] for i in range(100)]
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with frozen_for_the_command(), collector_paused(keep=True):
            more = [[i] for i in range(100)]
        assert gc.get_freeze_count() >= before + len(more)
    finally:
        gc.unfreeze()
    assert kept and gc.get_freeze_count() == 0
    with frozen_for_the_command(), collector_paused(keep=True):
        more = [[i] for i in range(100)]
    assert gc.get_freeze_count() == 0


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


# -- the pack reads protobuf values normalised in one walk -----------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from checker.sources.policy import document_from_analyzer, proto_value  # noqa: E402
from checker.values import (  # noqa: E402
    RESOURCE_REF_SIG,
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN_SENTINELS,
    normalize,
)

_KEYS = st.sampled_from(
    ["name", "adminPassword", "privateIPAddress", "id", "value", "apiKey", "tags", SIG_KEY]
) | st.text(max_size=6)
_STRINGS = st.sampled_from([*sorted(UNKNOWN_SENTINELS), "[secret]", SECRET_SIG, RESOURCE_REF_SIG,
                            "Static", ""]) | st.text(max_size=8)
_LEAVES = st.none() | st.booleans() | _STRINGS | st.floats(allow_nan=False) | st.integers(
    min_value=-(2**40), max_value=2**40
).map(float)
_PLAIN = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)


def _wire(value: Any) -> Any:
    """``value`` as a ``google.protobuf.Value``, as the engine sends properties."""
    from google.protobuf import struct_pb2

    message = struct_pb2.Value()
    if isinstance(value, dict):
        message.struct_value.SetInParent()  # an empty object is still an object
        message.struct_value.update(value)
    elif isinstance(value, list):
        message.list_value.SetInParent()
        message.list_value.extend(value)
    elif value is None:
        message.null_value = struct_pb2.NULL_VALUE
    elif isinstance(value, bool):
        message.bool_value = value
    elif isinstance(value, float):
        message.number_value = value
    else:
        message.string_value = value
    return message


@settings(max_examples=300, deadline=None)
@given(value=_PLAIN, key=_KEYS)
def test_protobuf_values_read_in_one_walk_equal_normalised_plain_values(value: Any, key: str) -> None:
    """Secrets, resource references, unknown sentinels, credential-like keys and integral
    numbers come out of :func:`proto_value` exactly as ``normalize`` makes them of the plain
    value: the inventory reads the pack's properties without normalising them again."""
    assert repr(proto_value(_wire(value), key)) == repr(normalize(_sorted(value), key))


def _sorted(value: Any) -> Any:
    """Objects with their keys in order, as the engine's JSON documents write them."""
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    return [_sorted(v) for v in value] if isinstance(value, list) else value


def test_pack_properties_are_read_as_they_are() -> None:
    """A message's properties are normalised once, keys in order, and judged as they are."""
    from tests.policy_harness import analyzer_resources

    (message,) = analyzer_resources([{
        "urn": "urn:pulumi:dev::app::azure-native:compute:VirtualMachine::vm",
        "type": "azure-native:compute:VirtualMachine",
        "inputs": {"zones": ["1"], "adminPassword": "hunter2", "count": 2.0,
                   "nested": {SIG_KEY: SECRET_SIG, "value": "x"}},
    }])
    (res,) = Inventory.build([document_from_analyzer([message])]).resources
    assert repr(dict(res.props)) == (
        "{'adminPassword': SECRET, 'count': 2, 'nested': SECRET, 'zones': ['1']}"
    )
    assert res.props is res.inputs


def test_outputs_equal_to_inputs_merge_to_the_inputs_and_known_outputs_still_win() -> None:
    from checker.inventory.resource import Properties
    from checker.values import UNKNOWN_SENTINEL

    inputs = {"location": "eastus", "sku": {"name": "Basic"}, "count": 1, "secret": "x",
              "profile": {"osDisk": {"caching": "ReadWrite"}, "size": "S"}}
    outputs = {"location": "eastus", "sku": {"name": "Standard"}, "count": True,
               "secret": "x", "profile": {"osDisk": {"caching": UNKNOWN_SENTINEL}, "size": "M"},
               "name": "vm"}
    given = Properties(inputs)
    props = Properties(inputs, outputs, given)
    assert props["location"] == "eastus"
    assert props["sku"] == {"name": "Standard"}  # a known output wins
    assert props["count"] is True  # 1 == True, but the output's own type is kept
    assert props["profile"] == {"osDisk": {"caching": "ReadWrite"}, "size": "M"}  # unknown: input
    assert props["name"] == "vm"
    assert repr(props["secret"]) == "SECRET"
    assert props["location"] is given["location"]  # read once, shared


_JSON = st.recursive(
    st.none() | st.booleans() | _STRINGS | st.floats(allow_nan=False) | st.integers(-3, 3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=12,
)
_OBJECTS = st.dictionaries(_KEYS, _JSON, max_size=5)


@settings(max_examples=300, deadline=None)
@given(inputs=_OBJECTS, outputs=st.none() | _OBJECTS, changed=_OBJECTS)
def test_properties_read_whole_equal_properties_read_lazily(
    inputs: dict[str, Any], outputs: dict[str, Any] | None, changed: dict[str, Any]
) -> None:
    """A VM's properties are normalised whole when it is made, a resource of a kind no rule
    judges lazily, key by key: both read the same values, in the same order, with known
    outputs winning over inputs (and outputs that equal their inputs by ``==`` but not as
    JSON, ``1`` and ``true``, kept as the outputs say)."""
    from checker.inventory import RawResource
    from checker.inventory.resource import Properties, make_resource

    if outputs is not None:
        outputs = {**outputs, **{k: v for k, v in inputs.items() if k not in changed}, **changed}
    raw = RawResource(urn="urn:pulumi:dev::app::azure-native:compute:VirtualMachine::vm",
                      type="azure-native:compute:VirtualMachine", inputs=inputs, outputs=outputs)
    whole = make_resource(raw, _DOC, "compute:VirtualMachine")
    lazy = make_resource(raw, _DOC, "storage:StorageAccount")
    assert isinstance(lazy.props, Properties) and not isinstance(whole.props, Properties)
    for key in [*inputs, *(outputs or {})]:  # lazily, each key is read on its own
        assert repr(lazy.props[key]) == repr(whole.props[key])
    assert repr(list(whole.props.items())) == repr(list(lazy.props.items()))
    assert repr(list(whole.inputs.items())) == repr(list(lazy.inputs.items()))


_DOC = Document(origin="test", source_kind="export", project="app", stack="dev", resources=())


# -- outputs equal to inputs (review of the speed-ups) ---------------------------------------


def _windows_pair(automatic_updates_in: Any, automatic_updates_out: Any) -> StackBuilder:
    """Two Windows VMs of an availability set whose output ``osProfile`` equals its input by
    ``==`` but spells ``enableAutomaticUpdates`` another way."""
    s = StackBuilder()
    group = s.add(AS, "web-as", {"resourceGroupName": "rg", "sku": {"name": "Aligned"}})

    def profile(updates: Any) -> dict[str, Any]:
        return {"computerName": "web", "windowsConfiguration": {"enableAutomaticUpdates": updates}}

    for i in range(2):
        s.add(VM, f"web-{i}", {"resourceGroupName": "rg", "availabilitySet": group.sub(),
                               "osProfile": profile(automatic_updates_in)},
              outputs={"availabilitySet": group.sub(), "osProfile": profile(automatic_updates_out)},
              deps={"availabilitySet": [group]})
    return s


def test_an_output_equal_to_its_input_only_by_python_equality_still_wins(tmp_path: Path) -> None:
    """``0 == False`` and ``1 == True`` in Python, not in JSON: the output's ``false`` is what the
    engine judges (MC403 keeps quiet), as before the outputs-equal-inputs shortcut, through the
    command line."""
    export = _windows_pair(0, False).write(tmp_path / "export.json")
    proc = subprocess.run(
        [sys.executable, "-m", "checker", "scan", str(export), "--select", "MC403", "--format",
         "json"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["findings"] == []
    props = inventory(_windows_pair(1, True)).resources[1].props["osProfile"]
    assert props["windowsConfiguration"]["enableAutomaticUpdates"] is True


def test_a_resource_repr_shows_no_property_value() -> None:
    """Properties are read whole into plain dicts for the kinds rules judge; a resource's repr
    (a debugger, a failing assertion) still names no value: a script may hold a password."""
    from checker.inventory import RawResource
    from checker.inventory.resource import make_resource

    script = "#!/bin/sh\necho 'admin:hunter2' | chpasswd\n"
    raw = RawResource(
        urn="urn:pulumi:dev::app::azure-native:compute:VirtualMachine::vm",
        type="azure-native:compute:VirtualMachine",
        inputs={"osProfile": {"customData": script}, "location": "eastus"},
    )
    for kind in ("compute:VirtualMachine", "storage:StorageAccount"):  # read whole, lazily
        res = make_resource(raw, _DOC, kind)
        assert res.props["osProfile"]["customData"] == script
        assert "hunter2" not in repr(res) and "eastus" not in repr(res)
        assert "urn:pulumi:dev::app::azure-native:compute:VirtualMachine::vm" in repr(res)
