"""Cement, codes, risk factors and the risks table, one rule at a time."""

from __future__ import annotations

from datetime import date

import pytest

from kypho.domain import Case, Level, LevelFinding, Patient, Sex
from kypho.planning import (
    ALTERNATIVES,
    BENEFITS,
    RISKS,
    VOLUME_BY_GRADE,
    Approach,
    FactorStatus,
    billing_codes,
    estimate_cement,
    patient_risk_factors,
)
from kypho.planning.risks import RATE_NOT_ESTABLISHED


@pytest.mark.parametrize(
    ("loss_pct", "size", "low_ml", "high_ml"),
    [(10.0, "10/x", 3.0, 4.5), (24.9, "10/x", 3.0, 4.5), (25.0, "15/x", 4.5, 6.0),
     (40.0, "15/x", 4.5, 6.0), (40.5, "20/3", 6.0, 8.0)],
)  # fmt: skip
def test_cement_rows_follow_genant_boundaries(loss_pct, size, low_ml, high_ml) -> None:
    finding = LevelFinding(level=Level.L2, height_loss_pct=loss_pct)
    est = estimate_cement(finding, approach=Approach.BIPEDICULAR)
    assert est.balloon_size_class.startswith(size)
    assert (est.volume_low_ml, est.volume_high_ml) == (low_ml, high_ml)
    assert est.basis == "morphometry"


def test_typical_volume_spans_free_and_swissspine() -> None:
    est = estimate_cement(None, approach=Approach.BIPEDICULAR)
    assert est.basis == "published typical"
    assert est.volume_low_ml <= 4.5 <= 4.8 <= est.volume_high_ml  # SWISSspine, FREE (§4.2)


def test_unipedicular_uses_less_cement() -> None:
    uni = estimate_cement(None, approach=Approach.UNIPEDICULAR)
    assert (uni.volume_low_ml, uni.volume_high_ml) == pytest.approx((2.4, 4.8))  # 4.5-2.1, 6-1.2
    small = estimate_cement(LevelFinding(level=Level.L1, height_loss_pct=5.0),
                            approach=Approach.UNIPEDICULAR)  # fmt: skip
    assert small.volume_low_ml == 1.0  # floor, never below


def test_volume_rows_are_ordered() -> None:
    lows = [r.bipedicular_low_ml for r in VOLUME_BY_GRADE]
    assert lows == sorted(lows)
    assert all(r.bipedicular_low_ml < r.bipedicular_high_ml for r in VOLUME_BY_GRADE)


def test_codes_are_cranio_caudal_whatever_the_order_given() -> None:
    codes = [(str(lv), c) for lv, c, _ in billing_codes((Level.L2, Level.L3, Level.T10))]
    assert codes == [("T10", "22513"), ("L2", "+22515"), ("L3", "+22515")]
    lumbar = [c for _, c, _ in billing_codes((Level.L3, Level.L2))]
    assert lumbar == ["22514", "+22515"]
    cervical = billing_codes((Level.C7, Level.T1))
    assert [c for _, c, _ in cervical] == [None, "22513"]
    assert "thoracic and lumbar" in cervical[0][2].text


def test_unknown_facts_stay_not_recorded() -> None:
    factors = patient_risk_factors(Case(case_id="x"), on=date(2026, 3, 2))
    assert {f.status for f in factors} == {FactorStatus.NOT_RECORDED}
    assert len(factors) == 12


def test_male_is_absent_even_without_age() -> None:
    case = Case(case_id="x", patient=Patient(sex=Sex.MALE, weight_kg=90.0))
    status = {f.name: f for f in patient_risk_factors(case, on=date(2026, 3, 2))}
    assert status["Female over 70"].status is FactorStatus.ABSENT
    assert status["Weight under 125 lb"].status is FactorStatus.ABSENT
    assert status["Weight under 125 lb"].detail == "198 lb (90.0 kg)"


def test_age_from_birth_date_on_the_day() -> None:
    patient = Patient(sex=Sex.FEMALE, birth_date=date(1955, 3, 10))
    case = Case(case_id="x", patient=patient)
    before = {f.name: f.status for f in patient_risk_factors(case, on=date(2025, 3, 9))}
    after = {f.name: f.status for f in patient_risk_factors(case, on=date(2026, 3, 10))}
    assert before["Female over 70"] is FactorStatus.ABSENT  # 69
    assert after["Female over 70"] is FactorStatus.PRESENT  # 71


def test_risks_table_rates_or_not_established() -> None:
    names = {r.name.split(" (")[0]: r for r in RISKS}
    assert "18.4 %" in names["Cement leakage"].rate_text
    assert "1.9 %" in names["Cement embolism"].rate_text
    assert "11 %" in names["New"].rate_text
    for unconfirmed in ("Infection", "Neurologic injury", "Symptomatic cement leakage"):
        assert names[unconfirmed].rate_text == RATE_NOT_ESTABLISHED
    assert all(r.citations for r in (*RISKS, *BENEFITS, *ALTERNATIVES))
    assert {a.name.split(" ")[0] for a in ALTERNATIVES} == {"Conservative", "Vertebroplasty"}
