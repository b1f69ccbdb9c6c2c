"""What a self-service redeploy costs each VM, from the scan's findings.

The seed: "the temporary disk is lost and dynamic IP addresses associated with virtual network
interface are updated". A redeploy moves the VM to another host, so the findings that describe
what does not survive a move become the costs of the step that moves it: data on the temp disk
(MC212), an ephemeral OS disk (MC211), a dynamic private address (MC201) or a dynamic/Basic
public address (MC202). Suppressed findings still cost: a suppression accepts the risk, it does
not remove it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from checker.azure import types as t
from checker.azure.vm_sizes import has_temp_disk
from checker.inventory import Inventory, Resource, name_or_logical
from checker.model import Finding
from checker.rules.support.network import IpConfig, vm_ip_configs

_COSTS = {
    "MC212": "data it keeps on the temp disk is lost",
    "MC211": "its ephemeral OS disk is reset to the image (everything written to it is lost)",
    "MC201": "the dynamic private address of {name} may change",
    "MC202": "the public address of {name} may change",
}


def _owners(inv: Inventory) -> dict[Resource, set[Resource]]:
    """Each NIC / public IP (and each VM) -> the VMs it belongs to."""
    owners: dict[Resource, set[Resource]] = defaultdict(set)
    for vm in inv.of_kind(t.VM):
        owners[vm].add(vm)
    for cfg in vm_ip_configs(inv):
        if isinstance(cfg, IpConfig):
            owners[cfg.owner].add(cfg.vm)
            if isinstance(cfg.public_ip, Resource):
                owners[cfg.public_ip].add(cfg.vm)
    return owners


def costs(inv: Inventory, findings: Iterable[Finding]) -> Mapping[Resource, tuple[str, ...]]:
    """VM -> what redeploying it costs (with the rule that says so), in finding order."""
    owners = _owners(inv)
    out: dict[Resource, list[str]] = defaultdict(list)
    for f in findings:
        template = _COSTS.get(f.rule_id)
        if template is None:
            continue
        text = template.format(name=name_or_logical(f.resource)) + f" ({f.rule_id})"
        for vm in sorted(owners.get(f.resource, ()), key=lambda v: (v.name, v.urn)):
            if text not in out[vm]:
                out[vm].append(text)
    return {vm: tuple(items) for vm, items in out.items()}


def temp_disk_note(vm: Resource) -> str | None:
    """The general cost of a size with a temp disk (even without a finding on it)."""
    size = vm.get("hardwareProfile.vmSize")
    if has_temp_disk(size) is True:
        return f"its temp disk is wiped ({size} has one)"
    return None
