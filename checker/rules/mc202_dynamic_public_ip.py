"""MC202 dynamic-public-ip: a public IP that a VM uses is allocated dynamically."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from checker.inventory import Inventory, Resource
from checker.model import Finding, Fix, PatchOp, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from checker.rules.support import network as net
from checker.rules.support import snippets as s
from checker.values import UNKNOWN, get_path, is_known

DOC = RuleDoc(
    what=(
        "Checks the public IP addresses reached from a virtual machine's network interfaces "
        "(VM -> NIC -> ip configuration -> public IP, and public IP configurations declared "
        "inline in the VM) for `publicIPAllocationMethod` `Dynamic`, or unset with a Basic or "
        "unset SKU (Basic defaults to Dynamic; Standard is always Static)."
    ),
    why=(
        "A dynamic public address belongs to the VM only while it runs on its host: it is "
        "released when the VM is deallocated, and Azure's planned-maintenance documentation says "
        "a redeploy to an updated host updates the dynamic addresses of the VM's network "
        "interface. DNS records, partner allow-lists and clients pinned to the old address stop "
        "working. Basic SKU public IPs were also retired on 30 September 2025."
    ),
    example=(
        "pip = azure_native.network.PublicIPAddress(\n"
        '    "web-pip",\n'
        '    resource_group_name="app-rg",\n'
        '    public_ip_allocation_method="Dynamic",\n'
        '    sku=azure_native.network.PublicIPAddressSkuArgs(name="Basic"),\n'
        ")"
    ),
    fix=(
        'Use `sku=PublicIPAddressSkuArgs(name="Standard")` with '
        '`public_ip_allocation_method="Static"`. Changing the SKU recreates the public IP, so its '
        "address changes once, at that deployment; after that it stays. Standard public IPs are "
        "closed to inbound traffic unless a network security group allows it: check the NSG of "
        "the NIC or subnet."
    ),
)

_CONSEQUENCE = (
    "a redeploy during planned maintenance (or any deallocation) can give it a new address, "
    "breaking DNS records and allow-lists that use it"
)


def _verdict(props: Mapping[str, Any]) -> Any:
    """Why the allocation is dynamic; None when it is static; UNKNOWN when it cannot be told."""
    method = props.get("publicIPAllocationMethod")
    sku = get_path(props, "sku.name")
    if method is not None and not is_known(method):
        return UNKNOWN
    if isinstance(method, str):
        return f"publicIPAllocationMethod is {method!r}" if method.lower() == "dynamic" else None
    if sku is not None and not is_known(sku):
        return UNKNOWN
    if sku is None:
        return "publicIPAllocationMethod and sku are not set, so it is a Basic, Dynamic IP"
    if isinstance(sku, str) and sku.lower() == "basic":
        return "publicIPAllocationMethod is not set and the Basic SKU allocates Dynamic"
    return None


def _patch(owner_inputs: Mapping[str, Any], pointer: str) -> tuple[PatchOp, ...]:
    """Standard SKU + Static, at ``pointer`` in the owner's inputs (a public IP itself: "")."""
    target = net.at_pointer(owner_inputs, pointer)
    sku_given = isinstance(target, Mapping) and isinstance(target.get("sku"), Mapping)
    ops = [
        PatchOp("add", f"{pointer}/sku/name", "Standard")
        if sku_given
        else PatchOp("add", f"{pointer}/sku", {"name": "Standard"})
    ]
    ops.append(PatchOp("add", f"{pointer}/publicIPAllocationMethod", "Static"))
    return tuple(ops)


def _is_standard(props: Mapping[str, Any]) -> bool:
    sku = get_path(props, "sku.name")
    return isinstance(sku, str) and sku.lower() == "standard"


_TITLE = (
    "Use a Standard SKU public IP with Static allocation{replace}; Standard IPs are closed to "
    "inbound traffic unless a network security group allows it"
)


