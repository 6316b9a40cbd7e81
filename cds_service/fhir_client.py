"""One FHIR client over one ``requests.Session``, for the prefetch fallback.

Every call has a timeout; foreign errors are translated once, here, into ``FhirError``
subclasses whose ``reason`` is short and safe to show (no URL, query or token). The bearer token
is sent only to the origin of the EHR's ``fhirServer``; Bundle ``next`` links are followed up to
a page cap and only on that origin. Responses above a size cap are refused. Redirects are not
followed (a redirect could carry the token elsewhere) and the environment (``.netrc``, proxies)
is not consulted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from cds_service.wire import decode_json

ACCEPT = "application/fhir+json, application/json;q=0.9"


class FhirError(Exception):
    """The FHIR server could not give us the data. ``reason`` is short and safe to display: it names
    the category that failed (unreachable, refused access, an error status, too slow, too large,
    not FHIR), never what answered (which status, which network error), so a response cannot be
    used to probe a network. ``detail`` says more, for the log only (never a URL or token)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail or reason


class FhirTimeout(FhirError):
    pass


class FhirNetworkError(FhirError):
    pass


class FhirAuthError(FhirError):
    """401 or 403 from the FHIR server."""


class FhirHttpError(FhirError):
    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason, f"HTTP {status}")
        self.status = status


class FhirResponseTooLarge(FhirError):
    pass


class FhirInvalidResponse(FhirError):
    pass


class Deadline:
    """The overall budget of one invocation's FHIR work, shared by its fetches: time, and bytes read
    across every key and page (``max_bytes``; ``None`` = no cap), so one call cannot hold more than
    that in memory however many keys and pages its FHIR server serves."""

    def __init__(self, seconds: float, clock: Any = time.monotonic, *, max_bytes: int | None = None) -> None:
        self.seconds = seconds
        self._clock = clock
        self.at = clock() + seconds
        self.max_bytes = max_bytes
        self.bytes_read = 0
        self._lock = threading.Lock()

    def charge(self, n: int) -> None:
        """Count ``n`` more bytes read for this call; over the cap raises ``FhirResponseTooLarge``."""
        if self.max_bytes is None:
            return
        with self._lock:
            self.bytes_read += n
            over = self.bytes_read > self.max_bytes
        if over:
            raise FhirResponseTooLarge(
                f"FHIR data of this call larger than {self.max_bytes} bytes in all", "call byte cap"
            )

    def remaining(self) -> float:
        return float(self.at - self._clock())

    @property
    def reason(self) -> str:
        return f"FHIR server did not answer within the {self.seconds:g} s budget"

    def check(self) -> None:
        if self.remaining() <= 0:
            raise FhirTimeout(self.reason)


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


@dataclass(frozen=True)
class SearchResult:
    """Resources from a read or a (paged) search. ``incomplete`` says why some were not read."""

    resources: tuple[dict[str, Any], ...]
    pages: int = 1
    incomplete: str | None = None
    single: bool = False  # a read of one resource, not a Bundle


