"""MC107 scale-set-upgrade-without-health: a scale set that upgrades its instances by itself,
all at once or without a health signal."""

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
from checker.rules.support.extensions import extension_index
from checker.values import UNKNOWN, is_known

DOC = RuleDoc(
    what=(
        "Checks scale sets that upgrade their instances by themselves: `upgradePolicy.mode` "
        "`Automatic` (always reported), or `Rolling` mode / automatic OS image upgrades "
        "(`upgradePolicy.automaticOSUpgradePolicy.enableAutomaticOSUpgrade`) with no health "
        "signal - no Application Health extension (in "
        "`virtualMachineProfile.extensionProfile` or a `VirtualMachineScaleSetExtension`) and, "
        "for Uniform scale sets only, no load balancer health probe "
        "(`virtualMachineProfile.networkProfile.healthProbe`; Flexible scale sets accept only "
        "the extension)."
    ),
    why=(
        "In Automatic mode Azure may upgrade all instances at the same time when the scale set "
        "model changes. Rolling upgrades and automatic OS image upgrades go in batches (at most "
        "20% at a time) and wait for each batch to be healthy before the next - but only a "
        "health signal tells Azure whether an upgraded instance came back; without one, an "
        "upgrade can take down instances that never serve again."
    ),
    example=(
        "vmss = azure_native.compute.VirtualMachineScaleSet(\n"
        '    "web-vmss",\n'
        '    upgrade_policy={"mode": "Automatic"},\n'
        "    # no ApplicationHealthLinux extension, no health probe\n"
        ")"
    ),
    fix=(
        "Use `upgrade_policy.mode` `Rolling` with a `rolling_upgrade_policy` (batches of 20%, a "
        "pause between them), add the Application Health extension "
        "(`ApplicationHealthLinux` / `ApplicationHealthWindows`, publisher "
        "`Microsoft.ManagedServices`) pointing at an endpoint that says whether the instance "
        "serves, and turn on `automatic_repairs_policy` so unhealthy instances are replaced. "
        "These are updates in place: the scale set is not recreated."
    ),
)

_HEALTH_TYPES = frozenset({"applicationhealthlinux", "applicationhealthwindows"})
_PUBLISHER = "Microsoft.ManagedServices"


def _is_health_extension(ext: Any) -> Any:
    """True / False for one extension (inline or resource properties); UNKNOWN if not known."""
    if not isinstance(ext, Mapping):
        return UNKNOWN if not is_known(ext) else False
    kind = ext.get("type")
    if isinstance(kind, str):
        return kind.lower() in _HEALTH_TYPES
    return UNKNOWN if kind is not None else False


def _health_signal(vmss: Resource, extensions: list[Resource], flexible: bool) -> Any:
    """True when the scale set has a health signal, False when not, UNKNOWN when not known."""
    verdicts: list[Any] = [_is_health_extension(ext.props) for ext in extensions]
    inline = vmss.get("virtualMachineProfile.extensionProfile.extensions")
    if isinstance(inline, list):
        verdicts += [_is_health_extension(ext) for ext in inline]
    elif inline is UNKNOWN:
        verdicts.append(UNKNOWN)
    if not flexible:
        probe = vmss.get("virtualMachineProfile.networkProfile.healthProbe")
        if isinstance(probe, Mapping) and probe.get("id") is not None:
            verdicts.append(True)
        elif probe is UNKNOWN:
            verdicts.append(UNKNOWN)
    if any(v is True for v in verdicts):
        return True
    return UNKNOWN if any(v is UNKNOWN for v in verdicts) else False


_ROLLING = {
    "maxBatchInstancePercent": 20,
    "maxUnhealthyInstancePercent": 20,
    "maxUnhealthyUpgradedInstancePercent": 20,
    "pauseTimeBetweenBatches": "PT2M",
}
_REPAIRS = {"enabled": True, "gracePeriod": "PT10M"}


def _extension(windows: bool) -> dict[str, Any]:
    return {
        "name": "health",
        "publisher": _PUBLISHER,
        "type": "ApplicationHealthWindows" if windows else "ApplicationHealthLinux",
        "typeHandlerVersion": "2.0",
        "autoUpgradeMinorVersion": True,
        "settings": {"protocol": "http", "port": 80, "requestPath": "/health"},
    }


def _patch(vmss: Resource, extension: dict[str, Any]) -> tuple[PatchOp, ...]:
    ops: list[PatchOp] = []
    policy = vmss.inputs.get("upgradePolicy")
    if isinstance(policy, Mapping):
        ops.append(PatchOp("replace" if "mode" in policy else "add", "/upgradePolicy/mode", "Rolling"))
        if "rollingUpgradePolicy" not in policy:
            ops.append(PatchOp("add", "/upgradePolicy/rollingUpgradePolicy", _ROLLING))
    else:
        ops.append(PatchOp("add", "/upgradePolicy", {"mode": "Rolling", "rollingUpgradePolicy": _ROLLING}))
    profile = vmss.inputs.get("virtualMachineProfile")
    ext_profile = profile.get("extensionProfile") if isinstance(profile, Mapping) else None
    if not isinstance(profile, Mapping):
        profile_value = {"extensionProfile": {"extensions": [extension]}}
        ops.append(PatchOp("add", "/virtualMachineProfile", profile_value))
    elif not isinstance(ext_profile, Mapping):
        ops.append(PatchOp("add", "/virtualMachineProfile/extensionProfile", {"extensions": [extension]}))
    elif isinstance(ext_profile.get("extensions"), list):
        ops.append(PatchOp("add", "/virtualMachineProfile/extensionProfile/extensions/-", extension))
    else:
        ops.append(PatchOp("add", "/virtualMachineProfile/extensionProfile/extensions", [extension]))
    if "automaticRepairsPolicy" not in vmss.inputs:
        ops.append(PatchOp("add", "/automaticRepairsPolicy", _REPAIRS))
    return tuple(ops)


