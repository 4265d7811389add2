"""The Alembic migrations build exactly the models' schema, on SQLite and on PostgreSQL.

``compare_metadata`` is Alembic's own autogenerate diff: an empty diff after ``upgrade
head`` means models and migrations agree; a model that gains a column without a
migration makes it non-empty (shown below with a column added to a copy of the models).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Engine, MetaData, String, inspect, text
from sqlalchemy.exc import DBAPIError

import kypho.store.models  # noqa: F401  (registers every table)
from kypho.store import schema
from kypho.store.base import NAMING, Base
from kypho.store.engine import make_engine

TABLES = {
    "api_tokens", "appointments", "assessments", "audit_events", "case_stages", "case_versions",
    "cases", "cds_jtis",
    "issued_documents", "measurements", "patient_versions", "patients", "plans", "rooms",
    "screening_findings",
    "sign_in_attempts",
    "users", "web_sessions",
}  # fmt: skip


@pytest.fixture
def engine(any_engine_url: str) -> Iterator[Engine]:
    made = make_engine(any_engine_url)
    yield made
    made.dispose()


def _diff(engine: Engine, metadata: MetaData) -> list[Any]:  # Alembic's diff tuples
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def _triggers(engine: Engine) -> set[str]:
    if engine.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = (
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal UNION "
            "SELECT proname FROM pg_proc WHERE proname = 'audit_events_append_only'"
        )
    with engine.connect() as connection:
        return set(connection.scalars(text(query)))


def test_upgrade_head_builds_exactly_the_models(engine: Engine) -> None:
    assert schema.current(engine) is None
    schema.upgrade(engine)
    assert schema.current(engine) == schema.head() == "0001"
    assert set(schema.user_tables(engine)) == TABLES == set(Base.metadata.tables)
    assert _diff(engine, Base.metadata) == []


def test_the_comparison_notices_a_column_without_a_migration(engine: Engine) -> None:
    schema.upgrade(engine)
    grown = MetaData(naming_convention=NAMING)
    for table in Base.metadata.tables.values():
        table.to_metadata(grown)
    grown.tables["patients"].append_column(Column("nickname", String(50), nullable=True))
    diff = _diff(engine, grown)
    assert len(diff) == 1
    operation, _schema, table_name, column = diff[0]
    assert (operation, table_name, column.name) == ("add_column", "patients", "nickname")


def test_downgrade_to_base_removes_everything_and_upgrade_works_again(engine: Engine) -> None:
    schema.upgrade(engine)
    assert _triggers(engine)  # the audit triggers are there (checked in detail elsewhere)
    schema.downgrade(engine)
    assert schema.user_tables(engine) == []
    assert schema.current(engine) is None
    assert _triggers(engine) == set()  # triggers and the PostgreSQL function are gone
    schema.upgrade(engine)
    assert set(schema.user_tables(engine)) == TABLES
    assert _diff(engine, Base.metadata) == []


def test_upgrade_twice_changes_nothing(engine: Engine) -> None:
    schema.upgrade(engine)
    schema.upgrade(engine)
    assert schema.current(engine) == "0001"
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1


def test_a_failed_upgrade_leaves_the_database_as_it_was(engine: Engine) -> None:
    with engine.begin() as connection:  # a table in the way: CREATE TABLE plans fails
        connection.execute(text("CREATE TABLE plans (id INTEGER PRIMARY KEY)"))
    with pytest.raises(DBAPIError, match="plans"):
        schema.upgrade(engine)
    assert schema.user_tables(engine) == ["plans"]  # the 8 tables created before it: gone
    assert schema.current(engine) is None
    assert inspect(engine).get_table_names() == ["plans"]  # no alembic_version either
