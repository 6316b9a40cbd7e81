"""The store: audit, cards issued, feedback, snoozes and seen JWT ids, on SQLite or PostgreSQL."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import functools
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    bindparam,
    case,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from cds_service.records import InvocationRecord
from cds_service.records import IssuedCard as IssuedCardRecord
from cds_service.settings import Settings
from cds_service.store.models import Feedback, Invocation, IssuedCard, IssuedSuggestion, SeenJti
from hooks.override_reasons import BY_CODE, OVERRIDE_SYSTEM, reasons_for, snooze_days

log = logging.getLogger(__name__)

READ_ONLY = "cds_read_only"  # connection execution option: a transaction that will not write


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    """One validated feedback entry (CDS Hooks 2.0 §Feedback), times in UTC."""

    card: str
    outcome: str  # "accepted" | "overridden"
    outcome_at: datetime
    accepted_suggestions: tuple[str, ...] = ()
    reason_system: str | None = None
    reason_code: str | None = None
    reason_display: str | None = None
    user_comment: str | None = None

    def dedupe_key(self, service_id: str) -> str:
        """Same content → same key, so a re-sent item is stored once. ``display`` is left out: the
        Sandbox omits it, and it does not change what the clinician decided."""
        body = [
            service_id,
            self.card,
            self.outcome,
            sorted(self.accepted_suggestions),
            self.reason_system,
            self.reason_code,
            self.user_comment,
            self.outcome_at.astimezone(UTC).isoformat(),
        ]
        return hashlib.sha256(json.dumps(body, separators=(",", ":")).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class FeedbackResult:
    stored: int  # new rows committed
    duplicates: int  # items already on record (or repeated within the batch)
    unknown_cards: int  # new rows naming a card this service never issued (stored, flagged)


@dataclass(frozen=True, slots=True)
class ReasonCount:
    """Overridden cards whose latest override gave this reason. ``display`` is the product's own
    wording for its codes, else the EHR's display (with its code and system) when it sent one.
    ``snooze_applied`` is None for a reason that is not a snooze; False when the service refused
    the snooze (the card offered none: critical and info cards), and ``note`` then says why."""

    system: str | None
    code: str | None
    display: str
    count: int
    snooze_applied: bool | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RuleReport:
    """Cards of one rule issued in the period, each counted once by its latest feedback (latest
    ``outcome_at``; on a tie, the one received last): accepted, overridden, or none at all."""

    service_id: str
    rule_id: str
    issued: int
    accepted: int  # cards whose latest feedback is "accepted"
    overridden: int  # cards whose latest feedback is "overridden"
    reasons: tuple[ReasonCount, ...]  # of the overridden cards' latest overrides; sums to overridden

    @property
    def no_feedback(self) -> int:
        """Cards issued with no feedback on them (an EHR need not send any)."""
        return self.issued - self.accepted - self.overridden

    @property
    def with_feedback(self) -> int:
        return self.accepted + self.overridden

    @property
    def override_rate(self) -> float | None:
        """Overridden ÷ cards with feedback; None when no card had feedback (unknown, not 0)."""
        return self.overridden / self.with_feedback if self.with_feedback else None


@dataclass(frozen=True, slots=True)
class GovernanceReport:
    start: datetime
    end: datetime
    rules: tuple[RuleReport, ...]
    unmatched_feedback: int  # feedback received in the period for cards never issued


@dataclass(frozen=True, slots=True)
class PurgeResult:
    invocations: int
    cards: int
    suggestions: int
    feedback: int
    jtis: int


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("pass an aware datetime (UTC) to the store")
    return at.astimezone(UTC)


def _jti_key(iss: str, jti: str) -> str:
    return hashlib.sha256(f"{iss}\x00{jti}".encode()).hexdigest()


def _normalise_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for an in-memory database."""
    database = make_url(url).database or ""
    if database in ("", ":memory:") or "mode=memory" in url or database.startswith("file:"):
        return None
    return Path(database).expanduser().resolve()


