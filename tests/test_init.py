"""``maintcheck init``: a starter config, the pre-commit hook and a GitHub workflow, never
overwriting without --force; then the real pre-commit runs the written hook (offline:
``language: system`` uses this environment's maintcheck) and the workflow's scan script runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from checker.cli import cli
from checker.config import load_file
from checker.discovery import HOOK_FILES
from tests.test_pre_commit import _env as pre_commit_env

PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
FINDING_PROGRAM = """\
import pulumi_azure_native as azure_native

web = azure_native.compute.VirtualMachine("web", resource_group_name="rg", location="eastus")
"""


def _init(runner: CliRunner, *args: str) -> Any:
    return runner.invoke(cli, ["init", *args])


def _workflow(top: Path) -> dict[Any, Any]:
    data = yaml.safe_load((top / ".github/workflows/maintcheck.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_init_writes_config_hook_and_workflow(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    run = _init(runner)
    assert run.exit_code == 0, run.output
    assert "wrote maintcheck.toml" in run.output
    settings = load_file(tmp_path / "maintcheck.toml")
    assert settings.fail_on == "warning"
    hooks = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())["repos"]
    assert hooks == [
        {
            "repo": "local",
            "hooks": [
                {
                    "id": "maintcheck",
                    "name": "maintcheck (Azure planned-maintenance readiness)",
                    "entry": "maintcheck hook",
                    "language": "system",
                    "files": HOOK_FILES,
                    "require_serial": True,
                }
            ],
        }
    ]
    steps = _workflow(tmp_path)["jobs"]["maintcheck"]["steps"]
    by_name = {s.get("name"): s for s in steps}
    scan = by_name["Scan"]["run"]
    assert "--format concise --format sarif:maintcheck.sarif" in scan
    assert by_name["Upload SARIF to code scanning"]["continue-on-error"] is True
    assert "head.repo.full_name == github.repository" in by_name["Sticky comment"]["if"]
    assert "pull_request_target" not in (tmp_path / ".github/workflows/maintcheck.yml").read_text()

    # Again: refused, nothing changed.
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    again = _init(runner)
    assert again.exit_code == 2
    assert "maintcheck.toml exists" in again.output and "--force" in again.output
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before

    # --force writes the config and workflow again and keeps the user's hook entry.
    (tmp_path / "maintcheck.toml").write_text("fail-on = 'error'\n")
    forced = _init(runner, "--force")
    assert forced.exit_code == 0, forced.output
    assert load_file(tmp_path / "maintcheck.toml").fail_on == "warning"
    assert "already has the maintcheck hook; kept" in forced.output


def test_init_extends_pyproject_and_an_existing_pre_commit_config(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "infra"\n')
    (tmp_path / ".pre-commit-config.yaml").write_text(
        "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.6.0\n"
        "    hooks:\n      - id: ruff\n"
    )
    run = _init(runner)
    assert run.exit_code == 0, run.output
    assert not (tmp_path / "maintcheck.toml").exists()
    assert load_file(tmp_path / "pyproject.toml").fail_on == "warning"
    text = (tmp_path / "pyproject.toml").read_text()
    assert text.startswith('[project]\nname = "infra"\n\n[tool.maintcheck]\n')
    repos = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())["repos"]
    assert [h["id"] for r in repos for h in r["hooks"]] == ["ruff", "maintcheck"]
    again = _init(runner)  # only the workflow is in the way: --force would overwrite it
    assert again.exit_code == 2, again.output
    assert "maintcheck.yml exists. Nothing was written; give --force to write it again" in again.output
    assert "pyproject.toml" not in again.output


def test_init_adds_the_hook_and_workflow_beside_an_existing_config(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A [tool.maintcheck] the user wrote (as the README shows) is kept, never a reason to
    refuse: --force would not touch it either."""
    monkeypatch.chdir(tmp_path)
    config = '[project]\nname = "infra"\n\n[tool.maintcheck]\nfail-on = "error"\n'
    (tmp_path / "pyproject.toml").write_text(config)
    run = _init(runner)
    assert run.exit_code == 0, run.output
    assert "pyproject.toml already has [tool.maintcheck]; kept as it is." in run.output
    assert (tmp_path / "pyproject.toml").read_text() == config
    assert (tmp_path / ".pre-commit-config.yaml").is_file()
    assert (tmp_path / ".github/workflows/maintcheck.yml").is_file()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_init_reads_a_pyproject_as_scan_reads_it(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoding: str
) -> None:
    """A pyproject.toml a Windows editor saved (byte-order mark, or UTF-16) is read by the
    config's own reader: init found it invalid TOML where scan read it."""
    monkeypatch.chdir(tmp_path)
    config = '[project]\nname = "infra"\n\n[tool.maintcheck]\nfail-on = "error"\n'
    (tmp_path / "pyproject.toml").write_text(config, encoding)
    run = _init(runner)
    assert run.exit_code == 0, run.output
    assert "pyproject.toml already has [tool.maintcheck]; kept as it is." in run.output


