"""Reaching network resources from VMs: VM -> NIC -> ip configuration -> public IP / subnet.

Shared by MC201 and MC202. References resolve through ids or property dependencies (see
:meth:`Inventory.refs`). Scale sets are not followed: their instances' NICs and IPs are per
instance and rotate by design.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checker.azure import types as t
from checker.inventory import Inventory, Resource, name_or_logical
from checker.rules.support.snippets import identifier
from checker.values import UNKNOWN

Ref = Any  # Resource | UNKNOWN | None


@dataclass(frozen=True)
class IpConfig:
    """One ip configuration of a NIC that a VM uses.

    ``owner`` is the resource whose inputs declare it: the NIC, or the VM itself when the VM
    declares its NICs inline (``networkProfile.networkInterfaceConfigurations``). ``pointer``
    is the JSON pointer of the configuration in the owner's inputs.
    """

    vm: Resource
    owner: Resource
    nic_label: str
    pointer: str
    name: str
    props: Mapping[str, Any]
    public_ip: Ref  # the public IP resource (NIC configs), UNKNOWN, or None
    subnet: Any  # a Subnet, UNKNOWN, or None

    @property
    def inline(self) -> bool:
        return self.owner is self.vm


@dataclass(frozen=True)
class Subnet:
    """A subnet with its address prefixes; ``key`` identifies it across NICs."""

    key: str
    name: str
    prefixes: tuple[str, ...]
    var: str = "subnet"  # how a program would name it: the Subnet resource's variable


@dataclass(frozen=True)
class Unjudged:
    """A VM (or NIC) whose network configuration cannot be followed, and why."""

    resource: Resource
    reason: str


def _as_list(value: Any) -> Any:
    if value is UNKNOWN or value is None:
        return value
    return value if isinstance(value, list) else None


def vm_nics(inv: Inventory, vm: Resource) -> Any:
    """The NICs a VM references (Resource or UNKNOWN each), or UNKNOWN when the list is."""
    nics = _as_list(vm.get("networkProfile.networkInterfaces"))
    if nics is UNKNOWN:
        return UNKNOWN
    if not nics:
        return []
    return inv.refs(vm, "networkProfile", nics, [t.NIC], any_order=True)


def _config_name(config: Any, index: int) -> str:
    name = config.get("name") if isinstance(config, Mapping) else None
    return name if isinstance(name, str) and name else f"#{index}"


def _refs_at(inv: Inventory, res: Resource, via: str, values: Sequence[Any], kinds: list[str]) -> list[Ref]:
    """Resolve the references present in ``values`` (None where absent), in order."""
    present = [i for i, v in enumerate(values) if v is not None]
    resolved = inv.refs(res, via, [values[i] for i in present], kinds) if present else []
    out: list[Ref] = [None] * len(values)
    for i, ref in zip(present, resolved, strict=True):
        out[i] = ref
    return out


def _ref_value(config: Any, key: str) -> Any:
    """The reference held at ``key`` of an ip configuration: an ``{id}`` object, UNKNOWN or None."""
    if not isinstance(config, Mapping):
        return None
    value = config.get(key)
    if value is UNKNOWN:
        return {"id": UNKNOWN}
    if isinstance(value, Mapping):
        return value if "id" in value else None
    return None


def nic_ip_configs(inv: Inventory, vm: Resource, nic: Resource) -> Any:
    """The ip configurations of a NIC, or UNKNOWN when its list is not known."""
    configs = _as_list(nic.get("ipConfigurations"))
    if configs is UNKNOWN:
        return UNKNOWN
    configs = configs or []
    publics = _refs_at(
        inv, nic, "ipConfigurations", [_ref_value(c, "publicIPAddress") for c in configs], [t.PUBLIC_IP]
    )
    subnets = nic_subnets(inv, nic)
    return [
        IpConfig(
            vm=vm,
            owner=nic,
            nic_label=nic.name,
            pointer=f"/ipConfigurations/{i}",
            name=_config_name(c, i),
            props=c if isinstance(c, Mapping) else {},
            public_ip=publics[i],
            subnet=subnets[i],
        )
        for i, c in enumerate(configs)
    ]


def inline_ip_configs(inv: Inventory, vm: Resource) -> Any:
    """Ip configurations of NICs the VM declares inline, or UNKNOWN."""
    nics = _as_list(vm.get("networkProfile.networkInterfaceConfigurations"))
    if nics is UNKNOWN:
        return UNKNOWN
    found: list[tuple[str, str, Any]] = []  # (NIC label, pointer, config)
    for n, nic in enumerate(nics or []):
        configs = _as_list(nic.get("ipConfigurations")) if isinstance(nic, Mapping) else None
        if configs is UNKNOWN:
            return UNKNOWN
        pointer = f"/networkProfile/networkInterfaceConfigurations/{n}/ipConfigurations"
        found.extend((_config_name(nic, n), f"{pointer}/{i}", c) for i, c in enumerate(configs or []))
    if not found:  # most VMs: their NICs are resources of their own
        return []
    subnets = subnets_of(inv, vm, [c for _, _, c in found], via="networkProfile")
    return [
        IpConfig(
            vm=vm,
            owner=vm,
            nic_label=label,
            pointer=pointer,
            name=_config_name(config, int(pointer.rsplit("/", 1)[1])),
            props=config if isinstance(config, Mapping) else {},
            public_ip=None,
            subnet=subnet,
        )
        for (label, pointer, config), subnet in zip(found, subnets, strict=True)
    ]


def vm_ip_configs(inv: Inventory) -> Iterator[IpConfig | Unjudged]:
    """Every ip configuration reachable from a scanned VM, each NIC once (for the first VM by
    name that references it), then what could not be followed. Computed once per inventory."""
    return iter(inv.memo(_all_vm_ip_configs))


def _all_vm_ip_configs(inv: Inventory) -> tuple[IpConfig | Unjudged, ...]:
    return tuple(_vm_ip_configs(inv))


def _vm_ip_configs(inv: Inventory) -> Iterator[IpConfig | Unjudged]:
    seen: set[Resource] = set()
    for vm in inv.of_kind(t.VM):
        nics = vm_nics(inv, vm)
        if nics is UNKNOWN:
            yield Unjudged(vm, "its network interfaces are not known")
        for nic in nics if isinstance(nics, list) else []:
            if not isinstance(nic, Resource):
                yield Unjudged(vm, "a network interface is unknown or outside the scan")
                continue
            if nic in seen:
                continue
            seen.add(nic)
            configs = nic_ip_configs(inv, vm, nic)
            if configs is UNKNOWN:
                yield Unjudged(nic, f"the ip configurations of VM {vm.name!r}'s NIC are not known")
                continue
            yield from configs
        inline = inline_ip_configs(inv, vm)
        if inline is UNKNOWN:
            yield Unjudged(vm, "its inline network interface configurations are not known")
        else:
            yield from inline


# -- subnets ---------------------------------------------------------------------------------


def _prefixes(props: Mapping[str, Any]) -> Any:
    values: list[Any] = []
    single = props.get("addressPrefix")
    many = props.get("addressPrefixes")
    if single is not None:
        values.append(single)
    if isinstance(many, list):
        values.extend(many)
    elif many is UNKNOWN:
        values.append(UNKNOWN)
    if not values or any(not isinstance(v, str) for v in values):
        return UNKNOWN
    return tuple(values)


def _last_segment(arm_id: Any, parent: str) -> str | None:
    """The name after ``parent`` in an ARM id (``subnets`` -> subnet name)."""
    if not isinstance(arm_id, str):
        return None
    segs = [s for s in arm_id.split("/") if s]
    low = [s.lower() for s in segs]
    if parent in low:
        i = len(low) - 1 - low[::-1].index(parent)
        return segs[i + 1] if i + 1 < len(segs) else None
    return None


def _vnet_id(arm_id: Any) -> str | None:
    if not isinstance(arm_id, str):
        return None
    head, sep, _tail = arm_id.lower().rpartition("/subnets/")
    return arm_id[: len(head)] if sep else None


def subnets_of(
    inv: Inventory, res: Resource, configs: Sequence[Any], via: str = "ipConfigurations"
) -> list[Any]:
    """The Subnet of each ip configuration: a standalone Subnet resource, or a subnet declared
    inside a VirtualNetwork's ``subnets``; UNKNOWN when it cannot be found; None when the
    configuration names no subnet."""
    refs = [_ref_value(c, "subnet") for c in configs]
    found = _refs_at(inv, res, via, refs, [t.SUBNET])
    return [_subnet(inv, res, via, ref, hit) for ref, hit in zip(refs, found, strict=True)]


def nic_subnets(inv: Inventory, nic: Resource) -> tuple[Any, ...]:
    """:func:`subnets_of` the NIC's ``ipConfigurations`` (empty when they are not a list),
    computed once per inventory."""
    return inv.memo(_nic_subnets, nic)


def _nic_subnets(inv: Inventory, nic: Resource) -> tuple[Any, ...]:
    configs = _as_list(nic.get("ipConfigurations"))
    return tuple(subnets_of(inv, nic, configs)) if isinstance(configs, list) else ()


def _subnet(inv: Inventory, nic: Resource, via: str, ref: Any, found: Ref) -> Any:
    if ref is None:
        return None
    if isinstance(found, Resource):
        return inv.memo(_subnet_resource, found)  # once per subnet, however many NICs use it
    arm_id = ref.get("id")
    vnet: Ref = UNKNOWN
    vnet_id = _vnet_id(arm_id)
    if vnet_id:
        vnet = inv.by_id(nic, vnet_id, [t.VNET])
    if not isinstance(vnet, Resource):
        candidates = inv.dependency_candidates(nic, via, [t.VNET])
        vnet = candidates[0] if len(candidates) == 1 else UNKNOWN
    if not isinstance(vnet, Resource):
        return UNKNOWN
    name = _last_segment(arm_id, "subnets")
    return inv.memo(_subnet_in_vnet, vnet, name.lower() if name is not None else None)


def _subnet_resource(_inv: Inventory, found: Resource) -> Any:
    prefixes = _prefixes(found.props)
    if prefixes is UNKNOWN:
        return UNKNOWN
    return Subnet(found.urn, name_or_logical(found), prefixes, identifier(found.name))


def _subnet_in_vnet(_inv: Inventory, vnet: Resource, name: str | None) -> Any:
    """The subnet ``name`` (lower case; None: the only one) declared in ``vnet``'s ``subnets``."""
    subnets = vnet.get("subnets")
    if not isinstance(subnets, list):
        return UNKNOWN
    named = [s for s in subnets if isinstance(s, Mapping) and isinstance(s.get("name"), str)]
    if name is not None:
        match = [s for s in named if str(s["name"]).lower() == name.lower()]
    else:
        match = list(subnets) if len(subnets) == 1 else []
    if len(match) != 1 or not isinstance(match[0], Mapping):
        return UNKNOWN
    prefixes = _prefixes(match[0])
    if prefixes is UNKNOWN:
        return UNKNOWN
    sub_name = str(match[0].get("name") or name or "default")
    return Subnet(f"{vnet.urn}/subnets/{sub_name.lower()}", sub_name, prefixes)


