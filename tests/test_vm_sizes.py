"""The VM size parser against real size names (reference/azure-vm-sizes.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checker.azure.vm_sizes import ISOLATED_SIZES, TempDisk, has_temp_disk, is_isolated, parse, temp_disk
from checker.values import UNKNOWN

YES, NO, NVME = TempDisk.SCSI, TempDisk.NONE, TempDisk.NVME

TEMP_DISK = [
    # v5 and later: the 'd' feature decides
    ("Standard_D2ds_v5", YES),
    ("Standard_D2s_v5", NO),
    ("Standard_D2as_v5", NO),
    ("Standard_D2ads_v5", YES),
    ("Standard_E8-2ds_v5", YES),
    ("Standard_E8-2s_v5", NO),
    ("Standard_D2lds_v5", YES),
    ("Standard_D2pls_v5", NO),
    ("Standard_E2bds_v5", YES),
    ("Standard_E104i_v5", NO),
    ("Standard_E104id_v5", YES),
    # before v4 every size has one
    ("Standard_D2s_v3", YES),
    ("Standard_D2_v3", YES),
    ("Standard_DS2_v2", YES),
    ("Standard_DS2_v2_Promo", YES),
    ("Standard_A2_v2", YES),
    ("Standard_A2m_v2", YES),
    ("Standard_F4s_v2", YES),
    ("Standard_E16s_v3", YES),
    ("Standard_GS5", YES),
    ("Basic_A1", YES),
    # v4: 'd', or the AMD exception
    ("Standard_D2s_v4", NO),
    ("Standard_E4_v4", NO),
    ("Standard_D2ds_v4", YES),
    ("Standard_D2as_v4", YES),
    ("Standard_E4a_v4", YES),
    # B series
    ("Standard_B2s", YES),
    ("Standard_B1ms", YES),
    ("Standard_B2ts_v2", NO),
    ("Standard_B2als_v2", NO),
    ("Standard_B2pts_v2", NO),
    # v6: NVMe temp disk on 'd' sizes
    ("Standard_D2ds_v6", NVME),
    ("Standard_D2ads_v6", NVME),
    ("Standard_D2s_v6", NO),
    ("Standard_D2as_v6", NO),
    ("Standard_F2als_v6", NO),
    # storage, memory, GPU, HPC exceptions
    ("Standard_L8s_v3", YES),
    ("Standard_L8as_v3", YES),
    ("Standard_L8s_v2", YES),
    ("Standard_M208s_v2", YES),
    ("Standard_M416ms_v2", YES),
    ("Standard_M416s_8_v2", YES),
    ("Standard_M32ms_v2", NO),
    ("Standard_M64ds_v2", YES),
    ("Standard_M128ms", YES),
    ("Standard_NC24ads_A100_v4", YES),
    ("Standard_NC4as_T4_v3", YES),
    ("Standard_ND96isr_H100_v5", YES),
    ("Standard_NV4as_v4", YES),
    ("Standard_NV36ads_A10_v5", YES),
    ("Standard_HB120rs_v3", YES),
    ("Standard_HB120-16rs_v3", YES),
    ("Standard_HC44rs", YES),
    # case does not matter to Azure
    ("standard_d2ds_v5", YES),
    ("STANDARD_D2S_V5", NO),
]

UNCLASSIFIED = [
    "garbage",
    "",
    "Standard_",
    "Standard_Q2s_v5",
    "Standard_D2s_vX",
    "D",
    UNKNOWN,
    None,
    4,
]


@pytest.mark.parametrize(("size", "expected"), TEMP_DISK)
def test_temp_disk_of_real_sizes(size: str, expected: TempDisk) -> None:
    assert temp_disk(size) is expected
    assert has_temp_disk(size) is (expected is not TempDisk.NONE)


@pytest.mark.parametrize("size", UNCLASSIFIED)
def test_unclassifiable_sizes_are_unknown(size: object) -> None:
    assert temp_disk(size) is UNKNOWN
    assert has_temp_disk(size) is UNKNOWN


@pytest.mark.parametrize(
    "size",
    [
        "Standard_E104i_v5",
        "Standard_E104is_v5",
        "Standard_E104id_v5",
        "Standard_E104ids_v5",
        "Standard_M192idms_v2",
        "Standard_M192ims_v2",
        "Standard_E80ids_v4",
        "Standard_E112ias_v5",  # no plain 'i' feature set: only Microsoft's list knows
        "Standard_E112iads_v5",
        "Standard_E96ias_v4",
        "Standard_E112ibs_v5",
        "Standard_HB120rs_v3",
        "Standard_ND96isr_H100_v5",
        "standard_e104i_v5",
    ],
)
def test_isolated_sizes(size: str) -> None:
    assert is_isolated(size)


@pytest.mark.parametrize(
    "size",
    [
        "Standard_E104s_v5",
        "Standard_D2ds_v5",
        "Standard_G4",
        "Standard_F64s_v2",
        "Standard_M64ms",
        # isolation retired (2020, 2022): no longer isolated
        "Standard_G5",
        "Standard_GS5",
        "Standard_E64i_v3",
        "Standard_DS15_v2",
        "garbage",
        UNKNOWN,
        None,
    ],
)
def test_not_isolated(size: object) -> None:
    assert not is_isolated(size)


def test_parse_splits_the_name() -> None:
    name = parse("Standard_NC24ads_A100_v4")
    assert name is not None
    assert (name.family, name.vcpus, name.features, name.accelerator, name.version) == (
        "NC",
        24,
        "ads",
        "A100",
        4,
    )
    constrained = parse("Standard_E8-2ds_v5")
    assert constrained is not None and constrained.constrained == 2 and constrained.vcpus == 8
    first = parse("Standard_M128ms")
    assert first is not None and first.version == 1


ISOLATION = Path("/work/shared/reference/azure-regions.md")


@pytest.mark.skipif(not ISOLATION.exists(), reason="reference isolation list not available")
def test_isolated_sizes_match_microsofts_list() -> None:
    section = ISOLATION.read_text().split("## (d) Isolated VM sizes", 1)[1].split("\n## ", 1)[0]
    listed = section.split("Isolation has already been retired", 1)[0]
    names = {n.upper() for n in re.findall(r"Standard_([A-Za-z0-9_]+)", listed)}
    assert names == set(ISOLATED_SIZES)
