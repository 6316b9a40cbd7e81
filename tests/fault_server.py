"""A fake FHIR server on loopback that misbehaves on purpose, for fault-injection tests.

A real socket server (``http.server.ThreadingHTTPServer``) in a background thread, bound to
127.0.0.1 on a free port. Each resource type (the first path segment) is answered by a
``Behaviour``: a plain function of the request that writes the response itself, so it can be
slow, truncated, huge, a redirect or a loop. Every byte received on every connection is
recorded as it was read from the socket, so a test can assert what a client did or did not
send (for instance, that an access token never arrived).

Answers are HTTP/1.0 with ``Connection: close``: a client socket still open after a call is
therefore a leak, not a pooled keep-alive connection. Every wait in a behaviour is bounded and
ends early when the server stops, so nothing outlives the test.
"""

from __future__ import annotations

import contextlib
import json
import socketserver
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, BinaryIO
from urllib.parse import parse_qs, urlsplit

THREAD_PREFIX = "fakefhir"


def _resource_type_of(path: str) -> str:
    """The resource type of a request path (the base URL ends in ``/fhir``)."""
    parts = urlsplit(path).path.strip("/").split("/")
    return parts[1] if len(parts) > 1 and parts[0] == "fhir" else parts[0]


@dataclass(frozen=True)
class Seen:
    """One request as received: method, path with query, headers, and the raw bytes read."""

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes

    @property
    def resource_type(self) -> str:
        return _resource_type_of(self.path)

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)


class _Tee:
    """Wraps the connection's read side and keeps a copy of every byte read from the socket."""

    def __init__(self, inner: BinaryIO, sink: bytearray) -> None:
        self._inner, self._sink = inner, sink

    def read(self, *args: Any) -> bytes:
        data = self._inner.read(*args)
        self._sink.extend(data)
        return data

    def readline(self, *args: Any) -> bytes:
        data = self._inner.readline(*args)
        self._sink.extend(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


Behaviour = Callable[["Handler", Seen], None]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = True
    fake: FakeFhirServer

    def process_request(self, request: Any, client_address: Any) -> None:
        # As ThreadingMixIn does, but the per-connection threads are named so that leak checks
        # can tell them from the service's own; server_close() joins them.
        threads = vars(self).setdefault("_threads", socketserver._Threads())  # type: ignore[attr-defined]
        t = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"{THREAD_PREFIX}-conn",
            daemon=True,
        )
        threads.append(t)
        t.start()


class Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def setup(self) -> None:
        super().setup()
        self._raw = bytearray()
        with self.server.fake.lock:
            self.server.fake.accepted += 1
            self.server.fake.received.append(self._raw)
        self.rfile = _Tee(self.rfile, self._raw)  # type: ignore[assignment]

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        fake = self.server.fake
        seen = Seen(self.command, self.path, {k: v for k, v in self.headers.items()}, bytes(self._raw))
        with fake.lock:
            fake.seen.append(seen)
        behaviour = fake.behaviour_for(seen.resource_type)
        # the client hanging up mid-answer is what some faults are for
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            behaviour(self, seen)

    # -- helpers for behaviours ------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self.server.fake.base_url

    @property
    def stopping(self) -> threading.Event:
        return self.server.fake.stopping

    def send_body(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/fhir+json",
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status: int, value: Any, headers: Iterable[tuple[str, str]] = ()) -> None:
        self.send_body(status, json.dumps(value).encode(), headers=headers)


@dataclass
class FakeFhirServer:
    """``with FakeFhirServer() as fhir: fhir.on("Condition", timeout_after(5))``."""

    default: Behaviour | None = None
    behaviours: dict[str, Behaviour] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    bytes_sent: dict[str, int] = field(default_factory=dict)  # by path, for huge bodies
    accepted: int = 0  # TCP connections accepted, whether or not a request followed
    received: list[bytearray] = field(default_factory=list)  # bytes read, per connection

    def __post_init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"{THREAD_PREFIX}-serve"
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/fhir"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def on(self, resource_type: str, behaviour: Behaviour) -> FakeFhirServer:
        self.behaviours[resource_type] = behaviour
        return self

    def behaviour_for(self, resource_type: str) -> Behaviour:
        return self.behaviours.get(resource_type) or self.default or empty_search

    def requests_for(self, resource_type: str) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.resource_type == resource_type]

    def raw_bytes(self) -> bytes:
        """Every byte read on every connection, parsed into a request or not."""
        with self.lock:
            return b"".join(bytes(r) for r in self.received)

    def connections(self) -> int:
        with self.lock:
            return len(self.seen)

    def start(self) -> FakeFhirServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()  # joins the per-connection threads (block_on_close)
        self._thread.join(timeout=10)

    def __enter__(self) -> FakeFhirServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


# ---------------------------------------------------------------------------------------------
# Behaviours