def _resource_fix(pip: Resource) -> Fix:
    replace = not _is_standard(pip.props)
    snippet = "\n".join(
        [
            s.IMPORT,
            s.call(
                "network.PublicIPAddress",
                pip.name,
                s.resource_group_arg(pip),
                'sku=azure_native.network.PublicIPAddressSkuArgs(name="Standard")',
                'public_ip_allocation_method="Static"',
            ),
        ]
    )
    return Fix(
        title=_TITLE.format(
            replace=" (the public IP is recreated, so its address changes once)" if replace else ""
        ),
        patch=_patch(pip.inputs, ""),
        snippet=snippet,
        replacement=replace,
    )


def _inline_fix(cfg: net.IpConfig, pointer: str, props: Mapping[str, Any]) -> Fix:
    name = props.get("name")
    label = name if isinstance(name, str) else f"{cfg.vm.name}-pip"
    snippet = "\n".join(
        [
            s.IMPORT,
            f"# In VM {cfg.vm.name!r}, ip configuration {cfg.name!r} of NIC {cfg.nic_label!r}:",
            "public_ip_address_configuration = (",
            "    azure_native.compute.VirtualMachinePublicIPAddressConfigurationArgs(",
            f"        name={label!r},",
            '        sku=azure_native.compute.PublicIPAddressSkuArgs(name="Standard"),',
            '        public_ip_allocation_method="Static",',
            "    )",
            ")",
        ]
    )
    return Fix(
        title=_TITLE.format(
            replace=" (the VM is updated in place; Azure recreates its public IP, so the address "
            "changes once)"
        ),
        patch=_patch(cfg.vm.inputs, pointer),
        snippet=snippet,
        replacement=False,  # the finding is on the VM, which stays; only the public IP is new
    )


def _check_config(cfg: net.IpConfig, seen: set[Resource]) -> Iterator[Finding | Skipped]:
    if cfg.inline:
        props = cfg.props.get("publicIPAddressConfiguration")
        if props is None:
            return
        if not isinstance(props, Mapping):
            yield RULE.skipped(cfg.vm, f"the public IP of {cfg.nic_label!r} is not known")
            return
        why = _verdict(props)
        if why is UNKNOWN:
            yield RULE.skipped(cfg.vm, f"the public IP allocation of {cfg.nic_label!r} is not known")
        elif why is not None:
            pointer = f"{cfg.pointer}/publicIPAddressConfiguration"
            message = (
                f"VM {cfg.vm.name!r}: the public IP declared inline on NIC {cfg.nic_label!r} is "
                f"allocated dynamically ({why}): {_CONSEQUENCE}"
            )
            yield RULE.finding(cfg.vm, message, (_inline_fix(cfg, pointer, props),))
        return
    pip = cfg.public_ip
    if pip is UNKNOWN:
        yield RULE.skipped(
            cfg.owner, f"the public IP of ip configuration {cfg.name!r} is unknown or outside the scan"
        )
        return
    if not isinstance(pip, Resource) or pip in seen:
        return
    seen.add(pip)
    why = _verdict(pip.props)
    if why is UNKNOWN:
        yield RULE.skipped(pip, "its allocation method or SKU is not known")
    elif why is not None:
        message = (
            f"Public IP {pip.name!r} of VM {cfg.vm.name!r} (NIC {cfg.owner.name!r}) is allocated "
            f"dynamically ({why}): {_CONSEQUENCE}"
        )
        yield RULE.finding(pip, message, (_resource_fix(pip),))


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    seen: set[Resource] = set()
    for cfg in net.vm_ip_configs(inv):
        if isinstance(cfg, net.Unjudged):
            yield RULE.skipped(cfg.resource, cfg.reason)
            continue
        yield from _check_config(cfg, seen)


RULE = Rule(
    id="MC202",
    slug="dynamic-public-ip",
    severity=Severity.WARNING,
    title="VM public IP with dynamic allocation",
    doc=DOC,
    check=check,
)
