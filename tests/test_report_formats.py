"""SARIF, GitHub annotations, Markdown PR comment and JUnit: each proven by its consumer's
schema or parser, deterministic, and free of secrets."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from checker import report
from checker.baseline import fingerprint
from checker.cli import cli
from checker.config import Settings
from checker.engine import scan
from checker.model import ScanResult, Severity
from checker.report.github import escape_data, escape_property
from checker.report.markdown import GITHUB_LIMIT, MARKER, render_markdown
from checker.rule_docs import DOCS_URL
from checker.rules import ALL_RULES
from tests.builders import StackBuilder

VM = "azure-native:compute:VirtualMachine"
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
PASSWORD = "Hunter2-very-secret!"
# These tests are about formats, not rules: one rule keeps the expected findings exact.
ONLY_MC101 = Settings(select=("MC101",))


def _stack(names: list[str], stack: str = "dev", lines: bool = True) -> StackBuilder:
    s = StackBuilder(stack, config={"azure-native:location": "eastus"})
    for i, name in enumerate(names):
        s.add(
            VM,
            name,
            {
                "resourceGroupName": "rg",
                "osProfile": {"adminUsername": "azure", "adminPassword": PASSWORD},
            },
            line=10 + i if lines else None,
        )
    return s


def _scan(*stacks: StackBuilder, settings: Settings | None = None) -> ScanResult:
    docs = [s.document(f"{s.stack}.json") for s in stacks]
    return scan(docs, settings or ONLY_MC101)


def mixed() -> ScanResult:
    """Four MC101 findings: error with a line, warning, info, and a suppressed one; one stack
    has no source lines (a state export), with warnings."""
    result = _scan(_stack(["web", "api", "batch"]), _stack(["db"], "prod", lines=False))
    by_name = {f.resource.name: f for f in result.findings}
    findings = sorted(
        [
            by_name["web"],
            dataclasses.replace(by_name["api"], severity=Severity.WARNING),
            dataclasses.replace(by_name["batch"], severity=Severity.INFO),
            dataclasses.replace(by_name["db"], suppressed="stateless batch host, rebuilt nightly"),
        ],
        key=lambda f: f.sort_key(),
    )
    return dataclasses.replace(
        result, findings=tuple(findings), warnings=("MC101: could not judge 'x' (dev): zones unknown",)
    )


def render(fmt: str, result: ScanResult) -> str:
    return report.get(fmt).render(result)


# --- SARIF ---------------------------------------------------------------------------------


def test_sarif_is_valid_against_the_official_schema() -> None:
    for result in (mixed(), _scan(StackBuilder("empty"))):
        doc = json.loads(render("sarif", result))
        validator = jsonschema.validators.validator_for(SCHEMA)
        validator(SCHEMA, format_checker=validator.FORMAT_CHECKER).validate(doc)


def test_sarif_rules_come_from_the_catalog() -> None:
    driver = json.loads(render("sarif", mixed()))["runs"][0]["tool"]["driver"]
    assert driver["name"] == "maintcheck"
    assert [r["id"] for r in driver["rules"]] == [r.id for r in ALL_RULES]
    for entry, rule in zip(driver["rules"], ALL_RULES, strict=True):
        assert entry["name"] == rule.slug
        assert entry["shortDescription"]["text"] == rule.title
        assert rule.doc.why in entry["help"]["markdown"]
        assert rule.doc.fix in entry["help"]["text"]
        assert entry["defaultConfiguration"]["level"] == {
            Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"
        }[rule.severity]


def test_sarif_results_locations_fingerprints_and_suppressions() -> None:
    result = mixed()
    run = json.loads(render("sarif", result))["runs"][0]
    results = {r["locations"][0]["logicalLocations"][0]["name"]: r for r in run["results"]}
    assert [(n, r["level"]) for n, r in sorted(results.items())] == [
        ("api", "warning"), ("batch", "note"), ("db", "error"), ("web", "error")
    ]
    web = results["web"]
    assert web["ruleId"] == "MC101"
    assert web["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "__main__.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 10},
    }
    assert web["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == (
        "urn:pulumi:dev::app::azure-native:compute:VirtualMachine::web"
    )
    assert "Fixes: Run two or more instances" in web["message"]["text"]
    assert "import pulumi_azure_native as azure_native" in web["properties"]["fixes"][0]["snippet"]
    assert web["suppressions"] == []
    db = results["db"]
    assert "physicalLocation" not in db["locations"][0]
    assert db["suppressions"] == [
        {"kind": "external", "status": "accepted",
         "justification": "stateless batch host, rebuilt nightly"}
    ]
    by_urn = {f.resource.urn: f for f in result.findings}
    for r in run["results"]:
        urn = r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        assert r["partialFingerprints"] == {"maintcheck/v1": fingerprint(by_urn[urn])}
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == list(result.warnings)


def test_sarif_fingerprints_survive_moved_lines_and_unrelated_resources() -> None:
    def prints(result: ScanResult) -> dict[str, str]:
        run = json.loads(render("sarif", result))["runs"][0]
        return {
            r["locations"][0]["logicalLocations"][0]["name"]: r["partialFingerprints"][
                "maintcheck/v1"
            ]
            for r in run["results"]
        }

    before = prints(_scan(_stack(["web", "api"])))
    after = prints(_scan(_stack(["new-one", "web", "api"])))  # lines shift by one
    assert before["web"] == after["web"] and before["api"] == after["api"]
    assert len(set(after.values())) == 3


def test_sarif_uris_are_encoded_and_absolute_paths_are_file_uris() -> None:
    s = _stack(["web"])
    doc = dataclasses.replace(s.document(), root="/srv/my infra")
    run = json.loads(render("sarif", scan([doc], ONLY_MC101)))["runs"][0]
    loc = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": "file:///srv/my%20infra/__main__.py"}


# --- GitHub annotations --------------------------------------------------------------------


def _unescape(text: str) -> str:
    """The Actions runner's unescaping of command values."""
    for enc, dec in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(enc, dec)
    return text


