"""Store fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``TEST_POSTGRES_URL`` (default: the local server's ``test`` database); an
unreachable server fails the test rather than skipping it. Test data never meets other data:

* ``db_url`` — a migrated, empty database per test: a copy of a migrated SQLite file, or a
  throw-away PostgreSQL schema (created and migrated once per module, emptied before each test,
  dropped at the end).
* ``empty_db_url`` — a database with no tables at all (for migration tests).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cds_service.store import Store
from cds_service.store.models import Base

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def postgres_url() -> str:
    url = make_url(os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG))
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


class PostgresSchema:
    """A throw-away schema; ``url`` points the search path at it."""

    def __init__(self) -> None:
        self.base = postgres_url()
        self.name = f"t_{uuid.uuid4().hex[:12]}"
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        sep = "&" if "?" in self.base else "?"
        self.url = f"{self.base}{sep}options={quote(f'-csearch_path={self.name}')}"

    def empty_tables(self) -> None:
        with self.admin.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                # names come from our own models and a generated schema name, not from input
                conn.execute(text(f'DELETE FROM "{self.name}"."{table.name}"'))  # noqa: S608

    def drop(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self.admin.dispose()


@pytest.fixture(scope="module", name="_migrated_postgres")
def migrated_postgres_fixture() -> Iterator[PostgresSchema]:
    schema = PostgresSchema()
    try:
        Store.from_url(schema.url).close()
        yield schema
    finally:
        schema.drop()


@pytest.fixture(scope="module", name="_migrated_sqlite")
def migrated_sqlite_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    Store.from_url(f"sqlite:///{path}").close()
    return path


@pytest.fixture(params=BACKENDS, name="db_url")
def db_url_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        target = tmp_path / "db" / "store.sqlite3"
        target.parent.mkdir()
        shutil.copyfile(request.getfixturevalue("_migrated_sqlite"), target)
        return f"sqlite:///{target}"
    schema: PostgresSchema = request.getfixturevalue("_migrated_postgres")
    schema.empty_tables()
    return schema.url


@pytest.fixture(params=BACKENDS, name="empty_db_url")
def empty_db_url_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty' / 'store.sqlite3'}"
        return
    schema = PostgresSchema()
    try:
        yield schema.url
    finally:
        schema.drop()


@pytest.fixture(name="store")
def store_fixture(db_url: str) -> Iterator[Store]:
    s = Store.from_url(db_url, migrate=False)  # db_url is migrated already
    try:
        yield s
    finally:
        s.close()
