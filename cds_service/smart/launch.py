"""SMART App Launch 2.0, EHR launch, as a public client: discovery, the authorization request
with PKCE (S256) and a state, the token exchange. Authlib does the OAuth work.

Every failure is a ``LaunchError`` whose message is safe to show and to log: it names what went
wrong, never a token, code, verifier or patient.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from cds_service.auth.trust import TrustStore, normalise_fhir_base
from cds_service.smart.sessions import AppSession, PendingLaunch

SCOPES_V2 = "launch openid fhirUser patient/*.rs"
SCOPES_V1 = "launch openid fhirUser patient/*.read"  # SMART v1 servers know only these
MAX_CONFIG_BYTES = 256 * 1024
log = logging.getLogger("cds_service.smart")

PUBLIC_CLIENT = "none"  # token endpoint auth method of a public client: no secret at all
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "ES256", "ES384"]  # asymmetric only: a public client has no secret
ID_TOKEN_LEEWAY = 60
# fhirUser: a FHIR resource (absolute URL or relative), of a type that can be a user
_FHIR_USER = re.compile(
    r"(?:^|/)((?:Practitioner|PractitionerRole|Patient|RelatedPerson|Person)/[A-Za-z0-9\-.]{1,64})$"
)


class LaunchError(Exception):
    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


@dataclass(frozen=True)
class SmartConfiguration:
    authorization_endpoint: str
    token_endpoint: str
    capabilities: tuple[str, ...]
    scopes_supported: tuple[str, ...]
    issuer: str = ""  # OpenID Connect issuer, when the server signs id_tokens
    jwks_uri: str = ""

    @property
    def scope(self) -> str:
        """v2 scopes, unless the server says it speaks only SMART v1."""
        v2 = "permission-v2" in self.capabilities or any(".rs" in s for s in self.scopes_supported)
        v1_only = not v2 and (
            "permission-v1" in self.capabilities or any(s.endswith(".read") for s in self.scopes_supported)
        )
        return SCOPES_V1 if v1_only else SCOPES_V2


def allowed_issuer(trust: TrustStore | None, iss: str) -> str | None:
    """The launch's ``iss`` as the trust file lists it, or None when it is not an allowed FHIR server."""
    if trust is None or not iss:
        return None
    try:
        url = normalise_fhir_base(iss)
    except ValueError:
        return None
    return url if url in trust.all_fhir_servers() else None


def _endpoint(config: dict[str, Any], name: str, iss: str) -> str:
    url = config.get(name)
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or not parts.netloc or parts.scheme not in ("https", "http"):
        raise LaunchError(502, "The EHR's SMART configuration is incomplete", f"It has no usable {name}.")
    # plain http only where the FHIR server itself is plain http (a loopback server the trust file allows)
    if parts.scheme == "http" and urlsplit(iss).scheme != "http":
        raise LaunchError(502, "The EHR's SMART configuration is not secure", f"Its {name} is not https.")
    return str(url)


def discover(session: requests.Session, iss: str, timeout: float) -> SmartConfiguration:
    """GET ``{iss}/.well-known/smart-configuration``: no redirects, a size cap, JSON checked."""
    url = iss.rstrip("/") + "/.well-known/smart-configuration"
    try:
        with session.get(
            url, headers={"Accept": "application/json"}, timeout=timeout, allow_redirects=False, stream=True
        ) as resp:
            if resp.status_code != 200:
                raise LaunchError(
                    502,
                    "The EHR's SMART configuration could not be read",
                    f"It answered HTTP {resp.status_code}.",
                )
            body = resp.raw.read(MAX_CONFIG_BYTES + 1, decode_content=True)
    except requests.RequestException as exc:
        raise LaunchError(
            502,
            "The EHR's SMART configuration could not be read",
            f"The EHR did not answer ({type(exc).__name__}).",
        ) from None
    if len(body) > MAX_CONFIG_BYTES:
        raise LaunchError(502, "The EHR's SMART configuration could not be read", "It is too large.")
    try:
        config = json.loads(body)
    except ValueError:
        config = None
    if not isinstance(config, dict):
        raise LaunchError(502, "The EHR's SMART configuration could not be read", "It is not a JSON object.")
    caps, scopes = config.get("capabilities", []), config.get("scopes_supported", [])
    return SmartConfiguration(
        authorization_endpoint=_endpoint(config, "authorization_endpoint", iss),
        token_endpoint=_endpoint(config, "token_endpoint", iss),
        capabilities=tuple(c for c in caps if isinstance(c, str)) if isinstance(caps, list) else (),
        scopes_supported=tuple(s for s in scopes if isinstance(s, str)) if isinstance(scopes, list) else (),
        issuer=config["issuer"] if isinstance(config.get("issuer"), str) else "",
        jwks_uri=_endpoint(config, "jwks_uri", iss) if config.get("jwks_uri") else "",
    )


def authorization_request(
    config: SmartConfiguration,
    *,
    iss: str,
    launch: str,
    client_id: str,
    redirect_uri: str,
    aud: str | None = None,
) -> tuple[str, PendingLaunch]:
    """The URL to send the browser to, and what must be kept (server-side) to finish the launch.
    ``aud`` is the FHIR base URL exactly as the EHR sent it (default ``iss``)."""
    verifier = generate_token(64)
    client = OAuth2Session(
        client_id=client_id,
        scope=config.scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method=PUBLIC_CLIENT,
    )
    with client:
        url, state = client.create_authorization_url(
            config.authorization_endpoint, code_verifier=verifier, launch=launch, aud=aud or iss
        )
    pending = PendingLaunch(
        iss=iss,
        client_id=client_id,
        state=state,
        code_verifier=verifier,
        token_endpoint=config.token_endpoint,
        redirect_uri=redirect_uri,
        scope=config.scope,
        issuer=config.issuer,
        jwks_uri=config.jwks_uri,
    )
    return url, pending


