"""Preview and stack-export documents: reading, resolution, secrets and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.azure import types as t
from checker.cli import cli
from checker.errors import InputError
from checker.inventory import Inventory
from checker.sources import load_all
from checker.sources.base import LoadOptions
from checker.values import SECRET, UNKNOWN

DOCS = Path(__file__).parent / "fixtures" / "documents"
SECRETS = ("hunter2", "c2VjcmV0", "secret-script")


def load(name: str) -> Inventory:
    return Inventory.build(load_all([DOCS / name], LoadOptions()))


def test_preview_unknown_ids_resolve_through_property_dependencies() -> None:
    inv = load("preview-first-deploy.json")
    (web,) = [vm for vm in inv.of_kind(t.VM) if vm.name == "web-0"]
    (aset,) = inv.of_kind(t.AVAILABILITY_SET)
    assert web.get("availabilitySet.id") is UNKNOWN
    assert inv.vm_set(web) is aset
    assert inv.members(aset) == (web,)
    # versioned token reduced to its kind; numbers as floats became ints
    assert aset.type == "azure-native:compute/v20240701:AvailabilitySet"
    assert aset.get("platformUpdateDomainCount") == 2 + 3


def test_preview_skips_delete_steps_and_reads_source_lines() -> None:
    inv = load("preview-first-deploy.json")
    names = sorted(r.name for r in inv.of_kind(t.VM))
    assert names == ["jumpbox", "web-0"]
    (jump,) = [vm for vm in inv.of_kind(t.VM) if vm.name == "jumpbox"]
    assert jump.source is not None and (jump.source.file, jump.source.line) == ("__main__.py", 31)


def test_preview_location_inherited_from_resource_group_through_unknown() -> None:
    inv = load("preview-first-deploy.json")
    (aset,) = inv.of_kind(t.AVAILABILITY_SET)
    assert aset.get("location") is UNKNOWN
    assert inv.location(aset) == "westeurope"  # "West Europe" of the group, normalised


def test_secrets_and_credentials_are_markers() -> None:
    inv = load("preview-first-deploy.json")
    by_name = {vm.name: vm for vm in inv.of_kind(t.VM)}
    assert by_name["web-0"].get("osProfile.adminPassword") is SECRET
    assert by_name["jumpbox"].get("osProfile.customData") is SECRET


def test_export_upper_case_output_ids_and_local_versioned_package() -> None:
    inv = load("export-uppercase-ids.json")
    (aset,) = inv.of_kind(t.AVAILABILITY_SET)
    assert aset.kind == t.AVAILABILITY_SET
    assert sorted(vm.name for vm in inv.members(aset)) == ["shop-vm-0", "shop-vm-1"]


def test_export_locations_from_explicit_providers() -> None:
    inv = load("export-uppercase-ids.json")
    by_name = {vm.name: vm for vm in inv.of_kind(t.VM)}
    assert inv.location(by_name["shop-vm-0"]) == "northeurope"  # its own output
    assert inv.location(by_name["shop-vm-1"]) == "northeurope"  # explicit provider
    # a resource group outside the scan and a provider with no location: unknown
    assert inv.location(by_name["batch"]) is UNKNOWN


def test_scan_export_reports_mc101_with_location_and_fix(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["scan", str(DOCS / "export-uppercase-ids.json"), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    (finding,) = [f for f in report["findings"] if f["rule"] == "MC101"]
    assert finding["resource"]["name"] == "batch"
    assert finding["location"] == {"file": "infra/batch.py", "line": 7}
    assert finding["fixes"] and all(f["snippet"] for f in finding["fixes"])


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_secret_reaches_any_output(runner: CliRunner, fmt: str) -> None:
    for name in ("preview-first-deploy.json", "export-uppercase-ids.json"):
        result = runner.invoke(cli, ["scan", str(DOCS / name), "--format", fmt])
        assert result.exit_code in (0, 1), result.output
        for secret in SECRETS:
            assert secret not in result.output


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("truncated.json", "not valid JSON at line 1"),
        ("unknown-shape.json", "neither a `pulumi preview --json` document"),
        ("export-v2.json", "stack export version 2 is not supported"),
        ("export-bad-type.json", "$.deployment.resources[0].type"),
        ("does-not-exist.json", "no such file or directory"),
    ],
)
def test_bad_documents_exit_2_with_a_message(runner: CliRunner, name: str, expected: str) -> None:
    result = runner.invoke(cli, ["scan", str(DOCS / name)])
    assert result.exit_code == 2
    assert expected in result.output
    assert name in result.output
    assert "Traceback" not in result.output


def test_bad_document_raises_input_error_naming_the_file() -> None:
    with pytest.raises(InputError, match=r"export-v2\.json"):
        load_all([DOCS / "export-v2.json"], LoadOptions())


def test_same_stack_twice_is_an_error_and_a_path_given_twice_is_read_once(
    runner: CliRunner, tmp_path: Path
) -> None:
    export = DOCS / "export-uppercase-ids.json"
    once = runner.invoke(cli, ["scan", str(export), "--format", "json"])
    twice = runner.invoke(cli, ["scan", str(export), str(export), "--format", "json"])
    assert twice.output == once.output
    copy = tmp_path / "copy.json"
    copy.write_text(export.read_text())
    result = runner.invoke(cli, ["scan", str(export), str(copy)])
    assert result.exit_code == 2
    assert "copy.json" in result.output and "holds stack 'prod' of project 'shop'" in result.output