class WriteLock:
    """Serialises the writers of one SQLite file across threads and processes (``flock`` on
    ``<database>.write-lock``), held from before ``BEGIN IMMEDIATE`` until after ``COMMIT``.

    SQLite itself would serialise them too, but a writer that finds the database locked sleeps in
    SQLite's busy handler (1, 2, 5, 10 … up to 100 ms between retries) even when the lock frees a
    millisecond later: that was most of the HTTP tail. A blocked ``flock`` wakes as soon as the
    holder lets go. Writers that do not take this lock stay correct (SQLite's locking and busy
    timeout still apply); they only wait longer."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".write-lock")
        self._fd = -1  # opened on first use in each process
        self._local = threading.Lock()  # one writer thread of this process at a time
        os.register_at_fork(after_in_child=functools.partial(_reset_after_fork, weakref.ref(self)))

    def _forked(self) -> None:
        """In a forked child, before any of its threads runs: the parent's descriptor (flock locks
        belong to the open file description, which the parent shares) and the parent's thread lock
        are not the child's. Resetting here rather than lazily on first use keeps two threads of a
        new worker from each opening a descriptor and locking against each other forever."""
        if self._fd >= 0:
            os.close(self._fd)
        self._fd = -1
        self._local = threading.Lock()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        with self._local:
            if self._fd < 0:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fd = self._fd
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)


def _reset_after_fork(ref: weakref.ref[WriteLock]) -> None:
    lock = ref()
    if lock is not None:
        lock._forked()


def _sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in url
    if not in_memory and not database.startswith("file:"):
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {"connect_args": {"timeout": 30, "check_same_thread": False}}
    if in_memory:
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions, so each one can start IMMEDIATE:
        # a write after a read in WAL mode otherwise fails with "database is locked" under load.
        dbapi_conn.isolation_level = None
        # What each setting risks is written in docs/benchmarks.md ("SQLite settings").
        cur = dbapi_conn.cursor()
        if not in_memory:
            cur.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
        cur.execute("PRAGMA synchronous=FULL")  # every commit is on disk before it returns
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA temp_store=MEMORY")  # sorts and temporary indexes: no temporary files
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Reads (``Store._read``) take no write lock, so they never wait for another worker's write.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

    return engine


def make_engine(url: str) -> Engine:
    url = _normalise_url(url)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    raise ValueError(f"unsupported database backend {backend!r}: use sqlite or postgresql")


def _in_background(job: Callable[[], None]) -> None:
    threading.Thread(target=job, name="retention-purge", daemon=True).start()


# The channel of the notice feedback sends when it starts a snooze (PostgreSQL; migration 0003).
SNOOZE_CHANNEL = "cds_snooze"

# The per-call question, built once: ids of the running snoozes of a service.
_RUNNING_SNOOZES = (
    select(Feedback.id)
    .where(
        Feedback.service_id == bindparam("sid"),
        Feedback.card_known.is_(True),
        Feedback.snooze_until > bindparam("at", type_=Feedback.snooze_until.type),
    )
    .limit(bindparam("limit"))
)


class _RunningSnoozes:
    """The per-call question on a connection of its own per thread, outside the pool, the
    statement compiled once by SQLAlchemy. Autocommit: the one statement is one round trip and, on
    SQLite, one read transaction (WAL), so it never waits for a writer. Through a pooled SQLAlchemy
    connection the same query cost about a hundred times what SQLite spends on it (checkout, BEGIN,
    statement cache, rollback); on PostgreSQL it took three round trips and ~1 ms of the worker's
    CPU per call. A connection that fails is dropped and the question asked once more on a new one
    (a restarted server); a second failure is raised."""

    def __init__(self, engine: Engine, database: Path | None) -> None:
        dialect = engine.dialect
        compiled = _RUNNING_SNOOZES.compile(dialect=dialect)
        self._sql = compiled.string
        self._order = tuple(compiled.positiontup or ()) if compiled.positional else None
        self._defaults = compiled.construct_params({"sid": "", "at": None, "limit": 0})
        self._at = Feedback.snooze_until.type.dialect_impl(dialect).bind_processor(dialect)
        if database is not None:
            path = str(database)
            self._connect: Callable[[], Any] = functools.partial(_sqlite_reader, path)
        else:
            cargs, cparams = dialect.create_connect_args(engine.url)
            self._connect = functools.partial(_autocommit_reader, dialect, cargs, cparams)
        self._local = threading.local()
        self._opened: list[Any] = []
        self._opened_lock = threading.Lock()

    def __call__(self, service_id: str, at: datetime, limit: int) -> set[int]:
        values = {**self._defaults, "sid": service_id, "at": self._at(at) if self._at else at, "limit": limit}
        params: Any = values if self._order is None else [values[name] for name in self._order]
        try:
            return self._ask(params)
        except Exception:
            self._drop()
            return self._ask(params)

    def connection(self) -> Any:
        """This thread's connection, opened on first use."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._opened_lock:
                self._opened.append(conn)
        return conn

    def _ask(self, params: Any) -> set[int]:
        cur = self.connection().cursor()
        try:
            cur.execute(self._sql, params)
            return {row[0] for row in cur.fetchall()}
        finally:
            cur.close()

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with self._opened_lock:
                self._opened.remove(conn)
            with contextlib.suppress(Exception):
                conn.close()

    def close(self) -> None:
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            with contextlib.suppress(Exception):
                conn.close()


