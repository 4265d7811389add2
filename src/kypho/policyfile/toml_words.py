"""What ``tomllib`` found where it stopped, in words a policy author can act on.

The parser's own messages can show Python's internals (``Cannot declare ('a',) twice``,
``Illegal character '\\n'``); a message says instead what was found and what TOML
expected there.
"""

from __future__ import annotations

# tomllib's message (its start) -> what was found, and what TOML expected there.
_PLAIN = (
    ("Invalid value",
     "Invalid value (expected a number, text in quotes, true, false, a date, [...], {...})"),
    ("Illegal character", "a line break or control character inside text in quotes"),
    ("Found invalid character", "a line break or control character inside text in quotes"),
    ("Unterminated string", "text without its closing quote"),
    ("Unescaped '\\' in a string", "a backslash that starts no escape (\\\\, \\\", \\n, \\u...)"),
    ("Invalid hex value", "a \\u or \\U escape without its hex digits"),
    ("Escaped character is not a Unicode scalar value", "a \\u or \\U escape that is no character"),
    ("Cannot overwrite a value", "a key given a second time (expected each key once)"),
    ("Cannot declare", "a table declared a second time (expected each table once)"),
    ("Cannot redefine namespace", "a table declared a second time (expected each table once)"),
    ("Cannot mutate immutable namespace", "a table extended after it was defined inline"),
    ("Duplicate inline table key", "a key given twice inside {...} (expected each key once)"),
    ("Invalid statement", "a line that is not key = value, a [table] or an [[array of tables]]"),
    ("Invalid initial character for a key", "a character that cannot start a key"),
    ("Expected '=' after a key", "a key without = after it"),
    ("Expected newline or end of document", "more on the line after the value"),
    ("Expected ']]'", "a [[array of tables]] name without its closing ]]"),
    ("Expected ']'", "a [table] name without its closing ]"),
    ("Unclosed array", "a list without its closing ] (expected a comma or ])"),
    ("Unclosed inline table", "an inline table without its closing } (expected a comma or })"),
    ("Invalid date or datetime", "a date that is not one (expected YYYY-MM-DD, or with THH:MM:SS)"),
)  # fmt: skip


def plain_toml_error(reason: str) -> str:
    """What was found, in kypho's words, for a ``tomllib`` message without its location.

    >>> plain_toml_error("Cannot declare ('a',) twice")
    'a table declared a second time (expected each table once)'
    >>> plain_toml_error("something new")
    'something TOML does not allow here'
    """
    found = (text for start, text in _PLAIN if reason.startswith(start))
    return next(found, "something TOML does not allow here")
