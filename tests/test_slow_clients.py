"""Slow clients must not stall the service (issue 15): 20 connections that send their headers, or
their body, one byte a second hold no thread of the default ``radicular-cds serve``. While they
trickle, ``/health``, discovery and hook calls each answer within 1 s.

The attack and the probes are ``scripts/container/slow_clients.py`` (the container smoke runs the
same against the image). Bounded: one server, 20 attacking connections, 8 s of probing per phase,
loopback only. And ``/health`` keeps answering while every call thread waits on a slow FHIR server.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import requests

from cds_service.settings import Settings
from tests.conftest import PROTOCOL_DIR, ROOT
from tests.fault_server import FakeFhirServer, Handler, Seen, empty_search
from tests.live_server import LiveServer


def _slow_clients() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "slow_clients", ROOT / "scripts" / "container" / "slow_clients.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


slow_clients = _slow_clients()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("slow-clients")
    # workers and threads left at the defaults of `serve`
    with LiveServer(f"sqlite:///{tmp / 'cds.sqlite3'}", tmp / "server.log", workers=None, threads=None) as s:
        yield s


@pytest.mark.parametrize("phase", ["slow headers", "slow body"])
def test_slow_clients_do_not_stall_hook_calls_or_health(server: LiveServer, phase: str) -> None:
    fixture = (PROTOCOL_DIR / "patient-view.full-prefetch.json").read_bytes()
    problems = slow_clients.run_phase(server.base_url, fixture, phase)
    assert problems == []


def test_a_chunked_body_over_the_limit_is_refused_without_reading_it_all(tmp_path: Path) -> None:
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
            f"{s.base_url}/cds-services/radicular-pathway",
            data=chunks(),
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        assert resp.status_code == 413
        assert resp.json()["resourceType"] == "OperationOutcome"


def _after_three_seconds(handler: Handler, seen: Seen) -> None:
    """A FHIR server that takes 3 s to answer every search (with an empty Bundle)."""
    time.sleep(3)
    empty_search(handler, seen)


def test_health_answers_while_every_call_thread_waits_on_a_slow_fhir_server(server: LiveServer) -> None:
    """12 calls (more than a worker's 4 call threads) go to a FHIR server that takes 3 s: the fetch
    slots (3 per worker) fill and wait; meanwhile /health and discovery answer within 1 s. How the
    12 connections spread over the workers (the default of `serve`: usable cores + 1) is the
    kernel's choice, so the test checks what holds for any spread: at least one worker's 3 slots
    fill, no more than workers × 3 calls wait."""
    fhir = FakeFhirServer(default=_after_three_seconds).start()
    call = json.loads((PROTOCOL_DIR / "patient-view.full-prefetch.json").read_text())
    call["prefetch"] = {
        k: v for k, v in call["prefetch"].items() if k in ("patient", "conditions", "procedures")
    }
    call["fhirServer"] = fhir.base_url
    statuses: list[int] = []
    seconds: list[float] = []

    def one_call() -> None:
        t0 = time.monotonic()
        resp = requests.post(f"{server.base_url}/cds-services/radicular-pathway", json=call, timeout=30)
        seconds.append(time.monotonic() - t0)
        statuses.append(resp.status_code)

    callers = [threading.Thread(target=one_call) for _ in range(12)]
    try:
        for t in callers:
            t.start()
        time.sleep(1.0)  # the calls that found a fetch slot are now waiting on the FHIR server
        assert sum(t.is_alive() for t in callers) >= 3, "no call is waiting on the FHIR server"
        for _ in range(5):
            for path in ("/health", "/cds-services"):
                t0 = time.monotonic()
                status = requests.get(f"{server.base_url}{path}", timeout=5).status_code
                elapsed = time.monotonic() - t0
                assert status == 200 and elapsed <= 1.0, (path, status, round(elapsed, 2))
            time.sleep(0.3)
    finally:
        for t in callers:
            t.join(60)
        fhir.stop()
    assert sorted(set(statuses)) == [200] and len(statuses) == 12, statuses
    # Each worker lets threads − 1 calls wait on a FHIR server at once (CDS_FHIR_CONCURRENT_CALLS);
    # a call that finds no free slot answers at once, naming the data it could not read.
    waited = sum(s >= 2.9 for s in seconds)
    assert 3 <= waited <= 3 * Settings().workers, sorted(round(s, 2) for s in seconds)
