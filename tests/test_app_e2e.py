"""End to end with the real registry: each hook answers the same with full prefetch, with partial
prefetch plus fhirServer, and with no prefetch plus fhirServer; every card meets CDS Hooks 2.0."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from conftest import FHIR_BASE, load_protocol
from flask import Flask
from flask.testing import FlaskClient

SERVICE = {
    "patient-view": "radicular-pathway",
    "order-select": "radicular-order-select",
    "order-sign": "radicular-order-sign",
}
KEY_PATH = {
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
# The two Observation searches share a path: each key's answer goes to its own query (the pain and
# function scores by code, the examination findings by category), whatever order they are sent in.


def _query_names(name: str) -> Callable[[Any], tuple[bool, str]]:
    def match(request: Any) -> tuple[bool, str]:
        query = request.url.partition("?")[2]
        found = any(part.split("=", 1)[0] == name for part in query.split("&"))
        return found, "" if found else f"no {name} parameter"

    return match


KEY_MATCH = {"observations": [_query_names("code")], "examObservations": [_query_names("category")]}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TOKEN = "e2e-access-token"


@pytest.fixture
def fake() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def real(make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app().test_client()


def assert_conforms(body: dict[str, Any]) -> None:
    """CDS Hooks 2.0 response rules (conformance checklist 1.A, 1.E, 1.F)."""
    assert set(body) <= {"cards", "systemActions"} and isinstance(body["cards"], list)

    def no_empty(v: Any, where: str) -> None:
        assert v is not None and v != "" and v != [] and v != {}, where
        if isinstance(v, dict):
            for k, x in v.items():
                no_empty(x, f"{where}.{k}")
        elif isinstance(v, list):
            for i, x in enumerate(v):
                no_empty(x, f"{where}[{i}]")

    for i, card in enumerate(body["cards"]):
        no_empty(card, f"cards[{i}]")
        assert UUID.match(card["uuid"])
        assert isinstance(card["summary"], str) and len(card["summary"]) < 140
        assert card["indicator"] in ("info", "warning", "critical")
        assert card["source"]["label"] and card["source"]["url"].startswith("https://")
        assert {"system", "code"} <= set(card["source"]["topic"])
        if "suggestions" in card:
            assert card["selectionBehavior"] in ("at-most-one", "any")
            recommended = [s for s in card["suggestions"] if s.get("isRecommended")]
            if card["selectionBehavior"] == "at-most-one":
                assert len(recommended) <= 1
            for s in card["suggestions"]:
                assert s["label"] and UUID.match(s["uuid"])
                for a in s.get("actions", []):
                    assert a["type"] in ("create", "update", "delete") and a["description"]
                    if a["type"] in ("create", "update"):
                        assert isinstance(a["resource"], dict) and a["resource"]["resourceType"]
        else:
            assert "selectionBehavior" not in card
        for r in card.get("overrideReasons", []):
            assert r["system"] and r["code"] and r["display"]
        for link in card.get("links", []):
            assert link["type"] in ("absolute", "smart") and link["label"] and link["url"]


def comparable(body: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for card in body["cards"]:
        c = {k: v for k, v in card.items() if k != "uuid"}
        if "suggestions" in c:
            c["suggestions"] = [{k: v for k, v in s.items() if k != "uuid"} for s in c["suggestions"]]
        out.append(c)
    return out


@pytest.mark.parametrize("hook", ["patient-view", "order-select", "order-sign"])
def test_full_partial_and_no_prefetch_answer_alike(
    real: FlaskClient, fake: responses.RequestsMock, hook: str
) -> None:
    """The real service gives the same cards whether the chart is prefetched, partly fetched with a
    token, or wholly fetched from the FHIR server; every response conforms to CDS Hooks 2.0."""
    full = load_protocol(f"{hook}.full-prefetch.json")
    chart = full["prefetch"]
    for key, path in KEY_PATH.items():
        fake.get(f"{FHIR_BASE}/{path}", json=chart[key], match=KEY_MATCH.get(key, []))

    r_full = real.post(f"/cds-services/{SERVICE[hook]}", json=full)
    assert r_full.status_code == 200, r_full.get_json()

    partial = load_protocol(f"{hook}.full-prefetch.json")
    for key in ("procedures", "observations", "diagnosticReports", "medicationRequests"):
        del partial["prefetch"][key]
    partial["fhirServer"] = FHIR_BASE
    partial["fhirAuthorization"] = {
        "access_token": TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "radicular-cds",
    }
    r_partial = real.post(f"/cds-services/{SERVICE[hook]}", json=partial)
    assert r_partial.status_code == 200, r_partial.get_json()
    assert len(fake.calls) == 4
    assert {c.request.headers["Authorization"] for c in fake.calls} == {f"Bearer {TOKEN}"}

    none = load_protocol(f"{hook}.full-prefetch.json")
    del none["prefetch"]
    none["fhirServer"] = FHIR_BASE
    r_none = real.post(f"/cds-services/{SERVICE[hook]}", json=none)
    assert r_none.status_code == 200, r_none.get_json()
    assert len(fake.calls) == 4 + len(KEY_PATH)

    for r in (r_full, r_partial, r_none):
        assert_conforms(r.get_json())
    assert comparable(r_partial.get_json()) == comparable(r_full.get_json())
    assert comparable(r_none.get_json()) == comparable(r_full.get_json())


def test_patient_view_full_chart_gives_advice_naming_its_data(real: FlaskClient) -> None:
    """The synthetic chart (lumbar radiculopathy, failed transforaminal ESI, concordant MRI) gets
    at least one pathway card, and the cards name the resources that decide it: the failed
    injection and the concordant imaging."""
    body = real.post(
        "/cds-services/radicular-pathway", json=load_protocol("patient-view.full-prefetch.json")
    ).get_json()
    assert body["cards"]
    details = "\n".join(c["detail"] for c in body["cards"])
    assert "`Procedure/proc-esi-1`" in details and "`DiagnosticReport/dr-mri-1`" in details


@pytest.mark.parametrize(
    "name",
    [
        "patient-view.sandbox.json",
        "order-sign.sandbox.json",
        "order-select.sandbox-pama.json",
        "order-select.library-R4.json",
        "order-sign.library-R4.json",
        "order-sign.library-STU3.json",
        "order-select.cds-hooks-org-radiology.json",
        "patient-view.spec.json",
    ],
)
def test_real_services_answer_sandbox_and_spec_shapes(
    real: FlaskClient, fake: responses.RequestsMock, name: str
) -> None:
    """The Sandbox's and the spec's request shapes get a conforming 200 from the real services
    (data the request lacks is fetched; an empty record is an answer, not an error)."""
    body = load_protocol(name)
    if body["fhirServer"].startswith("http://hooks.smarthealthit.org"):
        # plain http to a public host is never contacted (tests/test_fhir_trust.py)
        body["fhirServer"] = FHIR_BASE
    base = body["fhirServer"]
    pid = body["context"]["patientId"]
    fake.get(f"{base}/Patient/{pid}", json={"resourceType": "Patient", "id": pid, "birthDate": "1950-01-01"})
    for key, path in KEY_PATH.items():
        if key != "patient":
            fake.get(f"{base}/{path}", json={"resourceType": "Bundle", "type": "searchset", "total": 0})
    resp = real.post(f"/cds-services/{SERVICE[body['hook']]}", json=body)
    assert resp.status_code == 200, resp.get_json()
    assert_conforms(resp.get_json())


def test_real_cards_say_what_could_not_be_checked(real: FlaskClient, fake: responses.RequestsMock) -> None:
    """When optional data fails (the FHIR server times out on observations), the real pathway
    still answers and its cards name the data that went unchecked and why."""
    import requests

    body = load_protocol("patient-view.full-prefetch.json")
    del body["prefetch"]["observations"]
    body["fhirServer"] = FHIR_BASE
    fake.get(f"{FHIR_BASE}/Observation", body=requests.exceptions.ReadTimeout())
    resp = real.post("/cds-services/radicular-pathway", json=body)
    assert resp.status_code == 200, resp.get_json()
    cards = resp.get_json()["cards"]
    assert cards
    assert any(
        "pain and function scores" in c["detail"] and "did not answer within" in c["detail"] for c in cards
    )


def test_a_radicular_diagnosis_typed_in_words_reaches_the_pathway_through_the_service(
    real: FlaskClient,
) -> None:
    """The relevance screen in front of the pathway keeps a Condition with no code whose words name
    a lumbar radiculopathy: the typed diagnosis gives the cards the coded one gives."""
    coded = load_protocol("patient-view.full-prefetch.json")
    typed = load_protocol("patient-view.full-prefetch.json")
    for entry in typed["prefetch"]["conditions"]["entry"]:
        if entry["resource"]["id"] == "cond-radic":
            # the side of the report's lesion (a left radiculopathy would make the right S1 lesion discordant)
            entry["resource"]["code"] = {"text": "Right S1 radiculopathy"}
    by_code = real.post("/cds-services/radicular-pathway", json=coded).get_json()["cards"]
    by_words = real.post("/cds-services/radicular-pathway", json=typed).get_json()["cards"]
    assert by_code
    assert [c["source"]["topic"]["code"] for c in by_words] == [c["source"]["topic"]["code"] for c in by_code]
    assert [c["summary"] for c in by_words] == [c["summary"] for c in by_code]
