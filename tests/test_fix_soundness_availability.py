"""Fix soundness for the availability rules (MC102-MC106), and tests of the patch helper."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from checker.azure import types as t
from checker.config import Settings
from checker.inventory import Inventory
from checker.model import Finding, Fix, PatchOp, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from tests.builders import StackBuilder
from tests.patching import PatchError, apply_patch, assert_fixes_sound

VM = "azure-native:compute:VirtualMachine"
AS = "azure-native:compute:AvailabilitySet"

# -- apply_patch ---------------------------------------------------------------------------


def test_apply_patch_add_replace_remove_on_a_copy() -> None:
    inputs = {"sku": {"name": "Classic"}, "zones": ["1"], "tags": {"a/b": "x"}}
    out = apply_patch(
        inputs,
        [
            PatchOp("replace", "/sku/name", "Aligned"),
            PatchOp("add", "/zones/-", "2"),
            PatchOp("add", "/platformUpdateDomainCount", 3),
            {"op": "remove", "path": "/tags/a~1b"},
        ],
    )
    assert out == {
        "sku": {"name": "Aligned"},
        "zones": ["1", "2"],
        "tags": {},
        "platformUpdateDomainCount": 3,
    }
    assert inputs == {"sku": {"name": "Classic"}, "zones": ["1"], "tags": {"a/b": "x"}}


def test_apply_patch_add_inserts_into_arrays_and_replaces_members() -> None:
    out = apply_patch({"zones": ["1", "3"], "sku": {"capacity": 1}}, [
        PatchOp("add", "/zones/1", "2"),
        PatchOp("add", "/sku/capacity", 2),
    ])
    assert out == {"zones": ["1", "2", "3"], "sku": {"capacity": 2}}


@pytest.mark.parametrize(
    ("inputs", "op", "needle"),
    [
        ({}, PatchOp("add", "/sku/name", "Aligned"), "'/sku' does not exist"),
        ({}, PatchOp("replace", "/sku", {}), "does not exist"),
        ({"sku": {}}, PatchOp("remove", "/sku/name"), "does not exist"),
        ({"zones": ["1"]}, PatchOp("replace", "/zones/1", "2"), "out of range"),
        ({"zones": ["1"]}, PatchOp("add", "/zones/x", "2"), "not an array index"),
        ({"a": 1}, PatchOp("add", "/a/b", 2), "not an object or array"),
        ({}, PatchOp("move", "/a", 1), "unsupported operation"),
        ({}, PatchOp("add", "sku", 1), "starts with '/'"),
    ],
)
def test_apply_patch_rejects_what_rfc6902_rejects(
    inputs: dict[str, object], op: PatchOp, needle: str
) -> None:
    with pytest.raises(PatchError, match=needle):
        apply_patch(inputs, [op])


# -- assert_fixes_sound --------------------------------------------------------------------


def test_assert_fixes_sound_fails_when_no_fix_qualifies() -> None:
    # MC101's fixes all need new resources (a set, a scale set, a second VM): nothing to apply.
    s = StackBuilder("dev")
    s.add(VM, "lonely", {"resourceGroupName": "rg"})
    with pytest.raises(AssertionError, match="no fix was exercised"):
        assert_fixes_sound(s, rules=["MC101"])


def test_assert_fixes_sound_fails_when_there_is_no_finding() -> None:
    s = StackBuilder("dev")
    with pytest.raises(AssertionError, match="no fix was exercised"):
        assert_fixes_sound(s)


def _rule_with_fix(patch: tuple[PatchOp, ...]) -> Rule:
    """A test rule: a set whose sku is not Aligned, fixed by ``patch``."""

    def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
        for aset in inv.of_kind(t.AVAILABILITY_SET):
            if aset.get("sku.name") != "Aligned":
                yield rule.finding(aset, "not aligned", [Fix("fix", patch, "", False)])

    doc = RuleDoc("what", "why", "example", "fix")
    rule = Rule("MC999", "test-rule", Severity.ERROR, "test", doc, check)
    return rule


def test_assert_fixes_sound_accepts_a_fix_that_works() -> None:
    s = StackBuilder("dev")
    s.add(AS, "web-as", {"sku": {"name": "Classic"}}, outputs={"sku": {"name": "Classic"}})
    rule = _rule_with_fix((PatchOp("replace", "/sku/name", "Aligned"),))
    exercised = assert_fixes_sound(s, rules=[rule])
    assert exercised == [("MC999", s.records[0]["urn"], "fix")]
    assert s.records[0]["inputs"] == {"sku": {"name": "Classic"}}  # the stack is untouched


def test_assert_fixes_sound_rejects_a_fix_that_leaves_the_finding() -> None:
    s = StackBuilder("dev")
    s.add(AS, "web-as", {"sku": {"name": "Classic"}})
    rule = _rule_with_fix((PatchOp("replace", "/sku/name", "Classic"),))
    with pytest.raises(AssertionError, match="still reported"):
        assert_fixes_sound(s, rules=[rule])


def test_assert_fixes_sound_rejects_a_patch_that_does_not_apply() -> None:
    s = StackBuilder("dev")
    s.add(AS, "web-as", {})
    rule = _rule_with_fix((PatchOp("add", "/sku/name", "Aligned"),))
    with pytest.raises(AssertionError, match="patch does not apply"):
        assert_fixes_sound(s, rules=[rule])


# -- the availability rules ------------------------------------------------------------------

AVAILABILITY = ["MC102", "MC103", "MC104", "MC105", "MC106"]
VMSS = "azure-native:compute:VirtualMachineScaleSet"
MANAGED = {"osDisk": {"createOption": "FromImage", "managedDisk": {"storageAccountType": "Premium_LRS"}}}


def _set_with_vms(s: StackBuilder, name: str, vms: int, inputs: dict[str, object],
                  outputs: bool = False) -> None:
    group = s.add(AS, name, {"resourceGroupName": "rg", **inputs},
                  outputs={"name": name, **inputs} if outputs else None)
    for i in range(vms):
        s.add(VM, f"{name}-vm{i}", {"resourceGroupName": "rg", "storageProfile": MANAGED,
                                    "availabilitySet": group.sub()},
              deps={"availabilitySet": [group]})


def test_availability_fixes_make_their_findings_go_away() -> None:
    s = StackBuilder("dev", config={"azure-native:location": "westeurope"})
    _set_with_vms(s, "ud-as", 3, {"platformUpdateDomainCount": 2, "sku": {"name": "Aligned"}})
    _set_with_vms(s, "ud-unset-as", 11, {"sku": {"name": "Aligned"}})  # fires below 27%
    _set_with_vms(s, "fd-as", 2, {"platformFaultDomainCount": 1.0, "sku": {"name": "Aligned"}},
                  outputs=True)
    _set_with_vms(s, "classic-as", 2, {"sku": {"name": "Classic"}}, outputs=True)
    _set_with_vms(s, "nosku-as", 2, {})
    _set_with_vms(s, "single-as", 1, {"sku": {"name": "Aligned"}})  # MC102: needs a new VM
    s.add(VMSS, "api-vmss", {"sku": {"name": "Standard_D2s_v5", "capacity": 1},
                             "virtualMachineProfile": {}})
    s.add(VMSS, "nosku-vmss", {"virtualMachineProfile": {}, "orchestrationMode": "Uniform"})
    s.add(VMSS, "zero-vmss", {"sku": {"name": "Standard_D2s_v5", "capacity": 0.0},
                              "virtualMachineProfile": {}})
    exercised = assert_fixes_sound(s, rules=AVAILABILITY)
    done = sorted({(rule, urn.rsplit("::", 1)[1]) for rule, urn, _title in exercised})
    assert done == [
        ("MC103", "ud-as"),
        ("MC104", "fd-as"),
        ("MC105", "classic-as"),
        ("MC105", "nosku-as"),
        ("MC106", "api-vmss"),
        ("MC106", "zero-vmss"),
    ]


def test_mc103_fix_is_sound_under_a_stricter_max_unavailable() -> None:
    s = StackBuilder("dev")
    _set_with_vms(s, "big-as", 7, {"platformUpdateDomainCount": 3})  # 3 of 7 (43%) at once
    strict = Settings(options=RuleOptions(max_unavailable=0.25))
    with pytest.raises(AssertionError, match="no fix was exercised"):
        assert_fixes_sound(s, rules=["MC103"])  # within the default 50%
    exercised = assert_fixes_sound(s, rules=["MC103"], settings=strict)
    assert [title for _rule, _urn, title in exercised] == [
        "Set platformUpdateDomainCount to 7 (1 of 7 VMs (14%) down at once); the count is fixed "
        "at creation, so the set and its VMs are recreated"
    ]
