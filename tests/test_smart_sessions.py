"""The pathway app's server-side sessions: random ids, one-use launches, nothing kept after expiry."""

from __future__ import annotations

from cds_service.smart.sessions import AppSession, PendingLaunch, SessionStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def session() -> AppSession:
    return AppSession(iss="https://ehr.example.org/fhir", patient_id="p1", access_token="secret-token")


def test_an_expired_session_is_gone_with_its_token_and_patient() -> None:
    """After its time the entry is purged from memory: neither token nor patient id is kept."""
    clock = Clock()
    store = SessionStore(clock)
    sid = store.put(session(), ttl=60)
    assert store.get(sid) == session()
    clock.now += 61
    assert store.get(sid) is None
    assert len(store) == 0


def test_a_pending_launch_is_used_once_and_ids_are_random() -> None:
    store = SessionStore(Clock())
    pending = PendingLaunch("https://ehr.example.org/fhir", "client", "state-1", "verifier-1")
    a, b = store.put(pending, ttl=60), store.put(pending, ttl=60)
    assert a != b and len(a) >= 40
    assert store.pop(a) == pending
    assert store.pop(a) is None and store.get(a) is None
    assert store.get("") is None and store.get(None) is None


def test_secrets_stay_out_of_the_repr() -> None:
    """A session or launch printed in a log line or traceback does not show the token or verifier."""
    assert "secret-token" not in repr(session())
    assert "verifier-1" not in repr(PendingLaunch("i", "c", "s", "verifier-1"))
