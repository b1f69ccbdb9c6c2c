"""The policy pack, driven over gRPC the way the Pulumi engine drives it (tests/policy_harness.py).

The pack in ``policies/`` is started once for the module; every test resets its policy config.
Diagnostics are compared with what ``maintcheck scan --format json`` reports for the same
resources written as a preview document: one engine, the same verdicts and texts.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from google.protobuf import json_format

from checker.cli import cli
from checker.model import Severity
from checker.policy_pack import PACK_NAME
from checker.policy_pack.analysis import analyze, finding_message
from checker.policy_pack.templates import CHECKOUT_REQUIREMENT, render
from checker.rules import ALL_RULES, RULES_BY_ID
from checker.rules.base import Rule
from checker.sources import load_path
from checker.sources.base import LoadOptions
from checker.sources.policy import document_from_analyzer
from checker.values import SECRET
from checker.values import UNKNOWN as UNKNOWN_MARKER
from tests.builders import StackBuilder, broken_rule
from tests.policy_harness import (
    ADVISORY,
    DISABLED,
    REPO,
    TYPED_UNKNOWN,
    UNKNOWN,
    PackProcess,
    analyzer_resources,
    cli_view,
    diagnostics,
    secret,
)

VM = "azure-native:compute:VirtualMachine"
AS = "azure-native:compute:AvailabilitySet"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
NIC = "azure-native:network:NetworkInterface"
PIP = "azure-native:network:PublicIPAddress"
RG = "azure-native:resources:ResourceGroup"
PROVIDER = "pulumi:providers:azure-native"
LOCATION = "eastus"
SECRET_TEXT = "s3cr3t-Pa55-do-not-print"
MANAGED = {"storageProfile": {"osDisk": {"createOption": "FromImage",
                                         "managedDisk": {"storageAccountType": "Premium_LRS"}}}}
Diag = tuple[str, str, str, str]


@pytest.fixture(scope="module")
def pack() -> Iterator[PackProcess]:
    process = PackProcess(REPO / "policies", config={"azure-native:location": LOCATION})
    yield process
    process.close()


@pytest.fixture
def engine(pack: PackProcess) -> PackProcess:
    """The module's pack with every policy at its default config."""
    pack.configure({})
    return pack


# -- stacks ------------------------------------------------------------------------------------


def _vm(stack: StackBuilder, name: str, **inputs: Any) -> Any:
    deps = inputs.pop("deps", None)
    provider = inputs.pop("provider", None)
    body = {"resourceGroupName": "rg", **MANAGED, **inputs}
    return stack.add(VM, name, body, deps=deps, provider=provider)


