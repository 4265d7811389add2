"""Coded concepts of kypho's DICOM objects: standard codes first, kypho's own otherwise.

Vertebrae C1..L5 carry their SNOMED CT codes from DICOM CID 7603 "Vertebra" (as pydicom
ships them). Concepts with no standard code (the three morphometric heights and their
doubt, the height loss and its range, the wedge angle and its doubt, the trabecular
ROI's voxel count and erosion, the Genant grade,
the morphology, the quality flag and its reasons, the CT bone density screening flag
and why that level, the IV contrast phase, and the vertebrae outside CID 7603: S1 and the
transitional T13 and L6) use the private coding scheme ``99KYPHO`` (DICOM PS3.16 8.2: a
private scheme's designator begins with "99"), version 1, documented in
``docs/dicom.md``. A code, once published, keeps its meaning; new concepts get new codes.
"""

from __future__ import annotations

from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code

from kypho.morphometry.structures import normalise_structure

SCHEME = "99KYPHO"
SCHEME_VERSION = "1"


def kypho_code(value: str, meaning: str) -> Code:
    """A concept of kypho's private coding scheme."""
    return Code(value, SCHEME, meaning, SCHEME_VERSION)


ANTERIOR_HEIGHT = kypho_code("KY0001", "Anterior vertebral body height")
MIDDLE_HEIGHT = kypho_code("KY0002", "Middle vertebral body height")
POSTERIOR_HEIGHT = kypho_code("KY0003", "Posterior vertebral body height")
HEIGHT_LOSS = kypho_code("KY0004", "Vertebral body height loss")
HEIGHT_LOSS_LEAST = kypho_code("KY0005", "Vertebral body height loss, least within doubt")
HEIGHT_LOSS_GREATEST = kypho_code("KY0006", "Vertebral body height loss, greatest within doubt")
WEDGE_ANGLE = kypho_code("KY0007", "Vertebral body wedge angle")
WEDGE_ANGLE_DOUBT = kypho_code("KY0008", "Vertebral body wedge angle doubt (plus or minus)")
HEIGHT_DOUBT = kypho_code("KY0009", "Vertebral body height doubt (plus or minus)")
ROI_VOXELS = kypho_code("KY0040", "Trabecular region of interest voxel count")
ROI_EROSION = kypho_code("KY0041", "Trabecular region of interest erosion from the body surface")
ATTENUATION = codes.DCM.AttenuationCoefficient  # DCM 112031, with derivation Mean/Median
MEAN = codes.SCT.Mean
MEDIAN = codes.SCT.Median
VOXELS = Code("{voxels}", "UCUM", "voxels")
GENANT_GRADE = kypho_code("KY0010", "Genant semiquantitative fracture grade")
GENANT_GRADES = tuple(kypho_code(f"KY001{g + 1}", f"Genant grade {g}") for g in range(4))
MORPHOLOGY = kypho_code("KY0020", "Vertebral fracture morphology")
MORPHOLOGIES = {
    "none": kypho_code("KY0021", "No deformity"),
    "wedge": kypho_code("KY0022", "Wedge deformity"),
    "biconcave": kypho_code("KY0023", "Biconcave deformity"),
    "crush": kypho_code("KY0024", "Crush deformity"),
}
QUALITY = kypho_code("KY0030", "Measurement quality")
QUALITIES = {
    "good": kypho_code("KY0031", "Good"),
    "limited": kypho_code("KY0032", "Limited"),
    "poor": kypho_code("KY0033", "Poor"),
}
QUALITY_REASON = kypho_code("KY0034", "Measurement quality reason")
DENSITY_FLAG = kypho_code("KY0050", "CT bone density flag for DXA referral, not a diagnosis")
DENSITY_FLAGS = {  # keyed by domain.imaging.BoneDensityFlag values (Pickhardt 2013)
    "at_or_below_110_hu": kypho_code("KY0051", "Trabecular attenuation at or below 110 HU"),
    "at_or_below_160_hu": kypho_code(
        "KY0052", "Trabecular attenuation above 110 HU, at or below 160 HU"
    ),
    "above_160_hu": kypho_code("KY0053", "Trabecular attenuation above 160 HU"),
}
DENSITY_LEVEL_REASON = kypho_code("KY0054", "Bone density screening level, why this level")
CONTRAST = kypho_code("KY0060", "Intravenous contrast")
CONTRASTS = {  # keyed by domain.imaging.ContrastPhase values
    "non_contrast": kypho_code("KY0061", "No intravenous contrast"),
    "contrast": kypho_code("KY0062", "Intravenous contrast given, phase unknown"),
    "unknown": kypho_code("KY0063", "Intravenous contrast unknown"),
}
CONTRAST_EVIDENCE = kypho_code("KY0064", "Intravenous contrast, read from")
PRIVATE_VERTEBRAE = {
    "T13": kypho_code("KY0101", "T13 vertebra (transitional)"),
    "L6": kypho_code("KY0102", "L6 vertebra (transitional)"),
    "S1": kypho_code("KY0103", "S1 vertebra"),
}
VERTEBRA = codes.SCT.Vertebra  # the finding type of each vertebra's measurement group
ANATOMICAL_STRUCTURE = codes.SCT.AnatomicalStructure  # segmented property category


def vertebra_code(structure: str) -> Code:
    """The code of a vertebra: SNOMED CT (CID 7603) or kypho's for S1, T13, L6.

    >>> vertebra_code("L1").value, vertebra_code("T13").scheme_designator
    ('66794005', '99KYPHO')
    """
    if structure in PRIVATE_VERTEBRAE:
        return PRIVATE_VERTEBRAE[structure]
    code: Code = getattr(codes.cid7603, f"{structure}Vertebra")
    return code


def structure_of(code_value: str, scheme: str, label: str) -> str | None:
    """The structure a SEG segment is, by its code, else by its label; ``None``: not one."""
    for name in ("S1", "T13", "L6", *(f"C{i}" for i in range(1, 8))):
        if _matches(name, code_value, scheme):
            return name
    for name in (*(f"T{i}" for i in range(1, 13)), *(f"L{i}" for i in range(1, 6))):
        if _matches(name, code_value, scheme):
            return name
    return normalise_structure(label.replace(" vertebra", "").replace(" ", "_"))


def _matches(name: str, value: str, scheme: str) -> bool:
    code = vertebra_code(name)
    return code.value == value and code.scheme_designator == scheme
