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

from checker import jsonpointer
from checker.azure import types as t
from checker.values import SECRET_SIG, SIG_KEY

Convert = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str | int) else value


@dataclass(frozen=True)
class MapList:
    """Converts each element of a list with ``item`` (other values pass unchanged)."""

    item: Convert

    def __call__(self, value: Any) -> Any:
        return [self.item(v) for v in value] if isinstance(value, list) else value


def _map_list(convert: Convert) -> Convert:
    return MapList(convert)


@dataclass(frozen=True)
class Rename:
    """A classic object -> the azure-native object (keys renamed, nested paths built); the same
    ``table`` maps patch paths and values back (:func:`classic_patch`)."""

    table: Mapping[str, tuple[str, Convert]]

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, Mapping) or SIG_KEY in value:
            return value
        out: dict[str, Any] = {}
        for key, item in value.items():
            path, conv = self.table.get(key, (key, _same))
            if item is not None:
                _put(out, path, conv(item))
        return out


def _rename(table: Mapping[str, tuple[str, Convert]]) -> Convert:
    return Rename(table)


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
def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


_SCALE_SET_IP_CONFIG = _rename(
    {
        "subnetId": ("subnet.id", _same),
        "publicIpAddresses": ("publicIPAddressConfiguration", _first),
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
    # azure-native paths that ``convert`` builds -> (classic input, azure-native value -> classic)
    back: Mapping[str, tuple[str, Convert]] = field(default_factory=dict)


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
        back={"osProfile.linuxConfiguration": ("osProfileLinuxConfig", _same),
              "osProfile.windowsConfiguration": ("osProfileWindowsConfig", _same)},
    ),
    "compute/availabilitySet": ClassicType(
        t.AVAILABILITY_SET,
        {**_COMMON, "platformUpdateDomainCount": ("platformUpdateDomainCount", _same),
         "platformFaultDomainCount": ("platformFaultDomainCount", _same),
         "managed": ("managed", _same),
         "proximityPlacementGroupId": ("proximityPlacementGroup.id", _same)},
        defaults={"platformUpdateDomainCount": 5, "platformFaultDomainCount": 3, "managed": True},
        convert=_managed_sku,
        back={"sku.name": ("managed", lambda name: name == "Aligned" if isinstance(name, str) else name)},
    ),
    "compute/linuxVirtualMachineScaleSet": ClassicType(
        t.SCALE_SET,
        {**_SCALE_SET_COMMON, "sku": ("sku.name", _same)},
        _VMSS_LINUX,
        defaults={"instances": 0},  # the provider's default: a set that runs no VM
    ),
    "compute/windowsVirtualMachineScaleSet": ClassicType(
        t.SCALE_SET,
        {**_SCALE_SET_COMMON, "sku": ("sku.name", _same)},
        _VMSS_WINDOWS,
        defaults={"instances": 0},  # the provider's default: a set that runs no VM
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


# -- The other direction: azure-native patch paths and values -> the classic inputs ------------

def _only(value: Any) -> Any:
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _id_of(value: Any) -> Any:
    return value.get("id", value) if isinstance(value, Mapping) else value


def _ids(value: Any) -> Any:
    return [_id_of(v) for v in value] if isinstance(value, list) else value


def _dumps(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, Mapping | list) else value


def _one_list(value: Any) -> Any:
    return value if isinstance(value, list) else [value]


# The inverse of each plain convert (the objects, Rename and MapList, invert themselves).
_BACK: Final[dict[Any, Convert]] = {
    _same: _same, _as_list: _only, _ref: _id_of, _nic_refs: _ids, _json: _dumps, _first: _one_list,
}


def _back(convert: Convert) -> Convert:
    """azure-native value -> classic value, for a value ``convert`` produced."""
    if isinstance(convert, Rename):
        return lambda value: _object_back(convert.table, value)
    if isinstance(convert, MapList):
        item = _back(convert.item)
        return lambda value: [item(v) for v in value] if isinstance(value, list) else value
    return _BACK.get(convert, _same)


def _object_back(table: Mapping[str, tuple[str, Convert]], value: Any) -> Any:
    """An azure-native object -> the classic object (keys without an entry keep their name)."""
    if not isinstance(value, Mapping) or SIG_KEY in value:
        return value
    out: dict[str, Any] = {}

    def walk(prefix: tuple[str, ...], item: Any) -> None:
        found = _find(table, {}, prefix)
        if found is not None:
            _put(out, ".".join(found[0]), found[1](item))
        elif isinstance(item, Mapping) and SIG_KEY not in item and item:
            for key, child in item.items():
                walk((*prefix, str(key)), child)
        else:
            _put(out, ".".join(prefix), item)

    for key, item in value.items():
        walk((str(key),), item)
    return out


Found = tuple[tuple[str, ...], Convert]


def _find(
    table: Mapping[str, tuple[str, Convert]],
    back: Mapping[str, tuple[str, Convert]],
    segments: tuple[str, ...],
) -> Found | None:
    """The classic path (keys and list indexes) for an azure-native one, with the conversion of
    its value; None when the classic provider has no input there. Later table entries win
    (the common entries come first, a type's own ones after)."""
    for built, (key, convert) in back.items():
        if segments == tuple(built.split(".")):
            return (key,), convert
    for key, (path, convert) in reversed(list(table.items())):
        native = tuple(path.split("."))
        if segments[: len(native)] != native:
            continue
        rest = segments[len(native):]
        if not rest:
            return (key,), _back(convert)
        if isinstance(convert, MapList) and jsonpointer.is_index(rest[0]):
            if len(rest) == 1:
                return (key, rest[0]), _back(convert.item)
            if isinstance(convert.item, Rename):
                inner = _find(convert.item.table, {}, rest[1:])
                if inner is not None:
                    return (key, rest[0], *inner[0]), inner[1]
            return None
        if isinstance(convert, Rename):
            inner = _find(convert.table, {}, rest)
            return None if inner is None else ((key, *inner[0]), inner[1])
        if convert is _same:  # a block the classic provider spells as azure-native does
            return (key, *rest), _same
        return None
    return None


def _mapping(type_token: str) -> ClassicType | None:
    key = _key(type_token)
    return MAPPINGS.get(key) if key else None


def _fill(target: dict[str, Any], key: str, value: Any) -> None:
    """Set ``target[key]`` to ``value`` where it is absent, recursively inside objects: a
    default nested under a key the resource already has (``sku.capacity`` beside ``sku.name``)
    is filled in, a value it has is kept."""
    have = target.get(key)
    if isinstance(have, dict) and isinstance(value, Mapping):
        for sub, item in value.items():
            _fill(have, sub, item)
    elif key not in target:
        target[key] = value


def classic_patch(
    type_token: str, ops: tuple[tuple[str, str, Any], ...]
) -> tuple[list[tuple[str, str, Any]], list[str]] | None:
    """``(op, path, value)`` operations on the azure-native shape of a classic resource, written
    on its classic inputs (``/availabilitySet/id`` -> ``/availabilitySetId``, ``/zones`` ["2"]
    -> ``/zone`` "2", a set's ``/sku/name`` Aligned -> ``/managed`` true), and the paths that
    have no classic input (kept as they are in the operations). None for unmapped types."""
    mapping = _mapping(type_token)
    if mapping is None:
        return None
    out: list[tuple[str, str, Any]] = []
    unmapped: list[str] = []

    def place(op: str, segments: tuple[str, ...], value: Any) -> tuple[list[tuple[str, str, Any]], list[str]]:
        found = _find(mapping.inputs, mapping.back, segments)
        if found is not None:
            return [(op, jsonpointer.join(found[0]), None if op == "remove" else found[1](value))], []
        if op != "remove" and isinstance(value, Mapping) and SIG_KEY not in value and value:
            # {"id": x} under /availabilitySet -> /availabilitySet/id, when a part has an input
            placed = [place("add", (*segments, str(k)), v) for k, v in value.items()]
            if any(len(ops) > len(missing) for ops, missing in placed):
                return [o for ops, _ in placed for o in ops], [m for _, missing in placed for m in missing]
        return [(op, jsonpointer.join(segments), value)], [jsonpointer.join(segments)]

    for op, path, value in ops:
        placed, missing = place(op, jsonpointer.segments(path), value)
        out.extend(placed)
        unmapped.extend(missing)
    return out, unmapped


def classic_class(type_token: str) -> tuple[str, str]:
    """(module, class) of a classic type: ``azure:lb/loadBalancer:LoadBalancer`` -> (lb,
    LoadBalancer); the SDKs spell it ``azure.lb.LoadBalancer``."""
    parts = type_token.split(":")
    return parts[1].split("/", 1)[0], parts[-1]


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
                _fill(new_outputs, top, item)
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
