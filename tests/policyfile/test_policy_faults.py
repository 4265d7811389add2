"""Every fault in a policy file: one line naming the file, the path, expected and found."""

from __future__ import annotations

import pytest
from conftest import GOOD, TRIAGE, Writer

from kypho.errors import InvalidInput
from kypho.policyfile import InvalidPolicyFile, load_policy_file, load_policy_text


def edit(base: str, old: str, new: str) -> str:
    assert old in base, f"test text lacks {old!r}"
    return base.replace(old, new, 1)


PAIN = 'test = { fact = "pain_score", op = ">=", value = 7 }'
HEAD_ONLY = GOOD.split("[decision_text]")[0]
EXTRA = '\n[[criterion]]\nid = "extra"\ntext = "Extra"\ncites = ["x"]\n'

# (name, text, path inside the file, expected (fragment), found (fragment))
FAULTS = [
    (
        "bad role",
        edit(GOOD, 'role = "exclude"', 'role = "forbid"'),
        'criterion[1].role (criterion "pregnancy")',
        "expected one of 'require', 'exclude', 'review', 'warn', 'score' or 'info'",
        'got "forbid"',
    ),
    (
        "bad op",
        edit(GOOD, 'op = ">="', 'op = "=>"'),
        'criterion[0].test.op (criterion "severe-pain")',
        "expected one of '<', '<=', '>', '>=', '==', '!=' or 'in'",
        'got "=>"',
    ),
    (
        "unknown key in a criterion",
        edit(GOOD, 'cites = ["handbook 1"]', 'cites = ["handbook 1"]\ncite = "x"'),
        'criterion[0].cite (criterion "severe-pain")',
        "expected one of the keys id, text, role, cites, test, threshold, document, redo "
        '(did you mean "cites"?)',
        'got unknown key "cite"',
    ),
    (
        "unknown top-level key",
        edit(GOOD, 'kind = "candidacy"', 'kind = "candidacy"\nauthor = "me"'),
        "author",
        "expected one of the keys id, title, version",
        'got unknown key "author"',
    ),
    (
        "unknown key in a test",
        edit(GOOD, "value = 7 }", 'value = 7, unit = "/10" }'),
        'criterion[0].test.unit (criterion "severe-pain")',
        "expected one of the keys fact, op, value",
        'got unknown key "unit"',
    ),
    (
        "at_least 5 of 1",
        GOOD + EXTRA + 'test = { at_least = 5, of = ["severe-pain"] }\n',
        'criterion[2].test.at_least (criterion "extra")',
        "expected a whole number from 1 to 1 (the number of criteria in of)",
        "got 5",
    ),
    (
        "zero criteria",
        GOOD.split("[[criterion]]")[0],
        "criterion",
        "expected at least one [[criterion]] table",
        "got none",
    ),
    (
        "an empty criterion list",
        GOOD.split("[decision_text]")[0] + "criterion = []\n",
        "criterion",
        "expected at least 1 entry",
        "got none",
    ),
    (
        "undefined reference",
        GOOD + EXTRA + 'test = { any_of = ["severe-pain", "sever-pain"] }\n',
        'criterion[2].test.any_of[1] (criterion "extra")',
        "expected the id of a criterion defined in this file",
        'got "sever-pain"',
    ),
    (
        "missing version",
        edit(GOOD, 'version = "1"\n', ""),
        "version",
        "expected this required key",
        "got nothing (the key is missing)",
    ),
    (
        "version written as a TOML date",
        edit(GOOD, 'version = "1"', "version = 2026-01-10"),
        "version",
        "expected text in quotes",
        "got the TOML date/time 2026-01-10 (write it in quotes)",
    ),
    (
        "missing source",
        edit(GOOD, 'source = "Clinic A handbook, 2026"\n', ""),
        "source",
        "expected this required key",
        "got nothing (the key is missing)",
    ),
    (
        "missing kind",
        edit(GOOD, 'kind = "candidacy"\n', ""),
        "kind",
        "expected this required key",
        "got nothing",
    ),
    (
        "unknown kind",
        edit(GOOD, '"candidacy"', '"treatment"'),
        "kind",
        "expected one of 'candidacy', 'coverage' or 'triage'",
        'got "treatment"',
    ),
    (
        "no citation",
        edit(GOOD, '["handbook 1"]', "[]"),
        'criterion[0].cites (criterion "severe-pain")',
        "expected at least 1 entry",
        "got none",
    ),
    (
        "blank text",
        edit(GOOD, '"Severe pain: NRS >= 7"', '"  "'),
        'criterion[0].text (criterion "severe-pain")',
        "expected non-blank text",
        'got "  "',
    ),
    (
        "an id with spaces",
        edit(GOOD, 'id = "severe-pain"', 'id = "Severe pain"'),
        'criterion[0].id (criterion "Severe pain")',
        "expected an id of lower-case letters, digits and dashes",
        'got "Severe pain"',
    ),
    (
        "duplicate id",
        edit(GOOD, 'id = "pregnancy"', 'id = "severe-pain"'),
        'criterion[1].id (criterion "severe-pain")',
        "expected an id no other criterion has (criterion[0] has it)",
        'got "severe-pain"',
    ),
    (
        "unknown fact",
        edit(GOOD, '"pain_score"', '"pain_scor"'),
        'criterion[0].test.fact (criterion "severe-pain")',
        'expected a fact from the catalogue `kypho policies --facts` (did you mean "pain_score"?)',
        'got "pain_scor"',
    ),
    (
        "two tests in one",
        edit(GOOD, "value = 7 }", 'value = 7, any_of = ["pregnancy"] }'),
        'criterion[0].test (criterion "severe-pain")',
        "expected exactly one of: {fact, op, value}, {all_of}, {any_of} or {at_least, of}",
        "got the keys fact, op, value, any_of",
    ),
    (
        "a test that is not a table",
        edit(GOOD, PAIN, 'test = "pain_score >= 7"'),
        'criterion[0].test (criterion "severe-pain")',
        "expected exactly one of",
        'got "pain_score >= 7"',
    ),
    (
        "a fact test without value",
        edit(GOOD, ", value = 7 }", " }"),
        'criterion[0].test.value (criterion "severe-pain")',
        "expected this required key",
        "got nothing",
    ),
    (
        "an ordering on a yes/no fact",
        edit(GOOD, 'op = "==", value = true', 'op = ">=", value = true'),
        'criterion[1].test.op (criterion "pregnancy")',
        'expected "==" or "!=" (fact pregnant is true or false)',
        'got ">="',
    ),
    (
        "a number for a yes/no fact",
        edit(GOOD, 'op = "==", value = true', 'op = "==", value = 1'),
        'criterion[1].test.value (criterion "pregnancy")',
        "expected true or false (fact pregnant)",
        "got 1",
    ),
    (
        "a list without in",
        edit(GOOD, "value = 7", "value = [7, 8]"),
        'criterion[0].test.value (criterion "severe-pain")',
        'expected a single value (only op "in" takes a list; op is ">=")',
        "got [7, 8]",
    ),
    (
        "in without a list",
        edit(GOOD, 'op = ">="', 'op = "in"'),
        'criterion[0].test.value (criterion "severe-pain")',
        'expected a non-empty list [...] (op "in")',
        "got 7",
    ),
    (
        "a pain score out of range",
        edit(GOOD, "value = 7", "value = 70"),
        'criterion[0].test.value (criterion "severe-pain")',
        "expected a number from 0 to 10 (unit /10)",
        "got 70",
    ),
    (
        "text for a number",
        edit(GOOD, "value = 7", 'value = "7"'),
        'criterion[0].test.value (criterion "severe-pain")',
        "expected a number (fact pain_score)",
        'got "7"',
    ),
    (
        "a fraction of a day",
        edit(
            PAIN.join(GOOD.split(PAIN)),
            PAIN,
            'test = { fact = "fracture_age_days", op = "<=", value = 84.5 }',
        ),
        'criterion[0].test.value (criterion "severe-pain")',
        "expected a whole number of days (fact fracture_age_days)",
        "got 84.5",
    ),
    (
        "a misspelt cause",
        edit(
            GOOD,
            PAIN,
            'test = { fact = "etiology", op = "in", value = ["osteoporotic", "cancer"] }',
        ),
        'criterion[0].test.value[1] (criterion "severe-pain")',
        "expected one of osteoporotic, steroid_induced, metastasis, myeloma",
        'got "cancer"',
    ),
    (
        "a number for a text fact",
        edit(GOOD, PAIN, 'test = { fact = "etiology", op = "==", value = 3 }'),
        'criterion[0].test.value (criterion "severe-pain")',
        "expected text (fact etiology is text)",
        "got 3",
    ),
    (
        "a criterion that is not a table",
        HEAD_ONLY + "criterion = [3]\n",
        "criterion[0]",
        "expected a table {...}",
        "got 3",
    ),
    (
        "an ordering on text",
        edit(GOOD, PAIN, 'test = { fact = "level", op = "<", value = "T5" }'),
        'criterion[0].test.op (criterion "severe-pain")',
        'expected "==", "!=" or "in" (fact level is text)',
        'got "<"',
    ),
    (
        "a cycle",
        GOOD
        + EXTRA
        + 'test = { all_of = ["severe-pain", "loop"] }\n'
        + EXTRA.replace('"extra"', '"loop"')
        + 'test = { any_of = ["extra"] }\n',
        'criterion[2].test (criterion "extra")',
        "expected criteria that never refer back to themselves",
        "got the cycle extra -> loop -> extra",
    ),
    (
        "a criterion listed twice",
        GOOD + EXTRA + 'test = { all_of = ["severe-pain", "severe-pain"] }\n',
        'criterion[2].test.all_of[1] (criterion "extra")',
        "expected each criterion listed once",
        'got "severe-pain" a second time',
    ),
    (
        "an exclusion hidden inside another criterion",
        GOOD + EXTRA + 'test = { all_of = ["severe-pain", "pregnancy"] }\n',
        'criterion[1].role (criterion "pregnancy")',
        'expected a top-level criterion (role "exclude" acts only when none refers to it)',
        'got "pregnancy" used by criterion "extra"',
    ),
    (
        "no criterion that decides",
        edit(GOOD, 'cites = ["handbook 1"]', 'role = "review"\ncites = ["handbook 1"]'),
        "criterion",
        'expected at least one top-level criterion with role "require" (what a case must meet',
        'got top-level criteria "severe-pain" (review), "pregnancy" (exclude)',
    ),
    (
        "an unknown decision",
        edit(GOOD, "candidate = ", "eligible = "),
        "decision_text.eligible",
        "expected one of the keys candidate, not_candidate, needs_information, needs_review",
        'got unknown key "eligible"',
    ),
    (
        "overlapping bands",
        edit(TRIAGE, 'label = "high", min = 2', 'label = "high", min = 1'),
        "score.band[1]",
        'expected a band clear of band "low" (0 to 1)',
        "got 1 to 2",
    ),
    (
        "a band that runs backwards",
        edit(TRIAGE, "min = 2, max = 2", "min = 2, max = 1"),
        "score.band[1].max",
        "expected a number >= min (2)",
        "got 1",
    ),
    (
        "a band past the number of items",
        edit(TRIAGE, "min = 2, max = 2", "min = 2, max = 3"),
        "score.band[1].max",
        "expected at most 2 (the number of criteria in score.of)",
        "got 3",
    ),
    (
        "a score item not defined",
        edit(
            TRIAGE,
            'of = ["sign-rest", "sign-midline"]\nband',
            'of = ["sign-rest", "sign-mid"]\nband',
        ),
        "score.of[1]",
        "expected the id of a criterion defined in this file",
        'got "sign-mid"',
    ),
    (
        "a score item that is not a score",
        edit(
            TRIAGE,
            'of = ["sign-rest", "sign-midline"]\nband',
            'of = ["sign-rest", "indicated"]\nband',
        ),
        "score.of[1]",
        'expected a criterion with role "score"',
        'got role "require"',
    ),
    (
        "a score criterion outside the score",
        edit(TRIAGE, 'of = ["sign-rest", "sign-midline"]\nband', 'of = ["sign-rest"]\nband')
        .replace("max = 1 }, { label", "max = 0 }, { label")
        .replace("min = 2, max = 2", "min = 1, max = 1"),
        'criterion[2].role (criterion "sign-midline")',
        'expected a criterion listed in score.of (role "score" counts toward the score)',
        'got "sign-midline" not in score.of',
    ),
    (
        "invalid TOML",
        edit(GOOD, 'version = "1"', 'version = "1'),
        "line 3, column 13",
        "expected valid TOML",
        "got: ",
    ),
]


