"""MC402 sensitive-without-scheduled-events: a maintenance-sensitive VM or scale set that has not
opted in to Scheduled Events beyond the in-VM endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checker.azure import types as t
from checker.inventory import Inventory, Resource
from checker.model import Finding, Fix, PatchOp, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from checker.rules.support import maintenance as m
from checker.rules.support import snippets as s
from checker.values import UNKNOWN, get_path

DOC = RuleDoc(
    what=(
        "Checks maintenance-sensitive virtual machines - tagged `maintenance-sensitivity` "
        "(the `sensitive-tag` option) `high` or `realtime`, on a dedicated host, or of an "
        "isolated size - whose scheduled events reach only code polling inside them: no "
        "`scheduledEventsPolicy.scheduledEventsAdditionalPublishingTargets."
        "eventGridAndResourceGraph.enable`. Sensitive scale sets are checked for the opt-ins "
        "`virtualMachineProfile.scheduledEventsProfile.osImageNotificationProfile` (image "
        "upgrades) and `terminateNotificationProfile` (scale-in, deletion)."
    ),
    why=(
        "Scheduled Events give a VM notice (10 to 15 minutes for a freeze, reboot or redeploy) "
        "before planned maintenance touches it. They need no property on the VM: the metadata "
        "endpoint (IMDS) starts delivering them after the first request from inside the VM - "
        "so the application must poll it. Without the Event Grid / Resource Graph publishing "
        "target nothing outside the VM hears of the notice, and operators or automation cannot "
        "drain the VM first. Scale set instances get OS image upgrade and terminate notices only "
        "when the scale set opts in. maintcheck never advises `automaticallyApprove: true`: it "
        "removes the approval wait a sensitive VM needs."
    ),
    example=(
        "vm = azure_native.compute.VirtualMachine(\n"
        '    "media-0",\n'
        '    tags={"maintenance-sensitivity": "realtime"},\n'
        "    # no scheduled_events_policy publishing target\n"
        ")"
    ),
    fix=(
        "Publish the VM's scheduled events to Event Grid and Resource Graph "
        "(`scheduled_events_policy.scheduled_events_additional_publishing_targets`; no "
        "recreation), and poll the metadata endpoint in the application. For a scale set, turn "
        "on `os_image_notification_profile` and `terminate_notification_profile` in "
        "`virtual_machine_profile.scheduled_events_profile` (no recreation)."
    ),
)

_TARGETS = "scheduledEventsAdditionalPublishingTargets"
_EVENT_GRID = "eventGridAndResourceGraph"
_PUBLISH = f"scheduledEventsPolicy.{_TARGETS}.{_EVENT_GRID}.enable"
_PROFILE = "virtualMachineProfile.scheduledEventsProfile"
_NOTICES = {
    "osImageNotificationProfile": "OS image upgrade",
    "terminateNotificationProfile": "Terminate (scale-in, deletion)",
}
_POLL = (
    "Scheduled Events need no property (the metadata endpoint delivers them after the first "
    "request from inside the VM), so the application must poll it"
)


def _publish_fix(res: Resource) -> Fix | None:
    added = m.nested_add(res.inputs, _PUBLISH.split("."), True)
    if added is UNKNOWN:
        return None
    pointer, value = added
    kind = "VirtualMachineScaleSet" if res.kind == t.SCALE_SET else "VirtualMachine"
    return Fix(
        title="Publish scheduled events to Event Grid and Resource Graph "
        "(scheduledEventsPolicy; no recreation), and poll the metadata endpoint in the application",
        patch=(PatchOp("add", pointer, value),),
        snippet=(
            f"{s.IMPORT}\n"
            f"# compute.{kind}({res.name!r}, ...): add the argument below (keep any\n"
            "# user_initiated_* settings you have; never automatically_approve=True on a\n"
            "# sensitive VM: it removes the wait in which the application drains).\n"
            "scheduled_events_policy = azure_native.compute.ScheduledEventsPolicyArgs(\n"
            "    scheduled_events_additional_publishing_targets=(\n"
            "        azure_native.compute.ScheduledEventsAdditionalPublishingTargetsArgs(\n"
            "            event_grid_and_resource_graph=azure_native.compute.EventGridAndResourceGraphArgs(\n"
            "                enable=True,\n"
            "            ),\n"
            "        )\n"
            "    ),\n"
            ")\n"
        ),
        replacement=False,
    )


def _notices_fix(res: Resource, missing: list[str]) -> Fix | None:
    notice: dict[str, Any] = {"enable": True, "notBeforeTimeout": "PT15M"}
    profile = get_path(res.inputs.get("virtualMachineProfile"), "scheduledEventsProfile")
    targets: list[tuple[list[str], Any]]
    if profile is None:  # one add writes the profile with every missing notice
        targets = [(_PROFILE.split("."), {key: notice for key in missing})]
    else:
        targets = [([*_PROFILE.split("."), key], notice) for key in missing]
    ops: list[PatchOp] = []
    for path, value in targets:
        added = m.nested_add(res.inputs, path, value)
        if added is UNKNOWN:
            return None
        ops.append(PatchOp("add", *added))
    return Fix(
        title="Enable " + " and ".join(_NOTICES[k] for k in missing) + " scheduled events on the "
        "scale set's instances (virtualMachineProfile.scheduledEventsProfile; no recreation)",
        patch=tuple(ops),
        snippet=(
            f"{s.IMPORT}\n"
            f"# compute.VirtualMachineScaleSet({res.name!r}, virtual_machine_profile={{...}}): add\n"
            "scheduled_events_profile = azure_native.compute.ScheduledEventsProfileArgs(\n"
            "    os_image_notification_profile=azure_native.compute.OSImageNotificationProfileArgs(\n"
            '        enable=True,\n        not_before_timeout="PT15M",\n'
            "    ),\n"
            "    terminate_notification_profile=azure_native.compute.TerminateNotificationProfileArgs(\n"
            '        enable=True,\n        not_before_timeout="PT10M",\n'
            "    ),\n"
            ")\n"
        ),
        replacement=False,
    )


def _vm(vm: Resource, options: RuleOptions) -> Finding | Skipped | None:
    published = vm.get(_PUBLISH)
    if published is True:
        return None
    reasons, doubt = m.sensitive_reasons(vm, options.sensitive_tag)
    if not reasons:
        return RULE.skipped(vm, "whether it is maintenance-sensitive is not known") if doubt else None
    fix = _publish_fix(vm)
    if published is UNKNOWN or fix is None:
        return RULE.skipped(vm, "its scheduledEventsPolicy is not known")
    message = (
        f"VM {vm.name!r} is maintenance-sensitive ({', '.join(reasons)}) but its scheduled "
        f"events reach only code polling inside it: they are not published to Event Grid or "
        f"Resource Graph ({_TARGETS}), so operators and automation get no notice to drain it "
        f"before a maintenance freeze, reboot or redeploy. {_POLL}."
    )
    return RULE.finding(vm, message, (fix,))


def _scale_set(vmss: Resource, options: RuleOptions) -> Finding | Skipped | None:
    values = {key: vmss.get(f"{_PROFILE}.{key}.enable") for key in _NOTICES}
    missing = [key for key, value in values.items() if value is not True and value is not UNKNOWN]
    if not missing and UNKNOWN not in values.values():
        return None
    reasons, doubt = m.sensitive_reasons(vmss, options.sensitive_tag)
    if not reasons:
        return RULE.skipped(vmss, "whether it is maintenance-sensitive is not known") if doubt else None
    fix = _notices_fix(vmss, missing) if missing else None
    if UNKNOWN in values.values() or fix is None:
        return RULE.skipped(vmss, "its scheduledEventsProfile is not known")
    names = " and ".join(f"{_NOTICES[k]} ({k})" for k in missing)
    message = (
        f"Scale set {vmss.name!r} is maintenance-sensitive ({', '.join(reasons)}) but does not "
        f"opt in to {names} scheduled events: its instances are upgraded or deleted without "
        f"notice to drain first. {_POLL}."
    )
    return RULE.finding(vmss, message, (fix,))


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    for vm in inv.of_kind(t.VM):
        verdict = _vm(vm, options)
        if verdict is not None:
            yield verdict
    for vmss in inv.of_kind(t.SCALE_SET):
        verdict = _scale_set(vmss, options)
        if verdict is not None:
            yield verdict


RULE = Rule(
    id="MC402",
    slug="sensitive-without-scheduled-events",
    severity=Severity.INFO,
    title="Maintenance-sensitive VM whose scheduled events reach only in-VM polling",
    doc=DOC,
    check=check,
)
