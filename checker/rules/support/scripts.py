"""Reading boot scripts for temp-disk use (MC212): customData/userData, cloud-init YAML and
CustomScript extension commands.

Everything here is pure text processing. Evidence never quotes a line: it names the line,
the command's verb and the temp-disk path (``checker.redaction.script_evidence``), so no
credential on the line can reach an output; protected settings do not even get the verb.
Decoding is bounded: at most :data:`MAX_SCRIPT` bytes of a script are read (a customData that
inflates to gigabytes is cut there, with a note in the evidence's reason).
"""

from __future__ import annotations

import base64
import binascii
import email
import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from checker.redaction import safe_path, script_evidence, verb

# The most of one script that is read (decoded, inflated): 10 MB.
MAX_SCRIPT: Final = 10 * 1024 * 1024

# Where the temp disk shows up inside a VM. "scsi": the classic resource disk; "nvme": the v6
# NVMe temp disk (and L-series NVMe local disks); "windows": the D: drive.
_POSIX_PATHS: Final = (
    ("nvme", re.compile(r"(?<![\w./-])/dev/disk/azure/local(?:/[^\s'\"`;|&)]*)?")),
    ("nvme", re.compile(r"(?<![\w./-])/mnt/azure_nvme_temp(?![\w.-])(?:/[^\s'\"`;|&)]*)?")),
    ("scsi", re.compile(r"(?<![\w./-])/dev/disk/azure/resource(?:-part\d+)?(?![\w])")),
    ("scsi", re.compile(r"(?<![\w./-])/dev/disk/cloud/azure_resource(?:-part\d+)?(?![\w])")),
    ("scsi", re.compile(r"(?<![\w./-])/mnt(?![\w.-])(?:/[^\s'\"`;|&)]*)?")),
)
# A cheap first look: a line without any of these cannot name a temp-disk path.
_CANDIDATE: Final = re.compile(r"/mnt|/dev/disk/|[Dd]:[\\/]|mdadm|/dev/nvme|/dev/sd|lun\d")
_WINDOWS_PATH: Final = re.compile(r"(?<![\w$])[Dd]:[\\/][^\s'\"`;|&)]*")
# Uses of the temp disk that are intended: swap, the pagefile, SQL Server tempdb; and lines
# that only configure the agent's handling of the resource disk.
_FINE: Final = re.compile(r"swap|pagefile|page_file|tempdb|ResourceDisk\.", re.IGNORECASE)
# Devices that are managed data disks: a /mnt path mounted from one is not the temp disk.
_DATA_DEVICE: Final = re.compile(
    r"/dev/disk/azure/scsi1/lun\d+|/dev/disk/azure/data/by-lun/\d+|/dev/sd[c-z]\d*\b|lun\d+"
)
# Network file systems mounted under /mnt (Azure Files over SMB/NFS, NFS exports, blobfuse):
# remote storage, not the temp disk.
_REMOTE_FS: Final = r"\b(?:cifs|smb3|nfs4?|blobfuse2?|azure-storage-fuse|fuse\.blobfuse2?)\b"
_REMOTE_DEVICE: Final = re.compile(
    rf"(?i)(?<![\w:])//[\w.-]+/\S+|(?<![\w./-])[\w.-]+:/(?!/)\S*|{_REMOTE_FS}"
)
_MOUNTING: Final = re.compile(rf"(?i)\bmount\b|{_REMOTE_FS}")
_NVME_DEVICE: Final = re.compile(r"/dev/disk/azure/local|/dev/nvme\d+n\d+")
_RAID: Final = re.compile(r"/dev/md\d+|/dev/md/[\w-]+")
_MNT_TARGET: Final = re.compile(r"(?<![\w./-])(/mnt/[^\s'\"`;|&)]+)")
@dataclass(frozen=True)
class Script:
    """A piece of boot-time text: where it comes from, and its decoded text.

    ``text`` is None when it cannot be read (secret, not decodable); ``quotable`` is False
    for protected settings, whose lines are never quoted.
    """

    label: str
    text: str | None
    quotable: bool = True
    reason: str = ""  # why the text is None


@dataclass(frozen=True)
class Hit:
    """One place where a script keeps data on the temp disk."""

    label: str
    line_no: int
    verb: str | None  # the command the line runs; None for protected settings and data lines
    path: str
    kind: str  # "scsi" | "nvme" | "windows"
    quotable: bool = True

    def evidence(self) -> str:
        if not self.quotable:
            where = f"{self.label}, line {self.line_no} (protected settings, not quoted)"
            return script_evidence(where, self.path)
        return script_evidence(f"{self.label}, line {self.line_no}", self.path, self.verb)


# -- decoding ----------------------------------------------------------------------------------


class TooLarge(ValueError):
    """A script that decodes or inflates to more than :data:`MAX_SCRIPT` bytes."""


def _inflate(data: bytes) -> bytes:
    """``data``, gunzipped when it is gzip; at most MAX_SCRIPT bytes are ever inflated."""
    if data[:2] != b"\x1f\x8b":
        return data
    inflater = zlib.decompressobj(wbits=31)
    out = inflater.decompress(data, MAX_SCRIPT + 1)
    if len(out) > MAX_SCRIPT:
        raise TooLarge
    return out


