"""Prefetch resolution, key by key, against a fake FHIR server (``responses``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from cds_service import wire
from cds_service.errors import PreconditionFailed
from cds_service.fhir_client import FhirClient
from cds_service.prefetch import TemplateError, error_outcome, render_template, resolve

BASE = "https://ehr.example.org/fhir"
TOKEN = "secret-access-token"
TEMPLATES = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}&clinical-status=active",
    "procedures": "Procedure?patient={{context.patientId}}&_sort=-date",
    "observations": "Observation?patient={{context.patientId}}&_sort=-date",
}
REQUIRED = frozenset({"conditions", "procedures"})
OO_ERROR = {
    "resourceType": "OperationOutcome",
    "issue": [{"severity": "error", "code": "timeout", "diagnostics": "search timed out"}],
}


@pytest.fixture
def fake() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def bundle(*resources: dict[str, Any], next_url: str | None = None) -> dict[str, Any]:
    b: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }
    if next_url:
        b["link"] = [{"relation": "next", "url": next_url}]
    return b


def cond(i: str) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": i, "subject": {"reference": "Patient/p1"}}


def proc(i: str) -> dict[str, Any]:
    return {
        "resourceType": "Procedure",
        "id": i,
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
    }


def request(
    prefetch: dict[str, Any] | None = None, *, server: bool = True, token: bool = True, **ctx: Any
) -> wire.CdsRequest:
    body: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "i-1",
        "context": {"userId": "Practitioner/u1", "patientId": "p1", **ctx},
    }
    if server:
        body["fhirServer"] = BASE
        if token:
            body["fhirAuthorization"] = {
                "access_token": TOKEN,
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": "x",
                "subject": "y",
            }
    if prefetch is not None:
        body["prefetch"] = prefetch
    return wire.parse_request(body)


def run(req: wire.CdsRequest, templates: dict[str, str] = TEMPLATES, **kw: Any) -> Any:
    client = FhirClient(requests.Session(), timeout=kw.pop("timeout", 1.0), page_cap=kw.pop("page_cap", 3))
    return resolve(templates, REQUIRED, req, client, **kw)


def serve_all(fake: responses.RequestsMock) -> None:
    fake.get(f"{BASE}/Patient/p1", json={"resourceType": "Patient", "id": "p1"})
    fake.get(f"{BASE}/Condition", json=bundle(cond("c-fetched")))
    fake.get(f"{BASE}/Procedure", json=bundle(proc("p-fetched")))
    fake.get(f"{BASE}/Observation", json=bundle())


def ids(res: Any, key: str) -> list[str]:
    return [r["id"] for r in res.data[key].resources]


FULL = {
    "patient": {"resourceType": "Patient", "id": "p1"},
    "conditions": bundle(cond("c1")),
    "procedures": bundle(proc("p1")),
    "observations": bundle(),
}


# -- tokens -------------------------------------------------------------------------------------


def test_every_token_is_rendered() -> None:
    """context fields and the four user tokens render, percent-encoded, from the hook context."""
    ctx = {"userId": "Practitioner/u 1", "patientId": "p&1", "encounterId": "e1"}
    t = "P={{context.patientId}}&E={{context.encounterId}}&U={{context.userId}}&R={{userPractitionerId}}"
    assert render_template(t, "patient-view", ctx) == "P=p%261&E=e1&U=Practitioner/u%201&R=u%201"
    for token, user in [
        ("userPractitionerRoleId", "PractitionerRole/r1"),
        ("userPatientId", "Patient/r1"),
        ("userRelatedPersonId", "RelatedPerson/r1"),
    ]:
        assert render_template(f"X?u={{{{{token}}}}}", "patient-view", {"userId": user}) == "X?u=r1"


@pytest.mark.parametrize(
    ("template", "context", "message"),
    [
        (
            "X?u={{userPractitionerRoleId}}",
            {"userId": "Practitioner/1"},
            "the user is not a PractitionerRole",
        ),
        ("X?e={{context.encounterId}}", {"patientId": "p1"}, "has no value in this request"),
        (
            "X?d={{context.draftOrders}}",
            {"draftOrders": {}},
            "is not a prefetch token of the patient-view hook",
        ),
        ("X?m={{context.medication.id}}", {}, "is not a prefetch token"),
        ("X?t={{today()}}", {}, "is not a CDS Hooks 2.0 prefetch token"),
    ],
)
def test_unrenderable_tokens_raise(template: str, context: dict[str, Any], message: str) -> None:
    """A token that cannot be filled from this request raises TemplateError saying why."""
    with pytest.raises(TemplateError, match=message.replace("(", r"\(")):
        render_template(template, "patient-view", context)


def test_error_outcome_detection() -> None:
    """An OperationOutcome, or a Bundle holding an error one, is a failure; warnings are not."""
    assert error_outcome(OO_ERROR)
    assert error_outcome({"resourceType": "OperationOutcome"})
    assert error_outcome(bundle(cond("c1"), OO_ERROR))
    warning = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "warning", "code": "informational"}],
    }
    assert not error_outcome(bundle(cond("c1"), warning))
    assert not error_outcome(bundle(cond("c1")))


# -- per-key branches ---------------------------------------------------------------------------


def test_full_prefetch_is_used_without_calling_the_server(fake: responses.RequestsMock) -> None:
    """Every key present: nothing is fetched, nothing is unavailable."""
    res = run(request(FULL))
    assert ids(res, "conditions") == ["c1"] and ids(res, "procedures") == ["p1"]
    assert res.data["patient"].single and res.data["observations"].resources == ()
    assert res.unavailable == {} and res.fetched == () and len(fake.calls) == 0


def test_null_means_no_data_and_is_not_refetched(fake: responses.RequestsMock) -> None:
    """A null value is 'no data': the key is satisfied with nothing, and not queried again."""
    res = run(request({**FULL, "conditions": None, "patient": None}))
    assert res.data["conditions"].resources == () and res.data["conditions"].source == "null"
    assert res.unavailable == {} and len(fake.calls) == 0


def test_operation_outcome_value_is_fetched(fake: responses.RequestsMock) -> None:
    """An OperationOutcome in place of a key's data means the client failed: fetch it ourselves."""
    serve_all(fake)
    res = run(request({**FULL, "conditions": OO_ERROR}))
    assert ids(res, "conditions") == ["c-fetched"] and res.fetched == ("conditions",)
    assert [c.request.url.split("?")[0] for c in fake.calls] == [f"{BASE}/Condition"]


