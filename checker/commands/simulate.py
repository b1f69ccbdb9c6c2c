"""``maintcheck simulate``: the waves in which planned maintenance restarts each workload."""

from __future__ import annotations

from pathlib import Path

import click

from checker.commands.scanning import Target, format_option, run_scan, scan_options, targets_of, write
from checker.maintenance.render import SIMULATE_FORMATS

NAMES = tuple(SIMULATE_FORMATS)


@click.command()
@scan_options
@format_option(NAMES)
def simulate(
    paths: tuple[Path, ...],
    stacks: tuple[str, ...],
    config: tuple[str, ...],
    config_file: Path | None,
    timeout: float,
    formats: tuple[Target, ...],
) -> None:
    """Show the waves in which Azure's planned maintenance restarts each workload.

    Walks maintenance as Azure does: paired regions one at a time, zone by zone, update domain
    by update domain (Flexible scale sets: fault domain by fault domain); single VMs in one
    region share one worst-case wave. Per wave: instances down, instances left, capacity left;
    and each workload's worst wave. PATHS are read as by `maintcheck scan`.

    \b
    Examples:
      maintcheck simulate . --stack prod-eastus --stack prod-westus
      maintcheck simulate . --stack dev --format html:waves.html --format text
    """
    from checker.maintenance.render import renderer
    from checker.maintenance.render.text import verdict
    from checker.maintenance.waves import simulate as run

    chosen = targets_of(formats, None, "text")
    # The waves come from the inventory alone: no rule needs to run.
    _settings, result = run_scan(paths, stacks, config, config_file, timeout, rules=())
    assert result.inventory is not None  # engine.scan always sets it
    sim = run(result.inventory)
    write(chosen, lambda name: renderer(SIMULATE_FORMATS, name)(sim), verdict(sim))
