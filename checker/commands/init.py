"""``maintcheck init``: start using maintcheck in a repository.

Writes a starter config (``[tool.maintcheck]`` appended to ``pyproject.toml`` when there is one,
else ``maintcheck.toml``), the pre-commit hook (a new ``.pre-commit-config.yaml``, or the entry
appended to an existing one) and a GitHub workflow. Nothing is overwritten without ``--force``;
with it, ``maintcheck.toml`` and the workflow are written again, while an existing
``[tool.maintcheck]`` table or pre-commit hook is kept (they are the user's edits).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from checker.discovery import HOOK_FILES
from checker.errors import EXIT_ERROR, InputError

# tomllib and yaml are imported when the command runs: start-up stays lean.

WORKFLOW = Path(".github/workflows/maintcheck.yml")
PRE_COMMIT = Path(".pre-commit-config.yaml")

CONFIG = """\
# maintcheck: Azure planned-maintenance readiness of the VMs a Pulumi program declares.
# Every key: https://github.com/maintcheck/maintcheck#configuration; the rules: `maintcheck rules`.
fail-on = "warning"            # exit 1 from a warning up (error, warning, info, never)
# ignore = ["MC303"]           # rules not to run (IDs or prefixes such as MC4)
# max-unavailable = 0.5        # MC103: the largest share of a set's VMs down at once
# workload-tag = "workload"    # the tag that groups VMs into a workload
{groups}# suppress = [
#   {{ rule = "MC211", resource = "build-agent-*", reason = "stateless CI agents" }},
# ]
"""

HOOK = f"""\
  # maintcheck from the environment it is installed in (with pulumi and pulumi-azure-native,
  # or the virtualenv each Pulumi.yaml names): https://pre-commit.com, docs/pre-commit.md
  - repo: local
    hooks:
      - id: maintcheck
        name: maintcheck (Azure planned-maintenance readiness)
        entry: maintcheck hook
        language: system
        files: {HOOK_FILES}
        require_serial: true
"""

WORKFLOW_TEXT = """\
# maintcheck: Azure planned-maintenance readiness of the Pulumi programs in this repository.
# One scan writes every report: findings in the log, SARIF for code scanning, and the
# Markdown report as the job summary and one sticky pull-request comment.
name: maintcheck
on:
  pull_request:
  push:
    branches: [main]

permissions:
  contents: read
  security-events: write   # SARIF upload
  pull-requests: write     # the sticky comment

jobs:
  maintcheck:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
          cache: pip
          cache-dependency-path: .github/workflows/maintcheck.yml
      # maintcheck, plus pulumi and pulumi-azure-native to run the programs under mocks
{install_note}      - run: python -m pip install "{requirement}"

      - name: Scan
        id: scan
        run: |
          status=0
          maintcheck scan --format concise --format sarif:maintcheck.sarif \\
            --format markdown:maintcheck.md || status=$?
          cat maintcheck.md >> "$GITHUB_STEP_SUMMARY"
          echo "exit-code=$status" >> "$GITHUB_OUTPUT"
          if [ "$status" -gt 1 ]; then exit "$status"; fi

      - name: Upload SARIF to code scanning
        continue-on-error: true   # private repositories without code scanning
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: maintcheck.sarif
          category: maintcheck

      - name: Sticky comment
        # Pull requests from forks get a read-only token: no comment for them.
        if: >-
          github.event_name == 'pull_request'
          && github.event.pull_request.head.repo.full_name == github.repository
        env:
          GITHUB_TOKEN: ${{{{ secrets.GITHUB_TOKEN }}}}
        run: maintcheck comment --report maintcheck.md

      - name: Fail on findings
        if: steps.scan.outputs.exit-code == '1'
        run: |
          echo "::error title=maintcheck::findings at or above fail-on; see the Scan step's log."
          exit 1
