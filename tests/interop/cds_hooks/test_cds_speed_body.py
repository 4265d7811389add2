"""The hook body's nesting measured on the parsed value (issue 11, item 6): the same depth
and the same refusals as measuring the text, for what is parsed and what is not.

The oracle is ``fuzz.jsontext.nesting_depth`` (the fuzz campaign's own measure of the
text, written apart from the service) and depths counted by hand.
"""

from __future__ import annotations

import json

import pytest
from fuzz.jsontext import nesting_depth
from kypho_cds_support import EXAMPLES, REQUESTS, draft_order, hook_body, prefetch_of

from kypho.casefile import load_case
from kypho.interop.cds_hooks.errors import BadHookRequest
from kypho.interop.cds_hooks.request import MAX_DEPTH, _nesting, read_hook_body
from kypho.interop.fhir.codes import ICD_OSTEOPOROTIC_FRACTURE, has_prefix
from kypho.interop.fhir.read_bundle import bundle_entries

TOO_DEEP = f"expected arrays and objects nested at most {MAX_DEPTH} deep"


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ('"[[{"', 0),
        ("[]", 1),
        ("{}", 1),
        ('{"a": [[]]}', 3),
        ('{"a": [1, {"b": []}], "c": {}}', 4),
        ('{"a": "]]]}}}[[[", "b": [{"c": "[{"}]}', 3),  # brackets in text do not count
        ('{"a": "\\"[[[\\\\", "b": ["\\"]"]}', 2),  # nor behind escaped quotes
        ('{"\\u005b": [[[]]]}', 4),  # a bracket written as an escape is text too
    ],
)
def test_nesting_of_the_parsed_value_is_the_depth_counted_by_hand(text: str, depth: int) -> None:
    assert nesting_depth(text) == depth  # the oracle agrees with the hand count
    assert _nesting(json.loads(text)) == depth


def _bodies() -> list[bytes]:
    found = [json.dumps(json.loads(p.read_text())["body"]).encode()
             for p in sorted(REQUESTS.glob("*.json"))]  # fmt: skip
    for name in ("01-acute-l1-worsening-candidate", "07-four-levels-one-session", "09-discitis"):
        path = EXAMPLES / f"{name}.json"
        if path.is_file():
            prefetch = prefetch_of(load_case(path), "p-1")
            body = hook_body("order-sign", "p-1", prefetch, [draft_order("22514", "p-1")])
            found.append(json.dumps(body, indent=1).encode())
    return found


def test_real_bodies_nest_as_their_text_says() -> None:
    bodies = _bodies()
    if not bodies:
        pytest.skip(f"no captured CDS Hooks requests at {REQUESTS} and no example cases")
    for raw in bodies:
        text = raw.decode()
        assert _nesting(read_hook_body(raw)) == nesting_depth(text) <= MAX_DEPTH


# Where: the path of the place, cut back to whole steps within 120 characters (a path
# of 100 steps would fill the message), counted here by hand; "body" where the text
# does not parse, so has no places.
FIRST_40_ITEMS = "[0]" * 40  # 120 characters of the 100 "[0]" steps
FIRST_60_KEYS = "a" + ".a" * 59  # 119 characters of the 100 "a" steps


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), FIRST_40_ITEMS,
         f"{TOO_DEEP}, got {MAX_DEPTH + 1}"),
        ('{"a":' * 101 + "1" + "}" * 101, FIRST_60_KEYS, f"{TOO_DEEP}, got 101"),
        ('{"a":' * 5000 + "1" + "}" * 5000, "body", f"{TOO_DEEP}, got 5000"),  # past the parser
        ("[" * 200 + "NaN" + "]" * 200, FIRST_40_ITEMS, f"{TOO_DEEP}, got 200"),  # said first
        ("[" * 200 + "]" * 199, "body", f"{TOO_DEEP}, got 200"),  # and before 'not JSON'
        ("[" * 100 + "NaN" + "]" * 100, FIRST_40_ITEMS, "expected JSON numbers, got NaN"),
        ("[" * 100 + "]" * 99, "body", "expected a JSON object, got text that is not JSON"),
    ],
)  # fmt: skip
def test_refusals_say_the_same_whether_the_text_parses_or_not(
    raw: str, field: str, words: str
) -> None:
    with pytest.raises(BadHookRequest) as caught:
        read_hook_body(raw.encode())
    assert caught.value.field == field
    assert words in str(caught.value)


def test_a_body_exactly_max_depth_deep_is_read() -> None:
    raw = '{"a":' * (MAX_DEPTH - 1) + "[]" + "}" * (MAX_DEPTH - 1)
    found = read_hook_body(raw.encode())
    assert isinstance(found, dict) and _nesting(found) == MAX_DEPTH


def test_entries_keep_their_resource_type() -> None:
    bundle = {"resourceType": "Bundle", "entry": [
        {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Patient", "id": "p-1"}},
        {"response": {"status": "200"}},  # no resource: not an entry to read
        {"resource": {"resourceType": "Condition"}}]}  # fmt: skip
    entries = bundle_entries(bundle)
    assert [e.type for e in entries] == ["Patient", "Condition"]
    assert [e.label for e in entries] == ["entry[0] (Patient)", "entry[2] (Condition)"]
    assert entries[0].local_ref == "Patient/p-1"


@pytest.mark.parametrize(
    ("code", "expected"),
    [("M80.08XA", True), ("m8008xa", True), ("M80.88", True), ("M80.0", False),
     ("M80.18XA", False), ("", False)],
)  # fmt: skip
def test_icd_prefixes_match_with_dots_and_case_ignored(code: str, expected: bool) -> None:
    assert has_prefix(code, ICD_OSTEOPOROTIC_FRACTURE) is expected
    assert has_prefix(code, ()) is False
