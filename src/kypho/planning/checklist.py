"""The pre-procedure checklist: imaging, consent, coagulation, fasting, a driver."""

from __future__ import annotations

from datetime import date

from kypho.domain.case import Case
from kypho.planning.sources import (
    L34106,
    SEED_ALLIANCE,
    SEED_BKP,
    SEED_BLUE,
    SEED_PCI,
    URL_IFU_XPANDER_II,
    URL_RECOVERY,
    convention,
    ref,
    seed,
)
from kypho.planning.types import Anesthesia, ChecklistItem, CheckStatus

IMAGING_MAX_AGE_DAYS = 30  # seed 001_ed546894017ef93a.txt: imaging within 30 days of procedure


def _latest_imaging(case: Case) -> date | None:
    dates = [s.study_date for s in case.imaging or () if s.study_date is not None]
    return max(dates) if dates else None


def imaging_item(case: Case, procedure_date: date | None) -> ChecklistItem:
    """Imaging no older than 30 days on the procedure date."""
    cites = (seed(SEED_PCI, "imaging within 30 days of the procedure"),)
    latest = _latest_imaging(case)
    name = f"Imaging within {IMAGING_MAX_AGE_DAYS} days of the procedure"
    if latest is None:
        return ChecklistItem(item=name, status=CheckStatus.NOT_RECORDED,
                             detail="no dated imaging study recorded", citations=cites)  # fmt: skip
    if procedure_date is None:
        detail = (
            f"latest study {latest}; repeat if older than {IMAGING_MAX_AGE_DAYS} days on the day"
        )
        return ChecklistItem(item=name, status=CheckStatus.TO_DO, detail=detail, citations=cites)
    age_days = (procedure_date - latest).days
    ok = 0 <= age_days <= IMAGING_MAX_AGE_DAYS
    detail = f"latest study {latest}, {age_days} days before {procedure_date}"
    if not ok:
        detail += "; repeat imaging before the procedure"
    status = CheckStatus.DONE if ok else CheckStatus.NEEDS_ATTENTION
    return ChecklistItem(item=name, status=status, detail=detail, citations=cites)


def coagulation_item(case: Case) -> ChecklistItem:
    """A coagulation review: needed for coagulopathy or anticoagulants; "not needed" only
    when both are recorded absent, "not recorded" while either is unknown."""
    cites = (ref("1.3", L34106), ref("4.1", URL_IFU_XPANDER_II), seed(SEED_BLUE, "bleeding"))
    name = "Coagulation review (coagulopathy, anticoagulants)"
    facts = {
        "uncorrected coagulopathy": case.contraindications.uncorrected_coagulopathy,
        "on anticoagulants": case.patient.on_anticoagulants,
    }
    present = [what for what, value in facts.items() if value]
    unknown = [what for what, value in facts.items() if value is None]
    if present:
        detail = "; ".join(present) + ": plan when to stop anticoagulants and check clotting"
        if unknown:
            detail += "; not recorded: " + ", ".join(unknown)
        return ChecklistItem(item=name, status=CheckStatus.NEEDS_ATTENTION, detail=detail,
                             citations=cites)  # fmt: skip
    if unknown:
        return ChecklistItem(item=name, status=CheckStatus.NOT_RECORDED,
                             detail="not recorded: " + ", ".join(unknown) + ": ask",
                             citations=cites)  # fmt: skip
    detail = "no coagulopathy, not on anticoagulants"
    return ChecklistItem(item=name, status=CheckStatus.NOT_NEEDED, detail=detail, citations=cites)


def build_checklist(
    case: Case, *, procedure_date: date | None, anesthesia: Anesthesia
) -> tuple[ChecklistItem, ...]:
    """Every pre-procedure item, with its status for this case."""
    fasting_detail = (
        "general anesthesia" if anesthesia is Anesthesia.GENERAL else "sedation is planned"
    ) + ": fasting per the anesthesia team's instructions (our sources give no hours)"
    return (
        imaging_item(case, procedure_date),
        ChecklistItem(item="Informed consent signed", status=CheckStatus.TO_DO,
                      detail="kypho consent form reviewed with the physician and signed",
                      citations=(seed(SEED_PCI, "risks reviewed for an informed decision"),
                                 seed(SEED_BKP, "full discussion of risks"))),
        coagulation_item(case),
        ChecklistItem(item="Fasting before sedation", status=CheckStatus.TO_DO,
                      detail=fasting_detail,
                      citations=(seed(SEED_PCI, "sedation by the anesthetist"),
                                 convention("fasting instructions come from anesthesia"))),
        ChecklistItem(item="Driver arranged", status=CheckStatus.TO_DO,
                      detail="the patient may not drive home",
                      citations=(seed(SEED_ALLIANCE, "required to have a driver"),
                                 ref("6", URL_RECOVERY))),
    )  # fmt: skip
