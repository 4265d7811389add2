"""One message for every problem an input has: the first few quoted, the rest counted."""

from __future__ import annotations

from kypho.errors import InvalidInput

SHOWN_PROBLEMS = 3  # problems quoted in one message; the rest are counted


def refuse(where: object, problems: list[str], error: type[InvalidInput] = InvalidInput) -> None:
    """Raise one message for ``problems``: the first few quoted, the rest counted."""
    if not problems:
        return
    shown = "; ".join(problems[:SHOWN_PROBLEMS])
    more = len(problems) - SHOWN_PROBLEMS
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
    raise error(f"{where}: {shown}{tail}")
