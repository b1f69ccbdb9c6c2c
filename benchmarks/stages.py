"""Where a scan's time goes, stage by stage (issue 17). Prints figures; asserts nothing.

    python benchmarks/stages.py [--vms 5000] [--resources 10000] [--repeat 3] [--top 0]

CLI: a stack export of ``--vms`` VMs shaped like benchmarks/scan.py's, read and judged in this
process the way ``maintcheck scan FILE --format json`` does it, each stage timed on its own (CPU
seconds, best of ``--repeat``, every repetition from the file again, the garbage collector paused
as the scan pauses it):

  start-up      ``python -c`` importing what ``scan`` imports, less bare ``python -c pass``
  read + parse  the file's bytes through ``json.loads``: the floor, what any reader pays
  source        the rest of reading the document: depth guard, validation, records
  inventory     ``Inventory.build``: it normalises the properties of the kinds rules judge
  rule MCnnn    each rule's verdicts (``engine.judge``), in catalog order: the first rule
                to read a property of another kind pays for normalising it
  engine rest   the rest of ``engine.scan``: fixes localised, suppressions, sorting (the
                whole ``scan()``, run after the stages above, less their inventory and rules:
                an estimate, warm caches make it low; ``scan() whole`` is printed too)
  report        the JSON report rendered

Floor: what any Python reader of that file pays before judging anything, each part timed
alone: bare ``python -c pass``, the read and parse, every property value walked once (a plain
copy: no normalisation), one small object per resource, and the report's bytes (``orjson``,
indented, from the report's own data). The scan less their sum is maintcheck's own work: its
start-up imports and its judging.
benchmarks/policy_pack.py prints the same floor for the pack's call.

Pack: ``--resources`` resources sent as an ``AnalyzeStack`` request, the servicer's work in
this process: the request read into a document, the inventory, each rule, and the whole call.

``--top N`` also prints the N functions with the most time of their own under cProfile, for the
CLI's engine and for the pack's call (cProfile inflates call-heavy code: read it as a ranking).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

from scan import best_of, export_document  # noqa: E402

from checker.config import Settings  # noqa: E402
from checker.engine import judge, scan, selected_rules  # noqa: E402
from checker.inventory import Inventory  # noqa: E402

Stages = dict[str, float]

IMPORTS = (
    "from checker.cli import main; from checker.commands import scan; "
    "from checker.engine import scan; from checker.sources import load_all; "
    "from checker.report import json"
)


def clock() -> float:
    return time.process_time()


def keep_best(best: Stages, stages: Stages) -> None:
    for name, seconds in stages.items():
        best[name] = min(best.get(name, float("inf")), seconds)


def rule_stages(inventory: Inventory, settings: Settings) -> Stages:
    out: Stages = {}
    for rule in selected_rules(settings):
        start = clock()
        judge(rule, inventory, settings)
        out[f"rule {rule.id}"] = clock() - start
    return out


def cli_once(path: Path) -> Stages:
    from checker import report
    from checker.report.base import ReportOptions
    from checker.sources import load_all
    from checker.sources.base import LoadOptions

    settings = Settings()
    stages: Stages = {}
    start = clock()
    json.loads(path.read_bytes())
    stages["read + parse"] = clock() - start
    start = clock()
    documents = load_all([path], LoadOptions(stacks=(), config=(), timeout=60))
    stages["source"] = clock() - start - stages["read + parse"]
    start = clock()
    inventory = Inventory.build(documents)
    stages["inventory"] = clock() - start
    stages.update(rule_stages(inventory, settings))
    start = clock()
    result = scan(documents, settings)
    stages["scan() whole"] = clock() - start
    judged = sum(v for k, v in stages.items() if k == "inventory" or k.startswith("rule "))
    stages["engine rest"] = max(0.0, stages["scan() whole"] - judged)
    start = clock()
    report.get("json", ReportOptions()).render(result)
    stages["report"] = clock() - start
    return stages


def _copy(value: Any) -> Any:
    if type(value) is dict:
        return {key: _copy(item) for key, item in value.items()}
    if type(value) is list:
        return [_copy(item) for item in value]
    return value


def floor_once(path: Path, report_bytes: bytes) -> Stages:
    """The floor's parts after the read and parse (the scan's own stage, see main)."""
    import orjson
    from policy_pack import Record

    stages: Stages = {}
    document = json.loads(path.read_bytes())
    records = document["deployment"]["resources"]
    start = clock()
    for record in records:
        _copy(record.get("inputs"))
        _copy(record.get("outputs"))
    stages["values walked once"] = clock() - start
    start = clock()
    [Record(r["urn"], r["type"], r.get("inputs")) for r in records]
    stages["object per resource"] = clock() - start
    data = orjson.loads(report_bytes)
    start = clock()
    orjson.dumps(data, option=orjson.OPT_INDENT_2)
    stages["report bytes (orjson)"] = clock() - start
    return stages


def pack_once(request: Any) -> Stages:
    from checker.policy_pack.analysis import analyze
    from checker.rules import ALL_RULES
    from checker.sources.policy import document_from_analyzer

    stages: Stages = {}
    start = clock()
    document = document_from_analyzer(request.resources)
    stages["request -> document"] = clock() - start
    start = clock()
    inventory = Inventory.build([document])
    stages["inventory"] = clock() - start
    stages.update(rule_stages(inventory, Settings()))
    start = clock()
    analyze(document_from_analyzer(request.resources), ALL_RULES)
    stages["analyze() whole"] = clock() - start
    return stages


def measured(once: Callable[[], Stages], repeat: int) -> Stages:
    best: Stages = {}
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            keep_best(best, once())
    finally:
        if was_enabled:
            gc.enable()
    return best


def show(title: str, stages: Stages, total_label: str) -> None:
    print(title)
    shown = {k: v for k, v in stages.items() if not k.startswith("rule ") or v >= 0.002}
    small = sum(v for k, v in stages.items() if k.startswith("rule ") and v < 0.002)
    for name, seconds in shown.items():
        print(f"  {name:<22} {seconds:7.3f}")
    if small:
        print(f"  {'other rules (< 2 ms)':<22} {small:7.3f}")
    print(f"  {total_label:<22} {sum(stages.values()):7.3f}")


def top(label: str, call: Callable[[], Any], count: int) -> None:
    profile = cProfile.Profile()
    profile.runcall(call)
    print(f"\n{label}: the {count} functions with the most own time (cProfile)")
    pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--vms", type=int, default=5000)
    parser.add_argument("--resources", type=int, default=10000, help="resources of the pack's call")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=0, help="also print a cProfile ranking")
    args = parser.parse_args()

    py = sys.executable
    bare = best_of([py, "-c", "pass"], args.repeat * 3)
    imports = best_of([py, "-c", IMPORTS], args.repeat * 3)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.json"
        path.write_text(json.dumps(export_document(args.vms)))
        stages = {"start-up": imports.cpu - bare.cpu, **measured(lambda: cli_once(path), args.repeat)}
        whole = stages.pop("scan() whole")
        print(f"python {sys.version.split()[0]}; CPU seconds, best of {args.repeat}")
        show(f"\nmaintcheck scan of {args.vms} VMs ({path.stat().st_size / 1e6:.1f} MB), --format json",
             stages, "sum (less bare python)")
        print(f"  {'bare python -c pass':<22} {bare.cpu:7.3f}")
        print(f"  {'scan() whole':<22} {whole:7.3f}  (run after the stages above: warm caches)")
        rendered = subprocess.run(
            [py, "-m", "checker", "scan", str(path), "--format", "json"],
            capture_output=True,
            check=False,
            cwd=REPO,  # this checkout's checker, whatever is installed
        ).stdout
        floor = {
            "bare python -c pass": bare.cpu,
            "read + parse": stages["read + parse"],
            **measured(lambda: floor_once(path, rendered), args.repeat),
        }
        show("\nfloor of that scan (what any Python reader pays)", floor, "floor sum")
        scanned = bare.cpu + sum(stages.values())
        own = scanned - sum(floor.values())
        print(f"  {'maintcheck own work':<22} {own:7.3f}  (the stages less the floor)")
        print(f"  {'... of it judging':<22} {own - stages['start-up']:7.3f}  (less the start-up imports)")
        if args.top:
            from checker.sources import load_all
            from checker.sources.base import LoadOptions

            documents = load_all([path], LoadOptions(stacks=(), config=(), timeout=60))
            top("CLI engine", lambda: scan(documents, Settings()), args.top)

    from policy_pack import stack_records
    from pulumi.runtime.proto import analyzer_pb2

    from tests.policy_harness import analyzer_resources

    wire = analyzer_pb2.AnalyzeStackRequest(
        resources=analyzer_resources(stack_records(args.resources))
    ).SerializeToString()
    request = analyzer_pb2.AnalyzeStackRequest.FromString(wire)
    pack = measured(lambda: pack_once(request), args.repeat)
    whole = pack.pop("analyze() whole")
    show(f"\npolicy pack, AnalyzeStack of {len(request.resources)} resources (the servicer's work)",
         pack, "sum of the stages")
    print(f"  {'analyze() whole':<22} {whole:7.3f}  (inventory, rules, fixes, suppressions, violations)")
    if args.top:
        top("pack call", lambda: pack_once(request), args.top)


if __name__ == "__main__":
    main()
