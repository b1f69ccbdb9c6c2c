"""MC212 temp-disk-data: boot scripts that keep data on the VM's temporary (resource) disk."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from checker.azure import types as t
from checker.azure.vm_sizes import TempDisk, temp_disk
from checker.inventory import Inventory, Resource
from checker.model import Finding, Fix, PatchOp, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from checker.rules.support import snippets as s
from checker.rules.support.extensions import extension_index
from checker.rules.support.scripts import Hit, Script, decode_script, temp_disk_hits
from checker.values import SECRET, UNKNOWN

DOC = RuleDoc(
    what=(
        "Reads what a VM or scale set runs at boot - `osProfile.customData` and `userData` "
        "(base64, possibly gzip; shell scripts, PowerShell, cloud-init YAML including MIME "
        "multi-part), and CustomScript-style extensions (`VirtualMachineExtension`, "
        "`VirtualMachineScaleSetExtension` and a scale set's `extensionProfile`: "
        "`settings.commandToExecute`, base64 `settings.script`, and `protectedSettings` when "
        "they are not secret) - and reports data kept on the temp disk: `D:\\`, `/mnt/resource`, "
        "`/mnt/...`, `/dev/disk/azure/resource`, `/dev/disk/cloud/azure_resource`, NVMe "
        "`/dev/disk/azure/local/...`, and cloud-init `mounts`/`disk_setup`/`fs_setup` on "
        "`ephemeral0`. Only sizes that have a temp disk are judged (D2ds_v5 has one, D2s_v5 has "
        "none); a size that cannot be classified is not judged. Swap, the pagefile and SQL "
        "Server tempdb on the temp disk are its intended uses and are not reported; /mnt paths "
        "that a script mounts a managed data disk on are not the temp disk."
    ),
    why=(
        "The temp disk is local to the host. Azure's planned-maintenance documentation: when a "
        'VM is moved to an updated host, "the temporary disk is lost"; data there is also lost '
        "on every deallocation and on service healing (it survives a plain reboot). On v6 "
        "NVMe sizes the temp disk even comes back raw and unformatted. Anything the workload "
        "keeps there - caches it cannot rebuild, queues, database files, uploads - disappears "
        "during maintenance."
    ),
    example=(
        "vm = azure_native.compute.VirtualMachine(\n"
        '    "app-vm",\n'
        '    hardware_profile={"vm_size": "Standard_D2ds_v5"},\n'
        "    os_profile={\n"
        '        "custom_data": base64.b64encode(b"#!/bin/bash\\n'
        'mkdir -p /mnt/resource/app-data\\n").decode(),\n'
        "        ...\n"
        "    },\n"
        ")"
    ),
    fix=(
        'Attach a managed data disk (`data_disks=[DataDiskArgs(lun=0, create_option="Empty", '
        "...)]`), format and mount it (cloud-init `disk_setup`/`fs_setup`/`mounts` on "
        "`/dev/disk/azure/scsi1/lun0`, or `Initialize-Disk`/`New-Partition` in PowerShell), and "
        "point the workload at it instead of the temp disk. Adding a data disk does not recreate "
        "the VM."
    ),
)

_DISK_TEXT = {
    TempDisk.SCSI: "a local temp disk",
    TempDisk.NVME: "an NVMe temp disk that comes back raw and unformatted",
}


# -- collecting scripts ------------------------------------------------------------------------


def _script(label: str, value: Any, *, encoded: bool, quotable: bool = True) -> Script | None:
    if value is None:
        return None
    if value is SECRET:
        return Script(label, None, quotable, "it is secret")
    if value is UNKNOWN:
        return Script(label, None, quotable, "it is not known")
    if not isinstance(value, str):
        return None
    text, why_not = decode_script(value, encoded=encoded)
    return Script(label, text, quotable, why_not)


def _settings(value: Any) -> Any:
    """Extension settings are an object, or now and then a JSON string."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def extension_scripts(label: str, settings: Any, protected: Any) -> list[Script]:
    out: list[Script] = []
    for which, block, quotable in (
        ("settings", _settings(settings), True),
        ("protectedSettings", _settings(protected), False),
    ):
        where = f"{label} {which}"
        if block is SECRET or block is UNKNOWN:
            reason = "it is secret" if block is SECRET else "it is not known"
            out.append(Script(where, None, quotable, reason))
        elif isinstance(block, Mapping):
            for key, encoded in (("commandToExecute", False), ("script", True)):
                found = _script(f"{where}.{key}", block.get(key), encoded=encoded, quotable=quotable)
                if found is not None:
                    out.append(found)
    return out


