"""Field labels in a clinician's words, with the unit and the allowed range.

A label is made from the field name (``symptom_onset_date`` -> "Symptom onset date");
``WORDS`` spells out the abbreviations and the few names that read badly as words.
The unit comes from the model's bound (``Bounded(unit=...)``) or the name's suffix.
"""

from __future__ import annotations

from kypho.casefile.types import Bounded

WORDS = {
    "asa_class": "ASA class",
    "birth_date": "Birth date (as the case file records it)",
    "kg": "kg",
    "lb": "lb",
    "bmd_referral_with_education": "BMD referral with education",
    "case_id": "Case id",
    "conservative_care": "Conservative care",
    "follow_up": "Follow-up visits",
    "function": "Function scores",
    "imaging": "Imaging studies",
    "mri": "MRI",
    "ct": "CT",
    "spect": "SPECT",
    "nrs": "Pain (NRS)",
    "odi_pct": "ODI",
    "rdq": "RDQ",
    "previous_vcf": "Previous VCF",
    "procedure": "Procedure",
    "levels": "Treated levels",
    "new_fractures": "New fractures (levels)",
    "complications": "Complications (one per line)",
    "study_id": "Study id",
    "findings": "Level findings",
    "pain": "Pain scores",
    "uptake": "Uptake on bone scan",
    "schema_version": "Case-file version",
    "weight": "Weight",
    "value": "Value",
    "unit": "Unit",
    "bone_density": "CT bone density (a screening flag for a DXA referral, not a diagnosis)",
    "mean_hu": "Mean trabecular attenuation",
    "median_hu": "Median trabecular attenuation",
    "voxel_count": "Region of interest voxel count",
    "roi": "Region of interest (how it was drawn)",
    "flag": "Pickhardt 2013 flag (from the mean; may be left blank)",
    "contrast_phase": "IV contrast",
    "at_or_below_110_hu": "At or below 110 HU",
    "at_or_below_160_hu": "At or below 160 HU",
    "above_160_hu": "Above 160 HU",
    "non_contrast": "No contrast",
    "contrast": "Contrast given (phase unknown)",
}
_SUFFIX_UNITS = {"_pct": "%", "_mm": "mm", "_cm": "cm", "_deg": "degrees", "_years": "years"}


def words(name: str) -> str:
    """A name as words: ``bed_rest`` -> "Bed rest" (abbreviations spelled as ``WORDS`` says)."""
    if name in WORDS:
        return WORDS[name]
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


def _unit_and_stem(name: str, bounds: Bounded | None) -> tuple[str, str]:
    for suffix, unit in _SUFFIX_UNITS.items():
        if name.endswith(suffix):
            return (bounds.unit if bounds and bounds.unit else unit), name.removesuffix(suffix)
    return (bounds.unit if bounds else ""), name


def label_for(name: str, bounds: Bounded | None = None) -> str:
    """The label of field ``name``: words, then the unit and range in brackets.

    >>> label_for("height_loss_pct", Bounded(0, 100, unit="%"))
    'Height loss (%, 0 to 100)'
    >>> label_for("score", Bounded(0, 10))
    'Score (0 to 10)'
    """
    if name in WORDS:
        text, unit = WORDS[name], bounds.unit if bounds else ""
    else:
        unit, stem = _unit_and_stem(name, bounds)
        text = words(stem)
    extras = [unit] if unit else []
    if bounds is not None and bounds.hi is not None:
        extras.append(f"{bounds.lo:g} to {bounds.hi:g}")
    return f"{text} ({', '.join(extras)})" if extras else text