class _SnoozeNotices:
    """PostgreSQL only: whether the running snoozes this worker read may have changed since.

    Feedback that starts a snooze sends a notice on ``SNOOZE_CHANNEL`` (a trigger, migration
    0003). One connection per worker listens; ``generation()`` reads what has arrived without a
    round trip (~5 µs, against ~0.12 ms and the server's CPU for the query) and counts up when a
    notice came, when the listener was (re)connected, or when it failed. A worker may rely on
    what it read while the generation stays the same, for at most ``MAX_AGE_SECONDS`` (a bound
    should a notice ever be lost). A snooze stored by another worker reaches this one when the
    server delivers the notice, within milliseconds of its commit; a call in between still
    shows the card once, as a call just before the feedback would."""

    MAX_AGE_SECONDS = 5.0

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._conn: Any = None
        self._pid = 0
        self._generation = 0
        self._lock = threading.Lock()

    def generation(self) -> int:
        with self._lock:
            try:
                if self._conn is None or self._pid != os.getpid():
                    self._conn = None  # never a parent process's connection
                    conn = self._connect()
                    conn.execute(f"LISTEN {SNOOZE_CHANNEL}")
                    self._conn, self._pid = conn, os.getpid()
                    self._generation += 1  # what was read before may have missed notices
                elif sum(1 for _ in self._conn.notifies(timeout=0)):  # every notice that came
                    self._generation += 1
            except Exception:
                self._drop()
                self._generation += 1  # no listener: nothing read can be relied on
            return self._generation

    def changed_here(self) -> None:
        """This worker stored feedback that starts a snooze: its next call reads the list again
        (without waiting for the notice of its own commit)."""
        with self._lock:
            self._generation += 1

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def close(self) -> None:
        with self._lock:
            self._drop()


@dataclass(frozen=True, slots=True)
class _RunningIds:
    """The running snoozes' feedback ids read at ``at`` (monotonic ``read_at``), in ``generation``."""

    ids: frozenset[int]
    at: datetime
    generation: int
    read_at: float


