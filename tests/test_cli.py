"""The command line: exit codes, options, config files, the JSON contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from checker import __version__
from checker.cli import cli
from checker.rules import ALL_RULES
from checker.schemas import load_schema
from tests.builders import StackBuilder

VM = "azure-native:compute:VirtualMachine"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    s = StackBuilder("dev", config={"azure-native:location": "eastus"})
    s.add(VM, "lonely-b", {"resourceGroupName": "rg"}, line=12)
    s.add(VM, "lonely-a", {"resourceGroupName": "rg"}, line=4)
    return s.write(tmp_path / "export.json")


def test_version_and_help(runner: CliRunner) -> None:
    assert runner.invoke(cli, ["--version"]).output.strip() == f"maintcheck, version {__version__}"
    help_text = runner.invoke(cli, ["--help"]).output
    assert "maintcheck scan . --stack dev" in help_text
    # Every kind of program maintcheck reads is named (#15 added TypeScript/JavaScript and YAML).
    flat = " ".join(help_text.split())
    for kind in ("Python", "TypeScript/JavaScript", "YAML", "pulumi preview --json", "pulumi stack export"):
        assert kind in flat, kind


def test_console_script_runs_without_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from checker.cli import main; main()", "scan", str(tmp_path / "x.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "no such file or directory" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("args", "code"), [(["scan", "{export}", "--format", "json"], 1), (["scan", "{missing}"], 2),
                       (["--version"], 0), (["scan", "{export}", "--fail-on", "never"], 0)],
)
def test_the_console_script_exits_fast_with_the_same_codes_output_and_exit_handlers(
    export: Path, args: list[str], code: int
) -> None:
    """``maintcheck`` (``checker.cli:run``) skips the interpreter's teardown, not its duties:
    the exit code is main's, the whole report is flushed, ``atexit`` handlers run."""
    argv = [a.format(export=export, missing=export.with_name("missing.json")) for a in args]
    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('exit handler ran\\n'))\n"
        "from checker.cli import run\nrun()\n"
    )
    fast = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True,
                          check=False)
    usual = subprocess.run([sys.executable, "-c", "from checker.cli import main; main()", *argv],
                           capture_output=True, text=True, check=False)
    assert fast.returncode == usual.returncode == code
    assert fast.stdout == usual.stdout
    assert fast.stderr == usual.stderr + "exit handler ran\n"
    assert (fast.stdout or fast.stderr).strip()
    if "json" in args:
        assert {f["resource"]["name"] for f in json.loads(fast.stdout)["findings"]} == {
            "lonely-a", "lonely-b"}


def _buffered_env() -> dict[str, str]:
    """The environment without PYTHONUNBUFFERED: standard output to a pipe is block-buffered,
    as it is for a user's `maintcheck ... | less`."""
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


@pytest.mark.parametrize("entry", ["main", "run"])
def test_what_exit_handlers_write_reaches_the_user(entry: str) -> None:
    """The interpreter flushes standard output and error after the ``atexit`` handlers ran;
    the console script's fast exit does too (a handler's last words are not lost)."""
    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('handler wrote to stdout'))\n"
        "atexit.register(lambda: sys.stderr.write('and to stderr without a newline'))\n"
        f"from checker.cli import {entry}\n{entry}()\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, "--version"], capture_output=True,
                          text=True, check=False, env=_buffered_env())
    assert proc.returncode == 0
    assert proc.stdout == f"maintcheck, version {__version__}\nhandler wrote to stdout\n"
    assert proc.stderr == "and to stderr without a newline"


@pytest.mark.parametrize("code", ["None", "3", "'a message'", "['not', 'a', 'number']",
                                  "'\\x1b[1mstyled\\x1b[0m'"])
