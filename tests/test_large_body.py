"""A large call body screened as it is parsed (``cds_service.large_body``) gives the answer the
whole-body decode gives: the same cards for every scenario, the same error for every bad body,
and nothing dropped that anything reads."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from test_real_fhir_server import without_uuids

from benchmarks.synthetic import make_request
from cds_service import large_body, pipeline, wire
from cds_service.large_body import ScreenedOut
from cds_service.relevance import JUDGED_TYPES, is_relevant
from cds_service.settings import Settings
from hooks.terminology import default_terminology

ROOT = Path(__file__).resolve().parent.parent
TERMINOLOGY = default_terminology()


def _screen(resource: dict[str, Any]) -> bool:
    return is_relevant(resource, TERMINOLOGY)


def _decode(raw: bytes) -> Any:
    return large_body.decode(raw, _screen, JUDGED_TYPES)


def _calls() -> list[tuple[str, Path]]:
    calls = [("radicular-pathway", p) for p in sorted((ROOT / "fhir_fixtures/pathway").glob("*.json"))]
    calls = [(s, p) for s, p in calls if not p.name.endswith(".expected.json")]
    for p in sorted((ROOT / "fhir_fixtures/orders").glob("*.order-*.json")):
        calls.append((f"radicular-{p.name.rsplit('.', 2)[1]}", p))
    return calls


CALLS = _calls()


def test_there_are_scenarios_of_every_hook() -> None:
    assert {s for s, _ in CALLS} == {"radicular-pathway", "radicular-order-select", "radicular-order-sign"}
    assert len(CALLS) > 150


@pytest.fixture
def answer(make_app: Callable[..., Flask]) -> Callable[[str, bytes], tuple[int, Any]]:
    app = make_app(settings_overrides={"max_request_bytes": Settings().max_request_bytes})
    client = app.test_client()

    def post(service: str, raw: bytes) -> tuple[int, Any]:
        resp = client.post(f"/cds-services/{service}", data=raw, content_type="application/json")
        return resp.status_code, without_uuids(resp.get_json())

    return post


def test_every_scenario_gets_the_same_answer_screened_while_parsing(
    answer: Callable[[str, bytes], tuple[int, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each pathway and order scenario, decoded whole and then screened while parsing (every body
    counted as large): the same status and the same cards."""
    whole = {p.name: answer(service, p.read_bytes()) for service, p in CALLS}
    monkeypatch.setattr(pipeline, "SCREEN_WHILE_PARSING_BYTES", 0)
    differ = [p.name for service, p in CALLS if answer(service, p.read_bytes()) != whole[p.name]]
    assert differ == []
    assert sum(1 for status, body in whole.values() if status == 200 and body["cards"]) > 100


def test_a_large_chart_gets_the_same_cards_and_most_of_it_is_dropped_as_parsed(
    answer: Callable[[str, bytes], tuple[int, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = json.dumps(make_request(5050)).encode()
    assert len(raw) >= pipeline.SCREEN_WHILE_PARSING_BYTES  # the service decodes it screened
    screened = answer("radicular-pathway", raw)
    assert screened[0] == 200 and screened[1]["cards"]
    monkeypatch.setattr(pipeline, "SCREEN_WHILE_PARSING_BYTES", len(raw) + 1)
    assert answer("radicular-pathway", raw) == screened  # decoded whole: the same answer

    decoded, whole = _decode(raw), wire.decode_json(raw)
    entries = [e for v in decoded["prefetch"].values() if v and "entry" in v for e in v["entry"]]
    assert len(entries) == 5049
    assert sum(1 for e in entries if type(e["resource"]) is ScreenedOut) > 4900
    for key, value in decoded["prefetch"].items():  # what is kept is kept whole, in its place
        if value and value.get("resourceType") == "Bundle":
            for mine, theirs in zip(value["entry"], whole["prefetch"][key]["entry"], strict=True):
                resource, original = mine["resource"], theirs["resource"]
                if type(resource) is ScreenedOut:
                    assert resource == {"resourceType": original["resourceType"]} and not _screen(original)
                else:
                    assert resource == original


def _bundle(*resources: Any, **fields: Any) -> dict[str, Any]:
    entries = [{"fullUrl": f"urn:uuid:{i}", "resource": r} for i, r in enumerate(resources)]
    return {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries, **fields}


VITAL = {
    "resourceType": "Observation",
    "status": "final",
    "category": [
        {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                    "code": "vital-signs",
                }
            ]
        }
    ],
    "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4", "display": "Heart rate"}]},
}
WARNING = {
    "resourceType": "OperationOutcome",
    "issue": [{"severity": "information", "code": "informational", "diagnostics": "Search truncated"}],
}


