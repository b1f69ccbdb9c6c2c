"""What the commands built on a scan share: reading PATHS into one engine scan, and writing
``--format NAME[:FILE]`` outputs.

``simulate`` and ``plan`` call :func:`run_scan`, which calls :func:`checker.engine.scan` (the
one pipeline) exactly as ``maintcheck scan`` does, and read the inventory it judged from the
result.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import click

from checker.errors import EXIT_ERROR, InputError
from checker.memory import frozen_for_the_command

if TYPE_CHECKING:
    from checker.commands.scan import Unit
    from checker.config import Settings
    from checker.model import ScanResult
    from checker.rules.base import Rule


def config_pairs(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``--config KEY=VALUE`` options as pairs."""
    pairs = []
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r}: write it as KEY=VALUE, e.g. vmCount=2.")
        pairs.append((key.strip(), value))
    return tuple(pairs)


@dataclass(frozen=True)
class Target:
    """One ``--format``: a format name, and the file it goes to (None: standard output)."""

    name: str
    path: Path | None


class FormatTarget(click.Choice):  # type: ignore[type-arg]
    """``NAME`` or ``NAME:FILE``; the name is one of the format table's."""

    name = "format"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, Target):
            return value
        name, sep, file = str(value).partition(":")
        fmt = super().convert(name, param, ctx)
        if sep and not file:
            self.fail(f"{value!r}: give a file after the colon, e.g. {name}:report.out.", param, ctx)
        return Target(fmt, Path(file) if sep else None)


def targets_of(formats: Sequence[Target], output: Path | None, default: str) -> list[Target]:
    """The reports to write: ``--output`` is the file of the one format bound for stdout."""
    chosen = list(dict.fromkeys(formats)) or [Target(default, None)]
    to_stdout = [t.name for t in chosen if t.path is None]
    if len(to_stdout) > 1:
        raise click.UsageError(
            f"--format {' and '.join(to_stdout)} both go to standard output; give all but one "
            "a file, e.g. --format sarif:maintcheck.sarif."
        )
    if output is not None:
        if not to_stdout:
            raise click.UsageError(
                "--output names the file of the format that would go to standard output, and "
                "every --format already has its own file; drop --output."
            )
        chosen = [Target(t.name, output if t.path is None else t.path) for t in chosen]
    files = [t.path for t in chosen if t.path is not None]
    if len(set(files)) < len(files):
        raise click.UsageError("two --format options write the same file; give each its own.")
    return chosen


MAX_TIMEOUT = 24 * 3600.0


