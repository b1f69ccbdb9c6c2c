"""MC203 basic-load-balancer: a Basic SKU load balancer (retired 2025-09-30) in front of VMs."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from checker.azure import types as t
from checker.inventory import Inventory, Resource
from checker.model import Finding, Fix, PatchOp, RuleOptions, Severity, Skipped
from checker.rules.base import Rule, RuleDoc
from checker.rules.support import network as net
from checker.rules.support import snippets as s
from checker.values import UNKNOWN, is_known

DOC = RuleDoc(
    what=(
        "Checks load balancers whose `sku.name` is `Basic`, or unset (Basic is the default), "
        "that have virtual machines or scale sets in their backend pools (a VM NIC's or a scale "
        "set's ip configuration lists one of the load balancer's `loadBalancerBackendAddressPools`)."
    ),
    why=(
        "Basic load balancers were retired on 30 September 2025: they keep running, unsupported "
        "and without an SLA, and new ones cannot be created. The VMs behind one depend on a "
        "component Microsoft no longer maintains or supports through planned maintenance and "
        "failures; a Basic load balancer also blocks upgrading the public IPs of its backend "
        "VMs to Standard (MC202)."
    ),
    example=(
        "lb = azure_native.network.LoadBalancer(\n"
        '    "web-lb",\n'
        '    resource_group_name="app-rg",\n'
        '    sku=azure_native.network.LoadBalancerSkuArgs(name="Basic"),\n'
        ")"
    ),
    fix=(
        "Use `sku=LoadBalancerSkuArgs(name=\"Standard\")`, with Standard SKU, Static public IPs "
        "on its frontends and an explicit outbound rule (or a NAT gateway): a Standard load "
        "balancer blocks outbound traffic by default, and its backends need a network security "
        "group that allows the load-balanced traffic. Azure cannot change a load balancer's SKU "
        "in place: in code the load balancer is recreated (`replace_on_changes=[\"sku\"]`, "
        "`delete_before_replace=True`), with downtime. Microsoft's `AzureBasicLoadBalancerUpgrade` "
        "PowerShell module migrates an existing one keeping its configuration; set every public "
        "IP on it and on its backend VMs to Static first, or their addresses can be lost. The "
        "upgrade is one-way."
    ),
)

RETIRED = "Basic load balancers were retired on 2025-09-30 (unsupported, no SLA)"
_POOL = re.compile(r"/backendAddressPools/[^/]+/?$", re.IGNORECASE)


_REPLACE_ON = ("sku",)  # Azure cannot change a load balancer's SKU in place


def _pool_refs(config: Any) -> list[Any]:
    pools = config.get("loadBalancerBackendAddressPools") if isinstance(config, Mapping) else None
    return pools if isinstance(pools, list) else ([UNKNOWN] if pools is UNKNOWN else [])


def _balancers(inv: Inventory, owner: Resource, via: str, pools: list[Any]) -> list[Any]:
    """The load balancers whose backend pools ``pools`` name (UNKNOWN for one not known)."""
    found: list[Any] = []
    for pool in pools:
        pool_id = pool.get("id") if isinstance(pool, Mapping) else pool
        if isinstance(pool_id, str) and _POOL.search(pool_id):
            found.append(inv.by_id(owner, _POOL.sub("", pool_id), [t.LOAD_BALANCER]))
        else:
            found.append(UNKNOWN)
    if UNKNOWN in found:
        # a pool id built from the load balancer's outputs: its property dependency names it
        known = [lb for lb in found if isinstance(lb, Resource)]
        found = known + inv.dependency_candidates(owner, via, [t.LOAD_BALANCER]) or found
    return found


def _scale_set_configs(vmss: Resource) -> list[Any]:
    nics = vmss.get("virtualMachineProfile.networkProfile.networkInterfaceConfigurations")
    if not isinstance(nics, list):
        return []
    configs: list[Any] = []
    for nic in nics:
        ip_configs = nic.get("ipConfigurations") if isinstance(nic, Mapping) else None
        if isinstance(ip_configs, list):
            configs.extend(ip_configs)
    return configs


def backends(inv: Inventory) -> dict[Resource, list[Resource]]:
    """Each load balancer of the scan -> the VMs and scale sets in its backend pools."""
    out: dict[Resource, list[Resource]] = {}

    def note(lbs: list[Any], member: Resource) -> None:
        for lb in lbs:
            if isinstance(lb, Resource) and member not in out.setdefault(lb, []):
                out[lb].append(member)

    for cfg in net.vm_ip_configs(inv):
        if isinstance(cfg, net.IpConfig):
            via = "networkProfile" if cfg.inline else "ipConfigurations"
            note(_balancers(inv, cfg.owner, via, _pool_refs(cfg.props)), cfg.vm)
    for vmss in inv.of_kind(t.SCALE_SET):
        for config in _scale_set_configs(vmss):
            note(_balancers(inv, vmss, "virtualMachineProfile", _pool_refs(config)), vmss)
    return out


def _fix(lb: Resource, inv: Inventory) -> Fix:
    sku = lb.inputs.get("sku")
    if isinstance(sku, Mapping):
        patch = (PatchOp("replace" if "name" in sku else "add", "/sku/name", "Standard"),)
    else:
        patch = (PatchOp("add", "/sku", {"name": "Standard"}),)
    snippet = s.rewrite(
        lb, "network.LoadBalancer", inv.location(lb), {"sku": {"name": "Standard"}},
        replace_on=_REPLACE_ON,
        header=(
            "# Azure cannot change a load balancer's SKU in place: Pulumi replaces it, deleting "
            "it first\n# (downtime while it is recreated). Its frontend public IPs must be "
            "Standard and Static (MC202),\n# and a Standard load balancer blocks outbound "
            "traffic: add an outbound rule (or a NAT gateway),\n# e.g. outbound_rules=[{'name': "
            "'outbound', 'protocol': 'All', 'backend_address_pool': {'id': ...},\n#   "
            "'frontend_ip_configurations': [{'id': ...}]}], and an NSG that allows the "
            "balanced traffic.\n# To migrate the existing one instead, keeping its "
            "configuration: Microsoft's AzureBasicLoadBalancerUpgrade\n# PowerShell module "
            "(set every public IP on it and its backends to Static first), then pulumi refresh."
        ),
    )
    return Fix(
        title=(
            "Use a Standard SKU load balancer (+ Standard, Static public IP frontends and an "
            "explicit outbound rule); the load balancer is recreated (replace_on_changes sku, "
            "delete_before_replace), with downtime"
        ),
        patch=patch,
        snippet=snippet,
        replacement=True,
        replace_on=_REPLACE_ON,
    )


def check(inv: Inventory, options: RuleOptions) -> Iterator[Finding | Skipped]:
    balancers = inv.of_kind(t.LOAD_BALANCER)
    if not balancers:
        return
    members = backends(inv)
    for lb in balancers:
        behind = members.get(lb)
        if not behind:
            continue
        sku = lb.get("sku.name")
        if sku is not None and not is_known(sku):
            yield RULE.skipped(lb, "its sku.name is not known")
            continue
        if isinstance(sku, str) and sku.lower() != "basic":
            continue
        shown = "Basic" if isinstance(sku, str) else "no SKU (Basic by default)"
        names = ", ".join(repr(m.name) for m in sorted(behind, key=lambda m: (m.name, m.urn)))
        message = (
            f"Load balancer {lb.name!r} has {shown} and {names} in its backend pools: {RETIRED}; "
            f"the VMs behind it depend on an unsupported component"
        )
        yield RULE.finding(lb, message, (_fix(lb, inv),))


RULE = Rule(
    id="MC203",
    slug="basic-load-balancer",
    severity=Severity.ERROR,
    title="Basic SKU load balancer (retired) in front of VMs",
    doc=DOC,
    check=check,
)
