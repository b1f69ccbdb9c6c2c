"""``maintcheck policy-pack init DIR``: write a ready Pulumi policy pack directory.

For users who only ``pip install``ed maintcheck: the pack's ``__main__.py`` imports the
policies from the installed package, so the directory holds no rule code of its own.
This module imports nothing heavy: the templates are read when the command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from checker.errors import EXIT_ERROR


@click.group("policy-pack")
def policy_pack() -> None:
    """The Pulumi policy pack `maintenance-readiness` (pulumi preview --policy-pack DIR).

    One policy per maintcheck rule, named by the rule's slug; errors are mandatory,
    warnings and info advisory (change it per policy with Pulumi policy config).
    """


def _fail(message: str) -> None:
    from checker.redaction import for_log

    click.echo(for_log(f"maintcheck: error: {message}"), err=True)
    sys.exit(EXIT_ERROR)


@policy_pack.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite the files of an existing pack.")
@click.option(
    "--requirement",
    metavar="REQ",
    help="The requirements.txt line that installs maintcheck in the pack's virtualenv "
    "[default: the source this maintcheck was installed from: its checkout, wheel, git URL at "
    "the installed commit, or this version from the index].",
)
@click.option(
    "--virtualenv",
    metavar="PATH",
    default="venv",
    show_default=True,
    help="The virtualenv Pulumi runs the pack in (relative to DIR, or absolute). Give the "
    "environment maintcheck is installed in to use it as it is.",
)
def init(directory: Path, force: bool, requirement: str | None, virtualenv: str) -> None:
    """Write a policy pack to DIRECTORY for `pulumi preview --policy-pack DIRECTORY`.

    \b
    Example:
      maintcheck policy-pack init maintenance-policy
      pulumi preview --policy-pack maintenance-policy
    """
    from checker.policy_pack import PACK_NAME
    from checker.policy_pack.templates import installed_requirement, render

    for option, value in (("--requirement", requirement or ""), ("--virtualenv", virtualenv)):
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            _fail(f"{option}: holds a line break or control character; give one line.")
    files = render(requirement or installed_requirement(), virtualenv)
    existing = sorted(name for name in files if (directory / name).exists())
    if existing and not force:
        _fail(
            f"{directory}: already holds {', '.join(existing)}; give --force to overwrite "
            "them, or choose another directory."
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (directory / name).write_text(text, "utf-8")
    except OSError as exc:
        _fail(f"{exc.filename or directory}: cannot write: {exc.strerror}.")
    click.echo(
        f"Wrote policy pack {PACK_NAME!r} to {directory} ({', '.join(files)}); it installs "
        f"{requirement or installed_requirement()}.\n"
        f"Install it with: cd {directory} && pulumi install\n"
        f"Use it with: pulumi preview --policy-pack {directory}"
    )
