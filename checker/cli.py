"""The ``maintcheck`` command line: thin Click commands over the engine."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from checker import __version__
from checker.commands.comment import comment as comment_command
from checker.commands.hook import hook_command
from checker.commands.plan import plan as plan_command
from checker.commands.policy_pack import policy_pack as policy_pack_command
from checker.commands.scanning import config_pairs as _config_pairs
from checker.commands.simulate import simulate as simulate_command
from checker.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, InputError
from checker.report import FORMAT_NAMES

if TYPE_CHECKING:
    from checker.model import ScanResult


FAIL_ON = ("error", "warning", "info", "never")


def _ids(value: str | None) -> tuple[str, ...]:
    """``"MC101,MC2"`` -> ``("MC101", "MC2")``; validated against the rule ID pattern."""
    if not value:
        return ()
    ids = tuple(part.strip().upper() for part in value.split(",") if part.strip())
    bad = [i for i in ids if not ((i.startswith("MC") and i[2:].isdigit()) or i == "MC")]
    if bad:
        raise click.BadParameter(
            f"{', '.join(bad)}: rule IDs look like MC101, or a prefix like MC1 "
            "(see `maintcheck rules`)."
        )
    from checker.rules import RULES_BY_ID

    unmatched = [i for i in ids if not any(rule.startswith(i) for rule in RULES_BY_ID)]
    if unmatched:
        raise click.BadParameter(
            f"{', '.join(unmatched)}: no rule has this ID or prefix (see `maintcheck rules`)."
        )
    return ids


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="maintcheck")
def cli() -> None:
    """Check that the Azure VMs a Pulumi program declares survive Azure planned maintenance.

    maintcheck reads a Pulumi Python project (run offline under mocks), a `pulumi preview
    --json` file or a `pulumi stack export` file, and reports every way its VMs are not ready:
    single instances, too few update domains, dynamic IPs, temp-disk data, missing region
    pairs, and more; each finding comes with a concrete fix.

    \b
    Examples:
      maintcheck scan . --stack dev
      maintcheck scan . --stack prod-eastus --stack prod-westus
      pulumi preview --json > preview.json && maintcheck scan preview.json
      maintcheck explain MC103
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--stack", "stacks", multiple=True, metavar="NAME",
              help="Stack of a project to scan; repeat to scan several stacks as one scan.")
@click.option("--config", "config", multiple=True, metavar="KEY=VALUE",
              help="Override stack config for a program run, like `pulumi config set`.")
@click.option("--format", "fmt", default="text", show_default=True,
              type=click.Choice(FORMAT_NAMES),
              help="Report format: " + ", ".join(FORMAT_NAMES) + ".")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE instead of standard output.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Exit 1 when a finding has this severity or higher.  [default: warning]")
@click.option("--select", metavar="IDS", help="Only these rules, e.g. MC101,MC2.")
@click.option("--ignore", metavar="IDS", help="Skip these rules, e.g. MC303.")
@click.option("--timeout", type=click.FloatRange(min=1), default=120.0, show_default=True,
              help="Seconds a program may run under mocks.")
@click.option("--config-file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="maintcheck.toml or pyproject.toml to read instead of discovering one.")
@click.option("--baseline", "baseline_file", metavar="FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Report only findings that are not in this baseline file.")
@click.option("--write-baseline", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path),
              help="Record today's findings in FILE as the baseline, then exit 0.")
