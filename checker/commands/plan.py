"""``maintcheck plan``: a runbook for the self-service (pre-emptive) maintenance window."""

from __future__ import annotations

from pathlib import Path

import click

from checker.commands.scanning import Target, format_option, run_scan, scan_options, targets_of, write
from checker.maintenance.render import PLAN_FORMATS

NAMES = tuple(PLAN_FORMATS)


@click.command()
@scan_options
@format_option(NAMES)
@click.option("--include-sets", is_flag=True,
              help="Also sequence VMs in availability sets, one update domain per step "
                   "(by default they are left to Azure, as Microsoft recommends).")
@click.option("--wait", "wait_minutes", type=click.IntRange(0, 1440), default=None, metavar="MINUTES",
              help="Minutes to wait between steps.  [default: config plan-wait-minutes, else 30]")
def plan(
    paths: tuple[Path, ...],
    stacks: tuple[str, ...],
    config: tuple[str, ...],
    config_file: Path | None,
    timeout: float,
    formats: tuple[Target, ...],
    include_sets: bool,
    wait_minutes: int | None,
) -> None:
    """Plan the self-service redeploy: the order in which to start maintenance on your VMs.

    Steps never take all instances of a multi-instance workload, never hold both regions of a
    pair, keep tiers in order (config `tiers`, else dependencies first, dependents last) and
    wait between steps; each lists its `az vm perform-maintenance` commands and what it costs
    (temp disk, ephemeral OS disk, dynamic IPs, from the findings). PATHS are read as by
    `maintcheck scan`.

    \b
    Examples:
      maintcheck plan . --stack prod-eastus --stack prod-westus --include-sets
      maintcheck plan . --stack dev --format markdown:runbook.md
    """
    from checker.maintenance.plan import build_plan
    from checker.maintenance.render import renderer

    chosen = targets_of(formats, None, "text")
    settings, result = run_scan(paths, stacks, config, config_file, timeout)
    assert result.inventory is not None  # engine.scan always sets it
    runbook = build_plan(
        result.inventory,
        result.findings,
        configured_tiers=settings.tiers,
        wait_minutes=settings.plan_wait_minutes if wait_minutes is None else wait_minutes,
        include_sets=include_sets,
        max_unavailable=settings.options.max_unavailable,
    )
    steps = len(runbook.steps)
    summary = (f"{steps} step{'s' if steps != 1 else ''}, "
               f"{len(runbook.left_to_azure)} left to Azure.")
    write(chosen, lambda name: renderer(PLAN_FORMATS, name)(runbook), summary)
