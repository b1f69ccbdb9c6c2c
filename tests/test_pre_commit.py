"""Where maintcheck runs beside the CLI: the pre-commit hook (project discovery, ``maintcheck
hook``, and the real ``pre-commit`` tool running this repository's ``.pre-commit-hooks.yaml`` on
temporary git repositories). The GitHub Action is tested in tests/test_action.py.

One test runs the hook as users get it: pre-commit builds the hook's virtualenv and
pip-installs this repository into it from the package index (marked ``network``); the others run
the same hook definition with ``language: system`` (offline). The fixture programs name the test
interpreter's own virtualenv (``sys.prefix``) in ``runtime.options.virtualenv``, so they run
with the pulumi and pulumi-azure-native already installed there: nothing of 350 MB is
installed, and nothing is downloaded beyond maintcheck's own small dependencies.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from checker.cli import cli
from checker.commands.hook import all_projects, project_of, projects_for

REPO = Path(__file__).resolve().parents[1]
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")

FINDING_PROGRAM = """\
import pulumi_azure_native as azure_native

rg = azure_native.resources.ResourceGroup("rg", location="eastus")
web = azure_native.compute.VirtualMachine("web", resource_group_name=rg.name)
"""

CLEAN_PROGRAM = """\
import pulumi_azure_native as azure_native

rg = azure_native.resources.ResourceGroup("rg", location="polandcentral")
for zone in ("1", "2"):
    azure_native.compute.VirtualMachine(
        f"web-{zone}",
        resource_group_name=rg.name,
        location="polandcentral",
        zones=[zone],
        tags={"workload": "web"},
    )
"""


def write_project(directory: Path, program: str, name: str = "demo") -> Path:
    """A Pulumi project whose programs run with this interpreter's virtualenv."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(
        yaml.safe_dump(
            {
                "name": name,
                "runtime": {"name": "python", "options": {"virtualenv": sys.prefix}},
            }
        )
    )
    (directory / "Pulumi.dev.yaml").write_text("config:\n  azure-native:location: eastus\n")
    (directory / "__main__.py").write_text(program)
    return directory


# -- finding the projects ----------------------------------------------------------------------


def test_projects_of_changed_files(tmp_path: Path) -> None:
    write_project(tmp_path / "infra", FINDING_PROGRAM)
    write_project(tmp_path / "services" / "api" / "deploy", FINDING_PROGRAM, "api")
    (tmp_path / "infra" / "components").mkdir()
    (tmp_path / "tools").mkdir()
    changed = [
        tmp_path / "infra" / "components" / "vm.py",
        tmp_path / "infra" / "Pulumi.dev.yaml",
        tmp_path / "services" / "api" / "deploy" / "__main__.py",
        tmp_path / "tools" / "lint.py",
    ]
    assert projects_for(changed, tmp_path) == [
        Path("infra"),
        Path("services/api/deploy"),
    ]
    assert project_of(tmp_path / "tools" / "lint.py", tmp_path) is None


def test_project_search_stops_at_the_top(tmp_path: Path) -> None:
    write_project(tmp_path, FINDING_PROGRAM)
    (tmp_path / "repo" / "src").mkdir(parents=True)
    assert project_of(tmp_path / "repo" / "src" / "a.py", tmp_path / "repo") is None
    assert project_of(tmp_path / "repo" / "src" / "a.py", tmp_path) == Path(".")


def test_without_files_every_project_skipping_venvs_and_hidden(tmp_path: Path) -> None:
    write_project(tmp_path / "b", FINDING_PROGRAM)
    write_project(tmp_path / "a" / "nested", FINDING_PROGRAM)
    write_project(tmp_path / ".cache" / "p", FINDING_PROGRAM)
    write_project(tmp_path / "node_modules" / "p", FINDING_PROGRAM)
    venv = tmp_path / "venv"
    write_project(venv / "lib" / "p", FINDING_PROGRAM)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    assert all_projects(tmp_path) == [Path("a/nested"), Path("b")]
    assert projects_for([], tmp_path) == [Path("a/nested"), Path("b")]


def test_hook_command_scans_the_project_of_a_changed_file(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(tmp_path / "infra", FINDING_PROGRAM)
    (tmp_path / "docs").mkdir()
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["hook", "--stack", "dev", "infra/__main__.py", "docs/x.py"])
    assert result.exit_code == 1, result.output
    # The hook's report is concise: one line per finding.
    assert "infra/__main__.py:4: MC101 [error] web: VM 'web' is a single instance" in result.output
    quiet = runner.invoke(cli, ["hook", "docs/x.py"])
    assert quiet.exit_code == 0
    assert "no Pulumi project (Pulumi.yaml) holds the changed files" in quiet.output


# -- the real pre-commit tool ------------------------------------------------------------------


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PRE_COMMIT_HOME=str(home),
        GIT_AUTHOR_NAME="maintcheck tests",
        GIT_AUTHOR_EMAIL="tests@maintcheck.invalid",
        GIT_COMMITTER_NAME="maintcheck tests",
        GIT_COMMITTER_EMAIL="tests@maintcheck.invalid",
        NO_COLOR="1",
    )
    env.pop("PRE_COMMIT", None)
    return env


