"""Settings read from the environment once, into a frozen object. Nothing else reads os.environ."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


def default_db_path(env: Mapping[str, str] | None = None) -> Path:
    """Where the SQLite store lives when ``CDS_DATABASE_URL`` is not set — never relative to the
    working directory, so every command finds the same record: ``var/`` of the source checkout
    this package runs from, else ``$XDG_STATE_HOME/radicular-cds`` (``~/.local/state/...``)."""
    env = os.environ if env is None else env
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "cds_service").is_dir():
        return checkout / "var" / "radicular-cds.sqlite3"
    state = Path(env.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state.expanduser().resolve() / "radicular-cds" / "radicular-cds.sqlite3"


DEFAULT_DB_PATH = default_db_path()


def usable_cores(cgroup: Path = Path("/sys/fs/cgroup")) -> int:
    """The CPUs this process can use: those it may run on, lowered to its cgroup's CPU quota (a
    container's CPU limit, which neither ``os.cpu_count`` nor the affinity mask shows)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    quota = _cgroup_quota(cgroup)
    if quota is not None:
        cores = min(cores, max(1, math.ceil(quota)))
    return max(1, cores)


def _cgroup_quota(cgroup: Path) -> float | None:
    """CPUs the cgroup's quota allows (v2 ``cpu.max``, else v1 ``cpu.cfs_quota_us``), None if unlimited."""
    try:
        quota, period = (cgroup / "cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota_us = int((cgroup / "cpu" / "cpu.cfs_quota_us").read_text())
        period_us = int((cgroup / "cpu" / "cpu.cfs_period_us").read_text())
        return None if quota_us <= 0 or period_us <= 0 else quota_us / period_us
    except (OSError, ValueError):
        return None


def default_workers() -> int:
    """One worker process more than the usable cores. Each worker evaluates one call at a time and
    waits between calls (the audit commit, handing the answer to its event loop): measured on 2
    cores, 3 workers served 14-16 % more requests/s than 2, and 4 no more than 3
    (docs/benchmark-history.md, the runs on the machine before)."""
    return usable_cores() + 1


class SettingsError(ValueError):
    """An environment setting is malformed; the service refuses to start."""


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, not {raw!r}") from None


def _list(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = env.get(name)
    if raw is None:
        return default
    return tuple(p.strip() for p in raw.split(",") if p.strip())


def _samesite(raw: str) -> str:
    value = raw.strip().capitalize()
    if value not in ("Lax", "Strict", "None"):
        raise SettingsError(f"CDS_APP_COOKIE_SAMESITE must be Lax, Strict or None, not {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    # Externally visible base URL (behind proxies); JWT `aud` is built from it. Unset, it is
    # http://localhost:<port served> (CDS_PORT, or the port of `serve --bind`).
    public_base_url: str = "http://localhost:8080"
    # Persistence: SQLite by default (WAL), PostgreSQL by URL for several replicas.
    database_url: str = f"sqlite:///{DEFAULT_DB_PATH}"
    # FHIR fallback when prefetch is missing.
    fhir_timeout_seconds: float = 5.0
    fhir_total_budget_seconds: float = 8.0
    fhir_page_cap: int = 10
    fhir_max_response_bytes: int = 20 * 1024 * 1024
    fhir_max_workers: int = 8
    # Bytes one call may read from FHIR servers across all keys and pages (memory per call).
    fhir_max_call_bytes: int = 32 * 1024 * 1024
    # Calls of one worker process fetching from FHIR servers at once; 0 = the worker's threads
    # minus one, so one thread always stays free for prefetched calls and the health checks.
    fhir_concurrent_calls: int = 0
    # With auth off (development) only: the FHIR base URLs a call may name as fhirServer. Empty:
    # loopback hosts only. With auth on, the trust file's per-issuer fhir_servers decide.
    fhir_servers: tuple[str, ...] = ()
    # Validated FHIR models kept per worker, by exact resource JSON (0 = off); a full cache of
    # 4,096 added about 20 MB to a worker (measured ~101 MB before the cache, 123 MB with it full).
    model_cache_size: int = 4096
    # HTTP
    max_request_bytes: int = 5 * 1024 * 1024
    # Browser origins allowed by CORS: none unless configured (scripts/dev-serve sets the Sandbox's).
    cors_origins: tuple[str, ...] = ()
    # Auth (CDS Hooks 2.0 JWT). Off only by explicit development setting (loud warning).
    auth_enabled: bool = True
    trust_file: str | None = None  # JSON: issuer -> {jwks_url | jwks_file, jku_allowlist, ...}
    jwt_algorithms: tuple[str, ...] = ("ES384", "RS384")
    jwt_clock_skew_seconds: int = 60
    jwks_cache_ttl_seconds: int = 3600
    jwks_refresh_min_interval_seconds: int = 60
    # Longest token lifetime accepted (exp - iat, and exp ahead of now); bounds the jti store.
    jwt_max_lifetime_seconds: int = 3600
    # The pathway app (SMART on FHIR): default public client id, when the trust file names none for
    # the EHR; SameSite of its session cookie (None only when the EHR shows the app in an iframe).
    smart_client_id: str = "radicular-cds-pathway"
    app_cookie_samesite: str = "Lax"
    # Fernet key(s), comma-separated (the first encrypts), for the app's sessions in the database;
    # unset: a key generated once beside the SQLite database. Several replicas must share one.
    app_session_key: str | None = field(default=None, repr=False)
    # Governance
    audit_retention_days: int = 365
    # Keep the free text a clinician types when overriding a card (feedback userComment)? It can
    # hold anything, patient details included; off → only the coded reason is stored.
    feedback_comments: bool = True
    # Clinical site policy
    thresholds_file: str | None = None
    # Evaluation date override (ISO date) for demos and frozen-date testing; empty = today (UTC).
    evaluation_date: str | None = None
    # Logging
    log_level: str = "INFO"
    # `radicular-cds serve` (gunicorn): listen address and worker processes/threads. All interfaces
    # by default (containers, with auth on); scripts/dev-serve binds loopback for auth-off try-outs.
    host: str = "0.0.0.0"  # noqa: S104 - a server's listen address, see above
    port: int = 8080
    workers: int = field(default_factory=default_workers)  # usable cores + 1
    threads: int = 4
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        d = cls()
        return cls(
            # Not set: follows the port served, so a local JWT's aud matches what was called.
            public_base_url=(
                env.get("CDS_PUBLIC_BASE_URL") or f"http://localhost:{_int(env, 'CDS_PORT', d.port)}"
            ).rstrip("/"),
            database_url=env.get("CDS_DATABASE_URL", d.database_url),
            fhir_timeout_seconds=_float(env, "CDS_FHIR_TIMEOUT_SECONDS", d.fhir_timeout_seconds),
            fhir_total_budget_seconds=_float(
                env, "CDS_FHIR_TOTAL_BUDGET_SECONDS", d.fhir_total_budget_seconds
            ),
            fhir_page_cap=_int(env, "CDS_FHIR_PAGE_CAP", d.fhir_page_cap),
            fhir_max_response_bytes=_int(env, "CDS_FHIR_MAX_RESPONSE_BYTES", d.fhir_max_response_bytes),
            fhir_max_workers=_int(env, "CDS_FHIR_MAX_WORKERS", d.fhir_max_workers),
            fhir_servers=_list(env, "CDS_FHIR_SERVERS", d.fhir_servers),
            fhir_max_call_bytes=_int(env, "CDS_FHIR_MAX_CALL_BYTES", d.fhir_max_call_bytes),
            fhir_concurrent_calls=_int(env, "CDS_FHIR_CONCURRENT_CALLS", d.fhir_concurrent_calls),
            model_cache_size=_int(env, "CDS_MODEL_CACHE_SIZE", d.model_cache_size),
            max_request_bytes=_int(env, "CDS_MAX_REQUEST_BYTES", d.max_request_bytes),
            cors_origins=_list(env, "CDS_CORS_ORIGINS", d.cors_origins),
            auth_enabled=not _bool(env, "CDS_DEV_DISABLE_AUTH", False),
            trust_file=env.get("CDS_TRUST_FILE") or None,
            jwt_algorithms=_list(env, "CDS_JWT_ALGORITHMS", d.jwt_algorithms),
            jwt_clock_skew_seconds=_int(env, "CDS_JWT_CLOCK_SKEW_SECONDS", d.jwt_clock_skew_seconds),
            jwks_cache_ttl_seconds=_int(env, "CDS_JWKS_CACHE_TTL_SECONDS", d.jwks_cache_ttl_seconds),
            jwks_refresh_min_interval_seconds=_int(
                env, "CDS_JWKS_REFRESH_MIN_INTERVAL_SECONDS", d.jwks_refresh_min_interval_seconds
            ),
            jwt_max_lifetime_seconds=_int(env, "CDS_JWT_MAX_LIFETIME_SECONDS", d.jwt_max_lifetime_seconds),
            smart_client_id=env.get("CDS_SMART_CLIENT_ID") or d.smart_client_id,
            app_cookie_samesite=_samesite(env.get("CDS_APP_COOKIE_SAMESITE") or d.app_cookie_samesite),
            app_session_key=env.get("CDS_APP_SESSION_KEY") or None,
            audit_retention_days=_int(env, "CDS_AUDIT_RETENTION_DAYS", d.audit_retention_days),
            feedback_comments=_bool(env, "CDS_FEEDBACK_COMMENTS", d.feedback_comments),
            thresholds_file=env.get("CDS_THRESHOLDS_FILE") or None,
            evaluation_date=env.get("CDS_EVALUATION_DATE") or None,
            log_level=env.get("CDS_LOG_LEVEL", d.log_level),
            host=env.get("CDS_HOST") or d.host,
            port=_int(env, "CDS_PORT", d.port),
            workers=_int(env, "CDS_WORKERS", d.workers),
            threads=_int(env, "CDS_THREADS", d.threads),
        )
