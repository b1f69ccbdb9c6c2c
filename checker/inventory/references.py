"""Reference resolution: which scanned resource a property points at."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from checker.inventory.index import Ref, ResourceIndex
from checker.inventory.resource import Resource
from checker.values import UNKNOWN


class References:
    """Resolves references by property dependency URNs, then by ARM id (case-insensitive),
    then by type/name segments of the id."""

    def __init__(self, index: ResourceIndex) -> None:
        self._index = index

    def dependency_candidates(self, res: Resource, prop: str, kinds: Iterable[str]) -> list[Resource]:
        urns = res.property_dependencies.get(prop)
        if not urns:
            return []
        wanted = set(kinds)
        found = (self._index.get(u) for u in urns)
        return [r for r in found if r is not None and r.kind in wanted]

    def refs(
        self,
        res: Resource,
        via: str,
        values: Sequence[Any],
        kinds: Iterable[str],
        *,
        any_order: bool = False,
    ) -> list[Ref]:
        """Resolve reference ``values`` (ids or ``{id: ...}`` objects) held under the top-level
        property ``via``. Returns one entry per value: a Resource, or UNKNOWN when it cannot be
        resolved to a scanned resource (unknown, or a resource outside the scan).

        Unknown values are matched with the property dependencies of ``via`` (of ``kinds``)
        that no value resolves to. One unknown value and one such dependency match; several
        match pairwise only with ``any_order`` (the caller needs the set of targets, not which
        value names which): the engine does not promise the dependencies' order."""
        kinds = tuple(kinds)
        ids = [v.get("id", UNKNOWN) if isinstance(v, Mapping) else v for v in values]
        out: list[Ref] = []
        for value in ids:
            if isinstance(value, str) and value:
                out.append(self._index.by_id(res, value, kinds))
            else:
                out.append(UNKNOWN)
        unresolved = [i for i, r in enumerate(out) if r is UNKNOWN]
        if not unresolved:
            return out
        spare = [c for c in self.dependency_candidates(res, via, kinds) if c not in out]
        if len(spare) == len(unresolved) and (len(spare) == 1 or any_order):
            for i, cand in zip(unresolved, spare, strict=True):
                out[i] = cand
        return out

    def ref(self, res: Resource, path: str, kinds: Iterable[str]) -> Ref:
        """Resolve the single reference at ``path`` (e.g. ``availabilitySet``): a Resource,
        UNKNOWN (unknown or outside the scan), or None when the property is absent."""
        value = res.get(path)
        if value is None:
            return None
        if isinstance(value, Mapping) and value.get("id") is None:
            return None
        return self.refs(res, path.split(".", 1)[0], [value], kinds)[0]
