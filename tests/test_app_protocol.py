"""HTTP protocol: discovery, invocation with full / partial / no prefetch, every error path,
CORS, health, audit records, snoozes and logging — through the real app with a probe service."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import responses
from conftest import FHIR_BASE, FIXED_NOW, draft, load_protocol, make_probe_service, probe_draft
from flask import Flask
from flask.testing import FlaskClient

from cds_service.records import InvocationRecord
from cds_service.store import FeedbackItem
from hooks.cards import Fact, SuggestionDraft, render_detail
from hooks.evaluation import EvaluationInput
from hooks.evidence import guideline
from hooks.registry import services

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TOKEN = "secret-access-token-xyz"
KEY_TYPES = {
    "patient": "Patient/rad-001",
    "conditions": "Condition",
    "procedures": "Procedure",
    "observations": "Observation",
    "examObservations": "Observation",
    "medicationRequests": "MedicationRequest",
    "medicationStatements": "MedicationStatement",
    "serviceRequests": "ServiceRequest",
    "diagnosticReports": "DiagnosticReport",
    "encounters": "Encounter",
}


class SpyStore:
    """The real store, with every record_invocation and active_snoozes call kept for asserts."""

    def __init__(self, real: Any, silenced: frozenset[str] = frozenset()) -> None:
        self.real = real
        self.records: list[InvocationRecord] = []
        self.snooze_calls: list[tuple[str, str, Any]] = []
        self.silenced = silenced

    def record_invocation(self, rec: InvocationRecord) -> None:
        self.records.append(rec)
        self.real.record_invocation(rec)

    def active_snoozes(self, service_id: str, patient_id: str, at: Any) -> frozenset[str]:
        self.snooze_calls.append((service_id, patient_id, at))
        return self.silenced | self.real.active_snoozes(service_id, patient_id, at)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.fixture
def fake() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def post(client: FlaskClient, service: str, body: Any, **kw: Any) -> Any:
    return client.post(f"/cds-services/{service}", json=body, **kw)


def strip_uuids(body: dict[str, Any]) -> dict[str, Any]:
    """Replace card and suggestion uuids with placeholders after checking they are UUID4s."""
    for card in body["cards"]:
        assert UUID.match(card.pop("uuid"))
        for s in card.get("suggestions", []):
            assert UUID.match(s.pop("uuid"))
    return body


def probe_card(summary: str, why: list[Fact], gaps: list[str] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    g = guideline("nice_ng59")
    detail = render_detail(probe_draft(summary, tuple(why), tuple(gaps)))
    return {
        "summary": summary,
        "detail": detail,
        "indicator": "info",
        "source": {
            "label": "Radicular CDS · NICE NG59",
            "url": g.url,
            "topic": {
                "system": "http://radicular-cds.org/fhir/CodeSystem/cds-rules",
                "code": "probe.history",
                "display": "Probe: what the service received",
            },
        },
    }


CHART_WHY = [
    Fact(
        "condition Radiculopathy, lumbar region; procedure Therapeutic exercises on 2026-03-20; procedure "
        "Transforaminal epidural injection, lumbar or sacral, single level on 2026-06-10; observation pain "
        "= 8; observation pain = 7",
        "Condition/cond-radic",
        ("Procedure/proc-pt-1", "Procedure/proc-esi-1", "Observation/obs-pain-1", "Observation/obs-pain-2"),
    )
]
SUMMARY = "1 conditions, 2 procedures, 2 observations"
DRAFTS = {
    "patient-view": [],
    "order-select": [Fact("draft orders ServiceRequest/sr-draft-esi")],
    "order-sign": [Fact("draft orders ServiceRequest/sr-draft-esi, MedicationRequest/medrx-draft-oxy")],
}


def expected_full(hook: str, gaps: list[str] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {
        "cards": [
            probe_card(
                SUMMARY, [*CHART_WHY, *DRAFTS[hook], Fact(f"evaluated on 2026-11-20 for hook {hook}")], gaps
            )
        ]
    }


def serve_chart(
    fake: responses.RequestsMock, chart: dict[str, Any], keys: list[str], base: str = FHIR_BASE
) -> None:
    for key in keys:
        fake.get(f"{base}/{KEY_TYPES[key]}", json=chart[key])


# -- discovery ----------------------------------------------------------------------------------


def test_discovery_lists_both_real_services(make_app: Callable[..., Flask]) -> None:
    """GET /cds-services returns exactly the registry's entries: three hooks, two ids."""
    client = make_app().test_client()
    resp = client.get("/cds-services")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    body = resp.get_json()
    expected = [e for s in services() for e in s.discovery_entries()]
    assert body == {"services": expected}
    assert [(e["hook"], e["id"]) for e in body["services"]] == [
        ("patient-view", "radicular-pathway"),
        ("order-select", "radicular-order-select"),
        ("order-sign", "radicular-order-sign"),
    ]