def test_every_exit_code_shape_exits_as_the_interpreter_exits(code: str) -> None:
    """``SystemExit(x)`` for any ``x``: the same status and the same text on stderr, through
    :func:`checker.cli.run` as through the interpreter's own exit."""
    patch = f"import checker.cli as c\ndef boom():\n    raise SystemExit({code})\nc.cli = boom\n"
    runs = [subprocess.run([sys.executable, "-c", patch + f"c.{entry}()"], capture_output=True,
                           text=True, check=False, env=_buffered_env()) for entry in ("main", "run")]
    usual, fast = runs
    assert (fast.returncode, fast.stdout, fast.stderr) == (
        usual.returncode, usual.stdout, usual.stderr)


def test_python_dash_m_checker_is_the_console_script() -> None:
    assert (Path(__file__).parents[1] / "checker" / "__main__.py").read_text().strip().endswith("run()")


def test_rules_and_explain(runner: CliRunner) -> None:
    listing = runner.invoke(cli, ["rules", "--format", "json"])
    assert [r["id"] for r in json.loads(listing.output)] == [r.id for r in ALL_RULES]
    for rule in ALL_RULES:
        out = runner.invoke(cli, ["explain", rule.id.lower()]).output
        assert rule.slug in out and "Why it matters" in out and "Example" in out
    by_slug = runner.invoke(cli, ["explain", "single-instance-vm"])
    assert by_slug.exit_code == 0 and "MC101" in by_slug.output
    bad = runner.invoke(cli, ["explain", "MC999"])
    assert bad.exit_code == 2 and "maintcheck rules" in bad.output


def test_exit_codes_follow_fail_on(runner: CliRunner, export: Path) -> None:
    assert runner.invoke(cli, ["scan", str(export)]).exit_code == 1
    assert runner.invoke(cli, ["scan", str(export), "--fail-on", "never"]).exit_code == 0
    assert runner.invoke(cli, ["scan", str(export), "--ignore", "MC101"]).exit_code == 0
    assert runner.invoke(cli, ["scan", str(export), "--select", "MC3"]).exit_code == 0
    bad = runner.invoke(cli, ["scan", str(export), "--select", "101"])
    assert bad.exit_code == 2 and "rule IDs look like MC101" in bad.output


def test_json_report_matches_its_schema_and_is_sorted(runner: CliRunner, export: Path) -> None:
    out = runner.invoke(cli, ["scan", str(export), "--format", "json", "--select", "MC101"]).output
    report = json.loads(out)
    jsonschema.validate(report, load_schema("report"))
    assert [f["resource"]["name"] for f in report["findings"]] == ["lonely-a", "lonely-b"]
    assert report["summary"]["by_severity"]["error"] == 2
    again = runner.invoke(cli, ["scan", str(export), "--format", "json", "--select", "MC101"]).output
    assert again == out


def test_text_report_groups_by_resource_with_line_and_fix(runner: CliRunner, export: Path) -> None:
    out = runner.invoke(cli, ["scan", str(export), "--select", "MC101"]).output
    assert "__main__.py:4  lonely-a (compute:VirtualMachine, stack dev)" in out
    assert "error   MC101 [single-instance-vm]" in out
    assert "fix: Run two or more instances" in out
    assert out.rstrip().endswith("2 findings (2 errors) in 2 resources.")
    assert "\x1b[" not in out  # no colour when not a terminal


