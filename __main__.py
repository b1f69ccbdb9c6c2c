"""Reference deployment: a two-tier web application that is ready for Azure planned maintenance.

Everything that decides maintenance readiness comes from stack config (see Pulumi.yaml and
stacks/): the production stacks pass every maintcheck rule, the dev stack takes the shortcuts
teams really take, so `maintcheck scan . --stack dev` shows what maintcheck catches.

Web tier: N VMs behind a Standard load balancer on a static Standard public IP, in an Aligned
availability set (or spread over zones), NICs with static private addresses, managed OS disks.
App tier: maintenance-sensitive VMs in their own availability set, with Scheduled Events
opt-ins and a maintenance configuration assigned to each VM.
"""

import ipaddress

import pulumi
from pulumi_azure_native import compute, maintenance, network, resources

config = pulumi.Config()
prefix = config.get("prefix") or "shop"
location = pulumi.Config("azure-native").require("location")

web_vm_count = config.get_int("webVmCount") or 2
web_in_availability_set = config.get_bool("webAvailabilitySet")
web_zones = config.get_object("webZones") or []
web_update_domains = config.get_int("webUpdateDomains") or 5
web_fault_domains = config.get_int("webFaultDomains") or 2
app_vm_count = config.get_int("appVmCount") or 2
app_update_domains = config.get_int("appUpdateDomains") or 5
vm_size = config.get("vmSize") or "Standard_D2s_v5"
private_ip_allocation = config.get("privateIpAllocation") or "Static"
direct_public_ip_sku = config.get("directPublicIpSku")  # e.g. "Basic" for a dev shortcut
direct_public_ip_allocation = config.get("directPublicIpAllocation") or "Static"
ephemeral_os_disk = config.get_bool("ephemeralOsDisk") or False
ssh_public_key = config.get("sshPublicKey") or "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMaintcheckDemoKeyOnly"

resource_group = resources.ResourceGroup(f"{prefix}-rg", location=location)
vnet = network.VirtualNetwork(
    f"{prefix}-vnet",
    resource_group_name=resource_group.name,
    location=location,
    address_space=network.AddressSpaceArgs(address_prefixes=["10.10.0.0/16"]),
)
WEB_PREFIX, APP_PREFIX = "10.10.1.0/24", "10.10.2.0/24"
web_subnet = network.Subnet(
    "web-subnet",
    resource_group_name=resource_group.name,
    virtual_network_name=vnet.name,
    address_prefix=WEB_PREFIX,
)
app_subnet = network.Subnet(
    "app-subnet",
    resource_group_name=resource_group.name,
    virtual_network_name=vnet.name,
    address_prefix=APP_PREFIX,
)

# A Standard SKU public IP is always Static: its address survives maintenance and redeploys.
frontend_ip = network.PublicIPAddress(
    "web-frontend-ip",
    resource_group_name=resource_group.name,
    location=location,
    sku=network.PublicIPAddressSkuArgs(name="Standard"),
    public_ip_allocation_method="Static",
)
load_balancer = network.LoadBalancer(
    "web-lb",
    resource_group_name=resource_group.name,
    location=location,
    sku=network.LoadBalancerSkuArgs(name="Standard"),
    frontend_ip_configurations=[
        network.FrontendIPConfigurationArgs(
            name="frontend",
            public_ip_address=network.PublicIPAddressArgs(id=frontend_ip.id),
        )
    ],
    backend_address_pools=[network.BackendAddressPoolArgs(name="web")],
)
web_pool_id = pulumi.Output.concat(load_balancer.id, "/backendAddressPools/web")


def static_address(prefix: str, index: int) -> str:
    """The index-th usable address of a subnet: Azure reserves the first four addresses."""
    return str(ipaddress.ip_network(prefix)[4 + index])


def nic(name: str, subnet: network.Subnet, subnet_prefix: str, index: int, **ip_config_extra):
    """A NIC whose private address stays put across maintenance (static allocation)."""
    ip_config = network.NetworkInterfaceIPConfigurationArgs(
        name="ipconfig1",
        subnet=network.SubnetArgs(id=subnet.id),
        private_ip_allocation_method=private_ip_allocation,
        private_ip_address=(
            static_address(subnet_prefix, index) if private_ip_allocation == "Static" else None
        ),
        **ip_config_extra,
    )
    return network.NetworkInterface(
        name,
        resource_group_name=resource_group.name,
        location=location,
        ip_configurations=[ip_config],
    )


def os_disk() -> compute.OSDiskArgs:
    """A managed OS disk; an ephemeral one (host-local) is lost when the VM moves host."""
    if ephemeral_os_disk:
        return compute.OSDiskArgs(
            create_option="FromImage",
            caching="ReadOnly",
            diff_disk_settings=compute.DiffDiskSettingsArgs(option="Local", placement="CacheDisk"),
        )
    return compute.OSDiskArgs(
        create_option="FromImage",
        managed_disk=compute.ManagedDiskParametersArgs(storage_account_type="Premium_LRS"),
    )


