"""Lookups by URN, kind, ARM id and Azure name: every one a dictionary access."""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from checker.azure import types as t
from checker.inventory.resource import Resource, azure_name
from checker.values import UNKNOWN

Ref = Any  # Resource | UNKNOWN | None: see References.ref

# The order of a scan's resources: stack, project, kind, name, URN.
_ORDER = operator.attrgetter("stack", "project", "kind", "name", "urn")


def parse_arm_id(arm_id: str) -> tuple[str, str] | None:
    """(lower-case ARM type, lower-case name) of an ARM id, or None when it is not one."""
    low = [s for s in arm_id.strip().lower().split("/") if s]
    if len(low) < 2:
        return None
    if "providers" in low:
        i = len(low) - 1 - low[::-1].index("providers")
        rest = low[i + 1 :]
        if len(rest) < 3 or len(rest) % 2 == 0:
            return None
        return "/".join([rest[0], *rest[1::2]]), rest[-1]
    if len(low) >= 4 and low[-2] == "resourcegroups":
        return "microsoft.resources/resourcegroups", low[-1]
    return None


class ResourceIndex:
    """The resources of one scan, sorted, and indexed by URN, kind, ARM id and Azure name."""

    def __init__(self, resources: Sequence[Resource]) -> None:
        self.resources: tuple[Resource, ...] = tuple(sorted(resources, key=_ORDER))
        self._by_urn: dict[str, Resource] = {res.urn: res for res in self.resources}
        self._by_kind: dict[str, list[Resource]] = defaultdict(list)
        self._by_id: dict[tuple[str, str], Resource] = {}
        self._by_id_any: dict[str, Resource] = {}
        self._by_arm_name: dict[tuple[str, str, str], Resource] = {}
        self._resolved: dict[tuple[str, str, tuple[str, ...]], Ref] = {}
        arm_types = t.ARM_TYPES
        for res in self.resources:  # (names bound once: this runs for every resource)
            kind, stack = res.kind, res.stack
            self._by_kind[kind].append(res)
            if isinstance(res.id, str) and res.id:
                low = res.id.lower()
                self._by_id[(stack, low)] = res
                self._by_id_any.setdefault(low, res)
            arm = arm_types.get(kind)
            if arm:
                name = azure_name(res)
                if isinstance(name, str):
                    self._by_arm_name.setdefault((stack, arm, name.lower()), res)

    def get(self, urn: str | None) -> Resource | None:
        return self._by_urn.get(urn) if urn else None

    def of_kind(self, kind: str) -> tuple[Resource, ...]:
        return tuple(self._by_kind.get(kind, ()))

    def kinds(self) -> Iterable[str]:
        return self._by_kind.keys()

    def by_arm_name(self, stack: str, kind: str, name: str) -> Resource | None:
        """The resource of ``kind`` named ``name`` in Azure (case-insensitive) in ``stack``."""
        return self._by_arm_name.get((stack, t.ARM_TYPES[kind], name.lower()))

    def by_id(self, res: Resource, arm_id: str, kinds: Iterable[str] = ()) -> Ref:
        """Resolve an ARM id from ``res``'s stack: exact id, then type/name segments."""
        key = (res.stack, arm_id, tuple(kinds))
        try:
            return self._resolved[key]
        except KeyError:
            found = self._resolved[key] = self._by_id_uncached(res, arm_id, key[2])
            return found

    def _by_id_uncached(self, res: Resource, arm_id: str, kinds: tuple[str, ...]) -> Ref:
        low = arm_id.lower()
        hit = self._by_id.get((res.stack, low)) or self._by_id_any.get(low)
        if hit is not None and (not kinds or hit.kind in kinds):
            return hit
        parsed = parse_arm_id(arm_id)
        if parsed is not None:
            arm_type, name = parsed
            kind = t.KIND_OF_ARM_TYPE.get(arm_type)
            if kind and (not kinds or kind in kinds):
                found = self._by_arm_name.get((res.stack, arm_type, name))
                if found is not None:
                    return found
        return UNKNOWN
