"""Follow-up visits after the procedure and the osteoporosis follow-through."""

from __future__ import annotations

import calendar
import dataclasses
from datetime import date, datetime, timedelta

from kypho.domain.case import Case
from kypho.domain.imaging import ImagingStudy
from kypho.pathway.recovery import recovery_timeline
from kypho.pathway.types import RecoveryPathway, VisitSlot
from kypho.planning.sources import L34106, URL_EVOLVE, URL_PATHWAY, convention, ref
from kypho.planning.types import Discharge, ProcedurePlan

FIRST_VISIT_EARLIEST_DAYS = 14  # care pathway: first visit at 2-4 weeks (clinical-reference §6)
FIRST_VISIT_LATEST_DAYS = 28
FIRST_VISIT_TARGET_DAYS = 21  # middle of the 2-4 week span (project convention)
LATER_VISIT_MONTHS = (3, 6, 12)  # EVOLVE assessment schedule (clinical-reference §6, §5.2)
LATER_VISIT_TOLERANCE_DAYS = 14  # +/- around each target: project convention
SATURDAY = 5  # date.weekday(): Monday 0 ... Sunday 6

OSTEOPOROSIS_STEPS = (
    "Refer for bone mineral density (BMD) evaluation",
    "Osteoporosis education",
    "Instruct to join an osteoporosis prevention/treatment program",
)
PICKHARDT_URL = "https://stage.medifind.com/articles/publication/144146664"  # clin. ref. 6.1
OSTEOPOROSIS_CITATIONS = (
    ref("1.7", L34106),
    ref("6", "https://pubmed.ncbi.nlm.nih.gov/11176842/?dopt=Abstract"),
)


# The first osteoporosis step, naming a CT's low bone density flag (Pickhardt 2013,
# clinical reference 6.1) when the case has one and no BMD referral is recorded yet.
CT_DENSITY_PREFIX = f"{OSTEOPOROSIS_STEPS[0]} (DXA): the CT suggests low bone density"


def _newest_flagged(case: Case) -> ImagingStudy | None:
    """The newest study whose bone density is at or below 160 HU (undated ones last)."""
    flagged = [
        s for s in case.imaging or () if s.bone_density is not None and s.bone_density.refer_for_dxa
    ]
    return max(flagged, key=lambda s: s.study_date or date.min, default=None)


def bone_density_referral(case: Case) -> str | None:
    """The DXA referral a CT's low bone density flag suggests, naming the finding.

    None when no study is flagged at or below 160 HU, or the case already records
    ``continuum_of_care.bmd_referral_with_education: true``. A screening flag for a DXA
    referral, never a diagnosis (clinical reference 6.1).

    >>> from kypho.domain.imaging import BoneDensity, Modality
    >>> from kypho.domain.levels import Level
    >>> ct = ImagingStudy(modality=Modality.CT, study_date=date(2026, 3, 1),
    ...                   bone_density=BoneDensity(level=Level.L1, mean_hu=104.0))
    >>> text = bone_density_referral(Case(case_id="c", imaging=(ct,)))
    >>> text.startswith(CT_DENSITY_PREFIX), "L1" in text, "104 HU" in text
    (True, True, True)
    """
    if case.continuum_of_care.bmd_referral_with_education is True:
        return None
    study = _newest_flagged(case)
    if study is None or study.bone_density is None:
        return None
    source = f" (measured by {study.bone_density.source})" if study.bone_density.source else ""
    return f"{CT_DENSITY_PREFIX}: {study.label} {study.bone_density.summary}{source}"


