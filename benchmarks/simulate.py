"""Benchmark ``maintcheck simulate`` and ``maintcheck plan`` against ``maintcheck scan`` on the
same stack export (the export of ``benchmarks/scan.py``: N VMs in availability sets of 4, one
workload tag). Prints figures; asserts nothing.

    python benchmarks/simulate.py [--sizes 500,1000,5000] [--repeat 1]

Each command runs as its own process, best of ``--repeat`` runs, CPU seconds (wall in brackets:
the machine may be shared); simulate and plan run the same engine scan, so their extra time over
``scan`` is what the waves and the runbook cost.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scan import best_of, export_document


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sizes", default="500,1000,5000")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    maintcheck = [sys.executable, "-c", "from checker.cli import main; main()"]
    print(f"maintcheck simulate/plan benchmark (python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores); best of {args.repeat} runs, seconds")
    print(f"{'VMs':>6} {'scan':>14} {'simulate':>14} {'sim html':>14} {'plan':>14} {'plan sets':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.sizes.split(",")):
            path = Path(tmp) / f"export-{n}.json"
            path.write_text(json.dumps(export_document(n)))
            out = str(Path(tmp) / "out")
            runs = [
                best_of([*maintcheck, "scan", str(path), "--format", "json"], args.repeat, (0, 1)),
                best_of([*maintcheck, "simulate", str(path), "--format", f"json:{out}"], args.repeat),
                best_of([*maintcheck, "simulate", str(path), "--format", f"html:{out}"], args.repeat),
                best_of([*maintcheck, "plan", str(path), "--format", f"json:{out}"], args.repeat),
                best_of([*maintcheck, "plan", str(path), "--include-sets", "--format", f"json:{out}"],
                        args.repeat),
            ]
            print(f"{n:>6} " + " ".join(f"{r.cpu:>6.2f} ({r.wall:>5.2f})" for r in runs))


if __name__ == "__main__":
    main()
