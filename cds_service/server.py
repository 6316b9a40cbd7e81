"""The HTTP front of ``radicular-cds serve``: whole requests are read asynchronously before a
thread runs the Flask app, and whole responses are written asynchronously after it.

gunicorn runs ``uvicorn`` workers (``uvicorn_worker.UvicornWorker``); each worker's event loop
parses every request's headers and reads its whole body (up to the size limit) without a thread,
so a client that sends its headers or body one byte a second holds a socket and a few kilobytes,
never a thread that hook calls or ``/health`` need. Only a complete request is handed to the WSGI
app (Flask), once, on one of two thread pools; the thread returns the complete response (every
response of this service is a small document) and the event loop writes it, so a client that
reads its answer slowly does not hold a thread either:

- **calls** (``POST``): ``CDS_THREADS`` threads per worker. Evaluation is CPU-bound Python, so
  more threads do not add throughput; they let calls that wait on a slow FHIR server overlap.
- **light** (``GET``/``HEAD``/``OPTIONS``: ``/health``, discovery, the OpenAPI document, CORS
  pre-flight): their own threads, so ``/health`` answers while every call thread waits on a slow
  FHIR server.

One hand-off per request, rather than a thread that reads the body and writes each part of the
response through the event loop (``a2wsgi``'s streaming bridge), which costs a cross-thread round
trip per message: on a bare JSON echo the one-shot hand-off serves about twice the requests.
The WSGI environ is built by ``a2wsgi``.

A body larger than ``CDS_MAX_REQUEST_BYTES`` is refused with 413 as soon as it passes the limit
(declared or chunked), without reading the rest.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import gc
import io
import socket
import threading
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from a2wsgi.wsgi import build_environ
from gunicorn import util as gunicorn_util
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn_worker import UvicornWorker

from cds_service.errors import operation_outcome
from cds_service.spread import ConnectionSpread
from cds_service.wire import AFTER_RESPONSE, REQUEST_BODY, AfterResponse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

LIGHT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LIGHT_THREADS = 2
CLOSE = (b"connection", b"close")

# The workers' connection counts (see cds_service.spread): made by the master when it makes its
# first worker, inherited by every worker it forks. None outside ``serve`` (tests, other servers).
_spread: ConnectionSpread | None = None


class CountedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, counting this worker's open connections."""

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        if _spread is not None:
            _spread.opened()

    def connection_lost(self, exc: Exception | None) -> None:
        if _spread is not None:
            _spread.closed()
        super().connection_lost(exc)


