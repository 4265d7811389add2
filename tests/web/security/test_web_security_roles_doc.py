"""docs/web-roles.md is the role matrix as generated from MATRIX, word for word."""

from __future__ import annotations

from pathlib import Path

from kypho.web.security.roles import MATRIX, Permission, Role, roles_markdown

DOC = Path(__file__).parents[3] / "docs" / "web-roles.md"


def test_roles_doc_equals_the_generated_table() -> None:
    assert DOC.read_text(encoding="utf-8") == roles_markdown()


def test_roles_table_has_one_row_per_permission_and_says_who() -> None:
    lines = [line for line in roles_markdown().splitlines() if line.startswith("| ")]
    assert len(lines) == 1 + len(Permission)  # the header and one row each
    manage = next(line for line in lines if line.startswith("| manage users |"))
    # administrator is the first column, read_only the last
    assert manage == "| manage users | yes | no | no | no | no |"
    assert MATRIX[Permission.MANAGE_USERS] == {Role.ADMINISTRATOR}
    decide = next(line for line in lines if line.startswith(f"| {Permission.DECIDE.value} |"))
    assert decide.endswith("| no | yes | no | no | no |")
