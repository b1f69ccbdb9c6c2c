"""MC201 dynamic-private-ip: a VM's NIC gets its private address dynamically."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from checker import jsonpointer
from checker.inventory import Inventory, Resource
from checker.model import Finding, Fix, PatchOp, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from checker.rules.support import network as net
from checker.rules.support import snippets as s
from checker.values import is_known

DOC = RuleDoc(
    what=(
        "Checks the ip configurations of the network interfaces that virtual machines use (NIC "
        "resources referenced from `networkProfile.networkInterfaces`, and NICs declared inline "
        "in `networkProfile.networkInterfaceConfigurations`) for a private IP whose "
        "`privateIPAllocationMethod` is `Dynamic` or unset (Azure's default is Dynamic). Scale "
        "set instances are not judged: their addresses are per instance by design."
    ),
    why=(
        "Azure's redeploy documentation (the seed of planned-maintenance advice) says that after "
        "a redeploy \"the dynamic IP addresses associated with virtual network interface are "
        "updated\"; its IP addressing documentation says a dynamic private address is released "
        "only when the NIC is deleted, moved to another subnet or switched to static with "
        "another address. Either way a VM that others reach by its private address - through "
        "DNS A records, connection strings, firewall or NSG rules, load balancer-less clusters - "
        "should not depend on which reading holds: a static address is the documented guarantee."
    ),
    example=(
        "nic = azure_native.network.NetworkInterface(\n"
        '    "db-nic",\n'
        '    resource_group_name="app-rg",\n'
        "    ip_configurations=[azure_native.network.NetworkInterfaceIPConfigurationArgs(\n"
        '        name="ipconfig1",\n'
        "        subnet=azure_native.network.SubnetArgs(id=subnet.id),\n"
        "        # no private_ip_allocation_method: Dynamic\n"
        "    )],\n"
        ")"
    ),
    fix=(
        'Set `private_ip_allocation_method="Static"` and a `private_ip_address`. maintcheck '
        "proposes a concrete address: the NIC's current address when the stack knows it, else "
        "the first address of the subnet's prefix that Azure does not reserve (the first four "
        "and the last are reserved) and that no other scanned NIC uses - verify it is unused "
        "before applying. Changing the allocation method updates the NIC in place. NICs declared "
        "inline in the VM cannot set a static address: declare a NetworkInterface resource "
        "instead."
    ),
)

_DOCS_QUOTE = (
    "Azure's redeploy documentation says a redeploy (self-service maintenance) updates the "
    "dynamic IP addresses of the NIC, while its IP addressing documentation says a dynamic "
    "private address is kept until the NIC is deleted or moved to another subnet; a static "
    "address removes the doubt for everything that reaches this VM by address"
)


def _method_text(method: Any) -> str:
    if method is None:
        return "privateIPAllocationMethod is not set, so Azure allocates it Dynamic"
    return f"privateIPAllocationMethod is {method!r}"


def _version(props: Any) -> int:
    version = props.get("privateIPAddressVersion")
    return 6 if isinstance(version, str) and version.lower() == "ipv6" else 4


def _proposal(cfg: net.IpConfig, pool: net.AddressPool) -> tuple[str | None, str]:
    """(address, how it was chosen) for the static address the fix sets."""
    current = cfg.props.get("privateIPAddress")
    if isinstance(current, str) and current:
        return current, (
            f"its current address {current}: switching to Static with the address it has "
            f"changes nothing live"
        )
    subnet = cfg.subnet
    if not isinstance(subnet, net.Subnet):
        return None, "a free address of its subnet (the subnet's prefix is not known)"
    address = pool.take(subnet, _version(cfg.props))
    if address is None:
        return None, f"a free address of subnet {subnet.name!r} (none left to propose)"
    prefixes = ", ".join(subnet.prefixes)
    return address, (
        f"{address} from subnet {subnet.name!r} ({prefixes}): verify it is unused; on an "
        f"existing VM use its current address (`az network nic show`), or the live IP changes"
    )


# Keys of an ip configuration the fix writes itself.
_WRITTEN = ("name", "subnet", "privateIPAllocationMethod", "privateIPAddress")


def _reference(inv: Inventory, cfg: net.IpConfig, value: Any) -> str | None:
    """``{'id': <variable>.id}`` for a reference to a scanned resource, as the program would
    write it; None for other references (a child id such as a backend pool)."""
    arm_id = value.get("id") if isinstance(value, Mapping) and set(value) == {"id"} else None
    if not isinstance(arm_id, str):
        return None
    target = inv.by_id(cfg.owner, arm_id)
    return f"{{'id': {s.identifier(target.name)}.id}}" if isinstance(target, Resource) else None


def _config_code(cfg: net.IpConfig, inv: Inventory, value: str, indent: str) -> str:
    """The ip configuration with a static address, keeping its other arguments (public IP,
    load balancer pools, ...) and naming the ones not known offline. In a program (its source
    known) ids are stand-ins: a reference is written as the program's variable, or kept."""
    given = jsonpointer.get(cfg.owner.inputs, cfg.pointer)
    others = [(k, v) for k, v in given.items() if k not in _WRITTEN] if isinstance(given, Mapping) else []
    program = cfg.owner.call_source is not None
    written, unknown = [], []
    for key, item in others:
        ref = _reference(inv, cfg, item)
        if ref is not None:
            written.append(f"    {s.snake(key)}={ref},")
        elif s.fully_known(item) and not (program and "id" in str(item)):
            written.append(f"    {s.kwarg(key, item)},")
        else:
            unknown.append(s.snake(key))
    lines = [
        "azure_native.network.NetworkInterfaceIPConfigurationArgs(",
        f"    name={cfg.name!r},",
        f"    subnet=azure_native.network.SubnetArgs(id={net.config_subnet_id(cfg)}),",
        '    private_ip_allocation_method="Static",',
        f"    private_ip_address={value!r},  # verify it is unused",
        *written,
    ]
    if unknown:
        lines.append(f"    # keep {', '.join(unknown)} as in your program")
    lines.append(")")
    return ("\n" + indent).join(lines)