def _scripts(res: Resource, extensions: list[Resource]) -> list[Script]:
    base = "virtualMachineProfile." if res.kind == t.SCALE_SET else ""
    found = [
        _script("customData", res.get(f"{base}osProfile.customData"), encoded=True),
        _script("userData", res.get(f"{base}userData"), encoded=True),
    ]
    out = [sc for sc in found if sc is not None]
    inline = res.get("virtualMachineProfile.extensionProfile.extensions") if base else None
    for i, ext in enumerate(inline if isinstance(inline, list) else []):
        if isinstance(ext, Mapping):
            name = ext.get("name") if isinstance(ext.get("name"), str) else f"#{i}"
            out.extend(
                extension_scripts(f"extension {name!r}", ext.get("settings"), ext.get("protectedSettings"))
            )
    for ext in extensions:
        out.extend(
            extension_scripts(
                f"extension {ext.name!r}", ext.props.get("settings"), ext.props.get("protectedSettings")
            )
        )
    return out


# -- the fix -----------------------------------------------------------------------------------


def _next_lun(res: Resource, disks_path: str) -> int:
    disks = res.get(disks_path)
    luns = [d.get("lun") for d in disks if isinstance(d, Mapping)] if isinstance(disks, list) else []
    return max((n for n in luns if isinstance(n, int)), default=-1) + 1


def _disk_patch(res: Resource, lun: int) -> PatchOp:
    profile_path = (
        ["virtualMachineProfile", "storageProfile"] if res.kind == t.SCALE_SET else ["storageProfile"]
    )
    disk: dict[str, Any] = {
        "lun": lun,
        "createOption": "Empty",
        "diskSizeGB": 64,
        "managedDisk": {"storageAccountType": "Premium_LRS"},
    }
    cur: Any = res.inputs
    for depth, key in enumerate(profile_path):
        nxt = cur.get(key) if isinstance(cur, Mapping) else None
        if not isinstance(nxt, Mapping):
            value: Any = {"dataDisks": [disk]}
            for outer in reversed(profile_path[depth + 1 :]):
                value = {outer: value}
            return PatchOp("add", "/" + "/".join(profile_path[: depth + 1]), value)
        cur = nxt
    pointer = "/" + "/".join([*profile_path, "dataDisks"])
    if isinstance(cur.get("dataDisks"), list):
        return PatchOp("add", pointer + "/-", disk)
    return PatchOp("add", pointer, [disk])


def _script_change(res: Resource, hits: list[Hit]) -> list[str]:
    """How changing the script deploys: customData cannot change on an existing VM."""
    labels = {h.label.split(" ", 1)[0].split(".", 1)[0] for h in hits}
    lines = []
    if "customData" in labels:
        if res.kind == t.SCALE_SET:
            lines.append(
                "# customData of a scale set can change; existing instances get it only after a "
                "model update and a reimage."
            )
        else:
            opts = s.replace_opts(("osProfile.customData",))
            lines += [
                "# customData cannot change after a VM is created, and azure-native does not replace on it:",
                f"# changing the script recreates {res.name!r} (a new VM; temp disk lost):",
                f"# compute.VirtualMachine({res.name!r}, ..., {opts})",
                "# (or move the script to user_data, which can be updated in place).",
            ]
    if "userData" in labels:
        lines.append("# userData can be updated in place: changing it does not recreate the VM.")
    if labels - {"customData", "userData"}:
        lines.append("# A CustomScript extension's settings can be updated in place (the extension reruns).")
    return lines