def rich_stack() -> StackBuilder:
    """One stack on which most rules fire, with an explicit provider, a resource group and
    references through property dependencies and ARM ids."""
    s = StackBuilder("dev", config={"azure-native:location": LOCATION})
    west = s.add(PROVIDER, "west", {"location": "westus"}, id="west-provider-id")
    s.add(RG, "rg", {"resourceGroupName": "rg", "location": LOCATION})
    _vm(s, "lonely", osProfile={"adminPassword": SECRET_TEXT, "adminUsername": "azureuser"})
    _vm(s, "west-lonely", provider=west, resourceGroupName="west-rg")
    one = s.add(AS, "one-as", {"resourceGroupName": "rg", "sku": {"name": "Aligned"}})
    _vm(s, "one-vm", availabilitySet=one.sub(), deps={"availabilitySet": [one]})
    ud = s.add(AS, "ud-as", {"resourceGroupName": "rg", "platformUpdateDomainCount": 2,
                             "platformFaultDomainCount": 1})
    for i in range(3):
        _vm(s, f"ud-vm{i}", availabilitySet=ud.sub(), deps={"availabilitySet": [ud]})
    s.add(VMSS, "api-vmss", {"resourceGroupName": "rg", "orchestrationMode": "Uniform",
                             "sku": {"name": "Standard_D2s_v5", "capacity": 1},
                             "virtualMachineProfile": {}})
    pip = s.add(PIP, "web-pip", {"resourceGroupName": "rg", "publicIPAllocationMethod": "Dynamic",
                                 "sku": {"name": "Basic"}})
    nic = s.add(NIC, "web-nic", {"resourceGroupName": "rg", "ipConfigurations": [
        {"name": "ipconfig1", "privateIPAllocationMethod": "Dynamic", "publicIPAddress": pip.sub()}
    ]}, deps={"ipConfigurations": [pip]})
    script = base64.b64encode(b"#!/bin/bash\ncp -r /srv/data /mnt/resource/app\n").decode()
    _vm(s, "web-vm", networkProfile={"networkInterfaces": [nic.sub()]},
        hardwareProfile={"vmSize": "Standard_D2s_v3"}, customData=script,
        storageProfile={"osDisk": {"createOption": "FromImage",
                                   "diffDiskSettings": {"option": "Local"}}},
        deps={"networkProfile": [nic]})
    _vm(s, "iso-vm", hardwareProfile={"vmSize": "Standard_E104i_v5"},
        tags={"maintenance-sensitivity": "high"})
    _vm(s, "zonal-a", zones=["1"], tags={"app": "shop"})
    _vm(s, "zonal-b", zones=["2"], tags={"app": "shop"})
    _vm(s, "ignored", tags={"maintcheck-ignore": "MC101: batch worker, rebuilt on demand"})
    return s


# -- what the CLI says -------------------------------------------------------------------------


def _fix_lines(finding: Mapping[str, Any]) -> list[str]:
    lines = []
    for i, fix in enumerate(finding["fixes"]):
        lines.append(f"fix: {fix['title']}" + (" (recreates the resource)" if fix["replacement"] else ""))
        if i == 0 and fix["patch"] and not fix["newResources"]:
            command = "maintcheck fix --unsafe-fixes" if fix["replacement"] else "maintcheck fix"
            lines.append(f"apply: `{command}` writes it into a Python program and proves it by a rescan")
        if i == 0 and fix["snippet"]:
            lines.extend(f"    {line}" if line else "" for line in fix["snippet"].splitlines())
    return lines


