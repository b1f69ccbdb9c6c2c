"""Set membership and workloads: which VMs share a set, and which VMs serve one purpose."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from checker.azure import types as t
from checker.inventory.index import Ref, ResourceIndex
from checker.inventory.references import References
from checker.inventory.resource import Resource
from checker.values import UNKNOWN

_SET_PATHS = (("availabilitySet", t.AVAILABILITY_SET), ("virtualMachineScaleSet", t.SCALE_SET))


@dataclass(frozen=True)
class Workload:
    """VMs that serve one purpose: grouped by tag, else by set, else one VM alone."""

    key: str
    label: str
    basis: str  # "tag", "set", "vm", or "unknown" (its workload tag is not known)
    vms: tuple[Resource, ...]
    sets: tuple[Resource, ...]


class Memberships:
    """Which availability set or scale set each VM belongs to, and each set's members."""

    def __init__(self, index: ResourceIndex, references: References) -> None:
        self._vm_sets: dict[Resource, Ref] = {}
        self._members: dict[Resource, list[Resource]] = defaultdict(list)
        for vm in index.of_kind(t.VM):
            found: Ref = None
            for path, kind in _SET_PATHS:
                target = references.ref(vm, path, [kind])
                if isinstance(target, Resource):
                    self._members[target].append(vm)
                    if not isinstance(found, Resource):
                        found = target
                elif target is UNKNOWN and found is None:
                    found = UNKNOWN
            self._vm_sets[vm] = found

    def members(self, group: Resource) -> tuple[Resource, ...]:
        """The scanned VMs whose availability set / scale set resolves to ``group``."""
        return tuple(self._members.get(group, ()))

    def vm_set(self, vm: Resource) -> Ref:
        """The availability set or scale set a VM belongs to; UNKNOWN or None."""
        return self._vm_sets.get(vm)


class Workloads:
    """Workloads group VMs and scale sets: by the workload tag, else by set, else the VM."""

    def __init__(self, index: ResourceIndex, memberships: Memberships, workload_tag: str) -> None:
        self._tag_name = workload_tag
        self._memberships = memberships
        # Sets are kept in a dict (insertion-ordered, O(1) membership): one workload tag can
        # span thousands of sets.
        groups: dict[str, tuple[str, str, list[Resource], dict[Resource, None]]] = {}
        for res in index.of_kind(t.VM) + index.of_kind(t.SCALE_SET):
            key, label, basis, group = self._key(res)
            entry = groups.setdefault(key, (label, basis, [], {}))
            if res.kind == t.VM:
                entry[2].append(res)
            if isinstance(group, Resource):
                entry[3].setdefault(group)
        self._index: dict[Resource, Workload] = {}
        for key, (label, basis, vms, sets) in groups.items():
            wl = Workload(key, label, basis, tuple(vms), tuple(sets))
            for res in (*vms, *sets):
                self._index[res] = wl

    def _tag(self, res: Resource) -> Any:
        """The workload tag's value: a string, None, or UNKNOWN (the tag or all tags unknown)."""
        tags = res.props.get("tags")
        if tags is UNKNOWN:
            return UNKNOWN
        return tags.get(self._tag_name) if isinstance(tags, Mapping) else None

    def _key(self, res: Resource) -> tuple[str, str, str, Ref]:
        """(key, label, basis, set). Basis ``unknown`` when the workload tag is not known yet:
        the VM could belong to any workload, so rules over workloads do not judge it."""
        tag = self._tag(res)
        group: Ref = res if res.kind == t.SCALE_SET else self._memberships.vm_set(res)
        if tag is UNKNOWN:
            return f"unknown:{res.urn}", res.name, "unknown", group
        if isinstance(tag, str) and tag:
            return f"tag:{tag}", tag, "tag", group
        if isinstance(group, Resource):
            set_tag = self._tag(group)
            if set_tag is UNKNOWN:
                return f"unknown:{res.urn}", res.name, "unknown", group
            if isinstance(set_tag, str) and set_tag:
                return f"tag:{set_tag}", set_tag, "tag", group
            return f"set:{group.project}/{group.name}", group.name, "set", group
        return f"vm:{res.project}/{res.name}", res.name, "vm", None

    def of(self, res: Resource) -> Workload:
        """The workload of a VM or scale set."""
        return self._index[res]

    def all(self) -> tuple[Workload, ...]:
        unique = {wl.key: wl for wl in self._index.values()}
        return tuple(unique[k] for k in sorted(unique))
