"""The catalogue of facts a policy may read: name, scope, unit, and who supplies it.

A policy names facts; the engine extracts each from the case once per level (or once
per patient) and never guesses: a fact the case lacks is ``None`` (unknown), and
``document`` tells a coordinator what would supply it.
"""

from __future__ import annotations

from dataclasses import dataclass

from kypho.rules import facts_level as lv
from kypho.rules import facts_patient as pt
from kypho.rules.observation import Extractor, FactContext, Observation, Scope


@dataclass(frozen=True, slots=True)
class FactSpec:
    name: str
    scope: Scope
    kind: str  # "number", "days", "bool", "text"
    unit: str
    document: str  # what supplies it; "{level}" is filled in
    extract: Extractor

    def observe(self, ctx: FactContext) -> Observation:
        return self.extract(ctx)


def malignancy_or_trauma(ctx: FactContext) -> Observation:
    """Any fracture of malignant or high-energy traumatic cause (pathway exclusions)."""
    fractures = ctx.case.fractures
    if not fractures:
        return Observation(None, "no fracture recorded")
    flagged = [
        f.level.value
        for f in fractures
        if f.etiology and (f.etiology.is_malignant or f.etiology.value == "traumatic")
    ]
    if flagged:
        return Observation(True, f"malignant or traumatic cause at {', '.join(flagged)}")
    if any(f.etiology is None for f in fractures):
        return Observation(None, "cause not recorded for every fracture")
    return Observation(False, "no malignant or high-energy traumatic cause")


