"""Dates that add up in the case model: each refusal names the field, both sides tested."""

from __future__ import annotations

from datetime import date

import pytest

from kypho.domain import (
    Case,
    ConservativeTreatment,
    FollowUpVisit,
    Fracture,
    ImagingStudy,
    Level,
    Modality,
    NsmModality,
    Patient,
    PlannedProcedure,
    Sex,
)
from kypho.domain._checks import check_positive, check_range, shown
from kypho.errors import InvalidCaseFile, InvalidInput

ON = date(2026, 11, 21)
DONE = date(2026, 3, 10)


@pytest.mark.parametrize("pregnant", [None, False])
def test_a_male_patient_not_recorded_pregnant_is_accepted(pregnant: bool | None) -> None:
    assert Patient(sex=Sex.MALE, pregnant=pregnant).pregnant is pregnant


def test_male_and_pregnant_is_refused_naming_both_fields() -> None:
    with pytest.raises(InvalidInput, match=r"^patient\.pregnant: expected false or left out "):
        Patient(sex=Sex.MALE, pregnant=True)


@pytest.mark.parametrize("sex", [Sex.FEMALE, Sex.OTHER, None])
def test_pregnant_is_accepted_for_any_other_sex(sex: Sex | None) -> None:
    assert Patient(sex=sex, pregnant=True).pregnant is True


def _with_visit(day: date, **more: object) -> Case:
    return Case(case_id="x", follow_up=(FollowUpVisit(visit_date=day),), **more)  # type: ignore[arg-type]


def test_follow_up_on_the_assessment_date_is_accepted_the_day_after_refused() -> None:
    _with_visit(ON).check_not_after(ON)
    with pytest.raises(InvalidInput, match=r"^follow_up\[0\]\.date: expected a date on or before"):
        _with_visit(date(2026, 11, 22)).check_not_after(ON)


def test_a_date_after_on_names_the_case_file_when_known() -> None:
    case = Case(case_id="x", source="cases/a.json", pain=None,
                follow_up=(FollowUpVisit(visit_date=date(2026, 11, 22)),))  # fmt: skip
    with pytest.raises(InvalidCaseFile) as caught:
        case.check_not_after(ON)
    assert str(caught.value) == (
        "cases/a.json: follow_up[0].date: expected a date on or before the assessment date "
        "2026-11-21, got 2026-11-22"
    )
    assert (caught.value.field, caught.value.source) == ("follow_up[0].date", "cases/a.json")


def test_without_a_source_the_error_is_plain_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        _with_visit(date(2026, 11, 22)).check_not_after(ON)
    assert not isinstance(caught.value, InvalidCaseFile)


def test_birth_date_after_on_is_refused() -> None:
    Case(case_id="x", patient=Patient(birth_date=ON)).check_not_after(ON)
    with pytest.raises(InvalidInput, match=r"^patient\.birth_date: expected a date on or before"):
        Case(case_id="x", patient=Patient(birth_date=date(2026, 11, 22))).check_not_after(ON)


def test_source_is_not_part_of_the_case() -> None:
    a, b = Case(case_id="x", source="a.json"), Case(case_id="x", source="b.json")
    assert a == b and hash(a) == hash(b)
    assert "a.json" not in repr(a)


def test_follow_up_must_be_after_the_procedure_date() -> None:
    done = PlannedProcedure(procedure_date=DONE)
    assert _with_visit(date(2026, 3, 11), procedure=done).follow_up is not None
    with pytest.raises(
        InvalidInput,
        match=r"^follow_up\[0\]\.date: expected a date after the procedure date "
        r"\(procedure\.date\) "
        r"2026-03-10, got 2026-03-10",
    ):
        _with_visit(DONE, procedure=done)
    with pytest.raises(InvalidInput, match=r"got 2026-03-09"):
        _with_visit(date(2026, 3, 9), procedure=done)


def test_follow_up_without_a_procedure_date_is_accepted() -> None:
    assert _with_visit(date(2000, 1, 1)).follow_up is not None


def test_events_before_birth_are_refused_on_the_day_accepted() -> None:
    born = Patient(birth_date=date(1950, 1, 1))
    onset = Fracture(level=Level.L1, symptom_onset_date=date(1950, 1, 1))
    assert Case(case_id="x", patient=born, fractures=(onset,)).fractures == (onset,)
    early = Fracture(level=Level.L1, symptom_onset_date=date(1949, 12, 31))
    with pytest.raises(
        InvalidInput,
        match=r"^fractures\[0\]\.symptom_onset_date: expected a date on or after "
        r"patient\.birth_date 1950-01-01, got 1949-12-31",
    ):
        Case(case_id="x", patient=born, fractures=(early,))


def test_care_and_imaging_before_onset_are_not_bad_input() -> None:
    # Possible (care for an earlier episode, an older study): the rules decide their use.
    case = Case(
        case_id="x",
        fractures=(Fracture(level=Level.L1, symptom_onset_date=date(2026, 5, 1)),),
        imaging=(ImagingStudy(modality=Modality.MRI, study_date=date(2026, 4, 1)),),
        conservative_care=(
            ConservativeTreatment(modality=NsmModality.BRACING, start_date=date(2026, 4, 2)),
        ),
    )
    case.check_not_after(ON)


@pytest.mark.parametrize(
    ("day", "ok"),
    [(date(1899, 12, 31), False), (date(1900, 1, 1), True),
     (date(2199, 12, 31), True), (date(2200, 1, 1), False), (date.max, False)],
)  # fmt: skip
def test_dates_outside_the_plausible_range_are_refused(day: date, ok: bool) -> None:
    def build() -> Case:
        return Case(
            case_id="x",
            procedure=PlannedProcedure(procedure_date=day),
            conservative_care=(ConservativeTreatment(modality=NsmModality.BED_REST, end_date=day),),
        )

    if ok:
        assert build().procedure.procedure_date == day
    else:
        with pytest.raises(
            InvalidInput,
            match=r"^conservative_care\[0\]\.end_date: expected a date from 1900-01-01 to "
            r"2199-12-31",
        ):
            build()


def test_huge_numbers_give_a_field_message_not_overflow() -> None:
    with pytest.raises(InvalidInput, match=r"^patient\.age_years: .* got a 400-digit number$"):
        Patient(age_years=10**399)
    with pytest.raises(InvalidInput, match=r"got a 5001-digit number$"):
        check_range("x", -(10**5000), 0, 1)
    check_positive("patient.weight_kg", 10**400)  # no upper bound in this check


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True, "7", 0, -1])
def test_check_positive_refuses_what_is_not_a_positive_finite_number(value: object) -> None:
    with pytest.raises(InvalidInput, match=r"^w: expected a number > 0 kg, got "):
        check_positive("w", value, " kg")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [float("nan"), True, "7"])
def test_check_range_refuses_what_is_not_a_number(value: object) -> None:
    with pytest.raises(InvalidInput, match=r"^s: expected a number from 0 to 10, got "):
        check_range("s", value, 0, 10)  # type: ignore[arg-type]


def test_shown_prints_ordinary_values_as_they_are() -> None:
    assert (shown(7), shown(7.5), shown("T13"), shown(True)) == ("7", "7.5", "'T13'", "True")
    assert shown(10**15 - 1) == "999999999999999"
    assert shown(10**15) == "a 16-digit number"