"""


@dataclass(frozen=True)
class Planned:
    """One file ``init`` writes: its path, its new text, and what the user is told."""

    path: Path
    text: str
    note: str


def _fail(message: str) -> None:
    click.echo(f"maintcheck: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _groups_comment(top: Path) -> str:
    """The stack groups ``maintcheck scan`` would use here, as a comment to start from."""
    from checker.discovery import all_projects
    from checker.sources.pulumi_project import read_project, stack_files
    from checker.stack_groups import groups

    found: list[list[str]] = []
    for project in all_projects(top):
        try:
            stacks = stack_files(read_project(top / project))
        except InputError:
            continue
        found.extend(list(g) for g in groups(stacks) if len(stacks) > 1)
    example = found or [["prod-eastus", "prod-westus"], ["dev"]]
    listed = ", ".join("[" + ", ".join(f'"{s}"' for s in g) + "]" for g in example)
    head = "stacks judged together without --stack" + (
        " (as found here)" if found else " (default: names equal but for a region)"
    )
    return f"# {head}:\n# stack-groups = [{listed}]\n"


def ci_requirement() -> tuple[str, str]:
    """The line CI installs maintcheck with, and a note when it cannot be where this one came
    from (a local path is not on the runner)."""
    from checker import __version__
    from checker.policy_pack.templates import installed_requirement

    line = installed_requirement("program")
    if line.startswith("-e ") or "file:" in line:
        note = (
            "      # maintcheck was installed here from a local path; install it in CI from your\n"
            "      # package index or its git URL instead, e.g. \"maintcheck[program] @ git+URL@TAG\".\n"
        )
        return f"maintcheck[program]=={__version__}", note
    return line, ""


def _has_config(pyproject: Path) -> bool:
    """Whether pyproject.toml has ``[tool.maintcheck]``, read as ``scan`` reads it."""
    from checker.config import read_toml, tool_table

    try:
        return tool_table(read_toml(pyproject), pyproject) is not None
    except InputError as exc:
        _fail(f"{exc} Fix it first.")
        raise  # unreachable: _fail exits


def _config(top: Path, force: bool, conflicts: list[str], notes: list[str]) -> Planned | None:
    body = CONFIG.format(groups=_groups_comment(top))
    pyproject = top / "pyproject.toml"
    if pyproject.is_file():
        if _has_config(pyproject):
            # The user's own config: kept, even with --force, so never a reason to refuse.
            notes.append("pyproject.toml already has [tool.maintcheck]; kept as it is.")
            return None
        old = pyproject.read_text("utf-8")
        sep = "" if old.endswith("\n\n") else ("\n" if old.endswith("\n") else "\n\n")
        return Planned(pyproject, f"{old}{sep}[tool.maintcheck]\n{body}", "added [tool.maintcheck]")
    target = top / "maintcheck.toml"
    if target.exists() and not force:
        conflicts.append("maintcheck.toml exists")
        return None
    return Planned(target, body, "the starter config")


def _has_hook(data: Any) -> bool:
    repos = data.get("repos") if isinstance(data, dict) else None
    return isinstance(repos, list) and any(
        isinstance(repo, dict)
        and any(isinstance(h, dict) and h.get("id") == "maintcheck" for h in repo.get("hooks") or [])
        for repo in repos
    )


def _pre_commit(top: Path, notes: list[str]) -> Planned | None:
    import yaml

    path = top / PRE_COMMIT
    if not path.exists():
        return Planned(path, f"repos:\n{HOOK}", "the pre-commit hook")
    old = path.read_text("utf-8")
    try:
        data = yaml.safe_load(old)
    except yaml.YAMLError as exc:
        _fail(f"{path}: not valid YAML ({exc}); fix it first.")
    if _has_hook(data):  # kept, even with --force: never a reason to refuse
        notes.append(f"{PRE_COMMIT} already has the maintcheck hook; kept as it is.")
        return None
    new = old + ("" if old.endswith("\n") else "\n") + HOOK
    try:
        appended_ok = _has_hook(yaml.safe_load(new))
    except yaml.YAMLError:
        appended_ok = False
    if not appended_ok:  # `repos:` is not the file's last block: do not guess where it goes
        _fail(
            f"{path}: cannot append the hook after the file's last block; add this entry "
            f"under `repos:` yourself:\n{HOOK}"
        )
    return Planned(path, new, "added the maintcheck hook")


def _workflow(top: Path, force: bool, conflicts: list[str]) -> Planned | None:
    path = top / WORKFLOW
    if path.exists() and not force:
        conflicts.append(f"{WORKFLOW} exists")
        return None
    requirement, note = ci_requirement()
    text = WORKFLOW_TEXT.format(requirement=requirement, install_note=note)
    return Planned(path, text, "the GitHub workflow")


@click.command("init")
@click.option("--force", is_flag=True,
              help="Write maintcheck.toml and the workflow again even when they exist.")
def init_command(force: bool) -> None:
    """Start using maintcheck here: a config, a pre-commit hook and a GitHub workflow.

    \b
    Writes (in the current directory, normally the repository's top):
      [tool.maintcheck] in pyproject.toml, or maintcheck.toml
      .pre-commit-config.yaml   the hook `maintcheck hook` (a new file, or appended)
      .github/workflows/maintcheck.yml
    Existing files are not overwritten without --force.
    """
    top = Path(".")
    conflicts: list[str] = []
    notes: list[str] = []
    planned = [
        _config(top, force, conflicts, notes),
        _pre_commit(top, notes),
        _workflow(top, force, conflicts),
    ]
    if conflicts:
        them = "them" if len(conflicts) > 1 else "it"
        _fail("; ".join(conflicts) + f". Nothing was written; give --force to write {them} again.")
    for item in planned:
        if item is None:
            continue
        try:
            item.path.parent.mkdir(parents=True, exist_ok=True)
            item.path.write_text(item.text, "utf-8")
        except OSError as exc:
            _fail(f"{item.path}: cannot write: {exc.strerror}.")
        click.echo(f"wrote {item.path.as_posix()}: {item.note}")
    for note in notes:
        click.echo(note)
    click.echo(
        "Next: `maintcheck scan` (every Pulumi project here), `pre-commit install` for the hook, "
        "and commit the workflow."
    )
