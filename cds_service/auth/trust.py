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
        "fhir_servers": ["https://ehr.example.org/fhir/r4"],
        "tenant_fhir_servers": {"2ddd6c3a-...": ["https://tenant.example.org/fhir"]},  # optional
        "allow_loopback_http": false,                                 # optional, tests only
        "smart_client_id": "radicular-pathway"                        # optional
      }
    }

A token's ``jku`` header is honoured only when it is on its issuer's ``jku_allowlist``; keys are
then also looked up there. Nothing else is ever fetched. Remote key sets are cached for
``jwks_cache_ttl_seconds`` and re-fetched on an unknown ``kid`` at most once per
``jwks_refresh_min_interval_seconds``. Symmetric (``oct``) and private keys are never loaded.
With a ``tenant_allowlist``, the issuer's tokens must carry one of those ``tenant`` values.

``fhir_servers`` are the FHIR base URLs this issuer's calls may name as ``fhirServer``; a call's
``fhirServer`` (and, with it, the EHR's access token) is used only when it equals one of them,
ignoring a trailing slash and the case of scheme and host. ``tenant_fhir_servers`` adds base URLs
for calls whose token carries that ``tenant``. Base URLs must be ``https`` without user info,
query or fragment; ``http`` to a loopback host only when ``allow_loopback_http`` is true (local
tests). An issuer without ``fhir_servers`` may still call with complete prefetch, but no FHIR
server of its is ever contacted.

The pathway app accepts a SMART launch only from a FHIR server listed here (its ``iss``), as a
public client with the issuer's ``smart_client_id``, or the service's default client id.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
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


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback_host(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1."""
    host = host.lower().strip("[]")
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalise_fhir_base(url: str) -> str:
    """A FHIR base URL as compared against the allowlist: scheme and host in lower case, no
    trailing slash. Raises ``ValueError`` for anything that is not an absolute http(s) URL with a
    host, or that carries user info, a query or a fragment."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an absolute http(s) URL")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ValueError("user info in the URL")
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise ValueError("a query or fragment in a base URL")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("a malformed port") from None
    host = parts.hostname.lower()
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return f"{scheme}://{netloc}{parts.path}".rstrip("/")


def scheme_allowed(url: str, *, allow_loopback_http: bool) -> bool:
    """https always; http only to a loopback host and only when allowed."""
    parts = urlsplit(url)
    if parts.scheme.lower() == "https":
        return True
    return parts.scheme.lower() == "http" and allow_loopback_http and is_loopback_host(parts.hostname or "")


def dev_fhir_server_allowed(allowlist: frozenset[str], url: str) -> bool:
    """The FHIR servers a call may name when authentication is off (development): any server on a
    loopback host (http or https), and those listed in ``CDS_FHIR_SERVERS`` (normalised)."""
    try:
        base = normalise_fhir_base(url)
    except ValueError:
        return False
    return base in allowlist or is_loopback_host(urlsplit(base).hostname or "")


def _checked_bases(
    urls: Iterable[str], *, allow_loopback_http: bool, error: Callable[[str], Exception], hint: str = ""
) -> frozenset[str]:
    """Normalised base URLs; the first unusable one raises ``error(message)``."""
    out: set[str] = set()
    for url in urls:
        try:
            base = normalise_fhir_base(url)
        except ValueError as exc:
            raise error(f"{url!r} is not a usable FHIR base URL ({exc})") from None
        if not scheme_allowed(base, allow_loopback_http=allow_loopback_http):
            raise error(f"{url!r} must be https (http only to a loopback host{hint})")
        out.add(base)
    return frozenset(out)


def normalise_allowlist(urls: Iterable[str], what: str) -> frozenset[str]:
    """Normalised base URLs of a setting; a malformed entry stops the service."""
    return _checked_bases(urls, allow_loopback_http=True, error=lambda msg: SettingsError(f"{what}: {msg}"))


@dataclass(frozen=True)
class IssuerTrust:
    issuer: str
    key_sets: tuple[KeySource, ...]
    jku_allowlist: Mapping[str, RemoteKeySet] = field(default_factory=dict)
    tenant_allowlist: frozenset[str] | None = None  # None: any tenant, or none
    fhir_servers: frozenset[str] = frozenset()  # normalised base URLs (normalise_fhir_base)
    tenant_fhir_servers: Mapping[str, frozenset[str]] = field(default_factory=dict)
    allow_loopback_http: bool = False
    smart_client_id: str | None = None  # the pathway app's client id at this EHR

    def fhir_server_allowed(self, tenant: str | None, url: str) -> bool:
        try:
            base = normalise_fhir_base(url)
        except ValueError:
            return False
        if not scheme_allowed(base, allow_loopback_http=self.allow_loopback_http):
            return False
        if base in self.fhir_servers:
            return True
        return tenant is not None and base in self.tenant_fhir_servers.get(tenant, frozenset())

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
        """May a call authenticated as ``issuer`` (and ``tenant``) have us contact ``url``?"""
        entry = self.issuers.get(issuer)
        return entry is not None and entry.fhir_server_allowed(tenant, url)

    def all_fhir_servers(self) -> frozenset[str]:
        """Every FHIR base URL any issuer or tenant lists (normalised: no trailing slash)."""
        out: set[str] = set()
        for entry in self.issuers.values():
            out |= entry.fhir_servers
            for servers in entry.tenant_fhir_servers.values():
                out |= servers
        return frozenset(out)

    def smart_client_id(self, fhir_server: str) -> str | None:
        """The pathway app's client id at the EHR that lists this FHIR server, when the file names one."""
        try:
            base = normalise_fhir_base(fhir_server)
        except ValueError:
            return None
        for entry in self.issuers.values():
            listed = entry.fhir_servers.union(*entry.tenant_fhir_servers.values())
            if base in listed and entry.smart_client_id:
                return entry.smart_client_id
        return None


def _fhir_server_list(value: Any, what: str, path: Path, *, allow_loopback_http: bool) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
        raise TrustConfigError(f"trust file {path}: {what} must be a list of FHIR base URLs")
    return _checked_bases(
        value,
        allow_loopback_http=allow_loopback_http,
        error=lambda msg: TrustConfigError(f"trust file {path}: {what}: {msg}"),
        hint=", and only with allow_loopback_http: true",
    )


def _smart_client_id(entry: Mapping[str, Any], iss: str, path: Path) -> str | None:
    client_id = entry.get("smart_client_id")
    if client_id is not None and (not isinstance(client_id, str) or not client_id.strip()):
        raise TrustConfigError(f"trust file {path}: smart_client_id of {iss!r} must be a non-empty text")
    return client_id


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
        issuers[iss] = _issuer_trust(iss, entry, path, remote_set)
    if not issuers:
        raise TrustConfigError(f"trust file {path}: no issuers")
    return TrustStore(issuers)


def _issuer_trust(
    iss: str, entry: Mapping[str, Any], path: Path, remote_set: Callable[[str], RemoteKeySet]
) -> IssuerTrust:
    """One issuer's entry of the trust file, checked: its keys, jku allowlist, tenants, FHIR servers."""
    sets = _key_sets(iss, entry, path, remote_set)
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
    if not sets and not jkus:
        raise TrustConfigError(f"trust file {path}: {iss!r} has no jwks, jwks_file, jwks_url or jku")
    loopback_http = entry.get("allow_loopback_http", False)
    if not isinstance(loopback_http, bool):
        raise TrustConfigError(f"trust file {path}: allow_loopback_http of {iss!r} must be true or false")
    servers, tenant_servers = _fhir_servers(iss, entry, path, loopback_http)
    return IssuerTrust(
        issuer=iss,
        key_sets=tuple(sets),
        jku_allowlist=jkus,
        tenant_allowlist=frozenset(tenants) if tenants is not None else None,
        fhir_servers=servers,
        tenant_fhir_servers=tenant_servers,
        allow_loopback_http=loopback_http,
        smart_client_id=_smart_client_id(entry, iss, path),
    )


def _key_sets(
    iss: str, entry: Mapping[str, Any], path: Path, remote_set: Callable[[str], RemoteKeySet]
) -> list[KeySource]:
    """The issuer's key sets: inline ``jwks``, a ``jwks_file`` beside the trust file, a ``jwks_url``."""
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
    return sets


def _fhir_servers(
    iss: str, entry: Mapping[str, Any], path: Path, loopback_http: bool
) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """The issuer's FHIR base URLs, and those added per tenant."""
    servers = _fhir_server_list(
        entry.get("fhir_servers", []), f"fhir_servers of {iss!r}", path, allow_loopback_http=loopback_http
    )
    per_tenant = entry.get("tenant_fhir_servers", {})
    if not isinstance(per_tenant, Mapping):
        raise TrustConfigError(f"trust file {path}: tenant_fhir_servers of {iss!r} must be an object")
    tenant_servers = {
        str(t): _fhir_server_list(
            urls, f"tenant_fhir_servers[{t!r}] of {iss!r}", path, allow_loopback_http=loopback_http
        )
        for t, urls in per_tenant.items()
    }
    return servers, tenant_servers
