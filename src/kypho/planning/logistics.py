"""Duration, anesthesia, setting and overnight stay, chosen from patient factors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kypho.domain.case import Case
from kypho.planning.observation import plan_observation
from kypho.planning.sources import (
    SEED_ALLIANCE,
    SEED_BKP,
    SEED_BLUE,
    SEED_COLORADO,
    SEED_PCI,
    URL_AAPC,
    URL_BKP_ABOUT,
    URL_EMBOLISM,
    URL_KAVIAR,
    convention,
    ref,
    seed,
)
from kypho.planning.types import Anesthesia, Choice, Observation, OvernightStay, Reason, Setting

DURATION_LOW_MIN_PER_LEVEL = 30  # seed 002_22fbc0fc46b5b412.txt: about 30 minutes per level
DURATION_HIGH_MIN_PER_LEVEL = 60  # seeds 000, 003, 004: about one hour per fracture
# Embolism risk rises with >= 3 levels (clinical-reference.md §5.1, URL_EMBOLISM); the plan
# uses it as "several levels" for general anesthesia and an overnight stay (convention).
SEVERAL_LEVELS = 3
# ASA class >= 3 (severe systemic disease) as a patient factor: project convention.
HIGH_ASA_CLASS = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Logistics:
    duration_low_min: int
    duration_high_min: int
    duration_reason: Reason
    anesthesia: Choice[Anesthesia]
    setting: Choice[Setting]
    overnight_stay: Choice[OvernightStay]
    observation: Observation
    missing: tuple[str, ...]


def is_hospitalized(case: Case) -> bool | None:
    """Whether the latest pain assessment records the patient as hospitalized."""
    dated = [p for p in case.pain or () if p.hospitalized is not None]
    if not dated:
        return None
    return max(dated, key=lambda p: p.assessed_on or date.min).hospitalized


def duration(n_levels: int) -> tuple[int, int, Reason]:
    """Duration range in minutes for ``n_levels`` levels: 30 to 60 min per level.

    >>> duration(2)[:2]
    (60, 120)
    """
    reason = Reason(
        text=(
            f"{n_levels} level(s) x {DURATION_LOW_MIN_PER_LEVEL}-{DURATION_HIGH_MIN_PER_LEVEL} "
            "min: one clinic page gives about 30 minutes per level, others about one hour per "
            "fracture (KAVIAR mean 40 min)."
        ),
        citations=(
            seed(SEED_BLUE, "about 30 minutes per level"),
            seed(SEED_COLORADO, "about 1 hour per fracture"),
            seed(SEED_BKP, "about one hour per fracture"),
            ref("4.3", URL_KAVIAR),
        ),
    )
    return n_levels * DURATION_LOW_MIN_PER_LEVEL, n_levels * DURATION_HIGH_MIN_PER_LEVEL, reason


def choose_anesthesia(case: Case, n_levels: int) -> Choice[Anesthesia]:
    """Local anesthesia with sedation unless several levels call for general anesthesia."""
    base = (
        seed(SEED_PCI, "local anesthesia and mild sedation"),
        seed(SEED_BKP, "local or general, by the patient's overall condition"),
        ref("4.3", URL_AAPC),
    )
    reasons: list[Reason] = []
    if n_levels >= SEVERAL_LEVELS:
        value = Anesthesia.GENERAL
        reasons.append(Reason(
            text=f"{n_levels} levels: a long prone procedure; general anesthesia suggested.",
            citations=(seed(SEED_BLUE, "typically general"), convention(">= 3 levels")),
        ))  # fmt: skip
    else:
        value = Anesthesia.LOCAL_WITH_SEDATION
        reasons.append(Reason(text="Local anesthesia with sedation is the usual choice.",
                              citations=base))  # fmt: skip
    asa = case.patient.asa_class
    if asa is not None and asa >= HIGH_ASA_CLASS:
        reasons.append(Reason(
            text=f"ASA class {asa}: anesthesia team to review before the day.",
            citations=(convention("ASA >= 3 prompts review"), *base),
        ))  # fmt: skip
    return Choice(value=value, reasons=tuple(reasons))


def _heavier_care(case: Case, n_levels: int, anesthesia: Anesthesia) -> list[str]:
    asa = case.patient.asa_class
    why = []
    if anesthesia is Anesthesia.GENERAL:
        why.append("general anesthesia")
    if n_levels >= SEVERAL_LEVELS:
        why.append(f"{n_levels} levels")
    if asa is not None and asa >= HIGH_ASA_CLASS:
        why.append(f"ASA class {asa}")
    if case.patient.on_anticoagulants:
        why.append("on anticoagulants")
    return why


def choose_setting(
    case: Case, n_levels: int, anesthesia: Anesthesia
) -> tuple[Choice[Setting], Choice[OvernightStay]]:
    """Setting (office suite, outpatient department, hospital) and overnight stay."""
    cites = (
        seed(SEED_PCI, "office fluoroscopy suite or hospital outpatient suite"),
        seed(SEED_BKP, "may require an overnight hospital stay"),
        ref("4.3", URL_BKP_ABOUT),
        ref("5.1", URL_EMBOLISM),
        convention("which factors move the setting up"),
    )
    hospitalized = is_hospitalized(case)
    setting: Choice[Setting]
    heavier = _heavier_care(case, n_levels, anesthesia)
    overnight_why = [w for w in heavier if w != "on anticoagulants"]
    if hospitalized:
        setting = Choice(value=Setting.HOSPITAL, reasons=(
            Reason(text="The patient is hospitalized.", citations=cites),))  # fmt: skip
        overnight_why.insert(0, "hospitalized patient")
    elif heavier:
        text = "Outpatient department of the hospital: " + ", ".join(heavier) + "."
        setting = Choice(value=Setting.OUTPATIENT_DEPARTMENT,
                         reasons=(Reason(text=text, citations=cites),))  # fmt: skip
    else:
        text = "Office fluoroscopy suite: one or two levels, no factor calls for more."
        setting = Choice(value=Setting.OFFICE_SUITE, reasons=(Reason(text=text, citations=cites),))
    if overnight_why:
        text = "Overnight stay expected: " + ", ".join(overnight_why) + "."
        return setting, Choice(value=OvernightStay.EXPECTED,
                               reasons=(Reason(text=text, citations=cites),))  # fmt: skip
    text = "Same-day discharge expected after observation (see the observation time)."
    cites_home = (seed(SEED_ALLIANCE, "observe 15-30 minutes"), *cites)
    reason = Reason(text=text, citations=cites_home)
    return setting, Choice(value=OvernightStay.NOT_EXPECTED, reasons=(reason,))


def plan_logistics(case: Case, n_levels: int) -> Logistics:
    """Duration, anesthesia, setting and overnight stay for ``n_levels`` levels."""
    low_min, high_min, why = duration(n_levels)
    anesthesia = choose_anesthesia(case, n_levels)
    setting, overnight = choose_setting(case, n_levels, anesthesia.value)
    missing = []
    if case.patient.asa_class is None:
        missing.append("patient.asa_class (anesthesia, setting, overnight stay)")
    if is_hospitalized(case) is None:
        missing.append("pain[].hospitalized (setting, overnight stay)")
    return Logistics(
        duration_low_min=low_min,
        duration_high_min=high_min,
        duration_reason=why,
        anesthesia=anesthesia,
        setting=setting,
        overnight_stay=overnight,
        observation=plan_observation(
            anesthesia=anesthesia.value,
            setting=setting.value,
            overnight=overnight.value,
            hospitalized=is_hospitalized(case) is True,
        ),
        missing=tuple(missing),
    )