def cli_report(stack: StackBuilder, tmp_path: Path) -> dict[str, Any]:
    document = cli_view(stack.preview())
    path = tmp_path / f"{stack.stack}-preview.json"
    # Pulumi writes JSON documents with sorted keys (Go's encoding/json), and the pack reads
    # objects in sorted order too: snippets that echo a resource's inputs agree.
    path.write_text(json.dumps(document, sort_keys=True))
    result = CliRunner().invoke(cli, ["scan", str(path), "--format", "json", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.output)
    return report


def expected_diagnostics(stack: StackBuilder, tmp_path: Path) -> list[Diag]:
    """(policy, urn, level, message) the pack must report, from the CLI's JSON report: a
    finding at its severity's level with rule, message, evidence and fixes; a "could not
    judge" warning as an advisory note with the same text."""
    report = cli_report(stack, tmp_path)
    by_slug = {rule.slug: rule for rule in ALL_RULES}
    out: list[Diag] = []
    for f in report["findings"]:
        if f["suppressed"] is not None:
            continue
        rule = by_slug[f["slug"]]
        lines = [f"{f['rule']} [{f['slug']}] {f['message']}"]
        if f["evidence"]:
            lines.append(f"evidence: {f['evidence']}")
        lines.extend(_fix_lines(f))
        level = "mandatory" if f["severity"] == "error" else "advisory"
        out.append((f["slug"], f["resource"]["urn"], level, "\n".join([_describe(rule), *lines])))
    urns = {r["urn"].rsplit("::", 1)[-1]: r["urn"] for r in stack.records}
    for warning in report["warnings"]:
        match = re.match(r"^(MC\d{3}): could not judge '(.+?)' \(", warning)
        if match:
            rule = RULES_BY_ID[match[1]]
            out.append((rule.slug, urns[match[2]], "advisory", f"{_describe(rule)}\n{warning}"))
    return sorted(out)


def _describe(rule: Rule) -> str:
    return f"{rule.id}: {rule.title}"


def pack_diagnostics(engine: PackProcess, stack: StackBuilder) -> list[Diag]:
    return diagnostics(engine.analyze_stack(analyzer_resources(stack.records)))


# -- GetAnalyzerInfo, Configure ----------------------------------------------------------------


def test_analyzer_info_has_one_policy_per_rule(engine: PackProcess) -> None:
    info = engine.info()
    assert info.name == PACK_NAME
    assert [p.name for p in info.policies] == [r.slug for r in ALL_RULES]
    for policy, rule in zip(info.policies, ALL_RULES, strict=True):
        assert policy.description == f"{rule.id}: {rule.title}"
        expected = "mandatory" if rule.severity is Severity.ERROR else "advisory"
        assert {0: "advisory", 1: "mandatory"}[policy.enforcementLevel] == expected
        schema = json_format.MessageToDict(policy.configSchema.properties)
        assert set(schema) == {"max-unavailable", "workload-tag", "sensitive-tag"}
        assert schema["max-unavailable"]["type"] == "number"
        assert policy.policy_type == 2  # POLICY_TYPE_STACK
    assert engine.plugin_info().version


def test_enforcement_level_and_options_come_from_policy_config(engine: PackProcess) -> None:
    s = StackBuilder("dev", config={"azure-native:location": LOCATION})
    _vm(s, "lonely")
    _vm(s, "zonal-a", zones=["1"], tags={"app": "shop"})
    _vm(s, "zonal-b", zones=["2"], tags={"app": "shop"})
    flagged = {(d[0], d[1].rsplit("::", 1)[-1], d[2]) for d in pack_diagnostics(engine, s)}
    assert ("single-instance-vm", "lonely", "mandatory") in flagged
    assert ("single-instance-vm", "zonal-a", "mandatory") in flagged

    # workload-tag "app" makes the zonal VMs one workload spread over two zones; numbers
    # arrive as floats; the level is lowered to advisory; another policy is disabled.
    engine.configure({
        "single-instance-vm": {"enforcementLevel": ADVISORY, "workload-tag": "app",
                               "max-unavailable": 1},
        "missing-paired-region": {"enforcementLevel": DISABLED},
    })
    after = pack_diagnostics(engine, s)
    single = {(d[1].rsplit("::", 1)[-1], d[2]) for d in after if d[0] == "single-instance-vm"}
    assert single == {("lonely", "advisory")}
    assert not [d for d in after if d[0] == "missing-paired-region"]


def test_bad_option_value_is_an_advisory_note_and_the_default_applies(engine: PackProcess) -> None:
    s = StackBuilder("dev", config={"azure-native:location": LOCATION})
    _vm(s, "lonely")
    engine.configure({"single-instance-vm": {"workload-tag": 5, "max-unavailable": "half"}})
    found = [d for d in pack_diagnostics(engine, s) if d[0] == "single-instance-vm"]
    notes = [d for d in found if d[1] == ""]
    assert [d[2] for d in notes] == ["advisory", "advisory"]
    assert "config 'max-unavailable' must be a number" in notes[0][3] + notes[1][3]
    assert "config 'workload-tag' must be a non-empty string" in notes[0][3] + notes[1][3]
    assert [(d[1].rsplit("::", 1)[-1], d[2]) for d in found if d[1]] == [("lonely", "mandatory")]


# -- AnalyzeStack agrees with the CLI ----------------------------------------------------------


def test_rich_stack_matches_the_cli(engine: PackProcess, tmp_path: Path) -> None:
    stack = rich_stack()
    expected = expected_diagnostics(stack, tmp_path)
    got = pack_diagnostics(engine, stack)
    assert got == expected
    fired = {d[0] for d in got}
    assert {"single-instance-vm", "availability-set-single-member", "too-few-update-domains",
            "scale-set-single-instance"} <= fired
    assert len(fired) >= 8, fired
    assert not [d for d in got if d[0] == "single-instance-vm" and d[1].endswith("::ignored")]


def test_provider_location_reaches_the_pack(engine: PackProcess) -> None:
    """The west provider's location (only in the provider's properties) decides the region."""
    stack = rich_stack()
    resources = [r for r in analyzer_resources(stack.records) if r.type != PROVIDER]
    west = next(r for r in resources if r.name == "west-lonely")
    assert west.provider.properties["location"] == "westus"
    document = document_from_analyzer(resources, config={"azure-native:location": LOCATION})
    from checker.inventory import Inventory

    inv = Inventory.build([document])
    vm = next(r for r in inv.resources if r.name == "west-lonely")
    assert inv.location(vm) == "westus"


def test_unknowns_are_judged_like_the_cli(engine: PackProcess, tmp_path: Path) -> None:
    """Typed unknown sentinels (gRPC) and the string sentinel (JSON) mean the same: nothing
    is guessed, and what cannot be judged is an advisory note."""
    s = StackBuilder("dev", config={"azure-native:location": LOCATION})
    aset = s.add(AS, "as", {"resourceGroupName": "rg",
                            "platformUpdateDomainCount": TYPED_UNKNOWN["number"],
                            "sku": TYPED_UNKNOWN["object"]})
    for i in range(2):
        _vm(s, f"m{i}", availabilitySet=aset.sub(), deps={"availabilitySet": [aset]})
    _vm(s, "zones-unknown", zones=TYPED_UNKNOWN["array"])
    _vm(s, "set-unknown", availabilitySet={"id": UNKNOWN})
    _vm(s, "where", location=UNKNOWN, tags=TYPED_UNKNOWN["object"],
        hardwareProfile={"vmSize": UNKNOWN})
    s.add(VMSS, "vmss", {"resourceGroupName": "rg", "sku": {"capacity": TYPED_UNKNOWN["number"]}})
    got = pack_diagnostics(engine, s)
    assert got == expected_diagnostics(s, tmp_path)
    judged = {d[1].rsplit("::", 1)[-1] for d in got if d[0] == "single-instance-vm"}
    assert "set-unknown" in judged and "zones-unknown" in judged  # as notes only
    assert all(d[2] == "advisory" for d in got
               if d[1].rsplit("::", 1)[-1] in {"zones-unknown", "set-unknown"})


def test_secrets_never_reach_a_message(engine: PackProcess, tmp_path: Path) -> None:
    s = StackBuilder("dev", config={"azure-native:location": LOCATION})
    script = base64.b64encode(f"#!/bin/bash\necho {SECRET_TEXT} > /mnt/resource/x\n".encode())
    _vm(s, "lonely", vmName=secret(SECRET_TEXT), customData=secret(script.decode()),
        tags={"owner": secret(SECRET_TEXT), "workload": secret(SECRET_TEXT)},
        osProfile={"adminPassword": SECRET_TEXT, "customData": secret(SECRET_TEXT)},
        hardwareProfile={"vmSize": "Standard_D2s_v3"})
    s.add(AS, SECRET_TEXT[:4], {"resourceGroupName": "rg", "connectionString": SECRET_TEXT,
                                "tags": {"apiKey": SECRET_TEXT}})
    got = pack_diagnostics(engine, s)
    assert got == expected_diagnostics(s, tmp_path)
    assert any(d[0] == "single-instance-vm" for d in got)
    for d in got:
        assert SECRET_TEXT not in d[3]
        assert base64.b64encode(SECRET_TEXT.encode()).decode()[:12] not in d[3]


def test_secret_wrapped_values_become_secret_markers() -> None:
    s = StackBuilder("dev")
    _vm(s, "vm", customData=secret("plain"), tags={"a": secret("x")}, zones=[secret("1")])
    document = document_from_analyzer(analyzer_resources(s.records))
    from checker.inventory import Inventory

    vm = next(r for r in Inventory.build([document]).resources if r.name == "vm")
    assert vm.props["customData"] is SECRET
    assert vm.props["tags"] == {"a": SECRET}
    assert vm.props["zones"] == [SECRET]


def test_numbers_arrive_as_floats_and_read_as_ints() -> None:
    s = StackBuilder("dev")
    s.add(AS, "as", {"platformUpdateDomainCount": 3, "platformFaultDomainCount": 2.5,
                     "flag": TYPED_UNKNOWN["bool"]})
    (message,) = analyzer_resources(s.records)
    assert message.properties["platformUpdateDomainCount"] == 3.0
    document = document_from_analyzer([message])
    from checker.inventory import Inventory

    res = Inventory.build([document]).resources[0]
    assert res.props["platformUpdateDomainCount"] == 3
    assert type(res.props["platformUpdateDomainCount"]) is int
    assert res.props["platformFaultDomainCount"] == 2.5
    assert res.props["flag"] is UNKNOWN_MARKER


GARBAGE: list[dict[str, Any]] = [
    {"availabilitySet": 5, "zones": "1", "tags": ["x"], "hardwareProfile": "big"},
    {"networkProfile": {"networkInterfaces": "nic"}, "storageProfile": [1, 2], "location": 7},
    {"virtualMachineScaleSet": {"id": 3}, "customData": {"a": 1}, "userData": 12,
     "osProfile": "x", "scheduledEventsPolicy": [None], "host": "h", "hostGroup": {"id": None}},
    {"zones": [None, {"a": 1}, 2.5], "tags": {"workload": ["a"], "maintenance-sensitivity": 3},
     "resourceGroupName": {"x": 1}},
]


def test_garbage_shapes_never_fail_an_rpc(engine: PackProcess, tmp_path: Path) -> None:
    s = StackBuilder("dev", config={"azure-native:location": LOCATION})
    for i, body in enumerate(GARBAGE):
        s.add(VM, f"junk{i}", body)
    s.add(AS, "junk-as", {"sku": "Aligned", "platformUpdateDomainCount": "five",
                          "platformFaultDomainCount": [1]})
    s.add(VMSS, "junk-vmss", {"sku": [], "virtualMachineProfile": "x"})
    s.add(NIC, "junk-nic", {"ipConfigurations": {"a": 1}})
    s.add(PIP, "junk-pip", {"sku": 1, "publicIPAllocationMethod": 2})
    resources = analyzer_resources(s.records)
    resources[0].propertyDependencies["availabilitySet"].urns.append("urn:pulumi:dev::app::x::gone")
    resources[0].parent = "urn:pulumi:dev::app::pulumi:pulumi:Stack::gone"
    resources[1].dependencies.append("not a urn")
    got = diagnostics(engine.analyze_stack(resources))
    assert got == expected_diagnostics(s, tmp_path)  # the CLI reads the same garbage alike
    slugs = {r.slug for r in ALL_RULES}
    assert all(d[0] in slugs for d in got)
    for d in got:  # an internal error is a note naming its rule, never mandatory
        if "internal error" in d[3]:
            assert d[2] == "advisory" and d[3].split("\n", 1)[1].startswith("MC")
    for resource in resources:
        assert not engine.analyze(resource).diagnostics
    assert engine.process.poll() is None


def test_analyze_per_resource_reports_nothing(engine: PackProcess) -> None:
    for resource in analyzer_resources(rich_stack().records):
        response = engine.analyze(resource)
        assert not response.diagnostics


def test_pack_logged_no_errors(engine: PackProcess) -> None:
    assert not [log for log in engine.engine.logs if log.severity >= 3]  # ERROR
    assert "Traceback" not in engine.stderr_text()


# -- the engine's verdicts -> violations (no gRPC) ---------------------------------------------


BROKEN = broken_rule(SECRET_TEXT)


def test_an_internal_error_in_one_rule_is_a_note_naming_it() -> None:
    s = StackBuilder("dev")
    _vm(s, "lonely")
    document = document_from_analyzer(analyzer_resources(s.records))
    verdicts = analyze(document, [BROKEN, RULES_BY_ID["MC101"]])
    (note,) = verdicts["MC999"]
    assert note.note and note.urn == ""
    assert note.message.startswith("MC999 [broken-rule] was not applied")
    assert "ZeroDivisionError" in note.message and SECRET_TEXT not in note.message
    (finding,) = verdicts["MC101"]
    assert not finding.note and finding.urn.endswith("::lonely")


def test_a_finding_below_its_rules_severity_is_advisory() -> None:
    s = StackBuilder("dev")
    _vm(s, "spot", priority="Spot")  # MC101 rates a Spot VM info, not error
    _vm(s, "regular")
    document = document_from_analyzer(analyzer_resources(s.records))
    found = {v.urn.rsplit("::", 1)[1]: v for v in analyze(document, [RULES_BY_ID["MC101"]])["MC101"]}
    assert found["spot"].note and not found["regular"].note


def test_stock_sdk_path_reports_the_same_findings(engine: PackProcess) -> None:
    """The policies also work when pulumi_policy's own servicer runs them (RulePolicy.validate
    over PolicyResource objects): same findings, same texts."""
    from pulumi.runtime.proto import analyzer_pb2
    from pulumi_policy import EnforcementLevel
    from pulumi_policy.policy import _PolicyAnalyzerServicer

    from checker.policy_pack.policies import rule_policies

    stack = rich_stack()
    request = analyzer_pb2.AnalyzeStackRequest(resources=analyzer_resources(stack.records))
    stock = _PolicyAnalyzerServicer(PACK_NAME, "0.1.0", rule_policies(), EnforcementLevel.ADVISORY)
    stock_diags = diagnostics(stock.AnalyzeStack(request, None))
    fast = [d for d in diagnostics(engine.stub.AnalyzeStack(request)) if "could not judge" not in d[3]]
    assert stock_diags == fast


# -- a program run under mocks ---------------------------------------------------------------


def _wire(value: Any) -> Any:
    if value is UNKNOWN_MARKER:
        return UNKNOWN
    if value is SECRET:
        return secret("<secret>")
    if isinstance(value, Mapping):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


def test_resources_of_a_mocked_program_run(engine: PackProcess, tmp_path: Path) -> None:
    from checker.sources.program import ProgramSource

    program = REPO / "tests" / "fixtures" / "programs" / "app"
    (document,) = ProgramSource().load(program, None, LoadOptions(stacks=("dev",)))
    assert document.config.get("azure-native:location") == LOCATION
    records = [
        {"urn": r.urn, "type": r.type, "inputs": _wire(dict(r.inputs)), "parent": r.parent,
         "dependencies": list(r.dependencies),
         "propertyDependencies": {k: list(v) for k, v in r.property_dependencies.items()}}
        for r in document.resources
    ]
    got = diagnostics(engine.analyze_stack(analyzer_resources(records)))
    result = CliRunner().invoke(cli, ["scan", str(program), "--stack", "dev", "--format", "json",
                                      "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    expected = sorted((f["slug"], f["resource"]["urn"], f["severity"]) for f in report["findings"]
                      if f["suppressed"] is None)
    level = {"error": "mandatory", "warning": "advisory", "info": "advisory"}
    assert sorted((d[0], d[1], d[2]) for d in got if "could not judge" not in d[3]) == sorted(
        (slug, urn, level[sev]) for slug, urn, sev in expected
    )
    jump = [d for d in got if d[0] == "single-instance-vm" and d[1].endswith("::jump")]
    assert len(jump) == 1 and "VM 'jump' is a single instance" in jump[0][3]


def test_classic_provider_resources_get_the_cli_findings(engine: PackProcess) -> None:
    """Classic azure resources (pulumi-azure) reach the pack in their own shapes; the pack
    judges them through the same inventory as the CLI."""
    program = REPO / "tests" / "fixtures" / "programs" / "yaml_classic"
    (document,) = load_path(program, LoadOptions())
    records = [
        {"urn": r.urn, "type": r.type, "inputs": dict(r.inputs), "outputs": dict(r.outputs or {}),
         "parent": r.parent, "dependencies": list(r.dependencies),
         "propertyDependencies": {k: list(v) for k, v in r.property_dependencies.items()}}
        for r in document.resources
    ]
    got = diagnostics(engine.analyze_stack(analyzer_resources(records)))
    result = CliRunner().invoke(cli, ["scan", str(program), "--format", "json", "--fail-on", "never"])
    report = json.loads(result.output)
    level = {"error": "mandatory", "warning": "advisory", "info": "advisory"}
    expected = sorted((f["slug"], f["resource"]["urn"], level[f["severity"]]) for f in report["findings"])
    assert sorted((d[0], d[1], d[2]) for d in got if "could not judge" not in d[3]) == expected
    assert {"single-instance-vm", "dynamic-public-ip", "availability-set-not-aligned"} <= {d[0] for d in got}


# -- the pack directory ------------------------------------------------------------------------


def test_repo_pack_is_the_checkout_rendering_of_the_templates() -> None:
    pack_dir = REPO / "policies"
    for name, text in render(CHECKOUT_REQUIREMENT).items():
        assert (pack_dir / name).read_text("utf-8") == text, (
            f"policies/{name} drifted from checker/policy_pack/{name}.tmpl; regenerate with "
            "`maintcheck policy-pack init policies --force --requirement '-e ..[policy]'`"
        )
    main = (pack_dir / "__main__.py").read_text("utf-8")
    code = [line for line in main.splitlines() if line and not line.startswith(("#", " "))]
    assert code[-2:] == ["from checker.policy_pack import PolicyPack", "PolicyPack()"]


def test_init_writes_a_pack_that_starts_and_answers(tmp_path: Path) -> None:
    target = tmp_path / "maintenance-policy"
    runner = CliRunner()
    result = runner.invoke(cli, ["policy-pack", "init", str(target)])
    assert result.exit_code == 0, result.output
    assert "pulumi preview --policy-pack" in result.output
    from checker.policy_pack.templates import installed_requirement

    # The source this maintcheck was installed from (tests/test_pack_install.py covers each).
    assert installed_requirement() in (target / "requirements.txt").read_text().splitlines()
    again = runner.invoke(cli, ["policy-pack", "init", str(target)])
    assert again.exit_code == 2
    assert "already holds" in again.output and "--force" in again.output
    forced = runner.invoke(cli, ["policy-pack", "init", str(target), "--force",
                                 "--virtualenv", "/opt/venv"])
    assert forced.exit_code == 0
    assert "virtualenv: /opt/venv" in (target / "PulumiPolicy.yaml").read_text()

    s = StackBuilder("prod", project="shop")
    _vm(s, "lonely", location="westeurope")
    started = PackProcess(target, project="shop", stack="prod")
    try:
        assert started.info().name == PACK_NAME
        got = diagnostics(started.analyze_stack(analyzer_resources(s.records)))
        assert ("single-instance-vm", s.urn(VM, "lonely"), "mandatory") in {d[:3] for d in got}
    finally:
        started.close()


def test_init_into_an_unwritable_place_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(cli, ["policy-pack", "init", str(blocker / "pack")])
    assert result.exit_code == 2
    assert "cannot write" in result.output and "Traceback" not in result.output


def test_finding_message_is_the_cli_text_block(tmp_path: Path) -> None:
    """The violation text is the finding's block of the CLI's verbose text report, dedented."""
    s = StackBuilder("dev", config={"azure-native:location": LOCATION})
    _vm(s, "lonely")
    path = tmp_path / "preview.json"
    path.write_text(json.dumps(s.preview()))
    args = ["scan", str(path), "--fail-on", "never", "--select", "MC101", "--verbose"]
    text = CliRunner().invoke(cli, args)
    from checker.config import Settings
    from checker.engine import run_rules
    from tests.builders import inventory

    (finding,) = run_rules(inventory(s), Settings(), [RULES_BY_ID["MC101"]])[0]
    block = [line.strip() for line in finding_message(finding).splitlines()]
    cli_lines = [line.strip() for line in text.output.splitlines()]
    start = cli_lines.index(next(line for line in cli_lines if "MC101 [single-instance-vm]" in line))
    assert cli_lines[start].split("MC101", 1)[1] == block[0].split("MC101", 1)[1]
    assert cli_lines[start + 1 : start + len(block)] == block[1:]


def test_replica_groups_match_the_cli(engine: PackProcess, tmp_path: Path) -> None:
    """Workloads grouped by replica names: the pack and the CLI group (and report) alike."""
    s = StackBuilder("dev", config={"azure-native:location": LOCATION})
    for zone in ("1", "2", "3"):
        _vm(s, f"web-{zone}", zones=[zone])
    for i in (1, 2):
        _vm(s, f"worker{i}")
    got = pack_diagnostics(engine, s)
    assert got == expected_diagnostics(s, tmp_path)
    mc101 = sorted(urn.rsplit("::", 1)[-1] for slug, urn, _, _ in got if slug == "single-instance-vm")
    assert mc101 == ["worker1", "worker2"]
    assert any("grouped by name: worker1, worker2" in message for *_, message in got)


def test_classic_vms_with_numeric_zones_are_judged_as_the_cli_judges_them(
    engine: PackProcess, tmp_path: Path
) -> None:
    """Numbers reach the pack as protobuf doubles: a classic VM's ``zone`` 2.0 is zone 2, spread
    with zone 1, as the CLI reads ``2`` from JSON (no single-instance-vm for either VM). Before
    issue 17 the pack kept the double, which the classic mapping did not take for a zone, and
    reported both VMs (review of issue 17)."""
    stack = StackBuilder()
    for i, zone in enumerate((1, 2)):
        stack.add("azure:compute/linuxVirtualMachine:LinuxVirtualMachine", f"web-{i}",
                  {"name": f"web-{i}", "zone": zone, "size": "Standard_D2s_v5",
                   "location": LOCATION, "resourceGroupName": "rg", "tags": {"workload": "web"}})
    got = pack_diagnostics(engine, stack)
    assert got == expected_diagnostics(stack, tmp_path)
    assert "single-instance-vm" not in {d[0] for d in got}


def test_rules_with_different_options_of_one_workload_tag_are_judged_each_with_its_own() -> None:
    """Policies sharing a workload tag are judged in one scan (one inventory), yet each reads
    its own config: MC103 with max-unavailable 1 accepts the set, MC104 keeps its default."""
    from checker.model import RuleOptions
    from tests.builders import StackBuilder

    s = StackBuilder("dev", config={"azure-native:location": "eastus"})
    group = s.add("azure-native:compute:AvailabilitySet", "web-as",
                  {"resourceGroupName": "rg", "platformUpdateDomainCount": 2,
                   "platformFaultDomainCount": 1, "sku": {"name": "Aligned"}})
    for i in range(3):
        s.add("azure-native:compute:VirtualMachine", f"web-{i}",
              {"resourceGroupName": "rg", "availabilitySet": {"id": group.id}})
    rules = [RULES_BY_ID["MC103"], RULES_BY_ID["MC104"]]
    document = s.document()
    default = analyze(document, rules)
    assert default["MC103"] and default["MC104"]
    lenient = analyze(document, rules, {"MC103": RuleOptions(max_unavailable=1.0)})
    assert lenient["MC103"] == [] and lenient["MC104"] == default["MC104"]
