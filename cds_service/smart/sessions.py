"""The pathway app's server-side sessions: the browser holds only a random id in a cookie.

A pending launch (state, PKCE verifier, where to exchange the code) lives for ``LAUNCH_TTL``
seconds; an app session (the access token, the patient id, the FHIR server) until its token
expires, at most ``SESSION_TTL``. Both are rows of the service's database
(``cds_service.store.app_sessions``), so the callback and every page view may land on any worker
or replica: the row's key is a SHA-256 of the cookie's id, its content is encrypted with Fernet
under the app session key (``CDS_APP_SESSION_KEY``, or a key generated once into a 0600 file
beside the SQLite database). A launch is taken (deleted) by its callback, so it is used once; a
session is deleted when it expires, when it is read expired, and at logout. Nothing about the
patient beyond the id needed to read the record is kept, and nothing after the session ends.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Engine

from cds_service.settings import DEFAULT_DB_PATH, Settings, SettingsError
from cds_service.store.app_sessions import LAUNCH, SESSION, AppSessionRows

log = logging.getLogger("cds_service.smart")

LAUNCH_TTL = 600.0  # seconds to come back from the authorization server
SESSION_TTL = 3600.0  # the longest an app session lives, whatever the token says
KEY_FILE = "app-session.key"


@dataclass(frozen=True)
class PendingLaunch:
    iss: str
    client_id: str
    state: str
    code_verifier: str = field(repr=False)
    token_endpoint: str = ""
    redirect_uri: str = ""
    scope: str = ""
    issuer: str = ""  # OpenID Connect issuer and its keys, to verify the id_token
    jwks_uri: str = ""


@dataclass(frozen=True)
class AppSession:
    iss: str
    patient_id: str = field(repr=False)
    access_token: str = field(repr=False)
    scope: str = ""
    expires_in: int | None = None
    app_context: str | None = None
    client_id: str = ""
    user: str | None = None  # fhirUser of the verified id_token, as Type/id


Entry = PendingLaunch | AppSession


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _row_key(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class SessionStore:
    """Launches and sessions in the database, encrypted; any app instance on it sees them all."""

    def __init__(self, engine: Engine, fernet: MultiFernet, clock: Callable[[], datetime] = _utc_now) -> None:
        self._rows = AppSessionRows(engine)
        self._fernet = fernet
        self._clock = clock

    def put(self, entry: Entry, ttl: float) -> str:
        """Keep ``entry`` for ``ttl`` seconds under a new random id (the cookie's value)."""
        sid = secrets.token_urlsafe(32)
        kind = LAUNCH if isinstance(entry, PendingLaunch) else SESSION
        payload = self._fernet.encrypt(json.dumps(asdict(entry)).encode()).decode()
        now = self._clock()
        self._rows.put(_row_key(sid), kind, payload, now + timedelta(seconds=ttl), now=now)
        return sid

    def take_launch(self, sid: str | None) -> PendingLaunch | None:
        """The pending launch, deleted as it is read: a replayed callback finds nothing."""
        if not sid:
            return None
        payload = self._rows.take(_row_key(sid), LAUNCH, now=self._clock())
        data = self._decrypt(payload)
        return PendingLaunch(**data) if data is not None else None

    def session(self, sid: str | None) -> AppSession | None:
        if not sid:
            return None
        payload = self._rows.get(_row_key(sid), SESSION, now=self._clock())
        data = self._decrypt(payload)
        return AppSession(**data) if data is not None else None

    def end(self, sid: str | None) -> bool:
        """Delete the session (logout); True if there was one."""
        return bool(sid) and self._rows.delete(_row_key(str(sid)))

    def purge_expired(self) -> int:
        return self._rows.purge_expired(now=self._clock())

    def _decrypt(self, payload: str | None) -> dict[str, Any] | None:
        if payload is None:
            return None
        try:
            data = json.loads(self._fernet.decrypt(payload.encode()))
        except (InvalidToken, ValueError):
            # written under another key (a replica with a different CDS_APP_SESSION_KEY, or a
            # rotated-out key): as good as no session
            log.warning("pathway app session unreadable", extra={"event": "app_session_undecryptable"})
            return None
        return data if isinstance(data, dict) else None

    def __len__(self) -> int:
        return self._rows.count()


def session_fernet(settings: Settings, engine: Engine) -> MultiFernet:
    """The key(s) app sessions are encrypted with: ``CDS_APP_SESSION_KEY`` (comma-separated Fernet
    keys, the first encrypts, all decrypt — for rotation); without it, a key generated once into
    ``app-session.key`` (mode 0600) beside the SQLite database, which every worker of this host
    shares. Several replicas must all set the same ``CDS_APP_SESSION_KEY``."""
    configured = configured_fernet(settings)
    if configured is not None:
        return configured
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:" or "mode=memory" in str(url):
            return MultiFernet([Fernet(Fernet.generate_key())])  # one process sees this database
        directory = Path(url.database).expanduser().resolve().parent
    else:
        directory = DEFAULT_DB_PATH.resolve().parent
        log.warning(
            "CDS_APP_SESSION_KEY is not set: pathway app sessions use a key file of this host only; "
            "set the same key in every replica",
            extra={"event": "app_session_key_local"},
        )
    return MultiFernet([Fernet(_key_file(directory / KEY_FILE))])


def configured_fernet(settings: Settings) -> MultiFernet | None:
    """The keys of ``CDS_APP_SESSION_KEY``, or None when it is not set; SettingsError when malformed."""
    if not settings.app_session_key:
        return None
    try:
        return MultiFernet(
            [Fernet(k.strip().encode()) for k in settings.app_session_key.split(",") if k.strip()]
        )
    except (ValueError, TypeError):
        raise SettingsError(
            "CDS_APP_SESSION_KEY must be one or more comma-separated Fernet keys (32 url-safe base64 bytes)"
        ) from None


def _key_file(path: Path) -> bytes:
    """Read the key, or create it once: written to a private temporary file, then linked into
    place, so workers starting together all end up with the one key (the link fails for all but
    the first)."""
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(Fernet.generate_key())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_bytes().strip()