# -- invocation: full, partial, no prefetch -------------------------------------------------------


@pytest.mark.parametrize("hook", ["patient-view", "order-select", "order-sign"])
def test_full_prefetch(client: FlaskClient, fake: responses.RequestsMock, hook: str) -> None:
    """With every key prefetched, the service answers from prefetch alone (no FHIR calls)."""
    resp = post(client, "probe", load_protocol(f"{hook}.full-prefetch.json"))
    assert resp.status_code == 200, resp.get_json()
    assert strip_uuids(resp.get_json()) == expected_full(hook)
    assert len(fake.calls) == 0


@pytest.mark.parametrize("hook", ["patient-view", "order-select", "order-sign"])
def test_partial_prefetch_with_fhir_server(
    client: FlaskClient, fake: responses.RequestsMock, hook: str
) -> None:
    """Keys left out of prefetch are fetched from fhirServer with the bearer token; same answer."""
    body = load_protocol(f"{hook}.full-prefetch.json")
    chart = body["prefetch"]
    missing = ["procedures", "observations", "encounters"]
    body["prefetch"] = {k: v for k, v in chart.items() if k not in missing}
    body["fhirServer"] = FHIR_BASE
    body["fhirAuthorization"] = {
        "access_token": TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "radicular-cds",
    }
    serve_chart(fake, chart, missing)
    resp = post(client, "probe", body)
    assert resp.status_code == 200, resp.get_json()
    assert strip_uuids(resp.get_json()) == expected_full(hook)
    assert sorted(c.request.url.split("?")[0] for c in fake.calls) == [
        f"{FHIR_BASE}/Encounter",
        f"{FHIR_BASE}/Observation",
        f"{FHIR_BASE}/Procedure",
    ]
    assert {c.request.headers["Authorization"] for c in fake.calls} == {f"Bearer {TOKEN}"}
    assert all("patient=rad-001" in c.request.url for c in fake.calls)


@pytest.mark.parametrize("hook", ["patient-view", "order-select", "order-sign"])
def test_no_prefetch_with_fhir_server(client: FlaskClient, fake: responses.RequestsMock, hook: str) -> None:
    """With no prefetch at all, everything is fetched (no token given: no Authorization header)."""
    body = load_protocol(f"{hook}.full-prefetch.json")
    chart = body.pop("prefetch")
    body["fhirServer"] = FHIR_BASE
    serve_chart(fake, chart, list(KEY_TYPES))
    resp = post(client, "probe", body)
    assert resp.status_code == 200, resp.get_json()
    assert strip_uuids(resp.get_json()) == expected_full(hook)
    assert len(fake.calls) == len(KEY_TYPES)
    assert all("Authorization" not in c.request.headers for c in fake.calls)


