"""The classic ``azure`` provider (pulumi-azure) in the shapes of azure-native.

Rules read azure-native properties (``availabilitySet.id``, ``hardwareProfile.vmSize``,
``zones``, ``sku.name``...). A classic resource (``azure:compute/linuxVirtualMachine:
LinuxVirtualMachine``...) is given the inventory kind of its azure-native counterpart and its
inputs, outputs and property dependencies are rewritten into that counterpart's shape here,
once, when the inventory is built, so every rule judges it without knowing the classic names.
Defaults the classic provider applies (an availability set is managed, i.e. Aligned, with 3
fault and 5 update domains; a public IP's sku is Standard) are added to the outputs only, so
fixes still see what the program itself set.

Each mapping is a table: classic top-level input -> (azure-native dotted path, convert).
Classic inputs without an entry keep their name (no rule reads them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from checker.azure import types as t
from checker.values import SECRET_SIG, SIG_KEY

Convert = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str | int) else value


def _map_list(convert: Convert) -> Convert:
    return lambda value: [convert(v) for v in value] if isinstance(value, list) else value


def _rename(table: Mapping[str, tuple[str, Convert]]) -> Convert:
    """A classic object -> the azure-native object (keys renamed, nested paths built)."""

    def convert(value: Any) -> Any:
        if not isinstance(value, Mapping) or SIG_KEY in value:
            return value
        out: dict[str, Any] = {}
        for key, item in value.items():
            path, conv = table.get(key, (key, _same))
            if item is not None:
                _put(out, path, conv(item))
        return out

    return convert


def _put(target: dict[str, Any], path: str, value: Any) -> None:
    head, dot, rest = path.partition(".")
    if not dot:
        existing = target.get(head)
        if isinstance(existing, dict) and isinstance(value, Mapping):
            existing.update(value)
        else:
            target[head] = value
        return
    child = target.get(head)
    if not isinstance(child, dict):
        child = target[head] = {}
    _put(child, rest, value)


def _ref(value: Any) -> Any:
    return {"id": value}


def _nic_refs(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    return [{"id": item, "primary": i == 0} for i, item in enumerate(value)]


def _json(value: Any) -> Any:
    """Extension settings are JSON strings in the classic provider, objects in azure-native."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


_OS_DISK = _rename(
    {
        "storageAccountType": ("managedDisk.storageAccountType", _same),
        "diskSizeGb": ("diskSizeGB", _same),
        "diffDiskSettings": ("diffDiskSettings", _same),
        "diskEncryptionSetId": ("managedDisk.diskEncryptionSet.id", _same),
    }
)
_LEGACY_OS_DISK = _rename(
    {
        "managedDiskType": ("managedDisk.storageAccountType", _same),
        "managedDiskId": ("managedDisk.id", _same),
        "vhdUri": ("vhd.uri", _same),
        "diskSizeGb": ("diskSizeGB", _same),
    }
)
_IP_CONFIG = _rename(
    {
        "subnetId": ("subnet.id", _same),
        "privateIpAddressAllocation": ("privateIPAllocationMethod", _same),
        "privateIpAddress": ("privateIPAddress", _same),
        "privateIpAddressVersion": ("privateIPAddressVersion", _same),
        "publicIpAddressId": ("publicIPAddress.id", _same),
    }
)
_FRONTEND = _IP_CONFIG  # a load balancer's frontend ip configurations read the same
_EXTENSION = _rename({"settings": ("settings", _json), "protectedSettings": ("protectedSettings", _json)})
_SCALE_SET_IP_CONFIG = _rename(
    {
        "subnetId": ("subnet.id", _same),
        "publicIpAddresses": (
            "publicIPAddressConfiguration",
            lambda v: v[0] if isinstance(v, list) and v else v,
        ),
    }
)
_SCALE_SET_NIC = _rename({"ipConfigurations": ("ipConfigurations", _map_list(_SCALE_SET_IP_CONFIG))})
_FILTER = _rename(
    {
        "tagFilter": ("tagSettings.filterOperator", _same),
        "tags": (
            "tagSettings.tags",
            lambda v: {i.get("tag"): i.get("values") for i in v if isinstance(i, Mapping)}
            if isinstance(v, list)
            else v,
        ),
    }
)

