"""MC202 dynamic-public-ip: a public IP that a VM uses is allocated dynamically."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from checker import jsonpointer
from checker.inventory import Inventory, Resource, name_or_logical
from checker.model import Finding, Fix, PatchOp, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from checker.rules.support import network as net
from checker.rules.support import snippets as s
from checker.values import UNKNOWN, get_path, is_known

DOC = RuleDoc(
    what=(
        "Checks the public IP addresses reached from a virtual machine's network interfaces "
        "(VM -> NIC -> ip configuration -> public IP, and public IP configurations declared "
        "inline in the VM) for the Basic SKU (any allocation), or no SKU with `Dynamic` or unset "
        "`publicIPAllocationMethod` (only a Basic IP can be dynamic): an error. No SKU with "
        "`Static` is a warning: say `Standard` explicitly."
    ),
    why=(
        "Basic SKU public IPs were retired on 30 September 2025: they keep working but are "
        "unsupported and have no SLA. A dynamic public address (Basic only) is released when the "
        "VM is deallocated, and Azure's maintenance documentation says a redeploy to an updated "
        "host updates the public dynamic addresses of the VM's network interface: DNS records, "
        "partner allow-lists and clients pinned to the old address stop working."
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
        '`public_ip_allocation_method="Static"`. In code alone this recreates the public IP '
        "(azure-native replaces a public IP on `sku`): it gets a new address. To keep the address, "
        "follow Microsoft's upgrade path: set Static and `pulumi up`; detach the IP, upgrade it "
        "out of band (`az network public-ip update --sku Standard`), re-attach it; "
        "`pulumi refresh`; then set `sku` Standard in code. Standard IPs are closed to inbound "
        "traffic unless a network security group allows it, have no zones when upgraded, and "
        "the upgrade is one-way."
    ),
)

RETIRED = "Basic SKU public IPs were retired on 2025-09-30 (unsupported, no SLA)"
_DYNAMIC = (
    "a dynamic address is released when the VM is deallocated and updated when a redeploy moves "
    "the VM during planned maintenance, breaking DNS records and allow-lists that use it"
)


@dataclass(frozen=True)
class Verdict:
    why: str
    severity: Severity


def _verdict(props: Mapping[str, Any]) -> Any:
    """What is wrong with the public IP's SKU and allocation (a :class:`Verdict`); None when
    nothing is; UNKNOWN when it cannot be told."""
    method = props.get("publicIPAllocationMethod")
    sku = get_path(props, "sku.name")
    if sku is not None and not is_known(sku):
        return UNKNOWN
    dynamic = isinstance(method, str) and method.lower() == "dynamic"
    if isinstance(sku, str) and sku.lower() == "basic":
        alloc = f"; {_DYNAMIC}" if dynamic or method is None else ""
        return Verdict(f"it is a Basic SKU IP: {RETIRED}{alloc}", Severity.ERROR)
    if method is not None and not is_known(method):
        return UNKNOWN
    if sku is None:
        if method is None or dynamic:
            how = "is 'Dynamic'" if dynamic else "is not set"
            return Verdict(
                f"it has no SKU and publicIPAllocationMethod {how}, so it can only be a Basic, "
                f"dynamic IP: {RETIRED}; {_DYNAMIC}",
                Severity.ERROR,
            )
        return Verdict(
            "it is Static but has no SKU: older API versions default to Basic "
            f"({RETIRED}); say Standard explicitly",
            Severity.WARNING,
        )
    if dynamic:
        return Verdict(
            f"publicIPAllocationMethod is 'Dynamic' on a {sku} SKU IP (Standard IPs are always "
            f"Static): {_DYNAMIC}",
            Severity.WARNING,
        )
    return None


def _patch(owner_inputs: Mapping[str, Any], pointer: str) -> tuple[PatchOp, ...]:
    """Standard SKU + Static, at ``pointer`` in the owner's inputs (a public IP itself: "")."""
    target = jsonpointer.get(owner_inputs, pointer)
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


_CHANGES = {"sku": {"name": "Standard"}, "publicIPAllocationMethod": "Static"}


def _resource_fix(pip: Resource, inv: Inventory) -> Fix:
    replace = not _is_standard(pip.props)
    note = (
        "# azure-native already replaces a public IP whose sku changes: the IP is recreated\n"
        "# with a new address (no replace_on_changes needed)."
        if replace
        else "# Only the allocation method changes: the IP is updated in place."
    )
    snippet = s.rewrite(pip, "network.PublicIPAddress", inv.location(pip), _CHANGES, header=note)
    title = (
        "Use a Standard SKU public IP with Static allocation in code (the public IP is "
        "recreated: a new address; to keep the address, see the next fix); Standard IPs are "
        "closed to inbound traffic unless a network security group allows it"
        if replace
        else "Set Static allocation (Standard IPs are always Static)"
    )
    return Fix(title=title, patch=_patch(pip.inputs, ""), snippet=snippet, replacement=replace)


