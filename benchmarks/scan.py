"""Benchmark the scan engine and CLI start-up (issues 2 and 17). Prints figures; asserts nothing.

    python benchmarks/scan.py [--sizes 500,1000,5000,10000] [--workload 8000] [--repeat 3]

For each N it writes a stack export of N VMs (availability sets of 4, a NIC each, a public IP
on every other VM), then runs, as separate processes, best of ``--repeat`` runs each:
  - ``maintcheck scan FILE --format json`` against a process that only ``json.load``s the file:
    CPU seconds (user + system of the child) and wall seconds of each, the CPU ratio, and the
    scan's peak memory (max RSS). The scan parses with the garbage collector paused and exits
    without the interpreter's teardown (``checker.cli:run``); the plain parse-only process pays
    both (collections while parsing, every object freed), so ``ratio`` flatters the scan. The
    ``lean parse`` column is the floor on the scan's own terms (collector off, ``os._exit``),
    and ``lean ratio`` the scan against it;
  - one workload of ``--workload`` zonal VMs (one `workload` tag), and with ``--spread`` VMs
    in 100 workloads: growth must stay linear whatever the workload sizes;
  - ``maintcheck --version`` against bare ``python -c pass``.
Targets: scan <= 2.0x parse-only (CPU) at 5,000 VMs; start-up <= bare Python + 0.15 s.
Then the policy pack's figures (``--pack``, by benchmarks/policy_pack.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUB = "00000000-0000-0000-0000-000000000000"
PREFIX = "urn:pulumi:bench::bench::"


def _arm(kind: str, name: str) -> str:
    return f"/subscriptions/{SUB}/resourceGroups/bench-rg/providers/{kind}/{name}"


def _record(type_token: str, name: str, inputs: dict[str, Any], arm: str, **extra: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "urn": f"{PREFIX}{type_token}::{name}",
        "custom": True,
        "id": _arm(arm, name),
        "type": type_token,
        "inputs": inputs,
        "outputs": {**inputs, "name": name},
        "sourcePosition": "project:///__main__.py#10",
    }
    rec.update(extra)
    return rec


def export_document(n_vms: int) -> dict[str, Any]:
    """A stack export of ``n_vms`` VMs shaped like a real deployment."""
    resources: list[dict[str, Any]] = [
        {
            "urn": f"{PREFIX}azure-native:resources:ResourceGroup::bench-rg",
            "custom": True,
            "id": f"/subscriptions/{SUB}/resourceGroups/bench-rg",
            "type": "azure-native:resources:ResourceGroup",
            "inputs": {"location": "eastus", "resourceGroupName": "bench-rg"},
        }
    ]
    subnet_id = _arm("Microsoft.Network/virtualNetworks", "vnet") + "/subnets/default"
    for i in range(n_vms):
        base = {"resourceGroupName": "bench-rg", "location": "eastus"}
        if i % 4 == 0:
            resources.append(
                _record(
                    "azure-native:compute:AvailabilitySet",
                    f"as-{i // 4}",
                    {**base, "platformUpdateDomainCount": 2, "platformFaultDomainCount": 2,
                     "sku": {"name": "Aligned"}},
                    "Microsoft.Compute/availabilitySets",
                )
            )
        ip_config: dict[str, Any] = {
            "name": "ipconfig1",
            "subnet": {"id": subnet_id},
            "privateIPAllocationMethod": "Dynamic",
        }
        if i % 2 == 0:
            resources.append(
                _record(
                    "azure-native:network:PublicIPAddress",
                    f"pip-{i}",
                    {**base, "publicIPAllocationMethod": "Static", "sku": {"name": "Standard"}},
                    "Microsoft.Network/publicIPAddresses",
                )
            )
            ip_config["publicIPAddress"] = {"id": _arm("Microsoft.Network/publicIPAddresses", f"pip-{i}")}
        resources.append(
            _record(
                "azure-native:network:NetworkInterface",
                f"nic-{i}",
                {**base, "ipConfigurations": [ip_config]},
                "Microsoft.Network/networkInterfaces",
            )
        )
        resources.append(
            _record(
                "azure-native:compute:VirtualMachine",
                f"vm-{i}",
                {
                    **base,
                    "availabilitySet": {"id": _arm("Microsoft.Compute/availabilitySets", f"as-{i // 4}")},
                    "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
                    "networkProfile": {"networkInterfaces": [
                        {"id": _arm("Microsoft.Network/networkInterfaces", f"nic-{i}")}
                    ]},
                    "storageProfile": {"osDisk": {"createOption": "FromImage",
                                                   "managedDisk": {"storageAccountType": "Premium_LRS"}}},
                    "tags": {"workload": "web"},
                },
                "Microsoft.Compute/virtualMachines",
            )
        )
    return {"version": 3, "deployment": {"manifest": {}, "resources": resources}}


def one_workload(n_vms: int, workloads: int = 1) -> dict[str, Any]:
    """``n_vms`` VMs tagged with ``workloads`` workloads (round robin), spread over three zones,
    in no set."""
    resources: list[dict[str, Any]] = []
    for i in range(n_vms):
        tag = "web" if workloads == 1 else f"web-{i % workloads}"
        inputs = {"resourceGroupName": "bench-rg", "location": "eastus", "zones": [str(i % 3 + 1)],
                  "hardwareProfile": {"vmSize": "Standard_D2s_v5"}, "tags": {"workload": tag}}
        resources.append(_record("azure-native:compute:VirtualMachine", f"vm-{i}", inputs,
                                 "Microsoft.Compute/virtualMachines"))
    return {"version": 3, "deployment": {"manifest": {}, "resources": resources}}


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    max_rss_mb: float


# Appended to each child's code: its own peak memory (VmHWM) on stderr when it exits. The
# rusage of wait4 cannot tell it: on Linux ru_maxrss keeps the forking parent's peak across exec.
_PEAK = (
    "import atexit, sys\n"
    "def _peak():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            sys.stderr.write('PEAK_KB ' + line.split()[1] + '\\n')\n"
    "atexit.register(_peak)\n"
)


def run_once(cmd: list[str], ok: tuple[int, ...]) -> Run:
    """Run ``cmd`` (``python -c CODE ...``) as a child: its wall time, its CPU time (from
    wait4) and its peak memory (its VmHWM, reported by the child itself)."""
    cmd = [*cmd[:2], _PEAK + cmd[2], *cmd[3:]]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        raise SystemExit(f"{' '.join(cmd)} failed ({code}): {stderr}")
    peaks = [int(line.split()[1]) for line in stderr.splitlines() if line.startswith("PEAK_KB ")]
    return Run(wall, usage.ru_utime + usage.ru_stime, (peaks[-1] if peaks else 0) / 1024)


def best_of(cmd: list[str], repeat: int, ok: tuple[int, ...] = (0,)) -> Run:
    runs = [run_once(cmd, ok) for _ in range(repeat)]
    return Run(min(r.wall for r in runs), min(r.cpu for r in runs), max(r.max_rss_mb for r in runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sizes", default="500,1000,5000,10000")
    parser.add_argument("--workload", type=int, default=8000, help="VMs of the one-workload case")
    parser.add_argument("--spread", default="", metavar="N,N,...",
                        help="also VMs in 100 workloads, for each N (e.g. 10000,30000,60000)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pack", default="10000", metavar="N,N,...",
                        help="resources of the policy pack's AnalyzeStack figures (\"\" to skip)")
    args = parser.parse_args()
    py = sys.executable
    maintcheck = [py, "-c", "from checker.cli import run; run()"]  # what the `maintcheck` script runs
    env_note = f"python {sys.version.split()[0]}, {os.cpu_count()} cores"
    print(f"maintcheck scan benchmark ({env_note}); best of {args.repeat} runs, seconds")
    print(f"{'case':>16} {'resources':>9} {'MB':>6} {'parse cpu':>9} {'parse wall':>10} "
          f"{'scan cpu':>8} {'scan wall':>9} {'ratio':>6} {'peak MB':>7} {'lean parse':>10} "
          f"{'lean ratio':>10}")
    cases = [(f"{n} VMs", export_document(n)) for n in (int(x) for x in args.sizes.split(","))]
    if args.workload:
        cases.append((f"1 wl x {args.workload}", one_workload(args.workload)))
    cases.extend((f"100 wl, {n} VMs", one_workload(n, 100))
                 for n in (int(x) for x in args.spread.split(",") if x))
    with tempfile.TemporaryDirectory() as tmp:
        for label, doc in cases:
            path = Path(tmp) / "export.json"
            path.write_text(json.dumps(doc))
            parse = best_of([py, "-c", f"import json; json.load(open({str(path)!r}))"], args.repeat)
            lean = best_of([py, "-c", "import gc, json, os; gc.disable(); "
                            f"document = json.load(open({str(path)!r})); os._exit(0)"], args.repeat)
            scan = best_of([*maintcheck, "scan", str(path), "--format", "json"], args.repeat, (0, 1))
            size_mb = path.stat().st_size / 1e6
            print(f"{label:>16} {len(doc['deployment']['resources']):>9} {size_mb:>6.1f} "
                  f"{parse.cpu:>9.3f} {parse.wall:>10.3f} {scan.cpu:>8.3f} {scan.wall:>9.3f} "
                  f"{scan.cpu / parse.cpu:>5.2f}x {scan.max_rss_mb:>7.0f} {lean.cpu:>10.3f} "
                  f"{scan.cpu / lean.cpu:>9.2f}x")
    bare = best_of([py, "-c", "pass"], args.repeat * 3)
    version = best_of([*maintcheck, "--version"], args.repeat * 3)
    print(f"start-up: python -c pass {bare.wall:.3f} s; maintcheck --version {version.wall:.3f} s; "
          f"overhead {version.wall - bare.wall:+.3f} s (target <= +0.150 s)")
    if args.pack:  # the pack's own benchmark, so that one run prints every figure of issue 17
        print(flush=True)
        pack = Path(__file__).with_name("policy_pack.py")
        subprocess.run([py, str(pack), "--sizes", args.pack, "--repeat", str(args.repeat)], check=True)


if __name__ == "__main__":
    main()