_COMMON: Final[dict[str, tuple[str, Convert]]] = {
    "location": ("location", _same),
    "resourceGroupName": ("resourceGroupName", _same),
    "tags": ("tags", _same),
}
_VM_COMMON: Final[dict[str, tuple[str, Convert]]] = {
    **_COMMON,
    "size": ("hardwareProfile.vmSize", _same),
    "availabilitySetId": ("availabilitySet.id", _same),
    "virtualMachineScaleSetId": ("virtualMachineScaleSet.id", _same),
    "proximityPlacementGroupId": ("proximityPlacementGroup.id", _same),
    "dedicatedHostId": ("host.id", _same),
    "dedicatedHostGroupId": ("hostGroup.id", _same),
    "zone": ("zones", _as_list),
    "platformFaultDomain": ("platformFaultDomain", _same),
    "networkInterfaceIds": ("networkProfile.networkInterfaces", _nic_refs),
    "osDisk": ("storageProfile.osDisk", _OS_DISK),
    "sourceImageReference": ("storageProfile.imageReference", _same),
    "computerName": ("osProfile.computerName", _same),
    "adminUsername": ("osProfile.adminUsername", _same),
    "adminPassword": ("osProfile.adminPassword", _same),
    "customData": ("osProfile.customData", _same),
    "userData": ("userData", _same),
    "priority": ("priority", _same),
    "evictionPolicy": ("evictionPolicy", _same),
}
_SCALE_SET_COMMON: Final[dict[str, tuple[str, Convert]]] = {
    **_COMMON,
    "instances": ("sku.capacity", _same),
    "zones": ("zones", _same),
    "platformFaultDomainCount": ("platformFaultDomainCount", _same),
    "singlePlacementGroup": ("singlePlacementGroup", _same),
    "upgradeMode": ("upgradePolicy.mode", _same),
    "osDisk": ("virtualMachineProfile.storageProfile.osDisk", _OS_DISK),
    "sourceImageReference": ("virtualMachineProfile.storageProfile.imageReference", _same),
    "adminUsername": ("virtualMachineProfile.osProfile.adminUsername", _same),
    "adminPassword": ("virtualMachineProfile.osProfile.adminPassword", _same),
    "computerNamePrefix": ("virtualMachineProfile.osProfile.computerNamePrefix", _same),
    "customData": ("virtualMachineProfile.osProfile.customData", _same),
    "userData": ("virtualMachineProfile.userData", _same),
    "networkInterfaces": (
        "virtualMachineProfile.networkProfile.networkInterfaceConfigurations",
        _map_list(_SCALE_SET_NIC),
    ),
    "extensions": ("virtualMachineProfile.extensionProfile.extensions", _map_list(_EXTENSION)),
}


@dataclass(frozen=True)
class ClassicType:
    """How one classic type becomes its azure-native kind."""

    kind: str
    inputs: Mapping[str, tuple[str, Convert]]
    constants: Mapping[str, Any] = field(default_factory=dict)  # paths always set (inputs)
    defaults: Mapping[str, Any] = field(default_factory=dict)  # classic inputs the provider defaults
    convert: Callable[[dict[str, Any]], None] | None = None  # whole-object fix-ups


def _managed_sku(props: dict[str, Any]) -> None:
    managed = props.pop("managed", None)
    if isinstance(managed, bool):
        props["sku"] = {"name": "Aligned" if managed else "Classic"}