_COMMAND = re.compile(r"^::(?P<cmd>[a-z]+)(?: (?P<props>[^:]*))?::(?P<msg>.*)$")


def parse_commands(output: str) -> list[dict[str, Any]]:
    """Parse workflow commands the way the runner does: ``::cmd k=v,k=v::message``."""
    out = []
    for line in output.splitlines():
        m = _COMMAND.match(line)
        if not m:
            continue
        props = {}
        for pair in (m["props"] or "").split(","):
            if pair:
                key, _, value = pair.partition("=")
                props[key] = _unescape(value)
        out.append({"command": m["cmd"], **props, "message": _unescape(m["msg"])})
    return out


def test_github_annotations_parse_back() -> None:
    output = render("github", mixed())
    commands = parse_commands(output)
    assert [(c["command"], c.get("file"), c.get("line")) for c in commands] == [
        ("warning", "__main__.py", "11"),
        ("notice", "__main__.py", "12"),
        ("error", "__main__.py", "10"),
    ]  # the suppressed finding on 'db' is not annotated
    assert all(c["title"] == "MC101 single-instance-vm" for c in commands)
    assert commands[2]["message"].startswith("VM 'web' is a single instance")
    assert "\nFix: Run two or more instances" in commands[2]["message"]
    assert output.rstrip().splitlines()[-1] == (
        "maintcheck: 3 findings (1 error, 1 warning, 1 info), 1 suppressed in 4 resources."
    )


def test_github_annotation_without_line_has_no_file_and_names_the_urn() -> None:
    commands = parse_commands(render("github", _scan(_stack(["db"], lines=False))))
    assert len(commands) == 1
    assert "file" not in commands[0] and "line" not in commands[0]
    assert "[urn:pulumi:dev::app::azure-native:compute:VirtualMachine::db]" in (
        commands[0]["message"]
    )


def test_github_escaping_round_trips_hostile_values() -> None:
    nasty = "a%b,c:d\r\ne::error::x"
    assert _unescape(escape_property(nasty)) == nasty
    assert _unescape(escape_data(nasty)) == nasty
    assert ":" not in escape_property(nasty) and "," not in escape_property(nasty)
    s = _stack(["web"])
    doc = dataclasses.replace(s.document(), root="infra,v2:x%y")
    commands = parse_commands(render("github", scan([doc], ONLY_MC101)))
    assert commands[0]["file"] == "infra,v2:x%y/__main__.py"


# --- Markdown ------------------------------------------------------------------------------


def _table_rows(body: str) -> list[str]:
    return [line for line in body.splitlines() if line.startswith("| :")]


def _cells(row: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]


