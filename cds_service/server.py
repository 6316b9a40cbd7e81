"""The HTTP front of ``radicular-cds serve``: whole requests are read asynchronously before a
thread runs the Flask app.

gunicorn runs ``uvicorn`` workers (``uvicorn_worker.UvicornWorker``); each worker's event loop
parses every request's headers and reads its whole body (up to the size limit) without a thread,
so a client that sends its headers or body one byte a second holds a socket and a few kilobytes,
never a thread that hook calls or ``/health`` need. Only a complete request is handed to the WSGI
app (Flask), through ``a2wsgi``, on one of two thread pools:

- **calls** (``POST``): ``CDS_THREADS`` threads per worker. Evaluation is CPU-bound Python, so
  more threads do not add throughput; they let calls that wait on a slow FHIR server overlap.
- **light** (``GET``/``HEAD``/``OPTIONS``: ``/health``, discovery, the OpenAPI document, CORS
  pre-flight): their own threads, so ``/health`` answers while every call thread waits on a slow
  FHIR server.

A body larger than ``CDS_MAX_REQUEST_BYTES`` is refused with 413 as soon as it passes the limit
(declared or chunked), without reading the rest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from a2wsgi import WSGIMiddleware
from uvicorn_worker import UvicornWorker

from cds_service.errors import operation_outcome

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

LIGHT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LIGHT_THREADS = 2


class Worker(UvicornWorker):
    """gunicorn worker class: uvicorn on asyncio with the httptools parser; no lifespan events
    (the app warms up when the worker loads it)."""

    CONFIG_KWARGS: dict[str, Any] = {  # noqa: RUF012 - uvicorn_worker's own class attribute
        "loop": "asyncio",
        "http": "httptools",
        "lifespan": "off",
    }


class BufferedFront:
    """ASGI app: read the whole request on the event loop, then run the WSGI app in a thread."""

    def __init__(self, wsgi_app: Any, *, call_threads: int, max_body_bytes: int) -> None:
        if call_threads < 1:
            raise ValueError("call_threads must be >= 1")
        self.max_body_bytes = max_body_bytes
        self.calls = WSGIMiddleware(wsgi_app, workers=call_threads)
        self.light = WSGIMiddleware(wsgi_app, workers=LIGHT_THREADS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
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
        inner = dict(scope, headers=headers)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        pool = self.light if scope["method"] in LIGHT_METHODS else self.calls
        await pool(inner, replay, send)  # type: ignore[arg-type]  # a2wsgi's narrower ASGI types


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