def _legacy_os(props: dict[str, Any]) -> None:
    storage = props.get("storageProfile")
    disk = storage.get("osDisk") if isinstance(storage, dict) else None
    linux = props.pop("osProfileLinuxConfig", None)
    windows = props.pop("osProfileWindowsConfig", None)
    if linux is not None or windows is not None:
        profile = props.setdefault("osProfile", {})
        if isinstance(profile, dict):
            if linux is not None:
                profile["linuxConfiguration"] = linux
            if windows is not None:
                profile["windowsConfiguration"] = windows
    if isinstance(disk, dict) and "osType" not in disk and (linux is not None or windows is not None):
        disk["osType"] = "Linux" if linux is not None else "Windows"


_LINUX = {"osProfile.linuxConfiguration": {}, "storageProfile.osDisk.osType": "Linux"}
_WINDOWS = {"osProfile.windowsConfiguration": {}, "storageProfile.osDisk.osType": "Windows"}
_VMSS_LINUX = {
    "virtualMachineProfile.osProfile.linuxConfiguration": {},
    "virtualMachineProfile.storageProfile.osDisk.osType": "Linux",
    "orchestrationMode": "Uniform",
}
_VMSS_WINDOWS = {
    "virtualMachineProfile.osProfile.windowsConfiguration": {},
    "virtualMachineProfile.storageProfile.osDisk.osType": "Windows",
    "orchestrationMode": "Uniform",
}

