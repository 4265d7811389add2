"""Helpers of the FHIR tests: what the mapping covers, Bundles on disk, the Node tools.

``mapped(case)`` is the case reduced to the fields docs/fhir.md says travel both ways,
written out here from that table (not from the code under test), so a round trip must
give it back exactly.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

import strategies
from kypho.domain import Case, ContinuumOfCare, Contraindications, Level, Patient, Sex
from kypho.domain.care import FollowUpVisit, PlannedProcedure
from kypho.domain.chronology import EARLIEST_DATE
from kypho.domain.imaging import ImagingStudy, LevelFinding
from kypho.domain.symptoms import PainAssessment

HERE = Path(__file__).resolve().parent
BUNDLES = HERE / "bundles"
NODE_DIR = HERE / "node"
EXAMPLES = HERE.parents[2] / "examples" / "cases"
CODED_LEVELS = {lv for lv in Level if lv is not Level.S1}  # DICOM CID 7603: C1-L5
CPT_LEVELS = {lv for lv in Level if lv.region in ("thoracic", "lumbar")}
CARE_MAPPED = {"analgesics", "anti_osteoporosis", "bracing", "physical_therapy"}


def bundle(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((BUNDLES / name).read_text(encoding="utf-8"))
    return data


def _finding(f: LevelFinding) -> LevelFinding:
    keep = ("height_loss_pct", "anterior_height_mm", "middle_height_mm", "posterior_height_mm",
            "retropulsion_mm", "marrow_edema", "retropulsion")  # fmt: skip
    return LevelFinding(level=f.level, **{k: getattr(f, k) for k in keep})


def _has_value(f: LevelFinding) -> bool:
    return any(v is not None for k, v in dataclasses.asdict(f).items() if k != "level")


def _study(s: ImagingStudy) -> ImagingStudy:
    findings = tuple(_finding(f) for f in s.findings if f.level in CODED_LEVELS)
    return ImagingStudy(modality=s.modality, study_date=s.study_date, study_id=s.study_id or None,
                        findings=tuple(f for f in findings if _has_value(f)))  # fmt: skip


def _none_if_empty(items: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    return items or None


def mapped(case: Case) -> Case:
    """``case`` with only the fields the FHIR mapping carries both ways."""
    p, ci = case.patient, case.contraindications
    age = p.age_years if p.birth_date is None else None  # the birth date gives it
    patient = Patient(birth_date=p.birth_date, age_years=age, sex=p.sex,
                      weight_kg=p.weight_kg, height_cm=p.height_cm, pregnant=p.pregnant,
                      on_anticoagulants=p.on_anticoagulants)  # fmt: skip
    fractures = tuple(dataclasses.replace(f, pain_attributed_to_fracture=None,
                                          needs_reinforcement_before_surgery=None)
                      for f in case.fractures or () if f.level in CODED_LEVELS)  # fmt: skip
    care = tuple(dataclasses.replace(t, response=None) for t in case.conservative_care or ()
                 if t.modality in CARE_MAPPED)  # fmt: skip
    pain = tuple(PainAssessment(score=x.score, scale=x.scale, assessed_on=x.assessed_on)
                 for x in case.pain or ())  # fmt: skip
    levels = sorted((lv for lv in case.procedure.levels or () if lv in CPT_LEVELS),
                    key=lambda lv: lv.position)  # fmt: skip
    visits = tuple(FollowUpVisit(visit_date=v.visit_date, nrs=v.nrs, odi_pct=v.odi_pct,
                                 rdq=v.rdq) for v in case.follow_up or ())  # fmt: skip
    bmd = case.continuum_of_care.bmd_referral_with_education
    return Case(
        case_id=case.case_id,
        patient=patient,
        fractures=_none_if_empty(fractures),
        imaging=_none_if_empty(tuple(_study(s) for s in case.imaging or ())),
        pain=_none_if_empty(pain),
        function=_none_if_empty(case.function),
        conservative_care=_none_if_empty(care),
        contraindications=Contraindications(
            osteomyelitis=ci.osteomyelitis,
            discitis=ci.discitis,
            uncorrected_coagulopathy=ci.uncorrected_coagulopathy,
            cement_allergy=ci.cement_allergy,
            contrast_allergy=ci.contrast_allergy,
        ),  # fmt: skip
        continuum_of_care=ContinuumOfCare(bmd_referral_with_education=bmd or None),
        procedure=PlannedProcedure(
            procedure_date=case.procedure.procedure_date, levels=tuple(levels) or None
        ),  # fmt: skip
        follow_up=_none_if_empty(tuple(sorted(visits, key=lambda v: v.visit_date))),
    )


def node_or_skip() -> str:
    """The ``node`` program with this folder's packages installed, else skip (fail in CI)."""
    node = shutil.which("node")
    installed = (NODE_DIR / "node_modules" / "@medplum" / "core").is_dir()
    if node and installed:
        return node
    why = "node is not on PATH" if not node else (
        f"npm packages not installed: run `npm ci --prefix {NODE_DIR}`")  # fmt: skip
    if os.environ.get("CI") == "true":
        pytest.fail(f"Node FHIR tools (validator, server) needed under CI=true: {why}")
    pytest.skip(f"Node FHIR tools (validator, server): {why}")


