"""MC211 ephemeral-os-disk and MC212 temp-disk-data."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from checker import engine
from checker.cli import cli
from checker.config import Settings
from checker.engine import run_rules
from checker.model import Finding, Skipped
from checker.rules import RULES_BY_ID
from checker.rules.support.scripts import Script, decode, temp_disk_hits
from checker.values import SECRET_SIG, SIG_KEY, UNKNOWN_SENTINEL
from tests.builders import StackBuilder, inventory

VM = "azure-native:compute:VirtualMachine"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
EXT = "azure-native:compute:VirtualMachineExtension"
VMSS_EXT = "azure-native:compute:VirtualMachineScaleSetExtension"
FIXTURES = Path(__file__).parent / "fixtures" / "rules_b"
RULES = [RULES_BY_ID["MC211"], RULES_BY_ID["MC212"]]


def scan(*stacks: StackBuilder) -> tuple[list[Finding], list[Skipped]]:
    return run_rules(inventory(*stacks), Settings(), RULES)


def only(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule]


def b64(text: str, *, gz: bool = False) -> str:
    data = text.encode()
    return base64.b64encode(gzip.compress(data) if gz else data).decode()


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def linux_vm(s: StackBuilder, name: str, size: Any = "Standard_D2ds_v5", **extra: Any) -> Any:
    inputs = {"resourceGroupName": "rg", "hardwareProfile": {"vmSize": size}, **extra}
    return s.add(VM, name, inputs)


# -- MC211 -----------------------------------------------------------------------------------


def _ephemeral(option: Any = "Local", placement: str = "CacheDisk") -> dict[str, Any]:
    return {
        "osDisk": {
            "createOption": "FromImage",
            "caching": "ReadOnly",
            "diffDiskSettings": {"option": option, "placement": placement},
        }
    }


def test_mc211_vm_and_scale_set_with_ephemeral_os_disk_fire() -> None:
    s = StackBuilder()
    s.add(VM, "web-vm", {"storageProfile": _ephemeral(placement="ResourceDisk")})
    s.add(VMSS, "web-vmss", {"virtualMachineProfile": {"storageProfile": _ephemeral(placement="NvmeDisk")}})
    findings = only(scan(s)[0], "MC211")
    by_name = {f.resource.name: f for f in findings}
    assert sorted(by_name) == ["web-vm", "web-vmss"]
    vm_finding, vmss_finding = by_name["web-vm"], by_name["web-vmss"]
    assert "temp (resource) disk" in vm_finding.message
    # what survives what (Microsoft's ephemeral OS disk docs)
    assert "live migration keeps it" in vm_finding.message
    assert "service healing" in vm_finding.message and "reimage" in vm_finding.message
    assert "cannot be stop-deallocated" in vm_finding.message
    assert "NVMe" in vmss_finding.message and "its instances' OS disk" in vmss_finding.message
    assert (vm_finding.severity.name, vmss_finding.severity.name) == ("WARNING", "INFO")
    managed, suppress = vm_finding.fixes
    assert [op.to_json() for op in managed.patch] == [
        {"op": "remove", "path": "/storageProfile/osDisk/diffDiskSettings"}
    ]
    assert managed.replacement is True
    # azure-native does not replace on diffDiskSettings: the snippet asks Pulumi to
    assert (
        "replace_on_changes=['storageProfile.osDisk.diffDiskSettings'], delete_before_replace=True"
        in managed.snippet
    )
    assert "'virtualMachineProfile.storageProfile.osDisk.diffDiskSettings'" in vmss_finding.fixes[0].snippet
    assert [op.path for op in vmss_finding.fixes[0].patch] == [
        "/virtualMachineProfile/storageProfile/osDisk/diffDiskSettings"
    ]
    assert suppress.patch == () and "# maintcheck: ignore[MC211]" in suppress.snippet
    for fix in (*vm_finding.fixes, *vmss_finding.fixes):
        compile(fix.snippet, "snippet", "exec")


def test_mc211_managed_os_disk_is_a_near_miss() -> None:
    s = StackBuilder()
    s.add(VM, "plain", {"storageProfile": {"osDisk": {"createOption": "FromImage"}}})
    s.add(VM, "no-profile", {})
    assert scan(s) == ([], [])


def test_mc211_unknown_option_is_skipped() -> None:
    s = StackBuilder()
    s.add(VM, "vm", {"storageProfile": _ephemeral(option=UNKNOWN_SENTINEL)})
    s.add(VM, "vm2", {"storageProfile": {"osDisk": {"diffDiskSettings": UNKNOWN_SENTINEL}}})
    findings, skipped = scan(s)
    assert findings == []
    assert sorted(k.resource.name for k in skipped) == ["vm", "vm2"]


def test_mc211_suppressed_by_the_tag_the_fix_describes() -> None:
    s = StackBuilder()
    s.add(
        VM,
        "stateless",
        {
            "storageProfile": _ephemeral(),
            "tags": {"maintcheck-ignore": "MC211: stateless, rebuilt from image"},
        },
    )
    result = engine.scan([s.document()], Settings(select=("MC211",)))
    (finding,) = result.findings
    assert finding.suppressed == "stateless, rebuilt from image"


# -- MC212: scripts --------------------------------------------------------------------------


def test_mc212_bash_custom_data_on_a_size_with_a_temp_disk() -> None:
    s = StackBuilder()
    linux_vm(s, "app-vm", osProfile={"customData": b64(fixture("app-on-temp-disk.sh"))})
    (finding,) = only(scan(s)[0], "MC212")
    assert finding.resource.name == "app-vm"
    assert "customData uses /mnt/resource/app-cache (2 places)" in finding.message
    assert "Standard_D2ds_v5 has a local temp disk" in finding.message
    assert finding.evidence == "customData, line 6: mkdir … /mnt/resource/app-cache"
    (fix,) = finding.fixes
    assert fix.replacement is False and fix.new_resources is True
    # customData cannot change after creation: changing the script recreates the VM.
    assert "changing customData does (replace_on_changes osProfile.customData)" in fix.title
    assert "replace_on_changes=['osProfile.customData'], delete_before_replace=True" in fix.snippet
    assert [op.to_json() for op in fix.patch] == [
        {
            "op": "add",
            "path": "/storageProfile",
            "value": {
                "dataDisks": [
                    {
                        "lun": 0,
                        "createOption": "Empty",
                        "diskSizeGB": 64,
                        "managedDisk": {"storageAccountType": "Premium_LRS"},
                    }
                ]
            },
        }
    ]
    assert "/dev/disk/azure/scsi1/lun0" in fix.snippet
    compile(fix.snippet, "snippet", "exec")


def test_mc212_same_script_on_a_size_without_temp_disk_is_not_reported() -> None:
    s = StackBuilder()
    linux_vm(
        s, "app-vm", size="Standard_D2s_v5", osProfile={"customData": b64(fixture("app-on-temp-disk.sh"))}
    )
    assert scan(s) == ([], [])


@pytest.mark.parametrize("size", [UNKNOWN_SENTINEL, "Standard_Q9zz_v9", None])
def test_mc212_size_not_known_is_skipped_not_guessed(size: Any) -> None:
    s = StackBuilder()
    inputs: dict[str, Any] = {"osProfile": {"customData": b64(fixture("app-on-temp-disk.sh"))}}
    if size is not None:
        inputs["hardwareProfile"] = {"vmSize": size}
    s.add(VM, "app-vm", inputs)
    findings, skipped = scan(s)
    assert findings == []
    (skip,) = skipped
    assert "/mnt/resource" in skip.reason and "not known" in skip.reason


def test_mc212_gzip_cloud_init_ephemeral0_mounts_and_fs_setup() -> None:
    s = StackBuilder()
    linux_vm(s, "queue-vm", userData=b64(fixture("ephemeral-mounts.yaml"), gz=True))
    (finding,) = only(scan(s)[0], "MC212")
    assert "userData (cloud-init: fs_setup formats ephemeral0.1 as ext4)" in finding.message
    assert "(2 places)" in finding.message
    assert finding.evidence is not None and finding.evidence.endswith("line 9: uses ephemeral0")


def test_mc212_data_disk_mounts_swap_and_comments_are_near_misses() -> None:
    s = StackBuilder()
    linux_vm(s, "db-vm", osProfile={"customData": b64(fixture("data-disk-near-miss.yaml"))})
    assert scan(s) == ([], [])


def test_mc212_raid_of_data_disks_under_mnt_is_not_the_temp_disk() -> None:
    raid = (
        "#!/bin/bash\n"
        "mdadm --create /dev/md0 --level=0 --raid-devices=2 "
        "/dev/disk/azure/scsi1/lun0 /dev/disk/azure/scsi1/lun1\n"
        "mkfs.ext4 /dev/md0 && mkdir -p /mnt/pgdata\n"
        "mount /dev/md0 /mnt/pgdata\n"
        "cp -r /srv/seed /mnt/pgdata/\n"
    )
    s = StackBuilder()
    linux_vm(s, "db-vm", osProfile={"customData": b64(raid)})
    assert scan(s) == ([], [])
    s2 = StackBuilder()
    linux_vm(
        s2, "db-vm", osProfile={"customData": b64(raid.replace("/dev/disk/azure/scsi1/lun", "/dev/xvd"))}
    )
    (finding,) = only(scan(s2)[0], "MC212")  # a RAID of unknown devices: /mnt is the temp disk
    assert "/mnt/pgdata" in finding.message


def test_mc212_windows_custom_script_extension_names_the_extension() -> None:
    s = StackBuilder()
    linux_vm(s, "win-vm", size="Standard_D4s_v3")
    s.add(
        EXT,
        "win-setup",
        {
            "vmName": "win-vm",
            "publisher": "Microsoft.Compute",
            "type": "CustomScriptExtension",
            "settings": {"commandToExecute": fixture("windows-setup.ps1")},
        },
    )
    (finding,) = only(scan(s)[0], "MC212")
    assert finding.resource.name == "win-vm"
    assert "extension 'win-setup' settings.commandToExecute uses D:\\AppData\\uploads" in finding.message
    assert finding.evidence == (
        "extension 'win-setup' settings.commandToExecute, line 3: New-Item … D:\\AppData\\uploads"
    )
    fix = finding.fixes[0]
    assert "Initialize-Disk" in fix.snippet and "F:\\" in fix.title
    assert "extension's settings can be updated in place" in fix.snippet
    assert "customData" not in fix.title
    compile(fix.snippet, "snippet", "exec")


def test_mc212_linux_extension_base64_script_by_property_dependency() -> None:
    s = StackBuilder()
    vm = s.add(VM, "app-vm", {"hardwareProfile": {"vmSize": "Standard_D2s_v3"}}, id=None)
    s.add(
        EXT,
        "install",
        {"vmName": UNKNOWN_SENTINEL, "settings": {"script": b64("#!/bin/sh\ncp -r /srv/in /mnt/work\n")}},
        deps={"vmName": [vm]},
        id=None,
    )
    (finding,) = only(scan(s)[0], "MC212")
    assert finding.evidence == "extension 'install' settings.script, line 2: cp … /mnt/work"


def test_mc212_protected_settings_secret_is_skipped_and_plain_ones_are_not_quoted() -> None:
    s = StackBuilder()
    linux_vm(s, "secret-vm")
    s.add(
        EXT,
        "secret-ext",
        {"vmName": "secret-vm", "protectedSettings": {SIG_KEY: SECRET_SIG, "ciphertext": "x"}},
    )
    linux_vm(s, "plain-vm")
    s.add(
        EXT,
        "plain-ext",
        {
            "vmName": "plain-vm",
            "protectedSettings": {"commandToExecute": "az login -p Hunter2 && mkdir /mnt/resource/db"},
        },
    )
    findings, skipped = scan(s)
    assert [(k.resource.name, "secret" in k.reason) for k in skipped] == [("secret-vm", True)]
    (finding,) = findings
    assert finding.resource.name == "plain-vm"
    assert finding.evidence == (
        "extension 'plain-ext' protectedSettings.commandToExecute, line 1 "
        "(protected settings, not quoted): uses /mnt/resource/db"
    )
    assert "Hunter2" not in finding.message + finding.evidence


def test_mc212_evidence_is_the_verb_and_the_path_never_the_line() -> None:
    long_path = "/mnt/resource/" + "x" * 300
    script = (
        f"#!/bin/bash\necho start\nAPI_TOKEN=abc123 tool --password s3cret --out {long_path}\necho done\n"
    )
    (hit,) = temp_disk_hits(Script("customData", script))
    evidence = hit.evidence()
    assert evidence.startswith("customData, line 3: tool … /mnt/resource/xxx")
    assert len(evidence) < 200
    assert "abc123" not in evidence and "s3cret" not in evidence and "echo" not in evidence
    (sas,) = temp_disk_hits(Script("x", 'curl "https://a.blob/x?sig=SECRET" -o /mnt/resource/x'))
    assert sas.evidence() == "x, line 1: curl … /mnt/resource/x"


def test_mc212_nvme_size_counts_nvme_paths_only() -> None:
    s = StackBuilder()
    linux_vm(
        s,
        "classic",
        size="Standard_D2ds_v6",
        osProfile={"customData": b64("#!/bin/bash\nmkdir /mnt/resource/x\n")},
    )
    nvme_script = (
        "#!/bin/bash\n"
        "mdadm --create /dev/md0 --level=0 /dev/disk/azure/local/by-index/0\n"
        "mount /dev/md0 /mnt/fast\n"
        "cp data /mnt/fast/\n"
    )
    linux_vm(s, "nvme", size="Standard_D2ds_v6", osProfile={"customData": b64(nvme_script)})
    (finding,) = only(scan(s)[0], "MC212")
    assert finding.resource.name == "nvme"
    assert "NVMe temp disk" in finding.message and "(3 places)" in finding.message


def test_mc212_scale_set_inline_extension_and_extension_resource() -> None:
    s = StackBuilder()
    vmss = s.add(
        VMSS,
        "web-vmss",
        {
            "sku": {"name": "Standard_D2ads_v5", "capacity": 2},
            "virtualMachineProfile": {
                "storageProfile": {"dataDisks": [{"lun": 0, "createOption": "Empty", "diskSizeGB": 8}]},
                "extensionProfile": {
                    "extensions": [
                        {"name": "cse", "settings": {"commandToExecute": "bash -c 'mkdir /mnt/resource/q'"}}
                    ]
                },
            },
        },
    )
    s.add(VMSS_EXT, "extra", {"vmScaleSetName": "web-vmss", "settings": {"commandToExecute": "cp a /mnt/b"}})
    (finding,) = only(scan(s)[0], "MC212")
    assert finding.resource.name == vmss.record["urn"].rsplit("::", 1)[1]
    assert "extension 'cse' settings.commandToExecute" in finding.message and "(2 places)" in finding.message
    (op,) = finding.fixes[0].patch
    assert op.path == "/virtualMachineProfile/storageProfile/dataDisks/-" and op.value["lun"] == 1
    assert "VirtualMachineScaleSetDataDiskArgs" in finding.fixes[0].snippet
    compile(finding.fixes[0].snippet, "snippet", "exec")


def test_mc212_secret_custom_data_is_skipped_only_when_the_size_has_a_temp_disk() -> None:
    s = StackBuilder()
    linux_vm(s, "a", osProfile={"customData": "[secret]"})
    linux_vm(s, "b", size="Standard_D2s_v5", osProfile={"customData": "[secret]"})
    findings, skipped = scan(s)
    assert findings == []
    assert [(k.resource.name, k.reason) for k in skipped] == [
        ("a", "could not read customData (it is secret) to look for temp-disk data")
    ]


def test_decode_plain_base64_gzip_and_binary() -> None:
    assert decode(b64("hello"), encoded=True) == "hello"
    assert decode(b64("hello", gz=True), encoded=True) == "hello"
    assert decode("not base64 at all: /mnt/x", encoded=True) == "not base64 at all: /mnt/x"
    assert decode(base64.b64encode(b"\xff\xfe\x00").decode(), encoded=True) is None


def test_mime_multipart_cloud_init() -> None:
    mime = (
        'Content-Type: multipart/mixed; boundary="B"\nMIME-Version: 1.0\n\n'
        '--B\nContent-Type: text/cloud-config; charset="us-ascii"\n\n'
        "#cloud-config\nmounts:\n  - [ephemeral0, /var/lib/cache]\n"
        '--B\nContent-Type: text/x-shellscript; charset="us-ascii"\n\n'
        "#!/bin/bash\necho hi\n--B--\n"
    )
    hits = temp_disk_hits(Script("customData", mime))
    assert [h.label for h in hits] == ["customData (cloud-init: mounts ephemeral0 at /var/lib/cache)"]


# -- preview through the CLI: no secret in any output -------------------------------------------


def test_preview_json_report_never_prints_secrets(tmp_path: Path) -> None:
    s = StackBuilder("dev", config={"azure-native:location": "eastus"})
    vm = s.add(
        VM,
        "app-vm",
        {
            "hardwareProfile": {"vmSize": "Standard_E4ds_v5"},
            "osProfile": {
                "adminPassword": "P@ssw0rd-visible-in-preview",
                "customData": b64(fixture("app-on-temp-disk.sh")),
            },
            "storageProfile": _ephemeral(),
        },
        id=None,
    )
    s.add(
        EXT,
        "ext",
        {"vmName": UNKNOWN_SENTINEL, "protectedSettings": "[secret]"},
        deps={"vmName": [vm]},
        id=None,
    )
    path = s.write(tmp_path / "preview.json", kind="preview")
    for fmt in ("json", "text"):
        result = CliRunner().invoke(cli, ["scan", str(path), "--format", fmt, "--select", "MC211,MC212"])
        assert result.exit_code == 1, result.output
        for secret in ("P@ssw0rd", "TOPSECRETSIGNATURE", "nginx"):
            assert secret not in result.output
    report = json.loads(
        CliRunner().invoke(cli, ["scan", str(path), "--format", "json", "--select", "MC2"]).output
    )
    assert sorted(f["rule"] for f in report["findings"]) == ["MC211", "MC212"]


# -- review findings: network shares under /mnt, credential shapes in evidence -------------------


@pytest.mark.parametrize(
    "script",
    [
        "mount -t cifs //acct.file.core.windows.net/share /mnt/share -o vers=3.0\ncp app.db /mnt/share/",
        "mount -t nfs 10.0.0.4:/export /mnt/nfs\ncp x /mnt/nfs/x",
        "blobfuse2 mount /mnt/blob --config-file=/etc/b.yaml",
    ],
    ids=["azure-files-smb", "nfs", "blobfuse"],
)
def test_network_shares_mounted_under_mnt_are_not_the_temp_disk(script: str) -> None:
    s = StackBuilder()
    linux_vm(s, "vm", osProfile={"customData": b64("#!/bin/bash\n" + script + "\n")})
    assert only(scan(s)[0], "MC212") == []


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("mysqldump -u root -pS3cLEAK1 db > /mnt/resource/dump.sql", "S3cLEAK1"),
        ("curl -u admin:S3cLEAK2 https://x/y -o /mnt/resource/f", "S3cLEAK2"),
        ("sshpass -p S3cLEAK3 scp host:/x /mnt/resource/x", "S3cLEAK3"),
        ("echo 'S3cLEAK4' | sudo -S cp x /mnt/resource/x", "S3cLEAK4"),
        ("psql postgresql://u:S3cLEAK6@db/x -o /mnt/resource/out", "S3cLEAK6"),
    ],
)
def test_evidence_masks_credential_shapes(line: str, secret: str) -> None:
    s = StackBuilder()
    linux_vm(s, "vm", "Standard_D2s_v3", osProfile={"customData": b64("#!/bin/bash\n" + line + "\n")})
    (finding,) = only(scan(s)[0], "MC212")
    assert finding.evidence is not None and "/mnt/resource" in finding.evidence
    assert secret not in finding.evidence
