"""``maintcheck simulate`` and ``maintcheck plan`` from the command line: the reference
deployment's stacks (program runs, as a subprocess), exports, formats and bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from checker.cli import cli
from checker.schemas import load_schema
from tests.fleet import aset, stack, vm

ROOT = Path(__file__).resolve().parents[1]
PROD = ("--stack", "prod-eastus", "--stack", "prod-westus")


@cache
def maintcheck(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "checker", *args],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=300,
    )


def json_of(*args: str, schema: str) -> dict[str, Any]:
    proc = maintcheck(*args, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc: dict[str, Any] = json.loads(proc.stdout)
    jsonschema.validate(doc, load_schema(schema))
    return doc


# -- the reference deployment ------------------------------------------------------------------


@pytest.mark.slow
def test_no_wave_takes_a_production_workload_down() -> None:
    doc = json_of("simulate", ".", *PROD, schema="simulate")
    worst = {w["workload"]: (w["worst"]["left"], w["instances"]) for w in doc["workloads"]}
    assert worst == {"shop-app": (3, 4), "shop-web": (5, 6)}
    regions = {wave["region"] for w in doc["workloads"] for wave in w["waves"]}
    assert regions == {"eastus", "westus"}
    text = maintcheck("simulate", ".", *PROD)
    assert "no wave takes a workload down" in text.stdout


@pytest.mark.slow
def test_the_worst_dev_wave_takes_web_down() -> None:
    doc = json_of("simulate", ".", "--stack", "dev", schema="simulate")
    web = next(w for w in doc["workloads"] if w["workload"] == "shopdev-web")
    assert web["worst"] == {"wave": "eastus / single VMs, no promise", "capacity": 0, "left": 0}
    app = next(w for w in doc["workloads"] if w["workload"] == "shopdev-app")
    assert app["worst"]["left"] == 0  # appUpdateDomains: 1 puts both app VMs in UD 0
    text = maintcheck("simulate", ".", "--stack", "dev").stdout
    assert "worst: all down" in text and "shopdev-web (eastus / single VMs, no promise)" in text


@pytest.mark.slow
def test_the_production_runbook() -> None:
    default = json_of("plan", ".", *PROD, schema="plan")
    assert default["steps"] == [] and len(default["left_to_azure"]) == 10
    doc = json_of("plan", ".", *PROD, "--include-sets", schema="plan")
    assert [s["vms"] for s in doc["steps"]] == [
        ["app-vm-0", "web-vm-0"], ["app-vm-1", "web-vm-1"], ["web-vm-2"],
    ] * 2
    assert [s["regions"] for s in doc["steps"]] == [["eastus"]] * 3 + [["westus"]] * 3
    assert [s["wait_minutes"] for s in doc["steps"]] == [30] * 5 + [0]
    assert all(c.startswith("az vm perform-maintenance --ids '<ARM id of ") for s in doc["steps"]
               for c in s["commands"])  # a program run under mocks knows no real id
    markdown = maintcheck("plan", ".", *PROD, "--include-sets", "--format", "markdown").stdout
    assert markdown.count("### Step ") == 6
    assert "- [ ] app-vm-0 (prod-eastus), web-vm-0 (prod-eastus)" in markdown


@pytest.mark.slow
def test_the_dev_runbook_warns_and_counts_the_costs() -> None:
    doc = json_of("plan", ".", "--stack", "dev", schema="plan")
    (step,) = doc["steps"]
    assert step["vms"] == ["web-vm-0"]
    notes = " | ".join(step["notes"])
    assert "shopdev-web has a single instance" in notes
    assert "(MC211)" in notes and "(MC201)" in notes and "(MC202)" in notes
    assert doc["left_to_azure"] == ["app-vm-0", "app-vm-1"]


@pytest.mark.slow
@pytest.mark.parametrize(("picture", "stacks"), [("dev", ("--stack", "dev")), ("prod", PROD)])
def test_the_readme_pictures_are_the_current_grids(picture: str, stacks: tuple[str, ...]) -> None:
    page = maintcheck("simulate", ".", *stacks, "--format", "html").stdout
    svg = page[page.index("<svg"): page.index("</svg>") + len("</svg>")]
    assert (ROOT / "docs" / f"simulate-{picture}.svg").read_text("utf-8") == svg + "\n"
    assert f"docs/simulate-{picture}.svg" in (ROOT / "README.md").read_text("utf-8")


@pytest.mark.slow
def test_the_page_renders_in_chromium_when_it_is_installed(tmp_path: Path) -> None:
    browser = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
                    if shutil.which(b)), None)
    if browser is None:
        pytest.skip("no headless Chromium on this machine (not required)")
    page = tmp_path / "waves.html"
    page.write_text(maintcheck("simulate", ".", "--stack", "dev", "--format", "html").stdout)
    shot = tmp_path / "waves.png"
    subprocess.run([browser, "--headless", "--disable-gpu", "--no-sandbox",
                    f"--screenshot={shot}", page.as_uri()], check=True, timeout=120,
                   capture_output=True)
    assert shot.stat().st_size > 1000


# -- exports, formats and bad input --------------------------------------------------------------


@pytest.fixture
def export(tmp_path: Path) -> Path:
    s = stack()
    group = aset(s, "web-as", 2)
    for i in range(3):
        vm(s, f"web-{i}", group=group, region="eastus")
    vm(s, "lonely", region="eastus")
    return s.write(tmp_path / "export.json")


def test_several_formats_go_to_files_and_stdout_gets_the_summary(
    runner: CliRunner, export: Path, tmp_path: Path
) -> None:
    html, data = tmp_path / "waves.html", tmp_path / "waves.json"
    result = runner.invoke(cli, ["simulate", str(export), "--format", f"html:{html}",
                                 "--format", f"json:{data}"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "2 workloads: the worst wave takes 1 of them down: lonely (eastus / single VMs, no promise)."
    )
    assert html.read_text().startswith("<!DOCTYPE html>")
    jsonschema.validate(json.loads(data.read_text()), load_schema("simulate"))


def test_one_format_to_stdout_and_one_to_a_file(runner: CliRunner, export: Path, tmp_path: Path) -> None:
    runbook = tmp_path / "runbook.md"
    result = runner.invoke(cli, ["plan", str(export), "--include-sets", "--wait", "15",
                                 "--format", "text", "--format", f"markdown:{runbook}"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Self-service maintenance plan")
    assert "then wait 15 minutes" in result.output
    assert runbook.read_text().startswith("## Self-service maintenance runbook")


def test_config_sets_tiers_and_the_wait(runner: CliRunner, tmp_path: Path) -> None:
    s = stack()
    for tier in ("web", "db"):
        vm(s, f"{tier}-0", zone="1", workload=tier, region="eastus")
        vm(s, f"{tier}-1", zone="2", workload=tier, region="eastus")
    path = s.write(tmp_path / "export.json")
    (tmp_path / "maintcheck.toml").write_text('tiers = ["db", ["web"]]\nplan-wait-minutes = 45\n')
    result = runner.invoke(cli, ["plan", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [s["vms"] for s in doc["steps"]] == [["db-0"], ["db-1"], ["web-0"], ["web-1"]]
    assert [s["wait_minutes"] for s in doc["steps"]] == [45, 45, 45, 0]
    assert doc["tiers"] == [["db"], ["web"]]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # the --format of `maintcheck scan`: the same messages, the same rules
        (["--format", "sarif"], "'sarif' is not one of 'text', 'json', 'markdown', 'html'"),
        (["--format", "text", "--format", "json"], "--format text and json both go to standard output"),
        (["--format", "json:"], "give a file after the colon"),
        (["--format", "json:same.out", "--format", "markdown:same.out"],
         "two --format options write the same file"),
    ],
)
def test_bad_formats_exit_2_with_a_message(
    runner: CliRunner, export: Path, args: list[str], expected: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["simulate", str(export), *args])
    assert result.exit_code == 2 and expected in result.output, result.output
    assert not (tmp_path / "same.out").exists()  # refused before anything is written


def test_plan_formats_are_checked_like_scans(runner: CliRunner, export: Path, tmp_path: Path) -> None:
    same = str(tmp_path / "same.out")
    result = runner.invoke(cli, ["plan", str(export), "--format", f"json:{same}", "--format", f"text:{same}"])
    assert result.exit_code == 2 and "two --format options write the same file" in result.output
    one = runner.invoke(cli, ["plan", str(export), "--format", "json", "--format", "json"])
    assert one.exit_code == 0 and json.loads(one.stdout)  # the same report asked twice: once


def test_bad_input_exits_2_without_a_traceback(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    for command in ("simulate", "plan"):
        result = runner.invoke(cli, [command, str(bad)])
        assert result.exit_code == 2
        assert "broken.json" in result.output and "Traceback" not in result.output


def test_a_bad_tiers_config_names_its_path(runner: CliRunner, export: Path, tmp_path: Path) -> None:
    (tmp_path / "maintcheck.toml").write_text("tiers = [1]\n")
    result = runner.invoke(cli, ["plan", str(export)])
    assert result.exit_code == 2 and "$.tiers[0]" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("command", ["simulate", "plan"])
def test_without_paths_the_projects_here_are_found_as_scan_finds_them(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """Like `maintcheck scan`: every project under here (not only `.`), by its stack group; a
    project with several groups asks for one, naming each group's --stack options."""
    from tests.test_scan_command import REGIONAL_PROGRAM, write_project

    infra = write_project(
        tmp_path / "infra", REGIONAL_PROGRAM, {"prod-eastus": "eastus", "prod-westus": "westus"}
    )
    monkeypatch.chdir(tmp_path)
    one_group = runner.invoke(cli, [command, "--format", "json"])
    assert one_group.exit_code == 0, one_group.output
    stacks = {vm["stack"] for vm in _instances(json.loads(one_group.stdout))}
    assert stacks == {"prod-eastus", "prod-westus"}

    (infra / "Pulumi.dev.yaml").write_text("config:\n  azure-native:location: eastus\n")
    groups = runner.invoke(cli, [command])
    assert groups.exit_code == 2
    assert "--stack dev" in groups.stderr
    assert "--stack prod-eastus --stack prod-westus" in groups.stderr
    assert "Traceback" not in groups.output

    (infra / "Pulumi.yaml").unlink()
    (infra / "Pulumi.dev.yaml").unlink()
    none = runner.invoke(cli, [command])
    assert none.exit_code == 2 and "no Pulumi project" in none.stderr, none.output


def _instances(doc: Any) -> list[dict[str, Any]]:
    """Every instance object (with a ``stack``) anywhere in a simulate or plan JSON document."""
    found: list[dict[str, Any]] = []
    if isinstance(doc, dict):
        if "stack" in doc and "name" in doc:
            found.append(doc)
        for value in doc.values():
            found.extend(_instances(value))
    elif isinstance(doc, list):
        for value in doc:
            found.extend(_instances(value))
    return found


def test_what_to_type_survives_the_masking_of_stderr() -> None:
    """stderr is masked for credentials; the `--config NAME=VALUE` a message tells the user to
    type is no credential and reaches them as written (it was `--config KEY=***`)."""
    root = Path(__file__).resolve().parent / "fixtures" / "programs"
    crash = maintcheck("scan", str(root / "raises"))
    assert crash.returncode == 2
    assert "check the stack config it reads (--config KEY=VALUE)." in crash.stderr
    encrypted = maintcheck("simulate", str(root / "yaml_app"))
    assert encrypted.returncode == 0, encrypted.stderr
    assert "give a value with --config adminPassword=VALUE if it matters" in encrypted.stderr