def test_init_refuses_a_pyproject_it_cannot_read(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.maintcheck\n")
    run = _init(runner)
    assert run.exit_code == 2 and "pyproject.toml: not valid TOML" in run.output
    assert "Traceback" not in run.output


def test_init_names_detected_stack_groups(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Pulumi.yaml").write_text("name: shop\nruntime: python\n")
    for stack in ("dev", "prod-eastus", "prod-westus"):
        (tmp_path / f"Pulumi.{stack}.yaml").write_text("config: {}\n")
    assert _init(runner).exit_code == 0
    text = (tmp_path / "maintcheck.toml").read_text()
    assert '# stack-groups = [["dev"], ["prod-eastus", "prod-westus"]]' in text


def test_init_will_not_guess_inside_a_pre_commit_config(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: []\ndefault_stages: [pre-commit]\n")
    run = _init(runner)
    assert run.exit_code == 2
    assert "add this entry under `repos:` yourself" in run.output
    assert not (tmp_path / "maintcheck.toml").exists()


def _env(home: Path) -> dict[str, str]:
    """pre-commit's environment as the hook tests set it, with this environment's maintcheck
    first on PATH (the written hook is `language: system`)."""
    env = pre_commit_env(home)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    return env


@pytest.mark.slow
def test_init_in_an_empty_repository_then_pre_commit_and_the_workflow_scan(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    env = _env(tmp_path / "pre-commit-home")
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    init = subprocess.run(
        [sys.executable, "-m", "checker", "init"], cwd=repo, env=env, capture_output=True,
        text=True, check=False,
    )
    assert init.returncode == 0, init.stderr
    infra = repo / "infra"
    infra.mkdir()
    (infra / "Pulumi.yaml").write_text(
        yaml.safe_dump({"name": "shop", "runtime": {"name": "python", "options": {"virtualenv": sys.prefix}}})
    )
    (infra / "Pulumi.dev.yaml").write_text("config: {}\n")
    (infra / "__main__.py").write_text(FINDING_PROGRAM)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)

    run = subprocess.run(
        [str(PRE_COMMIT), "run", "--all-files", "--color", "never"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "- hook id: maintcheck" in run.stdout
    assert "infra/__main__.py:3: MC101 [error] web: VM 'web' is a single instance" in run.stdout

    # The workflow's scan script, as the runner runs it (bash -e).
    steps = _workflow(repo)["jobs"]["maintcheck"]["steps"]
    script = next(s["run"] for s in steps if s.get("name") == "Scan")
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    scan = subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", script],
        cwd=repo, env={**env, "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)},
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert scan.returncode == 0, scan.stderr
    assert output.read_text() == "exit-code=1\n"
    assert "infra/__main__.py:3: MC101 [error] web" in scan.stdout  # visible in the log
    assert (repo / "maintcheck.sarif").is_file() and "maintcheck-report" in summary.read_text()


def test_the_hook_runs_for_the_files_of_every_program_language(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pre-commit runs the hook only for changed files matching `files`: the sources of every
    program maintcheck runs (Python, TypeScript/JavaScript, YAML) and stack files, in the
    published hook, the one `maintcheck init` writes and the docs alike."""
    root = Path(__file__).resolve().parent.parent
    published = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text())[0]["files"]
    monkeypatch.chdir(tmp_path)
    assert _init(runner).exit_code == 0
    written = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())
    docs = (root / "docs" / "pre-commit.md").read_text()
    assert published == written["repos"][0]["hooks"][0]["files"] == HOOK_FILES
    assert f"files: {HOOK_FILES}\n" in docs
    pattern = re.compile(HOOK_FILES)
    for changed in ("__main__.py", "infra/src/index.ts", "index.js", "index.mts", "lib/vm.cjs",
                    "Pulumi.yaml", "Pulumi.yml", "stacks/Pulumi.prod-eastus.yaml"):
        assert pattern.search(changed), changed
    for other in ("README.md", "package.json", "tsconfig.json", "docs/notes.txt"):
        assert not pattern.search(other), other