def test_bundle_holding_an_operation_outcome_is_fetched(fake: responses.RequestsMock) -> None:
    """A Bundle with an error OperationOutcome entry is a failed prefetch: fetch it."""
    serve_all(fake)
    res = run(request({**FULL, "procedures": bundle(proc("partial"), OO_ERROR)}))
    assert ids(res, "procedures") == ["p-fetched"] and res.fetched == ("procedures",)


def test_warning_outcome_in_bundle_is_dropped_not_fetched(fake: responses.RequestsMock) -> None:
    """A searchset's informational OperationOutcome is dropped and the data used as is."""
    warn = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "information", "code": "informational"}],
    }
    res = run(request({**FULL, "conditions": bundle(cond("c1"), warn)}))
    assert ids(res, "conditions") == ["c1"] and len(fake.calls) == 0


def test_absent_keys_are_fetched_with_the_token(fake: responses.RequestsMock) -> None:
    """Absent keys are rendered and fetched from fhirServer with Authorization: Bearer."""
    serve_all(fake)
    res = run(request({"patient": FULL["patient"]}))
    assert ids(res, "conditions") == ["c-fetched"] and ids(res, "procedures") == ["p-fetched"]
    assert sorted(res.fetched) == ["conditions", "observations", "procedures"]
    urls = sorted(c.request.url for c in fake.calls)
    assert urls == [
        f"{BASE}/Condition?patient=p1&clinical-status=active",
        f"{BASE}/Observation?patient=p1&_sort=-date",
        f"{BASE}/Procedure?patient=p1&_sort=-date",
    ]
    assert {c.request.headers["Authorization"] for c in fake.calls} == {f"Bearer {TOKEN}"}


def test_absent_keys_are_fetched_without_a_token(fake: responses.RequestsMock) -> None:
    """With fhirServer but no fhirAuthorization (the Sandbox), fetches carry no Authorization."""
    serve_all(fake)
    res = run(request(None, token=False))
    assert ids(res, "patient") == ["p1"] and ids(res, "conditions") == ["c-fetched"]
    assert len(fake.calls) == 4
    assert all("Authorization" not in c.request.headers for c in fake.calls)


def test_missing_required_key_without_server_is_412(fake: responses.RequestsMock) -> None:
    """A required key that is absent with no fhirServer to ask is a 412 naming the key."""
    with pytest.raises(PreconditionFailed) as info:
        run(request({**FULL, "conditions": OO_ERROR}, server=False))
    assert info.value.status == 412
    assert info.value.expression == ["prefetch.conditions"]
    assert "conditions: prefetch returned an error and no FHIR server was given" in info.value.message


def test_missing_optional_key_without_server_is_unavailable(fake: responses.RequestsMock) -> None:
    """An optional key that cannot be had is recorded as unavailable, and the call goes on."""
    res = run(request({k: v for k, v in FULL.items() if k != "observations"}, server=False))
    assert res.unavailable == {"observations": "not prefetched and no FHIR server was given"}
    assert "observations" not in res.data


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"body": requests.exceptions.ReadTimeout()}, "FHIR server did not answer within 1 s"),
        ({"status": 401}, "FHIR server refused access"),
        ({"status": 403}, "FHIR server refused access"),
        ({"body": requests.exceptions.ConnectionError()}, "FHIR server unreachable"),
        ({"json": OO_ERROR}, "FHIR server returned an error OperationOutcome"),
        ({"json": bundle(cond("x"), OO_ERROR)}, "FHIR server returned an error OperationOutcome"),
    ],
)
def test_fetch_failures(fake: responses.RequestsMock, kwargs: dict[str, Any], reason: str) -> None:
    """A failing fetch makes an optional key unavailable and a required key a 412 — same reason."""
    fake.get(f"{BASE}/Observation", **kwargs)
    res = run(request({k: v for k, v in FULL.items() if k != "observations"}))
    assert res.unavailable == {"observations": reason}

    fake.get(f"{BASE}/Condition", **kwargs)
    with pytest.raises(PreconditionFailed) as info:
        run(request({k: v for k, v in FULL.items() if k != "conditions"}))
    assert info.value.message == f"Required FHIR data could not be obtained (conditions: {reason})."
    assert TOKEN not in info.value.message


