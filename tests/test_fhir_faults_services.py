"""The registered services say so when optional FHIR data they needed could not be read.

Each full-prefetch scenario is served by a fake FHIR server on loopback (one searchset per
resource type, from the scenario's own prefetch), and the service is called with no prefetch.
Then one optional key at a time fails with HTTP 500. Whenever the cards differ from the cards
the complete data gives, some card must name the key that could not be read: missing data that
changes the advice is never silent. A required key failing is a 412 (tests/test_fhir_faults.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fault_server import FakeFhirServer, Handler, Seen, searchset, status
from flask import Flask
from test_fhir_faults import FAULT_SETTINGS, request_body
from test_real_fhir_server import REQUESTS, _entries, _evaluation_date, _service_id, _templates, without_uuids

from hooks.cards import data_name
from hooks.registry import REQUIRED_KEYS

SETTINGS = {**FAULT_SETTINGS, "fhir_timeout_seconds": 10.0, "fhir_total_budget_seconds": 20.0}

# The services held to this: both. Every pathway card names each key that could not be read,
# and a gated patient with no card gets a "not fully checked" card instead of an empty list.
HELD = {"radicular-order-select", "radicular-order-sign", "radicular-pathway"}
CHECKED = [p for p in REQUESTS if _service_id(p, json.loads(p.read_text(encoding="utf-8"))) in HELD]


def serve(body: dict[str, Any], service_id: str) -> dict[str, Callable[[Handler, Seen], None]]:
    """Behaviours answering each template's resource type with the scenario's prefetch for it."""
    out: dict[str, Callable[[Handler, Seen], None]] = {}
    for key, template in _templates(service_id).items():
        rtype = template.split("?")[0].split("/")[0]
        value = body["prefetch"].get(key)
        if "?" not in template:  # a read
            resource = value

            def read(h: Handler, seen: Seen, resource: Any = resource) -> None:
                if resource is None:
                    h.send_json(404, {"resourceType": "OperationOutcome", "issue": [{"severity": "error"}]})
                else:
                    h.send_json(200, resource)

            out[rtype] = read
        else:
            items = _entries(value)

            def search(h: Handler, seen: Seen, items: list[dict[str, Any]] = items) -> None:
                h.send_json(200, searchset(items))

            out[rtype] = search
    return out


def optional_keys(service_id: str) -> list[tuple[str, str]]:
    return [
        (key, template.split("?")[0].split("/")[0])
        for key, template in _templates(service_id).items()
        if key not in REQUIRED_KEYS
    ]


def detail_text(cards: list[dict[str, Any]]) -> str:
    return "\n".join(c.get("detail", "") for c in cards)


def states(cards: list[dict[str, Any]]) -> list[str]:
    return [f"{c['source']['topic']['code']} {c['indicator']}" for c in cards]


@pytest.mark.parametrize("request_file", CHECKED, ids=[f"{p.parent.name}/{p.stem}" for p in CHECKED])
def test_missing_optional_data_that_changes_the_advice_is_named(
    make_app: Callable[..., Flask], request_file: Path
) -> None:
    """For every optional key: the same cards as with complete data, or a card naming the key."""
    body = json.loads(request_file.read_text(encoding="utf-8"))
    service_id = _service_id(request_file, body)
    app = make_app(settings_overrides={**SETTINGS, "evaluation_date": _evaluation_date(request_file)})
    client = app.test_client()
    silent: list[str] = []
    with FakeFhirServer() as fhir:
        fhir.behaviours.update(serve(body, service_id))
        call_body = request_body(fhir.base_url, body["hook"])
        call_body["context"] = body["context"]

        complete = client.post(f"/cds-services/{service_id}", json=call_body)
        assert complete.status_code == 200, complete.get_json()
        baseline = without_uuids(complete.get_json()["cards"])

        for key, rtype in optional_keys(service_id):
            good = fhir.behaviours[rtype]
            fhir.on(rtype, status(500))
            resp = client.post(f"/cds-services/{service_id}", json=call_body)
            fhir.on(rtype, good)
            assert resp.status_code == 200, (key, resp.get_json())
            cards = without_uuids(resp.get_json()["cards"])
            if cards == baseline:
                continue
            lines = detail_text(cards).splitlines()
            # the data by the name a clinician knows ("imaging reports"), not the prefetch key
            named = [line for line in lines if data_name(key) in line and "error status" in line]
            if not named:
                change = "advice" if states(cards) != states(baseline) else "detail"
                silent.append(
                    f"{change} changed without {key}: {states(baseline)} with it, {states(cards)} without "
                    "it, and no card names it"
                )
    assert not silent, "\n".join(silent)
