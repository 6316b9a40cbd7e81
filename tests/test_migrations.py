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


def test_workers_starting_together_migrate_once(empty_db_url: str) -> None:
    """It lets several processes start on an empty database at once: one migrates, none fails."""
    import threading

    engines = [make_engine(empty_db_url) for _ in range(3)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(engines))

    def start(engine: object) -> None:
        barrier.wait()
        try:
            upgrade_to_head(engine)  # type: ignore[arg-type]
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert current_revision(engines[0]) == head_revision()
    finally:
        for e in engines:
            e.dispose()


def test_downgrade_to_base_and_back(empty_db_url: str) -> None:
    """It can undo every revision and apply them again (each migration has a working downgrade)."""
    from alembic import command

    from cds_service.migrations import alembic_config

    engine = make_engine(empty_db_url)
    try:
        upgrade_to_head(engine)
        with engine.begin() as conn:
            command.downgrade(alembic_config(connection=conn), "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade_to_head(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
