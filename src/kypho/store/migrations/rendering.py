"""How autogenerate writes kypho's own column types into a migration.

A migration must not import the models (they change; the migration must not), so
``UtcDateTime`` is written as the type it stores: ``sa.DateTime(timezone=True)``.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic.autogenerate.api import AutogenContext

from kypho.store.base import UtcDateTime


def render_item(type_: str, obj: Any, _context: AutogenContext) -> str | Literal[False]:
    """Alembic's ``render_item`` hook; ``False`` means: render as usual."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False
