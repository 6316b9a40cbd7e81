"""The HTTP front of `serve` (cds_service.server), in process: one hand-off of a whole request to
a thread and back, and the per-worker listeners that spread connections over the workers."""

from __future__ import annotations

import asyncio
import selectors
import socket
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import requests

from benchmarks.procfs import children
from cds_service.app import request_body
from cds_service.server import BufferedFront, own_listeners, shared_listener
from cds_service.wire import AFTER_RESPONSE, REQUEST_BODY, AfterResponse
from tests.live_server import LiveServer


def _call(
    front: BufferedFront, method: str, body_parts: Iterable[bytes], sent: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    parts = list(body_parts) or [b""]
    messages = [
        {"type": "http.request", "body": p, "more_body": i < len(parts) - 1} for i, p in enumerate(parts)
    ]
    sent = [] if sent is None else sent

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "path": "/echo",
        "root_path": "",
        "query_string": b"a=1",
        "headers": [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")],
        "server": ("127.0.0.1", 8080),
        "client": ("127.0.0.1", 5000),
    }
    asyncio.run(front(scope, receive, send))
    return sent


def _echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
    start_response("200 OK", [("Content-Type", "application/json"), ("X-Query", environ["QUERY_STRING"])])
    return [b'{"got": ', body, b"}"]


def test_a_chunked_body_reaches_the_app_whole_with_its_length_and_the_answer_is_one_message() -> None:
    sent = _call(BufferedFront(_echo, call_threads=1, max_body_bytes=1000), "POST", [b"[1,", b"2]"])
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    assert (b"content-type", b"application/json") in sent[0]["headers"]
    assert (b"x-query", b"a=1") in sent[0]["headers"]
    assert sent[1] == {"type": "http.response.body", "body": b'{"got": [1,2]}', "more_body": False}
    assert len(sent) == 2


def test_the_app_is_handed_the_body_bytes_the_front_read() -> None:
    """Beside ``wsgi.input``, the environ holds the whole body as one bytes object, so the app can
    take it without copying it out of the stream."""
    seen: list[tuple[Any, bytes]] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append((environ[REQUEST_BODY], environ["wsgi.input"].read()))
        start_response("204 No Content", [])
        return []

    _call(BufferedFront(app, call_threads=1, max_body_bytes=1000), "POST", [b'{"a":', b" 1}"])
    assert seen == [(b'{"a": 1}', b'{"a": 1}')]
    assert type(seen[0][0]) is bytes


def test_every_call_thread_starts_with_the_front_and_runs_its_setup_before_any_call() -> None:
    """With ``thread_setup``, the front starts all its call threads at once, each running the
    setup once before it takes a call; calls then run on those threads and start no other."""
    ran: list[str] = []
    lock = threading.Lock()

    def setup() -> None:
        with lock:
            ran.append(threading.current_thread().name)

    front = BufferedFront(_echo, call_threads=3, max_body_bytes=1000, thread_setup=setup)
    deadline = time.monotonic() + 10
    while len(ran) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(ran) == len(set(ran)) == 3
    assert all(name.startswith("call") for name in ran)
    for _ in range(5):
        sent = _call(front, "POST", [b"[1]"])
        assert sent[1]["body"] == b'{"got": [1]}'
    assert len(ran) == 3
    front.calls.shutdown()


def test_a_body_over_the_limit_is_refused_without_calling_the_app() -> None:
    called: list[bool] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        called.append(True)
        return _echo(environ, start_response)

    sent = _call(BufferedFront(app, call_threads=1, max_body_bytes=4), "POST", [b"[1,", b"2,3]"])
    assert sent[0]["status"] == 413 and not called
    assert b"OperationOutcome" in sent[1]["body"]


def test_an_error_page_replacing_a_started_response_is_what_is_sent() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise ValueError("late failure")
        except ValueError:
            start_response(
                "500 Internal Server Error", [("Content-Type", "application/json")], sys.exc_info()
            )
        return [b"{}"]

    sent = _call(BufferedFront(app, call_threads=1, max_body_bytes=1000), "POST", [b"{}"])
    assert sent[0]["status"] == 500
    assert sent[0]["headers"] == [(b"content-type", b"application/json")]


def test_an_exception_in_the_app_reaches_the_server_instead_of_a_half_answer() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        _call(BufferedFront(app, call_threads=1, max_body_bytes=1000), "POST", [b"{}"])


def test_work_the_app_defers_runs_once_its_response_is_written() -> None:
    events: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        after: AfterResponse = environ[AFTER_RESPONSE]
        assert after.defer(lambda: events.append({"type": "deferred"}))
        return _echo(environ, start_response)

    _call(BufferedFront(app, call_threads=1, max_body_bytes=1000), "POST", [b"{}"], events)
    assert [e["type"] for e in events] == ["http.response.start", "http.response.body", "deferred"]


def test_work_the_app_defers_runs_when_the_app_fails_too() -> None:
    events: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ[AFTER_RESPONSE].defer(lambda: events.append("deferred"))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        _call(BufferedFront(app, call_threads=1, max_body_bytes=1000), "POST", [b"{}"])
    assert events == ["deferred"]


def _listener(reuse_port: bool) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


def test_the_master_listener_lets_each_worker_add_its_own() -> None:
    """``serve``'s shared listener carries SO_REUSEPORT (a worker's own listener joins it) and
    TCP_NODELAY (accepted connections inherit it)."""
    shared = shared_listener("127.0.0.1:0", 64)
    assert shared is not None
    own: list[socket.socket] = []
    try:
        assert shared.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
        assert shared.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)
        assert shared.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        own = own_listeners([shared], 64)
        assert len(own) == 1 and own[0].getsockname() == shared.getsockname()
    finally:
        for s in [shared, *own]:
            s.close()


