"""Check a submitted case form: every problem at once, each under the input it belongs to.

The case-file model (``CaseModel``) reports every field error of one pass; the words are
the case file's own (``kypho.casefile.messages.describe``). When the fields are right,
``parse_case`` runs the domain's checks as the CLI would, so a case the form accepts is
a case the CLI reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from kypho.casefile import parse_case
from kypho.casefile.messages import describe
from kypho.casefile.schema import CaseModel
from kypho.domain import Case
from kypho.errors import InvalidCaseFile
from kypho.web.forms.paths import path_parts
from kypho.web.forms.values import Parsed, case_data, input_name

FORM_SOURCE = "case form"
FORM_WIDE = ""  # errors that belong to no one input


@dataclass
class Checked:
    """The outcome: a ``case`` when the form is right, else ``errors`` by input name."""

    parsed: Parsed
    case: Case | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def document(self) -> str:
        return json.dumps(self.parsed.data, ensure_ascii=False)


def _loc(error: ErrorDetails) -> tuple[str | int, ...]:
    """Where an error points, its own ``at`` context included (as ``describe`` reads it)."""
    loc = tuple(error["loc"])
    at = error.get("ctx", {}).get("at")
    if at is not None:
        loc += tuple(at) if isinstance(at, tuple) else (at,)
    return loc


def _add(errors: dict[str, str], name: str, message: str) -> None:
    errors[name] = f"{errors[name]}; {message}" if name in errors else message


def _model_errors(checked: Checked) -> None:
    try:
        CaseModel.model_validate_json(checked.document)
    except ValidationError as err:
        for error in err.errors():
            _, message = describe(error)
            _add(checked.errors, input_name(checked.parsed, _loc(error)), message)


def _domain_errors(checked: Checked) -> None:
    try:
        checked.case = parse_case(checked.document, source=FORM_SOURCE)
    except InvalidCaseFile as err:
        message = str(err).removeprefix(f"{FORM_SOURCE}: ")
        parts = path_parts(err.field) if err.field else None
        name = input_name(checked.parsed, parts) if parts else FORM_WIDE
        _add(checked.errors, name, message.removeprefix(f"{err.field}: ") if parts else message)


def check_form(values: Mapping[str, str]) -> Checked:
    """Read the case file off the form ``values`` and check it."""
    checked = Checked(parsed=case_data(values))
    checked.errors.update(checked.parsed.problems)
    _model_errors(checked)
    if not checked.errors:
        _domain_errors(checked)
    return checked
