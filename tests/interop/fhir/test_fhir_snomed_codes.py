"""SNOMED CT codes the import reads (VSAC value sets), and SCTIDs that are no SNOMED code.

Known answers: the codes and their names are those of the NLM VSAC expansions cited in
``kypho.interop.fhir.codes`` and docs/fhir.md; the vertebra codes those of DICOM CID 7603
(66794005 L1 vertebra: pydicom's table). Well-formed SCTIDs are codes published there and
in SNOMED's own metadata (900000000000207008, the international core module); the malformed
ones are those altered by one digit or one swap of neighbours, errors the Verhoeff check
always detects (SNOMED CT Release File Specification 6.4), or break the length and digit rules
(6.3), plus the two codes of the captured CDS Hooks requests.
"""

from __future__ import annotations

from typing import Any

import pytest

from kypho.interop.fhir import codes as c
from kypho.interop.fhir.to_case import bundle_to_case

SCT = "http://snomed.info/sct"
L1 = "66794005"  # DICOM CID 7603 "L1 vertebra"


def _bundle(code: str, site: str = L1, **extra: Any) -> dict[str, Any]:
    condition = {
        "resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"},
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {"coding": [{"system": SCT, "code": code}]},
        "bodySite": [{"coding": [{"system": SCT, "code": site}]}],
        "onsetDateTime": "2026-11-20", **extra,
    }  # fmt: skip
    patient = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1948-03-01"}
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": patient}, {"resource": condition}]}  # fmt: skip


@pytest.mark.parametrize(
    "code",
    ["203450003", "203451004", "203452006", "240198002", "311806008", "311890007", "311891006"],
)
def test_vsac_osteoporotic_vertebral_fracture_codes_give_an_osteoporotic_fracture(
    code: str,
) -> None:
    case, report = bundle_to_case(_bundle(code))
    assert case.fractures is not None
    assert [(str(f.level), f.etiology) for f in case.fractures] == [("L1", "osteoporotic")]
    assert "entry[1] (Condition)" in [u.resource for u in report.used]


def test_a_snomed_fracture_code_without_a_vertebra_body_site_is_ignored_and_reported() -> None:
    case, report = bundle_to_case(_bundle("203450003", site="14945000"))
    assert not case.fractures
    assert [i.detail for i in report.ignored] == [
        "vertebral fracture without a bodySite vertebra code"
    ]


@pytest.mark.parametrize(
    ("code", "field"),
    [("203241002", "osteomyelitis"), ("444760002", "osteomyelitis"),
     ("445063003", "osteomyelitis"), ("202756004", "discitis")],
)  # fmt: skip
def test_vsac_vertebral_infection_codes_are_contraindications(code: str, field: str) -> None:
    case, _ = bundle_to_case(_bundle(code))
    assert getattr(case.contraindications, field) is True


def test_a_code_failing_the_check_digit_is_reported_as_no_snomed_code() -> None:
    # The captured CDS Hooks requests code "Osteoporotic fracture of vertebra" as 203468004.
    case, report = bundle_to_case(_bundle("203468004"))
    assert not case.fractures
    assert [i.detail for i in report.ignored] == [
        "no code kypho maps; SNOMED 203468004 is not a SNOMED CT identifier "
        "(its check digit fails: docs/fhir.md)"
    ]


def test_a_valid_but_unmapped_snomed_code_is_only_not_mapped() -> None:
    _, report = bundle_to_case(_bundle("64859006"))  # Osteoporosis (disorder): no fracture
    assert [i.detail for i in report.ignored] == ["no code kypho maps (docs/fhir.md lists them)"]


@pytest.mark.parametrize(
    "code",
    ["66794005", "203450003", "64859006", "900000000000207008", "14806007", "240198002"],
)
def test_well_formed_sctids_pass(code: str) -> None:
    assert c.is_sctid(code)


@pytest.mark.parametrize(
    "code",
    ["203468004", "14945000", "66794004", "66794006", "67694005", "203540003", "066794005",
     "12345", "1000000000000000000", "", "M80.08", "６６７９４００５", "66794005 "],
)  # fmt: skip
def test_malformed_sctids_fail(code: str) -> None:
    assert not c.is_sctid(code)


def test_every_snomed_code_kypho_reads_is_a_well_formed_sctid() -> None:
    read = (*c.SCT_OSTEOPOROTIC_VERTEBRAL_FRACTURE, *c.SCT_OSTEOMYELITIS, *c.SCT_DISCITIS,
            c.SCT_CONTRAST_ALLERGY, c.SCT_PREGNANT, c.SCT_EDEMA,
            *c.vertebra_codes().values())  # fmt: skip
    assert [code for code in read if not c.is_sctid(code)] == []
