"""``maintcheck hook``: the pre-commit entry point.

pre-commit passes the changed files that match the hook's ``files`` pattern; the hook scans the
Pulumi projects (directories with ``Pulumi.yaml``) that hold them, each project by its stack
groups like ``maintcheck scan``. Without files (``pass_filenames: false``) it scans every
project under the current directory. It takes every option of ``maintcheck scan``
(``--stack``, ``--fail-on``, ``--baseline``...), so a hook's ``args`` read like a scan's; its
report is ``concise`` unless ``--format`` says otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from checker.commands.scan import run_scan, scan_options
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


def hook_command() -> click.Command:
    """The ``hook`` command: the options of ``scan``, FILES instead of PATHS."""

    def run(files: tuple[Path, ...], **options: Any) -> None:
        projects = projects_for(files, Path.cwd(), _exclude(options.get("config_file")))
        if not projects:
            click.echo("maintcheck: no Pulumi project (Pulumi.yaml) holds the changed files.")
            return
        run_scan(paths=tuple(projects), default_format="concise", **options)

    files = click.Argument(["files"], nargs=-1, type=click.Path(path_type=Path))
    return click.Command(
        "hook",
        callback=run,
        params=[files, *scan_options("concise")],
        help=(
            "Scan the Pulumi projects that hold FILES (for pre-commit).\n\n"
            "FILES are changed files; each is scanned through the nearest directory above it "
            "that has a Pulumi.yaml, by its stack groups. Without FILES, every Pulumi project "
            "under the current directory is scanned. Options are those of `maintcheck scan`; "
            "the report is concise by default."
        ),
        short_help="Scan the Pulumi projects holding FILES (for pre-commit).",
    )
