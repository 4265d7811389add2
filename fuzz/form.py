"""The app's state-changing forms, posted with a signed-in session and its CSRF token.

``prepare`` signs a physician in, enters two referrals through the case form (example
cases 01 and 09), plans both (09's plan is refused, so it has an override form) and adds
a procedure room; then it reads the forms as a browser would, off the pages: the case
edit form, the patient details, follow-up, scheduling, the plan and its override, and
a new referral (example 01's values under another MRN). The generator posts one of them
with its fields mutated: wrong types, long and unicode texts, NaN and huge numbers,
dates out of range, fields missing, repeated or extra, the CSRF token dropped or wrong,
bytes that are not UTF-8. The header line names the fields it changed.

The oracle (issue 15 items 5 and 6, docs/web-roles.md): a form posted unchanged must be
accepted; a post without this session's CSRF token, or with a number field that is NaN,
infinite or of hundreds of digits, or a date field that is no calendar date, or a birth
date after today, must be refused. A refusal leaves the stored rows as they were; a
refused page (4xx, or a form shown again) has a message beside a field, and a form shown
again (a 422, or a page holding the form) keeps each changed value as typed, but for a
hidden input the server sets and a select's value that is none of its options (a select
can only show its options).
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import json
import random
import re
import urllib.parse
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from fuzz import app, mutate
from fuzz.classify import Run, Verdict
from fuzz.target import FuzzTarget

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "cases"
FORM = "application/x-www-form-urlencoded"
CSRF_FIELD = "csrf_token"  # docs/web-roles.md
UNPROCESSABLE = 422  # the form shown again with its messages (RFC 9110 15.5.21; pages/case_form.py)
PAGES = ("/cases/1/edit", "/patients/1/edit", "/cases/1/follow-up", "/cases/1/schedule",
         "/cases/1/plan", "/cases/2/plan")  # fmt: skip
SKIPPED_ACTIONS = re.compile(r"/sign-out|/sign$|/cancel$|/done$|/documents/|/assess$|/rooms")
NUMBER_FIELD = re.compile(
    r"(age_years|\.value|score|duration_min|_mm|_percent|clinician_id|room_id)$"
)
DATE_FIELD = re.compile(r"(_date|^date|^day|birth_date|^on|referred_on)$")
NOT_NUMBERS = ("NaN", "nan", "inf", "-Infinity", "1e999", "1" + "0" * 400, "-" + "9" * 401)
# Not YYYY-MM-DD calendar dates (docs/case-format.md): an ISO week date and the basic form
# are ISO 8601 but no calendar date as the case file and the date inputs write it.
BAD_DATES = ("2026-13-01", "2026-02-30", "0000-00-00", "yesterday", "31/12/2026", "2026-W47-1",
             "2030-W47-1", "20301121")  # fmt: skip
TEXTS = ("", " ", "é" * 300, "\u202e\u0000x", "<script>alert(1)</script>", "x" * 100_000,
         "😀" * 50, "NaN", "-1", "0", "1e308", "9999-12-31", "0001-01-01", "true", "[]",
         "\udcff\udcfe", "x" * 2_100_000)  # fmt: skip


class _Forms(HTMLParser):
    """Every POST form of a page: action -> [(name, value)] as a browser would send,
    with the names of its hidden inputs and the option values of each select."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self.feed(page)

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if tag == "form" and attrs.get("method", "").lower() == "post":
            self._form = {"action": attrs.get("action", ""), "fields": [], "hidden": [],
                          "options": {}}  # fmt: skip
            self.forms.append(self._form)
        elif self._form is None or not attrs.get("name") and tag != "option":
            return
        elif tag == "input" and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self._form["fields"].append([attrs["name"], attrs.get("value", "")])
            if attrs.get("type") == "hidden":
                self._form["hidden"].append(attrs["name"])
        elif tag == "select":
            self._select = attrs["name"]
            self._form["fields"].append([attrs["name"], None])
            self._form["options"].setdefault(attrs["name"], [])
        elif tag == "option" and self._select:
            self._form["options"][self._select].append(attrs.get("value", ""))
            last = self._form["fields"][-1]
            if last[1] is None or "selected" in attrs:
                last[1] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self._form["fields"].append([attrs["name"], ""])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self._form is not None:
            self._form["fields"][-1][1] += data


