"""The region-pair data file: valid against its schema, consistent, and read the way MC301/MC302
need it (symmetric pairs, one-way pairs, regions without a pair, sovereign clouds)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import jsonschema
import pytest

from checker.azure.regions import load_document, parse, region_pairs
from checker.errors import InputError
from checker.schemas import load_schema, validate

FACTS = Path("/work/shared/reference/azure-facts.md")


def test_data_file_is_valid_against_its_schema() -> None:
    validate(load_document(), "region-pairs", "region_pairs.json")
    # and strictly, formats included
    schema = load_schema("region-pairs")
    jsonschema.Draft202012Validator.check_schema(schema)
    checker = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    assert [e.message for e in checker.iter_errors(load_document())] == []


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda d: d.pop("retrieved"), "retrieved"),
        (lambda d: d.update(retrieved="last year"), "retrieved"),
        (lambda d: d["pairs"].append(["East US", "westus"]), "does not match"),
        (lambda d: d["pairs"].append(["eastus"]), "too short"),
        (lambda d: d["oneWayPairs"].append({"region": "westus3"}), "pair"),
    ],
)
def test_schema_rejects_broken_data(change: object, needle: str) -> None:
    doc = copy.deepcopy(load_document())
    change(doc)  # type: ignore[operator]
    with pytest.raises(InputError, match=needle):
        validate(doc, "region-pairs", "region_pairs.json")


def test_source_and_date_are_recorded() -> None:
    pairs = region_pairs()
    assert "Microsoft" in pairs.source
    assert pairs.retrieved == "2026-08-20"  # the regions-list snapshot (reference/azure-regions.md)


def test_every_region_appears_once_and_pairs_are_consistent() -> None:
    doc = load_document()
    symmetric = [r for pair in doc["pairs"] for r in pair]
    assert len(symmetric) == len(set(symmetric))
    one_way = [e["region"] for e in doc["oneWayPairs"]]
    assert not set(one_way) & set(symmetric)
    assert not set(doc["unpaired"]) & (set(symmetric) | set(one_way))
    # a one-way pair points at a region the table knows
    pairs = region_pairs()
    assert all(pairs.is_known(e["pair"]) for e in doc["oneWayPairs"])


def test_symmetric_pairs_read_both_ways_and_location_spellings_normalise() -> None:
    pairs = region_pairs()
    assert pairs.pair_of("eastus") == "westus"
    assert pairs.pair_of("westus") == "eastus"
    assert pairs.pair_of("East US") == "westus"
    assert pairs.pair_of("WestEurope") == "northeurope"
    assert pairs.are_paired("northeurope", "West Europe")
    assert not pairs.are_paired("eastus", "northeurope")


def test_one_way_pairs_point_one_way() -> None:
    pairs = region_pairs()
    assert pairs.pair_of("westus3") == "eastus"
    assert pairs.pair_of("eastus") == "westus"  # eastus keeps its own pair
    assert pairs.pair_of("brazilsouth") == "southcentralus"
    assert pairs.pair_of("southcentralus") == "northcentralus"
    assert pairs.pair_of("brazilsoutheast") == "brazilsouth"
    assert pairs.are_paired("eastus", "westus3")  # either direction counts as a pair


def test_regions_without_pair_restricted_and_sovereign() -> None:
    pairs = region_pairs()
    assert pairs.pair_of("italynorth") is None
    assert pairs.has_no_pair("italynorth") and pairs.is_known("Italy North")
    assert not pairs.is_known("marsnorth") and not pairs.has_no_pair("marsnorth")
    assert pairs.is_restricted("francesouth") and not pairs.is_restricted("francecentral")
    assert pairs.pair_of("usgovarizona") == "usgovtexas"
    assert pairs.pair_of("usgovtexas") == "usgovvirginia"
    assert not pairs.is_certain("usgovtexas") and pairs.is_certain("eastus")
    # corrections from Microsoft's current region list (reference/azure-regions.md)
    assert pairs.are_paired("usdodeast", "usdodcentral") and not pairs.is_certain("usdodeast")
    assert pairs.is_restricted("swedensouth") and pairs.is_restricted("chinaeast3")
    assert not pairs.is_restricted("koreasouth")  # no longer marked restricted
    assert pairs.is_unconfirmed("jioindiawest") and pairs.pair_of("jioindiawest") is None


def test_zones_per_region() -> None:
    pairs = region_pairs()
    assert pairs.zone_count("eastus") == 3 and pairs.has_zones("East US")
    assert pairs.zone_count("westus") == 0 and not pairs.has_zones("westus")
    assert pairs.zone_count("northcentralus") == 0
    assert pairs.zone_count("italynorth") == 3  # unpaired regions rely on zones
    assert pairs.zone_count("swedensouth") is None  # unconfirmed
    assert pairs.zone_count("usgovvirginia") is None  # sovereign: not in the data
    assert len(load_document()["zones"]) == 57  # every listed public region


def test_parse_builds_a_table_from_any_document() -> None:
    doc = {
        "source": "test",
        "retrieved": "2026-01-01",
        "pairs": [["a", "b"]],
        "oneWayPairs": [{"region": "c", "pair": "a"}],
        "unpaired": ["d"],
        "restricted": ["b"],
        "zones": {"a": 3, "b": 0},
        "unconfirmed": {"note": "not listed", "regions": ["e"]},
        "sovereign": {"note": "unsure", "pairs": [], "oneWayPairs": [], "restricted": ["f"]},
    }
    table = parse(doc)
    assert (table.pair_of("a"), table.pair_of("b"), table.pair_of("c")) == ("b", "a", "a")
    assert table.has_no_pair("d") and table.is_restricted("b") and table.is_restricted("f")
    assert (table.zone_count("a"), table.zone_count("b"), table.zone_count("c")) == (3, 0, None)
    assert table.has_zones("a") and not table.has_zones("b") and not table.has_zones("c")
    assert table.is_unconfirmed("e") and not table.is_unconfirmed("a")


@pytest.mark.skipif(not FACTS.exists(), reason="reference facts not available")
def test_data_file_matches_the_reference_facts() -> None:
    text = FACTS.read_text()
    section = text.split("## Region pairs", 1)[1].split("\n## ", 1)[0]
    symmetric = section.split("Symmetric pairs:", 1)[1].split("One-way pairs", 1)[0]
    expected = {tuple(p.split("-")) for p in re.findall(r"[a-z0-9]+-[a-z0-9]+", symmetric)}
    assert {tuple(p) for p in load_document()["pairs"]} == expected
    one_way = section.split("One-way pairs", 1)[1].split("No pair", 1)[0]
    expected_one_way = set(re.findall(r"([a-z0-9]+)->([a-z0-9]+)", one_way))
    assert {(e["region"], e["pair"]) for e in load_document()["oneWayPairs"]} == expected_one_way
    unpaired = section.split("No pair (rely on availability zones):", 1)[1].split("\n\n", 1)[0]
    assert set(load_document()["unpaired"]) == set(re.findall(r"[a-z0-9]+", unpaired))


REGIONS = Path("/work/shared/reference/azure-regions.md")


@pytest.mark.skipif(not REGIONS.exists(), reason="reference region table not available")
def test_data_file_matches_the_reference_region_table() -> None:
    rows = re.findall(
        r"^\| ([a-z0-9]+) \| [^|]+ \| ([^|]+) \| ([^|]+) \| ([^|]*) \|$", REGIONS.read_text(), re.M
    )[1:]  # the header row
    assert len(rows) == 58
    pairs = region_pairs()
    for name, zones, pair, restricted in rows:
        zones, pair, restricted = zones.strip(), pair.strip(), restricted.strip()
        if "unconfirmed" not in zones:
            assert pairs.zone_count(name) == (3 if zones == "3" else 0), name
        if "unconfirmed" not in pair:
            assert pairs.pair_of(name) == (None if pair == "—" else pair), name
            assert pairs.has_no_pair(name) is (pair == "—" and name != "swedensouth"), name
        assert pairs.is_restricted(name) is (restricted == "yes"), name
