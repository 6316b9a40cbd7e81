"""The time budget binds the FHIR work, not only the answer.

When the service has answered (412 or cards), no FHIR call of that invocation may still be
running: a slow server must not keep a worker thread, a socket and the access token in use after
the clinician has the answer, or a slow EHR could exhaust the service's threads.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fault_server import FakeFhirServer, slow_pages, trickle
from flask import Flask
from test_fhir_faults import (
    BUDGET,
    FAULT_SETTINGS,
    GRACE,
    RADICULOPATHY,
    SLACK,
    TIMEOUT,
    Rig,
    answer,
    call,
    client_sockets_to,
    service_threads,
    wait_until,
    warm_up,
)


def make_rig(
    make_app: Callable[..., Flask], probe_service: Any, fhir: FakeFhirServer, other: FakeFhirServer
) -> Rig:
    fhir.on("Condition", answer([RADICULOPATHY]))
    app = make_app(services=(probe_service,), settings_overrides={**FAULT_SETTINGS, "fhir_page_cap": 10})
    return Rig(fhir, other, app.test_client(), app.config["SETTINGS"])


def test_a_body_that_never_ends_is_abandoned_at_the_budget(
    make_app: Callable[..., Flask], probe_service: Any
) -> None:
    """A server that drips one byte every 0.2 s (each read well within the per-call timeout) does
    not keep a worker thread or a socket after the answer."""
    with FakeFhirServer() as fhir, FakeFhirServer() as other:
        rig = make_rig(make_app, probe_service, fhir, other)
        threads_before, _ = warm_up(rig)
        fhir.on("Observation", trickle(60, interval=0.2))
        res = call(rig)
        assert res.status == 200
        assert res.elapsed <= BUDGET + SLACK
        assert wait_until(lambda: len(service_threads()) <= threads_before, GRACE), (
            f"still running {GRACE:g} s after the answer: {[t.name for t in service_threads()]}"
        )
        assert wait_until(lambda: not client_sockets_to({fhir.port}), GRACE), client_sockets_to({fhir.port})


def test_no_fhir_request_is_sent_after_the_answer(make_app: Callable[..., Flask], probe_service: Any) -> None:
    """Slow pages (each just under the per-call timeout) are not fetched after the budget ran out."""
    with FakeFhirServer() as fhir, FakeFhirServer() as other:
        rig = make_rig(make_app, probe_service, fhir, other)
        warm_up(rig)
        fhir.on("Observation", slow_pages(TIMEOUT * 0.9))
        res = call(rig)
        answered = len(fhir.requests_for("Observation"))
        assert res.status == 200
        time.sleep(TIMEOUT * 3)
        later = len(fhir.requests_for("Observation"))
        assert later <= answered + 1, f"{later - answered} page requests were sent after the answer"
