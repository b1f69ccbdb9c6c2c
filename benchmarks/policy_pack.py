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
- floor (the largest size): what any pack written in Python pays for this request and this
  response before judging anything, each part timed alone: the gRPC round trip to an analyzer
  in this process that answers at once with the pack's own response; every property value of
  the request read out of protobuf once (a bare walk: no normalisation, no sorting); the
  response's diagnostics built from their finished strings; one small object per resource.
  What the call takes beyond their sum is maintcheck's judging.
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

from concurrent import futures  # noqa: E402

import grpc  # noqa: E402
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc  # noqa: E402
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


class _Echo(analyzer_pb2_grpc.AnalyzerServicer):  # type: ignore[misc]
    """An analyzer that answers AnalyzeStack at once with a response built beforehand."""

    def __init__(self, response: Any) -> None:
        self.response = response

    def AnalyzeStack(self, request: Any, context: Any) -> Any:
        return self.response


def round_trip(request: Any, response: Any, repeat: int) -> float:
    """Best wall seconds of an AnalyzeStack call to :class:`_Echo` over loopback gRPC."""
    limit = [("grpc.max_receive_message_length", 400 * 1024 * 1024)]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=limit)
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(_Echo(response), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}", options=limit) as channel:
            stub = analyzer_pb2_grpc.AnalyzerStub(channel)
            best, _ = timed(lambda: stub.AnalyzeStack(request), repeat)
    finally:
        server.stop(0)
    return best


def _bare(value: Any) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        fields = value.struct_value.fields
        return {name: _bare(fields[name]) for name in fields}
    if kind == "list_value":
        return [_bare(item) for item in value.list_value.values]
    return getattr(value, kind) if kind else None


class Record:
    """The least a reader keeps of a resource: the floor's "one object per resource"."""

    __slots__ = ("props", "type", "urn")

    def __init__(self, urn: str, type_token: str, props: Any) -> None:
        self.urn, self.type, self.props = urn, type_token, props


def cpu_best(fn: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def floor(request: Any, response: Any, call: float, repeat: int) -> None:
    """Print the floor of an AnalyzeStack call (see the module's docstring)."""
    parsed = AnalyzeStackRequest.FromString(request.SerializeToString())  # as the server reads it
    resources = list(parsed.resources)
    finished = [
        {field.name: value for field, value in diagnostic.ListFields()}
        for diagnostic in response.diagnostics
    ]

    def read_values() -> None:
        for message in resources:
            fields = message.properties.fields
            {name: _bare(fields[name]) for name in fields}

    def diagnostics() -> None:
        built = analyzer_pb2.AnalyzeResponse()
        built.diagnostics.extend(analyzer_pb2.AnalyzeDiagnostic(**d) for d in finished)

    with collector_paused():
        parts = {
            "gRPC round trip, same request and response": round_trip(request, response, repeat),
            "property values read out of protobuf": cpu_best(read_values, repeat),
            "diagnostics built from finished strings": cpu_best(diagnostics, repeat),
            "one object per resource": cpu_best(
                lambda: [Record(m.urn, m.type, m.properties) for m in resources], repeat
            ),
        }
    total = sum(parts.values())
    print(f"floor of AnalyzeStack at {len(resources)} resources (what any Python pack pays):")
    for label, seconds in parts.items():
        print(f"  {label:<45} {seconds:.3f}")
    print(f"  {'floor sum':<45} {total:.3f}")
    print(f"  {'maintcheck judging (the call less the floor)':<45} {call - total:.3f}")


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
        largest: tuple[Any, Any, float] | None = None
        for size in (int(x) for x in args.sizes.split(",")):
            messages = analyzer_resources(stack_records(size))
            request = AnalyzeStackRequest(resources=messages)
            best, response = timed(lambda r=request: pack.stub.AnalyzeStack(r), args.repeat)
            with collector_paused():  # as the servicer runs
                read, build, rules = in_process(messages, args.repeat)
            print(f"{len(messages):>9} {best:>12.3f} {len(response.diagnostics):>11} | "
                  f"{'':>11} {read:>6.3f} {build:>9.3f} {rules:>6.3f}")
            if largest is None or len(messages) > len(largest[0].resources):
                largest = (request, response, best)
    finally:
        pack.close()
    if largest is not None:
        floor(*largest, args.repeat)
    print("target: AnalyzeStack <= 0.3 s at 10,000 resources")


if __name__ == "__main__":
    main()
