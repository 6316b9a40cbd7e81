"""Slow clients must not stall the service (issue 15): 20 connections that send their headers, or
their body, one byte a second hold no thread of the default ``radicular-cds serve``. While they
trickle, ``/health``, discovery and hook calls each answer within 1 s.

Bounded: one server, 20 attacking connections, each attack phase 8 s, loopback only.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import PROTOCOL_DIR
from tests.live_server import LiveServer

ATTACKERS = 20
PHASE_SECONDS = 8.0
LIMIT_SECONDS = 1.0
SERVICE = "radicular-pathway"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("slow-clients")
    # workers and threads left at the defaults of `serve`
    with LiveServer(f"sqlite:///{tmp / 'cds.sqlite3'}", tmp / "server.log", workers=None, threads=None) as s:
        yield s


class Trickle:
    """``ATTACKERS`` connections each sending ``head`` at once, then ``tail`` one byte a second."""

    def __init__(self, port: int, head: bytes, tail: bytes) -> None:
        self.socks = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(ATTACKERS)]
        self.tail = tail
        self.sent = [0] * ATTACKERS
        self.closed_by_server = 0
        self._stop = threading.Event()
        for s in self.socks:
            s.sendall(head)
        self._thread = threading.Thread(target=self._run, name="trickle", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            for i, s in enumerate(self.socks):
                if self.sent[i] < 0 or self.sent[i] >= len(self.tail):
                    continue
                try:
                    s.sendall(self.tail[self.sent[i] : self.sent[i] + 1])
                    self.sent[i] += 1
                except OSError:
                    self.sent[i] = -1
                    self.closed_by_server += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for s in self.socks:
            s.close()


def _timed(call: Callable[[], requests.Response]) -> tuple[float, int]:
    t0 = time.monotonic()
    try:
        status = call().status_code
    except requests.RequestException:
        status = 0  # timed out or refused
    return time.monotonic() - t0, status


def _probe_during(trickle: Trickle, base: str) -> None:
    body = (PROTOCOL_DIR / "patient-view.full-prefetch.json").read_bytes()
    headers = {"Content-Type": "application/json"}
    probes: list[tuple[str, float, int]] = []
    time.sleep(1.5)  # every attacker connected and trickling before the first probe
    deadline = time.monotonic() + PHASE_SECONDS
    timeout = LIMIT_SECONDS * 3  # answered late is measured as late, not as an error
    while time.monotonic() < deadline:
        for name, call in (
            ("health", lambda: requests.get(f"{base}/health", timeout=timeout)),
            ("discovery", lambda: requests.get(f"{base}/cds-services", timeout=timeout)),
            (
                "hook call",
                lambda: requests.post(
                    f"{base}/cds-services/{SERVICE}", data=body, headers=headers, timeout=timeout
                ),
            ),
        ):
            elapsed, status = _timed(call)
            probes.append((name, elapsed, status))
        time.sleep(0.2)
    trickling = sum(1 for n in trickle.sent if n > 0)
    slow = [(n, round(e, 2), st) for n, e, st in probes if e > LIMIT_SECONDS or st != 200]
    assert not slow, f"late or failed answers while {trickling} slow connections trickled: {slow}"
    assert len(probes) >= 3 * 5, probes
    # the attack was real: the connections were open and trickling while the probes ran
    assert trickling == ATTACKERS, (trickle.sent, trickle.closed_by_server)


def test_slow_headers_do_not_stall_hook_calls_or_health(server: LiveServer) -> None:
    head = b"POST /cds-services/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % SERVICE.encode()
    tail = b"Content-Type: application/json\r\nX-Padding: " + b"x" * 200
    trickle = Trickle(server.port, head, tail)
    try:
        _probe_during(trickle, server.base_url)
    finally:
        trickle.close()


def test_slow_bodies_do_not_stall_hook_calls_or_health(server: LiveServer) -> None:
    body = (PROTOCOL_DIR / "patient-view.full-prefetch.json").read_bytes()
    head = (
        b"POST /cds-services/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % (SERVICE.encode(), len(body))
    )
    trickle = Trickle(server.port, head, body)
    try:
        _probe_during(trickle, server.base_url)
    finally:
        trickle.close()


def test_a_chunked_body_over_the_limit_is_refused_without_reading_it_all(
    tmp_path: Path,
) -> None:
    """The front stops reading at the size limit: 413 while the client is still sending."""
    limit = 64 * 1024
    with LiveServer(
        f"sqlite:///{tmp_path / 'cds.sqlite3'}",
        tmp_path / "server.log",
        workers=1,
        threads=None,
        extra_env={"CDS_MAX_REQUEST_BYTES": str(limit)},
    ) as s:

        def chunks() -> Iterator[bytes]:
            for _ in range(64):  # 64 × 16 KiB = 1 MiB offered
                yield b"[" * 16 * 1024

        resp = requests.post(
            f"{s.base_url}/cds-services/{SERVICE}",
            data=chunks(),
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        assert resp.status_code == 413
        assert resp.json()["resourceType"] == "OperationOutcome"
