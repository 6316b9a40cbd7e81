"""Which EHRs we trust, and with which keys.

The trust file is JSON mapping each allowed issuer (the JWT ``iss``) to where its public keys are::

    {
      "_comment": "keys starting with an underscore are ignored",
      "https://ehr.example.org": {
        "jwks_url": "https://ehr.example.org/.well-known/jwks.json",   # or
        "jwks_file": "ehr-jwks.json",                                  # relative to this file, or
        "jwks": {"keys": [...]},                                       # inline
        "jku_allowlist": ["https://ehr.example.org/.well-known/jwks.json"],
        "tenant_allowlist": ["2ddd6c3a-..."],                         # optional
        "fhir_servers": ["https://ehr.example.org/fhir"],             # optional
        "allow_loopback_http": false,                                 # optional
        "smart_client_id": "radicular-pathway"                        # optional
      }
    }

A token's ``jku`` header is honoured only when it is on its issuer's ``jku_allowlist``; keys are
then also looked up there. Nothing else is ever fetched. Remote key sets are cached for
``jwks_cache_ttl_seconds`` and re-fetched on an unknown ``kid`` at most once per
``jwks_refresh_min_interval_seconds``. Symmetric (``oct``) and private keys are never loaded.
With a ``tenant_allowlist``, the issuer's tokens must carry one of those ``tenant`` values.

``fhir_servers`` lists the FHIR base URLs of that EHR (https; plain http only for a loopback host
and only with ``"allow_loopback_http": true``, for tests). A SMART launch of the pathway app is
accepted only from one of them (its ``iss``), with the issuer's ``smart_client_id`` — a public
client — or the service's default client id.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from cds_service.settings import SettingsError

log = logging.getLogger(__name__)

MAX_JWKS_BYTES = 256 * 1024
FETCH_TIMEOUT_SECONDS = 5.0
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})

Jwk = dict[str, Any]
Fetch = Callable[[str], Mapping[str, Any]]


class TrustConfigError(SettingsError):
    """The trust file is missing, unreadable or malformed; the service refuses to start."""


class KeySetError(Exception):
    """A remote key set could not be fetched or parsed."""


def parse_jwks(obj: Any, origin: str) -> dict[str, Jwk]:
    """kid → public JWK, keeping only asymmetric signing keys that carry a kid."""
    if not isinstance(obj, Mapping) or not isinstance(obj.get("keys"), list):
        raise KeySetError(f"{origin}: not a JWK Set (no 'keys' array)")
    keys: dict[str, Jwk] = {}
    for jwk in obj["keys"]:
        if not isinstance(jwk, Mapping):
            continue
        kid, kty = jwk.get("kid"), jwk.get("kty")
        if not isinstance(kid, str) or not kid or kty not in ("EC", "RSA", "OKP"):
            log.warning("key set %s: skipping a key without kid or of unsupported type %r", origin, kty)
            continue
        if PRIVATE_MEMBERS & set(jwk):
            log.error("key set %s: key %r carries private material; it is ignored", origin, kid)
            continue
        if jwk.get("use", "sig") != "sig":
            continue
        keys[kid] = dict(jwk)
    return keys


def _require_https(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise TrustConfigError(f"trust file: {what} must be an https URL, not {url!r}")
    return url


def fetch_jwks(url: str) -> Mapping[str, Any]:
    """GET a JWK Set over https: timeout, no redirects, size cap."""
    if urlsplit(url).scheme != "https":
        raise KeySetError(f"refusing to fetch a key set over {urlsplit(url).scheme or 'no scheme'}")
    try:
        with requests.get(
            url,
            timeout=FETCH_TIMEOUT_SECONDS,
            allow_redirects=False,
            stream=True,
            headers={"Accept": "application/json, application/jwk-set+json"},
        ) as resp:
            if resp.status_code != 200:
                raise KeySetError(f"{url}: HTTP {resp.status_code}")
            body = b""
            for chunk in resp.iter_content(chunk_size=16384):
                body += chunk
                if len(body) > MAX_JWKS_BYTES:
                    raise KeySetError(f"{url}: key set larger than {MAX_JWKS_BYTES} bytes")
    except requests.RequestException as exc:
        raise KeySetError(f"{url}: {type(exc).__name__}") from exc
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise KeySetError(f"{url}: not JSON") from exc
    if not isinstance(data, Mapping):
        raise KeySetError(f"{url}: not a JSON object")
    return data


class StaticKeySet:
    """Keys exchanged out of band (inline or a local file)."""

    def __init__(self, keys: Mapping[str, Jwk]) -> None:
        self._keys = dict(keys)

    def get(self, kid: str) -> Jwk | None:
        return self._keys.get(kid)


class RemoteKeySet:
    """A key set at an https URL: cached with a TTL; re-fetched on an unknown kid, rate-limited."""

    def __init__(
        self,
        url: str,
        *,
        ttl_seconds: float,
        min_refresh_interval_seconds: float,
        fetch: Fetch = fetch_jwks,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._ttl = ttl_seconds
        self._min_interval = min_refresh_interval_seconds
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, Jwk] = {}
        self._fetched_at: float | None = None  # last successful fetch
        self._attempted_at: float | None = None  # last attempt, successful or not
        self.fetch_count = 0

    def _may_attempt(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= self._min_interval

    def _refresh(self, now: float) -> None:
        self._attempted_at = now
        self.fetch_count += 1
        try:
            keys = parse_jwks(self._fetch(self.url), self.url)
        except KeySetError as exc:
            # Keep serving the keys we had: an outage of the EHR's key endpoint must not lock it out.
            log.warning("key set refresh failed: %s", exc)
            return
        self._keys, self._fetched_at = keys, now

    def get(self, kid: str) -> Jwk | None:
        with self._lock:
            now = self._clock()
            stale = self._fetched_at is None or now - self._fetched_at >= self._ttl
            if stale and self._may_attempt(now):
                self._refresh(now)
            key = self._keys.get(kid)
            if key is None and self._may_attempt(now):
                self._refresh(now)
                key = self._keys.get(kid)
            return key


KeySource = StaticKeySet | RemoteKeySet


def normalise_base_url(url: str) -> str:
    """A FHIR base URL as compared: scheme and host lower-cased, no trailing slash, no query."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def _loopback(host: str | None) -> bool:
    return host in ("localhost", "127.0.0.1", "::1")


