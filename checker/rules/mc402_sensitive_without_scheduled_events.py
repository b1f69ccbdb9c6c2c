"""MC402 sensitive-without-scheduled-events: a maintenance-sensitive VM or scale set that has not
opted in to Scheduled Events beyond the in-VM endpoint."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from checker.azure import types as t
from checker.inventory import Inventory, Resource
from checker.model import Finding, Fix, PatchOp, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from checker.rules.support import maintenance as m
from checker.rules.support import snippets as s
from checker.values import UNKNOWN

DOC = RuleDoc(
    what=(
        "Checks maintenance-sensitive virtual machines — tagged `maintenance-sensitivity` "
        "(the `sensitive-tag` option) `high` or `realtime`, on a dedicated host, or of an "
        "isolated size — for the `scheduledEventsPolicy` opt-ins `userInitiatedRedeploy`, "
        "`userInitiatedReboot` and `scheduledEventsAdditionalPublishingTargets."
        "eventGridAndResourceGraph`. Sensitive scale sets pass with either a "
        "`scheduledEventsPolicy` or `virtualMachineProfile.scheduledEventsProfile."
        "terminateNotificationProfile.enable`."
    ),
    why=(
        "Scheduled Events give a VM notice (10 to 15 minutes for a freeze, reboot or "
        "redeploy) before planned maintenance touches it. Without the publishing target the "
        "notice reaches only code polling the metadata endpoint inside the VM: no Event Grid or "
        "Resource Graph event lets operators or automation drain the VM first. Without the "
        "user-initiated opt-ins, reboots and redeploys you start — such as the self-service "
        "redeploy offered before a maintenance window — arrive with no Scheduled Event at all."
    ),
    example=(
        "vm = azure_native.compute.VirtualMachine(\n"
        '    "media-0",\n'
        '    tags={"maintenance-sensitivity": "realtime"},\n'
        "    # no scheduled_events_policy\n"
        ")"
    ),
    fix=(
        "Add the `scheduled_events_policy` block (no recreation): user-initiated redeploy and "
        "reboot events that wait for the VM's approval, and Event Grid / Resource Graph "
        "publishing. For a scale set, this block or a terminate notification profile."
    ),
)

_REDEPLOY = "userInitiatedRedeploy"
_REBOOT = "userInitiatedReboot"
_TARGETS = "scheduledEventsAdditionalPublishingTargets"
_EVENT_GRID = "eventGridAndResourceGraph"
_TERMINATE = "virtualMachineProfile.scheduledEventsProfile.terminateNotificationProfile.enable"


def _missing(res: Resource) -> tuple[list[str], bool]:
    """The opt-ins ``res`` lacks, and whether one of them is not known."""
    checks = {
        _REDEPLOY: res.get(f"scheduledEventsPolicy.{_REDEPLOY}"),
        _REBOOT: res.get(f"scheduledEventsPolicy.{_REBOOT}"),
        _EVENT_GRID: res.get(f"scheduledEventsPolicy.{_TARGETS}.{_EVENT_GRID}.enable"),
    }
    unknown = any(v is UNKNOWN for v in checks.values())
    missing = [
        name
        for name, value in checks.items()
        if value is not UNKNOWN
        and not (value is True if name == _EVENT_GRID else isinstance(value, Mapping))
    ]
    return missing, unknown


def _policy(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The VM's ``scheduledEventsPolicy`` inputs with every opt-in present."""
    given = inputs.get("scheduledEventsPolicy")
    block: dict[str, Any] = copy.deepcopy(dict(given)) if isinstance(given, Mapping) else {}
    for key in (_REDEPLOY, _REBOOT):
        if not isinstance(block.get(key), Mapping):
            block[key] = {"automaticallyApprove": False}
    targets = block.get(_TARGETS)
    targets = dict(targets) if isinstance(targets, Mapping) else {}
    grid = targets.get(_EVENT_GRID)
    targets[_EVENT_GRID] = {**(dict(grid) if isinstance(grid, Mapping) else {}), "enable": True}
    block[_TARGETS] = targets
    return block


def _approve(block: Mapping[str, Any], key: str) -> str:
    value = block[key].get("automaticallyApprove", False)
    return repr(value) if isinstance(value, bool) else "False"


