"""The reference deployment at the repository root: prod stacks pass, dev shows the shortcuts."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MAIN = ROOT / "__main__.py"
PROJECT = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
NAMESPACE = PROJECT["name"]


@cache
def scan(*stacks: str) -> tuple[int, dict[str, Any]]:
    args = [a for s in stacks for a in ("--stack", s)]
    proc = subprocess.run(
        [sys.executable, "-m", "checker", "scan", ".", *args, "--format", "json", "--fail-on", "info"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def line_of(text: str) -> int:
    """The line of __main__.py that holds ``text`` (so the test follows edits of the program)."""
    (line,) = [n for n, src in enumerate(MAIN.read_text().splitlines(), 1) if text in src]
    return line


def test_production_stacks_scanned_together_are_clean() -> None:
    code, report = scan("prod-eastus", "prod-westus")
    assert report["findings"] == [], [f["message"] for f in report["findings"]]
    assert report["summary"]["resources"] > 30
    assert code == 0


def test_a_production_stack_alone_misses_its_pair() -> None:
    _, report = scan("prod-eastus")
    assert {f["rule"] for f in report["findings"]} == {"MC301"}


def test_dev_shows_the_common_shortcuts_at_their_lines() -> None:
    code, report = scan("dev")
    assert code == 1
    seen = {(f["rule"], f["resource"]["name"], f["location"]["line"]) for f in report["findings"]}
    vm_line = line_of("return compute.VirtualMachine(")
    nic_line = line_of("return network.NetworkInterface(")
    expected = {
        ("MC101", "web-vm-0", vm_line),
        ("MC103", "app-as", line_of('"app-as",') - 1),
        ("MC201", "web-nic-0", nic_line),
        ("MC201", "app-nic-0", nic_line),
        ("MC202", "web-direct-ip", line_of('"web-direct-ip",') - 1),
        ("MC211", "web-vm-0", vm_line),
        ("MC211", "app-vm-1", vm_line),
    }
    assert expected <= seen
    assert {f["rule"] for f in report["findings"]} >= {"MC101", "MC103", "MC201", "MC202", "MC211", "MC301"}
    assert all(f["location"]["file"] == "__main__.py" for f in report["findings"])
    assert all(f["fixes"] and f["fixes"][0]["snippet"] for f in report["findings"])


def _declared() -> dict[str, Any]:
    return dict(PROJECT["config"])


def _program_keys() -> set[str]:
    """Keys the program reads from its own namespace: config.get*/require*("key")."""
    keys = set()
    for node in ast.walk(ast.parse(MAIN.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "config"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            keys.add(node.args[0].value)
    return keys


def test_program_reads_exactly_the_declared_config() -> None:
    assert _program_keys() == set(_declared())


@pytest.mark.parametrize("stack_file", sorted((ROOT / "stacks").glob("Pulumi.*.yaml")), ids=lambda p: p.name)
def test_stack_files_set_only_declared_keys_of_the_declared_types(stack_file: Path) -> None:
    types = {"string": str, "integer": int, "boolean": bool, "array": list}
    config = yaml.safe_load(stack_file.read_text())["config"]
    assert config.get("azure-native:location"), "every stack names its region"
    for key, value in config.items():
        namespace, _, name = key.partition(":")
        if namespace != NAMESPACE:
            continue
        assert name in _declared(), f"{stack_file.name}: {key} is not declared in Pulumi.yaml"
        assert isinstance(value, types[_declared()[name]["type"]]), f"{stack_file.name}: {key}"


def test_project_layout_matches_the_design_card() -> None:
    assert PROJECT["runtime"] == {"name": "python"} or PROJECT["runtime"] == "python"
    assert PROJECT["stackConfigDir"] == "stacks"
    assert {p.name for p in (ROOT / "stacks").glob("Pulumi.*.yaml")} >= {
        "Pulumi.dev.yaml",
        "Pulumi.prod-eastus.yaml",
        "Pulumi.prod-westus.yaml",
    }


def test_readme_shows_the_real_first_report() -> None:
    """The README's "What you see" block is what `maintcheck scan . --stack dev` prints today,
    byte for byte (messages change with the catalog; the README must follow)."""
    import re

    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme[readme.index("## What you see"):]
    block = re.search(r"```text\n(.*?)```", section, re.DOTALL)
    assert block is not None
    run = subprocess.run(
        [sys.executable, "-m", "checker", "scan", ".", "--stack", "dev", "--color", "never"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=300,
    )
    assert run.returncode == 1, run.stderr
    assert block[1] == run.stdout