class FhirClient:
    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        timeout: float = 5.0,
        page_cap: int = 10,
        max_response_bytes: int = 20 * 1024 * 1024,
    ) -> None:
        if session is None:
            session = requests.Session()
            # Several gunicorn threads each fetch up to CDS_FHIR_MAX_WORKERS keys in parallel from
            # the same EHR: keep enough pooled connections, and never retry behind the budget's back.
            adapter = requests.adapters.HTTPAdapter(pool_connections=8, pool_maxsize=32, max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        self.session = session
        self.session.trust_env = False
        self.timeout = timeout
        self.page_cap = max(1, page_cap)
        self.max_response_bytes = max_response_bytes

    def close(self) -> None:
        self.session.close()

    # -- single call ---------------------------------------------------------------------------

    def get_json(
        self, url: str, *, fhir_server: str, access_token: str | None, deadline: Deadline | None = None
    ) -> dict[str, Any]:
        """GET one URL. The token is attached only when ``url`` is on ``fhir_server``'s origin.
        With a ``deadline``, the call (connect, every read, the whole body) ends by it."""
        headers = {"Accept": ACCEPT}
        if access_token and origin(url) == origin(fhir_server):
            headers["Authorization"] = f"Bearer {access_token}"
        timeout = self.timeout
        if deadline is not None:
            deadline.check()
            timeout = min(timeout, max(deadline.remaining(), 0.05))
        try:
            resp = self.session.get(url, headers=headers, timeout=timeout, allow_redirects=False, stream=True)
        except requests.Timeout as exc:
            raise self._timeout(timeout, deadline) from exc
        except requests.RequestException as exc:
            raise FhirNetworkError("FHIR server unreachable", type(exc).__name__) from exc
        try:
            if resp.status_code in (401, 403):
                raise FhirAuthError("FHIR server refused access", f"HTTP {resp.status_code}")
            if resp.status_code >= 300:
                raise FhirHttpError("FHIR server answered with an error status", resp.status_code)
            body = self._read_capped(resp, timeout, deadline)
        finally:
            resp.close()
        try:
            data = decode_json(body)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested beyond the interpreter's depth
            raise FhirInvalidResponse("FHIR server answered with something that is not JSON") from exc
        if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
            raise FhirInvalidResponse("FHIR server answered with something that is not a FHIR resource")
        return data

    def _timeout(self, timeout: float, deadline: Deadline | None) -> FhirTimeout:
        if deadline is not None and timeout < self.timeout:
            return FhirTimeout(deadline.reason)
        return FhirTimeout(f"FHIR server did not answer within {self.timeout:g} s")

    def _read_capped(self, resp: requests.Response, timeout: float, deadline: Deadline | None) -> bytes:
        """The body, refusing more than the size cap and stopping at the deadline. Reads return as
        soon as any bytes arrive (``read1``), so a server that trickles cannot outlast the deadline."""
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_response_bytes:
            raise FhirResponseTooLarge(f"FHIR response larger than {self.max_response_bytes} bytes")
        chunks: list[bytes] = []
        size = 0
        raw = resp.raw
        try:
            while True:
                if deadline is not None:
                    deadline.check()
                chunk = raw.read1(65536, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > self.max_response_bytes:
                    raise FhirResponseTooLarge(f"FHIR response larger than {self.max_response_bytes} bytes")
                if deadline is not None:
                    deadline.charge(len(chunk))
                chunks.append(chunk)
        except (requests.Timeout, urllib3.exceptions.TimeoutError, TimeoutError) as exc:
            raise self._timeout(timeout, deadline) from exc
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise FhirNetworkError("FHIR server connection failed", type(exc).__name__) from exc
        return b"".join(chunks)

    # -- read or search with paging -------------------------------------------------------------

    def fetch(
        self, relative: str, *, fhir_server: str, access_token: str | None, deadline: Deadline | None = None
    ) -> SearchResult:
        """Run a rendered prefetch query (``Patient/1`` or ``Condition?patient=1``) on ``fhir_server``."""
        url = fhir_server.rstrip("/") + "/" + relative.lstrip("/")
        first = self.get_json(url, fhir_server=fhir_server, access_token=access_token, deadline=deadline)
        return self.collect(first, fhir_server=fhir_server, access_token=access_token, deadline=deadline)

    def collect(
        self,
        first: Mapping[str, Any],
        *,
        fhir_server: str | None,
        access_token: str | None,
        deadline: Deadline | None = None,
    ) -> SearchResult:
        """All resources of a resource or Bundle, following ``next`` links on the fhirServer origin."""
        if first.get("resourceType") != "Bundle":
            return SearchResult((dict(first),), pages=1, single=True)
        resources: list[dict[str, Any]] = list(bundle_resources(first))
        page = first
        pages = 1
        while True:
            nxt = next_link(page)
            if nxt is None:
                return SearchResult(tuple(resources), pages)
            if fhir_server is None:
                return SearchResult(
                    tuple(resources), pages, "more results were paged but no FHIR server was given"
                )
            nxt = urljoin(fhir_server.rstrip("/") + "/", nxt)
            if origin(nxt) != origin(fhir_server):
                return SearchResult(
                    tuple(resources), pages, "the next page is on another server and was not read"
                )
            if pages >= self.page_cap:
                return SearchResult(
                    tuple(resources), pages, f"only the first {self.page_cap} pages were read"
                )
            page = self.get_json(nxt, fhir_server=fhir_server, access_token=access_token, deadline=deadline)
            if page.get("resourceType") != "Bundle":
                raise FhirInvalidResponse("a next page of a search was not a Bundle")
            resources.extend(bundle_resources(page))
            pages += 1


def bundle_resources(bundle: Mapping[str, Any]) -> list[dict[str, Any]]:
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        return []
    return [r for e in entries if isinstance(e, dict) and isinstance(r := e.get("resource"), dict)]


def next_link(bundle: Mapping[str, Any]) -> str | None:
    links = bundle.get("link")
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            return str(link["url"])
    return None
