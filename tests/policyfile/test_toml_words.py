"""TOML syntax faults are told in kypho's words, never with the parser's internals."""

from __future__ import annotations

import pytest

from kypho.policyfile import InvalidPolicyFile, load_policy_text

FAULTS = [
    ("[a]\n[a]\n", "line 2, column 3: ", "a table declared a second time"),
    ('x = "a\n', "line 1, column 7: ", "a line break or control character inside text"),
    ("x = 1\nx = 2\n", "line 2, column 6: ", "a key given a second time"),
    ('x = "\\q"\n', "line 1, column 8: ", "a backslash that starts no escape"),
    ("x = [1 2]\n", "line 1, column 8: ", "a list without its closing ]"),
    ("x = 1 y\n", "line 1, column 7: ", "more on the line after the value"),
    ("x = " + "[" * 5000 + "]" * 5000 + "\n", "", "nested too deeply"),
]


@pytest.mark.parametrize(("text", "where", "found"), FAULTS)
def test_a_toml_fault_names_the_place_and_what_was_found(text: str, where: str, found: str) -> None:
    with pytest.raises(InvalidPolicyFile) as caught:
        load_policy_text(text, source="mine.toml")
    message = str(caught.value)
    assert message.startswith(f"mine.toml: {where}expected valid TOML, got")
    assert found in message
    assert "('" not in message and "'\\n'" not in message


def test_a_parser_message_kypho_does_not_know_is_not_shown() -> None:
    from kypho.policyfile.toml_words import plain_toml_error

    assert plain_toml_error("Some future tomllib wording") == "something TOML does not allow here"
