"""The pathway app's sessions in the service's database, on SQLite and PostgreSQL: random ids
stored hashed, the token and patient encrypted, one-use launches (also under a race), rows gone
on expiry and logout, and the key read from the setting or generated once into a 0600 file."""

from __future__ import annotations

import stat
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import select
from store_helpers import (  # noqa: F401  (pytest fixtures)
    db_url_fixture,
    migrated_postgres_fixture,
    migrated_sqlite_fixture,
)

from cds_service.settings import Settings, SettingsError
from cds_service.smart.sessions import KEY_FILE, AppSession, PendingLaunch, SessionStore, session_fernet
from cds_service.store import Store
from cds_service.store.models import AppSessionRow

TOKEN = "secret-token-0123456789"
PATIENT = "patient-7f3e"
VERIFIER = "verifier-abcdefghijklmnopqrstuvwxyz"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(name="store")
def store_fixture(db_url: str) -> Iterator[Store]:
    s = Store.from_url(db_url, migrate=False)
    yield s
    s.close()


def fernet() -> MultiFernet:
    return MultiFernet([Fernet(Fernet.generate_key())])


def session() -> AppSession:
    return AppSession(
        iss="https://ehr.example.org/fhir", patient_id=PATIENT, access_token=TOKEN, expires_in=300
    )


def launch() -> PendingLaunch:
    return PendingLaunch(
        "https://ehr.example.org/fhir", "client", "state-1", VERIFIER, "https://t", "https://r"
    )


def rows(store: Store) -> list[AppSessionRow]:
    with store._sessions() as s:
        return list(s.scalars(select(AppSessionRow)))


def test_a_session_is_stored_hashed_and_encrypted_and_read_by_another_store(
    store: Store, db_url: str
) -> None:
    """The row's key is not the cookie value and its content shows neither token nor patient; a
    second store on the same database (another worker) with the same key reads it back."""
    key = fernet()
    sid = SessionStore(store.engine, key).put(session(), ttl=300)
    [row] = rows(store)
    assert row.kind == "session" and sid not in row.key and len(row.key) == 64
    assert TOKEN not in row.payload and PATIENT not in row.payload
    other = Store.from_url(db_url, migrate=False)
    try:
        assert SessionStore(other.engine, key).session(sid) == session()
        assert SessionStore(other.engine, fernet()).session(sid) is None, "another key reads nothing"
    finally:
        other.close()


def test_expired_rows_are_deleted_at_any_read_or_write(store: Store) -> None:
    """A session read after its time gives nothing, and every expired row goes then; a write
    (another launch) also deletes what has expired; live rows stay."""
    clock = Clock()
    sessions = SessionStore(store.engine, fernet(), clock)
    short, other_short = sessions.put(session(), ttl=60), sessions.put(session(), ttl=60)
    long = sessions.put(session(), ttl=600)
    clock.now += timedelta(seconds=61)
    assert sessions.session(short) is None
    assert len(rows(store)) == 1, "both expired rows were deleted when one was read"
    assert sessions.session(other_short) is None and sessions.session(long) == session()
    clock.now += timedelta(seconds=600)
    sessions.put(launch(), ttl=600)
    assert [r.kind for r in rows(store)] == ["launch"], "the expired session went at the next write"


def test_a_launch_is_taken_once_and_is_not_a_session(store: Store) -> None:
    sessions = SessionStore(store.engine, fernet())
    sid = sessions.put(launch(), ttl=600)
    assert VERIFIER not in rows(store)[0].payload
    assert sessions.session(sid) is None, "a launch id does not open a session"
    assert sessions.take_launch(sid) == launch()
    assert sessions.take_launch(sid) is None
    assert rows(store) == []
    assert sessions.take_launch("") is None and sessions.take_launch(None) is None


def test_an_expired_launch_is_refused_and_gone(store: Store) -> None:
    clock = Clock()
    sessions = SessionStore(store.engine, fernet(), clock)
    sid = sessions.put(launch(), ttl=600)
    clock.now += timedelta(seconds=601)
    assert sessions.take_launch(sid) is None
    assert rows(store) == []


def test_two_callbacks_racing_for_one_launch_get_it_once(store: Store, db_url: str) -> None:
    """Eight threads on two stores take the same launch at once: exactly one gets it."""
    key = fernet()
    other = Store.from_url(db_url, migrate=False)
    try:
        stores = [SessionStore(store.engine, key), SessionStore(other.engine, key)]
        sid = stores[0].put(launch(), ttl=600)
        got: list[PendingLaunch | None] = []
        barrier = threading.Barrier(8)

        def take(i: int) -> None:
            barrier.wait()
            got.append(stores[i % 2].take_launch(sid))

        threads = [threading.Thread(target=take, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [g for g in got if g is not None] == [launch()]
    finally:
        other.close()


def test_logout_deletes_the_session(store: Store) -> None:
    sessions = SessionStore(store.engine, fernet())
    sid = sessions.put(session(), ttl=300)
    assert sessions.end(sid) is True
    assert sessions.session(sid) is None and rows(store) == []
    assert sessions.end(sid) is False and sessions.end(None) is False


def test_secrets_stay_out_of_the_repr() -> None:
    """A session or launch printed in a log line or traceback shows no token, patient or verifier."""
    assert TOKEN not in repr(session()) and PATIENT not in repr(session())
    assert VERIFIER not in repr(launch())


def test_without_a_key_setting_one_key_file_is_made_beside_the_sqlite_database(tmp_path: Path) -> None:
    """Generated once with mode 0600; a second worker reads the same key; the setting wins."""
    db = Store.from_url(f"sqlite:///{tmp_path / 'db' / 'cds.sqlite3'}")
    try:
        first = session_fernet(Settings(), db.engine)
        path = tmp_path / "db" / KEY_FILE
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        token = first.encrypt(b"x")
        assert session_fernet(Settings(), db.engine).decrypt(token) == b"x"
        assert list(path.parent.glob(f".{KEY_FILE}*")) == [], "no temporary file left behind"
        configured = Fernet.generate_key().decode()
        from_setting = session_fernet(Settings(app_session_key=configured), db.engine)
        assert Fernet(configured.encode()).decrypt(from_setting.encrypt(b"y")) == b"y"
    finally:
        db.close()


def test_a_malformed_key_setting_is_refused() -> None:
    with pytest.raises(SettingsError, match="CDS_APP_SESSION_KEY"):
        session_fernet(replace(Settings(), app_session_key="not-a-key"), Store.from_url("sqlite://").engine)


def test_the_key_setting_is_read_from_the_environment_and_kept_out_of_the_repr() -> None:
    key = Fernet.generate_key().decode()
    settings = Settings.from_env({"CDS_APP_SESSION_KEY": key})
    assert settings.app_session_key == key and key not in repr(settings)