def _keep_address_fix(pip: Resource, inv: Inventory, nic: Resource) -> Fix:
    """Microsoft's upgrade path, which keeps the address: a procedure, not one code change."""
    name = name_or_logical(pip)
    group = pip.inputs.get("resourceGroupName")
    rg = group if isinstance(group, str) else "<resource group>"
    static = s.rewrite(
        pip, "network.PublicIPAddress", inv.location(pip), {"publicIPAllocationMethod": "Static"},
        header="# Step 1: only the allocation method changes (in place); pulumi up.",
    )
    steps = [
        "# Step 2: detach the IP from NIC "
        f"{nic.name!r} (remove public_ip_address from its ip configuration; pulumi up).",
        f"# Step 3: upgrade it out of band: az network public-ip update -g {rg} -n {name} --sku Standard",
        "# Step 4: re-attach it to the NIC (restore public_ip_address; pulumi up).",
        "# Step 5: pulumi refresh, then set in code",
        '#         sku=azure_native.network.PublicIPAddressSkuArgs(name="Standard"):',
        "#         pulumi preview then shows no change.",
        "# The upgrade is one-way; the upgraded IP has no zones; a NIC in a Basic load balancer's",
        "# pool needs the load balancer upgraded first (MC203); the VM needs an NSG that allows",
        "# its inbound traffic, since Standard IPs are closed by default.",
    ]
    return Fix(
        title=(
            "Or keep the address (Microsoft's upgrade path): set Static and pulumi up; detach the "
            "IP, upgrade it with `az network public-ip update --sku Standard`, re-attach it; "
            "pulumi refresh; then set sku Standard in code"
        ),
        patch=(),
        snippet=static + "\n" + "\n".join(steps) + "\n",
        replacement=False,
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
        title=(
            "Use a Standard SKU public IP with Static allocation (the VM is updated in place; "
            "Azure recreates the public IP it declares inline, so the address changes once); "
            "Standard IPs are closed to inbound traffic unless a network security group allows it"
        ),
        patch=_patch(cfg.vm.inputs, pointer),
        snippet=snippet,
        replacement=False,  # the finding is on the VM, which stays; only the public IP is new
    )


def _check_config(cfg: net.IpConfig, seen: set[Resource], inv: Inventory) -> Iterator[Finding | Skipped]:
    if cfg.inline:
        props = cfg.props.get("publicIPAddressConfiguration")
        if props is None:
            return
        if not isinstance(props, Mapping):
            yield RULE.skipped(cfg.vm, f"the public IP of {cfg.nic_label!r} is not known")
            return
        verdict = _verdict(props)
        if verdict is UNKNOWN:
            yield RULE.skipped(cfg.vm, f"the public IP allocation of {cfg.nic_label!r} is not known")
        elif isinstance(verdict, Verdict):
            pointer = f"{cfg.pointer}/publicIPAddressConfiguration"
            message = (
                f"VM {cfg.vm.name!r}: the public IP declared inline on NIC {cfg.nic_label!r} "
                f"needs the Standard SKU and Static allocation: {verdict.why}"
            )
            fix = _inline_fix(cfg, pointer, props)
            yield RULE.finding(cfg.vm, message, (fix,), severity=verdict.severity)
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
    verdict = _verdict(pip.props)
    if verdict is UNKNOWN:
        yield RULE.skipped(pip, "its allocation method or SKU is not known")
    elif isinstance(verdict, Verdict):
        message = (
            f"Public IP {pip.name!r} of VM {cfg.vm.name!r} (NIC {cfg.owner.name!r}) needs the "
            f"Standard SKU and Static allocation: {verdict.why}"
        )
        fixes = [_resource_fix(pip, inv)]
        if fixes[0].replacement:
            fixes.append(_keep_address_fix(pip, inv, cfg.owner))
        yield RULE.finding(pip, message, fixes, severity=verdict.severity)


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    seen: set[Resource] = set()
    for cfg in net.vm_ip_configs(inv):
        if isinstance(cfg, net.Unjudged):
            yield RULE.skipped(cfg.resource, cfg.reason)
            continue
        yield from _check_config(cfg, seen, inv)


RULE = Rule(
    id="MC202",
    slug="dynamic-public-ip",
    severity=Severity.ERROR,
    title="VM public IP of the retired Basic SKU or with dynamic allocation",
    doc=DOC,
    check=check,
)
