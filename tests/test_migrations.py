"""Schema migrations: an empty database upgrades to exactly the models' schema, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from store_helpers import (  # noqa: F401  (pytest fixtures)
    db_url_fixture,
    empty_db_url_fixture,
    migrated_postgres_fixture,
    migrated_sqlite_fixture,
)

from cds_service.migrations import current_revision, head_revision, upgrade_to_head
from cds_service.store import Store
from cds_service.store.core import make_engine
from cds_service.store.models import Base


def test_empty_database_upgrades_to_the_models_schema(empty_db_url: str) -> None:
    """It creates every table, column, index and constraint the models declare, and nothing else."""
    engine = make_engine(empty_db_url)
    try:
        assert current_revision(engine) is None
        upgrade_to_head(engine)
        assert current_revision(engine) == head_revision() is not None
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_upgrade_is_idempotent_and_keeps_data(db_url: str) -> None:
    """It leaves a database already at head (and what it holds) untouched when a worker restarts."""
    from datetime import UTC, datetime, timedelta

    first = Store.from_url(db_url)
    first.remember_jti("iss", "j", datetime.now(UTC) + timedelta(minutes=5))
    first.close()
    second = Store.from_url(db_url)
    try:
        assert second.remember_jti("iss", "j", datetime.now(UTC) + timedelta(minutes=5)) is False
        assert current_revision(second.engine) == head_revision()
    finally:
        second.close()