def test_output_file(runner: CliRunner, export: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    args = ["scan", str(export), "--format", "json", "-o", str(target), "--select", "MC101"]
    result = runner.invoke(cli, args)
    # Every report went to a file: standard output still gets the one-line summary.
    assert result.exit_code == 1
    assert result.output == f"maintcheck: 2 findings (2 errors) in 2 resources. Wrote json to {target}.\n"
    assert json.loads(target.read_text())["summary"]["total"] == 2


def test_config_file_severity_and_ignore(runner: CliRunner, export: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "maintcheck.toml"
    cfg.write_text('[severity]\nMC101 = "info"\n')
    result = runner.invoke(cli, ["scan", str(export), "--config-file", str(cfg), "--format", "json"])
    assert result.exit_code == 0
    assert {f["severity"] for f in json.loads(result.output)["findings"]} == {"info"}
    # discovered beside the scanned file, in pyproject.toml
    (tmp_path / "maintcheck.toml").unlink()
    (tmp_path / "pyproject.toml").write_text('[tool.maintcheck]\nignore = ["MC101"]\n')
    assert runner.invoke(cli, ["scan", str(export)]).exit_code == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('max-unavailable = 2\n', "at $.max-unavailable"),
        ('[severity]\nMC101 = "fatal"\n', "$.severity.MC101"),
        ('select = ["X1"]\n', "$.select[0]"),
        ("bogus = [", "not valid TOML"),
    ],
)
def test_bad_config_exits_2_naming_file_and_path(
    runner: CliRunner, export: Path, tmp_path: Path, content: str, expected: str
) -> None:
    cfg = tmp_path / "maintcheck.toml"
    cfg.write_text(content)
    result = runner.invoke(cli, ["scan", str(export)])
    assert result.exit_code == 2
    assert "maintcheck.toml" in result.output and expected in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        # a typo: name the key and list the ones there are
        ("maintcheck.toml", 'fail_on = "error"\n',
         "unknown key 'fail_on'; the keys are: docs-url, exclude, "),
        ("pyproject.toml", '[tool.maintcheck]\nworkload_tag = "app"\n', "unknown key 'workload_tag'"),
        # a pyproject-style table in a file of another name
        ("ci.toml", '[tool.maintcheck]\nfail-on = "error"\n',
         "[tool.maintcheck] is read from pyproject.toml only; in ci.toml write the keys at the top level"),
    ],
)
def test_an_unknown_config_key_says_what_to_write(
    runner: CliRunner, export: Path, tmp_path: Path, name: str, content: str, expected: str
) -> None:
    cfg = tmp_path / name
    cfg.write_text(content)
    result = runner.invoke(cli, ["scan", str(export), "--config-file", str(cfg)])
    assert result.exit_code == 2
    assert expected in result.stderr, result.stderr


def test_config_pairs_need_an_equals_sign(runner: CliRunner, export: Path) -> None:
    result = runner.invoke(cli, ["scan", str(export), "--config", "vmCount"])
    assert result.exit_code == 2 and "KEY=VALUE" in result.output


def test_config_dates_toml_native_or_text_and_bad_ones(
    runner: CliRunner, export: Path, tmp_path: Path
) -> None:
    cfg = tmp_path / "maintcheck.toml"
    entry = '[[suppress]]\nrule = "MC101"\nresource = "lonely-*"\nreason = "migrating"\n'
    cfg.write_text(entry + "expires = 2999-06-30\n")  # a TOML date
    result = runner.invoke(cli, ["scan", str(export), "--select", "MC101", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert {f["suppressed"] for f in json.loads(result.output)["findings"]} == {"migrating"}
    cfg.write_text(entry + 'expires = "2027-13-45"\n')
    bad = runner.invoke(cli, ["scan", str(export)])
    assert bad.exit_code == 2 and "$.suppress[0].expires" in bad.output and "YYYY-MM-DD" in bad.output
    assert "internal error" not in bad.output


def test_config_naming_a_rule_that_does_not_exist(runner: CliRunner, export: Path, tmp_path: Path) -> None:
    (tmp_path / "maintcheck.toml").write_text('[severity]\nMC999 = "error"\n')
    result = runner.invoke(cli, ["scan", str(export)])
    assert result.exit_code == 2 and "no rule MC999" in result.output


def test_select_matching_no_rule_and_stack_options_for_json_inputs(runner: CliRunner, export: Path) -> None:
    none = runner.invoke(cli, ["scan", str(export), "--select", "MC9"])
    assert none.exit_code == 2 and "no rule has this ID or prefix" in none.output
    unused = runner.invoke(cli, ["scan", str(export), "--stack", "prod", "--select", "MC101"])
    assert unused.exit_code == 1 and "they were not used" in unused.output
