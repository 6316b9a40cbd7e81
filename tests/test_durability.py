"""Durability under kill -9: 1,000 feedback posts to ``radicular-cds serve`` (gunicorn, 2 workers ×
4 threads) while the whole server process group is SIGKILLed mid-stream and restarted on the same
database. Every acknowledged (2xx) feedback entry must be in the store afterwards, joined to the
card it names — on a SQLite file and on PostgreSQL (a throw-away schema, dropped afterwards).
The same for hook calls (audit rows are group-committed): every call answered 200 has its
invocation row and its cards.

The posts are for cards that a first invocation of each service issued, so every stored row joins
its card (``card_known``). Each post carries one entry with a unique comment, so a row is matched
to its post exactly.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
from sqlalchemy import Connection, func, select

from cds_service.store import Store
from cds_service.store import models as m
from tests.conftest import load_protocol
from tests.live_server import LiveServer
from tests.store_helpers import PostgresSchema

pytestmark = pytest.mark.slow

POSTS = 1000
CLIENTS = 4
KILL_AFTER_ACKS = 300
SERVICE = "radicular-pathway"
T = TypeVar("T")


def issue_cards(base_url: str) -> list[str]:
    """Card uuids issued by real invocations of the service the feedback is sent to (feedback names a
    card of the service whose endpoint receives it; another service's card is stored as unknown)."""
    uuids: list[str] = []
    for _ in range(4):
        resp = requests.post(
            f"{base_url}/cds-services/{SERVICE}",
            json=load_protocol("patient-view.full-prefetch.json"),
            timeout=30,
        )
        assert resp.status_code == 200, resp.text
        uuids += [c["uuid"] for c in resp.json()["cards"]]
    assert len(uuids) >= 4
    return uuids


class Stream:
    """CLIENTS threads sending POSTS feedback posts, one entry each; a killer thread SIGKILLs the
    server group once KILL_AFTER_ACKS posts were acknowledged, then restarts it."""

    def __init__(self, server: LiveServer, cards: list[str], run: str, kind: str = "feedback") -> None:
        self.kind = kind
        self.server = server
        self.cards = cards
        self.run = run
        self.lock = threading.Lock()
        self.next = 0
        self.acked: set[int] = set()
        self.failed: dict[int, str] = {}
        self.acked_at_kill = -1
        self.in_flight_at_kill = 0
        self.in_flight = 0
        self.acked_after_restart = 0
        self.killed = threading.Event()
        self.restarted = threading.Event()
        self.errors: list[BaseException] = []
        self.issued: dict[int, int] = {}  # hook calls: cards answered

    def comment(self, i: int) -> str:
        return f"durability {self.run} #{i}"

    def body(self, i: int) -> dict[str, Any]:
        if self.kind == "call":
            call = load_protocol("patient-view.full-prefetch.json")
            call["hookInstance"] = self.comment(i)
            return call
        return {
            "feedback": [
                {
                    "card": self.cards[i % len(self.cards)],
                    "outcome": "overridden",
                    "overrideReason": {"userComment": self.comment(i)},
                    "outcomeTimestamp": "2026-11-20T14:31:05Z",
                }
            ]
        }

    def client(self) -> None:
        session = requests.Session()
        url = f"{self.server.base_url}/cds-services/{SERVICE}" + (
            "/feedback" if self.kind == "feedback" else ""
        )
        try:
            while True:
                with self.lock:
                    if self.next >= POSTS:
                        return
                    i = self.next
                    self.next += 1
                    self.in_flight += 1
                try:
                    resp = session.post(url, json=self.body(i), timeout=15)
                    outcome = resp.status_code
                    if outcome == 200 and self.kind == "call":
                        self.issued[i] = len(resp.json()["cards"])
                except requests.RequestException as exc:
                    outcome = type(exc).__name__
                with self.lock:
                    self.in_flight -= 1
                    if isinstance(outcome, int) and 200 <= outcome < 300:
                        self.acked.add(i)
                        if self.restarted.is_set():
                            self.acked_after_restart += 1
                    else:
                        self.failed[i] = str(outcome)
                if not isinstance(outcome, int):
                    session.close()
                    session = requests.Session()
                    # The server is down: wait until it is back (its workers warm up for seconds)
                    # rather than burn the remaining posts, so some are answered after the restart.
                    if self.killed.is_set():
                        self.restarted.wait(60)
                    else:
                        time.sleep(0.1)
        finally:
            session.close()

    def killer(self) -> None:
        try:
            while True:
                with self.lock:
                    if len(self.acked) >= KILL_AFTER_ACKS:
                        self.acked_at_kill = len(self.acked)
                        self.in_flight_at_kill = self.in_flight
                        break
                    if self.next >= POSTS:
                        return
                time.sleep(0.002)
            self.server.kill9()
            self.killed.set()
            self.server.start()
            self.restarted.set()
        except BaseException as exc:
            self.errors.append(exc)

    def run_all(self) -> None:
        threads = [threading.Thread(target=self.client, name=f"feedback-client-{n}") for n in range(CLIENTS)]
        killer = threading.Thread(target=self.killer, name="killer")
        for t in (*threads, killer):
            t.start()
        for t in (*threads, killer):
            t.join(timeout=300)
            assert not t.is_alive(), f"{t.name} did not finish"
        assert not self.errors, self.errors


def read_store(db_url: str, read: Callable[[Connection], T]) -> T:
    store = Store.from_url(db_url, migrate=False)
    try:
        with store.engine.connect() as conn:
            return read(conn)
    finally:
        store.close()


def check_durability(db_url: str, tmp_path: Path, label: str) -> None:
    run = uuid.uuid4().hex[:8]
    with LiveServer(db_url, tmp_path / f"serve-{label}.log") as server:
        cards = issue_cards(server.base_url)
        stream = Stream(server, cards, run)
        stream.run_all()
        assert stream.killed.is_set() and stream.restarted.is_set(), "the server was never killed"
        assert server.starts == 2
        # after the restart the service still answers, on the same database
        assert requests.get(f"{server.base_url}/health", timeout=5).status_code == 200

    rows = read_store(
        db_url,
        lambda conn: conn.execute(
            select(m.Feedback.user_comment, m.Feedback.card_uuid, m.Feedback.card_known).where(
                m.Feedback.user_comment.like(f"durability {run} #%")
            )
        ).all(),
    )
    found = {int(comment.rsplit("#", 1)[1]): (card, known) for comment, card, known in rows}
    acked = stream.acked
    lost = sorted(acked - set(found))
    print(
        f"\ndurability [{label}]: sent {POSTS}, acknowledged {len(acked)}, found {len(found)} "
        f"(acknowledged and found {len(acked & set(found))}, lost {len(lost)}); "
        f"SIGKILL after {stream.acked_at_kill} acks with {stream.in_flight_at_kill} posts in flight, "
        f"{stream.acked_after_restart} acknowledged after the restart; "
        f"{len(stream.failed)} posts not acknowledged "
        f"({', '.join(sorted(set(stream.failed.values())))})"
    )
    assert not lost, f"acknowledged feedback missing from the store: posts {lost[:20]}"
    assert len(found) == len(rows)  # one row per post
    assert all(known for _, known in found.values()), "a stored row does not join its card"
    assert all(card == cards[i % len(cards)] for i, (card, _) in found.items())
    assert stream.failed, "the kill interrupted nothing"
    assert stream.acked_after_restart > 0, "nothing was acknowledged after the restart"


def check_call_durability(db_url: str, tmp_path: Path, label: str) -> None:
    """Every hook call answered 200 has its (group-committed) invocation row and all its cards."""
    run = uuid.uuid4().hex[:8]
    with LiveServer(db_url, tmp_path / f"serve-calls-{label}.log") as server:
        stream = Stream(server, [], run, kind="call")
        stream.run_all()
        assert stream.killed.is_set() and stream.restarted.is_set(), "the server was never killed"
    rows = read_store(
        db_url,
        lambda conn: conn.execute(
            select(m.Invocation.hook_instance, m.Invocation.card_count, m.Invocation.id).where(
                m.Invocation.hook_instance.like(f"durability {run} #%")
            )
        ).all(),
    )
    cards = read_store(
        db_url,
        lambda conn: dict(
            conn.execute(
                select(m.IssuedCard.invocation_id, func.count())
                .where(m.IssuedCard.invocation_id.in_([r.id for r in rows]))
                .group_by(m.IssuedCard.invocation_id)
            ).all()
        ),
    )
    found = {int(hi.rsplit("#", 1)[1]): (count, cards.get(inv_id, 0)) for hi, count, inv_id in rows}
    lost = sorted(stream.acked - set(found))
    print(
        f"\ncall durability [{label}]: sent {POSTS}, answered {len(stream.acked)}, found {len(found)}, "
        f"lost {len(lost)}; SIGKILL after {stream.acked_at_kill} answers with {stream.in_flight_at_kill} "
        f"in flight; {stream.acked_after_restart} answered after the restart"
    )
    assert not lost, f"answered calls missing from the audit record: {lost[:20]}"
    assert all(found[i] == (n, n) for i, n in stream.issued.items()), "a recorded call lacks its cards"
    assert stream.failed, "the kill interrupted nothing"
    assert stream.acked_after_restart > 0, "nothing was answered after the restart"


def test_acknowledged_feedback_survives_kill_9_on_sqlite(tmp_path: Path) -> None:
    check_durability(f"sqlite:///{tmp_path / 'durable.sqlite3'}", tmp_path, "sqlite")


def test_answered_calls_survive_kill_9_on_sqlite(tmp_path: Path) -> None:
    check_call_durability(f"sqlite:///{tmp_path / 'durable-calls.sqlite3'}", tmp_path, "sqlite")


@pytest.fixture
def pg_schema() -> Iterator[PostgresSchema]:
    schema = PostgresSchema()
    try:
        yield schema
    finally:
        schema.drop()


@pytest.mark.postgres
def test_acknowledged_feedback_survives_kill_9_on_postgresql(
    tmp_path: Path, pg_schema: PostgresSchema
) -> None:
    check_durability(pg_schema.url, tmp_path, "postgresql")


@pytest.mark.postgres
def test_answered_calls_survive_kill_9_on_postgresql(tmp_path: Path, pg_schema: PostgresSchema) -> None:
    check_call_durability(pg_schema.url, tmp_path, "postgresql")
