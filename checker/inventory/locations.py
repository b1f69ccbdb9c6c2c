"""Where a resource runs: its own location, its resource group's, then its provider's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.azure import types as t
from checker.azure.locations import normalize_location
from checker.inventory.index import Ref, ResourceIndex
from checker.inventory.references import References
from checker.inventory.resource import Resource, parse_urn
from checker.values import UNKNOWN


class Locations:
    def __init__(
        self,
        index: ResourceIndex,
        references: References,
        configs: Mapping[tuple[str, str], Mapping[str, Any]],
    ) -> None:
        self._index = index
        self._references = references
        self._configs = configs

    def config(self, res: Resource, key: str, default: Any = None) -> Any:
        return self._configs.get((res.stack, res.project), {}).get(key, default)

    def location(self, res: Resource) -> Any:
        """Normalised location of ``res``: its own, its resource group's, its provider's
        (default provider: stack config ``azure-native:location``, ``azure:location`` for the classic
        provider's resources), else UNKNOWN."""
        own = res.props.get("location")
        if isinstance(own, str) and own:
            return normalize_location(own)
        if own is UNKNOWN:
            for dep in self._references.dependency_candidates(res, "location", self._index.kinds()):
                loc = dep.props.get("location")
                if isinstance(loc, str) and loc:
                    return normalize_location(loc)
        if res.kind != t.RESOURCE_GROUP:
            group = self.resource_group(res)
            if isinstance(group, Resource):
                loc = self.location(group)
                if loc is not UNKNOWN:
                    return loc
        return self._provider_location(res)

    def resource_group(self, res: Resource) -> Ref:
        name = res.props.get("resourceGroupName")
        deps = self._references.dependency_candidates(res, "resourceGroupName", [t.RESOURCE_GROUP])
        if len(deps) == 1:
            return deps[0]
        if isinstance(name, str):
            found = self._index.by_arm_name(res.stack, t.RESOURCE_GROUP, name)
            return UNKNOWN if found is None else found
        return UNKNOWN if name is not None else None

    def _provider_location(self, res: Resource) -> Any:
        provider = self._index.get(res.provider)
        if provider is not None:
            loc = provider.props.get("location")
            if isinstance(loc, str) and loc:
                return normalize_location(loc)
        if res.provider and not parse_urn(res.provider)[3].startswith("default"):
            return UNKNOWN  # explicit providers (in the scan or not) do not read stack config
        # The default provider of the resource's package: the classic provider reads its own key.
        key = "azure:location" if res.type.startswith("azure:") else "azure-native:location"
        loc = self.config(res, key)
        if isinstance(loc, str) and loc:
            return normalize_location(loc)
        return UNKNOWN
