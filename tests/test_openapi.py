"""The OpenAPI 3.1 document (cds_service/openapi.json) matches the code: every route documented and
every documented path routed, service ids and hooks taken from the registry, examples and real
responses valid against its schemas, and the document served at GET /openapi.json."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from jsonschema import Draft202012Validator
from openapi_spec_validator.validation import OpenAPIV31SpecValidator
from werkzeug.exceptions import MethodNotAllowed, NotFound

from cds_service.openapi import PATH, document
from hooks.registry import services
from tests.conftest import load_protocol

DOC = document()
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
UNDOCUMENTED_ROUTES = {
    "/static/<path:filename>",  # Flask's default static route; no files are served
    # the pathway app's browser pages (HTML, SMART launch), documented in the README, not an API
    "/app/launch",
    "/app/callback",
    "/app/",
    "/app/demo/<name>",
    "/app/logout",
}


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for a schema inside the document (its $refs resolve against the document)."""
    return Draft202012Validator({"components": DOC["components"], "allOf": [schema]})


def schema_of(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def assert_valid(instance: Any, schema: dict[str, Any]) -> None:
    errors = sorted(validator(schema).iter_errors(instance), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


@pytest.fixture
def real_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()  # the real registry


def openapi_path(rule: str) -> str:
    """/cds-services/<service_id> -> /cds-services/{service_id}"""
    return rule.replace("<", "{").replace(">", "}")


def test_it_is_an_openapi_3_1_document_with_valid_schemas() -> None:
    assert DOC["openapi"].startswith("3.1.")
    errors = [e.message for e in OpenAPIV31SpecValidator(DOC).iter_errors()]
    assert errors == []
    assert DOC["info"]["title"] and DOC["info"]["version"]
    for schema in DOC["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    refs = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.add(node["$ref"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(DOC)
    for r in refs:
        kind, name = r.removeprefix("#/components/").split("/")
        assert name in DOC["components"][kind], f"dangling $ref {r}"


def test_every_route_is_documented_and_every_documented_path_is_routed(real_app: Flask) -> None:
    routed: dict[str, set[str]] = {}
    for rule in real_app.url_map.iter_rules():
        if rule.rule in UNDOCUMENTED_ROUTES:
            continue
        methods = {m.lower() for m in rule.methods or ()} - {"head", "options"}
        routed.setdefault(openapi_path(rule.rule), set()).update(methods)
    documented = {path: {m for m in item if m in HTTP_METHODS} for path, item in DOC["paths"].items()}
    assert routed == documented

    adapter = real_app.url_map.bind("localhost")
    ids = DOC["paths"]["/cds-services/{service_id}"]["post"]["parameters"][0]["schema"]["enum"]
    for path, methods in documented.items():
        concrete = path.replace("{service_id}", ids[0])
        for method in methods:
            endpoint, _ = adapter.match(concrete, method=method.upper())
            assert endpoint
        for method in set(HTTP_METHODS) - methods - {"head", "options"}:
            with pytest.raises(MethodNotAllowed):
                adapter.match(concrete, method=method.upper())
    with pytest.raises(NotFound):
        adapter.match("/cds-services/a/b/c", method="POST")


def test_service_ids_and_hooks_are_the_registry_s() -> None:
    registry = services()
    ids = sorted({e for s in registry for e in s.endpoint_ids()})  # the discovery ids
    hooks = sorted({h for s in registry for h in s.hooks})
    for path in ("/cds-services/{service_id}", "/cds-services/{service_id}/feedback"):
        (param,) = DOC["paths"][path]["post"]["parameters"]
        assert param["in"] == "path" and sorted(param["schema"]["enum"]) == ids
    assert sorted(DOC["components"]["schemas"]["CdsRequest"]["properties"]["hook"]["enum"]) == hooks


def test_every_documented_response_has_a_schema_and_its_example_is_valid() -> None:
    seen = 0
    for path, item in DOC["paths"].items():
        for method, op in item.items():
            assert op.get("operationId"), (path, method)
            assert "200" in op["responses"]
            for status, resp in op["responses"].items():
                if "$ref" in resp:
                    resp = DOC["components"]["responses"][resp["$ref"].rsplit("/", 1)[1]]
                for media in resp["content"].values():
                    if int(status) >= 400:
                        assert media["schema"] == schema_of("OperationOutcome"), (path, status)
                    if "example" in media:
                        assert_valid(media["example"], media["schema"])
                        seen += 1
            for media in op.get("requestBody", {}).get("content", {}).values():
                if "example" in media:
                    assert_valid(media["example"], media["schema"])
                    seen += 1
    assert seen >= 12


def test_the_error_statuses_of_a_hook_call_are_all_documented() -> None:
    responses = DOC["paths"]["/cds-services/{service_id}"]["post"]["responses"]
    assert set(responses) == {"200", "400", "401", "404", "405", "412", "413", "415", "500", "503"}


def test_it_is_served_at_a_stable_path_without_auth(make_app: Callable[..., Flask]) -> None:
    app = make_app(settings_overrides={"auth_enabled": True})
    client = app.test_client()
    assert client.get("/cds-services").status_code == 401  # auth really is on
    resp = client.get(PATH)
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    assert resp.get_json() == DOC


def test_real_responses_conform(real_app: Flask) -> None:
    """Discovery, cards for each hook, feedback and health from the real services fit the document."""
    client = real_app.test_client()
    assert_valid(client.get("/cds-services").get_json(), schema_of("Discovery"))
    assert_valid(client.get("/health").get_json(), schema_of("Health"))
    issued: list[str] = []
    for name, service in [
        ("patient-view.full-prefetch.json", "radicular-pathway"),
        ("order-select.full-prefetch.json", "radicular-order-select"),
        ("order-sign.full-prefetch.json", "radicular-order-sign"),
    ]:
        body = load_protocol(name)
        assert_valid(body, schema_of("CdsRequest"))
        resp = client.post(f"/cds-services/{service}", json=body)
        assert resp.status_code == 200, resp.get_json()
        assert_valid(resp.get_json(), schema_of("CdsResponse"))
        issued += [c["uuid"] for c in resp.get_json()["cards"]]
    assert issued
    fb = {
        "feedback": [
            {"card": u, "outcome": "overridden", "outcomeTimestamp": "2026-11-20T14:31:05Z"} for u in issued
        ]
    }
    assert_valid(fb, schema_of("FeedbackRequest"))
    resp = client.post("/cds-services/radicular-pathway/feedback", json=fb)
    assert resp.status_code == 200
    assert_valid(resp.get_json(), schema_of("FeedbackResult"))
    assert resp.get_json()["stored"] == len(issued)


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("post", "/cds-services/radicular-pathway", {"hook": "patient-view"}, 400),
        ("post", "/cds-services/nope", {}, 404),
        (
            "post",
            "/cds-services/radicular-pathway",
            {"hook": "patient-view", "hookInstance": "h", "context": {"userId": "Practitioner/u", "patientId": "p"}},  # noqa: E501
            412,
        ),
        ("get", "/cds-services/radicular-pathway", None, 405),
        ("post", "/cds-services/radicular-pathway", b"x" * (70 * 1024), 413),
        ("post", "/cds-services/radicular-pathway", "text", 415),
        ("post", "/cds-services/radicular-pathway/feedback", {"feedback": [{}]}, 400),
    ],
)
def test_error_responses_conform(real_app: Flask, method: str, path: str, body: Any, status: int) -> None:
    client = real_app.test_client()
    if isinstance(body, bytes):
        resp = client.post(path, data=body, content_type="application/json")
    elif isinstance(body, str):
        resp = client.post(path, data=body, content_type="text/plain")
    elif body is None:
        resp = getattr(client, method)(path)
    else:
        resp = client.post(path, data=json.dumps(body), content_type="application/json")
    assert resp.status_code == status
    assert_valid(resp.get_json(), schema_of("OperationOutcome"))


def test_every_order_fixture_response_with_a_delete_action_conforms(real_app: Flask) -> None:
    """A delete action names its resource by a relative reference, a string (CDS Hooks 2.0 Action
    ``resourceId``): every order fixture's real response fits the document, deletes included."""
    client = real_app.test_client()
    fixtures = sorted(
        (Path(__file__).resolve().parent.parent / "fhir_fixtures" / "orders").glob("*.order-sign.json")
    )
    deletes = 0
    for path in fixtures:
        body = json.loads(path.read_text())
        resp = client.post("/cds-services/radicular-order-sign", json=body)
        assert resp.status_code == 200, (path.name, resp.get_json())
        assert_valid(resp.get_json(), schema_of("CdsResponse"))
        deletes += sum(
            a["type"] == "delete" and isinstance(a.get("resourceId"), str)
            for c in resp.get_json()["cards"]
            for s in c.get("suggestions", [])
            for a in s["actions"]
        )
    assert deletes > 10