def virtual_machine(name: str, nic_resource: network.NetworkInterface, tags: dict, **placement):
    return compute.VirtualMachine(
        name,
        resource_group_name=resource_group.name,
        location=location,
        hardware_profile=compute.HardwareProfileArgs(vm_size=vm_size),
        network_profile=compute.NetworkProfileArgs(
            network_interfaces=[compute.NetworkInterfaceReferenceArgs(id=nic_resource.id, primary=True)]
        ),
        os_profile=compute.OSProfileArgs(
            computer_name=name,
            admin_username="azureuser",
            linux_configuration=compute.LinuxConfigurationArgs(
                disable_password_authentication=True,
                ssh=compute.SshConfigurationArgs(
                    public_keys=[
                        compute.SshPublicKeyArgs(
                            key_data=ssh_public_key, path="/home/azureuser/.ssh/authorized_keys"
                        )
                    ]
                ),
            ),
        ),
        storage_profile=compute.StorageProfileArgs(
            image_reference=compute.ImageReferenceArgs(
                publisher="Canonical", offer="ubuntu-24_04-lts", sku="server", version="latest"
            ),
            os_disk=os_disk(),
        ),
        tags=tags,
        **placement,
    )


# --- web tier ---------------------------------------------------------------------------
web_set = None
if web_in_availability_set is not False and not web_zones:
    # Aligned: required for managed disks. Update and fault domains are fixed at creation.
    web_set = compute.AvailabilitySet(
        "web-as",
        resource_group_name=resource_group.name,
        location=location,
        sku=compute.SkuArgs(name="Aligned"),
        platform_update_domain_count=web_update_domains,
        platform_fault_domain_count=web_fault_domains,
    )

direct_ip = None
if direct_public_ip_sku:
    direct_ip = network.PublicIPAddress(
        "web-direct-ip",
        resource_group_name=resource_group.name,
        location=location,
        sku=network.PublicIPAddressSkuArgs(name=direct_public_ip_sku),
        public_ip_allocation_method=direct_public_ip_allocation,
    )

web_vms = []
for i in range(web_vm_count):
    extra = {"load_balancer_backend_address_pools": [network.BackendAddressPoolArgs(id=web_pool_id)]}
    if direct_ip is not None and i == 0:
        extra["public_ip_address"] = network.PublicIPAddressArgs(id=direct_ip.id)
    web_nic = nic(f"web-nic-{i}", web_subnet, WEB_PREFIX, i, **extra)
    if web_set is not None:
        placement = {"availability_set": compute.SubResourceArgs(id=web_set.id)}
    elif web_zones:
        placement = {"zones": [str(web_zones[i % len(web_zones)])]}
    else:
        placement = {}
    web_vms.append(virtual_machine(f"web-vm-{i}", web_nic, {"workload": f"{prefix}-web"}, **placement))

# --- app tier: maintenance-sensitive ------------------------------------------------------
app_set = compute.AvailabilitySet(
    "app-as",
    resource_group_name=resource_group.name,
    location=location,
    sku=compute.SkuArgs(name="Aligned"),
    platform_update_domain_count=app_update_domains,
    platform_fault_domain_count=2,
)
# Guest patching in a window the team chooses; platform maintenance is announced to the VMs
# through Scheduled Events, which the VMs opt into below.
patch_window = maintenance.MaintenanceConfiguration(
    "app-patch-window",
    resource_group_name=resource_group.name,
    location=location,
    maintenance_scope="InGuestPatch",
    extension_properties={"InGuestPatchMode": "User"},
    start_date_time="2026-12-01 02:00",
    duration="03:00",
    time_zone="UTC",
    recur_every="Week Sunday",
    install_patches=maintenance.InputPatchConfigurationArgs(
        reboot_setting="IfRequired",
        linux_parameters=maintenance.InputLinuxParametersArgs(
            classifications_to_include=["Critical", "Security"]
        ),
    ),
)
scheduled_events = compute.ScheduledEventsPolicyArgs(
    user_initiated_redeploy=compute.UserInitiatedRedeployArgs(automatically_approve=True),
    user_initiated_reboot=compute.UserInitiatedRebootArgs(automatically_approve=True),
    scheduled_events_additional_publishing_targets=compute.ScheduledEventsAdditionalPublishingTargetsArgs(
        event_grid_and_resource_graph=compute.EventGridAndResourceGraphArgs(enable=True)
    ),
)
for i in range(app_vm_count):
    app_nic = nic(f"app-nic-{i}", app_subnet, APP_PREFIX, i)
    app_vm = virtual_machine(
        f"app-vm-{i}",
        app_nic,
        {"workload": f"{prefix}-app", "maintenance-sensitivity": "high"},
        availability_set=compute.SubResourceArgs(id=app_set.id),
        scheduled_events_policy=scheduled_events,
    )
    # The SDK's first parameter is the Pulumi name, so the target's name is `resource_name_`.
    maintenance.ConfigurationAssignment(
        f"app-vm-{i}-patch-window",
        resource_group_name=resource_group.name,
        location=location,
        provider_name="Microsoft.Compute",
        resource_type="virtualMachines",
        resource_name_=app_vm.name,
        maintenance_configuration_id=patch_window.id,
    )

pulumi.export("frontendIp", frontend_ip.ip_address)
pulumi.export("webVms", [vm.name for vm in web_vms])
