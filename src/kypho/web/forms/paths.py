"""JSON paths of the case file as text (``fractures[0].level``) and as parts."""

from __future__ import annotations

import re

_PATH = re.compile(r"(?:[A-Za-z_]\w*|\[\d+\])(?:\.[A-Za-z_]\w*|\[\d+\])*")
_PART = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")


def path_parts(path: str) -> tuple[str | int, ...] | None:
    """``fractures[0].level`` -> ``("fractures", 0, "level")``; None if not a JSON path.

    >>> path_parts("imaging[1].findings[0].level")
    ('imaging', 1, 'findings', 0, 'level')
    >>> path_parts("person name") is None
    True
    """
    if not _PATH.fullmatch(path):
        return None
    return tuple(m[1] if m[1] else int(m[2]) for m in _PART.finditer(path))
