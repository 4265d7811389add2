"""FHIR R4 in the app: import a Bundle as a new case, export a stored case, pull by patient id.

- ``POST /api/fhir/import``: a Bundle (and the patient's MRN and name, which kypho's import
  does not read from the Bundle) -> a new case, assessed on save; answers with the import
  report (what was used, what was ignored and why).
- ``GET /api/cases/{id}/fhir``: the case (an audited read) with its assessments under the
  clinic's policies as of today, a DetectedIssue per contraindication present, the
  latest signed plan (CarePlan and ServiceRequests, as ``kypho fhir export
  --plan-policy`` writes them; built again from its stored inputs, 409 if that no longer
  gives the stored plan) and every document issued for the case as DocumentReference
  (the PDF or calendar as issued, checked against its stored SHA-256; the HTML print
  views are renderings, not documents, and are left out). Each read is audited, and the
  export itself is an ``export`` event saying what went out.
- ``POST /api/fhir/pull``: the patient's resources from the FHIR server configured by
  ``KYPHO_FHIR_BASE_URL``, imported as a new case, like ``import``.

A malformed Bundle is 422 naming the path in the Bundle; a FHIR server that cannot be
reached or answers with an error is 502; no server configured is 503.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from kypho.errors import InteropError
from kypho.interop.fhir import ImportReport, bundle_to_case, export_bundle
from kypho.interop.fhir.client import pull_patient
from kypho.interop.fhir.export import Document
from kypho.store.audit import Actor, record_event
from kypho.store.cases import PatientDetails, create_case, get_case
from kypho.store.documents import list_documents
from kypho.store.models import IssuedDocument, Plan
from kypho.store.plans import list_plans, plan_again
from kypho.web.deps import DbSession, Now, Policies
from kypho.web.routes.cases import AssessingDb, PatientIn
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission

router = APIRouter(tags=["fhir"])

Reader = Annotated[Actor, Depends(require(Permission.READ_PATIENT_DATA))]
Editor = Annotated[Actor, Depends(require(Permission.EDIT_CASE))]
BASE_URL_SETTING = "KYPHO_FHIR_BASE_URL"


def fhir_base_url(request: Request) -> str | None:
    """The FHIR server to pull from: the setting ``fhir_base_url`` (KYPHO_FHIR_BASE_URL)."""
    configured = getattr(request.app.state.settings, "fhir_base_url", None)
    return configured if isinstance(configured, str) and configured else None


FhirBaseUrl = Annotated[str | None, Depends(fhir_base_url)]


class FhirImport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    patient: PatientIn
    bundle: dict[str, Any]
    referred_on: date | None = None


class FhirPull(BaseModel):
    model_config = ConfigDict(extra="forbid")
    patient: PatientIn
    patient_id: str = Field(min_length=1, max_length=64)
    referred_on: date | None = None


def _store(
    db: AssessingDb, actor: Actor, body: FhirImport | FhirPull, bundle: dict[str, Any]
) -> dict[str, Any]:
    case, report = bundle_to_case(bundle, source="bundle")
    born = body.patient.birth_date or case.patient.birth_date
    details = PatientDetails(mrn=body.patient.mrn, name=body.patient.name, birth_date=born)
    stored = create_case(db, actor, patient=details, case=case, referred_on=body.referred_on)
    return _created(stored.row.id, stored.row.case_ref, stored.version, report)


def _created(pk: int, ref: str, version: int, report: ImportReport) -> dict[str, Any]:
    return {"id": pk, "case_ref": ref, "version": version, "report": report.to_dict()}


@router.post("/fhir/import", status_code=201)
def import_bundle(body: FhirImport, db: AssessingDb, actor: Editor) -> dict[str, Any]:
    """A new case from a FHIR R4 Bundle; the answer carries the import report."""
    return _store(db, actor, body, body.bundle)


@router.post("/fhir/pull", status_code=201)
def pull(body: FhirPull, db: AssessingDb, actor: Editor, base_url: FhirBaseUrl) -> dict[str, Any]:
    """A new case from the patient's resources on the configured FHIR server."""
    if not base_url:
        raise HTTPException(503, f"{BASE_URL_SETTING}: expected a FHIR base URL in the "
                            "settings, got none")  # fmt: skip
    try:
        bundle = pull_patient(base_url, body.patient_id)
    except InteropError as err:
        raise HTTPException(502, str(err)) from None
    return _store(db, actor, body, bundle)


def _signed_plan(db: DbSession, actor: Actor, case_pk: int) -> Plan | None:
    """The newest signed plan of the case (plans are listed newest first), if any."""
    return next((p for p in list_plans(db, actor, case_pk) if p.signed_at is not None), None)


def _documents(db: DbSession, actor: Actor, case_pk: int) -> list[Document]:
    """The case's issued documents, oldest first, without the HTML print renderings."""
    rows: list[IssuedDocument] = list_documents(db, actor, case_pk)
    issued = [d for d in reversed(rows) if not d.media_type.startswith("text/html")]
    return [Document(title=d.filename, content_type=d.media_type, data=d.content,
                     issued_at=d.issued_at, sha256=d.sha256) for d in issued]  # fmt: skip


@router.get("/cases/{case_pk:int}/fhir")
def export(
    case_pk: int, db: DbSession, actor: Reader, now: Now, policies: Policies
) -> dict[str, Any]:
    """The stored case as a FHIR R4 Bundle, assessed as of the clinic's today, with its
    latest signed plan and its issued documents."""
    from kypho.workflows.assess import assess_case

    stored = get_case(db, actor, case_pk)  # audited read
    assessed = assess_case(stored.case, policies, on=now.date(), source=stored.row.case_ref)
    signed = _signed_plan(db, actor, case_pk)
    plan = plan_again(db, actor, signed) if signed is not None else None
    documents = _documents(db, actor, case_pk)
    bundle = export_bundle(stored.case, assessments=assessed.assessments,
                           safety=assessed.safety, plan=plan, documents=documents)  # fmt: skip
    detail = f"FHIR Bundle, {len(bundle['entry'])} resources"
    detail += f"; plan {signed.id}" if signed is not None else "; no signed plan"
    detail += f"; {len(documents)} documents"
    record_event(db, actor, action="export", record_type="case", record_id=case_pk,
                 case_id=case_pk, detail=detail)  # fmt: skip
    return bundle