def _git_repo(path: Path, env: dict[str, str]) -> None:
    subprocess.run(["git", "init", "-q", str(path)], check=True, env=env)
    subprocess.run(["git", "config", "user.name", "maintcheck tests"], cwd=path, check=True)
    subprocess.run(["git", "config", "user.email", "tests@maintcheck.invalid"], cwd=path, check=True)
    subprocess.run(["git", "add", "-A"], cwd=path, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", "fixture"], cwd=path, check=True, env=env)


def _try_repo(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PRE_COMMIT), "try-repo", str(REPO), "maintcheck", "--color", "never", *args],
        cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False,
    )


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not PRE_COMMIT.exists() or shutil.which("git") is None:
        pytest.fail(f"the pre-commit tests need git and {PRE_COMMIT} (pip install pre-commit)")
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.mark.slow
@pytest.mark.network
def test_pre_commit_hook_fails_on_a_finding(pre_commit_home: Path, tmp_path: Path) -> None:
    """The one run of the hook exactly as users get it: pre-commit builds the hook's own
    environment from this repository (pip installs maintcheck and its small dependencies from
    the package index)."""
    env = _env(pre_commit_home)
    write_project(tmp_path / "infra", FINDING_PROGRAM)
    _git_repo(tmp_path, env)
    run = _try_repo(tmp_path, env, "--all-files")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "- hook id: maintcheck" in run.stdout
    assert "- exit code: 1" in run.stdout
    assert "infra/__main__.py:4: MC101 [error] web: VM 'web' is a single instance" in run.stdout


def _local_hook_config() -> str:
    """This repository's hook definition (.pre-commit-hooks.yaml) as a `repo: local` hook with
    `language: system`: the same id, entry, files and serial settings, run with the maintcheck
    of this virtualenv, so pre-commit builds no environment (no package index needed)."""
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hook = {**hook, "language": "system"}
    hook.pop("minimum_pre_commit_version", None)
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]})


def _run_hooks(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PRE_COMMIT), "run", "--color", "never", *args],
        cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False,
    )


@pytest.mark.slow
def test_pre_commit_hook_passes_a_clean_program_and_unrelated_files(
    pre_commit_home: Path, tmp_path: Path
) -> None:
    env = _env(pre_commit_home)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    write_project(tmp_path / "infra", CLEAN_PROGRAM)
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "lint.py").write_text("print('not infrastructure')\n")
    (tmp_path / ".pre-commit-config.yaml").write_text(_local_hook_config())
    _git_repo(tmp_path, env)
    run = _run_hooks(tmp_path, env, "--all-files", "--verbose")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "- hook id: maintcheck" in run.stdout
    assert "0 findings in 3 resources." in run.stdout
    unrelated = _run_hooks(tmp_path, env, "--files", "tools/lint.py", "--verbose")
    assert unrelated.returncode == 0, unrelated.stdout + unrelated.stderr
    assert "no Pulumi project (Pulumi.yaml) holds the changed files" in unrelated.stdout


@pytest.mark.slow
def test_system_hook_variant_from_docs(pre_commit_home: Path, tmp_path: Path) -> None:
    """The `language: system` variant of docs/pre-commit.md: maintcheck from the PATH (here
    this virtualenv), so pre-commit builds no environment at all."""
    docs = (REPO / "docs" / "pre-commit.md").read_text()
    block = re.search(r"```yaml\n(# language: system.*?)```", docs, re.DOTALL)
    assert block, "docs/pre-commit.md has the language: system example"
    env = _env(pre_commit_home)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    write_project(tmp_path / "infra", FINDING_PROGRAM)
    (tmp_path / ".pre-commit-config.yaml").write_text(block[1])
    _git_repo(tmp_path, env)
    run = subprocess.run(
        [str(PRE_COMMIT), "run", "--all-files", "--color", "never"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "__main__.py:4: MC101 [error] web: VM 'web' is a single instance" in run.stdout


@pytest.mark.slow
@pytest.mark.network  # pre-commit builds the hook's own environment from the package index
def test_hook_without_a_project_virtualenv_points_at_additional_dependencies(
    pre_commit_home: Path, tmp_path: Path
) -> None:
    """pre-commit's own environment for the hook has maintcheck only: a project that names no
    virtualenv is told to give the hook the SDK (`additional_dependencies`), not to pip-install
    into pre-commit's cache."""
    env = _env(pre_commit_home)
    infra = write_project(tmp_path / "infra", FINDING_PROGRAM)
    (infra / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    _git_repo(tmp_path, env)
    run = _try_repo(tmp_path, env, "--all-files")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "- exit code: 2" in run.stdout  # an input error, not findings
    assert "cannot import the Pulumi SDK" in run.stdout
    assert "additional_dependencies: [pulumi, pulumi-azure-native]" in run.stdout
    assert "-m pip install" not in run.stdout