def _fhir_servers(entry: Mapping[str, Any], iss: str, path: Path) -> tuple[str, ...]:
    servers = entry.get("fhir_servers", [])
    if not isinstance(servers, list) or not all(isinstance(u, str) and u for u in servers):
        raise TrustConfigError(f"trust file {path}: fhir_servers of {iss!r} must be a list of URLs")
    loopback_http = entry.get("allow_loopback_http", False)
    if not isinstance(loopback_http, bool):
        raise TrustConfigError(f"trust file {path}: allow_loopback_http of {iss!r} must be true or false")
    out = []
    for url in servers:
        parts = urlsplit(url)
        plain_ok = parts.scheme == "http" and loopback_http and _loopback(parts.hostname)
        if not parts.netloc or (parts.scheme != "https" and not plain_ok) or parts.query or parts.fragment:
            raise TrustConfigError(
                f"trust file {path}: fhir_servers entry {url!r} of {iss!r} must be an https base URL "
                "(http only for a loopback host with allow_loopback_http)"
            )
        out.append(normalise_base_url(url))
    return tuple(out)


@dataclass(frozen=True)
class IssuerTrust:
    issuer: str
    key_sets: tuple[KeySource, ...]
    jku_allowlist: Mapping[str, RemoteKeySet] = field(default_factory=dict)
    tenant_allowlist: frozenset[str] | None = None  # None: any tenant, or none
    fhir_servers: tuple[str, ...] = ()  # normalised FHIR base URLs of this EHR
    smart_client_id: str | None = None  # the pathway app's client id at this EHR

    def key_for(self, kid: str, jku: str | None) -> Jwk | None:
        """The issuer's key with this kid: out-of-band sets first, then the (allowlisted) jku."""
        for ks in self.key_sets:
            key = ks.get(kid)
            if key is not None:
                return key
        if jku is not None and jku in self.jku_allowlist:
            return self.jku_allowlist[jku].get(kid)
        return None


