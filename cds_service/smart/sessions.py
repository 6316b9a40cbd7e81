"""The pathway app's server-side sessions: the browser holds only a random id in a cookie.

A pending launch (state, PKCE verifier, where to exchange the code) lives for ``LAUNCH_TTL``
seconds; an app session (the access token, the patient id, the FHIR server) until its token
expires, at most ``SESSION_TTL``. Both are kept in this process's memory only — never written
to disk or the database — and purged on expiry; nothing about the patient outlives the
session. Behind several worker processes the app therefore needs session affinity on its
cookie (or one worker for /app).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

LAUNCH_TTL = 600.0  # seconds to come back from the authorization server
SESSION_TTL = 3600.0  # the longest an app session lives, whatever the token says


@dataclass(frozen=True)
class PendingLaunch:
    iss: str
    client_id: str
    state: str
    code_verifier: str = field(repr=False)
    token_endpoint: str = ""
    redirect_uri: str = ""
    scope: str = ""


@dataclass(frozen=True)
class AppSession:
    iss: str
    patient_id: str
    access_token: str = field(repr=False)
    scope: str = ""
    expires_in: int | None = None
    app_context: str | None = None
    client_id: str = ""


Entry = PendingLaunch | AppSession


class SessionStore:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._items: dict[str, tuple[float, Entry]] = {}

    def _purge(self, now: float) -> None:
        for sid in [sid for sid, (until, _) in self._items.items() if until <= now]:
            del self._items[sid]

    def put(self, entry: Entry, ttl: float) -> str:
        """Keep ``entry`` for ``ttl`` seconds under a new random id (the cookie's value)."""
        sid = secrets.token_urlsafe(32)
        with self._lock:
            now = self._clock()
            self._purge(now)
            self._items[sid] = (now + ttl, entry)
        return sid

    def get(self, sid: str | None) -> Entry | None:
        return self._find(sid, remove=False)

    def pop(self, sid: str | None) -> Entry | None:
        """The entry, removed: a pending launch is used once."""
        return self._find(sid, remove=True)

    def _find(self, sid: str | None, *, remove: bool) -> Entry | None:
        if not sid:
            return None
        with self._lock:
            self._purge(self._clock())
            item = self._items.pop(sid, None) if remove else self._items.get(sid)
            return item[1] if item else None

    def __len__(self) -> int:
        with self._lock:
            self._purge(self._clock())
            return len(self._items)