# classic "module/camelType" -> how it maps.
MAPPINGS: Final[dict[str, ClassicType]] = {
    "compute/linuxVirtualMachine": ClassicType(t.VM, _VM_COMMON, _LINUX),
    "compute/windowsVirtualMachine": ClassicType(t.VM, _VM_COMMON, _WINDOWS),
    "compute/virtualMachine": ClassicType(
        t.VM,
        {
            **_VM_COMMON,
            "vmSize": ("hardwareProfile.vmSize", _same),
            "zones": ("zones", _as_list),
            "storageOsDisk": ("storageProfile.osDisk", _LEGACY_OS_DISK),
            "storageImageReference": ("storageProfile.imageReference", _same),
            "osProfile": ("osProfile", _same),
        },
        convert=_legacy_os,
    ),
    "compute/availabilitySet": ClassicType(
        t.AVAILABILITY_SET,
        {**_COMMON, "platformUpdateDomainCount": ("platformUpdateDomainCount", _same),
         "platformFaultDomainCount": ("platformFaultDomainCount", _same),
         "managed": ("managed", _same),
         "proximityPlacementGroupId": ("proximityPlacementGroup.id", _same)},
        defaults={"platformUpdateDomainCount": 5, "platformFaultDomainCount": 3, "managed": True},
        convert=_managed_sku,
    ),
    "compute/linuxVirtualMachineScaleSet": ClassicType(
        t.SCALE_SET, {**_SCALE_SET_COMMON, "sku": ("sku.name", _same)}, _VMSS_LINUX
    ),
    "compute/windowsVirtualMachineScaleSet": ClassicType(
        t.SCALE_SET, {**_SCALE_SET_COMMON, "sku": ("sku.name", _same)}, _VMSS_WINDOWS
    ),
    "compute/orchestratedVirtualMachineScaleSet": ClassicType(
        t.SCALE_SET,
        {
            **_SCALE_SET_COMMON,
            "skuName": ("sku.name", _same),
            "osProfile": ("virtualMachineProfile.osProfile", _same),
        },
        {"orchestrationMode": "Flexible"},
    ),
    "compute/extension": ClassicType(
        t.VM_EXTENSION,
        {"virtualMachineId": ("virtualMachineId", _same), "settings": ("settings", _json),
         "protectedSettings": ("protectedSettings", _json), "name": ("vmExtensionName", _same)},
    ),
    "compute/dedicatedHost": ClassicType(
        t.DEDICATED_HOST,
        {**_COMMON, "skuName": ("sku.name", _same), "dedicatedHostGroupId": ("hostGroup.id", _same)},
    ),
    "compute/dedicatedHostGroup": ClassicType(
        t.DEDICATED_HOST_GROUP, {**_COMMON, "zone": ("zones", _as_list)}
    ),
    "network/networkInterface": ClassicType(
        t.NIC, {**_COMMON, "ipConfigurations": ("ipConfigurations", _map_list(_IP_CONFIG))}
    ),
    "network/publicIp": ClassicType(
        t.PUBLIC_IP,
        {
            **_COMMON,
            "allocationMethod": ("publicIPAllocationMethod", _same),
            "sku": ("sku.name", _same),
            "skuTier": ("sku.tier", _same),
            "zones": ("zones", _same),
            "ipVersion": ("publicIPAddressVersion", _same),
            "domainNameLabel": ("dnsSettings.domainNameLabel", _same),
        },
        defaults={"sku": "Standard"},  # pulumi-azure 6 (azurerm 4) defaults to Standard
    ),
    "lb/loadBalancer": ClassicType(
        t.LOAD_BALANCER,
        {
            **_COMMON,
            "sku": ("sku.name", _same),
            "skuTier": ("sku.tier", _same),
            "frontendIpConfigurations": ("frontendIPConfigurations", _map_list(_FRONTEND)),
        },
    ),
    "network/subnet": ClassicType(
        t.SUBNET,
        {"resourceGroupName": ("resourceGroupName", _same),
         "virtualNetworkName": ("virtualNetworkName", _same),
         "addressPrefixes": ("addressPrefixes", _same)},
    ),
    "network/virtualNetwork": ClassicType(
        t.VNET,
        {**_COMMON, "addressSpaces": ("addressSpace.addressPrefixes", _same),
         "subnets": ("subnets", _map_list(_rename({})))},
    ),
    "core/resourceGroup": ClassicType(t.RESOURCE_GROUP, dict(_COMMON)),
    "maintenance/configuration": ClassicType(
        t.MAINTENANCE_CONFIGURATION,
        {**_COMMON, "scope": ("maintenanceScope", _same), "window": ("maintenanceWindow", _same),
         "visibility": ("visibility", _same)},
    ),
    "maintenance/assignmentVirtualMachine": ClassicType(
        t.CONFIGURATION_ASSIGNMENT,
        {"location": ("location", _same), "virtualMachineId": ("resourceId", _same),
         "maintenanceConfigurationId": ("maintenanceConfigurationId", _same)},
    ),
    "maintenance/assignmentVirtualMachineScaleSet": ClassicType(
        t.CONFIGURATION_ASSIGNMENT,
        {"location": ("location", _same), "virtualMachineScaleSetId": ("resourceId", _same),
         "maintenanceConfigurationId": ("maintenanceConfigurationId", _same)},
    ),
    "maintenance/assignmentDedicatedHost": ClassicType(
        t.CONFIGURATION_ASSIGNMENT_PARENT,
        {"location": ("location", _same), "dedicatedHostId": ("resourceId", _same),
         "maintenanceConfigurationId": ("maintenanceConfigurationId", _same)},
    ),
    "maintenance/assignmentDynamicScope": ClassicType(
        t.CONFIGURATION_ASSIGNMENT_SUB,
        {"maintenanceConfigurationId": ("maintenanceConfigurationId", _same),
         "filter": ("filter", _FILTER)},
    ),
}

PACKAGE: Final = "azure"
PROVIDER: Final = "pulumi:providers:azure"


def _key(type_token: str) -> str | None:
    """``azure:compute/linuxVirtualMachine:LinuxVirtualMachine`` -> ``compute/linuxVirtualMachine``."""
    parts = type_token.split(":")
    if len(parts) != 3 or parts[0] != PACKAGE:
        return None
    if "/" not in parts[1]:  # the short form Pulumi YAML accepts: azure:compute:AvailabilitySet
        return f"{parts[1]}/{parts[2][:1].lower()}{parts[2][1:]}"
    return parts[1]


def is_classic(type_token: str) -> bool:
    return type_token.startswith(PACKAGE + ":")