def test_prefetched_bundle_with_next_link_is_paged(fake: responses.RequestsMock) -> None:
    """A prefetched Bundle with a next link on the fhirServer is paged through with the token."""
    fake.get(f"{BASE}/Condition", json=bundle(cond("c2")))
    res = run(request({**FULL, "conditions": bundle(cond("c1"), next_url=f"{BASE}/Condition?page=2")}))
    assert ids(res, "conditions") == ["c1", "c2"] and res.unavailable == {}
    assert fake.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_prefetched_next_link_to_another_origin_is_not_followed(fake: responses.RequestsMock) -> None:
    """A next link off the fhirServer origin is not fetched (so the token is not sent there);
    the data we have is used and the key is flagged incomplete."""
    other = fake.get("https://other.example.com/fhir/Condition", json=bundle(cond("c2")))
    res = run(
        request(
            {
                **FULL,
                "conditions": bundle(cond("c1"), next_url="https://other.example.com/fhir/Condition?page=2"),
            }
        )
    )
    assert ids(res, "conditions") == ["c1"]
    assert res.unavailable == {
        "conditions": "incomplete: the next page is on another server and was not read"
    }
    assert other.call_count == 0 and len(fake.calls) == 0


def test_fetched_search_page_cap(fake: responses.RequestsMock) -> None:
    """A fetched search stops at the page cap and says so."""
    for n in range(1, 5):
        fake.get(
            f"{BASE}/Observation",
            match=[matchers.query_param_matcher({"page": str(n)}, strict_match=False)],
            json=bundle(
                {"resourceType": "Observation", "id": f"o{n}"}, next_url=f"{BASE}/Observation?page={n + 1}"
            ),
        )
    fake.get(
        f"{BASE}/Observation",
        json=bundle({"resourceType": "Observation", "id": "o0"}, next_url=f"{BASE}/Observation?page=1"),
    )
    res = run(request({k: v for k, v in FULL.items() if k != "observations"}), page_cap=3)
    assert ids(res, "observations") == ["o0", "o1", "o2"]
    assert res.unavailable == {"observations": "incomplete: only the first 3 pages were read"}


def test_unrenderable_template_is_unavailable(fake: responses.RequestsMock) -> None:
    """A template whose token cannot be rendered is treated as unavailable (and not fetched)."""
    templates = {**TEMPLATES, "role": "PractitionerRole/{{userPractitionerRoleId}}"}
    res = run(request(FULL), templates)
    assert res.unavailable == {
        "role": "not prefetched; template not renderable: {{userPractitionerRoleId}} cannot be derived: "
        "the user is not a PractitionerRole"
    }
    assert len(fake.calls) == 0


def test_user_tokens_are_fetched(fake: responses.RequestsMock) -> None:
    """A template with a user token is rendered from context.userId and fetched."""
    fake.get(f"{BASE}/Practitioner/u1", json={"resourceType": "Practitioner", "id": "u1"})
    res = run(request(FULL), {**TEMPLATES, "user": "Practitioner/{{userPractitionerId}}"})
    assert ids(res, "user") == ["u1"] and res.unavailable == {}


def test_missing_keys_are_fetched_concurrently_within_the_budget(fake: responses.RequestsMock) -> None:
    """Two slow keys are fetched in parallel; a key slower than the overall budget is unavailable."""

    def slow(seconds: float, body: dict[str, Any]) -> Any:
        def cb(_req: Any) -> tuple[int, dict[str, str], str]:
            time.sleep(seconds)
            import json

            return 200, {}, json.dumps(body)

        return cb

    fake.add_callback(responses.GET, f"{BASE}/Condition", callback=slow(0.3, bundle(cond("c"))))
    fake.add_callback(responses.GET, f"{BASE}/Procedure", callback=slow(0.3, bundle(proc("p"))))
    fake.add_callback(responses.GET, f"{BASE}/Observation", callback=slow(3.0, bundle()))
    started = time.perf_counter()
    res = run(request({"patient": FULL["patient"]}), budget_seconds=0.8)
    elapsed = time.perf_counter() - started
    assert ids(res, "conditions") == ["c"] and ids(res, "procedures") == ["p"]
    assert res.unavailable == {"observations": "FHIR server did not answer within the 0.8 s budget"}
    assert elapsed < 2.0  # answered at the budget, not after the slow key's 3 s
