"""``maintcheck scan``: read the inputs, scan them with the engine, write every report.

One call can hold several scans: without ``--stack``, a project with several stack files is
scanned per stack group (``checker.stack_groups``), and the results are put together into one
report. ``--format NAME[:FILE]`` may be repeated; every format renders the same result, so a
program runs once however many reports are written.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from checker.commands.scanning import (
    FormatTarget,
    Target,
    config_pairs,
    fail,
    input_options,
    settings_for,
    targets_of,
    write,
)
from checker.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, InputError
from checker.memory import frozen_for_the_command
from checker.report import FORMAT_NAMES

if TYPE_CHECKING:
    from checker.config import Settings
    from checker.model import ScanResult
    from checker.report.base import ReportOptions


FAIL_ON = ("error", "warning", "info", "never")
COLOR = ("auto", "always", "never")
PROGRESS_DELAY = 1.0  # seconds of silence before a program run shows progress

def ids(value: str | None) -> tuple[str, ...]:
    """``"MC101,MC2"`` -> ``("MC101", "MC2")``; validated against the rule ID pattern."""
    if not value:
        return ()
    found = tuple(part.strip().upper() for part in value.split(",") if part.strip())
    bad = [i for i in found if not ((i.startswith("MC") and i[2:].isdigit()) or i == "MC")]
    if bad:
        raise click.BadParameter(
            f"{', '.join(bad)}: rule IDs look like MC101, or a prefix like MC1 "
            "(see `maintcheck rules`)."
        )
    from checker.rules import RULES_BY_ID

    unmatched = [i for i in found if not any(rule.startswith(i) for rule in RULES_BY_ID)]
    if unmatched:
        raise click.BadParameter(
            f"{', '.join(unmatched)}: no rule has this ID or prefix (see `maintcheck rules`)."
        )
    return found


def use_color(choice: str, stream: IO[str]) -> bool:
    """``--color``: always/never, or auto: a terminal, unless ``NO_COLOR`` is set."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def progress(label: str, enabled: bool) -> Iterator[None]:
    """After :data:`PROGRESS_DELAY` seconds, a line on stderr counting the seconds of
    ``label``; cleared when it ends. Only when ``enabled`` (stderr is a terminal)."""
    if not enabled:
        yield
        return
    done = threading.Event()

    def show() -> None:
        start = time.monotonic()
        if done.wait(PROGRESS_DELAY):
            return
        while True:
            seconds = int(time.monotonic() - start)
            click.echo(f"\r\x1b[2Kmaintcheck: {label}… {seconds}s", err=True, nl=False)
            if done.wait(1.0):
                break
        click.echo("\r\x1b[2K", err=True, nl=False)

    thread = threading.Thread(target=show, name="maintcheck-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


@dataclass(frozen=True)
class Unit:
    """One scan of a call: the inputs judged together, and the stacks of their programs."""

    paths: tuple[Path, ...]
    stacks: tuple[str, ...]

    @property
    def label(self) -> str:
        where = ", ".join(str(p) for p in self.paths)
        stacks = f" (stack {', '.join(self.stacks)})" if self.stacks else ""
        return f"running {where}{stacks} under mocks"


def projects_here(settings: Settings) -> list[Path]:
    """What a command without PATHS reads: every Pulumi project under the current directory
    (outside the config's ``exclude``), else the project the current directory is in."""
    from checker.discovery import all_projects, enclosing_project

    targets = all_projects(Path("."), settings.exclude)
    if not targets:
        enclosing = enclosing_project(Path("."))
        targets = [enclosing] if enclosing is not None else []
    if not targets:
        skipped = " outside the config's `exclude`" if settings.exclude else ""
        raise InputError(
            f"no Pulumi project (Pulumi.yaml) under the current directory{skipped}; give "
            "PATHS: project directories, `pulumi preview --json` or `pulumi stack export` "
            "files."
        )
    return targets


def plan(targets: Sequence[Path], stacks: tuple[str, ...], settings: Settings) -> list[Unit]:
    """The scans of one call. ``--stack`` makes everything one scan; otherwise each project
    with several stack files is scanned per stack group, and every other input together."""
    from checker.discovery import is_project
    from checker.stack_groups import groups

    if stacks:
        return [Unit(tuple(targets), stacks)]
    together: list[Path] = []
    grouped: list[Unit] = []
    for path in dict.fromkeys(targets):
        files = {}
        if path.is_dir() and is_project(path):  # (a file costs no project reader's imports)
            from checker.sources.pulumi_project import read_project, stack_files

            files = stack_files(read_project(path))
        if len(files) > 1:
            grouped.extend(Unit((path,), g) for g in groups(files, settings.stack_groups))
        else:
            together.append(path)
    return ([Unit(tuple(together), ())] if together else []) + grouped


def merged(results: Sequence[ScanResult]) -> ScanResult:
    """Several scans as one result (for one report)."""
    from checker.model import Finding, ScanResult

    if len(results) == 1:
        return results[0]
    return ScanResult(
        findings=tuple(sorted((f for r in results for f in r.findings), key=Finding.sort_key)),
        warnings=tuple(dict.fromkeys(w for r in results for w in r.warnings)),
        resource_count=sum(r.resource_count for r in results),
        origins=tuple(o for r in results for o in r.origins),
        incomplete=any(r.incomplete for r in results),
        baselined=sum(r.baselined for r in results),
        outcomes=tuple(o for r in results for o in r.outcomes),
        parts=tuple(results),
    )


def report_options(settings: Settings, verbose: bool) -> ReportOptions:
    """Docs links from the config (or the repository's pages); links to source lines when
    GitHub Actions names the repository and commit."""
    from checker.report.base import ReportOptions
    from checker.rule_docs import DOCS_URL

    env = os.environ
    source_url = ""
    if env.get("GITHUB_REPOSITORY") and env.get("GITHUB_SHA"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        source_url = f"{server}/{env['GITHUB_REPOSITORY']}/blob/{env['GITHUB_SHA']}"
        workspace = env.get("GITHUB_WORKSPACE")
        if workspace:  # report paths are relative to where the scan ran
            try:
                below = Path.cwd().resolve().relative_to(Path(workspace).resolve()).as_posix()
            except ValueError:
                source_url = ""
            else:
                source_url += "" if below == "." else f"/{below}"
    return ReportOptions(
        verbose=verbose,
        docs_url=settings.docs_url or DOCS_URL,
        source_url=source_url,
        repo_prefix=repo_prefix(Path.cwd()),
    )


def repo_prefix(cwd: Path) -> str:
    """``cwd`` relative to the git top level above it (the nearest folder holding ``.git``),
    as a POSIX path; "" at the top or outside a repository. SARIF paths are repository-relative,
    so code scanning places them wherever in the repository the scan ran."""
    here = cwd.resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            below = here.relative_to(folder).as_posix()
            return "" if below == "." else below
    return ""


def exit_code(result: ScanResult, threshold: str) -> int:
    """0 or 1 by the threshold; 2 when a rule failed: its verdict is missing, so the scan is
    never an all-clear (the report still holds every other rule's findings)."""
    from checker.model import Severity
    from checker.redaction import for_log

    for outcome in result.failed_rules:
        click.echo(for_log(f"maintcheck: error: {outcome.error_message}"), err=True)
    if result.failed_rules:
        return EXIT_ERROR
    if threshold == "never":
        return EXIT_OK
    level = Severity.parse(threshold)
    failing = [f for f in result.findings if f.suppressed is None and f.severity >= level]
    return EXIT_FINDINGS if failing else EXIT_OK


@frozen_for_the_command()
def run_scan(
    *,
    paths: tuple[Path, ...],
    stacks: tuple[str, ...],
    config: tuple[str, ...],
    fmt: tuple[Target, ...],
    output: Path | None,
    fail_on: str | None,
    select: str | None,
    ignore: str | None,
    timeout: float,
    config_file: Path | None,
    baseline_file: Path | None,
    write_baseline: Path | None,
    color: str,
    verbose: bool,
    default_format: str = "text",
) -> None:
    """The body of ``maintcheck scan`` (and of ``maintcheck hook``); exits with the status."""
    from checker import config as settings_mod
    from checker import report
    from checker.engine import scan, with_baseline
    from checker.memory import collector_paused
    from checker.report.base import summary_line
    from checker.sources import load_all
    from checker.sources.base import LoadOptions
    from checker.suppressions import FileLineReader

    if baseline_file is not None and write_baseline is not None:
        raise click.UsageError("give either --baseline or --write-baseline, not both.")
    reports = targets_of(fmt, output, default_format)
    pairs = config_pairs(config)
    live = sys.stderr.isatty()
    try:
        # One scan's graph (documents, inventory, findings) lives until it is reported: no
        # collection walks it meanwhile, and it is frozen out of later ones (checker.memory).
        with collector_paused(keep=True):
            settings = settings_mod.narrowed(settings_for(paths, config_file), ids(select), ids(ignore))
            targets = list(paths) or projects_here(settings)
            baseline = None
            if baseline_file is not None or write_baseline is not None:
                from checker import baseline as baseline_mod

                baseline = baseline_mod.load_baseline(baseline_file) if baseline_file else None
            results = []
            any_program = False
            for unit in plan(targets, stacks, settings):
                options = LoadOptions(stacks=unit.stacks, config=pairs, timeout=timeout)
                with progress(unit.label, live and any(p.is_dir() for p in unit.paths)):
                    documents = load_all(unit.paths, options)
                any_program = any_program or any(d.source_kind == "program" for d in documents)
                results.append(scan(documents, settings, reader=FileLineReader()))
            result = merged(results)
            if baseline is not None:  # once over every group: no group calls the others' stale
                result = with_baseline(result, baseline)
            if (stacks or config) and not any_program:
                click.echo(
                    "maintcheck: warning: --stack and --config choose and configure program runs; "
                    "no input is a Pulumi project, so they were not used.",
                    err=True,
                )
            if write_baseline is not None:
                count = baseline_mod.write_baseline(write_baseline, result.findings)
    except InputError as exc:
        fail(str(exc))
    render_options = report_options(settings, verbose)
    written = ", ".join(f"{t.name} to {t.path}" for t in reports)
    write(
        reports,
        lambda name: report.get(name, render_options).render(result),
        f"maintcheck: {summary_line(result)} Wrote {written}.",
        color=use_color(color, sys.stdout),
    )
    if write_baseline is not None:
        click.echo(f"maintcheck: wrote {count} baseline entries to {write_baseline}", err=True)
        sys.exit(EXIT_OK)
    threshold = fail_on or settings.fail_on or "warning"
    sys.exit(exit_code(result, threshold))


def scan_parameters(default_format: str) -> list[click.Parameter]:
    """The options of ``scan``, shared by ``hook`` (which prints ``concise`` by default)."""
    return [
        *input_options(),
        click.Option(["--format", "fmt"], multiple=True, type=FormatTarget(FORMAT_NAMES),
                     metavar="NAME[:FILE]",
                     help=f"Report format, to standard output or to FILE; repeat it for several "
                     f"reports of one scan [default: {default_format}]. Names: "
                     + ", ".join(FORMAT_NAMES) + "."),
        click.Option(["-o", "--output"], type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the report bound for standard output to FILE instead."),
        click.Option(["--fail-on"], type=click.Choice(FAIL_ON), default=None,
                     help="Exit 1 when a finding has this severity or higher.  [default: warning]"),
        click.Option(["--select"], metavar="IDS", help="Only these rules, e.g. MC101,MC2."),
        click.Option(["--ignore"], metavar="IDS", help="Skip these rules, e.g. MC303."),
        click.Option(["--baseline", "baseline_file"], metavar="FILE",
                     type=click.Path(dir_okay=False, path_type=Path),
                     help="Report only findings that are not in this baseline file."),
        click.Option(["--write-baseline"], metavar="FILE",
                     type=click.Path(dir_okay=False, path_type=Path),
                     help="Record today's findings in FILE as the baseline, then exit 0."),
        click.Option(["--color"], type=click.Choice(COLOR), default="auto", show_default=True,
                     help="Colour on standard output: auto (a terminal, unless NO_COLOR is set), "
                     "always or never."),
        click.Option(["-v", "--verbose"], is_flag=True,
                     help="text: show the evidence, every fix and its code."),
    ]


SCAN_HELP = """Scan Pulumi projects, preview files and stack exports for maintenance readiness.

PATHS are Pulumi project directories, `pulumi preview --json` files or `pulumi stack
export` files. Without PATHS, every Pulumi project under the current directory (or the
project it is in, as `pulumi preview` finds it). Everything
given in one call is one scan, so region pairs are judged across stacks; a project with
several stack files and no --stack is scanned per stack group (config `stack-groups`; by
default stacks whose names differ only by a region, like prod-eastus and prod-westus, form
one group and every other stack is scanned alone).

\b
Several reports from one scan:
  maintcheck scan --format concise --format sarif:maintcheck.sarif --format markdown:report.md

Exit status: 0 when no finding reaches --fail-on, 1 when one does, 2 on bad input.
"""


def _scan(paths: tuple[Path, ...], **options: Any) -> None:
    run_scan(paths=paths, **options)


scan_command = click.Command(
    "scan",
    callback=_scan,
    params=[
        click.Argument(["paths"], nargs=-1, type=click.Path(path_type=Path)),
        *scan_parameters("text"),
    ],
    help=SCAN_HELP,
    short_help="Scan Pulumi projects, preview files and stack exports.",
)