def test_optional_data_missing_is_named_on_the_card(
    client: FlaskClient, fake: responses.RequestsMock
) -> None:
    """An optional key the FHIR server fails on still gives cards, whose detail says what went unchecked."""
    body = load_protocol("patient-view.full-prefetch.json")
    del body["prefetch"]["observations"]
    body["fhirServer"] = FHIR_BASE
    fake.get(f"{FHIR_BASE}/Observation", status=503)
    resp = post(client, "probe", body)
    assert resp.status_code == 200
    card = resp.get_json()["cards"][0]
    assert card["summary"] == "1 conditions, 2 procedures, 0 observations"
    assert "**Not recorded:** observations: FHIR server answered with an error status" in card["detail"]


def test_sandbox_patient_view_shape(client: FlaskClient, fake: responses.RequestsMock) -> None:
    """The Sandbox's real patient-view request (partial prefetch, open FHIR server) works."""
    body = load_protocol("patient-view.sandbox.json")
    base = body["fhirServer"]
    for key in (
        "observations",
        "medicationRequests",
        "medicationStatements",
        "serviceRequests",
        "diagnosticReports",
        "encounters",
    ):
        fake.get(
            f"{base}/{KEY_TYPES[key].split('/')[0]}", json={"resourceType": "Bundle", "type": "searchset"}
        )
    resp = post(client, "probe", body)
    assert resp.status_code == 200, resp.get_json()
    assert strip_uuids(resp.get_json()) == {
        "cards": [
            probe_card(
                "0 conditions, 0 procedures, 0 observations",
                [Fact("evaluated on 2026-11-20 for hook patient-view")],
            )
        ]
    }
    assert len(fake.calls) == 7 and all("patient=p1" in c.request.url for c in fake.calls)


@pytest.mark.parametrize(
    "name",
    [
        "order-sign.sandbox.json",
        "order-select.sandbox-pama.json",
        "order-select.library-R4.json",
        "order-sign.library-R4.json",
        "order-sign.library-STU3.json",
        "order-select.cds-hooks-org-radiology.json",
        "patient-view.spec.json",
    ],
)
def test_sandbox_and_spec_shapes_are_served(
    client: FlaskClient, fake: responses.RequestsMock, name: str
) -> None:
    """Every Sandbox and spec request shape is accepted and answered (data fetched from fhirServer)."""
    body = load_protocol(name)
    if body["fhirServer"].startswith("http://hooks.smarthealthit.org"):
        # The spec's example names plain http to a public host, which is never contacted
        # (tests/test_fhir_trust.py); the shape is served from a declared https server here.
        body["fhirServer"] = FHIR_BASE
    base = body["fhirServer"]
    pid = body["context"]["patientId"]
    fake.get(f"{base}/Patient/{pid}", json={"resourceType": "Patient", "id": pid})
    for key, rtype in KEY_TYPES.items():
        if key != "patient":
            fake.get(f"{base}/{rtype}", json={"resourceType": "Bundle", "type": "searchset"})
    resp = post(client, "probe", body)
    assert resp.status_code == 200, resp.get_json()
    card = resp.get_json()["cards"][0]
    assert card["summary"] == "0 conditions, 0 procedures, 0 observations"
    drafts = [
        r.get("id") for r in (e["resource"] for e in body["context"].get("draftOrders", {}).get("entry", []))
    ]
    for d in drafts:
        assert f"/{d}" in card["detail"]
    token = (body.get("fhirAuthorization") or {}).get("access_token")
    for c in fake.calls:
        assert c.request.headers.get("Authorization") == (f"Bearer {token}" if token else None)


# -- card handling ------------------------------------------------------------------------------


def fixed(*drafts: Any) -> Callable[[EvaluationInput], list[Any]]:
    return lambda inp: list(drafts)


def test_one_card_per_topic_most_urgent_wins(make_app: Callable[..., Flask]) -> None:
    """Two drafts on one topic give one card (the more urgent); other topics keep their card."""
    svc = make_probe_service(
        fixed(draft("A", "t1", "info"), draft("B", "t1", "warning"), draft("C", "t2", "info"))
    )
    resp = post(
        make_app(services=(svc,)).test_client(), "probe", load_protocol("patient-view.full-prefetch.json")
    )
    assert [c["source"]["topic"]["code"] for c in resp.get_json()["cards"]] == ["B", "C"]


