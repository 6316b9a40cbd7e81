"""Property tests of the data path over HTTP, against the real services: arbitrary JSON in
``prefetch``, in ``context.draftOrders`` and in feedback bodies never produces a 5xx; every 4xx
carries an OperationOutcome; a 200 conforms to the OpenAPI document (and, for feedback, is on record).

Inputs are real requests (fhir_fixtures/protocol) with one part replaced, or one node deep inside
it replaced, by arbitrary JSON — so generated data reaches the FHIR adapter and the rules, not only
the first validation step. Outbound FHIR requests are refused (no network traffic).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from sqlalchemy import func, select

from cds_service.app import create_app
from cds_service.feedback import parse_rfc3339
from cds_service.openapi import document
from cds_service.settings import Settings
from cds_service.store import Store
from cds_service.store import models as m
from tests.conftest import EVALUATION_DATE, FHIR_BASE, FIXED_NOW, load_protocol
from tests.refusing_session import refusing_session

EXAMPLES = 300
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DOC = document()

FHIR_TYPES = [
    "Patient",
    "Condition",
    "Procedure",
    "Observation",
    "MedicationRequest",
    "MedicationStatement",
    "ServiceRequest",
    "DiagnosticReport",
    "Encounter",
    "Bundle",
    "OperationOutcome",
    "DeviceRequest",
    "Medication",
]
FIELDS = [
    "resourceType",
    "id",
    "entry",
    "resource",
    "code",
    "coding",
    "system",
    "text",
    "status",
    "subject",
    "reference",
    "performedDateTime",
    "performedPeriod",
    "start",
    "onsetDateTime",
    "effectiveDateTime",
    "valueQuantity",
    "value",
    "bodySite",
    "outcome",
    "clinicalStatus",
    "category",
    "issue",
    "severity",
    "medicationCodeableConcept",
    "dosageInstruction",
    "authoredOn",
    "intent",
    "contained",
    "extension",
    "url",
]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            *FHIR_TYPES,
            "2026-11-20",
            "2026-02-30",
            "2026-11-20T10:00:00Z",
            "0000-00-00",
            "http://snomed.info/sct",
            "http://loinc.org",
            "72514-3",
            "completed",
            "active",
            "draft",
            "Patient/rad-001",
            "L5-S1",
            "",
        ]
    )
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)
RESOURCE = st.builds(
    lambda rtype, rest: {"resourceType": rtype, **rest},
    st.sampled_from(FHIR_TYPES),
    st.dictionaries(st.sampled_from(FIELDS[1:]), JSON, max_size=6),
)
ANY = JSON | RESOURCE


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp: Path = tmp_path_factory.mktemp("properties")
    settings_ = Settings(
        auth_enabled=False,
        database_url=f"sqlite:///{tmp / 'cds.sqlite3'}",
        evaluation_date=EVALUATION_DATE,
        fhir_timeout_seconds=1.0,
        fhir_total_budget_seconds=2.0,
        max_request_bytes=1024 * 1024,
        log_level="ERROR",
    )
    store = Store.from_settings(settings_)
    session, adapter = refusing_session()
    application = create_app(settings_, store=store, fhir_session=session, clock=lambda: FIXED_NOW)
    application.config["TESTING"] = True
    application.extensions["refusing_adapter"] = adapter
    yield application
    session.close()
    store.close()


@pytest.fixture(scope="module")
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def valid(instance: Any, name: str) -> bool:
    v = Draft202012Validator({"components": DOC["components"], "$ref": f"#/components/schemas/{name}"})
    return v.is_valid(instance)


def check_answer(resp: Any, allowed: set[int], ok_schema: str) -> None:
    event(f"HTTP {resp.status_code}")
    assert resp.status_code in allowed, (resp.status_code, resp.get_data()[:500])
    body = resp.get_json()
    if resp.status_code >= 400:
        assert body["resourceType"] == "OperationOutcome" and body["issue"], body
        assert valid(body, "OperationOutcome"), body
    else:
        assert valid(body, ok_schema), json.dumps(body)[:500]


def nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into a JSON value (the value itself first)."""
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from nodes(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from nodes(v, (*path, i))


def replace_at(root: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    parent = root
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return root


@st.composite
def mutated(draw: st.DrawFn, fixture: str, part: tuple[str, ...]) -> dict[str, Any]:
    """The fixture with ``part`` (or one node inside it) replaced by arbitrary JSON."""
    body = load_protocol(fixture)
    target = body
    for step in part:
        target = target[step]
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = list(nodes(target))
        where = draw(st.sampled_from(paths))
        new = draw(ANY)
        target = replace_at(target, where, new)
    replace_at(body, part, target)
    return body


SERVICE = {
    "patient-view.full-prefetch.json": "radicular-pathway",
    "order-select.full-prefetch.json": "radicular-order-select",
    "order-sign.full-prefetch.json": "radicular-order-sign",
}


def post(client: FlaskClient, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


@PROPERTY
@given(data=st.data(), fixture=st.sampled_from(sorted(SERVICE)))
def test_arbitrary_prefetch_is_cards_a_400_or_a_412(
    app: Flask, client: FlaskClient, data: st.DataObject, fixture: str
) -> None:
    body = data.draw(
        mutated(fixture, ("prefetch",))
        | st.builds(
            lambda key, value, b: {**b, "prefetch": {**b["prefetch"], key: value}},
            st.sampled_from(sorted(load_protocol(fixture)["prefetch"])) | st.text(max_size=8),
            ANY,
            st.just(load_protocol(fixture)),
        )
    )
    if data.draw(st.booleans()):  # absent keys and OperationOutcomes are then fetched (and refused)
        body["fhirServer"] = FHIR_BASE
        if isinstance(body.get("prefetch"), dict):
            for key in data.draw(st.sets(st.sampled_from(sorted(body["prefetch"]) or ["none"]), max_size=3)):
                body["prefetch"].pop(key, None)
    attempts = app.extensions["refusing_adapter"].attempts
    resp = post(client, f"/cds-services/{SERVICE[fixture]}", body)
    check_answer(resp, {200, 400, 412}, "CdsResponse")
    if app.extensions["refusing_adapter"].attempts > attempts:
        event("FHIR fetch attempted (refused)")


@PROPERTY
@given(
    data=st.data(),
    fixture=st.sampled_from(["order-select.full-prefetch.json", "order-sign.full-prefetch.json"]),
)
def test_arbitrary_draft_orders_are_cards_or_a_400(
    client: FlaskClient, data: st.DataObject, fixture: str
) -> None:
    body = data.draw(
        mutated(fixture, ("context", "draftOrders"))
        | st.builds(
            lambda orders, b: {**b, "context": {**b["context"], "draftOrders": orders}},
            ANY
            | st.builds(
                lambda entries: {"resourceType": "Bundle", "entry": entries}, st.lists(ANY, max_size=4)
            )
            | st.builds(
                lambda rs: {"resourceType": "Bundle", "entry": [{"resource": r} for r in rs]},
                st.lists(RESOURCE, max_size=4),
            ),
            st.just(load_protocol(fixture)),
        )
    )
    resp = post(client, f"/cds-services/{SERVICE[fixture]}", body)
    check_answer(resp, {200, 400}, "CdsResponse")


ITEM_KEYS = ["card", "outcome", "outcomeTimestamp", "acceptedSuggestions", "overrideReason", "id", "reason"]
ITEM_VALUES = (
    JSON
    | st.sampled_from(["accepted", "overridden", "2026-11-20T14:31:05Z", "2026-11-20T14:31:05+25:00"])
    | st.lists(st.fixed_dictionaries({"id": JSON}), max_size=2)
    | st.fixed_dictionaries(
        {"reason": st.fixed_dictionaries({"system": JSON, "code": JSON}), "userComment": JSON}
    )
)
VALID_ITEM = st.sampled_from(
    [
        {"card": "c-1", "outcome": "overridden", "outcomeTimestamp": "2026-11-20T14:31:05Z"},
        {
            "card": "c-2",
            "outcome": "accepted",
            "acceptedSuggestions": [{"id": "s-1"}],
            "outcomeTimestamp": "2026-11-20T14:31:05.123+01:00",
        },
        {
            "card": "c-3",
            "outcome": "overridden",
            "overrideReason": {
                "reason": {
                    "system": "http://radicular-cds.org/fhir/CodeSystem/override-reason",
                    "code": "snooze-1m",
                },
                "userComment": "reviewed",
            },
            "outcomeTimestamp": "2026-11-20T14:31:05Z",
        },
    ]
)


@st.composite
def near_valid_item(draw: st.DrawFn) -> dict[str, Any]:
    """A valid entry with one node replaced by arbitrary JSON or one field dropped."""
    item = copy.deepcopy(draw(VALID_ITEM))
    where = draw(st.sampled_from(list(nodes(item))[1:]))
    if draw(st.booleans()):
        return replace_at(item, where, draw(ITEM_VALUES))
    parent = item
    for step in where[:-1]:
        parent = parent[step]
    del parent[where[-1]]
    return item


FEEDBACK = (
    JSON
    | st.builds(lambda items: {"feedback": items}, st.lists(near_valid_item() | VALID_ITEM, max_size=3))
    | st.fixed_dictionaries({"feedback": JSON})
    | st.fixed_dictionaries(
        {
            "feedback": st.lists(
                st.dictionaries(st.sampled_from(ITEM_KEYS), ITEM_VALUES, max_size=6), max_size=3
            )
        }
    )
)


def feedback_rows(app: Flask) -> int:
    store: Store = app.extensions["cds_store"]
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(m.Feedback)).scalar_one())


@PROPERTY
@given(body=FEEDBACK)
def test_arbitrary_feedback_is_stored_or_a_400(app: Flask, client: FlaskClient, body: Any) -> None:
    before = feedback_rows(app)
    resp = post(client, "/cds-services/radicular-pathway/feedback", body)
    check_answer(resp, {200, 400}, "FeedbackResult")
    after = feedback_rows(app)
    assert after - before == (resp.get_json()["stored"] if resp.status_code == 200 else 0)


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-20T14:31:05Z\n",
        "2026-11-20T14:31:05+01:00\n",
        "２０２６-11-20T14:31:05Z",
        "2026-11-20T14:31:0٥Z",
    ],
)
def test_a_timestamp_with_a_trailing_newline_or_non_ascii_digits_is_refused(
    client: FlaskClient, value: str
) -> None:
    """The parser agrees with the document's pattern: nothing after the offset, ASCII digits only."""
    with pytest.raises(ValueError):
        parse_rfc3339(value)
    item = {"card": "c", "outcome": "overridden", "outcomeTimestamp": value}
    resp = post(client, "/cds-services/radicular-pathway/feedback", {"feedback": [item]})
    assert resp.status_code == 400
    assert resp.get_json()["issue"][0]["expression"] == ["feedback[0].outcomeTimestamp"]


def test_the_mutation_helpers_really_change_the_request() -> None:
    body = load_protocol("order-sign.full-prefetch.json")
    original = copy.deepcopy(body)
    replace_at(body, ("context", "draftOrders", "entry", 0, "resource", "status"), 42)
    assert body != original and body["context"]["draftOrders"]["entry"][0]["resource"]["status"] == 42
    assert ("prefetch", "conditions") in set(nodes(original))
