"""Suppressions: inline comments, the ``maintcheck-ignore`` tag and config entries, through the
CLI on stack exports whose source positions point at a real program file."""

from __future__ import annotations

import datetime
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from checker.cli import cli
from checker.config import Settings, Suppression
from checker.engine import scan
from checker.suppressions import NO_REASON, parse_comment, parse_tag
from tests.builders import StackBuilder

VM = "azure-native:compute:VirtualMachine"
RG = "azure-native:resources:ResourceGroup"
PROGRAM = Path(__file__).parent / "fixtures" / "suppress" / "program"


def constructor_lines(source: Path) -> dict[str, int]:
    """Logical name -> the line that constructs the VM (as Pulumi records sourcePosition)."""
    lines = source.read_text().splitlines()
    found: dict[str, int] = {}
    for i, line in enumerate(lines):
        if "VirtualMachine(" in line:
            rest = "\n".join(lines[i : i + 3])
            name = re.search(r'VirtualMachine\(\s*(?:#[^\n]*)?\s*"([^"]+)"', rest)
            assert name, line
            found[name[1]] = i + 1
    return found


def program_export(
    stack: str = "dev", tags: dict[str, dict[str, str]] | None = None
) -> StackBuilder:
    """An export of the fixture program: every VM a single instance (MC101), positioned at
    its constructor line in ``__main__.py``."""
    s = StackBuilder(stack, project="suppress", config={"azure-native:location": "eastus"})
    s.add(RG, "rg", {"location": "eastus"}, line=5)
    for name, line in constructor_lines(PROGRAM / "__main__.py").items():
        inputs: dict[str, Any] = {"resourceGroupName": "rg"}
        if tags and name in tags:
            inputs["tags"] = tags[name]
        s.add(VM, name, inputs, line=line)
    return s


