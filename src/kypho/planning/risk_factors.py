"""The patient's own risk factors, each present, absent or not recorded (never assumed)."""

from __future__ import annotations

from datetime import date

from kypho.domain.case import Case
from kypho.domain.patient import RiskFactors, Sex
from kypho.planning.sources import (
    SEED_ALLIANCE,
    URL_FRAX,
    URL_IFU_XPANDER_II,
    URL_PRIOR_VCF,
    ref,
    seed,
)
from kypho.planning.types import FactorStatus, RiskFactorStatus
from kypho.rules.types import Citation

FEMALE_AGE_OVER_YEARS = 70  # seed 004_243690246ebd197d.txt: female over 70 years of age
LOW_WEIGHT_UNDER_LB = 125.0  # seed 004_243690246ebd197d.txt: weighing less than 125 lb

_CLINIC = seed(SEED_ALLIANCE, "risk factor list")
_FRAX = ref("7", URL_FRAX)

# (field of RiskFactors, name, citation): booleans recorded as present/absent/unknown.
FLAG_FACTORS: tuple[tuple[str, str, Citation], ...] = (
    ("smoker", "Cigarette smoking", _CLINIC),
    ("physically_inactive", "Lack of physical activity", _CLINIC),
    ("chronic_steroid_use", "Chronic steroid use", _CLINIC),
    ("chronic_alcohol_use", "Chronic alcohol use", _CLINIC),
    ("prior_fragility_fracture", "Prior fragility fracture (FRAX)", _FRAX),
    ("parental_hip_fracture", "Parental hip fracture (FRAX)", _FRAX),
    ("rheumatoid_arthritis", "Rheumatoid arthritis (FRAX)", _FRAX),
    ("secondary_osteoporosis", "Secondary osteoporosis (FRAX)", _FRAX),
)


def _status(value: bool | None) -> FactorStatus:
    if value is None:
        return FactorStatus.NOT_RECORDED
    return FactorStatus.PRESENT if value else FactorStatus.ABSENT


def _female_over_70(case: Case, on: date) -> RiskFactorStatus:
    sex, age = case.patient.sex, case.patient.age_on(on)
    name = f"Female over {FEMALE_AGE_OVER_YEARS}"
    if sex is not None and sex is not Sex.FEMALE:
        status, detail = FactorStatus.ABSENT, f"sex {sex}"
    elif sex is None or age is None:
        missing = [w for w, v in (("sex", sex), ("age", age)) if v is None]
        status, detail = FactorStatus.NOT_RECORDED, " and ".join(missing) + " not recorded"
    else:
        status = _status(age > FEMALE_AGE_OVER_YEARS)
        detail = f"female, {age} years"
    return RiskFactorStatus(name=name, status=status, detail=detail, citations=(_CLINIC,))


def _low_weight(case: Case) -> RiskFactorStatus:
    weight_lb = case.patient.weight_lb
    name = f"Weight under {LOW_WEIGHT_UNDER_LB:.0f} lb"
    if weight_lb is None:
        return RiskFactorStatus(name=name, status=FactorStatus.NOT_RECORDED,
                                detail="weight not recorded", citations=(_CLINIC,))  # fmt: skip
    weight_kg = case.patient.weight_kg or 0.0
    detail = f"{weight_lb:.0f} lb ({weight_kg:.1f} kg)"
    return RiskFactorStatus(name=name, status=_status(weight_lb < LOW_WEIGHT_UNDER_LB),
                            detail=detail, citations=(_CLINIC, _FRAX))  # fmt: skip


def _prior_vertebral_fracture(case: Case) -> RiskFactorStatus:
    name = "More than one vertebral fracture"
    cite = (ref("7", URL_PRIOR_VCF),)
    if case.fractures is None:
        return RiskFactorStatus(name=name, status=FactorStatus.NOT_RECORDED,
                                detail="fractures not recorded", citations=cite)  # fmt: skip
    n = len(case.fractures)
    return RiskFactorStatus(name=name, status=_status(n > 1),
                            detail=f"{n} fractured level(s) recorded", citations=cite)  # fmt: skip


def _anticoagulants(case: Case) -> RiskFactorStatus:
    value = case.patient.on_anticoagulants
    detail = {None: "not recorded", True: "bleeding risk", False: "none"}[value]
    return RiskFactorStatus(name="Blood thinners (anticoagulants)", status=_status(value),
                            detail=detail, citations=(ref("4.1", URL_IFU_XPANDER_II),))  # fmt: skip


def patient_risk_factors(case: Case, *, on: date) -> tuple[RiskFactorStatus, ...]:
    """Every risk factor the clinic list and FRAX name, as recorded for this patient.

    Parameters
    ----------
    on
        The date ages are computed on (the procedure date or the assessment date).
    """
    flags: RiskFactors = case.patient.risk_factors
    result = [_female_over_70(case, on), _low_weight(case)]
    for field, name, cite in FLAG_FACTORS:
        value: bool | None = getattr(flags, field)
        detail = "not recorded" if value is None else ("yes" if value else "no")
        result.append(RiskFactorStatus(name=name, status=_status(value), detail=detail,
                                       citations=(cite,)))  # fmt: skip
    result += [_prior_vertebral_fracture(case), _anticoagulants(case)]
    return tuple(result)
