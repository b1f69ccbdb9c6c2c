"""Rule documentation pages (docs/rules, generated from each rule's RuleDoc) and the links to
them: `explain`, the text report's footer, SARIF helpUri, the markdown comment's rule column;
and markdown Location cells linking to the file's line at the commit in GitHub Actions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import report
from checker.cli import cli
from checker.report.base import ReportOptions
from checker.rule_docs import DOCS_URL, pages
from checker.rules import ALL_RULES
from tests.builders import StackBuilder

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "rules"


def test_committed_pages_are_current() -> None:
    """`maintcheck rules --write-docs docs/rules` regenerates them; run it after editing a
    rule's documentation."""
    expected = pages(ALL_RULES)
    assert sorted(p.name for p in DOCS.iterdir()) == sorted(expected)
    for name, text in expected.items():
        assert (DOCS / name).read_text("utf-8") == text, f"docs/rules/{name} is stale"


def test_write_docs_command(runner: CliRunner, tmp_path: Path) -> None:
    run = runner.invoke(cli, ["rules", "--write-docs", str(tmp_path / "rules")])
    assert run.exit_code == 0
    assert f"Wrote {len(ALL_RULES) + 1} pages" in run.output
    page = (tmp_path / "rules" / "MC103.md").read_text()
    rule = next(r for r in ALL_RULES if r.id == "MC103")
    assert page.startswith(f"# MC103 {rule.slug}\n")
    for part in (rule.doc.what, rule.doc.why, rule.doc.example, rule.doc.fix):
        assert part in page


def test_every_page_is_linked_from_the_index_and_links_resolve() -> None:
    index = (DOCS / "README.md").read_text()
    for rule in ALL_RULES:
        assert f"[{rule.id}]({rule.id}.md)" in index
    for page in DOCS.glob("MC*.md"):
        for target in re.findall(r"\]\((\.\./[^)]+)\)", page.read_text()):
            assert (DOCS / target).resolve().is_file(), (page.name, target)


def test_explain_names_the_page(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert f"Docs: {DOCS_URL}/MC212.md" in runner.invoke(cli, ["explain", "MC212"]).output
    (tmp_path / "maintcheck.toml").write_text('docs-url = "https://docs.example.com/rules/"\n')
    assert "Docs: https://docs.example.com/rules/MC212.md" in runner.invoke(cli, ["explain", "MC212"]).output


def _export(tmp_path: Path) -> Path:
    s = StackBuilder("dev", config={"azure-native:location": "eastus"})
    s.add("azure-native:compute:VirtualMachine", "web", {"resourceGroupName": "rg"}, line=7)
    return s.write(tmp_path / "export.json")


def test_sarif_help_uri_per_rule_from_the_config(runner: CliRunner, tmp_path: Path) -> None:
    export = _export(tmp_path)
    run = runner.invoke(cli, ["scan", str(export), "--format", "sarif", "--fail-on", "never"])
    rules = json.loads(run.output)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["helpUri"] for r in rules] == [f"{DOCS_URL}/{r.id}.md" for r in ALL_RULES]
    config = tmp_path / "maintcheck.toml"
    config.write_text('docs-url = "https://wiki.example.com/maintcheck"\n')
    run = runner.invoke(cli, ["scan", str(export), "--format", "sarif", "--config-file", str(config)])
    rules = json.loads(run.output)["runs"][0]["tool"]["driver"]["rules"]
    assert rules[0]["helpUri"] == f"https://wiki.example.com/maintcheck/{ALL_RULES[0].id}.md"


def test_markdown_links_rules_and_lines_at_the_commit(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = _export(tmp_path)
    (tmp_path / "infra").mkdir()
    monkeypatch.chdir(tmp_path / "infra")  # the scan runs in a folder of the checkout
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.example.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/shop")
    monkeypatch.setenv("GITHUB_SHA", "0123abc")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    run = runner.invoke(cli, ["scan", str(export), "--format", "markdown", "--select", "MC101"])
    row = next(line for line in run.output.splitlines() if line.startswith("| :x: error"))
    assert f"[MC101]({DOCS_URL}/MC101.md) single-instance-vm" in row
    assert (
        r"[\_\_main\_\_.py:7](https://github.example.com/acme/shop/blob/0123abc/infra/__main__.py#L7)"
        in row
    )
    # Outside Actions, no location links (no commit to point at).
    for name in ("GITHUB_REPOSITORY", "GITHUB_SHA"):
        monkeypatch.delenv(name)
    run = runner.invoke(cli, ["scan", str(export), "--format", "markdown", "--select", "MC101"])
    assert "/blob/" not in run.output.split("### Fixes")[0].replace(DOCS_URL, "")


def test_line_urls_only_for_paths_inside_the_checkout() -> None:
    from checker.report.base import Location

    options = ReportOptions(source_url="https://github.com/a/b/blob/sha")
    assert options.line_url(Location("infra/my app/__main__.py", 3)) == (
        "https://github.com/a/b/blob/sha/infra/my%20app/__main__.py#L3"
    )
    assert options.line_url(Location("/abs/__main__.py", 3)) == ""
    assert options.line_url(Location("../other/__main__.py", 3)) == ""


def test_text_footer_names_the_page() -> None:
    from checker.config import Settings
    from checker.engine import scan

    s = StackBuilder("dev")
    s.add("azure-native:compute:VirtualMachine", "web", {"resourceGroupName": "rg", "location": "eastus"})
    result = scan([s.document()], Settings(), rules=[r for r in ALL_RULES if r.id == "MC101"])
    linked = report.get("text", ReportOptions(docs_url="https://d.example/rules")).render(result)
    assert "maintcheck explain MC101 or https://d.example/rules/MC101.md" in linked
    plain = report.get("text", ReportOptions(docs_url="")).render(result)
    assert "maintcheck explain MC101 (one page per rule)" in plain and "https://" not in plain
