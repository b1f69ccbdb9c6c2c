"""Builders of small fleets for the simulate and plan tests: VMs in sets, zones, scale sets and
regions, written the way Pulumi documents hold them (see tests/builders.py)."""

from __future__ import annotations

from typing import Any

from tests.builders import Ref, StackBuilder

VM = "azure-native:compute:VirtualMachine"
AS = "azure-native:compute:AvailabilitySet"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
NIC = "azure-native:network:NetworkInterface"
REAL_SUB = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"


def stack(name: str = "dev", region: str = "eastus") -> StackBuilder:
    return StackBuilder(name, config={"azure-native:location": region})


def aset(s: StackBuilder, name: str, update_domains: int | None = None, **inputs: Any) -> Ref:
    props: dict[str, Any] = {"resourceGroupName": "rg", "sku": {"name": "Aligned"}, **inputs}
    if update_domains is not None:
        props["platformUpdateDomainCount"] = update_domains
    return s.add(AS, name, props)


def scale_set(s: StackBuilder, name: str, capacity: int | None, mode: str = "Uniform", **inputs: Any) -> Ref:
    props: dict[str, Any] = {"resourceGroupName": "rg", "orchestrationMode": mode, **inputs}
    if capacity is not None:
        props["sku"] = {"name": "Standard_D2s_v5", "capacity": capacity}
        props["virtualMachineProfile"] = {"osProfile": {"computerNamePrefix": name}}
    return s.add(VMSS, name, props)


def vm(
    s: StackBuilder,
    name: str,
    *,
    group: Ref | None = None,
    vmss: Ref | None = None,
    zone: str | None = None,
    workload: str | None = None,
    region: str | None = None,
    size: str = "Standard_D2s_v5",
    deps: dict[str, list[Ref]] | None = None,
    **inputs: Any,
) -> Ref:
    props: dict[str, Any] = {"resourceGroupName": "rg", "hardwareProfile": {"vmSize": size}, **inputs}
    links = dict(deps or {})
    if group is not None:
        props["availabilitySet"] = group.sub()
        links["availabilitySet"] = [group]
    if vmss is not None:
        props["virtualMachineScaleSet"] = vmss.sub()
        links["virtualMachineScaleSet"] = [vmss]
    if zone is not None:
        props["zones"] = [zone]
    if workload is not None:
        props["tags"] = {"workload": workload}
    if region is not None:
        props["location"] = region
    return s.add(VM, name, props, deps=links or None)