def _sqlite_reader(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA query_only=ON")
    return conn


def _autocommit_reader(dialect: Any, cargs: Sequence[Any], cparams: Any) -> Any:
    conn = dialect.connect(*cargs, **cparams)
    conn.autocommit = True
    return conn


@dataclass(frozen=True, slots=True)
class _Snooze:
    patient_id: str | None
    rule_id: str
    until: datetime


@dataclass(eq=False)
class _Pending:
    record: InvocationRecord
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None
    written: bool = False  # its transaction has ended (committed, or failed: ``error``)


class _Insert:
    """One INSERT compiled once by SQLAlchemy for the engine's dialect (as ``_RunningSnoozes``
    compiles its query), its values run through each column's bind processor for that dialect."""

    def __init__(
        self, table: Any, names: tuple[str, ...], dialect: Any, returning: str | None = None
    ) -> None:
        stmt = insert(table).values({name: bindparam(name) for name in names})
        if returning is not None:
            stmt = stmt.returning(table.c[returning])
        compiled = stmt.compile(dialect=dialect)
        self.sql = compiled.string
        self._names = names
        self._order = tuple(compiled.positiontup) if compiled.positiontup else None  # None: named style
        self._processors = [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]

    def params(self, values: tuple[Any, ...]) -> Any:
        bound = {
            n: v if p is None or v is None else p(v)
            for n, p, v in zip(self._names, self._processors, values, strict=True)
        }
        return bound if self._order is None else tuple(bound[n] for n in self._order)


class _AuditInserts:
    """The three INSERTs every call's audit makes, run on the DBAPI cursor.

    Built and executed through SQLAlchemy Core, they cost ~0.3 ms of CPU per call (statement
    objects, cache keys, execution contexts) of ~0.55 ms for the whole transaction, on the writer
    thread every worker shares with its calls. Each is compiled once (``_Insert``) and its values go
    through the columns' bind processors, so the rows are exactly those Core would store (the
    transaction is still SQLAlchemy's: ``Store._writing``)."""

    INVOCATION = (
        "at",
        "service_id",
        "hook",
        "hook_instance",
        "patient_id",
        "user_id",
        "status",
        "latency_ms",
        "card_count",
        "error",
    )
    CARD = (
        "uuid",
        "invocation_id",
        "service_id",
        "hook",
        "hook_instance",
        "rule_id",
        "indicator",
        "patient_id",
        "issued_at",
    )
    SUGGESTION = ("uuid", "card_uuid")

    def __init__(self, dialect: Any) -> None:
        self.invocation = _Insert(Invocation.__table__, self.INVOCATION, dialect, returning="id")
        self.card = _Insert(IssuedCard.__table__, self.CARD, dialect)
        self.suggestion = _Insert(IssuedSuggestion.__table__, self.SUGGESTION, dialect)

    def write(self, conn: Connection, rec: InvocationRecord) -> None:
        """The invocation, its cards and their suggestions, in ``conn``'s open transaction."""
        cursor = conn.connection.cursor()
        try:
            at = _aware(rec.at)
            invocation = (
                at,
                rec.service_id,
                rec.hook,
                rec.hook_instance,
                rec.patient_id,
                rec.user_id,
                rec.status,
                float(rec.latency_ms),
                len(rec.cards),
                rec.error,
            )
            cursor.execute(self.invocation.sql, self.invocation.params(invocation))
            row = cursor.fetchone()
            if row is None:
                raise RuntimeError("the audit INSERT returned no id")
            inv_id = row[0]
            cards = [
                self.card.params(
                    (
                        card.uuid,
                        inv_id,
                        rec.service_id,
                        rec.hook,
                        rec.hook_instance,
                        card.rule_id,
                        card.indicator,
                        rec.patient_id,
                        at,
                    )
                )
                for card in rec.cards
            ]
            if cards:
                cursor.executemany(self.card.sql, cards)
            suggestions = [
                self.suggestion.params((sug, card.uuid))
                for card in rec.cards
                for sug in card.suggestion_uuids
            ]
            if suggestions:
                cursor.executemany(self.suggestion.sql, suggestions)
        finally:
            cursor.close()


class GroupCommit:
    """Audit rows of calls that finish together share one transaction; each caller returns only
    after the transaction holding its row has committed (or raises if it failed).

    Leader and followers, with no thread of its own: a caller that finds no transaction under way
    writes its row itself (it leads). Callers arriving meanwhile queue; when the leader's
    transaction ends, the first of them leads the next one. A leader takes the rows queued (up to
    ``MAX_BATCH``) only once its transaction has begun — after the write lock the worker processes
    share — so the calls that finished while it waited for that lock share its commit: one commit,
    one fsync, instead of one per call. Each follower wakes once, when its row is committed. With a
    writer thread of its own, each row waited for that thread to wake and then for the caller to
    wake again, about 1.3 ms each on a busy worker, while batches held 1.3 rows on average. If a
    batch fails, its rows are written again one by one, so one unstorable row fails only its own
    call.

    ``write`` is given a function that takes the batch off the queue; it calls it inside the
    transaction and writes what it returns."""

    MAX_BATCH = 64

    def __init__(self, write: Callable[[Callable[[], Sequence[InvocationRecord]]], None]) -> None:
        self._write = write
        self._mutex = threading.Lock()
        self._waiting: list[_Pending] = []  # queued, the first of them leads next
        self._leading = False  # a transaction is under way
        self.batches = 0  # transactions committed, for tests and the benchmark
        self.rows = 0

    @property
    def queued(self) -> int:
        """Rows waiting for the transaction under way to end."""
        with self._mutex:
            return len(self._waiting) if self._leading else 0

    def submit(self, record: InvocationRecord) -> None:
        pending = _Pending(record)
        with self._mutex:
            self._waiting.append(pending)
            follows = self._leading
            self._leading = True
        if follows:
            pending.done.wait()  # committed, or handed the lead
        if not pending.written:
            self._lead()
        if pending.error is not None:
            raise pending.error

    def _lead(self) -> None:
        """Write what is queued (this caller's row first) and hand the lead on."""
        batch: list[_Pending] = []

        def take() -> list[InvocationRecord]:
            with self._mutex:
                if not batch:
                    batch.extend(self._waiting[: self.MAX_BATCH])
                    del self._waiting[: self.MAX_BATCH]
            return [p.record for p in batch]

        try:
            self._write_or_fail(take, batch)
        except BaseException as exc:  # the rows were not written: each caller hears it
            take()  # the transaction failed before it took them
            for p in batch:
                p.error = p.error or exc
            raise
        finally:
            with self._mutex:
                successor = self._waiting[0] if self._waiting else None
                self._leading = successor is not None
            for p in batch:
                p.written = True
                p.done.set()
            if successor is not None:
                successor.done.set()  # not written: it leads the next transaction

    def _write_or_fail(self, take: Callable[[], list[InvocationRecord]], batch: list[_Pending]) -> None:
        try:
            self._write(take)
            self.batches += 1
            self.rows += len(batch)
        except Exception as exc:
            take()  # the transaction failed before it took them
            if len(batch) == 1:
                batch[0].error = exc
            else:
                for p in batch:
                    try:
                        self._write(functools.partial(list, (p.record,)))
                    except Exception as one:
                        p.error = one


class Store:
    """The one persistence API. Every method commits before it returns.

    With ``retention_days`` set (``CDS_AUDIT_RETENTION_DAYS``; 0 keeps everything), the record
    older than that is purged automatically — at most once per ``PURGE_INTERVAL_SECONDS`` per
    process, on a background thread started as the process warms up (``warm_up``) and then after
    an invocation has been recorded — along with expired JWT ids.
    """

    PURGE_INTERVAL_SECONDS = 3600.0

    def __init__(
        self,
        engine: Engine,
        *,
        retention_days: int | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        purge_runner: Callable[[Callable[[], None]], None] | None = None,
    ) -> None:
        self.engine = engine
        self._audit = _AuditInserts(engine.dialect)
        # The retention purge must never sit in a clinician's click path: by default it runs on a
        # short-lived daemon thread after the call that made it due (tests pass a synchronous runner).
        self._purge_runner = purge_runner or _in_background
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.retention = timedelta(days=retention_days) if retention_days and retention_days > 0 else None
        self._monotonic = monotonic
        self._last_purge: float | None = None
        self._purge_lock = threading.Lock()
        database = _sqlite_file(str(engine.url)) if engine.dialect.name == "sqlite" else None
        self._write_lock = WriteLock(database) if database is not None else None
        # an in-memory SQLite database is one connection shared by every thread: write inline
        in_memory = engine.dialect.name == "sqlite" and database is None
        self._group = None if in_memory else GroupCommit(self._write_batch)
        self._turn: contextlib.AbstractContextManager[Any] | None = None
        self._snooze_cache: dict[str, dict[int, _Snooze | None]] = {}
        # a connection per thread for the per-call snooze read; none on in-memory SQLite (one
        # connection shared by every thread)
        self._running_snoozes = None if in_memory else _RunningSnoozes(engine, database)
        self._snooze_lock = threading.Lock()
        # PostgreSQL: the running snoozes read once and kept until feedback starts one
        self._snooze_notices: _SnoozeNotices | None = None
        self._running_ids: dict[str, _RunningIds] = {}
        if engine.dialect.name == "postgresql":
            cargs, cparams = engine.dialect.create_connect_args(engine.url)
            self._snooze_notices = _SnoozeNotices(
                functools.partial(_autocommit_reader, engine.dialect, cargs, cparams)
            )

    @contextlib.contextmanager
    def _writing(self, turn: contextlib.AbstractContextManager[Any] | None = None) -> Iterator[Connection]:
        """A write transaction (SQLite: behind the ``WriteLock``), committed on leaving; ``turn``
        is held from after the ``WriteLock`` until the commit (see ``take_turns_with``)."""
        lock = self._write_lock.held() if self._write_lock else contextlib.nullcontext()
        with lock, turn or contextlib.nullcontext(), self.engine.begin() as conn:
            yield conn

    def _read(self) -> Connection:
        """A connection for reads only: on SQLite its transaction takes no write lock."""
        return self.engine.connect().execution_options(**{READ_ONLY: True})

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        return cls.from_url(settings.database_url, retention_days=settings.audit_retention_days)

    @classmethod
    def from_url(cls, url: str, *, migrate: bool = True, retention_days: int | None = None) -> Store:
        engine = make_engine(url)
        if migrate:
            from cds_service.migrations import upgrade_to_head

            upgrade_to_head(engine)
        return cls(engine, retention_days=retention_days)

    def close(self) -> None:
        if self._running_snoozes is not None:
            self._running_snoozes.close()
        if self._snooze_notices is not None:
            self._snooze_notices.close()
        self.engine.dispose()

    # ---- dialect helpers -------------------------------------------------------------------
    def _insert(self, model: Any) -> Any:
        if self.engine.dialect.name == "postgresql":
            return postgresql.insert(model)
        return sqlite.insert(model)

    # ---- audit ---------------------------------------------------------------------------------
    def take_turns_with(self, turn: contextlib.AbstractContextManager[Any]) -> None:
        """Write audit transactions only while holding ``turn`` (the engine's evaluation lock).

        Python threads share one interpreter lock, and every SQLite step gives it up; while a call
        evaluated beside the writer, each step waited for that call to yield it (up to the 5 ms
        switch interval), so a one-row transaction took ~6 ms, most of it holding the database's
        write lock that the other worker processes were waiting for. Taken after the
        ``WriteLock`` (so the process goes on evaluating while its writer waits for another
        process's commit) and held to the commit, it takes ~1 ms. No cycle: evaluation never
        writes, and no call waits for its row while holding ``turn``."""
        self._turn = turn

    def record_invocation(self, rec: InvocationRecord) -> None:
        """One audit row, one row per card issued and per suggestion offered; all or nothing.
        Returns once they are committed (group commit: calls finishing together share the
        transaction); raises if they could not be."""
        if self._group is None:
            self._write_batch(functools.partial(list, (rec,)))
        else:
            self._group.submit(rec)
        self._purge_if_due()

    def _write_batch(self, take: Callable[[], Sequence[InvocationRecord]]) -> None:
        """One transaction: the records ``take`` gives once it has begun (the write lock held)."""
        with self._writing(self._turn) as conn:
            for rec in take():
                self._audit.write(conn, rec)

    def warm_up(self) -> None:
        """Write one synthetic invocation and roll it back: the first real call then finds the
        connection open and the insert statements compiled, and the record holds no trace."""
        rec = InvocationRecord(
            at=datetime.now(UTC),
            service_id="warm-up",
            hook="patient-view",
            hook_instance="00000000-0000-4000-8000-000000000000",
            patient_id=None,
            user_id=None,
            status=200,
            latency_ms=0.0,
            cards=(IssuedCardRecord("00000000-0000-4000-8000-000000000001", "warm-up", "info", ("s",)),),
        )
        with self.engine.connect() as conn:
            tx = conn.begin()
            try:
                self._audit.write(conn, rec)
            finally:
                tx.rollback()
        # The worker's first retention purge, on its background thread, now rather than after its
        # first call: otherwise the next call waits for the write lock it holds.
        self._purge_if_due()

    def warm_up_thread(self) -> None:
        """Open the calling thread's connection for the per-call snooze read now (a call thread as
        it starts), so that its first call does not. Raises when the database cannot be reached;
        the thread's first call then opens the connection itself."""
        if self._running_snoozes is not None:
            self._running_snoozes.connection()

    def _purge_if_due(self) -> None:
        if self.retention is None:
            return
        with self._purge_lock:
            now_m = self._monotonic()
            if self._last_purge is not None and now_m - self._last_purge < self.PURGE_INTERVAL_SECONDS:
                return
            self._last_purge = now_m
        self._purge_runner(self._purge_now)

    def _purge_now(self) -> None:
        assert self.retention is not None
        now = datetime.now(UTC)
        try:
            result = self.purge(now - self.retention, now=now)
        except Exception as exc:  # the audit row is already committed; retention retries later
            log.error("retention purge failed", extra={"event": "purge_failed", "error": type(exc).__name__})
            return
        log.info("retention purge", extra={"event": "purge", **dataclasses.asdict(result)})

    # ---- feedback and snoozes ------------------------------------------------------------------
    def record_feedback(
        self, service_id: str, items: Sequence[FeedbackItem], received_at: datetime
    ) -> FeedbackResult:
        """Store a batch in one transaction; items already on record are skipped, not duplicated."""
        received_at = _aware(received_at)
        stored = duplicates = unknown = 0
        snoozed = False
        with self._writing() as conn:
            uuids = sorted({i.card for i in items})
            cards: dict[str, str] = {
                uuid: indicator
                for uuid, indicator in conn.execute(
                    select(IssuedCard.uuid, IssuedCard.indicator).where(
                        IssuedCard.uuid.in_(uuids), IssuedCard.service_id == service_id
                    )
                )
            }
            for item in items:
                card = cards.get(item.card)
                row = {
                    "dedupe_key": item.dedupe_key(service_id),
                    "service_id": service_id,
                    "card_uuid": item.card,
                    "card_known": card is not None,
                    "outcome": item.outcome,
                    "outcome_at": _aware(item.outcome_at),
                    "received_at": received_at,
                    "accepted_suggestions": list(item.accepted_suggestions) or None,
                    "reason_system": item.reason_system,
                    "reason_code": item.reason_code,
                    "reason_display": item.reason_display,
                    "user_comment": item.user_comment,
                    "snooze_until": _snooze_until(item, card, received_at),
                }
                stmt = self._insert(Feedback).values(**row).on_conflict_do_nothing().returning(Feedback.id)
                if conn.execute(stmt).first() is not None:
                    stored += 1
                    unknown += card is None
                    snoozed = snoozed or row["snooze_until"] is not None
                else:
                    duplicates += 1
        if snoozed and self._snooze_notices is not None:  # committed: this worker reads it at once
            self._snooze_notices.changed_here()
        return FeedbackResult(stored=stored, duplicates=duplicates, unknown_cards=unknown)

    # Above this many running snoozes for a service, look them up from the patient's cards instead.
    SNOOZE_LOOKUP_LIMIT = 500

    def active_snoozes(self, service_id: str, patient_id: str, at: datetime) -> frozenset[str]:
        """Rule ids an override with a snooze reason has silenced for this patient at ``at``.

        Runs on every call. The database says which snoozes are running (the ids of their feedback
        rows, through the index on ``snooze_until``; usually few); what each one silences — patient
        and rule, from its card — is cached per process by feedback id, so a call reads one short
        list and nothing else unless a snooze it has not seen appeared. Feedback stored by another
        worker or replica is in that list at the next call: the cache never decides alone. On
        PostgreSQL the list itself is read again only when feedback has started a snooze since
        (a notice, ``_SnoozeNotices``), so the usual call makes no round trip. When a site has more
        than ``SNOOZE_LOOKUP_LIMIT`` running, the patient's cards are read instead."""
        at = _aware(at)
        limit = self.SNOOZE_LOOKUP_LIMIT + 1
        if self._running_snoozes is not None:
            ids = self._running_ids_at(service_id, at, limit)
            if not ids:
                return frozenset()  # the usual answer, without a pooled connection
        with self._read() as conn:
            if self._running_snoozes is None:
                ids = set(conn.scalars(_RUNNING_SNOOZES, {"sid": service_id, "at": at, "limit": limit}))
            if not ids:
                return frozenset()
            if len(ids) > self.SNOOZE_LOOKUP_LIMIT:
                # composed only here: building SQLAlchemy expressions costs more than the usual read
                running = (
                    Feedback.service_id == service_id,
                    Feedback.card_known.is_(True),
                    Feedback.snooze_until > at,
                )
                query = (
                    select(IssuedCard.rule_id)
                    .join(Feedback, Feedback.card_uuid == IssuedCard.uuid)
                    .where(IssuedCard.service_id == service_id, IssuedCard.patient_id == patient_id, *running)
                    .distinct()
                )
                return frozenset(conn.scalars(query))
            with self._snooze_lock:
                known = self._snooze_cache.get(service_id, {})
            entries = {i: known[i] for i in ids if i in known}
            new = sorted(ids - entries.keys())
            if new:
                entries.update(dict.fromkeys(new))  # a card no longer on record silences nothing
                for fid, pid, rule, until in conn.execute(
                    select(Feedback.id, IssuedCard.patient_id, IssuedCard.rule_id, Feedback.snooze_until)
                    .join(IssuedCard, IssuedCard.uuid == Feedback.card_uuid)
                    .where(Feedback.id.in_(new), IssuedCard.service_id == service_id)
                ):
                    if until is not None:  # the query asked for running snoozes only
                        entries[fid] = _Snooze(pid, rule, _aware(until))
            with self._snooze_lock:
                self._snooze_cache[service_id] = entries  # only the running ones: expired drop out
        mine = (e for e in entries.values() if e is not None and e.patient_id == patient_id)
        return frozenset(e.rule_id for e in mine if e.until > at)

    def _running_ids_at(self, service_id: str, at: datetime, limit: int) -> set[int] | frozenset[int]:
        """The ids of the running snoozes: from the database, or on PostgreSQL what this worker
        read at or before ``at`` while no notice has come since (``_SnoozeNotices``). A snooze
        running at ``at`` was running at any earlier time, so an earlier read holds all of them;
        those that have ended since are dropped by their end, below."""
        assert self._running_snoozes is not None
        notices = self._snooze_notices
        if notices is None:
            return self._running_snoozes(service_id, at, limit)
        generation = notices.generation()  # before the read: a notice after it is seen next call
        kept = self._running_ids.get(service_id)
        if (
            kept is not None
            and kept.generation == generation
            and kept.at <= at
            and time.monotonic() - kept.read_at < notices.MAX_AGE_SECONDS
        ):
            return kept.ids
        read_at = time.monotonic()
        ids = frozenset(self._running_snoozes(service_id, at, limit))
        self._running_ids[service_id] = _RunningIds(ids, at, generation, read_at)
        return ids

    # ---- replay protection ---------------------------------------------------------------------
    def remember_jti(self, iss: str, jti: str, expires_at: datetime) -> bool:
        """Record a JWT id; False if this issuer's id was already seen (a replay)."""
        stmt = (
            self._insert(SeenJti)
            .values(key=_jti_key(iss, jti), expires_at=_aware(expires_at))
            .on_conflict_do_nothing()
            .returning(SeenJti.key)
        )
        with self._writing() as conn:
            return conn.execute(stmt).first() is not None

    # ---- retention -----------------------------------------------------------------------------
    def purge(self, before: datetime, *, now: datetime | None = None) -> PurgeResult:
        """Delete the record older than ``before`` — except feedback whose snooze is still running
        and the cards such feedback names — and every JWT id whose token has expired."""
        before = _aware(before)
        now = _aware(now) if now is not None else datetime.now(UTC)
        with self._writing() as s:
            jtis = s.execute(delete(SeenJti).where(SeenJti.expires_at < now)).rowcount
            fb = s.execute(
                delete(Feedback).where(
                    Feedback.received_at < before,
                    (Feedback.snooze_until.is_(None)) | (Feedback.snooze_until <= now),
                )
            ).rowcount
            referenced = select(Feedback.card_uuid)
            old_cards = select(IssuedCard.uuid).where(
                IssuedCard.issued_at < before, IssuedCard.uuid.not_in(referenced)
            )
            sugs = s.execute(
                delete(IssuedSuggestion).where(IssuedSuggestion.card_uuid.in_(old_cards))
            ).rowcount
            cards = s.execute(
                delete(IssuedCard).where(IssuedCard.issued_at < before, IssuedCard.uuid.not_in(referenced))
            ).rowcount
            invs = s.execute(
                delete(Invocation).where(
                    Invocation.at < before, Invocation.id.not_in(select(IssuedCard.invocation_id))
                )
            ).rowcount
        return PurgeResult(invocations=invs, cards=cards, suggestions=sugs, feedback=fb, jtis=jtis)

    # ---- governance report ---------------------------------------------------------------------
    def governance_report(self, start: datetime, end: datetime) -> GovernanceReport:
        """Per rule, for cards issued in [start, end): issued, and each card once by its latest
        feedback — accepted, overridden (with the reason of that override) or no feedback."""
        start, end = _aware(start), _aware(end)
        in_range = and_(IssuedCard.issued_at >= start, IssuedCard.issued_at < end)
        with self._sessions() as s:
            issued = {
                (sid, rid): n
                for sid, rid, n in s.execute(
                    select(IssuedCard.service_id, IssuedCard.rule_id, func.count())
                    .where(in_range)
                    .group_by(IssuedCard.service_id, IssuedCard.rule_id)
                )
            }
            # The latest feedback item on each card issued in the period: a card overridden and
            # later accepted counts as accepted, and a card overridden twice gives one reason.
            latest = (
                select(
                    Feedback.card_uuid,
                    Feedback.outcome,
                    Feedback.reason_system,
                    Feedback.reason_code,
                    Feedback.reason_display,
                    Feedback.snooze_until,
                    func.row_number()
                    .over(
                        partition_by=Feedback.card_uuid,
                        order_by=(
                            Feedback.outcome_at.desc(),
                            Feedback.received_at.desc(),
                            Feedback.id.desc(),
                        ),
                    )
                    .label("nth"),
                )
                .where(
                    Feedback.card_known.is_(True),
                    Feedback.card_uuid.in_(select(IssuedCard.uuid).where(in_range)),
                )
                .subquery()
            )
            snoozed = case((latest.c.snooze_until.is_(None), 0), else_=1)
            outcomes: dict[tuple[str, str, str], int] = {}
            reasons: dict[tuple[str, str], dict[tuple[str | None, str | None, str | None], ReasonCount]] = {}
            # one row per rule, indicator, latest outcome and reason (the columns grouped by)
            keys = (
                IssuedCard.service_id,
                IssuedCard.rule_id,
                IssuedCard.indicator,
                latest.c.outcome,
                latest.c.reason_system,
                latest.c.reason_code,
                snoozed,
            )
            for sid, rid, indicator, outcome, system, code, applied, display, n in s.execute(
                select(*keys, func.max(latest.c.reason_display), func.count())
                .join(latest, latest.c.card_uuid == IssuedCard.uuid)
                .where(in_range, latest.c.nth == 1)
                .group_by(*keys)
            ):
                outcomes[(sid, rid, outcome)] = outcomes.get((sid, rid, outcome), 0) + n
                if outcome != "overridden":
                    continue
                reason = _reason_count(system, code, display, indicator, bool(applied), n)
                per_rule = reasons.setdefault((sid, rid), {})
                key = (system, code, reason.note)
                if key in per_rule:  # the same reason from cards of another indicator
                    reason = dataclasses.replace(reason, count=per_rule[key].count + n)
                per_rule[key] = reason
            unmatched = s.scalar(
                select(func.count())
                .select_from(Feedback)
                .where(
                    Feedback.card_known.is_(False), Feedback.received_at >= start, Feedback.received_at < end
                )
            )
        rules = tuple(
            RuleReport(
                service_id=sid,
                rule_id=rid,
                issued=n,
                accepted=outcomes.get((sid, rid, "accepted"), 0),
                overridden=outcomes.get((sid, rid, "overridden"), 0),
                reasons=tuple(
                    sorted(
                        reasons.get((sid, rid), {}).values(),
                        key=lambda r: (-r.count, r.display, r.note or ""),
                    )
                ),
            )
            for (sid, rid), n in sorted(issued.items())
        )
        return GovernanceReport(start=start, end=end, rules=rules, unmatched_feedback=int(unmatched or 0))


def _snooze_until(item: FeedbackItem, indicator: str | None, received_at: datetime) -> datetime | None:
    """An override snoozes only with a snooze reason the card itself offered (critical cards offer
    none, so a red flag is never silenced). The period runs from the override, and never from a
    time later than the service received it."""
    if indicator is None or item.outcome != "overridden":
        return None
    days = snooze_days(item.reason_system, item.reason_code)
    if days is None or item.reason_code not in {r.code for r in reasons_for(indicator)}:
        return None
    return min(_aware(item.outcome_at), received_at) + timedelta(days=days)


def _reason_display(system: str | None, code: str | None, display: str | None = None) -> str:
    """The product's wording for its own codes; otherwise the EHR's display when it sent one, with
    the code and system it came with, so that different codings stay told apart."""
    if code is None:
        return "(no reason given)"
    if system == OVERRIDE_SYSTEM and code in BY_CODE:
        return BY_CODE[code].display
    coding = f"{code}, {system}" if system else code
    if display and display.strip():
        return f"{display.strip()} ({coding})"
    return f"{code} ({system})" if system else code


def _reason_count(
    system: str | None, code: str | None, display: str | None, indicator: str, applied: bool, count: int
) -> ReasonCount:
    """A reason row; a snooze reason says whether the snooze took effect. The store sets
    ``snooze_until`` only when the card offered that snooze (``_snooze_until``), so a snooze
    reason without one was refused: a critical card is never silenced, an info card offers no
    reasons at all."""
    text = _reason_display(system, code, display)
    if snooze_days(system, code) is None:
        return ReasonCount(system=system, code=code, display=text, count=count)
    if applied:
        return ReasonCount(system=system, code=code, display=text, count=count, snooze_applied=True)
    return ReasonCount(
        system=system,
        code=code,
        display=text,
        count=count,
        snooze_applied=False,
        note=f"not applied: {indicator} card",
    )