_L, _P = Scope.LEVEL, Scope.PATIENT
_SPECS = (
    FactSpec("level", _L, "text", "", "the fractured level", lv.level_name),
    FactSpec(
        "etiology", _L, "text", "", "cause of the {level} fracture (history, imaging)", lv.etiology
    ),
    FactSpec(
        "fracture_age_days",
        _L,
        "days",
        "days",
        "date of symptom onset for {level} (history)",
        lv.fracture_age_days,
    ),
    FactSpec(
        "advanced_imaging_confirms",
        _L,
        "bool",
        "",
        "MRI (or bone scan, SPECT, CT) report of {level}: marrow edema or uptake",
        lv.advanced_imaging_confirms,
    ),
    FactSpec(
        "acute_imaging_found",
        _L,
        "bool",
        "",
        "imaging report of {level} stating whether the fracture is acute",
        lv.acute_imaging_found,
    ),
    FactSpec(
        "acute_imaging_age_days",
        _L,
        "days",
        "days",
        "dated imaging of {level} showing the acute fracture",
        lv.acute_imaging_age_days,
    ),
    FactSpec(
        "chronic_on_imaging",
        _L,
        "bool",
        "",
        "imaging report of {level} on acute or chronic appearance",
        lv.chronic_on_imaging,
    ),
    FactSpec(
        "height_loss_pct",
        _L,
        "number",
        "%",
        "measured height loss of {level} (radiology report or kypho measure)",
        lv.height_loss_pct,
    ),
    FactSpec(
        "height_progression",
        _L,
        "bool",
        "",
        "serial imaging of {level} comparing vertebral height",
        lv.height_progression,
    ),
    FactSpec(
        "kyphotic_deformity",
        _L,
        "bool",
        "",
        "imaging report of {level} on kyphotic deformity",
        lv.kyphotic_deformity,
    ),
    FactSpec(
        "retropulsion",
        _L,
        "bool",
        "",
        "CT or MRI report of {level} on retropulsion / canal compromise",
        lv.retropulsion,
    ),
    FactSpec(
        "pain_attributed_to_fracture",
        _L,
        "bool",
        "",
        "examination note: is the pain from the {level} fracture?",
        lv.pain_attributed,
    ),
    FactSpec(
        "reinforcement_before_surgery",
        _L,
        "bool",
        "",
        "surgical plan: reinforce {level} before spinal surgery?",
        lv.reinforcement_before_surgery,
    ),
    FactSpec("pain_score", _P, "number", "/10", "a dated NRS or VAS pain score", pt.pain_score),
    FactSpec(
        "hospitalized",
        _P,
        "bool",
        "",
        "whether the patient is hospitalized at the pain assessment",
        pt.hospitalized,
    ),
    FactSpec(
        "pain_trajectory",
        _P,
        "text",
        "",
        "two dated pain scores (to show the trend)",
        pt.pain_trajectory,
    ),
    FactSpec(
        "rdq_score",
        _P,
        "number",
        "/24",
        "a Roland-Morris Disability Questionnaire score",
        pt.rdq_score,
    ),
    FactSpec(
        "nsm_documented",
        _P,
        "bool",
        "",
        "record of non-surgical management (medication, brace, therapy)",
        pt.nsm_documented,
    ),
    FactSpec(
        "nsm_duration_days",
        _P,
        "days",
        "days",
        "start date of non-surgical management",
        pt.nsm_duration_days,
    ),
    FactSpec("nsm_failed", _P, "bool", "", "response to non-surgical management", pt.nsm_failed),
    FactSpec(
        "infection",
        _P,
        "bool",
        "",
        "infection screen: osteomyelitis, discitis, systemic or surgical-site infection",
        pt.infection,
    ),
    FactSpec("pregnant", _P, "bool", "", "pregnancy status", pt.pregnant),
    FactSpec("age_years", _P, "number", "years", "date of birth or age", pt.age_years),
    FactSpec(
        "cement_or_contrast_allergy",
        _P,
        "bool",
        "",
        "allergy history: bone cement, contrast",
        pt.cement_or_contrast_allergy,
    ),
    FactSpec(
        "uncorrected_coagulopathy",
        _P,
        "bool",
        "",
        "coagulation review (INR, platelets, anticoagulants)",
        pt.contraindication("uncorrected_coagulopathy"),
    ),
    FactSpec(
        "spinal_instability",
        _P,
        "bool",
        "",
        "spine surgeon's or imaging assessment of stability",
        pt.contraindication("spinal_instability"),
    ),
    FactSpec(
        "myelopathy",
        _P,
        "bool",
        "",
        "neurologic examination: myelopathy",
        pt.contraindication("myelopathy"),
    ),
    FactSpec(
        "neurologic_deficit",
        _P,
        "bool",
        "",
        "neurologic examination: deficit",
        pt.contraindication("neurologic_deficit"),
    ),
    FactSpec(
        "neural_impingement",
        _P,
        "bool",
        "",
        "imaging or examination: neural impingement",
        pt.contraindication("neural_impingement"),
    ),
    FactSpec(
        "bmd_referral_with_education",
        _P,
        "bool",
        "",
        "referral for bone density (BMD) evaluation with osteoporosis education",
        pt.bmd_referral,
    ),
    FactSpec(
        "osteoporosis_program_instruction",
        _P,
        "bool",
        "",
        "instruction to join an osteoporosis prevention/treatment program",
        pt.osteoporosis_program,
    ),
    FactSpec(
        "levels_in_procedure", _P, "number", "levels", "the planned levels", pt.levels_in_procedure
    ),
    FactSpec(
        "malignancy_or_trauma",
        _P,
        "bool",
        "",
        "cause of each fracture (is a malignant or high-energy traumatic cause suspected?)",
        malignancy_or_trauma,
    ),
) + tuple(
    FactSpec(
        f"sign_{name}",
        _P,
        "bool",
        "",
        f"history/examination: {name.replace('_', ' ')}",
        pt.suspicion_sign(name),
    )
    for name in (
        "severe_mobility_limitation",
        "pain_eases_with_rest",
        "recent_minor_trauma",
        "pain_with_activity",
        "osteoporosis_or_osteopenia",
        "previous_vcf",
        "chronic_corticosteroids",
        "spinous_process_tenderness",
        "pain_on_position_change",
        "midline_back_pain",
    )
)

FACTS: dict[str, FactSpec] = {spec.name: spec for spec in _SPECS}