@pytest.mark.parametrize(
    ("text", "where", "expected", "found"),
    [row[1:] for row in FAULTS],
    ids=[row[0] for row in FAULTS],
)
def test_a_fault_names_file_path_expected_and_found(
    write: Writer, text: str, where: str, expected: str, found: str
) -> None:
    path = write(text)
    with pytest.raises(InvalidPolicyFile) as caught:
        load_policy_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {where}: "), message
    assert expected in message, message
    assert found in message, message
    assert "\n" not in message
    assert isinstance(caught.value, InvalidInput)


def test_the_good_texts_load(write: Writer) -> None:
    """The texts the faults are made from are themselves good (else the faults prove nothing)."""
    assert load_policy_file(write(GOOD)).id == "clinic-a"
    assert load_policy_file(write(TRIAGE)).bands[1].label == "high"


def test_several_faults_are_counted(write: Writer) -> None:
    text = edit(edit(GOOD, 'role = "exclude"', 'role = "forbid"'), 'op = ">="', 'op = "=>"')
    with pytest.raises(InvalidPolicyFile, match=r"\(1 more problem in this file\)$"):
        load_policy_file(write(text))
    text = edit(text, 'kind = "candidacy"', 'kind = "x"')
    with pytest.raises(InvalidPolicyFile, match=r"\(2 more problems in this file\)$"):
        load_policy_file(write(text))