def _referral(state: dict[str, Any], name: str, mrn: str) -> dict[str, str]:
    from kypho.web.forms.values import form_values

    doc = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    person = {"person.name": "Ada Example", "person.mrn": mrn, "person.birth_date": "1947-03-02"}
    return form_values(doc) | person | {"csrf_token": state["csrf"]}


def _marked(form: dict[str, Any], token: str) -> dict[str, Any]:
    """The form with this session's CSRF token written as the mark the child replaces."""
    fields = [[n, app.CSRF_MARK.decode() if v == token else v] for n, v in form["fields"]]
    return {"action": form["action"], "fields": fields, "hidden": form.get("hidden", []),
            "options": form.get("options", {})}  # fmt: skip


def _setup(client: Any, state: dict[str, Any]) -> None:
    from kypho.store.audit import SYSTEM
    from kypho.store.engine import transaction
    from kypho.store.rooms import create_room

    with transaction(client.app.state.sessions) as db:
        create_room(db, SYSTEM, name="Room 1")
    for name, mrn in (
        ("01-acute-l1-worsening-candidate.json", "MRN-1"),
        ("09-discitis.json", "MRN-2"),
    ):
        answer = client.post("/cases/new", data=_referral(state, name, mrn))
        assert answer.status_code == 303, answer.text[:2000]
    pages = list(PAGES)
    for case in (1, 2):
        plan = {"policy": "practice", "on": "2026-11-21", "csrf_token": state["csrf"]}
        pages.append(client.post(f"/cases/{case}/plan", data=plan).headers.get("location", "/"))
    new = _referral(state, "01-acute-l1-worsening-candidate.json", "MRN-3") | {"case_id": "NEW-1"}
    # the new-referral form filled in as a clinician would, with the page's own hidden
    # inputs and select options (what the oracle may not expect to see echoed)
    (blank,) = (f for f in _Forms(client.get("/cases/new").text).forms
                if f["action"] == "/cases/new")  # fmt: skip
    forms = [{"action": "/cases/new", "fields": [list(p) for p in new.items()],
              "hidden": blank["hidden"], "options": blank.get("options", {})}]  # fmt: skip
    for page in pages:
        for form in _Forms(client.get(page).text).forms:
            if form["action"] and not SKIPPED_ACTIONS.search(form["action"]):
                forms.append(form)
    state["forms"] = [_marked(f, state["csrf"]) for f in forms]


def prepare(workdir: Path) -> None:
    app.prepare(workdir, _setup)
    _forms.cache_clear()
    _forms_at[0] = workdir / app.STATE


_forms_at: list[Path | None] = [None]


@cache
def _forms() -> tuple[dict[str, Any], ...]:
    if _forms_at[0] is None:
        raise RuntimeError("fuzz.form: prepare() first")
    forms: list[dict[str, Any]] = json.loads(_forms_at[0].read_text(encoding="utf-8"))["forms"]
    return tuple(forms)