def _changes(vmss: Resource, extension: dict[str, Any]) -> dict[str, Any]:
    """The scale set's new upgrade policy, repairs policy and (when known) VM profile."""
    given = vmss.inputs.get("upgradePolicy")
    policy = dict(given) if isinstance(given, Mapping) else {}
    policy["mode"] = "Rolling"
    policy.setdefault("rollingUpgradePolicy", _ROLLING)
    changes: dict[str, Any] = {"upgradePolicy": policy}
    if "automaticRepairsPolicy" not in vmss.inputs:
        changes["automaticRepairsPolicy"] = _REPAIRS
    profile = copy.deepcopy(dict(vmss.inputs.get("virtualMachineProfile") or {}))
    ext_profile = profile.setdefault("extensionProfile", {})
    if isinstance(ext_profile, dict):
        extensions = ext_profile.setdefault("extensions", [])
        if isinstance(extensions, list):
            extensions.append(extension)
            changes["virtualMachineProfile"] = profile
    return changes


def _fix(vmss: Resource, inv: Inventory) -> Fix:
    extension = _extension(m.is_windows(vmss))
    kind = extension["type"]
    changes = _changes(vmss, extension)
    policy = vmss.inputs.get("upgradePolicy")
    nested: list[tuple[tuple[str | int, ...], str]] = [(("upgrade_policy", "mode"), "'Rolling'")]
    if not (isinstance(policy, Mapping) and "rollingUpgradePolicy" in policy):
        nested.append((("upgrade_policy", "rolling_upgrade_policy"), s.py_value(_ROLLING)))
    extensions = ("virtual_machine_profile", "extension_profile", "extensions", "-")
    nested.append((extensions, s.py_value(extension)))
    if "automaticRepairsPolicy" not in vmss.inputs:
        nested.append((("automatic_repairs_policy",), s.py_value(_REPAIRS)))
    snippet = s.rewrite(
        vmss, "compute.VirtualMachineScaleSet", inv.location(vmss), changes,
        header="# Updated in place; point the health extension at an endpoint that says whether "
        "the instance serves.",
        nested=nested,
    )
    if not s.fully_known(changes.get("virtualMachineProfile")):
        snippet += (
            "\n# virtual_machine_profile.extension_profile.extensions gains:\n"
            f"health_extension = {s.py_value(extension)}"
        )
    return Fix(
        title=(
            f"Upgrade in Rolling mode (20% batches) with the {kind} extension as the health "
            "signal and automatic repairs; updated in place"
        ),
        patch=_patch(vmss, extension),
        snippet=snippet,
        replacement=False,
    )


def _judge(vmss: Resource, inv: Inventory, extensions: list[Resource]) -> Finding | Skipped | None:
    mode = vmss.get("upgradePolicy.mode")
    auto_os = vmss.get("upgradePolicy.automaticOSUpgradePolicy.enableAutomaticOSUpgrade")
    if mode is UNKNOWN:
        return RULE.skipped(vmss, "upgradePolicy.mode is not known")
    mode_text = mode.lower() if isinstance(mode, str) else "manual"
    if mode_text == "automatic":
        message = (
            f"Scale set {vmss.name!r} has upgradePolicy.mode 'Automatic': when its model "
            f"changes, Azure may upgrade all instances at the same time, taking the workload down"
        )
        return RULE.finding(vmss, message, (_fix(vmss, inv),))
    if auto_os is UNKNOWN and mode_text != "rolling":
        return RULE.skipped(vmss, "automaticOSUpgradePolicy.enableAutomaticOSUpgrade is not known")
    if mode_text != "rolling" and auto_os is not True:
        return None
    mode_value = vmss.get("orchestrationMode")
    if mode_value is UNKNOWN:
        return RULE.skipped(vmss, "orchestrationMode is not known")
    flexible = m.is_flexible(vmss)
    signal = _health_signal(vmss, extensions, flexible)
    if signal is True:
        return None
    if signal is UNKNOWN:
        return RULE.skipped(vmss, "its extensions or health probe are not known")
    how = "rolling upgrades" if mode_text == "rolling" else "automatic OS image upgrades"
    accepted = (
        "the Application Health extension (Flexible scale sets accept only the extension)"
        if flexible
        else "the Application Health extension or a load balancer health probe"
    )
    message = (
        f"Scale set {vmss.name!r} uses {how} but has no health signal ({accepted}): Azure "
        f"cannot tell whether an upgraded batch came back, so an upgrade can take down "
        f"instances that never serve again"
    )
    return RULE.finding(vmss, message, (_fix(vmss, inv),))


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    scale_sets = inv.of_kind(t.SCALE_SET)
    extensions = extension_index(inv) if scale_sets else {}
    for vmss in scale_sets:
        verdict = _judge(vmss, inv, extensions.get(vmss, []))
        if verdict is not None:
            yield verdict


RULE = Rule(
    id="MC107",
    slug="scale-set-upgrade-without-health",
    severity=Severity.WARNING,
    title="Scale set that upgrades instances all at once or without a health signal",
    doc=DOC,
    check=check,
)
