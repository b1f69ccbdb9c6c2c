"""Set membership and workloads: which VMs share a set, and which VMs serve one purpose."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from checker.azure import types as t
from checker.inventory.index import Ref, ResourceIndex
from checker.inventory.references import References
from checker.inventory.resource import Resource
from checker.values import UNKNOWN

_SET_PATHS = (("availabilitySet", t.AVAILABILITY_SET), ("virtualMachineScaleSet", t.SCALE_SET))


# A trailing index or zone suffix: web-0, web1, db_1, api-z1, app-zone-2, web-az3.
_REPLICA_NAME = re.compile(r"^(?P<stem>.*?[A-Za-z0-9])(?:[-_.]?(?:zone|az|z)[-_]?|[-_.]?)(?P<index>\d+)$")
_SHOWN_NAMES = 5


def replica_stem(name: str) -> str | None:
    """The name without its trailing index or zone suffix (``web-0`` -> ``web``), or None when
    the name has no such suffix (or nothing with a letter is left)."""
    match = _REPLICA_NAME.match(name)
    if match is None:
        return None
    stem = match.group("stem")
    return stem if any(ch.isalpha() for ch in stem) else None


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders ``web-2`` before ``web-10``."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text))


@dataclass(frozen=True)
class Workload:
    """VMs that serve one purpose: grouped by tag, else by set, else by replica names
    (``web-0``, ``web-1``), else one VM alone. The key does not depend on the stack."""

    key: str
    label: str
    basis: str  # "tag", "set", "name", "vm", or "unknown" (its workload tag is not known)
    vms: tuple[Resource, ...]
    sets: tuple[Resource, ...]
    tag: str = "workload"  # the tag that groups VMs (config ``workload-tag``)

    @cached_property
    def names(self) -> tuple[str, ...]:
        """The distinct logical names of its VMs, in natural order (``web-2`` before ``web-10``)."""
        return tuple(sorted({vm.name for vm in self.vms}, key=natural_key))

    @cached_property
    def grouping(self) -> str:
        """How the VMs were grouped: ``grouped by name: web-0, web-1, web-2``."""
        if self.basis == "tag":
            return f"grouped by the {self.tag!r} tag"
        if self.basis == "set":
            kinds = {s.kind for s in self.sets}
            what = "scale set" if kinds == {t.SCALE_SET} else "availability set"
            return f"grouped by {what} {self.label!r}"
        if self.basis == "name":
            names = self.names
            shown = ", ".join(names[:_SHOWN_NAMES])
            more = f", … ({len(names)} names)" if len(names) > _SHOWN_NAMES else ""
            return f"grouped by name: {shown}{more}"
        if self.basis == "unknown":
            return f"its {self.tag!r} tag is not known"
        return f"a VM alone: no {self.tag!r} tag, set or replica names"

    @property
    def override(self) -> str:
        """How a user groups the VMs otherwise."""
        if self.basis == "tag":
            return f"change the {self.tag!r} tag to regroup"
        return f"give VMs the same {self.tag!r} tag to group them otherwise"

    def describe(self) -> str:
        """``'web' (grouped by name: web-0, web-1; give VMs the same 'workload' tag ...)``."""
        if self.basis == "tag":  # the user's own grouping
            return f"{self.label!r} ({self.grouping})"
        return f"{self.label!r} ({self.grouping}; {self.override})"


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
    """Workloads group VMs and scale sets: by the workload tag, else by set, else by replica
    names (logical names of one project that differ only by a trailing index or zone suffix),
    else the VM alone. Names only, never the call chain or the stack, so every front door
    (program, preview, export, policy pack) groups the same resources the same way."""

    def __init__(self, index: ResourceIndex, memberships: Memberships, workload_tag: str) -> None:
        self._tag_name = workload_tag
        self._memberships = memberships
        members = index.of_kind(t.VM) + index.of_kind(t.SCALE_SET)
        keyed = [(res, self._key(res)) for res in members]
        replicas = self._replica_groups(r for r, (_key, _label, basis, _group) in keyed if basis == "vm")
        # Sets are kept in a dict (insertion-ordered, O(1) membership): one workload tag can
        # span thousands of sets.
        groups: dict[str, tuple[str, str, list[Resource], dict[Resource, None]]] = {}
        for res, (key, label, basis, group) in keyed:
            if basis == "vm" and res in replicas:
                key, label, basis = replicas[res]
            entry = groups.setdefault(key, (label, basis, [], {}))
            if res.kind == t.VM:
                entry[2].append(res)
            if isinstance(group, Resource):
                entry[3].setdefault(group)
        self._index: dict[Resource, Workload] = {}
        for key, (label, basis, vms, sets) in groups.items():
            wl = Workload(key, label, basis, tuple(vms), tuple(sets), workload_tag)
            for res in (*vms, *sets):
                self._index[res] = wl

    @staticmethod
    def _replica_groups(vms: Iterable[Resource]) -> dict[Resource, tuple[str, str, str]]:
        """(key, label, basis) of the lone VMs whose names form a replica group: two or more
        distinct logical names of one project with one stem (``web-0``, ``web-1``)."""
        by_stem: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        for vm in vms:
            stem = replica_stem(vm.name)
            if stem is not None:
                by_stem[(vm.project, stem)].append(vm)
        found: dict[Resource, tuple[str, str, str]] = {}
        for (project, stem), group in by_stem.items():
            if len({vm.name for vm in group}) < 2:
                continue
            for vm in group:
                found[vm] = (f"name:{project}/{stem}", stem, "name")
        return found

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