def finite_timeout(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """--timeout: a finite number of seconds (``inf`` and ``nan`` would never stop a run)."""
    if not math.isfinite(value) or value > MAX_TIMEOUT:
        raise click.BadParameter(f"{value!r}: give a number of seconds from 1 to {MAX_TIMEOUT:g}.")
    return value


def fail(message: str) -> None:
    from checker.redaction import for_log

    click.echo(for_log(f"maintcheck: error: {message}"), err=True)
    raise SystemExit(EXIT_ERROR)


def settings_for(paths: Sequence[Path], config_file: Path | None) -> Settings:
    """The config ``--config-file`` names, else the one found beside the scanned paths or in
    the current directory, or (without paths) in the project it is in; defaults when there is
    none. Raises InputError on a bad file."""
    from checker import config as settings_mod
    from checker.discovery import enclosing_project

    if config_file is not None:
        return settings_mod.load_file(config_file)
    dirs = [p if p.is_dir() else p.parent for p in paths] + [Path.cwd()]
    enclosing = None if paths else enclosing_project(Path.cwd())
    return settings_mod.discover(dirs + ([Path.cwd() / enclosing] if enclosing is not None else []))


CONFIG_FILE_HELP = "maintcheck.toml or pyproject.toml to read instead of discovering one."


def one_group(units: Sequence[Unit]) -> tuple[list[Path], tuple[str, ...]]:
    """The inputs and stacks of the one scan ``units`` hold; several (stack groups that
    `maintcheck scan` judges apart) are an error naming each group's ``--stack`` options."""
    if len(units) == 1:
        return list(units[0].paths), units[0].stacks
    choices = " or ".join(
        f"`{' '.join(f'--stack {s}' for s in u.stacks)}` ({', '.join(map(str, u.paths))})"
        for u in units
        if u.stacks
    )
    raise InputError(
        f"several stack groups, which are scanned apart; give the stacks of one: {choices}."
    )


@frozen_for_the_command()
def run_scan(
    paths: Sequence[Path],
    stacks: tuple[str, ...],
    config: tuple[str, ...],
    config_file: Path | None,
    timeout: float,
    rules: Sequence[Rule] | None = None,
) -> tuple[Settings, ScanResult]:
    """Load PATHS (default: the projects here) and scan them as one scan with ``rules`` (default:
    the catalog; ``()`` for a command that reads only the inventory). Bad input, or a rule
    that failed (its findings would be missing), ends the command with exit code 2."""
    from checker.commands.scan import plan, projects_here
    from checker.engine import scan
    from checker.memory import collector_paused
    from checker.sources import load_all
    from checker.sources.base import LoadOptions
    from checker.suppressions import FileLineReader

    try:
        with collector_paused(keep=True):  # as `maintcheck scan` does (see run_scan there)
            settings = settings_for(paths, config_file)
            found = list(paths) or projects_here(settings)
            if not stacks:  # as `maintcheck scan` reads them: one stack group
                found, stacks = one_group(plan(found, stacks, settings))
            options = LoadOptions(stacks=stacks, config=config_pairs(config), timeout=timeout)
            documents = load_all(found, options)
            result = scan(documents, settings, reader=FileLineReader(), rules=rules)
    except InputError as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits
    from checker.redaction import for_log

    failed = {o.error_message for o in result.failed_rules}
    for warning in result.warnings:
        if warning not in failed:
            click.echo(for_log(f"maintcheck: warning: {warning}"), err=True)
    for message in sorted(failed):
        click.echo(for_log(f"maintcheck: error: {message}"), err=True)
    if failed:
        raise SystemExit(EXIT_ERROR)
    return settings, result


def write(
    chosen: Sequence[Target], render: Callable[[str], str], summary: str, color: bool | None = None
) -> None:
    """Render each target and write it; the summary line goes to stdout when every format goes
    to a file. ``color``: keep (True) or strip (False) styles on stdout, or decide by the
    terminal (None); files never get them."""
    for target in chosen:
        text = render(target.name)
        # Text without an escape character holds no style to strip (the JSON formats never
        # hold one raw): skip the stripping pass, 0.003 s per 10 MB.
        plain = "\x1b" not in text
        if target.path is None:
            click.echo(text, nl=False, color=True if plain else color)
            continue
        try:
            target.path.write_text(text if plain else click.unstyle(text), "utf-8")
        except OSError as exc:
            fail(f"{target.path}: cannot write: {exc.strerror}")
    if all(t.path is not None for t in chosen):
        click.echo(summary)


# The input options of every command built on a scan, as ``maintcheck scan`` spells them:
# (parameter declarations, attributes), one table for Click's decorators and ``scan``'s list.
INPUT_OPTIONS: Final[tuple[tuple[tuple[str, ...], dict[str, Any]], ...]] = (
    (("--stack", "stacks"), {
        "multiple": True, "metavar": "NAME",
        "help": "Stack of a project to scan; repeat to scan several stacks as one scan "
                "[default: each project's stack groups].",
    }),
    (("--config", "config"), {
        "multiple": True, "metavar": "KEY=VALUE",
        "help": "Override stack config for a program run, like `pulumi config set`.",
    }),
    (("--config-file",), {
        "type": click.Path(dir_okay=False, exists=True, path_type=Path), "help": CONFIG_FILE_HELP,
    }),
    (("--timeout",), {
        "type": click.FloatRange(min=1), "default": 120.0, "show_default": True,
        "callback": finite_timeout, "help": "Seconds a program may run under mocks.",
    }),
)


def input_options() -> list[click.Option]:
    """:data:`INPUT_OPTIONS` as Click parameters (for commands built as parameter lists)."""
    return [click.Option(list(decls), **attrs) for decls, attrs in INPUT_OPTIONS]


def scan_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """PATHS and :data:`INPUT_OPTIONS`: what every command built on a scan takes."""
    for decls, attrs in reversed(INPUT_OPTIONS):
        command = click.option(*decls, **attrs)(command)
    return click.argument("paths", nargs=-1, type=click.Path(path_type=Path))(command)


def format_option(names: Sequence[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--format NAME[:FILE]``, repeatable, parsed as ``maintcheck scan`` parses it."""
    return click.option(
        "--format", "formats", multiple=True, type=FormatTarget(names), metavar="NAME[:FILE]",
        help="Output format, " + ", ".join(names) + " (default text), to standard output or, as "
             "NAME:FILE, to a file; repeat for several.",
    )