def test_markdown_comment_has_marker_counts_table_and_fixes() -> None:
    body = render("markdown", mixed())
    assert body.startswith(MARKER + "\n")
    assert ":x: 1 error · :warning: 1 warning · :information_source: 1 info · 1 suppressed" in body
    assert "| Severity | Rule | Resource | Location | Message |" in body
    rows = _table_rows(body)
    rule = f"[MC101]({DOCS_URL}/MC101.md) single-instance-vm"
    assert [_cells(r)[:4] for r in rows] == [
        [":x: error", rule, "web (dev)", r"\_\_main\_\_.py:10"],
        [":warning: warning", rule, "api (dev)", r"\_\_main\_\_.py:11"],
        [":information_source: info", rule, "batch (dev)", r"\_\_main\_\_.py:12"],
    ]
    assert body.count("<details><summary>MC101 on ") == 3
    assert body.count("```python\nimport pulumi\nimport pulumi_azure_native as azure_native") == 9
    assert "<summary>1 suppressed finding</summary>" in body
    assert "stateless batch host, rebuilt nightly" in body
    assert "<summary>1 warning</summary>" in body


def test_markdown_escapes_pipes_newlines_and_html_in_cells() -> None:
    result = _scan(_stack(["web"]))
    f = dataclasses.replace(result.findings[0], message="a | b\nc <!-- hidden --> d")
    body = render("markdown", dataclasses.replace(result, findings=(f,)))
    (row,) = _table_rows(body)
    assert len(_cells(row)) == 5
    assert _cells(row)[4] == r"a \| b<br>c &lt;!-- hidden --&gt; d"
    assert "<!-- hidden -->" not in body


def test_markdown_all_clear() -> None:
    body = render("markdown", _scan(StackBuilder("dev")))
    assert body.startswith(MARKER + "\n")
    assert "**All clear**" in body
    assert "| Severity |" not in body


def test_markdown_truncates_whole_rows_under_the_github_limit() -> None:
    names = [f"vm-{i:04d}" for i in range(1500)]
    result = _scan(_stack(names))
    body = render("markdown", result)
    assert len(body) < GITHUB_LIMIT and len(body.encode()) < GITHUB_LIMIT - 4000
    rows = _table_rows(body)
    assert all(len(_cells(r)) == 5 for r in rows)
    left = int(re.search(r"(\d+) more findings left out", body)[1])  # type: ignore[index]
    assert 0 < len(rows) < 1500 and len(rows) + left == 1500
    # rows come before fix blocks: every row is listed, some fixes are cut first
    shown_fixes = body.count("<details><summary>MC101 on ")
    assert shown_fixes < len(rows)
    assert f"The fixes of {1500 - shown_fixes} findings left out" in body
    assert shown_fixes > 0 and "<summary>MC101 on vm-0000 (dev): how to fix" in body
    assert body.index("more findings left out") < body.index("### Fixes")


def test_markdown_keeps_every_row_when_only_fixes_overflow() -> None:
    result = _scan(_stack([f"vm-{i:03d}" for i in range(120)]))
    body = render_markdown(result)
    assert len(_table_rows(body)) == 120
    assert "more findings left out" not in body
    assert "findings left out" in body  # fixes did not all fit


# --- JUnit ---------------------------------------------------------------------------------