def test_the_master_listener_is_left_to_gunicorn_for_a_unix_socket_and_refuses_a_bad_address() -> None:
    assert shared_listener("unix:/tmp/radicular.sock", 64) is None
    with pytest.raises(OSError):
        shared_listener("192.0.2.1:8000", 64)  # not an address of this host


def test_a_shared_listener_without_reuse_port_gets_no_companion() -> None:
    shared = _listener(reuse_port=False)
    try:
        assert own_listeners([shared], 64) == []
    finally:
        shared.close()


def test_each_worker_listener_takes_its_share_of_new_connections() -> None:
    shared = _listener(reuse_port=True)
    own = own_listeners([shared], 64)
    clients: list[socket.socket] = []
    try:
        assert len(own) == 1 and own[0].getsockname() == shared.getsockname()
        for _ in range(64):
            clients.append(socket.create_connection(shared.getsockname(), timeout=2))
        accepted = {"shared": 0, "own": 0}
        shared.setblocking(False)
        with selectors.DefaultSelector() as sel:
            sel.register(shared, selectors.EVENT_READ, "shared")
            sel.register(own[0], selectors.EVENT_READ, "own")
            while sum(accepted.values()) < len(clients):
                events = sel.select(timeout=2)
                assert events, accepted
                for key, _ in events:
                    conn, _ = key.fileobj.accept()  # type: ignore[union-attr]
                    conn.close()
                    accepted[key.data] += 1
        # the kernel hashes each connection to one listener of the group: both get a share
        assert accepted["own"] >= 8 and accepted["shared"] >= 8, accepted
    finally:
        for c in clients:
            c.close()
        for s in [shared, *own]:
            s.close()


