"""The case form: a new referral (``/cases/new``) and an edit (``/cases/{pk}/edit``).

On a bad value the form comes back (422) with every message beside its input and
everything typed kept, and nothing is stored. An edit names the version it was based
on (``expected_version``); if someone saved since, the answer is 409 with what was
typed still in the form.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from kypho.errors import Conflict, InvalidInput
from kypho.store.cases import StoredCase, create_case, get_case, save_case
from kypho.web.deps import DbSession
from kypho.web.forms.check import FORM_WIDE, Checked, check_form
from kypho.web.forms.page import EditActor, form_context, posted, today
from kypho.web.forms.person import MRN, Person, check_person, mrn_clash
from kypho.web.forms.values import form_values
from kypho.web.pages.case_transfer import transfer_router
from kypho.web.render import render

router = APIRouter(tags=["pages"], include_in_schema=False)
router.include_router(transfer_router)  # /cases/import before the case page's /cases/{pk}
TEMPLATE = "case_form/form.html"


def _page(request: Request, values: dict[str, str], errors: dict[str, str], *,
          status: int = 200, **extra: Any) -> Response:  # fmt: skip
    return render(request, TEMPLATE, form_context(values, errors, **extra), status=status)


def _new_page(request: Request, values: dict[str, str], errors: dict[str, str],
              status: int = 200) -> Response:  # fmt: skip
    return _page(request, values, errors, status=status, action="/cases/new")


def _edit_extra(stored: StoredCase, expected_version: int) -> dict[str, Any]:
    return {
        "action": f"/cases/{stored.row.id}/edit",
        "case_pk": stored.row.id,
        "case_ref": stored.row.case_ref,
        "patient": stored.patient,
        "expected_version": expected_version,
        "current_version": stored.row.version,
        "locked_case_id": True,
    }


@router.get("/cases/new")
def new_case_form(request: Request, actor: EditActor) -> Response:  # noqa: ARG001
    return _new_page(request, {}, {})


def _checked_referral(db: Session, values: dict[str, str], person: Person) -> Checked:
    checked = check_form(values)
    checked.errors.update(person.errors)
    if person.details is not None and (clash := mrn_clash(db, person)):
        checked.errors[MRN] = clash
    return checked


@router.post("/cases/new")
async def new_case_submit(request: Request, actor: EditActor, db: DbSession) -> Response:
    values = await posted(request)
    if values.get("more"):
        return _new_page(request, values, {})
    person = check_person(values, today=today(request.app.state.settings))
    checked = _checked_referral(db, values, person)
    if checked.errors or checked.case is None or person.details is None:
        return _new_page(request, values, checked.errors, 422)
    try:
        with db.begin_nested():
            stored = create_case(db, actor, patient=person.details, case=checked.case,
                                 referred_on=person.referred_on)  # fmt: skip
    except InvalidInput as err:
        return _new_page(request, values, {"case_id": _words(err, "case_id")}, 422)
    return RedirectResponse(f"/cases/{stored.row.id}", status_code=303)


def _words(err: InvalidInput, field: str) -> str:
    return str(err).removeprefix(f"{field}: ")


@router.get("/cases/{case_pk:int}/edit")
def edit_case_form(request: Request, case_pk: int, actor: EditActor, db: DbSession) -> Response:
    stored = get_case(db, actor, case_pk)
    values = form_values(json.loads(stored.document))
    return _page(request, values, {}, **_edit_extra(stored, stored.version))


def _expected_version(values: dict[str, str]) -> int | None:
    text = values.get("expected_version", "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


@router.post("/cases/{case_pk:int}/edit")
async def edit_case_submit(
    request: Request, case_pk: int, actor: EditActor, db: DbSession
) -> Response:
    values = await posted(request)
    stored = get_case(db, actor, case_pk)
    expected = _expected_version(values)
    if expected is None:
        message = "expected_version: expected the version number the edit began from; reload"
        return _page(request, values, {FORM_WIDE: message}, status=422,
                     **_edit_extra(stored, stored.version))  # fmt: skip
    extra = _edit_extra(stored, expected)
    if values.get("more"):
        return _page(request, values, {}, **extra)
    checked = check_form(values)
    if checked.errors or checked.case is None:
        return _page(request, values, checked.errors, status=422, **extra)
    try:
        with db.begin_nested():
            save_case(db, actor, case_pk, checked.case, expected_version=expected, note="edit")
    except Conflict as err:
        db.refresh(stored.row)
        extra["current_version"] = stored.row.version
        return _page(request, values, {}, status=409, conflict=str(err), **extra)
    except InvalidInput as err:
        return _page(request, values, {"case_id": _words(err, "case_id")}, status=422, **extra)
    return RedirectResponse(f"/cases/{case_pk}", status_code=303)