def exchange_code(pending: PendingLaunch, *, code: str, timeout: float) -> AppSession:
    """Trade the code (with the PKCE verifier) for a token; the token response must name the patient."""
    client = OAuth2Session(
        client_id=pending.client_id,
        redirect_uri=pending.redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method=PUBLIC_CLIENT,
    )
    try:
        with client:
            token = client.fetch_token(
                pending.token_endpoint,
                grant_type="authorization_code",
                code=code,
                code_verifier=pending.code_verifier,
                timeout=timeout,
                allow_redirects=False,
            )
    except OAuthError as exc:
        raise LaunchError(
            502,
            "The EHR did not issue an access token",
            f"Its authorization server refused the exchange ({_safe(exc.error)}).",
        ) from None
    except (requests.RequestException, ValueError, AuthlibBaseError) as exc:
        raise LaunchError(
            502, "The EHR did not issue an access token", f"Its token endpoint failed ({type(exc).__name__})."
        ) from None
    access_token, patient = token.get("access_token"), token.get("patient")
    if not isinstance(access_token, str) or not access_token:
        raise LaunchError(502, "The EHR did not issue an access token", "The token response holds none.")
    if str(token.get("token_type", "")).lower() != "bearer":
        raise LaunchError(502, "The EHR issued an unusable token", "It is not a Bearer token.")
    if not isinstance(patient, str) or not patient:
        raise LaunchError(
            400, "No patient in context", "The EHR launched the app without a patient; open it from a chart."
        )
    expires_in = token.get("expires_in")
    app_context = token.get("appContext")
    id_token = token.get("id_token")
    user = fhir_user(pending, id_token, timeout) if isinstance(id_token, str) and id_token else None
    return AppSession(
        iss=pending.iss,
        patient_id=patient,
        access_token=access_token,
        scope=str(token.get("scope") or pending.scope),
        expires_in=int(expires_in) if isinstance(expires_in, int | float) and expires_in > 0 else None,
        app_context=app_context if isinstance(app_context, str) and len(app_context) <= 64 else None,
        client_id=pending.client_id,
        user=user,
    )


def fhir_user(pending: PendingLaunch, id_token: str, timeout: float) -> str | None:
    """The ``fhirUser`` of the id_token as ``Type/id``, after joserfc (Authlib's JOSE library) has
    verified the token's signature against the issuer's JWKS — the ``jwks_uri`` of its
    smart-configuration, else of its OpenID Connect discovery document — its issuer, audience
    (this client) and times. None when the token names no usable fhirUser, or when the
    smart-configuration names no issuer to verify it against; a LaunchError when the token cannot
    be verified (the launch is then refused, not attributed to someone unchecked)."""
    if not pending.issuer:
        log.warning("id_token not verifiable: no issuer", extra={"event": "app_id_token_no_issuer"})
        return None
    http = requests.Session()
    http.trust_env = False
    with http:
        jwks_uri = pending.jwks_uri
        if not jwks_uri:
            oidc = _fetch_json(
                http, pending.issuer.rstrip("/") + "/.well-known/openid-configuration", timeout
            )
            if not isinstance(oidc, dict) or oidc.get("issuer") != pending.issuer:
                raise LaunchError(
                    502,
                    "The EHR's identity token could not be verified",
                    "Its issuer publishes no OpenID Connect configuration of its own.",
                )
            try:
                jwks_uri = _endpoint(oidc, "jwks_uri", pending.iss)
            except LaunchError as err:
                raise LaunchError(
                    502, "The EHR's identity token could not be verified", err.message
                ) from None
        jwks = _fetch_json(http, jwks_uri, timeout)
    try:
        if not isinstance(jwks, dict):
            raise ValueError("no JWKS")
        keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]  # checked by joserfc
        claims = jwt.decode(id_token, keys, algorithms=ID_TOKEN_ALGORITHMS).claims
        jwt.JWTClaimsRegistry(
            leeway=ID_TOKEN_LEEWAY,
            iss={"essential": True, "value": pending.issuer},
            aud={"essential": True, "value": pending.client_id},
            exp={"essential": True},
        ).validate(claims)
    except (JoseError, ValueError, TypeError, KeyError):
        raise LaunchError(
            502,
            "The EHR's identity token could not be verified",
            "Its signature, issuer, audience or validity did not check out.",
        ) from None
    raw = claims.get("fhirUser")
    match = _FHIR_USER.search(raw) if isinstance(raw, str) else None
    return match.group(1) if match else None


def _fetch_json(http: requests.Session, url: str, timeout: float) -> Any:
    """A small JSON document (no redirects, a size cap), or None on any failure."""
    try:
        with http.get(
            url, headers={"Accept": "application/json"}, timeout=timeout, allow_redirects=False, stream=True
        ) as resp:
            if resp.status_code != 200:
                return None
            body = resp.raw.read(MAX_CONFIG_BYTES + 1, decode_content=True)
    except requests.RequestException:
        return None
    if len(body) > MAX_CONFIG_BYTES:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _safe(error: object) -> str:
    text = str(error or "error")
    return text if text.replace("_", "").isalnum() and len(text) <= 40 else "error"