def _raw(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def encode(pairs: list[list[str]]) -> bytes:
    """``application/x-www-form-urlencoded``; a lone surrogate stands for a raw byte."""
    parts = []
    for name, value in pairs:
        raw = [_raw(str(t)) for t in (name, value)]
        parts.append("=".join(urllib.parse.quote_from_bytes(r, safe="") for r in raw))
    return "&".join(parts).encode()


def _value(rng: random.Random, name: str) -> str:
    pick = rng.random()
    if pick < 0.3 and NUMBER_FIELD.search(name):
        return rng.choice(NOT_NUMBERS)
    if pick < 0.3 and DATE_FIELD.search(name):
        return rng.choice((*BAD_DATES, *mutate.DATES))
    if pick < 0.75:
        return rng.choice(TEXTS)
    value = mutate._value(rng)
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _mutate(rng: random.Random, fields: list[list[str]], changed: list[str]) -> None:
    if not fields:
        return
    at = rng.randrange(len(fields))
    name = fields[at][0]
    action = rng.randrange(10)
    if action <= 5:
        fields[at][1] = _value(rng, name)
        changed.append(name)
    elif action == 6:
        del fields[at]
        changed.append(f"-{name}")
    elif action == 7:
        fields.append([name, _value(rng, name)])
        changed.append(name)
    elif action == 8:
        extra = rng.choice(["extra", "fractures[999999].level", "patient.x", "\ud800"])
        fields.append([extra, "1"])
        changed.append(f"+{extra}")
    else:
        fields[:] = [f for f in fields if f[0] != "csrf_token"]
        if rng.random() < 0.5:
            fields.append(["csrf_token", rng.choice(["", "x" * 43, "\udcff"])])
        changed.append("-csrf_token")


def generate(rng: random.Random) -> bytes:
    action = rng.choice(sorted({f["action"] for f in _forms()}))
    form = copy.deepcopy(rng.choice([f for f in _forms() if f["action"] == action]))
    fields: list[list[str]] = form["fields"]
    changed: list[str] = []
    for _ in range(rng.choice([0, 1, 1, 2, 3]) if fields else 0):
        _mutate(rng, fields, changed)
    head = {"method": "POST", "path": form["action"], "content_type": FORM, "session": True,
            "changed": changed}  # fmt: skip
    return app.request_bytes(head, encode(fields))


# --- the oracle ------------------------------------------------------------------------


def _calendar(text: str) -> dt.date | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def must_refuse(head: dict[str, Any], pairs: list[tuple[str, str]]) -> str | None:
    """Why the post must be refused, by the documented rules; ``None``: no rule says so.

    The CSRF rule reads what was sent, not the list of changes: a token dropped after
    a copy of it was added leaves this session's token in the form (docs/web-roles.md:
    every form that changes something carries it; of a repeated field the last counts,
    as Starlette's ``FormData.get`` reads it).
    """
    last = dict(pairs)
    if not head.get("csrf_header") and last.get(CSRF_FIELD) != app.CSRF_MARK.decode():
        return "no CSRF token of this session"
    for name in head.get("changed", []):
        value = last.get(name, "").strip()
        if NUMBER_FIELD.search(name) and value in NOT_NUMBERS:
            return f"{name}: not a finite number"
        if DATE_FIELD.search(name) and value and value in BAD_DATES:
            return f"{name}: not a calendar date"
        day = _calendar(value)
        if name.endswith("birth_date") and day is not None and day > dt.date.today():
            return f"{name}: a birth date after today"
    return None


def _parts(data: bytes) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    head, body = app.split(data)
    text = body.decode("ascii", "replace")
    return head, urllib.parse.parse_qsl(text, keep_blank_values=True, errors="surrogateescape")


def valid(data: bytes) -> bool | None:
    head, _ = _parts(data)
    return True if head is not None and not head.get("changed") and head["path"].endswith(
        ("/edit", "/new")) and head["path"].startswith("/cases") else None  # fmt: skip


def _not_echoed(action: str) -> tuple[set[str], dict[str, set[str]]]:
    """(hidden inputs, select -> its option values) of the forms posted to ``action``.

    A refused page need not echo what was typed into either (HTML Living Standard, "the
    select element" and the input's "Hidden state"): a select can only show one of its
    options, and a hidden input the server sets (the version an edit began from, the
    CSRF token, a fixed kind) is set again by the server, not copied from the post.
    """
    hidden: set[str] = set()
    options: dict[str, set[str]] = {}
    for form in _forms() if _forms_at[0] is not None else ():
        if form["action"] == action:
            hidden.update(form.get("hidden", ()))
            for name, values in form.get("options", {}).items():
                options.setdefault(name, set()).update(values)
    return hidden, options


_SUMMARY = re.compile(r'<div class="notice errors" role="alert".*?<ul>(.*?)</ul>', re.S)


def _summarised_hidden(head: dict[str, Any], pairs: list[tuple[str, str]], page: str) -> bool:
    """A field the post changed or left out is a hidden input (no place beside it to
    speak: the version an edit began from, the case-file version), and the page's error
    summary (role="alert") says what is wrong, the one place it can. A refusal for a
    hidden field may come before the other fields are read (a save without its version
    is refused as such), as a CDS refusal may name any one fault. A change the shrinker
    cut from the post is none; an added field ("+name") is no input of the form."""
    posted = {n for n, _ in pairs}
    changed = [n.removeprefix("-") for n in head.get("changed", [])
               if n.startswith("-") or n in posted]  # fmt: skip
    hidden, _ = _not_echoed(str(head.get("path", "")))
    summary = _SUMMARY.search(page)
    items = re.findall(r"<li>(.*?)</li>", summary.group(1), re.S) if summary else []
    return bool(items) and any(n in hidden for n in changed)


def _inputs(action: str) -> set[str]:
    """The input names of the forms posted to ``action`` (an added field is none of them)."""
    return {n for f in _forms() if f["action"] == action for n, _ in f["fields"]}


def _kept(head: dict[str, Any], pairs: list[tuple[str, str]], page: str) -> str | None:
    """A changed field whose typed value the refused page does not show (a select's
    value that is none of its options, and a hidden input, left out: ``_not_echoed``)."""
    shown = html.unescape(page)
    last = dict(pairs)
    hidden, options = _not_echoed(str(head.get("path", "")))
    inputs = _inputs(str(head.get("path", ""))) if _forms_at[0] is not None else None
    for name in head.get("changed", []):
        value = last.get(name)
        if name.startswith("-") or value is None or name == "csrf_token" or name in hidden:
            continue
        if name in options and value not in options[name] or name not in (inputs or {name}):
            continue  # a select shows only its options; a field the form lacks, nothing
        plain = value.strip()
        if 0 < len(plain) < 200 and plain.isprintable() and plain not in shown:
            return name
    return None


def _shown_again(head: dict[str, Any], seen: dict[str, Any]) -> bool:
    """The refusal is the form shown again (a 422, or a page with the form posting to the
    same action), not an error page for a body the server would not read (400 or 413:
    a field over Starlette's size limit, a body that is no form), which has no inputs."""
    action = html.escape(str(head.get("path", "")))
    return seen.get("status") == UNPROCESSABLE or f'action="{action}"' in seen.get("body", "")


def check(data: bytes, run: Run) -> Verdict | None:
    seen = app.observed(run)
    head, pairs = _parts(data)
    if head is None or seen.get("status") is None:
        return None
    refused = run.exit_code != 0
    if refused and seen.get("changed"):
        return Verdict("wrong_exit", f"stored from a refused post: {seen['changed']}")
    why = must_refuse(head, pairs)
    if why and not refused:
        return Verdict(
            "wrong_exit",
            "accepted though invalid: "
            + re.sub(r"\[\d+\]", "[N]", why.split(":")[0] if ":" in why else why),
        )
    if run.exit_code == 2 and "html" in seen.get("content_type", ""):
        if not seen.get("messages") and not _summarised_hidden(head, pairs, seen.get("body", "")):
            return Verdict("message", f"refused ({seen['status']}) with no message beside a field")
        if seen.get("cut"):
            return None  # only part of the page came back: no opinion on what it shows
        if _shown_again(head, seen) and (name := _kept(head, pairs, seen["body"])) is not None:
            return Verdict("message", "a typed value not kept: " + re.sub(r"\[\d+\]", "[N]", name))
    return None


TARGET = FuzzTarget(
    name="form",
    suffix=".http",
    argv=app.state_argv,
    generate=generate,
    valid=valid,
    main=app.run_request,
    prepare=prepare,
    check=check,
)
