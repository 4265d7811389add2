"""How generated decision code reads each fact: one Python expression per fact.

``kypho.rules.codegen`` writes a policy as one flat function; there each fact is read
by the expression given here, from plain locals rather than a ``FactContext`` (whose
construction alone costs about a microsecond): ``case``, ``on`` and ``level``, and the
helper locals of ``HELPERS``, computed at most once per case (patient) or per level.
Every expression gives exactly the value of ``kypho.rules.values`` (and so of the full
extractor); a fact without one here is read by ``values.value_reader`` from a context
made once per case or level (``ctx``, ``pctx``). The differential tests hold every
expression to its extractor.
"""

from __future__ import annotations

from typing import NamedTuple

from kypho.rules import values as v
from kypho.rules import values_level as lv
from kypho.rules.facts import FACTS
from kypho.rules.observation import FactContext, Scope


class Read(NamedTuple):
    """An expression giving a fact's value (``bounded``: its ``(value, bounds)``)."""

    expr: str
    needs: tuple[str, ...] = ()
    bounded: bool = False


class Helper(NamedTuple):
    """A local computed once per case (``level`` False) or per level, before first use."""

    expr: str
    level: bool
    needs: tuple[str, ...] = ()


HELPERS: dict[str, Helper] = {
    "fr": Helper("_fracture_at(case, level)", level=True),
    "fd": Helper("_findings_at(case, level, on)", level=True),
    "so": Helper("_since_onset_in(fd, fr)", level=True, needs=("fd", "fr")),
    "ctx": Helper("_FC(case, on, level, {})", level=True),
    "ps": Helper("_pain_series_of(case, on)", level=False),
    "pctx": Helper("_FC(case, on, None, {})", level=False),
}

# The functions and classes the expressions name, bound in the generated module.
NAMES: dict[str, object] = {
    "_fracture_at": lv.fracture_at,
    "_findings_at": lv.findings_at,
    "_since_onset_in": lv.since_onset_in,
    "_FC": FactContext,
    "_pain_series_of": v.pain_series_of,
    "_levels_under_review": v.levels_under_review,
    "_confirms_in": lv.confirms_in,
    "_acute_found_in": lv.acute_found_in,
    "_acute_age_in": lv.acute_age_in,
    "_chronic_in": lv.chronic_in,
    "_height_loss_in": lv.height_loss_in,
    "_progression_in": lv.progression_in,
    "_kyphotic_in": lv.kyphotic_in,
    "_retropulsion_in": lv.retropulsion_in,
    "_trajectory_in": v.trajectory_in,
    "_rdq_of": v.rdq_of,
    "_nsm_documented_of": v.nsm_documented_of,
    "_kleene_any": v.kleene_any,
    "_pregnant_of": v.pregnant_of,
}


def _fracture_field(name: str) -> Read:
    return Read(f"(None if fr is None else fr.{name})", ("fr",))


def _flags(holder: str, names: tuple[str, ...]) -> Read:
    """Kleene OR of flags of one holder, the holder read once."""
    first, *rest = names
    parts = ", ".join([f"(_h := case.{holder}).{first}", *(f"_h.{n}" for n in rest)])
    return Read(f"_kleene_any(({parts},))")


READS: dict[str, Read] = {
    # ``_value_`` is what an enum's ``value`` property returns, read without the property.
    "level": Read("level._value_"),
    "etiology": Read(
        "(None if fr is None or fr.etiology is None else fr.etiology._value_)", ("fr",)
    ),
    "fracture_age_days": Read(
        "(None if fr is None or fr.symptom_onset_date is None"
        " else (on - fr.symptom_onset_date).days)",
        ("fr",),
    ),
    "pain_attributed_to_fracture": _fracture_field("pain_attributed_to_fracture"),
    "reinforcement_before_surgery": _fracture_field("needs_reinforcement_before_surgery"),
    "advanced_imaging_confirms": Read("_confirms_in(so)", ("so",)),
    "acute_imaging_found": Read("_acute_found_in(so)", ("so",)),
    "acute_imaging_age_days": Read("_acute_age_in(so, on)", ("so",)),
    "chronic_on_imaging": Read("_chronic_in(so)", ("so",)),
    "height_loss_pct": Read("_height_loss_in(so)", ("so",), bounded=True),
    "height_progression": Read("_progression_in(so)", ("so",)),
    "kyphotic_deformity": Read("_kyphotic_in(so)", ("so",)),
    "retropulsion": Read("_retropulsion_in(fd)", ("fd",)),
    "pain_score": Read("(ps[-1].score if ps else None)", ("ps",)),
    "hospitalized": Read("(ps[-1].hospitalized if ps else None)", ("ps",)),
    "pain_trajectory": Read("_trajectory_in(ps)", ("ps",)),
    "rdq_score": Read("_rdq_of(case, on)"),
    "nsm_documented": Read("_nsm_documented_of(case, on)"),
    "infection": _flags("contraindications", v.INFECTION),
    "cement_or_contrast_allergy": _flags(
        "contraindications", ("cement_allergy", "contrast_allergy")
    ),
    "pregnant": Read("_pregnant_of(case.patient)"),
    "levels_in_procedure": Read(
        "(len(_n) if (_n := case.procedure.levels or case.fractures) else None)"
    ),
    "age_years": Read("case.patient.age_on(on)"),
    **{name: Read(f"case.contraindications.{name}") for name in v.CONTRA},
    **{
        name: Read(f"case.continuum_of_care.{name}")
        for name in ("bmd_referral_with_education", "osteoporosis_program_instruction")
    },
    **{
        name: Read(f"case.suspicion_signs.{name.removeprefix('sign_')}")
        for name in FACTS
        if name.startswith("sign_")
    },
}


def read_of(fact: str, names: dict[str, object]) -> Read:
    """How to read ``fact``: its expression here, else its reader on a context.

    A fact read through a context gets its reader bound in ``names``.
    """
    found = READS.get(fact)
    if found is not None:
        return found
    name = f"_read_{fact}"
    names[name] = v.value_reader(fact)
    at_level = FACTS[fact].scope is Scope.LEVEL
    return Read(f"{name}({'ctx' if at_level else 'pctx'})", ("ctx" if at_level else "pctx",), True)