def test_no_advice_is_an_empty_card_list(make_app: Callable[..., Flask]) -> None:
    """When the logic has nothing to say the answer is 200 {"cards": []}."""
    svc = make_probe_service(fixed())
    resp = post(
        make_app(services=(svc,)).test_client(), "probe", load_protocol("patient-view.full-prefetch.json")
    )
    assert resp.status_code == 200 and resp.get_json() == {"cards": []}


def test_snoozed_rules_are_dropped(make_app: Callable[..., Flask], store: Any) -> None:
    """A rule silenced for this patient and service is not shown; the store is asked with the clock."""
    spy = SpyStore(store, silenced=frozenset({"B"}))
    svc = make_probe_service(fixed(draft("A", "t1"), draft("B", "t2")))
    resp = post(
        make_app(services=(svc,), store=spy).test_client(),
        "probe",
        load_protocol("patient-view.full-prefetch.json"),
    )
    assert [c["source"]["topic"]["code"] for c in resp.get_json()["cards"]] == ["A"]
    assert spy.snooze_calls == [("probe", "rad-001", FIXED_NOW)]


def test_the_snooze_read_waits_on_the_database_outside_the_evaluation_lock(
    make_app: Callable[..., Flask], store: Any
) -> None:
    """The worker's other calls go on evaluating while a call reads its snoozes: the read is made
    before the call takes its turn to evaluate, never while holding it."""
    held: list[bool] = []

    class Watching(SpyStore):
        def active_snoozes(self, service_id: str, patient_id: str, at: Any) -> frozenset[str]:
            held.append(app.extensions["cds_engine"].evaluating.locked())
            return super().active_snoozes(service_id, patient_id, at)

    spy = Watching(store, silenced=frozenset({"B"}))
    svc = make_probe_service(fixed(draft("A", "t1"), draft("B", "t2")))
    app = make_app(services=(svc,), store=spy)
    resp = post(app.test_client(), "probe", load_protocol("patient-view.full-prefetch.json"))
    assert [c["source"]["topic"]["code"] for c in resp.get_json()["cards"]] == ["A"]
    assert held == [False]


def test_snooze_feedback_silences_the_rule_end_to_end(make_app: Callable[..., Flask], store: Any) -> None:
    """Override with a snooze reason (recorded in the real store) and the next call drops that rule."""
    svc = make_probe_service(fixed(draft("A", "t1"), draft("B", "t2")))
    client = make_app(services=(svc,)).test_client()
    body = load_protocol("patient-view.full-prefetch.json")
    first = post(client, "probe", body).get_json()["cards"]
    b_uuid = next(c["uuid"] for c in first if c["source"]["topic"]["code"] == "B")
    store.record_feedback(
        "probe",
        [
            FeedbackItem(
                card=b_uuid,
                outcome="overridden",
                outcome_at=FIXED_NOW,
                reason_system="http://radicular-cds.org/fhir/CodeSystem/override-reason",
                reason_code="snooze-1m",
            )
        ],
        FIXED_NOW,
    )
    second = post(client, "probe", body).get_json()["cards"]
    assert [c["source"]["topic"]["code"] for c in second] == ["A"]