class TrustStore:
    def __init__(self, issuers: Mapping[str, IssuerTrust]) -> None:
        self.issuers = dict(issuers)

    def issuer(self, iss: str) -> IssuerTrust | None:
        return self.issuers.get(iss)

    def fhir_server_allowed(self, issuer: str, tenant: str | None, url: str) -> bool:
        """Is ``url`` one of the FHIR servers listed for this issuer (and tenant, when it has a list)?"""
        entry = self.issuers.get(issuer)
        if entry is None:
            return False
        if entry.tenant_allowlist is not None and tenant is not None and tenant not in entry.tenant_allowlist:
            return False
        return normalise_base_url(url) in entry.fhir_servers

    def all_fhir_servers(self) -> frozenset[str]:
        """Every FHIR base URL the trust file lists, of any issuer."""
        return frozenset(u for entry in self.issuers.values() for u in entry.fhir_servers)

    def smart_client_id(self, fhir_server: str) -> str | None:
        """The pathway app's client id at the EHR that lists this FHIR server, when the file names one."""
        url = normalise_base_url(fhir_server)
        for entry in self.issuers.values():
            if url in entry.fhir_servers and entry.smart_client_id:
                return entry.smart_client_id
        return None


def load_trust(
    path: str | Path,
    *,
    ttl_seconds: float = 3600,
    min_refresh_interval_seconds: float = 60,
    fetch: Fetch = fetch_jwks,
    clock: Callable[[], float] = time.monotonic,
) -> TrustStore:
    """Read and check a trust file; remote key sets are fetched lazily, on first use."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TrustConfigError(f"trust file {path}: cannot be read as JSON ({type(exc).__name__})") from exc
    if not isinstance(raw, Mapping):
        raise TrustConfigError(f"trust file {path}: must be a JSON object mapping issuer to keys")

    remote: dict[str, RemoteKeySet] = {}

    def remote_set(url: str) -> RemoteKeySet:
        if url not in remote:
            remote[url] = RemoteKeySet(
                url,
                ttl_seconds=ttl_seconds,
                min_refresh_interval_seconds=min_refresh_interval_seconds,
                fetch=fetch,
                clock=clock,
            )
        return remote[url]

    issuers: dict[str, IssuerTrust] = {}
    for iss, entry in raw.items():
        if iss.startswith("_"):
            continue
        if not isinstance(entry, Mapping):
            raise TrustConfigError(f"trust file {path}: entry for {iss!r} must be an object")
        sets: list[KeySource] = []
        try:
            if "jwks" in entry:
                sets.append(StaticKeySet(parse_jwks(entry["jwks"], f"{path}:{iss}")))
            if "jwks_file" in entry:
                key_file = path.parent / str(entry["jwks_file"])
                sets.append(StaticKeySet(parse_jwks(json.loads(key_file.read_text("utf-8")), str(key_file))))
        except (OSError, ValueError, KeySetError) as exc:
            raise TrustConfigError(f"trust file {path}: keys of {iss!r} unusable ({exc})") from exc
        if "jwks_url" in entry:
            sets.append(remote_set(_require_https(str(entry["jwks_url"]), f"jwks_url of {iss!r}")))
        allow = entry.get("jku_allowlist", [])
        if not isinstance(allow, list) or not all(isinstance(u, str) for u in allow):
            raise TrustConfigError(f"trust file {path}: jku_allowlist of {iss!r} must be a list of URLs")
        jkus = {u: remote_set(_require_https(u, f"jku_allowlist entry of {iss!r}")) for u in allow}
        tenants = entry.get("tenant_allowlist")
        if tenants is not None and (
            not isinstance(tenants, list) or not all(isinstance(t, str) for t in tenants)
        ):
            raise TrustConfigError(
                f"trust file {path}: tenant_allowlist of {iss!r} must be a list of strings"
            )
        client_id = entry.get("smart_client_id")
        if client_id is not None and (not isinstance(client_id, str) or not client_id.strip()):
            raise TrustConfigError(f"trust file {path}: smart_client_id of {iss!r} must be a non-empty text")
        if not sets and not jkus:
            raise TrustConfigError(f"trust file {path}: {iss!r} has no jwks, jwks_file, jwks_url or jku")
        issuers[iss] = IssuerTrust(
            issuer=iss,
            key_sets=tuple(sets),
            jku_allowlist=jkus,
            tenant_allowlist=frozenset(tenants) if tenants is not None else None,
            fhir_servers=_fhir_servers(entry, iss, path),
            smart_client_id=client_id,
        )
    if not issuers:
        raise TrustConfigError(f"trust file {path}: no issuers")
    return TrustStore(issuers)