def osteoporosis_steps(case: Case | None = None) -> tuple[str, ...]:
    """The osteoporosis follow-through; the BMD step names a CT's low density flag."""
    referral = None if case is None else bone_density_referral(case)
    if referral is None:
        return OSTEOPOROSIS_STEPS
    return (referral, *OSTEOPOROSIS_STEPS[1:])


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clipped to the month's last day.

    >>> add_months(date(2026, 11, 30), 3)
    datetime.date(2027, 2, 28)
    """
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def nearest_weekday(day: date, *, earliest: date, latest: date) -> date:
    """``day``, or the nearest Monday-to-Friday day inside ``earliest``..``latest``.

    A Saturday moves to the Friday and a Sunday to the Monday (one day away), or the
    other way at the window's edge; at equal distance the earlier day wins. A window
    with no weekday at all keeps ``day`` (project convention: the clinic decides).

    >>> nearest_weekday(date(2026, 3, 28), earliest=date(2026, 3, 24), latest=date(2026, 4, 7))
    datetime.date(2026, 3, 27)
    >>> nearest_weekday(date(2026, 3, 29), earliest=date(2026, 3, 24), latest=date(2026, 4, 7))
    datetime.date(2026, 3, 30)
    """
    for distance in range((latest - earliest).days + 1):
        for candidate in (day - timedelta(days=distance), day + timedelta(days=distance)):
            if earliest <= candidate <= latest and candidate.weekday() < SATURDAY:
                return candidate
    return day


def follow_up_visits(procedure_day: date) -> tuple[VisitSlot, ...]:
    """The first visit at 2-4 weeks, then at 3, 6 and 12 months; targets on weekdays."""
    earliest = procedure_day + timedelta(days=FIRST_VISIT_EARLIEST_DAYS)
    latest = procedure_day + timedelta(days=FIRST_VISIT_LATEST_DAYS)
    target = procedure_day + timedelta(days=FIRST_VISIT_TARGET_DAYS)
    first = VisitSlot(
        key="visit-2-4-weeks",
        label="First follow-up (2-4 weeks)",
        earliest=earliest,
        target=nearest_weekday(target, earliest=earliest, latest=latest),
        latest=latest,
        purpose="wound, pain (NRS), function (ODI/RDQ), start osteoporosis care",
        citations=(ref("6", URL_PATHWAY), convention("target day 21")),
    )
    later = []
    for months in LATER_VISIT_MONTHS:
        target = add_months(procedure_day, months)
        tolerance = timedelta(days=LATER_VISIT_TOLERANCE_DAYS)
        low, high = target - tolerance, target + tolerance
        later.append(VisitSlot(
            key=f"visit-{months}-months", label=f"Follow-up at {months} months",
            earliest=low, target=nearest_weekday(target, earliest=low, latest=high), latest=high,
            purpose="pain (NRS), function (ODI/RDQ), new fractures, osteoporosis treatment",
            citations=(ref("6", URL_EVOLVE), convention("+/- 14 days")),
        ))  # fmt: skip
    return (first, *later)


def recovery_pathway(
    procedure_end: datetime,
    *,
    discharge: Discharge,
    observation_low_min: int,
    observation_high_min: int,
    case: Case | None = None,
) -> RecoveryPathway:
    """The whole pathway: timeline, follow-up visits and osteoporosis follow-through.

    Parameters
    ----------
    procedure_end
        When the procedure ended (local wall-clock time, no time zone); everything is
        timed from it.
    discharge, observation_low_min, observation_high_min
        How the patient leaves and how long staff watch them first (the plan's
        ``observation``; see ``pathway_for_plan``).
    case
        The case planned: a CT bone density flag <= 160 HU with no BMD referral
        recorded makes the first osteoporosis step name it (``osteoporosis_steps``).
    """
    if not 0 <= observation_low_min <= observation_high_min:
        raise ValueError(
            "recovery_pathway: expected 0 <= observation_low_min <= observation_high_min, "
            f"got {observation_low_min} and {observation_high_min}"
        )
    return RecoveryPathway(
        procedure_end=procedure_end,
        discharge=discharge,
        observation_low_min=observation_low_min,
        observation_high_min=observation_high_min,
        timeline=recovery_timeline(procedure_end, discharge=discharge,
                                   observation_low_min=observation_low_min,
                                   observation_high_min=observation_high_min),
        visits=follow_up_visits(procedure_end.date()),
        osteoporosis=osteoporosis_steps(case),
        osteoporosis_citations=OSTEOPOROSIS_CITATIONS
        + ((ref("6.1", PICKHARDT_URL),) if case and bone_density_referral(case) else ()),
    )  # fmt: skip


def pathway_for_plan(
    plan: ProcedurePlan, *, procedure_end: datetime, case: Case | None = None
) -> RecoveryPathway:
    """The pathway that follows ``plan``'s discharge and observation minutes.

    ``case``: the case planned, so that a CT's low bone density flag reaches the
    osteoporosis steps and the discharge sheet. Without it, the steps the plan carries
    (``plan.osteoporosis_steps``, filled by ``workflows.plan_case``) are used.
    """
    obs = plan.observation
    pathway = recovery_pathway(
        procedure_end,
        discharge=obs.discharge,
        observation_low_min=obs.low_min,
        observation_high_min=obs.high_min,
        case=case,
    )
    if case is not None or not plan.osteoporosis_steps:
        return pathway
    flagged = plan.osteoporosis_steps[0].startswith(CT_DENSITY_PREFIX)
    citations = OSTEOPOROSIS_CITATIONS + ((ref("6.1", PICKHARDT_URL),) if flagged else ())
    return dataclasses.replace(
        pathway, osteoporosis=plan.osteoporosis_steps, osteoporosis_citations=citations
    )