def test_every_invocation_is_recorded(make_app: Callable[..., Flask], store: Any) -> None:
    """The store gets one record per call with the issued cards and suggestion uuids."""
    spy = SpyStore(store)
    svc = make_probe_service(fixed(draft("A", "t1", suggestions=(SuggestionDraft("do it"),))))
    resp = post(
        make_app(services=(svc,), store=spy).test_client(),
        "probe",
        load_protocol("order-sign.full-prefetch.json"),
    )
    card = resp.get_json()["cards"][0]
    [rec] = spy.records
    assert (
        rec.at,
        rec.service_id,
        rec.hook,
        rec.hook_instance,
        rec.patient_id,
        rec.user_id,
        rec.status,
        rec.error,
    ) == (
        FIXED_NOW,
        "probe",
        "order-sign",
        "6f1c9a52-2d2b-4c1e-8a53-0c9d7b1e5a12",
        "rad-001",
        "Practitioner/prac-7",
        200,
        None,
    )
    assert rec.latency_ms > 0
    assert [(c.uuid, c.rule_id, c.indicator, c.suggestion_uuids) for c in rec.cards] == [
        (card["uuid"], "A", "warning", (card["suggestions"][0]["uuid"],))
    ]


# -- errors -------------------------------------------------------------------------------------


def assert_outcome(resp: Any, status: int, code: str, diagnostics: str | None = None) -> dict[str, Any]:
    """Every error has one shape: a FHIR OperationOutcome with one issue."""
    assert resp.status_code == status
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert body["resourceType"] == "OperationOutcome"
    [issue] = body["issue"]
    assert issue["code"] == code and issue["severity"] in ("error", "fatal")
    if diagnostics is not None:
        assert issue["diagnostics"] == diagnostics
    return issue


def test_400_malformed_body(client: FlaskClient) -> None:
    """Missing hook, bad JSON, empty body, undeclared hook: 400 OperationOutcomes."""
    body = load_protocol("patient-view.full-prefetch.json")
    del body["hookInstance"]
    issue = assert_outcome(
        post(client, "probe", body),
        400,
        "invalid",
        "'hookInstance' is required and must be a non-empty string.",
    )
    assert issue["expression"] == ["hookInstance"]
    assert_outcome(
        client.post("/cds-services/probe", data="{not json", content_type="application/json"),
        400,
        "invalid",
        "The request body is not valid JSON.",
    )
    assert_outcome(
        client.post("/cds-services/probe", data="", content_type="application/json"), 400, "invalid"
    )
    assert_outcome(post(client, "probe", [1, 2]), 400, "invalid", "The request body must be a JSON object.")


def test_400_hook_not_declared_by_service(make_app: Callable[..., Flask]) -> None:
    """The order service does not answer patient-view: 400 naming the hook."""
    svc = make_probe_service(id="orders-only", hooks=("order-select", "order-sign"))
    issue = assert_outcome(
        post(
            make_app(services=(svc,)).test_client(),
            "orders-only",
            load_protocol("patient-view.full-prefetch.json"),
        ),
        400,
        "invalid",
        "This service does not answer the 'patient-view' hook.",
    )
    assert issue["expression"] == ["hook"]


def test_400_invalid_fhir_in_prefetch(client: FlaskClient) -> None:
    """A relevant prefetch resource that is not valid R4 is a 400 naming the key and path."""
    body = load_protocol("patient-view.full-prefetch.json")
    body["prefetch"]["procedures"]["entry"][0]["resource"]["performedDateTime"] = "June"
    issue = assert_outcome(post(client, "probe", body), 400, "structure")
    assert issue["expression"] == ["prefetch.procedures.entry[0].resource.performedDateTime"]


def test_400_unknown_type_in_bundle_entry(client: FlaskClient) -> None:
    """fhir.resources' KeyError on an unknown nested resourceType is a 400, not a 500."""
    body = load_protocol("patient-view.full-prefetch.json")
    body["prefetch"]["conditions"]["entry"][0]["resource"]["contained"] = [{"resourceType": "Bogus"}]
    issue = assert_outcome(post(client, "probe", body), 400, "structure")
    assert issue["expression"] == ["prefetch.conditions.entry[0].resource"]


