"""Reading boot scripts for temp-disk use (MC212): customData/userData, cloud-init YAML and
CustomScript extension commands.

Everything here is pure text processing. Evidence quotes one matching line, truncated and with
credential-looking values masked; text from protected settings is never quoted.
"""

from __future__ import annotations

import base64
import binascii
import email
import gzip
import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

import yaml

MAX_QUOTE: Final = 100

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
_SECRET_WORD: Final = r"[\w-]*(?:password|passwd|pwd|secret|token|key|sig|sas)[\w-]*"
# Credential shapes in shell lines; the named group ``s`` is what gets masked.
_CREDENTIALS: Final = tuple(
    re.compile(pattern)
    for pattern in (
        rf"(?i){_SECRET_WORD}\s*[=:]\s*(?P<s>\S+)",  # password=..., key: ...
        rf"(?i)\s-{{1,2}}{_SECRET_WORD}\s+(?P<s>\S+)",  # --password ..., -AccountKey ...
        r"://[^\s:/@]+:(?P<s>[^\s@/]+)@",  # scheme://user:password@host
        r"(?:^|\s)(?:-u|--user)\s+[^\s:]+:(?P<s>\S+)",  # curl -u user:password
        r"(?:^|\s)-p(?P<s>[^\s-]\S*)",  # mysql -pPASSWORD
        r"sshpass\s+-p\s*(?P<s>\S+)",  # sshpass -p PASSWORD
        r"echo\s+(?P<s>'[^']*'|\"[^\"]*\"|\S+)\s*\|\s*sudo\s+-S",  # echo PASSWORD | sudo -S
    )
)
_QUERY: Final = re.compile(r"(https?://[^\s?'\"]+)\?[^\s'\"]*")


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
    quote: str
    path: str
    kind: str  # "scsi" | "nvme" | "windows"

    def evidence(self) -> str:
        if self.quote:
            return f"{self.label}, line {self.line_no}: {self.quote}"
        return f"{self.label}, line {self.line_no} (protected settings, not quoted): uses {self.path}"


# -- decoding ----------------------------------------------------------------------------------


def _inflate(data: bytes) -> bytes:
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    return data


def decode(value: str, *, encoded: bool) -> str | None:
    """Text of a customData/userData/script value: base64 (possibly gzip) when ``encoded``;
    a value that is not base64 is read as plain text. None when it is binary."""
    data: bytes = value.encode("utf-8", "surrogateescape")
    if encoded:
        compact = "".join(value.split())
        try:
            data = base64.b64decode(compact, validate=True) if compact else b""
        except (binascii.Error, ValueError):
            data = value.encode("utf-8", "surrogateescape")
    try:
        data = _inflate(data)
    except (OSError, EOFError, zlib.error):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


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
            except (OSError, EOFError, zlib.error, UnicodeDecodeError):
                continue
    return parts


# -- scanning ----------------------------------------------------------------------------------


def _masked(match: re.Match[str]) -> str:
    head, tail = match.start("s") - match.start(), match.end("s") - match.start()
    return f"{match[0][:head]}***{match[0][tail:]}"


def _mask(line: str) -> str:
    """``line`` with every credential-shaped value replaced by ``***``."""
    for pattern in _CREDENTIALS:
        line = pattern.sub(_masked, line)
    return line


def _quote(line: str, start: int) -> str:
    line = _QUERY.sub(r"\1?…", line.strip())
    line = _mask(line)
    if len(line) <= MAX_QUOTE:
        return line
    begin = max(0, min(start - 30, len(line) - MAX_QUOTE))
    head = "…" if begin else ""
    tail = "…" if begin + MAX_QUOTE < len(line) else ""
    return f"{head}{line[begin : begin + MAX_QUOTE]}{tail}"


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
    label: str, lines: list[tuple[int, str]], quotable: bool, data: set[str], nvme: set[str]
) -> Iterator[Hit]:
    for number, line in lines:
        if _is_comment(line) or _FINE.search(line):
            continue
        found = _line_match(line, data, nvme)
        if found is not None:
            path, kind, start = found
            yield Hit(label, number, _quote(line, start) if quotable else "", path, kind)


def _line_match(line: str, data: set[str], nvme: set[str]) -> tuple[str, str, int] | None:
    for kind, pattern in _POSIX_PATHS:
        for match in pattern.finditer(line):
            path = match.group(0).rstrip("/") or "/mnt"
            if _under(path, data):
                continue
            return path, "nvme" if _under(path, nvme) else kind, match.start()
    drive = _WINDOWS_PATH.search(line)
    if drive:
        return drive.group(0), "windows", drive.start()
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
                yield f"fs_setup formats {device} as {entry.get('filesystem')}", device
    for entry in config.get("mounts") or []:
        if not isinstance(entry, list) or not entry or not _is_ephemeral(str(entry[0])):
            continue
        target = str(entry[1]) if len(entry) > 1 and entry[1] is not None else ""
        fstype = str(entry[2]).lower() if len(entry) > 2 and entry[2] is not None else ""
        if target and target.lower() != "none" and fstype != "swap":
            yield f"mounts {entry[0]} at {target}", str(entry[0])
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
        quote = _quote(lines[number - 1], lines[number - 1].find(word)) if quotable and lines else ""
        yield Hit(f"{label} (cloud-init: {what})", number, quote, "ephemeral0", "scsi")


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
    if config is not None:
        hits.extend(_cloud_hits(script.label, config, lines, script.quotable))
        data |= _cloud_data_mounts(config)
    seen = {h.line_no for h in hits}
    hits.extend(
        h for h in _line_hits(script.label, candidates, script.quotable, data, nvme) if h.line_no not in seen
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