class Worker(UvicornWorker):
    """gunicorn worker class: uvicorn on uvloop (asyncio's loop on libuv) with the httptools
    parser; no lifespan events (the app warms up when the worker loads it).

    The loop's thread parses every request and writes every response, and wakes once per call
    when the call's thread hands the answer back. On uvloop that costs less of the interpreter
    lock the call threads share. Measured side by side against asyncio's own loop, 8 alternating
    rounds, repeated chart at 8 connections: +7 % requests/s, −7 % CPU per request, p99 −15 %
    (medians of the paired rounds). Distinct charts, where validation dominates: within noise.

    Besides the listener the master shares (``shared_listener``), each worker listens, once it is
    warm, on a socket of its own bound to the same address with ``SO_REUSEPORT``, so the kernel
    spreads new connections over the workers that serve. On the shared listener alone, the first worker
    to wake accepts every waiting connection: 8 keep-alive connections opened together all landed
    on one worker and the other core sat idle. The kernel's hash is blind to how many connections
    each worker holds, so each worker counts its own (``CountedHttpToolsProtocol``) in memory the
    master shares with them, and one holding more than an even split answers with ``Connection:
    close`` until it does not (``cds_service.spread``).

    Once the app is loaded and warm, everything it holds (modules, model classes and validators,
    value sets, rule tables: some 150,000 objects) is moved out of the cyclic garbage collector's
    reach (``gc.freeze``). Those objects live as long as the worker; without this, every full
    collection walks all of them again, and a call that allocates much (a large chart's parsed
    body) triggers several: on a 2.5 MiB chart that was about half of the call's time.

    The collector's first threshold is then raised from 700 to ``YOUNG_THRESHOLD`` tracked objects
    (net of those freed). At 700, the parsed bodies and facts of the calls in flight reached it
    several times per call; each young collection promoted them, so that every few seconds a full
    collection walked the whole model cache (about 58,000 objects once full: 15 ms on an idle core,
    30–80 ms under load), stalling the calls of that worker. Most of what a call allocates is freed
    by reference counting as it ends, so at 20,000 a collection comes once the worker has really
    grown (the model cache filling) or cyclic garbage has piled up: a few megabytes at most.
    Measured side by side (repeated chart after distinct ones, 8 connections): 400–470 → 550–600
    requests/s, p99 42 → 33 ms; distinct charts p99 87 → 57 ms; RSS per worker unchanged. A call
    leaves no cyclic garbage (``cds_service.routing``), so a worker whose model cache has stopped
    growing (full, or holding the charts it is sent) does not collect at all."""

    YOUNG_THRESHOLD = 20_000

    CONFIG_KWARGS: dict[str, Any] = {  # noqa: RUF012 - uvicorn_worker's own class attribute
        "loop": "uvloop",
        "http": CountedHttpToolsProtocol,
        "lifespan": "off",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        global _spread  # made once in the master, shared by the workers it forks
        if _spread is None:
            _spread = ConnectionSpread()
        super().__init__(*args, **kwargs)

    def run(self) -> None:
        """The collection and the slot come before the worker's own listener: the kernel hands a
        new connection to that listener as soon as it exists, so from then on the worker must be
        counted in the even split (the others would otherwise keep its share) and must not spend
        100-180 ms collecting while the connection waits in the backlog."""
        gc.collect()  # what warm-up left behind, before the rest is frozen
        gc.freeze()
        gc.set_threshold(self.YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        if _spread is not None:
            _spread.join()
        try:
            # gunicorn's wrappers unwrapped: the event loop takes a plain socket over (closing it
            # as the worker stops), where it closed the wrapped one's descriptor behind its back
            # and gunicorn logged "Error while closing socket [Errno 9]" at every graceful stop
            inherited = [getattr(s, "sock", s) for s in self.sockets]  # type: ignore[has-type]
            self.sockets = [*inherited, *own_listeners(inherited, self.cfg.backlog)]
            super().run()
        finally:
            if _spread is not None:
                _spread.leave()


def shared_listener(bind: str, backlog: int) -> socket.socket | None:
    """The TCP listener the master makes for ``bind`` (``host:port``) and every worker inherits,
    bound with ``SO_REUSEPORT`` so that each worker can add one of its own beside it once it is warm
    (``Worker.run``); None for a unix socket, which gunicorn binds itself.

    gunicorn's own ``reuse_port`` (since gunicorn 24) instead gives each worker a listener as it
    forks, before it loads the app: the kernel queued new connections on a worker still warming up
    (at a worker's restart, some waited 329-377 ms), and no listener was the master's. Connections on
    this one are accepted by whichever worker is serving. ``TCP_NODELAY`` as gunicorn sets it."""
    address = gunicorn_util.parse_address(bind)
    if not isinstance(address, tuple):
        return None
    family = socket.AF_INET6 if gunicorn_util.is_ipv6(address[0]) else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


def own_listeners(shared: list[Any], backlog: int) -> list[socket.socket]:
    """A new ``SO_REUSEPORT`` listener on the address of every shared TCP listener that has the
    option set (on the others, binding a second socket would fail).

    ``TCP_NODELAY`` is set on it as gunicorn sets it on its own listener, so accepted connections
    inherit it, whatever the event loop does with the sockets it accepts (asyncio's own loop sets
    it only on sockets created with ``IPPROTO_TCP``), and uvicorn writes a response's headers and
    body separately. Without it, the body waited behind Nagle's algorithm
    for the client's delayed ACK: about 40 ms more on every call of a connection accepted here
    (a 2.5 MiB chart: 68 ms against 21 ms on the shared listener)."""
    own = []
    for listener in shared:
        if listener.family not in (socket.AF_INET, socket.AF_INET6):
            continue
        if not listener.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT):
            continue
        sock = socket.socket(listener.family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(listener.getsockname())
        sock.listen(backlog)
        sock.setblocking(False)
        own.append(sock)
    return own


class BufferedFront:
    """ASGI app: read the whole request on the event loop, run the WSGI app to the end in a thread,
    then write the whole response on the event loop."""

    def __init__(
        self,
        wsgi_app: Any,
        *,
        call_threads: int,
        max_body_bytes: int,
        thread_setup: Callable[[], None] | None = None,
    ) -> None:
        """``thread_setup`` runs in each call thread before its first call (what a thread keeps of
        its own: a database connection, a batch of UUIDs); every call thread is started here, so
        no call waits for it. It must not raise: a pool whose initializer fails refuses all work."""
        if call_threads < 1:
            raise ValueError("call_threads must be >= 1")
        self.app = wsgi_app
        self.max_body_bytes = max_body_bytes
        self.calls = ThreadPoolExecutor(call_threads, thread_name_prefix="call", initializer=thread_setup)
        self.light = ThreadPoolExecutor(LIGHT_THREADS, thread_name_prefix="light")
        if thread_setup is not None:
            # The pool starts a thread for a task only when none is idle: tasks that wait for one
            # another start them all.
            all_started = threading.Barrier(call_threads)
            for _ in range(call_threads):
                self.calls.submit(all_started.wait, 30)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Work the app defers in ``environ[AFTER_RESPONSE]`` runs here once the response is
        written, on the loop's thread (a call's parsed body freed: ``wire.HeldBody``)."""
        if scope["type"] != "http":
            return  # no websockets; lifespan is off
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await _too_large(send, self.max_body_bytes)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client went away before the request was complete
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await _too_large(send, self.max_body_bytes)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        # The WSGI app sees a request with a known length, however it was sent (chunked or not).
        headers = [
            (k, v) for k, v in scope.get("headers", []) if k not in (b"content-length", b"transfer-encoding")
        ]
        if body or scope["method"] not in LIGHT_METHODS:
            headers.append((b"content-length", str(len(body)).encode()))
        environ: dict[str, Any] = dict(build_environ(dict(scope, headers=headers), io.BytesIO(body)))  # type: ignore[arg-type]
        environ[REQUEST_BODY] = body
        after = environ[AFTER_RESPONSE] = AfterResponse()
        pool = self.light if scope["method"] in LIGHT_METHODS else self.calls
        respond = functools.partial(contextvars.copy_context().run, self._respond, environ)
        loop = asyncio.get_running_loop()
        try:
            status, response_headers, payload = await loop.run_in_executor(pool, respond)
            if _spread is not None and _spread.over_share() and CLOSE not in response_headers:
                response_headers.append(CLOSE)  # the client reconnects; the kernel hashes it anew
            await send({"type": "http.response.start", "status": status, "headers": response_headers})
            await send({"type": "http.response.body", "body": payload, "more_body": False})
        finally:
            after.run()  # what the call left until its answer was out (``wire.AfterResponse``)

    def _respond(self, environ: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Run the WSGI app to the end in this thread: (status, headers, whole body)."""
        started: list[tuple[int, list[tuple[bytes, bytes]]]] = []
        chunks: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            # Nothing is sent before the app returns, so a second call (an error page replacing a
            # response begun) simply replaces the first, as PEP 3333 allows before headers go out.
            started[:] = [(int(status.split(" ", 1)[0]), _encode_headers(headers))]
            return chunks.append

        result: Iterable[bytes] = self.app(environ, start_response)
        try:
            chunks.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if not started:
            raise RuntimeError("the WSGI app returned without starting a response")
        status, headers = started[0]
        return status, headers, b"".join(chunks)


def _encode_headers(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(k.strip().lower().encode("latin-1"), v.strip().encode("latin-1")) for k, v in headers]


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send, limit: int) -> None:
    from cds_service.wire import encode_json

    body = encode_json(
        operation_outcome(f"The request body is larger than {limit} bytes.", code="too-costly")
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
