"""The rule catalog: every rule module's ``RULE``, in ID order. Look a rule up by ID here."""

from __future__ import annotations

from checker.rules import mc101_single_instance_vm
from checker.rules.base import Rule

ALL_RULES: tuple[Rule, ...] = (
    mc101_single_instance_vm.RULE,
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in ALL_RULES}
