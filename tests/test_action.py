"""The GitHub Action (``action.yml``): its structure, and its step scripts run with bash the way
the runner runs them (``env`` evaluated, ``bash -e``): one scan writing every report with the
findings in the log, the gate, the warning when code scanning is unavailable, and the fork
guard of the pull-request comment (against a loopback fake of the GitHub API)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner

from checker.cli import cli
from tests.builders import StackBuilder
from tests.test_github_comment import PR, FakeGitHub
from tests.test_github_comment import github as github_fixture

REPO = Path(__file__).resolve().parents[1]
ACTION = REPO / "action.yml"
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.DOTALL)


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    yield from github_fixture.__wrapped__(monkeypatch)  # type: ignore[attr-defined]


def _action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION.read_text())
    assert isinstance(data, dict)
    return data


def _steps() -> dict[str, dict[str, Any]]:
    return {step.get("id", step["name"]): step for step in _action()["runs"]["steps"]}


def test_action_structure() -> None:
    action = _action()
    assert {"name", "description", "inputs", "outputs", "runs"} <= set(action)
    assert action["runs"]["using"] == "composite"
    for name, spec in action["inputs"].items():
        assert spec.get("description"), name
        assert "default" in spec or spec.get("required"), name
    for step in action["runs"]["steps"]:
        assert "name" in step
        assert ("run" in step) != ("uses" in step), step["name"]
        if "run" in step:
            assert step.get("shell") == "bash", step["name"]
        else:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", step["uses"]), step["uses"]
    uses = {s["uses"].split("@")[0] for s in action["runs"]["steps"] if "uses" in s}
    assert {"github/codeql-action/upload-sarif", "actions/cache"} <= uses


def test_action_every_input_is_used_and_every_reference_exists() -> None:
    action = _action()
    runs_text = yaml.safe_dump(action["runs"])
    outputs_text = yaml.safe_dump(action["outputs"])
    used_inputs = set(re.findall(r"inputs\.([\w-]+)", runs_text))
    assert used_inputs == set(action["inputs"])
    steps = _steps()
    for step_id, output in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", runs_text + outputs_text):
        assert step_id in steps, step_id
        assert f"echo \"{output}=" in steps[step_id].get("run", ""), (step_id, output)
    for step_id in re.findall(r"steps\.([\w-]+)\.outcome", runs_text):
        assert step_id in steps, step_id
    # Scripts read inputs through env only (no ${{ }} inside a script: no injection).
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step["name"]


def test_action_is_safe_for_forks_and_installs_into_its_own_venv() -> None:
    steps = _steps()
    assert not any("pull_request_target" in str(step.get("if", "")) for step in steps.values())
    assert "github.event_name == 'pull_request'" in steps["comment"]["if"]
    assert steps["comment"]["env"]["HEAD_REPO"] == "${{ github.event.pull_request.head.repo.full_name }}"
    assert steps["upload"]["continue-on-error"] is True
    assert steps["no-code-scanning"]["if"] == "${{ steps.upload.outcome == 'failure' }}"
    install = steps["install"]["run"]
    assert 'python -m venv "$VENV"' in install and '"$VENV/bin/python" -m pip install' in install
    assert "PIP_CACHE_DIR" in steps["install"]["env"]
    scans = [name for name, step in steps.items() if "maintcheck scan " in step.get("run", "")]
    assert scans == ["scan"] and steps["scan"]["run"].count("maintcheck scan ") == 1  # one scan


def _options(script: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", script))


def test_action_uses_only_real_cli_options() -> None:
    from checker.cli import scan
    from checker.commands.comment import comment

    def opts(command: Any) -> set[str]:
        return {o for p in command.params for o in getattr(p, "opts", ())}

    steps = _steps()
    assert _options(steps["scan"]["run"]) <= opts(scan)
    assert {"--stack", "--baseline", "--format", "--fail-on", "--color"} <= _options(steps["scan"]["run"])
    assert _options(steps["comment"]["run"]) == {"--report"}
    assert "--report" in opts(comment)


def _evaluate(text: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        return values[match[1]]

    return _EXPR.sub(value, text)


def _run_step(
    step: dict[str, Any], values: dict[str, str], tmp_path: Path, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    """Run a composite step's script the way the runner does: env evaluated, bash -e."""
    output = tmp_path / f"output-{step['id']}"
    output.touch()
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env.update({k: _evaluate(str(v), values) for k, v in step.get("env", {}).items()})
    env.update(GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"))
    env.update(extra_env)
    run = subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", step["run"]],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )
    for line in output.read_text().splitlines():
        key, _sep, val = line.partition("=")
        values[f"steps.{step['id']}.outputs.{key}"] = val
    return run


def _values(tmp_path: Path, **inputs: str) -> dict[str, str]:
    given = {name: str(spec.get("default", "")) for name, spec in _action()["inputs"].items()}
    given.update(inputs)
    values = {f"inputs.{k}": v for k, v in given.items()}
    values.update({"runner.temp": str(tmp_path), "github.action_path": str(REPO)})
    return values


@pytest.mark.parametrize(("fail_on", "gate_status"), [("warning", 1), ("never", 0)])
def test_action_scans_once_shows_findings_summarises_and_gates(
    tmp_path: Path, fail_on: str, gate_status: int
) -> None:
    """The scan, job-summary and gate scripts, run with bash on a stack export (the install
    step would reinstall maintcheck into the test's virtualenv, so it is not run here)."""
    s = StackBuilder("dev", config={"azure-native:location": "eastus"})
    s.add("azure-native:compute:VirtualMachine", "web", {"resourceGroupName": "rg"}, line=5)
    s.add("azure-native:compute:VirtualMachine", "db", {"resourceGroupName": "rg"}, line=9)
    s.write(tmp_path / "export.json")
    baseline = tmp_path / "baseline.json"
    db_only = StackBuilder("dev", config={"azure-native:location": "eastus"})
    db_only.add("azure-native:compute:VirtualMachine", "db", {"resourceGroupName": "rg"}, line=9)
    db_only.write(tmp_path / "db.json")
    CliRunner().invoke(cli, ["scan", str(tmp_path / "db.json"), "--write-baseline", str(baseline)])

    values = _values(tmp_path, paths="export.json", stacks="dev", baseline="baseline.json",
                     args="--select MC101", **{"fail-on": fail_on})
    steps = _steps()
    scan = _run_step(steps["scan"], values, tmp_path)
    assert scan.returncode == 0, scan.stderr
    assert values["steps.scan.outputs.exit-code"] == str(gate_status)
    # The findings are in the log (concise, coloured for the Actions log).
    assert "\x1b[" in scan.stdout
    assert click.unstyle(scan.stdout).splitlines()[0].startswith("__main__.py:5: MC101 [error] web: ")
    sarif = json.loads(Path(values["steps.scan.outputs.sarif-file"]).read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["MC101"]
    markdown = Path(values["steps.scan.outputs.markdown-file"]).read_text()
    assert "web" in markdown
    assert "1 finding matched the baseline" in markdown
    assert _run_step(steps["summary"], values, tmp_path).returncode == 0
    assert (tmp_path / "summary.md").read_text() == markdown
    gate = _run_step(steps["gate"], values, tmp_path)
    assert gate.returncode == gate_status
    assert ("::error title=maintcheck::" in gate.stdout) == (gate_status == 1)


def test_action_scan_script_fails_on_bad_input(tmp_path: Path) -> None:
    values = _values(tmp_path, paths="missing.json")
    scan = _run_step(_steps()["scan"], values, tmp_path)
    assert scan.returncode == 2
    assert "missing.json: no such file or directory" in scan.stderr
    assert "steps.scan.outputs.exit-code" not in values


def test_action_without_paths_scans_every_project(tmp_path: Path) -> None:
    """The default `paths` is empty: every Pulumi project of the repository."""
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "Pulumi.yaml").write_text(
        yaml.safe_dump({"name": "shop", "runtime": {"name": "python", "options": {"virtualenv": sys.prefix}}})
    )
    (infra / "Pulumi.dev.yaml").write_text("config: {}\n")
    (infra / "__main__.py").write_text(
        "import pulumi_azure_native as azure_native\n\n"
        'azure_native.compute.VirtualMachine("web", resource_group_name="rg", location="eastus")\n'
    )
    values = _values(tmp_path, args="--select MC101")
    scan = _run_step(_steps()["scan"], values, tmp_path)
    assert scan.returncode == 0, scan.stderr
    assert "infra/__main__.py:3: MC101 [error] web" in click.unstyle(scan.stdout)


def test_sarif_upload_failure_is_a_warning(tmp_path: Path) -> None:
    """Without code scanning the upload step fails (continue-on-error); this step says why
    and succeeds, so the job's verdict is still the gate's."""
    run = _run_step(_steps()["no-code-scanning"], _values(tmp_path), tmp_path)
    assert run.returncode == 0
    assert run.stdout.startswith("::warning title=maintcheck::The SARIF upload failed: code scanning")


def _pr_values(tmp_path: Path, head: str) -> dict[str, str]:
    s = StackBuilder("dev", config={"azure-native:location": "eastus"})
    s.add("azure-native:compute:VirtualMachine", "web", {"resourceGroupName": "rg"}, line=5)
    s.write(tmp_path / "export.json")
    report = tmp_path / "report.md"
    CliRunner().invoke(cli, ["scan", str(tmp_path / "export.json"), "--format", f"markdown:{report}"])
    values = _values(tmp_path, **{"github-token": "ghs_TopSecretToken1234567890"})
    values.update({
        "steps.scan.outputs.markdown-file": str(report),
        "github.event.pull_request.head.repo.full_name": head,
        "github.repository": "octo/app",
    })
    return values


def _event(tmp_path: Path) -> str:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": PR}}))
    return str(event)


def test_comment_step_posts_for_a_pull_request_of_the_repository(
    tmp_path: Path, github: FakeGitHub
) -> None:
    values = _pr_values(tmp_path, head="octo/app")
    run = _run_step(
        _steps()["comment"], values, tmp_path, GITHUB_REPOSITORY="octo/app",
        GITHUB_API_URL=github.url + github.prefix, GITHUB_EVENT_PATH=_event(tmp_path),
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert ("POST", f"/repos/octo/app/issues/{PR}/comments") in [
        (method, path.removeprefix(github.prefix)) for method, path in github.requests()
    ]


def test_comment_step_skips_a_fork(tmp_path: Path, github: FakeGitHub) -> None:
    values = _pr_values(tmp_path, head="mallory/app")
    run = _run_step(
        _steps()["comment"], values, tmp_path, GITHUB_REPOSITORY="octo/app",
        GITHUB_API_URL=github.url + github.prefix, GITHUB_EVENT_PATH=_event(tmp_path),
    )
    assert run.returncode == 0, run.stderr
    assert "::notice title=maintcheck::No pull-request comment for a fork (mallory/app)" in run.stdout
    assert github.requests() == []
