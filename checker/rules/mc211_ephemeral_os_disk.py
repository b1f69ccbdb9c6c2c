"""MC211 ephemeral-os-disk: a VM or scale set whose OS disk lives on host-local storage."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from checker import jsonpointer
from checker.azure import types as t
from checker.inventory import Inventory, Resource
from checker.model import Finding, Fix, PatchOp, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from checker.rules.support import snippets as s
from checker.values import get_path, is_known

DOC = RuleDoc(
    what=(
        "Checks for virtual machines whose `storageProfile.osDisk.diffDiskSettings.option` is "
        "`Local` (an ephemeral OS disk), and scale sets whose "
        "`virtualMachineProfile.storageProfile.osDisk.diffDiskSettings.option` is `Local`."
    ),
    why=(
        "An ephemeral OS disk lives on the host's cache, temp (resource) or NVMe disk, not in "
        "Azure Storage. Per Microsoft's ephemeral OS disk documentation it survives a reboot and "
        "live migration (most planned maintenance), but a redeploy to another host (self-service "
        "maintenance), service healing after a host failure and a reimage re-create it from the "
        "image: everything written to it since provisioning - configuration, installed "
        "packages, logs, application data - is gone. Such VMs cannot be stop-deallocated at "
        "all. A warning for VMs; info for scale sets, whose instances are stateless by design."
    ),
    example=(
        "vm = azure_native.compute.VirtualMachine(\n"
        '    "web-vm",\n'
        "    storage_profile=azure_native.compute.StorageProfileArgs(\n"
        "        os_disk=azure_native.compute.OSDiskArgs(\n"
        '            create_option="FromImage",\n'
        '            caching="ReadOnly",\n'
        '            diff_disk_settings=azure_native.compute.DiffDiskSettingsArgs(option="Local"),\n'
        "        ),\n"
        "    ),\n"
        ")"
    ),
    fix=(
        "Use a managed OS disk: drop `diff_disk_settings` and give the OS disk a "
        "`managed_disk` storage account type. The OS disk type is fixed at creation, so the VM "
        "(or the scale set's instances) is recreated. If the workload really is stateless - "
        "it is rebuilt from the image and configuration on every start - keep the ephemeral "
        "disk and record why: `# maintcheck: ignore[MC211] stateless, rebuilt from image` on "
        "the line that constructs the resource, or the tag "
        "`maintcheck-ignore = 'MC211: stateless, rebuilt from image'`."
    ),
)


_PLACEMENTS = {
    "cachedisk": "the host's cache disk",
    "resourcedisk": "the VM's temp (resource) disk",
    "nvmedisk": "the host's NVMe disk",
}


def _prefix(res: Resource) -> str:
    return (
        "virtualMachineProfile.storageProfile.osDisk" if res.kind == t.SCALE_SET else "storageProfile.osDisk"
    )


def _pointer(path: str) -> str:
    return jsonpointer.join(path.split("."))


def _without_ephemeral(res: Resource) -> tuple[str, Any]:
    """(the top-level input, its value) with the OS disk managed: no diffDiskSettings, caching
    ReadWrite, a Premium managed disk; every other setting kept."""
    top = "virtualMachineProfile" if res.kind == t.SCALE_SET else "storageProfile"
    value = copy.deepcopy(dict(res.inputs.get(top) or {}))
    profile = value.setdefault("storageProfile", {}) if res.kind == t.SCALE_SET else value
    disk = profile.setdefault("osDisk", {})
    disk.pop("diffDiskSettings", None)
    disk["caching"] = "ReadWrite"
    disk.setdefault("createOption", "FromImage")
    disk.setdefault("managedDisk", {"storageAccountType": "Premium_LRS"})
    return top, value


def _managed_fix(res: Resource, inv: Inventory) -> Fix:
    os_disk = _prefix(res)
    call = "compute.VirtualMachineScaleSet" if res.kind == t.SCALE_SET else "compute.VirtualMachine"
    top, value = _without_ephemeral(res)
    header = (
        "# Azure cannot change an OS disk's type in place and azure-native does not replace on it:\n"
        f"# Pulumi replaces {res.name!r}, deleting it first (it keeps its NIC and its name)."
    )
    where = ("virtual_machine_profile",) if res.kind == t.SCALE_SET else ()
    disk = (*where, "storage_profile", "os_disk")
    nested = [((*disk, "diff_disk_settings"), "None"), ((*disk, "caching"), "'ReadWrite'")]
    known = s.fully_known(value)
    if not known:
        header += (
            f"\n# In {s.snake(top)}: drop diff_disk_settings from the OS disk, "
            "caching='ReadWrite', managed_disk={'storage_account_type': 'Premium_LRS'}."
        )
    replace_on = (f"{os_disk}.diffDiskSettings",)
    snippet = s.rewrite(
        res, call, inv.location(res), {top: value} if known else {},
        replace_on=replace_on, header=header, nested=nested,
    )
    return Fix(
        title=(
            "Use a managed OS disk instead of the ephemeral one; the OS disk type is fixed at "
            "creation, so the VM is recreated (replace_on_changes + delete_before_replace): a "
            "new VM from the image, its OS disk and temp disk contents lost once"
        ),
        patch=(PatchOp("remove", _pointer(f"{os_disk}.diffDiskSettings")),),
        snippet=snippet,
        replacement=True,
        replace_on=replace_on,
    )


_REASON = "stateless, rebuilt from image"


def _suppress_fix(res: Resource) -> Fix:
    var = s.identifier(res.name)
    call = "VirtualMachineScaleSet" if res.kind == t.SCALE_SET else "VirtualMachine"
    snippet = "\n".join(
        [
            s.IMPORT,
            "# Only if the workload is stateless (rebuilt from image and config on every start):",
            f"{var} = azure_native.compute.{call}(  # maintcheck: ignore[MC211] {_REASON}",
            f"    {res.name!r},",
            f"    {s.resource_group_arg(res)},",
            "    # ... the resource's other arguments as they are ...",
            ")",
        ]
    )
    return Fix(
        title=(
            "Or, if the workload is stateless, keep the ephemeral OS disk and suppress with a "
            "reason: `# maintcheck: ignore[MC211] <reason>` on the constructing line, or the tag "
            "maintcheck-ignore = 'MC211: <reason>'"
        ),
        patch=(),
        snippet=snippet,
        replacement=False,
    )


def _judge(res: Resource, inv: Inventory) -> Iterator[Finding | Skipped]:
    settings = res.get(f"{_prefix(res)}.diffDiskSettings")
    if settings is None:
        return
    option = get_path(settings, "option") if isinstance(settings, Mapping) or not is_known(settings) else None
    if option is not None and not is_known(option):
        yield RULE.skipped(res, "its OS disk's diffDiskSettings.option is not known")
        return
    if not (isinstance(option, str) and option.lower() == "local"):
        return
    placement = get_path(settings, "placement")
    where = _PLACEMENTS.get(str(placement).lower(), "host-local storage")
    subject = "Scale set" if res.kind == t.SCALE_SET else "VM"
    instances = "its instances'" if res.kind == t.SCALE_SET else "its"
    message = (
        f"{subject} {res.name!r} uses an ephemeral OS disk (diffDiskSettings.option 'Local' on "
        f"{where}): live migration keeps it, but a redeploy (self-service maintenance), "
        f"service healing onto another host or a reimage resets {instances} "
        f"OS disk from the image, losing everything written since provisioning; such a VM "
        f"cannot be stop-deallocated at all"
    )
    severity = None
    if res.kind == t.SCALE_SET:
        severity = Severity.INFO
        message += " (info: scale set instances are usually stateless by design)"
    yield RULE.finding(res, message, (_managed_fix(res, inv), _suppress_fix(res)), severity=severity)


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    for res in inv.of_kind(t.VM) + inv.of_kind(t.SCALE_SET):
        yield from _judge(res, inv)


RULE = Rule(
    id="MC211",
    slug="ephemeral-os-disk",
    severity=Severity.WARNING,  # info for scale sets
    title="Ephemeral (host-local) OS disk",
    doc=DOC,
    check=check,
)
