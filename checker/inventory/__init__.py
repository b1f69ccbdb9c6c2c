"""The inventory: every resource of a scan, with references, locations and workloads resolved.

Sources produce :class:`Document` objects of :class:`RawResource` records; :meth:`Inventory.build`
turns any number of them into one indexed, read-only picture that rules query. The work is
split by concern, each a module of this package behind the small :class:`Inventory` facade:

* ``resource``: the records and the :class:`Resource` rules judge (lazily normalised properties);
* ``index``: lookups by URN, kind, ARM id and Azure name;
* ``references``: which scanned resource a property points at;
* ``locations``: where a resource runs;
* ``workloads``: set membership and workloads.

Every lookup is a dictionary access, so building and querying stay linear in the number of
resources.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, TypeVar, cast

from checker.azure import classic
from checker.inventory.index import Ref, ResourceIndex, parse_arm_id
from checker.inventory.locations import Locations
from checker.inventory.references import References
from checker.inventory.resource import (
    Document,
    RawResource,
    Resource,
    SourcePosition,
    azure_name,
    make_resource,
    name_or_logical,
    parse_urn,
)
from checker.inventory.workloads import Memberships, Workload, Workloads

__all__ = [
    "Document",
    "Inventory",
    "RawResource",
    "Ref",
    "Resource",
    "SourcePosition",
    "Workload",
    "azure_name",
    "name_or_logical",
    "parse_arm_id",
    "parse_urn",
]

T = TypeVar("T")


class Inventory:
    """Indexed, read-only view of the resources of one scan (any number of stacks)."""

    def __init__(
        self,
        resources: Sequence[Resource],
        configs: Mapping[tuple[str, str], Mapping[str, Any]],
        workload_tag: str = "workload",
        warnings: tuple[str, ...] = (),
    ) -> None:
        self._index = ResourceIndex(resources)
        self.resources = self._index.resources
        self._references = References(self._index)
        self._locations = Locations(self._index, self._references, configs)
        self._memberships = Memberships(self._index, self._references)
        self._workloads = Workloads(self._index, self._memberships, workload_tag)
        self._memo: dict[Hashable, Any] = {}
        self.warnings = warnings  # what the scan cannot judge (resources of unmodelled types)

    @classmethod
    def build(cls, documents: Iterable[Document], workload_tag: str = "workload") -> Inventory:
        resources: list[Resource] = []
        configs: dict[tuple[str, str], Mapping[str, Any]] = {}
        # type token -> (kind, what to do with it: _AS_IS, _CLASSIC or _UNMODELLED), once per token
        kinds: dict[str, tuple[str, int]] = {}
        unmodelled: dict[str, int] = {}
        for doc in documents:
            configs[(doc.stack, doc.project)] = doc.config
            for raw in doc.resources:
                known = kinds.get(raw.type)
                if known is None:
                    known = kinds[raw.type] = _kind_of(raw.type)
                kind, handling = known
                if handling == _CLASSIC:
                    raw = _native_shape(raw)
                elif handling == _UNMODELLED and raw.custom:
                    unmodelled[raw.type] = unmodelled.get(raw.type, 0) + 1
                resources.append(make_resource(raw, doc, kind))
        warning = classic.unmodelled_warning(unmodelled)
        return cls(resources, configs, workload_tag, warnings=(warning,) if warning else ())

    def memo(self, compute: Callable[..., T], *args: Hashable) -> T:
        """``compute(self, *args)``, computed once per inventory and kept: rules share derived
        views (e.g. every VM's ip configurations) without global state. ``compute`` must be a
        pure function of the inventory and ``args``, and its result must not be mutated."""
        key = (compute, args)
        try:
            return cast(T, self._memo[key])
        except KeyError:
            value = self._memo[key] = compute(self, *args)
            return value

    # -- lookups (index) -------------------------------------------------------------------

    def get(self, urn: str | None) -> Resource | None:
        return self._index.get(urn)

    def of_kind(self, kind: str) -> tuple[Resource, ...]:
        return self._index.of_kind(kind)

    def by_id(self, res: Resource, arm_id: str, kinds: Iterable[str] = ()) -> Ref:
        return self._index.by_id(res, arm_id, kinds)

    # -- references ------------------------------------------------------------------------

    def dependency_candidates(self, res: Resource, prop: str, kinds: Iterable[str]) -> list[Resource]:
        return self._references.dependency_candidates(res, prop, kinds)

    def refs(
        self,
        res: Resource,
        via: str,
        values: Sequence[Any],
        kinds: Iterable[str],
        *,
        any_order: bool = False,
    ) -> list[Ref]:
        return self._references.refs(res, via, values, kinds, any_order=any_order)

    def ref(self, res: Resource, path: str, kinds: Iterable[str]) -> Ref:
        return self._references.ref(res, path, kinds)

    # -- locations and config ----------------------------------------------------------------

    def config(self, res: Resource, key: str, default: Any = None) -> Any:
        return self._locations.config(res, key, default)

    def location(self, res: Resource) -> Any:
        return self._locations.location(res)

    def resource_group(self, res: Resource) -> Ref:
        return self._locations.resource_group(res)

    # -- sets and workloads ------------------------------------------------------------------

    def members(self, group: Resource) -> tuple[Resource, ...]:
        return self._memberships.members(group)

    def vm_set(self, vm: Resource) -> Ref:
        return self._memberships.vm_set(vm)

    def workload(self, res: Resource) -> Workload:
        return self._workloads.of(res)

    def workloads(self) -> tuple[Workload, ...]:
        return self._workloads.all()


_AS_IS, _CLASSIC, _UNMODELLED = 0, 1, 2


def _kind_of(type_token: str) -> tuple[str, int]:
    kind = classic.kind_of(type_token)
    if kind != type_token and classic.is_classic(type_token):
        return kind, _CLASSIC
    return kind, _UNMODELLED if classic.unmodelled(type_token) else _AS_IS


def _native_shape(raw: RawResource) -> RawResource:
    """A classic azure resource rewritten into its azure-native counterpart's shape."""
    shaped = classic.native(raw.type, raw.inputs, raw.outputs, raw.property_dependencies)
    if shaped is None:
        return raw
    return dataclasses.replace(
        raw,
        inputs=shaped.inputs,
        outputs=shaped.outputs,
        property_dependencies=shaped.property_dependencies,
    )
