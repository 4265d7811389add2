"""What every case-form page hands its template: values, errors, sections and helpers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import FormData

from kypho.config import Settings
from kypho.store.audit import Actor
from kypho.web.forms.layout import sections
from kypho.web.forms.person import BIRTH_DATE, MRN, NAME, REFERRED_ON
from kypho.web.forms.tree import HIDDEN_VALUES
from kypho.web.forms.view import field_label, input_id, row_name, rows_to_show
from kypho.web.security.guard import require
from kypho.web.security.roles import Permission

EditActor = Annotated[Actor, Depends(require(Permission.EDIT_CASE))]

# (input name, label, input type, required) of the patient's identity on a referral
PERSON_FIELDS = (
    (NAME, "Patient name", "text", True),
    (MRN, "MRN (medical record number)", "text", True),
    (BIRTH_DATE, "Date of birth", "date", False),
    (REFERRED_ON, "Referred on", "date", False),
)

# A case with many studies and findings has more inputs than Starlette's default (1000):
# about 20 per finding row; 5000 allows some 200 rows.
MAX_FORM_FIELDS = 5000
PERSON_LABELS = {name: label for name, label, _, _ in PERSON_FIELDS}


def text_values(form: FormData) -> dict[str, str]:
    """The form's text fields (files left out); of a repeated name, the last."""
    return {name: value for name, value in form.multi_items() if isinstance(value, str)}


def today(settings: Settings) -> date:
    """Today in the clinic's time zone."""
    return datetime.now(settings.time_zone).date()


def form_context(
    values: Mapping[str, str], errors: Mapping[str, str], **extra: Any
) -> dict[str, Any]:
    """The case form template's context; ``extra`` adds the page's own (``case_pk``...)."""
    more = values.get("more", "")
    return {
        "values": values,
        "errors": errors,
        "sections": sections(),
        "person_fields": PERSON_FIELDS,
        "hidden_values": HIDDEN_VALUES,
        "input_id": input_id,
        "row_name": row_name,
        "rows_to_show": lambda name: rows_to_show(values, name, more=more),
        "field_label": lambda name: PERSON_LABELS.get(name) or field_label(values, name, more=more),
        "case_pk": None,
        "conflict": None,
        "locked_case_id": False,
        **extra,
    }


async def posted(request: Request) -> dict[str, str]:
    """The posted form's text fields; any uploaded file is closed unread."""
    async with request.form(max_fields=MAX_FORM_FIELDS) as form:
        return text_values(form)
