"""The tables that list every rule, source and format are complete, and what shows them agrees.

pre-commit style: each kind is a Protocol plus one explicit table, with no import-time
registration, so these tests are what keeps a new module from being forgotten.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import click

from checker import report
from checker.cli import cli
from checker.maintenance.render import PLAN_FORMATS, SIMULATE_FORMATS
from checker.rules import ALL_RULES, RULES_BY_ID
from checker.sources import ALL_SOURCES

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "checker"


def test_every_rule_module_is_in_the_catalog_and_back() -> None:
    modules = sorted(p.stem for p in (PACKAGE / "rules").glob("mc[0-9][0-9][0-9]_*.py"))
    listed = [rule.check.__module__.rsplit(".", 1)[-1] for rule in ALL_RULES]
    assert sorted(listed) == modules
    for rule in ALL_RULES:
        module = importlib.import_module(rule.check.__module__)
        assert module.RULE is rule
        stem = module.__name__.rsplit(".", 1)[-1]
        assert stem == f"{rule.id.lower()}_{rule.slug.replace('-', '_')}", stem
    assert [r.id for r in ALL_RULES] == sorted(RULES_BY_ID), "ALL_RULES is in ID order"


def test_rules_folder_holds_only_rule_modules() -> None:
    """A reader finds any rule in one step: helpers several rules share live in support/."""
    others = {p.name for p in (PACKAGE / "rules").glob("*.py")} - {
        p.name for p in (PACKAGE / "rules").glob("mc[0-9][0-9][0-9]_*.py")
    }
    assert others == {"__init__.py", "base.py"}


def test_every_format_module_is_in_the_format_table() -> None:
    modules = {p.stem for p in (PACKAGE / "report").glob("*.py")} - {"__init__", "base"}
    assert {module.rsplit(".", 1)[-1] for module, _cls in report.ALL_FORMATS.values()} == modules
    for name in report.FORMAT_NAMES:
        assert report.get(name).name == name


def test_every_source_module_is_in_the_source_table() -> None:
    helpers = {"__init__", "base", "worker", "pulumi_project", "v3"}  # not sources themselves
    modules = {p.stem for p in (PACKAGE / "sources").glob("*.py")} - helpers
    listed = {type(source).__module__.rsplit(".", 1)[-1] for source in ALL_SOURCES}
    # The policy source is read by the pack only (AnalyzeStack), never from a path.
    assert listed | {"policy"} == modules


def test_readme_rule_table_matches_the_catalog() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    rows = re.findall(r"^\| (MC\d{3}) \| ([a-z0-9-]+) \| (\w+) \|", readme, re.M)
    assert rows == [(r.id, r.slug, str(r.severity)) for r in ALL_RULES]


def _choices(command: str, option: str) -> tuple[str, ...]:
    cmd = cli.commands[command]
    (param,) = [p for p in cmd.params if p.name == option]
    assert isinstance(param.type, click.Choice)
    return tuple(param.type.choices)


def test_cli_choices_come_from_the_tables() -> None:
    assert _choices("scan", "fmt") == report.FORMAT_NAMES
    assert _choices("hook", "fmt") == report.FORMAT_NAMES
    assert _choices("simulate", "formats") == tuple(SIMULATE_FORMATS)
    assert _choices("plan", "formats") == tuple(PLAN_FORMATS)


def test_every_wave_and_runbook_rendering_is_in_its_table() -> None:
    """simulate/plan formats: each table entry names a function that exists, and every module
    of checker/maintenance/render renders something a table lists."""
    listed = set()
    for table in (SIMULATE_FORMATS, PLAN_FORMATS):
        for module, function in table.values():
            assert callable(getattr(importlib.import_module(module), function)), (module, function)
            listed.add(module.rsplit(".", 1)[-1])
    modules = {p.stem for p in (PACKAGE / "maintenance" / "render").glob("*.py")} - {"__init__"}
    assert modules == listed
