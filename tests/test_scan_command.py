"""``maintcheck scan`` ergonomics: several reports from one scan, the concise format, the text
report without and with --verbose, colour rules under a real pseudo-terminal, progress for slow
program runs, and scanning a repository by stack groups."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from checker.cli import cli
from checker.report import FORMAT_NAMES
from checker.stack_groups import groups, without_region
from tests.builders import StackBuilder

VM = "azure-native:compute:VirtualMachine"
MAINTCHECK = [sys.executable, "-c", "from checker.cli import main; main()"]
ANSI = "\x1b["
SELECT = ["--select", "MC101,MC211"]


@pytest.fixture
def export(tmp_path: Path) -> Path:
    s = StackBuilder("dev", config={"azure-native:location": "eastus"})
    s.add(VM, "web-b", {"resourceGroupName": "rg"}, line=12)
    s.add(VM, "web-a", {"resourceGroupName": "rg", "tags": {"workload": "web"}}, line=4)
    s.add(
        VM,
        "db",
        {"resourceGroupName": "rg", "storageProfile": {"osDisk": {"diffDiskSettings": {"option": "Local"}}}},
        line=30,
    )
    return s.write(tmp_path / "export.json")


# -- several formats from one scan ---------------------------------------------------------------


def test_every_format_from_one_run_equals_separate_runs(
    runner: CliRunner, export: Path, tmp_path: Path
) -> None:
    together = tmp_path / "together"
    together.mkdir()
    args = ["scan", str(export), "--format", "text"]  # every rule: warnings, infos too
    for name in FORMAT_NAMES:
        args += ["--format", f"{name}:{together / name}"]
    one = runner.invoke(cli, args)
    assert one.exit_code == 1, one.output
    for name in FORMAT_NAMES:
        alone = tmp_path / f"alone-{name}"
        run = runner.invoke(cli, ["scan", str(export), "--format", name, "--output", str(alone)])
        assert run.exit_code == 1, run.output
        assert (together / name).read_bytes() == alone.read_bytes(), name
    # The one format without a file went to standard output, as a separate run prints it.
    assert one.output == runner.invoke(cli, ["scan", str(export)]).output


def test_output_is_the_file_of_the_stdout_format(runner: CliRunner, export: Path, tmp_path: Path) -> None:
    sarif, md = tmp_path / "r.sarif", tmp_path / "r.md"
    run = runner.invoke(
        cli,
        ["scan", str(export), *SELECT, "--format", "markdown", "-o", str(md), "--format", f"sarif:{sarif}"],
    )
    assert run.exit_code == 1
    assert "maintcheck-report" in md.read_text() and json.loads(sarif.read_text())["version"] == "2.1.0"
    assert run.output.startswith("maintcheck: 4 findings (3 errors, 1 warning) in 3 resources.")
    assert f"Wrote markdown to {md}, sarif to {sarif}." in run.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "json", "--format", "sarif"], "both go to standard output"),
        (["--format", "json:a", "-o", "b"], "drop --output"),
        (["--format", "json:a", "--format", "sarif:a"], "the same file"),
        (["--format", "yaml"], "'yaml' is not one of"),
        (["--format", "json:"], "give a file after the colon"),
    ],
)
def test_bad_format_combinations_exit_2(
    runner: CliRunner, export: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    run = runner.invoke(cli, ["scan", str(export), *args])
    assert run.exit_code == 2 and message in run.output, run.output


# -- concise and text ------------------------------------------------------------------------------


def test_concise_is_one_line_per_finding_worst_first(runner: CliRunner, export: Path) -> None:
    run = runner.invoke(cli, ["scan", str(export), *SELECT, "--format", "concise"])
    lines = run.output.splitlines()
    assert lines[-1] == "4 findings (3 errors, 1 warning) in 3 resources."
    findings = lines[:-1]
    assert len(findings) == 4
    pattern = re.compile(r"^(\S+):(\d+): (MC\d{3}) \[(error|warning|info)\] ([\w-]+): (.+)$")
    parsed = [pattern.match(line) for line in findings]
    assert all(parsed), findings
    assert [(m[1], m[2], m[3], m[4], m[5]) for m in parsed if m] == [
        ("__main__.py", "4", "MC101", "error", "web-a"),
        ("__main__.py", "12", "MC101", "error", "web-b"),
        ("__main__.py", "30", "MC101", "error", "db"),
        ("__main__.py", "30", "MC211", "warning", "db"),
    ]


def test_text_shows_snippets_and_every_fix_only_when_verbose(runner: CliRunner, export: Path) -> None:
    short = runner.invoke(cli, ["scan", str(export), *SELECT]).output
    verbose = runner.invoke(cli, ["scan", str(export), *SELECT, "--verbose"]).output
    assert "(+2 more with --verbose)" in short and "azure_native.compute" not in short
    assert "azure_native.compute" in verbose and "more with --verbose" not in verbose
    assert len(verbose.splitlines()) > 2 * len(short.splitlines())
    # Errors first: the error resources come before the warning one.
    heads = [line.split()[1] for line in short.splitlines() if line.startswith("__main__.py")]
    assert heads == ["web-a", "web-b", "db"]  # by location, all with an error
    assert "maintcheck explain MC101 or https://" in short and "/docs/rules/MC101.md" in short


def test_reference_deployment_first_scan_fits_one_screen() -> None:
    """The README's first command: the default text report of the dev stack."""
    repo = Path(__file__).resolve().parents[1]
    run = subprocess.run(
        [*MAINTCHECK, "scan", ".", "--stack", "dev"], cwd=repo, capture_output=True, text=True,
        check=False, timeout=120,
    )
    assert run.returncode == 1, run.stderr
    lines = run.stdout.splitlines()
    assert lines[-1].endswith("in 17 resources.")
    assert len(lines) <= 40, run.stdout
    assert sum(len(line) // 120 + 1 for line in lines) <= 50  # rows of a 120-column terminal


# -- colour and progress on a terminal -------------------------------------------------------------


def _under_pty(
    args: list[str], env: dict[str, str], *, cwd: Path, stdout_tty: bool = True, stderr_tty: bool = False
) -> tuple[int, str, str]:
    """Run maintcheck with stdout and/or stderr on a pseudo-terminal; (status, stdout, stderr)."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [*MAINTCHECK, *args],
            cwd=cwd,
            env=env,
            stdout=slave if stdout_tty else subprocess.PIPE,
            stderr=slave if stderr_tty else subprocess.PIPE,
            text=False,
        )
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the terminal's other side closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        piped_out = proc.stdout.read() if proc.stdout else b""
        piped_err = proc.stderr.read() if proc.stderr else b""
        status = proc.wait(timeout=120)
    finally:
        os.close(master)
    tty = b"".join(chunks).decode()
    out = tty if stdout_tty else piped_out.decode()
    err = tty if stderr_tty else piped_err.decode()
    return status, out, err


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "FORCE_COLOR"}}
    env.update(extra)
    return env


@pytest.mark.parametrize(
    ("flags", "env", "on_tty", "coloured"),
    [
        ([], {}, True, True),
        ([], {"NO_COLOR": "1"}, True, False),
        (["--color", "never"], {}, True, False),
        (["--color", "always"], {"NO_COLOR": "1"}, False, True),
        ([], {}, False, False),
    ],
)
def test_colour_rules(
    export: Path, tmp_path: Path, flags: list[str], env: dict[str, str], on_tty: bool, coloured: bool
) -> None:
    status, out, _err = _under_pty(
        ["scan", str(export), *flags], _env(**env), cwd=tmp_path, stdout_tty=on_tty
    )
    assert status == 1
    assert "MC101" in out
    assert (ANSI in out) is coloured, out


SLOW_PROGRAM = """\
import time
import pulumi_azure_native as azure_native

time.sleep(1.6)
azure_native.compute.VirtualMachine("web", resource_group_name="rg", location="eastus")
"""


def write_project(directory: Path, program: str, stacks: dict[str, str], name: str = "demo") -> Path:
    """A Pulumi project run with this interpreter's virtualenv; ``stacks`` maps a stack name
    to its azure-native location."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(
        yaml.safe_dump({"name": name, "runtime": {"name": "python", "options": {"virtualenv": sys.prefix}}})
    )
    for stack, location in stacks.items():
        (directory / f"Pulumi.{stack}.yaml").write_text(f"config:\n  azure-native:location: {location}\n")
    (directory / "__main__.py").write_text(program)
    return directory