def kind_of(type_token: str) -> str:
    """The inventory kind of a type token of either provider (unmapped tokens unchanged)."""
    key = _key(type_token)
    mapping = MAPPINGS.get(key) if key else None
    return mapping.kind if mapping else t.kind_of(type_token)


def _is_secret(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get(SIG_KEY) == SECRET_SIG


def _convert(
    mapping: ClassicType, props: Mapping[str, Any], constants: bool
) -> tuple[dict[str, Any], dict[str, str]]:
    """(azure-native properties, classic top-level key -> azure-native top-level key)."""
    out: dict[str, Any] = {}
    renamed: dict[str, str] = {}
    name_prop = t.NAME_PROPERTIES.get(mapping.kind)
    for key, value in props.items():
        if key == "name":
            out["name"] = value
            if name_prop:
                out[name_prop] = value
            continue
        path, conv = mapping.inputs.get(key, (key, _same))
        renamed[key] = path.split(".", 1)[0]
        if value is None:
            continue
        _put(out, path, value if _is_secret(value) else conv(value))
    if mapping.convert is not None:
        mapping.convert(out)
    if constants:
        for path, value in mapping.constants.items():
            _put(out, path, json.loads(json.dumps(value)))
    return out, renamed


@dataclass(frozen=True)
class Native:
    """A classic resource in azure-native shape."""

    kind: str
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any] | None
    property_dependencies: Mapping[str, tuple[str, ...]]


def native(type_token: str, inputs: Mapping[str, Any], outputs: Mapping[str, Any] | None,
           property_dependencies: Mapping[str, tuple[str, ...]]) -> Native | None:
    """The azure-native shape of a classic resource; None for tokens that are not mapped."""
    key = _key(type_token)
    mapping = MAPPINGS.get(key) if key else None
    if mapping is None:
        return None
    new_inputs, renamed = _convert(mapping, inputs, constants=True)
    new_outputs: dict[str, Any] = {}
    if outputs is not None:
        new_outputs, more = _convert(mapping, outputs, constants=True)
        renamed.update(more)
    for path, value in mapping.defaults.items():
        if path not in inputs and (outputs is None or path not in outputs):
            converted, _ = _convert(mapping, {path: value}, constants=False)
            for top, item in converted.items():
                new_outputs.setdefault(top, item)
    deps: dict[str, list[str]] = {}
    for key_, urns in property_dependencies.items():
        deps.setdefault(renamed.get(key_, key_), []).extend(urns or ())
    return Native(
        kind=mapping.kind,
        inputs=new_inputs,
        outputs=new_outputs or None,
        property_dependencies={k: tuple(dict.fromkeys(v)) for k, v in deps.items()},
    )


# Packages whose resources hold no cloud infrastructure to judge (ids, keys, commands, time).
_NEUTRAL_PACKAGES: Final = frozenset(
    {"pulumi", "random", "tls", "command", "time", "std", "cloudinit", "archive", "local",
     "null", "http", "external", "azuread"}
)


def unmodelled(type_token: str) -> bool:
    """A resource maintcheck cannot judge although it may be infrastructure: another cloud's
    (aws, gcp, kubernetes...), or a classic azure type without an azure-native mapping."""
    package = type_token.split(":", 1)[0]
    if package.startswith("azure-native") or package in _NEUTRAL_PACKAGES:
        return False
    if package == PACKAGE:
        key = _key(type_token)
        return key is not None and key not in MAPPINGS
    return True


def unmodelled_warning(counts: Mapping[str, int]) -> str | None:
    """One warning naming the types of resources no rule judged, with how many of each."""
    if not counts:
        return None
    total = sum(counts.values())
    shown = ", ".join(f"{token} ({n})" for token, n in sorted(counts.items()))
    return (
        f"{total} resource{'s' if total != 1 else ''} of types maintcheck does not model "
        f"{'were' if total != 1 else 'was'} not judged: {shown}. maintcheck judges Azure VMs, "
        "scale sets and what they use, declared with azure-native or the classic azure provider; "
        "no finding for these is not an all-clear."
    )