def scan(
    paths: tuple[Path, ...],
    stacks: tuple[str, ...],
    config: tuple[str, ...],
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    select: str | None,
    ignore: str | None,
    timeout: float,
    config_file: Path | None,
    baseline_file: Path | None,
    write_baseline: Path | None,
) -> None:
    """Scan Pulumi projects, preview files and stack exports for maintenance readiness.

    PATHS are Pulumi project directories, `pulumi preview --json` files or `pulumi stack
    export` files (default: the current directory). Everything given in one call is one scan,
    so region pairs are judged across stacks.

    Exit status: 0 when no finding reaches --fail-on, 1 when one does, 2 on bad input.
    """
    from checker import baseline as baseline_mod
    from checker import config as settings_mod
    from checker import report
    from checker.engine import scan
    from checker.sources import load_all
    from checker.sources.base import LoadOptions
    from checker.suppressions import FileLineReader

    if baseline_file is not None and write_baseline is not None:
        raise click.UsageError("give either --baseline or --write-baseline, not both.")
    targets = list(paths) or [Path(".")]
    options = LoadOptions(stacks=stacks, config=_config_pairs(config), timeout=timeout)
    try:
        if config_file is not None:
            settings = settings_mod.load_file(config_file)
        else:
            dirs = [p if p.is_dir() else p.parent for p in targets] + [Path.cwd()]
            settings = settings_mod.discover(dirs)
        settings = settings_mod.narrowed(settings, _ids(select), _ids(ignore))
        baseline = baseline_mod.load_baseline(baseline_file) if baseline_file else None
        documents = load_all(targets, options)
        if (stacks or config) and not any(doc.source_kind == "program" for doc in documents):
            click.echo(
                "maintcheck: warning: --stack and --config choose and configure program runs; "
                "no input is a Pulumi project, so they were not used.",
                err=True,
            )
        result = scan(documents, settings, reader=FileLineReader(), baseline=baseline)
        if write_baseline is not None:
            count = baseline_mod.write_baseline(write_baseline, result.findings)
    except InputError as exc:
        click.echo(f"maintcheck: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    text = report.get(fmt).render(result)
    if output is not None:
        try:
            output.write_text(click.unstyle(text), "utf-8")
        except OSError as exc:
            click.echo(f"maintcheck: error: {output}: cannot write: {exc.strerror}", err=True)
            sys.exit(EXIT_ERROR)
    else:
        click.echo(text, nl=False)
    if write_baseline is not None:
        click.echo(f"maintcheck: wrote {count} baseline entries to {write_baseline}", err=True)
        sys.exit(EXIT_OK)
    threshold = fail_on or settings.fail_on or "warning"
    sys.exit(_exit_code(result, threshold))


def _exit_code(result: ScanResult, threshold: str) -> int:
    """0 or 1 by the threshold; 2 when a rule failed: its verdict is missing, so the scan is
    never an all-clear (the report still holds every other rule's findings)."""
    from checker.model import Severity

    for outcome in result.failed_rules:
        click.echo(f"maintcheck: error: {outcome.error_message}", err=True)
    if result.failed_rules:
        return EXIT_ERROR
    if threshold == "never":
        return EXIT_OK
    level = Severity.parse(threshold)
    failing = [f for f in result.findings if f.suppressed is None and f.severity >= level]
    return EXIT_FINDINGS if failing else EXIT_OK


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def rules(fmt: str) -> None:
    """List every rule: ID, slug, default severity and title."""
    from checker.rules import ALL_RULES

    if fmt == "json":
        rows = [
            {"id": r.id, "slug": r.slug, "severity": str(r.severity), "title": r.title}
            for r in ALL_RULES
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    for r in ALL_RULES:
        click.echo(f"{r.id}  {r.slug:<40} {r.severity!s:<8} {r.title}")


@cli.command()
@click.argument("rule_id", metavar="RULE")
def explain(rule_id: str) -> None:
    """Explain a rule: what it checks, why it matters, an example and the fix.

    RULE is an ID (MC103) or a slug (too-few-update-domains).
    """
    from checker.rules import ALL_RULES

    wanted = rule_id.strip()
    for r in ALL_RULES:
        if wanted.upper() == r.id or wanted.lower() == r.slug:
            click.echo(r.help_text(), nl=False)
            return
    raise click.BadParameter(
        f"{rule_id!r} is not a rule; `maintcheck rules` lists them.", param_hint="RULE"
    )


cli.add_command(hook_command(scan))
cli.add_command(policy_pack_command)
cli.add_command(comment_command)
cli.add_command(simulate_command)
cli.add_command(plan_command)


def main() -> None:
    """Console entry point: no traceback of ours ever reaches the user."""
    try:
        cli()
    except KeyboardInterrupt:
        click.echo("maintcheck: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # pragma: no cover - a bug of ours; say so plainly
        click.echo(
            f"maintcheck: internal error: {type(exc).__name__}: {exc}\n"
            "Please report it with the input that caused it.",
            err=True,
        )
        sys.exit(EXIT_ERROR)
