"""import(export(case)) gives back the case on every field the mapping carries.

``mapped`` (kypho_fhir_support) is the mapping table of docs/fhir.md written as code in
the tests; the property runs over every kind of case the domain strategies draw (with
dates moved so that the chronology checks hold).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from kypho_fhir_support import EXAMPLES, consistent_cases, mapped

from kypho.casefile import load_case
from kypho.domain import Case
from kypho.interop.fhir import bundle_to_case, export_bundle


@settings(max_examples=120, deadline=None)
@given(consistent_cases())
def test_import_of_export_is_the_case_on_every_mapped_field(case: Case) -> None:
    back, _ = bundle_to_case(export_bundle(case))
    assert back == mapped(case)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_every_example_case_comes_back(path: Path) -> None:
    case = load_case(path)
    back, report = bundle_to_case(export_bundle(case, bundle_type="transaction"))
    assert back == mapped(case)
    reasons = {line.detail for line in report.ignored}
    assert reasons <= {"Genant grade: derived by kypho from the heights, not read"}


def test_the_projection_is_not_the_identity() -> None:
    """The mapping drops what it does not carry: a case with only such facts comes back bare."""
    from datetime import date

    from kypho.domain import Level, Patient
    from kypho.domain.fracture import Fracture

    s1 = Fracture(level=Level.S1, symptom_onset_date=date(2026, 1, 1))
    patient = Patient(birth_date=date(1950, 1, 1), age_years=70, asa_class=2)
    case = Case(case_id="x", patient=patient, fractures=(s1,))
    back, _ = bundle_to_case(export_bundle(case))
    assert back == Case(case_id="x", patient=Patient(birth_date=date(1950, 1, 1)))
    assert back != case