def test_only_judged_types_are_dropped_and_an_outcome_stays_whole() -> None:
    """A search warning (OperationOutcome) decides whether the prefetch failed: kept whole, as are
    a Patient, a Medication and an unknown type, whatever the screen says of them."""
    others = [WARNING, {"resourceType": "Medication", "id": "m"}, {"resourceType": "Basic", "id": "b"}]
    body = {
        "hook": "patient-view",
        "prefetch": {
            "observations": _bundle(
                VITAL, *others, link=[{"relation": "self", "url": "https://x/Observation"}]
            ),
            "patient": {"resourceType": "Patient", "id": "p"},
            "empty": None,
        },
    }
    decoded = _decode(json.dumps(body).encode())
    bundle = decoded["prefetch"]["observations"]
    assert bundle == {
        "resourceType": "Bundle",
        "entry": [{"resource": ScreenedOut(resourceType="Observation")}, *({"resource": r} for r in others)],
        "link": [{"relation": "self", "url": "https://x/Observation"}],
    }
    assert type(bundle["entry"][0]["resource"]) is ScreenedOut
    assert decoded["prefetch"]["patient"] == body["prefetch"]["patient"]
    assert decoded["prefetch"]["empty"] is None
    assert decoded["hook"] == "patient-view"


def test_a_resource_that_confuses_the_screen_is_kept() -> None:
    def confused(resource: dict[str, Any]) -> bool:
        raise TypeError("unexpected shape")

    raw = json.dumps({"prefetch": {"o": _bundle(VITAL)}}).encode()
    decoded = large_body.decode(raw, confused, JUDGED_TYPES)
    assert decoded["prefetch"]["o"]["entry"][0]["resource"] == VITAL


@pytest.mark.parametrize(
    "raw",
    [
        b"[1, 2]",  # not an object
        b'{"prefetch": {"o": ' + json.dumps(_bundle(VITAL)).encode()[:-1] + b"}",  # malformed
        b'{"prefetch": {"o": {"resourceType": "Bundle", "entry": [{"fullUrl": "\xff", "resource": {}}]}}}',
        b'{"prefetch": {"o": {"resourceType": "Bundle", "entry": [{"fullUrl": NaN, "resource": {}}]}}}',
        b'{"prefetch": {"o": {"resourceType": "Bundle", "entry": [{"x": '
        + b"[" * 3000
        + b"]" * 3000
        + b"}]}}}",
        b'{"prefetch": {"o": {"resourceType": "Bundle", "entry": [{"resource": {"a": "\\ud800"}}]}}}',
        b'{"prefetch": {"o": {"resourceType": "Bundle", "entry": [1, {"resource": {}}]}}}',
        b'{"prefetch": {"o": {"resourceType": "Bundle", "entry": {"resource": {}}}}}',
        b'{"prefetch": [1], "hook": 12345678901234567890123}',
        b'{"prefetch": {"o": {"resourceType": "Bundle", "total": 12345678901234567890123, "entry": []}}}',
        b'{"a": 1} trailing',
        b'  {"prefetch": {"o": {"resourceType": "Bundle", "entry": []}}}  ',
        # the request's fields found in one pass, or field by field when there are others
        b'{"hook": "a", "hook": "b", "prefetch": {"o": {"resourceType": "Bundle", "entry": []}}}',
        b'{"prefetch": {"o": {"resourceType": "Bundle", "entry": []}}, "prefetch": null}',
        b'{"prefetch": null, "prefetch": {"o": {"resourceType": "Bundle", "entry": []}}}',
        b'{"prefetch": {"o": 1, "o": {"resourceType": "Bundle", "entry": [{"resource": {}}]}}}',
        b'{"hook": "h", "extra": [1], "prefetch": {"o": {"resourceType": "Bundle", "entry": []}}}',
        b'{"hook": "h", "prefetch": "none", "context": {}}',
        b'{"hookInstance": null, "fhirServer": null, "fhirAuthorization": null, "extension": {}}',
        b"{}",
    ],
)
def test_an_unusual_body_gets_what_the_whole_decode_gives(raw: bytes) -> None:
    _same_as_whole(raw)


