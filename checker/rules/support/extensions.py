"""Extension resources and the VM or scale set each belongs to (MC107, MC212)."""

from __future__ import annotations

from collections.abc import Mapping

from checker.azure import types as t
from checker.inventory import Inventory, Resource, name_or_logical


def _owner(
    inv: Inventory, ext: Resource, prop: str, kind: str, by_name: Mapping[tuple[str, str], list[Resource]]
) -> Resource | None:
    """The VM / scale set an extension resource belongs to (by dependency, else by name)."""
    deps = inv.dependency_candidates(ext, prop, [kind])
    if len(deps) == 1:
        return deps[0]
    name = ext.props.get(prop)
    if not isinstance(name, str):
        return None
    matches = by_name.get((ext.stack, name.lower()), [])
    return matches[0] if len(matches) == 1 else None


def extension_index(inv: Inventory) -> Mapping[Resource, list[Resource]]:
    """The extension resources of each VM and scale set (by dependency, else by name),
    computed once per inventory (MC107 and MC212 both ask); not to be mutated."""
    return inv.memo(_extension_index)


def _extension_index(inv: Inventory) -> dict[Resource, list[Resource]]:
    index: dict[Resource, list[Resource]] = {}
    for kind, prop, owner_kind in (
        (t.VM_EXTENSION, "vmName", t.VM),
        (t.SCALE_SET_EXTENSION, "vmScaleSetName", t.SCALE_SET),
    ):
        extensions = inv.of_kind(kind)
        by_name: dict[tuple[str, str], list[Resource]] = {}
        for res in inv.of_kind(owner_kind) if extensions else ():
            by_name.setdefault((res.stack, name_or_logical(res).lower()), []).append(res)
        for ext in extensions:
            owner = _owner(inv, ext, prop, owner_kind, by_name)
            if owner is not None:
                index.setdefault(owner, []).append(ext)
    return index
