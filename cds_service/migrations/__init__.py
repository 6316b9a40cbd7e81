"""Schema migrations (Alembic), configured in code: no ``alembic.ini`` to ship or keep in step.

``upgrade_to_head(engine)`` brings any database — empty or deployed — to the current schema, and
is what ``Store.from_settings`` runs at start. Several workers or replicas may start together, so
the upgrade is serialised: a transaction-scoped advisory lock on PostgreSQL, a lock file beside the
database on SQLite.

A new revision, after changing ``cds_service/store/models.py``::

    from alembic import command
    from cds_service.migrations import alembic_config
    command.revision(alembic_config("sqlite:///var/dev.sqlite3"), message="...", autogenerate=True)

then review the generated file under ``versions/`` by hand.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

HERE = Path(__file__).resolve().parent
# Arbitrary constant naming this service's migration lock among PostgreSQL advisory locks.
_PG_LOCK_ID = 0x5244_4353  # "RDCS"


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@contextlib.contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".migrate-lock")
    with open(lock_path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def upgrade_to_head(engine: Engine) -> None:
    """Run every pending migration; safe to call from several processes at once."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_ID})
            command.upgrade(alembic_config(connection=conn), "head")
        return
    with _sqlite_file_lock(engine), engine.begin() as conn:
        command.upgrade(alembic_config(connection=conn), "head")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
