"""Azure region facts: which region Azure never maintains at the same time as another (pairs),
which regions have availability zones, which need access on request.

The facts live in ``region_pairs.json`` (validated by ``schemas/region-pairs.schema.json`` in the
tests), with their source and the date they were retrieved. Location names are canonical
(``checker.azure.locations.normalize_location``): ``"East US"`` and ``"EastUS"`` are ``eastus``.

A region's *pair* is its own partner: for the symmetric pair eastus-westus each is the other's;
for a one-way pair such as westus3 -> eastus, westus3's pair is eastus while eastus's pair stays
westus.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

from checker.azure.locations import normalize_location


@dataclass(frozen=True)
class RegionPairs:
    """The region-pair table, read-only."""

    source: str
    retrieved: str
    url: str
    partners: Mapping[str, str]
    unpaired: frozenset[str]
    restricted: frozenset[str]
    uncertain: frozenset[str]  # sovereign-cloud regions: older documentation
    uncertain_note: str
    zones: Mapping[str, int]  # public regions: 3 with zones, 0 without; others not known
    unconfirmed: frozenset[str]  # exist, but their pair and zones are not listed
    unconfirmed_note: str

    def pair_of(self, region: str) -> str | None:
        """The region's own pair (westus3 -> eastus), or None (no pair, or not in the table)."""
        return self.partners.get(normalize_location(region))

    def is_known(self, region: str) -> bool:
        """True when the table says something about ``region`` (it has a pair, or has none)."""
        name = normalize_location(region)
        return name in self.partners or name in self.unpaired

    def has_no_pair(self, region: str) -> bool:
        """True for regions Microsoft lists without a pair (they rely on availability zones)."""
        return normalize_location(region) in self.unpaired

    def are_paired(self, first: str, second: str) -> bool:
        """True when either region is the other's pair (one-way pairs count both ways)."""
        a, b = normalize_location(first), normalize_location(second)
        return self.partners.get(a) == b or self.partners.get(b) == a

    def is_restricted(self, region: str) -> bool:
        """Restricted-access regions: customers get access on request."""
        return normalize_location(region) in self.restricted

    def zone_count(self, region: str) -> int | None:
        """How many availability zones the region has (0: none), None when not known."""
        return self.zones.get(normalize_location(region))

    def has_zones(self, region: str) -> bool:
        """True only where the data says the region has availability zones."""
        return bool(self.zone_count(region))

    def is_unconfirmed(self, region: str) -> bool:
        """Regions that exist but whose pair Microsoft's region list does not give (Jio)."""
        return normalize_location(region) in self.unconfirmed

    def is_certain(self, region: str) -> bool:
        """False for sovereign-cloud regions, whose pairs come from older documentation."""
        return normalize_location(region) not in self.uncertain


def _partners(pairs: Any, one_way: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for first, second in pairs:
        out[first] = second
        out[second] = first
    for entry in one_way:
        out[entry["region"]] = entry["pair"]
    return out


def parse(data: Mapping[str, Any]) -> RegionPairs:
    """Build the table from the JSON document (see ``region_pairs.json``)."""
    sovereign = data["sovereign"]
    partners = _partners(data["pairs"], data["oneWayPairs"])
    uncertain = _partners(sovereign["pairs"], sovereign["oneWayPairs"])
    return RegionPairs(
        source=data["source"],
        retrieved=data["retrieved"],
        url=data.get("url", ""),
        partners=MappingProxyType({**partners, **uncertain}),
        unpaired=frozenset(data["unpaired"]),
        restricted=frozenset(data["restricted"]) | frozenset(sovereign.get("restricted", ())),
        uncertain=frozenset(uncertain),
        uncertain_note=sovereign["note"],
        zones=MappingProxyType(dict(data["zones"])),
        unconfirmed=frozenset(data["unconfirmed"]["regions"]),
        unconfirmed_note=data["unconfirmed"]["note"],
    )


def load_document() -> dict[str, Any]:
    """The shipped JSON document, as data (for schema validation)."""
    text = resources.files("checker.azure").joinpath("region_pairs.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


@functools.cache
def region_pairs() -> RegionPairs:
    """The shipped region-pair table (read once per process)."""
    return parse(load_document())


__all__ = ["RegionPairs", "load_document", "parse", "region_pairs"]