def decode_script(value: str, *, encoded: bool) -> tuple[str | None, str]:
    """(text, why not) of a customData/userData/script value: base64 (possibly gzip) when
    ``encoded``; a value that is not base64 is read as plain text. The text is None when it is
    binary or larger than MAX_SCRIPT bytes, and the second item says which."""
    data: bytes | None = None
    if encoded:
        compact = "".join(value.split())
        try:
            data = base64.b64decode(compact, validate=True) if compact else b""
        except (binascii.Error, ValueError):
            data = None
    if data is None:
        if len(value) > MAX_SCRIPT:
            return None, f"it is larger than {MAX_SCRIPT // (1024 * 1024)} MB"
        data = value.encode("utf-8", "surrogatepass")
    try:
        data = _inflate(data)
    except TooLarge:
        return None, f"it inflates to more than {MAX_SCRIPT // (1024 * 1024)} MB"
    except (OSError, EOFError, zlib.error):
        return None, "it is not text"
    if len(data) > MAX_SCRIPT:
        return None, f"it is larger than {MAX_SCRIPT // (1024 * 1024)} MB"
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        return None, "it is not text"


def decode(value: str, *, encoded: bool) -> str | None:
    """The text of :func:`decode_script`, or None."""
    return decode_script(value, encoded=encoded)[0]


def _mime_parts(text: str) -> list[str] | None:
    """The text parts of a MIME multi-part cloud-init document, or None if it is not one."""
    if not re.match(r"(?i)^(content-type|mime-version):", text.lstrip()):
        return None
    message = email.message_from_string(text)
    if not message.is_multipart():
        return None
    parts: list[str] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            try:
                parts.append(_inflate(payload).decode("utf-8"))
            except (OSError, EOFError, zlib.error, UnicodeDecodeError, TooLarge):
                continue
    return parts


# -- scanning ----------------------------------------------------------------------------------

_HEREDOC: Final = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][\w-]*)\1")
_HERE_STRING: Final = re.compile(r"@(['\"])\s*$")
_CLOUD_SECTION: Final = re.compile(r"^([A-Za-z_][\w-]*)\s*:")
_CLOUD_COMMANDS: Final = frozenset({"runcmd", "bootcmd"})


def _data_lines(lines: list[str], cloud: bool) -> set[int]:
    """Numbers of the lines that hold data, not commands: heredoc and PowerShell here-string
    bodies, and in cloud-init every section but ``runcmd``/``bootcmd`` (``write_files``
    contents among them). Evidence never takes a verb from these."""
    out: set[int] = set()
    end: str | None = None
    section = ""
    for number, line in enumerate(lines, start=1):
        if end is not None:
            out.add(number)
            if line.strip() == end:
                end = None
            continue
        if cloud:
            top = _CLOUD_SECTION.match(line)
            if top:
                section = top.group(1)
                out.add(number)
                continue
            if section not in _CLOUD_COMMANDS:
                out.add(number)
                continue
        heredoc = _HEREDOC.search(line)
        if heredoc:
            end = heredoc.group(2)
        else:
            here = _HERE_STRING.search(line)
            end = here.group(1) + "@" if here else None
    return out


def _is_comment(line: str) -> bool:
    stripped = line.strip()
    return (stripped.startswith("#") and not stripped.startswith("#!")) or stripped.upper().startswith("REM ")


def _candidates(lines: list[str]) -> list[tuple[int, str]]:
    """(line number, line) of the lines that can name a temp-disk path."""
    return [(n, line) for n, line in enumerate(lines, start=1) if _CANDIDATE.search(line)]


def _mount_points(lines: list[tuple[int, str]]) -> tuple[set[str], set[str]]:
    """(/mnt paths that managed data disks or network shares are mounted on, /mnt paths NVMe
    disks are mounted on).

    A RAID device (``/dev/md0``) counts as what ``mdadm`` built it from."""
    data: set[str] = set()
    nvme: set[str] = set()
    raid_nvme: set[str] = set()
    raid_data: set[str] = set()
    for _number, line in lines:
        raids = set(_RAID.findall(line))
        if raids and "mdadm" in line:
            if _NVME_DEVICE.search(line):
                raid_nvme |= raids
            elif _DATA_DEVICE.search(line):
                raid_data |= raids
    for _number, line in lines:
        targets = [m.rstrip("/") for m in _MNT_TARGET.findall(line)]
        if not targets:
            continue
        raids = set(_RAID.findall(line))
        if _NVME_DEVICE.search(line) or raids & raid_nvme:
            nvme.update(targets)
        elif _DATA_DEVICE.search(line) or raids & raid_data or _remote_mount(line):
            data.update(targets)
    return data, nvme


def _remote_mount(line: str) -> bool:
    """A mount of a network share (``mount -t cifs //host/share``, an fstab NFS line)."""
    return bool(_MOUNTING.search(line) and _REMOTE_DEVICE.search(line))


