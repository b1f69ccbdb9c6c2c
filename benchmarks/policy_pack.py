"""Benchmark the policy pack (issue 3). Prints figures; asserts nothing.

    python benchmarks/policy_pack.py [--sizes 1000,10000] [--repeat 3]

- start-up: the pack started as the engine starts it (``python -u -m pulumi.policy ADDR
  policies``) until it prints its port; best and median of ``3 * --repeat`` starts.
- AnalyzeStack: one gRPC call with every resource of a stack shaped like benchmarks/scan.py's
  (availability sets of 4 VMs, a NIC each, a public IP on every other VM), best of --repeat:
  the call's wall time, from sending the request (built beforehand, as the engine builds it)
  to the response read. Then the same work in-process (CPU seconds), split into reading the
  request, building the inventory and running the rules, each repetition from the request
  again (no property read or memo carried over); benchmarks/stages.py splits it further.
Targets: start-up <= 0.5 s; AnalyzeStack for 10,000 resources <= 0.3 s (issue 17).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

from pulumi.runtime.proto.analyzer_pb2 import AnalyzeStackRequest  # noqa: E402
from scan import export_document  # noqa: E402

from checker.config import Settings  # noqa: E402
from checker.engine import run_rules  # noqa: E402
from checker.inventory import Inventory  # noqa: E402
from checker.memory import collector_paused  # noqa: E402
from checker.rules import ALL_RULES  # noqa: E402
from checker.sources.policy import document_from_analyzer  # noqa: E402
from tests.policy_harness import PackProcess, analyzer_resources  # noqa: E402


def stack_records(resources: int) -> list[dict[str, Any]]:
    """About ``resources`` ResourceV3 records (2.75 per VM, plus the resource group)."""
    vms = max(1, round((resources - 1) / 2.75))
    records: list[dict[str, Any]] = export_document(vms)["deployment"]["resources"]
    return records


def startup(repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        pack = PackProcess(REPO / "policies")
        times.append(pack.startup_seconds)
        pack.close()
    return times


def timed(fn: Any, repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def in_process(messages: list[Any], repeat: int) -> tuple[float, float, float]:
    best = [float("inf")] * 3
    for _ in range(repeat):
        start = time.process_time()
        document = document_from_analyzer(messages)
        read = time.process_time()
        inventory = Inventory.build([document])
        built = time.process_time()
        run_rules(inventory, Settings())
        done = time.process_time()
        for i, seconds in enumerate((read - start, built - read, done - built)):
            best[i] = min(best[i], seconds)
    return best[0], best[1], best[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"policy pack benchmark (python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"{len(ALL_RULES)} rules); seconds")
    starts = startup(args.repeat * 3)
    print(f"start-up to port: best {min(starts):.3f}, median {statistics.median(starts):.3f} "
          "(target <= 0.5)")
    pack = PackProcess(REPO / "policies", config={"azure-native:location": "eastus"})
    try:
        print(f"{'resources':>9} {'AnalyzeStack':>12} {'diagnostics':>11} | in-process: "
              f"{'read':>6} {'inventory':>9} {'rules':>6}")
        for size in (int(x) for x in args.sizes.split(",")):
            messages = analyzer_resources(stack_records(size))
            request = AnalyzeStackRequest(resources=messages)
            best, response = timed(lambda r=request: pack.stub.AnalyzeStack(r), args.repeat)
            with collector_paused():  # as the servicer runs
                read, build, rules = in_process(messages, args.repeat)
            print(f"{len(messages):>9} {best:>12.3f} {len(response.diagnostics):>11} | "
                  f"{'':>11} {read:>6.3f} {build:>9.3f} {rules:>6.3f}")
    finally:
        pack.close()
    print("target: AnalyzeStack <= 0.3 s at 10,000 resources")


if __name__ == "__main__":
    main()
