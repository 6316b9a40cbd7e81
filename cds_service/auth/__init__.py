"""Who may call us: the CDS Hooks 2.0 JWT on every call to the CDS endpoints.

``install_auth(app, settings, store)`` adds a ``before_request`` that verifies
``Authorization: Bearer <JWT>`` on discovery, every service and every feedback endpoint (not on
CORS preflight, not on the health endpoint). Any failure raises ``Unauthorized`` — a 401 whose
OperationOutcome says nothing more — and logs the reason, never the token.

Auth is on unless ``CDS_DEV_DISABLE_AUTH`` is set (development only; a loud warning at start).
Without a trust file the service starts but refuses every call, and says so in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from flask import Flask, current_app, g, request

from cds_service.auth.trust import TrustConfigError, TrustStore, load_trust
from cds_service.auth.verify import AuthFailure, JwtVerifier, VerifiedToken
from cds_service.errors import Unauthorized
from cds_service.settings import Settings
from cds_service.store import Store

__all__ = [
    "AuthFailure",
    "JwtVerifier",
    "TrustConfigError",
    "TrustStore",
    "VerifiedToken",
    "caller_fhir_server_policy",
    "install_auth",
    "is_protected",
    "load_trust",
]

log = logging.getLogger(__name__)

PROTECTED_PREFIX = "/cds-services"


def is_protected(path: str) -> bool:
    """Discovery, services and feedback: everything under /cds-services."""
    return path == PROTECTED_PREFIX or path.startswith(PROTECTED_PREFIX + "/")


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def build_verifier(settings: Settings, store: Store) -> JwtVerifier:
    trust: TrustStore | None = None
    if settings.trust_file:
        trust = load_trust(
            settings.trust_file,
            ttl_seconds=settings.jwks_cache_ttl_seconds,
            min_refresh_interval_seconds=settings.jwks_refresh_min_interval_seconds,
        )
        log.info(
            "JWT auth on",
            extra={
                "event": "auth_enabled",
                "issuers": sorted(trust.issuers),
                "trust_file": settings.trust_file,
            },
        )
    else:
        log.error(
            "JWT auth is on but no trust file is configured (CDS_TRUST_FILE): every call to "
            "/cds-services will be refused with 401",
            extra={"event": "auth_no_trust"},
        )
    return JwtVerifier(
        trust,
        store,
        algorithms=settings.jwt_algorithms,
        skew_seconds=settings.jwt_clock_skew_seconds,
        max_lifetime_seconds=settings.jwt_max_lifetime_seconds,
    )


def caller_fhir_server_policy() -> Callable[[str], bool] | None:
    """For the current request: which ``fhirServer`` base URLs the authenticated caller may have
    us contact (its issuer's, and its tenant's, ``fhir_servers`` in the trust file). ``None`` when
    authentication is off: the engine then applies the development policy (``CDS_FHIR_SERVERS``)."""
    if "cds_trust" not in current_app.extensions:
        return None
    trust: TrustStore | None = current_app.extensions["cds_trust"]
    iss: str | None = g.get("cds_client_iss")
    if trust is None or iss is None:
        return lambda _url: False
    return partial(trust.fhir_server_allowed, iss, g.get("cds_client_tenant"))


def install_auth(app: Flask, settings: Settings, store: Store) -> None:
    if not settings.auth_enabled:
        log.warning(
            "!!! JWT AUTH IS DISABLED (CDS_DEV_DISABLE_AUTH) — anyone can call this service and read "
            "its advice. Development only; never run like this with patient data. !!!",
            extra={"event": "auth_disabled"},
        )
        return

    verifier = build_verifier(settings, store)
    app.extensions["cds_trust"] = verifier.trust
    base = settings.public_base_url.rstrip("/")

    @app.before_request
    def _verify_cds_jwt() -> None:
        if request.method == "OPTIONS" or not is_protected(request.path):
            return
        token = bearer_token(request.headers.get("Authorization"))
        try:
            if token is None:
                raise AuthFailure("no bearer token")
            verified = verifier.verify(token, audience=base + request.path)
        except AuthFailure as exc:
            log.warning(
                "JWT rejected",
                extra={
                    "event": "auth_rejected",
                    "reason": str(exc),
                    "method": request.method,
                    "path": request.path,
                },
            )
            raise Unauthorized("Unauthorized") from None
        g.cds_client_iss = verified.iss
        g.cds_client_tenant = verified.tenant
