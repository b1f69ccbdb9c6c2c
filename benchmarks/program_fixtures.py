"""Precision and recall of maintcheck on the regression programs (issue 10). Prints figures.

    python benchmarks/program_fixtures.py [--checker DIR]

Runs ``python -m checker scan`` on each program under tests/fixtures/programs that reproduces
a public program's shape, and compares the findings of the availability, network and region
rules (MC101, MC201, MC301, MC302) with what an expert expects. ``--checker DIR`` puts another
checkout first on PYTHONPATH (e.g. ``/work/main``) to measure it on the same fixtures.
A run that should fail (exit 2) and does counts as one true positive; a program that ends in
exit 0 while an expected finding exists is listed as a silent all-clear.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIX = REPO / "tests" / "fixtures" / "programs"
RULES = {"MC101", "MC201", "MC301", "MC302"}

Key = tuple[str, str, str]  # rule, stack, resource name

# fixture, extra args -> (expected exit code, expected findings)
EXPECTED: list[tuple[str, tuple[str, ...], int, set[Key]]] = [
    ("existing_group", (), 1, {("MC101", "dev", "app"), ("MC301", "dev", "app")}),
    (
        "stack_reference",
        (),
        1,
        {("MC101", "dev", "cache"), ("MC201", "dev", "cache-nic"), ("MC301", "dev", "cache"),
         ("MC301", "dev", "worker"), ("MC101", "dev", "batch"), ("MC301", "dev", "batch")},
    ),
    (
        "components",
        (),
        1,
        {("MC101", "dev", "app-vm"), ("MC201", "dev", "app-nic"), ("MC301", "dev", "app-vm")},
    ),
    (
        "zones",
        ("--stack", "eastus"),
        1,
        {("MC101", "eastus", "db"), ("MC101", "eastus", "worker1"), ("MC101", "eastus", "worker2"),
         ("MC301", "eastus", "db"), ("MC301", "eastus", "web-1"), ("MC301", "eastus", "worker1")},
    ),
    (
        "zones",
        ("--stack", "eastus", "--stack", "westeurope"),
        1,
        {(rule, stack, name) for stack in ("eastus", "westeurope")
         for rule, name in (("MC101", "db"), ("MC101", "worker1"), ("MC101", "worker2"))}
        | {("MC302", "eastus", "db"), ("MC302", "eastus", "web-1"), ("MC302", "eastus", "worker1")},
    ),
    ("duplicate_urns", (), 2, set()),
    # Programs that worked before: they must keep working.
    (
        "app",
        ("--stack", "dev"),
        1,
        {("MC101", "dev", "jump"), ("MC301", "dev", "jump"), ("MC301", "dev", "web-as")},
    ),
    (
        "helper",
        (),
        1,
        {(rule, "only", name) for rule in ("MC101", "MC301") for name in ("mirror", "solo", "tier-vm")},
    ),
]


def run(fixture: str, args: tuple[str, ...], checker: str | None) -> tuple[int, set[Key]]:
    env = dict(os.environ)
    if checker:
        env["PYTHONPATH"] = checker
    proc = subprocess.run(
        [sys.executable, "-m", "checker", "scan", str(FIX / fixture), *args, "--format", "json"],
        capture_output=True, text=True, env=env, check=False, timeout=300, cwd=checker or REPO,
    )
    if proc.returncode == 2:
        return 2, set()
    report = json.loads(proc.stdout)
    return proc.returncode, {
        (f["rule"], f["resource"]["stack"], f["resource"]["name"])
        for f in report["findings"]
        if f["rule"] in RULES
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checker", help="a checkout whose checker package to measure")
    opts = parser.parse_args()
    tp = fp = fn = 0
    for fixture, args, code, expected in EXPECTED:
        got_code, got = run(fixture, args, opts.checker)
        label = " ".join((fixture, *args))
        if code == 2:
            hit = got_code == 2
            tp, fn = tp + hit, fn + (not hit)
            fp += 0 if hit else len(got)
            print(f"{label}: expected exit 2, got {got_code}" + ("" if hit else f" ({len(got)} findings)"))
            continue
        true, false, missed = got & expected, got - expected, expected - got
        tp, fp, fn = tp + len(true), fp + len(false), fn + len(missed)
        silent = " SILENT ALL-CLEAR" if got_code == 0 and expected else ""
        print(f"{label}: exit {got_code}{silent}; {len(true)}/{len(expected)} found, "
              f"{len(false)} false: {sorted(false)} missed: {sorted(missed)}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(f"precision {tp}/{tp + fp} ({precision:.0%}), recall {tp}/{tp + fn} ({recall:.0%})")


if __name__ == "__main__":
    main()
