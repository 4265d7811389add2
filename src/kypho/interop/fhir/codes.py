"""Code systems and the codes kypho reads and writes, each with where it comes from.

Only codes with a source are here. A fact for which no standard code could be confirmed
in this project is written and read under kypho's own code system ``KYPHO`` (a local
``urn:``; docs/fhir.md lists them as local), never under a guessed LOINC or SNOMED code.
"""

from __future__ import annotations

from functools import cache

from kypho.domain.coding import KYPHOPLASTY_CPT as _KYPHOPLASTY_CPT
from kypho.domain.coding import bare_cpt
from kypho.domain.levels import Level

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ATC = "http://www.whocc.no/atc"
CPT = "http://www.ama-assn.org/go/cpt"
UCUM = "http://unitsofmeasure.org"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
KYPHO = "urn:kypho:fhir:code"  # kypho's local code system: no standard code confirmed
KYPHO_CASE_ID = "urn:kypho:case-id"  # Bundle.identifier.system carrying the case_id
KYPHO_ETIOLOGY = "urn:kypho:fhir:extension:etiology"  # Condition extension, valueCode
KYPHO_SHA256 = "urn:kypho:sha256"  # DocumentReference.identifier: the issued bytes' SHA-256
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

# LOINC, as named in issue 11 (the codes of the US Core vital signs and of the pain score):
BODY_WEIGHT = "29463-7"  # Body weight
BODY_HEIGHT = "8302-2"  # Body height
PAIN_NRS = "72514-3"  # Pain severity - 0-10 verbal numeric rating [Score] - Reported
# LOINC 30525-0 "Age": a member of HL7 THO's value set LOINCObservationActContextAgeType
# (urn:oid:2.16.840.1.113883.1.11.19758), the LOINC codes for an observed age.
AGE = "30525-0"

# kypho local codes (no LOINC/SNOMED code confirmed in this project; docs/fhir.md):
PAIN_VAS = "pain-vas"  # pain on a 0-10 visual analogue scale (LOINC 72514-3 is verbal NRS)
ANTICOAGULANT = "anticoagulant"  # "on anticoagulants" without the drug named
ODI = "odi-pct"  # Oswestry Disability Index, %
RDQ = "rdq"  # Roland-Morris Disability Questionnaire, 0-24
HEIGHT_LOSS = "height-loss-pct"
ANTERIOR_HEIGHT = "anterior-height-mm"
MIDDLE_HEIGHT = "middle-height-mm"
POSTERIOR_HEIGHT = "posterior-height-mm"
RETROPULSION = "retropulsion"  # boolean
RETROPULSION_MM = "retropulsion-mm"
MARROW_EDEMA = "marrow-edema"  # boolean
GENANT_GRADE = "genant-grade"  # written on export only (derived from the heights)
FRACTURE = "vertebral-fracture"
CEMENT_ALLERGY = "pmma-cement-allergy"
BRACING = "bracing"
PHYSICAL_THERAPY = "physical-therapy"
BMD_REFERRAL = "bmd-referral-with-education"
FOLLOW_UP_VISIT = "follow-up-visit"
KYPHOPLASTY_PLAN = "kyphoplasty-plan"

# SNOMED CT concepts as pydicom 3 ships them (pydicom.sr._concepts_dict):
SCT_CONTRAST_ALLERGY = "293637006"  # Contrast Media Allergy (DICOM CID 1200)
SCT_PREGNANT = "77386006"  # Patient currently pregnant (DICOM CID 1200, 6096)
SCT_EDEMA = "79654002"  # Edema (DICOM CID 6014 and others)

# SNOMED CT concepts from NLM VSAC value set expansions (eCQM Update 2021-05-06), with their
# fully specified names, as canvas-medical/canvas-plugins ships them
# (canvas_sdk/value_set/v2022/condition.py at commit 344f0bcb924b2be7ffafb5ac7edf19d475704259;
# docs/fhir.md). "Osteoporotic Fractures" 2.16.840.1.113883.3.464.1003.113.12.1050, the
# vertebral members (the level comes from bodySite, as for ICD-10-CM):
SCT_OSTEOPOROTIC_VERTEBRAL_FRACTURE = (
    "203450003",  # Osteoporosis with pathological fracture of lumbar vertebrae (disorder)
    "203451004",  # Osteoporosis with pathological fracture of thoracic vertebrae (disorder)
    "203452006",  # Osteoporosis with pathological fracture of cervical vertebrae (disorder)
    "240198002",  # Osteoporotic vertebral collapse (disorder)
    "311806008",  # Collapse of cervical vertebra due to osteoporosis (disorder)
    "311890007",  # Collapse of lumbar vertebra due to osteoporosis (disorder)
    "311891006",  # Collapse of thoracic vertebra due to osteoporosis (disorder)
)
# From the same file's "Competing Conditions for Respiratory Conditions" expansion:
SCT_OSTEOMYELITIS = (
    "203241002",  # Osteomyelitis of vertebra (disorder)
    "444760002",  # Acute osteomyelitis of vertebra (disorder)
    "445063003",  # Chronic osteomyelitis of vertebra (disorder)
)
SCT_DISCITIS = ("202756004",)  # Infection of intervertebral disc - pyogenic (disorder)