def _under(path: str, roots: set[str]) -> bool:
    return any(path == root or path.startswith(root + "/") for root in roots)


def _line_hits(
    label: str,
    lines: list[tuple[int, str]],
    quotable: bool,
    data: set[str],
    nvme: set[str],
    data_lines: set[int],
) -> Iterator[Hit]:
    for number, line in lines:
        if _is_comment(line) or _FINE.search(line):
            continue
        found = _line_match(line, data, nvme)
        if found is not None:
            path, kind = found
            command = verb(line) if quotable and number not in data_lines else None
            yield Hit(label, number, command, path, kind, quotable)


def _line_match(line: str, data: set[str], nvme: set[str]) -> tuple[str, str] | None:
    for kind, pattern in _POSIX_PATHS:
        for match in pattern.finditer(line):
            path = match.group(0).rstrip("/") or "/mnt"
            if _under(path, data):
                continue
            return path, "nvme" if _under(path, nvme) else kind
    drive = _WINDOWS_PATH.search(line)
    if drive:
        return drive.group(0), "windows"
    return None


# -- cloud-init --------------------------------------------------------------------------------

_EPHEMERAL: Final = re.compile(
    r"^(ephemeral0(\.\d+)?|/dev/disk/cloud/azure_resource(-part\d+)?|/dev/disk/azure/resource(-part\d+)?)$"
)


def _is_ephemeral(device: Any) -> bool:
    return isinstance(device, str) and bool(_EPHEMERAL.match(device.strip()))


def _cloud_config(text: str) -> Mapping[str, Any] | None:
    if not text.lstrip().startswith("#cloud-config"):
        return None
    import yaml  # only for cloud-config scripts (PyYAML costs 8 ms to import)

    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return loaded if isinstance(loaded, Mapping) else None


def _ephemeral_uses(config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(what, a word to find its line by) for each cloud-init use of the temp disk for data."""
    swap_devices: set[str] = set()
    for entry in config.get("fs_setup") or []:
        if not isinstance(entry, Mapping):
            continue
        device = str(entry.get("device", ""))
        if _is_ephemeral(device) or _is_ephemeral(str(entry.get("label", ""))):
            if str(entry.get("filesystem", "")).lower() == "swap":
                swap_devices.add(device)
            else:
                fs = safe_path(str(entry.get("filesystem")))
                yield f"fs_setup formats {device} as {fs}", device
    for entry in config.get("mounts") or []:
        if not isinstance(entry, list) or not entry or not _is_ephemeral(str(entry[0])):
            continue
        target = str(entry[1]) if len(entry) > 1 and entry[1] is not None else ""
        fstype = str(entry[2]).lower() if len(entry) > 2 and entry[2] is not None else ""
        if target and target.lower() != "none" and fstype != "swap":
            yield f"mounts {entry[0]} at {safe_path(target)}", str(entry[0])
    disks = config.get("disk_setup")
    if isinstance(disks, Mapping):
        for device in disks:
            if _is_ephemeral(str(device)) and not swap_devices:
                yield f"disk_setup partitions {device}", str(device)


def _find_line(lines: list[str], word: str, taken: set[int]) -> int:
    for number, line in enumerate(lines, start=1):
        if word in line and number not in taken and not _is_comment(line):
            return number
    return 1


def _cloud_hits(label: str, config: Mapping[str, Any], lines: list[str], quotable: bool) -> Iterator[Hit]:
    taken: set[int] = set()
    for what, word in _ephemeral_uses(config):
        number = _find_line(lines, word, taken)
        taken.add(number)
        yield Hit(f"{label} (cloud-init: {what})", number, None, "ephemeral0", "scsi", quotable)


def temp_disk_hits(script: Script) -> list[Hit]:
    """Every place the script keeps data on the temp disk, in line order."""
    if script.text is None:
        return []
    parts = _mime_parts(script.text)
    if parts is not None:
        return [hit for part in parts for hit in temp_disk_hits(Script(script.label, part, script.quotable))]
    lines = script.text.splitlines()
    candidates = _candidates(lines)
    data, nvme = _mount_points(candidates)
    hits: list[Hit] = []
    config = _cloud_config(script.text)
    data_lines = _data_lines(lines, config is not None)
    if config is not None:
        hits.extend(_cloud_hits(script.label, config, lines, script.quotable))
        data |= _cloud_data_mounts(config)
    seen = {h.line_no for h in hits}
    hits.extend(
        h
        for h in _line_hits(script.label, candidates, script.quotable, data, nvme, data_lines)
        if h.line_no not in seen
    )
    return sorted(hits, key=lambda h: h.line_no)


def _cloud_data_mounts(config: Mapping[str, Any]) -> set[str]:
    """Mount points of cloud-init ``mounts`` entries whose device is not the temp disk."""
    out: set[str] = set()
    for entry in config.get("mounts") or []:
        if not isinstance(entry, list) or len(entry) < 2 or _is_ephemeral(str(entry[0])):
            continue
        if isinstance(entry[1], str) and entry[1].startswith("/mnt/"):
            out.add(entry[1].rstrip("/"))
    return out