def test_a_worker_freezes_what_it_loaded_before_serving(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the loaded app holds is out of the collector's reach by the time the worker serves, and
    the collector runs only once the worker has grown."""
    import gc
    from types import SimpleNamespace

    from uvicorn_worker import UvicornWorker

    from cds_service.server import Worker

    seen: list[tuple[int, tuple[int, int, int]]] = []
    monkeypatch.setattr(
        UvicornWorker, "run", lambda self: seen.append((gc.get_freeze_count(), gc.get_threshold()))
    )
    worker = object.__new__(Worker)
    worker.sockets = []
    worker.cfg = SimpleNamespace(backlog=64)  # type: ignore[assignment]
    thresholds = gc.get_threshold()
    gc.unfreeze()
    try:
        Worker.run(worker)
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    assert seen and seen[0][0] > 1000
    # young collections only once the worker has really grown; the older generations as before
    assert seen[0][1] == (Worker.YOUNG_THRESHOLD, *thresholds[1:])


def test_a_worker_is_counted_and_frozen_before_its_own_listener_opens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The kernel hands connections to a worker's own listener as soon as it exists: by then the
    worker holds its slot in the spread (or the other workers would keep its share of connections)
    and has done its collection (or a connection would wait in the backlog meanwhile)."""
    import gc
    from types import SimpleNamespace

    from uvicorn_worker import UvicornWorker

    import cds_service.server as server
    from cds_service.spread import ConnectionSpread

    spread = ConnectionSpread()
    monkeypatch.setattr(server, "_spread", spread)
    at_listener: list[tuple[int, int]] = []

    def listeners(shared: list[socket.socket], backlog: int) -> list[socket.socket]:
        at_listener.append((spread._slot, gc.get_freeze_count()))
        return []

    monkeypatch.setattr(server, "own_listeners", listeners)
    monkeypatch.setattr(UvicornWorker, "run", lambda self: None)
    worker = object.__new__(server.Worker)
    worker.sockets = []
    worker.cfg = SimpleNamespace(backlog=64)  # type: ignore[assignment]
    thresholds = gc.get_threshold()
    gc.unfreeze()
    try:
        server.Worker.run(worker)
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    [(slot, frozen)] = at_listener
    assert slot >= 0 and frozen > 1000
    assert spread._slot == -1  # and it gave the slot back as it stopped


def test_connections_accepted_on_a_worker_listener_send_without_delay() -> None:
    # Nagle's algorithm would hold a response's body (written after its headers) until the client
    # ACKs the headers, which a delayed ACK puts off by ~40 ms. gunicorn sets TCP_NODELAY on its
    # listener and asyncio does not set it on sockets made without IPPROTO_TCP, so the worker's own
    # listener must carry it for the connections it accepts to inherit it.
    shared = _listener(reuse_port=True)
    own = own_listeners([shared], 64)
    clients: list[socket.socket] = []
    try:
        assert own[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        own[0].setblocking(True)
        own[0].settimeout(2)
        accepted = None
        for _ in range(64):  # the kernel picks the listener: connect until the worker's gets one
            clients.append(socket.create_connection(shared.getsockname(), timeout=2))
            with selectors.DefaultSelector() as sel:
                sel.register(own[0], selectors.EVENT_READ)
                if sel.select(timeout=0.2):
                    accepted, _ = own[0].accept()
                    break
        assert accepted is not None
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        for c in clients:
            c.close()
        for s in (shared, *own):
            s.close()


def test_serve_workers_run_their_event_loop_on_uvloop(tmp_path: Path) -> None:
    # uvicorn imports uvloop only when told to use it: asyncio's own loop leaves it unloaded.
    with LiveServer(f"sqlite:///{tmp_path / 'loop.sqlite3'}", tmp_path / "serve.log", workers=2) as server:
        assert server.proc is not None
        assert requests.get(f"{server.base_url}/health", timeout=10).status_code == 200
        workers = children(server.proc.pid)
        assert len(workers) == 2
        # a worker holds its own listener just before its event loop starts: give the loop of
        # each a moment to load
        deadline = time.monotonic() + 30
        for pid in workers:
            while "uvloop/loop." not in (maps := Path(f"/proc/{pid}/maps").read_text()):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert "uvloop/loop." in maps, f"worker {pid} has not loaded uvloop's loop"


def test_the_service_reads_the_bytes_the_front_handed_over(make_app: Any) -> None:
    """Under ``serve`` a CDS call takes its body from ``REQUEST_BODY`` (the same object, no copy);
    under any other server, from the WSGI stream."""
    app = make_app()
    handed = b'{"hook": "patient-view"}'
    with app.test_request_context("/", method="POST", data=b"{}", environ_overrides={REQUEST_BODY: handed}):
        assert request_body() is handed
    with app.test_request_context("/", method="POST", data=b"{}"):
        assert request_body() == b"{}"
