"""One Pulumi ``StackValidationPolicy`` per rule of ``checker.rules.ALL_RULES``.

Each policy is named by its rule's slug; its enforcement level follows the rule's severity
(error -> mandatory, warning and info -> advisory) and users change it per policy with Pulumi
policy config. Every policy declares the rule options (``max-unavailable``, ``workload-tag``,
``sensitive-tag``) with the schema of ``[tool.maintcheck]``, so ``pulumi policy`` validates them.

The pack's servicer (``checker.policy_pack.server``) runs the engine once per ``AnalyzeStack``
call for all policies. ``RulePolicy.validate`` is the stock SDK path, used when the policies are
served by ``pulumi_policy.PolicyPack`` itself: it runs its one rule over the SDK's
``PolicyResource`` objects (slower, and the SDK has already unwrapped secrets there).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    StackValidationPolicy,
)
from pulumi_policy import Severity as PolicySeverity

from checker.model import Severity
from checker.policy_pack.analysis import OPTION_KEYS, analyze, read_options
from checker.rules import ALL_RULES
from checker.rules.base import Rule
from checker.schemas import load_schema
from checker.sources.policy import document_from_policy_resources, stack_config

_LEVELS = {
    Severity.ERROR: EnforcementLevel.MANDATORY,
    Severity.WARNING: EnforcementLevel.ADVISORY,
    Severity.INFO: EnforcementLevel.ADVISORY,
}
_SEVERITIES = {
    Severity.ERROR: PolicySeverity.HIGH,
    Severity.WARNING: PolicySeverity.MEDIUM,
    Severity.INFO: PolicySeverity.LOW,
}


def option_schema() -> PolicyConfigSchema:
    """The rule options, with the JSON schemas ``[tool.maintcheck]`` declares for them."""
    properties = load_schema("config")["properties"]
    return PolicyConfigSchema(properties={key: dict(properties[key]) for key in OPTION_KEYS})


def enforcement_level(rule: Rule) -> EnforcementLevel:
    return _LEVELS[rule.severity]


class RulePolicy(StackValidationPolicy):  # type: ignore[misc]  # the SDK is untyped
    """The policy of one maintcheck rule."""

    def __init__(self, rule: Rule) -> None:
        super().__init__(
            name=rule.slug,
            description=f"{rule.id}: {rule.title}",
            enforcement_level=_LEVELS[rule.severity],
            config_schema=option_schema(),
            display_name=f"{rule.id} {rule.title}",
            severity=_SEVERITIES[rule.severity],
            tags=["maintcheck", rule.id],
            remediation_steps=rule.doc.fix,
        )
        self.rule = rule

    def validate(self, args: Any, report_violation: Any) -> None:
        """The stock SDK path: judge ``args.resources`` with this policy's rule. Notes (could
        not judge) are left out here, since the SDK reports at the policy's level."""
        options, problems = read_options(args.get_config())
        for problem in problems:
            report_violation(f"{self.rule.id} [{self.rule.slug}] {problem}", None)
        document = document_from_policy_resources(args.resources, config=stack_config(os.environ))
        verdict = analyze(document, [self.rule], {self.rule.id: options})[self.rule.id]
        for violation in verdict:
            could_not_judge = violation.note and violation.urn
            if not could_not_judge:
                report_violation(violation.message, violation.urn or None)


def rule_policies(rules: Sequence[Rule] = ALL_RULES) -> list[RulePolicy]:
    """A policy for every rule, in the catalog's order."""
    return [RulePolicy(rule) for rule in rules]
