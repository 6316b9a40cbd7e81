"""CDS Hooks 2.0 JWT verification (spec §Trusting CDS Clients; conformance §1.H).

Order matters: nothing about the token is trusted, and no state is written, until the signature
has verified against a key of an allowed issuer; only then is the ``jti`` recorded.
Signature checking is PyJWT's; the time checks use an injected clock so they can be tested.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import jwt

from cds_service.auth.trust import IssuerTrust, Jwk, TrustStore
from cds_service.settings import SettingsError

log = logging.getLogger(__name__)

# Asymmetric signature algorithms PyJWT implements. `none` and HMAC are never allowed: a shared
# secret would let anyone holding the EHR's *public* key mint tokens.
ASYMMETRIC = frozenset(
    {"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"}
)
REQUIRED_CLAIMS = ("iss", "aud", "exp", "iat", "jti")


class ReplayGuard(Protocol):
    def remember_jti(self, iss: str, jti: str, expires_at: datetime) -> bool: ...


class AuthFailure(Exception):
    """Why a token was refused; for the log only — the client is told nothing."""


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    iss: str
    jti: str
    tenant: str | None
    claims: dict[str, Any]


def checked_algorithms(configured: Iterable[str]) -> tuple[str, ...]:
    algs = tuple(configured)
    bad = [a for a in algs if a not in ASYMMETRIC]
    if bad:
        raise SettingsError(f"JWT algorithms {bad} are not allowed; use asymmetric ones such as ES384, RS384")
    if not algs:
        raise SettingsError("no JWT algorithm allowed")
    return algs


def _number(claims: dict[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AuthFailure(f"claim {name} is not a number")
    try:
        number = float(value)
    except OverflowError:
        raise AuthFailure(f"claim {name} is out of range") from None
    if not math.isfinite(number):
        raise AuthFailure(f"claim {name} is out of range")
    return number


class JwtVerifier:
    def __init__(
        self,
        trust: TrustStore | None,
        replay: ReplayGuard,
        *,
        algorithms: Iterable[str] = ("ES384", "RS384"),
        skew_seconds: float = 60,
        max_lifetime_seconds: float = 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.trust = trust
        self.replay = replay
        self.algorithms = checked_algorithms(algorithms)
        self.skew = skew_seconds
        self.max_lifetime = max_lifetime_seconds
        self.clock = clock

    def verify(self, token: str, audience: str) -> VerifiedToken:
        if self.trust is None:
            raise AuthFailure("no trust file configured")
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise AuthFailure(f"malformed token ({type(exc).__name__})") from None
        alg, kid = self._checked_header(header)
        iss = unverified.get("iss")
        if not isinstance(iss, str) or not iss:
            raise AuthFailure("iss missing")
        issuer = self.trust.issuer(iss)
        if issuer is None:
            raise AuthFailure(f"issuer {iss[:100]!r} not trusted")
        jwk = _issuer_key(issuer, iss, header.get("jku"), kid, alg)
        claims = _verified_claims(token, jwk, alg, audience, iss)
        exp = self._checked_times(claims)
        jti, tenant = _checked_identity(claims, issuer, iss)
        expires_at = datetime.fromtimestamp(exp + self.skew, tz=UTC)
        if not self.replay.remember_jti(iss, jti, expires_at):
            raise AuthFailure("jti replayed")
        return VerifiedToken(iss=iss, jti=jti, tenant=tenant, claims=claims)

    def _checked_header(self, header: dict[str, Any]) -> tuple[str, str]:
        """The allowed ``alg`` and the ``kid`` of a header whose ``typ`` is JWT."""
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise AuthFailure(f"alg {str(alg)[:20]!r} not allowed")
        typ = header.get("typ")
        # A media type: case-insensitive, "application/" may be omitted (RFC 7515 §4.1.9).
        if not isinstance(typ, str) or typ.lower().removeprefix("application/") != "jwt":
            raise AuthFailure("typ is not JWT")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthFailure("kid missing")
        return str(alg), kid

    def _checked_times(self, claims: dict[str, Any]) -> float:
        """``exp``, ``iat`` and ``nbf`` against the clock, with the skew and lifetime allowed; ``exp``."""
        now = self.clock()
        exp, iat = _number(claims, "exp"), _number(claims, "iat")
        if now >= exp + self.skew:
            raise AuthFailure("token expired")
        if iat > now + self.skew:
            raise AuthFailure("token issued in the future")
        if exp - iat > self.max_lifetime or exp > now + self.max_lifetime + self.skew:
            raise AuthFailure("token lifetime longer than allowed")
        if "nbf" in claims and _number(claims, "nbf") > now + self.skew:
            raise AuthFailure("token not yet valid (nbf)")
        return exp


def _issuer_key(issuer: IssuerTrust, iss: str, jku: Any, kid: str, alg: str) -> Jwk:
    """The issuer's key for ``kid`` (from an allowed ``jku`` when the header names one)."""
    if jku is not None and (not isinstance(jku, str) or jku not in issuer.jku_allowlist):
        raise AuthFailure(f"jku {str(jku)[:100]!r} not on the allowlist of {iss!r}")
    jwk = issuer.key_for(kid, jku)
    if jwk is None:
        raise AuthFailure(f"kid {kid[:60]!r} unknown for {iss!r}")
    if jwk.get("alg") not in (None, alg):
        raise AuthFailure(f"alg {alg} does not match key {kid[:60]!r}")
    return jwk


def _verified_claims(token: str, jwk: Jwk, alg: str, audience: str, iss: str) -> dict[str, Any]:
    """The claims, once the signature, ``aud``, ``iss`` and the required claims have verified."""
    try:
        key = jwt.PyJWK(jwk, algorithm=alg)
        claims = jwt.decode(
            token,
            key=key,
            algorithms=[alg],
            audience=audience,
            issuer=iss,
            options={
                "require": list(REQUIRED_CLAIMS),
                "verify_exp": False,  # time claims are checked by _checked_times against the clock
                "verify_iat": False,
                "verify_nbf": False,
                "verify_sub": False,
                "verify_jti": False,
            },
        )
    except jwt.InvalidAudienceError:
        raise AuthFailure("aud is not the URL invoked") from None
    except jwt.MissingRequiredClaimError as exc:
        raise AuthFailure(f"claim {exc.claim} missing") from None
    except jwt.PyJWTError as exc:
        raise AuthFailure(f"signature or claims invalid ({type(exc).__name__})") from None
    aud = claims["aud"]
    if isinstance(aud, list) and len(aud) != 1:
        raise AuthFailure("aud has more than one value")
    return claims


def _checked_identity(claims: dict[str, Any], issuer: IssuerTrust, iss: str) -> tuple[str, str | None]:
    """``jti`` (required) and ``tenant`` (required when the issuer has a tenant allowlist)."""
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise AuthFailure("jti missing")
    tenant = claims.get("tenant")
    if issuer.tenant_allowlist is not None and (
        not isinstance(tenant, str) or tenant not in issuer.tenant_allowlist
    ):
        raise AuthFailure(f"tenant not allowed for {iss!r}")
    return jti, tenant if isinstance(tenant, str) else None