def subnet_addresses(inv: Inventory) -> dict[str, set[str]]:
    """Private addresses in use per subnet key: every scanned NIC's ip configuration whose
    address is known (static inputs, or the current address from outputs)."""
    used: dict[str, set[str]] = {}
    for nic in inv.of_kind(t.NIC):
        configs = _as_list(nic.get("ipConfigurations"))
        if not isinstance(configs, list):
            continue
        for config, subnet in zip(configs, nic_subnets(inv, nic), strict=True):
            address = config.get("privateIPAddress") if isinstance(config, Mapping) else None
            if isinstance(address, str) and isinstance(subnet, Subnet):
                used.setdefault(subnet.key, set()).add(_canonical(address))
    return used


def _canonical(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return address


class AddressPool:
    """Hands out free private addresses of subnets in order, never the same one twice.

    Azure reserves the first four addresses of a prefix and the last one; ``used`` maps a
    subnet key to the addresses already in use there. One pool serves one rule run.
    """

    def __init__(self, used: Mapping[str, set[str]]) -> None:
        self._used: dict[str, set[int]] = {key: _as_ints(values) for key, values in used.items()}
        self._cursor: dict[tuple[str, str], int] = {}

    def take(self, subnet: Subnet, version: int = 4) -> str | None:
        used = self._used.setdefault(subnet.key, set())
        for prefix in subnet.prefixes:
            span = _span(prefix, version)
            if span is None:
                continue
            first, last = span
            value = self._cursor.get((subnet.key, prefix), first)
            while value <= last and value in used:
                value += 1
            self._cursor[(subnet.key, prefix)] = value
            if value <= last:
                used.add(value)
                return str(ipaddress.ip_address(value))
        return None


@functools.lru_cache(maxsize=1024)
def _span(prefix: str, version: int) -> tuple[int, int] | None:
    """(first, last) address Azure lets a NIC use in ``prefix`` (it reserves the first four
    and the last), as integers; None for a prefix of another IP version, one too small, or
    not a prefix. Cached: every NIC of a subnet asks for the same prefix."""
    try:
        net = ipaddress.ip_network(prefix, strict=False)
    except ValueError:
        return None
    if net.version != version or net.num_addresses < 8:
        return None
    return int(net.network_address) + 4, int(net.broadcast_address) - 1


def _as_ints(addresses: set[str]) -> set[int]:
    out: set[int] = set()
    for address in addresses:
        try:
            out.add(int(ipaddress.ip_address(address)))
        except ValueError:
            continue
    return out


def free_address(subnet: Subnet, taken: set[str], version: int = 4) -> str | None:
    """The first address of the subnet that Azure does not reserve and that is not in
    ``taken``; None when there is none."""
    return AddressPool({subnet.key: taken}).take(subnet, version)


def config_subnet_id(cfg: IpConfig) -> str:
    """A Python expression for the subnet id of an ip configuration: ``<subnet variable>.id``
    as the user's program would write it when the subnet is in the scan, else the id when it
    is known (a subnet deployed elsewhere), else ``subnet.id``."""
    if isinstance(cfg.subnet, Subnet):
        return f"{cfg.subnet.var}.id"
    ref = cfg.props.get("subnet")
    arm_id = ref.get("id") if isinstance(ref, Mapping) else None
    return repr(arm_id) if isinstance(arm_id, str) and arm_id else "subnet.id"
