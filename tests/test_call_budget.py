"""Bounded cost per call (issue 15 §3), loopback only: what one call reads from FHIR servers is
capped across keys and pages and released afterwards, and calls waiting on a slow FHIR server
cannot take every thread from fully prefetched calls and the health checks."""

from __future__ import annotations

import contextlib
import gc
import json
import threading
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from conftest import load_protocol
from fault_server import FakeFhirServer, Handler, Seen, hang, searchset
from flask import Flask
from live_server import LiveServer
from test_fhir_faults import request_body

from cds_service.prefetch import BUSY

PAGE_BYTES = 256 * 1024
CALL_CAP = 1024 * 1024


def big_pages(page_bytes: int, pages: int) -> Callable[[Handler, Seen], None]:
    """Each page one resource padded to ``page_bytes``, linking to the next, ``pages`` in all."""
    padding = "x" * page_bytes

    def behaviour(h: Handler, seen: Seen) -> None:
        page = int(seen.query.get("page", ["0"])[0])
        path = seen.path.split("?")[0]
        nxt = f"{h.server.fake.origin}{path}?page={page + 1}" if page + 1 < pages else None  # type: ignore[attr-defined]
        item = {"resourceType": "Basic", "id": f"b{page}", "text": {"status": "generated", "div": padding}}
        h.send_body(200, json.dumps(searchset([item], nxt)).encode())

    return behaviour


def test_the_bytes_one_call_reads_are_capped_across_keys_and_pages_and_released(
    make_app: Callable[..., Flask], probe_service: Any
) -> None:
    """10 keys × 10 pages × 256 kB offered (25 MB): the call stops at its 1 MB cap, says so, and the
    memory it held is released when it ends."""
    app = make_app(
        services=(probe_service,),
        settings_overrides={
            "fhir_max_call_bytes": CALL_CAP,
            "fhir_page_cap": 10,
            "fhir_max_response_bytes": 4 * PAGE_BYTES,
            "fhir_timeout_seconds": 5.0,
            "fhir_total_budget_seconds": 10.0,
            "max_request_bytes": 64 * 1024,
        },
    )
    client = app.test_client()
    with FakeFhirServer() as fhir:
        for rtype in ("Patient", "Condition", "Procedure", "Observation", "MedicationRequest",
                      "MedicationStatement", "ServiceRequest", "DiagnosticReport", "Encounter"):
            fhir.on(rtype, big_pages(PAGE_BYTES, 10))  # fmt: skip
        body = request_body(fhir.base_url)
        client.post("/cds-services/probe", json=body)  # warm: imports and the first connections
        gc.collect()
        tracemalloc.start()
        try:
            before, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            started = time.monotonic()
            resp = client.post("/cds-services/probe", json=body)
            elapsed = time.monotonic() - started
            outcome = resp.get_json()
            del resp
            gc.collect()
            after, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        pages_served = sum(len(fhir.requests_for(t)) for t in ("Condition", "Procedure", "Observation"))
    text = json.dumps(outcome)
    assert f"larger than {CALL_CAP} bytes in all" in text, text[:2000]
    assert elapsed < 10.0
    # Far below the 25 MB offered (tracemalloc also counts the fake server's threads in this process)
    assert peak - before < 12 * CALL_CAP, peak - before
    assert after - before < 2 * 1024 * 1024, after - before  # released when the call ended
    assert pages_served < 3 * 10 * 2  # nowhere near every page of every key was fetched


def test_a_busy_worker_does_not_fetch_for_more_calls_than_its_slots(
    make_app: Callable[..., Flask], probe_service: Any
) -> None:
    """Two slots, two calls hanging on the FHIR server: a third call that must fetch is told at
    once that the service is busy (a 412 naming it), while a fully prefetched call is served."""
    app = make_app(
        services=(probe_service,),
        settings_overrides={"fhir_concurrent_calls": 2, "fhir_timeout_seconds": 3.0,
                            "fhir_total_budget_seconds": 3.0},
    )  # fmt: skip
    client = app.test_client()
    with FakeFhirServer() as fhir, ThreadPoolExecutor(2) as pool:
        for rtype in ("Patient", "Condition", "Procedure", "Observation", "MedicationRequest",
                      "MedicationStatement", "ServiceRequest", "DiagnosticReport", "Encounter"):
            fhir.on(rtype, hang(10))  # fmt: skip
        body = request_body(fhir.base_url)
        hanging = [pool.submit(app.test_client().post, "/cds-services/probe", json=body) for _ in range(2)]
        deadline = time.monotonic() + 5
        while fhir.connections() < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        started = time.monotonic()
        busy = client.post("/cds-services/probe", json=body)
        busy_s = time.monotonic() - started
        started = time.monotonic()
        prefetched = client.post("/cds-services/probe", json=load_protocol("patient-view.full-prefetch.json"))
        prefetched_s = time.monotonic() - started
        results = [f.result(timeout=10) for f in hanging]
    assert busy.status_code == 412 and BUSY in busy.get_json()["issue"][0]["diagnostics"]
    assert busy_s < 1.0
    assert prefetched.status_code == 200 and prefetched_s < 3.0  # CPU-bound here (cold model cache)
    assert [r.status_code for r in results] == [412, 412]  # the hanging ones end at their budget


def test_hanging_fallbacks_do_not_starve_health_or_prefetched_calls(tmp_path: Path) -> None:
    """The real server, one worker of four threads: eight calls whose FHIR server hangs, at once.
    /health/ready and a fully prefetched call still answer within a second."""
    with FakeFhirServer() as fhir:
        for rtype in ("Patient", "Condition", "Procedure", "Observation", "MedicationRequest",
                      "MedicationStatement", "ServiceRequest", "DiagnosticReport", "Encounter"):
            fhir.on(rtype, hang(10))  # fmt: skip
        env = {"CDS_THREADS": "4", "CDS_FHIR_TIMEOUT_SECONDS": "6", "CDS_FHIR_TOTAL_BUDGET_SECONDS": "6"}
        with LiveServer(f"sqlite:///{tmp_path / 'cds.sqlite3'}", tmp_path / "server.log", workers=1,
                        threads=4, extra_env=env) as server:  # fmt: skip
            url = f"{server.base_url}/cds-services/radicular-pathway"
            body = request_body(fhir.base_url)
            stop = threading.Event()

            def hammer() -> None:
                while not stop.is_set():
                    with contextlib.suppress(requests.RequestException):
                        requests.post(url, json=body, timeout=15)

            threads = [threading.Thread(target=hammer, daemon=True) for _ in range(8)]
            for t in threads:
                t.start()
            try:
                time.sleep(1.5)  # the fallbacks are hanging on the FHIR server by now
                worst = 0.0
                for _ in range(5):
                    started = time.monotonic()
                    health = requests.get(f"{server.base_url}/health/ready", timeout=5)
                    full = load_protocol("patient-view.full-prefetch.json")
                    served = requests.post(url, json=full, timeout=5)
                    worst = max(worst, time.monotonic() - started)
                    assert health.status_code == 200 and served.status_code == 200, served.text[:500]
                    time.sleep(0.2)
            finally:
                stop.set()
                for t in threads:
                    t.join(timeout=20)
    assert worst < 2.0, worst  # both answers within about a second each
