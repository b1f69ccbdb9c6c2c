"""``maintcheck hook``: the pre-commit entry point.

pre-commit passes the changed files that match the hook's ``files`` pattern; the hook scans the
Pulumi projects (directories with ``Pulumi.yaml``) that hold them, each project by its stack
groups like ``maintcheck scan``. Without files (``pass_filenames: false``) it scans every
project under the current directory. It takes every option of ``maintcheck scan``
(``--stack``, ``--fail-on``, ``--baseline``...), so a hook's ``args`` read like a scan's; its
report is ``concise`` unless ``--format`` says otherwise.

A commit in a mixed repository is not blocked by a project the hook cannot scan: a project
of a runtime no source runs, a TypeScript/JavaScript project without ``node`` or its
``node_modules``, or one without the stack ``--stack`` names, is skipped with a note on stderr,
and the others are scanned.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from checker.commands.scan import run_scan, scan_parameters
from checker.discovery import all_projects, is_project, project_of, projects_for

__all__ = ["all_projects", "hook_command", "is_project", "project_of", "projects_for"]


def _exclude(config_file: Path | None) -> tuple[str, ...]:
    """Config ``exclude`` of the repository (bad config is reported by the scan itself)."""
    from checker.config import discover, load_file
    from checker.errors import InputError

    try:
        settings = load_file(config_file) if config_file else discover([Path.cwd()])
    except InputError:
        return ()
    return settings.exclude


def skip_reason(project: Path, stacks: tuple[str, ...]) -> str | None:
    """Why the hook cannot scan ``project`` (None when it can): no source runs its runtime, or
    what it needs is missing here (``node``, node_modules), or it lacks a ``--stack``. A
    Pulumi.yaml that cannot be read is not a reason: the scan reports it as the error it is."""
    from checker.errors import InputError
    from checker.sources import ALL_SOURCES
    from checker.sources.nodejs import NodeProgramSource, prerequisites
    from checker.sources.program import RUNTIMES, ProgramSource
    from checker.sources.pulumi_project import read_project, short_stack, stack_files

    try:
        info = read_project(project)
    except InputError:
        return None
    source = next((s for s in ALL_SOURCES if s.claims(project, None)), None)
    if isinstance(source, ProgramSource) and info.runtime not in RUNTIMES:
        return (
            f"runtime {info.runtime!r}: maintcheck does not run it; scan a "
            "`pulumi preview --json` file of it instead"
        )
    if isinstance(source, NodeProgramSource):
        try:
            prerequisites(project, info)
        except InputError as exc:
            return str(exc).removeprefix(f"{project}: ").removeprefix(f"{info.dir}: ").rstrip(".")
    missing = [s for s in dict.fromkeys(short_stack(s) for s in stacks) if s not in stack_files(info)]
    if missing:
        return f"no stack {', '.join(missing)} (Pulumi.<stack>.yaml) in it"
    return None


def hook_command() -> click.Command:
    """The ``hook`` command: the options of ``scan``, FILES instead of PATHS."""

    def run(files: tuple[Path, ...], **options: Any) -> None:
        from checker.redaction import for_log

        projects = projects_for(files, Path.cwd(), _exclude(options.get("config_file")))
        if not projects:
            click.echo("maintcheck: no Pulumi project (Pulumi.yaml) holds the changed files.")
            return
        scannable = []
        for project in projects:
            reason = skip_reason(project, tuple(options.get("stacks") or ()))
            if reason is None:
                scannable.append(project)
            else:
                click.echo(for_log(f"maintcheck: note: skipped {project}: {reason}."), err=True)
        if not scannable:
            click.echo("maintcheck: no project the hook can scan holds the changed files.")
            return
        run_scan(paths=tuple(scannable), default_format="concise", **options)

    files = click.Argument(["files"], nargs=-1, type=click.Path(path_type=Path))
    return click.Command(
        "hook",
        callback=run,
        params=[files, *scan_parameters("concise")],
        help=(
            "Scan the Pulumi projects that hold FILES (for pre-commit).\n\n"
            "FILES are changed files; each is scanned through the nearest directory above it "
            "that has a Pulumi.yaml, by its stack groups. Without FILES, every Pulumi project "
            "under the current directory is scanned. Options are those of `maintcheck scan`; "
            "the report is concise by default."
        ),
        short_help="Scan the Pulumi projects holding FILES (for pre-commit).",
    )
