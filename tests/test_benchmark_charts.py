"""The benchmark's synthetic charts are what the benchmark table says they are."""

from __future__ import annotations

import json

from benchmarks.synthetic import count_resources, make_patients, make_request


def test_charts_have_the_asked_size_and_are_reproducible() -> None:
    for n in (50, 60, 500):
        assert count_resources(make_request(n)) == n
    assert make_request(60) == make_request(60)


def test_patients_in_turn_share_no_resource() -> None:
    """The memory run sends these in turn: no resource of one patient is byte-equal to another's, so
    a worker's model cache fills with distinct models instead of answering from one patient."""
    charts = make_patients(60, 5)
    seen: dict[str, int] = {}
    for k, chart in enumerate(charts):
        assert count_resources(chart) == 60
        assert chart["context"]["patientId"] == chart["prefetch"]["patient"]["id"]
        for value in chart["prefetch"].values():
            entries = [e["resource"] for e in value.get("entry", [])] if "entry" in value else [value]
            for resource in entries:
                text = json.dumps(resource, sort_keys=True)
                assert seen.setdefault(text, k) == k, f"patients {seen[text]} and {k} share {resource['id']}"
    assert len({c["context"]["patientId"] for c in charts}) == 5
