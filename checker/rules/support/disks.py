"""Disk facts several rules read: whether a VM uses managed disks (MC104, MC105)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.inventory import Inventory, Resource
from checker.values import UNKNOWN


def uses_managed_disks(vm: Resource) -> Any:
    """True / False, UNKNOWN when the OS disk is unknown, None with no storage profile."""
    profile = vm.get("storageProfile")
    if profile is UNKNOWN:
        return UNKNOWN
    if not isinstance(profile, Mapping):
        return None
    disk = profile.get("osDisk")
    if disk is UNKNOWN:
        return UNKNOWN
    if not isinstance(disk, Mapping):
        return True  # an image-based VM without an explicit OS disk gets a managed one
    if disk.get("managedDisk") is not None:
        return True
    vhd = disk.get("vhd")
    if vhd is UNKNOWN:
        return UNKNOWN
    return vhd is None


def classic_with_managed_vms(inv: Inventory, group: Resource) -> bool:
    """True when an availability set is not Aligned (unset means Classic) while a member VM
    uses managed disks: MC105's case, which Azure rejects."""
    sku = group.get("sku.name")
    if not isinstance(sku, str) and sku is not None:
        return False
    if isinstance(sku, str) and sku.lower() == "aligned":
        return False
    return any(uses_managed_disks(vm) is True for vm in inv.members(group))