def test_junit_parses_back() -> None:
    root = ET.fromstring(render("junit", mixed()))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"maintcheck", "MC101 single-instance-vm"}
    mc101 = suites["MC101 single-instance-vm"]
    assert (mc101.get("tests"), mc101.get("failures"), mc101.get("skipped")) == ("4", "2", "1")
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("5", "2", "1")
    cases = {c.get("name"): c for c in mc101.findall("testcase")}
    assert set(cases) == {"web (dev)", "api (dev)", "batch (dev)", "db (prod)"}
    web = cases["web (dev)"].find("failure")
    assert web is not None and web.get("type") == "error"
    assert "fix: Run two or more instances" in (web.text or "")
    assert cases["web (dev)"].get("file") == "__main__.py"
    api = cases["api (dev)"].find("failure")
    assert api is not None and api.get("type") == "warning"
    assert cases["batch (dev)"].find("failure") is None
    assert "single instance" in (cases["batch (dev)"].findtext("system-out") or "")
    skipped = cases["db (prod)"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "suppressed: stateless batch host, rebuilt nightly"
    scan_out = suites["maintcheck"].findtext("testcase/system-out") or ""
    assert "zones unknown" in scan_out


def test_junit_shows_characters_xml_cannot_carry_as_escapes() -> None:
    result = _scan(_stack(["web"]))
    f = dataclasses.replace(result.findings[0], message="bell\x07 and <tag> & more")
    root = ET.fromstring(render("junit", dataclasses.replace(result, findings=(f,))))
    failure = root.find(".//failure")
    assert failure is not None and failure.get("message") == "bell\\x07 and <tag> & more"


def test_junit_all_clear_is_one_passing_case() -> None:
    root = ET.fromstring(render("junit", _scan(StackBuilder("dev"))))
    assert (root.get("tests"), root.get("failures")) == ("1", "0")


# --- all formats ---------------------------------------------------------------------------


def test_every_rule_renders_valid_reports() -> None:
    """The kitchen-sink stacks make every rule fire: each format holds every finding."""
    from tests.test_snippets import kitchen_sink

    result = scan([s.document(f"{s.stack}.json") for s in kitchen_sink()], Settings())
    fired = {f.rule_id for f in result.findings}
    assert len(fired) >= len(ALL_RULES) - 1

    doc = json.loads(render("sarif", result))
    jsonschema.validators.validator_for(SCHEMA)(SCHEMA).validate(doc)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rules[r["ruleIndex"]]["id"] for r in run["results"]] == [
        f.rule_id for f in result.findings
    ]

    assert len(parse_commands(render("github", result))) == len(result.findings)
    body = render("markdown", result)
    assert len(_table_rows(body)) == len(result.findings)
    assert all(len(_cells(r)) == 5 for r in _table_rows(body))

    root = ET.fromstring(render("junit", result))
    pairs = {(f.rule_id, f.resource.urn) for f in result.findings}
    assert int(root.get("tests", "0")) == len(pairs) + 1
    assert {s.get("name", "").split()[0] for s in root.findall("testsuite")} == fired | {
        "maintcheck"
    }

NEW_FORMATS = ("sarif", "github", "markdown", "junit")


@pytest.mark.parametrize("fmt", NEW_FORMATS)
def test_deterministic_bytes(fmt: str) -> None:
    assert render(fmt, mixed()) == render(fmt, mixed())


@pytest.mark.parametrize("fmt", NEW_FORMATS)
def test_no_secret_in_any_format(fmt: str) -> None:
    out = render(fmt, mixed())
    assert PASSWORD not in out and "Hunter2" not in out


@pytest.mark.parametrize("fmt", NEW_FORMATS)
def test_scan_writes_each_format_to_output(fmt: str, tmp_path: Path, runner: CliRunner) -> None:
    export = _stack(["web"]).write(tmp_path / "export.json")
    out = tmp_path / f"report.{fmt}"
    res = runner.invoke(cli, ["scan", str(export), "--format", fmt, "--output", str(out)])
    assert res.exit_code == 1, res.output
    text = out.read_text("utf-8")
    assert "web" in text
    assert "\x1b[" not in text


def test_resources_sort_in_natural_order() -> None:
    """nic-1, nic-2, nic-10: numbers inside names sort by value in every listing."""
    s = StackBuilder("dev", config={"azure-native:location": "eastus"})
    for name in ("vm-10", "vm-2", "vm-1"):
        s.add("azure-native:compute:VirtualMachine", name, {"resourceGroupName": "rg"})
    result = scan([s.document()], ONLY_MC101)
    assert [f.resource.name for f in result.findings] == ["vm-1", "vm-2", "vm-10"]
    for fmt in ("text", "concise"):
        out = render(fmt, result)
        assert re.findall(r"VM '(vm-\d+)' is", out) == ["vm-1", "vm-2", "vm-10"], fmt


def test_sarif_paths_are_relative_to_the_repository_root(tmp_path: Path) -> None:
    """Scanned from a folder inside a git repository, SARIF locations name the file from the
    repository's top level (code scanning resolves them there), and stay valid SARIF."""
    (tmp_path / ".git").mkdir()
    infra = tmp_path / "deploy" / "infra"
    infra.mkdir(parents=True)
    s = StackBuilder("dev", config={"azure-native:location": "eastus"})
    s.add("azure-native:compute:VirtualMachine", "lonely", {"resourceGroupName": "rg"}, line=7)
    s.write(infra / "preview.json", kind="preview")
    run = subprocess.run(
        [sys.executable, "-m", "checker", "scan", "preview.json", "--format", "sarif",
         "--select", "MC101"],
        cwd=infra, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    assert run.returncode == 1, run.stderr
    sarif = json.loads(run.stdout)
    jsonschema.validate(sarif, SCHEMA)
    (result,) = sarif["runs"][0]["results"]
    artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "deploy/infra/__main__.py", "uriBaseId": "%SRCROOT%"}
    assert "%SRCROOT%" in sarif["runs"][0]["originalUriBaseIds"]
