"""How long the patient is watched after the procedure, following anesthesia and setting.

The clinic line "observe 15-30 minutes" (seed 004) is an office suite's same-day case
under local anesthesia with sedation. Elsewhere the clinical reference says patients
spend a couple to several hours in recovery until sedation wears off and vital signs
are stable (clinical-reference.md §4.3, §6), then go home or stay overnight.
"""

from __future__ import annotations

from kypho.planning.sources import (
    SEED_ALLIANCE,
    SEED_BKP,
    SEED_BLUE,
    URL_AAPC,
    URL_AFTERSPINE,
    URL_DAY_SURGERY,
    URL_RECOVERY,
    convention,
    ref,
    seed,
)
from kypho.planning.types import (
    Anesthesia,
    Discharge,
    Observation,
    OvernightStay,
    Reason,
    Setting,
)

OFFICE_OBSERVATION_LOW_MIN = 15  # seed 004_243690246ebd197d.txt: observe 15-30 minutes
OFFICE_OBSERVATION_HIGH_MIN = 30  # seed 004_243690246ebd197d.txt
# clinical-reference.md §6 (URL_AAPC): many centres discharge "a couple of hours" after.
RECOVERY_OBSERVATION_LOW_MIN = 120
# clinical-reference.md §6 (URL_RECOVERY): "several hours in recovery until sedation wears
# off and vitals are stable"; 4 h as the upper figure is a project convention.
RECOVERY_OBSERVATION_HIGH_MIN = 240

_RECOVERY_CITES = (
    ref("6", URL_AAPC),
    ref("6", URL_RECOVERY),
    ref("6", URL_AFTERSPINE),
    ref("4.3", URL_DAY_SURGERY),
    convention("4 h upper figure for 'several hours'"),
)


def _discharge(*, setting: Setting, overnight: OvernightStay, hospitalized: bool) -> Discharge:
    if hospitalized or setting is Setting.HOSPITAL:
        return Discharge.INPATIENT
    if overnight is OvernightStay.EXPECTED:
        return Discharge.OVERNIGHT
    if setting is Setting.OFFICE_SUITE:
        return Discharge.SAME_DAY_OFFICE
    return Discharge.SAME_DAY_AFTER_RECOVERY


_AFTER = {
    Discharge.INPATIENT: "then back to the ward (the patient is in hospital).",
    Discharge.OVERNIGHT: "then an overnight stay; home the next day with a driver.",
    Discharge.SAME_DAY_AFTER_RECOVERY: "then home the same day with a driver.",
}


def plan_observation(
    *, anesthesia: Anesthesia, setting: Setting, overnight: OvernightStay, hospitalized: bool
) -> Observation:
    """Observation minutes and how the patient leaves, for this anesthesia and setting.

    >>> o = plan_observation(anesthesia=Anesthesia.GENERAL, setting=Setting.OUTPATIENT_DEPARTMENT,
    ...                      overnight=OvernightStay.EXPECTED, hospitalized=False)
    >>> (o.discharge.value, o.low_min, o.high_min)
    ('overnight', 120, 240)
    """
    discharge = _discharge(setting=setting, overnight=overnight, hospitalized=hospitalized)
    if discharge is Discharge.SAME_DAY_OFFICE and anesthesia is Anesthesia.LOCAL_WITH_SEDATION:
        reason = Reason(
            text="Office suite, local anesthesia with sedation, same day: staff observe the "
            "patient 15-30 minutes before a driver takes them home.",
            citations=(seed(SEED_ALLIANCE, "observe you for 15-30 minutes"),),
        )
        return Observation(
            discharge=discharge,
            low_min=OFFICE_OBSERVATION_LOW_MIN,
            high_min=OFFICE_OBSERVATION_HIGH_MIN,
            reason=reason,
        )
    after = _AFTER.get(discharge, "then home the same day with a driver.")
    text = (
        f"{anesthesia.value.replace('_', ' ')} in the {setting.value.replace('_', ' ')}: "
        "2-4 hours in recovery until sedation wears off and vital signs are stable, " + after
    )
    cites = (
        *_RECOVERY_CITES,
        seed(SEED_BLUE, "home the same day or the day after"),
        seed(SEED_BKP, "may require an overnight hospital stay"),
    )
    return Observation(
        discharge=discharge,
        low_min=RECOVERY_OBSERVATION_LOW_MIN,
        high_min=RECOVERY_OBSERVATION_HIGH_MIN,
        reason=Reason(text=text, citations=cites),
    )