def test_400_bad_draft_orders(client: FlaskClient) -> None:
    """draftOrders that is not an object with an entry array is a 400."""
    body = load_protocol("order-sign.full-prefetch.json")
    body["context"]["draftOrders"] = {"resourceType": "Bundle", "entry": {"resource": {}}}
    issue = assert_outcome(post(client, "probe", body), 400, "invalid")
    assert issue["expression"] == ["context.draftOrders"]


def test_404_unknown_service_and_path(client: FlaskClient) -> None:
    """An unknown service id or path is a 404 OperationOutcome."""
    assert_outcome(
        post(client, "nope", load_protocol("patient-view.full-prefetch.json")),
        404,
        "not-found",
        "There is no CDS service with id 'nope'.",
    )
    assert_outcome(client.get("/nowhere"), 404, "not-found")


def test_405_wrong_method(client: FlaskClient) -> None:
    """GET on a service or DELETE on discovery is a 405 OperationOutcome with an Allow header."""
    resp = client.get("/cds-services/probe")
    assert_outcome(resp, 405, "not-supported")
    assert "POST" in resp.headers["Allow"]
    assert_outcome(client.delete("/cds-services"), 405, "not-supported")


def test_412_required_data_unobtainable(client: FlaskClient, fake: responses.RequestsMock) -> None:
    """Required conditions missing and the FHIR server answering 401 → 412 naming the key."""
    body = load_protocol("patient-view.full-prefetch.json")
    del body["prefetch"]["conditions"]
    body["fhirServer"] = FHIR_BASE
    body["fhirAuthorization"] = {
        "access_token": TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "x",
        "subject": "y",
    }
    fake.get(f"{FHIR_BASE}/Condition", status=401)
    issue = assert_outcome(
        post(client, "probe", body),
        412,
        "incomplete",
        "Required FHIR data could not be obtained (conditions: FHIR server refused access).",
    )
    assert issue["expression"] == ["prefetch.conditions"]
    del body["fhirServer"], body["fhirAuthorization"]
    assert_outcome(post(client, "probe", body), 412, "incomplete")


def test_413_body_too_large(client: FlaskClient) -> None:
    """A body over the configured limit is a 413, before it is parsed."""
    body = load_protocol("patient-view.full-prefetch.json")
    body["padding"] = "x" * (64 * 1024)
    assert_outcome(post(client, "probe", body), 413, "too-costly")


def test_415_not_json(client: FlaskClient) -> None:
    """A body that is not declared JSON is a 415."""
    resp = client.post(
        "/cds-services/probe", data="hook=patient-view", content_type="application/x-www-form-urlencoded"
    )
    assert_outcome(resp, 415, "not-supported")
    assert_outcome(client.post("/cds-services/probe", data="{}"), 415, "not-supported")


def test_500_when_logic_crashes_never_empty_cards(
    make_app: Callable[..., Flask], store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """An exception in evaluate is a 500 OperationOutcome, a log line and an audit record — never 200 []."""

    def boom(inp: EvaluationInput) -> list[Any]:
        raise ZeroDivisionError(f"patient {inp.patient_id} broke it")

    spy = SpyStore(store)
    client = make_app(services=(make_probe_service(boom),), store=spy).test_client()
    with caplog.at_level(logging.INFO, logger="cds_service"):
        resp = post(client, "probe", load_protocol("patient-view.full-prefetch.json"))
    assert_outcome(
        resp,
        500,
        "exception",
        "The probe decision logic failed; no advice could be given. This is not an empty result.",
    )
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].exception["type"] == "builtins.ZeroDivisionError"  # type: ignore[attr-defined]
    assert any("in boom" in at for at in errors[0].exception["at"])  # type: ignore[attr-defined]
    assert "rad-001" not in caplog.text
    assert [(r.status, r.error, r.cards) for r in spy.records] == [(500, "InternalError", ())]


