"""Helpers of the case-form tests: read a rendered form back as a browser would see it."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kypho.store.models import Case, CaseVersion, Patient

EXAMPLES = Path(__file__).parents[3] / "examples" / "cases"
EXAMPLE_01 = EXAMPLES / "01-acute-l1-worsening-candidate.json"


def example(path: Path = EXAMPLE_01) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


class FormReader(HTMLParser):
    """Every input, select and textarea of a page: name -> current value; labels by ``for``."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self.ids: dict[str, str] = {}  # name -> id
        self.types: dict[str, str] = {}  # name -> input type or tag
        self.label_for: set[str] = set()
        self.legends = 0
        self.fieldsets = 0
        self.options: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self.feed(html)

    def _control(self, name: str, attrs: dict[str, str | None], kind: str) -> None:
        self.ids[name] = attrs.get("id") or ""
        self.types[name] = kind
        self.values.setdefault(name, "")

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attrs_list)
        name = attrs.get("name")
        if tag == "label" and attrs.get("for"):
            self.label_for.add(attrs["for"] or "")
        elif tag == "legend":
            self.legends += 1
        elif tag == "fieldset":
            self.fieldsets += 1
        elif tag == "input" and name:
            kind = attrs.get("type") or "text"
            self._control(name, attrs, kind)
            if kind != "checkbox" or "checked" in attrs:
                self.values[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._control(name, attrs, "select")
            self._select = name
            self.options[name] = []
        elif tag == "option" and self._select:
            self.options[self._select].append(attrs.get("value") or "")
            if "selected" in attrs:
                self.values[self._select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._control(name, attrs, "textarea")
            self._textarea = name

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data

    def labelled(self, name: str) -> bool:
        return self.types[name] == "hidden" or self.ids.get(name, "") in self.label_for


def counts(engine: Engine) -> tuple[int, int, int]:
    """(patients, cases, case versions) in the database."""
    with Session(engine) as db:
        return tuple(  # type: ignore[return-value]
            int(db.scalar(select(func.count()).select_from(table)) or 0)
            for table in (Patient, Case, CaseVersion)
        )


def stored_documents(engine: Engine) -> list[dict[str, Any]]:
    with Session(engine) as db:
        rows = db.scalars(select(CaseVersion).order_by(CaseVersion.id))
        return [json.loads(row.document) for row in rows]


def error_beside(html: str, input_id: str) -> str:
    """The text of the message shown beside the input with ``input_id``."""
    marker = f'<p class="field-error" id="{input_id}-error">'
    start = html.index(marker) + len(marker)
    return html[start : html.index("</p>", start)]


def audit_actions(engine: Engine) -> list[tuple[str, str, str]]:
    """(action, record type, detail) of every audit event about patient data, oldest first."""
    from kypho.store.models.audit import AuditEvent

    with Session(engine) as db:
        rows = db.scalars(
            select(AuditEvent)
            .where(AuditEvent.record_type.in_(("case", "patient")))
            .order_by(AuditEvent.id)
        )
        return [(row.action, row.record_type, row.detail) for row in rows]


def patient_rows(engine: Engine) -> list[tuple[str, str, str | None]]:
    with Session(engine) as db:
        rows = db.scalars(select(Patient).order_by(Patient.id))
        return [(p.mrn, p.name, p.birth_date.isoformat() if p.birth_date else None) for p in rows]
