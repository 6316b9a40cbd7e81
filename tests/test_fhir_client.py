"""The FHIR client against a fake FHIR server (``responses``): token scope, paging, errors, caps."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses

from cds_service.fhir_client import (
    FhirAuthError,
    FhirClient,
    FhirHttpError,
    FhirInvalidResponse,
    FhirNetworkError,
    FhirResponseTooLarge,
    FhirTimeout,
)

BASE = "https://ehr.example.org/fhir"
TOKEN = "secret-access-token"


@pytest.fixture
def fake() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def bundle(*ids: str, next_url: str | None = None) -> dict[str, Any]:
    b: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": {"resourceType": "Condition", "id": i}} for i in ids],
    }
    if next_url:
        b["link"] = [{"relation": "self", "url": "x"}, {"relation": "next", "url": next_url}]
    return b


def client(**kw: Any) -> FhirClient:
    return FhirClient(requests.Session(), timeout=kw.pop("timeout", 1.0), **kw)


def test_read_sends_bearer_token_to_fhir_server(fake: responses.RequestsMock) -> None:
    """A read on the fhirServer carries Authorization: Bearer and asks for FHIR JSON."""
    fake.get(f"{BASE}/Patient/p1", json={"resourceType": "Patient", "id": "p1"})
    result = client().fetch("Patient/p1", fhir_server=BASE, access_token=TOKEN)
    assert result.resources == ({"resourceType": "Patient", "id": "p1"},)
    assert result.single is True
    sent = fake.calls[0].request.headers
    assert sent["Authorization"] == f"Bearer {TOKEN}"
    assert "application/fhir+json" in sent["Accept"]


def test_no_token_no_authorization_header(fake: responses.RequestsMock) -> None:
    """Without a token (an open FHIR server, like the Sandbox's) no Authorization header is sent."""
    fake.get(f"{BASE}/Condition", json=bundle("c1"))
    client().fetch("Condition?patient=p1", fhir_server=BASE, access_token=None)
    assert "Authorization" not in fake.calls[0].request.headers


def test_paging_follows_next_links_on_the_same_origin(fake: responses.RequestsMock) -> None:
    """next links on the fhirServer's origin are followed with the token; all pages are merged."""
    fake.get(f"{BASE}/Condition", json=bundle("c1", next_url=f"{BASE}?_getpages=abc&page=2"))
    fake.get(
        BASE,
        match=[responses.matchers.query_param_matcher({"_getpages": "abc", "page": "2"})],
        json=bundle("c2", next_url="/fhir?_getpages=abc&page=3"),
    )
    fake.get(
        BASE,
        match=[responses.matchers.query_param_matcher({"_getpages": "abc", "page": "3"})],
        json=bundle("c3"),
    )
    result = client().fetch("Condition?patient=p1", fhir_server=BASE, access_token=TOKEN)
    assert [r["id"] for r in result.resources] == ["c1", "c2", "c3"]
    assert result.pages == 3 and result.incomplete is None
    assert all(c.request.headers["Authorization"] == f"Bearer {TOKEN}" for c in fake.calls)


def test_next_link_to_another_origin_is_not_followed(fake: responses.RequestsMock) -> None:
    """A next link on another host is refused: the token never leaves the EHR's server."""
    fake.get(f"{BASE}/Condition", json=bundle("c1", next_url="https://evil.example.com/fhir?page=2"))
    other = fake.get("https://evil.example.com/fhir", json=bundle("c2"))
    result = client().fetch("Condition?patient=p1", fhir_server=BASE, access_token=TOKEN)
    assert [r["id"] for r in result.resources] == ["c1"]
    assert result.incomplete == "the next page is on another server and was not read"
    assert other.call_count == 0
    assert len(fake.calls) == 1 and fake.calls[0].request.url.startswith(BASE)


@pytest.mark.parametrize(
    "other", ["http://ehr.example.org/fhir?p=2", "https://ehr.example.org:8443/fhir?p=2"]
)
def test_other_scheme_or_port_is_another_origin(fake: responses.RequestsMock, other: str) -> None:
    """Same host but another scheme or port is another origin, and is not followed."""
    fake.get(f"{BASE}/Condition", json=bundle("c1", next_url=other))
    result = client().fetch("Condition", fhir_server=BASE, access_token=TOKEN)
    assert result.incomplete == "the next page is on another server and was not read"
    assert len(fake.calls) == 1


def test_token_only_to_fhir_server_origin_on_direct_get(fake: responses.RequestsMock) -> None:
    """get_json attaches the token only when the URL is on the fhirServer origin."""
    fake.get("https://elsewhere.example.net/Patient/1", json={"resourceType": "Patient"})
    client().get_json("https://elsewhere.example.net/Patient/1", fhir_server=BASE, access_token=TOKEN)
    assert "Authorization" not in fake.calls[0].request.headers


def test_page_cap_stops_paging(fake: responses.RequestsMock) -> None:
    """At the page cap, paging stops and the result says it is incomplete."""
    for n in range(1, 6):
        fake.get(
            f"{BASE}/Condition",
            match=[responses.matchers.query_param_matcher({"page": str(n)})],
            json=bundle(f"c{n}", next_url=f"{BASE}/Condition?page={n + 1}"),
        )
    result = client(page_cap=3).fetch("Condition?page=1", fhir_server=BASE, access_token=None)
    assert [r["id"] for r in result.resources] == ["c1", "c2", "c3"]
    assert result.incomplete == "only the first 3 pages were read"
    assert len(fake.calls) == 3


@pytest.mark.parametrize(
    ("kwargs", "error", "reason"),
    [
        ({"body": requests.exceptions.ReadTimeout()}, FhirTimeout, "FHIR server did not answer within 1 s"),
        (
            {"body": requests.exceptions.ConnectTimeout()},
            FhirTimeout,
            "FHIR server did not answer within 1 s",
        ),
        (
            {"body": requests.exceptions.ConnectionError()},
            FhirNetworkError,
            "FHIR server unreachable",
        ),
        (
            {"status": 401, "json": {"resourceType": "OperationOutcome"}},
            FhirAuthError,
            "FHIR server refused access",
        ),
        ({"status": 403}, FhirAuthError, "FHIR server refused access"),
        ({"status": 500}, FhirHttpError, "FHIR server answered with an error status"),
        (
            {"status": 302, "headers": {"Location": "https://evil.example.com/"}},
            FhirHttpError,
            "FHIR server answered with an error status",
        ),
        (
            {"body": "<html>login</html>"},
            FhirInvalidResponse,
            "FHIR server answered with something that is not JSON",
        ),
        (
            {"body": '{"resourceType": "Bundle", "total": NaN}'},
            FhirInvalidResponse,
            "FHIR server answered with something that is not JSON",
        ),
        (
            {"body": '{"resourceType": "Bundle", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"},
            FhirInvalidResponse,
            "FHIR server answered with something that is not JSON",
        ),
        (
            {"json": [1, 2]},
            FhirInvalidResponse,
            "FHIR server answered with something that is not a FHIR resource",
        ),
    ],
)
def test_errors_are_typed_with_safe_reasons(
    fake: responses.RequestsMock, kwargs: dict[str, Any], error: type[Exception], reason: str
) -> None:
    """Each failure becomes its own FhirError whose reason holds no URL, query or token."""
    fake.get(f"{BASE}/Condition", **kwargs)
    with pytest.raises(error) as info:
        client().fetch("Condition?patient=p1", fhir_server=BASE, access_token=TOKEN)
    assert str(info.value) == reason
    assert TOKEN not in reason and "p1" not in reason
    assert len(fake.calls) == 1  # a redirect is not followed


def test_response_size_cap(fake: responses.RequestsMock) -> None:
    """A response above the size cap is refused, whether or not Content-Length announces it."""
    big = (
        b'{"resourceType":"Bundle","entry":[' + b'{"resource":{"resourceType":"Condition"}},' * 200 + b"{}]}"
    )
    fake.get(f"{BASE}/Condition", body=big)
    with pytest.raises(FhirResponseTooLarge, match="larger than 1000 bytes"):
        client(max_response_bytes=1000).fetch("Condition", fhir_server=BASE, access_token=None)
    ok = client(max_response_bytes=len(big)).fetch("Condition", fhir_server=BASE, access_token=None)
    assert len(ok.resources) == 200


def test_every_call_has_a_timeout(fake: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every GET is made with the configured timeout and without following redirects."""
    seen: list[dict[str, Any]] = []
    real = requests.Session.get

    def spy(self: requests.Session, url: str, **kw: Any) -> Any:
        seen.append(kw)
        return real(self, url, **kw)

    monkeypatch.setattr(requests.Session, "get", spy)
    fake.get(f"{BASE}/Condition", json=bundle("c1", next_url=f"{BASE}?page=2"))
    fake.get(BASE, json=bundle("c2"))
    client(timeout=2.5).fetch("Condition", fhir_server=BASE, access_token=None)
    assert [(k["timeout"], k["allow_redirects"]) for k in seen] == [(2.5, False), (2.5, False)]


def test_environment_is_not_trusted() -> None:
    """The session ignores .netrc and proxy environment, so nothing adds credentials behind our back."""
    assert client().session.trust_env is False


def test_gzip_responses_are_decoded(fake: responses.RequestsMock) -> None:
    """A gzip-encoded FHIR response (requests asks for gzip) is decoded before parsing."""
    import gzip
    import json

    raw = json.dumps(bundle("c1", "c2")).encode()
    fake.get(f"{BASE}/Condition", body=gzip.compress(raw), headers={"Content-Encoding": "gzip"})
    result = client().fetch("Condition", fhir_server=BASE, access_token=None)
    assert [r["id"] for r in result.resources] == ["c1", "c2"]


def test_deadline_stops_paging_before_the_next_request(fake: responses.RequestsMock) -> None:
    """Once the invocation's budget is spent, no further page is requested."""
    from cds_service.fhir_client import Deadline

    now = [0.0]
    deadline = Deadline(1.0, clock=lambda: now[0])
    fake.get(f"{BASE}/Condition", json=bundle("c2"))
    first = bundle("c1", next_url=f"{BASE}/Condition?page=2")
    ok = client().collect(first, fhir_server=BASE, access_token=None, deadline=deadline)
    assert [r["id"] for r in ok.resources] == ["c1", "c2"] and len(fake.calls) == 1
    now[0] = 1.5
    with pytest.raises(FhirTimeout, match="within the 1 s budget"):
        client().collect(first, fhir_server=BASE, access_token=None, deadline=deadline)
    assert len(fake.calls) == 1