def validate_with_medplum(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each resource validated by @medplum/core validateResource: one result per resource."""
    node = node_or_skip()
    done = subprocess.run(
        [node, str(NODE_DIR / "validate.mjs")], input=json.dumps(resources), text=True,
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


@st.composite
def consistent_cases(draw: st.DrawFn) -> Case:
    """A case from the domain strategies, its birth and procedure dates moved so that the
    chronology checks hold (born before every event, follow-up after the procedure)."""
    parts = {name: draw(strategy) for name, strategy in _CASE_PARTS.items()}
    probe = Case(case_id="probe", **{k: v for k, v in parts.items() if k not in
                                      ("patient", "procedure", "follow_up")})  # fmt: skip
    visits = parts["follow_up"] or ()
    events = [day for _, day in probe.dated_events()] + [v.visit_date for v in visits]
    events += [e.diagnosed_on for v in visits for e in v.new_fracture_events or ()]
    patient, procedure = parts["patient"], parts["procedure"]
    if patient.birth_date is not None and events:
        patient = dataclasses.replace(patient, birth_date=min([patient.birth_date, *events]))
    done = procedure.procedure_date
    if done is not None and visits:
        first = min(v.visit_date for v in visits)
        day = min(done, first - timedelta(days=1)) if first > EARLIEST_DATE else None
        procedure = dataclasses.replace(procedure, procedure_date=day)
    if patient.birth_date is not None and procedure.procedure_date is not None:
        patient = dataclasses.replace(
            patient, birth_date=min(patient.birth_date, procedure.procedure_date)
        )
    return Case(case_id=draw(st.text(min_size=1, max_size=16).filter(str.strip)),
                **{**parts, "patient": patient, "procedure": procedure})  # fmt: skip


@st.composite
def _patients(draw: st.DrawFn) -> Patient:
    """strategies.patients(), with ``pregnant`` drawn after ``sex`` (a man is never pregnant)."""
    sex = draw(strategies.optional(st.sampled_from(Sex)))
    pregnant = draw(st.none() | st.just(False) if sex is Sex.MALE else strategies.flags)
    return Patient(
        birth_date=draw(strategies.optional(strategies.clinical_dates)),
        age_years=draw(strategies.optional(st.integers(0, 130))),
        sex=sex,
        weight_kg=draw(strategies.optional(strategies.numbers(0, 400, exclude_min=True))),
        height_cm=draw(strategies.optional(strategies.numbers(30, 250))),
        pregnant=pregnant,
        on_anticoagulants=draw(strategies.flags),
        asa_class=draw(strategies.optional(st.integers(1, 6))),
    )


_CASE_PARTS: dict[str, st.SearchStrategy[Any]] = {
    "patient": _patients(),
    "fractures": strategies.recorded(strategies.fractures(), unique_by=lambda f: f.level),
    "imaging": strategies.recorded(strategies.imaging_studies()),
    "pain": strategies.recorded(strategies.pain_assessments()),
    "function": strategies.recorded(strategies.function_scores()),
    "conservative_care": strategies.recorded(strategies.conservative_treatments()),
    "contraindications": strategies._all_flags(Contraindications),
    "continuum_of_care": strategies._all_flags(ContinuumOfCare),
    "procedure": strategies.procedures(),
    "follow_up": strategies.recorded(strategies.follow_up_visits()),
}


@contextlib.contextmanager
def running_fhir_server() -> Iterator[str]:
    """The base URL of ``node/server.mjs`` on a free loopback port; stopped by its PID."""
    node = node_or_skip()
    command = [node, str(NODE_DIR / "server.mjs"), "0"]
    server = subprocess.Popen(command, cwd=NODE_DIR, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line, server.stderr.read() if server.stderr else "no output"
        yield f"http://127.0.0.1:{json.loads(line)['port']}"
    finally:
        server.terminate()
        server.wait(timeout=10)
        for stream in (server.stdout, server.stderr):
            if stream is not None:
                stream.close()


def unordered(case_dict: dict[str, Any]) -> dict[str, Any]:
    """Lists as sorted JSON texts: a server returns resources grouped by type."""
    return {k: sorted(json.dumps(x, sort_keys=True) for x in v) if isinstance(v, list) else v
            for k, v in case_dict.items()}  # fmt: skip