def test_the_error_carries_file_and_path(write: Writer) -> None:
    path = write(edit(GOOD, 'op = ">="', 'op = "=>"'))
    with pytest.raises(InvalidPolicyFile) as caught:
        load_policy_file(path)
    assert (caught.value.source, caught.value.path) == (str(path), "criterion[0].test.op")


def test_a_text_is_named_by_its_source() -> None:
    with pytest.raises(InvalidPolicyFile, match=r"^upload 7: kind: expected one of"):
        load_policy_text(edit(GOOD, '"candidacy"', '"x"'), source="upload 7")


def test_invalid_toml_at_the_end_says_so() -> None:
    with pytest.raises(InvalidPolicyFile, match=r"^t: at the end: expected valid TOML, got: Inv"):
        load_policy_text('id = "a"\nversion = ', source="t")


MANY = "".join(
    f'[[criterion]]\nid = "c{i}"\ntext = "C"\ncites = ["x"]\n{PAIN}\n' for i in range(501)
)


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            edit(GOOD, "value = 7", "value = -1"),
            'criterion[0].test.value (criterion "severe-pain")',
            "expected a number from 0 to 10 (unit /10), got -1",
        ),
        (
            GOOD + EXTRA + 'test = { at_least = 0, of = ["severe-pain"] }\n',
            'criterion[2].test.at_least (criterion "extra")',
            "expected a number >= 1, got 0",
        ),
        (
            edit(GOOD, 'id = "clinic-a"', f'id = "{"a" * 81}"'),
            "id",
            "expected at most 80 characters, got",
        ),
        (
            edit(GOOD, 'kind = "candidacy"', 'kind = "candidacy"\nbilling = "yes"'),
            "billing",
            'expected true or false, got "yes"',
        ),
        (
            edit(GOOD, "[decision_text]\ncandidate = ", 'decision_text = "x"\nsummary = '),
            "decision_text",
            'expected a table {...}, got "x"',
        ),
        (HEAD_ONLY + MANY, "criterion", "expected at most 500 entries, got 501"),
    ],
    ids=["negative pain", "at_least 0", "long id", "billing as text", "text for a table", "501"],
)
def test_more_shapes(write: Writer, text: str, where: str, message: str) -> None:
    path = write(text)
    with pytest.raises(InvalidPolicyFile) as caught:
        load_policy_file(path)
    assert str(caught.value).startswith(f"{path}: {where}: {message}"), str(caught.value)
