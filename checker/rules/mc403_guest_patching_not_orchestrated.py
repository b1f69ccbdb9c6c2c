"""MC403 guest-patching-not-orchestrated: Windows instances of a multi-instance workload that
patch and reboot on the OS's own schedule."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from checker.azure import types as t
from checker.inventory import Inventory, Resource
from checker.model import Finding, Fix, PatchOp, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from checker.rules.support import maintenance as m
from checker.rules.support import snippets as s
from checker.values import UNKNOWN, is_known

DOC = RuleDoc(
    what=(
        "Checks Windows VMs of a multi-instance workload (in an availability set or scale set, "
        "spread over zones, or one of several VMs of a workload or replica group) and Windows "
        "Flexible scale sets whose guest OS patches and reboots on its own schedule: "
        "`osProfile.windowsConfiguration.patchSettings.patchMode` `AutomaticByOS`, or unset "
        "while `enableAutomaticUpdates` is on (the Windows default). Linux (`ImageDefault`) and "
        "`Manual` do not fire."
    ),
    why=(
        "With AutomaticByOS, Windows Update installs and reboots each instance when it decides: "
        "those reboots ignore update domains and zones, so every instance of the workload can "
        "restart in the same night. `AutomaticByPlatform` lets Azure orchestrate guest patching "
        "availability-first: paired regions in different phases, one zone at a time, one update "
        "domain of a set at a time, at most 20% of a set's VMs (one VM in sets under 10)."
    ),
    example=(
        "vm = azure_native.compute.VirtualMachine(\n"
        '    "web-0",\n'
        "    availability_set=azure_native.compute.SubResourceArgs(id=web_as.id),\n"
        "    os_profile=azure_native.compute.OSProfileArgs(\n"
        "        windows_configuration=azure_native.compute.WindowsConfigurationArgs(\n"
        "            enable_automatic_updates=True,  # patchMode unset: AutomaticByOS\n"
        "        ),\n"
        "    ),\n"
        ")"
    ),
    fix=(
        "Set `patch_settings.patch_mode` `AutomaticByPlatform` (with `enable_automatic_updates` "
        "and `provision_vm_agent` on). Its limits: it needs the VM agent and a supported "
        "platform image (not a custom image), applies to VMs and Flexible scale sets only "
        "(Flexible sets also need the Application Health extension), and cannot be combined "
        "with automatic OS image upgrades. For a Uniform scale set or a custom image use Rolling "
        "automatic OS image upgrades instead. An InGuestPatch maintenance configuration is not "
        "availability-first (it patches all assigned machines at once) and is not the fix."
    ),
)

_LIMITS = (
    "AutomaticByPlatform needs the VM agent and a supported platform image (not a custom "
    "image), applies to VMs and Flexible scale sets only and cannot be combined with automatic "
    "OS image upgrades; an InGuestPatch maintenance configuration is not availability-first"
)


def _prefix(res: Resource) -> str:
    return "virtualMachineProfile.osProfile" if res.kind == t.SCALE_SET else "osProfile"


def _os_patches(res: Resource) -> Any:
    """Why the OS patches on its own schedule (a text), None when it does not, or UNKNOWN."""
    config = res.get(f"{_prefix(res)}.windowsConfiguration")
    if config is UNKNOWN:
        return UNKNOWN
    config = config if isinstance(config, Mapping) else {}
    settings = config.get("patchSettings")
    mode = settings.get("patchMode") if isinstance(settings, Mapping) else settings
    if mode is not None and not is_known(mode):
        return UNKNOWN
    if isinstance(mode, str):
        return "patchMode is 'AutomaticByOS'" if mode.lower() == "automaticbyos" else None
    updates = config.get("enableAutomaticUpdates")
    if updates is not None and not is_known(updates):
        return UNKNOWN
    if updates is False:
        return None
    return "patchMode is not set and automatic updates are on (the Windows default: AutomaticByOS)"


def _custom_image(res: Resource) -> bool:
    base = "virtualMachineProfile." if res.kind == t.SCALE_SET else ""
    image = res.get(f"{base}storageProfile.imageReference")
    return isinstance(image, Mapping) and image.get("id") is not None and image.get("publisher") is None


def _multi_instance(inv: Inventory, vm: Resource) -> Any:
    """How the VM is one of several instances (a text), None when it runs alone, or UNKNOWN."""
    group = inv.vm_set(vm)
    if isinstance(group, Resource):
        what = "scale set" if group.kind == t.SCALE_SET else "availability set"
        return f"a VM of {what} {group.name!r}"
    workload = inv.workload(vm)
    if workload.basis == "unknown" or group is UNKNOWN:
        return UNKNOWN
    if len(workload.vms) >= 2:
        return f"one of {len(workload.vms)} VMs of workload {workload.label!r}"
    return None


def _patch(res: Resource) -> tuple[PatchOp, ...]:
    keys = [*_prefix(res).split("."), "windowsConfiguration", "patchSettings", "patchMode"]
    added = m.nested_add(res.inputs, keys, "AutomaticByPlatform")
    if added is UNKNOWN:
        return ()
    pointer, value = added
    return (PatchOp("add", pointer, value),)


def _fix(res: Resource, inv: Inventory) -> Fix:
    where = "virtual_machine_profile.os_profile" if res.kind == t.SCALE_SET else "os_profile"
    lines = [
        s.IMPORT,
        f"# In {res.name!r}, {where}.windows_configuration (updated in place):",
        "windows_configuration = azure_native.compute.WindowsConfigurationArgs(",
        "    enable_automatic_updates=True,",
        "    provision_vm_agent=True,",
        "    patch_settings=azure_native.compute.PatchSettingsArgs(",
        '        patch_mode="AutomaticByPlatform",',
        "    ),",
        ")",
        f"# Limits: {_LIMITS}.",
    ]
    if res.kind == t.SCALE_SET:
        lines.append("# A Flexible scale set also needs the Application Health extension (see MC107).")
    if res.call_source is not None:
        where_path = ("virtual_machine_profile", "os_profile") if res.kind == t.SCALE_SET else ("os_profile",)
        kind = "compute.VirtualMachineScaleSet" if res.kind == t.SCALE_SET else "compute.VirtualMachine"
        own = s.rewrite(
            res, kind, inv.location(res), {}, header="\n".join(lines[1:2] + lines[-1:]),
            nested=[((*where_path, "windows_configuration", "patch_settings", "patch_mode"),
                     "'AutomaticByPlatform'")],
        )
        if "# Your call" in own:
            lines = [own]
    title = "Let Azure orchestrate guest patching: patchMode AutomaticByPlatform (availability-first)"
    if _custom_image(res):
        title += (
            "; this VM runs a custom image, which AutomaticByPlatform does not support: on a scale "
            "set use Rolling automatic OS image upgrades instead"
        )
    return Fix(title=title, patch=_patch(res), snippet="\n".join(lines), replacement=False)


def _judge(res: Resource, inv: Inventory, how: str) -> Finding | Skipped | None:
    why = _os_patches(res)
    if why is UNKNOWN:
        return RULE.skipped(res, "its Windows patch mode or automatic updates setting is not known")
    if why is None:
        return None
    subject = "Scale set" if res.kind == t.SCALE_SET else "VM"
    message = (
        f"{subject} {res.name!r} ({how}) runs Windows and lets the OS patch and reboot on its "
        f"own schedule ({why}): guest reboots ignore update domains and zones and can take "
        f"every instance down at once; AutomaticByPlatform patches availability-first"
    )
    return RULE.finding(res, message, (_fix(res, inv),))


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    for vm in inv.of_kind(t.VM):
        if not m.is_windows(vm):
            continue
        how = _multi_instance(inv, vm)
        if how is UNKNOWN:
            yield RULE.skipped(vm, "whether it is one of several instances is not known")
        elif how is not None:
            verdict = _judge(vm, inv, how)
            if verdict is not None:
                yield verdict
    for vmss in inv.of_kind(t.SCALE_SET):
        if not (m.is_flexible(vmss) and m.is_windows(vmss)):
            continue
        verdict = _judge(vmss, inv, "a Flexible scale set")
        if verdict is not None:
            yield verdict


RULE = Rule(
    id="MC403",
    slug="guest-patching-not-orchestrated",
    severity=Severity.INFO,
    title="Windows guest patching left to the OS in a multi-instance workload",
    doc=DOC,
    check=check,
)