# ICD-10-CM categories, by prefix (the ICD-10-CM tabular list; the vertebral fracture codes
# M80.08/M80.88/M84.58 are those of clinical-reference.md 1.9; the others are not checked
# against a primary source in this project, docs/fhir.md says so):
ICD_OSTEOPOROTIC_FRACTURE = ("M80.08", "M80.88")  # osteoporosis with fracture, vertebra(e)
ICD_OTHER_VERTEBRAL_FRACTURE = ("M84.58", "M48.5", "S22.0", "S32.0")  # etiology not inferred
ICD_OSTEOMYELITIS = ("M46.2",)  # osteomyelitis of vertebra
ICD_DISCITIS = ("M46.3", "M46.4")  # infection of intervertebral disc; discitis, unspecified
ICD_PREGNANT = ("Z33.1",)  # pregnant state, incidental
ICD_COAGULOPATHY = ("D65", "D66", "D67", "D68")  # coagulation defects
ICD_EXPORT = {  # case field -> (ICD-10-CM code written on export, its title)
    "contraindications.osteomyelitis": ("M46.20", "Osteomyelitis of vertebra, site unspecified"),
    "contraindications.discitis": ("M46.40", "Discitis, unspecified, site unspecified"),
    "contraindications.uncorrected_coagulopathy": ("D68.9", "Coagulation defect, unspecified"),
    "patient.pregnant": ("Z33.1", "Pregnant state, incidental"),
}

# WHO ATC classes, by prefix (the ATC index, https://atcddd.fhi.no/atc_ddd_index/):
ATC_ANTICOAGULANT = ("B01AA", "B01AB", "B01AE", "B01AF")  # VKA, heparins, DTI, Xa inhibitors
ATC_GLUCOCORTICOID = ("H02AB",)  # systemic glucocorticoids
ATC_ANALGESIC = ("N02", "M01A")  # analgesics; NSAIDs
ATC_ANTI_OSTEOPOROSIS = ("M05B", "H05AA")  # bone structure drugs; parathyroid hormones
ATC_EXPORT = {  # conservative-care modality -> the ATC class written on export
    "analgesics": ("N02", "ANALGESICS"),
    "anti_osteoporosis": ("M05B", "DRUGS AFFECTING BONE STRUCTURE AND MINERALIZATION"),
}

# Imaging modality: DICOM modality codes (PS3.16 CID 29) -> kypho modality.
# NM alone does not say bone scan or SPECT: kypho adds its own coding for those two.
DICOM_MODALITY = {"MR": "mri", "CT": "ct", "CR": "radiograph", "DX": "radiograph"}
MODALITY_DICOM = {"mri": "MR", "ct": "CT", "bone_scan": "NM", "spect": "NM", "radiograph": "DX"}
KYPHO_MODALITY = {"bone_scan": "bone-scan", "spect": "spect"}

KYPHOPLASTY_CPT = tuple(bare_cpt(code) for code in _KYPHOPLASTY_CPT)  # as codes are read


@cache
def vertebra_codes() -> dict[Level, str]:
    """SNOMED CT code of each vertebra, from DICOM CID 7603 as pydicom ships it (C1-L5).

    >>> vertebra_codes()[Level.L1]
    '66794005'
    >>> Level.S1 in vertebra_codes()
    False
    """
    from pydicom.sr.codedict import codes

    collection = codes.cid7603
    found: dict[Level, str] = {}
    for name in collection.dir():
        code = getattr(collection, name)
        if name.endswith("Vertebra") and code.scheme_designator == "SCT":
            found[Level(name.removesuffix("Vertebra"))] = code.value
    return found


@cache
def level_of_vertebra_code() -> dict[str, Level]:
    return {code: level for level, code in vertebra_codes().items()}


def has_prefix(code: str, prefixes: tuple[str, ...]) -> bool:
    """True if the code (dots ignored, case ignored) starts with one of the prefixes.

    >>> has_prefix("m80.08xa", ICD_OSTEOPOROTIC_FRACTURE), has_prefix("M80.0", ("M80.08",))
    (True, False)
    """
    return code.replace(".", "").upper().startswith(_bare_prefixes(prefixes))


@cache
def _bare_prefixes(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """The prefixes without their dots, once per tuple (the import asks per code)."""
    return tuple(p.replace(".", "") for p in prefixes)


# Verhoeff check (SNOMED CT Release File Specification 6.4.2, tables 6.4.2-1 and -2):
_DIHEDRAL = (  # Dihedral D5 multiplication
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6), (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4), (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)  # fmt: skip
_F1 = (1, 5, 7, 6, 2, 8, 3, 0, 9, 4)
_PERMUTATION: list[tuple[int, ...]] = [tuple(range(10)), _F1]
for _i in range(2, 8):  # F(i, j) = F(i - 1, F(1, j))
    _PERMUTATION.append(tuple(_PERMUTATION[_i - 1][_F1[j]] for j in range(10)))


def is_sctid(code: str) -> bool:
    """True if ``code`` is a well-formed SNOMED CT identifier (SCTID).

    SNOMED CT Release File Specification 6.3 (SCTID constraints) and 6.4 (check-digit):
    6 to 18 decimal digits, no leading zero, and the last digit a Verhoeff check digit.
    The code may still be unknown or inactive; a code that fails is no SNOMED CT code.

    >>> is_sctid("66794005"), is_sctid("66794004"), is_sctid("066794005")
    (True, False, False)
    """
    if not (code.isascii() and code.isdigit()) or not 6 <= len(code) <= 18 or code[0] == "0":
        return False
    check = 0
    for i, digit in enumerate(reversed(code)):
        check = _DIHEDRAL[check][_PERMUTATION[i % 8][int(digit)]]
    return check == 0
