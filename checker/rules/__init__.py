"""The rule catalog: every rule module's ``RULE``, in ID order. Look a rule up by ID here."""

from __future__ import annotations

from checker.rules import (
    mc101_single_instance_vm,
    mc102_availability_set_single_member,
    mc103_too_few_update_domains,
    mc104_too_few_fault_domains,
    mc105_availability_set_not_aligned,
    mc106_scale_set_single_instance,
    mc107_scale_set_upgrade_without_health,
    mc201_dynamic_private_ip,
    mc202_dynamic_public_ip,
    mc203_basic_load_balancer,
    mc211_ephemeral_os_disk,
    mc212_temp_disk_data,
    mc301_missing_paired_region,
    mc302_unpaired_regions,
    mc303_unknown_location,
    mc401_sensitive_without_maintenance_control,
    mc402_sensitive_without_scheduled_events,
    mc403_guest_patching_not_orchestrated,
)
from checker.rules.base import Rule

ALL_RULES: tuple[Rule, ...] = (
    mc101_single_instance_vm.RULE,
    mc102_availability_set_single_member.RULE,
    mc103_too_few_update_domains.RULE,
    mc104_too_few_fault_domains.RULE,
    mc105_availability_set_not_aligned.RULE,
    mc106_scale_set_single_instance.RULE,
    mc107_scale_set_upgrade_without_health.RULE,
    mc201_dynamic_private_ip.RULE,
    mc202_dynamic_public_ip.RULE,
    mc203_basic_load_balancer.RULE,
    mc211_ephemeral_os_disk.RULE,
    mc212_temp_disk_data.RULE,
    mc301_missing_paired_region.RULE,
    mc302_unpaired_regions.RULE,
    mc303_unknown_location.RULE,
    mc401_sensitive_without_maintenance_control.RULE,
    mc402_sensitive_without_scheduled_events.RULE,
    mc403_guest_patching_not_orchestrated.RULE,
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in ALL_RULES}
