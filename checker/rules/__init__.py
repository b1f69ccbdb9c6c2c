"""The rule catalog: every rule module's ``RULE``, in ID order. Look a rule up by ID here."""

from __future__ import annotations

from checker.rules import (
    mc101_single_instance_vm,
    mc102_availability_set_single_member,
    mc103_too_few_update_domains,
    mc104_too_few_fault_domains,
    mc105_availability_set_not_aligned,
    mc106_scale_set_single_instance,
)
from checker.rules.base import Rule

ALL_RULES: tuple[Rule, ...] = (
    mc101_single_instance_vm.RULE,
    mc102_availability_set_single_member.RULE,
    mc103_too_few_update_domains.RULE,
    mc104_too_few_fault_domains.RULE,
    mc105_availability_set_not_aligned.RULE,
    mc106_scale_set_single_instance.RULE,
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in ALL_RULES}
