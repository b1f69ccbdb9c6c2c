"""Pulumi type tokens of pulumi-azure-native, reduced to one canonical *kind* per resource type.

``azure-native:compute:VirtualMachine``, ``azure-native:compute/v20240701:VirtualMachine`` and
``azure-native_compute_v20230301:compute/v20230301:VirtualMachine`` are all the kind
``compute:VirtualMachine``.
"""

from __future__ import annotations

import re
from typing import Final

VM: Final = "compute:VirtualMachine"
AVAILABILITY_SET: Final = "compute:AvailabilitySet"
SCALE_SET: Final = "compute:VirtualMachineScaleSet"
VM_EXTENSION: Final = "compute:VirtualMachineExtension"
SCALE_SET_EXTENSION: Final = "compute:VirtualMachineScaleSetExtension"
DEDICATED_HOST: Final = "compute:DedicatedHost"
DEDICATED_HOST_GROUP: Final = "compute:DedicatedHostGroup"
NIC: Final = "network:NetworkInterface"
PUBLIC_IP: Final = "network:PublicIPAddress"
SUBNET: Final = "network:Subnet"
VNET: Final = "network:VirtualNetwork"
LOAD_BALANCER: Final = "network:LoadBalancer"
RESOURCE_GROUP: Final = "resources:ResourceGroup"
MAINTENANCE_CONFIGURATION: Final = "maintenance:MaintenanceConfiguration"
CONFIGURATION_ASSIGNMENT: Final = "maintenance:ConfigurationAssignment"
CONFIGURATION_ASSIGNMENT_PARENT: Final = "maintenance:ConfigurationAssignmentParent"
CONFIGURATION_ASSIGNMENT_RG: Final = "maintenance:ConfigurationAssignmentsForResourceGroup"
CONFIGURATION_ASSIGNMENT_SUB: Final = "maintenance:ConfigurationAssignmentsForSubscription"
PROVIDER: Final = "pulumi:providers:azure-native"
STACK: Final = "pulumi:pulumi:Stack"

# ARM resource type (lower case) of each kind, for resolving ids built at run time.
ARM_TYPES: Final[dict[str, str]] = {
    VM: "microsoft.compute/virtualmachines",
    AVAILABILITY_SET: "microsoft.compute/availabilitysets",
    SCALE_SET: "microsoft.compute/virtualmachinescalesets",
    VM_EXTENSION: "microsoft.compute/virtualmachines/extensions",
    DEDICATED_HOST: "microsoft.compute/hostgroups/hosts",
    DEDICATED_HOST_GROUP: "microsoft.compute/hostgroups",
    NIC: "microsoft.network/networkinterfaces",
    PUBLIC_IP: "microsoft.network/publicipaddresses",
    SUBNET: "microsoft.network/virtualnetworks/subnets",
    VNET: "microsoft.network/virtualnetworks",
    LOAD_BALANCER: "microsoft.network/loadbalancers",
    RESOURCE_GROUP: "microsoft.resources/resourcegroups",
    MAINTENANCE_CONFIGURATION: "microsoft.maintenance/maintenanceconfigurations",
}
KIND_OF_ARM_TYPE: Final[dict[str, str]] = {arm: kind for kind, arm in ARM_TYPES.items()}

# The input property that holds a resource's Azure name (e.g. ``vmName``).
NAME_PROPERTIES: Final[dict[str, str]] = {
    VM: "vmName",
    AVAILABILITY_SET: "availabilitySetName",
    SCALE_SET: "vmScaleSetName",
    VM_EXTENSION: "vmExtensionName",
    DEDICATED_HOST: "hostName",
    DEDICATED_HOST_GROUP: "hostGroupName",
    NIC: "networkInterfaceName",
    PUBLIC_IP: "publicIpAddressName",
    SUBNET: "subnetName",
    VNET: "virtualNetworkName",
    LOAD_BALANCER: "loadBalancerName",
    RESOURCE_GROUP: "resourceGroupName",
    MAINTENANCE_CONFIGURATION: "resourceName",
}

# The package part of a type token, and a module's version suffix (also sent to the Node worker).
PACKAGE_PATTERN: Final = re.compile(r"^azure-native(_[A-Za-z0-9_]+)?$")
VERSION_SUFFIX: Final = re.compile(r"/v\d{8}(preview)?$|/v\d+(_\d+)*(preview)?$")


def kind_of(type_token: str) -> str:
    """Canonical kind of a type token; tokens of other packages are returned unchanged."""
    if type_token.startswith("pulumi:providers:azure-native"):
        return PROVIDER
    parts = type_token.split(":")
    if len(parts) != 3 or not PACKAGE_PATTERN.match(parts[0]):
        return type_token
    module = VERSION_SUFFIX.sub("", parts[1])
    return f"{module}:{parts[2]}"