def _policy_snippet(res: Resource, block: Mapping[str, Any]) -> str:
    kind = "VirtualMachineScaleSet" if res.kind == t.SCALE_SET else "VirtualMachine"
    return (
        f"{s.IMPORT}\n"
        f"# compute.{kind}({res.name!r}, ...): add the argument below. automatically_approve=\n"
        "# False makes a reboot or redeploy wait for the VM to approve its Scheduled Event (or\n"
        "# for the event's NotBefore time), so the application can drain first.\n"
        "scheduled_events_policy = azure_native.compute.ScheduledEventsPolicyArgs(\n"
        "    user_initiated_redeploy=azure_native.compute.UserInitiatedRedeployArgs(\n"
        f"        automatically_approve={_approve(block, _REDEPLOY)},\n"
        "    ),\n"
        "    user_initiated_reboot=azure_native.compute.UserInitiatedRebootArgs(\n"
        f"        automatically_approve={_approve(block, _REBOOT)},\n"
        "    ),\n"
        "    scheduled_events_additional_publishing_targets=(\n"
        "        azure_native.compute.ScheduledEventsAdditionalPublishingTargetsArgs(\n"
        "            event_grid_and_resource_graph=azure_native.compute.EventGridAndResourceGraphArgs(\n"
        "                enable=True,\n"
        "            ),\n"
        "        )\n"
        "    ),\n"
        ")\n"
    )


def _policy_fix(res: Resource) -> Fix:
    block = _policy(res.inputs)
    return Fix(
        title="Opt in to Scheduled Events for user-initiated redeploys and reboots, published to "
        "Event Grid and Resource Graph (scheduledEventsPolicy; no recreation)",
        patch=(PatchOp("add", "/scheduledEventsPolicy", block),),
        snippet=_policy_snippet(res, block),
        replacement=False,
    )


def _terminate_fix(res: Resource) -> Fix | None:
    added = m.nested_add(res.inputs, _TERMINATE.split("."), True)
    if added is UNKNOWN:
        return None
    pointer, value = added
    return Fix(
        title="Enable the Terminate Scheduled Event on the scale set's instances "
        "(virtualMachineProfile.scheduledEventsProfile; no recreation)",
        patch=(PatchOp("add", pointer, value),),
        snippet=(
            f"{s.IMPORT}\n"
            f"# compute.VirtualMachineScaleSet({res.name!r}, virtual_machine_profile={{...}}): add\n"
            "scheduled_events_profile = azure_native.compute.ScheduledEventsProfileArgs(\n"
            "    terminate_notification_profile=azure_native.compute.TerminateNotificationProfileArgs(\n"
            "        enable=True,\n"
            '        not_before_timeout="PT10M",\n'
            "    ),\n"
            ")\n"
        ),
        replacement=False,
    )


def _consequences(missing: list[str]) -> list[str]:
    out = []
    if _EVENT_GRID in missing:
        out.append(
            "the notice of a maintenance freeze, reboot or redeploy reaches only code polling "
            "Scheduled Events inside the VM, with no Event Grid or Resource Graph event for "
            "operators or automation to drain it first"
        )
    if _REDEPLOY in missing or _REBOOT in missing:
        which = " and ".join(
            w for w, key in (("reboots", _REBOOT), ("redeploys", _REDEPLOY)) if key in missing
        )
        out.append(
            f"{which} you start, such as the self-service redeploy offered before a maintenance "
            "window, arrive without a Scheduled Event"
        )
    return out


def _vm(vm: Resource, options: RuleOptions) -> Finding | Skipped | None:
    missing, unknown = _missing(vm)
    if not missing and not unknown:
        return None
    reasons, doubt = m.sensitive_reasons(vm, options.sensitive_tag)
    if not reasons:
        return RULE.skipped(vm, "whether it is maintenance-sensitive is not known") if (
            doubt and missing
        ) else None
    if unknown:
        return RULE.skipped(vm, "its scheduledEventsPolicy is not known")
    message = (
        f"VM {vm.name!r} is maintenance-sensitive ({', '.join(reasons)}) but its "
        f"scheduledEventsPolicy does not opt in to {', '.join(missing)}: "
        + "; ".join(_consequences(missing))
        + "."
    )
    return RULE.finding(vm, message, (_policy_fix(vm),))


def _scale_set(vmss: Resource, options: RuleOptions) -> Finding | Skipped | None:
    policy = vmss.get("scheduledEventsPolicy")
    terminate = vmss.get(_TERMINATE)
    if (isinstance(policy, Mapping) and policy) or terminate is True:
        return None
    reasons, doubt = m.sensitive_reasons(vmss, options.sensitive_tag)
    if not reasons:
        return RULE.skipped(vmss, "whether it is maintenance-sensitive is not known") if (
            doubt
        ) else None
    if policy is UNKNOWN or terminate is UNKNOWN:
        return RULE.skipped(vmss, "its Scheduled Events settings are not known")
    message = (
        f"Scale set {vmss.name!r} is maintenance-sensitive ({', '.join(reasons)}) but sets "
        f"neither scheduledEventsPolicy nor {_TERMINATE}: its instances get no Terminate event "
        f"before they are deleted, and maintenance notices are not published to Event Grid or "
        f"Resource Graph for operators or automation to drain instances first."
    )
    fixes = [f for f in (_policy_fix(vmss), _terminate_fix(vmss)) if f is not None]
    return RULE.finding(vmss, message, fixes)


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
    title="Maintenance-sensitive VM without Scheduled Events opt-ins",
    doc=DOC,
    check=check,
)
