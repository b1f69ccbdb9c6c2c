"""Pulumi TypeScript/JavaScript programs run under Node mocks (checker/sources/nodejs.py and
node_worker.js), through the real CLI and the real worker, with the packages of tests/node/
(installed once per environment by the ``node_modules`` fixture)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from checker.azure import types as t
from checker.errors import InputError
from checker.inventory import Inventory, SourcePosition
from checker.sources import load_path
from checker.sources.base import LoadOptions
from checker.values import SECRET

FIX = Path(__file__).parent / "fixtures" / "programs"
ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow

MakeProject = Callable[[Path], Path]


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def scan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "checker", "scan", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def findings(proc: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert proc.returncode in (0, 1), proc.stderr
    return list(json.loads(proc.stdout)["findings"])


def where(found: list[dict[str, Any]], rule: str, project: Path) -> set[tuple[str, str, int]]:
    """(resource, file relative to the project, line) of each finding of ``rule``."""
    return {
        (f["resource"]["name"], str(Path(f["location"]["file"]).relative_to(project)), f["location"]["line"])
        for f in found
        if f["rule"] == rule
    }


def test_typescript_program_findings_at_its_own_lines(node_project: MakeProject) -> None:
    project = node_project(FIX / "ts_app")
    proc = scan(str(project), "--format", "json")
    found = findings(proc)
    index, helper = project / "src" / "index.ts", project / "src" / "network.ts"
    nic_line = line_of(helper, "new network.NetworkInterface")
    vm_line = line_of(index, "new compute.VirtualMachine")
    assert where(found, "MC201", project) == {
        ("web-nic-0", "src/network.ts", nic_line),
        ("web-nic-1", "src/network.ts", nic_line),
        ("db-nic", "src/network.ts", nic_line),
    }
    assert where(found, "MC103", project) == {("web-as", "src/index.ts", line_of(index, '"web-as"'))}
    assert where(found, "MC101", project) == {("db", "src/index.ts", vm_line)}
    # The encrypted password never reaches any output; its placeholder is announced.
    assert "AAABAJpK3m" not in proc.stdout + proc.stderr


def test_typescript_capture_parent_dependencies_config_and_invokes(node_project: MakeProject) -> None:
    project = node_project(FIX / "ts_app")
    [doc] = load_path(project, LoadOptions(config=(("webCount", "3"),)))
    assert doc.source_kind == "program" and doc.project == "ts-app" and doc.stack == "dev"
    assert any("`ts-app:adminPassword` is encrypted" in w for w in doc.warnings)
    inv = Inventory.build([doc])
    vms = {r.name: r for r in inv.of_kind(t.VM)}
    assert sorted(vms) == ["db", "web-0", "web-1", "web-2"]  # --config webCount=3 wins
    web_set = next(r for r in inv.of_kind(t.AVAILABILITY_SET))
    assert [m.name for m in inv.members(web_set)] == ["web-0", "web-1", "web-2"]
    web0 = vms["web-0"]
    nic_urn = "urn:pulumi:dev::ts-app::azure-native:network:NetworkInterface::web-nic-0"
    assert web0.property_dependencies["networkProfile"] == (nic_urn,)
    assert web_set.urn in web0.dependencies
    vm_line = line_of(project / "src/index.ts", "new compute.VirtualMachine")
    assert web0.source == SourcePosition("src/index.ts", vm_line)
    # getClientConfig answered with placeholder ids; the secret arrives as a secret.
    assert web0.props["tags"]["owner"] == "00000000-0000-0000-0000-000000000003"
    assert web0.props["osProfile"]["adminPassword"] is SECRET
    assert inv.location(web0) == "westeurope"  # the stack's azure-native:location
    nic = inv.get(nic_urn)
    assert nic is not None and nic.props["ipConfigurations"][0]["subnet"]["id"].endswith(
        "/virtualNetworks/vnet/subnets/default"
    )


def test_javascript_program_apply_error_and_missing_config(node_project: MakeProject) -> None:
    project = node_project(FIX / "js_app")
    index = project / "index.js"
    proc = scan(str(project), "--format", "json", "--config", "region=westeurope")
    found = findings(proc)
    vm_line = line_of(index, "new compute.VirtualMachine")
    assert where(found, "MC101", project) == {("lonely", "index.js", vm_line)}
    [warning] = [w for w in json.loads(proc.stdout)["warnings"] if "`apply` callback" in w]
    assert "raised Error: a late failure in apply" in warning
    assert f"index.js:{line_of(index, 'throw new Error')}" in warning
    [doc] = load_path(project, LoadOptions())
    assert doc.incomplete
    assert any("requires config `js-app:region`, which is not set" in w for w in doc.warnings)


def test_missing_node_modules_exits_2_saying_what_to_run(tmp_path: Path) -> None:
    project = tmp_path / "ts_app"
    shutil.copytree(FIX / "ts_app", project)
    proc = scan(str(project))
    assert proc.returncode == 2
    assert "no node_modules" in proc.stderr and "npm install" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_package_the_program_needs_but_lacks(node_project: MakeProject, tmp_path: Path) -> None:
    project = node_project(FIX / "js_app")
    (project / "index.js").write_text('const aws = require("@pulumi/aws");\n')
    with pytest.raises(InputError) as err:
        load_path(project, LoadOptions())
    message = str(err.value)
    assert "needs the package '@pulumi/aws'" in message and "index.js:1" in message
    assert "npm install" in message


def test_a_program_error_names_the_users_typescript_line(node_project: MakeProject) -> None:
    project = node_project(FIX / "ts_app")
    index = project / "src" / "index.ts"
    text = index.read_text().replace(
        "const rg = ", 'if (webCount > 1) { throw new RangeError("too many"); }\nconst rg = '
    )
    index.write_text(text)
    proc = scan(str(project))
    assert proc.returncode == 2, proc.stderr
    assert "the program raised RangeError: too many" in proc.stderr
    assert f"src/index.ts\", line {line_of(index, 'too many')}" in proc.stderr
    assert "node_worker.js" not in proc.stderr and "node_modules" not in proc.stderr


def test_outputs_only_azure_computes_are_unknown_as_in_a_preview(node_project: MakeProject) -> None:
    project = node_project(FIX / "js_app")
    (project / "index.js").write_text(
        'const pulumi = require("@pulumi/pulumi");\n'
        'const compute = require("@pulumi/azure-native/compute");\n'
        'const other = new pulumi.StackReference("org/net/prod");\n'
        'const aset = new compute.AvailabilitySet("as", { resourceGroupName: "rg" });\n'
        "aset.statuses.apply((s) => s.length);  // would throw on undefined: must not run\n"
        'new compute.VirtualMachine("vm", {\n'
        '    resourceGroupName: other.getOutput("rg"),\n'
        "    availabilitySet: { id: aset.id },\n"
        "    licenseType: aset.platformFaultDomainCount.apply((n) => `x${n}`),\n"
        "});\n"
    )
    [doc] = load_path(project, LoadOptions(config=(("region", "eastus"),)))
    assert not doc.incomplete
    inv = Inventory.build([doc])
    [vm] = inv.of_kind(t.VM)
    [aset] = inv.of_kind(t.AVAILABILITY_SET)
    assert not isinstance(vm.get("licenseType"), str)  # UNKNOWN
    assert not isinstance(vm.get("resourceGroupName"), str)  # a StackReference output: UNKNOWN
    assert inv.members(aset) == (vm,)  # ids are known


def test_inline_suppression_in_javascript(node_project: MakeProject) -> None:
    project = node_project(FIX / "js_app")
    index = project / "index.js"
    index.write_text(
        index.read_text().replace(
            "const lonely = ", "// maintcheck: ignore[MC101] a build agent we can lose\nconst lonely = "
        )
    )
    proc = scan(str(project), "--format", "json", "--config", "region=westeurope")
    [finding] = [f for f in findings(proc) if f["rule"] == "MC101"]
    assert finding["suppressed"] == "a build agent we can lose"


def test_a_program_that_never_ends_is_stopped(node_project: MakeProject) -> None:
    project = node_project(FIX / "js_app")
    (project / "index.js").write_text("setInterval(() => {}, 1000);\n")
    proc = scan(str(project), "--timeout", "2")
    assert proc.returncode == 2
    assert "did not finish within 2 s" in proc.stderr


def test_without_node_on_path_the_scan_says_what_to_install(node_project: MakeProject) -> None:
    project = node_project(FIX / "js_app")
    proc = subprocess.run(
        [sys.executable, "-m", "checker", "scan", str(project)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": str(Path(sys.executable).parent), "HOME": str(project)},
        timeout=120,
    )
    assert proc.returncode == 2
    assert "`node` is not on PATH" in proc.stderr and "Node.js 20 or newer" in proc.stderr


def test_an_es_module_program(node_project: MakeProject) -> None:
    project = node_project(FIX / "js_app")
    (project / "package.json").write_text('{"name": "esm", "type": "module", "main": "index.js"}\n')
    index = project / "index.js"
    index.write_text(
        'import * as azure from "@pulumi/azure-native";\n'
        "\n"
        'export const vm = new azure.compute.VirtualMachine("esm-vm", {\n'
        '    resourceGroupName: "rg",\n'
        '    location: "westeurope",\n'
        "});\n"
    )
    [doc] = load_path(project, LoadOptions(config=(("region", "eastus"),)))
    [vm] = doc.resources
    assert vm.source == SourcePosition("index.js", 3)


def test_pulumi_new_layout_keeps_lines_despite_out_dir(node_project: MakeProject, tmp_path: Path) -> None:
    """`pulumi new typescript` writes index.ts at the top and tsconfig `outDir: "bin"` with
    `sourceMap`: the in-memory source map must still point at index.ts (it pointed above the
    project, and every finding of such a program had no line)."""
    project = node_project(FIX / "ts_app")
    (project / "index.ts").write_text(
        'import * as compute from "@pulumi/azure-native/compute";\n'
        "\n"
        'export const vm = new compute.VirtualMachine("lonely", { resourceGroupName: "rg" });\n'
    )
    (project / "tsconfig.json").write_text(
        '{"compilerOptions": {"outDir": "bin", "sourceMap": true, "module": "nodenext",'
        ' "moduleResolution": "nodenext", "target": "ES2022"}, "files": ["index.ts"]}\n'
    )
    package = (project / "package.json").read_text().replace('"main": "src/index.ts"', '"main": "index.ts"')
    (project / "package.json").write_text(package)
    proc = scan(str(project), "--format", "json", "--select", "MC101")
    assert where(findings(proc), "MC101", project) == {("lonely", "index.ts", 3)}
