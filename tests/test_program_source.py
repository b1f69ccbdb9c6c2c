"""Pulumi Python programs run under mocks in a subprocess (checker/sources/program.py, worker.py).

Every test runs the real worker on a tiny fixture program under tests/fixtures/programs/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.azure import types as t
from checker.cli import cli
from checker.errors import InputError
from checker.inventory import Document, Inventory, Resource, SourcePosition
from checker.sources import load_path
from checker.sources.base import LoadOptions
from checker.sources.program import SUBSCRIPTION, ProgramSource
from checker.sources.worker import Capture, Naming, answer_invoke
from checker.values import SECRET, UNKNOWN, normalize

FIX = Path(__file__).parent / "fixtures" / "programs"
SOURCE = ProgramSource()


def load(name: str | Path, *stacks: str, **kwargs: object) -> list[Document]:
    path = name if isinstance(name, Path) else FIX / name
    options = LoadOptions(stacks=stacks, **kwargs)  # type: ignore[arg-type]
    return load_path(path, options)


def line_of(path: Path, text: str, after: str = "") -> int:
    """1-based number of the first line containing ``text`` (after the line containing ``after``)."""
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i in range(start, len(lines)) if text in lines[i]) + 1


def resource(inv: Inventory, name: str, stack: str | None = None) -> Resource:
    return next(r for r in inv.resources if r.name == name and stack in (None, r.stack))


@pytest.fixture(scope="module")
def app_docs() -> list[Document]:
    """Both stacks of the app fixture, asked for in the order prod, dev."""
    return load("app", "prod", "dev")


# -- the azure-native program ---------------------------------------------------------------


def test_one_document_per_stack_in_the_order_asked(app_docs: list[Document]) -> None:
    assert [(d.stack, d.project, d.source_kind) for d in app_docs] == [
        ("prod", "app", "program"),
        ("dev", "app", "program"),
    ]
    assert all(d.origin == d.root == str(FIX / "app") for d in app_docs)


def test_captures_every_registration_with_engine_urns(app_docs: list[Document]) -> None:
    dev = app_docs[1]
    assert [r.urn for r in dev.resources] == sorted(
        f"urn:pulumi:dev::app::{typ}::{name}"
        for typ, name in [
            ("azure-native:resources:ResourceGroup", "rg"),
            ("azure-native:compute:AvailabilitySet", "web-as"),
            ("azure-native:compute:VirtualMachine", "web-0"),
            ("azure-native:compute:VirtualMachine", "web-1"),
            ("azure-native:compute:VirtualMachine", "jump"),
        ]
    )
    rg_urn = "urn:pulumi:dev::app::azure-native:resources:ResourceGroup::rg"
    jump = next(r for r in dev.resources if r.urn.endswith("::jump"))
    assert jump.inputs["hardwareProfile"] == {"vmSize": "Standard_B2s"}
    assert jump.property_dependencies["resourceGroupName"] == (rg_urn,)
    assert rg_urn in jump.dependencies
    assert jump.provider is None and jump.parent is None and jump.custom
    assert jump.id == (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/app-dev-rg/providers/"
        "Microsoft.Compute/virtualMachines/jump"
    )
    assert jump.outputs is not None and jump.outputs["name"] == "jump"


def test_source_positions_are_the_constructor_lines(app_docs: list[Document]) -> None:
    main = FIX / "app" / "__main__.py"
    dev = {r.urn.rsplit("::", 1)[-1]: r for r in app_docs[1].resources}
    assert dev["jump"].source == SourcePosition("__main__.py", line_of(main, "jump = "))
    assert dev["web-as"].source == SourcePosition("__main__.py", line_of(main, "AvailabilitySet("))
    loop_line = line_of(main, "VirtualMachine(", after="for i in range")
    assert dev["web-0"].source == dev["web-1"].source == SourcePosition("__main__.py", loop_line)


def test_client_config_inside_output_concat_resolves_the_set(app_docs: list[Document]) -> None:
    inv = Inventory.build(app_docs)
    web0 = resource(inv, "web-0", "dev")
    set_id = web0.inputs["availabilitySet"]["id"]
    assert set_id.startswith(f"/subscriptions/{SUBSCRIPTION}/resourceGroups/app-dev-rg/")
    aset = resource(inv, "web-as", "dev")
    assert [vm.name for vm in inv.members(aset)] == ["web-0", "web-1"]
    assert inv.location(resource(inv, "jump", "dev")) == "eastus"


def test_config_layers_defaults_stack_file_secure_and_structured(app_docs: list[Document]) -> None:
    prod, dev = app_docs
    # Pulumi.yaml default (typed integer) and namespaced value, overlaid by the stack file.
    assert dev.config["app:vmCount"] == 2 and dev.config["azure-native:location"] == "eastus"
    assert prod.config["app:vmCount"] == 3
    assert sum(1 for r in prod.resources if "VirtualMachine::web-" in r.urn) == 3
    # An encrypted value: a placeholder for the program, SECRET in the document, a warning.
    assert prod.config["app:adminPassword"] is SECRET
    assert any("`app:adminPassword` is encrypted" in w for w in prod.warnings)
    assert not any("adminPassword" in w for w in dev.warnings)
    # A structured value reaches the program as JSON (config.get_object).
    rg = next(r for r in prod.resources if r.urn.endswith("::rg"))
    assert rg.inputs["tags"] == {"team": "web", "cost": "42"}
    assert "v1:c2VjcmV0" not in json.dumps([prod.warnings, str(prod.config)])


def test_secret_inputs_stay_secret(app_docs: list[Document]) -> None:
    prod = app_docs[0]
    jump = next(r for r in prod.resources if r.urn.endswith("::jump"))
    password = jump.inputs["osProfile"]["adminPassword"]
    assert normalize(password) is SECRET  # a Pulumi secret, not the value the program saw
    assert jump.inputs["osProfile"]["adminUsername"] == "azureuser"
    inv = Inventory.build([prod])
    assert resource(inv, "jump").get("osProfile.adminPassword") is SECRET


def test_config_overrides_like_pulumi_config_set() -> None:
    [doc] = load("app", "dev", config=(("vmCount", "4"), ("azure-native:location", "westus")))
    assert doc.config["app:vmCount"] == "4"
    assert doc.config["azure-native:location"] == "westus"
    assert sum(1 for r in doc.resources if "VirtualMachine::web-" in r.urn) == 4
    inv = Inventory.build([doc])
    assert inv.location(resource(inv, "jump")) == "westus"


# -- stacks --------------------------------------------------------------------------------


def test_several_stacks_and_none_chosen_is_an_error() -> None:
    with pytest.raises(InputError) as err:
        load("app")
    assert "several stacks (dev, prod)" in str(err.value) and "--stack NAME" in str(err.value)


def test_a_named_stack_without_a_file_lists_the_stacks() -> None:
    with pytest.raises(InputError) as err:
        load("app", "staging")
    message = str(err.value)
    assert "no stack file for stack staging" in message and "dev, prod" in message


def test_a_named_stack_runs_with_defaults_when_the_project_has_no_stack_file() -> None:
    """A fresh clone of a public example has no Pulumi.<stack>.yaml: ``--stack staging`` runs
    that stack as the unnamed scan runs ``dev`` (before: an error listing "none")."""
    [doc] = load("required", "staging")
    assert doc.stack == "staging"
    assert any("no stack file" in w and "`staging`" in w for w in doc.warnings)
    [vm] = doc.resources
    assert vm.inputs["location"] == "uksouth"  # the Pulumi.yaml default


def test_no_stack_file_runs_dev_with_defaults_and_placeholders() -> None:
    [doc] = load("required")
    assert doc.stack == "dev"
    assert any("no stack file" in w and "`dev`" in w for w in doc.warnings)
    missing = [w for w in doc.warnings if "required config" in w]
    assert len(missing) == 2
    assert "`required:adminUser`" in missing[0] and "--config adminUser=VALUE" in missing[0]
    assert "`required:vmCount`" in missing[1]
    # Placeholders of the declared types: integer 1 (one VM), string "placeholder".
    [vm] = doc.resources
    assert vm.inputs["osProfile"]["adminUsername"] == "placeholder"
    assert vm.inputs["location"] == "uksouth"  # the Pulumi.yaml default


def test_required_config_given_on_the_command_line_is_not_a_placeholder() -> None:
    [doc] = load("required", config=(("adminUser", "azureuser"), ("vmCount", "2")))
    assert not any("required config" in w for w in doc.warnings)
    assert sorted(r.inputs["osProfile"]["adminUsername"] for r in doc.resources) == ["azureuser"] * 2


# -- helpers, providers, invokes, interpreters --------------------------------------------


@pytest.fixture(scope="module")
def helper_doc() -> Document:
    [doc] = load("helper")  # one stack file: chosen without --stack
    return doc


def test_single_stack_file_is_the_default(helper_doc: Document) -> None:
    assert helper_doc.stack == "only"
    assert helper_doc.config["azure-native:location"] == "northeurope"


def test_resources_built_in_a_helper_point_at_the_helper_line(helper_doc: Document) -> None:
    solo = next(r for r in helper_doc.resources if r.urn.endswith("::solo"))
    helper_line = line_of(FIX / "helper" / "vms.py", "VirtualMachine(")
    assert solo.source == SourcePosition("vms.py", helper_line)


def test_explicit_provider_is_captured_with_its_location(helper_doc: Document) -> None:
    provider_urn = "urn:pulumi:only::helper::pulumi:providers:azure-native::west"
    provider = next(r for r in helper_doc.resources if r.urn == provider_urn)
    assert provider.inputs["location"] == "westeurope"
    solo = next(r for r in helper_doc.resources if r.urn.endswith("::solo"))
    assert solo.provider is not None and solo.provider.startswith(provider_urn + "::")
    inv = Inventory.build([helper_doc])
    # The provider's location wins over stack config, which explicit providers never read.
    assert inv.location(resource(inv, "solo")) == "westeurope"


def test_component_children_get_engine_urns_and_parents(helper_doc: Document) -> None:
    component_urn = "urn:pulumi:only::helper::helper:index:Tier::tier"
    child_urn = (
        "urn:pulumi:only::helper::helper:index:Tier$azure-native:compute:VirtualMachine::tier-vm"
    )
    records = {r.urn: r for r in helper_doc.resources}
    assert not records[component_urn].custom and records[component_urn].id is None
    assert records[component_urn].parent is None
    assert records[child_urn].parent == component_urn
    main = FIX / "helper" / "__main__.py"
    line = line_of(main, "VirtualMachine(", after="class Tier")
    assert records[child_urn].source == SourcePosition("__main__.py", line)


def test_a_resource_read_by_id_is_captured(helper_doc: Document) -> None:
    legacy = next(r for r in helper_doc.resources if r.urn.endswith("::legacy-as"))
    assert legacy.type == "azure-native:compute:AvailabilitySet"
    assert isinstance(legacy.id, str) and legacy.id.endswith("/availabilitySets/legacy")
    main = FIX / "helper" / "__main__.py"
    assert legacy.source == SourcePosition("__main__.py", line_of(main, "AvailabilitySet.get("))


def test_get_invoke_of_a_declared_resource_answers_from_it(helper_doc: Document) -> None:
    mirror = next(r for r in helper_doc.resources if r.urn.endswith("::mirror"))
    assert mirror.inputs["location"] == "uksouth"


def test_missing_virtualenv_falls_back_with_a_warning(helper_doc: Document) -> None:
    assert any("virtualenv 'venv' does not exist" in w for w in helper_doc.warnings)
    solo = next(r for r in helper_doc.resources if r.urn.endswith("::solo"))
    assert solo.inputs["tags"] == {"interpreter": "default"}


def _project_with_interpreter(tmp_path: Path, script: str) -> Path:
    project = tmp_path / "helper"
    shutil.copytree(FIX / "helper", project, ignore=shutil.ignore_patterns("__pycache__"))
    python = project / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f"#!/bin/sh\n{script}\n")
    python.chmod(0o755)
    return project


@pytest.mark.skipif(os.name != "posix", reason="a shell script stands in for the venv python")
def test_the_projects_virtualenv_runs_the_program(tmp_path: Path) -> None:
    project = _project_with_interpreter(
        tmp_path, f'MAINTCHECK_TEST_VENV=project-venv exec "{sys.executable}" "$@"'
    )
    [doc] = load(project)
    solo = next(r for r in doc.resources if r.urn.endswith("::solo"))
    assert solo.inputs["tags"] == {"interpreter": "project-venv"}
    assert not any("virtualenv" in w for w in doc.warnings)


@pytest.mark.skipif(os.name != "posix", reason="a shell script stands in for the venv python")
def test_an_interpreter_without_pulumi_says_what_to_install(tmp_path: Path) -> None:
    project = _project_with_interpreter(tmp_path, f'exec "{sys.executable}" -S "$@"')
    with pytest.raises(InputError) as err:
        load(project)
    message = str(err.value)
    assert "cannot import the Pulumi SDK" in message
    assert "-m pip install pulumi pulumi-azure-native" in message
    assert str(project / "venv" / "bin" / "python") in message


@pytest.mark.skipif(os.name != "posix", reason="a shell script stands in for the venv python")
def test_uv_toolchain_uses_dot_venv(tmp_path: Path) -> None:
    project = _project_with_interpreter(
        tmp_path, f'MAINTCHECK_TEST_VENV=uv-venv exec "{sys.executable}" "$@"'
    )
    (project / "venv").rename(project / ".venv")
    (project / "Pulumi.yaml").write_text(
        "name: helper\nruntime:\n  name: python\n  options:\n    toolchain: uv\n"
    )
    [doc] = load(project)
    solo = next(r for r in doc.resources if r.urn.endswith("::solo"))
    assert solo.inputs["tags"] == {"interpreter": "uv-venv"}


def test_invoke_answers() -> None:
    job = {"subscription": SUBSCRIPTION, "tenant": "t", "client": "c", "object": "o",
           "project": "p", "stack": "s", "project_dir": str(FIX),
           "types_module": t.__file__}
    naming, capture = Naming(job), Capture(job)
    client = answer_invoke(job, capture, naming, "azure-native:authorization:getClientConfig", {})
    assert client == {"subscriptionId": SUBSCRIPTION, "tenantId": "t", "clientId": "c", "objectId": "o"}
    capture.states[("compute:VirtualMachine", "vm1")] = {"vmName": "vm1", "location": "eastus"}
    found = answer_invoke(job, capture, naming, "azure-native:compute/v20240701:getVirtualMachine",
                          {"resourceGroupName": "rg", "vmName": "vm1"})
    assert found["location"] == "eastus"
    # A resource outside the program: the function's shape (args, name, ARM id), no location.
    other = {"resourceGroupName": "rg", "vmName": "elsewhere"}
    assert answer_invoke(job, capture, naming, "azure-native:compute:getVirtualMachine", other) == {
        **other,
        "name": "elsewhere",
        "id": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/"
        "Microsoft.Compute/virtualMachines/elsewhere",
    }
    group = answer_invoke(job, capture, naming, "azure-native:resources:getResourceGroup",
                          {"resourceGroupName": "shared-rg"})
    assert group == {"resourceGroupName": "shared-rg", "name": "shared-rg",
                     "id": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/shared-rg"}
    account = answer_invoke(job, capture, naming, "azure-native:storage:getStorageAccount",
                            {"resourceGroupName": "rg", "accountName": "logs"})
    assert account["name"] == "logs" and account["id"].endswith("/storageAccounts/logs")
    # Nothing names the resource: the arguments only, never a guess; other packages untouched.
    assert answer_invoke(job, capture, naming, "azure-native:network:getThing", {"a": 1}) == {"a": 1}
    assert answer_invoke(job, capture, naming, "random:index:getX", {"xName": "n"}) == {"xName": "n"}


def test_arm_ids_of_nested_and_unlisted_types() -> None:
    job = {"subscription": SUBSCRIPTION, "types_module": t.__file__}
    naming = Naming(job)
    rg = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/"
    subnet = naming.arm_id("azure-native:network:Subnet", "sn",
                           {"resourceGroupName": "rg", "virtualNetworkName": "vnet"})
    assert subnet == rg + "Microsoft.Network/virtualNetworks/vnet/subnets/sn"
    pip = naming.arm_id("azure-native:network/v20230201:PublicIPAddress", "ip",
                        {"resourceGroupName": "rg", "publicIpAddressName": "web-ip"})
    assert pip == rg + "Microsoft.Network/publicIPAddresses/web-ip"
    host = naming.arm_id("azure-native:compute:DedicatedHost", "h",
                         {"resourceGroupName": "rg", "hostGroupName": "hg", "hostName": "h1"})
    assert host.lower() == (rg + "Microsoft.Compute/hostGroups/hg/hosts/h1").lower()
    vault = naming.arm_id("azure-native:keyvault:Vault", "kv", {"resourceGroupName": "rg"})
    assert vault == rg + "Microsoft.Keyvault/vaults/kv"


# -- failures ------------------------------------------------------------------------------


def test_a_program_that_raises_shows_only_the_users_frames() -> None:
    with pytest.raises(InputError) as err:
        load("raises")
    message = str(err.value)
    main = FIX / "raises" / "__main__.py"
    assert message.startswith(f"{FIX / 'raises'} (stack dev): the program raised IndexError")
    assert f'File "{main}", line {line_of(main, "subnet_prefix(3)")}, in <module>' in message
    assert f'line {line_of(main, "return prefixes[index]")}, in subnet_prefix' in message
    assert "hint:" in message
    for noise in ("runpy", "worker.py", "site-packages", "pulumi/runtime"):
        assert noise not in message


def test_a_missing_module_is_named_with_what_to_install() -> None:
    with pytest.raises(InputError) as err:
        load("missing_module")
    message = str(err.value)
    assert "needs module 'maintcheck_fixture_missing_sdk'" in message
    assert "pip install -r requirements.txt" in message  # requirements.txt names it
    assert "runtime.options.virtualenv" in message


def test_a_stray_import_no_requirements_file_names_is_not_sent_to_pip_install_r() -> None:
    with pytest.raises(InputError) as err:
        load("stray_import")
    message = str(err.value)
    assert "needs module 'maintcheck_fixture_stray_helper'" in message
    assert "pip install -r" not in message
    assert "no requirements file of the project" in message and "remove the import" in message


@pytest.mark.slow
def test_a_hanging_program_is_stopped_with_its_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pidfile = tmp_path / "pids"
    monkeypatch.setenv("MAINTCHECK_TEST_PIDFILE", str(pidfile))
    started = time.monotonic()
    with pytest.raises(InputError) as err:
        load("hangs", timeout=3.0)
    assert time.monotonic() - started < 15
    assert "did not finish within 3 s" in str(err.value) and "--timeout" in str(err.value)
    pids = [int(p) for p in pidfile.read_text().split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids)


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a killed orphan may linger as a zombie until init reaps it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def test_one_failing_stack_stops_the_others_at_once(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: split\nruntime: python\n")
    for stack in ("fast", "slow"):
        (tmp_path / f"Pulumi.{stack}.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(
        "import time\nimport pulumi\n"
        "if pulumi.get_stack() == 'fast':\n    raise ValueError('boom')\n"
        "while True:\n    time.sleep(0.1)\n"
    )
    started = time.monotonic()
    with pytest.raises(InputError) as err:
        load(tmp_path, "slow", "fast", timeout=60.0)
    assert time.monotonic() - started < 20
    assert "(stack fast): the program raised ValueError: boom" in str(err.value)


def test_other_runtimes_are_sent_to_preview_json() -> None:
    with pytest.raises(InputError) as err:
        load("golang")
    message = str(err.value)
    assert "runtime `go`" in message and "pulumi preview --json" in message


def test_an_apply_error_is_a_warning_and_the_scan_goes_on() -> None:
    [doc] = load("apply_error")
    assert doc.incomplete
    main = FIX / "apply_error" / "__main__.py"
    [warning] = [w for w in doc.warnings if "`apply` callback" in w]
    assert "IndexError" in warning and f"{main}:{line_of(main, 'lambda name')}" in warning
    assert sorted(r.urn.rsplit("::", 1)[-1] for r in doc.resources) == ["rg", "vm"]


@pytest.mark.parametrize(
    ("file", "text", "where"),
    [
        ("Pulumi.yaml", "name: bad\nruntime: python\nconfig:\n  key: [1, 2\n", "Pulumi.yaml:5"),
        ("Pulumi.yaml", "name: bad\nruntime:\n  options: {}\n", "Pulumi.yaml:2"),
        ("Pulumi.yaml", "runtime: python\n", "Pulumi.yaml"),
        ("Pulumi.dev.yaml", "config:\n  bad:key: x\n   oops: [\n", "Pulumi.dev.yaml:3"),
        ("Pulumi.dev.yaml", "config: [1, 2]\n", "Pulumi.dev.yaml:1"),
    ],
)
def test_bad_yaml_names_the_file_and_line(tmp_path: Path, file: str, text: str, where: str) -> None:
    (tmp_path / "__main__.py").write_text("")
    (tmp_path / "Pulumi.yaml").write_text("name: bad\nruntime: python\n")
    (tmp_path / file).write_text(text)
    with pytest.raises(InputError) as err:
        load(tmp_path, "dev")
    assert str(err.value).startswith(str(tmp_path / where))


def test_claims_only_directories_with_a_project_file(tmp_path: Path) -> None:
    assert SOURCE.claims(FIX / "app", None)
    assert not SOURCE.claims(tmp_path, None)
    assert not SOURCE.claims(FIX / "app", {"steps": []})


# -- through the command line --------------------------------------------------------------


def test_cli_scan_reports_mc101_at_the_program_line(runner: CliRunner) -> None:
    app = FIX / "app"
    result = runner.invoke(cli, ["scan", str(app), "--stack", "dev", "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    mc101 = [f for f in report["findings"] if f["rule"] == "MC101"]
    assert [f["resource"]["name"] for f in mc101] == ["jump"]
    expected = {"file": f"{app.as_posix()}/__main__.py", "line": line_of(app / "__main__.py", "jump = ")}
    assert mc101[0]["location"] == expected


def test_cli_relative_path_prints_relative_locations(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(FIX)
    result = runner.invoke(cli, ["scan", "helper", "--select", "MC101"])
    assert result.exit_code == 1
    assert f"helper/vms.py:{line_of(FIX / 'helper' / 'vms.py', 'VirtualMachine(')}  solo" in result.stdout
    assert "virtualenv 'venv' does not exist" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["raises"], "the program raised IndexError"),
        (["missing_module"], "needs module 'maintcheck_fixture_missing_sdk'"),
        (["golang"], "pulumi preview --json"),
        pytest.param(["hangs", "--timeout", "2"], "did not finish within 2 s", marks=pytest.mark.slow),
    ],
)
def test_cli_errors_exit_2_without_our_traceback(args: list[str], expected: str) -> None:
    maintcheck = [sys.executable, "-c", "from checker.cli import main; main()"]
    proc = subprocess.run(
        [*maintcheck, "scan", *args], cwd=FIX, capture_output=True, text=True, check=False,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("maintcheck: error: ")
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_required_keys_pulumi_yaml_does_not_declare_get_placeholders_and_warnings() -> None:
    (doc,) = load("undeclared")
    vms = [r for r in doc.resources if r.type == "azure-native:compute:VirtualMachine"]
    assert [v.inputs["hardwareProfile"]["vmSize"] for v in vms] == ["placeholder"]  # vmCount -> 1
    joined = "\n".join(doc.warnings)
    for key in ("undeclared:vmSize", "undeclared:vmCount", "undeclared:adminPassword"):
        assert f"requires config `{key}`, which is not set" in joined
    assert normalize(vms[0].inputs)["osProfile"]["adminPassword"] is SECRET


def test_a_crash_on_a_placeholder_names_the_key_maintcheck_supplied() -> None:
    with pytest.raises(InputError) as err:
        load("placeholder")
    message = str(err.value)
    assert "the program raised ValueError: 'placeholder' does not appear to be" in message
    assert "maintcheck supplied for required config `placeholder:vnetCidr`" in message
    assert "--config placeholder:vnetCidr=VALUE" in message
    assert "would fail in `pulumi preview` too" not in message  # the program is not at fault
    [doc] = load("placeholder", config=(("vnetCidr", "10.0.0.0/16"),))
    [vnet] = [r for r in doc.resources if r.urn.endswith("::vnet")]
    assert vnet.inputs["addressSpace"] == {"addressPrefixes": ["10.0.0.0/16"]}
    # No stack file: the warning says the --config values were used too.
    assert any("config defaults and the --config values only" in w for w in doc.warnings)


def program(tmp_path: Path, *lines: str) -> Path:
    """A one-file Python project in ``tmp_path`` whose program is ``lines`` after the imports."""
    (tmp_path / "Pulumi.yaml").write_text("name: scratch\nruntime: python\n")
    imports = ["import asyncio", "import pulumi", "import pulumi_azure_native as azure_native"]
    (tmp_path / "__main__.py").write_text("\n".join([*imports, *lines]) + "\n")
    return tmp_path


def test_a_failing_sdk_callback_is_placed_at_the_users_line(tmp_path: Path) -> None:
    program(
        tmp_path,
        "keys = azure_native.storage.list_storage_account_keys_output(",
        "    resource_group_name='rg', account_name='sa')",
        "key = keys.keys[0].value  # keys is None offline: the SDK's own callback fails",
        "rg = azure_native.resources.ResourceGroup('rg')",
        "azure_native.compute.VirtualMachine('vm', resource_group_name=rg.name,",
        "    os_profile=azure_native.compute.OSProfileArgs(custom_data=key))",
    )
    [doc] = load(tmp_path)
    [warning] = [w for w in doc.warnings if "`apply` callback" in w]
    assert f"TypeError: 'NoneType' object is not subscriptable at {tmp_path}/__main__.py:6" in warning
    vm = next(r for r in doc.resources if r.urn.endswith("::vm"))
    assert normalize(vm.inputs)["osProfile"]["customData"] is UNKNOWN


def test_a_crash_on_an_invoke_known_only_online_does_not_blame_the_program(tmp_path: Path) -> None:
    program(
        tmp_path,
        "keys = azure_native.storage.list_storage_account_keys(",
        "    resource_group_name='rg', account_name='sa')",
        "primary = keys.keys[0].value",
    )
    with pytest.raises(InputError) as err:
        load(tmp_path)
    message = str(err.value)
    assert "the program raised TypeError" in message
    assert "`azure-native:storage:listStorageAccountKeys`" in message
    assert "cannot know offline" in message and "pulumi preview --json" in message
    assert "would fail in `pulumi preview` too" not in message


def test_a_late_failure_outside_any_callback_is_a_warning(tmp_path: Path) -> None:
    program(
        tmp_path,
        "async def fetch():",
        "    raise RuntimeError('lookup failed')",
        "azure_native.resources.ResourceGroup('ok')",
        "azure_native.resources.ResourceGroup(",
        "    'late', location=pulumi.Output.from_input(asyncio.ensure_future(fetch())))",
    )
    [doc] = load(tmp_path)
    assert doc.incomplete
    [warning] = [w for w in doc.warnings if "after the program body had finished" in w]
    assert "or a registration raised RuntimeError: lookup failed" in warning
    assert any(r.urn.endswith("::ok") for r in doc.resources)