def _same_as_whole(raw: bytes, keep: Callable[[dict[str, Any]], bool] = _screen) -> None:
    """Refused as the whole decode refuses it, or decoded as it decodes it (``_as_kept``)."""
    try:
        expected: Any = wire.decode_json(raw)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        with pytest.raises(type(exc)):
            large_body.decode(raw, keep, JUDGED_TYPES)
        return
    assert large_body.decode(raw, keep, JUDGED_TYPES) == _as_kept(expected)


def _as_kept(body: Any) -> Any:
    """What ``large_body`` keeps of a whole-decoded body, every resource kept (the screen aside):
    of a prefetched Bundle with an array of objects as its entries, its resourceType, link and each
    entry's resource."""
    if not isinstance(body, dict) or not isinstance(body.get("prefetch"), dict):
        return body
    prefetch = {}
    for key, value in body["prefetch"].items():
        entries = value.get("entry") if isinstance(value, dict) else None
        bundle = isinstance(value, dict) and value.get("resourceType") == "Bundle"
        if bundle and isinstance(entries, list) and all(isinstance(e, dict) for e in entries):
            value = {
                "resourceType": "Bundle",
                "entry": [{"resource": e["resource"]} if "resource" in e else {} for e in entries],
                **({"link": value["link"]} if value.get("link") is not None else {}),
            }
        prefetch[key] = value
    return {**body, "prefetch": prefetch}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)
ENTRY = st.fixed_dictionaries(
    {"resource": st.one_of(JSON, st.just(VITAL), st.just(WARNING))},
    optional={"fullUrl": JSON, "search": JSON},
)
BUNDLE = st.fixed_dictionaries(
    {"resourceType": st.sampled_from(["Bundle", "Observation", 7])},
    optional={"entry": st.one_of(st.lists(ENTRY, max_size=4), JSON), "link": JSON, "total": JSON},
)
PREFETCH = st.dictionaries(st.text(max_size=5), st.one_of(BUNDLE, JSON), max_size=3)
BODY = st.fixed_dictionaries(
    {},
    optional={
        "prefetch": st.one_of(PREFETCH, JSON),
        "hook": JSON,
        "hookInstance": JSON,
        "context": JSON,
        "fhirServer": JSON,
        "fhirAuthorization": JSON,
        "extension": JSON,
        "other": JSON,  # a field a CDS Hooks request does not have: the body is read field by field
    },
)


@settings(max_examples=300, deadline=None)
@given(BODY)
def test_any_body_decodes_as_the_whole_decode_gives_it(body: dict[str, Any]) -> None:
    """Every resource kept (a screen that keeps all): what the whole decode gives, less the fields
    nothing reads, or the error it gives (an infinite float is not JSON)."""
    _same_as_whole(json.dumps(body).encode(), lambda resource: True)