@pytest.mark.slow
def test_progress_on_a_terminal_only(tmp_path: Path) -> None:
    write_project(tmp_path / "infra", SLOW_PROGRAM, {"dev": "eastus"})
    status, _out, err = _under_pty(
        ["scan", "infra", "--format", "concise"], _env(), cwd=tmp_path, stdout_tty=False, stderr_tty=True
    )
    assert status == 1
    assert "maintcheck: running infra under mocks… 1s" in err
    assert err.endswith("\r\x1b[2K")  # the line is cleared when the run ends
    piped = subprocess.run(
        [*MAINTCHECK, "scan", "infra", "--format", "concise"], cwd=tmp_path, env=_env(),
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert piped.returncode == 1 and piped.stderr == ""


# -- stack groups and discovery --------------------------------------------------------------------


def test_stack_names_without_their_region() -> None:
    regions = frozenset({"eastus", "westus", "westeurope", "northeurope"})
    assert without_region("prod-eastus", regions) == "prod"
    assert without_region("eastus_prod", regions) == "prod"
    assert without_region("app.westeurope.prod", regions) == "app.prod"
    assert without_region("dev", regions) == "dev"
    assert without_region("eastus", regions) == "eastus"  # nothing left: the name itself
    assert without_region("prod-eastus2x", regions) == "prod-eastus2x"


def test_default_and_configured_groups() -> None:
    stacks = ["dev", "prod-eastus", "prod-westus", "staging-westeurope", "qa-northeurope"]
    assert groups(stacks) == [
        ("dev",), ("prod-eastus", "prod-westus"), ("staging-westeurope",), ("qa-northeurope",)
    ]
    configured = [["staging-westeurope", "qa-northeurope"], ["prod-eastus"]]
    assert groups(stacks, configured) == [
        ("dev",), ("prod-eastus",), ("prod-westus",), ("staging-westeurope", "qa-northeurope")
    ]


REGIONAL_PROGRAM = """\
import pulumi
import pulumi_azure_native as azure_native

location = pulumi.Config("azure-native").require("location")
for zone in ("1", "2"):
    azure_native.compute.VirtualMachine(
        f"web-{zone}", resource_group_name="rg", location=location, zones=[zone],
        tags={"workload": "web"},
    )
"""


def _mc301_stacks(output: str) -> list[str]:
    report = json.loads(output)
    return sorted(f["resource"]["stack"] for f in report["findings"] if f["rule"] == "MC301")


@pytest.mark.slow
def test_scan_without_paths_finds_projects_and_scans_by_stack_groups(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(
        tmp_path / "infra",
        REGIONAL_PROGRAM,
        {"dev": "eastus", "prod-eastus": "eastus", "prod-westus": "westus"},
    )
    write_project(tmp_path / "services" / "api", REGIONAL_PROGRAM, {"dev": "westeurope"}, name="api")
    (tmp_path / ".venv").mkdir()  # hidden and virtualenv folders are not searched
    write_project(tmp_path / ".venv" / "x", "raise SystemExit(3)\n", {"dev": "eastus"})
    monkeypatch.chdir(tmp_path)

    # The VMs span two zones: MC301 is info for them (the catalog), so fail on info.
    run = runner.invoke(cli, ["scan", "--format", "json", "--select", "MC301", "--fail-on", "info"])
    assert run.exit_code == 1, run.output
    # The prod pair is one scan (each sees the other region); dev alone misses its pair, and
    # so does the api project's only stack.
    # (one finding per workload and stack)
    assert _mc301_stacks(run.output) == ["dev", "dev"]
    report = json.loads(run.output)
    assert report["summary"]["resources"] == 8  # 2 VMs in each of 4 stacks, each scanned once
    projects = {f["resource"]["urn"].split("::")[1] for f in report["findings"]}
    assert projects == {"demo", "api"}

    # Configured groups win: prod-westus is then in no group and scanned alone.
    (tmp_path / "maintcheck.toml").write_text('stack-groups = [["dev", "prod-eastus"]]\n')
    grouped = runner.invoke(
        cli, ["scan", "infra", "--format", "json", "--select", "MC301", "--fail-on", "info"]
    )
    assert grouped.exit_code == 1, grouped.output
    # dev + prod-eastus are both eastus (no pair); prod-westus alone has no pair either.
    assert _mc301_stacks(grouped.output) == ["dev", "prod-westus"], grouped.output

    # --stack still picks explicitly: one scan of exactly these stacks.
    (tmp_path / "maintcheck.toml").unlink()
    explicit = runner.invoke(
        cli, ["scan", "infra", "--stack", "dev", "--stack", "prod-westus", "--format", "json",
              "--select", "MC301", "--fail-on", "info"],
    )
    assert explicit.exit_code == 0, explicit.output  # eastus + westus: a pair


@pytest.mark.slow
def test_a_baseline_is_matched_once_over_every_stack_group(tmp_path: Path) -> None:
    """Stack groups are separate scans of one report: the baseline is judged against all of
    their findings, so no group calls the other groups' entries stale."""
    write_project(
        tmp_path / "infra",
        REGIONAL_PROGRAM,
        {"dev": "eastus", "prod-eastus": "eastus", "prod-westus": "westus"},
    )
    scan = [*MAINTCHECK, "scan", "--format", "json", "--select", "MC301"]
    env = {**os.environ, "NO_COLOR": "1"}
    wrote = subprocess.run([*scan, "--write-baseline", "base.json"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, check=False, timeout=120)
    assert wrote.returncode == 0, wrote.stderr
    again = subprocess.run([*scan, "--baseline", "base.json"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, check=False, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    report = json.loads(again.stdout)
    assert report["findings"] == []
    assert report["warnings"] == ["1 finding matched the baseline base.json and is not reported."]


def test_without_paths_in_a_folder_of_a_project_the_enclosing_project_is_scanned(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As `pulumi preview` finds Pulumi.yaml in a parent directory: run from `stacks/`."""
    project = write_project(tmp_path / "infra", REGIONAL_PROGRAM, {"dev": "eastus"})
    (project / "stacks").mkdir()
    monkeypatch.chdir(project / "stacks")
    # The VMs span two zones: MC301 is info for them (the catalog), so fail on info.
    run = runner.invoke(cli, ["scan", "--format", "json", "--select", "MC301", "--fail-on", "info"])
    assert run.exit_code == 1, run.output
    assert _mc301_stacks(run.output) == ["dev"]
    assert {f["location"]["file"] for f in json.loads(run.output)["findings"]} == {"../__main__.py"}
    # ... with the project's own config
    (project / "maintcheck.toml").write_text('ignore = ["MC301"]\n')
    configured = runner.invoke(cli, ["scan", "--format", "json", "--fail-on", "info"])
    assert configured.exit_code == 0, configured.output
    assert json.loads(configured.output)["findings"] == []


def test_stack_groups_config_errors(runner: CliRunner, export: Path, tmp_path: Path) -> None:
    bad = tmp_path / "maintcheck.toml"
    bad.write_text('stack-groups = [["a", "b"], ["b"]]\n')
    run = runner.invoke(cli, ["scan", str(export), "--config-file", str(bad)])
    assert run.exit_code == 2
    assert "$.stack-groups[1]: stack 'b' is already in group 0" in run.output
    bad.write_text('stack-groups = ["prod"]\n')
    run = runner.invoke(cli, ["scan", str(export), "--config-file", str(bad)])
    assert run.exit_code == 2 and "stack-groups" in run.output


def test_exclude_keeps_directories_out_of_discovery(tmp_path: Path) -> None:
    from checker.discovery import all_projects, excluded, projects_for

    for folder in ("infra", "tests/fixtures/app", "tests/fixtures/deep/app", "examples/demo"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "Pulumi.yaml").write_text("name: x\nruntime: python\n")
    assert [p.as_posix() for p in all_projects(tmp_path)] == [
        "examples/demo", "infra", "tests/fixtures/app", "tests/fixtures/deep/app"
    ]
    assert [p.as_posix() for p in all_projects(tmp_path, ["tests/fixtures", "*/demo"])] == ["infra"]
    assert excluded(Path("tests/fixtures/deep/app"), ["tests/fixtures/"])
    assert not excluded(Path("tests/fixturesx"), ["tests/fixtures"])
    changed = [tmp_path / "tests/fixtures/app/__main__.py", tmp_path / "infra/__main__.py"]
    assert projects_for(changed, tmp_path, ["tests/fixtures"]) == [Path("infra")]


def test_scan_without_paths_here_skips_the_excluded_fixtures(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This repository's own config excludes tests/fixtures (one fixture program hangs)."""
    fixture = tmp_path / "tests" / "fixtures" / "hangs"
    write_project(fixture, "import time\ntime.sleep(600)\n", {"dev": "eastus"})
    (tmp_path / "maintcheck.toml").write_text('exclude = ["tests/fixtures"]\n')
    monkeypatch.chdir(tmp_path)
    run = runner.invoke(cli, ["scan"])
    assert run.exit_code == 2
    assert "no Pulumi project (Pulumi.yaml) under the current directory outside the config's" in run.output
    hook = runner.invoke(cli, ["hook", "tests/fixtures/hangs/__main__.py"])
    assert hook.exit_code == 0 and "no Pulumi project (Pulumi.yaml) holds the changed files" in hook.output


def test_a_project_with_several_stacks_is_scanned_stack_by_stack(runner: CliRunner) -> None:
    """The app fixture has stacks dev and prod (no region in their names): two scans, one
    report; before stack groups this was an error asking for --stack."""
    app = Path(__file__).parent / "fixtures" / "programs" / "app"
    run = runner.invoke(cli, ["scan", str(app), "--format", "json", "--fail-on", "never"])
    assert run.exit_code == 0, run.output
    report = json.loads(run.output)
    assert sorted({f["resource"]["stack"] for f in report["findings"]}) == ["dev", "prod"]