def scan_json(runner: CliRunner, *args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(cli, ["scan", "--select", "MC101", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def suppressed_by_name(report: dict[str, Any]) -> dict[str, str | None]:
    return {f["resource"]["name"]: f["suppressed"] for f in report["findings"]}


# -- inline comments -----------------------------------------------------------------------


def test_inline_comments_beside_the_export(runner: CliRunner, tmp_path: Path) -> None:
    shutil.copy(PROGRAM / "__main__.py", tmp_path / "__main__.py")
    export = program_export().write(tmp_path / "export.json")
    code, report = scan_json(runner, str(export))
    assert suppressed_by_name(report) == {
        "above": "build agent, rebuilt on demand",
        "malformed": None,
        "no-reason": NO_REASON,
        "not-above": None,
        "other-rules": None,
        "plain": None,
        "same-line": "batch worker, restarts are fine",
    }
    assert report["summary"]["suppressed"] == 3
    assert report["summary"]["by_severity"]["error"] == 4
    assert code == 1
    warnings = "\n".join(report["warnings"])
    lines = constructor_lines(PROGRAM / "__main__.py")
    assert f"__main__.py:{lines['no-reason']}: suppression of MC101 on 'no-reason' has no reason" in warnings
    assert f"__main__.py:{lines['malformed']}: cannot read the maintcheck comment" in warnings


def test_inline_comments_found_from_the_current_directory(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = program_export().write(tmp_path / "export.json")
    monkeypatch.chdir(PROGRAM)
    _code, report = scan_json(runner, str(export))
    assert suppressed_by_name(report)["above"] == "build agent, rebuilt on demand"
    assert report["summary"]["suppressed"] == 3


def test_inline_comments_not_found_leave_findings_active(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = program_export().write(tmp_path / "export.json")
    monkeypatch.chdir(tmp_path)
    code, report = scan_json(runner, str(export))
    assert set(suppressed_by_name(report).values()) == {None}
    assert code == 1


def test_suppressing_every_finding_gives_exit_zero(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text(
        'import pulumi_azure_native as azure_native\n'
        'vm = azure_native.compute.VirtualMachine("vm")  # maintcheck: ignore[MC1] test rig\n'
    )
    s = StackBuilder("dev", config={"azure-native:location": "eastus"})
    s.add(VM, "vm", {"resourceGroupName": "rg"}, line=2)
    result = runner.invoke(cli, ["scan", "--select", "MC1", str(s.write(tmp_path / "export.json"))])
    assert result.exit_code == 0, result.output
    assert "(suppressed: test rig)" in result.output
    assert "0 findings, 1 suppressed in 1 resources." in result.output


def test_inline_comments_when_scanning_the_program_itself(runner: CliRunner) -> None:
    """The program source records each resource's constructor line; the same comments apply."""
    _code, report = scan_json(runner, str(PROGRAM), "--stack", "dev")
    assert suppressed_by_name(report) == {
        "above": "build agent, rebuilt on demand",
        "malformed": None,
        "no-reason": NO_REASON,
        "not-above": None,
        "other-rules": None,
        "plain": None,
        "same-line": "batch worker, restarts are fine",
    }
    lines = constructor_lines(PROGRAM / "__main__.py")
    located = {f["resource"]["name"]: f["location"] for f in report["findings"]}
    assert located["above"] == {"file": f"{PROGRAM.as_posix()}/__main__.py", "line": lines["above"]}


# -- tags ------------------------------------------------------------------------------------


def test_tag_suppressions(runner: CliRunner, tmp_path: Path) -> None:
    tags = {
        "plain": {"maintcheck-ignore": "MC201: ip is in DNS; MC101, MC102: stateless web node"},
        "not-above": {"Maintcheck-Ignore": "MC101"},
        "malformed": {"maintcheck-ignore": "everything please"},
        "other-rules": {"maintcheck-ignore": "MC104: fault domains are fine"},
    }
    export = program_export(tags=tags).write(tmp_path / "export.json")
    _code, report = scan_json(runner, str(export))
    by_name = suppressed_by_name(report)
    assert by_name["plain"] == "stateless web node"
    assert by_name["not-above"] == NO_REASON
    assert by_name["malformed"] is None
    assert by_name["other-rules"] is None
    warnings = "\n".join(report["warnings"])
    assert "tag 'maintcheck-ignore' of 'malformed' (dev): cannot read 'everything please'" in warnings
    assert "tag 'maintcheck-ignore' of 'not-above' (dev): suppression of MC101" in warnings


# -- config ----------------------------------------------------------------------------------


def test_config_suppressions_glob_expiry_and_reason(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "maintcheck.toml").write_text(
        '[[suppress]]\nrule = "MC101"\nresource = "*-rules"\nreason = "IP rules only"\n'
        'expires = "2999-12-31"\n\n'
        '[[suppress]]\nrule = "MC1"\nresource = "urn:pulumi:*::suppress::*::plain"\nreason = "legacy"\n\n'
        '[[suppress]]\nrule = "MC101"\nresource = "not-*"\nreason = "old"\n'
        'expires = "2001-01-01"\n'
    )
    export = program_export().write(tmp_path / "export.json")
    _code, report = scan_json(runner, str(export))
    by_name = suppressed_by_name(report)
    assert by_name["other-rules"] == "IP rules only"
    assert by_name["plain"] == "legacy"
    assert by_name["not-above"] is None
    warnings = "\n".join(report["warnings"])
    assert "suppression of MC101 for 'not-*'" in warnings
    assert "expired on 2001-01-01 and no longer applies" in warnings


@pytest.mark.parametrize("reason", [None, '"  "'])
def test_config_suppression_needs_a_reason(runner: CliRunner, tmp_path: Path, reason: str | None) -> None:
    entry = '[[suppress]]\nrule = "MC101"\nresource = "plain"\n'
    (tmp_path / "maintcheck.toml").write_text(entry + (f"reason = {reason}\n" if reason else ""))
    export = program_export().write(tmp_path / "export.json")
    result = runner.invoke(cli, ["scan", str(export)])
    assert result.exit_code == 2
    assert "maintcheck.toml" in result.output and "$.suppress[0]" in result.output


def test_expiry_day_itself_still_suppresses() -> None:
    doc = program_export().document()
    entry = Suppression("MC101", "plain", "until the migration", datetime.date(2030, 6, 30))
    settings = Settings(select=("MC101",), suppressions=(entry,))
    on_day = scan([doc], settings, today=datetime.date(2030, 6, 30))
    after = scan([doc], settings, today=datetime.date(2030, 7, 1))
    plain_on = [f.suppressed for f in on_day.findings if f.resource.name == "plain"]
    plain_after = [f.suppressed for f in after.findings if f.resource.name == "plain"]
    assert plain_on == ["until the migration"]
    assert plain_after == [None]
    assert any("expired on 2030-06-30" in w for w in after.warnings)


def test_without_a_reader_inline_comments_are_not_read() -> None:
    doc = program_export().document("unused.json")
    entry = Suppression("MC101", "*", "fleet-wide waiver")
    result = scan([doc], Settings(select=("MC101",), suppressions=(entry,)))
    assert {f.suppressed for f in result.findings} == {"fleet-wide waiver"}


def test_inline_reason_wins_over_tag_and_config(runner: CliRunner, tmp_path: Path) -> None:
    shutil.copy(PROGRAM / "__main__.py", tmp_path / "__main__.py")
    (tmp_path / "maintcheck.toml").write_text(
        '[[suppress]]\nrule = "MC"\nresource = "*"\nreason = "fleet-wide waiver"\n'
    )
    tags = {"above": {"maintcheck-ignore": "MC101: tagged"}, "plain": {"maintcheck-ignore": "MC1"}}
    export = program_export(tags=tags).write(tmp_path / "export.json")
    code, report = scan_json(runner, str(export))
    by_name = suppressed_by_name(report)
    assert by_name["above"] == "build agent, rebuilt on demand"
    assert by_name["plain"] == "fleet-wide waiver"  # a reason beats a reasonless tag
    assert by_name["no-reason"] == "fleet-wide waiver"
    assert set(by_name.values()) - {None} == set(by_name.values())
    assert code == 0


def test_sarif_kind_says_where_the_suppression_is_written(runner: CliRunner, tmp_path: Path) -> None:
    """SARIF's suppression kind: ``inSource`` for an inline comment or the resource's tag (both
    written with the resource), ``external`` for a config entry."""
    shutil.copy(PROGRAM / "__main__.py", tmp_path / "__main__.py")
    (tmp_path / "maintcheck.toml").write_text(
        '[[suppress]]\nrule = "MC101"\nresource = "no-reason"\nreason = "in the config"\n'
    )
    tags = {"plain": {"maintcheck-ignore": "MC101: tagged"}}
    export = program_export(tags=tags).write(tmp_path / "export.json")
    result = runner.invoke(cli, ["scan", "--select", "MC101", "--format", "sarif", str(export)])
    assert result.exit_code in (0, 1), result.output
    kinds = {
        r["locations"][0]["logicalLocations"][0]["name"]: [
            (s["kind"], s["justification"]) for s in r["suppressions"]
        ]
        for r in json.loads(result.stdout)["runs"][0]["results"]
    }
    assert kinds["above"] == [("inSource", "build agent, rebuilt on demand")]  # a comment
    assert kinds["plain"] == [("inSource", "tagged")]
    assert kinds["no-reason"] == [("external", "in the config")]
    assert kinds["other-rules"] == []


# -- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "rules", "reason"),
    [
        ("vm = VM(  # maintcheck: ignore[MC201] static via DHCP reservation", ("MC201",),
         "static via DHCP reservation"),
        ("# maintcheck: ignore[MC201,mc202]   two rules  ", ("MC201", "MC202"), "two rules"),
        ("x = 1  #maintcheck:ignore[MC2] prefix # noqa: E501", ("MC2",), "prefix"),
        ("# MAINTCHECK: IGNORE[MC101]", ("MC101",), ""),
    ],
)
def test_parse_comment(line: str, rules: tuple[str, ...], reason: str) -> None:
    mark, warning = parse_comment(line, "f.py:1")
    assert warning is None
    assert mark is not None
    assert (mark.rules, mark.reason) == (rules, reason)


@pytest.mark.parametrize(
    "line", ["# maintcheck: ignore MC101", "# maintcheck: ignore[] x", "# maintcheck: ignore[W1]"]
)
def test_parse_comment_malformed_warns(line: str) -> None:
    mark, warning = parse_comment(line, "f.py:3")
    assert mark is None
    assert warning is not None and warning.startswith("f.py:3: cannot read")


def test_parse_comment_ignores_other_lines() -> None:
    assert parse_comment('vm = VM("x")  # a plain comment', "f.py:1") == (None, None)


def test_parse_tag() -> None:
    marks, warnings = parse_tag("MC201: in DNS;; MC104 ,MC105 : legacy ; junk", "tag")
    assert [(m.rules, m.reason) for m in marks] == [
        (("MC201",), "in DNS"),
        (("MC104", "MC105"), "legacy"),
    ]
    assert warnings == ["tag: cannot read 'junk'; write the tag 'maintcheck-ignore' as "
                        "'MC201: reason' (several separated by ';')."]
