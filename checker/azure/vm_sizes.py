"""Azure VM size names: does a size have a local temp disk, and is it an isolated size?

Facts from ``reference/azure-vm-sizes.md`` (Microsoft's size pages). A size name reads
``Standard_<family><sub-family><vCPUs>[-constrained]<features>[_accelerator][_vN]``; the
lower-case feature letter ``d`` ("diskful") marks a local temp disk from v4 on, every size
before v4 has one, and a few families are exceptions (AMD v4, Mv2 high memory, GPU, HPC).
When a name cannot be classified the answer is UNKNOWN: callers must not guess.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass
from typing import Any, Final

from checker.values import UNKNOWN


class TempDisk(enum.Enum):
    """What local temp disk a size has."""

    NONE = "none"
    SCSI = "scsi"  # /dev/sdb, /dev/disk/azure/resource, D: on Windows
    NVME = "nvme"  # v6 'd' sizes: raw NVMe, unformatted after deallocation or maintenance


@dataclass(frozen=True)
class SizeName:
    """The parts of a VM size name."""

    family: str  # upper case, e.g. "D", "NC", "DS", "HB"
    vcpus: int
    constrained: int | None
    features: str  # lower-case feature letters, e.g. "ads"
    accelerator: str  # e.g. "A100", "T4", "" when none
    version: int  # 1 when the name has no _vN suffix


_NAME: Final = re.compile(
    r"^(?:standard_|basic_)?"
    r"(?P<family>[a-z]+)"
    r"(?P<vcpus>\d+)"
    r"(?:-(?P<constrained>\d+))?"
    r"(?P<features>[a-z]*)"
    r"(?P<extra>(?:_?[a-z]+\d+[a-z0-9]*|_\d+|_(?!v)[a-z]+)*?)"
    r"(?:_v(?P<version>\d+))?$",
    re.IGNORECASE,
)

_PROMO: Final = re.compile(r"_promo$", re.IGNORECASE)
# Families whose sizes the reference classifies (old-style "DS"/"GS"/"FS"/"LS" included).
_KNOWN_FAMILIES: Final = frozenset(
    {"A", "B", "D", "DS", "E", "F", "FS", "FX", "G", "GS", "L", "LS", "M", "DC", "EC"}
)
# GPU (N*) and HPC (H*) families have a temp disk whatever the features say.
_ALWAYS_DISKFUL_PREFIXES: Final = ("N", "H")
# Isolated sizes: Microsoft Learn "Isolation in the Azure Public Cloud"
# (learn.microsoft.com/azure/virtual-machines/isolation, page dated 2026-04-28), as collected
# in reference/azure-regions.md (d). Not a naming rule: E112ias_v5 and HB120rs_v3 are isolated
# without an 'i' feature alone, and isolation was retired for G5, GS5, E64i_v3, E64is_v3
# (2022-02-28), DS15_v2 and D15_v2 (2020-05-15).
ISOLATED_SOURCE: Final = (
    "Microsoft Learn, Isolation in the Azure Public Cloud "
    "(learn.microsoft.com/azure/virtual-machines/isolation), dated 2026-04-28"
)
ISOLATED_SIZES: Final = frozenset(
    name.upper()
    for name in (
        "E192is_v6", "E192ids_v6", "E104i_v5", "E104id_v5", "E104is_v5", "E104ids_v5",
        "E112ias_v5", "E112iads_v5", "E80is_v4", "E80ids_v4", "E96ias_v4",
        "E112ibs_v5", "E112ibds_v5",
        "EC96ias_v5", "EC96iads_v5",
        "HB120rs_v3", "HB176rs_v4", "HB368rs_v5",
        "HX176rs",
        "M832is_16_v3", "M832ids_16_v3", "M192is_v2", "M192ids_v2", "M192ims_v2", "M192idms_v2",
        "NC64as_T4_v3", "NC96ads_A100_v4", "NC80adis_H100_v5",
        "ND128isr_NDR_GB200_v6", "ND128isr_NDR_GB300_v6", "ND96isr_H100_v5",
        "ND96isr_H200_v5", "ND96isr_MI300X_v5",
        "NG32ads_V620_v1", "NG32adms_V620_v1",
        "NV72ads_A10_v5",
    )
)


@functools.lru_cache(maxsize=1024)
def parse(size: str) -> SizeName | None:
    """Split a size name into its parts; None when it is not a size name."""
    match = _NAME.match(_PROMO.sub("", size.strip()))
    if match is None:
        return None
    features = match["features"]
    accelerator = "_".join(p for p in match["extra"].split("_") if p and not p.isdigit())
    return SizeName(
        family=match["family"].upper(),
        vcpus=int(match["vcpus"]),
        constrained=int(match["constrained"]) if match["constrained"] else None,
        features=features.lower(),
        accelerator=accelerator,
        version=int(match["version"]) if match["version"] else 1,
    )


def temp_disk(size: Any) -> Any:
    """The :class:`TempDisk` of a size name, or UNKNOWN when it cannot be classified."""
    if not isinstance(size, str):
        return UNKNOWN
    name = parse(size)
    if name is None:
        return UNKNOWN
    return _classify(name)


def has_temp_disk(size: Any) -> Any:
    """True / False, or UNKNOWN when the size cannot be classified."""
    disk = temp_disk(size)
    return disk if disk is UNKNOWN else disk is not TempDisk.NONE


def _classify(n: SizeName) -> Any:
    diskful = "d" in n.features
    if n.family.startswith(_ALWAYS_DISKFUL_PREFIXES):
        return TempDisk.SCSI
    if n.family not in _KNOWN_FAMILIES:
        return UNKNOWN
    if n.family == "B":  # B v1 has one; Bsv2, Basv2, Bpsv2 do not
        return TempDisk.SCSI if n.version == 1 or diskful else TempDisk.NONE
    if n.family == "M":  # M v1 and Mv2 high memory have one; Msv2/Msv3 medium memory not
        if n.version == 1 or diskful or n.vcpus >= 208:
            return TempDisk.SCSI
        return TempDisk.NONE
    if n.family in ("L", "LS"):  # Ls, Lsv2, Lsv3, Lasv3; later versions are not in the table
        if n.version <= 3 or diskful:
            return TempDisk.SCSI
        return UNKNOWN
    if n.family in ("DC", "EC") and n.version == 3 and not diskful:
        return UNKNOWN  # confidential v3 without 'd' is not in the reference table
    if n.version < 4:
        return TempDisk.SCSI
    if n.version == 4:
        amd_exception = "a" in n.features and n.family in ("D", "E")
        return TempDisk.SCSI if diskful or amd_exception else TempDisk.NONE
    if n.version == 5:
        return TempDisk.SCSI if diskful else TempDisk.NONE
    return TempDisk.NVME if diskful else TempDisk.NONE


def is_isolated(size: Any) -> bool:
    """True for the sizes Microsoft lists as isolated (a whole host to one customer; see
    ``ISOLATED_SIZES``), e.g. Standard_E104i_v5, Standard_E112ias_v5, Standard_HB120rs_v3.

    Anything else (including UNKNOWN) gives False.
    """
    return isinstance(size, str) and _is_isolated_name(size)


@functools.lru_cache(maxsize=1024)  # MC401 and MC402 ask for every VM; a fleet has few sizes
def _is_isolated_name(size: str) -> bool:
    short = re.sub(r"^(standard_|basic_)", "", size.strip(), flags=re.IGNORECASE).upper()
    return short in ISOLATED_SIZES


__all__ = ["SizeName", "TempDisk", "has_temp_disk", "is_isolated", "parse", "temp_disk"]
