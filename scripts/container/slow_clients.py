"""Slow clients must not stall the service: ATTACKERS connections send their headers, or their
body, one byte a second while /health, discovery and a hook call are probed; every probe must
answer 200 within LIMIT seconds. Standard library only (the container smoke runs it with the
host's python3; tests/test_slow_clients.py runs it against `radicular-cds serve`).

    python3 scripts/container/slow_clients.py BASE_URL FIXTURE.json

Prints one PASS/FAIL line per phase (slow headers, slow body); exit status 0 only if both pass.
Bounded: ATTACKERS connections, PHASE_SECONDS of probing per phase, loopback only by intent.
"""

from __future__ import annotations

import http.client
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

ATTACKERS = 20
PHASE_SECONDS = 8.0
LIMIT = 1.0
SERVICE = "radicular-pathway"


class Trickle:
    """ATTACKERS connections each sending ``head`` at once, then ``tail`` one byte a second."""

    def __init__(self, host: str, port: int, head: bytes, tail: bytes) -> None:
        self.socks = [socket.create_connection((host, port), timeout=5) for _ in range(ATTACKERS)]
        self.tail = tail
        self.sent = [0] * ATTACKERS
        self._stop = threading.Event()
        for s in self.socks:
            s.sendall(head)
        self._thread = threading.Thread(target=self._run, name="trickle", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            for i, s in enumerate(self.socks):
                n = self.sent[i]
                if n < 0 or n >= len(self.tail):
                    continue
                try:
                    s.sendall(self.tail[n : n + 1])
                    self.sent[i] = n + 1
                except OSError:
                    self.sent[i] = -1  # the server closed it

    @property
    def trickling(self) -> int:
        return sum(1 for n in self.sent if n > 0)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for s in self.socks:
            s.close()


def _request(host: str, port: int, method: str, path: str, body: bytes | None = None) -> int:
    conn = http.client.HTTPConnection(host, port, timeout=LIMIT * 3)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except OSError:
        return 0  # timed out or refused
    finally:
        conn.close()


def probe_during(trickle: Trickle, host: str, port: int, fixture: bytes) -> list[str]:
    """Probe until PHASE_SECONDS have passed; the problems found (empty when all is well)."""
    probes: list[tuple[str, Callable[[], int]]] = [
        ("/health", lambda: _request(host, port, "GET", "/health")),
        ("discovery", lambda: _request(host, port, "GET", "/cds-services")),
        ("hook call", lambda: _request(host, port, "POST", f"/cds-services/{SERVICE}", fixture)),
    ]
    time.sleep(1.5)  # every attacker connected and trickling before the first probe
    problems: list[str] = []
    count = 0
    deadline = time.monotonic() + PHASE_SECONDS
    while time.monotonic() < deadline:
        for name, call in probes:
            t0 = time.monotonic()
            status = call()
            elapsed = time.monotonic() - t0
            count += 1
            if status != 200 or elapsed > LIMIT:
                problems.append(f"{name}: HTTP {status or 'no answer'} after {elapsed:.2f} s")
        time.sleep(0.2)
    if count < 3 * 5:
        problems.append(f"only {count} probes answered in {PHASE_SECONDS:.0f} s")
    if trickle.trickling != ATTACKERS:
        problems.append(f"only {trickle.trickling} of {ATTACKERS} slow connections were trickling")
    return problems


def phases(fixture: bytes) -> dict[str, tuple[bytes, bytes]]:
    path = f"/cds-services/{SERVICE}".encode()
    return {
        "slow headers": (
            b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n",
            b"Content-Type: application/json\r\nX-Padding: " + b"x" * 200,
        ),
        "slow body": (
            b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(fixture),
            fixture,
        ),
    }


def run_phase(base_url: str, fixture: bytes, phase: str) -> list[str]:
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    head, tail = phases(fixture)[phase]
    trickle = Trickle(host, port, head, tail)
    try:
        return probe_during(trickle, host, port, fixture)
    finally:
        trickle.close()


def main(argv: list[str]) -> int:
    base_url, fixture_path = argv[1], argv[2]
    fixture = Path(fixture_path).read_bytes()
    ok = True
    for phase in phases(fixture):
        problems = run_phase(base_url, fixture, phase)
        what = (
            f"{phase} on {ATTACKERS} connections at 1 byte/s: /health, discovery and hook calls "
            f"within {LIMIT:.0f} s"
        )
        if problems:
            ok = False
            print(f"  FAIL  {what}: {'; '.join(problems[:5])}")
        else:
            print(f"  PASS  {what}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