def _nic_fix(cfg: net.IpConfig, inv: Inventory, address: str | None, how: str) -> Fix:
    nic = cfg.owner
    value = address or "<free address in the subnet>"
    index = int(cfg.pointer.rsplit("/", 1)[1])
    configs = nic.inputs.get("ipConfigurations")
    count = len(configs) if isinstance(configs, list) else index + 1
    items = []
    for i in range(count):
        if i == index:
            items.append("        " + _config_code(cfg, inv, value, "        ") + ",")
        else:
            items.append(f"        # ip configuration {i}: as in your program")
    code = "[\n" + "\n".join(items) + "\n    ]"
    nested = [
        (("ip_configurations", index, "private_ip_allocation_method"), "'Static'"),
        (("ip_configurations", index, "private_ip_address"), repr(value)),
    ]
    snippet = s.rewrite(
        nic, "network.NetworkInterface", inv.location(nic), {}, code={"ipConfigurations": code},
        nested=nested,
        header=f"# Only ip configuration {cfg.name!r} changes (in place); every other argument stays.",
    )
    return Fix(
        title=f"Make the private IP static: {how}",
        patch=(
            PatchOp("add", f"{cfg.pointer}/privateIPAllocationMethod", "Static"),
            PatchOp("add", f"{cfg.pointer}/privateIPAddress", value),
        ),
        snippet=snippet,
        replacement=False,
    )


def _inline_fix(cfg: net.IpConfig, address: str | None) -> Fix:
    vm = cfg.vm
    nic_name = f"{vm.name}-{cfg.nic_label}"
    nic_var = s.identifier(nic_name)
    value = address or "<free address in the subnet>"
    nic_index = cfg.pointer.split("/")[3]
    profile = vm.inputs.get("networkProfile")
    has_refs = isinstance(profile, Mapping) and isinstance(profile.get("networkInterfaces"), list)
    snippet = "\n".join(
        [
            s.IMPORT,
            s.call(
                "network.NetworkInterface",
                nic_name,
                s.resource_group_arg(vm),
                "ip_configurations=[\n"
                "        azure_native.network.NetworkInterfaceIPConfigurationArgs(\n"
                f"            name={cfg.name!r},\n"
                f"            subnet=azure_native.network.SubnetArgs(id={net.config_subnet_id(cfg)}),\n"
                '            private_ip_allocation_method="Static",\n'
                f"            private_ip_address={value!r},  # verify it is unused\n"
                "        ),\n"
                "    ]",
            ),
            f"# In VM {vm.name!r}, replace network_interface_configurations with:",
            "network_profile = azure_native.compute.NetworkProfileArgs(",
            "    network_interfaces=[",
            f"        azure_native.compute.NetworkInterfaceReferenceArgs(id={nic_var}.id, primary=True),",
            "    ],",
            ")",
        ]
    )
    return Fix(
        title=(
            f"Declare NIC {cfg.nic_label!r} as a NetworkInterface resource with a static private "
            f"IP and reference it from the VM (inline NIC configurations cannot be static); "
            f"the VM must be deallocated to swap its NIC"
        ),
        patch=(
            PatchOp("remove", f"/networkProfile/networkInterfaceConfigurations/{nic_index}"),
            PatchOp(
                "add",
                "/networkProfile/networkInterfaces/-" if has_refs else "/networkProfile/networkInterfaces",
                {"id": f"<{nic_name}.id>"} if has_refs else [{"id": f"<{nic_name}.id>"}],
            ),
        ),
        snippet=snippet,
        replacement=False,
        new_resources=True,
    )


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    pool = net.AddressPool(net.subnet_addresses(inv))
    for cfg in net.vm_ip_configs(inv):
        if isinstance(cfg, net.Unjudged):
            yield RULE.skipped(cfg.resource, cfg.reason)
            continue
        method = cfg.props.get("privateIPAllocationMethod")
        if method is not None and not is_known(method):
            yield RULE.skipped(cfg.owner, f"privateIPAllocationMethod of {cfg.name!r} is not known")
            continue
        if isinstance(method, str) and method.lower() == "static":
            continue
        address, how = _proposal(cfg, pool)
        if cfg.inline:
            message = (
                f"VM {cfg.vm.name!r} declares NIC {cfg.nic_label!r} inline; its ip configuration "
                f"{cfg.name!r} gets a dynamic private IP (inline NIC configurations cannot be "
                f"static). {_DOCS_QUOTE}"
            )
            fixes = (_inline_fix(cfg, address),)
        else:
            message = (
                f"NIC {cfg.owner.name!r} of VM {cfg.vm.name!r}: ip configuration {cfg.name!r} "
                f"gets a dynamic private IP ({_method_text(method)}). {_DOCS_QUOTE} (DNS "
                f"records, firewall and NSG rules, connection strings)"
            )
            fixes = (_nic_fix(cfg, inv, address, how),)
        yield RULE.finding(cfg.owner, message, fixes)


RULE = Rule(
    id="MC201",
    slug="dynamic-private-ip",
    severity=Severity.WARNING,
    title="VM NIC with a dynamic private IP",
    doc=DOC,
    check=check,
)
