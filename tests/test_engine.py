"""The one pipeline: every front door gets its findings from ``engine.scan``, and a rule that
raises is isolated there (its outcome names it; the others still report)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import engine
from checker.cli import cli
from checker.config import Settings
from checker.rules import ALL_RULES, RULES_BY_ID
from tests.builders import StackBuilder, broken_rule

VM = "azure-native:compute:VirtualMachine"
SECRET_TEXT = "do-not-print-this-value"


BROKEN = broken_rule(SECRET_TEXT)


def _lonely_vm() -> StackBuilder:
    s = StackBuilder("dev", config={"azure-native:location": "eastus"})
    s.add(VM, "lonely", {"resourceGroupName": "rg"}, line=3)
    return s


def test_a_failing_rule_is_an_outcome_and_the_others_still_report() -> None:
    result = engine.scan([_lonely_vm().document()], Settings(), rules=(BROKEN, RULES_BY_ID["MC101"]))
    broken, mc101 = result.outcomes
    assert broken.rule_id == "MC999" and broken.error == "ZeroDivisionError" and not broken.findings
    assert mc101.error is None and [f.rule_id for f in mc101.findings] == ["MC101"]
    assert [f.rule_id for f in result.findings] == ["MC101"]
    assert result.incomplete and result.failed_rules == (broken,)
    assert any(w.startswith("MC999 [broken-rule] was not applied") for w in result.warnings)
    assert not any(SECRET_TEXT in w for w in result.warnings)


def test_outcomes_follow_the_selection_and_hold_each_rules_findings() -> None:
    result = engine.scan([_lonely_vm().document()], Settings(select=("MC1", "MC3")))
    assert [o.rule_id for o in result.outcomes] == [r.id for r in ALL_RULES if r.id[2] in "13"]
    by_rule = {o.rule_id: [f.resource.name for f in o.findings] for o in result.outcomes}
    assert by_rule["MC101"] == ["lonely"]
    assert {f.rule_id for f in result.findings} == {k for k, v in by_rule.items() if v}


def test_the_cli_reports_the_other_rules_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "ALL_RULES", (BROKEN, *ALL_RULES))
    path = _lonely_vm().write(tmp_path / "export.json")
    run = CliRunner().invoke(cli, ["scan", str(path), "--format", "json", "--fail-on", "never"])
    assert run.exit_code == 2, run.output
    report = json.loads(run.stdout)
    assert "MC101" in {f["rule"] for f in report["findings"]}
    assert report["summary"]["incomplete"] is True
    assert "maintcheck: error: MC999 [broken-rule] was not applied" in run.stderr
    assert SECRET_TEXT not in run.output


def test_the_policy_servicer_isolates_a_failing_rule() -> None:
    """The pack's AnalyzeStack (in process, as the gRPC server calls it): the broken rule is an
    advisory note naming it; MC101 is still reported at its mandatory level."""
    from pulumi.runtime.proto import analyzer_pb2

    from checker.policy_pack.policies import RulePolicy
    from checker.policy_pack.server import MaintcheckAnalyzer
    from tests.policy_harness import analyzer_resources

    servicer = MaintcheckAnalyzer(
        "maintcheck", "0.1.0", [RulePolicy(BROKEN), RulePolicy(RULES_BY_ID["MC101"])], "test"
    )
    request = analyzer_pb2.AnalyzeStackRequest(resources=analyzer_resources(_lonely_vm().records))
    response = servicer.AnalyzeStack(request, None)
    by_policy = {d.policyName: d for d in response.diagnostics}
    assert set(by_policy) == {"broken-rule", "single-instance-vm"}
    assert "MC999 [broken-rule] was not applied" in by_policy["broken-rule"].message
    assert by_policy["broken-rule"].enforcementLevel == analyzer_pb2.ADVISORY
    assert by_policy["single-instance-vm"].enforcementLevel == analyzer_pb2.MANDATORY
    assert by_policy["single-instance-vm"].urn.endswith("::lonely")
    assert all(SECRET_TEXT not in d.message for d in response.diagnostics)


def test_only_the_engine_builds_an_inventory_or_runs_rules() -> None:
    """One pipeline: every front door gets its inventory and findings from ``engine.scan``
    (``ScanResult.inventory``), never from a second ``Inventory.build`` or rule loop."""
    package = Path(engine.__file__).parent
    own = {package / "engine.py"} | set((package / "inventory").rglob("*.py"))
    found = []
    for path in sorted(set(package.rglob("*.py")) - own):
        if path.is_relative_to(package / "rules"):
            continue  # the rules themselves (#11's catalog) define check functions
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = getattr(func, "value", None)
            if (
                (name == "build" and isinstance(owner, ast.Name) and owner.id == "Inventory")
                or name in {"run_rules", "judge", "check"}
            ):
                found.append(f"{path.relative_to(package)}:{node.lineno} {name}")
    assert found == []


def test_plan_exits_2_on_a_failing_rule_and_simulate_runs_no_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """plan's costs come from the findings, so a rule that failed makes the runbook incomplete:
    exit 2 as scan does. simulate reads only the inventory: it runs no rule, so a rule's
    failure (or its notes) cannot reach it."""
    monkeypatch.setattr(engine, "ALL_RULES", (BROKEN, *ALL_RULES))
    path = _lonely_vm().write(tmp_path / "export.json")
    plan = CliRunner().invoke(cli, ["plan", str(path)])
    assert plan.exit_code == 2, plan.output
    assert "maintcheck: error: MC999 [broken-rule] was not applied" in plan.stderr
    assert SECRET_TEXT not in plan.output
    simulate = CliRunner().invoke(cli, ["simulate", str(path), "--format", "json"])
    assert simulate.exit_code == 0, simulate.output
    assert "MC999" not in simulate.stderr and json.loads(simulate.stdout)
