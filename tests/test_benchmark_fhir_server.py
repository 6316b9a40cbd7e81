"""The benchmark's slow FHIR server: a process of its own that answers each search with what it
was given, no sooner than its delay."""

from __future__ import annotations

import time
from pathlib import Path

import requests

from benchmarks.__main__ import _raw_get, slow_fhir_server


def test_it_answers_each_search_with_its_bundle_after_the_delay(tmp_path: Path) -> None:
    observations = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": {"resourceType": "Observation", "id": "o1"}}],
    }
    with slow_fhir_server({"Observation": observations}, tmp_path, delay=0.2) as base:
        started = time.perf_counter()
        resp = requests.get(f"{base}/Observation?patient=p1", timeout=5)
        assert resp.headers["Content-Type"] == "application/fhir+json"
        assert resp.json() == observations
        assert time.perf_counter() - started >= 0.2
        resp = requests.get(f"{base}/Condition?patient=p1", timeout=5)
        assert resp.json() == {"resourceType": "Bundle", "type": "searchset", "entry": []}
        started = time.perf_counter()
        _raw_get(f"{base}/Observation?patient=p1")
        assert time.perf_counter() - started >= 0.2