def searchset(resources: Iterable[dict[str, Any]] = (), next_url: str | None = None) -> dict[str, Any]:
    items = list(resources)
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(items),
        "entry": [{"resource": r} for r in items],
    }
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


def empty_search(h: Handler, seen: Seen) -> None:
    """A well-behaved answer: a read gives the resource, a search an empty searchset Bundle."""
    parts = urlsplit(seen.path).path.strip("/").split("/")
    if len(parts) >= 3:  # /fhir/Type/id
        h.send_json(200, {"resourceType": parts[1], "id": parts[2]})
    else:
        h.send_json(200, searchset())


def answer(resources: Iterable[dict[str, Any]]) -> Behaviour:
    items = list(resources)

    def behaviour(h: Handler, seen: Seen) -> None:
        h.send_json(200, searchset(items))

    return behaviour


def status(code: int, body: bytes = b"", content_type: str = "application/fhir+json") -> Behaviour:
    def behaviour(h: Handler, seen: Seen) -> None:
        payload = (
            body
            or json.dumps(
                {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "exception"}]}
            ).encode()
        )
        h.send_body(code, payload, content_type)

    return behaviour


HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1><p>The upstream server is not responding.</p></body></html>"
)


def html_page(code: int) -> Behaviour:
    return status(code, HTML_ERROR_PAGE, "text/html; charset=utf-8")


def invalid_json() -> Behaviour:
    """A truncated JSON body with a FHIR content type."""
    return status(200, b'{"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": {"resourceT')


def hang(seconds: float) -> Behaviour:
    """Accept the request and say nothing for ``seconds`` (or until the server stops)."""

    def behaviour(h: Handler, seen: Seen) -> None:
        h.stopping.wait(seconds)

    return behaviour


def trickle(seconds: float, interval: float = 0.2) -> Behaviour:
    """Send headers at once, then a byte of whitespace every ``interval`` for ``seconds``: each
    read succeeds well within any per-read timeout, but the body never ends in time."""

    def behaviour(h: Handler, seen: Seen) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/fhir+json")
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(b'{"resourceType": "Bundle", "type": "searchset", "entry": [')
        h.wfile.flush()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not h.stopping.wait(interval):
            h.wfile.write(b" ")
            h.wfile.flush()

    return behaviour


def slow_pages(delay: float, resources_per_page: int = 1, pages: int = 1000) -> Behaviour:
    """Every page waits ``delay`` seconds and links to the next one (same origin)."""

    def behaviour(h: Handler, seen: Seen) -> None:
        page = int(seen.query.get("page", ["0"])[0])
        if h.stopping.wait(delay):
            return
        base = urlsplit(seen.path).path
        nxt = f"{h.server.fake.origin}{base}?page={page + 1}" if page + 1 < pages else None
        rtype = _resource_type_of(seen.path)
        items = [{"resourceType": rtype, "id": f"p{page}-{i}"} for i in range(resources_per_page)]
        h.send_json(200, searchset(items, nxt))

    return behaviour


def endless_paging() -> Behaviour:
    """A ``next`` link that always points back at the same page (a paging loop)."""

    def behaviour(h: Handler, seen: Seen) -> None:
        h.send_json(200, searchset([], h.server.fake.origin + seen.path))

    return behaviour


def next_to(other_base: str) -> Behaviour:
    """One page whose ``next`` link points at another server (another origin)."""

    def behaviour(h: Handler, seen: Seen) -> None:
        rtype = _resource_type_of(seen.path)
        h.send_json(200, searchset([], f"{other_base}/{rtype}?page=2"))

    return behaviour


def redirect_to(other_base: str, code: int = 302) -> Behaviour:
    def behaviour(h: Handler, seen: Seen) -> None:
        rtype = _resource_type_of(seen.path)
        h.send_body(code, b"", "text/plain", headers=[("Location", f"{other_base}/{rtype}?moved=1")])

    return behaviour


def huge(size_bytes: int, declare_length: bool) -> Behaviour:
    """A ``size_bytes`` JSON body (one long string), with or without a Content-Length header.
    Stops writing as soon as the client hangs up; records how much it managed to send."""
    chunk = b"x" * 65536

    def behaviour(h: Handler, seen: Seen) -> None:
        head = b'{"resourceType": "Bundle", "type": "searchset", "id": "'
        tail = b'"}'
        filler = size_bytes - len(head) - len(tail)
        h.send_response(200)
        h.send_header("Content-Type", "application/fhir+json")
        if declare_length:
            h.send_header("Content-Length", str(size_bytes))
        h.send_header("Connection", "close")
        h.end_headers()
        sent = 0
        try:
            h.wfile.write(head)
            while sent < filler and not h.stopping.is_set():
                n = min(len(chunk), filler - sent)
                h.wfile.write(chunk[:n])
                sent += n
            h.wfile.write(tail)
            h.wfile.flush()
        finally:
            with h.server.fake.lock:
                h.server.fake.bytes_sent[seen.path] = sent

    return behaviour