def _fix(res: Resource, hits: list[Hit]) -> Fix:
    scale_set = res.kind == t.SCALE_SET
    disks_path = f"{'virtualMachineProfile.' if scale_set else ''}storageProfile.dataDisks"
    lun = _next_lun(res, disks_path)
    windows = any(h.kind == "windows" for h in hits)
    prefix = "VirtualMachineScaleSet" if scale_set else ""
    where = "virtual_machine_profile.storage_profile" if scale_set else "storage_profile"
    lines = [
        s.IMPORT,
        f"# In {res.name!r}, add a managed data disk to {where}.data_disks:",
        "data_disks = [",
        f"    azure_native.compute.{prefix}DataDiskArgs(",
        f"        lun={lun},",
        '        create_option="Empty",',
        "        disk_size_gb=64,",
        f"        managed_disk=azure_native.compute.{prefix or ''}ManagedDiskParametersArgs(",
        '            storage_account_type="Premium_LRS",',
        "        ),",
        "    ),",
        "]",
    ]
    if windows:
        lines += [
            "# Then format it and use it instead of D:\\ (PowerShell, in your script):",
            "POWERSHELL = (",
            "    \"Get-Disk | Where-Object PartitionStyle -eq 'RAW' | Initialize-Disk -PartitionStyle GPT \"",
            '    "-PassThru | New-Partition -DriveLetter F -UseMaximumSize | '
            'Format-Volume -FileSystem NTFS -Confirm:$false"',
            ")",
            "# ...and write to F:\\ where the script wrote to D:\\.",
        ]
    else:
        device = f"/dev/disk/azure/scsi1/lun{lun}"
        lines += [
            f"# Then format and mount it (cloud-init) and use /data instead of {hits[0].path}:",
            'CLOUD_INIT = """#cloud-config',
            "disk_setup:",
            f"  {device}: {{table_type: gpt, layout: true, overwrite: false}}",
            "fs_setup:",
            f"  - {{device: {device}, partition: 1, filesystem: ext4, label: data}}",
            "mounts:",
            f'  - ["{device}-part1", /data, auto, "defaults,nofail"]',
            '"""',
        ]
    target = "F:\\" if windows else "/data"
    lines += _script_change(res, hits)
    return Fix(
        title=(
            f"Keep the data on a managed data disk (LUN {lun}, mounted at {target}) instead of the "
            f"temp disk, and change the script's path ({hits[0].path} -> {target}); adding a data "
            f"disk does not recreate the VM"
            + (
                ", but changing customData does (replace_on_changes osProfile.customData)"
                if res.kind != t.SCALE_SET and any(h.label.startswith("customData") for h in hits)
                else ""
            )
        ),
        patch=(_disk_patch(res, lun),),
        snippet="\n".join(lines),
        replacement=False,
        new_resources=True,
    )


# -- the rule ----------------------------------------------------------------------------------


def _counts(disk: Any, hit: Hit) -> bool:
    """Does this hit land on the temp disk of a size with ``disk``? On NVMe sizes the classic
    resource-disk paths (/mnt/resource, /dev/disk/azure/resource) are not the temp disk."""
    if disk is TempDisk.NVME:
        return hit.kind in ("nvme", "windows")
    return disk is TempDisk.SCSI


def _judge(res: Resource, extensions: list[Resource]) -> Iterator[Finding | Skipped]:
    scripts = _scripts(res, extensions)
    hits = [hit for sc in scripts for hit in temp_disk_hits(sc)]
    unread = [sc for sc in scripts if sc.text is None]
    size = res.get("sku.name") if res.kind == t.SCALE_SET else res.get("hardwareProfile.vmSize")
    disk = temp_disk(size)
    if not hits:
        if unread and disk in (TempDisk.SCSI, TempDisk.NVME):
            names = ", ".join(sc.label for sc in unread)
            yield RULE.skipped(res, f"could not read {names} ({unread[0].reason}) to look for temp-disk data")
        return
    if disk is UNKNOWN:
        shown = size if isinstance(size, str) else "unknown"
        yield RULE.skipped(
            res, f"its scripts use {hits[0].path}, but whether size {shown!r} has a temp disk is not known"
        )
        return
    counted = [h for h in hits if _counts(disk, h)]
    if not counted:
        return
    first = counted[0]
    subject = "Scale set" if res.kind == t.SCALE_SET else "VM"
    more = f" ({len(counted)} places)" if len(counted) > 1 else ""
    message = (
        f"{subject} {res.name!r} keeps data on the temp disk: {first.label} uses {first.path}{more}. "
        f"Size {size} has {_DISK_TEXT[disk]}; when planned maintenance moves the VM to another "
        f"host the temp disk is lost, and the data with it"
    )
    yield RULE.finding(res, message, (_fix(res, counted),), evidence=first.evidence())


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    extensions = extension_index(inv)
    for res in inv.of_kind(t.VM) + inv.of_kind(t.SCALE_SET):
        yield from _judge(res, extensions.get(res, []))


RULE = Rule(
    id="MC212",
    slug="temp-disk-data",
    severity=Severity.WARNING,
    title="Data kept on the temporary disk",
    doc=DOC,
    check=check,
)
