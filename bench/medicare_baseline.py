"""Medicare LCD L34106 written by hand as one plain function: the benchmark's baseline.

Same rules, same three-valued semantics (None = unknown), no policy file, no
explanation. The benchmark checks that it and the engine agree on every case.
"""

from __future__ import annotations

from datetime import date

from kypho.domain import Case, Level, Modality

OSTEOPOROTIC = ("osteoporotic", "steroid_induced")
T1_TO_L5 = frozenset(lv for lv in Level if lv.value[0] in "TL")


def k_and(*xs: bool | None) -> bool | None:
    if any(x is False for x in xs):
        return False
    return None if any(x is None for x in xs) else True


def k_or(*xs: bool | None) -> bool | None:
    if any(x is True for x in xs):
        return True
    return None if any(x is None for x in xs) else False


def k_cmp(value: float | None, ok: bool) -> bool | None:
    return None if value is None else ok


def _decide(
    require: list[bool | None], exclude: list[bool | None], review: list[bool | None]
) -> str:
    if any(x is False for x in require) or any(x is True for x in exclude):
        return "not_candidate"
    if any(x is None for x in require + exclude + review):
        return "needs_information"
    return "needs_review" if any(review) else "candidate"


def _before_onset(case: Case, level: Level, day: date | None) -> bool:
    fracture = case.fracture(level)
    onset = fracture.symptom_onset_date if fracture is not None else None
    return onset is not None and day is not None and day < onset


def _keep_retropulsion(flags: dict[str, bool | None], value: bool | None) -> None:
    if value is not None:
        flags["retropulsion"] = value or bool(flags["retropulsion"])


def _imaging(
    case: Case, level: Level, on: date
) -> tuple[bool | None, float | None, list[bool | None]]:
    confirms: bool | None = None
    height_loss = None
    flags: dict[str, bool | None] = {
        "progression": None,
        "kyphotic_deformity": None,
        "retropulsion": None,
    }
    studies = sorted(
        (s for s in case.imaging or () if s.study_date is None or s.study_date <= on),
        key=lambda s: s.study_date or date.min,
        reverse=True,
    )
    for study in studies:
        f = study.finding(level)
        if f is None:
            continue
        if _before_onset(case, level, study.study_date):
            # Before onset it is not evidence about this fracture, except retropulsion (safety).
            _keep_retropulsion(flags, f.retropulsion)
            continue
        if study.modality is not Modality.RADIOGRAPH:
            if f.marrow_edema or f.uptake:
                confirms = True
            elif confirms is None and (f.marrow_edema is False or f.uptake is False):
                confirms = False
        if height_loss is None:
            height_loss = f.effective_height_loss_pct
        for name in flags:
            value = getattr(f, name)
            if value or (value is False and flags[name] is None):
                flags[name] = True if value else (flags[name] or False)
    return (
        confirms,
        height_loss,
        [flags["progression"], flags["kyphotic_deformity"], flags["retropulsion"]],
    )


def medicare_decision(case: Case, on: date) -> str:
    pains = sorted(
        (p for p in case.pain or () if p.assessed_on is None or p.assessed_on <= on),
        key=lambda p: (p.assessed_on is not None, p.assessed_on),
    )
    score = pains[-1].score if pains else None
    hosp = pains[-1].hospitalized if pains else None
    worsening = None if len(pains) < 2 else pains[-1].score > pains[-2].score
    rdqs = [
        s
        for s in case.function or ()
        if s.instrument.value == "RDQ" and (s.assessed_on is None or s.assessed_on <= on)
    ]
    rdq = (
        max(rdqs, key=lambda s: (s.assessed_on is not None, s.assessed_on)).score if rdqs else None
    )
    care = case.conservative_care
    nsm = None if care is None else any(t.start_date is None or t.start_date <= on for t in care)
    ci = case.contraindications
    p = case.patient
    pregnant = (
        p.pregnant
        if p.pregnant is not None
        else (False if p.sex is not None and p.sex.value == "male" else None)
    )
    planned = case.procedure.levels or tuple(f.level for f in case.fractures or ())
    n_levels = len(planned) if planned else None
    cc = case.continuum_of_care
    proc_require = [k_and(cc.bmd_referral_with_education, cc.osteoporosis_program_instruction)]
    proc_exclude = [
        k_or(ci.osteomyelitis, ci.discitis, ci.systemic_infection, ci.surgical_site_infection),
        pregnant,
    ]
    proc_review = [
        k_cmp(n_levels, n_levels is not None and n_levels > 3),
        k_or(ci.cement_allergy, ci.contrast_allergy),
        ci.uncorrected_coagulopathy,
        ci.spinal_instability,
        ci.myelopathy,
        ci.neurologic_deficit,
        ci.neural_impingement,
    ]
    levels = case.levels_under_review
    if not levels:
        verdict = _decide(proc_require, proc_exclude, proc_review)
        return "not_candidate" if verdict == "not_candidate" else "needs_information"
    decisions = []
    for level in levels:
        fr = case.fracture(level)
        etiology = None if fr is None or fr.etiology is None else fr.etiology.value in OSTEOPOROTIC
        onset = None if fr is None else fr.symptom_onset_date
        age_ok = None if onset is None else (on - onset).days <= 84
        confirms, height_loss, (progression, kyphosis, retro) = _imaging(case, level, on)
        secondary = [
            progression,
            k_cmp(height_loss, height_loss is not None and height_loss > 25),
            kyphosis,
            k_cmp(rdq, rdq is not None and rdq > 17),
        ]
        met = secondary.count(True)
        at_least_2 = True if met >= 2 else (None if met + secondary.count(None) >= 2 else False)
        path_a = k_and(
            None if hosp is None else hosp is True, k_cmp(score, score is not None and score >= 8)
        )
        path_b = k_and(
            None if hosp is None else hosp is False,
            k_cmp(score, score is not None and score >= 5),
            nsm,
            k_or(worsening, at_least_2),
        )
        attributed = (
            None
            if fr is None or fr.pain_attributed_to_fracture is None
            else not fr.pain_attributed_to_fracture
        )
        decisions.append(
            _decide(
                proc_require
                + [etiology, age_ok, level in T1_TO_L5, confirms, k_or(path_a, path_b)],
                proc_exclude + [attributed],
                proc_review + [retro],
            )
        )
    for best in ("candidate", "needs_information", "needs_review"):
        if best in decisions:
            return best
    return "not_candidate"