def test_errors_are_recorded_too(make_app: Callable[..., Flask], store: Any) -> None:
    """400 and 412 calls are audited with their status and error class."""
    spy = SpyStore(store)
    client = make_app(services=(make_probe_service(),), store=spy).test_client()
    bad = load_protocol("patient-view.full-prefetch.json")
    del bad["context"]["patientId"]
    post(client, "probe", bad)
    no_data = load_protocol("patient-view.full-prefetch.json")
    del no_data["prefetch"]["procedures"]
    post(client, "probe", no_data)
    assert [(r.status, r.error, r.hook, r.patient_id) for r in spy.records] == [
        (400, "BadRequest", "patient-view", None),
        (412, "PreconditionFailed", "patient-view", "rad-001"),
    ]


# -- CORS, health, auth, logs -------------------------------------------------------------------

ORIGIN = "https://sandbox.cds-hooks.org"


@pytest.mark.parametrize(("path", "method"), [("/cds-services", "GET"), ("/cds-services/probe", "POST")])
def test_cors_preflight(client: FlaskClient, path: str, method: str) -> None:
    """The browser preflight for discovery and for a POST is answered with the allowed origin,
    methods and the Authorization and Content-Type headers."""
    resp = client.options(
        path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert resp.status_code == 200
    h = resp.headers
    assert h["Access-Control-Allow-Origin"] == ORIGIN
    assert set(h["Access-Control-Allow-Methods"].replace(" ", "").split(",")) == {"GET", "POST", "OPTIONS"}
    assert set(h["Access-Control-Allow-Headers"].lower().replace(" ", "").split(",")) == {
        "authorization",
        "content-type",
    }


def test_cors_headers_on_answers_and_errors_only_for_allowed_origins(client: FlaskClient) -> None:
    """Responses (errors included) carry CORS headers for a configured origin, not for others."""
    ok = client.get("/cds-services", headers={"Origin": ORIGIN})
    assert ok.headers["Access-Control-Allow-Origin"] == ORIGIN
    err = client.post("/cds-services/probe", json={}, headers={"Origin": ORIGIN})
    assert err.status_code == 400 and err.headers["Access-Control-Allow-Origin"] == ORIGIN
    other = client.get("/cds-services", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_health(client: FlaskClient) -> None:
    """GET /health answers 200 for load balancers."""
    resp = client.get("/health")
    assert resp.status_code == 200 and resp.get_json() == {"status": "pass", "services": 1}


def test_auth_on_by_default_refuses_unauthenticated_calls(make_app: Callable[..., Flask]) -> None:
    """With auth on (no trust file) discovery and invocation are 401 OperationOutcomes, while the
    CORS preflight and the liveness check still answer; readiness says it cannot serve."""
    client = make_app(settings_overrides={"auth_enabled": True}).test_client()
    assert_outcome(client.get("/cds-services"), 401, "login")
    resp = post(
        client,
        "radicular-pathway",
        load_protocol("patient-view.full-prefetch.json"),
        headers={"Authorization": "Bearer not-a-jwt"},
    )
    assert_outcome(resp, 401, "login")
    pre = client.options("/cds-services", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 200
    assert client.get("/health/live").status_code == 200
    assert client.get("/health/ready").status_code == 503


def test_request_log_line_has_no_patient_data_or_tokens(
    client: FlaskClient, fake: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    """One structured line per request with route, status, latency and key names — no patient id,
    user id, token or resource content."""
    body = load_protocol("patient-view.full-prefetch.json")
    del body["prefetch"]["observations"]
    body["fhirServer"] = FHIR_BASE
    body["fhirAuthorization"] = {
        "access_token": TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "x",
        "subject": "y",
    }
    fake.get(f"{FHIR_BASE}/Observation", body=requests.exceptions.ConnectionError("refused"))
    from cds_service.logging_setup import JsonFormatter

    with caplog.at_level(logging.INFO, logger="cds_service"):
        assert post(client, "probe", body).status_code == 200
    lines = [r for r in caplog.records if getattr(r, "event", None) == "request"]
    assert len(lines) == 1
    line = json.loads(JsonFormatter().format(lines[0]))
    assert {k: line[k] for k in ("method", "route", "status", "service", "hook", "cards", "unavailable")} == {
        "method": "POST",
        "route": "/cds-services/<service_id>",
        "status": 200,
        "service": "probe",
        "hook": "patient-view",
        "cards": 1,
        "unavailable": ["observations"],
    }
    text = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    for secret in (TOKEN, "rad-001", "prac-7", "Radiculopathy"):
        assert secret not in text


def test_a_call_leaves_the_garbage_collector_running(
    client: FlaskClient, fake: responses.RequestsMock
) -> None:
    """The collector is paused from the parse until the engine returns, and running again after
    every answer: a card, a 400 for a bad request, a 400 for invalid FHIR data."""
    import gc

    body = load_protocol("patient-view.full-prefetch.json")
    bad_fhir = json.loads(json.dumps(body))
    bad_fhir["prefetch"]["conditions"]["entry"][0]["resource"]["subject"] = "Patient/x"
    for sent, status in ((body, 200), ({"hook": "patient-view"}, 400), (bad_fhir, 400)):
        resp = post(client, "probe", sent)
        assert resp.status_code == status, resp.get_json()
        assert gc.isenabled()


@pytest.fixture
def held_bodies(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every ``wire.HeldBody`` the service makes, in order."""
    from cds_service import wire

    held: list[wire.HeldBody] = []

    class Recorded(wire.HeldBody):
        def __init__(self, pause: bool = True) -> None:
            super().__init__(pause)
            self.paused = pause
            held.append(self)

    monkeypatch.setattr(wire, "HeldBody", Recorded)
    return held


def test_under_serve_a_large_body_is_freed_once_the_answer_is_written(
    client: FlaskClient, fake: responses.RequestsMock, held_bodies: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the server runs work after the response (``serve``'s front), a call with a large body
    leaves freeing it, and the collector's pause, to that moment — for a card and a 400 alike."""
    import gc

    from cds_service import app as app_module
    from cds_service import wire

    monkeypatch.setattr(app_module, "FREE_AFTER_RESPONSE_BYTES", 1)  # every body counts as large
    body = load_protocol("patient-view.full-prefetch.json")
    bad_fhir = json.loads(json.dumps(body))
    bad_fhir["prefetch"]["conditions"]["entry"][0]["resource"]["subject"] = "Patient/x"
    for sent, status in ((body, 200), ({"hook": "patient-view"}, 400), (bad_fhir, 400)):
        after = wire.AfterResponse()
        resp = client.post("/cds-services/probe", json=sent, environ_overrides={wire.AFTER_RESPONSE: after})
        assert resp.status_code == status, resp.get_json()
        assert isinstance(held_bodies[-1].body, dict)  # still held: nothing freed before the answer
        assert held_bodies[-1].paused and not gc.isenabled()
        after.run()  # the response is out
        assert held_bodies[-1].body is None
        assert gc.isenabled()
    assert len(held_bodies) == 3


def test_a_typical_body_is_freed_before_the_answer_even_under_serve(
    client: FlaskClient, fake: responses.RequestsMock, held_bodies: list[Any]
) -> None:
    import gc

    from cds_service import app as app_module
    from cds_service import wire

    raw = json.dumps(load_protocol("patient-view.full-prefetch.json")).encode()
    assert len(raw) < app_module.FREE_AFTER_RESPONSE_BYTES
    resp = client.post(
        "/cds-services/probe",
        data=raw,
        content_type="application/json",
        environ_overrides={wire.AFTER_RESPONSE: wire.AfterResponse()},
    )
    assert resp.status_code == 200, resp.get_json()
    assert held_bodies[-1].body is None  # freed in the call, before the answer
    # the collector was never paused for it: with calls in flight together, a process-wide pause
    # per typical body kept it off most of the time
    assert not held_bodies[-1].paused
    assert gc.isenabled()
